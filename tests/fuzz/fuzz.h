/* What the fuzz targets share: the libFuzzer entry point (also called by
 * replay.c, without libFuzzer) and the scratch files and directories the
 * targets whose parsers take paths need. */
#ifndef WP_FUZZ_H
#define WP_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../lib/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Fails the run the way a sanitizer would: a message on stderr, then
 * abort(), which libFuzzer records as a crash with the input. */
#define FUZZ_CHECK(cond)                                      \
	do {                                                  \
		if (!(cond))                                  \
			fuzz_fail(__FILE__, __LINE__, #cond); \
	} while (0)
void fuzz_fail(const char *file, int line, const char *what) __attribute__((noreturn));

/* Clears *err; with FUZZ_VERBOSE set in the environment, prints its
 * message first (to see what a corpus file reaches). */
void fuzz_clear(wp_error **err);

/* The input as a NUL-terminated string (it ends at its first NUL byte, as a
 * C caller would see it); owned. */
char *fuzz_cstr(const uint8_t *data, size_t size);

/* A directory of this process's own, made on first use under $TMPDIR (or
 * /tmp) and removed with everything in it when the process exits; borrowed. */
const char *fuzz_scratch(void);
/* fuzz_scratch()/name, owned. */
char *fuzz_path(const char *name);
/* Writes size bytes to path (created or truncated, mode 0600). */
void fuzz_write(const char *path, const uint8_t *data, size_t size);
/* Removes path and everything beneath it, whatever its permissions, never
 * following a symbolic link; a missing path is fine. */
void fuzz_remove(const char *path);
/* How many entries dir has (besides "." and ".."). */
size_t fuzz_count_entries(const char *dir);

#endif
