/* Content digests in the OCI form "sha256:<64 lowercase hex>", computed in a
 * stream with OpenSSL's EVP interface. */
#ifndef WP_DIGEST_H
#define WP_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define WP_DIGEST_PREFIX "sha256:"
/* "sha256:" + 64 hex digits + NUL */
#define WP_DIGEST_SIZE 72

typedef struct wp_sha256 {
	void *ctx; /* EVP_MD_CTX, owned */
} wp_sha256;

int wp_sha256_init(wp_sha256 *h, wp_error **err);
void wp_sha256_update(wp_sha256 *h, const void *data, size_t len);
/* Writes "sha256:<hex>" to out. The context can be reused after another
 * wp_sha256_init only. */
int wp_sha256_final(wp_sha256 *h, char out[WP_DIGEST_SIZE], wp_error **err);
void wp_sha256_release(wp_sha256 *h);

int wp_sha256_bytes(char out[WP_DIGEST_SIZE], const void *data, size_t len, wp_error **err);
/* The digest and size of a regular file's content, read in chunks. */
int wp_sha256_file(const char *path, char out[WP_DIGEST_SIZE], int64_t *size, wp_error **err);

/* Checks the OCI digest grammar for the algorithms the image spec
 * registers: sha256 (64 hex) and sha512 (128 hex), lowercase. The message
 * names `what` (e.g. "layers[0].digest"). */
int wp_digest_validate(const char *digest, const char *what, wp_error **err);
bool wp_digest_is_valid(const char *digest);

/* The algorithm part as a string length (e.g. 6 for "sha256") and the hex
 * part (borrowed). Only valid for digests that passed validation. */
const char *wp_digest_hex(const char *digest);
size_t wp_digest_algorithm_len(const char *digest);

#endif
