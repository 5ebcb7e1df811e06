#include "fold.h"
#include "../lib/array.h"
#include "../lib/common.h"

/* An open block, loop, if or try, or the body itself (the first frame). */
struct wp_fold_frame {
	const uint8_t *tail; /* where straight-line code up to here starts; NULL: none */
	const uint8_t *term; /* the last instruction if it was unreachable or return */
	bool block;	     /* a block of no results: its tail may go */
	bool first;	     /* nothing in it yet */
	bool first_child;    /* its first instruction, an empty block or loop, is open */
};

/* Instructions that branch, open or close a block, or name a label: T
 * must have none, because its label indices would differ between the two
 * places, and the block structure must stay as it is. */
static bool is_control(uint8_t prefix, uint32_t code)
{
	if (prefix)
		return false;
	return (code >= 0x02 && code <= 0x0f) || (code >= 0x12 && code <= 0x15) || code == 0x18 ||
	       code == 0x19 || code == 0x1f || code == 0xd5 || code == 0xd6;
}

static bool opens(uint8_t prefix, uint32_t code)
{
	return !prefix &&
	       (code == 0x02 || code == 0x03 || code == 0x04 || code == 0x06 || code == 0x1f);
}

void wp_fold_scan_start(wp_fold_scan *s, const uint8_t *end)
{
	s->end = end;
	s->depth = 0;
	s->failed = false;
	if (wp_array_reserve((void **)&s->frames, &s->cap, 1, sizeof(*s->frames)) < 0)
		s->failed = true;
	else
		s->frames[s->depth++] = (wp_fold_frame){NULL, NULL, false, true, false};
}

static wp_fold_frame *push(wp_fold_scan *s)
{
	if (wp_array_reserve((void **)&s->frames, &s->cap, s->depth + 1, sizeof(*s->frames)) < 0) {
		s->failed = true;
		return NULL;
	}
	return &s->frames[s->depth++];
}

/* Frame f closes at an end that finishes at after: is its tail repeated
 * where it falls through to, past any ends (each falls through too) but
 * not the body's own? */
static bool repeated(const wp_fold_scan *s, const wp_fold_frame *f, const uint8_t *after,
		     wp_range *copy, const uint8_t *bytes)
{
	size_t len;

	if (!f->block || !f->tail || !f->term)
		return false;
	len = (size_t)(f->term + 1 - f->tail);
	while (after < s->end - 1 && *after == 0x0b)
		after++;
	if (after >= s->end - 1 || (size_t)(s->end - after) < len ||
	    memcmp(after, f->tail, len) != 0)
		return false;
	*copy = (wp_range){(uint32_t)(f->tail - bytes), (uint32_t)len};
	return true;
}

bool wp_fold_scan_insn(wp_fold_scan *s, const wp_insn *in, const uint8_t *at, wp_range *copy,
		       const uint8_t *bytes)
{
	uint8_t prefix = in->info->prefix;
	uint32_t code = in->info->code;
	wp_fold_frame *t, *f;
	bool found = false;

	bool closing = !prefix && (code == 0x0b || code == 0x18) && s->depth > 1;

	if (s->failed || s->depth == 0)
		return false;
	t = &s->frames[s->depth - 1];
	/* a return followed by more code: not a terminator after all */
	if (!closing && t->term && *t->term == 0x0f)
		t->tail = NULL;
	if (opens(prefix, code)) {
		bool empty = in->info->imm == WP_IMM_BLOCK && in->block == WP_BLOCK_EMPTY;

		/* an empty block or loop first leaves the stack as it was:
		 * T after it starts at the block's own height */
		if (t->first && empty && (code == 0x02 || code == 0x03))
			t->first_child = true;
		else
			t->tail = NULL;
		t->first = false;
		t->term = NULL;
		if (!(f = push(s)))
			return false;
		*f = (wp_fold_frame){in->end, NULL, code == 0x02 && empty, true, false};
		return false;
	}
	if (closing) {
		found = code == 0x0b && repeated(s, t, in->end, copy, bytes);
		s->depth--;
		t = &s->frames[s->depth - 1];
		if (t->first_child) {
			t->tail = in->end;
			t->first_child = false;
		} else {
			t->tail = NULL;
		}
		t->term = NULL;
		return found;
	}
	t->first = false;
	if (is_control(prefix, code) && code != 0x0f)
		t->tail = NULL;
	t->term = !prefix && (code == 0x00 || code == 0x0f) ? at : NULL;
	return false;
}

void wp_fold_scan_release(wp_fold_scan *s)
{
	free(s->frames);
	memset(s, 0, sizeof(*s));
}
