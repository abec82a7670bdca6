/*
 * ether.c — Ethernet and what ethertypes name: the ethertype table, 802.1Q/802.1ad VLAN tags
 * (at most DISSECT_MAX_VLAN per Ethernet header), VN-Tag, 802.1BR E-Tag, 802.1ah PBB
 * (I-Tag, then the customer's frame), Cisco FabricPath, and 802.2 LLC with SNAP (802.3 frames,
 * FDDI, 802.11).
 *
 * Truncation inside an Ethernet, VLAN or LLC header is trunc_link; inside a VN-Tag, E-Tag,
 * I-Tag or FabricPath header trunc_encap.
 */
#include "dissect/internal.h"

/* Ethertypes finscope decodes, and the protocol each names; IPv4 first (the common case). */
static const struct { uint16_t type; uint8_t next; } ETHERTYPES[] = {
    {0x0800, PR_IPV4}, {0x86DD, PR_IPV6}, {0x8100, PR_VLAN}, {0x88A8, PR_VLAN},
    {0x9100, PR_VLAN}, {0x8847, PR_MPLS}, {0x8848, PR_MPLS}, {0x8864, PR_PPPOE},
    {0x88E7, PR_PBB}, {0x8926, PR_VNTAG}, {0x893F, PR_ETAG}, {0x8903, PR_FABRICPATH},
    {0x6558, PR_ETHERNET},    /* transparent Ethernet bridging (GRE, Geneve) */
    {0x880B, PR_PPP_FRAMED},  /* PPP (GRE) */
};

static int ethertype_index(uint16_t type)
{
    for (int i = 0; i < (int)(sizeof ETHERTYPES / sizeof *ETHERTYPES); i++)
        if (ETHERTYPES[i].type == type)
            return i;
    return -1;
}

bool ethertype_known(uint16_t type)
{
    return ethertype_index(type) >= 0 || type == 0x0806;   /* ARP: a frame, if not IP */
}

enum dissect_result cur_next_ethertype(struct cursor *c, uint32_t n, uint16_t type)
{
    int i = ethertype_index(type);
    if (i < 0)
        return DISSECT_NOT_IP;   /* ARP, LLDP, ... */
    return cur_next(c, n, (enum proto)ETHERTYPES[i].next);
}

/* What follows a type-or-length field: an ethertype, or (a length up to 1500) 802.2 LLC. */
static enum dissect_result type_or_length(struct cursor *c, uint32_t n, uint16_t type)
{
    if (type <= 1500)
        return cur_next(c, n, PR_LLC);
    return cur_next_ethertype(c, n, type);
}

/* Destination, source, type or length. */
enum dissect_result ether_decode(struct cursor *c, struct packet *out)
{
    uint16_t type;
    (void)out;
    if (!span_be16(cur_span(c), 12, &type))
        return DISSECT_TRUNC_LINK;
    c->vlans = 0;
    return type_or_length(c, 14, type);
}

/* TCI, then the next type. out->vlan is the first VLAN id the frame carries. */
enum dissect_result vlan_decode(struct cursor *c, struct packet *out)
{
    uint16_t tci, type;
    struct span h = cur_span(c);
    if (c->vlans == DISSECT_MAX_VLAN)
        return DISSECT_VLAN_TOO_DEEP;
    if (!span_be16(h, 0, &tci) || !span_be16(h, 2, &type))
        return DISSECT_TRUNC_LINK;
    c->vlans++;
    if (out->vlan_depth++ == 0)
        out->vlan = tci & 0x0FFF;
    return type_or_length(c, 4, type);
}

/* A tag of `len` bytes (after its ethertype), then the next type. */
static enum dissect_result tag(struct cursor *c, uint32_t len)
{
    uint16_t type;
    if (!span_be16(cur_span(c), len, &type))
        return DISSECT_TRUNC_ENCAP;
    return type_or_length(c, len + 2, type);
}

/* VN-Tag (Cisco, 802.1Qbh): 4 bytes. */
enum dissect_result vntag_decode(struct cursor *c, struct packet *out)
{
    (void)out;
    return tag(c, 4);
}

/* 802.1BR E-Tag: 6 bytes. */
enum dissect_result etag_decode(struct cursor *c, struct packet *out)
{
    (void)out;
    return tag(c, 6);
}

/* 802.1ah I-Tag: flags and I-SID (4 bytes), then the customer's Ethernet header. */
enum dissect_result pbb_decode(struct cursor *c, struct packet *out)
{
    (void)out;
    if (!span_has(cur_span(c), 0, 4))
        return DISSECT_TRUNC_ENCAP;
    return cur_next(c, 4, PR_ETHERNET);
}

/* Cisco FabricPath: the outer addresses were the Ethernet header's; FTag and TTL (2 bytes),
 * then the original frame's Ethernet header. */
enum dissect_result fabricpath_decode(struct cursor *c, struct packet *out)
{
    (void)out;
    if (!span_has(cur_span(c), 0, 2))
        return DISSECT_TRUNC_ENCAP;
    return cur_next(c, 2, PR_ETHERNET);
}

/* 802.2 LLC: only SNAP (AA AA 03) with an ethertype (OUI 0, RFC 1042, or 00-00-F8, 802.1H)
 * carries IP; other SAPs (spanning tree, NetBIOS, ...) and OUIs (CDP, ...) are not IP. */
enum dissect_result llc_decode(struct cursor *c, struct packet *out)
{
    uint16_t saps, type;
    uint32_t ctrl_oui;
    struct span h = cur_span(c);
    (void)out;
    if (!span_be16(h, 0, &saps) || !span_be32(h, 2, &ctrl_oui))
        return DISSECT_TRUNC_LINK;
    uint32_t oui = ctrl_oui & 0xFFFFFF;
    if (saps != 0xAAAA || ctrl_oui >> 24 != 0x03 || (oui != 0 && oui != 0xF8))
        return DISSECT_NOT_IP;
    if (!span_be16(h, 6, &type))
        return DISSECT_TRUNC_LINK;
    return cur_next_ethertype(c, 8, type);
}
