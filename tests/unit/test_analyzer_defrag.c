/*
 * test_analyzer_defrag.c — IPv4 reassembly (analyzer/ip_defrag.h): datagrams cut into
 * fragments by hand from a packet the capture writer built, given in order, out of order, with
 * overlaps, cut by a snaplen, inside a tunnel; and the bounds: timeouts, the end of input,
 * inconsistent fragments, too many holes, too many datagrams, too many bytes. Every fragment
 * must end in a completed datagram or be counted exactly once.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "analyzer/ip_defrag.h"
#include "tests/lib/capwriter.h"

static uint64_t counts[DISSECT_REASON_COUNT];

static uint64_t dropped(void)
{
    uint64_t n = 0;
    for (int r = 0; r < DISSECT_REASON_COUNT; r++)
        n += counts[r];
    return n;
}

/* An IPv4 datagram: a TCP SYN with `payload` bytes, id `id`. */
static size_t datagram(uint8_t *buf, size_t payload, uint16_t id)
{
    static uint8_t data[3000];
    struct cw_link l = {.linktype = CW_LINK_RAW};
    struct cw_addr s, d;
    cw_addr_parse(&s, "10.1.0.1");
    cw_addr_parse(&d, "10.2.0.2");
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)i;
    struct cw_tcp t = {.sport = 40000, .dport = 80, .seq = 1000, .flags = TCP_SYN,
                       .win = 65535, .opt = cw_no_opts(), .payload = data,
                       .len = (uint32_t)payload};
    t.opt.mss = 1460;
    size_t n = cw_frame_tcp(buf, 4096, &l, &s, &d, id, &t);
    cr_assert_gt(n, 0);
    return n;
}

struct frag {
    uint8_t b[4096];
    size_t n;                 /* bytes captured */
    size_t wire;
};

/* The fragment of datagram d holding data bytes [off, off + len); MF when `more`. */
static struct frag cut(const uint8_t *d, size_t off, size_t len, bool more)
{
    struct frag f;
    memcpy(f.b, d, 20);
    memcpy(f.b + 20, d + 20 + off, len);
    f.n = f.wire = 20 + len;
    f.b[2] = (uint8_t)(f.n >> 8);
    f.b[3] = (uint8_t)f.n;
    uint16_t word = (uint16_t)((more ? 0x2000 : 0) | (off / 8));
    f.b[6] = (uint8_t)(word >> 8);
    f.b[7] = (uint8_t)word;
    return f;
}

/* Adds a fragment at time ts (milliseconds); true when it completed a datagram, decoded in
 * *out. */
static bool add(struct ip_defrag *d, const struct frag *f, int64_t ts, struct packet *out,
                enum dissect_result *res)
{
    struct packet p;
    cr_assert_eq(dissect_packet(101, f->b, (uint32_t)f->n, (uint32_t)f->wire, &p),
                 DISSECT_IP_FRAGMENT);
    return ip_defrag_add(d, &p, ts * 1000, out, res, counts);
}

static struct ip_defrag *fresh(void)
{
    memset(counts, 0, sizeof counts);
    struct ip_defrag *d = ip_defrag_new();
    cr_assert_not_null(d);
    return d;
}

Test(defrag, a_syn_split_inside_its_tcp_header)
{
    uint8_t dg[4096];
    size_t len = datagram(dg, 0, 7);            /* 20 + 24 bytes: TCP header with MSS */
    struct ip_defrag *d = fresh();
    struct packet out;
    enum dissect_result res;
    struct frag a = cut(dg, 0, 8, true), b = cut(dg, 8, 8, true), c = cut(dg, 16, 8, false);
    cr_assert_not(add(d, &a, 1, &out, &res));
    cr_assert_not(add(d, &b, 1, &out, &res));
    cr_assert_eq(ip_defrag_held(d), 2);
    cr_assert(add(d, &c, 1, &out, &res));
    cr_assert_eq(res, DISSECT_OK);
    cr_assert_eq(out.l4proto, IPPROTO_NUM_TCP);
    cr_assert_eq(out.sport, 40000);
    cr_assert_eq(out.dport, 80);
    cr_assert_eq(out.tcp.flags, TCP_SYN);
    cr_assert(out.tcp.has_mss);
    cr_assert_eq(out.tcp.mss, 1460);
    cr_assert_eq(out.ip_len, len);
    cr_assert_eq(ip_defrag_held(d), 0);
    cr_assert_eq(dropped(), 0);
    ip_defrag_free(d);
}

Test(defrag, out_of_order_and_overlapping)
{
    uint8_t dg[4096];
    size_t len = datagram(dg, 1000, 8);
    size_t data = len - 20;
    struct ip_defrag *d = fresh();
    struct packet out;
    enum dissect_result res;
    struct frag last = cut(dg, 800, data - 800, false), mid = cut(dg, 400, 600, true),
                first = cut(dg, 0, 408, true), dup = cut(dg, 400, 8, true);
    cr_assert_not(add(d, &last, 1, &out, &res));
    cr_assert_not(add(d, &dup, 1, &out, &res));
    cr_assert_not(add(d, &mid, 1, &out, &res));
    cr_assert(add(d, &first, 2, &out, &res));
    cr_assert_eq(res, DISSECT_OK);
    cr_assert_eq(out.payload_len, 1000);
    cr_assert_eq(out.payload_caplen, 1000);
    cr_assert_eq(memcmp(out.payload, dg + 20 + 24, 1000), 0);
    cr_assert_eq(dropped(), 0);
    ip_defrag_free(d);
}

Test(defrag, snaplen_cut_fragments_give_the_captured_prefix)
{
    uint8_t dg[4096];
    datagram(dg, 1000, 9);
    struct ip_defrag *d = fresh();
    struct packet out;
    enum dissect_result res;
    struct frag a = cut(dg, 0, 512, true), b = cut(dg, 512, 512, false);
    a.n = 20 + 100;                             /* snaplen 120 */
    b.n = 20 + 100;
    cr_assert_not(add(d, &a, 1, &out, &res));
    cr_assert(add(d, &b, 1, &out, &res));
    cr_assert_eq(res, DISSECT_OK);
    cr_assert_eq(out.payload_len, 1000);
    cr_assert_eq(out.payload_caplen, 100 - 24);

    struct frag c = cut(dg, 0, 512, true), e = cut(dg, 512, 512, false);
    c.n = 20 + 10;                              /* the TCP header is not all there */
    cr_assert_not(add(d, &c, 1, &out, &res));
    cr_assert(add(d, &e, 1, &out, &res));
    cr_assert_eq(res, DISSECT_TRUNC_L4);
    ip_defrag_free(d);
}

Test(defrag, interleaved_datagrams_and_a_tunnel_context)
{
    uint8_t d1[4096], d2[4096];
    datagram(d1, 100, 1);
    datagram(d2, 100, 2);
    struct ip_defrag *d = fresh();
    struct packet p, out;
    enum dissect_result res;
    struct frag a1 = cut(d1, 0, 64, true), a2 = cut(d1, 64, 60, false);
    struct frag b1 = cut(d2, 0, 64, true), b2 = cut(d2, 64, 60, false);
    cr_assert_eq(dissect_packet(101, a1.b, (uint32_t)a1.n, (uint32_t)a1.n, &p),
                 DISSECT_IP_FRAGMENT);
    p.tunnel = (struct tunnel){.kind = TUNNEL_VXLAN, .has_id = true, .id = 5,
                               .src = {4, {192, 0, 2, 1}}, .dst = {4, {192, 0, 2, 2}}};
    p.tunnels = 1;
    cr_assert_not(ip_defrag_add(d, &p, 0, &out, &res, counts));
    cr_assert_not(add(d, &b1, 0, &out, &res));
    cr_assert_not(add(d, &a2, 0, &out, &res));   /* not in the tunnel: another datagram */
    cr_assert(add(d, &b2, 0, &out, &res));
    cr_assert_eq(out.tunnel.kind, TUNNEL_NONE);
    cr_assert_eq(dissect_packet(101, a2.b, (uint32_t)a2.n, (uint32_t)a2.n, &p),
                 DISSECT_IP_FRAGMENT);
    p.tunnel = (struct tunnel){.kind = TUNNEL_VXLAN, .has_id = true, .id = 5,
                               .src = {4, {192, 0, 2, 1}}, .dst = {4, {192, 0, 2, 2}}};
    p.tunnels = 1;
    cr_assert(ip_defrag_add(d, &p, 0, &out, &res, counts));
    cr_assert_eq(res, DISSECT_OK);
    cr_assert_eq(out.tunnel.kind, TUNNEL_VXLAN);
    cr_assert_eq(out.tunnels, 1);
    cr_assert_eq(out.sport, 40000);
    cr_assert_eq(ip_defrag_held(d), 1);          /* a2 without the tunnel */
    ip_defrag_flush(d, counts);
    cr_assert_eq(counts[DISSECT_FRAG_INCOMPLETE], 1);
    ip_defrag_free(d);
}

Test(defrag, timeouts_and_the_end_of_input_count_what_is_held)
{
    uint8_t dg[4096];
    datagram(dg, 100, 3);
    struct ip_defrag *d = fresh();
    struct packet out;
    enum dissect_result res;
    struct frag a = cut(dg, 0, 64, true), b = cut(dg, 64, 16, true), c = cut(dg, 80, 44, false);
    cr_assert_not(add(d, &a, 100000, &out, &res));
    cr_assert_not(add(d, &b, 110000, &out, &res));
    cr_assert_not(add(d, &c, 130000, &out, &res));   /* 30 s after the first: too late */
    cr_assert_eq(counts[DISSECT_FRAG_INCOMPLETE], 2);
    cr_assert_eq(ip_defrag_held(d), 1);
    ip_defrag_flush(d, counts);
    cr_assert_eq(counts[DISSECT_FRAG_INCOMPLETE], 3);
    cr_assert_eq(ip_defrag_held(d), 0);
    ip_defrag_free(d);
}

Test(defrag, inconsistent_fragments_are_bad)
{
    uint8_t dg[4096];
    datagram(dg, 100, 4);
    struct ip_defrag *d = fresh();
    struct packet out;
    enum dissect_result res;
    struct frag a = cut(dg, 0, 32, true), end1 = cut(dg, 64, 60, false),
                end2 = cut(dg, 64, 40, false);
    cr_assert_not(add(d, &a, 1, &out, &res));
    cr_assert_not(add(d, &end1, 1, &out, &res));
    cr_assert_not(add(d, &end2, 1, &out, &res));  /* a second, different end */
    cr_assert_eq(counts[DISSECT_FRAG_BAD], 3);
    cr_assert_eq(ip_defrag_held(d), 0);

    struct frag past = cut(dg, 0, 64, true);      /* offset 65528 + 64 bytes */
    past.b[6] = 0x3F;
    past.b[7] = 0xFF;
    cr_assert_not(add(d, &past, 1, &out, &res));
    cr_assert_eq(counts[DISSECT_FRAG_BAD], 4);
    ip_defrag_free(d);
}

Test(defrag, too_many_holes_are_bad)
{
    uint8_t dg[4096];
    datagram(dg, 2000, 5);
    struct ip_defrag *d = fresh();
    struct packet out;
    enum dissect_result res;
    int n = 0;
    for (size_t off = 0; off < 2000 && dropped() == 0; off += 16, n++) {
        struct frag f = cut(dg, off, 8, true);    /* every other 8 bytes */
        cr_assert_not(add(d, &f, 1, &out, &res));
    }
    cr_assert_eq(n, IP_DEFRAG_MAX_HOLES + 2);
    cr_assert_eq(counts[DISSECT_FRAG_BAD], (uint64_t)n);
    cr_assert_eq(ip_defrag_held(d), 0);
    ip_defrag_free(d);
}

Test(defrag, the_oldest_makes_room)
{
    uint8_t dg[4096];
    struct ip_defrag *d = fresh();
    struct packet out;
    enum dissect_result res;
    for (int i = 0; i <= IP_DEFRAG_MAX_DATAGRAMS; i++) {
        datagram(dg, 100, (uint16_t)(1000 + i));
        struct frag f = cut(dg, 0, 64, true);
        cr_assert_not(add(d, &f, i, &out, &res));
    }
    cr_assert_eq(counts[DISSECT_FRAG_LIMIT], 1);
    cr_assert_eq(ip_defrag_held(d), IP_DEFRAG_MAX_DATAGRAMS);
    datagram(dg, 100, 1000);                    /* the first: dropped, so this starts anew */
    struct frag end = cut(dg, 64, 60, false);
    cr_assert_not(add(d, &end, 300, &out, &res));
    datagram(dg, 100, 1100);
    struct frag end2 = cut(dg, 64, 60, false);  /* still held: completes */
    cr_assert(add(d, &end2, 300, &out, &res));
    ip_defrag_free(d);

    /* bytes: datagrams of 60,000 bytes, each only begun at their end */
    d = fresh();
    int held = 0;
    for (int i = 0; i < 100; i++) {
        struct frag f = cut(dg, 0, 8, true);
        f.b[4] = (uint8_t)i;                    /* identification */
        uint16_t word = 0x2000 | (60000 / 8);
        f.b[6] = (uint8_t)(word >> 8);
        f.b[7] = (uint8_t)word;
        cr_assert_not(add(d, &f, 1, &out, &res));
        held++;
    }
    cr_assert_gt(counts[DISSECT_FRAG_LIMIT], 0);
    cr_assert_leq(ip_defrag_held(d) * 61440ull, IP_DEFRAG_MAX_BYTES + 61440ull);
    cr_assert_eq(ip_defrag_held(d) + counts[DISSECT_FRAG_LIMIT], (uint64_t)held);
    ip_defrag_free(d);
}
