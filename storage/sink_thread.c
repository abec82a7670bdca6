/*
 * sink_thread.c — a sink that writes on a second thread (storage.h, "Writing on a second
 * thread").
 *
 * The analysis thread calls the functions of the outer sink. flow, late and forget copy
 * their records into a FIFO and return at once, waiting only while the FIFO holds more than
 * max_bytes. run_begin, checkpoint and run_end are barriers: each waits until the writer
 * thread has carried out everything queued before it and then itself, and returns the inner
 * sink's result. The writer calls the inner sink in FIFO order, so the database sees exactly
 * the calls it would have seen without the thread.
 *
 * Flow ids: the inner sink's id of a flow is known only once the writer has stored it, so the
 * outer flow() hands the analyzer a handle (1, 2, 3, ... in emission order) and the writer
 * translates handles into stored ids (struct id_ring), remembering each until forget().
 *
 * After an inner failure the writer skips flow, late and checkpoint messages (the run
 * is over) but still carries out run_end, which records why; from then on the outer flow,
 * late and checkpoint return -1, and so does run_end (the run failed), so the caller
 * learns of a failure even when it happened in the last flows before the end.
 *
 * Locking: `lock` guards the FIFO, queued_bytes, the barrier's result and `failed`; the inner
 * sink and the id ring belong to the writer thread alone. A barrier's caller reads what the
 * inner sink left behind (e.g. storage_errmsg) safely: the writer is idle until the next call.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "storage/storage.h"

#define BATCH_BYTES (64u << 10)

enum msg_kind { M_FLOW, M_LATE, M_FORGET, M_RUN_BEGIN, M_CHECKPOINT, M_RUN_END, M_STOP };

struct msg {
    struct msg *next;
    enum msg_kind kind;
    size_t bytes;                          /* counted against max_bytes */
    int64_t handle;                        /* M_FLOW, M_LATE, M_FORGET */
    union {
        struct {
            struct flow_record rec;
            struct teardown_event *ev;     /* nev of them, then nan anomalies, then nrst RSTs,
                                              after the msg */
            struct anomaly_record *an;
            struct rst_record *rst;
            size_t nev, nan, nrst;
        } flow;
        struct {
            struct late_rows rows;         /* pointing into the copies below */
            struct teardown_event ev;
            struct rst_record rst;         /* then rows.nan anomalies, after the msg */
        } late;
        const struct run_info *info;       /* barriers: the caller's, valid while it waits */
        const struct run_totals *totals;
    } u;
};

/* Stored ids of handles [first, first + len), oldest at ids[head]; 0 = forgotten. */
struct id_ring {
    int64_t first;
    int64_t *ids;
    size_t head, len, cap;
};

struct sink_thread {
    struct sink inner;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake_writer, wake_caller;
    struct msg *head, *tail;
    size_t queued_bytes, max_bytes;
    bool barrier_done;
    int barrier_rc;
    bool failed;                           /* an inner call failed */
    int64_t next_handle;                   /* analysis thread only */
    struct msg *stop;                      /* allocated up front: stopping cannot fail */
    struct msg *batch_head, *batch_tail;   /* analysis thread only: not yet on the FIFO */
    size_t batch_bytes;
    bool known_failed;                     /* analysis thread's copy of `failed` */
    struct id_ring ring;                   /* writer thread only */
};

/* ---- the id ring (writer thread) ----------------------------------------------------------- */

static int64_t *ring_at(struct id_ring *r, size_t i)
{
    return &r->ids[(r->head + i) % r->cap];
}

static int ring_grow(struct id_ring *r)
{
    size_t cap = r->cap ? r->cap * 2 : 1024;
    int64_t *ids = malloc(cap * sizeof *ids);
    if (!ids)
        return -1;
    for (size_t i = 0; i < r->len; i++)
        ids[i] = *ring_at(r, i);
    free(r->ids);
    r->ids = ids;
    r->cap = cap;
    r->head = 0;
    return 0;
}

/* Handles arrive in order with no gaps (invariant: the outer flow() numbers only the flows it
 * queued, and the writer stores or fails every one in order). */
static int ring_push(struct id_ring *r, int64_t handle, int64_t id)
{
    if (r->len == 0)
        r->first = handle;
    if (r->len == r->cap && ring_grow(r) < 0)
        return -1;
    *ring_at(r, r->len++) = id;
    return 0;
}

static int64_t ring_get(struct id_ring *r, int64_t handle)
{
    if (handle < r->first || handle - r->first >= (int64_t)r->len)
        return 0;
    return *ring_at(r, (size_t)(handle - r->first));
}

static void ring_forget(struct id_ring *r, int64_t handle)
{
    if (ring_get(r, handle) == 0)
        return;
    *ring_at(r, (size_t)(handle - r->first)) = 0;
    while (r->len > 0 && *ring_at(r, 0) == 0) {
        r->head = (r->head + 1) % r->cap;
        r->len--;
        r->first++;
    }
}

/* ---- the writer thread --------------------------------------------------------------------- */

static int write_flow(struct sink_thread *t, struct msg *m)
{
    int64_t id = 0;
    if (t->inner.flow(t->inner.ctx, &m->u.flow.rec, m->u.flow.ev, m->u.flow.nev,
                      m->u.flow.an, m->u.flow.nan, m->u.flow.rst, m->u.flow.nrst, &id) != 0)
        return -1;
    return ring_push(&t->ring, m->handle, id);
}

/* Late rows for a handle with no stored id are the inner sink's to refuse (id 0). */
static int write_late(struct sink_thread *t, struct msg *m)
{
    return t->inner.late(t->inner.ctx, ring_get(&t->ring, m->handle), &m->u.late.rows);
}

/* Carries out one message; *failed is the writer's own copy of t->failed. */
static int carry_out(struct sink_thread *t, struct msg *m, bool *failed)
{
    int rc = 0;
    switch (m->kind) {
    case M_FLOW:       rc = *failed ? -1 : write_flow(t, m); break;
    case M_LATE:       rc = *failed ? -1 : write_late(t, m); break;
    case M_FORGET:     ring_forget(&t->ring, m->handle); break;
    case M_RUN_BEGIN:  rc = t->inner.run_begin(t->inner.ctx, m->u.info); break;
    case M_CHECKPOINT: rc = *failed ? -1 : t->inner.checkpoint(t->inner.ctx, m->u.totals); break;
    case M_RUN_END:    /* carried out even after a failure, which it then reports */
        rc = t->inner.run_end(t->inner.ctx, m->u.totals) != 0 || *failed ? -1 : 0;
        break;
    case M_STOP:       break;
    }
    if (rc != 0 && m->kind != M_RUN_END)
        *failed = true;
    return rc;
}

/* Runs a batch taken off the FIFO; returns its bytes, and the barrier's result if it held one
 * (a barrier is always the last message: its caller queues nothing until it returns). */
static size_t run_batch(struct sink_thread *t, struct msg *batch, bool *failed,
                        bool *barrier, int *barrier_rc, bool *stop)
{
    size_t bytes = 0;
    while (batch) {
        struct msg *m = batch;
        batch = m->next;
        int rc = carry_out(t, m, failed);
        bytes += m->bytes;
        if (m->kind >= M_RUN_BEGIN) {
            *barrier = true;
            *barrier_rc = rc;
            *stop = m->kind == M_STOP;
        }
        free(m);
    }
    return bytes;
}

static void *writer_main(void *arg)
{
    struct sink_thread *t = arg;
    bool failed = false, stop = false;
    pthread_mutex_lock(&t->lock);
    while (!stop) {
        while (!t->head)
            pthread_cond_wait(&t->wake_writer, &t->lock);
        struct msg *batch = t->head;
        t->head = t->tail = NULL;
        pthread_mutex_unlock(&t->lock);
        bool barrier = false;
        int barrier_rc = 0;
        size_t bytes = run_batch(t, batch, &failed, &barrier, &barrier_rc, &stop);
        pthread_mutex_lock(&t->lock);
        t->queued_bytes -= bytes;
        t->failed = failed;
        if (barrier) {
            t->barrier_done = true;
            t->barrier_rc = barrier_rc;
        }
        pthread_cond_broadcast(&t->wake_caller);
    }
    pthread_mutex_unlock(&t->lock);
    return NULL;
}

/* ---- the outer sink (analysis thread) ------------------------------------------------------ */

static void free_msgs(struct msg *m)
{
    while (m) {
        struct msg *next = m->next;
        free(m);
        m = next;
    }
}

static struct msg *msg_new(enum msg_kind kind, size_t extra)
{
    struct msg *m = calloc(1, sizeof *m + extra);
    if (m) {
        m->kind = kind;
        m->bytes = sizeof *m + extra;
    }
    return m;
}

/* Appends the list first..last (`bytes` of messages) to the FIFO and wakes the writer.
 * Called with the lock held. */
static void fifo_append(struct sink_thread *t, struct msg *first, struct msg *last, size_t bytes)
{
    if (t->tail) t->tail->next = first; else t->head = first;
    t->tail = last;
    t->queued_bytes += bytes;
    pthread_cond_signal(&t->wake_writer);
}

/* Moves the caller's batch onto the FIFO (waiting while the FIFO is over budget); -1, with
 * the batch freed, once the writer has failed. */
static int flush(struct sink_thread *t)
{
    struct msg *first = t->batch_head, *last = t->batch_tail;
    size_t bytes = t->batch_bytes;
    t->batch_head = t->batch_tail = NULL;
    t->batch_bytes = 0;
    if (!first)
        return 0;
    pthread_mutex_lock(&t->lock);
    while (t->queued_bytes > t->max_bytes && !t->failed)
        pthread_cond_wait(&t->wake_caller, &t->lock);
    bool failed = t->known_failed = t->failed;
    if (!failed)
        fifo_append(t, first, last, bytes);
    pthread_mutex_unlock(&t->lock);
    if (failed)
        free_msgs(first);
    return failed ? -1 : 0;
}

/* Adds m to the caller's batch, which goes to the writer once it holds BATCH_BYTES (one
 * wake-up per batch rather than per flow). -1, with m freed, once the writer has failed. */
static int enqueue(struct sink_thread *t, struct msg *m)
{
    if (t->known_failed) {
        free(m);
        return -1;
    }
    m->next = NULL;
    if (t->batch_tail) t->batch_tail->next = m; else t->batch_head = m;
    t->batch_tail = m;
    t->batch_bytes += m->bytes;
    return t->batch_bytes >= BATCH_BYTES ? flush(t) : 0;
}

/* Queues barrier message m behind the caller's batch and waits for its result. A barrier is
 * queued even after a failure: run_end must still be carried out. */
static int barrier_wait(struct sink_thread *t, struct msg *m)
{
    flush(t);
    pthread_mutex_lock(&t->lock);
    m->next = NULL;
    t->barrier_done = false;
    fifo_append(t, m, m, m->bytes);
    while (!t->barrier_done)
        pthread_cond_wait(&t->wake_caller, &t->lock);
    int rc = t->barrier_rc;
    t->known_failed = t->failed;
    pthread_mutex_unlock(&t->lock);
    return rc;
}

static int outer_flow(void *ctx, const struct flow_record *f, const struct teardown_event *ev,
                      size_t nev, const struct anomaly_record *an, size_t nan,
                      const struct rst_record *rst, size_t nrst, int64_t *flow_id)
{
    struct sink_thread *t = ctx;
    size_t evb = nev * sizeof *ev, anb = nan * sizeof *an, rsb = nrst * sizeof *rst;
    struct msg *m = msg_new(M_FLOW, evb + anb + rsb);
    *flow_id = 0;
    if (!m)
        return -1;
    m->u.flow.rec = *f;                 /* its strings are static names (analyzer.h) */
    m->u.flow.ev = (struct teardown_event *)(m + 1);
    m->u.flow.an = (struct anomaly_record *)((char *)(m + 1) + evb);
    m->u.flow.rst = (struct rst_record *)((char *)(m + 1) + evb + anb);
    if (evb) memcpy(m->u.flow.ev, ev, evb);
    if (anb) memcpy(m->u.flow.an, an, anb);
    if (rsb) memcpy(m->u.flow.rst, rst, rsb);
    m->u.flow.nev = nev;
    m->u.flow.nan = nan;
    m->u.flow.nrst = nrst;
    m->handle = t->next_handle + 1;
    if (enqueue(t, m) < 0)
        return -1;
    *flow_id = ++t->next_handle;
    return 0;
}

static int outer_late(void *ctx, int64_t flow_id, const struct late_rows *rows)
{
    size_t anb = rows->nan * sizeof *rows->an;
    struct msg *m = msg_new(M_LATE, anb);
    if (!m)
        return -1;
    m->handle = flow_id;
    struct late_rows *copy = &m->u.late.rows;
    copy->nan = rows->nan;
    copy->an = (struct anomaly_record *)(m + 1);
    if (anb) memcpy(m + 1, rows->an, anb);
    if (rows->ev) {
        m->u.late.ev = *rows->ev;
        copy->ev = &m->u.late.ev;
    }
    if (rows->rst) {
        m->u.late.rst = *rows->rst;
        copy->rst = &m->u.late.rst;
    }
    return enqueue(ctx, m);
}

static void outer_forget(void *ctx, int64_t flow_id)
{
    struct msg *m = msg_new(M_FORGET, 0);
    if (!m)
        return;          /* the id stays remembered: costs 8 bytes, loses nothing */
    m->handle = flow_id;
    enqueue(ctx, m);
}

static int outer_run_begin(void *ctx, const struct run_info *info)
{
    struct msg *m = msg_new(M_RUN_BEGIN, 0);
    if (!m)
        return -1;
    m->u.info = info;
    return barrier_wait(ctx, m);
}

static int totals_barrier(struct sink_thread *t, enum msg_kind kind,
                          const struct run_totals *totals)
{
    struct msg *m = msg_new(kind, 0);
    if (!m)
        return -1;
    m->u.totals = totals;
    return barrier_wait(t, m);
}

static int outer_checkpoint(void *ctx, const struct run_totals *totals)
{
    return totals_barrier(ctx, M_CHECKPOINT, totals);
}

static int outer_run_end(void *ctx, const struct run_totals *totals)
{
    return totals_barrier(ctx, M_RUN_END, totals);
}

/* ---- start and stop ------------------------------------------------------------------------ */

/* The writer blocks every signal, so SIGINT and friends reach the capture thread. */
static int start_writer(struct sink_thread *t)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&t->thread, NULL, writer_main, t);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc == 0 ? 0 : -1;
}

struct sink_thread *sink_thread_start(const struct sink *inner, size_t max_bytes,
                                      struct sink *out)
{
    struct sink_thread *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->inner = *inner;
    t->max_bytes = max_bytes;
    t->stop = msg_new(M_STOP, 0);
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->wake_writer, NULL);
    pthread_cond_init(&t->wake_caller, NULL);
    if (!t->stop || start_writer(t) < 0) {
        free(t->stop);
        pthread_cond_destroy(&t->wake_caller);
        pthread_cond_destroy(&t->wake_writer);
        pthread_mutex_destroy(&t->lock);
        free(t);
        return NULL;
    }
    *out = (struct sink){ .ctx = t, .run_begin = outer_run_begin, .flow = outer_flow,
                          .late = outer_late, .forget = outer_forget,
                          .checkpoint = outer_checkpoint, .run_end = outer_run_end };
    return t;
}

void sink_thread_stop(struct sink_thread *t)
{
    if (!t)
        return;
    barrier_wait(t, t->stop);         /* the writer frees it */
    pthread_join(t->thread, NULL);
    pthread_cond_destroy(&t->wake_caller);
    pthread_cond_destroy(&t->wake_writer);
    pthread_mutex_destroy(&t->lock);
    free(t->ring.ids);
    free(t);
}
