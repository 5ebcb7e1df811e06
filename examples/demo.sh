#!/usr/bin/env bash
# make demo: compile examples/hello/hello.c to WebAssembly, build it into a
# wasi/wasm OCI image with wasmpack, check the image with skopeo, unpack it
# with umoci, and run the module under Node's node:wasi with the image's
# Entrypoint, Cmd and Env.
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
skopeo inspect --config "oci:$work/layout:v1" > "$work/config.json"
cat "$work/config.json"
echo

step "unpack the root filesystem with umoci"
umoci raw unpack --image "$work/layout:v1" "$work/rootfs" >/dev/null
ls -l "$work/rootfs"
cmp "$work/hello.wasm" "$work/rootfs/hello.wasm" && echo "the module in the image is byte-identical"

step "run it with node:wasi using the image's Entrypoint, Cmd and Env"
node --no-warnings "$top/tests/tools/run-wasi.mjs" "$work/rootfs" "$work/config.json"

step "done: the image is in $work/layout (OCI layout, tag v1)"
