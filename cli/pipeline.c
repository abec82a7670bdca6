/*
 * pipeline.c — the result file + analyzer pair that `analyze` and `live` drive (pipeline.h).
 */
#include "cli/pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/analyze_args.h"

/* Records queued for the writer thread before the analysis waits for it (storage.h). */
#define PIPELINE_QUEUE_BYTES (8u << 20)

bool pipeline_sensor_ok(const char *name)
{
    size_t n = strlen(name);
    return n >= 1 && n <= 255;
}

const char *pipeline_sensor(const char *given, char *buf, size_t len)
{
    if (given)
        return given;
    if (gethostname(buf, len) != 0 || !buf[0])
        return "unknown";
    buf[len - 1] = '\0';
    return buf;
}

char *pipeline_options(int n, char *const *words)
{
    char *joined = words_join(n, words, true);
    char *redacted = joined ? storage_redacted(joined) : NULL;
    free(joined);
    return redacted;
}

int64_t wall_clock_us(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
}

const char *pipeline_errmsg(const struct pipeline *p)
{
    if (p->st)
        return storage_errmsg(p->st);
    return p->inner_errmsg ? p->inner_errmsg(p->inner_ctx) : "";
}

static int open_failed(struct pipeline *p, const char *fallback, char *err, size_t errlen)
{
    const char *why = pipeline_errmsg(p);
    snprintf(err, errlen, "%s", why && why[0] ? why : fallback);
    return -1;
}

/* The writer thread over `inner`, the analyzer, the reassembly stage, and the run's row. */
/* The analyzer: one on this thread, or `workers` on threads of their own sharing the writer
 * through a lock (every later sink call of the pipeline's goes through it too). */
static int start_analysis(struct pipeline *p, const struct analyzer_config *cfg,
                          unsigned workers)
{
    if (workers <= 1) {
        p->an = analyzer_new(cfg, &p->sink);
        return p->an ? 0 : -1;
    }
    p->shared = shared_sink_new(&p->sink, &p->sink);
    if (!p->shared)
        return -1;
    p->pool = worker_pool_new(workers, cfg, &p->sink);
    return p->pool ? 0 : -1;
}

static int pipeline_start(struct pipeline *p, const struct sink *inner,
                          const struct analyzer_config *cfg, unsigned workers,
                          const struct run_info *info, char *err, size_t errlen)
{
    p->writer = sink_thread_start(inner, PIPELINE_QUEUE_BYTES, &p->sink);
    if (!p->writer)
        return open_failed(p, "cannot start the writer thread", err, errlen);
    if (start_analysis(p, cfg, workers) != 0)
        return open_failed(p, "cannot start the analyzer: out of memory, or nDPI failed to "
                              "initialise", err, errlen);
    p->defrag = ip_defrag_new();
    if (!p->defrag)
        return open_failed(p, "cannot start the analyzer: out of memory", err, errlen);
    if (p->sink.run_begin(p->sink.ctx, info) != 0)
        return open_failed(p, "cannot record the run", err, errlen);
    return 0;
}

int pipeline_open(struct pipeline *p, const char *db_path, const struct analyzer_config *cfg,
                  unsigned workers, const struct run_info *info, char *err, size_t errlen)
{
    *p = (struct pipeline){0};
    if (storage_open(db_path, 0, &p->st, err, errlen) != 0) {
        p->st = NULL;
        return -1;
    }
    struct sink store;
    storage_sink(p->st, &store);
    return pipeline_start(p, &store, cfg, workers, info, err, errlen);
}

int pipeline_open_sink(struct pipeline *p, const struct sink *inner,
                       const char *(*errmsg)(const void *ctx), const struct analyzer_config *cfg,
                       unsigned workers, const struct run_info *info, char *err, size_t errlen)
{
    *p = (struct pipeline){.inner_errmsg = errmsg, .inner_ctx = inner->ctx};
    return pipeline_start(p, inner, cfg, workers, info, err, errlen);
}

/* pcapng timestamps are 64-bit counts of ticks: libpcap's seconds can lie far beyond any real
 * date, or be negative, and their microseconds overflow int64. Seconds are clamped to
 * [0, MAX_RECORD_SEC] (year 33658), which leaves room for the analyzer's timeout arithmetic. */
#define MAX_RECORD_SEC 1000000000000LL

int64_t pipeline_record_time_us(const struct pcap_pkthdr *h)
{
    int64_t sec = (int64_t)h->ts.tv_sec, usec = (int64_t)h->ts.tv_usec;
    if (sec < 0)
        sec = 0;
    if (sec > MAX_RECORD_SEC)
        sec = MAX_RECORD_SEC;
    if (usec < 0 || usec > UINT32_MAX)   /* classic pcap: whatever the file's 32 bits say */
        usec = 0;
    return sec * 1000000 + usec;
}

int pipeline_record(struct pipeline *p, int linktype, int64_t ts_us, uint32_t caplen,
                    uint32_t len, const u_char *data)
{
    struct run_totals *t = &p->totals;
    p->packet_no++;
    t->packets++;
    t->bytes += len;
    if (t->packets == 1)
        t->first_pkt_us = ts_us;
    if (t->packets == 1 || ts_us > t->last_pkt_us)
        t->last_pkt_us = ts_us;
    struct packet pkt, whole;
    struct packet *use = &pkt;
    enum dissect_result res = dissect_packet(linktype, data, caplen, len, &pkt);
    if (res == DISSECT_IP_FRAGMENT && pkt.ip_version == 4) {
        if (!ip_defrag_add(p->defrag, &pkt, ts_us, &whole, &res, t->decode_errors))
            return DISSECT_OK;    /* held (or dropped and counted by ip_defrag) */
        use = &whole;
    }
    if (res != DISSECT_OK) {
        if (res > DISSECT_OK && res < DISSECT_REASON_COUNT)
            t->decode_errors[res]++;
        return (int)res;
    }
    use->ts_us = ts_us;
    int rc = p->pool ? worker_pool_packet(p->pool, use, p->packet_no)
                     : analyzer_packet(p->an, use, p->packet_no);
    return rc == 0 ? DISSECT_OK : -1;
}

int pipeline_advance(struct pipeline *p, int64_t now_us)
{
    return p->pool ? worker_pool_advance(p->pool, now_us) : analyzer_advance(p->an, now_us);
}

void pipeline_count_flows(struct pipeline *p)
{
    struct analyzer_stats st;
    if (p->pool)
        worker_pool_stats(p->pool, &st);
    else
        analyzer_get_stats(p->an, &st);
    p->totals.flows = st.flows_emitted;
    p->totals.flows_evicted = st.flows_evicted;
}

int pipeline_checkpoint(struct pipeline *p)
{
    if (p->pool && worker_pool_sync(p->pool) != 0)
        return -1;
    pipeline_count_flows(p);
    return p->sink.checkpoint(p->sink.ctx, &p->totals);
}

int pipeline_end(struct pipeline *p, bool failed, bool complete, const char *error)
{
    int rc = 0;
    if (!failed && (p->pool ? worker_pool_finish(p->pool) : analyzer_finish(p->an)) != 0)
        rc = -1;
    ip_defrag_flush(p->defrag, p->totals.decode_errors);
    pipeline_count_flows(p);
    p->totals.complete = complete && rc == 0;
    p->totals.error = error;
    if (p->sink.run_end(p->sink.ctx, &p->totals) != 0)
        rc = -1;
    return rc;
}

int pipeline_close(struct pipeline *p)
{
    worker_pool_free(p->pool);    /* first: its threads may still be calling the sink */
    p->pool = NULL;
    sink_thread_stop(p->writer);
    p->writer = NULL;
    shared_sink_free(p->shared);
    p->shared = NULL;
    analyzer_free(p->an);
    p->an = NULL;
    ip_defrag_free(p->defrag);
    p->defrag = NULL;
    int rc = storage_close(p->st);
    p->st = NULL;
    return rc;
}
