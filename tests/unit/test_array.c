/* lib/array: growing arrays. */
#include <criterion/criterion.h>
#include <stdint.h>

#include "../../lib/array.h"
#include "../../lib/common.h"

Test(array, grows_by_doubling_and_keeps_the_items)
{
	uint32_t *items = NULL;
	size_t cap = 0;

	cr_assert_eq(wp_array_reserve((void **)&items, &cap, 1, sizeof(*items)), 0);
	cr_assert_eq(cap, 64);
	for (uint32_t i = 0; i < 1000; i++) {
		cr_assert_eq(wp_array_reserve((void **)&items, &cap, i + 1, sizeof(*items)), 0);
		items[i] = i * 3;
	}
	cr_assert_eq(cap, 1024);
	for (uint32_t i = 0; i < 1000; i++)
		cr_assert_eq(items[i], i * 3);
	/* enough room already: nothing moves */
	cr_assert_eq(wp_array_reserve((void **)&items, &cap, 10, sizeof(*items)), 0);
	cr_assert_eq(cap, 1024);
	free(items);
}

Test(array, a_size_that_overflows_fails_and_changes_nothing)
{
	uint64_t *items = NULL;
	size_t cap = 0;

	cr_assert_eq(wp_array_reserve((void **)&items, &cap, SIZE_MAX / 4, sizeof(*items)), -1);
	cr_assert_null(items);
	cr_assert_eq(cap, 0);
}
