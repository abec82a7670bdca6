/*
 * stop_signal.h — SIGINT and SIGTERM as a request to stop reading, not an abrupt end.
 *
 * The handler only records which signal came; the reading loop polls stop_signal_received()
 * and winds down properly (flows emitted, run stored as incomplete). The handler is reset
 * after the first signal, so a second Ctrl-C ends the program at once.
 */
#ifndef FINSCOPE_CLI_STOP_SIGNAL_H
#define FINSCOPE_CLI_STOP_SIGNAL_H

/* Installs the handlers; -1 with errno set on failure. */
int stop_signal_install(void);
/* The signal number received (SIGINT, SIGTERM), or 0 when none. */
int stop_signal_received(void);

#endif
