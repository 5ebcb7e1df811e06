#!/usr/bin/env bash
# wasmpack push (and build --push) to a real anonymous distribution registry:
# what the registry holds afterwards (skopeo inspect and copy back, blobs by
# digest), the exact stdout (REF@DIGEST lines), --digest-file,
# GITHUB_OUTPUT, -q, every SOURCE form (the docker-archive one pushes the
# digest of the layout build), several tags and repositories in one push
# (the second repository mounts the blobs), --from-repo, re-pushes that
# upload nothing, --chunk-size (PATCH uploads) and --jobs.
# shellcheck source=push_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/push_lib.sh"

registry_start anonymous "$T/reg" >/dev/null
H=$REG_HOST

# --- the images: a 300 kB module (a 130 kB layer) built every way
expect_ok "$GENWASM" 300000 m.wasm
expect_ok wp build m.wasm -t "$H/app:v1"
D=$(cat "$OUT")
expect_match "$DIGEST_RE" "$D" "build stdout"
expect_dir wasmpack-out
CONFIG=$(jqr "$(manifest_of wasmpack-out)" .config.digest)
LAYER=$(jqr "$(manifest_of wasmpack-out)" '.layers[0].digest')
expect_ok wp build m.wasm -t src:one -o layout
expect_eq "$D" "$(cat "$OUT")" "digest of the same build into ./layout"
expect_ok wp build "$HELLO" -t "$H/src:two" -o layout
HELLO_D=$(cat "$OUT")
expect_ne "$D" "$HELLO_D" "digests of the two images"
expect_ok wp build m.wasm -t src:one -o oci-archive:img.tar
expect_ok wp build m.wasm -t src:one -o docker-archive:docker.tar

# --- the default source (./wasmpack-out), --digest-file, GITHUB_OUTPUT
printf 'earlier=line\n' >gh-output
mark=$(log_mark)
GITHUB_OUTPUT=$T/gh-output expect_ok wp push --debug --digest-file digest.txt "$H/app:v1"
keep_log gh-output digest.txt
expect_refs_on_stdout "$D" "$H/app:v1"
expect_eq "$D" "$(cat digest.txt)" "--digest-file"
expect_eq "$(printf 'earlier=line\ndigest=%s\nimageid=%s' "$D" "$CONFIG")" "$(cat gh-output)" \
	"GITHUB_OUTPUT (appended: digest=, imageid= the config digest)"
expect_contains "$ERR" "> PUT http://$H/v2/app/manifests/v1" "--debug output"
# two blobs went up, each with one POST and one PUT, then the manifest
expect_eq 2 "$(access_lines "$mark" '^POST /v2/app/blobs/uploads/ 202$' | wc -l)" "upload POSTs"
expect_eq 2 "$(access_lines "$mark" '^PUT /v2/app/blobs/uploads/.*digest=sha256.* 201$' | wc -l)" "blob PUTs"
expect_eq 0 "$(access_lines "$mark" '^PATCH ' | wc -l)" "PATCHes without --chunk-size"
expect_eq 1 "$(access_lines "$mark" "^PUT /v2/app/manifests/v1 201$" | wc -l)" "tag PUT"
expect_registry_digest app v1 "$D"
expect_eq "$LAYER" "$(jqr "$T/.raw.json" '.layers[0].digest')" "layer of app:v1"
pull_compare "$H/app:v1" wasmpack-out --src-tls-verify=false

# --- a re-push uploads no blob (nor anything else); a new tag only a manifest
mark=$(log_mark)
expect_ok wp push --debug "$H/app:v1"
expect_refs_on_stdout "$D" "$H/app:v1"
expect_eq "" "$(access_lines "$mark" '^(POST|PUT|PATCH) ')" "requests that write, re-pushing app:v1"
mark=$(log_mark)
expect_ok wp push --debug wasmpack-out "$H/app:v2"
expect_refs_on_stdout "$D" "$H/app:v2"
expect_eq "" "$(access_lines "$mark" '^(POST|PUT|PATCH) /v2/app/blobs/uploads/')" \
	"blob uploads, pushing app:v2"
expect_eq 1 "$(access_lines "$mark" '^HEAD /v2/app/blobs/sha256:[0-9a-f]+ 200$' | grep -c "$LAYER")" \
	"HEAD of the layer already there"
expect_eq 1 "$(access_lines "$mark" '^PUT /v2/app/manifests/v2 201$' | wc -l)" "tag PUT of app:v2"
expect_registry_digest app v2 "$D"

# --- several tags in one push; -q prints the REF@DIGEST lines alone
expect_ok wp push -q oci:layout:one "$H/multi:a" "$H/multi:b" "$H/multi:c"
expect_stderr_empty
expect_refs_on_stdout "$D" "$H/multi:a" "$H/multi:b" "$H/multi:c"
for tag in a b c; do expect_eq 200 "$(manifest_status multi "$tag")" "multi:$tag"; done
expect_registry_digest multi b "$D"
# without -q the progress goes to stderr, never to stdout
expect_ok wp push oci:layout:one "$H/multi:d"
expect_refs_on_stdout "$D" "$H/multi:d"
expect_contains "$ERR" "tag d"

# --- every SOURCE form
expect_ok wp push --debug "oci:$T/layout:two" "$H/src:hello"
expect_refs_on_stdout "$HELLO_D" "$H/src:hello"
expect_registry_digest src hello "$HELLO_D"
expect_ok wp push --debug wasmpack-out "$H/src:dir"
expect_refs_on_stdout "$D" "$H/src:dir"
expect_ok wp push --debug oci:wasmpack-out "$H/src:oci"
expect_refs_on_stdout "$D" "$H/src:oci"
# a layout of two images without a name: the one named like the REF...
expect_ok wp push --debug layout "$H/src:two"
expect_refs_on_stdout "$HELLO_D" "$H/src:two"
# ...and none is an error that says how to name one
expect_fail 1 "2 images" "oci:DIR:TAG" -- wp push layout "$H/src:three"
expect_ok wp push --debug oci-archive:img.tar "$H/src:oci-archive"
expect_refs_on_stdout "$D" "$H/src:oci-archive"
expect_registry_digest src oci-archive "$D"
# docker-archive: imported (and recompressed, deterministically) back to
# the very image the layout build made
expect_ok wp push --debug docker-archive:docker.tar "$H/src:docker-archive"
expect_refs_on_stdout "$D" "$H/src:docker-archive"
expect_registry_digest src docker-archive "$D"
expect_eq "$LAYER" "$(jqr "$T/.raw.json" '.layers[0].digest')" "layer pushed from the docker-archive"
expect_absent "$TMPDIR"/wasmpack-src-*

# --- two repositories in one push: the second mounts from the first
mark=$(log_mark)
expect_ok wp push --debug oci:layout:one "$H/one:a" "$H/two:b" "$H/one:c"
expect_refs_on_stdout "$D" "$H/one:a" "$H/two:b" "$H/one:c"
expect_eq 2 "$(access_lines "$mark" '^POST /v2/two/blobs/uploads/\?mount=sha256%3A[0-9a-f]+&from=one 201$' | wc -l)" \
	"mounts into two from one"
expect_eq "" "$(access_lines "$mark" '^(PUT|PATCH) /v2/two/blobs/')" "blob uploads into two"
expect_eq 2 "$(access_lines "$mark" '^PUT /v2/one/blobs/uploads/' | wc -l)" "blob uploads into one"
expect_registry_digest two b "$D"
expect_registry_digest one c "$D"

# --- --from-repo: mounts from a repository pushed earlier
mark=$(log_mark)
expect_ok wp push --debug --from-repo src oci-archive:img.tar "$H/mounted:v1"
expect_refs_on_stdout "$D" "$H/mounted:v1"
expect_eq 2 "$(access_lines "$mark" '^POST /v2/mounted/blobs/uploads/\?mount=sha256%3A[0-9a-f]+&from=src 201$' | wc -l)" \
	"mounts from src"
expect_eq "" "$(access_lines "$mark" '^(PUT|PATCH) /v2/mounted/blobs/')" "blob uploads into mounted"
expect_registry_digest mounted v1 "$D"
# a repository without the blobs: the mount fails, the upload follows
mark=$(log_mark)
expect_ok wp push --debug --from-repo nothing-here oci:layout:two "$H/mounted2:v1"
expect_refs_on_stdout "$HELLO_D" "$H/mounted2:v1"
expect_eq 2 "$(access_lines "$mark" '^PUT /v2/mounted2/blobs/uploads/.* 201$' | wc -l)" \
	"uploads after failed mounts"
expect_registry_digest mounted2 v1 "$HELLO_D"

# --- --chunk-size: PATCH uploads, the same result
mark=$(log_mark)
expect_ok wp push --debug --chunk-size 40000 oci:layout:one "$H/chunked:v1"
expect_refs_on_stdout "$D" "$H/chunked:v1"
layer_size=$(stat -c %s "$(blob wasmpack-out "$LAYER")")
expect_eq $(((layer_size + 39999) / 40000)) \
	"$(access_lines "$mark" '^PATCH /v2/chunked/blobs/uploads/[^ ]+ 202$' | wc -l)" "PATCHes of 40000 bytes"
# the config (266 bytes) is smaller than a chunk: one PUT with the body
expect_eq 2 "$(access_lines "$mark" '^PUT /v2/chunked/blobs/uploads/.*digest=.* 201$' | wc -l)" "closing PUTs"
expect_registry_digest chunked v1 "$D"
pull_compare "$H/chunked:v1" wasmpack-out --src-tls-verify=false

# --- --jobs 1 and 8: a 7-blob image, the same result either way
MD=$(make_layout many 6 30000 v1)
for j in 1 8; do
	mark=$(log_mark)
	expect_ok wp push --debug --jobs "$j" many "$H/jobs$j:v1"
	expect_refs_on_stdout "$MD" "$H/jobs$j:v1"
	expect_eq 7 "$(access_lines "$mark" "^PUT /v2/jobs$j/blobs/uploads/.* 201\$" | wc -l)" "blob PUTs with --jobs $j"
	expect_registry_digest "jobs$j" v1 "$MD"
	pull_compare "$H/jobs$j:v1" many --src-tls-verify=false
done

# --- build --push: the build's digest, then one REF@DIGEST line per -t
expect_ok wp build --debug m.wasm -t "$H/built:v1" -t "$H/built:latest" --push -o built
expect_eq "$(printf '%s\n%s@%s\n%s@%s' "$D" "$H/built:v1" "$D" "$H/built:latest" "$D")" "$(cat "$OUT")" \
	"stdout of build --push"
expect_registry_digest built latest "$D"
pull_compare "$H/built:v1" built --src-tls-verify=false
expect_ok wp build -q m.wasm -t "$H/built:quiet" --push -o built-q
expect_stderr_empty
expect_eq "$(printf '%s\n%s@%s' "$D" "$H/built:quiet" "$D")" "$(cat "$OUT")" "stdout of build -q --push"

# --- skopeo copies it back from the registry to another registry path
expect_ok skopeo copy -q --src-tls-verify=false --dest-tls-verify=false \
	"docker://$H/app:v1" "docker://$H/copied:v1"
expect_registry_digest copied v1 "$D"

expect_no_secrets
