/* What a WebAssembly binary is, imports and provides, for `wasmpack
 * inspect`: core module or component, size, imports, exports, custom
 * sections, the producers section (tool-conventions ProducersSection.md) and
 * which WASI it targets. Plain structs of owned strings, for cmd/ to print as
 * text or JSON. The module reader (module.h) does the decoding; only what it
 * leaves alone is read here: the producers payload, and a component's
 * top-level import and export names. */
#ifndef WP_SUMMARY_H
#define WP_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../lib/error.h"
#include "../lib/str.h"
#include "module.h"

typedef enum wp_wasi_version {
	WP_WASI_NONE = 0,
	WP_WASI_PREVIEW0, /* imports from "wasi_unstable" */
	WP_WASI_PREVIEW1, /* imports from "wasi_snapshot_preview1" */
	WP_WASI_PREVIEW2, /* imports of "wasi:*" interfaces */
} wp_wasi_version;

/* "none", "preview0", "preview1", "preview2". */
const char *wp_wasi_version_name(wp_wasi_version v);

/* Every string below is owned by the summary, valid UTF-8 without NUL (a
 * NUL byte of a name shows as U+FFFD); kind strings are static. */
typedef struct wp_summary_import {
	char *module;	  /* core modules: the module name; components: NULL */
	char *name;	  /* the field name, or the component's import name */
	const char *kind; /* core: "func", "table", "memory", "global", "tag";
			   * components: "core module", "func", "value", "type",
			   * "component", "instance" */
	char *signature;  /* core functions: "(i32, i32) -> i32"; else NULL */
} wp_summary_import;

typedef struct wp_summary_export {
	char *name;
	const char *kind; /* as for imports; components also "core func", ... */
	uint32_t index;	  /* into the index space of its kind */
	char *signature;  /* core functions, as for imports; else NULL */
} wp_summary_export;

typedef struct wp_summary_custom {
	char *name;
	uint64_t size; /* the section's declared size: its name and contents */
} wp_summary_custom;

typedef struct wp_producer {
	char *name;    /* "C11", "clang", "rustc", ... */
	char *version; /* "" when none was given */
} wp_producer;

typedef struct wp_producer_field {
	char *name; /* "language", "processed-by", "sdk" (others are kept too) */
	wp_producer *values;
	size_t n_values;
} wp_producer_field;

typedef struct wp_module_summary {
	bool component;
	uint64_t size; /* bytes in the file */

	wp_summary_import *imports;
	size_t n_imports;
	char *imports_unreadable; /* components: why none are listed, or NULL */
	wp_summary_export *exports;
	size_t n_exports;
	char *exports_unreadable; /* components: why none are listed, or NULL */

	wp_summary_custom *customs; /* in file order, "producers" included */
	size_t n_customs;

	bool has_producers;	    /* a "producers" custom section is there */
	char *producers_unreadable; /* why its fields are not listed, or NULL */
	wp_producer_field *producers;
	size_t n_producers;

	wp_wasi_version wasi;	 /* the newest one imported from */
	wp_strv wasi_interfaces; /* distinct "wasi:*" imports, first seen first:
				  * "wasi:cli/environment@0.2.0" */
} wp_module_summary;

/* Summarizes the binary in bytes (name for messages). A binary the reader
 * refuses is an error (WP_EINVALID naming the offset), as is a component
 * whose sections do not fit in the file; an unreadable producers section,
 * or component import or export section, only sets its *_unreadable reason.
 * *out is filled (and owned by the caller) on success, untouched on
 * failure. */
int wp_module_summarize(wp_module_summary *out, const uint8_t *bytes, size_t size, const char *name,
			wp_error **err);
/* The same for a module already read (say mapped with wp_module_read_file);
 * m stays the caller's and may be freed before the summary. */
int wp_module_summarize_read(wp_module_summary *out, const wp_module *m, wp_error **err);
/* Frees what the summary holds and empties it; NULL is a no-op. */
void wp_module_summary_release(wp_module_summary *s);

/* The producers field called name ("language"), or NULL; borrowed. */
const wp_producer_field *wp_module_summary_producers(const wp_module_summary *s, const char *name);

#endif
