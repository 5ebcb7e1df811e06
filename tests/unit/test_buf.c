/* lib/buf: growable buffers with a maximum size. */
#include <criterion/criterion.h>

#include "helpers.h"
#include "../../lib/buf.h"
#include "../../lib/common.h"

static void append_ok(wp_buf *b, const void *data, size_t len)
{
	wp_error *err = NULL;
	int r = wp_buf_append(b, data, len, &err);

	assert_ok(r, err);
}

static void append_str_ok(wp_buf *b, const char *s)
{
	wp_error *err = NULL;
	int r = wp_buf_append_str(b, s, &err);

	assert_ok(r, err);
}

/* Appending len bytes would go over the maximum: ELIMIT, naming needle. */
static void append_refused(wp_buf *b, const void *data, size_t len, const char *needle)
{
	wp_error *err = NULL;
	int r = wp_buf_append(b, data, len, &err);

	assert_error(r, err, WP_ELIMIT, needle);
}

/* A buffer of at most max bytes holding fill refuses len more bytes with
 * ELIMIT and a message containing needle, and keeps what it held. */
static void assert_full(size_t max, const char *fill, const void *more, size_t len,
			const char *needle)
{
	wp_buf b = WP_BUF_INIT(max);

	append_ok(&b, fill, strlen(fill));
	append_refused(&b, more, len, needle);
	cr_assert_eq(b.len, strlen(fill));
	cr_assert_str_eq(wp_buf_cstr(&b), fill);
	wp_buf_release(&b);
}

Test(buf, starts_empty_as_empty_string)
{
	wp_buf b = WP_BUF_INIT(16);

	cr_assert_null(b.data);
	cr_assert_eq(b.len, 0);
	cr_assert_str_eq(wp_buf_cstr(&b), "");
	wp_buf_release(&b);
}

Test(buf, append_concatenates_and_terminates)
{
	wp_buf b = WP_BUF_INIT(1024);

	append_ok(&b, "abc", 3);
	cr_assert_eq(b.len, 3);
	cr_assert_eq(b.data[3], '\0');
	append_str_ok(&b, "def");
	cr_assert_eq(b.len, 6);
	cr_assert_str_eq(b.data, "abcdef");
	cr_assert_eq(b.data[6], '\0');
	cr_assert_geq(b.cap, 7);
	wp_buf_release(&b);
	cr_assert_null(b.data);
	cr_assert_eq(b.len, 0);
}

Test(buf, append_keeps_binary_data_and_counts_nul_bytes)
{
	static const char bin[] = {'a', '\0', 'b', '\0'};
	wp_buf b = WP_BUF_INIT(64);

	append_ok(&b, bin, sizeof(bin));
	cr_assert_eq(b.len, 4);
	cr_assert_arr_eq(b.data, bin, sizeof(bin));
	cr_assert_eq(b.data[4], '\0');
	wp_buf_release(&b);
}

Test(buf, append_nothing_gives_an_empty_terminated_string)
{
	wp_buf b = WP_BUF_INIT(8);

	append_ok(&b, NULL, 0);
	cr_assert_eq(b.len, 0);
	cr_assert_str_eq(wp_buf_cstr(&b), "");
	wp_buf_release(&b);
}

Test(buf, grows_across_many_appends)
{
	wp_buf b = WP_BUF_INIT(100000);

	for (int i = 0; i < 100000; i++) {
		char c = (char)('a' + i % 26);

		append_ok(&b, &c, 1);
	}
	cr_assert_eq(b.len, 100000);
	cr_assert_eq(b.data[100000], '\0');
	for (int i = 0; i < 100000; i++)
		cr_assert_eq(b.data[i], (char)('a' + i % 26), "byte %d", i);
	wp_buf_release(&b);
}

Test(buf, appendf_formats)
{
	wp_buf b = WP_BUF_INIT(256);
	wp_error *err = NULL;
	int r = wp_buf_appendf(&b, &err, "%s=%d", "answer", 42);

	assert_ok(r, err);
	r = wp_buf_appendf(&b, &err, ",%05.1f,%x", 3.14159, 255u);
	assert_ok(r, err);
	cr_assert_str_eq(b.data, "answer=42,003.1,ff");
	cr_assert_eq(b.len, strlen("answer=42,003.1,ff"));
	wp_buf_release(&b);
}

Test(buf, fills_exactly_to_max)
{
	wp_buf b = WP_BUF_INIT(8);

	append_ok(&b, "12345678", 8);
	cr_assert_str_eq(b.data, "12345678");
	wp_buf_release(&b);
}

Test(buf, append_over_max_fails_and_keeps_content)
{
	assert_full(8, "12345", "6789", 4, "8 bytes");
}

Test(buf, huge_length_is_refused_without_overflow)
{
	wp_buf b = WP_BUF_INIT(64);

	append_ok(&b, "x", 1);
	/* len + SIZE_MAX would wrap around: the check must not */
	append_refused(&b, "y", SIZE_MAX, "more than 64 bytes");
	append_refused(&b, "y", SIZE_MAX - 1, "more than 64 bytes");
	cr_assert_eq(b.len, 1);
	wp_buf_release(&b);
}

Test(buf, appendf_over_max_fails)
{
	wp_buf b = WP_BUF_INIT(10);
	wp_error *err = NULL;
	int r = wp_buf_appendf(&b, &err, "%s", "0123456789");

	assert_ok(r, err);
	r = wp_buf_appendf(&b, &err, "%d", 1);
	assert_error(r, err, WP_ELIMIT, "more than 10 bytes");
	cr_assert_str_eq(b.data, "0123456789");
	wp_buf_release(&b);
}

Test(buf, zero_max_refuses_everything_but_nothing)
{
	assert_full(0, "", "a", 1, "more than 0 bytes");
}

Test(buf, detach_hands_over_the_data)
{
	wp_buf b = WP_BUF_INIT(64);
	size_t len = 0;
	char *s;

	append_str_ok(&b, "hello");
	s = wp_buf_detach(&b, &len);
	cr_assert_str_eq(s, "hello");
	cr_assert_eq(len, 5);
	cr_assert_null(b.data);
	cr_assert_eq(b.len, 0);
	cr_assert_eq(b.cap, 0);
	/* the buffer is usable again and independent of the detached data */
	append_str_ok(&b, "x");
	cr_assert_str_eq(b.data, "x");
	cr_assert_str_eq(s, "hello");
	free(s);
	wp_buf_release(&b);
}

Test(buf, detach_of_an_empty_buffer_is_an_empty_string)
{
	wp_buf b = WP_BUF_INIT(64);
	size_t len = 99;
	char *s = wp_buf_detach(&b, &len);

	cr_assert_not_null(s);
	cr_assert_str_eq(s, "");
	cr_assert_eq(len, 0);
	free(s);
	s = wp_buf_detach(&b, NULL);
	cr_assert_not_null(s);
	free(s);
}

Test(buf, reset_empties_but_keeps_memory)
{
	wp_buf b = WP_BUF_INIT(64);
	char *before;

	append_str_ok(&b, "something");
	before = b.data;
	wp_buf_reset(&b);
	cr_assert_eq(b.len, 0);
	cr_assert_eq(b.data, before);
	cr_assert_str_eq(wp_buf_cstr(&b), "");
	append_str_ok(&b, "ab");
	cr_assert_str_eq(b.data, "ab");
	wp_buf_release(&b);
}

Test(buf, init_sets_the_maximum)
{
	wp_buf b;
	wp_error *err = NULL;
	int r;

	wp_buf_init(&b, 3);
	r = wp_buf_append_str(&b, "abcd", &err);
	assert_error(r, err, WP_ELIMIT, "3 bytes");
	cr_assert_eq(b.len, 0);
	wp_buf_release(&b);
}
