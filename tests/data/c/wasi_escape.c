/* Ways out of a WASI preopen, tried with the raw preview1 calls (wasi-libc's open() would refuse
 * an absolute path itself, before the host sees it). One line per attempt: "NAME: refused
 * (errno N)" when the host refused it, "NAME: ESCAPED" when it did what it must not, "NAME: ok"
 * for what must work. Used by tests/integration/test_wasi_host.sh with the native host only.
 *
 *   wasi_escape           expects one preopen holding the tree test_wasi_host.sh makes
 *   wasi_escape --none    expects no preopen at all
 *   wasi_escape --race N  opens "swap/secret" N times while the host flips "swap" between a
 *                         directory and a symlink to ../outside; reports what it read */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>

#define ALL_RIGHTS ((__wasi_rights_t)0x1fffffff)

static const __wasi_fd_t NO_FD = (__wasi_fd_t)-1;

/* The first preopened directory, or NO_FD. */
static __wasi_fd_t first_preopen(void)
{
	for (__wasi_fd_t fd = 3; fd < 64; fd++) {
		__wasi_prestat_t ps;
		if (__wasi_fd_prestat_get(fd, &ps) == 0 && ps.tag == __WASI_PREOPENTYPE_DIR)
			return fd;
	}
	return NO_FD;
}

static __wasi_errno_t open_at(__wasi_fd_t dir, const char *path, int follow, __wasi_oflags_t oflags,
			      __wasi_fd_t *out)
{
	return __wasi_path_open(dir, follow ? __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW : 0, path, oflags,
				ALL_RIGHTS, ALL_RIGHTS, 0, out);
}

/* Reads up to 63 bytes of fd into buf (NUL-terminated). */
static void read_some(__wasi_fd_t fd, char buf[64])
{
	__wasi_iovec_t iov = {(uint8_t *)buf, 63};
	__wasi_size_t n = 0;
	if (__wasi_fd_read(fd, &iov, 1, &n) != 0)
		n = 0;
	buf[n] = '\0';
}

static void refused(const char *what, __wasi_errno_t e)
{
	if (e == 0)
		printf("%s: ESCAPED\n", what);
	else
		printf("%s: refused (errno %u)\n", what, (unsigned)e);
}

/* An open that must fail; one that succeeds is closed and reported. */
static void try_open(__wasi_fd_t dir, const char *what, const char *path, int follow,
		     __wasi_oflags_t oflags)
{
	__wasi_fd_t fd;
	__wasi_errno_t e = open_at(dir, path, follow, oflags, &fd);
	if (e == 0) {
		char buf[64];
		read_some(fd, buf);
		printf("%s: ESCAPED (read \"%s\")\n", what, buf);
		(void)__wasi_fd_close(fd);
		return;
	}
	refused(what, e);
}

static void no_preopen(void)
{
	printf("preopen: %s\n", first_preopen() == NO_FD ? "none" : "ESCAPED");
	/* stdio and descriptors nobody opened are no directories to start from */
	for (__wasi_fd_t fd = 0; fd < 8; fd++) {
		char what[64];
		__wasi_fd_t out;
		snprintf(what, sizeof(what), "open . from fd %u", (unsigned)fd);
		refused(what, open_at(fd, ".", 1, __WASI_OFLAGS_DIRECTORY, &out));
		snprintf(what, sizeof(what), "open /etc/passwd from fd %u", (unsigned)fd);
		refused(what, open_at(fd, "/etc/passwd", 1, 0, &out));
		snprintf(what, sizeof(what), "open .. from fd %u", (unsigned)fd);
		refused(what, open_at(fd, "..", 1, __WASI_OFLAGS_DIRECTORY, &out));
	}
}

static void escapes(__wasi_fd_t d)
{
	__wasi_filestat_t st;
	__wasi_size_t used;
	char buf[64];
	__wasi_fd_t fd;

	try_open(d, "dot-dot", "../outside/secret", 1, 0);
	try_open(d, "dot-dot without following", "../outside/secret", 0, 0);
	try_open(d, "absolute", "/etc/passwd", 1, 0);
	try_open(d, "absolute root", "/", 1, __WASI_OFLAGS_DIRECTORY);
	try_open(d, "down then up", "sub/../../outside/secret", 1, 0);
	try_open(d, "deep dot-dot", "sub/./../sub/../../outside/secret", 1, 0);
	try_open(d, "parent directory", "..", 1, __WASI_OFLAGS_DIRECTORY);
	try_open(d, "symlink out", "outside-link", 1, 0);
	try_open(d, "symlink out, not followed", "outside-link", 0, 0);
	try_open(d, "symlink out then down", "outside-dir/secret", 1, 0);
	try_open(d, "symlink out then down, last not followed", "outside-dir/secret", 0, 0);
	try_open(d, "absolute symlink", "abs-link", 1, 0);
	try_open(d, "absolute symlink to a directory", "abs-dir/passwd", 1, 0);
	try_open(d, "symlink chain", "chain1", 1, 0);
	try_open(d, "symlink up inside then out", "sub/up/../outside/secret", 1, 0);
	try_open(d, "symlink loop", "loop1", 1, 0);
	try_open(d, "create through a dangling symlink out", "dangling-out", 1,
		 __WASI_OFLAGS_CREAT);
	try_open(d, "create beside", "../created", 1, __WASI_OFLAGS_CREAT);
	try_open(d, "trailing slash symlink out", "outside-dir/", 1, __WASI_OFLAGS_DIRECTORY);

	refused("stat through a symlink out",
		__wasi_path_filestat_get(d, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "outside-dir/secret",
					 &st));
	refused("stat up", __wasi_path_filestat_get(d, 0, "../outside/secret", &st));
	refused("readlink up", __wasi_path_readlink(d, "../sandbox/outside-link", (uint8_t *)buf,
						    sizeof(buf), &used));
	refused("mkdir up", __wasi_path_create_directory(d, "../made"));
	refused("mkdir through a symlink out", __wasi_path_create_directory(d, "outside-dir/made"));
	refused("unlink up", __wasi_path_unlink_file(d, "../outside/secret"));
	refused("unlink through a symlink out", __wasi_path_unlink_file(d, "outside-dir/secret"));
	refused("rmdir up", __wasi_path_remove_directory(d, "../outside"));
	refused("rename out", __wasi_path_rename(d, "data.txt", d, "../moved"));
	refused("rename in from outside", __wasi_path_rename(d, "outside-dir/secret", d, "stolen"));
	refused("link out", __wasi_path_link(d, 0, "data.txt", d, "../linked"));
	refused("link in from outside",
		__wasi_path_link(d, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "outside-link", d, "hard"));
	refused("symlink with an absolute target", __wasi_path_symlink("/etc", d, "new-abs"));
	refused("symlink made through a symlink out",
		__wasi_path_symlink("x", d, "outside-dir/new-link"));
	/* a new symlink climbing out may be made, but never followed */
	if (__wasi_path_symlink("../outside", d, "new-up") != 0)
		printf("make a relative symlink: FAILED\n");
	try_open(d, "follow a symlink made to climb out", "new-up/secret", 1, 0);
	refused("times through a symlink out",
		__wasi_path_filestat_set_times(
			d, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "outside-link", 0, 0,
			__WASI_FSTFLAGS_ATIM_NOW | __WASI_FSTFLAGS_MTIM_NOW));

	/* what stays inside works */
	if (open_at(d, "sub/up/data.txt", 1, 0, &fd) == 0) {
		read_some(fd, buf);
		printf("symlink up, still inside: ok (%s)\n", strtok(buf, "\n"));
		(void)__wasi_fd_close(fd);
	} else {
		printf("symlink up, still inside: FAILED\n");
	}
	if (open_at(d, "sub/../data.txt", 1, 0, &fd) == 0) {
		printf("down and up again: ok\n");
		(void)__wasi_fd_close(fd);
	} else {
		printf("down and up again: FAILED\n");
	}
	/* an fd opened from the preopen confines just the same */
	if (open_at(d, "sub", 1, __WASI_OFLAGS_DIRECTORY, &fd) == 0) {
		try_open(fd, "dot-dot from an opened subdirectory", "../data.txt", 1, 0);
		try_open(fd, "dot-dot-dot-dot from an opened subdirectory", "../../outside/secret",
			 1, 0);
		(void)__wasi_fd_close(fd);
	} else {
		printf("open sub: FAILED\n");
	}
}

static void race(__wasi_fd_t d, long n)
{
	long inside = 0, outside = 0, failed = 0;
	for (long i = 0; i < n; i++) {
		__wasi_fd_t fd;
		char buf[64];
		if (open_at(d, "swap/secret", 1, 0, &fd) != 0) {
			failed++;
			continue;
		}
		read_some(fd, buf);
		(void)__wasi_fd_close(fd);
		if (strncmp(buf, "inside", 6) == 0)
			inside++;
		else
			outside++;
	}
	printf("race: %ld opens, %ld refused, %ld inside, %ld outside\n", n, failed, inside,
	       outside);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--none") == 0) {
		no_preopen();
		return 0;
	}
	__wasi_fd_t d = first_preopen();
	if (d == NO_FD) {
		printf("no preopen: FAILED\n");
		return 1;
	}
	if (argc > 2 && strcmp(argv[1], "--race") == 0)
		race(d, atol(argv[2]));
	else
		escapes(d);
	return 0;
}
