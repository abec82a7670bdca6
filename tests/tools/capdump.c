/*
 * capdump.c — prints the records finscope reads from captures, one line each, merged in time
 * order across the files as `finscope analyze` merges them (cli/input_set.h):
 *
 *   capdump FILE...   ->   FILE_NO LINKTYPE SECONDS.NANOSECONDS CAPLEN LEN
 *
 * then, on stderr, one line per file that did not end cleanly ("FILE: stopped: MESSAGE").
 * The tests compare its output with tshark's on the same files (tests/e2e/t_pcapng.sh).
 * Exit status 0, or 1 when a file could not be opened or read to its end.
 */
#include <inttypes.h>
#include <stdio.h>

#include "cli/input_set.h"

static const char *stop_name(enum capture_stop s)
{
    switch (s) {
    case CAPTURE_END: return "end";
    case CAPTURE_TRUNCATED: return "truncated";
    case CAPTURE_CORRUPT_GZIP: return "corrupt gzip";
    case CAPTURE_BAD_RECORD: return "bad record";
    default: return "reading";
    }
}

int main(int argc, char **argv)
{
    struct input_set in;
    if (argc < 2 || input_set_init(&in, argc - 1) != 0) {
        fprintf(stderr, "usage: capdump FILE...\n");
        return 2;
    }
    int status = 0;
    char err[512];
    for (int i = 1; i < argc; i++) {
        if (input_set_add(&in, i - 1, argv[i], err, sizeof err) != 0) {
            fprintf(stderr, "%s: %s\n", argv[i], err);
            status = 1;
        }
    }
    struct capture_record rec;
    int file_no;
    enum input_event ev;
    while ((ev = input_set_next(&in, &rec, &file_no, err, sizeof err)) != INPUT_DONE) {
        const struct capture_source *cs = &in.files[file_no].cs;
        if (ev == INPUT_RECORD) {
            printf("%d %d %" PRId64 ".%06" PRId64 "%03u %u %u\n", file_no, rec.linktype,
                   rec.ts_us / 1000000, rec.ts_us % 1000000, (unsigned)rec.ts_sub_ns,
                   rec.caplen, rec.len);
        } else if (ev == INPUT_FILE_LOST || cs->stop != CAPTURE_END) {
            fprintf(stderr, "%s: stopped after %" PRIu64 " records: %s: %s\n", cs->display_name,
                    cs->records, ev == INPUT_FILE_LOST ? "lost" : stop_name(cs->stop),
                    ev == INPUT_FILE_LOST ? err : cs->stop_msg);
            status = 1;
        }
    }
    input_set_free(&in);
    return status;
}
