/* Bounds-checked LEB128 decoding for the WebAssembly binary format. Each
 * reader returns the number of bytes used, or a negative reason:
 * WP_LEB_TRUNCATED (the input ends inside the number), WP_LEB_TOO_LONG (more
 * bytes than the type allows) or WP_LEB_TOO_LARGE (unused bits of the last
 * byte are not a sign or zero extension). */
#ifndef WP_LEB_H
#define WP_LEB_H

#include <stddef.h>
#include <stdint.h>

enum {
	WP_LEB_TRUNCATED = -1,
	WP_LEB_TOO_LONG = -2,
	WP_LEB_TOO_LARGE = -3,
};

static inline const char *wp_leb_reason(int r)
{
	return r == WP_LEB_TRUNCATED  ? "unexpected end"
	       : r == WP_LEB_TOO_LONG ? "integer representation too long"
				      : "integer too large";
}

/* Unsigned, `bits` wide (32 or 64). */
static inline int wp_leb_u(const uint8_t *p, const uint8_t *end, unsigned bits, uint64_t *out)
{
	unsigned max = (bits + 6) / 7;
	uint64_t v = 0;

	for (unsigned i = 0; i < max; i++) {
		uint8_t b;

		if (p + i >= end)
			return WP_LEB_TRUNCATED;
		b = p[i];
		if (i == max - 1) {
			unsigned used = bits - 7 * i; /* bits left for this byte */

			if (b & 0x80)
				return WP_LEB_TOO_LONG;
			if (used < 7 && (b >> used))
				return WP_LEB_TOO_LARGE;
		}
		v |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			*out = v;
			return (int)i + 1;
		}
	}
	return WP_LEB_TOO_LONG;
}

/* Signed, `bits` wide (32, 33 or 64). */
static inline int wp_leb_s(const uint8_t *p, const uint8_t *end, unsigned bits, int64_t *out)
{
	unsigned max = (bits + 6) / 7;
	uint64_t v = 0;

	for (unsigned i = 0; i < max; i++) {
		uint8_t b;

		if (p + i >= end)
			return WP_LEB_TRUNCATED;
		b = p[i];
		if (i == max - 1) {
			unsigned used = bits - 7 * i; /* value bits in this byte */

			if (b & 0x80)
				return WP_LEB_TOO_LONG;
			if (used < 7) {
				/* the bits above the sign bit must copy it */
				uint8_t rest =
					(uint8_t)(b >> (used - 1)) & (uint8_t)(0x7f >> (used - 1));
				uint8_t all = (uint8_t)(0x7f >> (used - 1));

				if (rest != 0 && rest != all)
					return WP_LEB_TOO_LARGE;
			}
		}
		v |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			unsigned shift = 7 * (i + 1);

			if (shift < 64 && (b & 0x40))
				v |= ~(uint64_t)0 << shift;
			*out = (int64_t)v;
			return (int)i + 1;
		}
	}
	return WP_LEB_TOO_LONG;
}

/* How many bytes the shortest encoding of v takes. */
static inline unsigned wp_leb_u_size(uint64_t v)
{
	unsigned n = 1;

	while (v >= 128) {
		v >>= 7;
		n++;
	}
	return n;
}

/* v >> 7 as an arithmetic shift (rounded towards minus infinity, the sign
 * stays), without right-shifting a negative value, which C leaves to the
 * implementation; compilers emit one arithmetic shift for it. */
static inline int64_t wp_leb_sar7(int64_t v)
{
	return v < 0 ? ~(~v >> 7) : v >> 7;
}

static inline unsigned wp_leb_s_size(int64_t v)
{
	unsigned n = 1;

	while (!(v >= -64 && v < 64)) {
		v = wp_leb_sar7(v);
		n++;
	}
	return n;
}

#endif
