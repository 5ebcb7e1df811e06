#!/bin/sh
# build-native.sh MODULE.wasm OUT: a native executable from a WASI command module; the recipe
# `wasmpack build --aot native` is to run. Needs wasm2c and libwasm-rt-impl's sources from
# Debian's wabt (1.0.32: /usr/bin/wasm2c, /usr/include/wasm-rt.h,
# /usr/share/wabt/wasm2c/wasm-rt-impl.{c,h}) and a C compiler (CC, default cc).
#
#  1. wasm2c -n guest MODULE.wasm -o guest.c: the fixed module name makes the entry points
#     Z_guest_instantiate, Z_guestZ__start, Z_guestZ_memory, which main.c calls.
#  2. the host is compiled with -include guest.h, so a WASI import whose C signature differs
#     from the host's definition is a compile error, not a wrong call at run time.
#  3. -static when the C library has a static archive (glibc's libc.a does; nothing in the
#     host needs NSS or dlopen), else a dynamic executable: WASM_NATIVE_STATIC=0 forces it.
set -eu

usage() {
	echo "usage: build-native.sh MODULE.wasm OUT" >&2
	exit 2
}
[ $# -eq 2 ] || usage
module=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
CC=${CC:-cc}
WASM2C=${WASM2C:-wasm2c}
RT_DIR=${WASM_RT_DIR:-/usr/share/wabt/wasm2c}
RT_INCLUDE=${WASM_RT_INCLUDE:-/usr/include}

work=$(mktemp -d "${TMPDIR:-/tmp}/wasm-native.XXXXXX")
trap 'rm -rf "$work"' EXIT

"$WASM2C" -n guest "$module" -o "$work/guest.c"

static=-static
if [ "${WASM_NATIVE_STATIC:-1}" = 0 ] ||
	! echo 'int main(void){return 0;}' | "$CC" -static -x c - -o "$work/probe" 2>/dev/null; then
	static=
fi

# wasm2c's output and wabt's runtime are not ours to warn about; the host is -Werror clean
"$CC" -O2 -std=gnu11 -w -I"$RT_INCLUDE" -I"$RT_DIR" -c "$work/guest.c" -o "$work/guest.o"
"$CC" -O2 -std=gnu11 -w -I"$RT_INCLUDE" -I"$RT_DIR" -c "$RT_DIR/wasm-rt-impl.c" -o "$work/rt.o"
for src in wasi_errno wasi_env wasi_fd wasi_path wasi_poll main; do
	"$CC" -O2 -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
		-Wmissing-prototypes -Wvla -I"$here" -I"$work" -I"$RT_INCLUDE" -I"$RT_DIR" \
		-include "$work/guest.h" -c "$here/$src.c" -o "$work/$src.o"
done
"$CC" $static -o "$out" "$work"/*.o -lm
