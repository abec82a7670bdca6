/*
 * report_args.c — `finscope report DB [--run N] [--format text|json|csv] [--top N] [--runs]`:
 * its arguments and help, and the wiring from them to report/ (report_summary, report_runs).
 */
#include "cli/read_commands.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char HELP[] =
"Usage: finscope report DB [--run N] [--format text|json|csv] [--top N] [--runs]\n"
"\n"
"Summarize what one run of `finscope analyze` found in the result file DB:\n"
"  - the run: source, when, packets and bytes, undecodable packets by reason, drops (live),\n"
"    flows per protocol; an unfinished run (still being written, or killed) is marked\n"
"    (unfinished)\n"
"  - how the TCP connections ended: teardown classes by count and share, and who closed\n"
"  - anomalies by kind (count, and how many flows had one)\n"
"  - the addresses that reset the most connections, and those whose segments raised the\n"
"    most anomalies\n"
"  - the teardown mix per application protocol (nDPI)\n"
"The meaning of every class and anomaly is in docs/teardown.md and docs/schema.md.\n"
"\n"
"Options:\n"
"  --run N            report run N (default: the newest run in DB)\n"
"  --format FORMAT    text (default): aligned tables with bar charts, in colour on a\n"
"                     terminal unless NO_COLOR is set;\n"
"                     json: one JSON document with the same content;\n"
"                     csv: rows of section,name,group,value,flows,share (RFC 4180)\n"
"  --top N            rows in the top-address tables (default 10)\n"
"  --runs             list the runs in DB instead (id, start, source, packets, flows,\n"
"                     status)\n"
"  -h, --help         show this text\n"
"\n"
"Exit status: 0 ok; 1 DB missing, not a finscope result file, or no such run;\n"
"2 usage error.\n"
"\n"
"Examples:\n"
"  finscope report audit.db\n"
"  finscope report audit.db --run 2 --format json | python3 -m json.tool\n"
"  finscope report audit.db --runs\n"
"  finscope show audit.db 17          # one flow's teardown, as a ladder diagram\n";

struct report_args {
    struct report_options o;      /* db, run_id, format, top; style is set before writing */
    bool list_runs;
};

enum { OPT_RUN = 256, OPT_FORMAT, OPT_TOP, OPT_RUNS };

static const struct option LONG_OPTIONS[] = {
    {"run", required_argument, NULL, OPT_RUN},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"top", required_argument, NULL, OPT_TOP},
    {"runs", no_argument, NULL, OPT_RUNS},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int parse_format(const char *s, enum report_format *out)
{
    static const char *const names[] = {"text", "json", "csv"};
    for (int i = 0; i < 3; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (enum report_format)i;   /* REPORT_TEXT, REPORT_JSON, REPORT_CSV */
            return 0;
        }
    return -1;
}

/* One option; 0 to go on, 1 when --help was shown, 2 on a usage error. */
static int take_option(int c, struct report_args *a, char **argv)
{
    int64_t n;
    switch (c) {
    case OPT_RUN:
        if (!read_cmd_parse_id(optarg, &a->o.run_id))
            return read_cmd_usage("report", "--run wants a run number (1, 2, ...), not ", optarg);
        return 0;
    case OPT_FORMAT:
        if (parse_format(optarg, &a->o.format) < 0)
            return read_cmd_usage("report", "--format must be text, json or csv, not ", optarg);
        return 0;
    case OPT_TOP:
        if (!read_cmd_parse_id(optarg, &n) || n > 10000)
            return read_cmd_usage("report", "--top wants a number from 1 to 10000, not ", optarg);
        a->o.top = (int)n;
        return 0;
    case OPT_RUNS:
        a->list_runs = true;
        return 0;
    case 'h':
        fputs(HELP, stdout);
        return 1;
    case ':':
        return read_cmd_usage("report", "missing argument for ", argv[optind - 1]);
    default:
        return read_cmd_usage("report", "unknown option ", argv[optind - 1]);
    }
}

/* 0: run; 1: help shown (exit 0); 2: usage error. */
static int parse_args(int argc, char **argv, struct report_args *a)
{
    *a = (struct report_args){.o = {.format = REPORT_TEXT, .top = 10}};
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", LONG_OPTIONS, NULL)) != -1) {
        int rc = take_option(c, a, argv);
        if (rc != 0)
            return rc;
    }
    if (optind >= argc)
        return read_cmd_usage("report", "no result file DB given", NULL);
    if (optind + 1 < argc)
        return read_cmd_usage("report", "unexpected argument ", argv[optind + 1]);
    a->o.db = argv[optind];
    return 0;
}

/* Writes to standard output; the exit status. */
static int write_out(struct storage *st, struct report_args *a)
{
    char err[600];
    read_cmd_style(stdout, &a->o.style);
    int rc = a->list_runs ? report_runs(st, a->o.db, &a->o.style, stdout, err, sizeof err)
                          : report_summary(st, &a->o, stdout, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "finscope report: %s\n", err);
        return 1;
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "finscope report: cannot write the report: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}

int cmd_report(int argc, char **argv)
{
    struct report_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    struct storage *st = read_cmd_open("report", a.o.db);
    if (!st)
        return 1;
    rc = write_out(st, &a);
    storage_close(st);
    return rc;
}
