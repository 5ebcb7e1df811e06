/* Memory packing (-Oz): the active data segments of a memory that starts
 * zeroed, written again as pieces of its initial contents: segments merged
 * where the gap between them costs less than a segment header, split where
 * a run of zeros costs more, zeros at both ends dropped (binaryen's
 * memory-packing). The pieces are never kept: planning counts them, and the
 * writer has them cut again, the same way, as it writes the data section,
 * so memory stays flat however many there are and however large the data.
 * Input pages are handed back to the kernel behind both scans. Private to
 * wasmopt. */
#ifndef WP_PACK_H
#define WP_PACK_H

#include <stdbool.h>
#include <stdint.h>

#include "../lib/error.h"
#include "module.h"

/* V8 refuses modules with more data segments than this: splitting stops
 * short of it. */
#define WP_MAX_DATA_SEGMENTS 100000u

typedef struct wp_pack_seg {
	uint32_t index; /* in m->datas */
	uint64_t start, end;
} wp_pack_seg;

typedef struct wp_pack {
	const wp_module *m;
	uint32_t memory;
	bool is64;
	wp_pack_seg *segs; /* owned: the memory's segments by address, disjoint */
	uint32_t n_segs;
	bool only_gaps;	   /* cut only where segments were apart (else too many) */
	uint32_t n_pieces; /* segments written */
	uint64_t content;  /* bytes of data in them */
	uint64_t encoded;  /* bytes they take in the data section, headers included */
} wp_pack;

/* Plans memory mem's active segments, allowing at most *budget more
 * segments than there are now (what the plan takes is subtracted). Returns 1
 * with p set (free with wp_pack_release), 0 when the memory is left alone
 * (imported or shared, or a segment's offset is not a constant, could trap
 * at instantiation or overlaps another), or a negative error. */
int wp_pack_plan(const wp_module *m, uint32_t mem, uint32_t *budget, wp_pack *p, wp_error **err);

typedef struct wp_pack_sink {
	/* a piece starts: where it goes in memory and how long it is */
	int (*piece)(void *ctx, uint64_t offset, uint64_t len);
	/* then its content, in order: n bytes at data, or n zeros if data is NULL */
	int (*bytes)(void *ctx, const uint8_t *data, uint64_t n);
	void *ctx;
} wp_pack_sink;

/* Cuts the pieces again and hands each to s. Returns 0 or the first
 * negative result of s. */
int wp_pack_write(const wp_pack *p, const wp_pack_sink *s);

/* The bytes of a piece's header in the data section: kind, memory, the
 * offset as a constant expression, and the content's length. */
uint64_t wp_pack_header_size(const wp_pack *p, uint64_t offset, uint64_t len);

void wp_pack_release(wp_pack *p);

#endif
