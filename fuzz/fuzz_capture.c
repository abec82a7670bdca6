/*
 * fuzz_capture.c — libFuzzer target: a whole capture file from bytes, read as `finscope
 * analyze` reads a file (cli/input_set.h, cli/capture_source.h: gzip, libpcap, and finscope's
 * pcapng reader where libpcap refuses the file or a block of it), every record decoded with
 * its own link type and analyzed. A pcapng input is also read start to end by finscope's
 * pcapng reader alone, so that reader sees every pcapng input, not only those libpcap refuses.
 * One input in sixteen is given as two files with the same bytes, so the merge interleaves
 * two sources.
 *
 * Speed: everything costly is set up once, at the first input — nDPI (~10 ms, ~70 ms under
 * ASan, which held this target to ~55 executions a second when done per input), the two
 * analyzers (nDPI on, for one input in eight, and off), the in-memory files (memfd) the input
 * is written to. The analyzers are reset per input (analyzer_reset: no flow, clock or counter
 * survives), so what an input does does not depend on the inputs before it, but for nDPI's
 * module-wide caches of hosts it classified.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "analyzer/analyzer.h"
#include "cli/input_set.h"
#include "cli/pcapng_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int null_flow(void *ctx, const struct flow_record *f, const struct teardown_event *ev,
                     size_t nev, const struct anomaly_record *an, size_t nan,
                     const struct rst_record *rst, size_t nrst, int64_t *id)
{
    (void)ctx; (void)f; (void)ev; (void)nev; (void)an; (void)nan; (void)rst; (void)nrst;
    *id = 1;
    return 0;
}

static int null_late(void *ctx, int64_t id, const struct late_rows *rows)
{
    (void)ctx; (void)id; (void)rows;
    return 0;
}

/* What is set up once. */
static struct {
    bool ready;
    struct analyzer *with_dpi, *without_dpi;
    int fd[2];                    /* memfds the input is written to */
    char path[2][40];             /* their names, /proc/self/fd/N, which capture_open opens */
} g;

static struct analyzer *new_analyzer(bool dpi)
{
    static const struct sink s = {.flow = null_flow, .late = null_late};
    struct analyzer_config c;
    analyzer_config_default(&c);
    c.max_flows = 64;
    c.dpi = dpi;
    struct analyzer *a = analyzer_new(&c, &s);
    if (!a)
        abort();
    return a;
}

static void set_up(void)
{
    g.with_dpi = new_analyzer(true);
    g.without_dpi = new_analyzer(false);
    for (int i = 0; i < 2; i++) {
        g.fd[i] = memfd_create("fuzz-capture", MFD_CLOEXEC);
        if (g.fd[i] < 0)
            abort();
        snprintf(g.path[i], sizeof g.path[i], "/proc/self/fd/%d", g.fd[i]);
    }
    g.ready = true;
}

static void put_input(int fd, const uint8_t *data, size_t size)
{
    if (ftruncate(fd, 0) != 0 || (size > 0 && pwrite(fd, data, size, 0) != (ssize_t)size))
        abort();
}

/* Reads the files as `finscope analyze` does and analyzes every record that decodes. */
static void analyze_files(struct analyzer *a, int nfiles)
{
    struct input_set in;
    if (input_set_init(&in, nfiles) != 0)
        return;
    char err[512];
    for (int i = 0; i < nfiles; i++)
        input_set_add(&in, i, g.path[i], err, sizeof err);
    struct capture_record rec;
    int file_no;
    uint64_t n = 0;
    enum input_event ev;
    while ((ev = input_set_next(&in, &rec, &file_no, err, sizeof err)) != INPUT_DONE) {
        struct packet p;
        if (ev != INPUT_RECORD ||
            dissect_packet(rec.linktype, rec.data, rec.caplen, rec.len, &p) != DISSECT_OK)
            continue;
        p.ts_us = rec.ts_us;
        if (analyzer_packet(a, &p, ++n) != 0)
            abort();
    }
    input_set_free(&in);
    if (analyzer_finish(a) != 0)
        abort();
}

/* finscope's pcapng reader alone over the bytes, every record decoded. */
static void read_pcapng(const uint8_t *data, size_t size)
{
    FILE *fp = fmemopen((void *)data, size, "rb");
    if (!fp)
        return;
    char err[256];
    struct pcapng_reader *r = pcapng_open(fp, err, sizeof err);
    struct pcapng_record rec;
    while (r && pcapng_next(r, &rec) == 1) {
        struct packet p;
        dissect_packet(rec.linktype, rec.data, rec.caplen, rec.len, &p);
    }
    pcapng_close(r);
    fclose(fp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g.ready)
        set_up();
    int nfiles = (size & 15) == 1 ? 2 : 1;
    for (int i = 0; i < nfiles; i++)
        put_input(g.fd[i], data, size);
    struct analyzer *a = (size & 7) == 0 ? g.with_dpi : g.without_dpi;
    if (analyzer_reset(a) != 0)
        abort();
    analyze_files(a, nfiles);
    if (size >= 4 && data[0] == 0x0a && data[1] == 0x0d && data[2] == 0x0d && data[3] == 0x0a)
        read_pcapng(data, size);
    return 0;
}
