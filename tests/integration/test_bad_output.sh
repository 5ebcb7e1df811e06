#!/usr/bin/env bash
# Outputs that cannot be written: one line on stderr, exit 1, nothing
# created; and a failed build leaves an existing layout or archive exactly
# as it was.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mkdir work && cd work
cp "$HELLO" hello.wasm
printf 'broken' >broken.wasm
echo "a regular file" >somefile

# unwritable STATUS SUBSTR... -- DEST: `build hello.wasm -o DEST` fails so
# and the working directory is unchanged (no staging directory left behind).
unwritable() {
	local subs=()
	while [[ $1 != -- ]]; do
		subs+=("$1")
		shift
	done
	snapshot . >"$T/.before"
	expect_fail 1 "${subs[@]}" -- "$WASMPACK" build hello.wasm -o "$2"
	snapshot . >"$T/.after"
	expect_same_snapshot "$T/.before" "$T/.after" "the working directory after -o $2"
}

# --- a path under a regular file: fails even for root
unwritable '"somefile/out"' -- somefile/out
unwritable '"somefile/out/deeper"' -- somefile/out/deeper
unwritable '"somefile/out.tar"' -- oci-archive:somefile/out.tar
unwritable '"somefile/out.tar"' -- docker-archive:somefile/out.tar
unwritable '"somefile/out.tar"' -- type=oci,dest=somefile/out.tar
unwritable '"missing-dir/out.tar"' 'does not exist' -- oci-archive:missing-dir/out.tar
# a layout over a regular file, an archive over a directory
unwritable '"somefile"' 'not a directory' -- somefile
mkdir adir
unwritable '"adir"' 'directory' -- oci-archive:adir
# /proc refuses new directories, even to root
unwritable '"/proc/wasmpack-test"' -- /proc/wasmpack-test

# --- a read-only directory: chattr +i stops root too (where the filesystem
# supports it)
mkdir readonly
if chattr +i readonly 2>/dev/null; then
	register_immutable "$T/work/readonly"
	if touch readonly/probe 2>/dev/null; then
		rm -f readonly/probe
		note "chattr +i does not stop root here; skipping the read-only directory cases"
	else
		unwritable '"readonly/out"' 'Operation not permitted' -- readonly/out
		unwritable '"readonly/out.tar"' 'Operation not permitted' -- oci-archive:readonly/out.tar
		unwritable '"readonly/out.tar"' 'Operation not permitted' -- docker-archive:readonly/out.tar
		# an empty read-only directory as the layout itself
		unwritable '"readonly' 'Operation not permitted' -- readonly
	fi
	chattr -i readonly
else
	note "chattr +i is not supported here; skipping the read-only directory cases"
fi

# --- a tar archive is never written to a terminal (script gives a pty)
if command -v script >/dev/null; then
	for dest in oci-archive:- docker-archive:- type=docker,dest=-; do
		snapshot . >"$T/.before"
		status=0
		script -qec "$(printf '%q ' "$WASMPACK" build hello.wasm -o "$dest")" /dev/null \
			>"$T/.tty" 2>&1 </dev/null || status=$?
		expect_eq 1 "$status" "exit status of a build to a terminal ($dest)"
		expect_contains "$T/.tty" "refusing to write a tar archive to a terminal" "output to a terminal"
		expect_eq 1 "$(grep -c . "$T/.tty")" "lines printed to the terminal"
		snapshot . >"$T/.after"
		expect_same_snapshot "$T/.before" "$T/.after" "the working directory after -o $dest"
	done
else
	note "script is not installed; not testing output to a terminal"
fi

# --- a non-empty directory that is not a layout is never written into
mkdir notalayout && echo "precious" >notalayout/file.txt
unwritable '"notalayout"' 'not an OCI image layout' -- notalayout
unwritable '"notalayout"' 'not an OCI image layout' -- oci:notalayout
unwritable '"notalayout"' 'not an OCI image layout' -- type=oci,dest=notalayout,tar=false

# --- a failed build into an existing layout leaves it byte-identical
expect_ok "$WASMPACK" build -q hello.wasm -t keep:v1 -o layout
expect_ok "$WASMPACK" build -q hello.wasm -t keep:v2 --cmd x -o oci-archive:keep.tar
snapshot . >"$T/.before"
run "$WASMPACK" build broken.wasm -t new:v1 -o layout
expect_status 1
expect_stderr_one_line '"broken.wasm"'
run "$WASMPACK" build hello.wasm -t new:v1 --expose 99999 -o layout
expect_status 2
expect_stderr_one_line '"99999"'
run "$WASMPACK" build hello.wasm -t new:v1 --add missing:/x -o layout
expect_status 1
expect_stderr_one_line '"missing"'
# the metadata file goes after the image: its directory is checked first
run "$WASMPACK" build hello.wasm -t new:v1 --metadata-file missing-dir/meta.json -o layout
expect_status 1
expect_stderr_one_line '"missing-dir/meta.json"'
run "$WASMPACK" build hello.wasm -t new:v1 --metadata-file somefile/meta.json -o layout
expect_status 1
expect_stderr_one_line '"somefile/meta.json"' 'not a directory'
run "$WASMPACK" build hello.wasm -t new:v1 --metadata-file adir -o layout
expect_status 1
expect_stderr_one_line '"adir"'
snapshot . >"$T/.after"
expect_same_snapshot "$T/.before" "$T/.after" "the layout and archive after failed builds"

# a failure after blobs were written (index.json unreadable): the new blobs
# are removed again, nothing else changes (but the blob directory's mtime)
cp layout/index.json good-index.json
printf '{"schemaVersion":2,"manifests":[{"digest":"nope"}]}' >layout/index.json
snapshot layout --no-times >"$T/.before"
run "$WASMPACK" build hello.wasm -t new:v1 --cmd "a new image" -o layout
expect_status 1
expect_stderr_one_line 'index.json'
snapshot layout --no-times >"$T/.after"
expect_same_snapshot "$T/.before" "$T/.after" "the layout after a build that failed late"
cp good-index.json layout/index.json

# --- an existing archive is untouched when a later build into it fails
snapshot . >"$T/.before"
inode=$(stat -c %i keep.tar)
for args in "broken.wasm" "hello.wasm --platform linux/arm64" "hello.wasm --metadata-file missing-dir/m.json"; do
	# shellcheck disable=SC2086
	run "$WASMPACK" build $args -o oci-archive:keep.tar
	[[ $STATUS != 0 ]] || fail "build $args into keep.tar succeeded"
	expect_stderr_one_line
	# shellcheck disable=SC2086
	run "$WASMPACK" build $args -o docker-archive:keep.tar
	[[ $STATUS != 0 ]] || fail "build $args into keep.tar (docker) succeeded"
	expect_stderr_one_line
done
snapshot . >"$T/.after"
expect_same_snapshot "$T/.before" "$T/.after" "keep.tar and its directory"
expect_eq "$inode" "$(stat -c %i keep.tar)" "inode of keep.tar"
skopeo_inspect_to keep.json oci-archive:keep.tar
