/*
 * analyzer.c — each flow's life: start (who is the originator), packets, timeouts, port reuse,
 * emission through the sink, lingering for late RSTs, eviction when the table is full.
 *
 * Invariants relied on:
 *  - a flow is on exactly one timeout queue; `now_us` never runs backwards and every flow is
 *    queued at `now_us`, so a queue's head is its first flow to expire (flow_table.c);
 *  - no queued flow times out before `next_expiry_us`: every queue_put() lowers it to the
 *    flow's deadline, expire() sets it to the earliest head's — so that most packets, when
 *    nothing is due, cost expire() one comparison instead of a walk over the queues;
 *  - an emitted flow keeps no events, anomalies or nDPI state; it only lingers (Q_LINGER) so a
 *    late RST can still be tied to it, and is freed when its linger time ends;
 *  - after a sink error the analyzer refuses further work (returns -1): the caller stops.
 */
#include <stdlib.h>
#include <string.h>

#include "analyzer/flow.h"
#include "analyzer/rst_evidence.h"

struct analyzer {
    struct analyzer_config cfg;
    struct sink sink;
    struct flow_table *flows;
    struct dpi *dpi;          /* NULL when DPI is off */
    int64_t now_us;           /* the clock: the latest packet time seen (or advanced to) */
    int64_t next_expiry_us;   /* no queued flow is due before it (a lower bound) */
    int64_t latest_pkt_us;    /* the latest packet time seen (the end of input's time) */
    bool failed;
    struct analyzer_stats st;
};

void analyzer_config_default(struct analyzer_config *c)
{
    memset(c, 0, sizeof *c);
    c->idle_established_us = 300 * 1000000LL;
    c->idle_short_us = 30 * 1000000LL;
    c->idle_rst_us = 10 * 1000000LL;
    c->idle_other_us = 60 * 1000000LL;
    c->close_grace_us = 1 * 1000000LL;
    c->linger_us = 60 * 1000000LL;
    c->idle_gap_us = 30 * 1000000LL;
    c->max_flows = 1000000;
    c->max_events = 64;
    c->dpi = true;
}

struct analyzer *analyzer_new(const struct analyzer_config *c, const struct sink *s)
{
    struct analyzer *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->cfg = *c;
    a->sink = *s;
    a->flows = flow_table_new();
    a->dpi = c->dpi ? dpi_new() : NULL;
    if (!a->flows || (c->dpi && !a->dpi)) {
        analyzer_free(a);
        return NULL;
    }
    return a;
}

int analyzer_reset(struct analyzer *a)
{
    flow_table_free(a->flows);
    a->flows = flow_table_new();
    a->now_us = a->latest_pkt_us = a->next_expiry_us = 0;
    memset(&a->st, 0, sizeof a->st);
    a->failed = !a->flows;        /* out of memory: refuse work, as after a sink error */
    return a->failed ? -1 : 0;
}

void analyzer_free(struct analyzer *a)
{
    if (!a)
        return;
    flow_table_free(a->flows);
    dpi_free(a->dpi);
    free(a);
}

/* ---- starting a flow ----------------------------------------------------------------------- */

/* Ports a server listens on: below 1024, or a common service port (teardown-spec §1). */
static bool service_port(uint16_t port)
{
    static const uint16_t common[] = {1433, 1521, 2049, 3306, 3389, 5060, 5432, 5672, 5900,
                                      6379, 6443, 8000, 8008, 8080, 8443, 8888, 9000, 9092,
                                      9200, 11211, 27017};
    if (port != 0 && port < 1024)
        return true;
    for (size_t i = 0; i < sizeof common / sizeof *common; i++)
        if (port == common[i])
            return true;
    return false;
}

/* Is the packet's source the originator? With no SYN to tell: a SYN+ACK's sender is the
 * responder; else a service port on exactly one side marks the responder; else the first
 * packet's source originates. *midstream: TCP with no SYN seen (the direction was inferred);
 * *flipped: the first packet came from the responder. */
static bool source_originates(const struct packet *p, bool *midstream, bool *flipped)
{
    bool tcp = p->l4proto == IPPROTO_NUM_TCP;
    uint8_t syn_ack = tcp ? p->tcp.flags & (TCP_SYN | TCP_ACK) : 0;
    *midstream = tcp && syn_ack != TCP_SYN;
    if (tcp && syn_ack == TCP_SYN)
        *flipped = false;
    else if (tcp && syn_ack == (TCP_SYN | TCP_ACK))
        *flipped = true;
    else
        *flipped = service_port(p->sport) && !service_port(p->dport);
    return !*flipped;
}

static void flow_start(struct flow *f, const struct packet *p, uint8_t side)
{
    bool inferred, flipped;
    f->orig_side = source_originates(p, &inferred, &flipped) ? side : (uint8_t)!side;
    f->direction_inferred = inferred || flipped;
    f->first_ts_us = p->ts_us;
    f->first_rst_dir = f->first_close_dir = -1;
    f->rtt_us[0] = f->rtt_us[1] = -1;
    f->multiple_rst_an = f->challenge_loop_an = -1;
    for (int i = 0; i < 2; i++) {
        f->data_after_fin_an[i] = f->data_after_rst_an[i] = f->unseen_ack_an[i] = -1;
        f->dir[i].wscale = -1;
    }
    if (p->l4proto == IPPROTO_NUM_TCP) {
        f->midstream = inferred;
        bool synack_first = (p->tcp.flags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK);
        f->state[DIR_ORIG] = !inferred ? ST_CLOSED : synack_first ? ST_SYN_SENT : ST_ESTABLISHED;
        f->state[DIR_RESP] = !inferred || synack_first ? ST_LISTEN : ST_ESTABLISHED;
    }
    zeek_init(&f->zeek, p->l4proto, f->direction_inferred);
    rst_evidence_init(f);
}

/* ---- emitting ------------------------------------------------------------------------------ */

static void sort_events(struct flow *f)
{
    for (uint16_t i = 1; i < f->nevents; i++) {
        struct teardown_event e = f->events[i];
        uint16_t j = i;
        for (; j > 0 && f->events[j - 1].packet > e.packet; j--)
            f->events[j] = f->events[j - 1];
        f->events[j] = e;
    }
}

/* A pending inexact RST that nobody answered is taken as accepted (RFC 9293 receiver). */
static void settle_pending_rst(struct analyzer *a, struct flow *f)
{
    struct pending_rst *pr = &f->pending;
    if (!pr->active)
        return;
    pr->active = false;
    struct segment s = {.pkt_no = pr->packet, .dir = pr->dir, .flags = pr->flags,
                        .seq = pr->seq, .ack = pr->ack, .len = pr->len, .ts_us = pr->ts_us};
    tcp_accept_rst(f, &s, a->cfg.max_events);
    if (s.transition)
        flow_add_event(f, a->cfg.max_events, &s);
    if (pr->anomaly < f->nanomalies)
        strncat(f->anomalies[pr->anomaly].detail, "; no reply: taken as accepted",
                sizeof f->anomalies[pr->anomaly].detail -
                strlen(f->anomalies[pr->anomaly].detail) - 1);
}

/* The records kept until emission (an emitted flow keeps none). */
static void free_records(struct flow *f)
{
    if (f->dpi) {
        dpi_release(f->dpi);
        free(f->dpi);
        f->dpi = NULL;
    }
    free(f->events);
    free(f->anomalies);
    f->events = NULL;
    f->anomalies = NULL;
    f->nevents = f->events_cap = f->nanomalies = f->anomalies_cap = 0;
    rst_evidence_free(f);
}

static int emit(struct analyzer *a, struct flow *f, const char *ended_by)
{
    if (f->key.l4proto == IPPROTO_NUM_TCP) {
        settle_pending_rst(a, f);
        loss_at_emission(f, a->now_us, a->latest_pkt_us, strcmp(ended_by, "end_of_input") == 0,
                         a->cfg.max_events);
        tcp_track_finish(f);
        rst_evidence_finish(f);
        sort_events(f);
    }
    /* A flow whose label could not be allocated (out of memory) stays unlabelled. */
    if (a->dpi && f->dpi && !f->dpi->done)
        dpi_finish(a->dpi, f->dpi);
    struct flow_record r;
    flow_fill_record(f, ended_by, &r);
    rst_evidence_fill(f, &r);
    int rc = a->sink.flow(a->sink.ctx, &r, f->events, f->nevents, f->anomalies,
                          f->nanomalies, f->rst.rows, f->rst.nrows, &f->flow_id);
    f->emitted = true;
    free_records(f);
    a->st.flows_emitted++;
    if (rc != 0)
        a->failed = true;
    return rc;
}

/* Frees a flow; once emitted, the sink is told no late anomaly will name it any more. */
static void drop(struct analyzer *a, struct flow *f)
{
    if (f->emitted && a->sink.forget)
        a->sink.forget(a->sink.ctx, f->flow_id);
    flow_table_remove(a->flows, f);
}

static int64_t queue_timeout(const struct analyzer *a, enum flow_queue q)
{
    switch (q) {
    case Q_SHORT: return a->cfg.idle_short_us;
    case Q_ESTABLISHED: return a->cfg.idle_established_us;
    case Q_RESET: return a->cfg.idle_rst_us;
    case Q_OTHER: return a->cfg.idle_other_us;
    case Q_CLOSED: return a->cfg.close_grace_us;
    default: return a->cfg.linger_us;
    }
}

/* When a flow touched at touch_us times out on queue q (saturating). */
static int64_t deadline_of(const struct analyzer *a, enum flow_queue q, int64_t touch_us)
{
    int64_t t = queue_timeout(a, q);
    return touch_us > 0 && t > INT64_MAX - touch_us ? INT64_MAX : touch_us + t;
}

static void queue_put(struct analyzer *a, struct flow *f, enum flow_queue q, int64_t touch_us)
{
    flow_queue_put(a->flows, f, q, touch_us);
    int64_t due = deadline_of(a, q, touch_us);
    if (due < a->next_expiry_us)
        a->next_expiry_us = due;
}

/* Emits (or, when lingering, frees) the head of queue q. */
static int retire(struct analyzer *a, struct flow *f, enum flow_queue q, const char *ended_by)
{
    if (q == Q_LINGER) {
        drop(a, f);
        return 0;
    }
    int64_t deadline = f->touch_us + queue_timeout(a, q);
    int rc = emit(a, f, ended_by);
    if (q == Q_CLOSED && rc == 0 && a->cfg.linger_us > 0)
        queue_put(a, f, Q_LINGER, deadline);
    else
        drop(a, f);
    return rc;
}

static int expire(struct analyzer *a)
{
    if (a->now_us < a->next_expiry_us)
        return 0;
    int64_t next = INT64_MAX;
    for (int q = 0; q < Q_COUNT; q++) {   /* retire() puts flows on Q_LINGER, the last */
        struct flow *f;
        while ((f = flow_queue_head(a->flows, q)) &&
               a->now_us - f->touch_us >= queue_timeout(a, q))
            if (retire(a, f, q, q == Q_CLOSED ? "close" : "idle") != 0)
                return -1;
        if (f && deadline_of(a, q, f->touch_us) < next)
            next = deadline_of(a, q, f->touch_us);
    }
    a->next_expiry_us = next;
    return 0;
}

/* Table full: drop a lingering flow if there is one, else emit the longest idle. */
static int evict_one(struct analyzer *a)
{
    struct flow *victim = flow_queue_head(a->flows, Q_LINGER);
    enum flow_queue vq = Q_LINGER;
    for (int q = 0; q < Q_LINGER && !victim; q++) {
        struct flow *f = flow_queue_head(a->flows, q);
        if (f && (!victim || f->touch_us < victim->touch_us)) {
            victim = f;
            vq = q;
        }
    }
    if (!victim)
        return 0;
    if (vq != Q_LINGER)
        a->st.flows_evicted++;
    return retire(a, victim, vq, "evicted");
}

/* ---- packets ------------------------------------------------------------------------------- */

static enum flow_queue queue_for(const struct flow *f)
{
    if (f->key.l4proto != IPPROTO_NUM_TCP)
        return Q_OTHER;
    if (f->first_close_dir >= 0 && fsm_closed(f->state[0]) && fsm_closed(f->state[1]))
        return Q_CLOSED;
    if (f->first_rst_dir >= 0)
        return Q_RESET;
    if (f->dir[0].fin_seen || f->dir[1].fin_seen || (!f->handshake_done && !f->midstream))
        return Q_SHORT;
    return Q_ESTABLISHED;
}

/* A new SYN on a 5-tuple whose connection is over (or never got past its SYN) starts a new
 * flow; the same ISN again is a retransmission (teardown-spec §4). */
static bool starts_new_connection(const struct flow *f, const struct packet *p, uint8_t dir)
{
    if (p->l4proto != IPPROTO_NUM_TCP || (p->tcp.flags & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN)
        return false;
    if (f->dir[dir].syn_seen && p->tcp.seq == f->dir[dir].isn)
        return false;
    bool over = f->emitted || f->first_rst_dir >= 0 ||
                (f->first_close_dir >= 0 && fsm_closed(f->state[0]) && fsm_closed(f->state[1]));
    bool never_answered = !f->synack_seen && !f->handshake_done && !f->midstream;
    return over || never_answered;
}

/* A packet for an emitted flow: only a RST still means something. It gets its rsts row (and
 * rst_after_close after a graceful close, rst_spoofed when someone else sent it); the flow's
 * evidence is final, so other segments change nothing. */
static int lingering_packet(struct analyzer *a, struct flow *f, const struct packet *p,
                            uint64_t pkt_no, uint8_t dir)
{
    if (p->l4proto != IPPROTO_NUM_TCP || !(p->tcp.flags & TCP_RST))
        return 0;
    struct segment s = {.p = p, .pkt_no = pkt_no, .dir = dir, .flags = p->tcp.flags,
                        .seq = p->tcp.seq, .ack = p->tcp.ack, .len = p->payload_len,
                        .ts_us = p->ts_us};
    struct rst_before b = {.is_rst = true, .rare = true};
    rst_evidence_judge(f, &s, &b);
    /* RFC 1337 after a graceful close; otherwise the connection had ended (reset). */
    if (f->dir[0].fin_acked && f->dir[1].fin_acked)
        s.rst_verdict = (uint8_t)rst_check(f, &s);
    else
        s.rst_verdict = RST_AFTER_END;
    rst_evidence_rare(f, &s, &b);
    flow_add_event(f, 1, &s);
    struct late_rows rows = {.ev = f->nevents ? &f->events[0] : NULL, .an = f->anomalies,
                             .nan = f->nanomalies,
                             .rst = f->rst.nrows ? &f->rst.rows[f->rst.nrows - 1] : NULL};
    int rc = a->sink.late(a->sink.ctx, f->flow_id, &rows);
    free_records(f);
    if (rc != 0)
        a->failed = true;
    return rc;
}

static void account(struct flow *f, const struct packet *p, uint8_t dir)
{
    f->pkts[dir]++;
    f->bytes[dir] += p->payload_len;
    f->ip_bytes[dir] += p->ip_len;
    if (p->ts_us > f->last_ts_us)
        f->last_ts_us = p->ts_us;  /* the latest of its packets' own times */
}

static void process(struct analyzer *a, struct flow *f, const struct packet *p, uint64_t pkt_no,
                    uint8_t dir)
{
    struct zeek_seg_notes none = {0};
    if (p->l4proto == IPPROTO_NUM_TCP) {
        struct segment s = {.p = p, .pkt_no = pkt_no, .dir = dir, .flags = p->tcp.flags,
                            .seq = p->tcp.seq, .ack = p->tcp.ack, .len = p->payload_len,
                            .ts_us = p->ts_us};
        struct rst_before b;
        rst_evidence_before(f, &s, a->cfg.idle_gap_us, &b);   /* before account(): silences */
        account(f, p, dir);
        tcp_segment(f, &s, a->cfg.max_events);
        rst_evidence_after(f, &s, &b);
        zeek_packet(&f->zeek, dir == DIR_ORIG, p, &s.notes);
    } else {
        account(f, p, dir);
        zeek_packet(&f->zeek, dir == DIR_ORIG, p, &none);
    }
    if (a->dpi && (f->dpi || (f->dpi = calloc(1, sizeof *f->dpi))) && !f->dpi->done)
        dpi_feed(a->dpi, f->dpi, p, dir == DIR_ORIG, a->now_us);
    queue_put(a, f, queue_for(f), a->now_us);
}

static struct flow *new_flow(struct analyzer *a, const struct flow_key *k,
                             const struct flow_tunnel *tun, const struct packet *p, uint8_t side)
{
    while (flow_table_count(a->flows) >= a->cfg.max_flows && !a->failed)
        if (evict_one(a) != 0)
            return NULL;
    struct flow *f = flow_table_add(a->flows, k, tun);
    if (f)
        flow_start(f, p, side);
    return f;
}

int analyzer_packet(struct analyzer *a, const struct packet *p, uint64_t packet_no)
{
    if (a->failed)
        return -1;
    a->st.packets++;
    /* The clock never runs back: a packet earlier than one before it is timed (timeouts,
     * idle order, nDPI) as if at the latest time seen, but everything recorded of it (first_ts,
     * last_ts, event, anomaly and close times) keeps its own time (docs/teardown.md §4). */
    if (p->ts_us > a->now_us)
        a->now_us = p->ts_us;
    if (p->ts_us > a->latest_pkt_us)
        a->latest_pkt_us = p->ts_us;
    if (expire(a) != 0)
        return -1;
    struct flow_key k;
    struct flow_tunnel tun;
    uint8_t side;
    flow_key_of(p, &k, &tun, &side);
    struct flow *f = flow_table_find(a->flows, &k, &tun);
    if (f && starts_new_connection(f, p, side == f->orig_side ? DIR_ORIG : DIR_RESP)) {
        if (!f->emitted && emit(a, f, "port_reuse") != 0)
            return -1;
        drop(a, f);
        f = NULL;
    }
    if (f && f->emitted)
        return lingering_packet(a, f, p, packet_no, side == f->orig_side ? DIR_ORIG : DIR_RESP);
    if (!f && !(f = new_flow(a, &k, &tun, p, side)))
        return -1;
    process(a, f, p, packet_no, side == f->orig_side ? DIR_ORIG : DIR_RESP);
    return 0;
}

int analyzer_advance(struct analyzer *a, int64_t now_us)
{
    if (a->failed)
        return -1;
    if (now_us > a->now_us)
        a->now_us = now_us;
    return expire(a);
}

int analyzer_observe(struct analyzer *a, int64_t ts_us)
{
    if (ts_us > a->latest_pkt_us)
        a->latest_pkt_us = ts_us;
    return analyzer_advance(a, ts_us);
}

int analyzer_finish(struct analyzer *a)
{
    if (a->failed)
        return -1;
    for (int q = 0; q < Q_COUNT; q++) {
        struct flow *f;
        while ((f = flow_queue_head(a->flows, q))) {
            int rc = q == Q_LINGER ? 0 : emit(a, f, q == Q_CLOSED ? "close" : "end_of_input");
            drop(a, f);
            if (rc != 0)
                return -1;
        }
    }
    return 0;
}

void analyzer_get_stats(const struct analyzer *a, struct analyzer_stats *st)
{
    *st = a->st;
    st->flows_lingering = flow_queue_len(a->flows, Q_LINGER);
    st->flows_active = flow_table_count(a->flows) - st->flows_lingering;
}
