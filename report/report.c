/*
 * report.c — `finscope report`: what one run found, for people who would rather look than
 * write SQL (report.h: report_summary, report_runs).
 *
 * The report is gathered first (storage/read.h: run statistics, decode errors, protocols,
 * teardown classes, closers, anomaly kinds, top resetting and anomalous addresses, the teardown
 * mix per application, RSTs per cause and origin and who is behind them: report_rst.c), then written in one of three forms: aligned text tables with bars
 * (colour when the caller says so), one JSON document, or CSV rows of section,name,group,
 * value,flows,share.
 */
#include "report/report.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/array.h"
#include "report/errmsg.h"
#include "report/html.h"
#include "report/json.h"
#include "report/summary.h"
#include "report/table.h"

/* ---- the report's content -------------------------------------------------------------------- */

typedef int (*list_reader)(struct storage *st, int64_t run, int top, read_count_fn fn,
                           void *ctx);

static int rd_decode(struct storage *st, int64_t run, int top, read_count_fn fn, void *ctx)
{
    (void)top;
    return read_decode_errors(st, run, fn, ctx);
}
static int rd_proto(struct storage *st, int64_t run, int top, read_count_fn fn, void *ctx)
{
    (void)top;
    return read_protocols(st, run, fn, ctx);
}
static int rd_teardown(struct storage *st, int64_t run, int top, read_count_fn fn, void *ctx)
{
    (void)top;
    return read_teardown_classes(st, run, fn, ctx);
}
static int rd_closer(struct storage *st, int64_t run, int top, read_count_fn fn, void *ctx)
{
    (void)top;
    return read_closers(st, run, fn, ctx);
}
static int rd_anomaly(struct storage *st, int64_t run, int top, read_count_fn fn, void *ctx)
{
    (void)top;
    return read_anomaly_kinds(st, run, fn, ctx);
}
static int rd_rst_cause(struct storage *st, int64_t run, int top, read_count_fn fn, void *ctx)
{
    (void)top;
    return read_rst_causes(st, run, fn, ctx);
}
static int rd_appmix(struct storage *st, int64_t run, int top, read_count_fn fn, void *ctx)
{
    (void)top;
    return read_app_mix(st, run, fn, ctx);
}

/* How each list is read and named in JSON (keys; NULL: not written) and CSV (section). */
static const struct list_spec {
    const char *section;
    const char *name_key, *group_key, *count_key, *flows_key;
    list_reader read;
} LISTS[L_COUNT] = {
    [L_DECODE] = {"decode_errors", "reason", NULL, "packets", NULL, rd_decode},
    [L_PROTO] = {"protocols", "proto", NULL, "flows", NULL, rd_proto},
    [L_TEARDOWN] = {"teardown", "teardown", NULL, "flows", NULL, rd_teardown},
    [L_CLOSER] = {"closers", "closer", NULL, "flows", NULL, rd_closer},
    [L_ANOMALY] = {"anomalies", "kind", NULL, "count", "flows", rd_anomaly},
    [L_RESETTER] = {"top_resetters", "addr", NULL, "resets", "as_responder",
                    read_top_resetters},
    [L_ANOMALOUS] = {"top_anomalous", "addr", NULL, "anomalies", "flows", read_top_anomalous},
    [L_APPMIX] = {"app_mix", "app_proto", "teardown", "flows", "app_flows", rd_appmix},
    [L_RST_CAUSE] = {"rst_causes", "cause", "origin", "rsts", "flows", rd_rst_cause},
};

int summary_keep(void *ctx, const struct read_count *c)
{
    struct item_list *l = ctx;
    if (array_reserve(&l->items, &l->cap, l->n, sizeof *l->items) < 0) {
        l->failed = true;
        return -1;
    }
    struct item *it = &l->items[l->n];
    it->name = strdup(c->name);
    it->group = strdup(c->group);
    if (!it->name || !it->group) {
        free(it->name);
        free(it->group);
        l->failed = true;
        return -1;
    }
    it->count = c->count;
    it->flows = c->flows;
    it->share = c->share;
    l->n++;
    return 0;
}

void item_list_free(struct item_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].name);
        free(l->items[i].group);
    }
    free(l->items);
    *l = (struct item_list){0};
}

void summary_free(struct report *r)
{
    for (int l = 0; l < L_COUNT; l++)
        item_list_free(&r->lists[l]);
    rst_source_list_free(&r->sources);
}

int summary_gather(struct storage *st, const struct report_options *o, unsigned lists,
                   struct report *r, char *err, size_t errlen)
{
    if (read_run(st, o->run_id, &r->run) < 0 || read_capture_loss(st, r->run.id, &r->loss) < 0)
        return report_storage_fail(st, err, errlen);
    for (int l = 0; l < L_COUNT; l++) {
        struct item_list *list = &r->lists[l];
        if (!(lists & 1u << l))
            continue;
        if (LISTS[l].read(st, r->run.id, o->top, summary_keep, list) < 0)
            return list->failed ? report_oom(err, errlen)
                                : report_storage_fail(st, err, errlen);
    }
    if ((lists & 1u << L_RST_CAUSE) &&
        summary_gather_rst_sources(st, r->run.id, o->top, &r->sources) < 0)
        return r->sources.failed ? report_oom(err, errlen) : report_storage_fail(st, err, errlen);
    return 0;
}

int64_t summary_total(const struct item_list *l)
{
    int64_t n = 0;
    for (size_t i = 0; i < l->n; i++)
        n += l->items[i].count;
    return n;
}

/* ---- text ------------------------------------------------------------------------------------ */

const char *summary_run_status(const struct read_run *run, bool brief, char *buf, size_t len)
{
    if (brief) {
        snprintf(buf, len, "%s%s", run->complete ? "complete" : "unfinished",
                 run->error[0] ? " (see error)" : "");
        return buf;
    }
    if (run->complete && run->error[0])
        snprintf(buf, len, "complete, with a warning: %s", run->error);
    else if (run->complete)
        snprintf(buf, len, "complete");
    else if (run->error[0])
        snprintf(buf, len, "(unfinished): %s", run->error);
    else if (run->finished > 0)
        snprintf(buf, len, "(unfinished): stopped before the end of its input");
    else
        snprintf(buf, len, "(unfinished): still being written, or killed before it ended "
                 "(runs.complete = 0)");
    return buf;
}

static void text_run_times(FILE *out, const struct read_run *run)
{
    char a[40], b[40];
    fprintf(out, "  analyzed    %s UTC, finscope %s", fmt_utc(run->started, false, a, sizeof a),
            run->version[0] ? run->version : "?");
    if (run->dpi)
        fprintf(out, ", %s", run->ndpi_version[0] ? run->ndpi_version : "nDPI");
    else
        fputs(", DPI off", out);
    if (run->options[0])
        fprintf(out, "; options: %s", run->options);
    fputc('\n', out);
    if (run->first_packet > 0)
        fprintf(out, "  capture     %s .. %s UTC (%.3f s)\n",
                fmt_utc(run->first_packet, true, a, sizeof a),
                fmt_utc(run->last_packet, true, b, sizeof b),
                run->last_packet - run->first_packet);
}

static void text_counts_line(FILE *out, const struct item_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        fprintf(out, "%s%s %" PRId64, i ? ", " : ": ", l->items[i].name, l->items[i].count);
}

/* Above this share of acknowledged bytes missed, the report warns (issue 13). */
#define CAPTURE_LOSS_WARN 0.01

/* runs.capture_loss as Zeek's capture-loss measures it, what it left, and a warning above 1%. */
static void text_capture_loss(FILE *out, const struct report *r, const struct report_style *ts)
{
    const struct read_run *run = &r->run;
    const struct read_loss *l = &r->loss;
    if (!run->capture_loss_known)
        return;
    fprintf(out, "  loss        %.2f%% of acknowledged TCP bytes not captured (%" PRId64
            " gaps, %" PRId64 " bytes, in %" PRId64 " flows); %" PRId64 " segments inferred"
            " in %" PRId64 " flows\n", 100 * run->capture_loss, l->gaps, l->gap_bytes,
            l->flows_with_gaps, l->inferred_events, l->flows_with_inferred);
    if (run->capture_loss > CAPTURE_LOSS_WARN)
        fprintf(out, "  %swarning     capture loss above 1%%: the sensor missed packets; verdicts"
                " rest partly on\n              segments inferred from later packets "
                "(teardown_events.inferred = 1)%s\n", sty(ts, STY_RED), sty(ts, STY_RESET));
}

static void text_run(FILE *out, const struct report *r, const struct report_style *ts)
{
    const struct read_run *run = &r->run;
    char buf[700];
    fprintf(out, "%sfinscope report: %s, run %" PRId64 " of %" PRId64 "%s%s\n",
            sty(ts, STY_BOLD), r->db, run->id, run->runs_in_file,
            run->complete ? "" : " (unfinished)", sty(ts, STY_RESET));
    fprintf(out, "  status      %s%s%s\n", run->complete ? "" : sty(ts, STY_RED),
            summary_run_status(run, false, buf, sizeof buf), sty(ts, STY_RESET));
    fprintf(out, "  source      %s (%s)\n", run->source, run->mode[0] ? run->mode : "?");
    if (run->sensor[0])
        fprintf(out, "  sensor      %s\n", run->sensor);
    text_run_times(out, run);
    fprintf(out, "  packets     %" PRId64 " (%s); undecodable %" PRId64, run->packets,
            fmt_bytes(run->bytes, buf, sizeof buf), summary_total(&r->lists[L_DECODE]));
    text_counts_line(out, &r->lists[L_DECODE]);
    fputc('\n', out);
    if (strcmp(run->mode, "live") == 0)
        fprintf(out, "  drops       kernel %" PRId64 ", interface %" PRId64 "\n",
                run->kernel_drops, run->iface_drops);
    fprintf(out, "  flows       %" PRId64, summary_total(&r->lists[L_PROTO]));
    text_counts_line(out, &r->lists[L_PROTO]);
    if (run->flows_evicted > 0)
        fprintf(out, " (%" PRId64 " evicted: flow table full)", run->flows_evicted);
    fputc('\n', out);
    text_capture_loss(out, r, ts);
}

static enum style class_colour(const char *teardown)
{
    static const struct { const char *name; enum style colour; } colours[] = {
        {"graceful", STY_GREEN}, {"half_closed", STY_YELLOW}, {"rst_originator", STY_RED},
        {"rst_responder", STY_RED}, {"rejected", STY_MAGENTA}, {"unanswered", STY_BLUE},
        {"open", STY_CYAN}, {"abnormal", STY_RED},
    };
    for (size_t i = 0; i < sizeof colours / sizeof *colours; i++)
        if (strcmp(colours[i].name, teardown) == 0)
            return colours[i].colour;
    return STY_CYAN;
}

static void fmt_share(double share, char *buf, size_t len)
{
    snprintf(buf, len, "%.1f%%", share);
}

static void section_title(FILE *out, const struct report_style *ts, const char *title)
{
    fprintf(out, "\n%s%s%s\n", sty(ts, STY_BOLD), title, sty(ts, STY_RESET));
}

/* A list as a table: name, count, [flows], share, bar. */
static int text_list(FILE *out, const struct report_style *ts, const struct item_list *l,
                     const char *const *headers, bool with_flows, bool class_colours)
{
    size_t ncols = with_flows ? 4 : 3;
    const char *hdr[4] = {headers[0], headers[1], with_flows ? headers[2] : headers[3],
                          headers[3]};
    struct table *t = table_new(ncols, hdr, with_flows ? "lrrr" : "lrr");
    if (!t)
        return -1;
    for (size_t i = 0; i < l->n; i++) {
        const struct item *it = &l->items[i];
        char count[24], flows[24], share[16];
        snprintf(count, sizeof count, "%" PRId64, it->count);
        snprintf(flows, sizeof flows, "%" PRId64, it->flows);
        fmt_share(it->share, share, sizeof share);
        const char *cells[4] = {it->name[0] ? it->name : "(none)", count,
                                with_flows ? flows : share, share};
        enum style c = class_colours ? class_colour(it->name) : STY_CYAN;
        if (table_add(t, cells, (double)it->count, c) < 0) {
            table_free(t);
            return -1;
        }
    }
    table_print(t, out, ts, "  ");
    table_free(t);
    return 0;
}

/* Distinct values of `group` in the app mix, in the order of the teardown classes table. */
static size_t mix_classes(const struct report *r, const char **classes, size_t max)
{
    size_t n = 0;
    const struct item_list *td = &r->lists[L_TEARDOWN];
    for (size_t i = 0; i < td->n && n < max; i++)
        classes[n++] = td->items[i].name;
    return n;
}

static int64_t mix_cell(const struct item_list *mix, const char *app, const char *cls)
{
    for (size_t i = 0; i < mix->n; i++)
        if (strcmp(mix->items[i].name, app) == 0 && strcmp(mix->items[i].group, cls) == 0)
            return mix->items[i].count;
    return 0;
}

/* One row per application (in the mix's order), one column per teardown class. */
static int text_app_mix(FILE *out, const struct report_style *ts, const struct report *r)
{
    const char *classes[16];
    size_t nc = mix_classes(r, classes, 16);
    const char *hdr[18] = {"application", "flows"};
    char align[19] = "lr";
    for (size_t c = 0; c < nc; c++) {
        hdr[2 + c] = classes[c];
        align[2 + c] = 'r';
    }
    struct table *t = table_new(2 + nc, hdr, align);
    if (!t)
        return -1;
    const struct item_list *mix = &r->lists[L_APPMIX];
    char cells_buf[18][24];
    const char *cells[18];
    for (size_t i = 0; i < mix->n; i++) {
        const struct item *it = &mix->items[i];
        if (i > 0 && strcmp(mix->items[i - 1].name, it->name) == 0)
            continue;             /* rows of one application are adjacent */
        cells[0] = it->name[0] ? it->name : "(DPI off)";
        snprintf(cells_buf[1], sizeof cells_buf[1], "%" PRId64, it->flows);
        cells[1] = cells_buf[1];
        for (size_t c = 0; c < nc; c++) {
            int64_t v = mix_cell(mix, it->name, classes[c]);
            snprintf(cells_buf[2 + c], sizeof cells_buf[2 + c], "%" PRId64, v);
            cells[2 + c] = v ? cells_buf[2 + c] : "-";
        }
        if (table_add(t, cells, -1, STY_RESET) < 0) {
            table_free(t);
            return -1;
        }
    }
    table_print(t, out, ts, "  ");
    table_free(t);
    return 0;
}

static int text_tcp_sections(FILE *out, const struct report_style *ts, const struct report *r)
{
    static const char *const td_hdr[] = {"teardown", "flows", "", "share"};
    static const char *const cl_hdr[] = {"closer", "flows", "", "share"};
    int64_t tcp = summary_total(&r->lists[L_TEARDOWN]);
    char title[96];
    snprintf(title, sizeof title, "How the TCP connections ended (%" PRId64 ")", tcp);
    section_title(out, ts, title);
    if (tcp == 0) {
        fputs("  no TCP connections in this run\n", out);
        return 0;
    }
    if (text_list(out, ts, &r->lists[L_TEARDOWN], td_hdr, false, true) < 0)
        return -1;
    section_title(out, ts, "Who started the close");
    if (text_list(out, ts, &r->lists[L_CLOSER], cl_hdr, false, false) < 0)
        return -1;
    section_title(out, ts, "Teardown mix by application (TCP flows; '-' for none)");
    return text_app_mix(out, ts, r);
}

static int text_anomaly_sections(FILE *out, const struct report_style *ts,
                                 const struct report *r)
{
    static const char *const an_hdr[] = {"kind", "count", "flows", "share"};
    static const char *const rs_hdr[] = {"address", "resets", "as responder", "share"};
    static const char *const aa_hdr[] = {"address", "anomalies", "flows", "share"};
    char title[96];
    snprintf(title, sizeof title, "Anomalies (%" PRId64 ")", summary_total(&r->lists[L_ANOMALY]));
    section_title(out, ts, title);
    if (r->lists[L_ANOMALY].n == 0)
        fputs("  none\n", out);
    else if (text_list(out, ts, &r->lists[L_ANOMALY], an_hdr, true, false) < 0)
        return -1;
    section_title(out, ts, "Addresses that reset the most connections (rst_originator or "
                  "rst_responder)");
    if (r->lists[L_RESETTER].n == 0)
        fputs("  none\n", out);
    else if (text_list(out, ts, &r->lists[L_RESETTER], rs_hdr, true, false) < 0)
        return -1;
    section_title(out, ts, "Addresses whose segments raised the most anomalies");
    if (r->lists[L_ANOMALOUS].n == 0)
        fputs("  none\n", out);
    else if (text_list(out, ts, &r->lists[L_ANOMALOUS], aa_hdr, true, false) < 0)
        return -1;
    return 0;
}

static int write_text(FILE *out, const struct report *r, const struct report_style *ts)
{
    text_run(out, r, ts);
    if (text_tcp_sections(out, ts, r) < 0 || summary_text_rsts(out, ts, r) < 0 ||
        text_anomaly_sections(out, ts, r) < 0)
        return -1;
    bool pg = storage_is_postgres(r->db);
    fprintf(out, "\nOne flow in detail: finscope show %s FLOW-ID   (flow ids: %s %s "
            "\"SELECT id, teardown FROM flows WHERE run_id = %" PRId64 "\")\n",
            r->db, pg ? "psql" : "sqlite3", r->db, r->run.id);
    return 0;
}

/* ---- JSON ------------------------------------------------------------------------------------ */

static void json_int_field(FILE *out, const char *key, int64_t v, bool comma)
{
    json_key(out, key);
    fprintf(out, "%" PRId64 "%s", v, comma ? ", " : "");
}

/* A text field; "" (NULL in the database) is null. */
static void json_text_field(FILE *out, const char *key, const char *v, bool comma)
{
    json_key(out, key);
    json_string(out, v && *v ? v : NULL);
    fputs(comma ? ", " : "", out);
}

static void json_time_field(FILE *out, const char *key, double v, bool comma)
{
    json_key(out, key);
    if (v > 0)
        json_real(out, v, 6);
    else
        fputs("null", out);
    fputs(comma ? ", " : "", out);
}

/* Capture loss inside the run object: capture_loss (null when not recorded), its counts. */
static void json_capture_loss(FILE *out, const struct read_run *run, const struct read_loss *l)
{
    if (run->capture_loss_known)
        fprintf(out, "\"capture_loss\": %.6f, ", run->capture_loss);
    else
        fputs("\"capture_loss\": null, ", out);
    json_int_field(out, "gaps", l->gaps, true);
    json_int_field(out, "gap_bytes", l->gap_bytes, true);
    json_int_field(out, "inferred_segments", l->inferred_events, true);
}

static void json_run(FILE *out, const struct read_run *run, const struct read_loss *loss)
{
    fputs("  \"run\": {", out);
    json_int_field(out, "id", run->id, true);
    json_text_field(out, "source", run->source, true);
    json_text_field(out, "mode", run->mode, true);
    json_text_field(out, "sensor", run->sensor, true);
    json_time_field(out, "started", run->started, true);
    json_time_field(out, "finished", run->finished, true);
    fprintf(out, "\"complete\": %s, ", run->complete ? "true" : "false");
    json_text_field(out, "status", run->complete ? "complete" : "unfinished", true);
    json_text_field(out, "version", run->version, true);
    json_text_field(out, "ndpi_version", run->ndpi_version, true);
    fprintf(out, "\"dpi\": %s, ", run->dpi ? "true" : "false");
    json_text_field(out, "options", run->options, true);
    json_int_field(out, "packets", run->packets, true);
    json_int_field(out, "bytes", run->bytes, true);
    json_int_field(out, "flows", run->flows, true);
    json_int_field(out, "flows_evicted", run->flows_evicted, true);
    json_int_field(out, "kernel_drops", run->kernel_drops, true);
    json_int_field(out, "iface_drops", run->iface_drops, true);
    json_time_field(out, "first_packet", run->first_packet, true);
    json_time_field(out, "last_packet", run->last_packet, true);
    json_text_field(out, "error", run->error, true);
    json_capture_loss(out, run, loss);
    json_int_field(out, "runs_in_file", run->runs_in_file, false);
    fputs("}", out);
}

static void json_item(FILE *out, const struct list_spec *spec, const struct item *it)
{
    fputs("{", out);
    json_text_field(out, spec->name_key, it->name, true);
    if (spec->group_key)
        json_text_field(out, spec->group_key, it->group, true);
    json_int_field(out, spec->count_key, it->count, true);
    if (spec->flows_key)
        json_int_field(out, spec->flows_key, it->flows, true);
    json_key(out, "share");
    json_real(out, it->share, 2);
    fputs("}", out);
}

static int write_json(FILE *out, const struct report *r)
{
    fputs("{\n  ", out);
    json_text_field(out, "database", r->db, false);
    fputs(",\n", out);
    json_run(out, &r->run, &r->loss);
    for (int l = 0; l < L_COUNT; l++) {
        fprintf(out, ",\n  ");
        json_key(out, LISTS[l].section);
        fputs("[", out);
        for (size_t i = 0; i < r->lists[l].n; i++) {
            fputs(i ? ",\n    " : "\n    ", out);
            json_item(out, &LISTS[l], &r->lists[l].items[i]);
        }
        fputs(r->lists[l].n ? "\n  ]" : "]", out);
    }
    summary_json_rst_sources(out, &r->sources);
    fputs("\n}\n", out);
    return 0;
}

/* ---- CSV ------------------------------------------------------------------------------------- */

static void csv_row(FILE *out, const char *section, const char *name, const char *group,
                    const char *value, const char *flows, const char *share)
{
    const char *f[6] = {section, name, group, value, flows, share};
    for (int i = 0; i < 6; i++) {
        if (i > 0)
            fputc(',', out);
        csv_field(out, f[i]);
    }
    fputs("\r\n", out);
}

static void csv_run_int(FILE *out, const char *name, int64_t v)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%" PRId64, v);
    csv_row(out, "run", name, NULL, buf, NULL, NULL);
}

static void csv_run_time(FILE *out, const char *name, double v)
{
    char buf[40] = "";
    if (v > 0)
        snprintf(buf, sizeof buf, "%.6f", v);
    csv_row(out, "run", name, NULL, buf, NULL, NULL);
}

static void csv_capture_loss(FILE *out, const struct read_run *run, const struct read_loss *l)
{
    char buf[24] = "";
    if (run->capture_loss_known)
        snprintf(buf, sizeof buf, "%.6f", run->capture_loss);
    csv_row(out, "run", "capture_loss", NULL, buf, NULL, NULL);
    csv_run_int(out, "gaps", l->gaps);
    csv_run_int(out, "gap_bytes", l->gap_bytes);
    csv_run_int(out, "inferred_segments", l->inferred_events);
}

static void csv_run(FILE *out, const struct read_run *run, const struct read_loss *loss)
{
    csv_run_int(out, "id", run->id);
    csv_row(out, "run", "source", NULL, run->source, NULL, NULL);
    csv_row(out, "run", "mode", NULL, run->mode, NULL, NULL);
    csv_row(out, "run", "sensor", NULL, run->sensor, NULL, NULL);
    csv_run_time(out, "started", run->started);
    csv_run_time(out, "finished", run->finished);
    csv_run_int(out, "complete", run->complete);
    csv_row(out, "run", "version", NULL, run->version, NULL, NULL);
    csv_row(out, "run", "ndpi_version", NULL, run->ndpi_version, NULL, NULL);
    csv_run_int(out, "dpi", run->dpi);
    csv_row(out, "run", "options", NULL, run->options, NULL, NULL);
    csv_run_int(out, "packets", run->packets);
    csv_run_int(out, "bytes", run->bytes);
    csv_run_int(out, "flows", run->flows);
    csv_run_int(out, "flows_evicted", run->flows_evicted);
    csv_run_int(out, "kernel_drops", run->kernel_drops);
    csv_run_int(out, "iface_drops", run->iface_drops);
    csv_run_time(out, "first_packet", run->first_packet);
    csv_run_time(out, "last_packet", run->last_packet);
    csv_row(out, "run", "error", NULL, run->error, NULL, NULL);
    csv_capture_loss(out, run, loss);
}

static int write_csv(FILE *out, const struct report *r)
{
    csv_row(out, "section", "name", "group", "value", "flows", "share");
    csv_run(out, &r->run, &r->loss);
    for (int l = 0; l < L_COUNT; l++) {
        for (size_t i = 0; i < r->lists[l].n; i++) {
            const struct item *it = &r->lists[l].items[i];
            char value[24], flows[24], share[24];
            snprintf(value, sizeof value, "%" PRId64, it->count);
            snprintf(flows, sizeof flows, "%" PRId64, it->flows);
            snprintf(share, sizeof share, "%.2f", it->share);
            csv_row(out, LISTS[l].section, it->name, it->group, value,
                    LISTS[l].flows_key ? flows : NULL, share);
        }
    }
    summary_csv_rst_sources(out, &r->sources);
    return 0;
}

/* ---- the list of runs ------------------------------------------------------------------------ */

static int add_run_row(void *ctx, const struct read_run *run)
{
    char id[24], started[40], packets[24], flows[24], status[700];
    snprintf(id, sizeof id, "%" PRId64, run->id);
    fmt_utc(run->started, false, started, sizeof started);
    snprintf(packets, sizeof packets, "%" PRId64, run->packets);
    snprintf(flows, sizeof flows, "%" PRId64, run->flows);
    summary_run_status(run, true, status, sizeof status);
    const char *cells[6] = {id, started, run->source, packets, flows, status};
    return table_add(ctx, cells, -1, STY_RESET);
}

int report_runs(struct storage *st, const char *db, const struct report_style *style,
                FILE *out, char *err, size_t errlen)
{
    static const char *const hdr[] = {"run", "started (UTC)", "source", "packets", "flows",
                                      "status"};
    struct table *t = table_new(6, hdr, "rllrrl");
    if (!t)
        return report_oom(err, errlen);
    int rc = read_runs(st, add_run_row, t);
    if (rc == 0) {
        fprintf(out, "Runs in %s:\n", db);
        table_print(t, out, style, "  ");
        if (table_rows(t) == 0)
            fputs("  (none)\n", out);
    }
    table_free(t);
    return rc == 0 ? 0 : report_storage_fail(st, err, errlen);
}

/* ---- the summary ----------------------------------------------------------------------------- */

static int write_report(const struct report_options *o, const struct report *r, FILE *out)
{
    switch (o->format) {
    case REPORT_JSON: return write_json(out, r);
    case REPORT_CSV: return write_csv(out, r);
    default: return write_text(out, r, &o->style);
    }
}

int report_summary(struct storage *st, const struct report_options *o, FILE *out, char *err,
                   size_t errlen)
{
    if (o->format == REPORT_HTML)
        return report_html(st, o, out, err, errlen);
    struct report r = {.db = o->db};
    int rc = summary_gather(st, o, SUMMARY_ALL, &r, err, errlen);
    if (rc == 0 && write_report(o, &r, out) < 0)
        rc = report_oom(err, errlen);
    summary_free(&r);
    return rc;
}
