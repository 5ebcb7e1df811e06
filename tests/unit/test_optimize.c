/* wasmopt/optimize and the writer: what each pass does, on the modules of
 * tests/data/wat (converted by wabt when the test runs) and hand-assembled
 * ones. Every output is read and validated again by wasmpack and wabt
 * (tw_optimize); tests/integration/test_wasmopt.sh runs the same modules
 * under Node and compares what their exports do. */
#include <criterion/criterion.h>

#include "helpers.h"
#include "../../wasmopt/insn.h"
#include "../../wasmopt/leb.h"
#include "../../lib/common.h"

static const wp_opt_options O0 = {WP_OPT_NONE, false, false, NULL, 0, NULL, false};
static const wp_opt_options OS = {WP_OPT_SIZE, false, false, NULL, 0, NULL, false};
static const wp_opt_options OZ = {WP_OPT_MIN, false, false, NULL, 0, NULL, false};

/* Optimizes the wat file `name` at o; in and out are new buffers. */
static void optimize_wat(const char *name, const wp_opt_options *o, wp_buf *in, wp_buf *out,
			 wp_opt_stats *st)
{
	tw_wat_file(name, in);
	tw_optimize(in, o, out, st);
}

/* The constant offset of an active data segment. */
static uint64_t data_offset(const wp_module *m, const wp_data *d)
{
	const uint8_t *p = m->bytes + d->offset.offset;
	wp_insn_reader r;
	wp_insn in;
	wp_error *err = NULL;
	int rc;

	wp_insn_reader_init(&r, m, p, p + d->offset.size + 1);
	rc = wp_insn_next(&r, &in, &err);
	assert_ok(rc, err);
	cr_assert(in.info->code == 0x41 || in.info->code == 0x42, "%s", in.info->text);
	return in.info->code == 0x41 ? (uint32_t)in.value : in.value;
}

/* Segment i of m is active at offset with exactly these bytes. */
static void assert_segment(const wp_module *m, uint32_t i, uint64_t offset, const char *bytes,
			   size_t len)
{
	const wp_data *d = &m->datas[i];

	cr_assert_lt(i, m->n_datas);
	cr_assert_eq(d->mode, WP_SEG_ACTIVE);
	cr_assert_eq(data_offset(m, d), offset, "segment %u at %" PRIu64 ", expected %" PRIu64, i,
		     data_offset(m, d), offset);
	cr_assert_eq(d->bytes.size, len, "segment %u: %u bytes, expected %zu", i, d->bytes.size,
		     len);
	cr_assert_eq(memcmp(m->bytes + d->bytes.offset, bytes, len), 0, "segment %u differs", i);
}

/* Both modules have the same data segments (modes, offsets, bytes). */
static void assert_same_data(const wp_module *a, const wp_module *b)
{
	cr_assert_eq(a->n_datas, b->n_datas);
	for (uint32_t i = 0; i < a->n_datas; i++) {
		cr_assert_eq(a->datas[i].mode, b->datas[i].mode);
		cr_assert_eq(a->datas[i].bytes.size, b->datas[i].bytes.size);
		cr_assert_eq(memcmp(a->bytes + a->datas[i].bytes.offset,
				    b->bytes + b->datas[i].bytes.offset, a->datas[i].bytes.size),
			     0);
		cr_assert_eq(a->datas[i].offset.size, b->datas[i].offset.size);
		cr_assert_eq(memcmp(a->bytes + a->datas[i].offset.offset,
				    b->bytes + b->datas[i].offset.offset, a->datas[i].offset.size),
			     0);
	}
}

/* The export called name. */
static const wp_export *export_named(const wp_module *m, const char *name)
{
	for (uint32_t i = 0; i < m->n_exports; i++)
		if (m->exports[i].name.size == strlen(name) &&
		    memcmp(m->bytes + m->exports[i].name.offset, name, strlen(name)) == 0)
			return &m->exports[i];
	cr_assert_fail("no export \"%s\"", name);
	return NULL;
}

/* Every export names something of the same kind and type as before. */
static void assert_same_exports(const wp_module *a, const wp_module *b)
{
	cr_assert_eq(a->n_exports, b->n_exports);
	for (uint32_t i = 0; i < a->n_exports; i++) {
		const wp_export *x = &a->exports[i], *y = &b->exports[i];

		cr_assert_eq(x->kind, y->kind);
		cr_assert_eq(x->name.size, y->name.size);
		if (x->kind == WP_EXTERN_FUNC) {
			const wp_functype *s = wp_module_functype(a, x->index);
			const wp_functype *t = wp_module_functype(b, y->index);

			cr_assert_eq(s->n_params, t->n_params);
			cr_assert_eq(s->n_results, t->n_results);
			cr_assert_eq(memcmp(s->types, t->types,
					    (s->n_params + s->n_results) * sizeof(wp_valtype)),
				     0);
		}
	}
}

/* Optimizing the output again changes nothing. */
static void assert_fixed_point(const wp_buf *out, const wp_opt_options *o)
{
	wp_buf again;
	wp_opt_stats st;

	tw_optimize(out, o, &again, &st);
	cr_assert_eq(again.len, out->len, "a second pass: %zu bytes, the first %zu", again.len,
		     out->len);
	cr_assert_eq(memcmp(again.data, out->data, out->len), 0);
	wp_buf_release(&again);
}

Test(optimize, o0_keeps_the_bytes)
{
	wp_buf in, out;
	wp_opt_stats st;

	optimize_wat("dedup", &O0, &in, &out, &st);
	cr_assert_eq(out.len, in.len);
	cr_assert_eq(memcmp(out.data, in.data, in.len), 0);
	cr_assert_eq(st.input, in.len);
	cr_assert_eq(st.output, in.len);
	wp_buf_release(&in);
	wp_buf_release(&out);
}

Test(optimize, unused_functions_globals_and_types)
{
	wp_buf in, out;
	wp_opt_stats st;
	wp_module *a, *b;

	optimize_wat("dce", &OZ, &in, &out, &st);
	a = tw_read(in.data, in.len);
	b = tw_read(out.data, out.len);
	/* the import, 3 dead functions, $helper, $start, run */
	cr_assert_eq(a->n_funcs, 7);
	cr_assert_eq(b->n_funcs, 4);
	cr_assert_eq(b->n_imported_funcs, 1, "imports stay without --remove-unused-imports");
	cr_assert_eq(st.n_dead_functions, 3);
	cr_assert_gt(st.dead_functions, 0);
	/* $counter goes; $bias (live code) and $limit (exported) stay */
	cr_assert_eq(a->n_globals, 3);
	cr_assert_eq(b->n_globals, 2);
	cr_assert_eq(st.n_dead_globals, 1);
	/* $unused and () -> i32 (only the dead functions have it) go */
	cr_assert_eq(a->n_types, 5);
	cr_assert_eq(b->n_types, 3);
	cr_assert_eq(st.n_dead_types, 2);
	cr_assert(b->has_start);
	cr_assert_eq(wp_module_functype(b, b->start)->n_params, 0);
	assert_same_exports(a, b);
	cr_assert_lt(out.len, in.len);
	cr_assert_eq(st.output, out.len);
	cr_assert_eq(st.input, in.len);
	assert_fixed_point(&out, &OZ);
	wp_module_free(a);
	wp_module_free(b);
	wp_buf_release(&in);
	wp_buf_release(&out);
}

Test(optimize, unused_imports_go_only_when_asked)
{
	wp_opt_options o = OZ;
	wp_buf in, out;
	wp_opt_stats st;
	wp_module *b;

	o.remove_unused_imports = true;
	optimize_wat("dce", &o, &in, &out, &st);
	b = tw_read(out.data, out.len);
	cr_assert_eq(b->n_funcs, 3);
	cr_assert_eq(b->n_imported_funcs, 0);
	cr_assert_eq(b->n_imports, 0);
	cr_assert_eq(b->n_types, 2, "the import's type goes with it");
	wp_module_free(b);
	wp_buf_release(&in);
	wp_buf_release(&out);
}

Test(optimize, os_removes_no_code)
{
	wp_buf in, out;
	wp_opt_stats st;
	wp_module *a, *b;

	optimize_wat("dce", &OS, &in, &out, &st);
	a = tw_read(in.data, in.len);
	b = tw_read(out.data, out.len);
	cr_assert_eq(b->n_funcs, a->n_funcs);
	cr_assert_eq(b->n_globals, a->n_globals);
	cr_assert_eq(b->n_types, a->n_types);
	cr_assert_eq(st.n_dead_functions + st.n_dead_globals + st.n_dead_types, 0);
	/* wabt writes shortest LEB128s already and the name section goes */
	cr_assert_not_null(tw_custom_section(a, "name"));
	cr_assert_null(tw_custom_section(b, "name"));
	cr_assert_eq(st.custom_sections, in.len - out.len);
	wp_module_free(a);
	wp_module_free(b);
	wp_buf_release(&in);
	wp_buf_release(&out);
}

Test(optimize, identical_functions_merge_but_exports_keep_their_identity)
{
	wp_buf in, out;
	wp_opt_stats st;
	wp_module *a, *b;
	const wp_elem *e;
	const uint8_t *p;
	uint32_t items[3];
	uint64_t v = 0;

	optimize_wat("dedup", &OZ, &in, &out, &st);
	a = tw_read(in.data, in.len);
	b = tw_read(out.data, out.len);
	/* $a, $b, $c, $other, $triple, main, indirect: $b and $c merge into $a */
	cr_assert_eq(a->n_funcs, 7);
	cr_assert_eq(b->n_funcs, 5);
	cr_assert_eq(st.n_merged_functions, 2);
	cr_assert_eq(st.merged_functions, 2 * a->funcs[0].body.size);
	cr_assert_eq(st.n_dead_functions, 0);
	/* the table now holds $a, $other, $a */
	e = &b->elems[0];
	p = b->bytes + e->items.offset;
	for (int i = 0; i < 3; i++) {
		p += wp_leb_u(p, p + 5, 32, &v);
		items[i] = (uint32_t)v;
	}
	cr_assert_eq(items[0], items[2]);
	cr_assert_neq(items[0], items[1]);
	/* the exported duplicate is still its own function */
	cr_assert_neq(export_named(b, "triple")->index, items[0]);
	cr_assert_eq(b->funcs[export_named(b, "triple")->index].body.size, a->funcs[0].body.size);
	assert_same_exports(a, b);
	assert_fixed_point(&out, &OZ);
	wp_module_free(a);
	wp_module_free(b);
	wp_buf_release(&in);
	wp_buf_release(&out);

	/* -Os merges nothing */
	optimize_wat("dedup", &OS, &in, &out, &st);
	b = tw_read(out.data, out.len);
	cr_assert_eq(b->n_funcs, 7);
	cr_assert_eq(st.n_merged_functions, 0);
	wp_module_free(b);
	wp_buf_release(&in);
	wp_buf_release(&out);
}

Test(optimize, short_runs_of_zeros_stay_and_long_ones_split)
{
	/* at 0: runs of 1 to 5 zeros (never worth a header), then 6 (a
	 * header for an offset below 64 costs 5: split), then 9, then 2 at
	 * the end (with the string's NUL; dropped) */
	static const char data[] = "a\0b\0\0c\0\0\0d\0\0\0\0e\0\0\0\0\0f"
				   "\0\0\0\0\0\0g\0\0\0\0\0\0\0\0\0h\0";
	wp_buf in = WP_BUF_INIT(TW_MAX), sec = WP_BUF_INIT(TW_MAX), out;
	wp_opt_stats st;
	wp_module *b;

	tw_begin(&in);
	TW_SEC(&in, 5, 0x01, 0x00, 0x01);
	tw_uleb(&sec, 1);
	tw_put(&sec, "\x00\x41\x00\x0b", 4); /* i32.const 0 */
	tw_uleb(&sec, sizeof(data));
	tw_put(&sec, data, sizeof(data));
	tw_section(&in, 11, sec.data, sec.len);
	tw_optimize(&in, &OZ, &out, &st);
	b = tw_read(out.data, out.len);
	cr_assert_eq(b->n_datas, 3);
	assert_segment(b, 0, 0, "a\0b\0\0c\0\0\0d\0\0\0\0e\0\0\0\0\0f", 21);
	assert_segment(b, 1, 27, "g", 1);
	assert_segment(b, 2, 37, "h", 1);
	wp_module_free(b);
	wp_buf_release(&sec);
	wp_buf_release(&in);
	wp_buf_release(&out);
}

/* A segment of 900,010 bytes: non-zero but for a run of 20 zeros across
 * the end of the scan's first look-ahead window (256 KiB), 4 zeros across
 * the second, and 300,000 zeros (longer than a window) near the end. */
static void windowed_segment(wp_buf *in, uint8_t **data, size_t *len)
{
	wp_buf sec = WP_BUF_INIT(TW_MAX);
	uint8_t *d;

	*len = 900010;
	d = malloc(*len);
	cr_assert(d);
	memset(d, 1, *len);
	memset(d + 262140, 0, 20);
	memset(d + 524302, 0, 4);
	memset(d + 600000, 0, 300000);
	tw_begin(in);
	TW_SEC(in, 5, 0x01, 0x00, 14);
	tw_uleb(&sec, 1);
	tw_put(&sec, "\x00\x41\x00\x0b", 4); /* i32.const 0 */
	tw_uleb(&sec, *len);
	tw_put(&sec, d, *len);
	tw_section(in, 11, sec.data, sec.len);
	wp_buf_release(&sec);
	*data = d;
}

Test(optimize, long_segments_are_scanned_a_window_at_a_time)
{
	wp_buf in = WP_BUF_INIT(TW_MAX), out;
	wp_opt_stats st;
	uint8_t *d;
	size_t len;
	wp_module *b;

	windowed_segment(&in, &d, &len);
	tw_optimize(&in, &OZ, &out, &st);
	b = tw_read(out.data, out.len);
	/* the runs across window ends are seen whole: 20 zeros split, 4 do not */
	cr_assert_eq(b->n_datas, 3);
	assert_segment(b, 0, 0, (const char *)d, 262140);
	assert_segment(b, 1, 262160, (const char *)d + 262160, 600000 - 262160);
	assert_segment(b, 2, 900000, (const char *)d + 900000, 10);
	cr_assert_eq(st.data, 20 + 300000);
	wp_module_free(b);
	free(d);
	wp_buf_release(&in);
	wp_buf_release(&out);
}

Test(optimize, data_segments_merge_and_lose_their_zeros)
{
	wp_buf in, out;
	wp_opt_stats st;
	wp_module *b;

	optimize_wat("data", &OZ, &in, &out, &st);
	b = tw_read(out.data, out.len);
	cr_assert_eq(st.n_data_in, 7);
	cr_assert_eq(st.n_data_out, 6);
	cr_assert_eq(b->n_datas, 6);
	/* 16 "abc" and 21 "def": the 2-byte gap is cheaper than a header */
	assert_segment(b, 0, 16, "abc\0\0def", 8);
	/* 1000 "\0\0xyz\0\0\0\0": the zeros at both ends go */
	assert_segment(b, 1, 1002, "xyz", 3);
	/* 4000, all zeros, is gone; 5000 loses its zero tail */
	assert_segment(b, 2, 5000, "tail", 4);
	/* 8000 is split at its 20 zeros (a header costs 6 bytes), not at
	 * its 3 */
	assert_segment(b, 3, 8000, "head", 4);
	assert_segment(b, 4, 8024, "body\0\0\0x", 8);
	/* the last one ends exactly at the end of the memory */
	assert_segment(b, 5, 65530, "end", 3);
	/* the contents: 3 + 3 + 9 + 4 + 16 + 32 + 6 bytes before,
	 * 8 + 3 + 4 + 4 + 8 + 3 after */
	cr_assert_eq(st.data, 73 - 30);
	assert_fixed_point(&out, &OZ);
	wp_module_free(b);
	wp_buf_release(&in);
	wp_buf_release(&out);

	/* -Os leaves data alone */
	optimize_wat("data", &OS, &in, &out, &st);
	b = tw_read(out.data, out.len);
	cr_assert_eq(b->n_datas, 7);
	wp_module_free(b);
	wp_buf_release(&in);
	wp_buf_release(&out);
}

/* -Oz changes no data segment of the wat file `name`. */
/* A module with n one-byte segments 64 bytes apart (too far to merge) and,
 * last, one holding four bytes between runs of 32 zeros. */
static void many_segments(wp_buf *b, uint32_t n)
{
	static const char split_me[] = "a\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
				       "\0\0\0\0\0\0\0\0\0\0\0b\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
				       "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0c\0\0\0\0\0\0\0\0\0\0\0"
				       "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0d";
	wp_buf sec = WP_BUF_INIT(TW_MAX);

	tw_begin(b);
	TW_SEC(b, 5, 0x01, 0x00, 0xe8, 0x07); /* 1000 pages */
	tw_uleb(&sec, n + 1);
	for (uint32_t i = 0; i <= n; i++) {
		bool last = i == n;

		tw_byte(&sec, 0x00);
		tw_byte(&sec, 0x41);
		tw_sleb_w(&sec, (int64_t)i * 64, 1);
		tw_byte(&sec, 0x0b);
		tw_uleb(&sec, last ? sizeof(split_me) - 1 : 1);
		tw_put(&sec, last ? split_me : "\x01", last ? sizeof(split_me) - 1 : 1);
	}
	tw_section(b, 11, sec.data, sec.len);
	wp_buf_release(&sec);
}

Test(optimize, splitting_stops_short_of_100000_segments)
{
	/* V8 refuses more than 100,000 data segments: with 99,991 the split
	 * segment becomes 4, with 99,998 it stays one */
	static const uint32_t sizes[][2] = {{99990, 99994}, {99997, 99998}};

	for (size_t i = 0; i < WP_ARRAY_SIZE(sizes); i++) {
		wp_buf in, out;
		wp_opt_stats st;
		wp_module *b;

		many_segments(&in, sizes[i][0]);
		tw_optimize(&in, &OZ, &out, &st);
		b = tw_read(out.data, out.len);
		cr_assert_eq(b->n_datas, sizes[i][1], "%u segments in: %u out, expected %u",
			     sizes[i][0] + 1, b->n_datas, sizes[i][1]);
		wp_module_free(b);
		wp_buf_release(&in);
		wp_buf_release(&out);
	}
}

static void assert_data_untouched(const char *name)
{
	wp_buf in, out;
	wp_opt_stats st;
	wp_module *a, *b;

	optimize_wat(name, &OZ, &in, &out, &st);
	a = tw_read(in.data, in.len);
	b = tw_read(out.data, out.len);
	assert_same_data(a, b);
	cr_assert_eq(st.n_data_out, st.n_data_in);
	cr_assert_eq(st.data, 0);
	wp_module_free(a);
	wp_module_free(b);
	wp_buf_release(&in);
	wp_buf_release(&out);
}

Test(optimize, data_of_several_memories)
{
	/* memory 0 is imported (left alone, its segments keep their order),
	 * 1 is defined (merged, trimmed), 2 is a memory64 (i64 offsets) */
	static const char wat[] =
		"(module\n"
		"  (import \"env\" \"m\" (memory $m0 1))\n"
		"  (memory $m1 1)\n"
		"  (memory $m2 i64 1)\n"
		"  (data (memory $m1) (i32.const 10) \"a\\00\")\n"
		"  (data (memory $m0) (i32.const 10) \"b\\00\\00\")\n"
		"  (data (memory $m1) (i32.const 13) \"c\\00\\00\\00\")\n"
		"  (data (memory $m2) (i64.const 100) \"\\00\\00d\")\n"
		"  (data (memory $m0) (i32.const 11) \"X\")\n"
		"  (data (memory $m2) (i64.const 104) \"e\\00\")\n"
		"  (func (export \"f\") (result i32) (i32.load8_u $m1 (i32.const 13))))\n";
	wp_buf in, out;
	wp_opt_stats st;
	wp_module *b;

	tw_wat(wat, &in);
	tw_optimize(&in, &OZ, &out, &st);
	b = tw_read(out.data, out.len);
	cr_assert_eq(b->n_datas, 4);
	cr_assert_eq(b->datas[0].memory, 1);
	assert_segment(b, 0, 10, "a\0\0c", 4);
	cr_assert_eq(b->datas[1].memory, 0);
	assert_segment(b, 1, 10, "b\0\0", 3);
	cr_assert_eq(b->datas[2].memory, 2);
	assert_segment(b, 2, 102, "d\0e", 3);
	cr_assert_eq(b->bytes[b->datas[2].offset.offset], 0x42, "i64.const for a memory64");
	cr_assert_eq(b->datas[3].memory, 0);
	assert_segment(b, 3, 11, "X", 1);
	assert_fixed_point(&out, &OZ);
	wp_module_free(b);
	wp_buf_release(&in);
	wp_buf_release(&out);
}

Test(optimize, a_segment_that_would_trap_keeps_its_memory_untouched)
{
	assert_data_untouched("data_oob");
}

Test(optimize, imported_memories_are_not_trimmed)
{
	assert_data_untouched("data_import");
}

Test(optimize, bulk_memory_instructions_pin_the_segments)
{
	assert_data_untouched("passive");
}

Test(optimize, legacy_exceptions_with_delegate)
{
	wp_buf in, out;
	wp_opt_stats st;
	wp_module *a, *b;

	/* delegate ends a try without an end: the writer once kept counting
	 * the try open and ran past the end of the body */
	optimize_wat("eh", &OS, &in, &out, &st);
	wp_buf_release(&out);
	tw_optimize(&in, &OZ, &out, &st);
	a = tw_read(in.data, in.len);
	b = tw_read(out.data, out.len);
	cr_assert_eq(b->n_funcs, a->n_funcs);
	cr_assert_eq(b->n_tags, 1);
	wp_module_free(a);
	wp_module_free(b);
	wp_buf_release(&in);
	wp_buf_release(&out);
}

Test(optimize, passive_data_without_a_memory)
{
	wp_buf in, out;
	wp_opt_stats st;
	wp_module *b;

	/* a passive segment names no memory; the module has none. -Os keeps
	 * it, -Oz drops it: no instruction names it */
	tw_wat("(module (data \"abc\") (func (export \"f\") (result i32) i32.const 1))", &in);
	tw_optimize(&in, &OS, &out, &st);
	b = tw_read(out.data, out.len);
	cr_assert_eq(b->n_memories, 0);
	cr_assert_eq(b->n_datas, 1);
	cr_assert_eq(b->datas[0].mode, WP_SEG_PASSIVE);
	wp_module_free(b);
	wp_buf_release(&out);
	tw_optimize(&in, &OZ, &out, &st);
	b = tw_read(out.data, out.len);
	cr_assert_eq(b->n_datas, 0);
	wp_module_free(b);
	wp_buf_release(&out);
	wp_buf_release(&in);
}

/* The value of the i32.const function f's body starts with (no locals). */
static int64_t const_body_value(const wp_module *m, uint32_t f)
{
	const uint8_t *p, *end;
	int64_t v = 0;

	cr_assert_lt(f, m->n_funcs);
	p = m->bytes + m->funcs[f].body.offset;
	end = p + m->funcs[f].body.size;
	cr_assert_eq(p[0], 0, "function %u has locals", f);
	cr_assert_eq(p[1], 0x41, "function %u does not start with i32.const", f);
	cr_assert_gt(wp_leb_s(p + 2, end, 32, &v), 0);
	return v;
}

/* The value of the function at position k of element segment seg. */
static int64_t indirect_target_value(const wp_module *m, uint32_t seg, uint32_t k)
{
	const wp_elem *e = &m->elems[seg];
	const uint8_t *p = m->bytes + e->items.offset, *end = p + e->items.size;
	uint64_t idx = 0;

	for (uint32_t i = 0; i <= k; i++)
		p += wp_leb_u(p, end, 32, &idx);
	return const_body_value(m, (uint32_t)idx);
}

Test(optimize, functions_renumbered_by_use_within_index_widths)
{
	enum {
		N = 300
	};
	wp_buf wat = WP_BUF_INIT(1 << 20), in, out;
	wp_error *err = NULL;
	wp_opt_stats st;
	wp_module *b;
	int64_t at[N + 1];
	int r;

	/* $f0..$f299 start with their number (then a load whose offset
	 * differs, so that they are not merged as alike); "run" calls $f250
	 * three times, $f299 twice and every other function once. The two
	 * that are called more move into the one-byte indices (0-127); within
	 * those, functions keep their original order */
	r = wp_buf_append_str(&wat, "(module (memory 1)\n", &err);
	for (int i = 0; r == 0 && i < N; i++)
		r = wp_buf_appendf(&wat, &err,
				   "(func $f%d (result i32) i32.const %d i32.load offset=%d)\n", i,
				   i, i);
	r = r ? r
	      : wp_buf_append_str(&wat, "(func (export \"run\") (result i32) i32.const 0\n", &err);
	for (int i = 0; r == 0 && i < N; i++)
		r = wp_buf_appendf(&wat, &err, "call $f%d i32.add\n", i);
	for (int i = 0; r == 0 && i < 2; i++)
		r = wp_buf_append_str(&wat, "call $f250 i32.add call $f299 i32.add\n", &err);
	r = r ? r : wp_buf_append_str(&wat, "call $f250 i32.add))", &err);
	assert_ok(r, err);
	tw_wat(wp_buf_cstr(&wat), &in);
	tw_optimize(&in, &OZ, &out, &st);
	b = tw_read(out.data, out.len);
	cr_assert_eq(b->n_funcs, N + 1);
	for (uint32_t f = 0; f < b->n_funcs; f++) {
		bool is_run = b->exports[0].index == f;

		at[f] = is_run ? -1 : const_body_value(b, f);
	}
	/* indices 0-127: the two most called and, in their original order,
	 * the first of the rest; $f250 before $f299 */
	for (uint32_t f = 0, prev = 0; f < 128; f++) {
		if (at[f] < 0)
			continue;
		cr_assert_geq(at[f], prev, "index %u holds $f%" PRId64 " after $f%u", f, at[f],
			      prev);
		prev = (uint32_t)at[f];
	}
	cr_assert_eq(at[126], 250);
	cr_assert_eq(at[127], 299);
	wp_module_free(b);
	wp_buf_release(&wat);
	wp_buf_release(&in);
	wp_buf_release(&out);
}

Test(optimize, unused_tables_and_segments)
{
	wp_buf in, out;
	wp_opt_stats st;
	wp_module *a, *b;

	optimize_wat("tables", &OZ, &in, &out, &st);
	a = tw_read(in.data, in.len);
	b = tw_read(out.data, out.len);
	cr_assert_eq(a->n_tables, 2);
	cr_assert_eq(a->n_elems, 4);
	cr_assert_eq(a->n_datas, 3);
	/* the dead table, its segment, the unused passive segments and the
	 * two functions only they named are gone */
	cr_assert_eq(b->n_tables, 1);
	cr_assert_eq(b->n_elems, 2);
	cr_assert_eq(b->n_datas, 2);
	cr_assert_eq(b->n_funcs, a->n_funcs - 2);
	cr_assert_eq(b->tables[0].limits.min, 4);
	/* the live table's segment, now for table 0, still holds $one $two */
	cr_assert_eq(b->elems[0].mode, WP_SEG_ACTIVE);
	cr_assert_eq(b->elems[0].table, 0);
	cr_assert_eq(indirect_target_value(b, 0, 0), 1);
	cr_assert_eq(indirect_target_value(b, 0, 1), 2);
	cr_assert_eq(b->elems[1].mode, WP_SEG_PASSIVE);
	cr_assert_eq(indirect_target_value(b, 1, 0), 3);
	cr_assert_eq(b->datas[0].mode, WP_SEG_PASSIVE);
	cr_assert_eq(b->datas[0].bytes.size, 6);
	cr_assert_eq(b->data_count, 2);
	assert_same_exports(a, b);
	wp_module_free(a);
	wp_module_free(b);
	wp_buf_release(&in);
	wp_buf_release(&out);
}

Test(optimize, segments_that_could_trap_keep_their_tables)
{
	static const char *const wats[] = {
		/* does not fit: instantiation traps, with or without -Oz */
		"(module (table 2 funcref) (elem (i32.const 1) func $f $f)"
		" (func $f (export \"f\") (result i32) i32.const 1))",
		/* its offset is an imported global: it might not fit */
		"(module (import \"env\" \"g\" (global i32)) (table 2 funcref)"
		" (elem (global.get 0) func $f) (func $f (export \"f\") (result i32) i32.const 1))",
		/* an imported table is someone else's */
		"(module (import \"env\" \"t\" (table 2 funcref)) (elem (i32.const 0) func $f)"
		" (func $f (export \"f\") (result i32) i32.const 1))",
		/* an exported table is used */
		"(module (table (export \"t\") 2 funcref) (elem (i32.const 0) func $f)"
		" (func $f (result i32) i32.const 1))",
	};

	for (size_t i = 0; i < WP_ARRAY_SIZE(wats); i++) {
		wp_buf in, out;
		wp_opt_stats st;
		wp_module *b;

		tw_wat(wats[i], &in);
		tw_optimize(&in, &OZ, &out, &st);
		b = tw_read(out.data, out.len);
		cr_assert_eq(b->n_tables, 1, "module %zu", i);
		cr_assert_eq(b->n_elems, 1, "module %zu", i);
		cr_assert_eq(b->n_funcs - b->n_imported_funcs, 1, "module %zu", i);
		wp_module_free(b);
		wp_buf_release(&in);
		wp_buf_release(&out);
	}
}

Test(optimize, a_dead_global_declaring_a_function_reference_stays)
{
	wp_buf in, out;
	wp_opt_stats st;
	wp_module *b;

	/* (global funcref (ref.func 0)), unused, is what declares function 0
	 * for the ref.func in its exported body: removing the global would
	 * make the output invalid (wabt 1.0.32 misjudges ref.func, so the
	 * module is assembled here) */
	tw_begin(&in);
	TW_SEC(&in, 1, 0x01, 0x60, 0x00, 0x01, 0x70);
	TW_SEC(&in, 3, 0x01, 0x00);
	TW_SEC(&in, 6, 0x01, 0x70, 0x00, 0xd2, 0x00, 0x0b);
	TW_SEC(&in, 7, 0x01, 0x01, 'x', 0x00, 0x00);
	TW_CODE1(&in, 0x00, 0xd2, 0x00, 0x0b);
	tw_optimize(&in, &OZ, &out, &st);
	b = tw_read(out.data, out.len);
	cr_assert_eq(b->n_globals, 1);
	wp_module_free(b);
	wp_buf_release(&in);
	wp_buf_release(&out);
}

/* ---- custom sections ---- */

static const char small_wat[] = "(module\n"
				"  (func $used (export \"f\") (result i32) (call $twice))\n"
				"  (func $dead (result i32) (i32.const 7))\n"
				"  (func $twice (result i32) (i32.const 2)))\n";

/* small_wat (whose name section wabt writes) with dylink.0 first and other
 * custom sections after. */
static void with_custom_sections(wp_buf *b)
{
	static const uint8_t features[] = {0x01, '+', 0x08, 's', 'i', 'g', 'n', '-', 'e', 'x', 't'};
	wp_buf mod;

	tw_wat(small_wat, &mod);
	tw_begin(b);
	tw_custom(b, "dylink.0", "", 0);
	tw_put(b, mod.data + 8, mod.len - 8);
	tw_custom(b, "producers", "\0", 1);
	tw_custom(b, ".debug_info", "dwarf", 5);
	tw_custom(b, ".debug_line", "lines", 5);
	tw_custom(b, "sourceMappingURL", "\x05x.map", 6);
	tw_custom(b, "external_debug_info", "\x05x.dbg", 6);
	tw_custom(b, "build_id", "\x02id", 3);
	tw_custom(b, "target_features", features, sizeof(features));
	tw_custom(b, "component-type:x", "ct", 2);
	tw_custom(b, "vendor.notes", "kept", 4);
	wp_buf_release(&mod);
}

static void assert_sections(const wp_buf *out, const char *const *present,
			    const char *const *absent)
{
	wp_module *m = tw_read(out->data, out->len);

	for (; *present; present++)
		cr_assert_not_null(tw_custom_section(m, *present), "\"%s\" is gone", *present);
	for (; *absent; absent++)
		cr_assert_null(tw_custom_section(m, *absent), "\"%s\" is still there", *absent);
	wp_module_free(m);
}

static const char *const runtime_sections[] = {"dylink.0", "component-type:x", "vendor.notes",
					       NULL};
static const char *const tooling_sections[] = {
	"name",	       "producers",	   ".debug_info",
	".debug_line", "sourceMappingURL", "external_debug_info",
	"build_id",    "target_features",  NULL};
static const char *const none[] = {NULL};

Test(optimize, custom_sections_by_level)
{
	wp_buf in, out;
	wp_opt_stats st;
	wp_opt_options strip = O0;
	wp_module *m;

	with_custom_sections(&in);
	m = tw_read(in.data, in.len);
	cr_assert_eq(m->sections[0].id, 0, "dylink.0 comes first");
	wp_module_free(m);

	tw_optimize(&in, &O0, &out, &st);
	assert_sections(&out, runtime_sections, none);
	assert_sections(&out, tooling_sections, none);
	wp_buf_release(&out);

	tw_optimize(&in, &OS, &out, &st);
	assert_sections(&out, runtime_sections, tooling_sections);
	m = tw_read(out.data, out.len);
	cr_assert_eq(m->sections[0].id, 0, "dylink.0 still comes first");
	cr_assert_eq(m->n_funcs, 3);
	wp_module_free(m);
	cr_assert_gt(st.custom_sections, 0);
	cr_assert_eq(st.custom_sections + st.leb, in.len - out.len);
	wp_buf_release(&out);

	tw_optimize(&in, &OZ, &out, &st);
	assert_sections(&out, runtime_sections, tooling_sections);
	wp_buf_release(&out);

	/* --strip without -Os drops the same sections */
	strip.strip = true;
	tw_optimize(&in, &strip, &out, &st);
	assert_sections(&out, runtime_sections, tooling_sections);
	wp_buf_release(&out);
	wp_buf_release(&in);
}

Test(optimize, keep_section)
{
	static const char *const kept[] = {"producers", ".debug_info", "dylink.0", NULL};
	static const char *const dropped[] = {".debug_line", "name", NULL};
	wp_strv keep = {0};
	wp_opt_options o = OS;
	wp_buf in, out;
	wp_opt_stats st;

	test_strv_push(&keep, "producers");
	test_strv_push(&keep, ".debug_info");
	test_strv_push(&keep, "no-such-section");
	o.keep_sections = &keep;
	with_custom_sections(&in);
	tw_optimize(&in, &o, &out, &st);
	assert_sections(&out, kept, dropped);
	wp_buf_release(&out);
	wp_buf_release(&in);
	wp_strv_release(&keep);
}

/* The function names of m's name section: names[i] for function i, NULL
 * when it has none (at most n functions). The indices must increase. */
static void function_names(const wp_module *m, char **names, uint32_t n)
{
	const uint8_t *p, *end;
	uint64_t count = 0, idx = 0, len = 0;
	int64_t last = -1;

	for (uint32_t i = 0; i < n; i++)
		names[i] = NULL;
	if (!tw_name_subsection(m, 1, &p, &end))
		return;
	p += wp_leb_u(p, end, 32, &count);
	for (uint64_t k = 0; k < count; k++) {
		p += wp_leb_u(p, end, 32, &idx);
		p += wp_leb_u(p, end, 32, &len);
		cr_assert_lt(idx, m->n_funcs);
		cr_assert_lt(idx, n);
		cr_assert_gt((int64_t)idx, last, "function names out of order");
		last = (int64_t)idx;
		names[idx] = strndup((const char *)p, len);
		p += len;
	}
}

/* The name of the function exported as `export`. */
static const char *name_of_export(const wp_module *m, char **names, const char *export)
{
	const char *name = names[export_named(m, export)->index];

	cr_assert_not_null(name, "export \"%s\" has no name", export);
	return name;
}

static void free_names(char **names, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		free(names[i]);
}

Test(optimize, a_kept_name_section_follows_the_new_indices)
{
	wp_strv keep = {0};
	wp_opt_options o = OZ;
	wp_buf in, out;
	wp_opt_stats st;
	wp_module *m;
	char *names[4];

	test_strv_push(&keep, "name");
	o.keep_sections = &keep;
	tw_wat(small_wat, &in);
	/* $used, $dead, $twice → $used, $twice: names must follow, or wabt
	 * refuses the module (more names than functions) */
	tw_optimize(&in, &o, &out, &st);
	m = tw_read(out.data, out.len);
	cr_assert_eq(m->n_funcs, 2);
	function_names(m, names, 4);
	cr_assert_str_eq(name_of_export(m, names, "f"), "used");
	cr_assert_str_eq(names[1 - export_named(m, "f")->index], "twice");
	free_names(names, 4);
	wp_module_free(m);
	wp_buf_release(&out);
	wp_buf_release(&in);

	/* merged functions keep the name of the one that stays */
	tw_wat("(module (func $a (result i32) i32.const 1) (func $b (result i32) i32.const 1)\n"
	       "  (func $c (export \"c\") (result i32) (i32.add (call $a) (call $b))))",
	       &in);
	tw_optimize(&in, &o, &out, &st);
	m = tw_read(out.data, out.len);
	cr_assert_eq(m->n_funcs, 2);
	function_names(m, names, 4);
	cr_assert_str_eq(name_of_export(m, names, "c"), "c");
	cr_assert_str_eq(names[1 - export_named(m, "c")->index], "a");
	free_names(names, 4);
	wp_module_free(m);
	wp_buf_release(&out);
	wp_buf_release(&in);

	/* a function defined last and called most: whatever order -Oz picks,
	 * the names stay sorted by index and attached to their functions */
	tw_wat("(module\n"
	       "  (func $rare (export \"rare\") (result i32) (call $hot))\n"
	       "  (func $mid (export \"mid\") (result i32)\n"
	       "    (i32.add (call $hot) (i32.add (call $hot) (call $hot))))\n"
	       "  (func $hot (export \"hot\") (result i32) (i32.const 5)))",
	       &in);
	tw_optimize(&in, &o, &out, &st);
	m = tw_read(out.data, out.len);
	function_names(m, names, 4);
	cr_assert_str_eq(name_of_export(m, names, "rare"), "rare");
	cr_assert_str_eq(name_of_export(m, names, "mid"), "mid");
	cr_assert_str_eq(name_of_export(m, names, "hot"), "hot");
	free_names(names, 4);
	wp_module_free(m);
	wp_buf_release(&out);
	wp_buf_release(&in);
	wp_strv_release(&keep);
}

Test(optimize, custom_section_kept_by_name)
{
	wp_opt_options o = OS;

	cr_assert_not(wp_custom_section_kept("name", 4, &o));
	cr_assert_not(wp_custom_section_kept(".debug_str", 10, &o));
	cr_assert_not(wp_custom_section_kept("build_id", 8, &o));
	cr_assert(wp_custom_section_kept("dylink.0", 8, &o));
	cr_assert(wp_custom_section_kept("component-type:wit", 18, &o));
	cr_assert(wp_custom_section_kept("names", 5, &o), "only the exact name");
	cr_assert(wp_custom_section_kept("dylink", 6, &o));
	o.level = WP_OPT_NONE;
	cr_assert(wp_custom_section_kept("name", 4, &o));
	o.strip = true;
	cr_assert_not(wp_custom_section_kept("name", 4, &o));
}

/* ---- LEB128s and locals ---- */

/* One module in two encodings: every LEB128 `w` bytes wide (LLVM's
 * padding) with the locals declared one by one, or the shortest forms
 * with the locals merged. */
static void leb_module(wp_buf *b, unsigned w)
{
	wp_buf s = WP_BUF_INIT(1 << 16), body = WP_BUF_INIT(1 << 16);

	tw_begin(b);
	/* types: () -> i32, (i32) -> () */
	tw_uleb_w(&s, 2, w);
	tw_put(&s, TW_BYTES(0x60), 1);
	tw_uleb_w(&s, 0, w);
	tw_uleb_w(&s, 1, w);
	tw_put(&s, TW_BYTES(0x7f, 0x60), 2);
	tw_uleb_w(&s, 1, w);
	tw_put(&s, TW_BYTES(0x7f), 1);
	tw_uleb_w(&s, 0, w);
	tw_section_w(b, 1, s.data, s.len, w);
	wp_buf_reset(&s);
	/* import env.log: (i32) -> () */
	tw_uleb_w(&s, 1, w);
	tw_uleb_w(&s, 3, w);
	tw_put(&s, "env", 3);
	tw_uleb_w(&s, 3, w);
	tw_put(&s, "log", 3);
	tw_put(&s, TW_BYTES(0x00), 1);
	tw_uleb_w(&s, 1, w);
	tw_section_w(b, 2, s.data, s.len, w);
	wp_buf_reset(&s);
	/* function 1: () -> i32 */
	tw_uleb_w(&s, 1, w);
	tw_uleb_w(&s, 0, w);
	tw_section_w(b, 3, s.data, s.len, w);
	wp_buf_reset(&s);
	/* memory: min 1, max 2 */
	tw_uleb_w(&s, 1, w);
	tw_put(&s, TW_BYTES(0x01), 1);
	tw_uleb_w(&s, 1, w);
	tw_uleb_w(&s, 2, w);
	tw_section_w(b, 5, s.data, s.len, w);
	wp_buf_reset(&s);
	/* global: mutable i32 = -100 */
	tw_uleb_w(&s, 1, w);
	tw_put(&s, TW_BYTES(0x7f, 0x01, 0x41), 3);
	tw_sleb_w(&s, -100, w);
	tw_put(&s, TW_BYTES(0x0b), 1);
	tw_section_w(b, 6, s.data, s.len, w);
	wp_buf_reset(&s);
	/* export "run" function 1 */
	tw_uleb_w(&s, 1, w);
	tw_uleb_w(&s, 3, w);
	tw_put(&s, "run", 3);
	tw_put(&s, TW_BYTES(0x00), 1);
	tw_uleb_w(&s, 1, w);
	tw_section_w(b, 7, s.data, s.len, w);
	wp_buf_reset(&s);
	/* the body: locals i32, i32, i64, i64 (one by one when padded) */
	if (w > 1) {
		tw_uleb_w(&body, 4, w);
		for (int i = 0; i < 4; i++) {
			tw_uleb_w(&body, 1, w);
			tw_byte(&body, i < 2 ? 0x7f : 0x7e);
		}
	} else {
		tw_put(&body, TW_BYTES(0x02, 0x02, 0x7f, 0x02, 0x7e), 5);
	}
	/* block (type 0) i32.const 1000 local.set 0 global.get 0 local.set 1
	 * i32.const 0 i32.load offset=16 i32.const 5 br_table 0 0 0 end drop
	 * local.get 0 call 0 i32.const -1 end */
	tw_byte(&body, 0x02);
	tw_sleb_w(&body, 0, w);
	tw_byte(&body, 0x41);
	tw_sleb_w(&body, 1000, w);
	tw_byte(&body, 0x21);
	tw_uleb_w(&body, 0, w);
	tw_byte(&body, 0x23);
	tw_uleb_w(&body, 0, w);
	tw_byte(&body, 0x21);
	tw_uleb_w(&body, 1, w);
	tw_put(&body, TW_BYTES(0x41, 0x00, 0x28), 3);
	tw_uleb_w(&body, 2, w);
	tw_uleb_w(&body, 16, w);
	tw_byte(&body, 0x41);
	tw_sleb_w(&body, 5, w);
	tw_byte(&body, 0x0e);
	tw_uleb_w(&body, 2, w);
	for (int i = 0; i < 3; i++)
		tw_uleb_w(&body, 0, w);
	tw_put(&body, TW_BYTES(0x0b, 0x1a, 0x20), 3);
	tw_uleb_w(&body, 0, w);
	tw_byte(&body, 0x10);
	tw_uleb_w(&body, 0, w);
	tw_byte(&body, 0x41);
	tw_sleb_w(&body, -1, w);
	tw_byte(&body, 0x0b);
	tw_uleb_w(&s, 1, w);
	tw_uleb_w(&s, body.len, w);
	tw_put(&s, body.data, body.len);
	tw_section_w(b, 10, s.data, s.len, w);
	wp_buf_reset(&s);
	/* data: "hello" at 8 */
	tw_uleb_w(&s, 1, w);
	tw_put(&s, TW_BYTES(0x00, 0x41), 2);
	tw_sleb_w(&s, 8, w);
	tw_byte(&s, 0x0b);
	tw_uleb_w(&s, 5, w);
	tw_put(&s, "hello", 5);
	tw_section_w(b, 11, s.data, s.len, w);
	wp_buf_release(&s);
	wp_buf_release(&body);
}

Test(optimize, shortest_lebs_and_merged_locals)
{
	wp_buf padded, shortest, out;
	wp_opt_stats st;

	leb_module(&padded, 5);
	leb_module(&shortest, 1);
	tw_valid(padded.data, padded.len);
	cr_assert(tw_wabt_accepts(padded.data, padded.len));
	cr_assert_gt(padded.len, shortest.len + 100);
	/* -Os turns the padded module into exactly the shortest one */
	tw_optimize(&padded, &OS, &out, &st);
	cr_assert_eq(out.len, shortest.len, "%zu bytes, expected %zu", out.len, shortest.len);
	cr_assert_eq(memcmp(out.data, shortest.data, out.len), 0);
	cr_assert_eq(st.leb, padded.len - shortest.len);
	cr_assert_eq(st.custom_sections, 0);
	wp_buf_release(&out);
	/* and leaves the shortest one as it is */
	tw_optimize(&shortest, &OS, &out, &st);
	cr_assert_eq(out.len, shortest.len);
	cr_assert_eq(memcmp(out.data, shortest.data, out.len), 0);
	cr_assert_eq(st.leb, 0);
	wp_buf_release(&out);
	wp_buf_release(&padded);
	wp_buf_release(&shortest);
}

Test(optimize, every_wat_file_at_every_level)
{
	static const char *const files[] = {"dce",	   "dedup",   "data", "data_oob",
					    "data_import", "passive", "eh",   "tables"};
	static const wp_opt_options *const levels[] = {&O0, &OS, &OZ};

	for (size_t i = 0; i < WP_ARRAY_SIZE(files); i++) {
		wp_buf in;
		size_t prev;

		tw_wat_file(files[i], &in);
		prev = in.len;
		for (size_t k = 0; k < WP_ARRAY_SIZE(levels); k++) {
			wp_buf out;
			wp_opt_stats st;
			wp_module *a, *b;

			tw_optimize(&in, levels[k], &out, &st);
			cr_assert_leq(out.len, prev, "%s: level %zu grew it", files[i], k);
			prev = out.len;
			a = tw_read(in.data, in.len);
			b = tw_read(out.data, out.len);
			assert_same_exports(a, b);
			wp_module_free(a);
			wp_module_free(b);
			wp_buf_release(&out);
		}
		wp_buf_release(&in);
	}
}
