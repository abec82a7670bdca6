/*
 * html_charts.c — the HTML report's charts, written as SVG directly (html.h). No chart library:
 * the charts are bars and rectangles whose geometry is a few lines each, and writing them here
 * keeps the page free of scripts for drawing, of licences to carry, and of any request.
 *
 * A chart is HALF or FULL pixels wide, to sit in half of the page's width or in all of it (it
 * shrinks on a narrower screen); text is escaped by markup_text; an element that sets a table
 * filter carries data-filter / data-value (page.js).
 */
#include "report/html.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report/markup.h"

#define HALF 560
#define FULL 1160

/* ---- palette ------------------------------------------------------------------------------ */

/* In stacking order: what went wrong first, graceful last. */
static const struct { const char *name, *colour; } CLASS_PALETTE[] = {
    {"rst_responder", "#b8283e"}, {"rst_originator", "#e4572e"}, {"rejected", "#8e44ad"},
    {"abnormal", "#795548"}, {"unanswered", "#3f7cc0"}, {"half_closed", "#e0a526"},
    {"open", "#3aa8a3"}, {"graceful", "#2e9e5b"},
};
#define N_PALETTE (sizeof CLASS_PALETTE / sizeof *CLASS_PALETTE)
#define OTHER_COLOUR "#9aa5b1"

const char *const HTML_CLASSES[] = {"rst_responder", "rst_originator", "rejected", "abnormal",
                                    "unanswered", "half_closed", "open", "graceful"};
const size_t HTML_NCLASSES = sizeof HTML_CLASSES / sizeof *HTML_CLASSES;
_Static_assert(sizeof HTML_CLASSES / sizeof *HTML_CLASSES == N_PALETTE, "one colour a class");

const char *html_class_colour(const char *teardown)
{
    for (size_t i = 0; i < N_PALETTE; i++)
        if (strcmp(CLASS_PALETTE[i].name, teardown) == 0)
            return CLASS_PALETTE[i].colour;
    return OTHER_COLOUR;
}

void html_class_css(FILE *out)
{
    for (size_t i = 0; i < N_PALETTE; i++)
        fprintf(out, ".chip.td-%s { background: %s; }\n", CLASS_PALETTE[i].name,
                CLASS_PALETTE[i].colour);
}

/* Colours for lists that are not teardown classes: closers and origins by name, the rest in
 * turn. */
static const char *item_colour(const char *name, size_t i, bool classes)
{
    static const struct { const char *name, *colour; } named[] = {
        {"originator", "#2458a6"}, {"responder", "#e07b39"}, {"simultaneous", "#7d5ba6"},
        {"endpoint", "#2458a6"}, {"other", "#b8283e"},
    };
    static const char *const turn[] = {"#2458a6", "#e07b39", "#3aa8a3", "#7d5ba6", "#c9a227",
                                       "#795548", "#d16ba5", "#5c7080"};
    if (classes)
        return html_class_colour(name);
    for (size_t k = 0; k < sizeof named / sizeof *named; k++)
        if (strcmp(named[k].name, name) == 0)
            return named[k].colour;
    if (!*name || strcmp(name, "none") == 0 || strcmp(name, "unknown") == 0)
        return OTHER_COLOUR;
    return turn[i % (sizeof turn / sizeof *turn)];
}

/* ---- SVG pieces ----------------------------------------------------------------------------- */

static void svg_open(FILE *out, const char *id, int width, int height, const char *label)
{
    fprintf(out, "<svg class=\"chart\" id=\"%s\" xmlns=\"http://www.w3.org/2000/svg\""
            " width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", id,
            width, height, width, height);
    markup_text(out, label);
    fputs("\">\n", out);
}

/* <text> at (x, y); anchor "start", "middle" or "end"; cls may be "". */
static void svg_text(FILE *out, double x, double y, const char *anchor, const char *cls,
                     const char *text)
{
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s%s%s>", x, y, anchor,
            *cls ? " class=\"" : "", cls, *cls ? "\"" : "");
    markup_text(out, text);
    fputs("</text>", out);
}

static void svg_rect(FILE *out, double x, double y, double w, double h, const char *fill)
{
    fprintf(out, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\"/>", x,
            y, w, h, fill);
}

/* The start of a row that sets the table's filter when clicked (filter NULL: a plain row). */
static void pick_open(FILE *out, const char *filter, const char *value, int width, double y,
                      double h)
{
    if (filter) {
        fprintf(out, "<g class=\"pick\" data-filter=\"%s\" data-value=\"", filter);
        markup_text(out, value);
        fputs("\">", out);
    } else {
        fputs("<g>", out);
    }
    fprintf(out, "<rect class=\"hit\" x=\"0\" y=\"%.1f\" width=\"%d\" height=\"%.1f\""
            " fill=\"transparent\"/>", y, width, h);
}

static void svg_title(FILE *out, const char *fmt_name, int64_t count, double share)
{
    fputs("<title>", out);
    markup_text(out, fmt_name);
    fprintf(out, ": %" PRId64 " (%.1f%%)</title>", count, share);
}

static const char *shown_name(const char *name)
{
    return *name ? name : "(none)";
}

static int64_t largest(const struct item_list *l)
{
    int64_t max = 0;
    for (size_t i = 0; i < l->n; i++)
        if (l->items[i].count > max)
            max = l->items[i].count;
    return max;
}

/* ---- shares and bars ------------------------------------------------------------------------ */

#define ROW_H 22
#define COUNT_END 236                /* right edge of the count column */
#define SECOND_END 292               /* ... of the share or flows column */
#define BAR_X 306

static void share_bar(FILE *out, const struct item_list *l, bool class_colours)
{
    double x = 0;
    for (size_t i = 0; i < l->n; i++) {
        const struct item *it = &l->items[i];
        double w = HALF * it->share / 100.0;
        fputs("<g>", out);
        svg_rect(out, x, 4, w, 28, item_colour(it->name, i, class_colours));
        svg_title(out, shown_name(it->name), it->count, it->share);
        if (w >= 44) {
            char pct[16];
            snprintf(pct, sizeof pct, "%.0f%%", it->share);
            fprintf(out, "<text x=\"%.1f\" y=\"23\" text-anchor=\"middle\" class=\"on\">%s"
                    "</text>", x + w / 2, pct);
        }
        fputs("</g>\n", out);
        x += w;
    }
}

void chart_shares(FILE *out, const char *id, const char *label, const struct item_list *l,
                  const char *filter, bool class_colours)
{
    int height = 44 + ROW_H * (int)l->n + 4;
    svg_open(out, id, HALF, height, label);
    share_bar(out, l, class_colours);
    int64_t max = largest(l);
    for (size_t i = 0; i < l->n; i++) {
        const struct item *it = &l->items[i];
        double y = 44 + ROW_H * (double)i;
        char count[24], share[16];
        snprintf(count, sizeof count, "%" PRId64, it->count);
        snprintf(share, sizeof share, "%.1f%%", it->share);
        pick_open(out, filter, it->name, HALF, y, ROW_H);
        svg_rect(out, 0, y + 5, 12, 12, item_colour(it->name, i, class_colours));
        svg_text(out, 20, y + 15, "start", "", shown_name(it->name));
        svg_text(out, COUNT_END, y + 15, "end", "num", count);
        svg_text(out, SECOND_END, y + 15, "end", "num dim", share);
        svg_rect(out, BAR_X, y + 4, (HALF - BAR_X) * (max ? (double)it->count / max : 0), 14,
                 item_colour(it->name, i, class_colours));
        svg_title(out, shown_name(it->name), it->count, it->share);
        fputs("</g>\n", out);
    }
    fputs("</svg>\n", out);
}

void chart_bars(FILE *out, const char *id, const char *label, const struct item_list *l,
                bool with_flows, const char *colour, const char *filter)
{
    int height = 24 + ROW_H * (int)l->n + 4;
    svg_open(out, id, HALF, height, label);
    svg_text(out, COUNT_END, 14, "end", "dim", "count");
    if (with_flows)
        svg_text(out, SECOND_END, 14, "end", "dim", "flows");
    int64_t max = largest(l);
    for (size_t i = 0; i < l->n; i++) {
        const struct item *it = &l->items[i];
        double y = 22 + ROW_H * (double)i;
        char count[24], flows[24];
        snprintf(count, sizeof count, "%" PRId64, it->count);
        snprintf(flows, sizeof flows, "%" PRId64, it->flows);
        pick_open(out, filter, it->name, HALF, y, ROW_H);
        svg_text(out, 0, y + 15, "start", "", shown_name(it->name));
        svg_text(out, COUNT_END, y + 15, "end", "num", count);
        if (with_flows)
            svg_text(out, SECOND_END, y + 15, "end", "num dim", flows);
        svg_rect(out, BAR_X, y + 4, (HALF - BAR_X) * (max ? (double)it->count / max : 0), 14,
                 colour);
        svg_title(out, shown_name(it->name), it->count, it->share);
        fputs("</g>\n", out);
    }
    fputs("</svg>\n", out);
}

/* ---- connection ends over time -------------------------------------------------------------- */

static size_t class_index(const char *teardown)
{
    for (size_t i = 0; i < HTML_NCLASSES; i++)
        if (strcmp(HTML_CLASSES[i], teardown) == 0)
            return i;
    return HTML_NCLASSES;         /* others */
}

int end_times_add(struct end_times *t, int bin, const char *teardown, int64_t flows)
{
    if (bin >= 0 && bin < t->bins)
        t->counts[bin][class_index(teardown)] += flows;
    return 0;
}

int end_times_init(struct end_times *t, int bins)
{
    *t = (struct end_times){.bins = bins};
    t->counts = calloc((size_t)bins, sizeof *t->counts);
    return t->counts ? 0 : -1;
}

void end_times_free(struct end_times *t)
{
    free(t->counts);
    t->counts = NULL;
}

/* "10:04:05" in UTC ("01-02 10:04" when the span is two days or more). */
static void clock_label(double ts, double span, char *buf, size_t len)
{
    time_t secs = (time_t)floor(ts);
    struct tm tm;
    if (!gmtime_r(&secs, &tm) ||
        strftime(buf, len, span >= 172800 ? "%m-%d %H:%M" : "%H:%M:%S", &tm) == 0)
        snprintf(buf, len, "%.0f", ts);
}

#define PLOT_X0 52
#define PLOT_X1 (FULL - 6)
#define PLOT_Y0 10
#define PLOT_Y1 196

static int64_t tallest_bin(const struct end_times *t)
{
    int64_t max = 0;
    for (int b = 0; b < t->bins; b++) {
        int64_t sum = 0;
        for (size_t c = 0; c <= HTML_NCLASSES; c++)
            sum += t->counts[b][c];
        if (sum > max)
            max = sum;
    }
    return max;
}

static void end_times_axes(FILE *out, const struct end_times *t, int64_t max)
{
    for (int k = 0; k <= 2; k++) {
        double y = PLOT_Y1 - (PLOT_Y1 - PLOT_Y0) * k / 2.0;
        char v[24];
        snprintf(v, sizeof v, "%" PRId64, max * k / 2);
        fprintf(out, "<line class=\"%s\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>",
                k ? "grid" : "axis", PLOT_X0, y, PLOT_X1, y);
        svg_text(out, PLOT_X0 - 6, y + 4, "end", "num dim", v);
    }
    double span = t->width * t->bins;
    static const char *const anchors[3] = {"start", "middle", "end"};
    for (int k = 0; k <= 2; k++) {
        char label[32];
        clock_label(t->start + span * k / 2.0, span, label, sizeof label);
        svg_text(out, PLOT_X0 + (PLOT_X1 - PLOT_X0) * k / 2.0, PLOT_Y1 + 16, anchors[k], "dim",
                 label);
    }
}

static void end_times_legend(FILE *out, const int64_t *totals)
{
    double x = PLOT_X0;
    for (size_t c = 0; c < HTML_NCLASSES; c++) {
        if (!totals[c])
            continue;
        fprintf(out, "<g class=\"pick\" data-filter=\"td\" data-value=\"%s\">",
                HTML_CLASSES[c]);
        svg_rect(out, x, 224, 11, 11, html_class_colour(HTML_CLASSES[c]));
        svg_text(out, x + 15, 234, "start", "", HTML_CLASSES[c]);
        fputs("</g>", out);
        x += 22 + 7.0 * (double)strlen(HTML_CLASSES[c]);
    }
}

static void end_times_bin(FILE *out, const struct end_times *t, int b, int64_t max,
                          int64_t *totals)
{
    double bw = (double)(PLOT_X1 - PLOT_X0) / t->bins;
    double x = PLOT_X0 + bw * b, y = PLOT_Y1;
    char from[32], to[32];
    double span = t->width * t->bins;
    clock_label(t->start + t->width * b, span, from, sizeof from);
    clock_label(t->start + t->width * (b + 1), span, to, sizeof to);
    for (size_t c = 0; c <= HTML_NCLASSES; c++) {
        int64_t n = t->counts[b][c];
        if (!n)
            continue;
        totals[c] += n;
        double h = (PLOT_Y1 - PLOT_Y0) * (double)n / (double)max;
        y -= h;
        const char *name = c < HTML_NCLASSES ? HTML_CLASSES[c] : "other";
        fputs("<g>", out);
        svg_rect(out, x + 0.5, y, bw > 2 ? bw - 1 : bw, h, html_class_colour(name));
        fprintf(out, "<title>%s\xe2\x80\x93%s UTC: %" PRId64 " %s</title></g>", from, to, n,
                name);
    }
}

void chart_end_times(FILE *out, const struct end_times *t)
{
    svg_open(out, "chart-ends", FULL, 242, "Connection ends over time, by teardown class");
    int64_t max = tallest_bin(t), totals[16] = {0};
    if (max == 0) {
        svg_text(out, FULL / 2.0, 100, "middle", "dim", "no TCP connection in this run");
        fputs("</svg>\n", out);
        return;
    }
    end_times_axes(out, t, max);
    for (int b = 0; b < t->bins; b++)
        end_times_bin(out, t, b, max, totals);
    end_times_legend(out, totals);
    fputs("</svg>\n", out);
}

/* ---- teardown mix per application ----------------------------------------------------------- */

static void app_row(FILE *out, const struct item_list *mix, size_t first, size_t end, double y)
{
    const struct item *app = &mix->items[first];
    char flows[24];
    snprintf(flows, sizeof flows, "%" PRId64, app->flows);
    pick_open(out, "app", app->name, FULL, y, ROW_H);
    svg_text(out, 0, y + 15, "start", "", app->name[0] ? app->name : "(DPI off)");
    svg_text(out, 236, y + 15, "end", "num", flows);
    double x = 250;
    for (size_t c = 0; c < HTML_NCLASSES; c++) {   /* the stacking order of the palette */
        for (size_t i = first; i < end; i++) {
            const struct item *it = &mix->items[i];
            if (strcmp(it->group, HTML_CLASSES[c]) != 0)
                continue;
            double w = (FULL - 250) * (double)it->count / (double)(app->flows ? app->flows : 1);
            fputs("<g>", out);
            svg_rect(out, x, y + 4, w, 14, html_class_colour(it->group));
            svg_title(out, it->group, it->count, it->share);
            fputs("</g>", out);
            x += w;
        }
    }
    fputs("</g>\n", out);
}

void chart_app_mix(FILE *out, const struct item_list *mix, size_t max)
{
    size_t apps = 0;
    for (size_t i = 0; i < mix->n; i++)
        apps += i == 0 || strcmp(mix->items[i].name, mix->items[i - 1].name) != 0;
    if (apps > max)
        apps = max;
    svg_open(out, "chart-apps", FULL, 24 + ROW_H * (int)apps + 4, "Teardown mix by application");
    svg_text(out, 236, 14, "end", "dim", "flows");
    svg_text(out, 250, 14, "start", "dim", "how they ended (share of the application's flows)");
    size_t row = 0;
    for (size_t i = 0; i < mix->n && row < apps;) {
        size_t end = i + 1;        /* rows of one application are adjacent */
        while (end < mix->n && strcmp(mix->items[end].name, mix->items[i].name) == 0)
            end++;
        app_row(out, mix, i, end, 22 + ROW_H * (double)row++);
        i = end;
    }
    fputs("</svg>\n", out);
}

/* ---- reset causes --------------------------------------------------------------------------- */

#define MAX_AXIS 12

/* Distinct names (name or group) of the list, in first-seen order, at most MAX_AXIS. */
static size_t axis(const struct item_list *l, bool groups, const char **out)
{
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++) {
        const char *v = groups ? l->items[i].group : l->items[i].name;
        bool seen = false;
        for (size_t k = 0; k < n && !seen; k++)
            seen = strcmp(out[k], v) == 0;
        if (!seen && n < MAX_AXIS)
            out[n++] = v;
    }
    return n;
}

static int64_t cause_cell(const struct item_list *l, const char *cause, const char *origin)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i].name, cause) == 0 && strcmp(l->items[i].group, origin) == 0)
            return l->items[i].count;
    return 0;
}

void chart_causes(FILE *out, const struct item_list *causes)
{
    const char *rows[MAX_AXIS], *cols[MAX_AXIS];
    size_t nr = axis(causes, false, rows), nc = axis(causes, true, cols);
    int64_t max = largest(causes);
    double cw = nc ? (HALF - 170.0) / (double)nc : 1;
    svg_open(out, "chart-causes", HALF, 26 + 26 * (int)nr + 4, "Why connections were reset");
    for (size_t c = 0; c < nc; c++)
        svg_text(out, 170 + cw * ((double)c + 0.5), 16, "middle", "dim",
                 cols[c][0] ? cols[c] : "(unknown)");
    for (size_t r = 0; r < nr; r++) {
        double y = 24 + 26 * (double)r;
        svg_text(out, 0, y + 17, "start", "", rows[r][0] ? rows[r] : "(unknown)");
        for (size_t c = 0; c < nc; c++) {
            int64_t n = cause_cell(causes, rows[r], cols[c]);
            char v[24];
            snprintf(v, sizeof v, "%" PRId64, n);
            double shade = n && max ? 0.12 + 0.88 * (double)n / (double)max : 0.04;
            fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"24\" rx=\"3\""
                    " fill=\"#b8283e\" fill-opacity=\"%.2f\"/>", 170 + cw * (double)c + 1, y,
                    cw - 2, shade);
            svg_text(out, 170 + cw * ((double)c + 0.5), y + 17, "middle",
                     shade > 0.55 ? "num on" : "num", n ? v : "");
        }
    }
    fputs("</svg>\n", out);
}
