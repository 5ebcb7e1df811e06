/* The wasm reader, the validator and the streaming section scan, on any
 * bytes. */
#include "fuzz.h"
#include "../../wasmopt/module.h"
#include "../../wasmopt/validate.h"
#include "../../wasmopt/wasm_scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	wp_wasm_summary summary;
	wp_module *m = NULL;
	wp_error *err = NULL;
	int scanned, read;

	scanned = wp_wasm_scan_bytes(data, size, "input", &summary, &err);
	FUZZ_CHECK(scanned == 0 || err != NULL);
	fuzz_clear(&err);

	read = wp_module_read_bytes(&m, data, size, "input", &err);
	FUZZ_CHECK(read == 0 || err != NULL);
	fuzz_clear(&err);
	/* the full reader checks everything the scan checks, for core modules
	 * (components it only recognises) */
	FUZZ_CHECK(read < 0 || m->component || scanned == 0);
	if (read == 0 && !m->component) {
		if (wp_module_validate(m, &err) < 0)
			FUZZ_CHECK(err != NULL);
		fuzz_clear(&err);
	}
	wp_module_free(m);
	return 0;
}
