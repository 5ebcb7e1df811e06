/* Inside oci/extract: the layers read in order into the merged tree
 * (extract.c), for a target directory (extract_dir.c) or for one file
 * (extract_file.c). Not for use elsewhere. */
#ifndef WP_EXTRACT_INTERNAL_H
#define WP_EXTRACT_INTERNAL_H

#include "extract.h"
#include "layer_tree.h"
#include "../lib/tar_reader.h"

/* How a layer is named in messages. */
static inline const char *layer_name(const wp_extract_layer *l)
{
	return l->name ? l->name : l->path;
}

typedef enum wp_extract_kind {
	WP_EXTRACT_SKIP, /* the root itself, aufs metadata */
	WP_EXTRACT_DIR,
	WP_EXTRACT_FILE,
	WP_EXTRACT_SYMLINK,
	WP_EXTRACT_HARDLINK,
	WP_EXTRACT_WHITEOUT,
	WP_EXTRACT_OPAQUE,
	WP_EXTRACT_SPECIAL, /* device node, FIFO, socket */
} wp_extract_kind;

/* One tar entry, checked and normalised. */
typedef struct wp_extract_entry {
	wp_extract_kind kind;
	char *path;	  /* owned, normalised; whiteouts: the path they hide */
	char *target;	  /* hard links: the normalised target; owned */
	const char *link; /* symbolic links: the target; borrowed from the reader */
	const char *what; /* WP_EXTRACT_SPECIAL: which kind, plural */
	unsigned int mode;
	int64_t size;
} wp_extract_entry;

typedef struct wp_extract_ctx wp_extract_ctx;
struct wp_extract_ctx {
	wp_layer_tree tree;
	const wp_extract_layer *layers;
	size_t n_layers;
	uint64_t max_size;
	uint64_t max_total; /* of the files written to the target directory */
	uint64_t written;   /* so far */
	size_t max_entries;
	size_t entries; /* read so far, in all layers */
	/* extracting to a directory: called once the tree has taken each entry
	 * (with the reader at its data), and with each path a whiteout removes;
	 * NULL when only the tree is built */
	int (*on_entry)(wp_extract_ctx *x, const wp_extract_entry *e, wp_tar_reader *tr,
			wp_error **err);
	wp_tree_removed_fn on_remove;
	int root;	      /* the target directory, or -1 */
	unsigned int tmp_seq; /* for temporary names in it */
};

void wp_extract_ctx_init(wp_extract_ctx *x, const wp_extract_layer *layers, size_t n_layers,
			 const wp_extract_options *o);
void wp_extract_ctx_release(wp_extract_ctx *x);

/* o->max_size or the default. */
uint64_t wp_extract_max_size(const wp_extract_options *o);

/* Opens a layer, checking its media type against its content. */
int wp_extract_open_layer(wp_tar_reader *tr, const wp_extract_layer *l, wp_error **err);

/* Reads every layer in order into x->tree (and through x->on_entry). */
int wp_extract_apply_layers(wp_extract_ctx *x, wp_error **err);

#endif
