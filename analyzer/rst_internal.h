/*
 * rst_internal.h — what rst_evidence.c, rst_cause.c, rst_origin.c and rst_words.c share (and
 * nothing else in analyzer/ uses): the watch data kept beside each RST row for the origin
 * rules, and the evidence's words.
 */
#ifndef FINSCOPE_RST_INTERNAL_H
#define FINSCOPE_RST_INTERNAL_H

#include "analyzer/rst_evidence.h"

/* Why a segment was flagged (struct rst_dir_evidence.flagged_why). */
enum { RST_FLAGGED_FLAGS = 1, RST_FLAGGED_WINDOW = 2 };

/* Beside rows[i] (rst_watch_of(f)[i]): what the origin of that RST is decided from. */
struct rst_watch {
    int64_t id_prev_ts_us;    /* the host's last segment before the RST: when its previous
                                 IPv4 ID was seen, or later */
    int64_t after_first_us;   /* first new segment from the host after the RST: how much later */
    uint32_t after;           /* new data or ACKs from the host more than one RTT after it */
    uint16_t id_prev;         /* the host's last IPv4 ID before the RST; 0 none */
    bool fallback;            /* as struct rst_before */
    bool id_applies;
};

/* The watch array: it follows the rows in the same allocation (rst_evidence.c). */
struct rst_watch *rst_watch_of(const struct flow *f);
/* Text appended to buf[cap] (rst_words.c): the evidence in words, without printf. */
struct words {
    char *buf;
    size_t cap, len;
};
/* Appends from where buf's text ends. */
void words_at(struct words *w, char *buf, size_t cap);
void words_add(struct words *w, const char *s);
void words_uint(struct words *w, uint64_t v);
void words_hex16(struct words *w, unsigned v);            /* "0x1a2b" */
void words_fixed(struct words *w, int64_t v, int decimals); /* v / 10^decimals: "1.5" */

/* The time of a direction's last segment, seen from a later time now_us; 0 before one. */
int64_t rst_last_ts_us(const struct flow *f, const struct rst_dir_evidence *e, int64_t now_us);

#endif
