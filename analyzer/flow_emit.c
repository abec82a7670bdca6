/*
 * flow_emit.c — the records a flow leaves behind: teardown events and anomaly rows kept
 * while it lives, and the struct flow_record built when it is emitted.
 *
 * Events and anomalies live in small arrays grown on demand, so a flow with a plain life
 * (handshake, data, FINs) holds a handful of events and no anomalies. Both are capped per flow;
 * what the cap drops is counted, never lost silently.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/flow.h"

#define MAX_ANOMALIES_PER_FLOW 256

static bool grow(void **arr, uint16_t *cap, size_t elem, size_t max)
{
    /* 4 first: an open TCP flow holds 3 events (SYN, SYN+ACK, ACK), a plain life 7. */
    size_t n = *cap ? (size_t)*cap * 2 : 4;
    if (n > max)
        n = max;
    if (n <= *cap)
        return false;
    void *p = realloc(*arr, n * elem);
    if (!p)
        return false;
    *arr = p;
    *cap = (uint16_t)n;
    return true;
}

void flow_add_event(struct flow *f, size_t max, const struct segment *s)
{
    if (max > UINT16_MAX)
        max = UINT16_MAX;
    if (f->nevents == f->events_cap &&
        !grow((void **)&f->events, &f->events_cap, sizeof *f->events, max)) {
        f->events_dropped++;
        return;
    }
    struct teardown_event *e = &f->events[f->nevents++];
    e->ts_us = s->ts_us;
    e->packet = s->pkt_no;
    e->dir = s->dir;
    e->flags = s->flags;
    e->seq = s->seq;
    e->ack = s->ack;
    e->len = s->len;
    e->orig_state = f->state[DIR_ORIG];
    e->resp_state = f->state[DIR_RESP];
    e->inferred = s->inferred;
}

struct anomaly_record *flow_add_anomaly(struct flow *f, const struct segment *s,
                                        enum anomaly_kind kind)
{
    if (f->nanomalies == f->anomalies_cap &&
        !grow((void **)&f->anomalies, &f->anomalies_cap, sizeof *f->anomalies,
              MAX_ANOMALIES_PER_FLOW)) {
        f->anomalies_dropped++;
        return NULL;
    }
    struct anomaly_record *an = &f->anomalies[f->nanomalies++];
    memset(an, 0, sizeof *an);
    an->ts_us = s->ts_us;
    an->packet = s->pkt_no;
    an->dir = s->dir;
    an->kind = (uint8_t)kind;
    return an;
}

static void proto_name(uint8_t l4proto, char *buf, size_t len)
{
    switch (l4proto) {
    case IPPROTO_NUM_TCP: snprintf(buf, len, "tcp"); break;
    case IPPROTO_NUM_UDP: snprintf(buf, len, "udp"); break;
    case IPPROTO_NUM_ICMP: snprintf(buf, len, "icmp"); break;
    case IPPROTO_NUM_ICMPV6: snprintf(buf, len, "icmp6"); break;
    default: snprintf(buf, len, "%u", l4proto); break;
    }
}

static void fill_endpoints(const struct flow *f, struct flow_record *r)
{
    uint8_t o = f->orig_side;
    r->l4proto = f->key.l4proto;
    r->orig_addr.family = r->resp_addr.family = f->key.family;
    memcpy(r->orig_addr.bytes, f->key.addr[o], 16);
    memcpy(r->resp_addr.bytes, f->key.addr[!o], 16);
    r->orig_port = f->key.port[o];
    r->resp_port = f->key.port[!o];
    r->vlan = f->key.vlan;
    if (f->tunnel)
        dissect_tunnel_str(&f->tunnel->first, f->key.family, r->tunnel, sizeof r->tunnel);
}

static void fill_tcp(const struct flow *f, struct flow_record *r)
{
    struct verdict v;
    verdict_decide(f, &v);
    r->teardown = v.teardown;
    r->closer = v.closer;
    r->reason = v.reason;
    r->orig_state = tcp_state_name(f->state[DIR_ORIG]);
    r->resp_state = tcp_state_name(f->state[DIR_RESP]);
    r->close_start_ts_us = f->close_start_us;
    r->close_end_ts_us = f->close_end_us;
    for (int i = 0; i < 2; i++) {
        const struct tcp_dir *d = &f->dir[i];
        r->retrans[i] = d->retrans;
        r->out_of_order[i] = d->ooo;
        r->zero_windows[i] = d->zero_win;
        r->rsts[i] = d->rsts;
        r->fins[i] = d->fins;
        r->wscale[i] = d->syn_seen ? d->wscale : -1;
        r->rtt_us[i] = f->rtt_us[i];
        r->gaps += f->loss[i].gaps;
        r->gap_bytes += f->loss[i].gap_bytes;
        r->acked_bytes += gaps_acked_bytes(f, i);
    }
}

void flow_fill_record(const struct flow *f, const char *ended_by, struct flow_record *r)
{
    memset(r, 0, sizeof *r);
    fill_endpoints(f, r);
    proto_name(f->key.l4proto, r->proto, sizeof r->proto);
    r->first_ts_us = f->first_ts_us;
    r->last_ts_us = f->last_ts_us;
    memcpy(r->pkts, f->pkts, sizeof r->pkts);
    memcpy(r->bytes, f->bytes, sizeof r->bytes);
    memcpy(r->ip_bytes, f->ip_bytes, sizeof r->ip_bytes);
    r->midstream = f->midstream;
    r->ended_by = ended_by;
    r->wscale[0] = r->wscale[1] = -1;
    r->rtt_us[0] = r->rtt_us[1] = -1;
    if (f->key.l4proto == IPPROTO_NUM_TCP)
        fill_tcp(f, r);
    r->events_dropped = f->events_dropped;
    r->conn_state = zeek_conn_state(&f->zeek);
    memcpy(r->history, f->zeek.history, sizeof r->history);
    r->history[sizeof r->history - 1] = '\0';
    r->dpi_done = f->dpi && f->dpi->done;
    if (r->dpi_done) {
        memcpy(r->app_proto, f->dpi->proto, sizeof r->app_proto);
        memcpy(r->app_category, f->dpi->category, sizeof r->app_category);
        memcpy(r->server_name, f->dpi->server_name, sizeof r->server_name);
    }
}
