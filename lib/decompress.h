/* Streaming decompression of a whole file: gzip (any number of members, as
 * parallel gzip writes them), zstd (any number of frames) or none, chosen
 * from the first bytes, into a sink. For layers that must be stored
 * uncompressed (docker-archive). */
#ifndef WP_DECOMPRESS_H
#define WP_DECOMPRESS_H

#include "compress.h"
#include "error.h"
#include "sink.h"

/* What the first bytes of a file say it is compressed with. */
wp_compression wp_compression_sniff(const void *head, size_t len);

/* Reads fd from where it is to its end; `what` names it in errors. */
int wp_decompress_fd(int fd, const char *what, wp_sink out, wp_error **err);

#endif
