/* A streaming check of a WebAssembly binary's outer structure: the magic,
 * the version/layer field, and every section's id, size and order, reading
 * only the section headers (a 30 MB module costs a few hundred reads). The
 * full instruction-level reader lives beside it in wasmopt/. */
#ifndef WP_WASM_SCAN_H
#define WP_WASM_SCAN_H

#include <stdint.h>

#include "../lib/error.h"

typedef enum wp_wasm_kind {
	WP_WASM_CORE_MODULE = 0, /* version 1, layer 0 */
	WP_WASM_COMPONENT = 1,	 /* component-model binary: layer 1 */
} wp_wasm_kind;

typedef struct wp_wasm_summary {
	wp_wasm_kind kind;
	uint16_t version;  /* 1 for core modules, 0x0d for components */
	uint64_t size;	   /* bytes in the file */
	uint32_t sections; /* all sections, custom ones included */
	uint32_t custom_sections;
	uint64_t code_size;   /* payload bytes of the code section (core modules) */
	uint64_t custom_size; /* payload bytes of custom sections */
} wp_wasm_summary;

/* Checks the file at path; errors name the file, the byte offset and the
 * fault, e.g. "\"a.wasm\": offset 0x1a: section 10 (code) declares 4096
 * bytes but only 12 remain". */
int wp_wasm_scan_file(const char *path, wp_wasm_summary *out, wp_error **err);
/* The same on an open descriptor (read with pread; the offset is kept). */
int wp_wasm_scan_fd(int fd, const char *name, wp_wasm_summary *out, wp_error **err);
/* The same on bytes in memory. */
int wp_wasm_scan_bytes(const void *data, size_t len, const char *name, wp_wasm_summary *out,
		       wp_error **err);

const char *wp_wasm_kind_name(wp_wasm_kind kind); /* "core module" / "component" */
const char *wp_wasm_core_section_name(uint8_t id);

#endif
