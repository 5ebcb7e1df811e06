/* lib/fileio: atomic files, whole-file reads, mkdir -p and rm -rf. */
#include <criterion/criterion.h>

#include "helpers.h"
#include "../../lib/fileio.h"
#include "../../lib/common.h"

TEST_TMPDIR_SUITE(fileio);

static void write_atomic(const char *path, const char *data, size_t len, mode_t mode)
{
	wp_error *err = NULL;
	int r = wp_write_file_atomic(path, data, len, mode, &err);

	assert_ok(r, err);
}

/* Opens an atomic file for path and writes content into it. */
static void open_and_write(wp_atomic_file *f, const char *path, const char *content,
			   const char *what)
{
	wp_error *err = NULL;
	int r = wp_atomic_file_open(f, path, 0644, &err);

	assert_ok(r, err);
	r = wp_write_all(f->fd, content, strlen(content), what, &err);
	assert_ok(r, err);
}

/* path holds exactly the string want. */
static void assert_content(const char *path, const char *want)
{
	wp_buf got;

	test_read_file(path, &got, 1024);
	cr_assert_eq(got.len, strlen(want));
	cr_assert_str_eq(got.data, want);
	wp_buf_release(&got);
}

/* tmp holds n entries and no temporary file. */
static void assert_entries_no_temporary(size_t n)
{
	size_t hidden = 0;

	cr_assert_eq(test_count_entries(tmp, &hidden), n);
	cr_assert_eq(hidden, 0, "a temporary file was left behind");
}

Test(fileio, write_file_atomic_creates_the_file)
{
	_cleanup_free_ char *path = test_path(tmp, "out.json");
	struct stat st;

	write_atomic(path, "{\"a\":1}", 7, 0640);
	assert_content(path, "{\"a\":1}");
	cr_assert_eq(stat(path, &st), 0);
	cr_assert(S_ISREG(st.st_mode));
	cr_assert_eq(st.st_mode & 07777, 0640 & ~wp_umask());
	assert_entries_no_temporary(1);
}

Test(fileio, write_file_atomic_replaces_existing_content)
{
	_cleanup_free_ char *path = test_write_file(tmp, "f", "old content, longer", 19, 0644);

	write_atomic(path, "new", 3, 0644);
	assert_content(path, "new");
	assert_entries_no_temporary(1);
}

Test(fileio, write_file_atomic_empty_file)
{
	_cleanup_free_ char *path = test_path(tmp, "empty");
	struct stat st;

	write_atomic(path, "", 0, 0644);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_size, 0);
}

Test(fileio, write_file_atomic_into_a_missing_directory_fails)
{
	_cleanup_free_ char *path = test_path(tmp, "no/such/dir/f");
	wp_error *err = NULL;
	int r = wp_write_file_atomic(path, "x", 1, 0644, &err);

	assert_error(r, err, WP_ENOTFOUND, "cannot create a file in");
	cr_assert_eq(test_count_entries(tmp, NULL), 0);
}

Test(fileio, atomic_file_is_invisible_until_commit)
{
	_cleanup_free_ char *path = test_path(tmp, "blob");
	wp_atomic_file f = WP_ATOMIC_FILE_INIT;
	wp_error *err = NULL;
	size_t hidden = 0;
	int r = wp_atomic_file_open(&f, path, 0644, &err);

	assert_ok(r, err);
	cr_assert_geq(f.fd, 0);
	cr_assert_not_null(f.tmp_path);
	cr_assert(wp_str_has_prefix(wp_path_basename(f.tmp_path), ".blob.tmp-"), "%s", f.tmp_path);
	r = wp_write_all(f.fd, "data", 4, "blob", &err);
	assert_ok(r, err);
	cr_assert_not(test_exists(path));
	cr_assert_eq(test_count_entries(tmp, &hidden), 1);
	cr_assert_eq(hidden, 1);
	r = wp_atomic_file_commit(&f, &err);
	assert_ok(r, err);
	cr_assert(test_exists(path));
	cr_assert_eq(f.fd, -1);
	cr_assert_null(f.tmp_path);
	wp_atomic_file_abort(&f); /* after commit: frees, removes nothing */
	cr_assert(test_exists(path));
	assert_entries_no_temporary(1);
}

Test(fileio, atomic_file_abort_leaves_nothing)
{
	_cleanup_free_ char *path = test_path(tmp, "never");
	wp_atomic_file f = WP_ATOMIC_FILE_INIT;

	open_and_write(&f, path, "partial", "never");
	wp_atomic_file_abort(&f);
	cr_assert_eq(f.fd, -1);
	cr_assert_null(f.tmp_path);
	cr_assert_null(f.final_path);
	cr_assert_eq(test_count_entries(tmp, NULL), 0);
	wp_atomic_file_abort(&f); /* twice is harmless */
	cr_assert_eq(test_count_entries(tmp, NULL), 0);
}

Test(fileio, atomic_file_abort_keeps_an_existing_file)
{
	_cleanup_free_ char *path = test_write_file(tmp, "keep", "original", 8, 0644);
	wp_atomic_file f = WP_ATOMIC_FILE_INIT;

	open_and_write(&f, path, "replacement", "keep");
	wp_atomic_file_abort(&f);
	assert_content(path, "original");
	cr_assert_eq(test_count_entries(tmp, NULL), 1);
}

Test(fileio, atomic_file_commit_as_another_name)
{
	_cleanup_free_ char *path = test_path(tmp, "placeholder");
	_cleanup_free_ char *final = test_path(tmp, "sha256-abc");
	wp_atomic_file f = WP_ATOMIC_FILE_INIT;
	wp_error *err = NULL;
	int r;

	open_and_write(&f, path, "abc", "x");
	r = wp_atomic_file_commit_as(&f, final, &err);
	assert_ok(r, err);
	wp_atomic_file_abort(&f);
	cr_assert(test_exists(final));
	cr_assert_not(test_exists(path));
	assert_entries_no_temporary(1);
	/* nothing is in progress any more */
	r = wp_atomic_file_commit_as(&f, final, &err);
	assert_error(r, err, WP_EGENERIC, "no file in progress");
}

Test(fileio, read_file_limits_and_errors)
{
	_cleanup_free_ char *path = test_write_file(tmp, "ten", "0123456789", 10, 0644);
	_cleanup_free_ char *missing = test_path(tmp, "missing");
	wp_buf b = WP_BUF_INIT(9);
	wp_error *err = NULL;
	int r = wp_read_file(path, &b, &err);

	assert_error(r, err, WP_ELIMIT, "is larger than 9 bytes");
	cr_assert_eq(b.len, 0);
	wp_buf_release(&b);
	wp_buf_init(&b, 10);
	r = wp_read_file(path, &b, &err);
	assert_ok(r, err);
	cr_assert_str_eq(b.data, "0123456789");
	r = wp_read_file(missing, &b, &err);
	assert_error(r, err, WP_ENOTFOUND, "cannot open");
	r = wp_read_file(tmp, &b, &err);
	assert_error(r, err, WP_EINVALID, "is a directory");
	wp_buf_release(&b);
}

Test(fileio, read_full_and_write_all_through_a_pipe)
{
	int fds[2];
	char got[16];
	size_t n = 0;
	wp_error *err = NULL;
	int r;

	cr_assert_eq(pipe(fds), 0);
	r = wp_write_all(fds[1], "hello", 5, "pipe", &err);
	assert_ok(r, err);
	close(fds[1]);
	r = wp_read_full(fds[0], got, sizeof(got), &n, "pipe", &err);
	assert_ok(r, err);
	cr_assert_eq(n, 5, "a short count only at end of file");
	cr_assert_arr_eq(got, "hello", 5);
	close(fds[0]);
	r = wp_write_all(-1, "x", 1, "nowhere", &err);
	assert_error(r, err, WP_EIO, "cannot write \"nowhere\"");
}

Test(fileio, pread_full_reads_at_an_offset)
{
	_cleanup_free_ char *path = test_write_file(tmp, "f", "0123456789", 10, 0644);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char got[8];
	size_t n = 0;
	wp_error *err = NULL;
	int r;

	cr_assert_geq(fd, 0);
	r = wp_pread_full(fd, got, 4, 3, &n, "f", &err);
	assert_ok(r, err);
	cr_assert_eq(n, 4);
	cr_assert_arr_eq(got, "3456", 4);
	r = wp_pread_full(fd, got, 8, 7, &n, "f", &err);
	assert_ok(r, err);
	cr_assert_eq(n, 3);
	cr_assert_eq(lseek(fd, 0, SEEK_CUR), 0, "the file offset is kept");
	close(fd);
}

Test(fileio, mkdir_p_creates_every_level)
{
	_cleanup_free_ char *deep = test_path(tmp, "a/b/c");
	_cleanup_free_ char *slashes = test_path(tmp, "x/y//");
	_cleanup_free_ char *y = test_path(tmp, "x/y");
	wp_error *err = NULL;
	bool created = false;
	struct stat st;
	int r = wp_mkdir_p(deep, 0755, &created, &err);

	assert_ok(r, err);
	cr_assert(created);
	cr_assert_eq(stat(deep, &st), 0);
	cr_assert(S_ISDIR(st.st_mode));
	r = wp_mkdir_p(deep, 0755, &created, &err);
	assert_ok(r, err);
	cr_assert_not(created, "an existing directory is not reported as created");
	r = wp_mkdir_p(slashes, 0755, NULL, &err);
	assert_ok(r, err);
	cr_assert_eq(stat(y, &st), 0);
	cr_assert(S_ISDIR(st.st_mode));
}

Test(fileio, mkdir_p_refuses_a_file_in_the_way)
{
	_cleanup_free_ char *file = test_write_file(tmp, "f", "x", 1, 0644);
	_cleanup_free_ char *under = test_path(tmp, "f/sub");
	wp_error *err = NULL;
	bool created = true;
	int r = wp_mkdir_p(file, 0755, &created, &err);

	assert_error(r, err, WP_EEXISTS, "exists and is not a directory");
	cr_assert_not(created);
	r = wp_mkdir_p(under, 0755, NULL, &err);
	cr_assert_lt(r, 0);
	cr_assert_not_null(err);
	cr_assert_not_null(strstr(err->message, "cannot create directory"), "%s", err->message);
	wp_error_free(err);
}

Test(fileio, remove_tree_removes_everything_but_symlink_targets)
{
	_cleanup_free_ char *outside = test_path(tmp, "outside");
	_cleanup_free_ char *kept = test_path(tmp, "outside/precious");
	_cleanup_free_ char *tree = test_path(tmp, "tree");
	_cleanup_free_ char *sub = test_path(tmp, "tree/a/b");
	_cleanup_free_ char *link = test_path(tmp, "tree/a/link");
	_cleanup_free_ char *f1 = NULL, *f2 = NULL;
	wp_error *err = NULL;
	int r = wp_mkdir_p(sub, 0755, NULL, &err);

	assert_ok(r, err);
	r = wp_mkdir_p(outside, 0755, NULL, &err);
	assert_ok(r, err);
	f1 = test_write_file(outside, "precious", "keep me", 7, 0644);
	f2 = test_write_file(sub, "file", "x", 1, 0400);
	cr_assert_eq(symlink(outside, link), 0);
	r = wp_remove_tree(tree, &err);
	assert_ok(r, err);
	cr_assert_not(test_exists(tree));
	cr_assert(test_exists(kept), "the symlink's target survives");
	/* missing: not an error; a plain file is removed too */
	r = wp_remove_tree(tree, &err);
	assert_ok(r, err);
	r = wp_remove_tree(kept, &err);
	assert_ok(r, err);
	cr_assert_not(test_exists(kept));
}

Test(fileio, fsync_dir_and_umask)
{
	_cleanup_free_ char *missing = test_path(tmp, "nope");
	wp_error *err = NULL;
	int r = wp_fsync_dir(tmp, &err);
	mode_t m = umask(0);

	umask(m);
	assert_ok(r, err);
	r = wp_fsync_dir(missing, &err);
	assert_error(r, err, WP_ENOTFOUND, "cannot open directory");
	cr_assert_eq(wp_umask(), m);
}

Test(fileio, open_read_gives_the_descriptor_and_its_status)
{
	_cleanup_free_ char *path = test_write_file(tmp, "f", "abc", 3, 0644);
	_cleanup_free_ char *missing = test_path(tmp, "missing");
	wp_error *err = NULL;
	struct stat st;
	int fd = wp_open_read(path, &st, &err);

	assert_ok(fd < 0 ? fd : 0, err);
	cr_assert_eq(st.st_size, 3);
	close(fd);
	fd = wp_open_read(missing, &st, &err);
	assert_error(fd, err, WP_ENOTFOUND, "cannot open");
}

Test(fileio, atomic_file_modes_follow_the_umask_and_secrets_stay_0600)
{
	_cleanup_free_ char *pub = test_path(tmp, "public.json");
	_cleanup_free_ char *secret = test_path(tmp, "secret.json");
	wp_atomic_file f = WP_ATOMIC_FILE_INIT;
	wp_error *err = NULL;
	struct stat st;
	int r;

	/* wp_umask() reads the umask once: set it before anything asks */
	umask(027);
	cr_assert_eq(wp_umask(), 027);
	write_atomic(pub, "{}", 2, 0644);
	cr_assert_eq(stat(pub, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0640, "an output's mode is the umask's business");
	/* a secret file is 0600 from the moment its temporary file exists */
	r = wp_atomic_file_open(&f, secret, 0600, &err);
	assert_ok(r, err);
	cr_assert_eq(fstat(f.fd, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600, "the temporary file, before any byte is written");
	cr_assert_eq(wp_write_all(f.fd, "{}", 2, secret, &err), 0);
	r = wp_atomic_file_commit(&f, &err);
	assert_ok(r, err);
	wp_atomic_file_abort(&f);
	cr_assert_eq(stat(secret, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600);
}
