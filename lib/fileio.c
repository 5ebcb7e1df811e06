#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

#include "fileio.h"
#include "log.h"
#include "str.h"
#include "common.h"

mode_t wp_umask(void)
{
	static mode_t cached = (mode_t)-1;
	FILE *f;
	char line[128];

	if (cached != (mode_t)-1)
		return cached;
	cached = 022;
	/* /proc avoids the umask(2) set-and-restore race between threads */
	f = fopen("/proc/self/status", "re");
	if (f) {
		while (fgets(line, sizeof(line), f)) {
			unsigned int m;

			if (sscanf(line, "Umask: %o", &m) == 1) {
				cached = (mode_t)m;
				break;
			}
		}
		fclose(f);
	}
	return cached;
}

int wp_atomic_file_open(wp_atomic_file *f, const char *path, mode_t mode, wp_error **err)
{
	_cleanup_free_ char *dir = wp_path_dirname(path);
	_cleanup_free_ char *final_path = strdup(path);
	_cleanup_free_ char *tmp = NULL;
	int fd;

	f->fd = -1;
	f->tmp_path = NULL;
	f->final_path = NULL;
	if (!dir || !final_path)
		return wp_error_oom(err);
	tmp = wp_strdup_printf("%s/.%s.tmp-XXXXXX", dir, wp_path_basename(path));
	if (!tmp)
		/* cppcheck-suppress memleak ; _cleanup_free_ frees final_path (cppcheck 2.10 does
		 * not run cleanup attributes) */
		return wp_error_oom(err);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		/* cppcheck-suppress memleak ; _cleanup_free_ frees final_path (cppcheck 2.10 does
		 * not run cleanup attributes) */
		return wp_error_set_errno(err, errno, "cannot create a file in \"%s\"", dir);
	if (fchmod(fd, mode & ~wp_umask()) < 0) {
		int e = errno;

		close(fd);
		unlink(tmp);
		/* cppcheck-suppress memleak ; _cleanup_free_ frees final_path (cppcheck 2.10 does
		 * not run cleanup attributes) */
		return wp_error_set_errno(err, e, "cannot set the mode of \"%s\"", tmp);
	}
	f->fd = fd;
	f->tmp_path = TAKE_PTR(tmp);
	f->final_path = TAKE_PTR(final_path);
	return 0;
}

/* ".<name>.tmp-XXXXXX", as wp_atomic_file_open names them */
static bool is_atomic_temp_name(const char *name)
{
	size_t n = strlen(name);
	static const char infix[] = ".tmp-";
	size_t suffix = sizeof(infix) - 1 + 6;

	return name[0] == '.' && n > suffix + 1 && strncmp(name + n - suffix, infix, 5) == 0;
}

void wp_atomic_file_sweep(const char *dir)
{
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)))
		if (is_atomic_temp_name(e->d_name) && unlinkat(fd, e->d_name, 0) == 0)
			wp_log_debug("removed \"%s/%s\", left by a write that did not finish", dir,
				     e->d_name);
	fd = -1; /* closedir closes it */
	closedir(d);
}

int wp_fsync_dir(const char *dir, wp_error **err)
{
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return wp_error_set_errno(err, errno, "cannot open directory \"%s\"", dir);
	if (fsync(fd) < 0 && errno != EINVAL)
		return wp_error_set_errno(err, errno, "cannot sync directory \"%s\"", dir);
	return 0;
}

int wp_atomic_file_commit_as(wp_atomic_file *f, const char *path, wp_error **err)
{
	_cleanup_free_ char *dir = wp_path_dirname(path);
	int fd = f->fd, r;

	if (!f->tmp_path)
		return wp_error_set(err, WP_EGENERIC, "no file in progress for \"%s\"", path);
	if (!dir)
		return wp_error_oom(err);
	/* on failure the error is made before wp_atomic_file_abort, which frees
	 * f->final_path: path, for wp_atomic_file_commit */
	f->fd = -1;
	if (fsync(fd) < 0) {
		r = wp_error_set_errno(err, errno, "cannot write \"%s\"", path);
		close(fd);
		wp_atomic_file_abort(f);
		return r;
	}
	/* close() reports delayed write errors on some filesystems (NFS) */
	if (close(fd) < 0) {
		r = wp_error_set_errno(err, errno, "cannot write \"%s\"", path);
		wp_atomic_file_abort(f);
		return r;
	}
	if (rename(f->tmp_path, path) < 0) {
		r = wp_error_set_errno(err, errno, "cannot rename a temporary file to \"%s\"",
				       path);
		wp_atomic_file_abort(f);
		return r;
	}
	free(f->tmp_path);
	f->tmp_path = NULL;
	return wp_fsync_dir(dir, err);
}

int wp_atomic_file_commit(wp_atomic_file *f, wp_error **err)
{
	return wp_atomic_file_commit_as(f, f->final_path, err);
}

void wp_atomic_file_abort(wp_atomic_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	if (f->tmp_path)
		unlink(f->tmp_path);
	free(f->tmp_path);
	free(f->final_path);
	f->tmp_path = NULL;
	f->final_path = NULL;
}

int wp_write_all(int fd, const void *data, size_t len, const char *what, wp_error **err)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return wp_error_set_errno(err, errno, "cannot write \"%s\"", what);
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* read() or, with offset >= 0, pread() until len bytes or end of file. */
static int read_loop(int fd, void *data, size_t len, int64_t offset, size_t *got, const char *what,
		     wp_error **err)
{
	char *p = data;
	size_t done = 0;

	while (done < len) {
		ssize_t n = offset < 0
				    ? read(fd, p + done, len - done)
				    : pread(fd, p + done, len - done, (off_t)offset + (off_t)done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return wp_error_set_errno(err, errno, "cannot read \"%s\"", what);
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	*got = done;
	return 0;
}

int wp_read_full(int fd, void *data, size_t len, size_t *got, const char *what, wp_error **err)
{
	return read_loop(fd, data, len, -1, got, what, err);
}

int wp_pread_full(int fd, void *data, size_t len, uint64_t offset, size_t *got, const char *what,
		  wp_error **err)
{
	if (offset > INT64_MAX)
		return wp_error_set(err, WP_EINVALID, "cannot read \"%s\": offset too large", what);
	return read_loop(fd, data, len, (int64_t)offset, got, what, err);
}

int wp_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
			 wp_error **err)
{
	wp_atomic_file f = WP_ATOMIC_FILE_INIT;
	int r;

	r = wp_atomic_file_open(&f, path, mode, err);
	if (r < 0)
		return r;
	r = wp_write_all(f.fd, data, len, path, err);
	if (r == 0)
		r = wp_atomic_file_commit(&f, err);
	wp_atomic_file_abort(&f);
	return r;
}

int wp_open_read(const char *path, struct stat *st, wp_error **err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return wp_error_set_errno(err, errno, "cannot open \"%s\"", path);
	if (fstat(fd, st) < 0) {
		int r = wp_error_set_errno(err, errno, "cannot stat \"%s\"", path);

		close(fd);
		return r;
	}
	return fd;
}

int wp_read_file(const char *path, wp_buf *out, wp_error **err)
{
	struct stat st;
	_cleanup_close_ int fd = wp_open_read(path, &st, err);
	char chunk[65536];
	int r;

	if (fd < 0)
		return fd;
	if (S_ISDIR(st.st_mode))
		return wp_error_set(err, WP_EINVALID, "\"%s\" is a directory", path);
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > out->max)
		return wp_error_set(err, WP_ELIMIT, "\"%s\" is larger than %zu bytes", path,
				    out->max);
	for (;;) {
		size_t got = 0;

		r = wp_read_full(fd, chunk, sizeof(chunk), &got, path, err);
		if (r < 0)
			return r;
		if (got == 0)
			return 0;
		r = wp_buf_append(out, chunk, got, err);
		if (r < 0)
			return wp_error_prefix(err, "\"%s\" is too large", path);
	}
}

int wp_mkdir_p(const char *path, mode_t mode, bool *created, wp_error **err)
{
	_cleanup_free_ char *copy = strdup(path);
	size_t n;

	if (created)
		*created = false;
	if (!copy)
		return wp_error_oom(err);
	n = strlen(copy);
	while (n > 1 && copy[n - 1] == '/')
		copy[--n] = '\0';
	for (char *p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, mode) < 0 && errno != EEXIST)
			return wp_error_set_errno(err, errno, "cannot create directory \"%s\"",
						  copy);
		*p = '/';
	}
	if (mkdir(copy, mode) == 0) {
		if (created)
			*created = true;
		return 0;
	}
	if (errno == EEXIST) {
		struct stat st;

		if (stat(copy, &st) == 0 && S_ISDIR(st.st_mode))
			return 0;
		return wp_error_set(err, WP_EEXISTS, "\"%s\" exists and is not a directory", copy);
	}
	return wp_error_set_errno(err, errno, "cannot create directory \"%s\"", copy);
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		return rmdir(path) < 0 ? -1 : 0;
	return unlink(path) < 0 ? -1 : 0;
}

int wp_remove_tree(const char *path, wp_error **err)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT
			       ? 0
			       : wp_error_set_errno(err, errno, "cannot remove \"%s\"", path);
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) < 0)
			return wp_error_set_errno(err, errno, "cannot remove \"%s\"", path);
		return 0;
	}
	if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) < 0)
		return wp_error_set_errno(err, errno, "cannot remove \"%s\"", path);
	return 0;
}
