#!/usr/bin/env bash
# wasmpack run: a module or an image's module run by the runtime found on
# PATH (Node's node:wasi here, for real), with the image's Cmd and Env as
# defaults, --env, --dir and the module's exit status. The command lines
# given to wasmtime and wasmedge are checked with stand-in scripts that
# record them (the runtimes are not installed here).
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# a module and an image of it
expect_ok wp build "$HELLO" -t hello:v1 --cmd world -e GREETING=Hey -o img
expect_ok wp run oci:img:v1
expect_eq "$(printf 'Hey from WebAssembly!\nargv[0] = /hello.wasm\nargv[1] = world')" "$(cat "$OUT")" "run an image"
expect_contains "$ERR" "with node"
expect_ok wp run oci:img:v1 -e GREETING=Yo -- a b
expect_eq "$(printf 'Yo from WebAssembly!\nargv[0] = /hello.wasm\nargv[1] = a\nargv[2] = b')" "$(cat "$OUT")" "ARGS and --env"
expect_ok wp run -q "$HELLO" -- x
expect_eq "argv[1] = x" "$(tail -n 1 "$OUT")" "run a module"

# a preopened directory and the exit status
cat >cat.c <<'C'
#include <stdio.h>
int main(int argc, char **argv)
{
	char line[128];
	FILE *f = fopen(argv[1], "r");

	if (!f || !fgets(line, sizeof(line), f))
		return 9;
	fputs(line, stdout);
	return 3;
}
C
clang --target=wasm32-wasi --sysroot=/usr -O2 -o cat.wasm cat.c
mkdir data
printf 'from the host\n' >data/in.txt
run wp run -q cat.wasm --dir "$T/data:/data" -- /data/in.txt
expect_status 3
expect_eq "from the host" "$(cat "$OUT")" "a file under --dir"
run wp run -q cat.wasm -- /data/in.txt
expect_status 9

# wasmtime and wasmedge are asked the way their CLIs want
mkdir bin
for rt in wasmtime wasmedge; do
	printf '#!/bin/sh\nprintf "%%s\\n" "$0" "$@" >"%s/%s.argv"\nexit 5\n' "$T" "$rt" >"bin/$rt"
	chmod +x "bin/$rt"
done
PATH=$T/bin:$PATH run wp run -q oci:img:v1 --dir "$T/data:/data" -e A=1
expect_status 5
expect_eq "$(printf '%s\n' "$T/bin/wasmtime" run "--dir=$T/data::/data" --env=GREETING=Hey --env=A=1 --)" \
	"$(head -n 6 wasmtime.argv)" "wasmtime's command line"
expect_match 'module\.wasm$' "$(sed -n 7p wasmtime.argv)" "the module given to wasmtime"
expect_eq world "$(sed -n 8p wasmtime.argv)" "the image's Cmd given to wasmtime"
PATH=$T/bin:$PATH run wp run -q --runtime wasmedge "$HELLO" --dir "$T/data:/data" -- x
expect_status 5
expect_eq "$(printf '%s\n' "$T/bin/wasmedge" "--dir=/data:$T/data" "$HELLO" x)" "$(cat wasmedge.argv)" "wasmedge's command line"
expect_fail 2 "expected wasmtime, wasmedge, iwasm or node" -- wp run --runtime qemu "$HELLO"
expect_fail 1 "not found on PATH" -- env PATH=/nonexistent "$WASMPACK" run --runtime node "$HELLO"
expect_fail 2 "missing what to run" -- wp run

# an image with a native build for this machine runs that (build --aot native)
if [[ $(uname -m) == x86_64 ]]; then
	expect_ok wp build "$HELLO" -t nat:v1 --aot native --cmd world -e GREETING=Native -o nat
	expect_ok wp run oci:nat:v1 -- x
	expect_eq "$(printf 'Native from WebAssembly!\nargv[0] = /hello\nargv[1] = x')" "$(cat "$OUT")" "the native build"
	expect_contains "$ERR" "natively"
	run wp run -q oci:nat:v1 -e GREETING=Dir --dir "$T/data:/data"
	expect_status 0
	expect_eq "Dir from WebAssembly!" "$(head -n 1 "$OUT")" "--env to the native build"
	expect_ok wp run -q --runtime node oci:nat:v1
	expect_eq "argv[0] = /hello.wasm" "$(sed -n 2p "$OUT")" "--runtime node over a native build"
	expect_fail 1 "has no linux/amd64 image" -- wp run --runtime native oci:img:v1
fi
