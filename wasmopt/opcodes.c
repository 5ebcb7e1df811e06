#include <pthread.h>

#include "opcodes.h"
#include "../lib/common.h"

#define NONE WP_OT_NONE
#define I32 WP_OT_I32
#define I64 WP_OT_I64
#define F32 WP_OT_F32
#define F64 WP_OT_F64
#define V128 WP_OT_V128
#define OP(prefix, code, text, r, a, b, c, m) {prefix, code, text, r, a, b, c, m, WP_IMM_NONE},

static wp_opinfo table[] = {
#include "wasm_opcodes.inc"
	/* newer than wabt 1.0.32: typed function references, exnref EH */
	OP(0, 0x15, "return_call_ref", NONE, NONE, NONE, NONE, 0) OP(0, 0xd4, "ref.as_non_null",
								     NONE, NONE, NONE, NONE, 0)
		OP(0, 0xd5, "br_on_null", NONE, NONE, NONE, NONE, 0)
			OP(0, 0xd6, "br_on_non_null", NONE, NONE, NONE, NONE, 0)
				OP(0, 0x1f, "try_table", NONE, NONE, NONE, NONE, 0)
					OP(0, 0x0a, "throw_ref", NONE, NONE, NONE, NONE, 0)};

#undef OP
#undef NONE
#undef I32
#undef I64
#undef F32
#undef F64
#undef V128

/* Direct lookup: no prefix, 0xfc, 0xfd (SIMD codes reach 0x1ff), 0xfe. */
const wp_opinfo *wp_opcode_plain[256];
#define plain wp_opcode_plain
static const wp_opinfo *misc[64];
static const wp_opinfo *simd[512];
static const wp_opinfo *atomic[128];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static bool is(const char *text, const char *name)
{
	return strcmp(text, name) == 0;
}

static bool any(const char *text, const char *const *names)
{
	for (; *names; names++)
		if (is(text, *names))
			return true;
	return false;
}

/* What follows each opcode in the binary, from its name and access size. */
static wp_imm classify(const wp_opinfo *o)
{
	static const char *const block[] = {"block", "loop", "if", "try", NULL};
	static const char *const label[] = {"br",	  "br_if",	    "rethrow", "delegate",
					    "br_on_null", "br_on_non_null", NULL};
	static const char *const func[] = {"call", "return_call", "ref.func", NULL};
	static const char *const local[] = {"local.get", "local.set", "local.tee", NULL};
	static const char *const global[] = {"global.get", "global.set", NULL};
	static const char *const tbl[] = {"table.get",	"table.set",  "table.grow",
					  "table.size", "table.fill", NULL};
	static const char *const mem[] = {"memory.size", "memory.grow", "memory.fill", NULL};
	const char *t = o->text;

	if (any(t, block))
		return WP_IMM_BLOCK;
	if (any(t, label))
		return WP_IMM_LABEL;
	if (is(t, "br_table"))
		return WP_IMM_BR_TABLE;
	if (any(t, func))
		return WP_IMM_FUNC;
	if (is(t, "call_indirect") || is(t, "return_call_indirect"))
		return WP_IMM_CALL_INDIRECT;
	if (is(t, "call_ref") || is(t, "return_call_ref"))
		return WP_IMM_TYPE;
	if (any(t, local))
		return WP_IMM_LOCAL;
	if (any(t, global))
		return WP_IMM_GLOBAL;
	if (any(t, tbl))
		return WP_IMM_TABLE;
	if (is(t, "table.copy"))
		return WP_IMM_TABLE_TABLE;
	if (is(t, "table.init"))
		return WP_IMM_ELEM_TABLE;
	if (is(t, "elem.drop"))
		return WP_IMM_ELEM;
	if (any(t, mem))
		return WP_IMM_MEM;
	if (is(t, "memory.copy"))
		return WP_IMM_MEM_MEM;
	if (is(t, "memory.init"))
		return WP_IMM_DATA_MEM;
	if (is(t, "data.drop"))
		return WP_IMM_DATA;
	if (is(t, "i32.const"))
		return WP_IMM_I32;
	if (is(t, "i64.const"))
		return WP_IMM_I64;
	if (is(t, "f32.const"))
		return WP_IMM_F32;
	if (is(t, "f64.const"))
		return WP_IMM_F64;
	if (is(t, "v128.const"))
		return WP_IMM_V128;
	if (is(t, "i8x16.shuffle"))
		return WP_IMM_SHUFFLE;
	if (strstr(t, "extract_lane") || strstr(t, "replace_lane"))
		return WP_IMM_LANE;
	if (o->memsize && strstr(t, "_lane"))
		return WP_IMM_MEMARG_LANE;
	if (o->memsize)
		return WP_IMM_MEMARG;
	if (is(t, "ref.null"))
		return WP_IMM_HEAPTYPE;
	if (is(t, "select") && o->code == 0x1c)
		return WP_IMM_SELECT_T;
	if (is(t, "throw") || is(t, "catch"))
		return WP_IMM_TAG;
	if (is(t, "try_table"))
		return WP_IMM_TRY_TABLE;
	if (is(t, "atomic.fence"))
		return WP_IMM_ZERO;
	return WP_IMM_NONE;
}

/* wabt 1.0.32's opcode.def gives the scalar float unary operators
 * (f32.abs ... f64.sqrt, 0x8b-0x91 and 0x99-0x9f) a second operand; wabt
 * does not type-check from these columns, so nothing there shows it. */
static void fix_operands(wp_opinfo *o)
{
	if (o->prefix == 0 &&
	    ((o->code >= 0x8b && o->code <= 0x91) || (o->code >= 0x99 && o->code <= 0x9f)))
		o->p2 = WP_OT_NONE;
}

static void build(void)
{
	for (size_t i = 0; i < WP_ARRAY_SIZE(table); i++) {
		wp_opinfo *o = &table[i];

		fix_operands(o);
		o->imm = classify(o);
		if (o->prefix == 0 && o->code < 256)
			plain[o->code] = o;
		else if (o->prefix == 0xfc && o->code < WP_ARRAY_SIZE(misc))
			misc[o->code] = o;
		else if (o->prefix == 0xfd && o->code < WP_ARRAY_SIZE(simd))
			simd[o->code] = o;
		else if (o->prefix == 0xfe && o->code < WP_ARRAY_SIZE(atomic))
			atomic[o->code] = o;
	}
}

void wp_opcodes_init(void)
{
	pthread_once(&once, build);
}

const wp_opinfo *wp_opcode_lookup(uint8_t prefix, uint32_t code)
{
	pthread_once(&once, build);
	switch (prefix) {
	case 0:
		return code < 256 ? plain[code] : NULL;
	case 0xfc:
		return code < WP_ARRAY_SIZE(misc) ? misc[code] : NULL;
	case 0xfd:
		return code < WP_ARRAY_SIZE(simd) ? simd[code] : NULL;
	case 0xfe:
		return code < WP_ARRAY_SIZE(atomic) ? atomic[code] : NULL;
	default:
		return NULL;
	}
}
