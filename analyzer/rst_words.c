/*
 * rst_words.c — the evidence of a RST in words, built without printf: a RST storm (thousands
 * per second) must not spend its time formatting (rst_internal.h, struct words). Every append
 * stops at the buffer's end; the text stays terminated.
 */
#include <string.h>

#include "analyzer/rst_internal.h"

void words_at(struct words *w, char *buf, size_t cap)
{
    w->buf = buf;
    w->cap = cap;
    w->len = cap ? strnlen(buf, cap - 1) : 0;
    if (cap)
        buf[w->len] = '\0';
}

void words_add(struct words *w, const char *s)
{
    if (!w->cap)
        return;
    size_t n = strlen(s), room = w->cap - 1 - w->len;
    if (n > room)
        n = room;
    memcpy(w->buf + w->len, s, n);
    w->len += n;
    w->buf[w->len] = '\0';
}

void words_uint(struct words *w, uint64_t v)
{
    char tmp[24];
    size_t n = sizeof tmp;
    tmp[--n] = '\0';
    do {
        tmp[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v && n > 0);
    words_add(w, tmp + n);
}

void words_hex16(struct words *w, unsigned v)
{
    static const char digits[] = "0123456789abcdef";
    char tmp[7] = {'0', 'x', digits[(v >> 12) & 15], digits[(v >> 8) & 15],
                   digits[(v >> 4) & 15], digits[v & 15], '\0'};
    words_add(w, tmp);
}

/* v / 10^decimals with that many decimals ("12.5"); negative values get a '-'. */
void words_fixed(struct words *w, int64_t v, int decimals)
{
    uint64_t scale = 1;
    for (int i = 0; i < decimals; i++)
        scale *= 10;
    if (v < 0) {
        words_add(w, "-");
        v = -v;
    }
    words_uint(w, (uint64_t)v / scale);
    if (decimals <= 0)
        return;
    words_add(w, ".");
    uint64_t frac = (uint64_t)v % scale;
    for (uint64_t d = scale / 10; d > 0; d /= 10) {
        char c[2] = {(char)('0' + frac / d % 10), '\0'};
        words_add(w, c);
    }
}
