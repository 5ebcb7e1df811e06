/* A session with one registry (distribution-spec): how to reach it (HTTPS,
 * or plain HTTP for loopback and --insecure hosts, as Docker does), who we
 * are (credentials, tokens) and how hard to try (retries). Every request goes
 * through wp_registry_call, which adds the right Authorization, fetches and
 * renews bearer tokens, re-authenticates once on 401, and retries 408, 429,
 * 5xx and broken connections with exponential backoff, jitter and
 * Retry-After. Thread-safe: blob uploads run in parallel on one session. */
#ifndef WP_REGISTRY_H
#define WP_REGISTRY_H

#include <stdbool.h>

#include "../lib/error.h"
#include "../lib/http.h"
#include "credentials.h"

typedef struct wp_registry wp_registry;

typedef struct wp_registry_options {
	const char *ca_file; /* --ca-cert */
	bool insecure;	     /* --insecure: plain HTTP fallback and unverified TLS */
	bool plain_http;     /* --plain-http */
	int retries;	     /* retries after the first attempt; -1: the default (5) */
	long timeout;	     /* seconds without progress before a transfer fails; 0: 60 */
	const wp_credential *credential; /* given explicitly; NULL: looked up */
	bool anonymous;			 /* never use credentials */
} wp_registry_options;

/* registry: as in references ("docker.io", "ghcr.io", "localhost:5000"). */
int wp_registry_open(wp_registry **out, const char *registry, const wp_registry_options *o,
		     wp_error **err);
void wp_registry_free(wp_registry *r);
const char *wp_registry_name(const wp_registry *r);

/* GET /v2/: decides the scheme and learns how the registry authenticates. */
int wp_registry_ping(wp_registry *r, wp_error **err);

/* Checks the credentials: a token with no scope for bearer registries, an
 * authorized GET /v2/ for basic ones. WP_EAUTH when refused. */
int wp_registry_check_login(wp_registry *r, wp_error **err);

typedef struct wp_registry_call {
	const char *method;
	const char *path;	   /* "/v2/..." or an absolute URL (an upload Location) */
	const char *const *scopes; /* token scopes, NULL-terminated; NULL: none */
	const wp_strv *headers;
	bool has_body;
	wp_http_body body;
	const wp_sink *sink;
	size_t body_max;
	bool retry; /* safe to repeat (idempotent) */
	/* a retryable status (429, 5xx) may be repeated even when a network
	 * error may not (a GET into a sink: only 2xx bodies reach the sink) */
	bool retry_status;
	void (*progress)(void *ctx, int64_t sent, int64_t received);
	void *progress_ctx;
} wp_registry_call;

/* Performs the call; any final HTTP status returns 0 (resp->status). */
int wp_registry_call_send(wp_registry *r, const wp_registry_call *c, wp_http_response *resp,
			  wp_error **err);

/* Turns a non-success response into an error naming `what`, the status and
 * the registry's error code and message ({"errors":[...]} or plain text).
 * 401/403 become WP_EAUTH with a login hint. Returns the code. */
int wp_registry_fail(const wp_registry *r, const wp_http_response *resp, const char *what,
		     wp_error **err);
#ifdef __clang_analyzer__
/* It returns a negative code: see lib/error.h. registry.c defines it with
 * its name in parentheses, which this macro leaves alone. */
#define wp_registry_fail(...) wp_error_negative_(wp_registry_fail(__VA_ARGS__))
#endif

/* Whether a failure may pass by itself (and the wait before the next try,
 * honouring Retry-After up to 300 s). attempt counts from 0. */
bool wp_registry_retryable_status(long status);
void wp_registry_backoff(int attempt, const wp_http_response *resp);
/* The same with the Retry-After already read: seconds, or -1 for none. */
void wp_registry_wait(int attempt, long retry_after);
int wp_registry_retries(const wp_registry *r);

#endif
