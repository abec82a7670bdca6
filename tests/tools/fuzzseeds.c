/*
 * fuzzseeds.c — turns captures into seed inputs for the fuzz targets (fuzz/fuzz_*.c):
 *   OUT/capture/NAME     the capture file itself
 *   OUT/dissect/NAME-N   [link type index][0][frame] for the first frames of each capture
 *   OUT/analyzer/NAME    the TCP segments of the capture's first TCP flow in fuzz_analyzer's
 *                        12-byte records (seq/ack relative to each side's first seq)
 *   OUT/dissect/encap-N  a TCP SYN in each encapsulation and on each link type the dissector
 *                        decodes (tests/lib/capwriter.h, cw_encap), so fuzz_dissect starts
 *                        from frames that reach every decoder
 *   OUT/defrag/NAME      fragment sequences in fuzz_defrag's 5-byte records: a SYN split in
 *                        three, the same last fragment first, overlapping, conflicting ends
 * Usage: fuzzseeds OUTDIR CAPTURE...
 */
#include <libgen.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "dissect/dissect.h"
#include "tests/lib/capwriter.h"

#define MAX_FRAMES 64

/* fuzz_dissect.c's table, in its order. */
static const int link_types[] = {0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 147,
                                 9, 10, 50, 51, 104, 105, 127, 192, 239};

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

/* ---- encapsulation seeds ------------------------------------------------------------------- */

#define E(KIND, ID, FLAGS) {.kind = (KIND), .id = (ID), .flags = (FLAGS)}
#define IP4 {.kind = CW_ENC_IP, .src = {4, {192, 0, 2, 1}}, .dst = {4, {192, 0, 2, 2}}}
#define IP6 {.kind = CW_ENC_IP, .src = {6, {0x20, 0x01, 0x0d, 0xb8, [15] = 1}}, \
             .dst = {6, {0x20, 0x01, 0x0d, 0xb8, [15] = 2}}}
#define UDP(DP) {.kind = CW_ENC_UDP, .sport = 40000, .dport = (DP)}

static const struct { struct cw_layer l[8]; size_t n; } STACKS[] = {
    {{E(CW_ENC_ETH, 0, 0), E(CW_ENC_VLAN, 1, 0), E(CW_ENC_MPLS, 16, 0)}, 3},
    {{E(CW_ENC_ETH, 0, 0), E(CW_ENC_MPLS, 16, 0), E(CW_ENC_PWCW, 0, 0), E(CW_ENC_ETH, 0, 0)}, 4},
    {{E(CW_ENC_ETH, 0, 0), E(CW_ENC_QINQ, 1, 0), E(CW_ENC_VLAN, 2, 0), E(CW_ENC_PPPOE, 3, 0)}, 4},
    {{E(CW_ENC_ETH, 0, 0), E(CW_ENC_QINQ, 1, 0), E(CW_ENC_PBB, 5, 0), E(CW_ENC_ETH, 0, 0)}, 4},
    {{E(CW_ENC_ETH, 0, 0), E(CW_ENC_VNTAG, 0, 0), E(CW_ENC_ETAG, 0, 0)}, 3},
    {{E(CW_ENC_ETH, 0, 0), E(CW_ENC_FABRICPATH, 0, 0), E(CW_ENC_ETH, 0, 0)}, 3},
    {{E(CW_ENC_ETH, 0, 0), E(CW_ENC_LLC, 0, 0)}, 2},
    {{E(CW_ENC_FDDI, 0, 0), E(CW_ENC_LLC, 0, 0)}, 2},
    {{E(CW_ENC_WLAN, 0, CW_WLAN_QOS | CW_WLAN_AMSDU), E(CW_ENC_LLC, 0, 0)}, 2},
    {{E(CW_ENC_RADIOTAP, 0, CW_WLAN_PAD), E(CW_ENC_WLAN, 0, CW_WLAN_QOS | CW_WLAN_PAD),
      E(CW_ENC_LLC, 0, 0)}, 3},
    {{E(CW_ENC_PPI, 0, 0), E(CW_ENC_WLAN, 0, 0), E(CW_ENC_LLC, 0, 0)}, 3},
    {{E(CW_ENC_PPP, 0, 0)}, 1},
    {{E(CW_ENC_CHDLC, 0, 0)}, 1},
    {{E(CW_ENC_NFLOG, 0, 0)}, 1},
    {{E(CW_ENC_ETH, 0, 0), IP4, E(CW_ENC_GRE, 7, CW_GRE_KEY | CW_GRE_SEQ)}, 3},
    {{E(CW_ENC_ETH, 0, 0), IP6, E(CW_ENC_GRE, 0, 0), E(CW_ENC_ETH, 0, 0)}, 4},
    {{E(CW_ENC_ETH, 0, 0), IP4, E(CW_ENC_ERSPAN1, 0, 0), E(CW_ENC_ETH, 0, 0)}, 4},
    {{E(CW_ENC_ETH, 0, 0), IP4, E(CW_ENC_ERSPAN2, 9, 0), E(CW_ENC_ETH, 0, 0)}, 4},
    {{E(CW_ENC_ETH, 0, 0), IP4, E(CW_ENC_ERSPAN3, 9, CW_ERSPAN_SUBHDR), E(CW_ENC_ETH, 0, 0)}, 4},
    {{E(CW_ENC_ETH, 0, 0), IP4, E(CW_ENC_PPTP, 1, 0)}, 3},
    {{E(CW_ENC_ETH, 0, 0), IP4, E(CW_ENC_ARUBA, 0, 0), E(CW_ENC_WLAN, 0, CW_WLAN_QOS),
      E(CW_ENC_LLC, 0, 0)}, 5},
    {{E(CW_ENC_ETH, 0, 0), IP4, UDP(4754), E(CW_ENC_GRE, 0, 0)}, 4},
    {{E(CW_ENC_ETH, 0, 0), IP6}, 2},
    {{IP4}, 1},
    {{E(CW_ENC_ETH, 0, 0), IP4, UDP(4789), E(CW_ENC_VXLAN, 1, 0), E(CW_ENC_ETH, 0, 0)}, 5},
    {{E(CW_ENC_ETH, 0, 0), IP4, UDP(6081), E(CW_ENC_GENEVE, 1, CW_GENEVE_OPT),
      E(CW_ENC_ETH, 0, 0)}, 5},
    {{E(CW_ENC_ETH, 0, 0), IP4, UDP(2152), E(CW_ENC_GTPU, 1, CW_GTPU_EXT)}, 4},
    {{E(CW_ENC_ETH, 0, 0), IP4, UDP(5072), E(CW_ENC_AYIYA, 0, 0)}, 4},
};

/* A Teredo seed needs an IPv6 inside: built apart. */
static const struct cw_layer TEREDO[] = {E(CW_ENC_ETH, 0, 0), IP4, UDP(3544),
                                         E(CW_ENC_TEREDO, 0, CW_TEREDO_ORIGIN)};

static size_t syn(uint8_t *buf, size_t cap, int family)
{
    struct cw_link l = {.linktype = CW_LINK_RAW};
    struct cw_addr s, d;
    cw_addr_parse(&s, family == 6 ? "fd00::1" : "10.0.0.1");
    cw_addr_parse(&d, family == 6 ? "fd00::2" : "10.0.0.2");
    struct cw_tcp t = {.sport = 40000, .dport = 80, .seq = 1, .flags = TCP_SYN, .win = 1024,
                       .opt = cw_no_opts()};
    t.opt.mss = 1460;
    return cw_frame_tcp(buf, cap, &l, &s, &d, 1, &t);
}

static void encap_seed(const char *out, int n, const struct cw_layer *l, size_t nl, int family)
{
    uint8_t ip[128], frame[1024];
    int lt;
    size_t iplen = syn(ip, sizeof ip, family);
    size_t len = cw_encap(frame, sizeof frame, l, nl, ip, iplen, NULL, &lt);
    int li = link_index(lt);
    if (len == 0 || li < 0)
        return;
    char dst[4096];
    uint8_t hdr[2] = {(uint8_t)li, 0};
    snprintf(dst, sizeof dst, "%s/dissect/encap-%d", out, n);
    write_file(dst, hdr, 2, frame, len);
}

static void encap_seeds(const char *out)
{
    int n = 0;
    for (size_t i = 0; i < sizeof STACKS / sizeof *STACKS; i++)
        encap_seed(out, n++, STACKS[i].l, STACKS[i].n, 4);
    encap_seed(out, n++, TEREDO, sizeof TEREDO / sizeof *TEREDO, 6);
}

/* ---- reassembly seeds: flags (MF 1, datagram << 1), offset / 8 (2), length / 4, dt ------- */

static void defrag_seeds(const char *out)
{
    static const uint8_t split[] = {1, 0, 0, 2, 0, 1, 0, 1, 2, 1, 0, 0, 2, 5, 1};
    static const uint8_t reversed[] = {0, 0, 2, 5, 0, 1, 0, 1, 2, 1, 1, 0, 0, 2, 1};
    static const uint8_t overlap[] = {1, 0, 0, 8, 0, 3, 0, 0, 4, 0, 1, 0, 2, 6, 0,
                                      2, 0, 3, 9, 1, 0, 0, 4, 1, 0};
    static const uint8_t conflict[] = {1, 0, 0, 4, 0, 0, 0, 2, 4, 0, 0, 0, 2, 8, 0,
                                       9, 0, 0, 40, 0, 8, 0, 10, 4, 255};
    const struct { const char *name; const uint8_t *b; size_t n; } seeds[] = {
        {"split", split, sizeof split}, {"reversed", reversed, sizeof reversed},
        {"overlap", overlap, sizeof overlap}, {"conflict", conflict, sizeof conflict}};
    char dst[4096];
    for (size_t i = 0; i < sizeof seeds / sizeof *seeds; i++) {
        snprintf(dst, sizeof dst, "%s/defrag/%s", out, seeds[i].name);
        write_file(dst, seeds[i].b, seeds[i].n, NULL, 0);
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: fuzzseeds OUTDIR CAPTURE...\n");
        return 2;
    }
    const char *sub[] = {"capture", "dissect", "analyzer", "defrag"};
    char d[4096];
    mkdir(argv[1], 0755);
    for (int i = 0; i < 4; i++) {
        snprintf(d, sizeof d, "%s/%s", argv[1], sub[i]);
        mkdir(d, 0755);
    }
    encap_seeds(argv[1]);
    defrag_seeds(argv[1]);
    for (int i = 2; i < argc; i++)
        seed_capture(argv[1], argv[i]);
    return 0;
}
