/*
 * errbuf.h — formatting an error message into a caller's buffer, the way cli/ functions that
 * do not print hand their problems up.
 */
#ifndef FINSCOPE_CLI_ERRBUF_H
#define FINSCOPE_CLI_ERRBUF_H

#include <stddef.h>

/* vsnprintf into err[errlen]; always returns -1, so `return errbuf_set(...)` reports failure. */
int errbuf_set(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
