/* From text to instructions, as BuildKit's parser.Parse does it: parser
 * directives at the top, comments, line continuations (which skip comment
 * and blank lines), the instruction word and its leading --flags, and the
 * bodies of heredocs, which are consumed so that they are not read as
 * instructions. */
#include <ctype.h>

#include "dockerfile_internal.h"
#include "../lib/buf.h"
#include "../lib/common.h"

typedef struct lexer {
	const char *text;
	size_t len, pos;
	const char *file;
	unsigned int line; /* physical lines read so far */
	char escape;
	bool directives_done;
	bool seen_syntax, seen_escape, seen_check;
	df_file *out;
} lexer;

typedef struct span {
	const char *s;
	size_t n;
} span;

static int lex_fail(const lexer *lx, unsigned int line, int code, wp_error **err, const char *what)
{
	return wp_error_set(err, code, "%s:%u: %s", lx->file, line, what);
}

/* The next physical line without its line end (and, first, a UTF-8 byte
 * order mark): 1, or 0 at the end of the text. */
static int next_line(lexer *lx, span *out, wp_error **err)
{
	const char *start = lx->text + lx->pos, *nl;
	size_t raw, n;

	if (lx->pos >= lx->len)
		return 0;
	nl = memchr(start, '\n', lx->len - lx->pos);
	raw = nl ? (size_t)(nl - start) + 1 : lx->len - lx->pos;
	lx->line++;
	lx->pos += raw;
	if (raw > DF_LINE_MAX + 1)
		return wp_error_set(err, WP_ELIMIT, "%s:%u: line longer than %u bytes", lx->file,
				    lx->line, DF_LINE_MAX);
	if (memchr(start, '\0', raw))
		return lex_fail(lx, lx->line, WP_EINVALID, err, "NUL byte in the line");
	n = raw;
	while (n && (start[n - 1] == '\n' || start[n - 1] == '\r'))
		n--;
	if (lx->line == 1 && n >= 3 && memcmp(start, "\xef\xbb\xbf", 3) == 0) {
		start += 3;
		n -= 3;
	}
	*out = (span){start, n};
	return 1;
}

static span trim_left(span l)
{
	while (l.n && df_is_space(*l.s)) {
		l.s++;
		l.n--;
	}
	return l;
}

static bool is_comment(span l)
{
	l = trim_left(l);
	return l.n && l.s[0] == '#';
}

/* Go's \s: the white space of the directive syntax. */
static bool is_re_space(char c)
{
	return df_is_space(c) && c != '\v';
}

/* "# NAME=VALUE" (directiveRegexp): *name and *value point into l; false
 * when l does not have that shape. */
static bool directive_shape(span l, span *name, span *value)
{
	size_t i = 1, e;

	if (!l.n || l.s[0] != '#')
		return false;
	while (i < l.n && df_is_space(l.s[i]))
		i++;
	if (i >= l.n || !isalpha((unsigned char)l.s[i]))
		return false;
	name->s = l.s + i;
	while (i < l.n && isalnum((unsigned char)l.s[i]))
		i++;
	name->n = (size_t)(l.s + i - name->s);
	while (i < l.n && is_re_space(l.s[i]))
		i++;
	if (i >= l.n || l.s[i] != '=')
		return false;
	e = l.n;
	/* (.+?)\s*$ after \s*: at least one character, trailing blanks off */
	if (++i >= e)
		return false;
	while (e > i && is_re_space(l.s[e - 1]))
		e--;
	while (i < e && is_re_space(l.s[i]))
		i++;
	if (i == e) {
		/* only blanks: the regex keeps the last one */
		i = l.n - 1;
		e = l.n;
	}
	*value = (span){l.s + i, e - i};
	return true;
}

/* Parser directives (syntax, escape, check) come before anything else;
 * the first line that is not one ends them. *is_directive tells the caller
 * the line is spent. */
static int directive(lexer *lx, span l, bool *is_directive, wp_error **err)
{
	span name, value;
	bool *seen;
	char key[8] = "";

	*is_directive = false;
	if (lx->directives_done)
		return 0;
	if (!directive_shape(l, &name, &value) || name.n >= sizeof(key)) {
		lx->directives_done = true;
		return 0;
	}
	for (size_t i = 0; i < name.n; i++)
		key[i] = (char)tolower((unsigned char)name.s[i]);
	if (strcmp(key, "syntax") == 0)
		seen = &lx->seen_syntax;
	else if (strcmp(key, "escape") == 0)
		seen = &lx->seen_escape;
	else if (strcmp(key, "check") == 0)
		seen = &lx->seen_check;
	else {
		lx->directives_done = true;
		return 0;
	}
	if (*seen)
		return wp_error_set(err, WP_EINVALID,
				    "%s:%u: only one %s parser directive can be used", lx->file,
				    lx->line, key);
	*seen = true;
	*is_directive = true;
	if (seen != &lx->seen_escape)
		return 0; /* the frontend image and the lint checks are not ours */
	if (value.n != 1 || (value.s[0] != '\\' && value.s[0] != '`'))
		return wp_error_set(err, WP_EINVALID,
				    "%s:%u: invalid escape token '%.*s' does not match ` or \\",
				    lx->file, lx->line, (int)value.n, value.s);
	lx->escape = value.s[0];
	return 0;
}

/* Removes a line-continuation escape: the escape character last but for
 * blanks and tabs, and not itself escaped. */
static bool trim_continuation(const lexer *lx, span *l)
{
	size_t e = l->n;

	while (e && (l->s[e - 1] == ' ' || l->s[e - 1] == '\t'))
		e--;
	if (!e || l->s[e - 1] != lx->escape || (e >= 2 && l->s[e - 2] == lx->escape))
		return false;
	l->n = e - 1;
	return true;
}

/* extractBuilderFlags: the leading words that start with "--", quotes and
 * escapes removed; a lone "--" ends them. *args gets where the arguments
 * start. */
static int extract_flags(const char *line, char escape, wp_strv *flags, const char **args,
			 wp_error **err)
{
	wp_buf w = WP_BUF_INIT(WP_DOCKERFILE_MAX);
	size_t n = strlen(line), pos = 0;
	bool quoted;
	int r = 0;

	while (r == 0) {
		while (df_is_space(line[pos]))
			pos++;
		if (line[pos] != '-' || line[pos + 1] != '-')
			break;
		wp_buf_reset(&w);
		r = df_next_word(line, n, &pos, escape, false, &w, &quoted, err);
		if (r < 0 || strcmp(wp_buf_cstr(&w), "--") == 0)
			break;
		if (quoted || w.len)
			r = wp_strv_push(flags, wp_buf_cstr(&w), err);
	}
	*args = line + pos;
	wp_buf_release(&w);
	return r;
}

/* splitCommand: the instruction word, its flags and the rest (trimmed, the
 * line first: an escaped blank at its end is gone before flags are read). */
static int split_command(const char *text, char escape, df_instr *in, wp_error **err)
{
	_cleanup_free_ char *line = NULL;
	const char *p, *start, *args;
	size_t n;
	int r;

	while (df_is_space(*text))
		text++;
	n = strlen(text);
	while (n && df_is_space(text[n - 1]))
		n--;
	if (!(line = strndup(text, n)))
		return wp_error_oom(err);
	p = start = line;
	while (*p && !df_is_sep(*p))
		p++;
	if (!(in->name = strndup(start, (size_t)(p - start))) || !(in->cmd = strdup(in->name)))
		return wp_error_oom(err);
	for (char *c = in->cmd; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	while (df_is_sep(*p))
		p++;
	r = extract_flags(p, escape, &in->flags, &args, err);
	if (r < 0)
		return r;
	while (df_is_space(*args))
		args++;
	n = strlen(args);
	while (n && df_is_space(args[n - 1]))
		n--;
	if (!(in->args = strndup(args, n)))
		return wp_error_oom(err);
	return 0;
}

static bool heredoc_capable(const char *cmd)
{
	return strcmp(cmd, "add") == 0 || strcmp(cmd, "copy") == 0 || strcmp(cmd, "run") == 0;
}

/* Whether heredocs may follow: ADD, COPY and RUN (also after ONBUILD) in
 * shell form. */
static int may_have_heredocs(const lexer *lx, const df_instr *in, bool *out, wp_error **err)
{
	df_instr sub = {0};
	const df_instr *which = in;
	wp_strv json = {NULL, 0};
	int r = 0;

	*out = false;
	if (strcmp(in->cmd, "onbuild") == 0) {
		r = split_command(in->args, lx->escape, &sub, err);
		which = &sub;
	}
	if (r == 0 && which->cmd && heredoc_capable(which->cmd)) {
		r = df_json_array(which->args, &json, err);
		*out = r == 0;
	}
	wp_strv_release(&json);
	free(sub.name);
	free(sub.cmd);
	free(sub.args);
	wp_strv_release(&sub.flags);
	return r < 0 ? r : 0;
}

/* Consumes the body of heredoc name, up to its terminator line. */
static int skip_heredoc(lexer *lx, const char *name, bool chomp, unsigned int start, wp_error **err)
{
	span l;
	int r;

	while ((r = next_line(lx, &l, err)) > 0) {
		while (chomp && l.n && l.s[0] == '\t') {
			l.s++;
			l.n--;
		}
		if (l.n == strlen(name) && memcmp(l.s, name, l.n) == 0)
			return 0;
	}
	return r < 0 ? r : lex_fail(lx, start, WP_EINVALID, err, "unterminated heredoc");
}

/* heredocsFromLine: the markers among the line's words, in order. */
static int skip_heredocs(lexer *lx, const char *line, unsigned int start, bool *found,
			 wp_error **err)
{
	const df_shlex sh = {'\\', true, true, true, NULL};
	wp_strv words = {NULL, 0};
	wp_error *e = NULL;
	int r = 0;

	*found = false;
	/* a line the lexer cannot split has no heredocs, as in BuildKit */
	if (df_expand_words(&sh, line, &words, &e) < 0) {
		wp_error_free(e);
		wp_strv_release(&words);
		return 0;
	}
	for (size_t i = 0; r == 0 && i < words.len; i++) {
		_cleanup_free_ char *name = NULL;
		bool chomp = false;

		r = df_heredoc_word(words.items[i], &name, &chomp, err);
		if (r == 1) {
			*found = true;
			r = skip_heredoc(lx, name, chomp, start, err);
		} else if (r < 0) {
			r = wp_error_prefix(err, "%s:%u", lx->file, start);
		}
	}
	wp_strv_release(&words);
	return r;
}

static int add_instruction(lexer *lx, const char *line, unsigned int start, wp_error **err)
{
	df_file *f = lx->out;
	df_instr *grown, *in;
	bool heredocs = false;
	int r;

	grown = realloc(f->instrs, (f->n + 1) * sizeof(*grown));
	if (!grown)
		return wp_error_oom(err);
	f->instrs = grown;
	in = &f->instrs[f->n++];
	*in = (df_instr){.line = start};
	r = split_command(line, lx->escape, in, err);
	if (r == 0)
		r = may_have_heredocs(lx, in, &heredocs, err);
	if (r < 0)
		return r == WP_ENOMEM ? r : wp_error_prefix(err, "%s:%u", lx->file, start);
	if (heredocs && strstr(line, "<<"))
		return skip_heredocs(lx, line, start, &in->heredoc, err);
	return 0;
}

/* One instruction: its first line l, then continuation lines. */
static int read_instruction(lexer *lx, span l, wp_buf *line, wp_error **err)
{
	unsigned int start = lx->line;
	bool more = trim_continuation(lx, &l);
	int r;

	if (!more && !l.n)
		return 0;
	wp_buf_reset(line);
	r = wp_buf_append(line, l.s, l.n, err);
	while (r == 0 && more) {
		int got = next_line(lx, &l, err);

		if (got <= 0)
			return got < 0 ? got : add_instruction(lx, wp_buf_cstr(line), start, err);
		/* comment and blank lines neither end nor add to it */
		if (is_comment(l) || !trim_left(l).n)
			continue;
		more = trim_continuation(lx, &l);
		r = wp_buf_append(line, l.s, l.n, err);
	}
	if (r < 0)
		return r;
	return add_instruction(lx, wp_buf_cstr(line), start, err);
}

void df_file_release(df_file *f)
{
	for (size_t i = 0; i < f->n; i++) {
		df_instr *in = &f->instrs[i];

		free(in->name);
		free(in->cmd);
		free(in->args);
		wp_strv_release(&in->flags);
	}
	free(f->instrs);
	f->instrs = NULL;
	f->n = 0;
}

int df_lex(df_file *out, const char *text, size_t len, const char *filename, wp_error **err)
{
	df_file f = {'\\', NULL, 0};
	lexer lx = {text, len, 0, filename, 0, '\\', false, false, false, false, &f};
	wp_buf line = WP_BUF_INIT(WP_DOCKERFILE_MAX);
	span l;
	int r;

	while ((r = next_line(&lx, &l, err)) > 0) {
		bool is_directive;

		l = trim_left(l);
		r = directive(&lx, l, &is_directive, err);
		if (r < 0)
			break;
		if (is_directive || (l.n && l.s[0] == '#'))
			continue;
		r = read_instruction(&lx, l, &line, err);
		if (r < 0)
			break;
	}
	wp_buf_release(&line);
	if (r == 0 && f.n == 0)
		r = wp_error_set(err, WP_EINVALID, "%s: file with no instructions", filename);
	if (r < 0) {
		df_file_release(&f);
		return r;
	}
	f.escape = lx.escape;
	*out = f;
	return 0;
}
