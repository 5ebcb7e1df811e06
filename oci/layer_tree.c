#include <limits.h>

#include "layer_tree.h"
#include "../lib/str.h"
#include "../lib/common.h"

#define WHITEOUT_PREFIX ".wh."

void wp_layer_tree_init(wp_layer_tree *t)
{
	memset(t, 0, sizeof(*t));
	t->root.name = "";
	t->root.kind = WP_TREE_DIR;
	t->root.mode = 0755;
}

static uint64_t key_hash(const wp_tree_node *parent, const char *name, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull ^ ((uintptr_t)parent * 0x9e3779b97f4a7c15ull);

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)name[i]) * 0x100000001b3ull;
	return h;
}

static wp_tree_node *child(const wp_layer_tree *t, const wp_tree_node *dir, const char *name,
			   size_t len)
{
	uint64_t h = key_hash(dir, name, len);
	wp_tree_node *n;

	if (!t->n_buckets)
		return NULL;
	for (n = t->buckets[h & (t->n_buckets - 1)]; n; n = n->hnext)
		if (n->hash == h && n->parent == dir && strlen(n->name) == len &&
		    memcmp(n->name, name, len) == 0)
			return n;
	return NULL;
}

/* Doubles the index when it is full (one node a bucket on average). */
static int grow_index(wp_layer_tree *t, wp_error **err)
{
	size_t n = t->n_buckets ? t->n_buckets * 2 : 1024;
	wp_tree_node **b;

	if (t->n_nodes < t->n_buckets)
		return 0;
	if (!(b = calloc(n, sizeof(*b))))
		return wp_error_oom(err);
	for (size_t i = 0; i < t->n_buckets; i++) {
		wp_tree_node *node = t->buckets[i], *next;

		for (; node; node = next) {
			next = node->hnext;
			node->hnext = b[node->hash & (n - 1)];
			b[node->hash & (n - 1)] = node;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->n_buckets = n;
	return 0;
}

static int add_child(wp_layer_tree *t, wp_tree_node *dir, const char *name, size_t len,
		     wp_tree_kind kind, wp_tree_node **out, wp_error **err)
{
	wp_tree_node *n, **bucket;
	int r;

	if (t->n_nodes >= WP_LAYER_TREE_NODES_MAX)
		return wp_error_set(err, WP_ELIMIT, "the layers hold more than %u paths",
				    WP_LAYER_TREE_NODES_MAX);
	if ((r = grow_index(t, err)) < 0)
		return r;
	if (!(n = calloc(1, sizeof(*n))) || !(n->name = strndup(name, len))) {
		free(n);
		return wp_error_oom(err);
	}
	n->kind = kind;
	n->mode = kind == WP_TREE_DIR ? 0755 : 0644;
	n->layer = t->layer;
	n->parent = dir;
	n->hash = key_hash(dir, name, len);
	bucket = &t->buckets[n->hash & (t->n_buckets - 1)];
	n->hnext = *bucket;
	*bucket = n;
	n->next = dir->children;
	if (dir->children)
		dir->children->prev = n;
	dir->children = n;
	t->n_nodes++;
	*out = n;
	return 0;
}

/* Removes n and everything below it from the tree and frees them. */
static void drop(wp_layer_tree *t, wp_tree_node *n)
{
	wp_tree_node **p = &t->buckets[n->hash & (t->n_buckets - 1)];

	/* next is read before c is freed: the analyzer cannot tell that
	 * drop(t, c) takes c off n->children (c->parent is n) */
	for (wp_tree_node *c = n->children, *next; c; c = next) {
		next = c->next;
		drop(t, c);
	}
	while (*p != n)
		p = &(*p)->hnext;
	*p = n->hnext;
	if (n->prev)
		n->prev->next = n->next;
	else
		n->parent->children = n->next;
	if (n->next)
		n->next->prev = n->prev;
	t->n_nodes--;
	free(n->name);
	free(n->link);
	free(n);
}

void wp_layer_tree_release(wp_layer_tree *t)
{
	while (t->root.children)
		drop(t, t->root.children);
	free(t->buckets);
	wp_layer_tree_init(t);
}

void wp_layer_tree_begin_layer(wp_layer_tree *t, size_t layer)
{
	t->layer = layer;
}

int wp_layer_tree_normalize(const char *name, char **out, wp_error **err)
{
	_cleanup_free_ char *path = NULL;
	size_t len = 0, depth = 0;
	bool after_whiteout = false;
	const char *c;

	if (!name || !*name)
		return wp_error_set(err, WP_EINVALID, "refused: the entry has no name");
	if (name[0] == '/')
		return wp_error_set(err, WP_EINVALID, "refused: absolute paths are not extracted");
	if (!(path = malloc(strlen(name) + 1)))
		return wp_error_oom(err);
	for (c = name; *c;) {
		size_t n = strcspn(c, "/");

		if (n == 2 && c[0] == '.' && c[1] == '.')
			return wp_error_set(err, WP_EINVALID,
					    "refused: the path goes up with \"..\"");
		if (n > NAME_MAX)
			return wp_error_set(err, WP_EINVALID,
					    "refused: a name is longer than %d bytes", NAME_MAX);
		if (n > 1 || (n == 1 && c[0] != '.')) {
			if (after_whiteout)
				return wp_error_set(
					err, WP_EINVALID,
					"refused: a whiteout name is used as a directory");
			if (++depth > WP_LAYER_TREE_DEPTH_MAX)
				return wp_error_set(err, WP_EINVALID,
						    "refused: the path has more than %d components",
						    WP_LAYER_TREE_DEPTH_MAX);
			if (len)
				path[len++] = '/';
			memcpy(path + len, c, n);
			len += n;
			after_whiteout = n >= strlen(WHITEOUT_PREFIX) &&
					 memcmp(c, WHITEOUT_PREFIX, strlen(WHITEOUT_PREFIX)) == 0;
		}
		c += n;
		if (*c == '/')
			c++;
	}
	if (len > WP_LAYER_TREE_PATH_MAX)
		return wp_error_set(err, WP_EINVALID, "refused: the path is longer than %d bytes",
				    WP_LAYER_TREE_PATH_MAX);
	path[len] = '\0';
	*out = TAKE_PTR(path);
	return 0;
}

/* The directory at the first len bytes of path. For a change (create set),
 * missing directories are made and every one on the way is marked as put by
 * the current layer; otherwise a missing one is WP_ENOTFOUND. */
static int walk(wp_layer_tree *t, const char *path, size_t len, bool create, wp_tree_node **out,
		wp_error **err)
{
	wp_tree_node *dir = &t->root;
	size_t at = 0;

	while (at < len) {
		size_t n = strcspn(path + at, "/");
		wp_tree_node *c;
		int r;

		if (at + n > len)
			n = len - at;
		c = child(t, dir, path + at, n);
		if (!c && !create)
			return wp_error_set(err, WP_ENOTFOUND, "\"%.*s\" is not in the layers",
					    (int)(at + n), path);
		if (!c && (r = add_child(t, dir, path + at, n, WP_TREE_DIR, &c, err)) < 0)
			return r;
		if (c->kind == WP_TREE_SYMLINK)
			return wp_error_set(err, WP_EINVALID,
					    "refused: \"%.*s\" is a symbolic link, never followed",
					    (int)(at + n), path);
		if (c->kind != WP_TREE_DIR)
			return wp_error_set(err, WP_EINVALID,
					    "refused: \"%.*s\" is not a directory", (int)(at + n),
					    path);
		if (create)
			c->layer = t->layer;
		dir = c;
		at += n + 1;
	}
	*out = dir;
	return 0;
}

/* Splits path into the length of its directory part and its last name. */
static const char *split(const char *path, size_t *dir_len)
{
	const char *slash = strrchr(path, '/');

	*dir_len = slash ? (size_t)(slash - path) : 0;
	return slash ? slash + 1 : path;
}

static int put(wp_layer_tree *t, const char *path, const wp_tree_entry *e, size_t data_layer,
	       wp_error **err)
{
	size_t dir_len;
	const char *base = split(path, &dir_len);
	wp_tree_node *dir, *n;
	int r;

	if (!*base)
		return wp_error_set(err, WP_EINVALID, "the root cannot be replaced");
	if ((r = walk(t, path, dir_len, true, &dir, err)) < 0)
		return r;
	n = child(t, dir, base, strlen(base));
	if (n && !(n->kind == WP_TREE_DIR && e->kind == WP_TREE_DIR)) {
		drop(t, n);
		n = NULL;
	}
	if (!n && (r = add_child(t, dir, base, strlen(base), e->kind, &n, err)) < 0)
		return r;
	free(n->link);
	n->link = NULL;
	if (e->link && !(n->link = strdup(e->link)))
		return wp_error_oom(err);
	n->mode = e->mode & 0777;
	n->size = e->size;
	n->data_layer = data_layer;
	n->data_entry = e->data_entry;
	n->layer = t->layer;
	return 0;
}

int wp_layer_tree_put(wp_layer_tree *t, const char *path, const wp_tree_entry *e, wp_error **err)
{
	return put(t, path, e, t->layer, err);
}

int wp_layer_tree_link(wp_layer_tree *t, const char *path, const char *target, wp_error **err)
{
	_cleanup_free_ char *link = NULL;
	size_t dir_len;
	const char *base = split(target, &dir_len);
	wp_tree_node *dir, *n = NULL;
	wp_error *walk_err = NULL;
	wp_tree_entry e;
	int r;

	r = walk(t, target, dir_len, false, &dir, &walk_err);
	if (r < 0 && r != WP_ENOTFOUND) {
		wp_error_move(err, walk_err, r);
		return wp_error_prefix(err, "hard link to \"%s\"", target);
	}
	wp_error_free(walk_err);
	if (r < 0 || !*base || !(n = child(t, dir, base, strlen(base))))
		return wp_error_set(
			err, WP_ENOTFOUND,
			"refused: hard link to \"%s\", which is not in the layers so far", target);
	if (n->kind == WP_TREE_DIR)
		return wp_error_set(err, WP_EINVALID, "refused: hard link to directory \"%s\"",
				    target);
	/* copied first: putting at path may replace the target itself */
	if (n->link && !(link = strdup(n->link)))
		return wp_error_oom(err);
	e = (wp_tree_entry){n->kind, n->mode, link, n->size, n->data_entry};
	/* cppcheck-suppress memleak ; _cleanup_free_ frees link (cppcheck 2.10 does not run cleanup
	 * attributes) */
	return put(t, path, &e, n->data_layer, err);
}

/* Appends "/name" (just name at the root) to the path in buf. */
static int append(char *buf, size_t *len, const char *name, wp_error **err)
{
	size_t at = *len ? *len + 1 : 0, n = strlen(name);

	if (at + n > WP_LAYER_TREE_PATH_MAX)
		return wp_error_set(err, WP_ELIMIT, "a path below \"%.*s\" is too long", (int)*len,
				    buf);
	if (*len)
		buf[*len] = '/';
	memcpy(buf + at, name, n);
	buf[at + n] = '\0';
	*len = at + n;
	return 0;
}

static int remove_lower(wp_layer_tree *t, wp_tree_node *n, char *path, size_t len,
			wp_tree_removed_fn removed, void *ctx, wp_error **err);

/* remove_lower for every child of dir, whose path is path[0..len). */
static int remove_lower_children(wp_layer_tree *t, wp_tree_node *dir, char *path, size_t len,
				 wp_tree_removed_fn removed, void *ctx, wp_error **err)
{
	wp_tree_node *c, *next;
	int r = 0;

	for (c = dir->children; c && r == 0; c = next) {
		size_t c_len = len;

		next = c->next;
		if ((r = append(path, &c_len, c->name, err)) == 0)
			r = remove_lower(t, c, path, c_len, removed, ctx, err);
		path[len] = '\0';
	}
	return r;
}

/* Removes what lower layers put at n (whose path is path[0..len)): all of
 * it, or, below a directory the current layer put too, what they put there. */
static int remove_lower(wp_layer_tree *t, wp_tree_node *n, char *path, size_t len,
			wp_tree_removed_fn removed, void *ctx, wp_error **err)
{
	int r;

	if (n->layer == t->layer)
		return n->kind == WP_TREE_DIR
			       ? remove_lower_children(t, n, path, len, removed, ctx, err)
			       : 0;
	if (removed && (r = removed(ctx, path, err)) < 0)
		return r;
	drop(t, n);
	return 0;
}

int wp_layer_tree_whiteout(wp_layer_tree *t, const char *dir_path, const char *name,
			   wp_tree_removed_fn removed, void *ctx, wp_error **err)
{
	char path[WP_LAYER_TREE_PATH_MAX + 1];
	size_t len = strlen(dir_path);
	wp_tree_node *dir, *n;
	int r;

	if (len > WP_LAYER_TREE_PATH_MAX)
		return wp_error_set(err, WP_ELIMIT, "the path is too long");
	if ((r = walk(t, dir_path, len, true, &dir, err)) < 0)
		return r;
	memcpy(path, dir_path, len + 1);
	if (!name)
		return remove_lower_children(t, dir, path, len, removed, ctx, err);
	if (!(n = child(t, dir, name, strlen(name))))
		return 0;
	if ((r = append(path, &len, name, err)) < 0)
		return r;
	return remove_lower(t, n, path, len, removed, ctx, err);
}

int wp_layer_tree_resolve(const wp_layer_tree *t, const char *path, const wp_tree_node **out,
			  wp_error **err)
{
	_cleanup_free_ char *pending = strdup(path);
	const wp_tree_node *cur = &t->root;
	const char *p = pending;
	int hops = 0;

	if (!pending)
		return wp_error_oom(err);
	for (;;) {
		const wp_tree_node *c;
		size_t n;
		char *next;

		p += strspn(p, "/");
		if (!*p)
			break;
		n = strcspn(p, "/");
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) {
			/* ".." at the root stays there, as in the image */
			if (n == 2 && cur->parent)
				cur = cur->parent;
			p += n;
			continue;
		}
		if (!(c = child(t, cur, p, n)))
			return wp_error_set(err, WP_ENOTFOUND, "\"%s\" is not in the image", path);
		p += n;
		if (c->kind == WP_TREE_DIR) {
			cur = c;
			continue;
		}
		if (c->kind != WP_TREE_SYMLINK) {
			if (p[strspn(p, "/")])
				return wp_error_set(err, WP_ENOTFOUND,
						    "\"%s\" is not in the image (\"%s\" is not a "
						    "directory)",
						    path, c->name);
			cur = c;
			continue;
		}
		if (++hops > WP_LAYER_TREE_SYMLINK_HOPS)
			return wp_error_set(
				err, WP_EINVALID,
				"\"%s\": more than %d symbolic links on the way (a loop?)", path,
				WP_LAYER_TREE_SYMLINK_HOPS);
		/* the rest of the path now goes on from the link's target */
		if (!(next = wp_strdup_printf("%s/%s", c->link, p)))
			return wp_error_oom(err);
		if (c->link[0] == '/')
			cur = &t->root;
		free(pending);
		pending = next;
		p = pending;
	}
	*out = cur;
	return 0;
}
