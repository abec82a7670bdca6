/*
 * rotate_name.h — the file names of `finscope live --rotate`: the interval option, where an
 * interval starts, the name of its file beside the -o (or --jsonl) path, and --keep's removal
 * of the oldest files of that pattern.
 *
 * An interval starts at a multiple of its length since the Unix epoch (UTC), so `--rotate 1h`
 * starts files on the hour and `--rotate 1d` at midnight UTC, whenever finscope was started.
 * The file of the interval starting at T, for the path DIR/STEM.EXT, is
 * DIR/STEM-YYYY-MM-DDTHH-MM-SS.EXT with T in UTC (no EXT: DIR/STEM-YYYY-MM-DDTHH-MM-SS); such
 * names sort by time.
 */
#ifndef FINSCOPE_CLI_ROTATE_NAME_H
#define FINSCOPE_CLI_ROTATE_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ROTATE_MAX_INTERVAL_S (366LL * 86400)

/* "2s", "15m", "1h", "1d": a whole number above 0 and a unit (s, m, h, d), at most 366 days.
 * 0 with *seconds set, -1 otherwise. */
int rotate_parse_interval(const char *s, int64_t *seconds);

/* Start (Unix seconds) of the interval of `interval_s` seconds that holds `now_us`. */
int64_t rotate_interval_start(int64_t now_us, int64_t interval_s);

/* The rotated file of `path` for the interval starting at `start_s`; -1 when it does not fit
 * in buf[len]. */
int rotate_file_name(const char *path, int64_t start_s, char *buf, size_t len);

/* Whether `name` (a directory entry, no directory) is a rotated file of `path`. */
bool rotate_name_matches(const char *path, const char *name);

/* Says whether the rotated file at `file` (a full path, as rotate_file_name writes it) is open. */
typedef bool (*rotate_open_fn)(void *ctx, const char *file);

/* --keep: of the rotated files of `path` in its directory, keeps the `keep` newest and removes
 * the others (with their SQLite -wal and -shm files), except those `is_open` says are open.
 * Returns how many it removed, or -1 with err set when the directory cannot be read or a file
 * cannot be removed (the others are still removed). */
int rotate_prune(const char *path, size_t keep, rotate_open_fn is_open, void *ctx, char *err,
                 size_t errlen);

#endif
