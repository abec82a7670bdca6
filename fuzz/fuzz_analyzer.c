/*
 * fuzz_analyzer.c — libFuzzer target: a sequence of TCP segments of one connection (either
 * direction, any flags, seq/ack near each other or anywhere, time steps that cross the
 * timeouts) through the analyzer, so the state machine, the RST rules and the sequence
 * arithmetic modulo 2^32 meet every order of events. The sink checks what the records say:
 * names from the documented vocabulary, reason exactly for abnormal, event and anomaly packet
 * numbers within the run, no more events than max_events, every recorded time within the
 * flow's first and last packet; one RST row per RST segment (up to the per-flow cap), each
 * with a cause and origin from the vocabulary and its evidence in words, an injected cause
 * only with origin other, one rst_spoofed anomaly per RST of origin other, and the flow's
 * rst_cause set exactly when an acceptable RST ended it.
 *
 * Each segment is 12 input bytes: dir+flags(2) seq-delta(4) ack-delta(4) len(1) dt(1); the
 * first byte's upper bits also vary the TTL and the IPv4 ID.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/analyzer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What the sink knows about the run, to check the records against. */
struct run_view {
    uint64_t packets;             /* packets given so far */
    size_t max_events;
};

static bool one_of(const char *s, const char *const *names)
{
    for (; s && *names; names++)
        if (strcmp(s, *names) == 0)
            return true;
    return false;
}

static const char *const ENDED_BY[] = {"close", "idle", "end_of_input", "port_reuse", "evicted",
                                       NULL};
static const char *const TEARDOWN[] = {"unanswered", "rejected", "rst_originator",
                                       "rst_responder", "graceful", "half_closed", "open",
                                       "abnormal", NULL};

/* Times recorded for a flow lie within its first and last packet (docs/schema.md: duration,
 * close_duration are differences of them, never negative). Time only moves forward here. */
static void check_times(const struct flow_record *f, const struct teardown_event *ev,
                        size_t nev, const struct anomaly_record *an, size_t nan)
{
    if (f->last_ts_us < f->first_ts_us)
        abort();
    if (f->close_start_ts_us && (f->close_start_ts_us < f->first_ts_us ||
                                 f->close_start_ts_us > f->last_ts_us))
        abort();
    if (f->close_end_ts_us && f->close_start_ts_us && f->close_end_ts_us < f->close_start_ts_us)
        abort();
    for (size_t i = 0; i < nev; i++)
        if (ev[i].ts_us < f->first_ts_us || ev[i].ts_us > f->last_ts_us)
            abort();
    for (size_t i = 0; i < nan; i++)
        if (an[i].ts_us < f->first_ts_us || an[i].ts_us > f->last_ts_us)
            abort();
}

static void check_rst(const struct run_view *rv, const struct rst_record *r)
{
    if (r->cause >= RC_COUNT || r->origin >= RO_COUNT || r->acceptable >= RA_COUNT ||
        r->packet == 0 || r->packet > rv->packets || r->dir > DIR_RESP ||
        !(r->flags & TCP_RST) || !memchr(r->evidence, 0, sizeof r->evidence) ||
        !r->evidence[0] || (r->cause == RC_INJECTED && r->origin != RO_OTHER) ||
        (r->silence_us >= 0) != (r->cause == RC_IDLE_TIMEOUT))
        abort();
}

/* RST rows against the flow: their number, rst_spoofed per origin other, the ending RST. */
static void check_rsts(const struct run_view *rv, const struct flow_record *f,
                       const struct anomaly_record *an, size_t nan,
                       const struct rst_record *rst, size_t nrst)
{
    size_t other = 0, spoofed = 0;
    for (size_t i = 0; i < nrst; i++) {
        check_rst(rv, &rst[i]);
        other += rst[i].origin == RO_OTHER;
        if (rst[i].ts_us < f->first_ts_us || rst[i].ts_us > f->last_ts_us)
            abort();
    }
    for (size_t i = 0; i < nan; i++)
        spoofed += an[i].kind == AN_RST_SPOOFED;
    uint64_t segments = (uint64_t)f->rsts[0] + f->rsts[1];
    if (nrst > segments || (nrst < segments && nrst < 256) || (nan < 256 && spoofed != other))
        abort();
    bool ended = f->teardown && (strncmp(f->teardown, "rst_", 4) == 0 ||
                                 strcmp(f->teardown, "rejected") == 0);
    if ((f->rst_cause != NULL) != (f->rst_origin != NULL) ||
        (ended && nrst && nrst < 256 && !f->rst_cause))
        abort();
}

static int check_flow(void *ctx, const struct flow_record *f, const struct teardown_event *ev,
                      size_t nev, const struct anomaly_record *an, size_t nan,
                      const struct rst_record *rst, size_t nrst, int64_t *id)
{
    const struct run_view *rv = ctx;
    if (!f->conn_state || !one_of(f->ended_by, ENDED_BY))
        abort();
    if (f->l4proto == IPPROTO_NUM_TCP) {
        if (!one_of(f->teardown, TEARDOWN) || !f->closer || !f->orig_state || !f->resp_state)
            abort();
        /* reason is set exactly for abnormal (docs/schema.md) */
        if ((strcmp(f->teardown, "abnormal") == 0) != (f->reason != NULL))
            abort();
    }
    if (f->pkts[0] + f->pkts[1] == 0 || !memchr(f->history, 0, sizeof f->history))
        abort();
    if (nev > rv->max_events)
        abort();
    for (size_t i = 0; i < nev; i++)
        if (ev[i].orig_state >= ST_COUNT || ev[i].resp_state >= ST_COUNT ||
            ev[i].packet == 0 || ev[i].packet > rv->packets || ev[i].dir > DIR_RESP)
            abort();
    for (size_t i = 0; i < nan; i++)
        if (an[i].kind >= AN_KIND_COUNT || !memchr(an[i].detail, 0, sizeof an[i].detail) ||
            !memchr(an[i].expected, 0, sizeof an[i].expected) ||
            !memchr(an[i].observed, 0, sizeof an[i].observed) ||
            an[i].packet == 0 || an[i].packet > rv->packets)
            abort();
    check_times(f, ev, nev, an, nan);
    check_rsts(rv, f, an, nan, rst, nrst);
    *id = 1;
    return 0;
}

static int late(void *ctx, int64_t id, const struct late_rows *rows)
{
    (void)id;
    for (size_t i = 0; i < rows->nan; i++)
        if (rows->an[i].kind >= AN_KIND_COUNT)
            abort();
    if (rows->rst)
        check_rst(ctx, rows->rst);
    if (!rows->rst && !rows->nan)
        abort();
    return 0;
}

static uint32_t rd32(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static void fill(struct packet *p, int from_client, const uint8_t *b, uint32_t base[2],
                 int64_t *now)
{
    memset(p, 0, sizeof *p);
    uint8_t ca[4] = {192, 0, 2, 1}, sa[4] = {192, 0, 2, 2};
    p->ip_version = 4;
    p->src.family = p->dst.family = 4;
    memcpy(p->src.bytes, from_client ? ca : sa, 4);
    memcpy(p->dst.bytes, from_client ? sa : ca, 4);
    p->sport = from_client ? 51000 : 443;
    p->dport = from_client ? 443 : 51000;
    p->l4proto = IPPROTO_NUM_TCP;
    p->tcp.flags = b[1];
    /* small deltas keep segments near the connection's sequence space; large ones wander */
    p->tcp.seq = base[!from_client] + rd32(b + 2);
    p->tcp.ack = base[from_client] + rd32(b + 6);
    p->tcp.win = (uint16_t)(b[10] << 8);
    p->tcp.has_wscale = b[0] & 2;
    p->ttl = (uint8_t)(64 - ((b[0] >> 2) & 3));     /* a third party's TTL now and then */
    p->ip_id = (uint16_t)(b[0] & 0x80 ? base[0] >> 16 : 0x1000 + (uint32_t)*now / 1000);
    p->tcp.wscale = b[10] & 15;
    p->payload_len = b[10];
    p->ip_len = 40 + p->payload_len;
    *now += (int64_t)b[11] * b[11] * 2000;     /* up to ~130 s: crosses every timeout */
    p->ts_us = *now;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct analyzer_config c;
    analyzer_config_default(&c);
    c.dpi = false;
    c.max_flows = 2 + (size & 3);
    struct run_view rv = {.max_events = c.max_events};
    struct sink s = {.ctx = &rv, .flow = check_flow, .late = late};
    struct analyzer *a = analyzer_new(&c, &s);
    if (!a)
        return 0;
    uint32_t base[2] = {0xFFFFFF00u, 0x7FFFFFF0u};
    int64_t now = 1000000;
    uint64_t n = 0;
    for (size_t off = 0; off + 12 <= size; off += 12) {
        struct packet p;
        fill(&p, data[off] & 1, data + off, base, &now);
        rv.packets = ++n;
        if (analyzer_packet(a, &p, n) != 0)
            abort();
    }
    if (analyzer_finish(a) != 0)
        abort();
    analyzer_free(a);
    return 0;
}
