#include "fileio.h"
#include "sink.h"
#include "common.h"

int wp_hashing_sink_init(wp_hashing_sink *hs, wp_sink next, wp_error **err)
{
	hs->size = 0;
	hs->next = next;
	return wp_sha256_init(&hs->hash, err);
}

int wp_hashing_sink_write(void *ctx, const void *data, size_t len, wp_error **err)
{
	wp_hashing_sink *hs = ctx;

	wp_sha256_update(&hs->hash, data, len);
	hs->size += len;
	return hs->next.write ? wp_sink_write(&hs->next, data, len, err) : 0;
}

int wp_hashing_sink_final(wp_hashing_sink *hs, char digest[WP_DIGEST_SIZE], wp_error **err)
{
	return wp_sha256_final(&hs->hash, digest, err);
}

void wp_hashing_sink_release(wp_hashing_sink *hs)
{
	wp_sha256_release(&hs->hash);
}

int wp_fd_sink_write(void *ctx, const void *data, size_t len, wp_error **err)
{
	wp_fd_sink *fs = ctx;

	return wp_write_all(fs->fd, data, len, fs->what, err);
}
