/* poll_oneoff: clock subscriptions become ppoll's timeout, fd subscriptions its pollfds. A
 * call with only clocks is a sleep. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "wasi_internal.h"

#define SUB_SIZE 48
#define EVENT_SIZE 32
#define EV_CLOCK 0
#define EV_FD_READ 1
#define EV_FD_WRITE 2
#define SUBCLOCK_ABSTIME 0x1u
#define EVRW_HANGUP 0x1u

static uint64_t now_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* clock_of: the host clock of WASI clock ID (0-3). */
static clockid_t clock_of(uint32_t id)
{
	static const clockid_t host[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID,
					 CLOCK_THREAD_CPUTIME_ID};
	return host[id];
}

static void put_event(wh_ctx *c, uint32_t out, uint32_t *n, uint64_t userdata, uint16_t error,
		      uint8_t type, uint64_t nbytes, uint16_t flags)
{
	uint32_t p = out + *n * EVENT_SIZE;
	memset(wh_at(c, p), 0, EVENT_SIZE);
	wh_st64(c, p, userdata);
	wh_st16(c, p + 8, error);
	wh_st8(c, p + 10, type);
	wh_st64(c, p + 16, nbytes);
	wh_st16(c, p + 24, flags);
	(*n)++;
}

/* readable: the bytes a read would get without blocking, as far as the host can tell. */
static uint64_t readable(int fd)
{
	struct stat st;
	int avail = 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		off_t pos = lseek(fd, 0, SEEK_CUR);
		return pos >= 0 && st.st_size > pos ? (uint64_t)(st.st_size - pos) : 0;
	}
	return ioctl(fd, FIONREAD, &avail) == 0 && avail > 0 ? (uint64_t)avail : 0;
}

uint32_t Z_wasi_snapshot_preview1Z_poll_oneoff(wh_ctx *c, uint32_t in, uint32_t out, uint32_t nsubs,
					       uint32_t nevents_p)
{
	if (nsubs == 0)
		return WH_EINVAL;
	if (!wh_in(c, in, (uint64_t)nsubs * SUB_SIZE) ||
	    !wh_in(c, out, (uint64_t)nsubs * EVENT_SIZE) || !wh_in(c, nevents_p, 4))
		return WH_EFAULT;
	struct pollfd *pfd = calloc(nsubs, sizeof(*pfd));
	uint32_t *sub_of = calloc(nsubs, sizeof(*sub_of)); /* pollfd index -> subscription */
	if (pfd == NULL || sub_of == NULL) {
		free(pfd);
		free(sub_of);
		return WH_ENOMEM;
	}
	uint32_t nfds = 0, nev = 0;
	uint64_t start = now_ns(CLOCK_MONOTONIC);
	uint64_t wait = UINT64_MAX; /* ns from start until the earliest clock fires */
	uint32_t err = WH_ESUCCESS;

	for (uint32_t i = 0; i < nsubs; i++) {
		uint32_t s = in + i * SUB_SIZE;
		uint64_t userdata = wh_ld64(c, s);
		uint8_t tag = *wh_at(c, s + 8);
		if (tag == EV_CLOCK) {
			uint32_t id = wh_ld32(c, s + 16);
			uint64_t timeout = wh_ld64(c, s + 24);
			uint16_t flags = wh_ld16(c, s + 40);
			clockid_t cid = id == 0	  ? CLOCK_REALTIME
					: id == 1 ? CLOCK_MONOTONIC
					: id == 2 ? CLOCK_PROCESS_CPUTIME_ID
					: id == 3 ? CLOCK_THREAD_CPUTIME_ID
						  : (clockid_t)-1;
			if (cid == (clockid_t)-1) {
				put_event(c, out, &nev, userdata, WH_EINVAL, EV_CLOCK, 0, 0);
				continue;
			}
			uint64_t rel = timeout;
			if (flags & SUBCLOCK_ABSTIME) {
				uint64_t now = now_ns(clock_of(id));
				rel = timeout > now ? timeout - now : 0;
			}
			if (rel < wait)
				wait = rel;
		} else if (tag == EV_FD_READ || tag == EV_FD_WRITE) {
			struct wh_fd *f = wh_fd_get(c, wh_ld32(c, s + 16));
			if (f == NULL) {
				put_event(c, out, &nev, userdata, WH_EBADF, tag, 0, 0);
				continue;
			}
			pfd[nfds].fd = f->host;
			pfd[nfds].events = tag == EV_FD_READ ? POLLIN : POLLOUT;
			sub_of[nfds++] = i;
		} else {
			err = WH_EINVAL;
			goto done;
		}
	}

	if (nev == 0) {
		struct timespec ts, *tsp = NULL;
		if (wait != UINT64_MAX) {
			ts.tv_sec = (time_t)(wait / 1000000000u);
			ts.tv_nsec = (long)(wait % 1000000000u);
			tsp = &ts;
		}
		int r;
		do
			r = ppoll(pfd, nfds, tsp, NULL);
		while (r < 0 && errno == EINTR);
		if (r < 0) {
			err = wh_errno(errno);
			goto done;
		}
		for (uint32_t k = 0; k < nfds; k++) {
			if (pfd[k].revents == 0)
				continue;
			uint32_t s = in + sub_of[k] * SUB_SIZE;
			uint8_t tag = *wh_at(c, s + 8);
			uint16_t error = (pfd[k].revents & POLLNVAL) ? WH_EBADF : 0;
			uint16_t flags = (pfd[k].revents & POLLHUP) ? EVRW_HANGUP : 0;
			uint64_t nbytes = tag == EV_FD_READ ? readable(pfd[k].fd) : 0;
			put_event(c, out, &nev, wh_ld64(c, s), error, tag, nbytes, flags);
		}
	}
	if (nev == 0 && wait != UINT64_MAX) {
		/* timed out: every clock whose time has come */
		uint64_t elapsed = now_ns(CLOCK_MONOTONIC) - start;
		for (uint32_t i = 0; i < nsubs; i++) {
			uint32_t s = in + i * SUB_SIZE;
			if (*wh_at(c, s + 8) != EV_CLOCK)
				continue;
			uint32_t id = wh_ld32(c, s + 16);
			uint64_t timeout = wh_ld64(c, s + 24);
			bool fired;
			if (wh_ld16(c, s + 40) & SUBCLOCK_ABSTIME)
				fired = id <= 3 && now_ns(clock_of(id)) >= timeout;
			else
				fired = timeout <= elapsed;
			/* ppoll timed out, so one clock is due even if a coarser clock disagrees */
			if (fired || id > 3 || nev == 0)
				put_event(c, out, &nev, wh_ld64(c, s), id > 3 ? WH_EINVAL : 0,
					  EV_CLOCK, 0, 0);
		}
	}
	wh_st32(c, nevents_p, nev);
done:
	free(pfd);
	free(sub_of);
	return err;
}
