/*
 * ip.c — IPv4 (header length, options, total length, fragments) and IPv6 (fixed header and
 * the extension header chain) decoding.
 *
 * Lengths: ip_len comes from the IP length field(s) and must fit in the frame as it was on
 * the wire (`wire_left`); what was captured may be less (snaplen), which later layers see as
 * ip_caplen. Bytes past ip_len (Ethernet padding) are ignored. A length field of 0 — IPv4 on
 * a host capturing its own TSO segments, or an IPv6 jumbogram — is taken as the frame's size.
 */
#include "dissect/internal.h"

enum { IP6_HOP = 0, IP6_ROUTING = 43, IP6_FRAGMENT = 44, IP6_AH = 51, IP6_NONE = 59,
       IP6_DSTOPTS = 60, IP6_MOBILITY = 135 };

static void addr_set(struct ip_addr *a, uint8_t family, const uint8_t *bytes, unsigned n)
{
    *a = (struct ip_addr){.family = family};
    for (unsigned i = 0; i < n; i++)
        a->bytes[i] = bytes[i];
}

/* Sets ip_len/ip_caplen from the length field (0 = the frame's size). */
static enum dissect_result set_lengths(struct span ip, uint32_t wire_left, uint32_t field,
                                       uint32_t hdr_len, struct packet *out)
{
    uint32_t len = field ? field : wire_left;
    if (len < hdr_len || len > wire_left)
        return DISSECT_BAD_IP_LEN;
    out->ip_len = len;
    out->ip_caplen = ip.len < len ? ip.len : len;
    return DISSECT_OK;
}

static enum dissect_result ipv4(struct span ip, uint32_t wire_left, struct packet *out,
                                uint32_t *l4_off)
{
    uint8_t vihl, ttl, proto;
    uint16_t tot, frag;
    if (ip.len < 20)
        return DISSECT_TRUNC_IP;
    if (!span_u8(ip, 0, &vihl) || !span_be16(ip, 2, &tot) || !span_be16(ip, 6, &frag) ||
        !span_u8(ip, 8, &ttl) || !span_u8(ip, 9, &proto))
        return DISSECT_TRUNC_IP;
    if (vihl >> 4 != 4)
        return DISSECT_BAD_IP_VERSION;
    uint32_t hlen = (uint32_t)(vihl & 0x0F) * 4;
    if (hlen < 20 || hlen > ip.len)
        return DISSECT_BAD_IP_HLEN;
    enum dissect_result r = set_lengths(ip, wire_left, tot, hlen, out);
    if (r != DISSECT_OK)
        return r;
    if ((frag & 0x1FFF) != 0)
        return DISSECT_IP_FRAGMENT;
    out->is_fragment = (frag & 0x2000) != 0;
    out->ip_version = 4;
    out->ttl = ttl;
    out->l4proto = proto;
    addr_set(&out->src, 4, ip.p + 12, 4);
    addr_set(&out->dst, 4, ip.p + 16, 4);
    *l4_off = hlen;
    return DISSECT_OK;
}

/* Length of the extension header at `off` whose type is `nh`; 0 when `nh` is not one. */
static bool ext_len(struct span ip, uint32_t off, uint8_t nh, uint32_t *len)
{
    uint8_t hl;
    if (nh == IP6_FRAGMENT) {
        *len = 8;
        return true;
    }
    if (!span_u8(ip, off + 1, &hl))
        return false;
    *len = nh == IP6_AH ? ((uint32_t)hl + 2) * 4 : ((uint32_t)hl + 1) * 8;
    return true;
}

static bool is_ext(uint8_t nh)
{
    return nh == IP6_HOP || nh == IP6_ROUTING || nh == IP6_FRAGMENT || nh == IP6_AH ||
           nh == IP6_DSTOPTS || nh == IP6_MOBILITY;
}

/* Walks the extension headers from offset 40 up to the upper-layer header. Each header is
 * at least 8 bytes, so the walk ends within ip_len / 8 steps. */
static enum dissect_result ipv6_ext_chain(struct span ip, uint8_t nh, struct packet *out,
                                          uint32_t *l4_off)
{
    uint32_t off = 40;
    struct span hdrs = {ip.p, out->ip_caplen};
    while (is_ext(nh)) {
        uint32_t len;
        uint8_t next;
        uint16_t fragword;
        if (!ext_len(hdrs, off, nh, &len) || !span_u8(hdrs, off, &next) ||
            len > out->ip_len - off || len > hdrs.len - off)
            return DISSECT_TRUNC_IP6_EXT;
        if (nh == IP6_FRAGMENT) {
            if (!span_be16(hdrs, off + 2, &fragword))
                return DISSECT_TRUNC_IP6_EXT;
            if ((fragword & 0xFFF8) != 0)
                return DISSECT_IP_FRAGMENT;
            out->is_fragment = out->is_fragment || (fragword & 1);
        }
        off += len;
        nh = next;
    }
    out->l4proto = nh;
    *l4_off = off;
    return DISSECT_OK;
}

static enum dissect_result ipv6(struct span ip, uint32_t wire_left, struct packet *out,
                                uint32_t *l4_off)
{
    uint8_t v, nh, hlim;
    uint16_t plen;
    if (ip.len < 40)
        return DISSECT_TRUNC_IP;
    if (!span_u8(ip, 0, &v) || !span_be16(ip, 4, &plen) || !span_u8(ip, 6, &nh) ||
        !span_u8(ip, 7, &hlim))
        return DISSECT_TRUNC_IP;
    if (v >> 4 != 6)
        return DISSECT_BAD_IP_VERSION;
    enum dissect_result r = set_lengths(ip, wire_left, plen ? 40u + plen : 0, 40, out);
    if (r != DISSECT_OK)
        return r;
    out->ip_version = 6;
    out->ttl = hlim;
    addr_set(&out->src, 6, ip.p + 8, 16);
    addr_set(&out->dst, 6, ip.p + 24, 16);
    return ipv6_ext_chain(ip, nh, out, l4_off);
}

enum dissect_result ip_decode(struct span ip, uint32_t wire_left, enum net_kind net,
                              struct packet *out, uint32_t *l4_off)
{
    uint8_t v;
    if (net == NET_BY_VERSION) {
        if (!span_u8(ip, 0, &v))
            return DISSECT_TRUNC_IP;
        net = v >> 4 == 6 ? NET_IPV6 : NET_IPV4;   /* any other version: refused by ipv4() */
    }
    out->ip_hdr = ip.p;
    return net == NET_IPV4 ? ipv4(ip, wire_left, out, l4_off) : ipv6(ip, wire_left, out, l4_off);
}
