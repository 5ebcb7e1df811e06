#include "pack.h"
#include "insn.h"
#include "leb.h"
#include "../lib/common.h"

/* The constant offset of an active segment, if it is one. */
static bool const_offset(const wp_module *m, const wp_data *d, uint64_t *out)
{
	const uint8_t *p = m->bytes + d->offset.offset, *end = p + d->offset.size + 1;
	wp_insn_reader ir;
	wp_insn in;

	wp_insn_reader_init(&ir, m, p, end);
	if (wp_insn_next(&ir, &in, NULL) < 0 || in.info->prefix != 0 ||
	    (in.info->code != 0x41 && in.info->code != 0x42))
		return false;
	*out = in.info->code == 0x41 ? (uint64_t)(uint32_t)in.value : in.value;
	return wp_insn_next(&ir, &in, NULL) == 0 && in.info->prefix == 0 && in.info->code == 0x0b;
}

static int seg_cmp(const void *a, const void *b)
{
	const wp_pack_seg *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* The offset as the header's constant: i32 offsets are signed 32-bit. */
static int64_t signed_offset(const wp_pack *p, uint64_t addr)
{
	return p->is64 ? (int64_t)addr : (int64_t)(int32_t)(uint32_t)addr;
}

uint64_t wp_pack_header_size(const wp_pack *p, uint64_t offset, uint64_t len)
{
	uint64_t kind = p->memory ? 1 + wp_leb_u_size(p->memory) : 1;

	/* kind [memory] i32/i64.const offset end length */
	return kind + 1 + wp_leb_s_size(signed_offset(p, offset)) + 1 + wp_leb_u_size(len);
}

/* The bytes a segment header at addr costs beyond its content, taking its
 * length to be about rest (what is left of the source segment there): the
 * estimate cuts are decided by. */
static uint64_t header_cost(const wp_pack *p, uint64_t addr, uint64_t rest)
{
	return 3 + wp_leb_s_size(signed_offset(p, addr)) + wp_leb_u_size(rest);
}

/* Input pages behind the scan go back a quarter megabyte at a time; the
 * scan looks no further ahead than this either. */
#define RELEASE_STEP ((uint64_t)1 << 18)

/* One scan over the image: counting the pieces (sink NULL) or handing them
 * to a sink. */
typedef struct cutter {
	const wp_pack *p;
	const wp_pack_sink *sink;
	bool only_gaps;
	uint64_t piece; /* start of the piece being built, UINT64_MAX: none */
	uint64_t zeros; /* start of the zero run after it, UINT64_MAX: none */
	bool run_has_gap;
	uint32_t count;
	uint64_t content, encoded;
	uint32_t k;	      /* the first segment the next piece may take bytes from */
	uint32_t rel_k;	      /* the first segment not wholly released */
	uint64_t released_to; /* addresses below this are released */
	int r;
} cutter;

/* Releases the input bytes of image addresses [from, to); k: the first
 * segment that may hold them. */
static void release_range(const wp_pack *p, uint32_t k, uint64_t from, uint64_t to)
{
	for (; k < p->n_segs && p->segs[k].start < to; k++) {
		const wp_pack_seg *sg = &p->segs[k];
		uint64_t lo = sg->start > from ? sg->start : from;
		uint64_t hi = sg->end < to ? sg->end : to;
		size_t base = p->m->datas[sg->index].bytes.offset;

		if (lo < hi)
			wp_module_release(p->m, base + (lo - sg->start), base + (hi - sg->start));
	}
}

/* Releases the input bytes of the image below addr (all of it with
 * force; else only once a step's worth has gathered). */
static void release_below(cutter *c, uint64_t addr, bool force)
{
	const wp_pack *p = c->p;

	if (!p->m->mapping || (!force && addr < c->released_to + RELEASE_STEP))
		return;
	release_range(p, c->rel_k, c->released_to, addr);
	while (c->rel_k < p->n_segs && p->segs[c->rel_k].end <= addr)
		c->rel_k++;
	c->released_to = addr;
}

/* Hands bytes [from, to) of segment i to the sink, a step at a time: what
 * the scan ahead has released already is released again as it is read. */
static int put_segment_bytes(cutter *c, uint32_t i, uint64_t from, uint64_t to)
{
	const wp_pack_seg *sg = &c->p->segs[i];
	const uint8_t *base = c->p->m->bytes + c->p->m->datas[sg->index].bytes.offset;
	int r = 0;

	while (r == 0 && from < to) {
		uint64_t end = to - from > RELEASE_STEP ? from + RELEASE_STEP : to;

		r = c->sink->bytes(c->sink->ctx, base + (from - sg->start), end - from);
		if (from < c->released_to && c->p->m->mapping)
			release_range(c->p, i, from, end < c->released_to ? end : c->released_to);
		from = end;
	}
	return r;
}

/* Hands bytes [from, to) of the image to the sink: segment bytes where
 * they are, zeros between segments. */
static int put_content(cutter *c, uint64_t from, uint64_t to)
{
	const wp_pack *p = c->p;
	int r = 0;

	while (c->k < p->n_segs && p->segs[c->k].end <= from)
		c->k++;
	for (uint32_t i = c->k; r == 0 && from < to; i++) {
		const wp_pack_seg *sg = &p->segs[i];
		uint64_t gap_end = i < p->n_segs && sg->start < to ? sg->start : to;
		uint64_t end;

		if (from < gap_end) {
			r = c->sink->bytes(c->sink->ctx, NULL, gap_end - from);
			from = gap_end;
		}
		if (r < 0 || i >= p->n_segs || from >= to)
			break;
		end = sg->end < to ? sg->end : to;
		r = put_segment_bytes(c, i, from, end);
		from = end > from ? end : from;
	}
	return r;
}

static void cut_piece(cutter *c, uint64_t end)
{
	uint64_t len = end - c->piece;

	c->count++;
	c->content += len;
	c->encoded += wp_pack_header_size(c->p, c->piece, len) + len;
	if (!c->sink || c->r < 0)
		return;
	c->r = c->sink->piece(c->sink->ctx, c->piece, len);
	if (c->r == 0)
		c->r = put_content(c, c->piece, end);
}

/* The index of the first non-zero byte of p[j..len), len if none. */
static uint64_t skip_zeros(const uint8_t *p, uint64_t j, uint64_t len)
{
	while (j < len && ((uintptr_t)(p + j) & 7))
		if (p[j])
			return j;
		else
			j++;
	while (len - j >= 8) {
		uint64_t word;

		memcpy(&word, p + j, 8);
		if (word)
			break;
		j += 8;
	}
	while (j < len && !p[j])
		j++;
	return j;
}

/* A segment header costs at least this much (kind, i32.const, a one-byte
 * offset, end, a one-byte length): a run of zeros no longer than it is
 * never cut at. */
#define MIN_HEADER 5

/* From a non-zero byte at j: the next zero byte that starts a run cut_at
 * must see, or len. Shorter runs inside the segment are stepped over (for
 * them cut_at would set nothing): on data with many scattered zeros this
 * saves a call per zero. Looks at most RELEASE_STEP ahead: with none found
 * there, returns where a long run could still start unseen (a run that
 * starts before it and fits in the window was found; one that does not fit
 * is at most MIN_HEADER long there, as short as those stepped over). */
static uint64_t next_long_zeros(const uint8_t *p, uint64_t j, uint64_t len)
{
	static const uint8_t zeros[MIN_HEADER + 1];
	uint64_t window = len - j > RELEASE_STEP ? RELEASE_STEP : len - j;
	const uint8_t *q = memmem(p + j, window, zeros, sizeof(zeros));
	uint64_t t = len;

	if (q)
		return (uint64_t)(q - p);
	if (window < len - j)
		return j + window - MIN_HEADER;
	/* zeros at the end of the segment, however few, are its trailing run
	 * (p[j] is not zero, so this stops after j) */
	while (p[t - 1] == 0)
		t--;
	return t;
}

/* A non-zero byte at addr, rest bytes before its source segment ends. */
static void cut_at(cutter *c, uint64_t addr, uint64_t rest)
{
	if (c->piece == UINT64_MAX) {
		c->piece = addr;
	} else if (c->zeros != UINT64_MAX && addr - c->zeros > header_cost(c->p, addr, rest) &&
		   (!c->only_gaps || c->run_has_gap)) {
		cut_piece(c, c->zeros);
		c->piece = addr;
	}
	c->zeros = UINT64_MAX;
	c->run_has_gap = false;
}

/* Cuts the image into pieces at runs of zeros longer than a segment header
 * (the memory starts zeroed; zeros at the ends need no bytes either). With
 * only_gaps, cuts only where segments were apart, so there are never more
 * pieces than segments. */
static int cut_image(cutter *c)
{
	const wp_pack *pk = c->p;

	c->piece = c->zeros = UINT64_MAX;
	for (uint32_t i = 0; i < pk->n_segs && c->r == 0; i++) {
		const wp_pack_seg *sg = &pk->segs[i];
		const uint8_t *p = pk->m->bytes + pk->m->datas[sg->index].bytes.offset;
		uint64_t len = sg->end - sg->start;

		if (i > 0 && sg->start > pk->segs[i - 1].end) {
			if (c->zeros == UINT64_MAX)
				c->zeros = pk->segs[i - 1].end;
			c->run_has_gap = true;
		}
		for (uint64_t j = 0; j < len && c->r == 0;) {
			if (p[j] == 0) {
				if (c->zeros == UINT64_MAX)
					c->zeros = sg->start + j;
				j = skip_zeros(p, j,
					       len - j > RELEASE_STEP ? j + RELEASE_STEP : len);
			} else {
				cut_at(c, sg->start + j, len - j);
				j = next_long_zeros(p, j, len);
			}
			release_below(c, sg->start + j, false);
		}
	}
	if (c->piece != UINT64_MAX && c->r == 0)
		cut_piece(c, c->zeros != UINT64_MAX ? c->zeros : pk->segs[pk->n_segs - 1].end);
	release_below(c, UINT64_MAX, true);
	return c->r;
}

/* Counts the pieces into p. */
static void count_pieces(wp_pack *p)
{
	cutter c = {.p = p, .only_gaps = p->only_gaps};

	cut_image(&c);
	p->n_pieces = c.count;
	p->content = c.content;
	p->encoded = c.encoded;
}

int wp_pack_write(const wp_pack *p, const wp_pack_sink *s)
{
	cutter c = {.p = p, .sink = s, .only_gaps = p->only_gaps};

	return cut_image(&c);
}

/* Only when every segment has a constant offset, stays inside the memory's
 * initial size (so none can trap at instantiation) and none overlaps
 * another, and the memory is defined here (it starts zeroed). */
int wp_pack_plan(const wp_module *m, uint32_t mem, uint32_t *budget, wp_pack *p, wp_error **err)
{
	const wp_memory *mm = &m->memories[mem];
	uint64_t limit = mm->limits.min * 65536ULL;
	uint32_t n = 0;

	*p = (wp_pack){.m = m, .memory = mem, .is64 = mm->limits.is64};
	if (mm->imported || mm->limits.shared)
		return 0;
	if (!(p->segs = calloc(m->n_datas + 1, sizeof(*p->segs))))
		return wp_error_oom(err);
	for (uint32_t i = 0; i < m->n_datas; i++) {
		const wp_data *d = &m->datas[i];
		uint64_t off;

		if (d->mode != WP_SEG_ACTIVE || d->memory != mem)
			continue;
		if (!const_offset(m, d, &off) || off > limit || d->bytes.size > limit - off)
			goto alone; /* could trap, or depends on an import */
		p->segs[n++] = (wp_pack_seg){i, off, off + d->bytes.size};
	}
	if (n == 0)
		goto alone;
	qsort(p->segs, n, sizeof(*p->segs), seg_cmp);
	for (uint32_t i = 1; i < n; i++)
		if (p->segs[i].start < p->segs[i - 1].end)
			goto alone;
	p->n_segs = n;
	count_pieces(p);
	/* cutting inside segments may need more than allowed */
	if (p->n_pieces > n && p->n_pieces - n > *budget) {
		p->only_gaps = true;
		count_pieces(p);
	} else if (p->n_pieces > n) {
		*budget -= p->n_pieces - n;
	}
	return 1;
alone:
	wp_pack_release(p);
	return 0;
}

void wp_pack_release(wp_pack *p)
{
	free(p->segs);
	p->segs = NULL;
}
