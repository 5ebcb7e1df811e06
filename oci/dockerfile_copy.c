/* The instructions of the final stage that add layers: COPY and ADD of
 * local files (dispatchCopy), and WORKDIR, whose directory BuildKit creates
 * in a layer of its own (dispatchWorkdir). */
#include <ctype.h>
#include <strings.h>

#include "dockerfile_internal.h"
#include "../lib/common.h"

void df_layer_release(wp_dockerfile_layer *l)
{
	wp_strv_release(&l->sources);
	free(l->dest);
	free(l->chown);
	free(l->from_stage);
	free(l->from_stage_path);
	*l = (wp_dockerfile_layer){0};
}

static int add_layer(df_ctx *c, wp_dockerfile_layer *l, wp_error **err)
{
	wp_dockerfile_layer *grown = realloc(c->out.layers, (c->out.n_layers + 1) * sizeof(*grown));

	if (!grown)
		return wp_error_oom(err);
	c->out.layers = grown;
	c->out.layers[c->out.n_layers++] = *l;
	*l = (wp_dockerfile_layer){0};
	return 0;
}

/* path.Clean of an absolute path: no ".", "..", or repeated '/'. */
static char *path_clean(const char *abs)
{
	size_t n = strlen(abs), w = 1;
	char *out = malloc(n + 2);
	const char *p = abs;

	if (!out)
		return NULL;
	out[0] = '/';
	while (*p) {
		size_t len = 0;

		while (*p == '/')
			p++;
		/* not strcspn, whose result the analyzer does not bound by the
		 * string: it would step past the end of "" */
		while (p[len] && p[len] != '/')
			len++;
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			while (w > 1 && out[w - 1] != '/')
				w--;
			if (w > 1)
				w--;
		} else if (len && !(len == 1 && p[0] == '.')) {
			if (w > 1)
				out[w++] = '/';
			memcpy(out + w, p, len);
			w += len;
		}
		p += len;
	}
	out[w] = '\0';
	return out;
}

/* The destination, absolute and cleaned: relative ones start at the
 * working directory; one written as a directory ("dir/", ".", "dir/.")
 * keeps a trailing '/' (pathRelativeToWorkingDir). */
static int resolve_dest(const df_ctx *c, const char *dest, char **out, wp_error **err)
{
	size_t n = strlen(dest);
	bool dir = n == 0 || strcmp(dest, ".") == 0 || strcmp(dest, "..") == 0 ||
		   dest[n - 1] == '/' || wp_str_has_suffix(dest, "/.") ||
		   wp_str_has_suffix(dest, "/..");
	_cleanup_free_ char *joined =
		dest[0] == '/' ? strdup(dest) : wp_path_join(c->out.workdir, dest);
	_cleanup_free_ char *clean = joined ? path_clean(joined) : NULL;

	if (!clean)
		return wp_error_oom(err);
	if (dir && strcmp(clean, "/") != 0)
		*out = wp_strdup_printf("%s/", clean);
	else
		*out = TAKE_PTR(clean);
	return *out ? 0 : wp_error_oom(err);
}

/* Sources BuildKit fetches instead of reading the context: URLs and Git
 * repositories (dfgitutil.ParseGitRef, isHTTPSource). "github.com/..." and
 * unknown schemes it takes as local paths. */
static const char *remote_kind(const char *src)
{
	static const char *const git_schemes[] = {"git://", "ssh://"};
	const char *p = src, *at;

	if (wp_str_has_prefix(src, "./") || wp_str_has_prefix(src, "../"))
		return NULL;
	if (strncasecmp(src, "http://", 7) == 0 || strncasecmp(src, "https://", 8) == 0)
		return wp_str_has_suffix(src, ".git") || strstr(src, ".git#") ? "a Git repository"
									      : "a URL";
	for (size_t i = 0; i < WP_ARRAY_SIZE(git_schemes); i++)
		if (strncasecmp(src, git_schemes[i], strlen(git_schemes[i])) == 0)
			return "a Git repository";
	/* user@host:path, scp style: ^[A-Za-z0-9-_]+@[A-Za-z0-9-.]+: */
	while (isalnum((unsigned char)*p) || *p == '-' || *p == '_')
		p++;
	if (p == src || *p != '@')
		return NULL;
	at = ++p;
	while (isalnum((unsigned char)*p) || *p == '-' || *p == '.')
		p++;
	return p > at && *p == ':' ? "a Git repository" : NULL;
}

/* --chmod: octal, 0 to 07777 (BuildKit also takes symbolic modes, which a
 * layer writer would have to apply per file: refused). */
static int parse_chmod(const df_ctx *c, const df_instr *in, const char *s, unsigned int *out,
		       wp_error **err)
{
	unsigned long v = 0;
	size_t i;

	for (i = 0; s[i] >= '0' && s[i] <= '7' && v <= 07777; i++)
		v = v * 8 + (unsigned long)(s[i] - '0');
	if (i && !s[i] && v <= 07777) {
		*out = (unsigned int)v;
		return 0;
	}
	if (*s && strspn(s, "0123456789") == strlen(s))
		return df_fail(c, in, WP_EINVALID, err,
			       "invalid chmod parameter: '%s'. it should be octal string and "
			       "between 0 and 07777",
			       s);
	return df_fail(c, in, WP_EUNSUPPORTED, err,
		       "--chmod=%s: only octal modes (0 to 07777) are supported", s);
}

/* The stage --from names: by index or (lowercased) name, the last so named;
 * -1 when none (an image). */
static int find_stage(const df_ctx *c, const df_instr *in, const char *from, long *out,
		      wp_error **err)
{
	char *end = NULL;
	long index;

	errno = 0;
	index = strtol(from, &end, 10);
	if (*from && !isspace((unsigned char)*from) && !*end && !errno) {
		if (index < 0 || (size_t)index >= c->n_stages)
			return df_fail(c, in, WP_EINVALID, err, "invalid stage index %ld", index);
		*out = index;
		return 0;
	}
	*out = -1;
	for (size_t i = 0; i < c->n_stages; i++)
		if (c->stages[i].name && strcasecmp(c->stages[i].name, from) == 0)
			*out = (long)i;
	return 0;
}

static const char *stage_output(const df_ctx *c, const char *name)
{
	if (!c->from_stages || !name)
		return NULL;
	for (size_t i = 0; i < c->from_stages->len; i++)
		if (strcasecmp(c->from_stages->items[i].key, name) == 0)
			return c->from_stages->items[i].value;
	return NULL;
}

/* COPY --from=NAME: an earlier stage (or, like a build context of that
 * name, anything) whose output from_stages gives. */
static int resolve_from(const df_ctx *c, const df_instr *in, const char *from, const char **path,
			wp_error **err)
{
	const df_shlex literal = {c->df->escape, false, false, false, NULL};
	_cleanup_free_ char *same = NULL;
	const char *final_name = c->stages[c->n_stages - 1].name;
	long stage = -1;
	int r = df_expand_word(&literal, from, &same, err);

	if (r < 0)
		return df_at(c, in, err);
	if (strcmp(same, from) != 0)
		return df_fail(c, in, WP_EINVALID, err,
			       "variable expansion is not supported for --from, define a new stage "
			       "with FROM using ARG from global scope as a workaround");
	r = find_stage(c, in, from, &stage, err);
	if (r < 0)
		return r;
	if (stage == (long)c->n_stages - 1)
		return df_fail(c, in, WP_EINVALID, err,
			       "cannot copy from stage \"%s\", it needs to be defined before "
			       "current stage \"%s\"",
			       from, final_name ? final_name : "the final stage");
	*path = stage_output(c, from);
	if (!*path && stage >= 0)
		*path = stage_output(c, c->stages[stage].name);
	if (*path)
		return 0;
	if (stage >= 0)
		return df_fail(c, in, WP_EUNSUPPORTED, err,
			       "COPY --from=%s needs --from-stage %s=PATH: stages before the last "
			       "are not built, PATH gives the output an earlier step built",
			       from, c->stages[stage].name ? c->stages[stage].name : from);
	return df_fail(c, in, WP_EUNSUPPORTED, err,
		       "COPY --from=%s copies from an image, which cannot be pulled here: give "
		       "its files with --from-stage %s=PATH",
		       from, from);
}

/* The flags COPY and ADD take (instructions.parseCopy, parseAdd). */
static size_t copy_flags(df_flag *f, bool add)
{
	static const char *const copy[] = {"chown", "chmod", "link", "exclude", "from", "parents"};
	static const char *const add_only[] = {"chown",	       "chmod",	   "link",  "exclude",
					       "keep-git-dir", "checksum", "unpack"};
	const char *const *names = add ? add_only : copy;
	size_t n = add ? WP_ARRAY_SIZE(add_only) : WP_ARRAY_SIZE(copy);

	for (size_t i = 0; i < n; i++) {
		const char *name = names[i];
		bool is_bool = strcmp(name, "link") == 0 || strcmp(name, "parents") == 0 ||
			       strcmp(name, "keep-git-dir") == 0 || strcmp(name, "unpack") == 0;

		f[i] = (df_flag){
			name,
			strcmp(name, "exclude") == 0 ? DF_FLAG_STRINGS : is_bool ? DF_FLAG_BOOL : DF_FLAG_STRING,
			false,
			false,
			NULL,
			0};
	}
	return n;
}

/* The flag called name; an unused one when the instruction has none. */
static const df_flag *flag(const df_flag *f, size_t n, const char *name)
{
	static const df_flag none = {NULL, DF_FLAG_BOOL, false, false, NULL, 0};

	for (size_t i = 0; i < n; i++)
		if (strcmp(f[i].name, name) == 0)
			return &f[i];
	return &none;
}

/* Checks what cannot be honoured before anything is substituted. */
static int copy_refusals(const df_ctx *c, const df_instr *in, const df_flag *f, size_t n_flags,
			 const wp_strv *args, wp_error **err)
{
	_cleanup_free_ char *name = NULL;
	bool chomp;
	int r;

	if (args->len < 2)
		return df_fail(c, in, WP_EINVALID, err,
			       "%s requires at least two arguments, but only one was provided. "
			       "Destination could not be determined",
			       df_upper(in));
	for (size_t i = 0; i < args->len; i++) {
		r = df_heredoc_word(args->items[i], &name, &chomp, err);
		if (r < 0)
			return df_at(c, in, err);
		if (r == 1 && i + 1 == args->len)
			return df_fail(c, in, WP_EINVALID, err,
				       "%s cannot accept a heredoc as a destination", df_upper(in));
		if (r == 1)
			return df_fail(c, in, WP_EUNSUPPORTED, err,
				       "heredocs (%s) are not supported: put the file in the build "
				       "context",
				       args->items[i]);
	}
	if (in->heredoc)
		return df_fail(c, in, WP_EUNSUPPORTED, err,
			       "heredocs (<<EOF) are not supported: put the file in the build "
			       "context and %s it",
			       df_upper(in));
	if (flag(f, n_flags, "exclude")->used || flag(f, n_flags, "parents")->on)
		return df_fail(c, in, WP_EUNSUPPORTED, err, "%s --%s is not supported",
			       df_upper(in),
			       flag(f, n_flags, "exclude")->used ? "exclude" : "parents");
	return 0;
}

/* The sources substituted, each local (ADD --checksum needs one remote). */
static int copy_sources(const df_ctx *c, const df_instr *in, const wp_strv *args,
			const char *checksum, wp_strv *out, wp_error **err)
{
	for (size_t i = 0; i + 1 < args->len; i++) {
		_cleanup_free_ char *src = NULL;
		const char *remote;
		int r = df_subst(c, in, args->items[i], &src, err);

		if (r < 0)
			return r;
		remote = remote_kind(src);
		if (remote && strcmp(in->cmd, "copy") == 0)
			return df_fail(c, in, WP_EINVALID, err, "source can't be %s for COPY",
				       strcmp(remote, "a URL") == 0 ? "a URL" : "a git ref");
		if (checksum && *checksum && args->len > 2)
			return df_fail(c, in, WP_EINVALID, err,
				       "checksum can't be specified for multiple sources");
		if (remote)
			return df_fail(c, in, WP_EUNSUPPORTED, err,
				       "ADD of %s (%s) cannot be built offline: fetch it into the "
				       "build context and ADD the local copy",
				       remote, src);
		if (checksum && *checksum)
			return df_fail(c, in, WP_EINVALID, err,
				       "checksum requires HTTP(S) or Git sources");
		r = wp_strv_push(out, src, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The arguments: exec form, or split at blanks. */
static int copy_args(const df_ctx *c, const df_instr *in, wp_strv *args, wp_error **err)
{
	int r = df_json_array(in->args, args, err);

	if (r < 0)
		return r == WP_ENOMEM ? r : df_at(c, in, err);
	return r ? 0 : df_split_whitespace(in->args, args, err);
}

int df_dispatch_copy(df_ctx *c, const df_instr *in, bool add, wp_error **err)
{
	wp_dockerfile_layer l = {.kind = add ? WP_DOCKERFILE_ADD : WP_DOCKERFILE_COPY,
				 .line = in->line};
	df_flag f[8];
	size_t n = copy_flags(f, add);
	const char *chown, *chmod_flag, *from, *checksum_flag;
	wp_strv args = {NULL, 0};
	_cleanup_free_ char *chmod = NULL;
	_cleanup_free_ char *checksum = NULL;
	_cleanup_free_ char *dest = NULL;
	const char *stage_path = NULL;
	int r = df_flags_parse(c, in, f, n, err);

	chown = flag(f, n, "chown")->value;
	chmod_flag = flag(f, n, "chmod")->value;
	from = flag(f, n, "from")->value;
	checksum_flag = flag(f, n, "checksum")->value;
	if (r == 0)
		r = copy_args(c, in, &args, err);
	if (r == 0)
		r = copy_refusals(c, in, f, n, &args, err);
	if (r == 0 && chown && *chown)
		r = df_subst(c, in, chown, &l.chown, err);
	if (r == 0 && chmod_flag && *chmod_flag)
		r = df_subst(c, in, chmod_flag, &chmod, err);
	if (r == 0 && checksum_flag)
		r = df_subst(c, in, checksum_flag, &checksum, err);
	/* an empty --from= copies from the context, as in BuildKit */
	if (r == 0 && from && *from)
		r = resolve_from(c, in, from, &stage_path, err);
	if (r == 0)
		r = copy_sources(c, in, &args, checksum, &l.sources, err);
	if (r == 0)
		r = df_subst(c, in, args.items[args.len - 1], &dest, err);
	if (r == 0 && chmod && *chmod) {
		l.has_chmod = true;
		r = parse_chmod(c, in, chmod, &l.chmod, err);
	}
	if (r == 0)
		r = resolve_dest(c, dest, &l.dest, err);
	if (r == 0 && stage_path)
		r = wp_strdup(&l.from_stage, from, err);
	if (r == 0 && stage_path)
		r = wp_strdup(&l.from_stage_path, stage_path, err);
	if (r == 0 && l.chown && !*l.chown) {
		free(l.chown);
		l.chown = NULL;
	}
	l.link = flag(f, n, "link")->on;
	l.unpack = add && (!flag(f, n, "unpack")->used || flag(f, n, "unpack")->on);
	if (r == 0)
		r = add_layer(c, &l, err);
	df_layer_release(&l);
	wp_strv_release(&args);
	return r;
}

/* WORKDIR: relative to the one before (then cleaned), absolute as written;
 * any but "/" adds a layer making the directory, owned by the USER. */
int df_dispatch_workdir(df_ctx *c, const df_instr *in, wp_error **err)
{
	wp_dockerfile_layer l = {.kind = WP_DOCKERFILE_MKDIR, .line = in->line};
	_cleanup_free_ char *path = NULL;
	char *wd = NULL;
	int r = df_flags_parse(c, in, NULL, 0, err);

	if (r == 0 && !*in->args)
		r = df_fail(c, in, WP_EINVALID, err, "WORKDIR requires exactly one argument");
	if (r == 0)
		r = df_subst(c, in, in->args, &path, err);
	/* != 0, not < 0: the analyzer takes the helpers of dockerfile.c to
	 * return positive codes too, and would go on with path unset */
	if (r != 0)
		return r;
	if (!*path) {
		wd = strdup(c->out.workdir);
	} else if (path[0] == '/') {
		wd = TAKE_PTR(path);
	} else {
		_cleanup_free_ char *joined = wp_path_join(c->out.workdir, path);

		wd = joined ? path_clean(joined) : NULL;
	}
	if (!wd)
		return wp_error_oom(err);
	free(c->out.workdir);
	c->out.workdir = wd;
	if (strcmp(wd, "/") == 0)
		return 0;
	l.dest = path_clean(wd);
	if (!l.dest || wp_strdup(&l.chown, c->out.user, err) < 0) {
		df_layer_release(&l);
		return wp_error_oom(err);
	}
	return add_layer(c, &l, err);
}
