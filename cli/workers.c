/*
 * workers.c — the worker threads of `--workers N` and the batches that feed them (workers.h).
 *
 * Locking: `lock` guards `published`, each batch's `pending`, `stop` and `failed`. A batch's
 * contents are written by the dispatcher only while its `pending` is 0 (no worker reads it),
 * and read by the workers only after it was published (pending = N) until each, done with it,
 * counts it off; the lock orders the two. A worker's analyzer is its thread's alone while the
 * pool runs; the dispatcher reads its statistics only after a sync, when every worker is idle.
 */
#include "cli/workers.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/worker_hash.h"

#define RING_BATCHES 16           /* batches in flight: how far apart the workers may drift */
#define ARENA_START (256u << 10)  /* bytes of packet data a batch starts with (it grows) */
#define NO_BYTES SIZE_MAX

enum entry_kind { E_PACKET, E_ADVANCE, E_FINISH };

/* What every worker reads of each entry: kept apart from the packets, so a worker walks 16
 * bytes per packet of the others'. */
struct entry_head {
    int64_t ts_us;                /* E_PACKET: the packet's time; E_ADVANCE: now_us */
    uint32_t worker;              /* E_PACKET: whose packet it is */
    uint8_t kind;                 /* enum entry_kind */
};

struct entry {
    struct packet pkt;            /* ip_hdr, payload point into the batch's arena once published */
    uint64_t packet_no;
    size_t ip_off, payload_off;   /* into the arena; NO_BYTES for a NULL pointer */
};

struct batch {
    struct entry_head head[WORKERS_BATCH];
    struct entry e[WORKERS_BATCH];
    unsigned n;
    uint8_t *arena;
    size_t used, cap;
    unsigned pending;             /* workers yet to finish it (lock) */
};

struct worker {
    struct worker_pool *wp;
    unsigned index;
    struct analyzer *an;
    pthread_t thread;
    bool started;
};

struct worker_pool {
    unsigned n;
    struct worker *w;
    struct batch *ring;           /* RING_BATCHES */
    pthread_mutex_t lock;
    pthread_cond_t work, done;    /* a batch was published / a worker finished one */
    uint64_t published;           /* batches published so far (lock) */
    bool stop;                    /* lock: no batch will follow */
    bool failed;                  /* lock: an analyzer failed */
};

/* ---- the worker threads -------------------------------------------------------------------- */

static int run_entry(struct worker *w, const struct batch *b, unsigned i)
{
    const struct entry_head *h = &b->head[i];
    switch (h->kind) {
    case E_PACKET:
        if (h->worker == w->index)
            return analyzer_packet(w->an, &b->e[i].pkt, b->e[i].packet_no);
        return analyzer_observe(w->an, h->ts_us);
    case E_ADVANCE:
        return analyzer_advance(w->an, h->ts_us);
    default:
        return analyzer_finish(w->an);
    }
}

static int run_batch(struct worker *w, const struct batch *b)
{
    for (unsigned i = 0; i < b->n; i++)
        if (run_entry(w, b, i) != 0)
            return -1;
    return 0;
}

/* Takes every batch in publication order until stopped; after a failure (its own or
 * another's) it only counts them off, so the dispatcher never waits forever. */
static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct worker_pool *wp = w->wp;
    uint64_t seq = 0;
    char name[16];
    snprintf(name, sizeof name, "fs-worker-%u", w->index);
    pthread_setname_np(pthread_self(), name);   /* for top -H and perf; failure is harmless */
    pthread_mutex_lock(&wp->lock);
    for (;;) {
        while (seq == wp->published && !wp->stop)
            pthread_cond_wait(&wp->work, &wp->lock);
        if (seq == wp->published)
            break;
        bool skip = wp->failed;
        struct batch *b = &wp->ring[seq % RING_BATCHES];
        pthread_mutex_unlock(&wp->lock);
        int rc = skip ? 0 : run_batch(w, b);
        pthread_mutex_lock(&wp->lock);
        if (rc != 0)
            wp->failed = true;
        if (--b->pending == 0)
            pthread_cond_broadcast(&wp->done);
        seq++;
    }
    pthread_mutex_unlock(&wp->lock);
    return NULL;
}

/* ---- the dispatcher's side ----------------------------------------------------------------- */

static struct batch *filling(struct worker_pool *wp)
{
    return &wp->ring[wp->published % RING_BATCHES];   /* read by the dispatcher, its writer */
}

/* Copies `len` bytes into the batch's arena; their offset, or NO_BYTES when out of memory. */
static size_t arena_put(struct batch *b, const uint8_t *bytes, size_t len)
{
    if (!b->arena || len > b->cap - b->used) {    /* never a NULL arena, even for 0 bytes */
        size_t cap = b->cap ? b->cap : ARENA_START;
        while (len > cap - b->used)
            cap *= 2;
        uint8_t *arena = realloc(b->arena, cap);
        if (!arena)
            return NO_BYTES;
        b->arena = arena;
        b->cap = cap;
    }
    size_t off = b->used;
    memcpy(b->arena + off, bytes, len);
    b->used += len;
    return off;
}

/* The packet's bytes into the arena: its IP packet (what nDPI reads), and the payload as an
 * offset into it (or a copy of its own when it lies elsewhere). -1 when out of memory. */
static int copy_bytes(struct batch *b, struct entry *e, const struct packet *p)
{
    e->ip_off = e->payload_off = NO_BYTES;
    uintptr_t ip = (uintptr_t)p->ip_hdr, pay = (uintptr_t)p->payload;
    if (p->ip_hdr && (e->ip_off = arena_put(b, p->ip_hdr, p->ip_caplen)) == NO_BYTES)
        return -1;
    if (!p->payload)
        return 0;
    if (p->ip_hdr && pay >= ip && pay - ip <= p->ip_caplen &&
        pay - ip + p->payload_caplen <= p->ip_caplen) {
        e->payload_off = e->ip_off + (size_t)(pay - ip);
        return 0;
    }
    e->payload_off = arena_put(b, p->payload, p->payload_caplen);
    return e->payload_off == NO_BYTES ? -1 : 0;
}

/* The arena is final: point the packets into it. */
static void fix_pointers(struct batch *b)
{
    for (unsigned i = 0; i < b->n; i++) {
        struct entry *e = &b->e[i];
        if (b->head[i].kind != E_PACKET)
            continue;
        e->pkt.ip_hdr = e->ip_off == NO_BYTES ? NULL : b->arena + e->ip_off;
        e->pkt.payload = e->payload_off == NO_BYTES ? NULL : b->arena + e->payload_off;
    }
}

/* Hands the batch being filled to every worker, then waits until the next slot is free.
 * -1 when an analyzer has failed. */
static int publish(struct worker_pool *wp)
{
    struct batch *b = filling(wp);
    if (b->n == 0) {
        pthread_mutex_lock(&wp->lock);
        bool failed = wp->failed;
        pthread_mutex_unlock(&wp->lock);
        return failed ? -1 : 0;
    }
    fix_pointers(b);
    pthread_mutex_lock(&wp->lock);
    b->pending = wp->n;
    wp->published++;
    pthread_cond_broadcast(&wp->work);
    struct batch *next = filling(wp);
    while (next->pending > 0)
        pthread_cond_wait(&wp->done, &wp->lock);
    bool failed = wp->failed;
    pthread_mutex_unlock(&wp->lock);
    next->n = 0;
    next->used = 0;
    return failed ? -1 : 0;
}

/* The next entry of the batch being filled, of `kind` at `ts_us`. */
static unsigned add_entry(struct worker_pool *wp, enum entry_kind kind, int64_t ts_us,
                          uint32_t worker)
{
    struct batch *b = filling(wp);
    unsigned i = b->n;
    b->head[i] = (struct entry_head){.ts_us = ts_us, .worker = worker, .kind = (uint8_t)kind};
    return i;
}

/* Counts in the entry just added; publishes the batch when it is full. */
static int entry_added(struct worker_pool *wp)
{
    return ++filling(wp)->n == WORKERS_BATCH ? publish(wp) : 0;
}

int worker_pool_packet(struct worker_pool *wp, const struct packet *p, uint64_t packet_no)
{
    struct batch *b = filling(wp);
    unsigned i = add_entry(wp, E_PACKET, p->ts_us, worker_of(p, wp->n));
    struct entry *e = &b->e[i];
    e->pkt = *p;
    e->packet_no = packet_no;
    if (copy_bytes(b, e, p) != 0)
        return -1;
    return entry_added(wp);
}

int worker_pool_advance(struct worker_pool *wp, int64_t now_us)
{
    add_entry(wp, E_ADVANCE, now_us, 0);
    return entry_added(wp);
}

int worker_pool_sync(struct worker_pool *wp)
{
    int rc = publish(wp);
    pthread_mutex_lock(&wp->lock);
    if (wp->published > 0) {
        struct batch *last = &wp->ring[(wp->published - 1) % RING_BATCHES];
        while (last->pending > 0)   /* each worker goes in order: the last done, all done */
            pthread_cond_wait(&wp->done, &wp->lock);
    }
    if (wp->failed)
        rc = -1;
    pthread_mutex_unlock(&wp->lock);
    return rc;
}

int worker_pool_finish(struct worker_pool *wp)
{
    add_entry(wp, E_FINISH, 0, 0);
    int rc = entry_added(wp);
    return worker_pool_sync(wp) != 0 ? -1 : rc;
}

void worker_pool_stats(struct worker_pool *wp, struct analyzer_stats *sum)
{
    worker_pool_sync(wp);
    *sum = (struct analyzer_stats){0};
    for (unsigned i = 0; i < wp->n; i++) {
        struct analyzer_stats st;
        analyzer_get_stats(wp->w[i].an, &st);
        sum->packets += st.packets;
        sum->flows_active += st.flows_active;
        sum->flows_emitted += st.flows_emitted;
        sum->flows_evicted += st.flows_evicted;
        sum->flows_lingering += st.flows_lingering;
    }
}

unsigned workers_default(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > WORKERS_DEFAULT_MAX ? WORKERS_DEFAULT_MAX : (unsigned)n;
}

/* ---- start and stop ------------------------------------------------------------------------ */

/* Workers block every signal, so SIGINT and friends reach the reading thread. */
static int start_threads(struct worker_pool *wp)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = 0;
    for (unsigned i = 0; i < wp->n && rc == 0; i++) {
        rc = pthread_create(&wp->w[i].thread, NULL, worker_main, &wp->w[i]);
        wp->w[i].started = rc == 0;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc == 0 ? 0 : -1;
}

static int make_analyzers(struct worker_pool *wp, const struct analyzer_config *cfg,
                          const struct sink *sink)
{
    struct analyzer_config share = *cfg;
    share.max_flows = (cfg->max_flows + wp->n - 1) / wp->n;
    if (share.max_flows < 16)                   /* --max-flows' own lower bound */
        share.max_flows = 16;
    for (unsigned i = 0; i < wp->n; i++) {
        wp->w[i] = (struct worker){.wp = wp, .index = i, .an = analyzer_new(&share, sink)};
        if (!wp->w[i].an)
            return -1;
    }
    return 0;
}

struct worker_pool *worker_pool_new(unsigned n, const struct analyzer_config *cfg,
                                    const struct sink *sink)
{
    struct worker_pool *wp = calloc(1, sizeof *wp);
    if (!wp)
        return NULL;
    wp->n = n;
    pthread_mutex_init(&wp->lock, NULL);
    pthread_cond_init(&wp->work, NULL);
    pthread_cond_init(&wp->done, NULL);
    wp->w = calloc(n, sizeof *wp->w);
    wp->ring = calloc(RING_BATCHES, sizeof *wp->ring);
    if (!wp->w || !wp->ring || make_analyzers(wp, cfg, sink) != 0 || start_threads(wp) != 0) {
        worker_pool_free(wp);
        return NULL;
    }
    return wp;
}

void worker_pool_free(struct worker_pool *wp)
{
    if (!wp)
        return;
    pthread_mutex_lock(&wp->lock);
    wp->stop = true;
    pthread_cond_broadcast(&wp->work);
    pthread_mutex_unlock(&wp->lock);
    for (unsigned i = 0; wp->w && i < wp->n; i++) {
        if (wp->w[i].started)
            pthread_join(wp->w[i].thread, NULL);
        analyzer_free(wp->w[i].an);
    }
    for (unsigned i = 0; wp->ring && i < RING_BATCHES; i++)
        free(wp->ring[i].arena);
    free(wp->ring);
    free(wp->w);
    pthread_cond_destroy(&wp->done);
    pthread_cond_destroy(&wp->work);
    pthread_mutex_destroy(&wp->lock);
    free(wp);
}
