/*
 * open.c — opening and closing a result database, whichever its backend: an SQLite file
 * (sqlite_open.c) or a PostgreSQL database named by a postgresql:// URL (pg_driver.c). What
 * follows the connection is the same for both: the identity check, and the schema created or
 * migrated inside a write transaction under the database's schema lock (so that a second
 * writer opening at the same moment sees the whole schema or none of it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/internal.h"

bool storage_is_postgres(const char *path)
{
    return path && (strncmp(path, "postgresql://", 13) == 0 ||
                    strncmp(path, "postgres://", 11) == 0);
}

int storage_identify_and_check(struct storage *st)
{
    struct db_identity id;
    if (st->drv->identify(st, &id) < 0)
        return -1;
    return schema_check_identity(st, &id) < 0 ? -1 : id.user_version;
}

/* Keeps the message of the failure that led here. */
static int abandon(struct storage *st)
{
    char keep[sizeof st->errmsg];
    memcpy(keep, st->errmsg, sizeof keep);
    if (st->drv->in_txn(st))
        stmt_exec(st, S_ROLLBACK, NULL, "rolling back");
    memcpy(st->errmsg, keep, sizeof keep);
    return -1;
}

/* The check is repeated under the lock because another finscope may have created the schema
 * between our first look and the lock. */
int storage_prepare_schema(struct storage *st)
{
    if (stmt_exec(st, S_BEGIN, NULL, "locking") < 0 || st->drv->lock(st) < 0)
        return abandon(st);
    int version = storage_identify_and_check(st);
    if (version < 0)
        return abandon(st);
    if (version < STORAGE_SCHEMA_VERSION && schema_migrate(st, version) < 0)
        return abandon(st);
    if (stmt_exec(st, S_COMMIT, NULL, "creating the schema") < 0)
        return abandon(st);
    return 0;
}

static void free_handle(struct storage *st)
{
    if (st->drv)
        st->drv->close(st);
    free(st->path);
    free(st);
}

int storage_open(const char *path, int readonly, struct storage **out, char *err, size_t errlen)
{
    *out = NULL;
    struct storage *st = calloc(1, sizeof *st);
    bool pg = storage_is_postgres(path);
    if (st)
        st->path = pg ? dialect_redact_url(path) : strdup(path ? path : "");
    if (!st || !st->path) {
        free(st);
        snprintf(err, errlen, "out of memory opening %s", path ? path : "(null)");
        return -1;
    }
    st->readonly = readonly != 0;
    st->drv = pg ? &pg_driver : &sqlite_driver;
    if (!*st->path)
        st_error(st, "no database file given");
    if (!*st->path || (pg ? pg_open(st, path) : sqlite_open(st)) < 0) {
        snprintf(err, errlen, "%s", st->errmsg);
        free_handle(st);
        return -1;
    }
    *out = st;
    return 0;
}

int storage_close(struct storage *st)
{
    if (!st)
        return 0;
    int rc = 0;
    if (!st->readonly && (st->db || st->pg))
        rc = txn_commit(st);
    free_handle(st);
    return rc;
}

char *storage_redacted(const char *text)
{
    return dialect_redact_url(text);
}

const char *storage_errmsg(const struct storage *st)
{
    return st ? st->errmsg : "no database";
}

int64_t storage_run_id(const struct storage *st)
{
    return st ? st->run_id : 0;
}

sqlite3 *storage_db_handle(struct storage *st)
{
    return st->db;
}
