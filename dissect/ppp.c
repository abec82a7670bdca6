/*
 * ppp.c — PPP (RFC 1661): the protocol field, possibly compressed to one byte; PPP with or
 * without HDLC-like framing (RFC 1662: address 0xFF, control 0x03), and Cisco HDLC (address
 * 0x0F or 0x8F, control 0, an ethertype), which libpcap's PPP link types may hold and PPTP's
 * GRE carries; and PPPoE sessions (RFC 2516).
 *
 * PPP protocols other than IPv4, IPv6 and MPLS (LCP, IPCP, CCP, compressed or encrypted
 * data) are not IP.
 */
#include "dissect/internal.h"

static const struct { uint16_t proto; uint8_t next; } PPP_PROTOCOLS[] = {
    {0x0021, PR_IPV4}, {0x0057, PR_IPV6}, {0x0281, PR_MPLS}, {0x0283, PR_MPLS},
};

static enum dissect_result protocol(struct cursor *c, uint32_t n, uint16_t proto)
{
    for (size_t i = 0; i < sizeof PPP_PROTOCOLS / sizeof *PPP_PROTOCOLS; i++)
        if (PPP_PROTOCOLS[i].proto == proto)
            return cur_next(c, n, (enum proto)PPP_PROTOCOLS[i].next);
    return DISSECT_NOT_IP;
}

enum dissect_result ppp_decode(struct cursor *c, struct packet *out)
{
    struct span h = cur_span(c);
    uint8_t first;
    uint16_t proto;
    (void)out;
    if (!span_u8(h, 0, &first))
        return DISSECT_TRUNC_LINK;
    if (first & 1)   /* protocol field compression: odd values are one byte */
        return protocol(c, 1, first);
    if (!span_be16(h, 0, &proto))
        return DISSECT_TRUNC_LINK;
    return protocol(c, 2, proto);
}

enum dissect_result ppp_framed_decode(struct cursor *c, struct packet *out)
{
    struct span h = cur_span(c);
    uint8_t addr, ctrl;
    uint16_t type;
    (void)out;
    if (!span_u8(h, 0, &addr) || !span_u8(h, 1, &ctrl))
        return DISSECT_TRUNC_LINK;
    if (addr == 0xFF && ctrl == 0x03)
        return cur_next(c, 2, PR_PPP);
    if ((addr == 0x0F || addr == 0x8F) && ctrl == 0x00) {   /* Cisco HDLC */
        if (!span_be16(h, 2, &type))
            return DISSECT_TRUNC_LINK;
        return cur_next_ethertype(c, 4, type);
    }
    return cur_next(c, 0, PR_PPP);   /* address and control omitted */
}

/* Version/type 0x11, code 0 (session data), session id, length; then PPP. */
enum dissect_result pppoe_decode(struct cursor *c, struct packet *out)
{
    struct span h = cur_span(c);
    uint8_t vt, code;
    (void)out;
    if (!span_u8(h, 0, &vt) || !span_u8(h, 1, &code) || !span_has(h, 0, 6))
        return DISSECT_TRUNC_ENCAP;
    if (vt != 0x11)
        return DISSECT_BAD_ENCAP;
    if (code != 0)
        return DISSECT_NOT_IP;   /* discovery */
    return cur_next(c, 6, PR_PPP);
}
