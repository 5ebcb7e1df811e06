/* -Oz on repeated terminating tails (wasmopt/fold.c): which copies go and
 * which stay (tests/data/wat/tails.wat; test_wasmopt.sh runs it under Node
 * before and after). Every output is validated by wasmpack and wabt. */
#include <criterion/criterion.h>

#include "helpers.h"
#include "../../lib/common.h"

static const wp_opt_options OZ = {WP_OPT_MIN, false, false, NULL, 0, NULL, false};
static const wp_opt_options OS = {WP_OPT_SIZE, false, false, NULL, 0, NULL, false};

Test(fold, the_inner_copies_of_a_repeated_tail_go)
{
	wp_buf in, out, again;
	wp_opt_stats st;

	tw_wat_file("tails", &in);
	tw_optimize(&in, &OZ, &out, &st);
	/* "checked": two of three failure calls (2 x 15 bytes), "returns":
	 * one of two tails (11 bytes); none of the kept_* ones */
	cr_assert_eq(st.n_folded_tails, 3);
	cr_assert_eq(st.folded_tails, 41);
	cr_assert_lt(out.len, in.len - 41 + 1);
	/* what is left has no repeated tail */
	tw_optimize(&out, &OZ, &again, &st);
	cr_assert_eq(st.n_folded_tails, 0);
	cr_assert(again.len == out.len && memcmp(again.data, out.data, out.len) == 0);
	wp_buf_release(&again);
	wp_buf_release(&out);
	wp_buf_release(&in);
}

Test(fold, only_at_oz)
{
	wp_buf in, out;
	wp_opt_stats st;

	tw_wat_file("tails", &in);
	tw_optimize(&in, &OS, &out, &st);
	cr_assert_eq(st.n_folded_tails, 0);
	wp_buf_release(&out);
	wp_buf_release(&in);
}

Test(fold, a_tail_before_the_end_of_the_body_is_not_followed_by_itself)
{
	wp_buf in, out;
	wp_opt_stats st;

	/* after the block comes the body's own end: nothing to fall to */
	tw_wat("(module (import \"env\" \"f\" (func $f))\n"
	       "  (func (export \"g\") (param i32)\n"
	       "    (block (block (br_if 0 (local.get 0))) (call $f) (unreachable))))\n",
	       &in);
	tw_optimize(&in, &OZ, &out, &st);
	cr_assert_eq(st.n_folded_tails, 0);
	wp_buf_release(&out);
	wp_buf_release(&in);
}
