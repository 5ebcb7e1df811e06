#!/usr/bin/env bash
# build --aot with the runtimes' own compilers: how each is run and what the
# image holds. The compilers are stand-in scripts here (wasmtime, wasmedge
# and wamrc are not installed), which answer --version and write a
# recognisable output from their input.
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mkdir bin
cat >bin/wasmtime <<'SH'
#!/bin/sh
# wasmtime compile IN -o OUT
[ "$1" = --version ] && { echo "wasmtime-cli 99.1.0 (stand-in)"; exit 0; }
[ "$1" = compile ] && [ "$3" = -o ] || { echo "bad arguments: $*" >&2; exit 2; }
{ printf 'CWASM'; cat "$2"; } >"$4"
SH
cat >bin/wasmedge <<'SH'
#!/bin/sh
# wasmedge compile IN OUT: the module plus a custom section, as universal Wasm is
[ "$1" = --version ] && { echo "wasmedge version 0.99.0"; exit 0; }
[ "$1" = compile ] || { echo "bad arguments: $*" >&2; exit 2; }
{ cat "$2"; printf '\000\014\010wasmedgeaot'; } >"$3"
SH
cat >bin/wamrc <<'SH'
#!/bin/sh
# wamrc -o OUT IN
[ "$1" = --version ] && { echo "wamrc 9.9.9"; exit 0; }
[ "$1" = -o ] || { echo "bad arguments: $*" >&2; exit 2; }
{ printf 'AOT'; cat "$3"; } >"$2"
SH
cat >bin/failing <<'SH'
#!/bin/sh
[ "$1" = --version ] && { echo "failing 1"; exit 0; }
echo "error: cannot compile this" >&2
exit 3
SH
chmod +x bin/*
export PATH=$T/bin:$PATH
cp "$HELLO" hello.wasm

layer_files() { tar -tzf "$(layer_of "$1")" | LC_ALL=C sort | tr '\n' ' '; }
layer_file() { tar -xzf "$(layer_of "$1")" -O "$2"; }

# wasmtime: a .cwasm next to the module, its version in an annotation
expect_ok wp build hello.wasm --aot wasmtime -o wt
expect_contains "$ERR" "compiled ahead of time by wasmtime (wasmtime-cli 99.1.0 (stand-in))"
expect_eq "hello.cwasm hello.wasm " "$(layer_files wt)" "the layer with wasmtime's file"
expect_jq "$(config_of wt)" '.config.Entrypoint' '["/hello.wasm"]'
expect_jq "$(manifest_of wt)" '.annotations["dev.wasmpack.aot.wasmtime.version"]' '"wasmtime-cli 99.1.0 (stand-in)"'
layer_file wt hello.cwasm >got.cwasm
expect_eq "CWASM" "$(head -c 5 got.cwasm)" "what wasmtime wrote"
layer_file wt hello.wasm >got.wasm
expect_same_file hello.wasm got.wasm

# wamr: a .aot next to the module
expect_ok wp build hello.wasm --aot wamr -o wa
expect_eq "hello.aot hello.wasm " "$(layer_files wa)" "the layer with wamrc's file"
expect_jq "$(manifest_of wa)" '.annotations["dev.wasmpack.aot.wamr.version"]' '"wamrc 9.9.9"'

# wasmedge: the universal module replaces the module, still wasi/wasm and valid
expect_ok wp build hello.wasm --aot wasmedge -o we
expect_eq "hello.wasm " "$(layer_files we)" "the layer with wasmedge's module"
layer_file we hello.wasm >universal.wasm
expect_ok wp validate universal.wasm
expect_eq "$(($(stat -c %s hello.wasm) + 14))" "$(stat -c %s universal.wasm)" "the universal module's size"
expect_jq "$(config_of we)" '.os' '"wasi"'

# the compiler named, the compiler failing or missing, native
expect_ok wp build hello.wasm --aot wasmtime --aot-compiler "$T/bin/wasmtime" -o wt2
expect_fail 1 "failed (exit status 3): error: cannot compile this" -- \
	wp build hello.wasm --aot wamr --aot-compiler "$T/bin/failing" -o none
expect_fail 1 "--aot wamr needs nowhere" "--aot-compiler" -- \
	wp build hello.wasm --aot wamr --aot-compiler nowhere -o none
expect_fail 2 "docker-archive cannot hold" -- wp build hello.wasm --aot native -o docker-archive:none
expect_fail 2 "expected none, native, wasmedge, wasmtime or wamr" -- wp build hello.wasm --aot gcc -o none
expect_absent none
