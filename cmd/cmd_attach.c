/* wasmpack attach: an OCI 1.1 referrer (an SBOM, a signature, ...) of an
 * image in a registry. */
#include "annotation_arg.h"
#include "remote_cmd.h"
#include "output_format.h"
#include "../oci/config.h"
#include "../oci/mediatype.h"
#include "../oci/referrers.h"
#include "../oci/remote.h"
#include "../lib/common.h"

static int run_attach(int argc, char **argv);

const wp_command cmd_attach = {
	"attach",
	"attach files to an image as an OCI 1.1 referrer",
	run_attach,
	"Usage: wasmpack attach [OPTIONS] --artifact-type TYPE REF FILE...\n"
	"\n"
	"Push FILEs as an artifact that refers to the image REF names (OCI 1.1\n"
	"referrers): an image manifest of artifactType TYPE with the empty config,\n"
	"each FILE a layer (titled with its name), and REF's manifest as its\n"
	"subject. The image, its digest and its tags do not change. A registry with\n"
	"the referrers API indexes the artifact itself; elsewhere (ghcr.io, Docker\n"
	"Hub, distribution 2.8) the index at the tag sha256-<hex of REF's digest>\n"
	"gains an entry. Prints NAME@DIGEST of the artifact's manifest on stdout.\n"
	"\n"
	"REF: [REGISTRY[:PORT]/]NAME[:TAG|@DIGEST]\n"
	"\n"
	"Options:\n"
	"      --artifact-type TYPE    the artifact's type (required), such as\n"
	"                              application/spdx+json\n"
	"      --media-type TYPE       the media type of every FILE (default:\n"
	"                              application/json for *.json, else\n"
	"                              application/octet-stream)\n"
	"      --annotation KEY=VALUE  an annotation of the artifact's manifest\n"
	"                              (repeatable)\n" OUTPUT_FORMAT_HELP REMOTE_CMD_OPTIONS_HELP
	"\n"
	"Environment:\n"
	"  SOURCE_DATE_EPOCH           when set, the manifest's\n"
	"                              org.opencontainers.image.created (else none:\n"
	"                              attaching the same files twice gives the same\n"
	"                              digest)\n"
	"\n"
	"Examples:\n"
	"  wasmpack attach --artifact-type application/spdx+json \\\n"
	"      ghcr.io/acme/app:1.0 sbom.spdx.json\n"
	"  wasmpack attach --annotation org.opencontainers.image.title=signature \\\n"
	"      --artifact-type application/vnd.dev.sigstore.bundle.v0.3+json \\\n"
	"      ghcr.io/acme/app@sha256:... app.sigstore.json\n"
	"See also: wasmpack discover, docs/referrers.md.\n",
};

enum {
	OPT_ARTIFACT_TYPE = 0x2100,
	OPT_MEDIA_TYPE,
	OPT_ANNOTATION,
};

struct attach_args {
	const char *artifact_type, *media_type;
	wp_kv annotations;
};

static int add_annotation(struct attach_args *a, const char *arg, wp_error **err)
{
	struct annotation_arg an = {0};
	int r = annotation_arg_parse(arg, &an, err);

	if (r == 0 && (an.levels != ANNOTATION_MANIFEST || an.platform))
		r = wp_error_set(err, WP_EUSAGE,
				 "--annotation \"%s\": a referrer has manifest annotations only",
				 arg);
	if (r == 0)
		r = wp_kv_set(&a->annotations, an.key, an.value, err);
	annotation_arg_release(&an);
	return r < 0 ? r : 1;
}

static int attach_option(remote_cmd *c, int opt, const char *arg, wp_error **err)
{
	struct attach_args *a = c->ctx;

	switch (opt) {
	case OPT_ARTIFACT_TYPE:
		a->artifact_type = arg;
		return 1;
	case OPT_MEDIA_TYPE:
		a->media_type = arg;
		return 1;
	case OPT_ANNOTATION:
		return add_annotation(a, arg, err);
	default:
		return 0;
	}
}

/* --artifact-type is there; SOURCE_DATE_EPOCH gives the created time. */
static int check_args(remote_cmd *c, wp_error **err)
{
	struct attach_args *a = c->ctx;
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	char when[32];
	int64_t t;

	if (!a->artifact_type || !*a->artifact_type)
		return wp_error_set(err, WP_EUSAGE, "missing --artifact-type");
	if (a->media_type && !*a->media_type)
		return wp_error_set(err, WP_EUSAGE, "--media-type: empty");
	if (!sde || !*sde || wp_kv_get(&a->annotations, WP_ANNOTATION_CREATED))
		return 0;
	if (wp_parse_int64(sde, 0, 253402300799LL, "SOURCE_DATE_EPOCH", &t, err) < 0) {
		(*err)->code = WP_EUSAGE;
		return WP_EUSAGE;
	}
	if (wp_format_rfc3339(t, when, err) < 0)
		return wp_error_code(*err);
	return wp_kv_set(&a->annotations, WP_ANNOTATION_CREATED, when, err);
}

static int attach(remote_cmd *c, wp_error **err)
{
	struct attach_args *a = c->ctx;
	const char *target = remote_ref_target(&c->ref);
	size_t n = (size_t)c->a.n_args - 1;
	wp_referrer_blob *blobs = calloc(n, sizeof(*blobs));
	wp_attach_options o = {a->artifact_type, &a->annotations, NULL};
	wp_descriptor subject = {0};
	wp_attach_result res;
	int r = blobs ? 0 : wp_error_oom(err);

	for (size_t i = 0; r == 0 && i < n; i++)
		blobs[i] =
			(wp_referrer_blob){.path = c->a.args[i + 1], .media_type = a->media_type};
	if (r == 0)
		r = wp_remote_resolve(c->reg, c->ref.repository, target, &subject, err);
	if (r == 0)
		r = wp_referrers_attach(c->reg, c->ref.repository, &subject, blobs, n, &o, &res,
					err);
	if (r == 0 && c->a.json)
		r = output_json_pack_print(err, "{s:s,s:s,s:I,s:s,s:s,s:s}", "reference",
					   c->a.args[0], "digest", res.digest, "size",
					   (json_int_t)res.size, "artifactType", a->artifact_type,
					   "subject", subject.digest, "mechanism",
					   wp_referrers_mechanism_name(res.mechanism));
	else if (r == 0) {
		printf("%s/%s@%s\n", c->ref.registry, c->ref.repository, res.digest);
		fflush(stdout);
	}
	if (r < 0 && (*err)->code != WP_EUSAGE) {
		wp_error_prefix(err, "attach to \"%s\"", c->a.args[0]);
	}
	wp_descriptor_release(&subject);
	free(blobs);
	return r;
}

static int run_attach(int argc, char **argv)
{
	static const struct option options[] = {
		{"artifact-type", required_argument, NULL, OPT_ARTIFACT_TYPE},
		{"media-type", required_argument, NULL, OPT_MEDIA_TYPE},
		{"annotation", required_argument, NULL, OPT_ANNOTATION},
		{NULL, 0, NULL, 0},
	};
	struct attach_args a = {0};
	const remote_cmd_spec spec = {.min_args = 2,
				      .max_args = 100000,
				      .missing = "the files to attach (REF FILE...)",
				      .action = attach,
				      .options = options,
				      .option = attach_option,
				      .check = check_args,
				      .ctx = &a};
	int status = remote_cmd_run(&cmd_attach, argc, argv, &spec);

	wp_kv_release(&a.annotations);
	return status;
}
