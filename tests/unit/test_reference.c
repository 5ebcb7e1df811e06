/* oci/reference: Docker's reference grammar and normalisation. */
#include <criterion/criterion.h>

#include "helpers.h"
#include "../../oci/reference.h"
#include "../../lib/common.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

struct ref_case {
	const char *input;
	const char *registry;
	const char *repository;
	const char *tag;    /* NULL: none */
	const char *digest; /* NULL: none */
	const char *string; /* wp_reference_string */
};

static const struct ref_case good[] = {
	{"hello", "docker.io", "library/hello", NULL, NULL, "docker.io/library/hello"},
	{"hello:v1", "docker.io", "library/hello", "v1", NULL, "docker.io/library/hello:v1"},
	{"user/app:1.0", "docker.io", "user/app", "1.0", NULL, "docker.io/user/app:1.0"},
	{"docker.io/hello", "docker.io", "library/hello", NULL, NULL, "docker.io/library/hello"},
	{"index.docker.io/library/x", "docker.io", "library/x", NULL, NULL, "docker.io/library/x"},
	{"index.docker.io/x", "docker.io", "library/x", NULL, NULL, "docker.io/library/x"},
	{"localhost:5000/x:y", "localhost:5000", "x", "y", NULL, "localhost:5000/x:y"},
	{"localhost/x", "localhost", "x", NULL, NULL, "localhost/x"},
	{"[::1]:5000/x", "[::1]:5000", "x", NULL, NULL, "[::1]:5000/x"},
	{"[2001:db8::1]/a/b:c", "[2001:db8::1]", "a/b", "c", NULL, "[2001:db8::1]/a/b:c"},
	{"ghcr.io/acme/app", "ghcr.io", "acme/app", NULL, NULL, "ghcr.io/acme/app"},
	{"ghcr.io/a/b/c/d:TAG_1.x-y", "ghcr.io", "a/b/c/d", "TAG_1.x-y", NULL,
	 "ghcr.io/a/b/c/d:TAG_1.x-y"},
	{"x@sha256:" HEX64, "docker.io", "library/x", NULL, "sha256:" HEX64,
	 "docker.io/library/x@sha256:" HEX64},
	{"x:v1@sha256:" HEX64, "docker.io", "library/x", "v1", "sha256:" HEX64,
	 "docker.io/library/x:v1@sha256:" HEX64},
	{"registry.example.com:443/team/app", "registry.example.com:443", "team/app", NULL, NULL,
	 "registry.example.com:443/team/app"},
	/* upper case in the first component makes it a host, as in Docker */
	{"A/b", "A", "b", NULL, NULL, "A/b"},
	{"a.b-c.d/e--f", "a.b-c.d", "e--f", NULL, NULL, "a.b-c.d/e--f"},
	{"a_b/c.d", "docker.io", "a_b/c.d", NULL, NULL, "docker.io/a_b/c.d"},
	{"a__b/c", "docker.io", "a__b/c", NULL, NULL, "docker.io/a__b/c"},
};

static void parse_ok(wp_reference *ref, const char *input)
{
	wp_error *err = NULL;
	int r = wp_reference_parse(ref, input, &err);

	cr_assert_eq(r, 0, "\"%s\": %s", input, err ? err->message : "");
}

/* input is refused with a message containing needle; ref is untouched. */
static void assert_refused(const char *input, const char *needle)
{
	wp_reference ref = {0};
	wp_error *err = NULL;
	int r = wp_reference_parse(&ref, input, &err);

	cr_assert_eq(r, WP_EINVALID, "\"%s\" was accepted (%s/%s)", input, ref.registry,
		     ref.repository);
	assert_error_in(input, r, err, WP_EINVALID, needle);
	cr_assert_null(ref.registry, "out untouched on failure");
}

Test(reference, docker_normalisation_table)
{
	for (size_t i = 0; i < WP_ARRAY_SIZE(good); i++) {
		const struct ref_case *c = &good[i];
		wp_reference ref;
		_cleanup_free_ char *s = NULL;

		parse_ok(&ref, c->input);
		cr_assert_str_eq(ref.registry, c->registry, "\"%s\"", c->input);
		cr_assert_str_eq(ref.repository, c->repository, "\"%s\"", c->input);
		if (c->tag)
			cr_assert_str_eq(ref.tag, c->tag, "\"%s\"", c->input);
		else
			cr_assert_null(ref.tag, "\"%s\": tag \"%s\"", c->input, ref.tag);
		if (c->digest)
			cr_assert_str_eq(ref.digest, c->digest, "\"%s\"", c->input);
		else
			cr_assert_null(ref.digest, "\"%s\"", c->input);
		s = wp_reference_string(&ref);
		cr_assert_str_eq(s, c->string, "\"%s\"", c->input);
		wp_reference_release(&ref);
	}
}

static const struct test_refusal bad[] = {
	{"ghcr.io/Acme/app", "must be lowercase (try \"acme/app\")"},
	{"Hello", "must be lowercase"},
	{"hello:.x", "invalid tag \".x\""},
	{"hello:-x", "invalid tag \"-x\""},
	{"hello:", "invalid tag \"\""},
	{"hello:a+b", "invalid tag"},
	{"a//b", "path component \"\""},
	{"-a", "path component \"-a\""},
	{"a-", "path component \"a-\""},
	{"a/.b", "path component \".b\""},
	{"a/b_", "path component \"b_\""},
	{"a/b___c", "path component \"b___c\""},
	{"a/b..c", "path component \"b..c\""},
	{"ghcr.io/", "no repository name"},
	{"", "empty"},
	{"x@sha256:abc", "invalid reference \"x@sha256:abc\""},
	{"x@md5:0123456789abcdef0123456789abcdef", "invalid digest"},
	{"-bad.io/x", "bad registry \"-bad.io\""},
	{"bad..io/x", "bad registry"},
	{"bad.io:/x", "bad registry"},
	{"bad.io:80a/x", "bad registry"},
	{"[::1/x", "bad registry"},
	{"a b.io/c", "bad registry \"a b.io\""},
	{"a_b.io/c", "bad registry \"a_b.io\""},
	{"a b/c", "path component \"a b\""},
	{"a/b c", "path component \"b c\""},
};

Test(reference, refusals)
{
	for (size_t i = 0; i < WP_ARRAY_SIZE(bad); i++)
		assert_refused(bad[i].input, bad[i].needle);
}

Test(reference, tag_length_limit)
{
	char tag[130], input[140];
	wp_reference ref;

	memset(tag, 'a', 128);
	tag[128] = '\0';
	snprintf(input, sizeof(input), "x:%s", tag);
	parse_ok(&ref, input);
	cr_assert_eq(strlen(ref.tag), 128);
	wp_reference_release(&ref);

	tag[128] = 'a';
	tag[129] = '\0';
	snprintf(input, sizeof(input), "x:%s", tag);
	assert_refused(input, "up to 128 letters");
}

Test(reference, tag_validate)
{
	wp_error *err = NULL;
	int r = wp_tag_validate("_v1.2-rc", &err);

	assert_ok(r, err);
	r = wp_tag_validate("V1", &err);
	assert_ok(r, err);
	r = wp_tag_validate(".x", &err);
	assert_error(r, err, WP_EINVALID, "not starting with '.' or '-'");
	r = wp_tag_validate("a/b", &err);
	assert_error(r, err, WP_EINVALID, "invalid tag \"a/b\"");
	r = wp_tag_validate("", &err);
	assert_error(r, err, WP_EINVALID, "invalid tag");
}

Test(reference, name_length_limit)
{
	/* docker.io/ + 245 = 255 characters is the most a name may have */
	char path[300], input[320];
	wp_reference ref;

	memset(path, 'a', 245);
	path[245] = '\0';
	snprintf(input, sizeof(input), "docker.io/x/%.*s", 243, path);
	parse_ok(&ref, input);
	cr_assert_eq(strlen(ref.registry) + 1 + strlen(ref.repository), 255);
	wp_reference_release(&ref);
	snprintf(input, sizeof(input), "docker.io/x/%.*s", 244, path);
	assert_refused(input, "name longer than 255 characters");
}

struct familiar_case {
	const char *input;
	const char *familiar;
	const char *name;
	const char *api_host;
};

static const struct familiar_case familiar[] = {
	{"docker.io/library/hello:v1", "hello:v1", "docker.io/library/hello",
	 "registry-1.docker.io"},
	{"hello", "hello", "docker.io/library/hello", "registry-1.docker.io"},
	{"docker.io/acme/x:v1", "acme/x:v1", "docker.io/acme/x", "registry-1.docker.io"},
	{"docker.io/library/a/b", "library/a/b", "docker.io/library/a/b", "registry-1.docker.io"},
	{"ghcr.io/a/b:c", "ghcr.io/a/b:c", "ghcr.io/a/b", "ghcr.io"},
	{"localhost:5000/x@sha256:" HEX64, "localhost:5000/x@sha256:" HEX64, "localhost:5000/x",
	 "localhost:5000"},
	{"index.docker.io/library/x:1", "x:1", "docker.io/library/x", "registry-1.docker.io"},
};

Test(reference, familiar_form_name_and_api_host)
{
	for (size_t i = 0; i < WP_ARRAY_SIZE(familiar); i++) {
		const struct familiar_case *c = &familiar[i];
		wp_reference ref;
		_cleanup_free_ char *f = NULL, *n = NULL;

		parse_ok(&ref, c->input);
		f = wp_reference_familiar(&ref);
		n = wp_reference_name(&ref);
		cr_assert_str_eq(f, c->familiar, "\"%s\"", c->input);
		cr_assert_str_eq(n, c->name, "\"%s\"", c->input);
		cr_assert_str_eq(wp_reference_api_host(&ref), c->api_host, "\"%s\"", c->input);
		wp_reference_release(&ref);
	}
}
