/*
 * capwriter_encap.c — the capture writer's encapsulations (capwriter.h, cw_encap): an IP
 * packet wrapped, from the inside out, in the headers of a stack of layers, each written as
 * its specification lays it out, naming what it carries by ethertype, IP protocol, PPP
 * protocol or length.
 */
#include "tests/lib/capwriter.h"

#include <string.h>

static void be16(uint8_t *at, uint16_t v)
{
    at[0] = (uint8_t)(v >> 8);
    at[1] = (uint8_t)v;
}

static void be32(uint8_t *at, uint32_t v)
{
    be16(at, (uint16_t)(v >> 16));
    be16(at + 2, (uint16_t)v);
}

static void le16(uint8_t *at, uint16_t v)
{
    at[0] = (uint8_t)v;
    at[1] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *at, uint32_t v)
{
    le16(at, (uint16_t)v);
    le16(at + 2, (uint16_t)(v >> 16));
}

static const uint8_t MAC_A[6] = {0x02, 0x00, 0x5e, 0x20, 0x00, 0x01};
static const uint8_t MAC_B[6] = {0x02, 0x00, 0x5e, 0x20, 0x00, 0x02};

/* What a layer carries: the next layer's kind, or the IP packet (CW_ENC_RAW) of `version`. */
struct inner {
    enum cw_enc kind;
    uint8_t version;          /* CW_ENC_IP / CW_ENC_RAW: 4 or 6 */
    size_t len;               /* bytes from it to the end of the frame */
};

static bool is_ip(const struct inner *in)
{
    return in->kind == CW_ENC_IP || in->kind == CW_ENC_RAW;
}

/* The ethertype naming what is inside; 0 when it has none. */
static uint16_t ethertype(const struct inner *in)
{
    if (is_ip(in))
        return in->version == 6 ? 0x86DD : 0x0800;
    switch (in->kind) {
    case CW_ENC_VLAN: return 0x8100;
    case CW_ENC_QINQ: return 0x88A8;
    case CW_ENC_MPLS: return 0x8847;
    case CW_ENC_PPPOE: return 0x8864;
    case CW_ENC_PBB: return 0x88E7;
    case CW_ENC_VNTAG: return 0x8926;
    case CW_ENC_ETAG: return 0x893F;
    case CW_ENC_FABRICPATH: return 0x8903;
    case CW_ENC_ETH: return 0x6558;
    default: return 0;
    }
}

static uint8_t ip_protocol(const struct inner *in)
{
    if (is_ip(in))
        return in->version == 6 ? 41 : 4;
    switch (in->kind) {
    case CW_ENC_UDP: return 17;
    case CW_ENC_GRE: case CW_ENC_ERSPAN1: case CW_ENC_ERSPAN2: case CW_ENC_ERSPAN3:
    case CW_ENC_PPTP: case CW_ENC_ARUBA: return 47;
    default: return 0;
    }
}

static uint16_t ppp_protocol(const struct inner *in)
{
    if (is_ip(in))
        return in->version == 6 ? 0x0057 : 0x0021;
    return in->kind == CW_ENC_MPLS ? 0x0281 : 0;
}

/* Bytes of the layer's header. */
static size_t header_len(const struct cw_layer *l)
{
    switch (l->kind) {
    case CW_ENC_ETH: return 14;
    case CW_ENC_FDDI: return 13;
    case CW_ENC_WLAN:
        return 24 + ((l->flags & CW_WLAN_QOS) ? 2 : 0) + ((l->flags & CW_WLAN_PAD) ? 2 : 0) +
               ((l->flags & CW_WLAN_AMSDU) ? 14 : 0);
    case CW_ENC_RADIOTAP: return 9;
    case CW_ENC_PPI: return 8;
    case CW_ENC_PPP: case CW_ENC_CHDLC: return 4;
    case CW_ENC_NFLOG: return 16;
    case CW_ENC_RAW: return 0;
    case CW_ENC_VLAN: case CW_ENC_QINQ: return 4;
    case CW_ENC_LLC: return 8;
    case CW_ENC_MPLS: case CW_ENC_PWCW: case CW_ENC_PBB: return 4;
    case CW_ENC_PPPOE: return 8;
    case CW_ENC_VNTAG: return 6;
    case CW_ENC_ETAG: return 8;
    case CW_ENC_FABRICPATH: return 2;
    case CW_ENC_IP: return l->src.family == 6 ? 40 : 20;
    case CW_ENC_UDP: return 8;
    case CW_ENC_GRE:
        return 4 + ((l->flags & CW_GRE_KEY) ? 4 : 0) + ((l->flags & CW_GRE_SEQ) ? 4 : 0);
    case CW_ENC_ERSPAN1: case CW_ENC_ARUBA: return 4;
    case CW_ENC_ERSPAN2: return 8 + 8;
    case CW_ENC_ERSPAN3: return 8 + 12 + ((l->flags & CW_ERSPAN_SUBHDR) ? 8 : 0);
    case CW_ENC_PPTP: return 12 + 4;
    case CW_ENC_VXLAN: return 8;
    case CW_ENC_GENEVE: return 8 + ((l->flags & CW_GENEVE_OPT) ? 8 : 0);
    case CW_ENC_GTPU: return 8 + ((l->flags & CW_GTPU_EXT) ? 8 : 0);
    case CW_ENC_TEREDO: return (l->flags & CW_TEREDO_ORIGIN) ? 8 : 0;
    case CW_ENC_AYIYA: return 8 + 16 + 20;
    default: return (size_t)-1;
    }
}

static int link_type(enum cw_enc kind)
{
    switch (kind) {
    case CW_ENC_ETH: return 1;
    case CW_ENC_FDDI: return 10;
    case CW_ENC_WLAN: return 105;
    case CW_ENC_RADIOTAP: return 127;
    case CW_ENC_PPI: return 192;
    case CW_ENC_PPP: return 9;
    case CW_ENC_CHDLC: return 104;
    case CW_ENC_NFLOG: return 239;
    case CW_ENC_RAW: case CW_ENC_IP: return 101;
    default: return -1;
    }
}

/* Link-layer headers. false when the layer cannot carry `in`. */
static bool link_header(uint8_t *at, const struct cw_layer *l, const struct inner *in)
{
    switch (l->kind) {
    case CW_ENC_ETH:
        memcpy(at, MAC_B, 6);
        memcpy(at + 6, MAC_A, 6);
        be16(at + 12, in->kind == CW_ENC_LLC ? (uint16_t)in->len : ethertype(in));
        return in->kind == CW_ENC_LLC ? in->len <= 1500 : ethertype(in) != 0;
    case CW_ENC_FDDI:
        at[0] = 0x50;                        /* LLC, asynchronous */
        memcpy(at + 1, MAC_B, 6);
        memcpy(at + 7, MAC_A, 6);
        return in->kind == CW_ENC_LLC;
    case CW_ENC_LLC:
        at[0] = at[1] = 0xAA;
        at[2] = 0x03;
        at[3] = at[4] = at[5] = 0;
        be16(at + 6, ethertype(in));
        return ethertype(in) != 0;
    case CW_ENC_PPP:
        at[0] = 0xFF;
        at[1] = 0x03;
        be16(at + 2, ppp_protocol(in));
        return ppp_protocol(in) != 0;
    case CW_ENC_CHDLC:
        at[0] = 0x0F;
        at[1] = 0;
        be16(at + 2, ethertype(in));
        return ethertype(in) != 0;
    case CW_ENC_NFLOG:
        at[0] = in->version == 6 ? 10 : 2;
        at[1] = 0;
        be16(at + 2, 0);                     /* resource id */
        le16(at + 4, 8);                     /* NFULA_PACKET_HDR: 4 bytes of data */
        le16(at + 6, 1);
        memset(at + 8, 0, 4);
        le16(at + 12, (uint16_t)(4 + in->len));
        le16(at + 14, 9);                    /* NFULA_PAYLOAD */
        return is_ip(in);
    case CW_ENC_RAW:
        return is_ip(in);
    default:
        return false;
    }
}

static bool wlan_header(uint8_t *at, const struct cw_layer *l, const struct inner *in)
{
    bool qos = l->flags & CW_WLAN_QOS;
    size_t n = 24;
    memset(at, 0, header_len(l));
    at[0] = qos ? 0x88 : 0x08;               /* data, QoS data */
    at[1] = 0x01;                            /* to the DS */
    memcpy(at + 4, MAC_B, 6);                /* BSSID */
    memcpy(at + 10, MAC_A, 6);               /* source */
    memcpy(at + 16, MAC_B, 6);               /* destination */
    if (qos) {
        at[24] = (l->flags & CW_WLAN_AMSDU) ? 0x80 : 0;
        n += 2 + ((l->flags & CW_WLAN_PAD) ? 2 : 0);
    }
    if (l->flags & CW_WLAN_AMSDU) {
        memcpy(at + n, MAC_B, 6);
        memcpy(at + n + 6, MAC_A, 6);
        be16(at + n + 12, (uint16_t)in->len);
    }
    return in->kind == CW_ENC_LLC;
}

static bool radio_header(uint8_t *at, const struct cw_layer *l, const struct inner *in)
{
    if (l->kind == CW_ENC_RADIOTAP) {
        at[0] = at[1] = 0;
        le16(at + 2, 9);
        le32(at + 4, 0x00000002);            /* Flags present */
        at[8] = (l->flags & CW_WLAN_PAD) ? 0x20 : 0;
    } else {
        at[0] = at[1] = 0;
        le16(at + 2, 8);
        le32(at + 4, 105);
    }
    return in->kind == CW_ENC_WLAN;
}

/* Shims between a link layer and what it carries. */
static bool shim_header(uint8_t *at, const struct cw_layer *l, const struct inner *in)
{
    switch (l->kind) {
    case CW_ENC_VLAN: case CW_ENC_QINQ:
        be16(at, (uint16_t)(l->id & 0x0FFF));
        be16(at + 2, ethertype(in));
        return ethertype(in) != 0;
    case CW_ENC_MPLS:
        be32(at, l->id << 12 | (in->kind == CW_ENC_MPLS ? 0 : 0x100) | 64);
        return true;
    case CW_ENC_PWCW:
        be32(at, 0);
        return in->kind == CW_ENC_ETH;
    case CW_ENC_PPPOE:
        at[0] = 0x11;
        at[1] = 0;
        be16(at + 2, (uint16_t)l->id);
        be16(at + 4, (uint16_t)(2 + in->len));
        be16(at + 6, ppp_protocol(in));
        return ppp_protocol(in) != 0;
    case CW_ENC_PBB:
        be32(at, l->id & 0xFFFFFF);
        return in->kind == CW_ENC_ETH;
    case CW_ENC_VNTAG: case CW_ENC_ETAG: {
        size_t tag = l->kind == CW_ENC_VNTAG ? 4 : 6;
        memset(at, 0, tag);
        be16(at + tag, ethertype(in));
        return ethertype(in) != 0;
    }
    case CW_ENC_FABRICPATH:
        be16(at, 0x0001);
        return in->kind == CW_ENC_ETH;
    default:
        return false;
    }
}

/* GRE and what rides on GRE headers. */
static bool gre_header(uint8_t *at, const struct cw_layer *l, const struct inner *in)
{
    size_t n = 4;
    switch (l->kind) {
    case CW_ENC_GRE:
        be16(at, (uint16_t)(((l->flags & CW_GRE_KEY) ? 0x2000 : 0) |
                            ((l->flags & CW_GRE_SEQ) ? 0x1000 : 0)));
        be16(at + 2, ethertype(in));
        if (l->flags & CW_GRE_KEY) {
            be32(at + n, l->id);
            n += 4;
        }
        if (l->flags & CW_GRE_SEQ)
            be32(at + n, 1);
        return ethertype(in) != 0;
    case CW_ENC_ERSPAN1:
        be16(at, 0);
        be16(at + 2, 0x88BE);
        return in->kind == CW_ENC_ETH;
    case CW_ENC_ERSPAN2:
        be16(at, 0x1000);
        be16(at + 2, 0x88BE);
        be32(at + 4, 1);
        be16(at + 8, 0x1000);                /* version 1, VLAN 0 */
        be16(at + 10, (uint16_t)(l->id & 0x3FF));
        be32(at + 12, 0);
        return in->kind == CW_ENC_ETH;
    case CW_ENC_ERSPAN3:
        be16(at, 0x1000);
        be16(at + 2, 0x22EB);
        be32(at + 4, 1);
        be16(at + 8, 0x2000);                /* version 2 */
        be16(at + 10, (uint16_t)(l->id & 0x3FF));
        be32(at + 12, 0x12345678);           /* timestamp */
        be16(at + 16, 0);                    /* SGT */
        at[18] = 0x80;                       /* P, frame type 0 (Ethernet) */
        at[19] = (l->flags & CW_ERSPAN_SUBHDR) ? 1 : 0;
        if (l->flags & CW_ERSPAN_SUBHDR)
            memset(at + 20, 0, 8);
        return in->kind == CW_ENC_ETH;
    case CW_ENC_PPTP:
        be16(at, 0x3001);                    /* K, S, version 1 */
        be16(at + 2, 0x880B);
        be16(at + 4, (uint16_t)(4 + in->len));
        be16(at + 6, (uint16_t)l->id);
        be32(at + 8, 1);
        at[12] = 0xFF;
        at[13] = 0x03;
        be16(at + 14, ppp_protocol(in));
        return ppp_protocol(in) != 0;
    case CW_ENC_ARUBA:
        be16(at, 0);
        be16(at + 2, 0x8200);
        return in->kind == CW_ENC_WLAN;
    default:
        return false;
    }
}

/* Tunnel headers inside UDP. */
static bool udp_tunnel_header(uint8_t *at, const struct cw_layer *l, const struct inner *in)
{
    switch (l->kind) {
    case CW_ENC_VXLAN:
        be32(at, 0x08000000);
        be32(at + 4, l->id << 8);
        return in->kind == CW_ENC_ETH;
    case CW_ENC_GENEVE:
        at[0] = (l->flags & CW_GENEVE_OPT) ? 2 : 0;   /* options: 2 words */
        at[1] = 0;
        be16(at + 2, ethertype(in));
        be32(at + 4, l->id << 8);
        if (l->flags & CW_GENEVE_OPT) {
            be16(at + 8, 0x0103);            /* option class */
            at[10] = 0x80;                   /* type */
            at[11] = 1;                      /* 1 word of data */
            be32(at + 12, 0xdeadbeef);
        }
        return ethertype(in) != 0;
    case CW_ENC_GTPU: {
        bool ext = l->flags & CW_GTPU_EXT;
        at[0] = ext ? 0x36 : 0x30;           /* version 1, PT, (E, S) */
        at[1] = 0xFF;
        be16(at + 2, (uint16_t)(in->len + (ext ? 8 : 0)));
        be32(at + 4, l->id);
        if (ext) {
            be16(at + 8, 7);                 /* sequence number */
            at[10] = 0;
            at[11] = 0x85;                   /* PDU session container follows */
            at[12] = 1;                      /* 4 bytes */
            at[13] = 0x10;
            at[14] = 0x09;
            at[15] = 0;                      /* no more */
        }
        return is_ip(in);
    }
    case CW_ENC_TEREDO:
        if (l->flags & CW_TEREDO_ORIGIN) {
            be16(at, 0);
            be16(at + 2, 0xffff ^ 40000);
            be32(at + 4, 0xffffffff ^ 0xc0000201);
        }
        return is_ip(in) && in->version == 6;
    case CW_ENC_AYIYA:
        at[0] = 0x41;                        /* identity 2^4 bytes, type 1 */
        at[1] = 0x52;                        /* signature 5 words, SHA-1 */
        at[2] = 0x11;                        /* auth method 1, opcode forward */
        at[3] = ip_protocol(in);
        be32(at + 4, 1700000000);            /* epoch */
        memset(at + 8, 0x11, 16);
        memset(at + 24, 0x22, 20);
        return is_ip(in);
    default:
        return false;
    }
}

static bool write_header(uint8_t *at, const struct cw_layer *l, const struct inner *in)
{
    switch (l->kind) {
    case CW_ENC_WLAN:
        return wlan_header(at, l, in);
    case CW_ENC_RADIOTAP: case CW_ENC_PPI:
        return radio_header(at, l, in);
    case CW_ENC_IP:
        cw_ip_header(at, &l->src, &l->dst, ip_protocol(in), 0x77, CW_DEFAULT_TTL, in->len);
        return ip_protocol(in) != 0 && l->src.family == l->dst.family;
    case CW_ENC_UDP:
        be16(at, l->sport);
        be16(at + 2, l->dport);
        be16(at + 4, (uint16_t)(8 + in->len));
        be16(at + 6, 0);
        return true;
    case CW_ENC_GRE: case CW_ENC_ERSPAN1: case CW_ENC_ERSPAN2: case CW_ENC_ERSPAN3:
    case CW_ENC_PPTP: case CW_ENC_ARUBA:
        return gre_header(at, l, in);
    case CW_ENC_VXLAN: case CW_ENC_GENEVE: case CW_ENC_GTPU: case CW_ENC_TEREDO:
    case CW_ENC_AYIYA:
        return udp_tunnel_header(at, l, in);
    case CW_ENC_VLAN: case CW_ENC_QINQ: case CW_ENC_MPLS: case CW_ENC_PWCW: case CW_ENC_PPPOE:
    case CW_ENC_PBB: case CW_ENC_VNTAG: case CW_ENC_ETAG: case CW_ENC_FABRICPATH:
        return shim_header(at, l, in);
    default:
        return link_header(at, l, in);
    }
}

size_t cw_encap(uint8_t *buf, size_t cap, const struct cw_layer *layers, size_t n,
                const uint8_t *ip, size_t iplen, uint32_t *starts, int *linktype)
{
    size_t total = iplen;
    for (size_t i = 0; i < n; i++) {
        size_t h = header_len(&layers[i]);
        if (h == (size_t)-1)
            return 0;
        total += h;
    }
    if (iplen == 0 || total > cap || total > 65535)
        return 0;
    size_t pos = total - iplen;
    memcpy(buf + pos, ip, iplen);
    struct inner in = {CW_ENC_RAW, (uint8_t)(ip[0] >> 4), iplen};
    if (starts)
        starts[n] = (uint32_t)pos;
    for (size_t i = n; i-- > 0;) {
        const struct cw_layer *l = &layers[i];
        pos -= header_len(l);
        if (!write_header(buf + pos, l, &in))
            return 0;
        if (starts)
            starts[i] = (uint32_t)pos;
        in = (struct inner){l->kind, l->src.family, total - pos};
    }
    *linktype = link_type(n ? layers[0].kind : CW_ENC_RAW);
    return *linktype < 0 ? 0 : total;
}
