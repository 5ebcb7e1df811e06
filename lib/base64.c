#include "base64.h"
#include "libcrypto.h"
#include "common.h"

/* OpenSSL counts in int: work in chunks that stay far below INT_MAX. The
 * encoder's chunk is a multiple of 3 bytes and the decoder's of 4 characters
 * so every chunk but the last is padding-free. */
#define ENCODE_CHUNK (3 * 16384)
#define DECODE_CHUNK (4 * 16384)

int wp_base64_encode(const void *data, size_t len, char **out, wp_error **err)
{
	const unsigned char *p = data;
	size_t groups = len / 3 + (len % 3 != 0);
	char *text, *w;
	int r;

	if ((r = wp_libcrypto_load(err)) < 0)
		return r;
	if (groups > (SIZE_MAX - 1) / 4)
		return wp_error_set(err, WP_ELIMIT, "cannot encode %zu bytes in base64", len);
	text = malloc(groups * 4 + 1);
	if (!text)
		return wp_error_oom(err);
	w = text;
	while (len > 0) {
		size_t n = len < ENCODE_CHUNK ? len : ENCODE_CHUNK;
		int got = wp_crypto.EVP_EncodeBlock((unsigned char *)w, p, (int)n);

		w += got;
		p += n;
		len -= n;
	}
	*w = '\0';
	*out = text;
	return 0;
}

static bool is_b64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

/* Checks the whole text before decoding any of it; *padding gets the number
 * of '=' at its end. */
static int check_text(const char *text, size_t len, size_t *padding, wp_error **err)
{
	size_t pad = 0;

	if (len % 4 != 0)
		return wp_error_set(err, WP_EINVALID,
				    "invalid base64: %zu characters, not a multiple of 4", len);
	if (len >= 1 && text[len - 1] == '=')
		pad = len >= 2 && text[len - 2] == '=' ? 2 : 1;
	for (size_t i = 0; i < len - pad; i++)
		if (!is_b64_char(text[i]))
			return wp_error_set(err, WP_EINVALID,
					    "invalid base64: unexpected character at offset %zu",
					    i);
	*padding = pad;
	return 0;
}

int wp_base64_decode(const char *text, wp_buf *out, wp_error **err)
{
	size_t len = strlen(text), padding = 0, done = 0, total;
	unsigned char *bytes;
	unsigned char *w;
	int r;

	r = check_text(text, len, &padding, err);
	if (r == 0)
		r = wp_libcrypto_load(err);
	if (r < 0)
		return r;
	if (len == 0)
		return 0;
	total = len / 4 * 3 - padding;
	bytes = malloc(len / 4 * 3);
	if (!bytes)
		return wp_error_oom(err);
	w = bytes;
	while (done < len) {
		size_t n = len - done < DECODE_CHUNK ? len - done : DECODE_CHUNK;
		/* counts the padding's zero bytes too; only the last chunk has any */
		int got = wp_crypto.EVP_DecodeBlock(w, (const unsigned char *)text + done, (int)n);

		if (got < 0 || (size_t)got != n / 4 * 3) {
			explicit_bzero(bytes, len / 4 * 3);
			free(bytes);
			return wp_error_set(err, WP_EINVALID, "invalid base64 near offset %zu",
					    done);
		}
		w += got;
		done += n;
	}
	r = wp_buf_append(out, bytes, total, err);
	/* what base64 hides is often a password */
	explicit_bzero(bytes, len / 4 * 3);
	free(bytes);
	if (r < 0)
		return wp_error_prefix(err, "decoded base64");
	return 0;
}
