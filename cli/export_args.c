/*
 * export_args.c — `finscope export DB --format zeek|jsonl|csv [--run N] [-o FILE]`: its
 * arguments and help, the output file, and the wiring to report/ (report_export).
 */
#include "cli/read_commands.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char HELP[] =
"Usage: finscope export DB --format zeek|jsonl|csv [--run N] [-o FILE]\n"
"\n"
"Write every flow of one run of the result file DB for other tools:\n"
"  zeek    a Zeek conn.log (tab-separated, with Zeek's #separator, #fields, #types ...\n"
"          header lines), readable by zeek-cut and anything that reads Zeek logs. Fields:\n"
"          ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto service duration\n"
"          orig_bytes resp_bytes conn_state local_orig local_resp missed_bytes history\n"
"          orig_pkts orig_ip_bytes resp_pkts resp_ip_bytes tunnel_parents.\n"
"          uid is \"F\" + the flow id in base 62 (stable: the same flow, the same uid);\n"
"          service is nDPI's protocol under Zeek's name (TLS -> ssl, HTTP -> http, ...);\n"
"          like Zeek, duration and byte counts are unset (-) for a flow of duration 0;\n"
"          tunnel_parents is the flow's tunnel (flows.tunnel, e.g. \"vxlan\n"
"          10.0.0.1>10.0.0.2 vni 42\") as its one element, unset when it was not\n"
"          tunnelled; local_orig and local_resp are unset; missed_bytes is\n"
"          flows.gap_bytes (bytes acknowledged but not captured; 0 when not TCP);\n"
"          #open and #close are the run's start and end (UTC; the export time when the\n"
"          run is unfinished).\n"
"  jsonl   one JSON object per line and flow: every column of the flows table\n"
"          (docs/schema.md; the anomaly count as \"anomaly_count\"), \"uid\", and\n"
"          \"anomalies\": the flow's anomaly rows (kind, direction, expected, observed, ...),\n"
"          \"rsts\": its RST segments (seq, ack, ttl, ip_id, acceptable, cause, origin,\n"
"          evidence, ...; docs/schema.md, table rsts)\n"
"  csv     a header line, then one line per flow: every column of the flows table, uid,\n"
"          and anomaly_kinds (its anomalies' kinds, space-separated); RFC 4180 quoting\n"
"\n"
"Options:\n"
"  --format FORMAT   zeek, jsonl or csv (required)\n"
"  --run N           export run N (default: the newest run in DB)\n"
"  -o, --output FILE write to FILE instead of standard output (replaced if it exists)\n"
"  -h, --help        show this text\n"
"\n"
"Exit status: 0 ok; 1 DB missing, not a finscope result file, no such run, or FILE not\n"
"writable; 2 usage error.\n"
"\n"
"Examples:\n"
"  finscope export audit.db --format zeek -o conn.log && zeek-cut uid conn_state < conn.log\n"
"  finscope export audit.db --format jsonl | jq 'select(.teardown == \"rst_responder\")'\n"
"  finscope export audit.db --run 2 --format csv -o flows.csv\n";

struct export_args {
    const char *db, *output;
    int64_t run_id;
    bool have_format;
    enum export_format format;
};

static const struct option LONG_OPTIONS[] = {
    {"format", required_argument, NULL, 'F'},
    {"run", required_argument, NULL, 'R'},
    {"output", required_argument, NULL, 'o'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int parse_format(const char *s, enum export_format *out)
{
    static const char *const names[] = {"zeek", "jsonl", "csv"};
    for (int i = 0; i < 3; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (enum export_format)i;   /* EXPORT_ZEEK, EXPORT_JSONL, EXPORT_CSV */
            return 0;
        }
    return -1;
}

/* 0 to go on, 1 when --help was shown, 2 on a usage error. */
static int take_option(int c, struct export_args *a, char **argv)
{
    switch (c) {
    case 'F':
        if (parse_format(optarg, &a->format) < 0)
            return read_cmd_usage("export", "--format must be zeek, jsonl or csv, not ", optarg);
        a->have_format = true;
        return 0;
    case 'R':
        if (!read_cmd_parse_id(optarg, &a->run_id))
            return read_cmd_usage("export", "--run wants a run number (1, 2, ...), not ", optarg);
        return 0;
    case 'o':
        a->output = optarg;
        return 0;
    case 'h':
        fputs(HELP, stdout);
        return 1;
    case ':':
        return read_cmd_usage("export", "missing argument for ", argv[optind - 1]);
    default:
        return read_cmd_usage("export", "unknown option ", argv[optind - 1]);
    }
}

static int parse_args(int argc, char **argv, struct export_args *a)
{
    *a = (struct export_args){0};
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":o:h", LONG_OPTIONS, NULL)) != -1) {
        int rc = take_option(c, a, argv);
        if (rc != 0)
            return rc;
    }
    if (optind >= argc)
        return read_cmd_usage("export", "no result file DB given", NULL);
    if (optind + 1 < argc)
        return read_cmd_usage("export", "unexpected argument ", argv[optind + 1]);
    if (!a->have_format)
        return read_cmd_usage("export", "no --format given (zeek, jsonl or csv)", NULL);
    a->db = argv[optind];
    return 0;
}

static int run_export(struct storage *st, const struct export_args *a)
{
    struct read_run run;
    if (read_run(st, a->run_id, &run) < 0)
        return read_cmd_fail("export", st);      /* before creating FILE */
    FILE *out = read_cmd_output("export", a->output);
    if (!out)
        return 1;
    char err[600];
    int rc = report_export(st, run.id, a->format, out, err, sizeof err);
    return read_cmd_finish("export", out, a->output, rc < 0 ? err : NULL);
}

int cmd_export(int argc, char **argv)
{
    struct export_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    struct storage *st = read_cmd_open("export", a.db);
    if (!st)
        return 1;
    rc = run_export(st, &a);
    storage_close(st);
    return rc;
}
