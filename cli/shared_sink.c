/*
 * shared_sink.c — a sink whose calls take one mutex (shared_sink.h).
 */
#include "cli/shared_sink.h"

#include <pthread.h>
#include <stdlib.h>

struct shared_sink {
    pthread_mutex_t lock;         /* held across every call to `inner` */
    struct sink inner;
};

static int locked_run_begin(void *ctx, const struct run_info *info)
{
    struct shared_sink *s = ctx;
    pthread_mutex_lock(&s->lock);
    int rc = s->inner.run_begin(s->inner.ctx, info);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int locked_flow(void *ctx, const struct flow_record *f, const struct teardown_event *ev,
                       size_t nev, const struct anomaly_record *an, size_t nan,
                       const struct rst_record *rst, size_t nrst, int64_t *flow_id)
{
    struct shared_sink *s = ctx;
    pthread_mutex_lock(&s->lock);
    int rc = s->inner.flow(s->inner.ctx, f, ev, nev, an, nan, rst, nrst, flow_id);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int locked_late(void *ctx, int64_t flow_id, const struct late_rows *rows)
{
    struct shared_sink *s = ctx;
    pthread_mutex_lock(&s->lock);
    int rc = s->inner.late(s->inner.ctx, flow_id, rows);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static void locked_forget(void *ctx, int64_t flow_id)
{
    struct shared_sink *s = ctx;
    pthread_mutex_lock(&s->lock);
    s->inner.forget(s->inner.ctx, flow_id);
    pthread_mutex_unlock(&s->lock);
}

static int locked_checkpoint(void *ctx, const struct run_totals *t)
{
    struct shared_sink *s = ctx;
    pthread_mutex_lock(&s->lock);
    int rc = s->inner.checkpoint(s->inner.ctx, t);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int locked_run_end(void *ctx, const struct run_totals *t)
{
    struct shared_sink *s = ctx;
    pthread_mutex_lock(&s->lock);
    int rc = s->inner.run_end(s->inner.ctx, t);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

struct shared_sink *shared_sink_new(const struct sink *inner, struct sink *out)
{
    struct shared_sink *s = calloc(1, sizeof *s);
    if (!s || pthread_mutex_init(&s->lock, NULL) != 0) {
        free(s);
        return NULL;
    }
    s->inner = *inner;
    *out = (struct sink){.ctx = s, .run_begin = locked_run_begin, .flow = locked_flow,
                         .late = locked_late, .forget = inner->forget ? locked_forget : NULL,
                         .checkpoint = locked_checkpoint, .run_end = locked_run_end};
    return s;
}

void shared_sink_free(struct shared_sink *s)
{
    if (!s)
        return;
    pthread_mutex_destroy(&s->lock);
    free(s);
}
