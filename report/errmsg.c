/*
 * errmsg.c — see errmsg.h.
 */
#include "report/errmsg.h"

#include <stdio.h>

int report_oom(char *err, size_t errlen)
{
    snprintf(err, errlen, "out of memory");
    return -1;
}

int report_storage_fail(const struct storage *st, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s", storage_errmsg(st));
    return -1;
}
