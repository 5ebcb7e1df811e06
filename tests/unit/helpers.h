/* Helpers shared by the unit tests: temporary directories and files,
 * assertions on wp_error results, and a sink that collects bytes. Included
 * by the test files before ../../lib/common.h. */
#ifndef WP_TEST_HELPERS_H
#define WP_TEST_HELPERS_H

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../lib/buf.h"
#include "../../lib/error.h"
#include "../../lib/fileio.h"
#include "../../lib/str.h"

/* Checks that a call succeeded; shows the error message otherwise. */
#define assert_ok(r, err)                                      \
	cr_assert_eq((r), 0, "unexpected failure %d: %s", (r), \
		     (err) ? (err)->message : "(no error)")

/* Checks that a call failed with `code` and a message containing `needle`,
 * then frees the error. r and err must be plain variables. */
#define assert_error(r, err, want_code, needle)                                                   \
	do {                                                                                      \
		cr_assert_eq((r), (want_code), "returned %d, expected %d (%s)", (r), (want_code), \
			     (err) ? (err)->message : "no error set");                            \
		cr_assert_not_null((err), "no error was set");                                    \
		cr_assert_eq((err)->code, (want_code), "error code %d, expected %d (%s)",         \
			     (err)->code, (want_code), (err)->message);                           \
		cr_assert_not_null(strstr((err)->message, (needle)),                              \
				   "message \"%s\" does not contain \"%s\"", (err)->message,      \
				   (needle));                                                     \
		wp_error_clear(&(err));                                                           \
	} while (0)

/* A new directory under /tmp; owned by the caller. */
static inline char *test_mkdtemp(void)
{
	char tmpl[] = "/tmp/wp-unit-XXXXXX";
	char *dir = mkdtemp(tmpl);

	cr_assert_not_null(dir, "mkdtemp: %s", strerror(errno));
	dir = strdup(dir);
	cr_assert_not_null(dir);
	return dir;
}

/* Removes a directory made by test_mkdtemp and frees its name. */
static inline void test_rmtree(char *dir)
{
	if (dir)
		wp_remove_tree(dir, NULL);
	free(dir);
}

/* dir/name as an owned string. */
static inline char *test_path(const char *dir, const char *name)
{
	char *p = wp_path_join(dir, name);

	cr_assert_not_null(p);
	return p;
}

/* Creates dir/name with the given content and mode; returns the path. */
static inline char *test_write_file(const char *dir, const char *name, const void *data, size_t len,
				    mode_t mode)
{
	char *p = test_path(dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	cr_assert_geq(fd, 0, "open \"%s\": %s", p, strerror(errno));
	cr_assert_eq(write(fd, data, len), (ssize_t)len);
	cr_assert_eq(fchmod(fd, mode), 0);
	cr_assert_eq(close(fd), 0);
	return p;
}

/* Reads a whole file (at most max bytes) into a new buffer. */
static inline void test_read_file(const char *path, wp_buf *out, size_t max)
{
	wp_error *err = NULL;
	int r;

	wp_buf_init(out, max);
	r = wp_read_file(path, out, &err);
	assert_ok(r, err);
}

/* Number of entries in dir (without . and ..), and how many of them start
 * with '.' (the temporary files of wp_atomic_file). */
static inline size_t test_count_entries(const char *dir, size_t *hidden)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	cr_assert_not_null(d, "opendir \"%s\": %s", dir, strerror(errno));
	if (hidden)
		*hidden = 0;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		n++;
		if (hidden && e->d_name[0] == '.')
			(*hidden)++;
	}
	closedir(d);
	return n;
}

static inline bool test_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* A sink collecting everything into a wp_buf (ctx). */
static inline int test_buf_sink_write(void *ctx, const void *data, size_t len, wp_error **err)
{
	return wp_buf_append(ctx, data, len, err);
}

/* Deterministic pseudo-random bytes that compress somewhat: runs of words
 * from a small vocabulary mixed with noise. */
static inline void test_fill_semi_random(unsigned char *p, size_t len, unsigned int seed)
{
	static const char *const words[] = {"wasm ",	    "layer ",	 "image ", "oci ",
					    "\x00\x01\x02", "manifest ", "blob ",  "digest "};
	unsigned long long x = 0x9e3779b97f4a7c15ull ^ seed;
	size_t i = 0;

	while (i < len) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if ((x & 3) == 0) {
			p[i++] = (unsigned char)(x >> 24);
		} else {
			const char *w = words[(x >> 8) % (sizeof(words) / sizeof(words[0]))];
			size_t n = w[0] ? strlen(w) : 3;

			for (size_t k = 0; k < n && i < len; k++)
				p[i++] = (unsigned char)w[k];
		}
	}
}

#endif
