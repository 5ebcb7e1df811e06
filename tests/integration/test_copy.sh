#!/usr/bin/env bash
# wasmpack copy between two real distribution registries, one anonymous and
# one with token auth: blobs streamed from one to the other (nothing written
# to disk), mounted within one registry, an index with all its images or
# one platform of it, referrers (the sha256-<hex> tag schema, as distribution
# 2.8 has no referrers API), layouts and archives to and from a registry,
# and a tampered blob that stops the copy before any tag is set.
# shellcheck source=push_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/push_lib.sh"

registry_start token "$T/tok" >/dev/null
TOK_HOST=$REG_HOST TOK_USER=$REG_USER TOK_PASS=$REG_PASS
registry_start anonymous "$T/anon" >/dev/null
A=$REG_HOST

expect_ok "$GENWASM" 300000 m.wasm
expect_ok wp build m.wasm -t "$A/app:v1" -o built
D=$(cat "$OUT")
expect_ok wp push -q built "$A/app:v1"

# --- anonymous → token: credentials on the command line are the
# destination's; nothing is written to disk on the way
mkdir empty-tmp empty-cwd
printf '%s' "$TOK_PASS" >pass
(cd empty-cwd && TMPDIR=$T/empty-tmp expect_ok wp copy --username "$TOK_USER" --password-stdin \
	"$A/app:v1" "$TOK_HOST/app:v1" <../pass)
expect_refs_on_stdout "$D" "$TOK_HOST/app:v1"
expect_eq "" "$(ls -A empty-tmp empty-cwd | grep -v ':$' | grep . || true)" "files written by a copy"
registry_use "$T/tok"
expect_registry_digest app v1 "$D"

# --- token → anonymous: the source's credentials are the stored ones
expect_ok wp login --username "$TOK_USER" --password-stdin "$TOK_HOST" <pass
expect_ok wp copy -q "$TOK_HOST/app:v1" "$A/back:v1"
expect_refs_on_stdout "$D" "$A/back:v1"
registry_use "$T/anon"
expect_registry_digest back v1 "$D"
expect_ok wp logout "$TOK_HOST"
run wp copy -q "$TOK_HOST/app:v1" "$A/back:v2"
expect_error_line "needs credentials" "$TOK_HOST"
expect_no_tag back v2

# --- within one registry: mounted, no upload
mark=$(log_mark)
expect_ok wp copy -q "$A/app:v1" "$A/other:v1"
expect_refs_on_stdout "$D" "$A/other:v1"
expect_eq 2 "$(access_lines "$mark" '^POST /v2/other/blobs/uploads/\?mount=.* 201$' | wc -l)" \
	"blobs mounted"
expect_eq 0 "$(access_lines "$mark" '^(PUT|PATCH) /v2/other/blobs/' | wc -l)" "blob uploads"
expect_registry_digest other v1 "$D"

# --- an index: all of it, byte for byte, or one platform ---------------------------
buildx_index built multi
read -r IDX AL <<<"$(cat "$T/.buildx")"
expect_ok http_push multi "$REG_URL" multi v1 "$IDX"
expect_ok wp copy -q "$A/multi:v1" "$A/multi-copy:v1"
expect_refs_on_stdout "$IDX" "$A/multi-copy:v1"
skopeo_inspect_to "$T/idx.json" --raw --tls-verify=false "docker://$A/multi-copy:v1"
expect_eq "$IDX" "$(sha256_of "$T/idx.json")" "the index copied byte for byte"
expect_eq 200 "$(curl -s -o /dev/null -w '%{http_code}' "$REG_URL/v2/multi-copy/blobs/$AL")" \
	"the attestation layer copied with the index"
expect_ok wp copy -q --platform wasi/wasm "$A/multi:v1" "$A/one:v1"
expect_refs_on_stdout "$D" "$A/one:v1"
expect_fail 1 "has no image for linux/amd64" -- wp copy --platform linux/amd64 "$A/multi:v1" "$A/none:v1"
expect_no_tag none v1

# --- referrers: an SBOM naming the image as its subject, found by the
# sha256-<hex> tag; copied with --referrers only
printf '{"spdxVersion":"SPDX-2.3"}' >sbom.json
printf '{}' >empty.json
mkdir -p refs/blobs/sha256
printf '{"imageLayoutVersion":"1.0.0"}' >refs/oci-layout
read -r SL SLS <<<"$(add_blob refs sbom.json)"
read -r EC ECS <<<"$(add_blob refs empty.json)"
MS=$(stat -c %s "$(manifest_of built)")
jq -nc --arg c "$EC" --argjson cs "$ECS" --arg l "$SL" --argjson ls "$SLS" --arg m "$D" \
	--argjson ms "$MS" '{schemaVersion:2,mediaType:"application/vnd.oci.image.manifest.v1+json",
	artifactType:"application/spdx+json",
	config:{mediaType:"application/vnd.oci.empty.v1+json",digest:$c,size:$cs},
	layers:[{mediaType:"application/spdx+json",digest:$l,size:$ls}],
	subject:{mediaType:"application/vnd.oci.image.manifest.v1+json",digest:$m,size:$ms}}' >sbom-manifest.json
read -r RM RMS <<<"$(add_blob refs sbom-manifest.json)"
jq -nc --arg r "$RM" --argjson rs "$RMS" '{schemaVersion:2,
	mediaType:"application/vnd.oci.image.index.v1+json",
	manifests:[{mediaType:"application/vnd.oci.image.manifest.v1+json",digest:$r,size:$rs,
	artifactType:"application/spdx+json"}]}' >refs-index.json
read -r RI _ <<<"$(add_blob refs refs-index.json)"
TAGSCHEMA=sha256-${D#sha256:}
expect_ok http_push refs "$REG_URL" app "$TAGSCHEMA" "$RI"
expect_ok wp copy -q "$A/app:v1" "$A/norefs:v1"
expect_no_tag norefs "$TAGSCHEMA"
expect_ok wp copy -q --referrers "$A/app:v1" "$A/withrefs:v1"
expect_refs_on_stdout "$D" "$A/withrefs:v1"
expect_eq 200 "$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
	"$REG_URL/v2/withrefs/manifests/$RM")" "the SBOM manifest copied"
expect_eq 200 "$(curl -s -o /dev/null -w '%{http_code}' "$REG_URL/v2/withrefs/blobs/$SL")" \
	"the SBOM layer copied"
skopeo_inspect_to "$T/refs.json" --raw --tls-verify=false "docker://$A/withrefs:$TAGSCHEMA"
expect_eq "$RI" "$(sha256_of "$T/refs.json")" "the referrers tag copied byte for byte"

# --- layouts and archives to and from a registry ----------------------------------
expect_ok wp build m.wasm -t x:v1 -o oci-archive:img.tar
expect_ok wp copy -q oci-archive:img.tar "$A/fromtar:v1"
expect_refs_on_stdout "$D" "$A/fromtar:v1"
expect_ok wp copy -q "$A/app:v1" oci-archive:out.tar
skopeo_inspect_to "$T/out.json" oci-archive:out.tar:v1
expect_jq "$T/out.json" .Digest "\"$D\""
expect_fail 2 "both" "local" -- wp copy built oci:other
expect_fail 2 "missing the destination" -- wp copy "$A/app:v1"

# --- a tampered blob: the copy stops, no tag is set ----------------------------------
expect_ok "$GENWASM" 120000 e.wasm
expect_ok wp build e.wasm -t "$A/evil:v1" -o evil-src
expect_ok wp push -q evil-src "$A/evil:v1"
EL=$(jqr "$(manifest_of evil-src)" '.layers[0].digest')
printf '\x00' | dd of="$(storage_blob "$EL")" bs=1 seek=100 conv=notrunc status=none
run wp copy -q --retries 0 "$A/evil:v1" "$TOK_HOST/evil:v1" --username "$TOK_USER" --password-stdin <pass
expect_error_line "blob $EL" "digest"
registry_use "$T/tok"
expect_no_tag evil v1
expect_no_secrets "$TOK_PASS"
