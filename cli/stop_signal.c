/*
 * stop_signal.c — records SIGINT/SIGTERM in a flag (see stop_signal.h).
 *
 * The flag is the program's only global mutable state: a signal handler can reach nothing
 * else. SA_RESTART is deliberately not set, so a read blocked on a pipe returns (EINTR) and
 * the loop sees the request instead of waiting for more input.
 */
#include "cli/stop_signal.h"

#include <signal.h>
#include <stddef.h>

static volatile sig_atomic_t stop_signo;

static void on_stop(int signo)
{
    stop_signo = signo;
}

int stop_signal_install(void)
{
    struct sigaction sa = {0};
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0)
        return -1;
    return 0;
}

int stop_signal_received(void)
{
    return stop_signo;
}
