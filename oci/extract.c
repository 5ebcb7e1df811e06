#include "extract_internal.h"
#include "mediatype.h"
#include "../lib/str.h"
#include "../lib/common.h"

#define WHITEOUT_PREFIX ".wh."
#define OPAQUE_WHITEOUT ".wh..wh..opq"

uint64_t wp_extract_max_size(const wp_extract_options *o)
{
	return o && o->max_size ? o->max_size : WP_EXTRACT_MAX_SIZE_DEFAULT;
}

void wp_extract_ctx_init(wp_extract_ctx *x, const wp_extract_layer *layers, size_t n_layers,
			 const wp_extract_options *o)
{
	memset(x, 0, sizeof(*x));
	wp_layer_tree_init(&x->tree);
	x->layers = layers;
	x->n_layers = n_layers;
	x->max_size = wp_extract_max_size(o);
	x->max_total = o && o->max_total ? o->max_total : WP_EXTRACT_MAX_TOTAL_DEFAULT;
	x->max_entries = o && o->max_entries ? o->max_entries : WP_EXTRACT_MAX_ENTRIES_DEFAULT;
	x->root = -1;
}

void wp_extract_ctx_release(wp_extract_ctx *x)
{
	wp_layer_tree_release(&x->tree);
}

static void entry_release(wp_extract_entry *e)
{
	free(e->path);
	free(e->target);
}

/* The compression a layer media type names: 1 with *out set, 0 when it
 * names none we know (the content decides), or an error for a type that is
 * no tar layer. */
static int media_type_compression(const char *mt, wp_compression *out, wp_error **err)
{
	static const struct {
		const char *suffix;
		wp_compression c;
	} suffixes[] = {
		{"tar", WP_COMPRESSION_NONE},	   {"tar+gzip", WP_COMPRESSION_GZIP},
		{"tar.gzip", WP_COMPRESSION_GZIP}, {"tar+zstd", WP_COMPRESSION_ZSTD},
		{"tar.zstd", WP_COMPRESSION_ZSTD},
	};

	if (!mt)
		return 0;
	if (strcmp(mt, WP_MT_WASM_LAYER) == 0)
		return wp_error_set(err, WP_EINVALID,
				    "media type \"%s\" is a module, not a tar layer", mt);
	if (strstr(mt, "+encrypted"))
		return wp_error_set(err, WP_EUNSUPPORTED,
				    "media type \"%s\": encrypted layers are not supported", mt);
	for (size_t i = 0; i < WP_ARRAY_SIZE(suffixes); i++)
		if (wp_str_has_suffix(mt, suffixes[i].suffix)) {
			*out = suffixes[i].c;
			return 1;
		}
	return 0;
}

int wp_extract_open_layer(wp_tar_reader *tr, const wp_extract_layer *l, wp_error **err)
{
	wp_compression want = WP_COMPRESSION_NONE;
	int known = media_type_compression(l->media_type, &want, err), r;

	if (known < 0)
		return wp_error_prefix(err, "layer \"%s\"", layer_name(l));
	if ((r = wp_tar_reader_open(tr, l->path, 0, err)) < 0)
		return r;
	if (known && want != tr->compression)
		return wp_error_set(err, WP_EINVALID,
				    "layer \"%s\": media type \"%s\" says compression %s but the "
				    "content has %s",
				    layer_name(l), l->media_type, wp_compression_name(want),
				    wp_compression_name(tr->compression));
	return 0;
}

static int classify_whiteout(wp_extract_entry *e, char *base, wp_error **err)
{
	const char *name = base + strlen(WHITEOUT_PREFIX);

	if (strcmp(base, OPAQUE_WHITEOUT) == 0) {
		e->kind = WP_EXTRACT_OPAQUE;
		*base = '\0'; /* the path of the directory, with its '/' */
		return 0;
	}
	/* aufs bookkeeping (".wh..wh.plnk" and the like): never an image file */
	if (wp_str_has_prefix(name, WHITEOUT_PREFIX)) {
		e->kind = WP_EXTRACT_SKIP;
		return 0;
	}
	if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return wp_error_set(err, WP_EINVALID, "refused: a whiteout of \"%s\"", name);
	e->kind = WP_EXTRACT_WHITEOUT;
	memmove(base, name, strlen(name) + 1);
	return 0;
}

static int classify_type(wp_extract_entry *e, struct archive_entry *ae, wp_error **err)
{
	switch (wp_la.archive_entry_filetype(ae)) {
	case AE_IFREG:
		e->kind = WP_EXTRACT_FILE;
		return 0;
	case AE_IFDIR:
		e->kind = WP_EXTRACT_DIR;
		return 0;
	case AE_IFLNK:
		e->kind = WP_EXTRACT_SYMLINK;
		e->link = wp_la.archive_entry_symlink(ae);
		if (!e->link || !*e->link)
			return wp_error_set(err, WP_EINVALID, "symbolic link without a target");
		if (strlen(e->link) > WP_LAYER_TREE_PATH_MAX)
			return wp_error_set(err, WP_EINVALID,
					    "symbolic link target longer than %d bytes",
					    WP_LAYER_TREE_PATH_MAX);
		return 0;
	case AE_IFCHR:
	case AE_IFBLK:
		e->what = "device nodes";
		break;
	case AE_IFIFO:
		e->what = "FIFOs";
		break;
	case AE_IFSOCK:
		e->what = "sockets";
		break;
	default:
		return wp_error_set(err, WP_EINVALID, "refused: unknown entry type 0%o",
				    (unsigned int)wp_la.archive_entry_filetype(ae));
	}
	e->kind = WP_EXTRACT_SPECIAL;
	return 0;
}

/* Checks and normalises the current entry of a layer. */
static int classify(struct archive_entry *ae, wp_extract_entry *e, wp_error **err)
{
	const char *hard = wp_la.archive_entry_hardlink(ae);
	char *base;
	int r;

	if ((r = wp_layer_tree_normalize(wp_la.archive_entry_pathname(ae), &e->path, err)) < 0)
		return r;
	if (!*e->path) {
		e->kind = WP_EXTRACT_SKIP; /* "./": the target directory is not changed */
		return 0;
	}
	base = strrchr(e->path, '/');
	base = base ? base + 1 : e->path;
	if (wp_str_has_prefix(base, WHITEOUT_PREFIX))
		return classify_whiteout(e, base, err);
	e->size = wp_la.archive_entry_size(ae);
	e->mode = wp_la.archive_entry_perm(ae) & 0777;
	if (e->size < 0)
		return wp_error_set(err, WP_EINVALID, "negative size");
	if (!hard)
		return classify_type(e, ae, err);
	e->kind = WP_EXTRACT_HARDLINK;
	if ((r = wp_layer_tree_normalize(hard, &e->target, err)) < 0)
		return wp_error_prefix(err, "hard link to \"%s\"", hard);
	return 0;
}

static int tree_apply(wp_extract_ctx *x, const wp_extract_entry *e, size_t index, wp_error **err)
{
	wp_tree_entry te = {0};
	_cleanup_free_ char *dir = NULL;
	const char *name;

	switch (e->kind) {
	case WP_EXTRACT_SKIP:
		return 0;
	case WP_EXTRACT_WHITEOUT:
	case WP_EXTRACT_OPAQUE:
		name = strrchr(e->path, '/');
		if (!(dir = strndup(e->path, name ? (size_t)(name - e->path) : 0)))
			return wp_error_oom(err);
		name = name ? name + 1 : e->path;
		return wp_layer_tree_whiteout(&x->tree, dir,
					      e->kind == WP_EXTRACT_OPAQUE ? NULL : name,
					      x->on_remove, x, err);
	case WP_EXTRACT_HARDLINK:
		return wp_layer_tree_link(&x->tree, e->path, e->target, err);
	case WP_EXTRACT_SPECIAL:
		/* it hides what lower layers had at its path */
		te.kind = WP_TREE_OTHER;
		break;
	case WP_EXTRACT_DIR:
		te.kind = WP_TREE_DIR;
		break;
	case WP_EXTRACT_FILE:
		te.kind = WP_TREE_FILE;
		break;
	case WP_EXTRACT_SYMLINK:
		te.kind = WP_TREE_SYMLINK;
		break;
	}
	te.mode = e->mode;
	te.link = e->link;
	te.size = e->size;
	te.data_entry = index;
	return wp_layer_tree_put(&x->tree, e->path, &te, err);
}

static int apply_entry(wp_extract_ctx *x, wp_tar_reader *tr, wp_error **err)
{
	wp_extract_entry e = {0};
	int r;

	if (++x->entries > x->max_entries)
		return wp_error_set(err, WP_ELIMIT,
				    "refused: the layers hold more than %zu entries in all",
				    x->max_entries);
	r = classify(tr->entry, &e, err);

	if (r == 0)
		r = tree_apply(x, &e, tr->index, err);
	if (r == 0 && x->on_entry && e.kind != WP_EXTRACT_SKIP)
		r = x->on_entry(x, &e, tr, err);
	entry_release(&e);
	return r;
}

static int apply_layer(wp_extract_ctx *x, size_t i, wp_error **err)
{
	const wp_extract_layer *l = &x->layers[i];
	wp_tar_reader tr = WP_TAR_READER_INIT;
	int r = wp_extract_open_layer(&tr, l, err);

	wp_layer_tree_begin_layer(&x->tree, i);
	while (r == 0 && (r = wp_tar_reader_next(&tr, err)) == 1) {
		const char *name = wp_la.archive_entry_pathname(tr.entry);

		if ((r = apply_entry(x, &tr, err)) < 0)
			wp_error_prefix(err, "layer \"%s\": \"%s\"", layer_name(l),
					name ? name : "");
	}
	wp_tar_reader_release(&tr);
	return r;
}

int wp_extract_apply_layers(wp_extract_ctx *x, wp_error **err)
{
	int r = 0;

	for (size_t i = 0; i < x->n_layers && r == 0; i++)
		r = apply_layer(x, i, err);
	return r;
}
