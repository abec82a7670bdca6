/*
 * rst_origin.c — did the host whose address a RST carries send it? (teardown-spec §9; Weaver,
 * Sommer and Paxson, "Detecting Forged TCP Reset Packets", NDSS 2009.)
 *
 * Three pieces of evidence, each against the host's own non-RST packets of the flow:
 *   TTL     its packets agree (one TTL, or two adjacent ones after a route change) and the
 *           RST's TTL differs from that one TTL, or lies more than 1 outside the two; a host
 *           whose TTLs spread wider gives no TTL evidence
 *   IP ID   (IPv4) its IDs increase (at least 3 steps forward, none far, few back: a counter)
 *           and the RST's ID is far from its last one; only for RSTs a live socket sends —
 *           socketless RSTs (refused, after_close, no_connection, idle_timeout) come from
 *           another counter or carry ID 0 (Linux: ID 0 and DF), so they prove nothing
 *   after   the host sent new data or a new ACK more than one RTT after its own RST
 * Any of them: `other` (and rst_spoofed). None, with at least 2 other packets from the host:
 * `endpoint`. Fewer: `unknown`. An abort/unknown RST whose origin is other becomes `injected`.
 */
#include "analyzer/rst_internal.h"

int64_t rst_rtt_us(const struct flow *f)
{
    int64_t rtt = 0;
    bool known = false;
    for (int i = 0; i < 2; i++) {
        if (f->rtt_us[i] >= 0) {
            rtt += f->rtt_us[i];
            known = true;
        }
    }
    return known ? rtt : 1000000;
}

struct origin_view {
    const struct rst_record *r;
    const struct rst_watch *w;
    const struct rst_dir_evidence *e;
    uint64_t others;              /* the host's non-RST packets */
    bool ttl_other, id_other, id_fits;
};

static void judge_ttl(struct origin_view *v)
{
    const struct rst_dir_evidence *e = v->e;
    if (v->others < 2 || e->ttl_hi - e->ttl_lo > 1)
        return;
    int slack = e->ttl_hi == e->ttl_lo ? 0 : 1;
    v->ttl_other = v->r->ttl < e->ttl_lo - slack || v->r->ttl > e->ttl_hi + slack;
}

/* A counter: at least 3 steps forward within RST_ID_NEAR, none far, at most 1 back in 4. */
static bool ids_increase(const struct rst_dir_evidence *e)
{
    return e->id_up >= 3 && e->id_odd == 0 && (uint32_t)e->id_back * 4 <= e->id_up;
}

static void judge_id(struct origin_view *v)
{
    const struct rst_record *r = v->r;
    const struct rst_watch *w = v->w;
    if (!w->id_applies || r->ip_id <= 0 || !w->id_prev || !ids_increase(v->e))
        return;
    int d = (int16_t)(uint16_t)((uint16_t)r->ip_id - w->id_prev);
    int64_t allow = RST_ID_NEAR + (r->ts_us - w->id_prev_ts_us) / 1000;
    if (allow >= 32768)
        return;                   /* long enough for any counter to have moved anywhere */
    v->id_other = d > allow || d < -RST_ID_NEAR;
    v->id_fits = !v->id_other;
}

/* "ttl 64, host's 12 others 63" (or "63-64"); the ID and what came after, when they tell. */
static void describe(const struct origin_view *v, struct words *w)
{
    const struct rst_record *r = v->r;
    const struct rst_dir_evidence *e = v->e;
    if (v->others < 2 && !v->w->after) {
        words_add(w, "the host sent ");
        words_uint(w, v->others);
        words_add(w, v->others == 1 ? " other packet: too few to compare"
                                    : " other packets: too few to compare");
        return;
    }
    words_add(w, r->ip_id < 0 ? "hop limit " : "ttl ");
    words_uint(w, r->ttl);
    words_add(w, ", host's ");
    words_uint(w, v->others);
    words_add(w, " others ");
    words_uint(w, e->ttl_lo);
    if (e->ttl_hi != e->ttl_lo) {
        words_add(w, "-");
        words_uint(w, e->ttl_hi);
    }
    if (v->id_other || v->id_fits) {
        words_add(w, "; ip id ");
        words_hex16(w, (unsigned)r->ip_id);
        words_add(w, v->id_other ? " far from the host's " : " follows ");
        words_hex16(w, v->w->id_prev);
    }
    if (v->w->after) {
        words_add(w, "; host sent ");
        words_uint(w, v->w->after);
        words_add(w, v->w->after == 1 ? " new segment after it, from " :
                                        " new segments after it, from ");
        words_fixed(w, v->w->after_first_us / 100, 1);
        words_add(w, " ms later");
    }
}

/* "; " between the parts of expected / observed. */
static void part(struct words *w)
{
    if (w->len)
        words_add(w, "; ");
}

/* rst_spoofed: expected what the host's packets show, observed what the RST (and the host
 * after it) showed; only the evidence that said `other`. */
static void raise_spoofed(struct flow *f, const struct origin_view *v, const char *words)
{
    const struct rst_record *r = v->r;
    struct segment at = {.ts_us = r->ts_us, .pkt_no = r->packet, .dir = r->dir};
    struct anomaly_record *an = flow_add_anomaly(f, &at, AN_RST_SPOOFED);
    if (!an)
        return;
    const struct rst_dir_evidence *e = v->e;
    struct words x, o;
    words_at(&x, an->expected, sizeof an->expected);
    words_at(&o, an->observed, sizeof an->observed);
    if (v->ttl_other) {
        words_add(&x, "ttl ");
        words_uint(&x, e->ttl_lo);
        if (e->ttl_hi != e->ttl_lo) {
            words_add(&x, "-");
            words_uint(&x, e->ttl_hi);
        }
        words_add(&o, "ttl ");
        words_uint(&o, r->ttl);
    }
    if (v->id_other) {
        part(&x);
        words_add(&x, "ip id near ");
        words_hex16(&x, v->w->id_prev);
        part(&o);
        words_add(&o, "ip id ");
        words_hex16(&o, (unsigned)r->ip_id);
    }
    if (v->w->after) {
        part(&x);
        words_add(&x, "nothing from the host after");
        part(&o);
        words_uint(&o, v->w->after);
        words_add(&o, " new segments after");
    }
    struct words d;
    words_at(&d, an->detail, sizeof an->detail);
    words_add(&d, words);
}

void rst_origin_decide(struct flow *f, uint16_t row)
{
    struct rst_record *r = &f->rst.rows[row];
    struct origin_view v = {.r = r, .w = &rst_watch_of(f)[row], .e = &f->rst_dir[r->dir]};
    v.others = f->pkts[r->dir] - f->dir[r->dir].rsts;
    judge_ttl(&v);
    judge_id(&v);
    char said[140] = "";
    struct words w;
    words_at(&w, said, sizeof said);
    describe(&v, &w);
    if (v.ttl_other || v.id_other || v.w->after) {
        r->origin = RO_OTHER;
        if (v.w->fallback) {
            r->cause = RC_INJECTED;
            r->evidence[0] = '\0';
            words_at(&w, r->evidence, sizeof r->evidence);
            words_add(&w, "no other cause explains it, and the host did not send it: a third "
                          "party ended a live connection");
        }
        raise_spoofed(f, &v, said);
    } else {
        r->origin = v.others >= 2 ? RO_ENDPOINT : RO_UNKNOWN;
    }
    words_at(&w, r->evidence, sizeof r->evidence);
    words_add(&w, r->evidence[0] ? "; " : "");
    words_add(&w, said);
}
