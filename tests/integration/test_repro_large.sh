#!/usr/bin/env bash
# A 3 MB module: a dozen 256 KiB gzip blocks compressed in parallel, two
# 2 MiB zstd jobs. The bytes must not depend on how many threads did the
# work: one CPU (taskset -c 0, no worker thread) and every CPU give the same
# image, and the same as another working directory and umask.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

"$GENWASM" 3000000 big.wasm
size=$(stat -c %s big.wasm)
[[ $size -gt 2900000 && $size -lt 3100000 ]] || fail "genwasm 3000000 wrote $size bytes"

all_cpus=$(cat /sys/devices/system/cpu/online)
ncpu=$(taskset -c "$all_cpus" nproc)
[[ $ncpu -ge 2 ]] || note "only one CPU online: the one-CPU and all-CPU builds both run single-threaded"

for comp in gzip zstd; do
	expect_ok taskset -c 0 "$WASMPACK" build -q big.wasm -t big:v1 --compression "$comp" -o "one-$comp"
	one=$(cat "$OUT")
	expect_ok taskset -c "$all_cpus" "$WASMPACK" build -q big.wasm -t big:v1 --compression "$comp" \
		-o "all-$comp"
	expect_eq "$one" "$(cat "$OUT")" "$comp digest on 1 CPU vs $ncpu CPUs"
	expect_same_tree "one-$comp" "all-$comp"
	mkdir -p "elsewhere-$comp"
	(cd "elsewhere-$comp" && umask 077 && "$WASMPACK" build -q ../big.wasm -t big:v1 \
		--compression "$comp" -o "$T/other-$comp") >/dev/null
	expect_same_tree "one-$comp" "other-$comp"
done

# the one-CPU build really ran with fewer threads (wasmpack sizes its pool by
# the CPUs it may use, as nproc counts them); strace counts thread creations
if [[ $ncpu -ge 2 ]] && command -v strace >/dev/null &&
	strace -f -qq -o /dev/null true 2>/dev/null; then
	threads() { # CPUS: threads created by a gzip build of big.wasm
		# (LeakSanitizer cannot run under ptrace; the other builds check leaks)
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" taskset -c "$1" strace -f -qq -e trace=clone,clone3 -o "$T/clone.trace" \
			"$WASMPACK" build -q big.wasm -o "$T/traced-$2" >/dev/null 2>&1 ||
			fail "the traced build on CPUs $1 failed"
		grep -c 'clone' "$T/clone.trace" || true
	}
	one_threads=$(threads 0 one)
	all_threads=$(threads "$all_cpus" all)
	[[ $one_threads -lt $all_threads ]] ||
		fail "a build on 1 CPU created $one_threads threads, on $ncpu CPUs $all_threads"
	expect_same_tree traced-one traced-all
else
	note "strace unavailable (or one CPU): not counting threads"
fi

# the layer is a multi-block stream that real gzip accepts, and it holds the
# module unchanged
layer=$(layer_of all-gzip)
blocks=$(($(gzip -dc "$layer" | wc -c) / 262144))
[[ $blocks -ge 8 ]] || fail "the uncompressed layer spans only $blocks gzip blocks"
gzip -t "$layer" || fail "gzip -t rejects the layer"
gzip -dc "$layer" | tar -xOf - big.wasm | cmp -s - big.wasm || fail "the module in the gzip layer differs"
zstd -qt "$(layer_of all-zstd)" || fail "zstd -t rejects the zstd layer"
zstd -qdc "$(layer_of all-zstd)" | cmp -s - <(gzip -dc "$layer") ||
	fail "the zstd and gzip layers hold different tars"
diff_id=$(jqr "$(config_of all-gzip)" '.rootfs.diff_ids[0]')
expect_eq "$diff_id" "sha256:$(gzip -dc "$layer" | sha256sum | cut -d' ' -f1)" "diff_id of the big layer"

# archives too, on one CPU and on all
expect_ok taskset -c 0 "$WASMPACK" build -q big.wasm -o oci-archive:one.tar
expect_ok taskset -c "$all_cpus" "$WASMPACK" build -q big.wasm -o oci-archive:all.tar
expect_same_file one.tar all.tar
