#include <criterion/criterion.h>

#include "helpers.h"
#include "../../lib/buf.h"
#include "../../lib/fileio.h"
#include "../../lib/process.h"
#include "../../wasmopt/module.h"
#include "../../wasmopt/validate.h"
#include "../../wasmopt/wabt_bridge.h"
#include "../../lib/common.h"

static const char wat[] = "(module\n"
			  "  (func (export \"add\") (param i32 i32) (result i32)\n"
			  "    local.get 0 local.get 1 i32.add))\n";

Test(wabt_bridge, wat_to_a_module_both_validators_accept)
{
	wp_buf out = WP_BUF_INIT(1 << 20);
	wp_module *m = NULL;
	wp_error *err = NULL;
	int r = wp_wabt_wat2wasm(wat, sizeof(wat) - 1, "add.wat", &out, &err);

	cr_assert_eq(r, 0, "%s", err ? err->message : "");
	cr_assert_gt(out.len, 8);
	cr_assert_eq(memcmp(out.data, "\0asm", 4), 0);
	r = wp_wabt_validate((const uint8_t *)out.data, out.len, "add.wasm", &err);
	cr_assert_eq(r, 0, "%s", err ? err->message : "");
	r = wp_module_read_bytes(&m, (const uint8_t *)out.data, out.len, "add.wasm", &err);
	cr_assert_eq(r, 0, "%s", err ? err->message : "");
	r = wp_module_validate(m, &err);
	cr_assert_eq(r, 0, "%s", err ? err->message : "");
	cr_assert_eq(m->n_funcs, 1);
	wp_module_free(m);
	wp_buf_release(&out);
}

Test(wabt_bridge, syntax_errors_name_line_and_column)
{
	static const char bad[] = "(module\n  (func (result i32) i32.const))\n";
	wp_buf out = WP_BUF_INIT(1 << 20);
	wp_error *err = NULL;
	int r = wp_wabt_wat2wasm(bad, sizeof(bad) - 1, "bad.wat", &out, &err);

	cr_assert_eq(r, WP_EINVALID);
	cr_assert(strstr(err->message, "bad.wat:2:"), "%s", err->message);
	cr_assert_null(strchr(err->message, '\n'));
	wp_error_free(err);
	wp_buf_release(&out);
}

Test(wabt_bridge, both_validators_reject_a_type_mismatch)
{
	/* (func (result i32) f32.const 0) */
	static const uint8_t bin[] = {0, 'a', 's', 'm', 1,  0, 0, 0, 1, 5,    1, 0x60, 0, 1, 0x7f,
				      3, 2,   1,   0,	10, 9, 1, 7, 0, 0x43, 0, 0,    0, 0, 0x0b};
	wp_module *m = NULL;
	wp_error *err = NULL;
	int r = wp_wabt_validate(bin, sizeof(bin), "mismatch.wasm", &err);

	cr_assert_eq(r, WP_EINVALID);
	wp_error_clear(&err);
	r = wp_module_read_bytes(&m, bin, sizeof(bin), "mismatch.wasm", &err);
	cr_assert_eq(r, 0, "%s", err ? err->message : "");
	r = wp_module_validate(m, &err);
	cr_assert_eq(r, WP_EINVALID);
	cr_assert(strstr(err->message, "type mismatch"), "%s", err->message);
	wp_error_free(err);
	wp_module_free(m);
}

/* A module written as C compiles and computes what the module does. */
Test(wabt_bridge, wasm2c_writes_c_that_compiles_and_runs)
{
	static const char add_wat[] = "(module (func (export \"add\") (param i32 i32) (result i32)"
				      " local.get 0 local.get 1 i32.add))";
	wp_buf bin = WP_BUF_INIT(1 << 20), c = WP_BUF_INIT(1 << 24), h = WP_BUF_INIT(1 << 24);
	wp_buf out = WP_BUF_INIT(1 << 16), errout = WP_BUF_INIT(1 << 16);
	wp_error *err = NULL;
	char dir[] = "/tmp/wasmpack-w2c-XXXXXX";
	_cleanup_free_ char *c_path = NULL, *h_path = NULL, *main_path = NULL, *exe = NULL;
	int status = -1;

	cr_assert(mkdtemp(dir));
	c_path = wp_path_join(dir, "add.c");
	h_path = wp_path_join(dir, "add.h");
	main_path = wp_path_join(dir, "main.c");
	exe = wp_path_join(dir, "add");
	assert_ok(wp_wabt_wat2wasm(add_wat, strlen(add_wat), "add.wat", &bin, &err), err);
	assert_ok(wp_wabt_wasm2c((const uint8_t *)bin.data, bin.len, "add.wasm", "add", "add.h", &c,
				 &h, &err),
		  err);
	cr_assert(strstr(wp_buf_cstr(&h), "Z_add"), "no symbol with the module's prefix");
	assert_ok(wp_write_file_atomic(c_path, c.data, c.len, 0644, &err), err);
	assert_ok(wp_write_file_atomic(h_path, h.data, h.len, 0644, &err), err);
	{
		/* the exported function's name, as the header declares it */
		const char *p = strstr(wp_buf_cstr(&h), "Z_addZ_add");
		char fn[128] = "", text[1024];
		size_t n;

		cr_assert(p, "no export in the header:\n%s", wp_buf_cstr(&h));
		n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
		memcpy(fn, p, n < sizeof(fn) - 1 ? n : sizeof(fn) - 1);
		snprintf(
			text, sizeof(text),
			"#include <stdio.h>\n#include \"add.h\"\n"
			"int main(void) { Z_add_instance_t m; wasm_rt_init(); Z_add_init_module();\n"
			"Z_add_instantiate(&m); printf(\"%%u\\n\", %s(&m, 40, 2));\n"
			"Z_add_free(&m); wasm_rt_free(); return 0; }\n",
			fn);
		assert_ok(wp_write_file_atomic(main_path, text, strlen(text), 0644, &err), err);
	}
	{
		const char *argv[] = {"cc",
				      "-O1",
				      "-I",
				      "/usr/share/wabt/wasm2c",
				      "-o",
				      exe,
				      main_path,
				      c_path,
				      "/usr/share/wabt/wasm2c/wasm-rt-impl.c",
				      "-lm",
				      NULL};

		assert_ok(wp_process_run(argv, NULL, 0, &out, &errout, 120, &status, &err), err);
		cr_assert_eq(status, 0, "cc failed: %s", wp_buf_cstr(&errout));
	}
	out.len = 0;
	{
		const char *argv[] = {exe, NULL};

		assert_ok(wp_process_run(argv, NULL, 0, &out, NULL, 30, &status, &err), err);
	}
	cr_assert_eq(status, 0);
	cr_assert_str_eq(wp_buf_cstr(&out), "42\n");
	wp_remove_tree(dir, NULL);
	wp_buf_release(&bin);
	wp_buf_release(&c);
	wp_buf_release(&h);
	wp_buf_release(&out);
	wp_buf_release(&errout);
}
