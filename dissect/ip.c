/*
 * ip.c — IPv4 (header length, options, total length, fragments) and IPv6 (fixed header and
 * the extension header chain, with the final addresses a Routing header or a Home Address
 * option gives) decoding.
 *
 * Lengths: ip_len comes from the IP length field(s) and must fit in the frame as it was on
 * the wire; what was captured may be less (snaplen), which later layers see as ip_caplen.
 * Bytes past ip_len (Ethernet padding, an FCS) are cut from the cursor, so no later header is
 * read from them. A length field of 0 — IPv4 on a host capturing its own TSO segments, or an
 * IPv6 jumbogram — is taken as the frame's size.
 */
#include "dissect/internal.h"

enum { IP6_HOP = 0, IP6_ROUTING = 43, IP6_FRAGMENT = 44, IP6_AH = 51, IP6_NONE = 59,
       IP6_DSTOPTS = 60, IP6_MOBILITY = 135 };
enum { OPT_PAD1 = 0, OPT_HOME_ADDRESS = 0xC9 };

static void addr_set(struct ip_addr *a, uint8_t family, const uint8_t *bytes, unsigned n)
{
    *a = (struct ip_addr){.family = family};
    for (unsigned i = 0; i < n; i++)
        a->bytes[i] = bytes[i];
}

/* Sets ip_len/ip_caplen from the length field (0 = the frame's size), and cuts the cursor to
 * the packet's end. */
static enum dissect_result set_lengths(struct cursor *c, struct span ip, uint32_t field,
                                       uint32_t hdr_len, struct packet *out)
{
    uint32_t wire_left = cur_wire_left(c);
    uint32_t len = field ? field : wire_left;
    if (len < hdr_len || len > wire_left)
        return DISSECT_BAD_IP_LEN;
    out->ip_hdr = ip.p;
    out->ip_len = len;
    out->ip_caplen = ip.len < len ? ip.len : len;
    c->ip_off = c->off;
    c->wire = c->off + len;
    if (c->f.len > c->wire)
        c->f.len = c->wire;
    return DISSECT_OK;
}

/* A fragment: what a reassembler needs (dissect.h); its data is the payload. */
static enum dissect_result fragment(struct packet *out, uint16_t id, uint16_t frag,
                                    uint32_t hlen)
{
    out->frag_id = id;
    out->frag_offset = (uint16_t)((frag & 0x1FFF) * 8);
    out->frag_more = (frag & 0x2000) != 0;
    out->payload_len = out->ip_len - hlen;
    out->payload_caplen = out->ip_caplen - hlen;
    out->payload = out->payload_caplen ? out->ip_hdr + hlen : NULL;
    return DISSECT_IP_FRAGMENT;
}

enum dissect_result ipv4_decode(struct cursor *c, struct packet *out)
{
    struct span ip = cur_span(c);
    uint8_t vihl, ttl, proto;
    uint16_t tot, id, frag;
    if (ip.len < 20)
        return DISSECT_TRUNC_IP;
    if (!span_u8(ip, 0, &vihl) || !span_be16(ip, 2, &tot) || !span_be16(ip, 4, &id) ||
        !span_be16(ip, 6, &frag) || !span_u8(ip, 8, &ttl) || !span_u8(ip, 9, &proto))
        return DISSECT_TRUNC_IP;
    if (vihl >> 4 != 4)
        return DISSECT_BAD_IP_VERSION;
    uint32_t hlen = (uint32_t)(vihl & 0x0F) * 4;
    if (hlen < 20 || hlen > ip.len)
        return DISSECT_BAD_IP_HLEN;
    enum dissect_result r = set_lengths(c, ip, tot, hlen, out);
    if (r != DISSECT_OK)
        return r;
    out->ip_version = 4;
    out->ttl = ttl;
    out->ip_id = id;
    out->l4proto = proto;
    addr_set(&out->src, 4, ip.p + 12, 4);
    addr_set(&out->dst, 4, ip.p + 16, 4);
    if ((frag & 0x3FFF) != 0)   /* MF, or an offset */
        return fragment(out, id, frag, hlen);
    c->off += hlen;
    return l4_decode(c, proto, out);
}

/* Length of the extension header at `off` whose type is `nh`. */
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

/* A Routing header (`h`, whole) still to be followed: the packet is for its last address.
 * Type 0 (RFC 2460, deprecated but still seen) lists hdr_len / 2 addresses; type 2 (Mobile
 * IPv6, RFC 6275) holds the home address. As tshark and Zeek, the flow is keyed on it. */
static void routing_final_dst(struct span h, struct packet *out)
{
    uint8_t hl, type, left;
    if (!span_u8(h, 1, &hl) || !span_u8(h, 2, &type) || !span_u8(h, 3, &left) || left == 0)
        return;
    uint32_t n = type == 0 ? hl / 2u : type == 2 && hl == 2 ? 1 : 0;
    if (n > 0 && span_has(h, 8 + 16 * (n - 1), 16))
        addr_set(&out->dst, 6, h.p + 8 + 16 * (n - 1), 16);
}

/* A Home Address option (RFC 6275 §6.3) in Destination Options `h`: the packet's source is
 * the mobile node's home address. */
static void home_address(struct span h, struct packet *out)
{
    uint8_t type, len;
    for (uint32_t off = 2; span_u8(h, off, &type);) {
        if (type == OPT_PAD1) {   /* one byte, no length */
            off++;
            continue;
        }
        if (!span_u8(h, off + 1, &len))
            return;
        if (type == OPT_HOME_ADDRESS && len == 16 && span_has(h, off + 2, 16))
            addr_set(&out->src, 6, h.p + off + 2, 16);
        off += 2u + len;
    }
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
        struct span h = {hdrs.p + off, len};
        if (nh == IP6_FRAGMENT) {
            if (!span_be16(hdrs, off + 2, &fragword))
                return DISSECT_TRUNC_IP6_EXT;
            if ((fragword & 0xFFF8) != 0)
                return DISSECT_IP_FRAGMENT;
            out->is_fragment = out->is_fragment || (fragword & 1);
        } else if (nh == IP6_ROUTING) {
            routing_final_dst(h, out);
        } else if (nh == IP6_DSTOPTS) {
            home_address(h, out);
        }
        off += len;
        nh = next;
    }
    out->l4proto = nh;
    *l4_off = off;
    return DISSECT_OK;
}

enum dissect_result ipv6_decode(struct cursor *c, struct packet *out)
{
    struct span ip = cur_span(c);
    uint8_t v, nh, hlim;
    uint16_t plen;
    uint32_t l4_off;
    if (ip.len < 40)
        return DISSECT_TRUNC_IP;
    if (!span_u8(ip, 0, &v) || !span_be16(ip, 4, &plen) || !span_u8(ip, 6, &nh) ||
        !span_u8(ip, 7, &hlim))
        return DISSECT_TRUNC_IP;
    if (v >> 4 != 6)
        return DISSECT_BAD_IP_VERSION;
    enum dissect_result r = set_lengths(c, ip, plen ? 40u + plen : 0, 40, out);
    if (r != DISSECT_OK)
        return r;
    out->ip_version = 6;
    out->ttl = hlim;
    out->ip_id = 0;
    addr_set(&out->src, 6, ip.p + 8, 16);
    addr_set(&out->dst, 6, ip.p + 24, 16);
    r = ipv6_ext_chain(ip, nh, out, &l4_off);
    if (r != DISSECT_OK)
        return r;
    c->off += l4_off;
    return l4_decode(c, out->l4proto, out);
}

/* IP of either version, by the version nibble (any other: refused by IPv4's check). */
enum dissect_result ip_any_decode(struct cursor *c, struct packet *out)
{
    uint8_t v;
    if (!span_u8(cur_span(c), 0, &v))
        return DISSECT_TRUNC_IP;
    return v >> 4 == 6 ? ipv6_decode(c, out) : ipv4_decode(c, out);
}
