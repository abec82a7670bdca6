/*
 * read.h — the read side of a result file: what `finscope report`, `show` and `export` need,
 * as plain C values. storage/ stays the only code that knows SQLite.
 *
 * Open the file with storage_open(path, 1, ...) (read-only: it refuses files that are missing,
 * not finscope's, or of another schema version, with a message naming the file). Every
 * function below returns 0 on success and -1 on failure, with storage_errmsg() saying why in
 * one line ("demo.db has no run 7", "demo.db has no flow 12", ...). Nothing here prints.
 *
 * Lists are delivered row by row through a callback; a callback returns 0 to go on, anything
 * else to stop (the function then returns -1 and storage_errmsg() says "stopped by the caller"
 * unless the callback's own caller knows better). Strings handed to a callback are valid only
 * during that call. Text that is NULL in the database is given as "" (storage never writes an
 * empty string, so "" always means NULL), except in struct read_flow, which keeps NULL apart.
 *
 * Reading works while finscope writes the same file: the file is in WAL mode, and a reader sees
 * whole flows as of the writer's last commit.
 */
#ifndef FINSCOPE_STORAGE_READ_H
#define FINSCOPE_STORAGE_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "storage/storage.h"

/* ---- runs (read_runs.c) ------------------------------------------------------------------- */

struct read_run {
    int64_t id;
    char source[1024];            /* truncated when longer */
    char mode[16];                /* "file" / "live" */
    char sensor[256];             /* runs.sensor: the machine that captured; "" when NULL */
    double started, finished;     /* Unix seconds; finished 0 when NULL (still running, or
                                     the run never ended) */
    bool complete;
    char version[32], ndpi_version[64];
    bool dpi;
    char options[1024];
    int64_t packets, bytes, flows, flows_evicted, kernel_drops, iface_drops;
    double first_packet, last_packet;   /* 0 when NULL (no packet) */
    char error[512];              /* "" when none */
    bool capture_loss_known;      /* runs.capture_loss is not NULL (NULL: a file older than
                                     schema 2, or a run still being written) */
    double capture_loss;          /* share of acknowledged TCP bytes not captured, 0..1 */
    int64_t runs_in_file;         /* how many runs the file holds, for "run 2 of 3" */
};

typedef int (*read_run_fn)(void *ctx, const struct read_run *r);

/* Every run of the file, oldest first. */
int read_runs(struct storage *st, read_run_fn fn, void *ctx);
/* Run `run_id`, or the newest run when run_id is 0. Errors: no such run, no run at all. */
int read_run(struct storage *st, int64_t run_id, struct read_run *out);

/* A name with counts: a teardown class, a closer, an anomaly kind, an address, ... */
struct read_count {
    const char *name;             /* never NULL; "" stands for NULL */
    const char *group;            /* second key where there is one (app mix: the class) */
    int64_t count;
    int64_t flows;                /* distinct flows, where it differs from count */
    double share;                 /* percent of the list's total count, 0..100 */
};
typedef int (*read_count_fn)(void *ctx, const struct read_count *c);

/* Packets per decode-error reason, most frequent first (name = reason). */
int read_decode_errors(struct storage *st, int64_t run_id, read_count_fn fn, void *ctx);
/* Flows per protocol (tcp, udp, ...), most frequent first. */
int read_protocols(struct storage *st, int64_t run_id, read_count_fn fn, void *ctx);

/* ---- summaries (read_summary.c) ------------------------------------------------------------ */

/* TCP flows per teardown class, most frequent first; share of the run's TCP flows. */
int read_teardown_classes(struct storage *st, int64_t run_id, read_count_fn fn, void *ctx);
/* TCP flows per closer (originator, responder, simultaneous, none). */
int read_closers(struct storage *st, int64_t run_id, read_count_fn fn, void *ctx);
/* Anomaly rows per kind: count = rows, flows = distinct flows; share of all rows. */
int read_anomaly_kinds(struct storage *st, int64_t run_id, read_count_fn fn, void *ctx);
/* Addresses that reset the most connections (the `resets` view's reset_addr): count =
 * connections reset, flows = of those, the ones where it was the responder (a server);
 * share of all reset connections. At most `limit` rows. */
int read_top_resetters(struct storage *st, int64_t run_id, int limit, read_count_fn fn,
                       void *ctx);
/* Addresses that sent the most segments raising an anomaly: count = anomaly rows, flows =
 * distinct flows; share of all anomaly rows. At most `limit` rows. */
int read_top_anomalous(struct storage *st, int64_t run_id, int limit, read_count_fn fn,
                       void *ctx);
/* TCP flows per (application, teardown class): name = app_proto ("" when DPI was off),
 * group = teardown class, count = flows, flows = all TCP flows of that application; ordered
 * by the application's flows (most first), then app, then class. */
int read_app_mix(struct storage *st, int64_t run_id, read_count_fn fn, void *ctx);
/* What capture loss left in the run (teardown.md "Capture loss"). */
struct read_loss {
    int64_t gaps, gap_bytes, flows_with_gaps;
    int64_t inferred_events, flows_with_inferred;
};
int read_capture_loss(struct storage *st, int64_t run_id, struct read_loss *out);

/* ---- flows, their events and anomalies (read_flows.c) -------------------------------------- */

/* Every column of `flows`, in table order: X(name, type). */
#define READ_FLOW_COLUMNS(X) \
    X(id, INT) X(run_id, INT) X(proto, TEXT) X(orig_addr, TEXT) X(orig_port, INT) \
    X(resp_addr, TEXT) X(resp_port, INT) X(vlan, INT) X(first_ts, REAL) X(last_ts, REAL) \
    X(duration, REAL) X(orig_pkts, INT) X(resp_pkts, INT) X(orig_bytes, INT) \
    X(resp_bytes, INT) X(orig_ip_bytes, INT) X(resp_ip_bytes, INT) X(midstream, INT) \
    X(ended_by, TEXT) X(teardown, TEXT) X(closer, TEXT) X(orig_state, TEXT) \
    X(resp_state, TEXT) X(reason, TEXT) X(close_start, REAL) X(close_end, REAL) \
    X(close_duration, REAL) X(orig_retrans, INT) X(resp_retrans, INT) X(orig_ooo, INT) \
    X(resp_ooo, INT) X(orig_zero_win, INT) X(resp_zero_win, INT) X(orig_rsts, INT) \
    X(resp_rsts, INT) X(orig_fins, INT) X(resp_fins, INT) X(orig_wscale, INT) \
    X(resp_wscale, INT) X(anomalies, INT) X(events_dropped, INT) X(conn_state, TEXT) \
    X(history, TEXT) X(app_proto, TEXT) X(app_category, TEXT) X(server_name, TEXT) \
    X(rtt_orig, REAL) X(rtt_resp, REAL) X(tunnel, TEXT) X(gaps, INT) X(gap_bytes, INT) \
    X(rst_cause, TEXT) X(rst_origin, TEXT)

#define READ_FLOW_ENUM(name, type) RF_##name,
enum read_flow_column { READ_FLOW_COLUMNS(READ_FLOW_ENUM) RF_COUNT };
#undef READ_FLOW_ENUM

enum read_type { RT_NULL = 0, RT_INT, RT_REAL, RT_TEXT };

struct read_value {
    uint8_t type;                 /* enum read_type: what the database holds (RT_NULL: NULL) */
    int64_t i;                    /* RT_INT */
    double r;                     /* RT_REAL (also set for RT_INT) */
    uint16_t off, len;            /* RT_TEXT: bytes in read_flow.text */
};

/* One flows row; self-contained (text is kept in `text`, so the struct can be copied). */
struct read_flow {
    struct read_value v[RF_COUNT];
    char text[1024];
};

const char *read_flow_column_name(enum read_flow_column c);
/* The column's declared type (RT_INT, RT_REAL or RT_TEXT). */
enum read_type read_flow_column_type(enum read_flow_column c);
/* Accessors: text is NULL for NULL; numbers are 0 for NULL; rf_null says which. */
bool rf_null(const struct read_flow *f, enum read_flow_column c);
const char *rf_text(const struct read_flow *f, enum read_flow_column c);
int64_t rf_int(const struct read_flow *f, enum read_flow_column c);
double rf_real(const struct read_flow *f, enum read_flow_column c);

struct read_event {               /* one teardown_events row */
    int64_t id, packet;
    double ts;
    char direction[8];            /* "orig" / "resp" */
    char flags[12];               /* "SA", "FA", "R", "." ... */
    int64_t seq, ack, len;
    char orig_state[16], resp_state[16];
    bool inferred;                /* not captured: inferred from later packets (teardown-spec
                                     §10, teardown_events.inferred); false in files without
                                     that column */
};

struct read_anomaly {             /* one anomalies row; "" for NULL text */
    int64_t id, flow_id, packet;
    double ts;
    char direction[8];
    char kind[32];
    char expected[64], observed[64];
    char detail[192];
    bool challenge_ack;
};

struct read_rst {                 /* one rsts row; "" for NULL text */
    int64_t id, flow_id, packet;
    double ts;
    char direction[8];
    int64_t seq, ack, len;
    bool has_ack;
    int ttl;
    int64_t ip_id;                /* -1 for NULL (IPv6) */
    char acceptable[16];          /* "exact", "in_window", "out_of_window", "" */
    char cause[20], origin[12];
    char evidence[288];
    double silence;               /* seconds; -1 for NULL */
};

typedef int (*read_event_fn)(void *ctx, const struct read_event *e);
typedef int (*read_anomaly_fn)(void *ctx, const struct read_anomaly *a);
typedef int (*read_rst_fn)(void *ctx, const struct read_rst *r);
/* A flow with its anomalies and its RSTs (packet order). */
typedef int (*read_flow_fn)(void *ctx, const struct read_flow *f,
                            const struct read_anomaly *an, size_t nan,
                            const struct read_rst *rst, size_t nrst);

/* Flow `flow_id`. Error: no such flow. */
int read_flow(struct storage *st, int64_t flow_id, struct read_flow *out);
/* The flow's teardown events in packet order (then row order). */
int read_flow_events(struct storage *st, int64_t flow_id, read_event_fn fn, void *ctx);
/* The flow's anomalies in packet order (then row order). */
int read_flow_anomalies(struct storage *st, int64_t flow_id, read_anomaly_fn fn, void *ctx);
/* The flow's RSTs in packet order (then row order). */
int read_flow_rsts(struct storage *st, int64_t flow_id, read_rst_fn fn, void *ctx);
/* Every flow of the run in id order, each with its anomalies and RSTs (packet order). */
int read_flows(struct storage *st, int64_t run_id, read_flow_fn fn, void *ctx);

/* ---- what the HTML report adds (read_page.c) ------------------------------------------------ */

/* A flow is *notable* when it carried a RST (from either side: reset, refused, backscatter) or
 * raised an anomaly: those get a ladder in the HTML report. */

/* Flows per (proto, teardown, closer, app_proto), "" for NULL. */
struct read_group {
    const char *proto, *teardown, *closer, *app;
    int64_t flows, notable, anomalous;    /* anomalous: with at least one anomaly */
};
typedef int (*read_group_fn)(void *ctx, const struct read_group *g);
/* Connections that ended in interval `bin` (0 .. bins-1), per teardown class. */
typedef int (*read_bin_fn)(void *ctx, int bin, const char *teardown, int64_t flows);
/* One pass over the run's flows: every distinct (proto, teardown, closer, app_proto) with its
 * counts, in no particular order (groups); then the TCP connections by the time of their last
 * packet in `bins` equal intervals from the run's first packet to its last, per teardown class
 * (ends; only non-zero cells). *start is the first interval's start and *width each one's
 * length, both 0 when the run has no packet. Memory grows with the number of distinct groups,
 * never with the number of flows. */
int read_breakdown(struct storage *st, int64_t run_id, int bins, read_group_fn groups,
                   read_bin_fn ends, void *ctx, double *start, double *width);

/* Responders (address and port) behind notable TCP connections (above), most first. */
struct read_server {
    const char *addr;
    int64_t port;
    const char *name;             /* a server name (TLS SNI / HTTP Host) seen; "" when none */
    int64_t resets;               /* connections with a RST (either side; refused included) */
    int64_t anomalous;            /* connections with at least one anomaly */
    int64_t notable;              /* connections with either */
};
typedef int (*read_server_fn)(void *ctx, const struct read_server *s);
int read_top_servers(struct storage *st, int64_t run_id, int limit, read_server_fn fn,
                     void *ctx);

/* How the reset connections ended: reset connections per (flows.rst_cause, flows.rst_origin)
 * of the RST that ended each (teardown-spec §9), name = cause, group = origin ("" when NULL),
 * count = flows, share of the run's reset connections; most first. (read_rst_causes counts
 * every RST segment instead.) */
int read_reset_causes(struct storage *st, int64_t run_id, read_count_fn fn, void *ctx);

/* One flow of the HTML report's table. */
struct read_page_flow {
    struct read_flow flow;        /* every column of flows */
    bool notable;
    char kinds[256];              /* its anomalies' distinct kinds, ',' between; "" none */
    /* Columns of later schema versions, "" (gaps -1) in files without them or when NULL:
     * flows.rst_cause and rst_origin (teardown-spec §9), tunnel (§11), gaps (§10). */
    char rst_cause[24], rst_origin[16], tunnel[160];
    int64_t gaps;
};
/* Which of those later columns the file has. */
struct read_page_columns {
    bool rst_cause, tunnel, gaps;
};
void read_page_columns(struct storage *st, struct read_page_columns *out);
typedef int (*read_page_flow_fn)(void *ctx, const struct read_page_flow *f);
/* At most `limit` flows of the run, the most telling first: notable flows before the others;
 * within each, flows are grouped (notable ones by teardown class or protocol and first anomaly
 * kind, the others by teardown class or protocol) and taken in turn from each group (the
 * first of every group, then the second, ...), in id order within a group, so that a bounded
 * selection shows every kind of ending and anomaly there is. */
int read_page_flows(struct storage *st, int64_t run_id, size_t limit, read_page_flow_fn fn,
                    void *ctx);

/* ---- why connections were reset (read_rsts.c) --------------------------------------------- */

/* RST segments per (cause, origin): name = cause, group = origin, count = RSTs, flows =
 * distinct flows; share of all the run's RSTs. Spoofed ones (origin other) first, then by
 * count. */
int read_rst_causes(struct storage *st, int64_t run_id, read_count_fn fn, void *ctx);

/* Who is behind each cause: the address the RSTs carried and the server of their connections. */
struct read_rst_source {
    const char *cause, *origin;
    const char *sender;           /* the address the RSTs carried (their purported sender) */
    const char *server;           /* the connections' responder, "addr:port" ("[addr]:port") */
    int64_t rsts, flows;
};
typedef int (*read_rst_source_fn)(void *ctx, const struct read_rst_source *s);
/* One row per (cause, origin, sender, server), spoofed first, then by RSTs; at most `limit`. */
int read_rst_sources(struct storage *st, int64_t run_id, int limit, read_rst_source_fn fn,
                     void *ctx);

#endif
