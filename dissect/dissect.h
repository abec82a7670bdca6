/*
 * dissect.h — the packet decoder's contract: captured bytes + link type -> struct packet.
 *
 * Pure functions: no allocation, no global state, no I/O. dissect_packet() never reads past
 * `caplen`; every packet it cannot decode yields a reason code (enum dissect_result) that the
 * caller counts, never a crash and never a guess. A packet that decodes returns DISSECT_OK and
 * a filled struct packet whose pointers (payload) point into the caller's buffer.
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

/* Why a packet was not decoded. DISSECT_OK is 0; every other value is counted per run. */
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
    DISSECT_IP_FRAGMENT,      /* a non-first fragment: counted and skipped, never parsed as L4 */
    DISSECT_TRUNC_IP6_EXT,    /* an IPv6 extension header chain cut short or malformed */
    DISSECT_TRUNC_L4,         /* TCP/UDP/ICMP header not fully captured */
    DISSECT_BAD_TCP_OFF,      /* TCP data offset < 5 or past the segment's end */
    DISSECT_REASON_COUNT
};

/* Stable snake_case name for a reason ("trunc_link", "not_ip", ...), stored in the database. */
const char *dissect_reason_name(enum dissect_result r);

/* True when finscope can decode this link type. */
bool dissect_link_supported(int linktype);
/* A link type for messages: "EN10MB (1)", "LINUX_SLL2 (276)", or just "147" when unnamed. */
const char *dissect_link_name(int linktype, char *buf, size_t buflen);

#define DISSECT_MAX_VLAN 4
#define DISSECT_MAX_SACK 4

struct ip_addr {
    uint8_t family;           /* 4 or 6 */
    uint8_t bytes[16];        /* IPv4 in the first 4 bytes, the rest zero */
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
    uint8_t vlan_depth;
    uint8_t ip_version;       /* 4 or 6 */
    struct ip_addr src, dst;
    uint8_t ttl;              /* IPv4 TTL or IPv6 hop limit */
    uint8_t l4proto;          /* IPPROTO_NUM_* or any other IP protocol number */
    bool is_fragment;         /* first fragment of a fragmented datagram (L4 header present) */
    uint16_t sport, dport;    /* 0 for protocols without ports */
    const uint8_t *ip_hdr;    /* first byte of the (outermost) IP header, in the caller's buffer */
    uint32_t ip_caplen;       /* bytes readable from ip_hdr: min(captured, ip_len) */
    uint32_t ip_len;          /* IP header(s) + payload, from the IP length field(s) */
    uint32_t l4_len;          /* L4 header + payload, from the IP length field(s) */
    uint32_t payload_len;     /* L4 payload length per the IP length (TCP segment length) */
    uint32_t payload_caplen;  /* payload bytes actually captured (<= payload_len) */
    const uint8_t *payload;   /* into the caller's buffer; payload_caplen bytes readable */
    struct tcp_header tcp;    /* valid when l4proto == IPPROTO_NUM_TCP */
    uint8_t icmp_type, icmp_code;  /* valid for ICMP / ICMPv6 */
};

/*
 * Decodes one captured frame. `bytes` holds `caplen` captured bytes of a frame that was
 * `wirelen` bytes on the wire. On DISSECT_OK, *out is filled (ts_us is left for the caller to
 * set; it is zeroed). On any other result *out's contents are unspecified.
 * Ethernet padding past the IP length is ignored; an IPv4 total length of 0 (TSO capture on the
 * sending host) is taken as the frame's length.
 */
enum dissect_result dissect_packet(int linktype, const uint8_t *bytes, uint32_t caplen,
                                   uint32_t wirelen, struct packet *out);

/* Writes an address as inet_ntop does (IPv6 compressed, lowercase). buf >= 46 bytes. */
const char *ip_addr_str(const struct ip_addr *a, char *buf, size_t buflen);

#endif
