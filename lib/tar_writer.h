/* A deterministic tar writer on libarchive: POSIX ustar headers (pax
 * extensions only where ustar cannot hold a value), uid/gid 0, no user or
 * group names, the mtime the caller gives, nothing taken from the host. File
 * content is streamed from a descriptor, never held whole in memory. */
#ifndef WP_TAR_WRITER_H
#define WP_TAR_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "sink.h"

typedef enum wp_tar_type {
	WP_TAR_FILE,
	WP_TAR_DIR,
	WP_TAR_SYMLINK,
} wp_tar_type;

typedef struct wp_tar_entry {
	const char *path; /* relative, '/'-separated; directories without a final '/' */
	wp_tar_type type;
	unsigned int mode;	 /* permission bits */
	int64_t size;		 /* files only */
	int64_t mtime;		 /* seconds since the epoch */
	const char *link_target; /* symlinks only */
} wp_tar_entry;

typedef struct wp_tar_writer wp_tar_writer;

int wp_tar_writer_new(wp_tar_writer **out, wp_sink sink, wp_error **err);
/* Adds a header; for files, then streams exactly entry->size bytes from fd
 * (`what` names the source in errors; a file that shrinks or grows while it
 * is read is an error). fd is ignored for directories and symlinks. */
int wp_tar_writer_add_fd(wp_tar_writer *w, const wp_tar_entry *entry, int fd, const char *what,
			 wp_error **err);
/* Adds a file whose content is in memory (entry->size must equal len). */
int wp_tar_writer_add_bytes(wp_tar_writer *w, const wp_tar_entry *entry, const void *data,
			    size_t len, wp_error **err);
/* Writes the end-of-archive blocks. */
int wp_tar_writer_finish(wp_tar_writer *w, wp_error **err);
void wp_tar_writer_free(wp_tar_writer *w);

#endif
