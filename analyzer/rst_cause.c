/*
 * rst_cause.c — why a RST was sent (teardown-spec §9): one table of rules, tried in order,
 * first match wins; each rule reads the state the RST arrived in and, when it applies, says
 * why in words (the row's evidence). docs/teardown.md "Why each RST was sent" states the same
 * rules; the order matters because the RSTs of orphaned sockets and middleboxes also have the
 * no-connection form.
 *
 * For a RST from A to B ("sender" and "peer" below), with B's last segment the one the RST
 * most likely answers:
 *   refused          B's last segment is a bare SYN, not yet answered by A
 *   after_close      A had sent its FIN, the connection was not reset yet, and B's data went
 *                    past what A had acknowledged: it reached A after A closed
 *   idle_timeout     B broke a silence of at least idle_gap on a synchronized connection and
 *                    A had sent nothing since
 *   no_connection    B's last segment is not a bare SYN, and A was never seen (only RSTs),
 *                    or A's side had ended, or the RST has the no-connection form (no ACK,
 *                    seq = B's ack)
 *   invalid_segment  B's segment with invalid flags or data beyond the window, within one RTT
 *   timeout          A had re-sent data 3 times in a row with nothing new from B
 *   abort            A live on a synchronized connection          } `injected` instead when
 *   unknown          nothing tells                                 } the origin is other
 * `injected` needs the origin, known only at emission (rst_origin.c): abort and unknown are
 * marked as fallbacks for it.
 */
#include "analyzer/rst_internal.h"
#include "analyzer/seq.h"

#define TIMEOUT_RESENDS 3

/* A RST from a to b, and where its rules write. */
struct judge {
    const struct flow *f;
    const struct segment *s;
    uint8_t a, b;
    const struct tcp_dir *da, *db;
    const struct rst_dir_evidence *ea, *eb;
    struct rst_before *out;
    struct words w;               /* into out->words */
};

static void say(struct judge *j, const char *text)
{
    words_add(&j->w, text);
}

/* A SYN opening a connection (with FIN it is an invalid segment, RFC 9293 3.1). */
static bool bare_syn(uint8_t flags)
{
    return (flags & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN)) == TCP_SYN;
}

/* B's last segment came after A's last one (A has not answered it otherwise). */
static bool peer_spoke_last(const struct judge *j)
{
    return j->eb->last_seen > j->ea->last_seen;
}

static bool synchronized_state(uint8_t st)
{
    return st == ST_ESTABLISHED || st == ST_FIN_WAIT_1 || st == ST_FIN_WAIT_2 ||
           st == ST_CLOSING || st == ST_CLOSE_WAIT || st == ST_LAST_ACK;
}

static bool answers_syn(struct judge *j)
{
    if (!j->eb->last_seen || !bare_syn(j->db->last_flags) || !peer_spoke_last(j))
        return false;
    say(j, "answers the peer's SYN: nothing listening");
    return true;
}

static bool answers_data_after_fin(struct judge *j)
{
    const struct tcp_dir *a = j->da, *b = j->db;
    if (!a->fin_seen || j->f->first_rst_dir >= 0 || !a->ack_valid || !b->nxt_valid)
        return false;
    uint32_t data_end = b->fin_seen ? b->fin_seq : b->nxt;
    if (!seq_gt(data_end, a->ack))
        return false;
    say(j, "its sender had sent its FIN (packet ");
    words_uint(&j->w, a->fin_pkt);
    say(j, "); the peer's data up to ");
    words_uint(&j->w, data_end);
    say(j, " came after, unacknowledged: an orphaned socket");
    return true;
}

static bool answers_end_of_silence(struct judge *j)
{
    const struct rst_flow_evidence *x = &j->f->rst;
    bool synchronized = j->f->handshake_done || j->f->midstream;
    if (!synchronized || x->quiet_dir != j->b || j->ea->last_seen >= x->quiet_end_seen)
        return false;
    j->out->silence_us = x->quiet_us;
    say(j, "answers packet ");
    words_uint(&j->w, x->quiet_end_pkt);
    say(j, ", the first after ");
    words_fixed(&j->w, x->quiet_us / 100000, 1);
    say(j, " s of silence: the connection was forgotten");
    return true;
}

static bool answers_for_no_connection(struct judge *j)
{
    const struct flow *f = j->f;
    if (!j->eb->last_seen || bare_syn(j->db->last_flags))
        return false;
    if (!j->da->sent_non_rst) {
        say(j, "answers the peer's segments; its sender had sent nothing else in this flow");
        return true;
    }
    if (fsm_closed((enum tcp_state)f->state[j->a])) {
        say(j, "its sender's side had already ended (");
        say(j, tcp_state_name((enum tcp_state)f->state[j->a]));
        say(j, "): no connection left");
        return true;
    }
    bool form = !(j->s->flags & TCP_ACK) && j->db->ack_valid &&
                (j->s->seq == j->db->ack || j->s->seq == j->db->last_ack);
    if (!form)
        return false;
    say(j, "no-connection form: seq = the peer's ack ");
    words_uint(&j->w, j->s->seq);
    say(j, ", no ACK flag (a live socket aborts with RST+ACK)");
    return true;
}

static bool answers_flagged_segment(struct judge *j)
{
    int64_t flagged = j->f->rst.flagged_ts_us[j->b];
    int64_t dt = j->s->ts_us - flagged;
    if (!flagged || j->f->rst.flagged_seen[j->b] <= j->ea->last_seen || dt > rst_rtt_us(j->f))
        return false;
    say(j, j->f->rst.flagged_why[j->b] == RST_FLAGGED_FLAGS
               ? "answers the peer's segment with invalid flags, "
               : "answers the peer's segment with data beyond the window, ");
    words_fixed(&j->w, dt, 3);
    say(j, " ms before it (RFC 3360)");
    return true;
}

static bool after_resends(struct judge *j)
{
    if (j->ea->rexmit_run < TIMEOUT_RESENDS)
        return false;
    say(j, "its sender had re-sent data ");
    words_uint(&j->w, j->ea->rexmit_run);
    say(j, " times in a row with nothing new from the peer: the remote stopped responding");
    return true;
}

static bool sender_live(struct judge *j)
{
    uint8_t st = j->f->state[j->a];
    if (!j->da->sent_non_rst || !synchronized_state(st))
        return false;
    say(j, "its sender was live (");
    say(j, tcp_state_name((enum tcp_state)st));
    say(j, "): application abort, SO_LINGER 0, unread data or out of resources");
    return true;
}

static bool nothing_tells(struct judge *j)
{
    if (!j->ea->last_seen && !j->eb->last_seen)
        say(j, "the first segment of the flow: nothing seen before it tells why");
    else
        say(j, "nothing seen before it tells why");
    return true;
}

static const struct cause_rule {
    uint8_t cause;
    bool fallback;            /* `injected` instead when the origin turns out other */
    bool live_socket;         /* sent by the connection's own socket, if by the host: the
                                 host's IPv4 ID sequence applies to it */
    bool (*applies)(struct judge *j);
} RULES[] = {
    {RC_REFUSED, false, false, answers_syn},
    {RC_AFTER_CLOSE, false, false, answers_data_after_fin},
    {RC_IDLE_TIMEOUT, false, false, answers_end_of_silence},
    {RC_NO_CONNECTION, false, false, answers_for_no_connection},
    {RC_INVALID_SEGMENT, false, true, answers_flagged_segment},
    {RC_TIMEOUT, false, true, after_resends},
    {RC_ABORT, true, true, sender_live},
    {RC_UNKNOWN, true, true, nothing_tells},
};

void rst_cause_decide(const struct flow *f, const struct segment *s, struct rst_before *b)
{
    struct judge j = {.f = f, .s = s, .a = s->dir, .b = (uint8_t)!s->dir, .out = b};
    j.da = &f->dir[j.a];
    j.db = &f->dir[j.b];
    j.ea = &f->rst_dir[j.a];
    j.eb = &f->rst_dir[j.b];
    b->silence_us = -1;
    b->words[0] = '\0';
    words_at(&j.w, b->words, sizeof b->words);
    /* the same test rst_check makes before judging the sequence number (teardown.md §5) */
    bool reply_to_syn = f->state[j.b] == ST_SYN_SENT &&
                        (j.db->last_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN;
    b->no_reference = !reply_to_syn && !j.da->nxt_valid && !j.db->ack_valid;
    for (size_t i = 0; i < sizeof RULES / sizeof *RULES; i++) {
        if (RULES[i].applies(&j)) {
            b->cause = RULES[i].cause;
            b->fallback = RULES[i].fallback;
            b->id_applies = RULES[i].live_socket;
            return;
        }
    }
}
