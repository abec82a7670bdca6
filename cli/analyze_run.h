/*
 * analyze_run.h — the state of one `finscope analyze` run, shared by analyze.c (setting the
 * run up, ending it, choosing the exit status) and analyze_read.c (the record loop).
 *
 * Invariant: the pipeline is usable only while `begun` is true; `begun` is set once the
 * pipeline has recorded the run, so every begun run is ended with pipeline_end().
 */
#ifndef FINSCOPE_CLI_ANALYZE_RUN_H
#define FINSCOPE_CLI_ANALYZE_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "analyzer/analyzer.h"
#include "cli/analyze_args.h"
#include "cli/capture_source.h"
#include "cli/pipeline.h"
#include "cli/progress.h"
#include "storage/storage.h"

struct analyze_run {
    const struct analyze_args *args;
    const char *source;           /* runs.source: the file names joined by spaces */
    const char *options;          /* runs.options: the arguments as given */
    struct pipeline pl;           /* result file + analyzer, opened at the first usable file */
    bool begun;                   /* see the invariant above */
    bool failed;                  /* storage or analyzer failure: exit 1, run incomplete */
    bool file_refused;            /* a file was unusable as a whole: exit 1 */
    struct progress progress;
    char fail_msg[512];           /* why `failed`, as reported */
    char problems[1024];          /* warnings and refused files, "; "-separated, for runs.error */
    unsigned problems_dropped;    /* those that did not fit */
};

/* Prints "finscope: MESSAGE" on stderr (after clearing the progress line); when `keep`, the
 * message also goes into runs.error. */
void run_report(struct analyze_run *r, bool keep, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Marks the run failed and reports why, once: storage's message, else `fallback`. */
void run_fail(struct analyze_run *r, const char *fallback);

/* Reads every record of `cs` into the run (file number `file_no` from 0). Stops early on a
 * stop signal, a failure (r->failed), or a bad or truncated record (reported and kept). */
void run_read_capture(struct analyze_run *r, const struct capture_source *cs, int file_no);

#endif
