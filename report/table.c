/*
 * table.c — human output helpers of report/ (see table.h): terminal styles, aligned tables
 * with bars, UTC times, byte sizes, CSV fields.
 */
#include "report/table.h"

#include "report/array.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- terminal ------------------------------------------------------------------------------ */

const char *sty(const struct report_style *ts, enum style s)
{
    static const char *const codes[STY_COUNT] = {
        [STY_RESET] = "\033[0m", [STY_BOLD] = "\033[1m", [STY_DIM] = "\033[2m",
        [STY_RED] = "\033[31m", [STY_GREEN] = "\033[32m", [STY_YELLOW] = "\033[33m",
        [STY_BLUE] = "\033[34m", [STY_MAGENTA] = "\033[35m", [STY_CYAN] = "\033[36m",
    };
    if (!ts || !ts->color || (unsigned)s >= STY_COUNT)
        return "";
    return codes[s];
}

size_t text_width(const char *s)
{
    size_t n = 0;
    for (; s && *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;   /* count lead bytes only */
    return n;
}

void print_padded(FILE *out, const char *s, size_t width, bool right)
{
    size_t w = text_width(s);
    size_t pad = w < width ? width - w : 0;
    if (right)
        fprintf(out, "%*s", (int)pad, "");
    fputs(s ? s : "", out);
    if (!right)
        fprintf(out, "%*s", (int)pad, "");
}

void print_bar(FILE *out, const struct report_style *ts, double fraction, int width,
               enum style colour)
{
    static const char *const eighths[8] = {"", "\u258f", "\u258e", "\u258d", "\u258c",
                                           "\u258b", "\u258a", "\u2589"};
    if (!(fraction > 0) || width <= 0)
        return;
    if (fraction > 1)
        fraction = 1;
    fputs(sty(ts, colour), out);
    if (ts->utf8) {
        long units = lround(fraction * width * 8);
        if (units < 1)
            units = 1;
        for (long i = 0; i < units / 8; i++)
            fputs("\u2588", out);
        fputs(eighths[units % 8], out);
    } else {
        long n = lround(fraction * width);
        for (long i = 0; i < (n < 1 ? 1 : n); i++)
            fputc('#', out);
    }
    fputs(sty(ts, STY_RESET), out);
}

/* ---- tables -------------------------------------------------------------------------------- */

struct table_row {
    char **cells;
    double bar;
    enum style colour;
};

struct table {
    size_t ncols;
    char **headers;
    char *align;
    struct table_row *rows;
    size_t nrows, cap;
};

static char **copy_cells(size_t n, const char *const *cells)
{
    char **out = calloc(n, sizeof *out);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        out[i] = strdup(cells && cells[i] ? cells[i] : "");
        if (!out[i]) {
            while (i > 0)
                free(out[--i]);
            free(out);
            return NULL;
        }
    }
    return out;
}

static void free_cells(size_t n, char **cells)
{
    if (!cells)
        return;
    for (size_t i = 0; i < n; i++)
        free(cells[i]);
    free(cells);
}

#define TABLE_MAX_COLS 64

struct table *table_new(size_t ncols, const char *const *headers, const char *align)
{
    if (ncols == 0 || ncols > TABLE_MAX_COLS)
        return NULL;
    struct table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->ncols = ncols;
    t->headers = copy_cells(ncols, headers);
    t->align = calloc(ncols + 1, 1);
    if (!t->headers || !t->align) {
        table_free(t);
        return NULL;
    }
    for (size_t i = 0; i < ncols; i++)
        t->align[i] = align && i < strlen(align) ? align[i] : 'l';
    return t;
}

int table_add(struct table *t, const char *const *cells, double bar, enum style colour)
{
    if (array_reserve(&t->rows, &t->cap, t->nrows, sizeof *t->rows) < 0)
        return -1;
    char **copy = copy_cells(t->ncols, cells);
    if (!copy)
        return -1;
    t->rows[t->nrows++] = (struct table_row){copy, bar, colour};
    return 0;
}

size_t table_rows(const struct table *t)
{
    return t->nrows;
}

static size_t column_width(const struct table *t, size_t c)
{
    size_t w = text_width(t->headers[c]);
    for (size_t r = 0; r < t->nrows; r++) {
        size_t cw = text_width(t->rows[r].cells[c]);
        if (cw > w)
            w = cw;
    }
    return w;
}

static double largest_bar(const struct table *t)
{
    double max = 0;
    for (size_t r = 0; r < t->nrows; r++)
        if (t->rows[r].bar > max)
            max = t->rows[r].bar;
    return max;
}

#define TABLE_BAR_WIDTH 30

static void print_line(const struct table *t, FILE *out, char *const *cells,
                       const size_t *widths)
{
    for (size_t c = 0; c < t->ncols; c++) {
        if (c > 0)
            fputs("  ", out);
        /* the last left-aligned cell needs no trailing spaces */
        if (c + 1 == t->ncols && t->align[c] != 'r')
            fputs(cells[c], out);
        else
            print_padded(out, cells[c], widths[c], t->align[c] == 'r');
    }
}

void table_print(const struct table *t, FILE *out, const struct report_style *ts,
                 const char *indent)
{
    size_t widths[TABLE_MAX_COLS];
    for (size_t c = 0; c < t->ncols; c++)
        widths[c] = column_width(t, c);
    double max = largest_bar(t);
    fprintf(out, "%s%s", indent, sty(ts, STY_BOLD));
    print_line(t, out, t->headers, widths);
    fprintf(out, "%s\n", sty(ts, STY_RESET));
    for (size_t r = 0; r < t->nrows; r++) {
        const struct table_row *row = &t->rows[r];
        fputs(indent, out);
        print_line(t, out, row->cells, widths);
        if (row->bar >= 0 && max > 0) {
            fputs("  ", out);
            print_bar(out, ts, row->bar / max, TABLE_BAR_WIDTH, row->colour);
        }
        fputc('\n', out);
    }
}

void table_free(struct table *t)
{
    if (!t)
        return;
    free_cells(t->ncols, t->headers);
    for (size_t r = 0; r < t->nrows; r++)
        free_cells(t->ncols, t->rows[r].cells);
    free(t->rows);
    free(t->align);
    free(t);
}

/* ---- values -------------------------------------------------------------------------------- */

const char *fmt_utc(double ts, bool micro, char *buf, size_t len)
{
    if (!(ts > 0)) {
        snprintf(buf, len, "-");
        return buf;
    }
    double whole = floor(ts);
    long us = lround((ts - whole) * 1e6);
    if (us >= 1000000) {
        whole += 1;
        us -= 1000000;
    }
    time_t secs = (time_t)whole;
    struct tm tm;
    if (!gmtime_r(&secs, &tm)) {
        snprintf(buf, len, "%.6f", ts);
        return buf;
    }
    char day[32];
    strftime(day, sizeof day, "%Y-%m-%d %H:%M:%S", &tm);
    if (micro)
        snprintf(buf, len, "%s.%06ld", day, us);
    else
        snprintf(buf, len, "%s", day);
    return buf;
}

const char *fmt_bytes(long long bytes, char *buf, size_t len)
{
    static const char *const units[] = {"bytes", "kB", "MB", "GB", "TB"};
    double v = (double)bytes;
    size_t u = 0;
    while (v >= 1000.0 && u + 1 < sizeof units / sizeof *units) {
        v /= 1000.0;
        u++;
    }
    if (u == 0)
        snprintf(buf, len, "%lld bytes", bytes);
    else
        snprintf(buf, len, "%.1f %s", v, units[u]);
    return buf;
}

void csv_field(FILE *out, const char *s)
{
    if (!s)
        return;
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}
