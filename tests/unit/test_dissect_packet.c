/*
 * test_dissect_packet.c — the dissector on hand-built frames: the original link types, VLAN
 * stacks, IPv4 and IPv6 (extension headers, the final addresses of a Routing header and a Home
 * Address option, fragments, a reassembled datagram, TSO lengths, padding), TCP options, and
 * one test per reason code. A last test decodes every prefix of valid frames from a heap
 * buffer of exactly that size, so AddressSanitizer catches any read past caplen. Encapsulations
 * and the other link types: test_dissect_encap.c.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/dissect.h"

/* A frame under construction. */
struct frame {
    uint8_t b[512];
    uint32_t n;
};

static void put(struct frame *f, const void *p, uint32_t n)
{
    memcpy(f->b + f->n, p, n);
    f->n += n;
}
static void put8(struct frame *f, uint8_t v) { put(f, &v, 1); }
static void put16(struct frame *f, uint16_t v) { put8(f, (uint8_t)(v >> 8)); put8(f, (uint8_t)v); }
static void put32(struct frame *f, uint32_t v) { put16(f, (uint16_t)(v >> 16)); put16(f, (uint16_t)v); }

static void eth(struct frame *f, uint16_t type)
{
    static const uint8_t macs[12] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2};
    put(f, macs, 12);
    put16(f, type);
}

/* IPv4 header with total length `tot` (header 20 + opt_words*4). */
static void ipv4(struct frame *f, uint8_t proto, uint16_t tot, uint16_t frag, int opt_words)
{
    put8(f, (uint8_t)(0x40 | (5 + opt_words)));
    put8(f, 0);
    put16(f, tot);
    put16(f, 0xBEEF);   /* identification */
    put16(f, frag);
    put8(f, 64);
    put8(f, proto);
    put16(f, 0);
    put32(f, 0x0A000001);
    put32(f, 0x0A000002);
    for (int i = 0; i < opt_words; i++)
        put32(f, 0x01010101);   /* NOPs */
}

static void ipv6(struct frame *f, uint8_t nh, uint16_t plen)
{
    put32(f, 0x60000000);
    put16(f, plen);
    put8(f, nh);
    put8(f, 63);
    uint8_t src[16] = {0xfd, 0x77, [15] = 1}, dst[16] = {0xfd, 0x77, [15] = 2};
    put(f, src, 16);
    put(f, dst, 16);
}

/* TCP header with `opt` bytes of options (multiple of 4). */
static void tcp(struct frame *f, uint8_t flags, const uint8_t *opt, uint8_t optlen)
{
    put16(f, 40000);
    put16(f, 80);
    put32(f, 1000);
    put32(f, 2000);
    put8(f, (uint8_t)(((20 + optlen) / 4) << 4));
    put8(f, flags);
    put16(f, 65535);
    put32(f, 0);   /* checksum, urgent pointer */
    if (optlen)
        put(f, opt, optlen);
}

static enum dissect_result decode(int lt, const struct frame *f, struct packet *p)
{
    return dissect_packet(lt, f->b, f->n, f->n, p);
}

/* Ethernet + IPv4 + TCP with `payload` bytes of payload. */
static void eth_v4_tcp(struct frame *f, uint32_t payload)
{
    eth(f, 0x0800);
    ipv4(f, 6, (uint16_t)(40 + payload), 0, 0);
    tcp(f, TCP_ACK | TCP_PSH, NULL, 0);
    for (uint32_t i = 0; i < payload; i++)
        put8(f, 'a');
}

Test(dissect, ethernet_ipv4_tcp)
{
    struct frame f = {0};
    struct packet p;
    eth_v4_tcp(&f, 5);
    cr_assert_eq(decode(1, &f, &p), DISSECT_OK);
    cr_assert_eq(p.ip_version, 4);
    cr_assert_eq(p.l4proto, IPPROTO_NUM_TCP);
    cr_assert_eq(p.sport, 40000);
    cr_assert_eq(p.dport, 80);
    cr_assert_eq(p.tcp.seq, 1000);
    cr_assert_eq(p.tcp.ack, 2000);
    cr_assert_eq(p.tcp.flags, TCP_ACK | TCP_PSH);
    cr_assert_eq(p.tcp.win, 65535);
    cr_assert_eq(p.payload_len, 5);
    cr_assert_eq(p.payload_caplen, 5);
    cr_assert_eq(p.payload, f.b + 54);
    cr_assert_eq(p.ip_len, 45);
    cr_assert_eq(p.l4_len, 25);
    cr_assert_eq(p.ip_hdr, f.b + 14);
    cr_assert_eq(p.ttl, 64);
    cr_assert_eq(p.ip_id, 0xBEEF);
    char buf[64];
    cr_assert_str_eq(ip_addr_str(&p.src, buf, sizeof buf), "10.0.0.1");
    cr_assert_str_eq(ip_addr_str(&p.dst, buf, sizeof buf), "10.0.0.2");
}

Test(dissect, ethernet_padding_is_ignored)
{
    struct frame f = {0};
    struct packet p;
    eth_v4_tcp(&f, 0);
    for (int i = 0; i < 6; i++)
        put8(&f, 0xEE);   /* minimum frame padding */
    cr_assert_eq(decode(1, &f, &p), DISSECT_OK);
    cr_assert_eq(p.payload_len, 0);
    cr_assert_eq(p.payload_caplen, 0);
    cr_assert_eq(p.ip_caplen, 40);
}

Test(dissect, snaplen_cut_payload_is_counted_not_refused)
{
    struct frame f = {0};
    struct packet p;
    eth_v4_tcp(&f, 100);
    cr_assert_eq(dissect_packet(1, f.b, 64, f.n, &p), DISSECT_OK);
    cr_assert_eq(p.payload_len, 100);
    cr_assert_eq(p.payload_caplen, 10);
    cr_assert_eq(p.ip_caplen, 50);
}

Test(dissect, tso_total_length_zero_is_the_frame)
{
    struct frame f = {0};
    struct packet p;
    eth(&f, 0x0800);
    ipv4(&f, 6, 0, 0, 0);
    tcp(&f, TCP_ACK, NULL, 0);
    for (int i = 0; i < 3000; i++)
        if (f.n < sizeof f.b) put8(&f, 'x');
    cr_assert_eq(dissect_packet(1, f.b, f.n, 14 + 40 + 3000, &p), DISSECT_OK);
    cr_assert_eq(p.payload_len, 3000);
    cr_assert_eq(p.payload_caplen, f.n - 54);
}

/* Any IPv4 fragment, the first too, is left to reassembly (analyzer/ip_defrag.h): the first
 * one's length is not the datagram's, and its TCP header may not be whole. */
Test(dissect, ipv4_fragments_are_described_for_reassembly)
{
    struct frame f = {0};
    struct packet p;
    eth(&f, 0x0800);
    ipv4(&f, 6, 48, 0x2000, 2);   /* MF set, offset 0 */
    tcp(&f, TCP_SYN, NULL, 0);
    cr_assert_eq(decode(1, &f, &p), DISSECT_IP_FRAGMENT);
    cr_assert_eq(p.ip_version, 4);
    cr_assert_eq(p.l4proto, IPPROTO_NUM_TCP);
    cr_assert_eq(p.frag_id, 0xBEEF);
    cr_assert_eq(p.frag_offset, 0);
    cr_assert(p.frag_more);
    cr_assert_eq(p.ip_hdr, f.b + 14);
    cr_assert_eq(p.payload, f.b + 14 + 28);
    cr_assert_eq(p.payload_len, 20);
    cr_assert_eq(p.payload_caplen, 20);

    struct frame g = {0};
    eth(&g, 0x0800);
    ipv4(&g, 6, 40, 0x0003, 0);   /* offset 24, last */
    tcp(&g, TCP_ACK, NULL, 0);
    cr_assert_eq(dissect_packet(1, g.b, g.n - 5, g.n, &p), DISSECT_IP_FRAGMENT);
    cr_assert_eq(p.frag_offset, 24);
    cr_assert_not(p.frag_more);
    cr_assert_eq(p.payload_len, 20);
    cr_assert_eq(p.payload_caplen, 15);
}

/* A datagram put together from fragments decodes as a packet of its full length, with the
 * layers outside it as its fragment said. */
Test(dissect, reassembled_datagram)
{
    struct frame f = {0};
    struct packet p;
    ipv4(&f, 6, 40 + 100, 0, 0);
    tcp(&f, TCP_ACK | TCP_PSH, NULL, 0);
    for (int i = 0; i < 100; i++)
        put8(&f, 'x');
    memset(&p, 0, sizeof p);
    p.vlan = 7;
    p.vlan_depth = 1;
    p.caplen = p.wirelen = 60;
    p.ttl = 99;
    cr_assert_eq(dissect_reassembled(f.b, 20 + 20 + 30, f.n, &p), DISSECT_OK);
    cr_assert_eq(p.vlan, 7);
    cr_assert_eq(p.caplen, 60);
    cr_assert_eq(p.ttl, 64);
    cr_assert_eq(p.ip_len, 140);
    cr_assert_eq(p.payload_len, 100);
    cr_assert_eq(p.payload_caplen, 30);
    cr_assert_eq(p.tcp.flags, TCP_ACK | TCP_PSH);
    cr_assert_eq(dissect_reassembled(f.b, 30, f.n, &p), DISSECT_TRUNC_L4);
}

/* tshark and Zeek key a flow on the addresses the packet finally goes between. */
Test(dissect, ipv6_routing_header_gives_the_final_destination)
{
    uint8_t a1[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0xa1}, a2[16] = {0x20, 0x01, 0x0d, 0xb8,
                                                                         [15] = 0xa2};
    struct packet p;
    char buf[64];
    for (int left = 0; left < 3; left += 2) {
        struct frame f = {0};
        ipv6(&f, 43, 8 + 32 + 20);
        put8(&f, 6); put8(&f, 4); put8(&f, 0); put8(&f, (uint8_t)left); put32(&f, 0);
        put(&f, a1, 16);
        put(&f, a2, 16);
        tcp(&f, TCP_SYN, NULL, 0);
        cr_assert_eq(decode(229, &f, &p), DISSECT_OK);
        cr_assert_str_eq(ip_addr_str(&p.dst, buf, sizeof buf), left ? "2001:db8::a2" : "fd77::2");
        cr_assert_str_eq(ip_addr_str(&p.src, buf, sizeof buf), "fd77::1");
    }
    struct frame g = {0};              /* type 2: the mobile node's home address */
    ipv6(&g, 43, 24 + 20);
    put8(&g, 6); put8(&g, 2); put8(&g, 2); put8(&g, 1); put32(&g, 0);
    put(&g, a1, 16);
    tcp(&g, TCP_SYN, NULL, 0);
    cr_assert_eq(decode(229, &g, &p), DISSECT_OK);
    cr_assert_str_eq(ip_addr_str(&p.dst, buf, sizeof buf), "2001:db8::a1");
    cr_assert_eq(p.l4proto, IPPROTO_NUM_TCP);
}

Test(dissect, ipv6_home_address_option_gives_the_source)
{
    uint8_t home[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x99};
    struct frame f = {0};
    struct packet p;
    char buf[64];
    ipv6(&f, 60, 24 + 20);
    put8(&f, 6); put8(&f, 2);          /* destination options, 24 bytes */
    put8(&f, 0);                       /* Pad1 */
    put8(&f, 1); put8(&f, 1); put8(&f, 0);   /* PadN */
    put8(&f, 0xC9); put8(&f, 16);      /* Home Address */
    put(&f, home, 16);
    tcp(&f, TCP_SYN, NULL, 0);
    cr_assert_eq(decode(229, &f, &p), DISSECT_OK);
    cr_assert_str_eq(ip_addr_str(&p.src, buf, sizeof buf), "2001:db8::99");
    cr_assert_str_eq(ip_addr_str(&p.dst, buf, sizeof buf), "fd77::2");
    cr_assert_eq(p.sport, 40000);
}

Test(dissect, vlan_stacks)
{
    struct frame f = {0};
    struct packet p;
    uint8_t hdr[12] = {0};
    put(&f, hdr, 12);
    put16(&f, 0x88A8); put16(&f, 0x2064);   /* outer tag, VLAN 100, PCP 1 */
    put16(&f, 0x8100); put16(&f, 0x00C8);   /* inner tag, VLAN 200 */
    put16(&f, 0x0800);
    ipv4(&f, 6, 40, 0, 0);
    tcp(&f, TCP_ACK, NULL, 0);
    cr_assert_eq(decode(1, &f, &p), DISSECT_OK);
    cr_assert_eq(p.vlan, 100);
    cr_assert_eq(p.vlan_depth, 2);
    cr_assert_eq(p.ip_hdr, f.b + 22);
}

Test(dissect, vlan_too_deep)
{
    struct frame f = {0};
    struct packet p;
    uint8_t hdr[12] = {0};
    put(&f, hdr, 12);
    for (int i = 0; i < DISSECT_MAX_VLAN + 1; i++) {
        put16(&f, 0x8100);
        put16(&f, (uint16_t)(i + 1));
    }
    put16(&f, 0x0800);
    ipv4(&f, 6, 40, 0, 0);
    tcp(&f, TCP_ACK, NULL, 0);
    cr_assert_eq(decode(1, &f, &p), DISSECT_VLAN_TOO_DEEP);
}

Test(dissect, arp_is_not_ip)
{
    struct frame f = {0};
    struct packet p;
    eth(&f, 0x0806);
    for (int i = 0; i < 28; i++) put8(&f, 0);
    cr_assert_eq(decode(1, &f, &p), DISSECT_NOT_IP);
}

Test(dissect, linux_sll_and_sll2)
{
    struct frame f = {0};
    struct packet p;
    put16(&f, 0); put16(&f, 1); put16(&f, 6);
    for (int i = 0; i < 8; i++) put8(&f, 0);
    put16(&f, 0x86DD);
    ipv6(&f, 6, 20);
    tcp(&f, TCP_SYN, NULL, 0);
    cr_assert_eq(decode(113, &f, &p), DISSECT_OK);
    cr_assert_eq(p.ip_version, 6);
    cr_assert_eq(p.l4proto, 6);
    cr_assert_eq(p.ttl, 63, "the hop limit");
    cr_assert_eq(p.ip_id, 0, "IPv6 has no identification");

    struct frame g = {0};
    put16(&g, 0x0800); put16(&g, 0); put32(&g, 3); put16(&g, 1); put8(&g, 0); put8(&g, 6);
    for (int i = 0; i < 8; i++) put8(&g, 0);
    ipv4(&g, 6, 40, 0, 0);
    tcp(&g, TCP_FIN | TCP_ACK, NULL, 0);
    cr_assert_eq(decode(276, &g, &p), DISSECT_OK);
    cr_assert_eq(p.ip_version, 4);
    cr_assert_eq(p.tcp.flags, TCP_FIN | TCP_ACK);
}

Test(dissect, raw_ip_picks_version)
{
    struct frame f = {0};
    struct packet p;
    ipv6(&f, 6, 20);
    tcp(&f, TCP_ACK, NULL, 0);
    cr_assert_eq(decode(101, &f, &p), DISSECT_OK);
    cr_assert_eq(p.ip_version, 6);
    cr_assert_eq(decode(12, &f, &p), DISSECT_OK);
    cr_assert_eq(decode(229, &f, &p), DISSECT_OK);
    cr_assert_eq(decode(228, &f, &p), DISSECT_BAD_IP_VERSION);
}

Test(dissect, bsd_loopback_either_byte_order)
{
    struct packet p;
    for (int order = 0; order < 2; order++) {
        struct frame f = {0};
        if (order == 0) { put8(&f, 30); put8(&f, 0); put8(&f, 0); put8(&f, 0); }
        else put32(&f, 30);
        ipv6(&f, 6, 20);
        tcp(&f, TCP_ACK, NULL, 0);
        cr_assert_eq(decode(0, &f, &p), DISSECT_OK, "byte order %d", order);
        cr_assert_eq(p.ip_version, 6);
    }
    struct frame g = {0};
    put32(&g, 2);
    ipv4(&g, 6, 40, 0, 0);
    tcp(&g, TCP_ACK, NULL, 0);
    cr_assert_eq(decode(108, &g, &p), DISSECT_OK);
    g.b[3] = 99;
    cr_assert_eq(decode(108, &g, &p), DISSECT_BAD_LINK);
}

Test(dissect, ipv6_extension_chain)
{
    struct frame f = {0};
    struct packet p;
    ipv6(&f, 0, 8 + 16 + 8 + 20);
    put8(&f, 60); put8(&f, 0); for (int i = 0; i < 6; i++) put8(&f, 1);   /* hop-by-hop */
    put8(&f, 44); put8(&f, 1); for (int i = 0; i < 14; i++) put8(&f, 1);  /* dest opts, 16 */
    put8(&f, 6); put8(&f, 0); put16(&f, 0x0001); put32(&f, 7);            /* fragment, first, M */
    tcp(&f, TCP_SYN, NULL, 0);
    cr_assert_eq(decode(229, &f, &p), DISSECT_OK);
    cr_assert_eq(p.l4proto, 6);
    cr_assert(p.is_fragment);
    cr_assert_eq(p.tcp.flags, TCP_SYN);
    cr_assert_eq(p.payload_len, 0);
}

Test(dissect, ipv6_later_fragment_and_cut_chain)
{
    struct frame f = {0};
    struct packet p;
    ipv6(&f, 44, 8 + 20);
    put8(&f, 6); put8(&f, 0); put16(&f, 0x0010); put32(&f, 7);
    tcp(&f, TCP_ACK, NULL, 0);
    cr_assert_eq(decode(229, &f, &p), DISSECT_IP_FRAGMENT);

    struct frame g = {0};
    ipv6(&g, 60, 8);
    put8(&g, 6); put8(&g, 3);    /* claims 32 bytes, the payload has 8 */
    for (int i = 0; i < 6; i++) put8(&g, 1);
    cr_assert_eq(decode(229, &g, &p), DISSECT_TRUNC_IP6_EXT);
}

Test(dissect, ipv6_no_next_header_and_other_protocols)
{
    struct frame f = {0};
    struct packet p;
    ipv6(&f, 59, 0);
    cr_assert_eq(decode(229, &f, &p), DISSECT_OK);   /* plen 0: the frame's size (40) */
    cr_assert_eq(p.l4proto, 59);
    cr_assert_eq(p.sport, 0);
}

Test(dissect, tcp_options)
{
    const uint8_t opt[] = {2, 4, 0x05, 0xB4,             /* MSS 1460 */
                           1, 3, 3, 7,                   /* NOP, WS 7 */
                           4, 2, 8, 10, 0, 0, 0, 5, 0, 0, 0, 9,   /* SACK-perm, TS 5/9 */
                           1, 1, 5, 10, 0, 0, 0, 100, 0, 0, 0, 200};  /* SACK [100,200) */
    struct frame f = {0};
    struct packet p;
    eth(&f, 0x0800);
    ipv4(&f, 6, (uint16_t)(40 + sizeof opt), 0, 0);
    tcp(&f, TCP_SYN, opt, sizeof opt);
    cr_assert_eq(decode(1, &f, &p), DISSECT_OK);
    cr_assert(p.tcp.has_mss); cr_assert_eq(p.tcp.mss, 1460);
    cr_assert(p.tcp.has_wscale); cr_assert_eq(p.tcp.wscale, 7);
    cr_assert(p.tcp.sack_permitted);
    cr_assert(p.tcp.has_ts); cr_assert_eq(p.tcp.tsval, 5); cr_assert_eq(p.tcp.tsecr, 9);
    cr_assert_eq(p.tcp.sack_count, 1);
    cr_assert_eq(p.tcp.sack[0][0], 100); cr_assert_eq(p.tcp.sack[0][1], 200);
    cr_assert_eq(p.tcp.doff, 20 + sizeof opt);
}

Test(dissect, malformed_option_ends_the_parse)
{
    const uint8_t opt[] = {2, 4, 0x05, 0xB4, 3, 0, 0, 0, 8, 10, 0, 0};   /* WS with length 0 */
    struct frame f = {0};
    struct packet p;
    eth(&f, 0x0800);
    ipv4(&f, 6, (uint16_t)(40 + sizeof opt), 0, 0);
    tcp(&f, TCP_SYN, opt, sizeof opt);
    cr_assert_eq(decode(1, &f, &p), DISSECT_OK);
    cr_assert(p.tcp.has_mss);
    cr_assert_not(p.tcp.has_wscale);
    cr_assert_not(p.tcp.has_ts);
}

Test(dissect, udp_and_icmp)
{
    struct frame f = {0};
    struct packet p;
    eth(&f, 0x0800);
    ipv4(&f, 17, 20 + 8 + 4, 0, 0);
    put16(&f, 5353); put16(&f, 53); put16(&f, 12); put16(&f, 0); put32(&f, 0xdeadbeef);
    cr_assert_eq(decode(1, &f, &p), DISSECT_OK);
    cr_assert_eq(p.sport, 5353); cr_assert_eq(p.dport, 53); cr_assert_eq(p.payload_len, 4);

    struct frame g = {0};
    eth(&g, 0x0800);
    ipv4(&g, 1, 28, 0, 0);
    put8(&g, 3); put8(&g, 3); put16(&g, 0); put32(&g, 0);
    cr_assert_eq(decode(1, &g, &p), DISSECT_OK);
    cr_assert_eq(p.icmp_type, 3); cr_assert_eq(p.icmp_code, 3);
}

Test(dissect, reasons_for_broken_headers)
{
    struct frame f = {0};
    struct packet p;
    eth_v4_tcp(&f, 0);
    cr_assert_eq(dissect_packet(1, f.b, 10, f.n, &p), DISSECT_TRUNC_LINK);
    cr_assert_eq(dissect_packet(1, f.b, 20, f.n, &p), DISSECT_TRUNC_IP);
    cr_assert_eq(dissect_packet(1, f.b, 40, f.n, &p), DISSECT_TRUNC_L4);
    cr_assert_eq(dissect_packet(147, f.b, f.n, f.n, &p), DISSECT_BAD_LINK);

    struct frame g = f;
    g.b[14] = 0x44;   /* IHL 4 */
    cr_assert_eq(decode(1, &g, &p), DISSECT_BAD_IP_HLEN);
    g = f;
    g.b[14] = 0x65;   /* version 6 behind ethertype IPv4 */
    cr_assert_eq(decode(1, &g, &p), DISSECT_BAD_IP_VERSION);
    g = f;
    g.b[17] = 200;    /* total length past the frame */
    cr_assert_eq(decode(1, &g, &p), DISSECT_BAD_IP_LEN);
    g = f;
    g.b[17] = 30;     /* total length below IP + TCP headers */
    cr_assert_eq(decode(1, &g, &p), DISSECT_BAD_IP_LEN);
    g = f;
    g.b[14 + 20 + 12] = 0x40;   /* data offset 16 bytes */
    cr_assert_eq(decode(1, &g, &p), DISSECT_BAD_TCP_OFF);
    g = f;
    g.b[14 + 20 + 12] = 0xF0;   /* 60 bytes, past the segment */
    cr_assert_eq(decode(1, &g, &p), DISSECT_BAD_TCP_OFF);
}

Test(dissect, names)
{
    char buf[64];
    cr_assert_str_eq(dissect_reason_name(DISSECT_TRUNC_IP6_EXT), "trunc_ip6_ext");
    cr_assert_str_eq(dissect_reason_name(DISSECT_BAD_TCP_OFF), "bad_tcp_off");
    for (int r = 0; r < DISSECT_REASON_COUNT; r++) {
        cr_assert_not_null(dissect_reason_name((enum dissect_result)r));
        cr_assert_str_neq(dissect_reason_name((enum dissect_result)r), "unknown", "%d", r);
    }
    cr_assert_str_eq(dissect_link_name(276, buf, sizeof buf), "LINUX_SLL2 (276)");
    cr_assert_str_eq(dissect_link_name(4242, buf, sizeof buf), "4242");
    cr_assert_str_eq(dissect_reason_name(DISSECT_TUNNEL_TOO_DEEP), "tunnel_too_deep");
    cr_assert_str_eq(dissect_reason_name(DISSECT_WLAN_PROTECTED), "wlan_protected");
    cr_assert_str_eq(dissect_reason_name(DISSECT_FRAG_INCOMPLETE), "frag_incomplete");
    cr_assert_str_eq(dissect_reason_name(DISSECT_REASON_COUNT), "unknown");
    cr_assert(dissect_link_supported(1));
    const int more[] = {9, 10, 50, 51, 104, 105, 127, 192, 239};
    for (size_t i = 0; i < sizeof more / sizeof *more; i++)
        cr_assert(dissect_link_supported(more[i]), "%d", more[i]);
    cr_assert_not(dissect_link_supported(147));
    cr_assert_str_eq(dissect_link_name(239, buf, sizeof buf), "NFLOG (239)");
    struct ip_addr a = {.family = 6, .bytes = {0xfd, 0x77, [15] = 2}};
    cr_assert_str_eq(ip_addr_str(&a, buf, sizeof buf), "fd77::2");
}

/* Every prefix of each valid frame, from a buffer of exactly that size: ASan sees overreads. */
Test(dissect, every_prefix_stays_in_bounds)
{
    struct frame frames[3];
    memset(frames, 0, sizeof frames);
    eth_v4_tcp(&frames[0], 3);
    ipv6(&frames[1], 0, 8 + 20);
    put8(&frames[1], 6); put8(&frames[1], 0); for (int i = 0; i < 6; i++) put8(&frames[1], 1);
    tcp(&frames[1], TCP_SYN, (const uint8_t[]){2, 4, 5, 0xB4}, 4);
    put16(&frames[2], 0x0800); put16(&frames[2], 0); put32(&frames[2], 3); put32(&frames[2], 0);
    for (int i = 0; i < 8; i++) put8(&frames[2], 0);
    ipv4(&frames[2], 17, 28, 0, 0);
    put16(&frames[2], 1); put16(&frames[2], 2); put32(&frames[2], 8);
    const int lts[3] = {1, 229, 276};
    for (int k = 0; k < 3; k++)
        for (uint32_t n = 0; n <= frames[k].n; n++) {
            uint8_t *copy = malloc(n ? n : 1);
            memcpy(copy, frames[k].b, n);
            struct packet p;
            enum dissect_result r = dissect_packet(lts[k], copy, n, frames[k].n, &p);
            if (r == DISSECT_OK)
                cr_assert(p.payload_caplen <= n, "frame %d prefix %u", k, n);
            free(copy);
        }
}
