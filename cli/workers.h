/*
 * workers.h — `--workers N`: the analysis of one run split over N threads, each with its own
 * analyzer (flow table, nDPI state), fed by the thread that reads and decodes the records.
 *
 * Dispatch: the reading thread (the dispatcher) copies each decoded packet and its bytes into
 * a batch of up to WORKERS_BATCH packets; a full batch is published to every worker at once
 * (one lock and one wake-up per batch, not per packet), and the batches form a ring, so the
 * dispatcher waits only when every slot still holds a batch some worker has not finished.
 * Each packet names its worker by the symmetric flow hash (worker_hash.h): both directions of
 * a flow, and every packet of a tunnelled flow, reach the same analyzer.
 *
 * The clock: each worker goes through every packet of every batch in order; a packet of
 * another worker's moves its analyzer's clock (analyzer_observe), its own is analyzed. So at
 * each packet every analyzer's clock is the one a single analyzer of all packets would have,
 * and each flow's timeouts, emission time and end-of-input tests are decided as with one
 * analyzer. The exceptions are listed in docs/teardown.md ("Several worker threads").
 *
 * The sink is shared by the N analyzers: it must take calls from several threads
 * (shared_sink.h). Packet numbers stay the run's record numbers.
 *
 * Threads: worker_pool_packet, _advance, _sync, _finish, _stats and _free are the
 * dispatcher's, called from one thread. After a worker's analyzer failed (a sink error, out of
 * memory), the workers skip what is left and the dispatcher's calls return -1.
 */
#ifndef FINSCOPE_CLI_WORKERS_H
#define FINSCOPE_CLI_WORKERS_H

#include <stdint.h>

#include "analyzer/analyzer.h"

#define WORKERS_MAX 64            /* --workers bound */
/* The default's bound: each worker costs an nDPI initialisation (some 40 ms, one after the
 * other: nDPI's module set-up must not run in parallel, analyzer/dpi.c) and about 5 MiB,
 * which a short capture on a many-core machine should not pay 64 times. */
#define WORKERS_DEFAULT_MAX 16
#define WORKERS_BATCH 256         /* packets per handoff */

struct worker_pool;

/* The number of online cores, at most WORKERS_DEFAULT_MAX (1 when it cannot be told). */
unsigned workers_default(void);

/* N (2 .. WORKERS_MAX) analyzers of configuration `cfg` writing into `sink`, each on its own
 * thread; cfg->max_flows is shared out between them (each keeps at most its share, rounded
 * up). NULL when out of memory, nDPI fails to initialise or a thread cannot start. */
struct worker_pool *worker_pool_new(unsigned n, const struct analyzer_config *cfg,
                                    const struct sink *sink);

/* Queues one decoded packet (its bytes are copied: `p` may be reused at once). */
int worker_pool_packet(struct worker_pool *wp, const struct packet *p, uint64_t packet_no);

/* Every analyzer: analyzer_advance(now_us), in order with the packets queued before. */
int worker_pool_advance(struct worker_pool *wp, int64_t now_us);

/* Waits until every queued packet is analyzed. -1 when an analyzer failed. */
int worker_pool_sync(struct worker_pool *wp);

/* Every analyzer: analyzer_finish (in parallel), then waits for them. */
int worker_pool_finish(struct worker_pool *wp);

/* The analyzers' statistics summed, after waiting for them (worker_pool_sync). */
void worker_pool_stats(struct worker_pool *wp, struct analyzer_stats *sum);

/* Stops the threads (after they finish what is queued) and frees the analyzers. NULL is
 * accepted. */
void worker_pool_free(struct worker_pool *wp);

#endif
