/*
 * statements.c — every statement storage runs while writing (each driver prepares them once
 * per handle), and the transaction discipline built on them: one long write transaction per run, committed by
 * checkpoint/run_end (and every STORAGE_AUTOCOMMIT_ROWS rows). A failure never leaves part of
 * a flow behind: a flow's rows are deleted again when one of them fails (flow_undo; no
 * savepoint per flow, which cost a sixth of the writing time), and a late segment's
 * statements run in a savepoint (unit_begin/unit_end).
 */
#include <string.h>

#include "storage/internal.h"

#define FLOW_NAME(name) #name ", "
#define FLOW_PARAM(name) "?, "

#define EVENT_COLUMNS \
    "flow_id, ts, packet, direction, flags, seq, ack, len, orig_state, resp_state, inferred"
#define ANOMALY_COLUMNS \
    "run_id, flow_id, ts, packet, direction, kind, expected, observed, detail, challenge_ack"
#define RST_COLUMNS \
    "run_id, flow_id, ts, packet, direction, seq, ack, has_ack, len, ttl, ip_id, acceptable," \
    " cause, origin, evidence, silence"

/* Written in SQL both databases take (dialect.c rewrites ?N and BEGIN IMMEDIATE). */
static const char *const SQL[S_COUNT] = {
    [S_BEGIN] = "BEGIN IMMEDIATE",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
    [S_SAVEPOINT] = "SAVEPOINT unit",
    [S_RELEASE] = "RELEASE unit",
    [S_ROLLBACK_TO] = "ROLLBACK TO unit",
    [S_INS_RUN] =
        "INSERT INTO runs (source, mode, started, complete, version, ndpi_version, dpi, options,"
        " sensor) VALUES (?1, ?2, ?3, 0, ?4, ?5, ?6, ?7, ?8) RETURNING id",
    [S_UPD_RUN] =
        "UPDATE runs SET packets = ?2, bytes = ?3, flows = ?4, flows_evicted = ?5,"
        " kernel_drops = ?6, iface_drops = ?7, first_packet = ?8, last_packet = ?9,"
        " finished = ?10, complete = ?11, error = ?12, capture_loss = ?13 WHERE id = ?1",
    [S_INS_DECODE_ERROR] =
        "INSERT INTO decode_errors (run_id, reason, count) VALUES (?1, ?2, ?3)"
        " ON CONFLICT (run_id, reason) DO UPDATE SET count = excluded.count",
    /* The trailing id (NULL: a new rowid) absorbs the last ", " of the column lists. */
    [S_INS_FLOW] = "INSERT INTO flows (" FLOW_COLUMNS(FLOW_NAME) "id) VALUES ("
                   FLOW_COLUMNS(FLOW_PARAM) "NULL)",
    [S_INS_EVENT] =
        "INSERT INTO teardown_events (" EVENT_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
        " ?8, ?9, ?10, ?11)",
    [S_INS_ANOMALY] =
        "INSERT INTO anomalies (" ANOMALY_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
        " ?9, ?10)",
    [S_INS_RST] =
        "INSERT INTO rsts (" RST_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
        " ?11, ?12, ?13, ?14, ?15, ?16)",
    [S_ADD_FLOW_ANOMALY] = "UPDATE flows SET anomalies = anomalies + ?2 WHERE id = ?1",
    [S_DEL_FLOW_EVENTS] = "DELETE FROM teardown_events WHERE flow_id = ?1",
    [S_DEL_FLOW_ANOMALIES] = "DELETE FROM anomalies WHERE flow_id = ?1",
    [S_DEL_FLOW_RSTS] = "DELETE FROM rsts WHERE flow_id = ?1",
    [S_DEL_FLOW] = "DELETE FROM flows WHERE id = ?1",
};

/* The same rows as a COPY (a batching driver): the columns in parameter order; a flow's
 * id, which the driver assigns, last. */
static const char *const COPY_TARGET[S_COUNT] = {
    [S_INS_FLOW] = "flows (" FLOW_COLUMNS(FLOW_NAME) "id)",
    [S_INS_EVENT] = "teardown_events (" EVENT_COLUMNS ")",
    [S_INS_ANOMALY] = "anomalies (" ANOMALY_COLUMNS ")",
    [S_INS_RST] = "rsts (" RST_COLUMNS ")",
};

const char *stmt_sql(enum stmt_id id)
{
    return (unsigned)id < S_COUNT ? SQL[id] : NULL;
}

const char *stmt_copy_target(enum stmt_id id)
{
    return (unsigned)id < S_COUNT ? COPY_TARGET[id] : NULL;
}

int stmt_exec(struct storage *st, enum stmt_id id, const struct db_params *p, const char *doing)
{
    static const struct db_params none = {0};
    return st->drv->exec(st, id, p ? p : &none, doing);
}

int txn_ensure(struct storage *st)
{
    if (st->drv->in_txn(st))
        return 0;
    return stmt_exec(st, S_BEGIN, NULL, "starting a transaction");
}

int txn_commit(struct storage *st)
{
    if (!st->drv->in_txn(st))
        return 0;
    if (stmt_exec(st, S_COMMIT, NULL, "committing") < 0) {
        txn_rollback(st);
        return -1;
    }
    st->rows_pending = 0;
    st->flows_committed += st->flows_pending;
    st->flows_pending = 0;
    st->loss_committed.gap_bytes += st->loss_pending.gap_bytes;
    st->loss_committed.acked_bytes += st->loss_pending.acked_bytes;
    st->loss_pending = (struct loss_sums){0};
    return 0;
}

/* Keeps the message of the failure that led here. */
void txn_rollback(struct storage *st)
{
    if (st->drv->in_txn(st)) {
        char keep[sizeof st->errmsg];
        memcpy(keep, st->errmsg, sizeof keep);
        stmt_exec(st, S_ROLLBACK, NULL, "rolling back");
        memcpy(st->errmsg, keep, sizeof keep);
    }
    st->rows_pending = 0;
    st->flows_pending = 0;
    st->loss_pending = (struct loss_sums){0};
}

int unit_begin(struct storage *st)
{
    if (txn_ensure(st) < 0)
        return -1;
    return stmt_exec(st, S_SAVEPOINT, NULL, "starting a savepoint");
}

int rows_written(struct storage *st, uint64_t rows)
{
    st->rows_pending += rows;
    if (st->rows_pending < STORAGE_AUTOCOMMIT_ROWS)
        return 0;
    if (txn_commit(st) < 0)
        return -1;
    return txn_ensure(st);
}

int unit_end(struct storage *st, uint64_t rows)
{
    if (stmt_exec(st, S_RELEASE, NULL, "releasing a savepoint") < 0)
        return -1;
    return rows_written(st, rows);
}

static int delete_by_flow(struct storage *st, enum stmt_id id, int64_t flow_id)
{
    struct db_params p = {0};
    bind_int(&p, 1, flow_id);
    return stmt_exec(st, id, &p, "undoing a flow");
}

/* Deletes what a failed flow wrote (flow_id 0: its flows row failed, so nothing did; a failed
 * statement undoes itself). When the transaction is gone or the deletes fail too, the whole
 * pending transaction is rolled back; so it is always with a batching driver, whose rows of
 * the flow may not have been sent yet. Keeps the message of the failure that led here. */
void flow_undo(struct storage *st, int64_t flow_id)
{
    char keep[sizeof st->errmsg];
    memcpy(keep, st->errmsg, sizeof keep);
    if (st->drv->batched && st->drv->in_txn(st))
        txn_rollback(st);
    if (st->drv->in_txn(st) && flow_id != 0 &&
        (delete_by_flow(st, S_DEL_FLOW_EVENTS, flow_id) < 0 ||
         delete_by_flow(st, S_DEL_FLOW_ANOMALIES, flow_id) < 0 ||
         delete_by_flow(st, S_DEL_FLOW_RSTS, flow_id) < 0 ||
         delete_by_flow(st, S_DEL_FLOW, flow_id) < 0))
        txn_rollback(st);
    if (!st->drv->in_txn(st)) {
        st->rows_pending = 0;
        st->flows_pending = 0;
        st->loss_pending = (struct loss_sums){0};
    }
    memcpy(st->errmsg, keep, sizeof keep);
}

/* Undoes the unit's rows; SQLite may already have rolled back the whole transaction (it does
 * so on some errors, e.g. SQLITE_FULL), in which case there is nothing left to undo. */
void unit_abort(struct storage *st)
{
    if (st->drv->batched && st->drv->in_txn(st))
        txn_rollback(st);         /* the unit's rows may still be in the driver's batch */
    if (!st->drv->in_txn(st)) {
        st->rows_pending = 0;
        st->flows_pending = 0;
        st->loss_pending = (struct loss_sums){0};
        return;
    }
    char keep[sizeof st->errmsg];
    memcpy(keep, st->errmsg, sizeof keep);
    if (stmt_exec(st, S_ROLLBACK_TO, NULL, "rolling back a flow") < 0 ||
        stmt_exec(st, S_RELEASE, NULL, "releasing a savepoint") < 0)
        txn_rollback(st);
    memcpy(st->errmsg, keep, sizeof keep);
}
