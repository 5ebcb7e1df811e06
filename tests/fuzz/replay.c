/* Replays fuzz inputs without libFuzzer: every file named, and every file
 * beneath every directory named, is given to LLVMFuzzerTestOneInput once,
 * in sorted order. `make check` runs it over the committed corpora, so a
 * fixed crash stays fixed. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	size_t size = 0, cap = 0, n;

	if (!f) {
		perror(path);
		return -1;
	}
	do {
		if (size == cap) {
			uint8_t *more;

			cap = cap ? 2 * cap : 4096;
			more = realloc(data, cap);
			if (!more) {
				fprintf(stderr, "%s: out of memory\n", path);
				free(data);
				fclose(f);
				return -1;
			}
			data = more;
		}
		n = fread(data + size, 1, cap - size, f);
		size += n;
	} while (n > 0);
	if (ferror(f)) {
		perror(path);
		free(data);
		fclose(f);
		return -1;
	}
	fclose(f);
	/* a copy of exactly size bytes, so that ASan sees a read past the end */
	uint8_t *exact = malloc(size ? size : 1);

	if (!exact) {
		free(data);
		return -1;
	}
	if (size)
		memcpy(exact, data, size);
	free(data);
	LLVMFuzzerTestOneInput(exact, size);
	free(exact);
	return 0;
}

static int replay(const char *path, size_t *count)
{
	struct dirent **names;
	struct stat st;
	int n, r = 0;

	if (stat(path, &st) < 0) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return replay_file(path);
	}
	n = scandir(path, &names, NULL, alphasort);
	if (n < 0) {
		perror(path);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		size_t len = strlen(path) + strlen(name) + 2;
		char *child = malloc(len);

		if (name[0] != '.' && child) {
			snprintf(child, len, "%s/%s", path, name);
			if (replay(child, count) < 0)
				r = -1;
		}
		free(child);
		free(names[i]);
	}
	free(names);
	return r;
}

int main(int argc, char **argv)
{
	size_t count = 0;
	int r = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++)
		if (replay(argv[i], &count) < 0)
			r = 1;
	printf("%s: %zu inputs replayed\n", argv[0], count);
	return r;
}
