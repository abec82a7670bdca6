/*
 * sqlite_open.c — opening an SQLite result file (open.c does the rest).
 *
 * Before SQLite touches anything, the file and its directory are checked so that the common
 * mistakes get a message naming the file and what to do: a missing or read-only directory, a
 * file that is not SQLite, one that belongs to another program or to a newer finscope. Only then
 * is the file switched to WAL mode and its schema created or migrated, inside a write
 * transaction (so a second writer is reported as such, not as a half-created schema).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/internal.h"

static const char SQLITE_MAGIC[16] = "SQLite format 3";   /* with its terminating NUL */

/* The directory part of st->path ("." when there is none); caller frees. */
static char *parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

static int check_dir(struct storage *st, const char *dir, bool file_exists)
{
    struct stat sb;
    if (stat(dir, &sb) != 0) {
        if (errno == ENOENT)
            return st_error(st, "cannot create %s: directory %s does not exist", st->path, dir);
        return st_error(st, "cannot use %s: %s: %s", st->path, dir, strerror(errno));
    }
    if (!S_ISDIR(sb.st_mode))
        return st_error(st, "cannot create %s: %s is not a directory", st->path, dir);
    /* Writing needs the directory too: SQLite keeps its -wal and -shm files beside the file. */
    if (!st->readonly && access(dir, W_OK | X_OK) != 0)
        return st_error(st, "cannot %s %s: directory %s is not writable",
                        file_exists ? "write" : "create", st->path, dir);
    return 0;
}

/* A non-empty file must start with SQLite's 16-byte magic string. */
static int check_header(struct storage *st, off_t size)
{
    if (size == 0)
        return 0;                 /* SQLite takes an empty file as a new database */
    int fd = open(st->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return st_error(st, "cannot read %s: %s", st->path, strerror(errno));
    char head[sizeof SQLITE_MAGIC];
    ssize_t got = read(fd, head, sizeof head);
    int saved = errno;
    close(fd);
    if (got < 0)
        return st_error(st, "cannot read %s: %s", st->path, strerror(saved));
    if ((size_t)got < sizeof head || memcmp(head, SQLITE_MAGIC, sizeof head) != 0)
        return st_error(st, "%s is not a finscope database (not SQLite)", st->path);
    return 0;
}

static int check_location(struct storage *st)
{
    struct stat fb;
    bool exists = stat(st->path, &fb) == 0;
    if (!exists && errno != ENOENT)
        return st_error(st, "cannot open %s: %s", st->path, strerror(errno));
    if (!exists && st->readonly)
        return st_error(st, "%s does not exist", st->path);
    char *dir = parent_dir(st->path);
    if (!dir)
        return st_error(st, "out of memory opening %s", st->path);
    int rc = check_dir(st, dir, exists);
    free(dir);
    if (rc < 0 || !exists)
        return rc;
    if (S_ISDIR(fb.st_mode))
        return st_error(st, "%s is a directory, not a database file", st->path);
    if (!S_ISREG(fb.st_mode))
        return st_error(st, "%s is not a regular file", st->path);
    if (!st->readonly && access(st->path, W_OK) != 0)
        return st_error(st, "%s is not writable", st->path);
    return check_header(st, fb.st_size);
}

static int set_pragmas(struct storage *st)
{
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &s, NULL);
    if (rc != SQLITE_OK)
        return st_sqlite_error(st, rc, "setting the journal mode");
    rc = sqlite3_step(s);
    bool wal = rc == SQLITE_ROW &&
               sqlite3_stricmp((const char *)sqlite3_column_text(s, 0), "wal") == 0;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        st_sqlite_error(st, rc, "setting the journal mode");
        sqlite3_finalize(s);
        return -1;
    }
    sqlite3_finalize(s);
    if (!wal)
        return st_error(st, "%s: SQLite cannot use WAL mode for this file (its file system may "
                        "not support shared memory)", st->path);
    /* temp_store: statement and savepoint sub-journals stay in memory (a few pages).
     * foreign_keys stays off (SQLite's default): the REFERENCES clauses document the links,
     * which hold by construction (a flow's rows are written with the id its insert just
     * returned); checking them on every insert cost 5% of the writing time. */
    rc = sqlite3_exec(st->db, "PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY",
                      NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : st_sqlite_error(st, rc, "setting pragmas");
}

static int open_writable(struct storage *st)
{
    if (storage_identify_and_check(st) < 0 || set_pragmas(st) < 0 ||
        storage_prepare_schema(st) < 0)
        return -1;
    int rc = sqlite_prepare_statements(st);
    return rc == SQLITE_OK ? 0 : st_sqlite_error(st, rc, "preparing statements");
}

/* A reader of a file it could write opens it read-write with query_only set: SQLite then
 * removes the -wal and -shm files when the last connection closes, which a read-only
 * connection cannot do (it would leave them behind after every `finscope report`). */
static int open_flags(const struct storage *st, bool *query_only)
{
    *query_only = st->readonly && access(st->path, W_OK) == 0;
    if (st->readonly && !*query_only)
        return SQLITE_OPEN_READONLY;
    return SQLITE_OPEN_READWRITE | (st->readonly ? 0 : SQLITE_OPEN_CREATE);
}

/* Multi-thread mode: SQLite's own locks around each connection are off (storage.h: a
 * connection is used by one thread at a time, which sink_thread.c keeps to). */
void storage_library_init(void)
{
    sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static int open_db(struct storage *st)
{
    bool query_only;
    int rc = sqlite3_open_v2(st->path, &st->db, open_flags(st, &query_only), NULL);
    if (rc != SQLITE_OK)
        return st_sqlite_error(st, rc, "opening");
    sqlite3_extended_result_codes(st->db, 1);
    sqlite3_busy_timeout(st->db, STORAGE_BUSY_TIMEOUT_MS);
    if (query_only && (rc = sqlite3_exec(st->db, "PRAGMA query_only = ON", NULL, NULL, NULL)))
        return st_sqlite_error(st, rc, "opening for reading");
    if (st->readonly)
        return storage_identify_and_check(st) < 0 ? -1 : 0;
    return open_writable(st);
}

int sqlite_open(struct storage *st)
{
    return check_location(st) < 0 ? -1 : open_db(st);
}
