/*
 * report_rst.c — the report's "Why connections were reset" section (teardown-spec §9): RST
 * segments per cause and origin, and who is behind each cause (the address the RSTs carried,
 * the server of their connections), in text, JSON and CSV (summary.h). Spoofed RSTs (origin
 * other) come first in both, as storage orders them: they are what a user looks for.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/array.h"
#include "report/json.h"
#include "report/summary.h"
#include "report/table.h"

/* ---- gathering -------------------------------------------------------------------------------- */

static int keep_source(void *ctx, const struct read_rst_source *s)
{
    struct rst_source_list *l = ctx;
    if (array_reserve(&l->items, &l->cap, l->n, sizeof *l->items) < 0) {
        l->failed = true;
        return -1;
    }
    struct rst_source *it = &l->items[l->n];
    *it = (struct rst_source){.rsts = s->rsts, .flows = s->flows};
    snprintf(it->cause, sizeof it->cause, "%s", s->cause);
    snprintf(it->origin, sizeof it->origin, "%s", s->origin);
    snprintf(it->sender, sizeof it->sender, "%s", s->sender);
    snprintf(it->server, sizeof it->server, "%s", s->server);
    l->n++;
    return 0;
}

int summary_gather_rst_sources(struct storage *st, int64_t run_id, int top,
                               struct rst_source_list *l)
{
    return read_rst_sources(st, run_id, top, keep_source, l);
}

void rst_source_list_free(struct rst_source_list *l)
{
    free(l->items);
    *l = (struct rst_source_list){0};
}

/* ---- text ------------------------------------------------------------------------------------- */

static enum style origin_colour(const char *origin)
{
    return strcmp(origin, "other") == 0 ? STY_RED : STY_YELLOW;
}

static int text_causes(FILE *out, const struct report_style *ts, const struct item_list *l)
{
    static const char *const hdr[] = {"cause", "origin", "RSTs", "flows", "share"};
    struct table *t = table_new(5, hdr, "llrrr");
    if (!t)
        return -1;
    for (size_t i = 0; i < l->n; i++) {
        const struct item *it = &l->items[i];
        char count[24], flows[24], share[16];
        snprintf(count, sizeof count, "%" PRId64, it->count);
        snprintf(flows, sizeof flows, "%" PRId64, it->flows);
        snprintf(share, sizeof share, "%.1f%%", it->share);
        const char *cells[5] = {it->name[0] ? it->name : "(none)",
                                it->group[0] ? it->group : "(none)", count, flows, share};
        if (table_add(t, cells, (double)it->count, origin_colour(it->group)) < 0) {
            table_free(t);
            return -1;
        }
    }
    table_print(t, out, ts, "  ");
    table_free(t);
    return 0;
}

static int text_sources(FILE *out, const struct report_style *ts,
                        const struct rst_source_list *l)
{
    static const char *const hdr[] = {"cause", "origin", "RSTs carry", "server", "RSTs",
                                      "flows"};
    struct table *t = table_new(6, hdr, "llllrr");
    if (!t)
        return -1;
    for (size_t i = 0; i < l->n; i++) {
        const struct rst_source *s = &l->items[i];
        char rsts[24], flows[24];
        snprintf(rsts, sizeof rsts, "%" PRId64, s->rsts);
        snprintf(flows, sizeof flows, "%" PRId64, s->flows);
        const char *cells[6] = {s->cause, s->origin, s->sender, s->server, rsts, flows};
        if (table_add(t, cells, -1, STY_RESET) < 0) {
            table_free(t);
            return -1;
        }
    }
    table_print(t, out, ts, "  ");
    table_free(t);
    return 0;
}

int summary_text_rsts(FILE *out, const struct report_style *ts, const struct report *r)
{
    const struct item_list *causes = &r->lists[L_RST_CAUSE];
    int64_t spoofed = 0;
    for (size_t i = 0; i < causes->n; i++)
        if (strcmp(causes->items[i].group, "other") == 0)
            spoofed += causes->items[i].count;
    fprintf(out, "\n%sWhy connections were reset (%" PRId64 " RST segments, %" PRId64
            " spoofed)%s\n", sty(ts, STY_BOLD), summary_total(causes), spoofed,
            sty(ts, STY_RESET));
    if (causes->n == 0) {
        fputs("  no RSTs in this run\n", out);
        return 0;
    }
    if (text_causes(out, ts, causes) < 0)
        return -1;
    fprintf(out, "\n%sBehind each cause: the address the RSTs carry, the server of their "
            "connections (spoofed = origin other: not sent by that host)%s\n",
            sty(ts, STY_BOLD), sty(ts, STY_RESET));
    return text_sources(out, ts, &r->sources);
}

/* ---- JSON and CSV ----------------------------------------------------------------------------- */

void summary_json_rst_sources(FILE *out, const struct rst_source_list *l)
{
    fputs(",\n  ", out);
    json_key(out, "rst_sources");
    fputs("[", out);
    for (size_t i = 0; i < l->n; i++) {
        const struct rst_source *s = &l->items[i];
        fputs(i ? ",\n    {" : "\n    {", out);
        const char *keys[4] = {"cause", "origin", "sender", "server"};
        const char *vals[4] = {s->cause, s->origin, s->sender, s->server};
        for (int k = 0; k < 4; k++) {
            json_key(out, keys[k]);
            json_string(out, vals[k][0] ? vals[k] : NULL);
            fputs(", ", out);
        }
        fprintf(out, "\"rsts\": %" PRId64 ", \"flows\": %" PRId64 "}", s->rsts, s->flows);
    }
    fputs(l->n ? "\n  ]" : "]", out);
}

/* section rst_sources: name = "sender>server", group = "cause/origin", value = RSTs, flows. */
void summary_csv_rst_sources(FILE *out, const struct rst_source_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        const struct rst_source *s = &l->items[i];
        char name[160], group[64];
        snprintf(group, sizeof group, "%s/%s", s->cause, s->origin);
        snprintf(name, sizeof name, "%s>%s", s->sender, s->server);
        fputs("rst_sources,", out);
        csv_field(out, name);
        fputc(',', out);
        csv_field(out, group);
        fprintf(out, ",%" PRId64 ",%" PRId64 ",\r\n", s->rsts, s->flows);
    }
}
