/*
 * flows.c — the sink's flow and late functions: one flows row with its teardown_events,
 * anomalies and rsts rows, written all-or-nothing (statements.c says how); and the rows a
 * segment adds to a flow already written (a late RST: its rsts row, anomalies, event).
 *
 * Value conventions (docs/schema.md): times are Unix seconds (REAL); text that is empty or
 * absent is NULL; TCP-only counters are NULL for other protocols; a window scale of -1
 * (unknown) is NULL.
 * Text is bound without a copy (bind.c): each insert_* binds every parameter of its statement
 * and runs it before returning, while the record's text is alive (a batching driver copies
 * the row into its batch then).
 */
#include "storage/internal.h"

#define P(col) (FC_##col + 1)   /* parameter index of a flows column in S_INS_FLOW */

/* addr[2][64]: the addresses as text, bound without a copy (insert_flow steps while they live). */
static void bind_endpoints(struct db_params *s, const struct storage *st,
                           const struct flow_record *f, char addr[2][64])
{
    bind_int(s, P(run_id), st->run_id);
    bind_chars(s, P(proto), f->proto, sizeof f->proto);
    bind_chars(s, P(orig_addr), ip_addr_str(&f->orig_addr, addr[0], 64), 64);
    bind_int(s, P(orig_port), f->orig_port);
    bind_chars(s, P(resp_addr), ip_addr_str(&f->resp_addr, addr[1], 64), 64);
    bind_int(s, P(resp_port), f->resp_port);
    bind_int(s, P(vlan), f->vlan);
    bind_chars(s, P(tunnel), f->tunnel, sizeof f->tunnel);
}

static void bind_volume(struct db_params *s, const struct flow_record *f)
{
    bind_ts(s, P(first_ts), f->first_ts_us);
    bind_ts(s, P(last_ts), f->last_ts_us);
    bind_real(s, P(duration), (double)(f->last_ts_us - f->first_ts_us) / 1e6);
    bind_u64(s, P(orig_pkts), f->pkts[DIR_ORIG]);
    bind_u64(s, P(resp_pkts), f->pkts[DIR_RESP]);
    bind_u64(s, P(orig_bytes), f->bytes[DIR_ORIG]);
    bind_u64(s, P(resp_bytes), f->bytes[DIR_RESP]);
    bind_u64(s, P(orig_ip_bytes), f->ip_bytes[DIR_ORIG]);
    bind_u64(s, P(resp_ip_bytes), f->ip_bytes[DIR_RESP]);
    bind_int(s, P(midstream), f->midstream);
    bind_text(s, P(ended_by), f->ended_by);
}

static void bind_teardown(struct db_params *s, const struct flow_record *f)
{
    bind_text(s, P(teardown), f->teardown);
    bind_text(s, P(closer), f->closer);
    bind_text(s, P(orig_state), f->orig_state);
    bind_text(s, P(resp_state), f->resp_state);
    bind_text(s, P(reason), f->reason);
    bind_ts_or_null(s, P(close_start), f->close_start_ts_us);
    bind_ts_or_null(s, P(close_end), f->close_end_ts_us);
    if (f->close_start_ts_us && f->close_end_ts_us)
        bind_real(s, P(close_duration),
                            (double)(f->close_end_ts_us - f->close_start_ts_us) / 1e6);
    else
        bind_null(s, P(close_duration));
}

/* A TCP-only count: NULL for other protocols. */
static void bind_tcp_count(struct db_params *s, int idx, bool tcp, uint32_t v)
{
    if (tcp)
        bind_int(s, idx, v);
    else
        bind_null(s, idx);
}

static void bind_tcp_counters(struct db_params *s, const struct flow_record *f)
{
    bool tcp = f->l4proto == IPPROTO_NUM_TCP;
    bind_tcp_count(s, P(orig_retrans), tcp, f->retrans[DIR_ORIG]);
    bind_tcp_count(s, P(resp_retrans), tcp, f->retrans[DIR_RESP]);
    bind_tcp_count(s, P(orig_ooo), tcp, f->out_of_order[DIR_ORIG]);
    bind_tcp_count(s, P(resp_ooo), tcp, f->out_of_order[DIR_RESP]);
    bind_tcp_count(s, P(orig_zero_win), tcp, f->zero_windows[DIR_ORIG]);
    bind_tcp_count(s, P(resp_zero_win), tcp, f->zero_windows[DIR_RESP]);
    bind_tcp_count(s, P(orig_rsts), tcp, f->rsts[DIR_ORIG]);
    bind_tcp_count(s, P(resp_rsts), tcp, f->rsts[DIR_RESP]);
    bind_tcp_count(s, P(orig_fins), tcp, f->fins[DIR_ORIG]);
    bind_tcp_count(s, P(resp_fins), tcp, f->fins[DIR_RESP]);
    bind_tcp_count(s, P(orig_wscale), tcp && f->wscale[DIR_ORIG] >= 0,
                   (uint32_t)f->wscale[DIR_ORIG]);
    bind_tcp_count(s, P(resp_wscale), tcp && f->wscale[DIR_RESP] >= 0,
                   (uint32_t)f->wscale[DIR_RESP]);
}

/* A duration in seconds, NULL when unmeasured (negative). */
static void bind_duration(struct db_params *s, int idx, int64_t us)
{
    if (us < 0)
        bind_null(s, idx);
    else
        bind_real(s, idx, (double)us / 1e6);
}

static void bind_timing(struct db_params *s, const struct flow_record *f)
{
    bind_duration(s, P(rtt_orig), f->rtt_us[DIR_ORIG]);
    bind_duration(s, P(rtt_resp), f->rtt_us[DIR_RESP]);
    bind_text(s, P(rst_cause), f->rst_cause);
    bind_text(s, P(rst_origin), f->rst_origin);
}

/* Capture loss: NULL for flows without sequence numbers (not TCP). */
static void bind_loss(struct db_params *s, const struct flow_record *f)
{
    if (f->l4proto != IPPROTO_NUM_TCP) {
        bind_null(s, P(gaps));
        bind_null(s, P(gap_bytes));
        return;
    }
    bind_u64(s, P(gaps), f->gaps);
    bind_u64(s, P(gap_bytes), f->gap_bytes);
}

static void bind_labels(struct db_params *s, const struct flow_record *f, size_t nan)
{
    bind_u64(s, P(anomalies), nan);
    bind_int(s, P(events_dropped), f->events_dropped);
    bind_text(s, P(conn_state), f->conn_state);
    bind_chars(s, P(history), f->history, sizeof f->history);
    bind_chars(s, P(app_proto), f->app_proto, sizeof f->app_proto);
    bind_chars(s, P(app_category), f->app_category, sizeof f->app_category);
    bind_chars(s, P(server_name), f->server_name, sizeof f->server_name);
}

static int insert_flow(struct storage *st, const struct flow_record *f, size_t nan,
                       int64_t *flow_id)
{
    struct db_params params, *s = &params;
    params.n = 0;
    char addr[2][64];
    bind_endpoints(s, st, f, addr);
    bind_volume(s, f);
    bind_teardown(s, f);
    bind_tcp_counters(s, f);
    bind_labels(s, f, nan);
    bind_timing(s, f);
    bind_loss(s, f);
    if (stmt_exec(st, S_INS_FLOW, s, "writing a flow") < 0)
        return -1;
    *flow_id = st->last_id;
    return 0;
}

static int insert_event(struct storage *st, int64_t flow_id, const struct teardown_event *e)
{
    struct db_params params, *s = &params;
    params.n = 0;
    char flags[9];
    bind_int(s, 1, flow_id);
    bind_ts(s, 2, e->ts_us);
    bind_u64(s, 3, e->packet);
    bind_text(s, 4, direction_name((enum direction)e->dir));
    bind_chars(s, 5, tcp_flags_str(e->flags, flags), sizeof flags);
    bind_int(s, 6, e->seq);
    bind_int(s, 7, e->ack);
    bind_int(s, 8, e->len);
    bind_text(s, 9, tcp_state_name((enum tcp_state)e->orig_state));
    bind_text(s, 10, tcp_state_name((enum tcp_state)e->resp_state));
    bind_int(s, 11, e->inferred);
    return stmt_exec(st, S_INS_EVENT, s, "writing a teardown event");
}

static int insert_anomaly(struct storage *st, int64_t flow_id, const struct anomaly_record *a)
{
    struct db_params params, *s = &params;
    params.n = 0;
    bind_int(s, 1, st->run_id);
    bind_int(s, 2, flow_id);
    bind_ts(s, 3, a->ts_us);
    bind_u64(s, 4, a->packet);
    bind_text(s, 5, direction_name((enum direction)a->dir));
    bind_text(s, 6, anomaly_kind_name((enum anomaly_kind)a->kind));
    bind_chars(s, 7, a->expected, sizeof a->expected);
    bind_chars(s, 8, a->observed, sizeof a->observed);
    bind_chars(s, 9, a->detail, sizeof a->detail);
    bind_int(s, 10, a->challenge_ack);
    return stmt_exec(st, S_INS_ANOMALY, s, "writing an anomaly");
}

static int insert_rst(struct storage *st, int64_t flow_id, const struct rst_record *r)
{
    struct db_params params, *s = &params;
    params.n = 0;
    bind_int(s, 1, st->run_id);
    bind_int(s, 2, flow_id);
    bind_ts(s, 3, r->ts_us);
    bind_u64(s, 4, r->packet);
    bind_text(s, 5, direction_name((enum direction)r->dir));
    bind_int(s, 6, r->seq);
    bind_int(s, 7, r->ack);
    bind_int(s, 8, (r->flags & TCP_ACK) != 0);
    bind_int(s, 9, r->len);
    bind_int(s, 10, r->ttl);
    if (r->ip_id >= 0)
        bind_int(s, 11, r->ip_id);
    else
        bind_null(s, 11);
    bind_text(s, 12, rst_acceptable_name((enum rst_acceptable)r->acceptable));
    bind_text(s, 13, rst_cause_name((enum rst_cause)r->cause));
    bind_text(s, 14, rst_origin_name((enum rst_origin)r->origin));
    bind_chars(s, 15, r->evidence, sizeof r->evidence);   /* stepped below */
    bind_duration(s, 16, r->silence_us);
    return stmt_exec(st, S_INS_RST, s, "writing a RST");
}

static int insert_rows(struct storage *st, const struct flow_record *f,
                       const struct teardown_event *ev, size_t nev,
                       const struct anomaly_record *an, size_t nan,
                       const struct rst_record *rst, size_t nrst, int64_t *flow_id)
{
    if (insert_flow(st, f, nan, flow_id) < 0)
        return -1;
    for (size_t i = 0; i < nev; i++)
        if (insert_event(st, *flow_id, &ev[i]) < 0)
            return -1;
    for (size_t i = 0; i < nan; i++)
        if (insert_anomaly(st, *flow_id, &an[i]) < 0)
            return -1;
    for (size_t i = 0; i < nrst; i++)
        if (insert_rst(st, *flow_id, &rst[i]) < 0)
            return -1;
    return 0;
}

/* Any failure ends the analyzer's run, so the run can no longer be complete. */
static int failed(struct storage *st)
{
    st->write_failed = true;
    return -1;
}

int storage_sink_flow(void *ctx, const struct flow_record *f, const struct teardown_event *ev,
                      size_t nev, const struct anomaly_record *an, size_t nan,
                      const struct rst_record *rst, size_t nrst, int64_t *flow_id)
{
    struct storage *st = ctx;
    int64_t id = 0;
    *flow_id = 0;
    if (run_check_active(st, "writing a flow") < 0 || txn_ensure(st) < 0)
        return failed(st);
    if (insert_rows(st, f, ev, nev, an, nan, rst, nrst, &id) < 0) {
        flow_undo(st, id);
        return failed(st);
    }
    st->flows_pending++;
    st->loss_pending.gap_bytes += f->gap_bytes;
    st->loss_pending.acked_bytes += f->acked_bytes;
    if (rows_written(st, 1 + nev + nan + nrst) < 0)
        return failed(st);
    *flow_id = id;
    return 0;
}

/* Adds the late anomalies to the flow's count; fails when the flow is not in the file. */
static int count_late_anomalies(struct storage *st, int64_t flow_id, size_t nan)
{
    struct db_params p = {0};
    bind_int(&p, 1, flow_id);
    bind_int(&p, 2, (int64_t)nan);
    if (stmt_exec(st, S_ADD_FLOW_ANOMALY, &p, "counting late anomalies") < 0)
        return -1;
    if (st->changes != 1)
        return st_error(st, "%s: late rows for flow %lld, which is not in the database",
                        st->path, (long long)flow_id);
    return 0;
}

static int insert_late(struct storage *st, int64_t flow_id, const struct late_rows *rows)
{
    if (count_late_anomalies(st, flow_id, rows->nan) < 0)
        return -1;
    for (size_t i = 0; i < rows->nan; i++)
        if (insert_anomaly(st, flow_id, &rows->an[i]) < 0)
            return -1;
    if (rows->ev && insert_event(st, flow_id, rows->ev) < 0)
        return -1;
    if (rows->rst && insert_rst(st, flow_id, rows->rst) < 0)
        return -1;
    return 0;
}

int storage_sink_late(void *ctx, int64_t flow_id, const struct late_rows *rows)
{
    struct storage *st = ctx;
    if (run_check_active(st, "writing late rows") < 0 || unit_begin(st) < 0)
        return failed(st);
    if (insert_late(st, flow_id, rows) < 0) {
        unit_abort(st);
        return failed(st);
    }
    uint64_t n = rows->nan + (rows->ev != NULL) + (rows->rst != NULL);
    return unit_end(st, n) < 0 ? failed(st) : 0;
}
