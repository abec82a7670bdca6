/*
 * test_analyzer_zeek.c — Zeek-compatible history and conn_state (analyzer/zeek.c) driven packet
 * by packet with hand-built struct packet values, one test per case of teardown-spec §8.
 * Sequence numbers are tracked per side so that repeated letters (S/F/R) depend on them.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "analyzer/zeek.h"

enum { O = 1, R = 0 };           /* from_orig values: O originator, R responder */
#define SYN TCP_SYN
#define ACK TCP_ACK
#define FIN TCP_FIN
#define RST TCP_RST

static struct zeek_conn z;
static uint32_t nxt[2];          /* next sequence number per side, [1] originator */

static void start(uint8_t proto, bool inferred)
{
    zeek_init(&z, proto, inferred);
    nxt[O] = 1000;
    nxt[R] = 900000;
}

/* One TCP packet at an explicit sequence number, with the tracker's notes and window. */
static void seg_full(int from, uint8_t flags, uint32_t seq, uint32_t len, uint16_t win,
                     struct zeek_seg_notes notes)
{
    struct packet p;
    memset(&p, 0, sizeof p);
    p.l4proto = IPPROTO_NUM_TCP;
    p.tcp.flags = flags;
    p.tcp.seq = seq;
    p.tcp.ack = nxt[!from];
    p.tcp.win = win;
    p.payload_len = len;
    zeek_packet(&z, from == O, &p, &notes);
}

static void seg_at(int from, uint8_t flags, uint32_t seq, uint32_t len)
{
    seg_full(from, flags, seq, len, 1024, (struct zeek_seg_notes){0});
}

/* One TCP packet at the side's next sequence number, which it then advances. */
static void seg(int from, uint8_t flags, uint32_t len)
{
    seg_at(from, flags, nxt[from], len);
    nxt[from] += len + !!(flags & SYN) + !!(flags & FIN);
}

static void udp(int from, uint32_t len)
{
    struct packet p;
    memset(&p, 0, sizeof p);
    p.l4proto = IPPROTO_NUM_UDP;
    p.payload_len = len;
    zeek_packet(&z, from == O, &p, &(struct zeek_seg_notes){0});
}

static void handshake(void)
{
    seg(O, SYN, 0);
    seg(R, SYN | ACK, 0);
    seg(O, ACK, 0);
}

static void expect(const char *history, const char *conn_state)
{
    cr_expect_str_eq(z.history, history);
    cr_expect_eq(z.hist_len, strlen(z.history));
    cr_expect_str_eq(zeek_conn_state(&z), conn_state);
}

static int count_char(const char *s, char c)
{
    int n = 0;
    for (; *s; s++)
        n += *s == c;
    return n;
}

/* ---- complete connections ---------------------------------------------------------------- */

Test(zeek, normal_close_is_SF)
{
    start(IPPROTO_NUM_TCP, false);
    handshake();
    seg(O, ACK | TCP_PSH, 100);
    seg(R, ACK, 0);
    seg(R, ACK | TCP_PSH, 300);
    seg(O, ACK, 0);
    seg(O, FIN | ACK, 0);
    seg(R, FIN | ACK, 0);
    seg(O, ACK, 0);
    expect("ShADadFf", "SF");
    cr_expect_eq(z.state[0], ZS_CLOSED);
    cr_expect_eq(z.state[1], ZS_CLOSED);
}

Test(zeek, handshake_only_is_S1)
{
    start(IPPROTO_NUM_TCP, false);
    handshake();
    expect("ShA", "S1");
}

Test(zeek, fresh_tcp_is_OTH)
{
    start(IPPROTO_NUM_TCP, false);
    expect("", "OTH");
}

Test(zeek, syn_with_payload_adds_no_D)
{
    start(IPPROTO_NUM_TCP, false);
    seg(O, SYN, 20);
    expect("S", "S0");
}

/* ---- unanswered and rejected -------------------------------------------------------------- */

Test(zeek, syn_only_is_S0_and_same_seq_retransmission_adds_nothing)
{
    start(IPPROTO_NUM_TCP, false);
    seg_at(O, SYN, 5000, 0);
    seg_at(O, SYN, 5000, 0);
    seg_at(O, SYN, 5000, 0);
    expect("S", "S0");
}

Test(zeek, syn_with_new_seq_is_recorded_again)
{
    start(IPPROTO_NUM_TCP, false);
    seg_at(O, SYN, 5000, 0);
    seg_at(O, SYN, 7000, 0);
    seg_at(O, SYN, 7000, 0);
    expect("SS", "S0");
}

Test(zeek, syn_rst_from_responder_is_REJ)
{
    start(IPPROTO_NUM_TCP, false);
    seg(O, SYN, 0);
    seg(R, RST | ACK, 0);
    expect("Sr", "REJ");
}

Test(zeek, responder_ack_before_synack_keeps_it_inactive)
{
    /* Zeek: a pure ACK from the responder while the originator is SYN_SENT is not "partial". */
    start(IPPROTO_NUM_TCP, false);
    seg(O, SYN, 0);
    seg(R, ACK, 0);
    expect("Sa", "S0");
    cr_expect_eq(z.state[0], ZS_SYN_SENT);
    cr_expect_eq(z.state[1], ZS_INACTIVE);
}

Test(zeek, syn_then_rst_by_originator_is_RSTOS0)
{
    start(IPPROTO_NUM_TCP, false);
    seg_at(O, SYN, 5000, 0);
    seg_at(O, SYN, 5000, 0);
    seg_at(O, RST, 5001, 0);
    expect("SR", "RSTOS0");
}

Test(zeek, RSTOS0_pattern_allows_lowercase_letters_before_R)
{
    start(IPPROTO_NUM_TCP, false);
    seg(O, SYN, 0);
    seg(R, ACK, 0);              /* 'a': responder stays INACTIVE (see above) */
    seg(O, RST, 0);
    expect("SaR", "RSTOS0");
}

Test(zeek, originator_rst_without_S_first_is_OTH)
{
    start(IPPROTO_NUM_TCP, true);
    seg(O, ACK, 50);
    seg(O, RST, 0);
    expect("^DR", "OTH");
}

Test(zeek, both_reset_without_payload_is_REJ)
{
    start(IPPROTO_NUM_TCP, true);
    seg(O, RST, 0);
    seg(R, RST, 0);
    expect("^Rr", "REJ");
}

Test(zeek, both_reset_after_payload_is_RSTR)
{
    start(IPPROTO_NUM_TCP, true);
    seg(O, ACK, 50);
    seg(O, RST, 0);
    seg(R, RST, 0);
    expect("^DRr", "RSTR");
}

/* ---- resets after establishment ----------------------------------------------------------- */

Test(zeek, rst_from_originator_is_RSTO)
{
    start(IPPROTO_NUM_TCP, false);
    handshake();
    seg(O, ACK, 10);
    seg(R, ACK, 10);
    seg(O, RST | ACK, 0);
    expect("ShADdR", "RSTO");
}

Test(zeek, rst_from_responder_is_RSTR)
{
    start(IPPROTO_NUM_TCP, false);
    handshake();
    seg(O, ACK, 10);
    seg(R, RST, 0);
    expect("ShADr", "RSTR");
}

Test(zeek, repeated_rst_same_seq_once_new_seq_again)
{
    start(IPPROTO_NUM_TCP, false);
    handshake();
    seg_at(R, RST, nxt[R], 0);
    seg_at(R, RST, nxt[R], 0);
    seg_at(R, RST, nxt[R] + 500, 0);
    expect("ShArr", "RSTR");
}

/* ---- SYN+ACK first (direction inferred) ----------------------------------------------------- */

Test(zeek, synack_only_is_OTH)
{
    start(IPPROTO_NUM_TCP, true);
    seg(R, SYN | ACK, 0);
    expect("^h", "OTH");
    cr_expect_eq(z.state[0], ZS_INACTIVE);
    cr_expect_eq(z.state[1], ZS_ESTABLISHED);
}

Test(zeek, synack_then_ack_is_S1)
{
    start(IPPROTO_NUM_TCP, true);
    seg(R, SYN | ACK, 0);
    seg(O, ACK, 0);
    expect("^hA", "S1");
}

Test(zeek, synack_then_responder_fin_is_SHR)
{
    start(IPPROTO_NUM_TCP, true);
    seg(R, SYN | ACK, 0);
    seg(R, FIN | ACK, 0);
    expect("^hf", "SHR");
}

Test(zeek, synack_then_responder_rst_is_RSTRH)
{
    start(IPPROTO_NUM_TCP, true);
    seg(R, SYN | ACK, 0);
    seg(R, RST, 0);
    expect("^hr", "RSTRH");
}

/* ---- half closes -------------------------------------------------------------------------- */

Test(zeek, originator_fin_only_is_S2)
{
    start(IPPROTO_NUM_TCP, false);
    handshake();
    seg(O, ACK, 10);
    seg(O, FIN | ACK, 0);
    seg(R, ACK, 0);
    expect("ShADFa", "S2");
}

Test(zeek, responder_fin_only_is_S3)
{
    start(IPPROTO_NUM_TCP, false);
    handshake();
    seg(R, FIN | ACK, 0);
    seg(O, ACK, 0);
    expect("ShAf", "S3");
}

Test(zeek, syn_then_originator_fin_is_SH)
{
    start(IPPROTO_NUM_TCP, false);
    seg(O, SYN, 0);
    seg(O, FIN, 0);
    expect("SF", "SH");
}

/* ---- FIN and RST together ------------------------------------------------------------------ */

Test(zeek, fin_then_rst_then_peer_fin_is_normal_close)
{
    start(IPPROTO_NUM_TCP, false);
    handshake();
    seg(O, FIN | ACK, 0);
    seg(O, RST, 0);
    cr_expect_str_eq(zeek_conn_state(&z), "RSTO");
    seg(R, FIN | ACK, 0);
    expect("ShAFRf", "SF");
}

Test(zeek, rst_after_both_fins_changes_nothing)
{
    start(IPPROTO_NUM_TCP, false);
    handshake();
    seg(O, FIN | ACK, 0);
    seg(R, FIN | ACK, 0);
    seg(O, RST, 0);
    expect("ShAFfR", "SF");
    cr_expect_eq(z.state[0], ZS_CLOSED);
}

Test(zeek, rst_after_own_fin_only_is_RSTO)
{
    start(IPPROTO_NUM_TCP, false);
    handshake();
    seg(O, FIN | ACK, 0);
    seg(R, ACK, 0);
    seg(O, RST, 0);
    expect("ShAFaR", "RSTO");
}

Test(zeek, fin_rst_in_one_packet_is_I_once)
{
    start(IPPROTO_NUM_TCP, false);
    handshake();
    seg(O, FIN | RST | ACK, 0);
    seg(O, FIN | RST | ACK, 0);
    expect("ShAI", "RSTO");
}

Test(zeek, syn_fin_is_Q_once)
{
    start(IPPROTO_NUM_TCP, false);
    seg_at(O, SYN | FIN, 5000, 0);
    seg_at(O, SYN | FIN, 6000, 0);
    expect("Q", "SH");
}

Test(zeek, syn_rst_is_Q)
{
    start(IPPROTO_NUM_TCP, false);
    seg(O, SYN | RST, 0);
    expect("Q", "OTH");          /* history does not match ^?S...R */
    cr_expect_eq(z.state[0], ZS_RESET);
}

/* ---- repeated FINs -------------------------------------------------------------------------- */

Test(zeek, fin_at_new_number_is_recorded_again)
{
    start(IPPROTO_NUM_TCP, false);
    handshake();
    uint32_t s = nxt[O];
    seg_at(O, FIN | ACK, s, 0);
    seg_at(O, FIN | ACK, s, 0);          /* retransmitted FIN: same number */
    seg_at(O, FIN | ACK, s + 10, 0);     /* a FIN at another number */
    cr_expect_str_eq(z.history, "ShAFF");
    seg_at(R, FIN | ACK, nxt[R], 0);
    expect("ShAFFf", "SF");
}

Test(zeek, fin_number_is_after_payload)
{
    start(IPPROTO_NUM_TCP, false);
    handshake();
    uint32_t s = nxt[O];
    seg_at(O, FIN | ACK, s, 10);         /* FIN at s + 10 */
    seg_at(O, FIN | ACK, s + 10, 0);     /* the same FIN number again, without the data */
    cr_expect_str_eq(z.history, "ShAF");
    seg_at(O, FIN | ACK, s + 5, 0);      /* another number */
    cr_expect_str_eq(z.history, "ShAFF");
}

Test(zeek, fin_number_wraps_modulo_2_32)
{
    start(IPPROTO_NUM_TCP, true);
    seg_at(O, FIN | ACK, 0xfffffff0u, 0x20);   /* FIN at 0x10 */
    seg_at(O, FIN | ACK, 0x10, 0);
    expect("^F", "SH");
}

/* ---- scaled letters: T, G, W ------------------------------------------------------------------ */

Test(zeek, retransmissions_give_T_at_1st_10th_100th)
{
    start(IPPROTO_NUM_TCP, false);
    handshake();
    seg(O, ACK, 100);
    struct zeek_seg_notes rx = {.retransmission = true};
    int expected_T[101] = {0};
    for (int i = 1; i <= 100; i++)
        expected_T[i] = i >= 100 ? 3 : i >= 10 ? 2 : 1;
    for (int i = 1; i <= 100; i++) {
        seg_full(O, ACK, nxt[O] - 100, 100, 1024, rx);
        cr_assert_eq(count_char(z.history, 'T'), expected_T[i], "after %d retransmissions", i);
    }
    expect("ShADTTT", "S1");
    cr_expect_eq(z.dir[0].n_retrans, 100);
}

Test(zeek, responder_retransmission_is_lowercase_t)
{
    start(IPPROTO_NUM_TCP, false);
    handshake();
    seg(R, ACK, 100);
    seg_full(R, ACK, nxt[R] - 100, 100, 1024, (struct zeek_seg_notes){.retransmission = true});
    expect("ShAdt", "S1");
}

Test(zeek, content_gap_is_G)
{
    start(IPPROTO_NUM_TCP, false);
    handshake();
    seg_full(O, ACK, nxt[O] + 1000, 100, 1024, (struct zeek_seg_notes){.content_gap = true});
    expect("ShADG", "S1");
}

Test(zeek, zero_window_is_W_at_1st_and_10th)
{
    start(IPPROTO_NUM_TCP, false);
    handshake();
    for (int i = 0; i < 10; i++)
        seg_full(R, ACK, nxt[R], 0, 0, (struct zeek_seg_notes){0});
    expect("ShAaww", "S1");
    cr_expect_eq(z.dir[1].n_zero_win, 10);
}

Test(zeek, zero_window_on_syn_counts_as_in_zeek)
{
    start(IPPROTO_NUM_TCP, false);
    seg_full(O, SYN, nxt[O], 0, 0, (struct zeek_seg_notes){0});
    expect("SW", "S0");
}

Test(zeek, zero_window_on_rst_or_after_peer_fin_does_not_count)
{
    start(IPPROTO_NUM_TCP, false);
    handshake();
    seg(O, FIN | ACK, 0);
    for (int i = 0; i < 10; i++)        /* the peer has sent a FIN: boring */
        seg_full(R, ACK, nxt[R], 0, 0, (struct zeek_seg_notes){0});
    seg_full(R, RST, nxt[R], 0, 0, (struct zeek_seg_notes){0});
    expect("ShAFar", "RSTR");
    cr_expect_eq(z.dir[1].n_zero_win, 0);
}

Test(zeek, zero_window_after_own_rst_does_not_count)
{
    start(IPPROTO_NUM_TCP, false);
    handshake();
    seg(R, RST, 0);
    seg_full(R, ACK, nxt[R], 0, 0, (struct zeek_seg_notes){0});
    expect("ShAra", "RSTR");
}

/* ---- mid-stream ---------------------------------------------------------------------------- */

Test(zeek, midstream_data_both_ways_is_OTH)
{
    start(IPPROTO_NUM_TCP, true);
    seg(O, ACK | TCP_PSH, 10);
    seg(R, ACK | TCP_PSH, 10);
    seg(O, ACK, 0);
    expect("^DdA", "OTH");
    cr_expect_eq(z.state[0], ZS_PARTIAL);
    cr_expect_eq(z.state[1], ZS_PARTIAL);
}

Test(zeek, midstream_close_both_fins_is_SF)
{
    start(IPPROTO_NUM_TCP, true);
    seg(O, ACK, 10);
    seg(R, ACK, 10);
    seg(O, FIN | ACK, 0);
    seg(R, FIN | ACK, 0);
    expect("^DdFf", "SF");
}

Test(zeek, midstream_one_fin_from_partial_side_is_SHR)
{
    /* A closed responder whose originator is partial: Zeek's SHR. */
    start(IPPROTO_NUM_TCP, true);
    seg(O, ACK, 10);
    seg(R, FIN | ACK, 0);
    expect("^Df", "SHR");
}

Test(zeek, syn_after_partial_restarts_as_syn_sent)
{
    start(IPPROTO_NUM_TCP, true);
    seg(O, ACK, 10);
    seg(O, SYN, 0);
    expect("^DS", "S0");
}

/* ---- history length ------------------------------------------------------------------------ */

Test(zeek, history_stops_at_its_maximum)
{
    start(IPPROTO_NUM_TCP, false);
    seg(O, SYN, 0);
    for (uint32_t i = 0; i < 3 * ZEEK_HISTORY_MAX; i++)
        seg_at(O, FIN, 10000 + i, 0);   /* every FIN at a new number adds an F */
    cr_expect_eq(z.hist_len, ZEEK_HISTORY_MAX);
    cr_expect_eq(strlen(z.history), ZEEK_HISTORY_MAX);
    cr_expect_eq(z.history[0], 'S');
    cr_expect_eq(count_char(z.history, 'F'), ZEEK_HISTORY_MAX - 1);
}

/* ---- UDP and others ----------------------------------------------------------------------- */

Test(zeek, udp_one_way_is_S0)
{
    start(IPPROTO_NUM_UDP, false);
    udp(O, 40);
    udp(O, 40);
    expect("D", "S0");
}

Test(zeek, udp_two_way_is_SF)
{
    start(IPPROTO_NUM_UDP, true);
    udp(O, 40);
    udp(R, 120);
    udp(O, 40);
    expect("^Dd", "SF");
}

Test(zeek, udp_responder_only_is_SHR)
{
    start(IPPROTO_NUM_UDP, true);
    udp(R, 120);
    expect("^d", "SHR");
}

Test(zeek, udp_empty_datagram_still_counts)
{
    /* Zeek records D and makes the endpoint active for any datagram, payload or not. */
    start(IPPROTO_NUM_UDP, false);
    udp(O, 0);
    expect("D", "S0");
}

Test(zeek, udp_nothing_is_OTH)
{
    start(IPPROTO_NUM_UDP, false);
    expect("", "OTH");
}

Test(zeek, icmp_is_OTH_without_history)
{
    start(IPPROTO_NUM_ICMP, false);
    struct packet p;
    memset(&p, 0, sizeof p);
    p.l4proto = IPPROTO_NUM_ICMP;
    p.payload_len = 56;
    zeek_packet(&z, true, &p, NULL);
    zeek_packet(&z, false, &p, NULL);
    expect("", "OTH");
}
