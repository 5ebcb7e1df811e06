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

/* The digest of len bytes at data is want, and fills the digest buffer. */
static void assert_sha256(const void *data, size_t len, const char *want)
{
	char d[WP_DIGEST_SIZE];
	wp_error *err = NULL;
	int r = wp_sha256_bytes(d, data, len, &err);

	assert_ok(r, err);
	cr_assert_str_eq(d, want);
	cr_assert_eq(strlen(d), WP_DIGEST_SIZE - 1);
}

/* wp_digest_validate(digest, what) succeeds, or fails with EINVALID and a
 * message containing needle. */
static void assert_valid(const char *digest, const char *what)
{
	wp_error *err = NULL;
	int r = wp_digest_validate(digest, what, &err);

	assert_ok(r, err);
}

static void assert_invalid(const char *digest, const char *what, const char *needle)
{
	wp_error *err = NULL;
	int r = wp_digest_validate(digest, what, &err);

	assert_error_in(digest ? digest : "(null)", r, err, WP_EINVALID, needle);
}

Test(digest, empty_input)
{
	assert_sha256("", 0, EMPTY_SHA256);
}

Test(digest, abc)
{
	assert_sha256("abc", 3, ABC_SHA256);
}

Test(digest, two_block_vector)
{
	assert_sha256(LONG_INPUT, strlen(LONG_INPUT), LONG_SHA256);
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

/* Writes the pieces through the hashing sink hs in front of next; d gets
 * their digest. */
static void hash_through_sink(wp_hashing_sink *hs, wp_sink next, const char *const *pieces,
			      size_t n, char d[WP_DIGEST_SIZE])
{
	wp_error *err = NULL;
	int r = wp_hashing_sink_init(hs, next, &err);

	assert_ok(r, err);
	for (size_t i = 0; i < n; i++) {
		r = wp_hashing_sink_write(hs, pieces[i], strlen(pieces[i]), &err);
		assert_ok(r, err);
	}
	r = wp_hashing_sink_final(hs, d, &err);
	assert_ok(r, err);
}

Test(digest, hashing_sink_counts_hashes_and_forwards)
{
	static const char *const pieces[] = {"a", "bc"};
	wp_buf got = WP_BUF_INIT(1024);
	wp_hashing_sink hs;
	char d[WP_DIGEST_SIZE];

	hash_through_sink(&hs, (wp_sink){test_buf_sink_write, &got}, pieces, WP_ARRAY_SIZE(pieces),
			  d);
	cr_assert_str_eq(d, ABC_SHA256);
	cr_assert_eq(hs.size, 3);
	cr_assert_str_eq(got.data, "abc");
	wp_hashing_sink_release(&hs);
	wp_buf_release(&got);
}

Test(digest, hashing_sink_without_next_only_hashes)
{
	static const char *const pieces[] = {"abc"};
	wp_hashing_sink hs;
	char d[WP_DIGEST_SIZE];

	hash_through_sink(&hs, (wp_sink){NULL, NULL}, pieces, WP_ARRAY_SIZE(pieces), d);
	cr_assert_str_eq(d, ABC_SHA256);
	wp_hashing_sink_release(&hs);
}

Test(digest, validate_accepts_sha256_and_sha512)
{
	assert_valid("sha256:" HEX64, "config.digest");
	assert_valid("sha512:" HEX64 HEX64, "config.digest");
	assert_valid(EMPTY_SHA256, "x");
	cr_assert(wp_digest_is_valid(ABC_SHA256));
}

Test(digest, validate_rejects_uppercase_hex)
{
	assert_invalid("sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
		       "layers[0].digest", "layers[0].digest: invalid digest");
	assert_invalid("SHA256:" HEX64, "d", "invalid digest");
	/* one upper-case digit at the end is enough */
	assert_invalid("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeF",
		       "d", "invalid digest");
}

Test(digest, validate_rejects_wrong_lengths)
{
	assert_invalid("sha256:" HEX64 "0", "d", "invalid digest");
	assert_invalid("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde",
		       "d", "invalid digest");
	assert_invalid("sha256:", "d", "invalid digest");
	/* a sha256-length hex under sha512 is too short, and the reverse */
	assert_invalid("sha512:" HEX64, "d", "invalid digest");
	assert_invalid("sha256:" HEX64 HEX64, "d", "invalid digest");
}

Test(digest, validate_rejects_missing_algorithm)
{
	assert_invalid(HEX64, "d", "invalid digest \"" HEX64 "\"");
	assert_invalid(":" HEX64, "d", "invalid digest");
	assert_invalid("", "d", "invalid digest");
	assert_invalid(NULL, "manifest.config", "manifest.config: missing digest");
}

Test(digest, validate_rejects_unknown_algorithms)
{
	assert_invalid("md5:0123456789abcdef0123456789abcdef", "d", "invalid digest");
	assert_invalid("sha384:" HEX64 "0123456789abcdef0123456789abcdef", "d", "invalid digest");
	assert_invalid("sha256+b64u:" HEX64, "d", "invalid digest");
	cr_assert_not(wp_digest_is_valid("blake3:" HEX64));
}

Test(digest, validate_rejects_trailing_and_embedded_junk)
{
	assert_invalid("sha256:" HEX64 "\n", "d", "invalid digest");
	assert_invalid(" sha256:" HEX64, "d", "invalid digest");
	assert_invalid("sha256:0123456789abcdef0123456789abcdef-123456789abcdef0123456789abcdef",
		       "d", "invalid digest");
}

Test(digest, hex_and_algorithm_parts)
{
	cr_assert_str_eq(wp_digest_hex(ABC_SHA256),
			 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	cr_assert_eq(wp_digest_algorithm_len(ABC_SHA256), 6);
	cr_assert_eq(wp_digest_algorithm_len("sha512:" HEX64 HEX64), 6);
}
