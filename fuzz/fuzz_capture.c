/*
 * fuzz_capture.c — libFuzzer target: a whole capture file from bytes, read by libpcap from
 * memory, every record decoded and analyzed. DPI is on for one input in eight (by size), so
 * nDPI sees payloads too: starting nDPI costs ~10 ms (~70 ms under ASan), which with DPI
 * always on held this target to ~15 executions a second.
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "analyzer/analyzer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int null_flow(void *ctx, const struct flow_record *f, const struct teardown_event *ev,
                     size_t nev, const struct anomaly_record *an, size_t nan, int64_t *id)
{
    (void)ctx; (void)f; (void)ev; (void)nev; (void)an; (void)nan;
    *id = 1;
    return 0;
}

static int null_late(void *ctx, int64_t id, const struct anomaly_record *an,
                     const struct teardown_event *ev)
{
    (void)ctx; (void)id; (void)an; (void)ev;
    return 0;
}

/* As cli/pipeline.c does: seconds clamped to [0, 10^12] so that a pcapng's 64-bit timestamps
 * cannot overflow the microseconds. */
static int64_t record_time_us(const struct pcap_pkthdr *h)
{
    int64_t sec = (int64_t)h->ts.tv_sec, usec = (int64_t)h->ts.tv_usec;
    sec = sec < 0 ? 0 : sec > 1000000000000LL ? 1000000000000LL : sec;
    if (usec < 0 || usec > UINT32_MAX)
        usec = 0;
    return sec * 1000000 + usec;
}

static void analyze_all(pcap_t *pc, struct analyzer *a)
{
    int linktype = pcap_datalink(pc);
    if (!dissect_link_supported(linktype))
        return;
    struct pcap_pkthdr *h;
    const u_char *bytes;
    uint64_t n = 0;
    while (pcap_next_ex(pc, &h, &bytes) == 1) {
        struct packet p;
        if (dissect_packet(linktype, bytes, h->caplen, h->len, &p) != DISSECT_OK)
            continue;
        p.ts_us = record_time_us(h);
        if (analyzer_packet(a, &p, ++n) != 0)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *fp = fmemopen((void *)data, size, "rb");
    if (!fp)
        return 0;
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_fopen_offline(fp, err);   /* takes ownership of fp */
    if (!pc) {
        fclose(fp);
        return 0;
    }
    struct sink s = {.flow = null_flow, .late_anomaly = null_late};
    struct analyzer_config c;
    analyzer_config_default(&c);
    c.max_flows = 64;
    c.dpi = (size & 7) == 0;
    struct analyzer *a = analyzer_new(&c, &s);
    if (a) {
        analyze_all(pc, a);
        if (analyzer_finish(a) != 0)
            abort();
        analyzer_free(a);
    }
    pcap_close(pc);
    return 0;
}
