/*
 * live_args.h — the command line of `finscope live`: parsing and --help.
 */
#ifndef FINSCOPE_CLI_LIVE_ARGS_H
#define FINSCOPE_CLI_LIVE_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct live_args {
    const char *iface;            /* -i */
    const char *filter;           /* -f BPF expression, NULL when not given */
    const char *db_path;          /* -o, default ANALYZE_DEFAULT_DB */
    const char *sensor;           /* --sensor; NULL: the host name */
    const char *raw_path;         /* -w: also write the packets to this pcap file */
    const char *user;             /* -Z: drop privileges to this user once capturing */
    int snaplen;                  /* -s, default 262144 */
    int buffer_mb;                /* -B, default 32 */
    bool promisc;                 /* false with --no-promisc */
    bool dpi;                     /* false with --no-dpi */
    bool quiet;                   /* -q: no summary */
    bool list;                    /* --list: list interfaces and exit */
    double duration_s;            /* --duration, 0 = until stopped */
    uint64_t count;               /* --count, 0 = no limit */
    size_t max_flows;             /* --max-flows, 0 = the analyzer's default */
    double idle_gap_s;            /* --idle-gap, 0 = the analyzer's default (30 s) */
    unsigned workers;             /* --workers, default 1 (one analyzer, no worker threads) */
    int64_t rotate_s;             /* --rotate, 0 = one result file */
    size_t keep;                  /* --keep, 0 = keep every rotated file */
    const char *jsonl_path;       /* --jsonl: also stream each flow as a JSON line here */
    const char *rotate_arg;       /* --rotate as given, for messages */
};

enum live_args_result { LIVE_ARGS_RUN, LIVE_ARGS_HELP_SHOWN, LIVE_ARGS_USAGE_ERROR };

/* Parses argv (argv[0] is "live"); prints help on stdout or a usage error on stderr. */
enum live_args_result live_args_parse(int argc, char **argv, struct live_args *out);

#endif
