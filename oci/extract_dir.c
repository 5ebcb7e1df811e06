#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "extract_internal.h"
#include "../lib/dirfd.h"
#include "../lib/common.h"

#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
#define TMP_NAME_SIZE 32

/* Calls create(dir, name, arg) with fresh temporary names until one is not
 * taken; the name used is left in tmp. */
static int make_tmp(wp_extract_ctx *x, int dir, char tmp[TMP_NAME_SIZE],
		    int (*create)(int dir, const char *name, const void *arg), const void *arg,
		    wp_error **err)
{
	int r;

	do {
		snprintf(tmp, TMP_NAME_SIZE, ".wp-extract-%u", x->tmp_seq++);
		r = create(dir, tmp, arg);
	} while (r < 0 && errno == EEXIST);
	if (r < 0)
		return wp_error_set_errno(err, errno, "cannot create a file");
	return r;
}

static int create_file(int dir, const char *name, const void *arg)
{
	(void)arg;
	return openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
}

static int create_symlink(int dir, const char *name, const void *target)
{
	return symlinkat(target, dir, name);
}

typedef struct link_source {
	int dir;
	const char *name;
} link_source;

static int create_link(int dir, const char *name, const void *arg)
{
	const link_source *src = arg;

	/* flags 0: a symbolic link is linked itself, never followed */
	return linkat(src->dir, src->name, dir, name, 0);
}

/* Moves tmp over name in dir, removing a directory there first (rename
 * replaces anything else, a symbolic link included, without following). */
static int place(int dir, const char *tmp, const char *name, wp_error **err)
{
	struct stat st;
	int r = 0;

	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
		r = wp_dirfd_remove(dir, name, err);
	if (r == 0 && renameat(dir, tmp, dir, name) < 0)
		r = wp_error_set_errno(err, errno, "cannot rename a temporary file");
	if (r < 0)
		unlinkat(dir, tmp, 0);
	return r;
}

static int disk_dir(int dir, const char *name, wp_error **err)
{
	struct stat st;

	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISDIR(st.st_mode))
			return 0;
		if (unlinkat(dir, name, 0) < 0)
			return wp_error_set_errno(err, errno, "cannot remove what was there");
	}
	/* owner-writable until set_modes gives it its own mode */
	if (mkdirat(dir, name, 0700) < 0)
		return wp_error_set_errno(err, errno, "cannot make the directory");
	return 0;
}

static int disk_file(wp_extract_ctx *x, int dir, const char *name, const wp_extract_entry *e,
		     wp_tar_reader *tr, wp_error **err)
{
	char tmp[TMP_NAME_SIZE];
	_cleanup_close_ int fd = make_tmp(x, dir, tmp, create_file, NULL, err);
	int r;

	if (fd < 0)
		return fd;
	r = wp_tar_reader_copy(tr, fd, x->max_size, e->path, NULL, err);
	if (r == 0 && fchmod(fd, e->mode) < 0)
		r = wp_error_set_errno(err, errno, "cannot set the mode");
	if (r == 0 && close(TAKE_FD(fd)) < 0)
		r = wp_error_set_errno(err, errno, "cannot write the file");
	if (r < 0) {
		unlinkat(dir, tmp, 0);
		return r;
	}
	return place(dir, tmp, name, err);
}

static int disk_symlink(wp_extract_ctx *x, int dir, const char *name, const wp_extract_entry *e,
			wp_error **err)
{
	char tmp[TMP_NAME_SIZE];
	int r = make_tmp(x, dir, tmp, create_symlink, e->link, err);

	return r < 0 ? r : place(dir, tmp, name, err);
}

static int disk_hardlink(wp_extract_ctx *x, int dir, const char *name, const wp_extract_entry *e,
			 wp_error **err)
{
	_cleanup_close_ int src_dir = -1;
	link_source src;
	struct stat a, b;
	char tmp[TMP_NAME_SIZE];
	int r;

	if ((r = wp_dirfd_open_parent(x->root, e->target, false, &src_dir, &src.name, err)) < 0)
		return r;
	src.dir = src_dir;
	/* already the same file: a rename would do nothing and leave tmp */
	if (fstatat(dir, name, &a, AT_SYMLINK_NOFOLLOW) == 0 &&
	    fstatat(src.dir, src.name, &b, AT_SYMLINK_NOFOLLOW) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino)
		return 0;
	if ((r = make_tmp(x, dir, tmp, create_link, &src, err)) < 0)
		return r;
	return place(dir, tmp, name, err);
}

/* on_entry: makes on disk what the tree now has for e; for a whiteout,
 * that is only its directory, which the tree has too. Every entry is held
 * to the limit before anything of it is written. */
static int disk_apply(wp_extract_ctx *x, const wp_extract_entry *e, wp_tar_reader *tr,
		      wp_error **err)
{
	_cleanup_close_ int dir = -1;
	const char *name;
	int r;

	if ((uint64_t)e->size > x->max_size)
		return wp_error_set(err, WP_ELIMIT,
				    "refused: it declares %" PRId64
				    " bytes, over the limit of %" PRIu64,
				    e->size, x->max_size);
	if (e->kind == WP_EXTRACT_SPECIAL)
		return wp_error_set(err, WP_EUNSUPPORTED, "refused: %s are not extracted", e->what);
	/* a file later layers replace was written all the same */
	if (e->kind == WP_EXTRACT_FILE) {
		if ((uint64_t)e->size > x->max_total - x->written)
			return wp_error_set(err, WP_ELIMIT,
					    "refused: with its %" PRId64
					    " bytes the layers would write more than %" PRIu64
					    " bytes in all",
					    e->size, x->max_total);
		x->written += (uint64_t)e->size;
	}
	if ((r = wp_dirfd_open_parent(x->root, e->path, true, &dir, &name, err)) < 0)
		return r;
	switch (e->kind) {
	case WP_EXTRACT_DIR:
		return disk_dir(dir, name, err);
	case WP_EXTRACT_FILE:
		return disk_file(x, dir, name, e, tr, err);
	case WP_EXTRACT_SYMLINK:
		return disk_symlink(x, dir, name, e, err);
	case WP_EXTRACT_HARDLINK:
		return disk_hardlink(x, dir, name, e, err);
	default:
		return 0;
	}
}

/* wp_tree_removed_fn: a whiteout removes path on disk too. */
static int disk_remove(void *ctx, const char *path, wp_error **err)
{
	wp_extract_ctx *x = ctx;
	_cleanup_close_ int dir = -1;
	const char *name;
	int r;

	if ((r = wp_dirfd_open_parent(x->root, path, false, &dir, &name, err)) < 0)
		return r;
	return wp_dirfd_remove(dir, name, err);
}

/* Gives every directory below dir its mode, deepest first. */
static int set_modes(int fd, const wp_tree_node *dir, wp_error **err)
{
	const wp_tree_node *c;
	int r = 0;

	for (c = dir->children; c && r == 0; c = c->next) {
		int sub;

		if (c->kind != WP_TREE_DIR)
			continue;
		if ((sub = openat(fd, c->name, DIR_FLAGS)) < 0)
			return wp_error_set_errno(err, errno, "cannot open directory \"%s\"",
						  c->name);
		r = set_modes(sub, c, err);
		if (r == 0 && fchmod(sub, c->mode) < 0)
			r = wp_error_set_errno(err, errno, "cannot set the mode of \"%s\"",
					       c->name);
		close(sub);
	}
	return r;
}

/* Opens dir for extraction: made (*created) or existing and empty. */
static int open_target(const char *dir, bool *created, int *out, wp_error **err)
{
	_cleanup_close_ int fd = -1, list_fd = -1;
	DIR *d;
	struct dirent *e;
	bool empty = true;

	*created = mkdir(dir, 0755) == 0;
	if (!*created && errno != EEXIST)
		return wp_error_set_errno(err, errno, "cannot make directory \"%s\"", dir);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return wp_error_set_errno(err, errno, "cannot open directory \"%s\"", dir);
	if ((list_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0 || !(d = fdopendir(list_fd)))
		return wp_error_set_errno(err, errno, "cannot list directory \"%s\"", dir);
	list_fd = -1; /* closedir closes it */
	while (empty && (e = readdir(d)))
		empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
	closedir(d);
	if (!empty)
		return wp_error_set(err, WP_EEXISTS,
				    "\"%s\" is not empty; extract into a new or empty directory",
				    dir);
	*out = TAKE_FD(fd);
	return 0;
}

int wp_extract_layers(const char *dir, const wp_extract_layer *layers, size_t n_layers,
		      const wp_extract_options *o, wp_error **err)
{
	wp_extract_ctx x;
	bool created = false;
	int r;

	wp_extract_ctx_init(&x, layers, n_layers, o);
	x.on_entry = disk_apply;
	x.on_remove = disk_remove;
	r = open_target(dir, &created, &x.root, err);
	if (r == 0)
		r = wp_extract_apply_layers(&x, err);
	if (r == 0 && (r = set_modes(x.root, &x.tree.root, err)) < 0)
		wp_error_prefix(err, "\"%s\"", dir);
	if (r < 0 && x.root >= 0)
		wp_dirfd_clear(x.root, NULL);
	if (x.root >= 0)
		close(x.root);
	if (r < 0 && created)
		rmdir(dir);
	wp_extract_ctx_release(&x);
	return r;
}
