/*
 * rotate_sink.c — the result files of `finscope live`, rotated per interval, and its JSON lines
 * (rotate_sink.h).
 *
 * Files are a list, the current one first, then those rotated out but still open for late
 * rows. Each knows how many of the flows stored in it were not forgotten yet (`lingering`).
 */
#include "cli/rotate_sink.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/rotate_name.h"
#include "report/report.h"
#include "storage/storage.h"

#define ID_MASK ((INT64_C(1) << ROTATE_ID_BITS) - 1)

struct rfile {
    struct rfile *next;
    struct storage *st;
    struct sink sk;
    int64_t seq;                  /* the high bits of the ids of its flows */
    int64_t start_s;              /* its interval's start */
    int64_t retired_us;           /* when it stopped being current; 0 while it is */
    uint64_t lingering;           /* flows stored in it and not forgotten */
    uint64_t evicted;             /* of its flows, those evicted (runs.flows_evicted) */
    char path[PATH_MAX];
};

struct rotate_sink {
    struct rotate_config cfg;
    struct run_info info;         /* with copies of the caller's strings */
    char *source, *options, *sensor;
    struct rfile *files;
    int64_t next_seq;
    uint64_t nfiles, late_dropped, prune_failures;
    FILE *jsonl;
    char jsonl_file[PATH_MAX];
    struct run_totals last;       /* the latest totals: what a file closed early records */
    bool failed;
    char errmsg[1024], prune_msg[512];
    char cur_path[PATH_MAX];      /* the newest file, also once closed */
    int64_t cur_run_id;
};

static int set_error(struct rotate_sink *rs, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int set_error(struct rotate_sink *rs, const char *fmt, ...)
{
    if (!rs->failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(rs->errmsg, sizeof rs->errmsg, fmt, ap);
        va_end(ap);
    }
    rs->failed = true;
    return -1;
}

/* A storage call on `f` failed: its message (which names the file), else what was done. */
static int file_error(struct rotate_sink *rs, const struct rfile *f, const char *doing)
{
    const char *why = storage_errmsg(f->st);
    if (why && why[0])
        return set_error(rs, "%s", why);
    return set_error(rs, "%s: %s failed", f->path, doing);
}

/* Where the interval starting at start_s is written: `path` itself without --rotate. */
static int interval_path(const struct rotate_sink *rs, const char *path, int64_t start_s,
                         char *buf, size_t len)
{
    if (rs->cfg.interval_s == 0)
        return snprintf(buf, len, "%s", path) < (int)len ? 0 : -1;
    return rotate_file_name(path, start_s, buf, len);
}

/* ---- files ---------------------------------------------------------------------------------- */

static struct rfile *open_file(struct rotate_sink *rs, int64_t start_s)
{
    struct rfile *f = calloc(1, sizeof *f);
    if (!f) {
        set_error(rs, "out of memory");
        return NULL;
    }
    char err[768];
    if (interval_path(rs, rs->cfg.db_path, start_s, f->path, sizeof f->path) != 0) {
        set_error(rs, "%s: the rotated file name is too long", rs->cfg.db_path);
    } else if (storage_open(f->path, 0, &f->st, err, sizeof err) != 0) {
        set_error(rs, "%s", err);
    } else {
        storage_sink(f->st, &f->sk);
        if (f->sk.run_begin(f->sk.ctx, &rs->info) == 0) {
            f->seq = ++rs->next_seq;
            f->start_s = start_s;
            f->next = rs->files;
            rs->files = f;
            rs->nfiles++;
            memcpy(rs->cur_path, f->path, sizeof f->path);
            rs->cur_run_id = storage_run_id(f->st);
            return f;
        }
        file_error(rs, f, "recording the run");
    }
    storage_close(f->st);
    free(f);
    return NULL;
}

static struct run_totals file_totals(const struct rotate_sink *rs, const struct rfile *f)
{
    struct run_totals t = rs->last;
    t.flows_evicted = f->evicted;
    return t;
}

/* Ends the file's run (complete if `complete` and nothing failed) and closes it. */
static int close_file(struct rotate_sink *rs, struct rfile *f, bool complete, const char *error)
{
    for (struct rfile **p = &rs->files; *p; p = &(*p)->next)
        if (*p == f) {
            *p = f->next;
            break;
        }
    struct run_totals t = file_totals(rs, f);
    t.complete = complete && !rs->failed;
    t.error = error ? error : rs->failed ? rs->errmsg : NULL;
    int rc = 0;
    if (f->sk.run_end(f->sk.ctx, &t) != 0)
        rc = file_error(rs, f, "ending the run");
    if (storage_close(f->st) != 0 && rc == 0)
        rc = set_error(rs, "%s: closing failed", f->path);
    free(f);
    return rc;
}

/* Closes the rotated-out files nothing lingers in any more, or that waited long enough. */
static int sweep(struct rotate_sink *rs, int64_t now_us)
{
    int rc = 0;
    for (struct rfile *f = rs->files, *next; f; f = next) {
        next = f->next;
        if (f->retired_us && (f->lingering == 0 ||
                              now_us - f->retired_us >= rs->cfg.close_after_us))
            rc |= close_file(rs, f, true, NULL);
    }
    return rc ? -1 : 0;
}

static struct rfile *find_file(const struct rotate_sink *rs, int64_t id)
{
    for (struct rfile *f = rs->files; f; f = f->next)
        if (f->seq == id >> ROTATE_ID_BITS)
            return f;
    return NULL;
}

/* ---- JSON lines ----------------------------------------------------------------------------- */

static int open_jsonl(struct rotate_sink *rs, int64_t start_s)
{
    if (!rs->cfg.jsonl_path)
        return 0;
    if (interval_path(rs, rs->cfg.jsonl_path, start_s, rs->jsonl_file, sizeof rs->jsonl_file))
        return set_error(rs, "%s: the rotated file name is too long", rs->cfg.jsonl_path);
    if (!(rs->jsonl = fopen(rs->jsonl_file, "a")))
        return set_error(rs, "cannot write %s: %m", rs->jsonl_file);
    return 0;
}

static int close_jsonl(struct rotate_sink *rs)
{
    if (!rs->jsonl)
        return 0;
    bool bad = ferror(rs->jsonl) != 0;
    bad |= fclose(rs->jsonl) != 0;
    rs->jsonl = NULL;
    return bad ? set_error(rs, "writing %s failed", rs->jsonl_file) : 0;
}

static int write_jsonl(struct rotate_sink *rs, struct rfile *f, int64_t stored_id)
{
    char err[768];
    if (!rs->jsonl)
        return 0;
    if (report_jsonl_flow(f->st, stored_id, rs->jsonl, err, sizeof err) != 0)
        return set_error(rs, "%s: %s", rs->jsonl_file, err);
    return ferror(rs->jsonl) ? set_error(rs, "writing %s failed", rs->jsonl_file) : 0;
}

/* ---- --keep --------------------------------------------------------------------------------- */

static bool db_open(void *ctx, const char *file)
{
    const struct rotate_sink *rs = ctx;
    for (const struct rfile *f = rs->files; f; f = f->next)
        if (strcmp(f->path, file) == 0)
            return true;
    return false;
}

static bool jsonl_open(void *ctx, const char *file)
{
    const struct rotate_sink *rs = ctx;
    return rs->jsonl && strcmp(rs->jsonl_file, file) == 0;
}

static void prune_one(struct rotate_sink *rs, const char *path, rotate_open_fn is_open)
{
    char err[512];
    if (path && rotate_prune(path, rs->cfg.keep, is_open, rs, err, sizeof err) < 0) {
        rs->prune_failures++;
        snprintf(rs->prune_msg, sizeof rs->prune_msg, "%s", err);
    }
}

static void prune(struct rotate_sink *rs)
{
    if (rs->cfg.interval_s == 0 || rs->cfg.keep == 0)
        return;
    prune_one(rs, rs->cfg.db_path, db_open);
    prune_one(rs, rs->cfg.jsonl_path, jsonl_open);
}

/* ---- rotation ------------------------------------------------------------------------------- */

/* When the interval changed: the next file becomes current, the JSON lines follow, and the
 * previous file is closed at once if nothing lingers in it. */
static int rotate(struct rotate_sink *rs, int64_t now_us)
{
    struct rfile *cur = rs->files;
    if (rs->cfg.interval_s == 0 || !cur)
        return 0;
    int64_t start = rotate_interval_start(now_us, rs->cfg.interval_s);
    if (start <= cur->start_s)    /* the same interval, or the clock stepped back */
        return 0;
    if (!open_file(rs, start))
        return -1;
    cur->retired_us = now_us;
    if (close_jsonl(rs) != 0 || open_jsonl(rs, start) != 0 || sweep(rs, now_us) != 0)
        return -1;
    prune(rs);
    return 0;
}

static int64_t now_us(const struct rotate_sink *rs)
{
    return rs->cfg.clock_us(rs->cfg.clock_ctx);
}

/* ---- the sink ------------------------------------------------------------------------------- */

static int rs_run_begin(void *ctx, const struct run_info *info)
{
    struct rotate_sink *rs = ctx;
    rs->info = *info;
    free(rs->source);
    free(rs->options);
    free(rs->sensor);
    rs->source = info->source ? strdup(info->source) : NULL;
    rs->options = info->options ? strdup(info->options) : NULL;
    rs->sensor = info->sensor ? strdup(info->sensor) : NULL;
    if ((info->source && !rs->source) || (info->options && !rs->options) ||
        (info->sensor && !rs->sensor))
        return set_error(rs, "out of memory");
    rs->info.source = rs->source;
    rs->info.options = rs->options;
    rs->info.sensor = rs->sensor;
    int64_t start = rotate_interval_start(now_us(rs), rs->cfg.interval_s ? rs->cfg.interval_s : 1);
    if (!open_file(rs, start) || open_jsonl(rs, start) != 0)
        return -1;
    prune(rs);
    return 0;
}

static int rs_flow(void *ctx, const struct flow_record *f, const struct teardown_event *ev,
                   size_t nev, const struct anomaly_record *an, size_t nan,
                   const struct rst_record *rst, size_t nrst, int64_t *flow_id)
{
    struct rotate_sink *rs = ctx;
    if (rs->failed || rotate(rs, now_us(rs)) != 0)
        return -1;
    struct rfile *cur = rs->files;
    int64_t stored = 0;
    if (cur->sk.flow(cur->sk.ctx, f, ev, nev, an, nan, rst, nrst, &stored) != 0)
        return file_error(rs, cur, "storing a flow");
    if (stored <= 0 || stored > ID_MASK)
        return set_error(rs, "%s: flow id %lld out of range", cur->path, (long long)stored);
    *flow_id = cur->seq << ROTATE_ID_BITS | stored;
    cur->lingering++;
    if (f->ended_by && strcmp(f->ended_by, "evicted") == 0)
        cur->evicted++;
    return write_jsonl(rs, cur, stored);
}

static int rs_late(void *ctx, int64_t flow_id, const struct late_rows *rows)
{
    struct rotate_sink *rs = ctx;
    if (rs->failed)
        return -1;
    struct rfile *f = find_file(rs, flow_id);
    if (!f) {
        rs->late_dropped++;
        return 0;
    }
    if (f->sk.late(f->sk.ctx, flow_id & ID_MASK, rows) != 0)
        return file_error(rs, f, "storing a late segment");
    return 0;
}

static void rs_forget(void *ctx, int64_t flow_id)
{
    struct rotate_sink *rs = ctx;
    struct rfile *f = find_file(rs, flow_id);
    if (!f)
        return;
    if (f->sk.forget)
        f->sk.forget(f->sk.ctx, flow_id & ID_MASK);
    if (f->lingering)
        f->lingering--;
    if (f->retired_us && f->lingering == 0 && !rs->failed)
        close_file(rs, f, true, NULL);
}

static int rs_checkpoint(void *ctx, const struct run_totals *t)
{
    struct rotate_sink *rs = ctx;
    rs->last = *t;
    int64_t now = now_us(rs);
    if (rs->failed || rotate(rs, now) != 0 || sweep(rs, now) != 0)
        return -1;
    for (struct rfile *f = rs->files; f; f = f->next) {
        struct run_totals ft = file_totals(rs, f);
        if (f->sk.checkpoint(f->sk.ctx, &ft) != 0)
            return file_error(rs, f, "committing");
    }
    if (rs->jsonl && fflush(rs->jsonl) != 0)
        return set_error(rs, "writing %s failed: %m", rs->jsonl_file);
    return 0;
}

/* Every open file's run ends as the totals say (incomplete after a failure). */
static int rs_run_end(void *ctx, const struct run_totals *t)
{
    struct rotate_sink *rs = ctx;
    rs->last = *t;
    int rc = 0;
    while (rs->files)
        rc |= close_file(rs, rs->files, t->complete, t->error);
    rc |= close_jsonl(rs);
    prune(rs);
    return rc || rs->failed ? -1 : 0;
}

/* ---- life ----------------------------------------------------------------------------------- */

struct rotate_sink *rotate_sink_new(const struct rotate_config *c, struct sink *out)
{
    struct rotate_sink *rs = calloc(1, sizeof *rs);
    if (!rs)
        return NULL;
    rs->cfg = *c;
    *out = (struct sink){.ctx = rs, .run_begin = rs_run_begin, .flow = rs_flow,
                         .late = rs_late, .forget = rs_forget, .checkpoint = rs_checkpoint,
                         .run_end = rs_run_end};
    return rs;
}

void rotate_sink_free(struct rotate_sink *rs)
{
    if (!rs)
        return;
    while (rs->files) {
        struct rfile *f = rs->files;
        rs->files = f->next;
        storage_close(f->st);
        free(f);
    }
    if (rs->jsonl)
        fclose(rs->jsonl);
    free(rs->source);
    free(rs->options);
    free(rs->sensor);
    free(rs);
}

const char *rotate_sink_errmsg(const void *ctx)
{
    const struct rotate_sink *rs = ctx;
    return rs->errmsg;
}

const char *rotate_sink_path(const struct rotate_sink *rs)
{
    return rs->cur_path;
}

int64_t rotate_sink_run_id(const struct rotate_sink *rs)
{
    return rs->cur_run_id;
}

uint64_t rotate_sink_files(const struct rotate_sink *rs)
{
    return rs->nfiles;
}

uint64_t rotate_sink_late_dropped(const struct rotate_sink *rs)
{
    return rs->late_dropped;
}

uint64_t rotate_sink_prune_failures(const struct rotate_sink *rs, const char **msg)
{
    *msg = rs->prune_msg;
    return rs->prune_failures;
}
