#include <ctype.h>

#include "reference.h"
#include "../lib/digest.h"
#include "../lib/str.h"
#include "../lib/common.h"

#define NAME_MAX_LEN 255

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* path-component := [a-z0-9]+ ((\.|_|__|-+)[a-z0-9]+)* */
static bool path_component_valid(const char *s, size_t n)
{
	size_t i = 0;

	if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
		return false;
	while (i < n) {
		if (is_lower_alnum(s[i])) {
			i++;
			continue;
		}
		if (s[i] == '.' || (s[i] == '_' && s[i + 1] != '_'))
			i++;
		else if (s[i] == '_' && s[i + 1] == '_')
			i += 2;
		else if (s[i] == '-')
			while (i < n && s[i] == '-')
				i++;
		else
			return false;
		if (i >= n || !is_lower_alnum(s[i]))
			return false;
	}
	return true;
}

static bool domain_valid(const char *s)
{
	const char *port = NULL, *end;
	const char *p = s;

	if (*p == '[') { /* [IPv6]:port */
		const char *close = strchr(p, ']');

		if (!close || close == p + 1)
			return false;
		for (const char *q = p + 1; q < close; q++)
			if (!isxdigit((unsigned char)*q) && *q != ':' && *q != '.')
				return false;
		p = close + 1;
		if (*p == '\0')
			return true;
		if (*p != ':')
			return false;
		port = p + 1;
	} else {
		port = strchr(p, ':');
		end = port ? port : p + strlen(p);
		/* components of [a-zA-Z0-9-], not starting or ending with '-' */
		for (const char *c = p; c < end;) {
			const char *dot = memchr(c, '.', (size_t)(end - c));
			const char *cend = dot ? dot : end;

			if (cend == c || c[0] == '-' || cend[-1] == '-')
				return false;
			for (const char *q = c; q < cend; q++)
				if (!isalnum((unsigned char)*q) && *q != '-')
					return false;
			c = dot ? dot + 1 : end;
			if (dot && c == end)
				return false;
		}
		if (port)
			port++;
	}
	if (port) {
		if (!*port)
			return false;
		for (const char *q = port; *q; q++)
			if (!isdigit((unsigned char)*q))
				return false;
	}
	return true;
}

int wp_tag_validate(const char *tag, wp_error **err)
{
	size_t n = strlen(tag);
	bool ok = n > 0 && n <= 128 && (isalnum((unsigned char)tag[0]) || tag[0] == '_');

	for (size_t i = 1; ok && i < n; i++)
		ok = isalnum((unsigned char)tag[i]) || tag[i] == '_' || tag[i] == '.' ||
		     tag[i] == '-';
	if (!ok)
		return wp_error_set(
			err, WP_EINVALID,
			"invalid tag \"%s\": up to 128 letters, digits, '_', '.' and '-', "
			"not starting with '.' or '-'",
			tag);
	return 0;
}

void wp_reference_release(wp_reference *ref)
{
	free(ref->registry);
	free(ref->repository);
	free(ref->tag);
	free(ref->digest);
	memset(ref, 0, sizeof(*ref));
}

static int check_path(const char *input, const char *path, wp_error **err)
{
	const char *c = path;
	bool upper = false;

	for (const char *q = path; *q; q++)
		upper |= isupper((unsigned char)*q) != 0;
	if (upper) {
		_cleanup_free_ char *lower = strdup(path);

		if (!lower)
			return wp_error_oom(err);
		for (char *q = lower; *q; q++)
			*q = (char)tolower((unsigned char)*q);
		return wp_error_set(err, WP_EINVALID,
				    "invalid reference \"%s\": repository names must be lowercase "
				    "(try \"%s\")",
				    input, lower);
	}
	for (;;) {
		const char *slash = strchr(c, '/');
		size_t n = slash ? (size_t)(slash - c) : strlen(c);

		if (!path_component_valid(c, n))
			return wp_error_set(
				err, WP_EINVALID,
				"invalid reference \"%s\": path component \"%.*s\" must be "
				"lowercase letters and digits, separated by '.', '_', '__' "
				"or '-'",
				input, (int)n, c);
		if (!slash)
			return 0;
		c = slash + 1;
	}
}

static bool first_component_is_host(const char *s, size_t n)
{
	if (memchr(s, '.', n) || memchr(s, ':', n) || (n == 9 && memcmp(s, "localhost", 9) == 0))
		return true;
	for (size_t i = 0; i < n; i++)
		if (isupper((unsigned char)s[i]))
			return true;
	return false;
}

int wp_reference_parse(wp_reference *out, const char *s, wp_error **err)
{
	_cleanup_free_ char *copy = strdup(s);
	wp_reference ref = {0};
	char *at, *name, *colon, *slash, *path;
	int r = 0;

	if (!copy)
		return wp_error_oom(err);
	if (!*s)
		/* cppcheck-suppress memleak ; _cleanup_free_ frees copy (cppcheck 2.10 does not run
		 * cleanup attributes) */
		return wp_error_set(err, WP_EINVALID, "invalid reference: empty");
	name = copy;
	if ((at = strchr(name, '@'))) {
		*at = '\0';
		if ((r = wp_digest_validate(at + 1, "digest", err)) < 0)
			return wp_error_prefix(err, "invalid reference \"%s\"", s);
		if (!(ref.digest = strdup(at + 1)))
			return wp_error_oom(err);
	}
	slash = strrchr(name, '/');
	colon = strrchr(slash ? slash : name, ':');
	if (colon) {
		*colon = '\0';
		if ((r = wp_tag_validate(colon + 1, err)) < 0)
			goto fail;
		if (!(ref.tag = strdup(colon + 1))) {
			r = wp_error_oom(err);
			goto fail;
		}
	}
	/* Docker's rule: the first component names a registry when it has a
	 * '.' or ':', is "localhost", or has upper case */
	slash = strchr(name, '/');
	if (slash && first_component_is_host(name, (size_t)(slash - name))) {
		*slash = '\0';
		ref.registry = strdup(name);
		path = slash + 1;
	} else {
		ref.registry = strdup(WP_DEFAULT_REGISTRY);
		path = name;
	}
	if (!ref.registry) {
		r = wp_error_oom(err);
		goto fail;
	}
	if (!domain_valid(ref.registry)) {
		r = wp_error_set(err, WP_EINVALID, "invalid reference \"%s\": bad registry \"%s\"",
				 s, ref.registry);
		goto fail;
	}
	if (strcmp(ref.registry, "index.docker.io") == 0) {
		free(ref.registry);
		if (!(ref.registry = strdup(WP_DEFAULT_REGISTRY))) {
			r = wp_error_oom(err);
			goto fail;
		}
	}
	if (!*path) {
		r = wp_error_set(err, WP_EINVALID, "invalid reference \"%s\": no repository name",
				 s);
		goto fail;
	}
	if ((r = check_path(s, path, err)) < 0)
		goto fail;
	if (strcmp(ref.registry, WP_DEFAULT_REGISTRY) == 0 && !strchr(path, '/'))
		ref.repository = wp_strdup_printf("library/%s", path);
	else
		ref.repository = strdup(path);
	if (!ref.registry || !ref.repository) {
		r = wp_error_oom(err);
		goto fail;
	}
	if (strlen(ref.registry) + 1 + strlen(ref.repository) > NAME_MAX_LEN) {
		r = wp_error_set(err, WP_EINVALID,
				 "invalid reference \"%s\": name longer than %d characters", s,
				 NAME_MAX_LEN);
		goto fail;
	}
	*out = ref;
	return 0;
fail:
	wp_reference_release(&ref);
	return r;
}

char *wp_reference_name(const wp_reference *ref)
{
	return wp_strdup_printf("%s/%s", ref->registry, ref->repository);
}

static char *with_suffixes(const char *name, const wp_reference *ref)
{
	return wp_strdup_printf("%s%s%s%s%s", name, ref->tag ? ":" : "", ref->tag ? ref->tag : "",
				ref->digest ? "@" : "", ref->digest ? ref->digest : "");
}

char *wp_reference_string(const wp_reference *ref)
{
	_cleanup_free_ char *name = wp_reference_name(ref);

	return name ? with_suffixes(name, ref) : NULL;
}

char *wp_reference_familiar(const wp_reference *ref)
{
	_cleanup_free_ char *name = NULL;

	if (strcmp(ref->registry, WP_DEFAULT_REGISTRY) != 0)
		name = wp_reference_name(ref);
	else if (wp_str_has_prefix(ref->repository, "library/") &&
		 !strchr(ref->repository + 8, '/'))
		name = strdup(ref->repository + 8);
	else
		name = strdup(ref->repository);
	return name ? with_suffixes(name, ref) : NULL;
}

const char *wp_reference_api_host(const wp_reference *ref)
{
	return strcmp(ref->registry, WP_DEFAULT_REGISTRY) == 0 ? WP_DOCKER_HUB_API_HOST
							       : ref->registry;
}
