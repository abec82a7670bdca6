/*
 * capwriter.h — writes classic pcap files and builds the frames finscope's tests need, byte for
 * byte deterministic (no randomness, no wall clock).
 *
 * Three layers:
 *   cw_pcap   a classic pcap file (little-endian; microsecond or nanosecond magic) with a chosen
 *             link type, and a clock: every record is stamped with the writer's clock, which
 *             then advances by a fixed step. The clock starts at CW_START_S (2026-01-01T00:00Z).
 *             Or a pcapng file: sections in either byte order, interfaces of any link type,
 *             snaplen, if_tsresol and if_tsoffset, records as Enhanced, Simple or obsolete
 *             Packet Blocks, and any other block; "spread" writes every record on the next of a
 *             set of interfaces, starting new sections as it goes (cw_pcapng_open_spread).
 *   cw_frame  one frame: link header (Ethernet with optional 802.1Q tags, Linux SLL2, or raw
 *             IP) + IPv4 (header checksum) or IPv6 + TCP (options MSS/WS/SACK-perm/SACK/TS,
 *             checksum over the pseudo-header) or UDP (checksum).
 *   cw_encap  an IP packet wrapped in a stack of encapsulations (capwriter_encap.c): VLAN,
 *             MPLS, PPPoE, PBB, VN-Tag, E-Tag, FabricPath, LLC/SNAP, GRE, ERSPAN, PPTP, Aruba,
 *             IP in IP, UDP with VXLAN, Geneve, GTP-U, Teredo, AYIYA; on Ethernet, FDDI,
 *             802.11 (plain, radiotap, PPI), PPP, Cisco HDLC, NFLOG or raw IP.
 *   conv      a conversation between two endpoints, each with its own sequence state, so a test
 *             scenario reads as the segments it sends: conv_handshake(c); conv_send(c, ORIG,
 *             TCP_ACK | TCP_PSH, "GET / ..."); conv_fin(c, RESP); and conv_raw(...) for segments
 *             that are wrong on purpose (conv_raw never changes the conversation's state).
 *
 * Errors are sticky: the first failure (I/O, a frame too large) is kept in cw_pcap.err and every
 * later write is skipped; cw_pcap_close() returns -1 when anything failed. Nothing is printed.
 */
#ifndef FINSCOPE_CAPWRITER_H
#define FINSCOPE_CAPWRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dissect/dissect.h"    /* TCP_* flag bits */

#define CW_LINK_EN10MB 1
#define CW_LINK_RAW 101
#define CW_LINK_LINUX_SLL2 276

#define CW_START_S 1767225600LL      /* 2026-01-01T00:00:00Z */
#define CW_DEFAULT_STEP_NS 1000000LL /* 1 ms between records by default */
#define CW_SNAPLEN 262144u
#define CW_MAX_FRAME 4096u           /* largest frame the builders make */
#define CW_MAX_VLAN 4
#define CW_DEFAULT_TTL 64            /* IPv4 TTL / IPv6 hop limit unless a conversation says */

/* ---- pcap file ------------------------------------------------------------------------------- */

#define CW_MAX_IFACES 8

/* A pcapng interface (Interface Description Block). */
struct cw_iface {
    int linktype;
    uint32_t snaplen;           /* 0: no limit; records are cut to it */
    int tsresol;                /* if_tsresol byte (6: microseconds, 9: ns, 0x94: 2^-20 s), or
                                 * -1 for no option (microseconds) */
    int64_t tsoffset;           /* if_tsoffset seconds; 0: no option */
};

enum cw_block { CW_EPB = 0, CW_PB, CW_SPB };   /* how pcapng records are written */

struct cw_pcap {
    FILE *f;
    int linktype;               /* of the records written next (pcapng: their interface's) */
    bool nsec;                  /* nanosecond magic (0xa1b23c4d) instead of microsecond */
    int64_t now_ns;             /* time of the next record, Unix nanoseconds */
    int64_t step_ns;            /* added to now_ns after each record */
    uint64_t records;           /* records written */
    int err;                    /* 0, or the first errno-like failure (sticky) */
    /* pcapng only */
    bool pcapng;
    bool big_endian;            /* this section's byte order */
    struct cw_iface ifaces[CW_MAX_IFACES];   /* described in this section */
    uint32_t nifaces;
    uint32_t iface;             /* records are written on this one */
    enum cw_block block;
    uint32_t sections;          /* section headers written */
    struct cw_iface spread[CW_MAX_IFACES];   /* cw_pcapng_open_spread's interfaces */
    uint32_t nspread, section_every;
};

/* Creates `path` and writes the file header. 0, or -1 with w->err set. */
int cw_pcap_open(struct cw_pcap *w, const char *path, int linktype, bool nsec);
/* One record of `len` bytes (caplen = wirelen = len) at the clock, then the clock advances. */
int cw_pcap_write(struct cw_pcap *w, const uint8_t *frame, uint32_t len);
/* One record with an explicit time and wire length (wirelen >= caplen); the clock is untouched. */
int cw_pcap_write_at(struct cw_pcap *w, int64_t ts_ns, const uint8_t *frame, uint32_t caplen,
                     uint32_t wirelen);
/* Moves the clock forward by `us` microseconds (negative values are ignored). */
void cw_wait(struct cw_pcap *w, int64_t us);
/* Flushes and closes; -1 when any write or the close failed. */
int cw_pcap_close(struct cw_pcap *w);

/* Creates a pcapng file and writes its first Section Header Block in the given byte order; no
 * interface yet (the clock as for cw_pcap_open). 0, or -1 with w->err set. */
int cw_pcapng_open(struct cw_pcap *w, const char *path, bool big_endian);
/* A new section (its interfaces are numbered from 0 again). */
int cw_pcapng_section(struct cw_pcap *w, bool big_endian);
/* Describes an interface in this section and writes the next records on it (as w->block);
 * returns its number, or -1. */
int cw_pcapng_interface(struct cw_pcap *w, const struct cw_iface *ifc);
/* The next records go on interface `iface` of this section, as `block`. */
void cw_pcapng_use(struct cw_pcap *w, uint32_t iface, enum cw_block block);
/* Any block: `type` and `body` (padded to 4 bytes; lengths written around it). */
int cw_pcapng_block(struct cw_pcap *w, uint32_t type, const void *body, uint32_t len);
/* Bytes as they are, for malformed files. */
int cw_pcapng_raw(struct cw_pcap *w, const void *bytes, uint32_t len);
/* A pcapng file whose records each go on the next of `n` interfaces (round robin, w->linktype
 * following, so conversations build their frames for it), alternately as Enhanced and
 * obsolete Packet Blocks; after every `section_every` records a new section begins in the
 * other byte order, describing the same interfaces in a turned order, after a name
 * resolution, a statistics, a custom and an unknown block. */
int cw_pcapng_open_spread(struct cw_pcap *w, const char *path, const struct cw_iface *ifaces,
                          uint32_t n, uint32_t section_every);

/* ---- frames ---------------------------------------------------------------------------------- */

struct cw_addr {
    uint8_t family;             /* 4 or 6 */
    uint8_t b[16];              /* IPv4 in the first 4 bytes */
};
/* "10.0.0.1" or "fd00::1" -> *a. 0, or -1 when the text is neither. */
int cw_addr_parse(struct cw_addr *a, const char *text);

struct cw_link {
    int linktype;               /* CW_LINK_* */
    uint8_t src_mac[6], dst_mac[6];
    uint16_t vlan[CW_MAX_VLAN]; /* Ethernet: 802.1Q tags, outermost first */
    uint8_t nvlan;
    uint8_t sll_pkttype;        /* SLL2: 0 to this host, 4 sent by this host */
    uint32_t sll_ifindex;       /* SLL2: interface index */
};

struct cw_tcp_opts {
    uint16_t mss;               /* 0: no MSS option */
    int8_t wscale;              /* -1: no window-scale option */
    bool sack_perm;
    bool ts;                    /* timestamps option with tsval/tsecr */
    uint32_t tsval, tsecr;
    uint8_t nsack;              /* SACK blocks, at most 4 ([left, right) edges) */
    uint32_t sack[4][2];
};

struct cw_tcp {
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;              /* TCP_* bits of dissect/dissect.h */
    uint16_t win;               /* raw window field */
    struct cw_tcp_opts opt;
    const uint8_t *payload;
    uint32_t len;
};

/* Options with nothing set (wscale -1). */
struct cw_tcp_opts cw_no_opts(void);

/* Build a whole frame into buf (at most cap bytes); return its length, 0 when it does not fit or
 * the arguments are inconsistent (address families differ, unknown link type). */
size_t cw_frame_tcp(uint8_t *buf, size_t cap, const struct cw_link *l, const struct cw_addr *src,
                    const struct cw_addr *dst, uint16_t ip_id, const struct cw_tcp *t);
/* The same with a chosen TTL (IPv4) or hop limit (IPv6); cw_frame_tcp uses CW_DEFAULT_TTL. */
size_t cw_frame_tcp_ttl(uint8_t *buf, size_t cap, const struct cw_link *l,
                        const struct cw_addr *src, const struct cw_addr *dst, uint16_t ip_id,
                        uint8_t ttl, const struct cw_tcp *t);
size_t cw_frame_udp(uint8_t *buf, size_t cap, const struct cw_link *l, const struct cw_addr *src,
                    const struct cw_addr *dst, uint16_t ip_id, uint16_t sport, uint16_t dport,
                    const uint8_t *payload, uint32_t len);

/* The IPv4 (with checksum; DF set) or IPv6 header of a packet carrying l4len bytes of protocol
 * `proto` with this TTL / hop limit, at `at`; returns its length (20 or 40). */
size_t cw_ip_header(uint8_t *at, const struct cw_addr *src, const struct cw_addr *dst,
                    uint8_t proto, uint16_t ip_id, uint8_t ttl, size_t l4len);

/* ---- encapsulations (capwriter_encap.c) ------------------------------------------------------ */

/* One layer of a stack. Each writes its own header; what names the layer inside it (an
 * ethertype, an IP protocol, a PPP protocol, a length) comes from that layer's kind. */
enum cw_enc {
    /* link layers: the frame's link type when outermost */
    CW_ENC_ETH,          /* Ethernet II (1); a length and LLC when it carries CW_ENC_LLC */
    CW_ENC_FDDI,         /* FDDI (10), carries CW_ENC_LLC */
    CW_ENC_WLAN,         /* 802.11 data frame to the DS (105), carries CW_ENC_LLC; flags:
                            CW_WLAN_QOS, CW_WLAN_PAD (2 bytes after a QoS header, as radiotap's
                            data-pad flag asks), CW_WLAN_AMSDU */
    CW_ENC_RADIOTAP,     /* radiotap (127) with a Flags field (CW_WLAN_PAD: data pad), WLAN */
    CW_ENC_PPI,          /* PPI (192) of 802.11, carries CW_ENC_WLAN */
    CW_ENC_PPP,          /* PPP in HDLC framing (9) */
    CW_ENC_CHDLC,        /* Cisco HDLC (104) */
    CW_ENC_NFLOG,        /* Linux NFLOG (239), carries IP */
    CW_ENC_RAW,          /* nothing: raw IP (101) */
    /* shims */
    CW_ENC_VLAN,         /* 802.1Q tag, VLAN `id` */
    CW_ENC_QINQ,         /* 802.1ad tag, VLAN `id` */
    CW_ENC_LLC,          /* 802.2 LLC with SNAP */
    CW_ENC_MPLS,         /* a label `id`; bottom of stack unless it carries MPLS */
    CW_ENC_PWCW,         /* a pseudowire control word; carries CW_ENC_ETH */
    CW_ENC_PPPOE,        /* PPPoE session `id`, then PPP */
    CW_ENC_PBB,          /* 802.1ah I-Tag, I-SID `id`; carries CW_ENC_ETH */
    CW_ENC_VNTAG,
    CW_ENC_ETAG,
    CW_ENC_FABRICPATH,   /* FTag/TTL; carries CW_ENC_ETH */
    /* tunnels */
    CW_ENC_IP,           /* an IPv4 or IPv6 header from src to dst */
    CW_ENC_UDP,          /* a UDP header from sport to dport (checksum 0) */
    CW_ENC_GRE,          /* GRE, key `id` with CW_GRE_KEY, a sequence number with CW_GRE_SEQ */
    CW_ENC_ERSPAN1,      /* GRE + ERSPAN type I; carries CW_ENC_ETH */
    CW_ENC_ERSPAN2,      /* GRE + ERSPAN type II, session `id`; carries CW_ENC_ETH */
    CW_ENC_ERSPAN3,      /* GRE + ERSPAN type III, session `id` (CW_ERSPAN_SUBHDR: platform
                            subheader); carries CW_ENC_ETH */
    CW_ENC_PPTP,         /* PPTP's enhanced GRE, call `id`, then PPP in HDLC framing */
    CW_ENC_ARUBA,        /* GRE of an Aruba access point (0x8200); carries CW_ENC_WLAN */
    CW_ENC_VXLAN,        /* VNI `id`; carries CW_ENC_ETH. Put a CW_ENC_UDP outside. */
    CW_ENC_GENEVE,       /* VNI `id` (CW_GENEVE_OPT: 8 bytes of options) */
    CW_ENC_GTPU,         /* TEID `id` (CW_GTPU_EXT: sequence number and an extension header) */
    CW_ENC_TEREDO,       /* (CW_TEREDO_ORIGIN: an origin indication); carries IPv6 */
    CW_ENC_AYIYA,        /* a 16-byte identity and a 20-byte signature */
};

enum {
    CW_WLAN_QOS = 1, CW_WLAN_PAD = 2, CW_WLAN_AMSDU = 4,
    CW_GRE_KEY = 1, CW_GRE_SEQ = 2,
    CW_ERSPAN_SUBHDR = 1, CW_GENEVE_OPT = 1, CW_GTPU_EXT = 1, CW_TEREDO_ORIGIN = 1,
};

struct cw_layer {
    enum cw_enc kind;
    uint32_t id;
    uint16_t flags;
    struct cw_addr src, dst;    /* CW_ENC_IP */
    uint16_t sport, dport;      /* CW_ENC_UDP */
};

/* Wraps the IP packet ip[iplen] in layers[n - 1] (the innermost) ... layers[0] (the
 * outermost) into buf[cap]. Returns the frame's length, 0 when it does not fit or a layer
 * cannot carry what is inside it. When `starts` is not NULL, starts[i] = where layers[i]
 * begins and starts[n] = where the IP packet does. *linktype = the outermost layer's. */
size_t cw_encap(uint8_t *buf, size_t cap, const struct cw_layer *layers, size_t n,
                const uint8_t *ip, size_t iplen, uint32_t *starts, int *linktype);

/* ---- conversations --------------------------------------------------------------------------- */

enum conv_dir { ORIG = 0, RESP = 1 };

struct conv_end {
    struct cw_addr addr;
    uint16_t port;
    uint8_t mac[6];
    uint32_t isn;               /* this side's SYN sequence number */
    uint32_t nxt;               /* next sequence number this side sends */
    uint16_t win;               /* raw window field of its segments */
    struct cw_tcp_opts syn_opts;/* options on its SYN or SYN+ACK (timestamps: .ts) */
    bool ts;                    /* put a timestamps option on every segment */
    uint32_t tsval;             /* its next tsval (advances by one per segment) */
    uint32_t ts_recent;         /* last tsval seen from the peer, echoed */
    uint16_t ip_id;             /* IPv4 ID of its next segment (advances by one per segment) */
    uint8_t ttl;                /* TTL / hop limit of its segments (CW_DEFAULT_TTL) */
};

struct conv {
    struct cw_pcap *w;
    struct conv_end end[2];     /* [ORIG], [RESP] */
    uint16_t vlan[CW_MAX_VLAN];
    uint8_t nvlan;
    /* When nencap > 0, every packet is built as raw IP and wrapped in encap[0..nencap) (the
     * writer's link type must be the outermost layer's); encap_reply wraps the responder's
     * packets when set (a tunnel's way back: outer addresses swapped), else encap does. */
    const struct cw_layer *encap, *encap_reply;
    size_t nencap;
};

/* A conversation between orig_addr:oport and resp_addr:rport (both IPv4 or both IPv6) written
 * to w. ISNs default to 1000 (orig) and 5000 (resp), nxt = isn (set nxt directly for a
 * conversation picked up mid-stream), windows 65535, no options. -1 on a bad address. */
int conv_init(struct conv *c, struct cw_pcap *w, const char *orig_addr, uint16_t oport,
              const char *resp_addr, uint16_t rport);
/* Sets both ISNs (and nxt = isn). */
void conv_isn(struct conv *c, uint32_t orig_isn, uint32_t resp_isn);
/* Gives both SYNs realistic options: MSS 1460, SACK-permitted, and window scale when >= 0. */
void conv_syn_opts(struct conv *c, int orig_wscale, int resp_wscale);

/* The originator's SYN (seq = isn; again for a retransmission); nxt = isn + 1. */
void conv_syn(struct conv *c);
/* The responder's SYN+ACK acknowledging the originator's SYN. */
void conv_synack(struct conv *c);
/* SYN, SYN+ACK, ACK. */
void conv_handshake(struct conv *c);
/* A pure ACK from `d` (seq = d.nxt, ack = peer.nxt). */
void conv_ack(struct conv *c, enum conv_dir d);
/* A segment from `d` carrying text (strlen) or len bytes at d.nxt, acking peer.nxt when flags
 * has TCP_ACK; advances d.nxt by the payload (and 1 for SYN/FIN). */
void conv_send(struct conv *c, enum conv_dir d, uint8_t flags, const char *text);
void conv_sendn(struct conv *c, enum conv_dir d, uint8_t flags, const void *data, uint32_t len);
/* FIN+ACK from `d` at d.nxt; d.nxt += 1. */
void conv_fin(struct conv *c, enum conv_dir d);
/* A RST from `d` at exactly d.nxt; with extra = TCP_ACK it acks peer.nxt. */
void conv_rst(struct conv *c, enum conv_dir d, uint8_t extra);
/* d closes first: FIN, peer's ACK, peer's FIN, d's ACK. */
void conv_close4(struct conv *c, enum conv_dir d);
/* Any segment from `d`, exactly as given; the conversation's state is not changed. */
void conv_raw(struct conv *c, enum conv_dir d, uint8_t flags, uint32_t seq, uint32_t ack,
              const void *payload, uint32_t len);
/* Like conv_raw with a full header description (ports and addresses come from the conv). */
void conv_raw_tcp(struct conv *c, enum conv_dir d, const struct cw_tcp *t);
/* A UDP datagram from `d` between the conversation's endpoints. */
void conv_udp(struct conv *c, enum conv_dir d, const void *data, uint32_t len);
/* Moves the writer's clock forward. */
void conv_wait(struct conv *c, int64_t us);

#endif
