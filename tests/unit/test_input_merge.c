/*
 * test_input_merge.c — the k-way merge of a run's files (cli/input_set.c) on classic pcap
 * files written by tests/lib/capwriter.c: records come in time order across files, equal
 * times in command-line order, each file's own order kept when its times run back; a file
 * with no record ends first; with fewer descriptors than files, files that do not overlap in
 * time are opened in turn, and one that cannot be opened is reported lost, not dropped
 * silently.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/input_set.h"
#include "tests/lib/capwriter.h"

static char tmpdir[64];

static void make_tmpdir(void)
{
    strcpy(tmpdir, "/tmp/finscope-merge-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
    DIR *d = opendir(tmpdir);
    if (!d)
        return;
    struct dirent *e;
    char path[512];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", tmpdir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(tmpdir);
}

TestSuite(merge, .init = make_tmpdir, .fini = remove_tmpdir);

#define MAX_FILES 8

static char paths[MAX_FILES][256];

/* File `k` with records at the given seconds after CW_START_S (n of them; 0 = header only);
 * each record's first byte says which file and record it is: 16 * k + i. */
static const char *write_file(int k, const int *secs, int n)
{
    snprintf(paths[k], sizeof paths[k], "%s/f%d.pcap", tmpdir, k);
    struct cw_pcap w;
    cr_assert_eq(cw_pcap_open(&w, paths[k], CW_LINK_EN10MB, false), 0);
    for (int i = 0; i < n; i++) {
        uint8_t frame[60];
        memset(frame, 16 * k + i, sizeof frame);
        cr_assert_eq(cw_pcap_write_at(&w, (CW_START_S + secs[i]) * 1000000000LL, frame, 60, 60),
                     0);
    }
    cr_assert_eq(cw_pcap_close(&w), 0);
    return paths[k];
}

/* Runs the merge to its end: the records' ids and "E<k>" / "L<k>" for ends and losses, as
 * one string; checks the open-file budget after every event. */
static void run(struct input_set *in, char *out, size_t len)
{
    struct capture_record rec;
    int file_no;
    char err[512];
    enum input_event ev;
    out[0] = '\0';
    while ((ev = input_set_next(in, &rec, &file_no, err, sizeof err)) != INPUT_DONE) {
        size_t used = strlen(out);
        if (ev == INPUT_RECORD)
            snprintf(out + used, len - used, "%02x ", rec.data[0]);
        else
            snprintf(out + used, len - used, "%c%d ", ev == INPUT_FILE_END ? 'E' : 'L', file_no);
        cr_assert_leq(in->open_count, in->open_budget, "%d files open, budget %d",
                      in->open_count, in->open_budget);
        if (ev == INPUT_FILE_LOST)
            cr_assert_not_null(strstr(err, "overlap in time"), "%s", err);
    }
}

static void add_all(struct input_set *in, int n)
{
    char err[512];
    for (int k = 0; k < n; k++)
        cr_assert_eq(input_set_add(in, k, paths[k], err, sizeof err), 0, "%s", err);
}

Test(merge, time_order_across_files_ties_in_command_line_order)
{
    static const int a[] = {1, 3, 5, 7}, b[] = {2, 3, 6}, c[] = {0, 10}, e[] = {4, 2, 8};
    write_file(0, a, 4);
    write_file(1, b, 3);
    write_file(2, c, 2);
    write_file(3, NULL, 0);      /* header only */
    write_file(4, e, 3);         /* goes back in time within itself */
    struct input_set in;
    cr_assert_eq(input_set_init(&in, 5), 0);
    add_all(&in, 5);
    char got[512];
    run(&in, got, sizeof got);
    /* 3 (empty) ends first; then by time: c0@0 a0@1 b0@2 a1@3 b1@3 (tie: file 0 first) e0@4
     * a2@5 e1@2 (e's next record, after its 4, is due at once: it is at 2) b2@6 a3@7 e2@8 c1@10. */
    cr_assert_str_eq(got, "E3 20 00 10 01 11 40 41 02 12 E1 03 E0 42 E4 21 E2 ");
    input_set_free(&in);
}

Test(merge, rotated_files_opened_in_turn)
{
    static const int s[5][2] = {{0, 1}, {2, 3}, {4, 5}, {6, 7}, {8, 9}};
    for (int k = 0; k < 5; k++)
        write_file(4 - k, s[k], 2);   /* given newest first */
    struct input_set in;
    cr_assert_eq(input_set_init(&in, 5), 0);
    in.open_budget = 2;
    add_all(&in, 5);
    cr_assert_leq(in.open_count, 2);
    char got[512];
    run(&in, got, sizeof got);
    cr_assert_str_eq(got, "40 41 E4 30 31 E3 20 21 E2 10 11 E1 00 01 E0 ");
    input_set_free(&in);
}

Test(merge, a_file_kept_open_is_closed_to_make_room)
{
    static const int p[] = {5}, q[] = {1};
    write_file(0, p, 1);
    write_file(1, q, 1);
    struct input_set in;
    cr_assert_eq(input_set_init(&in, 2), 0);
    in.open_budget = 1;
    add_all(&in, 2);
    char got[512];
    run(&in, got, sizeof got);
    cr_assert_str_eq(got, "10 E1 00 E0 ");
    input_set_free(&in);
}

Test(merge, more_overlapping_files_than_the_budget_are_reported_lost)
{
    static const int x[] = {1, 10}, y[] = {2, 11}, z[] = {3, 12};
    write_file(0, x, 2);
    write_file(1, y, 2);
    write_file(2, z, 2);
    struct input_set in;
    cr_assert_eq(input_set_init(&in, 3), 0);
    in.open_budget = 2;
    add_all(&in, 3);
    char got[512];
    run(&in, got, sizeof got);
    cr_assert_str_eq(got, "00 10 L2 01 E0 11 E1 ");
    input_set_free(&in);
}

Test(merge, a_file_that_cannot_be_opened_is_left_out)
{
    static const int a[] = {1};
    write_file(0, a, 1);
    struct input_set in;
    cr_assert_eq(input_set_init(&in, 2), 0);
    char err[512];
    cr_assert_eq(input_set_add(&in, 0, paths[0], err, sizeof err), 0);
    snprintf(paths[1], sizeof paths[1], "%s/missing.pcap", tmpdir);
    cr_assert_eq(input_set_add(&in, 1, paths[1], err, sizeof err), -1);
    cr_assert_not_null(strstr(err, "cannot open"), "%s", err);
    char got[512];
    run(&in, got, sizeof got);
    cr_assert_str_eq(got, "00 E0 ");
    input_set_free(&in);
}
