#!/usr/bin/env bash
# --format json on every command that prints a result (docs/json-output.md),
# against a real distribution registry: one JSON object on stdout that jq
# reads and nothing else there, the documented keys, digests equal to what
# the text output says and what the layouts hold, progress still on stderr;
# failures stay one line on stderr with no JSON; --format yaml is the same
# usage error for every command.
# shellcheck source=push_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/push_lib.sh"

registry_start anonymous "$T/reg" >/dev/null
H=$REG_HOST

# json_ok CMD...: CMD succeeds and prints exactly one JSON object on stdout.
json_ok() {
	expect_ok "$@"
	[[ $(jq -s 'length' "$OUT" 2>/dev/null) == 1 ]] ||
		fail "stdout of: $LAST_CMD is not one JSON document: $(first_line "$OUT")"
	[[ $(jq -r 'type' "$OUT") == object ]] || fail "stdout of: $LAST_CMD is not an object"
}

# expect_keys KEY...: the document has exactly these keys, in this order.
expect_keys() {
	local want
	want=$(printf '%s\n' "$@" | jq -R . | jq -sc .)
	expect_jq "$OUT" '[keys_unsorted[]]' "$want"
}

expect_ok "$GENWASM" 20000 m.wasm
expect_ok wp build m.wasm -t "$H/app:v1" -o built
D=$(cat "$OUT")
MANIFEST=$(manifest_of built)
SIZE=$(stat -c %s "$MANIFEST")
CONFIG=$(jqr "$MANIFEST" .config.digest)

# --- push: the image, then one entry per reference ------------------------------
expect_ok wp push built "$H/app:v1"
expect_refs_on_stdout "$D" "$H/app:v1"
json_ok wp push --format json built "$H/app:v2" "$H/other:v1"
expect_keys digest mediaType size imageId pushed
expect_jq "$OUT" .digest "\"$D\""
expect_jq "$OUT" .mediaType "\"$MT_OCI_MANIFEST\""
expect_jq "$OUT" .size "$SIZE"
expect_jq "$OUT" .imageId "\"$CONFIG\""
expect_jq "$OUT" .pushed "[{\"reference\":\"$H/app:v2\",\"digest\":\"$D\"},{\"reference\":\"$H/other:v1\",\"digest\":\"$D\"}]"
# with GITHUB_OUTPUT and --digest-file as in text mode
GITHUB_OUTPUT=$T/gh.out json_ok wp push -q --format json --digest-file d.txt built "$H/app:v3"
expect_eq "$D" "$(cat d.txt)" "--digest-file with --format json"
expect_contains "$T/gh.out" "imageid=$CONFIG"
# a failure: the one-line error, no JSON
expect_fail 2 "push to a tag, not a digest" -- wp push --format json built "$H/app@$D"

# --- pull: the image, where it went ----------------------------------------------
expect_ok wp pull "$H/app:v1" -o text-pulled
expect_refs_on_stdout "$D" "$H/app:v1"
json_ok wp pull --format json "$H/app:v1" -o pulled
expect_keys reference digest mediaType size output
expect_jq "$OUT" .reference "\"$H/app:v1\""
expect_jq "$OUT" .digest "\"$D\""
expect_jq "$OUT" .mediaType "\"$MT_OCI_MANIFEST\""
expect_jq "$OUT" .size "$SIZE"
expect_jq "$OUT" .output '"pulled"'
expect_jq pulled/index.json '.manifests[0].digest' "\"$D\""
expect_contains "$ERR" "verified" "pull progress on stderr"
# by digest, into an archive
json_ok wp pull --format json "$H/app@$D" -o oci-archive:app.tar
expect_jq "$OUT" .reference "\"$H/app\""
expect_jq "$OUT" .output '"oci-archive:app.tar"'
# the module alone: no destination, the file named
json_ok wp pull --format json "$H/app:v1" --wasm pulled.wasm
expect_keys reference digest mediaType size wasm
expect_jq "$OUT" .digest "\"$D\""
expect_same_file m.wasm pulled.wasm
# from an index: the image picked and the index; --platform all: the index
buildx_index built multi
read -r IDX _ <<<"$(cat "$T/.buildx")"
expect_ok http_push multi "$REG_URL" multi v1 "$IDX"
json_ok wp pull --format json "$H/multi:v1" -o multi-pulled
expect_keys reference digest mediaType size indexDigest output
expect_jq "$OUT" '[.digest, .indexDigest]' "[\"$D\",\"$IDX\"]"
json_ok wp pull --format json "$H/multi:v1" --platform all -o multi-all
expect_jq "$OUT" '[.digest, .mediaType, has("indexDigest")]' "[\"$IDX\",\"application/vnd.oci.image.index.v1+json\",false]"
# a local image (nothing on stdout as text): its files
expect_ok wp pull built --extract root-text
expect_stdout_empty
json_ok wp pull --format json built --extract root
expect_keys reference digest mediaType size extract
expect_jq "$OUT" .reference '"built"'
expect_jq "$OUT" .digest "\"$D\""
expect_jq "$OUT" .extract '"root"'
expect_fail 1 "not found" -- wp pull --format json "$H/nothere:v1" -o nothere

# --- copy: source, destination, digest (registry, layout to registry, to layout) -----
expect_ok wp copy "$H/app:v1" "$H/copy-text:v1"
expect_refs_on_stdout "$D" "$H/copy-text:v1"
json_ok wp copy --format json "$H/app:v1" "$H/copy"
expect_keys source destination digest
expect_jq "$OUT" . "{\"source\":\"$H/app:v1\",\"destination\":\"$H/copy:latest\",\"digest\":\"$D\"}"
json_ok wp copy --format json built "$H/fromlocal:v1"
expect_jq "$OUT" . "{\"source\":\"built\",\"destination\":\"$H/fromlocal:v1\",\"digest\":\"$D\"}"
json_ok wp copy --format json "$H/app:v1" oci:copied
expect_jq "$OUT" . "{\"source\":\"$H/app:v1\",\"destination\":\"oci:copied\",\"digest\":\"$D\"}"
expect_jq copied/index.json '.manifests[0].digest' "\"$D\""

# --- digest ----------------------------------------------------------------------
expect_ok wp digest "$H/app:v1"
expect_eq "$D" "$(cat "$OUT")" "digest as text"
json_ok wp digest --format json "$H/app:v1"
expect_keys reference digest mediaType size
expect_jq "$OUT" . "{\"reference\":\"$H/app:v1\",\"digest\":\"$D\",\"mediaType\":\"$MT_OCI_MANIFEST\",\"size\":$SIZE}"
json_ok wp digest --format json "$H/copy"
expect_jq "$OUT" .reference "\"$H/copy:latest\""
json_ok wp digest --format json "$H/app@$D"
expect_jq "$OUT" .reference "\"$H/app@$D\""

# --- tag: the image, one entry per new tag (printed even with -q) ---------------
expect_ok wp tag "$H/app:v1" t1
expect_eq "$H/app:t1@$D" "$(cat "$OUT")" "tag as text"
json_ok wp tag -q --format json "$H/app:v1" t2 t3
expect_keys digest mediaType tagged
expect_jq "$OUT" .digest "\"$D\""
expect_jq "$OUT" .mediaType "\"$MT_OCI_MANIFEST\""
expect_jq "$OUT" .tagged "[{\"reference\":\"$H/app:t2\",\"digest\":\"$D\"},{\"reference\":\"$H/app:t3\",\"digest\":\"$D\"}]"
expect_fail 2 "bad/tag" -- wp tag --format json "$H/app:v1" bad/tag

# --- ls: the repository and its tags, as the text lists them -------------------------
expect_ok wp ls "$H/app"
TAGS=$(jq -R . "$OUT" | jq -sc .)
json_ok wp ls --format json --page-size 2 "$H/app"
expect_keys repository tags
expect_jq "$OUT" .repository "\"$H/app\""
expect_jq "$OUT" .tags "$TAGS"
expect_jq "$OUT" '.tags | sort' '["t1","t2","t3","v1","v2","v3"]'

# --- delete: what was named and the manifest deleted -------------------------------------
json_ok wp delete --format json "$H/other:v1"
expect_keys reference digest mediaType
expect_jq "$OUT" . "{\"reference\":\"$H/other:v1\",\"digest\":\"$D\",\"mediaType\":\"$MT_OCI_MANIFEST\"}"
expect_no_tag other v1
expect_fail 1 "not found" -- wp delete --format json "$H/other:v1"

# --- inspect (the shared option) ----------------------------------------------------
json_ok wp inspect --format json "$H/app:v1"
expect_jq "$OUT" .digest "\"$D\""

# --- validate: one document for every module; invalid modules are its verdict -------
printf 'not wasm' >bad.wasm
json_ok wp validate --format json m.wasm
expect_jq "$OUT" . '{"valid":true,"modules":[{"file":"m.wasm","valid":true}]}'
run wp validate --format json m.wasm bad.wasm
expect_status 1
expect_jq "$OUT" '[.valid, .modules[0].valid, .modules[1].file, .modules[1].valid]' \
	'[false,true,"bad.wasm",false]'
expect_jq "$OUT" '.modules[1].error | test("magic")' true
expect_stderr_one_line "bad.wasm" "magic"
expect_fail 2 "--json and --format json exclude each other" -- wp validate --json --format json m.wasm

# --- optimize: sizes and what each pass saved -----------------------------------------
json_ok wp optimize --format json -Oz m.wasm -o small.wasm
expect_jq "$OUT" '[.input, .output, .inputSize, .outputSize]' \
	"[\"m.wasm\",\"small.wasm\",$(stat -c %s m.wasm),$(stat -c %s small.wasm)]"
expect_jq "$OUT" '.stats | keys | length' 16
expect_jq "$OUT" '[.stats[] | type] | unique' '["number"]'
expect_contains "$ERR" "m.wasm: " "optimize summary on stderr"
expect_fail 2 "with -o -" -- wp optimize --format json m.wasm -o -

# --- version ---------------------------------------------------------------------
expect_ok wp version
TEXT_VERSION=$(sed -n 's/^wasmpack //p' "$OUT")
BUILT_WITH=$(sed -n 's/^built with //p' "$OUT")
json_ok wp version --format json
expect_keys version dependencies
expect_jq "$OUT" .version "\"$TEXT_VERSION\""
expect_eq "$BUILT_WITH" "$(jq -r '.dependencies | join(", ")' "$OUT")" "version dependencies"

# --- init ------------------------------------------------------------------------
mkdir proj
cp m.wasm proj/
json_ok wp init --format json proj --name ghcr.io/acme/proj
expect_jq "$OUT" . '{"path":"proj/wasmpack.yaml","name":"ghcr.io/acme/proj","source":"m.wasm","sourcePlaceholder":false,"tags":["latest"]}'
expect_file proj/wasmpack.yaml
mkdir empty
json_ok wp init -q --format json empty
expect_jq "$OUT" '[.name, .source, .sourcePlaceholder]' '["empty","app.wasm",true]'
expect_fail 1 "already exists" -- wp init --format json proj

# --- login, logout (a registry that wants a password) -------------------------------
PW=Json-Secret-5d1
registry_start htpasswd "$T/basic" -u "alice:$PW" >/dev/null
json_ok wp login --format json "$REG_HOST" -u alice --password-stdin <<<"$PW"
expect_keys registry credentialStore
expect_jq "$OUT" .registry "\"$REG_HOST\""
expect_jq "$OUT" '.credentialStore | test("config.json")' true
expect_jq "$DOCKER_CONFIG/config.json" ".auths[\"$REG_HOST\"] | has(\"auth\")" true
json_ok wp logout --format json "$REG_HOST"
expect_jq "$OUT" . "{\"registry\":\"$REG_HOST\",\"removed\":true}"
json_ok wp logout --format json "$REG_HOST"
expect_jq "$OUT" .removed false
expect_fail 1 "refused the credentials" -- wp login --format json "$REG_HOST" -u alice --password-stdin <<<"wrong"
expect_no_secrets "$PW" "$(b64 "alice:$PW")"

# --- --format: documented, and the same usage error everywhere ------------------------
for cmd in push pull copy tag digest ls delete inspect validate optimize version login logout init; do
	expect_ok wp "$cmd" --help
	expect_contains "$OUT" "--format FORMAT         text (default), or json" "$cmd --help"
	expect_fail 2 "wasmpack $cmd: --format: \"yaml\" is neither text nor json (see 'wasmpack $cmd --help')" -- \
		wp "$cmd" --format yaml
	expect_fail 2 "option \"--format\" needs a value" -- wp "$cmd" --format
done

# --- build: --metadata-file - is its JSON on stdout, after the push ----------------
expect_ok wp build "$HELLO" -t "$H/meta:v1" -o meta --metadata-file - --push
cp "$OUT" meta.json
expect_jq meta.json '."containerimage.digest" == .digest' true
expect_jq meta.json '.tags' "[\"$H/meta:v1\"]"
expect_ok wp digest "$H/meta:v1"
expect_eq "$(jq -r .digest meta.json)" "$(cat "$OUT")" "build --metadata-file - digest vs the registry's"
expect_fail 2 "both want standard output" -- wp build "$HELLO" --metadata-file - -o type=oci,dest=-
