#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

static char *scratch;

void fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
	abort();
}

void fuzz_clear(wp_error **err)
{
	if (*err && getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "error: %s\n", (*err)->message);
	wp_error_clear(err);
}

char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	FUZZ_CHECK(s != NULL);
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Directories made without write or search permission must be opened up
 * before what is in them can go. */
static int open_up(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	if (type == FTW_D || type == FTW_DNR)
		chmod(path, (st->st_mode & 07777) | 0700);
	return 0;
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

void fuzz_remove(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		FUZZ_CHECK(unlink(path) == 0);
		return;
	}
	/* twice: a directory opened up lets the walk see what it holds */
	nftw(path, open_up, 16, FTW_PHYS);
	nftw(path, open_up, 16, FTW_PHYS);
	nftw(path, remove_one, 16, FTW_PHYS | FTW_DEPTH);
	FUZZ_CHECK(lstat(path, &st) < 0);
}

static void remove_scratch(void)
{
	fuzz_remove(scratch);
	free(scratch);
	scratch = NULL;
}

const char *fuzz_scratch(void)
{
	const char *tmp = getenv("TMPDIR");
	size_t len;

	if (scratch)
		return scratch;
	if (!tmp || !*tmp)
		tmp = "/tmp";
	len = strlen(tmp) + sizeof("/wasmpack-fuzz-XXXXXX");
	scratch = malloc(len);
	FUZZ_CHECK(scratch != NULL);
	snprintf(scratch, len, "%s/wasmpack-fuzz-XXXXXX", tmp);
	FUZZ_CHECK(mkdtemp(scratch) != NULL);
	atexit(remove_scratch);
	return scratch;
}

char *fuzz_path(const char *name)
{
	const char *dir = fuzz_scratch();
	size_t len = strlen(dir) + strlen(name) + 2;
	char *p = malloc(len);

	FUZZ_CHECK(p != NULL);
	snprintf(p, len, "%s/%s", dir, name);
	return p;
}

void fuzz_write(const char *path, const uint8_t *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	FUZZ_CHECK(fd >= 0);
	while (size > 0) {
		ssize_t n = write(fd, data, size);

		FUZZ_CHECK(n > 0);
		data += n;
		size -= (size_t)n;
	}
	FUZZ_CHECK(close(fd) == 0);
}

size_t fuzz_count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	FUZZ_CHECK(d != NULL);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}
