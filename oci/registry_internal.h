/* Parts of registry.c reached from outside only by tests and fuzz targets. */
#ifndef WP_REGISTRY_INTERNAL_H
#define WP_REGISTRY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "../lib/error.h"

/* A token server's answer (the Docker token and OAuth2 forms): the JSON
 * object's "access_token", else its "token", into *value (owned), and its
 * "expires_in" (60 when absent or not positive). Errors are WP_EREMOTE or
 * WP_EINVALID, naming the "token response". */
int wp_token_response_parse(const char *body, size_t len, char **value, long *expires_in,
			    wp_error **err);

/* Whether a registry name ("host[:port]", "[v6]:port") is loopback, so may
 * speak plain HTTP without --insecure: localhost, ::1, 127.0.0.0/8 as an
 * IPv4 literal. */
bool wp_registry_is_loopback(const char *registry);

/* Seconds to wait before try number attempt + 1: the server's Retry-After
 * (after >= 0) up to 300, else an exponential backoff with jitter (0.1 s
 * doubling up to 10 s). */
double wp_registry_wait_seconds(int attempt, long after);

/* Masks with '*', in place, every occurrence in text of each non-empty
 * secret, the value after "Basic " or "Bearer " (any case), and anything
 * that looks like a JWT (a run of base64url characters and dots starting
 * "eyJ"): for a registry's error message, which a misbehaving registry or
 * proxy may fill with the request's Authorization header. */
void wp_registry_redact(char *text, const char *const secrets[], size_t n_secrets);

#endif
