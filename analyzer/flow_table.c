/*
 * flow_table.c — flows by canonical key, and the timeout queues they wait in.
 *
 * The table is open addressing with linear probing over an array of slots, kept at most half
 * full and grown by doubling; deletion shifts the following entries back, so there are no
 * tombstones. A slot holds the flow's key hash next to its pointer, so a probe reads the
 * flow itself (a likely cache miss) only when the hashes are equal. A flow is allocated once
 * when it starts (with its tunnel's identity, when tunnelled) and freed when it leaves: the
 * per-packet path allocates nothing.
 *
 * Queues: each live flow is on exactly one doubly linked list, by timeout class. Within a list
 * every flow has the same timeout, and a flow moves to the tail whenever it is touched, so
 * the head is always the first to expire (invariant relied on by analyzer.c's sweep).
 */
#include <stdlib.h>
#include <string.h>

#include "analyzer/flow.h"
#include "analyzer/rst_evidence.h"

struct flow_queue_list { struct flow *head, *tail; size_t len; };

struct slot { uint64_t hash; struct flow *flow; };   /* flow NULL: empty */

struct flow_table {
    struct slot *slots;
    size_t cap;               /* power of two */
    size_t count;
    struct flow_queue_list q[Q_COUNT];
};

#define INITIAL_CAP 1024

struct flow_table *flow_table_new(void)
{
    struct flow_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->slots = calloc(INITIAL_CAP, sizeof *t->slots);
    if (!t->slots) {
        free(t);
        return NULL;
    }
    t->cap = INITIAL_CAP;
    return t;
}

static void flow_destroy(struct flow *f)
{
    if (f->dpi) {
        dpi_release(f->dpi);
        free(f->dpi);
    }
    free(f->tunnel);
    free(f->events);
    free(f->anomalies);
    rst_evidence_free(f);
    free(f);
}

void flow_table_free(struct flow_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i].flow)
            flow_destroy(t->slots[i].flow);
    free(t->slots);
    free(t);
}

/* A multiply-xorshift mix of n 64-bit words. Invariant: never 0, so a slot's hash alone never
 * looks like another's by accident of being unset, and a tunnel's hash never reads as "none". */
static inline uint64_t mix_words(const uint64_t *w, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ w[i]) * 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 31;
    }
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 29;
    return h | 1;
}

/* The tunnel's identity, the same for both directions (flow.h), and its hash. */
static uint64_t tunnel_id_of(const struct tunnel *t, struct flow_tunnel_id *id)
{
    size_t alen = t->src.family == 6 ? 16 : 4;
    bool src_low = memcmp(t->src.bytes, t->dst.bytes, alen) <= 0;
    memset(id, 0, sizeof *id);
    id->kind = t->kind;
    id->family = t->src.family;
    id->id = t->id_keyed ? t->id : 0;
    memcpy(id->addr[0], src_low ? t->src.bytes : t->dst.bytes, alen);
    memcpy(id->addr[1], src_low ? t->dst.bytes : t->src.bytes, alen);
    uint64_t w[(sizeof *id + 7) / 8] = { 0 };
    memcpy(w, id, sizeof *id);
    return mix_words(w, sizeof w / sizeof w[0]);
}

/* Orders the two ends so that both directions of a flow build the same key. */
void flow_key_of(const struct packet *p, struct flow_key *k, struct flow_tunnel *tun,
                 uint8_t *side)
{
    size_t alen = p->ip_version == 6 ? 16 : 4;
    int c = memcmp(p->src.bytes, p->dst.bytes, alen);
    if (c == 0)
        c = (p->sport > p->dport) - (p->sport < p->dport);
    uint8_t s = c <= 0 ? 0 : 1;
    memset(k, 0, sizeof *k);
    memcpy(k->addr[s], p->src.bytes, alen);
    memcpy(k->addr[!s], p->dst.bytes, alen);
    k->port[s] = p->sport;
    k->port[!s] = p->dport;
    k->vlan = p->vlan;
    k->family = p->ip_version;
    k->l4proto = p->l4proto;
    if (p->tunnel.kind != TUNNEL_NONE) {
        k->tunnel = tunnel_id_of(&p->tunnel, &tun->id);
        tun->first = p->tunnel;
    }
    *side = s;
}

/* The key's hash: keys are zero-padded, so every byte is stable. */
static uint64_t key_hash(const struct flow_key *k)
{
    uint64_t w[(sizeof *k + 7) / 8] = { 0 };
    memcpy(w, k, sizeof *k);
    return mix_words(w, sizeof w / sizeof w[0]);
}

/* Whether flow f is the one for key k and tunnel tun. */
static bool flow_is(const struct flow *f, const struct flow_key *k, const struct flow_tunnel *tun)
{
    return memcmp(&f->key, k, sizeof *k) == 0 &&
           (k->tunnel == 0 || memcmp(&f->tunnel->id, &tun->id, sizeof tun->id) == 0);
}

/* A hash's home slot. Not its low bits: every hash is odd (mix_words), so `h & mask` would
 * leave the even slots without a home and double the load of the odd ones. */
static inline size_t home_of(uint64_t h, size_t mask)
{
    return (size_t)(h >> 1) & mask;
}

/* The slot holding key k (hash h) in tunnel tun, or the empty slot where it would go. */
static size_t slot_of(const struct flow_table *t, const struct flow_key *k,
                      const struct flow_tunnel *tun, uint64_t h)
{
    size_t mask = t->cap - 1;
    size_t i = home_of(h, mask);
    while (t->slots[i].flow && (t->slots[i].hash != h || !flow_is(t->slots[i].flow, k, tun)))
        i = (i + 1) & mask;
    return i;
}

struct flow *flow_table_find(struct flow_table *t, const struct flow_key *k,
                             const struct flow_tunnel *tun)
{
    return t->slots[slot_of(t, k, tun, key_hash(k))].flow;
}

static int grow(struct flow_table *t)
{
    struct slot *old = t->slots;
    size_t old_cap = t->cap;
    t->slots = calloc(old_cap * 2, sizeof *t->slots);
    if (!t->slots) {
        t->slots = old;
        return -1;
    }
    t->cap = old_cap * 2;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].flow)
            t->slots[slot_of(t, &old[i].flow->key, old[i].flow->tunnel, old[i].hash)] = old[i];
    free(old);
    return 0;
}

struct flow *flow_table_add(struct flow_table *t, const struct flow_key *k,
                            const struct flow_tunnel *tun)
{
    if ((t->count + 1) * 2 > t->cap && grow(t) != 0)
        return NULL;
    struct flow *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    if (k->tunnel && !(f->tunnel = malloc(sizeof *f->tunnel))) {
        free(f);
        return NULL;
    }
    if (k->tunnel)
        *f->tunnel = *tun;
    f->key = *k;
    f->queue = Q_COUNT;       /* on no queue yet */
    uint64_t h = key_hash(k);
    t->slots[slot_of(t, k, tun, h)] = (struct slot){ h, f };
    t->count++;
    return f;
}

static void queue_unlink(struct flow_table *t, struct flow *f)
{
    if (f->queue >= Q_COUNT)
        return;
    struct flow_queue_list *q = &t->q[f->queue];
    if (f->link.prev) f->link.prev->link.next = f->link.next; else q->head = f->link.next;
    if (f->link.next) f->link.next->link.prev = f->link.prev; else q->tail = f->link.prev;
    f->link.prev = f->link.next = NULL;
    q->len--;
    f->queue = Q_COUNT;
}

void flow_queue_put(struct flow_table *t, struct flow *f, enum flow_queue qi, int64_t touch_us)
{
    queue_unlink(t, f);
    struct flow_queue_list *q = &t->q[qi];
    f->queue = (uint8_t)qi;
    f->touch_us = touch_us;
    f->link.prev = q->tail;
    f->link.next = NULL;
    if (q->tail) q->tail->link.next = f; else q->head = f;
    q->tail = f;
    q->len++;
}

struct flow *flow_queue_head(const struct flow_table *t, enum flow_queue q)
{
    return t->q[q].head;
}

size_t flow_queue_len(const struct flow_table *t, enum flow_queue q)
{
    return t->q[q].len;
}

/* Backward-shift deletion: keeps every entry reachable from its home slot without tombstones. */
void flow_table_remove(struct flow_table *t, struct flow *f)
{
    size_t mask = t->cap - 1;
    size_t i = slot_of(t, &f->key, f->tunnel, key_hash(&f->key));
    queue_unlink(t, f);
    t->slots[i] = (struct slot){ 0, NULL };
    for (size_t j = (i + 1) & mask; t->slots[j].flow; j = (j + 1) & mask) {
        size_t home = home_of(t->slots[j].hash, mask);
        /* move slots[j] into the hole at i when its home is not in (i, j] cyclically */
        bool in_range = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!in_range) {
            t->slots[i] = t->slots[j];
            t->slots[j] = (struct slot){ 0, NULL };
            i = j;
        }
    }
    t->count--;
    flow_destroy(f);
}

size_t flow_table_count(const struct flow_table *t)
{
    return t->count;
}
