#include <sys/stat.h>

#include "extract_internal.h"
#include "../lib/fileio.h"
#include "../lib/common.h"

#define OUT_CHUNK (256 * 1024)

typedef int (*read_fn)(void *src, void *buf, size_t len, size_t *got, wp_error **err);

static int read_tar(void *src, void *buf, size_t len, size_t *got, wp_error **err)
{
	return wp_tar_reader_read(src, buf, len, got, err);
}

typedef struct fd_source {
	int fd;
	const char *name;
} fd_source;

static int read_fd(void *src, void *buf, size_t len, size_t *got, wp_error **err)
{
	fd_source *s = src;

	return wp_read_full(s->fd, buf, len, got, s->name, err);
}

static int check_wasm(const unsigned char *head, size_t n, const char *shown, wp_error **err)
{
	if (n >= 4 && memcmp(head, "\0asm", 4) == 0)
		return 0;
	if (n < 4)
		return wp_error_set(err, WP_EINVALID,
				    "\"%s\": not a WebAssembly module (it has only %zu bytes)",
				    shown, n);
	return wp_error_set(err, WP_EINVALID,
			    "\"%s\": not a WebAssembly module (starts with %02x %02x %02x %02x)",
			    shown, head[0], head[1], head[2], head[3]);
}

/* Writes what read gives to out_path (temporary name, then rename); shown
 * names the source in errors. */
static int write_out(const char *out_path, const char *shown, read_fn read_chunk, void *src,
		     uint64_t max, bool wasm, wp_error **err)
{
	_cleanup_free_ unsigned char *chunk = malloc(OUT_CHUNK);
	wp_atomic_file f = WP_ATOMIC_FILE_INIT;
	uint64_t total = 0;
	size_t n = 0;
	int r = chunk ? wp_atomic_file_open(&f, out_path, 0644, err) : wp_error_oom(err);

	while (r == 0) {
		if ((r = read_chunk(src, chunk, OUT_CHUNK, &n, err)) < 0)
			break;
		if (total == 0 && wasm && (r = check_wasm(chunk, n, shown, err)) < 0)
			break;
		if (n > max - total) {
			r = wp_error_set(err, WP_ELIMIT,
					 "\"%s\" is over the limit of %" PRIu64 " bytes", shown,
					 max);
			break;
		}
		if ((r = wp_write_all(f.fd, chunk, n, out_path, err)) < 0 || n < OUT_CHUNK)
			break;
		total += n;
	}
	if (r == 0)
		r = wp_atomic_file_commit(&f, err);
	wp_atomic_file_abort(&f);
	return r;
}

/* Reads the content of file node n from its layer (the second pass). */
static int copy_file(wp_extract_ctx *x, const wp_tree_node *n, const char *out_path,
		     const char *shown, bool wasm, wp_error **err)
{
	const wp_extract_layer *l = &x->layers[n->data_layer];
	wp_tar_reader tr = WP_TAR_READER_INIT;
	bool found = false;
	int r = wp_extract_open_layer(&tr, l, err);

	while (r == 0 && !found && (r = wp_tar_reader_next(&tr, err)) == 1) {
		found = tr.index == n->data_entry;
		r = 0;
	}
	/* the entry the first pass saw must still be there */
	if (r == 0 && (!found || wp_la.archive_entry_filetype(tr.entry) != AE_IFREG ||
		       wp_la.archive_entry_size(tr.entry) != n->size))
		r = wp_error_set(err, WP_EINVALID, "layer \"%s\" changed while it was read",
				 layer_name(l));
	if (r == 0)
		r = write_out(out_path, shown, read_tar, &tr, x->max_size, wasm, err);
	wp_tar_reader_release(&tr);
	return r;
}

int wp_extract_file(const char *out_path, const wp_extract_layer *layers, size_t n_layers,
		    const char *path, const wp_extract_options *o, wp_error **err)
{
	const wp_tree_node *n = NULL;
	wp_extract_ctx x;
	int r;

	wp_extract_ctx_init(&x, layers, n_layers, o);
	r = wp_extract_apply_layers(&x, err);
	if (r == 0)
		r = wp_layer_tree_resolve(&x.tree, path, &n, err);
	if (r == 0 && n->kind != WP_TREE_FILE)
		r = wp_error_set(err, WP_EINVALID, "\"%s\" is %s in the image, not a file", path,
				 n->kind == WP_TREE_DIR ? "a directory" : "a special file");
	if (r == 0 && (uint64_t)n->size > x.max_size)
		r = wp_error_set(err, WP_ELIMIT,
				 "\"%s\" has %" PRId64 " bytes, over the limit of %" PRIu64, path,
				 n->size, x.max_size);
	if (r == 0)
		r = copy_file(&x, n, out_path, path, o && o->wasm, err);
	wp_extract_ctx_release(&x);
	return r;
}

int wp_extract_blob(const char *out_path, const char *blob, const wp_extract_options *o,
		    wp_error **err)
{
	struct stat st;
	fd_source src = {wp_open_read(blob, &st, err), blob};
	int r = src.fd < 0 ? src.fd : 0;

	if (r == 0 && (uint64_t)st.st_size > wp_extract_max_size(o))
		r = wp_error_set(err, WP_ELIMIT,
				 "\"%s\" has %" PRId64 " bytes, over the limit of %" PRIu64, blob,
				 (int64_t)st.st_size, wp_extract_max_size(o));
	if (r == 0)
		r = write_out(out_path, blob, read_fd, &src, wp_extract_max_size(o), o && o->wasm,
			      err);
	if (src.fd >= 0)
		close(src.fd);
	return r;
}
