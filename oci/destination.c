#include "destination.h"
#include "../lib/common.h"

const char *wp_destination_kind_name(wp_dest_kind kind)
{
	switch (kind) {
	case WP_DEST_OCI_ARCHIVE:
		return "oci-archive";
	case WP_DEST_DOCKER_ARCHIVE:
		return "docker-archive";
	default:
		return "oci";
	}
}

char *wp_destination_format(const wp_destination *d)
{
	return wp_strdup_printf("%s:%s", wp_destination_kind_name(d->kind), d->path);
}

void wp_destination_release(wp_destination *d)
{
	free(d->path);
	wp_strv_release(&d->names);
	d->path = NULL;
}

static int set_path(wp_destination *d, wp_dest_kind kind, const char *path, const char *spec,
		    wp_error **err)
{
	if (!*path)
		return wp_error_set(err, WP_EINVALID, "output \"%s\": empty path", spec);
	if (kind == WP_DEST_LAYOUT && strcmp(path, "-") == 0)
		return wp_error_set(
			err, WP_EINVALID,
			"output \"%s\": a layout directory cannot go to standard output; "
			"use oci-archive:- or docker-archive:-",
			spec);
	d->kind = kind;
	d->path = strdup(path);
	return d->path ? 0 : wp_error_oom(err);
}

/* buildx: type=oci|docker,dest=FILE[,tar=true|false][,name=a,b] */
static int parse_buildx(wp_destination *d, const char *spec, wp_error **err)
{
	_cleanup_free_ char *copy = strdup(spec);
	const char *type = NULL, *dest = NULL, *tar = NULL;
	char *save = NULL, *field;
	bool in_name = false;
	int r = 0;

	if (!copy)
		return wp_error_oom(err);
	for (field = strtok_r(copy, ",", &save); field && r == 0;
	     field = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(field, '=');

		if (!eq && in_name) { /* name=a,b continues with b */
			r = wp_strv_push(&d->names, field, err);
			continue;
		}
		in_name = false;
		if (!eq)
			return wp_error_set(err, WP_EINVALID,
					    "output \"%s\": \"%s\" is not KEY=VALUE", spec, field);
		*eq = '\0';
		if (strcmp(field, "type") == 0)
			type = eq + 1;
		else if (strcmp(field, "dest") == 0)
			dest = eq + 1;
		else if (strcmp(field, "tar") == 0)
			tar = eq + 1;
		else if (strcmp(field, "name") == 0) {
			in_name = true;
			r = wp_strv_push(&d->names, eq + 1, err);
		} else
			return wp_error_set(
				err, WP_EINVALID,
				"output \"%s\": unknown key \"%s\" (wasmpack accepts type, "
				"dest, tar and name)",
				spec, field);
	}
	if (r < 0)
		return r;
	if (!type)
		return wp_error_set(err, WP_EINVALID, "output \"%s\": missing type=", spec);
	if (strcmp(type, "oci") != 0 && strcmp(type, "docker") != 0)
		return wp_error_set(err, WP_EINVALID,
				    "output \"%s\": type \"%s\" is not supported (accepted: oci, "
				    "docker)",
				    spec, type);
	if (tar && strcmp(tar, "true") != 0 && strcmp(tar, "false") != 0)
		return wp_error_set(err, WP_EINVALID, "output \"%s\": tar must be true or false",
				    spec);
	if (tar && strcmp(type, "docker") == 0 && strcmp(tar, "false") == 0)
		return wp_error_set(err, WP_EINVALID,
				    "output \"%s\": type=docker is always a tar archive", spec);
	if (!dest)
		return wp_error_set(err, WP_EINVALID,
				    "output \"%s\": missing dest=FILE (there is no daemon to load "
				    "into; use dest=- and pipe to \"docker load\")",
				    spec);
	if (strcmp(type, "docker") == 0)
		return set_path(d, WP_DEST_DOCKER_ARCHIVE, dest, spec, err);
	return set_path(d, tar && strcmp(tar, "false") == 0 ? WP_DEST_LAYOUT : WP_DEST_OCI_ARCHIVE,
			dest, spec, err);
}

int wp_destination_parse(wp_destination *out, const char *spec, wp_error **err)
{
	wp_destination d = {0};
	int r;

	if (!*spec)
		return wp_error_set(err, WP_EINVALID, "empty output");
	if (wp_str_has_prefix(spec, "type=") || strstr(spec, ",type="))
		r = parse_buildx(&d, spec, err);
	else if (wp_str_has_prefix(spec, "oci-archive:"))
		r = set_path(&d, WP_DEST_OCI_ARCHIVE, spec + 12, spec, err);
	else if (wp_str_has_prefix(spec, "docker-archive:"))
		r = set_path(&d, WP_DEST_DOCKER_ARCHIVE, spec + 15, spec, err);
	else if (wp_str_has_prefix(spec, "oci:")) {
		if (strchr(spec + 4, ':'))
			r = wp_error_set(err, WP_EINVALID,
					 "output \"%s\": give the tag with -t, not as oci:DIR:TAG",
					 spec);
		else
			r = set_path(&d, WP_DEST_LAYOUT, spec + 4, spec, err);
	} else if (wp_str_has_prefix(spec, "docker://") ||
		   wp_str_has_prefix(spec, "docker-daemon:"))
		r = wp_error_set(err, WP_EINVALID,
				 "output \"%s\": registries and daemons are not build outputs "
				 "(accepted: DIR, oci:DIR, oci-archive:FILE, docker-archive:FILE)",
				 spec);
	else
		r = set_path(&d, WP_DEST_LAYOUT, spec, spec, err);
	if (r < 0) {
		wp_destination_release(&d);
		return r;
	}
	*out = d;
	return 0;
}
