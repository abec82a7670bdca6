/*
 * capwriter.c — the tests' capture writer: classic pcap files, frames built byte by byte
 * (Ethernet/802.1Q, Linux SLL2, raw IP; IPv4/IPv6; TCP/UDP with correct checksums), and
 * conversations that keep each side's sequence numbers (and may be wrapped in a stack of
 * encapsulations, capwriter_encap.c). See capwriter.h.
 */
#include "tests/lib/capwriter.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#define ETH_HLEN 14
#define VLAN_TAG_LEN 4
#define SLL2_HLEN 20
#define IP4_HLEN 20
#define IP6_HLEN 40
#define TCP_HLEN 20
#define UDP_HLEN 8
#define TCP_MAX_OPTS 40
#define ETHERTYPE_IP4 0x0800
#define ETHERTYPE_IP6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_MAGIC_NS 0xa1b23c4du

/* ---- byte helpers -------------------------------------------------------------------------- */

static void be16(uint8_t *at, uint16_t v)
{
    at[0] = (uint8_t)(v >> 8);
    at[1] = (uint8_t)v;
}

static void be32(uint8_t *at, uint32_t v)
{
    be16(at, (uint16_t)(v >> 16));
    be16(at + 2, (uint16_t)v);
}

static void le16(uint8_t *at, uint16_t v)
{
    at[0] = (uint8_t)v;
    at[1] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *at, uint32_t v)
{
    le16(at, (uint16_t)v);
    le16(at + 2, (uint16_t)(v >> 16));
}

/* Ones' complement sum of big-endian 16-bit words; an odd last byte is padded with zero. */
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

/* ---- pcap file ----------------------------------------------------------------------------- */

static int fail(struct cw_pcap *w, int err)
{
    if (!w->err)
        w->err = err ? err : EIO;
    return -1;
}

int cw_pcap_open(struct cw_pcap *w, const char *path, int linktype, bool nsec)
{
    memset(w, 0, sizeof *w);
    w->linktype = linktype;
    w->nsec = nsec;
    w->now_ns = CW_START_S * 1000000000LL;
    w->step_ns = CW_DEFAULT_STEP_NS;
    w->f = fopen(path, "wb");
    if (!w->f)
        return fail(w, errno);
    uint8_t h[24];
    le32(h, nsec ? PCAP_MAGIC_NS : PCAP_MAGIC_US);
    le16(h + 4, 2);
    le16(h + 6, 4);
    le32(h + 8, 0);             /* thiszone */
    le32(h + 12, 0);            /* sigfigs */
    le32(h + 16, CW_SNAPLEN);
    le32(h + 20, (uint32_t)linktype);
    if (fwrite(h, 1, sizeof h, w->f) != sizeof h)
        return fail(w, errno);
    return 0;
}

static int pcapng_record(struct cw_pcap *w, int64_t ts_ns, const uint8_t *frame,
                         uint32_t caplen, uint32_t wirelen);

int cw_pcap_write_at(struct cw_pcap *w, int64_t ts_ns, const uint8_t *frame, uint32_t caplen,
                     uint32_t wirelen)
{
    if (w->err || !w->f)
        return -1;
    if (caplen == 0 || caplen > CW_SNAPLEN || wirelen < caplen || ts_ns < 0)
        return fail(w, EINVAL);
    if (w->pcapng)
        return pcapng_record(w, ts_ns, frame, caplen, wirelen);
    int64_t sec = ts_ns / 1000000000LL, frac = ts_ns % 1000000000LL;
    if (!w->nsec)
        frac /= 1000;
    uint8_t h[16];
    le32(h, (uint32_t)sec);
    le32(h + 4, (uint32_t)frac);
    le32(h + 8, caplen);
    le32(h + 12, wirelen);
    if (fwrite(h, 1, sizeof h, w->f) != sizeof h || fwrite(frame, 1, caplen, w->f) != caplen)
        return fail(w, errno);
    w->records++;
    return 0;
}

int cw_pcap_write(struct cw_pcap *w, const uint8_t *frame, uint32_t len)
{
    int rc = cw_pcap_write_at(w, w->now_ns, frame, len, len);
    w->now_ns += w->step_ns;
    return rc;
}

void cw_wait(struct cw_pcap *w, int64_t us)
{
    if (us > 0)
        w->now_ns += us * 1000;
}

int cw_pcap_close(struct cw_pcap *w)
{
    if (!w->f)
        return -1;
    if (fclose(w->f) != 0)
        fail(w, errno);
    w->f = NULL;
    return w->err ? -1 : 0;
}

/* ---- pcapng file --------------------------------------------------------------------------- */

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 1u
#define BT_PB 2u
#define BT_SPB 3u
#define BT_NRB 4u
#define BT_ISB 5u
#define BT_EPB 6u
#define BT_CUSTOM 0x00000BADu
#define BT_UNKNOWN 0x00000777u    /* no block has this type: readers skip it */

/* A block body under construction, in the section's byte order. */
struct body {
    uint8_t b[CW_MAX_FRAME + 64];
    uint32_t n;
    bool be;
};

static void put_n(struct body *o, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes && o->n < sizeof o->b; i++) {
        int shift = 8 * (o->be ? bytes - 1 - i : i);
        o->b[o->n++] = (uint8_t)(v >> shift);
    }
}

static void put_bytes(struct body *o, const void *data, uint32_t len)
{
    if (len > sizeof o->b - o->n)
        len = (uint32_t)(sizeof o->b - o->n);
    memcpy(o->b + o->n, data, len);
    o->n += len;
    while (o->n % 4 && o->n < sizeof o->b)
        o->b[o->n++] = 0;
}

int cw_pcapng_raw(struct cw_pcap *w, const void *bytes, uint32_t len)
{
    if (w->err || !w->f)
        return -1;
    if (fwrite(bytes, 1, len, w->f) != len)
        return fail(w, errno);
    return 0;
}

static int write_block(struct cw_pcap *w, uint32_t type, const struct body *body)
{
    struct body head = {.be = w->big_endian}, tail = {.be = w->big_endian};
    uint32_t total = 12 + body->n;
    put_n(&head, type, 4);
    put_n(&head, total, 4);
    put_n(&tail, total, 4);
    if (cw_pcapng_raw(w, head.b, head.n) || cw_pcapng_raw(w, body->b, body->n) ||
        cw_pcapng_raw(w, tail.b, tail.n))
        return -1;
    return 0;
}

int cw_pcapng_block(struct cw_pcap *w, uint32_t type, const void *data, uint32_t len)
{
    struct body b = {.be = w->big_endian};
    if (len > sizeof b.b - 4)
        return fail(w, EMSGSIZE);
    put_bytes(&b, data, len);
    return write_block(w, type, &b);
}

int cw_pcapng_section(struct cw_pcap *w, bool big_endian)
{
    w->big_endian = big_endian;
    w->nifaces = 0;
    w->iface = 0;
    w->sections++;
    struct body b = {.be = big_endian};
    put_n(&b, 0x1A2B3C4Du, 4);
    put_n(&b, 1, 2);              /* version 1.0 */
    put_n(&b, 0, 2);
    put_n(&b, UINT64_MAX, 8);     /* section length not given */
    return write_block(w, BT_SHB, &b);
}

int cw_pcapng_open(struct cw_pcap *w, const char *path, bool big_endian)
{
    memset(w, 0, sizeof *w);
    w->pcapng = true;
    w->linktype = -1;
    w->now_ns = CW_START_S * 1000000000LL;
    w->step_ns = CW_DEFAULT_STEP_NS;
    w->f = fopen(path, "wb");
    if (!w->f)
        return fail(w, errno);
    return cw_pcapng_section(w, big_endian);
}

static void put_option(struct body *b, uint16_t code, uint64_t v, int bytes)
{
    put_n(b, code, 2);
    put_n(b, (uint64_t)bytes, 2);
    put_n(b, v, bytes);
    while (b->n % 4)
        b->b[b->n++] = 0;
}

int cw_pcapng_interface(struct cw_pcap *w, const struct cw_iface *ifc)
{
    if (w->nifaces >= CW_MAX_IFACES)
        return fail(w, EINVAL);
    struct body b = {.be = w->big_endian};
    put_n(&b, (uint64_t)ifc->linktype, 2);
    put_n(&b, 0, 2);
    put_n(&b, ifc->snaplen, 4);
    bool options = ifc->tsresol >= 0 || ifc->tsoffset != 0;
    if (ifc->tsresol >= 0)
        put_option(&b, 9, (uint64_t)ifc->tsresol, 1);
    if (ifc->tsoffset != 0)
        put_option(&b, 14, (uint64_t)ifc->tsoffset, 8);
    if (options)
        put_n(&b, 0, 4);          /* opt_endofopt */
    if (write_block(w, BT_IDB, &b) != 0)
        return -1;
    w->ifaces[w->nifaces] = *ifc;
    cw_pcapng_use(w, w->nifaces, w->block);
    return (int)w->nifaces++;
}

void cw_pcapng_use(struct cw_pcap *w, uint32_t iface, enum cw_block block)
{
    w->iface = iface;
    w->block = block;
    w->linktype = w->ifaces[iface < CW_MAX_IFACES ? iface : 0].linktype;
}

/* Unix nanoseconds -> ticks of the interface (if_tsresol), less its if_tsoffset. */
static uint64_t ticks_of(const struct cw_iface *ifc, int64_t ts_ns)
{
    unsigned __int128 units = 1;
    int exp = ifc->tsresol < 0 ? 6 : ifc->tsresol & 0x7f;
    for (int i = 0; i < exp; i++)
        units *= (ifc->tsresol >= 0 && (ifc->tsresol & 0x80)) ? 2 : 10;
    __int128 rel = (__int128)ts_ns - (__int128)ifc->tsoffset * 1000000000;
    return rel <= 0 ? 0 : (uint64_t)((unsigned __int128)rel * units / 1000000000u);
}

static void spread_next(struct cw_pcap *w);

static int pcapng_record(struct cw_pcap *w, int64_t ts_ns, const uint8_t *frame,
                         uint32_t caplen, uint32_t wirelen)
{
    if (w->iface >= w->nifaces)
        return fail(w, EINVAL);
    const struct cw_iface *ifc = &w->ifaces[w->iface];
    if (ifc->snaplen && caplen > ifc->snaplen)
        caplen = ifc->snaplen;
    uint64_t ticks = ticks_of(ifc, ts_ns);
    struct body b = {.be = w->big_endian};
    uint32_t type = w->block == CW_SPB ? BT_SPB : w->block == CW_PB ? BT_PB : BT_EPB;
    if (w->block == CW_EPB)
        put_n(&b, w->iface, 4);
    if (w->block == CW_PB) {
        put_n(&b, w->iface, 2);
        put_n(&b, 0, 2);          /* drops count */
    }
    if (w->block != CW_SPB) {
        put_n(&b, ticks >> 32, 4);
        put_n(&b, ticks & 0xffffffffu, 4);
        put_n(&b, caplen, 4);
    }
    put_n(&b, wirelen, 4);
    put_bytes(&b, frame, caplen);
    if (write_block(w, type, &b) != 0)
        return -1;
    w->records++;
    if (w->nspread)
        spread_next(w);
    return 0;
}

/* Between sections of a spread file: blocks every reader must skip. */
static void spread_filler(struct cw_pcap *w)
{
    static const uint8_t nrb[] = {0, 0, 0, 0};          /* nrb_record_end only */
    static const uint8_t isb[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};  /* iface 0, ts 0 */
    static const uint8_t custom[] = {0x00, 0x00, 0x7e, 0xd9, 'f', 's', 'c', 'p'};  /* PEN */
    static const uint8_t unknown[] = {1, 2, 3, 4, 5, 6};
    cw_pcapng_block(w, BT_NRB, nrb, sizeof nrb);
    if (w->nifaces > 0)
        cw_pcapng_block(w, BT_ISB, isb, sizeof isb);
    cw_pcapng_block(w, BT_CUSTOM, custom, sizeof custom);
    cw_pcapng_block(w, BT_UNKNOWN, unknown, sizeof unknown);
}

/* Picks the interface of the next record; a new section every section_every records. */
static void spread_next(struct cw_pcap *w)
{
    uint64_t r = w->records;
    if (w->section_every && r % w->section_every == 0) {
        spread_filler(w);
        cw_pcapng_section(w, !w->big_endian);
        uint32_t turn = w->sections % w->nspread;
        for (uint32_t k = 0; k < w->nspread; k++)
            cw_pcapng_interface(w, &w->spread[(k + turn) % w->nspread]);
    }
    uint64_t in_section = w->section_every ? r % w->section_every : r;
    cw_pcapng_use(w, (uint32_t)(in_section % w->nifaces), r % 2 ? CW_PB : CW_EPB);
}

int cw_pcapng_open_spread(struct cw_pcap *w, const char *path, const struct cw_iface *ifaces,
                          uint32_t n, uint32_t section_every)
{
    if (cw_pcapng_open(w, path, false) != 0)
        return -1;
    if (n == 0 || n > CW_MAX_IFACES)
        return fail(w, EINVAL);
    memcpy(w->spread, ifaces, n * sizeof *ifaces);
    w->nspread = n;
    w->section_every = section_every;
    spread_filler(w);
    for (uint32_t k = 0; k < n; k++)
        cw_pcapng_interface(w, &ifaces[k]);
    cw_pcapng_use(w, 0, CW_EPB);
    return w->err ? -1 : 0;
}

/* ---- addresses and options ----------------------------------------------------------------- */

int cw_addr_parse(struct cw_addr *a, const char *text)
{
    memset(a, 0, sizeof *a);
    if (inet_pton(AF_INET, text, a->b) == 1) {
        a->family = 4;
        return 0;
    }
    if (inet_pton(AF_INET6, text, a->b) == 1) {
        a->family = 6;
        return 0;
    }
    return -1;
}

struct cw_tcp_opts cw_no_opts(void)
{
    struct cw_tcp_opts o;
    memset(&o, 0, sizeof o);
    o.wscale = -1;
    return o;
}

/* Encodes the options (NOP-padded to a multiple of 4) into out; returns their length, or -1 when
 * they do not fit in the 40 bytes a TCP header allows. */
static int tcp_options(const struct cw_tcp_opts *o, uint8_t out[TCP_MAX_OPTS])
{
    uint8_t tmp[64];
    size_t n = 0;
    if (o->mss) {
        tmp[n++] = 2;
        tmp[n++] = 4;
        be16(tmp + n, o->mss);
        n += 2;
    }
    if (o->sack_perm) {
        tmp[n++] = 1;
        tmp[n++] = 1;
        tmp[n++] = 4;
        tmp[n++] = 2;
    }
    if (o->ts) {
        tmp[n++] = 1;
        tmp[n++] = 1;
        tmp[n++] = 8;
        tmp[n++] = 10;
        be32(tmp + n, o->tsval);
        be32(tmp + n + 4, o->tsecr);
        n += 8;
    }
    if (o->wscale >= 0) {
        tmp[n++] = 1;
        tmp[n++] = 3;
        tmp[n++] = 3;
        tmp[n++] = (uint8_t)o->wscale;
    }
    if (o->nsack > 4)
        return -1;
    if (o->nsack) {
        tmp[n++] = 1;
        tmp[n++] = 1;
        tmp[n++] = 5;
        tmp[n++] = (uint8_t)(2 + 8 * o->nsack);
        for (uint8_t i = 0; i < o->nsack; i++) {
            be32(tmp + n, o->sack[i][0]);
            be32(tmp + n + 4, o->sack[i][1]);
            n += 8;
        }
    }
    while (n % 4)
        tmp[n++] = 1;
    if (n > TCP_MAX_OPTS)
        return -1;
    memcpy(out, tmp, n);
    return (int)n;
}

/* ---- frame layers -------------------------------------------------------------------------- */

static size_t link_hlen(const struct cw_link *l)
{
    switch (l->linktype) {
    case CW_LINK_EN10MB: return ETH_HLEN + (size_t)l->nvlan * VLAN_TAG_LEN;
    case CW_LINK_LINUX_SLL2: return SLL2_HLEN;
    case CW_LINK_RAW: return 0;
    default: return (size_t)-1;
    }
}

static void link_header(uint8_t *at, const struct cw_link *l, uint16_t ethertype)
{
    if (l->linktype == CW_LINK_EN10MB) {
        memcpy(at, l->dst_mac, 6);
        memcpy(at + 6, l->src_mac, 6);
        size_t off = 12;
        for (uint8_t i = 0; i < l->nvlan; i++, off += VLAN_TAG_LEN) {
            be16(at + off, ETHERTYPE_VLAN);
            be16(at + off + 2, (uint16_t)(l->vlan[i] & 0x0fff));
        }
        be16(at + off, ethertype);
    } else if (l->linktype == CW_LINK_LINUX_SLL2) {
        be16(at, ethertype);    /* protocol type */
        be16(at + 2, 0);        /* reserved */
        be32(at + 4, l->sll_ifindex);
        be16(at + 8, 1);        /* ARPHRD_ETHER */
        at[10] = l->sll_pkttype;
        at[11] = 6;             /* link-layer address length */
        memset(at + 12, 0, 8);
        memcpy(at + 12, l->src_mac, 6);
    }
}

size_t cw_ip_header(uint8_t *at, const struct cw_addr *src, const struct cw_addr *dst,
                    uint8_t proto, uint16_t ip_id, uint8_t ttl, size_t l4len)
{
    if (src->family == 4) {
        memset(at, 0, IP4_HLEN);
        at[0] = 0x45;
        be16(at + 2, (uint16_t)(IP4_HLEN + l4len));
        be16(at + 4, ip_id);
        be16(at + 6, 0x4000);   /* DF */
        at[8] = ttl;
        at[9] = proto;
        memcpy(at + 12, src->b, 4);
        memcpy(at + 16, dst->b, 4);
        be16(at + 10, fold(sum16(0, at, IP4_HLEN)));
        return IP4_HLEN;
    }
    memset(at, 0, IP6_HLEN);
    at[0] = 0x60;
    be16(at + 4, (uint16_t)l4len);
    at[6] = proto;
    at[7] = ttl;
    memcpy(at + 8, src->b, 16);
    memcpy(at + 24, dst->b, 16);
    return IP6_HLEN;
}

/* Checksum of an L4 segment with the IPv4 or IPv6 pseudo-header. */
static uint16_t l4_checksum(const struct cw_addr *src, const struct cw_addr *dst, uint8_t proto,
                            const uint8_t *seg, size_t len)
{
    size_t alen = src->family == 4 ? 4 : 16;
    uint32_t sum = sum16(0, src->b, alen);
    sum = sum16(sum, dst->b, alen);
    sum += proto;
    sum += (uint32_t)(len & 0xffff) + (uint32_t)(len >> 16);
    return fold(sum16(sum, seg, len));
}

/* Lays out link + IP around an L4 segment of l4len bytes; returns the L4 offset in buf, or
 * (size_t)-1 when it does not fit or the arguments are inconsistent. *total gets the length. */
static size_t frame_layout(size_t cap, const struct cw_link *l, const struct cw_addr *src,
                           const struct cw_addr *dst, size_t l4len, size_t *total)
{
    size_t lh = link_hlen(l);
    if (lh == (size_t)-1 || src->family != dst->family ||
        (src->family != 4 && src->family != 6))
        return (size_t)-1;
    size_t ih = src->family == 4 ? IP4_HLEN : IP6_HLEN;
    if (l4len > 65535 - IP4_HLEN || lh + ih + l4len > cap)
        return (size_t)-1;
    *total = lh + ih + l4len;
    return lh + ih;
}

static void frame_finish(uint8_t *buf, const struct cw_link *l, const struct cw_addr *src,
                         const struct cw_addr *dst, uint8_t proto, uint16_t ip_id, uint8_t ttl,
                         size_t l4len)
{
    link_header(buf, l, src->family == 4 ? ETHERTYPE_IP4 : ETHERTYPE_IP6);
    cw_ip_header(buf + link_hlen(l), src, dst, proto, ip_id, ttl, l4len);
}

size_t cw_frame_tcp(uint8_t *buf, size_t cap, const struct cw_link *l, const struct cw_addr *src,
                    const struct cw_addr *dst, uint16_t ip_id, const struct cw_tcp *t)
{
    return cw_frame_tcp_ttl(buf, cap, l, src, dst, ip_id, CW_DEFAULT_TTL, t);
}

size_t cw_frame_tcp_ttl(uint8_t *buf, size_t cap, const struct cw_link *l,
                        const struct cw_addr *src, const struct cw_addr *dst, uint16_t ip_id,
                        uint8_t ttl, const struct cw_tcp *t)
{
    uint8_t opts[TCP_MAX_OPTS];
    int olen = tcp_options(&t->opt, opts);
    if (olen < 0 || (t->len && !t->payload))
        return 0;
    size_t hlen = TCP_HLEN + (size_t)olen, total = 0;
    size_t off = frame_layout(cap, l, src, dst, hlen + t->len, &total);
    if (off == (size_t)-1)
        return 0;
    uint8_t *tcp = buf + off;
    memset(tcp, 0, TCP_HLEN);
    be16(tcp, t->sport);
    be16(tcp + 2, t->dport);
    be32(tcp + 4, t->seq);
    be32(tcp + 8, t->ack);
    tcp[12] = (uint8_t)((hlen / 4) << 4);
    tcp[13] = t->flags;
    be16(tcp + 14, t->win);
    memcpy(tcp + TCP_HLEN, opts, (size_t)olen);
    if (t->len)
        memcpy(tcp + hlen, t->payload, t->len);
    be16(tcp + 16, l4_checksum(src, dst, IPPROTO_NUM_TCP, tcp, hlen + t->len));
    frame_finish(buf, l, src, dst, IPPROTO_NUM_TCP, ip_id, ttl, hlen + t->len);
    return total;
}

size_t cw_frame_udp(uint8_t *buf, size_t cap, const struct cw_link *l, const struct cw_addr *src,
                    const struct cw_addr *dst, uint16_t ip_id, uint16_t sport, uint16_t dport,
                    const uint8_t *payload, uint32_t len)
{
    size_t total = 0;
    if (len && !payload)
        return 0;
    size_t off = frame_layout(cap, l, src, dst, UDP_HLEN + (size_t)len, &total);
    if (off == (size_t)-1)
        return 0;
    uint8_t *udp = buf + off;
    be16(udp, sport);
    be16(udp + 2, dport);
    be16(udp + 4, (uint16_t)(UDP_HLEN + len));
    be16(udp + 6, 0);
    if (len)
        memcpy(udp + UDP_HLEN, payload, len);
    uint16_t ck = l4_checksum(src, dst, IPPROTO_NUM_UDP, udp, UDP_HLEN + (size_t)len);
    be16(udp + 6, ck ? ck : 0xffff);
    frame_finish(buf, l, src, dst, IPPROTO_NUM_UDP, ip_id, CW_DEFAULT_TTL,
                 UDP_HLEN + (size_t)len);
    return total;
}

/* ---- conversations ------------------------------------------------------------------------- */

static void end_defaults(struct conv_end *e, uint32_t isn, uint8_t mac_last)
{
    e->isn = e->nxt = isn;
    e->win = 65535;
    e->syn_opts = cw_no_opts();
    e->ts = false;
    e->tsval = 100000u + mac_last * 1000u;
    e->ip_id = (uint16_t)(mac_last * 0x1000u + 1);
    e->ttl = CW_DEFAULT_TTL;
    static const uint8_t base[6] = {0x02, 0x00, 0x5e, 0x10, 0x00, 0x00};
    memcpy(e->mac, base, 6);
    e->mac[5] = mac_last;
}

int conv_init(struct conv *c, struct cw_pcap *w, const char *orig_addr, uint16_t oport,
              const char *resp_addr, uint16_t rport)
{
    memset(c, 0, sizeof *c);
    c->w = w;
    end_defaults(&c->end[ORIG], 1000, 1);
    end_defaults(&c->end[RESP], 5000, 2);
    c->end[ORIG].port = oport;
    c->end[RESP].port = rport;
    if (cw_addr_parse(&c->end[ORIG].addr, orig_addr) < 0 ||
        cw_addr_parse(&c->end[RESP].addr, resp_addr) < 0 ||
        c->end[ORIG].addr.family != c->end[RESP].addr.family) {
        fail(w, EINVAL);
        return -1;
    }
    return 0;
}

void conv_isn(struct conv *c, uint32_t orig_isn, uint32_t resp_isn)
{
    c->end[ORIG].isn = c->end[ORIG].nxt = orig_isn;
    c->end[RESP].isn = c->end[RESP].nxt = resp_isn;
}

void conv_syn_opts(struct conv *c, int orig_wscale, int resp_wscale)
{
    int ws[2] = {orig_wscale, resp_wscale};
    for (int d = 0; d < 2; d++) {
        struct cw_tcp_opts *o = &c->end[d].syn_opts;
        o->mss = c->end[d].addr.family == 6 ? 1440 : 1460;
        o->sack_perm = true;
        o->wscale = (int8_t)(ws[d] >= 0 ? (ws[d] > 14 ? 14 : ws[d]) : -1);
    }
}

static struct cw_link conv_link(const struct conv *c, enum conv_dir d)
{
    struct cw_link l;
    memset(&l, 0, sizeof l);
    l.linktype = c->nencap ? CW_LINK_RAW : c->w->linktype;
    memcpy(l.src_mac, c->end[d].mac, 6);
    memcpy(l.dst_mac, c->end[!d].mac, 6);
    l.nvlan = c->nvlan > CW_MAX_VLAN ? CW_MAX_VLAN : c->nvlan;
    memcpy(l.vlan, c->vlan, sizeof l.vlan);
    l.sll_pkttype = d == ORIG ? 4 : 0;   /* captured on the originator's host */
    l.sll_ifindex = 2;
    return l;
}

/* Writes a frame of the conversation, wrapped in its encapsulation when it has one. */
static void conv_write(struct conv *c, enum conv_dir d, const uint8_t *frame, size_t n)
{
    if (n == 0) {
        fail(c->w, EMSGSIZE);
        return;
    }
    if (c->nencap == 0) {
        cw_pcap_write(c->w, frame, (uint32_t)n);
        return;
    }
    const struct cw_layer *layers = d == RESP && c->encap_reply ? c->encap_reply : c->encap;
    uint8_t buf[CW_MAX_FRAME];
    int linktype;
    size_t len = cw_encap(buf, sizeof buf, layers, c->nencap, frame, n, NULL, &linktype);
    if (len == 0 || linktype != c->w->linktype) {
        fail(c->w, EINVAL);
        return;
    }
    cw_pcap_write(c->w, buf, (uint32_t)len);
}

void conv_raw_tcp(struct conv *c, enum conv_dir d, const struct cw_tcp *t)
{
    struct conv_end *from = &c->end[d], *to = &c->end[!d];
    struct cw_tcp seg = *t;
    seg.sport = from->port;
    seg.dport = to->port;
    if (from->ts && !seg.opt.ts) {
        seg.opt.ts = true;
        seg.opt.tsval = from->tsval;
        seg.opt.tsecr = (t->flags & TCP_ACK) ? from->ts_recent : 0;
    }
    if (seg.opt.ts) {
        from->tsval++;
        to->ts_recent = seg.opt.tsval;
    }
    struct cw_link l = conv_link(c, d);
    uint8_t buf[CW_MAX_FRAME];
    size_t n = cw_frame_tcp_ttl(buf, sizeof buf, &l, &from->addr, &to->addr, from->ip_id++,
                                from->ttl, &seg);
    conv_write(c, d, buf, n);
}

/* Sends at (seq, ack) with this side's window, and opts when given (else none). */
static void send_seg(struct conv *c, enum conv_dir d, uint8_t flags, uint32_t seq, uint32_t ack,
                     const void *payload, uint32_t len, const struct cw_tcp_opts *opts)
{
    struct cw_tcp t;
    memset(&t, 0, sizeof t);
    t.seq = seq;
    t.ack = (flags & TCP_ACK) ? ack : 0;
    t.flags = flags;
    t.win = c->end[d].win;
    t.opt = opts ? *opts : cw_no_opts();
    t.payload = payload;
    t.len = len;
    conv_raw_tcp(c, d, &t);
}

void conv_raw(struct conv *c, enum conv_dir d, uint8_t flags, uint32_t seq, uint32_t ack,
              const void *payload, uint32_t len)
{
    send_seg(c, d, flags, seq, ack, payload, len, NULL);
}

void conv_syn(struct conv *c)
{
    struct conv_end *o = &c->end[ORIG];
    send_seg(c, ORIG, TCP_SYN, o->isn, 0, NULL, 0, &o->syn_opts);
    o->nxt = o->isn + 1;
}

void conv_synack(struct conv *c)
{
    struct conv_end *r = &c->end[RESP];
    struct cw_tcp_opts opts = r->syn_opts;
    if (c->end[ORIG].syn_opts.wscale < 0)
        opts.wscale = -1;       /* RFC 7323 §2.2: only in reply to a SYN that had it */
    send_seg(c, RESP, TCP_SYN | TCP_ACK, r->isn, c->end[ORIG].nxt, NULL, 0, &opts);
    r->nxt = r->isn + 1;
}

void conv_handshake(struct conv *c)
{
    conv_syn(c);
    conv_synack(c);
    conv_ack(c, ORIG);
}

void conv_ack(struct conv *c, enum conv_dir d)
{
    send_seg(c, d, TCP_ACK, c->end[d].nxt, c->end[!d].nxt, NULL, 0, NULL);
}

void conv_sendn(struct conv *c, enum conv_dir d, uint8_t flags, const void *data, uint32_t len)
{
    struct conv_end *e = &c->end[d];
    send_seg(c, d, flags, e->nxt, c->end[!d].nxt, data, len, NULL);
    e->nxt += len + ((flags & TCP_SYN) ? 1u : 0u) + ((flags & TCP_FIN) ? 1u : 0u);
}

void conv_send(struct conv *c, enum conv_dir d, uint8_t flags, const char *text)
{
    conv_sendn(c, d, flags, text, (uint32_t)strlen(text));
}

void conv_fin(struct conv *c, enum conv_dir d)
{
    conv_sendn(c, d, TCP_FIN | TCP_ACK, NULL, 0);
}

void conv_rst(struct conv *c, enum conv_dir d, uint8_t extra)
{
    send_seg(c, d, (uint8_t)(TCP_RST | extra), c->end[d].nxt, c->end[!d].nxt, NULL, 0, NULL);
}

void conv_close4(struct conv *c, enum conv_dir d)
{
    conv_fin(c, d);
    conv_ack(c, (enum conv_dir)!d);
    conv_fin(c, (enum conv_dir)!d);
    conv_ack(c, d);
}

void conv_udp(struct conv *c, enum conv_dir d, const void *data, uint32_t len)
{
    struct conv_end *from = &c->end[d], *to = &c->end[!d];
    struct cw_link l = conv_link(c, d);
    uint8_t buf[CW_MAX_FRAME];
    size_t n = cw_frame_udp(buf, sizeof buf, &l, &from->addr, &to->addr, from->ip_id++,
                            from->port, to->port, data, len);
    conv_write(c, d, buf, n);
}

void conv_wait(struct conv *c, int64_t us)
{
    cw_wait(c->w, us);
}
