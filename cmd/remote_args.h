/* The options every command that talks to a registry shares: TLS, retries,
 * timeouts and credentials given on the command line or in the environment
 * (WASMPACK_USERNAME / WASMPACK_PASSWORD, for CI). */
#ifndef WP_REMOTE_ARGS_H
#define WP_REMOTE_ARGS_H

#include <getopt.h>
#include <stdbool.h>

#include "../lib/error.h"
#include "../oci/credentials.h"
#include "../oci/reference.h"
#include "../oci/registry.h"

enum {
	OPT_REMOTE_CA_CERT = 0x3000,
	OPT_REMOTE_INSECURE,
	OPT_REMOTE_PLAIN_HTTP,
	OPT_REMOTE_RETRIES,
	OPT_REMOTE_TIMEOUT,
	OPT_REMOTE_USERNAME,
	OPT_REMOTE_PASSWORD_STDIN,
};

#define REMOTE_OPTIONS                                                         \
	{"ca-cert", required_argument, NULL, OPT_REMOTE_CA_CERT},              \
		{"insecure", no_argument, NULL, OPT_REMOTE_INSECURE},          \
		{"plain-http", no_argument, NULL, OPT_REMOTE_PLAIN_HTTP},      \
		{"retries", required_argument, NULL, OPT_REMOTE_RETRIES},      \
		{"timeout", required_argument, NULL, OPT_REMOTE_TIMEOUT},      \
		{"username", required_argument, NULL, OPT_REMOTE_USERNAME},    \
	{                                                                      \
		"password-stdin", no_argument, NULL, OPT_REMOTE_PASSWORD_STDIN \
	}

#define REMOTE_OPTIONS_HELP                                                                 \
	"      --username USER         log in as USER for this command (with\n"             \
	"                              --password-stdin, or WASMPACK_PASSWORD)\n"           \
	"      --password-stdin        read the password or token from standard input\n"    \
	"      --ca-cert FILE          also trust the CA certificates in FILE (PEM)\n"      \
	"      --insecure              allow plain HTTP and unverified TLS for the\n"       \
	"                              registries named here\n"                             \
	"      --plain-http            talk plain HTTP (loopback registries fall back to\n" \
	"                              it by themselves, as with Docker)\n"                 \
	"      --retries N             retries of a failed request (default 5)\n"           \
	"      --timeout SECONDS       give up on a transfer stalled this long (60)\n"

struct remote_args {
	const char *ca_cert;
	bool insecure;
	bool plain_http;
	int retries; /* -1: default */
	long timeout;
	const char *username;
	bool password_stdin;
};

#define REMOTE_ARGS_INIT                               \
	{                                              \
		NULL, false, false, -1, 0, NULL, false \
	}

/* Handles one of REMOTE_OPTIONS: 1 when it was one, 0 when not, negative
 * (WP_EUSAGE, message in err) for a bad value. */
int remote_args_handle(struct remote_args *a, int c, const char *arg, wp_error **err);

/* The credential from --username/--password-stdin or WASMPACK_USERNAME/
 * WASMPACK_PASSWORD; *have is false when neither was given. */
int remote_args_credential(const struct remote_args *a, wp_credential *out, bool *have,
			   wp_error **err);

/* Registry options for these arguments; cred may be NULL. */
void remote_args_registry_options(const struct remote_args *a, const wp_credential *cred,
				  wp_registry_options *out);

/* A session with registry, with the credential these arguments give (or,
 * without one, what login stored, looked up by the registry). */
int remote_args_open(const struct remote_args *a, const char *registry, wp_registry **out,
		     wp_error **err);

/* Parses a command's REF argument; a malformed one is a usage error. A
 * ghcr.io name with capitals is lower-cased, with a notice on stderr. */
int remote_parse_reference(const char *arg, wp_reference *out, wp_error **err);

/* "https://index.docker.io/v1/", "docker.io/", "ghcr.io" → the registry as
 * references name it ("docker.io", "ghcr.io"); owned. */
int remote_registry_name(const char *arg, char **out, wp_error **err);

#endif
