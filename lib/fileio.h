/* File I/O that never leaves a half-written file behind: content goes to a
 * temporary name in the destination's directory, is fsynced, and is renamed
 * over the final name only when complete. */
#ifndef WP_FILEIO_H
#define WP_FILEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "buf.h"
#include "error.h"

typedef struct wp_atomic_file {
	int fd;		  /* -1 when closed */
	char *tmp_path;	  /* owned; NULL once committed or aborted */
	char *final_path; /* owned */
} wp_atomic_file;

#define WP_ATOMIC_FILE_INIT    \
	{                      \
		-1, NULL, NULL \
	}

/* Creates ".<name>.tmp-XXXXXX" next to path with mode & ~umask. */
int wp_atomic_file_open(wp_atomic_file *f, const char *path, mode_t mode, wp_error **err);
/* fsyncs, closes, renames over the final path and fsyncs the directory. */
int wp_atomic_file_commit(wp_atomic_file *f, wp_error **err);
/* Commit under another name (e.g. once the content's digest is known). */
int wp_atomic_file_commit_as(wp_atomic_file *f, const char *path, wp_error **err);
/* Closes and removes the temporary file; a no-op after commit. Always safe. */
void wp_atomic_file_abort(wp_atomic_file *f);

/* Removes from dir the temporary files wp_atomic_file_open made there and
 * nobody committed (a process killed while writing): call it only while
 * holding a lock that makes the caller dir's one writer. */
void wp_atomic_file_sweep(const char *dir);

/* Writes all of data to a new file at path atomically. */
int wp_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
			 wp_error **err);

/* Writes all bytes, retrying short writes and EINTR; `what` names the file. */
int wp_write_all(int fd, const void *data, size_t len, const char *what, wp_error **err);
/* Reads up to len bytes, retrying short reads; *got < len only at EOF. */
int wp_read_full(int fd, void *data, size_t len, size_t *got, const char *what, wp_error **err);
/* pread variant of wp_read_full. */
int wp_pread_full(int fd, void *data, size_t len, uint64_t offset, size_t *got, const char *what,
		  wp_error **err);

/* Opens path for reading and fills *st: the descriptor, or a negative
 * code with "cannot open/stat" and the reason in err. */
int wp_open_read(const char *path, struct stat *st, wp_error **err);

/* Reads a whole regular file into out (which must be initialised; its max
 * applies: a bigger file fails with WP_ELIMIT naming the file). */
int wp_read_file(const char *path, wp_buf *out, wp_error **err);

/* mkdir -p; *created (optional) tells whether the last component was made. */
int wp_mkdir_p(const char *path, mode_t mode, bool *created, wp_error **err);
/* rm -rf without following symlinks; a missing path is not an error. */
int wp_remove_tree(const char *path, wp_error **err);
int wp_fsync_dir(const char *dir, wp_error **err);

/* The process umask, read without changing it for other threads' sake. */
mode_t wp_umask(void);

#endif
