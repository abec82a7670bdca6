/*
 * schema.c — the database schema, version by version, and how a file is brought up to date.
 *
 * `migrations[i]` holds the SQL that takes a file from version i to version i + 1 (version 0 is
 * an empty file). A new schema version appends one entry; files written by older finscopes are
 * then migrated step by step when opened for writing. docs/schema.md describes the result.
 * The SQL is SQLite's; a PostgreSQL database gets the same steps with its types (dialect.c).
 */
#include "storage/internal.h"

static const char *const schema_v1[] = {
    "CREATE TABLE runs ("
    " id INTEGER PRIMARY KEY,"
    " source TEXT, mode TEXT, started REAL, finished REAL,"
    " complete INTEGER NOT NULL DEFAULT 0,"
    " version TEXT, ndpi_version TEXT, dpi INTEGER, options TEXT,"
    " packets INTEGER NOT NULL DEFAULT 0, bytes INTEGER NOT NULL DEFAULT 0,"
    " flows INTEGER NOT NULL DEFAULT 0, flows_evicted INTEGER NOT NULL DEFAULT 0,"
    " kernel_drops INTEGER NOT NULL DEFAULT 0, iface_drops INTEGER NOT NULL DEFAULT 0,"
    " first_packet REAL, last_packet REAL, error TEXT)",

    "CREATE TABLE decode_errors ("
    " run_id INTEGER NOT NULL REFERENCES runs(id),"
    " reason TEXT NOT NULL, count INTEGER NOT NULL,"
    " PRIMARY KEY (run_id, reason))",

    "CREATE TABLE flows ("
    " id INTEGER PRIMARY KEY,"
    " run_id INTEGER NOT NULL REFERENCES runs(id),"
    " proto TEXT, orig_addr TEXT, orig_port INTEGER, resp_addr TEXT, resp_port INTEGER,"
    " vlan INTEGER, first_ts REAL, last_ts REAL, duration REAL,"
    " orig_pkts INTEGER, resp_pkts INTEGER, orig_bytes INTEGER, resp_bytes INTEGER,"
    " orig_ip_bytes INTEGER, resp_ip_bytes INTEGER, midstream INTEGER, ended_by TEXT,"
    " teardown TEXT, closer TEXT, orig_state TEXT, resp_state TEXT, reason TEXT,"
    " close_start REAL, close_end REAL, close_duration REAL,"
    " orig_retrans INTEGER, resp_retrans INTEGER, orig_ooo INTEGER, resp_ooo INTEGER,"
    " orig_zero_win INTEGER, resp_zero_win INTEGER, orig_rsts INTEGER, resp_rsts INTEGER,"
    " orig_fins INTEGER, resp_fins INTEGER, orig_wscale INTEGER, resp_wscale INTEGER,"
    " anomalies INTEGER NOT NULL DEFAULT 0, events_dropped INTEGER,"
    " conn_state TEXT, history TEXT, app_proto TEXT, app_category TEXT, server_name TEXT)",

    "CREATE TABLE anomalies ("
    " id INTEGER PRIMARY KEY,"
    " run_id INTEGER NOT NULL REFERENCES runs(id),"
    " flow_id INTEGER NOT NULL REFERENCES flows(id),"
    " ts REAL, packet INTEGER, direction TEXT, kind TEXT NOT NULL,"
    " expected TEXT, observed TEXT, detail TEXT, challenge_ack INTEGER NOT NULL DEFAULT 0)",

    "CREATE TABLE teardown_events ("
    " id INTEGER PRIMARY KEY,"
    " flow_id INTEGER NOT NULL REFERENCES flows(id),"
    " ts REAL, packet INTEGER, direction TEXT, flags TEXT,"
    " seq INTEGER, ack INTEGER, len INTEGER, orig_state TEXT, resp_state TEXT)",

    "CREATE INDEX flows_run ON flows(run_id)",
    "CREATE INDEX flows_teardown ON flows(teardown)",
    "CREATE INDEX flows_resp_addr ON flows(resp_addr)",
    "CREATE INDEX flows_orig_addr ON flows(orig_addr)",
    "CREATE INDEX anomalies_flow ON anomalies(flow_id)",
    "CREATE INDEX anomalies_kind ON anomalies(kind)",
    "CREATE INDEX teardown_events_flow ON teardown_events(flow_id)",

    /* share: percent of the run's TCP flows (those with a teardown verdict). */
    "CREATE VIEW teardown_summary AS"
    " SELECT run_id, teardown, COUNT(*) AS flows,"
    "  ROUND(100.0 * COUNT(*) / SUM(COUNT(*)) OVER (PARTITION BY run_id), 2) AS share"
    " FROM flows WHERE teardown IS NOT NULL GROUP BY run_id, teardown",

    "CREATE VIEW anomaly_summary AS"
    " SELECT run_id, kind, COUNT(*) AS count, COUNT(DISTINCT flow_id) AS flows"
    " FROM anomalies GROUP BY run_id, kind",

    /* reset_ts: the resetting side's first RST after which both endpoints were CLOSED (the
     * acceptable one), else its first RST; NULL when the flow's events were not kept. */
    "CREATE VIEW resets AS"
    " SELECT f.run_id, f.id AS flow_id, f.teardown,"
    "  CASE f.teardown WHEN 'rst_originator' THEN 'originator' ELSE 'responder' END AS reset_by,"
    "  CASE f.teardown WHEN 'rst_originator' THEN f.orig_addr ELSE f.resp_addr END"
    "   AS reset_addr,"
    "  f.proto, f.orig_addr, f.orig_port, f.resp_addr, f.resp_port, f.vlan,"
    "  f.app_proto, f.server_name, f.first_ts, f.last_ts, f.duration, f.close_start,"
    "  (SELECT e.ts FROM teardown_events e"
    "    WHERE e.flow_id = f.id AND e.flags LIKE '%R%'"
    "     AND e.direction = CASE f.teardown WHEN 'rst_originator' THEN 'orig' ELSE 'resp' END"
    "    ORDER BY CASE WHEN e.orig_state = 'CLOSED' AND e.resp_state = 'CLOSED' THEN 1 ELSE 0"
    "     END DESC, e.packet, e.id"
    "    LIMIT 1) AS reset_ts,"
    "  f.closer, f.orig_state, f.resp_state, f.conn_state, f.history, f.anomalies"
    " FROM flows f WHERE f.teardown IN ('rst_originator', 'rst_responder')",
    NULL
};

/* Version 2: what a user needs to judge a verdict on a lossy, tunnelled, reset-heavy capture.
 * New columns go at the end of their table, in this order (storage/read.h lists them so). */
static const char *const schema_v2[] = {
    /* The two legs of the handshake seen from the capture point, seconds (NULL: unseen). */
    "ALTER TABLE flows ADD COLUMN rtt_orig REAL",
    "ALTER TABLE flows ADD COLUMN rtt_resp REAL",
    /* The outermost tunnel of each flow (issue 12; dissect.md), NULL for none. */
    "ALTER TABLE flows ADD COLUMN tunnel TEXT",
    /* Capture loss (teardown-spec §10): ranges acknowledged but never captured, their bytes;
     * the run's share of acknowledged bytes missed; segments inferred, not captured. */
    "ALTER TABLE flows ADD COLUMN gaps INTEGER",
    "ALTER TABLE flows ADD COLUMN gap_bytes INTEGER",
    "ALTER TABLE runs ADD COLUMN capture_loss REAL",
    "ALTER TABLE teardown_events ADD COLUMN inferred INTEGER NOT NULL DEFAULT 0",
    NULL
};

/* Version 3: RST forensics (teardown-spec §9). Files of version 2 were written by finscopes
 * that did not record RSTs one by one: their flows keep NULL causes and no rsts rows. */
static const char *const schema_v3[] = {
    /* Why the RST that ended the flow was sent, and by whom (NULL: no RST ended it). */
    "ALTER TABLE flows ADD COLUMN rst_cause TEXT",
    "ALTER TABLE flows ADD COLUMN rst_origin TEXT",
    /* Every RST segment: what it carried, how it was taken, why it was sent and by whom. */
    "CREATE TABLE rsts ("
    " id INTEGER PRIMARY KEY,"
    " run_id INTEGER NOT NULL REFERENCES runs(id),"
    " flow_id INTEGER NOT NULL REFERENCES flows(id),"
    " ts REAL, packet INTEGER, direction TEXT, seq INTEGER, ack INTEGER, has_ack INTEGER,"
    " len INTEGER, ttl INTEGER, ip_id INTEGER, acceptable TEXT, cause TEXT, origin TEXT,"
    " evidence TEXT, silence REAL)",
    "CREATE INDEX rsts_flow ON rsts(flow_id)",
    NULL
};

/* Version 4: many sensors into one database (a PostgreSQL server shared by a fleet). */
static const char *const schema_v4[] = {
    /* Which machine captured the run: --sensor, by default its host name. */
    "ALTER TABLE runs ADD COLUMN sensor TEXT",
    NULL
};

/* migrations[v] takes a database from version v to v + 1. */
static const char *const *const migrations[] = { schema_v1, schema_v2, schema_v3, schema_v4 };
_Static_assert(sizeof migrations / sizeof *migrations == STORAGE_SCHEMA_VERSION,
               "one migration per schema version");

int schema_migrate(struct storage *st, int from)
{
    if (from < 0 || from > STORAGE_SCHEMA_VERSION)
        return st_error(st, "%s: cannot migrate from schema %d", st->path, from);
    for (int v = from; v < STORAGE_SCHEMA_VERSION; v++)
        for (const char *const *sql = migrations[v]; *sql; sql++)
            if (st->drv->run_sql(st, *sql, true, "creating the schema") < 0)
                return -1;
    return st->drv->stamp(st);
}

int schema_check_identity(struct storage *st, const struct db_identity *id)
{
    bool ours = id->application_id == STORAGE_APPLICATION_ID;
    bool empty = id->application_id == 0 && id->objects == 0;
    if (!ours && !empty)
        return st_error(st, "%s is not a finscope database (%s of another program)", st->path,
                        st->drv->kind);
    if (id->user_version > STORAGE_SCHEMA_VERSION)
        return st_error(st, "%s was written by a newer finscope (schema %d); use that version "
                        "or a new %s", st->path, id->user_version,
                        st->pg ? "database" : "file");
    if (st->readonly && empty)
        return st_error(st, "%s is not a finscope database (it is empty)", st->path);
    if (st->readonly && id->user_version < STORAGE_SCHEMA_VERSION)
        return st_error(st, "%s was written by an older finscope (schema %d); open it once for "
                        "writing to upgrade it", st->path, id->user_version);
    return 0;
}
