/*
 * read_commands.h — the commands that read a result file instead of writing one:
 *   finscope report DB   what a run found: teardown classes, closers, anomalies, resets, apps
 *   finscope show DB ID  one flow as a ladder diagram (cli/show.c)
 *   finscope export DB   every flow as a Zeek conn.log, JSON lines or CSV (cli/export.c)
 * and the little they share (defined in cli/report.c). Each command takes argv[0] = its name
 * and returns the exit status: 0 ok, 1 database problem (missing, not finscope's, no such
 * run or flow, unreadable, output not writable), 2 usage error.
 */
#ifndef FINSCOPE_CLI_READ_COMMANDS_H
#define FINSCOPE_CLI_READ_COMMANDS_H

#include <stdbool.h>
#include <stdint.h>

#include "storage/read.h"

int cmd_report(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_export(int argc, char **argv);

/* ---- shared by the three ------------------------------------------------------------------- */

/* Opens `path` read-only; on failure prints "finscope CMD: why" on stderr and returns NULL. */
struct storage *read_cmd_open(const char *cmd, const char *path);
/* A decimal id >= 1 (run or flow number) with nothing after it. */
bool read_cmd_parse_id(const char *s, int64_t *out);
/* Prints "finscope CMD: what" and the --help hint on stderr; returns 2. */
int read_cmd_usage(const char *cmd, const char *what, const char *arg);
/* Prints "finscope CMD: <storage's message>" on stderr; returns 1. */
int read_cmd_fail(const char *cmd, const struct storage *st);

#endif
