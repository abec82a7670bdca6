/*
 * ladder.c — a flow's ladder: its records and the labels both drawings share (ladder.h).
 */
#include "report/ladder.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/array.h"
#include "report/errmsg.h"

static int keep_event(void *ctx, const struct read_event *e)
{
    struct ladder *v = ctx;
    if (array_reserve(&v->ev, &v->evcap, v->nev, sizeof *v->ev) < 0)
        return -1;
    v->ev[v->nev++] = *e;
    return 0;
}

static int keep_anomaly(void *ctx, const struct read_anomaly *a)
{
    struct ladder *v = ctx;
    if (array_reserve(&v->an, &v->ancap, v->nan, sizeof *v->an) < 0)
        return -1;
    v->an[v->nan++] = *a;
    return 0;
}

static int keep_rst(void *ctx, const struct read_rst *r)
{
    struct ladder *v = ctx;
    if (array_reserve(&v->rst, &v->rstcap, v->nrst, sizeof *v->rst) < 0)
        return -1;
    v->rst[v->nrst++] = *r;
    return 0;
}

void ladder_free(struct ladder *v)
{
    free(v->ev);
    free(v->an);
    free(v->an_shown);
    free(v->rst);
    free(v->rst_shown);
    v->ev = NULL;
    v->an = NULL;
    v->an_shown = NULL;
    v->rst = NULL;
    v->rst_shown = NULL;
}

int ladder_side(const char *direction)
{
    return strcmp(direction, "resp") == 0;
}

/* Each side's ISN: the seq of its SYN event, else of its first event. */
static void find_isns(struct ladder *v)
{
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < v->nev; i++) {
            int side = ladder_side(v->ev[i].direction);
            if (v->isn_known[side] || (pass == 0 && !strchr(v->ev[i].flags, 'S')))
                continue;
            v->isn[side] = (uint32_t)v->ev[i].seq;
            v->isn_known[side] = true;
        }
    }
}

int ladder_load(struct storage *st, int64_t flow_id, bool absolute, struct ladder *v,
                char *err, size_t errlen)
{
    *v = (struct ladder){.absolute = absolute};
    if (read_flow(st, flow_id, &v->flow) < 0 ||
        read_flow_events(st, flow_id, keep_event, v) < 0 ||
        read_flow_anomalies(st, flow_id, keep_anomaly, v) < 0 ||
        read_flow_rsts(st, flow_id, keep_rst, v) < 0)
        return report_storage_fail(st, err, errlen);
    v->an_shown = calloc(v->nan ? v->nan : 1, sizeof *v->an_shown);
    v->rst_shown = calloc(v->nrst ? v->nrst : 1, sizeof *v->rst_shown);
    if (!v->an_shown || !v->rst_shown)
        return report_oom(err, errlen);
    find_isns(v);
    return 0;
}

const char *ladder_text_or(const struct read_flow *f, enum read_flow_column c, const char *dflt)
{
    const char *t = rf_text(f, c);
    return t && *t ? t : dflt;
}

const char *ladder_endpoint(const struct read_flow *f, bool resp, char *buf, size_t len)
{
    const char *addr = ladder_text_or(f, resp ? RF_resp_addr : RF_orig_addr, "?");
    int64_t port = rf_int(f, resp ? RF_resp_port : RF_orig_port);
    if (strchr(addr, ':'))
        snprintf(buf, len, "[%s]:%" PRId64, addr, port);
    else
        snprintf(buf, len, "%s:%" PRId64, addr, port);
    return buf;
}

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
static uint32_t shown(const struct ladder *v, int64_t value, int side)
{
    uint32_t n = (uint32_t)value;
    if (!v->absolute && v->isn_known[side])
        n -= v->isn[side];
    return n;
}

void ladder_label(const struct ladder *v, const struct read_event *e, char *buf, size_t len)
{
    char flags[48];
    int side = ladder_side(e->direction);
    flag_words(e->flags, flags, sizeof flags);
    int n = snprintf(buf, len, "%s seq=%" PRIu32, flags, shown(v, e->seq, side));
    if (n > 0 && (size_t)n < len && strchr(e->flags, 'A'))
        n += snprintf(buf + n, len - (size_t)n, " ack=%" PRIu32, shown(v, e->ack, !side));
    if (n > 0 && (size_t)n < len)
        snprintf(buf + n, len - (size_t)n, " len=%" PRId64, e->len);
}

void ladder_initial_states(const struct ladder *v, const char **orig, const char **resp)
{
    *orig = "CLOSED";
    *resp = "LISTEN";
    if (!rf_int(&v->flow, RF_midstream))
        return;
    const struct read_event *first = v->nev ? &v->ev[0] : NULL;
    bool synack_first = first && ladder_side(first->direction) == 1 &&
                        strchr(first->flags, 'S') && strchr(first->flags, 'A');
    if (synack_first) {
        *orig = "SYN_SENT";
        return;
    }
    *orig = *resp = "ESTABLISHED";
}

bool ladder_again(const struct ladder *v, size_t i)
{
    return i > 0 && v->ev[i - 1].packet == v->ev[i].packet &&
           v->ev[i - 1].inferred == v->ev[i].inferred &&
           strcmp(v->ev[i - 1].direction, v->ev[i].direction) == 0;
}

void ladder_anomaly_text(const struct read_anomaly *a, char *buf, size_t len)
{
    int n = snprintf(buf, len, "%s", a->kind);
    const char *sep = ": ";
    if (a->expected[0] && n > 0 && (size_t)n < len) {
        n += snprintf(buf + n, len - (size_t)n, "%sexpected %s", sep, a->expected);
        sep = ", ";
    }
    if (a->observed[0] && n > 0 && (size_t)n < len) {
        n += snprintf(buf + n, len - (size_t)n, "%sobserved %s", sep, a->observed);
        sep = ", ";
    }
    if (a->challenge_ack && n > 0 && (size_t)n < len)
        snprintf(buf + n, len - (size_t)n, "%schallenge ACK followed", sep);
}
