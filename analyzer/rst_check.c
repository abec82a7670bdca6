/*
 * rst_check.c — is this RST acceptable, and is it what a correct RST carries?
 * (teardown-spec §5; RFC 9293 §3.10.7, RFC 5961 §3.2, RFC 1337.)
 *
 * For a RST from A to B:
 *   valid            seq is one of the exact values: A.nxt (A's next sequence number), B.ack
 *                    (B's RCV.NXT), B.ack - 1 once A sent a FIN, or a SACK edge B reported
 *   inexact          in B's receive window [B.ack, B.ack + B.win) but not exact: an RFC 9293
 *                    receiver accepts it, an RFC 5961 one answers with a challenge ACK; the
 *                    caller decides later whether B lived on
 *   unacceptable     outside the window (no anomaly once A's FIN was acknowledged: its orphan
 *                    answering late segments), or (B in SYN-SENT) not acknowledging B's SYN
 *   after close      both FINs were already acknowledged (RFC 1337)
 *   after end        the connection had already ended (reset, or both endpoints closed): the
 *                    RST answers a segment for no connection and could kill nothing, so it is
 *                    no blind-reset candidate and raises no sequence anomaly (teardown.md §5)
 * Every deviation adds an anomaly row with the expected and observed values.
 */
#include <inttypes.h>
#include <stdio.h>

#include "analyzer/flow.h"
#include "analyzer/seq.h"

#define UNKNOWN_SCALE_SHIFT 14   /* RFC 7323's largest shift: never call a RST out of window
                                    just because the scale was not seen */

static void note(struct anomaly_record *an, const char *expected, const char *observed)
{
    if (!an)
        return;
    snprintf(an->expected, sizeof an->expected, "%s", expected);
    snprintf(an->observed, sizeof an->observed, "%s", observed);
}

/* RST answering B's SYN (B in SYN-SENT): RFC 9293 §3.10.7.1 says seq 0, ACK, ack = SYN + 1;
 * §3.10.7.3 says B accepts it only when the ACK acknowledges the SYN. */
static enum rst_verdict check_reply_to_syn(struct flow *f, struct segment *s)
{
    const struct tcp_dir *b = &f->dir[!s->dir];
    uint32_t want_ack = b->isn + 1 + b->last_len;
    char exp[48], obs[48];
    if (!(s->flags & TCP_ACK) || s->ack != want_ack) {
        snprintf(exp, sizeof exp, "ACK set, ack=%" PRIu32, want_ack);
        snprintf(obs, sizeof obs, (s->flags & TCP_ACK) ? "ack=%" PRIu32 : "no ACK flag", s->ack);
        struct anomaly_record *an = flow_add_anomaly(f, s, AN_RST_ACK_MISMATCH);
        note(an, exp, obs);
        if (an)
            snprintf(an->detail, sizeof an->detail, "RST answering a SYN must acknowledge it "
                     "(RFC 9293 3.10.7.1); the SYN sender discards this one (3.10.7.3)");
        s->anomaly = true;
        return RST_UNACCEPTABLE;
    }
    if (s->seq != 0) {
        snprintf(obs, sizeof obs, "seq=%" PRIu32, s->seq);
        struct anomaly_record *an = flow_add_anomaly(f, s, AN_RST_SEQ_INEXACT);
        note(an, "seq=0", obs);
        if (an)
            snprintf(an->detail, sizeof an->detail, "RST answering a segment without ACK "
                     "carries seq 0 (RFC 9293 3.10.7.1); accepted all the same (3.10.7.3)");
        s->anomaly = true;
    }
    return RST_VALID;
}

/* Either SYN inferred (loss_infer.c): its window-scale option is unknown. */
static bool scale_known(const struct flow *f)
{
    return f->dir[0].syn_seen && f->dir[1].syn_seen && !f->loss[0].syn_inferred &&
           !f->loss[1].syn_inferred;
}

/* Judged against what loss may hide (spec §10): an ack beyond B.nxt that B could have sent
 * within A's receive window is B's data the capture missed, not a wrong ack. */
static bool unseen_data_fits(const struct flow *f, const struct tcp_dir *a,
                             const struct tcp_dir *b, uint32_t ack)
{
    uint64_t win = a->win_valid ? a->win : 65535;
    if (!scale_known(f))
        win <<= UNKNOWN_SCALE_SHIFT;
    uint32_t from = a->ack_valid && seq_gt(a->ack, b->nxt) ? a->ack : b->nxt;
    return (uint64_t)(uint32_t)(ack - from) <= win;
}

/* The ack of a RST with ACK should lie between A's last ack and B.nxt (B's data in flight). */
static void check_ack(struct flow *f, struct segment *s)
{
    const struct tcp_dir *a = &f->dir[s->dir], *b = &f->dir[!s->dir];
    if (!(s->flags & TCP_ACK))
        return;
    bool low = a->ack_valid && seq_lt(s->ack, a->ack);
    bool high = b->nxt_valid && seq_gt(s->ack, b->nxt) && !unseen_data_fits(f, a, b, s->ack);
    s->rst_ack_credible = !low && !high;
    if (!low && !high)
        return;
    char exp[48], obs[48];
    snprintf(exp, sizeof exp, "ack in [%" PRIu32 ",%" PRIu32 "]",
             a->ack_valid ? a->ack : s->ack, b->nxt_valid ? b->nxt : s->ack);
    snprintf(obs, sizeof obs, "ack=%" PRIu32, s->ack);
    struct anomaly_record *an = flow_add_anomaly(f, s, AN_RST_ACK_MISMATCH);
    note(an, exp, obs);
    if (an)
        snprintf(an->detail, sizeof an->detail, "%s", low
                 ? "acknowledges less than the sender had already acknowledged"
                 : "acknowledges data the receiver never sent");
    s->anomaly = true;
}

static bool seq_is_exact(const struct tcp_dir *a, const struct tcp_dir *b, uint32_t seq)
{
    if (a->nxt_valid && seq == a->nxt)
        return true;
    if (b->ack_valid && (seq == b->ack || (a->fin_seen && seq == b->ack - 1)))
        return true;
    for (unsigned i = 0; i < b->sack_count && i < DISSECT_MAX_SACK; i++)
        if (seq == b->sack[i][0] || seq == b->sack[i][1])
            return true;
    return false;
}

static enum rst_verdict check_seq(struct flow *f, struct segment *s)
{
    const struct tcp_dir *a = &f->dir[s->dir], *b = &f->dir[!s->dir];
    if (!a->nxt_valid && !b->ack_valid)
        return RST_VALID;                 /* nothing seen to compare it with */
    if (seq_is_exact(a, b, s->seq))
        return RST_VALID;
    bool known = scale_known(f);
    uint32_t lo = b->ack_valid ? b->ack : a->nxt;
    uint64_t win = b->win_valid ? b->win : 65535;
    if (!known)
        win <<= UNKNOWN_SCALE_SHIFT;
    bool in_window = win > 0 && seq_in_window(s->seq, lo, win);
    /* A sender whose FIN was acknowledged has nothing left to send: its RST outside the window
     * is its orphan answering the peer's late segments (after_close), ignored by the receiver
     * and no blind-reset candidate (teardown.md §5, Decision). */
    if (!in_window && a->fin_acked)
        return RST_UNACCEPTABLE;
    char exp[48], obs[48];
    snprintf(obs, sizeof obs, "seq=%" PRIu32, s->seq);
    struct anomaly_record *an;
    if (in_window) {
        snprintf(exp, sizeof exp, "seq=%" PRIu32, a->nxt_valid ? a->nxt : lo);
        an = flow_add_anomaly(f, s, AN_RST_SEQ_INEXACT);
    } else {
        snprintf(exp, sizeof exp, "seq in [%" PRIu32 ",%" PRIu32 ")", lo, (uint32_t)(lo + win));
        an = flow_add_anomaly(f, s, AN_RST_SEQ_OUT_OF_WINDOW);
    }
    note(an, exp, obs);
    if (an)
        snprintf(an->detail, sizeof an->detail, "%s receiver window %" PRIu64 " from %" PRIu32
                 "%s", in_window ? "inside" : "outside", win, lo,
                 known ? "" : "; window scale unknown, assumed 14");
    s->anomaly = true;
    return in_window ? RST_INEXACT : RST_UNACCEPTABLE;
}

enum rst_verdict rst_check(struct flow *f, struct segment *s)
{
    const struct tcp_dir *b = &f->dir[!s->dir];
    if (f->emitted || (f->dir[0].fin_acked && f->dir[1].fin_acked)) {
        struct anomaly_record *an = flow_add_anomaly(f, s, AN_RST_AFTER_CLOSE);
        if (an)
            snprintf(an->detail, sizeof an->detail, "RST after both FINs were acknowledged "
                     "(receiver in %s; RFC 1337)", tcp_state_name(f->state[!s->dir]));
        s->anomaly = true;
        return RST_AFTER_CLOSE;
    }
    if (f->first_close_dir >= 0 && fsm_closed(f->state[0]) && fsm_closed(f->state[1]))
        return RST_AFTER_END;
    if (f->state[!s->dir] == ST_SYN_SENT && (b->last_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN)
        return check_reply_to_syn(f, s);
    check_ack(f, s);
    return check_seq(f, s);
}
