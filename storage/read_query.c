/*
 * read_query.c — the common helpers of the read side (storage/read.h): run one query with
 * integer parameters and hand each row to a function (the summaries' (name, group, count, flows,
 * share) rows among them); copy a text column into a buffer; ask
 * whether the file has a column.
 */
#include <stdio.h>
#include <string.h>

#include "storage/internal.h"

const char *rd_text_or_empty(sqlite3_stmt *s, int col)
{
    const unsigned char *t = sqlite3_column_text(s, col);
    return t ? (const char *)t : "";
}

int rd_count_row(struct storage *st, sqlite3_stmt *s, void *ctx)
{
    (void)st;
    struct rd_count_ctx *c = ctx;
    struct read_count rc = {
        .name = rd_text_or_empty(s, 0),
        .group = rd_text_or_empty(s, 1),
        .count = sqlite3_column_int64(s, 2),
        .flows = sqlite3_column_int64(s, 3),
        .share = sqlite3_column_double(s, 4),
    };
    return c->fn(c->ctx, &rc);
}

void rd_text(sqlite3_stmt *s, int col, char *buf, size_t cap)
{
    if (cap == 0)
        return;
    const unsigned char *t = sqlite3_column_text(s, col);
    int n = sqlite3_column_bytes(s, col);
    size_t len = t && n > 0 ? (size_t)n : 0;
    if (len >= cap)
        len = cap - 1;
    if (len > 0)
        memcpy(buf, t, len);
    buf[len] = '\0';
}

static int bind_params(struct storage *st, sqlite3_stmt *s, const int64_t *params, int n,
                       const char *doing)
{
    for (int i = 0; i < n; i++) {
        int rc = sqlite3_bind_int64(s, i + 1, params[i]);
        if (rc != SQLITE_OK)
            return st_sqlite_error(st, rc, doing);
    }
    return 0;
}

/* Steps through the rows; 0 at the end, -1 on failure or when `row` stopped. */
static int step_rows(struct storage *st, sqlite3_stmt *s, rd_row_fn row, void *ctx,
                     const char *doing)
{
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        st->errmsg[0] = '\0';
        if (row(st, s, ctx) != 0) {
            if (!st->errmsg[0])
                st_error(st, "%s: %s: stopped by the caller", st->path, doing);
            return -1;
        }
    }
    return rc == SQLITE_DONE ? 0 : st_sqlite_error(st, rc, doing);
}

int rd_query(struct storage *st, const char *sql, const int64_t *params, int nparams,
             rd_row_fn row, void *ctx, const char *doing)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
    if (rc != SQLITE_OK) {
        st_sqlite_error(st, rc, doing);
        sqlite3_finalize(s);
        return -1;
    }
    int result = bind_params(st, s, params, nparams, doing);
    if (result == 0)
        result = step_rows(st, s, row, ctx, doing);
    sqlite3_finalize(s);
    return result;
}

bool rd_has_column(struct storage *st, const char *table, const char *column)
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
