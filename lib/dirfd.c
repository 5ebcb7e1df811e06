#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

#include "dirfd.h"
#include "common.h"

#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

/* Opens the directory `name` in fd (making it when create is set); `shown`
 * (`len` bytes) is the path up to it, for errors. */
static int open_dir(int fd, const char *name, bool create, const char *shown, int len,
		    wp_error **err)
{
	int d = openat(fd, name, DIR_FLAGS);
	struct stat st;

	if (d < 0 && errno == ENOENT && create) {
		if (mkdirat(fd, name, 0700) < 0 && errno != EEXIST)
			return wp_error_set_errno(err, errno, "cannot make directory \"%.*s\"", len,
						  shown);
		d = openat(fd, name, DIR_FLAGS);
	}
	if (d >= 0)
		return d;
	if (errno != ELOOP && errno != ENOTDIR)
		return wp_error_set_errno(err, errno, "cannot open directory \"%.*s\"", len, shown);
	if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
		return wp_error_set(err, WP_EINVALID, "\"%.*s\" is a symbolic link", len, shown);
	return wp_error_set(err, WP_EINVALID, "\"%.*s\" is not a directory", len, shown);
}

int wp_dirfd_open_parent(int root, const char *path, bool create, int *out, const char **base,
			 wp_error **err)
{
	_cleanup_close_ int fd = fcntl(root, F_DUPFD_CLOEXEC, 0);
	const char *c = path, *slash;

	if (fd < 0)
		return wp_error_set_errno(err, errno, "cannot duplicate a directory descriptor");
	while ((slash = strchr(c, '/'))) {
		char name[NAME_MAX + 1];
		size_t n = (size_t)(slash - c);
		int next;

		if (n > NAME_MAX)
			return wp_error_set(err, WP_EINVALID, "\"%.*s\": name too long",
					    (int)(slash - path), path);
		memcpy(name, c, n);
		name[n] = '\0';
		if ((next = open_dir(fd, name, create, path, (int)(slash - path), err)) < 0)
			return next;
		close(fd);
		fd = next;
		c = slash + 1;
	}
	*out = TAKE_FD(fd);
	*base = c;
	return 0;
}

int wp_dirfd_remove(int dir, const char *name, wp_error **err)
{
	_cleanup_close_ int sub = -1;
	struct stat st;
	int r;

	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT
			       ? 0
			       : wp_error_set_errno(err, errno, "cannot remove \"%s\"", name);
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(dir, name, 0) < 0 && errno != ENOENT)
			return wp_error_set_errno(err, errno, "cannot remove \"%s\"", name);
		return 0;
	}
	if ((sub = openat(dir, name, DIR_FLAGS)) < 0)
		return wp_error_set_errno(err, errno, "cannot open directory \"%s\"", name);
	/* its entries cannot be unlinked without write and search permission */
	if ((st.st_mode & 0700) != 0700 && fchmod(sub, (st.st_mode & 07777) | 0700) < 0)
		return wp_error_set_errno(err, errno, "cannot remove \"%s\"", name);
	if ((r = wp_dirfd_clear(sub, err)) < 0)
		return wp_error_prefix(err, "\"%s\"", name);
	if (unlinkat(dir, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return wp_error_set_errno(err, errno, "cannot remove \"%s\"", name);
	return 0;
}

int wp_dirfd_clear(int dir, wp_error **err)
{
	int fd = fcntl(dir, F_DUPFD_CLOEXEC, 0);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	size_t removed;
	int r = 0;

	if (!d) {
		r = wp_error_set_errno(err, errno, "cannot list a directory");
		if (fd >= 0)
			close(fd);
		return r;
	}
	/* again until a pass finds nothing: entries removed while a directory
	 * is read may make readdir skip others */
	do {
		struct dirent *e;

		removed = 0;
		rewinddir(d);
		while (r == 0 && (e = readdir(d))) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			r = wp_dirfd_remove(dirfd(d), e->d_name, err);
			removed++;
		}
	} while (r == 0 && removed > 0);
	closedir(d);
	return r;
}
