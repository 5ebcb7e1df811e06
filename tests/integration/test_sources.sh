#!/usr/bin/env bash
# wasmpack build from sources: WAT (encoded in-process), C and C++ (clang for
# wasm32-wasi with the sysroot found by itself) and a Cargo project; each image's
# module runs under node:wasi and prints what it should. Errors come back with
# their locations, a missing toolchain with what to install.
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cat >wasi-run.mjs <<'JS'
// node wasi-run.mjs MODULE ARGS...: runs a WASI command and prints what it wrote.
import { WASI } from 'node:wasi';
import fs from 'node:fs';
const [file, ...args] = process.argv.slice(2);
const wasi = new WASI({ version: 'preview1', args: ['prog', ...args], returnOnExit: true });
const module = await WebAssembly.compile(fs.readFileSync(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
JS

# runs_as IMAGE_DIR EXPECTED ARGS...: the image's module prints EXPECTED
runs_as() {
	local dir=$1 want=$2
	shift 2
	expect_ok wp pull -q "oci:$dir" --wasm "$T/$dir.wasm"
	expect_ok node --no-warnings wasi-run.mjs "$T/$dir.wasm" "$@"
	expect_eq "$want" "$(cat "$OUT")" "what the module of $dir printed"
}

EX=$ROOT/examples

# --- WAT
expect_ok wp build "$EX/hello-wat/hello.wat" -t hello-wat:v1 -o wat
expect_contains "$ERR" "hello.wat: WebAssembly text, encoded by libwabt"
expect_jq "$(config_of wat)" '.config.Entrypoint' '["/hello.wasm"]'
runs_as wat "Hello from WAT on WebAssembly!"
printf '(module\n  (func (export "_start")\n    (i32.add)))\n' >bad.wat
expect_fail 1 "bad.wat:3:6: error: type mismatch in i32.add" -- wp build bad.wat -o none
printf '(module (func (export "_start")' >cut.wat
expect_fail 1 "cut.wat:1:32: error: unexpected token EOF" -- wp build cut.wat -o none
expect_absent none

# --- C, and C++ when its library is there
expect_ok wp build "$EX/hello-c/hello.c" -t hello-c:v1 -o c --cmd one
expect_contains "$ERR" "hello.c: C sources, compiled by clang --target=wasm32-wasi"
runs_as c "$(printf 'Hello from C on WebAssembly!\narg: two')" two
# two sources, -Os for the compiler and the optimizer
printf 'const char *who(void) { return "two files"; }\n' >who.c
printf '#include <stdio.h>\nconst char *who(void);\nint main(void) { printf("hello, %%s\\n", who()); return 0; }\n' >main.c
expect_ok wp build main.c who.c -Os -o two
expect_contains "$ERR" "-Os"
runs_as two "hello, two files"
# C++ (libc++ for wasm32)
printf '#include <iostream>\n#include <string>\nint main() { std::string s = "C++"; std::cout << "hello from " << s << std::endl; }\n' >hi.cpp
expect_ok wp build hi.cpp -o cxx
expect_contains "$ERR" "hi.cpp: C++ sources, compiled by clang++"
runs_as cxx "hello from C++"
printf 'int main(void) { return missing; }\n' >err.c
expect_fail 1 "err.c:1:25: error: use of undeclared identifier 'missing'" -- wp build err.c -o none
expect_fail 2 "sysroot" "no such directory" -- wp build main.c who.c --sysroot "$T/nowhere" -o none
# no clang on PATH and no wasi-sdk: what to install
mkdir nobin
ln -s "$(command -v node)" nobin/node
expect_fail 1 "clang not found" "apt-get install clang lld wasi-libc" -- \
	env PATH="$T/nobin" "$WASMPACK" build main.c -o none
expect_absent none
expect_fail 2 "only C/C++ sources may be several" -- wp build main.c bad.wat -o none

# --- Rust: with a cargo whose rustc has the WASI standard library
CARGO_BIN=
for c in /usr/bin/cargo "$(command -v cargo || true)"; do
	[[ -x $c ]] || continue
	sysroot=$(PATH=$(dirname "$c"):$PATH rustc --print sysroot 2>/dev/null || true)
	if [[ -d $sysroot/lib/rustlib/wasm32-wasi || -d $sysroot/lib/rustlib/wasm32-wasip1 ]]; then
		CARGO_BIN=$c
		break
	fi
done
if [[ -z $CARGO_BIN ]]; then
	note "skipped the Rust build: no cargo with a wasm32-wasi(p1) standard library here"
else
	cp -r "$EX/hello-rust" rust
	PATH=$(dirname "$CARGO_BIN"):$PATH CARGO=$CARGO_BIN CARGO_HOME=$T/cargo-home \
		expect_ok wp build rust -t hello-rust:v1 -o rs
	expect_contains "$ERR" "rust: Cargo project, built by cargo build --release --target wasm32-wasi"
	expect_jq "$(config_of rs)" '.config.Entrypoint' '["/hello-rust.wasm"]'
	runs_as rs "$(printf 'Hello from Rust on WebAssembly!\narg: x')" x
fi
# a Rust toolchain without the target's standard library: how to add it
if command -v rustup >/dev/null && ! rustup target list --installed 2>/dev/null | grep -q wasm32-wasi; then
	cp -r "$EX/hello-rust" rust2
	CARGO_HOME=${CARGO_HOME:-$HOME/.cargo} expect_fail 1 "rustup target add wasm32-wasi" -- \
		env CARGO="$(command -v cargo)" "$WASMPACK" build rust2 -o none
fi
mkdir empty
expect_fail 1 "without Cargo.toml" -- wp build empty -o none

# --- a directory with wasmpack.yaml: the file's values, the command line's first
mkdir proj
cp "$EX/hello-wat/hello.wat" proj/
cat >proj/wasmpack.yaml <<'YAML'
source: hello.wat
name: registry.example.com/acme/hello
tags: [v1, latest]
env:
  GREETING: from-file
  KEEP: yes
labels:
  team: file
output: oci:out
optimize: s
YAML
expect_ok wp build proj -l team=cli -e GREETING=from-cli
expect_contains "$ERR" "proj/wasmpack.yaml: project file, building"
expect_jq proj/out/index.json '[.manifests[].annotations["org.opencontainers.image.ref.name"]]' '["v1","latest"]'
expect_jq "$(config_of proj/out v1)" '.config.Env' '["GREETING=from-cli","KEEP=yes"]'
expect_jq "$(config_of proj/out v1)" '.config.Labels' '{"team":"cli"}'
expect_jq "$(manifest_of proj/out v1)" '.annotations | has("dev.wasmpack.source.digest")' true
runs_as proj/out "Hello from WAT on WebAssembly!"
# with no argument, the current directory's file; -t and -o win
(cd proj && expect_ok wp build -q -t other:v2 -o other)
expect_jq proj/other/index.json '.manifests[0].annotations["org.opencontainers.image.ref.name"]' '"v2"'
printf 'tagz: [v1]\n' >proj/wasmpack.yaml
expect_fail 1 "wasmpack.yaml:1:1: unknown key \"tagz\"" -- wp build proj
