/* wasmpack.yaml: the input written to a file in the scratch directory,
 * loaded, and the image references it names derived. */
#include <stdlib.h>

#include "fuzz.h"
#include "../../cmd/project_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *path;
	struct project_file pf;
	wp_strv refs = {NULL, 0};
	wp_error *err = NULL;

	if (!path)
		path = fuzz_path(PROJECT_FILE_NAME);
	fuzz_write(path, data, size);
	if (project_file_load(path, &pf, &err) < 0) {
		FUZZ_CHECK(err != NULL);
	} else {
		if (project_file_refs(&pf, "fuzz/default", &refs, &err) < 0)
			FUZZ_CHECK(err != NULL);
		project_file_release(&pf);
	}
	fuzz_clear(&err);
	wp_strv_release(&refs);
	return 0;
}
