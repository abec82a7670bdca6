/*
 * html_flows.c — the HTML report's flow table and the ladders it links to (html.h).
 *
 * The table is a bounded selection (storage/read.h: read_page_flows): at most o->rows flows,
 * notable ones (a RST or an anomaly) first, taken in turn from each kind of ending and anomaly;
 * rows are written as they are read, so memory does not grow with the run. The first
 * o->ladders notable rows get a ladder: a section after the table, shown when its row's link
 * is followed (CSS :target; page.js makes the whole row a link). The page says what it left
 * out. Columns of later schema versions (reset cause and origin, tunnel, gaps) appear when
 * the file has them.
 */
#include "report/html.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/array.h"
#include "report/errmsg.h"
#include "report/markup.h"
#include "report/table.h"

struct table_ctx {
    FILE *out;
    const struct flow_section *fs;
    struct read_page_columns cols;
    int64_t *ladders;             /* ids of the rows that get a ladder, in table order */
    size_t nladders, cap;
    bool failed;                  /* out of memory */
};

/* ---- the notes on what is shown ------------------------------------------------------------ */

static void note_rows(FILE *out, const struct flow_section *fs, size_t rows)
{
    const struct flow_counts *c = &fs->counts;
    fputs("<p class=\"note\" id=\"rows-note\">", out);
    if ((int64_t)rows >= c->flows) {
        fprintf(out, "All %" PRId64 " flows of the run are in this table", c->flows);
    } else {
        fprintf(out, "This table holds %zu of the run's %" PRId64 " flows: ", rows, c->flows);
        if ((int64_t)rows <= c->notable)
            fprintf(out, "%zu of its %" PRId64 " notable flows", rows, c->notable);
        else
            fprintf(out, "all %" PRId64 " notable flows, then %" PRId64 " others", c->notable,
                    (int64_t)rows - c->notable);
        fprintf(out, ", taken in turn from each kind of ending and anomaly. The other %" PRId64
                " flows are left out of this page; <code>finscope export ", c->flows -
                (int64_t)rows);
        markup_text(out, fs->o->db);
        fputs(" --format csv</code> lists them all", out);
    }
    fputs(". Notable flows (a RST from either side, or an anomaly) come first.</p>\n", out);
}

static void note_ladders(FILE *out, const struct flow_section *fs, size_t ladders)
{
    fputs("<p class=\"note\" id=\"ladders-note\">", out);
    if ((int64_t)ladders >= fs->counts.notable)
        fprintf(out, "Every notable flow (%" PRId64 ") has its teardown ladder",
                fs->counts.notable);
    else
        fprintf(out, "%zu of the %" PRId64 " notable flows have their teardown ladder on this page"
                " (the first %zu in the table's order)", ladders, fs->counts.notable, ladders);
    fputs(": click its row. Any flow's ladder: <code>finscope show ", out);
    markup_text(out, fs->o->db);
    fputs(" FLOW</code>.</p>\n", out);
}

/* ---- the table ------------------------------------------------------------------------------ */

static void filters(FILE *out)
{
    fputs("<div class=\"filters\">"
          "<label>teardown<select id=\"f-td\"><option value=\"\">all</option></select></label>"
          "<label>anomaly<select id=\"f-an\"><option value=\"\">all</option>"
          "<option value=\"*\">any anomaly</option><option value=\"-\">none</option></select>"
          "</label>"
          "<label>host<input id=\"f-host\" type=\"search\" placeholder=\"address or name; =exact\">"
          "</label>"
          "<label>port<input id=\"f-port\" type=\"search\" inputmode=\"numeric\" size=\"6\">"
          "</label>"
          "<label>application<select id=\"f-app\"><option value=\"\">all</option></select>"
          "</label>"
          "<label>rows a page<select id=\"f-size\"><option>50</option><option>200</option>"
          "<option>1000</option></select></label>"
          "<button type=\"button\" id=\"f-clear\">clear</button>"
          "<span id=\"match-count\" class=\"note\"></span></div>\n", out);
}

static void table_head(FILE *out, const struct read_page_columns *cols)
{
    fputs("<div class=\"wide\"><table id=\"flows\"><thead><tr>"
          "<th data-k=\"id\" class=\"n\">flow</th><th data-k=\"start\">start (UTC)</th><th data-k=\"orig\">originator</th>"
          "<th data-k=\"resp\">responder</th><th data-k=\"app\">application</th>"
          "<th data-k=\"server\">server name</th><th data-k=\"td\">teardown</th>"
          "<th data-k=\"closer\">closer</th><th data-k=\"an\">anomalies</th>", out);
    if (cols->rst_cause)
        fputs("<th data-k=\"cause\">reset cause</th>", out);
    if (cols->tunnel)
        fputs("<th data-k=\"tunnel\">tunnel</th>", out);
    if (cols->gaps)
        fputs("<th data-k=\"gaps\" class=\"n\">gaps</th>", out);
    fputs("<th data-k=\"dur\" class=\"n\">duration (s)</th><th data-k=\"pkts\" class=\"n\">"
          "packets</th><th data-k=\"bytes\" class=\"n\">bytes</th></tr></thead><tbody>\n", out);
}

static void cell(FILE *out, const char *cls, const char *text)
{
    fprintf(out, "<td%s%s%s>", *cls ? " class=\"" : "", cls, *cls ? "\"" : "");
    markup_text(out, text);
    fputs("</td>", out);
}

/* "2026-01-01 10:00:00.123" */
static void start_cell(FILE *out, double ts)
{
    char buf[40];
    fmt_utc(ts, true, buf, sizeof buf);
    size_t n = strlen(buf);
    if (n > 4 && strchr(buf, '.'))
        buf[n - 3] = '\0';        /* milliseconds are enough to tell flows apart here */
    cell(out, "t", buf);
}

static void teardown_cell(FILE *out, const struct read_flow *f)
{
    const char *td = rf_text(f, RF_teardown);
    if (!td || !*td) {
        cell(out, "", ladder_text_or(f, RF_proto, "-"));
        return;
    }
    fputs("<td><span class=\"chip td-", out);
    markup_text(out, td);
    fputs("\">", out);
    markup_text(out, td);
    fputs("</span></td>", out);
}

static void later_cells(FILE *out, const struct table_ctx *t, const struct read_page_flow *p)
{
    char buf[64];
    if (t->cols.rst_cause) {
        snprintf(buf, sizeof buf, "%s%s%s", p->rst_cause, p->rst_origin[0] ? " / " : "",
                 p->rst_origin);
        cell(out, "", buf);
    }
    if (t->cols.tunnel)
        cell(out, "", p->tunnel);
    if (t->cols.gaps) {
        snprintf(buf, sizeof buf, "%" PRId64, p->gaps);
        cell(out, "n", p->gaps >= 0 ? buf : "");
    }
}

static void number_cells(FILE *out, const struct read_flow *f)
{
    fprintf(out, "<td class=\"n\">%.3f</td><td class=\"n\">%" PRId64 "</td><td class=\"n\">%"
            PRId64 "</td>", rf_real(f, RF_duration), rf_int(f, RF_orig_pkts) +
            rf_int(f, RF_resp_pkts), rf_int(f, RF_orig_bytes) + rf_int(f, RF_resp_bytes));
}

static int table_row(void *ctx, const struct read_page_flow *p)
{
    struct table_ctx *t = ctx;
    const struct read_flow *f = &p->flow;
    int64_t id = rf_int(f, RF_id);
    bool ladder = p->notable && t->nladders < t->fs->o->ladders;
    if (ladder) {
        if (array_reserve(&t->ladders, &t->cap, t->nladders, sizeof *t->ladders) < 0) {
            t->failed = true;
            return -1;
        }
        t->ladders[t->nladders++] = id;
        fprintf(t->out, "<tr class=\"has-ladder\" data-id=\"%" PRId64 "\"><td class=\"n\">"
                "<a href=\"#flow-%" PRId64 "\">%" PRId64 "</a></td>", id, id, id);
    } else {
        fprintf(t->out, "<tr data-id=\"%" PRId64 "\"><td class=\"n\">%" PRId64 "</td>", id, id);
    }
    char a[80], b[80], kinds[sizeof p->kinds];
    start_cell(t->out, rf_real(f, RF_first_ts));
    cell(t->out, "addr", ladder_endpoint(f, false, a, sizeof a));
    cell(t->out, "addr", ladder_endpoint(f, true, b, sizeof b));
    cell(t->out, "", ladder_text_or(f, RF_app_proto, "-"));
    cell(t->out, "", ladder_text_or(f, RF_server_name, ""));
    teardown_cell(t->out, f);
    cell(t->out, "", ladder_text_or(f, RF_closer, ""));
    snprintf(kinds, sizeof kinds, "%s", p->kinds);
    for (char *c = kinds; *c; c++)
        *c = *c == ',' ? ' ' : *c;
    cell(t->out, "an", kinds);
    later_cells(t->out, t, p);
    number_cells(t->out, f);
    fputs("</tr>\n", t->out);
    return ferror(t->out) ? -1 : 0;
}

/* ---- the ladders ---------------------------------------------------------------------------- */

static void ladder_facts(FILE *out, const struct read_flow *f)
{
    char t[40];
    fputs("<p class=\"facts\">", out);
    markup_printf(out, "%s UTC, duration %.6f s, ended by %s; originator %" PRId64 " packets %"
                  PRId64 " bytes, responder %" PRId64 " packets %" PRId64 " bytes; ",
                  fmt_utc(rf_real(f, RF_first_ts), true, t, sizeof t), rf_real(f, RF_duration),
                  ladder_text_or(f, RF_ended_by, "-"), rf_int(f, RF_orig_pkts),
                  rf_int(f, RF_orig_bytes), rf_int(f, RF_resp_pkts), rf_int(f, RF_resp_bytes));
    markup_printf(out, "zeek %s %s; app %s", ladder_text_or(f, RF_conn_state, "-"),
                  ladder_text_or(f, RF_history, "-"), ladder_text_or(f, RF_app_proto, "-"));
    if (!rf_null(f, RF_server_name)) {
        fputs(", server ", out);
        markup_text(out, rf_text(f, RF_server_name));
    }
    fprintf(out, "; %" PRId64 " anomalies</p>\n", rf_int(f, RF_anomalies));
}

static int write_ladder(FILE *out, struct storage *st, int64_t id, char *err, size_t errlen)
{
    struct ladder v;
    int rc = ladder_load(st, id, false, &v, err, errlen);
    if (rc == 0) {
        fprintf(out, "<section class=\"ladder card\" id=\"flow-%" PRId64 "\"><h2>Flow %" PRId64
                ": ", id, id);
        markup_text(out, ladder_text_or(&v.flow, RF_teardown, "-"));
        fputs(" <a href=\"#flows-card\">back to the table</a></h2>\n", out);
        ladder_facts(out, &v.flow);
        fputs("<div class=\"scroll\">", out);
        ladder_svg(out, &v, false);
        fputs("</div></section>\n", out);
    }
    ladder_free(&v);
    return rc;
}

static void ladder_index(FILE *out, const struct table_ctx *t)
{
    fputs("<details class=\"ladder-index\"><summary>Flows with a ladder on this page (", out);
    fprintf(out, "%zu)</summary><p>", t->nladders);
    for (size_t i = 0; i < t->nladders; i++)
        fprintf(out, "<a href=\"#flow-%" PRId64 "\">%" PRId64 "</a>", t->ladders[i],
                t->ladders[i]);
    fputs("</p></details>\n", out);
}

int html_flows(FILE *out, struct storage *st, const struct flow_section *fs, char *err,
               size_t errlen)
{
    struct table_ctx t = {.out = out, .fs = fs};
    read_page_columns(st, &t.cols);
    int64_t rows = fs->counts.flows < (int64_t)fs->o->rows ? fs->counts.flows
                                                            : (int64_t)fs->o->rows;
    int64_t ladders = fs->counts.notable < (int64_t)fs->o->ladders ? fs->counts.notable
                                                                    : (int64_t)fs->o->ladders;
    fputs("<section class=\"card\" id=\"flows-card\"><h2>Flows</h2>\n", out);
    note_rows(out, fs, (size_t)rows);
    note_ladders(out, fs, (size_t)(ladders > rows ? rows : ladders));
    filters(out);
    table_head(out, &t.cols);
    int rc = read_page_flows(st, fs->run_id, fs->o->rows, table_row, &t);
    fputs("</tbody></table></div>\n<div class=\"pager\"><button type=\"button\" id=\"pager-prev\">"
          "\xe2\x97\x80 previous</button><span id=\"pager-status\"></span><button type=\"button\""
          " id=\"pager-next\">next \xe2\x96\xb6</button></div>\n", out);
    if (rc == 0)
        ladder_index(out, &t);
    fputs("</section>\n", out);
    if (rc < 0)
        rc = t.failed ? report_oom(err, errlen) : report_storage_fail(st, err, errlen);
    for (size_t i = 0; rc == 0 && i < t.nladders; i++)
        rc = write_ladder(out, st, t.ladders[i], err, errlen);
    free(t.ladders);
    return rc;
}
