/*
 * live.c — `finscope live`: capture from an interface and audit as it goes.
 *
 *   parse arguments; --list lists interfaces and exits
 *   open the interface (live_capture.c), then drop privileges (-Z), then open the raw
 *       output (-w) and the result file, so both are created as the unprivileged user; the
 *       result file (or, with --rotate, the files) and --jsonl are written through
 *       cli/rotate_sink.h
 *   loop: wait in poll() at most until the next second; take what libpcap has; once a
 *       second, sweep flows whose timeouts passed (analyzer_advance on the wall clock),
 *       refresh the kernel's packet and drop counters, and commit (pipeline_checkpoint)
 *   on SIGINT/SIGTERM, --duration or --count: every open flow is written as it stands,
 *       the run is marked complete, capture statistics are printed; exit 0
 *
 * A failure of the result file stops the capture and leaves the run incomplete (exit 1).
 */
#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/analyze_args.h"
#include "cli/analyze_summary.h"
#include "cli/live.h"
#include "cli/live_args.h"
#include "cli/live_capture.h"
#include "cli/pipeline.h"
#include "cli/rotate_sink.h"
#include "cli/stop_signal.h"

#define TICK_MS 1000              /* sweep + commit period */
/* A rotated-out file stays open for late rows at most the analyzer's linger time and this. */
#define CLOSE_MARGIN_US (10 * 1000000LL)

struct live_run {
    const struct live_args *args;
    struct live_capture cap;
    pcap_dumper_t *dump;          /* -w, NULL when not asked for */
    struct pipeline pl;
    struct rotate_sink *out;      /* the result files and --jsonl (the writer thread's) */
    bool begun;                   /* the pipeline recorded the run: it must be ended */
    bool failed;
    char fail_msg[512];
};

static int64_t monotonic_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static void fail(struct live_run *r, const char *msg)
{
    if (r->failed)
        return;
    r->failed = true;
    const char *why = r->out ? pipeline_errmsg(&r->pl) : "";
    snprintf(r->fail_msg, sizeof r->fail_msg, "%s", why && why[0] ? why : msg);
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
    struct live_run *r = (struct live_run *)user;
    if (r->failed)
        return;
    if (r->dump)
        pcap_dump((u_char *)r->dump, h, data);
    if (pipeline_record(&r->pl, r->cap.linktype, pipeline_record_time_us(h), h->caplen, h->len,
                        data) < 0) {
        fail(r, "the analysis stopped: out of memory");
        pcap_breakloop(r->cap.pcap);
    }
}

static void refresh_drops(struct live_run *r)
{
    uint64_t recv;
    live_capture_stats(&r->cap, &recv, &r->pl.totals.kernel_drops, &r->pl.totals.iface_drops);
}

/* Once a second: emit flows whose time is up, flush -w, commit with fresh counters. */
static void tick(struct live_run *r)
{
    if (pipeline_advance(&r->pl, wall_clock_us()) != 0)
        fail(r, "the analysis stopped: out of memory");
    if (r->dump)
        pcap_dump_flush(r->dump);
    refresh_drops(r);
    if (!r->failed && pipeline_checkpoint(&r->pl) != 0)
        fail(r, "cannot commit to the result file");
}

static bool limits_reached(const struct live_run *r, int64_t started_ms)
{
    const struct live_args *a = r->args;
    if (a->count && r->pl.totals.packets >= a->count)
        return true;
    return a->duration_s > 0 && (double)(monotonic_ms() - started_ms) >= a->duration_s * 1000.0;
}

/* Packets to ask libpcap for now: all it has, or what is left of --count. */
static int dispatch_budget(const struct live_run *r)
{
    if (!r->args->count)
        return -1;
    uint64_t left = r->args->count - r->pl.totals.packets;
    return left > INT_MAX ? INT_MAX : (int)left;
}

static void capture_loop(struct live_run *r)
{
    int64_t started = monotonic_ms(), next_tick = started + TICK_MS;
    while (!stop_signal_received() && !r->failed && !limits_reached(r, started)) {
        int64_t wait = next_tick - monotonic_ms();
        struct pollfd pfd = {.fd = r->cap.fd, .events = POLLIN};
        if (poll(&pfd, 1, wait < 0 ? 0 : (int)wait) < 0 && errno != EINTR) {
            fail(r, "waiting for packets failed");
            break;
        }
        if (pcap_dispatch(r->cap.pcap, dispatch_budget(r), on_packet, (u_char *)r) ==
            PCAP_ERROR) {
            snprintf(r->fail_msg, sizeof r->fail_msg, "capture failed on '%s': %s",
                     r->args->iface, pcap_geterr(r->cap.pcap));
            r->failed = true;
        }
        if (monotonic_ms() >= next_tick) {
            tick(r);
            next_tick = monotonic_ms() + TICK_MS;
        }
    }
}

static void print_capture_stats(const struct live_run *r)
{
    uint64_t recv = 0, kdrop = 0, ifdrop = 0;
    live_capture_stats(&r->cap, &recv, &kdrop, &ifdrop);
    printf("capture        %s: %llu packets received by filter, %llu dropped by the kernel, "
           "%llu dropped by the interface\n", r->args->iface, (unsigned long long)recv,
           (unsigned long long)kdrop, (unsigned long long)ifdrop);
}

static void print_rotation(const struct live_run *r)
{
    if (!r->args->rotate_s)
        return;
    printf("rotation       %llu files, a new one every %s", 
           (unsigned long long)rotate_sink_files(r->out), r->args->rotate_arg);
    uint64_t dropped = rotate_sink_late_dropped(r->out);
    if (dropped)
        printf("; %llu late segments dropped (their file was closed)", (unsigned long long)dropped);
    putchar('\n');
}

static void warn_prune_failures(const struct rotate_sink *out)
{
    const char *msg;
    uint64_t n = rotate_sink_prune_failures(out, &msg);
    if (n)
        fprintf(stderr, "finscope live: warning: --keep failed %llu time(s); the last: %s\n",
                (unsigned long long)n, msg);
}

/* Prints "finscope live: MESSAGE"; returns -1. */
static int complain(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int complain(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("finscope live: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return -1;
}

static int64_t live_clock(void *ctx)
{
    (void)ctx;
    return wall_clock_us();
}

/* Opens, in order: -Z, -w, the result file (as the unprivileged user). */
static int open_outputs(struct live_run *r, const char *options)
{
    char err[512];
    const struct live_args *a = r->args;
    if (a->user && live_drop_privileges(a->user, err, sizeof err) != 0)
        return complain("%s", err);
    if (a->raw_path && !(r->dump = pcap_dump_open(r->cap.pcap, a->raw_path)))
        return complain("cannot write %s: %s", a->raw_path, pcap_geterr(r->cap.pcap));
    struct analyzer_config cfg;
    analyzer_config_default(&cfg);
    cfg.dpi = a->dpi;
    if (a->max_flows)
        cfg.max_flows = a->max_flows;
    if (a->idle_gap_s > 0)
        cfg.idle_gap_us = (int64_t)(a->idle_gap_s * 1e6);
    char host[256];
    struct run_info info = {.source = a->iface, .mode = "live", .started_us = wall_clock_us(),
                            .options = options, .dpi = a->dpi,
                            .sensor = pipeline_sensor(a->sensor, host, sizeof host)};
    struct rotate_config rc = {.db_path = a->db_path, .jsonl_path = a->jsonl_path,
                               .interval_s = a->rotate_s, .keep = a->keep,
                               .close_after_us = cfg.linger_us + CLOSE_MARGIN_US,
                               .clock_us = live_clock};
    struct sink out;
    if (!(r->out = rotate_sink_new(&rc, &out)))
        return complain("out of memory");
    if (pipeline_open_sink(&r->pl, &out, rotate_sink_errmsg, &cfg, a->workers, &info, err,
                           sizeof err) != 0)
        return complain("%s", err);
    r->begun = true;
    return 0;
}

/* Ends the run (complete unless it failed), prints the statistics; the exit status. */
static int finish(struct live_run *r)
{
    if (r->begun) {
        refresh_drops(r);
        if (pipeline_end(&r->pl, r->failed, !r->failed, r->failed ? r->fail_msg : NULL) != 0)
            fail(r, "cannot record the end of the run");
    }
    if (r->failed && r->fail_msg[0])
        fprintf(stderr, "finscope live: %s\n", r->fail_msg);
    if (r->begun)
        warn_prune_failures(r->out);
    if (r->begun && !r->args->quiet) {
        print_capture_stats(r);
        print_rotation(r);
        analyze_print_summary(stdout, &r->pl.totals, rotate_sink_path(r->out),
                              rotate_sink_run_id(r->out));
    }
    if (pipeline_close(&r->pl) != 0 && !r->failed) {
        fprintf(stderr, "finscope live: closing the result file failed\n");
        r->failed = true;
    }
    rotate_sink_free(r->out);
    if (r->dump)
        pcap_dump_close(r->dump);
    live_capture_close(&r->cap);
    return r->failed ? 1 : 0;
}

static int live_run(const struct live_args *a, const char *options)
{
    char err[512];
    struct live_run r = {.args = a};
    if (stop_signal_install() != 0) {
        fprintf(stderr, "finscope live: cannot install signal handlers\n");
        return 1;
    }
    enum live_open_error oe = live_capture_open(a, &r.cap, err, sizeof err);
    if (oe != LIVE_OPEN_OK) {
        fprintf(stderr, "finscope live: %s\n", err);
        return oe == LIVE_OPEN_BAD_FILTER ? 2 : 1;
    }
    if (open_outputs(&r, options) != 0) {
        r.failed = true;    /* open_outputs said why, in one line: no second one */
        return finish(&r);
    }
    if (!a->quiet && a->rotate_s)
        fprintf(stderr, "finscope: capturing on %s; results beside %s, a new file every %s; "
                "Ctrl-C to stop\n", a->iface, a->db_path, a->rotate_arg);
    else if (!a->quiet)
        fprintf(stderr, "finscope: capturing on %s; results in %s; Ctrl-C to stop\n", a->iface,
                a->db_path);
    capture_loop(&r);
    return finish(&r);
}

int cmd_live(int argc, char **argv)
{
    char *options = pipeline_options(argc - 1, argv + 1);
    if (!options) {
        fprintf(stderr, "finscope: out of memory\n");
        return 1;
    }
    struct live_args a;
    int status;
    char err[512];
    switch (live_args_parse(argc, argv, &a)) {
    case LIVE_ARGS_HELP_SHOWN: status = 0; break;
    case LIVE_ARGS_USAGE_ERROR: status = 2; break;
    default:
        if (a.list) {
            status = live_capture_list(stdout, err, sizeof err) == 0 ? 0 : 1;
            if (status)
                fprintf(stderr, "finscope live: %s\n", err);
        } else {
            status = live_run(&a, options);
        }
    }
    free(options);
    return status;
}
