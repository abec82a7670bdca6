/*
 * pg_driver.c — the PostgreSQL backend (driver.h): connecting with libpq, the database's
 * identity (table finscope_meta) and schema lock (an advisory lock), and the statements, each
 * prepared on first use. Rows of a flow are batched (pg_copy.c); reading goes through cursors
 * (pg_read.c).
 *
 * A database is finscope's when it has finscope_meta with finscope's application id; one with
 * tables but no such row belongs to something else and is refused. When the connection is
 * lost (the server restarted), the statement that found out fails, which ends the run; the
 * next transaction (run_end's, which records why) reconnects once.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/internal.h"
#include "storage/pg_internal.h"

/* The schema lock's key: any writer creating or migrating the schema holds it. */
#define PG_SCHEMA_LOCK "SELECT pg_advisory_xact_lock(1179861840)"
#define PG_CONNECT_TIMEOUT_S "10"

/* ---- messages ------------------------------------------------------------------------------ */

/* The first line of libpq's message, without its "ERROR:  " prefix. */
static void first_line(const char *msg, char *out, size_t cap)
{
    if (!msg || !*msg)
        msg = "no reason given";
    if (strncmp(msg, "ERROR:  ", 8) == 0)
        msg += 8;
    size_t n = strcspn(msg, "\n");
    if (n >= cap)
        n = cap - 1;
    memcpy(out, msg, n);
    out[n] = '\0';
}

int pg_error(struct storage *st, const PGresult *res, const char *doing)
{
    char why[300];
    first_line(res ? PQresultErrorMessage(res) : NULL, why, sizeof why);
    if (!res || !*PQresultErrorMessage(res))
        first_line(PQerrorMessage(st->pg->conn), why, sizeof why);
    if (PQstatus(st->pg->conn) == CONNECTION_BAD) {
        if (st->phase == RUN_ACTIVE && st->run_id > 0)
            return st_error(st, "%s: lost the connection to the server while %s (%s); run %lld "
                            "is left unfinished", st->path, doing, why, (long long)st->run_id);
        return st_error(st, "%s: lost the connection to the server while %s (%s)", st->path,
                        doing, why);
    }
    return st_error(st, "%s: %s failed (%s)", st->path, doing, why);
}

/* Runs `sql` (PostgreSQL's spelling) without parameters; 0 when it gave `want`. */
int pg_simple(struct storage *st, const char *sql, ExecStatusType want, const char *doing)
{
    PGresult *res = PQexec(st->pg->conn, sql);
    int rc = PQresultStatus(res) == want ? 0 : pg_error(st, res, doing);
    PQclear(res);
    return rc;
}

/* ---- connecting ---------------------------------------------------------------------------- */

static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static int pg_connect(struct storage *st, const char *url)
{
    const char *keys[] = {"connect_timeout", "fallback_application_name", "dbname", NULL};
    const char *vals[] = {PG_CONNECT_TIMEOUT_S, "finscope", url, NULL};
    st->pg->conn = PQconnectdbParams(keys, vals, 1);
    if (!st->pg->conn)
        return st_error(st, "out of memory connecting to %s", st->path);
    if (PQstatus(st->pg->conn) != CONNECTION_OK) {
        char why[300];
        first_line(PQerrorMessage(st->pg->conn), why, sizeof why);
        return st_error(st, "cannot connect to %s: %s", st->path, why);
    }
    PQsetNoticeProcessor(st->pg->conn, quiet, NULL);  /* the server's notices and warnings
                                                         are not the user's: errors say it */
    if (st->readonly)
        return pg_simple(st, "SET default_transaction_read_only = on", PGRES_COMMAND_OK,
                         "opening for reading");
    return 0;
}

/* A connection that broke (the server restarted) is made again, once per transaction; what
 * the old one had prepared is gone with it. */
static int pg_reconnect(struct storage *st)
{
    if (PQstatus(st->pg->conn) != CONNECTION_BAD)
        return 0;
    PQreset(st->pg->conn);
    memset(st->pg->prepared, 0, sizeof st->pg->prepared);
    pg_copy_discard(st);
    if (PQstatus(st->pg->conn) == CONNECTION_OK)
        return 0;
    return pg_error(st, NULL, "reconnecting");
}

/* ---- identity and schema ------------------------------------------------------------------- */

static int pg_identify(struct storage *st, struct db_identity *id)
{
    *id = (struct db_identity){0};
    PGresult *res = PQexec(st->pg->conn,
        "SELECT (SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema()),"
        " to_regclass('finscope_meta') IS NOT NULL");
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        pg_error(st, res, "reading the schema");
        PQclear(res);
        return -1;
    }
    id->objects = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    bool meta = PQgetvalue(res, 0, 1)[0] == 't';
    PQclear(res);
    if (!meta)
        return 0;
    res = PQexec(st->pg->conn, "SELECT application_id, schema_version FROM finscope_meta");
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
        id->application_id = (int)strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        id->user_version = atoi(PQgetvalue(res, 0, 1));
    }
    PQclear(res);       /* another finscope_meta: not ours (application id 0, tables) */
    return 0;
}

static int pg_lock(struct storage *st)
{
    return pg_simple(st, PG_SCHEMA_LOCK, PGRES_TUPLES_OK, "locking the schema");
}

static int pg_run_sql(struct storage *st, const char *sql, bool ddl, const char *doing)
{
    char *text = dialect_pg(sql, ddl);
    if (!text)
        return st_error(st, "%s: out of memory while %s", st->path, doing);
    int rc = pg_simple(st, text, PGRES_COMMAND_OK, doing);
    free(text);
    return rc;
}

/* finscope_meta says whose the database is; flow ids are handed out in blocks (pg_copy.c). */
static int pg_stamp(struct storage *st)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "CREATE TABLE IF NOT EXISTS finscope_meta (application_id bigint NOT NULL,"
             " schema_version integer NOT NULL);"
             " DELETE FROM finscope_meta;"
             " INSERT INTO finscope_meta VALUES (%d, %d);"
             " CREATE SEQUENCE IF NOT EXISTS finscope_flow_ids INCREMENT BY %d",
             STORAGE_APPLICATION_ID, STORAGE_SCHEMA_VERSION, PG_FLOW_ID_BLOCK);
    return pg_simple(st, sql, PGRES_COMMAND_OK, "creating the schema");
}

/* ---- statements ------------------------------------------------------------------------------ */

static bool pg_in_txn(struct storage *st)
{
    PGTransactionStatusType t = PQtransactionStatus(st->pg->conn);
    return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

static int prepare(struct storage *st, enum stmt_id id, const char *doing)
{
    if (st->pg->prepared[id])
        return 0;
    char *text = dialect_pg(stmt_sql(id), false), name[16];
    if (!text)
        return st_error(st, "%s: out of memory while %s", st->path, doing);
    snprintf(name, sizeof name, "s%d", (int)id);
    PGresult *res = PQprepare(st->pg->conn, name, text, 0, NULL);
    free(text);
    int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : pg_error(st, res, doing);
    PQclear(res);
    st->pg->prepared[id] = rc == 0;
    return rc;
}

/* Parameters as text, in `buf` (grown as needed). */
static int params_text(struct storage *st, const struct db_params *p, const char **vals)
{
    struct pg_buf *b = &st->pg->scratch;
    b->len = 0;
    size_t offs[DB_MAX_PARAMS + 1];
    for (int i = 1; i <= p->n; i++) {
        offs[i] = b->len;
        if (p->v[i].type != RT_NULL && (pg_buf_value(b, &p->v[i], false) < 0 ||
                                        pg_buf_put(b, "", 1) < 0))
            return st_error(st, "%s: out of memory", st->path);
    }
    for (int i = 1; i <= p->n; i++)
        vals[i - 1] = p->v[i].type == RT_NULL ? NULL : b->data + offs[i];
    return 0;
}

static int run_prepared(struct storage *st, enum stmt_id id, const struct db_params *p,
                        const char *doing)
{
    const char *vals[DB_MAX_PARAMS];
    char name[16];
    if (prepare(st, id, doing) < 0 || params_text(st, p, vals) < 0)
        return -1;
    snprintf(name, sizeof name, "s%d", (int)id);
    PGresult *res = PQexecPrepared(st->pg->conn, name, p->n, vals, NULL, NULL, 0);
    ExecStatusType status = PQresultStatus(res);
    int rc = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK ? 0
                                                                      : pg_error(st, res, doing);
    if (rc == 0) {
        st->changes = strtoll(PQcmdTuples(res), NULL, 10);
        st->last_id = status == PGRES_TUPLES_OK && PQntuples(res) > 0
                          ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : 0;
    }
    PQclear(res);
    return rc;
}

/* Batched rows go out before any other statement, so that it sees them (and a commit
 * includes them); a rollback drops them. */
static int pg_exec(struct storage *st, enum stmt_id id, const struct db_params *p,
                   const char *doing)
{
    if (st->readonly)
        return st_error(st, "%s was opened read-only", st->path);
    if (STMT_BATCHED(id))
        return pg_copy_add(st, id, p, doing);
    if (id == S_ROLLBACK || id == S_ROLLBACK_TO)
        pg_copy_discard(st);
    else if (pg_copy_flush(st, doing) < 0)
        return -1;
    if (id == S_BEGIN && pg_reconnect(st) < 0)
        return -1;
    if (id <= S_ROLLBACK_TO) {
        char *text = dialect_pg(stmt_sql(id), false);
        int rc = text ? pg_simple(st, text, PGRES_COMMAND_OK, doing)
                      : st_error(st, "%s: out of memory", st->path);
        free(text);
        return rc;
    }
    return run_prepared(st, id, p, doing);
}

static void pg_close(struct storage *st)
{
    if (!st->pg)
        return;
    pg_copy_discard(st);
    PQfinish(st->pg->conn);
    pg_copy_free(st);
    free(st->pg);
    st->pg = NULL;
}

int pg_open(struct storage *st, const char *url)
{
    st->pg = calloc(1, sizeof *st->pg);
    if (!st->pg)
        return st_error(st, "out of memory connecting to %s", st->path);
    if (pg_connect(st, url) < 0)
        return -1;
    if (st->readonly)
        return storage_identify_and_check(st) < 0 ? -1 : 0;
    return storage_identify_and_check(st) < 0 || storage_prepare_schema(st) < 0 ? -1 : 0;
}

const struct db_driver pg_driver = {
    .kind = "a PostgreSQL database",
    .batched = true,
    .identify = pg_identify,
    .lock = pg_lock,
    .run_sql = pg_run_sql,
    .stamp = pg_stamp,
    .in_txn = pg_in_txn,
    .exec = pg_exec,
    .cursor_open = pg_cursor_open,
    .cursor_next = pg_cursor_next,
    .cursor_close = pg_cursor_close,
    .read_begin = pg_read_begin,
    .read_end = pg_read_end,
    .has_column = pg_has_column,
    .close = pg_close,
    .col_type = pg_col_type,
    .col_int = pg_col_int,
    .col_real = pg_col_real,
    .col_text = pg_col_text,
    .col_bytes = pg_col_bytes,
};
