/*
 * test_cli_rotate.c — live's rotation (cli/rotate_name.c, cli/rotate_sink.c): the --rotate
 * interval, interval starts and file names, --keep's pruning, and the rotating sink over real
 * result files with a clock the test moves: a flow goes to the current file, late rows and
 * forget reach the file that holds the flow, a rotated-out file closes (complete) once nothing
 * lingers in it or its bound passed, each file has its run row, and --jsonl has a line a flow.
 */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/rotate_name.h"
#include "cli/rotate_sink.h"
#include "storage/storage.h"

#define T0 1796158800000000LL     /* 2026-12-01T21:00:00Z, in microseconds */

/* ---- the interval option and names --------------------------------------------------------- */

Test(rotate_name, intervals_parse_with_their_unit)
{
    static const struct { const char *s; int64_t v; } OK[] = {
        {"2s", 2}, {"15m", 900}, {"1h", 3600}, {"1d", 86400}, {"366d", 366 * 86400}};
    for (size_t i = 0; i < sizeof OK / sizeof *OK; i++) {
        int64_t v = -1;
        cr_expect_eq(rotate_parse_interval(OK[i].s, &v), 0, "%s", OK[i].s);
        cr_expect_eq(v, OK[i].v, "%s: %lld", OK[i].s, (long long)v);
    }
    static const char *const BAD[] = {"0s", "0", "2", "s", "", "2x", "-1s", "+1s", "1.5h", "2s ",
                                      " 2s", "2ss", "367d", "99999999999999999999s", "1e3s"};
    for (size_t i = 0; i < sizeof BAD / sizeof *BAD; i++) {
        int64_t v = 0;
        cr_expect_eq(rotate_parse_interval(BAD[i], &v), -1, "'%s' accepted", BAD[i]);
    }
}

Test(rotate_name, intervals_start_at_multiples_since_the_epoch)
{
    cr_expect_eq(rotate_interval_start(T0 + 1999999, 2), T0 / 1000000);
    cr_expect_eq(rotate_interval_start(T0 + 2000000, 2), T0 / 1000000 + 2);
    cr_expect_eq(rotate_interval_start(T0 + 3599999999LL, 3600), T0 / 1000000);
    cr_expect_eq(rotate_interval_start(T0, 86400), T0 / 1000000 - 21 * 3600);
    cr_expect_eq(rotate_interval_start(T0 + 899 * 1000000LL, 900), T0 / 1000000);
}

Test(rotate_name, names_are_beside_the_path_with_the_utc_start)
{
    char b[256];
    int64_t s = T0 / 1000000;
    cr_assert_eq(rotate_file_name("/var/lib/finscope/live.db", s, b, sizeof b), 0);
    cr_expect_str_eq(b, "/var/lib/finscope/live-2026-12-01T21-00-00.db");
    cr_assert_eq(rotate_file_name("out", s + 61, b, sizeof b), 0);
    cr_expect_str_eq(b, "out-2026-12-01T21-01-01");
    cr_assert_eq(rotate_file_name("dir.d/flows", s, b, sizeof b), 0);
    cr_expect_str_eq(b, "dir.d/flows-2026-12-01T21-00-00");
    cr_assert_eq(rotate_file_name(".hidden", s, b, sizeof b), 0);
    cr_expect_str_eq(b, ".hidden-2026-12-01T21-00-00");
    cr_assert_eq(rotate_file_name("a.b.jsonl", s, b, sizeof b), 0);
    cr_expect_str_eq(b, "a.b-2026-12-01T21-00-00.jsonl");
    cr_expect_eq(rotate_file_name("/var/lib/finscope/live.db", s, b, 20), -1);
}

Test(rotate_name, only_the_exact_pattern_matches)
{
    const char *p = "/x/live.db";
    cr_expect(rotate_name_matches(p, "live-2026-12-01T21-00-00.db"));
    cr_expect(rotate_name_matches(p, "live-1999-01-01T00-00-00.db"));
    cr_expect_not(rotate_name_matches(p, "live-2026-12-01T21-00-00.db-wal"));
    cr_expect_not(rotate_name_matches(p, "live-2026-12-01T21-00-00.jsonl"));
    cr_expect_not(rotate_name_matches(p, "live.db"));
    cr_expect_not(rotate_name_matches(p, "alive-2026-12-01T21-00-00.db"));
    cr_expect_not(rotate_name_matches(p, "live-2026-12-01 21-00-00.db"));
    cr_expect_not(rotate_name_matches(p, "live-2026-12-01T21-00-0x.db"));
    cr_expect_not(rotate_name_matches(p, "live-x-2026-12-01T21-00-00.db"));
    cr_expect(rotate_name_matches("noext", "noext-2026-12-01T21-00-00"));
    cr_expect_not(rotate_name_matches("noext", "noext-2026-12-01T21-00-00.db"));
}

/* ---- --keep ---------------------------------------------------------------------------------- */

static char dir[64];

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/test_cli_rotate.XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void remove_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
}

static void touch(const char *name)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f, "%s", p);
    fclose(f);
}

static bool exists(const char *name)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return access(p, F_OK) == 0;
}

/* Says the hour-21 file is open. */
static bool hour21_open(void *ctx, const char *file)
{
    (void)ctx;
    return strstr(file, "T21-00-00") != NULL;
}

Test(rotate_keep, removes_the_oldest_beyond_n_but_never_an_open_file, .init = make_dir,
     .fini = remove_dir)
{
    static const char *const HOURS[] = {"20", "21", "22", "23"};
    for (size_t i = 0; i < 4; i++) {
        char n[64];
        snprintf(n, sizeof n, "live-2026-12-01T%s-00-00.db", HOURS[i]);
        touch(n);
        strcat(n, "-wal");
        touch(n);
    }
    touch("live-2026-12-01T20-00-00.db-shm");
    touch("live.db");
    touch("live-2026-12-01T19-00-00.db.bak");
    touch("live-2026-12-01T19-00-00.jsonl");
    char path[128], err[256] = "";
    snprintf(path, sizeof path, "%s/live.db", dir);
    cr_assert_eq(rotate_prune(path, 2, hour21_open, NULL, err, sizeof err), 1, "%s", err);
    cr_expect_not(exists("live-2026-12-01T20-00-00.db"));
    cr_expect_not(exists("live-2026-12-01T20-00-00.db-wal"));
    cr_expect_not(exists("live-2026-12-01T20-00-00.db-shm"));
    cr_expect(exists("live-2026-12-01T21-00-00.db"), "an open file was removed");
    cr_expect(exists("live-2026-12-01T21-00-00.db-wal"));
    cr_expect(exists("live-2026-12-01T22-00-00.db"));
    cr_expect(exists("live-2026-12-01T23-00-00.db"));
    cr_expect(exists("live.db") && exists("live-2026-12-01T19-00-00.db.bak") &&
              exists("live-2026-12-01T19-00-00.jsonl"), "a file of another pattern was removed");
    cr_expect_eq(rotate_prune(path, 2, NULL, NULL, err, sizeof err), 1, "%s", err);
    cr_expect_not(exists("live-2026-12-01T21-00-00.db"));
    cr_expect_eq(rotate_prune(path, 2, NULL, NULL, err, sizeof err), 0);
}

Test(rotate_keep, an_unreadable_directory_is_an_error)
{
    char err[256] = "";
    cr_expect_eq(rotate_prune("/nonexistent-dir-17/live.db", 1, NULL, NULL, err, sizeof err), -1);
    cr_expect(strstr(err, "/nonexistent-dir-17/") != NULL, "%s", err);
}

/* ---- the rotating sink ----------------------------------------------------------------------- */

struct fake_clock {
    int64_t now_us;
};

static int64_t fake_now(void *ctx)
{
    return ((struct fake_clock *)ctx)->now_us;
}

static struct flow_record flow(uint16_t port, const char *ended_by)
{
    struct flow_record f;
    memset(&f, 0, sizeof f);
    f.l4proto = 6;
    strcpy(f.proto, "tcp");
    f.orig_addr.family = f.resp_addr.family = 4;
    f.orig_addr.bytes[0] = f.resp_addr.bytes[0] = 10;
    f.resp_addr.bytes[3] = 2;
    f.orig_port = port, f.resp_port = 443;
    f.first_ts_us = T0, f.last_ts_us = T0 + 1000;
    f.ended_by = ended_by;
    f.teardown = "graceful", f.closer = "originator";
    f.wscale[0] = f.wscale[1] = -1;
    f.rtt_us[0] = f.rtt_us[1] = -1;
    return f;
}

struct fixture {
    struct fake_clock clock;
    struct rotate_config cfg;
    struct rotate_sink *rs;
    struct sink sk;
    struct run_totals totals;
    char db[128], jsonl[128];
};

static void start(struct fixture *x, size_t keep, int64_t at_us)
{
    snprintf(x->db, sizeof x->db, "%s/live.db", dir);
    snprintf(x->jsonl, sizeof x->jsonl, "%s/f.jsonl", dir);
    x->clock.now_us = at_us;
    x->cfg = (struct rotate_config){.db_path = x->db, .jsonl_path = x->jsonl, .interval_s = 2,
                                    .keep = keep, .close_after_us = 70 * 1000000LL,
                                    .clock_us = fake_now, .clock_ctx = &x->clock};
    x->rs = rotate_sink_new(&x->cfg, &x->sk);
    cr_assert_not_null(x->rs);
    struct run_info info = {.source = "eth0", .mode = "live", .started_us = T0,
                            .options = "-i eth0 --rotate 2s", .dpi = false};
    cr_assert_eq(x->sk.run_begin(x->sk.ctx, &info), 0, "%s", rotate_sink_errmsg(x->rs));
    x->totals = (struct run_totals){.packets = 10, .complete = true};
}

static int64_t put_flow(struct fixture *x, uint16_t port, const char *ended_by)
{
    struct flow_record f = flow(port, ended_by);
    int64_t id = 0;
    cr_assert_eq(x->sk.flow(x->sk.ctx, &f, NULL, 0, NULL, 0, NULL, 0, &id), 0, "%s",
                 rotate_sink_errmsg(x->rs));
    return id;
}

static void end_run(struct fixture *x, int want_rc)
{
    cr_expect_eq(x->sk.run_end(x->sk.ctx, &x->totals), want_rc, "%s", rotate_sink_errmsg(x->rs));
    rotate_sink_free(x->rs);
}

/* The first column of the first row of `sql` in dir/NAME, as text ("NULL" for NULL). */
static const char *q(const char *name, const char *sql)
{
    static char out[512];
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    sqlite3 *db;
    sqlite3_stmt *s;
    cr_assert_eq(sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK, "%s", p);
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK, "%s: %s", p,
                 sqlite3_errmsg(db));
    cr_assert_eq(sqlite3_step(s), SQLITE_ROW, "%s: %s: no row", p, sql);
    const unsigned char *t = sqlite3_column_text(s, 0);
    snprintf(out, sizeof out, "%s", t ? (const char *)t : "NULL");
    sqlite3_finalize(s);
    sqlite3_close(db);
    return out;
}

/* Lines of dir/NAME, and whether every one holds `needle`. */
static int lines_with(const char *name, const char *needle)
{
    char p[256], line[8192];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "r");
    cr_assert_not_null(f, "%s", p);
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        cr_expect(strstr(line, needle) != NULL, "%s: %s without %s", name, line, needle);
        n++;
    }
    fclose(f);
    return n;
}

#define F1 "live-2026-12-01T21-00-00.db"
#define F2 "live-2026-12-01T21-00-02.db"

Test(rotate_sink, late_rows_and_forget_reach_the_file_that_holds_the_flow, .init = make_dir,
     .fini = remove_dir)
{
    struct fixture x;
    start(&x, 0, T0 + 500000);
    int64_t a = put_flow(&x, 1000, "close");
    cr_expect_eq(a >> ROTATE_ID_BITS, 1);
    cr_expect_eq(a & ((INT64_C(1) << ROTATE_ID_BITS) - 1), 1);
    cr_assert_eq(x.sk.checkpoint(x.sk.ctx, &x.totals), 0);
    x.clock.now_us = T0 + 2500000;
    int64_t b = put_flow(&x, 2000, "close");
    cr_expect_eq(b >> ROTATE_ID_BITS, 2, "the second interval's flow is in the second file");
    cr_expect_eq(rotate_sink_files(x.rs), 2);
    struct rst_record rst = {.ts_us = T0 + 2600000, .packet = 9, .dir = DIR_RESP,
                             .flags = TCP_RST, .acceptable = RA_NONE, .cause = RC_AFTER_CLOSE,
                             .origin = RO_ENDPOINT, .ip_id = 1, .silence_us = -1};
    struct late_rows late = {.rst = &rst};
    cr_assert_eq(x.sk.late(x.sk.ctx, a, &late), 0, "%s", rotate_sink_errmsg(x.rs));
    cr_expect_str_eq(q(F1, "SELECT complete FROM runs"), "0", "closed while a flow lingers");
    x.sk.forget(x.sk.ctx, a);
    cr_expect_str_eq(q(F1, "SELECT complete || (finished IS NOT NULL) FROM runs"), "11",
                     "not closed once nothing lingered");
    cr_expect_str_eq(q(F1, "SELECT group_concat(orig_port) FROM flows"), "1000");
    cr_expect_str_eq(q(F1, "SELECT count(*) FROM rsts r JOIN flows f ON f.id = r.flow_id "
                           "WHERE f.orig_port = 1000"), "1", "the late RST is not in its file");
    end_run(&x, 0);
    cr_expect_str_eq(q(F2, "SELECT group_concat(orig_port) FROM flows"), "2000");
    cr_expect_str_eq(q(F2, "SELECT count(*) FROM rsts"), "0");
    for (int i = 0; i < 2; i++) {
        const char *f = i ? F2 : F1;
        cr_expect_str_eq(q(f, "SELECT complete || '|' || source || '|' || mode || '|' || options"
                              " || '|' || started || '|' || packets FROM runs"),
                         "1|eth0|live|-i eth0 --rotate 2s|1796158800.0|10", "%s", f);
    }
    cr_expect_eq(lines_with("f-2026-12-01T21-00-00.jsonl", "\"orig_port\": 1000,"), 1);
    cr_expect_eq(lines_with("f-2026-12-01T21-00-02.jsonl", "\"orig_port\": 2000,"), 1);
}

Test(rotate_sink, a_rotated_file_closes_at_its_bound_and_later_late_rows_are_dropped,
     .init = make_dir, .fini = remove_dir)
{
    struct fixture x;
    start(&x, 0, T0);
    int64_t a = put_flow(&x, 1000, "close");
    put_flow(&x, 1001, "evicted");
    x.clock.now_us = T0 + 2000000;
    cr_assert_eq(x.sk.checkpoint(x.sk.ctx, &x.totals), 0, "%s", rotate_sink_errmsg(x.rs));
    put_flow(&x, 2000, "evicted");
    cr_expect_str_eq(q(F1, "SELECT complete FROM runs"), "0");
    x.clock.now_us = T0 + 2000000 + x.cfg.close_after_us;
    cr_assert_eq(x.sk.checkpoint(x.sk.ctx, &x.totals), 0, "%s", rotate_sink_errmsg(x.rs));
    cr_expect_str_eq(q(F1, "SELECT complete || '|' || flows || '|' || flows_evicted FROM runs"),
                     "1|2|1");
    struct anomaly_record an = {.ts_us = T0, .packet = 3, .kind = AN_RST_AFTER_CLOSE};
    struct late_rows late = {.an = &an, .nan = 1};
    cr_expect_eq(x.sk.late(x.sk.ctx, a, &late), 0);
    cr_expect_eq(rotate_sink_late_dropped(x.rs), 1);
    x.sk.forget(x.sk.ctx, a);
    end_run(&x, 0);
    cr_expect_str_eq(q(F2, "SELECT complete || '|' || flows || '|' || flows_evicted FROM runs"),
                     "1|1|1");
    cr_expect_str_eq(q(F1, "SELECT count(*) FROM anomalies"), "0");
}

Test(rotate_sink, keep_prunes_at_each_new_file_and_at_the_end, .init = make_dir,
     .fini = remove_dir)
{
    touch("live-2026-12-01T20-00-00.db");
    touch("live-2026-12-01T20-00-00.db-wal");
    touch("live-2026-12-01T20-30-00.db");
    touch("f-2026-12-01T20-00-00.jsonl");
    touch("f-2026-12-01T20-30-00.jsonl");
    struct fixture x;
    start(&x, 2, T0);
    cr_expect_not(exists("live-2026-12-01T20-00-00.db"));
    cr_expect_not(exists("live-2026-12-01T20-00-00.db-wal"));
    cr_expect(exists("live-2026-12-01T20-30-00.db"));
    cr_expect_not(exists("f-2026-12-01T20-00-00.jsonl"));
    put_flow(&x, 1000, "close");  /* lingers: its file stays open past the next rotation */
    x.clock.now_us = T0 + 2000000;
    put_flow(&x, 2000, "close");
    cr_expect(exists(F1), "an open file was removed");
    cr_expect(exists(F2));
    cr_expect_not(exists("live-2026-12-01T20-30-00.db"));
    x.clock.now_us = T0 + 4000000;
    put_flow(&x, 3000, "close");
    cr_expect(exists(F1), "an open file was removed");
    const char *msg;
    cr_expect_eq(rotate_sink_prune_failures(x.rs, &msg), 0, "%s", msg);
    end_run(&x, 0);
    cr_expect_not(exists(F1), "--keep did not apply once the files were closed");
    cr_expect(exists(F2) && exists("live-2026-12-01T21-00-04.db"));
    cr_expect(exists("f-2026-12-01T21-00-02.jsonl") && exists("f-2026-12-01T21-00-04.jsonl"));
    cr_expect_not(exists("f-2026-12-01T21-00-00.jsonl"));
}

Test(rotate_sink, a_file_that_cannot_be_opened_fails_the_run_and_older_files_say_why,
     .init = make_dir, .fini = remove_dir)
{
    char blocker[256];
    snprintf(blocker, sizeof blocker, "%s/" F2, dir);
    cr_assert_eq(mkdir(blocker, 0700), 0);
    struct fixture x;
    start(&x, 0, T0);
    put_flow(&x, 1000, "close");
    x.clock.now_us = T0 + 2000000;
    struct flow_record f = flow(2000, "close");
    int64_t id = 0;
    cr_expect_eq(x.sk.flow(x.sk.ctx, &f, NULL, 0, NULL, 0, NULL, 0, &id), -1);
    cr_expect(strstr(rotate_sink_errmsg(x.rs), F2) != NULL, "%s", rotate_sink_errmsg(x.rs));
    cr_expect_eq(x.sk.checkpoint(x.sk.ctx, &x.totals), -1);
    end_run(&x, -1);
    cr_expect_str_eq(q(F1, "SELECT complete || '|' || (instr(error, '" F2 "') > 0) FROM runs"),
                     "0|1");
    cr_expect_str_eq(q(F1, "SELECT count(*) FROM flows"), "1");
}

Test(rotate_sink, a_jsonl_file_that_cannot_be_written_is_named, .init = make_dir,
     .fini = remove_dir)
{
    struct fake_clock c = {T0};
    char db[128];
    snprintf(db, sizeof db, "%s/one.db", dir);
    struct rotate_config cfg = {.db_path = db, .jsonl_path = "/nonexistent-dir-17/x.jsonl",
                                .clock_us = fake_now, .clock_ctx = &c};
    struct sink sk;
    struct rotate_sink *rs = rotate_sink_new(&cfg, &sk);
    struct run_info info = {.source = "lo", .mode = "live", .started_us = T0};
    cr_expect_eq(sk.run_begin(sk.ctx, &info), -1);
    cr_expect(strstr(rotate_sink_errmsg(rs), "/nonexistent-dir-17/x.jsonl") != NULL, "%s",
              rotate_sink_errmsg(rs));
    struct run_totals t = {0};
    cr_expect_eq(sk.run_end(sk.ctx, &t), -1);
    rotate_sink_free(rs);
    cr_expect_str_eq(q("one.db", "SELECT complete FROM runs"), "0");
}
