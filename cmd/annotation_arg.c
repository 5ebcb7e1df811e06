#include "annotation_arg.h"
#include "../lib/str.h"
#include "../lib/common.h"

static const struct {
	const char *name;
	enum annotation_level level;
} levels[] = {
	{"manifest", ANNOTATION_MANIFEST},
	{"index", ANNOTATION_INDEX},
	{"manifest-descriptor", ANNOTATION_MANIFEST_DESCRIPTOR},
	{"index-descriptor", ANNOTATION_INDEX_DESCRIPTOR},
};

/* The levels named by s[0..n) ("manifest,index"), 0 when a word is not one. */
static unsigned parse_levels(const char *s, size_t n)
{
	unsigned all = 0;

	while (n > 0) {
		const char *comma = memchr(s, ',', n);
		size_t len = comma ? (size_t)(comma - s) : n;
		unsigned one = 0;

		for (size_t i = 0; i < WP_ARRAY_SIZE(levels); i++)
			if (strlen(levels[i].name) == len && memcmp(s, levels[i].name, len) == 0)
				one = levels[i].level;
		if (!one)
			return 0;
		all |= one;
		s += len + (comma ? 1 : 0);
		n -= len + (comma ? 1 : 0);
		if (comma && n == 0)
			return 0;
	}
	return all;
}

/* The prefix before the key: arg[0..n) is "LEVELS" or "LEVELS[PLATFORM]". */
static int parse_prefix(const char *arg, size_t n, struct annotation_arg *out, bool *is_prefix,
			wp_error **err)
{
	const char *bracket = memchr(arg, '[', n);
	_cleanup_free_ char *platform = NULL;

	*is_prefix = false;
	if (bracket && arg[n - 1] != ']')
		return 0;
	out->levels = parse_levels(arg, bracket ? (size_t)(bracket - arg) : n);
	if (!out->levels)
		return 0;
	*is_prefix = true;
	if (!bracket)
		return 0;
	platform = strndup(bracket + 1, n - (size_t)(bracket - arg) - 2);
	if (!platform || !(out->platform = calloc(1, sizeof(*out->platform))))
		return wp_error_oom(err);
	if (wp_platform_parse(out->platform, platform, err) < 0) {
		(*err)->code = WP_EUSAGE;
		return wp_error_prefix(err, "--annotation \"%s\"", arg);
	}
	return 0;
}

int annotation_arg_parse(const char *arg, struct annotation_arg *out, wp_error **err)
{
	const char *eq = strchr(arg, '='), *key = arg, *colon;
	bool is_prefix = false;
	int r = 0;

	*out = (struct annotation_arg){.levels = ANNOTATION_MANIFEST};
	if (!eq)
		return wp_error_set(err, WP_EUSAGE, "--annotation \"%s\": expected KEY=VALUE", arg);
	colon = memchr(arg, ':', (size_t)(eq - arg));
	if (colon && colon > arg)
		r = parse_prefix(arg, (size_t)(colon - arg), out, &is_prefix, err);
	if (r == 0 && is_prefix)
		key = colon + 1;
	else if (r == 0)
		out->levels = ANNOTATION_MANIFEST;
	if (r == 0 && key == eq)
		r = wp_error_set(err, WP_EUSAGE, "--annotation \"%s\": the key is empty", arg);
	if (r == 0 && (!(out->key = strndup(key, (size_t)(eq - key))) ||
		       !(out->value = strdup(eq + 1)) || !(out->text = strdup(arg))))
		r = wp_error_oom(err);
	if (r < 0)
		annotation_arg_release(out);
	return r;
}

void annotation_arg_release(struct annotation_arg *a)
{
	if (a->platform) {
		wp_platform_release(a->platform);
		free(a->platform);
	}
	free(a->key);
	free(a->value);
	free(a->text);
	*a = (struct annotation_arg){0};
}

bool annotation_arg_applies(const struct annotation_arg *a, enum annotation_level level,
			    const wp_platform *platform)
{
	if (!(a->levels & level))
		return false;
	return !a->platform || (platform && wp_platform_equal(a->platform, platform));
}
