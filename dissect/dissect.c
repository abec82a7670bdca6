/*
 * dissect.c — dissect_packet(): link header, then IP, then the transport header.
 *
 * Invariant relied on by every layer: the spans handed down never extend past `caplen`, and
 * lengths taken from headers are checked against the bytes on the wire before use.
 */
#include <string.h>

#include "dissect/internal.h"

enum dissect_result dissect_packet(int linktype, const uint8_t *bytes, uint32_t caplen,
                                   uint32_t wirelen, struct packet *out)
{
    struct span frame = {bytes, bytes ? caplen : 0};
    struct link_result lr;
    uint32_t l4_off = 0;

    memset(out, 0, sizeof *out);
    out->caplen = caplen;
    out->wirelen = wirelen;
    enum dissect_result r = link_decode(linktype, frame, out, &lr);
    if (r != DISSECT_OK)
        return r;
    /* A record claiming fewer bytes on the wire than were captured: trust the capture. */
    uint32_t wire = wirelen > frame.len ? wirelen : frame.len;
    if (lr.offset > frame.len)
        return DISSECT_TRUNC_LINK;
    r = ip_decode(span_from(frame, lr.offset), wire - lr.offset, lr.net, out, &l4_off);
    if (r != DISSECT_OK)
        return r;
    return l4_decode(span_from(frame, lr.offset), l4_off, out);
}
