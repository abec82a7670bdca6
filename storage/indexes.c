/*
 * indexes.c — when the indexes of docs/schema.md ("Indexes") are kept: up to date on every
 * insert, or built once when a file run ends.
 *
 * A file run (run_info.mode "file") into a file that holds no flows yet drops the indexes
 * when it begins and builds them when it ends: sorting rows already written into a new index
 * costs far less than keeping eight B-trees up to date insert by insert (bench/README.md,
 * "SQLite write plan"). Every other run keeps them live: a live run, whose readers (`finscope
 * live`, reports on a rotating file) query while it writes, and a run that appends to flows
 * already in the file (rebuilding their indexes would cost more than it saves).
 *
 * Invariants: INDEXES lists every index of the schema (schema.c creates the same names on the
 * same columns); a file whose indexes were dropped and never rebuilt (the process was killed)
 * gets them back the next time it is opened for writing (indexes_ensure, run by open.c under
 * the schema lock). Queries never depend on an index for their results, only for speed.
 */
#include <stdio.h>
#include <string.h>

#include "storage/internal.h"

struct index_def { const char *name, *on; };

static const struct index_def INDEXES[] = {
    {"flows_run", "flows(run_id)"},
    {"flows_teardown", "flows(teardown)"},
    {"flows_resp_addr", "flows(resp_addr)"},
    {"flows_orig_addr", "flows(orig_addr)"},
    {"anomalies_flow", "anomalies(flow_id)"},
    {"anomalies_kind", "anomalies(kind)"},
    {"teardown_events_flow", "teardown_events(flow_id)"},
    {"rsts_flow", "rsts(flow_id)"},
};
#define NINDEXES (sizeof INDEXES / sizeof INDEXES[0])

/* Runs "<verb> INDEX <if> <name> [ON <on>]" for every index; an SQLite result code. */
static int each_index(sqlite3 *db, bool create)
{
    for (size_t i = 0; i < NINDEXES; i++) {
        char sql[160];
        if (create)
            snprintf(sql, sizeof sql, "CREATE INDEX IF NOT EXISTS %s ON %s", INDEXES[i].name,
                     INDEXES[i].on);
        else
            snprintf(sql, sizeof sql, "DROP INDEX IF EXISTS %s", INDEXES[i].name);
        int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

int indexes_ensure(sqlite3 *db)
{
    return each_index(db, true);
}

/* Whether the flows table has no row (then neither do the tables that refer to it). */
static int flows_empty(sqlite3 *db, bool *empty)
{
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(db, "SELECT EXISTS (SELECT 1 FROM flows)", -1, &s, NULL);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *empty = sqlite3_column_int(s, 0) == 0;
        rc = SQLITE_OK;
    }
    int rc_final = sqlite3_finalize(s);
    return rc != SQLITE_OK ? rc : rc_final;
}

int indexes_defer(struct storage *st, const char *mode)
{
    bool empty = false;
    st->indexes_deferred = false;
    if (!mode || strcmp(mode, "file") != 0)
        return 0;
    int rc = flows_empty(st->db, &empty);
    if (rc == SQLITE_OK && empty)
        rc = each_index(st->db, false);
    if (rc != SQLITE_OK)
        return st_sqlite_error(st, rc, "deferring the indexes");
    st->indexes_deferred = empty;
    return 0;
}

int indexes_build(struct storage *st)
{
    if (!st->indexes_deferred)
        return 0;
    int rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = each_index(st->db, true);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        st_sqlite_error(st, rc, "building the indexes");
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    st->indexes_deferred = false;
    return 0;
}
