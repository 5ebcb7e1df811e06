/* oci/destination: the output forms wasmpack accepts and refuses. */
#include <criterion/criterion.h>

#include "helpers.h"
#include "../../oci/destination.h"
#include "../../lib/common.h"

struct dest_case {
	const char *spec;
	wp_dest_kind kind;
	const char *path;
	const char *names; /* comma-joined, "" for none */
	const char *formatted;
};

static const struct dest_case good[] = {
	{"out", WP_DEST_LAYOUT, "out", "", "oci:out"},
	{"./build/img", WP_DEST_LAYOUT, "./build/img", "", "oci:./build/img"},
	{"oci:dir", WP_DEST_LAYOUT, "dir", "", "oci:dir"},
	{"oci:/abs/dir", WP_DEST_LAYOUT, "/abs/dir", "", "oci:/abs/dir"},
	{"oci-archive:img.tar", WP_DEST_OCI_ARCHIVE, "img.tar", "", "oci-archive:img.tar"},
	{"oci-archive:-", WP_DEST_OCI_ARCHIVE, "-", "", "oci-archive:-"},
	{"docker-archive:d.tar", WP_DEST_DOCKER_ARCHIVE, "d.tar", "", "docker-archive:d.tar"},
	{"docker-archive:-", WP_DEST_DOCKER_ARCHIVE, "-", "", "docker-archive:-"},
	{"type=oci,dest=f.tar", WP_DEST_OCI_ARCHIVE, "f.tar", "", "oci-archive:f.tar"},
	{"type=oci,dest=f.tar,tar=true", WP_DEST_OCI_ARCHIVE, "f.tar", "", "oci-archive:f.tar"},
	{"type=oci,dest=dir,tar=false", WP_DEST_LAYOUT, "dir", "", "oci:dir"},
	{"dest=dir,tar=false,type=oci", WP_DEST_LAYOUT, "dir", "", "oci:dir"},
	{"type=docker,dest=-", WP_DEST_DOCKER_ARCHIVE, "-", "", "docker-archive:-"},
	{"type=docker,dest=d.tar,tar=true", WP_DEST_DOCKER_ARCHIVE, "d.tar", "",
	 "docker-archive:d.tar"},
	{"type=oci,dest=f.tar,name=a", WP_DEST_OCI_ARCHIVE, "f.tar", "a", "oci-archive:f.tar"},
	{"type=oci,name=a,b:v1,dest=f.tar", WP_DEST_OCI_ARCHIVE, "f.tar", "a,b:v1",
	 "oci-archive:f.tar"},
	{"type=docker,dest=d.tar,name=ghcr.io/x/y:1,name=z", WP_DEST_DOCKER_ARCHIVE, "d.tar",
	 "ghcr.io/x/y:1,z", "docker-archive:d.tar"},
};

static void assert_names(const wp_strv *names, const char *expected, const char *spec)
{
	_cleanup_free_ char *copy = strdup(expected);
	char *save = NULL, *tok;
	size_t i = 0;

	cr_assert_not_null(copy);
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save), i++) {
		cr_assert_lt(i, names->len, "\"%s\": too few names", spec);
		cr_assert_str_eq(names->items[i], tok, "\"%s\": name %zu", spec, i);
	}
	cr_assert_eq(names->len, i, "\"%s\": %zu names, expected %zu", spec, names->len, i);
}

Test(destination, accepted_forms)
{
	for (size_t i = 0; i < WP_ARRAY_SIZE(good); i++) {
		const struct dest_case *c = &good[i];
		wp_destination d;
		wp_error *err = NULL;
		_cleanup_free_ char *f = NULL;
		int r = wp_destination_parse(&d, c->spec, &err);

		cr_assert_eq(r, 0, "\"%s\": %s", c->spec, err ? err->message : "");
		cr_assert_eq(d.kind, c->kind, "\"%s\": kind %s", c->spec,
			     wp_destination_kind_name(d.kind));
		cr_assert_str_eq(d.path, c->path, "\"%s\"", c->spec);
		assert_names(&d.names, c->names, c->spec);
		f = wp_destination_format(&d);
		cr_assert_str_eq(f, c->formatted, "\"%s\"", c->spec);
		wp_destination_release(&d);
	}
}

static const struct test_refusal bad[] = {
	{"", "empty output"},
	{"type=registry,name=x", "type \"registry\" is not supported"},
	{"type=local,dest=x", "type \"local\" is not supported"},
	{"type=oci", "missing dest=FILE"},
	{"type=oci,name=a", "missing dest=FILE"},
	{"type=oci,dest=x,compression=zstd", "unknown key \"compression\""},
	{"type=oci,dest=x,tar=maybe", "tar must be true or false"},
	{"type=docker,dest=x,tar=false", "type=docker is always a tar archive"},
	{"dest=x,tar=false,type=oci,oops", "\"oops\" is not KEY=VALUE"},
	{"type=oci,dest=", "empty path"},
	{"type=oci,dest=-,tar=false", "a layout directory cannot go to standard output"},
	{"oci:dir:tag", "give the tag with -t, not as oci:DIR:TAG"},
	{"oci:", "empty path"},
	{"oci:-", "a layout directory cannot go to standard output"},
	{"-", "a layout directory cannot go to standard output"},
	{"oci-archive:", "empty path"},
	{"docker-archive:", "empty path"},
	{"docker://ghcr.io/x", "registries and daemons are not build outputs"},
	{"docker-daemon:x:v1", "registries and daemons are not build outputs"},
};

Test(destination, refusals)
{
	for (size_t i = 0; i < WP_ARRAY_SIZE(bad); i++) {
		wp_destination d = {0};
		wp_error *err = NULL;
		int r = wp_destination_parse(&d, bad[i].input, &err);

		assert_error_in(bad[i].input, r, err, WP_EINVALID, bad[i].needle);
		cr_assert_null(d.path, "out untouched on failure");
		cr_assert_eq(d.names.len, 0);
	}
}

Test(destination, kind_names)
{
	cr_assert_str_eq(wp_destination_kind_name(WP_DEST_LAYOUT), "oci");
	cr_assert_str_eq(wp_destination_kind_name(WP_DEST_OCI_ARCHIVE), "oci-archive");
	cr_assert_str_eq(wp_destination_kind_name(WP_DEST_DOCKER_ARCHIVE), "docker-archive");
}
