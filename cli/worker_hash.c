/*
 * worker_hash.c — the symmetric host-pair hash that picks a packet's worker (worker_hash.h).
 */
#include "cli/worker_hash.h"

#include <string.h>

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v;
    h *= 0x9e3779b97f4a7c15ULL;
    return h ^ (h >> 31);
}

static uint64_t addr_hash(uint64_t h, const uint8_t addr[16])
{
    uint64_t w[2];
    memcpy(w, addr, sizeof w);
    return mix(mix(h, w[0]), w[1]);
}

uint64_t worker_hash(const struct packet *p)
{
    size_t alen = p->ip_version == 6 ? 16 : 4;
    uint8_t a[16] = {0}, b[16] = {0};
    memcpy(a, p->src.bytes, alen);
    memcpy(b, p->dst.bytes, alen);
    bool a_first = memcmp(a, b, sizeof a) <= 0;
    uint64_t h = mix(0x243f6a8885a308d3ULL, (uint64_t)p->vlan << 8 | p->ip_version);
    h = a_first ? addr_hash(addr_hash(h, a), b) : addr_hash(addr_hash(h, b), a);
    return mix(h, 0);
}

unsigned worker_of(const struct packet *p, unsigned nworkers)
{
    uint32_t h = (uint32_t)(worker_hash(p) >> 32);
    return (unsigned)(((uint64_t)h * nworkers) >> 32);
}
