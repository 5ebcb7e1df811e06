/* lib/digest: SHA-256 in the OCI "sha256:<hex>" form and digest grammar. */
#include <criterion/criterion.h>

#include "helpers.h"
#include "../../lib/digest.h"
#include "../../lib/sink.h"
#include "../../lib/common.h"

#define EMPTY_SHA256 "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define ABC_SHA256 "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
/* FIPS 180-2 two-block vector */
#define LONG_INPUT "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
#define LONG_SHA256 "sha256:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

Test(digest, empty_input)
{
	char d[WP_DIGEST_SIZE];
	wp_error *err = NULL;
	int r = wp_sha256_bytes(d, "", 0, &err);

	assert_ok(r, err);
	cr_assert_str_eq(d, EMPTY_SHA256);
	cr_assert_eq(strlen(d), WP_DIGEST_SIZE - 1);
}

Test(digest, abc)
{
	char d[WP_DIGEST_SIZE];
	wp_error *err = NULL;
	int r = wp_sha256_bytes(d, "abc", 3, &err);

	assert_ok(r, err);
	cr_assert_str_eq(d, ABC_SHA256);
}

Test(digest, two_block_vector)
{
	char d[WP_DIGEST_SIZE];
	wp_error *err = NULL;
	int r = wp_sha256_bytes(d, LONG_INPUT, strlen(LONG_INPUT), &err);

	assert_ok(r, err);
	cr_assert_str_eq(d, LONG_SHA256);
}

Test(digest, streaming_in_pieces_equals_one_shot)
{
	static const size_t pieces[] = {1, 2, 3, 63, 64, 65, 1000, 4096, 65537};
	const size_t len = 300000;
	unsigned char *data = malloc(len);
	char one[WP_DIGEST_SIZE], streamed[WP_DIGEST_SIZE];
	wp_error *err = NULL;
	int r;

	cr_assert_not_null(data);
	test_fill_semi_random(data, len, 7);
	r = wp_sha256_bytes(one, data, len, &err);
	assert_ok(r, err);
	for (size_t k = 0; k < WP_ARRAY_SIZE(pieces); k++) {
		wp_sha256 h;
		size_t off = 0;

		r = wp_sha256_init(&h, &err);
		assert_ok(r, err);
		while (off < len) {
			size_t n = len - off < pieces[k] ? len - off : pieces[k];

			wp_sha256_update(&h, data + off, n);
			off += n;
		}
		wp_sha256_update(&h, data, 0); /* empty updates change nothing */
		r = wp_sha256_final(&h, streamed, &err);
		wp_sha256_release(&h);
		assert_ok(r, err);
		cr_assert_str_eq(streamed, one, "pieces of %zu bytes", pieces[k]);
	}
	free(data);
}

Test(digest, streaming_known_vector_byte_by_byte)
{
	char d[WP_DIGEST_SIZE];
	wp_error *err = NULL;
	wp_sha256 h;
	int r = wp_sha256_init(&h, &err);

	assert_ok(r, err);
	for (const char *p = LONG_INPUT; *p; p++)
		wp_sha256_update(&h, p, 1);
	r = wp_sha256_final(&h, d, &err);
	wp_sha256_release(&h);
	assert_ok(r, err);
	cr_assert_str_eq(d, LONG_SHA256);
}

Test(digest, hashing_sink_counts_hashes_and_forwards)
{
	wp_buf got = WP_BUF_INIT(1024);
	wp_hashing_sink hs;
	wp_error *err = NULL;
	char d[WP_DIGEST_SIZE];
	int r = wp_hashing_sink_init(&hs, (wp_sink){test_buf_sink_write, &got}, &err);

	assert_ok(r, err);
	r = wp_hashing_sink_write(&hs, "a", 1, &err);
	assert_ok(r, err);
	r = wp_hashing_sink_write(&hs, "bc", 2, &err);
	assert_ok(r, err);
	r = wp_hashing_sink_final(&hs, d, &err);
	assert_ok(r, err);
	cr_assert_str_eq(d, ABC_SHA256);
	cr_assert_eq(hs.size, 3);
	cr_assert_str_eq(got.data, "abc");
	wp_hashing_sink_release(&hs);
	wp_buf_release(&got);
}

Test(digest, hashing_sink_without_next_only_hashes)
{
	wp_hashing_sink hs;
	wp_error *err = NULL;
	char d[WP_DIGEST_SIZE];
	int r = wp_hashing_sink_init(&hs, (wp_sink){NULL, NULL}, &err);

	assert_ok(r, err);
	r = wp_hashing_sink_write(&hs, "abc", 3, &err);
	assert_ok(r, err);
	r = wp_hashing_sink_final(&hs, d, &err);
	assert_ok(r, err);
	cr_assert_str_eq(d, ABC_SHA256);
	wp_hashing_sink_release(&hs);
}

Test(digest, validate_accepts_sha256_and_sha512)
{
	wp_error *err = NULL;
	int r = wp_digest_validate("sha256:" HEX64, "config.digest", &err);

	assert_ok(r, err);
	r = wp_digest_validate("sha512:" HEX64 HEX64, "config.digest", &err);
	assert_ok(r, err);
	r = wp_digest_validate(EMPTY_SHA256, "x", &err);
	assert_ok(r, err);
	cr_assert(wp_digest_is_valid(ABC_SHA256));
}

Test(digest, validate_rejects_uppercase_hex)
{
	wp_error *err = NULL;
	int r = wp_digest_validate(
		"sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
		"layers[0].digest", &err);

	assert_error(r, err, WP_EINVALID, "layers[0].digest: invalid digest");
	r = wp_digest_validate("SHA256:" HEX64, "d", &err);
	assert_error(r, err, WP_EINVALID, "invalid digest");
	/* one upper-case digit at the end is enough */
	r = wp_digest_validate(
		"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeF", "d",
		&err);
	assert_error(r, err, WP_EINVALID, "invalid digest");
}

Test(digest, validate_rejects_wrong_lengths)
{
	wp_error *err = NULL;
	int r = wp_digest_validate("sha256:" HEX64 "0", "d", &err);

	assert_error(r, err, WP_EINVALID, "invalid digest");
	r = wp_digest_validate(
		"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde", "d",
		&err);
	assert_error(r, err, WP_EINVALID, "invalid digest");
	r = wp_digest_validate("sha256:", "d", &err);
	assert_error(r, err, WP_EINVALID, "invalid digest");
	/* a sha256-length hex under sha512 is too short, and the reverse */
	r = wp_digest_validate("sha512:" HEX64, "d", &err);
	assert_error(r, err, WP_EINVALID, "invalid digest");
	r = wp_digest_validate("sha256:" HEX64 HEX64, "d", &err);
	assert_error(r, err, WP_EINVALID, "invalid digest");
}

Test(digest, validate_rejects_missing_algorithm)
{
	wp_error *err = NULL;
	int r = wp_digest_validate(HEX64, "d", &err);

	assert_error(r, err, WP_EINVALID, "invalid digest \"" HEX64 "\"");
	r = wp_digest_validate(":" HEX64, "d", &err);
	assert_error(r, err, WP_EINVALID, "invalid digest");
	r = wp_digest_validate("", "d", &err);
	assert_error(r, err, WP_EINVALID, "invalid digest");
	r = wp_digest_validate(NULL, "manifest.config", &err);
	assert_error(r, err, WP_EINVALID, "manifest.config: missing digest");
}

Test(digest, validate_rejects_unknown_algorithms)
{
	wp_error *err = NULL;
	int r = wp_digest_validate("md5:0123456789abcdef0123456789abcdef", "d", &err);

	assert_error(r, err, WP_EINVALID, "invalid digest");
	r = wp_digest_validate("sha384:" HEX64 "0123456789abcdef0123456789abcdef", "d", &err);
	assert_error(r, err, WP_EINVALID, "invalid digest");
	r = wp_digest_validate("sha256+b64u:" HEX64, "d", &err);
	assert_error(r, err, WP_EINVALID, "invalid digest");
	cr_assert_not(wp_digest_is_valid("blake3:" HEX64));
}

Test(digest, validate_rejects_trailing_and_embedded_junk)
{
	wp_error *err = NULL;
	int r = wp_digest_validate("sha256:" HEX64 "\n", "d", &err);

	assert_error(r, err, WP_EINVALID, "invalid digest");
	r = wp_digest_validate(" sha256:" HEX64, "d", &err);
	assert_error(r, err, WP_EINVALID, "invalid digest");
	r = wp_digest_validate(
		"sha256:0123456789abcdef0123456789abcdef-123456789abcdef0123456789abcdef", "d",
		&err);
	assert_error(r, err, WP_EINVALID, "invalid digest");
}

Test(digest, hex_and_algorithm_parts)
{
	cr_assert_str_eq(wp_digest_hex(ABC_SHA256),
			 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	cr_assert_eq(wp_digest_algorithm_len(ABC_SHA256), 6);
	cr_assert_eq(wp_digest_algorithm_len("sha512:" HEX64 HEX64), 6);
}
