/* wasmopt/leb.h: bounds-checked LEB128 decoding. */
#include <criterion/criterion.h>

#include "helpers.h"
#include "../../wasmopt/leb.h"
#include "../../lib/common.h"

/* One case: the bytes, how many of them the reader may see, the result (bytes
 * used or a WP_LEB_* reason) and the value. */
struct leb_case {
	uint8_t bytes[12];
	size_t len;
	int want;
	uint64_t value;
};

#define L(...) TW_BYTES(__VA_ARGS__), sizeof(TW_BYTES(__VA_ARGS__))

static void check_u(unsigned bits, const uint8_t *p, size_t len, int want, uint64_t value)
{
	uint64_t v = 0xdeadbeef;
	int r = wp_leb_u(p, p + len, bits, &v);

	cr_assert_eq(r, want, "u%u over %zu bytes (first 0x%02x): got %d, expected %d", bits, len,
		     len ? p[0] : 0, r, want);
	if (want > 0)
		cr_assert_eq(v, value, "u%u: value 0x%" PRIx64 ", expected 0x%" PRIx64, bits, v,
			     value);
	else
		cr_assert_eq(v, 0xdeadbeef, "u%u: out untouched on failure", bits);
}

static void check_s(unsigned bits, const uint8_t *p, size_t len, int want, int64_t value)
{
	int64_t v = 0x5eed;
	int r = wp_leb_s(p, p + len, bits, &v);

	cr_assert_eq(r, want, "s%u over %zu bytes (first 0x%02x): got %d, expected %d", bits, len,
		     len ? p[0] : 0, r, want);
	if (want > 0)
		cr_assert_eq(v, value, "s%u: value %" PRId64 ", expected %" PRId64, bits, v, value);
	else
		cr_assert_eq(v, 0x5eed, "s%u: out untouched on failure", bits);
}

Test(leb, u32_short_forms)
{
	check_u(32, L(0x00), 1, 0);
	check_u(32, L(0x7f), 1, 127);
	check_u(32, L(0x80, 0x01), 2, 128);
	check_u(32, L(0xe5, 0x8e, 0x26), 3, 624485);
	/* bytes after the number are not read */
	check_u(32, L(0x05, 0xff, 0xff), 1, 5);
}

Test(leb, u32_maximum_length_and_value)
{
	check_u(32, L(0xff, 0xff, 0xff, 0xff, 0x0f), 5, UINT32_MAX);
	/* padded forms (as LLVM writes them) are five bytes at most */
	check_u(32, L(0x80, 0x80, 0x80, 0x80, 0x00), 5, 0);
	check_u(32, L(0x85, 0x80, 0x80, 0x80, 0x00), 5, 5);
	check_u(32, L(0x80, 0x80, 0x80, 0x80, 0x80, 0x00), WP_LEB_TOO_LONG, 0);
	/* the fifth byte holds 4 bits: a continuation or more bits is wrong */
	check_u(32, L(0xff, 0xff, 0xff, 0xff, 0x8f, 0x00), WP_LEB_TOO_LONG, 0);
	check_u(32, L(0xff, 0xff, 0xff, 0xff, 0x1f), WP_LEB_TOO_LARGE, 0);
	check_u(32, L(0x80, 0x80, 0x80, 0x80, 0x10), WP_LEB_TOO_LARGE, 0);
	check_u(32, L(0x80, 0x80, 0x80, 0x80, 0x70), WP_LEB_TOO_LARGE, 0);
}

Test(leb, u64_maximum_length_and_value)
{
	check_u(64, L(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01), 10, UINT64_MAX);
	check_u(64, L(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00), 10, 0);
	check_u(64, L(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00),
		WP_LEB_TOO_LONG, 0);
	check_u(64, L(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02), WP_LEB_TOO_LARGE,
		0);
	check_u(64, L(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7e), WP_LEB_TOO_LARGE,
		0);
	/* 2^32 needs five bytes with the fifth holding bit 32: fine for u64 */
	check_u(64, L(0x80, 0x80, 0x80, 0x80, 0x10), 5, 1ULL << 32);
}

Test(leb, truncated_numbers)
{
	static const uint8_t cont[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80};

	check_u(32, cont, 0, WP_LEB_TRUNCATED, 0);
	for (size_t n = 1; n <= 4; n++)
		check_u(32, cont, n, WP_LEB_TRUNCATED, 0);
	for (size_t n = 1; n <= 9; n++)
		check_u(64, cont, n, WP_LEB_TRUNCATED, 0);
	for (size_t n = 0; n <= 4; n++) {
		check_s(32, cont, n, WP_LEB_TRUNCATED, 0);
		check_s(33, cont, n, WP_LEB_TRUNCATED, 0);
	}
	check_s(64, cont, 9, WP_LEB_TRUNCATED, 0);
	/* the end is respected even when the bytes beyond it would finish it */
	check_u(32, TW_BYTES(0x80, 0x01), 1, WP_LEB_TRUNCATED, 0);
}

Test(leb, s32_sign_extension)
{
	check_s(32, L(0x00), 1, 0);
	check_s(32, L(0x3f), 1, 63);
	check_s(32, L(0x40), 1, -64);
	check_s(32, L(0x7f), 1, -1);
	check_s(32, L(0x80, 0x7f), 2, -128);
	check_s(32, L(0xc0, 0x00), 2, 64);
	check_s(32, L(0xff, 0x00), 2, 127);
	check_s(32, L(0xff, 0xff, 0xff, 0xff, 0x07), 5, INT32_MAX);
	check_s(32, L(0x80, 0x80, 0x80, 0x80, 0x78), 5, INT32_MIN);
	/* padded -1 and 0 */
	check_s(32, L(0xff, 0xff, 0xff, 0xff, 0x7f), 5, -1);
	check_s(32, L(0x80, 0x80, 0x80, 0x80, 0x00), 5, 0);
	/* the unused bits of the fifth byte must copy the sign bit (bit 3) */
	check_s(32, L(0xff, 0xff, 0xff, 0xff, 0x0f), WP_LEB_TOO_LARGE, 0);
	check_s(32, L(0x80, 0x80, 0x80, 0x80, 0x70), WP_LEB_TOO_LARGE, 0);
	check_s(32, L(0x80, 0x80, 0x80, 0x80, 0x1f), WP_LEB_TOO_LARGE, 0);
	check_s(32, L(0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), WP_LEB_TOO_LONG, 0);
	check_s(32, L(0x80, 0x80, 0x80, 0x80, 0x80, 0x00), WP_LEB_TOO_LONG, 0);
}

Test(leb, s33_block_type_range)
{
	/* s33 holds every u32 and the negative one-byte value types */
	check_s(33, L(0x7f), 1, -1);
	check_s(33, L(0x40), 1, -64);
	check_s(33, L(0xff, 0xff, 0xff, 0xff, 0x0f), 5, (int64_t)UINT32_MAX);
	check_s(33, L(0x80, 0x80, 0x80, 0x80, 0x70), 5, -(1LL << 32));
	check_s(33, L(0xff, 0xff, 0xff, 0xff, 0x7f), 5, -1);
	/* the fifth byte holds bits 28..32; bits above copy bit 32 */
	check_s(33, L(0xff, 0xff, 0xff, 0xff, 0x1f), WP_LEB_TOO_LARGE, 0);
	check_s(33, L(0x80, 0x80, 0x80, 0x80, 0x60), WP_LEB_TOO_LARGE, 0);
	check_s(33, L(0x80, 0x80, 0x80, 0x80, 0x80, 0x00), WP_LEB_TOO_LONG, 0);
}

Test(leb, s64_extremes)
{
	check_s(64, L(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00), 10, INT64_MAX);
	check_s(64, L(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f), 10, INT64_MIN);
	check_s(64, L(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), 10, -1);
	check_s(64, L(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00), 10, 0);
	check_s(64, L(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01), WP_LEB_TOO_LARGE,
		0);
	check_s(64, L(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7e), WP_LEB_TOO_LARGE,
		0);
	check_s(64, L(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00),
		WP_LEB_TOO_LONG, 0);
	/* a 32-bit pattern read as s64 is positive: bit 31 is no sign there */
	check_s(64, L(0x80, 0x80, 0x80, 0x80, 0x08), 5, 1LL << 31);
	/* sign extension from a middle byte */
	check_s(64, L(0x80, 0x80, 0x80, 0x80, 0x78), 5, -(1LL << 31));
}

Test(leb, every_u32_width_round_trips)
{
	static const uint64_t values[] = {0,
					  1,
					  63,
					  64,
					  127,
					  128,
					  16383,
					  16384,
					  (1u << 21) - 1,
					  1u << 21,
					  (1u << 28) - 1,
					  1u << 28,
					  UINT32_MAX};

	for (size_t i = 0; i < WP_ARRAY_SIZE(values); i++)
		for (unsigned width = 1; width <= 5; width++) {
			wp_buf b = WP_BUF_INIT(64);
			uint64_t v = 0;
			int r;

			tw_uleb_w(&b, values[i], width);
			r = wp_leb_u((const uint8_t *)b.data, (const uint8_t *)b.data + b.len, 32,
				     &v);
			cr_assert_eq(r, (int)b.len, "%" PRIu64 " in %u bytes: %d", values[i], width,
				     r);
			cr_assert_eq(v, values[i]);
			wp_buf_release(&b);
		}
}

Test(leb, every_s64_width_round_trips)
{
	static const int64_t values[] = {0,   -1,	 63,	    -64,       64,
					 -65, INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN};

	for (size_t i = 0; i < WP_ARRAY_SIZE(values); i++)
		for (unsigned width = 1; width <= 10; width++) {
			wp_buf b = WP_BUF_INIT(64);
			int64_t v = 0;
			int r;

			tw_sleb_w(&b, values[i], width);
			r = wp_leb_s((const uint8_t *)b.data, (const uint8_t *)b.data + b.len, 64,
				     &v);
			cr_assert_eq(r, (int)b.len, "%" PRId64 " in %u bytes: %d", values[i], width,
				     r);
			cr_assert_eq(v, values[i]);
			wp_buf_release(&b);
		}
}

Test(leb, reasons_use_the_spec_words)
{
	cr_assert_str_eq(wp_leb_reason(WP_LEB_TRUNCATED), "unexpected end");
	cr_assert_str_eq(wp_leb_reason(WP_LEB_TOO_LONG), "integer representation too long");
	cr_assert_str_eq(wp_leb_reason(WP_LEB_TOO_LARGE), "integer too large");
}
