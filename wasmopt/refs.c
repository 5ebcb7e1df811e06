#include "refs.h"
#include "insn.h"
#include "leb.h"
#include "fold.h"
#include "similar.h"
#include "../lib/array.h"
#include "../lib/parallel.h"
#include "../lib/common.h"

/* Below this much code one thread does it all: starting more costs more. */
#define PARALLEL_BYTES ((uint64_t)128 << 10)

/* One thread's share: the defined functions [first, last). */
typedef struct part {
	const wp_module *m;
	uint32_t first, last;
	uint32_t *entries; /* grown as needed */
	size_t n, cap;
	uint32_t *start;      /* per function: its first entry, shared array */
	uint32_t *count;      /* shared array */
	uint64_t *shape;      /* shared array */
	uint32_t *fold_start; /* shared array */
	uint32_t *fold_count; /* shared array */
	wp_fold_scan scan;
	wp_range *ranges; /* grown as needed */
	size_t n_ranges, cap_ranges;
	int failed;
} part;

static void add(void *ctx, uint32_t kind, uint32_t index)
{
	part *p = ctx;

	if (p->failed)
		return;
	if (wp_array_reserve((void **)&p->entries, &p->cap, p->n + 1, sizeof(*p->entries)) < 0) {
		p->failed = 1;
		return;
	}
	p->entries[p->n++] = kind << WP_REF_BITS | index;
}

void wp_valtype_refs(wp_valtype t, wp_ref_fn *emit, void *ctx)
{
	if (wp_vt_kind(t) == WP_VT_REF && !(wp_vt_heap(t) & WP_HT_ABSTRACT))
		emit(ctx, WP_REF_TYPE, wp_vt_heap(t));
}

void wp_insn_refs(const wp_insn *in, wp_ref_fn *emit, void *ctx)
{
	switch (in->info->imm) {
	case WP_IMM_FUNC:
		emit(ctx,
		     in->info->prefix == 0 && in->info->code == 0x10 ? WP_REF_CALL : WP_REF_FUNC,
		     in->a);
		break;
	case WP_IMM_GLOBAL:
		emit(ctx, WP_REF_GLOBAL, in->a);
		break;
	case WP_IMM_TYPE:
		emit(ctx, WP_REF_TYPE, in->a);
		break;
	case WP_IMM_CALL_INDIRECT:
		emit(ctx, WP_REF_TYPE, in->a);
		emit(ctx, WP_REF_TABLE, in->b);
		break;
	case WP_IMM_TABLE:
		emit(ctx, WP_REF_TABLE, in->a);
		break;
	case WP_IMM_TABLE_TABLE:
		emit(ctx, WP_REF_TABLE, in->a);
		emit(ctx, WP_REF_TABLE, in->b);
		break;
	case WP_IMM_ELEM_TABLE:
		emit(ctx, WP_REF_ELEM, in->a);
		emit(ctx, WP_REF_TABLE, in->b);
		break;
	case WP_IMM_ELEM:
		emit(ctx, WP_REF_ELEM, in->a);
		break;
	case WP_IMM_BLOCK:
	case WP_IMM_TRY_TABLE:
		if (in->block == WP_BLOCK_TYPE)
			emit(ctx, WP_REF_TYPE, in->a);
		else if (in->block == WP_BLOCK_VALUE)
			wp_valtype_refs(in->vt, emit, ctx);
		break;
	case WP_IMM_HEAPTYPE:
	case WP_IMM_SELECT_T:
		wp_valtype_refs(in->vt, emit, ctx);
		break;
	case WP_IMM_DATA:
	case WP_IMM_DATA_MEM:
		emit(ctx, WP_REF_DATA, in->a);
		break;
	default:
		break;
	}
}

static void add_range(part *p, wp_range r)
{
	if (p->failed)
		return;
	if (wp_array_reserve((void **)&p->ranges, &p->cap_ranges, p->n_ranges + 1,
			     sizeof(*p->ranges)) < 0) {
		p->failed = 1;
		return;
	}
	p->ranges[p->n_ranges++] = r;
}

static void collect_body(part *p, uint32_t f)
{
	const wp_module *m = p->m;
	const uint8_t *q = m->bytes + m->funcs[f].body.offset, *end = q + m->funcs[f].body.size;
	const uint8_t *decls, *span;
	uint64_t n = 0, count = 0, h;
	wp_insn_reader ir;
	wp_insn in;
	wp_valtype t;

	p->start[f] = (uint32_t)p->n;
	decls = q;
	q += wp_leb_u(q, end, 32, &n);
	for (uint64_t i = 0; i < n; i++) {
		q += wp_leb_u(q, end, 32, &count);
		if (wp_read_valtype(&q, end, m, &t, NULL) < 0)
			break;
		wp_valtype_refs(t, add, p);
	}
	h = wp_shape_start(m->funcs[f].type, decls, (size_t)(q - decls));
	/* the bytes between constants' values go into the shape, in spans */
	span = q;
	p->fold_start[f] = (uint32_t)p->n_ranges;
	wp_fold_scan_start(&p->scan, end);
	wp_insn_reader_init(&ir, m, q, end);
	while (ir.p < end && wp_insn_next(&ir, &in, NULL) == 0) {
		wp_range copy;

		if (wp_fold_scan_insn(&p->scan, &in, m->bytes + in.offset, &copy, m->bytes))
			add_range(p, copy);
		wp_insn_refs(&in, add, p);
		if (wp_similar_const(in.info->prefix, in.info->code)) {
			h = wp_shape_mix(h, span, (size_t)(m->bytes + in.offset + 1 - span));
			span = in.end;
		}
	}
	p->shape[f] = wp_shape_mix(h, span, (size_t)(end - span));
	p->fold_count[f] = (uint32_t)(p->n_ranges - p->fold_start[f]);
	p->count[f] = (uint32_t)(p->n - p->start[f]);
}

static void *collect_part(void *arg)
{
	part *p = arg;

	for (uint32_t f = p->first; f < p->last && !p->failed; f++)
		collect_body(p, f);
	/* entries are counted in uint32_t */
	if (p->n > UINT32_MAX)
		p->failed = 1;
	return NULL;
}

static bool encodable(const wp_module *m)
{
	uint32_t limit = 1u << WP_REF_BITS;

	return m->n_funcs < limit && m->n_globals < limit && m->n_types < limit &&
	       m->n_tables < limit && m->n_elems < limit && m->n_datas < limit;
}

/* Splits the defined functions into n parts of about equal code. */
static void split(const wp_module *m, part *parts, int n)
{
	uint64_t total = 0, done = 0;
	uint32_t f = m->n_imported_funcs;

	for (uint32_t i = f; i < m->n_funcs; i++)
		total += m->funcs[i].body.size;
	for (int k = 0; k < n; k++) {
		uint64_t goal = total * (uint64_t)(k + 1) / (uint64_t)n;

		parts[k].first = f;
		while (f < m->n_funcs && (done < goal || k == n - 1))
			done += m->funcs[f++].body.size;
		parts[k].last = f;
	}
}

static int run_parts(part *parts, int n)
{
	wp_parallel_run(collect_part, parts, sizeof(*parts), n);
	for (int k = 0; k < n; k++)
		if (parts[k].failed)
			return -1;
	return 0;
}

int wp_refs_collect(const wp_module *m, int threads, wp_refs *out, wp_error **err)
{
	part parts[WP_REFS_MAX_PARTS];
	uint32_t *start = NULL, *fold_start = NULL;
	uint64_t code = 0;
	int n = threads, r = 0;

	memset(out, 0, sizeof(*out));
	if (!encodable(m))
		return 1;
	for (uint32_t f = m->n_imported_funcs; f < m->n_funcs; f++)
		code += m->funcs[f].body.size;
	if (n > WP_REFS_MAX_PARTS)
		n = WP_REFS_MAX_PARTS;
	if (code < PARALLEL_BYTES || n < 1)
		n = 1;
	start = calloc(m->n_funcs + 1, sizeof(*start));
	out->count = calloc(m->n_funcs + 1, sizeof(*out->count));
	out->list = calloc(m->n_funcs + 1, sizeof(*out->list));
	out->shape = calloc(m->n_funcs + 1, sizeof(*out->shape));
	out->fold.list = calloc(m->n_funcs + 1, sizeof(*out->fold.list));
	out->fold.count = calloc(m->n_funcs + 1, sizeof(*out->fold.count));
	fold_start = calloc(m->n_funcs + 1, sizeof(*fold_start));
	if (!start || !out->count || !out->list || !out->shape || !out->fold.list ||
	    !out->fold.count || !fold_start) {
		r = wp_error_oom(err);
		goto done;
	}
	for (int k = 0; k < n; k++)
		parts[k] = (part){.m = m,
				  .start = start,
				  .count = out->count,
				  .shape = out->shape,
				  .fold_start = fold_start,
				  .fold_count = out->fold.count};
	split(m, parts, n);
	if (run_parts(parts, n) < 0)
		r = wp_error_oom(err);
	for (int k = 0; k < n; k++) {
		out->storage[k] = parts[k].entries;
		out->fold.storage[k] = parts[k].ranges;
		wp_fold_scan_release(&parts[k].scan);
		for (uint32_t f = parts[k].first; r == 0 && f < parts[k].last; f++) {
			out->list[f] = parts[k].entries ? parts[k].entries + start[f] : NULL;
			out->fold.list[f] =
				parts[k].ranges ? parts[k].ranges + fold_start[f] : NULL;
		}
	}
	out->n_parts = n;
	out->fold.n_parts = n;
done:
	free(start);
	free(fold_start);
	if (r < 0)
		wp_refs_release(out);
	return r;
}

void wp_refs_release(wp_refs *refs)
{
	free(refs->list);
	free(refs->count);
	free(refs->shape);
	wp_fold_ranges_release(&refs->fold);
	for (int k = 0; k < refs->n_parts; k++)
		free(refs->storage[k]);
	memset(refs, 0, sizeof(*refs));
}

void wp_fold_ranges_release(wp_fold_ranges *f)
{
	free(f->list);
	free(f->count);
	for (int k = 0; k < f->n_parts; k++)
		free(f->storage[k]);
	memset(f, 0, sizeof(*f));
}
