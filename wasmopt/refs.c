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
	uint64_t h;		   /* the current body's shape so far */
	const uint8_t *span, *end; /* its bytes not yet in h; its end */
	int worker;		   /* as the validator numbers it */
	uint8_t *worker_of;	   /* shared: per function, who saw it; or NULL */
	wp_range *ranges;	   /* grown as needed */
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
	static const uint32_t kind[] = {
		[WP_SPACE_FUNC] = WP_REF_FUNC, [WP_SPACE_GLOBAL] = WP_REF_GLOBAL,
		[WP_SPACE_TYPE] = WP_REF_TYPE, [WP_SPACE_TABLE] = WP_REF_TABLE,
		[WP_SPACE_ELEM] = WP_REF_ELEM, [WP_SPACE_DATA] = WP_REF_DATA,
	};
	wp_index_space sp[2];
	int n = wp_insn_index_spaces(in->info->imm, sp);
	bool call = in->info->prefix == 0 && in->info->code == 0x10;

	for (int k = 0; k < n; k++)
		if (sp[k] != WP_SPACE_OTHER)
			emit(ctx, call ? WP_REF_CALL : kind[sp[k]], k ? in->b : in->a);
	switch (in->info->imm) {
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

/* A body begins (code: past its local declarations): its entries and
 * ranges start here, its local declarations name types. */
static void body_begin(part *p, uint32_t f, const uint8_t *code)
{
	const wp_module *m = p->m;
	const uint8_t *q = m->bytes + m->funcs[f].body.offset, *decls = q;
	uint64_t n = 0, count = 0;
	wp_valtype t;

	p->start[f] = (uint32_t)p->n;
	p->fold_start[f] = (uint32_t)p->n_ranges;
	if (p->worker_of)
		p->worker_of[f] = (uint8_t)p->worker;
	q += wp_leb_u(q, code, 32, &n);
	for (uint64_t i = 0; i < n; i++) {
		q += wp_leb_u(q, code, 32, &count);
		if (wp_read_valtype(&q, code, m, &t, NULL) < 0)
			break;
		wp_valtype_refs(t, add, p);
	}
	p->h = wp_shape_start(m->funcs[f].type, decls, (size_t)(code - decls));
	/* the bytes between constants' values go into the shape, in spans */
	p->span = code;
	p->end = m->bytes + m->funcs[f].body.offset + m->funcs[f].body.size;
	wp_fold_scan_start(&p->scan, p->end);
}

static void body_insn(part *p, const wp_insn *in)
{
	const uint8_t *bytes = p->m->bytes;
	wp_range copy;

	if (wp_fold_scan_insn(&p->scan, in, bytes + in->offset, &copy, bytes))
		add_range(p, copy);
	wp_insn_refs(in, add, p);
	if (wp_similar_const(in->info->prefix, in->info->code)) {
		p->h = wp_shape_mix(p->h, p->span, (size_t)(bytes + in->offset + 1 - p->span));
		p->span = in->end;
	}
}

static void body_end(part *p, uint32_t f)
{
	p->shape[f] = wp_shape_mix(p->h, p->span, (size_t)(p->end - p->span));
	p->fold_count[f] = (uint32_t)(p->n_ranges - p->fold_start[f]);
	p->count[f] = (uint32_t)(p->n - p->start[f]);
}

static void collect_body(part *p, uint32_t f)
{
	const wp_module *m = p->m;
	const uint8_t *q = m->bytes + m->funcs[f].body.offset, *end = q + m->funcs[f].body.size;
	uint64_t n = 0, count = 0;
	wp_insn_reader ir;
	wp_insn in;
	wp_valtype t;

	q += wp_leb_u(q, end, 32, &n);
	for (uint64_t i = 0; i < n; i++) {
		q += wp_leb_u(q, end, 32, &count);
		if (wp_read_valtype(&q, end, m, &t, NULL) < 0)
			break;
	}
	body_begin(p, f, q);
	wp_insn_reader_init(&ir, m, q, end);
	while (ir.p < end && wp_insn_next(&ir, &in, NULL) == 0)
		body_insn(p, &in);
	body_end(p, f);
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

struct wp_refs_builder {
	const wp_module *m;
	part parts[WP_REFS_MAX_PARTS]; /* one per worker */
	uint32_t *start, *fold_start;  /* per function, into its worker's arrays */
	uint8_t *worker_of;
	wp_refs out; /* the per-function arrays, filled as bodies are seen */
};

void wp_refs_builder_free(wp_refs_builder *b)
{
	if (!b)
		return;
	for (int k = 0; k < WP_REFS_MAX_PARTS; k++) {
		free(b->parts[k].entries);
		free(b->parts[k].ranges);
		wp_fold_scan_release(&b->parts[k].scan);
	}
	free(b->start);
	free(b->fold_start);
	free(b->worker_of);
	wp_refs_release(&b->out);
	free(b);
}

int wp_refs_builder_new(const wp_module *m, wp_refs_builder **out, wp_error **err)
{
	wp_refs_builder *b;
	size_t n = (size_t)m->n_funcs + 1;

	*out = NULL;
	if (!encodable(m))
		return 1;
	if (!(b = calloc(1, sizeof(*b))))
		return wp_error_oom(err);
	b->m = m;
	b->start = calloc(n, sizeof(*b->start));
	b->fold_start = calloc(n, sizeof(*b->fold_start));
	b->worker_of = calloc(n, sizeof(*b->worker_of));
	b->out.count = calloc(n, sizeof(*b->out.count));
	b->out.list = calloc(n, sizeof(*b->out.list));
	b->out.shape = calloc(n, sizeof(*b->out.shape));
	b->out.fold.list = calloc(n, sizeof(*b->out.fold.list));
	b->out.fold.count = calloc(n, sizeof(*b->out.fold.count));
	if (!b->start || !b->fold_start || !b->worker_of || !b->out.count || !b->out.list ||
	    !b->out.shape || !b->out.fold.list || !b->out.fold.count) {
		wp_refs_builder_free(b);
		return wp_error_oom(err);
	}
	for (int k = 0; k < WP_REFS_MAX_PARTS; k++)
		b->parts[k] = (part){.m = m,
				     .start = b->start,
				     .count = b->out.count,
				     .shape = b->out.shape,
				     .fold_start = b->fold_start,
				     .fold_count = b->out.fold.count,
				     .worker = k,
				     .worker_of = b->worker_of};
	*out = b;
	return 0;
}

static void observe_begin(void *ctx, int worker, uint32_t func, const uint8_t *code)
{
	body_begin(&((wp_refs_builder *)ctx)->parts[worker], func, code);
}

static void observe_insn(void *ctx, int worker, const wp_insn *in)
{
	body_insn(&((wp_refs_builder *)ctx)->parts[worker], in);
}

static void observe_end(void *ctx, int worker, uint32_t func)
{
	body_end(&((wp_refs_builder *)ctx)->parts[worker], func);
}

void wp_refs_observer(wp_refs_builder *b, wp_body_observer *o)
{
	*o = (wp_body_observer){observe_begin, observe_insn, observe_end, b};
}

int wp_refs_builder_finish(wp_refs_builder *b, wp_refs *out, wp_error **err)
{
	const wp_module *m = b->m;
	int r = 0;

	for (int k = 0; k < WP_REFS_MAX_PARTS; k++)
		if (b->parts[k].failed || b->parts[k].n > UINT32_MAX)
			r = wp_error_oom(err);
	for (uint32_t f = m->n_imported_funcs; r == 0 && f < m->n_funcs; f++) {
		const part *p = &b->parts[b->worker_of[f]];

		b->out.list[f] = p->entries ? p->entries + b->start[f] : NULL;
		b->out.fold.list[f] = p->ranges ? p->ranges + b->fold_start[f] : NULL;
	}
	if (r == 0) {
		/* the arrays move to out */
		for (int k = 0; k < WP_REFS_MAX_PARTS; k++) {
			b->out.storage[k] = b->parts[k].entries;
			b->out.fold.storage[k] = b->parts[k].ranges;
			b->parts[k].entries = NULL;
			b->parts[k].ranges = NULL;
		}
		b->out.n_parts = b->out.fold.n_parts = WP_REFS_MAX_PARTS;
		*out = b->out;
		memset(&b->out, 0, sizeof(b->out));
	}
	wp_refs_builder_free(b);
	return r;
}

int wp_refs_collect(const wp_module *m, int threads, wp_refs *out, wp_error **err)
{
	wp_refs_builder *b = NULL;
	uint64_t code = 0;
	int n = threads, r;

	memset(out, 0, sizeof(*out));
	if ((r = wp_refs_builder_new(m, &b, err)) != 0)
		return r;
	for (uint32_t f = m->n_imported_funcs; f < m->n_funcs; f++)
		code += m->funcs[f].body.size;
	if (n > WP_REFS_MAX_PARTS)
		n = WP_REFS_MAX_PARTS;
	if (code < PARALLEL_BYTES || n < 1)
		n = 1;
	split(m, b->parts, n);
	wp_parallel_run(collect_part, b->parts, sizeof(*b->parts), n);
	return wp_refs_builder_finish(b, out, err);
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
