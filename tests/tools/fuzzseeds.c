/*
 * fuzzseeds.c — turns captures into seed inputs for the fuzz targets (fuzz/fuzz_*.c):
 *   OUT/capture/NAME     the capture file itself
 *   OUT/dissect/NAME-N   [link type index][0][frame] for the first frames of each capture
 *   OUT/analyzer/NAME    the TCP segments of the capture's first TCP flow in fuzz_analyzer's
 *                        12-byte records (seq/ack relative to each side's first seq)
 * Usage: fuzzseeds OUTDIR CAPTURE...
 */
#include <libgen.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "dissect/dissect.h"

#define MAX_FRAMES 64

static const int link_types[] = {0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 147};

static int link_index(int lt)
{
    for (size_t i = 0; i < sizeof link_types / sizeof *link_types; i++)
        if (link_types[i] == lt)
            return (int)i;
    return -1;
}

static void write_file(const char *path, const void *a, size_t alen, const void *b, size_t blen)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return;
    fwrite(a, 1, alen, f);
    if (blen)
        fwrite(b, 1, blen, f);
    fclose(f);
}

static void put32(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)(v >> 24); b[1] = (uint8_t)(v >> 16); b[2] = (uint8_t)(v >> 8); b[3] = (uint8_t)v;
}

struct flow_seed {
    bool have;
    struct packet first;
    bool base_set[2];
    uint32_t base[2];
    uint8_t buf[12 * 256];
    size_t len;
};

/* Appends p to the seed if it belongs to the first TCP flow seen. */
static void add_segment(struct flow_seed *fs, const struct packet *p)
{
    if (p->l4proto != IPPROTO_NUM_TCP || fs->len + 12 > sizeof fs->buf)
        return;
    if (!fs->have) {
        fs->have = true;
        fs->first = *p;
    }
    int from_client;
    if (p->sport == fs->first.sport && p->dport == fs->first.dport)
        from_client = 1;
    else if (p->sport == fs->first.dport && p->dport == fs->first.sport)
        from_client = 0;
    else
        return;
    int d = !from_client, o = from_client;
    if (!fs->base_set[d]) { fs->base[d] = p->tcp.seq; fs->base_set[d] = true; }
    uint8_t *r = fs->buf + fs->len;
    r[0] = (uint8_t)from_client;
    r[1] = p->tcp.flags;
    put32(r + 2, p->tcp.seq - fs->base[d]);
    put32(r + 6, fs->base_set[o] ? p->tcp.ack - fs->base[o] : 0);
    r[10] = (uint8_t)(p->payload_len > 255 ? 255 : p->payload_len);
    r[11] = 1;
    fs->len += 12;
}

static void seed_capture(const char *out, const char *path)
{
    char err[PCAP_ERRBUF_SIZE], dst[4096], name[256];
    pcap_t *pc = pcap_open_offline(path, err);
    if (!pc)
        return;
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", path);
    snprintf(name, sizeof name, "%s", basename(tmp));
    int li = link_index(pcap_datalink(pc));
    struct pcap_pkthdr *h;
    const u_char *bytes;
    static struct flow_seed fs;
    memset(&fs, 0, sizeof fs);
    for (int n = 0; n < MAX_FRAMES && pcap_next_ex(pc, &h, &bytes) == 1; n++) {
        if (li >= 0) {
            uint8_t hdr[2] = {(uint8_t)li, 0};
            snprintf(dst, sizeof dst, "%s/dissect/%s-%d", out, name, n);
            write_file(dst, hdr, 2, bytes, h->caplen);
        }
        struct packet p;
        if (li >= 0 && dissect_packet(pcap_datalink(pc), bytes, h->caplen, h->len, &p) == DISSECT_OK)
            add_segment(&fs, &p);
    }
    pcap_close(pc);
    if (fs.len) {
        snprintf(dst, sizeof dst, "%s/analyzer/%s", out, name);
        write_file(dst, fs.buf, fs.len, NULL, 0);
    }
    FILE *in = fopen(path, "rb");
    snprintf(dst, sizeof dst, "%s/capture/%s", out, name);
    FILE *o = in ? fopen(dst, "wb") : NULL;
    size_t k;
    char buf[65536];
    while (o && (k = fread(buf, 1, sizeof buf, in)) > 0)
        fwrite(buf, 1, k, o);
    if (o) fclose(o);
    if (in) fclose(in);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: fuzzseeds OUTDIR CAPTURE...\n");
        return 2;
    }
    const char *sub[] = {"capture", "dissect", "analyzer"};
    char d[4096];
    mkdir(argv[1], 0755);
    for (int i = 0; i < 3; i++) {
        snprintf(d, sizeof d, "%s/%s", argv[1], sub[i]);
        mkdir(d, 0755);
    }
    for (int i = 2; i < argc; i++)
        seed_capture(argv[1], argv[i]);
    return 0;
}
