#!/usr/bin/env bash
# wasmpack validate, optimize and build -Oz on real modules: C programs built
# by clang for WASI (-O0 and -O2, with and without -g) and the WAT programs
# of tests/data/wat. Optimized modules must be valid for wasmpack and wabt,
# no larger than their input (-Oz <= -Os <= input) nor than wasm-strip's
# output, and behave the same under Node.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DATA=$ROOT/tests/data
for tool in wat2wasm wasm-validate wasm-strip; do
	command -v "$tool" >/dev/null || fail "\"$tool\" is not installed (wabt; see 'make deps')"
done

# --- Node drivers
cat >wasi-run.mjs <<'EOF'
// node wasi-run.mjs MODULE ARGS...: runs a WASI command with argv[0] "prog"
// and prints what it wrote, then its exit status.
import { WASI } from 'node:wasi';
import fs from 'node:fs';
const [file, ...args] = process.argv.slice(2);
const wasi = new WASI({ version: 'preview1', args: ['prog', ...args], env: { GREETING: 'Hi' },
  returnOnExit: true });
const module = await WebAssembly.compile(fs.readFileSync(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
const status = wasi.start(instance);
process.stdout.write(`exit status ${status}\n`);
EOF
cat >exports.mjs <<'EOF'
// node exports.mjs MODULE: instantiates MODULE with stand-in imports (functions
// returning 0, a 1-page memory, i32 globals of 1000), calls every exported
// function (by name) with fixed arguments and prints, as JSON, the results or
// traps, then the digests of the memories and the values of the globals.
import fs from 'node:fs';
import crypto from 'node:crypto';
const module = new WebAssembly.Module(fs.readFileSync(process.argv[2]));
const imports = {};
const memories = [];
for (const imp of WebAssembly.Module.imports(module)) {
  let v;
  if (imp.kind === 'function') v = () => 0;
  else if (imp.kind === 'memory') memories.push(v = new WebAssembly.Memory({ initial: 1, maximum: 16 }));
  else if (imp.kind === 'table') v = new WebAssembly.Table({ initial: 16, element: 'anyfunc' });
  else if (imp.kind === 'global') v = new WebAssembly.Global({ value: 'i32', mutable: false }, 1000);
  else throw new Error(`cannot stand in for a ${imp.kind} import`);
  (imports[imp.module] ??= {})[imp.name] = v;
}
const digest = (m) => crypto.createHash('sha256').update(new Uint8Array(m.buffer)).digest('hex');
const out = {};
let instance;
try {
  instance = new WebAssembly.Instance(module, imports);
} catch (e) {
  out.instantiate = `${e.constructor.name}: ${e.message}`;
}
const names = instance ? Object.keys(instance.exports).sort() : [];
for (const name of names) {
  const f = instance.exports[name];
  if (typeof f !== 'function') continue;
  for (const first of [0, 1, 5, 1000, -1, 70000]) {
    const args = Array.from({ length: f.length }, (_, i) => (i === 0 ? first : i + 2));
    let r;
    try {
      r = String(f(...args));
    } catch (e) {
      r = `trap ${e.constructor.name}: ${e.message}`;
    }
    out[`${name}(${args.join(',')})`] = r;
    if (f.length === 0) break;
  }
}
for (const name of names) {
  const x = instance.exports[name];
  if (x instanceof WebAssembly.Memory) out[`memory ${name}`] = digest(x);
  else if (x instanceof WebAssembly.Global) out[`global ${name}`] = String(x.value);
  else if (x instanceof WebAssembly.Table) out[`table ${name}`] = x.length;
}
out.imported = memories.map(digest);
console.log(JSON.stringify(out));
EOF

size_of() { stat -c %s "$1"; }

# wabt_ok FILE: wasm-validate --enable-all accepts it.
wabt_ok() {
	wasm-validate --enable-all "$1" >"$T/.wabt" 2>&1 ||
		fail "wasm-validate --enable-all refuses $1: $(first_line "$T/.wabt")"
}

# optimize_all IN: IN.Os.wasm and IN.Oz.wasm (IN without .wasm), both valid
# for wasmpack and wabt, -Oz <= -Os <= IN and both <= wasm-strip's output.
optimize_all() {
	local in=$1 base=${1%.wasm} strip
	expect_ok wp validate "$in"
	expect_ok wp optimize -q -Os "$in" -o "$base.Os.wasm"
	expect_stderr_empty
	expect_ok wp optimize -q -Oz --stats "$in" -o "$base.Oz.wasm"
	expect_contains "$ERR" "merged functions"
	for level in Os Oz; do
		expect_ok wp validate "$base.$level.wasm"
		wabt_ok "$base.$level.wasm"
	done
	cp "$in" "$base.strip.wasm"
	wasm-strip "$base.strip.wasm"
	strip=$(size_of "$base.strip.wasm")
	local orig os oz
	orig=$(size_of "$in") os=$(size_of "$base.Os.wasm") oz=$(size_of "$base.Oz.wasm")
	note "$in: $orig bytes, -Os $os, -Oz $oz, wasm-strip $strip"
	((oz <= os && os <= orig)) || fail "$in: sizes not ordered: $orig, -Os $os, -Oz $oz"
	((os <= strip)) || fail "$in: -Os ($os bytes) is larger than wasm-strip's output ($strip)"
}

# --- validate: exit status, messages, --json
printf '(module (func (export "_start") (result i32) i64.const 0))' >bad.wat
expect_ok wat2wasm --no-check bad.wat -o bad.wasm
printf '\0asm\1\0\0\0\1\5\1' >short.wasm
printf '\0asm\r\0\1\0' >component.wasm

expect_ok wp validate "$HELLO"
expect_stderr_empty
expect_stdout_empty
expect_fail 1 '"bad.wasm": function 0, offset 0x26: type mismatch in end: expected i32, found i64' \
	-- wp validate bad.wasm
expect_fail 1 '"short.wasm": offset 0x8: length out of bounds: section 1 declares 5 bytes, 1 remain' \
	-- wp validate short.wasm
expect_fail 1 '"component.wasm" is a component: only core modules are validated' \
	-- wp validate component.wasm
expect_fail 1 'missing.wasm' -- wp validate missing.wasm
expect_fail 2 'missing the module to validate' -- wp validate
expect_fail 2 '--features "gc": expected all or default' -- wp validate --features gc bad.wasm
run wp validate -q bad.wasm
expect_status 1
expect_stderr_empty
# every module is checked; one failure makes the status 1
run wp validate "$HELLO" bad.wasm short.wasm
expect_status 1
expect_eq 2 "$(wc -l <"$ERR")" "lines on stderr for two bad modules"
run wp validate --json "$HELLO" bad.wasm component.wasm
expect_status 1
expect_stderr_empty
expect_eq 3 "$(wc -l <"$OUT")" "JSON lines"
sed -n 1p "$OUT" >v1.json
sed -n 2p "$OUT" >v2.json
sed -n 3p "$OUT" >v3.json
expect_jq v1.json . "{\"file\":\"$HELLO\",\"valid\":true}"
expect_jq v2.json '[.file, .valid]' '["bad.wasm",false]'
expect_jq v2.json .error '"\"bad.wasm\": function 0, offset 0x26: type mismatch in end: expected i32, found i64"'
expect_jq v3.json .valid false
expect_jq v3.json '.error | test("component")' true
expect_ok wp validate --json --features all "$HELLO"
expect_jq "$OUT" .valid true

# --- optimize: usage errors
expect_fail 2 'missing -o OUT.wasm' -- wp optimize "$HELLO"
expect_fail 2 '-Ox: expected -O0, -Os or -Oz' -- wp optimize -Ox "$HELLO" -o x.wasm
expect_fail 1 'function 0, offset 0x26' -- wp optimize bad.wasm -o x.wasm
expect_absent x.wasm
expect_fail 1 '"component.wasm" is a component' -- wp optimize component.wasm -o x.wasm
expect_absent x.wasm
# the output is written while it is validated again, under a temporary
# name: a failure leaves neither it nor the file it would have replaced
echo "keep me" >kept.wasm
expect_fail 1 '"component.wasm" is a component' -- wp optimize component.wasm -o kept.wasm
expect_eq "keep me" "$(cat kept.wasm)" "kept.wasm after a failed optimize"
expect_eq "" "$(ls -A | grep -F '.tmp-' || true)" "temporary files after failed optimizes"
expect_fail 1 'nodir' -- wp optimize -Oz "$HELLO" -o nodir/x.wasm
expect_ok wp optimize -O0 "$HELLO" -o same.wasm
expect_same_file "$HELLO" same.wasm

# --- C programs: -O0/-O2, with and without -g; the optimized modules print
# exactly what the originals print
programs=("$ROOT/examples/hello/hello.c" "$DATA/c/sort.c" "$DATA/c/alloc.c" "$DATA/c/zeros.c")
for src in "${programs[@]}"; do
	name=$(basename "$src" .c)
	for opt in -O0 -O2; do
		for debug in "" -g; do
			m=$name$opt$debug.wasm
			expect_ok clang --target=wasm32-wasi --sysroot=/usr $opt $debug -o "$m" "$src"
			optimize_all "$m"
			expect_ok node --no-warnings wasi-run.mjs "$m" one "two words"
			cp "$OUT" "$m.out"
			expect_contains "$m.out" "exit status 0"
			for level in Os Oz; do
				expect_ok node --no-warnings wasi-run.mjs "${m%.wasm}.$level.wasm" one "two words"
				expect_same_file "$m.out" "$OUT"
			done
		done
	done
done
# -g modules lose their DWARF at -Os
expect_contains hello-O0-g.wasm ".debug_info"
grep -q ".debug_info" hello-O0-g.Os.wasm && fail "hello-O0-g.Os.wasm still has .debug_info"
# sort.c's step_a and step_b have the same body (wasm-ld already removed
# what is unused)
expect_ok wp optimize -Oz --stats sort-O0.wasm -o sort-stats.wasm
expect_match 'merged functions \(([1-9][0-9]*)\)' "$(grep 'merged functions' "$ERR")" "-Oz --stats of sort-O0.wasm"
# --keep-section keeps what -Os would drop; name follows -Oz's new indices
expect_ok wp optimize -q -Oz --keep-section name --keep-section producers sort-O0.wasm -o kept.wasm
wabt_ok kept.wasm
expect_ok wasm-objdump -h kept.wasm
expect_contains "$OUT" '"name"'
expect_contains "$OUT" '"producers"'
expect_ok node --no-warnings wasi-run.mjs kept.wasm one "two words"
expect_same_file sort-O0.wasm.out "$OUT"
# --remove-unused-imports: WASI imports nothing calls go, the program still runs
expect_ok wp optimize -q -Oz --remove-unused-imports hello-O0.wasm -o noimports.wasm
wabt_ok noimports.wasm
expect_ok node --no-warnings wasi-run.mjs noimports.wasm one "two words"
expect_same_file hello-O0.wasm.out "$OUT"
# standard output
expect_ok wp optimize -q -Oz zeros-O2.wasm -o -
cmp -s "$OUT" zeros-O2.Oz.wasm || fail "optimize -o - differs from -o FILE"

# --- WAT programs: every export returns the same, memories end the same
for wat in "$DATA"/wat/*.wat; do
	name=$(basename "$wat" .wat)
	expect_ok wat2wasm --enable-all "$wat" -o "$name.wasm"
	optimize_all "$name.wasm"
	expect_ok node --no-warnings exports.mjs "$name.wasm"
	cp "$OUT" "$name.json"
	[[ $(jq -r 'keys | length' "$name.json") -gt 1 ]] || fail "$name.wasm: exports.mjs saw nothing"
	for level in Os Oz; do
		expect_ok node --no-warnings exports.mjs "$name.$level.wasm"
		diff "$name.json" "$OUT" >"$T/.diff" ||
			fail "$name.$level.wasm behaves differently: $(head -c 300 "$T/.diff")"
	done
	expect_ok wp optimize -q -Oz --remove-unused-imports "$name.wasm" -o "$name.noimports.wasm"
	wabt_ok "$name.noimports.wasm"
done
# what the WAT programs are about happened
((  $(size_of dce.Oz.wasm) < $(size_of dce.wasm) )) || fail "-Oz removed nothing from dce.wasm"
((  $(size_of dedup.Oz.wasm) < $(size_of dedup.wasm) )) || fail "-Oz merged nothing in dedup.wasm"
((  $(size_of data.Oz.wasm) < $(size_of data.wasm) )) || fail "-Oz did nothing to data.wasm"
((  $(size_of tables.Oz.wasm) < $(size_of tables.wasm) )) || fail "-Oz removed nothing from tables.wasm"
expect_ok wp optimize -Oz --stats similar.wasm -o similar.stats.wasm
expect_contains "$ERR" "similar functions 7 -> 3" "optimize --stats similar.wasm"
expect_ok wp optimize -Oz --stats tails.wasm -o tails.stats.wasm
expect_contains "$ERR" "repeated tails (3)" "optimize --stats tails.wasm"
expect_jq data_oob.json '.instantiate | test("out of bounds")' true

# --- build -Oz: the image holds the optimized module, which runs the same,
# and the manifest names the original
expect_ok clang --target=wasm32-wasi --sysroot=/usr -O2 -g -o app.wasm "$DATA/c/sort.c"
before=$(ls -A "$TMPDIR")
expect_ok wp build -q -Oz app.wasm -t app:v1 --cmd one --cmd "two words" -o layout
digest=$(cat "$OUT")
expect_eq "$before" "$(ls -A "$TMPDIR")" "TMPDIR after build -Oz (the optimized module's temporary file)"
expect_match "$DIGEST_RE" "$digest" "build -Oz stdout"
expect_jq "$(manifest_of layout v1)" '.annotations["dev.wasmpack.source.digest"]' "\"$(sha256_of app.wasm)\""
mkdir rootfs
tar -xzf "$(layer_of layout v1)" -C rootfs
expect_file rootfs/app.wasm
expect_ok wp optimize -q -Oz app.wasm -o app.Oz.wasm
expect_same_file app.Oz.wasm rootfs/app.wasm
expect_ok wp validate rootfs/app.wasm
skopeo_inspect_to config.json --config oci:layout:v1
expect_ok node --no-warnings "$TOOLS/run-wasi.mjs" rootfs config.json
cp "$OUT" from-image.txt
expect_ok node --no-warnings wasi-run.mjs app.wasm one "two words"
# the image's argv[0] is its entrypoint, the direct run's is "prog"
sed 's|^argv\[0\] = .*|argv[0] = ?|' from-image.txt >a.txt
sed -e 's|^argv\[0\] = .*|argv[0] = ?|' -e '/^exit status /d' "$OUT" >b.txt
expect_same_file b.txt a.txt
# -O0 (the default) packs the bytes as given, with no annotation
expect_ok wp build -q app.wasm -t app:v0 -o layout0
expect_jq "$(manifest_of layout0 v0)" '.annotations["dev.wasmpack.source.digest"]' null
mkdir rootfs0
tar -xzf "$(layer_of layout0 v0)" -C rootfs0
expect_same_file app.wasm rootfs0/app.wasm

# --- build validates: an invalid module is refused with the function and the
# offset; --no-validate packs it anyway
expect_fail 1 '"bad.wasm": function 0, offset 0x26: type mismatch' -- wp build -q bad.wasm -o layout-bad
expect_absent layout-bad
expect_ok wp build -q --no-validate bad.wasm -o layout-unchecked
expect_match "$DIGEST_RE" "$(cat "$OUT")" "build --no-validate stdout"
# the optimizer needs a valid module, --no-validate or not
expect_fail 1 'function 0, offset 0x26' -- wp build -q --no-validate -Oz bad.wasm -o layout-bad-oz
