/*
 * analyze_args.c — options of `finscope analyze` (getopt_long), its --help text, and the
 * quoting used to record the command line in the run row.
 */
#include "cli/analyze_args.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/pipeline.h"
#include "cli/workers.h"

static const char HELP[] =
"Usage: finscope analyze FILE... [-o DB] [-f FILTER] [--max-flows N] [--idle-gap SECONDS]\n"
"                        [--workers N] [--no-dpi] [--sensor NAME] [-q]\n"
"\n"
"Read captures, follow every connection, and record in an SQLite result file how each TCP\n"
"connection ended (graceful, half_closed, rst_originator, rst_responder, rejected,\n"
"unanswered, open, abnormal), which side closed it, and every teardown anomaly (RSTs with\n"
"an unacceptable sequence number, data after FIN, FINs never acknowledged, ...).\n"
"\n"
"FILE is a pcap or pcapng capture, plain or gzip-compressed (recognised by its content, not\n"
"its name), or - for standard input. Any pcapng: interfaces of different link types and\n"
"snapshot lengths, several sections (libpcap reads what it can, finscope's own reader the\n"
"rest). Several files are one run, their packets merged by capture time as mergecap merges\n"
"them: the order of the files does not matter, captures taken side by side interleave, a\n"
"connection may span files, and packet numbers count in the merged order. Each packet keeps\n"
"its own capture time. Hundreds of files (rotated captures) are fine: only those that\n"
"overlap in time are open at once.\n"
"\n"
"Options:\n"
"  -o, --output DB      result file (default: " ANALYZE_DEFAULT_DB " in the current directory).\n"
"                       Created when missing; each analyze adds a new run to it.\n"
"                       Or a PostgreSQL database: postgresql://USER@HOST:PORT/DB (the\n"
"                       same tables; many sensors may write into one at once)\n"
"      --sensor NAME    which machine captured, stored in runs.sensor (default: this\n"
"                       machine's host name)\n"
"  -f, --filter EXPR    analyze only packets matching this BPF filter (tcpdump syntax),\n"
"                       e.g. 'tcp port 443' or 'host 10.0.0.5 and not port 22', compiled\n"
"                       for each packet's own link type; the counts then cover only the\n"
"                       matching packets\n"
"      --max-flows N    keep at most N connections in memory (N >= 16; default 1000000);\n"
"                       beyond it the longest-idle one is written out early (ended_by =\n"
"                       'evicted') and counted in runs.flows_evicted: memory stays bounded\n"
"                       whatever the capture holds (SYN floods, RST storms)\n"
"      --idle-gap SECONDS\n"
"                       a RST answering the first segment after a silence of at least\n"
"                       this long (default 30; fractions allowed) on an established\n"
"                       connection is an idle_timeout: a NAT, firewall or load balancer\n"
"                       forgot the connection (rsts.cause; docs/teardown.md)\n"
"      --workers N      analyze on N threads (1 to 64; default 1: on 2 cores 2 workers\n"
"                       measured no faster, bench/README.md), each following its share of the connections (all\n"
"                       between two hosts, both directions, a tunnel's inner ones, on the\n"
"                       same thread); the results are those of --workers 1 but for the\n"
"                       row ids and order, a few nDPI labels nDPI takes from other\n"
"                       flows, and, once --max-flows is reached (each thread keeps its\n"
"                       share), which connections are evicted (docs/teardown.md)\n"
"      --no-dpi         do not label flows with their application protocol (nDPI);\n"
"                       faster, and app_proto stays empty\n"
"  -q, --quiet          no progress line and no summary; only problems are printed\n"
"  -h, --help           show this text\n"
"\n"
"A progress line is shown on stderr when it is a terminal. Ctrl-C (or SIGTERM) stops\n"
"reading: the connections seen so far are still stored, in a run marked incomplete.\n"
"Packets that cannot be decoded are counted by reason, never guessed at.\n"
"\n"
"Exit status:\n"
"  0    every file was analyzed; warnings (bad or truncated records) may have been printed\n"
"  1    a file could not be used at all (missing, not a capture, unsupported link type,\n"
"       more files overlapping in time than can be open at once; the other files are\n"
"       still analyzed), or the result file could not be written\n"
"  2    usage error: unknown option, missing argument, no FILE, filter that does not compile\n"
"  130  interrupted by SIGINT (143: SIGTERM); what was read is stored, marked incomplete\n"
"\n"
"Examples:\n"
"  finscope analyze capture.pcap\n"
"  finscope analyze mon.pcapng.gz tue.pcapng.gz -o week.db -f 'tcp port 443'\n"
"  finscope analyze /var/captures/trace-*.pcap -o day.db      # in any order\n"
"  tcpdump -i eth0 -w - 'tcp' | finscope analyze - -o live.db\n"
"  sqlite3 finscope.db \"SELECT teardown, count(*) FROM flows WHERE proto = 'tcp' GROUP BY 1\"\n";

static const char HINT[] = "Try 'finscope analyze --help' for the options.\n";

enum { OPT_NO_DPI = 256, OPT_MAX_FLOWS, OPT_IDLE_GAP, OPT_WORKERS, OPT_SENSOR };

/* --max-flows bounds: below 16 a table could not hold a handful of connections at once. */
#define MAX_FLOWS_MIN 16ULL
#define MAX_FLOWS_MAX 1000000000ULL

static const struct option LONG_OPTIONS[] = {
    {"output", required_argument, NULL, 'o'},
    {"filter", required_argument, NULL, 'f'},
    {"no-dpi", no_argument, NULL, OPT_NO_DPI},
    {"max-flows", required_argument, NULL, OPT_MAX_FLOWS},
    {"idle-gap", required_argument, NULL, OPT_IDLE_GAP},
    {"workers", required_argument, NULL, OPT_WORKERS},
    {"sensor", required_argument, NULL, OPT_SENSOR},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

void analyze_print_help(FILE *out)
{
    fputs(HELP, out);
}

static enum args_result usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "finscope analyze: %s%s\n%s", what, arg, HINT);
    return ARGS_USAGE_ERROR;
}

/* The option as the user typed it: "-x" for a short one, else the word itself. */
static const char *offending_option(char **argv, char *buf, size_t len)
{
    const char *word = argv[optind - 1];
    if (optopt != 0 && strncmp(word, "--", 2) != 0) {
        snprintf(buf, len, "-%c", optopt);
        return buf;
    }
    return word;
}

/* --max-flows N: a whole number in [MAX_FLOWS_MIN, MAX_FLOWS_MAX]. */
static enum args_result parse_max_flows(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-' || v < MAX_FLOWS_MIN || v > MAX_FLOWS_MAX) {
        fprintf(stderr, "finscope analyze: --max-flows must be a whole number from %llu to %llu, "
                        "not '%s'\n%s", MAX_FLOWS_MIN, MAX_FLOWS_MAX, s, HINT);
        return ARGS_USAGE_ERROR;
    }
    *out = (size_t)v;
    return ARGS_RUN;
}

int parse_idle_gap(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || !(v > 0) || v > 1e6)
        return -1;
    *out = v;
    return 0;
}

int parse_workers(const char *s, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-' || s[0] == '+' || v < 1 || v > WORKERS_MAX)
        return -1;
    *out = (unsigned)v;
    return 0;
}

static enum args_result check_files(const struct analyze_args *a)
{
    if (a->nfiles == 0)
        return usage_error("no capture FILE given", "");
    int stdin_uses = 0;
    for (int i = 0; i < a->nfiles; i++)
        stdin_uses += strcmp(a->files[i], "-") == 0;
    if (stdin_uses > 1)
        return usage_error("- (standard input) can be given only once", "");
    return ARGS_RUN;
}

enum args_result analyze_args_parse(int argc, char **argv, struct analyze_args *out)
{
    *out = (struct analyze_args){.db_path = ANALYZE_DEFAULT_DB, .dpi = true};
    char buf[8];
    int c;
    opterr = 0;                   /* messages below name the command, not argv[0] */
    while ((c = getopt_long(argc, argv, ":o:f:qh", LONG_OPTIONS, NULL)) != -1) {
        switch (c) {
        case 'o': out->db_path = optarg; break;
        case 'f': out->filter = optarg; break;
        case 'q': out->quiet = true; break;
        case OPT_NO_DPI: out->dpi = false; break;
        case OPT_SENSOR:
            if (!pipeline_sensor_ok(optarg))
                return usage_error("--sensor must be a name of 1 to 255 characters, not ",
                                   optarg);
            out->sensor = optarg;
            break;
        case OPT_MAX_FLOWS:
            if (parse_max_flows(optarg, &out->max_flows) != ARGS_RUN)
                return ARGS_USAGE_ERROR;
            break;
        case OPT_IDLE_GAP:
            if (parse_idle_gap(optarg, &out->idle_gap_s) != 0)
                return usage_error("--idle-gap must be a number of seconds above 0, at most "
                                   "1000000, not ", optarg);
            break;
        case OPT_WORKERS:
            if (parse_workers(optarg, &out->workers) != 0)
                return usage_error("--workers must be a whole number from 1 to 64, not ",
                                   optarg);
            break;
        case 'h': analyze_print_help(stdout); return ARGS_HELP_SHOWN;
        case ':':
            return usage_error("missing argument for ", offending_option(argv, buf, sizeof buf));
        default:
            return usage_error("unknown option ", offending_option(argv, buf, sizeof buf));
        }
    }
    out->files = argv + optind;
    out->nfiles = argc - optind;
    return check_files(out);
}

/* Safe unquoted in a POSIX shell. */
static bool plain_word(const char *w)
{
    return *w != '\0' && strspn(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                   "0123456789_-+=./:,@%") == strlen(w);
}

/* Appends `w` at `p`, single-quoted when needed ('\'' for a quote); returns the new end. */
static char *put_word(char *p, const char *w, bool quote)
{
    if (!quote || plain_word(w))
        return stpcpy(p, w);
    *p++ = '\'';
    for (; *w; w++)
        p = *w == '\'' ? stpcpy(p, "'\\''") : (*p = *w, p + 1);
    *p++ = '\'';
    return p;
}

char *words_join(int n, char *const *words, bool quote)
{
    size_t len = 1;
    for (int i = 0; i < n; i++)
        len += 4 * strlen(words[i]) + 3;     /* worst case: every char a quote, plus quotes */
    char *s = malloc(len);
    if (!s)
        return NULL;
    char *p = s;
    *p = '\0';
    for (int i = 0; i < n; i++) {
        if (i > 0)
            *p++ = ' ';
        p = put_word(p, words[i], quote);
    }
    *p = '\0';
    return s;
}
