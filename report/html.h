/*
 * html.h — the HTML report (`finscope report DB --format html`) and its parts:
 *   html.c         the page: head (style, script, Content-Security-Policy), the run, the tiles,
 *                  the sections in order, and the hosts/servers tables
 *   html_charts.c  the charts, SVG written directly: shares, bars, ends over time, app mix,
 *                  reset causes; and the palette of teardown classes
 *   html_flows.c   the flow table (a bounded, varied selection) and the ladders it links to
 *   ladder_svg.c   one flow's teardown ladder as SVG (also `finscope show --format svg`)
 * The page is one self-contained file: no request leaves it (CSP default-src 'none'), every
 * string from the database is escaped (markup.h), and its size is bounded whatever the run's.
 */
#ifndef FINSCOPE_REPORT_HTML_H
#define FINSCOPE_REPORT_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "report/ladder.h"
#include "report/report.h"
#include "report/summary.h"

int report_html(struct storage *st, const struct report_options *o, FILE *out, char *err,
                size_t errlen);

/* ---- html_charts.c ----------------------------------------------------------------------- */

/* The colour of a teardown class (or "udp", "-", ... for the rest), "#rrggbb". */
const char *html_class_colour(const char *teardown);
/* CSS rules `.chip.td-CLASS { background: ... }` for every class of the palette. */
void html_class_css(FILE *out);
/* Classes in the order the stacked charts draw them (resets first, graceful last). */
extern const char *const HTML_CLASSES[];
extern const size_t HTML_NCLASSES;

/* A 100% stacked bar of the list's shares and one row per item (swatch, name, count, share,
 * bar); clicking a row sets the table's filter `filter` ("td", "an", ...; NULL: none). */
void chart_shares(FILE *out, const char *id, const char *label, const struct item_list *l,
                  const char *filter, bool class_colours);
/* Horizontal bars: name, count, flows (when with_flows), bar; clicking sets `filter`. */
void chart_bars(FILE *out, const char *id, const char *label, const struct item_list *l,
                bool with_flows, const char *colour, const char *filter);

struct end_times {
    int bins;
    double start, width;          /* seconds; width 0: no packet */
    int64_t (*counts)[16];        /* [bin][class index in HTML_CLASSES; last: others] */
};
/* -1 when out of memory. */
int end_times_init(struct end_times *t, int bins);
/* Adds `flows` connections of class `teardown` to interval `bin`. */
int end_times_add(struct end_times *t, int bin, const char *teardown, int64_t flows);
void end_times_free(struct end_times *t);
void chart_end_times(FILE *out, const struct end_times *t);
/* One row per application (at most `max`): flows and a 100% bar of its teardown classes. */
void chart_app_mix(FILE *out, const struct item_list *mix, size_t max);
/* Reset connections per cause (rows) and origin (columns), cells shaded by count. */
void chart_causes(FILE *out, const struct item_list *causes);

/* ---- html_flows.c ------------------------------------------------------------------------ */

struct flow_counts {
    int64_t flows, tcp, notable, anomalous;   /* storage/read.h: read_group */
};

struct flow_section {
    const struct report_options *o;
    int64_t run_id;
    struct flow_counts counts;
    double run_start;             /* the run's first packet, for relative times */
};
/* The flow table and, after it, the ladders of its notable flows; -1 with the message. */
int html_flows(FILE *out, struct storage *st, const struct flow_section *fs, char *err,
               size_t errlen);

/* ---- ladder_svg.c ------------------------------------------------------------------------ */

/* The ladder as one <svg> element; `standalone`: an SVG document of its own (XML declaration,
 * white background) instead of an element inside the page. Clears and sets v->an_shown. */
void ladder_svg(FILE *out, struct ladder *v, bool standalone);

#endif
