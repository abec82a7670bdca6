/*
 * show.c — `finscope show DB FLOW-ID [--absolute]`: one flow's life as a ladder diagram.
 *
 *                                10.0.0.1:40000                       10.0.0.2:80
 *        time  packet              CLOSED |                               | LISTEN
 *   +0.000000       1            SYN_SENT |-------- SYN seq=0 len=0 ----->|
 *   +0.010000       2                     |<-- SYN,ACK seq=0 ack=1 len=0 -| SYN_RECEIVED
 *   ...
 *                                         ! rst_seq_inexact: expected seq=1001, observed ...
 *
 * Two endpoint columns; one arrow per stored teardown event (storage/read.h), labelled with
 * its flags, seq, ack (when ACK is set) and len. Sequence numbers are relative to each side's
 * ISN (the seq of its SYN event or, when its SYN was not seen, of its first event) unless
 * --absolute. An endpoint's state is written beside the arrow when it changed; a second row
 * for the same packet (one segment moving an endpoint twice) has no arrow. Anomalies are
 * marked under the arrow of the packet that raised them, with expected vs observed (as
 * stored: absolute numbers). A segment the capture missed but later packets prove
 * (teardown_events.inferred) is drawn with dots and labelled "inferred", its packet number
 * (the packet that proved it) in parentheses. Above the ladder: the verdict and the flow's
 * other facts, with the capture loss seen in it.
 */
#include "cli/array.h"
#include "cli/read_commands.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/table.h"

static const char HELP[] =
"Usage: finscope show DB FLOW-ID [--absolute]\n"
"\n"
"Draw one flow of the result file DB as a ladder diagram, the way TCP textbooks draw a\n"
"connection: the originator on the left, the responder on the right, one arrow per segment\n"
"that shaped the teardown (SYN, FIN or RST, a state change, or an anomaly), labelled with\n"
"its flags, seq, ack and payload length. Each endpoint's inferred RFC 9293 state is written\n"
"beside the arrow that changed it (CLOSED, SYN_SENT, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2,\n"
"CLOSING, TIME_WAIT, CLOSE_WAIT, LAST_ACK, ...). A segment that raised an anomaly has a\n"
"line marked ! under its arrow with what was expected and what was observed. A segment the\n"
"capture missed but later packets prove was sent is drawn with dots and labelled inferred,\n"
"with the number of the packet that proved it in parentheses. Above the\n"
"ladder: the verdict (teardown class, closer, final states), Zeek's conn_state and history,\n"
"the application protocol, times and volumes.\n"
"\n"
"FLOW-ID is flows.id, e.g. from `finscope export DB --format csv` or\n"
"  sqlite3 DB \"SELECT id, teardown, orig_addr, resp_addr FROM flows WHERE anomalies > 0\"\n"
"\n"
"Options:\n"
"  --absolute     print sequence and acknowledgment numbers as captured; by default they\n"
"                 are relative to each side's initial sequence number (its SYN's seq, or\n"
"                 its first segment's when the SYN was not seen), so a handshake reads\n"
"                 seq=0, ack=1. Anomaly values (expected/observed) are always absolute.\n"
"  -h, --help     show this text\n"
"\n"
"Exit status: 0 ok; 1 DB missing, not a finscope result file, or no such flow;\n"
"2 usage error.\n"
"\n"
"Example:\n"
"  finscope show audit.db 17\n"
"  finscope show audit.db 17 --absolute\n";

enum { OPT_ABSOLUTE = 256 };

static const struct option LONG_OPTIONS[] = {
    {"absolute", no_argument, NULL, OPT_ABSOLUTE},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct show_args {
    const char *db;
    int64_t flow_id;
    bool absolute;
};

/* 0: run; 1: help shown; 2: usage error. */
static int parse_args(int argc, char **argv, struct show_args *a)
{
    *a = (struct show_args){0};
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", LONG_OPTIONS, NULL)) != -1) {
        if (c == OPT_ABSOLUTE) {
            a->absolute = true;
        } else if (c == 'h') {
            fputs(HELP, stdout);
            return 1;
        } else {
            return read_cmd_usage("show", "unknown option ", argv[optind - 1]);
        }
    }
    if (argc - optind < 2)
        return read_cmd_usage("show", argc - optind == 0 ? "no result file DB given"
                                                         : "no FLOW-ID given", NULL);
    if (argc - optind > 2)
        return read_cmd_usage("show", "unexpected argument ", argv[optind + 2]);
    a->db = argv[optind];
    if (!read_cmd_parse_id(argv[optind + 1], &a->flow_id))
        return read_cmd_usage("show", "FLOW-ID must be a flow number (1, 2, ...), not ",
                              argv[optind + 1]);
    return 0;
}

/* ---- the flow's records ------------------------------------------------------------------- */

struct flow_view {
    struct read_flow flow;
    struct read_event *ev;
    size_t nev, evcap;
    struct read_anomaly *an;
    size_t nan, ancap;
    bool *an_shown;               /* per anomaly: marked on an arrow */
    bool absolute;
    bool isn_known[2];            /* [0] originator, [1] responder */
    uint32_t isn[2];
};

static int keep_event(void *ctx, const struct read_event *e)
{
    struct flow_view *v = ctx;
    if (array_reserve(&v->ev, &v->evcap, v->nev, sizeof *v->ev) < 0)
        return -1;
    v->ev[v->nev++] = *e;
    return 0;
}

static int keep_anomaly(void *ctx, const struct read_anomaly *a)
{
    struct flow_view *v = ctx;
    if (array_reserve(&v->an, &v->ancap, v->nan, sizeof *v->an) < 0)
        return -1;
    v->an[v->nan++] = *a;
    return 0;
}

static void free_view(struct flow_view *v)
{
    free(v->ev);
    free(v->an);
    free(v->an_shown);
}

static int side_of(const char *direction)
{
    return strcmp(direction, "resp") == 0;
}

/* Each side's ISN: the seq of its SYN event, else of its first event. */
static void find_isns(struct flow_view *v)
{
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < v->nev; i++) {
            int side = side_of(v->ev[i].direction);
            if (v->isn_known[side] || (pass == 0 && !strchr(v->ev[i].flags, 'S')))
                continue;
            v->isn[side] = (uint32_t)v->ev[i].seq;
            v->isn_known[side] = true;
        }
    }
}

/* ---- header ------------------------------------------------------------------------------- */

static const char *text_or(const struct read_flow *f, enum read_flow_column c, const char *dflt)
{
    const char *t = rf_text(f, c);
    return t && *t ? t : dflt;
}

/* "addr:port", IPv6 in brackets. */
static const char *endpoint(const struct read_flow *f, bool resp, char *buf, size_t len)
{
    const char *addr = text_or(f, resp ? RF_resp_addr : RF_orig_addr, "?");
    int64_t port = rf_int(f, resp ? RF_resp_port : RF_orig_port);
    if (strchr(addr, ':'))
        snprintf(buf, len, "[%s]:%" PRId64, addr, port);
    else
        snprintf(buf, len, "%s:%" PRId64, addr, port);
    return buf;
}

static void print_identity(FILE *out, const struct term_style *ts, const struct read_flow *f,
                           const char *db)
{
    char a[80], b[80];
    fprintf(out, "%sflow %" PRId64 " (run %" PRId64 ") in %s: %s %s -> %s%s", sty(ts, STY_BOLD),
            rf_int(f, RF_id), rf_int(f, RF_run_id), db, text_or(f, RF_proto, "?"),
            endpoint(f, false, a, sizeof a), endpoint(f, true, b, sizeof b),
            sty(ts, STY_RESET));
    if (rf_int(f, RF_vlan) != 0)
        fprintf(out, " vlan %" PRId64, rf_int(f, RF_vlan));
    fputc('\n', out);
}

static void print_verdict(FILE *out, const struct term_style *ts, const struct read_flow *f)
{
    const char *teardown = text_or(f, RF_teardown, "-");
    bool good = strcmp(teardown, "graceful") == 0;
    fprintf(out, "  teardown   %s%s%s, closer %s", sty(ts, good ? STY_GREEN : STY_YELLOW),
            teardown, sty(ts, STY_RESET), text_or(f, RF_closer, "-"));
    if (!rf_null(f, RF_reason))
        fprintf(out, ", reason %s", rf_text(f, RF_reason));
    fprintf(out, "\n  final      originator %s, responder %s\n", text_or(f, RF_orig_state, "-"),
            text_or(f, RF_resp_state, "-"));
}

static void print_times(FILE *out, const struct read_flow *f)
{
    char t[40];
    fprintf(out, "  time       %s UTC, duration %.6f s", fmt_utc(rf_real(f, RF_first_ts), true,
            t, sizeof t), rf_real(f, RF_duration));
    if (!rf_null(f, RF_close_duration))
        fprintf(out, "; close took %.6f s (first FIN/RST to both closed)",
                rf_real(f, RF_close_duration));
    fprintf(out, "; ended by %s\n", text_or(f, RF_ended_by, "-"));
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
    fprintf(out, "  zeek       conn_state %s, history %s\n", text_or(f, RF_conn_state, "-"),
            text_or(f, RF_history, "-"));
    fprintf(out, "  app        %s", text_or(f, RF_app_proto, "- (DPI off)"));
    if (!rf_null(f, RF_app_category))
        fprintf(out, " (%s)", rf_text(f, RF_app_category));
    if (!rf_null(f, RF_server_name))
        fprintf(out, ", server %s", rf_text(f, RF_server_name));
    fputc('\n', out);
}

static void print_numbering(FILE *out, const struct flow_view *v)
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
static void print_loss(FILE *out, const struct flow_view *v)
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

static void print_header(FILE *out, const struct term_style *ts, const struct flow_view *v,
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

/* "SYN,ACK", "FIN,PSH,ACK", "RST", ... from the stored letters. */
static void flag_words(const char *letters, char *buf, size_t len)
{
    static const char *const names[128] = {
        ['S'] = "SYN", ['F'] = "FIN", ['R'] = "RST", ['P'] = "PSH", ['A'] = "ACK",
        ['U'] = "URG", ['E'] = "ECE", ['C'] = "CWR",
    };
    size_t used = 0;
    buf[0] = '\0';
    for (const char *p = letters; *p && used < len; p++) {
        const char *name = (unsigned char)*p < 128 ? names[(unsigned char)*p] : NULL;
        if (!name)
            continue;
        used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? "," : "", name);
    }
    if (!buf[0])
        snprintf(buf, len, "no flags");
}

/* A number as shown: relative to `side`'s ISN when known and wanted. */
static uint32_t shown(const struct flow_view *v, int64_t value, int side)
{
    uint32_t n = (uint32_t)value;
    if (!v->absolute && v->isn_known[side])
        n -= v->isn[side];
    return n;
}

static void arrow_label(const struct flow_view *v, const struct read_event *e, char *buf,
                        size_t len)
{
    char flags[48];
    int side = side_of(e->direction);
    flag_words(e->flags, flags, sizeof flags);
    int n = snprintf(buf, len, "%s%s seq=%" PRIu32, e->inferred ? "inferred " : "", flags,
                     shown(v, e->seq, side));
    if (n > 0 && (size_t)n < len && strchr(e->flags, 'A'))
        n += snprintf(buf + n, len - (size_t)n, " ack=%" PRIu32, shown(v, e->ack, !side));
    if (n > 0 && (size_t)n < len)
        snprintf(buf + n, len - (size_t)n, " len=%" PRId64, e->len);
}

static int arrow_width(const struct flow_view *v)
{
    int width = 30;
    char label[128];
    for (size_t i = 0; i < v->nev; i++) {
        arrow_label(v, &v->ev[i], label, sizeof label);
        int w = (int)strlen(label) + 10;
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
 * segment (not captured) is drawn with dots: |.... inferred FIN ....>|. */
static void print_arrow(FILE *out, const struct term_style *ts, const char *label, bool right,
                        int width, enum style colour, bool inferred)
{
    int inner = width - 2 - (int)strlen(label) - 1;      /* 2 spaces, 1 head */
    int before = inner / 2, after = inner - before;
    char dash = inferred ? '.' : '-';
    fprintf(out, "|%s", sty(ts, inferred ? STY_DIM : colour));
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

static void print_endpoints(FILE *out, const struct term_style *ts, const struct flow_view *v,
                            int width)
{
    char a[80], b[80];
    endpoint(&v->flow, false, a, sizeof a);
    endpoint(&v->flow, true, b, sizeof b);
    fputc('\n', out);
    fputs(sty(ts, STY_BOLD), out);
    print_padded(out, a, LEFT_W + 1, true);
    fprintf(out, "%*s%s%s\n", width, "", b, sty(ts, STY_RESET));
    print_padded(out, "(originator)", LEFT_W + 1, true);
    fprintf(out, "%*s%s\n", width, "", "(responder)");
}

/* The states before the first event (docs/teardown.md §3: initial states). */
static void initial_states(const struct flow_view *v, const char **orig, const char **resp)
{
    *orig = "CLOSED";
    *resp = "LISTEN";
    if (!rf_int(&v->flow, RF_midstream))
        return;
    const struct read_event *first = v->nev ? &v->ev[0] : NULL;
    bool synack_first = first && side_of(first->direction) == 1 && strchr(first->flags, 'S') &&
                        strchr(first->flags, 'A');
    if (synack_first) {
        *orig = "SYN_SENT";
        return;
    }
    *orig = *resp = "ESTABLISHED";
}

static void print_anomaly_mark(FILE *out, const struct term_style *ts,
                               const struct read_anomaly *a, bool with_packet)
{
    fprintf(out, "%*s%s! %s", LEFT_W, "", sty(ts, STY_RED), a->kind);
    if (with_packet)
        fprintf(out, " (packet %" PRId64 ", from the %s)", a->packet,
                side_of(a->direction) ? "responder" : "originator");
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
static void print_event_anomalies(FILE *out, const struct term_style *ts, struct flow_view *v,
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

struct ladder_state {
    const char *orig, *resp;      /* states as last written */
    int width;
};

static void print_event(FILE *out, const struct term_style *ts, struct flow_view *v,
                        size_t i, struct ladder_state *ls)
{
    const struct read_event *e = &v->ev[i];
    bool again = i > 0 && v->ev[i - 1].packet == e->packet &&
                 v->ev[i - 1].inferred == e->inferred &&
                 strcmp(v->ev[i - 1].direction, e->direction) == 0;
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
        arrow_label(v, e, label, sizeof label);
        print_arrow(out, ts, label, side_of(e->direction) == 0, ls->width,
                    arrow_colour(e->flags), e->inferred);
    }
    if (resp_changed)
        fprintf(out, " %s%s%s", sty(ts, STY_CYAN), e->resp_state, sty(ts, STY_RESET));
    fputc('\n', out);
    ls->orig = e->orig_state;
    ls->resp = e->resp_state;
    print_event_anomalies(out, ts, v, e);
}

static void print_leftover_anomalies(FILE *out, const struct term_style *ts,
                                     const struct flow_view *v)
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

static void print_ladder(FILE *out, const struct term_style *ts, struct flow_view *v)
{
    struct ladder_state ls = {.width = arrow_width(v)};
    initial_states(v, &ls.orig, &ls.resp);
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
    print_leftover_anomalies(out, ts, v);
}

/* ---- the command -------------------------------------------------------------------------- */

static int load(struct storage *st, int64_t flow_id, struct flow_view *v)
{
    if (read_flow(st, flow_id, &v->flow) < 0 ||
        read_flow_events(st, flow_id, keep_event, v) < 0 ||
        read_flow_anomalies(st, flow_id, keep_anomaly, v) < 0)
        return read_cmd_fail("show", st);
    v->an_shown = calloc(v->nan ? v->nan : 1, sizeof *v->an_shown);
    if (!v->an_shown) {
        fprintf(stderr, "finscope show: out of memory\n");
        return 1;
    }
    find_isns(v);
    return 0;
}

static int show(const struct show_args *a, struct flow_view *v)
{
    struct term_style ts;
    term_style_detect(stdout, &ts);
    print_header(stdout, &ts, v, a->db);
    const char *proto = rf_text(&v->flow, RF_proto);
    if (proto && strcmp(proto, "tcp") == 0)
        print_ladder(stdout, &ts, v);
    else
        printf("  (not a TCP flow: no teardown to draw)\n");
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "finscope show: cannot write: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}

int cmd_show(int argc, char **argv)
{
    struct show_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    struct storage *st = read_cmd_open("show", a.db);
    if (!st)
        return 1;
    struct flow_view v = {.absolute = a.absolute};
    rc = load(st, a.flow_id, &v);
    storage_close(st);
    if (rc == 0)
        rc = show(&a, &v);
    free_view(&v);
    return rc;
}
