/*
 * l4.c — transport headers: TCP (with options, tcp_options.c), UDP, ICMP and ICMPv6.
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

static enum dissect_result tcp(struct span l4, struct packet *out)
{
    struct tcp_header *th = &out->tcp;
    uint8_t off_byte;
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

static enum dissect_result udp(struct span l4, struct packet *out)
{
    if (out->l4_len < 8)
        return DISSECT_BAD_IP_LEN;
    if (!span_be16(l4, 0, &out->sport) || !span_be16(l4, 2, &out->dport) || l4.len < 8)
        return DISSECT_TRUNC_L4;
    set_payload(l4, 8, out);
    return DISSECT_OK;
}

static enum dissect_result icmp(struct span l4, struct packet *out)
{
    if (out->l4_len < 4)
        return DISSECT_BAD_IP_LEN;
    if (!span_u8(l4, 0, &out->icmp_type) || !span_u8(l4, 1, &out->icmp_code) || l4.len < 4)
        return DISSECT_TRUNC_L4;
    set_payload(l4, 4, out);
    return DISSECT_OK;
}

enum dissect_result l4_decode(struct span ip, uint32_t l4_off, struct packet *out)
{
    struct span l4 = span_from((struct span){ip.p, out->ip_caplen}, l4_off);
    out->l4_len = out->ip_len - l4_off;
    switch (out->l4proto) {
    case IPPROTO_NUM_TCP:    return tcp(l4, out);
    case IPPROTO_NUM_UDP:    return udp(l4, out);
    case IPPROTO_NUM_ICMP:
    case IPPROTO_NUM_ICMPV6: return icmp(l4, out);
    default:
        set_payload(l4, 0, out);
        return DISSECT_OK;
    }
}
