/* Random mutations of valid modules (the modules of tests/data/wasm): byte flips,
 * insertions, deletions, longer LEB128s, truncations, section swaps and
 * splices. Reading, validating and optimizing them must never crash or
 * leak (the ASan run of make check watches that), errors must be proper
 * wp_errors, and whatever validates must optimize at -Os and -Oz into a
 * module that reads and validates again. Deterministic: one seed, and a
 * time budget that only cuts the same sequence shorter. */
#include <criterion/criterion.h>
#include <time.h>

#include "helpers.h"
#include "../../wasmopt/leb.h"
#include "../../lib/common.h"

#define SEED 0x9e3779b97f4a7c15ULL
#define MAX_MUTANTS 40000
#define BUDGET_SECONDS 4.0
#define MAX_MODULES 32

typedef struct corpus {
	wp_buf mods[MAX_MODULES];
	char *names[MAX_MODULES];
	size_t n;
} corpus;

typedef struct rng {
	uint64_t s;
} rng;

static uint64_t next(rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dULL;
}

/* Uniform in [0, n); n > 0. */
static size_t below(rng *r, size_t n)
{
	return (size_t)(next(r) % n);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every .wasm file of tests/data/wasm, in name order. */
static void load_corpus(corpus *c)
{
	const char *dir = "../data/wasm";
	DIR *d = opendir(dir);
	struct dirent *e;
	char *names[MAX_MODULES];
	size_t n = 0;

	cr_assert_not_null(d, "opendir \"%s\": %s", dir, strerror(errno));
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (len > 5 && strcmp(e->d_name + len - 5, ".wasm") == 0) {
			cr_assert_lt(n, MAX_MODULES);
			names[n++] = test_xstrdup(e->d_name);
		}
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	c->n = n;
	for (size_t i = 0; i < n; i++) {
		char *path = test_path(dir, names[i]);

		test_read_file(path, &c->mods[i], TW_MAX);
		c->names[i] = names[i];
		free(path);
	}
}

static void free_corpus(corpus *c)
{
	for (size_t i = 0; i < c->n; i++) {
		wp_buf_release(&c->mods[i]);
		free(c->names[i]);
	}
}

/* Section boundaries of b (as far as they parse): starts[k] .. starts[k+1]. */
static size_t sections_of(const wp_buf *b, size_t *starts, size_t max)
{
	const uint8_t *p = (const uint8_t *)b->data, *end = p + b->len;
	size_t n = 0, at = 8;

	while (at < b->len && n + 1 < max) {
		uint64_t size = 0;
		int k = wp_leb_u(p + at + 1, end, 32, &size);

		if (k < 0 || size > b->len - at - 1 - (size_t)k)
			break;
		starts[n++] = at;
		at += 1 + (size_t)k + size;
	}
	starts[n] = at;
	return n;
}

static void put_bytes(wp_buf *b, const void *p, size_t n)
{
	tw_put(b, p, n);
}

/* One mutation of in into out (both complete modules' bytes). */
static void mutate_once(rng *r, const wp_buf *in, wp_buf *out, const corpus *c)
{
	const uint8_t *p = (const uint8_t *)in->data;
	size_t len = in->len, at = len ? below(r, len) : 0;
	size_t starts[64];
	size_t n;

	wp_buf_reset(out);
	switch (below(r, 10)) {
	case 0: /* flip a bit */
	case 1:
		put_bytes(out, p, len);
		if (len)
			out->data[at] ^= (char)(1u << below(r, 8));
		return;
	case 2: { /* an interesting byte */
		static const uint8_t interesting[] = {0x00, 0x01, 0x40, 0x7f, 0x80, 0xff,
						      0x0b, 0x60, 0x70, 0x41, 0xfc, 0xfd};

		put_bytes(out, p, len);
		if (len)
			out->data[at] = (char)interesting[below(r, sizeof(interesting))];
		return;
	}
	case 3: { /* insert random bytes */
		size_t k = 1 + below(r, 4);

		put_bytes(out, p, at);
		for (size_t i = 0; i < k; i++)
			tw_byte(out, (uint8_t)next(r));
		put_bytes(out, p + at, len - at);
		return;
	}
	case 4: { /* delete a few bytes */
		size_t k = 1 + below(r, 8);

		if (k > len - at)
			k = len - at;
		put_bytes(out, p, at);
		put_bytes(out, p + at + k, len - at - k);
		return;
	}
	case 5: { /* make a one-byte LEB128 longer (as LLVM pads them) */
		size_t width = 2 + below(r, 5), i;

		for (i = 0; i < 64 && at < len && (p[at] & 0x80); i++)
			at = (at + 1) % len;
		put_bytes(out, p, at);
		if (at < len) {
			tw_byte(out, (uint8_t)(p[at] | 0x80));
			for (i = 2; i < width; i++)
				tw_byte(out, 0x80);
			tw_byte(out, 0x00);
			at++;
		}
		put_bytes(out, p + at, len - at);
		return;
	}
	case 6: /* truncate */
		put_bytes(out, p, at);
		return;
	case 7: /* swap, drop or duplicate whole sections */
		n = sections_of(in, starts, WP_ARRAY_SIZE(starts));
		if (n < 2) {
			put_bytes(out, p, len);
			return;
		}
		{
			size_t a = below(r, n), b = below(r, n), how = below(r, 3);

			put_bytes(out, p, 8);
			for (size_t k = 0; k < n; k++) {
				size_t src = k == a && how == 0 ? b : k == b && how == 0 ? a : k;

				if (how == 1 && k == a)
					continue; /* dropped */
				put_bytes(out, p + starts[src], starts[src + 1] - starts[src]);
				if (how == 2 && k == a)
					put_bytes(out, p + starts[src],
						  starts[src + 1] - starts[src]);
			}
			put_bytes(out, p + starts[n], len - starts[n]);
		}
		return;
	case 8: { /* overwrite with bytes from another module of the corpus */
		const wp_buf *o = &c->mods[below(r, c->n)];
		size_t from = below(r, o->len), k = 1 + below(r, 16);

		if (k > o->len - from)
			k = o->len - from;
		if (k > len - at)
			k = len - at;
		put_bytes(out, p, len);
		memcpy(out->data + at, o->data + from, k);
		return;
	}
	default: { /* add or subtract a little */
		put_bytes(out, p, len);
		if (len)
			out->data[at] = (char)(p[at] + (int)below(r, 7) - 3);
		return;
	}
	}
}

typedef struct tally {
	size_t mutants, malformed, invalid, optimized;
} tally;

/* An error must be set, with a known code and a one-line message. */
static void check_error(int r, wp_error *err, const char *what)
{
	cr_assert_lt(r, 0);
	cr_assert_not_null(err, "%s: no error set", what);
	cr_assert_eq(err->code, r, "%s: code %d, returned %d", what, err->code, r);
	cr_assert(r == WP_EINVALID || r == WP_ELIMIT || r == WP_EUNSUPPORTED, "%s: code %d (%s)",
		  what, r, err->message);
	cr_assert_not_null(err->message);
	cr_assert_gt(strlen(err->message), 0);
	cr_assert_null(strchr(err->message, '\n'), "%s: \"%s\"", what, err->message);
}

/* Reads, validates and optimizes one input; origin names it in failures. */
static void exercise(const uint8_t *bytes, size_t len, const char *origin, tally *t)
{
	static const wp_opt_level levels[] = {WP_OPT_SIZE, WP_OPT_MIN};
	wp_module *m = NULL;
	wp_error *err = NULL;
	int r = wp_module_read_bytes(&m, bytes, len, "mutant.wasm", &err);

	t->mutants++;
	if (r < 0) {
		check_error(r, err, origin);
		cr_assert_null(m);
		wp_error_free(err);
		t->malformed++;
		return;
	}
	r = wp_module_validate(m, &err);
	if (r < 0) {
		check_error(r, err, origin);
		wp_error_free(err);
		wp_module_free(m);
		t->invalid++;
		return;
	}
	for (size_t i = 0; i < WP_ARRAY_SIZE(levels); i++) {
		wp_opt_options o = {levels[i], false, i == 1, NULL, 0, NULL, false};
		wp_buf out = WP_BUF_INIT(TW_MAX);
		wp_opt_stats st;
		wp_module *again = NULL;

		r = wp_optimize(m, &o, &out, &st, &err);
		cr_assert_eq(r, 0, "%s: a valid module does not optimize at level %d: %s", origin,
			     (int)levels[i], err ? err->message : "");
		cr_assert_leq(out.len, len + 16, "%s: grew from %zu to %zu", origin, len, out.len);
		r = wp_module_read_bytes(&again, (const uint8_t *)out.data, out.len, "out.wasm",
					 &err);
		cr_assert_eq(r, 0, "%s: the output does not read: %s", origin,
			     err ? err->message : "");
		r = wp_module_validate(again, &err);
		cr_assert_eq(r, 0, "%s: the output is invalid: %s", origin,
			     err ? err->message : "");
		wp_module_free(again);
		wp_buf_release(&out);
	}
	wp_module_free(m);
	t->optimized++;
}

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

Test(mutation, the_corpus_is_valid_and_optimizes)
{
	corpus c;
	tally t = {0};

	load_corpus(&c);
	cr_assert_geq(c.n, 5, "only %zu modules in tests/data/wasm", c.n);
	for (size_t i = 0; i < c.n; i++) {
		exercise((const uint8_t *)c.mods[i].data, c.mods[i].len, c.names[i], &t);
		cr_assert_eq(t.optimized, i + 1, "%s is not a valid module", c.names[i]);
	}
	free_corpus(&c);
}

Test(mutation, random_mutants_never_crash, .timeout = 600)
{
	/* WP_MUTATION_SEED and WP_MUTANTS (no time budget then) explore further */
	const char *seed_env = getenv("WP_MUTATION_SEED"), *count_env = getenv("WP_MUTANTS");
	uint64_t seed = seed_env ? strtoull(seed_env, NULL, 0) : SEED;
	size_t max = count_env ? (size_t)strtoull(count_env, NULL, 0) : MAX_MUTANTS;
	double budget = count_env ? 1e9 : BUDGET_SECONDS;
	corpus c;
	tally t = {0};
	rng r = {seed ? seed : SEED};
	wp_buf cur = WP_BUF_INIT(TW_MAX), next_buf = WP_BUF_INIT(TW_MAX);
	double start = seconds();
	size_t i;

	load_corpus(&c);
	for (i = 0; i < max && seconds() - start < budget; i++) {
		size_t src = i % c.n, rounds = 1 + below(&r, 3);
		char origin[160];

		/* a few mutations stacked on one module of the corpus */
		wp_buf_reset(&cur);
		tw_put(&cur, c.mods[src].data, c.mods[src].len);
		for (size_t k = 0; k < rounds; k++) {
			wp_buf tmp;

			mutate_once(&r, &cur, &next_buf, &c);
			tmp = cur;
			cur = next_buf;
			next_buf = tmp;
		}
		snprintf(origin, sizeof(origin), "mutant %zu of %s (seed 0x%" PRIx64 ")", i,
			 c.names[src], seed);
		exercise((const uint8_t *)cur.data, cur.len, origin, &t);
	}
	cr_log_info("mutation: %zu mutants in %.1f s: %zu malformed, %zu invalid, %zu optimized",
		    t.mutants, seconds() - start, t.malformed, t.invalid, t.optimized);
	/* enough of them must get through to the optimizer to test it */
	cr_assert_gt(t.mutants, 500, "only %zu mutants in the time budget", t.mutants);
	cr_assert_gt(t.optimized * 20, t.mutants, "only %zu of %zu mutants were valid", t.optimized,
		     t.mutants);
	wp_buf_release(&cur);
	wp_buf_release(&next_buf);
	free_corpus(&c);
}
