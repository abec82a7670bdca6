/*
 * tcp_segment.c — one TCP segment through a flow: flag checks, sequence tracking, the RST
 * rules, then the state machine's events in the order RFC 9293 §3.10.7.4 processes a segment
 * (SYN, then ACK, then FIN). Also resolves a pending inexact RST: a challenge ACK or any further
 * segment from its receiver shows the RST was refused (RFC 5961 §3.2).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "analyzer/flow.h"

#define CHALLENGE_ACK_WINDOW_US 1000000   /* teardown-spec §5: a challenge ACK within 1 s */
#define CHALLENGE_LOOP_ROUNDS 3

static void flags_str(uint8_t flags, char *buf, size_t len)
{
    static const char letters[] = "FSRPAUEC";
    size_t n = 0;
    for (int i = 0; i < 8 && n + 1 < len; i++)
        if (flags & (1u << i))
            buf[n++] = letters[i];
    if (n == 0 && len > 1)
        buf[n++] = '.';
    buf[n] = '\0';
}

/* An FSM event for one endpoint. When the same endpoint changes twice in one segment (e.g.
 * CLOSING then TIME_WAIT), the intermediate state is recorded as its own event. */
static void apply(struct flow *f, struct segment *s, size_t max_events, uint8_t who,
                  enum fsm_event ev)
{
    uint8_t before = f->state[who];
    if (!fsm_apply(f, who, ev))
        return;
    uint8_t after = f->state[who];
    if (s->changed & (1u << who)) {
        f->state[who] = before;
        flow_add_event(f, max_events, s);
        f->state[who] = after;
    }
    s->changed |= (uint8_t)(1u << who);
    s->transition = true;
}

static void mark_close(struct flow *f, const struct segment *s)
{
    if (f->close_start_us == 0)
        f->close_start_us = s->ts_us;
    if (f->first_close_dir < 0)
        f->first_close_dir = (int8_t)s->dir;
}

static void check_flags(struct flow *f, struct segment *s)
{
    uint8_t fl = s->flags;
    const char *why = NULL;
    if ((fl & TCP_SYN) && (fl & TCP_FIN))
        why = "SYN and FIN together";
    else if ((fl & TCP_SYN) && (fl & TCP_RST))
        why = "SYN and RST together";
    else if (fl == 0)
        why = "no flags at all";
    else if ((fl & TCP_FIN) && !(fl & TCP_ACK) && (f->handshake_done || f->midstream))
        why = "FIN without ACK on a synchronized connection";
    if (!why)
        return;
    struct anomaly_record *an = flow_add_anomaly(f, s, AN_INVALID_FLAGS);
    s->anomaly = true;
    if (!an)
        return;
    char fs[12];
    flags_str(fl, fs, sizeof fs);
    snprintf(an->observed, sizeof an->observed, "flags=%s", fs);
    snprintf(an->detail, sizeof an->detail, "%s (RFC 9293 3.1)", why);
}

void tcp_accept_rst(struct flow *f, struct segment *s, size_t max_events)
{
    uint8_t a = s->dir, b = (uint8_t)!s->dir;
    if (f->first_rst_dir < 0) {
        f->first_rst_dir = (int8_t)a;
        f->rst_before_graceful = !(f->dir[0].fin_acked && f->dir[1].fin_acked);
        f->resp_rst_before_synack = a == DIR_RESP && !f->synack_seen;
    }
    apply(f, s, max_events, a, EV_SEND_RST);
    apply(f, s, max_events, b, EV_RECV_RST);
    mark_close(f, s);
}

static void handle_rst(struct flow *f, struct segment *s, size_t max_events)
{
    f->dir[s->dir].rsts++;
    f->rst_count++;
    if (f->rst_count == 2 && f->multiple_rst_an < 0) {
        struct anomaly_record *an = flow_add_anomaly(f, s, AN_MULTIPLE_RST);
        if (an)
            f->multiple_rst_an = (int16_t)(an - f->anomalies);
        s->anomaly = true;
    }
    if (s->len > 0) {
        struct anomaly_record *an = flow_add_anomaly(f, s, AN_RST_WITH_DATA);
        if (an) {
            snprintf(an->expected, sizeof an->expected, "len=0");
            snprintf(an->observed, sizeof an->observed, "len=%" PRIu32, s->len);
            snprintf(an->detail, sizeof an->detail, "RST carrying data (RFC 1122 4.2.2.12 "
                     "allows diagnostic text)");
        }
        s->anomaly = true;
    }
    enum rst_verdict verdict = rst_check(f, s);
    s->rst_verdict = (uint8_t)verdict;
    switch (verdict) {
    case RST_VALID:
        tcp_track_rst_ack(f, s);
        tcp_accept_rst(f, s, max_events);
        break;
    case RST_INEXACT:
        f->pending = (struct pending_rst){
            .active = true, .dir = s->dir, .ts_us = s->ts_us, .packet = s->pkt_no,
            .anomaly = (uint16_t)(f->nanomalies - 1), .seq = s->seq, .ack = s->ack,
            .len = s->len, .flags = s->flags};
        break;
    case RST_UNACCEPTABLE:
    case RST_AFTER_CLOSE:
    case RST_AFTER_END:
        break;
    }
}

static void append_detail(struct anomaly_record *an, const char *text)
{
    size_t n = strlen(an->detail);
    snprintf(an->detail + n, sizeof an->detail - n, "; %s", text);
}

/* A segment from the receiver of a pending inexact RST: was it a challenge ACK? Either way
 * the receiver lived on, so the RST did not end the connection. */
static void resolve_pending(struct flow *f, struct segment *s)
{
    struct pending_rst *pr = &f->pending;
    if (!pr->active || s->dir == pr->dir || (s->flags & TCP_RST))
        return;
    const struct tcp_dir *b = &f->dir[s->dir];
    pr->active = false;
    if (pr->anomaly >= f->nanomalies || f->anomalies[pr->anomaly].kind != AN_RST_SEQ_INEXACT)
        return;                           /* its row was dropped by the per-flow cap */
    struct anomaly_record *an = &f->anomalies[pr->anomaly];
    bool challenge = s->flags == TCP_ACK && s->len == 0 &&
                     s->ts_us - pr->ts_us <= CHALLENGE_ACK_WINDOW_US &&
                     b->ack_valid && s->ack == b->ack && b->nxt_valid && s->seq == b->nxt;
    if (!challenge) {
        append_detail(an, "receiver kept sending: RST not accepted");
        return;
    }
    an->challenge_ack = true;
    append_detail(an, "challenge ACK seen (RFC 5961 3.2)");
    if (++f->challenge_rounds >= CHALLENGE_LOOP_ROUNDS && f->challenge_loop_an < 0) {
        /* Dated at the RST that completed the third round: its sender keeps the loop going. */
        struct anomaly_record *loop = flow_add_anomaly(f, s, AN_RST_CHALLENGE_LOOP);
        if (loop) {
            an = &f->anomalies[pr->anomaly];  /* flow_add_anomaly may have moved the rows */
            loop->ts_us = an->ts_us;
            loop->packet = an->packet;
            loop->dir = an->dir;
            f->challenge_loop_an = (int16_t)(loop - f->anomalies);
        }
    }
}

/* The two legs of the handshake as the capture point sees them (teardown.md "RTT"): the
 * responder's leg from the latest SYN to the first SYN+ACK, the originator's from the latest
 * SYN+ACK to the originator's first ACK of it. A retransmitted SYN or SYN+ACK restarts its
 * leg, so the answer is timed from the transmission it most likely answers. */
static void time_handshake(struct flow *f, const struct segment *s)
{
    uint8_t syn_ack = s->flags & (TCP_SYN | TCP_ACK);
    if (s->dir == DIR_ORIG && syn_ack == TCP_SYN && !f->synack_seen)
        f->syn_ts_us = s->ts_us;
    else if (s->dir == DIR_RESP && syn_ack == (TCP_SYN | TCP_ACK) && !f->handshake_done) {
        if (!f->synack_seen && f->dir[DIR_ORIG].syn_seen)
            f->rtt_us[DIR_RESP] = s->ts_us - f->syn_ts_us;
        f->synack_ts_us = s->ts_us;
    } else if (s->dir == DIR_ORIG && s->acks_syn && f->synack_seen &&
               !f->loss[DIR_RESP].syn_inferred)
        f->rtt_us[DIR_ORIG] = s->ts_us - f->synack_ts_us;
}

/* SYN, then ACK, then FIN: the events this segment is evidence of. */
static void segment_events(struct flow *f, struct segment *s, size_t max_events)
{
    uint8_t a = s->dir, b = (uint8_t)!s->dir;
    if (!s->inferred)
        time_handshake(f, s);
    if (s->flags & TCP_SYN) {
        apply(f, s, max_events, a, (s->flags & TCP_ACK) ? EV_SEND_SYNACK : EV_SEND_SYN);
        if ((s->flags & TCP_ACK) && a == DIR_RESP)
            f->synack_seen = true;
    }
    if (s->acks_syn) {
        apply(f, s, max_events, a, EV_ACK_OF_SYN);
        apply(f, s, max_events, b, EV_SYN_ACKED);
        if (a == DIR_ORIG)
            f->handshake_done = true;
    }
    if (s->acks_fin) {
        apply(f, s, max_events, a, EV_RECV_FIN);
        if (f->fin_acked_pending[a]) {
            f->fin_acked_pending[a] = false;
            apply(f, s, max_events, a, EV_FIN_ACKED);
        }
        /* FINs crossed: b will process a's FIN before this ACK (in order), so b's own
         * "FIN acked" waits until b shows it received a's FIN (teardown.md, simultaneous). */
        if (f->state[b] == ST_FIN_WAIT_1 && s->fin_before && !f->dir[a].fin_acked)
            f->fin_acked_pending[b] = true;
        else
            apply(f, s, max_events, b, EV_FIN_ACKED);
    }
    if (s->new_fin) {
        if (f->dir[b].fin_seen && !f->dir[b].fin_acked)
            f->fins_crossed = true;
        apply(f, s, max_events, a, EV_SEND_FIN);
        mark_close(f, s);
    }
}

void tcp_segment(struct flow *f, struct segment *s, size_t max_events)
{
    if (!s->inferred) {
        resolve_pending(f, s);
        check_flags(f, s);
        if (loss_may_apply(f, s))
            loss_before_segment(f, s, max_events);
    }
    tcp_track_segment(f, s);
    if (s->flags & TCP_RST)
        handle_rst(f, s, max_events);
    else
        segment_events(f, s, max_events);

    struct tcp_dir *d = &f->dir[s->dir];
    d->last_seq = s->seq;
    d->last_ack = s->ack;
    d->last_len = s->len;
    d->last_flags = s->flags;
    d->any_seg = true;
    if (f->close_end_us == 0 && f->first_close_dir >= 0 &&
        fsm_closed(f->state[0]) && fsm_closed(f->state[1]))
        f->close_end_us = s->ts_us;
    if ((s->flags & (TCP_SYN | TCP_FIN | TCP_RST)) || s->transition || s->anomaly)
        flow_add_event(f, max_events, s);
}
