/*
 * nflog.c — Linux NFLOG (link type 239): address family, version, resource id, then
 * type-length-value attributes (lengths and types in the capturing host's byte order; little
 * endian is assumed, as on every common Linux host), each padded to 4 bytes; the packet is the
 * NFULA_PAYLOAD attribute (type 9). Family 2 is IPv4, 10 IPv6; any other: the version nibble.
 */
#include "dissect/internal.h"

enum { NFULA_PAYLOAD = 9 };

enum dissect_result nflog_start(struct cursor *c, struct packet *out)
{
    uint8_t family, version;
    uint16_t len, type;
    (void)out;
    if (!span_u8(c->f, 0, &family) || !span_u8(c->f, 1, &version))
        return DISSECT_TRUNC_LINK;
    if (version != 0)
        return DISSECT_BAD_LINK;
    /* each attribute is at least 4 bytes: the walk ends within caplen / 4 steps */
    for (uint32_t off = 4;; off += ((uint32_t)len + 3) & ~3u) {
        if (!span_le16(c->f, off, &len) || !span_le16(c->f, off + 2, &type))
            return DISSECT_TRUNC_LINK;
        if (len < 4)
            return DISSECT_BAD_LINK;
        if ((type & 0x7FFF) == NFULA_PAYLOAD)
            return cur_next(c, off + 4, family == 2 ? PR_IPV4 : family == 10 ? PR_IPV6 : PR_IP);
    }
}
