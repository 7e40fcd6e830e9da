#include "grow.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int td_grow(void *pp, size_t *cap, size_t need, size_t size)
{
	size_t c = *cap ? *cap : 16;
	void *p, *q;

	if (need <= *cap)
		return 1;
	while (c < need) {
		if (c > SIZE_MAX / 2 / size)
			return 0;
		c *= 2;
	}
	if (c > SIZE_MAX / size)
		return 0;
	/* pp may point to any object pointer type: copy, do not type-pun. */
	memcpy(&p, pp, sizeof(p));
	q = realloc(p, c * size);
	if (!q)
		return 0;
	memcpy(pp, &q, sizeof(q));
	*cap = c;
	return 1;
}
