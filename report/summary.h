/*
 * summary.h — one run's summary as report.c gathers it (the lists `finscope report` shows), for
 * the writers that present it: text, JSON and CSV in report.c, HTML in html.c.
 */
#ifndef FINSCOPE_REPORT_SUMMARY_H
#define FINSCOPE_REPORT_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "report/report.h"

struct item {
    char *name, *group;           /* "" stands for NULL */
    int64_t count, flows;
    double share;
};

struct item_list {
    struct item *items;
    size_t n, cap;
    bool failed;                  /* out of memory */
};

enum list_id { L_DECODE, L_PROTO, L_TEARDOWN, L_CLOSER, L_ANOMALY, L_RESETTER, L_ANOMALOUS,
               L_APPMIX, L_RST_CAUSE, L_COUNT };

/* Who is behind a RST cause (storage/read.h: struct read_rst_source, copied). */
struct rst_source {
    char cause[20], origin[12];
    char sender[48], server[56];  /* an IPv6 address; "[addr]:port" */
    int64_t rsts, flows;
};

struct rst_source_list {
    struct rst_source *items;
    size_t n, cap;
    bool failed;                  /* out of memory */
};

struct report {
    const char *db;
    struct read_run run;
    struct item_list lists[L_COUNT];
    struct read_loss loss;        /* what capture loss left in the run */
    struct rst_source_list sources;   /* with L_RST_CAUSE: the top `top` senders per cause */
};

/* Reads run o->run_id (0: the newest) and the lists whose bit (1u << list_id) is set in
 * `lists`; -1 with the message in err. */
#define SUMMARY_ALL ((1u << L_COUNT) - 1)
int summary_gather(struct storage *st, const struct report_options *o, unsigned lists,
                   struct report *r, char *err, size_t errlen);
void summary_free(struct report *r);
/* A read_count_fn that appends a copy of the row to the struct item_list at ctx. */
int summary_keep(void *ctx, const struct read_count *c);
void item_list_free(struct item_list *l);
/* The sum of the list's counts. */
int64_t summary_total(const struct item_list *l);
/* The run's status in words; `brief`: one word (and a hint) for the list of runs. */
const char *summary_run_status(const struct read_run *run, bool brief, char *buf, size_t len);

/* The "Why connections were reset" section (report_rst.c). */
int summary_gather_rst_sources(struct storage *st, int64_t run_id, int top,
                               struct rst_source_list *l);
void rst_source_list_free(struct rst_source_list *l);
int summary_text_rsts(FILE *out, const struct report_style *ts, const struct report *r);
void summary_json_rst_sources(FILE *out, const struct rst_source_list *l);
void summary_csv_rst_sources(FILE *out, const struct rst_source_list *l);

#endif
