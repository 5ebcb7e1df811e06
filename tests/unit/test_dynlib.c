/* lib/dynlib: loading a library's functions by name on first use. */
#include <criterion/criterion.h>
#include <string.h>

#include "helpers.h"
#include "../../lib/dynlib.h"
#include "../../lib/common.h"

typedef struct table {
	size_t (*strlen_)(const char *);
	int (*abs_)(int);
} table;

static const wp_dynlib_symbol libc_symbols[] = {
	{"strlen", offsetof(table, strlen_)},
	{"abs", offsetof(table, abs_)},
};

Test(dynlib, fills_the_table)
{
	table t = {0};
	char error[256] = "";

	cr_assert_eq(wp_dynlib_load("libc.so.6", "libc6", libc_symbols, WP_ARRAY_SIZE(libc_symbols),
				    &t, error, sizeof(error)),
		     0, "%s", error);
	cr_assert_eq(t.strlen_("four"), 4);
	cr_assert_eq(t.abs_(-3), 3);
}

Test(dynlib, a_missing_library_names_the_package)
{
	table t = {0};
	char error[256] = "";

	cr_assert_eq(wp_dynlib_load("libwasmpack-nonexistent.so.1", "libwasmpack-nonexistent1",
				    libc_symbols, WP_ARRAY_SIZE(libc_symbols), &t, error,
				    sizeof(error)),
		     -1);
	cr_assert(strstr(error, "cannot load libwasmpack-nonexistent.so.1"), "%s", error);
	cr_assert(strstr(error, "apt-get install libwasmpack-nonexistent1"), "%s", error);
}

Test(dynlib, a_missing_function_says_the_library_is_too_old)
{
	static const wp_dynlib_symbol symbols[] = {
		{"strlen", offsetof(table, strlen_)},
		{"wasmpack_no_such_function", offsetof(table, abs_)},
	};
	table t = {0};
	char error[256] = "";

	cr_assert_eq(wp_dynlib_load("libc.so.6", "libc6", symbols, WP_ARRAY_SIZE(symbols), &t,
				    error, sizeof(error)),
		     -1);
	cr_assert_str_eq(error, "libc.so.6 lacks wasmpack_no_such_function: it is too old");
}

static int n_loads;

static int load_ok(char *error, size_t error_size)
{
	(void)error;
	(void)error_size;
	n_loads++;
	return 0;
}

static int load_fails(char *error, size_t error_size)
{
	n_loads++;
	snprintf(error, error_size, "cannot load libexample.so.1");
	return -1;
}

Test(dynlib, once_loads_the_first_time_only)
{
	wp_dynlib_once once = WP_DYNLIB_ONCE_INIT;
	wp_error *err = NULL;

	n_loads = 0;
	for (int i = 0; i < 3; i++)
		assert_ok(wp_dynlib_once_load(&once, load_ok, &err), err);
	cr_assert_eq(n_loads, 1);
}

Test(dynlib, once_keeps_the_reason_it_failed)
{
	wp_dynlib_once once = WP_DYNLIB_ONCE_INIT;
	wp_error *err = NULL;

	n_loads = 0;
	for (int i = 0; i < 2; i++) {
		int r = wp_dynlib_once_load(&once, load_fails, &err);

		assert_error(r, err, WP_EUNSUPPORTED, "cannot load libexample.so.1");
	}
	cr_assert_eq(n_loads, 1);
}
