/*
 * seq.h — TCP sequence-number arithmetic, modulo 2^32 (RFC 9293 §3.4).
 *
 * Every comparison of sequence or acknowledgment numbers in the analyzer goes through these:
 * a plain `<` on uint32_t is wrong as soon as a connection crosses 2^32.
 */
#ifndef FINSCOPE_SEQ_H
#define FINSCOPE_SEQ_H

#include <stdbool.h>
#include <stdint.h>

static inline bool seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool seq_leq(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }
static inline bool seq_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }
static inline bool seq_geq(uint32_t a, uint32_t b) { return (int32_t)(a - b) >= 0; }
/* lo <= x < lo + len, modulo 2^32 (len may be up to 2^32 - 1). */
static inline bool seq_in_window(uint32_t x, uint32_t lo, uint64_t len)
{
    return (uint64_t)(uint32_t)(x - lo) < len;
}
/* lo <= x <= hi, modulo 2^32, for a range shorter than 2^31. */
static inline bool seq_between(uint32_t x, uint32_t lo, uint32_t hi)
{
    return seq_geq(x, lo) && seq_leq(x, hi);
}

#endif
