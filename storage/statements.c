/*
 * statements.c — every statement storage runs while writing, prepared once per handle, and the
 * transaction discipline built on them: one long write transaction per run, committed by
 * checkpoint/run_end (and every STORAGE_AUTOCOMMIT_ROWS rows). A failure never leaves part of
 * a flow behind: a flow's rows are deleted again when one of them fails (flow_undo; no
 * savepoint per flow, which cost a sixth of the writing time), and a late segment's
 * statements run in a savepoint (unit_begin/unit_end).
 */
#include <string.h>

#include "storage/internal.h"

#define FLOW_NAME(name) #name ", "
#define FLOW_PARAM(name) "?, "

static const char *const stmt_sql[S_COUNT] = {
    [S_BEGIN] = "BEGIN IMMEDIATE",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
    [S_SAVEPOINT] = "SAVEPOINT unit",
    [S_RELEASE] = "RELEASE unit",
    [S_ROLLBACK_TO] = "ROLLBACK TO unit",
    [S_INS_RUN] =
        "INSERT INTO runs (source, mode, started, complete, version, ndpi_version, dpi, options)"
        " VALUES (?1, ?2, ?3, 0, ?4, ?5, ?6, ?7)",
    [S_UPD_RUN] =
        "UPDATE runs SET packets = ?2, bytes = ?3, flows = ?4, flows_evicted = ?5,"
        " kernel_drops = ?6, iface_drops = ?7, first_packet = ?8, last_packet = ?9,"
        " finished = ?10, complete = ?11, error = ?12, capture_loss = ?13 WHERE id = ?1",
    [S_INS_DECODE_ERROR] =
        "INSERT OR REPLACE INTO decode_errors (run_id, reason, count) VALUES (?1, ?2, ?3)",
    /* The trailing id (NULL: a new rowid) absorbs the last ", " of the column lists. */
    [S_INS_FLOW] = "INSERT INTO flows (" FLOW_COLUMNS(FLOW_NAME) "id) VALUES ("
                   FLOW_COLUMNS(FLOW_PARAM) "NULL)",
    [S_INS_EVENT] =
        "INSERT INTO teardown_events (flow_id, ts, packet, direction, flags, seq, ack, len,"
        " orig_state, resp_state, inferred) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
        " ?11)",
    [S_INS_ANOMALY] =
        "INSERT INTO anomalies (run_id, flow_id, ts, packet, direction, kind, expected,"
        " observed, detail, challenge_ack) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    [S_INS_RST] =
        "INSERT INTO rsts (run_id, flow_id, ts, packet, direction, seq, ack, has_ack, len, ttl,"
        " ip_id, acceptable, cause, origin, evidence, silence) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
        " ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    [S_ADD_FLOW_ANOMALY] = "UPDATE flows SET anomalies = anomalies + ?2 WHERE id = ?1",
    [S_DEL_FLOW_EVENTS] = "DELETE FROM teardown_events WHERE flow_id = ?1",
    [S_DEL_FLOW_ANOMALIES] = "DELETE FROM anomalies WHERE flow_id = ?1",
    [S_DEL_FLOW_RSTS] = "DELETE FROM rsts WHERE flow_id = ?1",
    [S_DEL_FLOW] = "DELETE FROM flows WHERE id = ?1",
};

int stmts_prepare(struct storage *st)
{
    for (int i = 0; i < S_COUNT; i++) {
        int rc = sqlite3_prepare_v3(st->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                                    &st->stmt[i], NULL);
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

void stmts_finalize(struct storage *st)
{
    for (int i = 0; i < S_COUNT; i++) {
        sqlite3_finalize(st->stmt[i]);
        st->stmt[i] = NULL;
    }
}

int stmt_exec(struct storage *st, enum stmt_id id, const char *doing)
{
    sqlite3_stmt *s = st->stmt[id];
    int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW) {
        sqlite3_reset(s);
        return 0;
    }
    st_sqlite_error(st, rc, doing);   /* before reset: the message is this failure's */
    sqlite3_reset(s);
    return -1;
}

int txn_ensure(struct storage *st)
{
    if (!sqlite3_get_autocommit(st->db))
        return 0;
    return stmt_exec(st, S_BEGIN, "starting a transaction");
}

int txn_commit(struct storage *st)
{
    if (sqlite3_get_autocommit(st->db))
        return 0;
    if (stmt_exec(st, S_COMMIT, "committing") < 0) {
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
    if (!sqlite3_get_autocommit(st->db)) {
        char keep[sizeof st->errmsg];
        memcpy(keep, st->errmsg, sizeof keep);
        stmt_exec(st, S_ROLLBACK, "rolling back");
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
    return stmt_exec(st, S_SAVEPOINT, "starting a savepoint");
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
    if (stmt_exec(st, S_RELEASE, "releasing a savepoint") < 0)
        return -1;
    return rows_written(st, rows);
}

static int delete_by_flow(struct storage *st, enum stmt_id id, int64_t flow_id)
{
    sqlite3_bind_int64(st->stmt[id], 1, flow_id);
    return stmt_exec(st, id, "undoing a flow");
}

/* Deletes what a failed flow wrote (flow_id 0: its flows row failed, so nothing did; a failed
 * statement undoes itself). When the transaction is gone or the deletes fail too, the whole
 * pending transaction is rolled back. Keeps the message of the failure that led here. */
void flow_undo(struct storage *st, int64_t flow_id)
{
    char keep[sizeof st->errmsg];
    memcpy(keep, st->errmsg, sizeof keep);
    if (!sqlite3_get_autocommit(st->db) && flow_id != 0 &&
        (delete_by_flow(st, S_DEL_FLOW_EVENTS, flow_id) < 0 ||
         delete_by_flow(st, S_DEL_FLOW_ANOMALIES, flow_id) < 0 ||
         delete_by_flow(st, S_DEL_FLOW_RSTS, flow_id) < 0 ||
         delete_by_flow(st, S_DEL_FLOW, flow_id) < 0))
        txn_rollback(st);
    if (sqlite3_get_autocommit(st->db)) {
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
    if (sqlite3_get_autocommit(st->db)) {
        st->rows_pending = 0;
        st->flows_pending = 0;
        st->loss_pending = (struct loss_sums){0};
        return;
    }
    char keep[sizeof st->errmsg];
    memcpy(keep, st->errmsg, sizeof keep);
    if (stmt_exec(st, S_ROLLBACK_TO, "rolling back a flow") < 0 ||
        stmt_exec(st, S_RELEASE, "releasing a savepoint") < 0)
        txn_rollback(st);
    memcpy(st->errmsg, keep, sizeof keep);
}
