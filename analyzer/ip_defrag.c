/*
 * ip_defrag.c — IPv4 reassembly (ip_defrag.h says what, and within which bounds).
 *
 * Each datagram in progress keeps the offset-0 fragment's header, its data in one buffer
 * grown as fragments arrive (never past 65,535 bytes), and two interval sets over the data:
 * what the IP lengths say has arrived (the datagram is complete when that is [0, end) and the
 * last fragment said where the end is), and what was captured (the complete datagram is
 * handed on with the captured prefix as its readable bytes, as a snaplen-cut packet would be).
 */
#include "analyzer/ip_defrag.h"

#include <stdlib.h>
#include <string.h>

#define MAX_RANGES (IP_DEFRAG_MAX_HOLES + 1)
#define MAX_HDR 60
#define MAX_DATAGRAM 65535u

/* Sorted, disjoint, non-touching intervals [lo, hi). */
struct ranges {
    uint32_t n;
    uint32_t lo[MAX_RANGES], hi[MAX_RANGES];
};

struct datagram {
    bool used;
    int64_t first_us;         /* time of its first fragment */
    uint32_t frags;           /* fragments held */
    struct packet ctx;        /* the first fragment's decode: addresses, outer layers */
    uint8_t hdr[MAX_HDR];     /* the offset-0 fragment's IP header */
    uint32_t hlen;            /* its length; 0 until that fragment arrived */
    uint32_t end;             /* data length, from the last fragment (MF 0); 0 until then */
    struct ranges wire, captured;
    uint8_t *data;
    uint32_t cap;             /* bytes allocated at data */
};

struct ip_defrag {
    struct datagram *g;       /* IP_DEFRAG_MAX_DATAGRAMS of them, allocated when first needed */
    uint32_t held;            /* fragments held in all datagrams */
    uint64_t bytes;           /* sum of their caps: at most IP_DEFRAG_MAX_BYTES */
    int64_t now_us;           /* latest packet time seen */
    uint8_t whole[MAX_HDR + MAX_DATAGRAM];   /* the last completed datagram */
};

/* ---- intervals -------------------------------------------------------------------------- */

/* Adds [lo, hi) (lo < hi), merging what it overlaps or touches; false when that would need
 * more than MAX_RANGES intervals. */
static bool ranges_add(struct ranges *s, uint32_t lo, uint32_t hi)
{
    uint32_t i = 0, j;
    while (i < s->n && s->hi[i] < lo)
        i++;
    for (j = i; j < s->n && s->lo[j] <= hi; j++) {
        lo = s->lo[j] < lo ? s->lo[j] : lo;
        hi = s->hi[j] > hi ? s->hi[j] : hi;
    }
    if (i == j && s->n == MAX_RANGES)
        return false;
    uint32_t keep = s->n - j;   /* intervals after the merged ones */
    memmove(&s->lo[i + 1], &s->lo[j], keep * sizeof *s->lo);
    memmove(&s->hi[i + 1], &s->hi[j], keep * sizeof *s->hi);
    s->n = i + 1 + keep;
    s->lo[i] = lo;
    s->hi[i] = hi;
    return true;
}

/* End of the interval starting at 0 (0 when none does). */
static uint32_t ranges_prefix(const struct ranges *s)
{
    return s->n && s->lo[0] == 0 ? s->hi[0] : 0;
}

static uint32_t ranges_max(const struct ranges *s)
{
    return s->n ? s->hi[s->n - 1] : 0;
}

/* ---- datagrams -------------------------------------------------------------------------- */

struct ip_defrag *ip_defrag_new(void)
{
    return calloc(1, sizeof(struct ip_defrag));
}

void ip_defrag_free(struct ip_defrag *d)
{
    if (!d)
        return;
    for (uint32_t i = 0; d->g && i < IP_DEFRAG_MAX_DATAGRAMS; i++)
        free(d->g[i].data);
    free(d->g);
    free(d);
}

uint32_t ip_defrag_held(const struct ip_defrag *d)
{
    return d->held;
}

/* Forgets a datagram; its fragments are counted under `reason` unless it is DISSECT_OK. */
static void release(struct ip_defrag *d, struct datagram *g, enum dissect_result reason,
                    uint64_t counts[DISSECT_REASON_COUNT])
{
    if (reason != DISSECT_OK)
        counts[reason] += g->frags;
    d->held -= g->frags;
    d->bytes -= g->cap;
    free(g->data);
    memset(g, 0, sizeof *g);
}

static bool same_addr(const struct ip_addr *a, const struct ip_addr *b)
{
    return a->family == b->family && memcmp(a->bytes, b->bytes, sizeof a->bytes) == 0;
}

static bool same_tunnel(const struct tunnel *a, const struct tunnel *b)
{
    return a->kind == b->kind && a->id == b->id && same_addr(&a->src, &b->src) &&
           same_addr(&a->dst, &b->dst);
}

static bool same_datagram(const struct datagram *g, const struct packet *p)
{
    const struct packet *q = &g->ctx;
    return q->frag_id == p->frag_id && q->l4proto == p->l4proto && q->vlan == p->vlan &&
           same_addr(&q->src, &p->src) && same_addr(&q->dst, &p->dst) &&
           same_tunnel(&q->tunnel, &p->tunnel);
}

/* The oldest datagram in progress other than `keep`, or NULL. */
static struct datagram *oldest(struct ip_defrag *d, const struct datagram *keep)
{
    struct datagram *o = NULL;
    for (uint32_t i = 0; i < IP_DEFRAG_MAX_DATAGRAMS; i++) {
        struct datagram *g = &d->g[i];
        if (g->used && g != keep && (!o || g->first_us < o->first_us))
            o = g;
    }
    return o;
}

static void expire(struct ip_defrag *d, uint64_t counts[DISSECT_REASON_COUNT])
{
    for (uint32_t i = 0; i < IP_DEFRAG_MAX_DATAGRAMS; i++)
        if (d->g[i].used && d->now_us - d->g[i].first_us >= IP_DEFRAG_TIMEOUT_US)
            release(d, &d->g[i], DISSECT_FRAG_INCOMPLETE, counts);
}

/* The datagram `p` belongs to, started when new (the oldest is dropped when all are taken). */
static struct datagram *datagram_of(struct ip_defrag *d, const struct packet *p,
                                    uint64_t counts[DISSECT_REASON_COUNT])
{
    struct datagram *free_slot = NULL;
    for (uint32_t i = 0; i < IP_DEFRAG_MAX_DATAGRAMS; i++) {
        struct datagram *g = &d->g[i];
        if (g->used && same_datagram(g, p))
            return g;
        if (!g->used && !free_slot)
            free_slot = g;
    }
    if (!free_slot) {
        free_slot = oldest(d, NULL);
        release(d, free_slot, DISSECT_FRAG_LIMIT, counts);
    }
    free_slot->used = true;
    free_slot->first_us = d->now_us;
    free_slot->ctx = *p;
    return free_slot;
}

/* Room for data up to `end` in g, within IP_DEFRAG_MAX_BYTES (older datagrams are dropped
 * to make it); false when there is none. */
static bool reserve(struct ip_defrag *d, struct datagram *g, uint32_t end,
                    uint64_t counts[DISSECT_REASON_COUNT])
{
    if (end <= g->cap)
        return true;
    uint32_t cap = g->cap * 2 > end ? g->cap * 2 : end;
    cap = cap < 2048 ? 2048 : cap > MAX_DATAGRAM ? MAX_DATAGRAM : cap;
    struct datagram *o;
    while (d->bytes + (cap - g->cap) > IP_DEFRAG_MAX_BYTES && (o = oldest(d, g)))
        release(d, o, DISSECT_FRAG_LIMIT, counts);
    if (d->bytes + (cap - g->cap) > IP_DEFRAG_MAX_BYTES)
        return false;
    uint8_t *data = realloc(g->data, cap);
    if (!data)
        return false;
    memset(data + g->cap, 0, cap - g->cap);
    d->bytes += cap - g->cap;
    g->data = data;
    g->cap = cap;
    return true;
}

/* Takes the fragment's bytes and lengths into g; the reason it cannot, or DISSECT_OK. */
static enum dissect_result add_fragment(struct ip_defrag *d, struct datagram *g,
                                        const struct packet *p,
                                        uint64_t counts[DISSECT_REASON_COUNT])
{
    uint32_t hlen = p->ip_len - p->payload_len, off = p->frag_offset;
    uint32_t end = off + p->payload_len;
    if (hlen + end > MAX_DATAGRAM || (g->end && (p->frag_more ? end > g->end : end != g->end)))
        return DISSECT_FRAG_BAD;
    if (!p->frag_more && ranges_max(&g->wire) > end)
        return DISSECT_FRAG_BAD;
    if (!p->frag_more)
        g->end = end;
    if (off == 0 && hlen <= MAX_HDR) {
        memcpy(g->hdr, p->ip_hdr, hlen);   /* dissect: ip_caplen >= the header's length */
        g->hlen = hlen;
    }
    if (end > off) {
        if (!ranges_add(&g->wire, off, end))
            return DISSECT_FRAG_BAD;
        if (!reserve(d, g, end, counts))
            return DISSECT_FRAG_LIMIT;
        if (p->payload_caplen) {
            memcpy(g->data + off, p->payload, p->payload_caplen);
            ranges_add(&g->captured, off, off + p->payload_caplen);   /* full: a shorter prefix */
        }
    }
    g->frags++;
    d->held++;
    return DISSECT_OK;
}

static bool complete(const struct datagram *g)
{
    return g->hlen && g->end && g->wire.n == 1 && g->wire.lo[0] == 0 && g->wire.hi[0] == g->end;
}

/* The whole datagram into d->whole, decoded into *out; g is forgotten. */
static enum dissect_result finish(struct ip_defrag *d, struct datagram *g, struct packet *out,
                                  uint64_t counts[DISSECT_REASON_COUNT])
{
    uint32_t hlen = g->hlen, len = g->hlen + g->end, readable = ranges_prefix(&g->captured);
    memcpy(d->whole, g->hdr, hlen);
    d->whole[2] = (uint8_t)(len >> 8);
    d->whole[3] = (uint8_t)len;
    d->whole[6] &= 0xC0;      /* keep DF and the reserved bit; no MF, offset 0 */
    d->whole[7] = 0;
    memcpy(d->whole + hlen, g->data, readable);
    *out = g->ctx;
    release(d, g, DISSECT_OK, counts);
    return dissect_reassembled(d->whole, hlen + readable, len, out);
}

bool ip_defrag_add(struct ip_defrag *d, const struct packet *frag, int64_t ts_us,
                   struct packet *out, enum dissect_result *res,
                   uint64_t counts[DISSECT_REASON_COUNT])
{
    if (!d->g && !(d->g = calloc(IP_DEFRAG_MAX_DATAGRAMS, sizeof *d->g))) {
        counts[DISSECT_FRAG_LIMIT]++;
        return false;
    }
    if (ts_us > d->now_us)
        d->now_us = ts_us;
    expire(d, counts);
    struct datagram *g = datagram_of(d, frag, counts);
    enum dissect_result r = add_fragment(d, g, frag, counts);
    if (r != DISSECT_OK) {
        counts[r]++;          /* this fragment, then those held with it */
        release(d, g, r, counts);
        return false;
    }
    if (!complete(g))
        return false;
    *res = finish(d, g, out, counts);
    return true;
}

void ip_defrag_flush(struct ip_defrag *d, uint64_t counts[DISSECT_REASON_COUNT])
{
    for (uint32_t i = 0; d && d->g && i < IP_DEFRAG_MAX_DATAGRAMS; i++)
        if (d->g[i].used)
            release(d, &d->g[i], DISSECT_FRAG_INCOMPLETE, counts);
}
