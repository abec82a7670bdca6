/*
 * pktdrop.c — capture loss on demand, for the loss tests (tests/e2e/t_capture_loss.sh):
 *
 *   pktdrop IN.pcap OUT.pcap PERCENT SEED
 *
 * Copies IN to OUT (same link type, timestamps and bytes), leaving out each packet with
 * probability PERCENT/100 (0..100, decimals allowed), drawn from a generator seeded with SEED
 * (an unsigned integer): the same arguments always remove the same packets. Prints one line:
 *   packets=N removed=R data_bytes=B removed_data_bytes=X
 * where data bytes are TCP payload bytes (by the IP length, as finscope counts them), so X / B
 * is the share of data bytes actually removed. Exit 1 on a file error, 2 on wrong usage.
 */
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>

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

static uint32_t tcp_data_bytes(int linktype, const struct pcap_pkthdr *h, const uint8_t *bytes)
{
    struct packet p;
    if (dissect_packet(linktype, bytes, h->caplen, h->len, &p) != DISSECT_OK ||
        p.l4proto != IPPROTO_NUM_TCP)
        return 0;
    return p.payload_len;
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
    uint64_t packets = 0, removed = 0, data = 0, removed_data = 0;
    struct pcap_pkthdr *h;
    const uint8_t *bytes;
    int rc;
    while ((rc = pcap_next_ex(in, &h, &bytes)) == 1) {
        uint32_t n = tcp_data_bytes(linktype, h, bytes);
        packets++;
        data += n;
        if (draw(&state, percent)) {
            removed++;
            removed_data += n;
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
    printf("packets=%" PRIu64 " removed=%" PRIu64 " data_bytes=%" PRIu64
           " removed_data_bytes=%" PRIu64 "\n", packets, removed, data, removed_data);
    return 0;
}
