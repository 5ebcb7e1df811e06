/* wasmopt/insn: decoding one instruction and its immediates. */
#include <criterion/criterion.h>

#include "helpers.h"
#include "../../wasmopt/insn.h"
#include "../../wasmopt/leb.h"
#include "../../lib/common.h"

/* The bytes being decoded stand for a whole file: offsets count from them. */
static wp_module fake;

static void decode_at(const uint8_t *p, size_t len, wp_insn *in)
{
	wp_insn_reader r;
	wp_error *err = NULL;
	int rc;

	fake.bytes = p;
	fake.size = len;
	fake.name = "insn";
	wp_insn_reader_init(&r, &fake, p, p + len);
	rc = wp_insn_next(&r, in, &err);
	assert_ok(rc, err);
}

/* Decodes exactly one instruction spanning all of the bytes. */
static void decode(const uint8_t *p, size_t len, const char *text, wp_insn *in)
{
	decode_at(p, len, in);
	cr_assert_str_eq(in->info->text, text);
	cr_assert_eq(in->offset, 0);
	cr_assert_eq(in->end, p + len, "%s: %td of %zu bytes used", text, in->end - p, len);
}

/* Decoding fails as malformed; the message names the offset and needle. */
static void decode_fails(const uint8_t *p, size_t len, const char *needle)
{
	wp_insn_reader r;
	wp_insn in;
	wp_error *err = NULL;
	int rc;

	fake.bytes = p;
	fake.size = len;
	fake.name = "insn";
	wp_insn_reader_init(&r, &fake, p, p + len);
	rc = wp_insn_next(&r, &in, &err);
	assert_error(rc, err, WP_EINVALID, needle);
}

#define D(text, in, ...) decode(TW_BYTES(__VA_ARGS__), sizeof(TW_BYTES(__VA_ARGS__)), text, in)
#define F(needle, ...) decode_fails(TW_BYTES(__VA_ARGS__), sizeof(TW_BYTES(__VA_ARGS__)), needle)

Test(insn, plain_opcodes_without_immediates)
{
	wp_insn in;

	D("unreachable", &in, 0x00);
	D("i32.add", &in, 0x6a);
	cr_assert_eq(in.info->imm, WP_IMM_NONE);
	cr_assert_eq(in.info->result, WP_OT_I32);
	cr_assert_eq(in.info->p1, WP_OT_I32);
	cr_assert_eq(in.info->p2, WP_OT_I32);
	D("end", &in, 0x0b);
	D("i64.extend32_s", &in, 0xc4);
	/* wabt's table gives f32.sqrt a second operand; the decoder's has one */
	D("f32.sqrt", &in, 0x91);
	cr_assert_eq(in.info->p1, WP_OT_F32);
	cr_assert_eq(in.info->p2, WP_OT_NONE);
}

Test(insn, blocktypes)
{
	wp_insn in;

	D("block", &in, 0x02, 0x40);
	cr_assert_eq(in.block, WP_BLOCK_EMPTY);
	D("loop", &in, 0x03, 0x7f);
	cr_assert_eq(in.block, WP_BLOCK_VALUE);
	cr_assert_eq(in.vt, WP_VT_I32);
	D("if", &in, 0x04, 0x7b);
	cr_assert_eq(in.vt, WP_VT_V128);
	D("block", &in, 0x02, 0x70);
	cr_assert_eq(in.vt, WP_VT_FUNCREF);
	/* (ref null func) spelled out, and (ref extern) */
	D("block", &in, 0x02, 0x63, 0x70);
	cr_assert_eq(in.vt, WP_VT_FUNCREF);
	D("block", &in, 0x02, 0x64, 0x6f);
	cr_assert_eq(in.vt, wp_vt_abstract(false, WP_HT_EXTERN));
	/* (ref null $3) */
	D("block", &in, 0x02, 0x63, 0x03);
	cr_assert_eq(in.vt, wp_vt_ref(true, 3));
	/* type indices are positive s33 */
	D("block", &in, 0x02, 0x05);
	cr_assert_eq(in.block, WP_BLOCK_TYPE);
	cr_assert_eq(in.a, 5);
	D("block", &in, 0x02, 0xc0, 0x00);
	cr_assert_eq(in.block, WP_BLOCK_TYPE);
	cr_assert_eq(in.a, 64);
	D("block", &in, 0x02, 0x80, 0x80, 0x80, 0x80, 0x00);
	cr_assert_eq(in.block, WP_BLOCK_TYPE);
	cr_assert_eq(in.a, 0);
	D("if", &in, 0x04, 0xff, 0xff, 0xff, 0xff, 0x0f);
	cr_assert_eq(in.a, UINT32_MAX);
}

Test(insn, bad_blocktypes)
{
	F("offset 0x1: unexpected end", 0x02);
	F("offset 0x1: malformed value type 0x45", 0x02, 0x45);
	/* a negative s33 that is not a one-byte value type */
	F("offset 0x1: malformed block type", 0x02, 0xff, 0x7f);
	F("offset 0x1: integer too large", 0x02, 0x80, 0x80, 0x80, 0x80, 0x10);
	F("offset 0x1: integer representation too long", 0x02, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00);
	F("offset 0x2: malformed reference type: heap type -144", 0x02, 0x63, 0xf0, 0x7e);
}

Test(insn, branches_and_br_table)
{
	wp_insn in;

	D("br", &in, 0x0c, 0x02);
	cr_assert_eq(in.a, 2);
	D("br_if", &in, 0x0d, 0x81, 0x80, 0x80, 0x80, 0x00);
	cr_assert_eq(in.a, 1);
	D("br_table", &in, 0x0e, 0x03, 0x00, 0x01, 0x82, 0x80, 0x00, 0x07);
	cr_assert_eq(in.n, 3);
	cr_assert_eq(wp_insn_br_label(&in, 0), 0);
	cr_assert_eq(wp_insn_br_label(&in, 1), 1);
	cr_assert_eq(wp_insn_br_label(&in, 2), 2);
	cr_assert_eq(wp_insn_br_label(&in, 3), 7, "the default comes last");
	D("br_table", &in, 0x0e, 0x00, 0x04);
	cr_assert_eq(in.n, 0);
	cr_assert_eq(wp_insn_br_label(&in, 0), 4);
}

Test(insn, bad_br_tables)
{
	/* the count is checked against the bytes left before anything is read */
	F("offset 0x1: unexpected end: br_table of 5 labels", 0x0e, 0x05, 0x00);
	F("br_table of 4294967295 labels", 0x0e, 0xff, 0xff, 0xff, 0xff, 0x0f);
	/* the default label is missing */
	F("offset 0x4: unexpected end", 0x0e, 0x02, 0x00, 0x01);
	F("offset 0x2: integer representation too long", 0x0e, 0x00, 0x80, 0x80, 0x80, 0x80, 0x80);
}

Test(insn, index_immediates)
{
	wp_insn in;

	D("call", &in, 0x10, 0xff, 0x01);
	cr_assert_eq(in.info->imm, WP_IMM_FUNC);
	cr_assert_eq(in.a, 255);
	D("call_indirect", &in, 0x11, 0x02, 0x01);
	cr_assert_eq(in.a, 2, "the type");
	cr_assert_eq(in.b, 1, "the table");
	D("return_call_indirect", &in, 0x13, 0x00, 0x00);
	D("local.tee", &in, 0x22, 0x80, 0x01);
	cr_assert_eq(in.a, 128);
	D("global.set", &in, 0x24, 0x03);
	cr_assert_eq(in.info->imm, WP_IMM_GLOBAL);
	D("table.get", &in, 0x25, 0x01);
	cr_assert_eq(in.info->imm, WP_IMM_TABLE);
	D("ref.func", &in, 0xd2, 0x09);
	cr_assert_eq(in.info->imm, WP_IMM_FUNC);
	D("memory.size", &in, 0x3f, 0x01);
	cr_assert_eq(in.info->imm, WP_IMM_MEM);
	cr_assert_eq(in.a, 1);
	D("memory.grow", &in, 0x40, 0x00);
	D("throw", &in, 0x08, 0x00);
	cr_assert_eq(in.info->imm, WP_IMM_TAG);
	D("rethrow", &in, 0x09, 0x01);
	cr_assert_eq(in.info->imm, WP_IMM_LABEL);
	D("delegate", &in, 0x18, 0x00);
	D("call_ref", &in, 0x14, 0x04);
	cr_assert_eq(in.info->imm, WP_IMM_TYPE);
	D("return_call_ref", &in, 0x15, 0x04);
	D("br_on_null", &in, 0xd5, 0x00);
	cr_assert_eq(in.info->imm, WP_IMM_LABEL);
}

Test(insn, prefixed_index_pairs)
{
	wp_insn in;

	D("memory.init", &in, 0xfc, 0x08, 0x03, 0x01);
	cr_assert_eq(in.info->imm, WP_IMM_DATA_MEM);
	cr_assert_eq(in.a, 3, "the data segment");
	cr_assert_eq(in.b, 1, "the memory");
	D("data.drop", &in, 0xfc, 0x09, 0x02);
	cr_assert_eq(in.info->imm, WP_IMM_DATA);
	D("memory.copy", &in, 0xfc, 0x0a, 0x01, 0x00);
	cr_assert_eq(in.a, 1);
	cr_assert_eq(in.b, 0);
	D("memory.fill", &in, 0xfc, 0x0b, 0x00);
	D("table.init", &in, 0xfc, 0x0c, 0x04, 0x01);
	cr_assert_eq(in.info->imm, WP_IMM_ELEM_TABLE);
	cr_assert_eq(in.a, 4);
	cr_assert_eq(in.b, 1);
	D("elem.drop", &in, 0xfc, 0x0d, 0x04);
	D("table.copy", &in, 0xfc, 0x0e, 0x01, 0x02);
	D("table.grow", &in, 0xfc, 0x0f, 0x00);
	D("table.size", &in, 0xfc, 0x10, 0x00);
	D("table.fill", &in, 0xfc, 0x11, 0x00);
}

Test(insn, memargs)
{
	wp_insn in;

	D("i32.load", &in, 0x28, 0x02, 0x10);
	cr_assert_eq(in.info->imm, WP_IMM_MEMARG);
	cr_assert_eq(in.info->memsize, 4);
	cr_assert_eq(in.align, 2);
	cr_assert_eq(in.value, 16);
	cr_assert_eq(in.a, 0, "memory 0 without the index bit");
	/* bit 6 of the flags: a memory index follows the alignment */
	D("i64.store", &in, 0x37, 0x43, 0x02, 0x08);
	cr_assert_eq(in.align, 3);
	cr_assert_eq(in.a, 2);
	cr_assert_eq(in.value, 8);
	/* padded flags and a 64-bit offset (memory64) */
	D("i32.load8_u", &in, 0x2d, 0x80, 0x80, 0x80, 0x80, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0x01);
	cr_assert_eq(in.align, 0);
	cr_assert_eq(in.value, UINT64_MAX);
	D("i32.atomic.rmw.add", &in, 0xfe, 0x1e, 0x02, 0x00);
	cr_assert_eq(in.info->imm, WP_IMM_MEMARG);
	D("memory.atomic.notify", &in, 0xfe, 0x00, 0x02, 0x04);
	D("v128.load", &in, 0xfd, 0x00, 0x04, 0x00);
	cr_assert_eq(in.info->memsize, 16);
}

Test(insn, bad_memargs)
{
	F("offset 0x1: malformed memop flags", 0x28, 0x80, 0x01, 0x00);
	F("offset 0x2: unexpected end", 0x28, 0x02);
	F("offset 0x2: unexpected end", 0x28, 0x42);
	F("offset 0x2: integer too large", 0x28, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0x03);
}

Test(insn, constants)
{
	wp_insn in;

	D("i32.const", &in, 0x41, 0x7f);
	cr_assert_eq(in.value, UINT64_MAX, "sign-extended");
	cr_assert_eq((int32_t)in.value, -1);
	D("i32.const", &in, 0x41, 0x80, 0x80, 0x80, 0x80, 0x78);
	cr_assert_eq((int32_t)in.value, INT32_MIN);
	D("i64.const", &in, 0x42, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f);
	cr_assert_eq((int64_t)in.value, INT64_MIN);
	D("f32.const", &in, 0x43, 0x00, 0x00, 0x80, 0x3f);
	cr_assert_eq(in.value, 0x3f800000);
	D("f64.const", &in, 0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf0, 0x3f);
	cr_assert_eq(in.value, 0x3ff0000000000000ULL);
	F("offset 0x1: integer too large", 0x41, 0xff, 0xff, 0xff, 0xff, 0x0f);
	F("offset 0x1: unexpected end", 0x43, 0x00, 0x00, 0x80);
	F("offset 0x1: unexpected end", 0x44, 0x00);
}

Test(insn, simd_lanes_and_shuffles)
{
	wp_insn in;

	D("v128.const", &in, 0xfd, 0x0c, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
	cr_assert_eq(in.info->imm, WP_IMM_V128);
	cr_assert_eq(in.imm[0], 1);
	cr_assert_eq(in.imm[15], 16);
	D("i8x16.shuffle", &in, 0xfd, 0x0d, 0, 17, 2, 19, 4, 21, 6, 23, 8, 25, 10, 27, 12, 29, 14,
	  31);
	cr_assert_eq(in.info->imm, WP_IMM_SHUFFLE);
	cr_assert_eq(in.imm[15], 31);
	D("i8x16.extract_lane_s", &in, 0xfd, 0x15, 0x0f);
	cr_assert_eq(in.info->imm, WP_IMM_LANE);
	cr_assert_eq(in.lane, 15);
	D("f64x2.replace_lane", &in, 0xfd, 0x22, 0x01);
	cr_assert_eq(in.lane, 1);
	D("v128.load8_lane", &in, 0xfd, 0x54, 0x00, 0x10, 0x07);
	cr_assert_eq(in.info->imm, WP_IMM_MEMARG_LANE);
	cr_assert_eq(in.value, 16);
	cr_assert_eq(in.lane, 7);
	D("v128.store64_lane", &in, 0xfd, 0x5b, 0x03, 0x00, 0x01);
	cr_assert_eq(in.align, 3);
	cr_assert_eq(in.lane, 1);
	/* relaxed SIMD: a 0xfd code past 0xff */
	D("i8x16.relaxed_swizzle", &in, 0xfd, 0x80, 0x02);
	F("offset 0x2: unexpected end", 0xfd, 0x0c, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
	  15);
	F("offset 0x2: unexpected end", 0xfd, 0x15);
	F("offset 0x4: unexpected end", 0xfd, 0x54, 0x00, 0x10);
}

Test(insn, select_with_types)
{
	wp_insn in;

	D("select", &in, 0x1b);
	cr_assert_eq(in.info->imm, WP_IMM_NONE);
	D("select", &in, 0x1c, 0x01, 0x7e);
	cr_assert_eq(in.info->imm, WP_IMM_SELECT_T);
	cr_assert_eq(in.n, 1);
	cr_assert_eq(in.vt, WP_VT_I64);
	D("select", &in, 0x1c, 0x01, 0x63, 0x02);
	cr_assert_eq(in.vt, wp_vt_ref(true, 2));
	/* more than one type decodes (the validator refuses it) */
	D("select", &in, 0x1c, 0x02, 0x7f, 0x7d);
	cr_assert_eq(in.n, 2);
	F("offset 0x1: unexpected end", 0x1c, 0x03, 0x7f);
	F("offset 0x2: malformed value type 0x00", 0x1c, 0x01, 0x00);
}

Test(insn, ref_null_heap_types)
{
	wp_insn in;

	D("ref.null", &in, 0xd0, 0x70);
	cr_assert_eq(in.vt, WP_VT_FUNCREF);
	D("ref.null", &in, 0xd0, 0x6f);
	cr_assert_eq(in.vt, WP_VT_EXTERNREF);
	D("ref.null", &in, 0xd0, 0x69);
	cr_assert_eq(in.vt, wp_vt_abstract(true, WP_HT_EXN));
	D("ref.null", &in, 0xd0, 0x73);
	cr_assert_eq(in.vt, wp_vt_abstract(true, WP_HT_NOFUNC));
	D("ref.null", &in, 0xd0, 0x00);
	cr_assert_eq(in.vt, wp_vt_ref(true, 0));
	D("ref.null", &in, 0xd0, 0xc0, 0x00);
	cr_assert_eq(in.vt, wp_vt_ref(true, 64));
	F("offset 0x1: malformed heap type", 0xd0);
	F("offset 0x1: malformed heap type", 0xd0, 0x7f);
	F("offset 0x1: malformed heap type", 0xd0, 0x6e);
	/* -144: its low bits say func, but abstract heap types are one byte */
	F("offset 0x1: malformed heap type", 0xd0, 0xf0, 0x7e);
	F("offset 0x1: malformed heap type", 0xd0, 0xf0, 0x7f);
}

Test(insn, try_table_catches)
{
	wp_insn in;
	const uint8_t *p;
	wp_catch c;

	D("try_table", &in, 0x1f, 0x7f, 0x04, 0x00, 0x05, 0x01, 0x01, 0x06, 0x02, 0x02, 0x02, 0x03,
	  0x83, 0x00);
	cr_assert_eq(in.info->imm, WP_IMM_TRY_TABLE);
	cr_assert_eq(in.block, WP_BLOCK_VALUE);
	cr_assert_eq(in.n, 4);
	p = in.imm;
	cr_assert_eq(wp_insn_next_catch(&p, in.end, &c), 0);
	cr_assert(c.kind == 0 && c.tag == 5 && c.label == 1);
	cr_assert_eq(wp_insn_next_catch(&p, in.end, &c), 0);
	cr_assert(c.kind == 1 && c.tag == 6 && c.label == 2);
	cr_assert_eq(wp_insn_next_catch(&p, in.end, &c), 0);
	cr_assert(c.kind == 2 && c.tag == 0 && c.label == 2);
	cr_assert_eq(wp_insn_next_catch(&p, in.end, &c), 0);
	cr_assert(c.kind == 3 && c.label == 3);
	cr_assert_eq(p, in.end);
	cr_assert_eq(wp_insn_next_catch(&p, in.end, &c), -1, "no more");
	D("try_table", &in, 0x1f, 0x40, 0x00);
	cr_assert_eq(in.n, 0);
	F("offset 0x3: malformed catch clause", 0x1f, 0x40, 0x01, 0x04, 0x00);
	F("offset 0x3: unexpected end", 0x1f, 0x40, 0x01, 0x00, 0x00);
	F("offset 0x5: unexpected end", 0x1f, 0x40, 0x02, 0x02, 0x00);
}

Test(insn, prefixed_opcodes_with_padded_codes)
{
	wp_insn in;

	D("i32.trunc_sat_f32_s", &in, 0xfc, 0x00);
	D("i32.trunc_sat_f32_s", &in, 0xfc, 0x80, 0x80, 0x80, 0x80, 0x00);
	D("i64.trunc_sat_f64_u", &in, 0xfc, 0x87, 0x00);
	D("v128.const", &in, 0xfd, 0x8c, 0x80, 0x80, 0x80, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	  0, 0, 0, 0);
	D("atomic.fence", &in, 0xfe, 0x83, 0x80, 0x00, 0x00);
	cr_assert_eq(in.info->imm, WP_IMM_ZERO);
	F("offset 0x1: integer representation too long", 0xfc, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00);
	F("offset 0x1: integer too large", 0xfc, 0x80, 0x80, 0x80, 0x80, 0x10);
	F("offset 0x1: unexpected end", 0xfc);
	F("offset 0x2: malformed atomic.fence: zero byte expected", 0xfe, 0x03, 0x01);
}

Test(insn, illegal_opcodes)
{
	F("offset 0x0: illegal opcode 0xff", 0xff);
	F("offset 0x0: illegal opcode 0x27", 0x27);
	F("offset 0x0: illegal opcode 0xfc 0x40", 0xfc, 0x40);
	F("offset 0x0: illegal opcode 0xfc 0x12345", 0xfc, 0xc5, 0xc6, 0x04);
	F("offset 0x0: illegal opcode 0xfd 0x200", 0xfd, 0x80, 0x04);
	F("offset 0x0: illegal opcode 0xfe 0x80", 0xfe, 0x80, 0x01);
	/* GC (0xfb) is not supported */
	F("offset 0x0: illegal opcode 0xfb 0x0", 0xfb, 0x00);
	/* wabt's interpreter-only opcodes are not instructions */
	F("offset 0x0: illegal opcode 0xe0", 0xe0);
}

Test(insn, end_of_range)
{
	static const uint8_t none[1] = {0};
	wp_insn_reader r;
	wp_insn in;
	wp_error *err = NULL;
	int rc;

	fake.bytes = none;
	fake.size = 0;
	fake.name = "insn";
	wp_insn_reader_init(&r, &fake, none, none);
	rc = wp_insn_next(&r, &in, &err);
	assert_error(rc, err, WP_EINVALID, "\"insn\": offset 0x0: unexpected end of function body");
}

Test(insn, a_sequence_with_offsets)
{
	/* i32.const 1; block (result i32); local.get 0; end; i32.add; end */
	static const uint8_t code[] = {0x41, 0x01, 0x02, 0x7f, 0x20, 0x00, 0x0b, 0x6a, 0x0b};
	static const char *const texts[] = {"i32.const", "block",   "local.get",
					    "end",	 "i32.add", "end"};
	static const uint32_t offsets[] = {0, 2, 4, 6, 7, 8};
	wp_insn_reader r;
	wp_insn in;
	wp_error *err = NULL;

	fake.bytes = code;
	fake.size = sizeof(code);
	fake.name = "insn";
	wp_insn_reader_init(&r, &fake, code, code + sizeof(code));
	for (size_t i = 0; i < WP_ARRAY_SIZE(texts); i++) {
		int rc = wp_insn_next(&r, &in, &err);

		assert_ok(rc, err);
		cr_assert_str_eq(in.info->text, texts[i]);
		cr_assert_eq(in.offset, offsets[i]);
	}
	cr_assert_eq(r.p, code + sizeof(code));
	/* offsets count from the file, not from the range */
	wp_insn_reader_init(&r, &fake, code + 4, code + sizeof(code));
	cr_assert_eq(wp_insn_next(&r, &in, &err), 0);
	cr_assert_str_eq(in.info->text, "local.get");
	cr_assert_eq(in.offset, 4);
	cr_assert_eq(in.end, code + 6);
}

Test(insn, every_opcode_has_a_known_immediate_kind)
{
	static const uint8_t prefixes[] = {0, 0xfc, 0xfd, 0xfe};
	size_t n = 0;

	for (size_t k = 0; k < WP_ARRAY_SIZE(prefixes); k++)
		for (uint32_t code = 0; code < 512; code++) {
			const wp_opinfo *o = wp_opcode_lookup(prefixes[k], code);

			if (!o)
				continue;
			n++;
			cr_assert_eq(o->prefix, prefixes[k]);
			cr_assert_eq(o->code, code);
			cr_assert_neq(o->imm, WP_IMM_LABEL_HEAP, "%s", o->text);
			/* memory accesses carry a memarg, and only they */
			if (o->memsize)
				cr_assert(o->imm == WP_IMM_MEMARG || o->imm == WP_IMM_MEMARG_LANE,
					  "%s", o->text);
			else
				cr_assert(o->imm != WP_IMM_MEMARG && o->imm != WP_IMM_MEMARG_LANE,
					  "%s", o->text);
		}
	/* Wasm 2.0 alone has over 400 instructions */
	cr_assert_gt(n, 500, "%zu opcodes", n);
	cr_assert_null(wp_opcode_lookup(0xfb, 0));
	cr_assert_null(wp_opcode_lookup(0xfc, 1u << 20));
}
