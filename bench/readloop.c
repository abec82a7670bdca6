/*
 * readloop.c — the benchmark's read limit: the least any libpcap-based tool must do to look at
 * every record of a capture. Opens FILE with pcap_open_offline(), calls pcap_next_ex() until
 * the end, and adds up the records and their captured bytes (touching the first and last byte
 * of each, so the data is really in memory). Prints "packets=N bytes=B" on stdout; with
 * --version, libpcap's version string instead. Exit 0, or 1 when the file cannot be read.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <pcap/pcap.h>

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        printf("%s\n", pcap_lib_version());
        return 0;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: readloop FILE.pcap | --version\n");
        return 2;
    }
    char err[PCAP_ERRBUF_SIZE] = "";
    pcap_t *p = pcap_open_offline(argv[1], err);
    if (!p) {
        fprintf(stderr, "readloop: %s\n", err);     /* libpcap's message names the file */
        return 1;
    }
    struct pcap_pkthdr *h;
    const u_char *data;
    uint64_t packets = 0, bytes = 0;
    unsigned touch = 0;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
        packets++;
        bytes += h->caplen;
        if (h->caplen > 0)
            touch ^= (unsigned)data[0] ^ data[h->caplen - 1];
    }
    if (rc != PCAP_ERROR_BREAK) {
        fprintf(stderr, "readloop: %s: %s\n", argv[1], pcap_geterr(p));
        pcap_close(p);
        return 1;
    }
    pcap_close(p);
    printf("packets=%" PRIu64 " bytes=%" PRIu64 " check=%u\n", packets, bytes, touch);
    return 0;
}
