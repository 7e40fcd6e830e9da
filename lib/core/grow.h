/*
 * The one growth helper for arrays (git's ALLOC_GROW with st_mult):
 *
 *     struct ring *rings = NULL;
 *     size_t n = 0, cap = 0;
 *     if (!td_grow(&rings, &cap, n + 1, sizeof(*rings)))
 *         return nomem();
 *     rings[n++] = r;
 */
#ifndef TD_GROW_H
#define TD_GROW_H

#include <stddef.h>

/*
 * Make the array at pp (the address of any object pointer) hold at least
 * need elements of size bytes, doubling its capacity *cap from 16. Returns
 * 1, or 0 when out of memory or when the size would overflow; the array is
 * then unchanged and still owned by the caller.
 */
int td_grow(void *pp, size_t *cap, size_t need, size_t size) __attribute__((warn_unused_result));

#endif
