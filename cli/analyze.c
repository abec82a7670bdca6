/*
 * analyze.c — `finscope analyze FILE...`: the run from start to exit status.
 *
 *   parse arguments, check the filter's syntax (exit 2 when it does not compile)
 *   open every FILE and read its first record (an unusable file is reported and skipped:
 *       exit 1 later); if any is usable, open the result file, create the analyzer, begin
 *       the run
 *   read all the files' records merged in time order (analyze_read.c, input_set.h); as each
 *       file ends, say if it was cut short, held no packets, or records too damaged to decode
 *       (they are counted in decode_errors, not guessed at)
 *   finish: analyzer_finish (every flow still alive is emitted), run_end, storage_close,
 *       summary on stdout
 *
 * The result file is opened only once a capture has been opened, so a mistyped file name
 * leaves no empty database behind. A run whose storage fails is left incomplete (exit 1); one
 * stopped by SIGINT/SIGTERM is ended with complete = 0, error "interrupted" (exit 128 + sig).
 */
#include "cli/analyze.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/analyze_run.h"
#include "cli/analyze_summary.h"
#include "cli/stop_signal.h"

/* ---- reporting ----------------------------------------------------------------------------- */

static void keep_problem(struct analyze_run *r, const char *msg)
{
    size_t used = strlen(r->problems);
    size_t need = (used ? 2 : 0) + strlen(msg) + 1;
    if (used + need > sizeof r->problems) {
        r->problems_dropped++;
        return;
    }
    snprintf(r->problems + used, sizeof r->problems - used, "%s%s", used ? "; " : "", msg);
}

void run_report(struct analyze_run *r, bool keep, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    progress_clear(&r->progress);
    fprintf(stderr, "finscope: %s\n", msg);
    if (keep)
        keep_problem(r, msg);
}

void run_fail(struct analyze_run *r, const char *fallback)
{
    if (r->failed)
        return;
    r->failed = true;
    const char *why = r->pl.st ? storage_errmsg(r->pl.st) : "";
    snprintf(r->fail_msg, sizeof r->fail_msg, "%s", why[0] ? why : fallback);
    run_report(r, false, "%s", r->fail_msg);
}

/* ---- beginning and ending the run ---------------------------------------------------------- */

static int begin_run(struct analyze_run *r)
{
    char err[512];
    struct analyzer_config cfg;
    analyzer_config_default(&cfg);
    cfg.dpi = r->args->dpi;
    if (r->args->max_flows)
        cfg.max_flows = r->args->max_flows;
    if (r->args->idle_gap_s > 0)
        cfg.idle_gap_us = (int64_t)(r->args->idle_gap_s * 1e6);
    char host[256];
    struct run_info info = {.source = r->source, .mode = "file", .started_us = wall_clock_us(),
                            .options = r->options, .dpi = r->args->dpi,
                            .sensor = pipeline_sensor(r->args->sensor, host, sizeof host)};
    unsigned workers = r->args->workers ? r->args->workers : 1;
    if (pipeline_open(&r->pl, r->args->db_path, &cfg, workers, &info, err, sizeof err) != 0) {
        run_fail(r, err);
        return -1;
    }
    r->begun = true;
    return 0;
}

/* runs.error: why the run failed, else "interrupted" and/or the warnings; NULL if none. */
static const char *run_error(const struct analyze_run *r, char *buf, size_t len)
{
    if (r->failed)
        return r->fail_msg;
    bool interrupted = stop_signal_received() != 0;
    snprintf(buf, len, "%s%s%s", interrupted ? "interrupted" : "",
             interrupted && r->problems[0] ? "; " : "", r->problems);
    if (r->problems_dropped > 0 && strlen(buf) + 32 < len)
        snprintf(buf + strlen(buf), len - strlen(buf), "; and %u more",
                 r->problems_dropped);
    return buf[0] ? buf : NULL;
}

/* Emits the remaining flows and records the totals. */
static void end_run(struct analyze_run *r)
{
    char error[sizeof r->problems + 64];
    bool complete = !r->failed && !stop_signal_received();
    if (pipeline_end(&r->pl, r->failed, complete, run_error(r, error, sizeof error)) != 0) {
        run_fail(r, "the run could not be completed");
        /* The end was rolled back (e.g. the disk filled up at the last commit), leaving the run
         * row as run_begin wrote it: record at least why, in a small transaction of its own,
         * which fits where the rolled-back one did not. */
        pipeline_end(&r->pl, true, false, r->fail_msg);
    }
    if (!r->failed && stop_signal_received())
        run_report(r, false, "interrupted: what was read is stored in %s as an incomplete run",
                   r->args->db_path);
}

/* Ends the run if it began, closes everything, prints the summary; returns the exit status. */
static int finish(struct analyze_run *r)
{
    if (r->begun)
        end_run(r);
    int64_t run_id = storage_run_id(r->pl.st);
    if (pipeline_close(&r->pl) != 0)
        run_fail(r, "closing the result file failed; its last run may be incomplete");
    progress_clear(&r->progress);
    if (r->begun && !r->failed && !r->args->quiet)
        analyze_print_summary(stdout, &r->pl.totals, r->args->db_path, run_id);
    if (r->failed || r->file_refused)
        return 1;
    if (stop_signal_received())
        return 128 + stop_signal_received();
    return r->begun ? 0 : 1;
}

/* ---- the files ----------------------------------------------------------------------------- */

/* Opens file `file_no` and reads its first record; an unusable file is reported and left out
 * (exit 1 later). */
static void open_input(struct analyze_run *r, int file_no)
{
    char err[PCAP_ERRBUF_SIZE + 256];
    const char *path = r->args->files[file_no];
    if (input_set_add(&r->in, file_no, path, err, sizeof err) != 0) {
        const char *name = strcmp(path, "-") == 0 ? "stdin" : path;
        run_report(r, true, "%s: %s", name, err);
        r->file_refused = true;
        return;
    }
    const struct capture_source *cs = &r->in.files[file_no].cs;
    if (r->filter && cs->linktype >= 0 &&
        record_filter_prepare(r->filter, cs->linktype, err, sizeof err) != 0) {
        char link[64];
        run_report(r, true, "%s: the filter cannot be used with link type %s (%s)",
                   cs->display_name, dissect_link_name(cs->linktype, link, sizeof link), err);
        r->file_refused = true;
        input_set_drop(&r->in, file_no);
    }
}

static bool any_input(const struct analyze_run *r)
{
    for (int i = 0; i < r->in.nfiles; i++)
        if (r->in.files[i].added)
            return true;
    return false;
}

/* Opens every file, then reads them all, merged in time order, into one run. */
static void analyze_inputs(struct analyze_run *r)
{
    for (int i = 0; i < r->args->nfiles && !stop_signal_received(); i++)
        open_input(r, i);
    if (!any_input(r) || stop_signal_received() || begin_run(r) != 0)
        return;
    run_read_inputs(r);
}

static int analyze_files(const struct analyze_args *args, const char *options)
{
    char err[PCAP_ERRBUF_SIZE];
    struct record_filter *filter = NULL;
    if (args->filter && !(filter = record_filter_new(args->filter, err, sizeof err))) {
        fprintf(stderr, "finscope analyze: the filter does not compile: %s\n"
                        "See 'man pcap-filter' for the syntax.\n", err);
        return 2;
    }
    char *source = words_join(args->nfiles, args->files, false);
    struct file_stats *stats = calloc((size_t)args->nfiles, sizeof *stats);
    struct analyze_run r = {.args = args, .source = source, .options = options,
                            .filter = filter, .stats = stats};
    if (!source || !stats || input_set_init(&r.in, args->nfiles) != 0 ||
        stop_signal_install() != 0) {
        fprintf(stderr, "finscope: cannot start: out of resources\n");
        input_set_free(&r.in);
        record_filter_free(filter);
        free(stats);
        free(source);
        return 1;
    }
    progress_init(&r.progress, !args->quiet && isatty(STDERR_FILENO));
    analyze_inputs(&r);
    input_set_free(&r.in);
    int status = finish(&r);
    record_filter_free(filter);
    free(stats);
    free(source);
    return status;
}

int cmd_analyze(int argc, char **argv)
{
    /* Recorded as given, so taken before getopt_long reorders argv. */
    char *options = pipeline_options(argc - 1, argv + 1);
    if (!options) {
        fprintf(stderr, "finscope: out of memory\n");
        return 1;
    }
    struct analyze_args args;
    enum args_result parsed = analyze_args_parse(argc, argv, &args);
    int status = parsed == ARGS_HELP_SHOWN ? 0 : 2;
    if (parsed == ARGS_RUN)
        status = analyze_files(&args, options);
    free(options);
    return status;
}
