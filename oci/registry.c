#include <arpa/inet.h>
#include <ctype.h>
#include <pthread.h>
#include <strings.h>
#include <time.h>

#include "registry.h"
#include "registry_internal.h"
#include "auth_challenge.h"
#include "reference.h"
#include "../lib/base64.h"
#include "../lib/json.h"
#include "../lib/log.h"
#include "../lib/str.h"
#include "../lib/common.h"

#define DEFAULT_RETRIES 5
#define TOKEN_MAX (1u << 20)
/* the longest wait a Retry-After can ask for, in seconds */
#define RETRY_AFTER_MAX 300
/* renew a token this many seconds before it expires */
#define TOKEN_MARGIN 10

enum auth_kind {
	AUTH_UNKNOWN,
	AUTH_NONE,
	AUTH_BASIC,
	AUTH_BEARER
};

struct token {
	char *scopes;
	char *value;
	time_t expires;
};

struct wp_registry {
	wp_http *http;
	char *name;
	char *host;
	char *base; /* "https://host" once pinged */
	bool may_use_http;
	bool plain_http;
	int retries;
	bool anonymous;
	wp_credential cred;
	bool have_cred;
	bool cred_looked_up;
	pthread_mutex_t lock; /* everything below */
	bool pinged;
	enum auth_kind auth;
	char *realm;
	char *service;
	struct token *tokens;
	size_t n_tokens;
	bool warned;
	bool logging_in; /* errors say "check them", not "run wasmpack login" */
};

const char *wp_registry_name(const wp_registry *r)
{
	return r->name;
}

int wp_registry_retries(const wp_registry *r)
{
	return r->retries;
}

/* The host part of "host[:port]" or "[v6]:port" is loopback: localhost,
 * ::1, or an IPv4 literal in 127.0.0.0/8 (not a name such as
 * "127.example.com", which DNS may send anywhere). */
bool wp_registry_is_loopback(const char *registry)
{
	struct in_addr v4;

	_cleanup_free_ char *host = NULL;

	if (registry[0] == '[') {
		const char *close = strchr(registry, ']');

		host = close ? strndup(registry + 1, (size_t)(close - registry - 1)) : NULL;
	} else {
		const char *colon = strchr(registry, ':');

		host = colon ? strndup(registry, (size_t)(colon - registry)) : strdup(registry);
	}
	if (!host)
		return false;
	return strcmp(host, "localhost") == 0 || strcmp(host, "::1") == 0 ||
	       (inet_pton(AF_INET, host, &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127);
}

int wp_registry_open(wp_registry **out, const char *registry, const wp_registry_options *o,
		     wp_error **err)
{
	wp_http_options ho = {0};
	wp_registry *r = calloc(1, sizeof(*r));
	int rc;

	if (!r)
		return wp_error_oom(err);
	pthread_mutex_init(&r->lock, NULL);
	r->name = strdup(registry);
	r->host = strdup(strcmp(registry, WP_DEFAULT_REGISTRY) == 0 ? WP_DOCKER_HUB_API_HOST
								    : registry);
	if (!r->name || !r->host) {
		wp_registry_free(r);
		return wp_error_oom(err);
	}
	r->plain_http = o && o->plain_http;
	r->may_use_http = r->plain_http || (o && o->insecure) || wp_registry_is_loopback(registry);
	r->retries = o && o->retries >= 0 ? o->retries : DEFAULT_RETRIES;
	r->anonymous = o && o->anonymous;
	ho.ca_file = o ? o->ca_file : NULL;
	ho.insecure_tls = o && o->insecure;
	ho.stall_timeout = o ? o->timeout : 0;
	ho.connect_timeout = o && o->timeout > 0 && o->timeout < 30 ? o->timeout : 0;
	if ((rc = wp_http_new(&r->http, &ho, err)) < 0) {
		wp_registry_free(r);
		return rc;
	}
	if (o && o->credential) {
		wp_credential *c = &r->cred;
		const wp_credential *src = o->credential;

		if ((src->username && !(c->username = strdup(src->username))) ||
		    (src->password && !(c->password = strdup(src->password))) ||
		    (src->identity_token && !(c->identity_token = strdup(src->identity_token))) ||
		    (src->registry_token && !(c->registry_token = strdup(src->registry_token))) ||
		    (src->source && !(c->source = strdup(src->source)))) {
			wp_registry_free(r);
			return wp_error_oom(err);
		}
		r->have_cred = true;
		r->cred_looked_up = true;
	}
	*out = r;
	return 0;
}

void wp_registry_free(wp_registry *r)
{
	if (!r)
		return;
	wp_http_free(r->http);
	wp_credential_release(&r->cred);
	for (size_t i = 0; i < r->n_tokens; i++) {
		free(r->tokens[i].scopes);
		if (r->tokens[i].value)
			explicit_bzero(r->tokens[i].value, strlen(r->tokens[i].value));
		free(r->tokens[i].value);
	}
	free(r->tokens);
	free(r->name);
	free(r->host);
	free(r->base);
	free(r->realm);
	free(r->service);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

bool wp_registry_retryable_status(long status)
{
	return status == 408 || status == 429 ||
	       (status >= 500 && status <= 599 && status != 501 && status != 505);
}

void wp_registry_backoff(int attempt, const wp_http_response *resp)
{
	wp_registry_wait(attempt,
			 resp ? wp_http_retry_after(wp_http_header(resp, "retry-after")) : -1);
}

double wp_registry_wait_seconds(int attempt, long after)
{
	double base = 0.2 * (double)(1 << (attempt < 8 ? attempt : 8));

	/* a server's Retry-After is followed, up to RETRY_AFTER_MAX */
	if (after >= 0)
		return after > RETRY_AFTER_MAX ? RETRY_AFTER_MAX : (double)after;
	if (base > 10)
		base = 10;
	/* full jitter within [base/2, base] keeps parallel uploads apart */
	return base / 2 + base / 2 * ((double)(rand() % 1000) / 1000.0);
}

void wp_registry_wait(int attempt, long after)
{
	double wait = wp_registry_wait_seconds(attempt, after);
	struct timespec ts;

	wp_log_debug("waiting %.1f s before trying again", wait);
	ts.tv_sec = (time_t)wait;
	ts.tv_nsec = (long)((wait - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Credentials are looked up once, on first need (never for anonymous). */
static int ensure_credential(wp_registry *r, wp_error **err)
{
	wp_error *e = NULL;
	bool found = false;
	int rc;

	if (r->cred_looked_up || r->anonymous)
		return 0;
	rc = wp_credentials_lookup(r->name, &r->cred, &found, &e);
	/* a failed lookup (a broken config.json, a failing helper) is not
	 * settled: the next call reports it again, so a caller that drops
	 * errors (a best-effort HEAD) cannot make the push go on without
	 * credentials */
	r->cred_looked_up = rc == 0 || rc == WP_ENOTFOUND;
	if (rc == WP_ENOTFOUND) {
		/* a stale credsStore (Docker Desktop's, on a machine without
		 * it) must not stop anonymous access */
		wp_log_warn("%s; going on without credentials for %s", e->message, r->name);
		wp_error_free(e);
		return 0;
	}
	if (rc < 0) {
		return wp_error_move(err, e, rc);
	}
	r->have_cred = found;
	if (found)
		wp_log_debug("credentials for %s from %s", r->name,
			     r->cred.source ? r->cred.source : "(unknown)");
	return 0;
}

static void show_warnings(wp_registry *r, const wp_http_response *resp)
{
	for (size_t i = 0; i < resp->headers.len && !r->warned; i++) {
		const char *v = resp->headers.items[i].value;

		if (strcmp(resp->headers.items[i].key, "warning") == 0 &&
		    wp_str_has_prefix(v, "299")) {
			wp_log_warn("%s says: %s", r->name, v);
			r->warned = true;
		}
	}
}

/* Learns the auth scheme from the WWW-Authenticate headers of a 401. */
static int learn_challenge(wp_registry *r, const wp_http_response *resp, wp_error **err)
{
	wp_auth_challenge *ch = NULL;
	const wp_auth_challenge *bearer, *basic;
	size_t n = 0;
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < resp->headers.len; i++)
		if (strcmp(resp->headers.items[i].key, "www-authenticate") == 0)
			rc = wp_auth_challenges_parse(resp->headers.items[i].value, &ch, &n, err);
	if (rc < 0)
		return wp_error_prefix(err, "registry \"%s\"", r->name);
	bearer = wp_auth_challenge_find(ch, n, "bearer");
	basic = wp_auth_challenge_find(ch, n, "basic");
	if (bearer) {
		const char *realm = wp_kv_get(&bearer->params, "realm");
		const char *service = wp_kv_get(&bearer->params, "service");

		if (!realm || !*realm) {
			rc = wp_error_set(err, WP_EREMOTE,
					  "registry \"%s\" asks for a bearer token without a realm",
					  r->name);
		} else if (strncasecmp(realm, "http://", 7) == 0 && !r->may_use_http) {
			/* credentials would cross the network in the clear */
			_cleanup_free_ char *shown = wp_url_redact(realm);

			rc = wp_error_set(err, WP_EREMOTE,
					  "registry \"%s\" names a token server on plain HTTP "
					  "(\"%s\"): refused (--insecure allows it)",
					  r->name, shown ? shown : "");
		} else {
			free(r->realm);
			free(r->service);
			r->realm = strdup(realm);
			r->service = service ? strdup(service) : NULL;
			r->auth = AUTH_BEARER;
			if (!r->realm || (service && !r->service))
				rc = wp_error_oom(err);
		}
	} else if (basic) {
		r->auth = AUTH_BASIC;
	} else {
		rc = wp_error_set(
			err, WP_EUNSUPPORTED,
			"registry \"%s\" answered 401 without a Bearer or Basic challenge",
			r->name);
	}
	wp_auth_challenges_free(ch, n);
	return rc;
}

static int ping_base(wp_registry *r, const char *base, int retries, wp_http_response *resp,
		     wp_error **err)
{
	_cleanup_free_ char *url = wp_strdup_printf("%s/v2/", base);
	wp_http_request req = {.method = "GET", .max_redirects = 5, .body_max = 64 * 1024};

	if (!url)
		return wp_error_oom(err);
	req.url = url;
	for (int attempt = 0;; attempt++) {
		wp_error *e = NULL;
		int rc = wp_http_send(r->http, &req, resp, &e);

		if (rc == 0 && (!wp_registry_retryable_status(resp->status) || attempt >= retries))
			return 0;
		if (rc < 0 && (rc != WP_ENETWORK || attempt >= retries)) {
			return wp_error_move(err, e, rc);
		}
		wp_error_free(e);
		wp_registry_backoff(attempt, rc == 0 ? resp : NULL);
		if (rc == 0)
			wp_http_response_release(resp);
	}
}

/* Sets *err from e (or frees e) with the hints the failure calls for. */
static int ping_failed(wp_registry *r, int rc, wp_error *e, wp_error **err)
{
	wp_error_move(err, e, 0);
	if (rc == WP_ETLS)
		return wp_error_prefix(err,
				       "registry \"%s\" (use --ca-cert FILE for a private CA, or "
				       "--insecure)",
				       r->name);
	return wp_error_prefix(err, "cannot reach registry \"%s\"", r->name);
}

/* Finds the scheme: HTTPS; plain HTTP with --plain-http; for loopback
 * registries plain HTTP first (what they mostly speak, and it costs no
 * certificate loading), then HTTPS; for --insecure ones HTTPS, then HTTP. */
static int ping_locked(wp_registry *r, wp_error **err)
{
	_cleanup_free_ char *https = wp_strdup_printf("https://%s", r->host);
	_cleanup_free_ char *http = wp_strdup_printf("http://%s", r->host);
	wp_http_response resp = {0};
	wp_error *e = NULL;
	bool loopback = wp_registry_is_loopback(r->name);
	int rc;

	if (r->pinged)
		return 0;
	if (!https || !http)
		return wp_error_oom(err);
	if (r->plain_http) {
		if ((rc = ping_base(r, http, r->retries, &resp, &e)) < 0)
			return ping_failed(r, rc, e, err);
		r->base = TAKE_PTR(http);
	} else if (loopback) {
		/* a registry answers /v2/ with 200 or 401; a TLS port answers
		 * plain HTTP with 400 or closes */
		bool transient;

		rc = ping_base(r, http, 0, &resp, &e);
		transient =
			rc == WP_ENETWORK || (rc == 0 && wp_registry_retryable_status(resp.status));
		if (rc == WP_ELIMIT) /* an HTTP server answered, with too much */
			return ping_failed(r, rc, e, err);
		wp_error_clear(&e);
		if (rc == 0 && (resp.status == 200 || resp.status == 401)) {
			r->base = TAKE_PTR(http);
		} else {
			if (rc == 0)
				wp_http_response_release(&resp);
			wp_log_debug("%s: plain HTTP failed; trying HTTPS", r->name);
			rc = ping_base(r, https, r->retries, &resp, &e);
			if (rc == WP_ETLS && transient && r->retries > 0) {
				/* no TLS there either: a plain HTTP registry whose
				 * first answer failed (a 503, a broken connection)
				 * gets its retries */
				wp_log_debug("%s: HTTPS failed too; trying plain HTTP again",
					     r->name);
				if (ping_base(r, http, r->retries - 1, &resp, NULL) == 0) {
					wp_error_free(e);
					e = NULL;
					rc = 0;
					r->base = TAKE_PTR(http);
				}
			}
			if (rc < 0)
				return ping_failed(r, rc, e, err);
			if (!r->base)
				r->base = TAKE_PTR(https);
		}
	} else {
		rc = ping_base(r, https, r->may_use_http ? 0 : r->retries, &resp, &e);
		if (rc < 0 && r->may_use_http) {
			wp_log_debug("%s: HTTPS failed (%s); trying plain HTTP", r->name,
				     e->message);
			if (ping_base(r, http, r->retries, &resp, NULL) == 0) {
				wp_error_free(e);
				e = NULL;
				rc = 0;
				r->base = TAKE_PTR(http);
			}
		}
		if (rc < 0)
			return ping_failed(r, rc, e, err);
		if (!r->base)
			r->base = TAKE_PTR(https);
	}
	show_warnings(r, &resp);
	if (resp.status == 200) {
		r->auth = AUTH_NONE;
	} else if (resp.status == 401) {
		rc = learn_challenge(r, &resp, err);
	} else {
		rc = wp_registry_fail(r, &resp, "GET /v2/", err);
		wp_error_prefix(err, "\"%s\" does not look like a registry", r->name);
	}
	wp_http_response_release(&resp);
	if (rc == 0) {
		r->pinged = true;
		wp_log_debug("%s: %s, %s", r->name, r->base,
			     r->auth == AUTH_BEARER  ? "bearer tokens"
			     : r->auth == AUTH_BASIC ? "basic auth"
						     : "no auth");
	}
	return rc;
}

int wp_registry_ping(wp_registry *r, wp_error **err)
{
	int rc;

	pthread_mutex_lock(&r->lock);
	rc = ping_locked(r, err);
	pthread_mutex_unlock(&r->lock);
	return rc;
}

static char *join_scopes(const char *const *scopes)
{
	wp_buf b = WP_BUF_INIT(64 * 1024);

	for (size_t i = 0; scopes && scopes[i]; i++)
		if (wp_buf_appendf(&b, NULL, "%s%s", i ? " " : "", scopes[i]) < 0) {
			wp_buf_release(&b);
			return NULL;
		}
	return wp_buf_detach(&b, NULL);
}

static struct token *find_token(wp_registry *r, const char *scopes)
{
	for (size_t i = 0; i < r->n_tokens; i++)
		if (strcmp(r->tokens[i].scopes, scopes) == 0)
			return &r->tokens[i];
	return NULL;
}

static int basic_value(const wp_credential *c, char **out, wp_error **err)
{
	_cleanup_free_ char *pair = NULL, *b64 = NULL;
	int rc;

	pair = wp_strdup_printf("%s:%s", c->username ? c->username : "",
				c->password ? c->password : "");
	if (!pair)
		return wp_error_oom(err);
	rc = wp_base64_encode(pair, strlen(pair), &b64, err);
	explicit_bzero(pair, strlen(pair));
	if (rc < 0)
		return rc;
	*out = wp_strdup_printf("Basic %s", b64);
	explicit_bzero(b64, strlen(b64));
	return *out ? 0 : wp_error_oom(err);
}

int wp_token_response_parse(const char *body, size_t len, char **value, long *expires_in,
			    wp_error **err)
{
	_cleanup_json_ json_t *j = NULL;
	const char *tok = NULL, *access = NULL;
	int64_t exp = 60;
	int rc = wp_json_parse(&j, body, len, "token response", err);

	if (rc == 0 && !json_is_object(j))
		rc = wp_error_set(err, WP_EREMOTE, "token response: expected a JSON object");
	if (rc == 0)
		rc = wp_json_get_string(j, "token", false, "token response", "", &tok, err);
	if (rc == 0)
		rc = wp_json_get_string(j, "access_token", false, "token response", "", &access,
					err);
	if (rc == 0)
		rc = wp_json_get_int64(j, "expires_in", false, "token response", "", &exp, err);
	if (rc < 0)
		return rc;
	if (access && *access)
		tok = access;
	if (!tok || !*tok)
		return wp_error_set(err, WP_EREMOTE, "the token response has no token");
	*expires_in = exp > 0 ? (long)exp : 60;
	*value = strdup(tok);
	return *value ? 0 : wp_error_oom(err);
}

static int parse_token(wp_registry *r, const wp_http_response *resp, char **value, long *expires_in,
		       wp_error **err)
{
	int rc = wp_token_response_parse(wp_buf_cstr(&resp->body), resp->body.len, value,
					 expires_in, err);

	return rc < 0 ? wp_error_prefix(err, "registry \"%s\"", r->name) : 0;
}

static int token_url(wp_registry *r, const char *const *scopes, char **out, wp_error **err)
{
	char *url = strdup(r->realm);
	int rc = url ? 0 : wp_error_oom(err);

	if (rc == 0 && r->service)
		rc = wp_url_add_query(&url, "service", r->service, err);
	for (size_t i = 0; rc == 0 && scopes && scopes[i]; i++)
		rc = wp_url_add_query(&url, "scope", scopes[i], err);
	if (rc == 0 && r->have_cred && r->cred.username && !r->cred.identity_token)
		rc = wp_url_add_query(&url, "account", r->cred.username, err);
	if (rc < 0) {
		free(url);
		return rc;
	}
	*out = url;
	return 0;
}

/* OAuth2 refresh-token grant (Docker's identity tokens); 404 → GET. */
static int fetch_with_refresh_token(wp_registry *r, const char *const *scopes,
				    wp_http_response *resp, wp_error **err)
{
	_cleanup_free_ char *scope = join_scopes(scopes);
	wp_buf form = WP_BUF_INIT(1 << 20);
	wp_strv headers = {0};
	wp_http_request req = {.method = "POST",
			       .url = r->realm,
			       .has_body = true,
			       .body_max = TOKEN_MAX,
			       .max_redirects = 5,
			       .headers = &headers};
	char *esc_token = NULL;
	int rc;

	if (!scope)
		return wp_error_oom(err);
	esc_token = wp_url_escape(r->cred.identity_token);
	rc = esc_token ? 0 : wp_error_oom(err);
	if (rc == 0)
		rc = wp_buf_appendf(
			&form, err,
			"grant_type=refresh_token&client_id=wasmpack&service=%s&scope=%s"
			"&refresh_token=%s",
			r->service ? r->service : "", scope, esc_token);
	if (rc == 0)
		rc = wp_strv_push(&headers, "Content-Type: application/x-www-form-urlencoded", err);
	if (rc == 0) {
		req.body.fd = -1;
		req.body.data = form.data;
		req.body.len = form.len;
		rc = wp_http_send(r->http, &req, resp, err);
	}
	if (esc_token) {
		explicit_bzero(esc_token, strlen(esc_token));
		free(esc_token);
	}
	if (form.data)
		explicit_bzero(form.data, form.len);
	wp_buf_release(&form);
	wp_strv_release(&headers);
	return rc;
}

static int fetch_token(wp_registry *r, const char *const *scopes, char **value, long *expires_in,
		       wp_error **err)
{
	_cleanup_free_ char *url = NULL, *authz = NULL;
	wp_http_response resp = {0};
	wp_http_request req = {.method = "GET", .body_max = TOKEN_MAX, .max_redirects = 5};
	int rc;

	if (r->have_cred && r->cred.registry_token) {
		*expires_in = 24 * 3600;
		*value = strdup(r->cred.registry_token);
		return *value ? 0 : wp_error_oom(err);
	}
	if ((rc = token_url(r, scopes, &url, err)) < 0)
		return rc;
	if (r->have_cred && r->cred.identity_token) {
		rc = fetch_with_refresh_token(r, scopes, &resp, err);
		if (rc < 0 || resp.status != 404)
			goto got;
		wp_http_response_release(&resp);
	}
	if (r->have_cred && (r->cred.username || r->cred.password) &&
	    (rc = basic_value(&r->cred, &authz, err)) < 0)
		return rc;
	req.url = url;
	req.authorization = authz;
	for (int attempt = 0;; attempt++) {
		wp_error *e = NULL;

		rc = wp_http_send(r->http, &req, &resp, &e);
		/* a GET: a cut, stalled or truncated answer is tried again too */
		if (rc == WP_ENETWORK && attempt < r->retries) {
			wp_log_debug("%s; trying again", e->message);
			wp_error_free(e);
			wp_registry_backoff(attempt, NULL);
			continue;
		}
		if (rc < 0) {
			wp_error_move(err, e, rc);
			break;
		}
		if (wp_registry_retryable_status(resp.status) && attempt < r->retries) {
			wp_registry_backoff(attempt, &resp);
			wp_http_response_release(&resp);
			continue;
		}
		break;
	}
got:
	if (authz)
		explicit_bzero(authz, strlen(authz));
	if (rc < 0)
		return wp_error_prefix(err, "cannot get a token for registry \"%s\"", r->name);
	if (resp.status == 200)
		rc = parse_token(r, &resp, value, expires_in, err);
	else if ((resp.status == 401 || resp.status == 403) && r->logging_in)
		rc = wp_error_set(
			err, WP_EAUTH,
			"registry \"%s\" refused the credentials (token server answered %ld)",
			r->name, resp.status);
	else if (resp.status == 401 || resp.status == 403)
		rc = wp_error_set(err, WP_EAUTH,
				  "registry \"%s\" refused %s (token server answered %ld); run "
				  "\"wasmpack login %s\"",
				  r->name, r->have_cred ? "the credentials" : "anonymous access",
				  resp.status, r->name);
	else
		rc = wp_registry_fail(r, &resp, "token request", err);
	wp_http_response_release(&resp);
	return rc;
}

/* The Authorization value for a call with these scopes; NULL when none. */
static int authorization(wp_registry *r, const char *const *scopes, bool renew, char **out,
			 wp_error **err)
{
	_cleanup_free_ char *key = NULL;
	struct token *t;
	char *value = NULL;
	long expires_in = 0;
	int rc;

	*out = NULL;
	if ((rc = ensure_credential(r, err)) < 0)
		return rc;
	if (r->auth == AUTH_BASIC)
		return r->have_cred ? basic_value(&r->cred, out, err) : 0;
	if (r->auth != AUTH_BEARER)
		return 0;
	if (!(key = join_scopes(scopes)))
		return wp_error_oom(err);
	t = find_token(r, key);
	if (t && !renew && t->expires > time(NULL)) {
		*out = wp_strdup_printf("Bearer %s", t->value);
		return *out ? 0 : wp_error_oom(err);
	}
	if ((rc = fetch_token(r, scopes, &value, &expires_in, err)) < 0)
		return rc;
	if (!t) {
		struct token *grown = realloc(r->tokens, (r->n_tokens + 1) * sizeof(*grown));

		if (!grown) {
			free(value);
			return wp_error_oom(err);
		}
		r->tokens = grown;
		t = &r->tokens[r->n_tokens++];
		t->scopes = TAKE_PTR(key);
		t->value = NULL;
	}
	if (t->value)
		explicit_bzero(t->value, strlen(t->value));
	free(t->value);
	t->value = value;
	/* renew a little early (clocks differ, requests take time): TOKEN_MARGIN
	 * before it expires, or half way through a shorter life */
	t->expires = time(NULL) + expires_in -
		     (expires_in > 2 * TOKEN_MARGIN ? TOKEN_MARGIN : expires_in / 2);
	*out = wp_strdup_printf("Bearer %s", value);
	return *out ? 0 : wp_error_oom(err);
}

int wp_registry_check_login(wp_registry *r, wp_error **err)
{
	static const char *const no_scopes[] = {NULL};
	wp_registry_call c = {.method = "GET", .path = "/v2/", .scopes = no_scopes, .retry = true};
	wp_http_response resp = {0};
	int rc = wp_registry_ping(r, err);

	if (rc < 0)
		return rc;
	pthread_mutex_lock(&r->lock);
	r->logging_in = true;
	rc = ensure_credential(r, err);
	if (rc == 0 && !r->have_cred)
		rc = wp_error_set(err, WP_EAUTH, "no credentials for registry \"%s\"", r->name);
	pthread_mutex_unlock(&r->lock);
	if (rc < 0)
		return rc;
	/* bearer: the token request checks the credentials; basic: /v2/ does */
	rc = wp_registry_call_send(r, &c, &resp, err);
	if (rc == 0 && resp.status != 200)
		rc = wp_registry_fail(r, &resp, "login", err);
	wp_http_response_release(&resp);
	return rc;
}

/* The error="..." of a 401's Bearer challenge (NULL without one), and that
 * challenge in *bearer; the parsed challenges, in *ch and *n, are the
 * caller's to free. */
static const char *bearer_error(const wp_http_response *resp, wp_auth_challenge **ch, size_t *n,
				const wp_auth_challenge **bearer)
{
	const wp_auth_challenge *b;

	for (size_t i = 0; i < resp->headers.len; i++)
		if (strcmp(resp->headers.items[i].key, "www-authenticate") == 0 &&
		    wp_auth_challenges_parse(resp->headers.items[i].value, ch, n, NULL) < 0)
			break;
	b = wp_auth_challenge_find(*ch, *n, "bearer");
	if (bearer)
		*bearer = b;
	return b ? wp_kv_get(&b->params, "error") : NULL;
}

/* Whether a 401 says the bearer token itself was refused (expired, as a
 * token held up in transit is): error="invalid_token". */
static bool token_refused(const wp_http_response *resp)
{
	wp_auth_challenge *ch = NULL;
	size_t n = 0;
	const char *error = bearer_error(resp, &ch, &n, NULL);
	bool out = error && strcmp(error, "invalid_token") == 0;

	wp_auth_challenges_free(ch, n);
	return out;
}

int wp_registry_call_send(wp_registry *r, const wp_registry_call *c, wp_http_response *resp,
			  wp_error **err)
{
	_cleanup_free_ char *url = NULL;
	/* a body read from a stream cannot be sent twice */
	bool once = c->has_body && c->body.fd >= 0 && c->body.offset < 0;
	/* a 401 renews the token and repeats the call once; again (up to
	 * --retries times) when the fresh token died too before it arrived */
	int reauths = once ? -1 : 0;
	bool same_origin;
	int rc = wp_registry_ping(r, err);

	if (rc < 0)
		return rc;
	if (wp_str_has_prefix(c->path, "http://") || wp_str_has_prefix(c->path, "https://"))
		url = strdup(c->path);
	else
		url = wp_strdup_printf("%s%s", r->base, c->path);
	if (!url)
		return wp_error_oom(err);
	/* an absolute URL from the registry (an upload's Location, a Link to
	 * the next page) gets credentials only on the registry's own origin */
	same_origin = wp_url_same_origin(url, r->base);
	if (!same_origin && wp_log_get_level() >= WP_LOG_DEBUG) {
		_cleanup_free_ char *shown = wp_url_redact(url);

		wp_log_debug("%s is not on %s: no credentials sent there", shown ? shown : "",
			     r->base);
	}
	for (int attempt = 0;;) {
		_cleanup_free_ char *authz = NULL;
		wp_http_request req = {
			.method = c->method,
			.url = url,
			.headers = c->headers,
			.has_body = c->has_body,
			.body = c->body,
			.sink = c->sink,
			.body_max = c->body_max,
			.max_redirects = 10,
			.progress = c->progress,
			.progress_ctx = c->progress_ctx,
		};
		wp_error *e = NULL;

		if (same_origin) {
			pthread_mutex_lock(&r->lock);
			rc = authorization(r, c->scopes, false, &authz, err);
			pthread_mutex_unlock(&r->lock);
			if (rc < 0)
				return rc;
		}
		req.authorization = authz;
		rc = wp_http_send(r->http, &req, resp, &e);
		if (authz)
			explicit_bzero(authz, strlen(authz));
		if (rc < 0) {
			if (rc == WP_ENETWORK && c->retry && !once && attempt < r->retries) {
				wp_log_debug("%s; trying again", e->message);
				wp_error_free(e);
				wp_registry_backoff(attempt++, NULL);
				continue;
			}
			return wp_error_move(err, e, rc);
		}
		show_warnings(r, resp);
		if (resp->status == 401 && reauths >= 0 &&
		    (reauths == 0 ||
		     (reauths <= r->retries && r->auth == AUTH_BEARER && token_refused(resp)))) {
			/* the token expired or lacks a scope: learn, renew, repeat */
			reauths++;
			pthread_mutex_lock(&r->lock);
			rc = learn_challenge(r, resp, err);
			if (rc == 0 && r->auth == AUTH_BEARER) {
				_cleanup_free_ char *fresh = NULL;

				rc = authorization(r, c->scopes, true, &fresh, err);
				if (fresh)
					explicit_bzero(fresh, strlen(fresh));
			} else if (rc == 0 && r->auth == AUTH_BASIC && !r->have_cred) {
				rc = ensure_credential(r, err);
			}
			pthread_mutex_unlock(&r->lock);
			if (rc < 0) {
				wp_http_response_release(resp);
				return rc;
			}
			if (r->auth == AUTH_BASIC && !r->have_cred)
				return 0; /* nothing more to try: the caller reports the 401 */
			wp_http_response_release(resp);
			continue;
		}
		if ((c->retry || c->retry_status) && !once &&
		    wp_registry_retryable_status(resp->status) && attempt < r->retries) {
			wp_log_debug("%s %s answered %ld; trying again", c->method, r->name,
				     resp->status);
			wp_registry_backoff(attempt++, resp);
			wp_http_response_release(resp);
			continue;
		}
		return 0;
	}
}

static bool token_char(char c)
{
	return isalnum((unsigned char)c) || strchr("+/=._~-", c);
}

static void mask(char *from, size_t n)
{
	memset(from, '*', n);
}

void wp_registry_redact(char *text, const char *const secrets[], size_t n_secrets)
{
	static const char *const schemes[] = {"basic ", "bearer "};

	if (!text)
		return;
	for (size_t i = 0; i < n_secrets; i++) {
		size_t n = secrets[i] ? strlen(secrets[i]) : 0;

		for (char *p = n ? strstr(text, secrets[i]) : NULL; p;
		     p = strstr(p + n, secrets[i]))
			mask(p, n);
	}
	for (char *p = text; *p; p++) {
		size_t skip = 0, n = 0;

		for (size_t k = 0; k < WP_ARRAY_SIZE(schemes) && !skip; k++)
			if (strncasecmp(p, schemes[k], strlen(schemes[k])) == 0)
				skip = strlen(schemes[k]);
		if (!skip && strncmp(p, "eyJ", 3) != 0)
			continue;
		while (p[skip + n] && token_char(p[skip + n]))
			n++;
		mask(p + skip, n);
		p += skip + n - (skip + n > 0);
	}
}

/* "CODE: message" from {"errors":[...]}, else the body's first line. */
static char *error_text(const wp_http_response *resp)
{
	_cleanup_json_ json_t *j = NULL;
	json_t *errors, *first;
	const char *code, *msg;
	wp_buf b = WP_BUF_INIT(4096);

	if (resp->body.len &&
	    wp_json_parse(&j, wp_buf_cstr(&resp->body), resp->body.len, "error", NULL) == 0 &&
	    (errors = json_object_get(j, "errors")) && (first = json_array_get(errors, 0))) {
		code = json_string_value(json_object_get(first, "code"));
		msg = json_string_value(json_object_get(first, "message"));
		wp_buf_appendf(&b, NULL, "%s%s%s", code ? code : "", code && msg ? ": " : "",
			       msg ? msg : "");
		if (json_array_size(errors) > 1)
			wp_buf_appendf(&b, NULL, " (and %zu more)", json_array_size(errors) - 1);
		return wp_buf_detach(&b, NULL);
	}
	/* plain text (Docker Hub's 429 is): the first printable line */
	for (size_t i = 0; i < resp->body.len && b.len < 200; i++) {
		char ch = resp->body.data[i];

		if (ch == '\n' || ch == '\r') {
			if (b.len)
				break;
			continue;
		}
		if (isprint((unsigned char)ch))
			wp_buf_append(&b, &ch, 1, NULL);
	}
	return wp_buf_detach(&b, NULL);
}

/* The scope of a Bearer challenge saying error="insufficient_scope" (the
 * token was good but does not grant it), "" when it names none; NULL when
 * the 401 says something else. */
static char *insufficient_scope(const wp_http_response *resp)
{
	wp_auth_challenge *ch = NULL;
	const wp_auth_challenge *bearer = NULL;
	size_t n = 0;
	const char *error = bearer_error(resp, &ch, &n, &bearer), *scope;
	char *out = NULL;

	if (error && bearer && strcmp(error, "insufficient_scope") == 0) {
		scope = wp_kv_get(&bearer->params, "scope");
		out = strdup(scope ? scope : "");
	}
	wp_auth_challenges_free(ch, n);
	return out;
}

/* (name): not the analyzer's macro (registry.h) */
int(wp_registry_fail)(const wp_registry *r, const wp_http_response *resp, const char *what,
		      wp_error **err)
{
	_cleanup_free_ char *text = error_text(resp);
	_cleanup_free_ char *scope = NULL, *basic = NULL;
	const char *detail;

	/* a registry (or proxy) that echoes the request's headers in its
	 * error must not make us print the credentials */
	if (r->have_cred && basic_value(&r->cred, &basic, NULL) < 0)
		basic = NULL;
	{
		const char *secrets[] = {r->cred.password, r->cred.identity_token,
					 r->cred.registry_token, basic ? basic + 6 : NULL};

		wp_registry_redact(text, secrets, WP_ARRAY_SIZE(secrets));
	}
	if (basic)
		explicit_bzero(basic, strlen(basic));
	detail = text && *text ? text : "";
	const char *sep = *detail ? ": " : "";

	switch (resp->status) {
	case 401:
		if (r->have_cred && (scope = insufficient_scope(resp)))
			return wp_error_set(err, WP_EAUTH,
					    "%s: registry \"%s\" denied access: the credentials "
					    "do not grant %s%s%s (401 insufficient_scope)",
					    what, r->name, *scope ? "\"" : "the access needed",
					    scope, *scope ? "\"" : "");
		if (!r->have_cred)
			return wp_error_set(err, WP_EAUTH,
					    "%s: registry \"%s\" needs credentials (401%s%s); run "
					    "\"wasmpack login %s\"",
					    what, r->name, sep, detail, r->name);
		if (r->logging_in)
			return wp_error_set(err, WP_EAUTH,
					    "%s: registry \"%s\" refused the credentials (401%s%s)",
					    what, r->name, sep, detail);
		return wp_error_set(err, WP_EAUTH,
				    "%s: registry \"%s\" refused the credentials (401%s%s); run "
				    "\"wasmpack login %s\"",
				    what, r->name, sep, detail, r->name);
	case 403:
		return wp_error_set(err, WP_EAUTH, "%s: registry \"%s\" denied access (403%s%s)",
				    what, r->name, sep, detail);
	case 404:
		return wp_error_set(err, WP_ENOTFOUND, "%s: not found on registry \"%s\" (404%s%s)",
				    what, r->name, sep, detail);
	default:
		return wp_error_set(err, WP_EREMOTE, "%s: registry \"%s\" answered %ld%s%s", what,
				    r->name, resp->status, sep, detail);
	}
}
