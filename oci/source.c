#include <sys/stat.h>

#include "source.h"
#include "archive_read.h"
#include "reference.h"
#include "mediatype.h"
#include "../lib/fileio.h"
#include "../lib/str.h"
#include "../lib/common.h"

bool wp_source_is_spec(const char *spec)
{
	struct stat st;

	return wp_str_has_prefix(spec, "oci:") || wp_str_has_prefix(spec, "oci-archive:") ||
	       wp_str_has_prefix(spec, "docker-archive:") ||
	       (stat(spec, &st) == 0 && S_ISDIR(st.st_mode));
}

void wp_source_close(wp_source *s)
{
	wp_layout_close(s->layout);
	wp_descriptor_release(&s->manifest);
	if (s->staging)
		wp_remove_tree(s->staging, NULL);
	free(s->staging);
	free(s->description);
	memset(s, 0, sizeof(*s));
}

/* "FILE:NAME" → FILE and NAME, where NAME is what follows the first ':'
 * after the last '/' (paths rarely hold a ':', image names often do). */
static int split_name(const char *rest, char **path, char **name, wp_error **err)
{
	const char *slash = strrchr(rest, '/');
	const char *colon = strchr(slash ? slash : rest, ':');

	*name = NULL;
	*path = colon ? strndup(rest, (size_t)(colon - rest)) : strdup(rest);
	if (colon && !(*name = strdup(colon + 1))) {
		free(*path);
		*path = NULL;
	}
	return *path ? 0 : wp_error_oom(err);
}

/* The full form of a name when it parses as a reference ("hello:v1" →
 * "docker.io/library/hello:v1"); NULL otherwise. */
static char *full_name(const char *name)
{
	wp_reference ref;
	char *full;

	if (!name || wp_reference_parse(&ref, name, NULL) < 0)
		return NULL;
	if (!ref.tag && !ref.digest)
		ref.tag = strdup(WP_DEFAULT_TAG);
	full = ref.tag || ref.digest ? wp_reference_string(&ref) : NULL;
	wp_reference_release(&ref);
	return full;
}

static int pick(wp_source *s, const char *name, bool required, const char *want, wp_error **err)
{
	_cleanup_free_ char *full = full_name(name ? name : want);
	wp_descriptor *list = NULL;
	size_t n = 0, distinct = 0, only = 0;
	int r;

	if (name || want) {
		wp_error *e = NULL;

		if (full && wp_layout_find(s->layout, full, &s->manifest, NULL) == 0)
			return 0;
		r = wp_layout_find(s->layout, name ? name : want, &s->manifest, &e);
		if (r == 0 || (name && required)) {
			if (r < 0 && err && !*err)
				*err = e;
			else
				wp_error_free(e);
			return r;
		}
		wp_error_free(e);
	}
	/* no name, or the preferred one is absent: the layout's only image */
	if ((r = wp_layout_list(s->layout, &list, &n, err)) < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		bool seen = false;

		for (size_t k = 0; k < i; k++)
			seen |= strcmp(list[k].digest, list[i].digest) == 0;
		if (!seen) {
			distinct++;
			only = i;
		}
	}
	if (distinct == 1)
		r = wp_descriptor_copy(&s->manifest, &list[only], err);
	else if (distinct == 0)
		r = wp_error_set(err, WP_ENOTFOUND, "%s holds no image", s->description);
	else
		r = wp_error_set(err, WP_ENOTFOUND,
				 "%s holds %zu images%s%s%s; name one (oci:DIR:TAG)",
				 s->description, distinct, want ? " and none is named \"" : "",
				 want ? want : "", want ? "\"" : "");
	wp_descriptors_free(list, n);
	return r;
}

static int make_staging(wp_source *s, wp_error **err)
{
	const char *tmp = getenv("TMPDIR");
	char *tmpl = wp_strdup_printf("%s/wasmpack-src-XXXXXX", tmp && *tmp ? tmp : "/tmp");

	if (!tmpl)
		return wp_error_oom(err);
	if (!mkdtemp(tmpl)) {
		int e = errno;

		free(tmpl);
		return wp_error_set_errno(err, e, "cannot create a temporary directory");
	}
	s->staging = tmpl;
	return 0;
}

int wp_source_open(wp_source *out, const char *spec, const char *want, wp_error **err)
{
	wp_source s = {0};
	_cleanup_free_ char *path = NULL, *name = NULL;
	int r;

	if (wp_str_has_prefix(spec, "oci-archive:") || wp_str_has_prefix(spec, "docker-archive:")) {
		bool oci = wp_str_has_prefix(spec, "oci-archive:");

		r = split_name(spec + (oci ? 12 : 15), &path, &name, err);
		if (r == 0 && !(s.description = wp_strdup_printf("\"%s\"", path)))
			r = wp_error_oom(err);
		if (r == 0)
			r = make_staging(&s, err);
		if (r == 0 && oci) {
			r = wp_oci_archive_extract(path, s.staging, err);
			if (r == 0)
				r = wp_layout_open(&s.layout, s.staging, WP_LAYOUT_READ, err);
			if (r == 0)
				r = pick(&s, name, true, want, err);
		} else if (r == 0) {
			r = wp_layout_open(&s.layout, s.staging, WP_LAYOUT_WRITE, err);
			if (r == 0)
				r = wp_docker_archive_import(path, name, s.layout, &s.manifest,
							     NULL, err);
		}
	} else {
		const char *rest = wp_str_has_prefix(spec, "oci:") ? spec + 4 : spec;

		/* a plain DIR is never split: directory names may hold ':' */
		if (rest != spec)
			r = split_name(rest, &path, &name, err);
		else
			r = (path = strdup(spec)) ? 0 : wp_error_oom(err);
		if (r == 0 && !(s.description = wp_strdup_printf("\"%s\"", path)))
			r = wp_error_oom(err);
		if (r == 0)
			r = wp_layout_open(&s.layout, path, WP_LAYOUT_READ, err);
		if (r == 0)
			r = pick(&s, name, true, want, err);
	}
	if (r < 0) {
		wp_source_close(&s);
		return r;
	}
	*out = s;
	return 0;
}
