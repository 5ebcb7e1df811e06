/* jansson helpers: one canonical serialization (sorted keys, compact, no
 * trailing newline) so equal documents always have equal digests, a parser
 * that reports where a document is broken, and typed getters whose errors
 * name the field (e.g. "manifest: layers[1].size: expected an integer"). */
#ifndef WP_JSON_H
#define WP_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"

static inline void wp_json_decrefp(json_t **j)
{
	json_decref(*j);
}
#define _cleanup_json_ __attribute__((cleanup(wp_json_decrefp)))

/* Appends the canonical form of j to out. */
int wp_json_dump_canonical(const json_t *j, wp_buf *out, wp_error **err);

/* Parses exactly one JSON value; duplicate keys are an error. `what` names
 * the document in messages ("image manifest", "\"dir/index.json\""). */
int wp_json_parse(json_t **out, const char *data, size_t len, const char *what, wp_error **err);

/* Builders that fail cleanly on invalid UTF-8 or OOM; `what` names the value
 * in the error. On success the reference to value is stolen by the parent. */
int wp_json_set_string(json_t *obj, const char *key, const char *value, const char *what,
		       wp_error **err);
int wp_json_set_new(json_t *obj, const char *key, json_t *value, wp_error **err);
int wp_json_append_new(json_t *arr, json_t *value, wp_error **err);
int wp_json_append_string(json_t *arr, const char *value, const char *what, wp_error **err);

/* Typed getters. `where` is the path of obj in the document ("" for the
 * root). A missing optional field leaves *out untouched and returns 0. */
int wp_json_get_string(const json_t *obj, const char *key, bool required, const char *doc,
		       const char *where, const char **out, wp_error **err);
int wp_json_get_int64(const json_t *obj, const char *key, bool required, const char *doc,
		      const char *where, int64_t *out, wp_error **err);
int wp_json_get_object(const json_t *obj, const char *key, bool required, const char *doc,
		       const char *where, json_t **out, wp_error **err);
int wp_json_get_array(const json_t *obj, const char *key, bool required, const char *doc,
		      const char *where, json_t **out, wp_error **err);

#endif
