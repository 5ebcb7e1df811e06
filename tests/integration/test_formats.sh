#!/usr/bin/env bash
# build --format image|artifact|wasm-layer: each shape against the OCI schemas, what skopeo
# reads, pull --wasm giving the module back, the CNCF Wasm artifact config's fields (core
# module and a real component made here by jco from the npm registry, its imports and exports
# as `jco wit` lists them), runwasi's wasm-layer config, pushing and pulling them through a
# registry, and the refusals (options a format has no place for).
# shellcheck source=push_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/push_lib.sh"

JCO=$ROOT/tests/node_modules/.bin/jco
export SOURCE_DATE_EPOCH=1700000000
CREATED=2023-11-14T22:13:20Z

config_blob() { blob "$1" "$(jq -r .config.digest "$(manifest_of "$1" "$2")")"; }

# --- artifact: the CNCF TAG Runtime Wasm OCI artifact, a core module --------------
expect_ok wp build "$HELLO" -t hello:art --format artifact --author "Acme <dev@acme.example>" \
	--annotation org.opencontainers.image.description=hi -o art
D=$(cat "$OUT")
expect_contains "$ERR" "artifact: the module as a raw application/wasm layer"
run /usr/bin/python3 "$TOOLS/validate-layout.py" art
expect_status 0
M=$(manifest_of art art)
expect_jq "$M" .mediaType '"application/vnd.oci.image.manifest.v1+json"'
expect_jq "$M" 'has("artifactType")' false
expect_jq "$M" .config.mediaType '"application/vnd.wasm.config.v0+json"'
expect_jq "$M" '.layers | length' 1
expect_jq "$M" '.layers[0].mediaType' '"application/wasm"'
expect_jq "$M" '.layers[0].annotations["org.opencontainers.image.title"]' '"hello.wasm"'
expect_jq "$M" '.annotations["org.opencontainers.image.description"]' '"hi"'
# the layer is the module itself, not a tar
expect_same_file "$HELLO" "$(blob art "$(jq -r '.layers[0].digest' "$M")")"
C=$(config_blob art art)
expect_jq "$C" 'keys' '["architecture","author","created","layerDigests","os"]'
expect_jq "$C" .architecture '"wasm"'
expect_jq "$C" .os '"wasip1"'
expect_jq "$C" .created "\"$CREATED\""
expect_jq "$C" .author '"Acme <dev@acme.example>"'
expect_jq "$C" .layerDigests "[$(jq '.layers[0].digest' "$M")]"
skopeo_inspect_to "$T/art.json" --raw oci:art:art
expect_jq "$T/art.json" .config.mediaType '"application/vnd.wasm.config.v0+json"'
expect_ok wp pull -q oci:art:art --wasm art.wasm
expect_same_file "$HELLO" art.wasm
expect_ok wp inspect oci:art:art --format json
expect_jq "$OUT" .module.kind '"core module"'
# the same inputs, the same digest
expect_ok wp build -q "$HELLO" -t hello:art --format artifact --author "Acme <dev@acme.example>" \
	--annotation org.opencontainers.image.description=hi -o art2
expect_eq "$D" "$(cat "$OUT")" "digest of a second artifact build"

# --- artifact of a real component (jco, pinned in tests/package.json) ------------
if [[ -x $JCO ]]; then
	expect_ok "$JCO" new "$HELLO" --wasi-command -o component.wasm
	expect_ok "$JCO" wit component.wasm
	sed -n 's/^ *import \([^;]*\);$/\1/p' "$OUT" | jq -R . | jq -sc . >wit-imports.json
	sed -n 's/^ *export \([^;]*\);$/\1/p' "$OUT" | jq -R . | jq -sc . >wit-exports.json
	expect_ne "[]" "$(cat wit-imports.json)" "imports jco lists"
	expect_ok wp build component.wasm -t comp:1 --platform wasip2/wasm --format artifact -o comp
	C=$(config_blob comp 1)
	expect_jq "$C" .os '"wasip2"'
	expect_jq "$C" .component.imports "$(cat wit-imports.json)"
	expect_jq "$C" .component.exports "$(cat wit-exports.json)"
	# inspect reports the same interfaces
	expect_ok wp inspect oci:comp:1 --format json
	expect_jq "$OUT" '[.module.imports[].name]' "$(cat wit-imports.json)"
	expect_jq "$OUT" '[.module.exports[].name]' "$(cat wit-exports.json)"
	# and the default image format takes the component too (wasip2 platform)
	expect_ok wp build component.wasm -t comp:img --platform wasip2/wasm -o compimg
	expect_jq "$(config_blob compimg img)" .os '"wasip2"'
	# a component is not a wasip1 module, nor one for runwasi's wasm-layer
	expect_fail 2 "component" -- wp build component.wasm --platform wasip1/wasm -o none
	expect_fail 1 "a wasm-layer image is for core modules" -- \
		wp build component.wasm --platform wasip2/wasm --format wasm-layer -o none
	expect_absent none
else
	note "skipped the component checks: $JCO missing (make deps installs it)"
fi

# --- wasm-layer: runwasi's image --------------------------------------------------
expect_ok wp build "$HELLO" -t hello:wl --format wasm-layer -e GREETING=Hi --cmd world -o wl
run /usr/bin/python3 "$TOOLS/validate-layout.py" wl
expect_status 0
expect_contains "$OUT" "1 configs"
M=$(manifest_of wl wl)
expect_jq "$M" .config.mediaType '"application/vnd.oci.image.config.v1+json"'
expect_jq "$M" '[.layers[].mediaType]' '["application/wasm"]'
C=$(config_blob wl wl)
expect_jq "$C" .os '"wasip1"'
expect_jq "$C" .architecture '"wasm"'
expect_jq "$C" .config.Entrypoint '["hello.wasm"]'
expect_jq "$C" .config.Cmd '["world"]'
expect_jq "$C" .config.Env '["GREETING=Hi"]'
expect_jq "$C" .rootfs '{"diff_ids":[],"type":"layers"}'
# runwasi's label: the hex SHA-256 of the layer digests joined
L=$(jq -r '.layers[0].digest' "$M")
expect_jq "$C" '.config.Labels["containerd.runwasi.layers"]' "\"$(printf %s "$L" | sha256sum | cut -d' ' -f1)\""
expect_ok wp pull -q oci:wl:wl --wasm wl.wasm
expect_same_file "$HELLO" wl.wasm
skopeo_inspect_to "$T/wl.json" --config oci:wl:wl
expect_jq "$T/wl.json" .os '"wasip1"'

# --- through a registry: push, pull back the same digests, the module out ---------
registry_start anonymous "$T/reg" >/dev/null
H=$REG_HOST
for f in art wl; do
	expect_ok wp push "oci:$f:$f" "$H/formats:$f"
	expect_ok wp pull -q "$H/formats:$f" --wasm "reg-$f.wasm"
	expect_same_file "$HELLO" "reg-$f.wasm"
	expect_ok wp digest "$H/formats:$f"
	expect_eq "$(jq -r --arg t "$f" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t) | .digest' "$f/index.json")" \
		"$(cat "$OUT")" "digest of $f in the registry"
done
# a project file can ask for it too
mkdir proj && cp "$HELLO" proj/hello.wasm
printf 'source: hello.wasm\nname: proj\ntags: [v1]\nformat: artifact\n' >proj/wasmpack.yaml
expect_ok wp build proj -o projout
expect_jq "$(manifest_of projout v1)" .config.mediaType '"application/vnd.wasm.config.v0+json"'

# --- refusals: one line, exit 2, nothing written -------------------------------------
expect_fail 2 'expected image, artifact or wasm-layer' -- wp build "$HELLO" --format oci -o none
expect_fail 2 "the Wasm artifact config has no Env" -- wp build "$HELLO" --format artifact -e A=1 -o none
expect_fail 2 "the Wasm artifact config has no Labels" -- wp build "$HELLO" --format artifact -l a=b -o none
expect_fail 2 "docker load reads images only" -- wp build "$HELLO" --format artifact -o docker-archive:x.tar
expect_fail 2 "holds the module alone" -- wp build "$HELLO" --format wasm-layer --add "$HELLO:/x.wasm" -o none
expect_fail 2 "stores the module raw" -- wp build "$HELLO" --format artifact --compression zstd -o none
expect_fail 2 "OCI only" -- wp build "$HELLO" --format wasm-layer --media-types docker -o none
expect_fail 2 "--aot native: a artifact holds the module alone" -- \
	wp build "$HELLO" --format artifact --aot native -o none
expect_absent none
expect_absent x.tar
