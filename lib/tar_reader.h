/* Reading tar archives with libarchive (loaded on first use). The
 * compression is recognised from the first bytes of the file, and for image
 * layers only that one decoder (gzip or zstd) is enabled: untrusted content
 * never reaches libarchive's other decoders, some of which run external
 * programs. Entries and their data are streamed, never held whole. */
#ifndef WP_TAR_READER_H
#define WP_TAR_READER_H

#include <stddef.h>
#include <stdint.h>

#include "compress.h"
#include "error.h"
#include "libarchive.h"

typedef struct wp_tar_reader {
	struct archive *a;	     /* owned */
	int fd;			     /* owned; -1 when closed */
	char *name;		     /* owned copy of the path, for errors */
	unsigned char *chunk;	     /* owned copy buffer */
	wp_compression compression;  /* what the first bytes say; NONE: anything else */
	struct archive_entry *entry; /* the current entry, borrowed from a */
	uint64_t index;		     /* of the current entry, from 0 */
} wp_tar_reader;

#define WP_TAR_READER_INIT                                         \
	{                                                          \
		NULL, -1, NULL, NULL, WP_COMPRESSION_NONE, NULL, 0 \
	}

enum {
	/* every decoder libarchive has (bzip2, xz, ...): for archives the user
	 * names on the command line, not for layers pulled from a registry */
	WP_TAR_READ_ANY_FILTER = 1u << 0,
};

/* Opens the tar at path. r must be WP_TAR_READER_INIT; release it after
 * a failure too. */
int wp_tar_reader_open(wp_tar_reader *r, const char *path, unsigned int flags, wp_error **err);

/* Moves to the next entry: 1 with r->entry and r->index set, 0 at the end
 * of the archive, or a negative code naming the archive. */
int wp_tar_reader_next(wp_tar_reader *r, wp_error **err);

/* Reads up to len bytes of the current entry's data; *got < len only at
 * the end of the entry. */
int wp_tar_reader_read(wp_tar_reader *r, void *buf, size_t len, size_t *got, wp_error **err);

/* Writes the rest of the current entry's data to fd (`what` names the
 * destination); data beyond max bytes is WP_ELIMIT. *copied (optional)
 * gets the byte count. */
int wp_tar_reader_copy(wp_tar_reader *r, int fd, uint64_t max, const char *what, uint64_t *copied,
		       wp_error **err);

/* Closes everything; safe on an initialised reader at any point. */
void wp_tar_reader_release(wp_tar_reader *r);

#endif
