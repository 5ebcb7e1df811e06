/* wasmopt/reader: the module reader; malformed binaries are refused with
 * the offset of the fault. Offsets below count from the file's start: the
 * header is 8 bytes, so the first section's id is at 0x8, its size at 0x9
 * and its payload at 0xa. */
#include <criterion/criterion.h>

#include "helpers.h"
#include "../../lib/common.h"

#define TYPE_VOID 0x01, 0x60, 0x00, 0x00 /* one type: () -> () */

/* The module in b must be refused; b is released. */
static void refused(wp_buf *b, const char *needle)
{
	tw_malformed(b->data, b->len, needle);
	wp_buf_release(b);
}

Test(wasm_reader, smallest_module)
{
	wp_buf b;
	wp_module *m;

	tw_begin(&b);
	m = tw_read(b.data, b.len);
	cr_assert_not(m->component);
	cr_assert_eq(m->n_sections, 0);
	cr_assert_eq(m->n_funcs, 0);
	cr_assert_eq(m->size, 8);
	wp_module_free(m);
	wp_buf_release(&b);
}

Test(wasm_reader, what_a_module_holds)
{
	wp_buf b;
	wp_module *m;

	tw_begin(&b);
	TW_SEC(&b, 1, 0x02, 0x60, 0x00, 0x00, 0x60, 0x02, 0x7f, 0x7e, 0x01, 0x7d);
	/* imports: "m" "f" func 1, "m" "g" global i32 mutable */
	TW_SEC(&b, 2, 0x02, 0x01, 'm', 0x01, 'f', 0x00, 0x01, 0x01, 'm', 0x01, 'g', 0x03, 0x7f,
	       0x01);
	TW_SEC(&b, 3, 0x02, 0x00, 0x00);
	TW_SEC(&b, 4, 0x01, 0x70, 0x00, 0x01);
	TW_SEC(&b, 5, 0x01, 0x01, 0x01, 0x02);
	TW_SEC(&b, 6, 0x01, 0x7e, 0x00, 0x42, 0x07, 0x0b);
	TW_SEC(&b, 7, 0x01, 0x03, 'r', 'u', 'n', 0x00, 0x01);
	TW_SEC(&b, 8, 0x02);
	TW_SEC(&b, 9, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x02, 0x01, 0x02);
	TW_SEC(&b, 12, 0x01);
	TW_SEC(&b, 10, 0x02, 0x02, 0x00, 0x0b, 0x02, 0x00, 0x0b);
	TW_SEC(&b, 11, 0x01, 0x00, 0x41, 0x10, 0x0b, 0x02, 'h', 'i');
	tw_custom(&b, "note", "xy", 2);
	m = tw_read(b.data, b.len);
	cr_assert_eq(m->n_types, 2);
	cr_assert_eq(m->types[1].n_params, 2);
	cr_assert_eq(m->types[1].n_results, 1);
	cr_assert_eq(m->types[1].types[2], WP_VT_F32);
	cr_assert_eq(m->n_imports, 2);
	cr_assert_eq(m->n_funcs, 3);
	cr_assert_eq(m->n_imported_funcs, 1);
	cr_assert(m->funcs[0].imported);
	cr_assert_eq(m->funcs[0].type, 1);
	cr_assert_eq(m->n_globals, 2);
	cr_assert_eq(m->n_imported_globals, 1);
	cr_assert(m->globals[0].mutable_);
	cr_assert_eq(m->globals[1].type, WP_VT_I64);
	cr_assert_eq(m->globals[1].init.size, 2, "i64.const 7 without its end");
	cr_assert_eq(m->n_tables, 1);
	cr_assert_eq(m->tables[0].elem, WP_VT_FUNCREF);
	cr_assert_eq(m->n_memories, 1);
	cr_assert(m->memories[0].limits.has_max);
	cr_assert_eq(m->memories[0].limits.max, 2);
	cr_assert_eq(m->n_exports, 1);
	cr_assert_eq(m->exports[0].index, 1);
	cr_assert(m->has_start);
	cr_assert_eq(m->start, 2);
	cr_assert_eq(m->n_elems, 1);
	cr_assert_eq(m->elems[0].n_items, 2);
	cr_assert(m->has_data_count);
	cr_assert_eq(m->data_count, 1);
	cr_assert_eq(m->n_datas, 1);
	cr_assert_eq(m->datas[0].bytes.size, 2);
	cr_assert_eq(memcmp(m->bytes + m->datas[0].bytes.offset, "hi", 2), 0);
	cr_assert(m->has_code);
	cr_assert_eq(m->n_code, 2);
	cr_assert_eq(m->funcs[1].body.size, 2);
	cr_assert_eq(m->n_sections, 13);
	cr_assert_eq(m->sections[0].id, 1);
	cr_assert_eq(m->sections[0].header.offset, 8);
	cr_assert_eq(m->sections[0].payload.offset, 10);
	cr_assert_eq(m->sections[12].id, 0);
	cr_assert_eq(m->sections[12].name.size, 4);
	cr_assert_eq(memcmp(m->bytes + m->sections[12].name.offset, "note", 4), 0);
	cr_assert_not_null(tw_custom_section(m, "note"));
	wp_module_free(m);
	wp_buf_release(&b);
}

Test(wasm_reader, headers)
{
	tw_malformed("", 0, "\"t.wasm\": offset 0x0: magic header not detected");
	tw_malformed("(module)", 8, "offset 0x0: magic header not detected");
	tw_malformed("\0asm\1\0", 6, "offset 0x4: unexpected end: no version");
	tw_malformed("\0asm\2\0\0\0", 8, "offset 0x4: unknown binary version");
	tw_malformed("\0asm\1\0\0\1", 8, "offset 0x4: unknown binary version");
}

Test(wasm_reader, components_are_recognised)
{
	static const uint8_t component[] = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01,
					    0x00, 0x00, 0x04, 0x01, 'x',  'y',	'z'};
	wp_module *m = tw_read(component, sizeof(component));
	wp_buf out = WP_BUF_INIT(1 << 20);
	wp_opt_options o = {WP_OPT_MIN, false, false, NULL, 0, NULL, false};
	wp_error *err = NULL;
	int r;

	cr_assert(m->component);
	cr_assert_eq(m->n_sections, 0, "nothing decoded");
	r = wp_module_validate(m, &err);
	assert_error(r, err, WP_EUNSUPPORTED,
		     "\"t.wasm\" is a component: only core modules are validated");
	r = wp_optimize(m, &o, &out, NULL, &err);
	assert_error(r, err, WP_EUNSUPPORTED, "only core modules are optimized");
	cr_assert_eq(out.len, 0);
	wp_module_free(m);
}

Test(wasm_reader, section_order)
{
	wp_buf b;

	/* function (3) then type (1) */
	tw_begin(&b);
	TW_SEC(&b, 3, 0x01, 0x00);
	TW_SEC(&b, 1, TYPE_VOID);
	refused(&b, "\"t.wasm\": offset 0xc: unexpected section 1: out of order");

	/* data count (12) belongs before code (10) */
	tw_begin(&b);
	TW_SEC(&b, 10, 0x00);
	TW_SEC(&b, 12, 0x00);
	refused(&b, "offset 0xb: unexpected section 12: out of order");

	/* tags (13) come between memories (5) and globals (6) */
	tw_begin(&b);
	TW_SEC(&b, 6, 0x00);
	TW_SEC(&b, 13, 0x00);
	refused(&b, "offset 0xb: unexpected section 13: out of order");

	/* custom sections go anywhere */
	tw_begin(&b);
	tw_custom(&b, "a", "", 0);
	TW_SEC(&b, 1, TYPE_VOID);
	tw_custom(&b, "b", "", 0);
	TW_SEC(&b, 3, 0x01, 0x00);
	tw_custom(&b, "c", "", 0);
	TW_SEC(&b, 5, 0x00);
	TW_SEC(&b, 13, 0x00);
	TW_SEC(&b, 6, 0x00);
	TW_SEC(&b, 12, 0x00);
	TW_CODE1(&b, 0x00, 0x0b);
	TW_SEC(&b, 11, 0x00);
	tw_custom(&b, "d", "", 0);
	tw_valid(b.data, b.len);
	wp_buf_release(&b);
}

Test(wasm_reader, duplicate_sections)
{
	wp_buf b;

	tw_begin(&b);
	TW_SEC(&b, 1, TYPE_VOID);
	TW_SEC(&b, 1, TYPE_VOID);
	refused(&b, "offset 0xe: duplicate section 1");

	tw_begin(&b);
	TW_SEC(&b, 8, 0x00);
	TW_SEC(&b, 8, 0x00);
	refused(&b, "offset 0xb: duplicate section 8");

	tw_begin(&b);
	TW_SEC(&b, 12, 0x00);
	TW_SEC(&b, 12, 0x00);
	refused(&b, "offset 0xb: duplicate section 12");
}

Test(wasm_reader, unknown_section_id)
{
	wp_buf b;

	tw_begin(&b);
	TW_SEC(&b, 1, TYPE_VOID);
	TW_SEC(&b, 14, 0x00);
	refused(&b, "offset 0xe: malformed section id 14");
}

Test(wasm_reader, section_sizes)
{
	wp_buf b;

	/* more than the file has */
	tw_begin(&b);
	tw_put(&b, TW_BYTES(0x01, 0x64, TYPE_VOID), 6);
	refused(&b, "offset 0x8: length out of bounds: section 1 declares 100 bytes, 4 remain");

	/* a section longer than its content */
	tw_begin(&b);
	tw_put(&b, TW_BYTES(0x01, 0x06, TYPE_VOID, 0x00, 0x00), 8);
	refused(&b, "offset 0xe: section size mismatch: 2 bytes left in section 1");

	/* content longer than its section: the type's results are cut off */
	tw_begin(&b);
	tw_put(&b, TW_BYTES(0x01, 0x04, 0x01, 0x60, 0x01, 0x7f), 6);
	tw_put(&b, TW_BYTES(0x00), 1);
	refused(&b, "offset 0xe: unexpected end");

	/* a section size that is not a valid LEB128 */
	tw_begin(&b);
	tw_put(&b, TW_BYTES(0x01, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00), 7);
	refused(&b, "offset 0x9: integer representation too long");
	tw_begin(&b);
	tw_put(&b, TW_BYTES(0x01, 0x80), 2);
	refused(&b, "offset 0x9: unexpected end");

	/* padded sizes are fine */
	tw_begin(&b);
	tw_section_w(&b, 1, TW_BYTES(TYPE_VOID), 4, 5);
	tw_valid(b.data, b.len);
	wp_buf_release(&b);
}

Test(wasm_reader, counts_beyond_the_remaining_bytes)
{
	wp_buf b;

	/* 100 types cannot fit in 3 bytes (each needs 3 at least) */
	tw_begin(&b);
	TW_SEC(&b, 1, 0x64, 0x60, 0x00, 0x00);
	refused(&b, "offset 0xa: length out of bounds: 100 items cannot fit in 3 bytes");

	/* a parameter count beyond the section */
	tw_begin(&b);
	TW_SEC(&b, 1, 0x01, 0x60, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00);
	refused(&b, "offset 0xc: length out of bounds: 4294967295 items cannot fit in 1 bytes");

	/* imports, exports, functions, globals, elements, data, code */
	tw_begin(&b);
	TW_SEC(&b, 2, 0x05, 0x00, 0x00, 0x00);
	refused(&b, "offset 0xa: length out of bounds: 5 items cannot fit in 3 bytes");
	tw_begin(&b);
	TW_SEC(&b, 3, 0x03, 0x00, 0x00);
	refused(&b, "offset 0xa: length out of bounds: 3 items cannot fit in 2 bytes");
	tw_begin(&b);
	TW_SEC(&b, 6, 0x02, 0x7f, 0x00, 0x0b);
	refused(&b, "offset 0xa: length out of bounds: 2 items cannot fit in 3 bytes");
	tw_begin(&b);
	TW_SEC(&b, 7, 0x02, 0x00, 0x00, 0x00);
	refused(&b, "offset 0xa: length out of bounds: 2 items cannot fit in 3 bytes");
	tw_begin(&b);
	TW_SEC(&b, 9, 0x02, 0x00);
	refused(&b, "offset 0xa: length out of bounds: 2 items cannot fit in 1 bytes");
	tw_begin(&b);
	TW_SEC(&b, 11, 0x02, 0x01);
	refused(&b, "offset 0xa: length out of bounds: 2 items cannot fit in 1 bytes");
	tw_begin(&b);
	TW_SEC(&b, 10, 0x80, 0x80, 0x80, 0x80, 0x01);
	refused(&b, "offset 0xa: length out of bounds: 268435456 items cannot fit in 0 bytes");

	/* a body size beyond the section */
	tw_begin(&b);
	TW_SEC(&b, 1, TYPE_VOID);
	TW_SEC(&b, 3, 0x01, 0x00);
	TW_SEC(&b, 10, 0x01, 0x09, 0x00, 0x0b);
	refused(&b, "offset 0x16: unexpected end: 9 bytes declared, 2 remain");

	/* a data segment longer than its section */
	tw_begin(&b);
	TW_SEC(&b, 11, 0x01, 0x01, 0x05, 'a');
	refused(&b, "offset 0xd: unexpected end: 5 bytes declared, 1 remain");
}

Test(wasm_reader, function_and_code_counts)
{
	wp_buf b;

	tw_begin(&b);
	TW_SEC(&b, 1, TYPE_VOID);
	TW_SEC(&b, 3, 0x02, 0x00, 0x00);
	TW_CODE1(&b, 0x00, 0x0b);
	refused(&b, "offset 0x15: function and code section have inconsistent lengths (2 and 1)");

	tw_begin(&b);
	TW_SEC(&b, 1, TYPE_VOID);
	TW_SEC(&b, 3, 0x01, 0x00);
	refused(&b, "offset 0x12: function and code section have inconsistent lengths (1 and 0)");

	/* bodies without functions */
	tw_begin(&b);
	TW_SEC(&b, 1, TYPE_VOID);
	TW_CODE1(&b, 0x00, 0x0b);
	refused(&b, "offset 0x10: function and code section have inconsistent lengths (0 and 1)");

	/* an empty code section for no functions is fine */
	tw_begin(&b);
	TW_SEC(&b, 10, 0x00);
	tw_valid(b.data, b.len);
	wp_buf_release(&b);
}

Test(wasm_reader, data_count)
{
	wp_buf b;
	wp_module *m;

	tw_begin(&b);
	TW_SEC(&b, 12, 0x02);
	TW_SEC(&b, 11, 0x01, 0x01, 0x00);
	refused(&b, "offset 0xe: data count and data section have inconsistent lengths (2 and 1)");

	tw_begin(&b);
	TW_SEC(&b, 12, 0x01);
	refused(&b, "offset 0xb: data count and data section have inconsistent lengths (1 and 0)");

	tw_begin(&b);
	TW_SEC(&b, 12, 0x00);
	m = tw_read(b.data, b.len);
	cr_assert(m->has_data_count);
	cr_assert_eq(m->data_count, 0);
	wp_module_free(m);
	wp_buf_release(&b);
}

Test(wasm_reader, names_must_be_utf8)
{
	wp_buf b;

	/* an export name with a lone continuation byte */
	tw_begin(&b);
	TW_SEC(&b, 1, TYPE_VOID);
	TW_SEC(&b, 3, 0x01, 0x00);
	TW_SEC(&b, 7, 0x01, 0x02, 'a', 0x80, 0x00, 0x00);
	refused(&b, "offset 0x15: malformed UTF-8 encoding");

	/* an import module name with an overlong form of '/' */
	tw_begin(&b);
	TW_SEC(&b, 2, 0x01, 0x02, 0xc0, 0xaf, 0x01, 'f', 0x00, 0x00);
	refused(&b, "offset 0xb: malformed UTF-8 encoding");

	/* an import field name with a UTF-16 surrogate */
	tw_begin(&b);
	TW_SEC(&b, 2, 0x01, 0x01, 'm', 0x03, 0xed, 0xa0, 0x80, 0x00, 0x00);
	refused(&b, "offset 0xd: malformed UTF-8 encoding");

	/* a custom section's name, cut short */
	tw_begin(&b);
	TW_SEC(&b, 0, 0x02, 0xe2, 0x82);
	refused(&b, "offset 0xa: malformed UTF-8 encoding");

	/* a name longer than its section */
	tw_begin(&b);
	TW_SEC(&b, 0, 0x05, 'a');
	refused(&b, "offset 0xb: unexpected end: 5 bytes declared, 1 remain");

	/* valid multi-byte names */
	tw_begin(&b);
	tw_custom(&b, "\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "", 0);
	tw_valid(b.data, b.len);
	wp_buf_release(&b);
}

Test(wasm_reader, limits_flags)
{
	wp_buf b;
	wp_module *m;

	tw_begin(&b);
	TW_SEC(&b, 5, 0x01, 0x08, 0x01);
	refused(&b, "offset 0xb: malformed limits flags 0x08");

	/* tables cannot be shared */
	tw_begin(&b);
	TW_SEC(&b, 4, 0x01, 0x70, 0x03, 0x01, 0x01);
	refused(&b, "offset 0xc: malformed limits flags 0x03");

	tw_begin(&b);
	TW_SEC(&b, 2, 0x01, 0x01, 'm', 0x01, 'm', 0x02, 0x10, 0x01);
	refused(&b, "offset 0x10: malformed limits flags 0x10");

	/* memory64 limits are u64 */
	tw_begin(&b);
	TW_SEC(&b, 5, 0x01, 0x05, 0x80, 0x80, 0x80, 0x80, 0x10, 0x80, 0x80, 0x80, 0x80, 0x20);
	m = tw_read(b.data, b.len);
	cr_assert(m->memories[0].limits.is64);
	cr_assert_eq(m->memories[0].limits.min, 1ULL << 32);
	cr_assert_eq(m->memories[0].limits.max, 1ULL << 33);
	wp_module_free(m);
	wp_buf_release(&b);

	/* 32-bit limits are u32 */
	tw_begin(&b);
	TW_SEC(&b, 5, 0x01, 0x00, 0x80, 0x80, 0x80, 0x80, 0x10);
	refused(&b, "offset 0xc: integer too large");

	/* shared memory (threads) */
	tw_begin(&b);
	TW_SEC(&b, 5, 0x01, 0x03, 0x01, 0x02);
	m = tw_read(b.data, b.len);
	cr_assert(m->memories[0].limits.shared);
	wp_module_free(m);
	wp_buf_release(&b);
}

Test(wasm_reader, value_types)
{
	wp_buf b;
	wp_module *m;

	tw_begin(&b);
	TW_SEC(&b, 1, 0x01, 0x60, 0x01, 0x7a, 0x00);
	refused(&b, "offset 0xd: malformed value type 0x7a");

	tw_begin(&b);
	TW_SEC(&b, 1, 0x01, 0x60, 0x00, 0x01, 0x40);
	refused(&b, "offset 0xe: malformed value type 0x40");

	tw_begin(&b);
	TW_SEC(&b, 6, 0x01, 0x00, 0x00, 0x41, 0x00, 0x0b);
	refused(&b, "offset 0xb: malformed value type 0x00");

	/* GC types are refused by name */
	tw_begin(&b);
	TW_SEC(&b, 1, 0x01, 0x5f, 0x00, 0x00);
	refused(&b, "offset 0xb: malformed type: form 0x5f (GC types are not supported)");
	tw_begin(&b);
	TW_SEC(&b, 1, 0x01, 0x60, 0x01, 0x63, 0x6e, 0x00);
	refused(&b, "offset 0xe: malformed reference type: heap type 0x6e (GC types are not "
		    "supported)");
	tw_begin(&b);
	TW_SEC(&b, 1, 0x01, 0x60, 0x01, 0x64, 0xf0, 0x7e, 0x00);
	refused(&b, "offset 0xe: malformed reference type: heap type -144");
	/* a type index of 2^31 or more (s33 up to 2^32 - 1) names no type,
	 * and must not read as an abstract heap type (found by fuzzing) */
	tw_begin(&b);
	TW_SEC(&b, 1, 0x01, 0x60, 0x01, 0x64, 0x90, 0xbe, 0xfd, 0xfc, 0x0f, 0x00);
	refused(&b, "offset 0xe: unknown type 4288634640");

	/* a table of numbers */
	tw_begin(&b);
	TW_SEC(&b, 4, 0x01, 0x7f, 0x00, 0x01);
	refused(&b, "offset 0xb: malformed reference type");

	/* every value type, the typed reference forms included */
	tw_begin(&b);
	TW_SEC(&b, 1, 0x02, 0x60, 0x00, 0x00, 0x60, 0x0a, 0x7f, 0x7e, 0x7d, 0x7c, 0x7b, 0x70, 0x6f,
	       0x69, 0x64, 0x00, 0x63, 0x73, 0x00);
	m = tw_read(b.data, b.len);
	cr_assert_eq(m->types[1].n_params, 10);
	cr_assert_eq(m->types[1].types[4], WP_VT_V128);
	cr_assert_eq(m->types[1].types[7], wp_vt_abstract(true, WP_HT_EXN));
	cr_assert_eq(m->types[1].types[8], wp_vt_ref(false, 0));
	cr_assert_eq(m->types[1].types[9], wp_vt_abstract(true, WP_HT_NOFUNC));
	wp_module_free(m);
	wp_buf_release(&b);
}

Test(wasm_reader, other_malformed_fields)
{
	wp_buf b;

	tw_begin(&b);
	TW_SEC(&b, 2, 0x01, 0x01, 'm', 0x01, 'f', 0x05, 0x00);
	refused(&b, "offset 0xf: malformed import kind 0x05");

	tw_begin(&b);
	TW_SEC(&b, 7, 0x01, 0x01, 'e', 0x05, 0x00);
	refused(&b, "offset 0xd: malformed export kind 0x05");

	tw_begin(&b);
	TW_SEC(&b, 6, 0x01, 0x7f, 0x02, 0x41, 0x00, 0x0b);
	refused(&b, "offset 0xc: malformed mutability 0x02");

	tw_begin(&b);
	TW_SEC(&b, 9, 0x01, 0x08, 0x00);
	refused(&b, "offset 0xb: malformed elements segment kind 8");

	tw_begin(&b);
	TW_SEC(&b, 9, 0x01, 0x01, 0x01, 0x00);
	refused(&b, "offset 0xc: malformed element kind 0x01");

	tw_begin(&b);
	TW_SEC(&b, 11, 0x01, 0x03, 0x00);
	refused(&b, "offset 0xb: malformed data segment kind 3");

	tw_begin(&b);
	TW_SEC(&b, 13, 0x01, 0x01, 0x00);
	refused(&b, "offset 0xb: malformed tag attribute 0x01");

	/* a constant expression without its end */
	tw_begin(&b);
	TW_SEC(&b, 6, 0x01, 0x7f, 0x00, 0x41, 0x00);
	refused(&b, "offset 0xf: unexpected end of function body");

	/* an unknown opcode inside a constant expression */
	tw_begin(&b);
	TW_SEC(&b, 6, 0x01, 0x7f, 0x00, 0xff, 0x0b);
	refused(&b, "offset 0xd: illegal opcode 0xff");

	/* a start section with two indices */
	tw_begin(&b);
	TW_SEC(&b, 8, 0x00, 0x00);
	refused(&b, "offset 0xb: section size mismatch: 1 bytes left in section 8");
}

Test(wasm_reader, segment_forms)
{
	wp_buf b;
	wp_module *m;

	tw_begin(&b);
	TW_SEC(&b, 1, TYPE_VOID);
	TW_SEC(&b, 3, 0x01, 0x00);
	TW_SEC(&b, 4, 0x02, 0x70, 0x00, 0x01, 0x70, 0x00, 0x01);
	TW_SEC(&b, 5, 0x02, 0x00, 0x01, 0x00, 0x01);
	/* element flags 0..7 */
	TW_SEC(&b, 9, 0x08,
	       /* 0: active table 0, indices */
	       0x00, 0x41, 0x00, 0x0b, 0x01, 0x00,
	       /* 1: passive, elemkind, indices */
	       0x01, 0x00, 0x01, 0x00,
	       /* 2: active table 1, elemkind, indices */
	       0x02, 0x01, 0x41, 0x00, 0x0b, 0x00, 0x01, 0x00,
	       /* 3: declarative, elemkind, indices */
	       0x03, 0x00, 0x01, 0x00,
	       /* 4: active table 0, expressions */
	       0x04, 0x41, 0x00, 0x0b, 0x01, 0xd2, 0x00, 0x0b,
	       /* 5: passive, reftype, expressions */
	       0x05, 0x70, 0x02, 0xd0, 0x70, 0x0b, 0xd2, 0x00, 0x0b,
	       /* 6: active table 1, reftype, expressions */
	       0x06, 0x01, 0x41, 0x00, 0x0b, 0x70, 0x01, 0xd2, 0x00, 0x0b,
	       /* 7: declarative, reftype, expressions */
	       0x07, 0x70, 0x01, 0xd2, 0x00, 0x0b);
	TW_SEC(&b, 12, 0x03);
	TW_CODE1(&b, 0x00, 0x0b);
	/* data flags 0..2 */
	TW_SEC(&b, 11, 0x03, 0x00, 0x41, 0x00, 0x0b, 0x01, 'a', 0x01, 0x02, 'b', 'c', 0x02, 0x01,
	       0x41, 0x08, 0x0b, 0x00);
	m = tw_read(b.data, b.len);
	cr_assert_eq(m->n_elems, 8);
	cr_assert_eq(m->elems[0].mode, WP_SEG_ACTIVE);
	cr_assert_eq(m->elems[1].mode, WP_SEG_PASSIVE);
	cr_assert_eq(m->elems[2].table, 1);
	cr_assert_eq(m->elems[3].mode, WP_SEG_DECLARATIVE);
	cr_assert(m->elems[4].exprs);
	cr_assert_eq(m->elems[5].n_items, 2);
	cr_assert_eq(m->elems[6].table, 1);
	cr_assert_eq(m->elems[7].mode, WP_SEG_DECLARATIVE);
	cr_assert_eq(m->n_datas, 3);
	cr_assert_eq(m->datas[1].mode, WP_SEG_PASSIVE);
	cr_assert_eq(m->datas[2].memory, 1);
	cr_assert_eq(m->datas[2].bytes.size, 0);
	wp_module_free(m);
	tw_valid(b.data, b.len);
	cr_assert(tw_wabt_accepts(b.data, b.len));
	wp_buf_release(&b);
}

Test(wasm_reader, read_file_refusals)
{
	char *dir = test_mkdtemp();
	char *empty = test_write_file(dir, "empty.wasm", "", 0, 0644);
	char *missing = test_path(dir, "missing.wasm");
	wp_module *m = NULL;
	wp_error *err = NULL;
	int r;

	r = wp_module_read_file(&m, empty, &err);
	assert_error(r, err, WP_EINVALID, "not a WebAssembly binary: the file is empty");
	r = wp_module_read_file(&m, dir, &err);
	assert_error(r, err, WP_EINVALID, "is a directory, not a .wasm file");
	r = wp_module_read_file(&m, missing, &err);
	assert_error(r, err, WP_ENOTFOUND, "cannot open");
	cr_assert_null(m);
	free(empty);
	free(missing);
	test_rmtree(dir);
}

Test(wasm_reader, read_file_maps_the_module)
{
	char *dir = test_mkdtemp();
	wp_buf b;
	char *path;
	wp_module *m = NULL;
	wp_error *err = NULL;
	int r;

	tw_begin(&b);
	TW_SEC(&b, 1, TYPE_VOID);
	TW_SEC(&b, 3, 0x01, 0x00);
	TW_CODE1(&b, 0x00, 0x0b);
	path = test_write_file(dir, "m.wasm", b.data, b.len, 0644);
	r = wp_module_read_file(&m, path, &err);
	assert_ok(r, err);
	cr_assert_eq(m->size, b.len);
	cr_assert_str_eq(m->name, path);
	cr_assert_eq(memcmp(m->bytes, b.data, b.len), 0);
	wp_module_free(m);
	wp_module_free(NULL);
	/* a malformed file is named in the message */
	free(path);
	path = test_write_file(dir, "bad.wasm", "\0asm\1\0\0\0\1\5", 10, 0644);
	r = wp_module_read_file(&m, path, &err);
	cr_assert_eq(r, WP_EINVALID);
	cr_assert(strstr(err->message, path), "%s", err->message);
	cr_assert(strstr(err->message, "offset 0x8: length out of bounds"), "%s", err->message);
	wp_error_free(err);
	free(path);
	wp_buf_release(&b);
	test_rmtree(dir);
}
