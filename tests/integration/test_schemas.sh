#!/usr/bin/env bash
# Every JSON document wasmpack writes validates against the OCI image-spec
# schemas (tests/tools/validate-layout.py: oci-layout, index.json, each
# manifest and config, and each blob's size and digest).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

VALIDATE=$TOOLS/validate-layout.py

# validate PATH: the validator accepts PATH.
validate() {
	run /usr/bin/python3 "$VALIDATE" "$1"
	[[ $STATUS == 0 ]] || fail "validate-layout.py $1: $(grep -v '^#' "$OUT" | head -n 2 | tr '\n' '|')"
	expect_contains "$OUT" ": valid ("
}

mkdir -p ctx/sub
echo "config" >ctx/app.conf
echo "nested" >ctx/sub/data.txt

# a layout with every config and manifest field wasmpack can set
export SOURCE_DATE_EPOCH=1700000000
expect_ok wp build "$HELLO" -t full:v1 -t registry.example.com/team/full:v1 \
	--cmd --port --cmd 8080 -e A=1 -e B= -l org.opencontainers.image.source=https://example.com \
	-l empty= --annotation org.opencontainers.image.title=full --annotation manifest:k=v \
	--workdir /srv --user 1000:1000 --expose 8080 --expose 53/udp --expose 9/sctp \
	--add ctx:/srv --add ctx/app.conf:/etc/ -o full
unset SOURCE_DATE_EPOCH
validate full
# two tags: two index entries for one manifest
expect_contains "$OUT" "(2 manifests, 2 configs,"

# the minimal one, plus a second image in the same layout
expect_ok wp build "$HELLO" -o minimal
validate minimal
"$GENWASM" 5000 second.wasm
expect_ok wp build second.wasm --platform wasip1/wasm -o minimal
validate minimal
expect_contains "$OUT" "(2 manifests, 2 configs,"

# other layer compressions
for c in zstd none; do
	expect_ok wp build "$HELLO" --compression "$c" -o "layout-$c"
	validate "layout-$c"
done

# the layout inside an oci-archive: through the validator's own unpacking and
# through tar
expect_ok wp build "$HELLO" -t archived:v1 -l a=b -o oci-archive:image.tar
validate image.tar
mkdir unpacked && tar -xf image.tar -C unpacked
validate unpacked
expect_ok wp build "$HELLO" -o type=oci,dest=buildx.tar
validate buildx.tar

# --- the validator is not vacuous: it rejects what the schemas reject
cp -r minimal broken
jq '.schemaVersion = 3' minimal/index.json >broken/index.json
run /usr/bin/python3 "$VALIDATE" broken
expect_status 1
expect_contains "$OUT" "image-index-schema.json: at schemaVersion"

rm -rf broken && cp -r minimal broken
cfg=$(config_of minimal)
jq -c '.architecture = 5' "$cfg" >"broken/${cfg#minimal/}"
run /usr/bin/python3 "$VALIDATE" broken
expect_status 1
expect_contains "$OUT" "config-schema.json: at architecture"
expect_contains "$OUT" "hashes to"

rm -rf broken && cp -r minimal broken
man=$(manifest_of minimal)
# a layer descriptor with a malformed media type: only defs-descriptor.json,
# reached through a relative $ref, rejects it
jq -c '.layers[0].mediaType = "not a media type"' "$man" >broken/new-manifest.json
d=$(sha256_of broken/new-manifest.json)
mv broken/new-manifest.json "$(blob broken "$d")"
jq --arg d "$d" --argjson s "$(stat -c %s "$(blob broken "$d")")" \
	'.manifests[0].digest = $d | .manifests[0].size = $s' minimal/index.json >broken/index.json
run /usr/bin/python3 "$VALIDATE" broken
expect_status 1
expect_contains "$OUT" "image-manifest-schema.json: at layers/0/mediaType"

echo '{"imageLayoutVersion": 1}' >broken/oci-layout
run /usr/bin/python3 "$VALIDATE" broken
expect_status 1
expect_contains "$OUT" "image-layout-schema.json"
