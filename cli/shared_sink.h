/*
 * shared_sink.h — a sink several threads may call at once (`--workers N`: one analyzer per
 * worker thread, one writer): each call to the inner sink is made under one mutex, so the
 * inner sink (normally sink_thread's, storage.h) sees one call at a time, as from one thread.
 *
 * Flow ids stay the inner sink's: the id one worker's analyzer is handed for a flow is the
 * inner sink's id for it, unique across workers, so its late rows and forget reach that flow.
 */
#ifndef FINSCOPE_CLI_SHARED_SINK_H
#define FINSCOPE_CLI_SHARED_SINK_H

#include "analyzer/analyzer.h"

struct shared_sink;

/* Fills `out` with the locked sink over `inner` (which may be the same struct as `out`).
 * NULL when out of memory. */
struct shared_sink *shared_sink_new(const struct sink *inner, struct sink *out);

/* No call may be in progress. NULL is accepted. */
void shared_sink_free(struct shared_sink *s);

#endif
