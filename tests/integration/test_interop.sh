#!/usr/bin/env bash
# What wasmpack writes is read back by the real peer tools: skopeo (layout,
# oci-archive, docker-archive, copy), umoci (raw unpack) and node:wasi (runs
# the module with the image's Entrypoint, Cmd and Env).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# --- the module: examples/hello/hello.c built for WASI
expect_ok clang --target=wasm32-wasi --sysroot=/usr -O2 -o hello.wasm "$ROOT/examples/hello/hello.c"
expect_eq "0061736d01000000" "$(head -c 8 hello.wasm | od -An -tx1 | tr -d ' \n')" "hello.wasm header"

BUILD_ARGS=(-t hello:v1 --cmd first --cmd "two words" -e GREETING=Bonjour -e EMPTY=)

# --- OCI image layout
expect_ok wp build hello.wasm "${BUILD_ARGS[@]}" -o layout
digest=$(cat "$OUT")
expect_match "$DIGEST_RE" "$digest" "build stdout"
expect_eq 1 "$(wc -l <"$OUT")" "lines on build stdout"

skopeo_inspect_to inspect.json oci:layout:v1
expect_jq inspect.json .Architecture '"wasm"'
expect_jq inspect.json .Os '"wasi"'
expect_jq inspect.json '.Layers | length' 1
expect_jq inspect.json .Digest "\"$digest\""

skopeo_inspect_to config.json --config oci:layout:v1
expect_jq config.json .architecture '"wasm"'
expect_jq config.json .os '"wasi"'
expect_jq config.json .config.Entrypoint '["/hello.wasm"]'
expect_jq config.json .config.Cmd '["first","two words"]'
expect_jq config.json '.config.Env | sort' '["EMPTY=","GREETING=Bonjour"]'
expect_jq config.json '.rootfs.diff_ids | length' 1

skopeo_inspect_to manifest.json --raw oci:layout:v1
expect_jq manifest.json .mediaType "\"$MT_OCI_MANIFEST\""
expect_jq manifest.json .config.mediaType "\"$MT_OCI_CONFIG\""
expect_jq manifest.json '[.layers[].mediaType]' "[\"$MT_OCI_LAYER_GZIP\"]"
expect_eq "$digest" "$(sha256_of manifest.json)" "digest of skopeo's raw manifest"

# skopeo copies it to another transport
run skopeo copy oci:layout:v1 dir:copied
expect_status 0
expect_file copied/manifest.json "copied/$(jqr manifest.json '.layers[0].digest | ltrimstr("sha256:")')"
expect_same_file "$(layer_of layout v1)" "copied/$(jqr manifest.json '.layers[0].digest | ltrimstr("sha256:")')"

# --- umoci: the rootfs holds exactly the module, byte-identical, mode 0755
expect_ok umoci raw unpack --image layout:v1 rootfs
expect_eq "./hello.wasm" "$(cd rootfs && find . -mindepth 1 | sort | tr '\n' ' ' | sed 's/ $//')" "rootfs entries"
expect_same_file hello.wasm rootfs/hello.wasm
expect_eq 755 "$(stat -c %a rootfs/hello.wasm)" "mode of /hello.wasm"

# --- node:wasi: the image runs the module as running it directly does
cat >direct.mjs <<'EOF'
// node direct.mjs MODULE ENV_JSON ARG0 ARGS...: runs MODULE under node:wasi.
import { WASI } from 'node:wasi';
import fs from 'node:fs';
const [file, envJson, ...args] = process.argv.slice(2);
const wasi = new WASI({ version: 'preview1', args, env: JSON.parse(envJson), returnOnExit: true });
const module = await WebAssembly.compile(fs.readFileSync(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
EOF
expect_ok node --no-warnings "$TOOLS/run-wasi.mjs" rootfs config.json
cp "$OUT" from-image.txt
expect_ok node --no-warnings direct.mjs hello.wasm '{"GREETING":"Bonjour","EMPTY":""}' \
	/hello.wasm first "two words"
cp "$OUT" direct.txt
expect_same_file direct.txt from-image.txt
expect_eq "Bonjour from WebAssembly!" "$(head -n 1 from-image.txt)" "first line the image prints"
expect_contains from-image.txt "argv[2] = two words" "the image's output"

# --- oci-archive: the same manifest, as a tar
expect_ok wp build hello.wasm "${BUILD_ARGS[@]}" -o oci-archive:hello-oci.tar
expect_eq "$digest" "$(cat "$OUT")" "oci-archive digest vs layout digest"
skopeo_inspect_to archive.json oci-archive:hello-oci.tar
expect_jq archive.json .Digest "\"$digest\""
expect_jq archive.json '[.Os, .Architecture]' '["wasi","wasm"]'
skopeo_inspect_to archive-config.json --config oci-archive:hello-oci.tar
expect_same_file config.json archive-config.json
# umoci reads the layout inside it too
mkdir from-archive && tar -xf hello-oci.tar -C from-archive
expect_ok umoci raw unpack --image from-archive:v1 rootfs2
expect_same_file hello.wasm rootfs2/hello.wasm

# --- docker-archive: for docker load; stdout is the image ID (config digest)
expect_ok wp build hello.wasm "${BUILD_ARGS[@]}" -o docker-archive:hello-docker.tar
image_id=$(cat "$OUT")
expect_match "$DIGEST_RE" "$image_id" "docker-archive build stdout"
skopeo_inspect_to docker.json docker-archive:hello-docker.tar
expect_jq docker.json '[.Os, .Architecture]' '["wasi","wasm"]'
expect_jq docker.json '.Layers | length' 1
skopeo_inspect_to docker-config.json --config docker-archive:hello-docker.tar
expect_same_file config.json docker-config.json
skopeo inspect --config --raw docker-archive:hello-docker.tar >docker-config.raw
expect_eq "$image_id" "$(sha256_of docker-config.raw)" "image ID vs the config in the docker archive"
tar -xOf hello-docker.tar manifest.json >docker-manifest.json
expect_jq docker-manifest.json '.[0].RepoTags' '["hello:v1"]'
run skopeo copy docker-archive:hello-docker.tar oci:from-docker:v1
expect_status 0
expect_ok umoci raw unpack --image from-docker:v1 rootfs3
expect_same_file hello.wasm rootfs3/hello.wasm

# --- a layout holding two images: both stay readable
"$GENWASM" 20000 other.wasm
expect_ok wp build other.wasm -t other:v2 --cmd second -o layout
other=$(cat "$OUT")
expect_ne "$digest" "$other" "the two images' digests"
expect_jq layout/index.json '.manifests | length' 2
skopeo_inspect_to v1.json oci:layout:v1
expect_jq v1.json .Digest "\"$digest\""
skopeo_inspect_to v2.json oci:layout:v2
expect_jq v2.json .Digest "\"$other\""
skopeo_inspect_to v2-config.json --config oci:layout:v2
expect_jq v2-config.json .config.Entrypoint '["/other.wasm"]'
expect_jq v2-config.json .config.Cmd '["second"]'
expect_ok umoci raw unpack --image layout:v2 rootfs-other
expect_same_file other.wasm rootfs-other/other.wasm
expect_ok node --no-warnings "$TOOLS/run-wasi.mjs" rootfs-other v2-config.json
# and the first image is untouched
expect_ok umoci raw unpack --image layout:v1 rootfs-again
expect_same_file hello.wasm rootfs-again/hello.wasm
