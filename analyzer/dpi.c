/*
 * dpi.c — application protocol labels from nDPI 4.2, fed and finalised the way nDPI's own
 * ndpiReader (example/reader_util.c) does it, so finscope's labels agree with ndpiReader's:
 *
 *  - one detection module, ndpi_no_prefs, every protocol enabled, no other preference set;
 *  - every packet of the flow goes to ndpi_detection_process_packet() (IP header, IP length,
 *    packet time in ms) until the returned app_protocol is known and
 *    ndpi_extra_dissection_possible() says nothing more is to come, or until the flow has had
 *    more than DPI_MAX_TCP_PACKETS (TCP) / DPI_MAX_UDP_PACKETS (UDP, and any other protocol)
 *    packets, or nDPI sets fail_with_unknown;
 *  - a flow that ends with app_protocol still unknown gets ndpi_detection_giveup() with
 *    guessing on (ndpiReader's default), which may name a protocol by port or by address.
 *
 * Packets whose IP datagram is not fully captured are not handed over: nDPI rejects them for
 * L4 dissection and ndpiReader drops them before they reach a flow.
 */
#include "analyzer/dpi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ndpi_api.h>
#include <ndpi_config.h>

#include "analyzer/analyzer.h"

/* ndpiReader's defaults (its -T and -U options). */
enum { DPI_MAX_TCP_PACKETS = 80, DPI_MAX_UDP_PACKETS = 24 };

struct dpi {
    struct ndpi_detection_module_struct *ndpi;
};

/* Invariant: `flow` was zeroed when allocated (nDPI requires it) and sizeof(struct
 * ndpi_flow_struct) equals the library's own idea of its size (checked in dpi_new). */
struct dpi_flow {
    struct ndpi_flow_struct flow;
};

struct dpi *dpi_new(void)
{
    /* Our view of ndpi_flow_struct (host_server_name, the allocation size) must be the
     * library's: a header from another nDPI build would make both wrong. */
    if (ndpi_get_api_version() != NDPI_API_VERSION ||
        ndpi_detection_get_sizeof_ndpi_flow_struct() != sizeof(struct ndpi_flow_struct))
        return NULL;
    struct dpi *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    /* nDPI: module initialisations must not run in parallel (analyzer_new is not threaded). */
    d->ndpi = ndpi_init_detection_module(ndpi_no_prefs);
    if (!d->ndpi) {
        free(d);
        return NULL;
    }
    NDPI_PROTOCOL_BITMASK all;
    NDPI_BITMASK_SET_ALL(all);
    ndpi_set_protocol_detection_bitmask2(d->ndpi, &all);
    ndpi_finalize_initialization(d->ndpi);
    return d;
}

void dpi_free(struct dpi *d)
{
    if (!d)
        return;
    ndpi_exit_detection_module(d->ndpi);
    free(d);
}

/* The version of the nDPI headers we were built against; dpi_new() refuses a library whose
 * API differs, so this is also the library's version. A constant: no static state here. */
const char *dpi_version(void)
{
    return "nDPI " NDPI_GIT_RELEASE;
}

const char *analyzer_dpi_version(void)
{
    return dpi_version();
}

void dpi_release(struct dpi_label *l)
{
    if (!l->state)
        return;
    ndpi_free_flow_data(&l->state->flow);
    free(l->state);
    l->state = NULL;
}

/* Copies a string into a fixed field, truncating, always NUL-terminated. */
static void copy_text(char *dst, size_t dst_size, const char *src, size_t src_max)
{
    size_t n = src ? strnlen(src, src_max) : 0;
    if (n >= dst_size)
        n = dst_size - 1;
    memcpy(dst, src ? src : "", n);
    dst[n] = '\0';
}

/* Fills the labels from nDPI's verdict, frees the state and marks the label final.
 * `flow` is NULL when no packet was ever handed over. */
static void finalise(struct dpi *d, struct dpi_label *l, ndpi_protocol proto,
                     const struct ndpi_flow_struct *flow)
{
    ndpi_protocol2name(d->ndpi, proto, l->proto, sizeof l->proto);
    /* ndpiReader prints no category for "Unspecified"; neither do we. */
    const char *category = proto.category == NDPI_PROTOCOL_CATEGORY_UNSPECIFIED
                               ? "" : ndpi_category_get_name(d->ndpi, proto.category);
    copy_text(l->category, sizeof l->category, category, sizeof l->category);
    /* host_server_name is what ndpiReader prints as "Hostname/SNI": TLS/QUIC SNI, HTTP Host,
     * DNS query name, ... (for SSH ndpiReader prints the client banner there instead; a banner
     * is not a server name, so we leave it out). */
    copy_text(l->server_name, sizeof l->server_name, flow ? flow->host_server_name : "",
              flow ? sizeof flow->host_server_name : 0);
    dpi_release(l);
    l->done = true;
}

static uint16_t max_packets(uint8_t l4proto)
{
    return l4proto == IPPROTO_NUM_TCP ? DPI_MAX_TCP_PACKETS : DPI_MAX_UDP_PACKETS;
}

/* A packet nDPI can dissect: the whole IP datagram captured, and its length fits nDPI's
 * 16-bit packet length. */
static bool feedable(const struct packet *p)
{
    return p->ip_hdr && p->ip_caplen > 0 && p->ip_caplen >= p->ip_len &&
           p->ip_caplen <= UINT16_MAX;
}

bool dpi_feed(struct dpi *d, struct dpi_label *l, const struct packet *p, bool from_orig,
              int64_t now_us)
{
    (void)from_orig;  /* nDPI tells the directions apart itself, from the IP header */
    if (l->done)
        return true;
    if (!feedable(p))
        return false;
    if (!l->state && !(l->state = calloc(1, sizeof *l->state)))
        return false;
    struct ndpi_flow_struct *flow = &l->state->flow;
    uint64_t time_ms = now_us > 0 ? (uint64_t)now_us / 1000 : 0;
    ndpi_protocol proto = ndpi_detection_process_packet(d->ndpi, flow, p->ip_hdr,
                                                        (unsigned short)p->ip_caplen, time_ms);
    l->packets_fed++;
    bool enough = l->packets_fed > max_packets(p->l4proto) || flow->fail_with_unknown;
    if (!enough && proto.app_protocol == NDPI_PROTOCOL_UNKNOWN)
        return false;
    if (!enough && ndpi_extra_dissection_possible(d->ndpi, flow))
        return false;  /* known, but more is to come (e.g. the TLS certificate) */
    if (proto.app_protocol == NDPI_PROTOCOL_UNKNOWN) {
        uint8_t guessed = 0;
        proto = ndpi_detection_giveup(d->ndpi, flow, 1, &guessed);
    }
    finalise(d, l, proto, flow);
    return true;
}

void dpi_finish(struct dpi *d, struct dpi_label *l)
{
    if (l->done)
        return;
    if (!l->state) {
        ndpi_protocol unknown = { NDPI_PROTOCOL_UNKNOWN, NDPI_PROTOCOL_UNKNOWN,
                                  NDPI_PROTOCOL_CATEGORY_UNSPECIFIED };
        finalise(d, l, unknown, NULL);
        return;
    }
    uint8_t guessed = 0;
    ndpi_protocol proto = ndpi_detection_giveup(d->ndpi, &l->state->flow, 1, &guessed);
    finalise(d, l, proto, &l->state->flow);
}
