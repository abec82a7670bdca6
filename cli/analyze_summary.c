/*
 * analyze_summary.c — the closing summary of `finscope analyze` (see analyze_summary.h):
 *
 *   packets        48213 (31.2 MB)
 *   decode errors  2: trunc_l4 2
 *   skipped        13: not_ip 10, wlan_mgmt 3      (frames with nothing to analyze, if any)
 *   flows          1304 (2 evicted)
 *   results in audit.db (run 3); see: finscope report audit.db
 */
#include "cli/analyze_summary.h"

#include <stdlib.h>

#include "cli/analyze_args.h"

static void print_size(FILE *out, uint64_t bytes)
{
    static const char *const units[] = {"bytes", "kB", "MB", "GB", "TB"};
    double v = (double)bytes;
    size_t u = 0;
    while (v >= 1000.0 && u + 1 < sizeof units / sizeof *units) {
        v /= 1000.0;
        u++;
    }
    if (u == 0)
        fprintf(out, "%llu bytes", (unsigned long long)bytes);
    else
        fprintf(out, "%.1f %s", v, units[u]);
}

/* The reasons that are errors (dissect_reason_is_error) when `errors`, else the others; the
 * others' line only when there are some. */
static void print_decode_errors(FILE *out, const struct run_totals *t, bool errors)
{
    uint64_t total = 0;
    for (int r = DISSECT_OK + 1; r < DISSECT_REASON_COUNT; r++)
        if (dissect_reason_is_error((enum dissect_result)r) == errors)
            total += t->decode_errors[r];
    if (!errors && total == 0)
        return;
    fprintf(out, "%s  %llu", errors ? "decode errors" : "skipped      ", (unsigned long long)total);
    const char *sep = ": ";
    for (int r = DISSECT_OK + 1; r < DISSECT_REASON_COUNT; r++) {
        if (t->decode_errors[r] == 0 || dissect_reason_is_error((enum dissect_result)r) != errors)
            continue;
        fprintf(out, "%s%s %llu", sep, dissect_reason_name((enum dissect_result)r),
                (unsigned long long)t->decode_errors[r]);
        sep = ", ";
    }
    fputc('\n', out);
}

void analyze_print_summary(FILE *out, const struct run_totals *t, const char *db_path,
                           int64_t run_id)
{
    fprintf(out, "packets        %llu (", (unsigned long long)t->packets);
    print_size(out, t->bytes);
    fputs(")\n", out);
    print_decode_errors(out, t, true);
    print_decode_errors(out, t, false);
    fprintf(out, "flows          %llu", (unsigned long long)t->flows);
    if (t->flows_evicted > 0)
        fprintf(out, " (%llu evicted)", (unsigned long long)t->flows_evicted);
    fputc('\n', out);
    char *const words[] = {(char *)db_path};
    char *quoted = words_join(1, words, true);
    const char *db_arg = quoted ? quoted : db_path;
    fprintf(out, "results in %s (run %lld%s); see: finscope report %s\n", db_arg,
            (long long)run_id, t->complete ? "" : ", incomplete", db_arg);
    free(quoted);
}
