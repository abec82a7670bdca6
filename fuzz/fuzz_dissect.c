/*
 * fuzz_dissect.c — libFuzzer target: one packet of any supported link type through
 * dissect_packet(). Input: byte 0 picks the link type, byte 1 how many bytes the frame was
 * "on the wire" beyond what was captured; the rest is the captured frame. The input buffer is
 * exactly the captured length, so ASan catches any read past caplen.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/dissect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Indexes are kept (seeds in data/fuzz name them): new link types go at the end. */
static const int link_types[] = {0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 147,
                                 9, 10, 50, 51, 104, 105, 127, 192, 239};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    int linktype = link_types[data[0] % (sizeof link_types / sizeof *link_types)];
    uint32_t extra = data[1];
    size_t caplen = size - 2;
    uint8_t *frame = malloc(caplen ? caplen : 1);
    if (!frame)
        return 0;
    memcpy(frame, data + 2, caplen);
    struct packet p;
    enum dissect_result r = dissect_packet(linktype, frame, (uint32_t)caplen,
                                           (uint32_t)caplen + extra, &p);
    if (r == DISSECT_OK) {
        /* the decoded view must stay inside the captured bytes */
        if (p.payload_caplen > p.payload_len)
            abort();
        if (p.payload_caplen && (p.payload < frame || p.payload + p.payload_caplen > frame + caplen))
            abort();
        if (p.ip_hdr && (p.ip_hdr < frame || p.ip_hdr + p.ip_caplen > frame + caplen))
            abort();
        if (p.tunnels > DISSECT_MAX_TUNNEL || (p.tunnels > 0) != (p.tunnel.kind != TUNNEL_NONE))
            abort();
        char buf[DISSECT_TUNNEL_STRLEN];
        ip_addr_str(&p.src, buf, sizeof buf);
        dissect_tunnel_str(&p.tunnel, p.ip_version, buf, sizeof buf);
    }
    dissect_reason_name(r);
    free(frame);
    return 0;
}
