/* lib/jobs: a task on each item, several threads, the first failure wins. */
#include <criterion/criterion.h>
#include <stdatomic.h>

#include "helpers.h"
#include "../../lib/jobs.h"

typedef struct counts {
	atomic_int done[100];
	atomic_int calls;
	size_t fail_at; /* this item fails; SIZE_MAX: none */
} counts;

static int task(void *ctx, size_t i, wp_error **err)
{
	counts *c = ctx;

	atomic_fetch_add(&c->calls, 1);
	atomic_fetch_add(&c->done[i], 1);
	if (i == c->fail_at)
		return wp_error_set(err, WP_ENETWORK, "item %zu failed", i);
	return 0;
}

Test(jobs, every_item_once_whatever_the_number_of_jobs)
{
	static const int jobs[] = {0, 1, 3, 64, 1000};

	for (size_t k = 0; k < sizeof(jobs) / sizeof(jobs[0]); k++) {
		counts *c = calloc(1, sizeof(*c));
		wp_error *err = NULL;

		c->fail_at = SIZE_MAX;
		assert_ok(wp_jobs_run(jobs[k], 100, task, c, &err), err);
		for (int i = 0; i < 100; i++)
			cr_assert_eq(c->done[i], 1, "%d jobs: item %d ran %d times", jobs[k], i,
				     (int)c->done[i]);
		free(c);
	}
}

Test(jobs, the_first_failure_is_returned_and_stops_the_rest)
{
	counts *c = calloc(1, sizeof(*c));
	wp_error *err = NULL;
	int r;

	c->fail_at = 0;
	r = wp_jobs_run(1, 100, task, c, &err);
	assert_error(r, err, WP_ENETWORK, "item 0 failed");
	/* one job: nothing after the failure was started */
	cr_assert_eq(c->calls, 1);
	free(c);
}

Test(jobs, no_items_runs_nothing)
{
	counts c = {.fail_at = SIZE_MAX};
	wp_error *err = NULL;

	assert_ok(wp_jobs_run(4, 0, task, &c, &err), err);
	cr_assert_eq(c.calls, 0);
}
