/*
 * internal.h — what the dissector's files share: a bounds-checked view of captured bytes, the
 * cursor that walks a frame header by header, and the per-protocol decoders.
 *
 * Every field read goes through span_u8/span_be16/span_be32 (or the little-endian forms),
 * which return false instead of reading past the span's end; a decoder that gets false returns
 * the reason its layer counts. A span never extends past the caller's `caplen`, so no decoder
 * can read outside the buffer.
 *
 * How a frame is decoded (dissect.c): the link type's decoder (link.c) says which protocol
 * comes first; then a loop calls the decoder of the protocol named in cursor.next, each of
 * which reads its header at cursor.off, advances cursor.off past it and names what follows,
 * until one says PR_DONE or fails. Two steps are taken without the loop, as they are on every
 * packet: an ethertype is resolved where it is read (cur_next_ethertype), and an IP decoder
 * goes on to the IP payload (l4_decode) itself. No decoder calls another decoder's protocol recursively, and
 * the loop stops after DISSECT_MAX_LAYERS headers, so a frame nested in itself any number of
 * times costs at most that many steps.
 *
 * The files: link.c (link types), ether.c (Ethernet, ethertypes, VLAN, VN-Tag, E-Tag, PBB,
 * FabricPath, 802.2 LLC/SNAP), mpls.c, ppp.c (PPP, HDLC framing, Cisco HDLC, PPPoE), wlan.c
 * (802.11, radiotap, PPI), nflog.c, ip.c (IPv4, IPv6 and its extension headers), l4.c (the IP payload:
 * TCP, UDP, ICMP, and IP-in-IP), gre.c (GRE, ERSPAN, PPTP, Aruba), udp_tunnel.c (VXLAN,
 * Geneve, GTP-U, Teredo, AYIYA, GRE in UDP), tunnel.c (entering a tunnel), names.c.
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

static inline bool span_le16(struct span s, uint32_t off, uint16_t *v)
{
    if (s.len < 2 || off > s.len - 2)
        return false;
    *v = (uint16_t)(s.p[off] | s.p[off + 1] << 8);
    return true;
}

static inline bool span_le32(struct span s, uint32_t off, uint32_t *v)
{
    if (s.len < 4 || off > s.len - 4)
        return false;
    *v = (uint32_t)s.p[off + 3] << 24 | (uint32_t)s.p[off + 2] << 16 |
         (uint32_t)s.p[off + 1] << 8 | (uint32_t)s.p[off];
    return true;
}

/* True when [off, off + n) lies within the span. */
static inline bool span_has(struct span s, uint32_t off, uint32_t n)
{
    return off <= s.len && n <= s.len - off;
}

/* The bytes from `off` on (empty when off is past the end). */
static inline struct span span_from(struct span s, uint32_t off)
{
    struct span r = {s.p + (off < s.len ? off : s.len), off < s.len ? s.len - off : 0};
    return r;
}

/* The protocol whose header comes next (cursor.next). */
enum proto {
    PR_DONE = 0,              /* nothing more to decode */
    PR_ETHERNET,              /* Ethernet II or 802.3 header */
    PR_VLAN,                  /* an 802.1Q/802.1ad tag (after its ethertype) */
    PR_VNTAG,                 /* VN-Tag (0x8926) */
    PR_ETAG,                  /* 802.1BR E-Tag (0x893F) */
    PR_PBB,                   /* 802.1ah I-Tag (0x88E7), then the customer's Ethernet header */
    PR_FABRICPATH,            /* Cisco FabricPath (0x8903): FTag/TTL, then Ethernet */
    PR_LLC,                   /* 802.2 LLC, with SNAP */
    PR_MPLS,                  /* an MPLS label stack */
    PR_PPP,                   /* a PPP protocol field */
    PR_PPP_FRAMED,            /* PPP with or without HDLC address/control, or Cisco HDLC */
    PR_PPPOE,                 /* a PPPoE session header */
    PR_WLAN,                  /* an IEEE 802.11 frame */
    PR_IP,                    /* IPv4 or IPv6, by the version nibble */
    PR_IPV4,
    PR_IPV6,                  /* (each IP decoder goes on to the IP payload, l4.c) */
    PR_GRE,
    PR_COUNT
};

/* Walks one frame. Invariant: f.len <= wire; both are cut to the end of the innermost IP
 * packet decoded so far, so bytes after it (padding, an FCS) are never taken for headers. */
struct cursor {
    struct span f;            /* the frame's captured bytes */
    uint32_t wire;            /* the frame's length on the wire */
    uint32_t off;             /* where the next header starts */
    uint32_t ip_off;          /* where the innermost IP header starts */
    uint8_t next;             /* enum proto */
    uint8_t vlans;            /* VLAN tags in the current Ethernet header */
    bool wlan_datapad;        /* radiotap: the 802.11 header is padded to 4 bytes */
};

/* The bytes from the next header on. */
static inline struct span cur_span(const struct cursor *c)
{
    return span_from(c->f, c->off);
}

/* Bytes left on the wire from the next header on. */
static inline uint32_t cur_wire_left(const struct cursor *c)
{
    return c->off < c->wire ? c->wire - c->off : 0;
}

/* Moves past `n` header bytes and names the next protocol. */
static inline enum dissect_result cur_next(struct cursor *c, uint32_t n, enum proto next)
{
    c->off += n;
    c->next = (uint8_t)next;
    return DISSECT_OK;
}

/* A protocol's decoder: reads its header at c->off, then cur_next(...) or a reason. */
typedef enum dissect_result decoder_fn(struct cursor *c, struct packet *out);

/* link.c: sets up the cursor for the frame's first header by link type. */
enum dissect_result link_start(int linktype, struct cursor *c, struct packet *out);

/* ether.c. cur_next_ethertype: moves past `n` header bytes to a payload named by an
 * ethertype (the ethertype table), or not_ip; ethertype_known: the type is one finscope
 * decodes (or ARP). */
enum dissect_result cur_next_ethertype(struct cursor *c, uint32_t n, uint16_t type);
bool ethertype_known(uint16_t type);
decoder_fn ether_decode, vlan_decode, vntag_decode, etag_decode, pbb_decode, fabricpath_decode,
    llc_decode;
/* mpls.c */
decoder_fn mpls_decode;
/* ppp.c */
decoder_fn ppp_decode, ppp_framed_decode, pppoe_decode;
/* wlan.c: the 802.11 frame; radiotap and PPI are link types (link_start). */
decoder_fn wlan_decode;
enum dissect_result radiotap_start(struct cursor *c, struct packet *out);
enum dissect_result ppi_start(struct cursor *c, struct packet *out);
/* nflog.c: Linux NFLOG is a link type. */
enum dissect_result nflog_start(struct cursor *c, struct packet *out);
/* ip.c */
decoder_fn ip_any_decode, ipv4_decode, ipv6_decode;
/* l4.c: the IP payload at c->off, of IP protocol `proto` (called by the IP decoders). */
enum dissect_result l4_decode(struct cursor *c, uint8_t proto, struct packet *out);
/* gre.c */
decoder_fn gre_decode;
/* udp_tunnel.c: after a UDP header; leaves c->next = PR_DONE when the datagram is no tunnel. */
enum dissect_result udp_tunnel_decode(struct cursor *c, struct packet *out);

/* tunnel.c: the packet enters a tunnel of `kind` whose outer IP header is the one decoded
 * last (out->src/dst); the first tunnel is recorded in out->tunnel, the count is bounded by
 * DISSECT_MAX_TUNNEL. Clears the outer packet's transport fields. */
enum dissect_result tunnel_enter(struct packet *out, enum tunnel_kind kind, bool has_id,
                                 bool id_keyed, uint32_t id);

/* tcp_options.c: parses TCP options (never fails: a malformed option ends the parse). */
void tcp_options_parse(struct span opts, struct tcp_header *th);

/* dissect.c: the decoding loop from c->next on, until PR_DONE. */
enum dissect_result dissect_walk(struct cursor *c, struct packet *out);

#endif
