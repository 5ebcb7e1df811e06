#!/usr/bin/env bash
# wasmpack inspect and pull --wasm / --extract on images made every way:
# by wasmpack, by umoci (pushed with skopeo), runwasi's wasm-layer shape, the
# CNCF Wasm artifact, an index from buildx; local sources and registry
# images; and hostile layers (.. paths, absolute paths, a symlink to / with
# a file written through it, a hard link out, a 10 GiB declaration) that
# are refused with nothing written outside the target.
# shellcheck source=push_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/push_lib.sh"

registry_start anonymous "$T/reg" >/dev/null
H=$REG_HOST

# --- a wasmpack image: inspect as text and JSON, locally and from the registry --
expect_ok wp build "$HELLO" -t "$H/hello:v1" -o built --label org.example.team=wasm \
	--annotation org.opencontainers.image.source=https://example.com/hello -e GREETING=hi
D=$(cat "$OUT")
expect_ok wp push -q built "$H/hello:v1"
for src in oci:built:v1 "$H/hello:v1"; do
	expect_ok wp inspect "$src"
	expect_contains "$OUT" "$D" "inspect $src"
	expect_contains "$OUT" "Platform:      wasi/wasm"
	expect_contains "$OUT" 'Entrypoint:    ["/hello.wasm"]'
	expect_contains "$OUT" "GREETING=hi"
	expect_contains "$OUT" "org.example.team=wasm"
	expect_contains "$OUT" "org.opencontainers.image.source=https://example.com/hello"
	expect_contains "$OUT" "gzip  application/vnd.oci.image.layer.v1.tar+gzip"
	expect_contains "$OUT" "Module:        /hello.wasm (core module, $(stat -c %s "$HELLO") bytes)"
	expect_contains "$OUT" "WASI:        preview1"
	expect_contains "$OUT" "wasi_snapshot_preview1.fd_write  func (i32, i32, i32, i32) -> i32"
	expect_contains "$OUT" "_start  func () -> ()"
	expect_contains "$OUT" "processed-by"
	expect_ok wp inspect --format json "$src"
	expect_jq "$OUT" .digest "\"$D\""
	expect_jq "$OUT" .module.wasi '"preview1"'
	expect_jq "$OUT" '[.module.imports[] | select(.name == "proc_exit")][0].signature' '"(i32) -> ()"'
	expect_jq "$OUT" '.layers[0].compression' '"gzip"'
	expect_jq "$OUT" '.labels["org.example.team"]' '"wasm"'
done
# nothing left behind by a registry inspect
mkdir tmp-inspect
TMPDIR=$T/tmp-inspect expect_ok wp inspect "$H/hello:v1"
expect_eq "" "$(ls -A tmp-inspect)" "temporary files of inspect"
# --raw and --config print the documents as stored
expect_ok wp inspect --raw "$H/hello:v1"
expect_eq "$D" "$(sha256_of "$OUT")" "inspect --raw"
expect_ok wp inspect --config oci:built
expect_same_file "$OUT" "$(config_of built)"
expect_fail 2 "neither text nor json" -- wp inspect --format yaml oci:built

# --- an index as buildx writes it: inspected through it -------------------------
buildx_index built multi
read -r IDX _ <<<"$(cat "$T/.buildx")"
expect_ok http_push multi "$REG_URL" multi v1 "$IDX"
expect_ok wp inspect --format json "$H/multi:v1"
expect_jq "$OUT" .digest "\"$D\""
expect_jq "$OUT" .index.digest "\"$IDX\""
expect_ok wp inspect --raw "$H/multi:v1"
expect_eq "$IDX" "$(sha256_of "$OUT")" "inspect --raw of an index"

# --- pull --wasm and --extract ----------------------------------------------------
expect_ok wp pull -q "$H/hello:v1" --wasm got.wasm
expect_refs_on_stdout "$D" "$H/hello:v1"
expect_same_file "$HELLO" got.wasm
expect_absent wasmpack-out
expect_ok wp pull -q "$H/multi:v1" --wasm got-multi.wasm --extract rootfs -o kept
expect_same_file "$HELLO" got-multi.wasm
expect_same_file "$HELLO" rootfs/hello.wasm
expect_dir kept
expect_ok wp pull oci-archive:"$(
	wp build -q "$HELLO" -t a:v1 -o oci-archive:a.tar >/dev/null
	echo a.tar
)" --wasm from-archive.wasm
expect_same_file "$HELLO" from-archive.wasm
expect_fail 2 "local image" "--wasm" -- wp pull oci:built
# the limits on what --extract writes: the largest file, and all of them
size=$(stat -c %s "$HELLO")
expect_fail 1 "refused: it declares $size bytes, over the limit of $((size - 1))" -- \
	wp pull -q "$H/multi:v1" --extract capped --max-size $((size - 1))
expect_absent capped
expect_fail 1 "bytes the layers would write more than $((size - 1)) bytes in all" -- \
	wp pull -q "$H/multi:v1" --extract capped --max-total $((size - 1))
expect_absent capped
expect_ok wp pull -q "$H/multi:v1" --extract capped --max-size "$size" --max-total "$size"
expect_fail 2 '--max-total "0" is not a whole number' -- wp pull -q "$H/multi:v1" --extract capped --max-total 0
expect_same_file "$HELLO" capped/hello.wasm

# --- umoci builds it, skopeo pushes it: the module comes back byte for byte ------
expect_ok umoci init --layout umo
expect_ok umoci new --image umo:v1
expect_ok umoci unpack --rootless --image umo:v1 bundle
mkdir -p bundle/rootfs/app
cp "$HELLO" bundle/rootfs/app/main.wasm
ln -s /app/main.wasm bundle/rootfs/entry.wasm
expect_ok umoci repack --image umo:v1 bundle
expect_ok umoci config --image umo:v1 --os wasip1 --architecture wasm --config.entrypoint /entry.wasm
expect_ok skopeo copy --quiet --dest-tls-verify=false oci:umo:v1 "docker://$H/umoci:v1"
expect_ok wp pull -q "$H/umoci:v1" --wasm umoci.wasm
expect_same_file "$HELLO" umoci.wasm
expect_ok wp inspect "$H/umoci:v1"
expect_contains "$OUT" "Module:        /entry.wasm (core module"

# --- runwasi's wasm-layer image and the CNCF artifact: the application/wasm layer
mkdir -p rw/blobs/sha256
printf '{"imageLayoutVersion":"1.0.0"}' >rw/oci-layout
read -r WL WLS <<<"$(add_blob rw "$HELLO")"
jq -nc --arg l "$WL" '{architecture:"wasm",os:"wasip1",config:{Entrypoint:["hello.wasm"]},
	rootfs:{type:"layers",diff_ids:[]}}' >rw-config.json
read -r RC RCS <<<"$(add_blob rw rw-config.json)"
jq -nc --arg c "$RC" --argjson cs "$RCS" --arg l "$WL" --argjson ls "$WLS" '{schemaVersion:2,
	mediaType:"application/vnd.oci.image.manifest.v1+json",
	config:{mediaType:"application/vnd.oci.image.config.v1+json",digest:$c,size:$cs},
	layers:[{mediaType:"application/wasm",digest:$l,size:$ls}]}' >rw.json
read -r RM _ <<<"$(add_blob rw rw.json)"
expect_ok http_push rw "$REG_URL" runwasi v1 "$RM"
expect_ok wp pull -q "$H/runwasi:v1" --wasm rw.wasm
expect_same_file "$HELLO" rw.wasm
expect_ok wp inspect --format json "$H/runwasi:v1"
expect_jq "$OUT" .module.path "\"$WL\""

# --- hostile layers: refused, nothing written outside the target ------------------
# make_tar FILE PYTHON: a tar that PYTHON writes (add(name, data, **TarInfo
# fields) appends an entry)
make_tar() {
	/usr/bin/python3 - "$1" "$2" <<'EOF'
import io, sys, tarfile
with open(sys.argv[1], "wb") as f:
    tf = tarfile.open(fileobj=f, mode="w", format=tarfile.GNU_FORMAT)
    def add(name, data=b"x", **kw):
        ti = tarfile.TarInfo(name)
        for k, v in kw.items():
            setattr(ti, k, v)
        if ti.type in (tarfile.REGTYPE, tarfile.AREGTYPE):
            ti.size = len(data)
            tf.addfile(ti, io.BytesIO(data))
        else:
            tf.addfile(ti)
    exec(sys.argv[2])
    tf.close()
EOF
}

# layer_image NAME TAR: a one-layer image of TAR (entrypoint /x.wasm) pushed
# as $H/NAME:v1
layer_image() {
	local dir=$T/img-$1 l ls c cs m
	mkdir -p "$dir/blobs/sha256"
	printf '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
	read -r l ls <<<"$(add_blob "$dir" "$2")"
	printf '{"architecture":"wasm","os":"wasi","config":{"Entrypoint":["/x.wasm"]},"rootfs":{"type":"layers","diff_ids":["%s"]}}' "$l" >"$dir.cfg"
	read -r c cs <<<"$(add_blob "$dir" "$dir.cfg")"
	jq -nc --arg c "$c" --argjson cs "$cs" --arg l "$l" --argjson ls "$ls" '{schemaVersion:2,
		mediaType:"application/vnd.oci.image.manifest.v1+json",
		config:{mediaType:"application/vnd.oci.image.config.v1+json",digest:$c,size:$cs},
		layers:[{mediaType:"application/vnd.oci.image.layer.v1.tar",digest:$l,size:$ls}]}' >"$dir.json"
	read -r m _ <<<"$(add_blob "$dir" "$dir.json")"
	http_push "$dir" "$REG_URL" "$1" v1 "$m"
}

make_tar dotdot.tar 'add("ok.txt"); add("../../escaped-dotdot")'
make_tar absolute.tar 'add("/tmp/escaped-absolute-'"$$"'")'
make_tar symlink.tar 'add("evil", type=tarfile.SYMTYPE, linkname="/"); add("evil/tmp/escaped-symlink-'"$$"'")'
make_tar hardlink.tar 'add("h", type=tarfile.LNKTYPE, linkname="../../etc/passwd")'
make_tar fifo.tar 'add("f", type=tarfile.FIFOTYPE)'
make_tar textwasm.tar 'add("x.wasm", b"#!/bin/sh\necho hi\n")'
/usr/bin/python3 - huge.tar <<'EOF'
import sys
# a GNU header declaring 10 GiB (a base-256 size), then nothing
h = bytearray(512)
h[0:4] = b"huge"
h[100:108] = b"0000644\0"
h[108:116] = b"0000000\0"
h[116:124] = b"0000000\0"
h[124:136] = bytes([0x80]) + (10 << 30).to_bytes(11, "big")
h[136:148] = b"00000000000\0"
h[156:157] = b"0"
h[257:265] = b"ustar  \0"
h[148:156] = b"        "
h[148:156] = ("%06o\0 " % sum(h)).encode()
open(sys.argv[1], "wb").write(bytes(h) + b"\0" * 1024)
EOF
mkdir jail
for name in dotdot absolute symlink hardlink fifo huge textwasm; do
	expect_ok layer_image "$name" "$name.tar"
done
for name in dotdot absolute symlink hardlink fifo huge; do
	run wp pull -q "$H/$name:v1" --extract "jail/$name"
	expect_error_line "pull \"$H/$name:v1\""
	expect_absent "jail/$name"
done
expect_contains "$ERR" "10737418240" "the 10 GiB entry's message"
expect_absent "$T/escaped-dotdot" "/tmp/escaped-absolute-$$" "/tmp/escaped-symlink-$$"
expect_eq "" "$(ls -A jail)" "what the hostile pulls left in jail"
run wp pull -q "$H/symlink:v1" --wasm x.wasm
expect_error_line "pull \"$H/symlink:v1\""
expect_absent x.wasm "/tmp/escaped-symlink-$$"
run wp pull -q "$H/textwasm:v1" --wasm x.wasm
expect_error_line "not a WebAssembly module"
expect_absent x.wasm
