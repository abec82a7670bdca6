/*
 * pg_copy.c — the PostgreSQL backend's batches: the rows of flows, teardown_events, anomalies
 * and rsts are kept as COPY text (one buffer per table) and sent with COPY ... FROM STDIN
 * before the next other statement (pg_driver.c: a commit, the run's update, a late anomaly's
 * count), flows first so that the rows referring to them find them.
 *
 * A flow's id is known before it is sent: ids are taken from a block reserved with one
 * nextval() of sequence finscope_flow_ids, which counts PG_FLOW_ID_BLOCK at a time, so that
 * concurrent writers never hand out the same id. Ids of a block a run does not use are lost,
 * which only leaves gaps.
 *
 * Text must be UTF-8 for PostgreSQL; a byte that is not part of a valid UTF-8 sequence (a
 * hostile server name, say) is stored as '?' (docs/schema.md). SQLite stores it as it is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/pg_internal.h"

int pg_buf_put(struct pg_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 65536;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *data = realloc(b->data, cap);
        if (!data)
            return -1;
        b->data = data;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    return 0;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 when it is not one. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    size_t len = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3
               : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
    if (len == 0 || len > n || (len == 2 && s[0] < 0xc2) || (len == 4 && s[0] > 0xf4))
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if (len == 3 && ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0)))
        return 0;
    if (len == 4 && ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90)))
        return 0;
    return len;
}

static int put_text(struct pg_buf *b, const char *s, size_t n, bool copy)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t len = utf8_seq(u + i, n - i);
        const char *esc = NULL;
        if (len == 0)
            esc = "?";
        else if (copy && u[i] == '\\')
            esc = "\\\\";
        else if (copy && u[i] == '\t')
            esc = "\\t";
        else if (copy && u[i] == '\n')
            esc = "\\n";
        else if (copy && u[i] == '\r')
            esc = "\\r";
        int rc = esc ? pg_buf_put(b, esc, strlen(esc)) : pg_buf_put(b, s + i, len);
        if (rc < 0)
            return -1;
        i += len ? len : 1;
    }
    return 0;
}

int pg_buf_value(struct pg_buf *b, const struct db_value *v, bool copy)
{
    char num[40];
    switch (v->type) {
    case RT_INT:
        return pg_buf_put(b, num, (size_t)snprintf(num, sizeof num, "%lld", (long long)v->i));
    case RT_REAL:          /* %.17g: the same double comes back */
        return pg_buf_put(b, num, (size_t)snprintf(num, sizeof num, "%.17g", v->r));
    case RT_TEXT:
        return put_text(b, v->s, v->len, copy);
    default:
        return pg_buf_put(b, "\\N", 2);
    }
}

static int reserve_flow_ids(struct storage *st, const char *doing)
{
    PGresult *res = PQexec(st->pg->conn, "SELECT nextval('finscope_flow_ids')");
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        pg_error(st, res, doing);
        PQclear(res);
        return -1;
    }
    st->pg->next_flow_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    st->pg->flow_ids_left = PG_FLOW_ID_BLOCK;
    PQclear(res);
    return 0;
}

int pg_copy_add(struct storage *st, enum stmt_id id, const struct db_params *p,
                const char *doing)
{
    struct pg_buf *b = &st->pg->batch[id - S_INS_FLOW];
    for (int i = 1; i <= p->n; i++)
        if ((i > 1 && pg_buf_put(b, "\t", 1) < 0) || pg_buf_value(b, &p->v[i], true) < 0)
            return st_error(st, "%s: out of memory while %s", st->path, doing);
    if (id == S_INS_FLOW) {
        if (st->pg->flow_ids_left == 0 && reserve_flow_ids(st, doing) < 0)
            return -1;
        st->last_id = st->pg->next_flow_id++;
        st->pg->flow_ids_left--;
        struct db_value v = {.type = RT_INT, .i = st->last_id};
        if (pg_buf_put(b, "\t", 1) < 0 || pg_buf_value(b, &v, true) < 0)
            return st_error(st, "%s: out of memory while %s", st->path, doing);
    }
    if (pg_buf_put(b, "\n", 1) < 0)
        return st_error(st, "%s: out of memory while %s", st->path, doing);
    b->rows++;
    st->changes = 1;
    return 0;
}

static int copy_out(struct storage *st, enum stmt_id id, struct pg_buf *b, const char *doing)
{
    char sql[2048];
    snprintf(sql, sizeof sql, "COPY %s FROM STDIN", stmt_copy_target(id));
    if (pg_simple(st, sql, PGRES_COPY_IN, doing) < 0)
        return -1;
    int ok = 1;
    for (size_t off = 0; ok == 1 && off < b->len; off += 1u << 20) {
        size_t n = b->len - off < (1u << 20) ? b->len - off : 1u << 20;
        ok = PQputCopyData(st->pg->conn, b->data + off, (int)n);
    }
    if (PQputCopyEnd(st->pg->conn, ok == 1 ? NULL : "finscope could not send the rows") != 1)
        ok = -1;
    bool reported = false;
    PGresult *res;
    while ((res = PQgetResult(st->pg->conn)) != NULL) {
        if (!reported && PQresultStatus(res) != PGRES_COMMAND_OK) {
            pg_error(st, res, doing);
            reported = true;
        }
        PQclear(res);
    }
    if (!reported && ok != 1)
        pg_error(st, NULL, doing);
    return reported || ok != 1 ? -1 : 0;
}

int pg_copy_flush(struct storage *st, const char *doing)
{
    for (int i = 0; i < PG_BATCHES; i++) {
        struct pg_buf *b = &st->pg->batch[i];
        if (b->len == 0)
            continue;
        if (copy_out(st, (enum stmt_id)(S_INS_FLOW + i), b, doing) < 0) {
            pg_copy_discard(st);
            return -1;
        }
        b->len = 0;
        b->rows = 0;
    }
    return 0;
}

void pg_copy_discard(struct storage *st)
{
    for (int i = 0; i < PG_BATCHES; i++)
        st->pg->batch[i].len = st->pg->batch[i].rows = 0;
}

void pg_copy_free(struct storage *st)
{
    for (int i = 0; i < PG_BATCHES; i++)
        free(st->pg->batch[i].data);
    free(st->pg->scratch.data);
}
