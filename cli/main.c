/*
 * main.c — finscope's entry point: picks the command, and answers --help and --version.
 *
 * finscope reads captures and records how every TCP connection ended. Data flows one way:
 *
 *   capture -> source -> dissect -> analyzer -> sink -> storage -> result file (SQLite)
 *
 *   source    cli/capture_source.c   a pcap/pcapng file, plain or gzip, or stdin, via libpcap
 *                                    or finscope's pcapng reader (cli/pcapng_read.c); several
 *                                    files merged by record time (cli/input_set.c)
 *   dissect   dissect/dissect.h      captured bytes -> struct packet; pure and bounds-checked
 *   analyzer  analyzer/analyzer.h    flow table, TCP tracking, the RFC 9293 release state
 *                                    machine per endpoint, verdicts, anomalies, nDPI labels
 *   sink      analyzer/analyzer.h    the interface finished flows and run totals leave through
 *   storage   storage/storage.h      implements the sink; the only code that knows SQLite
 *
 * and back out: report/ (report/report.h) reads a result file through storage/read.h and
 * writes what `report`, `show` and `export` show to the stream cli/ hands it.
 *
 * cli/ drives the pipeline (cli/analyze.c: a run from start to exit status; cli/analyze_read.c:
 * the record loop) and is the only layer that parses arguments, opens files, prints messages,
 * handles signals and chooses exit codes: 0 ok, 1 input or database error, 2 usage error,
 * 128 + N on signal N.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "analyzer/analyzer.h"
#include "cli/analyze.h"
#include "cli/live.h"
#include "cli/read_commands.h"
#include "storage/storage.h"

#ifndef FINSCOPE_VERSION
#define FINSCOPE_VERSION "unknown"     /* the Makefile defines it */
#endif

struct command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);  /* argv[0] is the command name; NULL: not here yet */
};

static const struct command COMMANDS[] = {
    {"analyze", "read captures; record how every connection ended, and what was wrong",
     cmd_analyze},
    {"report", "summarize a result file: teardown classes, anomalies, resets", cmd_report},
    {"show", "one flow in detail: its teardown ladder, state changes and anomalies", cmd_show},
    {"export", "flows as a Zeek conn.log, JSON lines or CSV", cmd_export},
    {"live", "capture from a network interface and audit as it goes", cmd_live},
};
#define N_COMMANDS (sizeof COMMANDS / sizeof *COMMANDS)

static const char INTRO[] =
"finscope — how did each TCP connection end, and was anything wrong with it?\n"
"\n"
"finscope reads packet captures (pcap or pcapng, gzip-compressed or not, or stdin), follows\n"
"every connection, and replays each TCP connection through the RFC 9293 connection-release\n"
"state machine as an observer on the wire infers it for both endpoints. For each connection\n"
"it records how it ended (graceful, half_closed, rst_originator, rst_responder, rejected,\n"
"unanswered, open, abnormal), which side closed it, and which segments were wrong, in an\n"
"SQLite result file you can query with the sqlite3 shell.\n"
"\n"
"Usage: finscope COMMAND [ARGUMENTS...]\n"
"\n"
"Commands:\n";

static const char OUTRO[] =
"\n"
"Run 'finscope COMMAND --help' (or 'finscope help COMMAND') for a command's options.\n"
"'finscope --version' shows the versions of finscope and the libraries it uses.\n"
"\n"
"Example:\n"
"  finscope analyze capture.pcap -o audit.db\n"
"  sqlite3 audit.db \"SELECT teardown, count(*) FROM flows WHERE proto = 'tcp' GROUP BY 1\"\n";

static const char HINT[] = "Try 'finscope --help' for the list of commands.\n";

static void print_help(void)
{
    fputs(INTRO, stdout);
    for (size_t i = 0; i < N_COMMANDS; i++)
        printf("  %-9s %s%s\n", COMMANDS[i].name, COMMANDS[i].summary,
               COMMANDS[i].run ? "" : " (coming)");
    fputs(OUTRO, stdout);
}

/* SQLite's version is not shown yet: cli/ does not call SQLite, and storage does not say. */
static void print_version(void)
{
    printf("finscope %s\n", FINSCOPE_VERSION);
    printf("%s\n", pcap_lib_version());
    printf("%s\n", analyzer_dpi_version());
    printf("zlib %s\n", zlibVersion());
}

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(COMMANDS[i].name, name) == 0)
            return &COMMANDS[i];
    return NULL;
}

/* Runs `name` with its arguments; usage error for a command that is unknown or not here yet. */
static int run_command(const char *name, int argc, char **argv)
{
    const struct command *c = find_command(name);
    if (!c) {
        fprintf(stderr, "finscope: unknown %s '%s'\n%s", name[0] == '-' ? "option" : "command",
                name, HINT);
        return 2;
    }
    if (!c->run) {
        fprintf(stderr, "finscope: '%s' is coming, but not in this version (%s) yet\n%s", name,
                FINSCOPE_VERSION, HINT);
        return 2;
    }
    return c->run(argc, argv);
}

int main(int argc, char **argv)
{
    const char *first = argc > 1 ? argv[1] : NULL;
    storage_library_init();
    if (!first) {
        fprintf(stderr, "finscope: no command given\n%s", HINT);
        return 2;
    }
    if (strcmp(first, "-h") == 0 || strcmp(first, "--help") == 0 ||
        (strcmp(first, "help") == 0 && argc == 2)) {
        print_help();
        return 0;
    }
    if (strcmp(first, "-V") == 0 || strcmp(first, "--version") == 0) {
        print_version();
        return 0;
    }
    if (strcmp(first, "help") == 0) {  /* finscope help COMMAND = finscope COMMAND --help */
        char help_option[] = "--help";
        char *help_argv[] = {argv[2], help_option, NULL};
        return run_command(argv[2], 2, help_argv);
    }
    return run_command(first, argc - 1, argv + 1);
}
