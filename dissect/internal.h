/*
 * internal.h — what the dissector's files share: a bounds-checked view of captured bytes and
 * the per-layer decoders that dissect.c chains together.
 *
 * Every field read goes through span_u8/span_be16/span_be32, which return false instead of
 * reading past the span's end; a decoder that gets false returns the reason its layer counts.
 * A span never extends past the caller's `caplen`, so no decoder can read outside the buffer.
 */
#ifndef FINSCOPE_DISSECT_INTERNAL_H
#define FINSCOPE_DISSECT_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "dissect/dissect.h"

/* Captured bytes [p, p+len). */
struct span {
    const uint8_t *p;
    uint32_t len;
};

static inline bool span_u8(struct span s, uint32_t off, uint8_t *v)
{
    if (off >= s.len)
        return false;
    *v = s.p[off];
    return true;
}

static inline bool span_be16(struct span s, uint32_t off, uint16_t *v)
{
    if (s.len < 2 || off > s.len - 2)
        return false;
    *v = (uint16_t)(s.p[off] << 8 | s.p[off + 1]);
    return true;
}

static inline bool span_be32(struct span s, uint32_t off, uint32_t *v)
{
    if (s.len < 4 || off > s.len - 4)
        return false;
    *v = (uint32_t)s.p[off] << 24 | (uint32_t)s.p[off + 1] << 16 |
         (uint32_t)s.p[off + 2] << 8 | (uint32_t)s.p[off + 3];
    return true;
}

/* The bytes from `off` on (empty when off is past the end). */
static inline struct span span_from(struct span s, uint32_t off)
{
    struct span r = {s.p + (off < s.len ? off : s.len), off < s.len ? s.len - off : 0};
    return r;
}

/* Network layer to decode after the link header. */
enum net_kind { NET_IPV4, NET_IPV6, NET_BY_VERSION };

/* What the link layer leaves for the IP decoder. */
struct link_result {
    uint32_t offset;           /* bytes of link header (incl. VLAN tags) before the IP header */
    enum net_kind net;
};

/* link.c: strips the link header of `linktype`; fills out->vlan/vlan_depth. */
enum dissect_result link_decode(int linktype, struct span frame, struct packet *out,
                                struct link_result *lr);

/* ip.c: decodes the IP header(s) in `ip` (captured bytes from the IP header on); `wire_left` is
 * how many bytes the frame had on the wire from the IP header on. Leaves out->l4proto and the
 * L4 offset from ip_hdr in *l4_off. */
enum dissect_result ip_decode(struct span ip, uint32_t wire_left, enum net_kind net,
                              struct packet *out, uint32_t *l4_off);

/* l4.c: decodes the TCP/UDP/ICMP header at ip_hdr + l4_off. */
enum dissect_result l4_decode(struct span ip, uint32_t l4_off, struct packet *out);

/* tcp_options.c: parses TCP options (never fails: a malformed option ends the parse). */
void tcp_options_parse(struct span opts, struct tcp_header *th);

#endif
