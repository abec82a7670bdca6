/*
 * table.h — report/'s human output: aligned text tables with optional bar charts, terminal
 * styles (colour and block characters only when the caller's struct report_style allows),
 * UTC times, byte sizes, and RFC 4180 CSV fields.
 */
#ifndef FINSCOPE_REPORT_TABLE_H
#define FINSCOPE_REPORT_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "report/report.h"

/* ---- terminal ------------------------------------------------------------------------------ */

enum style { STY_RESET, STY_BOLD, STY_DIM, STY_RED, STY_GREEN, STY_YELLOW, STY_BLUE, STY_CYAN,
             STY_MAGENTA, STY_COUNT };
/* The escape sequence for `s`, or "" without colour. */
const char *sty(const struct report_style *ts, enum style s);

/* Columns a string takes on a terminal (UTF-8 code points). */
size_t text_width(const char *s);
/* Writes s padded with spaces to `width` columns; right-aligned when `right`. */
void print_padded(FILE *out, const char *s, size_t width, bool right);

/* A horizontal bar of `fraction` (0..1) of `width` columns: blocks in UTF-8, else '#'.
 * A non-zero fraction always shows at least a sliver. */
void print_bar(FILE *out, const struct report_style *ts, double fraction, int width,
               enum style colour);

/* ---- tables -------------------------------------------------------------------------------- */

struct table;
/* `align`: one letter per column, 'l' or 'r'. NULL when out of memory or ncols is not
 * 1..64. */
struct table *table_new(size_t ncols, const char *const *headers, const char *align);
/* Copies the cells (NULL cell = ""). `bar` >= 0 draws a bar of bar / (largest bar) after the
 * row, in `colour`; < 0 draws none. -1 when out of memory. */
int table_add(struct table *t, const char *const *cells, double bar, enum style colour);
size_t table_rows(const struct table *t);
/* Prints the header (bold) and the rows, each line starting with `indent`. */
void table_print(const struct table *t, FILE *out, const struct report_style *ts,
                 const char *indent);
void table_free(struct table *t);

/* ---- values -------------------------------------------------------------------------------- */

/* "2026-01-01 00:00:00" (+ ".ffffff" when `micro`) in UTC; "-" for ts <= 0. */
const char *fmt_utc(double ts, bool micro, char *buf, size_t len);
/* 1234 -> "1.2 kB", 999 -> "999 bytes". */
const char *fmt_bytes(long long bytes, char *buf, size_t len);

/* One CSV field, quoted (RFC 4180) when it holds a comma, quote, CR or LF. NULL = empty. */
void csv_field(FILE *out, const char *s);

#endif
