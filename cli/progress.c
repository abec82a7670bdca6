/*
 * progress.c — the progress line (see progress.h). Rates are counted from progress_init().
 */
#include "cli/progress.h"

#include <stdio.h>
#include <time.h>

#define REDRAW_MS 250

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* 1234 -> "1234", 45678 -> "45.7k", 3456789 -> "3.5M". */
static const char *short_count(double n, char *buf, size_t len)
{
    if (n >= 1e6)
        snprintf(buf, len, "%.1fM", n / 1e6);
    else if (n >= 1e4)
        snprintf(buf, len, "%.1fk", n / 1e3);
    else
        snprintf(buf, len, "%.0f", n);
    return buf;
}

void progress_init(struct progress *p, bool enabled)
{
    p->enabled = enabled;
    p->shown = false;
    p->started_ms = now_ms();
    p->last_ms = p->started_ms;
}

bool progress_due(struct progress *p)
{
    if (!p->enabled)
        return false;
    int64_t now = now_ms();
    if (now - p->last_ms < REDRAW_MS)
        return false;
    p->last_ms = now;
    return true;
}

void progress_show(struct progress *p, const char *label, double fraction, uint64_t packets)
{
    if (!p->enabled)
        return;
    double seconds = (double)(now_ms() - p->started_ms) / 1000.0;
    char count[16], rate[16], percent[16] = "";
    if (fraction >= 0)
        snprintf(percent, sizeof percent, "%5.1f%%  ", fraction * 100.0);
    fprintf(stderr, "\r\033[K%.40s  %s%s packets  %s pkt/s", label, percent,
            short_count((double)packets, count, sizeof count),
            short_count(seconds > 0 ? (double)packets / seconds : 0, rate, sizeof rate));
    fflush(stderr);
    p->shown = true;
}

void progress_clear(struct progress *p)
{
    if (!p->shown)
        return;
    fputs("\r\033[K", stderr);
    fflush(stderr);
    p->shown = false;
}
