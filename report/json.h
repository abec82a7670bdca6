/*
 * json.h — writing JSON values for the machine formats of report and export: strings escaped
 * per RFC 8259 (invalid UTF-8 replaced, so the output always parses), numbers, null.
 */
#ifndef FINSCOPE_REPORT_JSON_H
#define FINSCOPE_REPORT_JSON_H

#include <stdio.h>

/* "s" with quotes and escapes; NULL writes null. */
void json_string(FILE *out, const char *s);
/* A JSON key with its colon: "key": */
void json_key(FILE *out, const char *key);
/* A number with `decimals` digits after the point; NaN and infinities write null. */
void json_real(FILE *out, double v, int decimals);

#endif
