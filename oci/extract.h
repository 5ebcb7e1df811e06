/* Safe extraction of image layers (OCI image-spec layer.md), for
 * `pull --extract DIR` and `pull --wasm FILE`.
 *
 * Layers are tar files, plain or compressed with gzip or zstd, given in
 * order from the bottom. A media type ending in "tar", "tar+gzip" or
 * "tar+zstd" (".tar.gzip" for Docker's) must match what the content's first
 * bytes say; with no media type or another one, the content decides.
 * Whiteouts and opaque directories apply as layer.md says (see
 * layer_tree.h) and are never written themselves.
 *
 * Entries that are refused, failing the whole call with a message naming
 * the layer, the entry and the reason: names that are absolute or have a
 * ".." component (a leading "./" is fine), anything put through a symbolic
 * link or through something else that is not a directory, hard links to a
 * path outside the layers, to one not extracted yet or to a directory,
 * device nodes, FIFOs and sockets, and entries declaring more than max_size
 * bytes (checked before anything of theirs is written). Also refused: more
 * than max_entries entries in all, and (wp_extract_layers) a
 * file that would take the bytes written past max_total. Symbolic links are
 * made with their target as stored, even an absolute one: they are never
 * followed while writing. */
#ifndef WP_EXTRACT_H
#define WP_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../lib/error.h"

#define WP_EXTRACT_MAX_SIZE_DEFAULT ((uint64_t)1 << 30)	 /* 1 GiB */
#define WP_EXTRACT_MAX_TOTAL_DEFAULT ((uint64_t)8 << 30) /* 8 GiB */
/* tar entries in all the layers, whiteouts included: what a layer of
 * millions of empty entries would cost is memory for the merged tree */
#define WP_EXTRACT_MAX_ENTRIES_DEFAULT 1000000

typedef struct wp_extract_layer {
	const char *path;	/* the layer blob on disk */
	const char *media_type; /* from its descriptor; NULL when unknown */
	const char *name;	/* for messages (its digest); NULL: the path */
} wp_extract_layer;

typedef struct wp_extract_options {
	uint64_t max_size;  /* largest entry in bytes; 0: WP_EXTRACT_MAX_SIZE_DEFAULT */
	uint64_t max_total; /* wp_extract_layers: bytes of all the files it writes,
			     * each counted as written; 0: WP_EXTRACT_MAX_TOTAL_DEFAULT */
	size_t max_entries; /* tar entries in all layers; 0: WP_EXTRACT_MAX_ENTRIES_DEFAULT */
	bool wasm;	    /* wp_extract_file, wp_extract_blob: refuse what is not "\0asm" */
} wp_extract_options;

/* Applies the layers in order to dir, which must be missing (it is made)
 * or empty: everything in it afterwards comes from the layers, and a
 * whiteout can only remove what an earlier layer put there.
 *
 * Every file is made beneath an open descriptor of dir, one path component
 * at a time, never following a symbolic link. Regular files are written to a
 * temporary name in their directory and renamed into place. Permission bits
 * are kept as the entries give them, masked to 0777 (no setuid, setgid or
 * sticky bit); directories get theirs once everything is written, so a
 * read-only one can still be filled. Ownership and times are not restored.
 *
 * On failure everything this call made in dir is removed, and dir itself
 * when the call made it: dir is left as it was. o may be NULL. */
int wp_extract_layers(const char *dir, const wp_extract_layer *layers, size_t n_layers,
		      const wp_extract_options *o, wp_error **err);

/* Writes to out_path the regular file found at path ("/app/x.wasm", or
 * relative to the image root) in the merged view of the layers, without
 * extracting anything else: symbolic links on the way are followed inside
 * the image (an absolute target starts at the image root, ".." stops at it,
 * at most 40 links), never on the host. The layers are read twice: once for
 * the names, once for the file's content. Refused entries are refused here
 * too, except device nodes, FIFOs and sockets, which only hide what lower
 * layers had at their path; max_size holds for that file only, as nothing
 * else is written. With o->wasm, the file must start with "\0asm".
 * out_path is written to a temporary name and renamed over when complete;
 * on failure it is left as it was. */
int wp_extract_file(const char *out_path, const wp_extract_layer *layers, size_t n_layers,
		    const char *path, const wp_extract_options *o, wp_error **err);

/* Copies a layer blob that is the module itself (media type
 * "application/wasm") to out_path the same way, with the same limit and,
 * with o->wasm, the same check. */
int wp_extract_blob(const char *out_path, const char *blob, const wp_extract_options *o,
		    wp_error **err);

#endif
