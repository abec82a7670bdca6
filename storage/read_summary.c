/*
 * read_summary.c — the summaries of one run that `finscope report` shows (storage/read.h):
 * teardown classes, closers, anomaly kinds, the addresses that reset or misbehave most, and
 * the teardown mix per application. Each query yields rows of (name, group, count, flows,
 * share) in a stable order (ties broken by name), so that output can be compared in tests.
 */
#include "storage/internal.h"
#include "storage/read.h"

static int summary(struct storage *st, const char *sql, int64_t run_id, int limit,
                   read_count_fn fn, void *ctx, const char *doing)
{
    struct rd_count_ctx c = {fn, ctx};
    int64_t params[2] = {run_id, limit > 0 ? limit : INT64_MAX};   /* no limit */
    return rd_query(st, sql, params, 2, rd_count_row, &c, doing);
}

int read_teardown_classes(struct storage *st, int64_t run_id, read_count_fn fn, void *ctx)
{
    return summary(st,
                   "SELECT teardown, '', count(*), count(*),"
                   "  100.0 * count(*) / sum(count(*)) OVER ()"
                   " FROM flows WHERE run_id = ?1 AND teardown IS NOT NULL"
                   " GROUP BY teardown ORDER BY count(*) DESC, teardown LIMIT ?2",
                   run_id, 0, fn, ctx, "reading teardown classes");
}

int read_closers(struct storage *st, int64_t run_id, read_count_fn fn, void *ctx)
{
    return summary(st,
                   "SELECT closer, '', count(*), count(*),"
                   "  100.0 * count(*) / sum(count(*)) OVER ()"
                   " FROM flows WHERE run_id = ?1 AND teardown IS NOT NULL"
                   " GROUP BY closer ORDER BY count(*) DESC, closer NULLS FIRST LIMIT ?2",
                   run_id, 0, fn, ctx, "reading closers");
}

int read_anomaly_kinds(struct storage *st, int64_t run_id, read_count_fn fn, void *ctx)
{
    return summary(st,
                   "SELECT kind, '', count(*), count(DISTINCT flow_id),"
                   "  100.0 * count(*) / sum(count(*)) OVER ()"
                   " FROM anomalies WHERE run_id = ?1"
                   " GROUP BY kind ORDER BY count(*) DESC, kind LIMIT ?2",
                   run_id, 0, fn, ctx, "reading anomalies");
}

int read_top_resetters(struct storage *st, int64_t run_id, int limit, read_count_fn fn,
                       void *ctx)
{
    return summary(st,
                   "SELECT reset_addr, '', count(*),"
                   "  sum(CASE WHEN reset_by = 'responder' THEN 1 ELSE 0 END),"
                   "  100.0 * count(*) / sum(count(*)) OVER ()"
                   " FROM resets WHERE run_id = ?1"
                   " GROUP BY reset_addr ORDER BY count(*) DESC, reset_addr LIMIT ?2",
                   run_id, limit, fn, ctx, "reading resets");
}

int read_top_anomalous(struct storage *st, int64_t run_id, int limit, read_count_fn fn,
                       void *ctx)
{
    return summary(st,
                   "SELECT CASE a.direction WHEN 'orig' THEN f.orig_addr ELSE f.resp_addr END"
                   "  AS addr, '', count(*), count(DISTINCT a.flow_id),"
                   "  100.0 * count(*) / sum(count(*)) OVER ()"
                   " FROM anomalies a JOIN flows f ON f.id = a.flow_id"
                   " WHERE a.run_id = ?1"
                   " GROUP BY addr ORDER BY count(*) DESC, addr LIMIT ?2",
                   run_id, limit, fn, ctx, "reading anomalies by address");
}

int read_app_mix(struct storage *st, int64_t run_id, read_count_fn fn, void *ctx)
{
    return summary(st,
                   "SELECT app, teardown, n, app_flows, 100.0 * n / app_flows FROM ("
                   "  SELECT coalesce(app_proto, '') AS app, teardown, count(*) AS n,"
                   "   sum(count(*)) OVER (PARTITION BY coalesce(app_proto, '')) AS app_flows"
                   "  FROM flows WHERE run_id = ?1 AND teardown IS NOT NULL"
                   "  GROUP BY app, teardown) AS mix"
                   " ORDER BY app_flows DESC, app, n DESC, teardown LIMIT ?2",
                   run_id, 0, fn, ctx, "reading the teardown mix per application");
}

static int loss_row(struct storage *st, const struct db_row *s, void *ctx)
{
    (void)st;
    struct read_loss *out = ctx;
    out->gaps = row_int(s, 0);
    out->gap_bytes = row_int(s, 1);
    out->flows_with_gaps = row_int(s, 2);
    out->inferred_events = row_int(s, 3);
    out->flows_with_inferred = row_int(s, 4);
    return 0;
}

int read_capture_loss(struct storage *st, int64_t run_id, struct read_loss *out)
{
    *out = (struct read_loss){0};
    return rd_query(st,
                    "SELECT coalesce(SUM(gaps), 0), coalesce(SUM(gap_bytes), 0),"
                    " COUNT(CASE WHEN gaps > 0 THEN 1 END),"
                    " (SELECT COUNT(*) FROM teardown_events e JOIN flows g ON g.id = e.flow_id"
                    "   WHERE g.run_id = ?1 AND e.inferred = 1),"
                    " (SELECT COUNT(DISTINCT e.flow_id) FROM teardown_events e"
                    "   JOIN flows g ON g.id = e.flow_id WHERE g.run_id = ?1 AND e.inferred = 1)"
                    " FROM flows WHERE run_id = ?1",
                    &run_id, 1, loss_row, out, "reading the capture loss");
}
