/*
 * read_breakdown.c — one pass over a run's flows for the HTML report (storage/read.h:
 * read_breakdown): counts per (protocol, teardown class, closer, application) and connection
 * ends over time, aggregated here as the rows are read.
 *
 * Why not GROUP BY: SQLite groups by sorting, and the page needs five groupings of the same
 * rows (classes, closers, protocols, applications, ends over time); on a million flows each
 * sort costs about as much as the scan itself, so five queries took 3.5 s where one scan and
 * two small hash tables take well under one. Memory grows with the number of distinct groups
 * (applications x classes x closers; bins x classes), never with the number of flows.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/internal.h"
#include "storage/read.h"

/* ---- a small map from text keys to three counters ------------------------------------------ */

struct slot {
    char *key;                    /* NULL: free */
    uint64_t hash;
    int64_t n[3];
};

struct counter_map {
    struct slot *slots;
    size_t cap, used;             /* cap: a power of two; used <= cap * 3 / 4 */
};

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static struct slot *map_find(struct slot *slots, size_t cap, const char *key, uint64_t h)
{
    size_t i = (size_t)h & (cap - 1);
    while (slots[i].key && (slots[i].hash != h || strcmp(slots[i].key, key) != 0))
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

static int map_grow(struct counter_map *m)
{
    size_t cap = m->cap ? m->cap * 2 : 256;
    struct slot *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key)
            *map_find(slots, cap, m->slots[i].key, m->slots[i].hash) = m->slots[i];
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
    return 0;
}

/* Adds a, b, c to the counters of `key`; -1 when out of memory. */
static int map_add(struct counter_map *m, const char *key, int64_t a, int64_t b, int64_t c)
{
    if ((m->used + 1) * 4 > m->cap * 3 && map_grow(m) < 0)
        return -1;
    uint64_t h = fnv1a(key);
    struct slot *s = map_find(m->slots, m->cap, key, h);
    if (!s->key) {
        if (!(s->key = strdup(key)))
            return -1;
        s->hash = h;
        m->used++;
    }
    s->n[0] += a;
    s->n[1] += b;
    s->n[2] += c;
    return 0;
}

static void map_free(struct counter_map *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->slots[i].key);
    free(m->slots);
}

/* ---- the pass ------------------------------------------------------------------------------- */

#define SEP '\x1f'                /* between the parts of a key; never in a name */

struct pass {
    struct storage *st;
    int bins;
    double start, width;
    struct counter_map groups, ends;
    char key[512];
};

static const char *col_text(const struct db_row *s, int col)
{
    const char *t = row_text(s, col);
    return t ? t : "";
}

/* Columns: proto, teardown, closer, app_proto, last_ts, notable, anomalous. */
static int pass_row(struct storage *st, const struct db_row *s, void *ctx)
{
    struct pass *p = ctx;
    const char *td = col_text(s, 1);
    int64_t notable = (int)row_int(s, 5), anomalous = (int)row_int(s, 6);
    snprintf(p->key, sizeof p->key, "%s%c%s%c%s%c%s", col_text(s, 0), SEP, td, SEP,
             col_text(s, 2), SEP, col_text(s, 3));
    if (map_add(&p->groups, p->key, 1, notable, anomalous) < 0)
        return st_error(st, "%s: out of memory reading the run's flows", st->path);
    if (!*td || p->width <= 0 || row_null(s, 4))
        return 0;
    double at = (row_real(s, 4) - p->start) / p->width;
    int bin = at < 0 ? 0 : at >= p->bins ? p->bins - 1 : (int)at;
    snprintf(p->key, sizeof p->key, "%d%c%s", bin, SEP, td);
    if (map_add(&p->ends, p->key, 1, 0, 0) < 0)
        return st_error(st, "%s: out of memory reading the run's flows", st->path);
    return 0;
}

/* Splits key (modified) at SEP into at most n parts. */
static void split_key(char *key, const char **parts, int n)
{
    for (int i = 0; i < n; i++) {
        parts[i] = key;
        char *sep = strchr(key, SEP);
        if (sep) {
            *sep = '\0';
            key = sep + 1;
        } else {
            key += strlen(key);
        }
    }
}

static int hand_out(struct pass *p, read_group_fn groups, read_bin_fn ends, void *ctx)
{
    for (size_t i = 0; i < p->groups.cap; i++) {
        struct slot *s = &p->groups.slots[i];
        if (!s->key)
            continue;
        const char *part[4];
        split_key(s->key, part, 4);
        struct read_group g = {part[0], part[1], part[2], part[3], s->n[0], s->n[1], s->n[2]};
        if (groups(ctx, &g) != 0)
            return -1;
    }
    for (size_t i = 0; i < p->ends.cap; i++) {
        struct slot *s = &p->ends.slots[i];
        if (!s->key)
            continue;
        const char *part[2];
        split_key(s->key, part, 2);
        if (ends(ctx, atoi(part[0]), part[1], s->n[0]) != 0)
            return -1;
    }
    return 0;
}

static int run_span_row(struct storage *st, const struct db_row *s, void *ctx)
{
    (void)st;
    struct pass *p = ctx;
    p->start = row_real(s, 0);
    double span = row_real(s, 1) - p->start;
    if (!row_null(s, 0))
        p->width = (span > 1e-6 ? span : 1e-6) / p->bins;
    return 0;
}

int read_breakdown(struct storage *st, int64_t run_id, int bins, read_group_fn groups,
                   read_bin_fn ends, void *ctx, double *start, double *width)
{
    *start = *width = 0;
    if (bins < 1)
        return st_error(st, "%s: reading the run's flows: no intervals asked for", st->path);
    struct pass *p = calloc(1, sizeof *p);
    if (!p)
        return st_error(st, "%s: out of memory reading the run's flows", st->path);
    p->st = st;
    p->bins = bins;
    int rc = rd_query(st, "SELECT first_packet, last_packet FROM runs WHERE id = ?1", &run_id,
                      1, run_span_row, p, "reading the run");
    if (rc == 0)
        rc = rd_query(st,
                      "SELECT proto, teardown, closer, app_proto, last_ts, " RD_NOTABLE_SQL("")
                      ", anomalies > 0 FROM flows WHERE run_id = ?1", &run_id, 1, pass_row, p,
                      "reading the run's flows");
    *start = p->start;
    *width = p->width;
    if (rc == 0 && hand_out(p, groups, ends, ctx) < 0)
        rc = st_error(st, "%s: reading the run's flows: stopped by the caller", st->path);
    map_free(&p->groups);
    map_free(&p->ends);
    free(p);
    return rc;
}
