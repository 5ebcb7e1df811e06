/* oci/auth_challenge: WWW-Authenticate values as real registries send them. */
#include <criterion/criterion.h>

#include "helpers.h"
#include "../../oci/auth_challenge.h"
#include "../../lib/common.h"

/* Parses header into a new list; fails the test on error. */
static wp_auth_challenge *parse_ok(const char *header, size_t *n)
{
	wp_auth_challenge *c = NULL;
	wp_error *err = NULL;
	int r;

	*n = 0;
	r = wp_auth_challenges_parse(header, &c, n, &err);
	cr_assert_eq(r, 0, "\"%s\": %s", header, err ? err->message : "");
	return c;
}

static void assert_param(const wp_auth_challenge *c, const char *key, const char *want)
{
	const char *got = wp_kv_get(&c->params, key);

	cr_assert_not_null(got, "%s: no \"%s\"", c->scheme, key);
	cr_assert_str_eq(got, want, "%s: %s", c->scheme, key);
}

Test(auth_challenge, docker_hub)
{
	size_t n;
	wp_auth_challenge *c = parse_ok(
		"Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
		"scope=\"repository:samalba/my-app:pull,push\"",
		&n);

	cr_assert_eq(n, 1);
	cr_assert_str_eq(c[0].scheme, "bearer");
	cr_assert_eq(c[0].params.len, 3);
	assert_param(&c[0], "realm", "https://auth.docker.io/token");
	assert_param(&c[0], "service", "registry.docker.io");
	assert_param(&c[0], "scope", "repository:samalba/my-app:pull,push");
	wp_auth_challenges_free(c, n);
}

Test(auth_challenge, ghcr)
{
	size_t n;
	wp_auth_challenge *c =
		parse_ok("Bearer realm=\"https://ghcr.io/token\",service=\"ghcr.io\","
			 "scope=\"repository:user/image:pull\"",
			 &n);

	cr_assert_eq(n, 1);
	assert_param(&c[0], "realm", "https://ghcr.io/token");
	assert_param(&c[0], "service", "ghcr.io");
	assert_param(&c[0], "scope", "repository:user/image:pull");
	wp_auth_challenges_free(c, n);
}

Test(auth_challenge, quay)
{
	size_t n;
	wp_auth_challenge *c =
		parse_ok("Bearer realm=\"https://quay.io/v2/auth\",service=\"quay.io\"", &n);

	cr_assert_eq(n, 1);
	assert_param(&c[0], "realm", "https://quay.io/v2/auth");
	assert_param(&c[0], "service", "quay.io");
	cr_assert_null(wp_kv_get(&c[0].params, "scope"));
	wp_auth_challenges_free(c, n);
}

Test(auth_challenge, ecr_uses_basic)
{
	size_t n;
	wp_auth_challenge *c =
		parse_ok("Basic realm=\"https://0123.dkr.ecr.us-east-1.amazonaws.com/"
			 "\",service=\"ecr.amazonaws.com\"",
			 &n);

	cr_assert_eq(n, 1);
	cr_assert_str_eq(c[0].scheme, "basic");
	assert_param(&c[0], "realm", "https://0123.dkr.ecr.us-east-1.amazonaws.com/");
	assert_param(&c[0], "service", "ecr.amazonaws.com");
	cr_assert_null(wp_auth_challenge_find(c, n, "bearer"));
	cr_assert_eq(wp_auth_challenge_find(c, n, "BASIC"), &c[0]);
	wp_auth_challenges_free(c, n);
}

Test(auth_challenge, google_artifact_registry)
{
	size_t n;
	wp_auth_challenge *c = parse_ok(
		"Bearer realm=\"https://us-docker.pkg.dev/v2/token\",service=\"us-docker.pkg.dev\","
		"scope=\"repository:my-project/my-repo/app:pull\"",
		&n);

	cr_assert_eq(n, 1);
	assert_param(&c[0], "realm", "https://us-docker.pkg.dev/v2/token");
	assert_param(&c[0], "scope", "repository:my-project/my-repo/app:pull");
	wp_auth_challenges_free(c, n);
}

Test(auth_challenge, basic_registry_realm)
{
	size_t n;
	wp_auth_challenge *c = parse_ok("Basic realm=\"Registry Realm\"", &n);

	cr_assert_eq(n, 1);
	assert_param(&c[0], "realm", "Registry Realm");
	wp_auth_challenges_free(c, n);
}

Test(auth_challenge, insufficient_scope_error)
{
	size_t n;
	wp_auth_challenge *c = parse_ok(
		"Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
		"scope=\"repository:library/x:pull,push\",error=\"insufficient_scope\"",
		&n);

	cr_assert_eq(n, 1);
	assert_param(&c[0], "error", "insufficient_scope");
	assert_param(&c[0], "scope", "repository:library/x:pull,push");
	wp_auth_challenges_free(c, n);
}

Test(auth_challenge, two_challenges_in_one_header)
{
	size_t n;
	wp_auth_challenge *c = parse_ok(
		"Basic realm=\"Registry\", Bearer realm=\"https://r.example/token\",service=\"r\"",
		&n);

	cr_assert_eq(n, 2);
	cr_assert_str_eq(c[0].scheme, "basic");
	cr_assert_eq(c[0].params.len, 1);
	assert_param(&c[0], "realm", "Registry");
	cr_assert_str_eq(c[1].scheme, "bearer");
	assert_param(&c[1], "realm", "https://r.example/token");
	assert_param(&c[1], "service", "r");
	cr_assert_eq(wp_auth_challenge_find(c, n, "Bearer"), &c[1]);
	cr_assert_eq(wp_auth_challenge_find(c, n, "basic"), &c[0]);
	wp_auth_challenges_free(c, n);
}

Test(auth_challenge, weird_spacing_case_and_empty_elements)
{
	size_t n;
	wp_auth_challenge *c =
		parse_ok(" ,\t BEARER   Realm = \"https://a/t\" ,\t,SERVICE=reg.example ,  "
			 "scope=\"x\"\t, ,  basic\trealm=r ,",
			 &n);

	cr_assert_eq(n, 2);
	cr_assert_str_eq(c[0].scheme, "bearer");
	cr_assert_eq(c[0].params.len, 3);
	assert_param(&c[0], "realm", "https://a/t");
	assert_param(&c[0], "service", "reg.example");
	assert_param(&c[0], "scope", "x");
	cr_assert_str_eq(c[1].scheme, "basic");
	assert_param(&c[1], "realm", "r");
	wp_auth_challenges_free(c, n);
}

Test(auth_challenge, quoted_strings_keep_commas_and_unescape)
{
	size_t n;
	wp_auth_challenge *c =
		parse_ok("Bearer realm=\"a\\\"b\\\\c, d=e\",scope=\"\",x=\"\\z\\ \"", &n);

	cr_assert_eq(n, 1);
	assert_param(&c[0], "realm", "a\"b\\c, d=e");
	assert_param(&c[0], "scope", "");
	assert_param(&c[0], "x", "z ");
	wp_auth_challenges_free(c, n);
}

Test(auth_challenge, token68_and_bare_schemes)
{
	size_t n;
	wp_auth_challenge *c = parse_ok("Negotiate, NTLM TlRMTVNTUAACAAAA/+8=, Custom abc==,"
					"Bearer realm=\"x\"",
					&n);

	cr_assert_eq(n, 4);
	cr_assert_str_eq(c[0].scheme, "negotiate");
	cr_assert_eq(c[0].params.len, 0);
	cr_assert_str_eq(c[1].scheme, "ntlm");
	assert_param(&c[1], WP_AUTH_TOKEN68_KEY, "TlRMTVNTUAACAAAA/+8=");
	assert_param(&c[2], WP_AUTH_TOKEN68_KEY, "abc==");
	assert_param(&c[3], "realm", "x");
	wp_auth_challenges_free(c, n);
	/* the grammar makes "name=" alone a token68, not an empty parameter */
	c = parse_ok("Bearer realm=", &n);
	cr_assert_eq(n, 1);
	assert_param(&c[0], WP_AUTH_TOKEN68_KEY, "realm=");
	cr_assert_null(wp_kv_get(&c[0].params, "realm"));
	wp_auth_challenges_free(c, n);
}

Test(auth_challenge, parameter_names_lowercased_values_kept)
{
	size_t n;
	wp_auth_challenge *c =
		parse_ok("Bearer REALM=\"HTTPS://Auth.Example/Token\",Scope=Tok-En", &n);

	assert_param(&c[0], "realm", "HTTPS://Auth.Example/Token");
	assert_param(&c[0], "scope", "Tok-En");
	wp_auth_challenges_free(c, n);
}

Test(auth_challenge, several_headers_append_to_one_list)
{
	wp_auth_challenge *c = NULL;
	wp_error *err = NULL;
	size_t n = 0;
	int r = wp_auth_challenges_parse("Basic realm=\"a\"", &c, &n, &err);

	assert_ok(r, err);
	r = wp_auth_challenges_parse("Bearer realm=\"b\", Other", &c, &n, &err);
	assert_ok(r, err);
	r = wp_auth_challenges_parse("", &c, &n, &err);
	assert_ok(r, err);
	cr_assert_eq(n, 3);
	assert_param(&c[0], "realm", "a");
	assert_param(&c[1], "realm", "b");
	cr_assert_str_eq(c[2].scheme, "other");
	/* a bad header leaves the list as it was */
	r = wp_auth_challenges_parse("Bearer realm=\"unterminated", &c, &n, &err);
	assert_error(r, err, WP_EINVALID, "unterminated");
	cr_assert_eq(n, 3);
	cr_assert_str_eq(c[2].scheme, "other");
	wp_auth_challenges_free(c, n);
}

Test(auth_challenge, empty_header_gives_no_challenge)
{
	static const char *const empty[] = {"", "   ", "\t", ",", " , ,\t"};

	for (size_t i = 0; i < WP_ARRAY_SIZE(empty); i++) {
		size_t n = 0;
		wp_auth_challenge *c = parse_ok(empty[i], &n);

		cr_assert_eq(n, 0, "\"%s\"", empty[i]);
		cr_assert_null(c);
		cr_assert_null(wp_auth_challenge_find(c, n, "bearer"));
	}
}

Test(auth_challenge, duplicate_parameter_keeps_the_last)
{
	size_t n;
	wp_auth_challenge *c = parse_ok("Bearer realm=\"a\", realm=\"b\"", &n);

	cr_assert_eq(c[0].params.len, 1);
	assert_param(&c[0], "realm", "b");
	wp_auth_challenges_free(c, n);
}

Test(auth_challenge, garbage_is_refused)
{
	static const struct test_refusal bad[] = {
		{"=", "expected an authentication scheme at offset 0"},
		{"\"Bearer\"", "expected an authentication scheme"},
		{"Bearer realm=\"x", "unterminated quoted string at offset 13"},
		{"Bearer realm=\"x\" service=\"y\"", "expected ',' after a parameter at offset 17"},
		{"Bearer realm=\"x\",service=", "expected a parameter value"},
		{"Bearer realm=,service=\"y\"",
		 "parameter without an authentication scheme at offset 21"},
		{"Bearer realm \"x\"", "expected '=' after a parameter name"},
		{"Bearer ,realm=\"x\"", "parameter without an authentication scheme at offset 13"},
		{"Bearer realm=\"a\x01\"", "control character"},
		{"Bearer realm=a b", "expected ',' after a parameter"},
		{"Bearer realm=\"x\"\"y\"", "expected ',' after a parameter"},
		{"Bearer realm=a@b", "expected ',' after a parameter"},
		{"Bearer realm=@", "expected a parameter value"},
		{"Bearer(x)", "expected a space after the scheme"},
		{"Negotiate abc== def", "expected a parameter value"},
		{"Basic abc==x", "expected a parameter value at offset 10"},
	};

	for (size_t i = 0; i < WP_ARRAY_SIZE(bad); i++) {
		wp_auth_challenge *c = NULL;
		wp_error *err = NULL;
		size_t n = 0;
		int r = wp_auth_challenges_parse(bad[i].input, &c, &n, &err);

		cr_assert_not_null(err, "\"%s\" was accepted", bad[i].input);
		cr_assert_not_null(strstr(err->message, "invalid WWW-Authenticate header \""), "%s",
				   err->message);
		assert_error_in(bad[i].input, r, err, WP_EINVALID, bad[i].needle);
		cr_assert_eq(n, 0);
		cr_assert_null(c);
	}
}

Test(auth_challenge, message_quotes_at_most_100_characters)
{
	char header[400];
	wp_auth_challenge *c = NULL;
	wp_error *err = NULL;
	size_t n = 0;
	int r;

	memset(header, 'a', sizeof(header));
	memcpy(header, "Bearer realm=\"", 14);
	header[sizeof(header) - 1] = '\0';
	r = wp_auth_challenges_parse(header, &c, &n, &err);
	cr_assert_eq(r, WP_EINVALID);
	cr_assert_not_null(err);
	cr_assert_not_null(strstr(err->message, "\"Bearer realm=\"aaa"));
	cr_assert_not_null(strstr(err->message, "aaa\"...: unterminated"), "%s", err->message);
	/* 100 characters of the header, not more */
	cr_assert_null(strstr(err->message,
			      "Bearer realm=\"" /* 14 */
			      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaa")); /* 87 a: 101 */
	wp_error_clear(&err);
}

Test(auth_challenge, control_characters_are_not_echoed)
{
	wp_auth_challenge *c = NULL;
	wp_error *err = NULL;
	size_t n = 0;
	int r = wp_auth_challenges_parse("Bearer realm=\"\x1b[31m\"", &c, &n, &err);

	cr_assert_not_null(err);
	cr_assert_null(strchr(err->message, '\x1b'), "%s", err->message);
	assert_error(r, err, WP_EINVALID, "control character");
}

Test(auth_challenge, oversized_header_is_refused)
{
	size_t len = WP_AUTH_HEADER_MAX + 1;
	char *header = malloc(len + 1);
	wp_auth_challenge *c = NULL;
	wp_error *err = NULL;
	size_t n = 0;
	int r;

	cr_assert_not_null(header);
	memset(header, 'a', len);
	header[len] = '\0';
	r = wp_auth_challenges_parse(header, &c, &n, &err);
	assert_error(r, err, WP_ELIMIT, "longer than");
	free(header);
}

Test(auth_challenge, obs_text_in_quoted_strings_is_kept)
{
	size_t n;
	wp_auth_challenge *c = parse_ok("Basic realm=\"R\xc3\xa9gistre\"", &n);

	assert_param(&c[0], "realm", "R\xc3\xa9gistre");
	wp_auth_challenges_free(c, n);
}
