/*
 * analyze.h — `finscope analyze FILE...`: read captures into a result file.
 */
#ifndef FINSCOPE_CLI_ANALYZE_H
#define FINSCOPE_CLI_ANALYZE_H

/* argv[0] is "analyze". Returns the exit status: 0 ok, 1 input or database error, 2 usage,
 * 128 + signal number when interrupted. */
int cmd_analyze(int argc, char **argv);

#endif
