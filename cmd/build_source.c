#include <jansson.h>
#include <sys/stat.h>

#include "build_source.h"
#include "../lib/buf.h"
#include "../lib/fileio.h"
#include "../lib/log.h"
#include "../lib/process.h"
#include "../wasmopt/wabt_bridge.h"
#include "../lib/common.h"

#define COMPILE_TIMEOUT 1800 /* seconds: a big Rust project takes a while */
#define OUTPUT_MAX ((size_t)64 << 20)

static const char *const c_exts[] = {".c", ".cc", ".cpp", ".cxx", ".c++", ".C"};

static bool has_ext(const char *path, const char *const *exts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (wp_str_has_suffix(path, exts[i]))
			return true;
	return false;
}

static bool is_cxx(const char *path)
{
	return !wp_str_has_suffix(path, ".c") && has_ext(path, c_exts, WP_ARRAY_SIZE(c_exts));
}

static bool is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int kind_of(const char *input, build_source_kind *out, wp_error **err)
{
	static const char *const wat_exts[] = {".wat", ".wast"};
	_cleanup_free_ char *cargo = wp_path_join(input, "Cargo.toml");

	if (!cargo)
		return wp_error_oom(err);
	if (is_dir(input)) {
		if (!is_file(cargo))
			return wp_error_set(err, WP_EINVALID,
					    "\"%s\" is a directory without Cargo.toml or "
					    "wasmpack.yaml: nothing to build",
					    input);
		*out = BUILD_SOURCE_CARGO;
	} else if (wp_str_has_suffix(input, ".wasm")) {
		*out = BUILD_SOURCE_WASM;
	} else if (has_ext(input, wat_exts, WP_ARRAY_SIZE(wat_exts))) {
		*out = BUILD_SOURCE_WAT;
	} else if (has_ext(input, c_exts, WP_ARRAY_SIZE(c_exts))) {
		*out = BUILD_SOURCE_C;
	} else {
		/* a module without the extension is still a module */
		*out = BUILD_SOURCE_WASM;
	}
	return 0;
}

int build_source_detect(const char *const *inputs, size_t n, build_source_kind *out, wp_error **err)
{
	int r = kind_of(inputs[0], out, err);

	for (size_t i = 1; r == 0 && i < n; i++) {
		build_source_kind k;

		if ((r = kind_of(inputs[i], &k, err)) < 0)
			break;
		if (k != BUILD_SOURCE_C || *out != BUILD_SOURCE_C)
			r = wp_error_set(err, WP_EUSAGE,
					 "one module at a time: only C/C++ sources may be several "
					 "(unexpected \"%s\")",
					 inputs[i]);
	}
	return r;
}

/* "src/hello.c" → "hello" */
static char *stem(const char *path)
{
	const char *base = wp_path_basename(path);
	const char *dot = strrchr(base, '.');

	return strndup(base, dot && dot != base ? (size_t)(dot - base) : strlen(base));
}

static int make_tmp_dir(struct build_source *s, wp_error **err)
{
	const char *tmp = getenv("TMPDIR");

	if (!(s->tmp_dir =
		      wp_strdup_printf("%s/wasmpack-build-XXXXXX", tmp && *tmp ? tmp : "/tmp")))
		return wp_error_oom(err);
	if (!mkdtemp(s->tmp_dir)) {
		int e = errno;

		free(s->tmp_dir);
		s->tmp_dir = NULL;
		return wp_error_set_errno(err, e, "cannot create a temporary directory");
	}
	return 0;
}

/* tmp_dir/<stem of input>.wasm */
static int module_path(struct build_source *s, const char *input, wp_error **err)
{
	_cleanup_free_ char *name = stem(input);
	int r = name ? make_tmp_dir(s, err) : wp_error_oom(err);

	if (r == 0 && !(s->module = wp_strdup_printf("%s/%s.wasm", s->tmp_dir, name)))
		r = wp_error_oom(err);
	return r;
}

static int make_wat(const char *input, struct build_source *s, wp_error **err)
{
	wp_buf text = WP_BUF_INIT((size_t)1 << 30), bin = WP_BUF_INIT((size_t)1 << 30);
	int r = wp_read_file(input, &text, err);

	if (r == 0)
		r = wp_wabt_wat2wasm(text.data, text.len, input, &bin, err);
	if (r == 0)
		r = module_path(s, input, err);
	if (r == 0)
		r = wp_write_file_atomic(s->module, bin.data, bin.len, 0644, err);
	if (r == 0 &&
	    !(s->summary = wp_strdup_printf("%s: WebAssembly text, encoded by libwabt (%zu bytes)",
					    input, bin.len)))
		r = wp_error_oom(err);
	wp_buf_release(&text);
	wp_buf_release(&bin);
	return r;
}

/* The first line of a tool's output that says "error", for a one-line
 * message; the whole output is in the debug log. */
static char *first_error(const wp_buf *out)
{
	const char *p = out->data ? out->data : "", *line = NULL, *e;

	for (const char *q = p; *q; q = *e ? e + 1 : e) {
		e = q + strcspn(q, "\n");
		if (!line && memmem(q, (size_t)(e - q), "error", 5))
			line = q;
	}
	if (!line)
		line = p;
	return strndup(line, strcspn(line, "\n"));
}

/* A hint for what is missing, from a compiler's complaint; "" if none. */
static const char *c_hint(const wp_buf *out)
{
	const char *p = out->data ? out->data : "";

	if (strstr(p, "wasm-ld"))
		return " (the WebAssembly linker is missing: install lld)";
	if (strstr(p, "-lc++") || strstr(p, "'iostream' file not found") || strstr(p, "<iostream>"))
		return " (no C++ library for wasm32: install libc++-dev-wasm32 and "
		       "libc++abi-dev-wasm32, or wasi-sdk)";
	if (strstr(p, "libclang_rt.builtins"))
		return " (no compiler runtime for wasm32: install libclang-rt-dev-wasm32, or "
		       "wasi-sdk)";
	return "";
}

/* The WASI sysroot: --sysroot, WASI_SYSROOT, Debian's /usr layout of
 * wasi-libc, or wasi-sdk's. NULL when none is found. */
static const char *find_sysroot(const struct build_source_options *o)
{
	const char *env = getenv("WASI_SYSROOT");

	if (o && o->sysroot)
		return o->sysroot;
	if (env && *env)
		return env;
	if (is_file("/usr/include/wasm32-wasi/stdio.h") ||
	    is_file("/usr/include/wasm32-wasip1/stdio.h"))
		return "/usr";
	if (is_dir("/opt/wasi-sdk/share/wasi-sysroot"))
		return "/opt/wasi-sdk/share/wasi-sysroot";
	return NULL;
}

/* wasm32-wasip1 when the sysroot has it (newer wasi-libc), else the
 * wasm32-wasi that every WASI-capable clang knows. */
static const char *c_target(const char *sysroot)
{
	_cleanup_free_ char *wasip1 = wp_strdup_printf("%s/include/wasm32-wasip1", sysroot);
	_cleanup_free_ char *lib = wp_strdup_printf("%s/lib/wasm32-wasip1", sysroot);

	return wasip1 && lib && is_dir(wasip1) && is_dir(lib) ? "wasm32-wasip1" : "wasm32-wasi";
}

/* clang (or clang++) on PATH, else wasi-sdk's. */
static const char *find_clang(bool cxx)
{
	const char *name = cxx ? "clang++" : "clang";

	if (!wp_on_path(name) && is_file("/opt/wasi-sdk/bin/clang"))
		return cxx ? "/opt/wasi-sdk/bin/clang++" : "/opt/wasi-sdk/bin/clang";
	return name;
}

static int make_c(const char *const *inputs, size_t n, const struct build_source_options *o,
		  struct build_source *s, wp_error **err)
{
	const char *sysroot = find_sysroot(o), *target, *clang;
	bool cxx = false;
	_cleanup_free_ char *target_arg = NULL, *sysroot_arg = NULL, *opt = NULL, *why = NULL;
	_cleanup_free_ const char **argv = NULL;
	wp_buf out = WP_BUF_INIT(OUTPUT_MAX);
	size_t k = 0, n_cflags = o && o->cflags ? o->cflags->len : 0;
	int status = 0, r = 0;

	for (size_t i = 0; i < n; i++)
		cxx |= is_cxx(inputs[i]);
	if (!sysroot)
		return wp_error_set(err, WP_ENOTFOUND,
				    "no WASI sysroot found for %s: install wasi-libc and "
				    "libclang-rt-dev-wasm32 (Debian: apt-get install clang lld "
				    "wasi-libc libclang-rt-14-dev-wasm32), set WASI_SYSROOT or "
				    "--sysroot, or install wasi-sdk in /opt/wasi-sdk",
				    inputs[0]);
	if (!is_dir(sysroot))
		return wp_error_set(err, WP_EUSAGE, "WASI sysroot \"%s\": no such directory",
				    sysroot);
	target = c_target(sysroot);
	clang = find_clang(cxx);
	target_arg = wp_strdup_printf("--target=%s", target);
	sysroot_arg = wp_strdup_printf("--sysroot=%s", sysroot);
	opt = wp_strdup_printf("-O%s", o && o->opt_level ? o->opt_level : "2");
	argv = calloc(n + n_cflags + 10, sizeof(*argv));
	if (!target_arg || !sysroot_arg || !opt || !argv)
		return wp_error_oom(err);
	if ((r = module_path(s, inputs[0], err)) < 0)
		return r;
	argv[k++] = clang;
	argv[k++] = target_arg;
	argv[k++] = sysroot_arg;
	argv[k++] = opt;
	for (size_t i = 0; i < n_cflags; i++)
		argv[k++] = o->cflags->items[i];
	argv[k++] = "-o";
	argv[k++] = s->module;
	for (size_t i = 0; i < n; i++)
		argv[k++] = inputs[i];
	r = wp_process_run(argv, NULL, 0, &out, &out, COMPILE_TIMEOUT, &status, err);
	if (r == WP_ENOTFOUND) {
		wp_error_clear(err);
		return wp_error_set(
			err, WP_ENOTFOUND,
			"%s not found: install clang, lld and wasi-libc (Debian: "
			"apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32), "
			"or wasi-sdk in /opt/wasi-sdk",
			clang);
	}
	if (r == 0 && out.len)
		wp_log_debug("%s said:\n%s", clang, wp_buf_cstr(&out));
	if (r == 0 && status != 0) {
		why = first_error(&out);
		r = wp_error_set(err, WP_EINVALID, "%s failed (exit status %d): %s%s", clang,
				 status, why ? why : "", c_hint(&out));
	}
	if (r == 0 &&
	    !(s->summary = wp_strdup_printf("%s%s: %s sources, compiled by %s %s %s %s", inputs[0],
					    n > 1 ? " ..." : "", cxx ? "C++" : "C", clang,
					    target_arg, sysroot_arg, opt)))
		r = wp_error_oom(err);
	wp_buf_release(&out);
	return r;
}

/* The .wasm executables cargo reports building (JSON messages, one a
 * line). */
static int cargo_artifacts(const wp_buf *out, wp_strv *found, wp_error **err)
{
	const char *p = out->data ? out->data : "";
	int r = 0;

	while (r == 0 && *p) {
		size_t n = strcspn(p, "\n");
		json_t *msg = json_loadb(p, n, 0, NULL);
		const char *exe =
			msg ? json_string_value(json_object_get(msg, "executable")) : NULL;

		if (exe && wp_str_has_suffix(exe, ".wasm"))
			r = wp_strv_push(found, exe, err);
		json_decref(msg);
		p += n + (p[n] == '\n');
	}
	return r;
}

/* One cargo build for target; *status its exit status, out what it said. */
static int run_cargo(const char *dir, const char *target, const struct build_source_options *o,
		     wp_buf *out, wp_buf *errout, int *status, wp_error **err)
{
	_cleanup_free_ char *manifest = wp_path_join(dir, "Cargo.toml");
	_cleanup_free_ char *features = NULL;
	/* getenv read once: the analyzer takes each call for a new value */
	const char *env = getenv("CARGO"), *cargo = env && *env ? env : "cargo";
	const char *argv[16];
	size_t k = 0;

	if (!manifest)
		return wp_error_oom(err);
	argv[k++] = cargo;
	argv[k++] = "build";
	argv[k++] = "--release";
	argv[k++] = "--target";
	argv[k++] = target;
	argv[k++] = "--message-format=json-render-diagnostics";
	argv[k++] = "--manifest-path";
	argv[k++] = manifest;
	if (o && o->features && o->features->len) {
		wp_buf list = WP_BUF_INIT(64 * 1024);

		for (size_t i = 0; i < o->features->len; i++)
			wp_buf_appendf(&list, NULL, "%s%s", i ? "," : "", o->features->items[i]);
		features = list.data ? (char *)list.data : strdup("");
		argv[k++] = "--features";
		argv[k++] = features;
	}
	if (o && o->bin) {
		argv[k++] = "--bin";
		argv[k++] = o->bin;
	}
	argv[k] = NULL;
	out->len = 0;
	errout->len = 0;
	return wp_process_run(argv, NULL, 0, out, errout, COMPILE_TIMEOUT, status, err);
}

static int make_cargo(const char *dir, const struct build_source_options *o, struct build_source *s,
		      wp_error **err)
{
	static const char *const targets[] = {"wasm32-wasip1", "wasm32-wasi"};
	wp_buf out = WP_BUF_INIT(OUTPUT_MAX), errout = WP_BUF_INIT(OUTPUT_MAX);
	wp_strv found = {0};
	_cleanup_free_ char *why = NULL;
	const char *target = NULL;
	int status = 0, r = 0;

	for (size_t i = 0; r == 0 && i < WP_ARRAY_SIZE(targets); i++) {
		target = targets[i];
		r = run_cargo(dir, target, o, &out, &errout, &status, err);
		/* an older toolchain knows the target by its old name */
		if (r == 0 && status != 0 && strstr(wp_buf_cstr(&errout), "target") &&
		    (strstr(wp_buf_cstr(&errout), "specification") ||
		     strstr(wp_buf_cstr(&errout), "unknown target")) &&
		    i + 1 < WP_ARRAY_SIZE(targets))
			continue;
		break;
	}
	if (r == WP_ENOTFOUND) {
		wp_error_clear(err);
		r = wp_error_set(
			err, WP_ENOTFOUND,
			"cargo not found: install Rust (rustup, or Debian: apt-get install "
			"cargo libstd-rust-dev-wasm32), or set CARGO");
	}
	if (r == 0 && errout.len)
		wp_log_debug("cargo said:\n%s", wp_buf_cstr(&errout));
	if (r == 0 && status != 0 &&
	    (strstr(wp_buf_cstr(&errout), "can't find crate for `std`") ||
	     strstr(wp_buf_cstr(&errout), "target may not be installed")))
		r = wp_error_set(err, WP_ENOTFOUND,
				 "cargo build in \"%s\": the Rust standard library for %s is not "
				 "installed: run \"rustup target add %s\" (with Debian's rustc: "
				 "apt-get install libstd-rust-dev-wasm32)",
				 dir, target, target);
	else if (r == 0 && status != 0 && (why = first_error(&errout)))
		r = wp_error_set(err, WP_EINVALID,
				 "cargo build in \"%s\" failed (exit status %d): %s", dir, status,
				 why);
	if (r == 0)
		r = cargo_artifacts(&out, &found, err);
	if (r == 0 && found.len == 0)
		r = wp_error_set(err, WP_ENOTFOUND,
				 "cargo build in \"%s\" made no .wasm executable (a library crate? "
				 "build a binary, or name it with --bin)",
				 dir);
	else if (r == 0 && found.len > 1)
		r = wp_error_set(err, WP_EUSAGE,
				 "cargo build in \"%s\" made %zu executables (%s, ...): name one "
				 "with --bin",
				 dir, found.len, wp_path_basename(found.items[0]));
	if (r == 0 && !(s->module = strdup(found.items[0])))
		r = wp_error_oom(err);
	if (r == 0 && !(s->summary = wp_strdup_printf("%s: Cargo project, built by cargo build "
						      "--release --target %s",
						      dir, target)))
		r = wp_error_oom(err);
	wp_strv_release(&found);
	wp_buf_release(&out);
	wp_buf_release(&errout);
	return r;
}

int build_source_make(const char *const *inputs, size_t n, const struct build_source_options *o,
		      struct build_source *out, wp_error **err)
{
	struct build_source s = {0};
	int r = build_source_detect(inputs, n, &s.kind, err);

	if (r == 0) {
		switch (s.kind) {
		case BUILD_SOURCE_WASM:
			s.module = strdup(inputs[0]);
			r = s.module ? 0 : wp_error_oom(err);
			break;
		case BUILD_SOURCE_WAT:
			r = make_wat(inputs[0], &s, err);
			break;
		case BUILD_SOURCE_C:
			r = make_c(inputs, n, o, &s, err);
			break;
		case BUILD_SOURCE_CARGO:
			r = make_cargo(inputs[0], o, &s, err);
			break;
		}
	}
	if (r < 0) {
		build_source_release(&s);
		return r;
	}
	*out = s;
	return 0;
}

void build_source_release(struct build_source *s)
{
	if (s->tmp_dir)
		wp_remove_tree(s->tmp_dir, NULL);
	free(s->tmp_dir);
	free(s->module);
	free(s->summary);
	memset(s, 0, sizeof(*s));
}
