/* Where registry credentials come from, as Docker and Podman look for them.
 *
 * Lookup, first match wins (a source without an entry, or whose helper
 * answers "credentials not found", passes to the next):
 *   1. the helper credHelpers[host] of Docker's config.json, then its
 *      credsStore helper ("docker-credential-<name> get", 30 s limit);
 *   2. its auths;
 *   3. the auths of $REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json
 *      and $HOME/.config/containers/auth.json (Podman, Skopeo, Buildah).
 * Docker's config.json is $DOCKER_CONFIG/config.json, else
 * $HOME/.docker/config.json. Missing files are skipped; a file that is not
 * a JSON object, or holds a malformed entry, is an error naming the file.
 *
 * auths keys name a registry in several ways; all of these match the host
 * "ghcr.io", best first: "ghcr.io"; "https://ghcr.io", "http://ghcr.io/",
 * "https://ghcr.io/v1/", "https://ghcr.io/v2/" (any scheme, path "", "/",
 * "/v1[/]" or "/v2[/]"); then namespaced Podman keys ("ghcr.io/acme",
 * "ghcr.io/acme/app"), matched by host alone. Hosts compare without regard
 * to case. For Docker Hub, "docker.io", "index.docker.io" and
 * "registry-1.docker.io" are one host whose preferred key is
 * "https://index.docker.io/v1/". An entry holds "auth" (base64 of
 * "user:password"; the password may contain ':'), which wins over
 * "username" and "password" fields, and "identitytoken" and
 * "registrytoken"; an entry with none of them (what Docker leaves beside a
 * credsStore) is skipped.
 *
 * No secret ever goes into an error message or a log line: not the
 * passwords and tokens, not the auth fields, not a helper's stdout, not
 * the text around a JSON syntax error. Secrets wasmpack holds are wiped
 * (explicit_bzero) before their memory is freed. */
#ifndef WP_CREDENTIALS_H
#define WP_CREDENTIALS_H

#include <stdbool.h>

#include "../lib/error.h"

/* Helpers get this long to answer. */
#define WP_CREDENTIAL_HELPER_TIMEOUT 30

typedef struct wp_credential {
	char *username;	      /* NULL when only a token is known */
	char *password;	      /* secret */
	char *identity_token; /* OAuth2 refresh token: "identitytoken", or a helper
				 answer whose Username is "<token>" */
	char *registry_token; /* bearer token sent as is: "registrytoken" */
	char *source;	      /* where it was found, for --debug: "credential helper
				 docker-credential-pass", "/root/.docker/config.json"
				 (never the secret) */
} wp_credential;

/* Wipes the secrets (explicit_bzero) and frees every field; the struct is
 * left zeroed and can be released again. */
void wp_credential_release(wp_credential *c);

/* Looks up the credentials for a registry host as written in image
 * references ("docker.io", "ghcr.io", "localhost:5000", "[::1]:5000").
 * *out is zeroed first (so releasing it is always safe); *found tells
 * whether anything was found (no credentials is not an error: pulls go
 * anonymous). Errors: WP_EINVALID for a bad host or a malformed file,
 * WP_ENOTFOUND for a configured helper that is not installed, WP_EAUTH for
 * a helper that fails (the message names it, its exit status and the first
 * line of its stderr). */
int wp_credentials_lookup(const char *registry, wp_credential *out, bool *found, wp_error **err);

/* Stores credentials for registry: into the helper credHelpers[host] or
 * credsStore when one is configured ("store", JSON on stdin), else into
 * auths["<wp_credentials_server_url>"] of Docker's config.json ("auth" =
 * base64 of "username:password", "identitytoken", "registrytoken"),
 * replacing the entries of every other key form for that host (namespaced
 * keys stay) and keeping every other key of the file as it was. The file is
 * written atomically with mode 0600 (its directory created with 0700); a
 * symbolic link is followed. After a helper stored them, plain-text
 * entries for the host left in the file are removed. c needs a username
 * and a password (the username without ':'), or a token; a helper cannot
 * store a registry token alone (WP_EUNSUPPORTED). *where (optional) gets
 * a description of where they went ("credential helper
 * docker-credential-pass" or the file's path), owned. */
int wp_credentials_store(const char *registry, const wp_credential *c, char **where,
			 wp_error **err);

/* Erases the credentials for registry: "erase" through the configured
 * helper (a "credentials not found" answer is not an error), and the auths
 * entries of every key form for the host in Docker's config.json.
 * *existed (optional) tells whether there was anything to erase. */
int wp_credentials_erase(const char *registry, bool *existed, wp_error **err);

/* The server URL helpers and auths keys use for a registry host:
 * "https://index.docker.io/v1/" for docker.io, index.docker.io and
 * registry-1.docker.io; else registry itself (borrowed). */
const char *wp_credentials_server_url(const char *registry);

/* The path of Docker's config.json ($DOCKER_CONFIG/config.json or
 * $HOME/.docker/config.json, HOME falling back to the password database);
 * owned. WP_ENOTFOUND when there is no home directory. */
int wp_credentials_config_path(char **out, wp_error **err);

#endif
