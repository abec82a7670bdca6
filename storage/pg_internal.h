/*
 * pg_internal.h — what the PostgreSQL backend's files (pg_driver.c, pg_copy.c, pg_read.c)
 * share, and no other file uses.
 */
#ifndef FINSCOPE_STORAGE_PG_INTERNAL_H
#define FINSCOPE_STORAGE_PG_INTERNAL_H

#include <libpq-fe.h>

#include "storage/internal.h"

/* Flow ids are reserved this many at a time (sequence finscope_flow_ids counts in blocks),
 * so that flows can be sent in batches with their ids while other writers do the same. */
#define PG_FLOW_ID_BLOCK 1024
/* Rows fetched per round trip by a cursor. */
#define PG_FETCH_ROWS 1000

struct pg_buf {
    char *data;
    size_t len, cap;
    uint64_t rows;
};

/* One COPY batch per batched statement (S_INS_FLOW .. S_INS_RST). */
#define PG_BATCHES (S_INS_RST - S_INS_FLOW + 1)

struct pg_state {
    PGconn *conn;
    bool prepared[S_COUNT];
    struct pg_buf batch[PG_BATCHES];
    struct pg_buf scratch;        /* parameters as text */
    int64_t next_flow_id, flow_ids_left;
    unsigned cursors;             /* cursors declared so far: names c1, c2, ... */
    unsigned reads_nested;        /* read_begin calls inside a transaction already open */
};

/* pg_driver.c */
int pg_error(struct storage *st, const PGresult *res, const char *doing);
int pg_simple(struct storage *st, const char *sql, ExecStatusType want, const char *doing);

/* pg_copy.c: buffers, and the batches of rows sent with COPY. */
int pg_buf_put(struct pg_buf *b, const char *s, size_t n);
/* Appends v as text (copy: escaped for COPY's text format, NULL as \N). */
int pg_buf_value(struct pg_buf *b, const struct db_value *v, bool copy);
/* Adds a row of batched statement `id`; a flow gets its id (st->last_id). */
int pg_copy_add(struct storage *st, enum stmt_id id, const struct db_params *p,
                const char *doing);
/* Sends every batched row (in statement order: flows before the rows that refer to them). */
int pg_copy_flush(struct storage *st, const char *doing);
void pg_copy_discard(struct storage *st);
void pg_copy_free(struct storage *st);

/* pg_read.c: cursors and rows. */
int pg_cursor_open(struct storage *st, const char *sql, const int64_t *params, int n,
                   struct db_cursor **out, const char *doing);
int pg_cursor_next(struct db_cursor *c, struct db_row *row);
void pg_cursor_close(struct db_cursor *c);
int pg_read_begin(struct storage *st);
void pg_read_end(struct storage *st);
bool pg_has_column(struct storage *st, const char *table, const char *column);
enum read_type pg_col_type(const struct db_row *r, int c);
int64_t pg_col_int(const struct db_row *r, int c);
double pg_col_real(const struct db_row *r, int c);
const char *pg_col_text(const struct db_row *r, int c);
size_t pg_col_bytes(const struct db_row *r, int c);

#endif
