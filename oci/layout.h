/* The OCI image layout backend (image-spec image-layout.md): a directory
 * with `oci-layout`, `index.json` and `blobs/<alg>/<hex>`.
 *
 * Writers hold an exclusive flock on the layout directory, taken before the
 * directory is checked or initialised, so concurrent builds into one layout
 * (even one that does not exist yet) serialise. Blobs are written to a
 * temporary name and renamed to their digest; one already present with the
 * right size is not rewritten.
 * `index.json` is replaced atomically and keeps every entry it does not
 * replace. Each tag is one index entry annotated with
 * org.opencontainers.image.ref.name = the tag (what skopeo `oci:DIR:TAG` and
 * umoci `--image DIR:TAG` read) and io.containerd.image.name = the full name
 * (what containerd, docker load and wasmpack read), as BuildKit writes. */
#ifndef WP_LAYOUT_H
#define WP_LAYOUT_H

#include <stdbool.h>
#include <stdint.h>

#include "../lib/buf.h"
#include "../lib/error.h"
#include "../lib/fileio.h"
#include "descriptor.h"

typedef struct wp_layout wp_layout;

typedef enum wp_layout_mode {
	WP_LAYOUT_READ,	 /* must exist; shared lock */
	WP_LAYOUT_WRITE, /* created when missing; exclusive lock */
} wp_layout_mode;

int wp_layout_open(wp_layout **out, const char *dir, wp_layout_mode mode, wp_error **err);
/* Unlocks and frees; does not undo anything (see wp_layout_rollback). */
void wp_layout_close(wp_layout *l);
/* Removes the blobs this handle wrote and, when it created the directory,
 * the directory itself: nothing half-written stays behind after a failure. */
void wp_layout_rollback(wp_layout *l);
const char *wp_layout_dir(const wp_layout *l);

/* The path of a blob; owned, NULL when out of memory. */
char *wp_layout_blob_path(const wp_layout *l, const char *digest);
bool wp_layout_has_blob(const wp_layout *l, const char *digest, int64_t size);

/* Streams a blob: begin gives a temporary file in the blobs directory;
 * commit moves it to its digest (or drops it when an identical blob is
 * already there). The caller computes digest and size while writing. */
int wp_layout_blob_begin(wp_layout *l, wp_atomic_file *f, wp_error **err);
int wp_layout_blob_commit(wp_layout *l, wp_atomic_file *f, const char *digest, int64_t size,
			  wp_error **err);
/* Stores bytes as a blob and returns its digest. */
int wp_layout_put_blob(wp_layout *l, const void *data, size_t len, char digest[WP_DIGEST_SIZE],
		       wp_error **err);
/* Stores a file's bytes as a blob, streamed (never whole in memory); its
 * digest and size in the out parameters. */
int wp_layout_put_file(wp_layout *l, const char *path, char digest[WP_DIGEST_SIZE], int64_t *size,
		       wp_error **err);
/* Reads a blob (at most out->max bytes) and checks its digest. */
int wp_layout_read_blob(const wp_layout *l, const char *digest, wp_buf *out, wp_error **err);

typedef struct wp_layout_tag {
	const char *ref_name;	/* "v1" */
	const char *image_name; /* "docker.io/library/hello:v1" */
} wp_layout_tag;

/* Points each tag at the manifest described by desc, replacing entries of
 * the same image name (or, for entries without one, the same ref name). An
 * entry of another image that holds the same ref name keeps its image name
 * but loses the ref name, so ref names stay unique. */
int wp_layout_add_tags(wp_layout *l, const wp_descriptor *desc, const wp_layout_tag *tags, size_t n,
		       wp_error **err);

/* Every entry of index.json, in order (annotations included). */
int wp_layout_list(const wp_layout *l, wp_descriptor **out, size_t *n, wp_error **err);
void wp_descriptors_free(wp_descriptor *d, size_t n);

/* Finds a manifest by full image name, by ref name, or by digest. */
int wp_layout_find(const wp_layout *l, const char *name, wp_descriptor *out, wp_error **err);

#endif
