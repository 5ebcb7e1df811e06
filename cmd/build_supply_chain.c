#include <time.h>

#include "build_supply_chain.h"
#include "provenance.h"
#include "sbom.h"
#include "../lib/buf.h"
#include "../lib/digest.h"
#include "../lib/log.h"
#include "../lib/str.h"
#include "../oci/referrers.h"
#include "../wasmopt/module.h"
#include "../wasmopt/summary.h"
#include "../lib/common.h"

#define DOCUMENT_MAX (64 << 20)

typedef struct supply_chain_doc document;

typedef int make_fn(const struct build_supply_chain *b, char **names, document *doc,
		    wp_error **err);

static int make_sbom(const struct build_supply_chain *b, char **names, document *doc,
		     wp_error **err)
{
	wp_module *m = NULL;
	wp_module_summary s = {0};
	char digest[WP_DIGEST_SIZE];
	int64_t size = 0;
	int r = wp_sha256_file(b->module, digest, &size, err);

	if (r == 0)
		r = wp_module_read_file(&m, b->module, err);
	if (r == 0)
		r = wp_module_summarize_read(&s, m, err);
	if (r == 0) {
		struct sbom_input in = {
			.module_name = b->module_name,
			.module_digest = digest,
			.module_size = (uint64_t)size,
			.summary = &s,
			.image_names = (const char *const *)names,
			.n_image_names = b->n_tags,
			.image_digest = b->image->digest,
			.created = (int64_t)time(NULL),
		};

		r = sbom_spdx_json(&in, &doc->bytes, err);
	}
	wp_module_summary_release(&s);
	wp_module_free(m);
	return r;
}

static int make_provenance(const struct build_supply_chain *b, char **names, document *doc,
			   wp_error **err)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	bool reproducible = sde && *sde;
	struct provenance_github gh;
	struct provenance_material material = {wp_path_basename(b->input_module), NULL};
	char digest[WP_DIGEST_SIZE];
	int64_t size;
	int r = wp_sha256_file(b->input_module, digest, &size, err);
	struct provenance_input in = {
		.image_digest = b->image->digest,
		.tags = (const char *const *)names,
		.n_tags = b->n_tags,
		.inputs = b->inputs,
		.n_inputs = b->n_inputs,
		.platform = b->platform,
		.optimize = b->optimize,
		.aot = b->aot,
		.dockerfile = b->dockerfile,
		.context = b->context,
		.materials = &material,
		.n_materials = 1,
		.github = provenance_github_from_env(&gh) ? &gh : NULL,
		/* the run's times, except in a reproducible build */
		.started_on = reproducible ? 0 : b->started_on,
		.finished_on = reproducible ? 0 : (int64_t)time(NULL),
	};

	material.digest = digest;
	return r < 0 ? r : provenance_intoto_json(&in, &doc->bytes, err);
}

int build_supply_chain_attach(const struct build_supply_chain *b,
			      const struct supply_chain_docs *sc, wp_error **err)
{
	const document *docs = sc->docs;
	size_t n_docs = sc->n;
	int r = 0;

	for (size_t i = 0; r == 0 && i < b->n_tags; i++) {
		const wp_reference *t = &b->tags[i];
		wp_registry *reg = NULL;
		bool seen = false;

		for (size_t j = 0; j < i; j++)
			seen |= strcmp(b->tags[j].registry, t->registry) == 0 &&
				strcmp(b->tags[j].repository, t->repository) == 0;
		if (seen)
			continue;
		r = remote_args_open(b->remote, t->registry, &reg, err);
		for (size_t d = 0; r == 0 && d < n_docs; d++) {
			wp_referrer_blob blob = {.data = docs[d].bytes.data,
						 .len = docs[d].bytes.len,
						 .media_type = docs[d].artifact_type,
						 .title = docs[d].title};
			wp_attach_options o = {.artifact_type = docs[d].artifact_type};
			wp_attach_result res;

			r = wp_referrers_attach(reg, t->repository, b->image, &blob, 1, &o, &res,
						err);
			if (r == 0)
				wp_log_info("%s %s attached to %s/%s (%s)", docs[d].title,
					    res.digest, t->registry, t->repository,
					    wp_referrers_mechanism_name(res.mechanism));
		}
		wp_registry_free(reg);
	}
	return r;
}

int build_supply_chain_make(const struct build_supply_chain *b, struct supply_chain_docs *out,
			    wp_error **err)
{
	/* counted in n, not out->n: the analyzer takes the calls below for
	 * ones that may change *out, and out->n for more than makers[] holds */
	make_fn *makers[2];
	size_t n = 0;
	_cleanup_free_ char **names = calloc(b->n_tags + 1, sizeof(char *));
	int r = names ? 0 : wp_error_oom(err);

	*out = (struct supply_chain_docs){0};
	if (b->sbom) {
		out->docs[n] =
			(document){SBOM_ARTIFACT_TYPE, "sbom.spdx.json", WP_BUF_INIT(DOCUMENT_MAX)};
		makers[n++] = make_sbom;
	}
	if (b->provenance) {
		out->docs[n] = (document){PROVENANCE_ARTIFACT_TYPE, "provenance.intoto.json",
					  WP_BUF_INIT(DOCUMENT_MAX)};
		makers[n++] = make_provenance;
	}
	out->n = n;
	for (size_t i = 0; r == 0 && i < b->n_tags; i++)
		if (!(names[i] = wp_reference_string(&b->tags[i])))
			r = wp_error_oom(err);
	for (size_t i = 0; r == 0 && i < n; i++)
		r = makers[i](b, names, &out->docs[i], err);
	for (size_t i = 0; names && i < b->n_tags; i++)
		free(names[i]);
	if (r < 0)
		supply_chain_docs_release(out);
	return r;
}

void supply_chain_docs_release(struct supply_chain_docs *d)
{
	for (size_t i = 0; i < d->n; i++)
		wp_buf_release(&d->docs[i].bytes);
	d->n = 0;
}
