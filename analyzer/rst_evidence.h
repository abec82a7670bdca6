/*
 * rst_evidence.h — why each RST was sent, and by whom: the interface between the flow's life
 * (analyzer.c) and the RST rules (rst_evidence.c, rst_cause.c, rst_origin.c; docs/teardown.md
 * "Why each RST was sent").
 *
 * Every TCP segment of a flow not yet emitted passes rst_evidence_before() (the sender's TTL,
 * IP ID and time, while the packet is at hand) and rst_evidence_after() (retransmission runs)
 * around tcp_segment(). Both are inline for the common segment (no RST, no anomaly, nothing
 * watched): a few comparisons and stores into the direction's 16 bytes of evidence, no
 * allocation; everything else goes out of line. A lingering flow's RST goes to
 * rst_evidence_judge() and rst_evidence_rare() directly.
 */
#ifndef FINSCOPE_RST_EVIDENCE_H
#define FINSCOPE_RST_EVIDENCE_H

#include "analyzer/flow.h"
#include "analyzer/seq.h"

/* What the RST rules need from before a segment is processed (a RST is judged in that state). */
struct rst_before {
    bool is_rst;
    bool rare;                /* a RST, a silence broken, a sender that sent a RST before */
    bool ack_new;             /* its ACK acknowledges more than its sender had */
    int64_t broke_silence_us; /* it ends a silence of at least idle_gap: its length; else 0 */
    /* a RST only (rst_cause.c) */
    uint16_t nanomalies;      /* anomaly rows before it */
    int8_t first_rst_dir;     /* as in struct flow, before it */
    uint8_t cause;            /* enum rst_cause */
    bool fallback;            /* cause abort/unknown: `injected` once its origin is other */
    bool id_applies;          /* a live socket sent it, if its host did: its IP ID counts */
    bool no_reference;        /* nothing to judge its sequence number against */
    int64_t silence_us;       /* idle_timeout: the silence; else -1 */
    char words[128];          /* the cause's evidence */
};

/* The RST's IP ID lies within RST_ID_NEAR (plus one per millisecond since the host's previous
 * segment) of the host's last ID: a step of its own counter. */
#define RST_ID_NEAR 1024

/* Sets up a flow's RST evidence (flow_start). */
void rst_evidence_init(struct flow *f);
/* At emission: each RST's origin (raising rst_spoofed), and the RST that ended the flow. */
void rst_evidence_finish(struct flow *f);
/* The rst_cause / rst_origin of a flow record. */
void rst_evidence_fill(const struct flow *f, struct flow_record *r);
/* Frees the rows (after emission, or a late RST's row once the sink has it). */
void rst_evidence_free(struct flow *f);

/* Out of line, before tcp_segment(): a RST's state as it arrived, and its cause (b->is_rst
 * set; the rest of b as rst_evidence_before() leaves it, or zero for a lingering flow). */
void rst_evidence_judge(const struct flow *f, const struct segment *s, struct rst_before *b);
/* rst_cause.c: the cause table, first match wins, from the state before the RST. */
void rst_cause_decide(const struct flow *f, const struct segment *s, struct rst_before *b);
/* rst_origin.c: the origin of a row (its RST's sender), from that host's other packets and
 * what it sent after the RST; appends the origin's evidence to the row's; raises rst_spoofed
 * when the origin is other. */
void rst_origin_decide(struct flow *f, uint16_t row);
/* The round trip the rules wait: the handshake's two legs when measured, else 1 s. */
int64_t rst_rtt_us(const struct flow *f);
/* Out of line: a RST, a silence, an anomaly, a direction that sent a RST before; the RST of a
 * flow already emitted, whose origin it decides at once (raising rst_spoofed in
 * f->anomalies) (rst_evidence.c). */
void rst_evidence_rare(struct flow *f, const struct segment *s, const struct rst_before *b);

static inline void rst_saturating_bump(uint8_t *n)
{
    if (*n < UINT8_MAX)
        (*n)++;
}

/* A step between two nonzero IPv4 IDs of one sender. */
static inline void rst_id_step(struct rst_dir_evidence *e, uint16_t id)
{
    int step = (int16_t)(uint16_t)(id - e->id_last);
    if (step >= 1 && step <= RST_ID_NEAR)
        rst_saturating_bump(&e->id_up);
    else if (step < 0 && step >= -RST_ID_NEAR)
        rst_saturating_bump(&e->id_back);
    else
        rst_saturating_bump(&e->id_odd);
}

/* A non-RST segment's sender as the packet shows it: TTL range, IPv4 ID steps (ID 0 carries
 * no sequence: Linux sends it on socketless segments and SYN+ACKs; IPv6 packets have ip_id 0),
 * when it spoke (`seen`: the flow's packet count with this segment). */
static inline void rst_note_sender(struct rst_dir_evidence *e, const struct segment *s,
                                   uint64_t seen)
{
    uint8_t ttl = s->p->ttl;
    if (ttl < e->ttl_lo)
        e->ttl_lo = ttl;
    if (ttl > e->ttl_hi)
        e->ttl_hi = ttl;
    uint16_t id = s->p->ip_id;
    if (id) {
        if (e->id_last)
            rst_id_step(e, id);
        e->id_last = id;
    }
    e->last_seen = seen < UINT32_MAX ? (uint32_t)seen : UINT32_MAX;
    e->last_us = (uint32_t)s->ts_us;
}

/* Before tcp_segment(), and before the segment is counted into the flow (f->last_ts_us is
 * still the previous packet's time; 0 before the first). A non-RST segment's sender evidence
 * is taken in here, where the packet is at hand. */
static inline void rst_evidence_before(struct flow *f, const struct segment *s,
                                       int64_t idle_gap_us, struct rst_before *b)
{
    int64_t prev = f->last_ts_us, gap = s->ts_us - prev;
    const struct tcp_dir *d = &f->dir[s->dir];
    b->is_rst = (s->flags & TCP_RST) != 0;
    b->broke_silence_us = prev && gap >= idle_gap_us ? gap : 0;
    b->rare = b->is_rst || b->broke_silence_us || d->rsts;
    /* read only while the peer re-sends in a row, or once the sender has sent a RST */
    b->ack_new = false;
    if (f->rst_dir[!s->dir].rexmit_run || d->rsts)
        b->ack_new = (s->flags & TCP_ACK) && (!d->ack_valid || seq_gt(s->ack, d->ack));
    if (b->is_rst)
        rst_evidence_judge(f, s, b);
    else
        rst_note_sender(&f->rst_dir[s->dir], s, f->pkts[0] + f->pkts[1] + 1);
}

/* After tcp_segment(), a non-RST segment: data re-sent in a row (anything new from the peer
 * ends the peer's run). */
static inline void rst_note_runs(struct flow *f, const struct segment *s,
                                 const struct rst_before *b)
{
    struct rst_dir_evidence *e = &f->rst_dir[s->dir], *peer = &f->rst_dir[!s->dir];
    bool rexmit = s->notes.retransmission, new_data = s->len > 0 && !rexmit;
    if (rexmit)
        rst_saturating_bump(&e->rexmit_run);
    else if (new_data)
        e->rexmit_run = 0;
    if (peer->rexmit_run && (new_data || b->ack_new || s->new_fin))
        peer->rexmit_run = 0;
}

/* Payload beyond the receiver's window (when the window scale is known). */
static inline bool rst_beyond_window(const struct flow *f, const struct segment *s)
{
    const struct tcp_dir *rcv = &f->dir[!s->dir];
    return s->len > 0 && f->dir[0].syn_seen && f->dir[1].syn_seen && rcv->ack_valid &&
           rcv->win_valid && seq_gt(s->seq + s->len, rcv->ack + (uint32_t)rcv->win);
}

/* After tcp_segment(), for a flow not yet emitted (a lingering flow's RST goes to
 * rst_evidence_rare() directly): a RST gets its row; the rest of the evidence. */
static inline void rst_evidence_after(struct flow *f, const struct segment *s,
                                      const struct rst_before *b)
{
    if (b->rare || s->anomaly || rst_beyond_window(f, s))
        rst_evidence_rare(f, s, b);
    else
        rst_note_runs(f, s, b);
}

#endif
