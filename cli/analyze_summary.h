/*
 * analyze_summary.h — the few lines `finscope analyze` prints on stdout when it is done.
 */
#ifndef FINSCOPE_CLI_ANALYZE_SUMMARY_H
#define FINSCOPE_CLI_ANALYZE_SUMMARY_H

#include <stdint.h>
#include <stdio.h>

#include "analyzer/analyzer.h"

/* Packets, decode errors by reason (non-zero ones), flows, and where the results are. */
void analyze_print_summary(FILE *out, const struct run_totals *t, const char *db_path,
                           int64_t run_id);

#endif
