#include <ctype.h>

#include "str.h"
#include "common.h"

bool wp_str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool wp_str_has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

bool wp_str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

char *wp_strdup_printf(const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

int wp_strdup(char **out, const char *s, wp_error **err)
{
	char *copy = NULL;

	if (s) {
		copy = strdup(s);
		if (!copy)
			return wp_error_oom(err);
	}
	*out = copy;
	return 0;
}

int wp_parse_int64(const char *s, int64_t min, int64_t max, const char *what, int64_t *out,
		   wp_error **err)
{
	char *end = NULL;
	long long v;

	errno = 0;
	/* strtoll would skip leading white space (not only ' ') and take '+' */
	if (!*s || isspace((unsigned char)*s) || *s == '+')
		goto bad;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < min || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	return wp_error_set(err, WP_EINVALID,
			    "%s \"%s\" is not a whole number between %" PRId64 " and %" PRId64,
			    what, s, min, max);
}

static bool utf8_check(const char *s, size_t len, bool allow_nul)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		unsigned char c = *p;
		size_t n;
		uint32_t cp;

		if (c == 0 && !allow_nul)
			return false;
		if (c < 0x80) {
			p++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			n = 1;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if ((size_t)(end - p) <= n)
			return false;
		for (size_t i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		/* overlong forms, surrogates and values past U+10FFFF */
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return false;
		p += n + 1;
	}
	return true;
}

bool wp_utf8_valid(const char *s, size_t len)
{
	return utf8_check(s, len, false);
}

bool wp_utf8_valid_nul(const char *s, size_t len)
{
	return utf8_check(s, len, true);
}

const char *wp_path_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	/* "dir/" has no basename of its own; callers validate paths first */
	return slash ? slash + 1 : path;
}

char *wp_path_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

char *wp_path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir);

	if (n && dir[n - 1] == '/')
		return wp_strdup_printf("%s%s", dir, name);
	return wp_strdup_printf("%s/%s", dir, name);
}

int wp_strv_push(wp_strv *v, const char *s, wp_error **err)
{
	char **items;
	char *copy = strdup(s);

	if (!copy)
		return wp_error_oom(err);
	items = realloc(v->items, (v->len + 2) * sizeof(*items));
	if (!items) {
		free(copy);
		return wp_error_oom(err);
	}
	items[v->len++] = copy;
	items[v->len] = NULL;
	v->items = items;
	return 0;
}

int wp_strv_split_words(wp_strv *v, const char *s, wp_error **err)
{
	int r = 0;

	while (r == 0 && *s) {
		size_t n;

		s += strspn(s, " \t\n");
		if (!(n = strcspn(s, " \t\n")))
			break;
		{
			_cleanup_free_ char *word = strndup(s, n);

			r = word ? wp_strv_push(v, word, err) : wp_error_oom(err);
		}
		s += n;
	}
	return r;
}

bool wp_strv_contains(const wp_strv *v, const char *s)
{
	for (size_t i = 0; i < v->len; i++)
		if (strcmp(v->items[i], s) == 0)
			return true;
	return false;
}

void wp_strv_release(wp_strv *v)
{
	for (size_t i = 0; i < v->len; i++)
		free(v->items[i]);
	free(v->items);
	v->items = NULL;
	v->len = 0;
}

static int kv_append(wp_kv *kv, const char *key, const char *value, wp_error **err)
{
	_cleanup_free_ char *k = strdup(key);
	_cleanup_free_ char *v = strdup(value);
	wp_kv_pair *items;

	if (!k || !v)
		return wp_error_oom(err);
	items = realloc(kv->items, (kv->len + 1) * sizeof(*items));
	if (!items)
		/* cppcheck-suppress memleak ; _cleanup_free_ frees k and v (cppcheck 2.10 does
		 * not run cleanup attributes) */
		return wp_error_oom(err);
	items[kv->len].key = TAKE_PTR(k);
	items[kv->len].value = TAKE_PTR(v);
	kv->items = items;
	kv->len++;
	return 0;
}

int wp_kv_set(wp_kv *kv, const char *key, const char *value, wp_error **err)
{
	for (size_t i = 0; i < kv->len; i++) {
		if (strcmp(kv->items[i].key, key) == 0) {
			char *v = strdup(value);

			if (!v)
				return wp_error_oom(err);
			free(kv->items[i].value);
			kv->items[i].value = v;
			return 0;
		}
	}
	return kv_append(kv, key, value, err);
}

int wp_kv_add(wp_kv *kv, const char *key, const char *value, wp_error **err)
{
	return kv_append(kv, key, value, err);
}

const char *wp_kv_get(const wp_kv *kv, const char *key)
{
	for (size_t i = 0; i < kv->len; i++)
		if (strcmp(kv->items[i].key, key) == 0)
			return kv->items[i].value;
	return NULL;
}

void wp_kv_release(wp_kv *kv)
{
	for (size_t i = 0; i < kv->len; i++) {
		free(kv->items[i].key);
		free(kv->items[i].value);
	}
	free(kv->items);
	kv->items = NULL;
	kv->len = 0;
}
