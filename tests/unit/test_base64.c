/* lib/base64: RFC 4648 vectors, padding, binary round trips, refusals. */
#include <criterion/criterion.h>

#include "helpers.h"
#include "../../lib/base64.h"
#include "../../lib/common.h"

struct b64_case {
	const char *plain;
	const char *encoded;
};

/* RFC 4648 section 10, and a Docker config "auth" value */
static const struct b64_case vectors[] = {
	{"", ""},
	{"f", "Zg=="},
	{"fo", "Zm8="},
	{"foo", "Zm9v"},
	{"foob", "Zm9vYg=="},
	{"fooba", "Zm9vYmE="},
	{"foobar", "Zm9vYmFy"},
	{"user:pa:ss", "dXNlcjpwYTpzcw=="},
	{"\xff\xfe\xfd", "//79"},
	{"\xfb\xff", "+/8="},
};

static char *encode_ok(const void *data, size_t len)
{
	wp_error *err = NULL;
	char *out = NULL;
	int r = wp_base64_encode(data, len, &out, &err);

	assert_ok(r, err);
	cr_assert_not_null(out);
	return out;
}

static void decode_ok(const char *text, wp_buf *out)
{
	wp_error *err = NULL;
	int r = wp_base64_decode(text, out, &err);

	assert_ok(r, err);
}

Test(base64, rfc4648_vectors_encode)
{
	for (size_t i = 0; i < WP_ARRAY_SIZE(vectors); i++) {
		_cleanup_free_ char *got = encode_ok(vectors[i].plain, strlen(vectors[i].plain));

		cr_assert_str_eq(got, vectors[i].encoded, "\"%s\"", vectors[i].plain);
	}
}

Test(base64, rfc4648_vectors_decode_exact_length)
{
	for (size_t i = 0; i < WP_ARRAY_SIZE(vectors); i++) {
		wp_buf out = WP_BUF_INIT(1024);

		decode_ok(vectors[i].encoded, &out);
		/* EVP_DecodeBlock counts padding zeros; the length must not */
		cr_assert_eq(out.len, strlen(vectors[i].plain), "\"%s\": %zu bytes",
			     vectors[i].encoded, out.len);
		cr_assert_arr_eq(wp_buf_cstr(&out), vectors[i].plain, out.len);
		wp_buf_release(&out);
	}
}

Test(base64, decode_appends_to_the_buffer)
{
	wp_buf out = WP_BUF_INIT(64);
	wp_error *err = NULL;

	cr_assert_eq(wp_buf_append_str(&out, "x=", &err), 0);
	decode_ok("Zm9v", &out);
	decode_ok("YmFy", &out);
	cr_assert_str_eq(out.data, "x=foobar");
	wp_buf_release(&out);
}

Test(base64, binary_round_trip_every_length)
{
	unsigned char data[300];

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(255 - i);
	for (size_t len = 0; len <= sizeof(data); len++) {
		_cleanup_free_ char *text = encode_ok(data, len);
		wp_buf out = WP_BUF_INIT(sizeof(data));

		cr_assert_eq(strlen(text), (len + 2) / 3 * 4);
		decode_ok(text, &out);
		cr_assert_eq(out.len, len);
		if (len)
			cr_assert_arr_eq(out.data, data, len);
		wp_buf_release(&out);
	}
}

Test(base64, large_input_crosses_chunks)
{
	size_t len = 200000 + 2; /* not a multiple of 3 */
	unsigned char *data = malloc(len);
	_cleanup_free_ char *text = NULL;
	wp_buf out = WP_BUF_INIT(len);

	cr_assert_not_null(data);
	test_fill_semi_random(data, len, 7);
	text = encode_ok(data, len);
	cr_assert_eq(strlen(text), (len + 2) / 3 * 4);
	cr_assert_eq(text[strlen(text) - 1], '=');
	decode_ok(text, &out);
	cr_assert_eq(out.len, len);
	cr_assert_arr_eq(out.data, data, len);
	wp_buf_release(&out);
	free(data);
}

Test(base64, invalid_input_is_refused_and_not_quoted)
{
	static const struct test_refusal bad[] = {
		{"Zg", "not a multiple of 4"},
		{"Zg=", "not a multiple of 4"},
		{"Zm9vY", "not a multiple of 4"},
		{"Zg==Zg==", "offset 2"},
		{"Z===", "offset 1"},
		{"====", "offset 0"},
		{"Zm9v\n", "not a multiple of 4"},
		{"Zm 9", "offset 2"},
		{" Zm9", "offset 0"},
		{"Zm9-", "offset 3"},
		{"Zm9_", "offset 3"},
		{"Zm=v", "offset 2"},
		{"c2VjcmV0!!!!", "offset 8"},
	};

	for (size_t i = 0; i < WP_ARRAY_SIZE(bad); i++) {
		wp_buf out = WP_BUF_INIT(64);
		wp_error *err = NULL;
		int r = wp_base64_decode(bad[i].input, &out, &err);

		cr_assert_not_null(err, "\"%s\" was accepted", bad[i].input);
		cr_assert_null(strstr(err->message, bad[i].input), "message quotes the input: %s",
			       err->message);
		assert_error_in(bad[i].input, r, err, WP_EINVALID, bad[i].needle);
		cr_assert_eq(out.len, 0, "\"%s\": the buffer changed", bad[i].input);
		wp_buf_release(&out);
	}
}

Test(base64, decode_respects_the_buffer_maximum)
{
	wp_buf out = WP_BUF_INIT(5);
	wp_error *err = NULL;
	int r = wp_base64_decode("Zm9vYmFy", &out, &err);

	assert_error(r, err, WP_ELIMIT, "more than 5 bytes");
	cr_assert_eq(out.len, 0);
	decode_ok("Zm9vYg==", &out); /* 4 bytes fit */
	cr_assert_str_eq(out.data, "foob");
	wp_buf_release(&out);
}

Test(base64, embedded_nul_bytes_survive)
{
	wp_buf out = WP_BUF_INIT(16);
	_cleanup_free_ char *text = encode_ok("a\0b", 3);

	cr_assert_str_eq(text, "YQBi");
	decode_ok(text, &out);
	cr_assert_eq(out.len, 3);
	cr_assert_arr_eq(out.data, "a\0b", 3);
	wp_buf_release(&out);
}
