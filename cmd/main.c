/* wasmpack: a Wasm-aware OCI image builder and registry client.
 * This file holds the command table, the global options and dispatch. */
#include <locale.h>

#include "cmd.h"
#include "../lib/log.h"
#include "../lib/version.h"
#include "../lib/common.h"

#ifdef __clang_analyzer__
#undef cmd_handle_global
#undef cmd_bad_option
#undef cmd_usage_error
#undef cmd_usage_from
#undef cmd_fail
#endif

static const wp_command *const commands[] = {
	&cmd_build, &cmd_push,	 &cmd_pull,	&cmd_copy,     &cmd_inspect, &cmd_run,
	&cmd_tag,   &cmd_ls,	 &cmd_digest,	&cmd_delete,   &cmd_attach,  &cmd_discover,
	&cmd_login, &cmd_logout, &cmd_validate, &cmd_optimize, &cmd_init,    &cmd_version,
};

static const char usage_head[] =
	"Usage: wasmpack [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]\n"
	"\n"
	"Build WebAssembly modules into OCI images for the wasi/wasm platform, with no\n"
	"Docker daemon.\n"
	"\n"
	"Commands:\n";

static const char usage_tail[] =
	"\n"
	"Global options:\n"
	"  -q, --quiet     print only results and warnings\n"
	"      --debug     print every step (never credentials)\n"
	"  -h, --help      print this help\n"
	"  -v, --version   print the version\n"
	"\n"
	"Run 'wasmpack help COMMAND' or 'wasmpack COMMAND --help' for a command's options.\n"
	"Exit status: 0 success, 1 failure, 2 usage error.\n";

const wp_command *cmd_find(const char *name)
{
	for (size_t i = 0; i < WP_ARRAY_SIZE(commands); i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

static void print_usage(FILE *out)
{
	fputs(usage_head, out);
	for (size_t i = 0; i < WP_ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
	fputs("  help       show the help of a command\n", out);
	fputs(usage_tail, out);
}

void cmd_print_help(const wp_command *cmd, FILE *out)
{
	fputs(cmd->help, out);
}

int cmd_handle_global(const wp_command *cmd, int c, int *status)
{
	switch (c) {
	case OPT_GLOBAL_QUIET:
		wp_log_set_level(WP_LOG_QUIET);
		return 0;
	case OPT_GLOBAL_DEBUG:
		wp_log_set_level(WP_LOG_DEBUG);
		return 0;
	case OPT_GLOBAL_HELP:
		cmd_print_help(cmd, stdout);
		*status = EXIT_OK;
		return 1;
	default:
		return 0;
	}
}

int cmd_usage_error(const wp_command *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "wasmpack %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'wasmpack %s --help')\n", cmd->name);
	return EXIT_USAGE;
}

int cmd_bad_option(const wp_command *cmd, int argc, char **argv, int c)
{
	const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "?";

	if (c == ':')
		return cmd_usage_error(cmd, "option \"%s\" needs a value", arg);
	if (optopt && optopt < 0x100 && strncmp(arg, "--", 2) != 0)
		return cmd_usage_error(cmd, "unknown option \"-%c\"", optopt);
	return cmd_usage_error(cmd, "unknown option \"%s\"", arg);
}

int cmd_usage_from(const wp_command *cmd, wp_error *err)
{
	int status = cmd_usage_error(cmd, "%s", err && err->message ? err->message : "bad usage");

	wp_error_free(err);
	return status;
}

int cmd_fail(wp_error *err)
{
	int status = err && err->code == WP_EUSAGE ? EXIT_USAGE : EXIT_FAIL;

	fprintf(stderr, "wasmpack: %s\n", err && err->message ? err->message : "unknown error");
	wp_error_free(err);
	return status;
}

static int run_help(int argc, char **argv)
{
	const wp_command *cmd;

	if (argc < 2) {
		print_usage(stdout);
		return EXIT_OK;
	}
	if (!(cmd = cmd_find(argv[1]))) {
		fprintf(stderr, "wasmpack: unknown command \"%s\" (see 'wasmpack --help')\n",
			argv[1]);
		return EXIT_USAGE;
	}
	cmd_print_help(cmd, stdout);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	const wp_command *cmd;
	int i;

	setlocale(LC_ALL, "C");
	/* global options before the command */
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			wp_log_set_level(WP_LOG_QUIET);
		} else if (strcmp(a, "--debug") == 0) {
			wp_log_set_level(WP_LOG_DEBUG);
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			print_usage(stdout);
			return EXIT_OK;
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--version") == 0) {
			return cmd_version.run(1, (char *[]){(char *)"version", NULL});
		} else {
			fprintf(stderr,
				"wasmpack: unknown global option \"%s\" (see 'wasmpack --help')\n",
				a);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[i], "help") == 0)
		return run_help(argc - i, argv + i);
	if (!(cmd = cmd_find(argv[i]))) {
		fprintf(stderr, "wasmpack: unknown command \"%s\" (see 'wasmpack --help')\n",
			argv[i]);
		return EXIT_USAGE;
	}
	/* getopt in the command starts from its own argv[0] */
	optind = 1;
	return cmd->run(argc - i, argv + i);
}
