/*
 * bind.c — how values become statement parameters: times as Unix seconds (REAL, microsecond
 * precision), empty text as NULL, 64-bit counters as INTEGER, TCP flags as letters.
 */
#include <string.h>

#include "dissect/dissect.h"
#include "storage/internal.h"

int bind_text(sqlite3_stmt *s, int idx, const char *text)
{
    if (!text || !*text)
        return sqlite3_bind_null(s, idx);
    return sqlite3_bind_text(s, idx, text, -1, SQLITE_TRANSIENT);
}

/* Static strings (names from the analyzer's tables) are bound without SQLite copying them. */
int bind_name(sqlite3_stmt *s, int idx, const char *name)
{
    if (!name || !*name)
        return sqlite3_bind_null(s, idx);
    return sqlite3_bind_text(s, idx, name, -1, SQLITE_STATIC);
}

int bind_chars(sqlite3_stmt *s, int idx, const char *chars, size_t cap)
{
    size_t len = strnlen(chars, cap);
    if (len == 0)
        return sqlite3_bind_null(s, idx);
    return sqlite3_bind_text(s, idx, chars, (int)len, SQLITE_TRANSIENT);
}

int bind_chars_static(sqlite3_stmt *s, int idx, const char *chars, size_t cap)
{
    size_t len = strnlen(chars, cap);
    if (len == 0)
        return sqlite3_bind_null(s, idx);
    return sqlite3_bind_text(s, idx, chars, (int)len, SQLITE_STATIC);
}

/* SQLite integers are signed 64-bit; counters never come near 2^63. */
int bind_u64(sqlite3_stmt *s, int idx, uint64_t v)
{
    return sqlite3_bind_int64(s, idx, (sqlite3_int64)v);
}

int bind_ts(sqlite3_stmt *s, int idx, int64_t ts_us)
{
    return sqlite3_bind_double(s, idx, (double)ts_us / 1e6);
}

int bind_ts_or_null(sqlite3_stmt *s, int idx, int64_t ts_us)
{
    if (ts_us == 0)
        return sqlite3_bind_null(s, idx);
    return bind_ts(s, idx, ts_us);
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
