/* wasmopt/validate: the validation rules, on hand-assembled binaries. Each
 * function-body case is checked against wabt's validator too, unless wabt
 * 1.0.32 lacks the feature or disagrees with the specification (said at
 * the case). */
#include <criterion/criterion.h>

#include "helpers.h"
#include "../../lib/common.h"

/* A function body checked inside a fixed module:
 *   types  0 () -> ()         1 () -> i32        2 (i32) -> i32
 *          3 (i32 i32) -> i32 4 () -> (i32 i32)  5 (i32) -> ()
 *          6 () -> i64        7 () -> funcref    8 () -> v128
 *   funcs  0 the case's body, of the case's type; 1 type 0 (exported as
 *          "f1", so declared for ref.func); 2 type 1; 3 type 2
 *   table  0 funcref, min 1       memories 0 i32, 1 i64 (memory64)
 *   tag    0 (i32)                globals  0 i32 const, 1 i32 var, 2 i64 var
 *   elem   0 passive [f1]         data     0 passive "x", with a data count */
struct vcase {
	const char *name;
	uint32_t type;
	const char *needle; /* NULL: valid */
	int at;		    /* the body byte the error names; -1: not checked */
	bool no_wabt;	    /* wabt 1.0.32 cannot judge it */
	bool no_data_count;
	uint8_t body[48];
	size_t len;
};

#define OK(name, type, ...)                                                                      \
	{                                                                                        \
		name, type, NULL, -1, false, false, {__VA_ARGS__}, sizeof(TW_BYTES(__VA_ARGS__)) \
	}
#define BAD(name, type, needle, at, ...)                                                           \
	{                                                                                          \
		name, type, needle, at, false, false, {__VA_ARGS__}, sizeof(TW_BYTES(__VA_ARGS__)) \
	}
/* the same, without asking wabt */
#define OK_NW(name, type, ...)                                                                  \
	{                                                                                       \
		name, type, NULL, -1, true, false, {__VA_ARGS__}, sizeof(TW_BYTES(__VA_ARGS__)) \
	}
#define BAD_NW(name, type, needle, at, ...)                                                       \
	{                                                                                         \
		name, type, needle, at, true, false, {__VA_ARGS__}, sizeof(TW_BYTES(__VA_ARGS__)) \
	}

static void build(wp_buf *b, const struct vcase *c)
{
	wp_buf code = WP_BUF_INIT(1 << 16);

	tw_begin(b);
	TW_SEC(b, 1, 0x09, 0x60, 0x00, 0x00, 0x60, 0x00, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x01, 0x7f,
	       0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x02, 0x7f, 0x7f, 0x60, 0x01, 0x7f,
	       0x00, 0x60, 0x00, 0x01, 0x7e, 0x60, 0x00, 0x01, 0x70, 0x60, 0x00, 0x01, 0x7b);
	TW_SEC(b, 3, 0x04, (uint8_t)c->type, 0x00, 0x01, 0x02);
	TW_SEC(b, 4, 0x01, 0x70, 0x00, 0x01);
	TW_SEC(b, 5, 0x02, 0x00, 0x01, 0x04, 0x01);
	TW_SEC(b, 13, 0x01, 0x00, 0x05);
	TW_SEC(b, 6, 0x03, 0x7f, 0x00, 0x41, 0x00, 0x0b, 0x7f, 0x01, 0x41, 0x00, 0x0b, 0x7e, 0x01,
	       0x42, 0x00, 0x0b);
	TW_SEC(b, 7, 0x01, 0x02, 'f', '1', 0x00, 0x01);
	TW_SEC(b, 9, 0x01, 0x01, 0x00, 0x01, 0x01);
	if (!c->no_data_count)
		TW_SEC(b, 12, 0x01);
	tw_uleb(&code, 4);
	tw_uleb(&code, c->len);
	tw_put(&code, c->body, c->len);
	tw_put(&code,
	       TW_BYTES(0x02, 0x00, 0x0b, 0x04, 0x00, 0x41, 0x00, 0x0b, 0x04, 0x00, 0x20, 0x00,
			0x0b),
	       13);
	tw_section(b, 10, code.data, code.len);
	TW_SEC(b, 11, 0x01, 0x01, 0x01, 'x');
	wp_buf_release(&code);
}

static void run_case(const struct vcase *c)
{
	wp_buf b;
	wp_module *m;
	wp_error *err = NULL;
	int r;

	build(&b, c);
	m = tw_read(b.data, b.len);
	r = wp_module_validate(m, &err);
	if (!c->needle) {
		cr_assert_eq(r, 0, "%s: %s", c->name, err ? err->message : "");
	} else {
		cr_assert_eq(r, WP_EINVALID, "%s: accepted", c->name);
		cr_assert(strstr(err->message, c->needle), "%s: \"%s\" lacks \"%s\"", c->name,
			  err->message, c->needle);
		if (c->at >= 0) {
			char want[64];

			snprintf(want, sizeof(want), "function 0, offset 0x%" PRIx32 ": ",
				 m->funcs[0].body.offset + (uint32_t)c->at);
			cr_assert(strstr(err->message, want), "%s: \"%s\" lacks \"%s\"", c->name,
				  err->message, want);
		}
		wp_error_free(err);
	}
	if (!c->no_wabt)
		cr_assert_eq(tw_wabt_accepts(b.data, b.len), c->needle == NULL,
			     "%s: wabt disagrees", c->name);
	wp_module_free(m);
	wp_buf_release(&b);
}

static void run_cases(const struct vcase *cases, size_t n)
{
	for (size_t i = 0; i < n; i++)
		run_case(&cases[i]);
}

#define RUN(cases) run_cases(cases, WP_ARRAY_SIZE(cases))

Test(validate, numeric_instructions)
{
	static const struct vcase cases[] = {
		OK("i32.add", 0, 0x00, 0x41, 0x01, 0x41, 0x02, 0x6a, 0x1a, 0x0b),
		BAD("binary operand", 0, "type mismatch in i32.add: expected i32, found i64", 5,
		    0x00, 0x41, 0x01, 0x42, 0x02, 0x6a, 0x1a, 0x0b),
		BAD("unary operand", 0, "type mismatch in f32.neg: expected f32, found i32", 3,
		    0x00, 0x41, 0x00, 0x8c, 0x1a, 0x0b),
		/* wabt's table gives f32.sqrt two operands; one is right */
		OK("unary with one operand", 0, 0x00, 0x43, 0x00, 0x00, 0x80, 0x3f, 0x91, 0x1a,
		   0x0b),
		BAD("test operand", 0, "type mismatch in i64.eqz", 3, 0x00, 0x41, 0x00, 0x50, 0x1a,
		    0x0b),
		BAD("conversion operand", 0, "type mismatch in i32.wrap_i64", 3, 0x00, 0x41, 0x00,
		    0xa7, 0x1a, 0x0b),
		OK("comparison gives i32", 1, 0x00, 0x42, 0x00, 0x42, 0x00, 0x51, 0x0b),
		OK("sign extension", 1, 0x00, 0x41, 0x00, 0xc0, 0x0b),
		BAD("saturating truncation", 1, "type mismatch in i32.trunc_sat_f32_s", 3, 0x00,
		    0x41, 0x00, 0xfc, 0x00, 0x0b),
		BAD("stack underflow", 0, "type mismatch in i32.add: the stack is empty", 1, 0x00,
		    0x6a, 0x0b),
		BAD("values left", 0, "type mismatch in end: 1 values left on the stack", 3, 0x00,
		    0x41, 0x00, 0x0b),
		BAD("missing result", 1, "type mismatch in end: the stack is empty", 1, 0x00, 0x0b),
		BAD("wrong result", 1, "type mismatch in end: expected i32, found f64", 10, 0x00,
		    0x44, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b),
		OK("unreachable makes the stack polymorphic", 1, 0x00, 0x00, 0x6a, 0x0b),
		BAD("a polymorphic stack keeps known types", 0,
		    "type mismatch in i32.add: expected i32, found i64", 4, 0x00, 0x00, 0x42, 0x00,
		    0x6a, 0x1a, 0x0b),
		BAD("drop on an empty stack", 0, "type mismatch in drop", 1, 0x00, 0x1a, 0x0b),
	};

	RUN(cases);
}

Test(validate, memory_instructions)
{
	static const struct vcase cases[] = {
		OK("i32.load", 1, 0x00, 0x41, 0x00, 0x28, 0x02, 0x00, 0x0b),
		BAD("load address", 1, "type mismatch in i32.load: expected i32, found i64", 3,
		    0x00, 0x42, 0x00, 0x28, 0x02, 0x00, 0x0b),
		BAD("store value", 0, "type mismatch in i32.store: expected i32, found f32", 8,
		    0x00, 0x41, 0x00, 0x43, 0x00, 0x00, 0x00, 0x00, 0x36, 0x02, 0x00, 0x0b),
		OK("memory64 load", 1, 0x00, 0x42, 0x00, 0x28, 0x42, 0x01, 0x00, 0x0b),
		BAD("memory64 address", 1, "type mismatch in i32.load: expected i64, found i32", 3,
		    0x00, 0x41, 0x00, 0x28, 0x42, 0x01, 0x00, 0x0b),
		BAD("alignment", 1, "alignment must not be larger than natural", 3, 0x00, 0x41,
		    0x00, 0x28, 0x03, 0x00, 0x0b),
		OK("smaller alignment", 1, 0x00, 0x41, 0x00, 0x28, 0x00, 0x00, 0x0b),
		OK("atomic load", 1, 0x00, 0x41, 0x00, 0xfe, 0x10, 0x02, 0x00, 0x0b),
		BAD("atomic alignment", 1, "alignment must be equal to natural", 3, 0x00, 0x41,
		    0x00, 0xfe, 0x10, 0x01, 0x00, 0x0b),
		BAD("offset beyond 4 GiB", 1, "offset out of range (i32.load: 4294967296)", 3, 0x00,
		    0x41, 0x00, 0x28, 0x02, 0x80, 0x80, 0x80, 0x80, 0x10, 0x0b),
		/* wabt 1.0.32 reads the offset by memory 0's type */
		OK_NW("memory64 offset beyond 4 GiB", 1, 0x00, 0x42, 0x00, 0x28, 0x42, 0x01, 0x80,
		      0x80, 0x80, 0x80, 0x10, 0x0b),
		BAD("unknown memory", 1, "unknown memory 5", 3, 0x00, 0x41, 0x00, 0x28, 0x42, 0x05,
		    0x00, 0x0b),
		OK("memory.size of memory64", 6, 0x00, 0x3f, 0x01, 0x0b),
		BAD("memory.grow of memory64", 6, "type mismatch in memory.grow", 3, 0x00, 0x41,
		    0x01, 0x40, 0x01, 0x0b),
		BAD("memory.size unknown", 1, "unknown memory 2", 1, 0x00, 0x3f, 0x02, 0x0b),
	};

	RUN(cases);
}

Test(validate, variables)
{
	static const struct vcase cases[] = {
		BAD("unknown local", 0, "unknown local 0", 1, 0x00, 0x20, 0x00, 0x1a, 0x0b),
		OK("params then locals", 2, 0x01, 0x01, 0x7e, 0x20, 0x00, 0x1a, 0x20, 0x01, 0x1a,
		   0x20, 0x00, 0x0b),
		BAD("local.set", 5, "type mismatch in local.set: expected i32, found i64", 5, 0x01,
		    0x01, 0x7e, 0x42, 0x00, 0x21, 0x00, 0x0b),
		BAD("local.tee gives the local's type", 6, "type mismatch in end", 7, 0x01, 0x01,
		    0x7f, 0x41, 0x00, 0x22, 0x00, 0x0b),
		BAD("unknown local past the declarations", 5, "unknown local 3", 3, 0x01, 0x02,
		    0x7e, 0x20, 0x03, 0x1a, 0x0b),
		BAD("too many locals", 0, "too many locals", 7, 0x02, 0xff, 0xff, 0xff, 0xff, 0x0f,
		    0x7f, 0x01, 0x7f, 0x0b),
		BAD("unknown global", 0, "unknown global 9", 1, 0x00, 0x23, 0x09, 0x1a, 0x0b),
		BAD("immutable global.set", 0, "global is immutable: global.set 0", 3, 0x00, 0x41,
		    0x00, 0x24, 0x00, 0x0b),
		BAD("global.set", 0, "type mismatch in global.set: expected i32, found i64", 3,
		    0x00, 0x42, 0x00, 0x24, 0x01, 0x0b),
		OK("globals", 0, 0x00, 0x23, 0x00, 0x24, 0x01, 0x42, 0x01, 0x24, 0x02, 0x0b),
	};

	RUN(cases);
}

Test(validate, control_instructions)
{
	static const struct vcase cases[] = {
		BAD("block result", 0, "type mismatch in end: expected i32, found i64", 5, 0x00,
		    0x02, 0x7f, 0x42, 0x00, 0x0b, 0x1a, 0x0b),
		OK("block with a parameter", 1, 0x00, 0x41, 0x01, 0x02, 0x02, 0x0b, 0x0b),
		OK("multiple results", 4, 0x00, 0x41, 0x01, 0x41, 0x02, 0x0b),
		BAD("unknown block type", 0, "unknown type 32", 1, 0x00, 0x02, 0x20, 0x0b, 0x0b),
		OK("branch to a loop takes its parameters", 1, 0x00, 0x41, 0x00, 0x03, 0x02, 0x0c,
		   0x00, 0x0b, 0x0b),
		BAD("unknown label", 0, "unknown label 1", 1, 0x00, 0x0c, 0x01, 0x0b),
		BAD("br value", 1, "type mismatch in br: expected i32, found i64", 5, 0x00, 0x02,
		    0x7f, 0x42, 0x00, 0x0c, 0x00, 0x0b, 0x0b),
		OK("br_if", 0, 0x00, 0x02, 0x40, 0x41, 0x00, 0x0d, 0x00, 0x0b, 0x0b),
		BAD("br_if condition", 0, "type mismatch in br_if: expected i32, found i64", 5,
		    0x00, 0x02, 0x40, 0x42, 0x00, 0x0d, 0x00, 0x0b, 0x0b),
		OK("br_table", 1, 0x00, 0x02, 0x7f, 0x02, 0x7f, 0x41, 0x05, 0x41, 0x00, 0x0e, 0x01,
		   0x00, 0x01, 0x0b, 0x0b, 0x0b),
		BAD("br_table arity", 1, "type mismatch in br_table: labels of arity 0 and 1", 9,
		    0x00, 0x02, 0x7f, 0x02, 0x40, 0x41, 0x05, 0x41, 0x00, 0x0e, 0x01, 0x00, 0x01,
		    0x0b, 0x0b, 0x0b),
		BAD("br_table value", 1, "type mismatch in br_table: expected i32, found i64", 9,
		    0x00, 0x02, 0x7f, 0x02, 0x7f, 0x42, 0x05, 0x41, 0x00, 0x0e, 0x01, 0x00, 0x01,
		    0x0b, 0x0b, 0x0b),
		BAD("br_table unknown label", 0, "unknown label 5", 3, 0x00, 0x41, 0x00, 0x0e, 0x00,
		    0x05, 0x0b),
		BAD("if without else", 1, "if without else must give what it takes", 7, 0x00, 0x41,
		    0x01, 0x04, 0x7f, 0x41, 0x01, 0x0b, 0x0b),
		OK("if without else giving what it takes", 1, 0x00, 0x41, 0x05, 0x41, 0x01, 0x04,
		   0x02, 0x0b, 0x0b),
		OK("if and else", 1, 0x00, 0x41, 0x01, 0x04, 0x7f, 0x41, 0x01, 0x05, 0x41, 0x02,
		   0x0b, 0x0b),
		BAD("else arm", 1, "type mismatch in end: expected i32, found i64", 10, 0x00, 0x41,
		    0x01, 0x04, 0x7f, 0x41, 0x01, 0x05, 0x42, 0x02, 0x0b, 0x0b),
		BAD("if condition", 0, "type mismatch in if: expected i32, found i64", 3, 0x00,
		    0x42, 0x01, 0x04, 0x40, 0x0b, 0x0b),
		BAD("else without if", 0, "else without a matching if", 3, 0x00, 0x02, 0x40, 0x05,
		    0x0b, 0x0b),
		/* wabt 1.0.32 accepts a body whose last end closes a block */
		BAD_NW("a missing end", 0, "unexpected end of function body (missing end)", -1,
		       0x00, 0x02, 0x40, 0x0b),
		BAD("bytes after the end", 0,
		    "section size mismatch: 1 bytes after the end of the function", 2, 0x00, 0x0b,
		    0x01),
		OK("return", 1, 0x00, 0x41, 0x00, 0x0f, 0x0b),
		BAD("return value", 1, "type mismatch in return: expected i32, found i64", 3, 0x00,
		    0x42, 0x00, 0x0f, 0x0b),
		OK("select", 1, 0x00, 0x41, 0x01, 0x41, 0x02, 0x41, 0x00, 0x1b, 0x0b),
		BAD("select operands", 1, "type mismatch in select", 7, 0x00, 0x41, 0x01, 0x42,
		    0x02, 0x41, 0x00, 0x1b, 0x0b),
		BAD("untyped select of references", 7, "references need select with a type", 7,
		    0x00, 0xd0, 0x70, 0xd0, 0x70, 0x41, 0x00, 0x1b, 0x0b),
		OK("typed select of references", 7, 0x00, 0xd0, 0x70, 0xd0, 0x70, 0x41, 0x00, 0x1c,
		   0x01, 0x70, 0x0b),
		BAD("select with two types", 1, "invalid result arity", 7, 0x00, 0x41, 0x01, 0x41,
		    0x02, 0x41, 0x00, 0x1c, 0x02, 0x7f, 0x7f, 0x0b),
	};

	RUN(cases);
}

Test(validate, calls)
{
	static const struct vcase cases[] = {
		OK("call", 1, 0x00, 0x41, 0x07, 0x10, 0x03, 0x0b),
		BAD("call argument", 1, "type mismatch in call: expected i32, found i64", 3, 0x00,
		    0x42, 0x07, 0x10, 0x03, 0x0b),
		BAD("unknown function", 0, "unknown function 9", 1, 0x00, 0x10, 0x09, 0x0b),
		OK("call_indirect", 1, 0x00, 0x41, 0x00, 0x11, 0x01, 0x00, 0x0b),
		BAD("call_indirect unknown type", 0, "unknown type 99", 3, 0x00, 0x41, 0x00, 0x11,
		    0xe3, 0x00, 0x00, 0x0b),
		BAD("call_indirect unknown table", 0, "unknown table 5", 3, 0x00, 0x41, 0x00, 0x11,
		    0x00, 0x05, 0x0b),
		BAD("call_indirect index", 0, "type mismatch in call_indirect", 3, 0x00, 0x42, 0x00,
		    0x11, 0x00, 0x00, 0x0b),
		OK("return_call", 1, 0x00, 0x12, 0x02, 0x0b),
		BAD("tail call result count", 1,
		    "type mismatch in return_call: the callee returns 0 values, the caller 1", 1,
		    0x00, 0x12, 0x01, 0x0b),
		BAD("tail call result type", 6,
		    "type mismatch in return_call: expected i64, found i32", 1, 0x00, 0x12, 0x02,
		    0x0b),
		BAD("return_call_indirect result", 1,
		    "type mismatch in return_call_indirect: the callee returns 0 values", 3, 0x00,
		    0x41, 0x00, 0x13, 0x00, 0x00, 0x0b),
		OK("return_call_indirect", 1, 0x00, 0x41, 0x00, 0x13, 0x01, 0x00, 0x0b),
	};

	RUN(cases);
}

Test(validate, references_and_tables)
{
	static const struct vcase cases[] = {
		OK("ref.func of a declared function", 0, 0x00, 0xd2, 0x01, 0x1a, 0x0b),
		BAD("ref.func undeclared", 0, "undeclared function reference 2", 1, 0x00, 0xd2,
		    0x02, 0x1a, 0x0b),
		BAD("ref.func unknown", 0, "unknown function 9", 1, 0x00, 0xd2, 0x09, 0x1a, 0x0b),
		BAD("ref.is_null of a number", 1, "type mismatch in ref.is_null", 3, 0x00, 0x41,
		    0x00, 0xd1, 0x0b),
		OK("ref.is_null", 1, 0x00, 0xd0, 0x6f, 0xd1, 0x0b),
		OK("table.get", 7, 0x00, 0x41, 0x00, 0x25, 0x00, 0x0b),
		BAD("table.set element", 0,
		    "type mismatch in table.set: expected funcref, found "
		    "externref",
		    5, 0x00, 0x41, 0x00, 0xd0, 0x6f, 0x26, 0x00, 0x0b),
		BAD("unknown table", 7, "unknown table 3", 3, 0x00, 0x41, 0x00, 0x25, 0x03, 0x0b),
		OK("table.grow", 1, 0x00, 0xd0, 0x70, 0x41, 0x01, 0xfc, 0x0f, 0x00, 0x0b),
		BAD("table.grow value", 1, "type mismatch in table.grow", 5, 0x00, 0xd0, 0x6f, 0x41,
		    0x01, 0xfc, 0x0f, 0x00, 0x0b),
		OK("table.size", 1, 0x00, 0xfc, 0x10, 0x00, 0x0b),
		OK("table.fill", 0, 0x00, 0x41, 0x00, 0xd0, 0x70, 0x41, 0x01, 0xfc, 0x11, 0x00,
		   0x0b),
		/* a typed reference to a type that does not exist */
		BAD_NW("ref.null of an unknown type", 0, "unknown type 32", 1, 0x00, 0xd0, 0x20,
		       0x1a, 0x0b),
	};

	RUN(cases);
}

Test(validate, bulk_memory)
{
	static const struct vcase cases[] = {
		OK("memory.init", 0, 0x00, 0x41, 0x00, 0x41, 0x00, 0x41, 0x01, 0xfc, 0x08, 0x00,
		   0x00, 0x0b),
		{"memory.init needs a data count section",
		 0,
		 "data count section required",
		 7,
		 false,
		 true,
		 {0x00, 0x41, 0x00, 0x41, 0x00, 0x41, 0x01, 0xfc, 0x08, 0x00, 0x00, 0x0b},
		 12},
		{"data.drop needs a data count section",
		 0,
		 "data count section required",
		 1,
		 false,
		 true,
		 {0x00, 0xfc, 0x09, 0x00, 0x0b},
		 5},
		BAD("data.drop unknown segment", 0, "unknown data segment 5", 1, 0x00, 0xfc, 0x09,
		    0x05, 0x0b),
		BAD("memory.init unknown memory", 0, "unknown memory 7", 7, 0x00, 0x41, 0x00, 0x41,
		    0x00, 0x41, 0x01, 0xfc, 0x08, 0x00, 0x07, 0x0b),
		BAD("memory.fill length", 0,
		    "type mismatch in memory.fill: expected i32, found i64", 7, 0x00, 0x41, 0x00,
		    0x41, 0x00, 0x42, 0x01, 0xfc, 0x0b, 0x00, 0x0b),
		OK("memory.copy", 0, 0x00, 0x41, 0x00, 0x41, 0x00, 0x41, 0x01, 0xfc, 0x0a, 0x00,
		   0x00, 0x0b),
		/* memory64 and multi-memory: the length takes the narrower type */
		OK_NW("memory.copy from i32 to i64 memory", 0, 0x00, 0x42, 0x00, 0x41, 0x00, 0x41,
		      0x01, 0xfc, 0x0a, 0x01, 0x00, 0x0b),
		OK("table.init", 0, 0x00, 0x41, 0x00, 0x41, 0x00, 0x41, 0x01, 0xfc, 0x0c, 0x00,
		   0x00, 0x0b),
		BAD("table.init unknown segment", 0, "unknown elem segment 4", 7, 0x00, 0x41, 0x00,
		    0x41, 0x00, 0x41, 0x01, 0xfc, 0x0c, 0x04, 0x00, 0x0b),
		BAD("elem.drop unknown segment", 0, "unknown elem segment 2", 1, 0x00, 0xfc, 0x0d,
		    0x02, 0x0b),
		OK("elem.drop", 0, 0x00, 0xfc, 0x0d, 0x00, 0x0b),
	};

	RUN(cases);
}

Test(validate, simd)
{
	static const struct vcase cases[] = {
		OK("splat and extract", 1, 0x00, 0x41, 0x00, 0xfd, 0x0f, 0xfd, 0x15, 0x0f, 0x0b),
		BAD("extract lane index", 1, "invalid lane index 16 for i8x16.extract_lane_s", 5,
		    0x00, 0x41, 0x00, 0xfd, 0x0f, 0xfd, 0x15, 0x10, 0x0b),
		BAD("i64x2 lane index", 6, "invalid lane index 2", 5, 0x00, 0x42, 0x00, 0xfd, 0x12,
		    0xfd, 0x1d, 0x02, 0x0b),
		BAD("shuffle lane index", 8, "invalid lane index 32 in shuffle", 9, 0x00, 0x41,
		    0x00, 0xfd, 0x0f, 0x41, 0x00, 0xfd, 0x0f, 0xfd, 0x0d, 0, 1, 2, 3, 4, 5, 6, 7, 8,
		    9, 10, 11, 12, 13, 14, 32, 0x0b),
		OK("shuffle", 8, 0x00, 0x41, 0x00, 0xfd, 0x0f, 0x41, 0x00, 0xfd, 0x0f, 0xfd, 0x0d,
		   0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 31, 0x0b),
		BAD("load lane index", 8, "invalid lane index 16", 7, 0x00, 0x41, 0x00, 0x41, 0x00,
		    0xfd, 0x0f, 0xfd, 0x54, 0x00, 0x00, 0x10, 0x0b),
		OK("load lane", 8, 0x00, 0x41, 0x00, 0x41, 0x00, 0xfd, 0x0f, 0xfd, 0x54, 0x00, 0x00,
		   0x0f, 0x0b),
		BAD("vector operand", 8, "type mismatch in i8x16.add: expected v128, found i32", 5,
		    0x00, 0x41, 0x00, 0x41, 0x00, 0xfd, 0x6e, 0x0b),
	};

	RUN(cases);
}

Test(validate, exception_handling)
{
	static const struct vcase cases[] = {
		OK("try and catch", 1, 0x00, 0x06, 0x7f, 0x41, 0x01, 0x07, 0x00, 0x0b, 0x0b),
		OK("rethrow in a catch", 0, 0x00, 0x06, 0x40, 0x07, 0x00, 0x1a, 0x09, 0x00, 0x0b,
		   0x0b),
		OK("rethrow from a block in catch_all", 0, 0x00, 0x06, 0x40, 0x19, 0x02, 0x40, 0x09,
		   0x01, 0x0b, 0x0b, 0x0b),
		BAD("rethrow label of a try", 0, "invalid rethrow label 0", 3, 0x00, 0x06, 0x40,
		    0x09, 0x00, 0x0b, 0x0b),
		BAD("rethrow label of a block in catch", 0, "invalid rethrow label 0", 6, 0x00,
		    0x06, 0x40, 0x19, 0x02, 0x40, 0x09, 0x00, 0x0b, 0x0b, 0x0b),
		BAD("throw argument", 0, "type mismatch in throw: expected i32, found i64", 3, 0x00,
		    0x42, 0x00, 0x08, 0x00, 0x0b),
		BAD("unknown tag", 0, "unknown tag 3", 3, 0x00, 0x41, 0x00, 0x08, 0x03, 0x0b),
		BAD("catch without try", 0, "catch without a matching try", 3, 0x00, 0x02, 0x40,
		    0x07, 0x00, 0x0b, 0x0b),
		/* wabt 1.0.32 lets a catch follow catch_all */
		BAD_NW("catch after catch_all", 0, "catch without a matching try", 4, 0x00, 0x06,
		       0x40, 0x19, 0x07, 0x00, 0x1a, 0x0b, 0x0b),
		BAD("catch arm result", 1, "type mismatch in end: expected i32, found i64", 10,
		    0x00, 0x06, 0x7f, 0x41, 0x01, 0x07, 0x00, 0x1a, 0x42, 0x00, 0x0b, 0x0b),
		OK("delegate", 1, 0x00, 0x06, 0x7f, 0x06, 0x7f, 0x41, 0x01, 0x18, 0x00, 0x07, 0x00,
		   0x0b, 0x0b),
		BAD("delegate label", 0, "unknown label 1", 3, 0x00, 0x06, 0x40, 0x18, 0x01, 0x0b),
		BAD("delegate without try", 0, "delegate without a matching try", 3, 0x00, 0x02,
		    0x40, 0x18, 0x00, 0x0b),
		/* the exnref form, newer than wabt 1.0.32 */
		OK_NW("try_table", 1, 0x00, 0x02, 0x7f, 0x1f, 0x40, 0x01, 0x00, 0x00, 0x00, 0x41,
		      0x00, 0x08, 0x00, 0x0b, 0x41, 0x01, 0x0b, 0x0b),
		BAD_NW("catch clause arity", 1,
		       "type mismatch in catch clause: label arity 1, catch gives 0", 3, 0x00, 0x02,
		       0x7f, 0x1f, 0x40, 0x01, 0x02, 0x00, 0x0b, 0x41, 0x01, 0x0b, 0x0b),
		BAD_NW("catch clause type", 6,
		       "type mismatch in try_table: expected i64, found i32", 3, 0x00, 0x02, 0x7e,
		       0x1f, 0x40, 0x01, 0x00, 0x00, 0x00, 0x0b, 0x42, 0x01, 0x0b, 0x0b),
		OK_NW("catch_ref gives an exnref", 0, 0x00, 0x02, 0x69, 0x1f, 0x40, 0x01, 0x03,
		      0x00, 0x0b, 0x00, 0x0b, 0x0a, 0x0b),
		BAD_NW("throw_ref of a number", 0, "type mismatch in throw_ref", 3, 0x00, 0x41,
		       0x00, 0x0a, 0x0b),
	};

	RUN(cases);
}

Test(validate, typed_function_references)
{
	/* newer than wabt 1.0.32 */
	static const struct vcase cases[] = {
		OK_NW("call_ref", 0, 0x00, 0xd2, 0x01, 0x14, 0x00, 0x0b),
		BAD_NW("call_ref of another type", 0, "type mismatch in call_ref", 3, 0x00, 0xd2,
		       0x01, 0x14, 0x01, 0x0b),
		OK_NW("ref.as_non_null", 0, 0x00, 0xd0, 0x70, 0xd4, 0x1a, 0x0b),
		BAD_NW("ref.as_non_null of a number", 0, "type mismatch in ref.as_non_null", 3,
		       0x00, 0x41, 0x00, 0xd4, 0x1a, 0x0b),
		OK_NW("br_on_null", 0, 0x00, 0x02, 0x40, 0xd0, 0x70, 0xd5, 0x00, 0x1a, 0x0b, 0x0b),
		OK_NW("a non-nullable local set before use", 0, 0x01, 0x01, 0x64, 0x00, 0xd2, 0x01,
		      0x21, 0x00, 0x20, 0x00, 0x1a, 0x0b),
		BAD_NW("a non-nullable local read before set", 0, "uninitialized local 0", 4, 0x01,
		       0x01, 0x64, 0x00, 0x20, 0x00, 0x1a, 0x0b),
		BAD_NW("what a block sets is forgotten at its end", 0, "uninitialized local 0", 11,
		       0x01, 0x01, 0x64, 0x00, 0x02, 0x40, 0xd2, 0x01, 0x21, 0x00, 0x0b, 0x20, 0x00,
		       0x1a, 0x0b),
	};

	RUN(cases);
}

/* ---- module-level rules ---- */

#define TYPE_VOID 0x01, 0x60, 0x00, 0x00 /* one type: () -> () */

/* Both validators must refuse b (released); ours with needle. */
static void both_refuse(wp_buf *b, const char *needle)
{
	tw_invalid(b->data, b->len, needle);
	cr_assert_not(tw_wabt_accepts(b->data, b->len), "wabt accepts what has \"%s\"", needle);
	wp_buf_release(b);
}

static void both_accept(wp_buf *b)
{
	tw_valid(b->data, b->len);
	cr_assert(tw_wabt_accepts(b->data, b->len), "wabt refuses it");
	wp_buf_release(b);
}

/* A module with one i32 global initialised by expr, preceded by an
 * imported immutable i32 global and a defined one (i32.const 1), an
 * imported mutable one, and followed by another. */
static void globals_module(wp_buf *b, const uint8_t *expr, size_t len)
{
	wp_buf sec = WP_BUF_INIT(1 << 16);

	tw_begin(b);
	TW_SEC(b, 2, 0x02, 0x01, 'm', 0x01, 'c', 0x03, 0x7f, 0x00, 0x01, 'm', 0x01, 'v', 0x03, 0x7f,
	       0x01);
	tw_put(&sec, TW_BYTES(0x03, 0x7f, 0x00, 0x41, 0x01, 0x0b, 0x7f, 0x00), 8);
	tw_put(&sec, expr, len);
	tw_put(&sec, TW_BYTES(0x7f, 0x00, 0x41, 0x02, 0x0b), 5);
	tw_section(b, 6, sec.data, sec.len);
	wp_buf_release(&sec);
}

#define GLOBAL_EXPR(b, ...) globals_module(b, TW_BYTES(__VA_ARGS__), sizeof(TW_BYTES(__VA_ARGS__)))

Test(validate, constant_expressions)
{
	wp_buf b;

	GLOBAL_EXPR(&b, 0x41, 0x07, 0x0b);
	both_accept(&b);
	/* global 0 is the imported immutable one */
	GLOBAL_EXPR(&b, 0x23, 0x00, 0x0b);
	both_accept(&b);
	/* extended constant expressions */
	GLOBAL_EXPR(&b, 0x23, 0x00, 0x41, 0x04, 0x6a, 0x41, 0x02, 0x6c, 0x0b);
	both_accept(&b);
	GLOBAL_EXPR(&b, 0x01, 0x0b);
	both_refuse(&b, "constant expression required: nop");
	GLOBAL_EXPR(&b, 0x41, 0x00, 0x41, 0x01, 0x6d, 0x0b);
	both_refuse(&b, "constant expression required: i32.div_s");
	GLOBAL_EXPR(&b, 0x42, 0x00, 0x0b);
	both_refuse(&b, "type mismatch in end: expected i32, found i64");
	GLOBAL_EXPR(&b, 0x0b);
	both_refuse(&b, "type mismatch in end: the stack is empty");
	GLOBAL_EXPR(&b, 0x41, 0x00, 0x41, 0x00, 0x0b);
	both_refuse(&b, "1 values left on the stack");
	/* global 1 is the imported mutable one */
	GLOBAL_EXPR(&b, 0x23, 0x01, 0x0b);
	both_refuse(&b, "constant expression required: global 1 is mutable");
	/* global 4 is defined after the one being initialised (global 3) */
	GLOBAL_EXPR(&b, 0x23, 0x04, 0x0b);
	both_refuse(&b, "unknown global 4 (not defined before)");
	GLOBAL_EXPR(&b, 0x23, 0x09, 0x0b);
	both_refuse(&b, "unknown global 9");
}

Test(validate, global_get_of_an_earlier_immutable_global)
{
	wp_buf b;

	/* global 2 is defined (i32.const 1) and immutable. The extended
	 * constant expressions (and GC) allow it; wabt 1.0.32 only allows
	 * imported globals, so it is not asked. */
	GLOBAL_EXPR(&b, 0x23, 0x02, 0x0b);
	tw_valid(b.data, b.len);
	wp_buf_release(&b);
	GLOBAL_EXPR(&b, 0x23, 0x02, 0x23, 0x00, 0x6a, 0x0b);
	tw_valid(b.data, b.len);
	wp_buf_release(&b);
}

Test(validate, ref_func_in_constant_expressions_declares)
{
	wp_buf b;

	/* a funcref global initialised with ref.func 0 declares function 0
	 * for the ref.func in its body */
	tw_begin(&b);
	TW_SEC(&b, 1, 0x01, 0x60, 0x00, 0x01, 0x70);
	TW_SEC(&b, 3, 0x01, 0x00);
	TW_SEC(&b, 6, 0x01, 0x70, 0x00, 0xd2, 0x00, 0x0b);
	TW_CODE1(&b, 0x00, 0xd2, 0x00, 0x0b);
	tw_valid(b.data, b.len);
	wp_buf_release(&b);

	/* without it, the reference is undeclared */
	tw_begin(&b);
	TW_SEC(&b, 1, 0x01, 0x60, 0x00, 0x01, 0x70);
	TW_SEC(&b, 3, 0x01, 0x00);
	TW_CODE1(&b, 0x00, 0xd2, 0x00, 0x0b);
	both_refuse(&b, "function 0, offset 0x18: undeclared function reference 0");

	/* a declarative element segment declares too */
	tw_begin(&b);
	TW_SEC(&b, 1, 0x01, 0x60, 0x00, 0x01, 0x70);
	TW_SEC(&b, 3, 0x01, 0x00);
	TW_SEC(&b, 9, 0x01, 0x03, 0x00, 0x01, 0x00);
	TW_CODE1(&b, 0x00, 0xd2, 0x00, 0x0b);
	tw_valid(b.data, b.len);
	wp_buf_release(&b);
}

Test(validate, indices_outside_code)
{
	wp_buf b;

	tw_begin(&b);
	TW_SEC(&b, 1, TYPE_VOID);
	TW_SEC(&b, 3, 0x01, 0x05);
	TW_CODE1(&b, 0x00, 0x0b);
	both_refuse(&b, "unknown type 5 of function 0");

	tw_begin(&b);
	TW_SEC(&b, 2, 0x01, 0x01, 'm', 0x01, 'f', 0x00, 0x00);
	both_refuse(&b, "unknown type 0 of function 0");

	tw_begin(&b);
	TW_SEC(&b, 7, 0x01, 0x01, 'f', 0x00, 0x00);
	both_refuse(&b, "offset 0xc: unknown function 0");

	tw_begin(&b);
	TW_SEC(&b, 7, 0x01, 0x01, 'g', 0x03, 0x02);
	both_refuse(&b, "unknown global 2");

	tw_begin(&b);
	TW_SEC(&b, 5, 0x01, 0x00, 0x01);
	TW_SEC(&b, 7, 0x02, 0x01, 'm', 0x02, 0x00, 0x01, 'm', 0x02, 0x00);
	both_refuse(&b, "duplicate export name \"m\"");

	tw_begin(&b);
	TW_SEC(&b, 8, 0x00);
	both_refuse(&b, "unknown function 0 (start)");

	tw_begin(&b);
	TW_SEC(&b, 1, 0x01, 0x60, 0x01, 0x7f, 0x00);
	TW_SEC(&b, 3, 0x01, 0x00);
	TW_SEC(&b, 8, 0x00);
	TW_CODE1(&b, 0x00, 0x0b);
	both_refuse(&b, "start function must take and return nothing");

	/* element segments: an unknown function, an unknown table */
	tw_begin(&b);
	TW_SEC(&b, 4, 0x01, 0x70, 0x00, 0x01);
	TW_SEC(&b, 9, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x01, 0x03);
	both_refuse(&b, "unknown function 3 in element segment 0");

	tw_begin(&b);
	TW_SEC(&b, 1, TYPE_VOID);
	TW_SEC(&b, 3, 0x01, 0x00);
	TW_SEC(&b, 9, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x01, 0x00);
	TW_CODE1(&b, 0x00, 0x0b);
	both_refuse(&b, "unknown table 0");

	/* an externref table cannot take functions */
	tw_begin(&b);
	TW_SEC(&b, 1, TYPE_VOID);
	TW_SEC(&b, 3, 0x01, 0x00);
	TW_SEC(&b, 4, 0x01, 0x6f, 0x00, 0x01);
	TW_SEC(&b, 9, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x01, 0x00);
	TW_CODE1(&b, 0x00, 0x0b);
	both_refuse(&b, "type mismatch: element segment 0 does not fit table 0");

	/* an element offset of the wrong type */
	tw_begin(&b);
	TW_SEC(&b, 1, TYPE_VOID);
	TW_SEC(&b, 3, 0x01, 0x00);
	TW_SEC(&b, 4, 0x01, 0x70, 0x00, 0x01);
	TW_SEC(&b, 9, 0x01, 0x00, 0x42, 0x00, 0x0b, 0x01, 0x00);
	TW_CODE1(&b, 0x00, 0x0b);
	both_refuse(&b, "type mismatch in end: expected i32, found i64");

	/* data: an unknown memory, an offset of the wrong type */
	tw_begin(&b);
	TW_SEC(&b, 11, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x00);
	both_refuse(&b, "offset 0xb: unknown memory 0");

	tw_begin(&b);
	TW_SEC(&b, 5, 0x01, 0x04, 0x01);
	TW_SEC(&b, 11, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x00);
	both_refuse(&b, "type mismatch in end: expected i64, found i32");

	/* a tag's type must have no results */
	tw_begin(&b);
	TW_SEC(&b, 1, 0x01, 0x60, 0x00, 0x01, 0x7f);
	TW_SEC(&b, 13, 0x01, 0x00, 0x00);
	both_refuse(&b, "non-empty tag result type");
}

Test(validate, limits)
{
	wp_buf b;

	tw_begin(&b);
	TW_SEC(&b, 5, 0x01, 0x01, 0x02, 0x01);
	both_refuse(&b, "size minimum must not be greater than maximum");

	tw_begin(&b);
	TW_SEC(&b, 5, 0x01, 0x00, 0x81, 0x80, 0x04);
	both_refuse(&b, "memory size must be at most 65536 (4GiB) pages");

	tw_begin(&b);
	TW_SEC(&b, 5, 0x01, 0x00, 0x80, 0x80, 0x04);
	both_accept(&b);

	tw_begin(&b);
	TW_SEC(&b, 5, 0x01, 0x02, 0x01);
	both_refuse(&b, "shared memory must have maximum");

	tw_begin(&b);
	TW_SEC(&b, 5, 0x01, 0x03, 0x01, 0x02);
	both_accept(&b);

	tw_begin(&b);
	TW_SEC(&b, 4, 0x01, 0x70, 0x01, 0x02, 0x01);
	both_refuse(&b, "size minimum must not be greater than maximum");

	/* memory64: up to 2^48 pages */
	tw_begin(&b);
	TW_SEC(&b, 5, 0x01, 0x04, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40);
	tw_valid(b.data, b.len);
	wp_buf_release(&b);
	tw_begin(&b);
	TW_SEC(&b, 5, 0x01, 0x04, 0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40);
	tw_invalid(b.data, b.len, "memory size must be at most 2^48 pages");
	wp_buf_release(&b);
}

Test(validate, data_count_required_only_for_bulk_instructions)
{
	wp_buf b;

	/* active data without a data count section is fine */
	tw_begin(&b);
	TW_SEC(&b, 5, 0x01, 0x00, 0x01);
	TW_SEC(&b, 11, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x01, 'a');
	both_accept(&b);
}

Test(validate, the_first_error_is_named_with_its_function)
{
	wp_buf b;
	wp_module *m;
	wp_error *err = NULL;
	int r;

	/* function 1 is fine, function 2 is not: the message names 2 */
	tw_begin(&b);
	TW_SEC(&b, 1, 0x01, 0x60, 0x00, 0x01, 0x7f);
	TW_SEC(&b, 2, 0x01, 0x01, 'm', 0x01, 'f', 0x00, 0x00);
	TW_SEC(&b, 3, 0x02, 0x00, 0x00);
	TW_SEC(&b, 10, 0x02, 0x04, 0x00, 0x41, 0x00, 0x0b, 0x04, 0x00, 0x42, 0x00, 0x0b);
	m = tw_read(b.data, b.len);
	r = wp_module_validate(m, &err);
	assert_error(r, err, WP_EINVALID,
		     "\"t.wasm\": function 2, offset 0x29: type mismatch in end: expected i32, "
		     "found i64");
	wp_module_free(m);
	wp_buf_release(&b);
}

Test(validate, validate_file)
{
	char *dir = test_mkdtemp();
	wp_buf b;
	char *good, *bad;
	wp_error *err = NULL;
	int r;

	tw_begin(&b);
	TW_SEC(&b, 1, TYPE_VOID);
	TW_SEC(&b, 3, 0x01, 0x00);
	TW_CODE1(&b, 0x00, 0x0b);
	good = test_write_file(dir, "good.wasm", b.data, b.len, 0644);
	b.len -= 1; /* cut the end off */
	bad = test_write_file(dir, "bad.wasm", b.data, b.len, 0644);
	r = wp_validate_file(good, &err);
	assert_ok(r, err);
	r = wp_validate_file(bad, &err);
	assert_error(r, err, WP_EINVALID, "bad.wasm\": offset 0x");
	free(good);
	free(bad);
	wp_buf_release(&b);
	test_rmtree(dir);
}

Test(validate, a_large_br_table_takes_linear_time, .timeout = 20)
{
	/* block; i32.const 0; br_table with 200000 labels; end: validating it
	 * (and writing it) once took time quadratic in the labels: 24 s */
	const uint32_t n = 200000;
	wp_buf b, body = WP_BUF_INIT(1 << 20), out;
	wp_opt_options o = {WP_OPT_SIZE, false, false, NULL, 0, NULL, false};
	wp_opt_stats st;

	tw_put(&body, TW_BYTES(0x00, 0x02, 0x40, 0x41, 0x00, 0x0e), 6);
	tw_uleb(&body, n);
	for (uint32_t i = 0; i <= n; i++)
		tw_byte(&body, (uint8_t)(i % 2));
	tw_put(&body, TW_BYTES(0x0b, 0x0b), 2);
	tw_begin(&b);
	TW_SEC(&b, 1, TYPE_VOID);
	TW_SEC(&b, 3, 0x01, 0x00);
	tw_code1(&b, body.data, body.len);
	tw_valid(b.data, b.len);
	tw_optimize(&b, &o, &out, &st);
	cr_assert_eq(out.len, b.len);
	cr_assert_eq(memcmp(out.data, b.data, b.len), 0);
	wp_buf_release(&out);
	wp_buf_release(&body);
	wp_buf_release(&b);
}

/* A module with one memory exported under every name of names. */
static void exports_module(wp_buf *b, const char *const *names, uint32_t n)
{
	wp_buf sec = WP_BUF_INIT(1 << 24);

	tw_begin(b);
	TW_SEC(b, 5, 0x01, 0x00, 0x01);
	tw_uleb(&sec, n);
	for (uint32_t i = 0; i < n; i++) {
		tw_uleb(&sec, strlen(names[i]));
		tw_put(&sec, names[i], strlen(names[i]));
		tw_put(&sec, TW_BYTES(0x02, 0x00), 2);
	}
	tw_section(b, 7, sec.data, sec.len);
	wp_buf_release(&sec);
}

Test(validate, duplicate_export_names)
{
	static const char *const names[] = {"b", "a", "ab", "", "a", "b", ""};
	static const char *const distinct[] = {"b", "a", "ab", "", "ba", "aa", "\xc3\xa9"};
	wp_buf b;

	/* the first export that repeats an earlier name is named: "a" (4) */
	exports_module(&b, names, 7);
	both_refuse(&b, "offset 0x21: duplicate export name \"a\"");
	exports_module(&b, names, 4);
	both_accept(&b);
	exports_module(&b, distinct, 7);
	both_accept(&b);
}

Test(validate, many_exports_take_little_time, .timeout = 20)
{
	/* 100000 distinct names: comparing every pair once took 12 s */
	const uint32_t n = 100000;
	char **names = calloc(n + 1, sizeof(char *));
	wp_buf b;

	cr_assert_not_null(names);
	for (uint32_t i = 0; i < n; i++) {
		char name[16];

		snprintf(name, sizeof(name), "e%" PRIu32, (i * 7919u) % n);
		names[i] = test_xstrdup(name);
	}
	exports_module(&b, (const char *const *)names, n);
	tw_valid(b.data, b.len);
	wp_buf_release(&b);
	/* and one repeat at the end is found */
	free(names[n - 1]);
	names[n - 1] = test_xstrdup("e5");
	exports_module(&b, (const char *const *)names, n);
	tw_invalid(b.data, b.len, "duplicate export name \"e5\"");
	wp_buf_release(&b);
	for (uint32_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* Types 0 and 1 as given, 2 = (func (param (ref 0))), 3 = (func (param
 * (ref 1))); function 0 of type 2 calls function 1 of type 3 with its
 * parameter and the other way round: valid when types 0 and 1 are
 * equivalent. */
static void cross_calls(wp_buf *b, const uint8_t *types01, size_t len)
{
	wp_buf sec = WP_BUF_INIT(1 << 16);

	tw_begin(b);
	tw_uleb(&sec, 4);
	tw_put(&sec, types01, len);
	tw_put(&sec, TW_BYTES(0x60, 0x01, 0x64, 0x00, 0x00, 0x60, 0x01, 0x64, 0x01, 0x00), 10);
	tw_section(b, 1, sec.data, sec.len);
	TW_SEC(b, 3, 0x02, 0x02, 0x03);
	TW_SEC(b, 10, 0x02, 0x06, 0x00, 0x20, 0x00, 0x10, 0x01, 0x0b, 0x06, 0x00, 0x20, 0x00, 0x10,
	       0x00, 0x0b);
	wp_buf_release(&sec);
}

#define CROSS_CALLS(b, ...) cross_calls(b, TW_BYTES(__VA_ARGS__), sizeof(TW_BYTES(__VA_ARGS__)))

Test(validate, type_equivalence)
{
	wp_buf b;

	/* the same definitions */
	CROSS_CALLS(&b, 0x60, 0x02, 0x7d, 0x7d, 0x01, 0x7d, 0x60, 0x02, 0x7d, 0x7d, 0x01, 0x7d);
	tw_valid(b.data, b.len);
	wp_buf_release(&b);
	CROSS_CALLS(&b, 0x60, 0x02, 0x7d, 0x7d, 0x01, 0x7d, 0x60, 0x02, 0x7d, 0x7c, 0x01, 0x7d);
	tw_invalid(
		b.data, b.len,
		"function 0, offset 0x2d: type mismatch in call: expected (ref 1), found (ref 0)");
	wp_buf_release(&b);
	/* recursive: (func (param i32 (ref $self))) twice; each type is a
	 * recursion group of its own, so they are equivalent (the spec's
	 * type-equivalence.wast) */
	CROSS_CALLS(&b, 0x60, 0x02, 0x7f, 0x64, 0x00, 0x00, 0x60, 0x02, 0x7f, 0x64, 0x01, 0x00);
	tw_valid(b.data, b.len);
	wp_buf_release(&b);
	CROSS_CALLS(&b, 0x60, 0x02, 0x7f, 0x64, 0x00, 0x00, 0x60, 0x02, 0x7e, 0x64, 0x01, 0x00);
	tw_invalid(b.data, b.len, "type mismatch in call");
	wp_buf_release(&b);
	/* nullability is part of the type */
	CROSS_CALLS(&b, 0x60, 0x01, 0x64, 0x70, 0x00, 0x60, 0x01, 0x63, 0x70, 0x00);
	tw_invalid(b.data, b.len, "type mismatch in call");
	wp_buf_release(&b);
}

Test(validate, type_equivalence_takes_linear_time, .timeout = 20)
{
	/* A0 = B0 = (func); Ai = (func (param (ref Ai-1) x3)), Bi likewise
	 * with Bi-1, for i up to 30. Comparing A30 and B30 definition by
	 * definition takes 3^30 steps; the module once took hours. */
	const uint32_t levels = 30;
	wp_buf b, sec = WP_BUF_INIT(1 << 16);
	uint32_t n = 2 * levels + 3;

	tw_begin(&b);
	tw_uleb(&sec, n);
	tw_put(&sec, TW_BYTES(0x60, 0x00, 0x00, 0x60, 0x00, 0x00), 6);
	for (uint32_t i = 1; i <= levels; i++)
		for (uint32_t k = 0; k < 2; k++) {
			tw_put(&sec, TW_BYTES(0x60, 0x03), 2);
			for (int p = 0; p < 3; p++) {
				tw_byte(&sec, 0x64);
				tw_sleb_w(&sec, 2 * (i - 1) + k, 1);
			}
			tw_byte(&sec, 0x00);
		}
	/* type n-1: (func (param (ref B30))) */
	tw_put(&sec, TW_BYTES(0x60, 0x01, 0x64), 3);
	tw_sleb_w(&sec, 2 * levels + 1, 1);
	tw_byte(&sec, 0x00);
	tw_section(&b, 1, sec.data, sec.len);
	wp_buf_reset(&sec);
	tw_put(&sec, TW_BYTES(0x01), 1);
	tw_uleb(&sec, n - 1);
	tw_section(&b, 3, sec.data, sec.len);
	wp_buf_reset(&sec);
	/* a local (ref null A30) set from the parameter (ref B30) */
	tw_put(&sec, TW_BYTES(0x01, 0x01, 0x63), 3);
	tw_sleb_w(&sec, 2 * levels, 1);
	tw_put(&sec, TW_BYTES(0x20, 0x00, 0x21, 0x01, 0x0b), 5);
	tw_code1(&b, sec.data, sec.len);
	tw_valid(b.data, b.len);
	wp_buf_release(&sec);
	wp_buf_release(&b);
}
