#include <pthread.h>
#include <time.h>

#include "progress.h"
#include "../lib/log.h"
#include "../lib/common.h"

#define MAX_ROWS 256
#define REDRAW_NS 100000000L

struct row {
	char digest[20]; /* "sha256:" + 12 hex */
	int64_t size;
	int64_t done;
	const char *state; /* "waiting", "pushing", then how it ended */
	struct timespec start;
	double seconds;
};

struct push_progress {
	bool quiet;
	bool tty;
	pthread_mutex_t lock;
	struct row rows[MAX_ROWS];
	int n;
	int drawn;
	struct timespec last;
};

void format_size(int64_t bytes, char out[32])
{
	static const char *const units[] = {"B", "kB", "MB", "GB", "TB"};
	double v = (double)bytes;
	int u = 0;

	while (v >= 1000 && u < 4) {
		v /= 1000;
		u++;
	}
	snprintf(out, 32, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

struct push_progress *push_progress_new(bool quiet)
{
	struct push_progress *p = calloc(1, sizeof(*p));
	const char *term = getenv("TERM"); /* once: the analyzer takes each call for a new value */

	if (!p)
		return NULL;
	p->quiet = quiet || wp_log_get_level() < WP_LOG_INFO;
	p->tty = isatty(STDERR_FILENO) && term && strcmp(term, "dumb") != 0;
	pthread_mutex_init(&p->lock, NULL);
	return p;
}

static double since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static struct row *find_row(struct push_progress *p, const char *digest, int64_t size)
{
	for (int i = 0; i < p->n; i++)
		if (strncmp(p->rows[i].digest, digest, sizeof(p->rows[i].digest) - 1) == 0)
			return &p->rows[i];
	if (p->n == MAX_ROWS)
		return NULL;
	struct row *r = &p->rows[p->n++];

	snprintf(r->digest, sizeof(r->digest), "%.19s", digest);
	r->size = size;
	r->state = "waiting";
	clock_gettime(CLOCK_MONOTONIC, &r->start);
	return r;
}

static void row_text(const struct row *r, char *out, size_t n)
{
	char size[32], done[32];

	format_size(r->size, size);
	if (strcmp(r->state, "pushing") == 0) {
		double s = since(&r->start);

		format_size(r->done, done);
		snprintf(out, n, "%s  pushing  %s / %s  %.1f MB/s", r->digest, done, size,
			 s > 0 ? (double)r->done / s / 1e6 : 0.0);
	} else if (strcmp(r->state, "pushed") == 0) {
		snprintf(out, n, "%s  pushed   %s in %.1f s", r->digest, size, r->seconds);
	} else {
		snprintf(out, n, "%s  %-7s  %s", r->digest, r->state, size);
	}
}

static void redraw(struct push_progress *p)
{
	char line[160];

	if (p->drawn)
		fprintf(stderr, "\033[%dA", p->drawn);
	for (int i = 0; i < p->n; i++) {
		row_text(&p->rows[i], line, sizeof(line));
		fprintf(stderr, "\r\033[K%s\n", line);
	}
	p->drawn = p->n;
	fflush(stderr);
	clock_gettime(CLOCK_MONOTONIC, &p->last);
}

/* Draws the blob table one last time and leaves it above what follows. */
static void freeze(struct push_progress *p)
{
	if (p->tty && p->n)
		redraw(p);
	p->drawn = 0;
	p->n = 0;
}

void push_progress_event(void *ctx, const wp_push_event *e)
{
	struct push_progress *p = ctx;
	struct row *r;
	char line[160];
	bool changed = false;

	if (!p || p->quiet)
		return;
	pthread_mutex_lock(&p->lock);
	switch (e->kind) {
	case WP_PUSH_BLOB_START:
		if ((r = find_row(p, e->digest, e->size)))
			changed = true;
		break;
	case WP_PUSH_BLOB_PROGRESS:
		if ((r = find_row(p, e->digest, e->size)) && e->done > 0) {
			changed = strcmp(r->state, "pushing") != 0;
			r->state = "pushing";
			r->done = e->done;
		}
		break;
	case WP_PUSH_BLOB_DONE:
		if ((r = find_row(p, e->digest, e->size))) {
			r->state = e->how;
			r->done = e->size;
			r->seconds = since(&r->start);
			changed = true;
			if (!p->tty) {
				row_text(r, line, sizeof(line));
				fprintf(stderr, "%s\n", line);
			}
		}
		break;
	case WP_PUSH_MANIFEST:
		freeze(p);
		fprintf(stderr, "manifest %s pushed\n", e->digest);
		break;
	case WP_PUSH_TAG:
		freeze(p);
		fprintf(stderr, "tag %s %s\n", e->tag, e->how ? "is up to date" : "pushed");
		break;
	}
	if (p->tty && (changed || since(&p->last) * 1e9 > REDRAW_NS))
		redraw(p);
	pthread_mutex_unlock(&p->lock);
}

void push_progress_finish(struct push_progress *p)
{
	if (!p || p->quiet)
		return;
	pthread_mutex_lock(&p->lock);
	freeze(p);
	pthread_mutex_unlock(&p->lock);
}

void push_progress_free(struct push_progress *p)
{
	if (!p)
		return;
	pthread_mutex_destroy(&p->lock);
	free(p);
}
