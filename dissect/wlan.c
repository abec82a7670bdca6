/*
 * wlan.c — IEEE 802.11: data frames (plain, QoS, four-address, HT control, the first
 * subframe of an A-MSDU), then their 802.2 LLC/SNAP header; and the radio headers that come
 * before them: radiotap (link type 127) and PPI (192).
 *
 * Frames that carry no readable IP are counted by their own reasons, not as malformed:
 * management frames (wlan_mgmt), control frames (wlan_ctrl), protected (encrypted) data
 * (wlan_protected); data frames without a body (Null, QoS Null) are not_ip.
 */
#include "dissect/internal.h"

enum { FC_TODS_FROMDS = 0x03, FC_ORDER = 0x80, FC_PROTECTED = 0x40 };
enum { TYPE_MGMT = 0, TYPE_CTRL = 1, TYPE_DATA = 2 };
enum { SUB_NO_BODY = 0x4, SUB_QOS = 0x8 };
enum { QOS_AMSDU = 0x80 };

/* Bytes of the MAC header of a data frame with these frame-control fields. */
static uint32_t data_header_len(uint8_t subtype, uint8_t flags)
{
    uint32_t len = 24;
    if ((flags & FC_TODS_FROMDS) == FC_TODS_FROMDS)
        len += 6;                             /* fourth address */
    if (subtype & SUB_QOS)
        len += (flags & FC_ORDER) ? 2 + 4 : 2;   /* QoS control, HT control */
    return len;
}

enum dissect_result wlan_decode(struct cursor *c, struct packet *out)
{
    struct span h = cur_span(c);
    uint8_t fc, flags, qos = 0;
    (void)out;
    if (!span_u8(h, 0, &fc) || !span_u8(h, 1, &flags))
        return DISSECT_TRUNC_LINK;
    uint8_t type = (fc >> 2) & 3, subtype = fc >> 4;
    if ((fc & 3) != 0)
        return DISSECT_BAD_LINK;              /* protocol version 0 is the only one */
    if (type == TYPE_CTRL)
        return DISSECT_WLAN_CTRL;
    if (type != TYPE_DATA)
        return DISSECT_WLAN_MGMT;             /* management, and type 3 (extension: DMG beacons) */
    if (flags & FC_PROTECTED)
        return DISSECT_WLAN_PROTECTED;
    if (subtype & SUB_NO_BODY)
        return DISSECT_NOT_IP;
    uint32_t len = data_header_len(subtype, flags);
    if ((subtype & SUB_QOS) && !span_u8(h, (flags & FC_TODS_FROMDS) == 3 ? 30 : 24, &qos))
        return DISSECT_TRUNC_LINK;
    if (c->wlan_datapad)
        len = (len + 3) & ~3u;
    if (qos & QOS_AMSDU)
        len += 14;                            /* the first subframe's DA, SA and length */
    if (!span_has(h, 0, len))
        return DISSECT_TRUNC_LINK;
    return cur_next(c, len, PR_LLC);
}

/* Radiotap (radiotap.org): version 0, length, present bitmaps; the Flags field says whether
 * the 802.11 header is padded (0x20). Flags is field 1, after TSFT (field 0: 8 bytes, aligned
 * to 8). The FCS a frame may end with (flag 0x10) lies past the IP length, so is ignored. */
enum dissect_result radiotap_start(struct cursor *c, struct packet *out)
{
    uint8_t version, rflags;
    uint16_t len;
    uint32_t present, word;
    (void)out;
    if (!span_u8(c->f, 0, &version) || !span_le16(c->f, 2, &len) ||
        !span_le32(c->f, 4, &present))
        return DISSECT_TRUNC_LINK;
    if (version != 0 || len < 8)
        return DISSECT_BAD_LINK;
    uint32_t off = 8;
    for (word = present; word & 0x80000000u; off += 4)   /* more bitmaps follow */
        if (off + 4 > len || !span_le32(c->f, off, &word))
            return off + 4 > len ? DISSECT_BAD_LINK : DISSECT_TRUNC_LINK;
    if (present & 2) {
        if (present & 1)
            off = ((off + 7) & ~7u) + 8;
        if (off < len && span_u8(c->f, off, &rflags))
            c->wlan_datapad = (rflags & 0x20) != 0;
    }
    if (!span_has(c->f, 0, len))
        return DISSECT_TRUNC_LINK;
    return cur_next(c, len, PR_WLAN);
}

/* PPI: version 0, flags, length, the link type of what follows (usually 802.11), then that
 * frame, decoded as its link type says. A PPI frame inside PPI is refused (bad_link). */
enum dissect_result ppi_start(struct cursor *c, struct packet *out)
{
    uint8_t version;
    uint16_t len;
    uint32_t dlt;
    if (!span_u8(c->f, 0, &version) || !span_le16(c->f, 2, &len) || !span_le32(c->f, 4, &dlt))
        return DISSECT_TRUNC_LINK;
    if (version != 0 || len < 8 || dlt == 192 || dlt > INT32_MAX)
        return DISSECT_BAD_LINK;
    if (!span_has(c->f, 0, len))
        return DISSECT_TRUNC_LINK;
    c->f = span_from(c->f, len);
    c->wire -= len;
    return link_start((int)dlt, c, out);
}
