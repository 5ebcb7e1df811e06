/* Growing an array of fixed-size items (doubling, from a first capacity). */
#ifndef WP_ARRAY_H
#define WP_ARRAY_H

#include <stddef.h>

/* Makes room for at least `need` items of `size` bytes in *items, whose
 * capacity is *cap (0 for none yet); the items stay where they were in the
 * array. Returns 0, or -1 when out of memory (*items is then unchanged). */
int wp_array_reserve(void **items, size_t *cap, size_t need, size_t size);

#endif
