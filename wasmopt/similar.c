#include "similar.h"
#include "insn.h"
#include "leb.h"
#include "../lib/array.h"
#include "../lib/common.h"

/* Functions whose shapes hash alike are compared with up to this many
 * representatives (hash collisions and near misses). */
#define MAX_REPS 8

typedef struct cand {
	uint64_t hash;
	uint32_t f;
	uint32_t type;
} cand;

/* Where the instructions of a body start, past its local declarations. */
static const uint8_t *code_start(const wp_module *m, const wp_func *fn)
{
	const uint8_t *p = m->bytes + fn->body.offset, *end = p + fn->body.size;
	uint64_t n = 0, count = 0;
	wp_valtype t;

	p += wp_leb_u(p, end, 32, &n);
	for (uint64_t i = 0; i < n; i++) {
		p += wp_leb_u(p, end, 32, &count);
		wp_read_valtype(&p, end, m, &t, NULL);
	}
	return p;
}

/* Whether g is f but for some constants; the ordinals of those that
 * differ go to diff (false when more than WP_SIMILAR_MAX_PARAMS). */
static bool same_shape(const wp_module *m, uint32_t f, uint32_t g, uint32_t *diff, uint32_t *n_diff)
{
	const wp_func *a = &m->funcs[f], *b = &m->funcs[g];
	const uint8_t *sa = m->bytes + a->body.offset, *sb = m->bytes + b->body.offset;
	const uint8_t *ca = code_start(m, a), *cb = code_start(m, b);
	const uint8_t *ea = sa + a->body.size, *eb = sb + b->body.size;
	wp_insn_reader ra, rb;
	wp_insn ia, ib;
	uint32_t k = 0;

	*n_diff = 0;
	if (a->type != b->type || ca - sa != cb - sb || memcmp(sa, sb, (size_t)(ca - sa)) != 0)
		return false;
	wp_insn_reader_init(&ra, m, ca, ea);
	wp_insn_reader_init(&rb, m, cb, eb);
	while (ra.p < ea && rb.p < eb) {
		const uint8_t *pa, *pb;

		if (wp_insn_next(&ra, &ia, NULL) < 0 || wp_insn_next(&rb, &ib, NULL) < 0 ||
		    ia.info != ib.info)
			return false;
		pa = m->bytes + ia.offset;
		pb = m->bytes + ib.offset;
		if (wp_similar_const(ia.info->prefix, ia.info->code)) {
			if (ia.value != ib.value) {
				if (*n_diff == WP_SIMILAR_MAX_PARAMS)
					return false;
				diff[(*n_diff)++] = k;
			}
			k++;
		} else if (ia.end - pa != ib.end - pb ||
			   memcmp(pa, pb, (size_t)(ia.end - pa)) != 0) {
			return false;
		}
	}
	return ra.p == ea && rb.p == eb;
}

/* The values (and opcodes) of a body's constants number at[0..n). */
static void const_values(const wp_module *m, uint32_t f, const uint32_t *at, uint32_t n,
			 int64_t *value, uint8_t *op)
{
	const wp_func *fn = &m->funcs[f];
	const uint8_t *end = m->bytes + fn->body.offset + fn->body.size;
	wp_insn_reader ir;
	wp_insn in;
	uint32_t k = 0, j = 0;

	wp_insn_reader_init(&ir, m, code_start(m, fn), end);
	while (j < n && ir.p < end && wp_insn_next(&ir, &in, NULL) == 0) {
		if (!wp_similar_const(in.info->prefix, in.info->code))
			continue;
		if (at[j] == k) {
			value[j] = (int64_t)in.value;
			if (op)
				op[j] = (uint8_t)in.info->code;
			j++;
		}
		k++;
	}
}

/* The encoded size of a thunk: its parameters passed on, its constants
 * after them, a call (its index taken as 3 bytes), with the size prefix. */
static uint64_t thunk_size(uint32_t n_params, const int64_t *value, uint32_t n)
{
	uint64_t body = 1 + 1 + 3 + 1; /* no locals, call, index, end */

	for (uint32_t p = 0; p < n_params; p++)
		body += 1 + wp_leb_u_size(p);
	for (uint32_t j = 0; j < n; j++)
		body += 1 + wp_leb_s_size(value[j]);
	return body + wp_leb_u_size(body);
}

/* What passing the constants at each call costs instead: the constants,
 * and a call index taken as one byte longer. */
static uint64_t inline_cost(uint32_t calls, const int64_t *value, uint32_t n)
{
	uint64_t per_call = 1;

	for (uint32_t j = 0; j < n; j++)
		per_call += 1 + wp_leb_s_size(value[j]);
	return calls * per_call;
}

static int cand_cmp(const void *x, const void *y)
{
	const cand *a = x, *b = y;

	if (a->hash != b->hash)
		return a->hash < b->hash ? -1 : 1;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	return a->f < b->f ? -1 : a->f > b->f;
}

/* One group being formed: members share rep's shape. */
typedef struct member {
	uint32_t f;
	uint32_t n_diff;
	uint32_t diff[WP_SIMILAR_MAX_PARAMS];
} member;

/* Makes room for item n of *items (size bytes each), zeroed. */
static int room_for(void **items, size_t *cap, uint32_t n, size_t size, wp_error **err)
{
	if (wp_array_reserve(items, cap, (size_t)n + 1, size) < 0)
		return wp_error_oom(err);
	memset((char *)*items + (size_t)n * size, 0, size);
	return 0;
}

typedef struct planner {
	const wp_module *m;
	const uint8_t *only_called;
	const uint32_t *calls;
	wp_similar *s;
	size_t cap_shared, cap_thunks, cap_values;
	wp_error **err;
} planner;

/* Turns members[0..n) (members[0] the representative) into a shared
 * function and thunks when that saves bytes. */
static int consider(planner *pl, const member *members, uint32_t n)
{
	const wp_module *m = pl->m;
	const wp_func *rep = &m->funcs[members[0].f];
	const wp_functype *ft = &m->types[rep->type];
	wp_similar *s = pl->s;
	uint32_t at[WP_SIMILAR_MAX_PARAMS], n_at = 0;
	/* const_values finds every constant at[] names (same_shape read these
	 * bodies whole); zeroed for the analyzer, which cannot know that */
	int64_t rep_value[WP_SIMILAR_MAX_PARAMS] = {0}, value[WP_SIMILAR_MAX_PARAMS] = {0};
	uint8_t op[WP_SIMILAR_MAX_PARAMS];
	uint64_t before = 0, after;
	bool *inlined = calloc(n, sizeof(bool));
	int r = 0;

	if (!inlined)
		return wp_error_oom(pl->err);

	/* the parameters: every ordinal some member differs at, ascending */
	for (uint32_t i = 1; i < n; i++)
		for (uint32_t k = 0; k < members[i].n_diff; k++) {
			uint32_t d = members[i].diff[k], j = 0;

			while (j < n_at && at[j] < d)
				j++;
			if (j < n_at && at[j] == d)
				continue;
			if (n_at == WP_SIMILAR_MAX_PARAMS)
				goto done;
			memmove(at + j + 1, at + j, (n_at - j) * sizeof(*at));
			at[j] = d;
			n_at++;
		}
	const_values(m, members[0].f, at, n_at, rep_value, op);
	/* the shared function: rep's body with local.get for the constants,
	 * its entry in the function section and a new type */
	after = rep->body.size + wp_leb_u_size(rep->body.size) + 2 + 3 + ft->n_params + n_at +
		ft->n_results;
	for (uint32_t j = 0; j < n_at; j++)
		after = after + 1 + wp_leb_u_size(ft->n_params + j) - 1 -
			wp_leb_s_size(rep_value[j]);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t f = members[i].f;
		const wp_func *fn = &m->funcs[f];
		uint64_t thunk;

		before += fn->body.size + wp_leb_u_size(fn->body.size);
		const_values(m, f, at, n_at, value, NULL);
		thunk = thunk_size(ft->n_params, value, n_at);
		/* no thunk at all: its entry in the function section goes too */
		if (pl->only_called[f] && inline_cost(pl->calls[f], value, n_at) < thunk + 1) {
			inlined[i] = true;
			before += 1;
			after += inline_cost(pl->calls[f], value, n_at);
		} else {
			after += thunk;
		}
	}
	if (after >= before)
		goto done;
	if ((r = room_for((void **)&s->shared, &pl->cap_shared, s->n_shared, sizeof(*s->shared),
			  pl->err)) < 0)
		goto done;
	s->shared[s->n_shared].rep = members[0].f;
	s->shared[s->n_shared].n_params = n_at;
	memcpy(s->shared[s->n_shared].at, at, sizeof(at));
	memcpy(s->shared[s->n_shared].op, op, sizeof(op));
	for (uint32_t i = 0; i < n; i++) {
		if ((r = room_for((void **)&s->thunks, &pl->cap_thunks, s->n_thunks,
				  sizeof(*s->thunks), pl->err)) < 0)
			goto done;
		s->thunks[s->n_thunks].shared = s->n_shared;
		s->thunks[s->n_thunks].inlined = inlined[i];
		s->thunks[s->n_thunks].values = s->n_values;
		const_values(m, members[i].f, at, n_at, value, NULL);
		for (uint32_t j = 0; j < n_at; j++) {
			if ((r = room_for((void **)&s->values, &pl->cap_values, s->n_values,
					  sizeof(*s->values), pl->err)) < 0)
				goto done;
			s->values[s->n_values++] = value[j];
		}
		s->thunk_of[members[i].f] = ++s->n_thunks;
	}
	s->n_shared++;
	s->saved += before - after;
done:
	free(inlined);
	return r;
}

/* Candidates [0, n) hash alike: split them among up to MAX_REPS shapes
 * (a representative comes before the functions that match it). */
static int plan_run(planner *pl, const cand *c, uint32_t n)
{
	uint32_t reps[MAX_REPS], n_reps = 0;
	member *members = malloc(n * sizeof(*members)), *group = malloc(n * sizeof(*group));
	uint32_t *owner = malloc(n * sizeof(*owner));
	int r = 0;

	if (!members || !group || !owner) {
		r = wp_error_oom(pl->err);
		n = n_reps = 0;
	}

	for (uint32_t i = 0; i < n; i++) {
		owner[i] = UINT32_MAX;
		members[i].f = c[i].f;
		members[i].n_diff = 0;
		for (uint32_t k = 0; k < n_reps; k++)
			if (same_shape(pl->m, c[reps[k]].f, c[i].f, members[i].diff,
				       &members[i].n_diff)) {
				owner[i] = reps[k];
				break;
			}
		if (owner[i] == UINT32_MAX && n_reps < MAX_REPS) {
			reps[n_reps++] = i;
			owner[i] = i;
			members[i].n_diff = 0;
		}
	}
	for (uint32_t k = 0; r == 0 && k < n_reps; k++) {
		uint32_t count = 0;

		/* cppcheck-suppress uninitvar ; reps[k], k < n_reps, was written
		 * by the loop above before n_reps passed k (with n == 0, which
		 * cppcheck assumes, n_reps stays 0 and this loop does not run) */
		for (uint32_t i = reps[k]; i < n; i++)
			if (owner[i] == reps[k])
				group[count++] = members[i];
		if (count >= 2)
			r = consider(pl, group, count);
	}
	free(members);
	free(group);
	free(owner);
	return r;
}

int wp_similar_plan(const wp_module *m, const uint8_t *candidate, const uint64_t *shape,
		    const uint8_t *only_called, const uint32_t *calls, wp_similar *out,
		    wp_error **err)
{
	planner pl = {m, only_called, calls, out, 0, 0, 0, err};
	cand *c = NULL;
	uint32_t n = 0;
	int r = 0;

	memset(out, 0, sizeof(*out));
	c = malloc((m->n_funcs + 1) * sizeof(*c));
	out->thunk_of = calloc(m->n_funcs + 1, sizeof(*out->thunk_of));
	if (!c || !out->thunk_of) {
		r = wp_error_oom(err);
		goto done;
	}
	for (uint32_t f = m->n_imported_funcs; f < m->n_funcs; f++) {
		if (!candidate[f])
			continue;
		c[n].hash = shape[f];
		c[n].f = f;
		c[n].type = m->funcs[f].type;
		n++;
	}
	qsort(c, n, sizeof(*c), cand_cmp);
	for (uint32_t i = 0; r == 0 && i < n;) {
		uint32_t j = i + 1;

		while (j < n && c[j].hash == c[i].hash && c[j].type == c[i].type)
			j++;
		if (j - i >= 2)
			r = plan_run(&pl, c + i, j - i);
		i = j;
	}
done:
	free(c);
	if (r < 0)
		wp_similar_release(out);
	return r;
}

void wp_similar_release(wp_similar *s)
{
	free(s->shared);
	free(s->thunks);
	free(s->values);
	free(s->thunk_of);
	memset(s, 0, sizeof(*s));
}
