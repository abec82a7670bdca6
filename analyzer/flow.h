/*
 * flow.h — what the analyzer keeps per flow, and the internal interfaces between its parts:
 *   flow_table.c   flows by key, and the timeout queues
 *   tcp_track.c    per-direction sequence tracking and the anomalies it sees
 *   rst_check.c    which RST is acceptable and what a correct RST would have carried
 *   release_fsm.c  the endpoint state machine (one transition table)
 *   verdict.c      teardown class, closer, reason
 *   flow_emit.c    flow -> struct flow_record, events and anomalies for the sink
 *   gaps.c         capture-loss accounting: bytes acknowledged but never captured
 *   loss_infer.c   segments that later packets prove were sent but the capture missed
 *   rst_evidence.c what each direction's sender shows (TTL, IP ID, retransmissions,
 *                  silences), and one `rsts` row per RST segment (rst_evidence.h)
 *   rst_cause.c    why a RST was sent (the cause table)
 *   rst_origin.c   whether the host whose address a RST carries sent it (rst_spoofed)
 *   analyzer.c     packet dispatch and each flow's life
 * Only analyzer/ includes this file.
 */
#ifndef FINSCOPE_FLOW_H
#define FINSCOPE_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "analyzer/analyzer.h"
#include "analyzer/dpi.h"
#include "analyzer/zeek.h"

/* Canonical key: the two (address, port) ends in a fixed order, so both directions match.
 * A tunnelled flow's key also holds a hash of its tunnel's identity; the identity itself
 * (struct flow_tunnel) is compared only when the hashes are equal, so an untunnelled flow's key
 * stays six words with nothing more to compare. */
struct flow_key {
    uint8_t addr[2][16];
    uint16_t port[2];
    uint16_t vlan;
    uint8_t family;           /* 4 or 6 */
    uint8_t l4proto;
    uint64_t tunnel;          /* hash of flow_tunnel.id, never 0; 0: not tunnelled */
};

/* The outermost tunnel's identity as the same in both directions: its kind, the two outer
 * addresses in a fixed order, and its id where the id names the tunnel both ways (VNI, GRE
 * key, ERSPAN session; not a GTP-U TEID, which each direction picks). Zero-padded. */
struct flow_tunnel_id {
    uint8_t kind;             /* enum tunnel_kind */
    uint8_t family;           /* outer IP version */
    uint8_t pad[2];
    uint32_t id;              /* 0 when not keyed */
    uint8_t addr[2][16];      /* the lower address first */
};

/* A tunnelled flow's tunnel: what tells it apart, and what its flows.tunnel text shows (the
 * tunnel as the flow's first packet came through it: outer source > destination, the id). */
struct flow_tunnel {
    struct flow_tunnel_id id;
    struct tunnel first;
};

/* One TCP direction's sequence space, as seen from its sender (teardown-spec §2). */
struct tcp_dir {
    bool syn_seen, syn_acked, nxt_valid, ack_valid, fin_seen, fin_acked, win_valid;
    /* Capture loss, the per-packet part (the rest is struct loss_dir, touched only when these
     * say so): a FIN suspected at loss[].pending_pos (loss_infer.c); holes in use (gaps.c). */
    bool fin_suspected;
    uint8_t unseen_holes;
    bool sent_non_rst;        /* any segment without RST from this side */
    uint32_t isn;             /* SYN's sequence number, when syn_seen */
    uint32_t nxt;             /* highest seq + len sent (SYN and FIN count one) */
    uint32_t ack;             /* last acknowledgment number sent */
    uint32_t fin_seq;         /* sequence number the FIN occupies */
    uint64_t fin_pkt;         /* packet number and time of the first FIN */
    int64_t fin_ts_us;
    uint64_t win;             /* last advertised window, scaled when the scale is known */
    int8_t wscale;            /* shift from this side's SYN, -1 when absent or unseen */
    bool hole;                /* a gap in what this side sent: [hole_lo, hole_hi) unseen */
    uint32_t hole_lo, hole_hi;
    uint8_t sack_count;       /* SACK blocks in this side's last ACK (edges a RST may use) */
    uint32_t sack[DISSECT_MAX_SACK][2];
    uint32_t last_seq, last_ack, last_len; /* this side's last segment (for RST replies) */
    uint8_t last_flags;
    bool any_seg;
    uint32_t retrans, ooo, zero_win, rsts, fins;
};

/* What capture loss left per direction (gaps.c, loss_infer.c; teardown.md "Capture loss"). */
#define LOSS_MAX_HOLES 4
struct loss_dir {
    bool sent_after_fin;      /* payload, FIN or RST from this side after its first FIN */
    bool peer_spoke_late;     /* the peer sent a segment more than an RTT after this side's
                                 FIN without acknowledging it */
    bool fin_cut;             /* its FIN came within max(1 s, 3 RTT) of the end of input */
    bool syn_inferred;        /* its SYN (+ACK) was inferred: window scale unknown */
    bool pending_own;         /* the suspected FIN (tcp_dir.fin_suspected) was seen from this
                                 side's own next segment, not from the peer's ack */
    uint32_t pending_pos;
    int64_t pending_ts_us;
    uint64_t pending_pkt;
    /* Unseen ranges below nxt, not yet acknowledged: [lo, hi), counted once acknowledged;
     * tcp_dir.unseen_holes of them are in use. */
    uint32_t holes[LOSS_MAX_HOLES][2];
    uint8_t holes_counted;    /* bit i: hole i is already counted as a gap (partly acked) */
    uint32_t gaps;            /* ranges acknowledged but never captured */
    uint64_t gap_bytes;       /* bytes in them */
    uint32_t ack_base;        /* the peer's first acknowledgment (acked bytes count from it) */
};

/* Timeout queues: every live flow sits in exactly one, ordered by touch_us (oldest first). */
enum flow_queue {
    Q_SHORT = 0,              /* unanswered SYN, or after a FIN: idle_short_us */
    Q_ESTABLISHED,            /* idle_established_us */
    Q_RESET,                  /* after an acceptable RST: idle_rst_us */
    Q_OTHER,                  /* UDP, ICMP, other protocols: idle_other_us */
    Q_CLOSED,                 /* both endpoints closed: close_grace_us, then emitted */
    Q_LINGER,                 /* emitted, kept linger_us to catch late RSTs */
    Q_COUNT
};

struct flow;
struct flow_links { struct flow *prev, *next; };

/* A RST whose sequence number was in the window but not exact: acceptable to an RFC 9293
 * receiver, refused by an RFC 5961 one. Decided when the receiver shows whether it lived on. */
struct pending_rst {
    bool active;
    uint8_t dir;
    int64_t ts_us;
    uint64_t packet;
    uint16_t anomaly;         /* index of its rst_seq_inexact row */
    uint32_t seq, ack, len;
    uint8_t flags;
};

/* What the RST rules keep about one direction's sender, updated for every segment without
 * allocation: 16 bytes, so that both directions take half a cache line beside the sequence
 * state (docs/teardown.md, "Why each RST was sent"). */
struct rst_dir_evidence {
    uint32_t last_seen;       /* the flow's packet count at its last segment; 0 before one */
    uint32_t last_us;         /* low 32 bits of its last segment's time in µs (rst_last_ts_us) */
    uint16_t id_last;         /* IPv4 ID of its last non-RST packet with a nonzero ID; 0 none */
    uint8_t ttl_lo, ttl_hi;   /* TTL (hop limit) range over its non-RST packets */
    uint8_t id_up, id_back, id_odd;  /* steps between those IDs: forward / back within
                                        RST_ID_NEAR, anything else (saturating counts) */
    uint8_t rexmit_run;       /* data re-sent in a row with nothing new from the peer */
};

/* What the RST rules keep per flow and touch only for RSTs, silences and flagged segments. */
struct rst_flow_evidence {
    struct rst_record *rows;  /* one per RST segment, kept until emission */
    uint16_t nrows, cap;
    int16_t ending;           /* row of the RST that ended the flow; -1 none */
    int16_t open_rst[2];      /* per direction: its latest RST row, watched for what the
                                 direction sends after it; -1 none */
    int8_t quiet_dir;         /* sender of the segment that broke the latest silence of at
                                 least idle_gap; -1 none */
    uint8_t flagged_why[2];   /* per direction: RST_FLAGGED_* of its last flagged segment */
    uint32_t quiet_end_seen;  /* the flow's packet count at that segment */
    uint64_t quiet_end_pkt;
    int64_t quiet_us;         /* the silence it broke */
    int64_t flagged_ts_us[2]; /* per direction: its last segment with invalid flags or data
                                 beyond the window; 0 none */
    uint32_t flagged_seen[2]; /* ... and the flow's packet count then */
};

struct flow {
    struct flow_key key;
    struct flow_tunnel *tunnel;   /* NULL when not tunnelled (key.tunnel 0) */
    uint8_t orig_side;        /* which key end (0/1) is the originator */
    uint8_t queue;            /* enum flow_queue */
    bool emitted;             /* handed to the sink; lingering */
    bool midstream;
    bool direction_inferred;
    struct flow_links link;   /* in its queue */
    int64_t touch_us;         /* queue order: last packet, or emission time when lingering */
    int64_t first_ts_us, last_ts_us;
    int64_t flow_id;          /* the sink's id, once emitted */
    uint64_t pkts[2], bytes[2], ip_bytes[2];
    /* TCP */
    struct tcp_dir dir[2];    /* [DIR_ORIG], [DIR_RESP] */
    struct rst_dir_evidence rst_dir[2];  /* the RST rules' per-direction evidence */
    uint8_t state[2];         /* enum tcp_state per endpoint */
    bool fin_acked_pending[2];/* FIN acked while crossing the peer's FIN (teardown.md) */
    bool synack_seen, handshake_done;
    /* Handshake timing at the capture point: the latest SYN before the first SYN+ACK, the
     * latest SYN+ACK before the originator's first ACK of it; rtt_us[] the two legs
     * (teardown.md "RTT"), -1 until measured. */
    int64_t syn_ts_us, synack_ts_us;
    int64_t rtt_us[2];
    int8_t first_rst_dir;     /* first acceptable RST's sender, -1 none */
    int8_t first_close_dir;   /* first FIN or acceptable RST's sender, -1 none */
    bool rst_before_graceful; /* an acceptable RST before both FINs were acknowledged */
    bool resp_rst_before_synack;
    bool fins_crossed;
    uint32_t rst_count, challenge_rounds;
    int64_t close_start_us, close_end_us;
    struct pending_rst pending;
    int16_t multiple_rst_an, challenge_loop_an;  /* anomaly row indexes, -1 none */
    int16_t data_after_fin_an[2], data_after_rst_an[2], unseen_ack_an[2];
    /* records kept until emission */
    struct teardown_event *events;
    uint16_t nevents, events_cap;
    uint32_t events_dropped;
    struct anomaly_record *anomalies;
    uint16_t nanomalies, anomalies_cap;
    uint32_t anomalies_dropped;
    struct zeek_conn zeek;
    /* Allocated by the first packet when DPI is on (NULL with --no-dpi: 192 bytes a flow
     * saved), freed at emission with the other records. */
    struct dpi_label *dpi;
    struct loss_dir loss[2];  /* [DIR_ORIG], [DIR_RESP] */
    struct rst_flow_evidence rst;
};

/* ---- flow_table.c ---------------------------------------------------------------------- */
struct flow_table;
struct flow_table *flow_table_new(void);
void flow_table_free(struct flow_table *t);
/* Builds the canonical key of a packet; *side = which key end the packet's source is. For a
 * tunnelled packet also *tun, which the two calls below then need (untouched otherwise). */
void flow_key_of(const struct packet *p, struct flow_key *k, struct flow_tunnel *tun,
                 uint8_t *side);
struct flow *flow_table_find(struct flow_table *t, const struct flow_key *k,
                             const struct flow_tunnel *tun);
/* Inserts a zeroed flow for k (with a copy of *tun when k->tunnel is set); NULL when out of
 * memory. */
struct flow *flow_table_add(struct flow_table *t, const struct flow_key *k,
                            const struct flow_tunnel *tun);
/* Removes and frees the flow (and its records and DPI state). */
void flow_table_remove(struct flow_table *t, struct flow *f);
size_t flow_table_count(const struct flow_table *t);
/* Queues: move f to the tail of q with the given touch time; head of q (oldest) or NULL. */
void flow_queue_put(struct flow_table *t, struct flow *f, enum flow_queue q, int64_t touch_us);
struct flow *flow_queue_head(const struct flow_table *t, enum flow_queue q);
size_t flow_queue_len(const struct flow_table *t, enum flow_queue q);

/* ---- flow records (flow_emit.c) -------------------------------------------------------- */
struct segment;
/* Appends a teardown event for this segment (states after it); counts it when over max. */
void flow_add_event(struct flow *f, size_t max, const struct segment *s);
/* Appends an anomaly row for this segment and returns it, or NULL over the per-flow cap.
 * expected/observed/detail are printf formats' results, "" for none. */
struct anomaly_record *flow_add_anomaly(struct flow *f, const struct segment *s,
                                        enum anomaly_kind kind);
void flow_fill_record(const struct flow *f, const char *ended_by, struct flow_record *r);

/* ---- segment context shared by the TCP parts ------------------------------------------- */
struct segment {
    const struct packet *p;
    uint64_t pkt_no;
    uint8_t dir;              /* sender's direction */
    uint8_t flags;
    uint32_t seq, ack, len;   /* len: payload length */
    int64_t ts_us;
    bool fin_before;          /* sender had sent a FIN before this segment */
    bool new_fin;             /* this segment carries the sender's first FIN */
    bool acks_syn;            /* first acknowledgment of the peer's SYN */
    bool acks_fin;            /* first acknowledgment of the peer's FIN */
    bool inferred;            /* not captured: proven by later packets (loss_infer.c) */
    uint32_t peer_ack_before; /* receiver's last ack before this segment (valid if any) */
    uint8_t changed;          /* bit per endpoint whose state this segment changed */
    bool anomaly;             /* this segment raised an anomaly: record it as an event */
    bool transition;          /* ... or changed an endpoint's state */
    uint8_t rst_verdict;      /* enum rst_verdict, set by the RST rules for a RST */
    bool rst_ack_credible;    /* rst_check: a RST with ACK whose ack is in range, or beyond
                               * by no more than loss may hide */
    struct zeek_seg_notes notes;
};

/* tcp_track.c: sequence bookkeeping before the state machine runs. */
void tcp_track_segment(struct flow *f, struct segment *s);
/* tcp_track.c: a valid RST's credible ack counts what the capture missed (spec §10). */
void tcp_track_rst_ack(struct flow *f, struct segment *s);
/* tcp_track.c: anomalies that are only known at the end (fin_not_acked, multiple_rst). */
void tcp_track_finish(struct flow *f);

/* tcp_segment.c: one segment through the flow (tracking, RST rules, state machine). */
void tcp_segment(struct flow *f, struct segment *s, size_t max_events);
/* Makes an acceptable RST take effect (also used when a pending inexact RST is accepted). */
void tcp_accept_rst(struct flow *f, struct segment *s, size_t max_events);

/* gaps.c: per-direction accounting of what the capture missed (Zeek's capture-loss).
 * gaps_payload: a segment of `d` with payload, before d->nxt moves; gaps_ack: the peer of
 * `d` acknowledges up to `ack` (before d->nxt moves for inferred data). */
void gaps_payload(struct loss_dir *l, struct tcp_dir *d, const struct segment *s);
void gaps_ack(struct loss_dir *l, struct tcp_dir *d, const struct tcp_dir *acker, uint32_t ack);
/* Payload bytes of direction `dir` that its peer acknowledged (at most 4 GiB: one wrap). */
uint64_t gaps_acked_bytes(const struct flow *f, int dir);

/* loss_infer.c */
/* Before a captured segment is tracked: decides pending FIN inferences it settles, infers a
 * missed SYN+ACK it proves, notes a FIN it suggests. */
void loss_before_segment(struct flow *f, struct segment *s, size_t max_events);
/* When the flow is emitted at packet time now_us: settles pending FINs, infers final ACKs that
 * the capture went on long enough to prove, and (end_of_input) marks FINs cut off by the end
 * of the capture, whose last packet was at last_pkt_us. */
void loss_at_emission(struct flow *f, int64_t now_us, int64_t last_pkt_us, bool end_of_input,
                      size_t max_events);
/* Cheap test, inline on the per-packet path: can loss_before_segment do anything with s? A
 * FIN pending, a handshake not seen through, one sequence number gone by unseen, or a RST
 * without ACK from a side whose FIN is not known to be acknowledged. */
static inline bool loss_may_apply(const struct flow *f, const struct segment *s)
{
    const struct tcp_dir *own = &f->dir[s->dir], *peer = &f->dir[!s->dir];
    return own->fin_suspected || peer->fin_suspected || (!f->handshake_done && !f->midstream) ||
           ((s->flags & TCP_ACK) && peer->nxt_valid && s->ack == peer->nxt + 1) ||
           (s->len == 0 && own->nxt_valid && s->seq == own->nxt + 1) ||
           ((s->flags & (TCP_RST | TCP_ACK)) == TCP_RST && !own->fin_acked);
}
/* Sum of the known handshake legs, 0 when none was seen. */
int64_t loss_rtt_us(const struct flow *f);

/* rst_check.c */
/* RST_AFTER_END: the connection had already ended (reset, or both endpoints closed): the RST
 * answers a segment for no connection and cannot kill anything (docs/teardown.md §5). */
enum rst_verdict { RST_VALID, RST_INEXACT, RST_UNACCEPTABLE, RST_AFTER_CLOSE, RST_AFTER_END };
enum rst_verdict rst_check(struct flow *f, struct segment *s);

/* release_fsm.c */
enum fsm_event {
    EV_SEND_SYN, EV_SEND_SYNACK, EV_ACK_OF_SYN, EV_SYN_ACKED,
    EV_SEND_FIN, EV_RECV_FIN, EV_FIN_ACKED, EV_SEND_RST, EV_RECV_RST,
    EV_COUNT
};
/* Applies an event to endpoint `who` (a direction); true when its state changed. */
bool fsm_apply(struct flow *f, uint8_t who, enum fsm_event ev);
/* No connection left at this endpoint: CLOSED, TIME_WAIT, or a passive endpoint that a RST
 * sent back from SYN_RECEIVED to LISTEN (RFC 9293 §3.10.7.4). */
bool fsm_closed(enum tcp_state s);

/* ---- why each RST was sent: analyzer/rst_evidence.h ------------------------------------ */

/* verdict.c */
struct verdict { const char *teardown, *closer, *reason; };
void verdict_decide(const struct flow *f, struct verdict *v);

#endif
