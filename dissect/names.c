/*
 * names.c — the dissector's names: reason codes as stored in the database, link-type names
 * for messages, IP addresses and tunnels as text.
 */
#include <arpa/inet.h>
#include <stdio.h>

#include "dissect/dissect.h"

static const char *const REASON_NAMES[DISSECT_REASON_COUNT] = {
    [DISSECT_OK] = "ok",
    [DISSECT_TRUNC_LINK] = "trunc_link",
    [DISSECT_BAD_LINK] = "bad_link",
    [DISSECT_VLAN_TOO_DEEP] = "vlan_too_deep",
    [DISSECT_NOT_IP] = "not_ip",
    [DISSECT_TRUNC_IP] = "trunc_ip",
    [DISSECT_BAD_IP_VERSION] = "bad_ip_version",
    [DISSECT_BAD_IP_HLEN] = "bad_ip_hlen",
    [DISSECT_BAD_IP_LEN] = "bad_ip_len",
    [DISSECT_IP_FRAGMENT] = "ip_fragment",
    [DISSECT_TRUNC_IP6_EXT] = "trunc_ip6_ext",
    [DISSECT_TRUNC_L4] = "trunc_l4",
    [DISSECT_BAD_TCP_OFF] = "bad_tcp_off",
    [DISSECT_TRUNC_ENCAP] = "trunc_encap",
    [DISSECT_BAD_ENCAP] = "bad_encap",
    [DISSECT_TUNNEL_TOO_DEEP] = "tunnel_too_deep",
    [DISSECT_MPLS_TOO_DEEP] = "mpls_too_deep",
    [DISSECT_WLAN_MGMT] = "wlan_mgmt",
    [DISSECT_WLAN_CTRL] = "wlan_ctrl",
    [DISSECT_WLAN_PROTECTED] = "wlan_protected",
    [DISSECT_FRAG_INCOMPLETE] = "frag_incomplete",
    [DISSECT_FRAG_LIMIT] = "frag_limit",
    [DISSECT_FRAG_BAD] = "frag_bad",
};

const char *dissect_reason_name(enum dissect_result r)
{
    return (unsigned)r < DISSECT_REASON_COUNT ? REASON_NAMES[r] : "unknown";
}

bool dissect_reason_is_error(enum dissect_result r)
{
    switch (r) {
    case DISSECT_OK: case DISSECT_NOT_IP: case DISSECT_IP_FRAGMENT: case DISSECT_WLAN_MGMT:
    case DISSECT_WLAN_CTRL: case DISSECT_WLAN_PROTECTED:
        return false;
    default:
        return (unsigned)r < DISSECT_REASON_COUNT;
    }
}

struct link_name {
    int linktype;
    const char *name;
};

/* The supported link types, then common ones users meet, so a refusal names them. */
static const struct link_name LINK_NAMES[] = {
    {0, "NULL"}, {1, "EN10MB"}, {9, "PPP"}, {10, "FDDI"}, {12, "RAW"}, {14, "RAW"},
    {50, "PPP_SERIAL"}, {51, "PPP_ETHER"}, {101, "RAW"}, {104, "C_HDLC"},
    {105, "IEEE802_11"}, {108, "LOOP"}, {113, "LINUX_SLL"}, {127, "IEEE802_11_RADIO"},
    {192, "PPI"}, {228, "IPV4"}, {229, "IPV6"}, {239, "NFLOG"}, {276, "LINUX_SLL2"},
    {6, "IEEE802"}, {119, "PRISM_HEADER"}, {143, "DOCSIS"}, {147, "USER0"},
    {187, "BLUETOOTH_HCI_H4"}, {189, "USB_LINUX"}, {195, "IEEE802_15_4"},
    {197, "ERF"}, {201, "BLUETOOTH_HCI_H4_WITH_PHDR"}, {215, "IEEE802_15_4_NOFCS"},
    {220, "USB_LINUX_MMAPPED"}, {227, "CAN_SOCKETCAN"}, {249, "USBPCAP"},
    {253, "NETLINK"},
};

const char *dissect_link_name(int linktype, char *buf, size_t buflen)
{
    for (size_t i = 0; i < sizeof LINK_NAMES / sizeof *LINK_NAMES; i++)
        if (LINK_NAMES[i].linktype == linktype) {
            snprintf(buf, buflen, "%s (%d)", LINK_NAMES[i].name, linktype);
            return buf;
        }
    snprintf(buf, buflen, "%d", linktype);
    return buf;
}

/* Dotted quad without stdio: inet_ntop formats through sprintf, which cost the writer thread
 * 6% of its instructions for the two addresses of every flows row. buflen >= 16. */
static void ipv4_str(const uint8_t b[4], char *out)
{
    for (int i = 0; i < 4; i++) {
        unsigned v = b[i];
        if (v >= 100)
            *out++ = (char)('0' + v / 100);
        if (v >= 10)
            *out++ = (char)('0' + v / 10 % 10);
        *out++ = (char)('0' + v % 10);
        *out++ = i < 3 ? '.' : '\0';
    }
}

const char *ip_addr_str(const struct ip_addr *a, char *buf, size_t buflen)
{
    if (a->family == 4 && buflen >= 16) {
        ipv4_str(a->bytes, buf);
        return buf;
    }
    int af = a->family == 6 ? AF_INET6 : AF_INET;
    if ((a->family != 4 && a->family != 6) ||
        !inet_ntop(af, a->bytes, buf, (socklen_t)buflen))
        snprintf(buf, buflen, "-");
    return buf;
}

static const char *const TUNNEL_NAMES[TUNNEL_KIND_COUNT] = {
    [TUNNEL_NONE] = "", [TUNNEL_IPIP] = "ip", [TUNNEL_GRE] = "gre",
    [TUNNEL_ERSPAN] = "erspan", [TUNNEL_PPTP] = "pptp", [TUNNEL_VXLAN] = "vxlan",
    [TUNNEL_GENEVE] = "geneve", [TUNNEL_GTPU] = "gtpu", [TUNNEL_TEREDO] = "teredo",
    [TUNNEL_AYIYA] = "ayiya",
};

/* The tunnel's id as its text ends: " vni 42", ...; "" when it has none. */
static void id_text(const struct tunnel *t, char *buf, size_t len)
{
    unsigned id = (unsigned)t->id;
    buf[0] = '\0';
    if (!t->has_id)
        return;
    switch (t->kind) {
    case TUNNEL_VXLAN: case TUNNEL_GENEVE: snprintf(buf, len, " vni %u", id); break;
    case TUNNEL_GRE: snprintf(buf, len, " key %u", id); break;
    case TUNNEL_ERSPAN: snprintf(buf, len, " session %u", id); break;
    case TUNNEL_GTPU: snprintf(buf, len, " teid 0x%08x", id); break;
    default: break;
    }
}

const char *dissect_tunnel_str(const struct tunnel *t, uint8_t inner_family, char *buf,
                               size_t buflen)
{
    char src[64], dst[64], kind[16], id[32];
    if (t->kind == TUNNEL_NONE || t->kind >= TUNNEL_KIND_COUNT) {
        snprintf(buf, buflen, "%s", "");
        return buf;
    }
    if (t->kind == TUNNEL_IPIP)
        snprintf(kind, sizeof kind, "%uin%u", inner_family == 6 ? 6u : 4u,
                 t->src.family == 6 ? 6u : 4u);
    else
        snprintf(kind, sizeof kind, "%s", TUNNEL_NAMES[t->kind]);
    id_text(t, id, sizeof id);
    snprintf(buf, buflen, "%s %s>%s%s", kind, ip_addr_str(&t->src, src, sizeof src),
             ip_addr_str(&t->dst, dst, sizeof dst), id);
    return buf;
}
