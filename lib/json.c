#include "json.h"
#include "str.h"
#include "common.h"

static int dump_cb(const char *buffer, size_t size, void *data)
{
	/* jansson only knows success or failure; the buffer limit is the one
	 * failure it can hit, reported by the caller */
	return wp_buf_append(data, buffer, size, NULL) < 0 ? -1 : 0;
}

int wp_json_dump_canonical(const json_t *j, wp_buf *out, wp_error **err)
{
	if (json_dump_callback(j, dump_cb, out, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY) <
	    0)
		return wp_error_set(err, WP_ELIMIT,
				    "cannot serialize JSON: out of memory or over %zu bytes",
				    out->max);
	return 0;
}

int wp_json_parse(json_t **out, const char *data, size_t len, const char *what, wp_error **err)
{
	json_error_t je;
	json_t *j = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);

	if (!j)
		return wp_error_set(err, WP_EINVALID, "%s: invalid JSON at line %d column %d: %s",
				    what, je.line, je.column, je.text);
	*out = j;
	return 0;
}

int wp_json_set_new(json_t *obj, const char *key, json_t *value, wp_error **err)
{
	if (!value || json_object_set_new(obj, key, value) < 0)
		return wp_error_oom(err);
	return 0;
}

int wp_json_set_string(json_t *obj, const char *key, const char *value, const char *what,
		       wp_error **err)
{
	json_t *s;

	if (!wp_utf8_valid(value, strlen(value)))
		return wp_error_set(err, WP_EINVALID, "%s is not valid UTF-8", what);
	s = json_string(value);
	return wp_json_set_new(obj, key, s, err);
}

int wp_json_append_new(json_t *arr, json_t *value, wp_error **err)
{
	if (!value || json_array_append_new(arr, value) < 0)
		return wp_error_oom(err);
	return 0;
}

int wp_json_append_string(json_t *arr, const char *value, const char *what, wp_error **err)
{
	if (!wp_utf8_valid(value, strlen(value)))
		return wp_error_set(err, WP_EINVALID, "%s is not valid UTF-8", what);
	return wp_json_append_new(arr, json_string(value), err);
}

static const char *sep(const char *where)
{
	return *where ? "." : "";
}

static int get_typed(const json_t *obj, const char *key, bool required, const char *doc,
		     const char *where, json_type type, const char *type_name, json_t **out,
		     wp_error **err)
{
	json_t *v = json_object_get(obj, key);

	if (!v || json_is_null(v)) {
		if (required)
			return wp_error_set(err, WP_EINVALID, "%s: %s%s%s: missing", doc, where,
					    sep(where), key);
		*out = NULL;
		return 0;
	}
	if (json_typeof(v) != type)
		return wp_error_set(err, WP_EINVALID, "%s: %s%s%s: expected %s", doc, where,
				    sep(where), key, type_name);
	*out = v;
	return 0;
}

int wp_json_get_string(const json_t *obj, const char *key, bool required, const char *doc,
		       const char *where, const char **out, wp_error **err)
{
	json_t *v = NULL;
	int r = get_typed(obj, key, required, doc, where, JSON_STRING, "a string", &v, err);

	if (r == 0 && v)
		*out = json_string_value(v);
	return r;
}

int wp_json_get_int64(const json_t *obj, const char *key, bool required, const char *doc,
		      const char *where, int64_t *out, wp_error **err)
{
	json_t *v = NULL;
	int r = get_typed(obj, key, required, doc, where, JSON_INTEGER, "an integer", &v, err);

	if (r == 0 && v)
		*out = (int64_t)json_integer_value(v);
	return r;
}

int wp_json_get_object(const json_t *obj, const char *key, bool required, const char *doc,
		       const char *where, json_t **out, wp_error **err)
{
	json_t *v = NULL;
	int r = get_typed(obj, key, required, doc, where, JSON_OBJECT, "an object", &v, err);

	if (r == 0 && v)
		*out = v;
	return r;
}

int wp_json_get_array(const json_t *obj, const char *key, bool required, const char *doc,
		      const char *where, json_t **out, wp_error **err)
{
	json_t *v = NULL;
	int r = get_typed(obj, key, required, doc, where, JSON_ARRAY, "an array", &v, err);

	if (r == 0 && v)
		*out = v;
	return r;
}
