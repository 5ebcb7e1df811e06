#include <pthread.h>

#include "jobs.h"
#include "common.h"

typedef struct queue {
	int (*task)(void *ctx, size_t i, wp_error **err);
	void *ctx;
	size_t n;
	pthread_mutex_t lock; /* the fields below */
	size_t next;
	int rc;
	wp_error *err;
} queue;

static void *worker(void *arg)
{
	queue *q = arg;

	for (;;) {
		wp_error *e = NULL;
		size_t i;
		int r;

		pthread_mutex_lock(&q->lock);
		if (q->rc < 0 || q->next >= q->n) {
			pthread_mutex_unlock(&q->lock);
			return NULL;
		}
		i = q->next++;
		pthread_mutex_unlock(&q->lock);
		if ((r = q->task(q->ctx, i, &e)) == 0)
			continue;
		pthread_mutex_lock(&q->lock);
		if (q->rc == 0) {
			q->rc = r;
			q->err = TAKE_PTR(e);
		}
		pthread_mutex_unlock(&q->lock);
		wp_error_free(e);
	}
}

int wp_jobs_run(int jobs, size_t n, int (*task)(void *ctx, size_t i, wp_error **err), void *ctx,
		wp_error **err)
{
	queue q = {task, ctx, n, PTHREAD_MUTEX_INITIALIZER, 0, 0, NULL};
	pthread_t threads[WP_JOBS_MAX];
	int started = 0;

	if (jobs < 1)
		jobs = 1;
	if ((size_t)jobs > n)
		jobs = (int)n;
	if (jobs > WP_JOBS_MAX)
		jobs = WP_JOBS_MAX;
	/* the calling thread works too */
	for (; started < jobs - 1; started++)
		if (pthread_create(&threads[started], NULL, worker, &q) != 0)
			break;
	worker(&q);
	for (int i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	pthread_mutex_destroy(&q.lock);
	if (q.rc < 0)
		return wp_error_move(err, q.err, q.rc);
	return 0;
}
