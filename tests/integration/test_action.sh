#!/usr/bin/env bash
# The GitHub Action (action.yml + .github/action/*.sh): its metadata checked, then its steps
# run here as the Actions runner runs them (tests/tools/run-action.py) in a simulated
# workflow environment (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_REPOSITORY, GITHUB_SHA,
# GITHUB_REF, RUNNER_TEMP as temporary files), pushing to a token-auth distribution registry
# on loopback: outputs written, the job summary written, metadata-action style lists (tags
# with commas and newlines, labels, annotations with level prefixes) in the pushed image,
# the CI annotations present, the password in no log and no credentials file left behind.
# shellcheck source=push_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/push_lib.sh"

RUN_ACTION=(/usr/bin/python3 "$TOOLS/run-action.py")
PW='s3cret-Action-pw'
registry_start token "$T/reg" -u "ci-bot:$PW" >/dev/null
H=$REG_HOST

# --- the metadata --------------------------------------------------------------
expect_ok "${RUN_ACTION[@]}" check "$ROOT"
expect_contains "$OUT" "3 outputs, 5 steps: ok"
# the example workflows and the docs' snippets give only inputs the action has
expect_ok "${RUN_ACTION[@]}" check-uses "$ROOT" "$ROOT"/examples/github-actions/*.yml \
	"$ROOT/docs/ci.md" "$ROOT/docs/migrating-from-buildx.md"
expect_contains "$OUT" "uses of the action: ok"
# a broken copy is caught: an input no step uses, an output nothing writes
mkdir broken && cp -r "$ROOT/action.yml" "$ROOT/.github" broken/
python3 - broken/action.yml <<'PY'
import sys, yaml
p = sys.argv[1]
a = yaml.safe_load(open(p))
a["inputs"]["unused"] = {"description": "x"}
a["outputs"]["nothing"] = {"description": "x", "value": "${{ steps.build.outputs.nothing }}"}
yaml.safe_dump(a, open(p, "w"))
PY
run "${RUN_ACTION[@]}" check broken
expect_status 1
expect_contains "$ERR" "input unused: no step uses it"
expect_contains "$ERR" "output nothing: step build never writes nothing="

# --- a simulated workflow run ----------------------------------------------------
mkdir -p ws runner-temp
git -C ws init -q
git -C ws -c user.name=ci -c user.email=ci@example.com commit -q --allow-empty -m one
COMMIT_TIME=$(git -C ws log -1 --format=%ct)
cp "$HELLO" ws/hello.wasm
ci_env() {
	env GITHUB_ACTIONS=true GITHUB_REPOSITORY=Acme/Hello-Wasm GITHUB_SHA=0123456789abcdef0123456789abcdef01234567 \
		GITHUB_REF=refs/tags/v1.2.0 GITHUB_SERVER_URL=https://github.com \
		GITHUB_WORKSPACE="$T/ws" RUNNER_TEMP="$T/runner-temp" \
		GITHUB_STEP_SUMMARY="$T/summary.md" RUNNER_OS=Linux RUNNER_ARCH=X64 \
		WASMPACK="$WASMPACK" "$@"
}
# what docker/metadata-action gives: tags on lines, and a comma list too
jq -n --arg h "$H" --arg pw "$PW" '{
	input: "hello.wasm",
	tags: "\($h)/acme/hello:v1.2.0\n\($h)/acme/hello:1.2 , \($h)/acme/hello:latest\n",
	labels: "org.opencontainers.image.title=hello\norg.opencontainers.image.description=a, b and c\n",
	annotations: "manifest:org.opencontainers.image.title=hello\nmanifest:com.example.note=x=y\nindex:org.opencontainers.image.title=hello",
	push: "true", optimize: "s", sbom: "true", provenance: "true",
	username: "ci-bot", password: $pw
}' >inputs.json
: >summary.md
cd ws && run ci_env "${RUN_ACTION[@]}" run "$ROOT" "$T/inputs.json" "$T/outputs.json"; cd "$T"
expect_status 0
expect_contains "$OUT" "::add-mask::$PW" "the password is masked before anything prints it"
expect_contains "$ERR" "not run here: Cache wasmpack"
expect_contains "$ERR" 'annotation "index:org.opencontainers.image.title=hello" skipped'

# outputs: digest, imageid, metadata with build-push-action's keys
DIGEST=$(jq -r .digest outputs.json)
expect_match '^sha256:[0-9a-f]{64}$' "$DIGEST" "the digest output"
expect_jq outputs.json '.metadata | fromjson | ."containerimage.digest"' "\"$DIGEST\""
expect_jq outputs.json '.metadata | fromjson | ."containerimage.descriptor".digest' "\"$DIGEST\""
expect_jq outputs.json '.metadata | fromjson | ."image.name"' \
	"\"$H/acme/hello:v1.2.0,$H/acme/hello:1.2,$H/acme/hello:latest\""
expect_jq outputs.json '(.metadata | fromjson | ."containerimage.config.digest") == .imageid' true
# the image is in the workspace (the output input's default) and at every tag
expect_dir ws/wasmpack-out
for tag in v1.2.0 1.2 latest; do
	expect_ok wp digest "$H/acme/hello:$tag" --username ci-bot --password-stdin <<<"$PW"
	expect_eq "$DIGEST" "$(cat "$OUT")" "digest of the pushed $tag"
done
# what was pushed: labels, annotations given, and the ones the CI run implies
skopeo_inspect_to manifest.json --raw --tls-verify=false --creds "ci-bot:$PW" "docker://$H/acme/hello:v1.2.0"
expect_jq manifest.json '.annotations["org.opencontainers.image.title"]' '"hello"'
expect_jq manifest.json '.annotations["com.example.note"]' '"x=y"'
expect_jq manifest.json '.annotations["org.opencontainers.image.source"]' '"https://github.com/Acme/Hello-Wasm"'
expect_jq manifest.json '.annotations["org.opencontainers.image.revision"]' '"0123456789abcdef0123456789abcdef01234567"'
expect_jq manifest.json '.annotations["org.opencontainers.image.version"]' '"v1.2.0"'
expect_jq manifest.json '.annotations["org.opencontainers.image.created"]' \
	"\"$(date -u -d "@$COMMIT_TIME" +%Y-%m-%dT%H:%M:%SZ)\""
expect_jq manifest.json '.annotations["dev.wasmpack.source.digest"] | startswith("sha256:")' true
expect_jq manifest.json '.config.digest' "$(jq '.imageid' outputs.json)"
skopeo_inspect_to config.json --config --tls-verify=false --creds "ci-bot:$PW" "docker://$H/acme/hello:v1.2.0"
expect_jq config.json '.config.Labels["org.opencontainers.image.description"]' '"a, b and c"'
expect_jq config.json '.config.Labels["org.opencontainers.image.revision"]' '"0123456789abcdef0123456789abcdef01234567"'
# the SBOM and provenance, attached as referrers of the pushed image
expect_ok wp discover "$H/acme/hello:v1.2.0" --format json --username ci-bot --password-stdin <<<"$PW"
expect_jq "$OUT" '[.referrers[].artifactType] | sort' '["application/spdx+json","application/vnd.in-toto+json"]'
expect_jq "$OUT" .subject.digest "\"$DIGEST\""
# the job summary
expect_contains summary.md "\`$DIGEST\`"
expect_contains summary.md "$H/acme/hello:latest"
expect_contains summary.md "| Pushed | true |"
expect_contains summary.md "| WASI | preview1 |"
# the password: masked, in no output, and no credentials file outlives the step (the
# runner consumes ::add-mask:: lines, which carry the secret by design, and shows none)
sed -i '/^::add-mask::/d' "$LOGS"/*.out
expect_no_secrets "$PW"
expect_eq 0 "$(cat outputs.json summary.md | grep -c "$PW" || true)" "password in outputs or summary"
expect_eq "" "$(ls -A runner-temp)" "what the step left in RUNNER_TEMP"
expect_absent "$DOCKER_CONFIG/config.json"

# --- a ghcr.io name with capitals: lower-cased, with a notice (no push) -----------
jq -n '{input: "hello.wasm", tags: "ghcr.io/Acme/Hello-Wasm:v1", output: "oci:lower"}' >lower.json
cd ws && run ci_env "${RUN_ACTION[@]}" run "$ROOT" "$T/lower.json" "$T/lower-out.json"; cd "$T"
expect_status 0
expect_contains "$ERR" '::notice::"ghcr.io/Acme/Hello-Wasm:v1" is named "ghcr.io/acme/hello-wasm:v1"'
expect_jq lower-out.json '.metadata | fromjson | ."image.name"' '"ghcr.io/acme/hello-wasm:v1"'

# --- a multi-stage Dockerfile: file, context, build-args, from-stages ---------------
cat >ws/Dockerfile <<'EOF'
FROM scratch AS builder
FROM scratch
ARG NAME
COPY --from=builder /app.wasm /${NAME}.wasm
ENTRYPOINT ["/app.wasm"]
EOF
jq -n --arg m "$HELLO" '{file: "Dockerfile", "build-args": "NAME=app\n", "from-stages": "builder=\($m)",
	tags: "df:v1", output: "oci:df"}' >df.json
cd ws && run ci_env "${RUN_ACTION[@]}" run "$ROOT" "$T/df.json" "$T/df-out.json"; cd "$T"
expect_status 0
expect_ok wp pull -q oci:ws/df:v1 --wasm df.wasm
expect_same_file "$HELLO" df.wasm

# --- refusals: one ::error:: line, non-zero, nothing pushed -----------------------
refused() {
	local want=$1 json=$2
	jq -n "$json" >refused.json
	cd ws && run ci_env "${RUN_ACTION[@]}" run "$ROOT" "$T/refused.json" "$T/refused-out.json"; cd "$T"
	expect_ne 0 "$STATUS" "the status of a refused run"
	expect_contains "$OUT" "::error title=wasmpack::$want"
}
refused "sbom: true needs push: true" '{input: "hello.wasm", sbom: "true"}'
refused 'format "oci": expected image, artifact or wasm-layer' '{input: "hello.wasm", format: "oci"}'
refused 'optimize "fast"' '{input: "hello.wasm", optimize: "fast"}'
refused "push: true needs at least one tag" '{input: "hello.wasm", push: "true"}'
# a wrong password: the login fails naming the registry; the password is not printed
jq -n --arg h "$H" '{input: "hello.wasm", tags: "\($h)/acme/hello:bad", push: "true",
	username: "ci-bot", password: "wrong-Pw-123"}' >wrong.json
cd ws && run ci_env "${RUN_ACTION[@]}" run "$ROOT" "$T/wrong.json" "$T/wrong-out.json"; cd "$T"
expect_ne 0 "$STATUS" "the status with a wrong password"
expect_contains "$OUT" "::error title=wasmpack::login to $H as ci-bot failed"
sed -i '/^::add-mask::/d' "$LOGS"/*.out
expect_no_secrets "$PW" wrong-Pw-123
expect_eq "" "$(ls -A runner-temp)" "what a failed step left in RUNNER_TEMP"
