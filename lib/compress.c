#include <sched.h>

#include "compress.h"
#include "common.h"

struct wp_compressor {
	const struct wp_compressor_ops *ops; /* NULL: pass through (none) */
	void *impl;
	wp_sink sink;
	bool finished;
};

int wp_compression_parse(const char *name, wp_compression *out, wp_error **err)
{
	if (strcmp(name, "gzip") == 0)
		*out = WP_COMPRESSION_GZIP;
	else if (strcmp(name, "zstd") == 0)
		*out = WP_COMPRESSION_ZSTD;
	else if (strcmp(name, "none") == 0 || strcmp(name, "uncompressed") == 0)
		*out = WP_COMPRESSION_NONE;
	else
		return wp_error_set(err, WP_EINVALID,
				    "unknown compression \"%s\" (accepted: gzip, zstd, none)",
				    name);
	return 0;
}

const char *wp_compression_name(wp_compression c)
{
	switch (c) {
	case WP_COMPRESSION_GZIP:
		return "gzip";
	case WP_COMPRESSION_ZSTD:
		return "zstd";
	default:
		return "none";
	}
}

int wp_compression_check_level(wp_compression c, int level, wp_error **err)
{
	if (level == 0)
		return 0;
	if (c == WP_COMPRESSION_GZIP && (level < 1 || level > 9))
		return wp_error_set(err, WP_EINVALID,
				    "gzip compression level %d is not within 1..9", level);
	if (c == WP_COMPRESSION_ZSTD && (level < 1 || level > 19))
		return wp_error_set(err, WP_EINVALID,
				    "zstd compression level %d is not within 1..19", level);
	if (c == WP_COMPRESSION_NONE)
		return wp_error_set(err, WP_EINVALID, "a compression level needs gzip or zstd");
	return 0;
}

int wp_online_cpus(void)
{
	cpu_set_t set;
	long n;

	/* the CPUs this process may run on (taskset, cgroup cpusets), as
	 * nproc counts them, not every CPU of the host */
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		n = CPU_COUNT(&set);
	else
		n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

int wp_compressor_new(wp_compressor **out, wp_compression kind, int level, int threads,
		      wp_sink sink, wp_error **err)
{
	_cleanup_free_ wp_compressor *c = calloc(1, sizeof(*c));
	int r = 0;

	if (!c)
		return wp_error_oom(err);
	if (threads <= 0)
		threads = wp_online_cpus();
	c->sink = sink;
	if (kind == WP_COMPRESSION_GZIP) {
		c->ops = &wp_gzip_parallel_ops;
		r = wp_gzip_parallel_new(&c->impl, level ? level : 6, threads, sink, err);
	} else if (kind == WP_COMPRESSION_ZSTD) {
		c->ops = &wp_zstd_stream_ops;
		r = wp_zstd_stream_new(&c->impl, level ? level : 3, threads, sink, err);
	}
	if (r < 0)
		return r;
	*out = TAKE_PTR(c);
	return 0;
}

int wp_compressor_write(wp_compressor *c, const void *data, size_t len, wp_error **err)
{
	if (c->finished)
		return wp_error_set(err, WP_EGENERIC, "write after the end of a compressed stream");
	if (!c->ops)
		return wp_sink_write(&c->sink, data, len, err);
	return c->ops->write(c->impl, data, len, err);
}

int wp_compressor_write_cb(void *compressor, const void *data, size_t len, wp_error **err)
{
	return wp_compressor_write(compressor, data, len, err);
}

int wp_compressor_finish(wp_compressor *c, wp_error **err)
{
	if (c->finished)
		return 0;
	c->finished = true;
	return c->ops ? c->ops->finish(c->impl, err) : 0;
}

void wp_compressor_free(wp_compressor *c)
{
	if (!c)
		return;
	if (c->ops)
		c->ops->free(c->impl);
	free(c);
}
