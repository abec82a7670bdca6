/*
 * gre.c — GRE (RFC 2784, keys and sequence numbers RFC 2890) and what rides in it: a packet
 * of an ethertype (IPv4, IPv6, MPLS, transparent Ethernet bridging 0x6558, ...), ERSPAN
 * type I (0x88BE without a sequence number: the mirrored frame at once), type II (0x88BE, an
 * 8-byte header) and type III (0x22EB, 12 bytes and an optional 8-byte subheader), Aruba's
 * access-point tunnels (0x8200 to 0x8370 in steps of 16: an 802.11 frame, as tshark decodes
 * them), and PPTP's enhanced GRE (version 1, RFC 2637: PPP).
 *
 * Not decoded (bad_encap): RFC 1701 source routing, versions other than 0 and 1, ERSPAN
 * headers of another version. Where GRE runs over UDP (RFC 8086), udp_tunnel.c hands over.
 */
#include "dissect/internal.h"

enum { GRE_C = 0x8000, GRE_R = 0x4000, GRE_K = 0x2000, GRE_S = 0x1000, GRE_A = 0x0080,
       GRE_VERSION = 0x0007 };
enum { GT_ERSPAN = 0x88BE, GT_ERSPAN3 = 0x22EB, GT_PPP = 0x880B };

static bool aruba(uint16_t proto)
{
    return proto >= 0x8200 && proto <= 0x8370 && (proto & 0xF) == 0;
}

/* ERSPAN after a GRE header of `off` bytes; `seq`: GRE carried a sequence number (type II
 * always does, type I never). The session id names the mirror session in both directions. */
static enum dissect_result erspan(struct cursor *c, struct packet *out, struct span h,
                                  uint32_t off, uint16_t proto, bool seq)
{
    uint16_t w0 = 0, w1 = 0;
    uint8_t b10, b11;
    bool has_session = proto == GT_ERSPAN3 || seq;
    enum proto inner = PR_ETHERNET;
    if (has_session && (!span_be16(h, off, &w0) || !span_be16(h, off + 2, &w1)))
        return DISSECT_TRUNC_ENCAP;
    if (proto == GT_ERSPAN && seq) {                          /* type II */
        if (w0 >> 12 != 1)
            return DISSECT_BAD_ENCAP;
        off += 8;
    } else if (proto == GT_ERSPAN3) {                         /* type III */
        if (!span_u8(h, off + 10, &b10) || !span_u8(h, off + 11, &b11))
            return DISSECT_TRUNC_ENCAP;
        uint8_t frame_type = (b10 >> 2) & 0x1F;
        if (w0 >> 12 != 2 || (frame_type != 0 && frame_type != 2))
            return DISSECT_BAD_ENCAP;
        inner = frame_type == 2 ? PR_IP : PR_ETHERNET;
        off += 12 + ((b11 & 1) ? 8 : 0);                      /* O: platform subheader */
    }
    if (!span_has(h, 0, off))
        return DISSECT_TRUNC_ENCAP;
    enum dissect_result r = tunnel_enter(out, TUNNEL_ERSPAN, has_session, true,
                                         has_session ? w1 & 0x3FFu : 0);
    return r != DISSECT_OK ? r : cur_next(c, off, inner);
}

static enum dissect_result gre_v0(struct cursor *c, struct packet *out, struct span h,
                                  uint16_t flags, uint16_t proto)
{
    uint32_t off = 4, key = 0;
    if (flags & GRE_R)
        return DISSECT_BAD_ENCAP;
    if (flags & GRE_C)
        off += 4;                                             /* checksum, reserved */
    if ((flags & GRE_K) && !span_be32(h, off, &key))
        return DISSECT_TRUNC_ENCAP;
    off += (flags & GRE_K) ? 4 : 0;
    off += (flags & GRE_S) ? 4 : 0;
    if (!span_has(h, 0, off))
        return DISSECT_TRUNC_ENCAP;
    if (proto == GT_ERSPAN || proto == GT_ERSPAN3)
        return erspan(c, out, h, off, proto, (flags & GRE_S) != 0);
    enum dissect_result r = tunnel_enter(out, TUNNEL_GRE, (flags & GRE_K) != 0, true, key);
    if (r != DISSECT_OK)
        return r;
    if (aruba(proto))
        return cur_next(c, off, PR_WLAN);
    return cur_next_ethertype(c, off, proto);
}

/* PPTP (RFC 2637 §4.1): key present, holding the payload length and the peer's call id;
 * optional sequence and acknowledgment numbers; PPP. A packet with no payload only
 * acknowledges. The call id differs by direction, so it does not name the tunnel. */
static enum dissect_result pptp(struct cursor *c, struct packet *out, struct span h,
                                uint16_t flags, uint16_t proto)
{
    uint16_t payload_len;
    if (proto != GT_PPP || !(flags & GRE_K) || (flags & (GRE_C | GRE_R)))
        return DISSECT_BAD_ENCAP;
    if (!span_be16(h, 4, &payload_len))
        return DISSECT_TRUNC_ENCAP;
    uint32_t off = 8 + ((flags & GRE_S) ? 4u : 0u) + ((flags & GRE_A) ? 4u : 0u);
    if (payload_len == 0)
        return DISSECT_NOT_IP;
    if (!span_has(h, 0, off))
        return DISSECT_TRUNC_ENCAP;
    enum dissect_result r = tunnel_enter(out, TUNNEL_PPTP, false, false, 0);
    return r != DISSECT_OK ? r : cur_next(c, off, PR_PPP_FRAMED);
}

enum dissect_result gre_decode(struct cursor *c, struct packet *out)
{
    struct span h = cur_span(c);
    uint16_t flags, proto;
    if (!span_be16(h, 0, &flags) || !span_be16(h, 2, &proto))
        return DISSECT_TRUNC_ENCAP;
    switch (flags & GRE_VERSION) {
    case 0: return gre_v0(c, out, h, flags, proto);
    case 1: return pptp(c, out, h, flags, proto);
    default: return DISSECT_BAD_ENCAP;
    }
}
