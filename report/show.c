/*
 * show.c — `finscope show DB FLOW-ID`: one flow's life as a ladder diagram (report_show).
 *
 *                                10.0.0.1:40000                       10.0.0.2:80
 *        time  packet              CLOSED |                               | LISTEN
 *   +0.000000       1            SYN_SENT |-------- SYN seq=0 len=0 ----->|
 *   +0.010000       2                     |<-- SYN,ACK seq=0 ack=1 len=0 -| SYN_RECEIVED
 *   ...
 *                                         ! rst_seq_inexact: expected seq=1001, observed ...
 *
 * Two endpoint columns; one arrow per stored teardown event (storage/read.h), labelled with
 * its flags, seq, ack (when ACK is set) and len; dotted when the segment was inferred, not
 * captured. Sequence numbers are relative to each side's
 * ISN (the seq of its SYN event or, when its SYN was not seen, of its first event) unless
 * --absolute. An endpoint's state is written beside the arrow when it changed; a second row
 * for the same packet (one segment moving an endpoint twice) has no arrow. Anomalies are
 * marked under the arrow of the packet that raised them, with expected vs observed (as
 * stored: absolute numbers); each RST's arrow gets a line marked ~ with why it was sent, by
 * whom, and the evidence (table rsts). Above the ladder: the verdict and the flow's other
 * facts.
 */
#include "report/report.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/html.h"
#include "report/ladder.h"
#include "report/table.h"

/* ---- header ------------------------------------------------------------------------------- */

static void print_identity(FILE *out, const struct report_style *ts, const struct read_flow *f,
                           const char *db)
{
    char a[80], b[80];
    fprintf(out, "%sflow %" PRId64 " (run %" PRId64 ") in %s: %s %s -> %s%s", sty(ts, STY_BOLD),
            rf_int(f, RF_id), rf_int(f, RF_run_id), db, ladder_text_or(f, RF_proto, "?"),
            ladder_endpoint(f, false, a, sizeof a), ladder_endpoint(f, true, b, sizeof b),
            sty(ts, STY_RESET));
    if (rf_int(f, RF_vlan) != 0)
        fprintf(out, " vlan %" PRId64, rf_int(f, RF_vlan));
    fputc('\n', out);
    if (!rf_null(f, RF_tunnel))
        fprintf(out, "  tunnel     %s\n", rf_text(f, RF_tunnel));
}

static void print_verdict(FILE *out, const struct report_style *ts, const struct read_flow *f)
{
    const char *teardown = ladder_text_or(f, RF_teardown, "-");
    bool good = strcmp(teardown, "graceful") == 0;
    fprintf(out, "  teardown   %s%s%s, closer %s", sty(ts, good ? STY_GREEN : STY_YELLOW),
            teardown, sty(ts, STY_RESET), ladder_text_or(f, RF_closer, "-"));
    if (!rf_null(f, RF_reason))
        fprintf(out, ", reason %s", rf_text(f, RF_reason));
    fprintf(out, "\n  final      originator %s, responder %s\n",
            ladder_text_or(f, RF_orig_state, "-"), ladder_text_or(f, RF_resp_state, "-"));
    if (!rf_null(f, RF_rst_cause))
        fprintf(out, "  reset      by a RST of cause %s, origin %s (marked ~ below)\n",
                rf_text(f, RF_rst_cause), ladder_text_or(f, RF_rst_origin, "-"));
}

static void print_times(FILE *out, const struct read_flow *f)
{
    char t[40];
    fprintf(out, "  time       %s UTC, duration %.6f s", fmt_utc(rf_real(f, RF_first_ts), true,
            t, sizeof t), rf_real(f, RF_duration));
    if (!rf_null(f, RF_close_duration))
        fprintf(out, "; close took %.6f s (first FIN/RST to both closed)",
                rf_real(f, RF_close_duration));
    fprintf(out, "; ended by %s\n", ladder_text_or(f, RF_ended_by, "-"));
}

static void print_counts(FILE *out, const struct read_flow *f)
{
    fprintf(out, "  volume     originator %" PRId64 " pkts %" PRId64 " bytes, responder %" PRId64
            " pkts %" PRId64 " bytes\n", rf_int(f, RF_orig_pkts), rf_int(f, RF_orig_bytes),
            rf_int(f, RF_resp_pkts), rf_int(f, RF_resp_bytes));
    if (rf_null(f, RF_orig_fins))
        return;
    fprintf(out, "  segments   FIN %" PRId64 "/%" PRId64 ", RST %" PRId64 "/%" PRId64
            ", retransmitted %" PRId64 "/%" PRId64 ", out of order %" PRId64 "/%" PRId64
            ", zero window %" PRId64 "/%" PRId64 " (originator/responder)\n",
            rf_int(f, RF_orig_fins), rf_int(f, RF_resp_fins), rf_int(f, RF_orig_rsts),
            rf_int(f, RF_resp_rsts), rf_int(f, RF_orig_retrans), rf_int(f, RF_resp_retrans),
            rf_int(f, RF_orig_ooo), rf_int(f, RF_resp_ooo), rf_int(f, RF_orig_zero_win),
            rf_int(f, RF_resp_zero_win));
}

static void print_labels(FILE *out, const struct read_flow *f)
{
    fprintf(out, "  zeek       conn_state %s, history %s\n",
            ladder_text_or(f, RF_conn_state, "-"), ladder_text_or(f, RF_history, "-"));
    fprintf(out, "  app        %s", ladder_text_or(f, RF_app_proto, "- (DPI off)"));
    if (!rf_null(f, RF_app_category))
        fprintf(out, " (%s)", rf_text(f, RF_app_category));
    if (!rf_null(f, RF_server_name))
        fprintf(out, ", server %s", rf_text(f, RF_server_name));
    fputc('\n', out);
}

static void print_numbering(FILE *out, const struct ladder *v)
{
    if (rf_int(&v->flow, RF_midstream))
        fputs("  midstream  the flow's start was not seen: the sides were inferred\n", out);
    fprintf(out, "  anomalies  %" PRId64 "\n", rf_int(&v->flow, RF_anomalies));
    if (v->absolute) {
        fputs("  numbers    absolute, as captured\n", out);
        return;
    }
    fputs("  numbers    relative to each side's ISN (originator ", out);
    if (v->isn_known[0])
        fprintf(out, "%" PRIu32, v->isn[0]);
    else
        fputs("unknown", out);
    fputs(", responder ", out);
    if (v->isn_known[1])
        fprintf(out, "%" PRIu32, v->isn[1]);
    else
        fputs("unknown", out);
    fputs("); --absolute shows them as captured\n", out);
}

/* Capture loss in this flow: gaps, and the segments inferred rather than captured. */
static void print_loss(FILE *out, const struct ladder *v)
{
    size_t inferred = 0;
    for (size_t i = 0; i < v->nev; i++)
        inferred += v->ev[i].inferred;
    if (rf_int(&v->flow, RF_gaps) > 0)
        fprintf(out, "  loss       %" PRId64 " gap(s): %" PRId64 " bytes acknowledged but not "
                "captured\n", rf_int(&v->flow, RF_gaps), rf_int(&v->flow, RF_gap_bytes));
    if (inferred > 0)
        fprintf(out, "  inferred   %zu segment(s) the capture missed, drawn with dots: later "
                "packets prove\n             they were sent (packet = the one that proved it)\n",
                inferred);
}

static void print_header(FILE *out, const struct report_style *ts, const struct ladder *v,
                         const char *db)
{
    const struct read_flow *f = &v->flow;
    print_identity(out, ts, f, db);
    if (!rf_null(f, RF_teardown))
        print_verdict(out, ts, f);
    print_times(out, f);
    print_counts(out, f);
    print_labels(out, f);
    print_numbering(out, v);
    print_loss(out, v);
}

/* ---- the ladder --------------------------------------------------------------------------- */

#define TIME_W 11
#define PKT_W 7
#define STATE_W 12
/* Columns before the left bar: time, packet, state, separated by spaces. */
#define LEFT_W (TIME_W + 2 + PKT_W + 2 + STATE_W + 1)

static int arrow_width(const struct ladder *v)
{
    int width = 30;
    char label[128];
    for (size_t i = 0; i < v->nev; i++) {
        ladder_label(v, &v->ev[i], label, sizeof label);
        int w = (int)strlen(label) + 10 + (v->ev[i].inferred ? 9 : 0);   /* "inferred " */
        if (w > width)
            width = w;
    }
    return width;
}

static enum style arrow_colour(const char *flags)
{
    if (strchr(flags, 'R'))
        return STY_RED;
    if (strchr(flags, 'F'))
        return STY_YELLOW;
    if (strchr(flags, 'S'))
        return STY_GREEN;
    return STY_RESET;
}

static void print_dashes(FILE *out, int n, char dash)
{
    for (int i = 0; i < n; i++)
        fputc(dash, out);
}

/* |---- label ---->|  or  |<--- label -----|, `width` columns between the bars; an inferred
 * segment (not captured) is drawn with dots: |.... label ....>|. */
static void print_arrow(FILE *out, const struct report_style *ts, const char *label, bool right,
                        int width, enum style colour, char dash)
{
    int inner = width - 2 - (int)strlen(label) - 1;      /* 2 spaces, 1 head */
    int before = inner / 2, after = inner - before;
    fprintf(out, "|%s", sty(ts, colour));
    if (!right)
        fputc('<', out);
    print_dashes(out, before, dash);
    fprintf(out, " %s ", label);
    print_dashes(out, after, dash);
    if (right)
        fputc('>', out);
    fprintf(out, "%s|", sty(ts, STY_RESET));
}

/* The columns left of the left bar: time, packet, the originator's state (or blanks). */
static void print_left(FILE *out, const char *time, const char *pkt, const char *state)
{
    print_padded(out, time, TIME_W, true);
    fputs("  ", out);
    print_padded(out, pkt, PKT_W, true);
    fputs("  ", out);
    print_padded(out, state, STATE_W, true);
    fputc(' ', out);
}

static void print_endpoints(FILE *out, const struct report_style *ts, const struct ladder *v,
                            int width)
{
    char a[80], b[80];
    ladder_endpoint(&v->flow, false, a, sizeof a);
    ladder_endpoint(&v->flow, true, b, sizeof b);
    fputc('\n', out);
    fputs(sty(ts, STY_BOLD), out);
    print_padded(out, a, LEFT_W + 1, true);
    fprintf(out, "%*s%s%s\n", width, "", b, sty(ts, STY_RESET));
    print_padded(out, "(originator)", LEFT_W + 1, true);
    fprintf(out, "%*s%s\n", width, "", "(responder)");
}

static void print_anomaly_mark(FILE *out, const struct report_style *ts,
                               const struct read_anomaly *a, bool with_packet)
{
    fprintf(out, "%*s%s! %s", LEFT_W, "", sty(ts, STY_RED), a->kind);
    if (with_packet)
        fprintf(out, " (packet %" PRId64 ", from the %s)", a->packet,
                ladder_side(a->direction) ? "responder" : "originator");
    const char *sep = ": ";
    if (a->expected[0]) {
        fprintf(out, "%sexpected %s", sep, a->expected);
        sep = ", ";
    }
    if (a->observed[0]) {
        fprintf(out, "%sobserved %s", sep, a->observed);
        sep = ", ";
    }
    if (a->challenge_ack)
        fprintf(out, "%schallenge ACK followed", sep);
    fputs(sty(ts, STY_RESET), out);
    if (a->detail[0])
        fprintf(out, "\n%*s  %s(%s)%s", LEFT_W, "", sty(ts, STY_DIM), a->detail,
                sty(ts, STY_RESET));
    fputc('\n', out);
}

/* Marks, under an arrow, the anomalies raised by its packet (by the same side). */
static void print_event_anomalies(FILE *out, const struct report_style *ts, struct ladder *v,
                                  const struct read_event *e)
{
    for (size_t i = 0; i < v->nan; i++) {
        const struct read_anomaly *a = &v->an[i];
        if (v->an_shown[i] || a->packet != e->packet || strcmp(a->direction, e->direction))
            continue;
        print_anomaly_mark(out, ts, a, false);
        v->an_shown[i] = true;
    }
}

/* A RST's line: ~ cause, origin, how it was taken, and the evidence; spoofed ones in red. */
static void print_rst_mark(FILE *out, const struct report_style *ts, const struct read_rst *r,
                           bool with_packet)
{
    bool spoofed = strcmp(r->origin, "other") == 0;
    fprintf(out, "%*s%s~ reset: %s, origin %s", LEFT_W, "", sty(ts, spoofed ? STY_RED : STY_YELLOW),
            r->cause[0] ? r->cause : "?", r->origin[0] ? r->origin : "?");
    if (with_packet)
        fprintf(out, " (packet %" PRId64 ", from the %s)", r->packet,
                ladder_side(r->direction) ? "responder" : "originator");
    fprintf(out, "; seq %s", r->acceptable[0] ? r->acceptable : "not judged");
    if (r->silence >= 0)
        fprintf(out, "; after %.1f s of silence", r->silence);
    fprintf(out, "; ttl %d", r->ttl);
    if (r->ip_id >= 0)
        fprintf(out, ", ip id 0x%04" PRIx64, r->ip_id);
    fputs(sty(ts, STY_RESET), out);
    if (r->evidence[0])
        fprintf(out, "\n%*s  %s(%s)%s", LEFT_W, "", sty(ts, STY_DIM), r->evidence,
                sty(ts, STY_RESET));
    fputc('\n', out);
}

/* Marks, under an arrow, the RST it is (why, by whom). */
static void print_event_rsts(FILE *out, const struct report_style *ts, struct ladder *v,
                             const struct read_event *e)
{
    for (size_t i = 0; i < v->nrst; i++) {
        const struct read_rst *r = &v->rst[i];
        if (v->rst_shown[i] || r->packet != e->packet || strcmp(r->direction, e->direction))
            continue;
        print_rst_mark(out, ts, r, false);
        v->rst_shown[i] = true;
    }
}

struct ladder_state {
    const char *orig, *resp;      /* states as last written */
    int width;
};

static void print_event(FILE *out, const struct report_style *ts, struct ladder *v,
                        size_t i, struct ladder_state *ls)
{
    const struct read_event *e = &v->ev[i];
    bool again = ladder_again(v, i);
    char time[32], pkt[24], label[128];
    snprintf(time, sizeof time, "+%.6f", e->ts - rf_real(&v->flow, RF_first_ts));
    snprintf(pkt, sizeof pkt, e->inferred ? "(%" PRId64 ")" : "%" PRId64, e->packet);
    bool orig_changed = strcmp(e->orig_state, ls->orig) != 0;
    bool resp_changed = strcmp(e->resp_state, ls->resp) != 0;
    fputs(sty(ts, STY_CYAN), out);
    print_left(out, again ? "" : time, again ? "" : pkt, orig_changed ? e->orig_state : "");
    fputs(sty(ts, STY_RESET), out);
    if (again) {
        fprintf(out, "|%*s|", ls->width, "");
    } else {
        int n = e->inferred ? snprintf(label, sizeof label, "inferred ") : 0;
        ladder_label(v, e, label + n, sizeof label - (size_t)n);
        print_arrow(out, ts, label, ladder_side(e->direction) == 0, ls->width,
                    arrow_colour(e->flags), e->inferred ? '.' : '-');
    }
    if (resp_changed)
        fprintf(out, " %s%s%s", sty(ts, STY_CYAN), e->resp_state, sty(ts, STY_RESET));
    fputc('\n', out);
    ls->orig = e->orig_state;
    ls->resp = e->resp_state;
    print_event_anomalies(out, ts, v, e);
    if (!again)
        print_event_rsts(out, ts, v, e);
}

static void print_leftover_rsts(FILE *out, const struct report_style *ts,
                                const struct ladder *v)
{
    bool any = false;
    for (size_t i = 0; i < v->nrst; i++) {
        if (v->rst_shown[i])
            continue;
        if (!any)
            fprintf(out, "\n%*sRSTs not in the ladder:\n", LEFT_W, "");
        any = true;
        print_rst_mark(out, ts, &v->rst[i], true);
    }
}

static void print_leftover_anomalies(FILE *out, const struct report_style *ts,
                                     const struct ladder *v)
{
    bool any = false;
    for (size_t i = 0; i < v->nan; i++) {
        if (v->an_shown[i])
            continue;
        if (!any)
            fprintf(out, "\n%*sAnomalies on segments not in the ladder:\n", LEFT_W, "");
        any = true;
        print_anomaly_mark(out, ts, &v->an[i], true);
    }
}

static void print_ladder(FILE *out, const struct report_style *ts, struct ladder *v)
{
    struct ladder_state ls = {.width = arrow_width(v)};
    ladder_initial_states(v, &ls.orig, &ls.resp);
    print_endpoints(out, ts, v, ls.width);
    print_left(out, "time", "packet", ls.orig);
    fprintf(out, "|%*s| %s\n", ls.width, "", ls.resp);
    for (size_t i = 0; i < v->nev; i++)
        print_event(out, ts, v, i, &ls);
    if (v->nev == 0)
        fprintf(out, "%*s(no teardown events stored for this flow)\n", LEFT_W, "");
    int64_t dropped = rf_int(&v->flow, RF_events_dropped);
    if (dropped > 0)
        fprintf(out, "%*s... %" PRId64 " later events not stored (per-flow limit)\n", LEFT_W, "",
                dropped);
    print_leftover_rsts(out, ts, v);
    print_leftover_anomalies(out, ts, v);
}

/* ---- the command -------------------------------------------------------------------------- */

static void show(FILE *out, const struct show_options *o, struct ladder *v)
{
    const struct report_style *ts = &o->style;
    print_header(out, ts, v, o->db);
    const char *proto = rf_text(&v->flow, RF_proto);
    if (proto && strcmp(proto, "tcp") == 0)
        print_ladder(out, ts, v);
    else
        fputs("  (not a TCP flow: no teardown to draw)\n", out);
}

int report_show(struct storage *st, const struct show_options *o, FILE *out, char *err,
                size_t errlen)
{
    struct ladder v;
    int rc = ladder_load(st, o->flow_id, o->absolute, &v, err, errlen);
    if (rc == 0 && o->format == SHOW_SVG)
        ladder_svg(out, &v, true);
    else if (rc == 0)
        show(out, o, &v);
    ladder_free(&v);
    return rc;
}
