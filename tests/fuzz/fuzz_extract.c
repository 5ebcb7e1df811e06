/* Layer extraction: the input is one layer (a tar, plain, gzip or zstd),
 * extracted into a fresh directory, then searched for one file the way
 * pull --wasm does. Nothing may appear in the scratch directory but the
 * layer and what the calls were asked to make, and a failed extraction
 * must leave nothing behind. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "../../oci/extract.h"

static char *box, *layer, *dir, *file;

static void set_up(void)
{
	/* a directory of its own, so that the parent's entries can be counted */
	box = fuzz_path("box");
	FUZZ_CHECK(mkdir(box, 0700) == 0);
	layer = fuzz_path("box/layer");
	dir = fuzz_path("box/out");
	file = fuzz_path("box/file");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	wp_extract_layer l = {.path = NULL, .media_type = NULL, .name = "layer"};
	wp_extract_options o = {.max_size = 1 << 20};
	wp_error *err = NULL;
	struct stat st;

	if (!box)
		set_up();
	fuzz_write(layer, data, size);
	l.path = layer;
	if (wp_extract_layers(dir, &l, 1, &o, &err) < 0) {
		FUZZ_CHECK(err != NULL);
		FUZZ_CHECK(lstat(dir, &st) < 0);
		FUZZ_CHECK(fuzz_count_entries(box) == 1);
	} else {
		FUZZ_CHECK(fuzz_count_entries(box) == 2);
	}
	fuzz_clear(&err);
	fuzz_remove(dir);

	if (wp_extract_file(file, &l, 1, "/app/x.wasm", &o, &err) < 0) {
		FUZZ_CHECK(err != NULL);
		FUZZ_CHECK(lstat(file, &st) < 0);
	} else {
		FUZZ_CHECK(lstat(file, &st) == 0 && S_ISREG(st.st_mode));
	}
	fuzz_clear(&err);
	fuzz_remove(file);
	FUZZ_CHECK(fuzz_count_entries(box) == 1);
	FUZZ_CHECK(fuzz_count_entries(fuzz_scratch()) == 1);
	return 0;
}
