#include "insn.h"
#include "wasm_error.h"
#include "leb.h"
#include "../lib/common.h"

void wp_insn_reader_init(wp_insn_reader *r, const wp_module *m, const uint8_t *p,
			 const uint8_t *end)
{
	wp_opcodes_init();
	r->m = m;
	r->p = p;
	r->end = end;
}

static int bad(const wp_insn_reader *r, const uint8_t *at, wp_error **err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int bad(const wp_insn_reader *r, const uint8_t *at, wp_error **err, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = wp_wasm_errorv(err, r->m->name, WP_NO_FUNCTION, (uint64_t)(at - r->m->bytes), fmt, ap);
	va_end(ap);
	return rc;
}

#ifdef __clang_analyzer__
/* returns a negative code: see lib/error.h */
#define bad(...) wp_error_negative_(bad(__VA_ARGS__))
#endif

static int u32(wp_insn_reader *r, uint32_t *out, wp_error **err)
{
	uint64_t v;
	int n;

	/* most indices fit in one or two bytes */
	if (r->end - r->p >= 2) {
		if (!(r->p[0] & 0x80)) {
			*out = *r->p++;
			return 0;
		}
		if (!(r->p[1] & 0x80)) {
			*out = (uint32_t)(r->p[0] & 0x7f) | (uint32_t)r->p[1] << 7;
			r->p += 2;
			return 0;
		}
	} else if (r->p < r->end && !(*r->p & 0x80)) {
		*out = *r->p++;
		return 0;
	}
	n = wp_leb_u(r->p, r->end, 32, &v);
	if (n < 0)
		return bad(r, r->p, err, "%s", wp_leb_reason(n));
	r->p += n;
	*out = (uint32_t)v;
	return 0;
}

static int byte(wp_insn_reader *r, uint8_t *out, wp_error **err)
{
	if (r->p >= r->end)
		return bad(r, r->p, err, "unexpected end");
	*out = *r->p++;
	return 0;
}

static int fixed(wp_insn_reader *r, size_t n, const uint8_t **out, wp_error **err)
{
	if ((size_t)(r->end - r->p) < n)
		return bad(r, r->p, err, "unexpected end");
	*out = r->p;
	r->p += n;
	return 0;
}

static int blocktype(wp_insn_reader *r, wp_insn *in, wp_error **err)
{
	const uint8_t *at = r->p;
	int64_t v;
	int n;

	if (r->p >= r->end)
		return bad(r, at, err, "unexpected end");
	if (*r->p == 0x40) {
		r->p++;
		in->block = WP_BLOCK_EMPTY;
		return 0;
	}
	/* a value type starts with a byte whose s33 reading is negative */
	if ((*r->p & 0xc0) == 0x40) {
		in->block = WP_BLOCK_VALUE;
		return wp_read_valtype(&r->p, r->end, r->m, &in->vt, err);
	}
	n = wp_leb_s(r->p, r->end, 33, &v);
	if (n < 0)
		return bad(r, at, err, "%s", wp_leb_reason(n));
	if (v < 0 || v > UINT32_MAX)
		return bad(r, at, err, "malformed block type");
	r->p += n;
	in->block = WP_BLOCK_TYPE;
	in->a = (uint32_t)v;
	return 0;
}

static int memarg(wp_insn_reader *r, wp_insn *in, wp_error **err)
{
	const uint8_t *at = r->p;
	uint32_t flags;
	int n, rc = u32(r, &flags, err);

	if (rc < 0)
		return rc;
	in->a = 0;
	/* bit 6 says a memory index follows (multi-memory) */
	if (flags & 0x40) {
		flags &= ~0x40u;
		if ((rc = u32(r, &in->a, err)) < 0)
			return rc;
	}
	if (flags >= 64)
		return bad(r, at, err, "malformed memop flags");
	in->align = flags;
	/* most offsets fit in one byte */
	if (r->p < r->end && !(*r->p & 0x80)) {
		in->value = *r->p++;
		return 0;
	}
	n = wp_leb_u(r->p, r->end, 64, &in->value);
	if (n < 0)
		return bad(r, r->p, err, "%s", wp_leb_reason(n));
	r->p += n;
	return 0;
}

static int catches(wp_insn_reader *r, wp_insn *in, wp_error **err)
{
	const uint8_t *start;
	int rc = u32(r, &in->n, err);

	if (rc < 0)
		return rc;
	start = r->p;
	for (uint32_t i = 0; i < in->n; i++) {
		wp_catch c;
		const uint8_t *at = r->p;

		rc = wp_insn_next_catch(&r->p, r->end, &c);
		if (rc == -2)
			return bad(r, at, err, "malformed catch clause");
		if (rc < 0)
			return bad(r, at, err, "unexpected end");
	}
	in->imm = start;
	return 0;
}

static int immediates(wp_insn_reader *r, wp_insn *in, wp_error **err)
{
	const uint8_t *at = r->p, *raw = NULL;
	int64_t sv;
	uint8_t zero = 0;
	int n, rc = 0;

	switch (in->info->imm) {
	case WP_IMM_NONE:
		return 0;
	case WP_IMM_BLOCK:
		return blocktype(r, in, err);
	case WP_IMM_TRY_TABLE:
		rc = blocktype(r, in, err);
		return rc < 0 ? rc : catches(r, in, err);
	case WP_IMM_LABEL:
	case WP_IMM_FUNC:
	case WP_IMM_TYPE:
	case WP_IMM_LOCAL:
	case WP_IMM_GLOBAL:
	case WP_IMM_TABLE:
	case WP_IMM_ELEM:
	case WP_IMM_DATA:
	case WP_IMM_TAG:
		return u32(r, &in->a, err);
	case WP_IMM_MEM:
		/* a memory index (formerly a reserved zero byte) */
		return u32(r, &in->a, err);
	case WP_IMM_CALL_INDIRECT:
	case WP_IMM_TABLE_TABLE:
	case WP_IMM_ELEM_TABLE:
	case WP_IMM_MEM_MEM:
	case WP_IMM_DATA_MEM:
		rc = u32(r, &in->a, err);
		return rc < 0 ? rc : u32(r, &in->b, err);
	case WP_IMM_BR_TABLE:
		if ((rc = u32(r, &in->n, err)) < 0)
			return rc;
		if (in->n > (size_t)(r->end - r->p))
			return bad(r, at, err, "unexpected end: br_table of %" PRIu32 " labels",
				   in->n);
		in->imm = r->p;
		for (uint32_t i = 0; i <= in->n; i++) {
			uint32_t ignored;

			if ((rc = u32(r, &ignored, err)) < 0)
				return rc;
		}
		return 0;
	case WP_IMM_MEMARG:
		return memarg(r, in, err);
	case WP_IMM_MEMARG_LANE:
		rc = memarg(r, in, err);
		return rc < 0 ? rc : byte(r, &in->lane, err);
	case WP_IMM_I32:
		n = wp_leb_s(r->p, r->end, 32, &sv);
		if (n < 0)
			return bad(r, at, err, "%s", wp_leb_reason(n));
		r->p += n;
		in->value = (uint64_t)sv;
		return 0;
	case WP_IMM_I64:
		n = wp_leb_s(r->p, r->end, 64, &sv);
		if (n < 0)
			return bad(r, at, err, "%s", wp_leb_reason(n));
		r->p += n;
		in->value = (uint64_t)sv;
		return 0;
	case WP_IMM_F32:
		if ((rc = fixed(r, 4, &raw, err)) < 0)
			return rc;
		in->value = (uint64_t)raw[0] | (uint64_t)raw[1] << 8 | (uint64_t)raw[2] << 16 |
			    (uint64_t)raw[3] << 24;
		return 0;
	case WP_IMM_F64:
		if ((rc = fixed(r, 8, &raw, err)) < 0)
			return rc;
		in->value = 0;
		for (int i = 7; i >= 0; i--)
			in->value = in->value << 8 | raw[i];
		return 0;
	case WP_IMM_V128:
	case WP_IMM_SHUFFLE:
		return fixed(r, 16, &in->imm, err);
	case WP_IMM_LANE:
		return byte(r, &in->lane, err);
	case WP_IMM_HEAPTYPE: {
		/* ref.null ht: read as the nullable reference type (ref null ht) */
		uint8_t buf[12];
		size_t len = (size_t)(r->end - r->p) < 10 ? (size_t)(r->end - r->p) : 10;
		const uint8_t *q = buf;

		buf[0] = 0x63;
		memcpy(buf + 1, r->p, len);
		if ((rc = wp_read_valtype(&q, buf + 1 + len, r->m, &in->vt, NULL)) < 0)
			return bad(r, at, err, "malformed heap type");
		r->p += q - buf - 1;
		return 0;
	}
	case WP_IMM_SELECT_T:
		if ((rc = u32(r, &in->n, err)) < 0)
			return rc;
		if (in->n > (size_t)(r->end - r->p))
			return bad(r, at, err, "unexpected end");
		for (uint32_t i = 0; i < in->n; i++)
			if ((rc = wp_read_valtype(&r->p, r->end, r->m, &in->vt, err)) < 0)
				return rc;
		return 0;
	case WP_IMM_ZERO:
		if ((rc = byte(r, &zero, err)) < 0)
			return rc;
		if (zero != 0)
			return bad(r, at, err, "malformed atomic.fence: zero byte expected");
		return 0;
	default:
		return bad(r, at, err, "unsupported immediate");
	}
}

int wp_insn_next(wp_insn_reader *r, wp_insn *out, wp_error **err)
{
	const uint8_t *at = r->p;
	uint8_t prefix = 0;
	uint32_t code;
	int rc;

	/* no memset: every immediate kind sets the fields it uses */
	if (r->p >= r->end)
		return bad(r, at, err, "unexpected end of function body (missing end)");
	code = *r->p++;
	out->offset = (uint32_t)(at - r->m->bytes);
	if (!wp_opcode_is_prefix((uint8_t)code)) {
		out->info = wp_opcode_plain[code];
		if (out->info && out->info->imm == WP_IMM_NONE) {
			out->end = r->p;
			return 0;
		}
		/* the common cases, inline: a one-byte index or constant */
		if (out->info && r->p < r->end && !(*r->p & 0x80)) {
			switch (out->info->imm) {
			case WP_IMM_LOCAL:
			case WP_IMM_GLOBAL:
			case WP_IMM_FUNC:
			case WP_IMM_LABEL:
				out->a = *r->p++;
				out->end = r->p;
				return 0;
			case WP_IMM_I32:
			case WP_IMM_I64:
				/* bit 6 is the sign */
				out->value = (uint64_t)(int64_t)((int8_t)(*r->p++ << 1) >> 1);
				out->end = r->p;
				return 0;
			default:
				break;
			}
		}
	} else {
		prefix = (uint8_t)code;
		if ((rc = u32(r, &code, err)) < 0)
			return rc;
		out->info = wp_opcode_lookup(prefix, code);
	}
	if (!out->info) {
		if (prefix)
			return bad(r, at, err, "illegal opcode 0x%02x 0x%" PRIx32, prefix, code);
		return bad(r, at, err, "illegal opcode 0x%02" PRIx32, code);
	}
	if ((rc = immediates(r, out, err)) < 0)
		return rc;
	out->end = r->p;
	return 0;
}

uint32_t wp_insn_br_label(const wp_insn *in, uint32_t i)
{
	const uint8_t *p = in->imm;
	uint64_t v = 0;

	/* the decoder checked every label, so these reads cannot fail */
	for (uint32_t k = 0; k <= i; k++)
		p += wp_leb_u(p, in->end, 32, &v);
	return (uint32_t)v;
}

uint32_t wp_insn_br_next(const wp_insn *in, const uint8_t **p)
{
	uint64_t v = 0;

	*p += wp_leb_u(*p, in->end, 32, &v);
	return (uint32_t)v;
}

int wp_insn_next_catch(const uint8_t **p, const uint8_t *end, wp_catch *out)
{
	uint64_t v;
	int n;

	if (*p >= end)
		return -1;
	out->kind = *(*p)++;
	out->tag = 0;
	if (out->kind > 3)
		return -2;
	if (out->kind < 2) {
		if ((n = wp_leb_u(*p, end, 32, &v)) < 0)
			return -1;
		*p += n;
		out->tag = (uint32_t)v;
	}
	if ((n = wp_leb_u(*p, end, 32, &v)) < 0)
		return -1;
	*p += n;
	out->label = (uint32_t)v;
	return 0;
}
