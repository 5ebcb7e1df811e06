#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "layout.h"
#include "manifest.h"
#include "mediatype.h"
#include "../lib/digest.h"
#include "../lib/json.h"
#include "../lib/log.h"
#include "../lib/str.h"
#include "../lib/common.h"

#define INDEX_MAX (64u * 1024 * 1024)

struct wp_layout {
	char *dir;
	int lock_fd;
	bool created_dir;  /* we made the directory: rollback removes it */
	bool initialized;  /* we wrote oci-layout into an empty directory */
	wp_strv new_blobs; /* blob paths this handle created */
};

const char *wp_layout_dir(const wp_layout *l)
{
	return l->dir;
}

static char *layout_path(const wp_layout *l, const char *name)
{
	return wp_path_join(l->dir, name);
}

static bool dir_is_empty(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool empty = true;

	if (!d)
		return false;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			empty = false;
			break;
		}
	closedir(d);
	return empty;
}

static int check_oci_layout_file(const char *path, wp_error **err)
{
	wp_buf b = WP_BUF_INIT(64 * 1024);
	_cleanup_json_ json_t *j = NULL;
	_cleanup_free_ char *what = wp_strdup_printf("\"%s\"", path);
	const char *version = NULL;
	int r = what ? wp_read_file(path, &b, err) : wp_error_oom(err);

	if (r == 0)
		r = wp_json_parse(&j, b.data ? b.data : "", b.len, what, err);
	if (r == 0 && !json_is_object(j))
		r = wp_error_set(err, WP_EINVALID, "%s: expected a JSON object", what);
	if (r == 0)
		r = wp_json_get_string(j, "imageLayoutVersion", true, what, "", &version, err);
	if (r == 0 && strcmp(version, WP_OCI_LAYOUT_VERSION) != 0)
		r = wp_error_set(
			err, WP_EUNSUPPORTED,
			"\"%s\": image layout version \"%s\" is not supported (expected %s)", path,
			version, WP_OCI_LAYOUT_VERSION);
	wp_buf_release(&b);
	return r;
}

/* A complete, empty layout: blobs/sha256, an index.json without entries
 * and, last, oci-layout, the file that marks the directory as a layout. */
static int init_layout(wp_layout *l, wp_error **err)
{
	static const char marker[] = "{\"imageLayoutVersion\":\"" WP_OCI_LAYOUT_VERSION "\"}";
	static const char index[] =
		"{\"manifests\":[],\"mediaType\":\"" WP_MT_OCI_INDEX "\",\"schemaVersion\":2}";
	_cleanup_free_ char *marker_path = layout_path(l, "oci-layout");
	_cleanup_free_ char *index_path = layout_path(l, "index.json");
	_cleanup_free_ char *blobs = layout_path(l, "blobs/sha256");
	int r;

	if (!marker_path || !index_path || !blobs)
		return wp_error_oom(err);
	l->initialized = true;
	if ((r = wp_mkdir_p(blobs, 0755, NULL, err)) < 0 ||
	    (r = wp_write_file_atomic(index_path, index, sizeof(index) - 1, 0644, err)) < 0)
		return r;
	return wp_write_file_atomic(marker_path, marker, sizeof(marker) - 1, 0644, err);
}

/* Every writer holds the layout's lock: with it held, a temporary file
 * is what a writer killed mid-write left (never part of the layout, as
 * nothing names it, but space wasted). */
static void sweep_temp_files(const wp_layout *l)
{
	_cleanup_free_ char *blobs = layout_path(l, "blobs/sha256");

	wp_atomic_file_sweep(l->dir);
	if (blobs)
		wp_atomic_file_sweep(blobs);
}

int wp_layout_open(wp_layout **out, const char *dir, wp_layout_mode mode, wp_error **err)
{
	_cleanup_free_ wp_layout *l = calloc(1, sizeof(*l));
	_cleanup_free_ char *marker = NULL;
	struct stat st;
	int r = 0;

	if (!l)
		return wp_error_oom(err);
	l->lock_fd = -1;
	if (!(l->dir = strdup(dir)) || !(marker = layout_path(l, "oci-layout"))) {
		free(l->dir);
		return wp_error_oom(err);
	}
again:
	if (stat(dir, &st) < 0) {
		if (errno != ENOENT || mode == WP_LAYOUT_READ)
			r = wp_error_set_errno(err, errno, "cannot open image layout \"%s\"", dir);
		else
			r = wp_mkdir_p(dir, 0755, &l->created_dir, err);
	} else if (!S_ISDIR(st.st_mode)) {
		r = wp_error_set(err, WP_EEXISTS, "\"%s\" exists and is not a directory", dir);
	}
	/* the lock is on the directory and is taken before its contents are
	 * looked at, so a concurrent build that is creating the layout is
	 * never seen half-made */
	if (r == 0) {
		l->lock_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (l->lock_fd < 0 ||
		    flock(l->lock_fd, mode == WP_LAYOUT_WRITE ? LOCK_EX : LOCK_SH) < 0)
			r = wp_error_set_errno(err, errno, "cannot lock image layout \"%s\"", dir);
	}
	/* a failed build that had created it removed it while we waited */
	if (r == 0 && fstat(l->lock_fd, &st) == 0 && st.st_nlink == 0) {
		close(l->lock_fd);
		l->lock_fd = -1;
		l->created_dir = false;
		goto again;
	}
	if (r < 0)
		goto done;
	if (access(marker, F_OK) == 0) {
		l->created_dir = false; /* another build made it a layout first */
		r = check_oci_layout_file(marker, err);
		if (r == 0 && mode == WP_LAYOUT_WRITE)
			sweep_temp_files(l);
	} else if (mode == WP_LAYOUT_WRITE && dir_is_empty(dir)) {
		r = init_layout(l, err);
	} else {
		r = wp_error_set(err, WP_EINVALID,
				 "\"%s\" is not an OCI image layout (it has no oci-layout file)%s",
				 dir, mode == WP_LAYOUT_WRITE ? "; refusing to write into it" : "");
	}
done:
	if (r < 0) {
		wp_layout_rollback(l);
		wp_layout_close(TAKE_PTR(l));
		return r;
	}
	*out = TAKE_PTR(l);
	return 0;
}

void wp_layout_close(wp_layout *l)
{
	if (!l)
		return;
	if (l->lock_fd >= 0)
		close(l->lock_fd); /* releases the flock */
	free(l->dir);
	wp_strv_release(&l->new_blobs);
	free(l);
}

void wp_layout_rollback(wp_layout *l)
{
	for (size_t i = 0; i < l->new_blobs.len; i++)
		unlink(l->new_blobs.items[i]);
	wp_strv_release(&l->new_blobs);
	if (l->created_dir) {
		wp_remove_tree(l->dir, NULL);
	} else if (l->initialized) {
		_cleanup_free_ char *marker = layout_path(l, "oci-layout");
		_cleanup_free_ char *index = layout_path(l, "index.json");
		_cleanup_free_ char *blobs = layout_path(l, "blobs");

		if (marker)
			unlink(marker);
		if (index)
			unlink(index);
		if (blobs)
			wp_remove_tree(blobs, NULL);
	}
	l->created_dir = false;
	l->initialized = false;
}

char *wp_layout_blob_path(const wp_layout *l, const char *digest)
{
	size_t alg = wp_digest_algorithm_len(digest);

	return wp_strdup_printf("%s/blobs/%.*s/%s", l->dir, (int)alg, digest,
				wp_digest_hex(digest));
}

bool wp_layout_has_blob(const wp_layout *l, const char *digest, int64_t size)
{
	_cleanup_free_ char *path = wp_layout_blob_path(l, digest);
	struct stat st;

	return path && stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == size;
}

int wp_layout_blob_begin(wp_layout *l, wp_atomic_file *f, wp_error **err)
{
	_cleanup_free_ char *path = layout_path(l, "blobs/sha256/blob");

	if (!path)
		return wp_error_oom(err);
	return wp_atomic_file_open(f, path, 0644, err);
}

int wp_layout_blob_commit(wp_layout *l, wp_atomic_file *f, const char *digest, int64_t size,
			  wp_error **err)
{
	_cleanup_free_ char *path = wp_layout_blob_path(l, digest);
	int r;

	if (!path)
		return wp_error_oom(err);
	if (wp_layout_has_blob(l, digest, size)) {
		wp_log_debug("blob %s is already in \"%s\"", digest, l->dir);
		wp_atomic_file_abort(f);
		return 0;
	}
	if ((r = wp_strv_push(&l->new_blobs, path, err)) < 0)
		return r;
	return wp_atomic_file_commit_as(f, path, err);
}

int wp_layout_put_blob(wp_layout *l, const void *data, size_t len, char digest[WP_DIGEST_SIZE],
		       wp_error **err)
{
	wp_atomic_file f = WP_ATOMIC_FILE_INIT;
	int r = wp_sha256_bytes(digest, data, len, err);

	if (r < 0 || wp_layout_has_blob(l, digest, (int64_t)len))
		return r;
	if ((r = wp_layout_blob_begin(l, &f, err)) == 0 &&
	    (r = wp_write_all(f.fd, data, len, f.tmp_path, err)) == 0)
		r = wp_layout_blob_commit(l, &f, digest, (int64_t)len, err);
	wp_atomic_file_abort(&f);
	return r;
}

int wp_layout_put_file(wp_layout *l, const char *path, char digest[WP_DIGEST_SIZE], int64_t *size,
		       wp_error **err)
{
	enum {
		CHUNK = 1 << 20
	};
	wp_atomic_file f = WP_ATOMIC_FILE_INIT;
	wp_sha256 h;
	struct stat st;
	_cleanup_free_ char *buf = malloc(CHUNK);
	_cleanup_close_ int fd = -1;
	bool hashing = false;
	int64_t total = 0;
	int r = buf ? 0 : wp_error_oom(err);

	if (r == 0 && (fd = wp_open_read(path, &st, err)) < 0)
		r = fd;
	if (r == 0 && (r = wp_sha256_init(&h, err)) == 0)
		hashing = true;
	if (r == 0)
		r = wp_layout_blob_begin(l, &f, err);
	while (r == 0) {
		size_t got = 0;

		if ((r = wp_read_full(fd, buf, CHUNK, &got, path, err)) < 0 || got == 0)
			break;
		wp_sha256_update(&h, buf, got);
		total += (int64_t)got;
		r = wp_write_all(f.fd, buf, got, f.tmp_path, err);
	}
	if (r == 0)
		r = wp_sha256_final(&h, digest, err);
	if (r == 0)
		r = wp_layout_blob_commit(l, &f, digest, total, err);
	if (r == 0)
		*size = total;
	if (hashing)
		wp_sha256_release(&h);
	wp_atomic_file_abort(&f);
	return r;
}

int wp_layout_read_blob(const wp_layout *l, const char *digest, wp_buf *out, wp_error **err)
{
	_cleanup_free_ char *path = NULL;
	char actual[WP_DIGEST_SIZE];
	size_t start = out->len;
	int r = wp_digest_validate(digest, "blob", err);

	if (r < 0)
		return r;
	if (!(path = wp_layout_blob_path(l, digest)))
		return wp_error_oom(err);
	if ((r = wp_read_file(path, out, err)) < 0)
		return r;
	if ((r = wp_sha256_bytes(actual, out->data + start, out->len - start, err)) < 0)
		return r;
	if (strcmp(actual, digest) != 0)
		return wp_error_set(err, WP_EDIGEST, "blob \"%s\" has digest %s, not %s", path,
				    actual, digest);
	return 0;
}

/* Reads index.json (an empty index when absent) and checks it. */
static int read_index(const wp_layout *l, json_t **out, wp_error **err)
{
	_cleanup_free_ char *path = layout_path(l, "index.json");
	_cleanup_free_ char *what = path ? wp_strdup_printf("\"%s\"", path) : NULL;
	wp_buf b = WP_BUF_INIT(INDEX_MAX);
	wp_index parsed = {0};
	int r;

	if (!what)
		return wp_error_oom(err);
	if (access(path, F_OK) < 0 && errno == ENOENT) {
		json_t *j = json_pack("{s:i,s:s,s:[]}", "schemaVersion", 2, "mediaType",
				      WP_MT_OCI_INDEX, "manifests");

		if (!j)
			return wp_error_oom(err);
		*out = j;
		return 0;
	}
	r = wp_read_file(path, &b, err);
	if (r == 0)
		r = wp_index_parse(&parsed, wp_buf_cstr(&b), b.len, what, err);
	if (r == 0)
		r = wp_json_parse(out, wp_buf_cstr(&b), b.len, what, err);
	wp_index_release(&parsed);
	wp_buf_release(&b);
	return r;
}

static const char *annotation(json_t *entry, const char *key)
{
	return json_string_value(json_object_get(json_object_get(entry, "annotations"), key));
}

static bool replaced_by(json_t *entry, const wp_layout_tag *tags, size_t n)
{
	const char *name = annotation(entry, WP_ANNOTATION_CONTAINERD_NAME);
	const char *ref = annotation(entry, WP_ANNOTATION_REF_NAME);

	for (size_t i = 0; i < n; i++) {
		if (name ? strcmp(name, tags[i].image_name) == 0
			 : ref && strcmp(ref, tags[i].ref_name) == 0)
			return true;
	}
	return false;
}

static int new_entry(const wp_descriptor *desc, const wp_layout_tag *tag, json_t **out,
		     wp_error **err)
{
	wp_descriptor d;
	int r = wp_descriptor_copy(&d, desc, err);

	if (r == 0)
		r = wp_kv_set(&d.annotations, WP_ANNOTATION_CONTAINERD_NAME, tag->image_name, err);
	if (r == 0)
		r = wp_kv_set(&d.annotations, WP_ANNOTATION_REF_NAME, tag->ref_name, err);
	if (r == 0)
		r = wp_descriptor_to_json(&d, out, err);
	wp_descriptor_release(&d);
	return r;
}

/* Keeps ref names unique: the newest entry (the last) keeps a ref name and
 * older entries holding it lose it; they stay reachable by image name. */
static void make_ref_names_unique(json_t *manifests, const char *dir)
{
	size_t n = json_array_size(manifests);

	for (size_t i = n; i-- > 0;) {
		const char *ref = annotation(json_array_get(manifests, i), WP_ANNOTATION_REF_NAME);

		if (!ref)
			continue;
		for (size_t k = 0; k < i; k++) {
			json_t *older = json_array_get(manifests, k);
			const char *other = annotation(older, WP_ANNOTATION_REF_NAME);

			if (other && strcmp(other, ref) == 0) {
				const char *name = annotation(older, WP_ANNOTATION_CONTAINERD_NAME);

				wp_log_info(
					"\"%s\" in \"%s\" now names the new image; the previous one "
					"stays there as %s",
					ref, dir,
					name ? name
					     : json_string_value(json_object_get(older, "digest")));
				json_object_del(json_object_get(older, "annotations"),
						WP_ANNOTATION_REF_NAME);
			}
		}
	}
}

int wp_layout_add_tags(wp_layout *l, const wp_descriptor *desc, const wp_layout_tag *tags, size_t n,
		       wp_error **err)
{
	_cleanup_free_ char *path = layout_path(l, "index.json");
	_cleanup_json_ json_t *index = NULL;
	_cleanup_json_ json_t *kept = json_array();
	wp_buf b = WP_BUF_INIT(INDEX_MAX);
	/* NULL: the analyzer takes wp_descriptor_copy (descriptor.c) to return
	 * positive codes too, and new_entry to pass one on without setting it */
	json_t *entry = NULL;
	size_t i;
	int r;

	if (!path || !kept)
		return wp_error_oom(err);
	if ((r = read_index(l, &index, err)) < 0)
		return r;
	json_array_foreach (json_object_get(index, "manifests"), i, entry) {
		if (replaced_by(entry, tags, n))
			continue;
		if ((r = wp_json_append_new(kept, json_deep_copy(entry), err)) < 0)
			return r;
	}
	for (i = 0; i < n; i++) {
		if ((r = new_entry(desc, &tags[i], &entry, err)) < 0 ||
		    (r = wp_json_append_new(kept, entry, err)) < 0)
			return r;
	}
	make_ref_names_unique(kept, l->dir);
	if ((r = wp_json_set_new(index, "manifests", json_incref(kept), err)) < 0)
		return r;
	r = wp_json_dump_canonical(index, &b, err);
	if (r == 0)
		r = wp_write_file_atomic(path, b.data, b.len, 0644, err);
	wp_buf_release(&b);
	return r;
}

int wp_layout_list(const wp_layout *l, wp_descriptor **out, size_t *n, wp_error **err)
{
	_cleanup_json_ json_t *index = NULL;
	json_t *manifests, *entry;
	wp_descriptor *list;
	size_t i;
	int r = read_index(l, &index, err);

	if (r < 0)
		return r;
	manifests = json_object_get(index, "manifests");
	list = calloc(json_array_size(manifests) + 1, sizeof(*list));
	if (!list)
		return wp_error_oom(err);
	json_array_foreach (manifests, i, entry) {
		if ((r = wp_descriptor_from_json(&list[i], entry, "index.json", "manifests[]",
						 err)) < 0) {
			wp_descriptors_free(list, i);
			return r;
		}
	}
	*out = list;
	*n = json_array_size(manifests);
	return 0;
}

void wp_descriptors_free(wp_descriptor *d, size_t n)
{
	for (size_t i = 0; d && i < n; i++)
		wp_descriptor_release(&d[i]);
	free(d);
}

int wp_layout_find(const wp_layout *l, const char *name, wp_descriptor *out, wp_error **err)
{
	_cleanup_json_ json_t *index = NULL;
	json_t *entry;
	size_t i;
	int r = read_index(l, &index, err);

	if (r < 0)
		return r;
	json_array_foreach (json_object_get(index, "manifests"), i, entry) {
		if (wp_str_eq(annotation(entry, WP_ANNOTATION_CONTAINERD_NAME), name) ||
		    wp_str_eq(annotation(entry, WP_ANNOTATION_REF_NAME), name) ||
		    wp_str_eq(json_string_value(json_object_get(entry, "digest")), name))
			return wp_descriptor_from_json(out, entry, "index.json", "manifests[]",
						       err);
	}
	return wp_error_set(err, WP_ENOTFOUND, "no image \"%s\" in \"%s\"", name, l->dir);
}
