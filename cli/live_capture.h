/*
 * live_capture.h — the capture handle of `finscope live`: opening an interface with libpcap
 * (pcap_create/pcap_activate, immediate mode, buffer size, BPF filter compiled against the
 * interface's link type), listing interfaces, statistics, and dropping root privileges.
 *
 * Every function returns 0 or -1 and, on -1, a message in `err` that says what to do.
 */
#ifndef FINSCOPE_CLI_LIVE_CAPTURE_H
#define FINSCOPE_CLI_LIVE_CAPTURE_H

#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

#include "cli/live_args.h"

struct live_capture {
    pcap_t *pcap;
    int linktype;
    int fd;                       /* selectable descriptor, for poll() */
};

/* Kinds of failure, so the caller picks the exit status (a bad filter is a usage error). */
enum live_open_error { LIVE_OPEN_OK = 0, LIVE_OPEN_FAILED, LIVE_OPEN_BAD_FILTER };

enum live_open_error live_capture_open(const struct live_args *a, struct live_capture *lc,
                                       char *err, size_t errlen);
void live_capture_close(struct live_capture *lc);

/* Packets received, dropped by the kernel (buffer full), dropped by the interface. */
int live_capture_stats(const struct live_capture *lc, uint64_t *recv, uint64_t *kernel_drops,
                       uint64_t *iface_drops);

/* Prints the interfaces libpcap can open, one per line with its description. */
int live_capture_list(FILE *out, char *err, size_t errlen);

/* setgid/initgroups/setuid to `user` (as tcpdump -Z). Needs root. */
int live_drop_privileges(const char *user, char *err, size_t errlen);

#endif
