/*
 * read_query.c — the common helpers of the read side (storage/read.h): run one query with
 * integer parameters and hand each row to a function (the summaries' (name, group, count, flows,
 * share) rows among them); copy a text column into a buffer; ask
 * whether the file has a column.
 */
#include <stdio.h>
#include <string.h>

#include "storage/internal.h"

const char *rd_text_or_empty(const struct db_row *s, int col)
{
    const char *t = row_text(s, col);
    return t ? t : "";
}

int rd_count_row(struct storage *st, const struct db_row *s, void *ctx)
{
    (void)st;
    struct rd_count_ctx *c = ctx;
    struct read_count rc = {
        .name = rd_text_or_empty(s, 0),
        .group = rd_text_or_empty(s, 1),
        .count = row_int(s, 2),
        .flows = row_int(s, 3),
        .share = row_real(s, 4),
    };
    return c->fn(c->ctx, &rc);
}

void rd_text(const struct db_row *s, int col, char *buf, size_t cap)
{
    if (cap == 0)
        return;
    const char *t = row_text(s, col);
    size_t len = t ? row_bytes(s, col) : 0;
    if (len >= cap)
        len = cap - 1;
    if (len > 0)
        memcpy(buf, t, len);
    buf[len] = '\0';
}

int rd_query(struct storage *st, const char *sql, const int64_t *params, int nparams,
             rd_row_fn row, void *ctx, const char *doing)
{
    struct db_cursor *c;
    if (st->drv->cursor_open(st, sql, params, nparams, &c, doing) < 0)
        return -1;
    struct db_row r;
    int rc;
    while ((rc = st->drv->cursor_next(c, &r)) > 0) {
        st->errmsg[0] = '\0';
        if (row(st, &r, ctx) != 0) {
            if (!st->errmsg[0])
                st_error(st, "%s: %s: stopped by the caller", st->path, doing);
            rc = -1;
            break;
        }
    }
    st->drv->cursor_close(c);
    return rc < 0 ? -1 : 0;
}

bool rd_has_column(struct storage *st, const char *table, const char *column)
{
    return st->drv->has_column(st, table, column);
}
