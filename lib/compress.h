/* Streaming compressors that write to a sink. Output is deterministic: it
 * depends only on the input, the format and the level, never on the number
 * of CPUs or on how the input was split into writes, so images built on any
 * machine are byte-identical. gzip is compressed block-parallel (pigz's
 * method: fixed 256 KiB blocks, each primed with the previous 32 KiB) and
 * zstd uses libzstd's worker threads with a fixed job size. */
#ifndef WP_COMPRESS_H
#define WP_COMPRESS_H

#include <stddef.h>

#include "error.h"
#include "sink.h"

typedef enum wp_compression {
	WP_COMPRESSION_NONE = 0,
	WP_COMPRESSION_GZIP,
	WP_COMPRESSION_ZSTD,
} wp_compression;

/* "none"/"uncompressed", "gzip", "zstd" → the enum; WP_EINVALID otherwise. */
int wp_compression_parse(const char *name, wp_compression *out, wp_error **err);
const char *wp_compression_name(wp_compression c);
/* Level 0 means the default: gzip 6 (as gzip(1) and Docker), zstd 3. */
int wp_compression_check_level(wp_compression c, int level, wp_error **err);

typedef struct wp_compressor wp_compressor;

/* threads: worker threads to use, 0 = one per CPU this process may run on
 * (its affinity mask, as nproc counts). The output does not depend on it. */
int wp_compressor_new(wp_compressor **out, wp_compression kind, int level, int threads,
		      wp_sink sink, wp_error **err);
int wp_compressor_write(wp_compressor *c, const void *data, size_t len, wp_error **err);
/* Flushes everything to the sink; no writes are allowed afterwards. */
int wp_compressor_finish(wp_compressor *c, wp_error **err);
void wp_compressor_free(wp_compressor *c);

int wp_compressor_write_cb(void *compressor, const void *data, size_t len, wp_error **err);
static inline wp_sink wp_compressor_as_sink(wp_compressor *c)
{
	wp_sink s = {wp_compressor_write_cb, c};
	return s;
}

/* Internals shared by the implementations (compress_*.c). */
struct wp_compressor_ops {
	int (*write)(void *impl, const void *data, size_t len, wp_error **err);
	int (*finish)(void *impl, wp_error **err);
	void (*free)(void *impl);
};
int wp_gzip_parallel_new(void **impl, int level, int threads, wp_sink sink, wp_error **err);
extern const struct wp_compressor_ops wp_gzip_parallel_ops;
int wp_zstd_stream_new(void **impl, int level, int threads, wp_sink sink, wp_error **err);
extern const struct wp_compressor_ops wp_zstd_stream_ops;

int wp_online_cpus(void);

#endif
