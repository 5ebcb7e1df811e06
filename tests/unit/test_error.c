/* lib/error: error objects. */
#include <criterion/criterion.h>

#include "helpers.h"
#include "../../lib/error.h"
#include "../../lib/common.h"

Test(error, set_returns_the_code_and_formats)
{
	wp_error *err = NULL;
	int r = wp_error_set(&err, WP_EINVALID, "bad \"%s\" at %d", "x", 3);

	cr_assert_eq(r, WP_EINVALID);
	cr_assert_not_null(err);
	cr_assert_eq(err->code, WP_EINVALID);
	cr_assert_str_eq(err->message, "bad \"x\" at 3");
	cr_assert_eq(wp_error_code(err), WP_EINVALID);
	wp_error_clear(&err);
	cr_assert_null(err);
	cr_assert_eq(wp_error_code(NULL), WP_EGENERIC);
}

Test(error, the_first_error_wins)
{
	wp_error *err = NULL;
	int r = wp_error_set(&err, WP_EDIGEST, "inner");

	cr_assert_eq(r, WP_EDIGEST);
	r = wp_error_set(&err, WP_EIO, "outer");
	cr_assert_eq(r, WP_EIO, "the code is still returned");
	cr_assert_eq(err->code, WP_EDIGEST);
	cr_assert_str_eq(err->message, "inner");
	wp_error_free(err);
}

Test(error, a_null_error_pointer_is_allowed)
{
	cr_assert_eq(wp_error_set(NULL, WP_ELIMIT, "ignored"), WP_ELIMIT);
	cr_assert_eq(wp_error_set_errno(NULL, ENOENT, "x"), WP_ENOTFOUND);
	wp_error_free(NULL);
	wp_error_clear(NULL);
}

Test(error, prefix_adds_context)
{
	wp_error *err = NULL;
	int r = wp_error_set(&err, WP_EINVALID, "layers[1]: bad");

	r = wp_error_prefix(&err, "manifest \"%s\"", "m.json");
	cr_assert_eq(r, WP_EINVALID);
	cr_assert_str_eq(err->message, "manifest \"m.json\": layers[1]: bad");
	wp_error_free(err);
	err = NULL;
	cr_assert_eq(wp_error_prefix(&err, "nothing"), WP_EGENERIC);
	cr_assert_null(err);
}

Test(error, errno_codes)
{
	static const struct {
		int errnum;
		int code;
	} map[] = {
		{ENOENT, WP_ENOTFOUND}, {ENOSPC, WP_ENOSPC}, {EDQUOT, WP_ENOSPC},
		{EEXIST, WP_EEXISTS},	{ENOMEM, WP_ENOMEM}, {EACCES, WP_EIO},
	};

	for (size_t i = 0; i < WP_ARRAY_SIZE(map); i++) {
		wp_error *err = NULL;
		int r = wp_error_set_errno(&err, map[i].errnum, "cannot open \"%s\"", "f");

		cr_assert_eq(r, map[i].code, "errno %d", map[i].errnum);
		cr_assert_eq(err->code, map[i].code);
		cr_assert(wp_str_has_prefix(err->message, "cannot open \"f\": "), "%s",
			  err->message);
		cr_assert_not_null(strstr(err->message, strerror(map[i].errnum)));
		wp_error_free(err);
	}
}
