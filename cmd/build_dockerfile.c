#include <glob.h>
#include <limits.h>
#include <sys/stat.h>

#include "build_dockerfile.h"
#include "../lib/buf.h"
#include "../lib/fileio.h"
#include "../lib/common.h"

/* "KEY=VALUE" strings → pairs; `what` names the option. */
static int to_kv(const wp_strv *in, const char *what, wp_kv *out, wp_error **err)
{
	int r = 0;

	for (size_t i = 0; r == 0 && in && i < in->len; i++) {
		const char *eq = strchr(in->items[i], '=');
		_cleanup_free_ char *key =
			eq ? strndup(in->items[i], (size_t)(eq - in->items[i])) : NULL;

		if (!eq || eq == in->items[i])
			r = wp_error_set(err, WP_EUSAGE, "%s \"%s\": expected NAME=VALUE", what,
					 in->items[i]);
		else
			r = key ? wp_kv_set(out, key, eq + 1, err) : wp_error_oom(err);
	}
	return r;
}

/* Whether path (resolved) lies in root (resolved). */
static bool inside(const char *root, const char *path)
{
	size_t n = strlen(root);

	return strncmp(root, path, n) == 0 &&
	       (path[n] == '/' || path[n] == '\0' || (n == 1 && root[0] == '/'));
}

/* The files one COPY/ADD source names: matched in base (the context or a
 * stage's directory), never outside it. */
static int expand_source(const char *base, const char *src, const wp_dockerfile_layer *dl,
			 const char *file, wp_strv *out, wp_error **err)
{
	_cleanup_free_ char *pattern = wp_path_join(base, src);
	char root[PATH_MAX], real[PATH_MAX];
	glob_t g = {0};
	int r = 0, gr;

	if (!pattern)
		return wp_error_oom(err);
	if (!realpath(base, root))
		return wp_error_set_errno(err, errno, "%s:%u: cannot read \"%s\"", file, dl->line,
					  base);
	gr = glob(pattern, GLOB_NOSORT, NULL, &g);
	if (gr == GLOB_NOMATCH)
		r = wp_error_set(err, WP_ENOTFOUND, "%s:%u: \"%s\": no such file in \"%s\"", file,
				 dl->line, src, base);
	else if (gr != 0)
		r = wp_error_oom(err);
	for (size_t i = 0; r == 0 && i < g.gl_pathc; i++) {
		if (!realpath(g.gl_pathv[i], real))
			r = wp_error_set_errno(err, errno, "%s:%u: cannot read \"%s\"", file,
					       dl->line, g.gl_pathv[i]);
		else if (!inside(root, real))
			r = wp_error_set(err, WP_EINVALID,
					 "%s:%u: \"%s\" is outside the build context \"%s\"", file,
					 dl->line, src, base);
		else
			r = wp_strv_push(out, g.gl_pathv[i], err);
	}
	if (gr == 0)
		globfree(&g);
	return r;
}

/* Whether a file starts like a tar archive (ADD would unpack it). */
static bool looks_like_tar(const char *path)
{
	uint8_t head[512];
	size_t got = 0;
	wp_error *e = NULL;
	struct stat st;
	int fd = wp_open_read(path, &st, &e);
	bool tar;

	wp_error_free(e);
	if (fd < 0)
		return false;
	tar = S_ISREG(st.st_mode) && wp_read_full(fd, head, sizeof(head), &got, path, NULL) == 0 &&
	      got == sizeof(head) && memcmp(head + 257, "ustar", 5) == 0;
	close(fd);
	return tar;
}

/* One COPY or ADD into plan. dest_dir: the destination names a directory
 * an earlier layer made, which then receives the files (Docker's rule,
 * trailing '/' or not). */
static int plan_copy(const char *context, const wp_dockerfile_layer *dl, const char *file,
		     bool dest_dir, wp_layer_plan *plan, wp_buf *history, wp_error **err)
{
	_cleanup_free_ char *dest_slash = NULL;
	const char *base = dl->from_stage_path ? dl->from_stage_path : context;
	wp_strv files = {0};
	struct stat st;
	size_t first = plan->len;
	int r = 0;

	if (dl->chown && strcmp(dl->chown, "0") != 0 && strcmp(dl->chown, "0:0") != 0 &&
	    strcmp(dl->chown, "root") != 0 && strcmp(dl->chown, "root:root") != 0)
		return wp_error_set(
			err, WP_EUNSUPPORTED,
			"%s:%u: --chown=%s: files are owned by root in a wasmpack image", file,
			dl->line, dl->chown);
	/* a stage's one artifact stands for every source it is asked for */
	if (dl->from_stage_path && stat(dl->from_stage_path, &st) == 0 && S_ISREG(st.st_mode))
		r = wp_strv_push(&files, dl->from_stage_path, err);
	for (size_t i = 0; r == 0 && files.len == 0 && i < dl->sources.len; i++)
		r = expand_source(base, dl->sources.items[i], dl, file, &files, err);
	if (r == 0 && dest_dir && dl->dest[strlen(dl->dest) - 1] != '/' &&
	    !(dest_slash = wp_strdup_printf("%s/", dl->dest)))
		r = wp_error_oom(err);
	if (r == 0 && files.len > 1 && !dest_slash && dl->dest[strlen(dl->dest) - 1] != '/')
		r = wp_error_set(err, WP_EINVALID,
				 "%s:%u: several sources need a destination ending in '/'", file,
				 dl->line);
	for (size_t i = 0; r == 0 && i < files.len; i++) {
		if (dl->kind == WP_DOCKERFILE_ADD && dl->unpack && looks_like_tar(files.items[i]))
			r = wp_error_set(
				err, WP_EUNSUPPORTED,
				"%s:%u: ADD would unpack the archive \"%s\": not supported "
				"(COPY it, or unpack it into the context)",
				file, dl->line, files.items[i]);
		if (r == 0)
			r = wp_layer_plan_add_path(plan, dest_slash ? dest_slash : dl->dest,
						   files.items[i], err);
	}
	for (size_t i = first; r == 0 && dl->has_chmod && i < plan->len; i++)
		plan->items[i].mode = dl->chmod & 07777;
	if (r == 0)
		r = wp_buf_appendf(
			history, err, "%s %s%s", dl->kind == WP_DOCKERFILE_ADD ? "ADD" : "COPY",
			dl->from_stage ? "--from=" : "", dl->from_stage ? dl->from_stage : "");
	for (size_t i = 0; r == 0 && i < dl->sources.len; i++)
		r = wp_buf_appendf(history, err, "%s%s", dl->from_stage || i ? " " : "",
				   dl->sources.items[i]);
	if (r == 0)
		r = wp_buf_appendf(history, err, " %s # wasmpack", dl->dest);
	wp_strv_release(&files);
	return r;
}

/* Whether an earlier layer made dir (or something under it). */
static bool made_before(const struct dockerfile_plan *p, size_t n, const char *dir)
{
	size_t len = strlen(dir + 1);

	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < p->plans[k].len; i++) {
			const char *d = p->plans[k].items[i].dest;

			if (strncmp(d, dir + 1, len) == 0 && (d[len] == '\0' || d[len] == '/'))
				return true;
		}
	return false;
}

/* Whether an earlier layer holds a directory at image path `path`. */
static bool dir_before(const struct dockerfile_plan *p, const char *path)
{
	for (size_t k = 0; k < p->n_layers; k++)
		for (size_t i = 0; i < p->plans[k].len; i++)
			if (p->plans[k].items[i].type == WP_TAR_DIR &&
			    strcmp(p->plans[k].items[i].dest, path + 1) == 0)
				return true;
	return false;
}

/* The item of the plans at image path `path` ("/app.wasm"), or NULL. */
static wp_layer_item *find_item(struct dockerfile_plan *p, const char *path)
{
	wp_layer_item *found = NULL;

	for (size_t k = 0; k < p->n_layers; k++)
		for (size_t i = 0; i < p->plans[k].len; i++)
			if (p->plans[k].items[i].src &&
			    strcmp(p->plans[k].items[i].dest, path + 1) == 0)
				found = &p->plans[k].items[i]; /* the last layer wins */
	return found;
}

int dockerfile_plan_load(const char *dockerfile, const char *context, const wp_strv *build_args,
			 const wp_strv *from_stages, struct dockerfile_plan *out, wp_error **err)
{
	struct dockerfile_plan p = {0};
	wp_buf text = WP_BUF_INIT(WP_DOCKERFILE_MAX);
	wp_kv args = {0}, stages = {0};
	int r = wp_read_file(dockerfile, &text, err);

	if (r == 0)
		r = to_kv(build_args, "--build-arg", &args, err);
	if (r == 0)
		r = to_kv(from_stages, "--from-stage", &stages, err);
	if (r == 0)
		r = wp_dockerfile_parse(text.data, text.len, dockerfile, &args, &stages, &p.df,
					err);
	if (r == 0 && (!(p.plans = calloc(p.df.n_layers + 1, sizeof(*p.plans))) ||
		       !(p.histories = calloc(p.df.n_layers + 1, sizeof(*p.histories))) ||
		       !(p.layers = calloc(p.df.n_layers + 1, sizeof(*p.layers)))))
		r = wp_error_oom(err);
	for (size_t i = 0; r == 0 && i < p.df.n_layers; i++) {
		const wp_dockerfile_layer *dl = &p.df.layers[i];
		wp_buf history = WP_BUF_INIT(1 << 20);
		wp_layer_plan *plan = &p.plans[p.n_layers];

		if (dl->kind == WP_DOCKERFILE_MKDIR) {
			/* BuildKit leaves out a layer that changes nothing */
			if (made_before(&p, p.n_layers, dl->dest)) {
				wp_buf_release(&history);
				continue;
			}
			r = wp_layer_plan_add_dir(plan, dl->dest, err);
			if (r == 0)
				r = wp_buf_appendf(&history, err, "WORKDIR %s # wasmpack",
						   dl->dest);
		} else {
			r = plan_copy(context, dl, dockerfile, dir_before(&p, dl->dest), plan,
				      &history, err);
		}
		if (r == 0)
			r = wp_layer_plan_finish(plan, err);
		if (r == 0 && !(p.histories[p.n_layers] = wp_buf_detach(&history, NULL)))
			r = wp_error_oom(err);
		wp_buf_release(&history);
		if (r == 0) {
			p.layers[p.n_layers] = (wp_image_layer){plan, p.histories[p.n_layers]};
			p.n_layers++;
		} else {
			wp_layer_plan_release(plan);
		}
	}
	if (r == 0 && p.n_layers == 0)
		r = wp_error_set(err, WP_EINVALID, "%s: the final stage copies no file",
				 dockerfile);
	if (r == 0 && p.df.entrypoint.set && p.df.entrypoint.argv.len)
		p.module = find_item(&p, p.df.entrypoint.argv.items[0]);
	wp_kv_release(&args);
	wp_kv_release(&stages);
	wp_buf_release(&text);
	if (r < 0) {
		dockerfile_plan_release(&p);
		return r;
	}
	*out = p;
	return 0;
}

void dockerfile_plan_release(struct dockerfile_plan *p)
{
	for (size_t i = 0; i < p->n_layers; i++) {
		wp_layer_plan_release(&p->plans[i]);
		free(p->histories[i]);
	}
	free(p->plans);
	free(p->histories);
	free(p->layers);
	wp_dockerfile_release(&p->df);
	memset(p, 0, sizeof(*p));
}
