/*
 * zeek.c — Zeek's conn_state and history for one flow, computed the way Zeek's TCP analyzer
 * (TCP.cc / TCPSessionAdapter: update_history, update_window, update_last_seq and the
 * Update*State functions) and base/protocols/conn/main.zeek's conn_state() compute them.
 * Rules: ../shared/docs/teardown-spec.md §8. Where §8 is silent, the code does what Zeek does
 * and says so in a "Zeek:" comment; where finscope cannot do exactly what Zeek does, the
 * comment says "Differs:".
 *
 * Per packet, Zeek's order is kept: flag letters (update_history), zero window (update_window,
 * judged on the endpoint states *before* this packet), retransmission (update_last_seq), then
 * the endpoint state machine. Content gaps come from the analyzer's tracker and are recorded
 * after the retransmission letter.
 *
 * Pure: no allocation, no globals; all state lives in struct zeek_conn.
 */
#include "analyzer/zeek.h"

#include <string.h>

enum { ORIG = 0, RESP = 1 };

/* ---- history -------------------------------------------------------------------------------- */

/* Appends `upper` (lowercased for the responder). Past ZEEK_HISTORY_MAX chars it stops
 * silently; Zeek has no limit. Invariant: hist_len <= ZEEK_HISTORY_MAX, history NUL-ended. */
static void hist_add(struct zeek_conn *z, bool from_orig, char upper)
{
    if (z->hist_len >= ZEEK_HISTORY_MAX)
        return;
    char c = from_orig || upper == '^' ? upper : (char)(upper - 'A' + 'a');
    z->history[z->hist_len++] = c;
    z->history[z->hist_len] = '\0';
}

/* Zeek's Connection::CheckHistory: records the letter the first time only. Returns whether it
 * had been recorded before (so the caller may decide to record it again). */
static bool hist_once(struct zeek_conn *z, bool *seen, bool from_orig, char upper)
{
    if (*seen)
        return true;
    *seen = true;
    hist_add(z, from_orig, upper);
    return false;
}

/* Zeek's ScaledHistoryEntry: the letter at the 1st, 10th, 100th ... occurrence. The counter
 * saturates instead of wrapping (Zeek resets it at the threshold's wrap; both are beyond any
 * real capture). */
static void hist_scaled(struct zeek_conn *z, bool from_orig, char upper, uint32_t *count)
{
    if (*count == UINT32_MAX)
        return;
    uint32_t n = ++*count;
    while (n % 10 == 0)
        n /= 10;
    if (n == 1)
        hist_add(z, from_orig, upper);
}

/* Records S/H, F or R for a packet carrying exactly one of SYN/FIN/RST: the first time, and
 * again when its number differs from that of the last packet of the same kind. `last` is
 * always updated. Zeek: S and H share one "seen" bit and one last number (HIST_SYN_PKT). */
static void hist_numbered(struct zeek_conn *z, bool from_orig, char upper, bool *seen,
                          uint32_t *last, uint32_t number)
{
    if (hist_once(z, seen, from_orig, upper) && number != *last)
        hist_add(z, from_orig, upper);
    *last = number;
}

/* Zeek's update_history(): the letters a TCP packet's flags and payload give. */
static void history_flags(struct zeek_conn *z, bool from_orig, const struct packet *p)
{
    struct zeek_dir *d = &z->dir[from_orig ? ORIG : RESP];
    uint8_t fl = p->tcp.flags;
    int ctl = !!(fl & TCP_SYN) + !!(fl & TCP_FIN) + !!(fl & TCP_RST);

    if (ctl > 1) {
        /* Zeek: 'I' and 'Q' are each recorded once per direction (CheckHistory). */
        if ((fl & TCP_FIN) && (fl & TCP_RST))
            hist_once(z, &d->seen_I, from_orig, 'I');
        else
            hist_once(z, &d->seen_Q, from_orig, 'Q');
    } else if (fl & TCP_SYN) {
        hist_numbered(z, from_orig, (fl & TCP_ACK) ? 'H' : 'S', &d->have_syn, &d->last_syn_seq,
                      p->tcp.seq);
    } else if (fl & TCP_FIN) {
        hist_numbered(z, from_orig, 'F', &d->have_fin, &d->last_fin_seq,
                      p->tcp.seq + p->payload_len);
    } else if (fl & TCP_RST) {
        hist_numbered(z, from_orig, 'R', &d->have_rst, &d->last_rst_seq, p->tcp.seq);
    } else if (p->payload_len > 0) {
        hist_once(z, &d->seen_D, from_orig, 'D');
    } else if (fl & TCP_ACK) {
        hist_once(z, &d->seen_A, from_orig, 'A');
    }
}

/* ---- Zeek's TCP endpoint state machine ------------------------------------------------------ */

/* Zeek's TCP_Endpoint::SetState: prev_state changes only when the state does. */
static void set_state(struct zeek_conn *z, int side, enum zeek_endpoint_state s)
{
    if (z->state[side] == s)
        return;
    z->prev_state[side] = z->state[side];
    z->state[side] = (uint8_t)s;
}

/* Zeek's UpdateInactiveState. Flags are taken in turn: SYN, then FIN, then RST. */
static void update_inactive(struct zeek_conn *z, int e, const struct packet *p)
{
    int peer = !e;
    uint8_t fl = p->tcp.flags;

    if (fl & TCP_SYN) {
        if (e == ORIG) {
            set_state(z, e, (fl & TCP_ACK) ? ZS_SYN_ACK_SENT : ZS_SYN_SENT);
        } else {
            /* Zeek also flips roles here when the originator sent SYN+ACK and this SYN
             * reverses it; finscope's analyzer fixes the roles at the first packet, so the
             * flip does not arise here. */
            if (z->state[peer] == ZS_SYN_SENT)
                set_state(z, peer, ZS_ESTABLISHED);
            set_state(z, e, ZS_ESTABLISHED);
        }
    }
    if (fl & TCP_FIN)
        set_state(z, e, ZS_CLOSED);
    if (fl & TCP_RST)
        set_state(z, e, ZS_RESET);
    if (z->state[e] != ZS_INACTIVE)
        return;
    /* No SYN/FIN/RST. Zeek: some stacks ack a SYN before answering it; such a pure ACK from
     * the responder does not make a partial connection. */
    if (e == RESP && p->payload_len == 0 && z->state[ORIG] == ZS_SYN_SENT)
        return;
    if ((fl & TCP_ACK) && z->state[peer] == ZS_ESTABLISHED)
        set_state(z, e, ZS_ESTABLISHED);
    else
        set_state(z, e, ZS_PARTIAL);
}

/* Zeek's UpdateSYN_SentState: only FIN and RST move a SYN_SENT / SYN_ACK_SENT endpoint
 * (a pure ACK from it does not: the peer's SYN is what establishes it). */
static void update_syn_sent(struct zeek_conn *z, int e, uint8_t fl)
{
    if (fl & TCP_FIN)
        set_state(z, e, ZS_CLOSED);
    if (fl & TCP_RST)
        set_state(z, e, ZS_RESET);
}

/* Zeek's UpdateEstablishedState (ESTABLISHED or PARTIAL). */
static void update_established(struct zeek_conn *z, int e, uint8_t fl)
{
    int peer = !e;
    /* Zeek ("SYN_after_partial"): a SYN without ACK from a partial endpoint whose peer has
     * sent nothing restarts it as SYN_SENT. */
    if ((fl & TCP_SYN) && !(fl & TCP_ACK) && z->state[e] == ZS_PARTIAL &&
        z->state[peer] == ZS_INACTIVE)
        set_state(z, e, ZS_SYN_SENT);
    if ((fl & TCP_FIN) && !(fl & TCP_RST)) {
        set_state(z, e, ZS_CLOSED);
        /* The peer sent FIN then RST: a normal close after all. */
        if (z->state[peer] == ZS_RESET && z->prev_state[peer] == ZS_CLOSED)
            set_state(z, peer, ZS_CLOSED);
    }
    if (fl & TCP_RST)
        set_state(z, e, ZS_RESET);
}

/* Zeek's UpdateClosedState: a RST after both FINs changes nothing. */
static void update_closed(struct zeek_conn *z, int e, uint8_t fl)
{
    if ((fl & TCP_RST) && z->state[!e] != ZS_CLOSED)
        set_state(z, e, ZS_RESET);
}

static void tcp_state_machine(struct zeek_conn *z, int e, const struct packet *p)
{
    switch (z->state[e]) {
    case ZS_INACTIVE:
        update_inactive(z, e, p);
        break;
    case ZS_SYN_SENT:
    case ZS_SYN_ACK_SENT:
        update_syn_sent(z, e, p->tcp.flags);
        break;
    case ZS_PARTIAL:
    case ZS_ESTABLISHED:
        update_established(z, e, p->tcp.flags);
        break;
    case ZS_CLOSED:
        update_closed(z, e, p->tcp.flags);
        break;
    default:                     /* ZS_RESET: nothing moves it */
        break;
    }
}

/* ---- per packet ----------------------------------------------------------------------------- */

/* Zeek's update_window(): a zero window counts unless the packet is a RST, this endpoint has
 * already reset, or the peer has sent a FIN (states before this packet). Zeek does not exclude
 * SYN or FIN packets, so this reads the raw window itself instead of notes->zero_window (the
 * tracker's rule skips SYN/FIN/RST). A zero window is zero at any scale. */
static bool zeek_zero_window(const struct zeek_conn *z, int e, const struct packet *p)
{
    return p->tcp.win == 0 && !(p->tcp.flags & TCP_RST) && z->state[e] != ZS_RESET &&
           z->state[!e] != ZS_CLOSED;
}

static void tcp_packet(struct zeek_conn *z, bool from_orig, const struct packet *p,
                       const struct zeek_seg_notes *notes)
{
    int e = from_orig ? ORIG : RESP;
    struct zeek_dir *d = &z->dir[e];

    history_flags(z, from_orig, p);
    if (zeek_zero_window(z, e, p))
        hist_scaled(z, from_orig, 'W', &d->n_zero_win);
    /* Differs: Zeek's 'T' is "payload whose end does not pass the highest sequence end sent
     * so far" and its 'G' is raised when an ACK passes a hole; both are taken here from the
     * analyzer's tracker, which judges the same things per segment. */
    if (notes && notes->retransmission)
        hist_scaled(z, from_orig, 'T', &d->n_retrans);
    if (notes && notes->content_gap)
        hist_scaled(z, from_orig, 'G', &d->n_gap);
    /* 'C' (bad checksum) never: finscope does not verify checksums; n_bad_cksum stays 0. */
    tcp_state_machine(z, e, p);
}

void zeek_init(struct zeek_conn *z, uint8_t l4proto, bool direction_inferred)
{
    memset(z, 0, sizeof *z);
    z->l4proto = l4proto;
    if (direction_inferred)
        hist_add(z, true, '^');
}

void zeek_packet(struct zeek_conn *z, bool from_orig, const struct packet *p,
                 const struct zeek_seg_notes *notes)
{
    int e = from_orig ? ORIG : RESP;
    z->any_packet[e] = true;
    if (p->payload_len > 0)
        z->any_payload[e] = true;
    if (z->l4proto == IPPROTO_NUM_TCP)
        tcp_packet(z, from_orig, p, notes);
    else if (z->l4proto == IPPROTO_NUM_UDP)
        /* Zeek's UDP analyzer records D/d for every datagram, payload or not. */
        hist_once(z, &z->dir[e].seen_D, from_orig, 'D');
    /* Zeek: ICMP and other protocols record no history letters. */
}

/* ---- conn_state ----------------------------------------------------------------------------- */

/* True when the whole history matches main.zeek's /\^?S[^HAFGIQ]*R.* /: after the S, an 'R'
 * comes before any of H, A, F, G, I, Q (case matters: 'h' or 'a' do not stop it). */
static bool history_is_rstos0(const char *h)
{
    if (*h == '^')
        h++;
    if (*h++ != 'S')
        return false;
    for (; *h && !strchr("HAFGIQ", *h); h++)
        if (*h == 'R')
            return true;
    return false;
}

static bool inactive(uint8_t s)
{
    return s == ZS_INACTIVE || s == ZS_PARTIAL;
}

static const char *tcp_conn_state(const struct zeek_conn *z)
{
    uint8_t os = z->state[ORIG], rs = z->state[RESP];
    if (rs == ZS_RESET) {
        /* Differs: Zeek's "no payload" reads sizes from sequence numbers; this reads the
         * payload actually seen. */
        bool no_payload = !z->any_payload[ORIG] && !z->any_payload[RESP];
        if (os == ZS_SYN_SENT || os == ZS_SYN_ACK_SENT || (os == ZS_RESET && no_payload))
            return "REJ";
        return inactive(os) ? "RSTRH" : "RSTR";
    }
    if (os == ZS_RESET) {
        if (!inactive(rs))
            return "RSTO";
        return history_is_rstos0(z->history) ? "RSTOS0" : "OTH";
    }
    if (os == ZS_CLOSED && rs == ZS_CLOSED)
        return "SF";
    if (os == ZS_CLOSED)
        return inactive(rs) ? "SH" : "S2";
    if (rs == ZS_CLOSED)
        return inactive(os) ? "SHR" : "S3";
    if (os == ZS_SYN_SENT && rs == ZS_INACTIVE)
        return "S0";
    if (os == ZS_ESTABLISHED && rs == ZS_ESTABLISHED)
        return "S1";
    return "OTH";
}

/* Zeek's UDP endpoints are active once they sent a datagram. */
static const char *udp_conn_state(const struct zeek_conn *z)
{
    if (z->any_packet[ORIG])
        return z->any_packet[RESP] ? "SF" : "S0";
    return z->any_packet[RESP] ? "SHR" : "OTH";
}

const char *zeek_conn_state(const struct zeek_conn *z)
{
    if (z->l4proto == IPPROTO_NUM_TCP)
        return tcp_conn_state(z);
    if (z->l4proto == IPPROTO_NUM_UDP)
        return udp_conn_state(z);
    return "OTH";                /* Zeek: ICMP and anything else */
}
