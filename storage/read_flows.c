/*
 * read_flows.c — reading flows (storage/read.h): one flow with its teardown events and
 * anomalies (for `finscope show`), and every flow of a run with its anomalies and RSTs (for
 * `export`).
 *
 * A flow row is copied into a self-contained struct read_flow: each column keeps the type the
 * database holds (NULL stays NULL), and text lives in the struct's own buffer.
 */
#include <stdlib.h>
#include <string.h>

#include "storage/internal.h"
#include "storage/read.h"

/* ---- columns ------------------------------------------------------------------------------- */

#define COLUMN_NAME(name, type) #name,
#define COLUMN_TYPE(name, type) RT_##type,
#define COLUMN_SQL(name, type) " " #name ","
static const char *const COLUMN_NAMES[RF_COUNT] = {READ_FLOW_COLUMNS(COLUMN_NAME)};
static const uint8_t COLUMN_TYPES[RF_COUNT] = {READ_FLOW_COLUMNS(COLUMN_TYPE)};
/* Every column in table order, then a constant so that the list can end without a comma. */
#define FLOW_SELECT "SELECT" READ_FLOW_COLUMNS(COLUMN_SQL) " 0 FROM flows"

const char *read_flow_column_name(enum read_flow_column c)
{
    return (unsigned)c < RF_COUNT ? COLUMN_NAMES[c] : "?";
}

enum read_type read_flow_column_type(enum read_flow_column c)
{
    return (unsigned)c < RF_COUNT ? (enum read_type)COLUMN_TYPES[c] : RT_NULL;
}

bool rf_null(const struct read_flow *f, enum read_flow_column c)
{
    return (unsigned)c >= RF_COUNT || f->v[c].type == RT_NULL;
}

const char *rf_text(const struct read_flow *f, enum read_flow_column c)
{
    if ((unsigned)c >= RF_COUNT || f->v[c].type != RT_TEXT)
        return NULL;
    return f->text + f->v[c].off;
}

int64_t rf_int(const struct read_flow *f, enum read_flow_column c)
{
    return (unsigned)c < RF_COUNT ? f->v[c].i : 0;
}

double rf_real(const struct read_flow *f, enum read_flow_column c)
{
    return (unsigned)c < RF_COUNT ? f->v[c].r : 0.0;
}

/* Copies the column's text into what is left of f->text (truncated when it does not fit). */
static void fill_text(const struct db_row *s, int col, struct read_flow *f, size_t *used)
{
    struct read_value *v = &f->v[col];
    size_t room = sizeof f->text - *used;
    v->type = RT_TEXT;
    v->off = (uint16_t)*used;
    rd_text(s, col, f->text + *used, room);
    v->len = (uint16_t)strlen(f->text + *used);
    *used += (size_t)v->len + 1;
}

void rd_fill_flow(const struct db_row *s, struct read_flow *f)
{
    size_t used = 0;
    memset(f->v, 0, sizeof f->v);
    f->text[0] = '\0';
    for (int c = 0; c < RF_COUNT; c++) {
        struct read_value *v = &f->v[c];
        switch (row_type(s, c)) {
        case RT_NULL:
            v->type = RT_NULL;
            break;
        case RT_INT:
            v->type = RT_INT;
            v->i = row_int(s, c);
            v->r = (double)v->i;
            break;
        case RT_REAL:
            v->type = RT_REAL;
            v->r = row_real(s, c);
            v->i = (int64_t)v->r;
            break;
        default:
            if (used < sizeof f->text)
                fill_text(s, c, f, &used);
            break;
        }
    }
}

/* ---- one flow -------------------------------------------------------------------------------- */

struct one_flow_ctx {
    struct read_flow *out;
    bool found;
};

static int one_flow_row(struct storage *st, const struct db_row *s, void *ctx)
{
    (void)st;
    struct one_flow_ctx *c = ctx;
    rd_fill_flow(s, c->out);
    c->found = true;
    return 0;
}

int read_flow(struct storage *st, int64_t flow_id, struct read_flow *out)
{
    struct one_flow_ctx c = {.out = out};
    if (rd_query(st, FLOW_SELECT " WHERE id = ?1", &flow_id, 1, one_flow_row, &c,
                 "reading a flow") < 0)
        return -1;
    if (!c.found)
        return st_error(st, "%s has no flow %lld", st->path, (long long)flow_id);
    return 0;
}

/* ---- events and anomalies -------------------------------------------------------------------- */

/* Column 10: teardown_events.inferred where the file has it (schema 2), else 0. */
#define EVENT_SELECT(inferred) \
    "SELECT id, packet, ts, direction, flags, seq, ack, len, orig_state, resp_state, " \
    inferred " FROM teardown_events"

struct event_ctx {
    read_event_fn fn;
    void *ctx;
};

static int event_row(struct storage *st, const struct db_row *s, void *ctx)
{
    (void)st;
    struct event_ctx *c = ctx;
    struct read_event e;
    e.id = row_int(s, 0);
    e.packet = row_int(s, 1);
    e.ts = row_real(s, 2);
    rd_text(s, 3, e.direction, sizeof e.direction);
    rd_text(s, 4, e.flags, sizeof e.flags);
    e.seq = row_int(s, 5);
    e.ack = row_int(s, 6);
    e.len = row_int(s, 7);
    rd_text(s, 8, e.orig_state, sizeof e.orig_state);
    rd_text(s, 9, e.resp_state, sizeof e.resp_state);
    e.inferred = (int)row_int(s, 10) != 0;
    return c->fn(c->ctx, &e);
}

int read_flow_events(struct storage *st, int64_t flow_id, read_event_fn fn, void *ctx)
{
    struct event_ctx c = {fn, ctx};
    const char *sql = rd_has_column(st, "teardown_events", "inferred")
        ? EVENT_SELECT("coalesce(inferred, 0)") " WHERE flow_id = ?1 ORDER BY packet, id"
        : EVENT_SELECT("0") " WHERE flow_id = ?1 ORDER BY packet, id";
    return rd_query(st, sql, &flow_id, 1, event_row, &c, "reading teardown events");
}

#define ANOMALY_SELECT \
    "SELECT a.id, a.flow_id, a.packet, a.ts, a.direction, a.kind, a.expected, a.observed," \
    " a.detail, a.challenge_ack FROM anomalies a"

static void fill_anomaly(const struct db_row *s, struct read_anomaly *a)
{
    a->id = row_int(s, 0);
    a->flow_id = row_int(s, 1);
    a->packet = row_int(s, 2);
    a->ts = row_real(s, 3);
    rd_text(s, 4, a->direction, sizeof a->direction);
    rd_text(s, 5, a->kind, sizeof a->kind);
    rd_text(s, 6, a->expected, sizeof a->expected);
    rd_text(s, 7, a->observed, sizeof a->observed);
    rd_text(s, 8, a->detail, sizeof a->detail);
    a->challenge_ack = (int)row_int(s, 9) != 0;
}

struct anomaly_ctx {
    read_anomaly_fn fn;
    void *ctx;
};

static int anomaly_row(struct storage *st, const struct db_row *s, void *ctx)
{
    (void)st;
    struct anomaly_ctx *c = ctx;
    struct read_anomaly a;
    fill_anomaly(s, &a);
    return c->fn(c->ctx, &a);
}

int read_flow_anomalies(struct storage *st, int64_t flow_id, read_anomaly_fn fn, void *ctx)
{
    struct anomaly_ctx c = {fn, ctx};
    return rd_query(st, ANOMALY_SELECT " WHERE a.flow_id = ?1 ORDER BY a.packet, a.id",
                    &flow_id, 1, anomaly_row, &c, "reading anomalies");
}

/* ---- every flow of a run, with its anomalies and RSTs ---------------------------------------- */

/* Three cursors stepped side by side, all in flow id order, inside one read transaction
 * (one snapshot even while finscope writes): flows, and the rows of each per-flow table. */
enum { W_ANOMALIES, W_RSTS, W_TABLES };

struct row_list {
    struct db_cursor *cur;
    struct db_row row;            /* the cursor's current row, when ready */
    bool ready;                   /* `row` is a row not handed out yet */
    void *rows;                   /* struct read_anomaly / struct read_rst */
    size_t n, cap, size;
};

struct flow_walk {
    struct storage *st;
    struct db_cursor *flows;
    struct row_list per[W_TABLES];
    struct read_flow flow;
};

static int walk_prepare(struct flow_walk *w, int64_t run_id)
{
    static const char *const sql[1 + W_TABLES] = {
        FLOW_SELECT " WHERE run_id = ?1 ORDER BY id",
        ANOMALY_SELECT " JOIN flows f ON f.id = a.flow_id WHERE f.run_id = ?1"
        " ORDER BY a.flow_id, a.packet, a.id",
        RD_RST_SELECT " WHERE r.run_id = ?1 ORDER BY r.flow_id, r.packet, r.id",
    };
    struct db_cursor **cur[1 + W_TABLES] = {&w->flows, &w->per[W_ANOMALIES].cur,
                                            &w->per[W_RSTS].cur};
    w->per[W_ANOMALIES].size = sizeof(struct read_anomaly);
    w->per[W_RSTS].size = sizeof(struct read_rst);
    for (int i = 0; i < 1 + W_TABLES; i++)
        if (w->st->drv->cursor_open(w->st, sql[i], &run_id, 1, cur[i], "reading flows") < 0)
            return -1;
    return 0;
}

static int step_list(struct flow_walk *w, struct row_list *l)
{
    int rc = w->st->drv->cursor_next(l->cur, &l->row);
    l->ready = rc > 0;
    return rc < 0 ? -1 : 0;
}

static int keep_row(struct flow_walk *w, struct row_list *l, int table)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        void *more = realloc(l->rows, cap * l->size);
        if (!more)
            return st_error(w->st, "%s: out of memory reading flows", w->st->path);
        l->rows = more;
        l->cap = cap;
    }
    void *at = (char *)l->rows + l->n++ * l->size;
    if (table == W_ANOMALIES)
        fill_anomaly(&l->row, at);
    else
        rd_fill_rst(&l->row, at);
    return 0;
}

/* Gathers the rows of flow `id` (skipping any of a flow not in the walk); the flow id is
 * column 1 of both per-flow selects. */
static int gather(struct flow_walk *w, int table, int64_t id)
{
    struct row_list *l = &w->per[table];
    l->n = 0;
    while (l->ready) {
        int64_t of = row_int(&l->row, 1);
        if (of > id)
            break;
        if (of == id && keep_row(w, l, table) < 0)
            return -1;
        if (step_list(w, l) < 0)
            return -1;
    }
    return 0;
}

static int walk(struct flow_walk *w, read_flow_fn fn, void *ctx)
{
    for (int t = 0; t < W_TABLES; t++)
        if (step_list(w, &w->per[t]) < 0)
            return -1;
    int rc;
    struct db_row row;
    while ((rc = w->st->drv->cursor_next(w->flows, &row)) > 0) {
        rd_fill_flow(&row, &w->flow);
        for (int t = 0; t < W_TABLES; t++)
            if (gather(w, t, rf_int(&w->flow, RF_id)) < 0)
                return -1;
        w->st->errmsg[0] = '\0';
        const struct row_list *an = &w->per[W_ANOMALIES], *rs = &w->per[W_RSTS];
        if (fn(ctx, &w->flow, an->rows, an->n, rs->rows, rs->n) != 0) {
            if (!w->st->errmsg[0])
                st_error(w->st, "%s: reading flows: stopped by the caller", w->st->path);
            return -1;
        }
    }
    return rc < 0 ? -1 : 0;
}

int read_flows(struct storage *st, int64_t run_id, read_flow_fn fn, void *ctx)
{
    struct flow_walk *w = calloc(1, sizeof *w);
    if (!w)
        return st_error(st, "%s: out of memory reading flows", st->path);
    w->st = st;
    int begun = st->drv->read_begin(st);
    int result = begun == 0 ? walk_prepare(w, run_id) : -1;
    if (result == 0)
        result = walk(w, fn, ctx);
    st->drv->cursor_close(w->flows);
    for (int t = 0; t < W_TABLES; t++) {
        st->drv->cursor_close(w->per[t].cur);
        free(w->per[t].rows);
    }
    if (begun == 0)
        st->drv->read_end(st);
    free(w);
    return result;
}
