/*
 * live_args.c — options of `finscope live` (getopt_long) and its --help text.
 */
#include "cli/live_args.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/analyze_args.h"
#include "cli/pipeline.h"
#include "cli/rotate_name.h"
#include "storage/storage.h"

static const char HELP[] =
"Usage: finscope live -i IFACE [-f FILTER] [-o DB] [options]\n"
"       finscope live --list\n"
"\n"
"Capture from a network interface and audit every connection as it goes: each flow is\n"
"written to the SQLite result file when it ends (1 s after its FIN/RST exchange, or on its\n"
"idle timeout), and results are committed every second, so you can query the file with\n"
"sqlite3 while finscope runs. The run's row (table runs) shows complete = 0 and up-to-date\n"
"packet and drop counters until the capture stops.\n"
"\n"
"Options:\n"
"  -i, --interface IFACE   interface to capture on ('any' for all, on Linux)\n"
"      --list              list the interfaces finscope can capture on, and exit\n"
"  -f, --filter EXPR       BPF capture filter (tcpdump syntax), e.g. 'tcp port 443'\n"
"  -o, --output DB         result file (default: " ANALYZE_DEFAULT_DB "), or a PostgreSQL\n"
"                          database: postgresql://USER@HOST:PORT/DB (a fleet's sensors\n"
"                          may all write into one)\n"
"      --sensor NAME       which machine captured, stored in runs.sensor (default: this\n"
"                          machine's host name)\n"
"  -w, --write FILE        also save the raw packets to FILE (pcap), as tcpdump -w does\n"
"  -s, --snaplen BYTES     bytes captured per packet (default 262144)\n"
"  -B, --buffer MB         kernel capture buffer in MiB (default 32); raise it if the\n"
"                          summary reports packets dropped by the kernel\n"
"      --no-promisc        do not put the interface into promiscuous mode\n"
"  -Z, --user USER         drop root privileges to USER once the capture is open (as\n"
"                          tcpdump -Z); the result file is then created as USER\n"
"      --duration SECONDS  stop after this long\n"
"      --count PACKETS     stop after this many packets\n"
"      --max-flows N       keep at most N connections in memory (default 1000000); beyond\n"
"                          it the longest-idle one is written out early (ended_by =\n"
"                          'evicted') and counted in runs.flows_evicted\n"
"      --idle-gap SECONDS  a RST answering the first segment after a silence of at least\n"
"                          this long (default 30) is an idle_timeout: a NAT, firewall or\n"
"                          load balancer forgot the connection (rsts.cause)\n"
"      --workers N         analyze on N threads (1 to 64; default 1), the captured\n"
"                          packets dealt out to them by connection from the capture\n"
"                          thread (results as with 1; analyze --help, docs/teardown.md)\n"
"      --no-dpi            do not label flows with their application protocol (nDPI)\n"
"      --rotate INTERVAL   a new result file every INTERVAL (e.g. 30s, 15m, 1h, 1d), beside\n"
"                          DB and named from it and the interval's start in UTC: -o live.db\n"
"                          gives live-2026-12-01T21-00-00.db; intervals start at multiples\n"
"                          of INTERVAL since the epoch; each file has its own run row\n"
"      --keep N            with --rotate: keep only the N newest files of DB's pattern\n"
"                          (and of --jsonl's), removing older ones; never an open file\n"
"      --jsonl FILE        also write each flow, when it is stored, as one JSON line to\n"
"                          FILE (as 'finscope export --format jsonl' writes it), flushed\n"
"                          every second; rotated with DB under --rotate\n"
"  -q, --quiet             no closing summary\n"
"  -h, --help              show this text\n"
"\n"
"Stop with Ctrl-C or SIGTERM: open connections are written (teardown 'open'), the run is\n"
"marked complete, and capture statistics are printed. Capturing needs root or the\n"
"CAP_NET_RAW capability (sudo setcap cap_net_raw,cap_net_admin=eip ./finscope).\n"
"\n"
"Examples:\n"
"  sudo finscope live -i eth0 -f 'tcp' -o live.db\n"
"  sqlite3 live.db \"SELECT teardown, count(*) FROM flows GROUP BY 1\"   # meanwhile\n"
"  sudo finscope live -i any --duration 3600 -Z nobody -o /tmp/hour.db\n"
"  sudo finscope live -i eth0 -o /var/lib/finscope/eth0.db --rotate 1h --keep 48\n";

static const char HINT[] = "Try 'finscope live --help' for the options.\n";

enum { OPT_LIST = 256, OPT_NO_PROMISC, OPT_NO_DPI, OPT_DURATION, OPT_COUNT, OPT_MAX_FLOWS,
       OPT_IDLE_GAP, OPT_ROTATE, OPT_KEEP, OPT_JSONL, OPT_WORKERS, OPT_SENSOR };

static const struct option LONG_OPTIONS[] = {
    {"interface", required_argument, NULL, 'i'}, {"list", no_argument, NULL, OPT_LIST},
    {"filter", required_argument, NULL, 'f'},    {"output", required_argument, NULL, 'o'},
    {"write", required_argument, NULL, 'w'},     {"snaplen", required_argument, NULL, 's'},
    {"buffer", required_argument, NULL, 'B'},    {"no-promisc", no_argument, NULL, OPT_NO_PROMISC},
    {"user", required_argument, NULL, 'Z'},      {"duration", required_argument, NULL, OPT_DURATION},
    {"count", required_argument, NULL, OPT_COUNT},
    {"max-flows", required_argument, NULL, OPT_MAX_FLOWS},
    {"idle-gap", required_argument, NULL, OPT_IDLE_GAP},
    {"workers", required_argument, NULL, OPT_WORKERS},
    {"rotate", required_argument, NULL, OPT_ROTATE},
    {"keep", required_argument, NULL, OPT_KEEP}, {"jsonl", required_argument, NULL, OPT_JSONL},
    {"sensor", required_argument, NULL, OPT_SENSOR},
    {"no-dpi", no_argument, NULL, OPT_NO_DPI},   {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},            {NULL, 0, NULL, 0},
};

static int usage_error(const char *fmt, const char *arg)
{
    fputs("finscope live: ", stderr);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%s", HINT);
    return -1;
}

/* A whole number in [min, max]; -1 with a message otherwise. */
static int parse_count(const char *what, const char *s, unsigned long long min,
                       unsigned long long max, unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-' || v < min || v > max) {
        fprintf(stderr, "finscope live: %s must be a whole number from %llu to %llu, not '%s'\n%s",
                what, min, max, s, HINT);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_seconds(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v > 0) || v > 1e9)
        return usage_error("--duration must be a positive number of seconds, not '%s'", s);
    *out = v;
    return 0;
}

static int take_option(int c, const char *arg, struct live_args *a)
{
    unsigned long long v;
    switch (c) {
    case 'i': a->iface = arg; return 0;
    case 'f': a->filter = arg; return 0;
    case 'o': a->db_path = arg; return 0;
    case 'w': a->raw_path = arg; return 0;
    case 'Z': a->user = arg; return 0;
    case 'q': a->quiet = true; return 0;
    case OPT_LIST: a->list = true; return 0;
    case OPT_NO_PROMISC: a->promisc = false; return 0;
    case OPT_NO_DPI: a->dpi = false; return 0;
    case OPT_SENSOR:
        if (!pipeline_sensor_ok(arg))
            return usage_error("--sensor must be a name of 1 to 255 characters, not '%s'", arg);
        a->sensor = arg; return 0;
    case OPT_DURATION: return parse_seconds(arg, &a->duration_s);
    case 's':
        if (parse_count("--snaplen", arg, 64, 262144, &v)) return -1;
        a->snaplen = (int)v; return 0;
    case 'B':
        if (parse_count("--buffer", arg, 1, 4096, &v)) return -1;
        a->buffer_mb = (int)v; return 0;
    case OPT_COUNT:
        if (parse_count("--count", arg, 1, UINT64_MAX, &v)) return -1;
        a->count = v; return 0;
    case OPT_MAX_FLOWS:
        if (parse_count("--max-flows", arg, 16, 1000000000ULL, &v)) return -1;
        a->max_flows = (size_t)v; return 0;
    case OPT_JSONL: a->jsonl_path = arg; return 0;
    case OPT_ROTATE:
        a->rotate_arg = arg;
        if (rotate_parse_interval(arg, &a->rotate_s) == 0) return 0;
        return usage_error("--rotate must be a whole number above 0 with a unit, s, m, h or d "
                           "(e.g. 15m), at most 366d, not '%s'", arg);
    case OPT_KEEP:
        if (parse_count("--keep", arg, 1, 1000000, &v)) return -1;
        a->keep = (size_t)v; return 0;
    case OPT_IDLE_GAP:
        if (parse_idle_gap(arg, &a->idle_gap_s) == 0) return 0;
        return usage_error("--idle-gap must be a number of seconds above 0, at most 1000000, "
                           "not '%s'", arg);
    case OPT_WORKERS:
        if (parse_workers(arg, &a->workers) == 0) return 0;
        return usage_error("--workers must be a whole number from 1 to 64, not '%s'", arg);
    default:
        return -1;  /* getopt_long already printed the problem */
    }
}

/* --keep needs --rotate; rotation makes SQLite files, so not into a PostgreSQL database. */
static int check_rotation(const struct live_args *a)
{
    if (a->keep && !a->rotate_s)
        return usage_error("%s--keep needs --rotate (it removes old rotated files)", "");
    if (a->rotate_s && storage_is_postgres(a->db_path))
        return usage_error("%s--rotate makes a new SQLite file per interval; it cannot rotate "
                           "a PostgreSQL database (-o postgresql://...): leave out --rotate", "");
    return 0;
}

enum live_args_result live_args_parse(int argc, char **argv, struct live_args *out)
{
    *out = (struct live_args){.db_path = ANALYZE_DEFAULT_DB, .snaplen = 262144, .buffer_mb = 32,
                              .promisc = true, .dpi = true, .workers = 1};
    int c;
    optind = 1;
    opterr = 1;
    while ((c = getopt_long(argc, argv, "+i:f:o:w:s:B:Z:qh", LONG_OPTIONS, NULL)) != -1) {
        if (c == 'h') {
            fputs(HELP, stdout);
            return LIVE_ARGS_HELP_SHOWN;
        }
        if (c == '?' || take_option(c, optarg, out) != 0) {
            if (c == '?')
                fputs(HINT, stderr);
            return LIVE_ARGS_USAGE_ERROR;
        }
    }
    if (optind < argc) {
        usage_error("unexpected argument '%s' (captures are read with 'finscope analyze')",
                    argv[optind]);
        return LIVE_ARGS_USAGE_ERROR;
    }
    if (check_rotation(out) != 0)
        return LIVE_ARGS_USAGE_ERROR;
    if (!out->list && !out->iface) {
        usage_error("%sno interface given: use -i IFACE (see 'finscope live --list')", "");
        return LIVE_ARGS_USAGE_ERROR;
    }
    return LIVE_ARGS_RUN;
}
