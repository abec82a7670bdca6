/*
 * dpi.h — application protocol labels from nDPI (Debian's nDPI 4.2 API).
 *
 * One detection module per analyzer. Per flow, a struct dpi_flow is allocated lazily on the
 * first packet handed over and freed as soon as detection is final or given up, so an idle
 * flow whose protocol is known holds no nDPI memory. The analyzer hands a flow's packets to
 * dpi_feed() only while *state is not DPI_DONE.
 */
#ifndef FINSCOPE_DPI_H
#define FINSCOPE_DPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissect/dissect.h"

struct dpi;
struct dpi_flow;

/* What the analyzer keeps per flow: the lazily allocated nDPI state and the labels. */
struct dpi_label {
    struct dpi_flow *state;      /* NULL before the first packet and after detection ends */
    bool done;                   /* final: dpi_feed is not called again */
    uint16_t packets_fed;
    char proto[48];              /* "TLS.Google", "HTTP", ..., "Unknown" */
    char category[32];           /* nDPI category name, "" if none */
    char server_name[96];        /* SNI or HTTP Host, "" if none */
};

struct dpi *dpi_new(void);                 /* NULL on failure */
void dpi_free(struct dpi *d);
const char *dpi_version(void);             /* "nDPI 4.2.0" */

/* Feeds one packet of the flow (from_orig: sent by the originator) at the analyzer's clock
 * `now_us` (never earlier than a packet before it). Returns true once
 * detection is final (labels filled, state freed); gives up by itself after a bounded number
 * of packets. Returns false and leaves the label unchanged if memory runs out. */
bool dpi_feed(struct dpi *d, struct dpi_label *l, const struct packet *p, bool from_orig,
              int64_t now_us);
/* Flow ends without a final verdict: nDPI's best guess (ndpi_detection_giveup), state freed.
 * Safe to call when done already or when no packet was ever fed ("Unknown"). */
void dpi_finish(struct dpi *d, struct dpi_label *l);
/* Frees the state without labelling (flow discarded). */
void dpi_release(struct dpi_label *l);

#endif
