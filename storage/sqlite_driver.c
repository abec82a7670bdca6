/*
 * sqlite_driver.c — the SQLite backend (driver.h): statements prepared once and stepped one
 * row at a time, cursors that are prepared statements, rows read straight off them.
 */
#include <stdio.h>
#include <stdlib.h>

#include "storage/internal.h"

/* ---- identity and schema ------------------------------------------------------------------ */

static int pragma_int(sqlite3 *db, const char *sql, int64_t *out)
{
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(s, 0);
        rc = SQLITE_OK;
    }
    int rc_final = sqlite3_finalize(s);
    return rc != SQLITE_OK ? rc : rc_final;
}

static int sq_identify(struct storage *st, struct db_identity *id)
{
    int64_t app = 0, version = 0, objects = 0;
    int rc = pragma_int(st->db, "SELECT count(*) FROM sqlite_master", &objects);
    if (rc == SQLITE_OK)
        rc = pragma_int(st->db, "PRAGMA application_id", &app);
    if (rc == SQLITE_OK)
        rc = pragma_int(st->db, "PRAGMA user_version", &version);
    id->application_id = (int)app;
    id->user_version = (int)version;
    id->objects = objects;
    return rc == SQLITE_OK ? 0 : st_sqlite_error(st, rc, "reading the schema");
}

/* BEGIN IMMEDIATE already holds the file's write lock. */
static int sq_lock(struct storage *st)
{
    (void)st;
    return 0;
}

static int sq_run_sql(struct storage *st, const char *sql, bool ddl, const char *doing)
{
    (void)ddl;
    int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : st_sqlite_error(st, rc, doing);
}

static int sq_stamp(struct storage *st)
{
    char pragmas[128];
    snprintf(pragmas, sizeof pragmas, "PRAGMA user_version = %d; PRAGMA application_id = %d",
             STORAGE_SCHEMA_VERSION, STORAGE_APPLICATION_ID);
    return sq_run_sql(st, pragmas, false, "creating the schema");
}

/* ---- statements ----------------------------------------------------------------------------- */

int sqlite_prepare_statements(struct storage *st)
{
    for (int i = 0; i < S_COUNT; i++) {
        int rc = sqlite3_prepare_v3(st->db, stmt_sql((enum stmt_id)i), -1,
                                    SQLITE_PREPARE_PERSISTENT, &st->stmt[i], NULL);
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

static bool sq_in_txn(struct storage *st)
{
    return !sqlite3_get_autocommit(st->db);
}

/* Text is bound without a copy: the statement is stepped before sq_exec returns. */
static void bind_params(sqlite3_stmt *s, const struct db_params *p)
{
    for (int i = 1; i <= p->n; i++) {
        const struct db_value *v = &p->v[i];
        switch (v->type) {
        case RT_INT:  sqlite3_bind_int64(s, i, v->i); break;
        case RT_REAL: sqlite3_bind_double(s, i, v->r); break;
        case RT_TEXT: sqlite3_bind_text(s, i, v->s, (int)v->len, SQLITE_STATIC); break;
        default:      sqlite3_bind_null(s, i); break;
        }
    }
}

/* Write statements are the handle's own, prepared at open (none when read-only); transactions
 * are also begun and ended before that, while the schema is made. */
static int sq_exec(struct storage *st, enum stmt_id id, const struct db_params *p,
                   const char *doing)
{
    sqlite3_stmt *s = st->stmt[id];
    if (!s && id <= S_ROLLBACK_TO)
        return sq_run_sql(st, stmt_sql(id), false, doing);
    if (!s)
        return st_error(st, "%s was opened read-only", st->path);
    bind_params(s, p);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW) {
        st->changes = sqlite3_changes(st->db);
        st->last_id = sqlite3_last_insert_rowid(st->db);
        sqlite3_reset(s);
        return 0;
    }
    st_sqlite_error(st, rc, doing);   /* before reset: the message is this failure's */
    sqlite3_reset(s);
    return -1;
}

/* ---- cursors and rows ----------------------------------------------------------------------- */

struct db_cursor {
    struct storage *st;
    sqlite3_stmt *s;
    const char *doing;
};

static int sq_cursor_open(struct storage *st, const char *sql, const int64_t *params, int n,
                          struct db_cursor **out, const char *doing)
{
    *out = NULL;
    struct db_cursor *c = calloc(1, sizeof *c);
    if (!c)
        return st_error(st, "%s: out of memory while %s", st->path, doing);
    c->st = st;
    c->doing = doing;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &c->s, NULL);
    for (int i = 0; rc == SQLITE_OK && i < n; i++)
        rc = sqlite3_bind_int64(c->s, i + 1, params[i]);
    if (rc != SQLITE_OK) {
        st_sqlite_error(st, rc, doing);
        sqlite3_finalize(c->s);
        free(c);
        return -1;
    }
    *out = c;
    return 0;
}

static int sq_cursor_next(struct db_cursor *c, struct db_row *row)
{
    int rc = sqlite3_step(c->s);
    if (rc == SQLITE_ROW) {
        *row = (struct db_row){.drv = &sqlite_driver, .impl = c->s};
        return 1;
    }
    return rc == SQLITE_DONE ? 0 : st_sqlite_error(c->st, rc, c->doing);
}

static void sq_cursor_close(struct db_cursor *c)
{
    if (!c)
        return;
    sqlite3_finalize(c->s);
    free(c);
}

static int sq_read_begin(struct storage *st)
{
    int rc = sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : st_sqlite_error(st, rc, "reading");
}

static void sq_read_end(struct storage *st)
{
    sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
}

static bool sq_has_column(struct storage *st, const char *table, const char *column)
{
    sqlite3_stmt *s = NULL;
    bool found = false;
    if (sqlite3_prepare_v2(st->db, "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2", -1,
                           &s, NULL) == SQLITE_OK &&
        sqlite3_bind_text(s, 1, table, -1, SQLITE_STATIC) == SQLITE_OK &&
        sqlite3_bind_text(s, 2, column, -1, SQLITE_STATIC) == SQLITE_OK)
        found = sqlite3_step(s) == SQLITE_ROW;
    sqlite3_finalize(s);
    return found;
}

static void sq_close(struct storage *st)
{
    for (int i = 0; i < S_COUNT; i++) {
        sqlite3_finalize(st->stmt[i]);
        st->stmt[i] = NULL;
    }
    sqlite3_close(st->db);
    st->db = NULL;
}

static enum read_type sq_col_type(const struct db_row *r, int c)
{
    switch (sqlite3_column_type(r->impl, c)) {
    case SQLITE_NULL:    return RT_NULL;
    case SQLITE_INTEGER: return RT_INT;
    case SQLITE_FLOAT:   return RT_REAL;
    default:             return RT_TEXT;
    }
}

static int64_t sq_col_int(const struct db_row *r, int c)
{
    return sqlite3_column_int64(r->impl, c);
}

static double sq_col_real(const struct db_row *r, int c)
{
    return sqlite3_column_double(r->impl, c);
}

static const char *sq_col_text(const struct db_row *r, int c)
{
    return (const char *)sqlite3_column_text(r->impl, c);
}

static size_t sq_col_bytes(const struct db_row *r, int c)
{
    int n = sqlite3_column_bytes(r->impl, c);
    return n > 0 ? (size_t)n : 0;
}

const struct db_driver sqlite_driver = {
    .kind = "an SQLite file",
    .batched = false,
    .identify = sq_identify,
    .lock = sq_lock,
    .run_sql = sq_run_sql,
    .stamp = sq_stamp,
    .in_txn = sq_in_txn,
    .exec = sq_exec,
    .cursor_open = sq_cursor_open,
    .cursor_next = sq_cursor_next,
    .cursor_close = sq_cursor_close,
    .read_begin = sq_read_begin,
    .read_end = sq_read_end,
    .has_column = sq_has_column,
    .close = sq_close,
    .col_type = sq_col_type,
    .col_int = sq_col_int,
    .col_real = sq_col_real,
    .col_text = sq_col_text,
    .col_bytes = sq_col_bytes,
};
