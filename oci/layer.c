#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "layer.h"
#include "../lib/fileio.h"
#include "../lib/log.h"
#include "../lib/sink.h"
#include "../lib/str.h"
#include "../lib/common.h"

#define MAX_DEPTH 256

int wp_layer_normalize_path(const char *image_path, bool keep_slash, char **out, wp_error **err)
{
	_cleanup_free_ char *rel = NULL;
	size_t n;
	const char *c;

	if (image_path[0] != '/')
		return wp_error_set(err, WP_EINVALID, "image path \"%s\" must be absolute",
				    image_path);
	if (!(rel = strdup(image_path + 1)))
		return wp_error_oom(err);
	/* every component must be a real name; a final '/' ends the last one */
	c = rel;
	while (*c) {
		const char *slash = strchr(c, '/');
		size_t len = slash ? (size_t)(slash - c) : strlen(c);

		if (len == 0)
			return wp_error_set(err, WP_EINVALID,
					    "image path \"%s\" has an empty component", image_path);
		if ((len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
			return wp_error_set(err, WP_EINVALID,
					    "image path \"%s\" must not contain \".\" or \"..\"",
					    image_path);
		if (!slash)
			break;
		c = slash + 1;
	}
	n = strlen(rel);
	if (n && rel[n - 1] == '/' && !keep_slash)
		rel[--n] = '\0';
	*out = TAKE_PTR(rel);
	return 0;
}

static int plan_push(wp_layer_plan *p, const char *dest, const char *src, wp_tar_type type,
		     unsigned int mode, int64_t size, const char *link, wp_error **err)
{
	wp_layer_item *grown = realloc(p->items, (p->len + 1) * sizeof(*grown));
	wp_layer_item it = {0};

	if (!grown)
		return wp_error_oom(err);
	p->items = grown;
	if (!(it.dest = strdup(dest)) || (src && !(it.src = strdup(src))) ||
	    (link && !(it.link_target = strdup(link)))) {
		free(it.dest);
		free(it.src);
		return wp_error_oom(err);
	}
	it.type = type;
	it.mode = mode;
	it.size = size;
	p->items[p->len++] = it;
	return 0;
}

int wp_layer_plan_add_file(wp_layer_plan *p, const char *dest, const char *src, unsigned int mode,
			   wp_error **err)
{
	_cleanup_free_ char *rel = NULL;
	struct stat st;
	int r = wp_layer_normalize_path(dest, false, &rel, err);

	if (r < 0)
		return r;
	if (!*rel)
		return wp_error_set(err, WP_EINVALID, "image path \"%s\" names no file", dest);
	if (stat(src, &st) < 0)
		return wp_error_set_errno(err, errno, "cannot read \"%s\"", src);
	if (!S_ISREG(st.st_mode))
		return wp_error_set(err, WP_EINVALID, "\"%s\" is not a regular file", src);
	return plan_push(p, rel, src, WP_TAR_FILE, mode, (int64_t)st.st_size, NULL, err);
}

int wp_layer_plan_add_dir(wp_layer_plan *p, const char *dest, wp_error **err)
{
	_cleanup_free_ char *rel = NULL;
	int r = wp_layer_normalize_path(dest, false, &rel, err);

	if (r < 0)
		return r;
	if (!*rel)
		return 0; /* the root is always there */
	return plan_push(p, rel, NULL, WP_TAR_DIR, 0755, 0, NULL, err);
}

static unsigned int file_mode(mode_t m)
{
	return (m & 0111) ? 0755 : 0644;
}

static int add_tree(wp_layer_plan *p, const char *rel, const char *src, int depth, wp_error **err)
{
	DIR *d;
	struct dirent *e;
	int r = 0;

	if (depth > MAX_DEPTH)
		return wp_error_set(err, WP_ELIMIT, "\"%s\": directories nested deeper than %d",
				    src, MAX_DEPTH);
	if (*rel && (r = plan_push(p, rel, NULL, WP_TAR_DIR, 0755, 0, NULL, err)) < 0)
		return r;
	if (!(d = opendir(src)))
		return wp_error_set_errno(err, errno, "cannot read directory \"%s\"", src);
	while (r == 0 && (errno = 0, e = readdir(d))) {
		_cleanup_free_ char *child_src = NULL, *child_rel = NULL;
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		child_src = wp_path_join(src, e->d_name);
		child_rel = *rel ? wp_path_join(rel, e->d_name) : strdup(e->d_name);
		if (!child_src || !child_rel) {
			r = wp_error_oom(err);
			break;
		}
		if (lstat(child_src, &st) < 0) {
			r = wp_error_set_errno(err, errno, "cannot read \"%s\"", child_src);
		} else if (S_ISDIR(st.st_mode)) {
			r = add_tree(p, child_rel, child_src, depth + 1, err);
		} else if (S_ISREG(st.st_mode)) {
			r = plan_push(p, child_rel, child_src, WP_TAR_FILE, file_mode(st.st_mode),
				      (int64_t)st.st_size, NULL, err);
		} else if (S_ISLNK(st.st_mode)) {
			char target[4096];
			ssize_t n = readlink(child_src, target, sizeof(target) - 1);

			if (n < 0) {
				r = wp_error_set_errno(err, errno, "cannot read link \"%s\"",
						       child_src);
			} else {
				target[n] = '\0';
				r = plan_push(p, child_rel, NULL, WP_TAR_SYMLINK, 0777, 0, target,
					      err);
			}
		} else {
			r = wp_error_set(
				err, WP_EINVALID,
				"cannot add \"%s\": not a regular file, directory or symlink",
				child_src);
		}
	}
	if (r == 0 && errno)
		r = wp_error_set_errno(err, errno, "cannot read directory \"%s\"", src);
	closedir(d);
	return r;
}

int wp_layer_plan_add_path(wp_layer_plan *p, const char *dest, const char *src, wp_error **err)
{
	_cleanup_free_ char *rel = NULL, *target = NULL;
	struct stat st;
	size_t n;
	int r;

	if (stat(src, &st) < 0)
		return wp_error_set_errno(err, errno, "cannot read \"%s\"", src);
	if ((r = wp_layer_normalize_path(dest, true, &rel, err)) < 0)
		return r;
	n = strlen(rel);
	if (S_ISDIR(st.st_mode)) {
		if (n && rel[n - 1] == '/')
			rel[n - 1] = '\0';
		return add_tree(p, rel, src, 0, err);
	}
	if (!S_ISREG(st.st_mode))
		return wp_error_set(err, WP_EINVALID,
				    "cannot add \"%s\": not a regular file or directory", src);
	if (n == 0 || rel[n - 1] == '/')
		target = wp_strdup_printf("%s%s", rel, wp_path_basename(src));
	else
		target = strdup(rel);
	if (!target)
		return wp_error_oom(err);
	return plan_push(p, target, src, WP_TAR_FILE, file_mode(st.st_mode), (int64_t)st.st_size,
			 NULL, err);
}

static int item_cmp(const void *a, const void *b)
{
	return strcmp(((const wp_layer_item *)a)->dest, ((const wp_layer_item *)b)->dest);
}

static const wp_layer_item *plan_find(const wp_layer_plan *p, const char *dest)
{
	for (size_t i = 0; i < p->len; i++)
		if (strcmp(p->items[i].dest, dest) == 0)
			return &p->items[i];
	return NULL;
}

int wp_layer_plan_finish(wp_layer_plan *p, wp_error **err)
{
	size_t n = p->len;
	int r;

	/* every parent directory gets an entry, as Docker's COPY makes them */
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *dir = strdup(p->items[i].dest);
		char *slash;

		if (!dir)
			return wp_error_oom(err);
		while ((slash = strrchr(dir, '/'))) {
			const wp_layer_item *parent;

			*slash = '\0';
			/* a file or symlink cannot hold entries: the layer would
			 * not extract, or would write through the link */
			if ((parent = plan_find(p, dir)) && parent->type != WP_TAR_DIR)
				return wp_error_set(
					err, WP_EEXISTS,
					"\"/%s\" would be both a %s and the directory of \"/%s\"",
					dir, parent->type == WP_TAR_SYMLINK ? "symlink" : "file",
					p->items[i].dest);
			if (parent)
				continue;
			if ((r = plan_push(p, dir, NULL, WP_TAR_DIR, 0755, 0, NULL, err)) < 0)
				return r;
		}
	}
	/* byte order puts every directory before its contents */
	qsort(p->items, p->len, sizeof(*p->items), item_cmp);
	for (size_t i = 1; i < p->len; i++) {
		const wp_layer_item *a = &p->items[i - 1], *b = &p->items[i];

		if (strcmp(a->dest, b->dest) != 0)
			continue;
		if (a->type == WP_TAR_DIR && b->type == WP_TAR_DIR)
			continue;
		return wp_error_set(err, WP_EEXISTS, "two files would be written to \"/%s\"%s%s%s",
				    a->dest, a->src || b->src ? " (from \"" : "",
				    a->src   ? a->src
				    : b->src ? b->src
					     : "",
				    a->src || b->src ? "\")" : "");
	}
	/* drop repeated directory entries, keeping the first */
	for (size_t i = 1; i < p->len;) {
		if (strcmp(p->items[i - 1].dest, p->items[i].dest) == 0) {
			free(p->items[i].dest);
			free(p->items[i].src);
			free(p->items[i].link_target);
			memmove(&p->items[i], &p->items[i + 1],
				(p->len - i - 1) * sizeof(*p->items));
			p->len--;
		} else {
			i++;
		}
	}
	return 0;
}

void wp_layer_plan_release(wp_layer_plan *p)
{
	for (size_t i = 0; i < p->len; i++) {
		free(p->items[i].dest);
		free(p->items[i].src);
		free(p->items[i].link_target);
	}
	free(p->items);
	p->items = NULL;
	p->len = 0;
}

/* Sends the uncompressed tar to the compressor and, optionally, a file. */
struct tee {
	wp_sink compressor;
	wp_fd_sink file;
	bool to_file;
};

static int tee_write(void *ctx, const void *data, size_t len, wp_error **err)
{
	struct tee *t = ctx;
	int r = wp_sink_write(&t->compressor, data, len, err);

	if (r == 0 && t->to_file)
		r = wp_fd_sink_write(&t->file, data, len, err);
	return r;
}

static int write_items(wp_tar_writer *tw, const wp_layer_plan *p, int64_t mtime, wp_error **err)
{
	for (size_t i = 0; i < p->len; i++) {
		const wp_layer_item *it = &p->items[i];
		wp_tar_entry e = {it->dest, it->type, it->mode, it->size, mtime, it->link_target};
		_cleanup_close_ int fd = -1;
		int r;

		if (it->type == WP_TAR_FILE) {
			fd = open(it->src, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				return wp_error_set_errno(err, errno, "cannot open \"%s\"",
							  it->src);
		}
		if ((r = wp_tar_writer_add_fd(tw, &e, fd, it->src, err)) < 0)
			return r;
	}
	return wp_tar_writer_finish(tw, err);
}

/* What fills a layer: a plan of files made into a tar, or a ready tar. */
struct layer_input {
	const wp_layer_plan *plan;
	int tar_fd;
	const char *tar_name;
};

static int produce(const struct layer_input *in, const wp_layer_options *o, wp_sink tar_sink,
		   wp_error **err)
{
	wp_tar_writer *tw = NULL;
	unsigned char *chunk;
	int r;

	if (in->plan) {
		r = wp_tar_writer_new(&tw, tar_sink, err);
		if (r == 0)
			r = write_items(tw, in->plan, o->mtime, err);
		wp_tar_writer_free(tw);
		return r;
	}
	if (!(chunk = malloc(256 * 1024)))
		return wp_error_oom(err);
	for (;;) {
		size_t got = 0;

		r = wp_read_full(in->tar_fd, chunk, 256 * 1024, &got, in->tar_name, err);
		if (r < 0 || got == 0)
			break;
		if ((r = wp_sink_write(&tar_sink, chunk, got, err)) < 0)
			break;
	}
	free(chunk);
	return r;
}

/* tar → diff_id hash → (tee) → compressor → digest hash → blob file */
static int write_layer(wp_layout *l, const struct layer_input *in, const wp_layer_options *o,
		       wp_layer_result *out, wp_error **err)
{
	wp_atomic_file blob = WP_ATOMIC_FILE_INIT;
	wp_fd_sink file = {-1, NULL};
	wp_hashing_sink stored = {0}, tar = {0};
	wp_compressor *comp = NULL;
	struct tee tee = {0};
	wp_layer_result res = {0};
	int r;

	if ((r = wp_layout_blob_begin(l, &blob, err)) < 0)
		return r;
	file.fd = blob.fd;
	file.what = blob.tmp_path;
	/* wire the pipeline from its end back to its start */
	r = wp_hashing_sink_init(&stored, wp_fd_sink_as_sink(&file), err);
	if (r == 0)
		r = wp_compressor_new(&comp, o->compression, o->level, o->threads,
				      wp_hashing_sink_as_sink(&stored), err);
	if (r == 0) {
		tee.compressor = wp_compressor_as_sink(comp);
		tee.to_file = o->tee_fd >= 0;
		tee.file.fd = o->tee_fd;
		tee.file.what = o->tee_name;
		r = wp_hashing_sink_init(&tar, (wp_sink){tee_write, &tee}, err);
	}
	if (r == 0)
		r = produce(in, o, wp_hashing_sink_as_sink(&tar), err);
	if (r == 0)
		r = wp_compressor_finish(comp, err);
	if (r == 0)
		r = wp_hashing_sink_final(&tar, res.diff_id, err);
	if (r == 0)
		r = wp_hashing_sink_final(&stored, res.digest, err);
	if (r == 0) {
		res.size = (int64_t)stored.size;
		res.uncompressed_size = (int64_t)tar.size;
		res.compression = o->compression;
		r = wp_layout_blob_commit(l, &blob, res.digest, res.size, err);
	}
	wp_compressor_free(comp);
	wp_hashing_sink_release(&tar);
	wp_hashing_sink_release(&stored);
	wp_atomic_file_abort(&blob);
	if (r == 0) {
		*out = res;
		wp_log_debug("layer %s: %" PRId64 " bytes (%s), diff_id %s", res.digest, res.size,
			     wp_compression_name(res.compression), res.diff_id);
	}
	return r;
}

int wp_layer_write(wp_layout *l, const wp_layer_plan *p, const wp_layer_options *o,
		   wp_layer_result *out, wp_error **err)
{
	struct layer_input in = {p, -1, NULL};

	return write_layer(l, &in, o, out, err);
}

int wp_layer_write_tar(wp_layout *l, int tar_fd, const char *tar_name, const wp_layer_options *o,
		       wp_layer_result *out, wp_error **err)
{
	struct layer_input in = {NULL, tar_fd, tar_name};

	return write_layer(l, &in, o, out, err);
}
