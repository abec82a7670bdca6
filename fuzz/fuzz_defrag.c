/*
 * fuzz_defrag.c — libFuzzer target: a sequence of IPv4 fragments of four datagrams through
 * the reassembly stage (analyzer/ip_defrag.h), each fragment built as bytes and decoded by
 * dissect_packet() as the pipeline does, so overlaps, holes, duplicate and conflicting ends,
 * lengths past 65,535, snaplen cuts, timeouts and the limits all meet. Checks: a completed
 * datagram's view stays within its lengths; fragments counted never exceed fragments given;
 * after the flush nothing is held.
 *
 * Each fragment is 5 input bytes: flags (bit 0 MF, bits 1-2 the datagram, bit 3 cut to 28
 * bytes, bit 4 not TCP), offset in 8-byte units (2 bytes, 13 bits used), data length / 4
 * (1 byte), time step in 100 ms (1 byte).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/ip_defrag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The datagrams' data: a TCP header (ports 1 -> 2, SYN) then a pattern. */
static uint8_t template_byte(size_t i)
{
    static const uint8_t tcp[20] = {0, 1, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0x04, 0};
    return i < sizeof tcp ? tcp[i] : (uint8_t)(i * 7 + 3);
}

static size_t build(const uint8_t *rec, uint8_t *buf)
{
    uint32_t off = ((uint32_t)rec[1] << 8 | rec[2]) & 0x1FFF;
    uint32_t len = (uint32_t)rec[3] * 4;
    uint32_t tot = 20 + len;
    memset(buf, 0, 20);
    buf[0] = 0x45;
    buf[2] = (uint8_t)(tot >> 8);
    buf[3] = (uint8_t)tot;
    buf[5] = (uint8_t)((rec[0] >> 1) & 3);                   /* identification */
    uint16_t frag = (uint16_t)(((rec[0] & 1) ? 0x2000 : 0) | off);
    buf[6] = (uint8_t)(frag >> 8);
    buf[7] = (uint8_t)frag;
    buf[8] = 64;
    buf[9] = (rec[0] & 0x10) ? 17 : 6;
    buf[12] = 10, buf[15] = 1, buf[16] = 10, buf[19] = 2;
    for (uint32_t i = 0; i < len; i++)
        buf[20 + i] = template_byte(off * 8 + i);
    return tot;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ip_defrag *d = ip_defrag_new();
    if (!d)
        return 0;
    uint64_t counts[DISSECT_REASON_COUNT] = {0}, given = 0;
    int64_t ts = 0;
    uint8_t buf[20 + 255 * 4];
    for (size_t at = 0; at + 5 <= size; at += 5) {
        const uint8_t *rec = data + at;
        size_t tot = build(rec, buf);
        size_t caplen = (rec[0] & 8) && tot > 28 ? 28 : tot;
        ts += (int64_t)rec[4] * 100000;
        struct packet p, out;
        enum dissect_result res;
        if (dissect_packet(228, buf, (uint32_t)caplen, (uint32_t)tot, &p) != DISSECT_IP_FRAGMENT)
            continue;
        given++;
        if (ip_defrag_add(d, &p, ts, &out, &res, counts) && res == DISSECT_OK) {
            if (out.ip_caplen > out.ip_len || out.ip_len > 65535 ||
                out.payload_caplen > out.payload_len || out.l4_len > out.ip_len)
                abort();
        }
        uint64_t counted = 0;
        for (int r = 0; r < DISSECT_REASON_COUNT; r++)
            counted += counts[r];
        if (counted + ip_defrag_held(d) > given)
            abort();
    }
    ip_defrag_flush(d, counts);
    if (ip_defrag_held(d) != 0)
        abort();
    for (int r = 0; r < DISSECT_REASON_COUNT; r++)
        if (counts[r] && r != DISSECT_FRAG_INCOMPLETE && r != DISSECT_FRAG_LIMIT &&
            r != DISSECT_FRAG_BAD)
            abort();
    ip_defrag_free(d);
    return 0;
}
