/*
 * progress.h — the one-line progress display on stderr while captures are read.
 *
 * Shown only when enabled (the caller decides: stderr is a terminal and -q was not given),
 * redrawn at most four times a second, and erased by progress_clear() so that messages and
 * the final summary start on a clean line.
 */
#ifndef FINSCOPE_CLI_PROGRESS_H
#define FINSCOPE_CLI_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct progress {
    bool enabled;
    bool shown;                   /* a line is on the screen now */
    int64_t started_ms, last_ms;  /* monotonic clock */
};

void progress_init(struct progress *p, bool enabled);
/* True when the line should be redrawn now (enabled, and 250 ms since the last time). */
bool progress_due(struct progress *p);
/* Draws "label  37.2%  1.2M packets  410k pkt/s"; fraction < 0 means unknown (a pipe). */
void progress_show(struct progress *p, const char *label, double fraction, uint64_t packets);
/* Erases the line if one is shown. */
void progress_clear(struct progress *p);

#endif
