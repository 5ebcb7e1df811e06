/* Small string, path and list helpers. */
#ifndef WP_STR_H
#define WP_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

bool wp_str_has_prefix(const char *s, const char *prefix);
bool wp_str_has_suffix(const char *s, const char *suffix);
bool wp_str_eq(const char *a, const char *b); /* NULL-safe */

/* Allocating printf; returns NULL when out of memory. */
char *wp_strdup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Checked duplicate: *out = strdup(s) or WP_ENOMEM. s may be NULL (→ NULL). */
int wp_strdup(char **out, const char *s, wp_error **err);

/* Parses a whole decimal integer within [min, max]; returns WP_EINVALID
 * (message names `what`) for anything else. */
int wp_parse_int64(const char *s, int64_t min, int64_t max, const char *what, int64_t *out,
		   wp_error **err);

/* True when s is valid UTF-8 without NUL bytes (what JSON strings need). */
bool wp_utf8_valid(const char *s, size_t len);
/* The same, NUL allowed (WebAssembly names). */
bool wp_utf8_valid_nul(const char *s, size_t len);

/* Path helpers. basename and the extension pointer borrow from path. */
const char *wp_path_basename(const char *path);
char *wp_path_dirname(const char *path);	       /* owned; NULL = OOM */
char *wp_path_join(const char *dir, const char *name); /* owned; NULL = OOM */

/* A NULL-terminated, owned vector of owned strings. */
typedef struct wp_strv {
	char **items;
	size_t len;
} wp_strv;

int wp_strv_push(wp_strv *v, const char *s, wp_error **err);
/* Appends each word of s (split at spaces, tabs and newlines; no quoting). */
int wp_strv_split_words(wp_strv *v, const char *s, wp_error **err);
bool wp_strv_contains(const wp_strv *v, const char *s);
void wp_strv_release(wp_strv *v);

/* An ordered list of owned key/value pairs. Setting an existing key replaces
 * its value in place (later flags win, as with docker --label). */
typedef struct wp_kv_pair {
	char *key;
	char *value;
} wp_kv_pair;

typedef struct wp_kv {
	wp_kv_pair *items;
	size_t len;
} wp_kv;

int wp_kv_set(wp_kv *kv, const char *key, const char *value, wp_error **err);
/* Appends a pair even when the key is already there (HTTP headers). */
int wp_kv_add(wp_kv *kv, const char *key, const char *value, wp_error **err);
const char *wp_kv_get(const wp_kv *kv, const char *key); /* borrowed or NULL */
void wp_kv_release(wp_kv *kv);

#endif
