/*
 * rotate_name.c — file names of `finscope live --rotate` and --keep's removal (rotate_name.h).
 */
#include "cli/rotate_name.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define STAMP_LEN 19                      /* YYYY-MM-DDTHH-MM-SS */
static const char STAMP_SHAPE[] = "dddd-dd-ddTdd-dd-dd";

int rotate_parse_interval(const char *s, int64_t *seconds)
{
    static const struct { char unit; int64_t s; } UNITS[] = {
        {'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}};
    char *end;
    if (!isdigit((unsigned char)s[0]))
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || v == 0 || end[0] == '\0' || end[1] != '\0')
        return -1;
    for (size_t i = 0; i < sizeof UNITS / sizeof *UNITS; i++) {
        if (end[0] != UNITS[i].unit)
            continue;
        if (v > (unsigned long long)(ROTATE_MAX_INTERVAL_S / UNITS[i].s))
            return -1;
        *seconds = (int64_t)v * UNITS[i].s;
        return 0;
    }
    return -1;
}

int64_t rotate_interval_start(int64_t now_us, int64_t interval_s)
{
    int64_t s = now_us / 1000000;
    if (now_us < 0 && now_us % 1000000)
        s--;
    int64_t r = s % interval_s;
    return s - (r < 0 ? r + interval_s : r);
}

/* The parts of a path: its directory (with the slash; may be empty), stem and extension. */
struct path_parts {
    size_t dir_len, stem_len;
    const char *base, *ext;
};

static void split_path(const char *path, struct path_parts *p)
{
    const char *slash = strrchr(path, '/');
    p->base = slash ? slash + 1 : path;
    p->dir_len = (size_t)(p->base - path);
    const char *dot = strrchr(p->base, '.');
    p->ext = dot && dot > p->base ? dot : p->base + strlen(p->base);
    p->stem_len = (size_t)(p->ext - p->base);
}

int rotate_file_name(const char *path, int64_t start_s, char *buf, size_t len)
{
    struct path_parts p;
    split_path(path, &p);
    time_t t = (time_t)start_s;
    struct tm tm;
    char stamp[32];
    if (!gmtime_r(&t, &tm) || strftime(stamp, sizeof stamp, "%Y-%m-%dT%H-%M-%S", &tm) != STAMP_LEN)
        return -1;
    int n = snprintf(buf, len, "%.*s%.*s-%s%s", (int)p.dir_len, path, (int)p.stem_len, p.base,
                     stamp, p.ext);
    return n < 0 || (size_t)n >= len ? -1 : 0;
}

static bool stamp_shaped(const char *s)
{
    for (size_t i = 0; i < STAMP_LEN; i++) {
        bool ok = STAMP_SHAPE[i] == 'd' ? isdigit((unsigned char)s[i]) != 0
                                        : s[i] == STAMP_SHAPE[i];
        if (!ok)
            return false;
    }
    return true;
}

bool rotate_name_matches(const char *path, const char *name)
{
    struct path_parts p;
    split_path(path, &p);
    size_t ext_len = strlen(p.ext), n = strlen(name);
    if (n != p.stem_len + 1 + STAMP_LEN + ext_len || strncmp(name, p.base, p.stem_len) != 0 ||
        name[p.stem_len] != '-')
        return false;
    return stamp_shaped(name + p.stem_len + 1) && strcmp(name + n - ext_len, p.ext) == 0;
}

/* ---- --keep -------------------------------------------------------------------------------- */

struct name_list {
    char **v;
    size_t n, cap;
};

static int list_add(struct name_list *l, const char *name)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    if (!(l->v[l->n] = strdup(name)))
        return -1;
    l->n++;
    return 0;
}

static void list_free(struct name_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

static int newest_first(const void *a, const void *b)
{
    return strcmp(*(char *const *)b, *(char *const *)a);
}

/* The rotated files of `path` in its directory, newest first. */
static int list_rotated(const char *path, struct name_list *l, char *err, size_t errlen)
{
    struct path_parts p;
    split_path(path, &p);
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%.*s", (int)p.dir_len, p.dir_len ? path : "./");
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "--keep: cannot read the directory %s: %s", dir, strerror(errno));
        return -1;
    }
    int rc = 0;
    for (struct dirent *e; rc == 0 && (e = readdir(d));)
        if (rotate_name_matches(path, e->d_name))
            rc = list_add(l, e->d_name);
    closedir(d);
    if (rc != 0)
        snprintf(err, errlen, "--keep: out of memory");
    else
        qsort(l->v, l->n, sizeof *l->v, newest_first);
    return rc;
}

/* Removes `file` and its -wal and -shm; -1 with err set when one exists and stays. */
static int remove_with_companions(const char *file, char *err, size_t errlen)
{
    static const char *const SUFFIXES[] = {"-wal", "-shm", ""};
    int rc = 0;
    for (size_t i = 0; i < sizeof SUFFIXES / sizeof *SUFFIXES; i++) {
        char f[PATH_MAX + 8];
        snprintf(f, sizeof f, "%s%s", file, SUFFIXES[i]);
        if (unlink(f) != 0 && errno != ENOENT) {
            snprintf(err, errlen, "--keep: cannot remove %s: %s", f, strerror(errno));
            rc = -1;
        }
    }
    return rc;
}

int rotate_prune(const char *path, size_t keep, rotate_open_fn is_open, void *ctx, char *err,
                 size_t errlen)
{
    struct name_list l = {0};
    if (list_rotated(path, &l, err, errlen) != 0) {
        list_free(&l);
        return -1;
    }
    struct path_parts p;
    split_path(path, &p);
    int removed = 0, rc = 0;
    for (size_t i = keep; i < l.n; i++) {
        char file[PATH_MAX + 8];
        snprintf(file, sizeof file, "%.*s%s", (int)p.dir_len, path, l.v[i]);
        if (is_open && is_open(ctx, file))
            continue;
        if (remove_with_companions(file, err, errlen) != 0)
            rc = -1;
        else
            removed++;
    }
    list_free(&l);
    return rc ? -1 : removed;
}
