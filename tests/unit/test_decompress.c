/* lib/decompress: what the compressors write comes back whole, whatever
 * the framing (several gzip members, several zstd frames); damage is an
 * error. */
#include <criterion/criterion.h>
#include <fcntl.h>

#include "helpers.h"
#include "../../lib/compress.h"
#include "../../lib/decompress.h"
#include "../../lib/common.h"

TEST_TMPDIR_SUITE(decompress);

/* len bytes: runs and noise, so that compression has work to do */
static uint8_t *sample(size_t len)
{
	uint8_t *p = malloc(len + 1);
	uint32_t x = 12345;

	cr_assert(p);
	for (size_t i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = (i / 4096) % 2 ? (uint8_t)(x >> 16) : (uint8_t)(i / 64);
	}
	return p;
}

static void compress_into(wp_compression kind, int threads, const uint8_t *data, size_t len,
			  wp_buf *out)
{
	wp_compressor *c = NULL;
	wp_error *err = NULL;

	wp_buf_init(out, (size_t)1 << 30);
	assert_ok(
		wp_compressor_new(&c, kind, 0, threads, (wp_sink){test_buf_sink_write, out}, &err),
		err);
	assert_ok(wp_compressor_write(c, data, len, &err), err);
	assert_ok(wp_compressor_finish(c, &err), err);
	wp_compressor_free(c);
}

/* Decompresses bytes (written to a file first) into out. */
static int decompress(const wp_buf *bytes, size_t len, wp_buf *out, wp_error **err)
{
	_cleanup_free_ char *path = test_write_file(tmp, "in", bytes->data, len, 0644);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int r;

	cr_assert_geq(fd, 0);
	wp_buf_init(out, (size_t)1 << 30);
	r = wp_decompress_fd(fd, path, (wp_sink){test_buf_sink_write, out}, err);
	close(fd);
	return r;
}

Test(decompress, gzip_zstd_and_none_come_back_whole)
{
	static const wp_compression kinds[] = {WP_COMPRESSION_GZIP, WP_COMPRESSION_ZSTD,
					       WP_COMPRESSION_NONE};
	static const size_t sizes[] = {0, 1, 100000, 3000000};

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
			for (int threads = 1; threads <= 3; threads += 2) {
				uint8_t *data = sample(sizes[s]);
				wp_buf z, back;
				wp_error *err = NULL;

				compress_into(kinds[k], threads, data, sizes[s], &z);
				if (kinds[k] == WP_COMPRESSION_NONE && sizes[s] == 0) {
					free(data);
					wp_buf_release(&z);
					continue;
				}
				assert_ok(decompress(&z, z.len, &back, &err), err);
				cr_assert_eq(
					back.len, sizes[s], "%s, %zu bytes, %d threads: %zu back",
					wp_compression_name(kinds[k]), sizes[s], threads, back.len);
				cr_assert(sizes[s] == 0 || memcmp(back.data, data, sizes[s]) == 0);
				free(data);
				wp_buf_release(&z);
				wp_buf_release(&back);
			}
}

Test(decompress, cut_short_or_damaged_is_an_error)
{
	static const wp_compression kinds[] = {WP_COMPRESSION_GZIP, WP_COMPRESSION_ZSTD};

	for (size_t k = 0; k < 2; k++) {
		uint8_t *data = sample(500000);
		wp_buf z, back;
		wp_error *err = NULL;
		int r;

		compress_into(kinds[k], 1, data, 500000, &z);
		r = decompress(&z, z.len / 2, &back, &err);
		assert_error(r, err, WP_EINVALID, "cut short");
		wp_buf_release(&back);
		z.data[z.len / 2] ^= 0x55;
		z.data[z.len / 2 + 1] ^= 0x55;
		r = decompress(&z, z.len, &back, &err);
		assert_error(r, err, WP_EINVALID, "not valid");
		wp_buf_release(&back);
		free(data);
		wp_buf_release(&z);
	}
}

Test(decompress, sniffing)
{
	cr_assert_eq(wp_compression_sniff("\x1f\x8b\x08", 3), WP_COMPRESSION_GZIP);
	cr_assert_eq(wp_compression_sniff("\x28\xb5\x2f\xfd", 4), WP_COMPRESSION_ZSTD);
	cr_assert_eq(wp_compression_sniff("ustar", 5), WP_COMPRESSION_NONE);
	cr_assert_eq(wp_compression_sniff("\x1f", 1), WP_COMPRESSION_NONE);
}
