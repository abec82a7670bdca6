/*
 * kinject.c — an out-of-band RST injector for the real-kernel tests (issue 14): run on the
 * router namespace between client and server, it forges what censorship and "TCP veto"
 * boxes send (Weaver, Sommer and Paxson, NDSS 2009):
 *
 *   kinject IFACE SRC SPORT DST DPORT AFTER
 *
 * It watches IFACE (a packet socket, IPv4) for TCP segments SRC:SPORT -> DST:DPORT carrying
 * payload. After the AFTER-th one it sends DST an exact RST+ACK in SRC's name — seq = that
 * segment's seq + len (SRC's next sequence number), ack = its ack — through a raw socket
 * (IP_HDRINCL), so the router's own TTL (64) and an IP ID half the ID space away from the
 * segment's mark it, as they mark a real injector. It prints "ready" once it watches and
 * "injected" once it sent, then exits 0. Exit 1 on a socket error or when nothing matched
 * within 30 s, 2 on wrong usage. Needs CAP_NET_RAW.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define WAIT_S 30
#define INJECT_TTL 64

struct target {
    struct in_addr src, dst;
    uint16_t sport, dport;        /* host order */
    long after;
};

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    return sum;
}

static uint16_t fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* The forged RST+ACK: IPv4 header (checksum, length and ID as written: IP_HDRINCL with a
 * nonzero ID) and TCP header with its pseudo-header checksum. */
static size_t forge(uint8_t *b, const struct target *t, uint32_t seq, uint32_t ack, uint16_t id)
{
    memset(b, 0, 40);
    b[0] = 0x45;
    put16(b + 2, 40);
    put16(b + 4, id);
    put16(b + 6, 0x4000);                         /* DF */
    b[8] = INJECT_TTL;
    b[9] = IPPROTO_TCP;
    memcpy(b + 12, &t->src, 4);
    memcpy(b + 16, &t->dst, 4);
    put16(b + 10, fold(sum16(0, b, 20)));
    uint8_t *tcp = b + 20;
    put16(tcp, t->sport);
    put16(tcp + 2, t->dport);
    put32(tcp + 4, seq);
    put32(tcp + 8, ack);
    tcp[12] = 5 << 4;
    tcp[13] = 0x14;                               /* RST, ACK */
    uint32_t ph = sum16(0, b + 12, 8) + IPPROTO_TCP + 20;
    put16(tcp + 16, fold(sum16(ph, tcp, 20)));
    return 40;
}

/* A matching segment with payload: its seq + payload length, ack and IP ID. */
static int match(const uint8_t *f, ssize_t n, const struct target *t, uint32_t *next,
                 uint32_t *ack, uint16_t *id)
{
    if (n < 14 + 40 || be16(f + 12) != ETH_P_IP)
        return 0;
    const uint8_t *ip = f + 14;
    size_t ihl = (size_t)(ip[0] & 15) * 4, tot = be16(ip + 2);
    if ((ip[0] >> 4) != 4 || ip[9] != IPPROTO_TCP || ihl < 20 || tot > (size_t)n - 14 ||
        memcmp(ip + 12, &t->src, 4) != 0 || memcmp(ip + 16, &t->dst, 4) != 0)
        return 0;
    const uint8_t *tcp = ip + ihl;
    size_t doff = (size_t)(tcp[12] >> 4) * 4;
    if (be16(tcp) != t->sport || be16(tcp + 2) != t->dport || tot < ihl + doff)
        return 0;
    size_t len = tot - ihl - doff;
    if (len == 0)
        return 0;
    *next = be32(tcp + 4) + (uint32_t)len;
    *ack = be32(tcp + 8);
    *id = be16(ip + 4);
    return 1;
}

static int parse(int argc, char **argv, struct target *t, unsigned *ifindex)
{
    if (argc != 7 || inet_pton(AF_INET, argv[2], &t->src) != 1 ||
        inet_pton(AF_INET, argv[4], &t->dst) != 1)
        return -1;
    t->sport = (uint16_t)atoi(argv[3]);
    t->dport = (uint16_t)atoi(argv[5]);
    t->after = atol(argv[6]);
    *ifindex = if_nametoindex(argv[1]);
    return *ifindex && t->sport && t->dport && t->after > 0 ? 0 : -1;
}

static int open_sockets(unsigned ifindex, int *pk, int *raw)
{
    *pk = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IP));
    *raw = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
    struct sockaddr_ll ll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP),
                             .sll_ifindex = (int)ifindex};
    if (*pk < 0 || *raw < 0 || bind(*pk, (struct sockaddr *)&ll, sizeof ll) != 0) {
        perror("kinject: socket");
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct target t;
    unsigned ifindex = 0;
    if (parse(argc, argv, &t, &ifindex) != 0) {
        fprintf(stderr, "usage: kinject IFACE SRC SPORT DST DPORT AFTER\n");
        return 2;
    }
    int pk, raw;
    if (open_sockets(ifindex, &pk, &raw) != 0)
        return 1;
    printf("ready\n");
    fflush(stdout);
    long seen = 0;
    time_t until = time(NULL) + WAIT_S;
    uint8_t frame[2048];
    while (time(NULL) < until) {
        struct pollfd p = {.fd = pk, .events = POLLIN};
        if (poll(&p, 1, 200) <= 0)
            continue;
        ssize_t n = recv(pk, frame, sizeof frame, 0);
        uint32_t next, ack;
        uint16_t id;
        if (n <= 0 || !match(frame, n, &t, &next, &ack, &id) || ++seen < t.after)
            continue;
        uint8_t rst[40];
        size_t len = forge(rst, &t, next, ack, (uint16_t)(id + 0x8000));
        struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr = t.dst};
        if (sendto(raw, rst, len, 0, (struct sockaddr *)&to, sizeof to) != (ssize_t)len) {
            perror("kinject: sendto");
            return 1;
        }
        printf("injected\n");
        fflush(stdout);
        return 0;
    }
    fprintf(stderr, "kinject: no %ld segments to inject after within %d s\n", t.after, WAIT_S);
    return 1;
}
