/* Running a fallible task on each of n items with up to `jobs` threads
 * taking the next item in turn: blob transfers. The first failure stops
 * the others from taking more, and is what the caller gets. */
#ifndef WP_JOBS_H
#define WP_JOBS_H

#include <stddef.h>

#include "error.h"

#define WP_JOBS_MAX 64

/* task(ctx, i, err) for i in [0, n), possibly on several threads at once;
 * returns 0, or the first task's failure (its error in err). */
int wp_jobs_run(int jobs, size_t n, int (*task)(void *ctx, size_t i, wp_error **err), void *ctx,
		wp_error **err);

#endif
