/*
 * read_commands.c — what the read commands (report, show, export) share: opening the file,
 * parsing ids, usage and failure messages, and how their text output may look.
 */
#include "cli/read_commands.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

struct storage *read_cmd_open(const char *cmd, const char *path)
{
    struct storage *st = NULL;
    char err[600];
    if (storage_open(path, 1, &st, err, sizeof err) != 0) {
        fprintf(stderr, "finscope %s: %s\n", cmd, err);
        return NULL;
    }
    return st;
}

bool read_cmd_parse_id(const char *s, int64_t *out)
{
    if (!s || *s < '0' || *s > '9')
        return false;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < 1)
        return false;
    *out = v;
    return true;
}

int read_cmd_usage(const char *cmd, const char *what, const char *arg)
{
    fprintf(stderr, "finscope %s: %s%s\nTry 'finscope %s --help' for the options.\n", cmd, what,
            arg ? arg : "", cmd);
    return 2;
}

int read_cmd_fail(const char *cmd, const struct storage *st)
{
    fprintf(stderr, "finscope %s: %s\n", cmd, storage_errmsg(st));
    return 1;
}

FILE *read_cmd_output(const char *cmd, const char *path)
{
    if (!path)
        return stdout;
    FILE *out = fopen(path, "w");
    if (!out)
        fprintf(stderr, "finscope %s: cannot create %s: %s\n", cmd, path, strerror(errno));
    return out;
}

int read_cmd_finish(const char *cmd, FILE *out, const char *path, const char *failure)
{
    bool write_failed = fflush(out) != 0 || ferror(out);
    int saved = errno;
    if (path && fclose(out) != 0 && !write_failed) {
        write_failed = true;
        saved = errno;
    }
    if (write_failed)
        fprintf(stderr, "finscope %s: cannot write %s: %s\n", cmd,
                path ? path : "standard output", strerror(saved));
    else if (failure)
        fprintf(stderr, "finscope %s: %s\n", cmd, failure);
    if ((write_failed || failure) && path)
        remove(path);
    return write_failed || failure ? 1 : 0;
}

/* The first of LC_ALL, LC_CTYPE, LANG that is set decides (as setlocale would). */
static bool locale_is_utf8(void)
{
    static const char *const vars[] = {"LC_ALL", "LC_CTYPE", "LANG"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return strcasestr(v, "utf-8") != NULL || strcasestr(v, "utf8") != NULL;
    }
    return false;
}

void read_cmd_style(FILE *out, struct report_style *style)
{
    const char *no_color = getenv("NO_COLOR");
    style->color = isatty(fileno(out)) && !(no_color && *no_color);
    style->utf8 = locale_is_utf8();
}
