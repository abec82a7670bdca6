/*
 * analyze_read.c — the record loop of `finscope analyze`: every record of a capture is
 * counted, decoded (dissect/), and given to the analyzer when it decodes; a checkpoint makes
 * the results visible every CHECKPOINT_EVERY records, and the progress line is redrawn.
 *
 * A record libpcap cannot read ends the file but not the run: the records before it stay
 * analyzed, and the problem is reported as a warning and kept for runs.error.
 */
#include <stdio.h>
#include <string.h>

#include "cli/analyze_run.h"
#include "cli/stop_signal.h"

#define CHECKPOINT_EVERY 200000   /* records; lets a reader follow a long run */
#define PROGRESS_POLL_MASK 0xff   /* look at the clock once every 256 records */

/* Takes one record through the pipeline; a checkpoint every CHECKPOINT_EVERY records.
 * -1 when the run failed. */
static int take_record(struct analyze_run *r, int linktype, const struct pcap_pkthdr *h,
                       const u_char *data)
{
    if (pipeline_record(&r->pl, linktype, h, data) != 0)
        return -1;
    if (r->pl.packet_no % CHECKPOINT_EVERY != 0)
        return 0;
    return pipeline_checkpoint(&r->pl);
}

static void show_progress(struct analyze_run *r, const struct capture_source *cs, int file_no)
{
    if (!progress_due(&r->progress))
        return;
    const char *slash = strrchr(cs->display_name, '/');
    char label[64];
    snprintf(label, sizeof label, "[%d/%d] %s", file_no + 1, r->args->nfiles,
             slash ? slash + 1 : cs->display_name);
    progress_show(&r->progress, label, capture_fraction_read(cs), r->pl.totals.packets);
}

/* Reading stopped at `record` (from 1) before the file's end: say where and why.
 * `pcap_err` is libpcap's message, NULL when libpcap saw a clean end of file. */
static void report_cut(struct analyze_run *r, const struct capture_source *cs, uint64_t record,
                       const char *pcap_err)
{
    bool cut_short;
    const char *gz_err = capture_gzip_error(cs, &cut_short);
    const char *name = cs->display_name;
    unsigned long long n = record, done = record - 1;
    if (gz_err && !cut_short)
        run_report(r, true, "%s: corrupt gzip data at record %llu (%llu records analyzed): %s",
                   name, n, done, gz_err);
    else if (pcap_err && strstr(pcap_err, "different from the type of the first interface"))
        run_report(r, true, "%s: stopped at record %llu (%llu records analyzed): the pcapng file "
                   "has interfaces of different link types, which libpcap cannot read (%s)",
                   name, n, done, pcap_err);
    else if (gz_err || !pcap_err || strncmp(pcap_err, "truncated", 9) == 0)
        run_report(r, true, "%s: truncated at record %llu (%llu records analyzed)", name, n, done);
    else
        run_report(r, true, "%s: unreadable record %llu (%llu records analyzed): %s", name, n,
                   done, pcap_err);
}

/* Records whose time is earlier than a record before them (in this run). */
struct time_back {
    uint64_t records;
    uint64_t first;               /* the first such record, from 1 in this file */
    int64_t by_us;                /* how far back it went */
};

static void check_time(const struct analyze_run *r, const struct pcap_pkthdr *h,
                       uint64_t record, struct time_back *tb)
{
    int64_t ts = pipeline_record_time_us(h);
    if (r->pl.totals.packets == 0 || ts >= r->pl.totals.last_pkt_us)
        return;
    if (tb->records++ == 0) {
        tb->first = record;
        tb->by_us = r->pl.totals.last_pkt_us - ts;
    }
}

/* One line per file; the analyzer takes such a record as being at the latest time seen. */
static void report_time_back(struct analyze_run *r, const struct capture_source *cs,
                             const struct time_back *tb)
{
    if (tb->records == 0)
        return;
    char more[64] = "";
    if (tb->records > 1)
        snprintf(more, sizeof more, " and %llu more records",
                 (unsigned long long)(tb->records - 1));
    run_report(r, false, "%s: time goes backwards at record %llu (by %.6f s)%s; analyzed as if "
               "at the latest time seen", cs->display_name, (unsigned long long)tb->first,
               (double)tb->by_us / 1e6, more);
}

void run_read_capture(struct analyze_run *r, const struct capture_source *cs, int file_no)
{
    uint64_t record = 0;          /* records read from this file */
    struct time_back tb = {0};
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc = 0;
    while (!stop_signal_received() && (rc = pcap_next_ex(cs->pcap, &h, &data)) == 1) {
        record++;
        check_time(r, h, record, &tb);
        if (take_record(r, cs->linktype, h, data) != 0) {
            run_fail(r, "the analysis stopped: out of memory");
            return;
        }
        if ((record & PROGRESS_POLL_MASK) == 0)
            show_progress(r, cs, file_no);
    }
    if (stop_signal_received())
        return;                   /* a read cut short by the signal is no fault of the file */
    report_time_back(r, cs, &tb);
    bool cut_short;
    if (rc == PCAP_ERROR_BREAK) { /* end of file; compressed data may still have been cut */
        if (capture_gzip_error(cs, &cut_short))
            report_cut(r, cs, record + 1, NULL);
        return;
    }
    report_cut(r, cs, record + 1, pcap_geterr(cs->pcap));
}
