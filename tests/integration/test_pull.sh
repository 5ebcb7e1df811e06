#!/usr/bin/env bash
# wasmpack pull, digest, tag, ls and delete against a real distribution
# registry: round trips with wasmpack push and skopeo (same digests, same
# blobs), an index shaped like buildx output (wasi/wasm + an attestation
# manifest; --platform all keeps it whole), Docker schema2 and zstd images,
# a CNCF Wasm artifact (pushed by hand over HTTP), --platform, tampered blobs
# in the registry's storage (refused, nothing kept), token auth, tag list
# pagination, and deletes on registries that allow and refuse them.
# shellcheck source=push_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/push_lib.sh"

registry_start anonymous "$T/reg" >/dev/null
H=$REG_HOST

# --- push with wasmpack, pull back: the same manifest and blobs ----------------
expect_ok "$GENWASM" 200000 m.wasm
expect_ok wp build m.wasm -t "$H/app:v1" -o built
D=$(cat "$OUT")
expect_ok wp push built "$H/app:v1"
expect_ok wp pull "$H/app:v1" -o pulled
expect_refs_on_stdout "$D" "$H/app:v1"
expect_contains "$ERR" "verified" "pull progress"
for f in "$(manifest_of built)" "$(config_of built)" "$(layer_of built)"; do
	expect_same_file "$f" "pulled/blobs/sha256/${f##*/}"
done
expect_jq pulled/index.json '.manifests[0].annotations["org.opencontainers.image.ref.name"]' '"v1"'
expect_jq pulled/index.json '.manifests[0].digest' "\"$D\""
# skopeo reads the pulled layout
skopeo_inspect_to "$T/pulled.json" oci:pulled:v1
expect_jq "$T/pulled.json" .Digest "\"$D\""
# the default destination, a pull by digest, the blobs already there
expect_ok wp pull -q "$H/app@$D"
expect_refs_on_stdout "$D" "$H/app"
expect_dir wasmpack-out
expect_ok wp pull "$H/app:v1" -o pulled
expect_contains "$ERR" "already there" "second pull into the same layout"
# an oci-archive that skopeo reads
expect_ok wp pull -q "$H/app:v1" -o oci-archive:app.tar
skopeo_inspect_to "$T/archive.json" oci-archive:app.tar:v1
expect_jq "$T/archive.json" .Digest "\"$D\""

# a docker-archive that skopeo reads, its layer uncompressed (the build's own
# docker-archive has the same bytes for it)
expect_ok wp pull -q "$H/app:v1" -o docker-archive:app-docker.tar
expect_refs_on_stdout "$D" "$H/app:v1"
skopeo_inspect_to "$T/docker.json" docker-archive:app-docker.tar
expect_jq "$T/docker.json" '.Layers | length' 1
DIFF=$(jqr "$(config_of built)" '.rootfs.diff_ids[0]')
mkdir dock-x && tar -xf app-docker.tar -C dock-x
expect_eq "$DIFF" "$(sha256_of "dock-x/${DIFF#sha256:}.tar")" "the uncompressed layer's digest"
expect_ok wp build m.wasm -t "$H/app:v1" -o docker-archive:built-docker.tar
mkdir dock-b && tar -xf built-docker.tar -C dock-b
expect_same_file "dock-b/${DIFF#sha256:}.tar" "dock-x/${DIFF#sha256:}.tar"
expect_same_file "dock-b/manifest.json" "dock-x/manifest.json"
# and it pushes back as the same image
expect_ok wp push -q docker-archive:app-docker.tar "$H/fromdocker:v1"
expect_refs_on_stdout "$D" "$H/fromdocker:v1"

# --- skopeo pushes, wasmpack pulls ---------------------------------------------
expect_ok skopeo copy --quiet --dest-tls-verify=false oci:built:v1 "docker://$H/bysko:v1"
expect_ok wp pull -q "$H/bysko:v1" -o sko
expect_refs_on_stdout "$D" "$H/bysko:v1"

# --- Docker schema2 and zstd images ---------------------------------------------
expect_ok wp build m.wasm -t "$H/docker:v1" --media-types docker -o dock
DD=$(cat "$OUT")
expect_ok wp push -q dock "$H/docker:v1"
expect_ok wp pull -q "$H/docker:v1" -o dock-pulled
expect_refs_on_stdout "$DD" "$H/docker:v1"
expect_jq dock-pulled/index.json '.manifests[0].mediaType' \
	'"application/vnd.docker.distribution.manifest.v2+json"'
expect_ok wp build m.wasm -t "$H/zstd:v1" --compression zstd -o zst
ZD=$(cat "$OUT")
expect_ok wp push -q zst "$H/zstd:v1"
expect_ok wp pull -q "$H/zstd:v1" -o zst-pulled
expect_refs_on_stdout "$ZD" "$H/zstd:v1"
expect_same_file "$(layer_of zst)" "$(layer_of zst-pulled)"
# a zstd layer, uncompressed for docker-archive
expect_ok wp pull -q "$H/zstd:v1" -o docker-archive:zstd-docker.tar
mkdir dock-z && tar -xf zstd-docker.tar -C dock-z
expect_same_file "dock-b/${DIFF#sha256:}.tar" "dock-z/${DIFF#sha256:}.tar"

# --- an index as buildx writes it: wasi/wasm and an attestation manifest --------
buildx_index built multi
read -r IDX AL <<<"$(cat "$T/.buildx")"
expect_ok http_push multi "$REG_URL" multi v1 "$IDX"
expect_ok wp pull "$H/multi:v1" -o multi-pulled
expect_refs_on_stdout "$D" "$H/multi:v1"
expect_contains "$ERR" "taking the wasi/wasm image" "index progress"
expect_jq multi-pulled/index.json '.manifests | length' 1
expect_jq multi-pulled/index.json '.manifests[0].digest' "\"$D\""
expect_absent "multi-pulled/blobs/sha256/${AL#sha256:}"
expect_fail 1 "has no image for linux/amd64" "it has: wasi/wasm" -- \
	wp pull "$H/multi:v1" --platform linux/amd64 -o none
expect_absent none
expect_ok wp pull -q "$H/multi:v1" --platform wasi/wasm -o multi2
expect_refs_on_stdout "$D" "$H/multi:v1"
expect_fail 2 "invalid platform" -- wp pull "$H/multi:v1" --platform wasm
# --platform all: the index as the registry has it, the attestation too
expect_ok wp pull -q "$H/multi:v1" --platform all -o multi-all
expect_refs_on_stdout "$IDX" "$H/multi:v1"
expect_jq multi-all/index.json '.manifests[0].digest' "\"$IDX\""
expect_same_file "$(blob multi "$IDX")" "$(blob multi-all "$IDX")"
expect_file "multi-all/blobs/sha256/${AL#sha256:}"
skopeo_inspect_to "$T/all.json" --raw oci:multi-all:v1
expect_jq "$T/all.json" '.manifests | length' 2
# the module is still the portable one; a docker-archive cannot hold an index
expect_ok wp pull -q "$H/multi:v1" --platform all -o multi-all2 --wasm all.wasm
expect_same_file m.wasm all.wasm
expect_fail 2 "docker-archive holds one image" -- \
	wp pull "$H/multi:v1" --platform all -o docker-archive:all.tar
expect_absent all.tar

# --- the CNCF Wasm artifact: a wasm config and one application/wasm layer -------
mkdir -p art/blobs/sha256
printf '{"imageLayoutVersion":"1.0.0"}' >art/oci-layout
read -r WL WLS <<<"$(add_blob art m.wasm)"
jq -nc --arg l "$WL" '{created:"2026-01-01T00:00:00Z",architecture:"wasm",os:"wasip1",
	layerDigests:[$l],component:{}}' >art-config.json
read -r WC WCS <<<"$(add_blob art art-config.json)"
jq -nc --arg c "$WC" --argjson cs "$WCS" --arg l "$WL" --argjson ls "$WLS" '{schemaVersion:2,
	mediaType:"application/vnd.oci.image.manifest.v1+json",
	config:{mediaType:"application/vnd.wasm.config.v0+json",digest:$c,size:$cs},
	layers:[{mediaType:"application/wasm",digest:$l,size:$ls}]}' >art.json
read -r WM _ <<<"$(add_blob art art.json)"
expect_ok http_push art "$REG_URL" artifact v1 "$WM"
expect_ok wp pull -q "$H/artifact:v1" -o art-pulled
expect_refs_on_stdout "$WM" "$H/artifact:v1"
expect_same_file m.wasm "art-pulled/blobs/sha256/${WL#sha256:}"

# --- tampered blobs: refused, nothing kept ----------------------------------------
# a module of its own: no layout here holds its layer yet
expect_ok "$GENWASM" 150000 e.wasm
expect_ok wp build e.wasm -t "$H/evil:v1" -o evil-src
ED=$(cat "$OUT")
expect_ok wp push -q evil-src "$H/evil:v1"
EL=$(jqr "$(manifest_of evil-src)" '.layers[0].digest')
STORED=$(storage_blob "$EL")
expect_file "$STORED"
cp "$STORED" good-layer
# same size, one byte changed
printf '\x00' | dd of="$STORED" bs=1 seek=100 conv=notrunc status=none
expect_fail 1 "pull \"$H/evil:v1\"" "blob $EL" "digest" "refused" -- wp pull -q "$H/evil:v1" -o evil
expect_absent evil
snapshot pulled --no-times >before
expect_fail 1 "digest" -- wp pull -q "$H/evil:v1" -o pulled
snapshot pulled --no-times >after
expect_same_snapshot before after "a layout a tampered pull went into"
# one byte short: the registry promises more than it sends
head -c -1 good-layer >"$STORED"
expect_fail 1 "pull \"$H/evil:v1\"" -- wp pull -q --retries 0 "$H/evil:v1" -o oci-archive:evil.tar
expect_absent evil.tar
cp good-layer "$STORED"
expect_ok wp pull -q "$H/evil:v1" -o evil
expect_refs_on_stdout "$ED" "$H/evil:v1"

# --- digest, tag, ls (with pages), delete ----------------------------------------
expect_ok wp digest "$H/app:v1"
expect_eq "$D" "$(cat "$OUT")" "wasmpack digest"
mark=$(log_mark)
expect_ok wp tag "$H/app:v1" t1 t2 t3 t4
expect_eq 0 "$(access_lines "$mark" '^(POST|PATCH) ' | wc -l)" "blob uploads by tag"
for t in t1 t2 t3 t4; do expect_registry_digest app "$t" "$D"; done
expect_ok wp ls --page-size 2 "$H/app"
# in the registry's order, which distribution 2.8 does not sort
expect_eq "$(printf 't1\nt2\nt3\nt4\nv1')" "$(LC_ALL=C sort "$OUT")" "ls"
expect_ok wp ls "$H/app"
expect_eq 5 "$(wc -l <"$OUT")" "ls without --page-size"
expect_fail 2 "without a tag" -- wp ls "$H/app:v1"
expect_fail 2 "invalid tag" -- wp tag "$H/app:v1" 'bad tag'
expect_fail 1 "not found" -- wp digest "$H/app:nope"
expect_fail 1 "not found" -- wp pull "$H/app:nope" -o none
expect_absent none
expect_ok wp delete "$H/evil:v1"
expect_eq "deleted $H/evil@$ED" "$(cat "$OUT")" "delete stdout"
expect_no_tag evil v1
expect_fail 1 "not found" -- wp delete "$H/evil:v1"

# --- pages: distribution 2.8 answers every tag at once, so a registry that
# pages (as distribution 3, Harbor and ghcr.io do) is played by a script
/usr/bin/python3 "$TOOLS/paging_registry.py" "$T/pages.port" "$T/pages.log" &
PAGES_PID=$!
for _ in $(seq 100); do [[ -s $T/pages.port ]] && break || sleep 0.1; done
PH=127.0.0.1:$(cat "$T/pages.port")
expect_ok wp ls --page-size 5 "$PH/paged"
expect_eq "$(seq -f 'v%02g' 1 23)" "$(cat "$OUT")" "23 tags in pages of 5"
expect_eq 5 "$(grep -c '^/v2/paged/tags/list' "$T/pages.log")" "pages asked for"
expect_contains "$T/pages.log" "/v2/paged/tags/list?n=5&last=v20" "the log of requests"
expect_ok wp ls "$PH/paged"
expect_eq 23 "$(wc -l <"$OUT")" "tags in the registry's own pages of 10"
kill "$PAGES_PID"

# --- a registry that refuses deletes ------------------------------------------------
registry_start anonymous "$T/nodelete" --env REGISTRY_STORAGE_DELETE_ENABLED=false >/dev/null
expect_ok wp push -q built "$REG_HOST/app:v1"
expect_fail 1 "does not allow deleting" "REGISTRY_STORAGE_DELETE_ENABLED" -- \
	wp delete "$REG_HOST/app:v1"

# --- token auth: credentials from the command line, none refused ---------------------
registry_start token "$T/tok" >/dev/null
printf '%s' "$REG_PASS" >pass
expect_ok wp push -q --username "$REG_USER" --password-stdin built "$REG_HOST/app:v1" <pass
expect_ok wp pull -q --username "$REG_USER" --password-stdin "$REG_HOST/app:v1" -o tok-pulled <pass
expect_refs_on_stdout "$D" "$REG_HOST/app:v1"
WASMPACK_USERNAME=$REG_USER WASMPACK_PASSWORD=$REG_PASS expect_ok wp ls "$REG_HOST/app"
expect_eq v1 "$(cat "$OUT")" "ls with a token"
run wp pull -q "$REG_HOST/app:v1" -o tok-anon
expect_error_line "needs credentials"
expect_absent tok-anon
expect_no_secrets "$REG_PASS"
