/*
 * live.h — `finscope live -i IFACE`: capture from an interface and audit as it goes.
 */
#ifndef FINSCOPE_CLI_LIVE_H
#define FINSCOPE_CLI_LIVE_H

/* argv[0] is "live". Exit status: 0 stopped cleanly (signal, --duration, --count), 1 capture
 * or result-file error, 2 usage error (including a filter that does not compile). */
int cmd_live(int argc, char **argv);

#endif
