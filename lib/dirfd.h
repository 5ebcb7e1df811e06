/* Working beneath a directory descriptor without following symbolic links:
 * a path is walked one component at a time with O_NOFOLLOW | O_DIRECTORY,
 * so names taken from an archive cannot make a write land outside the
 * directory, whatever links an earlier entry left behind. Paths are
 * relative and '/'-separated, without empty, "." or ".." components. */
#ifndef WP_DIRFD_H
#define WP_DIRFD_H

#include <stdbool.h>

#include "error.h"

/* Opens the directory holding the last component of path beneath root:
 * *out gets an owned descriptor, *base points into path at that component.
 * Missing directories are made (mode 0700) when create is set. A component
 * that is a symbolic link or not a directory is WP_EINVALID, a missing one
 * WP_ENOTFOUND; the message names the component. */
int wp_dirfd_open_parent(int root, const char *path, bool create, int *out, const char **base,
			 wp_error **err);

/* Removes name in dir and, for a directory, everything below it (making a
 * read-only directory writable first). Symbolic links are removed, never
 * followed; a missing name is not an error. */
int wp_dirfd_remove(int dir, const char *name, wp_error **err);

/* Removes everything in dir, keeping dir itself. */
int wp_dirfd_clear(int dir, wp_error **err);

#endif
