/*
 * sqlq.c — a minimal stand-in for the sqlite3 shell, so that the end-to-end tests need no extra
 * package:  sqlq DB "SQL"
 *
 * Runs every statement in SQL and prints each result row with its columns joined by '|', NULL
 * as nothing and other values as sqlite3_column_text gives them (REALs as the shell's list mode
 * prints them). The file is opened read-write and created if missing, so that tests can also
 * craft files (a foreign SQLite file, a newer user_version). A bad query prints SQLite's error
 * on stderr and exits 1; wrong usage exits 2.
 */
#include <sqlite3.h>
#include <stdio.h>

static void print_row(sqlite3_stmt *s)
{
    int n = sqlite3_column_count(s);
    for (int i = 0; i < n; i++) {
        if (i > 0)
            putchar('|');
        if (sqlite3_column_type(s, i) == SQLITE_NULL)
            continue;
        const unsigned char *text = sqlite3_column_text(s, i);
        int len = sqlite3_column_bytes(s, i);
        if (text)
            fwrite(text, 1, (size_t)len, stdout);
    }
    putchar('\n');
}

/* Runs the statements of `sql` one after another; returns 0, or 1 after printing the error. */
static int run_all(sqlite3 *db, const char *sql)
{
    while (sql && *sql) {
        sqlite3_stmt *s = NULL;
        const char *rest = NULL;
        int rc = sqlite3_prepare_v2(db, sql, -1, &s, &rest);
        if (rc != SQLITE_OK) {
            fprintf(stderr, "sqlq: %s\n", sqlite3_errmsg(db));
            return 1;
        }
        sql = rest;
        if (!s)
            continue;             /* only whitespace or a comment */
        while ((rc = sqlite3_step(s)) == SQLITE_ROW)
            print_row(s);
        if (rc != SQLITE_DONE) {
            fprintf(stderr, "sqlq: %s\n", sqlite3_errmsg(db));
            sqlite3_finalize(s);
            return 1;
        }
        sqlite3_finalize(s);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: sqlq DB \"SQL\"\n");
        return 2;
    }
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        fprintf(stderr, "sqlq: cannot open %s: %s\n", argv[1], sqlite3_errmsg(db));
        sqlite3_close(db);
        return 1;
    }
    sqlite3_busy_timeout(db, 5000);
    int rc = run_all(db, argv[2]);
    if (fflush(stdout) != 0)
        rc = 1;
    sqlite3_close(db);
    return rc;
}
