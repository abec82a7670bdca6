/*
 * show_args.c — `finscope show DB FLOW-ID [--absolute] [--format text|svg] [-o FILE]`: its
 * arguments and help, the output, and the wiring to report/ (report_show).
 */
#include "cli/read_commands.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char HELP[] =
"Usage: finscope show DB FLOW-ID [--absolute] [--format text|svg] [-o FILE]\n"
"\n"
"Draw one flow of the result file DB as a ladder diagram, the way TCP textbooks draw a\n"
"connection: the originator on the left, the responder on the right, one arrow per segment\n"
"that shaped the teardown (SYN, FIN or RST, a state change, or an anomaly), labelled with\n"
"its flags, seq, ack and payload length. Each endpoint's inferred RFC 9293 state is written\n"
"beside the arrow that changed it (CLOSED, SYN_SENT, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2,\n"
"CLOSING, TIME_WAIT, CLOSE_WAIT, LAST_ACK, ...). A segment that raised an anomaly has a\n"
"line marked ! under its arrow with what was expected and what was observed; a RST has a\n"
"line marked ~ with why it was sent (cause), whether the host whose address it carries sent\n"
"it (origin: endpoint, other = spoofed, unknown) and the evidence. Above the ladder: the\n"
"verdict (teardown class, closer, final states, and the cause of the RST that ended it),\n"
"Zeek's conn_state and history, the application protocol, times and volumes. A segment\n"
"finscope inferred rather than captured (capture loss) is drawn dotted and labelled\n"
"inferred, with the number of the packet that proved it in parentheses.\n"
"\n"
"FLOW-ID is flows.id, e.g. from `finscope export DB --format csv` or\n"
"  sqlite3 DB \"SELECT id, teardown, orig_addr, resp_addr FROM flows WHERE anomalies > 0\"\n"
"\n"
"Options:\n"
"  --absolute     print sequence and acknowledgment numbers as captured; by default they\n"
"                 are relative to each side's initial sequence number (its SYN's seq, or\n"
"                 its first segment's when the SYN was not seen), so a handshake reads\n"
"                 seq=0, ack=1. Anomaly values (expected/observed) are always absolute.\n"
"  --format FORMAT  text (default): the ladder and the flow's facts, in colour on a\n"
"                 terminal unless NO_COLOR is set;\n"
"                 svg: the ladder as one SVG image (arrows coloured by flags, inferred\n"
"                 segments dashed), for a browser, a document or a ticket\n"
"  -o, --output FILE  write to FILE instead of standard output (replaced if it exists)\n"
"  -h, --help     show this text\n"
"\n"
"Exit status: 0 ok; 1 DB missing, not a finscope result file, no such flow, or FILE not\n"
"writable; 2 usage error.\n"
"\n"
"Example:\n"
"  finscope show audit.db 17\n"
"  finscope show audit.db 17 --absolute\n"
"  finscope show audit.db 17 --format svg -o flow17.svg\n";

struct show_args {
    struct show_options o;        /* style is set before writing */
    const char *output;           /* NULL: standard output */
};

enum { OPT_ABSOLUTE = 256, OPT_FORMAT };

static const struct option LONG_OPTIONS[] = {
    {"absolute", no_argument, NULL, OPT_ABSOLUTE},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"output", required_argument, NULL, 'o'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* One option; 0 to go on, 1 when --help was shown, 2 on a usage error. */
static int take_option(int c, struct show_args *a, char **argv)
{
    switch (c) {
    case OPT_ABSOLUTE:
        a->o.absolute = true;
        return 0;
    case OPT_FORMAT:
        if (strcmp(optarg, "text") == 0)
            a->o.format = SHOW_TEXT;
        else if (strcmp(optarg, "svg") == 0)
            a->o.format = SHOW_SVG;
        else
            return read_cmd_usage("show", "--format must be text or svg, not ", optarg);
        return 0;
    case 'o':
        a->output = optarg;
        return 0;
    case 'h':
        fputs(HELP, stdout);
        return 1;
    case ':':
        return read_cmd_usage("show", "missing argument for ", argv[optind - 1]);
    default:
        return read_cmd_usage("show", "unknown option ", argv[optind - 1]);
    }
}

/* 0: run; 1: help shown; 2: usage error. */
static int parse_args(int argc, char **argv, struct show_args *a)
{
    *a = (struct show_args){.o = {.format = SHOW_TEXT}};
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":o:h", LONG_OPTIONS, NULL)) != -1) {
        int rc = take_option(c, a, argv);
        if (rc != 0)
            return rc;
    }
    if (argc - optind < 2)
        return read_cmd_usage("show", argc - optind == 0 ? "no result file DB given"
                                                         : "no FLOW-ID given", NULL);
    if (argc - optind > 2)
        return read_cmd_usage("show", "unexpected argument ", argv[optind + 2]);
    a->o.db = argv[optind];
    if (!read_cmd_parse_id(argv[optind + 1], &a->o.flow_id))
        return read_cmd_usage("show", "FLOW-ID must be a flow number (1, 2, ...), not ",
                              argv[optind + 1]);
    return 0;
}

int cmd_show(int argc, char **argv)
{
    struct show_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    struct storage *st = read_cmd_open("show", a.o.db);
    if (!st)
        return 1;
    struct read_flow probe;
    if (read_flow(st, a.o.flow_id, &probe) < 0) {      /* before creating FILE */
        rc = read_cmd_fail("show", st);
        storage_close(st);
        return rc;
    }
    FILE *out = read_cmd_output("show", a.output);
    if (!out) {
        storage_close(st);
        return 1;
    }
    char err[600];
    read_cmd_style(out, &a.o.style);
    char *shown = storage_redacted(a.o.db);   /* a PostgreSQL URL's password is not shown */
    if (shown)
        a.o.db = shown;
    rc = report_show(st, &a.o, out, err, sizeof err);
    storage_close(st);
    free(shown);
    return read_cmd_finish("show", out, a.output, rc < 0 ? err : NULL);
}
