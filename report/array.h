/*
 * array.h — growable arrays for report/: room for one more element, doubling.
 */
#ifndef FINSCOPE_REPORT_ARRAY_H
#define FINSCOPE_REPORT_ARRAY_H

#include <stddef.h>

/* Makes room for element n of the array whose pointer is at `arrp` (e.g. &v->rows; capacity
 * *cap elements of `elem` bytes), doubling from 16 when full. -1 when out of memory, with the
 * array unchanged. */
int array_reserve(void *arrp, size_t *cap, size_t n, size_t elem);

#endif
