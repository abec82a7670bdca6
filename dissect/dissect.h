/*
 * dissect.h — the packet decoder's contract: captured bytes + link type -> struct packet.
 *
 * Pure functions: no allocation, no global state, no I/O. dissect_packet() never reads past
 * `caplen`; every packet it cannot decode yields a reason code (enum dissect_result) that the
 * caller counts, never a crash and never a guess. A packet that decodes returns DISSECT_OK and
 * a filled struct packet whose pointers (ip_hdr, payload) point into the caller's buffer.
 *
 * Encapsulations (docs/dissect.md lists them) are opened down to the innermost IP packet, which
 * is what struct packet describes; the outermost tunnel that carried it is in packet.tunnel.
 * Every header is decoded by a loop over small per-protocol decoders, never by recursion, and
 * nesting is bounded (DISSECT_MAX_TUNNEL, DISSECT_MAX_LAYERS), so no capture can drive it deep.
 *
 * Link types are libpcap's LINKTYPE_/DLT_ numbers as pcap_datalink() returns them.
 */
#ifndef FINSCOPE_DISSECT_H
#define FINSCOPE_DISSECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* TCP flag bits as they appear in the header's flags byte. */
enum {
    TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_RST = 0x04, TCP_PSH = 0x08,
    TCP_ACK = 0x10, TCP_URG = 0x20, TCP_ECE = 0x40, TCP_CWR = 0x80,
};

/* IP protocol numbers finscope gives meaning to. Others still form flows (ports 0). */
enum { IPPROTO_NUM_ICMP = 1, IPPROTO_NUM_TCP = 6, IPPROTO_NUM_UDP = 17, IPPROTO_NUM_ICMPV6 = 58 };

/* Why a packet was not decoded. DISSECT_OK is 0; every other value is counted per run.
 * The order is the database's list of reasons only through dissect_reason_name(): values may be
 * added anywhere. */
enum dissect_result {
    DISSECT_OK = 0,
    DISSECT_TRUNC_LINK,       /* captured bytes end inside the link-layer header */
    DISSECT_BAD_LINK,         /* link header malformed (e.g. loopback family unknown) */
    DISSECT_VLAN_TOO_DEEP,    /* more than DISSECT_MAX_VLAN stacked 802.1Q/802.1ad tags */
    DISSECT_NOT_IP,           /* a link-layer protocol that is not IPv4/IPv6 (ARP, LLDP, ...) */
    DISSECT_TRUNC_IP,         /* captured bytes end inside the IPv4/IPv6 fixed header */
    DISSECT_BAD_IP_VERSION,   /* version nibble does not match the link's claim */
    DISSECT_BAD_IP_HLEN,      /* IPv4 IHL < 5 or beyond the captured bytes */
    DISSECT_BAD_IP_LEN,       /* IP total/payload length shorter than its headers, or longer
                                 than the frame on the wire */
    DISSECT_IP_FRAGMENT,      /* an IP fragment dissect_packet cannot decode alone: any IPv4
                                 fragment (the caller may reassemble it: ip_defrag), or a
                                 non-first IPv6 fragment; never parsed as L4 */
    DISSECT_TRUNC_IP6_EXT,    /* an IPv6 extension header chain cut short or malformed */
    DISSECT_TRUNC_L4,         /* TCP/UDP/ICMP header not fully captured */
    DISSECT_BAD_TCP_OFF,      /* TCP data offset < 5 or past the segment's end */
    /* encapsulations and further link types (issue 12) */
    DISSECT_TRUNC_ENCAP,      /* captured bytes end inside an encapsulation header (MPLS,
                                 PPPoE, GRE, VXLAN, GTP-U, 802.11, ...) */
    DISSECT_BAD_ENCAP,        /* an encapsulation header malformed or of a version or variant
                                 not decoded (GRE routing, unknown GRE version, ...) */
    DISSECT_TUNNEL_TOO_DEEP,  /* more than DISSECT_MAX_TUNNEL nested tunnels, or more than
                                 DISSECT_MAX_LAYERS headers in one frame */
    DISSECT_MPLS_TOO_DEEP,    /* an MPLS label stack of more than DISSECT_MAX_MPLS labels */
    DISSECT_WLAN_MGMT,        /* an 802.11 management frame (beacon, probe, ...): no IP in it */
    DISSECT_WLAN_CTRL,        /* an 802.11 control frame (ACK, RTS, CTS, ...) */
    DISSECT_WLAN_PROTECTED,   /* an 802.11 data frame encrypted (WEP/TKIP/CCMP): not readable */
    /* set by the IPv4 reassembly stage (analyzer/ip_defrag.h), never by dissect_packet */
    DISSECT_FRAG_INCOMPLETE,  /* a fragment of a datagram never completed (timed out, or the
                                 input ended first) */
    DISSECT_FRAG_LIMIT,       /* a fragment dropped because reassembly was at its limits */
    DISSECT_FRAG_BAD,         /* a fragment inconsistent with its datagram (lengths disagree,
                                 past 65,535 bytes, too many holes) */
    DISSECT_REASON_COUNT
};

/* Stable snake_case name for a reason ("trunc_link", "not_ip", ...), stored in the database. */
const char *dissect_reason_name(enum dissect_result r);
/* False for frames that by their nature hold nothing to analyze (not_ip, a non-first IPv6
 * fragment, 802.11 management, control and protected frames); true for the others: damaged,
 * cut short, malformed or beyond a bound. */
bool dissect_reason_is_error(enum dissect_result r);

/* True when finscope can decode this link type. */
bool dissect_link_supported(int linktype);
/* A link type for messages: "EN10MB (1)", "LINUX_SLL2 (276)", or just "147" when unnamed. */
const char *dissect_link_name(int linktype, char *buf, size_t buflen);

#define DISSECT_MAX_VLAN 4     /* stacked VLAN tags in one Ethernet header */
#define DISSECT_MAX_SACK 4
#define DISSECT_MAX_TUNNEL 4   /* nested tunnels (struct tunnel kinds) in one frame */
#define DISSECT_MAX_MPLS 8     /* MPLS labels in one stack */
#define DISSECT_MAX_LAYERS 64  /* headers of any kind in one frame */

struct ip_addr {
    uint8_t family;           /* 4 or 6 */
    uint8_t bytes[16];        /* IPv4 in the first 4 bytes, the rest zero */
};

/* Tunnels: encapsulations that carry a packet inside an IP (or UDP) payload. Link-layer
 * encapsulations (VLAN, MPLS, PPPoE, PBB, VN-Tag, FabricPath) are not tunnels. */
enum tunnel_kind {
    TUNNEL_NONE = 0,
    TUNNEL_IPIP,              /* IP in IP: 4in4, 6in4, 4in6, 6in6 */
    TUNNEL_GRE,               /* GRE (RFC 2784/2890), also in UDP (RFC 8086) and Aruba's */
    TUNNEL_ERSPAN,            /* GRE carrying ERSPAN type I, II or III */
    TUNNEL_PPTP,              /* PPTP's enhanced GRE (version 1) */
    TUNNEL_VXLAN,             /* UDP 4789 */
    TUNNEL_GENEVE,            /* UDP 6081 */
    TUNNEL_GTPU,              /* UDP 2152 */
    TUNNEL_TEREDO,            /* UDP 3544 */
    TUNNEL_AYIYA,             /* UDP 5072 */
    TUNNEL_KIND_COUNT
};

/* The outermost tunnel a packet came through. */
struct tunnel {
    uint8_t kind;             /* enum tunnel_kind; TUNNEL_NONE: not tunnelled (all zero) */
    bool has_id;              /* id holds the VNI, TEID, GRE key or ERSPAN session */
    bool id_keyed;            /* ... and it names the tunnel in both directions (not so for a
                                 GTP-U TEID or a PPTP call ID, chosen by each receiver) */
    uint32_t id;
    struct ip_addr src, dst;  /* the outer IP header's addresses on this packet */
};

struct tcp_header {
    uint32_t seq, ack;
    uint16_t win;             /* raw, unscaled */
    uint8_t flags;            /* TCP_* bits */
    uint8_t doff;             /* header length in bytes */
    /* options; a flag says whether each was present */
    bool has_mss, has_wscale, sack_permitted, has_ts;
    uint16_t mss;
    uint8_t wscale;           /* shift count as sent (not clamped) */
    uint8_t sack_count;       /* SACK blocks present, at most DISSECT_MAX_SACK */
    uint32_t sack[DISSECT_MAX_SACK][2];  /* [left, right) edges */
    uint32_t tsval, tsecr;
};

struct packet {
    int64_t ts_us;            /* capture time, Unix microseconds (set by the caller) */
    uint32_t caplen, wirelen; /* as recorded in the capture */
    uint16_t vlan;            /* outermost VLAN id, 0 when untagged */
    uint8_t vlan_depth;       /* VLAN tags seen, in all Ethernet headers */
    uint8_t tunnels;          /* tunnels the packet was inside (0 when none) */
    struct tunnel tunnel;     /* the outermost of them */
    uint8_t ip_version;       /* 4 or 6 */
    struct ip_addr src, dst;
    uint8_t ttl;              /* IPv4 TTL or IPv6 hop limit */
    uint16_t ip_id;           /* IPv4 identification field; 0 for IPv6 (which has none) */
    uint8_t l4proto;          /* IPPROTO_NUM_* or any other IP protocol number */
    bool is_fragment;         /* first fragment of a fragmented IPv6 datagram (L4 present) */
    uint16_t sport, dport;    /* 0 for protocols without ports */
    const uint8_t *ip_hdr;    /* first byte of the (innermost) IP header, in the caller's buffer */
    uint32_t ip_caplen;       /* bytes readable from ip_hdr: min(captured, ip_len) */
    uint32_t ip_len;          /* IP header(s) + payload, from the IP length field(s) */
    uint32_t l4_len;          /* L4 header + payload, from the IP length field(s) */
    uint32_t payload_len;     /* L4 payload length per the IP length (TCP segment length) */
    uint32_t payload_caplen;  /* payload bytes actually captured (<= payload_len) */
    const uint8_t *payload;   /* into the caller's buffer; payload_caplen bytes readable */
    struct tcp_header tcp;    /* valid when l4proto == IPPROTO_NUM_TCP */
    uint8_t icmp_type, icmp_code;  /* valid for ICMP / ICMPv6 */
    /* DISSECT_IP_FRAGMENT of an IPv4 packet: the fragment (ip_*, src, dst, l4proto and the
     * layers outside it are set; payload* is the fragment's data) */
    uint16_t frag_id;         /* identification */
    uint16_t frag_offset;     /* in bytes */
    bool frag_more;           /* MF: more fragments follow */
};

/*
 * Decodes one captured frame. `bytes` holds `caplen` captured bytes of a frame that was
 * `wirelen` bytes on the wire. On DISSECT_OK, *out is filled (ts_us is left for the caller to
 * set; it is zeroed). On DISSECT_IP_FRAGMENT for IPv4, *out describes the fragment (see
 * frag_id); on any other result *out's contents are unspecified.
 * Ethernet padding past the IP length is ignored; an IPv4 total length of 0 (TSO capture on the
 * sending host) is taken as the frame's length.
 */
enum dissect_result dissect_packet(int linktype, const uint8_t *bytes, uint32_t caplen,
                                   uint32_t wirelen, struct packet *out);

/*
 * Decodes an IPv4 datagram put together from fragments: `ip` holds `caplen` readable bytes of
 * a datagram of `len` bytes (header with total length `len`, no fragment bits). `out` holds
 * what dissect_packet() said about one of its fragments; the layers outside the IP header
 * (caplen, wirelen, vlan, tunnel) are kept, the rest is decoded from the datagram as
 * dissect_packet() would, tunnels inside it included.
 */
enum dissect_result dissect_reassembled(const uint8_t *ip, uint32_t caplen, uint32_t len,
                                        struct packet *out);

/* A tunnel as text, for flows.tunnel: "vxlan 10.0.0.1>10.0.0.2 vni 42", "6in4 a>b",
 * "gre a>b key 7", "gtpu a>b teid 0x1234", ...; `inner_family` (4 or 6) names IP-in-IP's
 * kind. "" for TUNNEL_NONE. buf >= DISSECT_TUNNEL_STRLEN bytes. */
#define DISSECT_TUNNEL_STRLEN 112
const char *dissect_tunnel_str(const struct tunnel *t, uint8_t inner_family, char *buf,
                               size_t buflen);

/* Writes an address as inet_ntop does (IPv6 compressed, lowercase). buf >= 46 bytes. */
const char *ip_addr_str(const struct ip_addr *a, char *buf, size_t buflen);

#endif
