/*
 * gencap.c — the benchmark's capture generator (`make bench`, bench/run.sh).
 *
 *   gencap OUT.pcap [--conns N] [--concurrent M] [--seed S] [--all-open] [--step-us U]
 *          [--random-payload]
 *
 * Writes a deterministic classic pcap (Ethernet, microsecond timestamps; frames built by the
 * tests' capture writer, tests/lib/capwriter) of N TCP connections, at most M of them open at
 * once, interleaved packet by packet in a pseudo-random order drawn from the seed: the same
 * arguments give the same file, byte for byte.
 *
 * Each connection carries a realistic start of its application protocol:
 *   HTTP (port 80)   a GET with Host and browser headers; a 200 response, header + body of 0.3
 *                    to 12 KB in MSS-sized segments; sometimes a second request (keep-alive)
 *   TLS  (port 443)  a TLS 1.3 ClientHello with SNI, ALPN, key share; the server's flight
 *                    (ServerHello, ChangeCipherSpec, encrypted records), the client's
 *                    Finished, then application data both ways
 *   DNS  (port 53)   a query over TCP (RFC 7766 length prefix) and its answer
 * or, with --random-payload, none of these: a short flow to a random server port (1024 to
 * 65535) whose request (16 to 1,400 bytes) and response (16 to 2,900 bytes) are random bytes,
 * so that no protocol is recognised and every flow is short (about 12 packets).
 * and ends in one of the teardown classes of docs/teardown.md, in fixed shares (each block of
 * 20 connections holds exactly 12 / 3 / 2 / 2 / 1 of them, in shuffled order):
 *   graceful        60%  FIN, ACK, FIN, ACK (the client closes first in 70%, else the server)
 *   rst_originator  15%  after the exchange the client sends RST+ACK at its exact next seq
 *   rst_responder   10%  after the request the server sends at most one segment, then RST+ACK
 *   half_closed     10%  after the request the client's FIN is acknowledged; the server sends
 *                        its response and never closes
 *   rejected         5%  SYN, then the server's RST+ACK (seq 0, ack = ISN + 1, RFC 9293)
 * No connection is built to raise an anomaly: every RST is exact, every FIN acknowledged.
 * 10% of the connections are IPv6; 70% carry TCP timestamps; ISNs are random.
 *
 * Time: one record every U microseconds (default 400 ms / min(N, M), at least 1 us), so a
 * connection's consecutive packets are about 0.4 s apart whatever the concurrency, far below
 * the analyzer's shortest idle timeout (10 s). --all-open (the memory run): every connection
 * first does its handshake and its first exchange, and none closes (nor is rejected) until all
 * have; M is then N.
 *
 * On success prints key=value lines on stdout (packets, connections, maximum open at once, the
 * count of each teardown class and protocol) and exits 0; on error a message on stderr, exit 1
 * (2 for a usage error).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/capwriter.h"

#define DEFAULT_CONNS 40000u
#define DEFAULT_CONCURRENT 20000u
#define DEFAULT_SEED 1u
#define TARGET_GAP_US 400000u         /* mean time between two packets of one connection */
#define MAX_OPS 48                    /* packets (and the barrier) of one connection's plan */
#define MSG_CAP 16384u                /* largest message one side sends */
#define CLIENT_PORT_BASE 49152u

/* ---- deterministic randomness (splitmix64) ------------------------------------------------ */

struct rng { uint64_t s; };

static uint64_t rng_next(struct rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, n), n > 0 (the bias of a 64-bit modulo is negligible here). */
static uint32_t rng_below(struct rng *r, uint32_t n)
{
    return (uint32_t)(rng_next(r) % n);
}

/* Uniform in [lo, hi]. */
static uint32_t rng_range(struct rng *r, uint32_t lo, uint32_t hi)
{
    return lo + rng_below(r, hi - lo + 1);
}

/* ---- vocabulary ----------------------------------------------------------------------------- */

enum app { APP_HTTP, APP_TLS, APP_DNS, APP_RANDOM, APP_COUNT };
static const char *const app_name[APP_COUNT] = {"http", "tls", "dns", "random"};

/* Named as finscope's verdicts (docs/teardown.md §6). */
enum tclass { TC_GRACEFUL, TC_RST_ORIG, TC_RST_RESP, TC_HALF_CLOSED, TC_REJECTED, TC_COUNT };
static const char *const tclass_name[TC_COUNT] = {
    "graceful", "rst_originator", "rst_responder", "half_closed", "rejected"};
/* How many of each class in every block of 20 connections (60/15/10/10/5 %). */
static const uint8_t tclass_per_20[TC_COUNT] = {12, 3, 2, 2, 1};
#define CLASS_BLOCK 20u

/* Messages: each is one side's application bytes, built on demand from the connection. */
enum msg {
    M_NONE, M_HTTP_REQ, M_HTTP_RESP, M_HTTP_REQ2, M_HTTP_RESP2,
    M_TLS_CH, M_TLS_SFLIGHT, M_TLS_CFIN, M_TLS_APPREQ, M_TLS_APPRESP,
    M_DNS_Q, M_DNS_A, M_RAND_REQ, M_RAND_RESP
};

enum op_kind { K_SYN, K_SYNACK, K_ACK, K_DATA, K_FIN, K_RST, K_REJECT, K_BARRIER };

/* One packet of a connection's plan (K_BARRIER: wait for every connection to get here). */
struct op {
    uint8_t kind;                 /* enum op_kind */
    uint8_t dir;                  /* enum conv_dir of the sender */
    uint8_t msg;                  /* K_DATA: enum msg */
    uint16_t off, len;            /* K_DATA: byte range of the message */
};

/* A connection being written. */
struct gconn {
    struct conv c;
    uint32_t id;                  /* from 0, in start order */
    uint8_t app, tclass;
    uint8_t nops, pos;            /* plan length, next op */
    bool waiting;                 /* at its barrier */
    uint16_t mss[2];              /* payload bytes per segment, each sender */
    uint32_t resp_body, resp2_body, appresp_len;
    uint16_t server_port;         /* APP_RANDOM only */
    struct op ops[MAX_OPS];
};

/* Options and results. */
struct config {
    const char *out;
    uint32_t conns, concurrent;
    uint64_t seed;
    uint32_t step_us;             /* 0: derived */
    bool all_open;
    bool random_payload;          /* every connection APP_RANDOM */
};

struct totals {
    uint64_t per_class[TC_COUNT], per_app[APP_COUNT], ipv6;
    uint32_t max_open;
    uint32_t open_at_barrier;     /* --all-open: connections established when all were */
};

/* ---- message bytes ---------------------------------------------------------------------------- */

/* A byte buffer that refuses to overflow (the message just stops growing). */
struct buf {
    uint8_t *b;
    size_t len, cap;
};

static void put(struct buf *o, const void *p, size_t n)
{
    if (n > o->cap - o->len)
        n = o->cap - o->len;
    memcpy(o->b + o->len, p, n);
    o->len += n;
}

static void put8(struct buf *o, uint8_t v)
{
    put(o, &v, 1);
}

static void put16(struct buf *o, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    put(o, b, 2);
}

static void put24(struct buf *o, uint32_t v)
{
    uint8_t b[3] = {(uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    put(o, b, 3);
}

static void put_text(struct buf *o, const char *s)
{
    put(o, s, strlen(s));
}

/* Writes a big-endian length of `bytes` bytes at `at` (a placeholder put earlier). */
static void patch_len(struct buf *o, size_t at, size_t bytes)
{
    size_t v = o->len - at - bytes;
    for (size_t i = 0; i < bytes && at + i < o->len; i++)
        o->b[at + i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
}

/* n pseudo-random bytes (ciphertext, randoms, keys), from a seed. */
static void put_random(struct buf *o, uint64_t seed, size_t n)
{
    struct rng r = {seed};
    for (size_t i = 0; i < n; i += 8) {
        uint64_t v = rng_next(&r);
        put(o, &v, n - i < 8 ? n - i : 8);
    }
}

/* The host name a connection talks to (SNI, HTTP Host, DNS question). */
static void host_name(const struct gconn *g, char *s, size_t n)
{
    static const char *const sites[] = {"www", "api", "cdn", "static", "mail", "login", "img"};
    static const char *const tlds[] = {"com", "net", "org", "io", "example"};
    uint32_t site = (g->id * 2654435761u) % 997u;
    snprintf(s, n, "%s.site%u.%s", sites[site % 7], site, tlds[site % 5]);
}

static void http_request(const struct gconn *g, struct buf *o, int nth)
{
    char host[64], line[256];
    host_name(g, host, sizeof host);
    snprintf(line, sizeof line, "GET /%s/%u HTTP/1.1\r\nHost: %s\r\n",
             nth ? "assets/app.js" : "index.html", g->id, host);
    put_text(o, line);
    put_text(o, "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 "
                "Firefox/115.0\r\nAccept: text/html,application/xhtml+xml,*/*;q=0.8\r\n"
                "Accept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate\r\n"
                "Connection: keep-alive\r\n\r\n");
}

static void http_response(const struct gconn *g, struct buf *o, uint32_t body)
{
    char head[256];
    snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\n"
             "Date: Thu, 01 Jan 2026 00:00:00 GMT\r\nContent-Type: text/html; charset=utf-8\r\n"
             "Content-Length: %u\r\nConnection: keep-alive\r\n\r\n", body);
    put_text(o, head);
    static const char filler[] = "<p>finscope benchmark page: lorem ipsum dolor sit amet.</p>\n";
    size_t n = sizeof filler - 1, skip = g->id % n;
    for (uint32_t done = 0; done < body;) {
        size_t chunk = n - skip < body - done ? n - skip : body - done;
        put(o, filler + skip, chunk);
        done += (uint32_t)chunk;
        skip = 0;
    }
}

/* TLS record header; returns where its length goes. */
static size_t tls_record(struct buf *o, uint8_t type, uint16_t version)
{
    put8(o, type);
    put16(o, version);
    size_t at = o->len;
    put16(o, 0);
    return at;
}

static void tls_ext_sni(struct buf *o, const char *host)
{
    size_t n = strlen(host);
    put16(o, 0x0000);
    put16(o, (uint16_t)(n + 5));
    put16(o, (uint16_t)(n + 3));
    put8(o, 0);                   /* host_name */
    put16(o, (uint16_t)n);
    put_text(o, host);
}

static void tls_client_hello(const struct gconn *g, struct buf *o)
{
    static const uint16_t suites[] = {0x1301, 0x1303, 0x1302, 0xc02b, 0xc02f, 0xcca9, 0xcca8,
                                      0xc02c, 0xc030, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f};
    static const uint8_t tail_exts[] = {
        0x00, 0x17, 0x00, 0x00,                               /* extended_master_secret */
        0xff, 0x01, 0x00, 0x01, 0x00,                         /* renegotiation_info */
        0x00, 0x0a, 0x00, 0x0a, 0x00, 0x08, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18, 0x00, 0x19,
        0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,                   /* ec_point_formats */
        0x00, 0x10, 0x00, 0x0e, 0x00, 0x0c, 0x02, 'h', '2', 0x08,
        'h', 't', 't', 'p', '/', '1', '.', '1',               /* ALPN */
        0x00, 0x0d, 0x00, 0x0e, 0x00, 0x0c, 0x04, 0x03, 0x05, 0x03, 0x06, 0x03, 0x08, 0x04,
        0x08, 0x05, 0x08, 0x06,                               /* signature_algorithms */
        0x00, 0x2b, 0x00, 0x05, 0x04, 0x03, 0x04, 0x03, 0x03, /* supported_versions */
        0x00, 0x2d, 0x00, 0x02, 0x01, 0x01};                  /* psk_key_exchange_modes */
    char host[64];
    host_name(g, host, sizeof host);
    size_t rec = tls_record(o, 0x16, 0x0301);
    put8(o, 0x01);                /* ClientHello */
    size_t hs = o->len;
    put24(o, 0);
    put16(o, 0x0303);
    put_random(o, g->id * 7919ULL + 1, 32);
    put8(o, 32);
    put_random(o, g->id * 7919ULL + 2, 32);
    put16(o, (uint16_t)(sizeof suites));
    for (size_t i = 0; i < sizeof suites / sizeof *suites; i++)
        put16(o, suites[i]);
    put8(o, 1);
    put8(o, 0);                   /* compression: null */
    size_t exts = o->len;
    put16(o, 0);
    tls_ext_sni(o, host);
    put(o, tail_exts, sizeof tail_exts);
    put16(o, 0x0033);             /* key_share: x25519 */
    put16(o, 38);
    put16(o, 36);
    put16(o, 0x001d);
    put16(o, 32);
    put_random(o, g->id * 7919ULL + 3, 32);
    patch_len(o, exts, 2);
    patch_len(o, hs, 3);
    patch_len(o, rec, 2);
}

/* ServerHello (TLS 1.3: supported_versions, key_share), ChangeCipherSpec, and the encrypted
 * rest of the server's flight as one application_data record (certificate-sized). */
static void tls_server_flight(const struct gconn *g, struct buf *o)
{
    size_t rec = tls_record(o, 0x16, 0x0303);
    put8(o, 0x02);                /* ServerHello */
    size_t hs = o->len;
    put24(o, 0);
    put16(o, 0x0303);
    put_random(o, g->id * 104729ULL + 1, 32);
    put8(o, 32);
    put_random(o, g->id * 7919ULL + 2, 32);   /* echoes the client's session id */
    put16(o, 0x1301);
    put8(o, 0);
    size_t exts = o->len;
    put16(o, 0);
    put16(o, 0x002b);
    put16(o, 2);
    put16(o, 0x0304);
    put16(o, 0x0033);
    put16(o, 36);
    put16(o, 0x001d);
    put16(o, 32);
    put_random(o, g->id * 104729ULL + 2, 32);
    patch_len(o, exts, 2);
    patch_len(o, hs, 3);
    patch_len(o, rec, 2);
    static const uint8_t ccs[] = {0x14, 0x03, 0x03, 0x00, 0x01, 0x01};
    put(o, ccs, sizeof ccs);
    uint16_t enc = (uint16_t)(2400 + (g->id * 37u) % 1800u);
    tls_record(o, 0x17, 0x0303);
    o->b[o->len - 2] = (uint8_t)(enc >> 8);
    o->b[o->len - 1] = (uint8_t)enc;
    put_random(o, g->id * 104729ULL + 3, enc);
}

/* An application_data record (or ChangeCipherSpec + one) of n bytes of ciphertext. */
static void tls_app_data(const struct gconn *g, struct buf *o, uint16_t n, uint64_t salt,
                         bool with_ccs)
{
    static const uint8_t ccs[] = {0x14, 0x03, 0x03, 0x00, 0x01, 0x01};
    if (with_ccs)
        put(o, ccs, sizeof ccs);
    tls_record(o, 0x17, 0x0303);
    o->b[o->len - 2] = (uint8_t)(n >> 8);
    o->b[o->len - 1] = (uint8_t)n;
    put_random(o, g->id * 1299709ULL + salt, n);
}

static void dns_name(struct buf *o, const char *name)
{
    while (*name) {
        const char *dot = strchr(name, '.');
        size_t n = dot ? (size_t)(dot - name) : strlen(name);
        put8(o, (uint8_t)n);
        put(o, name, n);
        name += n + (dot ? 1 : 0);
    }
    put8(o, 0);
}

/* RFC 7766: a two-byte length, then the DNS message. */
static void dns_message(const struct gconn *g, struct buf *o, bool answer)
{
    char host[64];
    host_name(g, host, sizeof host);
    size_t len = o->len;
    put16(o, 0);
    put16(o, (uint16_t)(g->id * 40503u));     /* id */
    put16(o, answer ? 0x8180 : 0x0100);
    put16(o, 1);
    put16(o, answer ? 1 : 0);
    put16(o, 0);
    put16(o, 0);
    dns_name(o, host);
    put16(o, 1);                  /* A */
    put16(o, 1);                  /* IN */
    if (answer) {
        put16(o, 0xc00c);
        put16(o, 1);
        put16(o, 1);
        put16(o, 0);
        put16(o, 300);            /* TTL */
        put16(o, 4);
        uint8_t a[4] = {203, 0, 113, (uint8_t)(g->id % 250 + 1)};
        put(o, a, sizeof a);
    }
    patch_len(o, len, 2);
}

/* Builds message m of connection g into o. */
static void build_msg(const struct gconn *g, enum msg m, struct buf *o)
{
    switch (m) {
    case M_HTTP_REQ: http_request(g, o, 0); break;
    case M_HTTP_RESP: http_response(g, o, g->resp_body); break;
    case M_HTTP_REQ2: http_request(g, o, 1); break;
    case M_HTTP_RESP2: http_response(g, o, g->resp2_body); break;
    case M_TLS_CH: tls_client_hello(g, o); break;
    case M_TLS_SFLIGHT: tls_server_flight(g, o); break;
    case M_TLS_CFIN: tls_app_data(g, o, 53, 1, true); break;
    case M_TLS_APPREQ: tls_app_data(g, o, (uint16_t)(180 + g->id % 400), 2, false); break;
    case M_TLS_APPRESP: tls_app_data(g, o, (uint16_t)g->appresp_len, 3, false); break;
    case M_DNS_Q: dns_message(g, o, false); break;
    case M_DNS_A: dns_message(g, o, true); break;
    /* APP_RANDOM: the lengths were drawn at the start; the bytes come from the id. */
    case M_RAND_REQ: put_random(o, g->id * 2ULL + 1, g->appresp_len); break;
    case M_RAND_RESP: put_random(o, g->id * 2ULL + 2, g->resp_body); break;
    default: break;
    }
}

static size_t msg_len(const struct gconn *g, enum msg m, uint8_t *scratch)
{
    struct buf o = {scratch, 0, MSG_CAP};
    build_msg(g, m, &o);
    return o.len;
}

/* ---- a connection's plan -------------------------------------------------------------------- */

static int plan_add(struct gconn *g, uint8_t kind, uint8_t dir, uint8_t msg, size_t off,
                    size_t len)
{
    if (g->nops >= MAX_OPS)
        return -1;
    g->ops[g->nops++] = (struct op){kind, dir, msg, (uint16_t)off, (uint16_t)len};
    return 0;
}

/* Sends message m from d in MSS-sized segments, the receiver acknowledging every second
 * segment and the last one (delayed ACK); `max_segs` cuts the message short (0: all). */
static int plan_msg(struct gconn *g, enum conv_dir d, enum msg m, uint8_t *scratch,
                    unsigned max_segs, bool ack_last)
{
    size_t len = msg_len(g, m, scratch), mss = g->mss[d];
    unsigned segs = 0;
    int rc = 0;
    for (size_t off = 0; off < len && (max_segs == 0 || segs < max_segs); off += mss) {
        size_t n = len - off < mss ? len - off : mss;
        rc |= plan_add(g, K_DATA, (uint8_t)d, (uint8_t)m, off, n);
        segs++;
        bool last = off + n >= len;
        if ((segs % 2 == 0 && !last) || (last && ack_last))
            rc |= plan_add(g, K_ACK, (uint8_t)!d, 0, 0, 0);
    }
    return rc;
}

/* The request(s) and response(s) of the connection's protocol. `upto_request`: stop after
 * the first request (the classes that end there); then nothing of the response is planned. */
static int plan_exchange(struct gconn *g, struct rng *r, uint8_t *scratch, bool upto_request)
{
    int rc = 0;
    switch (g->app) {
    case APP_HTTP:
        rc |= plan_msg(g, ORIG, M_HTTP_REQ, scratch, 0, rng_below(r, 2) == 0);
        if (upto_request)
            break;
        rc |= plan_msg(g, RESP, M_HTTP_RESP, scratch, 0, true);
        if (rng_below(r, 10) < 3) {
            rc |= plan_msg(g, ORIG, M_HTTP_REQ2, scratch, 0, false);
            rc |= plan_msg(g, RESP, M_HTTP_RESP2, scratch, 0, true);
        }
        break;
    case APP_TLS:
        rc |= plan_msg(g, ORIG, M_TLS_CH, scratch, 0, true);
        if (upto_request)
            break;
        rc |= plan_msg(g, RESP, M_TLS_SFLIGHT, scratch, 0, true);
        rc |= plan_msg(g, ORIG, M_TLS_CFIN, scratch, 0, false);
        rc |= plan_msg(g, ORIG, M_TLS_APPREQ, scratch, 0, true);
        rc |= plan_msg(g, RESP, M_TLS_APPRESP, scratch, 0, true);
        break;
    case APP_RANDOM:
        rc |= plan_msg(g, ORIG, M_RAND_REQ, scratch, 0, false);
        if (!upto_request)
            rc |= plan_msg(g, RESP, M_RAND_RESP, scratch, 0, true);
        break;
    default:
        rc |= plan_msg(g, ORIG, M_DNS_Q, scratch, 0, false);
        if (upto_request)
            break;
        rc |= plan_msg(g, RESP, M_DNS_A, scratch, 0, true);
        break;
    }
    return rc;
}

/* The first response message of the protocol (what rst_responder and half_closed send). */
static enum msg first_response(const struct gconn *g)
{
    return g->app == APP_HTTP ? M_HTTP_RESP : g->app == APP_TLS ? M_TLS_SFLIGHT :
           g->app == APP_RANDOM ? M_RAND_RESP : M_DNS_A;
}

/* The whole life of a connection of class g->tclass, as a list of packets. */
static int plan(struct gconn *g, struct rng *r, bool all_open, uint8_t *scratch)
{
    int rc = 0;
    g->nops = g->pos = 0;
    if (g->tclass == TC_REJECTED) {
        if (all_open)
            rc |= plan_add(g, K_BARRIER, 0, 0, 0, 0);
        rc |= plan_add(g, K_SYN, ORIG, 0, 0, 0);
        return rc | plan_add(g, K_REJECT, RESP, 0, 0, 0);
    }
    rc |= plan_add(g, K_SYN, ORIG, 0, 0, 0);
    rc |= plan_add(g, K_SYNACK, RESP, 0, 0, 0);
    rc |= plan_add(g, K_ACK, ORIG, 0, 0, 0);
    bool short_exchange = g->tclass == TC_RST_RESP || g->tclass == TC_HALF_CLOSED;
    rc |= plan_exchange(g, r, scratch, short_exchange);
    if (all_open)
        rc |= plan_add(g, K_BARRIER, 0, 0, 0, 0);
    switch (g->tclass) {
    case TC_GRACEFUL: {
        uint8_t closer = rng_below(r, 10) < 7 ? ORIG : RESP;
        rc |= plan_add(g, K_FIN, closer, 0, 0, 0);
        rc |= plan_add(g, K_ACK, (uint8_t)!closer, 0, 0, 0);
        rc |= plan_add(g, K_FIN, (uint8_t)!closer, 0, 0, 0);
        rc |= plan_add(g, K_ACK, closer, 0, 0, 0);
        break;
    }
    case TC_RST_ORIG:
        rc |= plan_add(g, K_RST, ORIG, 0, 0, 0);
        break;
    case TC_RST_RESP:
        rc |= plan_msg(g, RESP, first_response(g), scratch, rng_below(r, 2), false);
        rc |= plan_add(g, K_RST, RESP, 0, 0, 0);
        break;
    default: /* TC_HALF_CLOSED */
        rc |= plan_add(g, K_FIN, ORIG, 0, 0, 0);
        rc |= plan_add(g, K_ACK, RESP, 0, 0, 0);
        rc |= plan_msg(g, RESP, first_response(g), scratch, 0, true);
        break;
    }
    return rc;
}

/* ---- starting a connection ------------------------------------------------------------------ */

/* Client (address, port) unique per connection id; servers from a pool per protocol. */
static int endpoints(struct gconn *g, struct cw_pcap *w, bool v6, struct rng *r)
{
    static const uint16_t port[APP_COUNT] = {80, 443, 53, 0};
    char cli[INET6_ADDRSTRLEN], srv[INET6_ADDRSTRLEN];
    uint32_t host = (g->id >> 4) + 1, server = rng_below(r, 500) + 1;
    uint16_t cport = (uint16_t)(CLIENT_PORT_BASE + (g->id & 15u) * 1000u + (g->id >> 4) % 1000u);
    if (v6) {
        snprintf(cli, sizeof cli, "fd00:10::%x:%x", host >> 16, host & 0xffffu);
        snprintf(srv, sizeof srv, "2001:db8:%x::%x", g->app + 1, server);
    } else {
        snprintf(cli, sizeof cli, "10.%u.%u.%u", (host >> 16) & 0xffu, (host >> 8) & 0xffu,
                 host & 0xffu);
        snprintf(srv, sizeof srv, "172.%u.%u.%u", 16 + g->app, server >> 8, server & 0xffu);
    }
    return conv_init(&g->c, w, cli, cport, srv,
                     g->app == APP_RANDOM ? g->server_port : port[g->app]);
}

/* Picks the connection's protocol, class, addresses and options, and plans it. */
static int conn_start(struct gconn *g, uint32_t id, uint8_t tclass, struct cw_pcap *w,
                      struct rng *r, const struct config *cfg, uint8_t *scratch,
                      struct totals *t)
{
    memset(g, 0, sizeof *g);
    g->id = id;
    g->tclass = tclass;
    uint32_t a = rng_below(r, 100);
    g->app = cfg->random_payload ? APP_RANDOM : a < 45 ? APP_TLS : a < 85 ? APP_HTTP : APP_DNS;
    if (g->app == APP_RANDOM)
        g->server_port = (uint16_t)rng_range(r, 1024, 65535);
    bool v6 = rng_below(r, 10) == 0;
    if (endpoints(g, w, v6, r) < 0)
        return -1;
    conv_isn(&g->c, (uint32_t)rng_next(r), (uint32_t)rng_next(r));
    conv_syn_opts(&g->c, 7, 9);
    bool ts = rng_below(r, 10) < 7;
    for (int d = 0; d < 2; d++) {
        g->c.end[d].ts = ts;
        g->c.end[d].tsval = (uint32_t)rng_next(r);
        g->c.end[d].win = (uint16_t)(d == ORIG ? 502 : 509);
        g->mss[d] = (uint16_t)((v6 ? 1440 : 1460) - (ts ? 12 : 0));
    }
    g->resp_body = rng_range(r, 300, 12000);
    g->resp2_body = rng_range(r, 300, 6000);
    g->appresp_len = rng_range(r, 200, 9000);
    if (g->app == APP_RANDOM) {   /* request, response */
        g->appresp_len = rng_range(r, 16, 1400);
        g->resp_body = rng_range(r, 16, 2900);
    }
    if (plan(g, r, cfg->all_open, scratch) < 0)
        return -1;
    t->per_class[tclass]++;
    t->per_app[g->app]++;
    t->ipv6 += v6;
    return 0;
}

/* ---- writing a connection's next packet ----------------------------------------------------- */

static void send_data(struct gconn *g, const struct op *o, uint8_t *scratch)
{
    struct buf b = {scratch, 0, MSG_CAP};
    build_msg(g, (enum msg)o->msg, &b);
    size_t end = (size_t)o->off + o->len;
    if (end > b.len)              /* cannot happen: the plan was made from the same bytes */
        end = b.len;
    uint8_t flags = TCP_ACK | (end == b.len ? TCP_PSH : 0);
    conv_sendn(&g->c, (enum conv_dir)o->dir, flags, b.b + o->off, (uint32_t)(end - o->off));
}

/* Writes ops[pos]; false when the connection is at its barrier (nothing written). */
static bool step(struct gconn *g, uint8_t *scratch)
{
    const struct op *o = &g->ops[g->pos];
    enum conv_dir d = (enum conv_dir)o->dir;
    switch (o->kind) {
    case K_SYN: conv_syn(&g->c); break;
    case K_SYNACK: conv_synack(&g->c); break;
    case K_ACK: conv_ack(&g->c, d); break;
    case K_DATA: send_data(g, o, scratch); break;
    case K_FIN: conv_fin(&g->c, d); break;
    case K_RST: conv_rst(&g->c, d, TCP_ACK); break;
    case K_REJECT:                /* RFC 9293 §3.10.7.1: <SEQ=0><ACK=SEG.SEQ+SEG.LEN> */
        conv_raw(&g->c, RESP, TCP_RST | TCP_ACK, 0, g->c.end[ORIG].nxt, NULL, 0);
        break;
    default:
        g->pos++;
        return false;
    }
    g->pos++;
    return true;
}

/* ---- the scheduler ---------------------------------------------------------------------------- */

struct sched {
    struct gconn *pool;           /* `concurrent` slots */
    uint32_t *freelist, nfree;
    uint32_t *active, nactive;    /* slots running, picked at random */
    uint32_t *waiting, nwaiting;  /* slots at their barrier */
    uint8_t block[CLASS_BLOCK];   /* classes of the current block of 20, shuffled */
};

static void shuffle_block(struct sched *s, struct rng *r)
{
    unsigned k = 0;
    for (int c = 0; c < TC_COUNT; c++)
        for (unsigned i = 0; i < tclass_per_20[c]; i++)
            s->block[k++] = (uint8_t)c;
    for (unsigned i = CLASS_BLOCK - 1; i > 0; i--) {
        unsigned j = rng_below(r, i + 1);
        uint8_t tmp = s->block[i];
        s->block[i] = s->block[j];
        s->block[j] = tmp;
    }
}

static int sched_init(struct sched *s, uint32_t slots)
{
    memset(s, 0, sizeof *s);
    s->pool = calloc(slots, sizeof *s->pool);
    s->freelist = calloc(slots, sizeof *s->freelist);
    s->active = calloc(slots, sizeof *s->active);
    s->waiting = calloc(slots, sizeof *s->waiting);
    if (!s->pool || !s->freelist || !s->active || !s->waiting)
        return -1;
    for (uint32_t i = 0; i < slots; i++)
        s->freelist[s->nfree++] = slots - 1 - i;
    return 0;
}

static void sched_free(struct sched *s)
{
    free(s->pool);
    free(s->freelist);
    free(s->active);
    free(s->waiting);
}

/* Advances the active slot at index ai by one packet; retires or parks it as needed. */
static void advance(struct sched *s, uint32_t ai, uint8_t *scratch)
{
    uint32_t slot = s->active[ai];
    struct gconn *g = &s->pool[slot];
    bool wrote = step(g, scratch);
    bool park = !wrote;
    bool done = wrote && g->pos >= g->nops;
    if (!park && !done)
        return;
    s->active[ai] = s->active[--s->nactive];
    if (park)
        s->waiting[s->nwaiting++] = slot;
    else
        s->freelist[s->nfree++] = slot;
}

static int run(const struct config *cfg, struct cw_pcap *w, struct totals *t)
{
    struct sched s;
    struct rng r = {cfg->seed * 0x2545f4914f6cdd1dULL + 0x1234567ULL};
    uint8_t *scratch = malloc(MSG_CAP);
    int rc = sched_init(&s, cfg->concurrent);
    if (rc < 0 || !scratch) {
        sched_free(&s);
        free(scratch);
        return -1;
    }
    uint32_t next = 0;
    for (;;) {
        uint32_t open = s.nactive + s.nwaiting;
        bool can_start = next < cfg->conns && s.nfree > 0;
        if (can_start && (s.nactive == 0 || rng_below(&r, 2) == 0)) {
            if (next % CLASS_BLOCK == 0)
                shuffle_block(&s, &r);
            uint32_t slot = s.freelist[--s.nfree];
            if (conn_start(&s.pool[slot], next, s.block[next % CLASS_BLOCK], w, &r,
                           cfg, scratch, t) < 0) {
                rc = -1;
                break;
            }
            next++;
            s.active[s.nactive++] = slot;
            if (open + 1 > t->max_open)
                t->max_open = open + 1;
            advance(&s, s.nactive - 1, scratch);
        } else if (s.nactive > 0) {
            advance(&s, rng_below(&r, s.nactive), scratch);
        } else if (s.nwaiting > 0) {  /* everyone at the barrier: release them all */
            uint32_t rejected = 0;
            for (uint32_t i = 0; i < s.nwaiting; i++) {
                rejected += s.pool[s.waiting[i]].tclass == TC_REJECTED;
                s.active[s.nactive++] = s.waiting[i];
            }
            t->open_at_barrier = s.nwaiting - rejected;
            s.nwaiting = 0;
        } else {
            break;
        }
        if (w->err)
            break;
    }
    sched_free(&s);
    free(scratch);
    return rc < 0 || w->err ? -1 : 0;
}

/* ---- command line ----------------------------------------------------------------------------- */

static int usage(const char *why)
{
    fprintf(stderr, "gencap: %s\nusage: gencap OUT.pcap [--conns N] [--concurrent M] "
            "[--seed S] [--all-open] [--step-us U] [--random-payload]\n", why);
    return 2;
}

/* Parses a decimal count in [lo, hi] into *v; -1 when it is not one. */
static int parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *v)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-' || x < lo || x > hi)
        return -1;
    *v = (uint32_t)x;
    return 0;
}

static int parse_args(int argc, char **argv, struct config *cfg)
{
    *cfg = (struct config){NULL, DEFAULT_CONNS, DEFAULT_CONCURRENT, DEFAULT_SEED, 0, false,
                           false};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        uint32_t v = 0;
        bool has_value = i + 1 < argc;
        if (strcmp(a, "--all-open") == 0) {
            cfg->all_open = true;
        } else if (strcmp(a, "--random-payload") == 0) {
            cfg->random_payload = true;
        } else if (strcmp(a, "--conns") == 0 || strcmp(a, "--concurrent") == 0 ||
                   strcmp(a, "--seed") == 0 || strcmp(a, "--step-us") == 0) {
            uint32_t lo = strcmp(a, "--conns") == 0 || strcmp(a, "--concurrent") == 0;
            if (!has_value || parse_u32(argv[++i], lo, 100000000u, &v) < 0)
                return usage("bad or missing number after an option");
            if (strcmp(a, "--conns") == 0) cfg->conns = v;
            else if (strcmp(a, "--concurrent") == 0) cfg->concurrent = v;
            else if (strcmp(a, "--seed") == 0) cfg->seed = v;
            else cfg->step_us = v;
        } else if (a[0] == '-' || cfg->out) {
            return usage("unexpected argument");
        } else {
            cfg->out = a;
        }
    }
    if (!cfg->out)
        return usage("no output file");
    if (cfg->all_open || cfg->concurrent > cfg->conns)
        cfg->concurrent = cfg->conns;
    if (cfg->step_us == 0) {
        uint32_t open = cfg->concurrent < cfg->conns ? cfg->concurrent : cfg->conns;
        cfg->step_us = TARGET_GAP_US / open ? TARGET_GAP_US / open : 1;
    }
    return 0;
}

static void print_totals(const struct config *cfg, const struct cw_pcap *w,
                         const struct totals *t)
{
    printf("packets=%" PRIu64 "\nconns=%u\nmax_open=%u\n", w->records, cfg->conns, t->max_open);
    if (cfg->all_open)
        printf("open_at_barrier=%u\n", t->open_at_barrier);
    printf("step_us=%u\nduration_s=%.3f\nipv6=%" PRIu64 "\n", cfg->step_us,
           (double)w->records * cfg->step_us / 1e6, t->ipv6);
    for (int c = 0; c < TC_COUNT; c++)
        printf("%s=%" PRIu64 "\n", tclass_name[c], t->per_class[c]);
    for (int a = 0; a < APP_COUNT; a++)
        printf("app_%s=%" PRIu64 "\n", app_name[a], t->per_app[a]);
}

int main(int argc, char **argv)
{
    struct config cfg;
    int rc = parse_args(argc, argv, &cfg);
    if (rc)
        return rc;
    struct cw_pcap w;
    if (cw_pcap_open(&w, cfg.out, CW_LINK_EN10MB, false) < 0) {
        fprintf(stderr, "gencap: %s: %s\n", cfg.out, strerror(w.err));
        return 1;
    }
    w.step_ns = (int64_t)cfg.step_us * 1000;
    struct totals t;
    memset(&t, 0, sizeof t);
    rc = run(&cfg, &w, &t);
    int err = w.err;
    if (cw_pcap_close(&w) < 0 || rc < 0) {
        fprintf(stderr, "gencap: %s: %s\n", cfg.out,
                err ? strerror(err) : w.err ? strerror(w.err) : "out of memory");
        remove(cfg.out);
        return 1;
    }
    print_totals(&cfg, &w, &t);
    return 0;
}
