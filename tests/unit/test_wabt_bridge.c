#include <criterion/criterion.h>

#include "../../lib/buf.h"
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
