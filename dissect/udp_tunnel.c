/*
 * udp_tunnel.c — tunnels in UDP, found by port (a table; the destination port is tried
 * first, then the source port): VXLAN (4789, RFC 7348), Geneve (6081, RFC 8926), GTP-U
 * (2152, 3GPP TS 29.281), Teredo (3544, RFC 4380), AYIYA (5072), GRE in UDP (4754, RFC 8086).
 *
 * A port says little by itself, so each decoder first checks that the datagram looks like its
 * protocol; when it does not (or carries no packet: a GTP echo, a Teredo bubble without
 * IPv6, ...) the datagram stays a plain UDP packet (c->next stays PR_DONE). When it does,
 * bytes missing from the capture are trunc_encap and a malformed header bad_encap.
 */
#include "dissect/internal.h"

/* Enters the tunnel, then decodes `next` at `hdr_len` bytes into the UDP payload. */
static enum dissect_result enter(struct cursor *c, struct packet *out, enum tunnel_kind kind,
                                 bool has_id, bool keyed, uint32_t id, uint32_t hdr_len,
                                 enum proto next)
{
    enum dissect_result r = tunnel_enter(out, kind, has_id, keyed, id);
    return r != DISSECT_OK ? r : cur_next(c, hdr_len, next);
}

/* Flags (I: a VNI is present), reserved, VNI (24 bits), reserved; an Ethernet frame. */
static enum dissect_result vxlan(struct cursor *c, struct packet *out)
{
    struct span h = cur_span(c);
    uint8_t flags;
    uint32_t vni;
    if (cur_wire_left(c) < 8 + 14)
        return DISSECT_OK;
    if (!span_u8(h, 0, &flags) || !span_be32(h, 4, &vni))
        return DISSECT_TRUNC_ENCAP;
    if (!(flags & 0x08))
        return DISSECT_OK;
    return enter(c, out, TUNNEL_VXLAN, true, true, vni >> 8, 8, PR_ETHERNET);
}

/* Version (0) and options length, flags, protocol (an ethertype), VNI, options. */
static enum dissect_result geneve(struct cursor *c, struct packet *out)
{
    struct span h = cur_span(c);
    uint8_t first;
    uint16_t proto;
    uint32_t vni;
    if (cur_wire_left(c) < 8)
        return DISSECT_OK;
    if (!span_u8(h, 0, &first) || !span_be16(h, 2, &proto) || !span_be32(h, 4, &vni))
        return DISSECT_TRUNC_ENCAP;
    if (first >> 6 != 0)
        return DISSECT_OK;
    uint32_t len = 8 + (uint32_t)(first & 0x3F) * 4;
    if (len > cur_wire_left(c))
        return DISSECT_BAD_ENCAP;
    enum dissect_result r = tunnel_enter(out, TUNNEL_GENEVE, true, true, vni >> 8);
    return r != DISSECT_OK ? r : cur_next_ethertype(c, len, proto);
}

/* GTPv1-U: version 1 and PT 1, message type 255 (G-PDU: user data), length, TEID; with any
 * of E, S, PN set, 4 more bytes ending in the first extension header's type; extension
 * headers (a length in 4-byte units, ending in the next one's type). Then an IP packet. The
 * TEID is the receiver's choice, so each direction has its own: it does not name the tunnel. */
static enum dissect_result gtpu(struct cursor *c, struct packet *out)
{
    struct span h = cur_span(c);
    uint8_t flags, type, ext, units;
    uint32_t teid, off = 8;
    if (cur_wire_left(c) < 8)
        return DISSECT_OK;
    if (!span_u8(h, 0, &flags) || !span_u8(h, 1, &type) || !span_be32(h, 4, &teid))
        return DISSECT_TRUNC_ENCAP;
    if (flags >> 5 != 1 || !(flags & 0x10) || type != 0xFF)
        return DISSECT_OK;
    if (flags & 0x07) {
        if (!span_u8(h, 11, &ext))
            return DISSECT_TRUNC_ENCAP;
        /* each extension header is at least 4 bytes: the walk ends within caplen / 4 steps */
        for (off = 12; ext != 0; off += units * 4u) {
            if (!span_u8(h, off, &units))
                return DISSECT_TRUNC_ENCAP;
            if (units == 0)
                return DISSECT_BAD_ENCAP;
            if (!span_u8(h, off + units * 4u - 1, &ext))
                return DISSECT_TRUNC_ENCAP;
        }
    }
    return enter(c, out, TUNNEL_GTPU, true, false, teid, off, PR_IP);
}

/* Optional authentication (0x0001) and origin indication (0x0000) headers, then an IPv6
 * packet that fills the rest of the datagram: the test that tells Teredo from other UDP. */
static enum dissect_result teredo(struct cursor *c, struct packet *out)
{
    struct span h = cur_span(c);
    uint32_t off = 0, left = cur_wire_left(c);
    uint16_t ind, plen;
    uint8_t id_len, auth_len, version;
    if (span_be16(h, off, &ind) && ind == 0x0001 && span_u8(h, 2, &id_len) &&
        span_u8(h, 3, &auth_len))
        off = 4u + id_len + auth_len + 9;                     /* nonce (8), confirmation (1) */
    if (span_be16(h, off, &ind) && ind == 0x0000)
        off += 8;                                             /* port and address */
    if (left < off + 40)
        return DISSECT_OK;
    if (!span_u8(h, off, &version) || !span_be16(h, off + 4, &plen))
        return DISSECT_TRUNC_ENCAP;
    if (version >> 4 != 6 || off + 40 + plen != left)
        return DISSECT_OK;
    return enter(c, out, TUNNEL_TEREDO, false, false, 0, off, PR_IPV6);
}

/* AYIYA: identity length (2^n bytes) and type, signature length (4n bytes) and hash, auth
 * method and opcode (1: forward), next header (4 or 41), epoch, identity, signature. */
static enum dissect_result ayiya(struct cursor *c, struct packet *out)
{
    struct span h = cur_span(c);
    uint8_t id, sig, op, next;
    if (cur_wire_left(c) < 8)
        return DISSECT_OK;
    if (!span_u8(h, 0, &id) || !span_u8(h, 1, &sig) || !span_u8(h, 2, &op) ||
        !span_u8(h, 3, &next))
        return DISSECT_TRUNC_ENCAP;
    uint32_t len = 8 + (1u << (id >> 4)) + (uint32_t)(sig >> 4) * 4;
    if ((op & 0x0F) != 1 || (next != 4 && next != 41) || len > cur_wire_left(c))
        return DISSECT_OK;
    return enter(c, out, TUNNEL_AYIYA, false, false, 0, len, next == 4 ? PR_IPV4 : PR_IPV6);
}

/* GRE in UDP: a GRE header (gre.c) with no bits set but C, K and S, version 0. */
static enum dissect_result gre_in_udp(struct cursor *c, struct packet *out)
{
    uint16_t flags;
    (void)out;
    if (cur_wire_left(c) < 4)
        return DISSECT_OK;
    if (!span_be16(cur_span(c), 0, &flags))
        return DISSECT_TRUNC_ENCAP;
    if ((flags & 0x4FFF) != 0)
        return DISSECT_OK;
    return cur_next(c, 0, PR_GRE);
}

static const struct {
    uint16_t port;
    enum dissect_result (*decode)(struct cursor *c, struct packet *out);
} UDP_TUNNELS[] = {
    {4789, vxlan}, {6081, geneve}, {2152, gtpu}, {3544, teredo}, {5072, ayiya},
    {4754, gre_in_udp},
};

static int tunnel_index(uint16_t port)
{
    for (int i = 0; i < (int)(sizeof UDP_TUNNELS / sizeof *UDP_TUNNELS); i++)
        if (UDP_TUNNELS[i].port == port)
            return i;
    return -1;
}

enum dissect_result udp_tunnel_decode(struct cursor *c, struct packet *out)
{
    int i = tunnel_index(out->dport);
    if (i < 0)
        i = tunnel_index(out->sport);
    return i < 0 ? DISSECT_OK : UDP_TUNNELS[i].decode(c, out);
}
