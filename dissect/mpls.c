/*
 * mpls.c — an MPLS label stack (RFC 3032; at most DISSECT_MAX_MPLS labels), then what it
 * carries. MPLS does not say: as tshark and Zeek do, the first nibble after the stack decides:
 * 4 is IPv4, 6 is IPv6, 1 a pseudowire's associated channel (OAM, not IP), 0 a pseudowire
 * control word (RFC 4385) before an Ethernet frame, anything else an Ethernet frame without
 * one. An Ethernet destination address can start with a 0 nibble too, so for 0 the choice is
 * the one whose ethertype finscope knows (the control word when both or neither do).
 */
#include "dissect/internal.h"

static bool ethertype_at(struct span h, uint32_t off)
{
    uint16_t type;
    return span_be16(h, off, &type) && ethertype_known(type);
}

static enum dissect_result payload(struct cursor *c, struct span h, uint32_t off)
{
    uint8_t first;
    if (!span_u8(h, off, &first))
        return DISSECT_TRUNC_ENCAP;
    switch (first >> 4) {
    case 4: return cur_next(c, off, PR_IPV4);
    case 6: return cur_next(c, off, PR_IPV6);
    case 1: return DISSECT_NOT_IP;
    case 0:
        if (ethertype_at(h, off + 4 + 12) || !ethertype_at(h, off + 12))
            return cur_next(c, off + 4, PR_ETHERNET);
        return cur_next(c, off, PR_ETHERNET);
    default: return cur_next(c, off, PR_ETHERNET);
    }
}

enum dissect_result mpls_decode(struct cursor *c, struct packet *out)
{
    struct span h = cur_span(c);
    uint32_t off = 0, entry;
    (void)out;
    for (unsigned n = 0;; n++) {
        if (n == DISSECT_MAX_MPLS)
            return DISSECT_MPLS_TOO_DEEP;
        if (!span_be32(h, off, &entry))
            return DISSECT_TRUNC_ENCAP;
        off += 4;
        if (entry & 0x100)   /* bottom of stack */
            break;
    }
    return payload(c, h, off);
}
