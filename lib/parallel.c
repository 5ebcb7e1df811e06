#include <pthread.h>

#include "parallel.h"
#include "common.h"

void wp_parallel_run(void *(*fn)(void *), void *items, size_t item_size, int n)
{
	pthread_t threads[WP_PARALLEL_MAX];
	int started = 1;

	if (n > WP_PARALLEL_MAX)
		n = WP_PARALLEL_MAX;
	for (; started < n; started++)
		if (pthread_create(&threads[started], NULL, fn,
				   (char *)items + (size_t)started * item_size))
			break;
	for (int i = started; i < n; i++)
		fn((char *)items + (size_t)i * item_size);
	fn(items);
	for (int i = 1; i < started; i++)
		pthread_join(threads[i], NULL);
}
