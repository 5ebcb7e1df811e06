#!/usr/bin/env bash
# build --push --sbom --provenance against distribution 2.8 (no referrers API: the
# sha256-<hex> tag): the image's digest is the one a build without them gives, the tag still
# names one manifest, discover lists the two referrers, the SBOM is SPDX 2.3 JSON with its
# required fields and the module's checksum, the provenance an in-toto statement whose
# subject is the image manifest digest, built with GitHub's variables when they are set and
# never with a secret from the environment.
# shellcheck source=push_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/push_lib.sh"

registry_start anonymous "$T/reg" >/dev/null
H=$REG_HOST
export SOURCE_DATE_EPOCH=1700000000

# a GitHub Actions run (its variables also add the CI annotations, to both builds)
GH=(env GITHUB_ACTIONS=true GITHUB_REPOSITORY=acme/app GITHUB_SHA=0123456789abcdef0123456789abcdef01234567
	GITHUB_REF=refs/heads/main GITHUB_RUN_ID=42 GITHUB_RUN_ATTEMPT=1
	GITHUB_WORKFLOW_REF=acme/app/.github/workflows/release.yml@refs/heads/main
	GITHUB_WORKSPACE=/nonexistent GITHUB_TOKEN=ghs_secretvalue123)
# the same image without the documents: the digest they must not change
expect_ok "${GH[@]}" "$WASMPACK" build -q "$HELLO" -t "$H/app:v1" -o plain
PLAIN=$(head -n 1 "$OUT")
expect_ok "${GH[@]}" "$WASMPACK" build "$HELLO" -t "$H/app:v1" -t "$H/app:latest" --push --sbom \
	--provenance -o built
D=$(head -n 1 "$OUT")
expect_eq "$PLAIN" "$D" "the image digest with --sbom --provenance"
expect_contains "$ERR" "sbom.spdx.json sha256:"
expect_contains "$ERR" "provenance.intoto.json sha256:"
expect_ok wp digest "$H/app:v1"
expect_eq "$D" "$(cat "$OUT")" "the tag's digest"
skopeo_inspect_to "$T/raw.json" --raw --tls-verify=false "docker://$H/app:v1"
expect_jq "$T/raw.json" .mediaType '"application/vnd.oci.image.manifest.v1+json"'
expect_jq "$T/raw.json" 'has("manifests")' false

# discover: both, once each though two tags were pushed (one repository)
expect_ok wp discover "$H/app:v1" --format json
cp "$OUT" refs.json
expect_jq refs.json .mechanism '"tag"'
expect_jq refs.json '[.referrers[].artifactType] | sort' '["application/spdx+json","application/vnd.in-toto+json"]'

# the documents themselves, fetched as any client would
doc() {
	local type=$1 m layer
	m=$(jq -r --arg t "$type" '.referrers[] | select(.artifactType == $t) | .digest' refs.json)
	curl -fsS -H 'Accept: application/vnd.oci.image.manifest.v1+json' "$REG_URL/v2/app/manifests/$m" >"ref-$2.json"
	expect_jq "ref-$2.json" .subject.digest "\"$D\""
	expect_jq "ref-$2.json" .config.mediaType '"application/vnd.oci.empty.v1+json"'
	layer=$(jq -r '.layers[0].digest' "ref-$2.json")
	curl -fsS "$REG_URL/v2/app/blobs/$layer" >"$2.json"
}
doc application/spdx+json sbom
doc application/vnd.in-toto+json provenance

# SPDX 2.3: the required document fields, the module with its checksum
expect_jq sbom.json .spdxVersion '"SPDX-2.3"'
expect_jq sbom.json .dataLicense '"CC0-1.0"'
expect_jq sbom.json .SPDXID '"SPDXRef-DOCUMENT"'
expect_jq sbom.json '.documentNamespace | startswith("https://")' true
expect_jq sbom.json '.creationInfo.created' '"2023-11-14T22:13:20Z"'
expect_jq sbom.json '.creationInfo.creators[0] | startswith("Tool: wasmpack-")' true
expect_jq sbom.json '[.packages[] | has("SPDXID") and has("name") and has("downloadLocation")] | all' true
expect_jq sbom.json '.packages[] | select(.SPDXID == "SPDXRef-Module") | .checksums[0].checksumValue' \
	"\"$(sha256sum "$HELLO" | cut -d' ' -f1)\""
expect_jq sbom.json '[.packages[] | select(.SPDXID == "SPDXRef-Module") | .externalRefs[].referenceLocator] | index("wasi_snapshot_preview1/fd_write") != null' true
expect_jq sbom.json '[.relationships[] | select(.relationshipType == "DESCRIBES")] | length' 1

# in-toto + SLSA v1: the subject is the image manifest
expect_jq provenance.json ._type '"https://in-toto.io/Statement/v1"'
expect_jq provenance.json .predicateType '"https://slsa.dev/provenance/v1"'
expect_jq provenance.json '.subject[0].digest.sha256' "\"${D#sha256:}\""
expect_jq provenance.json '.predicate.runDetails.builder.id' \
	'"https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main"'
expect_jq provenance.json '.predicate.buildDefinition.resolvedDependencies[0].digest.sha256' \
	"\"$(sha256sum "$HELLO" | cut -d' ' -f1)\""
expect_eq 0 "$(grep -c ghs_secretvalue123 provenance.json sbom.json | awk -F: '{s+=$2} END {print s}')" \
	"the token in the documents"

# refused without --push: there is nothing to attach them to
expect_fail 2 "add --push" -- wp build "$HELLO" --sbom -o none
expect_absent none
# a document that cannot be made stops the build before anything is written or pushed
expect_fail 1 "not a commit id" -- env GITHUB_ACTIONS=true GITHUB_REPOSITORY=acme/app GITHUB_SHA=xyz \
	"$WASMPACK" build "$HELLO" -t "$H/bad:v1" --push --provenance -o bad
expect_absent bad
expect_fail 1 "bad" -- wp digest "$H/bad:v1"

# fetching a document as the docs say: discover, pull the referrer, its layer
d=$(jq -r '.referrers[] | select(.artifactType == "application/spdx+json") | .digest' refs.json)
expect_ok wp pull -q "$H/app@$d" -o sbom-layout
expect_same_file sbom.json "$(blob sbom-layout "$(jq -r '.layers[0].digest' "$(blob sbom-layout "$d")")")"
