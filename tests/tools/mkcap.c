/*
 * mkcap.c — writes the project's crafted captures, deterministic byte for byte.
 *
 *   mkcap OUTDIR [NAME...]   every crafted scenario (or the named ones) as OUTDIR/NAME.pcap
 *   mkcap --pcapng OUTDIR [NAME...]
 *                            the same as OUTDIR/NAME.pcapng, spread over three interfaces of
 *                            different link types (the scenario's, RAW, and LINUX_SLL2 or
 *                            EN10MB; the scenario's own for all three when it has VLAN tags,
 *                            which a flow's key includes), snapshot lengths and timestamp
 *                            resolutions, in sections of both byte orders (cw_pcapng_open_spread):
 *                            the same packets at the same times, so the same expected results
 *   mkcap --demo FILE        the demo capture (data/demo.pcap)
 *   mkcap --hostile FILE     two connections whose server names are markup (HTTP Host, TLS
 *                            SNI), both reset: for the HTML report's escaping tests
 *   mkcap --list             the scenario names, one per line
 *
 * Each scenario is one small capture whose expected results are written by hand, from
 * docs/teardown.md, in data/crafted/NAME.expect; tests/e2e/t_crafted.sh compares. Every flow in
 * every scenario has its own client port (40000 + 10 * scenario + i) so result rows are easy to
 * read. Unless a scenario says otherwise: client 10.0.0.1, server 10.0.0.2:80, ISNs 1000 (client)
 * and 5000 (server), windows 65535 unscaled, one packet per millisecond from
 * 2026-01-01T00:00:00Z, flows of one file one second apart.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/capwriter.h"

#define CLIENT "10.0.0.1"
#define SERVER "10.0.0.2"
#define PA (TCP_PSH | TCP_ACK)
#define SECOND 1000000LL
#define MS 1000LL

static const char REQ[] = "GET /index.html HTTP/1.1\r\nHost: crafted.test\r\n\r\n";
static const char RSP[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";

/* ---- helpers shared by the scenarios ------------------------------------------------------ */

/* A conversation CLIENT:cport -> SERVER:80 on w, starting one second after what came before. */
static void tcp_conv(struct conv *c, struct cw_pcap *w, uint16_t cport)
{
    if (w->records)
        cw_wait(w, SECOND);
    conv_init(c, w, CLIENT, cport, SERVER, 80);
}

/* Request, response, and the client's ACK of it. */
static void req_resp(struct conv *c)
{
    conv_send(c, ORIG, PA, REQ);
    conv_send(c, RESP, PA, RSP);
    conv_ack(c, ORIG);
}

/* An established conversation that exchanged one request and response. */
static void opened(struct conv *c, struct cw_pcap *w, uint16_t cport)
{
    tcp_conv(c, w, cport);
    conv_handshake(c);
    req_resp(c);
}

/* FIN+ACK from d that acknowledges the peer's nxt minus `behind` (1: not the peer's FIN). */
static void fin_acking(struct conv *c, enum conv_dir d, uint32_t behind)
{
    conv_raw(c, d, TCP_FIN | TCP_ACK, c->end[d].nxt, c->end[!d].nxt - behind, NULL, 0);
    c->end[d].nxt += 1;
}

/* ---- scenarios ----------------------------------------------------------------------------- */

static void sc_graceful_client(struct cw_pcap *w)
{
    struct conv c;
    opened(&c, w, 40011);                         /* FIN, ACK, FIN, ACK */
    conv_close4(&c, ORIG);
    opened(&c, w, 40012);                         /* FIN, FIN+ACK, ACK */
    conv_fin(&c, ORIG);
    conv_fin(&c, RESP);
    conv_ack(&c, ORIG);
}

static void sc_graceful_server(struct cw_pcap *w)
{
    struct conv c;
    opened(&c, w, 40021);
    conv_close4(&c, RESP);
}

static void sc_simultaneous_close(struct cw_pcap *w)
{
    struct conv c;
    opened(&c, w, 40031);
    conv_fin(&c, ORIG);
    fin_acking(&c, RESP, 1);                      /* crosses the client's FIN */
    conv_ack(&c, ORIG);
    conv_ack(&c, RESP);
}

static void sc_half_close_then_close(struct cw_pcap *w)
{
    struct conv c;
    tcp_conv(&c, w, 40041);
    conv_handshake(&c);
    conv_send(&c, ORIG, PA, REQ);
    conv_fin(&c, ORIG);                           /* shutdown(SHUT_WR) after the request */
    conv_ack(&c, RESP);
    conv_send(&c, RESP, TCP_ACK, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n");
    conv_send(&c, RESP, PA, "0123456789");
    conv_ack(&c, ORIG);
    conv_fin(&c, RESP);
    conv_ack(&c, ORIG);
}

static void sc_half_close_open(struct cw_pcap *w)
{
    struct conv c;
    tcp_conv(&c, w, 40051);
    conv_handshake(&c);
    conv_send(&c, ORIG, PA, REQ);
    conv_fin(&c, ORIG);
    conv_ack(&c, RESP);
    conv_send(&c, RESP, PA, RSP);
    conv_ack(&c, ORIG);
}

static void sc_rst_originator(struct cw_pcap *w)
{
    struct conv c;
    opened(&c, w, 40061);
    conv_rst(&c, ORIG, TCP_ACK);                  /* close with SO_LINGER 0 */
    tcp_conv(&c, w, 40062);                       /* SYN scan: SYN, SYN+ACK, RST */
    conv_syn(&c);
    conv_synack(&c);
    conv_rst(&c, ORIG, 0);
}

static void sc_rst_responder(struct cw_pcap *w)
{
    struct conv c;
    opened(&c, w, 40071);
    conv_rst(&c, RESP, 0);
    tcp_conv(&c, w, 40072);                       /* RST at the client's ack, data in flight */
    conv_handshake(&c);
    conv_send(&c, ORIG, PA, REQ);
    conv_ack(&c, RESP);
    conv_send(&c, RESP, PA, RSP);
    conv_raw(&c, RESP, TCP_RST | TCP_ACK, c.end[RESP].nxt - (uint32_t)strlen(RSP),
             c.end[ORIG].nxt, NULL, 0);
}

static void sc_rst_inexact_challenge(struct cw_pcap *w)
{
    struct conv c;
    opened(&c, w, 40081);
    conv_raw(&c, ORIG, TCP_RST, c.end[ORIG].nxt + 1000, 0, NULL, 0);
    conv_ack(&c, RESP);                           /* RFC 5961 challenge ACK */
    req_resp(&c);
    conv_close4(&c, ORIG);
}

static void sc_rst_inexact_accepted(struct cw_pcap *w)
{
    struct conv c;
    opened(&c, w, 40091);                         /* nothing after the RST */
    conv_raw(&c, RESP, TCP_RST, c.end[RESP].nxt + 500, 0, NULL, 0);
    opened(&c, w, 40092);                         /* the receiver keeps sending */
    conv_raw(&c, RESP, TCP_RST, c.end[RESP].nxt + 500, 0, NULL, 0);
    req_resp(&c);
    conv_close4(&c, ORIG);
}

static void sc_rst_out_of_window(struct cw_pcap *w)
{
    struct conv c;
    opened(&c, w, 40101);                         /* beyond the window, then still open */
    conv_raw(&c, RESP, TCP_RST, c.end[RESP].nxt + 100000, 0, NULL, 0);
    req_resp(&c);
    tcp_conv(&c, w, 40102);                       /* behind the window, then closed */
    conv_isn(&c, 100000, 500000);
    conv_handshake(&c);
    req_resp(&c);
    conv_raw(&c, ORIG, TCP_RST, c.end[ORIG].nxt - 2000, 0, NULL, 0);
    conv_close4(&c, ORIG);
}

static void sc_rst_ack_mismatch(struct cw_pcap *w)
{
    struct conv c;
    tcp_conv(&c, w, 40111);
    conv_handshake(&c);
    conv_send(&c, ORIG, PA, REQ);
    conv_send(&c, RESP, TCP_ACK, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");
    conv_send(&c, RESP, PA, "0123456789012345678901234567890123456789012345678901234567890123"
                            "456789012345678901234567890123456789");
    conv_ack(&c, ORIG);
    conv_raw(&c, ORIG, TCP_RST | TCP_ACK, c.end[ORIG].nxt, c.end[RESP].nxt - 50, NULL, 0);
}

static void sc_rst_with_data(struct cw_pcap *w)
{
    static const char why[] = "reset: server shutting down";
    struct conv c;
    opened(&c, w, 40121);
    conv_raw(&c, RESP, TCP_RST | TCP_ACK, c.end[RESP].nxt, c.end[ORIG].nxt, why,
             (uint32_t)strlen(why));
}

static void sc_rst_after_close(struct cw_pcap *w)
{
    struct conv c;
    opened(&c, w, 40131);                         /* RST within the 1 s grace */
    conv_close4(&c, ORIG);
    conv_wait(&c, 100 * MS);
    conv_rst(&c, RESP, 0);
    opened(&c, w, 40132);                         /* RST after the grace: a late anomaly */
    conv_close4(&c, ORIG);
    conv_wait(&c, 5 * SECOND);
    conv_rst(&c, ORIG, 0);
}

static void sc_rst_stray(struct cw_pcap *w)
{
    struct conv c;
    tcp_conv(&c, w, 40141);                       /* data with ACK to a host that forgot us */
    c.end[ORIG].nxt = 200000;
    c.end[RESP].nxt = 300000;
    conv_send(&c, ORIG, PA, REQ);
    conv_raw(&c, RESP, TCP_RST, 300000, 0, NULL, 0);
    tcp_conv(&c, w, 40142);                       /* segment without ACK: RST seq 0 */
    conv_raw(&c, ORIG, 0, 700000, 0, "0123456789", 10);
    conv_raw(&c, RESP, TCP_RST | TCP_ACK, 0, 700010, NULL, 0);
}

static void sc_rejected(struct cw_pcap *w)
{
    struct conv c;
    tcp_conv(&c, w, 40151);
    conv_syn(&c);
    conv_raw(&c, RESP, TCP_RST | TCP_ACK, 0, 1001, NULL, 0);
    tcp_conv(&c, w, 40152);
    conv_syn(&c);
    conv_raw(&c, RESP, TCP_RST | TCP_ACK, 12345, 1001, NULL, 0);
    tcp_conv(&c, w, 40153);
    conv_syn(&c);
    conv_raw(&c, RESP, TCP_RST | TCP_ACK, 0, 999, NULL, 0);
    conv_wait(&c, SECOND);
    conv_syn(&c);
}

static void sc_unanswered(struct cw_pcap *w)
{
    struct conv c;
    tcp_conv(&c, w, 40161);
    conv_syn(&c);
    conv_wait(&c, SECOND);
    conv_syn(&c);
    conv_wait(&c, 2 * SECOND);
    conv_syn(&c);
    tcp_conv(&c, w, 40162);
    conv_syn_opts(&c, 7, 7);
    conv_syn(&c);
}

static void sc_open_at_end(struct cw_pcap *w)
{
    struct conv c;
    opened(&c, w, 40171);
    req_resp(&c);
}

static void sc_seq_wraparound(struct cw_pcap *w)
{
    static char body[300];
    memset(body, 'w', sizeof body);
    struct conv c;
    tcp_conv(&c, w, 40181);                       /* both directions cross 2^32 */
    conv_isn(&c, 0xFFFFFF00u, 0xFFFFFFF0u);
    conv_handshake(&c);
    conv_sendn(&c, ORIG, PA, body, sizeof body);  /* 0xFFFFFF01 .. 0x0000002D */
    conv_send(&c, RESP, PA, "fifteen bytes!\n");  /* 0xFFFFFFF1 .. 0x00000000 */
    conv_ack(&c, ORIG);
    conv_close4(&c, RESP);                        /* the server's FIN at seq 0 */
    tcp_conv(&c, w, 40182);                       /* an in-window RST across the wrap */
    conv_isn(&c, 0xFFFFFFEFu, 0x7FFFFFF0u);
    conv_handshake(&c);
    conv_send(&c, RESP, PA, "220 banner ready\r\n");
    conv_ack(&c, ORIG);
    conv_raw(&c, ORIG, TCP_RST, 0x00000100u, 0, NULL, 0);
}

static void sc_window_scale(struct cw_pcap *w)
{
    struct conv c;
    tcp_conv(&c, w, 40191);                       /* in window only once scaled by 7 */
    conv_syn_opts(&c, 7, 7);
    conv_handshake(&c);
    c.end[RESP].win = 500;
    req_resp(&c);
    conv_raw(&c, ORIG, TCP_RST, c.end[ORIG].nxt + 10000, 0, NULL, 0);
    tcp_conv(&c, w, 40192);                       /* picked up mid-stream: scale unknown */
    c.end[ORIG].nxt = 10000;
    c.end[RESP].nxt = 20000;
    c.end[RESP].win = 1000;
    req_resp(&c);
    conv_raw(&c, ORIG, TCP_RST, c.end[ORIG].nxt + 100000, 0, NULL, 0);
    tcp_conv(&c, w, 40193);                       /* only the client's SYN has the option */
    conv_syn_opts(&c, 7, -1);
    conv_handshake(&c);
    c.end[RESP].win = 500;
    req_resp(&c);
    conv_raw(&c, ORIG, TCP_RST, c.end[ORIG].nxt + 10000, 0, NULL, 0);
    req_resp(&c);
}

static void sc_fin_out_of_order(struct cw_pcap *w)
{
    static char tail[100];
    memset(tail, 't', sizeof tail);
    struct conv c;
    opened(&c, w, 40201);
    uint32_t at = c.end[ORIG].nxt;
    conv_raw(&c, ORIG, TCP_FIN | TCP_ACK, at + 100, c.end[RESP].nxt, NULL, 0);
    conv_raw(&c, ORIG, PA, at, c.end[RESP].nxt, tail, sizeof tail);
    c.end[ORIG].nxt = at + 101;
    conv_ack(&c, RESP);
    conv_fin(&c, RESP);
    conv_ack(&c, ORIG);
}

static void sc_fin_retransmitted(struct cw_pcap *w)
{
    struct conv c;
    opened(&c, w, 40211);
    conv_fin(&c, ORIG);
    conv_wait(&c, 200 * MS);
    conv_raw(&c, ORIG, TCP_FIN | TCP_ACK, c.end[ORIG].nxt - 1, c.end[RESP].nxt, NULL, 0);
    conv_ack(&c, RESP);
    conv_fin(&c, RESP);
    conv_ack(&c, ORIG);
}

static void sc_fin_with_data(struct cw_pcap *w)
{
    struct conv c;
    tcp_conv(&c, w, 40221);
    conv_handshake(&c);
    conv_send(&c, ORIG, TCP_FIN | PA, "QUIT\r\n");
    conv_ack(&c, RESP);
    conv_send(&c, RESP, TCP_FIN | PA, "221 bye\r\n");
    conv_ack(&c, ORIG);
}

static void sc_data_after_fin(struct cw_pcap *w)
{
    struct conv c;
    opened(&c, w, 40231);
    conv_fin(&c, ORIG);
    conv_ack(&c, RESP);
    uint32_t at = c.end[ORIG].nxt;                /* fin_seq + 1 */
    conv_raw(&c, ORIG, PA, at, c.end[RESP].nxt, "late!", 5);
    conv_raw(&c, ORIG, PA, at + 5, c.end[RESP].nxt, "again", 5);
    conv_fin(&c, RESP);
    conv_ack(&c, ORIG);
}

static void sc_data_after_rst(struct cw_pcap *w)
{
    struct conv c;
    tcp_conv(&c, w, 40241);
    conv_handshake(&c);
    conv_send(&c, ORIG, PA, REQ);
    conv_rst(&c, ORIG, TCP_ACK);
    conv_send(&c, RESP, PA, RSP);                 /* the response was already on its way */
}

static void sc_multiple_rst(struct cw_pcap *w)
{
    struct conv c;
    opened(&c, w, 40251);
    conv_rst(&c, ORIG, TCP_ACK);
    conv_rst(&c, ORIG, TCP_ACK);
    conv_rst(&c, ORIG, TCP_ACK);
}

/* d's FIN again, at the same sequence number, after `after` (a retransmission timeout). */
static void fin_again(struct conv *c, enum conv_dir d, int64_t after)
{
    conv_wait(c, after);
    conv_raw(c, d, TCP_FIN | TCP_ACK, c->end[d].nxt - 1, c->end[!d].nxt, NULL, 0);
}

/* The FINs are retransmitted as a real stack does (RTO 200 ms, doubling) until 1.4 s after the
 * first: a FIN that is not retransmitted for a second, or that the end of the capture cuts off,
 * would be taken as acknowledged (teardown.md "Capture loss"). */
static void sc_fin_not_acked(struct cw_pcap *w)
{
    struct conv c;
    opened(&c, w, 40261);                         /* the client's FIN, then silence */
    conv_fin(&c, ORIG);
    fin_again(&c, ORIG, 200 * MS);
    fin_again(&c, ORIG, 400 * MS);
    fin_again(&c, ORIG, 800 * MS);
    opened(&c, w, 40262);                         /* the server's FIN is never acked */
    conv_fin(&c, ORIG);
    conv_fin(&c, RESP);
    fin_again(&c, RESP, 200 * MS);
    fin_again(&c, RESP, 400 * MS);
    fin_again(&c, RESP, 800 * MS);
}

/* A segment d sent that the capture missed: d's sequence space moves on, nothing is written. */
static void missed(struct conv *c, enum conv_dir d, uint32_t len, uint8_t flags)
{
    conv_wait(c, MS);
    c->end[d].nxt += len + ((flags & (TCP_SYN | TCP_FIN)) ? 1u : 0u);
}

/* Packets the capture missed, and what later packets prove about them (teardown.md "Capture
 * loss"). */
static void sc_capture_loss(struct cw_pcap *w)
{
    struct conv c;
    opened(&c, w, 40371);                         /* the client's FIN missed */
    missed(&c, ORIG, 0, TCP_FIN);
    conv_fin(&c, RESP);
    conv_ack(&c, ORIG);
    tcp_conv(&c, w, 40372);                       /* the SYN+ACK missed */
    conv_syn(&c);
    missed(&c, RESP, 0, TCP_SYN);
    conv_ack(&c, ORIG);
    req_resp(&c);
    conv_close4(&c, ORIG);
    tcp_conv(&c, w, 40373);                       /* the request missed: a gap */
    conv_handshake(&c);
    missed(&c, ORIG, (uint32_t)strlen(REQ), PA);
    conv_send(&c, RESP, PA, RSP);
    conv_ack(&c, ORIG);
    conv_close4(&c, RESP);
    opened(&c, w, 40374);                         /* the final ACK missed; the capture goes on */
    conv_fin(&c, ORIG);
    conv_ack(&c, RESP);
    conv_fin(&c, RESP);
    missed(&c, ORIG, 0, TCP_ACK);
    opened(&c, w, 40375);                         /* one byte missed, then more data: no FIN */
    missed(&c, ORIG, 1, PA);
    conv_ack(&c, RESP);
    conv_send(&c, ORIG, PA, REQ);
    conv_ack(&c, RESP);
    conv_close4(&c, ORIG);
    tcp_conv(&c, w, 40376);                       /* the response and its ACK missed, then RST */
    conv_handshake(&c);
    conv_send(&c, ORIG, PA, REQ);
    missed(&c, RESP, (uint32_t)strlen(RSP), PA);
    missed(&c, ORIG, 0, TCP_ACK);
    conv_rst(&c, ORIG, TCP_ACK);
    opened(&c, w, 40377);                         /* the last FIN, cut off by the end */
    conv_fin(&c, ORIG);
    conv_ack(&c, RESP);
    conv_fin(&c, RESP);
}

static void sc_invalid_flags(struct cw_pcap *w)
{
    struct conv c;
    tcp_conv(&c, w, 40271);                       /* SYN+FIN, never answered */
    conv_raw(&c, ORIG, TCP_SYN | TCP_FIN, 1000, 0, NULL, 0);
    opened(&c, w, 40272);                         /* no flags; FIN without ACK */
    conv_raw(&c, ORIG, 0, c.end[ORIG].nxt, 0, NULL, 0);
    conv_raw(&c, RESP, TCP_FIN, c.end[RESP].nxt, 0, NULL, 0);
    c.end[RESP].nxt += 1;
    conv_ack(&c, ORIG);
    conv_fin(&c, ORIG);
    conv_ack(&c, RESP);
    opened(&c, w, 40273);                         /* SYN+RST at the exact sequence number */
    conv_raw(&c, ORIG, TCP_SYN | TCP_RST, c.end[ORIG].nxt, 0, NULL, 0);
}

static void sc_ack_of_unseen_data(struct cw_pcap *w)
{
    struct conv c;
    tcp_conv(&c, w, 40281);
    conv_handshake(&c);
    conv_send(&c, ORIG, PA, REQ);
    c.end[ORIG].nxt += 100;                       /* 100 bytes the capture lost */
    conv_ack(&c, RESP);
    conv_send(&c, RESP, PA, RSP);
    conv_ack(&c, ORIG);
    conv_close4(&c, ORIG);
}

static void sc_midstream_close(struct cw_pcap *w)
{
    struct conv c;
    tcp_conv(&c, w, 40291);
    c.end[ORIG].nxt = 300000;
    c.end[RESP].nxt = 800000;
    conv_send(&c, RESP, PA, "data: tick 41\n");   /* the server speaks first */
    conv_ack(&c, ORIG);
    conv_send(&c, ORIG, PA, "bye\n");
    conv_ack(&c, RESP);
    conv_fin(&c, ORIG);
    conv_fin(&c, RESP);
    conv_ack(&c, ORIG);
}

static void sc_port_reuse(struct cw_pcap *w)
{
    struct conv c;
    opened(&c, w, 40301);
    conv_close4(&c, ORIG);
    conv_wait(&c, 500 * MS);                      /* new SYN inside the 1 s grace */
    conv_isn(&c, 2000000, 0);
    conv_syn(&c);
    conv_raw(&c, RESP, TCP_RST | TCP_ACK, 0, 2000001, NULL, 0);
    conv_wait(&c, 5 * SECOND);                    /* and again once that one is over */
    conv_isn(&c, 3000000, 7000000);
    conv_handshake(&c);
    req_resp(&c);
}

static void sc_challenge_loop(struct cw_pcap *w)
{
    struct conv c;
    opened(&c, w, 40311);
    for (uint32_t round = 1; round <= 3; round++) {
        conv_raw(&c, ORIG, TCP_RST, c.end[ORIG].nxt + 100 * round, 0, NULL, 0);
        conv_ack(&c, RESP);
    }
}

static void sc_ipv6_graceful(struct cw_pcap *w)
{
    struct conv c;
    conv_init(&c, w, "fd00::1", 40321, "fd00::2", 80);
    conv_syn_opts(&c, 7, 9);
    conv_handshake(&c);
    req_resp(&c);
    conv_close4(&c, ORIG);
}

static void sc_vlan_graceful(struct cw_pcap *w)
{
    struct conv c;
    tcp_conv(&c, w, 40331);
    c.nvlan = 1;
    c.vlan[0] = 100;
    conv_handshake(&c);
    req_resp(&c);
    conv_close4(&c, ORIG);
    tcp_conv(&c, w, 40332);                       /* two stacked tags (outer 200) */
    c.nvlan = 2;
    c.vlan[0] = 200;
    c.vlan[1] = 300;
    conv_handshake(&c);
    req_resp(&c);
    conv_close4(&c, RESP);
}

static void sc_sll2_graceful(struct cw_pcap *w)
{
    struct conv c;
    opened(&c, w, 40341);
    conv_fin(&c, RESP);
    conv_fin(&c, ORIG);
    conv_ack(&c, RESP);
}

static void sc_abnormal_misc(struct cw_pcap *w)
{
    struct conv c;
    conv_init(&c, w, "10.0.0.9", 40351, SERVER, 80);  /* backscatter: one RST, nothing else */
    conv_raw(&c, RESP, TCP_RST | TCP_ACK, 7777, 8888, NULL, 0);
    tcp_conv(&c, w, 40352);                       /* SYN+ACK never acknowledged */
    conv_syn(&c);
    conv_synack(&c);
    conv_wait(&c, SECOND);
    conv_synack(&c);
    tcp_conv(&c, w, 40353);                       /* SYN, a bare ACK back, then a FIN */
    conv_syn(&c);
    conv_ack(&c, RESP);
    conv_raw(&c, ORIG, TCP_FIN, c.end[ORIG].nxt, 0, NULL, 0);
}

static void sc_rst_during_half_close(struct cw_pcap *w)
{
    struct conv c;
    opened(&c, w, 40361);                         /* client FIN, server aborts */
    conv_fin(&c, ORIG);
    conv_ack(&c, RESP);
    conv_rst(&c, RESP, 0);
    opened(&c, w, 40362);                         /* client FIN, then client RST at fin_seq */
    conv_fin(&c, ORIG);
    conv_ack(&c, RESP);
    conv_raw(&c, ORIG, TCP_RST, c.end[ORIG].nxt - 1, 0, NULL, 0);
}

/* ---- encapsulations (issue 12): verdicts through tunnels ---------------------------------- */

static struct cw_addr ip_of(const char *text)
{
    struct cw_addr a;
    cw_addr_parse(&a, text);
    return a;
}

#define ENC(KIND, ID, FLAGS) ((struct cw_layer){.kind = (KIND), .id = (ID), .flags = (FLAGS)})
#define OUTER(FROM, TO) ((struct cw_layer){.kind = CW_ENC_IP, .src = ip_of(FROM), .dst = ip_of(TO)})
#define UDP_TO(SP, DP) ((struct cw_layer){.kind = CW_ENC_UDP, .sport = (SP), .dport = (DP)})

/* A conversation wrapped in `there` (the originator's packets) and `back` (the responder's). */
static void tunnel_conv(struct conv *c, struct cw_pcap *w, const char *client,
                        const char *server, uint16_t cport, const struct cw_layer *there,
                        const struct cw_layer *back, size_t n)
{
    if (w->records)
        cw_wait(w, SECOND);
    conv_init(c, w, client, cport, server, 80);
    c->encap = there;
    c->encap_reply = back;
    c->nencap = n;
}

/* The same inner 5-tuple three times at once: in VXLAN VNI 1, in VNI 2, and not tunnelled.
 * Three flows, each with its own verdict. */
static void sc_tunnel_vxlan_vnis(struct cw_pcap *w)
{
    const struct cw_layer v1[] = {ENC(CW_ENC_ETH, 0, 0), OUTER("192.0.2.1", "192.0.2.2"),
                                  UDP_TO(50001, 4789), ENC(CW_ENC_VXLAN, 1, 0),
                                  ENC(CW_ENC_ETH, 0, 0)};
    const struct cw_layer v1r[] = {ENC(CW_ENC_ETH, 0, 0), OUTER("192.0.2.2", "192.0.2.1"),
                                   UDP_TO(50002, 4789), ENC(CW_ENC_VXLAN, 1, 0),
                                   ENC(CW_ENC_ETH, 0, 0)};
    const struct cw_layer v2[] = {ENC(CW_ENC_ETH, 0, 0), OUTER("192.0.2.1", "192.0.2.2"),
                                  UDP_TO(50003, 4789), ENC(CW_ENC_VXLAN, 2, 0),
                                  ENC(CW_ENC_ETH, 0, 0)};
    const struct cw_layer v2r[] = {ENC(CW_ENC_ETH, 0, 0), OUTER("192.0.2.2", "192.0.2.1"),
                                   UDP_TO(50004, 4789), ENC(CW_ENC_VXLAN, 2, 0),
                                   ENC(CW_ENC_ETH, 0, 0)};
    struct conv a, b, c;
    tunnel_conv(&a, w, CLIENT, SERVER, 40371, v1, v1r, 5);
    tunnel_conv(&b, w, CLIENT, SERVER, 40371, v2, v2r, 5);
    tcp_conv(&c, w, 40371);
    conv_handshake(&a);
    conv_handshake(&b);
    conv_handshake(&c);
    req_resp(&a);
    req_resp(&b);
    req_resp(&c);
    conv_close4(&a, ORIG);
    conv_rst(&b, RESP, 0);
}

/* GRE family: an ERSPAN II mirror session carrying both directions from one sensor, GRE with
 * a key both ways, PPTP (each direction its own call id), 6in4. */
static void sc_tunnel_gre(struct cw_pcap *w)
{
    const struct cw_layer mirror[] = {ENC(CW_ENC_ETH, 0, 0), OUTER("192.0.2.9", "192.0.2.100"),
                                      ENC(CW_ENC_ERSPAN2, 17, 0), ENC(CW_ENC_ETH, 0, 0)};
    const struct cw_layer gre[] = {ENC(CW_ENC_ETH, 0, 0), OUTER("198.51.100.1", "198.51.100.2"),
                                   ENC(CW_ENC_GRE, 7, CW_GRE_KEY)};
    const struct cw_layer grer[] = {ENC(CW_ENC_ETH, 0, 0), OUTER("198.51.100.2", "198.51.100.1"),
                                    ENC(CW_ENC_GRE, 7, CW_GRE_KEY)};
    const struct cw_layer pptp[] = {ENC(CW_ENC_ETH, 0, 0), OUTER("198.51.100.1", "198.51.100.3"),
                                    ENC(CW_ENC_PPTP, 5, 0)};
    const struct cw_layer pptpr[] = {ENC(CW_ENC_ETH, 0, 0), OUTER("198.51.100.3", "198.51.100.1"),
                                     ENC(CW_ENC_PPTP, 6, 0)};
    const struct cw_layer v6in4[] = {ENC(CW_ENC_ETH, 0, 0), OUTER("198.51.100.1", "192.88.99.1")};
    const struct cw_layer v6in4r[] = {ENC(CW_ENC_ETH, 0, 0),
                                      OUTER("192.88.99.1", "198.51.100.1")};
    struct conv c;
    tunnel_conv(&c, w, CLIENT, SERVER, 40381, mirror, mirror, 4);
    conv_handshake(&c);
    req_resp(&c);
    conv_close4(&c, ORIG);
    tunnel_conv(&c, w, CLIENT, SERVER, 40382, gre, grer, 3);
    conv_handshake(&c);
    req_resp(&c);
    conv_close4(&c, RESP);
    tunnel_conv(&c, w, CLIENT, SERVER, 40383, pptp, pptpr, 3);
    conv_handshake(&c);
    req_resp(&c);
    conv_close4(&c, ORIG);
    tunnel_conv(&c, w, "2001:db8:1::1", "2001:db8:2::2", 40384, v6in4, v6in4r, 2);
    conv_handshake(&c);
    req_resp(&c);
    conv_rst(&c, ORIG, TCP_ACK);
}

/* Link-layer encapsulations: MPLS in a VLAN, PPPoE over QinQ, 802.1ah PBB, VN-Tag, FabricPath,
 * 802.2 LLC/SNAP; none is a tunnel. */
static void sc_encap_link(struct cw_pcap *w)
{
    const struct cw_layer mpls[] = {ENC(CW_ENC_ETH, 0, 0), ENC(CW_ENC_VLAN, 10, 0),
                                    ENC(CW_ENC_MPLS, 100, 0), ENC(CW_ENC_MPLS, 200, 0)};
    const struct cw_layer pppoe[] = {ENC(CW_ENC_ETH, 0, 0), ENC(CW_ENC_QINQ, 20, 0),
                                     ENC(CW_ENC_VLAN, 21, 0), ENC(CW_ENC_PPPOE, 0x1234, 0)};
    const struct cw_layer pbb[] = {ENC(CW_ENC_ETH, 0, 0), ENC(CW_ENC_QINQ, 30, 0),
                                   ENC(CW_ENC_PBB, 0x10001, 0), ENC(CW_ENC_ETH, 0, 0)};
    const struct cw_layer vntag[] = {ENC(CW_ENC_ETH, 0, 0), ENC(CW_ENC_VNTAG, 0, 0)};
    const struct cw_layer fp[] = {ENC(CW_ENC_ETH, 0, 0), ENC(CW_ENC_FABRICPATH, 0, 0),
                                  ENC(CW_ENC_ETH, 0, 0)};
    const struct cw_layer snap[] = {ENC(CW_ENC_ETH, 0, 0), ENC(CW_ENC_LLC, 0, 0)};
    const struct { const struct cw_layer *l; size_t n; } stacks[] = {
        {mpls, 4}, {pppoe, 4}, {pbb, 4}, {vntag, 2}, {fp, 3}, {snap, 2}};
    struct conv c;
    for (size_t i = 0; i < sizeof stacks / sizeof *stacks; i++) {
        tunnel_conv(&c, w, CLIENT, SERVER, (uint16_t)(40391 + i), stacks[i].l, stacks[i].l,
                    stacks[i].n);
        conv_handshake(&c);
        req_resp(&c);
        conv_close4(&c, i % 2 ? RESP : ORIG);
    }
}

/* UDP tunnels: GTP-U (each direction its own TEID), Geneve, GRE in UDP, Teredo, AYIYA. */
static void sc_tunnel_udp(struct cw_pcap *w)
{
    const struct cw_layer gtp[] = {ENC(CW_ENC_ETH, 0, 0), OUTER("10.100.0.1", "10.100.0.2"),
                                   UDP_TO(2152, 2152), ENC(CW_ENC_GTPU, 0x1001, CW_GTPU_EXT)};
    const struct cw_layer gtpr[] = {ENC(CW_ENC_ETH, 0, 0), OUTER("10.100.0.2", "10.100.0.1"),
                                    UDP_TO(2152, 2152), ENC(CW_ENC_GTPU, 0x2002, 0)};
    const struct cw_layer gen[] = {ENC(CW_ENC_ETH, 0, 0), OUTER("10.100.0.3", "10.100.0.4"),
                                   UDP_TO(40001, 6081), ENC(CW_ENC_GENEVE, 77, CW_GENEVE_OPT),
                                   ENC(CW_ENC_ETH, 0, 0)};
    const struct cw_layer genr[] = {ENC(CW_ENC_ETH, 0, 0), OUTER("10.100.0.4", "10.100.0.3"),
                                    UDP_TO(40002, 6081), ENC(CW_ENC_GENEVE, 77, 0),
                                    ENC(CW_ENC_ETH, 0, 0)};
    const struct cw_layer greu[] = {ENC(CW_ENC_ETH, 0, 0), OUTER("10.100.0.5", "10.100.0.6"),
                                    UDP_TO(40003, 4754), ENC(CW_ENC_GRE, 0, 0)};
    const struct cw_layer greur[] = {ENC(CW_ENC_ETH, 0, 0), OUTER("10.100.0.6", "10.100.0.5"),
                                     UDP_TO(40004, 4754), ENC(CW_ENC_GRE, 0, 0)};
    const struct cw_layer ter[] = {ENC(CW_ENC_ETH, 0, 0), OUTER("10.100.0.7", "192.88.99.2"),
                                   UDP_TO(40005, 3544), ENC(CW_ENC_TEREDO, 0, CW_TEREDO_ORIGIN)};
    const struct cw_layer terr[] = {ENC(CW_ENC_ETH, 0, 0), OUTER("192.88.99.2", "10.100.0.7"),
                                    UDP_TO(3544, 40005), ENC(CW_ENC_TEREDO, 0, 0)};
    const struct cw_layer ay[] = {ENC(CW_ENC_ETH, 0, 0), OUTER("10.100.0.8", "10.100.0.9"),
                                  UDP_TO(5072, 5072), ENC(CW_ENC_AYIYA, 0, 0)};
    const struct cw_layer ayr[] = {ENC(CW_ENC_ETH, 0, 0), OUTER("10.100.0.9", "10.100.0.8"),
                                   UDP_TO(5072, 5072), ENC(CW_ENC_AYIYA, 0, 0)};
    struct conv c;
    tunnel_conv(&c, w, CLIENT, SERVER, 40401, gtp, gtpr, 4);
    conv_handshake(&c);
    req_resp(&c);
    conv_close4(&c, ORIG);
    tunnel_conv(&c, w, CLIENT, SERVER, 40402, gen, genr, 5);
    conv_handshake(&c);
    req_resp(&c);
    conv_close4(&c, RESP);
    tunnel_conv(&c, w, CLIENT, SERVER, 40403, greu, greur, 4);
    conv_handshake(&c);
    req_resp(&c);
    conv_rst(&c, RESP, 0);
    tunnel_conv(&c, w, "2001::4136:e378:8000:63bf:3fff:fdd2", "2001:db8::80", 40404, ter,
                terr, 4);
    conv_handshake(&c);
    req_resp(&c);
    conv_close4(&c, ORIG);
    tunnel_conv(&c, w, "2001:db8:5::1", "2001:db8::80", 40405, ay, ayr, 4);
    conv_handshake(&c);
    req_resp(&c);
    conv_close4(&c, ORIG);
}

/* A TCP SYN whose header is split across three IPv4 fragments, the last sent first; the
 * connection then runs unfragmented. A second datagram lacks its middle fragment: its two
 * fragments are counted (frag_incomplete) at the end. */
static void write_fragment(struct cw_pcap *w, const uint8_t *ip, size_t off, size_t len,
                           bool more)
{
    uint8_t frag[128], frame[256];
    memcpy(frag, ip, 20);
    memcpy(frag + 20, ip + 20 + off, len);
    size_t tot = 20 + len;
    uint16_t word = (uint16_t)((more ? 0x2000 : 0) | (off / 8));
    frag[2] = (uint8_t)(tot >> 8);
    frag[3] = (uint8_t)tot;
    frag[6] = (uint8_t)(word >> 8);
    frag[7] = (uint8_t)word;
    frag[10] = frag[11] = 0;                      /* header checksum, recomputed */
    uint32_t sum = 0;
    for (size_t i = 0; i < 20; i += 2)
        sum += (uint32_t)frag[i] << 8 | frag[i + 1];
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    frag[10] = (uint8_t)(~sum >> 8);
    frag[11] = (uint8_t)~sum;
    const struct cw_layer eth[] = {ENC(CW_ENC_ETH, 0, 0)};
    int lt;
    size_t n = cw_encap(frame, sizeof frame, eth, 1, frag, tot, NULL, &lt);
    if (n)
        cw_pcap_write(w, frame, (uint32_t)n);
}

static void fragmented_syn(struct cw_pcap *w, struct conv *c, bool drop_middle)
{
    struct cw_link raw = {.linktype = CW_LINK_RAW};
    struct cw_tcp t = {.sport = c->end[ORIG].port, .dport = 80, .seq = c->end[ORIG].isn,
                       .flags = TCP_SYN, .win = 65535, .opt = c->end[ORIG].syn_opts};
    uint8_t ip[128];
    size_t n = cw_frame_tcp(ip, sizeof ip, &raw, &c->end[ORIG].addr, &c->end[RESP].addr,
                            0x4242, &t);
    size_t data = n - 20;                         /* TCP header with options */
    write_fragment(w, ip, 16, data - 16, false);
    if (!drop_middle)
        write_fragment(w, ip, 8, 8, true);
    write_fragment(w, ip, 0, 8, true);
    c->end[ORIG].nxt = c->end[ORIG].isn + 1;
}

static void sc_fragmented_syn(struct cw_pcap *w)
{
    struct conv c;
    tcp_conv(&c, w, 40411);
    conv_syn_opts(&c, 7, 7);
    fragmented_syn(w, &c, false);
    conv_synack(&c);
    conv_ack(&c, ORIG);
    req_resp(&c);
    conv_close4(&c, ORIG);
    tcp_conv(&c, w, 40412);
    conv_syn_opts(&c, 7, 7);
    fragmented_syn(w, &c, true);
}

/* 802.11 with radiotap: a connection in QoS data frames, and frames that carry no readable IP:
 * two beacons (wlan_mgmt), an ACK (wlan_ctrl), a protected data frame (wlan_protected). */
static void sc_wlan_radiotap(struct cw_pcap *w)
{
    static const uint8_t radiotap[9] = {0, 0, 9, 0, 2, 0, 0, 0, 0};
    static const uint8_t beacon[24] = {0x80, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0,
                                       0x5e, 0x30, 0, 1, 2, 0, 0x5e, 0x30, 0, 1, 0, 0};
    static const uint8_t ack[10] = {0xd4, 0, 0, 0, 2, 0, 0x5e, 0x30, 0, 1};
    static const uint8_t protected_data[40] = {0x88, 0x41, 0, 0, 2, 0, 0x5e, 0x30, 0, 1};
    const struct { const uint8_t *b; size_t n; } odd[] = {
        {beacon, sizeof beacon}, {ack, sizeof ack}, {protected_data, sizeof protected_data},
        {beacon, sizeof beacon}};
    for (size_t i = 0; i < sizeof odd / sizeof *odd; i++) {
        uint8_t frame[64];
        memcpy(frame, radiotap, sizeof radiotap);
        memcpy(frame + sizeof radiotap, odd[i].b, odd[i].n);
        cw_pcap_write(w, frame, (uint32_t)(sizeof radiotap + odd[i].n));
    }
    const struct cw_layer l[] = {ENC(CW_ENC_RADIOTAP, 0, 0), ENC(CW_ENC_WLAN, 0, CW_WLAN_QOS),
                                 ENC(CW_ENC_LLC, 0, 0)};
    struct conv c;
    tunnel_conv(&c, w, CLIENT, SERVER, 40421, l, l, 3);
    conv_handshake(&c);
    req_resp(&c);
    conv_close4(&c, ORIG);
}

/* A connection inside DISSECT_MAX_TUNNEL (4) nested tunnels, which is decoded; a packet in
 * GRE nested 100 times and one with 100 MPLS labels, which are refused by depth. */
static void sc_tunnel_depth(struct cw_pcap *w)
{
    const struct cw_layer deep[] = {ENC(CW_ENC_ETH, 0, 0), OUTER("192.0.2.1", "192.0.2.2"),
                                    UDP_TO(2152, 2152), ENC(CW_ENC_GTPU, 9, 0),
                                    OUTER("192.0.2.3", "192.0.2.4"), ENC(CW_ENC_GRE, 0, 0),
                                    OUTER("192.0.2.5", "192.0.2.6"), UDP_TO(1, 4789),
                                    ENC(CW_ENC_VXLAN, 8, 0), ENC(CW_ENC_ETH, 0, 0),
                                    OUTER("192.0.2.7", "192.0.2.8")};
    struct conv c;
    tunnel_conv(&c, w, CLIENT, SERVER, 40431, deep, deep, sizeof deep / sizeof *deep);
    conv_handshake(&c);
    req_resp(&c);
    conv_close4(&c, ORIG);
    static struct cw_layer hostile[1 + 2 * 100];
    size_t n = 0;
    hostile[n++] = ENC(CW_ENC_ETH, 0, 0);
    for (int i = 0; i < 100; i++) {
        hostile[n++] = OUTER("192.0.2.1", "192.0.2.2");
        hostile[n++] = ENC(CW_ENC_GRE, 0, 0);
    }
    tunnel_conv(&c, w, CLIENT, SERVER, 40432, hostile, hostile, n);
    conv_syn(&c);
    n = 1;
    for (int i = 0; i < 100; i++)
        hostile[n++] = ENC(CW_ENC_MPLS, (uint32_t)(16 + i), 0);
    tunnel_conv(&c, w, CLIENT, SERVER, 40433, hostile, hostile, n);
    conv_syn(&c);
}

/* ---- why each RST was sent, and by whom (docs/teardown.md "Why each RST was sent") ------- */

/* A segment from d that someone else sent in d's name: ttl and IP ID as given; d's own
 * counter of IDs does not move (the injector is not d). */
static void forged(struct conv *c, enum conv_dir d, uint8_t ttl, uint16_t ip_id, uint8_t flags,
                   uint32_t seq, uint32_t ack)
{
    struct conv_end *e = &c->end[d];
    uint8_t ttl0 = e->ttl;
    uint16_t id0 = e->ip_id;
    e->ttl = ttl;
    e->ip_id = ip_id;
    conv_raw(c, d, flags, seq, ack, NULL, 0);
    e->ttl = ttl0;
    e->ip_id = id0;
}

/* A RST (+ extra flags) from d at d.nxt, ack = the peer's nxt, with IP ID 0 (as Linux sends
 * socketless RSTs). */
static void rst_id0(struct conv *c, enum conv_dir d, uint8_t extra)
{
    uint16_t id = c->end[d].ip_id;
    c->end[d].ip_id = 0;
    conv_raw(c, d, (uint8_t)(TCP_RST | extra), c->end[d].nxt, c->end[!d].nxt, NULL, 0);
    c->end[d].ip_id = id;
}

/* A server 12 hops away (TTL 52 at the capture point), the client on the same host. */
static void far_server(struct conv *c, struct cw_pcap *w, uint16_t cport)
{
    tcp_conv(c, w, cport);
    c->end[RESP].ttl = 52;
}

/* far_server, then handshake, request, response, the client's ACK. */
static void opened_far(struct conv *c, struct cw_pcap *w, uint16_t cport)
{
    far_server(c, w, cport);
    conv_handshake(c);
    req_resp(c);
}

static void sc_rst_cause_refused(struct cw_pcap *w)
{
    struct conv c;
    far_server(&c, w, 40371);                     /* SYN, RST+ACK: nothing listens */
    conv_syn(&c);
    conv_raw(&c, RESP, TCP_RST | TCP_ACK, 0, c.end[ORIG].nxt, NULL, 0);
}

static void sc_rst_cause_after_close(struct cw_pcap *w)
{
    struct conv c;
    far_server(&c, w, 40381);                     /* the server closed; the client writes */
    conv_handshake(&c);
    req_resp(&c);
    conv_fin(&c, RESP);
    conv_ack(&c, ORIG);
    conv_send(&c, ORIG, PA, REQ);
    c.end[RESP].ip_id = 0;                        /* socketless: ID 0 */
    conv_raw(&c, RESP, TCP_RST, c.end[RESP].nxt, 0, NULL, 0);
    opened_far(&c, w, 40382);                     /* ... its first RST reordered: 30 bytes */
    conv_fin(&c, RESP);                           /* behind, then the exact one */
    conv_ack(&c, ORIG);
    conv_send(&c, ORIG, PA, REQ);
    c.end[RESP].ip_id = 0;
    conv_raw(&c, RESP, TCP_RST, c.end[RESP].nxt - 31, 0, NULL, 0);
    conv_raw(&c, RESP, TCP_RST, c.end[RESP].nxt, 0, NULL, 0);
}

static void sc_rst_cause_idle_timeout(struct cw_pcap *w)
{
    struct conv c;
    opened_far(&c, w, 40391);                     /* a firewall forgot it: its RST in the */
                                                  /* server's name, TTL 63, ID 0 */
    conv_wait(&c, 35 * SECOND);
    conv_send(&c, ORIG, PA, REQ);
    forged(&c, RESP, 63, 0, TCP_RST, c.end[RESP].nxt, 0);
    far_server(&c, w, 40392);                     /* the server itself forgot it */
    conv_handshake(&c);
    req_resp(&c);
    conv_wait(&c, 40 * SECOND);
    conv_send(&c, ORIG, PA, REQ);
    rst_id0(&c, RESP, 0);
    far_server(&c, w, 40393);                     /* 20 s is no idle gap (default 30 s) */
    conv_handshake(&c);
    req_resp(&c);
    conv_wait(&c, 20 * SECOND);
    conv_send(&c, ORIG, PA, REQ);
    rst_id0(&c, RESP, 0);
}

static void sc_rst_cause_idle_gap(struct cw_pcap *w)
{
    struct conv c;
    far_server(&c, w, 40401);                     /* 6 s of silence; --idle-gap 5 */
    conv_handshake(&c);
    req_resp(&c);
    conv_wait(&c, 6 * SECOND);
    conv_send(&c, ORIG, PA, REQ);
    rst_id0(&c, RESP, 0);
}

static void sc_rst_cause_no_connection(struct cw_pcap *w)
{
    struct conv c;
    far_server(&c, w, 40411);                     /* the server never seen: RST only */
    c.end[ORIG].nxt = 200000;
    c.end[RESP].nxt = 300000;
    conv_send(&c, ORIG, PA, REQ);
    rst_id0(&c, RESP, 0);
    opened_far(&c, w, 40412);                     /* RST without ACK at the client's ack */
    conv_send(&c, ORIG, PA, REQ);
    rst_id0(&c, RESP, 0);
    far_server(&c, w, 40413);                     /* after its abort, the client's data in */
    conv_handshake(&c);                           /* flight: RSTs a few bytes behind */
    req_resp(&c);
    uint32_t at = c.end[ORIG].nxt;
    conv_rst(&c, RESP, TCP_ACK);
    conv_raw(&c, ORIG, PA, at, c.end[RESP].nxt - 40, "0123456789", 10);
    conv_raw(&c, ORIG, PA, at + 10, c.end[RESP].nxt - 20, "0123456789", 10);
    c.end[RESP].ip_id = 0;
    conv_raw(&c, RESP, TCP_RST, c.end[RESP].nxt - 40, 0, NULL, 0);
    conv_raw(&c, RESP, TCP_RST, c.end[RESP].nxt - 20, 0, NULL, 0);
}

static void sc_rst_cause_invalid_segment(struct cw_pcap *w)
{
    struct conv c;
    opened_far(&c, w, 40421);                     /* SYN+FIN in a live connection */
    conv_raw(&c, ORIG, TCP_SYN | TCP_FIN, c.end[ORIG].nxt, 0, NULL, 0);
    conv_rst(&c, RESP, TCP_ACK);
    far_server(&c, w, 40422);                     /* data beyond the server's window */
    conv_syn_opts(&c, 7, 7);
    conv_handshake(&c);
    c.end[RESP].win = 1;                          /* 128 bytes */
    conv_send(&c, RESP, PA, RSP);
    conv_ack(&c, ORIG);
    static char big[400];
    memset(big, 'b', sizeof big);
    conv_sendn(&c, ORIG, PA, big, sizeof big);
    conv_rst(&c, RESP, TCP_ACK);
}

static void sc_rst_cause_timeout(struct cw_pcap *w)
{
    struct conv c;
    opened_far(&c, w, 40431);                     /* the server stops answering */
    uint32_t at = c.end[ORIG].nxt;
    conv_send(&c, ORIG, PA, REQ);
    for (int i = 0; i < 4; i++) {
        conv_wait(&c, (int64_t)(1 << i) * SECOND);
        conv_raw(&c, ORIG, PA, at, c.end[RESP].nxt, REQ, (uint32_t)strlen(REQ));
    }
    conv_rst(&c, ORIG, TCP_ACK);
}

static void sc_rst_cause_abort(struct cw_pcap *w)
{
    struct conv c;
    opened_far(&c, w, 40441);                     /* the client aborts (SO_LINGER 0) */
    conv_rst(&c, ORIG, TCP_ACK);
    opened_far(&c, w, 40442);                     /* the server aborts after its reply */
    conv_rst(&c, RESP, TCP_ACK);
}

static void sc_rst_cause_injected(struct cw_pcap *w)
{
    struct conv c;
    opened_far(&c, w, 40451);                     /* mid-transfer, in the server's name from */
    /* 3 hops away: an exact RST+ACK */
    conv_send(&c, RESP, PA, RSP);
    forged(&c, RESP, 61, 0x4242, TCP_RST | TCP_ACK, c.end[RESP].nxt, c.end[ORIG].nxt);
}

static void sc_rst_cause_unknown(struct cw_pcap *w)
{
    struct conv c;
    conv_init(&c, w, "10.0.0.9", 40461, SERVER, 80);  /* one RST, nothing else */
    conv_raw(&c, RESP, TCP_RST | TCP_ACK, 7777, 8888, NULL, 0);
}

/* An established exchange with a far server (TTL 52) and three more responses from it: the
 * server has sent 5 packets, its IDs 4 steps of 1. */
static void busy(struct conv *c, struct cw_pcap *w, uint16_t cport)
{
    opened_far(c, w, cport);
    for (int i = 0; i < 3; i++) {
        conv_send(c, RESP, PA, RSP);
        conv_ack(c, ORIG);
    }
}

static void sc_rst_origin_ttl(struct cw_pcap *w)
{
    struct conv c;
    busy(&c, w, 40471);                           /* 12 hops vs the RST's 64 */
    forged(&c, RESP, 64, c.end[RESP].ip_id, TCP_RST | TCP_ACK, c.end[RESP].nxt,
           c.end[ORIG].nxt);
    busy(&c, w, 40472);                           /* one hop off, the host's TTL constant */
    forged(&c, RESP, 53, c.end[RESP].ip_id, TCP_RST | TCP_ACK, c.end[RESP].nxt,
           c.end[ORIG].nxt);
}

static void sc_rst_origin_ip_id(struct cw_pcap *w)
{
    struct conv c;
    busy(&c, w, 40481);                           /* an abort whose ID jumps by 20000 */
    forged(&c, RESP, 52, (uint16_t)(c.end[RESP].ip_id + 20000), TCP_RST | TCP_ACK,
           c.end[RESP].nxt, c.end[ORIG].nxt);
    busy(&c, w, 40482);                           /* ID 0 is no evidence */
    rst_id0(&c, RESP, TCP_ACK);
    busy(&c, w, 40483);                           /* nor is a socketless RST's ID */
    conv_send(&c, ORIG, PA, REQ);
    forged(&c, RESP, 52, (uint16_t)(c.end[RESP].ip_id + 20000), TCP_RST, c.end[RESP].nxt, 0);
    busy(&c, w, 40484);                           /* nor, after segments the capture lost */
    c.end[RESP].nxt += 24;                        /* (the server's last 24 bytes), an ID */
    forged(&c, RESP, 52, (uint16_t)(c.end[RESP].ip_id + 20000), TCP_RST | TCP_ACK,
           c.end[RESP].nxt, c.end[ORIG].nxt);
}

static void sc_rst_origin_after(struct cw_pcap *w)
{
    struct conv c;
    busy(&c, w, 40491);                           /* the server goes on 50 ms later */
    forged(&c, RESP, 52, c.end[RESP].ip_id, TCP_RST | TCP_ACK, c.end[RESP].nxt,
           c.end[ORIG].nxt);
    conv_wait(&c, 50 * MS);
    conv_send(&c, RESP, PA, "more data");
    conv_ack(&c, ORIG);
    busy(&c, w, 40492);                           /* a segment within one RTT: in flight */
    uint32_t at = c.end[RESP].nxt;
    conv_rst(&c, RESP, TCP_ACK);
    conv_raw(&c, RESP, PA, at, c.end[ORIG].nxt, "x", 1);
    far_server(&c, w, 40493);                     /* refused, then the SYN retried 500 ms */
    conv_syn(&c);                                 /* later is accepted: a new incarnation */
    conv_raw(&c, RESP, TCP_RST | TCP_ACK, 0, c.end[ORIG].nxt, NULL, 0);
    conv_wait(&c, 500 * MS);
    conv_syn(&c);
    conv_synack(&c);
    conv_ack(&c, ORIG);
    req_resp(&c);
    conv_close4(&c, ORIG);
}

static void sc_rst_origin_all(struct cw_pcap *w)
{
    struct conv c;
    busy(&c, w, 40501);                           /* TTL, ID and what came after */
    forged(&c, RESP, 64, (uint16_t)(c.end[RESP].ip_id + 30000), TCP_RST | TCP_ACK,
           c.end[RESP].nxt, c.end[ORIG].nxt);
    conv_wait(&c, 20 * MS);
    conv_send(&c, RESP, PA, "more data");
}

static void sc_rst_origin_route_change(struct cw_pcap *w)
{
    struct conv c;
    busy(&c, w, 40511);                           /* 52 then 53: the route changed */
    c.end[RESP].ttl = 53;
    conv_send(&c, RESP, PA, RSP);
    conv_ack(&c, ORIG);
    conv_rst(&c, RESP, TCP_ACK);
    busy(&c, w, 40512);                           /* 52 and 53, RST at 54: off by one */
    c.end[RESP].ttl = 53;
    conv_send(&c, RESP, PA, RSP);
    conv_ack(&c, ORIG);
    c.end[RESP].ttl = 54;
    conv_rst(&c, RESP, TCP_ACK);
}

static void sc_rst_origin_ttl_varies(struct cw_pcap *w)
{
    static const uint8_t ttls[] = {50, 57, 54, 60};
    struct conv c;
    busy(&c, w, 40521);                           /* a host behind several paths */
    for (size_t i = 0; i < sizeof ttls; i++) {
        c.end[RESP].ttl = ttls[i];
        conv_send(&c, RESP, PA, RSP);
        conv_ack(&c, ORIG);
    }
    c.end[RESP].ttl = 64;
    conv_rst(&c, RESP, TCP_ACK);
}

static void sc_rst_origin_ipv6(struct cw_pcap *w)
{
    struct conv c;
    conv_init(&c, w, "fd00::1", 40531, "fd00::2", 80);  /* hop limit 52 throughout */
    c.end[RESP].ttl = 52;
    conv_handshake(&c);
    req_resp(&c);
    conv_send(&c, RESP, PA, RSP);
    conv_ack(&c, ORIG);
    conv_rst(&c, RESP, TCP_ACK);
    cw_wait(w, SECOND);
    conv_init(&c, w, "fd00::1", 40532, "fd00::2", 80);  /* the RST's hop limit is 64 */
    c.end[RESP].ttl = 52;
    conv_handshake(&c);
    req_resp(&c);
    conv_send(&c, RESP, PA, RSP);
    conv_ack(&c, ORIG);
    forged(&c, RESP, 64, 0, TCP_RST | TCP_ACK, c.end[RESP].nxt, c.end[ORIG].nxt);
}

static void sc_rst_origin_first_packet(struct cw_pcap *w)
{
    struct conv c;
    far_server(&c, w, 40541);                     /* the server's first packet is its RST */
    c.end[ORIG].nxt = 100000;
    c.end[RESP].nxt = 900000;
    conv_send(&c, ORIG, PA, REQ);
    conv_send(&c, ORIG, PA, REQ);
    forged(&c, RESP, 64, 0x5555, TCP_RST | TCP_ACK, c.end[RESP].nxt, c.end[ORIG].nxt);
    far_server(&c, w, 40542);                     /* one packet before it: still too few */
    conv_syn(&c);
    conv_synack(&c);
    conv_ack(&c, ORIG);
    forged(&c, RESP, 64, 0x5555, TCP_RST | TCP_ACK, c.end[RESP].nxt, c.end[ORIG].nxt);
}

struct scenario {
    const char *name;
    int linktype;
    bool nsec;
    void (*build)(struct cw_pcap *w);
    bool vlans;                   /* has VLAN tags or encapsulations: a pcapng spread keeps
                                     to its link type */
};

static const struct scenario SCENARIOS[] = {
    {"graceful_client", CW_LINK_EN10MB, false, sc_graceful_client, false},
    {"graceful_server", CW_LINK_EN10MB, false, sc_graceful_server, false},
    {"simultaneous_close", CW_LINK_EN10MB, false, sc_simultaneous_close, false},
    {"half_close_then_close", CW_LINK_EN10MB, false, sc_half_close_then_close, false},
    {"half_close_open", CW_LINK_EN10MB, false, sc_half_close_open, false},
    {"rst_originator", CW_LINK_EN10MB, false, sc_rst_originator, false},
    {"rst_responder", CW_LINK_EN10MB, false, sc_rst_responder, false},
    {"rst_inexact_challenge", CW_LINK_EN10MB, false, sc_rst_inexact_challenge, false},
    {"rst_inexact_accepted", CW_LINK_EN10MB, false, sc_rst_inexact_accepted, false},
    {"rst_out_of_window", CW_LINK_EN10MB, false, sc_rst_out_of_window, false},
    {"rst_ack_mismatch", CW_LINK_EN10MB, false, sc_rst_ack_mismatch, false},
    {"rst_with_data", CW_LINK_EN10MB, false, sc_rst_with_data, false},
    {"rst_after_close", CW_LINK_EN10MB, false, sc_rst_after_close, false},
    {"rst_stray", CW_LINK_EN10MB, false, sc_rst_stray, false},
    {"rejected", CW_LINK_EN10MB, false, sc_rejected, false},
    {"unanswered", CW_LINK_EN10MB, false, sc_unanswered, false},
    {"open_at_end", CW_LINK_EN10MB, false, sc_open_at_end, false},
    {"seq_wraparound", CW_LINK_EN10MB, false, sc_seq_wraparound, false},
    {"window_scale", CW_LINK_EN10MB, false, sc_window_scale, false},
    {"fin_out_of_order", CW_LINK_EN10MB, false, sc_fin_out_of_order, false},
    {"fin_retransmitted", CW_LINK_EN10MB, false, sc_fin_retransmitted, false},
    {"fin_with_data", CW_LINK_EN10MB, false, sc_fin_with_data, false},
    {"data_after_fin", CW_LINK_EN10MB, false, sc_data_after_fin, false},
    {"data_after_rst", CW_LINK_EN10MB, false, sc_data_after_rst, false},
    {"multiple_rst", CW_LINK_EN10MB, false, sc_multiple_rst, false},
    {"fin_not_acked", CW_LINK_EN10MB, false, sc_fin_not_acked, false},
    {"invalid_flags", CW_LINK_EN10MB, false, sc_invalid_flags, false},
    {"ack_of_unseen_data", CW_LINK_EN10MB, false, sc_ack_of_unseen_data, false},
    {"midstream_close", CW_LINK_EN10MB, false, sc_midstream_close, false},
    {"port_reuse", CW_LINK_EN10MB, false, sc_port_reuse, false},
    {"challenge_loop", CW_LINK_EN10MB, false, sc_challenge_loop, false},
    {"ipv6_graceful", CW_LINK_EN10MB, false, sc_ipv6_graceful, false},
    {"vlan_graceful", CW_LINK_EN10MB, false, sc_vlan_graceful, true},
    {"sll2_graceful", CW_LINK_LINUX_SLL2, true, sc_sll2_graceful, false},
    {"abnormal_misc", CW_LINK_EN10MB, false, sc_abnormal_misc, false},
    {"rst_during_half_close", CW_LINK_EN10MB, false, sc_rst_during_half_close, false},
    {"tunnel_vxlan_vnis", CW_LINK_EN10MB, false, sc_tunnel_vxlan_vnis, true},
    {"tunnel_gre", CW_LINK_EN10MB, false, sc_tunnel_gre, true},
    {"encap_link", CW_LINK_EN10MB, false, sc_encap_link, true},
    {"tunnel_udp", CW_LINK_EN10MB, false, sc_tunnel_udp, true},
    {"fragmented_syn", CW_LINK_EN10MB, false, sc_fragmented_syn, true},
    {"wlan_radiotap", 127, false, sc_wlan_radiotap, true},
    {"tunnel_depth", CW_LINK_EN10MB, false, sc_tunnel_depth, true},
    {"capture_loss", CW_LINK_EN10MB, false, sc_capture_loss, false},
    {"rst_cause_refused", CW_LINK_EN10MB, false, sc_rst_cause_refused, false},
    {"rst_cause_after_close", CW_LINK_EN10MB, false, sc_rst_cause_after_close, false},
    {"rst_cause_idle_timeout", CW_LINK_EN10MB, false, sc_rst_cause_idle_timeout, false},
    {"rst_cause_idle_gap", CW_LINK_EN10MB, false, sc_rst_cause_idle_gap, false},
    {"rst_cause_no_connection", CW_LINK_EN10MB, false, sc_rst_cause_no_connection, false},
    {"rst_cause_invalid_segment", CW_LINK_EN10MB, false, sc_rst_cause_invalid_segment, false},
    {"rst_cause_timeout", CW_LINK_EN10MB, false, sc_rst_cause_timeout, false},
    {"rst_cause_abort", CW_LINK_EN10MB, false, sc_rst_cause_abort, false},
    {"rst_cause_injected", CW_LINK_EN10MB, false, sc_rst_cause_injected, false},
    {"rst_cause_unknown", CW_LINK_EN10MB, false, sc_rst_cause_unknown, false},
    {"rst_origin_ttl", CW_LINK_EN10MB, false, sc_rst_origin_ttl, false},
    {"rst_origin_ip_id", CW_LINK_EN10MB, false, sc_rst_origin_ip_id, false},
    {"rst_origin_after", CW_LINK_EN10MB, false, sc_rst_origin_after, false},
    {"rst_origin_all", CW_LINK_EN10MB, false, sc_rst_origin_all, false},
    {"rst_origin_route_change", CW_LINK_EN10MB, false, sc_rst_origin_route_change, false},
    {"rst_origin_ttl_varies", CW_LINK_EN10MB, false, sc_rst_origin_ttl_varies, false},
    {"rst_origin_ipv6", CW_LINK_EN10MB, false, sc_rst_origin_ipv6, false},
    {"rst_origin_first_packet", CW_LINK_EN10MB, false, sc_rst_origin_first_packet, false},
};
#define N_SCENARIOS (sizeof SCENARIOS / sizeof SCENARIOS[0])

/* ---- the demo capture ---------------------------------------------------------------------- */
/*
 * The demo: twelve seconds of an office's Internet gateway
 * (LAN 192.168.10.0/24 and 2001:db8:10::/64, resolver .1), one Ethernet capture. Most
 * connections end well; some do not, each for a reason a network engineer meets:
 *   - DNS over UDP before most connections (A and AAAA; one IPv6 resolver exchange)
 *   - HTTPS (TLS 1.3 ClientHello with SNI) closed by the client, by the server, or
 *     simultaneously; HTTP/1.1 GETs with a Host header; a few of them over IPv6
 *   - a browser tab closed mid-download (RST from the client), an overloaded backend (RST from
 *     the server, one with a diagnostic text), a RDP port that is closed (rejected, twice), an
 *     SSH port behind a firewall (unanswered, with SYN retransmissions)
 *   - an SSH session and an MQTT-over-TLS session still open at the end; the SSH session
 *     survives a blind reset attempt (RST out of window), the MQTT one an in-window RST that its
 *     server answers with a challenge ACK (RFC 5961)
 *   - an upload tool that half-closes and is still reading when the capture stops
 *   - a flaky IoT sensor: a FIN its server never acknowledges (abnormal), data after its FIN
 *   - a late RST into TIME_WAIT, a FIN retransmitted, a capture drop (ack of unseen data), a
 *     response arriving after the client's RST, repeated RSTs, and backscatter (a lone RST)
 * Payload bytes that would be encrypted are a fixed pattern; nothing is random.
 */

#define LAN_DNS "192.168.10.1"
#define LAN6_DNS "2001:db8:10::1"

/* A growing byte buffer for application payloads (TLS records, DNS messages). */
struct bytes {
    uint8_t b[1536];
    size_t n;
};

static void b8(struct bytes *o, uint8_t v)
{
    if (o->n < sizeof o->b)
        o->b[o->n++] = v;
}

static void b16(struct bytes *o, uint16_t v)
{
    b8(o, (uint8_t)(v >> 8));
    b8(o, (uint8_t)v);
}

static void bmem(struct bytes *o, const void *data, size_t len)
{
    for (size_t i = 0; i < len; i++)
        b8(o, ((const uint8_t *)data)[i]);
}

/* Reserves a big-endian length of `size` bytes, filled in by len_close(). */
static size_t len_open(struct bytes *o, int size)
{
    size_t at = o->n;
    for (int i = 0; i < size; i++)
        b8(o, 0);
    return at;
}

static void len_close(struct bytes *o, size_t at, int size)
{
    size_t v = o->n - at - (size_t)size;
    for (int i = size - 1; i >= 0; i--, v >>= 8)
        if (at + (size_t)i < sizeof o->b)
            o->b[at + (size_t)i] = (uint8_t)v;
}

/* `len` bytes of a fixed pattern that stands in for ciphertext. */
static void pattern(struct bytes *o, size_t len, uint8_t seed)
{
    for (size_t i = 0; i < len; i++)
        b8(o, (uint8_t)(i * 131u + seed * 29u + (i >> 3)));
}

static void tls_ext(struct bytes *o, uint16_t type, const uint8_t *data, size_t len)
{
    b16(o, type);
    b16(o, (uint16_t)len);
    bmem(o, data, len);
}

/* A TLS 1.3 ClientHello record (legacy version 1.2) with SNI, groups, ALPN and key share. */
static void tls_client_hello(struct bytes *o, const char *sni, uint8_t seed)
{
    size_t rec = (b8(o, 0x16), b16(o, 0x0301), len_open(o, 2));
    size_t hs = (b8(o, 0x01), len_open(o, 3));
    b16(o, 0x0303);
    pattern(o, 32, seed);                                  /* random */
    b8(o, 32);
    pattern(o, 32, (uint8_t)(seed + 1));                   /* legacy session id */
    static const uint16_t suites[] = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030};
    b16(o, sizeof suites);
    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++)
        b16(o, suites[i]);
    b8(o, 1);
    b8(o, 0);
    size_t exts = len_open(o, 2);
    size_t e = (b16(o, 0x0000), len_open(o, 2));           /* server_name */
    size_t list = len_open(o, 2);
    b8(o, 0);
    b16(o, (uint16_t)strlen(sni));
    bmem(o, sni, strlen(sni));
    len_close(o, list, 2);
    len_close(o, e, 2);
    static const uint8_t groups[] = {0x00, 0x06, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18};
    tls_ext(o, 0x000a, groups, sizeof groups);
    static const uint8_t points[] = {0x01, 0x00};
    tls_ext(o, 0x000b, points, sizeof points);
    static const uint8_t sigalgs[] = {0x00, 0x08, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01, 0x05, 0x03};
    tls_ext(o, 0x000d, sigalgs, sizeof sigalgs);
    static const uint8_t alpn[] = {0x00, 0x0c, 0x02, 'h', '2', 0x08, 'h', 't', 't', 'p', '/',
                                   '1', '.', '1'};
    tls_ext(o, 0x0010, alpn, sizeof alpn);
    static const uint8_t versions[] = {0x04, 0x03, 0x04, 0x03, 0x03};
    tls_ext(o, 0x002b, versions, sizeof versions);
    size_t ks = (b16(o, 0x0033), len_open(o, 2));          /* key_share: x25519 */
    size_t shares = len_open(o, 2);
    b16(o, 0x001d);
    b16(o, 32);
    pattern(o, 32, (uint8_t)(seed + 2));
    len_close(o, shares, 2);
    len_close(o, ks, 2);
    len_close(o, exts, 2);
    len_close(o, hs, 3);
    len_close(o, rec, 2);
}

/* The server's first flight: ServerHello, ChangeCipherSpec, then encrypted records. */
static void tls_server_flight(struct bytes *o, uint8_t seed)
{
    size_t rec = (b8(o, 0x16), b16(o, 0x0303), len_open(o, 2));
    size_t hs = (b8(o, 0x02), len_open(o, 3));
    b16(o, 0x0303);
    pattern(o, 32, (uint8_t)(seed + 7));
    b8(o, 32);
    pattern(o, 32, (uint8_t)(seed + 1));                   /* echoes the session id */
    b16(o, 0x1301);
    b8(o, 0);
    size_t exts = len_open(o, 2);
    static const uint8_t version[] = {0x03, 0x04};
    tls_ext(o, 0x002b, version, sizeof version);
    size_t ks = (b16(o, 0x0033), len_open(o, 2));
    b16(o, 0x001d);
    b16(o, 32);
    pattern(o, 32, (uint8_t)(seed + 9));
    len_close(o, ks, 2);
    len_close(o, exts, 2);
    len_close(o, hs, 3);
    len_close(o, rec, 2);
    static const uint8_t ccs[] = {0x14, 0x03, 0x03, 0x00, 0x01, 0x01};
    bmem(o, ccs, sizeof ccs);
    b8(o, 0x17);
    b16(o, 0x0303);
    b16(o, 900);
    pattern(o, 900, (uint8_t)(seed + 11));                 /* certificate etc., encrypted */
}

/* One TLS application-data record of `len` bytes of "ciphertext". */
static void tls_app_data(struct bytes *o, size_t len, uint8_t seed)
{
    b8(o, 0x17);
    b16(o, 0x0303);
    b16(o, (uint16_t)len);
    pattern(o, len, seed);
}

/* A DNS query (or, with `addr`, its answer) for name, type A (4-byte addr) or AAAA (16). */
static void dns_msg(struct bytes *o, uint16_t id, const char *name, bool aaaa,
                    const struct cw_addr *addr)
{
    b16(o, id);
    b16(o, addr ? 0x8180 : 0x0100);
    b16(o, 1);
    b16(o, addr ? 1 : 0);
    b16(o, 0);
    b16(o, 0);
    for (const char *p = name; *p;) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        b8(o, (uint8_t)len);
        bmem(o, p, len);
        p += len + (dot ? 1 : 0);
    }
    b8(o, 0);
    b16(o, aaaa ? 28 : 1);
    b16(o, 1);
    if (!addr)
        return;
    b16(o, 0xc00c);
    b16(o, aaaa ? 28 : 1);
    b16(o, 1);
    b16(o, 0);
    b16(o, 300);
    b16(o, aaaa ? 16 : 4);
    bmem(o, addr->b, aaaa ? 16 : 4);
}

/* Gives the conversation realistic MACs: the client's from its address, the gateway's. */
static void demo_macs(struct conv *c)
{
    struct conv_end *cli = &c->end[ORIG], *srv = &c->end[RESP];
    cli->mac[4] = cli->addr.b[cli->addr.family == 4 ? 2 : 14];
    cli->mac[5] = cli->addr.b[cli->addr.family == 4 ? 3 : 15];
    srv->mac[4] = 0xff;
    srv->mac[5] = 0xfe;
}

static void demo_conv(struct conv *c, struct cw_pcap *w, const char *cli, uint16_t cport,
                      const char *srv, uint16_t sport, uint32_t isn_c, uint32_t isn_s)
{
    conv_init(c, w, cli, cport, srv, sport);
    conv_isn(c, isn_c, isn_s);
    demo_macs(c);
    bool v6 = c->end[ORIG].addr.family == 6;
    conv_syn_opts(c, 7, v6 ? 10 : 9);
    c->end[ORIG].ts = c->end[RESP].ts = !v6;
    c->end[ORIG].win = 64240;
    c->end[RESP].win = 65160;
}

/* The handshake, then the windows both sides advertise once scaling is on. */
static void demo_handshake(struct conv *c)
{
    conv_handshake(c);
    c->end[ORIG].win = 502;                               /* x 128 = 64256 */
    c->end[RESP].win = c->end[RESP].addr.family == 6 ? 42 : 83; /* x 1024 / x 512 */
}

/* A DNS lookup over UDP: the query, and 12 ms later the answer. */
static void demo_dns(struct cw_pcap *w, const char *cli, uint16_t cport, const char *resolver,
                     uint16_t id, const char *name, const char *answer)
{
    struct conv c;
    struct cw_addr a;
    conv_init(&c, w, cli, cport, resolver, 53);
    demo_macs(&c);
    cw_addr_parse(&a, answer);
    struct bytes q = {.n = 0}, r = {.n = 0};
    dns_msg(&q, id, name, a.family == 6, NULL);
    dns_msg(&r, id, name, a.family == 6, &a);
    conv_udp(&c, ORIG, q.b, (uint32_t)q.n);
    conv_wait(&c, 11000);
    conv_udp(&c, RESP, r.b, (uint32_t)r.n);
}

static void send_bytes(struct conv *c, enum conv_dir d, const struct bytes *o)
{
    /* Segments of at most 1400 bytes, PSH on the last. */
    for (size_t off = 0; off < o->n; off += 1400) {
        size_t len = o->n - off > 1400 ? 1400 : o->n - off;
        conv_sendn(c, d, off + len == o->n ? PA : TCP_ACK, o->b + off, (uint32_t)len);
    }
}

/* Handshake, ClientHello with SNI, server flight, client Finished, one request and response
 * of resp_len bytes; leaves the connection established. */
static void demo_tls_open(struct conv *c, struct cw_pcap *w, const char *cli, uint16_t cport,
                          const char *srv, uint16_t sport, const char *sni, size_t resp_len)
{
    uint8_t seed = (uint8_t)cport;
    demo_conv(c, w, cli, cport, srv, sport, 0x1a2b0000u + cport * 7919u,
              0x6c000000u + cport * 104729u);
    demo_handshake(c);
    struct bytes o = {.n = 0};
    tls_client_hello(&o, sni, seed);
    send_bytes(c, ORIG, &o);
    conv_wait(c, 20000);
    o.n = 0;
    tls_server_flight(&o, seed);
    send_bytes(c, RESP, &o);
    conv_ack(c, ORIG);
    o.n = 0;
    b8(&o, 0x14), b16(&o, 0x0303), b16(&o, 1), b8(&o, 1);
    tls_app_data(&o, 53, (uint8_t)(seed + 3));            /* Finished */
    tls_app_data(&o, 180, (uint8_t)(seed + 4));           /* the request */
    send_bytes(c, ORIG, &o);
    conv_wait(c, 25000);
    for (size_t left = resp_len; left > 0;) {
        size_t n = left > 1200 ? 1200 : left;
        o.n = 0;
        tls_app_data(&o, n, (uint8_t)(seed + left));
        send_bytes(c, RESP, &o);
        left -= n;
    }
    conv_ack(c, ORIG);
}

/* Handshake, a GET with a Host header, and a response with a body of body_len bytes. */
static void demo_http_open(struct conv *c, struct cw_pcap *w, const char *cli, uint16_t cport,
                           const char *srv, uint16_t sport, const char *host, const char *path,
                           size_t body_len)
{
    demo_conv(c, w, cli, cport, srv, sport, 0x3c000000u + cport * 6151u,
              0x51000000u + cport * 49157u);
    demo_handshake(c);
    char req[512];
    snprintf(req, sizeof req,
             "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\n"
             "Accept: text/html,*/*\r\nAccept-Encoding: gzip\r\nConnection: keep-alive\r\n\r\n",
             path, host);
    conv_send(c, ORIG, PA, req);
    conv_wait(c, 30000);
    struct bytes o = {.n = 0};
    char head[200];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html; charset=utf-8"
                     "\r\nContent-Length: %zu\r\n\r\n", body_len);
    bmem(&o, head, (size_t)n);
    static const char html[] = "<!doctype html><html><head><title>demo</title></head><body>";
    for (size_t i = 0; i < body_len && o.n < sizeof o.b; i++)
        b8(&o, (uint8_t)(i < sizeof html - 1 ? html[i] : "lorem ipsum dolor sit amet "[i % 27]));
    send_bytes(c, RESP, &o);
    conv_ack(c, ORIG);
}

/* The two long-lived sessions, advanced between the other flows. */
struct demo_live {
    struct conv ssh, mqtt;
};

static void demo_ssh_start(struct demo_live *l, struct cw_pcap *w)
{
    struct conv *c = &l->ssh;
    demo_conv(c, w, "192.168.10.23", 51022, "198.51.100.5", 22, 0x0badcafe, 0x5eed0000);
    demo_handshake(c);
    conv_send(c, RESP, PA, "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n");
    conv_ack(c, ORIG);
    conv_send(c, ORIG, PA, "SSH-2.0-OpenSSH_9.6\r\n");
    struct bytes o = {.n = 0};
    pattern(&o, 1080, 22);
    send_bytes(c, RESP, &o);
    conv_ack(c, ORIG);
}

static void demo_ssh_keystrokes(struct demo_live *l, int n)
{
    struct conv *c = &l->ssh;
    struct bytes o = {.n = 0};
    pattern(&o, 36, (uint8_t)n);
    for (int i = 0; i < n; i++) {
        conv_sendn(c, ORIG, PA, o.b, 36);
        conv_wait(c, 4000);
        conv_sendn(c, RESP, PA, o.b, 36);
        conv_ack(c, ORIG);
        conv_wait(c, 150000);
    }
}

static void demo_mqtt_start(struct demo_live *l, struct cw_pcap *w)
{
    demo_tls_open(&l->mqtt, w, "192.168.10.61", 52883, "203.0.113.50", 8883,
                  "mqtt.sensors.example.net", 300);
}

static void demo_mqtt_ping(struct demo_live *l)
{
    struct bytes o = {.n = 0};
    tls_app_data(&o, 19, 88);
    send_bytes(&l->mqtt, ORIG, &o);
    conv_wait(&l->mqtt, 30000);
    send_bytes(&l->mqtt, RESP, &o);
    conv_ack(&l->mqtt, ORIG);
}

static void demo_gap(struct cw_pcap *w, int ms)
{
    cw_wait(w, (int64_t)ms * MS);
}

/* Graceful HTTPS visits: lookup, session, close by the client (4-way) or the server. */
static void demo_https_visit(struct cw_pcap *w, const char *cli, uint16_t cport,
                             uint16_t dns_port, const char *srv, const char *sni,
                             size_t resp_len, enum conv_dir closer)
{
    struct conv c;
    demo_dns(w, cli, dns_port, strchr(cli, ':') ? LAN6_DNS : LAN_DNS, (uint16_t)(cport ^ 0x5a5a),
             sni, srv);
    demo_gap(w, 3);
    demo_tls_open(&c, w, cli, cport, srv, 443, sni, resp_len);
    demo_gap(w, 40);
    conv_close4(&c, closer);
}

static void demo_part1(struct cw_pcap *w, struct demo_live *l)
{
    struct conv c;
    demo_ssh_start(l, w);
    demo_gap(w, 200);
    demo_https_visit(w, "192.168.10.21", 50001, 53001, "93.184.216.34", "www.example.com", 3000,
                     ORIG);
    demo_gap(w, 150);
    demo_https_visit(w, "192.168.10.21", 50002, 53002, "93.184.216.40", "static.example.com",
                     2400, ORIG);
    demo_mqtt_start(l, w);
    demo_gap(w, 300);
    /* api: the server closes its idle keep-alive connection */
    demo_https_visit(w, "192.168.10.22", 50010, 53010, "198.51.100.80", "api.example.org", 800,
                     RESP);
    demo_ssh_keystrokes(l, 3);
    /* a plain-HTTP site, HTTP/1.0 style: the server closes after the response */
    demo_dns(w, "192.168.10.24", 53020, LAN_DNS, 0x1020, "intranet.example.com", "192.0.2.80");
    demo_http_open(&c, w, "192.168.10.24", 50020, "192.0.2.80", 80, "intranet.example.com", "/",
                   900);
    conv_close4(&c, RESP);
    demo_gap(w, 250);
    /* both ends close at once */
    demo_tls_open(&c, w, "192.168.10.25", 50030, "93.184.216.34", 443, "www.example.com", 500);
    conv_fin(&c, ORIG);
    fin_acking(&c, RESP, 1);
    conv_ack(&c, ORIG);
    conv_ack(&c, RESP);
    demo_gap(w, 200);
    /* rejected twice: RDP to a desktop that does not listen */
    for (uint16_t p = 50040; p <= 50041; p++) {
        conv_init(&c, w, "192.168.10.21", p, "192.168.10.50", 3389);
        demo_macs(&c);
        conv_isn(&c, 0x77000000u + p, 0);
        conv_syn_opts(&c, 8, -1);
        conv_syn(&c);
        conv_raw(&c, RESP, TCP_RST | TCP_ACK, 0, c.end[ORIG].nxt, NULL, 0);
        demo_gap(w, 500);
    }
}

static void demo_part2(struct cw_pcap *w, struct demo_live *l)
{
    struct conv c, s;
    /* SSH to a host behind a firewall that drops: SYN, retransmitted at 1 s and 3 s */
    conv_init(&s, w, "192.168.10.23", 50050, "203.0.113.99", 22);
    demo_macs(&s);
    conv_isn(&s, 0x2f000000u, 0);
    conv_syn_opts(&s, 7, -1);
    conv_syn(&s);
    demo_gap(w, 300);
    /* a download cancelled: the browser resets mid-transfer */
    demo_tls_open(&c, w, "192.168.10.22", 50060, "198.51.100.90", 443, "video.example.net",
                  6000);
    conv_rst(&c, ORIG, TCP_ACK);
    demo_gap(w, 700);
    conv_syn(&s);
    demo_ssh_keystrokes(l, 2);
    /* an overloaded backend resets the request */
    demo_http_open(&c, w, "192.168.10.24", 50070, "198.51.100.30", 8080, "backend.example.com",
                   "/api/v2/report?day=2026-01-01", 120);
    conv_send(&c, ORIG, PA, "GET /api/v2/report?day=2026-01-02 HTTP/1.1\r\n"
                            "Host: backend.example.com\r\n\r\n");
    conv_wait(&c, 40000);
    conv_rst(&c, RESP, TCP_ACK);
    demo_gap(w, 400);
    /* a proxy refusing with a diagnostic text on its RST */
    demo_http_open(&c, w, "192.168.10.26", 50071, "198.51.100.31", 3128, "proxy.example.com",
                   "/", 60);
    conv_raw(&c, RESP, TCP_RST | TCP_ACK, c.end[RESP].nxt, c.end[ORIG].nxt,
             "proxy: idle connection reset", 28);
    demo_gap(w, 600);
    conv_syn(&s);                                         /* 3 s after the first */
    /* a blind reset attempt on the SSH session: out of window, ignored */
    conv_raw(&l->ssh, RESP, TCP_RST, l->ssh.end[RESP].nxt + 3000000, 0, NULL, 0);
    demo_ssh_keystrokes(l, 2);
}

static void demo_part3(struct cw_pcap *w, struct demo_live *l)
{
    struct conv c;
    /* IPv6: lookups and HTTPS over IPv6, one closed by each side */
    demo_https_visit(w, "2001:db8:10::21", 50101, 53101, "2001:db8:beef::443",
                     "www6.example.com", 1800, ORIG);
    demo_gap(w, 120);
    demo_https_visit(w, "2001:db8:10::22", 50102, 53102, "2001:db8:beef::1:443",
                     "mail.example.org", 900, RESP);
    demo_gap(w, 120);
    /* HTTP over IPv6, reset by the server */
    demo_http_open(&c, w, "2001:db8:10::21", 50103, "2001:db8:beef::80", 80, "legacy6.example.com",
                   "/status", 200);
    conv_send(&c, ORIG, PA, "GET /favicon.ico HTTP/1.1\r\nHost: legacy6.example.com\r\n\r\n");
    conv_rst(&c, RESP, 0);
    demo_gap(w, 300);
    /* an in-window RST on the MQTT session: its server answers with a challenge ACK */
    conv_raw(&l->mqtt, ORIG, TCP_RST, l->mqtt.end[ORIG].nxt + 20000, 0, NULL, 0);
    conv_wait(&l->mqtt, 2000);
    conv_ack(&l->mqtt, RESP);
    demo_mqtt_ping(l);
    demo_gap(w, 200);
    /* the IoT sensor: posts a reading, closes, the server never acknowledges its FIN */
    demo_http_open(&c, w, "192.168.10.60", 50110, "203.0.113.40", 80, "ingest.example.net",
                   "/v1/ping", 40);
    conv_send(&c, ORIG, PA, "POST /v1/reading HTTP/1.1\r\nHost: ingest.example.net\r\n"
                            "Content-Length: 18\r\n\r\n{\"temp_c\": 21.375}");
    conv_fin(&c, ORIG);
    demo_gap(w, 250);
    /* ... and on its next connection sends data after its own FIN */
    demo_http_open(&c, w, "192.168.10.60", 50111, "203.0.113.40", 80, "ingest.example.net",
                   "/v1/ping", 40);
    conv_fin(&c, ORIG);
    conv_ack(&c, RESP);
    conv_raw(&c, ORIG, PA, c.end[ORIG].nxt, c.end[RESP].nxt, "{\"temp_c\": 21.4}", 16);
    conv_fin(&c, RESP);
    conv_ack(&c, ORIG);
    demo_gap(w, 300);
    demo_ssh_keystrokes(l, 2);
}

static void demo_part4(struct cw_pcap *w, struct demo_live *l)
{
    struct conv c, late, shop;
    /* a graceful close whose server later sends a RST into the client's TIME_WAIT */
    demo_dns(w, "192.168.10.27", 53120, LAN_DNS, 0x3120, "shop.example.com", "198.51.100.120");
    demo_tls_open(&shop, w, "192.168.10.27", 50120, "198.51.100.120", 443, "shop.example.com",
                  1500);
    conv_close4(&shop, ORIG);
    demo_gap(w, 100);
    /* the client's FIN is lost once and sent again */
    demo_tls_open(&c, w, "192.168.10.28", 50130, "93.184.216.40", 443, "static.example.com", 700);
    conv_fin(&c, ORIG);
    conv_wait(&c, 210000);
    conv_raw(&c, ORIG, TCP_FIN | TCP_ACK, c.end[ORIG].nxt - 1, c.end[RESP].nxt, NULL, 0);
    conv_ack(&c, RESP);
    conv_fin(&c, RESP);
    conv_ack(&c, ORIG);
    demo_gap(w, 150);
    /* the capture dropped 1400 bytes of a download: the client acks data never seen */
    demo_tls_open(&c, w, "192.168.10.21", 50140, "198.51.100.90", 443, "video.example.net", 2400);
    c.end[RESP].nxt += 1400;
    conv_ack(&c, ORIG);
    conv_close4(&c, ORIG);
    demo_gap(w, 150);
    /* the user clicks away: RST, the response was already on its way; RST sent twice */
    demo_http_open(&c, w, "192.168.10.25", 50150, "192.0.2.80", 80, "intranet.example.com",
                   "/wiki/Start", 300);
    conv_send(&c, ORIG, PA, "GET /wiki/Big_page HTTP/1.1\r\nHost: intranet.example.com\r\n\r\n");
    conv_rst(&c, ORIG, TCP_ACK);
    conv_send(&c, RESP, PA, "HTTP/1.1 200 OK\r\nContent-Length: 40000\r\n\r\n<!doctype html>");
    conv_rst(&c, ORIG, TCP_ACK);
    demo_gap(w, 200);
    /* backscatter: someone spoofed our address; a server answers with a RST */
    conv_init(&late, w, "192.168.10.99", 61000, "198.51.100.200", 80);
    demo_macs(&late);
    conv_raw(&late, RESP, TCP_RST | TCP_ACK, 0x1f2e3d4cu, 0x12345678u, NULL, 0);
    demo_gap(w, 1500);
    /* the late RST into TIME_WAIT of the shop.example.com connection */
    conv_rst(&shop, RESP, 0);
    demo_ssh_keystrokes(l, 2);
}

static void demo_part5(struct cw_pcap *w, struct demo_live *l)
{
    struct conv c;
    /* a long-running stream picked up mid-way, closed by the client */
    conv_init(&c, w, "192.168.10.29", 49999, "198.51.100.70", 443);
    demo_macs(&c);
    c.end[ORIG].nxt = 0x40001000;
    c.end[RESP].nxt = 0x90002000;
    struct bytes o = {.n = 0};
    tls_app_data(&o, 600, 70);
    send_bytes(&c, RESP, &o);
    conv_ack(&c, ORIG);
    conv_close4(&c, ORIG);
    demo_gap(w, 200);
    /* an upload tool: sends, half-closes, still reading the reply when the capture ends */
    demo_http_open(&c, w, "192.168.10.30", 50160, "192.0.2.81", 80, "upload.example.com",
                   "/health", 20);
    conv_send(&c, ORIG, PA, "PUT /drop/log.txt HTTP/1.1\r\nHost: upload.example.com\r\n"
                            "Content-Length: 11\r\n\r\nhello world");
    conv_fin(&c, ORIG);
    conv_ack(&c, RESP);
    conv_send(&c, RESP, TCP_ACK, "HTTP/1.1 100 Continue\r\n\r\n");
    conv_ack(&c, ORIG);
    demo_gap(w, 200);
    demo_https_visit(w, "192.168.10.31", 50170, 53170, "93.184.216.34", "www.example.com", 1200,
                     ORIG);
    demo_gap(w, 200);
    demo_https_visit(w, "2001:db8:10::23", 50171, 53171, "2001:db8:beef::443",
                     "www6.example.com", 700, ORIG);
    demo_mqtt_ping(l);
    demo_ssh_keystrokes(l, 2);
}

static void build_demo(struct cw_pcap *w)
{
    struct demo_live l;
    demo_part1(w, &l);
    demo_part2(w, &l);
    demo_part3(w, &l);
    demo_part4(w, &l);
    demo_part5(w, &l);
}

/* ---- markup in server names (--hostile) ----------------------------------------------------- */

/* What hostile traffic can put in a result file: tests/e2e/t_html_report.sh and
 * t_html_browser.sh check that the HTML report shows it as text and runs none of it. */
#define HOSTILE_HOST "<script>window.__pwned=1</script>\"'&amp;<b>x"
#define HOSTILE_SNI "\"><img src=x onerror=window.__pwned=2>"

static void build_hostile(struct cw_pcap *w)
{
    struct conv c;
    demo_http_open(&c, w, "192.168.10.66", 50660, "198.51.100.66", 80, HOSTILE_HOST, "/", 200);
    conv_rst(&c, RESP, TCP_ACK);
    demo_gap(w, 100);
    demo_tls_open(&c, w, "192.168.10.66", 50661, "198.51.100.67", 443, HOSTILE_SNI, 400);
    conv_rst(&c, ORIG, TCP_ACK);
}

/* ---- main ---------------------------------------------------------------------------------- */

static int write_capture(const char *path, int linktype, bool nsec, void (*build)(struct cw_pcap *))
{
    struct cw_pcap w;
    if (cw_pcap_open(&w, path, linktype, nsec) < 0) {
        fprintf(stderr, "mkcap: cannot create %s\n", path);
        return -1;
    }
    build(&w);
    if (cw_pcap_close(&w) < 0) {
        fprintf(stderr, "mkcap: writing %s failed (error %d)\n", path, w.err);
        return -1;
    }
    return 0;
}

/* The scenario as pcapng: three interfaces, a new section every 5 records. */
static int write_spread(const char *path, const struct scenario *s)
{
    int other = s->linktype == CW_LINK_LINUX_SLL2 ? CW_LINK_EN10MB : CW_LINK_LINUX_SLL2;
    const struct cw_iface ifaces[3] = {
        {.linktype = s->linktype, .snaplen = 0, .tsresol = -1},
        {.linktype = s->vlans ? s->linktype : CW_LINK_RAW, .snaplen = 262144, .tsresol = 9},
        {.linktype = s->vlans ? s->linktype : other, .snaplen = 65535, .tsresol = 7,
         .tsoffset = 1000000000},
    };
    struct cw_pcap w;
    if (cw_pcapng_open_spread(&w, path, ifaces, 3, 5) < 0) {
        fprintf(stderr, "mkcap: cannot create %s\n", path);
        return -1;
    }
    s->build(&w);
    if (cw_pcap_close(&w) < 0) {
        fprintf(stderr, "mkcap: writing %s failed (error %d)\n", path, w.err);
        return -1;
    }
    return 0;
}

static int write_scenario(const char *dir, const struct scenario *s, bool pcapng)
{
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/%s.%s", dir, s->name, pcapng ? "pcapng" : "pcap");
    if (n < 0 || (size_t)n >= sizeof path) {
        fprintf(stderr, "mkcap: path too long\n");
        return -1;
    }
    return pcapng ? write_spread(path, s) : write_capture(path, s->linktype, s->nsec, s->build);
}

static const struct scenario *find_scenario(const char *name)
{
    for (size_t i = 0; i < N_SCENARIOS; i++)
        if (strcmp(SCENARIOS[i].name, name) == 0)
            return &SCENARIOS[i];
    return NULL;
}

static int usage(void)
{
    fprintf(stderr, "usage: mkcap [--pcapng] OUTDIR [NAME...] | mkcap --demo FILE |"
            " mkcap --hostile FILE | mkcap --list\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < N_SCENARIOS; i++)
            printf("%s\n", SCENARIOS[i].name);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "--demo") == 0)
        return write_capture(argv[2], CW_LINK_EN10MB, false, build_demo) < 0 ? 1 : 0;
    if (argc == 3 && strcmp(argv[1], "--hostile") == 0)
        return write_capture(argv[2], CW_LINK_EN10MB, false, build_hostile) < 0 ? 1 : 0;
    bool pcapng = argc >= 2 && strcmp(argv[1], "--pcapng") == 0;
    argc -= pcapng;
    argv += pcapng;
    if (argc < 2 || argv[1][0] == '-')
        return usage();
    int rc = 0;
    if (argc == 2) {
        for (size_t i = 0; i < N_SCENARIOS; i++)
            if (write_scenario(argv[1], &SCENARIOS[i], pcapng) < 0)
                rc = 1;
        return rc;
    }
    for (int i = 2; i < argc; i++) {
        const struct scenario *s = find_scenario(argv[i]);
        if (!s) {
            fprintf(stderr, "mkcap: no scenario named %s (mkcap --list)\n", argv[i]);
            rc = 1;
        } else if (write_scenario(argv[1], s, pcapng) < 0) {
            rc = 1;
        }
    }
    return rc;
}
