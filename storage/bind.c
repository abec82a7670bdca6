/*
 * bind.c — how values become statement parameters: times as Unix seconds (REAL, microsecond
 * precision), empty text as NULL, 64-bit counters as INTEGER, TCP flags as letters.
 */
#include <string.h>

#include "dissect/dissect.h"
#include "storage/internal.h"

static struct db_value *at(struct db_params *p, int idx)
{
    if (idx > p->n)
        p->n = idx;
    return &p->v[idx];
}

void bind_null(struct db_params *p, int idx)
{
    *at(p, idx) = (struct db_value){.type = RT_NULL};
}

void bind_int(struct db_params *p, int idx, int64_t v)
{
    *at(p, idx) = (struct db_value){.type = RT_INT, .i = v};
}

void bind_real(struct db_params *p, int idx, double v)
{
    *at(p, idx) = (struct db_value){.type = RT_REAL, .r = v};
}

void bind_text(struct db_params *p, int idx, const char *text)
{
    if (!text || !*text)
        bind_null(p, idx);
    else
        *at(p, idx) = (struct db_value){.type = RT_TEXT, .s = text, .len = strlen(text)};
}

void bind_chars(struct db_params *p, int idx, const char *chars, size_t cap)
{
    size_t len = strnlen(chars, cap);
    if (len == 0)
        bind_null(p, idx);
    else
        *at(p, idx) = (struct db_value){.type = RT_TEXT, .s = chars, .len = len};
}

/* Integers are signed 64-bit in both databases; counters never come near 2^63. */
void bind_u64(struct db_params *p, int idx, uint64_t v)
{
    bind_int(p, idx, (int64_t)v);
}

void bind_ts(struct db_params *p, int idx, int64_t ts_us)
{
    bind_real(p, idx, (double)ts_us / 1e6);
}

void bind_ts_or_null(struct db_params *p, int idx, int64_t ts_us)
{
    if (ts_us == 0)
        bind_null(p, idx);
    else
        bind_ts(p, idx, ts_us);
}

const char *tcp_flags_str(uint8_t flags, char *buf)
{
    static const struct { uint8_t bit; char letter; } order[] = {
        { TCP_SYN, 'S' }, { TCP_FIN, 'F' }, { TCP_RST, 'R' }, { TCP_PSH, 'P' },
        { TCP_ACK, 'A' }, { TCP_URG, 'U' }, { TCP_ECE, 'E' }, { TCP_CWR, 'C' },
    };
    size_t n = 0;
    for (size_t i = 0; i < sizeof order / sizeof *order; i++)
        if (flags & order[i].bit)
            buf[n++] = order[i].letter;
    if (n == 0)
        buf[n++] = '.';
    buf[n] = '\0';
    return buf;
}
