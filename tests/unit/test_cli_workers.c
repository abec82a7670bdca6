/*
 * test_cli_workers.c — `--workers N` (cli/worker_hash.c, cli/workers.c, cli/shared_sink.c):
 * the flow hash sends both directions of a flow, and every packet of a tunnelled flow
 * whatever its tunnel, to one worker (all flows between two hosts, for nDPI's host caches),
 * and spreads hosts evenly; a pool of analyzers emits the
 * flows one analyzer emits, with the same times, counts and endings (timeouts included).
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cli/shared_sink.h"
#include "cli/worker_hash.h"
#include "cli/workers.h"

static uint64_t rng = 88172645463325252ULL;

static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static struct packet random_packet(int version)
{
    struct packet p = {0};
    p.ip_version = (uint8_t)version;
    p.src.family = p.dst.family = (uint8_t)version;
    size_t alen = version == 6 ? 16 : 4;
    for (size_t i = 0; i < alen; i++) {
        p.src.bytes[i] = (uint8_t)next_rand();
        p.dst.bytes[i] = (uint8_t)next_rand();
    }
    p.l4proto = next_rand() & 1 ? IPPROTO_NUM_TCP : IPPROTO_NUM_UDP;
    p.sport = (uint16_t)next_rand();
    p.dport = (uint16_t)next_rand();
    p.vlan = next_rand() & 3 ? 0 : (uint16_t)(next_rand() & 0xfff);
    return p;
}

static struct packet reversed(const struct packet *p)
{
    struct packet r = *p;
    r.src = p->dst;
    r.dst = p->src;
    r.sport = p->dport;
    r.dport = p->sport;
    return r;
}

Test(worker_hash, both_directions_go_to_one_worker)
{
    for (int i = 0; i < 2000; i++) {
        struct packet p = random_packet(i % 2 ? 6 : 4), r = reversed(&p);
        cr_expect_eq(worker_hash(&p), worker_hash(&r), "packet %d", i);
        for (unsigned n = 1; n <= WORKERS_MAX; n++)
            cr_expect_eq(worker_of(&p, n), worker_of(&r, n));
    }
}

Test(worker_hash, a_tunnelled_flow_hashes_on_its_inner_flow)
{
    struct packet p = random_packet(4);
    struct packet vx = p, gre = reversed(&p);
    vx.tunnels = 1;
    vx.tunnel = (struct tunnel){.kind = TUNNEL_VXLAN, .has_id = true, .id = 42,
                                .src = {.family = 4, .bytes = {10, 0, 0, 1}},
                                .dst = {.family = 4, .bytes = {10, 0, 0, 2}}};
    gre.tunnels = 2;
    gre.tunnel = (struct tunnel){.kind = TUNNEL_GRE, .src = {.family = 6, .bytes = {0x20, 1}},
                                 .dst = {.family = 6, .bytes = {0x20, 2}}};
    cr_expect_eq(worker_hash(&vx), worker_hash(&p));
    cr_expect_eq(worker_hash(&gre), worker_hash(&p));
}

Test(worker_hash, the_hosts_and_vlan_choose_the_worker_not_ports_or_protocol)
{
    struct packet p = random_packet(4);
    struct packet vlan = p, addr = p, proto = p, port = p, v6 = random_packet(6), v6b = v6;
    vlan.vlan = (uint16_t)(p.vlan + 1);
    addr.dst.bytes[3] ^= 1;
    proto.l4proto = p.l4proto == IPPROTO_NUM_TCP ? IPPROTO_NUM_UDP : IPPROTO_NUM_TCP;
    port.sport = (uint16_t)(p.sport + 1);
    port.dport = (uint16_t)(p.dport + 7);
    v6b.src.bytes[15] ^= 0x80;
    cr_expect_neq(worker_hash(&vlan), worker_hash(&p));
    cr_expect_neq(worker_hash(&addr), worker_hash(&p));
    cr_expect_neq(worker_hash(&v6b), worker_hash(&v6));
    cr_expect_eq(worker_hash(&proto), worker_hash(&p), "nDPI's host caches span protocols");
    cr_expect_eq(worker_hash(&port), worker_hash(&p), "nDPI's host caches span ports");
}

Test(worker_hash, flows_spread_evenly)
{
    unsigned count[4] = {0};
    for (int i = 0; i < 8000; i++) {
        struct packet p = random_packet(4);
        p.src.bytes[0] = 192;           /* one site: addresses alike but for the low bytes */
        p.src.bytes[1] = 168;
        memcpy(p.dst.bytes, (uint8_t[]){93, 184, 216, 34}, 4);   /* one server */
        count[worker_of(&p, 4)]++;
    }
    for (int w = 0; w < 4; w++)
        cr_expect(count[w] > 1700 && count[w] < 2300, "worker %d: %u of 8000", w, count[w]);
}

/* ---- a pool against one analyzer ----------------------------------------------------------- */

/* A flow as the sink got it: what must be the same whichever analyzer emitted it. */
struct got {
    uint16_t orig_port, resp_port;
    int64_t first_ts_us, last_ts_us;
    uint64_t pkts0, pkts1;
    const char *ended_by;
};

struct collect {
    struct got *flows;
    size_t n, cap;
    pthread_t owner;
    bool other_thread;            /* a call came from another thread than the first one */
};

static int c_flow(void *ctx, const struct flow_record *f, const struct teardown_event *ev,
                  size_t nev, const struct anomaly_record *an, size_t nan,
                  const struct rst_record *rst, size_t nrst, int64_t *flow_id)
{
    (void)ev; (void)nev; (void)an; (void)nan; (void)rst; (void)nrst;
    struct collect *c = ctx;
    if (c->n == 0)
        c->owner = pthread_self();
    else if (!pthread_equal(c->owner, pthread_self()))
        c->other_thread = true;
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 256;
        c->flows = realloc(c->flows, c->cap * sizeof *c->flows);
        cr_assert(c->flows);
    }
    c->flows[c->n++] = (struct got){f->orig_port, f->resp_port, f->first_ts_us, f->last_ts_us,
                                    f->pkts[0], f->pkts[1], f->ended_by};
    *flow_id = (int64_t)c->n;
    return 0;
}

static int c_late(void *ctx, int64_t id, const struct late_rows *r)
{
    (void)ctx; (void)id; (void)r;
    return 0;
}

static int c_run(void *ctx, const struct run_info *i) { (void)ctx; (void)i; return 0; }
static int c_totals(void *ctx, const struct run_totals *t) { (void)ctx; (void)t; return 0; }

static int by_flow(const void *a, const void *b)
{
    const struct got *x = a, *y = b;
    if (x->first_ts_us != y->first_ts_us)
        return x->first_ts_us < y->first_ts_us ? -1 : 1;
    if (x->orig_port != y->orig_port)
        return x->orig_port < y->orig_port ? -1 : 1;
    return (int)x->resp_port - (int)y->resp_port;
}

/* UDP and TCP packets of 300 port pairs over a long time, with silences past the UDP idle
 * timeout (60 s), some records out of time order, and TCP handshakes and FINs. */
static size_t make_packets(struct packet *out, size_t max)
{
    int64_t t = 1700000000000000LL;
    size_t n = 0;
    while (n < max) {
        struct packet p = {.ip_version = 4, .src = {.family = 4, .bytes = {10, 0, 0, 1}},
                           .dst = {.family = 4, .bytes = {10, 0, 0, 2}}};
        unsigned pair = (unsigned)(next_rand() % 300);
        p.l4proto = pair % 3 ? IPPROTO_NUM_UDP : IPPROTO_NUM_TCP;
        p.sport = (uint16_t)(20000 + pair);
        p.dport = 53;
        p.src.bytes[3] = (uint8_t)(pair % 40);      /* 40 clients, several flows each */
        if (next_rand() & 1)
            p = reversed(&p);
        if (p.l4proto == IPPROTO_NUM_TCP) {
            uint8_t flags[] = {TCP_SYN, TCP_SYN | TCP_ACK, TCP_ACK, TCP_ACK | TCP_FIN, TCP_ACK};
            p.tcp.flags = flags[next_rand() % 5];
            p.tcp.seq = (uint32_t)next_rand();
        }
        p.ip_len = 60;
        p.l4_len = 40;
        uint64_t r = next_rand() % 1000;
        t += r < 5 ? 90 * 1000000LL : r < 20 ? 2 * 1000000LL : (int64_t)(r * 37);
        p.ts_us = r == 999 ? t - 5 * 1000000LL : t;   /* now and then, a record from the past */
        out[n++] = p;
    }
    return n;
}

static void run_one(const struct packet *pk, size_t n, struct collect *c)
{
    struct sink s = {.ctx = c, .run_begin = c_run, .flow = c_flow, .late = c_late,
                     .checkpoint = c_totals, .run_end = c_totals};
    struct analyzer_config cfg;
    analyzer_config_default(&cfg);
    cfg.dpi = false;
    struct analyzer *a = analyzer_new(&cfg, &s);
    cr_assert(a);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(analyzer_packet(a, &pk[i], i + 1), 0);
    cr_assert_eq(analyzer_finish(a), 0);
    analyzer_free(a);
}

static void run_pool(const struct packet *pk, size_t n, unsigned workers, struct collect *c,
                     struct analyzer_stats *st)
{
    struct sink inner = {.ctx = c, .run_begin = c_run, .flow = c_flow, .late = c_late,
                         .checkpoint = c_totals, .run_end = c_totals}, s;
    struct shared_sink *shared = shared_sink_new(&inner, &s);
    cr_assert(shared);
    struct analyzer_config cfg;
    analyzer_config_default(&cfg);
    cfg.dpi = false;
    struct worker_pool *wp = worker_pool_new(workers, &cfg, &s);
    cr_assert(wp);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(worker_pool_packet(wp, &pk[i], i + 1), 0);
        if (i % 5000 == 4999)
            cr_assert_eq(worker_pool_sync(wp), 0);
    }
    cr_assert_eq(worker_pool_finish(wp), 0);
    worker_pool_stats(wp, st);
    worker_pool_free(wp);
    shared_sink_free(shared);
}

Test(workers, a_pool_emits_what_one_analyzer_emits)
{
    enum { N = 40000 };
    struct packet *pk = calloc(N, sizeof *pk);
    cr_assert(pk);
    size_t n = make_packets(pk, N);
    struct collect one = {0}, pool = {0};
    struct analyzer_stats st;
    run_one(pk, n, &one);
    run_pool(pk, n, 3, &pool, &st);
    cr_expect(pool.other_thread, "every flow came from one worker");
    cr_assert_eq(pool.n, one.n, "%zu flows from the pool, %zu from one analyzer", pool.n, one.n);
    cr_expect_eq(st.flows_emitted, one.n);
    cr_expect_eq(st.packets, n);
    qsort(one.flows, one.n, sizeof *one.flows, by_flow);
    qsort(pool.flows, pool.n, sizeof *pool.flows, by_flow);
    size_t idle = 0;
    for (size_t i = 0; i < one.n; i++) {
        const struct got *x = &one.flows[i], *y = &pool.flows[i];
        cr_expect(x->orig_port == y->orig_port && x->resp_port == y->resp_port &&
                  x->first_ts_us == y->first_ts_us && x->last_ts_us == y->last_ts_us &&
                  x->pkts0 == y->pkts0 && x->pkts1 == y->pkts1 &&
                  strcmp(x->ended_by, y->ended_by) == 0,
                  "flow %zu: %u>%u %s vs %u>%u %s", i, x->orig_port, x->resp_port, x->ended_by,
                  y->orig_port, y->resp_port, y->ended_by);
        idle += strcmp(x->ended_by, "idle") == 0;
    }
    cr_expect(idle > 100, "only %zu flows timed out: the test does not exercise timeouts", idle);
    free(one.flows);
    free(pool.flows);
    free(pk);
}

static struct packet udp_at(uint16_t sport, int64_t ts_us)
{
    return (struct packet){.ip_version = 4, .src = {.family = 4, .bytes = {10, 0, 0, 1}},
                           .dst = {.family = 4, .bytes = {10, 0, 0, 2}}, .l4proto = IPPROTO_NUM_UDP,
                           .sport = sport, .dport = 53, .ip_len = 60, .l4_len = 40,
                           .ts_us = ts_us};
}

/* A client of its own for each port. */
static struct packet udp_from(uint16_t sport, int64_t ts_us)
{
    struct packet p = udp_at(sport, ts_us);
    p.src.bytes[2] = (uint8_t)(sport >> 8);
    p.src.bytes[3] = (uint8_t)sport;
    return p;
}

/* Flow A on one worker, B on another: B's packet at 100 s times A out (60 s idle) for every
 * analyzer, so A's record from the past (at 2 s) starts a new flow, as with one analyzer; an
 * analyzer that knew only its own packets would still be at 1 s and add it to A. */
Test(workers, timeouts_follow_the_run_clock_not_the_worker_own)
{
    const int64_t s = 1000000, t0 = 1700000000LL * s;
    uint16_t a = 1000, b = 1001;
    while (b < 60000) {
        struct packet pa = udp_from(a, 0), pb = udp_from(b, 0);
        if (worker_of(&pa, 2) != worker_of(&pb, 2))
            break;
        b++;
    }
    struct packet pk[] = {udp_from(a, t0), udp_from(a, t0 + s), udp_from(b, t0 + 100 * s),
                          udp_from(a, t0 + 2 * s)};
    struct collect one = {0}, pool = {0};
    struct analyzer_stats st;
    run_one(pk, 4, &one);
    run_pool(pk, 4, 2, &pool, &st);
    cr_assert_eq(one.n, 3, "one analyzer: %zu flows", one.n);
    cr_expect_eq(pool.n, 3, "the pool: %zu flows", pool.n);
    free(one.flows);
    free(pool.flows);
}
