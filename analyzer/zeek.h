/*
 * zeek.h — Zeek-compatible conn_state and history, by Zeek's own coarser TCP model, so that
 * users can line finscope's flows up against a Zeek conn.log. The rules are in
 * ../shared/docs/teardown-spec.md §8 and the project's docs/teardown.md.
 *
 * The analyzer calls zeek_packet() for every packet of a flow, after it has decided which
 * side is the originator and after its own TCP tracker has judged the segment (retransmitted
 * payload, content gap, zero window), and zeek_conn_state() when the flow is emitted.
 */
#ifndef FINSCOPE_ZEEK_H
#define FINSCOPE_ZEEK_H

#include <stdbool.h>
#include <stdint.h>

#include "dissect/dissect.h"

enum zeek_endpoint_state {
    ZS_INACTIVE = 0, ZS_SYN_SENT, ZS_SYN_ACK_SENT, ZS_PARTIAL, ZS_ESTABLISHED, ZS_CLOSED, ZS_RESET
};

#define ZEEK_HISTORY_MAX 47

struct zeek_dir {                /* per direction */
    bool seen_A, seen_D;         /* 'A'/'D' recorded (each at most once) */
    bool seen_I, seen_Q;         /* 'I'/'Q' recorded (each at most once, as in Zeek) */
    bool have_syn, have_fin, have_rst;   /* a lone SYN (S or H) / FIN / RST seen */
    uint32_t last_syn_seq, last_fin_seq, last_rst_seq;  /* of the last such packet */
    uint32_t n_retrans, n_gap, n_zero_win, n_bad_cksum;  /* for the 1st/10th/100th... rule */
};

struct zeek_conn {
    uint8_t l4proto;
    uint8_t state[2];            /* enum zeek_endpoint_state, [0] originator, [1] responder */
    uint8_t prev_state[2];       /* the state before the last change (Zeek's prev_state) */
    bool any_packet[2];          /* this side sent anything (Zeek's UDP_ACTIVE) */
    struct zeek_dir dir[2];
    bool any_payload[2];
    char history[ZEEK_HISTORY_MAX + 1];
    uint8_t hist_len;
};

/* direction_inferred: the originator was guessed (no SYN seen), so history starts with '^'. */
void zeek_init(struct zeek_conn *z, uint8_t l4proto, bool direction_inferred);

struct zeek_seg_notes {          /* the analyzer's TCP tracker's judgement of this segment */
    bool retransmission;         /* payload already seen ('T') */
    bool content_gap;            /* data beyond a hole in the sequence space ('G') */
    bool zero_window;            /* advertises a zero window ('W') */
};

void zeek_packet(struct zeek_conn *z, bool from_orig, const struct packet *p,
                 const struct zeek_seg_notes *notes);
/* "S0", "SF", "REJ", "RSTO", ... (TCP); for UDP/ICMP Zeek's S0/SF/OTH rules. */
const char *zeek_conn_state(const struct zeek_conn *z);

#endif
