/*
 * floodcap.c — writes the synthetic captures of the robustness tests (tests/e2e/t_hostile_input.sh,
 * t_db_faults.sh): floods of half-open or reset flows, a few ordinary connections, and pcapng
 * files with several interfaces.
 *
 *   floodcap syn N OUT      N SYNs to 192.0.2.10:80, each from its own (address, port): N
 *                           unanswered connections (a SYN flood), 1 us apart
 *   floodcap rst N OUT      N RST+ACKs from 192.0.2.10:80, each to its own (address, port): N
 *                           flows made of one RST (backscatter of a spoofed flood), 1 us apart
 *   floodcap conns N OUT    N connections, one after another, each of 8 packets (below),
 *                           closed gracefully by the client
 *   floodcap pcapng N OUT   the same N connections as pcapng, on two Ethernet interfaces
 *                           (connection i on interface i % 2)
 *   floodcap mixed N OUT    pcapng: N connections on an Ethernet interface, then a second
 *                           interface of link type RAW (101) and N more connections on it
 *   floodcap unsupported N OUT  the same, but the second interface says link type USER0
 *                           (147), which finscope does not decode (its frames are raw IP)
 *
 * Connection i (from 0) of `conns`: 10.0.0.1:(40000 + i) -> 10.0.0.2:80, starting at
 * 2026-01-01T00:00:00Z + i seconds, one packet every 1 ms:
 *   1 C>S SYN seq=1000          2 S>C SYN+ACK seq=5000 ack=1001   3 C>S ACK seq=1001 ack=5001
 *   4 C>S PSH+ACK "hello"       5 S>C ACK ack=1006                6 C>S FIN+ACK seq=1006
 *   7 S>C FIN+ACK seq=5001 ack=1007                               8 C>S ACK seq=1007 ack=5002
 * Classic pcap files are written by tests/lib/capwriter (microsecond, little-endian, link type
 * EN10MB), pcapng files here (microsecond timestamps, snaplen 65535). Frames are built by
 * capwriter: Ethernet / IPv4 / TCP with checksums set. Deterministic byte for byte.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/capwriter.h"

enum { F_FIN = TCP_FIN, F_SYN = TCP_SYN, F_RST = TCP_RST, F_PSH = TCP_PSH, F_ACK = TCP_ACK };

struct seg {
    uint32_t src, dst;            /* IPv4, host order */
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;
    const char *data;             /* payload, may be NULL */
};

/* Where records go: a classic pcap (capwriter) or a pcapng file written here. */
struct out {
    struct cw_pcap pcap;          /* classic pcap, when !pcapng */
    FILE *f;                      /* pcapng */
    int pcapng;
    int linktype;                 /* of the interface being written */
    uint32_t iface;               /* pcapng interface id */
};

static void put_le(FILE *f, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        fputc((int)((v >> (8 * i)) & 0xff), f);
}

/* Ethernet (02:00:00:00:00:01 -> 02:00:00:00:00:02) or raw IPv4, + IPv4 + TCP, by capwriter. */
static size_t build_frame(uint8_t *b, size_t cap, int linktype, const struct seg *s,
                          uint16_t ip_id)
{
    struct cw_link l = {.linktype = linktype, .src_mac = {2, 0, 0, 0, 0, 1},
                        .dst_mac = {2, 0, 0, 0, 0, 2}};
    struct cw_addr src = {.family = 4}, dst = {.family = 4};
    for (int i = 0; i < 4; i++) {
        src.b[i] = (uint8_t)(s->src >> (24 - 8 * i));
        dst.b[i] = (uint8_t)(s->dst >> (24 - 8 * i));
    }
    struct cw_tcp t = {.sport = s->sport, .dport = s->dport, .seq = s->seq, .ack = s->ack,
                       .flags = s->flags, .win = 65535, .opt = cw_no_opts(),
                       .payload = (const uint8_t *)s->data,
                       .len = s->data ? (uint32_t)strlen(s->data) : 0};
    return cw_frame_tcp(b, cap, &l, &src, &dst, ip_id, &t);
}

/* ---- file formats -------------------------------------------------------------------------- */

static void pcapng_shb(FILE *f)
{
    put_le(f, 0x0a0d0d0au, 4);
    put_le(f, 28, 4);
    put_le(f, 0x1a2b3c4du, 4);
    put_le(f, 1, 2);
    put_le(f, 0, 2);
    put_le(f, UINT64_MAX, 8);     /* section length unknown */
    put_le(f, 28, 4);
}

static void pcapng_idb(FILE *f, int linktype)
{
    put_le(f, 1, 4);
    put_le(f, 20, 4);
    put_le(f, (uint64_t)linktype, 2);
    put_le(f, 0, 2);
    put_le(f, 65535, 4);          /* snaplen; no options: microsecond timestamps */
    put_le(f, 20, 4);
}

static void write_record(struct out *o, uint64_t ts_us, const uint8_t *frame, size_t len)
{
    if (!o->pcapng) {
        cw_pcap_write_at(&o->pcap, (int64_t)ts_us * 1000, frame, (uint32_t)len, (uint32_t)len);
        return;
    }
    size_t pad = (4 - len % 4) % 4;
    uint64_t total = 32 + len + pad;
    put_le(o->f, 6, 4);           /* enhanced packet block */
    put_le(o->f, total, 4);
    put_le(o->f, o->iface, 4);
    put_le(o->f, ts_us >> 32, 4);
    put_le(o->f, ts_us & 0xffffffffu, 4);
    put_le(o->f, len, 4);
    put_le(o->f, len, 4);
    fwrite(frame, 1, len, o->f);
    put_le(o->f, 0, (int)pad);
    put_le(o->f, total, 4);
}

static void write_seg(struct out *o, uint64_t ts_us, const struct seg *s, uint16_t ip_id)
{
    uint8_t frame[CW_MAX_FRAME];
    size_t len = build_frame(frame, sizeof frame, o->linktype, s, ip_id);
    if (len)
        write_record(o, ts_us, frame, len);
}

/* ---- scenarios ----------------------------------------------------------------------------- */

#define SERVER 0xc000020au        /* 192.0.2.10 */
#define FLOOD_NET 0xc6120000u     /* 198.18.0.0/15, the benchmarking range */
#define PORTS_PER_ADDR 60000u

/* Flow i of a flood: its own (address, port) in 198.18.0.0/15. */
static void flood_peer(uint32_t i, uint32_t *addr, uint16_t *port)
{
    *addr = FLOOD_NET + 1 + i / PORTS_PER_ADDR;
    *port = (uint16_t)(1024 + i % PORTS_PER_ADDR);
}

static void write_flood(struct out *o, uint32_t n, int rst)
{
    for (uint32_t i = 0; i < n; i++) {
        uint32_t peer;
        uint16_t port;
        flood_peer(i, &peer, &port);
        struct seg s = {.src = peer, .dst = SERVER, .sport = port, .dport = 80,
                        .seq = 0x10000000u + i, .flags = F_SYN};
        if (rst)
            s = (struct seg){.src = SERVER, .dst = peer, .sport = 80, .dport = port,
                             .seq = 0x20000000u + i, .ack = 0x30000000u + i,
                             .flags = F_RST | F_ACK};
        write_seg(o, (uint64_t)CW_START_S * 1000000 + i, &s, (uint16_t)i);
    }
}

/* Connection i, packets as in the header comment. */
static void write_conn(struct out *o, uint32_t i)
{
    const uint32_t c = 0x0a000001u, sv = 0x0a000002u;
    const uint16_t cp = (uint16_t)(40000 + i % 20000);
    static const struct { int from_client; uint8_t flags; uint32_t seq, ack; const char *data; }
    script[] = {
        {1, F_SYN, 1000, 0, NULL},
        {0, F_SYN | F_ACK, 5000, 1001, NULL},
        {1, F_ACK, 1001, 5001, NULL},
        {1, F_PSH | F_ACK, 1001, 5001, "hello"},
        {0, F_ACK, 5001, 1006, NULL},
        {1, F_FIN | F_ACK, 1006, 5001, NULL},
        {0, F_FIN | F_ACK, 5001, 1007, NULL},
        {1, F_ACK, 1007, 5002, NULL},
    };
    uint64_t t0 = ((uint64_t)CW_START_S + i) * 1000000;
    for (size_t k = 0; k < sizeof script / sizeof *script; k++) {
        int fc = script[k].from_client;
        struct seg s = {.src = fc ? c : sv, .dst = fc ? sv : c, .sport = fc ? cp : 80,
                        .dport = fc ? 80 : cp, .seq = script[k].seq, .ack = script[k].ack,
                        .flags = script[k].flags, .data = script[k].data};
        write_seg(o, t0 + k * 1000, &s, (uint16_t)(i * 8 + k));
    }
}

static void write_conns(struct out *o, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        write_conn(o, i);
}

/* Two Ethernet interfaces; connection i on interface i % 2. */
static void write_pcapng_two_eth(struct out *o, uint32_t n)
{
    pcapng_shb(o->f);
    pcapng_idb(o->f, CW_LINK_EN10MB);
    pcapng_idb(o->f, CW_LINK_EN10MB);
    for (uint32_t i = 0; i < n; i++) {
        o->iface = i % 2;
        write_conn(o, i);
    }
}

/* An Ethernet interface with n connections, then a RAW interface (that says it is of
 * `second_linktype`) with n more. */
static void write_pcapng_mixed(struct out *o, uint32_t n, int second_linktype)
{
    pcapng_shb(o->f);
    pcapng_idb(o->f, CW_LINK_EN10MB);
    for (uint32_t i = 0; i < n; i++)
        write_conn(o, i);
    pcapng_idb(o->f, second_linktype);
    o->iface = 1;
    o->linktype = CW_LINK_RAW;
    for (uint32_t i = n; i < 2 * n; i++)
        write_conn(o, i);
}

static int usage(void)
{
    fprintf(stderr, "usage: floodcap syn|rst|conns|pcapng|mixed|unsupported N OUT\n");
    return 2;
}

/* Opens the output: classic pcap through capwriter, or a pcapng file. 0, or -1. */
static int open_out(struct out *o, const char *path, int pcapng)
{
    *o = (struct out){.pcapng = pcapng, .linktype = CW_LINK_EN10MB};
    if (!pcapng)
        return cw_pcap_open(&o->pcap, path, CW_LINK_EN10MB, false);
    o->f = fopen(path, "wb");
    return o->f ? 0 : -1;
}

static int close_out(struct out *o)
{
    if (!o->pcapng)
        return cw_pcap_close(&o->pcap);
    return fclose(o->f) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc != 4)
        return usage();
    char *end;
    unsigned long n = strtoul(argv[2], &end, 10);
    const char *mode = argv[1];
    bool pcapng = strcmp(mode, "pcapng") == 0 || strcmp(mode, "mixed") == 0 ||
                  strcmp(mode, "unsupported") == 0;
    bool known = pcapng || strcmp(mode, "syn") == 0 || strcmp(mode, "rst") == 0 ||
                 strcmp(mode, "conns") == 0;
    if (*end || end == argv[2] || n > 10000000 || !known)
        return usage();
    struct out o;
    if (open_out(&o, argv[3], pcapng) != 0) {
        perror(argv[3]);
        return 1;
    }
    if (strcmp(mode, "syn") == 0 || strcmp(mode, "rst") == 0)
        write_flood(&o, (uint32_t)n, mode[0] == 'r');
    else if (strcmp(mode, "conns") == 0)
        write_conns(&o, (uint32_t)n);
    else if (strcmp(mode, "pcapng") == 0)
        write_pcapng_two_eth(&o, (uint32_t)n);
    else
        write_pcapng_mixed(&o, (uint32_t)n, mode[0] == 'm' ? CW_LINK_RAW : 147);
    if (close_out(&o) != 0) {
        fprintf(stderr, "floodcap: cannot write %s\n", argv[3]);
        return 1;
    }
    return 0;
}
