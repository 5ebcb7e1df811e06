#include "build_aot.h"
#include "../lib/buf.h"
#include "../lib/fileio.h"
#include "../lib/log.h"
#include "../lib/process.h"
#include "../lib/str.h"
#include "../lib/common.h"

#define AOT_TIMEOUT 1800

static const struct {
	const char *name;
	aot_kind kind;
	const char *tool; /* the compiler looked for on PATH */
	const char *ext;  /* of its output */
} kinds[] = {
	{"none", AOT_NONE, NULL, NULL},
	{"native", AOT_NATIVE, NULL, NULL},
	{"wasmedge", AOT_WASMEDGE, "wasmedge", ".wasm"},
	{"wasmtime", AOT_WASMTIME, "wasmtime", ".cwasm"},
	{"wamr", AOT_WAMR, "wamrc", ".aot"},
};

int aot_parse(const char *name, aot_kind *out, wp_error **err)
{
	for (size_t i = 0; i < WP_ARRAY_SIZE(kinds); i++)
		if (strcmp(name, kinds[i].name) == 0) {
			*out = kinds[i].kind;
			return 0;
		}
	return wp_error_set(err, WP_EUSAGE,
			    "--aot \"%s\": expected none, native, wasmedge, wasmtime or wamr",
			    name);
}

/* Runs argv; its output becomes part of the error when it fails. */
static int run_tool(const char *const *argv, wp_buf *out, wp_error **err)
{
	int status = 0, r;

	out->len = 0;
	r = wp_process_run(argv, NULL, 0, out, out, AOT_TIMEOUT, &status, err);
	if (r == 0 && status != 0) {
		const char *text = wp_buf_cstr(out);

		r = wp_error_set(err, WP_EGENERIC, "%s failed (exit status %d): %.*s", argv[0],
				 status, (int)strcspn(text, "\n"), text);
	}
	return r;
}

int aot_compile(aot_kind kind, const char *compiler, const char *module, const char *stem,
		struct aot_result *out, wp_error **err)
{
	struct aot_result res = {0};
	wp_buf said = WP_BUF_INIT(1 << 20);
	const char *tmp = getenv("TMPDIR"), *tool = NULL, *ext = NULL, *name = NULL;
	_cleanup_free_ char *target = NULL;
	int r = 0;

	for (size_t i = 0; i < WP_ARRAY_SIZE(kinds); i++)
		if (kinds[i].kind == kind) {
			tool = kinds[i].tool;
			ext = kinds[i].ext;
			name = kinds[i].name;
		}
	/* native builds are build_native.c's */
	if (!tool)
		return 0;
	compiler = compiler ? compiler : tool;
	if (!strchr(compiler, '/') && !wp_on_path(compiler))
		return wp_error_set(err, WP_ENOTFOUND,
				    "--aot %s needs %s, which is not on PATH: install it, or name "
				    "it with --aot-compiler PATH",
				    name, compiler);
	if (!(res.tmp_dir =
		      wp_strdup_printf("%s/wasmpack-aot-XXXXXX", tmp && *tmp ? tmp : "/tmp")) ||
	    !mkdtemp(res.tmp_dir))
		r = wp_error_set_errno(err, errno, "cannot create a temporary directory");
	if (r == 0 && !(target = wp_strdup_printf("%s/%s%s", res.tmp_dir, stem, ext)))
		r = wp_error_oom(err);
	if (r == 0) {
		const char *argv[] = {compiler, "--version", NULL};

		r = run_tool(argv, &said, err);
		if (r == 0 &&
		    !(res.version = strndup(wp_buf_cstr(&said), strcspn(wp_buf_cstr(&said), "\n"))))
			r = wp_error_oom(err);
	}
	if (r == 0 && kind == AOT_WASMEDGE) {
		const char *argv[] = {compiler, "compile", module, target, NULL};

		r = run_tool(argv, &said, err);
	} else if (r == 0 && kind == AOT_WASMTIME) {
		const char *argv[] = {compiler, "compile", module, "-o", target, NULL};

		r = run_tool(argv, &said, err);
	} else if (r == 0) {
		const char *argv[] = {compiler, "-o", target, module, NULL};

		r = run_tool(argv, &said, err);
	}
	if (r == 0 && access(target, R_OK) != 0)
		r = wp_error_set(err, WP_EGENERIC, "%s wrote no \"%s\"", compiler, target);
	if (r == 0 && kind == AOT_WASMEDGE)
		res.module = TAKE_PTR(target);
	else if (r == 0) {
		res.extra = TAKE_PTR(target);
		if (!(res.extra_name = wp_strdup_printf("%s%s", stem, ext)))
			r = wp_error_oom(err);
	}
	if (r == 0 && !(res.annotation_key = wp_strdup_printf("dev.wasmpack.aot.%s.version", name)))
		r = wp_error_oom(err);
	if (r == 0)
		wp_log_info("%s: compiled ahead of time by %s (%s)", stem, compiler, res.version);
	wp_buf_release(&said);
	if (r < 0) {
		aot_result_release(&res);
		return r;
	}
	*out = res;
	return 0;
}

void aot_result_release(struct aot_result *r)
{
	if (r->tmp_dir)
		wp_remove_tree(r->tmp_dir, NULL);
	free(r->tmp_dir);
	free(r->module);
	free(r->extra);
	free(r->extra_name);
	free(r->annotation_key);
	free(r->version);
	memset(r, 0, sizeof(*r));
}
