/*
 * analyze_args.h — the command line of `finscope analyze`: parsing, --help, and the text
 * recorded in the run row (the arguments as given).
 */
#ifndef FINSCOPE_CLI_ANALYZE_ARGS_H
#define FINSCOPE_CLI_ANALYZE_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define ANALYZE_DEFAULT_DB "finscope.db"

struct analyze_args {
    const char *db_path;          /* -o; ANALYZE_DEFAULT_DB when not given */
    const char *filter;           /* -f BPF expression; NULL when not given */
    bool dpi;                     /* false with --no-dpi */
    bool quiet;                   /* -q: no progress line, no summary */
    size_t max_flows;             /* --max-flows; 0 = the analyzer's default */
    double idle_gap_s;            /* --idle-gap; 0 = the analyzer's default (30 s) */
    unsigned workers;             /* --workers; 0 = not given: 1 */
    const char *sensor;           /* --sensor; NULL: the host name */
    char **files;                 /* the FILE operands in order ("-" = stdin), into argv */
    int nfiles;
};

enum args_result { ARGS_RUN, ARGS_HELP_SHOWN, ARGS_USAGE_ERROR };

/* Parses argv (argv[0] is "analyze"); getopt_long may reorder argv. Prints the help text on
 * stdout (ARGS_HELP_SHOWN) or a usage error with a hint on stderr (ARGS_USAGE_ERROR). */
enum args_result analyze_args_parse(int argc, char **argv, struct analyze_args *out);

void analyze_print_help(FILE *out);

/* --idle-gap SECONDS (analyze and live): a number of seconds in (0, 10^6]; 0 on success,
 * -1 when `s` is not one (the caller prints the message). */
int parse_idle_gap(const char *s, double *out);

/* --workers N (analyze and live): a whole number in [1, WORKERS_MAX]; 0 on success, -1 when
 * `s` is not one (the caller prints the message). */
int parse_workers(const char *s, unsigned *out);

/* The words joined by spaces, each shell-quoted when needed if `quote`; caller frees.
 * NULL when out of memory. */
char *words_join(int n, char *const *words, bool quote);

#endif
