/* A WASI command that exercises the preview1 imports and prints one line per check, only
 * facts that do not change between runs or runtimes, so its output under node:wasi and under
 * wasmpack's native host (wasmopt/wasi_host) can be compared byte for byte.
 *
 * Expects a preopened directory "/sandbox" holding "data.txt" and three symlinks that leave
 * it: "outside-link" -> ../outside/secret, "outside-dir" -> ../outside, "abs-link" ->
 * /etc/passwd; reads stdin to its end. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list(const char *dir)
{
	char *names[64];
	int n = 0;
	DIR *d = opendir(dir);
	if (d == NULL) {
		printf("readdir %s: failed\n", dir);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d)) != NULL && n < 64)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			names[n++] = strdup(de->d_name);
	closedir(d);
	qsort(names, (size_t)n, sizeof(*names), cmp);
	printf("readdir %s:", dir);
	for (int i = 0; i < n; i++) {
		printf(" %s", names[i]);
		free(names[i]);
	}
	printf("\n");
}

static void refused(const char *what, const char *path)
{
	int fd = open(path, O_RDONLY);
	printf("%s %s: %s\n", what, path, fd < 0 ? "refused" : "OPENED");
	if (fd >= 0)
		close(fd);
}

int main(int argc, char **argv)
{
	/* args and env */
	printf("argc %d\n", argc);
	for (int i = 0; i < argc; i++)
		printf("argv[%d] %s\n", i, argv[i]);
	const char *g = getenv("GREETING"), *u = getenv("UNSET_VAR");
	printf("env GREETING %s\n", g ? g : "(unset)");
	printf("env UNSET_VAR %s\n", u ? u : "(unset)");

	/* clocks: only facts that hold everywhere */
	struct timespec a, b, r;
	clock_gettime(CLOCK_MONOTONIC, &a);
	clock_gettime(CLOCK_MONOTONIC, &b);
	int mono = b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec >= a.tv_nsec);
	printf("monotonic non-decreasing %s\n", mono ? "yes" : "no");
	clock_gettime(CLOCK_REALTIME, &r);
	printf("realtime after 2020 %s\n", r.tv_sec > 1577836800 ? "yes" : "no");
	struct timespec sl = {0, 2000000};
	clock_gettime(CLOCK_MONOTONIC, &a);
	nanosleep(&sl, NULL); /* poll_oneoff with a clock */
	clock_gettime(CLOCK_MONOTONIC, &b);
	long long slept = (b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
	printf("nanosleep 2ms slept >= 2ms %s\n", slept >= 2000000 ? "yes" : "no");

	/* random */
	unsigned char buf[64] = {0};
	int got = getentropy(buf, sizeof(buf));
	int nonzero = 0;
	for (size_t i = 0; i < sizeof(buf); i++)
		nonzero |= buf[i];
	printf("getentropy 64 %s nonzero %s\n", got == 0 ? "ok" : "failed", nonzero ? "yes" : "no");

	/* stdin to stdout, stderr */
	char line[256];
	int lines = 0;
	while (fgets(line, sizeof(line), stdin) != NULL)
		printf("stdin[%d] %s", lines++, line);
	printf("stdin lines %d\n", lines);
	fprintf(stderr, "this goes to stderr\n");

	/* files under the preopen */
	int fd = open("/sandbox/new.txt", O_CREAT | O_EXCL | O_RDWR, 0644);
	printf("create new.txt %s\n", fd >= 0 ? "ok" : strerror(errno));
	const char text[] = "0123456789abcdef";
	printf("write %zd\n", write(fd, text, 16));
	printf("lseek set 4 -> %lld\n", (long long)lseek(fd, 4, SEEK_SET));
	char rb[8] = {0};
	printf("read 6 -> %zd \"%.6s\"\n", read(fd, rb, 6), rb);
	printf("lseek cur -> %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
	printf("lseek end -> %lld\n", (long long)lseek(fd, 0, SEEK_END));
	printf("pread 3 at 10 -> %zd \"%.3s\"\n", pread(fd, rb, 3, 10), rb);
	struct stat st;
	printf("fstat size %lld regular %s\n", fstat(fd, &st) == 0 ? (long long)st.st_size : -1LL,
	       S_ISREG(st.st_mode) ? "yes" : "no");
	printf("ftruncate 5 %s\n", ftruncate(fd, 5) == 0 ? "ok" : strerror(errno));
	close(fd);
	printf("stat size %lld\n",
	       stat("/sandbox/new.txt", &st) == 0 ? (long long)st.st_size : -1LL);
	fd = open("/sandbox/new.txt", O_CREAT | O_EXCL | O_WRONLY, 0644);
	printf("create again with O_EXCL %s\n",
	       fd < 0 && errno == EEXIST ? "EEXIST" : "unexpected");

	printf("mkdir sub %s\n", mkdir("/sandbox/sub", 0755) == 0 ? "ok" : strerror(errno));
	FILE *f = fopen("/sandbox/sub/inner.txt", "w");
	if (f != NULL) {
		fputs("inner\n", f);
		fclose(f);
	}
	list("/sandbox");
	list("/sandbox/sub");
	printf("rename new.txt -> sub/moved.txt %s\n",
	       rename("/sandbox/new.txt", "/sandbox/sub/moved.txt") == 0 ? "ok" : strerror(errno));
	f = fopen("/sandbox/sub/moved.txt", "r");
	if (f != NULL && fgets(line, sizeof(line), f) != NULL)
		printf("moved.txt holds \"%s\"\n", line);
	if (f != NULL)
		fclose(f);
	printf("rmdir non-empty sub %s\n", rmdir("/sandbox/sub") != 0 ? "refused" : "REMOVED");
	printf("unlink sub/moved.txt %s\n",
	       unlink("/sandbox/sub/moved.txt") == 0 ? "ok" : strerror(errno));
	printf("unlink sub/inner.txt %s\n",
	       unlink("/sandbox/sub/inner.txt") == 0 ? "ok" : strerror(errno));
	printf("rmdir sub %s\n", rmdir("/sandbox/sub") == 0 ? "ok" : strerror(errno));
	printf("open removed file %s\n",
	       open("/sandbox/new.txt", O_RDONLY) < 0 && errno == ENOENT ? "ENOENT" : "unexpected");
	printf("symlink inside %s\n",
	       symlink("data.txt", "/sandbox/inner-link") == 0 ? "ok" : strerror(errno));
	f = fopen("/sandbox/inner-link", "r");
	if (f != NULL && fgets(line, sizeof(line), f) != NULL)
		printf("through inner-link \"%s\"\n", strtok(line, "\n"));
	if (f != NULL)
		fclose(f);
	unlink("/sandbox/inner-link");
	list("/sandbox");

	/* refusals: nothing outside the preopen is reachable */
	refused("escape", "/sandbox/../etc/passwd");
	refused("escape", "../etc/passwd");
	refused("absolute", "/etc/passwd");
	refused("symlink out", "/sandbox/outside-link");
	refused("symlink out then down", "/sandbox/outside-dir/secret");
	refused("absolute symlink", "/sandbox/abs-link");
	return 7;
}
