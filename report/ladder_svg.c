/*
 * ladder_svg.c — one flow's teardown ladder as SVG (html.h: ladder_svg), the drawing that
 * `finscope show` prints as text, for the HTML report and `finscope show --format svg`:
 *
 *      time  packet        10.0.0.1:40000                      10.0.0.2:80
 *                            (originator)                       (responder)
 *                            CLOSED |                               | LISTEN
 *   +0.000000     1        SYN_SENT |----- SYN seq=0 len=0 ------->\|
 *   ...                             |        (!) rst_seq_inexact: expected ..., observed ...
 *
 * The originator's line on the left, the responder's on the right; one sloped arrow per stored
 * teardown event (coloured by its flags: SYN green, FIN amber, RST red; dashed when the segment
 * was inferred, not captured), labelled as in the text ladder (relative numbers unless
 * absolute); each endpoint's state written beside its line where it changed, at the height
 * where it changed (the sender's at the arrow's tail, the receiver's at its head); anomalies
 * marked on the arrow of the packet that raised them, with expected vs observed below it.
 * Geometry assumes a monospace font of 12 px (about 7.25 px a character); text is escaped.
 */
#include "report/html.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "report/markup.h"

#define CH 7.25                   /* width of a character, px */
#define TIME_X 8.0
#define PKT_END 150.0
#define LEFT_X 262.0              /* the originator's line */
#define TOP 96.0                  /* first row */
#define ROW 32.0                  /* a row with an arrow */
#define AGAIN_ROW 18.0            /* a second row for the same packet */
#define MARK_ROW 20.0             /* a line of anomaly text */
#define FONT "DejaVu Sans Mono, Menlo, Consolas, monospace"
/* A white outline under text, so that a line it crosses does not cut through it. */
#define HALO " stroke=\"#fff\" stroke-width=\"4\" paint-order=\"stroke\""

struct geometry {
    double right_x;               /* the responder's line */
    double width, height;
};

static const char *arrow_colour(const char *flags)
{
    if (strchr(flags, 'R'))
        return "#c62828";
    if (strchr(flags, 'F'))
        return "#b26a00";
    if (strchr(flags, 'S'))
        return "#2e7d32";
    return "#37474f";
}

/* Anomaly lines under event i's arrow (those of its packet and side not yet counted). */
static size_t marks_of(const struct ladder *v, size_t i, bool *taken)
{
    const struct read_event *e = &v->ev[i];
    size_t n = 0;
    for (size_t k = 0; k < v->nan; k++) {
        const struct read_anomaly *a = &v->an[k];
        if (taken[k] || a->packet != e->packet || strcmp(a->direction, e->direction) != 0)
            continue;
        taken[k] = true;
        n += 1 + (a->detail[0] != 0);
    }
    return n;
}

/* The size of everything before drawing it (marks counted as the drawing will place them). */
static void measure(struct ladder *v, struct geometry *g)
{
    size_t label_chars = 30, mark_chars = 0;
    char buf[600];
    for (size_t i = 0; i < v->nev; i++) {
        ladder_label(v, &v->ev[i], buf, sizeof buf);
        size_t n = strlen(buf) + (v->ev[i].inferred ? 11 : 0);
        if (n > label_chars)
            label_chars = n;
    }
    for (size_t k = 0; k < v->nan; k++) {
        ladder_anomaly_text(&v->an[k], buf, sizeof buf);
        size_t n = strlen(buf) + 40;
        if (strlen(v->an[k].detail) + 2 > n)
            n = strlen(v->an[k].detail) + 2;
        if (n > mark_chars)
            mark_chars = n;
    }
    double span = fmax(380, (double)label_chars * CH + 70);
    g->right_x = LEFT_X + span;
    g->width = fmax(g->right_x + 12 * CH + 20, LEFT_X + 14 + (double)mark_chars * CH + 10);
    double y = TOP;
    memset(v->an_shown, 0, (v->nan ? v->nan : 1) * sizeof *v->an_shown);
    for (size_t i = 0; i < v->nev; i++)
        y += (ladder_again(v, i) ? AGAIN_ROW : ROW) + MARK_ROW * (double)marks_of(v, i,
                                                                         v->an_shown);
    size_t left = 0;
    for (size_t k = 0; k < v->nan; k++)
        left += !v->an_shown[k] * (1 + (v->an[k].detail[0] != 0));
    y += v->nev == 0 ? MARK_ROW * 2 : 0;
    y += rf_int(&v->flow, RF_events_dropped) > 0 ? MARK_ROW + 4 : 0;
    y += left ? MARK_ROW * (double)(left + 2) : 0;
    g->height = y + 10;
    memset(v->an_shown, 0, (v->nan ? v->nan : 1) * sizeof *v->an_shown);
}

static void text_at(FILE *out, double x, double y, const char *anchor, const char *fill,
                    const char *extra, const char *text)
{
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" fill=\"%s\"%s>", x, y, anchor,
            fill, extra);
    markup_text(out, text);
    fputs("</text>\n", out);
}

static void open_svg(FILE *out, const struct ladder *v, const struct geometry *g,
                     bool standalone)
{
    if (standalone)
        fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
    fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"ladder-svg\" width=\"%.0f\""
            " height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" font-family=\"%s\" font-size=\"12\""
            " fill=\"#1d2330\" role=\"img\" aria-label=\"teardown ladder of flow %" PRId64
            "\">\n", g->width, g->height, g->width, g->height, FONT, rf_int(&v->flow, RF_id));
    fprintf(out, "<title>teardown ladder of flow %" PRId64 "</title>\n", rf_int(&v->flow, RF_id));
    if (standalone)
        fputs("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n", out);
}

static void draw_heading(FILE *out, struct ladder *v, const struct geometry *g)
{
    const struct read_flow *f = &v->flow;
    char a[80], b[80], line[400];
    ladder_endpoint(f, false, a, sizeof a);
    ladder_endpoint(f, true, b, sizeof b);
    snprintf(line, sizeof line, "flow %" PRId64 " (run %" PRId64 "): %s %s \xe2\x86\x92 %s",
             rf_int(f, RF_id), rf_int(f, RF_run_id), ladder_text_or(f, RF_proto, "?"), a, b);
    text_at(out, TIME_X, 18, "start", "#1d2330", " font-weight=\"bold\"", line);
    snprintf(line, sizeof line, "teardown %s, closer %s%s%s; %s", ladder_text_or(f, RF_teardown,
             "-"), ladder_text_or(f, RF_closer, "-"), rf_null(f, RF_reason) ? "" : ", reason ",
             ladder_text_or(f, RF_reason, ""), v->absolute ? "numbers as captured"
             : "seq/ack relative to each side's ISN");
    text_at(out, TIME_X, 36, "start", "#5f6b7a", "", line);
    text_at(out, LEFT_X, 58, "middle", "#1d2330", " font-weight=\"bold\"", a);
    text_at(out, g->right_x, 58, "middle", "#1d2330", " font-weight=\"bold\"", b);
    text_at(out, LEFT_X, 72, "middle", "#5f6b7a", "", "(originator)");
    text_at(out, g->right_x, 72, "middle", "#5f6b7a", "", "(responder)");
    const char *os, *rs;
    ladder_initial_states(v, &os, &rs);
    text_at(out, TIME_X, 90, "start", "#5f6b7a", "", "time");
    text_at(out, PKT_END, 90, "end", "#5f6b7a", "", "packet");
    text_at(out, LEFT_X - 8, 90, "end", "#00695c", "", os);
    text_at(out, g->right_x + 8, 90, "start", "#00695c", "", rs);
    fprintf(out, "<line x1=\"%.1f\" y1=\"78\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#1d2330\""
            " stroke-width=\"2\"/>\n<line x1=\"%.1f\" y1=\"78\" x2=\"%.1f\" y2=\"%.1f\""
            " stroke=\"#1d2330\" stroke-width=\"2\"/>\n", LEFT_X, LEFT_X, g->height - 8,
            g->right_x, g->right_x, g->height - 8);
}

/* The arrow from (x0, y0) to (x1, y1) with its head at (x1, y1). */
static void draw_arrow(FILE *out, double x0, double y0, double x1, double y1,
                       const char *colour, bool dashed)
{
    double dx = x1 - x0, dy = y1 - y0, len = sqrt(dx * dx + dy * dy);
    double ux = dx / len, uy = dy / len;
    double bx = x1 - 10 * ux, by = y1 - 10 * uy;     /* the head's base */
    fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\""
            " stroke-width=\"1.6\"%s/>", x0, y0, bx, by, colour,
            dashed ? " stroke-dasharray=\"6 4\"" : "");
    fprintf(out, "<polygon points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f\" fill=\"%s\"/>\n", x1, y1,
            bx - 4.5 * uy, by + 4.5 * ux, bx + 4.5 * uy, by - 4.5 * ux, colour);
}

static void draw_mark(FILE *out, const struct read_anomaly *a, double y, bool with_packet)
{
    char buf[700], text[600];
    ladder_anomaly_text(a, text, sizeof text);
    if (with_packet)
        snprintf(buf, sizeof buf, "! %s (packet %" PRId64 ", from the %s)", text, a->packet,
                 ladder_side(a->direction) ? "responder" : "originator");
    else
        snprintf(buf, sizeof buf, "! %s", text);
    text_at(out, LEFT_X + 14, y + 13, "start", "#c62828", HALO, buf);
    if (a->detail[0]) {
        snprintf(buf, sizeof buf, "(%s)", a->detail);
        text_at(out, LEFT_X + 28, y + 13 + MARK_ROW, "start", "#5f6b7a", HALO, buf);
    }
}

/* Event i's anomalies, under its arrow; returns the height they took. */
static double draw_event_marks(FILE *out, struct ladder *v, size_t i, double y, double mx,
                               double my)
{
    const struct read_event *e = &v->ev[i];
    double h = 0;
    for (size_t k = 0; k < v->nan; k++) {
        const struct read_anomaly *a = &v->an[k];
        if (v->an_shown[k] || a->packet != e->packet || strcmp(a->direction, e->direction))
            continue;
        if (h == 0)
            fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"7\" fill=\"#c62828\"/>"
                    "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#fff\""
                    " font-weight=\"bold\">!</text>\n", mx, my, mx, my + 4);
        draw_mark(out, a, y + h, false);
        v->an_shown[k] = true;
        h += MARK_ROW * (1 + (a->detail[0] != 0));
    }
    return h;
}

struct cursor {
    double y;
    const char *orig, *resp;      /* states as last written */
};

static void draw_states(FILE *out, const struct read_event *e, struct cursor *c, double rx,
                        double tail_y, double head_y, bool from_resp)
{
    if (strcmp(e->orig_state, c->orig) != 0)
        text_at(out, LEFT_X - 8, (from_resp ? head_y : tail_y) + 4, "end", "#00695c", "",
                e->orig_state);
    if (strcmp(e->resp_state, c->resp) != 0)
        text_at(out, rx + 8, (from_resp ? tail_y : head_y) + 4, "start", "#00695c", "",
                e->resp_state);
    c->orig = e->orig_state;
    c->resp = e->resp_state;
}

static void draw_event(FILE *out, struct ladder *v, size_t i, const struct geometry *g,
                       struct cursor *c)
{
    const struct read_event *e = &v->ev[i];
    bool from_resp = ladder_side(e->direction) == 1, again = ladder_again(v, i);
    double y = c->y, tail_y = y + 10, head_y = y + (again ? 10 : 24);
    if (!again) {
        char t[32], pkt[24], label[600];
        snprintf(t, sizeof t, "+%.6f", e->ts - rf_real(&v->flow, RF_first_ts));
        snprintf(pkt, sizeof pkt, "%" PRId64, e->packet);
        text_at(out, TIME_X, y + 21, "start", "#5f6b7a", "", t);
        text_at(out, PKT_END, y + 21, "end", "#5f6b7a", "", pkt);
        double x0 = from_resp ? g->right_x : LEFT_X, x1 = from_resp ? LEFT_X : g->right_x;
        const char *colour = arrow_colour(e->flags);
        draw_arrow(out, x0, tail_y, x1, head_y, colour, e->inferred);
        ladder_label(v, e, label, sizeof label);
        if (e->inferred)
            strncat(label, " (inferred)", sizeof label - strlen(label) - 1);
        text_at(out, (LEFT_X + g->right_x) / 2, y + 7, "middle", e->inferred ? "#5f6b7a"
                : colour, HALO, label);
    }
    draw_states(out, e, c, g->right_x, tail_y, head_y, from_resp);
    c->y += again ? AGAIN_ROW : ROW;
    c->y += draw_event_marks(out, v, i, c->y, (LEFT_X + g->right_x) / 2, y + 17);
}

static void draw_footer(FILE *out, struct ladder *v, struct cursor *c)
{
    char buf[160];
    if (v->nev == 0) {
        text_at(out, LEFT_X + 14, c->y + 14, "start", "#5f6b7a", "",
                "(no teardown events stored for this flow)");
        c->y += MARK_ROW * 2;
    }
    int64_t dropped = rf_int(&v->flow, RF_events_dropped);
    if (dropped > 0) {
        snprintf(buf, sizeof buf, "... %" PRId64 " later events not stored (per-flow limit)",
                 dropped);
        text_at(out, LEFT_X + 14, c->y + 14, "start", "#5f6b7a", "", buf);
        c->y += MARK_ROW + 4;
    }
    bool any = false;
    for (size_t k = 0; k < v->nan; k++) {
        if (v->an_shown[k])
            continue;
        if (!any) {
            text_at(out, LEFT_X + 14, c->y + 26, "start", "#1d2330", "",
                    "Anomalies on segments not in the ladder:");
            c->y += MARK_ROW * 2;
        }
        any = true;
        draw_mark(out, &v->an[k], c->y, true);
        v->an_shown[k] = true;
        c->y += MARK_ROW * (1 + (v->an[k].detail[0] != 0));
    }
}

void ladder_svg(FILE *out, struct ladder *v, bool standalone)
{
    struct geometry g;
    const char *proto = rf_text(&v->flow, RF_proto);
    bool tcp = proto && strcmp(proto, "tcp") == 0;
    measure(v, &g);
    if (!tcp)
        g.height = TOP;
    open_svg(out, v, &g, standalone);
    if (!tcp) {
        text_at(out, TIME_X, 40, "start", "#5f6b7a", "", "not a TCP flow: no teardown to draw");
        fputs("</svg>\n", out);
        return;
    }
    draw_heading(out, v, &g);
    struct cursor c = {.y = TOP};
    ladder_initial_states(v, &c.orig, &c.resp);
    for (size_t i = 0; i < v->nev; i++)
        draw_event(out, v, i, &g, &c);
    draw_footer(out, v, &c);
    fputs("</svg>\n", out);
}
