/*
 * internal.h — what storage/'s files share, and nothing outside storage/ (except its unit test)
 * may use:
 *   driver.h      the backends behind the logic (sqlite_driver.c, pg_*.c, dialect.c)
 *   schema.c      DDL of each schema version, the migration table
 *   open.c        storage_open/close: which backend, identity checks, schema
 *   errors.c      one-line messages for SQLite failures
 *   statements.c  every statement's SQL; transactions and per-flow savepoints
 *   bind.c        values -> statement parameters (times, NULL-when-empty text, TCP flags)
 *   run.c         the run's sink functions: run_begin, checkpoint, run_end, storage_sink
 *   flows.c       the flow and late sink functions
 *   read_*.c      the read side (storage/read.h); read_query.c holds their common helpers,
 *                 read_rsts.c the rsts table's
 */
#ifndef FINSCOPE_STORAGE_INTERNAL_H
#define FINSCOPE_STORAGE_INTERNAL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "storage/driver.h"
#include "storage/read.h"
#include "storage/storage.h"

/* PRAGMA application_id of every finscope file: 'FSCP'. */
#define STORAGE_APPLICATION_ID 0x46534350
/* Milliseconds a writer waits for another connection's lock before giving up. */
#define STORAGE_BUSY_TIMEOUT_MS 3000
/* Rows (flows + events + anomalies + rsts) after which the open transaction is committed even
 * without a checkpoint, so that no transaction grows without bound. Checked between flows only. */
#define STORAGE_AUTOCOMMIT_ROWS 50000

/* ---- schema.c --------------------------------------------------------------------------- */

/* What a file says about itself before finscope touches it. */
struct db_identity {
    int application_id;
    int user_version;
    int64_t objects;              /* tables, indexes, views, ... (SQLite: rows of
                                     sqlite_schema; PostgreSQL: tables of the schema) */
};
/* Brings a database of version `from` (0: empty) to STORAGE_SCHEMA_VERSION inside the
 * caller's write transaction and stamps it (drv->stamp). 0, or -1 with the message set. */
int schema_migrate(struct storage *st, int from);
/* Refuses what finscope must not write into (or read as its own); 0 or -1 with the message. */
int schema_check_identity(struct storage *st, const struct db_identity *id);

/* ---- open.c ------------------------------------------------------------------------------- */

/* The database's version after the identity check, or -1 with the message set. */
int storage_identify_and_check(struct storage *st);
/* Creates or migrates the schema in a write transaction under the schema lock. */
int storage_prepare_schema(struct storage *st);

/* ---- statements.c ----------------------------------------------------------------------- */

enum stmt_id {
    S_BEGIN, S_COMMIT, S_ROLLBACK, S_SAVEPOINT, S_RELEASE, S_ROLLBACK_TO,
    S_INS_RUN, S_UPD_RUN, S_INS_DECODE_ERROR, S_INS_FLOW, S_INS_EVENT, S_INS_ANOMALY,
    S_INS_RST, S_ADD_FLOW_ANOMALY, S_DEL_FLOW_EVENTS, S_DEL_FLOW_ANOMALIES, S_DEL_FLOW_RSTS,
    S_DEL_FLOW,
    S_COUNT
};
/* Statements whose rows a batching driver sends later (driver.h). */
#define STMT_BATCHED(id) ((id) >= S_INS_FLOW && (id) <= S_INS_RST)
/* Their SQL (statements.c), and the table and columns a COPY of them names. */
const char *stmt_sql(enum stmt_id id);
const char *stmt_copy_target(enum stmt_id id);

/* The flows columns in the order S_INS_FLOW binds them (parameter FC_x + 1). */
#define FLOW_COLUMNS(X) \
    X(run_id) X(proto) X(orig_addr) X(orig_port) X(resp_addr) X(resp_port) X(vlan) \
    X(first_ts) X(last_ts) X(duration) X(orig_pkts) X(resp_pkts) X(orig_bytes) X(resp_bytes) \
    X(orig_ip_bytes) X(resp_ip_bytes) X(midstream) X(ended_by) X(teardown) X(closer) \
    X(orig_state) X(resp_state) X(reason) X(close_start) X(close_end) X(close_duration) \
    X(orig_retrans) X(resp_retrans) X(orig_ooo) X(resp_ooo) X(orig_zero_win) X(resp_zero_win) \
    X(orig_rsts) X(resp_rsts) X(orig_fins) X(resp_fins) X(orig_wscale) X(resp_wscale) \
    X(anomalies) X(events_dropped) X(conn_state) X(history) X(app_proto) X(app_category) \
    X(server_name) X(rtt_orig) X(rtt_resp) X(tunnel) X(gaps) X(gap_bytes) X(rst_cause) \
    X(rst_origin)
#define FLOW_COLUMN_ENUM(name) FC_##name,
enum flow_column { FLOW_COLUMNS(FLOW_COLUMN_ENUM) FC_COUNT };

/* ---- the handle ------------------------------------------------------------------------- */

enum run_phase { RUN_NONE, RUN_ACTIVE, RUN_ENDED };

struct pg_state;

struct storage {
    const struct db_driver *drv;
    sqlite3 *db;                  /* the SQLite backend's connection */
    sqlite3_stmt *stmt[S_COUNT];  /* its statements; all NULL when readonly */
    struct pg_state *pg;          /* the PostgreSQL backend's (pg_driver.c) */
    char *path;                   /* as given to storage_open (a URL without its password),
                                     for messages */
    bool readonly;
    int64_t changes, last_id;     /* of the last drv->exec */
    enum run_phase phase;
    int64_t run_id;               /* 0 until run_begin succeeds */
    uint64_t rows_pending;        /* rows written since the last commit */
    /* Flows of this run in the file: committed, and written in the open transaction. runs.flows
     * is their sum, so after a failed commit it never counts flows that were rolled back. */
    uint64_t flows_committed, flows_pending;
    /* The same for the capture-loss sums of those flows (runs.capture_loss). */
    struct loss_sums { uint64_t gap_bytes, acked_bytes; } loss_committed, loss_pending;
    bool write_failed;            /* a write of this run failed: the run cannot be complete */
    char errmsg[512];
};

/* Runs a statement (drv->exec) with parameters `p` (NULL: none). On failure sets the message
 * (`doing` says what was being done, e.g. "writing a flow") and returns -1. */
int stmt_exec(struct storage *st, enum stmt_id id, const struct db_params *p,
              const char *doing);

/* Transactions. Invariant: while a run is active and nothing failed, a write transaction is
 * open (BEGIN IMMEDIATE), so this process holds the file's write lock. */
int txn_ensure(struct storage *st);
int txn_commit(struct storage *st);
void txn_rollback(struct storage *st);
/* Counts rows written; commits the transaction when STORAGE_AUTOCOMMIT_ROWS is reached. */
int rows_written(struct storage *st, uint64_t rows);
/* A flow is all-or-nothing: on a failure, flow_undo deletes the rows it wrote (id 0: none). */
void flow_undo(struct storage *st, int64_t flow_id);
/* A late segment's rows are all-or-nothing: a savepoint inside the transaction; unit_end
 * counts its rows (rows_written). */
int unit_begin(struct storage *st);
int unit_end(struct storage *st, uint64_t rows);
void unit_abort(struct storage *st);

/* ---- errors.c --------------------------------------------------------------------------- */

/* printf-style message into st->errmsg; returns -1 so callers can `return st_error(...)`. */
int st_error(struct storage *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Message for an SQLite failure `rc` while `doing`; returns -1. */
int st_sqlite_error(struct storage *st, int rc, const char *doing);

/* ---- bind.c ----------------------------------------------------------------------------- */

/* Parameter idx (1-based) of p. Text is not copied: it must outlive the stmt_exec that runs p
 * (a record bound and run in one call). */
void bind_null(struct db_params *p, int idx);
void bind_int(struct db_params *p, int idx, int64_t v);
void bind_real(struct db_params *p, int idx, double v);
void bind_text(struct db_params *p, int idx, const char *text);   /* NULL or "" -> NULL */
/* A fixed-size char array that may lack its terminator; "" -> NULL. */
void bind_chars(struct db_params *p, int idx, const char *chars, size_t cap);
void bind_u64(struct db_params *p, int idx, uint64_t v);
void bind_ts(struct db_params *p, int idx, int64_t ts_us);         /* Unix seconds, REAL */
void bind_ts_or_null(struct db_params *p, int idx, int64_t ts_us); /* 0 -> NULL */
/* Letters from "SFRPAUEC" for the flags set, "." for none. buf >= 9 bytes. */
const char *tcp_flags_str(uint8_t flags, char *buf);

/* ---- run.c ------------------------------------------------------------------------------ */

/* 0 when the handle is writable and a run is active; otherwise the message and -1. */
int run_check_active(struct storage *st, const char *what);

/* ---- flows.c ---------------------------------------------------------------------------- */

/* The sink's flow and late functions (struct sink in analyzer/analyzer.h). */
int storage_sink_flow(void *ctx, const struct flow_record *f, const struct teardown_event *ev,
                      size_t nev, const struct anomaly_record *an, size_t nan,
                      const struct rst_record *rst, size_t nrst, int64_t *flow_id);
int storage_sink_late(void *ctx, int64_t flow_id, const struct late_rows *rows);

/* ---- read_query.c: what the read side (storage/read.h, storage/read_*.c) shares -------- */

/* Called for each result row; nonzero stops the query. */
typedef int (*rd_row_fn)(struct storage *st, const struct db_row *s, void *ctx);
/* Prepares `sql`, binds `params` (integers, ?1..?n) and calls `row` for every result row.
 * 0 on success; -1 with the message set (`doing`: what was being read) on failure, or when
 * `row` returned nonzero ("stopped by the caller" unless `row` set a message itself). */
int rd_query(struct storage *st, const char *sql, const int64_t *params, int nparams,
             rd_row_fn row, void *ctx, const char *doing);
/* Column `col` as text into buf[cap] (truncated to fit), "" for NULL. */
void rd_text(const struct db_row *s, int col, char *buf, size_t cap);
/* Column `col` as text, "" for NULL; valid until the row changes. */
const char *rd_text_or_empty(const struct db_row *s, int col);
/* rd_row_fn for the summaries' rows of (name, group, count, flows, share): each becomes a
 * struct read_count handed to fn (ctx: a struct rd_count_ctx). */
struct rd_count_ctx {
    read_count_fn fn;
    void *ctx;
};
int rd_count_row(struct storage *st, const struct db_row *s, void *ctx);
/* Whether `table` has `column`: the read side takes columns of later schema versions when the
 * file has them (a file is read as it is; opening read-only never migrates). */
bool rd_has_column(struct storage *st, const char *table, const char *column);

/* A flow is notable (storage/read.h) when it carried a RST from either side or raised an
 * anomaly: the SQL condition, on the flows columns prefixed by f ("" or "f."). */
#define RD_NOTABLE_SQL(f) \
    "(" f "anomalies > 0 OR coalesce(" f "orig_rsts, 0) > 0 OR coalesce(" f "resp_rsts, 0) > 0)"

/* read_flows.c: a flows row whose first RF_COUNT result columns are the flows columns in table
 * order (READ_FLOW_COLUMNS) into *f. */
void rd_fill_flow(const struct db_row *s, struct read_flow *f);

/* read_rsts.c: the columns rd_fill_rst reads, in its order (alias r for rsts). */
#define RD_RST_SELECT \
    "SELECT r.id, r.flow_id, r.packet, r.ts, r.direction, r.seq, r.ack, r.has_ack, r.len," \
    " r.ttl, r.ip_id, r.acceptable, r.cause, r.origin, r.evidence, r.silence FROM rsts r"
struct read_rst;
void rd_fill_rst(const struct db_row *s, struct read_rst *r);

/* ---- for the unit test only ------------------------------------------------------------- */

/* The SQLite connection, so that a test can impose limits (PRAGMA max_page_count). */
sqlite3 *storage_db_handle(struct storage *st);

#endif
