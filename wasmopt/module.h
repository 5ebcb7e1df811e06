/* A decoded WebAssembly core module: every section read and bounds-checked
 * into arrays that point back into the file's bytes (nothing is copied:
 * function bodies, data and names are offsets into the mapped file). The
 * reader checks the binary format (malformed modules); wp_wasm_validate
 * (validate.h) checks the validation rules (invalid modules). */
#ifndef WP_MODULE_H
#define WP_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../lib/error.h"

/* Value types, packed: the kind in the low byte; for references also the
 * nullable bit and the heap type (an abstract heap type below, or a type
 * index) in the upper 32 bits. */
typedef uint64_t wp_valtype;

enum {
	WP_VT_BOT = 0, /* the unknown type of an unreachable stack */
	WP_VT_I32 = 0x7f,
	WP_VT_I64 = 0x7e,
	WP_VT_F32 = 0x7d,
	WP_VT_F64 = 0x7c,
	WP_VT_V128 = 0x7b,
	WP_VT_REF = 0x64,
};

/* Abstract heap types, as the binary encodes them (negative s33). */
#define WP_HT_FUNC 0x70u
#define WP_HT_EXTERN 0x6fu
#define WP_HT_EXN 0x69u
#define WP_HT_NOFUNC 0x73u
#define WP_HT_NOEXTERN 0x72u
#define WP_HT_NOEXN 0x74u
/* heap values below this are type indices */
#define WP_HT_ABSTRACT 0x80000000u

#define WP_VT_NULLABLE 0x100u

static inline wp_valtype wp_vt_ref(bool nullable, uint32_t heap)
{
	return (wp_valtype)WP_VT_REF | (nullable ? WP_VT_NULLABLE : 0) | ((wp_valtype)heap << 32);
}
static inline uint8_t wp_vt_kind(wp_valtype t)
{
	return (uint8_t)(t & 0xff);
}
static inline bool wp_vt_nullable(wp_valtype t)
{
	return (t & WP_VT_NULLABLE) != 0;
}
/* The heap type: WP_HT_ABSTRACT | code for abstract ones, else an index. */
static inline uint32_t wp_vt_heap(wp_valtype t)
{
	return (uint32_t)(t >> 32);
}
static inline wp_valtype wp_vt_abstract(bool nullable, uint8_t code)
{
	return wp_vt_ref(nullable, WP_HT_ABSTRACT | code);
}
#define WP_VT_FUNCREF wp_vt_abstract(true, WP_HT_FUNC)
#define WP_VT_EXTERNREF wp_vt_abstract(true, WP_HT_EXTERN)

/* "i32", "(ref null $3)", ...; writes into buf and returns it. */
const char *wp_valtype_name(wp_valtype t, char buf[48]);

/* A byte range of the file. */
typedef struct wp_range {
	uint32_t offset;
	uint32_t size;
} wp_range;

typedef struct wp_functype {
	uint32_t n_params;
	uint32_t n_results;
	wp_valtype *types; /* params then results; owned by the module */
} wp_functype;

typedef enum wp_extern_kind {
	WP_EXTERN_FUNC = 0,
	WP_EXTERN_TABLE = 1,
	WP_EXTERN_MEMORY = 2,
	WP_EXTERN_GLOBAL = 3,
	WP_EXTERN_TAG = 4,
} wp_extern_kind;

typedef struct wp_limits {
	uint64_t min;
	uint64_t max;
	bool has_max;
	bool shared;
	bool is64; /* memory64 / table64: i64 addresses */
} wp_limits;

typedef struct wp_table {
	wp_valtype elem;
	wp_limits limits;
	wp_range init; /* an initializer expression, or size 0 */
	bool imported;
} wp_table;

typedef struct wp_memory {
	wp_limits limits;
	bool imported;
} wp_memory;

typedef struct wp_global {
	wp_valtype type;
	bool mutable_;
	wp_range init; /* constant expression (without its end byte) */
	bool imported;
} wp_global;

typedef struct wp_func {
	uint32_t type;
	bool imported;
	wp_range body; /* locals and code, excluding the size; defined functions */
} wp_func;

typedef struct wp_tag {
	uint32_t type;
	bool imported;
} wp_tag;

typedef struct wp_import {
	wp_range module;
	wp_range name;
	wp_extern_kind kind;
	uint32_t index; /* into funcs/tables/memories/globals/tags */
} wp_import;

typedef struct wp_export {
	wp_range name;
	wp_extern_kind kind;
	uint32_t index;
} wp_export;

typedef enum wp_segment_mode {
	WP_SEG_ACTIVE,
	WP_SEG_PASSIVE,
	WP_SEG_DECLARATIVE,
} wp_segment_mode;

typedef struct wp_elem {
	wp_segment_mode mode;
	uint32_t table;
	wp_range offset; /* active: the offset expression */
	wp_valtype type; /* funcref, or the declared reference type */
	bool exprs;	 /* items are expressions, not function indices */
	uint32_t n_items;
	wp_range items; /* the encoded items (indices or expressions) */
	uint32_t at;	/* where the segment starts, for messages */
} wp_elem;

typedef struct wp_data {
	wp_segment_mode mode;
	uint32_t memory;
	wp_range offset;
	wp_range bytes;
	uint32_t at;
} wp_data;

typedef struct wp_section {
	uint8_t id;
	wp_range header; /* id and size */
	wp_range payload;
	wp_range name; /* custom sections */
} wp_section;

typedef struct wp_module {
	const uint8_t *bytes; /* the whole file; owned when mapped */
	size_t size;
	void *mapping;
	size_t mapping_size;
	bool component; /* a component: only recognised, not decoded */

	wp_functype *types;
	uint32_t n_types;
	wp_import *imports;
	uint32_t n_imports;
	wp_func *funcs; /* imported first */
	uint32_t n_funcs, n_imported_funcs;
	wp_table *tables;
	uint32_t n_tables, n_imported_tables;
	wp_memory *memories;
	uint32_t n_memories, n_imported_memories;
	wp_global *globals;
	uint32_t n_globals, n_imported_globals;
	wp_tag *tags;
	uint32_t n_tags, n_imported_tags;
	wp_export *exports;
	uint32_t n_exports;
	bool has_start;
	uint32_t start;
	wp_elem *elems;
	uint32_t n_elems;
	bool has_data_count;
	uint32_t data_count;
	wp_data *datas;
	uint32_t n_datas;
	wp_section *sections;
	uint32_t n_sections;
	bool has_code;	  /* a code section was present */
	uint32_t n_code;  /* bodies in the code section */
	const char *name; /* the file name, for messages; borrowed */
} wp_module;

/* Reads a module from a file (mapped, never copied) or from memory (the
 * bytes must outlive the module). Malformed binaries fail with WP_EINVALID
 * and a message naming the offset. Components are recognised and returned
 * with component = true and nothing else decoded. */
int wp_module_read_file(wp_module **out, const char *path, wp_error **err);
/* The first size bytes of an open file (size > 0), mapped; name for
 * messages. */
int wp_module_read_fd(wp_module **out, int fd, size_t size, const char *name, wp_error **err);
int wp_module_read_bytes(wp_module **out, const uint8_t *bytes, size_t size, const char *name,
			 wp_error **err);
void wp_module_free(wp_module *m);

/* For a caller that will not read the module's bytes below `to` again
 * (soon): lets the kernel take back their pages from `from` (where the last
 * call stopped, 0 at first) on, so that memory stays low. The bytes stay
 * readable (read again from the page cache); for a module read from memory,
 * nothing happens. */
void wp_module_release(const wp_module *m, size_t from, size_t to);

/* For a sequential reader at pos: releases what lies behind it since *mark
 * once a quarter megabyte has gathered, and moves *mark. */
void wp_module_release_behind(const wp_module *m, size_t *mark, size_t pos);

static inline const wp_functype *wp_module_functype(const wp_module *m, uint32_t func)
{
	return &m->types[m->funcs[func].type];
}

#endif
