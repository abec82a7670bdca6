/*
 * loss_infer.c — segments the capture missed that later packets prove were sent (teardown-spec
 * §10; docs/teardown.md "Capture loss"). An inferred segment is run through the flow exactly
 * as a captured one (tcp_segment: tracking, RST rules, state machine, teardown event), marked
 * `inferred`, with no packet behind it: it counts in no packet, byte or FIN counter and is
 * not shown to the Zeek model (Zeek would not have seen it either).
 *
 *   SYN+ACK      the originator acknowledges a responder SYN that was not seen (ISN = ack - 1)
 *   handshake    the responder acknowledges the originator's data before the originator's
 *   ACK          ACK of the SYN+ACK was seen
 *   FIN          the peer acknowledges one past the sender's last byte, or the sender's own
 *                next segment is one past it; pending until the flow shows whether that
 *                sequence number was a FIN or one byte of data (new data from the sender: it
 *                was data), decided at the next FIN or RST of the flow or at its emission
 *   final ACK    the FIN's sender neither retransmits nor resets for max(1 s, 3 RTT) of packet
 *                time while the capture goes on; decided when the flow is emitted; or the
 *                FIN's sender answers with a RST without ACK at one past its FIN (the
 *                peer's segment acknowledged it)
 *   data         tcp_track.c (acknowledged bytes beyond nxt), counted by gaps.c
 * A FIN within max(1 s, 3 RTT) of the end of input, on a synchronized connection, is marked
 * cut off instead: no fin_not_acked, and the verdict takes it as acknowledged (verdict.c).
 * Everything is decided on packet times, so offline results never depend on read speed.
 */
#include <string.h>

#include "analyzer/flow.h"
#include "analyzer/seq.h"

#define MIN_WAIT_US 1000000    /* max(1 s, 3 RTT) */

int64_t loss_rtt_us(const struct flow *f)
{
    int64_t sum = 0;
    for (int i = 0; i < 2; i++)
        if (f->rtt_us[i] > 0)
            sum += f->rtt_us[i];
    return sum;
}

static int64_t wait_us(const struct flow *f)
{
    int64_t w = 3 * loss_rtt_us(f);
    return w > MIN_WAIT_US ? w : MIN_WAIT_US;
}

/* Only a synchronized connection (the handshake seen, or picked up mid-stream) has the
 * sequence spaces the rules below reason about. */
static bool synchronized(const struct flow *f)
{
    return f->handshake_done || f->midstream;
}

/* Runs a segment that was not captured through the flow as if it had been. */
static void infer(struct flow *f, uint8_t dir, uint8_t flags, uint32_t seq, uint32_t ack,
                  int64_t ts_us, uint64_t pkt_no, size_t max_events)
{
    struct packet p;
    memset(&p, 0, sizeof p);
    p.l4proto = IPPROTO_NUM_TCP;
    p.ts_us = ts_us;
    p.tcp.flags = flags;
    p.tcp.seq = seq;
    p.tcp.ack = ack;
    struct segment s = {.p = &p, .pkt_no = pkt_no, .dir = dir, .flags = flags, .seq = seq,
                        .ack = ack, .ts_us = ts_us, .inferred = true};
    tcp_segment(f, &s, max_events);
}

/* The suspected FIN of direction a was one: it, and the peer's acknowledgment of it when the
 * peer has acknowledged that far, dated at the packet that proved it. */
static void apply_fin(struct flow *f, uint8_t a, size_t max_events)
{
    struct loss_dir *l = &f->loss[a];
    struct tcp_dir *A = &f->dir[a];
    const struct tcp_dir *B = &f->dir[!a];
    A->fin_suspected = false;
    if (A->fin_seen)
        return;
    /* Decision: a FIN inferred after the peer's FIN answers it (the usual passive close), so it
     * acknowledges what the peer sent; otherwise it acknowledges what a last acknowledged. */
    bool answers_fin = B->fin_seen && !B->fin_acked && B->nxt_valid;
    infer(f, a, (uint8_t)(TCP_FIN | (A->ack_valid || answers_fin ? TCP_ACK : 0)),
          l->pending_pos, answers_fin ? B->nxt : A->ack, l->pending_ts_us, l->pending_pkt,
          max_events);
    if (B->ack_valid && seq_geq(B->ack, l->pending_pos + 1) && !A->fin_acked)
        infer(f, (uint8_t)!a, TCP_ACK, B->nxt, B->ack, l->pending_ts_us, l->pending_pkt,
              max_events);
}

/* Which pending FIN goes first when both are decided at once: the one suspected earlier; at
 * the same packet, the one its sender's own segment showed. That segment (no payload, one
 * past the FIN) also acknowledges the other FIN, which only the side that closed first sends
 * (its final ACK): the side in LAST_ACK sends nothing after its FIN. */
static uint8_t first_pending(const struct flow *f)
{
    const struct loss_dir *o = &f->loss[DIR_ORIG], *r = &f->loss[DIR_RESP];
    if (!f->dir[DIR_ORIG].fin_suspected || !f->dir[DIR_RESP].fin_suspected)
        return f->dir[DIR_ORIG].fin_suspected ? DIR_ORIG : DIR_RESP;
    if (o->pending_pkt != r->pending_pkt)
        return o->pending_pkt < r->pending_pkt ? DIR_ORIG : DIR_RESP;
    return r->pending_own && !o->pending_own ? DIR_RESP : DIR_ORIG;
}

static void apply_all(struct flow *f, size_t max_events)
{
    while (f->dir[DIR_ORIG].fin_suspected || f->dir[DIR_RESP].fin_suspected)
        apply_fin(f, first_pending(f), max_events);
}

/* A captured segment decides pending FINs: new data (or a FIN further on) from the sender
 * says the sequence number was a byte of data; then any FIN or RST needs the FINs decided
 * first, since it changes who closed and in which state. Anything else leaves them pending. */
static void settle_pending(struct flow *f, const struct segment *s, size_t max_events)
{
    const struct loss_dir *l = &f->loss[s->dir];
    struct tcp_dir *d = &f->dir[s->dir];
    if (d->fin_suspected) {
        uint32_t end = s->seq + s->len;
        bool new_data = s->len > 0 && seq_gt(end, l->pending_pos + 1);
        bool later_fin = (s->flags & TCP_FIN) && end != l->pending_pos;
        if (new_data || later_fin)
            d->fin_suspected = false;
    }
    if (s->flags & (TCP_FIN | TCP_RST))
        apply_all(f, max_events);
}

/* The originator acknowledges a SYN+ACK that was not captured: only the SYN+ACK lets an
 * endpoint in SYN_SENT send anything but its SYN (RFC 9293 §3.10.7.3). */
static void infer_synack(struct flow *f, const struct segment *s, size_t max_events)
{
    const struct tcp_dir *o = &f->dir[DIR_ORIG], *r = &f->dir[DIR_RESP];
    if (f->synack_seen || f->handshake_done || s->dir != DIR_ORIG ||
        (s->flags & (TCP_SYN | TCP_ACK)) != TCP_ACK || f->midstream || !o->syn_seen ||
        r->syn_seen || f->first_rst_dir >= 0)
        return;
    f->loss[DIR_RESP].syn_inferred = true;
    infer(f, DIR_RESP, TCP_SYN | TCP_ACK, s->ack - 1, o->isn + 1, s->ts_us, s->pkt_no,
          max_events);
}

/* The responder acknowledges more than the originator's SYN while the originator's ACK of the
 * SYN+ACK was not seen: the originator sent data, so it had acknowledged the SYN+ACK (every
 * segment after it carries that ACK). A RST's ack counts here too: the responder had
 * synchronized, and a RST acknowledging data answers no SYN. */
static void infer_handshake_ack(struct flow *f, const struct segment *s, size_t max_events)
{
    const struct tcp_dir *o = &f->dir[DIR_ORIG], *r = &f->dir[DIR_RESP];
    if (f->handshake_done || !f->synack_seen || s->dir != DIR_RESP || !(s->flags & TCP_ACK) ||
        (s->flags & TCP_SYN) || f->midstream || !o->syn_seen || !r->syn_seen || r->syn_acked ||
        !seq_gt(s->ack, o->isn + 1))
        return;
    infer(f, DIR_ORIG, TCP_ACK, o->isn + 1, r->isn + 1, s->ts_us, s->pkt_no, max_events);
}

static void suspect_fin(struct flow *f, uint8_t a, const struct segment *s, bool own)
{
    struct tcp_dir *A = &f->dir[a];
    struct loss_dir *l = &f->loss[a];
    /* Only a sequence space that a SYN or payload proved: picked up mid-stream, a side seen
     * only in pure ACKs may have shown a keepalive (seq = its next - 1, RFC 9293 §3.8.4). */
    if (A->fin_seen || A->fin_suspected || f->first_rst_dir >= 0 || !synchronized(f) ||
        (!A->syn_seen && f->bytes[a] == 0))
        return;
    A->fin_suspected = true;
    l->pending_pos = A->nxt;
    l->pending_ts_us = s->ts_us;
    l->pending_pkt = s->pkt_no;
    l->pending_own = own;
}

/* One sequence number of direction a went by unseen: the peer acknowledges one past a's last
 * byte, or a's own next segment (no payload) starts one past it. */
static void note_fin(struct flow *f, const struct segment *s)
{
    const struct tcp_dir *peer = &f->dir[!s->dir], *own = &f->dir[s->dir];
    if ((s->flags & TCP_ACK) && peer->nxt_valid && s->ack == peer->nxt + 1)
        suspect_fin(f, (uint8_t)!s->dir, s, false);
    if (s->len == 0 && !(s->flags & (TCP_SYN | TCP_FIN)) && own->nxt_valid &&
        s->seq == own->nxt + 1)
        suspect_fin(f, s->dir, s, true);
}

/* A RST without ACK takes its sequence number from the ACK field of the segment it answers
 * (RFC 9293 §3.10.7.1; Linux's socketless and orphan resets do so): a's bare RST at one past
 * its FIN answers a segment of the peer that acknowledged the FIN, and one at one past a's
 * last byte also proves that byte was a FIN. The peer's acknowledgment is inferred (as a pure
 * ACK: whatever else it carried is unknown), so a lost ACK of the FIN raises no
 * fin_not_acked. Only the first RST of the flow, on a synchronized connection. */
static void infer_from_bare_rst(struct flow *f, const struct segment *s, size_t max_events)
{
    uint8_t a = s->dir;
    struct tcp_dir *A = &f->dir[a];
    const struct tcp_dir *B = &f->dir[!a];
    if ((s->flags & (TCP_RST | TCP_ACK)) != TCP_RST || f->first_rst_dir >= 0 ||
        !synchronized(f) || !A->nxt_valid || !B->nxt_valid)
        return;
    if (!A->fin_seen && s->seq == A->nxt + 1) {
        suspect_fin(f, a, s, true);
        if (A->fin_suspected)
            apply_fin(f, a, max_events);
    }
    if (A->fin_seen && !A->fin_acked && s->seq == A->fin_seq + 1)
        infer(f, (uint8_t)!a, TCP_ACK, B->nxt, s->seq, s->ts_us, s->pkt_no, max_events);
}

void loss_before_segment(struct flow *f, struct segment *s, size_t max_events)
{
    if (f->dir[DIR_ORIG].fin_suspected || f->dir[DIR_RESP].fin_suspected)
        settle_pending(f, s, max_events);
    infer_handshake_ack(f, s, max_events);
    if (s->flags & TCP_RST) {
        infer_from_bare_rst(f, s, max_events);
        return;
    }
    infer_synack(f, s, max_events);
    note_fin(f, s);
    if (s->flags & TCP_FIN)             /* the segment that proves a FIN is itself a FIN */
        for (uint8_t a = 0; a < 2; a++)
            if (f->dir[a].fin_suspected && a != s->dir)
                apply_fin(f, a, max_events);
}

/* The final ACK of a's FIN: a sent the FIN once and then nothing but pure ACKs, nobody reset,
 * the peer had acknowledged everything before the FIN and said nothing after it could have
 * had the FIN, and the capture went on for
 * max(1 s, 3 RTT) after it. Dated one leg of the handshake (capture point -> peer -> capture
 * point) after the FIN, but never after the flow's last packet (the sink's invariant: every
 * recorded time lies within the flow's first and last packet). */
static void infer_final_ack(struct flow *f, uint8_t a, int64_t now_us, size_t max_events)
{
    const struct tcp_dir *A = &f->dir[a], *B = &f->dir[!a];
    if (!A->fin_seen || A->fin_acked || A->fins > 1 || f->loss[a].sent_after_fin ||
        f->rst_count > 0 || f->pkts[!a] == 0 || !B->nxt_valid || !synchronized(f))
        return;
    if (!B->ack_valid || seq_lt(B->ack, A->fin_seq) ||     /* data before the FIN unacked */
        f->loss[a].peer_spoke_late ||
        now_us - A->fin_ts_us < wait_us(f))
        return;
    int64_t leg = f->rtt_us[!a] > 0 ? f->rtt_us[!a] : 0;
    int64_t ts_us = A->fin_ts_us + leg;
    if (ts_us > f->last_ts_us)          /* recorded times stay within the packets seen */
        ts_us = f->last_ts_us;
    infer(f, (uint8_t)!a, TCP_ACK, B->nxt, A->fin_seq + 1, ts_us, A->fin_pkt, max_events);
}

void loss_at_emission(struct flow *f, int64_t now_us, int64_t last_pkt_us, bool end_of_input,
                      size_t max_events)
{
    apply_all(f, max_events);
    for (uint8_t a = 0; a < 2; a++)
        infer_final_ack(f, a, now_us, max_events);
    if (!end_of_input)
        return;
    for (uint8_t a = 0; a < 2; a++) {
        const struct tcp_dir *A = &f->dir[a];
        if (A->fin_seen && !A->fin_acked && synchronized(f) &&
            last_pkt_us - A->fin_ts_us < wait_us(f))
            f->loss[a].fin_cut = true;
    }
}
