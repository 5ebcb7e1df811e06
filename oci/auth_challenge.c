#include <ctype.h>
#include <strings.h>

#include "auth_challenge.h"
#include "../lib/buf.h"
#include "../lib/common.h"

/* At most this much of a header is quoted in messages. */
#define QUOTE_MAX 100

typedef struct parser {
	const char *s;
	size_t pos;
	wp_auth_challenge *list; /* what this header holds so far */
	size_t n;
} parser;

static bool is_tchar(char c)
{
	return c && (isalnum((unsigned char)c) || strchr("!#$%&'*+-.^_`|~", c));
}

static bool is_token68_char(char c)
{
	return c && (isalnum((unsigned char)c) || strchr("-._~+/", c));
}

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* Characters allowed in a quoted string, escaped or not (qdtext and
 * quoted-pair minus the quote and backslash themselves): HTAB, SP, VCHAR
 * and obs-text. */
static bool is_qchar(char c)
{
	unsigned char u = (unsigned char)c;

	return u == '\t' || (u >= 0x20 && u != 0x7f);
}

static size_t skip_ows(parser *p)
{
	size_t start = p->pos;

	while (is_ows(p->s[p->pos]))
		p->pos++;
	return p->pos - start;
}

static void skip_separators(parser *p)
{
	while (is_ows(p->s[p->pos]) || p->s[p->pos] == ',')
		p->pos++;
}

static size_t token_len(const parser *p, size_t at)
{
	size_t n = 0;

	while (is_tchar(p->s[at + n]))
		n++;
	return n;
}

static char *lowercase_dup(const char *s, size_t len)
{
	char *d = strndup(s, len);

	for (size_t i = 0; d && i < len; i++)
		d[i] = (char)tolower((unsigned char)d[i]);
	return d;
}

static int fail(const parser *p, const char *problem, wp_error **err)
{
	char quoted[QUOTE_MAX + 1];
	size_t len = strlen(p->s), n = len < QUOTE_MAX ? len : QUOTE_MAX;

	/* the header comes from a server: keep control bytes out of messages */
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p->s[i];

		quoted[i] = c < 0x20 || c >= 0x7f ? '?' : (char)c;
	}
	quoted[n] = '\0';
	return wp_error_set(err, WP_EINVALID,
			    "invalid WWW-Authenticate header \"%s\"%s: %s at offset %zu", quoted,
			    len > n ? "..." : "", problem, p->pos);
}

static int push_challenge(parser *p, size_t scheme_len, wp_error **err)
{
	wp_auth_challenge *list;
	char *scheme = lowercase_dup(p->s + p->pos, scheme_len);

	list = scheme ? realloc(p->list, (p->n + 1) * sizeof(*list)) : NULL;
	if (!list) {
		free(scheme);
		return wp_error_oom(err);
	}
	list[p->n].scheme = scheme;
	list[p->n].params = (wp_kv){NULL, 0};
	p->list = list;
	p->n++;
	p->pos += scheme_len;
	return 0;
}

/* After the scheme and its space: a token68 runs to the end of the element
 * (then only '=' padding and white space), where an auth-param continues
 * with "=" and a value. */
static bool at_token68(const parser *p)
{
	size_t at = p->pos, start = at;

	while (is_token68_char(p->s[at]))
		at++;
	if (at == start)
		return false;
	while (p->s[at] == '=')
		at++;
	while (is_ows(p->s[at]))
		at++;
	return p->s[at] == '\0' || p->s[at] == ',';
}

/* After a comma: "name =" starts another parameter of the same challenge,
 * anything else a new challenge. */
static bool at_param(const parser *p)
{
	size_t at = p->pos + token_len(p, p->pos);

	if (at == p->pos)
		return false;
	while (is_ows(p->s[at]))
		at++;
	return p->s[at] == '=';
}

static int parse_quoted(parser *p, wp_buf *value, wp_error **err)
{
	size_t start = p->pos++;

	for (;;) {
		char c = p->s[p->pos];
		int r;

		if (c == '"') {
			p->pos++;
			return 0;
		}
		if (c == '\\') {
			p->pos++;
			c = p->s[p->pos];
		}
		if (c == '\0') {
			p->pos = start;
			return fail(p, "unterminated quoted string", err);
		}
		if (!is_qchar(c))
			return fail(p, "control character in a quoted string", err);
		r = wp_buf_append(value, &c, 1, err);
		if (r < 0)
			return r;
		p->pos++;
	}
}

/* name BWS "=" BWS ( token / quoted-string ) */
static int parse_param(parser *p, wp_kv *params, wp_error **err)
{
	_cleanup_free_ char *key = NULL;
	wp_buf value = WP_BUF_INIT(WP_AUTH_HEADER_MAX);
	size_t n = token_len(p, p->pos);
	int r;

	if (n == 0)
		return fail(p, "expected a parameter name", err);
	key = lowercase_dup(p->s + p->pos, n);
	if (!key)
		return wp_error_oom(err);
	p->pos += n;
	skip_ows(p);
	if (p->s[p->pos] != '=')
		return fail(p, "expected '=' after a parameter name", err);
	p->pos++;
	skip_ows(p);
	if (p->s[p->pos] == '"') {
		r = parse_quoted(p, &value, err);
	} else {
		n = token_len(p, p->pos);
		r = n ? wp_buf_append(&value, p->s + p->pos, n, err)
		      : fail(p, "expected a parameter value", err);
		p->pos += n;
	}
	if (r == 0)
		r = wp_kv_set(params, key, wp_buf_cstr(&value), err);
	wp_buf_release(&value);
	return r;
}

static int parse_token68(parser *p, wp_kv *params, wp_error **err)
{
	size_t start = p->pos;
	_cleanup_free_ char *t = NULL;

	while (is_token68_char(p->s[p->pos]))
		p->pos++;
	while (p->s[p->pos] == '=')
		p->pos++;
	t = strndup(p->s + start, p->pos - start);
	if (!t)
		return wp_error_oom(err);
	return wp_kv_set(params, WP_AUTH_TOKEN68_KEY, t, err);
}

/* One challenge's parameters; returns with p->pos at the end of the header
 * or at the scheme of the next challenge. */
static int parse_params(parser *p, wp_kv *params, wp_error **err)
{
	int r;

	if (at_token68(p)) {
		/* at_token68 saw the end of the element after it */
		r = parse_token68(p, params, err);
		skip_separators(p);
		return r;
	}
	for (;;) {
		r = parse_param(p, params, err);
		if (r < 0)
			return r;
		skip_ows(p);
		if (p->s[p->pos] == '\0')
			return 0;
		if (p->s[p->pos] != ',')
			return fail(p, "expected ',' after a parameter", err);
		skip_separators(p);
		if (!at_param(p))
			return 0;
	}
}

static int parse_header(parser *p, wp_error **err)
{
	for (;;) {
		size_t n;
		int r;

		skip_separators(p);
		if (p->s[p->pos] == '\0')
			return 0;
		n = token_len(p, p->pos);
		if (n == 0)
			return fail(p, "expected an authentication scheme", err);
		r = push_challenge(p, n, err);
		if (r < 0)
			return r;
		n = skip_ows(p);
		if (p->s[p->pos] == '\0' || p->s[p->pos] == ',')
			continue; /* a scheme without parameters */
		if (n == 0 && p->s[p->pos] == '=')
			return fail(p, "parameter without an authentication scheme", err);
		if (n == 0)
			return fail(p, "expected a space after the scheme", err);
		r = parse_params(p, &p->list[p->n - 1].params, err);
		if (r < 0)
			return r;
	}
}

int wp_auth_challenges_parse(const char *header, wp_auth_challenge **out, size_t *n, wp_error **err)
{
	parser p = {header, 0, NULL, 0};
	wp_auth_challenge *all;
	size_t len = strlen(header);
	int r;

	if (len > WP_AUTH_HEADER_MAX)
		return wp_error_set(err, WP_ELIMIT,
				    "WWW-Authenticate header of %zu bytes is longer than %d bytes",
				    len, WP_AUTH_HEADER_MAX);
	r = parse_header(&p, err);
	if (r < 0 || p.n == 0) {
		wp_auth_challenges_free(p.list, p.n);
		return r;
	}
	all = realloc(*out, (*n + p.n) * sizeof(*all));
	if (!all) {
		wp_auth_challenges_free(p.list, p.n);
		return wp_error_oom(err);
	}
	memcpy(all + *n, p.list, p.n * sizeof(*all));
	free(p.list);
	*out = all;
	*n += p.n;
	return 0;
}

void wp_auth_challenges_free(wp_auth_challenge *c, size_t n)
{
	if (!c)
		return;
	for (size_t i = 0; i < n; i++) {
		free(c[i].scheme);
		wp_kv_release(&c[i].params);
	}
	free(c);
}

const wp_auth_challenge *wp_auth_challenge_find(const wp_auth_challenge *c, size_t n,
						const char *scheme)
{
	for (size_t i = 0; c && i < n; i++)
		if (strcasecmp(c[i].scheme, scheme) == 0)
			return &c[i];
	return NULL;
}
