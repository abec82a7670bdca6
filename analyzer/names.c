/*
 * names.c — the strings finscope stores and prints for its enums (teardown-spec vocabulary).
 * Each table is indexed by its enum; the static asserts keep the two in step.
 */
#include "analyzer/analyzer.h"

static const char *const state_names[] = {
    [ST_CLOSED] = "CLOSED", [ST_LISTEN] = "LISTEN", [ST_SYN_SENT] = "SYN_SENT",
    [ST_SYN_RECEIVED] = "SYN_RECEIVED", [ST_ESTABLISHED] = "ESTABLISHED",
    [ST_FIN_WAIT_1] = "FIN_WAIT_1", [ST_FIN_WAIT_2] = "FIN_WAIT_2", [ST_CLOSING] = "CLOSING",
    [ST_TIME_WAIT] = "TIME_WAIT", [ST_CLOSE_WAIT] = "CLOSE_WAIT", [ST_LAST_ACK] = "LAST_ACK",
};
_Static_assert(sizeof state_names / sizeof *state_names == ST_COUNT, "state names");

static const char *const anomaly_names[] = {
    [AN_RST_SEQ_OUT_OF_WINDOW] = "rst_seq_out_of_window",
    [AN_RST_SEQ_INEXACT] = "rst_seq_inexact",
    [AN_RST_ACK_MISMATCH] = "rst_ack_mismatch",
    [AN_RST_WITH_DATA] = "rst_with_data",
    [AN_RST_AFTER_CLOSE] = "rst_after_close",
    [AN_DATA_AFTER_FIN] = "data_after_fin",
    [AN_DATA_AFTER_RST] = "data_after_rst",
    [AN_FIN_NOT_ACKED] = "fin_not_acked",
    [AN_FIN_RETRANSMITTED] = "fin_retransmitted",
    [AN_MULTIPLE_RST] = "multiple_rst",
    [AN_RST_CHALLENGE_LOOP] = "rst_challenge_loop",
    [AN_INVALID_FLAGS] = "invalid_flags",
    [AN_ACK_OF_UNSEEN_DATA] = "ack_of_unseen_data",
    [AN_RST_SPOOFED] = "rst_spoofed",
};
_Static_assert(sizeof anomaly_names / sizeof *anomaly_names == AN_KIND_COUNT, "anomaly names");

static const char *const cause_names[] = {
    [RC_REFUSED] = "refused", [RC_AFTER_CLOSE] = "after_close",
    [RC_IDLE_TIMEOUT] = "idle_timeout", [RC_NO_CONNECTION] = "no_connection",
    [RC_INVALID_SEGMENT] = "invalid_segment", [RC_TIMEOUT] = "timeout",
    [RC_INJECTED] = "injected", [RC_ABORT] = "abort", [RC_UNKNOWN] = "unknown",
};
_Static_assert(sizeof cause_names / sizeof *cause_names == RC_COUNT, "cause names");

static const char *const origin_names[] = {
    [RO_ENDPOINT] = "endpoint", [RO_OTHER] = "other", [RO_UNKNOWN] = "unknown",
};
_Static_assert(sizeof origin_names / sizeof *origin_names == RO_COUNT, "origin names");

static const char *const acceptable_names[] = {
    [RA_EXACT] = "exact", [RA_IN_WINDOW] = "in_window", [RA_OUT_OF_WINDOW] = "out_of_window",
    [RA_NONE] = NULL,
};
_Static_assert(sizeof acceptable_names / sizeof *acceptable_names == RA_COUNT, "acceptable");

const char *rst_cause_name(enum rst_cause c)
{
    return (unsigned)c < RC_COUNT ? cause_names[c] : "?";
}

const char *rst_origin_name(enum rst_origin o)
{
    return (unsigned)o < RO_COUNT ? origin_names[o] : "?";
}

const char *rst_acceptable_name(enum rst_acceptable a)
{
    return (unsigned)a < RA_COUNT ? acceptable_names[a] : NULL;
}

const char *tcp_state_name(enum tcp_state s)
{
    return (unsigned)s < ST_COUNT ? state_names[s] : "?";
}

const char *anomaly_kind_name(enum anomaly_kind k)
{
    return (unsigned)k < AN_KIND_COUNT ? anomaly_names[k] : "?";
}

const char *direction_name(enum direction d)
{
    return d == DIR_ORIG ? "orig" : "resp";
}
