#include "array.h"
#include "common.h"

int wp_array_reserve(void **items, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 64;
	void *grown;

	if (need <= *cap)
		return 0;
	while (n < need) {
		if (n > SIZE_MAX / 2 / size)
			return -1;
		n *= 2;
	}
	if (!(grown = realloc(*items, n * size)))
		return -1;
	*items = grown;
	*cap = n;
	return 0;
}
