/*
 * read_runs.c — reading runs (storage/read.h): the list of runs, one run (or the newest), and
 * per run the decode errors by reason and the flows by protocol.
 */
#include <stdio.h>

#include "storage/internal.h"
#include "storage/read.h"

#define RUN_COLUMNS \
    "id, source, mode, started, finished, complete, version, ndpi_version, dpi, options," \
    " packets, bytes, flows, flows_evicted, kernel_drops, iface_drops, first_packet," \
    " last_packet, error, (SELECT count(*) FROM runs), capture_loss, sensor"

static void fill_run(const struct db_row *s, struct read_run *r)
{
    r->id = row_int(s, 0);
    rd_text(s, 1, r->source, sizeof r->source);
    rd_text(s, 2, r->mode, sizeof r->mode);
    r->started = row_real(s, 3);
    r->finished = row_real(s, 4);
    r->complete = (int)row_int(s, 5) != 0;
    rd_text(s, 6, r->version, sizeof r->version);
    rd_text(s, 7, r->ndpi_version, sizeof r->ndpi_version);
    r->dpi = (int)row_int(s, 8) != 0;
    rd_text(s, 9, r->options, sizeof r->options);
    r->packets = row_int(s, 10);
    r->bytes = row_int(s, 11);
    r->flows = row_int(s, 12);
    r->flows_evicted = row_int(s, 13);
    r->kernel_drops = row_int(s, 14);
    r->iface_drops = row_int(s, 15);
    r->first_packet = row_real(s, 16);
    r->last_packet = row_real(s, 17);
    rd_text(s, 18, r->error, sizeof r->error);
    r->runs_in_file = row_int(s, 19);
    r->capture_loss_known = !row_null(s, 20);
    r->capture_loss = row_real(s, 20);
    rd_text(s, 21, r->sensor, sizeof r->sensor);
}

struct run_list_ctx {
    read_run_fn fn;
    void *ctx;
    struct read_run run;
};

static int run_list_row(struct storage *st, const struct db_row *s, void *ctx)
{
    (void)st;
    struct run_list_ctx *c = ctx;
    fill_run(s, &c->run);
    return c->fn(c->ctx, &c->run);
}

int read_runs(struct storage *st, read_run_fn fn, void *ctx)
{
    struct run_list_ctx c = {.fn = fn, .ctx = ctx};
    return rd_query(st, "SELECT " RUN_COLUMNS " FROM runs ORDER BY id", NULL, 0, run_list_row,
                    &c, "reading the runs");
}

struct one_run_ctx {
    struct read_run *out;
    bool found;
};

static int one_run_row(struct storage *st, const struct db_row *s, void *ctx)
{
    (void)st;
    struct one_run_ctx *c = ctx;
    fill_run(s, c->out);
    c->found = true;
    return 0;
}

int read_run(struct storage *st, int64_t run_id, struct read_run *out)
{
    struct one_run_ctx c = {.out = out};
    const char *sql = run_id == 0
        ? "SELECT " RUN_COLUMNS " FROM runs ORDER BY id DESC LIMIT 1"
        : "SELECT " RUN_COLUMNS " FROM runs WHERE id = ?1";
    if (rd_query(st, sql, &run_id, run_id == 0 ? 0 : 1, one_run_row, &c, "reading a run") < 0)
        return -1;
    if (c.found)
        return 0;
    if (run_id == 0)
        return st_error(st, "%s has no runs yet (nothing was analyzed into it)", st->path);
    return st_error(st, "%s has no run %lld", st->path, (long long)run_id);
}

/* ---- name/count lists ---------------------------------------------------------------------- */

struct count_ctx {
    read_count_fn fn;
    void *ctx;
};

/* Rows of (name, count, share). */
static int count_row(struct storage *st, const struct db_row *s, void *ctx)
{
    (void)st;
    struct count_ctx *c = ctx;
    const char *name = row_text(s, 0);
    struct read_count rc = {
        .name = name ? name : "",
        .group = "",
        .count = row_int(s, 1),
        .flows = row_int(s, 1),
        .share = row_real(s, 2),
    };
    return c->fn(c->ctx, &rc);
}

int read_decode_errors(struct storage *st, int64_t run_id, read_count_fn fn, void *ctx)
{
    struct count_ctx c = {fn, ctx};
    return rd_query(st,
                    "SELECT reason, count, 100.0 * count / sum(count) OVER ()"
                    " FROM decode_errors WHERE run_id = ?1 AND count > 0"
                    " ORDER BY count DESC, reason",
                    &run_id, 1, count_row, &c, "reading decode errors");
}

int read_protocols(struct storage *st, int64_t run_id, read_count_fn fn, void *ctx)
{
    struct count_ctx c = {fn, ctx};
    return rd_query(st,
                    "SELECT proto, count(*), 100.0 * count(*) / sum(count(*)) OVER ()"
                    " FROM flows WHERE run_id = ?1 GROUP BY proto"
                    " ORDER BY count(*) DESC, proto",
                    &run_id, 1, count_row, &c, "reading flows per protocol");
}
