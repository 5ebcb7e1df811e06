#include <ctype.h>

#include "remote_args.h"
#include "../lib/buf.h"
#include "../lib/process.h"
#include "../lib/str.h"
#include "../oci/reference.h"
#include "../lib/common.h"

int remote_args_handle(struct remote_args *a, int c, const char *arg, wp_error **err)
{
	int64_t v;

	switch (c) {
	case OPT_REMOTE_CA_CERT:
		if (access(arg, R_OK) < 0)
			return wp_error_set(err, WP_EUSAGE, "--ca-cert \"%s\": %s", arg,
					    strerror(errno));
		a->ca_cert = arg;
		return 1;
	case OPT_REMOTE_INSECURE:
		a->insecure = true;
		return 1;
	case OPT_REMOTE_PLAIN_HTTP:
		a->plain_http = true;
		return 1;
	case OPT_REMOTE_RETRIES:
		if (wp_parse_int64(arg, 0, 100, "--retries", &v, err) < 0) {
			(*err)->code = WP_EUSAGE;
			return WP_EUSAGE;
		}
		a->retries = (int)v;
		return 1;
	case OPT_REMOTE_TIMEOUT:
		if (wp_parse_int64(arg, 1, 86400, "--timeout", &v, err) < 0) {
			(*err)->code = WP_EUSAGE;
			return WP_EUSAGE;
		}
		a->timeout = (long)v;
		return 1;
	case OPT_REMOTE_USERNAME:
		a->username = arg;
		return 1;
	case OPT_REMOTE_PASSWORD_STDIN:
		a->password_stdin = true;
		return 1;
	default:
		return 0;
	}
}

/* Reads a secret from standard input; one trailing newline is dropped. */
static int read_stdin_secret(char **out, wp_error **err)
{
	wp_buf b = WP_BUF_INIT(64 * 1024);
	char chunk[4096];
	size_t n;
	int r = 0;

	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
		if ((r = wp_buf_append(&b, chunk, n, err)) < 0)
			break;
	explicit_bzero(chunk, sizeof(chunk));
	if (r == 0 && ferror(stdin))
		r = wp_error_set(err, WP_EIO, "cannot read the password from standard input");
	while (r == 0 && b.len && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == '\r'))
		b.data[--b.len] = '\0';
	if (r == 0 && b.len == 0)
		r = wp_error_set(err, WP_EUSAGE, "--password-stdin: standard input is empty");
	if (r < 0) {
		if (b.data)
			explicit_bzero(b.data, b.len);
		wp_buf_release(&b);
		return r;
	}
	*out = wp_buf_detach(&b, NULL);
	return *out ? 0 : wp_error_oom(err);
}

int remote_args_credential(const struct remote_args *a, wp_credential *out, bool *have,
			   wp_error **err)
{
	const char *env_user = getenv("WASMPACK_USERNAME"), *env_pass = getenv("WASMPACK_PASSWORD");
	const char *user = a->username ? a->username : env_user;
	char *secret = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	*have = false;
	/* the process is about to hold a secret: a crash must not dump it */
	wp_process_no_dump();
	if (a->password_stdin && !user)
		return wp_error_set(err, WP_EUSAGE, "--password-stdin needs --username");
	if (!user)
		return 0;
	if (a->password_stdin) {
		if ((r = read_stdin_secret(&secret, err)) < 0)
			return r;
	} else if (env_pass && *env_pass) {
		if (!(secret = strdup(env_pass)))
			return wp_error_oom(err);
	} else if (a->username) {
		/* a username alone means: use stored credentials for it */
		return wp_error_set(err, WP_EUSAGE,
				    "--username needs --password-stdin or WASMPACK_PASSWORD");
	} else {
		return 0;
	}
	out->username = strdup(user);
	out->password = secret;
	out->source = strdup(a->password_stdin ? "--password-stdin" : "WASMPACK_PASSWORD");
	if (!out->username || !out->source) {
		wp_credential_release(out);
		return wp_error_oom(err);
	}
	*have = true;
	return 0;
}

void remote_args_registry_options(const struct remote_args *a, const wp_credential *cred,
				  wp_registry_options *out)
{
	memset(out, 0, sizeof(*out));
	out->ca_file = a->ca_cert;
	out->insecure = a->insecure;
	out->plain_http = a->plain_http;
	out->retries = a->retries;
	out->timeout = a->timeout;
	out->credential = cred;
}

int remote_registry_name(const char *arg, char **out, wp_error **err)
{
	_cleanup_free_ char *host = NULL;
	const char *p = arg, *end;

	if (wp_str_has_prefix(p, "https://"))
		p += 8;
	else if (wp_str_has_prefix(p, "http://"))
		p += 7;
	end = strchr(p, '/');
	host = end ? strndup(p, (size_t)(end - p)) : strdup(p);
	if (!host)
		return wp_error_oom(err);
	for (char *c = host; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	if (!*host)
		return wp_error_set(err, WP_EUSAGE, "invalid registry \"%s\"", arg);
	if (strcmp(host, "index.docker.io") == 0 || strcmp(host, "registry-1.docker.io") == 0) {
		*out = strdup(WP_DEFAULT_REGISTRY);
		return *out ? 0 : wp_error_oom(err);
	}
	for (const char *c = host; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr(".-:[]", *c))
			return wp_error_set(
				err, WP_EUSAGE,
				"invalid registry \"%s\" (expected HOST[:PORT], e.g. ghcr.io)",
				arg);
	*out = TAKE_PTR(host);
	return 0;
}

int remote_args_open(const struct remote_args *a, const char *registry, wp_registry **out,
		     wp_error **err)
{
	wp_credential cred = {0};
	wp_registry_options ro;
	bool have = false;
	int r = remote_args_credential(a, &cred, &have, err);

	if (r == 0) {
		remote_args_registry_options(a, have ? &cred : NULL, &ro);
		r = wp_registry_open(out, registry, &ro, err);
	}
	wp_credential_release(&cred);
	return r;
}

/* ghcr.io takes lower-case names only, and ${{ github.repository }} often
 * has capitals: the name part (not the tag or digest) lower-cased, or NULL
 * when nothing changes. */
static char *ghcr_lowercase(const char *arg)
{
	const char *at = strchr(arg, '@'), *last_slash, *colon;
	size_t end = at ? (size_t)(at - arg) : strlen(arg);
	bool upper = false;
	char *lower;

	if (strncasecmp(arg, "ghcr.io/", 8) != 0)
		return NULL;
	last_slash = memrchr(arg, '/', end);
	colon = memchr(last_slash, ':', end - (size_t)(last_slash - arg));
	if (colon)
		end = (size_t)(colon - arg);
	for (size_t i = 0; i < end; i++)
		upper |= isupper((unsigned char)arg[i]) != 0;
	if (!upper || !(lower = strdup(arg)))
		return NULL;
	for (size_t i = 0; i < end; i++)
		lower[i] = (char)tolower((unsigned char)lower[i]);
	return lower;
}

int remote_parse_reference(const char *arg, wp_reference *out, wp_error **err)
{
	_cleanup_free_ char *lower = ghcr_lowercase(arg);
	int r;

	if (lower) {
		const char *gha = getenv("GITHUB_ACTIONS");

		/* a workflow command, so GitHub shows it on the run's page */
		fprintf(stderr, "%s\"%s\" is named \"%s\": ghcr.io takes lower-case names only\n",
			gha && strcmp(gha, "true") == 0 ? "::notice::" : "notice: ", arg, lower);
	}
	r = wp_reference_parse(out, lower ? lower : arg, err);
	if (r < 0)
		(*err)->code = WP_EUSAGE;
	return r;
}
