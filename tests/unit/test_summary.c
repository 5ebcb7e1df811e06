/* wasmopt/summary: what `wasmpack inspect` will show of a binary: imports
 * with signatures, exports, custom sections, the producers section, WASI
 * detection, and a component's top-level import and export names. The
 * binaries are written by hand (or from WAT with wabt); hello.wasm is the
 * clang-built module of tests/data/wasm, and the component of
 * tests/data/component was made from it by wit-component. */
#include <criterion/criterion.h>

#include "helpers.h"
#include "../../wasmopt/summary.h"
#include "../../lib/common.h"

TEST_TMPDIR_SUITE(summary);

/* A name as the binary format writes it: its length, then its bytes. */
static void put_name(wp_buf *b, const char *s)
{
	tw_uleb(b, strlen(s));
	tw_put(b, s, strlen(s));
}

/* A component's import or export name in its plain form (0x00). */
static void put_extern_name(wp_buf *b, const char *s)
{
	tw_byte(b, 0x00);
	put_name(b, s);
}

/* language: [C11], processed-by: [clang 17.0.6] */
static void producers_payload(wp_buf *p)
{
	wp_buf_init(p, TW_MAX);
	tw_uleb(p, 2);
	put_name(p, "language");
	tw_uleb(p, 1);
	put_name(p, "C11");
	put_name(p, "");
	put_name(p, "processed-by");
	tw_uleb(p, 1);
	put_name(p, "clang");
	put_name(p, "17.0.6");
}

/* A malformed section payload, and what the reason for not reading it
 * must say. */
struct bad_payload {
	const char *what;
	const uint8_t *bytes;
	size_t len;
	const char *needle;
};

#define BAD_PAYLOAD(what, needle, ...)                                             \
	{                                                                          \
		what, TW_BYTES(__VA_ARGS__), sizeof(TW_BYTES(__VA_ARGS__)), needle \
	}

/* A new buffer holding a component's header (version 0x0d, layer 1). */
static void component_begin(wp_buf *b)
{
	wp_buf_init(b, TW_MAX);
	tw_put(b, "\0asm\x0d\0\1\0", 8);
}

/* Summarizes b, which must succeed. */
static void summarize(const wp_buf *b, wp_module_summary *s)
{
	wp_error *err = NULL;
	int r = wp_module_summarize(s, (const uint8_t *)b->data, b->len, "t.wasm", &err);

	assert_ok(r, err);
}

/* Summarizing b must fail with code and a message containing needle, and
 * leave out untouched. */
static void refused(const wp_buf *b, int code, const char *needle)
{
	wp_module_summary s, before;
	wp_error *err = NULL;
	int r;

	memset(&s, 0xab, sizeof(s));
	before = s;
	r = wp_module_summarize(&s, (const uint8_t *)b->data, b->len, "t.wasm", &err);
	assert_error(r, err, code, needle);
	cr_assert_arr_eq(&s, &before, sizeof(s), "out untouched on failure");
}

static void assert_producer(const wp_module_summary *s, const char *field, size_t i,
			    const char *name, const char *version)
{
	const wp_producer_field *f = wp_module_summary_producers(s, field);

	cr_assert_not_null(f, "no producers field \"%s\"", field);
	cr_assert_lt(i, f->n_values, "%s has %zu values", field, f->n_values);
	cr_assert_str_eq(f->values[i].name, name);
	cr_assert_str_eq(f->values[i].version, version);
}

static void assert_import(const wp_module_summary *s, size_t i, const char *module,
			  const char *name, const char *kind, const char *signature)
{
	const wp_summary_import *im = &s->imports[i];

	cr_assert_lt(i, s->n_imports);
	if (module)
		cr_assert_str_eq(im->module, module);
	else
		cr_assert_null(im->module, "import %zu: a module name in a component", i);
	cr_assert_str_eq(im->name, name);
	cr_assert_str_eq(im->kind, kind);
	if (signature)
		cr_assert_str_eq(im->signature, signature);
	else
		cr_assert_null(im->signature, "import %zu: signature \"%s\"", i, im->signature);
}

static void assert_export(const wp_module_summary *s, size_t i, const char *name, const char *kind,
			  uint32_t index, const char *signature)
{
	const wp_summary_export *ex = &s->exports[i];

	cr_assert_lt(i, s->n_exports);
	cr_assert_str_eq(ex->name, name);
	cr_assert_str_eq(ex->kind, kind);
	cr_assert_eq(ex->index, index, "export %zu: index %u", i, ex->index);
	if (signature)
		cr_assert_str_eq(ex->signature, signature);
	else
		cr_assert_null(ex->signature, "export %zu: signature \"%s\"", i, ex->signature);
}

Test(summary, wasi_preview1_command)
{
	wp_buf b;
	wp_module_summary s;

	tw_wat("(module\n"
	       "  (import \"wasi_snapshot_preview1\" \"fd_write\"\n"
	       "    (func (param i32 i32 i32 i32) (result i32)))\n"
	       "  (import \"wasi_snapshot_preview1\" \"proc_exit\" (func $exit (param i32)))\n"
	       "  (memory (export \"memory\") 1)\n"
	       "  (func (export \"_start\") (call $exit (i32.const 0))))",
	       &b);
	summarize(&b, &s);
	cr_assert_not(s.component);
	cr_assert_eq(s.size, b.len);
	cr_assert_eq(s.wasi, WP_WASI_PREVIEW1);
	cr_assert_str_eq(wp_wasi_version_name(s.wasi), "preview1");
	cr_assert_eq(s.wasi_interfaces.len, 0);
	cr_assert_eq(s.n_imports, 2);
	assert_import(&s, 0, "wasi_snapshot_preview1", "fd_write", "func",
		      "(i32, i32, i32, i32) -> i32");
	assert_import(&s, 1, "wasi_snapshot_preview1", "proc_exit", "func", "(i32) -> ()");
	cr_assert_eq(s.n_exports, 2);
	assert_export(&s, 0, "memory", "memory", 0, NULL);
	assert_export(&s, 1, "_start", "func", 2, "() -> ()");
	cr_assert_not(s.has_producers);
	cr_assert_eq(s.n_producers, 0);
	cr_assert_null(s.producers_unreadable);
	cr_assert_null(s.imports_unreadable);
	cr_assert_null(s.exports_unreadable);
	wp_module_summary_release(&s);
	wp_buf_release(&b);
}

Test(summary, clang_built_module)
{
	wp_buf b;
	wp_module_summary s;

	test_read_file("../data/wasm/hello.wasm", &b, TW_MAX);
	summarize(&b, &s);
	cr_assert_eq(s.size, 25260);
	cr_assert_eq(s.wasi, WP_WASI_PREVIEW1);
	cr_assert_eq(s.n_imports, 9);
	for (size_t i = 0; i < s.n_imports; i++)
		cr_assert_str_eq(s.imports[i].module, "wasi_snapshot_preview1");
	assert_import(&s, 6, "wasi_snapshot_preview1", "fd_seek", "func",
		      "(i32, i64, i32, i32) -> i32");
	cr_assert_eq(s.n_exports, 2);
	assert_export(&s, 0, "memory", "memory", 0, NULL);
	assert_export(&s, 1, "_start", "func", 30, "() -> ()");
	cr_assert_eq(s.n_customs, 1);
	cr_assert_str_eq(s.customs[0].name, "producers");
	cr_assert_eq(s.customs[0].size, 60, "as wasm-objdump -h says (0x3c)");
	cr_assert(s.has_producers);
	cr_assert_null(s.producers_unreadable);
	cr_assert_eq(s.n_producers, 2);
	assert_producer(&s, "language", 0, "C99", "");
	assert_producer(&s, "processed-by", 0, "Debian clang", "14.0.6");
	cr_assert_null(wp_module_summary_producers(&s, "sdk"));
	wp_module_summary_release(&s);
	wp_buf_release(&b);
}

Test(summary, producers_section)
{
	wp_buf b, p;
	wp_module_summary s;
	const wp_producer_field *f;

	tw_begin(&b);
	producers_payload(&p);
	tw_custom(&b, "producers", p.data, p.len);
	summarize(&b, &s);
	cr_assert(s.has_producers);
	cr_assert_null(s.producers_unreadable);
	cr_assert_eq(s.n_producers, 2);
	cr_assert_str_eq(s.producers[0].name, "language");
	cr_assert_str_eq(s.producers[1].name, "processed-by");
	f = wp_module_summary_producers(&s, "language");
	cr_assert_eq(f, &s.producers[0]);
	cr_assert_eq(f->n_values, 1);
	assert_producer(&s, "language", 0, "C11", "");
	assert_producer(&s, "processed-by", 0, "clang", "17.0.6");
	cr_assert_eq(s.n_customs, 1);
	cr_assert_str_eq(s.customs[0].name, "producers");
	cr_assert_eq(s.customs[0].size, 1 + strlen("producers") + p.len);
	cr_assert_eq(s.wasi, WP_WASI_NONE);
	wp_module_summary_release(&s);
	wp_buf_release(&p);
	wp_buf_release(&b);
}

Test(summary, several_values_and_other_fields)
{
	wp_buf b, p = WP_BUF_INIT(TW_MAX);
	wp_module_summary s;

	tw_uleb(&p, 2);
	put_name(&p, "sdk");
	tw_uleb(&p, 2);
	put_name(&p, "wasi-sdk");
	put_name(&p, "22.0");
	put_name(&p, "emscripten");
	put_name(&p, "3.1.50");
	put_name(&p, "x-custom"); /* not in the conventions: kept anyway */
	tw_uleb(&p, 0);
	tw_begin(&b);
	tw_custom(&b, "producers", p.data, p.len);
	summarize(&b, &s);
	cr_assert_null(s.producers_unreadable);
	assert_producer(&s, "sdk", 0, "wasi-sdk", "22.0");
	assert_producer(&s, "sdk", 1, "emscripten", "3.1.50");
	cr_assert_eq(wp_module_summary_producers(&s, "x-custom")->n_values, 0);
	cr_assert_null(wp_module_summary_producers(&s, "language"));
	wp_module_summary_release(&s);
	wp_buf_release(&p);
	wp_buf_release(&b);
}

/* A module with an import, an export and custom sections around a
 * producers section whose payload is p. */
static void module_with_producers(wp_buf *b, const void *p, size_t len)
{
	tw_begin(b);
	TW_SEC(b, 1, 0x01, 0x60, 0x00, 0x00);
	TW_SEC(b, 2, 0x01, 0x03, 'e', 'n', 'v', 0x01, 'f', 0x00, 0x00);
	TW_SEC(b, 7, 0x01, 0x01, 'f', 0x00, 0x00);
	tw_custom(b, "before", "12345", 5);
	tw_custom(b, "producers", p, len);
	tw_custom(b, "after", "", 0);
}

/* The producers section of b is unreadable, with a reason containing
 * needle, and everything else is there. */
static void unreadable_producers(const wp_buf *b, const char *needle)
{
	wp_module_summary s;

	summarize(b, &s);
	cr_assert(s.has_producers);
	cr_assert_not_null(s.producers_unreadable, "a producers section read");
	cr_assert_not_null(strstr(s.producers_unreadable, needle), "\"%s\" lacks \"%s\"",
			   s.producers_unreadable, needle);
	cr_assert_eq(s.n_producers, 0);
	cr_assert_null(s.producers);
	cr_assert_eq(s.n_imports, 1);
	assert_import(&s, 0, "env", "f", "func", "() -> ()");
	cr_assert_eq(s.n_exports, 1);
	assert_export(&s, 0, "f", "func", 0, "() -> ()");
	cr_assert_eq(s.n_customs, 3);
	cr_assert_str_eq(s.customs[0].name, "before");
	cr_assert_str_eq(s.customs[1].name, "producers");
	cr_assert_str_eq(s.customs[2].name, "after");
	wp_module_summary_release(&s);
}

Test(summary, truncated_producers_are_unreadable_but_the_rest_is_shown)
{
	wp_buf p;

	producers_payload(&p);
	/* every cut of the payload: the field count promises more */
	for (size_t cut = 0; cut < p.len; cut++) {
		wp_buf b;

		module_with_producers(&b, p.data, cut);
		unreadable_producers(&b, cut == 0 ? "unexpected end" : "\"t.wasm\": offset 0x");
		wp_buf_release(&b);
	}
	{
		/* cut inside "clang": its length says 5 bytes, "cl" is left */
		wp_buf b;

		module_with_producers(&b, p.data, p.len - 7 - 3);
		unreadable_producers(&b, "unexpected end: 5 bytes declared, 2 remain");
		wp_buf_release(&b);
	}
	wp_buf_release(&p);
}

Test(summary, malformed_producers)
{
	const struct bad_payload cases[] = {
		BAD_PAYLOAD("count past the section",
			    "length out of bounds: 100 items cannot fit in 0 bytes", 0x64),
		BAD_PAYLOAD("value count past the section", "length out of bounds", 0x01, 0x01, 'x',
			    0x7f),
		BAD_PAYLOAD("over-long count", "integer representation too long", 0x80, 0x80, 0x80,
			    0x80, 0x80, 0x00),
		BAD_PAYLOAD("invalid UTF-8", "malformed UTF-8 encoding", 0x01, 0x02, 0xc3, 0x28,
			    0x00),
		BAD_PAYLOAD("bytes after the last field", "2 bytes after the last field", 0x01,
			    0x01, 'x', 0x00, 0xaa, 0xbb),
	};

	for (size_t i = 0; i < WP_ARRAY_SIZE(cases); i++) {
		wp_buf b;

		module_with_producers(&b, cases[i].bytes, cases[i].len);
		cr_log_info("%s", cases[i].what);
		unreadable_producers(&b, cases[i].needle);
		wp_buf_release(&b);
	}
	{
		wp_buf b;

		module_with_producers(&b, "", 0);
		unreadable_producers(&b, "unexpected end");
		wp_buf_release(&b);
	}
}

Test(summary, a_second_producers_section_is_unreadable)
{
	wp_buf b, p;

	producers_payload(&p);
	module_with_producers(&b, p.data, p.len);
	tw_custom(&b, "producers", p.data, p.len);
	{
		wp_module_summary s;

		summarize(&b, &s);
		cr_assert_eq(s.n_customs, 4);
		cr_assert_str_eq(s.customs[3].name, "producers");
		cr_assert_not_null(strstr(s.producers_unreadable, "a second producers section"));
		cr_assert_eq(s.n_producers, 0);
		wp_module_summary_release(&s);
	}
	wp_buf_release(&p);
	wp_buf_release(&b);
}

Test(summary, custom_section_sizes)
{
	wp_buf b, sec = WP_BUF_INIT(TW_MAX);
	wp_module_summary s;
	char big[300];

	memset(big, 'z', sizeof(big));
	tw_begin(&b);
	tw_custom(&b, "a", "0123456789", 10);
	TW_SEC(&b, 1, 0x01, 0x60, 0x00, 0x00);
	tw_custom(&b, "", "", 0);
	/* the size counts the payload, not the (padded) size field */
	put_name(&sec, "target_features");
	tw_put(&sec, big, sizeof(big));
	tw_section_w(&b, 0, sec.data, sec.len, 5);
	TW_SEC(&b, 0, 0x03, 'n', 0x00, 'l');
	summarize(&b, &s);
	cr_assert_eq(s.n_customs, 4);
	cr_assert_str_eq(s.customs[0].name, "a");
	cr_assert_eq(s.customs[0].size, 1 + 1 + 10);
	cr_assert_str_eq(s.customs[1].name, "");
	cr_assert_eq(s.customs[1].size, 1);
	cr_assert_str_eq(s.customs[2].name, "target_features");
	cr_assert_eq(s.customs[2].size, 1 + 15 + sizeof(big));
	cr_assert_str_eq(s.customs[3].name, "n\xef\xbf\xbdl", "a NUL byte shows as U+FFFD");
	cr_assert_eq(s.customs[3].size, 4);
	cr_assert_not(s.has_producers);
	wp_module_summary_release(&s);
	wp_buf_release(&sec);
	wp_buf_release(&b);
}

Test(summary, import_kinds_and_signatures)
{
	wp_buf b;
	wp_module_summary s;

	tw_wat("(module\n"
	       "  (import \"env\" \"mv\"\n"
	       "    (func (param i64 f32 f64 v128 funcref externref) (result i32 i64)))\n"
	       "  (import \"env\" \"t\" (table 1 funcref))\n"
	       "  (import \"env\" \"m\" (memory 1))\n"
	       "  (import \"env\" \"g\" (global (mut i32)))\n"
	       "  (import \"env\" \"e\" (tag (param i32)))\n"
	       "  (global (export \"gx\") i32 (i32.const 1))\n"
	       "  (export \"tx\" (table 0))\n"
	       "  (export \"mv\" (func 0)))",
	       &b);
	summarize(&b, &s);
	cr_assert_eq(s.wasi, WP_WASI_NONE);
	cr_assert_str_eq(wp_wasi_version_name(s.wasi), "none");
	cr_assert_eq(s.n_imports, 5);
	assert_import(&s, 0, "env", "mv", "func",
		      "(i64, f32, f64, v128, funcref, externref) -> (i32, i64)");
	assert_import(&s, 1, "env", "t", "table", NULL);
	assert_import(&s, 2, "env", "m", "memory", NULL);
	assert_import(&s, 3, "env", "g", "global", NULL);
	assert_import(&s, 4, "env", "e", "tag", NULL);
	cr_assert_eq(s.n_exports, 3);
	assert_export(&s, 0, "gx", "global", 1, NULL);
	assert_export(&s, 1, "tx", "table", 0, NULL);
	assert_export(&s, 2, "mv", "func", 0,
		      "(i64, f32, f64, v128, funcref, externref) -> (i32, i64)");
	wp_module_summary_release(&s);
	wp_buf_release(&b);
}

Test(summary, long_signatures_are_cut)
{
	wp_buf text = WP_BUF_INIT(1 << 16), b, want = WP_BUF_INIT(1 << 16);
	wp_module_summary s;

	tw_put(&text, "(module (import \"env\" \"f\" (func (param", 38);
	tw_put(&want, "(", 1);
	for (int i = 0; i < 70; i++) {
		tw_put(&text, " i32", 4);
		if (i < 64)
			tw_put(&want, i ? ", i32" : "i32", i ? 5 : 3);
	}
	tw_put(&text, "))))", 4);
	tw_put(&want, ", ... (70 in all)) -> ()", 24);
	tw_wat(wp_buf_cstr(&text), &b);
	summarize(&b, &s);
	assert_import(&s, 0, "env", "f", "func", wp_buf_cstr(&want));
	wp_module_summary_release(&s);
	wp_buf_release(&b);
	wp_buf_release(&want);
	wp_buf_release(&text);
}

Test(summary, unchecked_indices_have_no_signature)
{
	wp_buf b;
	wp_module_summary s;

	/* the reader leaves these to validation: type 5 and function 9 do not
	 * exist */
	tw_begin(&b);
	TW_SEC(&b, 1, 0x01, 0x60, 0x00, 0x00);
	TW_SEC(&b, 2, 0x01, 0x01, 'm', 0x01, 'f', 0x00, 0x05);
	TW_SEC(&b, 7, 0x02, 0x01, 'a', 0x00, 0x09, 0x01, 'b', 0x00, 0x00);
	summarize(&b, &s);
	assert_import(&s, 0, "m", "f", "func", NULL);
	assert_export(&s, 0, "a", "func", 9, NULL);
	assert_export(&s, 1, "b", "func", 0, NULL);
	wp_module_summary_release(&s);
	wp_buf_release(&b);
}

Test(summary, wasi_detection)
{
	static const struct {
		const char *wat;
		wp_wasi_version want;
		const char *name;
		size_t interfaces;
	} cases[] = {
		{"(module (import \"env\" \"f\" (func)))", WP_WASI_NONE, "none", 0},
		{"(module)", WP_WASI_NONE, "none", 0},
		{"(module (import \"wasi_unstable\" \"fd_write\" (func)))", WP_WASI_PREVIEW0,
		 "preview0", 0},
		{"(module (import \"env\" \"f\" (func))\n"
		 "  (import \"wasi_snapshot_preview1\" \"fd_write\" (func))\n"
		 "  (import \"wasi_unstable\" \"fd_write\" (func)))",
		 WP_WASI_PREVIEW1, "preview1", 0},
		/* a core module of the wasm32-wasip2 target, before it is wrapped */
		{"(module (import \"wasi:cli/environment@0.2.0\" \"get-environment\" (func))\n"
		 "  (import \"wasi_snapshot_preview1\" \"fd_write\" (func))\n"
		 "  (import \"wasi:cli/environment@0.2.0\" \"get-arguments\" (func))\n"
		 "  (import \"wasi:io/streams@0.2.0\" \"drop\" (func)))",
		 WP_WASI_PREVIEW2, "preview2", 2},
		/* only a prefix counts */
		{"(module (import \"my-wasi:x\" \"f\" (func))"
		 "  (import \"wasi_snapshot_preview1x\" \"f\" (func)))",
		 WP_WASI_NONE, "none", 0},
	};

	for (size_t i = 0; i < WP_ARRAY_SIZE(cases); i++) {
		wp_buf b;
		wp_module_summary s;

		tw_wat(cases[i].wat, &b);
		summarize(&b, &s);
		cr_assert_eq(s.wasi, cases[i].want, "%s: %s", cases[i].wat,
			     wp_wasi_version_name(s.wasi));
		cr_assert_str_eq(wp_wasi_version_name(s.wasi), cases[i].name);
		cr_assert_eq(s.wasi_interfaces.len, cases[i].interfaces, "%s", cases[i].wat);
		if (cases[i].interfaces) {
			cr_assert_str_eq(s.wasi_interfaces.items[0], "wasi:cli/environment@0.2.0");
			cr_assert_str_eq(s.wasi_interfaces.items[1], "wasi:io/streams@0.2.0");
		}
		wp_module_summary_release(&s);
		wp_buf_release(&b);
	}
}

Test(summary, malformed_modules_are_errors)
{
	wp_buf b;

	tw_begin(&b);
	TW_SEC(&b, 2, 0x01, 0x03, 'e', 'n', 'v');
	refused(&b, WP_EINVALID, "\"t.wasm\": offset 0xf: unexpected end");
	wp_buf_release(&b);
	wp_buf_init(&b, 64);
	tw_put(&b, "(module)", 8);
	refused(&b, WP_EINVALID, "magic header not detected");
	wp_buf_release(&b);
}

/* ---- components ---- */

/* A small component: a nested core module that imports from preview1
 * (only top-level imports count), imports of two WASI interfaces and a
 * function, the export of wasi:cli/run, and a producers section. */
static void component(wp_buf *b)
{
	wp_buf core, sec = WP_BUF_INIT(TW_MAX), p;

	component_begin(b);
	tw_begin(&core);
	TW_SEC(&core, 1, 0x01, 0x60, 0x00, 0x00);
	TW_SEC(&core, 2, 0x01, 0x16, 'w', 'a', 's', 'i', '_', 's', 'n', 'a', 'p', 's', 'h', 'o',
	       't', '_', 'p', 'r', 'e', 'v', 'i', 'e', 'w', '1', 0x01, 'f', 0x00, 0x00);
	tw_section(b, 1, core.data, core.len);
	tw_uleb(&sec, 3);
	put_extern_name(&sec, "wasi:cli/environment@0.2.0");
	tw_put(&sec, "\x05\x00", 2); /* instance (type 0) */
	put_extern_name(&sec, "wasi:cli/stdout@0.2.0");
	tw_put(&sec, "\x05\x01", 2);
	put_extern_name(&sec, "greet");
	tw_put(&sec, "\x01\x02", 2); /* func (type 2) */
	tw_section(b, 10, sec.data, sec.len);
	wp_buf_reset(&sec);
	tw_uleb(&sec, 1);
	put_extern_name(&sec, "wasi:cli/run@0.2.0");
	tw_put(&sec, "\x05\x03\x00", 3); /* instance 3, no type ascribed */
	tw_section(b, 11, sec.data, sec.len);
	producers_payload(&p);
	tw_custom(b, "producers", p.data, p.len);
	wp_buf_release(&p);
	wp_buf_release(&sec);
	wp_buf_release(&core);
}

Test(summary, component)
{
	wp_buf b;
	wp_module_summary s;

	component(&b);
	summarize(&b, &s);
	cr_assert(s.component);
	cr_assert_eq(s.size, b.len);
	cr_assert_eq(s.wasi, WP_WASI_PREVIEW2);
	cr_assert_str_eq(wp_wasi_version_name(s.wasi), "preview2");
	cr_assert_eq(s.wasi_interfaces.len, 2);
	cr_assert_str_eq(s.wasi_interfaces.items[0], "wasi:cli/environment@0.2.0");
	cr_assert_str_eq(s.wasi_interfaces.items[1], "wasi:cli/stdout@0.2.0");
	cr_assert_null(s.imports_unreadable);
	cr_assert_eq(s.n_imports, 3);
	assert_import(&s, 0, NULL, "wasi:cli/environment@0.2.0", "instance", NULL);
	assert_import(&s, 1, NULL, "wasi:cli/stdout@0.2.0", "instance", NULL);
	assert_import(&s, 2, NULL, "greet", "func", NULL);
	cr_assert_null(s.exports_unreadable);
	cr_assert_eq(s.n_exports, 1);
	assert_export(&s, 0, "wasi:cli/run@0.2.0", "instance", 3, NULL);
	cr_assert_eq(s.n_customs, 1);
	cr_assert_str_eq(s.customs[0].name, "producers");
	cr_assert_null(s.producers_unreadable);
	assert_producer(&s, "processed-by", 0, "clang", "17.0.6");
	wp_module_summary_release(&s);
	wp_buf_release(&b);
}

Test(summary, component_made_by_wit_component)
{
	static const char *const cli[] = {"environment",     "exit",	       "stdin",
					  "stdout",	     "stderr",	       "terminal-input",
					  "terminal-output", "terminal-stdin", "terminal-stdout",
					  "terminal-stderr"};
	wp_buf b;
	wp_module_summary s;
	size_t found = 0;

	test_read_file("../data/component/hello.wasm", &b, TW_MAX);
	summarize(&b, &s);
	cr_assert(s.component);
	cr_assert_eq(s.size, 53120);
	cr_assert_eq(s.wasi, WP_WASI_PREVIEW2);
	cr_assert_null(s.imports_unreadable);
	/* as `wasm-tools print` lists them: 15 instances, in this order */
	cr_assert_eq(s.n_imports, 15);
	assert_import(&s, 0, NULL, "wasi:cli/environment@0.2.12", "instance", NULL);
	assert_import(&s, 3, NULL, "wasi:io/streams@0.2.12", "instance", NULL);
	assert_import(&s, 14, NULL, "wasi:filesystem/preopens@0.2.12", "instance", NULL);
	cr_assert_eq(s.wasi_interfaces.len, 15);
	for (size_t i = 0; i < WP_ARRAY_SIZE(cli); i++) {
		char want[64];

		snprintf(want, sizeof(want), "wasi:cli/%s@0.2.12", cli[i]);
		found += wp_strv_contains(&s.wasi_interfaces, want);
	}
	cr_assert_eq(found, WP_ARRAY_SIZE(cli));
	cr_assert_null(s.exports_unreadable);
	cr_assert_eq(s.n_exports, 1);
	assert_export(&s, 0, "wasi:cli/run@0.2.12", "instance", 15, NULL);
	cr_assert_eq(s.n_customs, 2);
	cr_assert_str_eq(s.customs[0].name, "component-name");
	cr_assert_str_eq(s.customs[1].name, "producers");
	cr_assert_eq(s.n_producers, 1);
	assert_producer(&s, "processed-by", 0, "wit-component", "0.259.0");
	wp_module_summary_release(&s);
	wp_buf_release(&b);
}

Test(summary, component_without_wasi)
{
	wp_buf b;
	wp_module_summary s;

	component_begin(&b);
	summarize(&b, &s);
	cr_assert(s.component);
	cr_assert_eq(s.size, 8);
	cr_assert_eq(s.wasi, WP_WASI_NONE);
	cr_assert_eq(s.n_imports + s.n_exports + s.n_customs, 0);
	wp_module_summary_release(&s);
	TW_SEC(&b, 10, 0x01, 0x00, 0x03, 'l', 'o', 'g', 0x01, 0x00);
	summarize(&b, &s);
	cr_assert_eq(s.wasi, WP_WASI_NONE);
	assert_import(&s, 0, NULL, "log", "func", NULL);
	wp_module_summary_release(&s);
	wp_buf_release(&b);
}

Test(summary, component_name_forms_and_extern_types)
{
	wp_buf b, sec = WP_BUF_INIT(TW_MAX);
	wp_module_summary s;

	component_begin(&b);
	tw_uleb(&sec, 7);
	tw_byte(&sec, 0x01);
	put_name(&sec, "wasi:io/error@0.2.0");
	tw_put(&sec, "\x05\x00", 2);
	/* a canonical version, with the rest of it as an attribute */
	tw_byte(&sec, 0x02);
	put_name(&sec, "wasi:io/streams@0.2");
	tw_uleb(&sec, 1);
	tw_byte(&sec, 0x01);
	put_name(&sec, ".3");
	tw_put(&sec, "\x05\x01", 2);
	put_extern_name(&sec, "m");
	tw_put(&sec, "\x00\x11\x00", 3); /* core module (type 0) */
	put_extern_name(&sec, "v");
	tw_put(&sec, "\x02\x01\x73", 3); /* value string */
	put_extern_name(&sec, "r");
	tw_put(&sec, "\x03\x01", 2); /* type (sub resource) */
	put_extern_name(&sec, "c");
	tw_put(&sec, "\x04\x05", 2); /* component (type 5) */
	/* other attributes are skipped */
	tw_byte(&sec, 0x02);
	put_name(&sec, "x");
	tw_uleb(&sec, 2);
	tw_byte(&sec, 0x00);
	put_name(&sec, "wasi:cli/environment@0.2.0");
	tw_byte(&sec, 0x02);
	put_name(&sec, "id");
	tw_put(&sec, "\x03\x00\x04", 3); /* type (eq 4) */
	tw_section(&b, 10, sec.data, sec.len);
	/* a second import section adds to the first */
	TW_SEC(&b, 10, 0x01, 0x00, 0x01, 'f', 0x01, 0x00);
	wp_buf_reset(&sec);
	tw_uleb(&sec, 3);
	put_extern_name(&sec, "mod");
	tw_put(&sec, "\x00\x11\x00\x01\x00\x11\x00", 7); /* core module 0, typed */
	put_extern_name(&sec, "run");
	tw_put(&sec, "\x01\x07\x00", 3);
	put_extern_name(&sec, "val");
	tw_put(&sec, "\x02\x01\x01\x02\x00\x02", 6); /* value 1, typed (eq 2) */
	tw_section(&b, 11, sec.data, sec.len);
	summarize(&b, &s);
	cr_assert_null(s.imports_unreadable);
	cr_assert_eq(s.n_imports, 8);
	assert_import(&s, 0, NULL, "wasi:io/error@0.2.0", "instance", NULL);
	assert_import(&s, 1, NULL, "wasi:io/streams@0.2.3", "instance", NULL);
	assert_import(&s, 2, NULL, "m", "core module", NULL);
	assert_import(&s, 3, NULL, "v", "value", NULL);
	assert_import(&s, 4, NULL, "r", "type", NULL);
	assert_import(&s, 5, NULL, "c", "component", NULL);
	assert_import(&s, 6, NULL, "x", "type", NULL);
	assert_import(&s, 7, NULL, "f", "func", NULL);
	cr_assert_eq(s.wasi, WP_WASI_PREVIEW2);
	cr_assert_eq(s.wasi_interfaces.len, 2);
	cr_assert_str_eq(s.wasi_interfaces.items[1], "wasi:io/streams@0.2.3");
	cr_assert_null(s.exports_unreadable);
	cr_assert_eq(s.n_exports, 3);
	assert_export(&s, 0, "mod", "core module", 0, NULL);
	assert_export(&s, 1, "run", "func", 7, NULL);
	assert_export(&s, 2, "val", "value", 1, NULL);
	wp_module_summary_release(&s);
	wp_buf_release(&sec);
	wp_buf_release(&b);
}

Test(summary, unreadable_component_imports)
{
	const struct bad_payload cases[] = {
		BAD_PAYLOAD("unknown name form", "unknown name form 0x07", 0x01, 0x07, 0x01, 'a',
			    0x01, 0x00),
		BAD_PAYLOAD("unknown extern type", "unknown extern type 0x06", 0x01, 0x00, 0x01,
			    'a', 0x06, 0x00),
		BAD_PAYLOAD("core module of another type", "malformed core module type 0x10", 0x01,
			    0x00, 0x01, 'a', 0x00, 0x10, 0x00),
		BAD_PAYLOAD("type bound 2", "malformed type bound 0x02", 0x01, 0x00, 0x01, 'a',
			    0x03, 0x02),
		BAD_PAYLOAD("unknown attribute", "unknown name attribute 0x03", 0x01, 0x02, 0x01,
			    'a', 0x01, 0x03, 0x00, 0x05, 0x00),
		BAD_PAYLOAD("name past the section", "unexpected end: 9 bytes declared", 0x01, 0x00,
			    0x09, 'a', 0x05, 0x00),
		BAD_PAYLOAD("count past the section", "length out of bounds: 9 items", 0x09, 0x00,
			    0x01, 'a', 0x05, 0x00),
		BAD_PAYLOAD("bytes left", "section size mismatch in the import section", 0x01, 0x00,
			    0x01, 'a', 0x05, 0x00, 0x00),
		BAD_PAYLOAD("truncated", "unexpected end", 0x02, 0x00, 0x01, 'a', 0x05, 0x00, 0x00,
			    0x01, 'b', 0x05),
	};

	for (size_t i = 0; i < WP_ARRAY_SIZE(cases); i++) {
		wp_buf b;
		wp_module_summary s;

		component_begin(&b);
		/* a good import section first: its imports go too */
		TW_SEC(&b, 10, 0x01, 0x00, 0x06, 'w', 'a', 's', 'i', ':', 'x', 0x05, 0x00);
		tw_section(&b, 10, cases[i].bytes, cases[i].len);
		TW_SEC(&b, 11, 0x01, 0x00, 0x01, 'e', 0x01, 0x00, 0x00);
		tw_custom(&b, "note", "", 0);
		summarize(&b, &s);
		cr_log_info("%s", cases[i].what);
		cr_assert_not_null(s.imports_unreadable, "%s: read", cases[i].what);
		cr_assert_not_null(strstr(s.imports_unreadable, cases[i].needle),
				   "%s: \"%s\" lacks \"%s\"", cases[i].what, s.imports_unreadable,
				   cases[i].needle);
		cr_assert_eq(s.n_imports, 0);
		cr_assert_eq(s.wasi, WP_WASI_NONE);
		cr_assert_null(s.exports_unreadable);
		assert_export(&s, 0, "e", "func", 0, NULL);
		cr_assert_eq(s.n_customs, 1);
		wp_module_summary_release(&s);
		wp_buf_release(&b);
	}
}

Test(summary, unreadable_component_exports)
{
	wp_buf b;
	wp_module_summary s;

	component_begin(&b);
	TW_SEC(&b, 10, 0x01, 0x00, 0x06, 'w', 'a', 's', 'i', ':', 'x', 0x05, 0x00);
	TW_SEC(&b, 11, 0x01, 0x00, 0x01, 'e', 0x00, 0x13, 0x00, 0x00);
	summarize(&b, &s);
	cr_assert_not_null(strstr(s.exports_unreadable, "unknown core sort 0x13"));
	cr_assert_eq(s.n_exports, 0);
	assert_import(&s, 0, NULL, "wasi:x", "instance", NULL);
	cr_assert_eq(s.wasi, WP_WASI_PREVIEW2);
	wp_module_summary_release(&s);
	wp_buf_release(&b);
	component_begin(&b);
	TW_SEC(&b, 11, 0x01, 0x00, 0x01, 'e', 0x01, 0x00, 0x02);
	summarize(&b, &s);
	cr_assert_not_null(strstr(s.exports_unreadable, "malformed export type flag 0x02"));
	wp_module_summary_release(&s);
	wp_buf_release(&b);
}

Test(summary, malformed_components_are_errors)
{
	wp_buf b;

	component_begin(&b);
	TW_SEC(&b, 10, 0x01);
	b.len--; /* the section now runs past the end */
	refused(&b, WP_EINVALID, "\"t.wasm\": offset 0x8: section 10 (import) declares 1 bytes");
	wp_buf_release(&b);
	component_begin(&b);
	TW_SEC(&b, 12, 0x00);
	refused(&b, WP_EINVALID, "unknown component section id 12");
	wp_buf_release(&b);
	component_begin(&b);
	b.data[4] = 0x0a;
	refused(&b, WP_EINVALID, "pre-release encoding");
	wp_buf_release(&b);
}

/* Every byte of a component and of a module with producers replaced by a
 * few values, and every cut: a summary or a proper error, never a crash
 * (the ASan run watches memory). */
Test(summary, damaged_binaries_never_crash)
{
	static const uint8_t values[] = {0x00, 0x01, 0x02, 0x05, 0x11, 0x3f, 0x7f, 0x80, 0xff};
	wp_buf inputs[2], p;

	component(&inputs[0]);
	producers_payload(&p);
	module_with_producers(&inputs[1], p.data, p.len);
	wp_buf_release(&p);
	for (size_t k = 0; k < WP_ARRAY_SIZE(inputs); k++) {
		const wp_buf *in = &inputs[k];
		wp_buf m = WP_BUF_INIT(TW_MAX);

		tw_put(&m, in->data, in->len);
		for (size_t at = 8; at < in->len; at++) {
			for (size_t v = 0; v <= WP_ARRAY_SIZE(values); v++) {
				wp_module_summary s;
				wp_error *err = NULL;
				size_t len = v == WP_ARRAY_SIZE(values) ? at : in->len;
				int r;

				if (v < WP_ARRAY_SIZE(values))
					m.data[at] = (char)values[v];
				r = wp_module_summarize(&s, (const uint8_t *)m.data, len, "t.wasm",
							&err);
				m.data[at] = in->data[at];
				if (r < 0) {
					cr_assert_eq(r, WP_EINVALID, "at %zu: %d", at, r);
					cr_assert_not_null(err);
					cr_assert_null(strchr(err->message, '\n'));
					wp_error_free(err);
					continue;
				}
				for (size_t i = 0; i < s.n_imports; i++)
					cr_assert(s.imports[i].name && s.imports[i].kind);
				for (size_t i = 0; i < s.n_exports; i++)
					cr_assert(s.exports[i].name && s.exports[i].kind);
				if (s.producers_unreadable)
					cr_assert_eq(s.n_producers, 0);
				wp_module_summary_release(&s);
			}
		}
		wp_buf_release(&m);
		wp_buf_release(&inputs[k]);
	}
}

/* ---- the API around the summary ---- */

Test(summary, summary_outlives_the_module_it_was_read_from)
{
	wp_buf b, p;
	wp_module *m = NULL;
	wp_error *err = NULL;
	wp_module_summary s;
	char *path;
	int r;

	producers_payload(&p);
	module_with_producers(&b, p.data, p.len);
	path = test_write_file(tmp, "m.wasm", b.data, b.len, 0644);
	r = wp_module_read_file(&m, path, &err);
	assert_ok(r, err);
	r = wp_module_summarize_read(&s, m, &err);
	assert_ok(r, err);
	wp_module_free(m);
	assert_import(&s, 0, "env", "f", "func", "() -> ()");
	assert_producer(&s, "language", 0, "C11", "");
	cr_assert_str_eq(s.customs[0].name, "before");
	wp_module_summary_release(&s);
	free(path);
	wp_buf_release(&p);
	wp_buf_release(&b);
}

Test(summary, release)
{
	wp_buf b;
	wp_module_summary s;

	wp_module_summary_release(NULL);
	component(&b);
	summarize(&b, &s);
	wp_module_summary_release(&s);
	cr_assert_null(s.imports);
	cr_assert_eq(s.n_imports, 0);
	cr_assert_eq(s.wasi_interfaces.len, 0);
	wp_module_summary_release(&s); /* an emptied summary releases again */
	cr_assert_str_eq(wp_wasi_version_name((wp_wasi_version)9), "unknown");
	wp_buf_release(&b);
}
