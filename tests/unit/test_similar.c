/* -Oz on functions that differ only in constants (wasmopt/similar.c): what
 * becomes a thunk of a shared function and what does not. Every output is
 * validated by wasmpack and wabt (tw_optimize); test_wasmopt.sh runs
 * tests/data/wat/similar.wat under Node before and after. */
#include <criterion/criterion.h>

#include "helpers.h"
#include "../../wasmopt/insn.h"
#include "../../wasmopt/leb.h"
#include "../../lib/common.h"

static const wp_opt_options OZ = {WP_OPT_MIN, false, false, NULL, 0, NULL, false};

static uint32_t exported(const wp_module *m, const char *name)
{
	for (uint32_t i = 0; i < m->n_exports; i++)
		if (m->exports[i].name.size == strlen(name) &&
		    memcmp(m->bytes + m->exports[i].name.offset, name, strlen(name)) == 0)
			return m->exports[i].index;
	cr_assert_fail("no export \"%s\"", name);
	return 0;
}

/* The instructions of function f, as "op op ..." with the opcodes in hex
 * and the immediates of local.get/set/tee, i32/i64.const and call. */
static void body_text(const wp_module *m, uint32_t f, char *out, size_t size)
{
	const wp_func *fn = &m->funcs[f];
	const uint8_t *p = m->bytes + fn->body.offset, *end = p + fn->body.size;
	uint64_t n = 0, count = 0;
	wp_valtype t;
	wp_insn_reader ir;
	wp_insn in;
	size_t len = 0;

	p += wp_leb_u(p, end, 32, &n);
	for (uint64_t i = 0; i < n; i++) {
		p += wp_leb_u(p, end, 32, &count);
		wp_read_valtype(&p, end, m, &t, NULL);
	}
	out[0] = '\0';
	wp_insn_reader_init(&ir, m, p, end);
	while (ir.p < end && wp_insn_next(&ir, &in, NULL) == 0 && len + 40 < size) {
		uint32_t code = in.info->code;

		if (code == 0x10 || (code >= 0x20 && code <= 0x22))
			len += (size_t)snprintf(out + len, size - len, "%s%x:%u", len ? " " : "",
						code, in.a);
		else if (code == 0x41 || code == 0x42)
			len += (size_t)snprintf(out + len, size - len, "%s%x:%lld", len ? " " : "",
						code, (long long)(int64_t)in.value);
		else
			len += (size_t)snprintf(out + len, size - len, "%s%x", len ? " " : "",
						code);
	}
}

Test(similar, functions_alike_but_for_constants_become_thunks)
{
	wp_buf in, out;
	wp_opt_stats st;
	wp_module *a, *b;
	char text[512], want[128];
	uint32_t shared;

	tw_wat_file("similar", &in);
	tw_optimize(&in, &OZ, &out, &st);
	a = tw_read(in.data, in.len);
	b = tw_read(out.data, out.len);
	/* $mix_a/b/c, $wide_a/b, $rec_a/b; not $many_a/b (7 constants) */
	cr_assert_eq(st.n_similar_functions, 7);
	cr_assert_eq(st.n_shared_functions, 3);
	/* 3 shared functions more; $mix_a, $wide_a, $rec_a and $rec_b, named
	 * by nothing but calls, need no thunk: their callers pass the values */
	cr_assert_eq(b->n_funcs, a->n_funcs + 3 - 4);
	cr_assert_lt(out.len, in.len);
	/* the exported one stays where it was, passing its own values on */
	body_text(b, exported(b, "mix_c"), text, sizeof(text));
	cr_assert_eq(sscanf(text, "20:0 20:1 41:5 41:17 10:%u", &shared), 1, "mix_c: %s", text);
	snprintf(want, sizeof(want), "20:0 20:1 41:5 41:17 10:%u b", shared);
	cr_assert_str_eq(text, want);
	cr_assert_geq(shared, b->n_funcs - 3, "mix_c calls %u, not a shared function (the last 3)",
		      shared);
	/* "mix" calls the shared function for $mix_a itself */
	body_text(b, exported(b, "mix"), text, sizeof(text));
	snprintf(want, sizeof(want), "20:0 20:1 41:31 41:17 10:%u ", shared);
	cr_assert(strncmp(text, want, strlen(want)) == 0, "mix: %s", text);
	/* the shared one: 2 + 2 parameters, its locals after them */
	cr_assert_eq(wp_module_functype(b, shared)->n_params, 4);
	body_text(b, shared, text, sizeof(text));
	cr_assert(strncmp(text, "20:0 20:2 6c 21:4 20:1 ad 21:5", 30) == 0, "shared: %s", text);
	wp_module_free(a);
	wp_module_free(b);
	wp_buf_release(&out);
	wp_buf_release(&in);
}

Test(similar, a_second_pass_changes_nothing)
{
	wp_buf in, out, again;
	wp_opt_stats st;

	tw_wat_file("similar", &in);
	tw_optimize(&in, &OZ, &out, &st);
	tw_optimize(&out, &OZ, &again, &st);
	cr_assert_eq(st.n_similar_functions, 0);
	cr_assert(again.len == out.len && memcmp(again.data, out.data, out.len) == 0);
	wp_buf_release(&again);
	wp_buf_release(&out);
	wp_buf_release(&in);
}

/* Two functions of about 40 bytes, alike but for what `differ` puts in
 * the second one. */
static void pair(wp_buf *in, const char *differ)
{
	char wat[2048];

	snprintf(wat, sizeof(wat),
		 "(module (global $g (mut i32) (i32.const 0)) (global $h (mut i32) (i32.const 0))\n"
		 "  (func (export \"a\") (param i32) (result i32) (local i32)\n"
		 "    (local.set 1 (i32.mul (local.get 0) (i32.const 1234567)))\n"
		 "    (global.set $g (i32.xor (local.get 1) (i32.const 7654321)))\n"
		 "    (i32.add (local.get 1) (i32.const 3)))\n"
		 "  (func (export \"b\") (param i32) (result i32) (local i32)\n"
		 "    %s)\n"
		 "  (func (export \"c\") (param i32) (result i32) (local i32)\n"
		 "    (local.set 1 (i32.mul (local.get 0) (i32.const 1234567)))\n"
		 "    (global.set $g (i32.xor (local.get 1) (i32.const 7654321)))\n"
		 "    (i32.add (local.get 1) (i32.const 3))))\n",
		 differ);
	tw_wat(wat, in);
}

Test(similar, only_constants_may_differ)
{
	static const char *const others[] = {
		/* another global */
		"(local.set 1 (i32.mul (local.get 0) (i32.const 1234567)))\n"
		"(global.set $h (i32.xor (local.get 1) (i32.const 7654321)))\n"
		"(i32.add (local.get 1) (i32.const 3))",
		/* another operator */
		"(local.set 1 (i32.mul (local.get 0) (i32.const 1234567)))\n"
		"(global.set $g (i32.or (local.get 1) (i32.const 7654321)))\n"
		"(i32.add (local.get 1) (i32.const 3))",
		/* another local */
		"(local.set 1 (i32.mul (local.get 0) (i32.const 1234567)))\n"
		"(global.set $g (i32.xor (local.get 0) (i32.const 7654321)))\n"
		"(i32.add (local.get 1) (i32.const 3))",
	};
	wp_buf in, out;
	wp_opt_stats st;

	for (size_t i = 0; i < WP_ARRAY_SIZE(others); i++) {
		pair(&in, others[i]);
		tw_optimize(&in, &OZ, &out, &st);
		/* "a" and "c" are the same: exported, so both stay, as thunks of
		 * one function; "b" stays as it is */
		cr_assert_eq(st.n_similar_functions, 2, "case %zu", i);
		wp_buf_release(&out);
		wp_buf_release(&in);
	}
	pair(&in, "(local.set 1 (i32.mul (local.get 0) (i32.const -5)))\n"
		  "(global.set $g (i32.xor (local.get 1) (i32.const 7654321)))\n"
		  "(i32.add (local.get 1) (i32.const 2147483647))");
	tw_optimize(&in, &OZ, &out, &st);
	cr_assert_eq(st.n_similar_functions, 3);
	cr_assert_eq(st.n_shared_functions, 1);
	wp_buf_release(&out);
	wp_buf_release(&in);
}

Test(similar, not_when_the_thunks_cost_more)
{
	wp_buf in, out;
	wp_opt_stats st;

	tw_wat("(module\n"
	       "  (func (export \"a\") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))\n"
	       "  (func (export \"b\") (param i32) (result i32) (i32.add (local.get 0) (i32.const 2))))\n",
	       &in);
	tw_optimize(&in, &OZ, &out, &st);
	cr_assert_eq(st.n_similar_functions, 0);
	wp_buf_release(&out);
	wp_buf_release(&in);
}

/* The functions with local names in m's name section. */
static void local_names(const wp_module *m, bool *has, uint32_t n)
{
	const uint8_t *p, *end;
	uint64_t count = 0, idx = 0, v = 0;

	memset(has, 0, n * sizeof(*has));
	if (!tw_name_subsection(m, 2, &p, &end))
		return;
	p += wp_leb_u(p, end, 32, &count);
	for (uint64_t k = 0; k < count; k++) {
		uint64_t locals = 0, len = 0;

		p += wp_leb_u(p, end, 32, &idx);
		cr_assert_lt(idx, n);
		has[idx] = true;
		p += wp_leb_u(p, end, 32, &locals);
		for (uint64_t j = 0; j < locals; j++) {
			p += wp_leb_u(p, end, 32, &v);
			p += wp_leb_u(p, end, 32, &len);
			p += len;
		}
	}
}

Test(similar, thunks_lose_the_names_of_their_former_locals)
{
	wp_strv keep = {0};
	wp_opt_options o = OZ;
	wp_buf in, out;
	wp_opt_stats st;
	wp_module *m;
	bool has[16];

	test_strv_push(&keep, "name");
	o.keep_sections = &keep;
	pair(&in, "(local.set 1 (i32.mul (local.get 0) (i32.const -5)))\n"
		  "(global.set $g (i32.xor (local.get 1) (i32.const 7654321)))\n"
		  "(i32.add (local.get 1) (i32.const 2147483647))");
	tw_optimize(&in, &o, &out, &st);
	cr_assert_eq(st.n_similar_functions, 3);
	m = tw_read(out.data, out.len);
	local_names(m, has, 16);
	for (uint32_t f = 0; f < 3; f++)
		cr_assert(!has[f], "thunk %u still names locals", f);
	wp_module_free(m);
	wp_buf_release(&out);
	wp_buf_release(&in);
	wp_strv_release(&keep);
}
