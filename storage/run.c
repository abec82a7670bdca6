/*
 * run.c — the run's sink functions: run_begin (the runs row, committed at once with
 * complete = 0), checkpoint (counters, then commit) and run_end (counters, finished, complete,
 * decode errors, then commit); and storage_sink, which hands all sink functions out.
 */
#include <time.h>

#include "storage/internal.h"

#ifndef FINSCOPE_VERSION
#define FINSCOPE_VERSION "unknown"     /* the Makefile defines it */
#endif

static int64_t wall_clock_us(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
}

static int writable(struct storage *st)
{
    if (st->readonly)
        return st_error(st, "%s was opened read-only", st->path);
    return 0;
}

static int insert_run(struct storage *st, const struct run_info *info)
{
    struct db_params params, *s = &params;
    params.n = 0;
    bind_text(s, 1, info->source);
    bind_text(s, 2, info->mode);
    bind_ts_or_null(s, 3, info->started_us);
    bind_text(s, 4, FINSCOPE_VERSION);
    bind_text(s, 5, info->dpi ? analyzer_dpi_version() : NULL);
    bind_int(s, 6, info->dpi);
    bind_text(s, 7, info->options);
    bind_text(s, 8, info->sensor);
    if (stmt_exec(st, S_INS_RUN, s, "recording the run") < 0)
        return -1;
    st->run_id = st->last_id;
    return 0;
}

static int run_begin(void *ctx, const struct run_info *info)
{
    struct storage *st = ctx;
    if (writable(st) < 0)
        return -1;
    if (st->phase == RUN_ACTIVE)
        return st_error(st, "%s: a run is already in progress (run %lld)", st->path,
                        (long long)st->run_id);
    /* Invariant: no transaction is open outside an active run. */
    st->run_id = 0;
    st->write_failed = false;
    st->loss_committed = st->loss_pending = (struct loss_sums){0};
    if (txn_ensure(st) < 0 || insert_run(st, info) < 0 || txn_commit(st) < 0) {
        txn_rollback(st);
        st->run_id = 0;
        return -1;
    }
    st->phase = RUN_ACTIVE;
    return txn_ensure(st);
}

static int write_decode_errors(struct storage *st, const struct run_totals *t)
{
    struct db_params params, *s = &params;
    params.n = 0;
    for (int r = DISSECT_OK + 1; r < DISSECT_REASON_COUNT; r++) {
        if (t->decode_errors[r] == 0)
            continue;
        bind_int(s, 1, st->run_id);
        bind_text(s, 2, dissect_reason_name((enum dissect_result)r));
        bind_u64(s, 3, t->decode_errors[r]);
        if (stmt_exec(st, S_INS_DECODE_ERROR, s, "recording decode errors") < 0)
            return -1;
    }
    return 0;
}

/* runs.capture_loss: the share of acknowledged TCP payload bytes the capture missed, over the
 * flows stored so far; 0 when no byte was acknowledged (as Zeek's capture-loss reports). */
static void bind_capture_loss(struct db_params *s, int idx, const struct storage *st)
{
    uint64_t acked = st->loss_committed.acked_bytes + st->loss_pending.acked_bytes;
    uint64_t gap = st->loss_committed.gap_bytes + st->loss_pending.gap_bytes;
    bind_real(s, idx, acked == 0 ? 0.0 : (double)gap / (double)acked);
}

/* At the end: complete only if the totals say so and none of this run's writes failed. */
static int write_totals(struct storage *st, const struct run_totals *t, bool at_end)
{
    struct db_params params, *s = &params;
    params.n = 0;
    bind_int(s, 1, st->run_id);
    bind_u64(s, 2, t->packets);
    bind_u64(s, 3, t->bytes);
    bind_u64(s, 4, st->flows_committed + st->flows_pending);  /* stored, not just emitted */
    bind_u64(s, 5, t->flows_evicted);
    bind_u64(s, 6, t->kernel_drops);
    bind_u64(s, 7, t->iface_drops);
    bind_ts_or_null(s, 8, t->first_pkt_us);
    bind_ts_or_null(s, 9, t->last_pkt_us);
    int64_t finished = t->finished_us;
    if (at_end && finished == 0)
        finished = wall_clock_us();
    bind_ts_or_null(s, 10, finished);
    bind_int(s, 11, at_end && t->complete && !st->write_failed);
    bind_text(s, 12, t->error ? t->error : st->write_failed ? st->errmsg : NULL);
    bind_capture_loss(s, 13, st);
    if (stmt_exec(st, S_UPD_RUN, s, "updating the run") < 0)
        return -1;
    return write_decode_errors(st, t);
}

int run_check_active(struct storage *st, const char *what)
{
    if (writable(st) < 0)
        return -1;
    if (st->phase != RUN_ACTIVE)
        return st_error(st, "%s: %s without an active run (run_begin first)", st->path, what);
    return 0;
}

static int checkpoint(void *ctx, const struct run_totals *t)
{
    struct storage *st = ctx;
    if (run_check_active(st, "checkpointing") < 0)
        return -1;
    if (txn_ensure(st) < 0 || write_totals(st, t, false) < 0 || txn_commit(st) < 0) {
        st->write_failed = true;
        txn_rollback(st);
        return -1;
    }
    return txn_ensure(st);
}

/* After a failed write the transaction may be gone; the totals are still worth recording
 * (in a fresh transaction), since they say the run is unfinished and why. */
static int run_end(void *ctx, const struct run_totals *t)
{
    struct storage *st = ctx;
    if (run_check_active(st, "ending the run") < 0)
        return -1;
    if (txn_ensure(st) < 0 || write_totals(st, t, true) < 0 || txn_commit(st) < 0) {
        txn_rollback(st);
        return -1;
    }
    st->phase = RUN_ENDED;
    return 0;
}

void storage_sink(struct storage *st, struct sink *out)
{
    out->ctx = st;
    out->run_begin = run_begin;
    out->flow = storage_sink_flow;
    out->late = storage_sink_late;
    out->forget = NULL;             /* ids are the stored ones: nothing to forget */
    out->checkpoint = checkpoint;
    out->run_end = run_end;
}
