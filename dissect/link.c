/*
 * link.c — link types: which header each capture's frames start with, by a table. Ethernet,
 * Linux cooked capture v1 and v2, raw IP, BSD loopback (DLT_NULL, DLT_LOOP), PPP (plain, in
 * HDLC framing, PPPoE without Ethernet), Cisco HDLC, FDDI, IEEE 802.11 (plain, radiotap, PPI)
 * and Linux NFLOG.
 *
 * A link decoder only finds where the first header of the frame starts and what it is; the
 * headers themselves are decoded by the protocols' decoders (dissect.c's loop).
 */
#include "dissect/internal.h"

enum {
    LT_NULL = 0, LT_EN10MB = 1, LT_PPP = 9, LT_FDDI = 10, LT_RAW_12 = 12, LT_RAW_14 = 14,
    LT_PPP_SERIAL = 50, LT_PPP_ETHER = 51, LT_RAW = 101, LT_C_HDLC = 104,
    LT_IEEE802_11 = 105, LT_LOOP = 108, LT_LINUX_SLL = 113, LT_IEEE802_11_RADIO = 127,
    LT_PPI = 192, LT_IPV4 = 228, LT_IPV6 = 229, LT_NFLOG = 239, LT_LINUX_SLL2 = 276,
};

static enum dissect_result ethernet(struct cursor *c, struct packet *out)
{
    (void)out;
    return cur_next(c, 0, PR_ETHERNET);
}

/* Linux cooked v1: 16 bytes, protocol (an ethertype, or 4: 802.2 LLC) in the last two. */
static enum dissect_result linux_sll(struct cursor *c, struct packet *out)
{
    uint16_t type;
    (void)out;
    if (!span_be16(c->f, 14, &type))
        return DISSECT_TRUNC_LINK;
    return type == 4 ? cur_next(c, 16, PR_LLC) : cur_next_ethertype(c, 16, type);
}

/* Linux cooked v2: 20 bytes, protocol (an ethertype) in the first two. */
static enum dissect_result linux_sll2(struct cursor *c, struct packet *out)
{
    uint16_t type;
    (void)out;
    if (c->f.len < 20 || !span_be16(c->f, 0, &type))
        return DISSECT_TRUNC_LINK;
    return type == 4 ? cur_next(c, 20, PR_LLC) : cur_next_ethertype(c, 20, type);
}

/* Address families BSD loopback headers use for IPv4 and IPv6 (they differ by OS). */
static enum dissect_result family_net(struct cursor *c, uint32_t fam)
{
    if (fam == 2)
        return cur_next(c, 4, PR_IPV4);
    if (fam == 10 || fam == 24 || fam == 28 || fam == 30)
        return cur_next(c, 4, PR_IPV6);   /* Linux, NetBSD/OpenBSD, FreeBSD, Darwin */
    return DISSECT_BAD_LINK;
}

/* DLT_NULL: the family is in the capturing host's byte order, which the file does not say. */
static enum dissect_result bsd_null(struct cursor *c, struct packet *out)
{
    uint32_t be, le;
    (void)out;
    if (!span_be32(c->f, 0, &be) || !span_le32(c->f, 0, &le))
        return DISSECT_TRUNC_LINK;
    return family_net(c, le < be ? le : be);
}

/* DLT_LOOP: the family in network byte order. */
static enum dissect_result bsd_loop(struct cursor *c, struct packet *out)
{
    uint32_t fam;
    (void)out;
    if (!span_be32(c->f, 0, &fam))
        return DISSECT_TRUNC_LINK;
    return family_net(c, fam);
}

static enum dissect_result raw_any(struct cursor *c, struct packet *out)
{
    (void)out;
    return cur_next(c, 0, PR_IP);
}

static enum dissect_result raw_v4(struct cursor *c, struct packet *out)
{
    (void)out;
    return cur_next(c, 0, PR_IPV4);
}

static enum dissect_result raw_v6(struct cursor *c, struct packet *out)
{
    (void)out;
    return cur_next(c, 0, PR_IPV6);
}

/* PPP (9), PPP in HDLC framing (50), Cisco HDLC (104): which one a frame is, it says itself
 * (ppp.c), as libpcap documents for 9 and 50. */
static enum dissect_result ppp_link(struct cursor *c, struct packet *out)
{
    (void)out;
    return cur_next(c, 0, PR_PPP_FRAMED);
}

/* PPPoE session header without the Ethernet header (51). */
static enum dissect_result ppp_ether(struct cursor *c, struct packet *out)
{
    (void)out;
    return cur_next(c, 0, PR_PPPOE);
}

/* FDDI: frame control, destination, source (13 bytes), then 802.2 LLC for LLC frames. */
static enum dissect_result fddi(struct cursor *c, struct packet *out)
{
    uint8_t fc;
    (void)out;
    if (c->f.len < 13 || !span_u8(c->f, 0, &fc))
        return DISSECT_TRUNC_LINK;
    if ((fc & 0x30) != 0x10)  /* not an LLC frame (SMT, MAC, ...) */
        return DISSECT_NOT_IP;
    return cur_next(c, 13, PR_LLC);
}

static enum dissect_result wlan(struct cursor *c, struct packet *out)
{
    (void)out;
    return cur_next(c, 0, PR_WLAN);
}

struct link_type {
    int linktype;
    enum dissect_result (*start)(struct cursor *c, struct packet *out);
};

static const struct link_type LINK_TYPES[] = {
    {LT_EN10MB, ethernet}, {LT_LINUX_SLL2, linux_sll2}, {LT_LINUX_SLL, linux_sll},
    {LT_RAW, raw_any}, {LT_NULL, bsd_null}, {LT_LOOP, bsd_loop}, {LT_RAW_12, raw_any},
    {LT_RAW_14, raw_any}, {LT_IPV4, raw_v4}, {LT_IPV6, raw_v6}, {LT_PPP, ppp_link},
    {LT_PPP_SERIAL, ppp_link}, {LT_C_HDLC, ppp_link}, {LT_PPP_ETHER, ppp_ether},
    {LT_FDDI, fddi}, {LT_IEEE802_11, wlan}, {LT_IEEE802_11_RADIO, radiotap_start},
    {LT_PPI, ppi_start}, {LT_NFLOG, nflog_start},
};

static const struct link_type *link_find(int linktype)
{
    for (size_t i = 0; i < sizeof LINK_TYPES / sizeof *LINK_TYPES; i++)
        if (LINK_TYPES[i].linktype == linktype)
            return &LINK_TYPES[i];
    return NULL;
}

enum dissect_result link_start(int linktype, struct cursor *c, struct packet *out)
{
    const struct link_type *lt = link_find(linktype);
    return lt ? lt->start(c, out) : DISSECT_BAD_LINK;
}

bool dissect_link_supported(int linktype)
{
    return link_find(linktype) != NULL;
}
