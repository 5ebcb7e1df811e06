#include <sys/stat.h>

#include "digest.h"
#include "fileio.h"
#include "libcrypto.h"
#include "common.h"

int wp_sha256_init(wp_sha256 *h, wp_error **err)
{
	EVP_MD_CTX *ctx;
	int r;

	h->ctx = NULL;
	if ((r = wp_libcrypto_load(err)) < 0)
		return r;
	if (!(ctx = wp_crypto.EVP_MD_CTX_new()))
		return wp_error_oom(err);
	if (wp_crypto.EVP_DigestInit_ex(ctx, wp_crypto.EVP_sha256(), NULL) != 1) {
		wp_crypto.EVP_MD_CTX_free(ctx);
		return wp_error_set(err, WP_EGENERIC, "OpenSSL cannot start a SHA-256 digest");
	}
	h->ctx = ctx;
	return 0;
}

void wp_sha256_update(wp_sha256 *h, const void *data, size_t len)
{
	/* EVP_DigestUpdate on an initialised SHA-256 context cannot fail */
	if (len)
		wp_crypto.EVP_DigestUpdate(h->ctx, data, len);
}

int wp_sha256_final(wp_sha256 *h, char out[WP_DIGEST_SIZE], wp_error **err)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	char *p;

	if (wp_crypto.EVP_DigestFinal_ex(h->ctx, md, &n) != 1 || n != 32)
		return wp_error_set(err, WP_EGENERIC, "OpenSSL cannot finish a SHA-256 digest");
	memcpy(out, WP_DIGEST_PREFIX, sizeof(WP_DIGEST_PREFIX) - 1);
	p = out + sizeof(WP_DIGEST_PREFIX) - 1;
	for (unsigned int i = 0; i < n; i++) {
		*p++ = hex[md[i] >> 4];
		*p++ = hex[md[i] & 15];
	}
	*p = '\0';
	return 0;
}

void wp_sha256_release(wp_sha256 *h)
{
	if (h->ctx)
		wp_crypto.EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}

int wp_sha256_bytes(char out[WP_DIGEST_SIZE], const void *data, size_t len, wp_error **err)
{
	wp_sha256 h;
	int r = wp_sha256_init(&h, err);

	if (r < 0)
		return r;
	wp_sha256_update(&h, data, len);
	r = wp_sha256_final(&h, out, err);
	wp_sha256_release(&h);
	return r;
}

static bool all_lower_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[n] == '\0';
}

bool wp_digest_is_valid(const char *digest)
{
	if (!digest)
		return false;
	if (wp_digest_algorithm_len(digest) == 6 && memcmp(digest, "sha256", 6) == 0)
		return all_lower_hex(digest + 7, 64);
	if (wp_digest_algorithm_len(digest) == 6 && memcmp(digest, "sha512", 6) == 0)
		return all_lower_hex(digest + 7, 128);
	return false;
}

int wp_digest_validate(const char *digest, const char *what, wp_error **err)
{
	if (wp_digest_is_valid(digest))
		return 0;
	if (!digest)
		return wp_error_set(err, WP_EINVALID, "%s: missing digest", what);
	return wp_error_set(
		err, WP_EINVALID,
		"%s: invalid digest \"%.80s\" (expected sha256:<64 lowercase hex digits>)", what,
		digest);
}

size_t wp_digest_algorithm_len(const char *digest)
{
	const char *colon = strchr(digest, ':');

	return colon ? (size_t)(colon - digest) : 0;
}

const char *wp_digest_hex(const char *digest)
{
	const char *colon = strchr(digest, ':');

	return colon ? colon + 1 : digest;
}

int wp_sha256_file(const char *path, char out[WP_DIGEST_SIZE], int64_t *size, wp_error **err)
{
	struct stat st;
	_cleanup_close_ int fd = wp_open_read(path, &st, err);
	char chunk[65536];
	wp_sha256 h;
	int r;

	if (fd < 0)
		return fd;
	if (!S_ISREG(st.st_mode))
		return wp_error_set(err, WP_EINVALID, "\"%s\" is not a regular file", path);
	if ((r = wp_sha256_init(&h, err)) < 0)
		return r;
	*size = 0;
	for (;;) {
		size_t got = 0;

		if ((r = wp_read_full(fd, chunk, sizeof(chunk), &got, path, err)) < 0 || got == 0)
			break;
		wp_sha256_update(&h, chunk, got);
		*size += (int64_t)got;
	}
	if (r == 0)
		r = wp_sha256_final(&h, out, err);
	wp_sha256_release(&h);
	return r;
}
