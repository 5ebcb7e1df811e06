/* oci/layout: the OCI image layout directory backend. */
#include <criterion/criterion.h>

#include "helpers.h"
#include "../../lib/log.h"
#include "../../oci/layout.h"
#include "../../oci/manifest.h"
#include "../../oci/mediatype.h"
#include "../../lib/common.h"

TEST_TMPDIR_SUITE(layout);

static void put_blob(wp_layout *l, const char *content, char digest[WP_DIGEST_SIZE])
{
	wp_error *err = NULL;
	int r = wp_layout_put_blob(l, content, strlen(content), digest, &err);

	assert_ok(r, err);
}

/* Stores a small "manifest" blob and returns its descriptor. */
static void put_manifest(wp_layout *l, const char *content, wp_descriptor *d)
{
	char digest[WP_DIGEST_SIZE];
	wp_error *err = NULL;
	int r;

	put_blob(l, content, digest);
	r = wp_descriptor_set(d, WP_MT_OCI_MANIFEST, digest, (int64_t)strlen(content), &err);
	assert_ok(r, err);
}

static void tag(wp_layout *l, const wp_descriptor *d, const char *ref, const char *name)
{
	wp_layout_tag t = {ref, name};
	wp_error *err = NULL;
	int r = wp_layout_add_tags(l, d, &t, 1, &err);

	assert_ok(r, err);
}

static void read_index(const char *dir, wp_index *idx)
{
	_cleanup_free_ char *path = test_path(dir, "index.json");

	parse_file_ok(wp_index_parse, idx, path);
	cr_assert_str_eq(idx->media_type, WP_MT_OCI_INDEX);
}

static const wp_descriptor *entry_named(const wp_index *idx, const char *name)
{
	for (size_t i = 0; i < idx->n_manifests; i++)
		if (wp_str_eq(wp_kv_get(&idx->manifests[i].annotations,
					WP_ANNOTATION_CONTAINERD_NAME),
			      name))
			return &idx->manifests[i];
	return NULL;
}

/* The images {"image":"a"} and {"image":"b"}, tagged ref_a as name_a and
 * ref_b as name_b, and the index of the layout read back. */
struct two_images {
	wp_descriptor a, b;
	wp_index idx;
	const wp_descriptor *ea, *eb; /* the entries named name_a and name_b */
};

static void tag_two_images(wp_layout *l, const char *dir, struct two_images *t, const char *ref_a,
			   const char *name_a, const char *ref_b, const char *name_b)
{
	put_manifest(l, "{\"image\":\"a\"}", &t->a);
	put_manifest(l, "{\"image\":\"b\"}", &t->b);
	tag(l, &t->a, ref_a, name_a);
	tag(l, &t->b, ref_b, name_b);
	read_index(dir, &t->idx);
	cr_assert_eq(t->idx.n_manifests, 2);
	t->ea = entry_named(&t->idx, name_a);
	t->eb = entry_named(&t->idx, name_b);
}

static void two_images_release(struct two_images *t)
{
	wp_index_release(&t->idx);
	wp_descriptor_release(&t->a);
	wp_descriptor_release(&t->b);
}

/* Looking up name in l finds the image with the given digest. */
static void assert_finds(const wp_layout *l, const char *name, const char *digest)
{
	wp_descriptor found;
	wp_error *err = NULL;
	int r = wp_layout_find(l, name, &found, &err);

	assert_ok(r, err);
	cr_assert_str_eq(found.digest, digest, "\"%s\"", name);
	wp_descriptor_release(&found);
}

/* The blob `digest` of l reads back as want. */
static void assert_blob(wp_layout *l, const char *digest, const char *want)
{
	wp_buf got = WP_BUF_INIT(1024);
	wp_error *err = NULL;
	int r = wp_layout_read_blob(l, digest, &got, &err);

	assert_ok(r, err);
	cr_assert_str_eq(got.data, want);
	wp_buf_release(&got);
}

/* Writes content as a blob through wp_layout_blob_begin and _commit. */
static void stream_blob(wp_layout *l, const char *content, const char *digest)
{
	wp_atomic_file f = WP_ATOMIC_FILE_INIT;
	wp_error *err = NULL;
	int r = wp_layout_blob_begin(l, &f, &err);

	assert_ok(r, err);
	r = wp_write_all(f.fd, content, strlen(content), "blob", &err);
	assert_ok(r, err);
	r = wp_layout_blob_commit(l, &f, digest, (int64_t)strlen(content), &err);
	assert_ok(r, err);
	wp_atomic_file_abort(&f);
}

/* No ".name.tmp-XXXXXX" files in the layout or its blob directory. */
static void assert_no_temporaries(const char *dir)
{
	_cleanup_free_ char *blobs = test_path(dir, "blobs/sha256");
	size_t hidden = 0;

	test_count_entries(dir, &hidden);
	cr_assert_eq(hidden, 0, "a temporary file was left in %s", dir);
	test_count_entries(blobs, &hidden);
	cr_assert_eq(hidden, 0, "a temporary file was left in %s", blobs);
}

Test(layout, open_creates_a_layout)
{
	_cleanup_free_ char *dir = test_path(tmp, "new/nested");
	_cleanup_free_ char *marker = test_path(dir, "oci-layout");
	_cleanup_free_ char *blobs = test_path(dir, "blobs/sha256");
	wp_layout *l = test_open_layout(tmp, "new/nested");
	struct stat st;
	wp_buf text;

	cr_assert_str_eq(wp_layout_dir(l), dir);
	test_read_file(marker, &text, 1024);
	cr_assert_str_eq(text.data, "{\"imageLayoutVersion\":\"1.0.0\"}");
	wp_buf_release(&text);
	cr_assert_eq(stat(blobs, &st), 0);
	cr_assert(S_ISDIR(st.st_mode));
	cr_assert_eq(test_count_entries(blobs, NULL), 0);
	assert_no_temporaries(dir);
	wp_layout_close(l);
	/* it opens again, for reading too */
	l = test_open_layout(tmp, "new/nested");
	wp_layout_close(l);
	{
		wp_error *err = NULL;
		int r = wp_layout_open(&l, dir, WP_LAYOUT_READ, &err);

		assert_ok(r, err);
		wp_layout_close(l);
	}
}

Test(layout, open_initialises_an_empty_directory)
{
	_cleanup_free_ char *dir = test_path(tmp, "empty");
	_cleanup_free_ char *marker = test_path(dir, "oci-layout");
	wp_layout *l;

	cr_assert_eq(mkdir(dir, 0755), 0);
	l = test_open_layout(tmp, "empty");
	cr_assert(test_exists(marker));
	wp_layout_close(l);
}

Test(layout, open_refuses_a_non_layout_directory)
{
	_cleanup_free_ char *dir = test_path(tmp, "project");
	_cleanup_free_ char *marker = test_path(dir, "oci-layout");
	_cleanup_free_ char *file = NULL;
	wp_layout *l = NULL;
	wp_error *err = NULL;
	int r;

	cr_assert_eq(mkdir(dir, 0755), 0);
	file = test_write_file(dir, "main.c", "int main;", 9, 0644);
	r = wp_layout_open(&l, dir, WP_LAYOUT_WRITE, &err);
	assert_error(r, err, WP_EINVALID,
		     "is not an OCI image layout (it has no oci-layout file); refusing to write "
		     "into it");
	cr_assert_null(l);
	cr_assert_not(test_exists(marker));
	cr_assert_eq(test_count_entries(dir, NULL), 1, "the directory is untouched");
	cr_assert(test_exists(file));
	r = wp_layout_open(&l, dir, WP_LAYOUT_READ, &err);
	assert_error(r, err, WP_EINVALID, "is not an OCI image layout");
}

Test(layout, open_errors)
{
	_cleanup_free_ char *missing = test_path(tmp, "missing");
	_cleanup_free_ char *file = test_write_file(tmp, "file", "x", 1, 0644);
	_cleanup_free_ char *old = test_path(tmp, "old");
	_cleanup_free_ char *marker = NULL;
	wp_layout *l = NULL;
	wp_error *err = NULL;
	int r = wp_layout_open(&l, missing, WP_LAYOUT_READ, &err);

	assert_error(r, err, WP_ENOTFOUND, "cannot open image layout");
	cr_assert_not(test_exists(missing), "reading creates nothing");
	r = wp_layout_open(&l, file, WP_LAYOUT_WRITE, &err);
	assert_error(r, err, WP_EEXISTS, "exists and is not a directory");
	cr_assert_eq(mkdir(old, 0755), 0);
	marker = test_write_file(old, "oci-layout", "{\"imageLayoutVersion\":\"2.0.0\"}", 30, 0644);
	r = wp_layout_open(&l, old, WP_LAYOUT_WRITE, &err);
	assert_error(r, err, WP_EUNSUPPORTED, "image layout version \"2.0.0\" is not supported");
	free(test_write_file(old, "oci-layout", "not json", 8, 0644));
	r = wp_layout_open(&l, old, WP_LAYOUT_READ, &err);
	assert_error(r, err, WP_EINVALID, "invalid JSON");
	cr_assert(test_exists(marker), "a failed open leaves an existing layout alone");
	cr_assert_null(l);
}

Test(layout, two_images_with_different_tags_are_both_kept)
{
	_cleanup_free_ char *dir = test_path(tmp, "l");
	wp_layout *l = test_open_layout(tmp, "l");
	struct two_images t;

	tag_two_images(l, dir, &t, "v1", "docker.io/library/a:v1", "v2", "docker.io/library/b:v2");
	cr_assert_not_null(t.ea);
	cr_assert_not_null(t.eb);
	cr_assert_str_eq(t.ea->digest, t.a.digest);
	cr_assert_eq(t.ea->size, t.a.size);
	cr_assert_str_eq(t.ea->media_type, WP_MT_OCI_MANIFEST);
	cr_assert_str_eq(wp_kv_get(&t.ea->annotations, WP_ANNOTATION_REF_NAME), "v1");
	cr_assert_str_eq(t.eb->digest, t.b.digest);
	cr_assert_str_eq(wp_kv_get(&t.eb->annotations, WP_ANNOTATION_REF_NAME), "v2");
	assert_no_temporaries(dir);
	two_images_release(&t);
	wp_layout_close(l);
}

Test(layout, several_tags_at_once)
{
	_cleanup_free_ char *dir = test_path(tmp, "l");
	wp_layout *l = test_open_layout(tmp, "l");
	wp_layout_tag tags[] = {{"v1", "ghcr.io/acme/app:v1"},
				{"latest", "ghcr.io/acme/app:latest"}};
	wp_descriptor a;
	wp_index idx;
	wp_error *err = NULL;
	int r;

	put_manifest(l, "{\"image\":\"a\"}", &a);
	r = wp_layout_add_tags(l, &a, tags, 2, &err);
	assert_ok(r, err);
	read_index(dir, &idx);
	cr_assert_eq(idx.n_manifests, 2);
	cr_assert_str_eq(idx.manifests[0].digest, a.digest);
	cr_assert_str_eq(idx.manifests[1].digest, a.digest);
	cr_assert_not_null(entry_named(&idx, "ghcr.io/acme/app:latest"));
	wp_index_release(&idx);
	wp_descriptor_release(&a);
	wp_layout_close(l);
}

Test(layout, retagging_an_image_name_replaces_its_entry)
{
	_cleanup_free_ char *dir = test_path(tmp, "l");
	wp_layout *l = test_open_layout(tmp, "l");
	wp_descriptor a, b, other;
	wp_index idx;
	const wp_descriptor *e;

	put_manifest(l, "{\"image\":\"old\"}", &a);
	put_manifest(l, "{\"image\":\"new\"}", &b);
	put_manifest(l, "{\"image\":\"other\"}", &other);
	tag(l, &other, "stable", "docker.io/library/other:stable");
	tag(l, &a, "v1", "docker.io/library/hello:v1");
	tag(l, &b, "v1", "docker.io/library/hello:v1");
	read_index(dir, &idx);
	cr_assert_eq(idx.n_manifests, 2, "the old entry of hello:v1 is replaced");
	e = entry_named(&idx, "docker.io/library/hello:v1");
	cr_assert_not_null(e);
	cr_assert_str_eq(e->digest, b.digest);
	cr_assert_str_eq(wp_kv_get(&e->annotations, WP_ANNOTATION_REF_NAME), "v1");
	e = entry_named(&idx, "docker.io/library/other:stable");
	cr_assert_not_null(e, "entries of other images are kept");
	cr_assert_str_eq(e->digest, other.digest);
	wp_index_release(&idx);
	wp_descriptor_release(&a);
	wp_descriptor_release(&b);
	wp_descriptor_release(&other);
	wp_layout_close(l);
}

Test(layout, same_ref_name_from_another_image_moves)
{
	_cleanup_free_ char *dir = test_path(tmp, "l");
	wp_layout *l = test_open_layout(tmp, "l");
	struct two_images t;

	wp_log_set_level(WP_LOG_QUIET);
	tag_two_images(l, dir, &t, "v1", "docker.io/library/a:v1", "v1", "docker.io/library/b:v1");
	cr_assert_not_null(t.ea, "the old image keeps its full name");
	cr_assert_null(wp_kv_get(&t.ea->annotations, WP_ANNOTATION_REF_NAME),
		       "the old image loses the ref name");
	cr_assert_str_eq(t.ea->digest, t.a.digest);
	cr_assert_not_null(t.eb);
	cr_assert_str_eq(wp_kv_get(&t.eb->annotations, WP_ANNOTATION_REF_NAME), "v1");
	/* "v1" now finds the new image; the old one is found by its name */
	assert_finds(l, "v1", t.b.digest);
	assert_finds(l, "docker.io/library/a:v1", t.a.digest);
	two_images_release(&t);
	wp_layout_close(l);
}

Test(layout, entries_without_image_name_are_replaced_by_ref_name)
{
	_cleanup_free_ char *dir = test_path(tmp, "l");
	wp_layout *l = test_open_layout(tmp, "l");
	wp_descriptor a, b;
	wp_index idx;
	_cleanup_free_ char *index_json = NULL;

	put_manifest(l, "{\"image\":\"a\"}", &a);
	put_manifest(l, "{\"image\":\"b\"}", &b);
	/* as skopeo or umoci write it: a ref name only */
	index_json = wp_strdup_printf(
		"{\"schemaVersion\":2,\"mediaType\":\"%s\",\"manifests\":[{\"mediaType\":\"%s\","
		"\"digest\":\"%s\",\"size\":%" PRId64 ",\"annotations\":{\"%s\":\"v1\"}}]}",
		WP_MT_OCI_INDEX, WP_MT_OCI_MANIFEST, a.digest, a.size, WP_ANNOTATION_REF_NAME);
	cr_assert_not_null(index_json);
	free(test_write_file(dir, "index.json", index_json, strlen(index_json), 0644));
	tag(l, &b, "v1", "docker.io/library/b:v1");
	read_index(dir, &idx);
	cr_assert_eq(idx.n_manifests, 1);
	cr_assert_str_eq(idx.manifests[0].digest, b.digest);
	wp_index_release(&idx);
	wp_descriptor_release(&a);
	wp_descriptor_release(&b);
	wp_layout_close(l);
}

Test(layout, existing_blob_is_not_rewritten)
{
	_cleanup_free_ char *dir = test_path(tmp, "l");
	_cleanup_free_ char *path = NULL;
	wp_layout *l = test_open_layout(tmp, "l");
	struct timespec old[2] = {{1000000000, 0}, {1000000000, 0}};
	char d1[WP_DIGEST_SIZE], d2[WP_DIGEST_SIZE];
	struct stat before, after;

	put_blob(l, "same bytes", d1);
	path = wp_layout_blob_path(l, d1);
	cr_assert(wp_layout_has_blob(l, d1, 10));
	cr_assert_not(wp_layout_has_blob(l, d1, 11), "the size must match too");
	cr_assert_eq(utimensat(AT_FDCWD, path, old, 0), 0);
	cr_assert_eq(stat(path, &before), 0);
	put_blob(l, "same bytes", d2);
	cr_assert_str_eq(d1, d2);
	cr_assert_eq(stat(path, &after), 0);
	cr_assert_eq(after.st_ino, before.st_ino, "the blob was replaced");
	cr_assert_eq(after.st_mtim.tv_sec, before.st_mtim.tv_sec, "the blob was rewritten");
	cr_assert_eq(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
	assert_no_temporaries(dir);
	wp_layout_close(l);
}

Test(layout, blob_of_the_wrong_size_is_replaced)
{
	_cleanup_free_ char *dir = test_path(tmp, "l");
	_cleanup_free_ char *path = NULL;
	wp_layout *l = test_open_layout(tmp, "l");
	char d[WP_DIGEST_SIZE];
	wp_error *err = NULL;
	int r = wp_sha256_bytes(d, "content", 7, &err);

	assert_ok(r, err);
	path = wp_layout_blob_path(l, d);
	/* a truncated blob from an interrupted copy */
	free(test_write_file(tmp, "l/blobs/sha256/placeholder", "cont", 4, 0644));
	{
		_cleanup_free_ char *placeholder = test_path(tmp, "l/blobs/sha256/placeholder");

		cr_assert_eq(rename(placeholder, path), 0);
	}
	put_blob(l, "content", d);
	assert_blob(l, d, "content");
	assert_no_temporaries(dir);
	wp_layout_close(l);
}

Test(layout, streamed_blob_commit)
{
	_cleanup_free_ char *dir = test_path(tmp, "l");
	wp_layout *l = test_open_layout(tmp, "l");
	char d[WP_DIGEST_SIZE];
	wp_error *err = NULL;
	int r = wp_sha256_bytes(d, "streamed", 8, &err);

	assert_ok(r, err);
	stream_blob(l, "streamed", d);
	assert_blob(l, d, "streamed");
	/* the same content again is dropped, not renamed over */
	stream_blob(l, "streamed", d);
	assert_no_temporaries(dir);
	wp_layout_close(l);
}

Test(layout, no_temporary_files_after_success)
{
	_cleanup_free_ char *dir = test_path(tmp, "l");
	_cleanup_free_ char *blobs = test_path(dir, "blobs/sha256");
	wp_layout *l = test_open_layout(tmp, "l");
	wp_descriptor a;

	put_manifest(l, "{\"image\":\"a\"}", &a);
	tag(l, &a, "v1", "docker.io/library/a:v1");
	tag(l, &a, "v2", "docker.io/library/a:v2");
	assert_no_temporaries(dir);
	cr_assert_eq(test_count_entries(dir, NULL), 3, "blobs, index.json and oci-layout");
	cr_assert_eq(test_count_entries(blobs, NULL), 1);
	wp_descriptor_release(&a);
	wp_layout_close(l);
}

Test(layout, rollback_removes_a_created_directory)
{
	_cleanup_free_ char *dir = test_path(tmp, "created");
	wp_layout *l = test_open_layout(tmp, "created");
	wp_descriptor a;

	put_manifest(l, "{\"image\":\"a\"}", &a);
	tag(l, &a, "v1", "docker.io/library/a:v1");
	wp_layout_rollback(l);
	wp_layout_close(l);
	cr_assert_not(test_exists(dir));
	cr_assert_eq(test_count_entries(tmp, NULL), 0);
	wp_descriptor_release(&a);
}

Test(layout, rollback_removes_only_new_blobs)
{
	_cleanup_free_ char *dir = test_path(tmp, "existing");
	_cleanup_free_ char *old_path = NULL, *new_path = NULL, *marker = NULL;
	wp_layout *l = test_open_layout(tmp, "existing");
	char old_digest[WP_DIGEST_SIZE], new_digest[WP_DIGEST_SIZE], again[WP_DIGEST_SIZE];

	put_blob(l, "old", old_digest);
	wp_layout_close(l);

	l = test_open_layout(tmp, "existing");
	put_blob(l, "new", new_digest);
	put_blob(l, "old", again);
	old_path = wp_layout_blob_path(l, old_digest);
	new_path = wp_layout_blob_path(l, new_digest);
	marker = test_path(dir, "oci-layout");
	cr_assert(test_exists(new_path));
	wp_layout_rollback(l);
	wp_layout_close(l);
	cr_assert_not(test_exists(new_path), "the new blob is removed");
	cr_assert(test_exists(old_path), "a blob that was already there stays");
	cr_assert(test_exists(marker), "the layout stays");
}

Test(layout, rollback_of_an_initialised_empty_directory)
{
	_cleanup_free_ char *dir = test_path(tmp, "empty");
	wp_layout *l;
	char d[WP_DIGEST_SIZE];

	cr_assert_eq(mkdir(dir, 0755), 0);
	l = test_open_layout(tmp, "empty");
	put_blob(l, "x", d);
	wp_layout_rollback(l);
	wp_layout_close(l);
	cr_assert(test_exists(dir), "a directory the user made stays");
	cr_assert_eq(test_count_entries(dir, NULL), 0, "and is empty again");
}

Test(layout, find_by_ref_name_full_name_and_digest)
{
	_cleanup_free_ char *dir = test_path(tmp, "l");
	wp_layout *l = test_open_layout(tmp, "l");
	wp_descriptor a, b, found;
	wp_error *err = NULL;
	int r;

	put_manifest(l, "{\"image\":\"a\"}", &a);
	put_manifest(l, "{\"image\":\"b\"}", &b);
	tag(l, &a, "v1", "docker.io/library/a:v1");
	tag(l, &b, "v2", "ghcr.io/acme/b:v2");
	wp_layout_close(l);

	r = wp_layout_open(&l, dir, WP_LAYOUT_READ, &err);
	assert_ok(r, err);
	r = wp_layout_find(l, "v1", &found, &err);
	assert_ok(r, err);
	cr_assert_str_eq(found.digest, a.digest);
	cr_assert_eq(found.size, a.size);
	cr_assert_str_eq(found.media_type, WP_MT_OCI_MANIFEST);
	wp_descriptor_release(&found);
	assert_finds(l, "ghcr.io/acme/b:v2", b.digest);
	r = wp_layout_find(l, b.digest, &found, &err);
	assert_ok(r, err);
	cr_assert_str_eq(wp_kv_get(&found.annotations, WP_ANNOTATION_REF_NAME), "v2");
	wp_descriptor_release(&found);
	r = wp_layout_find(l, "v3", &found, &err);
	assert_error(r, err, WP_ENOTFOUND, "no image \"v3\" in");
	wp_layout_close(l);
	wp_descriptor_release(&a);
	wp_descriptor_release(&b);
}

Test(layout, find_in_a_layout_without_index)
{
	wp_layout *l = test_open_layout(tmp, "l");
	wp_descriptor found;
	wp_error *err = NULL;
	int r = wp_layout_find(l, "latest", &found, &err);

	assert_error(r, err, WP_ENOTFOUND, "no image \"latest\"");
	wp_layout_close(l);
}

Test(layout, broken_index_is_reported)
{
	_cleanup_free_ char *dir = test_path(tmp, "l");
	wp_layout *l = test_open_layout(tmp, "l");
	wp_descriptor a, found;
	wp_error *err = NULL;
	int r;

	put_manifest(l, "{}", &a);
	free(test_write_file(dir, "index.json", "{\"schemaVersion\":2,\"manifests\":{}}", 34,
			     0644));
	r = wp_layout_find(l, "v1", &found, &err);
	assert_error(r, err, WP_EINVALID, "/index.json\": manifests: expected an array");
	{
		wp_layout_tag t = {"v1", "docker.io/library/a:v1"};

		r = wp_layout_add_tags(l, &a, &t, 1, &err);
		assert_error(r, err, WP_EINVALID, "manifests: expected an array");
	}
	wp_descriptor_release(&a);
	wp_layout_close(l);
}

Test(layout, read_blob_checks_the_digest)
{
	_cleanup_free_ char *dir = test_path(tmp, "l");
	_cleanup_free_ char *path = NULL;
	wp_layout *l = test_open_layout(tmp, "l");
	char d[WP_DIGEST_SIZE];
	wp_buf got = WP_BUF_INIT(1024);
	wp_error *err = NULL;
	int fd, r;

	put_blob(l, "original", d);
	assert_blob(l, d, "original");
	/* flip bytes in place, same size */
	path = wp_layout_blob_path(l, d);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "ORIG", 4), 4);
	close(fd);
	r = wp_layout_read_blob(l, d, &got, &err);
	assert_error(r, err, WP_EDIGEST, d);
	wp_buf_release(&got);
	wp_layout_close(l);
}

Test(layout, read_blob_errors)
{
	wp_layout *l = test_open_layout(tmp, "l");
	char d[WP_DIGEST_SIZE];
	wp_buf small = WP_BUF_INIT(4);
	wp_error *err = NULL;
	int r = wp_layout_read_blob(l, "sha256:nothex", &small, &err);

	assert_error(r, err, WP_EINVALID, "blob: invalid digest");
	r = wp_sha256_bytes(d, "absent", 6, &err);
	assert_ok(r, err);
	r = wp_layout_read_blob(l, d, &small, &err);
	assert_error(r, err, WP_ENOTFOUND, "cannot open");
	put_blob(l, "too large", d);
	r = wp_layout_read_blob(l, d, &small, &err);
	assert_error(r, err, WP_ELIMIT, "is larger than 4 bytes");
	wp_buf_release(&small);
	wp_layout_close(l);
}

Test(layout, blob_path)
{
	_cleanup_free_ char *dir = test_path(tmp, "l");
	_cleanup_free_ char *expected = NULL, *path = NULL;
	wp_layout *l = test_open_layout(tmp, "l");

	path = wp_layout_blob_path(
		l, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	expected = wp_strdup_printf(
		"%s/blobs/sha256/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		dir);
	cr_assert_str_eq(path, expected);
	wp_layout_close(l);
}
