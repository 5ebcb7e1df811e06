/* OpenSSL's libcrypto, loaded on first use (dlopen): linked normally, its
 * relocations cost about 1.4 MB of memory and a millisecond before main()
 * in every run, also for commands (validate, optimize) that never hash.
 *
 * Call wp_libcrypto_load() before anything else; afterwards the functions
 * are reached through wp_crypto, with OpenSSL's own names and types:
 * wp_crypto.EVP_sha256(). */
#ifndef WP_LIBCRYPTO_H
#define WP_LIBCRYPTO_H

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "error.h"

#define WP_LIBCRYPTO_FUNCTIONS(X) \
	X(OpenSSL_version)        \
	X(EVP_MD_CTX_new)         \
	X(EVP_MD_CTX_free)        \
	X(EVP_sha256)             \
	X(EVP_DigestInit_ex)      \
	X(EVP_DigestUpdate)       \
	X(EVP_DigestFinal_ex)     \
	X(EVP_EncodeBlock)        \
	X(EVP_DecodeBlock)

typedef struct wp_libcrypto {
#define WP_CRYPTO_MEMBER(f) __typeof__(f) *f;
	WP_LIBCRYPTO_FUNCTIONS(WP_CRYPTO_MEMBER)
#undef WP_CRYPTO_MEMBER
} wp_libcrypto;

/* Filled by the first successful wp_libcrypto_load(). */
extern wp_libcrypto wp_crypto;

/* Loads libcrypto once (thread-safe); 0, or an error saying what to
 * install. */
int wp_libcrypto_load(wp_error **err);

#endif
