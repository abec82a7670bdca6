/*
 * kcap.c — a tiny packet capturer for the real-kernel tests (tcpdump is not a dependency):
 *
 *   kcap IFACE OUT.pcap [FILTER]
 *
 * Opens IFACE with libpcap (pcap_create, snaplen 262144, not promiscuous), applies the optional
 * BPF FILTER, prints "ready" on stdout once the capture is active, and writes every packet to
 * OUT.pcap until SIGINT or SIGTERM. It then reads what is still queued (until the ring has been
 * quiet for a few poll rounds), flushes the file and exits 0, printing "kcap: N packets,
 * D dropped" on stderr.
 *
 * Not immediate mode, on purpose: on Linux, libpcap's immediate mode uses a TPACKET_V2 ring of
 * fixed-size frames, each as large as the snaplen (veths have TSO on, so libpcap cannot shrink
 * it to the MTU): 16 MiB then holds only 64 packets, and the 200-connection burst of "mixed"
 * overflowed it (518 of 2056 packets dropped). The default TPACKET_V3 ring packs packets into
 * blocks, and a 10 ms block timeout keeps the latency low enough.
 * Exit 1 on a capture or file error (message on stderr), 2 on wrong usage.
 */
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#define KCAP_SNAPLEN 262144
#define KCAP_BUFFER (16 * 1024 * 1024)
#define KCAP_POLL_MS 50
#define KCAP_TIMEOUT_MS 10
#define KCAP_QUIET_ROUNDS 4 /* empty poll rounds that end the final drain */

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static int install_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0)
        return -1;
    return 0;
}

/* Opens and activates IFACE; returns NULL with the reason in `err`. */
static pcap_t *open_iface(const char *iface, const char *filter, char *err, size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    pcap_t *p = pcap_create(iface, ebuf);
    if (!p) {
        snprintf(err, errlen, "%s", ebuf);
        return NULL;
    }
    if (pcap_set_snaplen(p, KCAP_SNAPLEN) != 0 || pcap_set_timeout(p, KCAP_TIMEOUT_MS) != 0 ||
        pcap_set_buffer_size(p, KCAP_BUFFER) != 0 || pcap_activate(p) < 0) {
        snprintf(err, errlen, "%s: %s", iface, pcap_geterr(p));
        pcap_close(p);
        return NULL;
    }
    struct bpf_program prog;
    if (filter && (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0 ||
                   pcap_setfilter(p, &prog) != 0)) {
        snprintf(err, errlen, "filter: %s", pcap_geterr(p));
        pcap_close(p);
        return NULL;
    }
    if (filter)
        pcap_freecode(&prog);
    if (pcap_setnonblock(p, 1, ebuf) != 0) {
        snprintf(err, errlen, "%s", ebuf);
        pcap_close(p);
        return NULL;
    }
    return p;
}

/* Writes packets until a stop signal, then drains the queue; returns 0 or -1. */
static int capture(pcap_t *p, pcap_dumper_t *d)
{
    struct pollfd pfd = {.fd = pcap_get_selectable_fd(p), .events = POLLIN};
    while (!stop_requested) {
        if (pfd.fd >= 0)
            poll(&pfd, 1, KCAP_POLL_MS); /* EINTR on a signal is fine: the loop re-checks */
        if (pcap_dispatch(p, -1, pcap_dump, (u_char *)d) < 0)
            return -1;
    }
    for (int quiet = 0; quiet < KCAP_QUIET_ROUNDS;) {
        if (pfd.fd >= 0)
            poll(&pfd, 1, KCAP_POLL_MS);
        int n = pcap_dispatch(p, -1, pcap_dump, (u_char *)d);
        if (n < 0)
            return -1;
        quiet = n == 0 ? quiet + 1 : 0;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: kcap IFACE OUT.pcap [FILTER]\n");
        return 2;
    }
    char err[PCAP_ERRBUF_SIZE + 64] = "";
    if (install_handlers() != 0) {
        fprintf(stderr, "kcap: cannot install signal handlers\n");
        return 1;
    }
    pcap_t *p = open_iface(argv[1], argc == 4 ? argv[3] : NULL, err, sizeof err);
    if (!p) {
        fprintf(stderr, "kcap: %s\n", err);
        return 1;
    }
    pcap_dumper_t *d = pcap_dump_open(p, argv[2]);
    if (!d) {
        fprintf(stderr, "kcap: %s: %s\n", argv[2], pcap_geterr(p));
        pcap_close(p);
        return 1;
    }
    printf("ready\n");
    fflush(stdout);
    int rc = capture(p, d);
    if (rc != 0)
        fprintf(stderr, "kcap: %s\n", pcap_geterr(p));
    struct pcap_stat st;
    if (pcap_stats(p, &st) == 0)
        fprintf(stderr, "kcap: %u packets, %u dropped\n", st.ps_recv, st.ps_drop);
    if (pcap_dump_flush(d) != 0)
        rc = -1;
    pcap_dump_close(d);
    pcap_close(p);
    return rc == 0 ? 0 : 1;
}
