/* lib/json: canonical serialization, parser errors, checked builders and
 * typed getters. */
#include <criterion/criterion.h>

#include "helpers.h"
#include "../../lib/json.h"
#include "../../lib/common.h"

static json_t *parse_ok(const char *text)
{
	json_t *j = NULL;
	wp_error *err = NULL;
	int r = wp_json_parse(&j, text, strlen(text), "test document", &err);

	assert_ok(r, err);
	cr_assert_not_null(j);
	return j;
}

/* Parsing fails with EINVALID and a message containing needle. */
static void parse_fails(const char *text, size_t len, const char *what, const char *needle)
{
	json_t *j = NULL;
	wp_error *err = NULL;
	int r = wp_json_parse(&j, text, len, what, &err);

	assert_error_in(text, r, err, WP_EINVALID, needle);
	cr_assert_null(j);
}

Test(json, canonical_dump_sorts_keys_and_is_compact)
{
	/* keys in byte order at every depth ("Z" < "a" < "b" < "é"), no
	 * spaces, no newline, '/' unescaped, UTF-8 kept as is */
	static const char golden[] = "{\"Z\":false,\"a\":{\"c\":null,\"d\":[3,1,\"x/y\"]},\"b\":-7,"
				     "\"\xc3\xa9\":\"line\\nbreak \\\"q\\\" \xc3\xbc\"}";
	wp_buf out = WP_BUF_INIT(4096);
	wp_error *err = NULL;
	json_t *inner, *arr;
	json_t *j = json_object();
	int r;

	cr_assert_not_null(j);
	cr_assert_eq(json_object_set_new(j, "\xc3\xa9", json_string("line\nbreak \"q\" \xc3\xbc")),
		     0);
	cr_assert_eq(json_object_set_new(j, "b", json_integer(-7)), 0);
	inner = json_object();
	arr = json_array();
	cr_assert_eq(json_array_append_new(arr, json_integer(3)), 0);
	cr_assert_eq(json_array_append_new(arr, json_integer(1)), 0);
	cr_assert_eq(json_array_append_new(arr, json_string("x/y")), 0);
	cr_assert_eq(json_object_set_new(inner, "d", arr), 0);
	cr_assert_eq(json_object_set_new(inner, "c", json_null()), 0);
	cr_assert_eq(json_object_set_new(j, "a", inner), 0);
	cr_assert_eq(json_object_set_new(j, "Z", json_false()), 0);
	r = wp_json_dump_canonical(j, &out, &err);
	assert_ok(r, err);
	cr_assert_str_eq(out.data, golden);
	cr_assert_eq(out.len, strlen(golden));
	json_decref(j);
	wp_buf_release(&out);
}

Test(json, canonical_dump_is_independent_of_insertion_order)
{
	json_t *a = parse_ok("{\"b\": {\"y\": 1, \"x\": 2}, \"a\": [ ]}");
	json_t *b = parse_ok("{\n\t\"a\": [],\n\t\"b\": {\"x\": 2, \"y\": 1}\n}\n");
	wp_buf da = WP_BUF_INIT(1024), db = WP_BUF_INIT(1024);
	wp_error *err = NULL;
	int r = wp_json_dump_canonical(a, &da, &err);

	assert_ok(r, err);
	r = wp_json_dump_canonical(b, &db, &err);
	assert_ok(r, err);
	cr_assert_str_eq(da.data, "{\"a\":[],\"b\":{\"x\":2,\"y\":1}}");
	cr_assert_str_eq(db.data, da.data);
	json_decref(a);
	json_decref(b);
	wp_buf_release(&da);
	wp_buf_release(&db);
}

Test(json, canonical_dump_appends_to_existing_content)
{
	json_t *j = parse_ok("[1]");
	wp_buf out = WP_BUF_INIT(64);
	wp_error *err = NULL;
	int r = wp_buf_append_str(&out, "x=", &err);

	assert_ok(r, err);
	r = wp_json_dump_canonical(j, &out, &err);
	assert_ok(r, err);
	cr_assert_str_eq(out.data, "x=[1]");
	json_decref(j);
	wp_buf_release(&out);
}

Test(json, canonical_dump_over_the_buffer_limit_fails)
{
	json_t *j = parse_ok("{\"key\":\"a value that does not fit\"}");
	wp_buf out = WP_BUF_INIT(10);
	wp_error *err = NULL;
	int r = wp_json_dump_canonical(j, &out, &err);

	assert_error(r, err, WP_ELIMIT, "over 10 bytes");
	json_decref(j);
	wp_buf_release(&out);
}

Test(json, parse_error_names_document_line_and_column)
{
	static const char text[] = "{\n  \"a\": 1,\n  \"b\": }";
	json_t *j = NULL;
	wp_error *err = NULL;
	int r = wp_json_parse(&j, text, strlen(text), "\"dir/index.json\"", &err);

	cr_assert_null(j);
	cr_assert_not_null(err);
	cr_assert_str_eq(err->message, "\"dir/index.json\": invalid JSON at line 3 column 8: "
				       "unexpected token near '}'");
	assert_error(r, err, WP_EINVALID, "line 3 column 8");
}

Test(json, parse_rejects_trailing_data_and_empty_input)
{
	parse_fails("{} x", 4, "doc", "doc: invalid JSON at line 1 column 4");
	parse_fails("", 0, "doc", "doc: invalid JSON");
}

Test(json, parse_uses_the_length_not_the_nul)
{
	json_t *j = NULL;
	wp_error *err = NULL;
	/* only the first 7 bytes are the document */
	int r = wp_json_parse(&j, "{\"a\":1}garbage", 7, "doc", &err);

	assert_ok(r, err);
	cr_assert_eq(json_integer_value(json_object_get(j, "a")), 1);
	json_decref(j);
}

Test(json, parse_rejects_duplicate_keys)
{
	static const char text[] = "{\"a\":1,\"b\":{\"c\":1,\"c\":2}}";

	parse_fails(text, strlen(text), "manifest", "duplicate object key");
	parse_fails("{\"a\":1,\"a\":1}", 13, "manifest", "manifest: invalid JSON at line 1");
}

Test(json, parse_rejects_invalid_utf8_and_nul)
{
	static const char bad[] = "[\"\xff\"]";
	static const char nul[] = "[\"a\\u0000b\"]";

	parse_fails(bad, strlen(bad), "doc", "invalid JSON");
	parse_fails(nul, strlen(nul), "doc", "invalid JSON");
}

Test(json, set_string_refuses_invalid_utf8)
{
	static const char *const bad[] = {
		"\xff",		    /* never valid */
		"abc\xc3",	    /* truncated sequence */
		"\xc0\xaf",	    /* overlong '/' */
		"\xe0\x80\xaf",	    /* overlong, three bytes */
		"\xed\xa0\x80",	    /* UTF-16 surrogate */
		"\xf4\x90\x80\x80", /* past U+10FFFF */
		"\x80",		    /* lone continuation byte */
	};
	json_t *j = json_object();
	wp_error *err = NULL;
	int r;

	cr_assert_not_null(j);
	for (size_t i = 0; i < WP_ARRAY_SIZE(bad); i++) {
		r = wp_json_set_string(j, "k", bad[i], "label \"k\"", &err);
		assert_error(r, err, WP_EINVALID, "label \"k\" is not valid UTF-8");
	}
	cr_assert_eq(json_object_size(j), 0);
	r = wp_json_set_string(j, "k", "caf\xc3\xa9 \xf0\x9f\x90\xb3", "label", &err);
	assert_ok(r, err);
	cr_assert_str_eq(json_string_value(json_object_get(j, "k")),
			 "caf\xc3\xa9 \xf0\x9f\x90\xb3");
	json_decref(j);
}

Test(json, append_string_refuses_invalid_utf8)
{
	json_t *arr = json_array();
	wp_error *err = NULL;
	int r = wp_json_append_string(arr, "ok", "env", &err);

	assert_ok(r, err);
	r = wp_json_append_string(arr, "\xfe", "env entry", &err);
	assert_error(r, err, WP_EINVALID, "env entry is not valid UTF-8");
	cr_assert_eq(json_array_size(arr), 1);
	json_decref(arr);
}

Test(json, getters_name_the_field)
{
	json_t *j = parse_ok("{\"s\":\"text\",\"n\":12,\"o\":{},\"a\":[],\"z\":null}");
	const char *s = "untouched";
	int64_t n = -1;
	json_t *o = NULL;
	wp_error *err = NULL;
	int r = wp_json_get_string(j, "s", true, "manifest", "", &s, &err);

	assert_ok(r, err);
	cr_assert_str_eq(s, "text");
	r = wp_json_get_int64(j, "n", true, "manifest", "", &n, &err);
	assert_ok(r, err);
	cr_assert_eq(n, 12);
	r = wp_json_get_object(j, "o", true, "manifest", "", &o, &err);
	assert_ok(r, err);
	cr_assert(json_is_object(o));
	r = wp_json_get_array(j, "a", true, "manifest", "", &o, &err);
	assert_ok(r, err);
	cr_assert(json_is_array(o));

	r = wp_json_get_int64(j, "s", true, "manifest", "layers[1]", &n, &err);
	assert_error(r, err, WP_EINVALID, "manifest: layers[1].s: expected an integer");
	r = wp_json_get_string(j, "n", true, "manifest", "", &s, &err);
	assert_error(r, err, WP_EINVALID, "manifest: n: expected a string");
	r = wp_json_get_object(j, "a", true, "cfg", "config", &o, &err);
	assert_error(r, err, WP_EINVALID, "cfg: config.a: expected an object");
	r = wp_json_get_array(j, "o", true, "cfg", "", &o, &err);
	assert_error(r, err, WP_EINVALID, "cfg: o: expected an array");
	r = wp_json_get_string(j, "missing", true, "manifest", "config", &s, &err);
	assert_error(r, err, WP_EINVALID, "manifest: config.missing: missing");
	/* null counts as absent */
	r = wp_json_get_string(j, "z", true, "manifest", "", &s, &err);
	assert_error(r, err, WP_EINVALID, "manifest: z: missing");
	json_decref(j);
}

Test(json, optional_missing_fields_leave_the_output_alone)
{
	json_t *j = parse_ok("{\"z\":null}");
	const char *s = "untouched";
	int64_t n = 77;
	wp_error *err = NULL;
	int r = wp_json_get_string(j, "absent", false, "doc", "", &s, &err);

	assert_ok(r, err);
	cr_assert_str_eq(s, "untouched");
	r = wp_json_get_string(j, "z", false, "doc", "", &s, &err);
	assert_ok(r, err);
	cr_assert_str_eq(s, "untouched");
	r = wp_json_get_int64(j, "absent", false, "doc", "", &n, &err);
	assert_ok(r, err);
	cr_assert_eq(n, 77);
	json_decref(j);
}

Test(json, parse_refuses_nesting_past_jansson_depth_limit)
{
	/* jansson stops at JSON_PARSER_MAX_DEPTH (2048): a manifest nested
	 * deeper fails cleanly instead of recursing without bound */
	static char deep[2 * 100000];
	json_t *j = NULL;
	wp_error *err = NULL;
	int r;

	memset(deep, '[', sizeof(deep) / 2);
	memset(deep + sizeof(deep) / 2, ']', sizeof(deep) / 2);
	r = wp_json_parse(&j, deep, sizeof(deep), "image manifest", &err);
	assert_error(r, err, WP_EINVALID, "image manifest: invalid JSON at line 1 column 2049");
	cr_assert_null(j);
	/* within the limit: parsed */
	r = wp_json_parse(&j, deep + sizeof(deep) / 2 - 2000, 4000, "image manifest", &err);
	assert_ok(r, err);
	json_decref(j);
}
