#!/usr/bin/env bash
# The native fallback's WASI host (wasmopt/wasi_host): modules translated by wasm2c and
# compiled with the host by build-native.sh behave as under node:wasi (same stdout, same exit
# status) for tests/data/c/wasi_exercise.c and wasi_more.c, refuse every way out of a
# preopen (tests/data/c/wasi_escape.c: every way out, with raw WASI calls, and a symlink race),
# and end with one "wasm trap:" line and status 134 when they trap.
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

# every other way out, with the raw WASI calls (wasi-libc refuses some paths before the host
# sees them): native only, as node:wasi's uvwasi follows symlinks out of the preopen
expect_ok clang --target=wasm32-wasi --sysroot=/usr -O2 -Wall -Wextra -Werror \
	-o escape.wasm "$ROOT/tests/data/c/wasi_escape.c"
expect_ok "$BUILD_NATIVE" escape.wasm escape.native
make_tree esc
(
	cd esc/sandbox
	mkdir sub
	ln -s /etc abs-dir
	ln -s chain2 chain1
	ln -s ../outside/secret chain2
	ln -s loop2 loop1
	ln -s loop1 loop2
	ln -s ../outside/new dangling-out
	ln -s .. sub/up
)
snapshot esc/outside >outside.before
expect_ok ./escape.native --preopen "$T/esc/sandbox:/sandbox"
cp "$OUT" escape.out
expect_eq 0 "$(grep -c 'ESCAPED\|FAILED' escape.out || true)" \
	"escapes: $(grep 'ESCAPED\|FAILED' escape.out | head -n 3 | tr '\n' '|')"
for what in "dot-dot" "absolute" "absolute root" "down then up" "parent directory" "symlink out" \
	"symlink out then down" "absolute symlink to a directory" "symlink chain" \
	"symlink up inside then out" "create through a dangling symlink out" "stat up" \
	"readlink up" "mkdir through a symlink out" "unlink through a symlink out" "rename out" \
	"rename in from outside" "link in from outside" "symlink made through a symlink out" \
	"follow a symlink made to climb out" "times through a symlink out" \
	"dot-dot-dot-dot from an opened subdirectory"; do
	grep -qx "$what: refused (errno 76)" escape.out ||
		fail "\"$what\" is not refused with ENOTCAPABLE: $(grep "^$what:" escape.out)"
done
expect_contains escape.out "symlink loop: refused (errno 32)"
expect_contains escape.out "symlink up, still inside: ok (data file)"
expect_contains escape.out "down and up again: ok"
snapshot esc/outside >outside.after
expect_same_snapshot outside.before outside.after "the tree outside the preopen"
expect_absent esc/created esc/made esc/moved esc/linked esc/outside/new
# no preopen: nothing to open anything from
expect_ok ./escape.native --none
expect_contains "$OUT" "preopen: none"
expect_eq 24 "$(grep -c ': refused (errno ' "$OUT")" "refusals without a preopen"
expect_eq 0 "$(grep -c ESCAPED "$OUT" || true)" "escapes without a preopen"
# a symlink race: "swap" flips (renameat2 RENAME_EXCHANGE) between a directory holding "secret"
# and a symlink to ../outside while the guest opens swap/secret 50000 times; it may read the
# inside one or be refused, never read the outside one, however the flips fall
mkdir esc/sandbox/swap
echo inside >esc/sandbox/swap/secret
ln -s ../outside esc/sandbox/swap-other
cat >flip.py <<'PY'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
os.chdir(sys.argv[1])
flips = 0
while not os.path.exists(sys.argv[2]):
    if libc.renameat2(-100, b"swap", -100, b"swap-other", 2) != 0:  # AT_FDCWD, RENAME_EXCHANGE
        sys.exit("renameat2: " + os.strerror(ctypes.get_errno()))
    flips += 1
    if flips == 1:
        open(sys.argv[3], "w").close()
print("flips", flips)
PY
/usr/bin/python3 flip.py "$T/esc/sandbox" "$T/flip.stop" "$T/flip.ready" >flip.out 2>&1 &
flip_pid=$!
while [[ ! -e flip.ready ]]; do
	kill -0 "$flip_pid" 2>/dev/null || fail "the flipper stopped: $(cat flip.out)"
	sleep 0.05
done
run ./escape.native --preopen "$T/esc/sandbox:/sandbox" --race 50000
touch flip.stop
wait "$flip_pid" || fail "the flipper failed: $(cat flip.out)"
expect_status 0
note "$(cat "$OUT"); $(cat flip.out)"
expect_match '^race: 50000 opens, [0-9]+ refused, [0-9]+ inside, 0 outside$' "$(cat "$OUT")" \
	"opens racing a symlink swap"

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
