/*
 * show_args.c — `finscope show DB FLOW-ID [--absolute]`: its arguments and help, and the
 * wiring from them to report/ (report_show).
 */
#include "cli/read_commands.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char HELP[] =
"Usage: finscope show DB FLOW-ID [--absolute]\n"
"\n"
"Draw one flow of the result file DB as a ladder diagram, the way TCP textbooks draw a\n"
"connection: the originator on the left, the responder on the right, one arrow per segment\n"
"that shaped the teardown (SYN, FIN or RST, a state change, or an anomaly), labelled with\n"
"its flags, seq, ack and payload length. Each endpoint's inferred RFC 9293 state is written\n"
"beside the arrow that changed it (CLOSED, SYN_SENT, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2,\n"
"CLOSING, TIME_WAIT, CLOSE_WAIT, LAST_ACK, ...). A segment that raised an anomaly has a\n"
"line marked ! under its arrow with what was expected and what was observed. Above the\n"
"ladder: the verdict (teardown class, closer, final states), Zeek's conn_state and history,\n"
"the application protocol, times and volumes.\n"
"\n"
"FLOW-ID is flows.id, e.g. from `finscope export DB --format csv` or\n"
"  sqlite3 DB \"SELECT id, teardown, orig_addr, resp_addr FROM flows WHERE anomalies > 0\"\n"
"\n"
"Options:\n"
"  --absolute     print sequence and acknowledgment numbers as captured; by default they\n"
"                 are relative to each side's initial sequence number (its SYN's seq, or\n"
"                 its first segment's when the SYN was not seen), so a handshake reads\n"
"                 seq=0, ack=1. Anomaly values (expected/observed) are always absolute.\n"
"  -h, --help     show this text\n"
"\n"
"Exit status: 0 ok; 1 DB missing, not a finscope result file, or no such flow;\n"
"2 usage error.\n"
"\n"
"Example:\n"
"  finscope show audit.db 17\n"
"  finscope show audit.db 17 --absolute\n";

enum { OPT_ABSOLUTE = 256 };

static const struct option LONG_OPTIONS[] = {
    {"absolute", no_argument, NULL, OPT_ABSOLUTE},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};


/* 0: run; 1: help shown; 2: usage error. */
static int parse_args(int argc, char **argv, struct show_options *a)
{
    *a = (struct show_options){0};
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", LONG_OPTIONS, NULL)) != -1) {
        if (c == OPT_ABSOLUTE) {
            a->absolute = true;
        } else if (c == 'h') {
            fputs(HELP, stdout);
            return 1;
        } else {
            return read_cmd_usage("show", "unknown option ", argv[optind - 1]);
        }
    }
    if (argc - optind < 2)
        return read_cmd_usage("show", argc - optind == 0 ? "no result file DB given"
                                                         : "no FLOW-ID given", NULL);
    if (argc - optind > 2)
        return read_cmd_usage("show", "unexpected argument ", argv[optind + 2]);
    a->db = argv[optind];
    if (!read_cmd_parse_id(argv[optind + 1], &a->flow_id))
        return read_cmd_usage("show", "FLOW-ID must be a flow number (1, 2, ...), not ",
                              argv[optind + 1]);
    return 0;
}

int cmd_show(int argc, char **argv)
{
    struct show_options o;
    int rc = parse_args(argc, argv, &o);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    struct storage *st = read_cmd_open("show", o.db);
    if (!st)
        return 1;
    char err[600];
    read_cmd_style(stdout, &o.style);
    rc = report_show(st, &o, stdout, err, sizeof err);
    storage_close(st);
    if (rc < 0) {
        fprintf(stderr, "finscope show: %s\n", err);
        return 1;
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "finscope show: cannot write: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}
