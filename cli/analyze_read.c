/*
 * analyze_read.c — the record loop of `finscope analyze`: the files' records, merged in time
 * order (input_set.h), each filtered (-f), counted, decoded (dissect/), and given to the
 * analyzer when it decodes; a checkpoint makes the results visible every CHECKPOINT_EVERY
 * records, and the progress line is redrawn.
 *
 * A record a reader cannot read ends its file but not the run: the records before it stay
 * analyzed, the other files go on, and the problem is reported as a warning naming the file
 * and kept for runs.error. What is said about a file is said when it ends.
 */
#include <stdio.h>
#include <string.h>

#include "cli/analyze_run.h"
#include "cli/stop_signal.h"

#define CHECKPOINT_EVERY 200000   /* records; lets a reader follow a long run */
#define PROGRESS_POLL_MASK 0xff   /* look at the clock once every 256 records */

static void show_progress(struct analyze_run *r, int file_no)
{
    if (!progress_due(&r->progress))
        return;
    const char *name = r->in.files[file_no].cs.display_name, *slash = strrchr(name, '/');
    char label[64];
    if (r->in.nfiles == 1)
        snprintf(label, sizeof label, "%s", slash ? slash + 1 : name);
    else
        snprintf(label, sizeof label, "[%d/%d] %s", input_set_files_done(&r->in) + 1,
                 r->in.nfiles, slash ? slash + 1 : name);
    progress_show(&r->progress, label, input_set_fraction(&r->in), r->pl.totals.packets);
}

/* ---- what is said when a file ends --------------------------------------------------------- */

/* Reading stopped before the file's end: say where and why. */
static void report_cut(struct analyze_run *r, const struct capture_source *cs,
                       const struct file_stats *fs)
{
    const char *name = cs->display_name;
    unsigned long long n = cs->records + 1, done = fs->records;
    if (cs->stop == CAPTURE_CORRUPT_GZIP)
        run_report(r, true, "%s: corrupt gzip data at record %llu (%llu records analyzed): %s",
                   name, n, done, cs->stop_msg);
    else if (cs->stop == CAPTURE_TRUNCATED)
        run_report(r, true, "%s: truncated at record %llu (%llu records analyzed)", name, n, done);
    else
        run_report(r, true, "%s: unreadable record %llu (%llu records analyzed): %s", name, n,
                   done, cs->stop_msg);
}

/* One line per file: records out of time order within it. */
static void report_time_back(struct analyze_run *r, const struct capture_source *cs,
                             const struct file_stats *fs)
{
    if (fs->back_records == 0)
        return;
    char more[64] = "";
    if (fs->back_records > 1)
        snprintf(more, sizeof more, " and %llu more records",
                 (unsigned long long)(fs->back_records - 1));
    run_report(r, false, "%s: time goes backwards at record %llu (by %.6f s)%s; stored with "
               "its own time, timed out as if at the latest time seen", cs->display_name,
               (unsigned long long)fs->back_first, (double)fs->back_by_us / 1e6, more);
}

/* Decode failures that mean a damaged or cut-short record; not_ip, ip_fragment, 802.11
 * management frames and the like are ordinary traffic finscope does not analyze, and say
 * nothing about the file (dissect_reason_is_error). */
static bool damaged_reason(int reason)
{
    return dissect_reason_is_error((enum dissect_result)reason);
}

static void tally(struct link_tally *t, int linktype)
{
    t->total++;
    for (int i = 0; i < t->n; i++) {
        if (t->linktype[i] == linktype) {
            t->count[i]++;
            return;
        }
    }
    if (t->n < LINK_TALLY_MAX) {
        t->linktype[t->n] = linktype;
        t->count[t->n++] = 1;
    }
}

/* "RAW (12): 7, LINUX_SLL2 (276): 5" (and "others: N" past LINK_TALLY_MAX). */
static const char *tally_text(const struct link_tally *t, char *buf, size_t len)
{
    uint64_t listed = 0;
    buf[0] = '\0';
    for (int i = 0; i < t->n; i++) {
        char name[64];
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, "%s%s: %llu", i ? ", " : "",
                 dissect_link_name(t->linktype[i], name, sizeof name),
                 (unsigned long long)t->count[i]);
        listed += t->count[i];
    }
    if (listed < t->total) {
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, ", others: %llu", (unsigned long long)(t->total - listed));
    }
    return buf;
}

static void report_link_types(struct analyze_run *r, const struct capture_source *cs,
                              const struct file_stats *fs)
{
    char list[320];
    if (fs->unsupported.total > 0)
        run_report(r, false, "%s: %llu records on interfaces of a link type finscope does not "
                   "decode (%s), counted as bad_link", cs->display_name,
                   (unsigned long long)fs->unsupported.total,
                   tally_text(&fs->unsupported, list, sizeof list));
    if (fs->unfiltered.total > 0)
        run_report(r, false, "%s: %llu records on interfaces of a link type the filter cannot "
                   "be used with (%s), not analyzed", cs->display_name,
                   (unsigned long long)fs->unfiltered.total,
                   tally_text(&fs->unfiltered, list, sizeof list));
}

/* One warning if the file held no record at all (and nothing else was said about it), or if
 * some of its records could not be decoded because they are damaged. */
static void report_records(struct analyze_run *r, const struct capture_source *cs,
                           const struct file_stats *fs)
{
    if (fs->records == 0) {
        if (fs->reported || fs->unfiltered.total > 0)
            return;               /* what went wrong was said already */
        if (r->args->filter)
            run_report(r, false, "%s: no packet matches the filter", cs->display_name);
        else
            run_report(r, false, "%s: no packets in this capture (nothing to analyze)",
                       cs->display_name);
        return;
    }
    char reasons[256] = "";
    uint64_t damaged = 0;
    for (int i = DISSECT_OK + 1; i < DISSECT_REASON_COUNT; i++) {
        uint64_t n = fs->decode_errors[i] - (i == DISSECT_BAD_LINK ? fs->unsupported.total : 0);
        if (n == 0 || !damaged_reason(i))
            continue;
        damaged += n;
        size_t used = strlen(reasons);
        snprintf(reasons + used, sizeof reasons - used, "%s%s %llu", used ? ", " : "",
                 dissect_reason_name((enum dissect_result)i), (unsigned long long)n);
    }
    if (damaged > 0)
        run_report(r, false, "%s: %llu of %llu records damaged or cut short, counted and not "
                   "analyzed (%s)", cs->display_name, (unsigned long long)damaged,
                   (unsigned long long)fs->records, reasons);
}

static void report_file_end(struct analyze_run *r, int file_no)
{
    if (r->failed || stop_signal_received())
        return;                   /* a read cut short by the signal is no fault of the file */
    const struct capture_source *cs = &r->in.files[file_no].cs;
    struct file_stats *fs = &r->stats[file_no];
    report_time_back(r, cs, fs);
    if (cs->stop != CAPTURE_END) {
        report_cut(r, cs, fs);
        fs->reported = true;
    }
    report_link_types(r, cs, fs);
    report_records(r, cs, fs);
}

/* ---- each record --------------------------------------------------------------------------- */

/* A record earlier than one before it in its own file: counted for report_time_back. */
static void check_time(struct file_stats *fs, const struct capture_record *rec, uint64_t record)
{
    if (fs->records > 0 && rec->ts_us < fs->latest_us) {
        if (fs->back_records++ == 0) {
            fs->back_first = record;
            fs->back_by_us = fs->latest_us - rec->ts_us;
        }
        return;
    }
    fs->latest_us = rec->ts_us;
}

/* False when the filter leaves the record out. */
static bool filter_keeps(struct analyze_run *r, struct file_stats *fs,
                         const struct capture_record *rec)
{
    int m = record_filter_match(r->filter, rec);
    if (m < 0)
        tally(&fs->unfiltered, rec->linktype);
    return m > 0;
}

/* Takes one record through the pipeline; a checkpoint every CHECKPOINT_EVERY records.
 * -1 when the run failed. */
static int take_record(struct analyze_run *r, int file_no, const struct capture_record *rec)
{
    struct file_stats *fs = &r->stats[file_no];
    if (r->filter && !filter_keeps(r, fs, rec))
        return 0;
    check_time(fs, rec, r->in.files[file_no].cs.records);
    fs->records++;
    int res = pipeline_record(&r->pl, rec->linktype, rec->ts_us, rec->caplen, rec->len,
                              rec->data);
    if (res < 0)
        return -1;
    if (res != DISSECT_OK) {
        fs->decode_errors[res]++;
        if (res == DISSECT_BAD_LINK && !dissect_link_supported(rec->linktype))
            tally(&fs->unsupported, rec->linktype);
    }
    if (r->pl.packet_no % CHECKPOINT_EVERY != 0)
        return 0;
    return pipeline_checkpoint(&r->pl);
}

void run_read_inputs(struct analyze_run *r)
{
    struct capture_record rec;
    char err[512];
    int file_no;
    uint64_t n = 0;
    while (!stop_signal_received()) {
        switch (input_set_next(&r->in, &rec, &file_no, err, sizeof err)) {
        case INPUT_RECORD:
            if (take_record(r, file_no, &rec) != 0) {
                run_fail(r, "the analysis stopped: out of memory");
                return;
            }
            if ((++n & PROGRESS_POLL_MASK) == 0)
                show_progress(r, file_no);
            break;
        case INPUT_FILE_END:
            report_file_end(r, file_no);
            break;
        case INPUT_FILE_LOST:
            run_report(r, true, "%s: %s", r->in.files[file_no].cs.display_name, err);
            r->file_refused = true;
            break;
        case INPUT_DONE:
            return;
        }
    }
}
