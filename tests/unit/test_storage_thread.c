/*
 * test_storage_thread.c — the writer-thread sink (storage/sink_thread.c) over a recording
 * inner sink: calls arrive in order with their records intact, handles become the inner ids,
 * forget() ends a handle, barriers return the inner result, a failure stops the writing but
 * not run_end, and a tiny queue budget loses nothing.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "storage/storage.h"

#define MAX_CALLS 4096

/* What the inner sink saw. Touched by the writer thread only, read after a barrier. */
struct rec {
    char calls[MAX_CALLS];          /* 'B' run_begin, 'F' flow, 'L' late, 'C' checkpoint, 'E' end */
    size_t ncalls;
    uint16_t flow_port[MAX_CALLS];  /* orig_port of each flow, in order */
    size_t nev[MAX_CALLS];
    uint32_t last_ev_seq[MAX_CALLS];
    char last_an_detail[MAX_CALLS][128];
    size_t nrst[MAX_CALLS];
    char last_rst_evidence[MAX_CALLS][32];
    size_t nflows;
    int64_t late_ids[MAX_CALLS];
    char late_text[MAX_CALLS][64];  /* what a late message carried, in words */
    size_t nlate;
    int fail_flow_at;               /* 1-based flow number that fails; 0 never */
    int begin_rc;
    long delay_ns;                  /* per flow: a slow disk */
};

static int rec_begin(void *ctx, const struct run_info *info)
{
    struct rec *r = ctx;
    (void)info;
    r->calls[r->ncalls++] = 'B';
    return r->begin_rc;
}

static int rec_flow(void *ctx, const struct flow_record *f, const struct teardown_event *ev,
                    size_t nev, const struct anomaly_record *an, size_t nan,
                    const struct rst_record *rst, size_t nrst, int64_t *id)
{
    struct rec *r = ctx;
    if (r->delay_ns) {
        struct timespec d = { 0, r->delay_ns };
        nanosleep(&d, NULL);
    }
    r->calls[r->ncalls++] = 'F';
    size_t n = r->nflows++;
    r->flow_port[n] = f->orig_port;
    r->nev[n] = nev;
    r->last_ev_seq[n] = nev ? ev[nev - 1].seq : 0;
    snprintf(r->last_an_detail[n], sizeof r->last_an_detail[n], "%s",
             nan ? an[nan - 1].detail : "");
    r->nrst[n] = nrst;
    snprintf(r->last_rst_evidence[n], sizeof r->last_rst_evidence[n], "%.20s",
             nrst ? rst[nrst - 1].evidence : "");
    *id = 1000 + (int64_t)n;
    return r->fail_flow_at && (int)r->nflows == r->fail_flow_at ? -1 : 0;
}

/* Records "nan=N an=<last detail> ev=<seq|-> rst=<evidence|->". */
static int rec_late(void *ctx, int64_t id, const struct late_rows *rows)
{
    struct rec *r = ctx;
    r->calls[r->ncalls++] = 'L';
    char ev[16] = "-";
    if (rows->ev)
        snprintf(ev, sizeof ev, "%u", (unsigned)rows->ev->seq);
    snprintf(r->late_text[r->nlate], sizeof r->late_text[r->nlate],
             "nan=%zu an=%.8s ev=%.8s rst=%.8s", rows->nan,
             rows->nan ? rows->an[rows->nan - 1].detail : "-", ev,
             rows->rst ? rows->rst->evidence : "-");
    r->late_ids[r->nlate++] = id;
    return id == 0 ? -1 : 0;
}

static int rec_checkpoint(void *ctx, const struct run_totals *t)
{
    struct rec *r = ctx;
    (void)t;
    r->calls[r->ncalls++] = 'C';
    return 0;
}

static int rec_end(void *ctx, const struct run_totals *t)
{
    struct rec *r = ctx;
    (void)t;
    r->calls[r->ncalls++] = 'E';
    return 0;
}

static struct sink_thread *start(struct rec *r, size_t max_bytes, struct sink *out)
{
    struct sink inner = { .ctx = r, .run_begin = rec_begin, .flow = rec_flow,
                          .late = rec_late, .checkpoint = rec_checkpoint,
                          .run_end = rec_end };
    struct sink_thread *t = sink_thread_start(&inner, max_bytes, out);
    cr_assert_not_null(t);
    return t;
}

/* Flow k: orig_port k, k % 5 events whose last seq is k, one anomaly with detail "a<k>",
 * k % 3 RSTs whose last has the evidence "r<k>". */
static int send_flow(struct sink *s, int k, int64_t *handle)
{
    struct flow_record f = { .orig_port = (uint16_t)k };
    struct teardown_event ev[4] = { 0 };
    size_t nev = (size_t)(k % 5);
    if (nev)
        ev[nev - 1].seq = (uint32_t)k;
    struct anomaly_record an = { 0 };
    snprintf(an.detail, sizeof an.detail, "a%d", k);
    struct rst_record rst[2];
    memset(rst, 0, sizeof rst);
    size_t nrst = (size_t)(k % 3);
    if (nrst)
        snprintf(rst[nrst - 1].evidence, sizeof rst[nrst - 1].evidence, "r%d", k);
    return s->flow(s->ctx, &f, ev, nev, &an, 1, rst, nrst, handle);
}

/* Late rows: one anomaly "late", an event at seq 7, a RST "rlate"; or just an anomaly. */
static int send_late(struct sink *s, int64_t handle, bool full)
{
    struct anomaly_record an = { 0 };
    snprintf(an.detail, sizeof an.detail, "late");
    struct teardown_event ev = { .seq = 7 };
    struct rst_record rst;
    memset(&rst, 0, sizeof rst);
    snprintf(rst.evidence, sizeof rst.evidence, "rlate");
    struct late_rows rows = { .an = &an, .nan = 1 };
    if (full) {
        rows.ev = &ev;
        rows.rst = &rst;
    }
    return s->late(s->ctx, handle, &rows);
}

Test(storage_thread, flows_arrive_in_order_intact_and_handles_translate)
{
    static struct rec r;
    memset(&r, 0, sizeof r);
    struct sink s;
    struct sink_thread *t = start(&r, 1 << 20, &s);
    struct run_info info = { .source = "x" };
    struct run_totals tot = { 0 };
    cr_assert_eq(s.run_begin(s.ctx, &info), 0);
    int64_t h[1000];
    for (int k = 1; k <= 1000; k++)
        cr_assert_eq(send_flow(&s, k, &h[k - 1]), 0);
    cr_assert_eq(send_late(&s, h[9], true), 0);                  /* flow 10 */
    s.forget(s.ctx, h[19]);                                      /* flow 20 */
    cr_assert_eq(send_late(&s, h[999], false), 0);               /* flow 1000 */
    cr_assert_eq(s.checkpoint(s.ctx, &tot), 0);
    cr_assert_eq(r.nflows, 1000);
    for (int k = 1; k <= 1000; k++) {
        cr_assert_eq(r.flow_port[k - 1], k);
        cr_assert_eq(r.nev[k - 1], (size_t)(k % 5));
        cr_assert_eq(r.last_ev_seq[k - 1], k % 5 ? (uint32_t)k : 0);
        char want[16];
        snprintf(want, sizeof want, "a%d", k);
        cr_assert_str_eq(r.last_an_detail[k - 1], want);
        cr_assert_eq(r.nrst[k - 1], (size_t)(k % 3));
        snprintf(want, sizeof want, k % 3 ? "r%d" : "", k);
        cr_assert_str_eq(r.last_rst_evidence[k - 1], want);
    }
    cr_assert_eq(r.nlate, 2);
    cr_assert_str_eq(r.late_text[0], "nan=1 an=late ev=7 rst=rlate");
    cr_assert_str_eq(r.late_text[1], "nan=1 an=late ev=- rst=-");
    cr_assert_eq(r.late_ids[0], 1009);
    cr_assert_eq(r.late_ids[1], 1999);
    cr_assert_eq(r.calls[0], 'B');
    cr_assert_eq(r.calls[1001], 'L');
    cr_assert_eq(r.calls[r.ncalls - 1], 'C');
    /* A forgotten handle no longer names a stored flow: the inner sink gets id 0. */
    s.forget(s.ctx, h[9]);
    cr_assert_eq(send_late(&s, h[9], false), 0);                 /* queued; fails inside */
    cr_assert_eq(s.run_end(s.ctx, &tot), -1);
    cr_assert_eq(r.late_ids[2], 0);
    sink_thread_stop(t);
}

Test(storage_thread, forgetting_in_any_order_keeps_the_others)
{
    static struct rec r;
    memset(&r, 0, sizeof r);
    struct sink s;
    struct sink_thread *t = start(&r, 1 << 20, &s);
    struct run_totals tot = { 0 };
    int64_t h[3000];
    for (int k = 1; k <= 3000; k++)
        cr_assert_eq(send_flow(&s, k, &h[k - 1]), 0);
    for (int k = 3000; k >= 2; k -= 2)     /* forget the even ones, newest first */
        s.forget(s.ctx, h[k - 1]);
    s.forget(s.ctx, h[0]);
    for (int k = 3; k <= 2999; k += 998)   /* 3, 1001, 1999, 2997: odd, remembered */
        cr_assert_eq(send_late(&s, h[k - 1], k == 3), 0);
    cr_assert_eq(s.checkpoint(s.ctx, &tot), 0);
    cr_assert_eq(r.nlate, 4);
    cr_assert_eq(r.late_ids[0], 1002);
    cr_assert_eq(r.late_ids[1], 2000);
    cr_assert_eq(r.late_ids[2], 2998);
    cr_assert_eq(r.late_ids[3], 3996);
    sink_thread_stop(t);
}

Test(storage_thread, barrier_returns_the_inner_result)
{
    static struct rec r;
    memset(&r, 0, sizeof r);
    r.begin_rc = -1;
    struct sink s;
    struct sink_thread *t = start(&r, 1 << 20, &s);
    struct run_info info = { .source = "x" };
    cr_assert_eq(s.run_begin(s.ctx, &info), -1);
    sink_thread_stop(t);
}

Test(storage_thread, a_failure_stops_writing_but_run_end_still_runs)
{
    static struct rec r;
    memset(&r, 0, sizeof r);
    r.fail_flow_at = 5;
    struct sink s;
    struct sink_thread *t = start(&r, 1 << 20, &s);
    struct run_totals tot = { 0 };
    int64_t h;
    for (int k = 1; k <= 10; k++)
        cr_assert_eq(send_flow(&s, k, &h), 0);     /* queued: the failure is not known yet */
    cr_assert_eq(s.checkpoint(s.ctx, &tot), -1);
    cr_assert_eq(r.nflows, 5, "flows after the failing one are not written");
    cr_assert_eq(send_flow(&s, 11, &h), -1);
    cr_assert_eq(h, 0);
    cr_assert_eq(s.run_end(s.ctx, &tot), -1, "the run failed, though run_end itself worked");
    cr_assert_eq(r.calls[r.ncalls - 1], 'E');
    cr_assert_eq(r.nflows, 5);
    sink_thread_stop(t);
}

Test(storage_thread, a_small_budget_with_a_slow_writer_loses_nothing)
{
    static struct rec r;
    memset(&r, 0, sizeof r);
    r.delay_ns = 20000;
    struct sink s;
    struct sink_thread *t = start(&r, 4096, &s);
    struct run_totals tot = { 0 };
    int64_t h;
    for (int k = 1; k <= 2000; k++)
        cr_assert_eq(send_flow(&s, k, &h), 0);
    cr_assert_eq(h, 2000);
    cr_assert_eq(s.run_end(s.ctx, &tot), 0);
    cr_assert_eq(r.nflows, 2000);
    for (int k = 1; k <= 2000; k++)
        cr_assert_eq(r.flow_port[k - 1], k);
    sink_thread_stop(t);
}

Test(storage_thread, stop_without_a_run_and_stop_null)
{
    static struct rec r;
    memset(&r, 0, sizeof r);
    struct sink s;
    sink_thread_stop(start(&r, 1 << 20, &s));
    sink_thread_stop(NULL);
    cr_assert_eq(r.ncalls, 0);
}

/* A failure in the flows written just before the end is reported by run_end. */
Test(storage_thread, a_failure_found_only_at_the_end_fails_run_end)
{
    static struct rec r;
    memset(&r, 0, sizeof r);
    r.fail_flow_at = 3;
    struct sink s;
    struct sink_thread *t = start(&r, 1 << 20, &s);
    struct run_totals tot = { 0 };
    int64_t h;
    for (int k = 1; k <= 5; k++)
        cr_assert_eq(send_flow(&s, k, &h), 0);
    cr_assert_eq(s.run_end(s.ctx, &tot), -1);
    cr_assert_eq(r.nflows, 3);
    cr_assert_eq(r.calls[r.ncalls - 1], 'E');
    sink_thread_stop(t);
}
