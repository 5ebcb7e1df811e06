/* lib/compress: gzip and zstd streams decompress to their input, and their
 * bytes depend only on the input: not on the thread count, not on how the
 * input was cut into writes. Reproducible images rely on this. */
#include <criterion/criterion.h>
#include <zlib.h>
#include <zstd.h>

#include "helpers.h"
#include "../../lib/compress.h"
#include "../../lib/common.h"

#define KIB 1024u
#define MIB (1024u * 1024u)
#define OUT_MAX (8u * MIB)

static const size_t sizes[] = {0, 1, 255 * KIB, 256 * KIB, 256 * KIB + 1, 3 * MIB};

static unsigned char *input(size_t len)
{
	unsigned char *p = malloc(len ? len : 1);

	cr_assert_not_null(p);
	test_fill_semi_random(p, len, (unsigned int)len);
	return p;
}

/* Compresses data in writes of `chunk` bytes (0: one write) into out. */
static void pack(wp_compression kind, int level, int threads, const unsigned char *data, size_t len,
		 size_t chunk, wp_buf *out)
{
	wp_compressor *c = NULL;
	wp_error *err = NULL;
	size_t off = 0;
	int r;

	wp_buf_init(out, OUT_MAX);
	r = wp_compressor_new(&c, kind, level, threads, (wp_sink){test_buf_sink_write, out}, &err);
	assert_ok(r, err);
	if (chunk == 0)
		chunk = len ? len : 1;
	while (off < len) {
		size_t n = len - off < chunk ? len - off : chunk;

		r = wp_compressor_write(c, data + off, n, &err);
		assert_ok(r, err);
		off += n;
	}
	r = wp_compressor_finish(c, &err);
	assert_ok(r, err);
	wp_compressor_free(c);
}

static void gunzip(const wp_buf *in, wp_buf *out)
{
	z_stream s;
	unsigned char chunk[65536];
	int ret;

	memset(&s, 0, sizeof(s));
	cr_assert_eq(inflateInit2(&s, 31), Z_OK);
	wp_buf_init(out, OUT_MAX);
	s.next_in = (unsigned char *)in->data;
	s.avail_in = (uInt)in->len;
	do {
		wp_error *err = NULL;
		int r;

		s.next_out = chunk;
		s.avail_out = sizeof(chunk);
		ret = inflate(&s, Z_NO_FLUSH);
		cr_assert(ret == Z_OK || ret == Z_STREAM_END, "inflate: %d %s", ret,
			  s.msg ? s.msg : "");
		r = wp_buf_append(out, chunk, sizeof(chunk) - s.avail_out, &err);
		assert_ok(r, err);
	} while (ret != Z_STREAM_END);
	cr_assert_eq(s.avail_in, 0, "%u bytes after the end of the gzip member", s.avail_in);
	inflateEnd(&s);
}

static void unzstd(const wp_buf *in, wp_buf *out)
{
	ZSTD_DStream *ds = ZSTD_createDStream();
	unsigned char chunk[65536];
	ZSTD_inBuffer zin = {in->data, in->len, 0};

	cr_assert_not_null(ds);
	wp_buf_init(out, OUT_MAX);
	for (;;) {
		ZSTD_outBuffer zout = {chunk, sizeof(chunk), 0};
		wp_error *err = NULL;
		size_t ret = ZSTD_decompressStream(ds, &zout, &zin);
		int r;

		cr_assert_not(ZSTD_isError(ret), "zstd: %s", ZSTD_getErrorName(ret));
		r = wp_buf_append(out, chunk, zout.pos, &err);
		assert_ok(r, err);
		if (ret == 0)
			break; /* the frame is complete and flushed */
		cr_assert(zin.pos < zin.size || zout.pos == zout.size,
			  "the zstd frame is incomplete");
	}
	cr_assert_eq(zin.pos, zin.size, "bytes after the zstd frame");
	ZSTD_freeDStream(ds);
}

static void decompress(wp_compression kind, const wp_buf *in, wp_buf *out)
{
	if (kind == WP_COMPRESSION_GZIP)
		gunzip(in, out);
	else
		unzstd(in, out);
}

static void assert_same_bytes(const wp_buf *a, const wp_buf *b, const char *what)
{
	cr_assert_eq(a->len, b->len, "%s: %zu bytes vs %zu", what, a->len, b->len);
	cr_assert_eq(memcmp(a->data, b->data, a->len), 0, "%s: the bytes differ", what);
}

static void round_trip_all_sizes(wp_compression kind)
{
	unsigned char *data = input(3 * MIB);

	for (size_t i = 0; i < WP_ARRAY_SIZE(sizes); i++) {
		wp_buf packed, unpacked;

		pack(kind, 0, 1, data, sizes[i], 0, &packed);
		decompress(kind, &packed, &unpacked);
		cr_assert_eq(unpacked.len, sizes[i], "%s, %zu bytes: got back %zu",
			     wp_compression_name(kind), sizes[i], unpacked.len);
		cr_assert_eq(memcmp(unpacked.data, data, sizes[i]), 0, "%s, %zu bytes: differ",
			     wp_compression_name(kind), sizes[i]);
		if (sizes[i] == 3 * MIB)
			cr_assert_lt(packed.len, sizes[i], "the semi-random data compresses");
		wp_buf_release(&packed);
		wp_buf_release(&unpacked);
	}
	free(data);
}

Test(compress, gzip_round_trips)
{
	round_trip_all_sizes(WP_COMPRESSION_GZIP);
}

Test(compress, zstd_round_trips)
{
	round_trip_all_sizes(WP_COMPRESSION_ZSTD);
}

/* One way of compressing: with `threads` threads, in writes of `chunk`
 * bytes (0: one write). */
struct variant {
	int threads;
	size_t chunk;
};

/* Every size compressed each way in `variants` gives the bytes of one thread
 * and one write. One-byte writes are limited to the sizes around the gzip
 * block boundary to keep the run short. */
static void assert_same_bytes_as_one_thread(wp_compression kind, const struct variant *variants,
					    size_t n)
{
	unsigned char *data = input(3 * MIB);

	for (size_t i = 0; i < WP_ARRAY_SIZE(sizes); i++) {
		wp_buf ref;

		pack(kind, 0, 1, data, sizes[i], 0, &ref);
		for (size_t k = 0; k < n; k++) {
			const struct variant *v = &variants[k];
			wp_buf other;
			char what[96];

			if (v->chunk == 1 && sizes[i] > 256 * KIB + 1)
				continue;
			snprintf(what, sizeof(what),
				 "%s, %zu bytes, %d threads, writes of %zu (0: one write)",
				 wp_compression_name(kind), sizes[i], v->threads, v->chunk);
			pack(kind, 0, v->threads, data, sizes[i], v->chunk, &other);
			assert_same_bytes(&other, &ref, what);
			wp_buf_release(&other);
		}
		wp_buf_release(&ref);
	}
	free(data);
}

/* Every size with threads 2 and 4 gives the bytes of one thread. */
static void assert_same_for_any_thread_count(wp_compression kind)
{
	static const struct variant threads[] = {{2, 0}, {4, 0}};

	assert_same_bytes_as_one_thread(kind, threads, WP_ARRAY_SIZE(threads));
}

/* Every size written in pieces of 1, 7 and 100000 bytes gives the bytes
 * of one big write, cut differently and compressed with more threads. */
static void assert_same_for_any_write_size(wp_compression kind)
{
	static const struct variant chunks[] = {{1, 1}, {2, 7}, {3, 100000}};

	assert_same_bytes_as_one_thread(kind, chunks, WP_ARRAY_SIZE(chunks));
}

Test(compress, gzip_same_bytes_for_any_thread_count)
{
	assert_same_for_any_thread_count(WP_COMPRESSION_GZIP);
}

Test(compress, gzip_same_bytes_for_any_write_size)
{
	assert_same_for_any_write_size(WP_COMPRESSION_GZIP);
}

Test(compress, zstd_same_bytes_for_any_thread_count)
{
	assert_same_for_any_thread_count(WP_COMPRESSION_ZSTD);
}

Test(compress, zstd_same_bytes_for_any_write_size)
{
	assert_same_for_any_write_size(WP_COMPRESSION_ZSTD);
}

Test(compress, gzip_header_and_trailer)
{
	unsigned char *data = input(300 * KIB);
	static const int levels[] = {0, 1, 9};
	static const unsigned char xfl[] = {0, 4, 2};

	for (size_t i = 0; i < WP_ARRAY_SIZE(levels); i++) {
		wp_buf out;
		const unsigned char *p;
		uint32_t crc, isize;

		pack(WP_COMPRESSION_GZIP, levels[i], 2, data, 300 * KIB, 0, &out);
		p = (const unsigned char *)out.data;
		cr_assert_geq(out.len, 18);
		cr_assert_eq(p[0], 0x1f);
		cr_assert_eq(p[1], 0x8b);
		cr_assert_eq(p[2], 8, "deflate");
		cr_assert_eq(p[3], 0, "no flags: no name, comment or extra field");
		cr_assert_eq(p[4] | p[5] | p[6] | p[7], 0, "mtime 0");
		cr_assert_eq(p[8], xfl[i], "level %d: XFL %u", levels[i], p[8]);
		cr_assert_eq(p[9], 255, "OS unknown");
		p += out.len - 8;
		crc = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		      (uint32_t)p[3] << 24;
		isize = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 |
			(uint32_t)p[7] << 24;
		cr_assert_eq(crc, (uint32_t)crc32(0, data, 300 * KIB));
		cr_assert_eq(isize, 300 * KIB);
		wp_buf_release(&out);
	}
	free(data);
}

Test(compress, levels_change_the_output)
{
	unsigned char *data = input(300 * KIB);
	wp_buf fast, best, dflt, six;

	pack(WP_COMPRESSION_GZIP, 1, 1, data, 300 * KIB, 0, &fast);
	pack(WP_COMPRESSION_GZIP, 9, 1, data, 300 * KIB, 0, &best);
	pack(WP_COMPRESSION_GZIP, 0, 1, data, 300 * KIB, 0, &dflt);
	pack(WP_COMPRESSION_GZIP, 6, 1, data, 300 * KIB, 0, &six);
	assert_same_bytes(&dflt, &six, "level 0 is gzip's default 6");
	cr_assert(fast.len != best.len || memcmp(fast.data, best.data, fast.len) != 0);
	wp_buf_release(&fast);
	wp_buf_release(&best);
	wp_buf_release(&dflt);
	wp_buf_release(&six);
	free(data);
}

Test(compress, none_passes_through)
{
	unsigned char *data = input(1000);
	wp_buf out;

	pack(WP_COMPRESSION_NONE, 0, 4, data, 1000, 7, &out);
	cr_assert_eq(out.len, 1000);
	cr_assert_eq(memcmp(out.data, data, 1000), 0);
	wp_buf_release(&out);
	free(data);
}

static int failing_sink(void *ctx, const void *data, size_t len, wp_error **err)
{
	int *calls = ctx;

	(void)data;
	(void)len;
	(*calls)++;
	return wp_error_set(err, WP_ENOSPC, "test sink: no space left");
}

static void assert_sink_error_propagates(wp_compression kind, int threads, size_t len)
{
	unsigned char *data = input(len);
	wp_compressor *c = NULL;
	wp_error *err = NULL;
	int calls = 0, r;

	r = wp_compressor_new(&c, kind, 0, threads, (wp_sink){failing_sink, &calls}, &err);
	assert_ok(r, err);
	for (size_t off = 0; off < len; off += 64 * KIB) {
		r = wp_compressor_write(c, data + off, len - off < 64 * KIB ? len - off : 64 * KIB,
					&err);
		if (r < 0)
			break;
	}
	if (r == 0)
		r = wp_compressor_finish(c, &err);
	cr_assert_gt(calls, 0, "%s: the sink was never called", wp_compression_name(kind));
	assert_error(r, err, WP_ENOSPC, "test sink: no space left");
	wp_compressor_free(c);
	free(data);
}

Test(compress, sink_errors_propagate)
{
	assert_sink_error_propagates(WP_COMPRESSION_GZIP, 1, 10);
	assert_sink_error_propagates(WP_COMPRESSION_GZIP, 1, 3 * MIB);
	assert_sink_error_propagates(WP_COMPRESSION_GZIP, 4, 3 * MIB);
	assert_sink_error_propagates(WP_COMPRESSION_ZSTD, 1, 10);
	assert_sink_error_propagates(WP_COMPRESSION_ZSTD, 4, 3 * MIB);
	assert_sink_error_propagates(WP_COMPRESSION_NONE, 1, 10);
}

Test(compress, write_after_finish_is_refused)
{
	wp_buf out = WP_BUF_INIT(1024);
	wp_compressor *c = NULL;
	wp_error *err = NULL;
	int r = wp_compressor_new(&c, WP_COMPRESSION_GZIP, 0, 1,
				  (wp_sink){test_buf_sink_write, &out}, &err);

	assert_ok(r, err);
	r = wp_compressor_finish(c, &err);
	assert_ok(r, err);
	r = wp_compressor_finish(c, &err);
	assert_ok(r, err);
	r = wp_compressor_write(c, "x", 1, &err);
	assert_error(r, err, WP_EGENERIC, "write after the end");
	wp_compressor_free(c);
	wp_buf_release(&out);
}

Test(compress, free_without_finish)
{
	unsigned char *data = input(2 * MIB);
	wp_buf out = WP_BUF_INIT(OUT_MAX);
	wp_compressor *c = NULL;
	wp_error *err = NULL;
	int r = wp_compressor_new(&c, WP_COMPRESSION_GZIP, 0, 4,
				  (wp_sink){test_buf_sink_write, &out}, &err);

	assert_ok(r, err);
	r = wp_compressor_write(c, data, 2 * MIB, &err);
	assert_ok(r, err);
	wp_compressor_free(c); /* joins its workers; no leak, no hang */
	wp_compressor_free(NULL);
	wp_buf_release(&out);
	free(data);
}

Test(compress, names_and_levels)
{
	wp_compression c = WP_COMPRESSION_NONE;
	wp_error *err = NULL;
	int r = wp_compression_parse("zstd", &c, &err);

	assert_ok(r, err);
	cr_assert_eq(c, WP_COMPRESSION_ZSTD);
	r = wp_compression_parse("gzip", &c, &err);
	assert_ok(r, err);
	cr_assert_eq(c, WP_COMPRESSION_GZIP);
	r = wp_compression_parse("uncompressed", &c, &err);
	assert_ok(r, err);
	cr_assert_eq(c, WP_COMPRESSION_NONE);
	r = wp_compression_parse("xz", &c, &err);
	assert_error(r, err, WP_EINVALID, "unknown compression \"xz\"");
	cr_assert_str_eq(wp_compression_name(WP_COMPRESSION_GZIP), "gzip");
	cr_assert_str_eq(wp_compression_name(WP_COMPRESSION_ZSTD), "zstd");
	cr_assert_str_eq(wp_compression_name(WP_COMPRESSION_NONE), "none");
	r = wp_compression_check_level(WP_COMPRESSION_GZIP, 9, &err);
	assert_ok(r, err);
	r = wp_compression_check_level(WP_COMPRESSION_GZIP, 10, &err);
	assert_error(r, err, WP_EINVALID, "gzip compression level 10 is not within 1..9");
	r = wp_compression_check_level(WP_COMPRESSION_ZSTD, 19, &err);
	assert_ok(r, err);
	r = wp_compression_check_level(WP_COMPRESSION_ZSTD, 20, &err);
	assert_error(r, err, WP_EINVALID, "1..19");
	r = wp_compression_check_level(WP_COMPRESSION_NONE, 3, &err);
	assert_error(r, err, WP_EINVALID, "needs gzip or zstd");
	r = wp_compression_check_level(WP_COMPRESSION_NONE, 0, &err);
	assert_ok(r, err);
}
