/*
 * report.h — report/'s contract: what a result file holds, written for people and for other
 * tools. report/ reads the file through storage/read.h only and writes to the stream it is
 * given; it parses no arguments, opens no files, and prints no errors. Each function returns
 * 0, or -1 with a one-line message in err[errlen] (storage's message, or "out of memory").
 * A failed write on `out` is the caller's to detect (ferror), as the caller owns the stream.
 *
 *   report_summary  `finscope report`: one run, as text, JSON, CSV, or one self-contained HTML
 *                   page (charts, a flow table that filters and sorts, teardown ladders)
 *   report_runs     `finscope report --runs`: the runs of a file, as a text table
 *   report_show     `finscope show`: one flow's teardown ladder, as text or SVG
 *   report_export   `finscope export`: every flow of a run as a Zeek conn.log, JSON lines, CSV
 *   report_jsonl_flow  one flow as export's JSON line (for `finscope live --jsonl`)
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

enum report_format { REPORT_TEXT, REPORT_JSON, REPORT_CSV, REPORT_HTML };

struct report_options {
    const char *db;               /* the file's name as the user wrote it, for titles */
    int64_t run_id;               /* 0: the newest run */
    enum report_format format;
    int top;                      /* rows of the top-address tables, >= 1 */
    struct report_style style;
    /* HTML: the flow table holds at most `rows` flows and at most `ladders` of them get a
     * ladder (a larger run is shown in part, and the page says what was left out). */
    size_t rows, ladders;
};
#define REPORT_HTML_ROWS 10000
#define REPORT_HTML_LADDERS 1000

int report_summary(struct storage *st, const struct report_options *o, FILE *out, char *err,
                   size_t errlen);
int report_runs(struct storage *st, const char *db, const struct report_style *style,
                FILE *out, char *err, size_t errlen);

enum show_format { SHOW_TEXT, SHOW_SVG };

struct show_options {
    const char *db;
    int64_t flow_id;
    bool absolute;                /* seq/ack as captured, not relative to each side's ISN */
    enum show_format format;      /* SVG: one standalone SVG document (the ladder only) */
    struct report_style style;
};

int report_show(struct storage *st, const struct show_options *o, FILE *out, char *err,
                size_t errlen);

enum export_format { EXPORT_ZEEK, EXPORT_JSONL, EXPORT_CSV };

int report_export(struct storage *st, int64_t run_id, enum export_format format, FILE *out,
                  char *err, size_t errlen);

/* Flow `flow_id` as one line of `export --format jsonl`, read through `st` (a file being
 * written: its own uncommitted rows are read too). */
int report_jsonl_flow(struct storage *st, int64_t flow_id, FILE *out, char *err, size_t errlen);

#endif
