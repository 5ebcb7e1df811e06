/* The entry of a native program made from a WASI module: wasm2c's translation (compiled
 * with module name "guest", see build-native.sh), this host, and wabt's runtime.
 *
 *   PROGRAM [--preopen HOST:GUEST]... [--env K=V]... [--argv0 NAME] [--] [ARG]...
 *
 * Host options come first and end at "--" or at the first word that is not one of them; the
 * rest are the guest's arguments after argv[0] (which is NAME, default this program's
 * argv[0]). The guest sees no host environment variable: only --env ones and those listed in
 * WASMPACK_ENV (newline-separated K=V). WASMPACK_PREOPENS (comma-separated HOST:GUEST) adds
 * preopens before the --preopen ones. HOST:GUEST splits at the last ':'.
 *
 * Exit status: the guest's proc_exit code (0 when _start returns); 134 and one line
 * "wasm trap: REASON" on stderr when the guest traps; 125 (and one line) when the host cannot
 * start it (bad option, preopen that does not open). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasi_host.h"
#include "wasm-rt-impl.h"
#include "guest.h"

#define EXIT_TRAP 134
#define EXIT_HOST 125

struct list {
	char **v;
	uint32_t n;
};

static void die(const char *prog, const char *fmt, const char *what)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, what);
	fputc('\n', stderr);
	exit(EXIT_HOST);
}

static void push(struct list *l, char *s)
{
	char **v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (v == NULL) {
		perror("wasmpack native");
		exit(EXIT_HOST);
	}
	v[l->n++] = s;
	l->v = v;
}

/* split_env: the items of VALUE separated by SEP (empty items skipped), pushed to L. */
static void split_env(struct list *l, const char *value, char sep)
{
	if (value == NULL)
		return;
	char *copy = strdup(value), *p = copy;
	if (copy == NULL) {
		perror("wasmpack native");
		exit(EXIT_HOST);
	}
	while (p != NULL) {
		char *next = strchr(p, sep);
		if (next != NULL)
			*next++ = '\0';
		if (*p != '\0')
			push(l, p);
		p = next;
	}
}

static void preopen(const char *prog, wh_ctx *ctx, char *spec)
{
	char *colon = strrchr(spec, ':');
	if (colon == NULL || colon == spec || colon[1] == '\0')
		die(prog, "--preopen \"%s\": expected HOST:GUEST", spec);
	*colon = '\0';
	if (wh_ctx_preopen(ctx, spec, colon + 1) != 0) {
		int e = errno;
		fprintf(stderr, "%s: preopen \"%s\": %s\n", prog, spec, strerror(e));
		exit(EXIT_HOST);
	}
}

int main(int argc, char **argv)
{
	const char *prog = argv[0];
	struct list preopens = {0}, env = {0}, args = {0};
	static wh_ctx ctx;
	static Z_guest_instance_t instance;
	char *argv0 = argv[0];
	int i = 1;

	split_env(&preopens, getenv("WASMPACK_PREOPENS"), ',');
	split_env(&env, getenv("WASMPACK_ENV"), '\n');
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (strcmp(a, "--preopen") == 0 || strcmp(a, "--env") == 0 ||
		    strcmp(a, "--argv0") == 0) {
			if (i + 1 >= argc)
				die(prog, "option \"%s\" needs a value", a);
			char *v = argv[++i];
			if (a[2] == 'p')
				push(&preopens, v);
			else if (a[2] == 'e')
				push(&env, v);
			else
				argv0 = v;
			continue;
		}
		break; /* the guest's first argument */
	}
	push(&args, argv0);
	for (; i < argc; i++)
		push(&args, argv[i]);
	for (uint32_t k = 0; k < env.n; k++)
		if (strchr(env.v[k], '=') == NULL)
			die(prog, "environment entry \"%s\": expected K=V", env.v[k]);

	if (wh_ctx_init(&ctx, args.n, args.v, env.n, env.v) != 0) {
		perror("wasmpack native");
		return EXIT_HOST;
	}
	for (uint32_t k = 0; k < preopens.n; k++)
		preopen(prog, &ctx, preopens.v[k]);

	wasm_rt_init();
	/* a trap anywhere below (data segments while instantiating, the guest's code) comes
	 * back here through longjmp with its code */
	int trap = wasm_rt_impl_try();
	if (trap != 0) {
		fflush(stdout);
		fprintf(stderr, "wasm trap: %s\n", wasm_rt_strerror((wasm_rt_trap_t)trap));
		return EXIT_TRAP;
	}
	Z_guest_init_module();
	Z_guest_instantiate(&instance, &ctx);
	ctx.memory = Z_guestZ_memory(&instance);
	Z_guestZ__start(&instance);
	return 0;
}
