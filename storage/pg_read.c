/*
 * pg_read.c — reading a PostgreSQL database (driver.h): each query is a cursor fetched
 * PG_FETCH_ROWS rows at a time, so that memory stays bounded however many flows a run has,
 * and several can be stepped side by side (read_flows). Cursors live in a transaction: a
 * cursor opened outside one begins a read-only one of its own (REPEATABLE READ: one snapshot)
 * and ends it when closed. Booleans ('t'/'f') read as integers 1/0, numerics as REAL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/pg_internal.h"

#define READ_TXN "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"

/* PostgreSQL type oids (pg_type.h) that finscope's columns and expressions have. */
enum { OID_BOOL = 16, OID_INT8 = 20, OID_INT2 = 21, OID_INT4 = 23, OID_OID = 26,
       OID_FLOAT4 = 700, OID_FLOAT8 = 701, OID_NUMERIC = 1700 };

struct db_cursor {
    struct storage *st;
    char name[24];
    PGresult *res;
    int row, rows;                /* the row handed out last, of `rows` fetched */
    bool done, own_txn;
    const char *doing;
};

/* One round trip: the transaction if the cursor needs its own, the cursor (its integer
 * parameters written into the query: several statements take none), the first rows. */
/* The rows a DECLARE ... FETCH or a FETCH returned become the cursor's batch; fewer than a
 * batch's worth means the query has no more. */
static int take_rows(struct db_cursor *c)
{
    if (PQresultStatus(c->res) != PGRES_TUPLES_OK)
        return pg_error(c->st, c->res, c->doing);
    c->rows = PQntuples(c->res);
    c->row = -1;
    c->done = c->rows < PG_FETCH_ROWS;
    return 0;
}

static int declare(struct db_cursor *c, const char *sql, const int64_t *params, int n)
{
    char *text = dialect_pg_inline(sql, false, params, n);
    size_t len = text ? strlen(text) + 160 : 0;
    char *batch = text ? malloc(len) : NULL;
    if (!batch) {
        free(text);
        return st_error(c->st, "%s: out of memory while %s", c->st->path, c->doing);
    }
    snprintf(batch, len, "%s DECLARE %s NO SCROLL CURSOR FOR %s; FETCH FORWARD %d FROM %s",
             c->own_txn ? READ_TXN ";" : "", c->name, text, PG_FETCH_ROWS, c->name);
    free(text);
    c->res = PQexec(c->st->pg->conn, batch);
    free(batch);
    return take_rows(c);
}

int pg_cursor_open(struct storage *st, const char *sql, const int64_t *params, int n,
                   struct db_cursor **out, const char *doing)
{
    *out = NULL;
    struct db_cursor *c = calloc(1, sizeof *c);
    if (!c)
        return st_error(st, "%s: out of memory while %s", st->path, doing);
    c->st = st;
    c->doing = doing;
    snprintf(c->name, sizeof c->name, "c%u", ++st->pg->cursors);
    c->own_txn = PQtransactionStatus(st->pg->conn) == PQTRANS_IDLE;
    if (declare(c, sql, params, n) < 0) {
        pg_cursor_close(c);
        return -1;
    }
    *out = c;
    return 0;
}

static int fetch(struct db_cursor *c)
{
    char sql[64];
    snprintf(sql, sizeof sql, "FETCH FORWARD %d FROM %s", PG_FETCH_ROWS, c->name);
    PQclear(c->res);
    c->res = PQexec(c->st->pg->conn, sql);
    return take_rows(c);
}

int pg_cursor_next(struct db_cursor *c, struct db_row *row)
{
    if (c->row + 1 >= c->rows && !c->done) {
        if (fetch(c) < 0)
            return -1;
    }
    if (c->row + 1 >= c->rows)
        return 0;
    c->row++;
    *row = (struct db_row){.drv = &pg_driver, .impl = c->res, .i = c->row};
    return 1;
}

void pg_cursor_close(struct db_cursor *c)
{
    if (!c)
        return;
    PQclear(c->res);
    PGconn *conn = c->st->pg->conn;
    bool failed = PQtransactionStatus(conn) == PQTRANS_INERROR;
    char sql[48];
    snprintf(sql, sizeof sql, "CLOSE %s", c->name);
    if (c->own_txn)                   /* the end of the transaction closes the cursor */
        PQclear(PQexec(conn, failed ? "ROLLBACK" : "COMMIT"));
    else if (!failed)
        PQclear(PQexec(conn, sql));
    free(c);
}

/* Inside a transaction already (a cursor's, when called from its rows), that one serves. */
int pg_read_begin(struct storage *st)
{
    if (PQtransactionStatus(st->pg->conn) != PQTRANS_IDLE) {
        st->pg->reads_nested++;
        return 0;
    }
    return pg_simple(st, READ_TXN, PGRES_COMMAND_OK, "reading");
}

void pg_read_end(struct storage *st)
{
    if (st->pg->reads_nested > 0) {
        st->pg->reads_nested--;
        return;
    }
    bool failed = PQtransactionStatus(st->pg->conn) == PQTRANS_INERROR;
    PQclear(PQexec(st->pg->conn, failed ? "ROLLBACK" : "COMMIT"));
}

bool pg_has_column(struct storage *st, const char *table, const char *column)
{
    const char *vals[2] = {table, column};
    PGresult *res = PQexecParams(st->pg->conn,
        "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()"
        " AND table_name = $1 AND column_name = $2", 2, NULL, vals, NULL, NULL, 0);
    bool found = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0;
    PQclear(res);
    return found;
}

/* ---- rows ---------------------------------------------------------------------------------- */

enum read_type pg_col_type(const struct db_row *r, int c)
{
    if (PQgetisnull(r->impl, r->i, c))
        return RT_NULL;
    switch (PQftype(r->impl, c)) {
    case OID_BOOL: case OID_INT8: case OID_INT2: case OID_INT4: case OID_OID:
        return RT_INT;
    case OID_FLOAT4: case OID_FLOAT8: case OID_NUMERIC:
        return RT_REAL;
    default:
        return RT_TEXT;
    }
}

int64_t pg_col_int(const struct db_row *r, int c)
{
    if (PQgetisnull(r->impl, r->i, c))
        return 0;
    const char *v = PQgetvalue(r->impl, r->i, c);
    switch (PQftype(r->impl, c)) {
    case OID_BOOL:
        return v[0] == 't';
    case OID_FLOAT4: case OID_FLOAT8: case OID_NUMERIC:
        return (int64_t)strtod(v, NULL);
    default:
        return strtoll(v, NULL, 10);
    }
}

double pg_col_real(const struct db_row *r, int c)
{
    if (PQgetisnull(r->impl, r->i, c))
        return 0;
    if (PQftype(r->impl, c) == OID_BOOL)
        return PQgetvalue(r->impl, r->i, c)[0] == 't';
    return strtod(PQgetvalue(r->impl, r->i, c), NULL);
}

const char *pg_col_text(const struct db_row *r, int c)
{
    return PQgetisnull(r->impl, r->i, c) ? NULL : PQgetvalue(r->impl, r->i, c);
}

size_t pg_col_bytes(const struct db_row *r, int c)
{
    int n = PQgetlength(r->impl, r->i, c);
    return n > 0 ? (size_t)n : 0;
}
