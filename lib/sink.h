/* A byte sink: where streaming producers (tar writer, compressors) send
 * their output. Implementations return 0 or a negative WP_E* code. */
#ifndef WP_SINK_H
#define WP_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "error.h"

typedef int (*wp_sink_fn)(void *ctx, const void *data, size_t len, wp_error **err);

typedef struct wp_sink {
	wp_sink_fn write;
	void *ctx;
} wp_sink;

static inline int wp_sink_write(const wp_sink *s, const void *data, size_t len, wp_error **err)
{
	return s->write(s->ctx, data, len, err);
}

/* A sink that hashes and counts what passes through, then forwards it to
 * `next` (which may have write == NULL to only hash and count). */
typedef struct wp_hashing_sink {
	wp_sha256 hash;
	uint64_t size;
	wp_sink next;
} wp_hashing_sink;

int wp_hashing_sink_init(wp_hashing_sink *hs, wp_sink next, wp_error **err);
int wp_hashing_sink_write(void *hashing_sink, const void *data, size_t len, wp_error **err);
int wp_hashing_sink_final(wp_hashing_sink *hs, char digest[WP_DIGEST_SIZE], wp_error **err);
void wp_hashing_sink_release(wp_hashing_sink *hs);
static inline wp_sink wp_hashing_sink_as_sink(wp_hashing_sink *hs)
{
	wp_sink s = {wp_hashing_sink_write, hs};
	return s;
}

/* A sink that writes to a file descriptor; ctx is a wp_fd_sink. */
typedef struct wp_fd_sink {
	int fd;
	const char *what; /* the file's name, for errors; borrowed */
} wp_fd_sink;

int wp_fd_sink_write(void *fd_sink, const void *data, size_t len, wp_error **err);
static inline wp_sink wp_fd_sink_as_sink(wp_fd_sink *fs)
{
	wp_sink s = {wp_fd_sink_write, fs};
	return s;
}

#endif
