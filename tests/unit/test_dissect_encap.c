/*
 * test_dissect_encap.c — the dissector on encapsulated frames built by the capture writer
 * (tests/lib/capwriter.h, cw_encap): every encapsulation and link type of docs/dissect.md,
 * decoded whole (inner 5-tuple, outermost tunnel, VLAN), then cut before every byte from heap
 * buffers of exactly that size (AddressSanitizer sees any overread): every cut is a
 * truncation reason, and a cut at a layer's first byte is that layer's. Then hostile nesting
 * (a tunnel inside itself 100 times: refused by depth) and the reasons of frames that are
 * not decodable.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/dissect.h"
#include "tests/lib/capwriter.h"

#define MAXL 210

static struct cw_addr addr(const char *text)
{
    struct cw_addr a;
    cr_assert_eq(cw_addr_parse(&a, text), 0, "%s", text);
    return a;
}

/* The inner packet: a SYN from 10.1.0.1:40000 to 10.2.0.2:80 (or fd00:1::1 to fd00:2::2). */
static size_t inner_syn(uint8_t *buf, size_t cap, int family)
{
    struct cw_link l = {.linktype = CW_LINK_RAW};
    struct cw_addr s = addr(family == 6 ? "fd00:1::1" : "10.1.0.1");
    struct cw_addr d = addr(family == 6 ? "fd00:2::2" : "10.2.0.2");
    struct cw_tcp t = {.sport = 40000, .dport = 80, .seq = 1000, .flags = TCP_SYN,
                       .win = 65535, .opt = cw_no_opts()};
    size_t n = cw_frame_tcp(buf, cap, &l, &s, &d, 1, &t);
    cr_assert_gt(n, 0);
    return n;
}

static struct cw_layer L(enum cw_enc kind, uint32_t id, uint16_t flags)
{
    return (struct cw_layer){.kind = kind, .id = id, .flags = flags};
}

static struct cw_layer IP(const char *src, const char *dst)
{
    return (struct cw_layer){.kind = CW_ENC_IP, .src = addr(src), .dst = addr(dst)};
}

static struct cw_layer UDP(uint16_t sport, uint16_t dport)
{
    return (struct cw_layer){.kind = CW_ENC_UDP, .sport = sport, .dport = dport};
}

/* The reason a decoder gives when its header's first byte is the first one missing. */
static enum dissect_result cut_reason(enum cw_enc kind)
{
    switch (kind) {
    case CW_ENC_IP: case CW_ENC_RAW: return DISSECT_TRUNC_IP;
    case CW_ENC_UDP: return DISSECT_TRUNC_L4;
    case CW_ENC_ETH: case CW_ENC_FDDI: case CW_ENC_WLAN: case CW_ENC_RADIOTAP: case CW_ENC_PPI:
    case CW_ENC_PPP: case CW_ENC_CHDLC: case CW_ENC_NFLOG: case CW_ENC_VLAN: case CW_ENC_QINQ:
    case CW_ENC_LLC:
        return DISSECT_TRUNC_LINK;
    default: return DISSECT_TRUNC_ENCAP;
    }
}

static bool is_trunc(enum dissect_result r)
{
    return r == DISSECT_TRUNC_LINK || r == DISSECT_TRUNC_ENCAP || r == DISSECT_TRUNC_IP ||
           r == DISSECT_TRUNC_L4;
}

struct expect {
    uint8_t tunnel;           /* enum tunnel_kind of the outermost tunnel */
    uint8_t tunnels;
    bool has_id;
    uint32_t id;
    uint16_t vlan;
};

/* Decodes the whole frame and every prefix of it. */
static void check_frame(const char *name, const struct cw_layer *layers, size_t n, int family,
                        struct expect e)
{
    uint8_t ip[256], frame[CW_MAX_FRAME];
    uint32_t starts[MAXL + 1];
    int lt;
    size_t iplen = inner_syn(ip, sizeof ip, family);
    size_t len = cw_encap(frame, sizeof frame, layers, n, ip, iplen, starts, &lt);
    cr_assert_gt(len, 0, "%s: cw_encap", name);
    struct packet p;
    enum dissect_result r = dissect_packet(lt, frame, (uint32_t)len, (uint32_t)len, &p);
    cr_assert_eq(r, DISSECT_OK, "%s: %s", name, dissect_reason_name(r));
    char a[64], b[64];
    cr_assert_str_eq(ip_addr_str(&p.src, a, sizeof a), family == 6 ? "fd00:1::1" : "10.1.0.1",
                     "%s", name);
    cr_assert_str_eq(ip_addr_str(&p.dst, b, sizeof b), family == 6 ? "fd00:2::2" : "10.2.0.2",
                     "%s", name);
    cr_assert_eq(p.l4proto, IPPROTO_NUM_TCP, "%s", name);
    cr_assert_eq(p.sport, 40000, "%s", name);
    cr_assert_eq(p.dport, 80, "%s", name);
    cr_assert_eq(p.tcp.flags, TCP_SYN, "%s", name);
    cr_assert_eq(p.ip_hdr, frame + starts[n], "%s: ip_hdr", name);
    cr_assert_eq(p.ip_len, iplen, "%s", name);
    cr_assert_eq(p.tunnel.kind, e.tunnel, "%s: tunnel kind %d", name, p.tunnel.kind);
    cr_assert_eq(p.tunnels, e.tunnels, "%s: tunnels %d", name, p.tunnels);
    cr_assert_eq(p.tunnel.has_id, e.has_id, "%s: has_id", name);
    cr_assert_eq(p.tunnel.id, e.id, "%s: id %u", name, p.tunnel.id);
    cr_assert_eq(p.vlan, e.vlan, "%s: vlan %u", name, p.vlan);
    for (size_t i = 0; e.tunnel && i < n; i++)
        if (layers[i].kind == CW_ENC_IP) {   /* the first outer IP header is the tunnel's */
            cr_assert_eq(memcmp(p.tunnel.src.bytes, layers[i].src.b, 16), 0, "%s: src", name);
            cr_assert_eq(memcmp(p.tunnel.dst.bytes, layers[i].dst.b, 16), 0, "%s: dst", name);
            break;
        }
    for (uint32_t cut = 0; cut < len; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1);
        memcpy(copy, frame, cut);
        r = dissect_packet(lt, copy, cut, (uint32_t)len, &p);
        free(copy);
        cr_assert(is_trunc(r), "%s: cut at %u: %s", name, cut, dissect_reason_name(r));
        for (size_t i = 0; i <= n; i++) {
            if (starts[i] != cut || (i < n && i + 1 <= n && starts[i + 1] == cut))
                continue;
            enum dissect_result want = cut_reason(i < n ? layers[i].kind : CW_ENC_RAW);
            if (i > 0 && (layers[i - 1].kind == CW_ENC_MPLS ||
                          layers[i - 1].kind == CW_ENC_TEREDO))
                want = DISSECT_TRUNC_ENCAP;   /* they look ahead at what they carry */
            cr_assert_eq(r, want, "%s: cut at layer %zu (byte %u): %s, not %s", name, i, cut,
                         dissect_reason_name(r), dissect_reason_name(want));
        }
    }
}

#define CHECK(name, family, e, ...)                                                       \
    do {                                                                                   \
        const struct cw_layer layers_[] = {__VA_ARGS__};                                   \
        check_frame(name, layers_, sizeof layers_ / sizeof *layers_, family, e);           \
    } while (0)

static const struct expect PLAIN = {0};

Test(encap, link_layer_shims)
{
    CHECK("MPLS in VLAN", 4, ((struct expect){.vlan = 100}), L(CW_ENC_ETH, 0, 0),
          L(CW_ENC_VLAN, 100, 0), L(CW_ENC_MPLS, 16, 0), L(CW_ENC_MPLS, 17, 0));
    CHECK("MPLS IPv6", 6, PLAIN, L(CW_ENC_ETH, 0, 0), L(CW_ENC_MPLS, 5, 0));
    CHECK("MPLS pseudowire with control word", 4, PLAIN, L(CW_ENC_ETH, 0, 0),
          L(CW_ENC_MPLS, 20, 0), L(CW_ENC_PWCW, 0, 0), L(CW_ENC_ETH, 0, 0));
    CHECK("MPLS pseudowire without control word", 4, PLAIN, L(CW_ENC_ETH, 0, 0),
          L(CW_ENC_MPLS, 20, 0), L(CW_ENC_ETH, 0, 0));
    CHECK("PPPoE over QinQ", 4, ((struct expect){.vlan = 10}), L(CW_ENC_ETH, 0, 0),
          L(CW_ENC_QINQ, 10, 0), L(CW_ENC_VLAN, 20, 0), L(CW_ENC_PPPOE, 0x1234, 0));
    CHECK("PPPoE IPv6", 6, PLAIN, L(CW_ENC_ETH, 0, 0), L(CW_ENC_PPPOE, 7, 0));
    CHECK("802.1ah PBB", 4, ((struct expect){.vlan = 30}), L(CW_ENC_ETH, 0, 0),
          L(CW_ENC_QINQ, 30, 0), L(CW_ENC_PBB, 0x10000, 0), L(CW_ENC_ETH, 0, 0),
          L(CW_ENC_VLAN, 40, 0));
    CHECK("VN-Tag", 4, ((struct expect){.vlan = 11}), L(CW_ENC_ETH, 0, 0),
          L(CW_ENC_VNTAG, 0, 0), L(CW_ENC_VLAN, 11, 0));
    CHECK("802.1BR E-Tag", 4, PLAIN, L(CW_ENC_ETH, 0, 0), L(CW_ENC_ETAG, 0, 0));
    CHECK("FabricPath", 6, PLAIN, L(CW_ENC_ETH, 0, 0), L(CW_ENC_FABRICPATH, 0, 0),
          L(CW_ENC_ETH, 0, 0));
    CHECK("802.2 LLC/SNAP on Ethernet", 4, PLAIN, L(CW_ENC_ETH, 0, 0), L(CW_ENC_LLC, 0, 0));
}

Test(encap, link_types)
{
    CHECK("FDDI", 4, PLAIN, L(CW_ENC_FDDI, 0, 0), L(CW_ENC_LLC, 0, 0));
    CHECK("802.11 data", 4, PLAIN, L(CW_ENC_WLAN, 0, 0), L(CW_ENC_LLC, 0, 0));
    CHECK("802.11 QoS data", 6, PLAIN, L(CW_ENC_WLAN, 0, CW_WLAN_QOS), L(CW_ENC_LLC, 0, 0));
    CHECK("802.11 A-MSDU", 4, PLAIN, L(CW_ENC_WLAN, 0, CW_WLAN_QOS | CW_WLAN_AMSDU),
          L(CW_ENC_LLC, 0, 0));
    CHECK("radiotap", 4, PLAIN, L(CW_ENC_RADIOTAP, 0, 0), L(CW_ENC_WLAN, 0, CW_WLAN_QOS),
          L(CW_ENC_LLC, 0, 0));
    CHECK("radiotap, data pad", 4, PLAIN, L(CW_ENC_RADIOTAP, 0, CW_WLAN_PAD),
          L(CW_ENC_WLAN, 0, CW_WLAN_QOS | CW_WLAN_PAD), L(CW_ENC_LLC, 0, 0));
    CHECK("PPI", 4, PLAIN, L(CW_ENC_PPI, 0, 0), L(CW_ENC_WLAN, 0, 0), L(CW_ENC_LLC, 0, 0));
    CHECK("PPP in HDLC framing", 4, PLAIN, L(CW_ENC_PPP, 0, 0));
    CHECK("PPP, MPLS", 6, PLAIN, L(CW_ENC_PPP, 0, 0), L(CW_ENC_MPLS, 3, 0));
    CHECK("Cisco HDLC", 4, PLAIN, L(CW_ENC_CHDLC, 0, 0));
    CHECK("NFLOG", 4, PLAIN, L(CW_ENC_NFLOG, 0, 0));
    CHECK("NFLOG IPv6", 6, PLAIN, L(CW_ENC_NFLOG, 0, 0));
}

Test(encap, gre_family)
{
    CHECK("GRE with key", 4, ((struct expect){TUNNEL_GRE, 1, true, 77, 0}), L(CW_ENC_ETH, 0, 0),
          IP("192.0.2.1", "192.0.2.2"), L(CW_ENC_GRE, 77, CW_GRE_KEY | CW_GRE_SEQ));
    CHECK("GRE, transparent Ethernet bridging", 6, ((struct expect){TUNNEL_GRE, 1, false, 0, 0}),
          L(CW_ENC_ETH, 0, 0), IP("2001:db8::1", "2001:db8::2"), L(CW_ENC_GRE, 0, 0),
          L(CW_ENC_ETH, 0, 0));
    CHECK("GRE, MPLS", 4, ((struct expect){TUNNEL_GRE, 1, false, 0, 0}), L(CW_ENC_ETH, 0, 0),
          IP("192.0.2.1", "192.0.2.2"), L(CW_ENC_GRE, 0, 0), L(CW_ENC_MPLS, 100, 0));
    CHECK("ERSPAN I", 4, ((struct expect){TUNNEL_ERSPAN, 1, false, 0, 0}), L(CW_ENC_ETH, 0, 0),
          IP("192.0.2.1", "192.0.2.2"), L(CW_ENC_ERSPAN1, 0, 0), L(CW_ENC_ETH, 0, 0));
    CHECK("ERSPAN II", 4, ((struct expect){TUNNEL_ERSPAN, 1, true, 100, 5}),
          L(CW_ENC_ETH, 0, 0), IP("192.0.2.1", "192.0.2.2"), L(CW_ENC_ERSPAN2, 100, 0),
          L(CW_ENC_ETH, 0, 0), L(CW_ENC_VLAN, 5, 0));
    CHECK("ERSPAN III", 4, ((struct expect){TUNNEL_ERSPAN, 1, true, 1023, 0}),
          L(CW_ENC_ETH, 0, 0), IP("192.0.2.1", "192.0.2.2"), L(CW_ENC_ERSPAN3, 1023, 0),
          L(CW_ENC_ETH, 0, 0));
    CHECK("ERSPAN III, subheader", 6, ((struct expect){TUNNEL_ERSPAN, 1, true, 1, 0}),
          L(CW_ENC_ETH, 0, 0), IP("192.0.2.1", "192.0.2.2"),
          L(CW_ENC_ERSPAN3, 1, CW_ERSPAN_SUBHDR), L(CW_ENC_ETH, 0, 0));
    CHECK("PPTP", 4, ((struct expect){TUNNEL_PPTP, 1, false, 0, 0}), L(CW_ENC_ETH, 0, 0),
          IP("192.0.2.1", "192.0.2.2"), L(CW_ENC_PPTP, 7, 0));
    CHECK("Aruba", 4, ((struct expect){TUNNEL_GRE, 1, false, 0, 0}), L(CW_ENC_ETH, 0, 0),
          IP("192.0.2.1", "192.0.2.2"), L(CW_ENC_ARUBA, 0, 0), L(CW_ENC_WLAN, 0, CW_WLAN_QOS),
          L(CW_ENC_LLC, 0, 0));
    CHECK("GRE in UDP", 4, ((struct expect){TUNNEL_GRE, 1, false, 0, 0}), L(CW_ENC_ETH, 0, 0),
          IP("192.0.2.1", "192.0.2.2"), UDP(50000, 4754), L(CW_ENC_GRE, 0, 0));
}

Test(encap, ip_in_ip)
{
    struct expect ipip = {TUNNEL_IPIP, 1, false, 0, 0};
    CHECK("4in4", 4, ipip, L(CW_ENC_ETH, 0, 0), IP("192.0.2.1", "192.0.2.2"));
    CHECK("6in4", 6, ipip, L(CW_ENC_ETH, 0, 0), IP("192.0.2.1", "192.0.2.2"));
    CHECK("4in6", 4, ipip, L(CW_ENC_ETH, 0, 0), IP("2001:db8::1", "2001:db8::2"));
    CHECK("6in6, raw IP", 6, ipip, IP("2001:db8::1", "2001:db8::2"));
}

Test(encap, udp_tunnels)
{
    CHECK("VXLAN", 4, ((struct expect){TUNNEL_VXLAN, 1, true, 42, 0}), L(CW_ENC_ETH, 0, 0),
          IP("192.0.2.1", "192.0.2.2"), UDP(51234, 4789), L(CW_ENC_VXLAN, 42, 0),
          L(CW_ENC_ETH, 0, 0));
    CHECK("Geneve, Ethernet", 6, ((struct expect){TUNNEL_GENEVE, 1, true, 0xABCDEF, 0}),
          L(CW_ENC_ETH, 0, 0), IP("192.0.2.1", "192.0.2.2"), UDP(51234, 6081),
          L(CW_ENC_GENEVE, 0xABCDEF, CW_GENEVE_OPT), L(CW_ENC_ETH, 0, 0));
    CHECK("Geneve, IP", 4, ((struct expect){TUNNEL_GENEVE, 1, true, 9, 0}), L(CW_ENC_ETH, 0, 0),
          IP("2001:db8::1", "2001:db8::2"), UDP(51234, 6081), L(CW_ENC_GENEVE, 9, 0));
    CHECK("GTP-U", 4, ((struct expect){TUNNEL_GTPU, 1, true, 0xCAFE0001, 0}),
          L(CW_ENC_ETH, 0, 0), IP("192.0.2.1", "192.0.2.2"), UDP(2152, 2152),
          L(CW_ENC_GTPU, 0xCAFE0001, 0));
    CHECK("GTP-U, extension header", 6, ((struct expect){TUNNEL_GTPU, 1, true, 5, 0}),
          L(CW_ENC_ETH, 0, 0), IP("192.0.2.1", "192.0.2.2"), UDP(40000, 2152),
          L(CW_ENC_GTPU, 5, CW_GTPU_EXT));
    CHECK("Teredo", 6, ((struct expect){TUNNEL_TEREDO, 1, false, 0, 0}), L(CW_ENC_ETH, 0, 0),
          IP("192.0.2.1", "192.0.2.2"), UDP(3544, 40000), L(CW_ENC_TEREDO, 0, 0));
    CHECK("Teredo, origin indication", 6, ((struct expect){TUNNEL_TEREDO, 1, false, 0, 0}),
          L(CW_ENC_ETH, 0, 0), IP("192.0.2.1", "192.0.2.2"), UDP(3544, 40000),
          L(CW_ENC_TEREDO, 0, CW_TEREDO_ORIGIN));
    CHECK("AYIYA", 6, ((struct expect){TUNNEL_AYIYA, 1, false, 0, 0}), L(CW_ENC_ETH, 0, 0),
          IP("192.0.2.1", "192.0.2.2"), UDP(40000, 5072), L(CW_ENC_AYIYA, 0, 0));
    CHECK("AYIYA, IPv4", 4, ((struct expect){TUNNEL_AYIYA, 1, false, 0, 0}), L(CW_ENC_ETH, 0, 0),
          IP("192.0.2.1", "192.0.2.2"), UDP(40000, 5072), L(CW_ENC_AYIYA, 0, 0));
}

Test(encap, nested_tunnels_keep_the_outermost)
{
    CHECK("GRE in VXLAN", 4, ((struct expect){TUNNEL_VXLAN, 2, true, 1, 0}),
          L(CW_ENC_ETH, 0, 0), IP("192.0.2.1", "192.0.2.2"), UDP(51234, 4789),
          L(CW_ENC_VXLAN, 1, 0), L(CW_ENC_ETH, 0, 0), IP("198.51.100.1", "198.51.100.2"),
          L(CW_ENC_GRE, 0, 0));
    CHECK("four tunnels", 6, ((struct expect){TUNNEL_GTPU, 4, true, 3, 0}), L(CW_ENC_ETH, 0, 0),
          IP("192.0.2.1", "192.0.2.2"), UDP(2152, 2152), L(CW_ENC_GTPU, 3, 0),
          IP("192.0.2.3", "192.0.2.4"), L(CW_ENC_GRE, 0, 0), IP("192.0.2.5", "192.0.2.6"),
          UDP(1, 4789), L(CW_ENC_VXLAN, 8, 0), L(CW_ENC_ETH, 0, 0),
          IP("2001:db8::1", "2001:db8::2"));
}

/* ---- hostile nesting ---------------------------------------------------------------------- */

/* ETH, then `unit` (k layers) `times` times, then the inner SYN: decode it. */
static enum dissect_result nested(const struct cw_layer *unit, size_t k, size_t times)
{
    static struct cw_layer layers[1 + 3 * 100];
    uint8_t ip[128], frame[CW_MAX_FRAME];
    size_t n = 0;
    int lt;
    layers[n++] = L(CW_ENC_ETH, 0, 0);
    for (size_t t = 0; t < times; t++)
        for (size_t i = 0; i < k; i++)
            layers[n++] = unit[i];
    size_t iplen = inner_syn(ip, sizeof ip, 4);
    size_t len = cw_encap(frame, sizeof frame, layers, n, ip, iplen, NULL, &lt);
    cr_assert_gt(len, 0);
    uint8_t *copy = malloc(len);
    memcpy(copy, frame, len);
    struct packet p;
    enum dissect_result r = dissect_packet(lt, copy, (uint32_t)len, (uint32_t)len, &p);
    free(copy);
    return r;
}

Test(encap, a_tunnel_inside_itself_100_times_is_refused_by_depth)
{
    struct cw_layer gre[] = {IP("192.0.2.1", "192.0.2.2"), L(CW_ENC_GRE, 0, 0)};
    cr_assert_eq(nested(gre, 2, DISSECT_MAX_TUNNEL), DISSECT_OK);
    cr_assert_eq(nested(gre, 2, DISSECT_MAX_TUNNEL + 1), DISSECT_TUNNEL_TOO_DEEP);
    cr_assert_eq(nested(gre, 2, 100), DISSECT_TUNNEL_TOO_DEEP);
    struct cw_layer ipip[] = {IP("192.0.2.1", "192.0.2.2")};
    cr_assert_eq(nested(ipip, 1, 100), DISSECT_TUNNEL_TOO_DEEP);
    struct cw_layer vxlan[] = {IP("192.0.2.1", "192.0.2.2"), UDP(1, 4789),
                               L(CW_ENC_VXLAN, 1, 0), L(CW_ENC_ETH, 0, 0)};
    cr_assert_eq(nested(vxlan, 4, 50), DISSECT_TUNNEL_TOO_DEEP);
    struct cw_layer mpls[] = {L(CW_ENC_MPLS, 1, 0)};
    cr_assert_eq(nested(mpls, 1, DISSECT_MAX_MPLS), DISSECT_OK);
    cr_assert_eq(nested(mpls, 1, 100), DISSECT_MPLS_TOO_DEEP);
    struct cw_layer vlan[] = {L(CW_ENC_VLAN, 1, 0)};
    cr_assert_eq(nested(vlan, 1, 100), DISSECT_VLAN_TOO_DEEP);
    /* headers that are no tunnel, repeated: the bound on headers per frame */
    struct cw_layer vntag[] = {L(CW_ENC_VNTAG, 0, 0)};
    cr_assert_eq(nested(vntag, 1, 100), DISSECT_TUNNEL_TOO_DEEP);
    struct cw_layer pw[] = {L(CW_ENC_MPLS, 1, 0), L(CW_ENC_PWCW, 0, 0), L(CW_ENC_ETH, 0, 0)};
    cr_assert_eq(nested(pw, 3, 60), DISSECT_TUNNEL_TOO_DEEP);
    struct cw_layer pbb[] = {L(CW_ENC_PBB, 1, 0), L(CW_ENC_ETH, 0, 0)};
    cr_assert_eq(nested(pbb, 2, 100), DISSECT_TUNNEL_TOO_DEEP);
}

/* ---- frames that do not decode, and frames that are no tunnel ------------------------------ */

/* The frame of `layers` around the SYN, for editing. */
static size_t build(uint8_t *frame, const struct cw_layer *layers, size_t n, int *lt,
                    uint32_t *starts)
{
    uint8_t ip[128];
    size_t iplen = inner_syn(ip, sizeof ip, 4);
    size_t len = cw_encap(frame, CW_MAX_FRAME, layers, n, ip, iplen, starts, lt);
    cr_assert_gt(len, 0);
    return len;
}

static enum dissect_result decode(int lt, const uint8_t *frame, size_t len, struct packet *p)
{
    return dissect_packet(lt, frame, (uint32_t)len, (uint32_t)len, p);
}

Test(encap, wlan_frames_without_ip_have_their_own_reasons)
{
    const struct cw_layer l[] = {L(CW_ENC_WLAN, 0, CW_WLAN_QOS), L(CW_ENC_LLC, 0, 0)};
    uint8_t f[CW_MAX_FRAME];
    uint32_t st[4];
    int lt;
    struct packet p;
    size_t len = build(f, l, 2, &lt, st);
    f[0] = 0x80;                                   /* beacon */
    cr_assert_eq(decode(lt, f, len, &p), DISSECT_WLAN_MGMT);
    f[0] = 0xD4;                                   /* ACK */
    cr_assert_eq(decode(lt, f, 10, &p), DISSECT_WLAN_CTRL);
    f[0] = 0x88;
    f[1] = 0x41;                                   /* protected */
    cr_assert_eq(decode(lt, f, len, &p), DISSECT_WLAN_PROTECTED);
    f[0] = 0xC8;                                   /* QoS null: no body */
    f[1] = 0x01;
    cr_assert_eq(decode(lt, f, len, &p), DISSECT_NOT_IP);
    f[0] = 0x88;
    f[26] = 0x42;                                  /* LLC of spanning tree, not SNAP */
    cr_assert_eq(decode(lt, f, len, &p), DISSECT_NOT_IP);
}

Test(encap, malformed_encapsulations_are_bad_encap)
{
    const struct cw_layer gre[] = {L(CW_ENC_ETH, 0, 0), IP("192.0.2.1", "192.0.2.2"),
                                   L(CW_ENC_GRE, 0, 0)};
    uint8_t f[CW_MAX_FRAME], g[CW_MAX_FRAME];
    uint32_t st[8];
    int lt;
    struct packet p;
    size_t len = build(f, gre, 3, &lt, st);
    memcpy(g, f, len);
    g[st[2]] = 0x40;                               /* routing present (RFC 1701) */
    cr_assert_eq(decode(lt, g, len, &p), DISSECT_BAD_ENCAP);
    memcpy(g, f, len);
    g[st[2] + 1] = 0x02;                           /* version 2 */
    cr_assert_eq(decode(lt, g, len, &p), DISSECT_BAD_ENCAP);

    const struct cw_layer e2[] = {L(CW_ENC_ETH, 0, 0), IP("192.0.2.1", "192.0.2.2"),
                                  L(CW_ENC_ERSPAN2, 3, 0), L(CW_ENC_ETH, 0, 0)};
    len = build(f, e2, 4, &lt, st);
    f[st[2] + 8] = 0x30;                           /* ERSPAN version 3 in a type II header */
    cr_assert_eq(decode(lt, f, len, &p), DISSECT_BAD_ENCAP);

    const struct cw_layer pptp[] = {L(CW_ENC_ETH, 0, 0), IP("192.0.2.1", "192.0.2.2"),
                                    L(CW_ENC_PPTP, 3, 0)};
    len = build(f, pptp, 3, &lt, st);
    f[st[2] + 4] = f[st[2] + 5] = 0;               /* payload length 0: an acknowledgment */
    cr_assert_eq(decode(lt, f, len, &p), DISSECT_NOT_IP);

    const struct cw_layer pppoe[] = {L(CW_ENC_ETH, 0, 0), L(CW_ENC_PPPOE, 3, 0)};
    len = build(f, pppoe, 2, &lt, st);
    memcpy(g, f, len);
    g[st[1]] = 0x12;                               /* version/type */
    cr_assert_eq(decode(lt, g, len, &p), DISSECT_BAD_ENCAP);
    memcpy(g, f, len);
    g[st[1] + 6] = 0xC0;                           /* LCP */
    g[st[1] + 7] = 0x21;
    cr_assert_eq(decode(lt, g, len, &p), DISSECT_NOT_IP);
}

Test(encap, udp_on_a_tunnel_port_that_is_no_tunnel_stays_udp)
{
    const struct cw_layer vx[] = {L(CW_ENC_ETH, 0, 0), IP("192.0.2.1", "192.0.2.2"),
                                  UDP(51234, 4789), L(CW_ENC_VXLAN, 1, 0), L(CW_ENC_ETH, 0, 0)};
    uint8_t f[CW_MAX_FRAME];
    uint32_t st[8];
    int lt;
    struct packet p;
    size_t len = build(f, vx, 5, &lt, st);
    f[st[3]] = 0;                                  /* no I flag */
    cr_assert_eq(decode(lt, f, len, &p), DISSECT_OK);
    cr_assert_eq(p.l4proto, IPPROTO_NUM_UDP);
    cr_assert_eq(p.dport, 4789);
    cr_assert_eq(p.tunnel.kind, TUNNEL_NONE);
    cr_assert_eq(p.tunnels, 0);

    const struct cw_layer gtp[] = {L(CW_ENC_ETH, 0, 0), IP("192.0.2.1", "192.0.2.2"),
                                   UDP(2152, 2152), L(CW_ENC_GTPU, 1, 0)};
    len = build(f, gtp, 4, &lt, st);
    f[st[3] + 1] = 1;                              /* echo request */
    cr_assert_eq(decode(lt, f, len, &p), DISSECT_OK);
    cr_assert_eq(p.l4proto, IPPROTO_NUM_UDP);
    cr_assert_eq(p.tunnel.kind, TUNNEL_NONE);

    const struct cw_layer ter[] = {L(CW_ENC_ETH, 0, 0), IP("192.0.2.1", "192.0.2.2"),
                                   UDP(3544, 3544)};
    len = build(f, ter, 3, &lt, st);              /* an IPv4 packet after the UDP header */
    cr_assert_eq(decode(lt, f, len, &p), DISSECT_OK);
    cr_assert_eq(p.l4proto, IPPROTO_NUM_UDP);
    cr_assert_eq(p.sport, 3544);
    cr_assert_eq(p.tunnel.kind, TUNNEL_NONE);
}

Test(encap, tunnel_text)
{
    char buf[DISSECT_TUNNEL_STRLEN];
    struct tunnel t = {.kind = TUNNEL_VXLAN, .has_id = true, .id_keyed = true, .id = 42,
                       .src = {4, {10, 0, 0, 1}}, .dst = {4, {10, 0, 0, 2}}};
    cr_assert_str_eq(dissect_tunnel_str(&t, 4, buf, sizeof buf), "vxlan 10.0.0.1>10.0.0.2 vni 42");
    t.kind = TUNNEL_IPIP;
    t.has_id = false;
    cr_assert_str_eq(dissect_tunnel_str(&t, 6, buf, sizeof buf), "6in4 10.0.0.1>10.0.0.2");
    t.kind = TUNNEL_GTPU;
    t.has_id = true;
    t.id = 0xCAFE;
    cr_assert_str_eq(dissect_tunnel_str(&t, 4, buf, sizeof buf),
                     "gtpu 10.0.0.1>10.0.0.2 teid 0x0000cafe");
    t = (struct tunnel){.kind = TUNNEL_ERSPAN, .has_id = true, .id = 1023,
                        .src = {6, {0xfd, [15] = 1}}, .dst = {6, {0xfd, [15] = 2}}};
    cr_assert_str_eq(dissect_tunnel_str(&t, 4, buf, sizeof buf), "erspan fd00::1>fd00::2 session 1023");
    t.kind = TUNNEL_NONE;
    cr_assert_str_eq(dissect_tunnel_str(&t, 4, buf, sizeof buf), "");
    /* the longest text fits */
    t = (struct tunnel){.kind = TUNNEL_GENEVE, .has_id = true, .id = 16777215, .src = {6, {0}},
                        .dst = {6, {0}}};
    memset(t.src.bytes, 0x12, 16);
    memset(t.dst.bytes, 0x34, 16);
    dissect_tunnel_str(&t, 6, buf, sizeof buf);
    cr_assert_lt(strlen(buf), sizeof buf - 1, "%s", buf);
    cr_assert_not_null(strstr(buf, " vni 16777215"));
}
