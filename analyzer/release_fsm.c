/*
 * release_fsm.c — each endpoint's connection state, inferred by a passive observer.
 *
 * One table, TRANSITIONS, holds every state change finscope infers; read it beside the state
 * diagram of RFC 9293 §3.3.2 (Figure 5) — each row names the arc it stands for. The events are
 * what the observer can see (teardown-spec §3):
 *   EV_SEND_SYN, EV_SEND_SYNACK, EV_SEND_FIN, EV_SEND_RST   the endpoint's own segment
 *   EV_ACK_OF_SYN / EV_RECV_FIN    the endpoint acknowledges the peer's SYN / FIN: the ACK is
 *                                  the evidence that it received them
 *   EV_SYN_ACKED / EV_FIN_ACKED    the peer acknowledges this endpoint's SYN / FIN
 *   EV_RECV_RST                    the peer sent an acceptable RST
 * An event with no row for the endpoint's current state changes nothing (e.g. a FIN
 * retransmitted in FIN_WAIT_1). Callers (analyzer.c) derive events from each segment in the
 * order RFC 9293 §3.10.7.4 processes a segment: SYN, then ACK, then FIN.
 */
#include "analyzer/flow.h"

#define ANY_STATE ST_COUNT    /* wildcard "from": the row for every state without its own */

struct transition {
    uint8_t to;               /* enum tcp_state */
    const char *rfc_arc;      /* the arc of RFC 9293 Figure 5 (or the section) it stands for;
                                 NULL: no row, the event changes nothing */
};

/* TRANSITIONS[event][from], so that a segment's events cost a lookup, not a scan. Each row
 * reads (from, event, to, arc); a designator given twice is an error (-Woverride-init). */
#define ROW(from, event, to_state, arc) [event][from] = {(to_state), (arc)}

static const struct transition TRANSITIONS[EV_COUNT][ST_COUNT + 1] = {
    /* opening */
    ROW(ST_CLOSED, EV_SEND_SYN, ST_SYN_SENT, "CLOSED -> SYN-SENT: active OPEN, snd SYN"),
    ROW(ST_LISTEN, EV_SEND_SYNACK, ST_SYN_RECEIVED, "LISTEN -> SYN-RCVD: rcv SYN, snd SYN,ACK"),
    ROW(ST_CLOSED, EV_SEND_SYNACK, ST_SYN_RECEIVED, "LISTEN -> SYN-RCVD (listener not seen)"),
    ROW(ST_SYN_SENT, EV_ACK_OF_SYN, ST_ESTABLISHED, "SYN-SENT -> ESTAB: rcv SYN,ACK, snd ACK"),
    ROW(ST_SYN_RECEIVED, EV_SYN_ACKED, ST_ESTABLISHED, "SYN-RCVD -> ESTAB: rcv ACK of SYN"),
    /* closing, active side */
    ROW(ST_ESTABLISHED, EV_SEND_FIN, ST_FIN_WAIT_1, "ESTAB -> FIN-WAIT-1: CLOSE, snd FIN"),
    ROW(ST_SYN_RECEIVED, EV_SEND_FIN, ST_FIN_WAIT_1, "SYN-RCVD -> FIN-WAIT-1: CLOSE, snd FIN"),
    ROW(ST_SYN_SENT, EV_SEND_FIN, ST_FIN_WAIT_1, "not an RFC arc: FIN before the handshake"),
    ROW(ST_FIN_WAIT_1, EV_FIN_ACKED, ST_FIN_WAIT_2, "FIN-WAIT-1 -> FIN-WAIT-2: rcv ACK of FIN"),
    ROW(ST_FIN_WAIT_1, EV_RECV_FIN, ST_CLOSING, "FIN-WAIT-1 -> CLOSING: rcv FIN, snd ACK"),
    ROW(ST_FIN_WAIT_2, EV_RECV_FIN, ST_TIME_WAIT, "FIN-WAIT-2 -> TIME-WAIT: rcv FIN, snd ACK"),
    ROW(ST_CLOSING, EV_FIN_ACKED, ST_TIME_WAIT, "CLOSING -> TIME-WAIT: rcv ACK of FIN"),
    /* closing, passive side */
    ROW(ST_ESTABLISHED, EV_RECV_FIN, ST_CLOSE_WAIT, "ESTAB -> CLOSE-WAIT: rcv FIN, snd ACK"),
    ROW(ST_SYN_RECEIVED, EV_RECV_FIN, ST_CLOSE_WAIT, "SYN-RCVD: rcv FIN -> CLOSE-WAIT (3.10.7.4)"),
    ROW(ST_CLOSE_WAIT, EV_SEND_FIN, ST_LAST_ACK, "CLOSE-WAIT -> LAST-ACK: CLOSE, snd FIN"),
    ROW(ST_LAST_ACK, EV_FIN_ACKED, ST_CLOSED, "LAST-ACK -> CLOSED: rcv ACK of FIN"),
    /* reset (3.10.7): the sender of an acceptable RST is done; so is a synchronized receiver */
    ROW(ANY_STATE, EV_SEND_RST, ST_CLOSED, "any state: snd RST (3.10.7.1-3)"),
    ROW(ST_SYN_SENT, EV_RECV_RST, ST_CLOSED, "SYN-SENT: rcv RST with acceptable ACK"),
    ROW(ST_SYN_RECEIVED, EV_RECV_RST, ST_LISTEN, "SYN-RCVD -> LISTEN: rcv RST (passive OPEN)"),
    ROW(ST_ESTABLISHED, EV_RECV_RST, ST_CLOSED, "ESTAB: rcv RST"),
    ROW(ST_FIN_WAIT_1, EV_RECV_RST, ST_CLOSED, "FIN-WAIT-1: rcv RST"),
    ROW(ST_FIN_WAIT_2, EV_RECV_RST, ST_CLOSED, "FIN-WAIT-2: rcv RST"),
    ROW(ST_CLOSE_WAIT, EV_RECV_RST, ST_CLOSED, "CLOSE-WAIT: rcv RST"),
    ROW(ST_CLOSING, EV_RECV_RST, ST_CLOSED, "CLOSING: rcv RST"),
    ROW(ST_LAST_ACK, EV_RECV_RST, ST_CLOSED, "LAST-ACK: rcv RST"),
};
#undef ROW

bool fsm_apply(struct flow *f, uint8_t who, enum fsm_event ev)
{
    uint8_t cur = f->state[who];
    if ((unsigned)ev >= EV_COUNT || cur >= ST_COUNT)
        return false;
    const struct transition *t = &TRANSITIONS[ev][cur];
    if (!t->rfc_arc)
        t = &TRANSITIONS[ev][ANY_STATE];
    if (!t->rfc_arc || t->to == cur)
        return false;
    f->state[who] = t->to;
    return true;
}

bool fsm_closed(enum tcp_state s)
{
    return s == ST_CLOSED || s == ST_TIME_WAIT || s == ST_LISTEN;
}
