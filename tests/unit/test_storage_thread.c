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
    size_t nflows;
    int64_t late_ids[MAX_CALLS];
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
                    size_t nev, const struct anomaly_record *an, size_t nan, int64_t *id)
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
    *id = 1000 + (int64_t)n;
    return r->fail_flow_at && (int)r->nflows == r->fail_flow_at ? -1 : 0;
}

static int rec_late(void *ctx, int64_t id, const struct anomaly_record *an,
                    const struct teardown_event *ev)
{
    struct rec *r = ctx;
    (void)an;
    (void)ev;
    r->calls[r->ncalls++] = 'L';
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
                          .late_anomaly = rec_late, .checkpoint = rec_checkpoint,
                          .run_end = rec_end };
    struct sink_thread *t = sink_thread_start(&inner, max_bytes, out);
    cr_assert_not_null(t);
    return t;
}

/* Flow k: orig_port k, k % 5 events whose last seq is k, one anomaly with detail "a<k>". */
static int send_flow(struct sink *s, int k, int64_t *handle)
{
    struct flow_record f = { .orig_port = (uint16_t)k };
    struct teardown_event ev[4] = { 0 };
    size_t nev = (size_t)(k % 5);
    if (nev)
        ev[nev - 1].seq = (uint32_t)k;
    struct anomaly_record an = { 0 };
    snprintf(an.detail, sizeof an.detail, "a%d", k);
    return s->flow(s->ctx, &f, ev, nev, &an, 1, handle);
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
    struct anomaly_record an = { 0 };
    cr_assert_eq(s.late_anomaly(s.ctx, h[9], &an, NULL), 0);    /* flow 10 */
    s.forget(s.ctx, h[19]);                                      /* flow 20 */
    cr_assert_eq(s.late_anomaly(s.ctx, h[999], &an, NULL), 0);   /* flow 1000 */
    cr_assert_eq(s.checkpoint(s.ctx, &tot), 0);
    cr_assert_eq(r.nflows, 1000);
    for (int k = 1; k <= 1000; k++) {
        cr_assert_eq(r.flow_port[k - 1], k);
        cr_assert_eq(r.nev[k - 1], (size_t)(k % 5));
        cr_assert_eq(r.last_ev_seq[k - 1], k % 5 ? (uint32_t)k : 0);
        char want[16];
        snprintf(want, sizeof want, "a%d", k);
        cr_assert_str_eq(r.last_an_detail[k - 1], want);
    }
    cr_assert_eq(r.nlate, 2);
    cr_assert_eq(r.late_ids[0], 1009);
    cr_assert_eq(r.late_ids[1], 1999);
    cr_assert_eq(r.calls[0], 'B');
    cr_assert_eq(r.calls[1001], 'L');
    cr_assert_eq(r.calls[r.ncalls - 1], 'C');
    /* A forgotten handle no longer names a stored flow: the inner sink gets id 0. */
    s.forget(s.ctx, h[9]);
    cr_assert_eq(s.late_anomaly(s.ctx, h[9], &an, NULL), 0);     /* queued; fails inside */
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
    struct anomaly_record an = { 0 };
    for (int k = 3; k <= 2999; k += 998)   /* 3, 1001, 1999, 2997: odd, remembered */
        cr_assert_eq(s.late_anomaly(s.ctx, h[k - 1], &an, NULL), 0);
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
