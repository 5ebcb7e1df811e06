#!/usr/bin/env bash
# build --aot native: the module translated to C in-process (libwabt's C
# writer), compiled with wasmpack's WASI host into a static executable, and
# shipped as a linux image beside the wasi/wasm one under one index: the
# index validates against the OCI schemas, skopeo sees both platforms, umoci
# unpacks the linux image into an executable that prints what node:wasi
# prints, pull --wasm still gives the portable module.
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case $(uname -m) in
x86_64) ARCH=amd64 ;;
aarch64) ARCH=arm64 ;;
*) note "skipped: no OCI architecture name for $(uname -m)"; exit 0 ;;
esac

expect_ok wp build "$HELLO" -t hello:v1 --aot native --cmd world -e GREETING=Native -o img
IDX=$(cat "$OUT")
expect_contains "$ERR" "compiled natively"
expect_jq img/index.json '.manifests[0].digest' "\"$IDX\""
expect_jq img/index.json '.manifests[0].mediaType' '"application/vnd.oci.image.index.v1+json"'
INDEX=$(blob img "$IDX")
expect_jq "$INDEX" '[.manifests[].platform | "\(.os)/\(.architecture)"]' "[\"wasi/wasm\",\"linux/$ARCH\"]"
run /usr/bin/python3 "$TOOLS/validate-layout.py" img
expect_status 0
expect_contains "$OUT" ": valid ("

# what skopeo sees
skopeo_inspect_to "$T/raw.json" --raw oci:img:v1
expect_jq "$T/raw.json" '.manifests | length' 2

# the portable module is still the module
expect_ok wp pull -q oci:img:v1 --wasm portable.wasm
expect_same_file "$HELLO" portable.wasm

# umoci unpacks the linux image: a static executable that prints what node does
NATIVE=$(jqr "$INDEX" '.manifests[1].digest')
mkdir umo && cp -r img/. umo/
jq --arg d "$NATIVE" '.manifests = [.manifests[0] | .digest = $d | .size = 0 | .mediaType = "application/vnd.oci.image.manifest.v1+json" | .annotations["org.opencontainers.image.ref.name"] = "native"]' \
	img/index.json >umo/index.json
jq --arg s "$(stat -c %s "$(blob img "$NATIVE")")" '.manifests[0].size = ($s | tonumber)' umo/index.json >umo/index.tmp && mv umo/index.tmp umo/index.json
expect_ok umoci unpack --rootless --image umo:native bundle
expect_file bundle/rootfs/hello
C=$(jqr bundle/config.json '.process.env | join("\n")')
expect_match "WASMPACK_ENV=GREETING=Native" "$C" "the native image's environment"
file bundle/rootfs/hello >file.txt
expect_contains file.txt "statically linked" "the executable"
# run as runc would: the config's environment, argv = Entrypoint + Cmd
expect_ok env -i WASMPACK_ENV=GREETING=Native bundle/rootfs/hello world
NATIVE_OUT=$(cat "$OUT")
cat >run.mjs <<'JS'
import { WASI } from 'node:wasi';
import fs from 'node:fs';
const wasi = new WASI({ version: 'preview1', args: ['bundle/rootfs/hello', 'world'],
  env: { GREETING: 'Native' }, returnOnExit: true });
const m = await WebAssembly.compile(fs.readFileSync(process.argv[2]));
process.exitCode = wasi.start(await WebAssembly.instantiate(m, wasi.getImportObject()));
JS
expect_ok node --no-warnings run.mjs "$HELLO"
expect_eq "$(cat "$OUT")" "$NATIVE_OUT" "native output vs node:wasi"

# refusals
expect_fail 2 "docker-archive cannot hold" -- wp build "$HELLO" --aot native -o docker-archive:x.tar
expect_absent x.tar
