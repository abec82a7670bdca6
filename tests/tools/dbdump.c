/*
 * dbdump.c — every row of a finscope database as text, through storage's read side, so that
 * two databases can be compared with diff whatever their backend:  dbdump DB
 *
 * DB is a result file or a postgresql:// URL. Per run: its columns except what differs
 * between two analyses of the same capture (ids, wall-clock times, the options as given);
 * its decode errors; then every flow in id order with all its columns but id and run_id, its
 * teardown events, anomalies and RSTs (ids and flow ids left out: a flow is known by its
 * place in the run). Numbers are printed exactly (%.17g), NULL as \N. Exit 1 on failure.
 * With --no-events, the teardown events are left out (one query per flow: slow on big runs).
 *   dbdump [--no-events] DB
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/read.h"
#include "storage/storage.h"

struct dump {
    struct storage *st;
    int64_t flows;
};

static void value(const struct read_flow *f, enum read_flow_column c)
{
    if (rf_null(f, c))
        fputs("\\N", stdout);
    else if (f->v[c].type == RT_TEXT)
        fputs(rf_text(f, c), stdout);
    else if (f->v[c].type == RT_INT)
        printf("%lld", (long long)rf_int(f, c));
    else
        printf("%.17g", rf_real(f, c));
}

static int event(void *ctx, const struct read_event *e)
{
    (void)ctx;
    printf("  event %lld %.17g %s %s %lld %lld %lld %s %s %d\n", (long long)e->packet, e->ts,
           e->direction, e->flags, (long long)e->seq, (long long)e->ack, (long long)e->len,
           e->orig_state, e->resp_state, e->inferred);
    return 0;
}

static int flow(void *ctx, const struct read_flow *f, const struct read_anomaly *an, size_t nan,
                const struct read_rst *rst, size_t nrst)
{
    struct dump *d = ctx;
    printf("flow %lld:", (long long)++d->flows);
    for (int c = RF_run_id + 1; c < RF_COUNT; c++) {
        putchar(' ');
        value(f, (enum read_flow_column)c);
    }
    putchar('\n');
    for (size_t i = 0; i < nan; i++)
        printf("  anomaly %lld %.17g %s %s %s %s %s %d\n", (long long)an[i].packet, an[i].ts,
               an[i].direction, an[i].kind, an[i].expected, an[i].observed, an[i].detail,
               an[i].challenge_ack);
    for (size_t i = 0; i < nrst; i++)
        printf("  rst %lld %.17g %s %lld %lld %d %lld %d %lld %s %s %s %s %.17g\n",
               (long long)rst[i].packet, rst[i].ts, rst[i].direction, (long long)rst[i].seq,
               (long long)rst[i].ack, rst[i].has_ack, (long long)rst[i].len, rst[i].ttl,
               (long long)rst[i].ip_id, rst[i].acceptable, rst[i].cause, rst[i].origin,
               rst[i].evidence, rst[i].silence);
    return 0;
}

static int decode_error(void *ctx, const struct read_count *c)
{
    (void)ctx;
    printf("decode_error %s %lld\n", c->name, (long long)c->count);
    return 0;
}

static int run(void *ctx, const struct read_run *r)
{
    struct dump *d = ctx;
    printf("run: %s %s %d %s %s %d %lld %lld %lld %lld %lld %lld %.17g %.17g %s %d %.17g\n",
           r->source, r->mode, r->complete, r->version, r->ndpi_version, r->dpi,
           (long long)r->packets, (long long)r->bytes, (long long)r->flows,
           (long long)r->flows_evicted, (long long)r->kernel_drops, (long long)r->iface_drops,
           r->first_packet, r->last_packet, r->error, r->capture_loss_known, r->capture_loss);
    d->flows = 0;
    if (read_decode_errors(d->st, r->id, decode_error, NULL) < 0 ||
        read_flows(d->st, r->id, flow, d) < 0)
        return -1;
    return 0;
}

/* Events of every flow, flow by flow (read_flow_events per flow id, from read_flows' ids). */
struct ids {
    int64_t *v;
    size_t n, cap;
};

static int collect(void *ctx, const struct read_flow *f, const struct read_anomaly *an,
                   size_t nan, const struct read_rst *rst, size_t nrst)
{
    (void)an; (void)nan; (void)rst; (void)nrst;
    struct ids *ids = ctx;
    if (ids->n == ids->cap) {
        ids->cap = ids->cap ? ids->cap * 2 : 256;
        int64_t *v = realloc(ids->v, ids->cap * sizeof *v);
        if (!v)
            return -1;
        ids->v = v;
    }
    ids->v[ids->n++] = rf_int(f, RF_id);
    return 0;
}

static int run_events(void *ctx, const struct read_run *r)
{
    struct storage *st = ctx;
    struct ids ids = {0};
    int rc = read_flows(st, r->id, collect, &ids);
    for (size_t i = 0; rc == 0 && i < ids.n; i++) {
        printf("events of flow %zu\n", i + 1);
        rc = read_flow_events(st, ids.v[i], event, NULL);
    }
    free(ids.v);
    return rc;
}

int main(int argc, char **argv)
{
    bool events = !(argc == 3 && strcmp(argv[1], "--no-events") == 0);
    if (argc != 2 + !events) {
        fprintf(stderr, "usage: dbdump [--no-events] DB\n");
        return 2;
    }
    const char *db = argv[argc - 1];
    storage_library_init();
    char err[600];
    struct dump d = {0};
    if (storage_open(db, 1, &d.st, err, sizeof err) != 0) {
        fprintf(stderr, "dbdump: %s\n", err);
        return 1;
    }
    int rc = read_runs(d.st, run, &d);
    if (rc == 0 && events)
        rc = read_runs(d.st, run_events, d.st);
    if (rc != 0)
        fprintf(stderr, "dbdump: %s\n", storage_errmsg(d.st));
    storage_close(d.st);
    return rc == 0 ? 0 : 1;
}
