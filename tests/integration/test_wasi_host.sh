#!/usr/bin/env bash
# The native fallback's WASI host (wasmopt/wasi_host): modules translated by wasm2c and
# compiled with the host by build-native.sh behave as under node:wasi (same stdout, same exit
# status) for tests/data/c/wasi_exercise.c and wasi_more.c, refuse every way out of a
# preopen, and end with one "wasm trap:" line and status 134 when they trap.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if ! command -v wasm2c >/dev/null || ! command -v wat2wasm >/dev/null ||
	[[ ! -f /usr/share/wabt/wasm2c/wasm-rt-impl.c ]]; then
	note "wasm2c, wat2wasm or wasm-rt-impl.c missing (Debian package wabt): skipped"
	exit 0
fi
BUILD_NATIVE=$ROOT/wasmopt/wasi_host/build-native.sh
RUN_NODE=(node --no-warnings "$TOOLS/run-wasi-module.mjs")

# hello: the repository's example, natively and under Node
expect_ok "$BUILD_NATIVE" "$HELLO" hello.native
expect_ok ./hello.native --env GREETING=Howdy --argv0 hello -- one 'two words'
cp "$OUT" hello.native.out
expect_ok "${RUN_NODE[@]}" "$HELLO" --env GREETING=Howdy --argv0 hello -- one 'two words'
expect_same_file "$OUT" hello.native.out
expect_contains hello.native.out "Howdy from WebAssembly!"
expect_contains hello.native.out "argv[2] = two words"
# the environment can come from WASMPACK_ENV instead; the host's own never reaches the guest
expect_ok env GREETING=leaked WASMPACK_ENV=$'X=1\nGREETING=Hi' ./hello.native
expect_contains "$OUT" "Hi from WebAssembly!"

# the exercise program: args, env, clocks, random, stdio, files, refusals
expect_ok clang --target=wasm32-wasi --sysroot=/usr -O2 -Wall -Wextra -Werror \
	-o exercise.wasm "$ROOT/tests/data/c/wasi_exercise.c"
expect_ok "$BUILD_NATIVE" exercise.wasm exercise.native

# a fresh tree for each run: the sandbox with a data file and three symlinks out of it
make_tree() {
	rm -rf "$1"
	mkdir -p "$1/sandbox" "$1/outside"
	echo secret >"$1/outside/secret"
	echo "data file" >"$1/sandbox/data.txt"
	ln -s ../outside/secret "$1/sandbox/outside-link"
	ln -s ../outside "$1/sandbox/outside-dir"
	ln -s /etc/passwd "$1/sandbox/abs-link"
}
printf 'line one\nline two\n' >stdin.txt
args=(--env GREETING=hi --env OTHER=x --argv0 exercise -- a 'b c' --env)

make_tree node
run "${RUN_NODE[@]}" exercise.wasm --preopen "$T/node/sandbox:/sandbox" "${args[@]}" <stdin.txt
node_status=$STATUS
cp "$OUT" node.out
expect_contains "$ERR" "this goes to stderr"

make_tree native
run ./exercise.native --preopen "$T/native/sandbox:/sandbox" "${args[@]}" <stdin.txt
expect_eq 7 "$STATUS" "native exit status"
expect_eq "$node_status" "$STATUS" "exit status native vs node"
cp "$OUT" native.out
expect_eq "this goes to stderr" "$(cat "$ERR")" "native stderr"

# Node's uvwasi follows a symlink in the middle of a path out of the preopen (it checks only
# the path as written): the one line where the native host is meant to differ
expect_contains native.out "symlink out then down /sandbox/outside-dir/secret: refused"
grep -v '^symlink out then down ' node.out >node.cmp
grep -v '^symlink out then down ' native.out >native.cmp
diff node.cmp native.cmp >exercise.diff || fail "native and node stdout differ: $(head -n 4 exercise.diff | tr '\n' '|')"
for line in "argv[3] --env" "env GREETING hi" "stdin lines 2" "read 6 -> 6 \"456789\"" \
	"readdir /sandbox: abs-link data.txt new.txt outside-dir outside-link sub" \
	"escape ../etc/passwd: refused" "absolute /etc/passwd: refused" \
	"symlink out /sandbox/outside-link: refused" "absolute symlink /sandbox/abs-link: refused"; do
	expect_contains native.out "$line"
done
# the sandboxes end alike and nothing outside changed
expect_same_tree node/sandbox native/sandbox
expect_eq secret "$(cat native/outside/secret)" "outside file"

# WASMPACK_PREOPENS instead of --preopen
make_tree envrun
run env WASMPACK_PREOPENS="$T/envrun/sandbox:/sandbox" ./exercise.native "${args[@]}" <stdin.txt
expect_eq 7 "$STATUS" "exit status with WASMPACK_PREOPENS"
expect_same_file native.out "$OUT"

# a preopen that cannot be opened is the host's error, before the guest runs
expect_fail 125 'preopen' "$T/missing" -- ./exercise.native --preopen "$T/missing:/sandbox"

# the rest of the host: sleep and poll, positioned I/O, sizes, times, fd flags, links and
# symlinks, directories, fd_renumber, bad guest pointers (an error, never a crash), ENOSYS
expect_ok clang --target=wasm32-wasi --sysroot=/usr -O2 -Wall -Wextra -Werror \
	-o more.wasm "$ROOT/tests/data/c/wasi_more.c"
expect_ok "$BUILD_NATIVE" more.wasm more.native
mkdir more-node more-native more-beyond
expect_ok "${RUN_NODE[@]}" more.wasm --preopen "$T/more-node:/work" </dev/null
cp "$OUT" more-node.out
expect_ok ./more.native --preopen "$T/more-native:/work" </dev/null
expect_same_file more-node.out "$OUT"
expect_same_tree more-node more-native
expect_eq 0 "$(grep -c 'FAILED\|WRITTEN\|FILLED\|OPENED\|MADE\|ACCEPTED' more-node.out || true)" \
	"checks that failed under node"
for line in "readlink /work/soft: a.txt" "the renumbered fd reads: first" "the old fd: errno 8" \
	"fd_write with iovs out of memory: error" "symlink to an absolute path: refused" \
	"link out of the preopen: refused" "append wrote at the end: onetwo"; do
	expect_contains more-node.out "$line"
done
# what node:wasi cannot do (two clocks, an absolute deadline, fd readiness): native only
run sh -c "echo ready | ./more.native --preopen '$T/more-beyond:/work' -- --beyond-node"
expect_status 0
expect_eq 0 "$(grep -c FAILED "$OUT" || true)" "failed checks beyond node"
expect_contains "$OUT" "poll two clocks: errno 0, events 1, first userdata 1"
expect_contains "$OUT" "poll absolute past deadline: errno 0, events 1"
expect_contains "$OUT" "poll stdout writable, stdin readable: ok"

# traps: one line naming the trap, status 134
cat >oob.wat <<'WAT'
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (drop (i32.load (i32.const 0x7ffffff0)))))
WAT
cat >unreachable.wat <<'WAT'
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") unreachable))
WAT
# through call_indirect, so the C compiler cannot turn the recursion into a loop
cat >recursion.wat <<'WAT'
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
  (memory (export "memory") 1)
  (type $t (func (param i32) (result i32)))
  (table 1 funcref)
  (elem (i32.const 0) $f)
  (func $f (param i32) (result i32)
    (i32.add (call_indirect (type $t) (i32.add (local.get 0) (i32.const 1)) (i32.const 0))
             (local.get 0)))
  (func (export "_start") (drop (call $f (i32.const 0)))))
WAT
declare -A reason=(
	[oob]="Out-of-bounds access in linear memory"
	[unreachable]="Unreachable instruction executed"
	[recursion]="Call stack exhausted"
)
for m in oob unreachable recursion; do
	expect_ok wat2wasm "$m.wat" -o "$m.wasm"
	expect_ok "$BUILD_NATIVE" "$m.wasm" "$m.native"
	expect_fail 134 "wasm trap: ${reason[$m]}" -- "./$m.native"
done
