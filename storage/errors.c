/*
 * errors.c — storage's one-line error messages. Every message names the file; SQLite's own
 * text is added where it helps. Messages are kept in the handle, never printed.
 */
#include <stdarg.h>
#include <stdio.h>

#include "storage/internal.h"

int st_error(struct storage *st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->errmsg, sizeof st->errmsg, fmt, ap);
    va_end(ap);
    return -1;
}

/* A run exists in the file only once run_begin has committed its row (phase RUN_ACTIVE);
 * before that (opening, or recording the run) the failed transaction leaves the file as it was. */
static int disk_full(struct storage *st, const char *doing)
{
    if (st->phase == RUN_ACTIVE && st->run_id > 0)
        return st_error(st, "%s: disk full while %s; run %lld is left unfinished", st->path,
                        doing, (long long)st->run_id);
    return st_error(st, "%s: disk full while %s; no run was added, the file is unchanged",
                    st->path, doing);
}

/* Reads sqlite3_errmsg(), so call it before anything else runs on the connection. */
int st_sqlite_error(struct storage *st, int rc, const char *doing)
{
    const char *why = st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc);
    switch (rc & 0xff) {
    case SQLITE_FULL:
        return disk_full(st, doing);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return st_error(st, "%s is locked by another writer", st->path);
    case SQLITE_NOTADB:
        return st_error(st, "%s is not a finscope database (not SQLite)", st->path);
    case SQLITE_CORRUPT:
        return st_error(st, "%s is damaged (%s)", st->path, why);
    case SQLITE_READONLY:
        return st_error(st, "%s cannot be written (%s)", st->path, why);
    case SQLITE_IOERR:
        return st_error(st, "%s: I/O error while %s (%s)", st->path, doing, why);
    case SQLITE_CANTOPEN:
        return st_error(st, "cannot open %s (%s)", st->path, why);
    default:
        return st_error(st, "%s: %s failed (%s)", st->path, doing, why);
    }
}
