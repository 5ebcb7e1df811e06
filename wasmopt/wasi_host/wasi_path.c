/* path_* imports, and the resolution they share: a guest path is walked one component at a
 * time beneath the directory fd it is relative to, each step an openat(O_NOFOLLOW), so the
 * kernel never follows a symlink or ".." on the guest's behalf. The host reads each symlink
 * itself and splices its target into the walk; an absolute path or target, or a ".." above
 * the starting directory, is refused with ENOTCAPABLE before anything outside is touched. A
 * symlink swapped in between the check and the use makes the O_NOFOLLOW open fail (ELOOP)
 * rather than escape. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasi_internal.h"

#define MAX_SYMLINKS 40 /* Linux's limit */

/* A resolved path: DIR (owned; an O_PATH fd) holds the entry NAME ("." for DIR itself). */
struct resolved {
	int dir;
	char *name;
};

static void resolved_release(struct resolved *r)
{
	if (r->dir >= 0)
		close(r->dir);
	free(r->name);
	r->dir = -1;
	r->name = NULL;
}

/* guest_string: a copy of the guest's (PTR, LEN) string; NULL with *err set. */
static char *guest_string(wh_ctx *c, uint32_t ptr, uint32_t len, uint32_t *err)
{
	if (!wh_in(c, ptr, len)) {
		*err = WH_EFAULT;
		return NULL;
	}
	if (memchr(wh_at(c, ptr), '\0', len) != NULL) {
		*err = WH_EILSEQ;
		return NULL;
	}
	char *s = malloc((size_t)len + 1);
	if (s == NULL) {
		*err = WH_ENOMEM;
		return NULL;
	}
	memcpy(s, wh_at(c, ptr), len);
	s[len] = '\0';
	return s;
}

/* symlink_target: the target of DIR/NAME if it is a symlink (malloc'd), else NULL with
 * *err = 0; NULL with *err set on failure. */
static char *symlink_target(int dir, const char *name, uint32_t *err)
{
	char buf[PATH_MAX];
	ssize_t n = readlinkat(dir, name, buf, sizeof(buf));
	*err = 0;
	if (n < 0) {
		if (errno != EINVAL && errno != ENOENT)
			*err = wh_errno(errno);
		return NULL; /* not a symlink, or nothing there */
	}
	if ((size_t)n == sizeof(buf)) {
		*err = WH_ENAMETOOLONG;
		return NULL;
	}
	char *t = strndup(buf, (size_t)n);
	if (t == NULL)
		*err = WH_ENOMEM;
	return t;
}

/* resolve: PATH beneath the directory of BASE. FOLLOW: a symlink as the last component is
 * followed too. */
static uint32_t resolve(int base, const char *path, bool follow, struct resolved *out)
{
	uint32_t err = WH_ESUCCESS;
	int *stack = NULL; /* stack[0] = base (borrowed), then one O_PATH fd per level */
	size_t depth = 0, cap = 0;
	char *rest = NULL, *name = NULL;
	int links = 0;

	out->dir = -1;
	out->name = NULL;
	if (path[0] == '\0')
		return WH_ENOENT;
	if (path[0] == '/')
		return WH_ENOTCAPABLE;
	size_t plen = strlen(path);
	bool must_dir = path[plen - 1] == '/';
	if (must_dir)
		follow = true; /* "link/" names what the link points at */
	if ((rest = strdup(path)) == NULL)
		return WH_ENOMEM;
	cap = 8;
	if ((stack = malloc(cap * sizeof(*stack))) == NULL) {
		free(rest);
		return WH_ENOMEM;
	}
	stack[0] = base;

	char *p = rest;
	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0') {
			/* a path of only "." and ".." components names the directory reached */
			name = strdup(".");
			break;
		}
		char *end = strchr(p, '/');
		char *after = end ? end : p + strlen(p);
		while (*after == '/')
			after++;
		bool last = *after == '\0';
		size_t clen = end ? (size_t)(end - p) : strlen(p);
		char comp[NAME_MAX + 1];
		if (clen > NAME_MAX) {
			err = WH_ENAMETOOLONG;
			goto out;
		}
		memcpy(comp, p, clen);
		comp[clen] = '\0';
		p = after;

		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			if (depth == 0) {
				err = WH_ENOTCAPABLE; /* above the directory the guest holds */
				goto out;
			}
			close(stack[depth--]);
			continue;
		}
		if (last && !follow) {
			name = strdup(comp);
			break;
		}
		char *target = symlink_target(stack[depth], comp, &err);
		if (err != WH_ESUCCESS)
			goto out;
		if (target != NULL) {
			if (++links > MAX_SYMLINKS) {
				free(target);
				err = WH_ELOOP;
				goto out;
			}
			if (target[0] == '/' || target[0] == '\0') {
				free(target);
				err = WH_ENOTCAPABLE; /* an absolute target leaves the sandbox */
				goto out;
			}
			/* splice: TARGET/REST replaces COMP/REST */
			size_t tl = strlen(target), rl = strlen(p);
			char *spliced = malloc(tl + 1 + rl + 1);
			if (spliced == NULL) {
				free(target);
				err = WH_ENOMEM;
				goto out;
			}
			memcpy(spliced, target, tl);
			spliced[tl] = '/';
			memcpy(spliced + tl + 1, p, rl + 1);
			if (rl == 0 && !must_dir)
				spliced[tl] = '\0'; /* keep "no trailing slash" */
			free(target);
			free(rest);
			rest = p = spliced;
			continue;
		}
		if (last) {
			name = strdup(comp);
			break;
		}
		int fd = openat(stack[depth], comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			err = wh_errno(errno);
			goto out;
		}
		if (depth + 1 >= cap) {
			int *grown = realloc(stack, cap * 2 * sizeof(*stack));
			if (grown == NULL) {
				close(fd);
				err = WH_ENOMEM;
				goto out;
			}
			stack = grown;
			cap *= 2;
		}
		stack[++depth] = fd;
	}
	if (name == NULL) {
		err = WH_ENOMEM;
		goto out;
	}
	out->dir = depth > 0 ? stack[depth] : fcntl(base, F_DUPFD_CLOEXEC, 0);
	if (out->dir < 0) {
		err = wh_errno(errno);
		goto out;
	}
	if (depth > 0)
		depth--; /* handed over */
	out->name = name;
	name = NULL;
out:
	while (depth > 0)
		close(stack[depth--]);
	free(stack);
	free(rest);
	free(name);
	return err;
}

/* resolve_guest: the guest's (FD, PATH_PTR, PATH_LEN) resolved. */
static uint32_t resolve_guest(wh_ctx *c, uint32_t fd, uint32_t path_p, uint32_t path_len,
			      bool follow, struct resolved *out)
{
	uint32_t err;
	out->dir = -1;
	out->name = NULL;
	struct wh_fd *f = wh_fd_get(c, fd);
	if (f == NULL)
		return WH_EBADF;
	if (f->filetype != WH_FT_DIRECTORY)
		return WH_ENOTDIR;
	char *path = guest_string(c, path_p, path_len, &err);
	if (path == NULL)
		return err;
	err = resolve(f->host, path, follow, out);
	free(path);
	return err;
}

uint32_t Z_wasi_snapshot_preview1Z_path_open(wh_ctx *c, uint32_t fd, uint32_t lookup,
					     uint32_t path_p, uint32_t path_len, uint32_t oflags,
					     uint64_t rights_base, uint64_t rights_inh,
					     uint32_t fdflags, uint32_t fd_p)
{
	struct resolved r;
	struct wh_fd *dir = wh_fd_get(c, fd);
	if (dir == NULL)
		return WH_EBADF;
	if (!wh_in(c, fd_p, 4))
		return WH_EFAULT;
	uint32_t err =
		resolve_guest(c, fd, path_p, path_len, lookup & WH_LOOKUP_SYMLINK_FOLLOW, &r);
	if (err != WH_ESUCCESS)
		return err;
	/* O_NOFOLLOW always: the walk already followed what it was asked to */
	int fl = O_NOFOLLOW | O_CLOEXEC;
	bool rd = rights_base & WH_R_FD_READ, wr = rights_base & WH_R_FD_WRITE;
	if (fdflags & WH_FDFLAG_APPEND)
		wr = true;
	fl |= wr ? (rd ? O_RDWR : O_WRONLY) : O_RDONLY;
	if (oflags & WH_O_CREAT)
		fl |= O_CREAT;
	if (oflags & WH_O_DIRECTORY)
		fl |= O_DIRECTORY;
	if (oflags & WH_O_EXCL)
		fl |= O_EXCL;
	if (oflags & WH_O_TRUNC)
		fl |= O_TRUNC;
	if (fdflags & WH_FDFLAG_APPEND)
		fl |= O_APPEND;
	if (fdflags & WH_FDFLAG_DSYNC)
		fl |= O_DSYNC;
	if (fdflags & WH_FDFLAG_NONBLOCK)
		fl |= O_NONBLOCK;
	if (fdflags & WH_FDFLAG_RSYNC)
		fl |= O_RSYNC;
	if (fdflags & WH_FDFLAG_SYNC)
		fl |= O_SYNC;
	int host = openat(r.dir, r.name, fl, 0666);
	if (host < 0 && errno == EISDIR && (fl & O_ACCMODE) != O_RDONLY && !(fl & O_CREAT)) {
		/* wasi-libc asks for write rights on directories it only wants to list */
		host = openat(r.dir, r.name, (fl & ~O_ACCMODE & ~O_TRUNC) | O_RDONLY, 0666);
	}
	err = host < 0 ? wh_errno(errno) : WH_ESUCCESS;
	resolved_release(&r);
	if (err != WH_ESUCCESS)
		return err;
	uint32_t newfd;
	/* a new fd has at most the rights its directory may hand on */
	err = wh_fd_add(c, host, rights_base & dir->rights_inheriting,
			rights_inh & dir->rights_inheriting, &newfd);
	if (err != WH_ESUCCESS)
		return err;
	wh_st32(c, fd_p, newfd);
	return WH_ESUCCESS;
}

uint32_t Z_wasi_snapshot_preview1Z_path_create_directory(wh_ctx *c, uint32_t fd, uint32_t path_p,
							 uint32_t path_len)
{
	struct resolved r;
	uint32_t err = resolve_guest(c, fd, path_p, path_len, false, &r);
	if (err == WH_ESUCCESS && mkdirat(r.dir, r.name, 0777) != 0)
		err = wh_errno(errno);
	resolved_release(&r);
	return err;
}

uint32_t Z_wasi_snapshot_preview1Z_path_remove_directory(wh_ctx *c, uint32_t fd, uint32_t path_p,
							 uint32_t path_len)
{
	struct resolved r;
	uint32_t err = resolve_guest(c, fd, path_p, path_len, false, &r);
	if (err == WH_ESUCCESS && unlinkat(r.dir, r.name, AT_REMOVEDIR) != 0)
		err = wh_errno(errno);
	resolved_release(&r);
	return err;
}

uint32_t Z_wasi_snapshot_preview1Z_path_unlink_file(wh_ctx *c, uint32_t fd, uint32_t path_p,
						    uint32_t path_len)
{
	struct resolved r;
	uint32_t err = resolve_guest(c, fd, path_p, path_len, false, &r);
	if (err == WH_ESUCCESS && unlinkat(r.dir, r.name, 0) != 0)
		err = wh_errno(errno);
	resolved_release(&r);
	return err;
}

uint32_t Z_wasi_snapshot_preview1Z_path_filestat_get(wh_ctx *c, uint32_t fd, uint32_t lookup,
						     uint32_t path_p, uint32_t path_len, uint32_t p)
{
	struct resolved r;
	struct stat st;
	if (!wh_in(c, p, 64))
		return WH_EFAULT;
	uint32_t err =
		resolve_guest(c, fd, path_p, path_len, lookup & WH_LOOKUP_SYMLINK_FOLLOW, &r);
	if (err == WH_ESUCCESS) {
		if (fstatat(r.dir, r.name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			err = wh_errno(errno);
		else
			wh_filestat_put(c, p, &st);
	}
	resolved_release(&r);
	return err;
}

uint32_t Z_wasi_snapshot_preview1Z_path_filestat_set_times(wh_ctx *c, uint32_t fd, uint32_t lookup,
							   uint32_t path_p, uint32_t path_len,
							   uint64_t atim, uint64_t mtim,
							   uint32_t fst)
{
	struct resolved r;
	struct timespec ts[2];
	uint32_t err = wh_times(atim, mtim, fst, ts);
	if (err != WH_ESUCCESS)
		return err;
	err = resolve_guest(c, fd, path_p, path_len, lookup & WH_LOOKUP_SYMLINK_FOLLOW, &r);
	if (err == WH_ESUCCESS && utimensat(r.dir, r.name, ts, AT_SYMLINK_NOFOLLOW) != 0)
		err = wh_errno(errno);
	resolved_release(&r);
	return err;
}

uint32_t Z_wasi_snapshot_preview1Z_path_readlink(wh_ctx *c, uint32_t fd, uint32_t path_p,
						 uint32_t path_len, uint32_t buf, uint32_t buf_len,
						 uint32_t used_p)
{
	struct resolved r;
	if (!wh_in(c, buf, buf_len) || !wh_in(c, used_p, 4))
		return WH_EFAULT;
	uint32_t err = resolve_guest(c, fd, path_p, path_len, false, &r);
	if (err == WH_ESUCCESS) {
		/* truncated to the buffer, as readlink(2) does */
		ssize_t n = readlinkat(r.dir, r.name, (char *)wh_at(c, buf), buf_len);
		if (n < 0)
			err = wh_errno(errno);
		else
			wh_st32(c, used_p, (uint32_t)n);
	}
	resolved_release(&r);
	return err;
}

uint32_t Z_wasi_snapshot_preview1Z_path_symlink(wh_ctx *c, uint32_t old_p, uint32_t old_len,
						uint32_t fd, uint32_t new_p, uint32_t new_len)
{
	struct resolved r;
	uint32_t err;
	char *target = guest_string(c, old_p, old_len, &err);
	if (target == NULL)
		return err;
	/* an absolute target could never be followed from inside, and would point host
	 * processes out of the sandbox */
	if (target[0] == '/') {
		free(target);
		return WH_ENOTCAPABLE;
	}
	err = resolve_guest(c, fd, new_p, new_len, false, &r);
	if (err == WH_ESUCCESS && symlinkat(target, r.dir, r.name) != 0)
		err = wh_errno(errno);
	resolved_release(&r);
	free(target);
	return err;
}

uint32_t Z_wasi_snapshot_preview1Z_path_link(wh_ctx *c, uint32_t old_fd, uint32_t old_lookup,
					     uint32_t old_p, uint32_t old_len, uint32_t new_fd,
					     uint32_t new_p, uint32_t new_len)
{
	struct resolved from, to;
	uint32_t err = resolve_guest(c, old_fd, old_p, old_len,
				     old_lookup & WH_LOOKUP_SYMLINK_FOLLOW, &from);
	if (err != WH_ESUCCESS)
		return err;
	err = resolve_guest(c, new_fd, new_p, new_len, false, &to);
	if (err == WH_ESUCCESS && linkat(from.dir, from.name, to.dir, to.name, 0) != 0)
		err = wh_errno(errno);
	resolved_release(&from);
	resolved_release(&to);
	return err;
}

uint32_t Z_wasi_snapshot_preview1Z_path_rename(wh_ctx *c, uint32_t old_fd, uint32_t old_p,
					       uint32_t old_len, uint32_t new_fd, uint32_t new_p,
					       uint32_t new_len)
{
	struct resolved from, to;
	uint32_t err = resolve_guest(c, old_fd, old_p, old_len, false, &from);
	if (err != WH_ESUCCESS)
		return err;
	err = resolve_guest(c, new_fd, new_p, new_len, false, &to);
	if (err == WH_ESUCCESS && renameat(from.dir, from.name, to.dir, to.name) != 0)
		err = wh_errno(errno);
	resolved_release(&from);
	resolved_release(&to);
	return err;
}
