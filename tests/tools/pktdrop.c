/*
 * pktdrop.c — capture loss on demand, for the loss tests (tests/e2e/t_capture_loss.sh):
 *
 *   pktdrop IN.pcap OUT.pcap PERCENT SEED
 *
 * Copies IN to OUT (same link type, timestamps and bytes), leaving out each packet with
 * probability PERCENT/100 (0..100, decimals allowed), drawn from a generator seeded with SEED
 * (an unsigned integer): the same arguments always remove the same packets. Prints one line:
 *   packets=N removed=R data_bytes=B removed_data_bytes=X removed_acked_bytes=A
 * where data bytes are TCP payload bytes (by the IP length, as finscope counts them), so X / B
 * is the share of data bytes actually removed, and A counts only the removed bytes that the
 * peer acknowledged in a packet OUT still holds: what a passive observer (Zeek's capture-loss,
 * finscope's runs.capture_loss) can know was missed. Data nobody acknowledged (sent into a RST,
 * say), or whose every acknowledgment was removed too, leaves no trace when it is lost.
 * Exit 1 on a file error, 2 on wrong usage.
 */
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/dissect.h"

/* splitmix64: small, well mixed, and the same on every platform. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* True with probability percent / 100. */
static bool draw(uint64_t *state, double percent)
{
    double u = (double)(next_random(state) >> 11) / 9007199254740992.0;   /* [0, 1) */
    return u * 100.0 < percent;
}

/* One direction of a TCP connection and the highest acknowledgment it sent. */
struct dir_ack {
    struct ip_addr src, dst;
    uint16_t sport, dport;
    uint32_t ack;
};

struct acks {
    struct dir_ack *d;
    size_t n, cap;
};

static bool same_dir(const struct dir_ack *d, const struct ip_addr *src, const struct ip_addr *dst,
                     uint16_t sport, uint16_t dport)
{
    return d->sport == sport && d->dport == dport && memcmp(&d->src, src, sizeof *src) == 0 &&
           memcmp(&d->dst, dst, sizeof *dst) == 0;
}

static struct dir_ack *find(struct acks *a, const struct ip_addr *src, const struct ip_addr *dst,
                            uint16_t sport, uint16_t dport)
{
    for (size_t i = 0; i < a->n; i++)
        if (same_dir(&a->d[i], src, dst, sport, dport))
            return &a->d[i];
    return NULL;
}

static int note_ack(struct acks *a, const struct packet *p)
{
    if (!(p->tcp.flags & TCP_ACK) || (p->tcp.flags & TCP_RST))
        return 0;
    struct dir_ack *d = find(a, &p->src, &p->dst, p->sport, p->dport);
    if (d) {
        if ((int32_t)(p->tcp.ack - d->ack) > 0)
            d->ack = p->tcp.ack;
        return 0;
    }
    if (a->n == a->cap) {
        size_t cap = a->cap ? 2 * a->cap : 256;
        struct dir_ack *nd = realloc(a->d, cap * sizeof *nd);
        if (!nd)
            return -1;
        a->d = nd;
        a->cap = cap;
    }
    a->d[a->n++] = (struct dir_ack){.src = p->src, .dst = p->dst, .sport = p->sport,
                                    .dport = p->dport, .ack = p->tcp.ack};
    return 0;
}

/* Of a segment's payload, the bytes below the peer's highest acknowledgment. */
static uint32_t acked_bytes(struct acks *a, const struct packet *p)
{
    const struct dir_ack *peer = find(a, &p->dst, &p->src, p->dport, p->sport);
    if (!peer || p->payload_len == 0)
        return 0;
    int32_t below = (int32_t)(peer->ack - p->tcp.seq);
    if (below <= 0)
        return 0;
    return (uint32_t)below < p->payload_len ? (uint32_t)below : p->payload_len;
}

static bool tcp_packet(int linktype, const struct pcap_pkthdr *h, const uint8_t *bytes,
                       struct packet *p)
{
    return dissect_packet(linktype, bytes, h->caplen, h->len, p) == DISSECT_OK &&
           p->l4proto == IPPROTO_NUM_TCP;
}

/* First pass: every direction's highest acknowledgment among the packets kept (the same
 * draws as the second pass, from a copy of the generator's state). */
static int read_acks(const char *path, struct acks *a, uint64_t state, double percent)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *in = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, err);
    if (!in) {
        fprintf(stderr, "pktdrop: %s\n", err);
        return -1;
    }
    int linktype = pcap_datalink(in), rc;
    struct pcap_pkthdr *h;
    const uint8_t *bytes;
    struct packet p;
    while ((rc = pcap_next_ex(in, &h, &bytes)) == 1)
        if (!draw(&state, percent) && tcp_packet(linktype, h, bytes, &p) && note_ack(a, &p) < 0)
            rc = -3;
    pcap_close(in);
    return rc == -2 ? 0 : -1;
}

int main(int argc, char **argv)
{
    char *end;
    if (argc != 5) {
        fprintf(stderr, "usage: pktdrop IN.pcap OUT.pcap PERCENT SEED\n");
        return 2;
    }
    double percent = strtod(argv[3], &end);
    if (*end || percent < 0 || percent > 100) {
        fprintf(stderr, "pktdrop: PERCENT must be a number from 0 to 100, not '%s'\n", argv[3]);
        return 2;
    }
    uint64_t state = strtoull(argv[4], &end, 10);
    if (*end || !*argv[4]) {
        fprintf(stderr, "pktdrop: SEED must be an unsigned integer, not '%s'\n", argv[4]);
        return 2;
    }
    struct acks acks = {0};
    if (read_acks(argv[1], &acks, state, percent) < 0)
        return 1;
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *in = pcap_open_offline_with_tstamp_precision(argv[1], PCAP_TSTAMP_PRECISION_MICRO,
                                                         err);
    if (!in) {
        fprintf(stderr, "pktdrop: %s\n", err);
        return 1;
    }
    pcap_dumper_t *out = pcap_dump_open(in, argv[2]);
    if (!out) {
        fprintf(stderr, "pktdrop: %s: %s\n", argv[2], pcap_geterr(in));
        pcap_close(in);
        return 1;
    }
    int linktype = pcap_datalink(in);
    uint64_t packets = 0, removed = 0, data = 0, removed_data = 0, removed_acked = 0;
    struct pcap_pkthdr *h;
    const uint8_t *bytes;
    int rc;
    while ((rc = pcap_next_ex(in, &h, &bytes)) == 1) {
        struct packet p;
        bool tcp = tcp_packet(linktype, h, bytes, &p);
        uint32_t n = tcp ? p.payload_len : 0;
        packets++;
        data += n;
        if (draw(&state, percent)) {
            removed++;
            removed_data += n;
            removed_acked += tcp ? acked_bytes(&acks, &p) : 0;
            continue;
        }
        pcap_dump((u_char *)out, h, bytes);
    }
    if (rc == -1)
        fprintf(stderr, "pktdrop: %s: %s\n", argv[1], pcap_geterr(in));
    pcap_dump_close(out);
    pcap_close(in);
    if (rc == -1)
        return 1;
    free(acks.d);
    printf("packets=%" PRIu64 " removed=%" PRIu64 " data_bytes=%" PRIu64
           " removed_data_bytes=%" PRIu64 " removed_acked_bytes=%" PRIu64 "\n", packets, removed,
           data, removed_data, removed_acked);
    return 0;
}
