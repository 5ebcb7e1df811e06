/* The optimizer's round trip: a module that wasmpack reads and validates is
 * optimized at -Os and -Oz, and every output must be read and validated
 * again, by wasmpack and, when wabt accepts the input, by wabt too. */
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "../../wasmopt/module.h"
#include "../../wasmopt/optimize.h"
#include "../../wasmopt/validate.h"
#include "../../wasmopt/wabt_bridge.h"

static void round_trip(const wp_module *m, wp_opt_level level, bool wabt_accepts)
{
	wp_opt_options o = {.level = level, .threads = 1};
	wp_buf out = WP_BUF_INIT(SIZE_MAX);
	wp_opt_stats stats;
	wp_module *again = NULL;
	wp_error *err = NULL;

	memset(&stats, 0, sizeof(stats));
	if (wp_optimize(m, &o, &out, &stats, &err) < 0) {
		int code = wp_error_code(err);

		/* a valid module may only meet a limit, never a failure to re-validate
		 * its output or an inconsistency ("please report this") */
		if (code != WP_ELIMIT && code != WP_ENOMEM && code != WP_EUNSUPPORTED)
			fprintf(stderr, "optimizer: %s\n", err ? err->message : "?");
		FUZZ_CHECK(code == WP_ELIMIT || code == WP_ENOMEM || code == WP_EUNSUPPORTED);
		fuzz_clear(&err);
		wp_buf_release(&out);
		return;
	}
	FUZZ_CHECK(wp_module_read_bytes(&again, (const uint8_t *)out.data, out.len, "output",
					&err) == 0);
	FUZZ_CHECK(wp_module_validate(again, &err) == 0);
	if (wabt_accepts) {
		int r = wp_wabt_validate((const uint8_t *)out.data, out.len, "output", &err);

		if (r < 0)
			fprintf(stderr, "wabt: %s\n", err->message);
		FUZZ_CHECK(r == 0);
	}
	wp_module_free(again);
	wp_buf_release(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	wp_module *m = NULL;
	wp_error *err = NULL;
	bool wabt_accepts;

	if (wp_module_read_bytes(&m, data, size, "input", &err) < 0 || m->component ||
	    wp_module_validate(m, &err) < 0) {
		fuzz_clear(&err);
		wp_module_free(m);
		return 0;
	}
	wabt_accepts = wp_wabt_validate(data, size, "input", &err) == 0;
	fuzz_clear(&err);
	round_trip(m, WP_OPT_SIZE, wabt_accepts);
	round_trip(m, WP_OPT_MIN, wabt_accepts);
	wp_module_free(m);
	return 0;
}
