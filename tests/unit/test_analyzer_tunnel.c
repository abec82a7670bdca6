/*
 * test_analyzer_tunnel.c — the outermost tunnel is part of a flow's identity: the same inner
 * 5-tuple in two VXLAN VNIs is two flows, a tunnel's two directions (or a mirror session that
 * carries both directions one way) are one flow, a GTP-U TEID that differs by direction does
 * not split it, and flows.tunnel's text names the tunnel as the flow's first packet came
 * through it. Frames are built by the capture writer and decoded by dissect_packet(); a mock
 * sink keeps the records. Also: two tunnels whose identities share a hash stay apart.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "analyzer/flow.h"
#include "tests/lib/capwriter.h"

#define MAXF 8

static struct flow_record got[MAXF];
static int nflows;

static int mock_flow(void *ctx, const struct flow_record *f, const struct teardown_event *ev,
                     size_t nev, const struct anomaly_record *an, size_t nan,
                     const struct rst_record *rst, size_t nrst, int64_t *id)
{
    (void)rst, (void)nrst;
    (void)ctx; (void)ev; (void)nev; (void)an; (void)nan;
    cr_assert_lt(nflows, MAXF);
    got[nflows] = *f;
    *id = ++nflows;
    return 0;
}

static struct analyzer *az;
static uint64_t pkt_no;

static void setup(void)
{
    nflows = 0;
    pkt_no = 0;
    struct sink s = {.flow = mock_flow};
    struct analyzer_config c;
    analyzer_config_default(&c);
    c.dpi = false;
    az = analyzer_new(&c, &s);
    cr_assert_not_null(az);
}

static struct cw_addr addr(const char *text)
{
    struct cw_addr a;
    cr_assert_eq(cw_addr_parse(&a, text), 0);
    return a;
}

/* A TCP segment between 10.1.0.1:40000 (from_client) and 10.2.0.2:80, in `layers`. */
static void send(const struct cw_layer *layers, size_t n, bool from_client, uint8_t flags)
{
    struct cw_link l = {.linktype = CW_LINK_RAW};
    struct cw_addr c = addr("10.1.0.1"), s = addr("10.2.0.2");
    struct cw_tcp t = {.sport = from_client ? 40000 : 80, .dport = from_client ? 80 : 40000,
                       .seq = from_client ? 1000 : 5000, .ack = from_client ? 5001 : 1001,
                       .flags = flags, .win = 65535, .opt = cw_no_opts()};
    uint8_t ip[256], frame[CW_MAX_FRAME];
    size_t iplen = cw_frame_tcp(ip, sizeof ip, &l, from_client ? &c : &s,
                                from_client ? &s : &c, 1, &t);
    int lt;
    size_t len = cw_encap(frame, sizeof frame, layers, n, ip, iplen, NULL, &lt);
    cr_assert_gt(len, 0);
    struct packet p;
    cr_assert_eq(dissect_packet(lt, frame, (uint32_t)len, (uint32_t)len, &p), DISSECT_OK);
    p.ts_us = 1700000000000000LL + (int64_t)pkt_no * 1000;
    cr_assert_eq(analyzer_packet(az, &p, ++pkt_no), 0);
}

static void handshake(const struct cw_layer *there, const struct cw_layer *back, size_t n)
{
    send(there, n, true, TCP_SYN);
    send(back, n, false, TCP_SYN | TCP_ACK);
    send(there, n, true, TCP_ACK);
}

static void finish(void)
{
    cr_assert_eq(analyzer_finish(az), 0);
    analyzer_free(az);
}

#define VXLAN(FROM, TO, VNI) \
    {{.kind = CW_ENC_ETH}, {.kind = CW_ENC_IP, .src = addr(FROM), .dst = addr(TO)}, \
     {.kind = CW_ENC_UDP, .sport = 50000, .dport = 4789}, {.kind = CW_ENC_VXLAN, .id = VNI}, \
     {.kind = CW_ENC_ETH}}

Test(tunnel, the_same_five_tuple_in_two_vnis_is_two_flows, .init = setup)
{
    struct cw_layer v1[] = VXLAN("192.0.2.1", "192.0.2.2", 1);
    struct cw_layer v1back[] = VXLAN("192.0.2.2", "192.0.2.1", 1);
    struct cw_layer v2[] = VXLAN("192.0.2.1", "192.0.2.2", 2);
    struct cw_layer v2back[] = VXLAN("192.0.2.2", "192.0.2.1", 2);
    struct cw_layer plain[] = {{.kind = CW_ENC_ETH}};
    handshake(v1, v1back, 5);
    handshake(v2, v2back, 5);
    handshake(plain, plain, 1);
    finish();
    cr_assert_eq(nflows, 3);
    const char *want[] = {"vxlan 192.0.2.1>192.0.2.2 vni 1", "vxlan 192.0.2.1>192.0.2.2 vni 2",
                          ""};
    for (int i = 0; i < 3; i++) {
        cr_assert_str_eq(got[i].tunnel, want[i]);
        cr_assert_str_eq(got[i].teardown, "open");
        cr_assert_eq(got[i].pkts[DIR_ORIG], 2);
        cr_assert_eq(got[i].pkts[DIR_RESP], 1);
        cr_assert_eq(got[i].orig_port, 40000);
        cr_assert_eq(got[i].ip_bytes[DIR_ORIG], 80);   /* the inner packets' bytes */
    }
}

Test(tunnel, a_mirror_carrying_both_directions_one_way_is_one_flow, .init = setup)
{
    struct cw_layer m[] = {{.kind = CW_ENC_ETH},
                           {.kind = CW_ENC_IP, .src = addr("192.0.2.9"), .dst = addr("192.0.2.1")},
                           {.kind = CW_ENC_ERSPAN2, .id = 33}, {.kind = CW_ENC_ETH}};
    handshake(m, m, 4);
    finish();
    cr_assert_eq(nflows, 1);
    cr_assert_str_eq(got[0].tunnel, "erspan 192.0.2.9>192.0.2.1 session 33");
    cr_assert_eq(got[0].pkts[DIR_RESP], 1);
}

Test(tunnel, gtpu_teids_differ_by_direction_but_name_one_flow, .init = setup)
{
    struct cw_layer up[] = {{.kind = CW_ENC_ETH},
                            {.kind = CW_ENC_IP, .src = addr("192.0.2.1"), .dst = addr("192.0.2.2")},
                            {.kind = CW_ENC_UDP, .sport = 2152, .dport = 2152},
                            {.kind = CW_ENC_GTPU, .id = 0x1111}};
    struct cw_layer down[] = {{.kind = CW_ENC_ETH},
                              {.kind = CW_ENC_IP, .src = addr("192.0.2.2"),
                               .dst = addr("192.0.2.1")},
                              {.kind = CW_ENC_UDP, .sport = 2152, .dport = 2152},
                              {.kind = CW_ENC_GTPU, .id = 0x2222}};
    handshake(up, down, 4);
    finish();
    cr_assert_eq(nflows, 1);
    cr_assert_str_eq(got[0].tunnel, "gtpu 192.0.2.1>192.0.2.2 teid 0x00001111");
}

/* Flow-table level: two tunnels whose identities hash alike are still two flows. */
Test(tunnel, equal_hashes_are_told_apart_by_the_identity)
{
    struct flow_table *t = flow_table_new();
    struct flow_key k;
    struct flow_tunnel a, b;
    uint8_t side;
    struct packet p = {.ip_version = 4, .l4proto = IPPROTO_NUM_TCP, .sport = 1, .dport = 2,
                       .src = {4, {10, 0, 0, 1}}, .dst = {4, {10, 0, 0, 2}},
                       .tunnel = {.kind = TUNNEL_VXLAN, .has_id = true, .id_keyed = true,
                                  .id = 1, .src = {4, {192, 0, 2, 1}},
                                  .dst = {4, {192, 0, 2, 2}}}};
    flow_key_of(&p, &k, &a, &side);
    cr_assert_neq(k.tunnel, 0);
    struct flow *fa = flow_table_add(t, &k, &a);
    p.tunnel.id = 2;
    struct flow_key k2;
    flow_key_of(&p, &k2, &b, &side);
    k2.tunnel = k.tunnel;                       /* as if the two hashes collided */
    cr_assert_null(flow_table_find(t, &k2, &b));
    struct flow *fb = flow_table_add(t, &k2, &b);
    cr_assert_neq(fa, fb);
    cr_assert_eq(flow_table_find(t, &k, &a), fa);
    cr_assert_eq(flow_table_find(t, &k2, &b), fb);
    /* the reverse direction of the outer header: the same identity */
    struct packet r = p;
    r.tunnel.src = p.tunnel.dst;
    r.tunnel.dst = p.tunnel.src;
    r.tunnel.id = 1;
    struct flow_key kr;
    struct flow_tunnel tr;
    flow_key_of(&r, &kr, &tr, &side);
    cr_assert_eq(kr.tunnel, k.tunnel);
    cr_assert_eq(flow_table_find(t, &kr, &tr), fa);
    flow_table_remove(t, fa);
    cr_assert_eq(flow_table_find(t, &k2, &b), fb);
    flow_table_free(t);
}
