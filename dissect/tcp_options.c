/*
 * tcp_options.c — the TCP options finscope uses: MSS, window scale, SACK-permitted, SACK
 * blocks and timestamps (RFC 9293 §3.2, RFC 7323, RFC 2018).
 *
 * Options never make a packet undecodable: an option whose length byte is below 2 or runs
 * past the header ends the parse, keeping what was read before it (as stacks do).
 */
#include "dissect/internal.h"

enum { OPT_EOL = 0, OPT_NOP = 1, OPT_MSS = 2, OPT_WSCALE = 3, OPT_SACK_PERM = 4, OPT_SACK = 5,
       OPT_TS = 8 };

static void sack_blocks(struct span o, uint8_t len, struct tcp_header *th)
{
    th->sack_count = 0;
    for (uint32_t off = 2; off + 8 <= len && th->sack_count < DISSECT_MAX_SACK; off += 8) {
        uint32_t *edge = th->sack[th->sack_count];
        if (!span_be32(o, off, &edge[0]) || !span_be32(o, off + 4, &edge[1]))
            return;
        th->sack_count++;
    }
}

/* One option of `len` bytes at the start of `o` (len >= 2, within o). */
static void option(struct span o, uint8_t kind, uint8_t len, struct tcp_header *th)
{
    switch (kind) {
    case OPT_MSS:
        th->has_mss = len == 4 && span_be16(o, 2, &th->mss);
        break;
    case OPT_WSCALE:
        th->has_wscale = len == 3 && span_u8(o, 2, &th->wscale);
        break;
    case OPT_SACK_PERM:
        th->sack_permitted = len == 2;
        break;
    case OPT_SACK:
        sack_blocks(o, len, th);
        break;
    case OPT_TS:
        th->has_ts = len == 10 && span_be32(o, 2, &th->tsval) && span_be32(o, 6, &th->tsecr);
        break;
    default:
        break;
    }
}

void tcp_options_parse(struct span opts, struct tcp_header *th)
{
    uint32_t off = 0;
    uint8_t kind, len;
    while (span_u8(opts, off, &kind) && kind != OPT_EOL) {
        if (kind == OPT_NOP) {
            off++;
            continue;
        }
        if (!span_u8(opts, off + 1, &len) || len < 2 || len > opts.len - off)
            return;
        option(span_from(opts, off), kind, len, th);
        off += len;
    }
}
