/*
 * test_analyzer_loss.c — capture loss (docs/teardown.md §10): segments inferred from later
 * packets, the final-ACK and end-of-input rules on packet time, and gap accounting. The
 * analyzer is driven packet by packet (struct packet built directly) into a mock sink.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "analyzer/analyzer.h"

#define MAXF 4
#define MAXR 64

struct captured {
    int nflows;
    struct flow_record f[MAXF];
    struct teardown_event ev[MAXF][MAXR];
    size_t nev[MAXF];
    struct anomaly_record an[MAXF][MAXR];
    size_t nan[MAXF];
};

static int mock_flow(void *ctx, const struct flow_record *f, const struct teardown_event *ev,
                     size_t nev, const struct anomaly_record *an, size_t nan,
                     const struct rst_record *rst, size_t nrst, int64_t *id)
{
    (void)rst, (void)nrst;
    struct captured *c = ctx;
    cr_assert_lt(c->nflows, MAXF);
    int i = c->nflows++;
    c->f[i] = *f;
    c->nev[i] = nev < MAXR ? nev : MAXR;
    if (c->nev[i])
        memcpy(c->ev[i], ev, c->nev[i] * sizeof *ev);
    c->nan[i] = nan < MAXR ? nan : MAXR;
    if (c->nan[i])                             /* NULL when there are none */
        memcpy(c->an[i], an, c->nan[i] * sizeof *an);
    *id = i + 1;
    return 0;
}

static int mock_late(void *ctx, int64_t id, const struct late_rows *rows)
{
    (void)ctx, (void)id, (void)rows;
    return 0;
}

static struct captured cap;
static struct analyzer *az;
static uint64_t pkt_no;
static int64_t now;

static void setup(void)
{
    memset(&cap, 0, sizeof cap);
    struct sink s = {.ctx = &cap, .flow = mock_flow, .late = mock_late};
    struct analyzer_config c;
    analyzer_config_default(&c);
    c.dpi = false;
    az = analyzer_new(&c, &s);
    cr_assert_not_null(az);
    pkt_no = 0;
    now = 1700000000LL * 1000000;
}

static void teardown_(void)
{
    analyzer_free(az);
}

TestSuite(loss, .init = setup, .fini = teardown_);

enum { C = 0, S = 1 };        /* client 10.0.0.1:cport, server 10.0.0.2:80 */
#define A TCP_ACK
#define F (TCP_FIN | TCP_ACK)

/* One packet 1 ms after the last, of the connection from client port `cport`. */
static void segp(uint16_t cport, int from, uint8_t flags, uint32_t seq, uint32_t ack,
                 uint32_t len)
{
    struct packet p;
    memset(&p, 0, sizeof p);
    now += 1000;
    p.ts_us = now;
    p.ip_version = 4;
    p.src.family = p.dst.family = 4;
    uint8_t ca[4] = {10, 0, 0, 1}, sa[4] = {10, 0, 0, 2};
    memcpy(p.src.bytes, from == C ? ca : sa, 4);
    memcpy(p.dst.bytes, from == C ? sa : ca, 4);
    p.sport = from == C ? cport : 80;
    p.dport = from == C ? 80 : cport;
    p.l4proto = IPPROTO_NUM_TCP;
    p.tcp.flags = flags;
    p.tcp.seq = seq;
    p.tcp.ack = ack;
    p.tcp.win = 65535;
    p.payload_len = len;
    p.ip_len = 40 + len;
    cr_assert_eq(analyzer_packet(az, &p, ++pkt_no), 0);
}

static void seg(int from, uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len)
{
    segp(40000, from, flags, seq, ack, len);
}

static void finish(void)
{
    cr_assert_eq(analyzer_finish(az), 0);
}

/* client ISN 1000, server ISN 5000; handshake, then 100 bytes each way */
static void opened(void)
{
    seg(C, TCP_SYN, 1000, 0, 0);
    seg(S, TCP_SYN | A, 5000, 1001, 0);
    seg(C, A, 1001, 5001, 0);
    seg(C, A | TCP_PSH, 1001, 5001, 100);
    seg(S, A | TCP_PSH, 5001, 1101, 100);
    seg(C, A, 1101, 5101, 0);
}

static bool has_anomaly(int flow, const char *kind)
{
    for (size_t i = 0; i < cap.nan[flow]; i++)
        if (strcmp(anomaly_kind_name(cap.an[flow][i].kind), kind) == 0)
            return true;
    return false;
}

/* The inferred events of flow 0, as "dir:flags" words (e.g. "0:17 1:16"), in order. */
static const char *inferred(void)
{
    static char buf[128];
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < cap.nev[0]; i++)
        if (cap.ev[0][i].inferred)
            n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%u:%u", n ? " " : "",
                                  cap.ev[0][i].dir, cap.ev[0][i].flags);
    return buf;
}

static void verdict(const char *teardown, const char *closer)
{
    cr_assert_eq(cap.nflows, 1);
    cr_assert_str_eq(cap.f[0].teardown, teardown);
    cr_assert_str_eq(cap.f[0].closer, closer);
}

Test(loss, fin_inferred_from_the_peers_fin)
{
    opened();                                  /* the client's FIN at 1101 is missed */
    seg(S, F, 5101, 1102, 0);
    seg(C, A, 1102, 5102, 0);
    finish();
    verdict("graceful", "originator");
    cr_assert_str_eq(inferred(), "0:17");      /* FIN+ACK from the client */
    cr_assert_eq(cap.f[0].gaps, 0);
    cr_assert(!has_anomaly(0, "ack_of_unseen_data"));
}

Test(loss, fin_inferred_from_a_pure_ack_then_the_peers_fin)
{
    opened();
    seg(C, F, 1101, 5101, 0);                  /* the client closes first */
    seg(S, A, 5101, 1102, 0);                  /* the server's FIN at 5101 is missed ... */
    seg(C, A, 1102, 5102, 0);                  /* ... the client acknowledges it */
    finish();
    verdict("graceful", "originator");
    /* the server's FIN, and the client's ACK of it (seen before the FIN was known) */
    cr_assert_str_eq(inferred(), "1:17 0:16");
    cr_assert_eq(cap.f[0].gaps, 0);
}

Test(loss, one_byte_then_new_data_is_no_fin)
{
    opened();
    seg(S, A, 5101, 1102, 0);                  /* one byte (1101) missed, acknowledged */
    seg(C, A | TCP_PSH, 1102, 5101, 50);       /* new data beyond it: it was data */
    seg(S, A, 5101, 1152, 0);
    finish();
    verdict("open", "none");
    cr_assert_str_eq(inferred(), "");
    cr_assert_eq(cap.f[0].gaps, 1);
    cr_assert_eq(cap.f[0].gap_bytes, 1);
    cr_assert(has_anomaly(0, "ack_of_unseen_data"));
}

Test(loss, synack_inferred_from_the_originators_ack)
{
    seg(C, TCP_SYN, 1000, 0, 0);               /* the SYN+ACK (ISN 5000) is missed */
    seg(C, A, 1001, 5001, 0);
    seg(C, A | TCP_PSH, 1001, 5001, 100);
    seg(S, A | TCP_PSH, 5001, 1101, 100);
    seg(C, F, 1101, 5101, 0);
    seg(S, F, 5101, 1102, 0);
    seg(C, A, 1102, 5102, 0);
    finish();
    verdict("graceful", "originator");
    cr_assert_str_eq(inferred(), "1:18");      /* SYN+ACK */
    cr_assert_eq(cap.f[0].rtt_us[DIR_ORIG], -1);
    cr_assert_eq(cap.f[0].rtt_us[DIR_RESP], -1);
}

Test(loss, handshake_ack_inferred_before_a_reset)
{
    seg(C, TCP_SYN, 1000, 0, 0);
    seg(S, TCP_SYN | A, 5000, 1001, 0);        /* the client's ACK and request are missed */
    seg(S, A, 5001, 1101, 0);
    seg(S, TCP_RST | A, 5001, 1101, 0);
    finish();
    verdict("rst_responder", "responder");
    cr_assert_str_eq(inferred(), "0:16");
    cr_assert(!has_anomaly(0, "rst_ack_mismatch"));
}

Test(loss, final_ack_inferred_when_the_capture_goes_on)
{
    opened();
    seg(C, F, 1101, 5101, 0);
    seg(S, A, 5101, 1102, 0);
    seg(S, F, 5101, 1102, 0);                  /* the client's final ACK is missed */
    now += 2000000;
    segp(40001, C, TCP_SYN, 7000, 0, 0);       /* the capture goes on 2 s */
    finish();
    cr_assert_eq(cap.nflows, 2);
    int i = cap.f[0].orig_port == 40000 ? 0 : 1;
    cr_assert_str_eq(cap.f[i].teardown, "graceful");
    cr_assert_str_eq(cap.f[i].orig_state, "TIME_WAIT");
    cr_assert_str_eq(cap.f[i].resp_state, "CLOSED");
    for (size_t k = 0; k < cap.nan[i]; k++)
        cr_assert_neq(cap.an[i][k].kind, AN_FIN_NOT_ACKED);
}

Test(loss, fin_cut_off_by_the_end_of_input)
{
    opened();
    seg(C, F, 1101, 5101, 0);
    seg(S, A, 5101, 1102, 0);
    seg(S, F, 5101, 1102, 0);                  /* the capture stops before the final ACK */
    finish();
    verdict("graceful", "originator");
    cr_assert_str_eq(cap.f[0].orig_state, "FIN_WAIT_2");   /* as seen */
    cr_assert_str_eq(cap.f[0].resp_state, "LAST_ACK");
    cr_assert_str_eq(inferred(), "");
    cr_assert(!has_anomaly(0, "fin_not_acked"));
}

Test(loss, lone_fin_cut_off_is_half_closed)
{
    opened();
    seg(C, F, 1101, 5101, 0);
    finish();
    verdict("half_closed", "originator");
    cr_assert(!has_anomaly(0, "fin_not_acked"));
}

Test(loss, retransmitted_fin_is_never_taken_as_acked)
{
    opened();
    seg(C, F, 1101, 5101, 0);
    now += 1500000;
    seg(C, F, 1101, 5101, 0);                  /* retransmitted: its sender saw no ACK */
    now += 2000000;
    segp(40001, C, TCP_SYN, 7000, 0, 0);
    finish();
    int i = cap.f[0].orig_port == 40000 ? 0 : 1;
    cr_assert_str_eq(cap.f[i].teardown, "abnormal");
    cr_assert_str_eq(cap.f[i].reason, "fin_not_acked");
}

Test(loss, gaps_count_acknowledged_bytes_never_seen)
{
    opened();
    seg(C, A | TCP_PSH, 1201, 5101, 100);      /* 1101..1201 missed: a hole */
    seg(C, A | TCP_PSH, 1301, 5101, 100);      /* in order after 1201..1301 */
    seg(S, A, 5101, 1401, 0);                  /* acknowledges past the hole: one gap */
    seg(S, A, 5101, 1501, 0);                  /* 1401..1501 never seen: a second */
    finish();
    cr_assert_eq(cap.f[0].gaps, 2);
    cr_assert_eq(cap.f[0].gap_bytes, 200);
    /* acknowledged: the client's 500 bytes (1001..1501), the server's 100 */
    cr_assert_eq(cap.f[0].acked_bytes, 600);
}

Test(loss, retransmission_fills_a_hole_before_the_ack)
{
    opened();
    seg(C, A | TCP_PSH, 1201, 5101, 100);      /* hole 1101..1201 */
    seg(C, A | TCP_PSH, 1101, 5101, 100);      /* filled (out of order) */
    seg(S, A, 5101, 1301, 0);
    finish();
    cr_assert_eq(cap.f[0].gaps, 0);
    cr_assert_eq(cap.f[0].gap_bytes, 0);
}
