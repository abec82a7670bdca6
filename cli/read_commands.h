/*
 * read_commands.h — the commands that read a result file instead of writing one:
 *   finscope report DB   what a run found: teardown classes, closers, anomalies, resets, apps
 *   finscope show DB ID  one flow as a ladder diagram
 *   finscope export DB   every flow as a Zeek conn.log, JSON lines or CSV
 * cli/ parses their arguments (cli/report_args.c, show_args.c, export_args.c), opens the
 * file and the output, and picks the exit status; report/ (report/report.h) writes what they
 * show. Each command takes argv[0] = its name and returns the exit status: 0 ok, 1 database
 * problem (missing, not finscope's, no such run or flow, unreadable, output not writable),
 * 2 usage error.
 */
#ifndef FINSCOPE_CLI_READ_COMMANDS_H
#define FINSCOPE_CLI_READ_COMMANDS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "report/report.h"
#include "storage/read.h"

int cmd_report(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_export(int argc, char **argv);

/* ---- shared by the three (cli/read_commands.c) --------------------------------------------- */

/* Opens `path` read-only; on failure prints "finscope CMD: why" on stderr and returns NULL. */
struct storage *read_cmd_open(const char *cmd, const char *path);
/* A decimal id >= 1 (run or flow number) with nothing after it. */
bool read_cmd_parse_id(const char *s, int64_t *out);
/* Prints "finscope CMD: what" and the --help hint on stderr; returns 2. */
int read_cmd_usage(const char *cmd, const char *what, const char *arg);
/* Prints "finscope CMD: <storage's message>" on stderr; returns 1. */
int read_cmd_fail(const char *cmd, const struct storage *st);
/* The command's output: FILE, created or replaced (path NULL: standard output). NULL, with the
 * message printed, when it cannot be created. */
FILE *read_cmd_output(const char *cmd, const char *path);
/* Ends the output: flushes it (and closes a file). `failure`: report/'s message when writing
 * failed there, else NULL. Prints why the command failed ("cannot write FILE: ..." when the
 * stream did, else `failure`), removes a file left incomplete, and returns the exit status. */
int read_cmd_finish(const char *cmd, FILE *out, const char *path, const char *failure);
/* What text written to `out` may use: colour when `out` is a terminal and NO_COLOR is unset
 * or empty; block characters when the locale (LC_ALL, LC_CTYPE, LANG) says UTF-8. */
void read_cmd_style(FILE *out, struct report_style *style);

#endif
