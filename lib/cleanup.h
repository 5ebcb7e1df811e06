/* Cleanup attributes for owned locals (the crun/systemd idiom): a variable
 * declared _cleanup_free_ is freed when it leaves scope unless its value was
 * handed off with TAKE_PTR. */
#ifndef WP_CLEANUP_H
#define WP_CLEANUP_H

#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void wp_freep(void *p)
{
	free(*(void **)p);
}

static inline void wp_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

#define _cleanup_free_ _cleanup_(wp_freep)
#define _cleanup_close_ _cleanup_(wp_closep)

/* Hands ownership of p to the caller: returns p and leaves NULL behind. */
#define TAKE_PTR(p)                            \
	({                                     \
		__typeof__(p) take_tmp_ = (p); \
		(p) = NULL;                    \
		take_tmp_;                     \
	})

#define TAKE_FD(fd)                  \
	({                           \
		int take_fd_ = (fd); \
		(fd) = -1;           \
		take_fd_;            \
	})

#define WP_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
