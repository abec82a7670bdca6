/*
 * dblock.c — holds an SQLite database's write lock, as another writer would, for the database
 * fault tests (tests/e2e/t_db_faults.sh):  dblock DB SECONDS
 *
 * Opens DB (which must exist), starts a write transaction (BEGIN IMMEDIATE), prints "locked" on
 * stdout once it holds the lock, then sleeps SECONDS (or until killed) and rolls back: nothing
 * in the file is changed. Exit 0 after the sleep; 1 when the file cannot be opened or locked;
 * 2 on wrong usage.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    char *end = NULL;
    long secs = argc == 3 ? strtol(argv[2], &end, 10) : -1;
    if (argc != 3 || *end || secs < 0) {
        fprintf(stderr, "usage: dblock DB SECONDS\n");
        return 2;
    }
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        fprintf(stderr, "dblock: cannot open %s: %s\n", argv[1], sqlite3_errmsg(db));
        sqlite3_close(db);
        return 1;
    }
    sqlite3_busy_timeout(db, 5000);
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "dblock: cannot lock %s: %s\n", argv[1], sqlite3_errmsg(db));
        sqlite3_close(db);
        return 1;
    }
    printf("locked\n");
    fflush(stdout);
    sleep((unsigned)secs);
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(db);
    return 0;
}
