/* The reader's primitives (cursor.h). */
#include "cursor.h"
#include "leb.h"
#include "wasm_error.h"
#include "../lib/str.h"
#include "../lib/common.h"

uint32_t wp_cur_off(const wp_cursor *c, const uint8_t *p)
{
	return (uint32_t)(p - c->m->bytes);
}

/* (name): not the analyzer's macro (cursor.h) */
int(wp_cur_malformed)(const wp_cursor *c, const uint8_t *at, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = wp_wasm_errorv(c->err, c->m->name, WP_NO_FUNCTION, wp_cur_off(c, at), fmt, ap);
	va_end(ap);
	return r;
}

int wp_cur_u8(wp_cursor *c, uint8_t *out)
{
	if (c->p >= c->end)
		return wp_cur_malformed(c, c->p, "unexpected end");
	*out = *c->p++;
	return 0;
}

int wp_cur_u32(wp_cursor *c, uint32_t *out)
{
	uint64_t v;
	int n = wp_leb_u(c->p, c->end, 32, &v);

	if (n < 0)
		return wp_cur_malformed(c, c->p, "%s", wp_leb_reason(n));
	c->p += n;
	*out = (uint32_t)v;
	return 0;
}

int wp_cur_u64(wp_cursor *c, uint64_t *out)
{
	int n = wp_leb_u(c->p, c->end, 64, out);

	if (n < 0)
		return wp_cur_malformed(c, c->p, "%s", wp_leb_reason(n));
	c->p += n;
	return 0;
}

int wp_cur_count(wp_cursor *c, size_t min_size, uint32_t *out)
{
	const uint8_t *at = c->p;
	int r = wp_cur_u32(c, out);

	if (r == 0 && (uint64_t)*out * min_size > (uint64_t)(c->end - c->p))
		return wp_cur_malformed(
			c, at, "length out of bounds: %" PRIu32 " items cannot fit in %zu bytes",
			*out, (size_t)(c->end - c->p));
	return r;
}

int wp_cur_bytes(wp_cursor *c, uint32_t n, wp_range *out)
{
	if (n > (uint64_t)(c->end - c->p))
		return wp_cur_malformed(c, c->p,
					"unexpected end: %" PRIu32 " bytes declared, %zu remain", n,
					(size_t)(c->end - c->p));
	out->offset = wp_cur_off(c, c->p);
	out->size = n;
	c->p += n;
	return 0;
}

int wp_cur_name(wp_cursor *c, wp_range *out)
{
	const uint8_t *at = c->p;
	uint32_t n;
	int r = wp_cur_u32(c, &n);

	if (r == 0)
		r = wp_cur_bytes(c, n, out);
	if (r == 0 && !wp_utf8_valid_nul((const char *)c->m->bytes + out->offset, out->size))
		return wp_cur_malformed(c, at, "malformed UTF-8 encoding");
	return r;
}
