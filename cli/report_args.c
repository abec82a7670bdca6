/*
 * report_args.c — `finscope report DB [--run N] [--format text|json|csv|html] [-o FILE] ...`:
 * its arguments and help, the output, and the wiring to report/ (report_summary, report_runs).
 */
#include "cli/read_commands.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char HELP[] =
"Usage: finscope report DB [--run N] [--format text|json|csv|html] [-o FILE] [--top N]\n"
"                          [--rows N] [--ladders N] [--runs]\n"
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
"--format html writes one self-contained page to look at (it loads nothing and makes no\n"
"network request: open it anywhere, mail it, attach it to a ticket): the same content as\n"
"charts, connection ends over time, why connections were reset, the servers behind resets\n"
"and anomalies, a table of flows that filters (teardown, anomaly, host, port, application)\n"
"and sorts, and the teardown ladder of every notable flow (a RST or an anomaly), reached\n"
"from its row. A large run is shown in part (--rows, --ladders); the page says what it\n"
"left out.\n"
"\n"
"Options:\n"
"  --run N            report run N (default: the newest run in DB)\n"
"  --format FORMAT    text (default): aligned tables with bar charts, in colour on a\n"
"                     terminal unless NO_COLOR is set;\n"
"                     json: one JSON document with the same content;\n"
"                     csv: rows of section,name,group,value,flows,share (RFC 4180);\n"
"                     html: one self-contained HTML page (above)\n"
"  -o, --output FILE  write to FILE instead of standard output (replaced if it exists)\n"
"  --top N            rows in the top-address and server tables (default 10)\n"
"  --rows N           html: flows in the page's table, at most (default 10000); notable\n"
"                     flows first, taken in turn from each kind of ending and anomaly\n"
"  --ladders N        html: notable flows that get a ladder, at most (default 1000)\n"
"  --runs             list the runs in DB instead (id, start, source, packets, flows,\n"
"                     status)\n"
"  -h, --help         show this text\n"
"\n"
"Exit status: 0 ok; 1 DB missing, not a finscope result file, no such run, or FILE not\n"
"writable; 2 usage error.\n"
"\n"
"Examples:\n"
"  finscope report audit.db\n"
"  finscope report audit.db --run 2 --format json | python3 -m json.tool\n"
"  finscope report audit.db --format html -o audit.html\n"
"  finscope report audit.db --runs\n"
"  finscope show audit.db 17          # one flow's teardown, as a ladder diagram\n";

struct report_args {
    struct report_options o;      /* db, run_id, format, top, rows, ladders; style is set
                                     before writing */
    const char *output;           /* NULL: standard output */
    bool list_runs, bounds_given; /* bounds: --rows or --ladders */
};

enum { OPT_RUN = 256, OPT_FORMAT, OPT_TOP, OPT_RUNS, OPT_ROWS, OPT_LADDERS };

static const struct option LONG_OPTIONS[] = {
    {"run", required_argument, NULL, OPT_RUN},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"output", required_argument, NULL, 'o'},
    {"top", required_argument, NULL, OPT_TOP},
    {"rows", required_argument, NULL, OPT_ROWS},
    {"ladders", required_argument, NULL, OPT_LADDERS},
    {"runs", no_argument, NULL, OPT_RUNS},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int parse_format(const char *s, enum report_format *out)
{
    static const char *const names[] = {"text", "json", "csv", "html"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (enum report_format)i;   /* REPORT_TEXT, _JSON, _CSV, _HTML */
            return 0;
        }
    return -1;
}

/* --rows N (1 .. 1,000,000) or --ladders N (0 .. 100,000). */
static int take_bound(int c, struct report_args *a)
{
    int64_t n = 0;
    bool rows = c == OPT_ROWS;
    bool ok = rows ? read_cmd_parse_id(optarg, &n) && n <= 1000000
                   : (strcmp(optarg, "0") == 0 || (read_cmd_parse_id(optarg, &n) &&
                                                   n <= 100000));
    if (!ok)
        return read_cmd_usage("report", rows ? "--rows wants a number from 1 to 1000000, not "
                              : "--ladders wants a number from 0 to 100000, not ", optarg);
    *(rows ? &a->o.rows : &a->o.ladders) = (size_t)n;
    a->bounds_given = true;
    return 0;
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
            return read_cmd_usage("report", "--format must be text, json, csv or html, not ",
                                  optarg);
        return 0;
    case 'o':
        a->output = optarg;
        return 0;
    case OPT_ROWS:
    case OPT_LADDERS:
        return take_bound(c, a);
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
    *a = (struct report_args){.o = {.format = REPORT_TEXT, .top = 10, .rows = REPORT_HTML_ROWS,
                                    .ladders = REPORT_HTML_LADDERS}};
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":o:h", LONG_OPTIONS, NULL)) != -1) {
        int rc = take_option(c, a, argv);
        if (rc != 0)
            return rc;
    }
    if (optind >= argc)
        return read_cmd_usage("report", "no result file DB given", NULL);
    if (optind + 1 < argc)
        return read_cmd_usage("report", "unexpected argument ", argv[optind + 1]);
    if (a->bounds_given && a->o.format != REPORT_HTML)
        return read_cmd_usage("report", "--rows and --ladders apply to --format html only",
                              NULL);
    a->o.db = argv[optind];
    return 0;
}

/* Writes the report to its output; the exit status. */
static int write_out(struct storage *st, struct report_args *a)
{
    struct read_run run;
    if (!a->list_runs && read_run(st, a->o.run_id, &run) < 0)
        return read_cmd_fail("report", st);      /* before creating FILE */
    FILE *out = read_cmd_output("report", a->output);
    if (!out)
        return 1;
    char err[600];
    read_cmd_style(out, &a->o.style);
    int rc = a->list_runs ? report_runs(st, a->o.db, &a->o.style, out, err, sizeof err)
                          : report_summary(st, &a->o, out, err, sizeof err);
    return read_cmd_finish("report", out, a->output, rc < 0 ? err : NULL);
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
    char *shown = storage_redacted(a.o.db);   /* a PostgreSQL URL's password is not shown */
    if (shown)
        a.o.db = shown;
    rc = write_out(st, &a);
    storage_close(st);
    free(shown);
    return rc;
}
