/*
 * test_storage_db.c — storage/ against real SQLite files in a fresh temporary directory per test:
 * creating, reopening and refusing files; writing a run through the sink and reading every
 * kind of row back with a second connection; visibility at checkpoints; a run cut short; disk
 * full; a second writer.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/internal.h"
#include "storage/storage.h"

static char tmpdir[64];

static void make_tmpdir(void)
{
    strcpy(tmpdir, "/tmp/finscope-storage-XXXXXX");
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

TestSuite(storage, .init = make_tmpdir, .fini = remove_tmpdir);

/* ---- helpers --------------------------------------------------------------------------- */

static const char *tmp_path(const char *name)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    return path;
}

static struct storage *open_ok(const char *path)
{
    struct storage *st = NULL;
    char err[512] = "";
    cr_assert_eq(storage_open(path, 0, &st, err, sizeof err), 0, "open failed: %s", err);
    cr_assert_not_null(st);
    return st;
}

/* Opening must fail, with a message containing `needle`. */
static void open_fails(const char *path, int readonly, const char *needle)
{
    struct storage *st = (struct storage *)1;
    char err[512] = "";
    cr_assert_eq(storage_open(path, readonly, &st, err, sizeof err), -1);
    cr_assert_null(st);
    cr_assert_not_null(strstr(err, needle), "message \"%s\" lacks \"%s\"", err, needle);
    cr_assert_not_null(strstr(err, path), "message \"%s\" does not name the file", err);
    cr_assert_null(strchr(err, '\n'), "message is not one line: %s", err);
}

/* A second, independent connection, as a user's sqlite3 would be. */
static sqlite3 *reader(const char *path)
{
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    return db;
}

static int64_t q_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK, "%s: %s", sql,
                 sqlite3_errmsg(db));
    cr_assert_eq(sqlite3_step(s), SQLITE_ROW, "%s: no row", sql);
    int64_t v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

static double q_real(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK, "%s", sql);
    cr_assert_eq(sqlite3_step(s), SQLITE_ROW, "%s: no row", sql);
    double v = sqlite3_column_double(s, 0);
    sqlite3_finalize(s);
    return v;
}

/* The value as text, "NULL" for NULL. */
static const char *q_text(sqlite3 *db, const char *sql)
{
    static char buf[512];
    sqlite3_stmt *s;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK, "%s: %s", sql,
                 sqlite3_errmsg(db));
    cr_assert_eq(sqlite3_step(s), SQLITE_ROW, "%s: no row", sql);
    const unsigned char *t = sqlite3_column_text(s, 0);
    snprintf(buf, sizeof buf, "%s", t ? (const char *)t : "NULL");
    sqlite3_finalize(s);
    return buf;
}

static void exec_ok(sqlite3 *db, const char *sql)
{
    cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK, "%s: %s", sql,
                 sqlite3_errmsg(db));
}

#define T0 1700000000000000LL     /* 2023-11-14, in microseconds */

static struct run_info test_run(void)
{
    return (struct run_info){ .source = "test.pcap", .mode = "file", .started_us = T0,
                              .options = "-o x.db", .dpi = false };
}

static void addr4(struct ip_addr *a, uint8_t b0, uint8_t b1, uint8_t b2, uint8_t b3)
{
    memset(a, 0, sizeof *a);
    a->family = 4;
    a->bytes[0] = b0, a->bytes[1] = b1, a->bytes[2] = b2, a->bytes[3] = b3;
}

/* A reset TCP flow 10.0.0.1:40000 -> 10.0.0.2:443. */
static struct flow_record tcp_flow(void)
{
    struct flow_record f;
    memset(&f, 0, sizeof f);
    f.l4proto = IPPROTO_NUM_TCP;
    strcpy(f.proto, "tcp");
    addr4(&f.orig_addr, 10, 0, 0, 1);
    addr4(&f.resp_addr, 10, 0, 0, 2);
    f.orig_port = 40000, f.resp_port = 443, f.vlan = 7;
    f.first_ts_us = T0 + 1, f.last_ts_us = T0 + 2500001;
    f.pkts[0] = 5, f.pkts[1] = 4, f.bytes[0] = 300, f.bytes[1] = 4000;
    f.ip_bytes[0] = 560, f.ip_bytes[1] = 4208;
    f.ended_by = "close";
    f.teardown = "rst_responder", f.closer = "responder", f.reason = NULL;
    f.orig_state = "CLOSED", f.resp_state = "CLOSED";
    f.close_start_ts_us = T0 + 2000000, f.close_end_ts_us = T0 + 2250000;
    f.retrans[0] = 1, f.out_of_order[1] = 2, f.zero_windows[1] = 3, f.rsts[1] = 1;
    f.fins[0] = 0;
    f.wscale[0] = 7, f.wscale[1] = -1;
    f.events_dropped = 0;
    f.conn_state = "RSTR";
    strcpy(f.history, "ShADdr");
    f.rst_cause = "abort", f.rst_origin = "endpoint";
    return f;
}

static struct teardown_event event(int64_t ts_us, uint64_t pkt, uint8_t dir, uint8_t flags,
                                   uint8_t os, uint8_t rs)
{
    return (struct teardown_event){ .ts_us = ts_us, .packet = pkt, .dir = dir, .flags = flags,
                                    .seq = 4000000000u, .ack = 77, .len = 0,
                                    .orig_state = os, .resp_state = rs };
}

static struct anomaly_record anomaly(uint8_t kind, const char *expected, const char *observed)
{
    struct anomaly_record a;
    memset(&a, 0, sizeof a);
    a.ts_us = T0 + 2000000, a.packet = 8, a.dir = DIR_RESP, a.kind = kind;
    snprintf(a.expected, sizeof a.expected, "%s", expected);
    snprintf(a.observed, sizeof a.observed, "%s", observed);
    return a;
}

static struct rst_record rst_row(int64_t ts_us, uint64_t pkt, uint8_t dir, uint8_t cause,
                                 uint8_t origin, int32_t ip_id, const char *evidence)
{
    struct rst_record r;
    memset(&r, 0, sizeof r);
    r.ts_us = ts_us, r.packet = pkt, r.dir = dir, r.flags = TCP_RST, r.ttl = 63;
    r.ip_id = ip_id, r.seq = 4000000001u, r.ack = 77, r.len = 0;
    r.acceptable = RA_EXACT, r.cause = cause, r.origin = origin, r.silence_us = -1;
    snprintf(r.evidence, sizeof r.evidence, "%s", evidence);
    return r;
}

static struct run_totals totals(bool complete)
{
    struct run_totals t;
    memset(&t, 0, sizeof t);
    t.packets = 9, t.bytes = 5000, t.flows = 1;
    t.first_pkt_us = T0 + 1, t.last_pkt_us = T0 + 2500001;
    t.finished_us = T0 + 60000000;
    t.complete = complete;
    return t;
}

/* One whole run with a single flow, ended. */
static void write_simple_run(struct storage *st)
{
    struct sink s;
    storage_sink(st, &s);
    struct run_info info = test_run();
    cr_assert_eq(s.run_begin(s.ctx, &info), 0, "%s", storage_errmsg(st));
    struct flow_record f = tcp_flow();
    int64_t id = 0;
    cr_assert_eq(s.flow(s.ctx, &f, NULL, 0, NULL, 0, NULL, 0, &id), 0, "%s",
                 storage_errmsg(st));
    cr_assert_gt(id, 0);
    struct run_totals t = totals(true);
    cr_assert_eq(s.run_end(s.ctx, &t), 0, "%s", storage_errmsg(st));
}

/* ---- opening ----------------------------------------------------------------------------- */

Test(storage, creates_versioned_wal_file)
{
    const char *path = tmp_path("new.db");
    struct storage *st = open_ok(path);
    cr_assert_eq(storage_run_id(st), 0);
    cr_assert_eq(storage_close(st), 0);
    sqlite3 *db = reader(path);
    cr_assert_eq(q_int(db, "PRAGMA user_version"), STORAGE_SCHEMA_VERSION);
    cr_assert_eq(q_int(db, "PRAGMA application_id"), 0x46534350);
    cr_assert_str_eq(q_text(db, "PRAGMA journal_mode"), "wal");
    const char *objects[] = { "runs", "decode_errors", "flows", "anomalies", "teardown_events",
                              "teardown_summary", "anomaly_summary", "resets", "flows_run",
                              "flows_teardown", "flows_resp_addr", "flows_orig_addr",
                              "anomalies_flow", "anomalies_kind", "teardown_events_flow",
                              "rsts", "rsts_flow" };
    for (size_t i = 0; i < sizeof objects / sizeof *objects; i++) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM sqlite_master WHERE name = '%s'",
                 objects[i]);
        cr_assert_eq(q_int(db, sql), 1, "missing %s", objects[i]);
    }
    cr_assert_eq(q_int(db, "SELECT count(*) FROM pragma_foreign_key_list('flows')"), 1);
    sqlite3_close(db);
}

Test(storage, empty_file_becomes_a_database)
{
    const char *path = tmp_path("empty.db");
    int fd = open(path, O_CREAT | O_WRONLY, 0644);
    cr_assert_geq(fd, 0);
    close(fd);
    struct storage *st = open_ok(path);
    storage_close(st);
    sqlite3 *db = reader(path);
    cr_assert_eq(q_int(db, "PRAGMA user_version"), STORAGE_SCHEMA_VERSION);
    sqlite3_close(db);
}

/* A file of schema version 1 (no flows.tunnel) is migrated when opened for writing: its runs
 * stay, the column is added, and new flows fill it. */
Test(storage, migrates_a_version_1_file)
{
    const char *path = tmp_path("v1.db");
    struct storage *st = open_ok(path);
    write_simple_run(st);
    cr_assert_eq(storage_close(st), 0);
    sqlite3 *db = reader(path);
    /* Back to version 1: everything versions 2 to 4 added (storage/schema.c) dropped. */
    exec_ok(db, "ALTER TABLE runs DROP COLUMN sensor; ALTER TABLE flows DROP COLUMN rtt_orig; ALTER TABLE flows DROP COLUMN rtt_resp;"
                " ALTER TABLE flows DROP COLUMN tunnel; ALTER TABLE flows DROP COLUMN gaps;"
                " ALTER TABLE flows DROP COLUMN gap_bytes; ALTER TABLE runs DROP COLUMN capture_loss;"
                " ALTER TABLE teardown_events DROP COLUMN inferred;"
                " ALTER TABLE flows DROP COLUMN rst_cause; ALTER TABLE flows DROP COLUMN rst_origin;"
                " DROP TABLE rsts; PRAGMA user_version = 1");
    sqlite3_close(db);
    open_fails(path, 1, "was written by an older finscope (schema 1)");

    st = open_ok(path);
    struct sink s;
    storage_sink(st, &s);
    struct run_info info = test_run();
    cr_assert_eq(s.run_begin(s.ctx, &info), 0, "%s", storage_errmsg(st));
    struct flow_record f = tcp_flow();
    snprintf(f.tunnel, sizeof f.tunnel, "vxlan 10.0.0.1>10.0.0.2 vni 42");
    int64_t id = 0;
    cr_assert_eq(s.flow(s.ctx, &f, NULL, 0, NULL, 0, NULL, 0, &id), 0, "%s", storage_errmsg(st));
    struct run_totals t = totals(true);
    cr_assert_eq(s.run_end(s.ctx, &t), 0, "%s", storage_errmsg(st));
    cr_assert_eq(storage_close(st), 0);

    db = reader(path);
    cr_assert_eq(q_int(db, "PRAGMA user_version"), STORAGE_SCHEMA_VERSION);
    cr_assert_eq(q_int(db, "SELECT count(*) FROM runs"), 2);
    cr_assert_eq(q_int(db, "SELECT count(*) FROM flows WHERE run_id = 1 AND tunnel IS NULL"), 1);
    cr_assert_str_eq(q_text(db, "SELECT tunnel FROM flows WHERE run_id = 2"),
                     "vxlan 10.0.0.1>10.0.0.2 vni 42");
    cr_assert_eq(q_int(db, "SELECT count(*) FROM rsts"), 0);
    sqlite3_close(db);
}

/* A file of schema version 2 (no rsts table, no flows.rst_cause) is migrated when opened for
 * writing: its flows keep NULL causes, new flows get causes and rsts rows. */
Test(storage, migrates_a_version_2_file)
{
    const char *path = tmp_path("v2.db");
    struct storage *st = open_ok(path);
    write_simple_run(st);
    cr_assert_eq(storage_close(st), 0);
    sqlite3 *db = reader(path);
    exec_ok(db, "ALTER TABLE runs DROP COLUMN sensor;"
                " ALTER TABLE flows DROP COLUMN rst_cause; ALTER TABLE flows DROP COLUMN rst_origin;"
                " DROP TABLE rsts; PRAGMA user_version = 2");
    sqlite3_close(db);
    open_fails(path, 1, "was written by an older finscope (schema 2)");

    st = open_ok(path);
    struct sink s;
    storage_sink(st, &s);
    struct run_info info = test_run();
    cr_assert_eq(s.run_begin(s.ctx, &info), 0, "%s", storage_errmsg(st));
    struct flow_record f = tcp_flow();
    f.rst_cause = "refused", f.rst_origin = "endpoint";
    struct rst_record r = { .ts_us = 1700000001000000, .packet = 2, .dir = DIR_RESP,
                            .flags = TCP_RST | TCP_ACK, .ttl = 64, .ip_id = 0,
                            .acceptable = RA_NONE, .cause = RC_REFUSED, .origin = RO_ENDPOINT,
                            .silence_us = -1 };
    int64_t id = 0;
    cr_assert_eq(s.flow(s.ctx, &f, NULL, 0, NULL, 0, &r, 1, &id), 0, "%s", storage_errmsg(st));
    struct run_totals t = totals(true);
    cr_assert_eq(s.run_end(s.ctx, &t), 0, "%s", storage_errmsg(st));
    cr_assert_eq(storage_close(st), 0);

    db = reader(path);
    cr_assert_eq(q_int(db, "PRAGMA user_version"), STORAGE_SCHEMA_VERSION);
    cr_assert_eq(q_int(db, "SELECT count(*) FROM flows WHERE run_id = 1 AND rst_cause IS NULL"), 1);
    cr_assert_str_eq(q_text(db, "SELECT rst_cause FROM flows WHERE run_id = 2"), "refused");
    cr_assert_str_eq(q_text(db, "SELECT cause || ' ' || origin FROM rsts WHERE run_id = 2"),
                     "refused endpoint");
    sqlite3_close(db);
}

Test(storage, reopen_appends_a_run)
{
    const char *path = tmp_path("twice.db");
    struct storage *st = open_ok(path);
    write_simple_run(st);
    cr_assert_eq(storage_run_id(st), 1);
    cr_assert_eq(storage_close(st), 0);
    st = open_ok(path);
    write_simple_run(st);
    cr_assert_eq(storage_run_id(st), 2);
    cr_assert_eq(storage_close(st), 0);
    sqlite3 *db = reader(path);
    cr_assert_eq(q_int(db, "SELECT count(*) FROM runs"), 2);
    cr_assert_eq(q_int(db, "SELECT count(*) FROM runs WHERE complete = 1"), 2);
    cr_assert_eq(q_int(db, "SELECT count(DISTINCT run_id) FROM flows"), 2);
    sqlite3_close(db);
}

Test(storage, refuses_a_file_that_is_not_sqlite)
{
    const char *path = tmp_path("notes.txt");
    FILE *f = fopen(path, "w");
    fputs("these are my notes, not a database; please do not overwrite them\n", f);
    fclose(f);
    open_fails(path, 0, "is not a finscope database (not SQLite)");
    open_fails(path, 1, "is not a finscope database (not SQLite)");
    f = fopen(path, "r");
    char line[128] = "";
    cr_assert_not_null(fgets(line, sizeof line, f));
    fclose(f);
    cr_assert_str_eq(line, "these are my notes, not a database; please do not overwrite them\n");
}

Test(storage, refuses_another_programs_sqlite_file)
{
    const char *path = tmp_path("other.db");
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    exec_ok(db, "CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('x')");
    sqlite3_close(db);
    open_fails(path, 0, "is not a finscope database (an SQLite file of another program)");
    db = reader(path);
    cr_assert_str_eq(q_text(db, "PRAGMA journal_mode"), "delete");   /* untouched */
    cr_assert_eq(q_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'runs'"), 0);
    sqlite3_close(db);
}

Test(storage, refuses_a_file_of_a_newer_finscope)
{
    const char *path = tmp_path("newer.db");
    storage_close(open_ok(path));
    sqlite3 *db = reader(path);
    char sql[64], msg[128];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", STORAGE_SCHEMA_VERSION + 1);
    exec_ok(db, sql);
    sqlite3_close(db);
    snprintf(msg, sizeof msg, "was written by a newer finscope (schema %d); use that version or "
             "a new file", STORAGE_SCHEMA_VERSION + 1);
    open_fails(path, 0, msg);
    snprintf(msg, sizeof msg, "newer finscope (schema %d)", STORAGE_SCHEMA_VERSION + 1);
    open_fails(path, 1, msg);
}

Test(storage, refuses_a_missing_directory)
{
    char path[512];
    snprintf(path, sizeof path, "%s/no/such/dir/out.db", tmpdir);
    open_fails(path, 0, "directory");
    open_fails(path, 0, "does not exist");
}

/* Permission checks mean nothing to root, so this one runs only as an ordinary user. */
Test(storage, refuses_a_read_only_directory_or_file)
{
    if (geteuid() == 0) {
        remove_tmpdir();          /* a skipped test does not reach .fini */
        cr_skip_test("running as root: permissions are not enforced");
    }
    const char *path = tmp_path("kept.db");
    storage_close(open_ok(path));
    cr_assert_eq(chmod(path, 0444), 0);
    open_fails(path, 0, "is not writable");
    cr_assert_eq(chmod(path, 0644), 0);
    cr_assert_eq(chmod(tmpdir, 0555), 0);
    open_fails(tmp_path("new.db"), 0, "is not writable");
    open_fails(path, 0, "is not writable");
    cr_assert_eq(chmod(tmpdir, 0755), 0);
}

Test(storage, readonly_needs_an_existing_file)
{
    open_fails(tmp_path("absent.db"), 1, "does not exist");
    cr_assert_eq(access(tmp_path("absent.db"), F_OK), -1, "readonly open created the file");
}

Test(storage, readonly_handle_reads_but_refuses_writes)
{
    const char *path = tmp_path("ro.db");
    storage_close(open_ok(path));
    struct storage *st = NULL;
    char err[256];
    cr_assert_eq(storage_open(path, 1, &st, err, sizeof err), 0, "%s", err);
    struct sink s;
    storage_sink(st, &s);
    struct run_info info = test_run();
    cr_assert_eq(s.run_begin(s.ctx, &info), -1);
    cr_assert_not_null(strstr(storage_errmsg(st), "read-only"), "%s", storage_errmsg(st));
    cr_assert_eq(storage_close(st), 0);
}

Test(storage, refuses_a_file_locked_by_another_writer)
{
    const char *path = tmp_path("locked.db");
    storage_close(open_ok(path));
    sqlite3 *other = reader(path);
    exec_ok(other, "BEGIN IMMEDIATE");
    open_fails(path, 0, "is locked by another writer");
    exec_ok(other, "ROLLBACK");
    sqlite3_close(other);
    storage_close(open_ok(path));
}

/* ---- writing and reading back ------------------------------------------------------------ */

Test(storage, flags_as_letters)
{
    char buf[9];
    cr_assert_str_eq(tcp_flags_str(TCP_SYN, buf), "S");
    cr_assert_str_eq(tcp_flags_str(TCP_SYN | TCP_ACK, buf), "SA");
    cr_assert_str_eq(tcp_flags_str(TCP_FIN | TCP_ACK, buf), "FA");
    cr_assert_str_eq(tcp_flags_str(TCP_RST | TCP_ACK, buf), "RA");
    cr_assert_str_eq(tcp_flags_str(TCP_FIN | TCP_PSH | TCP_ACK, buf), "FPA");
    cr_assert_str_eq(tcp_flags_str(0, buf), ".");
    cr_assert_str_eq(tcp_flags_str(0xff, buf), "SFRPAUEC");
}

/* Writes run 1: one TCP flow with three events, one anomaly and one RST; late rows (an
 * anomaly with its event and a RST; an anomaly alone); a UDP flow; decode errors; returns
 * the TCP flow's id. */
static int64_t write_full_run(struct storage *st, const struct sink *s)
{
    struct run_info info = test_run();
    info.dpi = true;
    cr_assert_eq(s->run_begin(s->ctx, &info), 0, "%s", storage_errmsg(st));
    struct flow_record f = tcp_flow();
    strcpy(f.app_proto, "TLS");
    strcpy(f.server_name, "example.org");
    struct teardown_event ev[3] = {
        event(T0 + 1, 1, DIR_ORIG, TCP_SYN, ST_SYN_SENT, ST_LISTEN),
        event(T0 + 1000, 2, DIR_RESP, TCP_SYN | TCP_ACK, ST_SYN_SENT, ST_SYN_RECEIVED),
        event(T0 + 2000000, 8, DIR_RESP, TCP_RST, ST_CLOSED, ST_CLOSED),
    };
    struct anomaly_record an = anomaly(AN_RST_SEQ_INEXACT, "seq=1001", "seq=1500");
    an.challenge_ack = true;
    snprintf(an.detail, sizeof an.detail, "challenge ACK seen");
    struct rst_record rst = rst_row(T0 + 2000000, 8, DIR_RESP, RC_ABORT, RO_ENDPOINT, 0x1234,
                                    "its sender was live");
    int64_t tcp_id = 0, udp_id = 0;
    cr_assert_eq(s->flow(s->ctx, &f, ev, 3, &an, 1, &rst, 1, &tcp_id), 0, "%s",
                 storage_errmsg(st));

    struct flow_record u;
    memset(&u, 0, sizeof u);
    u.l4proto = IPPROTO_NUM_UDP;
    strcpy(u.proto, "udp");
    u.orig_addr.family = u.resp_addr.family = 6;
    u.orig_addr.bytes[0] = 0x20, u.orig_addr.bytes[1] = 0x01, u.orig_addr.bytes[15] = 1;
    u.resp_addr.bytes[0] = 0xfe, u.resp_addr.bytes[1] = 0x80, u.resp_addr.bytes[15] = 0x53;
    u.orig_port = 5353, u.resp_port = 53;
    u.first_ts_us = u.last_ts_us = T0 + 5;
    u.ended_by = "idle";
    u.wscale[0] = u.wscale[1] = -1;
    u.conn_state = "S0";
    strcpy(u.history, "D");
    cr_assert_eq(s->flow(s->ctx, &u, NULL, 0, NULL, 0, NULL, 0, &udp_id), 0, "%s",
                 storage_errmsg(st));
    cr_assert_gt(udp_id, tcp_id);

    struct anomaly_record late = anomaly(AN_RST_AFTER_CLOSE, "", "");
    late.packet = 12;
    struct teardown_event late_ev = event(T0 + 3000000, 12, DIR_ORIG, TCP_RST | TCP_ACK,
                                          ST_CLOSED, ST_CLOSED);
    struct rst_record late_rst = rst_row(T0 + 3000000, 12, DIR_ORIG, RC_NO_CONNECTION,
                                         RO_OTHER, -1, "no connection left");
    late_rst.flags = TCP_RST | TCP_ACK;
    late_rst.acceptable = RA_NONE;
    struct late_rows full = {.ev = &late_ev, .an = &late, .nan = 1, .rst = &late_rst};
    struct late_rows bare = {.an = &late, .nan = 1};
    cr_assert_eq(s->late(s->ctx, tcp_id, &full), 0, "%s", storage_errmsg(st));
    cr_assert_eq(s->late(s->ctx, tcp_id, &bare), 0, "%s", storage_errmsg(st));

    struct run_totals t = totals(true);
    t.flows = 2;
    t.decode_errors[DISSECT_NOT_IP] = 3;
    t.decode_errors[DISSECT_TRUNC_L4] = 1;
    cr_assert_eq(s->run_end(s->ctx, &t), 0, "%s", storage_errmsg(st));
    return tcp_id;
}

static void check_run_row(sqlite3 *db)
{
    cr_assert_str_eq(q_text(db, "SELECT source || ' ' || mode || ' ' || options FROM runs"),
                     "test.pcap file -o x.db");
    cr_assert_eq(q_int(db, "SELECT complete FROM runs"), 1);
    cr_assert_eq(q_int(db, "SELECT dpi FROM runs"), 1);
    cr_assert_str_eq(q_text(db, "SELECT typeof(ndpi_version) FROM runs"), "text");
    cr_assert_str_eq(q_text(db, "SELECT version FROM runs"), FINSCOPE_VERSION);
    cr_assert_eq(q_int(db, "SELECT packets FROM runs"), 9);
    cr_assert_eq(q_int(db, "SELECT bytes FROM runs"), 5000);
    cr_assert_eq(q_int(db, "SELECT flows FROM runs"), 2);
    cr_assert_float_eq(q_real(db, "SELECT started FROM runs"), 1700000000.0, 1e-7);
    cr_assert_float_eq(q_real(db, "SELECT finished FROM runs"), 1700000060.0, 1e-7);
    cr_assert_float_eq(q_real(db, "SELECT first_packet FROM runs"), 1700000000.000001, 1e-7);
    cr_assert_str_eq(q_text(db, "SELECT error FROM runs"), "NULL");
    cr_assert_str_eq(q_text(db, "SELECT group_concat(reason || '=' || count, ',') FROM "
                                "(SELECT * FROM decode_errors ORDER BY reason)"),
                     "not_ip=3,trunc_l4=1");
}

/* Checks an expression over the TCP flow's columns. */
static void tcp_flow_is(sqlite3 *db, const char *expr, const char *want)
{
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT %s FROM flows WHERE proto = 'tcp'", expr);
    cr_assert_str_eq(q_text(db, sql), want, "%s", expr);
}

static void check_tcp_flow_row(sqlite3 *db)
{
    tcp_flow_is(db, "orig_addr || ':' || orig_port || ' ' || resp_addr || ':' || resp_port",
              "10.0.0.1:40000 10.0.0.2:443");
    tcp_flow_is(db, "vlan || ' ' || orig_pkts || ' ' || resp_pkts || ' ' || orig_bytes || ' ' || "
              "resp_bytes || ' ' || orig_ip_bytes || ' ' || resp_ip_bytes", "7 5 4 300 4000 560 4208");
    tcp_flow_is(db, "teardown || ' ' || closer || ' ' || orig_state || ' ' || resp_state",
              "rst_responder responder CLOSED CLOSED");
    tcp_flow_is(db, "ifnull(reason, 'NULL') || ' ' || ended_by || ' ' || midstream", "NULL close 0");
    tcp_flow_is(db, "orig_retrans || resp_retrans || orig_ooo || resp_ooo || orig_zero_win || "
              "resp_zero_win || orig_rsts || resp_rsts || orig_fins || resp_fins", "1002030100");
    tcp_flow_is(db, "orig_wscale || ' ' || ifnull(resp_wscale, 'NULL')", "7 NULL");
    tcp_flow_is(db, "anomalies || ' ' || events_dropped", "3 0");
    tcp_flow_is(db, "conn_state || ' ' || history", "RSTR ShADdr");
    tcp_flow_is(db, "app_proto || ' ' || ifnull(app_category, 'NULL') || ' ' || server_name",
              "TLS NULL example.org");
    cr_assert_float_eq(q_real(db, "SELECT first_ts FROM flows WHERE proto = 'tcp'"),
                       1700000000.000001, 1e-7);
    cr_assert_float_eq(q_real(db, "SELECT duration FROM flows WHERE proto = 'tcp'"), 2.5, 1e-9);
    cr_assert_float_eq(q_real(db, "SELECT close_start FROM flows WHERE proto = 'tcp'"),
                       1700000002.0, 1e-7);
    cr_assert_float_eq(q_real(db, "SELECT close_duration FROM flows WHERE proto = 'tcp'"), 0.25,
                       1e-9);
}

static void check_udp_flow_row(sqlite3 *db)
{
    cr_assert_str_eq(q_text(db, "SELECT orig_addr || ' ' || resp_addr FROM flows"
                                " WHERE proto = 'udp'"), "2001::1 fe80::53");
    cr_assert_eq(q_int(db, "SELECT count(*) FROM flows WHERE proto = 'udp' AND teardown IS NULL"
                           " AND close_start IS NULL AND close_duration IS NULL"
                           " AND orig_retrans IS NULL AND resp_fins IS NULL"
                           " AND orig_wscale IS NULL AND app_proto IS NULL"
                           " AND server_name IS NULL AND anomalies = 0"), 1);
    cr_assert_float_eq(q_real(db, "SELECT duration FROM flows WHERE proto = 'udp'"), 0.0, 1e-12);
}

static void check_events_and_anomalies(sqlite3 *db, int64_t tcp_id)
{
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT group_concat(direction || ' ' || flags || ' ' || packet ||"
             " ' ' || orig_state || '/' || resp_state, ', ') FROM (SELECT * FROM teardown_events"
             " WHERE flow_id = %lld ORDER BY id)", (long long)tcp_id);
    cr_assert_str_eq(q_text(db, sql), "orig S 1 SYN_SENT/LISTEN, resp SA 2 SYN_SENT/SYN_RECEIVED, "
                     "resp R 8 CLOSED/CLOSED, orig RA 12 CLOSED/CLOSED");
    cr_assert_eq(q_int(db, "SELECT seq FROM teardown_events LIMIT 1"), 4000000000LL);
    cr_assert_eq(q_int(db, "SELECT count(*) FROM anomalies WHERE run_id = 1"), 3);
    snprintf(sql, sizeof sql, "SELECT kind || ' ' || direction || ' ' || expected || ' ' ||"
             " observed || ' ' || detail || ' ' || challenge_ack || ' ' || packet FROM anomalies"
             " WHERE flow_id = %lld ORDER BY id LIMIT 1", (long long)tcp_id);
    cr_assert_str_eq(q_text(db, sql), "rst_seq_inexact resp seq=1001 seq=1500 challenge ACK "
                     "seen 1 8");
    cr_assert_eq(q_int(db, "SELECT count(*) FROM anomalies WHERE kind = 'rst_after_close'"
                           " AND expected IS NULL AND observed IS NULL AND detail IS NULL"
                           " AND challenge_ack = 0"), 2);
}

static void check_rsts(sqlite3 *db, int64_t tcp_id)
{
    char sql[640];
    snprintf(sql, sizeof sql, "SELECT group_concat(run_id || ' ' || packet || ' ' || direction"
             " || ' ' || seq || ' ' || ack || ' ' || has_ack || ' ' || len || ' ' || ttl || ' '"
             " || ifnull(ip_id, 'NULL') || ' ' || ifnull(acceptable, 'NULL') || ' ' || cause ||"
             " ' ' || origin || ' ' || evidence || ' ' || ifnull(silence, 'NULL'), ', ') FROM"
             " (SELECT * FROM rsts WHERE flow_id = %lld ORDER BY id)", (long long)tcp_id);
    cr_assert_str_eq(q_text(db, sql), "1 8 resp 4000000001 77 0 0 63 4660 exact abort endpoint "
                     "its sender was live NULL, 1 12 orig 4000000001 77 1 0 63 NULL NULL "
                     "no_connection other no connection left NULL");
    cr_assert_float_eq(q_real(db, "SELECT ts FROM rsts WHERE packet = 8"), 1700000002.0, 1e-7);
    tcp_flow_is(db, "rst_cause || ' ' || rst_origin", "abort endpoint");
    cr_assert_str_eq(q_text(db, "SELECT ifnull(rst_cause, 'NULL') FROM flows"
                                " WHERE proto = 'udp'"), "NULL");
}

static void check_views(sqlite3 *db)
{
    cr_assert_str_eq(q_text(db, "SELECT teardown || ' ' || flows || ' ' || share"
                                " FROM teardown_summary"), "rst_responder 1 100.0");
    cr_assert_str_eq(q_text(db, "SELECT group_concat(kind || ' ' || count || ' ' || flows, ', ')"
                                " FROM (SELECT * FROM anomaly_summary ORDER BY kind)"),
                     "rst_after_close 2 1, rst_seq_inexact 1 1");
    cr_assert_str_eq(q_text(db, "SELECT reset_by || ' ' || reset_addr || ' ' || resp_port || ' '"
                                " || app_proto FROM resets"), "responder 10.0.0.2 443 TLS");
    cr_assert_float_eq(q_real(db, "SELECT reset_ts FROM resets"), 1700000002.0, 1e-7);
}

Test(storage, writes_a_run_and_reads_it_back)
{
    const char *path = tmp_path("full.db");
    struct storage *st = open_ok(path);
    struct sink s;
    storage_sink(st, &s);
    int64_t tcp_id = write_full_run(st, &s);
    cr_assert_eq(storage_run_id(st), 1);
    cr_assert_eq(storage_close(st), 0);
    sqlite3 *db = reader(path);
    check_run_row(db);
    check_tcp_flow_row(db);
    check_udp_flow_row(db);
    check_events_and_anomalies(db, tcp_id);
    check_rsts(db, tcp_id);
    check_views(db);
    cr_assert_str_eq(q_text(db, "PRAGMA integrity_check"), "ok");
    cr_assert_eq(q_int(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
    sqlite3_close(db);
}

Test(storage, late_anomaly_for_an_unknown_flow_fails)
{
    struct storage *st = open_ok(tmp_path("late.db"));
    struct sink s;
    storage_sink(st, &s);
    struct run_info info = test_run();
    cr_assert_eq(s.run_begin(s.ctx, &info), 0);
    struct anomaly_record an = anomaly(AN_RST_AFTER_CLOSE, "", "");
    struct late_rows rows = {.an = &an, .nan = 1};
    cr_assert_eq(s.late(s.ctx, 4242, &rows), -1);
    cr_assert_not_null(strstr(storage_errmsg(st), "flow 4242"), "%s", storage_errmsg(st));
    storage_close(st);
}

Test(storage, sink_calls_need_an_active_run)
{
    struct storage *st = open_ok(tmp_path("norun.db"));
    struct sink s;
    storage_sink(st, &s);
    struct flow_record f = tcp_flow();
    int64_t id = -5;
    cr_assert_eq(s.flow(s.ctx, &f, NULL, 0, NULL, 0, NULL, 0, &id), -1);
    cr_assert_eq(id, 0);
    cr_assert_not_null(strstr(storage_errmsg(st), "without an active run"));
    struct run_totals t = totals(true);
    cr_assert_eq(s.checkpoint(s.ctx, &t), -1);
    cr_assert_eq(s.run_end(s.ctx, &t), -1);
    struct run_info info = test_run();
    cr_assert_eq(s.run_begin(s.ctx, &info), 0);
    cr_assert_eq(s.run_begin(s.ctx, &info), -1);
    cr_assert_not_null(strstr(storage_errmsg(st), "already in progress"));
    storage_close(st);
}

/* ---- transactions ----------------------------------------------------------------------- */

Test(storage, run_without_run_end_stays_incomplete)
{
    const char *path = tmp_path("cut.db");
    struct storage *st = open_ok(path);
    struct sink s;
    storage_sink(st, &s);
    struct run_info info = test_run();
    cr_assert_eq(s.run_begin(s.ctx, &info), 0);
    sqlite3 *db = reader(path);
    /* run_begin's row is committed at once: visible while the run goes on */
    cr_assert_eq(q_int(db, "SELECT count(*) FROM runs WHERE complete = 0 AND finished IS NULL"),
                 1);
    struct flow_record f = tcp_flow();
    int64_t id;
    cr_assert_eq(s.flow(s.ctx, &f, NULL, 0, NULL, 0, NULL, 0, &id), 0);
    struct run_totals t = totals(false);
    t.finished_us = 0;
    cr_assert_eq(s.checkpoint(s.ctx, &t), 0);
    cr_assert_eq(storage_close(st), 0);      /* killed before run_end, as far as the file knows */
    cr_assert_eq(q_int(db, "SELECT complete FROM runs"), 0);
    cr_assert_str_eq(q_text(db, "SELECT finished FROM runs"), "NULL");
    cr_assert_eq(q_int(db, "SELECT packets FROM runs"), 9);
    cr_assert_eq(q_int(db, "SELECT count(*) FROM flows"), 1);
    sqlite3_close(db);
}

Test(storage, run_end_with_incomplete_totals_keeps_complete_0)
{
    const char *path = tmp_path("stopped.db");
    struct storage *st = open_ok(path);
    struct sink s;
    storage_sink(st, &s);
    struct run_info info = test_run();
    cr_assert_eq(s.run_begin(s.ctx, &info), 0);
    struct run_totals t = totals(false);
    t.error = "read error: truncated capture";
    cr_assert_eq(s.run_end(s.ctx, &t), 0);
    storage_close(st);
    sqlite3 *db = reader(path);
    cr_assert_eq(q_int(db, "SELECT complete FROM runs"), 0);
    cr_assert_str_eq(q_text(db, "SELECT error FROM runs"), "read error: truncated capture");
    sqlite3_close(db);
}

Test(storage, checkpoint_makes_rows_visible)
{
    const char *path = tmp_path("live.db");
    struct storage *st = open_ok(path);
    struct sink s;
    storage_sink(st, &s);
    struct run_info info = test_run();
    cr_assert_eq(s.run_begin(s.ctx, &info), 0);
    struct flow_record f = tcp_flow();
    int64_t id;
    cr_assert_eq(s.flow(s.ctx, &f, NULL, 0, NULL, 0, NULL, 0, &id), 0);
    sqlite3 *db = reader(path);
    cr_assert_eq(q_int(db, "SELECT count(*) FROM flows"), 0);
    cr_assert_eq(q_int(db, "SELECT packets FROM runs"), 0);
    struct run_totals t = totals(false);
    cr_assert_eq(s.checkpoint(s.ctx, &t), 0, "%s", storage_errmsg(st));
    cr_assert_eq(q_int(db, "SELECT count(*) FROM flows"), 1);
    cr_assert_eq(q_int(db, "SELECT packets FROM runs"), 9);
    cr_assert_eq(q_int(db, "SELECT complete FROM runs"), 0);
    /* the writer keeps working after the checkpoint */
    cr_assert_eq(s.flow(s.ctx, &f, NULL, 0, NULL, 0, NULL, 0, &id), 0, "%s",
                 storage_errmsg(st));
    cr_assert_eq(q_int(db, "SELECT count(*) FROM flows"), 1);
    t = totals(true);
    cr_assert_eq(s.run_end(s.ctx, &t), 0);
    cr_assert_eq(q_int(db, "SELECT count(*) FROM flows"), 2);
    cr_assert_eq(q_int(db, "SELECT complete FROM runs"), 1);
    sqlite3_close(db);
    storage_close(st);
}

Test(storage, long_transaction_commits_by_itself)
{
    const char *path = tmp_path("big.db");
    struct storage *st = open_ok(path);
    struct sink s;
    storage_sink(st, &s);
    struct run_info info = test_run();
    cr_assert_eq(s.run_begin(s.ctx, &info), 0);
    struct flow_record f = tcp_flow();
    struct teardown_event ev[4];
    for (int i = 0; i < 4; i++)
        ev[i] = event(T0 + i, (uint64_t)i + 1, DIR_ORIG, TCP_ACK, ST_ESTABLISHED, ST_ESTABLISHED);
    int per_commit = STORAGE_AUTOCOMMIT_ROWS / 5;   /* 5 rows per flow */
    int64_t id;
    for (int i = 0; i < per_commit - 1; i++)
        cr_assert_eq(s.flow(s.ctx, &f, ev, 4, NULL, 0, NULL, 0, &id), 0, "%s",
                     storage_errmsg(st));
    sqlite3 *db = reader(path);
    cr_assert_eq(q_int(db, "SELECT count(*) FROM flows"), 0);
    cr_assert_eq(s.flow(s.ctx, &f, ev, 4, NULL, 0, NULL, 0, &id), 0, "%s",
                 storage_errmsg(st));
    cr_assert_eq(q_int(db, "SELECT count(*) FROM flows"), per_commit);
    cr_assert_eq(q_int(db, "SELECT count(*) FROM teardown_events"), 4 * per_commit);
    cr_assert_eq(s.flow(s.ctx, &f, ev, 4, NULL, 0, NULL, 0, &id), 0, "%s",
                 storage_errmsg(st));
    cr_assert_eq(q_int(db, "SELECT count(*) FROM flows"), per_commit);
    sqlite3_close(db);
    storage_close(st);
}

/* Fills the database until a write fails; returns the number of flows written. */
static int fill_until_full(struct storage *st, const struct sink *s)
{
    struct flow_record f = tcp_flow();
    struct teardown_event ev[8];
    for (int i = 0; i < 8; i++)
        ev[i] = event(T0 + i, (uint64_t)i + 1, DIR_RESP, TCP_FIN | TCP_ACK, ST_FIN_WAIT_1,
                      ST_CLOSE_WAIT);
    struct anomaly_record an = anomaly(AN_DATA_AFTER_FIN, "seq <= 100", "seq=200");
    snprintf(an.detail, sizeof an.detail, "%0100d", 0);
    struct run_totals t = totals(true);
    for (int n = 0; n < 200000; n++) {
        int64_t id;
        if (s->flow(s->ctx, &f, ev, 8, &an, 1, NULL, 0, &id) < 0)
            return n;
        if (n % 50 == 49 && s->checkpoint(s->ctx, &t) < 0)
            return n;
    }
    cr_assert_fail("the database never filled up: %s", storage_errmsg(st));
    return -1;
}

Test(storage, disk_full_fails_cleanly)
{
    const char *path = tmp_path("full-disk.db");
    struct storage *st = open_ok(path);
    write_simple_run(st);
    storage_close(st);

    st = open_ok(path);
    sqlite3 *handle = storage_db_handle(st);
    int64_t pages = q_int(handle, "PRAGMA page_count");
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld", (long long)pages + 40);
    exec_ok(handle, sql);
    struct sink s;
    storage_sink(st, &s);
    struct run_info info = test_run();
    cr_assert_eq(s.run_begin(s.ctx, &info), 0, "%s", storage_errmsg(st));
    int written = fill_until_full(st, &s);
    cr_assert_gt(written, 0);
    const char *msg = storage_errmsg(st);
    cr_assert_not_null(strstr(msg, "disk full"), "%s", msg);
    cr_assert_not_null(strstr(msg, path), "%s", msg);
    cr_assert_not_null(strstr(msg, "run 2 is left unfinished"), "%s", msg);
    struct run_totals t = totals(true);     /* even if the caller claims completion */
    s.run_end(s.ctx, &t);                   /* may fail too: the disk is still full */
    storage_close(st);

    sqlite3 *db = reader(path);
    cr_assert_str_eq(q_text(db, "PRAGMA integrity_check"), "ok");
    cr_assert_eq(q_int(db, "SELECT complete FROM runs WHERE id = 1"), 1);
    cr_assert_eq(q_int(db, "SELECT count(*) FROM flows WHERE run_id = 1"), 1);
    cr_assert_eq(q_int(db, "SELECT complete FROM runs WHERE id = 2"), 0);
    /* whole flows only: every stored flow of run 2 has all its events and its anomaly */
    cr_assert_eq(q_int(db, "SELECT count(*) FROM flows f WHERE run_id = 2 AND ((SELECT count(*)"
                           " FROM teardown_events e WHERE e.flow_id = f.id) != 8 OR (SELECT"
                           " count(*) FROM anomalies a WHERE a.flow_id = f.id) != 1)"), 0);
    cr_assert_leq(q_int(db, "SELECT count(*) FROM flows WHERE run_id = 2"), written);
    sqlite3_close(db);
}

/* A flow whose third event fails (a trigger refuses it) leaves none of its rows behind, while
 * the flows written before it in the same transaction are kept and committed. */
Test(storage, a_failing_flow_is_undone_and_earlier_flows_kept)
{
    const char *path = tmp_path("undo.db");
    struct storage *st = open_ok(path);
    storage_close(st);
    sqlite3 *db = reader(path);
    exec_ok(db, "CREATE TRIGGER refuse BEFORE INSERT ON teardown_events WHEN NEW.packet = 666"
                " BEGIN SELECT RAISE(ABORT, 'refused'); END");
    sqlite3_close(db);

    st = open_ok(path);
    struct sink s;
    storage_sink(st, &s);
    struct run_info info = test_run();
    cr_assert_eq(s.run_begin(s.ctx, &info), 0, "%s", storage_errmsg(st));
    struct flow_record f = tcp_flow();
    struct teardown_event ev[3] = { event(T0, 1, DIR_ORIG, TCP_SYN, ST_SYN_SENT, ST_LISTEN),
                                    event(T0, 2, DIR_RESP, TCP_SYN | TCP_ACK, ST_SYN_SENT,
                                          ST_SYN_RECEIVED),
                                    event(T0, 3, DIR_ORIG, TCP_ACK, ST_ESTABLISHED,
                                          ST_ESTABLISHED) };
    struct anomaly_record an = anomaly(AN_FIN_NOT_ACKED, "", "");
    struct rst_record rst = rst_row(T0, 4, DIR_RESP, RC_ABORT, RO_ENDPOINT, 7, "live");
    int64_t id = 0;
    cr_assert_eq(s.flow(s.ctx, &f, ev, 3, &an, 1, &rst, 1, &id), 0, "%s", storage_errmsg(st));
    ev[2].packet = 666;
    cr_assert_eq(s.flow(s.ctx, &f, ev, 3, &an, 1, &rst, 1, &id), -1);
    cr_assert_not_null(strstr(storage_errmsg(st), "refused"), "%s", storage_errmsg(st));
    struct run_totals t = totals(true);
    cr_assert_eq(s.run_end(s.ctx, &t), 0, "%s", storage_errmsg(st));
    storage_close(st);

    db = reader(path);
    cr_assert_eq(q_int(db, "SELECT count(*) FROM flows"), 1);
    cr_assert_eq(q_int(db, "SELECT count(*) FROM teardown_events"), 3);
    cr_assert_eq(q_int(db, "SELECT count(*) FROM anomalies"), 1);
    cr_assert_eq(q_int(db, "SELECT count(*) FROM rsts"), 1);
    cr_assert_eq(q_int(db, "SELECT count(*) FROM teardown_events e WHERE e.flow_id NOT IN"
                           " (SELECT id FROM flows)"), 0);
    cr_assert_eq(q_int(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
    cr_assert_eq(q_int(db, "SELECT flows FROM runs"), 1);
    cr_assert_eq(q_int(db, "SELECT complete FROM runs"), 0, "a failed write ends the run");
    sqlite3_close(db);
}
