#!/usr/bin/env bash
# Where and how a build is written: --metadata-file, the -o forms (buildx
# type=... too), standard output, the defaults (./wasmpack-out,
# <module>:latest), -q, concurrent builds into one layout, and builds
# SIGKILLed while they write a new layout.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cp "$HELLO" hello.wasm
VALIDATE=$TOOLS/validate-layout.py

# --- --metadata-file: what CI steps read
expect_ok wp build hello.wasm -t meta:v1 -t ghcr.io/acme/meta:v2 --metadata-file meta.json -o layout
digest=$(cat "$OUT")
jq -e . meta.json >/dev/null || fail "meta.json is not JSON"
man=$(manifest_of layout v2)
expect_jq meta.json .digest "\"$digest\""
expect_jq meta.json '."containerimage.digest"' "\"$digest\""
expect_jq meta.json .mediaType "\"$MT_OCI_MANIFEST\""
expect_jq meta.json .size "$(stat -c %s "$man")"
expect_eq "$digest" "$(sha256_of "$man")" "the manifest blob's digest"
expect_jq meta.json .config.digest "$(jq -c .config.digest "$man")"
expect_jq meta.json '."containerimage.config.digest"' "$(jq -c .config.digest "$man")"
expect_jq meta.json .config.size "$(jq -c .config.size "$man")"
expect_jq meta.json .tags '["docker.io/library/meta:v1","ghcr.io/acme/meta:v2"]'
expect_jq meta.json .platform '"wasi/wasm"'
expect_jq meta.json '.layers[0].digest' "$(jq -c '.layers[0].digest' "$man")"
expect_jq meta.json '.layers[0].diffID' "$(jq -c '.rootfs.diff_ids[0]' "$(config_of layout v2)")"
expect_jq meta.json '.module.kind' '"core module"'
expect_jq meta.json '.module.size' "$(stat -c %s hello.wasm)"
# rewritten, not appended to, by the next build
expect_ok wp build hello.wasm -t meta:v3 --platform wasip1/wasm --metadata-file meta.json -o layout
expect_jq meta.json '[.tags, .platform]' '[["docker.io/library/meta:v3"],"wasip1/wasm"]'
expect_jq meta.json .digest "\"$(cat "$OUT")\""

# --- -o forms
# type=oci,dest=FILE: an oci-archive
expect_ok wp build hello.wasm -t bx:v1 -o type=oci,dest=buildx.tar
bx=$(cat "$OUT")
expect_file buildx.tar
skopeo_inspect_to bx.json oci-archive:buildx.tar
expect_jq bx.json .Digest "\"$bx\""
expect_ok wp build -q hello.wasm -t bx:v1 -o oci-archive:plain.tar
expect_same_file buildx.tar plain.tar
# type=oci,dest=DIR,tar=false: a layout
expect_ok wp build hello.wasm -t bx:v1 -o type=oci,dest=bx-layout,tar=false
expect_eq "$bx" "$(cat "$OUT")" "digest of the tar=false layout"
expect_dir bx-layout/blobs/sha256
skopeo_inspect_to bx-layout.json oci:bx-layout:v1
expect_jq bx-layout.json .Digest "\"$bx\""
# oci:DIR is DIR
expect_ok wp build -q hello.wasm -t bx:v1 -o oci:bx-layout2
expect_same_tree bx-layout bx-layout2
# type=docker,dest=- piped to a file: the tar on stdout, the image ID on stderr
run wp build hello.wasm -t piped:v1 -o type=docker,dest=-
expect_status 0
cp "$OUT" piped.tar
image_id=$(tail -n 1 "$ERR")
expect_match "$DIGEST_RE" "$image_id" "image ID on stderr"
skopeo_inspect_to piped.json docker-archive:piped.tar
expect_jq piped.json '[.Os, .Architecture]' '["wasi","wasm"]'
skopeo inspect --config --raw docker-archive:piped.tar >piped-config.json
expect_eq "$image_id" "$(sha256_of piped-config.json)" "image ID vs config digest"
expect_ok wp build -q hello.wasm -t piped:v1 -o docker-archive:piped-file.tar
expect_same_file piped.tar piped-file.tar
# -q with the image on standard output: the digest goes to stderr
run wp build -q hello.wasm -t piped:v1 -o oci-archive:-
expect_status 0
cp "$OUT" stdout-oci.tar
skopeo_inspect_to stdout-oci.json oci-archive:stdout-oci.tar
expect_match "$DIGEST_RE" "$(cat "$ERR")" "-q stderr with the image on stdout"
# a name= in the buildx form tags the image
expect_ok wp build -q hello.wasm -o type=oci,dest=named,tar=false,name=one:v1,two:v2
expect_jq named/index.json '[.manifests[].annotations["io.containerd.image.name"]]' \
	'["docker.io/library/one:v1","docker.io/library/two:v2"]'

# --- defaults: ./wasmpack-out and <module name>:latest
mkdir defaults && cp hello.wasm defaults/My_Module.v2.wasm
(cd defaults && "$WASMPACK" build My_Module.v2.wasm) >default.out 2>default.err ||
	fail "build with every default failed: $(cat default.err)"
expect_dir defaults/wasmpack-out
expect_jq defaults/wasmpack-out/index.json '[.manifests[].annotations]' \
	'[{"io.containerd.image.name":"docker.io/library/my_module.v2:latest","org.opencontainers.image.ref.name":"latest"}]'
skopeo_inspect_to default-config.json --config oci:defaults/wasmpack-out:latest
expect_jq default-config.json .config.Entrypoint '["/My_Module.v2.wasm"]'
expect_ok umoci raw unpack --image defaults/wasmpack-out:latest default-rootfs
expect_same_file hello.wasm default-rootfs/My_Module.v2.wasm
# -t NAME without a tag means NAME:latest
expect_ok wp build -q hello.wasm -t noversion -o layout
skopeo_inspect_to noversion.json oci:layout:latest
expect_jq noversion.json .Digest "\"$(cat "$OUT")\""

# --- -q: exactly the digest
expect_ok wp build -q hello.wasm -o quiet
expect_stderr_empty
expect_eq 1 "$(wc -l <"$OUT")" "lines printed by -q"
expect_match "$DIGEST_RE" "$(cat "$OUT")" "-q output"
expect_ok wp build --quiet hello.wasm -o quiet
expect_stderr_empty
# without it, a short log on stderr and still only the digest on stdout
expect_ok wp build hello.wasm -o quiet
[[ -s $ERR ]] || fail "a build without -q printed nothing on stderr"
expect_eq 1 "$(wc -l <"$OUT")" "lines on stdout without -q"

# --- concurrent builds into one layout: new or existing, every tag lands
"$GENWASM" 30000 other.wasm
for round in 1 2 3 4 5; do
	for existing in no yes; do
		dir=par-$round-$existing
		[[ $existing == no ]] || "$WASMPACK" build -q hello.wasm -t base:v0 -o "$dir" >/dev/null
		pids=()
		for i in 1 2 3; do
			"$WASMPACK" build -q "$([[ $i == 2 ]] && echo other.wasm || echo hello.wasm)" \
				-t "img$i:v$i" --cmd "run $i" -o "$dir" >"$dir.$i.out" 2>"$dir.$i.err" &
			pids+=($!)
		done
		for i in 1 2 3; do
			wait "${pids[i - 1]}" || fail "concurrent build $i into $dir (existing: $existing) failed: $(cat "$dir.$i.err")"
		done
		want=3
		[[ $existing == no ]] || want=4
		expect_jq "$dir/index.json" '.manifests | length' "$want"
		for i in 1 2 3; do
			expect_jq "$dir/index.json" \
				"[.manifests[] | select(.annotations[\"org.opencontainers.image.ref.name\"] == \"v$i\") | .digest]" \
				"[\"$(cat "$dir.$i.out")\"]"
		done
		run /usr/bin/python3 "$VALIDATE" "$dir"
		expect_status 0
		# nothing half-written is left
		expect_eq "" "$(find "$dir" -mindepth 1 -name '.*')" "temporary files in $dir"
	done
done
for i in 1 2 3; do
	skopeo_inspect_to "par-$i.json" --config "oci:par-5-no:v$i"
	expect_jq "par-$i.json" .config.Cmd "[\"run $i\"]"
done

# --- a build killed (SIGKILL) while it writes a new layout: the directory is
# absent or holds the whole image (it used to be left an empty layout, its
# index.json listing nothing), and the build run again completes
"$GENWASM" 20000000 big.wasm
expect_ok wp build -q big.wasm -o big-ref
BIG=$(cat "$OUT")
for delay in 0.05 0.15 0.25 0.35 0.5 0.7; do
	rm -rf killed
	"$WASMPACK" build -q big.wasm -o killed >/dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	if [[ -e killed ]]; then
		run /usr/bin/python3 "$VALIDATE" killed
		expect_status 0
		expect_jq killed/index.json '[.manifests[].digest]' "[\"$BIG\"]"
	fi
	expect_ok wp build -q big.wasm -o killed
	expect_eq "$BIG" "$(cat "$OUT")" "the build run again after a SIGKILL"
done
rm -rf .killed.wasmpack-*

# --- what killed writes leave is removed by the next write: temporary files
# in a layout (the next writer holds the layout's lock, so they are dead),
# and staging directories beside a new layout or an archive that are over
# 60 s old and whose layout no live process has locked (or that have none)
expect_ok wp build -q hello.wasm -o swept
: >swept/blobs/sha256/.blob.tmp-AbC123
: >swept/.index.json.tmp-XyZ789
: >swept/blobs/sha256/.keep-me
expect_ok wp build -q hello.wasm -t swept:v2 -o swept
expect_eq "" "$(find swept -name '*.tmp-*')" "temporary files left in swept"
[[ -e swept/blobs/sha256/.keep-me ]] || fail "a file not named as a temporary one was removed"
rm swept/blobs/sha256/.keep-me
run /usr/bin/python3 "$VALIDATE" swept
expect_status 0
for target in new-layout archive.tar; do
	rm -rf "$target" ".$target.wasmpack-"*
	mkdir -p ".$target.wasmpack-dead01/layout" ".$target.wasmpack-old002" \
		".$target.wasmpack-new003" ".$target.wasmpack-live04/layout" ".$target.wasmpack-other" \
		".$target.wasmpack-young5/layout"
	# young5: unlocked, but as recent as one whose maker has yet to lock it
	touch -d '-2 minutes' ".$target.wasmpack-dead01" ".$target.wasmpack-old002" \
		".$target.wasmpack-live04"
	flock ".$target.wasmpack-live04/layout" sleep 60 &
	holder=$!
	# flock(1) has the lock once its child runs
	for _ in $(seq 100); do pgrep -P "$holder" >/dev/null && break; sleep 0.05; done
	dest=$target
	[[ $target == *.tar ]] && dest=oci-archive:$target
	expect_ok wp build -q hello.wasm -o "$dest"
	kill "$holder" 2>/dev/null || true
	wait "$holder" 2>/dev/null || true
	expect_eq ".$target.wasmpack-live04 .$target.wasmpack-new003 .$target.wasmpack-other .$target.wasmpack-young5" \
		"$(cd . && echo ".$target.wasmpack-"*)" "staging directories left beside $target"
	rm -rf ".$target.wasmpack-"*
done
