#!/usr/bin/env bash
# build --aot native: the module translated to C in-process (libwabt's C
# writer), compiled with wasmpack's WASI host into a static executable, and
# shipped as a linux image beside the wasi/wasm one under one index: the
# index validates against the OCI schemas, skopeo sees both platforms, umoci
# unpacks the linux image into an executable that prints what node:wasi
# prints, pull --wasm still gives the portable module; pushed to a real
# registry, the index is what skopeo, pull --platform, pull --wasm and inspect
# see there; linux/arm64 through Debian's cross compiler (run under qemu).
# shellcheck source=push_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/push_lib.sh"

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
# statically linked: no program interpreter
readelf -l bundle/rootfs/hello >elf.txt
expect_eq 0 "$(grep -c INTERP elf.txt || true)" "program interpreters of the executable"
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

# through a registry: push the index, then every reader picks its platform
registry_start anonymous "$T/reg" >/dev/null
H=$REG_HOST
expect_ok wp push oci:img:v1 "$H/hello:v1"
expect_contains "$OUT" "$IDX" "the pushed digest is the index's"
skopeo_inspect_to "$T/reg-raw.json" --raw --tls-verify=false "docker://$H/hello:v1"
expect_jq "$T/reg-raw.json" '[.manifests[].platform | "\(.os)/\(.architecture)"]' "[\"wasi/wasm\",\"linux/$ARCH\"]"
expect_ok wp pull -q "$H/hello:v1" --wasm reg.wasm
expect_same_file "$HELLO" reg.wasm
expect_ok wp pull -q "$H/hello:v1" --platform "linux/$ARCH" --extract regroot
expect_same_file bundle/rootfs/hello regroot/hello
expect_ok env -i WASMPACK_ENV=GREETING=Native regroot/hello world
expect_eq "$(echo "$NATIVE_OUT" | sed 's|bundle/rootfs/hello|regroot/hello|')" "$(cat "$OUT")" "the pulled native build"
expect_ok wp inspect "$H/hello:v1"
expect_contains "$OUT" "wasi/wasm" "inspect of the index"
expect_contains "$OUT" "linux/$ARCH" "inspect of the index"
expect_ok wp inspect "$H/hello:v1" --platform "linux/$ARCH" --format json
expect_jq "$OUT" '.platform' "\"linux/$ARCH\""
expect_jq "$OUT" '.entrypoint' '["/hello"]'
expect_jq "$OUT" '[.index.manifests[].platform]' "[\"wasi/wasm\",\"linux/$ARCH\"]"
# pull takes one image (the portable one); copy (or --platform all) keeps the index
expect_ok wp pull "$H/hello:v1" -o regpulled
expect_jq regpulled/index.json '.manifests[0].digest' "$(jq '.manifests[0].digest' "$INDEX")"
expect_ok wp copy "$H/hello:v1" oci:regcopy
expect_jq regcopy/index.json '.manifests[0].digest' "\"$IDX\""
expect_same_file "$INDEX" "$(blob regcopy "$IDX")"

# linux/arm64 too, with Debian's cross compiler (run with qemu when it is there)
if command -v aarch64-linux-gnu-gcc >/dev/null; then
	expect_ok wp build "$HELLO" -t hello:v1 --aot native --aot-platforms linux/amd64,linux/arm64 \
		--cmd world -e GREETING=Arm -o multi
	MI=$(blob multi "$(cat "$OUT")")
	expect_jq "$MI" '[.manifests[].platform | "\(.os)/\(.architecture)"]' '["wasi/wasm","linux/amd64","linux/arm64"]'
	expect_ok wp pull -q oci:multi:v1 --platform linux/arm64 --extract armroot
	readelf -h armroot/hello >arm.txt
	expect_contains arm.txt "AArch64" "the arm64 executable's machine"
	if command -v qemu-aarch64-static >/dev/null; then
		expect_ok env -i WASMPACK_ENV=GREETING=Native qemu-aarch64-static armroot/hello world
		expect_eq "$(echo "$NATIVE_OUT" | sed 's|bundle/rootfs/hello|armroot/hello|')" "$(cat "$OUT")" "the arm64 build under qemu"
	fi
else
	note "skipped linux/arm64: aarch64-linux-gnu-gcc is not installed"
fi
expect_fail 2 "expected linux/amd64 or linux/arm64" -- wp build "$HELLO" --aot native --aot-platforms windows/amd64 -o none

# refusals
expect_fail 2 "docker-archive cannot hold" -- wp build "$HELLO" --aot native -o docker-archive:x.tar
expect_absent x.tar
