#!/usr/bin/env bash
# make demo: compile examples/hello/hello.c to WebAssembly, build it into a
# wasi/wasm OCI image with wasmpack, check the image with skopeo, start a
# local registry (CNCF distribution) on loopback, push the image to it, pull
# it back with skopeo, unpack it with umoci, and run the module under Node's
# node:wasi with the image's Entrypoint, Cmd and Env.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
wasmpack=${WASMPACK:-$top/build/wasmpack}
work=$top/build/demo
rm -rf "$work"
mkdir -p "$work"

step() { printf '\n==> %s\n' "$*"; }

step "compile examples/hello/hello.c for wasm32-wasi (clang + wasi-libc)"
clang --target=wasm32-wasi --sysroot=/usr -O2 -o "$work/hello.wasm" "$top/examples/hello/hello.c"
ls -l "$work/hello.wasm"

step "wasmpack build: a FROM-scratch wasi/wasm image, no daemon"
(set -x; "$wasmpack" build "$work/hello.wasm" -t hello:v1 -o "$work/layout" \
	--cmd world --cmd '!' -e GREETING=Hello --metadata-file "$work/metadata.json")

step "the image as skopeo sees it"
skopeo inspect "oci:$work/layout:v1"

step "start a local registry on loopback (distribution, a free port, temporary storage)"
. "$top/tests/tools/registry.sh"
registry_install_trap
registry_start anonymous "$work/registry" >/dev/null
echo "registry at $REG_URL"

step "wasmpack push: to the registry (plain HTTP is allowed on loopback, as with Docker)"
(set -x; "$wasmpack" push "$work/layout" "$REG_HOST/hello:v1")

step "pull it back with skopeo and compare digests"
skopeo copy -q --src-tls-verify=false "docker://$REG_HOST/hello:v1" "oci:$work/pulled:v1"
pushed=$(jq -r .digest "$work/metadata.json")
pulled=$(skopeo inspect --format '{{.Digest}}' "oci:$work/pulled:v1")
echo "pushed $pushed"
echo "pulled $pulled"
if [ "$pushed" != "$pulled" ]; then
	echo "demo: the registry returned another image" >&2
	exit 1
fi
echo "the registry returned the very image that was built"

step "unpack the pulled image's root filesystem with umoci"
umoci raw unpack --image "$work/pulled:v1" "$work/rootfs" >/dev/null
ls -l "$work/rootfs"
cmp "$work/hello.wasm" "$work/rootfs/hello.wasm"
echo "the module in the image is byte-identical"

skopeo inspect --config "oci:$work/pulled:v1" > "$work/config.json"

step "run it with node:wasi using the image's Entrypoint, Cmd and Env"
node --no-warnings "$top/tests/tools/run-wasi.mjs" "$work/rootfs" "$work/config.json"

step "done: built in $work/layout, pushed to $REG_HOST/hello:v1, pulled into $work/pulled"
