/*
 * live_capture.c — opening an interface for `finscope live` (see live_capture.h).
 *
 * pcap_create + pcap_activate rather than pcap_open_live, so that the buffer size can be set;
 * the filter is compiled after activation, against the interface's real link type. Not
 * immediate mode: on Linux it makes libpcap use a ring of one snaplen-sized slot per packet
 * (TPACKET_V2), so the default 32 MiB held only ~128 packets at snaplen 262144 and a burst of
 * connections under CPU load was dropped (seen in t_live.sh). Without it packets are packed
 * into blocks (TPACKET_V3) that the kernel hands over when full or after the 100 ms timeout,
 * well within the loop's one-second tick. The handle is
 * made non-blocking: the loop in live.c waits in poll() so it can sweep flows on a timer.
 */
#include "cli/live_capture.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "cli/errbuf.h"
#include "dissect/dissect.h"

/* pcap_activate's error codes, explained. */
static void activate_error(pcap_t *p, int rc, const struct live_args *a, char *err, size_t n)
{
    const char *iface = a->iface;
    switch (rc) {
    case PCAP_ERROR_NO_SUCH_DEVICE:
        errbuf_set(err, n, "no such interface '%s' (see 'finscope live --list')", iface);
        break;
    case PCAP_ERROR_PERM_DENIED:
        errbuf_set(err, n, "no permission to capture on '%s': run as root, or give finscope the "
                     "capability: sudo setcap cap_net_raw,cap_net_admin=eip finscope", iface);
        break;
    case PCAP_ERROR_PROMISC_PERM_DENIED:
        errbuf_set(err, n, "no permission to put '%s' in promiscuous mode: try --no-promisc", iface);
        break;
    case PCAP_ERROR_IFACE_NOT_UP:
        errbuf_set(err, n, "interface '%s' is down (ip link set %s up)", iface, iface);
        break;
    default:
        errbuf_set(err, n, "cannot capture on '%s': %s", iface, pcap_geterr(p));
        break;
    }
}

static int configure(pcap_t *p, const struct live_args *a)
{
    if (pcap_set_snaplen(p, a->snaplen) != 0 || pcap_set_promisc(p, a->promisc) != 0 ||
        pcap_set_buffer_size(p, a->buffer_mb * 1024 * 1024) != 0 ||
        pcap_set_timeout(p, 100) != 0)
        return -1;
    return 0;
}

static enum live_open_error set_filter(struct live_capture *lc, const char *filter, char *err,
                                       size_t n)
{
    struct bpf_program prog;
    if (pcap_compile(lc->pcap, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
        errbuf_set(err, n, "the filter does not compile: %s", pcap_geterr(lc->pcap));
        return LIVE_OPEN_BAD_FILTER;
    }
    int rc = pcap_setfilter(lc->pcap, &prog);
    pcap_freecode(&prog);
    if (rc != 0) {
        errbuf_set(err, n, "cannot install the filter: %s", pcap_geterr(lc->pcap));
        return LIVE_OPEN_FAILED;
    }
    return LIVE_OPEN_OK;
}

static enum live_open_error open_failed(struct live_capture *lc, enum live_open_error e)
{
    live_capture_close(lc);
    return e;
}

enum live_open_error live_capture_open(const struct live_args *a, struct live_capture *lc,
                                       char *err, size_t errlen)
{
    char pcap_err[PCAP_ERRBUF_SIZE] = "";
    *lc = (struct live_capture){.fd = -1};
    lc->pcap = pcap_create(a->iface, pcap_err);
    if (!lc->pcap) {
        errbuf_set(err, errlen, "cannot capture on '%s': %s", a->iface, pcap_err);
        return LIVE_OPEN_FAILED;
    }
    if (configure(lc->pcap, a) != 0) {
        errbuf_set(err, errlen, "cannot configure '%s': %s", a->iface, pcap_geterr(lc->pcap));
        return open_failed(lc, LIVE_OPEN_FAILED);
    }
    int rc = pcap_activate(lc->pcap);
    if (rc < 0) {
        activate_error(lc->pcap, rc, a, err, errlen);
        return open_failed(lc, LIVE_OPEN_FAILED);
    }
    lc->linktype = pcap_datalink(lc->pcap);
    if (!dissect_link_supported(lc->linktype)) {
        char name[64];
        errbuf_set(err, errlen, "'%s' has link type %s, which finscope cannot decode", a->iface,
             dissect_link_name(lc->linktype, name, sizeof name));
        return open_failed(lc, LIVE_OPEN_FAILED);
    }
    enum live_open_error fe = a->filter ? set_filter(lc, a->filter, err, errlen) : LIVE_OPEN_OK;
    if (fe != LIVE_OPEN_OK)
        return open_failed(lc, fe);
    lc->fd = pcap_get_selectable_fd(lc->pcap);
    if (lc->fd < 0 || pcap_setnonblock(lc->pcap, 1, pcap_err) != 0) {
        errbuf_set(err, errlen, "cannot wait for packets on '%s'", a->iface);
        return open_failed(lc, LIVE_OPEN_FAILED);
    }
    return LIVE_OPEN_OK;
}

void live_capture_close(struct live_capture *lc)
{
    if (lc->pcap)
        pcap_close(lc->pcap);
    lc->pcap = NULL;
}

int live_capture_stats(const struct live_capture *lc, uint64_t *recv, uint64_t *kernel_drops,
                       uint64_t *iface_drops)
{
    struct pcap_stat ps;
    if (!lc->pcap || pcap_stats(lc->pcap, &ps) != 0)
        return -1;
    *recv = ps.ps_recv;
    *kernel_drops = ps.ps_drop;
    *iface_drops = ps.ps_ifdrop;
    return 0;
}

int live_capture_list(FILE *out, char *err, size_t errlen)
{
    pcap_if_t *all;
    char pcap_err[PCAP_ERRBUF_SIZE];
    if (pcap_findalldevs(&all, pcap_err) != 0)
        return errbuf_set(err, errlen, "cannot list interfaces: %s", pcap_err);
    if (!all)
        fprintf(out, "(no interfaces: capturing may need root or CAP_NET_RAW)\n");
    for (pcap_if_t *d = all; d; d = d->next) {
        const char *state = (d->flags & PCAP_IF_UP) ? "up" : "down";
        if (d->flags & PCAP_IF_LOOPBACK)
            state = (d->flags & PCAP_IF_UP) ? "up, loopback" : "down, loopback";
        fprintf(out, "%-16s %-14s %s\n", d->name, state, d->description ? d->description : "");
    }
    pcap_freealldevs(all);
    return 0;
}

int live_drop_privileges(const char *user, char *err, size_t errlen)
{
    errno = 0;
    struct passwd *pw = getpwnam(user);
    if (!pw)
        return errbuf_set(err, errlen, "-Z: no such user '%s'", user);
    if (geteuid() != 0)
        return errbuf_set(err, errlen, "-Z %s: finscope is not running as root, so it has no "
                                 "privileges to drop", user);
    if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
        setuid(pw->pw_uid) != 0)
        return errbuf_set(err, errlen, "-Z %s: cannot change to that user: %s", user,
                    strerror(errno));
    if (setuid(0) == 0)   /* must be impossible now */
        return errbuf_set(err, errlen, "-Z %s: root privileges could not be dropped", user);
    return 0;
}
