/* wasmpack digest: the digest a reference resolves to. */
#include "output_format.h"
#include "remote_cmd.h"
#include "../oci/remote.h"
#include "../lib/common.h"

static int run_digest(int argc, char **argv);

const wp_command cmd_digest = {
	"digest",
	"print the digest an image reference resolves to",
	run_digest,
	"Usage: wasmpack digest [OPTIONS] REF\n"
	"\n"
	"Print the digest of the manifest (or index) REF names, as the registry\n"
	"states it (HEAD; the manifest is read and hashed when the registry states no\n"
	"digest). Nothing is downloaded otherwise.\n"
	"\n"
	"Options:\n" OUTPUT_FORMAT_HELP REMOTE_CMD_OPTIONS_HELP "\n"
	"Example:\n"
	"  wasmpack digest ghcr.io/acme/app:1.0\n",
};

static int print_digest(remote_cmd *c, wp_error **err)
{
	wp_descriptor d = {0};
	_cleanup_free_ char *ref = NULL;
	int r = wp_remote_resolve(c->reg, c->ref.repository, remote_ref_target(&c->ref), &d, err);

	if (r == 0 && !c->a.json)
		printf("%s\n", d.digest);
	else if (r == 0 && !(ref = remote_ref_full(&c->ref)))
		r = wp_error_oom(err);
	else if (r == 0)
		r = output_json_pack_print(err, "{s:s,s:s,s:s,s:I}", "reference", ref, "digest",
					   d.digest, "mediaType", d.media_type, "size",
					   (json_int_t)d.size);
	wp_descriptor_release(&d);
	return r;
}

static int run_digest(int argc, char **argv)
{
	static const remote_cmd_spec spec = {.min_args = 1,
					     .max_args = 1,
					     .missing = "the reference (REF)",
					     .action = print_digest};

	return remote_cmd_run(&cmd_digest, argc, argv, &spec);
}
