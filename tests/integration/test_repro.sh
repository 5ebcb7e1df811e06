#!/usr/bin/env bash
# Byte-for-byte reproducibility: the same inputs give the same digests and
# the same bytes, whatever the working directory, the umask, TMPDIR, the
# input paths, the order and times of the files on disk. SOURCE_DATE_EPOCH
# sets every timestamp; without it there are none (mtime 0, no "created").
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Two build contexts with the same content, made differently: files created
# in opposite orders (so readdir order differs), other mtimes, other modes
# (umask), and the module reached by a relative path in one, absolute in the
# other.
make_context() { # DIR UMASK ORDER...
	local dir=$1 mask=$2 f
	shift 2
	(
		umask "$mask"
		mkdir -p "$dir/cwd/deeper" "$dir/tmp" "$dir/in/data/sub"
		cp "$HELLO" "$dir/in/hello.wasm"
		for f in "$@"; do printf 'content of %s\n' "$f" >"$dir/in/data/$f"; done
		printf '#!/bin/sh\necho tool\n' >"$dir/in/data/tool.sh"
		chmod +x "$dir/in/data/tool.sh"
		ln -s sub/z "$dir/in/data/link"
	)
}
make_context A 022 a b c sub/y sub/z
make_context B 077 sub/z sub/y c b a
touch -d '2001-02-03 04:05:06' B/in/hello.wasm B/in/data B/in/data/* B/in/data/sub/*
expect_ne "$(stat -c %a A/in/data/a)" "$(stat -c %a B/in/data/a)" "modes of the two contexts"

ARGS=(-t repro:v1 --cmd x -e K=V -l a=b --annotation k=v --expose 80 --workdir /data)

# build_pair NAME KIND [ARGS...]: builds in A (cwd A/cwd, umask 022, relative
# paths) and in B (cwd B/cwd/deeper, umask 077, absolute paths), each with
# its own TMPDIR, into A/NAME and B/NAME (KIND: oci, oci-archive,
# docker-archive, or stdout-oci / stdout-docker for "-"); the digests each
# printed land in A/NAME.digest and B/NAME.digest.
build_pair() {
	local name=$1 kind=$2 side
	shift 2
	for side in A B; do
		local cwd module data out dest mask
		if [[ $side == A ]]; then
			cwd=$T/A/cwd module=../in/hello.wasm data=../in/data out=../$name mask=022
		else
			cwd=$T/B/cwd/deeper module=$T/B/in/hello.wasm data=$T/B/in/data out=$T/B/$name mask=077
		fi
		case $kind in
		oci) dest=$out ;;
		oci-archive | docker-archive) dest=$kind:$out ;;
		stdout-oci) dest=oci-archive:- ;;
		stdout-docker) dest=docker-archive:- ;;
		esac
		local status=0
		(
			cd "$cwd"
			umask "$mask"
			export TMPDIR=$T/$side/tmp
			if [[ $kind == stdout-* ]]; then
				"$WASMPACK" build -q "$module" "${ARGS[@]}" --add "$data:/data" "$@" -o "$dest" \
					>"$out" 2>"$T/$side/$name.digest"
			else
				"$WASMPACK" build -q "$module" "${ARGS[@]}" --add "$data:/data" "$@" -o "$dest" \
					>"$T/$side/$name.digest"
			fi
		) || status=$?
		[[ $status == 0 ]] || fail "build $name in $side failed (exit $status)"
		expect_match "$DIGEST_RE" "$(tail -n 1 "$T/$side/$name.digest")" "digest printed for $side/$name"
	done
	expect_eq "$(cat A/"$name".digest)" "$(tail -n 1 B/"$name".digest)" "digests of the two $name builds"
	# nothing left behind in the private TMPDIRs
	expect_eq "" "$(find A/tmp B/tmp -mindepth 1)" "TMPDIR contents after the $name builds"
}

# --- every output kind
build_pair layout oci
expect_same_tree A/layout B/layout
build_pair oci.tar oci-archive
expect_same_file A/oci.tar B/oci.tar
build_pair docker.tar docker-archive
expect_same_file A/docker.tar B/docker.tar
build_pair stdout-oci.tar stdout-oci
expect_same_file A/stdout-oci.tar B/stdout-oci.tar
expect_same_file A/oci.tar A/stdout-oci.tar
build_pair stdout-docker.tar stdout-docker
expect_same_file A/docker.tar A/stdout-docker.tar

# the layout, the archive and the layout inside the archive agree
mkdir oci-unpacked && tar -xf A/oci.tar -C oci-unpacked
expect_same_tree A/layout oci-unpacked
expect_eq "$(cat A/layout.digest)" "$(cat A/oci.tar.digest)" "layout vs oci-archive digest"

# --- no SOURCE_DATE_EPOCH: no "created", every mtime 0
cfg=$(config_of A/layout)
expect_jq "$cfg" 'has("created")' false
expect_jq "$cfg" '[.history[] | has("created")] | any' false
layer=$(layer_of A/layout)
expect_eq 0 "$(tar_mtimes "$layer")" "layer tar mtimes"
expect_eq 0 "$(tar_mtimes A/oci.tar)" "oci-archive mtimes"
expect_eq 0 "$(tar_mtimes A/docker.tar)" "docker-archive mtimes"
# the gzip header carries no time (bytes 4-7) either
expect_eq "00000000" "$(head -c 8 "$layer" | tail -c 4 | od -An -tx1 | tr -d ' \n')" "gzip MTIME"
# an empty SOURCE_DATE_EPOCH counts as unset
SOURCE_DATE_EPOCH='' expect_ok wp build -q A/in/hello.wasm "${ARGS[@]}" --add A/in/data:/data -o empty-sde
expect_eq "$(cat A/layout.digest)" "$(cat "$OUT")" "digest with SOURCE_DATE_EPOCH="

# --- SOURCE_DATE_EPOCH=1700000000 (2023-11-14T22:13:20Z)
export SOURCE_DATE_EPOCH=1700000000
build_pair sde-layout oci
expect_same_tree A/sde-layout B/sde-layout
build_pair sde-oci.tar oci-archive
expect_same_file A/sde-oci.tar B/sde-oci.tar
build_pair sde-docker.tar docker-archive
expect_same_file A/sde-docker.tar B/sde-docker.tar
unset SOURCE_DATE_EPOCH
expect_ne "$(cat A/layout.digest)" "$(cat A/sde-layout.digest)" "digests with and without SOURCE_DATE_EPOCH"
cfg=$(config_of A/sde-layout)
expect_jq "$cfg" .created '"2023-11-14T22:13:20Z"'
expect_jq "$cfg" '[.history[].created] | unique' '["2023-11-14T22:13:20Z"]'
layer=$(layer_of A/sde-layout)
expect_eq 1700000000 "$(tar_mtimes "$layer")" "layer tar mtimes with SOURCE_DATE_EPOCH"
expect_eq 1700000000 "$(tar_mtimes A/sde-oci.tar)" "oci-archive mtimes with SOURCE_DATE_EPOCH"
expect_eq 1700000000 "$(tar_mtimes A/sde-docker.tar)" "docker-archive mtimes with SOURCE_DATE_EPOCH"
expect_eq "00000000" "$(head -c 8 "$layer" | tail -c 4 | od -An -tx1 | tr -d ' \n')" \
	"gzip MTIME with SOURCE_DATE_EPOCH"
# the docker archive's config is the layout's config
tar -xOf A/sde-docker.tar "$(basename "$cfg").json" >docker-config.json
expect_same_file "$cfg" docker-config.json
# the epoch itself is a valid SOURCE_DATE_EPOCH
SOURCE_DATE_EPOCH=0 expect_ok wp build -q "$HELLO" -o epoch0
expect_jq "$(config_of epoch0)" .created '"1970-01-01T00:00:00Z"'

# --- zstd and uncompressed layers are reproducible too
build_pair zstd-layout oci --compression zstd
expect_same_tree A/zstd-layout B/zstd-layout
expect_jq "$(manifest_of A/zstd-layout)" '.layers[0].mediaType' '"application/vnd.oci.image.layer.v1.tar+zstd"'
build_pair none-layout oci --compression none
expect_same_tree A/none-layout B/none-layout
# every layer decompresses to the same tar, whose digest is the diff_id
diff_id=$(jqr "$(config_of A/layout)" '.rootfs.diff_ids[0]')
gzip -dc "$(layer_of A/layout)" >gzip.tar
zstd -qdc "$(layer_of A/zstd-layout)" >zstd.tar
expect_same_file gzip.tar zstd.tar
expect_same_file gzip.tar "$(layer_of A/none-layout)"
expect_eq "$diff_id" "$(sha256_of gzip.tar)" "diff_id vs the uncompressed layer"
