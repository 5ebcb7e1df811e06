/* lib/str: string, path and list helpers. */
#include <criterion/criterion.h>

#include "helpers.h"
#include "../../lib/str.h"
#include "../../lib/common.h"

Test(str, prefix_suffix_and_eq)
{
	cr_assert(wp_str_has_prefix("sha256:abc", "sha256:"));
	cr_assert(wp_str_has_prefix("abc", ""));
	cr_assert_not(wp_str_has_prefix("sha", "sha256"));
	cr_assert(wp_str_has_suffix("x.wasm", ".wasm"));
	cr_assert_not(wp_str_has_suffix("wasm", ".wasm"));
	cr_assert(wp_str_eq(NULL, NULL));
	cr_assert_not(wp_str_eq("a", NULL));
	cr_assert_not(wp_str_eq(NULL, "a"));
	cr_assert(wp_str_eq("a", "a"));
	cr_assert_not(wp_str_eq("a", "b"));
}

Test(str, parse_int64_accepts_whole_numbers_in_range)
{
	int64_t v = 0;
	wp_error *err = NULL;
	int r = wp_parse_int64("42", 0, 100, "level", &v, &err);

	assert_ok(r, err);
	cr_assert_eq(v, 42);
	r = wp_parse_int64("-9223372036854775808", INT64_MIN, INT64_MAX, "n", &v, &err);
	assert_ok(r, err);
	cr_assert_eq(v, INT64_MIN);
	r = wp_parse_int64("0", 0, 0, "n", &v, &err);
	assert_ok(r, err);
	cr_assert_eq(v, 0);
}

Test(str, parse_int64_refuses_everything_else)
{
	static const char *const bad[] = {"",
					  " 1",
					  "\t1",
					  "\n1",
					  "+1",
					  "1 ",
					  "1x",
					  "0x10",
					  "1.0",
					  "-",
					  "101",
					  "-1",
					  "99999999999999999999"};

	for (size_t i = 0; i < WP_ARRAY_SIZE(bad); i++) {
		int64_t v = 7;
		wp_error *err = NULL;
		int r = wp_parse_int64(bad[i], 0, 100, "--level", &v, &err);

		cr_assert_eq(r, WP_EINVALID, "\"%s\" was accepted as %" PRId64, bad[i], v);
		cr_assert_eq(v, 7, "out untouched");
		cr_assert_not_null(strstr(err->message, "is not a whole number between 0 and 100"),
				   "%s", err->message);
		cr_assert_not_null(strstr(err->message, "--level"));
		wp_error_free(err);
	}
}

Test(str, utf8_validation)
{
	static const char *const good[] = {
		"", "ascii", "caf\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x90\xb3", "\xf4\x8f\xbf\xbf"};
	static const char *const bad[] = {
		"\xc3",		"\xc3\x28",	    "\xc0\x80",		"\xe0\x9f\xbf",
		"\xed\xbf\xbf", "\xf0\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80",
		"\xff"};

	for (size_t i = 0; i < WP_ARRAY_SIZE(good); i++)
		cr_assert(wp_utf8_valid(good[i], strlen(good[i])), "good[%zu]", i);
	for (size_t i = 0; i < WP_ARRAY_SIZE(bad); i++)
		cr_assert_not(wp_utf8_valid(bad[i], strlen(bad[i])), "bad[%zu]", i);
	cr_assert_not(wp_utf8_valid("a\0b", 3), "NUL bytes are refused");
	/* the length bounds the check: a sequence cut by it is invalid */
	cr_assert_not(wp_utf8_valid("\xc3\xa9", 1));
}

Test(str, paths)
{
	char *s;

	cr_assert_str_eq(wp_path_basename("/a/b/c.wasm"), "c.wasm");
	cr_assert_str_eq(wp_path_basename("c.wasm"), "c.wasm");
	s = wp_path_dirname("/a/b/c");
	cr_assert_str_eq(s, "/a/b");
	free(s);
	s = wp_path_dirname("/c");
	cr_assert_str_eq(s, "/");
	free(s);
	s = wp_path_dirname("c");
	cr_assert_str_eq(s, ".");
	free(s);
	s = wp_path_join("dir", "f");
	cr_assert_str_eq(s, "dir/f");
	free(s);
	s = wp_path_join("dir/", "f");
	cr_assert_str_eq(s, "dir/f");
	free(s);
}

Test(str, strv_keeps_order_and_a_null_end)
{
	wp_strv v = {0};
	wp_error *err = NULL;
	int r = wp_strv_push(&v, "b", &err);

	assert_ok(r, err);
	r = wp_strv_push(&v, "a", &err);
	assert_ok(r, err);
	cr_assert_eq(v.len, 2);
	cr_assert_str_eq(v.items[0], "b");
	cr_assert_str_eq(v.items[1], "a");
	cr_assert_null(v.items[2]);
	cr_assert(wp_strv_contains(&v, "a"));
	cr_assert_not(wp_strv_contains(&v, "c"));
	wp_strv_release(&v);
	cr_assert_null(v.items);
	cr_assert_eq(v.len, 0);
}

Test(str, kv_replaces_in_place)
{
	wp_kv kv = {0};
	wp_error *err = NULL;
	int r = wp_kv_set(&kv, "a", "1", &err);

	assert_ok(r, err);
	r = wp_kv_set(&kv, "b", "2", &err);
	assert_ok(r, err);
	r = wp_kv_set(&kv, "a", "3", &err);
	assert_ok(r, err);
	cr_assert_eq(kv.len, 2);
	cr_assert_str_eq(kv.items[0].key, "a");
	cr_assert_str_eq(kv.items[0].value, "3", "a later value wins, in place");
	cr_assert_str_eq(wp_kv_get(&kv, "b"), "2");
	cr_assert_null(wp_kv_get(&kv, "c"));
	wp_kv_release(&kv);
	cr_assert_eq(kv.len, 0);
}

Test(str, strdup_helpers)
{
	char *s = (char *)"untouched";
	wp_error *err = NULL;
	int r = wp_strdup(&s, NULL, &err);

	assert_ok(r, err);
	cr_assert_null(s);
	r = wp_strdup(&s, "x", &err);
	assert_ok(r, err);
	cr_assert_str_eq(s, "x");
	free(s);
	s = wp_strdup_printf("%s-%03d", "v", 7);
	cr_assert_str_eq(s, "v-007");
	free(s);
}
