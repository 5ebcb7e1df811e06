/* Layer writer: turns a plan of files into a tar layer blob in a layout,
 * streaming file → tar → (diff_id hash) → compressor → (digest hash) →
 * temporary blob file, so neither the module nor the layer is ever held in
 * memory. Every entry is normalised: uid/gid 0, no user or group names, one
 * mtime for all, modes 0755 (directories, executables) or 0644. */
#ifndef WP_LAYER_H
#define WP_LAYER_H

#include <stdint.h>

#include "../lib/compress.h"
#include "../lib/digest.h"
#include "../lib/error.h"
#include "../lib/tar_writer.h"
#include "layout.h"

typedef struct wp_layer_item {
	char *dest; /* relative path inside the layer, no leading '/' */
	char *src;  /* host path of a file; NULL otherwise */
	wp_tar_type type;
	unsigned int mode;
	int64_t size;
	char *link_target;
} wp_layer_item;

typedef struct wp_layer_plan {
	wp_layer_item *items;
	size_t len;
} wp_layer_plan;

/* Normalises an absolute image path ("/app/x.wasm") to the relative form a
 * layer holds ("app/x.wasm"); refuses "..", "." and empty components. A final
 * '/' is kept as a marker of "into this directory" when keep_slash is set. */
int wp_layer_normalize_path(const char *image_path, bool keep_slash, char **out, wp_error **err);

/* Adds one regular file at dest (an absolute image path) with `mode`. */
int wp_layer_plan_add_file(wp_layer_plan *p, const char *dest, const char *src, unsigned int mode,
			   wp_error **err);
/* Docker COPY semantics: a directory's contents go under dest; a file goes
 * to dest, or into it when dest ends with '/'. Symlinks inside a directory
 * are kept as symlinks; devices, FIFOs and sockets are refused. */
int wp_layer_plan_add_path(wp_layer_plan *p, const char *dest, const char *src, wp_error **err);
/* Adds a directory (0755) at dest, an absolute image path; "/" adds nothing. */
int wp_layer_plan_add_dir(wp_layer_plan *p, const char *dest, wp_error **err);
/* Adds missing parent directories, sorts, refuses two entries at one path. */
int wp_layer_plan_finish(wp_layer_plan *p, wp_error **err);
void wp_layer_plan_release(wp_layer_plan *p);

typedef struct wp_layer_options {
	wp_compression compression;
	int level;     /* 0: the format's default */
	int threads;   /* 0: one per CPU */
	int64_t mtime; /* for every entry */
	int tee_fd;    /* >= 0: the uncompressed tar is also written here */
	const char *tee_name;
} wp_layer_options;

typedef struct wp_layer_result {
	char digest[WP_DIGEST_SIZE];  /* of the blob as stored */
	char diff_id[WP_DIGEST_SIZE]; /* of the uncompressed tar */
	int64_t size;
	int64_t uncompressed_size;
	wp_compression compression;
} wp_layer_result;

int wp_layer_write(wp_layout *l, const wp_layer_plan *p, const wp_layer_options *o,
		   wp_layer_result *out, wp_error **err);
/* The same pipeline for a tar that already exists (a docker-archive layer):
 * reads tar_fd to its end; the diff_id is the digest of what was read. */
int wp_layer_write_tar(wp_layout *l, int tar_fd, const char *tar_name, const wp_layer_options *o,
		       wp_layer_result *out, wp_error **err);

#endif
