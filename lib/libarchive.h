/* libarchive, loaded on first use (dlopen). Linked normally it brings
 * libxml2, ICU, libstdc++ and six more libraries into every run: about
 * 1.4 ms and 3.5 MB before main(), for commands (validate, push, login)
 * that never touch a tar file.
 *
 * Call wp_libarchive_load() before anything else; afterwards the functions
 * are reached through wp_la, with libarchive's own names and types:
 * wp_la.archive_write_new(). */
#ifndef WP_LIBARCHIVE_H
#define WP_LIBARCHIVE_H

#include <archive.h>
#include <archive_entry.h>

#include "error.h"

#define WP_LIBARCHIVE_FUNCTIONS(X)                 \
	X(archive_version_string)                  \
	X(archive_error_string)                    \
	X(archive_write_new)                       \
	X(archive_write_set_format_pax_restricted) \
	X(archive_write_set_bytes_per_block)       \
	X(archive_write_set_bytes_in_last_block)   \
	X(archive_write_open2)                     \
	X(archive_write_header)                    \
	X(archive_write_data)                      \
	X(archive_write_close)                     \
	X(archive_write_free)                      \
	X(archive_read_new)                        \
	X(archive_read_support_format_tar)         \
	X(archive_read_support_filter_all)         \
	X(archive_read_support_filter_gzip)        \
	X(archive_read_support_filter_zstd)        \
	X(archive_read_open_fd)                    \
	X(archive_read_next_header)                \
	X(archive_read_data)                       \
	X(archive_read_free)                       \
	X(archive_entry_new)                       \
	X(archive_entry_free)                      \
	X(archive_entry_pathname)                  \
	X(archive_entry_filetype)                  \
	X(archive_entry_perm)                      \
	X(archive_entry_size)                      \
	X(archive_entry_symlink)                   \
	X(archive_entry_hardlink)                  \
	X(archive_entry_set_pathname)              \
	X(archive_entry_set_uid)                   \
	X(archive_entry_set_gid)                   \
	X(archive_entry_set_mtime)                 \
	X(archive_entry_set_filetype)              \
	X(archive_entry_set_size)                  \
	X(archive_entry_set_symlink)               \
	X(archive_entry_set_perm)

typedef struct wp_libarchive {
#define WP_LA_MEMBER(f) __typeof__(f) *f;
	WP_LIBARCHIVE_FUNCTIONS(WP_LA_MEMBER)
#undef WP_LA_MEMBER
} wp_libarchive;

/* Filled by the first successful wp_libarchive_load(). */
extern wp_libarchive wp_la;

/* Loads libarchive once (thread-safe); 0, or an error saying what to
 * install. */
int wp_libarchive_load(wp_error **err);

#endif
