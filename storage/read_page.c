/*
 * read_page.c — what the HTML report reads beyond the text report (storage/read.h): the
 * servers behind resets and anomalies, reset causes, capture loss, and a bounded, varied
 * selection of flows for its table and ladders (read_breakdown.c has the rest).
 *
 * Everything is aggregated or limited in SQL, so a run of a million flows costs the page a
 * few scans, never a million rows in memory. Columns that later schema versions add
 * (flows.rst_cause, rst_origin, tunnel, gaps; runs.capture_loss) are read when the file has
 * them (rd_has_column) and reported absent otherwise.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/internal.h"
#include "storage/read.h"

#define NOTABLE_SQL(f) RD_NOTABLE_SQL(f)

/* ---- servers behind resets and anomalies ---------------------------------------------------- */

struct server_ctx {
    read_server_fn fn;
    void *ctx;
};

static int server_row(struct storage *st, const struct db_row *s, void *ctx)
{
    (void)st;
    struct server_ctx *c = ctx;
    const char *addr = row_text(s, 0), *name = row_text(s, 2);
    struct read_server r = {
        .addr = addr ? addr : "",
        .port = row_int(s, 1),
        .name = name ? name : "",
        .resets = row_int(s, 3),
        .anomalous = row_int(s, 4),
        .notable = row_int(s, 5),
    };
    return c->fn(c->ctx, &r);
}

int read_top_servers(struct storage *st, int64_t run_id, int limit, read_server_fn fn,
                     void *ctx)
{
    static const char sql[] =
        "SELECT resp_addr, resp_port, max(server_name),"
        "  sum(CASE WHEN coalesce(orig_rsts, 0) > 0 OR coalesce(resp_rsts, 0) > 0 THEN 1 ELSE 0"
        "   END), sum(CASE WHEN anomalies > 0 THEN 1 ELSE 0 END), count(*)"
        " FROM flows WHERE run_id = ?1 AND proto = 'tcp' AND " NOTABLE_SQL("")
        " GROUP BY resp_addr, resp_port ORDER BY count(*) DESC, resp_addr, resp_port LIMIT ?2";
    struct server_ctx c = {fn, ctx};
    int64_t params[2] = {run_id, limit > 0 ? limit : INT64_MAX};
    return rd_query(st, sql, params, 2, server_row, &c, "reading servers behind resets");
}

/* ---- reset causes and capture loss (later schema versions) ---------------------------------- */

struct cause_ctx {
    read_count_fn fn;
    void *ctx;
};

static int cause_row(struct storage *st, const struct db_row *s, void *ctx)
{
    (void)st;
    struct cause_ctx *c = ctx;
    const char *cause = row_text(s, 0), *origin = row_text(s, 1);
    struct read_count rc = {
        .name = cause ? cause : "",
        .group = origin ? origin : "",
        .count = row_int(s, 2),
        .flows = row_int(s, 2),
        .share = row_real(s, 3),
    };
    return c->fn(c->ctx, &rc);
}

int read_reset_causes(struct storage *st, int64_t run_id, read_count_fn fn, void *ctx)
{
    static const char sql[] =
        "SELECT rst_cause, rst_origin, count(*), 100.0 * count(*) / sum(count(*)) OVER ()"
        " FROM flows WHERE run_id = ?1 AND teardown IN ('rst_originator', 'rst_responder')"
        " GROUP BY rst_cause, rst_origin"
        " ORDER BY count(*) DESC, rst_cause NULLS FIRST, rst_origin NULLS FIRST";
    struct cause_ctx c = {fn, ctx};
    return rd_query(st, sql, &run_id, 1, cause_row, &c, "reading reset causes");
}

/* ---- the table's flows ---------------------------------------------------------------------- */

#define PAGE_COLUMN(name, type) " f." #name ","

/* Result columns after the RF_COUNT flows columns. */
enum { PC_NOTABLE = RF_COUNT, PC_KINDS, PC_CAUSE, PC_ORIGIN, PC_TUNNEL, PC_GAPS };

void read_page_columns(struct storage *st, struct read_page_columns *c)
{
    c->rst_cause = rd_has_column(st, "flows", "rst_cause") &&
                   rd_has_column(st, "flows", "rst_origin");
    c->tunnel = rd_has_column(st, "flows", "tunnel");
    c->gaps = rd_has_column(st, "flows", "gaps");
}

/* Notable flows, taken in turn from each (teardown class or protocol, first anomaly kind):
 * one scan of the run's flows and a sort of the notable ones. */
static const char NOTABLE_PICK[] =
    "WITH k AS (SELECT flow_id, group_concat(DISTINCT kind) AS kinds, min(kind) AS kind"
    "   FROM anomalies WHERE run_id = ?1 GROUP BY flow_id),"
    " r AS (SELECT f.id AS fid, 1 AS notable, k.kinds AS kinds,"
    "   row_number() OVER (PARTITION BY coalesce(f.teardown, f.proto), k.kind"
    "    ORDER BY f.id) AS rn"
    "   FROM flows f LEFT JOIN k ON k.flow_id = f.id"
    "   WHERE f.run_id = ?1 AND " NOTABLE_SQL("f.") ")";

/* The others, in turn from each teardown class (and the flows of other protocols): at most
 * ?2 of each, read through the flows(teardown) index in id order, so the cost is the rows
 * taken, not the run's size. The classes are docs/schema.md's. */
#define OTHERS_OF(cond) \
    " SELECT * FROM (SELECT id, teardown, proto FROM flows WHERE " cond \
    "  AND run_id = ?1 AND NOT " NOTABLE_SQL("") " ORDER BY id LIMIT ?2) AS t"
static const char OTHERS_PICK[] =
    "WITH o AS (" OTHERS_OF("teardown = 'graceful'") " UNION ALL"
    OTHERS_OF("teardown = 'half_closed'") " UNION ALL" OTHERS_OF("teardown = 'open'")
    " UNION ALL" OTHERS_OF("teardown = 'unanswered'") " UNION ALL"
    OTHERS_OF("teardown = 'abnormal'") " UNION ALL" OTHERS_OF("teardown = 'rejected'")
    " UNION ALL" OTHERS_OF("teardown = 'rst_originator'") " UNION ALL"
    OTHERS_OF("teardown = 'rst_responder'") " UNION ALL" OTHERS_OF("teardown IS NULL") "),"
    " r AS (SELECT id AS fid, 0 AS notable, NULL AS kinds,"
    "   row_number() OVER (PARTITION BY coalesce(teardown, proto) ORDER BY id) AS rn FROM o)";

/* `pick` (NOTABLE_PICK or OTHERS_PICK) with the flows columns and the later columns the file
 * has (NULL in their place otherwise). */
static int page_sql(const char *pick, const struct read_page_columns *c, char *buf, size_t len)
{
    int n = snprintf(buf, len,
        "%s SELECT" READ_FLOW_COLUMNS(PAGE_COLUMN) " r.notable, r.kinds, %s, %s, %s"
        " FROM r JOIN flows f ON f.id = r.fid ORDER BY r.rn, f.id LIMIT ?2", pick,
        c->rst_cause ? "f.rst_cause, f.rst_origin" : "NULL, NULL",
        c->tunnel ? "f.tunnel" : "NULL", c->gaps ? "f.gaps" : "NULL");
    return n > 0 && (size_t)n < len ? 0 : -1;
}

struct page_ctx {
    read_page_flow_fn fn;
    void *ctx;
    size_t rows;
    struct read_page_flow row;
};

static int page_row(struct storage *st, const struct db_row *s, void *ctx)
{
    (void)st;
    struct page_ctx *c = ctx;
    struct read_page_flow *r = &c->row;
    rd_fill_flow(s, &r->flow);
    r->notable = (int)row_int(s, PC_NOTABLE) != 0;
    rd_text(s, PC_KINDS, r->kinds, sizeof r->kinds);
    rd_text(s, PC_CAUSE, r->rst_cause, sizeof r->rst_cause);
    rd_text(s, PC_ORIGIN, r->rst_origin, sizeof r->rst_origin);
    rd_text(s, PC_TUNNEL, r->tunnel, sizeof r->tunnel);
    r->gaps = row_null(s, PC_GAPS) ? -1
                                                             : row_int(s, PC_GAPS);
    c->rows++;
    return c->fn(c->ctx, r);
}

static int page_pick(struct storage *st, const char *pick, const struct read_page_columns *cols,
                     int64_t run_id, size_t limit, struct page_ctx *c)
{
    char sql[8192];
    if (page_sql(pick, cols, sql, sizeof sql) < 0)
        return st_error(st, "%s: reading flows: query too long", st->path);
    int64_t params[2] = {run_id, (uint64_t)limit > INT64_MAX ? INT64_MAX : (int64_t)limit};
    return rd_query(st, sql, params, 2, page_row, c, "reading flows");
}

int read_page_flows(struct storage *st, int64_t run_id, size_t limit, read_page_flow_fn fn,
                    void *ctx)
{
    struct read_page_columns have;
    read_page_columns(st, &have);
    struct page_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return st_error(st, "%s: out of memory reading flows", st->path);
    c->fn = fn;
    c->ctx = ctx;
    int rc = limit == 0 ? 0 : page_pick(st, NOTABLE_PICK, &have, run_id, limit, c);
    if (rc == 0 && c->rows < limit)
        rc = page_pick(st, OTHERS_PICK, &have, run_id, limit - c->rows, c);
    free(c);
    return rc;
}
