/* The process-level imports: args, environ, clocks, random, proc_*, sched_yield, and the
 * sock_* functions this host does not offer (ENOSYS: no sockets are ever handed to the
 * guest). */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

#include "wasi_internal.h"

/* strings_sizes / strings_get: the shared shape of args_* and environ_*: a count, then the
 * strings NUL-terminated back to back with a pointer table. */
static uint32_t strings_sizes(wh_ctx *c, uint32_t n, char **v, uint32_t count_p, uint32_t size_p)
{
	uint64_t size = 0;
	for (uint32_t i = 0; i < n; i++)
		size += strlen(v[i]) + 1;
	if (size > UINT32_MAX)
		return WH_E2BIG;
	if (!wh_in(c, count_p, 4) || !wh_in(c, size_p, 4))
		return WH_EFAULT;
	wh_st32(c, count_p, n);
	wh_st32(c, size_p, (uint32_t)size);
	return WH_ESUCCESS;
}

static uint32_t strings_get(wh_ctx *c, uint32_t n, char **v, uint32_t ptrs, uint32_t buf)
{
	if (!wh_in(c, ptrs, (uint64_t)n * 4))
		return WH_EFAULT;
	uint64_t at = buf;
	for (uint32_t i = 0; i < n; i++) {
		size_t len = strlen(v[i]) + 1;
		if (!wh_in(c, (uint32_t)at, len) || at > UINT32_MAX)
			return WH_EFAULT;
		memcpy(wh_at(c, (uint32_t)at), v[i], len);
		wh_st32(c, ptrs + i * 4, (uint32_t)at);
		at += len;
	}
	return WH_ESUCCESS;
}

uint32_t Z_wasi_snapshot_preview1Z_args_sizes_get(wh_ctx *c, uint32_t argc_p, uint32_t size_p)
{
	return strings_sizes(c, c->argc, c->argv, argc_p, size_p);
}

uint32_t Z_wasi_snapshot_preview1Z_args_get(wh_ctx *c, uint32_t argv_p, uint32_t buf_p)
{
	return strings_get(c, c->argc, c->argv, argv_p, buf_p);
}

uint32_t Z_wasi_snapshot_preview1Z_environ_sizes_get(wh_ctx *c, uint32_t envc_p, uint32_t size_p)
{
	return strings_sizes(c, c->envc, c->envp, envc_p, size_p);
}

uint32_t Z_wasi_snapshot_preview1Z_environ_get(wh_ctx *c, uint32_t env_p, uint32_t buf_p)
{
	return strings_get(c, c->envc, c->envp, env_p, buf_p);
}

static int host_clock(uint32_t id, clockid_t *out)
{
	switch (id) {
	case 0:
		*out = CLOCK_REALTIME;
		return 0;
	case 1:
		*out = CLOCK_MONOTONIC;
		return 0;
	case 2:
		*out = CLOCK_PROCESS_CPUTIME_ID;
		return 0;
	case 3:
		*out = CLOCK_THREAD_CPUTIME_ID;
		return 0;
	default:
		return -1;
	}
}

uint32_t Z_wasi_snapshot_preview1Z_clock_res_get(wh_ctx *c, uint32_t id, uint32_t res_p)
{
	clockid_t cid;
	struct timespec ts;
	if (host_clock(id, &cid) != 0)
		return WH_EINVAL;
	if (clock_getres(cid, &ts) != 0)
		return wh_errno(errno);
	return wh_put64(c, res_p, (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
}

uint32_t Z_wasi_snapshot_preview1Z_clock_time_get(wh_ctx *c, uint32_t id, uint64_t precision,
						  uint32_t time_p)
{
	clockid_t cid;
	struct timespec ts;
	(void)precision; /* the host clocks are as precise as they are */
	if (host_clock(id, &cid) != 0)
		return WH_EINVAL;
	if (clock_gettime(cid, &ts) != 0)
		return wh_errno(errno);
	return wh_put64(c, time_p, (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
}

uint32_t Z_wasi_snapshot_preview1Z_random_get(wh_ctx *c, uint32_t buf, uint32_t len)
{
	if (!wh_in(c, buf, len))
		return WH_EFAULT;
	uint32_t done = 0;
	while (done < len) {
		ssize_t n = getrandom(wh_at(c, buf + done), len - done, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return wh_errno(errno);
		}
		done += (uint32_t)n;
	}
	return WH_ESUCCESS;
}

void Z_wasi_snapshot_preview1Z_proc_exit(wh_ctx *c, uint32_t code)
{
	(void)c;
	/* the host never buffers guest output (fd_write is write(2)), so nothing is lost;
	 * POSIX keeps the low 8 bits of the status, as Node does */
	exit((int)(code & 0xff));
}

uint32_t Z_wasi_snapshot_preview1Z_proc_raise(wh_ctx *c, uint32_t sig)
{
	(void)c;
	(void)sig;
	return WH_ENOSYS;
}

uint32_t Z_wasi_snapshot_preview1Z_sched_yield(wh_ctx *c)
{
	(void)c;
	sched_yield();
	return WH_ESUCCESS;
}

uint32_t Z_wasi_snapshot_preview1Z_sock_accept(wh_ctx *c, uint32_t fd, uint32_t flags, uint32_t p)
{
	(void)c, (void)fd, (void)flags, (void)p;
	return WH_ENOSYS;
}

uint32_t Z_wasi_snapshot_preview1Z_sock_recv(wh_ctx *c, uint32_t fd, uint32_t a, uint32_t b,
					     uint32_t d, uint32_t e, uint32_t f)
{
	(void)c, (void)fd, (void)a, (void)b, (void)d, (void)e, (void)f;
	return WH_ENOSYS;
}

uint32_t Z_wasi_snapshot_preview1Z_sock_send(wh_ctx *c, uint32_t fd, uint32_t a, uint32_t b,
					     uint32_t d, uint32_t e)
{
	(void)c, (void)fd, (void)a, (void)b, (void)d, (void)e;
	return WH_ENOSYS;
}

uint32_t Z_wasi_snapshot_preview1Z_sock_shutdown(wh_ctx *c, uint32_t fd, uint32_t how)
{
	(void)c, (void)fd, (void)how;
	return WH_ENOSYS;
}
