#include <pthread.h>

#include "optimize.h"
#include "insn.h"
#include "leb.h"
#include "refs.h"
#include "similar.h"
#include "pack.h"
#include "rewrite.h"
#include "validate.h"
#include "../lib/compress.h"
#include "../lib/parallel.h"
#include "../lib/common.h"

/* Custom sections a runtime may need: kept at every level. */
static bool runtime_section(const char *name, size_t len)
{
	return (len >= 15 && memcmp(name, "component-type:", 15) == 0) ||
	       (len == 8 && memcmp(name, "dylink.0", 8) == 0);
}

bool wp_custom_section_kept(const char *name, size_t len, const wp_opt_options *o)
{
	static const char *const tooling[] = {
		"name",
		"producers",
		"sourceMappingURL",
		"external_debug_info",
		"build_id",
		"target_features",
		NULL,
	};

	if (runtime_section(name, len))
		return true;
	for (size_t i = 0; o->keep_sections && i < o->keep_sections->len; i++)
		if (strlen(o->keep_sections->items[i]) == len &&
		    memcmp(o->keep_sections->items[i], name, len) == 0)
			return true;
	if (o->level < WP_OPT_SIZE && !o->strip)
		return true;
	if (len >= 7 && memcmp(name, ".debug_", 7) == 0)
		return false;
	for (size_t i = 0; tooling[i]; i++)
		if (strlen(tooling[i]) == len && memcmp(tooling[i], name, len) == 0)
			return false;
	return true;
}

/* ---- liveness (-Oz) ---- */

typedef struct an {
	const wp_module *m;
	const wp_opt_options *o;
	uint8_t *func_live;
	uint8_t *global_live;
	uint8_t *type_live;
	uint32_t *queue;
	uint32_t n_queue;
	uint32_t *uses;	 /* references to each function: calls, ref.func, elements, exports */
	uint32_t *calls; /* the direct calls among them */
	uint8_t *table_live;
	uint8_t *elem_live;
	uint8_t *data_live;
	bool bulk_data; /* memory.init or data.drop appear: data indices are fixed */
	wp_refs refs;	/* what each body names, when collected (refs.list) */
	wp_error **err;
} an;

static void mark_type(an *a, uint32_t t);

static void mark_valtype(an *a, wp_valtype t)
{
	if (wp_vt_kind(t) == WP_VT_REF && !(wp_vt_heap(t) & WP_HT_ABSTRACT))
		mark_type(a, wp_vt_heap(t));
}

static void mark_type(an *a, uint32_t t)
{
	const wp_functype *ft;

	if (t >= a->m->n_types || a->type_live[t])
		return;
	a->type_live[t] = 1;
	ft = &a->m->types[t];
	for (uint32_t i = 0; i < ft->n_params + ft->n_results; i++)
		mark_valtype(a, ft->types[i]);
}

static void mark_func(an *a, uint32_t f)
{
	if (f >= a->m->n_funcs)
		return;
	if (a->uses[f] < UINT32_MAX)
		a->uses[f]++;
	if (a->func_live[f])
		return;
	a->func_live[f] = 1;
	mark_type(a, a->m->funcs[f].type);
	if (!a->m->funcs[f].imported)
		a->queue[a->n_queue++] = f;
}

static void scan_expr(an *a, const uint8_t *p, const uint8_t *end, bool body);

static void mark_global(an *a, uint32_t g)
{
	const wp_global *gl;

	if (g >= a->m->n_globals || a->global_live[g])
		return;
	a->global_live[g] = 1;
	gl = &a->m->globals[g];
	mark_valtype(a, gl->type);
	if (!gl->imported)
		scan_expr(a, a->m->bytes + gl->init.offset,
			  a->m->bytes + gl->init.offset + gl->init.size + 1, false);
}

static void mark_elem(an *a, uint32_t e);

/* A table in use: exported, imported, or named by live code. */
static void mark_table(an *a, uint32_t t)
{
	const wp_table *tb;

	if (t >= a->m->n_tables || a->table_live[t])
		return;
	a->table_live[t] = 1;
	tb = &a->m->tables[t];
	mark_valtype(a, tb->elem);
	if (tb->init.size)
		scan_expr(a, a->m->bytes + tb->init.offset,
			  a->m->bytes + tb->init.offset + tb->init.size + 1, false);
}

/* An element segment in use: its functions are. */
static void mark_elem(an *a, uint32_t i)
{
	const wp_elem *e;
	const uint8_t *p, *end;

	if (i >= a->m->n_elems || a->elem_live[i])
		return;
	a->elem_live[i] = 1;
	e = &a->m->elems[i];
	p = a->m->bytes + e->items.offset;
	end = p + e->items.size;
	mark_valtype(a, e->type);
	if (e->mode == WP_SEG_ACTIVE) {
		mark_table(a, e->table);
		scan_expr(a, a->m->bytes + e->offset.offset,
			  a->m->bytes + e->offset.offset + e->offset.size + 1, false);
	}
	if (e->exprs) {
		scan_expr(a, p, end, true);
		return;
	}
	for (uint32_t k = 0; k < e->n_items && p < end; k++) {
		uint64_t idx = 0;

		p += wp_leb_u(p, end, 32, &idx);
		mark_func(a, (uint32_t)idx);
	}
}

/* One reference of live code: what it names is live too. */
static void mark_ref(void *ctx, uint32_t kind, uint32_t index)
{
	an *a = ctx;

	switch (kind) {
	case WP_REF_CALL:
		if (index < a->m->n_funcs && a->calls[index] < UINT32_MAX)
			a->calls[index]++;
		mark_func(a, index);
		break;
	case WP_REF_FUNC:
		mark_func(a, index);
		break;
	case WP_REF_GLOBAL:
		mark_global(a, index);
		break;
	case WP_REF_TYPE:
		mark_type(a, index);
		break;
	case WP_REF_TABLE:
		mark_table(a, index);
		break;
	case WP_REF_ELEM:
		mark_elem(a, index);
		break;
	case WP_REF_DATA:
		a->bulk_data = true;
		if (index < a->m->n_datas)
			a->data_live[index] = 1;
		break;
	}
}

/* Marks what instructions refer to. */
static void scan_expr(an *a, const uint8_t *p, const uint8_t *end, bool body)
{
	wp_insn_reader ir;
	wp_insn in;

	wp_insn_reader_init(&ir, a->m, p, end);
	while (ir.p < end && wp_insn_next(&ir, &in, NULL) == 0) {
		wp_insn_refs(&in, mark_ref, a);
		if (!body && in.info->prefix == 0 && in.info->code == 0x0b)
			return;
	}
}

static void scan_body(an *a, uint32_t f)
{
	const wp_func *fn = &a->m->funcs[f];
	const uint8_t *p = a->m->bytes + fn->body.offset, *end = p + fn->body.size;
	uint64_t n = 0, count = 0;
	wp_valtype t;

	/* collected beforehand (by several threads) */
	if (a->refs.list) {
		for (uint32_t i = 0; i < a->refs.count[f]; i++)
			mark_ref(a, WP_REF_KIND(a->refs.list[f][i]),
				 WP_REF_INDEX(a->refs.list[f][i]));
		return;
	}
	p += wp_leb_u(p, end, 32, &n);
	for (uint64_t i = 0; i < n; i++) {
		p += wp_leb_u(p, end, 32, &count);
		if (wp_read_valtype(&p, end, a->m, &t, NULL) < 0)
			return;
		mark_valtype(a, t);
	}
	scan_expr(a, p, end, true);
}

static void scan_const(an *a, wp_range r)
{
	if (r.size || r.offset)
		scan_expr(a, a->m->bytes + r.offset, a->m->bytes + r.offset + r.size + 1, false);
}

/* Whether a constant expression holds a ref.func. */
static bool names_function(const wp_module *m, wp_range r)
{
	const uint8_t *p = m->bytes + r.offset;
	wp_insn_reader ir;
	wp_insn in;

	wp_insn_reader_init(&ir, m, p, p + r.size + 1);
	while (wp_insn_next(&ir, &in, NULL) == 0 &&
	       !(in.info->prefix == 0 && in.info->code == 0x0b))
		if (in.info->prefix == 0 && in.info->code == 0xd2)
			return true;
	return false;
}

static void mark_roots(an *a)
{
	const wp_module *m = a->m;

	/* a global initialised with ref.func declares that function for
	 * ref.func in code (C.refs): removing it could make the code invalid */
	for (uint32_t i = m->n_imported_globals; i < m->n_globals; i++)
		if (names_function(m, m->globals[i].init))
			mark_global(a, i);

	for (uint32_t i = 0; i < m->n_exports; i++) {
		if (m->exports[i].kind == WP_EXTERN_FUNC)
			mark_func(a, m->exports[i].index);
		else if (m->exports[i].kind == WP_EXTERN_GLOBAL)
			mark_global(a, m->exports[i].index);
	}
	if (m->has_start)
		mark_func(a, m->start);
	for (uint32_t i = 0; i < m->n_imports; i++) {
		const wp_import *im = &m->imports[i];

		if (im->kind == WP_EXTERN_FUNC && !a->o->remove_unused_imports)
			mark_func(a, im->index);
		else if (im->kind == WP_EXTERN_GLOBAL)
			mark_global(a, im->index);
	}
	for (uint32_t i = 0; i < m->n_exports; i++)
		if (m->exports[i].kind == WP_EXTERN_TABLE)
			mark_table(a, m->exports[i].index);
	for (uint32_t i = 0; i < m->n_imported_tables; i++)
		mark_table(a, i);
	for (uint32_t i = 0; i < m->n_tags; i++)
		mark_type(a, m->tags[i].type);
	/* declarative segments only declare ref.func targets: kept; active
	 * ones are decided with their tables (live_elems) */
	for (uint32_t i = 0; i < m->n_elems; i++)
		if (m->elems[i].mode == WP_SEG_DECLARATIVE)
			mark_elem(a, i);
	/* active data initialises a memory, and memories all stay */
	for (uint32_t i = 0; i < m->n_datas; i++)
		if (m->datas[i].mode == WP_SEG_ACTIVE) {
			a->data_live[i] = 1;
			scan_const(a, m->datas[i].offset);
		}
}

/* Whether an active element segment surely fits its table: then, with the
 * table unused, segment and table can go without losing a trap at
 * instantiation. */
static bool elem_fits(const wp_module *m, const wp_elem *e)
{
	const uint8_t *p = m->bytes + e->offset.offset, *end = p + e->offset.size + 1;
	const wp_limits *l = &m->tables[e->table].limits;
	wp_insn_reader ir;
	wp_insn in;
	uint64_t off;

	if (m->tables[e->table].imported)
		return false;
	wp_insn_reader_init(&ir, m, p, end);
	if (wp_insn_next(&ir, &in, NULL) < 0 || in.info->prefix != 0 ||
	    (in.info->code != 0x41 && in.info->code != 0x42))
		return false;
	off = in.info->code == 0x41 ? (uint64_t)(uint32_t)in.value : in.value;
	if (wp_insn_next(&ir, &in, NULL) < 0 || in.info->prefix != 0 || in.info->code != 0x0b)
		return false;
	return off <= l->min && e->n_items <= l->min - off;
}

/* Active element segments live with their tables; one that could trap at
 * instantiation is live whatever its table. Functions they name may bring
 * in more code, more tables, more segments: repeat until nothing changes. */
static void live_elems(an *a)
{
	const wp_module *m = a->m;
	bool changed = true;

	while (changed) {
		changed = false;
		while (a->n_queue)
			scan_body(a, a->queue[--a->n_queue]);
		for (uint32_t i = 0; i < m->n_elems; i++) {
			const wp_elem *e = &m->elems[i];

			if (a->elem_live[i] || e->mode != WP_SEG_ACTIVE)
				continue;
			if (e->table < m->n_tables && a->table_live[e->table] == 0 &&
			    elem_fits(m, e))
				continue;
			mark_elem(a, i);
			changed = true;
		}
	}
}

/* ---- identical function bodies (-Oz) ---- */

/* canonical[f] = the first function with f's type and bytes (f itself when
 * unique). Exported functions and the start function keep their identity. */
static int find_duplicates(an *a, uint32_t *canonical, wp_opt_stats *st)
{
	const wp_module *m = a->m;
	uint32_t n = m->n_funcs, cap = 16;
	uint8_t *pinned = calloc(n + 1, 1);
	uint32_t *slots;

	if (!pinned)
		return wp_error_oom(a->err);
	for (uint32_t i = 0; i < m->n_exports; i++)
		if (m->exports[i].kind == WP_EXTERN_FUNC && m->exports[i].index < n)
			pinned[m->exports[i].index] = 1;
	if (m->has_start && m->start < n)
		pinned[m->start] = 1;
	while (cap < 2 * n)
		cap *= 2;
	if (!(slots = malloc(cap * sizeof(*slots)))) {
		free(pinned);
		return wp_error_oom(a->err);
	}
	memset(slots, 0xff, cap * sizeof(*slots));
	for (uint32_t f = 0; f < n; f++) {
		const wp_func *fn = &m->funcs[f];
		uint64_t h;
		uint32_t s;

		canonical[f] = f;
		if (fn->imported || !a->func_live[f] || pinned[f])
			continue;
		/* the type and every byte, a word at a time */
		h = wp_shape_start(fn->type, m->bytes + fn->body.offset, fn->body.size);
		for (s = (uint32_t)h & (cap - 1); slots[s] != UINT32_MAX; s = (s + 1) & (cap - 1)) {
			const wp_func *o = &m->funcs[slots[s]];

			if (o->type == fn->type && o->body.size == fn->body.size &&
			    memcmp(m->bytes + o->body.offset, m->bytes + fn->body.offset,
				   fn->body.size) == 0) {
				canonical[f] = slots[s];
				st->n_merged_functions++;
				st->merged_functions += fn->body.size;
				break;
			}
		}
		if (canonical[f] == f)
			slots[s] = f;
	}
	free(slots);
	free(pinned);
	return 0;
}

/* ---- data segments (-Oz) ---- */

/* Each memory's active segments packed (pack.h) where they can be, passive
 * segments nothing uses dropped. Segments keep their order: a packed
 * memory's pieces go where its first segment was. */
static int plan_data(an *a, wp_rewrite *rw, wp_opt_stats *st)
{
	const wp_module *m = a->m;
	uint32_t budget = m->n_datas < WP_MAX_DATA_SEGMENTS ? WP_MAX_DATA_SEGMENTS - m->n_datas : 0;
	uint8_t *planned; /* per memory: 0 not yet, 1 packed, 2 left alone */
	bool any = false;
	int r = 0;

	st->n_data_in = m->n_datas;
	st->n_data_out = m->n_datas;
	if (a->bulk_data || m->n_datas == 0)
		return 0;
	planned = calloc(m->n_memories + 1, 1);
	rw->packs = calloc(m->n_memories + 1, sizeof(*rw->packs));
	rw->datas = calloc(m->n_datas, sizeof(*rw->datas));
	if (!planned || !rw->packs || !rw->datas) {
		free(planned);
		return wp_error_oom(a->err);
	}
	for (uint32_t i = 0; i < m->n_datas; i++) {
		const wp_data *d = &m->datas[i];

		if (d->mode == WP_SEG_ACTIVE && planned[d->memory] == 0) {
			wp_pack *pk = &rw->packs[d->memory];

			if ((r = wp_pack_plan(m, d->memory, &budget, pk, a->err)) < 0)
				break;
			planned[d->memory] = r == 1 ? 1 : 2;
			if (r == 1) {
				rw->datas[rw->n_datas++] = (wp_out_data){i, pk};
				rw->n_datas_out += pk->n_pieces;
				any = true;
			}
			r = 0;
		}
		if (d->mode == WP_SEG_ACTIVE && planned[d->memory] == 1)
			continue;
		/* a passive segment nothing uses has no effect */
		if (d->mode == WP_SEG_ACTIVE || a->data_live[i]) {
			rw->datas[rw->n_datas++] = (wp_out_data){i, NULL};
			rw->n_datas_out++;
		} else {
			any = true;
		}
	}
	free(planned);
	rw->datas_changed = any;
	if (any)
		st->n_data_out = rw->n_datas_out;
	return r;
}

/* ---- putting it together ---- */

/* qsort has no context argument: the counts it compares by, set just before */
static const uint32_t *sort_uses;

static int by_uses(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	if (sort_uses[a] != sort_uses[b])
		return sort_uses[a] > sort_uses[b] ? -1 : 1;
	return a < b ? -1 : a > b;
}

static int by_index(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return a < b ? -1 : a > b;
}

/* The most referenced functions get the smallest indices, so most calls
 * take a one- or two-byte index (binaryen's reorder-functions). Only the
 * LEB128 width of an index matters, so inside each width the functions keep
 * the linker's order: it groups related code, which compresses better than
 * code sorted by count. first: the index of order[0]. */
static void order_by_uses(uint32_t *order, uint32_t n, uint32_t first, const uint32_t *uses)
{
	static const uint32_t widths[] = {1u << 7, 1u << 14, 1u << 21, 1u << 28, UINT32_MAX};
	uint32_t lo = 0;

	sort_uses = uses;
	qsort(order, n, sizeof(uint32_t), by_uses);
	for (size_t w = 0; w < WP_ARRAY_SIZE(widths) && lo < n; w++) {
		uint32_t hi;

		if (widths[w] <= first)
			continue;
		hi = widths[w] - first < n ? widths[w] - first : n;
		qsort(order + lo, hi - lo, sizeof(uint32_t), by_index);
		lo = hi;
	}
}

/* ---- similar functions (-Oz) ---- */

/* Whether two shared functions have the same type. */
static bool same_shared_type(const wp_module *m, const wp_shared_fn *x, const wp_shared_fn *y)
{
	const wp_functype *a = wp_module_functype(m, x->rep), *b = wp_module_functype(m, y->rep);

	return a->n_params == b->n_params && a->n_results == b->n_results &&
	       x->n_params == y->n_params &&
	       memcmp(a->types, b->types, (a->n_params + a->n_results) * sizeof(*a->types)) == 0 &&
	       memcmp(x->op, y->op, x->n_params) == 0;
}

/* Functions alike but for constants become thunks of shared functions
 * (numbered from rw->first_shared, their types from rw->first_new_type,
 * both set later), or go entirely when only direct calls name them: those
 * calls then pass the constants themselves (rw->inline_call). */
static int plan_similar(an *a, wp_rewrite *rw, const uint32_t *canonical, const uint64_t *shape,
			wp_opt_stats *st)
{
	const wp_module *m = a->m;
	uint8_t *cand = calloc(m->n_funcs + 1, 1);
	uint8_t *only_called = calloc(m->n_funcs + 1, 1);
	wp_similar *sim = &rw->similar_plan;
	int r = 0;

	if (!cand || !only_called)
		r = wp_error_oom(a->err);
	for (uint32_t f = m->n_imported_funcs; r == 0 && f < m->n_funcs; f++) {
		cand[f] = a->func_live[f] && canonical[f] == f;
		/* exported, the start, in a table, ref.func: uses beyond calls */
		only_called[f] = a->calls[f] > 0 && a->uses[f] == a->calls[f];
	}
	if (r == 0)
		r = wp_similar_plan(m, cand, shape, only_called, a->calls, sim, a->err);
	free(cand);
	free(only_called);
	if (r < 0 || sim->n_shared == 0)
		return r;
	rw->shared_type = calloc(sim->n_shared, sizeof(uint32_t));
	rw->type_source = calloc(sim->n_shared, sizeof(uint32_t));
	rw->inline_call = calloc(m->n_funcs + 1, sizeof(uint32_t));
	if (!rw->shared_type || !rw->type_source || !rw->inline_call)
		return wp_error_oom(a->err);
	for (uint32_t g = 0; g < sim->n_shared; g++) {
		uint32_t j = 0;

		while (j < rw->n_new_types &&
		       !same_shared_type(m, &sim->shared[g], &sim->shared[rw->type_source[j]]))
			j++;
		if (j == rw->n_new_types)
			rw->type_source[rw->n_new_types++] = g;
		rw->shared_type[g] = j;
	}
	/* calls to a duplicate of an inlined thunk are inlined too */
	for (uint32_t f = 0; f < m->n_funcs; f++) {
		uint32_t t = sim->thunk_of[canonical[f]];

		if (a->func_live[f] && t && sim->thunks[t - 1].inlined)
			rw->inline_call[f] = t;
	}
	rw->similar = sim;
	st->n_similar_functions = sim->n_thunks;
	st->n_shared_functions = sim->n_shared;
	st->similar_functions = sim->saved;
	return 0;
}

static int plan_min(an *a, wp_rewrite *rw, wp_opt_stats *st)
{
	const wp_module *m = a->m;
	uint32_t *canonical = calloc(m->n_funcs + 1, sizeof(uint32_t));
	uint64_t *shape = NULL;
	uint32_t next = 0;
	int r;

	if (!canonical)
		return wp_error_oom(a->err);
	/* gathered while validating, or now */
	if (!a->refs.list && (r = wp_refs_collect(m, wp_opt_threads(a->o), &a->refs, a->err)) < 0) {
		free(canonical);
		return r;
	}
	mark_roots(a);
	live_elems(a);
	/* the shapes are for plan_similar */
	shape = a->refs.shape;
	a->refs.shape = NULL;
	rw->fold = a->refs.fold;
	memset(&a->refs.fold, 0, sizeof(a->refs.fold));
	wp_refs_release(&a->refs);
	r = find_duplicates(a, canonical, st);
	/* references to a duplicate are references to the function that stays */
	for (uint32_t f = 0; r == 0 && f < m->n_funcs; f++)
		if (canonical[f] != f) {
			if (a->uses[canonical[f]] < UINT32_MAX - a->uses[f])
				a->uses[canonical[f]] += a->uses[f];
			if (a->calls[canonical[f]] < UINT32_MAX - a->calls[f])
				a->calls[canonical[f]] += a->calls[f];
		}
	if (r == 0 && shape)
		r = plan_similar(a, rw, canonical, shape, st);
	for (uint32_t f = 0; r == 0 && f < m->n_funcs; f++) {
		bool emit = a->func_live[f] && canonical[f] == f &&
			    !(rw->inline_call && rw->inline_call[f]);

		rw->func_emit[f] = emit;
		rw->func_map[f] = WP_GONE;
		if (emit && m->funcs[f].imported)
			rw->func_map[f] = next++;
		else if (emit)
			rw->func_order[rw->n_func_order++] = f;
		if (!a->func_live[f] && !m->funcs[f].imported) {
			st->n_dead_functions++;
			st->dead_functions += m->funcs[f].body.size;
		}
	}
	order_by_uses(rw->func_order, rw->n_func_order, next, a->uses);
	for (uint32_t i = 0; i < rw->n_func_order; i++)
		rw->func_map[rw->func_order[i]] = next++;
	/* the shared functions come last */
	rw->first_shared = next;
	for (uint32_t f = 0; r == 0 && f < m->n_funcs; f++)
		if (a->func_live[f] && canonical[f] != f)
			rw->func_map[f] = rw->func_map[canonical[f]];
	next = 0;
	for (uint32_t t = 0; t < m->n_tables; t++)
		rw->table_map[t] = a->table_live[t] ? next++ : WP_GONE;
	next = 0;
	for (uint32_t e = 0; e < m->n_elems; e++)
		rw->elem_map[e] = a->elem_live[e] ? next++ : WP_GONE;
	next = 0;
	for (uint32_t d = 0; d < m->n_datas; d++)
		rw->data_map[d] = a->data_live[d] ? next++ : WP_GONE;
	next = 0;
	for (uint32_t g = 0; g < m->n_globals; g++) {
		rw->global_map[g] = a->global_live[g] ? next++ : WP_GONE;
		st->n_dead_globals += !a->global_live[g];
	}
	next = 0;
	for (uint32_t t = 0; t < m->n_types; t++) {
		rw->type_map[t] = a->type_live[t] ? next++ : WP_GONE;
		st->n_dead_types += !a->type_live[t];
	}
	rw->first_new_type = next;
	/* the repeated tails left out of the bodies written as they are */
	for (uint32_t f = 0; rw->fold.list && f < m->n_funcs; f++) {
		if (!rw->func_emit[f] || (rw->similar && rw->similar->thunk_of[f]))
			continue;
		st->n_folded_tails += rw->fold.count[f];
		for (uint32_t k = 0; k < rw->fold.count[f]; k++)
			st->folded_tails += rw->fold.list[f][k].size;
	}
	if (r == 0)
		r = plan_data(a, rw, st);
	free(shape);
	free(canonical);
	return r;
}

int wp_opt_threads(const wp_opt_options *o)
{
	int n = o->threads > 0 ? o->threads : wp_online_cpus();

	return n < 1 ? 1 : n > WP_PARALLEL_MAX ? WP_PARALLEL_MAX : n;
}

static uint64_t custom_bytes(const wp_module *m, const bool *keep)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < m->n_sections; i++)
		if (m->sections[i].id == 0 && !keep[i])
			n += m->sections[i].header.size + m->sections[i].payload.size;
	return n;
}

/* The input is validated here when the caller asks: at -Oz, with what
 * the optimizer needs from every body gathered by the validator as it goes
 * (wp_refs), which saves a pass. */
static int validate_input(an *a, wp_error **err)
{
	wp_refs_builder *b = NULL;
	wp_body_observer obs;
	int r;

	if (a->o->level < WP_OPT_MIN)
		return wp_module_validate(a->m, err);
	if ((r = wp_refs_builder_new(a->m, &b, err)) < 0)
		return r;
	if (r == 1) /* index spaces too large for the gathering */
		return wp_module_validate(a->m, err);
	wp_refs_observer(b, &obs);
	if ((r = wp_module_validate_observed(a->m, &obs, err)) < 0) {
		wp_refs_builder_free(b);
		return r;
	}
	return wp_refs_builder_finish(b, &a->refs, err);
}

/* Output to o->out_file, counted. */
typedef struct file_out {
	wp_atomic_file *f;
	uint64_t len;
} file_out;

static int write_file(void *ctx, const void *data, size_t len, wp_error **err)
{
	file_out *fo = ctx;
	int r = wp_write_all(fo->f->fd, data, len, fo->f->final_path, err);

	fo->len += r == 0 ? len : 0;
	return r;
}

/* fsync on its own thread, while the output is validated again (the
 * commit's own fsync then finds nothing left to do). */
typedef struct syncer {
	const wp_atomic_file *f;
	int errnum;
} syncer;

static void *run_fsync(void *arg)
{
	syncer *s = arg;

	s->errnum = fsync(s->f->fd) < 0 ? errno : 0;
	return NULL;
}

/* A safety net: what is handed back must validate. out_len: the bytes of
 * output, at out->data + start or in o->out_file. */
static int check_output(const wp_module *m, const wp_opt_options *o, const wp_buf *out,
			size_t start, uint64_t out_len, wp_error **err)
{
	static const char what[] = "optimized module";
	syncer s = {o->out_file, 0};
	wp_module *check = NULL;
	pthread_t thread;
	bool started = o->out_file && pthread_create(&thread, NULL, run_fsync, &s) == 0;
	int r;

	if (o->out_file)
		r = wp_module_read_fd(&check, o->out_file->fd, out_len, what, err);
	else
		r = wp_module_read_bytes(&check, (const uint8_t *)out->data + start, out_len, what,
					 err);
	if (r == 0)
		r = wp_module_validate(check, err);
	if (r < 0)
		wp_error_prefix(err, "the optimizer failed on \"%s\" (please report this)",
				m->name);
	wp_module_free(check);
	if (o->out_file && !started)
		run_fsync(&s);
	else if (started)
		pthread_join(thread, NULL);
	if (r == 0 && s.errnum)
		r = wp_error_set_errno(err, s.errnum, "cannot write \"%s\"",
				       o->out_file->final_path);
	return r;
}

int wp_optimize(const wp_module *m, const wp_opt_options *o, wp_buf *out, wp_opt_stats *stats,
		wp_error **err)
{
	wp_rewrite rw = {.m = m, .o = o};
	file_out fo = {o->out_file, 0};
	wp_write_sink sink = {write_file, &fo};
	wp_buf file_buf = WP_BUF_INIT((size_t)1 << 32); /* what is not in the file yet */
	wp_opt_stats st = {0};
	an a = {.m = m, .o = o, .err = err};
	size_t start = out->len;
	int r = 0;

	st.input = m->size;
	if (m->component)
		return wp_error_set(err, WP_EUNSUPPORTED,
				    "\"%s\" is a component: only core modules are optimized",
				    m->name);
	if (o->validate_input && (r = validate_input(&a, err)) < 0)
		return r;
	if (o->level == WP_OPT_NONE && !o->strip) {
		/* the bytes as they are, validated */
		if (o->out_file)
			r = write_file(&fo, m->bytes, m->size, err);
		else
			r = wp_buf_append(out, m->bytes, m->size, err);
		if (r == 0 && o->out_file && fsync(o->out_file->fd) < 0)
			r = wp_error_set_errno(err, errno, "cannot write \"%s\"",
					       o->out_file->final_path);
		st.output = m->size;
		goto done;
	}
	if (!(rw.keep_custom = calloc(m->n_sections + 1, sizeof(bool))))
		return wp_error_oom(err);
	for (uint32_t i = 0; i < m->n_sections; i++)
		rw.keep_custom[i] =
			m->sections[i].id != 0 ||
			wp_custom_section_kept((const char *)m->bytes + m->sections[i].name.offset,
					       m->sections[i].name.size, o);
	st.custom_sections = custom_bytes(m, rw.keep_custom);
	if (o->level >= WP_OPT_MIN) {
		rw.func_map = calloc(m->n_funcs + 1, sizeof(uint32_t));
		rw.func_emit = calloc(m->n_funcs + 1, sizeof(bool));
		rw.func_order = calloc(m->n_funcs + 1, sizeof(uint32_t));
		a.uses = calloc(m->n_funcs + 1, sizeof(uint32_t));
		a.calls = calloc(m->n_funcs + 1, sizeof(uint32_t));
		rw.table_map = calloc(m->n_tables + 1, sizeof(uint32_t));
		rw.elem_map = calloc(m->n_elems + 1, sizeof(uint32_t));
		rw.data_map = calloc(m->n_datas + 1, sizeof(uint32_t));
		a.table_live = calloc(m->n_tables + 1, 1);
		a.elem_live = calloc(m->n_elems + 1, 1);
		a.data_live = calloc(m->n_datas + 1, 1);
		rw.global_map = calloc(m->n_globals + 1, sizeof(uint32_t));
		rw.type_map = calloc(m->n_types + 1, sizeof(uint32_t));
		a.func_live = calloc(m->n_funcs + 1, 1);
		a.global_live = calloc(m->n_globals + 1, 1);
		a.type_live = calloc(m->n_types + 1, 1);
		a.queue = calloc(m->n_funcs + 1, sizeof(uint32_t));
		if (!rw.table_map || !rw.elem_map || !rw.data_map || !a.table_live ||
		    !a.elem_live || !a.data_live)
			r = wp_error_oom(err);
		if (!rw.func_map || !rw.func_emit || !rw.func_order || !a.uses || !a.calls ||
		    !rw.global_map || !rw.type_map || !a.func_live || !a.global_live ||
		    !a.type_live || !a.queue)
			r = wp_error_oom(err);
		if (r == 0)
			r = plan_min(&a, &rw, &st);
	}
	if (r == 0 && o->out_file)
		r = wp_write_module(&rw, &file_buf, &sink, err);
	else if (r == 0)
		r = wp_write_module(&rw, out, NULL, err);
	st.output = o->out_file ? fo.len : out->len - start;
	/* nothing reads the input's bytes or the write buffer again */
	wp_buf_release(&file_buf);
	wp_module_release(m, 0, m->size);
	if (r == 0)
		r = check_output(m, o, out, start, st.output, err);
	if (rw.datas_changed) {
		uint64_t before = 0, after = 0;

		for (uint32_t i = 0; i < m->n_datas; i++)
			before += m->datas[i].bytes.size;
		for (uint32_t i = 0; i < rw.n_datas; i++)
			after += rw.datas[i].pack ? rw.datas[i].pack->content
						  : m->datas[rw.datas[i].source].bytes.size;
		st.data = before > after ? before - after : 0;
	}
	{
		uint64_t saved = st.input > st.output ? st.input - st.output : 0;
		uint64_t known = st.custom_sections + st.dead_functions + st.merged_functions +
				 st.data + st.similar_functions + st.folded_tails;

		st.leb = saved > known ? saved - known : 0;
	}
	for (uint32_t i = 0; rw.packs && i < m->n_memories; i++)
		wp_pack_release(&rw.packs[i]);
	free(rw.packs);
	free(rw.datas);
	free(rw.keep_custom);
	free(rw.func_map);
	free(rw.func_emit);
	free(rw.func_order);
	free(rw.shared_type);
	free(rw.inline_call);
	wp_fold_ranges_release(&rw.fold);
	free(rw.type_source);
	wp_similar_release(&rw.similar_plan);
	free(a.uses);
	free(a.calls);
	wp_refs_release(&a.refs);
	free(rw.table_map);
	free(rw.elem_map);
	free(rw.data_map);
	free(a.table_live);
	free(a.elem_live);
	free(a.data_live);
	free(rw.global_map);
	free(rw.type_map);
	free(a.func_live);
	free(a.global_live);
	free(a.type_live);
	free(a.queue);
done:
	wp_buf_release(&file_buf);
	if (r < 0)
		out->len = start;
	if (stats)
		*stats = st;
	return r;
}
