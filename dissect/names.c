/*
 * names.c — the dissector's names: reason codes as stored in the database, link-type names
 * for messages, and IP addresses as text.
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
};

const char *dissect_reason_name(enum dissect_result r)
{
    return (unsigned)r < DISSECT_REASON_COUNT ? REASON_NAMES[r] : "unknown";
}

struct link_name {
    int linktype;
    const char *name;
};

/* The supported link types, then common ones users meet, so a refusal names them. */
static const struct link_name LINK_NAMES[] = {
    {0, "NULL"}, {1, "EN10MB"}, {12, "RAW"}, {14, "RAW"}, {101, "RAW"}, {108, "LOOP"},
    {113, "LINUX_SLL"}, {228, "IPV4"}, {229, "IPV6"}, {276, "LINUX_SLL2"},
    {6, "IEEE802"}, {9, "PPP"}, {50, "PPP_SERIAL"}, {51, "PPP_ETHER"}, {104, "C_HDLC"},
    {105, "IEEE802_11"}, {119, "PRISM_HEADER"}, {127, "IEEE802_11_RADIO"},
    {143, "DOCSIS"}, {147, "USER0"}, {187, "BLUETOOTH_HCI_H4"}, {189, "USB_LINUX"},
    {192, "PPI"}, {195, "IEEE802_15_4"}, {201, "BLUETOOTH_HCI_H4_WITH_PHDR"},
    {220, "USB_LINUX_MMAPPED"}, {227, "CAN_SOCKETCAN"}, {239, "NFLOG"}, {249, "USBPCAP"},
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

const char *ip_addr_str(const struct ip_addr *a, char *buf, size_t buflen)
{
    int af = a->family == 6 ? AF_INET6 : AF_INET;
    if ((a->family != 4 && a->family != 6) ||
        !inet_ntop(af, a->bytes, buf, (socklen_t)buflen))
        snprintf(buf, buflen, "-");
    return buf;
}
