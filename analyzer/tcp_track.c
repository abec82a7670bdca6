/*
 * tcp_track.c — one TCP direction's sequence space, as the sender's segments reveal it
 * (teardown-spec §2), and the anomalies that bookkeeping reveals: data after FIN, data after
 * RST, retransmitted FIN, ack of unseen data, and (at the end) FINs never acknowledged.
 *
 * tcp_track_segment() runs for every TCP segment before the state machine; it fills the
 * segment's acks_syn / acks_fin / new_fin so that analyzer.c can derive the FSM events.
 * All sequence comparisons are modulo 2^32 (seq.h).
 */
#include <inttypes.h>
#include <stdio.h>

#include "analyzer/flow.h"
#include "analyzer/seq.h"

/* Repeated kinds (data after FIN/RST, ack of unseen data) keep one row per direction and count
 * the rest in its detail, so a long stream of them cannot flood the table. */
static void repeat_anomaly(struct flow *f, struct segment *s, enum anomaly_kind kind,
                           int16_t *slot, const char *expected, const char *observed)
{
    s->anomaly = true;
    if (*slot >= 0) {
        struct anomaly_record *an = &f->anomalies[*slot];
        unsigned n = 1;
        sscanf(an->detail, "%u", &n);
        snprintf(an->detail, sizeof an->detail, "%u occurrences", n + 1);
        return;
    }
    struct anomaly_record *an = flow_add_anomaly(f, s, kind);
    if (!an)
        return;
    snprintf(an->expected, sizeof an->expected, "%s", expected);
    snprintf(an->observed, sizeof an->observed, "%s", observed);
    snprintf(an->detail, sizeof an->detail, "1 occurrence");
    *slot = (int16_t)(an - f->anomalies);
}

/* Payload accounting: retransmission, out-of-order arrival into a hole, or a new hole. */
static void track_payload(struct tcp_dir *d, struct segment *s)
{
    uint32_t end = s->seq + s->len;
    if (!d->nxt_valid || s->len == 0)
        return;
    if (seq_lt(s->seq, d->nxt)) {
        if (d->hole && seq_geq(s->seq, d->hole_lo) && seq_lt(s->seq, d->hole_hi)) {
            d->ooo++;
            if (s->seq == d->hole_lo)
                d->hole_lo = end;
            if (seq_geq(d->hole_lo, d->hole_hi))
                d->hole = false;
        } else {
            d->retrans++;
            s->notes.retransmission = true;
        }
    } else if (seq_gt(s->seq, d->nxt) && !d->hole) {
        d->hole = true;
        d->hole_lo = d->nxt;
        d->hole_hi = s->seq;
        s->notes.content_gap = true;
    }
}

static void track_fin(struct flow *f, struct tcp_dir *d, struct segment *s)
{
    uint32_t fin_pos = s->seq + s->len;
    if (!s->inferred)
        d->fins++;
    if (!d->fin_seen) {
        d->fin_seen = true;
        d->fin_seq = fin_pos;
        d->fin_pkt = s->pkt_no;
        d->fin_ts_us = s->ts_us;
        s->new_fin = true;
        return;
    }
    if (fin_pos == d->fin_seq) {
        struct anomaly_record *an = flow_add_anomaly(f, s, AN_FIN_RETRANSMITTED);
        s->anomaly = true;
        if (an) {
            snprintf(an->observed, sizeof an->observed, "fin_seq=%" PRIu32, fin_pos);
            snprintf(an->detail, sizeof an->detail, "FIN #%" PRIu32 " at the same position%s",
                     d->fins, d->fin_acked ? ", after it was acknowledged" : "");
        }
    }
}

/* New payload beyond the sender's FIN, or from anyone after an acceptable RST. */
static void check_late_data(struct flow *f, struct tcp_dir *d, struct segment *s)
{
    char exp[48], obs[48];
    uint32_t end = s->seq + s->len;
    if (s->len == 0)
        return;
    if (s->fin_before && seq_gt(end, d->fin_seq)) {
        snprintf(exp, sizeof exp, "seq+len<=%" PRIu32, d->fin_seq);
        snprintf(obs, sizeof obs, "seq=%" PRIu32 " len=%" PRIu32, s->seq, s->len);
        repeat_anomaly(f, s, AN_DATA_AFTER_FIN, &f->data_after_fin_an[s->dir], exp, obs);
    }
    if (f->first_rst_dir >= 0 && d->nxt_valid && seq_gt(end, d->nxt)) {
        snprintf(exp, sizeof exp, "no new data after RST (nxt=%" PRIu32 ")", d->nxt);
        snprintf(obs, sizeof obs, "seq=%" PRIu32 " len=%" PRIu32, s->seq, s->len);
        repeat_anomaly(f, s, AN_DATA_AFTER_RST, &f->data_after_rst_an[s->dir], exp, obs);
    }
}

/* Bytes acknowledged beyond what the peer was seen to send: the capture missed them. They
 * count as a gap and, unless a FIN may explain the last one (loss_infer.c decides) or the
 * peer's FIN was seen (nothing can follow it), are taken as sent (spec §10). */
static void infer_unseen_data(struct flow *f, struct tcp_dir *peer, const struct segment *s)
{
    struct loss_dir *l = &f->loss[!s->dir];
    if (peer->fin_seen || peer->fin_suspected)
        return;
    l->gaps++;
    l->gap_bytes += s->ack - peer->nxt;
    peer->nxt = s->ack;
}

/* What the sender's ACK field says the capture missed of the peer's bytes: holes it
 * acknowledges into, data beyond the peer's nxt. */
static void ack_loss(struct flow *f, struct tcp_dir *d, struct tcp_dir *peer, struct segment *s)
{
    if (!d->ack_valid || peer->unseen_holes)     /* the first ack, or holes to check */
        gaps_ack(&f->loss[!s->dir], peer, d, s->ack);
    if (peer->nxt_valid && seq_gt(s->ack, peer->nxt)) {
        char exp[48], obs[48];
        snprintf(exp, sizeof exp, "ack<=%" PRIu32, peer->nxt);
        snprintf(obs, sizeof obs, "ack=%" PRIu32, s->ack);
        repeat_anomaly(f, s, AN_ACK_OF_UNSEEN_DATA, &f->unseen_ack_an[s->dir], exp, obs);
        infer_unseen_data(f, peer, s);
    }
}

/* What the sender's ACK field says about the peer: SYN or FIN received, or data never seen. */
static void track_ack(struct flow *f, struct tcp_dir *d, struct tcp_dir *peer, struct segment *s)
{
    ack_loss(f, d, peer, s);
    if (peer->syn_seen && !peer->syn_acked && seq_geq(s->ack, peer->isn + 1)) {
        peer->syn_acked = true;
        s->acks_syn = true;
    }
    if (peer->fin_seen && !peer->fin_acked && seq_geq(s->ack, peer->fin_seq + 1)) {
        peer->fin_acked = true;
        s->acks_fin = true;
    }
    if (!d->ack_valid || seq_gt(s->ack, d->ack))
        d->ack = s->ack;
    d->ack_valid = true;
    if (s->inferred)
        return;
    d->sack_count = s->p->tcp.sack_count;
    for (unsigned i = 0; i < d->sack_count && i < DISSECT_MAX_SACK; i++) {
        d->sack[i][0] = s->p->tcp.sack[i][0];
        d->sack[i][1] = s->p->tcp.sack[i][1];
    }
}

/* Receive window as the peer must read it (RFC 7323 §2.2: never scaled in a SYN). */
static void track_window(struct tcp_dir *d, const struct tcp_dir *peer, struct segment *s)
{
    uint64_t raw = s->p->tcp.win;
    bool scaled = d->wscale >= 0 && peer->wscale >= 0 && !(s->flags & TCP_SYN);
    d->win = scaled ? raw << (d->wscale > 14 ? 14 : d->wscale) : raw;
    d->win_valid = true;
    if (raw == 0 && !(s->flags & (TCP_SYN | TCP_FIN | TCP_RST))) {
        d->zero_win++;
        s->notes.zero_window = true;
    }
}

void tcp_track_segment(struct flow *f, struct segment *s)
{
    struct tcp_dir *d = &f->dir[s->dir], *peer = &f->dir[!s->dir];
    uint32_t seg_end = s->seq + s->len + !!(s->flags & TCP_SYN) + !!(s->flags & TCP_FIN);

    s->fin_before = d->fin_seen;
    s->peer_ack_before = peer->ack;
    if (!s->inferred) {
        if (s->fin_before && (s->len > 0 || (s->flags & (TCP_FIN | TCP_RST))))
            f->loss[s->dir].sent_after_fin = true;
        if (peer->fin_seen && !peer->fin_acked && s->ts_us > peer->fin_ts_us + loss_rtt_us(f))
            f->loss[!s->dir].peer_spoke_late = true;
    }
    if (s->flags & TCP_SYN) {
        if (!d->syn_seen) {
            d->syn_seen = true;
            d->isn = s->seq;
            d->wscale = s->p->tcp.has_wscale ? (int8_t)s->p->tcp.wscale : -1;
        }
    }
    if (!(s->flags & TCP_RST)) {
        d->sent_non_rst = true;
        check_late_data(f, d, s);
        if (d->nxt_valid && (d->unseen_holes || seq_gt(s->seq, d->nxt)))
            gaps_payload(&f->loss[s->dir], d, s);
        track_payload(d, s);
        if (s->flags & TCP_FIN)
            track_fin(f, d, s);
    }
    if (!d->nxt_valid || seq_gt(seg_end, d->nxt)) {
        if (!(s->flags & TCP_RST)) {   /* a RST occupies no sequence space and proves none */
            d->nxt = seg_end;
            d->nxt_valid = true;
        }
    }
    if ((s->flags & (TCP_ACK | TCP_RST)) == TCP_ACK)   /* a RST's ack is judged by rst_check */
        track_ack(f, d, peer, s);
    if (!(s->flags & TCP_RST) && !s->inferred)
        track_window(d, peer, s);
}

/* An acceptable RST's ack, once rst_check found it credible (s->rst_ack_credible): its
 * sender's RCV.NXT, proof of the peer's bytes the capture missed like any ACK's (spec §10; Zeek
 * counts a RST's ack too). It raises the sender's ack, so the bytes count as acknowledged, and
 * settles nothing else: SYN and FIN acknowledgments stay the non-RST segments' to prove. */
void tcp_track_rst_ack(struct flow *f, struct segment *s)
{
    struct tcp_dir *d = &f->dir[s->dir], *peer = &f->dir[!s->dir];
    if (!s->rst_ack_credible)     /* never set without the ACK flag; a RST is never inferred */
        return;
    ack_loss(f, d, peer, s);
    if (!d->ack_valid || seq_gt(s->ack, d->ack))
        d->ack = s->ack;
    d->ack_valid = true;
}

void tcp_track_finish(struct flow *f)
{
    for (int i = 0; i < 2; i++) {
        struct tcp_dir *d = &f->dir[i];
        if (!d->fin_seen || d->fin_acked || f->loss[i].fin_cut)
            continue;
        struct segment s = {.dir = (uint8_t)i, .ts_us = d->fin_ts_us, .pkt_no = d->fin_pkt};
        struct anomaly_record *an = flow_add_anomaly(f, &s, AN_FIN_NOT_ACKED);
        if (!an)
            continue;
        snprintf(an->expected, sizeof an->expected, "ack>=%" PRIu32, d->fin_seq + 1);
        if (f->dir[!i].ack_valid)
            snprintf(an->observed, sizeof an->observed, "last ack=%" PRIu32, f->dir[!i].ack);
        else
            snprintf(an->observed, sizeof an->observed, "no ack from peer");
        snprintf(an->detail, sizeof an->detail, "FIN at seq %" PRIu32 " sent %" PRIu32
                 " time(s), never acknowledged by the end of the flow", d->fin_seq, d->fins);
    }
    if (f->multiple_rst_an >= 0) {
        struct anomaly_record *an = &f->anomalies[f->multiple_rst_an];
        snprintf(an->observed, sizeof an->observed, "%" PRIu32 " RSTs", f->rst_count);
        snprintf(an->detail, sizeof an->detail, "%" PRIu32 " RST segments in the flow "
                 "(orig %" PRIu32 ", resp %" PRIu32 ")", f->rst_count, f->dir[0].rsts,
                 f->dir[1].rsts);
    }
    if (f->challenge_loop_an >= 0) {
        struct anomaly_record *an = &f->anomalies[f->challenge_loop_an];
        snprintf(an->observed, sizeof an->observed, "%" PRIu32 " rounds", f->challenge_rounds);
        snprintf(an->detail, sizeof an->detail, "%" PRIu32 " rounds of inexact RST answered "
                 "by a challenge ACK (RFC 5961 3.2); neither side closed", f->challenge_rounds);
    }
}
