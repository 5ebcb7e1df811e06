#!/usr/bin/env bash
# Bad modules and bad arguments: exit 1 (bad module, I/O) or 2 (usage),
# nothing on stdout, exactly one line on stderr naming the cause, and nothing
# written: no output, no default ./wasmpack-out, no temporary file left.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mkdir work && cd work
cp "$HELLO" hello.wasm
: >empty.wasm
printf 'this is a text file, not a module\n' >text.wasm
mkdir directory.wasm
# wrong version bytes: 00 61 73 6d 02 00 00 00
{ head -c 4 hello.wasm; printf '\002\000\000\000'; tail -c +9 hello.wasm; } >version2.wasm
# the first section declares 0xFFFFFFFF bytes (LEB128 ff ff ff ff 0f)
printf '\000asm\001\000\000\000\001\377\377\377\377\017\001\140\000\000' >huge-section.wasm
# hello.wasm cut in the middle of its code section; compute where that
# section starts, as the message must name that offset
read -r cut section_hex section_len remain < <(/usr/bin/python3 - hello.wasm <<'EOF'
import sys
b = open(sys.argv[1], "rb").read()
off = 8
while off < len(b):
    sid, p, n, shift = b[off], off + 1, 0, 0
    while True:
        c = b[p]; p += 1; n |= (c & 0x7F) << shift; shift += 7
        if not c & 0x80:
            break
    if sid == 10:
        cut = p + n // 2
        print(cut, hex(off), n, cut - p)
        break
    off = p + n
EOF
)
[[ -n ${cut:-} ]] || fail "hello.wasm has no code section"
head -c "$cut" hello.wasm >truncated.wasm
mkdir -p ctx && echo data >ctx/file

# bad STATUS SUBSTR... -- ARGS...: `wasmpack build ARGS -o out` fails so and
# changes nothing in the working directory.
bad() {
	local status=$1
	shift
	local subs=()
	while [[ $1 != -- ]]; do
		subs+=("$1")
		shift
	done
	shift
	snapshot . >"$T/.before"
	expect_fail "$status" "${subs[@]}" -- "$WASMPACK" build "$@" -o out
	snapshot . >"$T/.after"
	expect_same_snapshot "$T/.before" "$T/.after" "the working directory after: build $*"
	expect_absent out wasmpack-out
}

# --- the module: exit 1
bad 1 'missing.wasm' 'No such file' -- missing.wasm
bad 1 '"empty.wasm"' 'empty' -- empty.wasm
bad 1 '"text.wasm"' 'not a WebAssembly binary' 'offset 0x0' -- text.wasm
bad 1 '"truncated.wasm"' "offset $section_hex:" "section 10 (code) declares $section_len bytes" \
	"only $remain remain" -- truncated.wasm
bad 1 '"version2.wasm"' 'version 2' 'offset 0x4' -- version2.wasm
bad 1 '"directory.wasm"' 'directory' -- directory.wasm
bad 1 '"huge-section.wasm"' 'offset 0x8' '4294967295 bytes' -- huge-section.wasm
bad 1 '"missing-dir"' -- hello.wasm --add missing-dir:/data

# --- usage: exit 2
bad 2 'linux/amd64' 'accepted: wasi/wasm, wasip1/wasm, wasip2/wasm' -- hello.wasm --platform linux/amd64
bad 2 'wasm/wasi' 'accepted:' -- hello.wasm --platform wasm/wasi
bad 2 '"NOVALUE"' 'KEY=VALUE' -- hello.wasm -e NOVALUE
bad 2 '"=x"' 'KEY=VALUE' -- hello.wasm -l =x
bad 2 '"70000"' '1-65535' -- hello.wasm --expose 70000
bad 2 '"0"' -- hello.wasm --expose 0
bad 2 '"80/icmp"' -- hello.wasm --expose 80/icmp
bad 2 '"hello.wasm"' 'absolute' -- hello.wasm --entrypoint hello.wasm
bad 2 '"/app/hello"' '.wasm' -- hello.wasm --entrypoint /app/hello
bad 2 '"/app/../hello.wasm"' -- hello.wasm --entrypoint /app/../hello.wasm
bad 2 'unknown option "--frobnicate"' -- hello.wasm --frobnicate
bad 2 'unknown option "-Z"' -- hello.wasm -Z
bad 2 'missing the module' -- --cmd x
bad 2 'one module at a time' '"other.wasm"' -- hello.wasm other.wasm
bad 2 '"Hello:v1"' 'lowercase' '"hello"' -- hello.wasm -t Hello:v1
bad 2 'invalid tag "bad tag"' -- hello.wasm -t "hello:bad tag"
bad 2 'by digest' -- hello.wasm -t "hello@sha256:$(printf '%064d' 0)"
bad 2 'zstd' '--media-types docker' -- hello.wasm --media-types docker --compression zstd
bad 2 'annotations' -- hello.wasm --media-types docker --annotation a=b
bad 2 '"oci2"' -- hello.wasm --media-types oci2
bad 2 '"brotli"' 'gzip, zstd, none' -- hello.wasm --compression brotli
bad 2 'level 12' '1..9' -- hello.wasm --compression-level 12
bad 2 '"relative"' 'absolute' -- hello.wasm --workdir relative
bad 2 '--user' -- hello.wasm --user ''
bad 2 'SRC:DST' -- hello.wasm --add ctx
bad 2 'core module' 'wasip2/wasm' -- hello.wasm --platform wasip2/wasm

# the output option itself, and options missing their value (which must come
# last, or they take the next word): no trailing -o out
bad_output() {
	snapshot . >"$T/.before"
	expect_fail 2 "$@"
	snapshot . >"$T/.after"
	expect_same_snapshot "$T/.before" "$T/.after" "the working directory"
	expect_absent out wasmpack-out
}
bad_output 'give the tag with -t' -- "$WASMPACK" build hello.wasm -o oci:out:v1
bad_output '"registry"' -- "$WASMPACK" build hello.wasm -o type=registry,dest=out
bad_output 'type=docker is always a tar' -- "$WASMPACK" build hello.wasm -o type=docker,dest=out,tar=false
bad_output 'missing dest=' -- "$WASMPACK" build hello.wasm -o type=oci
bad_output 'registries and daemons' -- "$WASMPACK" build hello.wasm -o docker://example.com/x
bad_output '"-o"' 'needs a value' -- "$WASMPACK" build hello.wasm -o
bad_output '"--env"' 'needs a value' -- "$WASMPACK" build hello.wasm --env
bad_output '"-t"' 'needs a value' -- "$WASMPACK" build hello.wasm -t
bad_output 'layout directory cannot go to standard output' -- "$WASMPACK" build hello.wasm -o -

# SOURCE_DATE_EPOCH that is not a time: a usage error, whatever the input
for sde in yesterday -1 1.5 1e9 99999999999999999999 ' 1700000000'; do
	export SOURCE_DATE_EPOCH=$sde
	bad 2 "SOURCE_DATE_EPOCH \"$sde\"" -- hello.wasm
done
unset SOURCE_DATE_EPOCH
