/* The argument forms of BuildKit's Dockerfile parser (parser/line_parsers.go):
 * exec-form JSON arrays, whitespace-split lists, quote-aware words and
 * heredoc markers. */
#include <ctype.h>
#include <jansson.h>

#include "dockerfile_internal.h"
#include "../lib/buf.h"
#include "../lib/json.h"
#include "../lib/common.h"

bool df_is_sep(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

bool df_is_space(char c)
{
	return df_is_sep(c) || c == '\n';
}

size_t df_space_at_n(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	if (n >= 1 && df_is_space(s[0]))
		return 1;
	if (n >= 2 && u[0] == 0xc2 && (u[1] == 0x85 || u[1] == 0xa0))
		return 2;
	if (n >= 3 &&
	    ((u[0] == 0xe1 && u[1] == 0x9a && u[2] == 0x80) ||
	     (u[0] == 0xe2 && u[1] == 0x80 &&
	      (u[2] <= 0x8a || u[2] == 0xa8 || u[2] == 0xa9 || u[2] == 0xaf) && u[2] >= 0x80) ||
	     (u[0] == 0xe2 && u[1] == 0x81 && u[2] == 0x9f) ||
	     (u[0] == 0xe3 && u[1] == 0x80 && u[2] == 0x80)))
		return 3;
	return 0;
}

size_t df_space_at(const char *s)
{
	return df_space_at_n(s, strnlen(s, 3));
}

int df_json_array(const char *rest, wp_strv *out, wp_error **err)
{
	_cleanup_json_ json_t *j = NULL;
	wp_strv v = {NULL, 0};
	json_t *item;
	size_t i;

	while (df_is_space(*rest))
		rest++;
	if (*rest != '[')
		return 0;
	/* anything that is not valid JSON is shell form, as in Docker */
	j = json_loads(rest, 0, NULL);
	if (!j || !json_is_array(j))
		return 0;
	json_array_foreach (j, i, item) {
		int r;

		if (!json_is_string(item)) {
			wp_strv_release(&v);
			return wp_error_set(
				err, WP_EINVALID,
				"when using JSON array syntax, arrays must be comprised "
				"of strings only");
		}
		r = wp_strv_push(&v, json_string_value(item), err);
		if (r < 0) {
			wp_strv_release(&v);
			return r;
		}
	}
	*out = v;
	return 1;
}

int df_split_whitespace(const char *rest, wp_strv *out, wp_error **err)
{
	const char *p = rest;

	while (*p) {
		const char *start;
		_cleanup_free_ char *word = NULL;
		int r;

		while (df_is_sep(*p))
			p++;
		start = p;
		while (*p && !df_is_sep(*p))
			p++;
		if (p == start)
			break;
		word = strndup(start, (size_t)(p - start));
		if (!word)
			return wp_error_oom(err);
		r = wp_strv_push(out, word, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int df_next_word(const char *s, size_t n, size_t *pos, char escape, bool raw, wp_buf *w,
		 bool *quoted, wp_error **err)
{
	char quote = 0;
	size_t i;
	int r = 0;

	*quoted = false;
	for (i = *pos; r == 0 && i < n; i++) {
		char ch = s[i];

		if (!quote && df_space_at(s + i))
			break;
		if (quote ? ch == quote : ch == '\'' || ch == '"') {
			quote = quote ? 0 : ch;
			*quoted = true;
			if (raw)
				r = wp_buf_append(w, &ch, 1, err);
			continue;
		}
		if (ch == escape && (!raw || quote != '\'')) {
			/* an escape at the very end is dropped */
			if (i + 1 == n)
				continue;
			if (raw)
				r = wp_buf_append(w, &ch, 1, err);
			ch = s[++i];
		}
		if (r == 0)
			r = wp_buf_append(w, &ch, 1, err);
	}
	*pos = i;
	return r;
}

int df_split_words(const char *rest, char escape, wp_strv *out, wp_error **err)
{
	wp_buf w = WP_BUF_INIT(WP_DOCKERFILE_MAX);
	size_t n = strlen(rest), pos = 0, space;
	bool quoted;
	int r = 0;

	while (r == 0) {
		while ((space = df_space_at(rest + pos)))
			pos += space;
		if (pos >= n)
			break;
		wp_buf_reset(&w);
		r = df_next_word(rest, n, &pos, escape, true, &w, &quoted, err);
		/* a word of quotes only still counts */
		if (r == 0 && (quoted || w.len))
			r = wp_strv_push(out, wp_buf_cstr(&w), err);
	}
	wp_buf_release(&w);
	return r;
}

int df_heredoc_word(const char *word, char **name, bool *chomp, wp_error **err)
{
	/* the name is unquoted, variables left as written */
	const df_shlex sh = {'\\', false, false, true, NULL};
	wp_strv words = {NULL, 0};
	const char *p = word;
	int r;

	/* ^(\d*)<<(-?)\s*([^<]*)$ with something after the blanks */
	while (isdigit((unsigned char)*p))
		p++;
	if (!wp_str_has_prefix(p, "<<"))
		return 0;
	p += 2;
	*chomp = *p == '-';
	if (*chomp)
		p++;
	while (df_is_space(*p) && *p != '\v')
		p++;
	if (!*p || strchr(p, '<'))
		return 0;
	r = df_expand_words(&sh, p, &words, err);
	if (r == 0 && words.len == 1) {
		*name = words.items[0];
		words.items[0] = NULL;
		words.len = 0;
		r = 1;
	}
	wp_strv_release(&words);
	return r;
}
