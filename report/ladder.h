/*
 * ladder.h — one flow as the ladder diagrams draw it (text: show.c; SVG: ladder_svg.c): its
 * row, teardown events and anomalies, each side's ISN, and the labels both drawings share.
 *
 * Sequence numbers are shown relative to each side's ISN (the seq of its SYN event or, when
 * its SYN was not seen, of its first event) unless `absolute`. Anomalies are marked under the
 * arrow of the packet (and side) that raised them; an_shown[] records which were, so that the
 * rest can be listed after the ladder; so are RSTs with their cause, origin and evidence
 * (rst_shown[]).
 */
#ifndef FINSCOPE_REPORT_LADDER_H
#define FINSCOPE_REPORT_LADDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "storage/read.h"

struct ladder {
    struct read_flow flow;
    struct read_event *ev;
    size_t nev, evcap;
    struct read_anomaly *an;
    size_t nan, ancap;
    bool *an_shown;               /* per anomaly: marked on an arrow (nan entries, at least 1) */
    struct read_rst *rst;         /* the flow's RSTs (table rsts), packet order */
    size_t nrst, rstcap;
    bool *rst_shown;              /* per RST: marked on an arrow (nrst entries, at least 1) */
    bool absolute;
    bool isn_known[2];            /* [0] originator, [1] responder */
    uint32_t isn[2];
};

/* Reads flow `flow_id` with its events, anomalies and RSTs; -1 with the message in err. Free the
 * ladder with ladder_free whether or not this succeeded. */
int ladder_load(struct storage *st, int64_t flow_id, bool absolute, struct ladder *v,
                char *err, size_t errlen);
void ladder_free(struct ladder *v);

/* 0 for "orig", 1 for "resp". */
int ladder_side(const char *direction);
/* The column's text, or dflt when it is NULL or empty. */
const char *ladder_text_or(const struct read_flow *f, enum read_flow_column c, const char *dflt);
/* "addr:port" of the originator (or the responder), IPv6 in brackets. */
const char *ladder_endpoint(const struct read_flow *f, bool resp, char *buf, size_t len);
/* An arrow's label: "SYN,ACK seq=0 ack=1 len=0" (ack only when ACK is set). */
void ladder_label(const struct ladder *v, const struct read_event *e, char *buf, size_t len);
/* The endpoints' states before the first event (docs/teardown.md §3). */
void ladder_initial_states(const struct ladder *v, const char **orig, const char **resp);
/* Whether event i is a second row for the packet of event i - 1 (the same segment moved an
 * endpoint twice): drawn without an arrow. */
bool ladder_again(const struct ladder *v, size_t i);
/* "rst_seq_inexact: expected seq=1001, observed seq=1500, challenge ACK followed". */
void ladder_anomaly_text(const struct read_anomaly *a, char *buf, size_t len);

#endif
