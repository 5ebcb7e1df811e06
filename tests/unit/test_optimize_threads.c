/* The optimizer on a module big enough that the work is split: the
 * reference scan and the writer run on several threads and hand input
 * pages back to the kernel as they go. The output must not depend on
 * either. */
#include <criterion/criterion.h>

#include "helpers.h"
#include "../../wasmopt/optimize.h"
#include "../../lib/common.h"

TEST_TMPDIR_SUITE(optimize_threads);

#define LEAVES 10u
#define DEAD 10u

/* n functions () -> i32, each calling the next and one of LEAVES
 * identical leaves (merged by -Oz), with `pad` constants added in; then
 * DEAD functions nothing calls. Only function 0 is exported. With
 * data_len, a memory and one segment of that many bytes: noise, with a run
 * of 12 zeros every 1000 bytes (where -Oz splits it). */
static void big_module_with_data(wp_buf *b, uint32_t n, uint32_t pad, uint32_t data_len)
{
	wp_buf sec = WP_BUF_INIT(TW_MAX), body = WP_BUF_INIT(TW_MAX);
	uint32_t total = n + LEAVES + DEAD;

	tw_begin(b);
	TW_SEC(b, 1, 0x01, 0x60, 0x00, 0x01, 0x7f);
	tw_uleb(&sec, total);
	for (uint32_t i = 0; i < total; i++)
		tw_byte(&sec, 0x00);
	tw_section(b, 3, sec.data, sec.len);
	if (data_len) {
		sec.len = 0;
		tw_put(&sec, "\x01\x00", 2);
		tw_uleb(&sec, data_len / 65536 + 1);
		tw_section(b, 5, sec.data, sec.len);
	}
	TW_SEC(b, 7, 0x01, 0x01, 'f', 0x00, 0x00);
	sec.len = 0;
	tw_uleb(&sec, total);
	for (uint32_t i = 0; i < total; i++) {
		body.len = 0;
		tw_byte(&body, 0x00); /* no locals */
		if (i < n) {
			if (i + 1 < n) {
				tw_byte(&body, 0x10);
				tw_uleb(&body, i + 1);
			} else {
				tw_put(&body, "\x41\x01", 2);
			}
			tw_byte(&body, 0x10);
			tw_uleb(&body, n + i % LEAVES);
			tw_byte(&body, 0x6a);
			for (uint32_t k = 0; k < pad; k++) {
				tw_byte(&body, 0x41);
				tw_sleb_w(&body, (int64_t)((i * 7 + k) % 1000), 0);
				tw_byte(&body, 0x6a);
			}
		} else {
			/* leaves are all alike; dead functions all differ */
			tw_byte(&body, 0x41);
			tw_sleb_w(&body, i < n + LEAVES ? 42 : (int64_t)i, 0);
		}
		tw_byte(&body, 0x0b);
		tw_uleb(&sec, body.len);
		tw_put(&sec, body.data, body.len);
	}
	tw_section(b, 10, sec.data, sec.len);
	if (data_len) {
		sec.len = 0;
		tw_put(&sec, "\x01\x00\x41\x00\x0b", 5); /* one segment at 0 */
		tw_uleb(&sec, data_len);
		for (uint32_t i = 0; i < data_len; i++)
			tw_byte(&sec, i % 1000 < 12 ? 0 : (uint8_t)((i * 2654435761u) >> 13 | 1));
		tw_section(b, 11, sec.data, sec.len);
	}
	wp_buf_release(&sec);
	wp_buf_release(&body);
}

static void big_module(wp_buf *b, uint32_t n, uint32_t pad)
{
	big_module_with_data(b, n, pad, 0);
}

static void optimize_module(const wp_module *m, int threads, wp_buf *out)
{
	wp_opt_options o = {WP_OPT_MIN, false, false, NULL, threads, NULL, false};
	wp_opt_stats st;
	wp_error *err = NULL;
	int r;

	wp_buf_init(out, TW_MAX);
	r = wp_optimize(m, &o, out, &st, &err);
	assert_ok(r, err);
	cr_assert_eq(st.n_dead_functions, DEAD);
	cr_assert_eq(st.n_merged_functions, LEAVES - 1);
}

Test(optimize_threads, output_does_not_depend_on_the_number_of_threads)
{
	static const int threads[] = {2, 3, 8};
	wp_buf in = WP_BUF_INIT(TW_MAX), one, many;
	wp_opt_options o = {WP_OPT_MIN, false, false, NULL, 1, NULL, false};
	wp_opt_stats st;
	wp_module *m;

	/* about 2.5 MB of code: many parts, several rounds */
	big_module(&in, 30000, 20);
	tw_optimize(&in, &o, &one, &st);
	cr_assert_lt(one.len, in.len);
	m = tw_read(in.data, in.len);
	for (size_t i = 0; i < WP_ARRAY_SIZE(threads); i++) {
		optimize_module(m, threads[i], &many);
		cr_assert(one.len == many.len && memcmp(one.data, many.data, one.len) == 0,
			  "%d threads wrote another module", threads[i]);
		wp_buf_release(&many);
	}
	wp_module_free(m);
	wp_buf_release(&in);
	wp_buf_release(&one);
}

Test(optimize_threads, a_mapped_module_gives_its_pages_back_and_the_same_output)
{
	wp_buf in = WP_BUF_INIT(TW_MAX), from_memory, from_file;
	_cleanup_free_ char *path = NULL;
	wp_module *m = NULL;
	wp_error *err = NULL;
	int r;

	big_module(&in, 30000, 20);
	path = test_write_file(tmp, "big.wasm", in.data, in.len, 0644);
	m = tw_read(in.data, in.len);
	optimize_module(m, 2, &from_memory);
	wp_module_free(m);
	r = wp_module_read_file(&m, path, &err);
	assert_ok(r, err);
	cr_assert_not_null(m->mapping, "the file was expected to be mapped");
	r = wp_module_validate(m, &err);
	assert_ok(r, err);
	/* released pages are read again from the page cache */
	optimize_module(m, 2, &from_file);
	cr_assert(from_memory.len == from_file.len &&
		  memcmp(from_memory.data, from_file.data, from_file.len) == 0);
	wp_module_free(m);
	wp_buf_release(&in);
	wp_buf_release(&from_memory);
	wp_buf_release(&from_file);
}

Test(optimize_threads, validating_in_the_same_pass_gives_the_same_module)
{
	wp_buf in = WP_BUF_INIT(TW_MAX), apart, together = WP_BUF_INIT(TW_MAX);
	wp_opt_options o = {WP_OPT_MIN, false, false, NULL, 0, NULL, true};
	wp_opt_stats st;
	wp_error *err = NULL;
	wp_module *m;
	int r;

	big_module(&in, 30000, 20);
	m = tw_read(in.data, in.len);
	optimize_module(m, 0, &apart); /* the optimizer reading the bodies itself */
	r = wp_optimize(m, &o, &together, &st, &err);
	assert_ok(r, err);
	cr_assert(apart.len == together.len && memcmp(apart.data, together.data, apart.len) == 0);
	cr_assert_eq(st.n_dead_functions, DEAD);
	wp_module_free(m);
	wp_buf_release(&in);
	wp_buf_release(&apart);
	wp_buf_release(&together);
}

Test(optimize_threads, an_invalid_module_is_refused_with_the_validators_message)
{
	wp_buf in = WP_BUF_INIT(TW_MAX), out = WP_BUF_INIT(TW_MAX);
	wp_opt_options o = {WP_OPT_MIN, false, false, NULL, 0, NULL, true};
	wp_opt_stats st;
	wp_error *err = NULL;
	wp_module *m;
	int r;

	/* () -> i32 whose body leaves nothing */
	tw_begin(&in);
	TW_SEC(&in, 1, 0x01, 0x60, 0x00, 0x01, 0x7f);
	TW_SEC(&in, 3, 0x01, 0x00);
	TW_SEC(&in, 10, 0x01, 0x02, 0x00, 0x0b);
	m = tw_read(in.data, in.len);
	r = wp_optimize(m, &o, &out, &st, &err);
	assert_error(r, err, WP_EINVALID, "function 0");
	cr_assert_eq(out.len, 0);
	wp_module_free(m);
	wp_buf_release(&in);
	wp_buf_release(&out);
}

Test(optimize_threads, written_straight_to_a_file_the_output_is_the_same)
{
	static const wp_opt_level levels[] = {WP_OPT_NONE, WP_OPT_SIZE, WP_OPT_MIN};
	wp_buf in = WP_BUF_INIT(TW_MAX);
	_cleanup_free_ char *path = NULL, *out_path = NULL;
	wp_module *m = NULL;
	wp_error *err = NULL;
	int r;

	/* 3 MB of data in pieces: sent to the file as they are cut */
	big_module_with_data(&in, 3000, 4, 3000000);
	path = test_write_file(tmp, "data.wasm", in.data, in.len, 0644);
	out_path = test_path(tmp, "out.wasm");
	r = wp_module_read_file(&m, path, &err);
	assert_ok(r, err);
	for (size_t i = 0; i < WP_ARRAY_SIZE(levels); i++) {
		wp_opt_options o = {levels[i], false, false, NULL, 0, NULL, true};
		wp_atomic_file file = WP_ATOMIC_FILE_INIT;
		wp_buf in_memory = WP_BUF_INIT(TW_MAX), in_file = WP_BUF_INIT(TW_MAX);
		wp_opt_stats a, b;

		r = wp_optimize(m, &o, &in_memory, &a, &err);
		assert_ok(r, err);
		r = wp_atomic_file_open(&file, out_path, 0644, &err);
		assert_ok(r, err);
		o.out_file = &file;
		r = wp_optimize(m, &o, &in_file, &b, &err);
		assert_ok(r, err);
		cr_assert_eq(in_file.len, 0, "the output went to the buffer too");
		r = wp_atomic_file_commit(&file, &err);
		assert_ok(r, err);
		wp_atomic_file_abort(&file); /* frees the names */
		test_read_file(out_path, &in_file, TW_MAX);
		cr_assert(in_memory.len == in_file.len &&
				  memcmp(in_memory.data, in_file.data, in_file.len) == 0,
			  "-O%d: the file differs", (int)levels[i]);
		cr_assert_eq(a.output, b.output);
		cr_assert_eq(a.n_data_out, b.n_data_out);
		cr_assert_eq(a.data, b.data);
		if (levels[i] == WP_OPT_MIN)
			cr_assert_gt(b.n_data_out, 2000, "%u segments", b.n_data_out);
		wp_buf_release(&in_memory);
		wp_buf_release(&in_file);
	}
	wp_module_free(m);
	wp_buf_release(&in);
}
