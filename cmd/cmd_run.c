/* wasmpack run: an image's module (or a module) run here, for a quick check,
 * by a Wasm runtime found on PATH. */
#include <sys/stat.h>
#include <sys/wait.h>

#include "cmd.h"
#include "image_view.h"
#include "remote_cmd.h"
#include "../lib/fileio.h"
#include "../lib/process.h"
#include "../lib/json.h"
#include "../lib/log.h"
#include "../lib/str.h"
#include "../oci/image_wasm.h"
#include "../oci/manifest.h"
#include "../oci/mediatype.h"
#include "../oci/pull.h"
#include "../oci/source.h"
#include "../lib/common.h"

static int run_run(int argc, char **argv);

const wp_command cmd_run = {
	"run",
	"run an image's module (or a module) here with a Wasm runtime",
	run_run,
	"Usage: wasmpack run [OPTIONS] SOURCE [-- ARGS...]\n"
	"\n"
	"Run the module an image runs (as 'pull --wasm' finds it) with the first Wasm\n"
	"runtime found on PATH: wasmtime, wasmedge, iwasm, then Node's node:wasi (an\n"
	"image with a native build for this machine, from --aot native, runs that). The\n"
	"image's Cmd is the default ARGS and its Env the environment; the exit status\n"
	"is the module's. For a quick check, not for production: the runtime's own\n"
	"sandbox applies, and only what --dir names is visible.\n"
	"\n"
	"SOURCE: MODULE.wasm, an image reference, DIR, oci:DIR[:NAME],\n"
	"        oci-archive:FILE[:NAME] or docker-archive:FILE[:NAME]\n"
	"\n"
	"Options:\n"
	"  -e, --env KEY=VALUE         set a variable (repeatable; over the image's)\n"
	"      --dir HOST[:GUEST]      make a host directory visible at GUEST\n"
	"                              (default: the same path; repeatable)\n"
	"      --runtime NAME          native, wasmtime, wasmedge, iwasm or node\n"
	"      --platform OS/ARCH      the image to take from an index\n" REMOTE_CMD_OPTIONS_HELP
	"\n"
	"Examples:\n"
	"  wasmpack run hello.wasm -- world\n"
	"  wasmpack run ghcr.io/acme/app:1.0 -e RUST_LOG=debug --dir ./data:/data\n",
};

enum {
	OPT_DIR = 0x2000,
	OPT_RUNTIME,
	OPT_PLATFORM,
};

struct run_args {
	const char *source;
	const char *runtime;
	const char *platform;
	wp_strv env;
	wp_strv dirs; /* "HOST:GUEST" */
	char **args;  /* after --, or NULL: the image's Cmd */
	int n_args;
	bool has_args;
	struct remote_args remote;
};

/* The runtimes, in the order they are looked for. */
static const char *const runtimes[] = {"wasmtime", "wasmedge", "iwasm", "node"};

/* Node has no runner of its own: a driver written next to the module. */
static const char node_driver[] =
	"// wasmpack run's driver for node:wasi\n"
	"import { WASI } from 'node:wasi';\n"
	"import fs from 'node:fs';\n"
	"const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));\n"
	"const wasi = new WASI({ version: 'preview1', args: spec.args, env: spec.env,\n"
	"  preopens: spec.preopens, returnOnExit: true });\n"
	"const module = await WebAssembly.compile(fs.readFileSync(spec.module));\n"
	"const instance = await WebAssembly.instantiate(module, wasi.getImportObject());\n"
	"process.exitCode = wasi.start(instance);\n";

/* The argv for runtime `rt`; strings owned by `keep`. */
static int runtime_argv(const char *rt, const char *module, const char *argv0, const wp_strv *args,
			const wp_strv *env, const wp_strv *dirs, const char *tmp_dir, wp_strv *out,
			wp_error **err)
{
	int r = wp_strv_push(out, rt, err);

	if (r == 0 && strcmp(rt, "node") == 0) {
		_cleanup_json_ json_t *spec = json_object(), *a = json_array(), *e = json_object(),
				      *pre = json_object();
		_cleanup_free_ char *driver = wp_path_join(tmp_dir, "run.mjs");
		_cleanup_free_ char *spec_path = wp_path_join(tmp_dir, "run.json");
		_cleanup_free_ char *text = NULL;

		json_array_append_new(a, json_string(argv0));
		for (size_t i = 0; i < args->len; i++)
			json_array_append_new(a, json_string(args->items[i]));
		for (size_t i = 0; i < env->len; i++) {
			const char *eq = strchr(env->items[i], '=');
			_cleanup_free_ char *k =
				eq ? strndup(env->items[i], (size_t)(eq - env->items[i])) : NULL;

			if (k)
				json_object_set_new(e, k, json_string(eq + 1));
		}
		for (size_t i = 0; i < dirs->len; i++) {
			const char *colon = strchr(dirs->items[i], ':');
			_cleanup_free_ char *host =
				strndup(dirs->items[i], (size_t)(colon - dirs->items[i]));

			if (host)
				json_object_set_new(pre, colon + 1, json_string(host));
		}
		json_object_set_new(spec, "module", json_string(module));
		json_object_set_new(spec, "args", json_incref(a));
		json_object_set_new(spec, "env", json_incref(e));
		json_object_set_new(spec, "preopens", json_incref(pre));
		text = json_dumps(spec, 0);
		if (!driver || !spec_path || !text)
			return wp_error_oom(err);
		if ((r = wp_write_file_atomic(driver, node_driver, strlen(node_driver), 0644,
					      err)) < 0 ||
		    (r = wp_write_file_atomic(spec_path, text, strlen(text), 0600, err)) < 0)
			return r;
		r = wp_strv_push(out, "--no-warnings", err);
		if (r == 0)
			r = wp_strv_push(out, driver, err);
		return r == 0 ? wp_strv_push(out, spec_path, err) : r;
	}
	if (r == 0 && strcmp(rt, "wasmtime") == 0)
		r = wp_strv_push(out, "run", err);
	for (size_t i = 0; r == 0 && i < dirs->len; i++) {
		const char *colon = strchr(dirs->items[i], ':');
		_cleanup_free_ char *host =
			strndup(dirs->items[i], (size_t)(colon - dirs->items[i]));
		_cleanup_free_ char *arg =
			!host ? NULL
			: strcmp(rt, "wasmtime") == 0
				? wp_strdup_printf("--dir=%s::%s", host, colon + 1)
			: strcmp(rt, "wasmedge") == 0
				? wp_strdup_printf("--dir=%s:%s", colon + 1, host)
				: wp_strdup_printf("--map-dir=%s::%s", colon + 1, host);

		r = arg ? wp_strv_push(out, arg, err) : wp_error_oom(err);
	}
	for (size_t i = 0; r == 0 && i < env->len; i++) {
		_cleanup_free_ char *arg = wp_strdup_printf("--env=%s", env->items[i]);

		r = arg ? wp_strv_push(out, arg, err) : wp_error_oom(err);
	}
	if (r == 0 && strcmp(rt, "wasmtime") == 0)
		r = wp_strv_push(out, "--", err);
	if (r == 0)
		r = wp_strv_push(out, module, err);
	for (size_t i = 0; r == 0 && i < args->len; i++)
		r = wp_strv_push(out, args->items[i], err);
	return r;
}

/* Runs argv with the terminal's stdio; *status: its exit status. */
static int spawn(const wp_strv *argv, int *status, wp_error **err)
{
	_cleanup_free_ char **env = wp_process_child_env();
	pid_t pid;
	int st = 0;

	if (!env)
		return wp_error_oom(err);
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) < 0)
		return wp_error_set_errno(err, errno, "cannot start %s", argv->items[0]);
	if (pid == 0) {
		execvpe(argv->items[0], argv->items, env);
		fprintf(stderr, "wasmpack: cannot run %s: %s\n", argv->items[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return wp_error_set_errno(err, errno, "waiting for %s", argv->items[0]);
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return 0;
}

/* linux/<arch> of this machine, or NULL. */
static const char *host_platform(void)
{
#if defined(__x86_64__)
	return "linux/amd64";
#elif defined(__aarch64__)
	return "linux/arm64";
#else
	return NULL;
#endif
}

/* Whether the image's index has a native build (build --aot native) for
 * this machine. */
static bool has_native(const struct run_args *a, const wp_platform *native)
{
	struct image_view v = {0};
	wp_index idx = {0};
	const wp_descriptor *d = NULL;
	bool found = false;
	wp_error *e = NULL;

	if (image_view_open(&v, a->source, NULL, &a->remote, true, &e) == 0 &&
	    wp_media_type_is_index(v.top.media_type) &&
	    wp_index_parse(&idx, v.top_bytes.data, v.top_bytes.len, "index", &e) == 0)
		found = wp_index_pick(&idx, native, "index", &d, &e) == 0;
	wp_error_free(e);
	wp_index_release(&idx);
	image_view_release(&v);
	return found;
}

/* The native build, run as its own program: its root filesystem unpacked
 * into tmp, --dir and --env handed over with its own flags. */
static int run_native(const struct run_args *a, const wp_platform *native, const char *tmp,
		      int *status, wp_error **err)
{
	struct image_view v = {0};
	wp_strv argv = {0};
	wp_kv env = {0};
	_cleanup_free_ char *root = wp_path_join(tmp, "root"), *exe = NULL;
	int r = root ? image_view_open(&v, a->source, native, &a->remote, false, err)
		     : wp_error_oom(err);

	if (r == 0 && !(v.has_config && v.config.entrypoint.len))
		r = wp_error_set(err, WP_EINVALID, "the native image has no entrypoint");
	if (r == 0)
		r = wp_image_extract(v.l, &v.m, root, NULL, err);
	if (r == 0 && !(exe = wp_strdup_printf("%s%s", root, v.config.entrypoint.items[0])))
		r = wp_error_oom(err);
	if (r == 0)
		r = wp_strv_push(&argv, exe, err);
	for (size_t i = 0; r == 0 && i < a->dirs.len; i++) {
		const char *d = a->dirs.items[i];
		_cleanup_free_ char *arg =
			strchr(d, ':') ? strdup(d) : wp_strdup_printf("%s:%s", d, d);

		r = arg ? wp_strv_push(&argv, "--preopen", err) : wp_error_oom(err);
		if (r == 0)
			r = wp_strv_push(&argv, arg, err);
	}
	/* the image's variables, then --env's over them: each once */
	for (size_t i = 0; r == 0 && i < v.config.env.len + a->env.len; i++) {
		const char *kv = i < v.config.env.len ? v.config.env.items[i]
						      : a->env.items[i - v.config.env.len];
		const char *eq = strchr(kv, '=');
		_cleanup_free_ char *key = eq ? strndup(kv, (size_t)(eq - kv)) : NULL;

		if (key && strcmp(key, "WASMPACK_ENV") != 0)
			r = wp_kv_set(&env, key, eq + 1, err);
	}
	for (size_t i = 0; r == 0 && i < env.len; i++) {
		_cleanup_free_ char *kv =
			wp_strdup_printf("%s=%s", env.items[i].key, env.items[i].value);

		r = kv ? wp_strv_push(&argv, "--env", err) : wp_error_oom(err);
		if (r == 0)
			r = wp_strv_push(&argv, kv, err);
	}
	if (r == 0)
		r = wp_strv_push(&argv, "--argv0", err)
			    ?: wp_strv_push(&argv, v.config.entrypoint.items[0], err);
	if (r == 0)
		r = wp_strv_push(&argv, "--", err);
	for (int i = 0; r == 0 && a->has_args && i < a->n_args; i++)
		r = wp_strv_push(&argv, a->args[i], err);
	for (size_t i = 0; r == 0 && !a->has_args && i < v.config.cmd.len; i++)
		r = wp_strv_push(&argv, v.config.cmd.items[i], err);
	if (r == 0) {
		wp_log_info("running %s natively (%s)", a->source, v.config.entrypoint.items[0]);
		r = spawn(&argv, status, err);
	}
	wp_strv_release(&argv);
	wp_kv_release(&env);
	image_view_release(&v);
	return r;
}

static int run(const struct run_args *a, int *status, wp_error **err)
{
	struct image_view v = {0};
	wp_platform platform = {0};
	wp_strv args = {0}, env = {0}, dirs = {0}, argv = {0};
	const char *rt = a->runtime, *module = a->source, *argv0 = a->source;
	_cleanup_free_ char *tmp = NULL, *wasm = NULL;
	const char *t = getenv("TMPDIR");
	bool image = !wp_str_has_suffix(a->source, ".wasm") || wp_source_is_spec(a->source);
	int r = 0;

	if (image && !a->platform && (!rt || strcmp(rt, "native") == 0) && host_platform()) {
		wp_platform native = {0};
		bool there;

		if ((r = wp_platform_parse(&native, host_platform(), err)) < 0)
			return r;
		there = has_native(a, &native);
		if (!there && rt)
			r = wp_error_set(err, WP_ENOTFOUND,
					 "--runtime native: \"%s\" has no %s image (build it with "
					 "--aot native)",
					 a->source, host_platform());
		if (there && r == 0) {
			if (!(tmp = wp_strdup_printf("%s/wasmpack-run-XXXXXX",
						     t && *t ? t : "/tmp")) ||
			    !mkdtemp(tmp))
				r = wp_error_set_errno(err, errno,
						       "cannot create a temporary directory");
			else
				r = run_native(a, &native, tmp, status, err);
			if (tmp && tmp[0])
				wp_remove_tree(tmp, NULL);
		}
		wp_platform_release(&native);
		if (there || r < 0)
			return r;
	}
	if (rt) {
		bool known = false;

		for (size_t i = 0; i < WP_ARRAY_SIZE(runtimes); i++)
			known |= strcmp(rt, runtimes[i]) == 0;
		if (!known)
			return wp_error_set(err, WP_EUSAGE,
					    "--runtime \"%s\": expected wasmtime, wasmedge, iwasm "
					    "or node",
					    rt);
		if (!wp_on_path(rt))
			return wp_error_set(err, WP_ENOTFOUND, "--runtime %s: not found on PATH",
					    rt);
	}
	for (size_t i = 0; !rt && i < WP_ARRAY_SIZE(runtimes); i++)
		if (wp_on_path(runtimes[i]))
			rt = runtimes[i];
	if (!rt)
		return wp_error_set(err, WP_ENOTFOUND,
				    "no Wasm runtime found on PATH: install wasmtime, wasmedge, "
				    "iwasm or Node.js (apt-get install nodejs)");
	if (!(tmp = wp_strdup_printf("%s/wasmpack-run-XXXXXX", t && *t ? t : "/tmp")) ||
	    !mkdtemp(tmp))
		return wp_error_set_errno(err, errno, "cannot create a temporary directory");
	if (a->platform && (r = wp_platform_parse(&platform, a->platform, err)) < 0)
		(*err)->code = WP_EUSAGE;
	if (r == 0 && image)
		r = image_view_open(&v, a->source, a->platform ? &platform : NULL, &a->remote,
				    false, err);
	if (r == 0 && image && !(wasm = wp_path_join(tmp, "module.wasm")))
		r = wp_error_oom(err);
	if (r == 0 && image)
		r = image_view_write_wasm(&v, wasm, 0, err);
	if (r == 0 && image) {
		module = wasm;
		argv0 = v.has_config && v.config.entrypoint.len ? v.config.entrypoint.items[0]
								: "module.wasm";
		for (size_t i = 0; r == 0 && v.has_config && i < v.config.env.len; i++)
			r = wp_strv_push(&env, v.config.env.items[i], err);
		for (size_t i = 1;
		     r == 0 && !a->has_args && v.has_config && i < v.config.entrypoint.len; i++)
			r = wp_strv_push(&args, v.config.entrypoint.items[i], err);
		for (size_t i = 0; r == 0 && !a->has_args && v.has_config && i < v.config.cmd.len;
		     i++)
			r = wp_strv_push(&args, v.config.cmd.items[i], err);
	}
	for (int i = 0; r == 0 && a->has_args && i < a->n_args; i++)
		r = wp_strv_push(&args, a->args[i], err);
	for (size_t i = 0; r == 0 && i < a->env.len; i++)
		r = strchr(a->env.items[i], '=')
			    ? wp_strv_push(&env, a->env.items[i], err)
			    : wp_error_set(err, WP_EUSAGE, "--env \"%s\": expected KEY=VALUE",
					   a->env.items[i]);
	for (size_t i = 0; r == 0 && i < a->dirs.len; i++) {
		const char *d = a->dirs.items[i];
		_cleanup_free_ char *both =
			strchr(d, ':') ? strdup(d) : wp_strdup_printf("%s:%s", d, d);

		r = both ? wp_strv_push(&dirs, both, err) : wp_error_oom(err);
	}
	if (r == 0)
		r = runtime_argv(rt, module, argv0, &args, &env, &dirs, tmp, &argv, err);
	if (r == 0) {
		wp_log_info("running %s with %s", a->source, rt);
		r = spawn(&argv, status, err);
	}
	wp_remove_tree(tmp, NULL);
	image_view_release(&v);
	wp_platform_release(&platform);
	wp_strv_release(&args);
	wp_strv_release(&env);
	wp_strv_release(&dirs);
	wp_strv_release(&argv);
	return r;
}

static int run_run(int argc, char **argv)
{
	static const struct option options[] = {
		{"env", required_argument, NULL, 'e'},
		{"dir", required_argument, NULL, OPT_DIR},
		{"runtime", required_argument, NULL, OPT_RUNTIME},
		{"platform", required_argument, NULL, OPT_PLATFORM},
		REMOTE_OPTIONS,
		CMD_GLOBAL_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	struct run_args a = {.remote = REMOTE_ARGS_INIT};
	wp_error *err = NULL;
	int c, status = 0, r = 0;

	opterr = 0;
	/* options anywhere before --; what follows SOURCE is the module's */
	while ((c = getopt_long(argc, argv, ":e:qh", options, NULL)) != -1) {
		int handled = remote_cmd_common_option(&cmd_run, &a.remote, c, &status);

		if (handled < 0)
			return status;
		if (handled)
			continue;
		switch (c) {
		case 'e':
			r = wp_strv_push(&a.env, optarg, &err);
			break;
		case OPT_DIR:
			r = wp_strv_push(&a.dirs, optarg, &err);
			break;
		case OPT_RUNTIME:
			a.runtime = optarg;
			break;
		case OPT_PLATFORM:
			a.platform = optarg;
			break;
		case 'q':
		case OPT_GLOBAL_DEBUG:
			break;
		default:
			return cmd_bad_option(&cmd_run, argc, argv, c);
		}
		if (r < 0)
			return cmd_fail(err);
	}
	if (optind >= argc)
		return cmd_usage_error(&cmd_run, "missing what to run (SOURCE)");
	a.source = argv[optind++];
	a.has_args = optind < argc;
	a.args = argv + optind;
	a.n_args = argc - optind;
	r = run(&a, &status, &err);
	wp_strv_release(&a.env);
	wp_strv_release(&a.dirs);
	if (r < 0)
		return err && err->code == WP_EUSAGE ? cmd_usage_from(&cmd_run, err)
						     : cmd_fail(err);
	return status;
}
