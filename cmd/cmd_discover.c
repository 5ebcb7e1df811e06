/* wasmpack discover: the OCI 1.1 referrers of an image in a registry. */
#include "remote_cmd.h"
#include "../lib/json.h"
#include "output_format.h"
#include "../oci/referrers.h"
#include "../oci/remote.h"
#include "../lib/common.h"

static int run_discover(int argc, char **argv);

const wp_command cmd_discover = {
	"discover",
	"list the referrers of an image (signatures, SBOMs)",
	run_discover,
	"Usage: wasmpack discover [OPTIONS] REF\n"
	"\n"
	"List the manifests that refer to the image REF names (OCI 1.1 referrers:\n"
	"their subject is REF's manifest): from the registry's referrers API, else\n"
	"from the index at the tag sha256-<hex of REF's digest> that clients keep on\n"
	"registries without it (ghcr.io, Docker Hub, distribution 2.8).\n"
	"\n"
	"Text output: one line per referrer, DIGEST  ARTIFACT-TYPE  SIZE  TITLE\n"
	"(TITLE: its org.opencontainers.image.title annotation, when it has one).\n"
	"JSON output: {\"subject\": DESCRIPTOR, \"referrers\": [DESCRIPTOR...],\n"
	"\"mechanism\": \"api\" or \"tag\"}.\n"
	"\n"
	"REF: [REGISTRY[:PORT]/]NAME[:TAG|@DIGEST]\n"
	"\n"
	"Options:\n"
	"      --artifact-type TYPE    only the referrers of this artifact type\n" OUTPUT_FORMAT_HELP
	"\n" REMOTE_CMD_OPTIONS_HELP "\n"
	"Examples:\n"
	"  wasmpack discover ghcr.io/acme/app:1.0\n"
	"  wasmpack discover --artifact-type application/spdx+json --format json \\\n"
	"      ghcr.io/acme/app:1.0 | jq -r '.referrers[].digest'\n"
	"See also: wasmpack attach, docs/referrers.md.\n",
};

enum {
	OPT_ARTIFACT_TYPE = 0x2100,
};

struct discover_args {
	const char *artifact_type;
};

static int discover_option(remote_cmd *c, int opt, const char *arg, wp_error **err)
{
	struct discover_args *a = c->ctx;

	(void)err; /* --artifact-type takes any value */
	switch (opt) {
	case OPT_ARTIFACT_TYPE:
		a->artifact_type = arg;
		return 1;
	default:
		return 0;
	}
}

static void print_text(const wp_index *refs)
{
	for (size_t i = 0; i < refs->n_manifests; i++) {
		const wp_descriptor *d = &refs->manifests[i];
		const char *title = wp_kv_get(&d->annotations, "org.opencontainers.image.title");

		printf("%s  %s  %" PRId64 "%s%s\n", d->digest,
		       d->artifact_type ? d->artifact_type : "-", d->size, title ? "  " : "",
		       title ? title : "");
	}
}

static int print_json(const wp_descriptor *subject, const wp_referrers *refs, wp_error **err)
{
	_cleanup_json_ json_t *j = json_object();
	json_t *list = json_array(), *d = NULL;
	int r = j && list ? wp_json_set_new(j, "referrers", list, err) : wp_error_oom(err);

	if (!j)
		json_decref(list);
	if (r == 0 && (r = wp_descriptor_to_json(subject, &d, err)) == 0)
		r = wp_json_set_new(j, "subject", d, err);
	if (r == 0)
		r = wp_json_set_string(j, "mechanism", wp_referrers_mechanism_name(refs->mechanism),
				       "mechanism", err);
	for (size_t i = 0; r == 0 && i < refs->index.n_manifests; i++)
		if ((r = wp_descriptor_to_json(&refs->index.manifests[i], &d, err)) == 0)
			r = wp_json_append_new(list, d, err);
	return r < 0 ? r : output_json_print(j, err);
}

static int discover(remote_cmd *c, wp_error **err)
{
	struct discover_args *a = c->ctx;
	wp_descriptor subject = {0};
	wp_referrers refs = {0};
	int r = wp_remote_resolve(c->reg, c->ref.repository, remote_ref_target(&c->ref), &subject,
				  err);

	if (r == 0)
		r = wp_referrers_list(c->reg, c->ref.repository, subject.digest, a->artifact_type,
				      &refs, err);
	if (r == 0 && c->a.json)
		r = print_json(&subject, &refs, err);
	else if (r == 0)
		print_text(&refs.index);
	if (r < 0)
		wp_error_prefix(err, "discover \"%s\"", c->a.args[0]);
	fflush(stdout);
	wp_referrers_release(&refs);
	wp_descriptor_release(&subject);
	return r;
}

static int run_discover(int argc, char **argv)
{
	static const struct option options[] = {
		{"artifact-type", required_argument, NULL, OPT_ARTIFACT_TYPE},
		{NULL, 0, NULL, 0},
	};
	struct discover_args a = {0};
	const remote_cmd_spec spec = {.min_args = 1,
				      .max_args = 1,
				      .missing = "the image (REF)",
				      .action = discover,
				      .options = options,
				      .option = discover_option,
				      .ctx = &a};

	return remote_cmd_run(&cmd_discover, argc, argv, &spec);
}
