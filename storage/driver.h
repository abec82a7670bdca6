/*
 * driver.h — what storage/'s logic (run.c, flows.c, statements.c, schema.c, read_*.c) asks of
 * a database, and nothing more, so that the logic is written once for both backends:
 *   sqlite_driver.c   an SQLite file (prepared statements stepped one row at a time)
 *   pg_driver.c       a PostgreSQL database (libpq): connecting, identity, statements;
 *   pg_copy.c         its batched rows (COPY) and flow ids reserved in blocks;
 *   pg_read.c         its cursors and result rows.
 *   dialect.c         how a statement written in SQLite's spelling is said to PostgreSQL.
 *
 * Every statement is written once (statements.c, schema.c, read_*.c) in SQL both databases
 * understand, with SQLite's ?N parameters; dialect.c rewrites the few spellings PostgreSQL
 * says differently. Values go in as a struct db_params (1-based, like the ?N they fill) and
 * come out of a struct db_row, whose accessors hide each backend's representation.
 */
#ifndef FINSCOPE_STORAGE_DRIVER_H
#define FINSCOPE_STORAGE_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "storage/read.h"

struct storage;
struct db_identity;
enum stmt_id;

/* ---- values in --------------------------------------------------------------------------- */

struct db_value {
    uint8_t type;                 /* enum read_type; RT_NULL for NULL */
    int64_t i;                    /* RT_INT */
    double r;                     /* RT_REAL */
    const char *s;                /* RT_TEXT: not copied; valid until the statement has run */
    size_t len;
};

#define DB_MAX_PARAMS 56
struct db_params {
    int n;                        /* highest parameter set (?n) */
    struct db_value v[DB_MAX_PARAMS + 1];   /* v[1] .. v[n]; v[0] unused */
};

/* ---- rows out ------------------------------------------------------------------------------ */

struct db_row {
    const struct db_driver *drv;
    void *impl;                   /* sqlite3_stmt * / PGresult * */
    int i;                        /* row number within impl (PostgreSQL) */
};

/* A cursor over a query's rows: opened, stepped (drv->cursor_next), closed. */
struct db_cursor;

struct db_driver {
    const char *kind;             /* "SQLite file", "PostgreSQL database": for messages */
    /* A batching driver sends rows of S_INS_FLOW .. S_INS_RST later (before the next other
     * statement): a flow that fails part way is undone with the whole open transaction. */
    bool batched;
    int (*identify)(struct storage *st, struct db_identity *id);
    /* Takes the schema lock inside the open write transaction. */
    int (*lock)(struct storage *st);
    /* Runs SQL without parameters or rows (ddl: a schema statement, types mapped). */
    int (*run_sql)(struct storage *st, const char *sql, bool ddl, const char *doing);
    /* Records in the database that it holds STORAGE_SCHEMA_VERSION of finscope's schema. */
    int (*stamp)(struct storage *st);
    bool (*in_txn)(struct storage *st);
    /* Runs statement `id` with `p`; sets st->changes (rows changed) and st->last_id (the id
     * of the row an insert made: runs, flows). */
    int (*exec)(struct storage *st, enum stmt_id id, const struct db_params *p,
                const char *doing);
    int (*cursor_open)(struct storage *st, const char *sql, const int64_t *params, int n,
                       struct db_cursor **out, const char *doing);
    /* 1: *row holds the next row (valid until the next call); 0: no more; -1: failed. */
    int (*cursor_next)(struct db_cursor *c, struct db_row *row);
    void (*cursor_close)(struct db_cursor *c);
    /* One snapshot for several cursors at once (read_flows). */
    int (*read_begin)(struct storage *st);
    void (*read_end)(struct storage *st);
    bool (*has_column)(struct storage *st, const char *table, const char *column);
    void (*close)(struct storage *st);
    /* Row accessors. text: NULL for NULL. */
    enum read_type (*col_type)(const struct db_row *r, int c);
    int64_t (*col_int)(const struct db_row *r, int c);
    double (*col_real)(const struct db_row *r, int c);
    const char *(*col_text)(const struct db_row *r, int c);
    size_t (*col_bytes)(const struct db_row *r, int c);
};

extern const struct db_driver sqlite_driver;
extern const struct db_driver pg_driver;

static inline enum read_type row_type(const struct db_row *r, int c) { return r->drv->col_type(r, c); }
static inline bool row_null(const struct db_row *r, int c) { return row_type(r, c) == RT_NULL; }
static inline int64_t row_int(const struct db_row *r, int c) { return r->drv->col_int(r, c); }
static inline double row_real(const struct db_row *r, int c) { return r->drv->col_real(r, c); }
static inline const char *row_text(const struct db_row *r, int c) { return r->drv->col_text(r, c); }
static inline size_t row_bytes(const struct db_row *r, int c) { return r->drv->col_bytes(r, c); }

/* ---- sqlite_driver.c / pg_driver.c: opening ------------------------------------------------- */

/* Opens st->path (set, as are readonly and drv) up to a handle ready for the logic: schema
 * created or migrated when writable. -1 with st->errmsg set. */
int sqlite_open(struct storage *st);
int pg_open(struct storage *st, const char *url);
/* Prepares every write statement of an SQLite handle; an SQLite result code. */
int sqlite_prepare_statements(struct storage *st);

/* ---- dialect.c -------------------------------------------------------------------------------- */

/* `sql` (SQLite's spelling) as PostgreSQL says it: $N for ?N, PostgreSQL's types in DDL,
 * the few functions it names differently. Returns a malloc'd string, NULL when out of memory. */
char *dialect_pg(const char *sql, bool ddl);
/* The same with ?N replaced by params[N - 1] as a literal (integers only, so nothing to quote):
 * for statements sent several to a round trip, which cannot take parameters. */
char *dialect_pg_inline(const char *sql, bool ddl, const int64_t *params, int n);
/* A URL with its password (if any) replaced by "***", for messages; malloc'd. */
char *dialect_redact_url(const char *url);

#endif
