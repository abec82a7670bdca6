/*
 * test_analyzer_fsm.c — the analyzer driven segment by segment (no capture files): endpoint
 * states, teardown events, verdicts and anomalies for each teardown the spec names.
 * Packets are built as struct packet directly; a mock sink keeps what the analyzer emits.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "analyzer/analyzer.h"

#define MAXF 8
#define MAXR 64

struct captured {
    int nflows;
    struct flow_record f[MAXF];
    struct teardown_event ev[MAXF][MAXR];
    size_t nev[MAXF];
    struct anomaly_record an[MAXF][MAXR];
    size_t nan[MAXF];
    struct rst_record rst[MAXF][MAXR];
    size_t nrst[MAXF];
    int nlate;
    struct anomaly_record late[MAXR];
    int nlate_rst;
    struct rst_record late_rst[MAXR];
};

static int mock_flow(void *ctx, const struct flow_record *f, const struct teardown_event *ev,
                     size_t nev, const struct anomaly_record *an, size_t nan,
                     const struct rst_record *rst, size_t nrst, int64_t *id)
{
    struct captured *c = ctx;
    cr_assert_lt(c->nflows, MAXF);
    int i = c->nflows++;
    c->f[i] = *f;
    c->nev[i] = nev < MAXR ? nev : MAXR;
    if (c->nev[i])
        memcpy(c->ev[i], ev, c->nev[i] * sizeof *ev);
    c->nan[i] = nan < MAXR ? nan : MAXR;
    if (c->nan[i])
        memcpy(c->an[i], an, c->nan[i] * sizeof *an);
    c->nrst[i] = nrst < MAXR ? nrst : MAXR;
    if (c->nrst[i])
        memcpy(c->rst[i], rst, c->nrst[i] * sizeof *rst);
    *id = i + 1;
    return 0;
}

static int mock_late(void *ctx, int64_t id, const struct late_rows *rows)
{
    (void)id;
    struct captured *c = ctx;
    for (size_t i = 0; i < rows->nan; i++)
        c->late[c->nlate++] = rows->an[i];
    if (rows->rst)
        c->late_rst[c->nlate_rst++] = *rows->rst;
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

enum { C = 0, S = 1 };        /* client (10.0.0.1:40000), server (10.0.0.2:80) */

static void seg_w(int from, uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len,
                  uint16_t win, int wscale)
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
    p.sport = from == C ? 40000 : 80;
    p.dport = from == C ? 80 : 40000;
    p.l4proto = IPPROTO_NUM_TCP;
    p.tcp.flags = flags;
    p.tcp.seq = seq;
    p.tcp.ack = ack;
    p.tcp.win = win;
    if (wscale >= 0) {
        p.tcp.has_wscale = true;
        p.tcp.wscale = (uint8_t)wscale;
    }
    p.payload_len = len;
    p.ip_len = 40 + len;
    cr_assert_eq(analyzer_packet(az, &p, ++pkt_no), 0);
}

static void seg(int from, uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len)
{
    seg_w(from, flags, seq, ack, len, 65535, -1);
}

static void finish(void)
{
    cr_assert_eq(analyzer_finish(az), 0);
}

#define A TCP_ACK
/* client ISN 1000, server ISN 5000; handshake then 100 bytes each way */
static void handshake_and_data(void)
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

/* Was `state` ever the state of endpoint `who` in the flow's events? */
static bool passed_through(int flow, int who, enum tcp_state state)
{
    for (size_t i = 0; i < cap.nev[flow]; i++)
        if ((who == C ? cap.ev[flow][i].orig_state : cap.ev[flow][i].resp_state) == state)
            return true;
    return false;
}

#define EXPECT_FLOW(i, td, cl, os, rs)                                  \
    do {                                                                 \
        cr_assert_str_eq(cap.f[i].teardown, td);                         \
        cr_assert_str_eq(cap.f[i].closer, cl);                           \
        cr_assert_str_eq(cap.f[i].orig_state, os);                       \
        cr_assert_str_eq(cap.f[i].resp_state, rs);                       \
    } while (0)

TestSuite(fsm, .init = setup, .fini = teardown_);

Test(fsm, graceful_close_by_client)
{
    handshake_and_data();
    seg(C, TCP_FIN | A, 1101, 5101, 0);
    seg(S, A, 5101, 1102, 0);
    seg(S, TCP_FIN | A, 5101, 1102, 0);
    seg(C, A, 1102, 5102, 0);
    finish();
    cr_assert_eq(cap.nflows, 1);
    EXPECT_FLOW(0, "graceful", "originator", "TIME_WAIT", "CLOSED");
    cr_assert_eq(cap.nan[0], 0, "clean close raised %zu anomalies", cap.nan[0]);
    cr_assert(passed_through(0, C, ST_FIN_WAIT_1));
    cr_assert(passed_through(0, C, ST_FIN_WAIT_2));
    cr_assert(passed_through(0, S, ST_CLOSE_WAIT));
    cr_assert(passed_through(0, S, ST_LAST_ACK));
    cr_assert_null(cap.f[0].reason);
    cr_assert_str_eq(cap.f[0].ended_by, "close");
}

Test(fsm, graceful_close_by_server_with_fin_ack_combined)
{
    handshake_and_data();
    seg(S, TCP_FIN | A, 5101, 1101, 0);
    seg(C, TCP_FIN | A, 1101, 5102, 0);   /* acks the server's FIN and closes at once */
    seg(S, A, 5102, 1102, 0);
    finish();
    EXPECT_FLOW(0, "graceful", "responder", "CLOSED", "TIME_WAIT");
    cr_assert(passed_through(0, S, ST_FIN_WAIT_2));
    cr_assert_not(passed_through(0, S, ST_CLOSING));
    cr_assert_eq(cap.nan[0], 0);
}

Test(fsm, simultaneous_close_passes_through_closing)
{
    handshake_and_data();
    seg(C, TCP_FIN | A, 1101, 5101, 0);
    seg(S, TCP_FIN | A, 5101, 1101, 0);   /* does not ack the client's FIN: they cross */
    seg(C, A, 1102, 5102, 0);
    seg(S, A, 5102, 1102, 0);
    finish();
    EXPECT_FLOW(0, "graceful", "simultaneous", "TIME_WAIT", "TIME_WAIT");
    cr_assert(passed_through(0, C, ST_CLOSING));
    cr_assert(passed_through(0, S, ST_CLOSING));
    cr_assert_eq(cap.nan[0], 0);
}

Test(fsm, rejected_connection)
{
    seg(C, TCP_SYN, 1000, 0, 0);
    seg(S, TCP_RST | A, 0, 1001, 0);
    finish();
    EXPECT_FLOW(0, "rejected", "responder", "CLOSED", "CLOSED");
    cr_assert_eq(cap.nan[0], 0);
    cr_assert_str_eq(cap.f[0].conn_state, "REJ");
}

Test(fsm, rejected_with_wrong_ack_is_not_accepted)
{
    seg(C, TCP_SYN, 1000, 0, 0);
    seg(S, TCP_RST | A, 0, 77, 0);
    finish();
    cr_assert_str_eq(cap.f[0].teardown, "abnormal");
    cr_assert_str_eq(cap.f[0].reason, "only_unacceptable_rst");
    cr_assert(has_anomaly(0, "rst_ack_mismatch"));
}

Test(fsm, unanswered_syn)
{
    seg(C, TCP_SYN, 1000, 0, 0);
    seg(C, TCP_SYN, 1000, 0, 0);
    seg(C, TCP_SYN, 1000, 0, 0);
    finish();
    cr_assert_eq(cap.nflows, 1);
    EXPECT_FLOW(0, "unanswered", "none", "SYN_SENT", "LISTEN");
    cr_assert_str_eq(cap.f[0].conn_state, "S0");
}

Test(fsm, rst_by_originator_exact)
{
    handshake_and_data();
    seg(C, TCP_RST | A, 1101, 5101, 0);
    finish();
    EXPECT_FLOW(0, "rst_originator", "originator", "CLOSED", "CLOSED");
    cr_assert_eq(cap.nan[0], 0);
}

Test(fsm, rst_at_receivers_ack_while_data_in_flight_is_exact)
{
    handshake_and_data();
    seg(S, A | TCP_PSH, 5101, 1101, 500);  /* in flight: client has not acked it */
    seg(S, TCP_RST | A, 5101, 1101, 0);    /* seq = client's RCV.NXT, not server's nxt */
    finish();
    EXPECT_FLOW(0, "rst_responder", "responder", "CLOSED", "CLOSED");
    cr_assert_eq(cap.nan[0], 0);
}

Test(fsm, inexact_rst_answered_by_challenge_ack_does_not_close)
{
    handshake_and_data();
    seg(S, TCP_RST, 5101 + 3000, 0, 0);    /* in the client's window, not exact */
    seg(C, A, 1101, 5101, 0);              /* challenge ACK */
    seg(C, A | TCP_PSH, 1101, 5101, 10);   /* and the connection goes on */
    finish();
    cr_assert_str_eq(cap.f[0].teardown, "open");
    cr_assert(has_anomaly(0, "rst_seq_inexact"));
    cr_assert(cap.an[0][0].challenge_ack);
    cr_assert_str_eq(cap.an[0][0].expected, "seq=5101");
    cr_assert_str_eq(cap.an[0][0].observed, "seq=8101");
}

Test(fsm, inexact_rst_with_no_reply_is_taken_as_reset)
{
    handshake_and_data();
    seg(S, TCP_RST, 5101 + 3000, 0, 0);
    finish();
    EXPECT_FLOW(0, "rst_responder", "responder", "CLOSED", "CLOSED");
    cr_assert(has_anomaly(0, "rst_seq_inexact"));
    cr_assert_not(cap.an[0][0].challenge_ack);
}

Test(fsm, out_of_window_rst_is_ignored)
{
    handshake_and_data();
    seg(S, TCP_RST, 5101 + 200000, 0, 0);
    seg(C, A | TCP_PSH, 1101, 5101, 10);
    finish();
    cr_assert_str_eq(cap.f[0].teardown, "open");
    cr_assert(has_anomaly(0, "rst_seq_out_of_window"));
    cr_assert_str_eq(cap.an[0][0].expected, "seq in [5101,70636)");
}

Test(fsm, window_scale_widens_the_window)
{
    seg_w(C, TCP_SYN, 1000, 0, 0, 65535, 7);
    seg_w(S, TCP_SYN | A, 5000, 1001, 0, 65535, 7);
    seg_w(C, A, 1001, 5001, 0, 1000, -1);   /* 1000 << 7 = 128000 */
    seg(S, TCP_RST, 5001 + 100000, 0, 0);   /* in window only when scaled */
    seg(C, A, 1001, 5001, 0);               /* challenge ACK */
    finish();
    cr_assert(has_anomaly(0, "rst_seq_inexact"));
    cr_assert_not(has_anomaly(0, "rst_seq_out_of_window"));
}

Test(fsm, half_closed_at_end)
{
    handshake_and_data();
    seg(C, TCP_FIN | A, 1101, 5101, 0);
    seg(S, A, 5101, 1102, 0);
    seg(S, A | TCP_PSH, 5101, 1102, 100);  /* server keeps sending: allowed */
    seg(C, A, 1102, 5201, 0);
    finish();
    EXPECT_FLOW(0, "half_closed", "originator", "FIN_WAIT_2", "CLOSE_WAIT");
    cr_assert_eq(cap.nan[0], 0);
}

/* The FIN retransmitted until well after a second: the capture did not just stop before the
 * ACK (that would be a FIN cut off by the end of input, test_analyzer_loss.c). */
Test(fsm, fin_never_acked_is_abnormal)
{
    handshake_and_data();
    seg(C, TCP_FIN | A, 1101, 5101, 0);
    now += 1500000;
    seg(C, TCP_FIN | A, 1101, 5101, 0);
    finish();
    cr_assert_str_eq(cap.f[0].teardown, "abnormal");
    cr_assert_str_eq(cap.f[0].reason, "fin_not_acked");
    cr_assert(has_anomaly(0, "fin_not_acked"));
}

Test(fsm, data_after_fin_and_retransmitted_fin)
{
    handshake_and_data();
    seg(C, TCP_FIN | A, 1101, 5101, 0);
    seg(C, TCP_FIN | A, 1101, 5101, 0);
    seg(C, A | TCP_PSH, 1102, 5101, 20);
    finish();
    cr_assert(has_anomaly(0, "fin_retransmitted"));
    cr_assert(has_anomaly(0, "data_after_fin"));
}

Test(fsm, sequence_wraps_during_teardown)
{
    uint32_t c = 0xFFFFFF00u, s = 0xFFFFFFF0u;
    seg(C, TCP_SYN, c, 0, 0);
    seg(S, TCP_SYN | A, s, c + 1, 0);
    seg(C, A, c + 1, s + 1, 0);
    seg(C, A | TCP_PSH, c + 1, s + 1, 0x200);     /* crosses 2^32 */
    seg(S, A | TCP_PSH, s + 1, c + 0x201, 0x40);  /* crosses 2^32 */
    seg(C, TCP_FIN | A, c + 0x201, s + 0x41, 0);
    seg(S, TCP_FIN | A, s + 0x41, c + 0x202, 0);
    seg(C, A, c + 0x202, s + 0x42, 0);
    finish();
    EXPECT_FLOW(0, "graceful", "originator", "TIME_WAIT", "CLOSED");
    cr_assert_eq(cap.nan[0], 0);
}

Test(fsm, port_reuse_splits_flows)
{
    handshake_and_data();
    seg(C, TCP_FIN | A, 1101, 5101, 0);
    seg(S, TCP_FIN | A, 5101, 1102, 0);
    seg(C, A, 1102, 5102, 0);
    seg(C, TCP_SYN, 900000, 0, 0);             /* same 4-tuple, new ISN */
    seg(S, TCP_RST | A, 0, 900001, 0);
    finish();
    cr_assert_eq(cap.nflows, 2);
    cr_assert_str_eq(cap.f[0].teardown, "graceful");
    cr_assert_str_eq(cap.f[0].ended_by, "port_reuse");
    cr_assert_str_eq(cap.f[1].teardown, "rejected");
}

Test(fsm, lone_rst_is_backscatter)
{
    seg(S, TCP_RST, 12345, 0, 0);
    finish();
    cr_assert_str_eq(cap.f[0].teardown, "abnormal");
    cr_assert_str_eq(cap.f[0].reason, "lone_rst");
}

Test(fsm, rst_after_graceful_close_in_grace_and_late)
{
    handshake_and_data();
    seg(C, TCP_FIN | A, 1101, 5101, 0);
    seg(S, TCP_FIN | A, 5101, 1102, 0);
    seg(C, A, 1102, 5102, 0);
    seg(S, TCP_RST, 5102, 0, 0);               /* within the 1 s grace */
    now += 5 * 1000000LL;                      /* flow emitted, now lingering */
    seg(S, TCP_RST, 5102, 0, 0);
    finish();
    EXPECT_FLOW(0, "graceful", "originator", "TIME_WAIT", "CLOSED");
    cr_assert(has_anomaly(0, "rst_after_close"));
    cr_assert_eq(cap.nlate, 1);
    cr_assert_str_eq(anomaly_kind_name(cap.late[0].kind), "rst_after_close");
}

Test(fsm, midstream_close_uses_service_port_for_direction)
{
    seg(S, A | TCP_PSH, 5101, 1101, 100);      /* first packet from the server */
    seg(C, A, 1101, 5201, 0);
    seg(C, TCP_FIN | A, 1101, 5201, 0);
    seg(S, TCP_FIN | A, 5201, 1102, 0);
    seg(C, A, 1102, 5202, 0);
    finish();
    cr_assert(cap.f[0].midstream);
    cr_assert_eq(cap.f[0].orig_port, 40000);
    EXPECT_FLOW(0, "graceful", "originator", "TIME_WAIT", "CLOSED");
    cr_assert_eq(cap.f[0].history[0], '^');
}

Test(fsm, invalid_flags)
{
    handshake_and_data();
    seg(C, 0, 1101, 0, 0);
    seg(C, TCP_SYN | TCP_FIN, 1101, 0, 0);
    seg(C, TCP_FIN, 1101, 0, 0);
    finish();
    size_t n = 0;
    for (size_t i = 0; i < cap.nan[0]; i++)
        n += cap.an[0][i].kind == AN_INVALID_FLAGS;
    cr_assert_eq(n, 3);
}

Test(fsm, ack_of_unseen_data)
{
    handshake_and_data();
    seg(C, A, 1101, 9999, 0);
    finish();
    cr_assert(has_anomaly(0, "ack_of_unseen_data"));
}

Test(fsm, data_after_rst_and_multiple_rst)
{
    handshake_and_data();
    seg(C, TCP_RST | A, 1101, 5101, 0);
    seg(S, A | TCP_PSH, 5101, 1101, 50);
    seg(C, TCP_RST, 1101, 0, 0);
    finish();
    cr_assert_str_eq(cap.f[0].teardown, "rst_originator");
    cr_assert(has_anomaly(0, "data_after_rst"));
    cr_assert(has_anomaly(0, "multiple_rst"));
}

Test(fsm, challenge_loop)
{
    handshake_and_data();
    for (int i = 0; i < 3; i++) {
        seg(S, TCP_RST, 5101 + 3000, 0, 0);
        seg(C, A, 1101, 5101, 0);
    }
    finish();
    cr_assert(has_anomaly(0, "rst_challenge_loop"));
    cr_assert_str_eq(cap.f[0].teardown, "open");
}

/* Each segment is 1 ms after the last (seg_w). Both legs of the handshake are measured from
 * the latest transmission they answer; a leg not seen stays -1. */
Test(fsm, handshake_rtt_legs)
{
    seg(C, TCP_SYN, 1000, 0, 0);
    seg(C, TCP_SYN, 1000, 0, 0);          /* retransmitted: the SYN+ACK answers this one */
    now += 5000;
    seg(S, TCP_SYN | A, 5000, 1001, 0);   /* 6 ms after the second SYN */
    now += 2000;
    seg(C, A, 1001, 5001, 0);             /* 3 ms after the SYN+ACK */
    finish();
    cr_assert_eq(cap.nflows, 1);
    cr_assert_eq(cap.f[0].rtt_us[DIR_RESP], 6000);
    cr_assert_eq(cap.f[0].rtt_us[DIR_ORIG], 3000);
}

Test(fsm, handshake_rtt_without_the_syn)
{
    seg(S, TCP_SYN | A, 7000, 2001, 0);   /* seen from its SYN+ACK: no SYN leg */
    seg(C, A, 2001, 7001, 0);
    finish();
    cr_assert_eq(cap.nflows, 1);
    cr_assert_eq(cap.f[0].rtt_us[DIR_RESP], -1);
    cr_assert_eq(cap.f[0].rtt_us[DIR_ORIG], 1000);
}
