/*
 * errmsg.h — how report/'s functions hand a failure up (report.h: -1 with a one-line message
 * in the caller's err[errlen]).
 */
#ifndef FINSCOPE_REPORT_ERRMSG_H
#define FINSCOPE_REPORT_ERRMSG_H

#include <stddef.h>

#include "storage/read.h"

/* Each copies its message into err and returns -1, so `return report_oom(...)` fails. */
int report_oom(char *err, size_t errlen);                        /* "out of memory" */
int report_storage_fail(const struct storage *st, char *err, size_t errlen);  /* storage's */

#endif
