/*
 * rotate_sink.h — where `finscope live` writes: a sink over one result file, or with --rotate
 * a new file per interval (cli/rotate_name.h), and with --jsonl a JSON line per flow.
 *
 * It is the inner sink of the writer thread (storage.h, sink_thread): every call comes from
 * that one thread, and it calls the files' storage sinks directly.
 *
 *   files    run_begin opens the file of the current interval and records the run in it; a
 *            flow goes to the file that is current when it is stored. When the interval
 *            changes (checked at each flow and each checkpoint) the next file is opened and
 *            gets its own runs row (same source, mode, options, started); the previous one
 *            stays open while flows stored in it may still get late rows (sink->late), until
 *            each was forgotten (sink->forget) or `close_after_us` passed, and is then closed
 *            with its run complete. Late rows for a flow whose file is closed are dropped
 *            (counted: rotate_sink_late_dropped).
 *   ids      the flow id handed back is (file sequence << 40) | the id stored in that file, so
 *            late rows and forget find the file that holds the flow.
 *   counters each file's runs row has the capture's counters as of its last checkpoint (or
 *            end); flows and flows_evicted are the file's own.
 *   --keep   after a new file is opened, and once more at the end when all are closed, only
 *            the `keep` newest rotated files of -o (and of --jsonl) are left; open files are
 *            never removed. A removal that fails is counted and its message kept, not fatal.
 *   --jsonl  each stored flow is read back from its file and written as one line of
 *            `finscope export --format jsonl` (report_jsonl_flow), flushed at every
 *            checkpoint; with --rotate the JSON file rotates with the result file.
 *   failure  any failed write, in the current file or an older one, fails the sink: every
 *            call after it returns -1, and run_end ends every open file's run as incomplete
 *            with the reason (rotate_sink_errmsg).
 */
#ifndef FINSCOPE_CLI_ROTATE_SINK_H
#define FINSCOPE_CLI_ROTATE_SINK_H

#include <stdint.h>

#include "analyzer/analyzer.h"

#define ROTATE_ID_BITS 40

struct rotate_config {
    const char *db_path;          /* -o */
    const char *jsonl_path;       /* --jsonl, NULL when not asked for */
    int64_t interval_s;           /* --rotate, 0: one file, -o itself */
    size_t keep;                  /* --keep, 0: keep every file */
    int64_t close_after_us;       /* a rotated-out file is closed at the latest this long after */
    int64_t (*clock_us)(void *ctx);  /* wall clock, Unix microseconds */
    void *clock_ctx;
};

struct rotate_sink;

/* Fills `out` with the sink; NULL when out of memory. The paths in `c` must stay valid. */
struct rotate_sink *rotate_sink_new(const struct rotate_config *c, struct sink *out);
/* Closes whatever is still open (without ending its run) and frees. NULL is accepted. */
void rotate_sink_free(struct rotate_sink *rs);

/* Why the last call failed, in one line naming the file; "" when none did. */
const char *rotate_sink_errmsg(const void *rs);
/* The newest file's path and its run id (also once closed); "" and 0 before run_begin. */
const char *rotate_sink_path(const struct rotate_sink *rs);
int64_t rotate_sink_run_id(const struct rotate_sink *rs);
/* Files opened so far, late rows dropped (their file was closed), --keep removals that
 * failed (and the last one's message, "" when none). */
uint64_t rotate_sink_files(const struct rotate_sink *rs);
uint64_t rotate_sink_late_dropped(const struct rotate_sink *rs);
uint64_t rotate_sink_prune_failures(const struct rotate_sink *rs, const char **msg);

#endif
