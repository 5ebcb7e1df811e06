/* The rest of the WASI preview1 host (beyond wasi_exercise.c): sleeping and polling, links and
 * symlinks, times, sizes, positioned I/O, fd flags and renumbering, directories, rights of a
 * read-only fd, bad guest pointers and the calls that are ENOSYS. One line per check, only
 * facts that hold under any correct runtime, so node:wasi and the native host print the same.
 *
 * Expects a preopened, empty directory "/work". With the argument --beyond-node it also checks
 * what node:wasi cannot do (see beyond_node). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <wasi/api.h>

static void check(const char *what, int ok)
{
	printf("%s: %s\n", what, ok ? "ok" : "FAILED");
}

static int64_t now_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

static void sleeping(void)
{
	/* poll_oneoff with a relative clock subscription */
	int64_t t0 = now_ns(CLOCK_MONOTONIC);
	struct timespec ts = {0, 30 * 1000 * 1000};
	int r = nanosleep(&ts, NULL);
	check("nanosleep 30 ms", r == 0 && now_ns(CLOCK_MONOTONIC) - t0 >= 25 * 1000 * 1000);

	__wasi_timestamp_t res = 0;
	check("clock_res_get monotonic",
	      __wasi_clock_res_get(__WASI_CLOCKID_MONOTONIC, &res) == 0 && res > 0);
	check("sched_yield", sched_yield() == 0);
}

static void files(void)
{
	struct stat st;
	char buf[64];

	check("write /work/a.txt", write_file("/work/a.txt", "0123456789") == 0);
	int fd = open("/work/a.txt", O_RDWR);
	check("pwrite at 4", pwrite(fd, "xy", 2, 4) == 2);
	memset(buf, 0, sizeof(buf));
	check("pread at 2", pread(fd, buf, 6, 2) == 6 && strcmp(buf, "23xy67") == 0);
	check("pread leaves the offset", lseek(fd, 0, SEEK_CUR) == 0);
	check("ftruncate 5", ftruncate(fd, 5) == 0 && fstat(fd, &st) == 0 && st.st_size == 5);
	check("ftruncate 4096 (grow)",
	      ftruncate(fd, 4096) == 0 && fstat(fd, &st) == 0 && st.st_size == 4096);
	check("fsync", fsync(fd) == 0);
	check("fdatasync", fdatasync(fd) == 0);
	check("posix_fadvise", posix_fadvise(fd, 0, 10, POSIX_FADV_SEQUENTIAL) == 0);

	/* times: set an fd's and a path's, read them back */
	struct timespec times[2] = {{1000000000, 0}, {1200000000, 0}};
	check("futimens", futimens(fd, times) == 0 && fstat(fd, &st) == 0 &&
				  st.st_mtim.tv_sec == 1200000000 &&
				  st.st_atim.tv_sec == 1000000000);
	times[1].tv_sec = 1300000000;
	check("utimensat", utimensat(AT_FDCWD, "/work/a.txt", times, 0) == 0 &&
				   stat("/work/a.txt", &st) == 0 &&
				   st.st_mtim.tv_sec == 1300000000);
	close(fd);

	/* O_APPEND set on an open fd (fd_fdstat_set_flags) */
	fd = open("/work/b.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	write(fd, "one", 3);
	lseek(fd, 0, SEEK_SET);
	int fl = fcntl(fd, F_GETFL);
	check("fcntl F_SETFL O_APPEND",
	      fcntl(fd, F_SETFL, fl | O_APPEND) == 0 && (fcntl(fd, F_GETFL) & O_APPEND));
	write(fd, "two", 3);
	close(fd);
	fd = open("/work/b.txt", O_RDONLY);
	memset(buf, 0, sizeof(buf));
	read(fd, buf, sizeof(buf) - 1);
	printf("append wrote at the end: %s\n", buf);

	/* a read-only fd: writing is refused */
	errno = 0;
	ssize_t w = write(fd, "x", 1);
	printf("write to a read-only fd: %s\n", w < 0 ? "refused" : "WRITTEN");
	close(fd);
}

static void links(void)
{
	struct stat st;
	char buf[64];

	check("link", link("/work/a.txt", "/work/hard.txt") == 0 && stat("/work/a.txt", &st) == 0 &&
			      st.st_nlink == 2);
	check("symlink", symlink("a.txt", "/work/soft") == 0);
	ssize_t n = readlink("/work/soft", buf, sizeof(buf));
	printf("readlink /work/soft: %.*s\n", n < 0 ? 0 : (int)n, buf);
	check("lstat of the symlink", lstat("/work/soft", &st) == 0 && S_ISLNK(st.st_mode));
	check("stat through the symlink",
	      stat("/work/soft", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 4096);
	printf("symlink to an absolute path: %s\n",
	       symlink("/etc/passwd", "/work/abs") == 0 ? "MADE" : "refused");
	printf("link out of the preopen: %s\n",
	       link("/work/a.txt", "/work/../escaped") == 0 ? "MADE" : "refused");
	check("unlink the hard link", unlink("/work/hard.txt") == 0);
	check("unlink the symlink", unlink("/work/soft") == 0 && stat("/work/a.txt", &st) == 0);
}

static void directories(void)
{
	struct stat st;

	check("mkdir",
	      mkdir("/work/d", 0755) == 0 && stat("/work/d", &st) == 0 && S_ISDIR(st.st_mode));
	check("mkdir again fails with EEXIST", mkdir("/work/d", 0755) < 0 && errno == EEXIST);
	check("rename a directory", rename("/work/d", "/work/e") == 0 && stat("/work/d", &st) < 0);
	check("write into it", write_file("/work/e/f", "f") == 0);
	check("rmdir of a non-empty directory fails", rmdir("/work/e") < 0);
	check("unlink of a directory fails", unlink("/work/e") < 0);
	check("unlink then rmdir", unlink("/work/e/f") == 0 && rmdir("/work/e") == 0);
	check("O_EXCL on an existing file fails",
	      open("/work/a.txt", O_WRONLY | O_CREAT | O_EXCL, 0644) < 0 && errno == EEXIST);
	check("O_DIRECTORY on a file fails", open("/work/a.txt", O_RDONLY | O_DIRECTORY) < 0);
	check("a missing file is ENOENT", open("/work/none", O_RDONLY) < 0 && errno == ENOENT);
}

static void renumbering(void)
{
	char buf[16] = {0};

	write_file("/work/r1", "first");
	write_file("/work/r2", "second");
	int a = open("/work/r1", O_RDONLY), b = open("/work/r2", O_RDONLY);
	__wasi_errno_t e = __wasi_fd_renumber((__wasi_fd_t)a, (__wasi_fd_t)b);
	printf("fd_renumber: errno %d\n", e);
	read(b, buf, sizeof(buf) - 1);
	printf("the renumbered fd reads: %s\n", buf);
	__wasi_fdstat_t st;
	printf("the old fd: errno %d\n", __wasi_fd_fdstat_get((__wasi_fd_t)a, &st));
	close(b);
}

static void bad_pointers(void)
{
	/* a guest pointer past the end of memory: an error, never a crash */
	uintptr_t far = 0xfffffff0u;
	__wasi_size_t n = 0;
	printf("fd_write with iovs out of memory: %s\n",
	       __wasi_fd_write(1, (const __wasi_ciovec_t *)far, 1, &n) ? "error" : "WRITTEN");
	printf("random_get out of memory: %s\n",
	       __wasi_random_get((uint8_t *)far, 64) ? "error" : "FILLED");
	printf("args_sizes_get out of memory: %s\n",
	       __wasi_args_sizes_get((__wasi_size_t *)far, (__wasi_size_t *)far) ? "error"
										 : "WRITTEN");
	__wasi_ciovec_t iov = {(const uint8_t *)(far - 4096), 8192};
	printf("fd_write with a buffer out of memory: %s\n",
	       __wasi_fd_write(1, &iov, 1, &n) ? "error" : "WRITTEN");
	printf("fd_close of a bad fd: errno %d\n", __wasi_fd_close(999));
}

static void unsupported(void)
{
	__wasi_fd_t fd = 0;
	printf("sock_accept: %s\n", __wasi_sock_accept(3, 0, &fd) ? "error" : "ACCEPTED");
}

/* What node:wasi (uvwasi in Node 20) gets wrong: a poll of two clocks, or of an absolute
 * deadline, never returns there, and fd subscriptions are not ready. Stdin must be a pipe
 * with data in it. */
static void beyond_node(void)
{
	__wasi_subscription_t subs[2] = {0};
	__wasi_event_t evs[2];
	__wasi_size_t n = 0;
	__wasi_timestamp_t mono = 0;

	/* two clock subscriptions: the earlier fires, alone */
	int64_t t0 = now_ns(CLOCK_MONOTONIC);
	subs[0].userdata = 1;
	subs[0].u.tag = __WASI_EVENTTYPE_CLOCK;
	subs[0].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
	subs[0].u.u.clock.timeout = 5 * 1000 * 1000;
	subs[1] = subs[0];
	subs[1].userdata = 2;
	subs[1].u.u.clock.timeout = 200ull * 1000 * 1000;
	__wasi_errno_t e = __wasi_poll_oneoff(subs, evs, 2, &n);
	int64_t waited = now_ns(CLOCK_MONOTONIC) - t0;
	printf("poll two clocks: errno %d, events %lu, first userdata %llu\n", e, (unsigned long)n,
	       n ? (unsigned long long)evs[0].userdata : 0ull);
	check("the earlier fired first", waited >= 4 * 1000 * 1000 && waited < 150 * 1000 * 1000);

	/* an absolute deadline already past fires at once */
	if (__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &mono) != 0)
		printf("clock_time_get: FAILED\n");
	subs[0].u.u.clock.timeout = mono;
	subs[0].u.u.clock.flags = __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME;
	e = __wasi_poll_oneoff(subs, evs, 1, &n);
	printf("poll absolute past deadline: errno %d, events %lu\n", e, (unsigned long)n);

	/* fd readiness (ppoll): stdout writable, stdin (a pipe with data) readable */
	struct pollfd p[2] = {{.fd = 1, .events = POLLOUT}, {.fd = 0, .events = POLLIN}};
	int r = poll(p, 2, 1000);
	check("poll stdout writable, stdin readable",
	      r == 2 && (p[0].revents & POLLOUT) && (p[1].revents & POLLIN));
}

int main(int argc, char **argv)
{
	sleeping();
	files();
	links();
	directories();
	renumbering();
	bad_pointers();
	unsupported();
	if (argc > 1 && strcmp(argv[1], "--beyond-node") == 0)
		beyond_node();
	return 0;
}
