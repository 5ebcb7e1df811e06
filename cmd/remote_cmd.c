#include "remote_cmd.h"
#include "output_format.h"
#include "../lib/str.h"
#include "../lib/common.h"

enum {
	OPT_PAGE_SIZE = 0x2000,
};

/* Parses argv (with --page-size when `paging`, --format always); min..max positional
 * arguments, `missing` named when there are too few. Returns -1 to go on,
 * else the exit status. */
static int parse(const wp_command *cmd, int argc, char **argv, int min, int max,
		 const char *missing, bool paging, remote_cmd_args *out)
{
	static const struct option options[] = {
		{"page-size", required_argument, NULL, OPT_PAGE_SIZE},
		OUTPUT_FORMAT_OPTION,
		REMOTE_OPTIONS,
		CMD_GLOBAL_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	wp_error *err = NULL;
	int64_t v;
	int c, status;

	*out = (remote_cmd_args){.remote = REMOTE_ARGS_INIT};
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":qh", options + (paging ? 0 : 1), NULL)) != -1) {
		int handled;

		if (cmd_handle_global(cmd, c, &status))
			return status;
		if ((handled = remote_args_handle(&out->remote, c, optarg, &err)) < 0)
			return cmd_usage_from(cmd, err);
		if (handled)
			continue;
		switch (c) {
		case OPT_PAGE_SIZE:
			if (wp_parse_int64(optarg, 1, 100000, "--page-size", &v, &err) < 0)
				return cmd_usage_from(cmd, err);
			out->page = (int)v;
			break;
		case OPT_OUTPUT_FORMAT:
			if ((status = output_format_parse(cmd, optarg, &out->json)))
				return status;
			break;
		case 'q':
			out->quiet = true;
			break;
		case OPT_GLOBAL_DEBUG:
			break;
		default:
			return cmd_bad_option(cmd, argc, argv, c);
		}
	}
	if (argc - optind < min)
		return cmd_usage_error(cmd, "missing %s", missing);
	if (argc - optind > max)
		return cmd_usage_error(cmd, "unexpected \"%s\"", argv[optind + max]);
	out->args = argv + optind;
	out->n_args = argc - optind;
	return -1;
}

int remote_cmd_run(const wp_command *cmd, int argc, char **argv, const remote_cmd_spec *spec)
{
	remote_cmd c = {.reg = NULL};
	wp_error *err = NULL;
	int r = parse(cmd, argc, argv, spec->min_args, spec->max_args, spec->missing, spec->paging,
		      &c.a);

	if (r >= 0)
		return r;
	r = remote_parse_reference(c.a.args[0], &c.ref, &err);
	if (r == 0)
		r = remote_args_open(&c.a.remote, c.ref.registry, &c.reg, &err);
	if (r == 0)
		r = spec->action(&c, &err);
	wp_registry_free(c.reg);
	wp_reference_release(&c.ref);
	if (r == 0)
		return EXIT_OK;
	if (err && err->code == WP_EUSAGE)
		return cmd_usage_from(cmd, err);
	return cmd_fail(err);
}

const char *remote_ref_target(const wp_reference *ref)
{
	return ref->digest ? ref->digest : ref->tag ? ref->tag : WP_DEFAULT_TAG;
}

char *remote_ref_full(const wp_reference *ref)
{
	return wp_strdup_printf("%s/%s%s%s", ref->registry, ref->repository,
				ref->digest ? "@" : ":", remote_ref_target(ref));
}

int remote_cmd_common_option(const wp_command *cmd, struct remote_args *ra, int c, int *status)
{
	wp_error *err = NULL;
	int handled;

	if (cmd_handle_global(cmd, c, status))
		return -1;
	if ((handled = remote_args_handle(ra, c, optarg, &err)) < 0) {
		*status = cmd_usage_from(cmd, err);
		return -1;
	}
	return handled;
}
