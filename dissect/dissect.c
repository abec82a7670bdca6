/*
 * dissect.c — dissect_packet(): the link type's first header, then one decoder per header, in
 * a loop, down to the innermost transport header (internal.h says how).
 *
 * Invariant relied on by every layer: the spans handed down never extend past `caplen`, and
 * lengths taken from headers are checked against the bytes on the wire before use.
 */
#include <string.h>

#include "dissect/internal.h"

/* The decoder of each protocol (PR_DONE has none: the loop ends there). */
static decoder_fn *const DECODERS[PR_COUNT] = {
    [PR_ETHERNET] = ether_decode,
    [PR_VLAN] = vlan_decode,
    [PR_VNTAG] = vntag_decode,
    [PR_ETAG] = etag_decode,
    [PR_PBB] = pbb_decode,
    [PR_FABRICPATH] = fabricpath_decode,
    [PR_LLC] = llc_decode,
    [PR_MPLS] = mpls_decode,
    [PR_PPP] = ppp_decode,
    [PR_PPP_FRAMED] = ppp_framed_decode,
    [PR_PPPOE] = pppoe_decode,
    [PR_WLAN] = wlan_decode,
    [PR_IP] = ip_any_decode,
    [PR_IPV4] = ipv4_decode,
    [PR_IPV6] = ipv6_decode,
    [PR_GRE] = gre_decode,
};

enum dissect_result dissect_walk(struct cursor *c, struct packet *out)
{
    for (unsigned layers = 0; c->next != PR_DONE; layers++) {
        if (layers == DISSECT_MAX_LAYERS)   /* c->next < PR_COUNT: set from enum proto */
            return DISSECT_TUNNEL_TOO_DEEP;
        enum dissect_result r = DECODERS[c->next](c, out);
        if (r != DISSECT_OK)
            return r;
    }
    return DISSECT_OK;
}

enum dissect_result dissect_packet(int linktype, const uint8_t *bytes, uint32_t caplen,
                                   uint32_t wirelen, struct packet *out)
{
    memset(out, 0, sizeof *out);
    out->caplen = caplen;
    out->wirelen = wirelen;
    struct cursor c = {.f = {bytes, bytes ? caplen : 0}};
    /* A record claiming fewer bytes on the wire than were captured: trust the capture. */
    c.wire = wirelen > c.f.len ? wirelen : c.f.len;
    if (linktype == 1) {      /* Ethernet, by far the most common: no table lookup */
        c.next = PR_ETHERNET;
        return dissect_walk(&c, out);
    }
    enum dissect_result r = link_start(linktype, &c, out);
    if (r != DISSECT_OK)
        return r;
    return dissect_walk(&c, out);
}

enum dissect_result dissect_reassembled(const uint8_t *ip, uint32_t caplen, uint32_t len,
                                        struct packet *out)
{
    struct packet frag = *out;
    memset(out, 0, sizeof *out);
    out->caplen = frag.caplen;
    out->wirelen = frag.wirelen;
    out->vlan = frag.vlan;
    out->vlan_depth = frag.vlan_depth;
    out->tunnels = frag.tunnels;
    out->tunnel = frag.tunnel;
    struct cursor c = {.f = {ip, ip ? caplen : 0}, .next = PR_IPV4};
    c.wire = len > c.f.len ? len : c.f.len;
    return dissect_walk(&c, out);
}
