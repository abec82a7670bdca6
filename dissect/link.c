/*
 * link.c — link-layer headers: Ethernet (with up to DISSECT_MAX_VLAN stacked 802.1Q/802.1ad
 * tags), Linux cooked capture v1 and v2, raw IP, and BSD loopback (DLT_NULL, DLT_LOOP).
 *
 * Each decoder finds where the IP header starts and which IP version the link claims; it
 * reads only through the span accessors.
 */
#include "dissect/internal.h"

enum {
    LT_NULL = 0, LT_EN10MB = 1, LT_RAW_12 = 12, LT_RAW_14 = 14, LT_RAW = 101,
    LT_LOOP = 108, LT_LINUX_SLL = 113, LT_IPV4 = 228, LT_IPV6 = 229, LT_LINUX_SLL2 = 276,
};

enum { ETH_IPV4 = 0x0800, ETH_IPV6 = 0x86DD, ETH_8021Q = 0x8100, ETH_8021AD = 0x88A8,
       ETH_QINQ_OLD = 0x9100 };

static bool is_vlan_type(uint16_t t)
{
    return t == ETH_8021Q || t == ETH_8021AD || t == ETH_QINQ_OLD;
}

/* Walks VLAN tags starting with ethertype `type` at frame offset `off` (the type's own
 * offset is off - 2); sets lr from the first non-VLAN ethertype. */
static enum dissect_result ethertype_walk(struct span f, uint32_t off, uint16_t type,
                                          struct packet *out, struct link_result *lr)
{
    while (is_vlan_type(type)) {
        uint16_t tci;
        if (out->vlan_depth == DISSECT_MAX_VLAN)
            return DISSECT_VLAN_TOO_DEEP;
        if (!span_be16(f, off, &tci) || !span_be16(f, off + 2, &type))
            return DISSECT_TRUNC_LINK;
        if (out->vlan_depth++ == 0)
            out->vlan = tci & 0x0FFF;
        off += 4;
    }
    if (type == ETH_IPV4)
        lr->net = NET_IPV4;
    else if (type == ETH_IPV6)
        lr->net = NET_IPV6;
    else
        return DISSECT_NOT_IP;
    lr->offset = off;
    return DISSECT_OK;
}

static enum dissect_result ethernet(struct span f, struct packet *out, struct link_result *lr)
{
    uint16_t type;
    if (!span_be16(f, 12, &type))
        return DISSECT_TRUNC_LINK;
    return ethertype_walk(f, 14, type, out, lr);
}

/* Linux cooked v1: 16 bytes, protocol (an ethertype) in the last two. */
static enum dissect_result linux_sll(struct span f, struct packet *out, struct link_result *lr)
{
    uint16_t type;
    if (!span_be16(f, 14, &type))
        return DISSECT_TRUNC_LINK;
    return ethertype_walk(f, 16, type, out, lr);
}

/* Linux cooked v2: 20 bytes, protocol (an ethertype) in the first two. */
static enum dissect_result linux_sll2(struct span f, struct packet *out, struct link_result *lr)
{
    uint16_t type;
    if (f.len < 20 || !span_be16(f, 0, &type))
        return DISSECT_TRUNC_LINK;
    return ethertype_walk(f, 20, type, out, lr);
}

/* Address families BSD loopback headers use for IPv4 and IPv6 (they differ by OS). */
static enum dissect_result family_net(uint32_t fam, struct link_result *lr)
{
    if (fam == 2)
        lr->net = NET_IPV4;
    else if (fam == 10 || fam == 24 || fam == 28 || fam == 30)
        lr->net = NET_IPV6;   /* Linux, NetBSD/OpenBSD, FreeBSD, Darwin */
    else
        return DISSECT_BAD_LINK;
    lr->offset = 4;
    return DISSECT_OK;
}

/* DLT_NULL: the family is in the capturing host's byte order, which the file does not say. */
static enum dissect_result bsd_null(struct span f, struct link_result *lr)
{
    uint32_t be;
    if (!span_be32(f, 0, &be))
        return DISSECT_TRUNC_LINK;
    uint32_t le = (be >> 24) | ((be >> 8) & 0xFF00) | ((be << 8) & 0xFF0000) | (be << 24);
    return family_net(le < be ? le : be, lr);
}

/* DLT_LOOP: the family in network byte order. */
static enum dissect_result bsd_loop(struct span f, struct link_result *lr)
{
    uint32_t fam;
    if (!span_be32(f, 0, &fam))
        return DISSECT_TRUNC_LINK;
    return family_net(fam, lr);
}

static enum dissect_result raw(enum net_kind net, struct link_result *lr)
{
    lr->offset = 0;
    lr->net = net;
    return DISSECT_OK;
}

enum dissect_result link_decode(int linktype, struct span frame, struct packet *out,
                                struct link_result *lr)
{
    switch (linktype) {
    case LT_EN10MB:     return ethernet(frame, out, lr);
    case LT_LINUX_SLL:  return linux_sll(frame, out, lr);
    case LT_LINUX_SLL2: return linux_sll2(frame, out, lr);
    case LT_NULL:       return bsd_null(frame, lr);
    case LT_LOOP:       return bsd_loop(frame, lr);
    case LT_RAW_12: case LT_RAW_14: case LT_RAW: return raw(NET_BY_VERSION, lr);
    case LT_IPV4:       return raw(NET_IPV4, lr);
    case LT_IPV6:       return raw(NET_IPV6, lr);
    default:            return DISSECT_BAD_LINK;
    }
}

bool dissect_link_supported(int linktype)
{
    switch (linktype) {
    case LT_NULL: case LT_EN10MB: case LT_RAW_12: case LT_RAW_14: case LT_RAW: case LT_LOOP:
    case LT_LINUX_SLL: case LT_IPV4: case LT_IPV6: case LT_LINUX_SLL2:
        return true;
    default:
        return false;
    }
}
