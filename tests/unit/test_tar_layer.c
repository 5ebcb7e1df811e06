/* lib/tar_writer and oci/layer: layer plans, the normalised tar they
 * become, and the blob's digests, read back with libarchive. */
#include <archive.h>
#include <archive_entry.h>
#include <criterion/criterion.h>

#include "helpers.h"
#include "../../lib/digest.h"
#include "../../lib/tar_writer.h"
#include "../../oci/layer.h"
#include "../../oci/layout.h"
#include "../../lib/common.h"

#define MTIME 1700000000
#define MAX_ENTRIES 32
#define WASM_BYTES "\0asm\1\0\0\0"

TEST_TMPDIR_SUITE(layer);
TestSuite(tar_writer, .init = tmp_setup, .fini = tmp_teardown);

static void mkdir_in(const char *rel, mode_t mode)
{
	_cleanup_free_ char *p = test_path(tmp, rel);

	cr_assert_eq(mkdir(p, mode), 0, "mkdir %s: %s", p, strerror(errno));
	cr_assert_eq(chmod(p, mode), 0);
}

static void file_in(const char *rel, const char *content, size_t len, mode_t mode)
{
	free(test_write_file(tmp, rel, content, len, mode));
}

/* src/app: main.wasm 0644, run.sh 0755, sub/data.txt 0600, link ->
 * main.wasm, empty/ 0700; src/extra.bin, src/conf.txt 0755, src/tool.sh 0700 */
static void make_sources(void)
{
	_cleanup_free_ char *link = test_path(tmp, "src/app/link");

	mkdir_in("src", 0755);
	mkdir_in("src/app", 0750);
	mkdir_in("src/app/sub", 0700);
	mkdir_in("src/app/empty", 0700);
	file_in("src/app/main.wasm", WASM_BYTES, 8, 0644);
	file_in("src/app/run.sh", "#!/bin/sh\n", 10, 0755);
	file_in("src/app/sub/data.txt", "data", 4, 0600);
	cr_assert_eq(symlink("main.wasm", link), 0);
	file_in("src/extra.bin", "extra", 5, 0644);
	file_in("src/conf.txt", "k=v\n", 4, 0755);
	file_in("src/tool.sh", "echo\n", 5, 0700);
}

static void add_file(wp_layer_plan *p, const char *dest, const char *src, unsigned int mode)
{
	wp_error *err = NULL;
	int r = wp_layer_plan_add_file(p, dest, src, mode, &err);

	assert_ok(r, err);
}

static void add_path(wp_layer_plan *p, const char *dest, const char *src)
{
	wp_error *err = NULL;
	int r = wp_layer_plan_add_path(p, dest, src, &err);

	assert_ok(r, err);
}

static void finish(wp_layer_plan *p)
{
	wp_error *err = NULL;
	int r = wp_layer_plan_finish(p, &err);

	assert_ok(r, err);
}

/* Makes the sources and adds the tree src/app at dest. */
static void add_app(wp_layer_plan *p, const char *dest)
{
	_cleanup_free_ char *app = NULL;

	make_sources();
	app = test_path(tmp, "src/app");
	add_path(p, dest, app);
}

/* A plan with first_src (the tree src/app when NULL) at first_dest, then
 * the file second_src at second_dest, cannot be finished: EEXISTS with a
 * message containing needle. */
static void assert_conflict(const char *first_dest, const char *first_src, const char *second_dest,
			    const char *second_src, const char *needle)
{
	wp_layer_plan p = {0};
	wp_error *err = NULL;
	int r;

	if (first_src)
		add_file(&p, first_dest, first_src, 0644);
	else
		add_app(&p, first_dest);
	add_file(&p, second_dest, second_src, 0644);
	r = wp_layer_plan_finish(&p, &err);
	assert_error(r, err, WP_EEXISTS, needle);
	wp_layer_plan_release(&p);
}

static void build_plan(wp_layer_plan *p)
{
	_cleanup_free_ char *extra = test_path(tmp, "src/extra.bin");
	_cleanup_free_ char *conf = test_path(tmp, "src/conf.txt");
	_cleanup_free_ char *tool = test_path(tmp, "src/tool.sh");

	memset(p, 0, sizeof(*p));
	add_app(p, "/srv/");
	add_file(p, "/opt/tools/extra", extra, 0755);
	add_file(p, "/etc/conf", conf, 0644);
	add_path(p, "/bin/", tool);
	finish(p);
}

struct expect {
	const char *name;
	mode_t type;
	unsigned int perm;
	const char *content; /* files: the bytes; symlinks: the target */
	size_t size;
};

/* Byte order of the paths: every parent before its children. */
static const struct expect expected[] = {
	{"bin/", AE_IFDIR, 0755, NULL, 0},
	{"bin/tool.sh", AE_IFREG, 0755, "echo\n", 5},
	{"etc/", AE_IFDIR, 0755, NULL, 0},
	{"etc/conf", AE_IFREG, 0644, "k=v\n", 4},
	{"opt/", AE_IFDIR, 0755, NULL, 0},
	{"opt/tools/", AE_IFDIR, 0755, NULL, 0},
	{"opt/tools/extra", AE_IFREG, 0755, "extra", 5},
	{"srv/", AE_IFDIR, 0755, NULL, 0},
	{"srv/empty/", AE_IFDIR, 0755, NULL, 0},
	{"srv/link", AE_IFLNK, 0777, "main.wasm", 0},
	{"srv/main.wasm", AE_IFREG, 0644, WASM_BYTES, 8},
	{"srv/run.sh", AE_IFREG, 0755, "#!/bin/sh\n", 10},
	{"srv/sub/", AE_IFDIR, 0755, NULL, 0},
	{"srv/sub/data.txt", AE_IFREG, 0644, "data", 4},
};

/* Checks every entry of the tar (compressed or not) at path. */
static void check_entries(const char *path, const struct expect *want, size_t n, int64_t mtime)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	size_t i = 0;
	int ret;

	cr_assert_not_null(a);
	archive_read_support_filter_all(a);
	archive_read_support_format_all(a);
	cr_assert_eq(archive_read_open_filename(a, path, 65536), ARCHIVE_OK, "%s",
		     archive_error_string(a));
	while ((ret = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const struct expect *w = &want[i];
		const char *uname = archive_entry_uname(e), *gname = archive_entry_gname(e);

		cr_assert_lt(i, n, "unexpected entry \"%s\"", archive_entry_pathname(e));
		cr_assert_str_eq(archive_entry_pathname(e), w->name, "entry %zu", i);
		cr_assert_eq(archive_entry_filetype(e), w->type, "%s: type %o", w->name,
			     archive_entry_filetype(e));
		cr_assert_eq(archive_entry_perm(e), w->perm, "%s: mode %o, expected %o", w->name,
			     archive_entry_perm(e), w->perm);
		cr_assert_eq(archive_entry_uid(e), 0, "%s", w->name);
		cr_assert_eq(archive_entry_gid(e), 0, "%s", w->name);
		cr_assert(!uname || !*uname, "%s: uname \"%s\"", w->name, uname);
		cr_assert(!gname || !*gname, "%s: gname \"%s\"", w->name, gname);
		cr_assert_eq(archive_entry_mtime(e), mtime, "%s: mtime", w->name);
		cr_assert_eq(archive_entry_mtime_nsec(e), 0);
		cr_assert_eq(archive_entry_size(e), (la_int64_t)w->size, "%s: size", w->name);
		if (w->type == AE_IFLNK)
			cr_assert_str_eq(archive_entry_symlink(e), w->content, "%s", w->name);
		if (w->type == AE_IFREG) {
			char buf[64];
			la_ssize_t got = archive_read_data(a, buf, sizeof(buf));

			cr_assert_eq(got, (la_ssize_t)w->size, "%s: read %zd", w->name, got);
			cr_assert_arr_eq(buf, w->content, w->size, "%s: content", w->name);
		}
		i++;
	}
	cr_assert_eq(ret, ARCHIVE_EOF, "%s", archive_error_string(a));
	cr_assert_eq(i, n, "%zu entries, expected %zu", i, n);
	archive_read_free(a);
}

/* The blob at path, decompressed. */
static void decompressed(const char *path, wp_buf *out)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	char buf[65536];
	la_ssize_t n;

	cr_assert_not_null(a);
	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	cr_assert_eq(archive_read_open_filename(a, path, 65536), ARCHIVE_OK);
	cr_assert_eq(archive_read_next_header(a, &e), ARCHIVE_OK, "%s", archive_error_string(a));
	wp_buf_init(out, 16u << 20);
	while ((n = archive_read_data(a, buf, sizeof(buf))) > 0) {
		wp_error *err = NULL;
		int r = wp_buf_append(out, buf, (size_t)n, &err);

		assert_ok(r, err);
	}
	cr_assert_eq(n, 0, "%s", archive_error_string(a));
	archive_read_free(a);
}

static void write_layer(wp_layout *l, const wp_layer_plan *p, wp_compression c, int threads,
			int tee_fd, wp_layer_result *res)
{
	wp_layer_options o = {c, 0, threads, MTIME, tee_fd, "tee"};
	wp_error *err = NULL;
	int r = wp_layer_write(l, p, &o, res, &err);

	assert_ok(r, err);
}

/* The blob's digest, size, diff_id and entries. */
static void check_layer(wp_layout *l, const wp_layer_result *res, wp_compression c)
{
	_cleanup_free_ char *blob = wp_layout_blob_path(l, res->digest);
	_cleanup_free_ char *blobs = test_path(wp_layout_dir(l), "blobs/sha256");
	char d[WP_DIGEST_SIZE];
	wp_buf file, tar;
	wp_error *err = NULL;
	size_t hidden = 0;
	int r;

	cr_assert_eq(res->compression, c);
	test_read_file(blob, &file, 16u << 20);
	r = wp_sha256_bytes(d, file.data, file.len, &err);
	assert_ok(r, err);
	cr_assert_str_eq(d, res->digest, "the blob's name and content agree");
	cr_assert_eq((int64_t)file.len, res->size);
	decompressed(blob, &tar);
	r = wp_sha256_bytes(d, tar.data, tar.len, &err);
	assert_ok(r, err);
	cr_assert_str_eq(d, res->diff_id, "diff_id is the digest of the uncompressed tar");
	cr_assert_eq((int64_t)tar.len, res->uncompressed_size);
	cr_assert_eq(tar.len % 512, 0);
	cr_assert_arr_eq(tar.data + 257, "ustar", 5, "POSIX ustar headers");
	switch (c) {
	case WP_COMPRESSION_GZIP:
		cr_assert_arr_eq(file.data, "\x1f\x8b", 2);
		cr_assert_str_neq(res->digest, res->diff_id);
		break;
	case WP_COMPRESSION_ZSTD:
		cr_assert_arr_eq(file.data, "\x28\xb5\x2f\xfd", 4);
		cr_assert_str_neq(res->digest, res->diff_id);
		break;
	default:
		cr_assert_str_eq(res->digest, res->diff_id);
		cr_assert_eq(res->size, res->uncompressed_size);
		break;
	}
	check_entries(blob, expected, WP_ARRAY_SIZE(expected), MTIME);
	cr_assert_eq(test_count_entries(blobs, &hidden), 1);
	cr_assert_eq(hidden, 0, "no temporary blob is left");
	wp_buf_release(&file);
	wp_buf_release(&tar);
}

/* The sources as a layer of compression c written with `threads` threads. */
static void assert_layer(wp_compression c, int threads)
{
	wp_layer_plan p;
	wp_layer_result res;
	wp_layout *l = test_open_layout(tmp, "layout");

	build_plan(&p);
	write_layer(l, &p, c, threads, -1, &res);
	check_layer(l, &res, c);
	wp_layer_plan_release(&p);
	wp_layout_close(l);
}

Test(layer, gzip_layer)
{
	assert_layer(WP_COMPRESSION_GZIP, 2);
}

Test(layer, zstd_layer)
{
	assert_layer(WP_COMPRESSION_ZSTD, 2);
}

Test(layer, uncompressed_layer)
{
	assert_layer(WP_COMPRESSION_NONE, 1);
}

Test(layer, same_diff_id_for_every_compression_and_thread_count)
{
	static const wp_compression kinds[] = {WP_COMPRESSION_NONE, WP_COMPRESSION_GZIP,
					       WP_COMPRESSION_ZSTD};
	wp_layer_plan p;
	wp_layer_result first, res;
	wp_layout *l = test_open_layout(tmp, "layout");

	build_plan(&p);
	write_layer(l, &p, WP_COMPRESSION_NONE, 1, -1, &first);
	for (size_t k = 0; k < WP_ARRAY_SIZE(kinds); k++) {
		wp_layer_result one;

		write_layer(l, &p, kinds[k], 1, -1, &one);
		cr_assert_str_eq(one.diff_id, first.diff_id);
		write_layer(l, &p, kinds[k], 4, -1, &res);
		cr_assert_str_eq(res.diff_id, first.diff_id);
		cr_assert_str_eq(res.digest, one.digest, "%s: 1 and 4 threads differ",
				 wp_compression_name(kinds[k]));
		cr_assert_eq(res.size, one.size);
	}
	wp_layer_plan_release(&p);
	wp_layout_close(l);
}

Test(layer, tee_receives_the_uncompressed_tar)
{
	_cleanup_free_ char *tee_path = test_path(tmp, "layer.tar");
	wp_layer_plan p;
	wp_layer_result res;
	wp_layout *l = test_open_layout(tmp, "layout");
	char d[WP_DIGEST_SIZE];
	wp_error *err = NULL;
	wp_buf tar;
	int fd, r;

	build_plan(&p);
	fd = open(tee_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	cr_assert_geq(fd, 0);
	write_layer(l, &p, WP_COMPRESSION_GZIP, 2, fd, &res);
	close(fd);
	test_read_file(tee_path, &tar, 1u << 20);
	r = wp_sha256_bytes(d, tar.data, tar.len, &err);
	assert_ok(r, err);
	cr_assert_str_eq(d, res.diff_id);
	check_entries(tee_path, expected, WP_ARRAY_SIZE(expected), MTIME);
	wp_buf_release(&tar);
	wp_layer_plan_release(&p);
	wp_layout_close(l);
}

Test(layer, mtime_and_host_metadata_do_not_leak)
{
	_cleanup_free_ char *f = test_write_file(tmp, "f", "x", 1, 0600);
	wp_layer_plan p = {0};
	wp_layer_result a, b;
	wp_layout *l = test_open_layout(tmp, "layout");
	wp_layer_options o = {WP_COMPRESSION_GZIP, 0, 1, 0, -1, NULL};
	wp_error *err = NULL;
	struct timespec old[2] = {{1000, 0}, {1000, 0}};
	static const struct expect want[] = {
		{"x/", AE_IFDIR, 0755, NULL, 0},
		{"x/f", AE_IFREG, 0644, "x", 1},
	};
	_cleanup_free_ char *blob = NULL;
	int r;

	add_file(&p, "/x/f", f, 0644);
	finish(&p);
	r = wp_layer_write(l, &p, &o, &a, &err);
	assert_ok(r, err);
	/* another host mtime and owner: the same layer */
	cr_assert_eq(utimensat(AT_FDCWD, f, old, 0), 0);
	if (geteuid() == 0)
		cr_assert_eq(chown(f, 1234, 5678), 0);
	r = wp_layer_write(l, &p, &o, &b, &err);
	assert_ok(r, err);
	cr_assert_str_eq(a.digest, b.digest);
	blob = wp_layout_blob_path(l, a.digest);
	check_entries(blob, want, WP_ARRAY_SIZE(want), 0);
	wp_layer_plan_release(&p);
	wp_layout_close(l);
}

Test(layer, file_changed_after_planning_fails_and_leaves_nothing)
{
	_cleanup_free_ char *f = test_write_file(tmp, "f", "12345", 5, 0644);
	_cleanup_free_ char *blobs = test_path(tmp, "layout/blobs/sha256");
	wp_layer_plan p = {0};
	wp_layer_result res;
	wp_layout *l = test_open_layout(tmp, "layout");
	wp_layer_options o = {WP_COMPRESSION_GZIP, 0, 1, 0, -1, NULL};
	wp_error *err = NULL;
	int r;

	add_file(&p, "/f", f, 0644);
	free(test_write_file(tmp, "f", "123", 3, 0644));
	r = wp_layer_write(l, &p, &o, &res, &err);
	assert_error(r, err, WP_EIO, "shrank while it was being read");
	free(test_write_file(tmp, "f", "1234567", 7, 0644));
	r = wp_layer_write(l, &p, &o, &res, &err);
	assert_error(r, err, WP_EIO, "grew while it was being read");
	cr_assert_eq(test_count_entries(blobs, NULL), 0, "the temporary blob is removed");
	wp_layer_plan_release(&p);
	wp_layout_close(l);
}

Test(layer, two_entries_at_one_path)
{
	_cleanup_free_ char *f1 = test_write_file(tmp, "one", "1", 1, 0644);
	_cleanup_free_ char *f2 = test_write_file(tmp, "two", "2", 1, 0644);

	assert_conflict("/app/a", f1, "/app/a", f2, "two files would be written to \"/app/a\"");
}

Test(layer, a_file_where_a_directory_goes)
{
	_cleanup_free_ char *f = test_write_file(tmp, "f", "1", 1, 0644);

	assert_conflict("/srv", NULL, "/srv/sub", f, "\"/srv/sub\"");
}

Test(layer, a_file_as_the_parent_of_another_entry)
{
	_cleanup_free_ char *f = test_write_file(tmp, "f", "1", 1, 0644);

	assert_conflict("/app", f, "/app/x.wasm", f, "\"/app\"");
}

Test(layer, a_symlink_as_the_parent_of_another_entry)
{
	_cleanup_free_ char *f = test_write_file(tmp, "f", "1", 1, 0644);

	/* srv/link is a symlink: writing through it would escape the tree */
	assert_conflict("/srv", NULL, "/srv/link/x", f, "\"/srv/link\"");
}

Test(layer, directories_merge)
{
	_cleanup_free_ char *d1 = test_path(tmp, "d1");
	_cleanup_free_ char *d2 = test_path(tmp, "d2");
	_cleanup_free_ char *blob = NULL;
	wp_layer_plan p = {0};
	wp_layer_result res;
	wp_layout *l = test_open_layout(tmp, "layout");
	static const struct expect want[] = {
		{"x/", AE_IFDIR, 0755, NULL, 0},
		{"x/a", AE_IFREG, 0644, "a", 1},
		{"x/b", AE_IFREG, 0644, "b", 1},
	};

	mkdir_in("d1", 0755);
	mkdir_in("d2", 0700);
	free(test_write_file(d1, "a", "a", 1, 0644));
	free(test_write_file(d2, "b", "b", 1, 0644));
	add_path(&p, "/x", d1);
	add_path(&p, "/x/", d2);
	finish(&p);
	cr_assert_eq(p.len, 3);
	write_layer(l, &p, WP_COMPRESSION_NONE, 1, -1, &res);
	blob = wp_layout_blob_path(l, res.digest);
	check_entries(blob, want, WP_ARRAY_SIZE(want), MTIME);
	wp_layer_plan_release(&p);
	wp_layout_close(l);
}

Test(layer, add_path_file_destinations)
{
	_cleanup_free_ char *f = test_write_file(tmp, "m.wasm", "x", 1, 0644);
	wp_layer_plan p = {0};

	add_path(&p, "/app/", f);
	add_path(&p, "/renamed.wasm", f);
	add_path(&p, "/", f);
	cr_assert_eq(p.len, 3);
	cr_assert_str_eq(p.items[0].dest, "app/m.wasm");
	cr_assert_str_eq(p.items[1].dest, "renamed.wasm");
	cr_assert_str_eq(p.items[2].dest, "m.wasm");
	finish(&p);
	cr_assert_eq(p.len, 4);
	cr_assert_str_eq(p.items[0].dest, "app");
	cr_assert_eq(p.items[0].type, WP_TAR_DIR);
	cr_assert_eq(p.items[0].mode, 0755);
	wp_layer_plan_release(&p);
}

Test(layer, add_refuses_what_a_layer_cannot_hold)
{
	_cleanup_free_ char *fifo = test_path(tmp, "fifo");
	_cleanup_free_ char *missing = test_path(tmp, "missing");
	_cleanup_free_ char *dir = test_path(tmp, "d");
	_cleanup_free_ char *inner = test_path(tmp, "d/fifo");
	_cleanup_free_ char *f = test_write_file(tmp, "f", "x", 1, 0644);
	wp_layer_plan p = {0};
	wp_error *err = NULL;
	int r;

	cr_assert_eq(mkfifo(fifo, 0644), 0);
	mkdir_in("d", 0755);
	r = wp_layer_plan_add_file(&p, "/x", dir, 0644, &err);
	assert_error(r, err, WP_EINVALID, "is not a regular file");
	r = wp_layer_plan_add_file(&p, "/x", missing, 0644, &err);
	assert_error(r, err, WP_ENOTFOUND, "cannot read");
	r = wp_layer_plan_add_path(&p, "/x", missing, &err);
	assert_error(r, err, WP_ENOTFOUND, "cannot read");
	r = wp_layer_plan_add_path(&p, "/x", fifo, &err);
	assert_error(r, err, WP_EINVALID, "not a regular file or directory");
	r = wp_layer_plan_add_file(&p, "relative", f, 0644, &err);
	assert_error(r, err, WP_EINVALID, "must be absolute");
	r = wp_layer_plan_add_file(&p, "/", f, 0644, &err);
	assert_error(r, err, WP_EINVALID, "\"/\"");
	cr_assert_eq(p.len, 0);
	/* a FIFO inside a directory */
	cr_assert_eq(rename(fifo, inner), 0);
	r = wp_layer_plan_add_path(&p, "/x", dir, &err);
	assert_error(r, err, WP_EINVALID, "not a regular file, directory or symlink");
	wp_layer_plan_release(&p);
}

struct norm_case {
	const char *in;
	bool keep_slash;
	const char *out; /* NULL: refused */
};

static const struct norm_case norm[] = {
	{"/app/x.wasm", false, "app/x.wasm"},
	{"/app/", false, "app"},
	{"/app/", true, "app/"},
	{"/a/b/c", true, "a/b/c"},
	{"/...", false, "..."},
	{"/a/.b/..c", false, "a/.b/..c"},
	{"/", false, ""},
	{"/", true, ""},
	{"app/x.wasm", false, NULL},
	{"", false, NULL},
	{"./x", false, NULL},
	{"/..", false, NULL},
	{"/a/../b", false, NULL},
	{"/a/..", true, NULL},
	{"/.", false, NULL},
	{"/a/./b", false, NULL},
	{"/a/.", true, NULL},
	{"/a//b", false, NULL},
	{"//a", false, NULL},
	{"//", true, NULL},
	{"/a//", true, NULL},
	{"/a//", false, NULL},
};

Test(layer, normalize_path)
{
	for (size_t i = 0; i < WP_ARRAY_SIZE(norm); i++) {
		char *out = NULL;
		wp_error *err = NULL;
		int r = wp_layer_normalize_path(norm[i].in, norm[i].keep_slash, &out, &err);

		if (norm[i].out) {
			cr_assert_eq(r, 0, "\"%s\": %s", norm[i].in, err ? err->message : "");
			cr_assert_str_eq(out, norm[i].out, "\"%s\"", norm[i].in);
			free(out);
		} else {
			cr_assert_eq(r, WP_EINVALID,
				     "\"%s\" (keep_slash %d) was accepted as \"%s\"", norm[i].in,
				     norm[i].keep_slash, out);
			assert_error_in(norm[i].in, r, err, WP_EINVALID, norm[i].in);
			cr_assert_null(out);
		}
	}
}

/* tar_writer on its own */

static wp_tar_writer *new_writer(wp_sink sink)
{
	wp_tar_writer *w = NULL;
	wp_error *err = NULL;
	int r = wp_tar_writer_new(&w, sink, &err);

	assert_ok(r, err);
	return w;
}

static void tar_to_buf(wp_buf *out, const wp_tar_entry *entries, size_t n)
{
	wp_tar_writer *w;
	wp_error *err = NULL;
	int r;

	wp_buf_init(out, 1u << 20);
	w = new_writer((wp_sink){test_buf_sink_write, out});
	for (size_t i = 0; i < n; i++) {
		if (entries[i].type == WP_TAR_FILE)
			r = wp_tar_writer_add_bytes(w, &entries[i], entries[i].link_target,
						    (size_t)entries[i].size, &err);
		else
			r = wp_tar_writer_add_fd(w, &entries[i], -1, entries[i].path, &err);
		assert_ok(r, err);
	}
	r = wp_tar_writer_finish(w, &err);
	assert_ok(r, err);
	wp_tar_writer_free(w);
}

Test(tar_writer, long_names_and_end_of_archive)
{
	char name[201];
	wp_tar_entry entries[2] = {
		{"d", WP_TAR_DIR, 0700, 0, 5, NULL},
		{name, WP_TAR_FILE, 0600, 3, 5, "abc"},
	};
	struct expect want[2] = {
		{"d/", AE_IFDIR, 0700, NULL, 0},
		{name, AE_IFREG, 0600, "abc", 3},
	};
	_cleanup_free_ char *path = NULL;
	wp_buf out;
	bool zeros = true;

	memset(name, 'n', 200);
	name[1] = '/';
	name[0] = 'd';
	name[200] = '\0';
	tar_to_buf(&out, entries, 2);
	cr_assert_eq(out.len % 512, 0);
	for (size_t i = out.len - 1024; i < out.len; i++)
		zeros &= out.data[i] == 0;
	cr_assert(zeros, "two zero records end the archive");
	path = test_write_file(tmp, "t.tar", out.data, out.len, 0644);
	/* written modes are kept as given; only the layer normalises */
	check_entries(path, want, 2, 5);
	wp_buf_release(&out);
}

Test(tar_writer, same_entries_same_bytes)
{
	wp_tar_entry entries[] = {
		{"a", WP_TAR_DIR, 0755, 0, 42, NULL},
		{"a/f", WP_TAR_FILE, 0644, 5, 42, "hello"},
		{"a/l", WP_TAR_SYMLINK, 0777, 0, 42, "f"},
	};
	wp_buf one, two;

	tar_to_buf(&one, entries, WP_ARRAY_SIZE(entries));
	tar_to_buf(&two, entries, WP_ARRAY_SIZE(entries));
	cr_assert_eq(one.len, two.len);
	cr_assert_eq(one.len, 512 * 3 + 512 + 1024, "three headers, one data block, the end");
	cr_assert_eq(memcmp(one.data, two.data, one.len), 0);
	wp_buf_release(&one);
	wp_buf_release(&two);
}

Test(tar_writer, add_bytes_checks_the_size)
{
	wp_buf out = WP_BUF_INIT(1u << 20);
	wp_tar_writer *w = new_writer((wp_sink){test_buf_sink_write, &out});
	wp_tar_entry e = {"f", WP_TAR_FILE, 0644, 4, 0, NULL};
	wp_tar_entry dir = {"d", WP_TAR_DIR, 0755, 0, 0, NULL};
	wp_error *err = NULL;
	int r = wp_tar_writer_add_bytes(w, &e, "abc", 3, &err);

	assert_error(r, err, WP_EINVALID, "tar entry \"f\": size mismatch");
	r = wp_tar_writer_add_bytes(w, &dir, "", 0, &err);
	assert_error(r, err, WP_EINVALID, "size mismatch");
	wp_tar_writer_free(w);
	wp_buf_release(&out);
}

static int failing_sink(void *ctx, const void *data, size_t len, wp_error **err)
{
	(void)ctx;
	(void)data;
	(void)len;
	return wp_error_set(err, WP_ENOSPC, "test sink: disk full");
}

Test(tar_writer, sink_errors_propagate)
{
	wp_tar_writer *w = new_writer((wp_sink){failing_sink, NULL});
	wp_tar_entry e = {"f", WP_TAR_FILE, 0644, 3, 0, NULL};
	wp_error *err = NULL;
	/* the first 64 KiB block is only written at the end */
	int r = wp_tar_writer_add_bytes(w, &e, "abc", 3, &err);

	assert_ok(r, err);
	r = wp_tar_writer_finish(w, &err);
	assert_error(r, err, WP_ENOSPC, "test sink: disk full");
	wp_tar_writer_free(w);
}

Test(tar_writer, free_unfinished_writes_nothing_more)
{
	wp_buf out = WP_BUF_INIT(1u << 20);
	wp_tar_writer *w = new_writer((wp_sink){test_buf_sink_write, &out});
	wp_tar_entry e = {"f", WP_TAR_FILE, 0644, 3, 0, NULL};
	wp_error *err = NULL;
	int r = wp_tar_writer_add_bytes(w, &e, "abc", 3, &err);

	assert_ok(r, err);
	wp_tar_writer_free(w);
	cr_assert_eq(out.len, 0, "a discarded stream does not reach the sink");
	wp_tar_writer_free(NULL);
	wp_buf_release(&out);
}
