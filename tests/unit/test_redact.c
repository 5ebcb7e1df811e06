/* oci/registry: what of a registry's error message may be shown, when the
 * registry (or a proxy in front of it) echoes the request's credentials. */
#include <criterion/criterion.h>

#include "helpers.h"
#include "../../oci/registry_internal.h"
#include "../../lib/common.h"

static void assert_redacted(const char *in, const char *const secrets[], size_t n, const char *want)
{
	char *text = test_xstrdup(in);

	wp_registry_redact(text, secrets, n);
	cr_assert_str_eq(text, want, "from \"%s\"", in);
	free(text);
}

Test(redact, exact_secrets_are_masked_everywhere)
{
	static const char *const secrets[] = {"hunter2", NULL, "", "dG9rZW4="};

	assert_redacted("bad password hunter2 (hunter2)", secrets, WP_ARRAY_SIZE(secrets),
			"bad password ******* (*******)");
	assert_redacted("auth dG9rZW4= refused", secrets, WP_ARRAY_SIZE(secrets),
			"auth ******** refused");
	assert_redacted("nothing secret here", secrets, WP_ARRAY_SIZE(secrets),
			"nothing secret here");
}

/* in with its first occurrence of part replaced by as many '*'. */
static char *masked(const char *in, const char *part)
{
	char *out = test_xstrdup(in);
	char *at = strstr(out, part);

	cr_assert_not_null(at);
	memset(at, '*', strlen(part));
	return out;
}

Test(redact, authorization_values_and_jwts_are_masked)
{
	static const struct {
		const char *text, *secret;
	} cases[] = {
		{"header Authorization: Basic YWxpY2U6cHc= was refused", "YWxpY2U6cHc="},
		{"authorization: bearer abc.def-ghi_jkl~+/ invalid", "abc.def-ghi_jkl~+/"},
		{"token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln expired",
		 "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"},
		{"(BEARER eyJx)", "eyJx"},
		{"eyJ", "eyJ"},
	};

	for (size_t i = 0; i < WP_ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *want = masked(cases[i].text, cases[i].secret);

		assert_redacted(cases[i].text, NULL, 0, want);
	}
	assert_redacted("BEARER", NULL, 0, "BEARER");
	assert_redacted("Basic ", NULL, 0, "Basic ");
	assert_redacted("", NULL, 0, "");
	/* words that merely contain the scheme's name are left alone */
	assert_redacted("unsupported: basicauth; bearers", NULL, 0,
			"unsupported: basicauth; bearers");
}
