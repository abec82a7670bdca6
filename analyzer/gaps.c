/*
 * gaps.c — capture loss as Zeek's capture-loss analysis counts it (teardown-spec §10): a
 * "gap" is a range of one direction's bytes that the peer acknowledged but the capture never
 * held. Per direction: the unseen ranges below nxt (holes, left by a segment that jumped
 * past nxt and not yet filled by a retransmission or a late arrival), and the bytes the peer
 * acknowledged. A hole becomes a gap once the peer acknowledges into it: from then on no
 * retransmission will fill it (Zeek reports its content gaps at the same moment). An
 * acknowledgment beyond nxt is a gap too (tcp_track.c counts it, then infers the data).
 *
 * Invariant: holes are disjoint, lie below the direction's nxt, and are kept in the order they
 * appeared (ascending); at most LOSS_MAX_HOLES, a further one is merged into the last (the seen
 * bytes between them are then counted as missed if acknowledged: an upper bound).
 * Both functions return at once when nothing is missing, so the common path costs a compare
 * of the direction's own (hot) fields.
 * A segment without payload that jumps past nxt also leaves a hole (its sender's data before it
 * was missed).
 */
#include "analyzer/flow.h"
#include "analyzer/seq.h"

static void add_hole(struct loss_dir *l, struct tcp_dir *d, uint32_t lo, uint32_t hi)
{
    if (d->unseen_holes == LOSS_MAX_HOLES) {
        l->holes[d->unseen_holes - 1][1] = hi;
        return;
    }
    l->holes[d->unseen_holes][0] = lo;
    l->holes[d->unseen_holes][1] = hi;
    d->unseen_holes++;
}

static void remove_hole(struct loss_dir *l, struct tcp_dir *d, unsigned i)
{
    uint8_t below = (uint8_t)(l->holes_counted & ((1u << i) - 1));
    l->holes_counted = (uint8_t)(below | ((l->holes_counted >> (i + 1)) << i));
    for (unsigned j = i + 1; j < d->unseen_holes; j++) {
        l->holes[j - 1][0] = l->holes[j][0];
        l->holes[j - 1][1] = l->holes[j][1];
    }
    d->unseen_holes--;
}

/* Bytes [lo, hi) were seen: they leave the holes (a hole may split in two). */
static void fill(struct loss_dir *l, struct tcp_dir *d, uint32_t lo, uint32_t hi)
{
    for (unsigned i = 0; i < d->unseen_holes; i++) {
        uint32_t *h = l->holes[i];
        if (seq_leq(hi, h[0]) || seq_geq(lo, h[1]))
            continue;
        if (seq_leq(lo, h[0]) && seq_geq(hi, h[1])) {
            remove_hole(l, d, i--);
        } else if (seq_leq(lo, h[0])) {
            h[0] = hi;
        } else if (seq_geq(hi, h[1])) {
            h[1] = lo;
        } else if (d->unseen_holes < LOSS_MAX_HOLES) {   /* split: [h0, lo) and [hi, h1) */
            for (unsigned j = d->unseen_holes; j > i + 1; j--) {
                l->holes[j][0] = l->holes[j - 1][0];
                l->holes[j][1] = l->holes[j - 1][1];
            }
            uint8_t below = (uint8_t)(l->holes_counted & ((2u << i) - 1));
            l->holes_counted = (uint8_t)(below | ((l->holes_counted >> (i + 1)) << (i + 2)) |
                                         ((below >> i) << (i + 1)));
            l->holes[i + 1][0] = hi;
            l->holes[i + 1][1] = h[1];
            h[1] = lo;
            d->unseen_holes++;
            i++;
        }                                            /* no room to split: keep it whole */
    }
}

void gaps_payload(struct loss_dir *l, struct tcp_dir *d, const struct segment *s)
{
    if (!d->nxt_valid || (s->flags & TCP_SYN))
        return;
    uint32_t end = s->seq + s->len;
    if (s->len > 0 && d->unseen_holes > 0 && seq_lt(s->seq, d->nxt))
        fill(l, d, s->seq, seq_lt(end, d->nxt) ? end : d->nxt);
    /* A segment past nxt left a hole; without payload only when it jumps by more than one
     * (one past nxt may be a missed FIN: loss_infer.c) */
    if (seq_gt(s->seq, d->nxt + (s->len == 0)))
        add_hole(l, d, d->nxt, s->seq);
}

void gaps_ack(struct loss_dir *l, struct tcp_dir *d, const struct tcp_dir *acker, uint32_t ack)
{
    if (!acker->ack_valid)
        l->ack_base = ack;
    while (d->unseen_holes > 0 && seq_gt(ack, l->holes[0][0])) {
        uint32_t *h = l->holes[0];
        uint32_t upto = seq_lt(ack, h[1]) ? ack : h[1];
        if (!(l->holes_counted & 1u))
            l->gaps++;
        l->holes_counted |= 1u;
        l->gap_bytes += upto - h[0];
        if (upto == h[1])
            remove_hole(l, d, 0);
        else
            h[0] = upto;    /* the rest, if ever acknowledged, belongs to the same gap */
    }
}

uint64_t gaps_acked_bytes(const struct flow *f, int dir)
{
    const struct tcp_dir *d = &f->dir[dir], *acker = &f->dir[!dir];
    if (!acker->ack_valid)
        return 0;
    uint32_t base = d->syn_seen ? d->isn + 1 : f->loss[dir].ack_base;
    if (!seq_gt(acker->ack, base))
        return 0;
    uint32_t n = acker->ack - base;
    return d->fin_acked && n > 0 ? n - 1 : n;     /* the FIN's sequence number is no byte */
}
