/* BuildKit's shell lexer (frontend/dockerfile/shell): quotes, escapes and
 * $VAR, ${VAR}, ${VAR:-word}, ${VAR-word}, ${VAR:+word}, ${VAR+word},
 * ${VAR?msg}, ${VAR:?msg}, ${VAR#pat}, ${VAR##pat}, ${VAR%pat},
 * ${VAR%%pat}, ${VAR/pat/repl} and ${VAR//pat/repl}, in one pass that
 * builds both the word and its split into words. */
#include <ctype.h>
#include <locale.h>
#include <pthread.h>
#include <wctype.h>

#include "dockerfile_internal.h"
#include "../lib/buf.h"
#include "../lib/common.h"

#define END (-1)

/* The split into words, when asked for (list not NULL). */
typedef struct words {
	wp_buf cur;
	bool in_word;
	wp_strv *list;
} words;

typedef struct scan {
	const df_shlex *sh;
	const char *s;
	size_t len, pos;
	bool raw_escapes; /* the current setting: ${VAR#pat} turns it on inside */
	words *top;	  /* the split of the whole word */
} scan;

static int peek(const scan *s)
{
	return s->pos < s->len ? (unsigned char)s->s[s->pos] : END;
}

static int next(scan *s)
{
	return s->pos < s->len ? (unsigned char)s->s[s->pos++] : END;
}

static int put(wp_buf *b, const char *p, size_t n, wp_error **err)
{
	if (wp_buf_append(b, p, n, NULL) < 0)
		return wp_error_set(err, WP_ELIMIT,
				    "substitution makes a word longer than %u bytes", DF_WORD_MAX);
	return 0;
}

static int put_char(wp_buf *b, int ch, wp_error **err)
{
	char c = (char)ch;

	return put(b, &c, 1, err);
}

/* The bytes of the UTF-8 character at s[0..n), at least 1. */
static size_t utf8_len(const char *s, size_t n)
{
	size_t k = 1;

	while (k < n && ((unsigned char)s[k] & 0xc0) == 0x80)
		k++;
	return k;
}

static int words_raw(words *w, const char *p, size_t n, wp_error **err)
{
	if (!w->list)
		return 0;
	w->in_word = true;
	return put(&w->cur, p, n, err);
}

/* Ends the current word, when it holds anything. */
static int words_flush(words *w, wp_error **err)
{
	int r;

	if (!w->list || w->cur.len == 0)
		return 0;
	r = wp_strv_push(w->list, wp_buf_cstr(&w->cur), err);
	wp_buf_reset(&w->cur);
	w->in_word = false;
	return r;
}

/* Unquoted text: white space ends a word. */
static int words_string(words *w, const char *p, size_t n, wp_error **err)
{
	int r = 0;

	if (!w->list)
		return 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		size_t space = df_space_at_n(p + i, n - i);

		if (!space) {
			r = words_raw(w, p + i, 1, err);
			continue;
		}
		if (w->in_word)
			r = words_flush(w, err);
		i += space - 1;
	}
	return r;
}

static const char *lookup(const scan *s, const char *name)
{
	return s->sh->env ? wp_kv_get(s->sh->env, name) : NULL;
}

static bool is_special_param(int ch)
{
	return ch != END && strchr("@*#?-$!0", ch);
}

static locale_t utf8_locale;

static void utf8_locale_init(void)
{
	utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

/* The length of the letter at s[0..n) when it is one: names take Unicode
 * letters as Go's unicode.IsLetter does ("$café"). */
static size_t letter_at(const char *s, size_t n)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	const unsigned char *u = (const unsigned char *)s;
	size_t k = utf8_len(s, n);
	wint_t wc;

	if (u[0] < 0x80)
		return isalpha(u[0]) ? 1 : 0;
	if (k < 2 || k > 4 || (u[0] & 0xc0) != 0xc0)
		return 0;
	wc = u[0] & (0xff >> (k + 1));
	for (size_t i = 1; i < k; i++)
		wc = (wc << 6) | (u[i] & 0x3f);
	pthread_once(&once, utf8_locale_init);
	/* without the locale, any non-ASCII character counts as a letter */
	return !utf8_locale || iswalpha_l(wc, utf8_locale) ? k : 0;
}

/* A variable name: digits, one special parameter, or [A-Za-z0-9_]+. */
static int read_name(scan *s, wp_buf *name, wp_error **err)
{
	int ch = peek(s), r = 0;

	if (ch != END && isdigit(ch)) {
		while (r == 0 && (ch = peek(s)) != END && isdigit(ch))
			r = put_char(name, next(s), err);
		return r;
	}
	if (is_special_param(ch))
		return put_char(name, next(s), err);
	while (r == 0 && (ch = peek(s)) != END) {
		size_t k = isdigit(ch) || ch == '_' ? 1 : letter_at(s->s + s->pos, s->len - s->pos);

		if (!k)
			break;
		r = put(name, s->s + s->pos, k, err);
		s->pos += k;
	}
	return r;
}

static int stop_on(scan *s, int stop, bool raw_escapes, wp_buf *out, words *w, wp_error **err);

/* ---- ${VAR#pat}, ${VAR%pat}, ${VAR/pat/repl}: BuildKit's glob patterns ---- */

/* The pattern with its escapes checked: a backslash stays only before '*',
 * '?' and '\' (literals then), is dropped before '}' and '/'; any other
 * escape is an error. */
static int pattern_compile(const char *pat, wp_buf *out, wp_error **err)
{
	for (const char *p = pat; *p; p++) {
		if (*p != '\\') {
			if (put_char(out, *p, err) < 0)
				return WP_ELIMIT;
			continue;
		}
		if (p[1] == '}' || p[1] == '/')
			continue;
		if (p[1] != '*' && p[1] != '?' && p[1] != '\\')
			return wp_error_set(
				err, WP_EINVALID,
				"invalid pattern (%s) in substitution: invalid escape '\\%c'", pat,
				p[1] ? p[1] : ' ');
		if (put(out, p, 2, err) < 0)
			return WP_ELIMIT;
		p++;
	}
	return 0;
}

/* Whether all of s[0..n) matches the compiled pattern p: '*' any run, '?'
 * one character, a backslash before a literal. Backtracks only to the last '*', so
 * the cost stays len(p) * n. */
static bool glob_match(const char *p, const char *s, size_t n)
{
	const char *star = NULL;
	size_t i = 0, star_at = 0;

	while (i < n) {
		if (*p == '?') {
			p++;
			i += utf8_len(s + i, n - i);
		} else if (*p == '*') {
			star = ++p;
			star_at = i;
		} else if (*p && *p == '\\' && p[1] == s[i]) {
			p += 2;
			i++;
		} else if (*p && *p != '\\' && *p == s[i]) {
			p++;
			i++;
		} else if (star) {
			/* let the last '*' take one more character */
			star_at += utf8_len(s + star_at, n - star_at);
			i = star_at;
			p = star;
		} else {
			return false;
		}
	}
	while (*p == '*')
		p++;
	return !*p;
}

static bool at_char_start(const char *s, size_t i, size_t n)
{
	return i == n || ((unsigned char)s[i] & 0xc0) != 0x80;
}

/* ${VAR#pat} and ${VAR##pat} (prefix), ${VAR%pat} and ${VAR%%pat}
 * (suffix): the shortest or, greedy, the longest match removed. */
static int trim_pattern(const char *value, const char *pat, bool suffix, bool greedy, wp_buf *out,
			wp_error **err)
{
	wp_buf p = WP_BUF_INIT(DF_WORD_MAX);
	size_t n = strlen(value), keep_from = 0, keep_to = n;
	bool found = false;
	int r = pattern_compile(pat, &p, err);

	for (size_t k = 0; r == 0 && !found && k <= n; k++) {
		/* the candidate length: growing for shortest, shrinking for longest */
		size_t len = greedy ? n - k : k;
		size_t at = suffix ? n - len : 0;

		if (!at_char_start(value, at, n) || !at_char_start(value, at + len, n))
			continue;
		if (glob_match(wp_buf_cstr(&p), value + at, len)) {
			found = true;
			keep_from = suffix ? 0 : len;
			keep_to = suffix ? at : n;
		}
	}
	if (r == 0)
		r = put(out, value + keep_from, keep_to - keep_from, err);
	wp_buf_release(&p);
	return r;
}

/* The leftmost match of p in value at or after from, the longest there. */
static bool find_match(const char *p, const char *value, size_t n, size_t from,
		       size_t skip_empty_at, size_t *start, size_t *end)
{
	for (size_t i = from; i <= n; i++) {
		if (!at_char_start(value, i, n))
			continue;
		for (size_t e = n + 1; e-- > i;) {
			if (!at_char_start(value, e, n) || (e == i && i == skip_empty_at))
				continue;
			if (glob_match(p, value + i, e - i)) {
				*start = i;
				*end = e;
				return true;
			}
		}
	}
	return false;
}

/* ${VAR/pat/repl} and, all, ${VAR//pat/repl}; an empty match right after a
 * match is skipped, as Go's ReplaceAllString does. */
static int replace_pattern(const char *value, const char *pat, const char *repl, bool all,
			   wp_buf *out, wp_error **err)
{
	wp_buf p = WP_BUF_INIT(DF_WORD_MAX);
	size_t n = strlen(value), pos = 0, last_end = SIZE_MAX, start, end;
	int r = pattern_compile(pat, &p, err);

	while (r == 0 && pos <= n &&
	       find_match(wp_buf_cstr(&p), value, n, pos, last_end, &start, &end)) {
		r = put(out, value + pos, start - pos, err);
		if (r == 0)
			r = put(out, repl, strlen(repl), err);
		last_end = end;
		pos = end;
		if (r == 0 && end == start) {
			/* an empty match: keep the character after it and move on */
			size_t k = start < n ? utf8_len(value + start, n - start) : 1;

			if (start < n)
				r = put(out, value + start, k, err);
			pos = start + k;
		}
		if (!all)
			break;
	}
	if (r == 0 && pos < n)
		r = put(out, value + pos, n - pos, err);
	wp_buf_release(&p);
	return r;
}

/* ---- $ ---- */

/* The word after an operator, up to the closing stop character. */
static int operand(scan *s, int stop, bool raw_escapes, wp_buf *word, wp_error **err)
{
	words none = {WP_BUF_INIT(DF_WORD_MAX), false, NULL};
	wp_error *e = NULL;
	int r;

	/* BuildKit's nested scan shares (and so empties) the buffer of the
	 * word being split: "a${X:-b}c" splits to "bc". Same output, same bug. */
	wp_buf_reset(&s->top->cur);
	r = stop_on(s, stop, raw_escapes, word, &none, &e);

	wp_buf_release(&none.cur);
	if (r < 0 && peek(s) == END && r != WP_ELIMIT) {
		wp_error_free(e);
		return wp_error_set(err, WP_EINVALID,
				    stop == '}' ? "syntax error: missing '}'"
						: "syntax error: missing '/' in ${}");
	}
	return r < 0 ? wp_error_move(err, e, r) : 0;
}

/* ${NAME<op>word} once NAME and op are read. */
static int modifier(scan *s, const char *name, int op, bool null_is_unset, const char *ops,
		    wp_buf *out, wp_error **err)
{
	bool pattern = op == '#' || op == '%';
	wp_buf word = WP_BUF_INIT(DF_WORD_MAX);
	const char *value;
	bool set, empty;
	int r;

	if (null_is_unset && pattern)
		return wp_error_set(err, WP_EINVALID, "unsupported modifier (%s) in substitution",
				    ops);
	r = operand(s, '}', pattern, &word, err);
	if (r < 0)
		goto out;
	value = lookup(s, name);
	set = value != NULL;
	empty = !set || (null_is_unset && !*value);
	if (!set && s->sh->skip_unset) {
		r = wp_buf_appendf(out, err, "${%s%s%s}", name, ops, wp_buf_cstr(&word));
		goto out;
	}
	switch (op) {
	case '-':
		r = empty ? put(out, wp_buf_cstr(&word), word.len, err)
			  : put(out, value, strlen(value), err);
		break;
	case '+':
		r = empty ? 0 : put(out, wp_buf_cstr(&word), word.len, err);
		break;
	case '?':
		if (empty)
			r = wp_error_set(err, WP_EINVALID, "%s: %s", name,
					 word.len ? wp_buf_cstr(&word)
					 : !set	  ? "is not allowed to be unset"
						  : "is not allowed to be empty");
		else
			r = put(out, value, strlen(value), err);
		break;
	case '#':
	case '%': {
		const char *pat = wp_buf_cstr(&word);
		bool greedy = *pat == op;

		r = trim_pattern(set ? value : "", greedy ? pat + 1 : pat, op == '%', greedy, out,
				 err);
		break;
	}
	default:
		r = wp_error_set(err, WP_EINVALID, "unsupported modifier (%s) in substitution",
				 ops);
	}
out:
	wp_buf_release(&word);
	return r;
}

static int substitute_replace(scan *s, const char *name, wp_buf *out, wp_error **err)
{
	wp_buf pat = WP_BUF_INIT(DF_WORD_MAX), repl = WP_BUF_INIT(DF_WORD_MAX);
	bool all = peek(s) == '/';
	const char *value;
	int r;

	if (all)
		next(s);
	r = operand(s, '/', true, &pat, err);
	if (r == 0)
		r = operand(s, '}', true, &repl, err);
	if (r < 0)
		goto out;
	value = lookup(s, name);
	if (!value && s->sh->skip_unset)
		r = wp_buf_appendf(out, err, "${%s/%s/%s}", name, wp_buf_cstr(&pat),
				   wp_buf_cstr(&repl));
	else
		r = replace_pattern(value ? value : "", wp_buf_cstr(&pat), wp_buf_cstr(&repl), all,
				    out, err);
out:
	wp_buf_release(&pat);
	wp_buf_release(&repl);
	return r;
}

/* At '$': its expansion appended to out. */
static int dollar(scan *s, wp_buf *out, wp_error **err)
{
	wp_buf name = WP_BUF_INIT(DF_WORD_MAX);
	const char *value;
	char ops[3] = "";
	int ch, r;

	next(s);
	if (peek(s) != '{') {
		r = read_name(s, &name, err);
		if (r < 0)
			goto out;
		value = name.len ? lookup(s, wp_buf_cstr(&name)) : NULL;
		if (!name.len)
			r = put(out, "$", 1, err);
		else if (!value && s->sh->skip_unset)
			r = wp_buf_appendf(out, err, "$%s", wp_buf_cstr(&name));
		else if (value)
			r = put(out, value, strlen(value), err);
		goto out;
	}
	next(s);
	ch = peek(s);
	if (ch == END) {
		r = wp_error_set(err, WP_EINVALID, "syntax error: missing '}'");
		goto out;
	}
	if (ch == '{' || ch == '}' || ch == ':') {
		r = wp_error_set(err, WP_EINVALID, "syntax error: bad substitution");
		goto out;
	}
	r = read_name(s, &name, err);
	if (r < 0)
		goto out;
	ch = next(s);
	ops[0] = ch == END ? '\0' : (char)ch;
	switch (ch) {
	case '}':
		value = lookup(s, wp_buf_cstr(&name));
		if (!value && s->sh->skip_unset)
			r = wp_buf_appendf(out, err, "${%s}", wp_buf_cstr(&name));
		else if (value)
			r = put(out, value, strlen(value), err);
		break;
	case ':':
		ch = next(s);
		ops[1] = ch == END ? '\0' : (char)ch;
		r = modifier(s, wp_buf_cstr(&name), ch, true, ops, out, err);
		break;
	case '+':
	case '-':
	case '?':
	case '#':
	case '%':
		r = modifier(s, wp_buf_cstr(&name), ch, false, ops, out, err);
		break;
	case '/':
		r = substitute_replace(s, wp_buf_cstr(&name), out, err);
		break;
	case END:
		r = wp_error_set(err, WP_EINVALID, "syntax error: missing '}'");
		break;
	default:
		r = wp_error_set(err, WP_EINVALID, "unsupported modifier (%s) in substitution",
				 ops);
	}
out:
	wp_buf_release(&name);
	return r;
}

/* ---- quotes ---- */

/* '...': everything literal up to the next single quote. */
static int single_quote(scan *s, wp_buf *out, wp_error **err)
{
	int ch = next(s), r = 0;

	if (s->sh->raw_quotes)
		r = put_char(out, ch, err);
	while (r == 0) {
		ch = next(s);
		if (ch == END)
			return wp_error_set(
				err, WP_EINVALID,
				"unexpected end of statement while looking for matching single-quote");
		if (ch == '\'' && !s->sh->raw_quotes)
			break;
		r = put_char(out, ch, err);
		if (ch == '\'')
			break;
	}
	return r;
}

/* "...": $ substituted; the escape character escapes only '"', '$' and
 * itself, and stays before anything else. */
static int double_quote(scan *s, wp_buf *out, wp_error **err)
{
	int ch = next(s), r = 0;

	if (s->sh->raw_quotes)
		r = put_char(out, ch, err);
	while (r == 0) {
		ch = peek(s);
		if (ch == END)
			return wp_error_set(
				err, WP_EINVALID,
				"unexpected end of statement while looking for matching double-quote");
		if (ch == '"') {
			next(s);
			return s->sh->raw_quotes ? put_char(out, ch, err) : 0;
		}
		if (ch == '$') {
			r = dollar(s, out, err);
			continue;
		}
		ch = next(s);
		if (ch == s->sh->escape) {
			int after = peek(s);

			if (s->raw_escapes)
				r = put_char(out, ch, err);
			if (after == END)
				continue;
			if (after == '"' || after == '$' || after == s->sh->escape)
				ch = next(s);
		}
		if (r == 0)
			r = put_char(out, ch, err);
	}
	return r;
}

/* '<': "<<" takes the blanks after it along (a heredoc marker may have
 * some before its name), as one unsplit piece. */
static int angle(scan *s, wp_buf *out, wp_error **err)
{
	int r;

	next(s);
	if (peek(s) != '<')
		return put(out, "<", 1, err);
	next(s);
	r = put(out, "<<", 2, err);
	while (r == 0 && (peek(s) == ' ' || peek(s) == '\t' || peek(s) == '\r'))
		r = put_char(out, next(s), err);
	return r;
}

/* A special character's piece, appended to out and to the words. */
static int special(scan *s, int ch, wp_buf *out, words *w, wp_error **err)
{
	wp_buf piece = WP_BUF_INIT(DF_WORD_MAX);
	int r;

	if (ch == '$')
		r = dollar(s, &piece, err);
	else if (ch == '<')
		r = angle(s, &piece, err);
	else if (ch == '\'')
		r = single_quote(s, &piece, err);
	else
		r = double_quote(s, &piece, err);
	if (r == 0)
		r = put(out, wp_buf_cstr(&piece), piece.len, err);
	/* a substitution's result is split, a quoted string's is not */
	if (r == 0 && ch == '$')
		r = words_string(w, wp_buf_cstr(&piece), piece.len, err);
	else if (r == 0)
		r = words_raw(w, wp_buf_cstr(&piece), piece.len, err);
	wp_buf_release(&piece);
	return r;
}

/* The text up to stop (END: to the end), processed into out and w. */
static int stop_on(scan *s, int stop, bool raw_escapes, wp_buf *out, words *w, wp_error **err)
{
	bool saved = s->raw_escapes;
	int ch, r = 0;

	s->raw_escapes = raw_escapes;
	while (r == 0 && (ch = peek(s)) != END) {
		if (stop != END && ch == stop) {
			next(s);
			s->raw_escapes = saved;
			return words_flush(w, err);
		}
		if (ch == '$' || ch == '<' || ch == '\'' || ch == '"') {
			r = special(s, ch, out, w, err);
			continue;
		}
		if (df_space_at(s->s + s->pos) > 1) {
			/* a Unicode space, whole */
			size_t k = df_space_at(s->s + s->pos);

			r = words_string(w, s->s + s->pos, k, err);
			if (r == 0)
				r = put(out, s->s + s->pos, k, err);
			s->pos += k;
			continue;
		}
		ch = next(s);
		if (ch == s->sh->escape) {
			if (s->raw_escapes) {
				r = words_raw(w, &s->s[s->pos - 1], 1, err);
				if (r == 0)
					r = put_char(out, ch, err);
			}
			/* an escape at the very end is dropped */
			if (r < 0 || (ch = next(s)) == END)
				break;
			r = words_raw(w, &s->s[s->pos - 1], 1, err);
		} else {
			char c = (char)ch;

			r = words_string(w, &c, 1, err);
		}
		if (r == 0)
			r = put_char(out, ch, err);
	}
	s->raw_escapes = saved;
	if (r < 0)
		return r;
	if (stop != END)
		return wp_error_set(err, WP_EINVALID,
				    "unexpected end of statement while looking for matching %c",
				    stop);
	return words_flush(w, err);
}

static int process(const df_shlex *sh, const char *word, wp_buf *out, wp_strv *list, wp_error **err)
{
	words w = {WP_BUF_INIT(DF_WORD_MAX), false, list};
	scan s = {sh, word, strlen(word), 0, sh->raw_escapes, &w};
	int r = stop_on(&s, END, sh->raw_escapes, out, &w, err);

	wp_buf_release(&w.cur);
	if (r < 0)
		return wp_error_prefix(err, "failed to process \"%.200s\"", word);
	return 0;
}

int df_expand_word(const df_shlex *sh, const char *word, char **out, wp_error **err)
{
	wp_buf b = WP_BUF_INIT(DF_WORD_MAX);
	int r = process(sh, word, &b, NULL, err);

	if (r == 0 && !(*out = wp_buf_detach(&b, NULL)))
		r = wp_error_oom(err);
	wp_buf_release(&b);
	return r;
}

int df_expand_words(const df_shlex *sh, const char *word, wp_strv *out, wp_error **err)
{
	wp_buf b = WP_BUF_INIT(DF_WORD_MAX);
	int r = process(sh, word, &b, out, err);

	wp_buf_release(&b);
	return r;
}
