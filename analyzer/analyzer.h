/*
 * analyzer.h — the analyzer's contract: decoded packets in, flow records out through a sink.
 *
 * The analyzer owns all state: the bidirectional flow table, each TCP direction's sequence
 * tracking, each endpoint's inferred RFC 9293 release state, the verdict (teardown class),
 * anomalies and Zeek-compatible conn_state/history, and nDPI labels. It does no I/O: it never
 * prints and knows no SQL. Every finished flow leaves through sink->flow(), together with its
 * teardown events, anomalies and RST segments (each with why it was sent and by whom); what
 * a flow already emitted still receives leaves through sink->late(). Run bookkeeping
 * (run_begin, checkpoint, run_end) is called by the code that drives the analyzer (cli/),
 * through the same sink.
 *
 * Time is packet time (struct packet.ts_us): timeouts are decided by the timestamps in the
 * capture, so analyzing a file gives the same results however fast it is read.
 *
 * The rules implemented here are written down in docs/teardown.md.
 */
#ifndef FINSCOPE_ANALYZER_H
#define FINSCOPE_ANALYZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissect/dissect.h"

/* ---- vocabulary (strings are the ones stored in the database; docs/teardown.md) ---------- */

/* An endpoint's state as a passive observer infers it (RFC 9293 §3.3.2). */
enum tcp_state {
    ST_CLOSED = 0, ST_LISTEN, ST_SYN_SENT, ST_SYN_RECEIVED, ST_ESTABLISHED,
    ST_FIN_WAIT_1, ST_FIN_WAIT_2, ST_CLOSING, ST_TIME_WAIT, ST_CLOSE_WAIT, ST_LAST_ACK,
    ST_COUNT
};
const char *tcp_state_name(enum tcp_state s);      /* "FIN_WAIT_1", ... */

enum anomaly_kind {
    AN_RST_SEQ_OUT_OF_WINDOW = 0, AN_RST_SEQ_INEXACT, AN_RST_ACK_MISMATCH, AN_RST_WITH_DATA,
    AN_RST_AFTER_CLOSE, AN_DATA_AFTER_FIN, AN_DATA_AFTER_RST, AN_FIN_NOT_ACKED,
    AN_FIN_RETRANSMITTED, AN_MULTIPLE_RST, AN_RST_CHALLENGE_LOOP, AN_INVALID_FLAGS,
    AN_ACK_OF_UNSEEN_DATA, AN_RST_SPOOFED,
    AN_KIND_COUNT
};
const char *anomaly_kind_name(enum anomaly_kind k); /* "rst_seq_inexact", ... */

enum direction { DIR_ORIG = 0, DIR_RESP = 1 };
const char *direction_name(enum direction d);        /* "orig" / "resp" */

/* Why a RST was sent (teardown-spec §9; docs/teardown.md "Why each RST was sent"). */
enum rst_cause {
    RC_REFUSED = 0, RC_AFTER_CLOSE, RC_IDLE_TIMEOUT, RC_NO_CONNECTION, RC_INVALID_SEGMENT,
    RC_TIMEOUT, RC_INJECTED, RC_ABORT, RC_UNKNOWN,
    RC_COUNT
};
const char *rst_cause_name(enum rst_cause c);        /* "refused", "idle_timeout", ... */

/* Whether the host whose address a RST carries sent it. */
enum rst_origin { RO_ENDPOINT = 0, RO_OTHER, RO_UNKNOWN, RO_COUNT };
const char *rst_origin_name(enum rst_origin o);      /* "endpoint", "other", "unknown" */

/* A RST's sequence number against its receiver's state (teardown-spec §5); RA_NONE when it
 * was not judged (no connection left, or nothing to compare it with). */
enum rst_acceptable { RA_EXACT = 0, RA_IN_WINDOW, RA_OUT_OF_WINDOW, RA_NONE, RA_COUNT };
const char *rst_acceptable_name(enum rst_acceptable a);  /* "exact", ...; NULL for RA_NONE */

/* ---- records the analyzer emits ------------------------------------------------------------ */

/* One segment that changed an endpoint's state, or carried SYN/FIN/RST, or raised an anomaly. */
struct teardown_event {
    int64_t ts_us;
    uint64_t packet;              /* packet number within the run, from 1 */
    uint8_t dir;                  /* enum direction */
    uint8_t flags;                /* TCP_* bits */
    uint32_t seq, ack, len;       /* absolute seq/ack; len = payload length */
    uint8_t orig_state, resp_state;  /* enum tcp_state, after this segment */
    bool inferred;                /* not captured: later packets prove it was sent (packet =
                                     the packet that proved it, or the FIN it acknowledges) */
};

struct anomaly_record {
    int64_t ts_us;
    uint64_t packet;
    uint8_t dir;                  /* direction of the segment that raised it */
    uint8_t kind;                 /* enum anomaly_kind */
    bool challenge_ack;           /* rst_seq_inexact: a challenge ACK followed (RFC 5961) */
    char expected[48];            /* e.g. "seq=1001" or "seq in [1001,66536)"; "" if none */
    char observed[48];
    char detail[128];
};

/* One RST segment: what it carried, why it was sent and by whom (the `rsts` table). */
struct rst_record {
    int64_t ts_us;
    uint64_t packet;
    uint8_t dir;                  /* direction of the RST */
    uint8_t flags;                /* TCP_* bits (has_ack = flags & TCP_ACK) */
    uint8_t ttl;                  /* IPv4 TTL or IPv6 hop limit */
    uint8_t acceptable;           /* enum rst_acceptable */
    uint8_t cause;                /* enum rst_cause */
    uint8_t origin;               /* enum rst_origin */
    int32_t ip_id;                /* IPv4 identification; -1 for IPv6 */
    uint32_t seq, ack, len;
    int64_t silence_us;           /* idle_timeout: the silence its answered segment broke;
                                     -1 otherwise */
    char evidence[272];           /* the cause's and the origin's evidence, in words */
};

/* Its `const char *` fields point to static names (valid for the program's life), so a copy
 * of the struct is a complete copy. */
struct flow_record {
    uint8_t l4proto;
    char proto[8];                /* "tcp", "udp", "icmp", "icmp6", or the number as text */
    struct ip_addr orig_addr, resp_addr;
    uint16_t orig_port, resp_port, vlan;
    char tunnel[DISSECT_TUNNEL_STRLEN];  /* dissect_tunnel_str() of the outermost tunnel of
                                            the flow's first packet; "" when not tunnelled */
    int64_t first_ts_us, last_ts_us;
    uint64_t pkts[2], bytes[2];   /* per direction: packets, L4 payload bytes (by IP length) */
    uint64_t ip_bytes[2];         /* per direction: IP bytes */
    bool midstream;               /* TCP: no SYN seen; direction inferred */
    const char *ended_by;         /* "close", "idle", "end_of_input", "port_reuse", "evicted" */
    /* TCP teardown (NULL strings for other protocols) */
    const char *teardown, *closer, *orig_state, *resp_state, *reason;
    int64_t close_start_ts_us;    /* first FIN or acceptable RST, 0 if none */
    int64_t close_end_ts_us;      /* both endpoints closed (or reset), 0 if never */
    uint32_t retrans[2], out_of_order[2], zero_windows[2], rsts[2], fins[2];
    int wscale[2];                /* shift from each side's SYN, -1 when unknown */
    int64_t rtt_us[2];            /* handshake legs seen from the capture point: [DIR_ORIG]
                                     SYN+ACK -> originator's ACK, [DIR_RESP] SYN -> SYN+ACK;
                                     -1 when not seen */
    uint32_t gaps;                /* capture loss: ranges acknowledged but never captured */
    uint64_t gap_bytes;           /* bytes in them (Zeek's missed_bytes) */
    uint64_t acked_bytes;         /* payload bytes acknowledged (gap_bytes / this = loss) */
    const char *rst_cause, *rst_origin;  /* of the RST that ended the flow; NULL when none */
    uint32_t events_dropped;      /* teardown events beyond the per-flow limit */
    /* Zeek compatibility */
    const char *conn_state;
    char history[48];
    /* nDPI; app_proto "Unknown" when nDPI could not tell, NULL when DPI was off */
    char app_proto[48], app_category[32], server_name[96];
    bool dpi_done;
};

/* ---- the sink: where records go (storage/ implements it) ----------------------------------- */

/* What a segment seen after its flow was emitted adds to that flow. Any part may be absent. */
struct late_rows {
    const struct teardown_event *ev;      /* NULL: no event */
    const struct anomaly_record *an;      /* nan rows */
    size_t nan;
    const struct rst_record *rst;         /* NULL: not a RST */
};

struct run_info {
    const char *source;           /* file path(s) or interface */
    const char *mode;             /* "file" or "live" */
    int64_t started_us;           /* wall clock */
    const char *options;          /* command line options as given, for the record */
    bool dpi;                     /* nDPI labelling on */
    const char *sensor;           /* --sensor: which machine captured (default its host name) */
};

struct run_totals {
    uint64_t packets, bytes;      /* records read, and their wire lengths */
    uint64_t decode_errors[DISSECT_REASON_COUNT];  /* index DISSECT_OK unused */
    uint64_t flows, flows_evicted;
    uint64_t kernel_drops, iface_drops;            /* live capture only */
    int64_t first_pkt_us, last_pkt_us;
    int64_t finished_us;          /* wall clock; 0 while running */
    bool complete;                /* input read to its end (or live capture stopped cleanly) */
    const char *error;            /* why the run stopped early, NULL if it did not */
};

struct sink {
    void *ctx;
    int (*run_begin)(void *ctx, const struct run_info *info);
    /* A finished flow with its events, anomalies and RSTs; sets *flow_id to the stored
     * flow's id. */
    int (*flow)(void *ctx, const struct flow_record *f,
                const struct teardown_event *ev, size_t nev,
                const struct anomaly_record *an, size_t nan,
                const struct rst_record *rst, size_t nrst, int64_t *flow_id);
    /* Rows of a segment seen after its flow was emitted (it lingers): a late RST (its rsts
     * row), the anomalies it raised and its teardown event. */
    int (*late)(void *ctx, int64_t flow_id, const struct late_rows *rows);
    /* The flow with this id will get no more late rows (its lingering ended, or it was
     * emitted without lingering). Optional: NULL when the sink has nothing to forget. */
    void (*forget)(void *ctx, int64_t flow_id);
    /* Make everything so far durable and visible to readers; update the run's counters. */
    int (*checkpoint)(void *ctx, const struct run_totals *t);
    int (*run_end)(void *ctx, const struct run_totals *t);
};
/* Every sink function returns 0 on success and -1 on failure; the analyzer stops and returns -1. */

/* ---- the analyzer -------------------------------------------------------------------------- */

struct analyzer_config {
    int64_t idle_established_us;  /* 300 s: idle timeout once established (and mid-stream) */
    int64_t idle_short_us;        /* 30 s: unanswered SYN, or after a FIN */
    int64_t idle_rst_us;          /* 10 s: after an acceptable RST */
    int64_t idle_other_us;        /* 60 s: UDP, ICMP and other protocols */
    int64_t close_grace_us;       /* 1 s: both closed -> emitted this long after */
    int64_t linger_us;            /* 60 s: emitted flows kept to catch late RSTs */
    int64_t idle_gap_us;          /* 30 s: a silence at least this long, then a RST answering
                                     the segment that broke it: idle_timeout */
    size_t max_flows;             /* live flows before the longest idle is evicted */
    size_t max_events;            /* teardown events kept per flow (more are counted) */
    bool dpi;                     /* label flows with nDPI */
};
void analyzer_config_default(struct analyzer_config *c);

struct analyzer_stats {
    uint64_t packets;             /* packets given to analyzer_packet */
    uint64_t flows_active, flows_emitted, flows_evicted, flows_lingering;
};

struct analyzer;

/* NULL when out of memory or when nDPI cannot be initialised (dpi on). */
struct analyzer *analyzer_new(const struct analyzer_config *c, const struct sink *s);
/* One decoded packet, numbered from 1 within the run, in capture order. The analyzer's clock
 * is the latest packet time seen: a packet earlier than that is timed as if at the clock
 * (timeouts never run back), while its own time is what is recorded of it. */
int analyzer_packet(struct analyzer *a, const struct packet *p, uint64_t packet_no);
/* Emits flows whose timeouts have passed at `now_us` (live capture calls this on a timer). */
int analyzer_advance(struct analyzer *a, int64_t now_us);
/* Another analyzer of the same run (one per worker thread, cli/workers.h, each given the
 * packets of some of the flows) was given a packet at `ts_us`: this one's clock and latest
 * packet time move as if it had seen it, and flows whose timeouts passed are emitted. Told of
 * every packet of the run that it is not given, in order, an analyzer decides every timeout,
 * emission and end-of-input test of its own flows exactly as one analyzer of all packets. */
int analyzer_observe(struct analyzer *a, int64_t ts_us);
/* End of input: every flow still alive is emitted with the verdict it has. */
int analyzer_finish(struct analyzer *a);
/* Forgets every flow (none is emitted), the clock and the counters: the analyzer is as if just
 * created, with the same configuration, sink and nDPI detection module (which is costly to
 * set up; it keeps its protocol tables and the few caches of hosts it has classified). For
 * running many inputs through one analyzer (fuzz/). -1 when out of memory. */
int analyzer_reset(struct analyzer *a);
void analyzer_get_stats(const struct analyzer *a, struct analyzer_stats *st);
void analyzer_free(struct analyzer *a);

/* "nDPI 4.2.0" or similar, for --version and the run row. */
const char *analyzer_dpi_version(void);

#endif
