/*
 * record_filter.h — the -f BPF filter of `finscope analyze`, applied to each record by the
 * program compiled for that record's link type (pcap_compile on pcap_open_dead, then
 * pcap_offline_filter), so that it works alike on every reader's records and on files whose
 * interfaces have different link types. Programs are compiled once per link type and kept.
 */
#ifndef FINSCOPE_CLI_RECORD_FILTER_H
#define FINSCOPE_CLI_RECORD_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/capture_source.h"

struct record_filter;

/* Checks that `expr` compiles at all (against Ethernet). NULL with libpcap's message in err
 * (or "out of memory"). */
struct record_filter *record_filter_new(const char *expr, char *err, size_t errlen);

/* Compiles the filter for `linktype` (if not done yet): 0, or -1 with libpcap's message when
 * the filter cannot be used with that link type. */
int record_filter_prepare(struct record_filter *f, int linktype, char *err, size_t errlen);

/* 1 when the record matches, 0 when it does not, -1 when the filter cannot be used with the
 * record's link type (record_filter_prepare says why); such a record is not analyzed. */
int record_filter_match(struct record_filter *f, const struct capture_record *rec);

void record_filter_free(struct record_filter *f);

#endif
