/*
 * bigdb.c — writes a large result file straight through storage's sink, for the HTML report's
 * size tests (tests/e2e/t_html_report.sh, t_html_browser.sh) and its measurement (docs/report.md):
 *
 *   bigdb OUT.db N     one run of N flows
 *
 * No capture is made or analyzed: the flows are built here, the way the analyzer would emit
 * them, with coherent teardown events (states as docs/teardown.md infers them) and anomalies.
 * Deterministic: flow i is a function of i only. Each block of 100 flows (i % 100) holds 60
 * graceful (0-59; 0, 25 and 50 retransmit their FIN, 0 and 50 also get a late RST:
 * fin_retransmitted, rst_after_close), 8 rst_responder (60-67; 60 and 64 first send an inexact
 * RST answered by a challenge ACK, 64 then gets data after the RST), 5 rst_originator,
 * 5 rejected, 4 unanswered, 4 open, 3 half_closed, 2 abnormal (a FIN never acknowledged) and
 * 9 UDP (DNS) flows. Every RST has its rsts row: aborts by the endpoint, refusals of origin
 * unknown, the late RSTs after_close, and one rst_responder flow in 16 (i % 16 == 4) ended by an
 * injected RST (origin other).
 * Clients 10.a.b.c (20,000 of them), 400 servers 198.18.x.y with names svcNNN.example.com on
 * 443 (TLS), 80 (HTTP) or 22 (SSH); one hour of traffic from 2026-01-01T00:00:00Z.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/storage.h"

#define T0_US 1767225600000000LL  /* 2026-01-01T00:00:00Z */
#define HOUR_US 3600000000LL

enum kind { K_GRACEFUL, K_RST_RESP, K_RST_ORIG, K_REJECTED, K_UNANSWERED, K_OPEN, K_HALF,
            K_ABNORMAL, K_UDP };

/* Which class flow i (0..99 within its block) gets. */
static enum kind kind_of(unsigned i)
{
    static const struct { unsigned upto; enum kind k; } mix[] = {
        {60, K_GRACEFUL}, {68, K_RST_RESP}, {73, K_RST_ORIG}, {78, K_REJECTED},
        {82, K_UNANSWERED}, {86, K_OPEN}, {89, K_HALF}, {91, K_ABNORMAL}, {100, K_UDP},
    };
    for (size_t m = 0; m < sizeof mix / sizeof *mix; m++)
        if (i < mix[m].upto)
            return mix[m].k;
    return K_UDP;
}

/* A flow's records as the analyzer would hand them to the sink. */
struct build {
    struct flow_record f;
    struct teardown_event ev[16];
    size_t nev;
    struct anomaly_record an[4];
    size_t nan;
    struct rst_record rst[4];
    size_t nrst;
    uint32_t nxt[2];
    int64_t t;
    uint64_t pkt;
};

/* One segment from `dir` carrying `len` bytes, after which the states are os / rs. */
static void seg(struct build *b, int dir, uint8_t flags, uint32_t len, enum tcp_state os,
                enum tcp_state rs)
{
    struct teardown_event *e = &b->ev[b->nev++];
    b->t += 1000 + (int64_t)(b->pkt % 7) * 3000;
    b->pkt += 1 + len / 1400;
    *e = (struct teardown_event){.ts_us = b->t, .packet = b->pkt, .dir = (uint8_t)dir,
                                 .flags = flags, .seq = b->nxt[dir], .ack = b->nxt[!dir],
                                 .len = len, .orig_state = os, .resp_state = rs};
    b->nxt[dir] += len + !!(flags & TCP_SYN) + !!(flags & TCP_FIN);
    b->f.pkts[dir] += 1;
    b->f.bytes[dir] += len;
    b->f.ip_bytes[dir] += len + 40;
    if (flags & TCP_FIN)
        b->f.fins[dir]++;
    if (flags & TCP_RST) {
        b->f.rsts[dir]++;
        b->rst[b->nrst++] = (struct rst_record){
            .ts_us = b->t, .packet = b->pkt, .dir = (uint8_t)dir, .flags = flags, .ttl = 64,
            .acceptable = RA_EXACT, .cause = RC_ABORT, .origin = RO_ENDPOINT, .ip_id = 0,
            .seq = e->seq, .ack = e->ack, .silence_us = -1, .evidence = "sent with data unread"};
    }
}

/* The last RST ended the flow: its cause and origin are the flow's. */
static void ended_by_rst(struct build *b, enum rst_cause c, enum rst_origin o)
{
    struct rst_record *r = &b->rst[b->nrst - 1];
    r->cause = (uint8_t)c;
    r->origin = (uint8_t)o;
    b->f.rst_cause = rst_cause_name(c);
    b->f.rst_origin = rst_origin_name(o);
}

/* Payload that changes no state: counted, not an event. */
static void data(struct build *b, int dir, uint32_t len)
{
    b->nxt[dir] += len;
    b->f.pkts[dir] += 1 + len / 1400;
    b->f.bytes[dir] += len;
    b->f.ip_bytes[dir] += len + 40 * (1 + len / 1400);
    b->t += 20000;
    b->pkt += 2 + len / 1400;
}

static void anomaly(struct build *b, enum anomaly_kind k, const char *expected,
                    const char *observed)
{
    const struct teardown_event *e = &b->ev[b->nev - 1];
    struct anomaly_record *a = &b->an[b->nan++];
    *a = (struct anomaly_record){.ts_us = e->ts_us, .packet = e->packet, .dir = e->dir,
                                 .kind = (uint8_t)k};
    snprintf(a->expected, sizeof a->expected, "%s", expected);
    snprintf(a->observed, sizeof a->observed, "%s", observed);
}

static void handshake(struct build *b)
{
    seg(b, DIR_ORIG, TCP_SYN, 0, ST_SYN_SENT, ST_LISTEN);
    seg(b, DIR_RESP, TCP_SYN | TCP_ACK, 0, ST_SYN_SENT, ST_SYN_RECEIVED);
    seg(b, DIR_ORIG, TCP_ACK, 0, ST_ESTABLISHED, ST_ESTABLISHED);
    data(b, DIR_ORIG, 300 + (uint32_t)(b->pkt % 900));
    data(b, DIR_RESP, 1200 + (uint32_t)(b->pkt * 37 % 20000));
}

static void verdict(struct build *b, const char *td, const char *closer, const char *zeek,
                    const char *history)
{
    b->f.teardown = td;
    b->f.closer = closer;
    b->f.conn_state = zeek;
    snprintf(b->f.history, sizeof b->f.history, "%s", history);
    const struct teardown_event *last = &b->ev[b->nev - 1];
    b->f.orig_state = tcp_state_name(last->orig_state);
    b->f.resp_state = tcp_state_name(last->resp_state);
}

static void graceful(struct build *b, uint64_t i)
{
    handshake(b);
    seg(b, DIR_ORIG, TCP_FIN | TCP_ACK, 0, ST_FIN_WAIT_1, ST_ESTABLISHED);
    if (i % 25 == 0) {
        b->nxt[DIR_ORIG]--;
        seg(b, DIR_ORIG, TCP_FIN | TCP_ACK, 0, ST_FIN_WAIT_1, ST_ESTABLISHED);
        anomaly(b, AN_FIN_RETRANSMITTED, "", "");
    }
    seg(b, DIR_RESP, TCP_ACK, 0, ST_FIN_WAIT_2, ST_CLOSE_WAIT);
    seg(b, DIR_RESP, TCP_FIN | TCP_ACK, 0, ST_FIN_WAIT_2, ST_LAST_ACK);
    seg(b, DIR_ORIG, TCP_ACK, 0, ST_TIME_WAIT, ST_CLOSED);
    if (i % 50 == 0) {
        seg(b, DIR_RESP, TCP_RST, 0, ST_TIME_WAIT, ST_CLOSED);
        anomaly(b, AN_RST_AFTER_CLOSE, "no segment after the close", "RST");
        b->rst[b->nrst - 1].cause = RC_AFTER_CLOSE;
        b->rst[b->nrst - 1].acceptable = RA_NONE;
    }
    b->f.close_start_ts_us = b->ev[3].ts_us;
    b->f.close_end_ts_us = b->t;
    verdict(b, "graceful", "originator", "SF", "ShADadFf");
}

static void rst_resp(struct build *b, uint64_t i)
{
    handshake(b);
    if (i % 4 == 0) {
        char exp[48], obs[48];
        snprintf(exp, sizeof exp, "seq=%u", b->nxt[DIR_RESP]);
        b->nxt[DIR_RESP] += 1000;
        snprintf(obs, sizeof obs, "seq=%u", b->nxt[DIR_RESP]);
        seg(b, DIR_RESP, TCP_RST, 0, ST_ESTABLISHED, ST_ESTABLISHED);
        anomaly(b, AN_RST_SEQ_INEXACT, exp, obs);
        b->an[b->nan - 1].challenge_ack = true;
        b->nxt[DIR_RESP] -= 1000;
    }
    seg(b, DIR_RESP, TCP_RST | TCP_ACK, 0, ST_CLOSED, ST_CLOSED);
    b->f.close_start_ts_us = b->f.close_end_ts_us = b->t;
    if (i % 8 == 0) {
        seg(b, DIR_ORIG, TCP_PSH | TCP_ACK, 120, ST_CLOSED, ST_CLOSED);
        anomaly(b, AN_DATA_AFTER_RST, "", "len=120");
    }
    if (b->nrst > 1)
        b->rst[0].acceptable = RA_IN_WINDOW;
    ended_by_rst(b, i % 16 == 4 ? RC_INJECTED : RC_ABORT, i % 16 == 4 ? RO_OTHER : RO_ENDPOINT);
    verdict(b, "rst_responder", "responder", "RSTR", "ShADdr");
}

static void build_tcp(struct build *b, enum kind k, uint64_t i)
{
    switch (k) {
    case K_GRACEFUL: graceful(b, i); break;
    case K_RST_RESP: rst_resp(b, i); break;
    case K_RST_ORIG:
        handshake(b);
        seg(b, DIR_ORIG, TCP_RST | TCP_ACK, 0, ST_CLOSED, ST_CLOSED);
        b->f.close_start_ts_us = b->f.close_end_ts_us = b->t;
        ended_by_rst(b, RC_ABORT, RO_ENDPOINT);
        verdict(b, "rst_originator", "originator", "RSTO", "ShADdR");
        break;
    case K_REJECTED:
        seg(b, DIR_ORIG, TCP_SYN, 0, ST_SYN_SENT, ST_LISTEN);
        seg(b, DIR_RESP, TCP_RST | TCP_ACK, 0, ST_CLOSED, ST_CLOSED);
        ended_by_rst(b, RC_REFUSED, RO_UNKNOWN);
        verdict(b, "rejected", "responder", "REJ", "Sr");
        break;
    case K_UNANSWERED:
        for (int n = 0; n < 3; n++) {
            seg(b, DIR_ORIG, TCP_SYN, 0, ST_SYN_SENT, ST_LISTEN);
            b->nxt[DIR_ORIG]--;
            b->t += 1000000 << n;
        }
        verdict(b, "unanswered", "none", "S0", "S");
        break;
    case K_OPEN:
        handshake(b);
        verdict(b, "open", "none", "S1", "ShADad");
        break;
    case K_HALF:
        handshake(b);
        seg(b, DIR_ORIG, TCP_FIN | TCP_ACK, 0, ST_FIN_WAIT_1, ST_ESTABLISHED);
        seg(b, DIR_RESP, TCP_ACK, 0, ST_FIN_WAIT_2, ST_CLOSE_WAIT);
        verdict(b, "half_closed", "originator", "S2", "ShADdFa");
        break;
    default:                      /* K_ABNORMAL: a FIN never acknowledged */
        handshake(b);
        seg(b, DIR_ORIG, TCP_FIN | TCP_ACK, 0, ST_FIN_WAIT_1, ST_ESTABLISHED);
        anomaly(b, AN_FIN_NOT_ACKED, "ack of the FIN", "none");
        verdict(b, "abnormal", "originator", "S1", "ShADdF");
        b->f.reason = "fin_not_acked";
        break;
    }
}

static void ipv4(struct ip_addr *a, unsigned b0, unsigned b1, unsigned b2, unsigned b3)
{
    *a = (struct ip_addr){.family = 4, .bytes = {(uint8_t)b0, (uint8_t)b1, (uint8_t)b2,
                                                 (uint8_t)b3}};
}

static void endpoints(struct build *b, uint64_t i, enum kind k)
{
    uint64_t client = (i * 7919) % 20000, server = (i * 104729 + i / 13) % 400;
    ipv4(&b->f.orig_addr, 10, (unsigned)(client / 5000), (unsigned)(client / 250 % 20),
         (unsigned)(client % 250 + 1));
    ipv4(&b->f.resp_addr, 198, 18, (unsigned)(server / 200), (unsigned)(server % 200 + 1));
    b->f.orig_port = (uint16_t)(20000 + i % 40000);
    static const uint16_t ports[] = {443, 443, 443, 80, 443, 22, 443, 80};
    static const char *const apps[] = {"TLS", "TLS", "TLS.Google", "HTTP", "TLS", "SSH", "TLS",
                                       "HTTP"};
    size_t svc = server % 8;
    b->f.resp_port = k == K_UDP ? 53 : ports[svc];
    snprintf(b->f.app_proto, sizeof b->f.app_proto, "%s", k == K_UDP ? "DNS" : apps[svc]);
    snprintf(b->f.app_category, sizeof b->f.app_category, "%s", k == K_UDP ? "Network" : "Web");
    if (k == K_UDP || ports[svc] != 22)
        snprintf(b->f.server_name, sizeof b->f.server_name, "svc%03u.example.com",
                 (unsigned)server);
    b->f.dpi_done = true;
}

static void build_flow(struct build *b, uint64_t i)
{
    enum kind k = kind_of((unsigned)(i % 100));
    memset(b, 0, sizeof *b);
    b->t = T0_US + (int64_t)(i * 2654435761u % 1000000) * (HOUR_US / 1000000);
    b->pkt = i * 12 + 1;
    b->nxt[0] = (uint32_t)(i * 2654435761u);
    b->nxt[1] = (uint32_t)(i * 40503u + 77);
    b->f.first_ts_us = b->t + 1000;
    b->f.ended_by = "close";
    for (int d = 0; d < 2; d++)
        b->f.wscale[d] = 7;
    endpoints(b, i, k);
    if (k == K_UDP) {
        b->f.l4proto = 17;
        snprintf(b->f.proto, sizeof b->f.proto, "udp");
        data(b, DIR_ORIG, 40);
        data(b, DIR_RESP, 120);
        b->f.ended_by = "idle";
    } else {
        b->f.l4proto = 6;
        snprintf(b->f.proto, sizeof b->f.proto, "tcp");
        build_tcp(b, k, i);
        if (k == K_OPEN || k == K_HALF || k == K_UNANSWERED)
            b->f.ended_by = "end_of_input";
    }
    b->f.last_ts_us = b->t;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: bigdb OUT.db N\n");
        return 2;
    }
    char *end;
    unsigned long long n = strtoull(argv[2], &end, 10);
    if (*end || n == 0) {
        fprintf(stderr, "bigdb: N must be a number of flows\n");
        return 2;
    }
    storage_library_init();
    struct storage *st;
    char err[600];
    if (storage_open(argv[1], 0, &st, err, sizeof err) < 0) {
        fprintf(stderr, "bigdb: %s\n", err);
        return 1;
    }
    struct sink s;
    storage_sink(st, &s);
    struct run_info info = {.source = "bigdb (synthetic flows)", .mode = "file",
                            .started_us = T0_US + HOUR_US + 60000000, .options = argv[2],
                            .dpi = true};
    struct run_totals t = {.first_pkt_us = T0_US, .complete = true};
    int rc = s.run_begin(s.ctx, &info);
    struct build *b = malloc(sizeof *b);
    for (uint64_t i = 0; rc == 0 && b && i < n; i++) {
        build_flow(b, i);
        int64_t id;
        rc = s.flow(s.ctx, &b->f, b->ev, b->nev, b->an, b->nan, b->rst, b->nrst, &id);
        t.packets += b->f.pkts[0] + b->f.pkts[1];
        t.bytes += b->f.ip_bytes[0] + b->f.ip_bytes[1] + 14 * (b->f.pkts[0] + b->f.pkts[1]);
        if (b->f.last_ts_us > t.last_pkt_us)
            t.last_pkt_us = b->f.last_ts_us;
        t.flows++;
    }
    t.finished_us = info.started_us + 5000000;
    if (rc == 0 && b)
        rc = s.run_end(s.ctx, &t);
    free(b);
    if (rc != 0 || !b)
        fprintf(stderr, "bigdb: %s\n", b ? storage_errmsg(st) : "out of memory");
    storage_close(st);
    return rc != 0 || !b;
}
