/*
 * l4.c — the IP payload, by protocol (a table): TCP (with options, tcp_options.c), UDP (then
 * the UDP tunnels, udp_tunnel.c), ICMP and ICMPv6, IP in IP (4 and 41: a tunnel), GRE (47).
 *
 * l4_len (header + payload) comes from the IP length; the payload is what follows the header
 * within it, and payload_caplen is how much of that was captured. Other IP protocols form
 * flows without ports, so they decode successfully with no L4 fields.
 */
#include "dissect/internal.h"

static void set_payload(struct span l4, uint32_t hdr_len, struct packet *out)
{
    out->payload_len = out->l4_len - hdr_len;
    uint32_t captured = l4.len > hdr_len ? l4.len - hdr_len : 0;
    out->payload_caplen = captured < out->payload_len ? captured : out->payload_len;
    out->payload = out->payload_caplen ? l4.p + hdr_len : NULL;
}

static enum dissect_result tcp(struct cursor *c, struct span l4, struct packet *out)
{
    struct tcp_header *th = &out->tcp;
    uint8_t off_byte;
    (void)c;
    if (out->l4_len < 20)
        return DISSECT_BAD_IP_LEN;
    if (!span_be16(l4, 0, &out->sport) || !span_be16(l4, 2, &out->dport) ||
        !span_be32(l4, 4, &th->seq) || !span_be32(l4, 8, &th->ack) ||
        !span_u8(l4, 12, &off_byte) || !span_u8(l4, 13, &th->flags) ||
        !span_be16(l4, 14, &th->win) || l4.len < 20)
        return DISSECT_TRUNC_L4;
    uint32_t doff = (uint32_t)(off_byte >> 4) * 4;
    if (doff < 20 || doff > out->l4_len)
        return DISSECT_BAD_TCP_OFF;
    if (doff > l4.len)
        return DISSECT_TRUNC_L4;
    th->doff = (uint8_t)doff;
    struct span opts = {l4.p + 20, doff - 20};
    tcp_options_parse(opts, th);
    set_payload(l4, doff, out);
    return DISSECT_OK;
}

static enum dissect_result udp(struct cursor *c, struct span l4, struct packet *out)
{
    if (out->l4_len < 8)
        return DISSECT_BAD_IP_LEN;
    if (!span_be16(l4, 0, &out->sport) || !span_be16(l4, 2, &out->dport) || l4.len < 8)
        return DISSECT_TRUNC_L4;
    set_payload(l4, 8, out);
    c->off += 8;
    return udp_tunnel_decode(c, out);
}

static enum dissect_result icmp(struct cursor *c, struct span l4, struct packet *out)
{
    (void)c;
    if (out->l4_len < 4)
        return DISSECT_BAD_IP_LEN;
    if (!span_u8(l4, 0, &out->icmp_type) || !span_u8(l4, 1, &out->icmp_code) || l4.len < 4)
        return DISSECT_TRUNC_L4;
    set_payload(l4, 4, out);
    return DISSECT_OK;
}

/* IP in IP (RFC 2003, RFC 4213): the payload is a whole IP packet. */
static enum dissect_result ip_in_ip(struct cursor *c, enum proto inner, struct packet *out)
{
    enum dissect_result r = tunnel_enter(out, TUNNEL_IPIP, false, false, 0);
    return r != DISSECT_OK ? r : cur_next(c, 0, inner);
}

static enum dissect_result ipv4_in_ip(struct cursor *c, struct span l4, struct packet *out)
{
    (void)l4;
    return ip_in_ip(c, PR_IPV4, out);
}

static enum dissect_result ipv6_in_ip(struct cursor *c, struct span l4, struct packet *out)
{
    (void)l4;
    return ip_in_ip(c, PR_IPV6, out);
}

static enum dissect_result gre(struct cursor *c, struct span l4, struct packet *out)
{
    (void)l4;
    (void)out;
    return cur_next(c, 0, PR_GRE);
}

/* IP protocols with a decoder, the common ones first; others form flows without ports. */
static const struct {
    uint8_t proto;
    enum dissect_result (*decode)(struct cursor *c, struct span l4, struct packet *out);
} IP_PROTOCOLS[] = {
    {IPPROTO_NUM_TCP, tcp}, {IPPROTO_NUM_UDP, udp}, {IPPROTO_NUM_ICMP, icmp},
    {IPPROTO_NUM_ICMPV6, icmp}, {4, ipv4_in_ip}, {41, ipv6_in_ip}, {47, gre},
};

enum dissect_result l4_decode(struct cursor *c, uint8_t proto, struct packet *out)
{
    struct span l4 = cur_span(c);
    out->l4_len = out->ip_len - (c->off - c->ip_off);
    c->next = PR_DONE;
    for (size_t i = 0; i < sizeof IP_PROTOCOLS / sizeof *IP_PROTOCOLS; i++)
        if (IP_PROTOCOLS[i].proto == proto)
            return IP_PROTOCOLS[i].decode(c, l4, out);
    set_payload(l4, 0, out);
    return DISSECT_OK;
}
