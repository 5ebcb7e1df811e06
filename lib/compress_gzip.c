/* Block-parallel gzip (the method pigz uses). The input is cut into fixed
 * 256 KiB blocks; each block is raw-deflated on a worker thread, primed with
 * the previous 32 KiB of input as its dictionary, and ended with a sync flush
 * so the blocks concatenate into one deflate stream. The CRC-32s of the blocks
 * are combined in order. Because block boundaries and dictionaries depend only
 * on the input, the output is the same for any thread count. */
#include <pthread.h>
#include <zlib.h>

#include "compress.h"
#include "common.h"

#define BLOCK_SIZE (256 * 1024)
#define DICT_SIZE 32768
#define MAX_SLOTS 16

enum job_state {
	JOB_FREE,
	JOB_QUEUED,
	JOB_RUNNING,
	JOB_DONE
};

struct gz_job {
	unsigned char *in; /* BLOCK_SIZE bytes, owned */
	size_t in_len;
	unsigned char dict[DICT_SIZE];
	size_t dict_len;
	unsigned char *out; /* owned */
	size_t out_len;
	size_t out_cap;
	unsigned long crc;
	bool last;
	int zerr; /* a zlib error code, or Z_OK */
	enum job_state state;
};

struct gz {
	int level;
	wp_sink sink;
	int nthreads; /* 0: compress in the caller's thread */
	struct gz_job jobs[MAX_SLOTS];
	size_t nslots;
	size_t head;	     /* oldest job not yet written out */
	size_t count;	     /* jobs queued, running or done but not written out */
	struct gz_job *fill; /* the block being filled, or NULL */
	unsigned char prev_tail[DICT_SIZE];
	size_t prev_tail_len;
	unsigned long crc;
	uint64_t isize;
	bool header_written;
	z_stream inline_strm;
	bool inline_ready;
	pthread_mutex_t lock;
	pthread_cond_t work_cv;
	pthread_cond_t done_cv;
	pthread_t threads[64];
	int started;
	bool stopping;
};

static int deflate_init(z_stream *s, int level)
{
	memset(s, 0, sizeof(*s));
	return deflateInit2(s, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
}

/* Compresses one block with strm; runs on a worker or the caller's thread. */
static void compress_job(z_stream *strm, struct gz_job *job)
{
	size_t need;
	int ret;

	job->crc = crc32(0L, job->in, (uInt)job->in_len);
	job->out_len = 0;
	ret = deflateReset(strm);
	if (ret == Z_OK && job->dict_len)
		ret = deflateSetDictionary(strm, job->dict, (uInt)job->dict_len);
	if (ret != Z_OK) {
		job->zerr = ret;
		return;
	}
	/* room for the worst case plus the sync-flush marker, so deflate runs
	 * once per block and its decisions never depend on buffer space */
	need = deflateBound(strm, (uLong)job->in_len) + 64;
	if (job->out_cap < need) {
		unsigned char *p = realloc(job->out, need);

		if (!p) {
			job->zerr = Z_MEM_ERROR;
			return;
		}
		job->out = p;
		job->out_cap = need;
	}
	strm->next_in = job->in;
	strm->avail_in = (uInt)job->in_len;
	strm->next_out = job->out;
	strm->avail_out = (uInt)job->out_cap;
	ret = deflate(strm, job->last ? Z_FINISH : Z_SYNC_FLUSH);
	if ((job->last && ret != Z_STREAM_END) || (!job->last && ret != Z_OK) || strm->avail_in) {
		job->zerr = ret == Z_OK ? Z_BUF_ERROR : ret;
		return;
	}
	job->out_len = job->out_cap - strm->avail_out;
	job->zerr = Z_OK;
}

static void *worker_main(void *arg)
{
	struct gz *g = arg;
	z_stream strm;
	bool ready = deflate_init(&strm, g->level) == Z_OK;

	pthread_mutex_lock(&g->lock);
	for (;;) {
		struct gz_job *job = NULL;

		/* take the oldest queued block */
		for (size_t i = 0; i < g->count && !job; i++) {
			struct gz_job *j = &g->jobs[(g->head + i) % g->nslots];

			if (j->state == JOB_QUEUED)
				job = j;
		}
		if (!job) {
			if (g->stopping)
				break;
			pthread_cond_wait(&g->work_cv, &g->lock);
			continue;
		}
		job->state = JOB_RUNNING;
		pthread_mutex_unlock(&g->lock);
		if (ready)
			compress_job(&strm, job);
		else
			job->zerr = Z_MEM_ERROR;
		pthread_mutex_lock(&g->lock);
		job->state = JOB_DONE;
		pthread_cond_broadcast(&g->done_cv);
	}
	pthread_mutex_unlock(&g->lock);
	if (ready)
		deflateEnd(&strm);
	return NULL;
}

/* Starts the worker threads once; with none started, blocks are compressed
 * in the caller's thread, which gives the same bytes, only slower. */
static void start_workers(struct gz *g)
{
	while (g->started < g->nthreads) {
		if (pthread_create(&g->threads[g->started], NULL, worker_main, g) != 0)
			break;
		g->started++;
	}
	if (g->started == 0)
		g->nthreads = 0;
}

static int write_header(struct gz *g, wp_error **err)
{
	/* no name, no mtime, OS "unknown" (255) as Go's gzip writes: the bytes
	 * do not depend on the host */
	unsigned char h[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};

	h[8] = g->level == 9 ? 2 : g->level == 1 ? 4 : 0;
	g->header_written = true;
	return wp_sink_write(&g->sink, h, sizeof(h), err);
}

/* Waits for the oldest block, writes it to the sink and frees its slot. */
static int drain_oldest(struct gz *g, wp_error **err)
{
	struct gz_job *job = &g->jobs[g->head];
	int r = 0;

	if (g->started) {
		pthread_mutex_lock(&g->lock);
		while (job->state != JOB_DONE)
			pthread_cond_wait(&g->done_cv, &g->lock);
		pthread_mutex_unlock(&g->lock);
	}
	if (job->zerr != Z_OK)
		return wp_error_set(err, job->zerr == Z_MEM_ERROR ? WP_ENOMEM : WP_EGENERIC,
				    "gzip compression failed (zlib error %d)", job->zerr);
	if (!g->header_written)
		r = write_header(g, err);
	if (r == 0)
		r = wp_sink_write(&g->sink, job->out, job->out_len, err);
	if (r < 0)
		return r;
	g->crc = crc32_combine(g->crc, job->crc, (z_off_t)job->in_len);
	g->isize += job->in_len;
	/* workers scan head..head+count under the lock */
	if (g->started)
		pthread_mutex_lock(&g->lock);
	job->state = JOB_FREE;
	g->head = (g->head + 1) % g->nslots;
	g->count--;
	if (g->started)
		pthread_mutex_unlock(&g->lock);
	return 0;
}

/* Makes g->fill point at a free slot with an input buffer. */
static int acquire_fill(struct gz *g, wp_error **err)
{
	struct gz_job *job;

	if (g->count == g->nslots) {
		int r = drain_oldest(g, err);

		if (r < 0)
			return r;
	}
	job = &g->jobs[(g->head + g->count) % g->nslots];
	if (!job->in) {
		job->in = malloc(BLOCK_SIZE);
		if (!job->in)
			return wp_error_oom(err);
	}
	job->in_len = 0;
	g->fill = job;
	return 0;
}

static int compress_inline(struct gz *g, struct gz_job *job, wp_error **err)
{
	if (!g->inline_ready) {
		if (deflate_init(&g->inline_strm, g->level) != Z_OK)
			return wp_error_oom(err);
		g->inline_ready = true;
	}
	compress_job(&g->inline_strm, job);
	job->state = JOB_DONE;
	return 0;
}

static int submit_fill(struct gz *g, bool last, wp_error **err)
{
	struct gz_job *job = g->fill;
	size_t tail;

	job->last = last;
	memcpy(job->dict, g->prev_tail, g->prev_tail_len);
	job->dict_len = g->prev_tail_len;
	tail = job->in_len < DICT_SIZE ? job->in_len : DICT_SIZE;
	memcpy(g->prev_tail, job->in + job->in_len - tail, tail);
	g->prev_tail_len = tail;
	g->fill = NULL;
	/* a stream of one block is not worth a thread */
	if (g->nthreads > 0 && !(last && g->started == 0))
		start_workers(g);
	if (g->started == 0) {
		g->count++;
		return compress_inline(g, job, err);
	}
	pthread_mutex_lock(&g->lock);
	job->state = JOB_QUEUED;
	g->count++;
	pthread_cond_signal(&g->work_cv);
	pthread_mutex_unlock(&g->lock);
	return 0;
}

static int gz_write(void *impl, const void *data, size_t len, wp_error **err)
{
	struct gz *g = impl;
	const unsigned char *p = data;
	int r;

	while (len > 0) {
		size_t n;

		if (!g->fill && (r = acquire_fill(g, err)) < 0)
			return r;
		/* a full block is submitted only once more input exists, so
		 * the final block is always the one finish() submits */
		if (g->fill->in_len == BLOCK_SIZE) {
			if ((r = submit_fill(g, false, err)) < 0)
				return r;
			continue;
		}
		n = BLOCK_SIZE - g->fill->in_len;
		if (n > len)
			n = len;
		memcpy(g->fill->in + g->fill->in_len, p, n);
		g->fill->in_len += n;
		p += n;
		len -= n;
	}
	return 0;
}

static int gz_finish(void *impl, wp_error **err)
{
	struct gz *g = impl;
	unsigned char t[8];
	int r;

	if (!g->fill && (r = acquire_fill(g, err)) < 0)
		return r;
	if ((r = submit_fill(g, true, err)) < 0)
		return r;
	while (g->count > 0)
		if ((r = drain_oldest(g, err)) < 0)
			return r;
	for (int i = 0; i < 4; i++) {
		t[i] = (unsigned char)(g->crc >> (8 * i));
		t[4 + i] = (unsigned char)(g->isize >> (8 * i));
	}
	return wp_sink_write(&g->sink, t, sizeof(t), err);
}

static void gz_free(void *impl)
{
	struct gz *g = impl;

	if (!g)
		return;
	pthread_mutex_lock(&g->lock);
	g->stopping = true;
	pthread_cond_broadcast(&g->work_cv);
	pthread_mutex_unlock(&g->lock);
	for (int i = 0; i < g->started; i++)
		pthread_join(g->threads[i], NULL);
	if (g->inline_ready)
		deflateEnd(&g->inline_strm);
	for (size_t i = 0; i < g->nslots; i++) {
		free(g->jobs[i].in);
		free(g->jobs[i].out);
	}
	pthread_mutex_destroy(&g->lock);
	pthread_cond_destroy(&g->work_cv);
	pthread_cond_destroy(&g->done_cv);
	free(g);
}

int wp_gzip_parallel_new(void **impl, int level, int threads, wp_sink sink, wp_error **err)
{
	struct gz *g = calloc(1, sizeof(*g));

	if (!g)
		return wp_error_oom(err);
	g->level = level;
	g->sink = sink;
	/* one CPU: the caller's thread compresses and no thread is started */
	g->nthreads = threads <= 1 ? 0 : threads > 64 ? 64 : threads;
	/* enough blocks in flight to keep every worker busy while the oldest
	 * one is written out */
	g->nslots = g->nthreads ? (size_t)g->nthreads * 2 + 2 : 1;
	if (g->nslots > MAX_SLOTS)
		g->nslots = MAX_SLOTS;
	g->crc = crc32(0L, Z_NULL, 0);
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->work_cv, NULL);
	pthread_cond_init(&g->done_cv, NULL);
	*impl = g;
	return 0;
}

const struct wp_compressor_ops wp_gzip_parallel_ops = {gz_write, gz_finish, gz_free};
