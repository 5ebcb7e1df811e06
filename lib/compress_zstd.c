/* Streaming zstd through libzstd. Worker threads are always requested (at
 * least one) because libzstd's multi-threaded mode cuts the input into jobs
 * of a fixed size, so its output does not depend on the number of workers;
 * single-threaded mode would give different bytes. */
#include <zstd.h>

#include "compress.h"
#include "common.h"

#define ZSTD_JOB_SIZE (2 * 1024 * 1024)

struct zs {
	ZSTD_CCtx *cctx;
	wp_sink sink;
	unsigned char *out;
	size_t out_cap;
};

static int zstd_fail(size_t code, wp_error **err)
{
	return wp_error_set(err, WP_EGENERIC, "zstd compression failed: %s",
			    ZSTD_getErrorName(code));
}

static int zs_run(struct zs *z, const void *data, size_t len, ZSTD_EndDirective mode,
		  wp_error **err)
{
	ZSTD_inBuffer in = {data, len, 0};

	for (;;) {
		ZSTD_outBuffer out = {z->out, z->out_cap, 0};
		size_t left = ZSTD_compressStream2(z->cctx, &out, &in, mode);
		int r;

		if (ZSTD_isError(left))
			return zstd_fail(left, err);
		if (out.pos && (r = wp_sink_write(&z->sink, z->out, out.pos, err)) < 0)
			return r;
		if (mode == ZSTD_e_end ? left == 0 : in.pos == in.size)
			return 0;
	}
}

static int zs_write(void *impl, const void *data, size_t len, wp_error **err)
{
	return zs_run(impl, data, len, ZSTD_e_continue, err);
}

static int zs_finish(void *impl, wp_error **err)
{
	return zs_run(impl, NULL, 0, ZSTD_e_end, err);
}

static void zs_free(void *impl)
{
	struct zs *z = impl;

	if (!z)
		return;
	ZSTD_freeCCtx(z->cctx);
	free(z->out);
	free(z);
}

int wp_zstd_stream_new(void **impl, int level, int threads, wp_sink sink, wp_error **err)
{
	struct zs *z = calloc(1, sizeof(*z));
	size_t rc;

	if (!z)
		return wp_error_oom(err);
	z->sink = sink;
	z->out_cap = ZSTD_CStreamOutSize();
	z->out = malloc(z->out_cap);
	z->cctx = ZSTD_createCCtx();
	if (!z->out || !z->cctx) {
		zs_free(z);
		return wp_error_oom(err);
	}
	rc = ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_compressionLevel, level);
	if (!ZSTD_isError(rc))
		rc = ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_checksumFlag, 1);
	if (ZSTD_isError(rc)) {
		zs_free(z);
		return zstd_fail(rc, err);
	}
	/* a libzstd built without threads refuses nbWorkers; it still works */
	rc = ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_nbWorkers, threads < 1 ? 1 : threads);
	if (!ZSTD_isError(rc))
		ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_jobSize, ZSTD_JOB_SIZE);
	*impl = z;
	return 0;
}

const struct wp_compressor_ops wp_zstd_stream_ops = {zs_write, zs_finish, zs_free};
