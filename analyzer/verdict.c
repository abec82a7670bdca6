/*
 * verdict.c — how a TCP connection ended (teardown-spec §6): one class per flow, the closer,
 * and for `abnormal` a short reason. The rules are tried in the spec's order; first match wins.
 * Inputs are the facts analyzer.c recorded while the flow lived; nothing here looks at packets.
 */
#include "analyzer/flow.h"

/* Acknowledged, or cut off by the end of input (taken as acknowledged: teardown.md
 * "Capture loss"). */
static bool fin_done(const struct flow *f, int d)
{
    return f->dir[d].fin_acked || f->loss[d].fin_cut;
}

static bool both_fins_acked(const struct flow *f)
{
    return fin_done(f, DIR_ORIG) && fin_done(f, DIR_RESP);
}

/* Only RST segments, all from one side: backscatter, not a reset of a connection seen here. */
static bool lone_rst(const struct flow *f)
{
    const struct tcp_dir *o = &f->dir[DIR_ORIG], *r = &f->dir[DIR_RESP];
    return !o->sent_non_rst && !r->sent_non_rst && (o->rsts == 0 || r->rsts == 0);
}

static const char *abnormal_reason(const struct flow *f)
{
    const struct tcp_dir *o = &f->dir[DIR_ORIG], *r = &f->dir[DIR_RESP];
    if (lone_rst(f))
        return "lone_rst";
    if (o->syn_seen && !f->synack_seen && (o->fin_seen || r->fin_seen))
        return "syn_then_fin";
    if ((o->fin_seen && !fin_done(f, DIR_ORIG)) || (r->fin_seen && !fin_done(f, DIR_RESP)))
        return "fin_not_acked";
    if (f->synack_seen && !f->handshake_done)
        return "no_handshake_reply";
    if (o->rsts + r->rsts > 0)
        return "only_unacceptable_rst";
    return "no_handshake_reply";
}

static const char *closer_of(const struct flow *f)
{
    if (f->fins_crossed && f->first_rst_dir < 0)
        return "simultaneous";
    if (f->first_close_dir < 0)
        return "none";
    return f->first_close_dir == DIR_ORIG ? "originator" : "responder";
}

static const char *teardown_of(const struct flow *f)
{
    const struct tcp_dir *o = &f->dir[DIR_ORIG], *r = &f->dir[DIR_RESP];
    bool synchronized = f->handshake_done || f->synack_seen || f->midstream;
    if (o->syn_seen && f->pkts[DIR_RESP] == 0 && !f->loss[DIR_RESP].syn_inferred)
        return "unanswered";     /* an inferred SYN+ACK answered (a one-way capture) */
    if (f->resp_rst_before_synack && f->first_rst_dir == DIR_RESP && !f->midstream)
        return "rejected";
    if (f->first_rst_dir >= 0 && f->rst_before_graceful && synchronized && !lone_rst(f))
        return f->first_rst_dir == DIR_ORIG ? "rst_originator" : "rst_responder";
    if (both_fins_acked(f))
        return "graceful";
    bool one_fin_acked = (fin_done(f, DIR_ORIG) && !r->fin_seen) ||
                         (fin_done(f, DIR_RESP) && !o->fin_seen);
    if (one_fin_acked && f->first_rst_dir < 0)
        return "half_closed";
    bool established = f->handshake_done || (f->midstream && (o->sent_non_rst || r->sent_non_rst));
    if (established && !o->fin_seen && !r->fin_seen && f->first_rst_dir < 0)
        return "open";
    return "abnormal";
}

void verdict_decide(const struct flow *f, struct verdict *v)
{
    v->teardown = teardown_of(f);
    v->closer = closer_of(f);
    v->reason = v->teardown[0] == 'a' && v->teardown[1] == 'b' ? abnormal_reason(f) : NULL;
}
