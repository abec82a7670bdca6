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
#include "cli/input_set.h"
#include "cli/pipeline.h"
#include "cli/progress.h"
#include "cli/record_filter.h"
#include "storage/storage.h"

/* Records counted by link type: the first LINK_TALLY_MAX link types, and the rest. */
#define LINK_TALLY_MAX 4
struct link_tally {
    uint64_t total;
    int linktype[LINK_TALLY_MAX];
    uint64_t count[LINK_TALLY_MAX];
    int n;
};

/* What one file contributed, for the lines said when it ends (analyze_read.c). */
struct file_stats {
    uint64_t records;             /* records analyzed (taken through the pipeline) */
    uint64_t decode_errors[DISSECT_REASON_COUNT];
    struct link_tally unsupported;  /* of those, on interfaces of a link type not decoded */
    struct link_tally unfiltered; /* records of a link type the filter cannot be used with */
    int64_t latest_us;            /* latest record time in this file so far */
    uint64_t back_records;        /* records earlier than one before them in this file */
    uint64_t back_first;          /* the first of them (record number in the file, from 1) */
    int64_t back_by_us;           /* how far back it went */
    bool reported;                /* a problem of this file was reported */
};

struct analyze_run {
    const struct analyze_args *args;
    const char *source;           /* runs.source: the file names joined by spaces */
    const char *options;          /* runs.options: the arguments as given */
    struct record_filter *filter; /* -f, NULL when not given */
    struct input_set in;          /* the files */
    struct file_stats *stats;     /* one per file, in command-line order */
    struct pipeline pl;           /* result file + analyzer, opened once the files are */
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

/* Reads every record of every file of r->in, merged in time order, into the run. Stops early
 * on a stop signal or a failure (r->failed); a file that ends early (a bad or truncated
 * record) is reported and kept, and the others go on. */
void run_read_inputs(struct analyze_run *r);

#endif
