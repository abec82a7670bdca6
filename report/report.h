/*
 * report.h — report/'s contract: what a result file holds, written for people and for other
 * tools. report/ reads the file through storage/read.h only and writes to the stream it is
 * given; it parses no arguments, opens no files, and prints no errors. Each function returns
 * 0, or -1 with a one-line message in err[errlen] (storage's message, or "out of memory").
 * A failed write on `out` is the caller's to detect (ferror), as the caller owns the stream.
 *
 *   report_summary  `finscope report`: one run, as text, JSON or CSV
 *   report_runs     `finscope report --runs`: the runs of a file, as a text table
 *   report_show     `finscope show`: one flow's teardown ladder
 *   report_export   `finscope export`: every flow of a run as a Zeek conn.log, JSON lines, CSV
 */
#ifndef FINSCOPE_REPORT_H
#define FINSCOPE_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "storage/read.h"

/* How text may look where it goes (the caller knows the terminal and the locale). */
struct report_style {
    bool color;                   /* ANSI colours */
    bool utf8;                    /* block characters for bars */
};

enum report_format { REPORT_TEXT, REPORT_JSON, REPORT_CSV };

struct report_options {
    const char *db;               /* the file's name as the user wrote it, for titles */
    int64_t run_id;               /* 0: the newest run */
    enum report_format format;
    int top;                      /* rows of the top-address tables, >= 1 */
    struct report_style style;
};

int report_summary(struct storage *st, const struct report_options *o, FILE *out, char *err,
                   size_t errlen);
int report_runs(struct storage *st, const char *db, const struct report_style *style,
                FILE *out, char *err, size_t errlen);

struct show_options {
    const char *db;
    int64_t flow_id;
    bool absolute;                /* seq/ack as captured, not relative to each side's ISN */
    struct report_style style;
};

int report_show(struct storage *st, const struct show_options *o, FILE *out, char *err,
                size_t errlen);

enum export_format { EXPORT_ZEEK, EXPORT_JSONL, EXPORT_CSV };

int report_export(struct storage *st, int64_t run_id, enum export_format format, FILE *out,
                  char *err, size_t errlen);

#endif
