/*
 * html.c — `finscope report DB --format html`: one self-contained page (html.h).
 *
 * Everything is read first (the summary lists report.c gathers, plus counts, connection ends
 * over time, servers, reset causes, the runs of the file), then the page is written top to
 * bottom: a banner naming the run, tiles with the numbers that matter, how connections ended
 * and who closed them, when they ended, anomalies, resets and why, the hosts and servers
 * behind them, the teardown mix per application, the runs analyzed, and the flow table with
 * its ladders (html_flows.c, streamed). The style and script are inline and the
 * Content-Security-Policy allows exactly those two (by their SHA-256) and nothing else, so
 * opening the file makes no request and no injected markup could run.
 */
#include "report/html.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/array.h"
#include "report/assets.h"
#include "report/errmsg.h"
#include "report/markup.h"
#include "report/table.h"

#ifndef FINSCOPE_VERSION
#define FINSCOPE_VERSION "unknown"
#endif

#define END_BINS 60
#define MAX_RUNS 500
#define MAX_APPS 15

struct run_row {
    struct read_run run;          /* run.capture_loss(_known): its capture loss */
    int64_t undecodable;
};

struct server_row {
    char addr[64], name[96];
    int64_t port, resets, anomalous, notable;
};

struct page {
    const struct report_options *o;
    struct report r;              /* the lists; classes, closers and the app mix from groups */
    struct flow_counts counts;
    struct end_times ends;
    struct server_row *servers;
    size_t nservers, servers_cap;
    struct item_list causes;
    struct run_row *runs;
    size_t nruns, runs_cap;
    const struct run_row *this_run;   /* in runs; NULL when not among the first MAX_RUNS */
};

/* ---- reading -------------------------------------------------------------------------------- */

static int keep_run(void *ctx, const struct read_run *run)
{
    struct page *p = ctx;
    if (p->nruns >= MAX_RUNS)
        return 0;                 /* the page lists the first MAX_RUNS and says so */
    if (array_reserve(&p->runs, &p->runs_cap, p->nruns, sizeof *p->runs) < 0)
        return -1;
    p->runs[p->nruns++] = (struct run_row){.run = *run};
    return 0;
}

static int add_undecodable(void *ctx, const struct read_count *c)
{
    *(int64_t *)ctx += c->count;
    return 0;
}

static int keep_server(void *ctx, const struct read_server *s)
{
    struct page *p = ctx;
    if (array_reserve(&p->servers, &p->servers_cap, p->nservers, sizeof *p->servers) < 0)
        return -1;
    struct server_row *r = &p->servers[p->nservers++];
    snprintf(r->addr, sizeof r->addr, "%s", s->addr);
    snprintf(r->name, sizeof r->name, "%s", s->name);
    r->port = s->port;
    r->resets = s->resets;
    r->anomalous = s->anomalous;
    r->notable = s->notable;
    return 0;
}

static int read_runs_of_file(struct storage *st, struct page *p)
{
    if (read_runs(st, keep_run, p) < 0)
        return -1;
    for (size_t i = 0; i < p->nruns; i++) {
        struct run_row *r = &p->runs[i];
        if (read_decode_errors(st, r->run.id, add_undecodable, &r->undecodable) < 0)
            return -1;
        if (r->run.id == p->r.run.id)
            p->this_run = r;
    }
    return 0;
}

/* ---- classes, closers and the app mix from the run's groups -------------------------------- */

static double pct(int64_t part, int64_t whole)
{
    return whole > 0 ? 100.0 * (double)part / (double)whole : 0;
}

/* Adds n to the item (name, group) of the list, appending it when new; -1 out of memory. */
static int add_to(struct item_list *l, const char *name, const char *group, int64_t n)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i].name, name) == 0 && strcmp(l->items[i].group, group) == 0) {
            l->items[i].count += n;
            return 0;
        }
    struct read_count c = {.name = name, .group = group, .count = n};
    return summary_keep(l, &c);
}

static int keep_group(void *ctx, const struct read_group *g)
{
    struct page *p = ctx;
    p->counts.flows += g->flows;
    p->counts.tcp += strcmp(g->proto, "tcp") == 0 ? g->flows : 0;
    p->counts.notable += g->notable;
    p->counts.anomalous += g->anomalous;
    if (!*g->teardown)
        return 0;
    return add_to(&p->r.lists[L_TEARDOWN], g->teardown, "", g->flows) < 0 ||
           add_to(&p->r.lists[L_CLOSER], g->closer, "", g->flows) < 0 ||
           add_to(&p->r.lists[L_APPMIX], g->app, g->teardown, g->flows) < 0 ? -1 : 0;
}

static int keep_end(void *ctx, int bin, const char *teardown, int64_t flows)
{
    struct page *p = ctx;
    return end_times_add(&p->ends, bin, teardown, flows);
}

/* As storage/read_summary.c orders them: most first, ties by name. */
static int by_count(const void *a, const void *b)
{
    const struct item *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct item *)a)->name, ((const struct item *)b)->name);
}

/* Applications by their flows, then name; within one, classes by flows, then name. */
static int by_app(const void *a, const void *b)
{
    const struct item *x = a, *y = b;
    if (x->flows != y->flows)
        return x->flows > y->flows ? -1 : 1;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->group, y->group);
}

/* qsort, which must not be given a NULL array even when it is empty. */
static void sort_items(struct item_list *l, int (*cmp)(const void *, const void *))
{
    if (l->n > 1)
        qsort(l->items, l->n, sizeof *l->items, cmp);
}

static void finish_lists(struct report *r)
{
    for (int l = L_TEARDOWN; l <= L_CLOSER; l++) {
        struct item_list *list = &r->lists[l];
        int64_t total = summary_total(list);
        for (size_t i = 0; i < list->n; i++) {
            list->items[i].flows = list->items[i].count;
            list->items[i].share = pct(list->items[i].count, total);
        }
        sort_items(list, by_count);
    }
    struct item_list *mix = &r->lists[L_APPMIX];
    sort_items(mix, by_name);                     /* each app's rows adjacent */
    for (size_t i = 0, end; i < mix->n; i = end) {
        int64_t app = 0;
        for (end = i; end < mix->n && strcmp(mix->items[end].name, mix->items[i].name) == 0;)
            app += mix->items[end++].count;
        for (size_t k = i; k < end; k++) {
            mix->items[k].flows = app;
            mix->items[k].share = pct(mix->items[k].count, app);
        }
    }
    sort_items(mix, by_app);
}

static int gather(struct storage *st, struct page *p, char *err, size_t errlen)
{
    unsigned lists = 1u << L_DECODE | 1u << L_ANOMALY | 1u << L_RESETTER | 1u << L_ANOMALOUS;
    if (summary_gather(st, p->o, lists, &p->r, err, errlen) < 0)
        return -1;
    int64_t run = p->r.run.id;
    if (end_times_init(&p->ends, END_BINS) < 0)
        return report_oom(err, errlen);
    bool oom = false;
    if (read_breakdown(st, run, END_BINS, keep_group, keep_end, p, &p->ends.start,
                       &p->ends.width) < 0) {
        for (int l = L_TEARDOWN; l <= L_APPMIX; l++)
            oom |= p->r.lists[l].failed;
        return oom ? report_oom(err, errlen) : report_storage_fail(st, err, errlen);
    }
    finish_lists(&p->r);
    if (read_top_servers(st, run, p->o->top, keep_server, p) < 0 ||
        read_reset_causes(st, run, summary_keep, &p->causes) < 0 ||
        read_runs_of_file(st, p) < 0)
        return p->causes.failed ? report_oom(err, errlen) : report_storage_fail(st, err, errlen);
    return 0;
}

static void page_free(struct page *p)
{
    summary_free(&p->r);
    end_times_free(&p->ends);
    item_list_free(&p->causes);
    free(p->servers);
    free(p->runs);
}

/* ---- head and banner ------------------------------------------------------------------------ */

/* The page's style: page.css and the palette's class colours. NULL when out of memory. */
static char *page_style(void)
{
    char *css = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&css, &len);
    if (!m)
        return NULL;
    fputs(REPORT_PAGE_CSS, m);
    html_class_css(m);
    if (fclose(m) != 0) {
        free(css);
        return NULL;
    }
    return css;
}

static void write_head(FILE *out, const struct page *p, const char *css)
{
    char style_hash[64], script_hash[64];
    csp_hash(css, style_hash, sizeof style_hash);
    csp_hash(REPORT_PAGE_JS, script_hash, sizeof script_hash);
    fprintf(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src %s; script-src %s; base-uri 'none'; form-action 'none'\">"
            "\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<meta name=\"generator\" content=\"finscope %s\">\n<title>finscope report: ",
            style_hash, script_hash, FINSCOPE_VERSION);
    markup_text(out, p->o->db);
    fprintf(out, ", run %" PRId64 "</title>\n<style>%s</style>\n</head>\n<body>\n",
            p->r.run.id, css);
}

static void write_banner(FILE *out, const struct page *p)
{
    const struct read_run *run = &p->r.run;
    char a[40], b[40], status[700];
    fputs("<header class=\"top\"><h1>How the connections ended \xe2\x80\x94 ", out);
    markup_text(out, p->o->db);
    fprintf(out, ", run %" PRId64 " of %" PRId64 "</h1>\n<p>", run->id, run->runs_in_file);
    markup_printf(out, "%s (%s)", run->source, run->mode[0] ? run->mode : "?");
    if (run->first_packet > 0)
        markup_printf(out, " \xc2\xb7 capture %s \xe2\x80\x93 %s UTC (%.3f s)",
                      fmt_utc(run->first_packet, false, a, sizeof a),
                      fmt_utc(run->last_packet, false, b, sizeof b),
                      run->last_packet - run->first_packet);
    markup_printf(out, " \xc2\xb7 %" PRId64 " packets, %" PRId64 " flows \xc2\xb7 analyzed %s UTC"
                  " by finscope %s", run->packets, p->counts.flows,
                  fmt_utc(run->started, false, a, sizeof a), run->version[0] ? run->version : "?");
    if (!run->dpi)
        fputs(", DPI off", out);
    fputs("</p>\n", out);
    if (!run->complete || run->error[0]) {
        fprintf(out, "<p class=\"warn\">");
        markup_text(out, summary_run_status(run, false, status, sizeof status));
        fputs("</p>\n", out);
    }
    fputs("</header>\n<main>\n", out);
}

/* ---- tiles ---------------------------------------------------------------------------------- */

static int64_t class_count(const struct page *p, const char *cls)
{
    const struct item_list *l = &p->r.lists[L_TEARDOWN];
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i].name, cls) == 0)
            return l->items[i].count;
    return 0;
}

static void tile(FILE *out, const char *kind, const char *value, const char *label)
{
    bool word = value[0] < '0' || value[0] > '9';
    fprintf(out, "<div class=\"tile %s\"><b%s>", kind, word ? " class=\"word\"" : "");
    markup_text(out, value);
    fputs("</b><span>", out);
    markup_text(out, label);
    fputs("</span></div>\n", out);
}

static void loss_tile(FILE *out, const struct page *p)
{
    char v[32];
    if (p->r.run.capture_loss_known) {
        snprintf(v, sizeof v, "%.2f%%", 100.0 * p->r.run.capture_loss);
        tile(out, p->r.run.capture_loss > 0.01 ? "warn" : "good", v,
             "capture loss (acknowledged bytes not captured)");
    } else {
        tile(out, "none", "not measured", "capture loss: not recorded in this file");
    }
}

static void write_tiles(FILE *out, const struct page *p)
{
    int64_t tcp = summary_total(&p->r.lists[L_TEARDOWN]);
    int64_t graceful = class_count(p, "graceful");
    int64_t ro = class_count(p, "rst_originator"), rr = class_count(p, "rst_responder");
    int64_t failed = class_count(p, "rejected") + class_count(p, "unanswered");
    int64_t anomalies = summary_total(&p->r.lists[L_ANOMALY]);
    int64_t undecodable = summary_total(&p->r.lists[L_DECODE]);
    char v[32], l[160];
    fputs("<div class=\"tiles\" id=\"tiles\">\n", out);
    snprintf(v, sizeof v, "%" PRId64, tcp);
    snprintf(l, sizeof l, "TCP connections (%" PRId64 " flows in all)", p->counts.flows);
    tile(out, "none", v, l);
    snprintf(v, sizeof v, "%.1f%%", pct(graceful, tcp));
    snprintf(l, sizeof l, "closed gracefully (%" PRId64 ")", graceful);
    tile(out, "good", v, l);
    snprintf(v, sizeof v, "%.1f%%", pct(ro + rr, tcp));
    snprintf(l, sizeof l, "reset (%" PRId64 " by the originator, %" PRId64 " by the responder)",
             ro, rr);
    tile(out, ro + rr ? "bad" : "good", v, l);
    snprintf(v, sizeof v, "%.1f%%", pct(failed, tcp));
    snprintf(l, sizeof l, "refused or unanswered (%" PRId64 ")", failed);
    tile(out, failed ? "warn" : "good", v, l);
    snprintf(v, sizeof v, "%" PRId64, anomalies);
    snprintf(l, sizeof l, "anomalies (%" PRId64 " flows have one)", p->counts.anomalous);
    tile(out, anomalies ? "bad" : "good", v, l);
    snprintf(v, sizeof v, "%" PRId64, undecodable);
    snprintf(l, sizeof l, "undecodable packets (of %" PRId64 ")", p->r.run.packets);
    tile(out, undecodable ? "warn" : "good", v, l);
    loss_tile(out, p);
    fputs("</div>\n", out);
}

/* ---- sections ------------------------------------------------------------------------------- */

static void card_open(FILE *out, const char *id, const char *title)
{
    fprintf(out, "<section class=\"card\" id=\"%s\"><h2>%s</h2>\n", id, title);
}

static void write_endings(FILE *out, const struct page *p)
{
    const struct report *r = &p->r;
    fputs("<div class=\"grid row2\">\n", out);
    card_open(out, "endings", "How the TCP connections ended");
    if (r->lists[L_TEARDOWN].n == 0)
        fputs("<p class=\"note\">No TCP connection in this run.</p>\n", out);
    else
        chart_shares(out, "chart-teardown", "How the TCP connections ended",
                     &r->lists[L_TEARDOWN], "td", true);
    fputs("<p class=\"note\">Click a class to list its flows. The rules: docs/teardown.md."
          "</p></section>\n", out);
    card_open(out, "closers", "Who started the close");
    if (r->lists[L_CLOSER].n)
        chart_shares(out, "chart-closer", "Who started the close", &r->lists[L_CLOSER], NULL,
                     false);
    fputs("<p class=\"note\">originator: the side that opened the connection; simultaneous: both"
          " FINs crossed; none: no FIN or RST was seen.</p></section>\n</div>\n", out);
    card_open(out, "ends", "Connection ends over time, by teardown class");
    chart_end_times(out, &p->ends);
    fprintf(out, "<p class=\"note\">TCP connections by the time of their last packet, in %d"
            " intervals of %.3f s from the first packet of the capture to its last. Click a"
            " class to list its flows.</p></section>\n", p->ends.bins, p->ends.width);
}

/* The reset-related anomaly kinds of the run (RST validity, and what followed a RST). */
static void rst_kinds(const struct item_list *all, struct item_list *out)
{
    out->n = 0;
    for (size_t i = 0; i < all->n && out->n < out->cap; i++) {
        const char *k = all->items[i].name;
        if (strncmp(k, "rst_", 4) == 0 || strcmp(k, "multiple_rst") == 0 ||
            strcmp(k, "data_after_rst") == 0)
            out->items[out->n++] = all->items[i];
    }
}

/* Who sent the RSTs that ended connections, and refused connections, from the classes. */
static void reset_classes(const struct item_list *td, struct item_list *out)
{
    static const char *const classes[] = {"rst_responder", "rst_originator", "rejected"};
    int64_t total = 0;
    out->n = 0;
    for (size_t c = 0; c < 3; c++)
        for (size_t i = 0; i < td->n; i++)
            if (strcmp(td->items[i].name, classes[c]) == 0) {
                out->items[out->n++] = td->items[i];
                total += td->items[i].count;
            }
    for (size_t i = 0; i < out->n; i++)
        out->items[i].share = pct(out->items[i].count, total);
}

static void write_resets(FILE *out, const struct page *p)
{
    card_open(out, "resets", "Why connections were reset");
    if (p->causes.n) {
        chart_causes(out, &p->causes);
        fputs("<p class=\"note\">Reset connections by the cause of the RST that ended them"
              " (rows) and whether the host it names sent it (columns).</p>\n", out);
    } else {
        fputs("<p class=\"note\">No connection of this run was ended by a reset.</p>\n", out);
    }
    struct item items[16];
    struct item_list l = {.items = items, .cap = 16};
    reset_classes(&p->r.lists[L_TEARDOWN], &l);
    if (l.n) {
        fputs("<h3>Resets and refusals, by who sent them</h3>\n", out);
        chart_shares(out, "chart-resetby", "Resets and refusals by who sent them", &l, "td",
                     true);
    }
    rst_kinds(&p->r.lists[L_ANOMALY], &l);
    if (l.n) {
        fputs("<h3>RST anomalies</h3>\n", out);
        chart_bars(out, "chart-rst-anomalies", "RST anomalies", &l, true, "#b8283e", "an");
    }
    fputs("</section>\n", out);
}

static void write_anomalies(FILE *out, const struct page *p)
{
    const struct item_list *an = &p->r.lists[L_ANOMALY];
    fputs("<div class=\"grid row2\">\n", out);
    card_open(out, "anomalies", "Anomalies by kind");
    if (an->n == 0)
        fputs("<p class=\"note\">None: every segment was what the RFCs expect.</p>\n", out);
    else
        chart_bars(out, "chart-anomalies", "Anomalies by kind", an, true, "#c0392b", "an");
    fputs("<p class=\"note\">count: segments that raised it; flows: how many flows had one. Click"
          " a kind to list its flows.</p></section>\n", out);
    write_resets(out, p);
    fputs("</div>\n", out);
}

/* ---- hosts and servers ---------------------------------------------------------------------- */

static void host_button(FILE *out, const char *addr)
{
    fputs("<button type=\"button\" class=\"pick\" data-filter=\"host\" data-value=\"=", out);
    markup_text(out, addr);
    fputs("\">", out);
    markup_text(out, *addr ? addr : "(none)");
    fputs("</button>", out);
}

static void address_table(FILE *out, const char *title, const char *h2, const char *h3,
                          const struct item_list *l)
{
    fprintf(out, "<div><h3>%s</h3><table class=\"mini\"><thead><tr><th>address</th>"
            "<th class=\"n\">%s</th><th class=\"n\">%s</th><th class=\"n\">share</th></tr>"
            "</thead><tbody>\n", title, h2, h3);
    for (size_t i = 0; i < l->n; i++) {
        const struct item *it = &l->items[i];
        fputs("<tr><td>", out);
        host_button(out, it->name);
        fprintf(out, "</td><td class=\"n\">%" PRId64 "</td><td class=\"n\">%" PRId64 "</td>"
                "<td class=\"n\">%.1f%%</td></tr>\n", it->count, it->flows, it->share);
    }
    if (l->n == 0)
        fputs("<tr><td colspan=\"4\">none</td></tr>\n", out);
    fputs("</tbody></table></div>\n", out);
}

static void server_table(FILE *out, const struct page *p)
{
    fputs("<div><h3>Servers behind them</h3><table class=\"mini\"><thead><tr><th>responder"
          "</th><th>server name</th><th class=\"n\">with a RST</th><th class=\"n\">anomalous"
          "</th></tr></thead><tbody>\n", out);
    for (size_t i = 0; i < p->nservers; i++) {
        const struct server_row *s = &p->servers[i];
        fputs("<tr><td>", out);
        host_button(out, s->addr);
        fprintf(out, ":%" PRId64 "</td><td>", s->port);
        markup_text(out, s->name);
        fprintf(out, "</td><td class=\"n\">%" PRId64 "</td><td class=\"n\">%" PRId64
                "</td></tr>\n", s->resets, s->anomalous);
    }
    if (p->nservers == 0)
        fputs("<tr><td colspan=\"4\">none</td></tr>\n", out);
    fputs("</tbody></table></div>\n", out);
}

static void write_hosts(FILE *out, const struct page *p)
{
    card_open(out, "hosts", "Hosts and servers behind resets and anomalies");
    fputs("<div class=\"grid\">\n", out);
    address_table(out, "Addresses that reset the most connections", "resets", "as responder",
                  &p->r.lists[L_RESETTER]);
    address_table(out, "Addresses whose segments raised the most anomalies", "anomalies",
                  "flows", &p->r.lists[L_ANOMALOUS]);
    server_table(out, p);
    fputs("</div><p class=\"note\">Click an address to list its flows.</p></section>\n", out);
}

static void write_apps(FILE *out, const struct page *p)
{
    card_open(out, "apps", "Teardown mix by application");
    if (p->r.lists[L_APPMIX].n == 0)
        fputs("<p class=\"note\">No TCP connection in this run.</p>\n", out);
    else
        chart_app_mix(out, &p->r.lists[L_APPMIX], MAX_APPS);
    fprintf(out, "<p class=\"note\">The %d applications (nDPI) with the most TCP connections."
            " Click one to list its flows.</p></section>\n", MAX_APPS);
}

/* ---- the runs ------------------------------------------------------------------------------- */

static void run_row(FILE *out, const struct page *p, const struct run_row *r)
{
    char t[40], a[40], b[40], status[700];
    fprintf(out, "<tr%s><td class=\"n\">%" PRId64 "</td><td>", r == p->this_run ? " class=\"this\""
            : "", r->run.id);
    markup_text(out, r->run.source);
    fprintf(out, "</td><td>%s</td><td>", fmt_utc(r->run.started, false, t, sizeof t));
    if (r->run.first_packet > 0)
        fprintf(out, "%s \xe2\x80\x93 %s", fmt_utc(r->run.first_packet, false, a, sizeof a),
                fmt_utc(r->run.last_packet, false, b, sizeof b));
    fprintf(out, "</td><td class=\"n\">%" PRId64 "</td><td class=\"n\">%" PRId64 "</td>"
            "<td class=\"n\">%" PRId64 "</td><td class=\"n\">", r->run.packets, r->undecodable,
            r->run.flows);
    if (r->run.capture_loss_known)
        fprintf(out, "%.2f%%", 100.0 * r->run.capture_loss);
    else
        fputs("not measured", out);
    fputs("</td><td>", out);
    markup_text(out, summary_run_status(&r->run, true, status, sizeof status));
    fputs("</td></tr>\n", out);
}

static void write_runs(FILE *out, const struct page *p)
{
    card_open(out, "runs", "Runs analyzed");
    fputs("<table class=\"mini\"><thead><tr><th class=\"n\">run</th><th>source</th>"
          "<th>analyzed (UTC)</th><th>capture (UTC)</th><th class=\"n\">packets</th>"
          "<th class=\"n\">undecodable</th><th class=\"n\">flows</th><th class=\"n\">capture"
          " loss</th><th>status</th></tr></thead><tbody>\n", out);
    for (size_t i = 0; i < p->nruns; i++)
        run_row(out, p, &p->runs[i]);
    fputs("</tbody></table>\n", out);
    const struct item_list *dec = &p->r.lists[L_DECODE];
    fputs("<p class=\"note\">This page is about the highlighted run", out);
    if (p->r.run.runs_in_file > MAX_RUNS)
        fprintf(out, " (the file has %" PRId64 " runs; the first %d are listed)",
                p->r.run.runs_in_file, MAX_RUNS);
    fputs(". Its undecodable packets by reason: ", out);
    for (size_t i = 0; i < dec->n; i++)
        markup_printf(out, "%s%s %" PRId64, i ? ", " : "", dec->items[i].name,
                      dec->items[i].count);
    fputs(dec->n ? "" : "none", out);
    fputs(" (docs/dissect.md).</p></section>\n", out);
}

/* ---- the page ------------------------------------------------------------------------------- */

static int write_page(FILE *out, struct storage *st, const struct page *p, const char *css,
                      char *err, size_t errlen)
{
    write_head(out, p, css);
    write_banner(out, p);
    write_tiles(out, p);
    write_endings(out, p);
    write_anomalies(out, p);
    write_hosts(out, p);
    write_apps(out, p);
    write_runs(out, p);
    struct flow_section fs = {.o = p->o, .run_id = p->r.run.id, .counts = p->counts,
                              .run_start = p->r.run.first_packet};
    int rc = html_flows(out, st, &fs, err, errlen);
    fprintf(out, "</main>\n<footer>Written by finscope %s from ", FINSCOPE_VERSION);
    markup_text(out, p->o->db);
    fputs(". Teardown classes, anomalies and states: docs/teardown.md; every column:"
          " docs/schema.md. This file is self-contained: it loads nothing from anywhere."
          "</footer>\n<script>", out);
    fputs(REPORT_PAGE_JS, out);
    fputs("</script>\n</body>\n</html>\n", out);
    return rc;
}

int report_html(struct storage *st, const struct report_options *o, FILE *out, char *err,
                size_t errlen)
{
    struct page *p = calloc(1, sizeof *p);
    char *css = page_style();
    if (!p || !css) {
        free(p);
        free(css);
        return report_oom(err, errlen);
    }
    p->o = o;
    p->r.db = o->db;
    int rc = gather(st, p, err, errlen);
    if (rc == 0)
        rc = write_page(out, st, p, css, err, errlen);
    page_free(p);
    free(p);
    free(css);
    return rc;
}
