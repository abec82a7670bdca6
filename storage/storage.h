/*
 * storage.h — the only code that knows SQLite.
 *
 * A result file is an SQLite database whose schema (docs/schema.md) is created on first use and
 * versioned with PRAGMA user_version. storage_open() refuses, with a message saying what to do,
 * a file that is not a finscope database, one written by a newer finscope, or one it cannot
 * write. A second run on the same file appends a new run.
 *
 * Writing: storage implements the analyzer's sink (analyzer/analyzer.h). Rows are written with
 * prepared statements inside one long transaction that checkpoint() and run_end() commit, so a
 * reader (sqlite3 in another terminal; the file is in WAL mode) sees whole flows, never parts.
 * A run's row is inserted with complete = 0 by run_begin and set to 1 only by a run_end whose
 * totals say complete; a run cut short by a crash or kill stays visibly unfinished.
 *
 * Errors are returned, never printed: every function returning int gives 0 or -1, and
 * storage_errmsg() says what went wrong in one line fit for a user.
 */
#ifndef FINSCOPE_STORAGE_H
#define FINSCOPE_STORAGE_H

#include <stdint.h>

#include "analyzer/analyzer.h"

#define STORAGE_SCHEMA_VERSION 4

struct storage;

/* Once, at program start, before any other storage call: sets SQLite up for this program
 * (every connection used by one thread at a time; no memory statistics, whose global mutex
 * costs a lock per allocation). */
void storage_library_init(void);

/* Opens (creating if needed) the database at `path`. On failure returns -1, *out is NULL and
 * `err` holds the message. `readonly` opens an existing file for reading only. */
int storage_open(const char *path, int readonly, struct storage **out, char *err, size_t errlen);
/* Whether `path` names a PostgreSQL database (postgresql:// or postgres://): else SQLite. */
bool storage_is_postgres(const char *path);
/* Commits what is pending and closes. NULL is accepted. */
int storage_close(struct storage *st);
const char *storage_errmsg(const struct storage *st);
/* `text` with the password of a postgresql:// URL in it replaced by "***" (for what is shown
 * or recorded, e.g. runs.options); malloc'd, NULL when out of memory. */
char *storage_redacted(const char *text);

/* Fills a sink whose functions write into this database. */
void storage_sink(struct storage *st, struct sink *out);
/* Id of the run that run_begin created (0 before). */
int64_t storage_run_id(const struct storage *st);

/* ---- Writing on a second thread (sink_thread.c) ----
 * Fills `out` with a sink that queues flows for a writer thread, which hands them to `inner`
 * (normally storage_sink) in the same order, so the analysis does not wait on SQLite; it
 * waits only while more than max_bytes of records are queued. run_begin, checkpoint and
 * run_end wait until everything queued before them is written, then return inner's result;
 * after any of them returns, inner's state (storage_errmsg) may be read. Flow ids handed to
 * the analyzer are handles that only this sink understands. After an inner failure, flow,
 * late_anomaly and checkpoint return -1; run_end is still carried out (it records why) but
 * returns -1 too. */
struct sink_thread;
struct sink_thread *sink_thread_start(const struct sink *inner, size_t max_bytes,
                                      struct sink *out);
/* Waits for the queue to drain, stops the thread and frees it. NULL is accepted. */
void sink_thread_stop(struct sink_thread *t);

#endif
