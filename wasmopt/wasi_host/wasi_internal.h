/* Shared by the host's source files: WASI preview1 constants (values from the witx
 * definitions), the fd table entry, and bounds-checked access to guest memory. */
#ifndef WASMPACK_WASI_INTERNAL_H
#define WASMPACK_WASI_INTERNAL_H

#include <dirent.h>
#include <stddef.h>
#include <string.h>

#include "wasi_host.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
/* wasm2c stores guest memory byte-reversed on big-endian hosts; the accessors below assume
 * the guest's little-endian layout is the host's */
#error "the WASI host supports little-endian hosts only"
#endif

/* errno */
enum {
	WH_ESUCCESS = 0,
	WH_E2BIG = 1,
	WH_EACCES = 2,
	WH_EADDRINUSE = 3,
	WH_EADDRNOTAVAIL = 4,
	WH_EAFNOSUPPORT = 5,
	WH_EAGAIN = 6,
	WH_EALREADY = 7,
	WH_EBADF = 8,
	WH_EBADMSG = 9,
	WH_EBUSY = 10,
	WH_ECANCELED = 11,
	WH_ECHILD = 12,
	WH_ECONNABORTED = 13,
	WH_ECONNREFUSED = 14,
	WH_ECONNRESET = 15,
	WH_EDEADLK = 16,
	WH_EDESTADDRREQ = 17,
	WH_EDOM = 18,
	WH_EDQUOT = 19,
	WH_EEXIST = 20,
	WH_EFAULT = 21,
	WH_EFBIG = 22,
	WH_EHOSTUNREACH = 23,
	WH_EIDRM = 24,
	WH_EILSEQ = 25,
	WH_EINPROGRESS = 26,
	WH_EINTR = 27,
	WH_EINVAL = 28,
	WH_EIO = 29,
	WH_EISCONN = 30,
	WH_EISDIR = 31,
	WH_ELOOP = 32,
	WH_EMFILE = 33,
	WH_EMLINK = 34,
	WH_EMSGSIZE = 35,
	WH_EMULTIHOP = 36,
	WH_ENAMETOOLONG = 37,
	WH_ENETDOWN = 38,
	WH_ENETRESET = 39,
	WH_ENETUNREACH = 40,
	WH_ENFILE = 41,
	WH_ENOBUFS = 42,
	WH_ENODEV = 43,
	WH_ENOENT = 44,
	WH_ENOEXEC = 45,
	WH_ENOLCK = 46,
	WH_ENOLINK = 47,
	WH_ENOMEM = 48,
	WH_ENOMSG = 49,
	WH_ENOPROTOOPT = 50,
	WH_ENOSPC = 51,
	WH_ENOSYS = 52,
	WH_ENOTCONN = 53,
	WH_ENOTDIR = 54,
	WH_ENOTEMPTY = 55,
	WH_ENOTRECOVERABLE = 56,
	WH_ENOTSOCK = 57,
	WH_ENOTSUP = 58,
	WH_ENOTTY = 59,
	WH_ENXIO = 60,
	WH_EOVERFLOW = 61,
	WH_EOWNERDEAD = 62,
	WH_EPERM = 63,
	WH_EPIPE = 64,
	WH_EPROTO = 65,
	WH_EPROTONOSUPPORT = 66,
	WH_EPROTOTYPE = 67,
	WH_ERANGE = 68,
	WH_EROFS = 69,
	WH_ESPIPE = 70,
	WH_ESRCH = 71,
	WH_ESTALE = 72,
	WH_ETIMEDOUT = 73,
	WH_ETXTBSY = 74,
	WH_EXDEV = 75,
	WH_ENOTCAPABLE = 76,
};

/* filetype */
enum {
	WH_FT_UNKNOWN = 0,
	WH_FT_BLOCK_DEVICE = 1,
	WH_FT_CHARACTER_DEVICE = 2,
	WH_FT_DIRECTORY = 3,
	WH_FT_REGULAR_FILE = 4,
	WH_FT_SOCKET_DGRAM = 5,
	WH_FT_SOCKET_STREAM = 6,
	WH_FT_SYMBOLIC_LINK = 7,
};

/* fdflags, oflags, lookupflags, fstflags */
#define WH_FDFLAG_APPEND 0x1u
#define WH_FDFLAG_DSYNC 0x2u
#define WH_FDFLAG_NONBLOCK 0x4u
#define WH_FDFLAG_RSYNC 0x8u
#define WH_FDFLAG_SYNC 0x10u
#define WH_O_CREAT 0x1u
#define WH_O_DIRECTORY 0x2u
#define WH_O_EXCL 0x4u
#define WH_O_TRUNC 0x8u
#define WH_LOOKUP_SYMLINK_FOLLOW 0x1u
#define WH_FST_ATIM 0x1u
#define WH_FST_ATIM_NOW 0x2u
#define WH_FST_MTIM 0x4u
#define WH_FST_MTIM_NOW 0x8u

/* rights: bit N is the Nth right of the witx list */
#define WH_RIGHT(n) ((uint64_t)1 << (n))
#define WH_R_FD_READ WH_RIGHT(1)
#define WH_R_FD_SEEK WH_RIGHT(2)
#define WH_R_FD_TELL WH_RIGHT(5)
#define WH_R_FD_WRITE WH_RIGHT(6)
#define WH_R_ALL (WH_RIGHT(29) - 1) /* every right but sock_accept */
/* the rights that make sense on a directory, and on a non-directory */
#define WH_R_DIR_BASE                                                                              \
	(WH_RIGHT(0) | WH_RIGHT(3) | WH_RIGHT(4) | WH_RIGHT(7) | WH_RIGHT(9) | WH_RIGHT(10) |      \
	 WH_RIGHT(11) | WH_RIGHT(12) | WH_RIGHT(13) | WH_RIGHT(14) | WH_RIGHT(15) | WH_RIGHT(16) | \
	 WH_RIGHT(17) | WH_RIGHT(18) | WH_RIGHT(19) | WH_RIGHT(20) | WH_RIGHT(21) | WH_RIGHT(23) | \
	 WH_RIGHT(24) | WH_RIGHT(25) | WH_RIGHT(26) | WH_RIGHT(27))
#define WH_R_FILE_BASE                                                                          \
	(WH_RIGHT(0) | WH_RIGHT(1) | WH_RIGHT(2) | WH_RIGHT(3) | WH_RIGHT(4) | WH_RIGHT(5) |    \
	 WH_RIGHT(6) | WH_RIGHT(7) | WH_RIGHT(8) | WH_RIGHT(21) | WH_RIGHT(22) | WH_RIGHT(23) | \
	 WH_RIGHT(27))
/* a tty or pipe: no seek or tell (wasi-libc's isatty looks at exactly that) */
#define WH_R_STREAM_BASE (WH_R_FILE_BASE & ~(WH_R_FD_SEEK | WH_R_FD_TELL))

struct wh_fd {
	bool used;
	int host;	  /* the host descriptor */
	uint8_t filetype; /* WH_FT_* */
	char *preopen;	  /* the guest name of a preopened directory, else NULL */
	uint64_t rights_base, rights_inheriting;
	DIR *dir;	  /* fd_readdir's stream on a dup of host, opened lazily */
	uint64_t dir_pos; /* entries read from dir so far (the cookie of the next) */
};

/* wh_errno: the WASI errno for a host errno. */
uint32_t wh_errno(int host_errno);

/* wh_fd_get: the entry of a WASI fd in use, or NULL. */
struct wh_fd *wh_fd_get(wh_ctx *ctx, uint32_t fd);

/* wh_fd_add: a new entry for HOST (taken over), its type read from fstat. Returns the WASI fd
 * in *out, or a WASI errno (HOST is then closed). */
uint32_t wh_fd_add(wh_ctx *ctx, int host, uint64_t rights_base, uint64_t rights_inh, uint32_t *out);

/* wh_times: the two timespecs of utimensat/futimens for WASI's (atim, mtim, fstflags). */
struct timespec;
uint32_t wh_times(uint64_t atim, uint64_t mtim, uint32_t fst, struct timespec ts[2]);

/* wh_filetype: the WASI filetype of a stat mode. */
uint8_t wh_filetype(unsigned mode);

/* Guest memory. wh_in reports whether [ptr, ptr+len) lies inside the memory; every pointer
 * from the guest passes through it before the host reads or writes. */
static inline bool wh_in(const wh_ctx *ctx, uint32_t ptr, uint64_t len)
{
	return (uint64_t)ptr + len <= (uint64_t)ctx->memory->size;
}

static inline uint8_t *wh_at(const wh_ctx *ctx, uint32_t ptr)
{
	return ctx->memory->data + ptr;
}

/* stores and loads of little-endian integers at a checked offset */
static inline void wh_st8(wh_ctx *c, uint32_t p, uint8_t v)
{
	memcpy(wh_at(c, p), &v, 1);
}
static inline void wh_st16(wh_ctx *c, uint32_t p, uint16_t v)
{
	memcpy(wh_at(c, p), &v, 2);
}
static inline void wh_st32(wh_ctx *c, uint32_t p, uint32_t v)
{
	memcpy(wh_at(c, p), &v, 4);
}
static inline void wh_st64(wh_ctx *c, uint32_t p, uint64_t v)
{
	memcpy(wh_at(c, p), &v, 8);
}
static inline uint16_t wh_ld16(const wh_ctx *c, uint32_t p)
{
	uint16_t v;
	memcpy(&v, wh_at(c, p), 2);
	return v;
}
static inline uint32_t wh_ld32(const wh_ctx *c, uint32_t p)
{
	uint32_t v;
	memcpy(&v, wh_at(c, p), 4);
	return v;
}
static inline uint64_t wh_ld64(const wh_ctx *c, uint32_t p)
{
	uint64_t v;
	memcpy(&v, wh_at(c, p), 8);
	return v;
}

/* wh_put32 / wh_put64: a checked store of a result, EFAULT when PTR is outside memory. */
static inline uint32_t wh_put32(wh_ctx *c, uint32_t p, uint32_t v)
{
	if (!wh_in(c, p, 4))
		return WH_EFAULT;
	wh_st32(c, p, v);
	return WH_ESUCCESS;
}
static inline uint32_t wh_put64(wh_ctx *c, uint32_t p, uint64_t v)
{
	if (!wh_in(c, p, 8))
		return WH_EFAULT;
	wh_st64(c, p, v);
	return WH_ESUCCESS;
}

/* wh_filestat_put: writes a filestat (64 bytes) for ST at P (already checked). */
struct stat;
void wh_filestat_put(wh_ctx *c, uint32_t p, const struct stat *st);

/* wh_iovecs: reads N guest iovecs at P into HOST (at most WH_IOV_MAX), checking that each
 * buffer lies inside memory. Returns 0 or a WASI errno. */
#define WH_IOV_MAX 1024
struct iovec;
uint32_t wh_iovecs(wh_ctx *c, uint32_t p, uint32_t n, struct iovec *host);

#endif
