/* The fd table and the fd_* imports. WASI fd N is entry N of ctx->fds; 0-2 are the host's
 * stdio, preopened directories follow. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "wasi_internal.h"

uint8_t wh_filetype(unsigned mode)
{
	switch (mode & S_IFMT) {
	case S_IFBLK:
		return WH_FT_BLOCK_DEVICE;
	case S_IFCHR:
		return WH_FT_CHARACTER_DEVICE;
	case S_IFDIR:
		return WH_FT_DIRECTORY;
	case S_IFREG:
		return WH_FT_REGULAR_FILE;
	case S_IFSOCK:
		return WH_FT_SOCKET_STREAM;
	case S_IFLNK:
		return WH_FT_SYMBOLIC_LINK;
	default:
		return WH_FT_UNKNOWN; /* a FIFO has no WASI type */
	}
}

struct wh_fd *wh_fd_get(wh_ctx *ctx, uint32_t fd)
{
	if (fd >= ctx->nfds || !ctx->fds[fd].used)
		return NULL;
	return &ctx->fds[fd];
}

/* slot: the lowest free fd, growing the table as needed; UINT32_MAX when out of memory. */
static uint32_t slot(wh_ctx *ctx)
{
	for (uint32_t i = 0; i < ctx->nfds; i++)
		if (!ctx->fds[i].used)
			return i;
	uint32_t n = ctx->nfds ? ctx->nfds * 2 : 8;
	struct wh_fd *fds = realloc(ctx->fds, n * sizeof(*fds));
	if (fds == NULL)
		return UINT32_MAX;
	memset(fds + ctx->nfds, 0, (n - ctx->nfds) * sizeof(*fds));
	uint32_t i = ctx->nfds;
	ctx->fds = fds;
	ctx->nfds = n;
	return i;
}

/* fill: entry F for HOST, with the rights that fit its type. */
static void fill(struct wh_fd *f, int host, const struct stat *st, uint64_t rights_base,
		 uint64_t rights_inh)
{
	memset(f, 0, sizeof(*f));
	f->used = true;
	f->host = host;
	f->filetype = wh_filetype(st->st_mode);
	uint64_t base = f->filetype == WH_FT_DIRECTORY	    ? WH_R_DIR_BASE
			: f->filetype == WH_FT_REGULAR_FILE ? WH_R_FILE_BASE
							    : WH_R_STREAM_BASE;
	f->rights_base = rights_base & base;
	f->rights_inheriting = f->filetype == WH_FT_DIRECTORY ? rights_inh : 0;
}

uint32_t wh_fd_add(wh_ctx *ctx, int host, uint64_t rights_base, uint64_t rights_inh, uint32_t *out)
{
	struct stat st;
	if (fstat(host, &st) != 0) {
		uint32_t e = wh_errno(errno);
		close(host);
		return e;
	}
	uint32_t i = slot(ctx);
	if (i == UINT32_MAX) {
		close(host);
		return WH_ENOMEM;
	}
	fill(&ctx->fds[i], host, &st, rights_base, rights_inh);
	*out = i;
	return WH_ESUCCESS;
}

int wh_ctx_init(wh_ctx *ctx, uint32_t argc, char *const *argv, uint32_t envc, char *const *envp)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->argv = calloc(argc + 1, sizeof(char *));
	ctx->envp = calloc(envc + 1, sizeof(char *));
	if (ctx->argv == NULL || ctx->envp == NULL)
		return -1;
	for (uint32_t i = 0; i < argc; i++)
		if ((ctx->argv[i] = strdup(argv[i])) == NULL)
			return -1;
	for (uint32_t i = 0; i < envc; i++)
		if ((ctx->envp[i] = strdup(envp[i])) == NULL)
			return -1;
	ctx->argc = argc;
	ctx->envc = envc;
	if (slot(ctx) == UINT32_MAX) /* the table starts with room for 8 */
		return -1;
	for (int fd = 0; fd < 3; fd++) {
		/* a closed stdio descriptor stays a hole (EBADF), as it would natively */
		struct stat st;
		int host = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		if (host < 0)
			continue;
		if (fstat(host, &st) != 0) {
			close(host);
			continue;
		}
		fill(&ctx->fds[fd], host, &st, WH_R_ALL, WH_R_ALL);
	}
	return 0;
}

int wh_ctx_preopen(wh_ctx *ctx, const char *host, const char *guest)
{
	int fd = open(host, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	char *name = strdup(guest);
	uint32_t i;
	if (name == NULL) {
		close(fd);
		return -1;
	}
	if (wh_fd_add(ctx, fd, WH_R_ALL, WH_R_ALL, &i) != WH_ESUCCESS) {
		free(name);
		errno = ENOMEM;
		return -1;
	}
	ctx->fds[i].preopen = name;
	return 0;
}

uint32_t wh_iovecs(wh_ctx *c, uint32_t p, uint32_t n, struct iovec *host)
{
	if (n > WH_IOV_MAX)
		return WH_EINVAL;
	if (!wh_in(c, p, (uint64_t)n * 8))
		return WH_EFAULT;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t buf = wh_ld32(c, p + i * 8), len = wh_ld32(c, p + i * 8 + 4);
		if (!wh_in(c, buf, len))
			return WH_EFAULT;
		host[i].iov_base = wh_at(c, buf);
		host[i].iov_len = len;
	}
	return WH_ESUCCESS;
}

void wh_filestat_put(wh_ctx *c, uint32_t p, const struct stat *st)
{
	memset(wh_at(c, p), 0, 64);
	wh_st64(c, p, (uint64_t)st->st_dev);
	wh_st64(c, p + 8, (uint64_t)st->st_ino);
	wh_st8(c, p + 16, wh_filetype(st->st_mode));
	wh_st64(c, p + 24, (uint64_t)st->st_nlink);
	wh_st64(c, p + 32, (uint64_t)st->st_size);
	wh_st64(c, p + 40,
		(uint64_t)st->st_atim.tv_sec * 1000000000u + (uint64_t)st->st_atim.tv_nsec);
	wh_st64(c, p + 48,
		(uint64_t)st->st_mtim.tv_sec * 1000000000u + (uint64_t)st->st_mtim.tv_nsec);
	wh_st64(c, p + 56,
		(uint64_t)st->st_ctim.tv_sec * 1000000000u + (uint64_t)st->st_ctim.tv_nsec);
}

/* io: the shared body of fd_read/write/pread/pwrite. */
static uint32_t io(wh_ctx *c, uint32_t fd, uint32_t iovs, uint32_t n, bool write, bool positioned,
		   uint64_t offset, uint32_t done_p)
{
	struct iovec v[WH_IOV_MAX];
	struct wh_fd *f = wh_fd_get(c, fd);
	if (f == NULL)
		return WH_EBADF;
	if (f->filetype == WH_FT_DIRECTORY)
		return WH_EISDIR;
	if (!wh_in(c, done_p, 4))
		return WH_EFAULT;
	uint32_t e = wh_iovecs(c, iovs, n, v);
	if (e != WH_ESUCCESS)
		return e;
	if (positioned && offset > INT64_MAX)
		return WH_EINVAL;
	ssize_t r;
	do {
		if (positioned)
			r = write ? pwritev(f->host, v, (int)n, (off_t)offset)
				  : preadv(f->host, v, (int)n, (off_t)offset);
		else
			r = write ? writev(f->host, v, (int)n) : readv(f->host, v, (int)n);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return wh_errno(errno);
	wh_st32(c, done_p, (uint32_t)r);
	return WH_ESUCCESS;
}

uint32_t Z_wasi_snapshot_preview1Z_fd_read(wh_ctx *c, uint32_t fd, uint32_t iovs, uint32_t n,
					   uint32_t nread_p)
{
	return io(c, fd, iovs, n, false, false, 0, nread_p);
}

uint32_t Z_wasi_snapshot_preview1Z_fd_write(wh_ctx *c, uint32_t fd, uint32_t iovs, uint32_t n,
					    uint32_t nwritten_p)
{
	return io(c, fd, iovs, n, true, false, 0, nwritten_p);
}

uint32_t Z_wasi_snapshot_preview1Z_fd_pread(wh_ctx *c, uint32_t fd, uint32_t iovs, uint32_t n,
					    uint64_t offset, uint32_t nread_p)
{
	return io(c, fd, iovs, n, false, true, offset, nread_p);
}

uint32_t Z_wasi_snapshot_preview1Z_fd_pwrite(wh_ctx *c, uint32_t fd, uint32_t iovs, uint32_t n,
					     uint64_t offset, uint32_t nwritten_p)
{
	return io(c, fd, iovs, n, true, true, offset, nwritten_p);
}

uint32_t Z_wasi_snapshot_preview1Z_fd_seek(wh_ctx *c, uint32_t fd, uint64_t offset, uint32_t whence,
					   uint32_t new_p)
{
	struct wh_fd *f = wh_fd_get(c, fd);
	if (f == NULL)
		return WH_EBADF;
	/* WASI's whence values (set 0, cur 1, end 2) are POSIX's */
	if (whence > 2)
		return WH_EINVAL;
	if (f->filetype == WH_FT_DIRECTORY)
		return WH_EISDIR;
	if (!wh_in(c, new_p, 8))
		return WH_EFAULT;
	off_t r = lseek(f->host, (off_t)(int64_t)offset, (int)whence);
	if (r < 0)
		return wh_errno(errno);
	wh_st64(c, new_p, (uint64_t)r);
	return WH_ESUCCESS;
}

uint32_t Z_wasi_snapshot_preview1Z_fd_tell(wh_ctx *c, uint32_t fd, uint32_t off_p)
{
	return Z_wasi_snapshot_preview1Z_fd_seek(c, fd, 0, SEEK_CUR, off_p);
}

static void release(struct wh_fd *f)
{
	if (f->dir != NULL)
		closedir(f->dir);
	close(f->host);
	free(f->preopen);
	memset(f, 0, sizeof(*f));
}

uint32_t Z_wasi_snapshot_preview1Z_fd_close(wh_ctx *c, uint32_t fd)
{
	struct wh_fd *f = wh_fd_get(c, fd);
	if (f == NULL)
		return WH_EBADF;
	release(f);
	return WH_ESUCCESS;
}

uint32_t Z_wasi_snapshot_preview1Z_fd_renumber(wh_ctx *c, uint32_t from, uint32_t to)
{
	struct wh_fd *f = wh_fd_get(c, from), *t = wh_fd_get(c, to);
	if (f == NULL || t == NULL)
		return WH_EBADF;
	if (from == to)
		return WH_ESUCCESS;
	release(t);
	*t = *f;
	memset(f, 0, sizeof(*f));
	return WH_ESUCCESS;
}

uint32_t Z_wasi_snapshot_preview1Z_fd_fdstat_get(wh_ctx *c, uint32_t fd, uint32_t p)
{
	struct wh_fd *f = wh_fd_get(c, fd);
	if (f == NULL)
		return WH_EBADF;
	if (!wh_in(c, p, 24))
		return WH_EFAULT;
	int fl = fcntl(f->host, F_GETFL);
	if (fl < 0)
		return wh_errno(errno);
	uint16_t flags = 0;
	if (fl & O_APPEND)
		flags |= WH_FDFLAG_APPEND;
	if (fl & O_NONBLOCK)
		flags |= WH_FDFLAG_NONBLOCK;
	if ((fl & O_SYNC) == O_SYNC)
		flags |= WH_FDFLAG_SYNC | WH_FDFLAG_RSYNC;
	else if (fl & O_DSYNC)
		flags |= WH_FDFLAG_DSYNC;
	memset(wh_at(c, p), 0, 24);
	wh_st8(c, p, f->filetype);
	wh_st16(c, p + 2, flags);
	wh_st64(c, p + 8, f->rights_base);
	wh_st64(c, p + 16, f->rights_inheriting);
	return WH_ESUCCESS;
}

uint32_t Z_wasi_snapshot_preview1Z_fd_fdstat_set_flags(wh_ctx *c, uint32_t fd, uint32_t flags)
{
	struct wh_fd *f = wh_fd_get(c, fd);
	if (f == NULL)
		return WH_EBADF;
	/* Linux changes only O_APPEND and O_NONBLOCK on an open file */
	if (flags & (WH_FDFLAG_DSYNC | WH_FDFLAG_RSYNC | WH_FDFLAG_SYNC))
		return WH_ENOTSUP;
	int fl = fcntl(f->host, F_GETFL);
	if (fl < 0)
		return wh_errno(errno);
	fl &= ~(O_APPEND | O_NONBLOCK);
	if (flags & WH_FDFLAG_APPEND)
		fl |= O_APPEND;
	if (flags & WH_FDFLAG_NONBLOCK)
		fl |= O_NONBLOCK;
	if (fcntl(f->host, F_SETFL, fl) != 0)
		return wh_errno(errno);
	return WH_ESUCCESS;
}

uint32_t Z_wasi_snapshot_preview1Z_fd_fdstat_set_rights(wh_ctx *c, uint32_t fd, uint64_t base,
							uint64_t inh)
{
	struct wh_fd *f = wh_fd_get(c, fd);
	if (f == NULL)
		return WH_EBADF;
	/* rights only ever shrink */
	if ((base & ~f->rights_base) || (inh & ~f->rights_inheriting))
		return WH_ENOTCAPABLE;
	f->rights_base = base;
	f->rights_inheriting = inh;
	return WH_ESUCCESS;
}

uint32_t Z_wasi_snapshot_preview1Z_fd_filestat_get(wh_ctx *c, uint32_t fd, uint32_t p)
{
	struct wh_fd *f = wh_fd_get(c, fd);
	struct stat st;
	if (f == NULL)
		return WH_EBADF;
	if (!wh_in(c, p, 64))
		return WH_EFAULT;
	if (fstat(f->host, &st) != 0)
		return wh_errno(errno);
	wh_filestat_put(c, p, &st);
	return WH_ESUCCESS;
}

uint32_t Z_wasi_snapshot_preview1Z_fd_filestat_set_size(wh_ctx *c, uint32_t fd, uint64_t size)
{
	struct wh_fd *f = wh_fd_get(c, fd);
	if (f == NULL)
		return WH_EBADF;
	if (size > INT64_MAX)
		return WH_EINVAL;
	if (ftruncate(f->host, (off_t)size) != 0)
		return wh_errno(errno);
	return WH_ESUCCESS;
}

uint32_t wh_times(uint64_t atim, uint64_t mtim, uint32_t fst, struct timespec ts[2])
{
	if (((fst & WH_FST_ATIM) && (fst & WH_FST_ATIM_NOW)) ||
	    ((fst & WH_FST_MTIM) && (fst & WH_FST_MTIM_NOW)))
		return WH_EINVAL;
	uint64_t t[2] = {atim, mtim};
	uint32_t set[2] = {WH_FST_ATIM, WH_FST_MTIM}, now[2] = {WH_FST_ATIM_NOW, WH_FST_MTIM_NOW};
	for (int i = 0; i < 2; i++) {
		if (fst & set[i]) {
			ts[i].tv_sec = (time_t)(t[i] / 1000000000u);
			ts[i].tv_nsec = (long)(t[i] % 1000000000u);
		} else {
			ts[i].tv_sec = 0;
			ts[i].tv_nsec = (fst & now[i]) ? UTIME_NOW : UTIME_OMIT;
		}
	}
	return WH_ESUCCESS;
}

uint32_t Z_wasi_snapshot_preview1Z_fd_filestat_set_times(wh_ctx *c, uint32_t fd, uint64_t atim,
							 uint64_t mtim, uint32_t fst)
{
	struct wh_fd *f = wh_fd_get(c, fd);
	struct timespec ts[2];
	if (f == NULL)
		return WH_EBADF;
	uint32_t e = wh_times(atim, mtim, fst, ts);
	if (e != WH_ESUCCESS)
		return e;
	if (futimens(f->host, ts) != 0)
		return wh_errno(errno);
	return WH_ESUCCESS;
}

uint32_t Z_wasi_snapshot_preview1Z_fd_sync(wh_ctx *c, uint32_t fd)
{
	struct wh_fd *f = wh_fd_get(c, fd);
	if (f == NULL)
		return WH_EBADF;
	return fsync(f->host) != 0 ? wh_errno(errno) : WH_ESUCCESS;
}

uint32_t Z_wasi_snapshot_preview1Z_fd_datasync(wh_ctx *c, uint32_t fd)
{
	struct wh_fd *f = wh_fd_get(c, fd);
	if (f == NULL)
		return WH_EBADF;
	return fdatasync(f->host) != 0 ? wh_errno(errno) : WH_ESUCCESS;
}

uint32_t Z_wasi_snapshot_preview1Z_fd_advise(wh_ctx *c, uint32_t fd, uint64_t offset, uint64_t len,
					     uint32_t advice)
{
	/* WASI's advice values (normal, sequential, random, willneed, dontneed, noreuse) are
	 * glibc's POSIX_FADV_* in the same order */
	static const int host[] = {POSIX_FADV_NORMAL,	POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
				   POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED,   POSIX_FADV_NOREUSE};
	struct wh_fd *f = wh_fd_get(c, fd);
	if (f == NULL)
		return WH_EBADF;
	if (advice > 5 || offset > INT64_MAX || len > INT64_MAX)
		return WH_EINVAL;
	int e = posix_fadvise(f->host, (off_t)offset, (off_t)len, host[advice]);
	return e != 0 ? wh_errno(e) : WH_ESUCCESS;
}

uint32_t Z_wasi_snapshot_preview1Z_fd_allocate(wh_ctx *c, uint32_t fd, uint64_t offset,
					       uint64_t len)
{
	struct wh_fd *f = wh_fd_get(c, fd);
	if (f == NULL)
		return WH_EBADF;
	if (offset > INT64_MAX || len > INT64_MAX)
		return WH_EINVAL;
	int e = posix_fallocate(f->host, (off_t)offset, (off_t)len);
	return e != 0 ? wh_errno(e) : WH_ESUCCESS;
}

uint32_t Z_wasi_snapshot_preview1Z_fd_prestat_get(wh_ctx *c, uint32_t fd, uint32_t p)
{
	struct wh_fd *f = wh_fd_get(c, fd);
	if (f == NULL || f->preopen == NULL)
		return WH_EBADF;
	if (!wh_in(c, p, 8))
		return WH_EFAULT;
	memset(wh_at(c, p), 0, 8);
	wh_st8(c, p, 0); /* preopentype dir */
	wh_st32(c, p + 4, (uint32_t)strlen(f->preopen));
	return WH_ESUCCESS;
}

uint32_t Z_wasi_snapshot_preview1Z_fd_prestat_dir_name(wh_ctx *c, uint32_t fd, uint32_t p,
						       uint32_t len)
{
	struct wh_fd *f = wh_fd_get(c, fd);
	if (f == NULL || f->preopen == NULL)
		return WH_EBADF;
	size_t n = strlen(f->preopen);
	if (len < n)
		return WH_ENAMETOOLONG;
	if (!wh_in(c, p, n))
		return WH_EFAULT;
	memcpy(wh_at(c, p), f->preopen, n);
	return WH_ESUCCESS;
}

uint32_t Z_wasi_snapshot_preview1Z_fd_readdir(wh_ctx *c, uint32_t fd, uint32_t buf, uint32_t len,
					      uint64_t cookie, uint32_t used_p)
{
	struct wh_fd *f = wh_fd_get(c, fd);
	if (f == NULL)
		return WH_EBADF;
	if (f->filetype != WH_FT_DIRECTORY)
		return WH_ENOTDIR;
	if (!wh_in(c, buf, len) || !wh_in(c, used_p, 4))
		return WH_EFAULT;
	if (f->dir == NULL) {
		/* a stream of its own, so the fd's offset and O_PATH-ness do not matter */
		int d = openat(f->host, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (d < 0)
			return wh_errno(errno);
		if ((f->dir = fdopendir(d)) == NULL) {
			close(d);
			return wh_errno(errno);
		}
		f->dir_pos = 0;
	}
	/* the cookie is the index of the next entry; going back means reading again */
	if (cookie < f->dir_pos) {
		rewinddir(f->dir);
		f->dir_pos = 0;
	}
	uint32_t used = 0;
	struct dirent *de;
	for (;;) {
		errno = 0;
		de = readdir(f->dir);
		if (de == NULL) {
			if (errno != 0)
				return wh_errno(errno);
			break;
		}
		f->dir_pos++;
		if (f->dir_pos <= cookie)
			continue;
		/* header: d_next, d_ino, d_namlen, d_type; then the name (not NUL-terminated);
		 * an entry cut off by the end of the buffer tells the guest to retry bigger */
		uint8_t hdr[24] = {0};
		uint64_t next = f->dir_pos, ino = de->d_ino;
		uint32_t namlen = (uint32_t)strlen(de->d_name);
		uint8_t type = WH_FT_UNKNOWN;
		switch (de->d_type) {
		case DT_DIR:
			type = WH_FT_DIRECTORY;
			break;
		case DT_REG:
			type = WH_FT_REGULAR_FILE;
			break;
		case DT_LNK:
			type = WH_FT_SYMBOLIC_LINK;
			break;
		case DT_CHR:
			type = WH_FT_CHARACTER_DEVICE;
			break;
		case DT_BLK:
			type = WH_FT_BLOCK_DEVICE;
			break;
		case DT_SOCK:
			type = WH_FT_SOCKET_STREAM;
			break;
		default:
			break;
		}
		memcpy(hdr, &next, 8);
		memcpy(hdr + 8, &ino, 8);
		memcpy(hdr + 16, &namlen, 4);
		hdr[20] = type;
		uint32_t room = len - used, n = room < 24 ? room : 24;
		memcpy(wh_at(c, buf + used), hdr, n);
		used += n;
		room = len - used;
		n = room < namlen ? room : namlen;
		memcpy(wh_at(c, buf + used), de->d_name, n);
		used += n;
		if (used == len)
			break;
	}
	wh_st32(c, used_p, used);
	return WH_ESUCCESS;
}
