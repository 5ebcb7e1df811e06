#include "build_native.h"
#include "../lib/buf.h"
#include "../lib/fileio.h"
#include "../lib/log.h"
#include "../lib/process.h"
#include "../lib/str.h"
#include "../wasmopt/wabt_bridge.h"
#include "../lib/common.h"

#include "wasi_host_sources.inc"

/* Debian's wabt: the runtime wasm2c's C needs */
#define WASM_RT_DIR "/usr/share/wabt/wasm2c"
#define WASM_RT_HEADER "/usr/include/wasm-rt.h"
#define COMPILE_TIMEOUT 1800

static int run_cc(const char *const *argv, wp_error **err)
{
	wp_buf out = WP_BUF_INIT(1 << 20);
	int status = 0,
	    r = wp_process_run(argv, NULL, 0, &out, &out, COMPILE_TIMEOUT, &status, err);

	if (r == WP_ENOTFOUND) {
		wp_error_clear(err);
		r = wp_error_set(err, WP_ENOTFOUND,
				 "--aot native needs a C compiler: %s not found (apt-get install "
				 "gcc, or set CC)",
				 argv[0]);
	} else if (r == 0 && status != 0) {
		const char *text = wp_buf_cstr(&out);

		wp_log_debug("%s said:\n%s", argv[0], text);
		r = wp_error_set(err, WP_EGENERIC, "--aot native: %s failed (exit status %d): %.*s",
				 argv[0], status, (int)strcspn(text, "\n"), text);
	}
	wp_buf_release(&out);
	return r;
}

/* Writes the module's C and the host's sources into dir. */
static int write_sources(const char *module, const char *dir, wp_error **err)
{
	wp_buf wasm = WP_BUF_INIT((size_t)1 << 32), c = WP_BUF_INIT((size_t)1 << 32);
	wp_buf h = WP_BUF_INIT((size_t)1 << 28);
	_cleanup_free_ char *c_path = wp_path_join(dir, "guest.c");
	_cleanup_free_ char *h_path = wp_path_join(dir, "guest.h");
	int r = c_path && h_path ? wp_read_file(module, &wasm, err) : wp_error_oom(err);

	if (r == 0)
		r = wp_wabt_wasm2c((const uint8_t *)wasm.data, wasm.len, module, "guest", "guest.h",
				   &c, &h, err);
	if (r == 0)
		r = wp_write_file_atomic(c_path, c.data, c.len, 0644, err);
	if (r == 0)
		r = wp_write_file_atomic(h_path, h.data, h.len, 0644, err);
	/* wasm-rt.h beside them: a cross compiler must not read the host's
	 * /usr/include */
	if (r == 0) {
		wp_buf rt = WP_BUF_INIT(1 << 20);
		_cleanup_free_ char *rt_path = wp_path_join(dir, "wasm-rt.h");

		r = rt_path ? wp_read_file(WASM_RT_HEADER, &rt, err) : wp_error_oom(err);
		if (r == 0)
			r = wp_write_file_atomic(rt_path, rt.data, rt.len, 0644, err);
		wp_buf_release(&rt);
	}
	for (size_t i = 0; r == 0 && i < WP_ARRAY_SIZE(wasi_host_sources); i++) {
		_cleanup_free_ char *p = wp_path_join(dir, wasi_host_sources[i].name);
		const char *text = wasi_host_sources[i].text;

		r = p ? wp_write_file_atomic(p, text, strlen(text), 0644, err) : wp_error_oom(err);
	}
	wp_buf_release(&wasm);
	wp_buf_release(&c);
	wp_buf_release(&h);
	return r;
}

/* dir/name.o from dir/name.c (or from src); with_guest: the host's files,
 * compiled against the module's header. */
static int compile(const char *cc, const char *dir, const char *src, const char *obj,
		   bool with_guest, wp_error **err)
{
	_cleanup_free_ char *inc = wp_strdup_printf("-I%s", dir);
	_cleanup_free_ char *guest = wp_path_join(dir, "guest.h");
	_cleanup_free_ char *o = wp_path_join(dir, obj);
	const char *argv[16];
	size_t k = 0;

	if (!inc || !guest || !o)
		return wp_error_oom(err);
	argv[k++] = cc;
	argv[k++] = "-O2";
	argv[k++] = "-std=gnu11";
	argv[k++] = "-D_GNU_SOURCE";
	argv[k++] = "-w";
	argv[k++] = inc;
	argv[k++] = "-I" WASM_RT_DIR;
	if (with_guest) {
		argv[k++] = "-include";
		argv[k++] = guest;
	}
	argv[k++] = "-c";
	argv[k++] = src;
	argv[k++] = "-o";
	argv[k++] = o;
	argv[k] = NULL;
	return run_cc(argv, err);
}

const char *native_host_arch(void)
{
#if defined(__x86_64__)
	return "amd64";
#elif defined(__aarch64__)
	return "arm64";
#else
	return NULL;
#endif
}

/* The compiler for arch: this machine's, or Debian's cross compiler. */
static const char *compiler_for(const char *arch)
{
	/* getenv read once: the analyzer takes each call for a new value */
	const char *host = native_host_arch(), *cc = getenv("CC");

	if (host && strcmp(arch, host) == 0)
		return cc && *cc ? cc : "cc";
	return strcmp(arch, "arm64") == 0 ? "aarch64-linux-gnu-gcc" : "x86_64-linux-gnu-gcc";
}

int native_build_make(const char *module, const char *arch, struct native_build *out,
		      wp_error **err)
{
	struct native_build b = {.arch = strcmp(arch, "arm64") == 0 ? "arm64" : "amd64"};
	const char *tmp = getenv("TMPDIR"), *cc = compiler_for(b.arch);
	wp_strv link = {0};
	int r = 0;

	if (strcmp(arch, "amd64") != 0 && strcmp(arch, "arm64") != 0)
		return wp_error_set(err, WP_EUSAGE,
				    "--aot-platforms: linux/%s: only linux/amd64 and linux/arm64",
				    arch);
	if (!strchr(cc, '/') && !wp_on_path(cc))
		return wp_error_set(
			err, WP_ENOTFOUND,
			"--aot native for linux/%s needs %s (Debian: apt-get install %s)", b.arch,
			cc,
			strcmp(b.arch, "arm64") == 0
				? "gcc-aarch64-linux-gnu libc6-dev-arm64-cross"
				: "gcc-x86-64-linux-gnu libc6-dev-amd64-cross");
	if (access(WASM_RT_DIR "/wasm-rt-impl.c", R_OK) != 0)
		return wp_error_set(err, WP_ENOTFOUND,
				    "--aot native needs wabt's wasm2c runtime (%s/wasm-rt-impl.c): "
				    "apt-get install wabt",
				    WASM_RT_DIR);
	if (!(b.tmp_dir =
		      wp_strdup_printf("%s/wasmpack-native-XXXXXX", tmp && *tmp ? tmp : "/tmp")) ||
	    !mkdtemp(b.tmp_dir))
		r = wp_error_set_errno(err, errno, "cannot create a temporary directory");
	if (r == 0)
		r = write_sources(module, b.tmp_dir, err);
	if (r == 0) {
		_cleanup_free_ char *guest = wp_path_join(b.tmp_dir, "guest.c");

		r = guest ? compile(cc, b.tmp_dir, guest, "guest.o", false, err)
			  : wp_error_oom(err);
	}
	if (r == 0)
		r = compile(cc, b.tmp_dir, WASM_RT_DIR "/wasm-rt-impl.c", "rt.o", false, err);
	for (size_t i = 0; r == 0 && i < WP_ARRAY_SIZE(wasi_host_sources); i++) {
		const char *name = wasi_host_sources[i].name;
		_cleanup_free_ char *src = NULL, *obj = NULL;

		if (!wp_str_has_suffix(name, ".c"))
			continue;
		src = wp_path_join(b.tmp_dir, name);
		obj = wp_strdup_printf("%.*s.o", (int)strlen(name) - 2, name);
		r = src && obj ? compile(cc, b.tmp_dir, src, obj, true, err) : wp_error_oom(err);
	}
	if (r == 0 && !(b.exe = wp_path_join(b.tmp_dir, "program")))
		r = wp_error_oom(err);
	/* static where the C library allows it: the image holds nothing else */
	for (int attempt = 0; r == 0 && attempt < 2; attempt++) {
		wp_error *e = NULL;

		b.is_static = attempt == 0;
		wp_strv_release(&link);
		r = wp_strv_push(&link, cc, err);
		if (r == 0 && b.is_static)
			r = wp_strv_push(&link, "-static", err);
		/* stripped: symbols would only make the image bigger (a trap's
		 * message does not need them) */
		if (r == 0)
			r = wp_strv_push(&link, "-s", err);
		if (r == 0)
			r = wp_strv_push(&link, "-o", err);
		if (r == 0)
			r = wp_strv_push(&link, b.exe, err);
		for (size_t i = 0; r == 0 && i < WP_ARRAY_SIZE(wasi_host_sources); i++) {
			const char *name = wasi_host_sources[i].name;
			_cleanup_free_ char *obj = NULL;

			if (!wp_str_has_suffix(name, ".c"))
				continue;
			obj = wp_strdup_printf("%s/%.*s.o", b.tmp_dir, (int)strlen(name) - 2, name);
			r = obj ? wp_strv_push(&link, obj, err) : wp_error_oom(err);
		}
		{
			_cleanup_free_ char *g = wp_path_join(b.tmp_dir, "guest.o");
			_cleanup_free_ char *rt = wp_path_join(b.tmp_dir, "rt.o");

			if (r == 0)
				r = g ? wp_strv_push(&link, g, err) : wp_error_oom(err);
			if (r == 0)
				r = rt ? wp_strv_push(&link, rt, err) : wp_error_oom(err);
		}
		if (r == 0)
			r = wp_strv_push(&link, "-lm", err);
		if (r < 0)
			break;
		r = run_cc((const char *const *)link.items, &e);
		if (r == 0 || !b.is_static) {
			if (r < 0)
				wp_error_move(err, e, r);
			else
				wp_error_free(e);
			break;
		}
		wp_log_debug("a static link failed (%s); linking dynamically", e->message);
		wp_error_free(e);
		r = 0;
	}
	wp_strv_release(&link);
	if (r < 0) {
		native_build_release(&b);
		return r;
	}
	wp_log_info("%s: compiled natively for linux/%s (%s), %s", module, b.arch, cc,
		    b.is_static ? "statically linked" : "dynamically linked");
	*out = b;
	return 0;
}

void native_build_release(struct native_build *b)
{
	if (b->tmp_dir)
		wp_remove_tree(b->tmp_dir, NULL);
	free(b->tmp_dir);
	free(b->exe);
	memset(b, 0, sizeof(*b));
}
