/*
 * pipeline.h — what `analyze` and `live` share: the result file, the analyzer writing into it
 * through the storage sink on a writer thread (sink_thread), the run's totals, and the step
 * that takes one captured record through the dissector (and, for IPv4 fragments, the
 * reassembly stage, analyzer/ip_defrag.h) into the analyzer.
 *
 * Invariant: after pipeline_open() succeeds, the run is recorded (run_begin) and must be
 * ended with pipeline_end(); pipeline_close() frees everything and is safe on any state.
 */
#ifndef FINSCOPE_CLI_PIPELINE_H
#define FINSCOPE_CLI_PIPELINE_H

#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>

#include "analyzer/analyzer.h"
#include "analyzer/ip_defrag.h"
#include "cli/shared_sink.h"
#include "cli/workers.h"
#include "storage/storage.h"

struct pipeline {
    struct storage *st;           /* written by the writer thread; read it only after a sink
                                   * call returned (storage.h, sink_thread); NULL when opened
                                   * with pipeline_open_sink */
    struct sink_thread *writer;
    struct sink sink;             /* the writer thread's */
    const char *(*inner_errmsg)(const void *ctx);  /* pipeline_open_sink: the inner sink's */
    const void *inner_ctx;
    struct analyzer *an;          /* one analyzer (workers 1), else NULL */
    struct worker_pool *pool;     /* workers > 1: N analyzers on threads (workers.h) */
    struct shared_sink *shared;   /* ... writing through this lock into the writer thread */
    struct ip_defrag *defrag;     /* IPv4 fragments waiting for the rest of their datagram */
    struct run_totals totals;
    uint64_t packet_no;           /* records taken in this run so far */
};

/* --sensor NAME: 1 to 255 characters. */
bool pipeline_sensor_ok(const char *name);
/* The run's sensor: `given`, else the host name (into buf), else "unknown". */
const char *pipeline_sensor(const char *given, char *buf, size_t len);
/* The command line as recorded in runs.options: a PostgreSQL URL's password left out
 * (storage_redacted); caller frees. NULL when out of memory. */
char *pipeline_options(int n, char *const *words);

/* Opens `db_path`, creates the analyzer and records the run. -1 with `err` set on failure
 * (the storage's own message when it has one). `workers` 1 is one analyzer on the calling
 * thread; more is that many analyzers on worker threads (workers.h), fed by the caller. */
int pipeline_open(struct pipeline *p, const char *db_path, const struct analyzer_config *cfg,
                  unsigned workers, const struct run_info *info, char *err, size_t errlen);

/* The same over a sink of the caller's (e.g. cli/rotate_sink.h) instead of one file: st stays
 * NULL, and errmsg(inner->ctx) says why the sink failed. */
int pipeline_open_sink(struct pipeline *p, const struct sink *inner,
                       const char *(*errmsg)(const void *ctx), const struct analyzer_config *cfg,
                       unsigned workers, const struct run_info *info, char *err, size_t errlen);

/* Why the result file (or the caller's sink) failed; "" when it did not say. Read it only
 * after a sink call returned (storage.h, sink_thread). */
const char *pipeline_errmsg(const struct pipeline *p);

/* A record's capture time in Unix microseconds; seconds clamped to [0, 10^12] (pipeline.c). */
int64_t pipeline_record_time_us(const struct pcap_pkthdr *h);

/* Counts one captured record (at `ts_us`, `caplen` of `len` bytes), decodes it, and analyzes
 * it when it decodes (else counts the reason). An IPv4 fragment is held until its datagram is
 * complete, which is then analyzed as one packet (at the time of its last fragment);
 * fragments that never make a datagram are counted by reason (frag_*) in the run's totals.
 * Returns DISSECT_OK when it was analyzed or held, the reason (> 0) when it did not decode,
 * -1 when the analyzer or the sink failed. */
int pipeline_record(struct pipeline *p, int linktype, int64_t ts_us, uint32_t caplen,
                    uint32_t len, const u_char *data);

/* Emits flows whose timeouts have passed at `now_us` (analyzer_advance; every worker's). */
int pipeline_advance(struct pipeline *p, int64_t now_us);

/* Copies the analyzer's flow counts into the totals (after the workers caught up). */
void pipeline_count_flows(struct pipeline *p);

/* Commits what is pending and updates the run's counters. */
int pipeline_checkpoint(struct pipeline *p);

/* Emits every flow still alive (analyzer_finish) unless `failed`, counts the fragments still
 * held (frag_incomplete), then ends the run with `complete` and `error`. -1 when any of it
 * failed. */
int pipeline_end(struct pipeline *p, bool failed, bool complete, const char *error);

/* Frees the analyzer and closes the result file; -1 when the close failed. */
int pipeline_close(struct pipeline *p);

/* Wall clock, Unix microseconds. */
int64_t wall_clock_us(void);

#endif
