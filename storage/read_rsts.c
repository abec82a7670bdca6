/*
 * read_rsts.c — reading the `rsts` table (storage/read.h): one flow's RSTs (for `finscope
 * show`, and beside each flow for `export`), and the "why connections were reset" summaries
 * of `finscope report`: RSTs per cause and origin, and who is behind each cause.
 * Spoofed RSTs (origin = 'other') come first in both summaries: they are what a user looks for.
 */
#include "storage/internal.h"
#include "storage/read.h"

/* The sort key that puts spoofed RSTs first (on the rsts columns prefixed by r). */
#define SPOOFED_FIRST(r) "CASE WHEN " r "origin = 'other' THEN 1 ELSE 0 END DESC"

void rd_fill_rst(const struct db_row *s, struct read_rst *r)
{
    r->id = row_int(s, 0);
    r->flow_id = row_int(s, 1);
    r->packet = row_int(s, 2);
    r->ts = row_real(s, 3);
    rd_text(s, 4, r->direction, sizeof r->direction);
    r->seq = row_int(s, 5);
    r->ack = row_int(s, 6);
    r->has_ack = (int)row_int(s, 7) != 0;
    r->len = row_int(s, 8);
    r->ttl = (int)row_int(s, 9);
    r->ip_id = row_null(s, 10) ? -1 : row_int(s, 10);
    rd_text(s, 11, r->acceptable, sizeof r->acceptable);
    rd_text(s, 12, r->cause, sizeof r->cause);
    rd_text(s, 13, r->origin, sizeof r->origin);
    rd_text(s, 14, r->evidence, sizeof r->evidence);
    r->silence = row_null(s, 15) ? -1 : row_real(s, 15);
}

struct rst_ctx {
    read_rst_fn fn;
    void *ctx;
};

static int rst_row(struct storage *st, const struct db_row *s, void *ctx)
{
    (void)st;
    struct rst_ctx *c = ctx;
    struct read_rst r;
    rd_fill_rst(s, &r);
    return c->fn(c->ctx, &r);
}

int read_flow_rsts(struct storage *st, int64_t flow_id, read_rst_fn fn, void *ctx)
{
    struct rst_ctx c = {fn, ctx};
    return rd_query(st, RD_RST_SELECT " WHERE r.flow_id = ?1 ORDER BY r.packet, r.id",
                    &flow_id, 1, rst_row, &c, "reading RSTs");
}

/* ---- summaries ------------------------------------------------------------------------------ */

int read_rst_causes(struct storage *st, int64_t run_id, read_count_fn fn, void *ctx)
{
    struct rd_count_ctx c = {fn, ctx};
    return rd_query(st,
                    "SELECT cause, origin, count(*), count(DISTINCT flow_id),"
                    "  100.0 * count(*) / sum(count(*)) OVER ()"
                    " FROM rsts WHERE run_id = ?1 GROUP BY cause, origin"
                    " ORDER BY " SPOOFED_FIRST("") ", count(*) DESC, cause NULLS FIRST,"
                    " origin NULLS FIRST",
                    &run_id, 1, rd_count_row, &c, "reading RST causes");
}

struct source_ctx {
    read_rst_source_fn fn;
    void *ctx;
};

static int source_row(struct storage *st, const struct db_row *s, void *ctx)
{
    (void)st;
    struct source_ctx *c = ctx;
    struct read_rst_source r = {
        .cause = rd_text_or_empty(s, 0),
        .origin = rd_text_or_empty(s, 1),
        .sender = rd_text_or_empty(s, 2),
        .server = rd_text_or_empty(s, 3),
        .rsts = row_int(s, 4),
        .flows = row_int(s, 5),
    };
    return c->fn(c->ctx, &r);
}

int read_rst_sources(struct storage *st, int64_t run_id, int limit, read_rst_source_fn fn,
                     void *ctx)
{
    struct source_ctx c = {fn, ctx};
    int64_t params[2] = {run_id, limit > 0 ? limit : INT64_MAX};
    return rd_query(st,
                    "SELECT r.cause, r.origin,"
                    "  CASE r.direction WHEN 'orig' THEN f.orig_addr ELSE f.resp_addr END"
                    "   AS sender,"
                    "  CASE WHEN f.resp_addr LIKE '%:%'"
                    "   THEN '[' || f.resp_addr || ']:' || f.resp_port"
                    "   ELSE f.resp_addr || ':' || f.resp_port END AS server,"
                    "  count(*), count(DISTINCT r.flow_id)"
                    " FROM rsts r JOIN flows f ON f.id = r.flow_id WHERE r.run_id = ?1"
                    " GROUP BY r.cause, r.origin, sender, server"
                    " ORDER BY " SPOOFED_FIRST("r.") ", count(*) DESC, r.cause NULLS FIRST, sender"
                    "  NULLS FIRST, server"
                    " LIMIT ?2",
                    params, 2, source_row, &c, "reading who sent the RSTs");
}
