/* WWW-Authenticate header values (RFC 7235 section 4.1, RFC 9110 section
 * 11.6.1): one or more challenges separated by commas, each a scheme and
 * then either auth-params (key=value, the value a token or a quoted string)
 * or one token68, e.g.
 *   Bearer realm="https://auth.docker.io/token",service="registry.docker.io",
 *          scope="repository:samalba/my-app:pull,push"
 *   Basic realm="Registry Realm", Bearer realm="https://r.example/token"
 * Schemes and parameter names are case-insensitive and stored lowercased;
 * values are stored unquoted and unescaped, as received otherwise. */
#ifndef WP_AUTH_CHALLENGE_H
#define WP_AUTH_CHALLENGE_H

#include <stddef.h>

#include "../lib/error.h"
#include "../lib/str.h"

/* The params key under which a challenge's token68 is stored (no parameter
 * name can be empty). */
#define WP_AUTH_TOKEN68_KEY ""

/* Longer header values are refused with WP_ELIMIT. */
#define WP_AUTH_HEADER_MAX 16384

typedef struct wp_auth_challenge {
	char *scheme; /* lowercased: "bearer", "basic" */
	wp_kv params; /* keys lowercased ("realm", "service", "scope", "error") */
} wp_auth_challenge;

/* Parses one header value and appends its challenges to *out (a
 * malloc'ed array of *n entries, NULL/0 at first), so that several
 * WWW-Authenticate headers of one response can be parsed into one list. An
 * empty value (or one of only commas and white space, which the list
 * syntax allows) appends nothing and succeeds. Anything else that is not
 * the grammar above fails with WP_EINVALID, a message quoting at most 100
 * characters of the header and the offset of the problem; *out and *n are
 * then untouched. A parameter given twice keeps its last value. */
int wp_auth_challenges_parse(const char *header, wp_auth_challenge **out, size_t *n,
			     wp_error **err);

/* Frees the n challenges and the array; NULL is fine. */
void wp_auth_challenges_free(wp_auth_challenge *c, size_t n);

/* The first challenge with this scheme (compared case-insensitively), or
 * NULL. Borrowed from c. */
const wp_auth_challenge *wp_auth_challenge_find(const wp_auth_challenge *c, size_t n,
						const char *scheme);

#endif
