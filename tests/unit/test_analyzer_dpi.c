/*
 * test_analyzer_dpi.c — nDPI labelling (analyzer/dpi.c) on TCP conversations built byte by byte:
 * a real IPv4 + TCP header (with checksums) around each payload, and a struct packet filled as
 * dissect/ would fill it, so these tests do not depend on the decoder. Each conversation starts
 * with a three-way handshake. Packets are fed the way the analyzer feeds them: only while the
 * label is not final.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "analyzer/analyzer.h"
#include "analyzer/dpi.h"

/* ---- building packets ---------------------------------------------------------------------- */

struct endpoint {
    uint8_t ip[4];
    uint16_t port;
    uint32_t next_seq;            /* sequence number of the next byte this side sends */
};

/* One conversation between a client and a server, and the label being built for it. */
struct conv {
    struct dpi *dpi;
    struct dpi_label label;
    struct endpoint cli, srv;
    int64_t ts_us;
    uint16_t ip_id;
    uint8_t frame[2048];          /* the IP datagram of the packet last built */
    struct packet pkt;
    int sent;                     /* packets built so far */
    int final_at;                 /* packet number at which dpi_feed said final, 0 if never */
};

static void put16(uint8_t *at, uint16_t v)
{
    at[0] = (uint8_t)(v >> 8);
    at[1] = (uint8_t)v;
}

static void put32(uint8_t *at, uint32_t v)
{
    put16(at, (uint16_t)(v >> 16));
    put16(at + 2, (uint16_t)v);
}

/* Ones' complement sum of 16-bit big-endian words, an odd last byte padded with zero. */
static uint32_t sum16(uint32_t sum, const uint8_t *data, size_t len)
{
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)data[i] << 8 | data[i + 1];
    if (len & 1)
        sum += (uint32_t)data[len - 1] << 8;
    return sum;
}

static uint16_t fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* Writes IPv4 (20 bytes, DF) + TCP (20 bytes) + payload into c->frame and fills c->pkt. */
static void build_tcp(struct conv *c, const struct endpoint *from, const struct endpoint *to,
                      uint8_t flags, uint32_t ack, const uint8_t *payload, size_t len)
{
    size_t ip_len = 20 + 20 + len;
    cr_assert_leq(ip_len, sizeof c->frame, "test payload too large");
    uint8_t *ip = c->frame, *tcp = c->frame + 20;
    memset(c->frame, 0, 40);
    ip[0] = 0x45;
    put16(ip + 2, (uint16_t)ip_len);
    put16(ip + 4, c->ip_id++);
    put16(ip + 6, 0x4000);
    ip[8] = 64;
    ip[9] = IPPROTO_NUM_TCP;
    memcpy(ip + 12, from->ip, 4);
    memcpy(ip + 16, to->ip, 4);
    put16(ip + 10, fold(sum16(0, ip, 20)));

    put16(tcp, from->port);
    put16(tcp + 2, to->port);
    put32(tcp + 4, from->next_seq);
    put32(tcp + 8, ack);
    tcp[12] = 5 << 4;
    tcp[13] = flags;
    put16(tcp + 14, 65535);
    if (len)
        memcpy(tcp + 20, payload, len);
    uint8_t pseudo[12] = {0};
    memcpy(pseudo, from->ip, 4);
    memcpy(pseudo + 4, to->ip, 4);
    pseudo[9] = IPPROTO_NUM_TCP;
    put16(pseudo + 10, (uint16_t)(20 + len));
    put16(tcp + 16, fold(sum16(sum16(0, pseudo, 12), tcp, 20 + len)));

    struct packet *p = &c->pkt;
    memset(p, 0, sizeof *p);
    p->ts_us = c->ts_us;
    p->caplen = p->wirelen = (uint32_t)ip_len;
    p->ip_version = 4;
    p->src.family = p->dst.family = 4;
    memcpy(p->src.bytes, from->ip, 4);
    memcpy(p->dst.bytes, to->ip, 4);
    p->ttl = 64;
    p->l4proto = IPPROTO_NUM_TCP;
    p->sport = from->port;
    p->dport = to->port;
    p->ip_hdr = c->frame;
    p->ip_caplen = p->ip_len = (uint32_t)ip_len;
    p->l4_len = (uint32_t)(20 + len);
    p->payload_len = p->payload_caplen = (uint32_t)len;
    p->payload = tcp + 20;
    p->tcp.seq = from->next_seq;
    p->tcp.ack = ack;
    p->tcp.win = 65535;
    p->tcp.flags = flags;
    p->tcp.doff = 20;
}

/* Builds the next packet of one side (advancing its sequence number and the clock) and hands it
 * to dpi_feed unless the label is final already. */
static void send_seg(struct conv *c, bool from_cli, uint8_t flags, const void *data, size_t len)
{
    struct endpoint *from = from_cli ? &c->cli : &c->srv;
    struct endpoint *to = from_cli ? &c->srv : &c->cli;
    build_tcp(c, from, to, flags, (flags & TCP_ACK) ? to->next_seq : 0, data, len);
    from->next_seq += (uint32_t)len + ((flags & (TCP_SYN | TCP_FIN)) ? 1 : 0);
    c->ts_us += 1500;
    c->sent++;
    if (c->label.done)
        return;
    bool final = dpi_feed(c->dpi, &c->label, &c->pkt, from_cli, c->pkt.ts_us);
    cr_assert_eq(final, c->label.done, "dpi_feed's answer and label.done disagree");
    if (final)
        c->final_at = c->sent;
}

static void conv_open(struct conv *c, uint16_t server_port)
{
    memset(c, 0, sizeof *c);
    c->dpi = dpi_new();
    cr_assert_not_null(c->dpi, "dpi_new failed");
    c->cli = (struct endpoint){ .ip = {192, 0, 2, 10}, .port = 51514, .next_seq = 0x1000 };
    c->srv = (struct endpoint){ .ip = {198, 51, 100, 20}, .port = server_port,
                                .next_seq = 0x70000000 };
    c->ts_us = 1700000000LL * 1000000;
    c->ip_id = 1;
    send_seg(c, true, TCP_SYN, NULL, 0);
    send_seg(c, false, TCP_SYN | TCP_ACK, NULL, 0);
    send_seg(c, true, TCP_ACK, NULL, 0);
}

static void conv_close(struct conv *c)
{
    dpi_release(&c->label);
    dpi_free(c->dpi);
}

/* ---- payloads ------------------------------------------------------------------------------ */

struct writer {
    uint8_t buf[1024];
    size_t len;
};

static void w8(struct writer *w, uint8_t v)
{
    cr_assert_lt(w->len, sizeof w->buf);
    w->buf[w->len++] = v;
}

static void w16(struct writer *w, uint16_t v)
{
    w8(w, (uint8_t)(v >> 8));
    w8(w, (uint8_t)v);
}

static void wbytes(struct writer *w, const void *data, size_t len)
{
    for (size_t i = 0; i < len; i++)
        w8(w, ((const uint8_t *)data)[i]);
}

/* Reserves a big-endian length field of `size` bytes; close_len() fills it in. */
static size_t open_len(struct writer *w, int size)
{
    size_t at = w->len;
    for (int i = 0; i < size; i++)
        w8(w, 0);
    return at;
}

static void close_len(struct writer *w, size_t at, int size)
{
    size_t n = w->len - at - (size_t)size;
    for (int i = size - 1; i >= 0; i--, n >>= 8)
        w->buf[at + (size_t)i] = (uint8_t)n;
}

/* A TLS 1.3 ClientHello (TLS 1.2 record version) with SNI, groups, versions and key share. */
static void tls_client_hello(struct writer *w, const char *sni)
{
    size_t rec = (w8(w, 0x16), w16(w, 0x0301), open_len(w, 2));
    size_t hs = (w8(w, 0x01), open_len(w, 3));
    w16(w, 0x0303);
    for (int i = 0; i < 32; i++)
        w8(w, (uint8_t)(i * 7 + 1));                        /* random */
    w8(w, 32);
    for (int i = 0; i < 32; i++)
        w8(w, (uint8_t)(255 - i));                          /* legacy session id */
    const uint16_t suites[] = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030};
    w16(w, sizeof suites);
    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++)
        w16(w, suites[i]);
    w8(w, 1);
    w8(w, 0);                                               /* compression: null */
    size_t exts = open_len(w, 2);
    size_t e = (w16(w, 0x0000), open_len(w, 2));            /* server_name */
    size_t list = open_len(w, 2);
    w8(w, 0);
    w16(w, (uint16_t)strlen(sni));
    wbytes(w, sni, strlen(sni));
    close_len(w, list, 2);
    close_len(w, e, 2);
    const uint8_t groups[] = {0x00, 0x0a, 0x00, 0x06, 0x00, 0x04, 0x00, 0x1d, 0x00, 0x17};
    wbytes(w, groups, sizeof groups);
    const uint8_t points[] = {0x00, 0x0b, 0x00, 0x02, 0x01, 0x00};
    wbytes(w, points, sizeof points);
    const uint8_t sigalgs[] = {0x00, 0x0d, 0x00, 0x08, 0x00, 0x06, 0x04, 0x03, 0x08, 0x04,
                               0x04, 0x01};
    wbytes(w, sigalgs, sizeof sigalgs);
    const uint8_t alpn[] = {0x00, 0x10, 0x00, 0x0e, 0x00, 0x0c, 0x02, 'h', '2',
                            0x08, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    wbytes(w, alpn, sizeof alpn);
    const uint8_t versions[] = {0x00, 0x2b, 0x00, 0x05, 0x04, 0x03, 0x04, 0x03, 0x03};
    wbytes(w, versions, sizeof versions);
    size_t ks = (w16(w, 0x0033), open_len(w, 2));           /* key_share: x25519 */
    size_t shares = open_len(w, 2);
    w16(w, 0x001d);
    w16(w, 32);
    for (int i = 0; i < 32; i++)
        w8(w, (uint8_t)(i * 13 + 5));
    close_len(w, shares, 2);
    close_len(w, ks, 2);
    close_len(w, exts, 2);
    close_len(w, hs, 3);
    close_len(w, rec, 2);
}

/* A DNS message over TCP (RFC 1035 §4.2.2 length prefix) for www.example.org IN A; with
 * `answer`, the response carrying one A record. */
static void dns_message(struct writer *w, bool answer)
{
    size_t msg = open_len(w, 2);
    w16(w, 0x4a1f);                                         /* id */
    w16(w, answer ? 0x8180 : 0x0100);
    w16(w, 1);
    w16(w, answer ? 1 : 0);
    w16(w, 0);
    w16(w, 0);
    const uint8_t qname[] = "\3www\7example\3org";          /* with its terminating 0 */
    wbytes(w, qname, sizeof qname);
    w16(w, 1);
    w16(w, 1);
    if (answer) {
        w16(w, 0xc00c);                                     /* name: pointer to the question */
        w16(w, 1);
        w16(w, 1);
        w16(w, 0);
        w16(w, 300);                                        /* TTL */
        w16(w, 4);
        const uint8_t addr[] = {192, 0, 2, 80};
        wbytes(w, addr, sizeof addr);
    }
    close_len(w, msg, 2);
}

static void send_text(struct conv *c, bool from_cli, const char *text)
{
    send_seg(c, from_cli, TCP_PSH | TCP_ACK, text, strlen(text));
}

static void send_writer(struct conv *c, bool from_cli, const struct writer *w)
{
    send_seg(c, from_cli, TCP_PSH | TCP_ACK, w->buf, w->len);
}

/* ---- tests --------------------------------------------------------------------------------- */

Test(dpi, version_names_ndpi)
{
    const char *v = dpi_version();
    cr_assert_not_null(v);
    cr_assert_eq(strncmp(v, "nDPI 4.", 7), 0, "version is \"%s\"", v);
    cr_assert_str_eq(analyzer_dpi_version(), v);
}

Test(dpi, tls_client_hello_names_sni_when_flow_ends)
{
    struct conv c;
    conv_open(&c, 443);
    struct writer hello = {0};
    tls_client_hello(&hello, "www.example.org");
    send_writer(&c, true, &hello);
    send_seg(&c, false, TCP_ACK, NULL, 0);
    /* nDPI knows TLS now but waits for the certificate: not final, state kept. */
    cr_assert_not(c.label.done);
    cr_assert_not_null(c.label.state);
    cr_assert_eq(c.label.packets_fed, 5);
    dpi_finish(c.dpi, &c.label);
    cr_assert(c.label.done);
    cr_assert_null(c.label.state);
    cr_assert_eq(strncmp(c.label.proto, "TLS", 3), 0, "proto is \"%s\"", c.label.proto);
    cr_assert_str_eq(c.label.server_name, "www.example.org");
    cr_assert_str_eq(c.label.category, "Web");
    conv_close(&c);
}

Test(dpi, tls_gives_up_after_ndpireader_packet_bound)
{
    struct conv c;
    conv_open(&c, 443);
    struct writer hello = {0};
    tls_client_hello(&hello, "www.example.org");
    send_writer(&c, true, &hello);
    while (!c.label.done && c.sent < 200)
        send_seg(&c, c.sent % 2 == 0, TCP_ACK, NULL, 0);
    /* ndpiReader stops once a TCP flow has had more than 80 packets (its -T default). */
    cr_assert_eq(c.final_at, 81);
    cr_assert_eq(c.label.packets_fed, 81);
    cr_assert_null(c.label.state);
    cr_assert_eq(strncmp(c.label.proto, "TLS", 3), 0, "proto is \"%s\"", c.label.proto);
    cr_assert_str_eq(c.label.server_name, "www.example.org");
    conv_close(&c);
}

Test(dpi, http_get_and_response_is_final_during_feed)
{
    struct conv c;
    conv_open(&c, 80);
    send_text(&c, true, "GET /index.html HTTP/1.1\r\nHost: files.example.net\r\n"
                        "User-Agent: finscope-test/1.0\r\nAccept: */*\r\n\r\n");
    cr_assert_not(c.label.done, "HTTP waits for the response");
    send_text(&c, false, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                         "Content-Length: 5\r\n\r\nhello");
    cr_assert(c.label.done);
    cr_assert_eq(c.final_at, 5);
    cr_assert_null(c.label.state, "state is freed once detection is final");
    cr_assert_str_eq(c.label.proto, "HTTP");
    cr_assert_str_eq(c.label.server_name, "files.example.net");
    cr_assert_str_eq(c.label.category, "Web");
    /* The flow goes on; the analyzer no longer feeds it and a late dpi_finish changes nothing. */
    send_seg(&c, true, TCP_FIN | TCP_ACK, NULL, 0);
    dpi_finish(c.dpi, &c.label);
    cr_assert_str_eq(c.label.proto, "HTTP");
    cr_assert_eq(c.label.packets_fed, 5);
    conv_close(&c);
}

Test(dpi, dns_over_tcp_query_and_answer)
{
    struct conv c;
    conv_open(&c, 53);
    struct writer query = {0}, response = {0};
    dns_message(&query, false);
    dns_message(&response, true);
    send_writer(&c, true, &query);
    cr_assert_not(c.label.done, "DNS waits for an answer");
    send_writer(&c, false, &response);
    cr_assert_eq(c.final_at, 5, "final once the answer is seen");
    cr_assert_null(c.label.state);
    cr_assert_str_eq(c.label.proto, "DNS");
    cr_assert_str_eq(c.label.server_name, "www.example.org");
    conv_close(&c);
}

Test(dpi, pseudo_random_bytes_are_unknown)
{
    struct conv c;
    conv_open(&c, 40000);
    uint8_t noise[200];
    uint32_t x = 0x9e3779b9;                                /* xorshift32, fixed seed */
    for (size_t i = 0; i < sizeof noise; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        noise[i] = (uint8_t)x;
    }
    send_seg(&c, true, TCP_PSH | TCP_ACK, noise, sizeof noise);
    send_seg(&c, false, TCP_ACK, NULL, 0);
    cr_assert_not(c.label.done);
    dpi_finish(c.dpi, &c.label);
    cr_assert(c.label.done);
    cr_assert_null(c.label.state);
    cr_assert_str_eq(c.label.proto, "Unknown");
    cr_assert_str_eq(c.label.category, "");
    cr_assert_str_eq(c.label.server_name, "");
    conv_close(&c);
}

Test(dpi, flow_never_fed_finishes_unknown)
{
    struct dpi *d = dpi_new();
    cr_assert_not_null(d);
    struct dpi_label l;
    memset(&l, 0x5a, sizeof l);                             /* labels must all be written */
    l.state = NULL;
    l.done = false;
    l.packets_fed = 0;
    dpi_finish(d, &l);
    cr_assert(l.done);
    cr_assert_null(l.state);
    cr_assert_str_eq(l.proto, "Unknown");
    cr_assert_str_eq(l.category, "");
    cr_assert_str_eq(l.server_name, "");
    dpi_free(d);
}

Test(dpi, release_frees_live_state_without_labelling)
{
    struct conv c;
    conv_open(&c, 443);
    struct writer hello = {0};
    tls_client_hello(&hello, "www.example.org");
    send_writer(&c, true, &hello);
    cr_assert_not_null(c.label.state);
    dpi_release(&c.label);
    cr_assert_null(c.label.state);
    cr_assert_not(c.label.done);
    cr_assert_str_eq(c.label.proto, "");
    dpi_release(&c.label);                                  /* twice is harmless */
    cr_assert_null(c.label.state);
    conv_close(&c);
}

Test(dpi, truncated_datagram_is_not_fed)
{
    struct conv c;
    conv_open(&c, 80);
    dpi_release(&c.label);
    c.label = (struct dpi_label){ .done = true };           /* build the GET without feeding */
    send_text(&c, true, "GET / HTTP/1.1\r\nHost: cut.example.net\r\n\r\n");
    c.label = (struct dpi_label){0};
    c.pkt.ip_caplen = c.pkt.ip_len - 10;                    /* snap length cut the payload */
    cr_assert_not(dpi_feed(c.dpi, &c.label, &c.pkt, true, c.pkt.ts_us));
    cr_assert_null(c.label.state, "nothing allocated for a packet nDPI cannot use");
    cr_assert_eq(c.label.packets_fed, 0);
    conv_close(&c);
}

Test(dpi, nothing_allocated_before_first_packet_and_no_leak_when_freed)
{
    struct conv c;
    memset(&c, 0, sizeof c);
    c.dpi = dpi_new();
    cr_assert_not_null(c.dpi);
    cr_assert_null(c.label.state);
    c.cli = (struct endpoint){ .ip = {192, 0, 2, 10}, .port = 51515, .next_seq = 1 };
    c.srv = (struct endpoint){ .ip = {198, 51, 100, 20}, .port = 443, .next_seq = 1 };
    send_seg(&c, true, TCP_SYN, NULL, 0);
    cr_assert_not_null(c.label.state, "state allocated on the first packet");
    cr_assert_eq(c.label.packets_fed, 1);
    conv_close(&c);                                         /* dpi_release: ASan checks leaks */
    cr_assert_null(c.label.state);
}
