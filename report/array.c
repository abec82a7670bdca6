/*
 * array.c — growable arrays (array.h).
 */
#include "report/array.h"

#include <stdlib.h>
#include <string.h>

/* The array's pointer is read and written through memcpy, so any object pointer type works
 * without aliasing it as void *. */
int array_reserve(void *arrp, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return 0;
    size_t want = *cap ? 2 * *cap : 16;
    void *old, *grown;
    memcpy(&old, arrp, sizeof old);
    if (!(grown = realloc(old, want * elem)))
        return -1;
    memcpy(arrp, &grown, sizeof grown);
    *cap = want;
    return 0;
}
