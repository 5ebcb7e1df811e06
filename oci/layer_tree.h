/* The merged view of a stack of image layers (OCI image-spec, layer.md):
 * what each path is once the layers are applied in order and, for a file,
 * which layer entry holds its content. No file data is kept.
 *
 * A later layer replaces what a lower one put at a path, except that a
 * directory over a directory merges. A whiteout ".wh.NAME" hides NAME as
 * the lower layers left it; an opaque whiteout ".wh..wh..opq" hides all
 * that the lower layers put in its directory. Either applies wherever it
 * stands in its layer and never to entries of its own layer.
 *
 * Paths are relative and '/'-separated, with no empty, "." or ".."
 * components (wp_layer_tree_normalize makes them from tar entry names);
 * "" is the root. */
#ifndef WP_LAYER_TREE_H
#define WP_LAYER_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "../lib/error.h"

#define WP_LAYER_TREE_PATH_MAX 4095	   /* bytes in a path (Linux's PATH_MAX - 1) */
#define WP_LAYER_TREE_DEPTH_MAX 256	   /* components in a path */
#define WP_LAYER_TREE_NODES_MAX (1u << 22) /* paths in the tree at once */
#define WP_LAYER_TREE_SYMLINK_HOPS 40	   /* as Linux */

typedef enum wp_tree_kind {
	WP_TREE_DIR,
	WP_TREE_FILE,
	WP_TREE_SYMLINK,
	WP_TREE_OTHER, /* a device node, FIFO or socket: it only takes its path */
} wp_tree_kind;

typedef struct wp_tree_node wp_tree_node;
struct wp_tree_node {
	char *name; /* owned; "" for the root */
	wp_tree_kind kind;
	unsigned int mode; /* permission bits */
	char *link;	   /* symbolic links: the target as stored; owned */
	int64_t size;	   /* files */
	/* files: the layer and the entry in it (from 0) holding the content;
	 * for a hard link, those of the file it links to */
	size_t data_layer, data_entry;
	size_t layer; /* the last layer that put this node or anything below it */
	uint64_t hash;
	wp_tree_node *parent, *children, *next, *prev; /* the tree */
	wp_tree_node *hnext;			       /* the index by (parent, name) */
};

typedef struct wp_layer_tree {
	wp_tree_node root;
	wp_tree_node **buckets; /* owned */
	size_t n_buckets, n_nodes;
	size_t layer; /* the layer being applied */
} wp_layer_tree;

/* What one entry of the current layer puts at its path. */
typedef struct wp_tree_entry {
	wp_tree_kind kind;
	unsigned int mode;
	const char *link;  /* symbolic links */
	int64_t size;	   /* files */
	size_t data_entry; /* files: the entry's index in its layer */
} wp_tree_entry;

/* An empty tree: only the root directory. */
void wp_layer_tree_init(wp_layer_tree *t);
void wp_layer_tree_release(wp_layer_tree *t);

/* Turns a tar entry name into a tree path (*out, owned): a leading "./",
 * empty and "." components and a final '/' go. An absolute name, a ".."
 * component, a directory named like a whiteout (".wh.*") and a path over
 * the limits above are WP_EINVALID, with the reason as the message. */
int wp_layer_tree_normalize(const char *name, char **out, wp_error **err);

/* Starts applying layer `layer` (0, then increasing). */
void wp_layer_tree_begin_layer(wp_layer_tree *t, size_t layer);

/* Puts an entry of the current layer at path (not the root), making missing
 * parent directories (mode 0755). A parent that is a symbolic link or not a
 * directory is WP_EINVALID: nothing is ever put through a link. */
int wp_layer_tree_put(wp_layer_tree *t, const char *path, const wp_tree_entry *e, wp_error **err);

/* Puts a hard link at path to the node at target, which must be in the tree
 * already (WP_ENOTFOUND; its parents are never followed if they are links)
 * and must not be a directory (WP_EINVALID). */
int wp_layer_tree_link(wp_layer_tree *t, const char *path, const char *target, wp_error **err);

/* Called with each topmost path a whiteout removes, before it goes. */
typedef int (*wp_tree_removed_fn)(void *ctx, const char *path, wp_error **err);

/* Applies a whiteout of the current layer found in directory dir (made when
 * missing, as for wp_layer_tree_put): it hides name there or, when name is
 * NULL, every child of dir, as far as lower layers put them. removed may be
 * NULL. */
int wp_layer_tree_whiteout(wp_layer_tree *t, const char *dir, const char *name,
			   wp_tree_removed_fn removed, void *ctx, wp_error **err);

/* The node at path (absolute or relative to the root, any form), following
 * symbolic links as they would be inside the image: an absolute target
 * starts again at the image root and ".." stops there, so nothing outside
 * the layers is ever named. WP_ENOTFOUND when nothing is there; WP_EINVALID
 * after WP_LAYER_TREE_SYMLINK_HOPS links. *out is borrowed. */
int wp_layer_tree_resolve(const wp_layer_tree *t, const char *path, const wp_tree_node **out,
			  wp_error **err);

#endif
