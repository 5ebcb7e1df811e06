/* wasmpack ls: the tags of a repository. */
#include "remote_cmd.h"
#include "../oci/remote.h"
#include "../lib/common.h"

static int run_ls(int argc, char **argv);

const wp_command cmd_ls = {
	"ls",
	"list the tags of a repository",
	run_ls,
	"Usage: wasmpack ls [OPTIONS] REPO\n"
	"\n"
	"Print every tag of REPO ([REGISTRY[:PORT]/]NAME), one per line, in the\n"
	"registry's order, following its pages (Link headers) to the end.\n"
	"\n"
	"Options:\n"
	"      --page-size N           ask for N tags per request (default: the\n"
	"                              registry's own page size)\n" REMOTE_CMD_OPTIONS_HELP "\n"
	"Example:\n"
	"  wasmpack ls ghcr.io/acme/app\n",
};

static int list_tags(remote_cmd *c, wp_error **err)
{
	wp_strv tags = {0};
	int r = 0;

	if (c->ref.tag || c->ref.digest)
		return wp_error_set(err, WP_EUSAGE,
				    "\"%s\": name a repository, without a tag or digest",
				    c->a.args[0]);
	r = wp_remote_list_tags(c->reg, c->ref.repository, c->a.page, &tags, err);
	for (size_t i = 0; r == 0 && i < tags.len; i++)
		printf("%s\n", tags.items[i]);
	wp_strv_release(&tags);
	return r;
}

static int run_ls(int argc, char **argv)
{
	static const remote_cmd_spec spec = {.min_args = 1,
					     .max_args = 1,
					     .missing = "the repository (REPO)",
					     .paging = true,
					     .action = list_tags};

	return remote_cmd_run(&cmd_ls, argc, argv, &spec);
}
