#!/usr/bin/env bash
# wasmpack attach and discover (OCI 1.1 referrers) against a real
# distribution 2.8 registry, which has no referrers API: artifacts pushed
# with the empty config and a subject, listed in the sha256-<hex> tag index;
# the image, its digest and its tag untouched (still one manifest, no index
# entry as buildx attestations add); discover in text and JSON, filtered by
# artifact type; idempotent re-attach; SOURCE_DATE_EPOCH; the referrer
# manifest against the image-spec schema; copy --referrers through the
# shared code; the errors. Then tests/tools/referrers_proxy.py in front of
# the registry: a referrers API with OCI-Subject (no tag written, pages,
# ?artifactType=), one without OCI-Subject (found by a probe), and a race of
# two writers of the referrers tag (412 to If-Match, one re-read).
# shellcheck source=push_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/push_lib.sh"

# --- help: listed, every option described, 80 columns
expect_ok wp --help
expect_contains "$OUT" "  attach " "wasmpack --help"
expect_contains "$OUT" "  discover " "wasmpack --help"
for c in attach discover; do
	expect_ok wp "$c" --help
	expect_stderr_empty
	awk 'length > 80 { exit 1 }' "$OUT" || fail "$c --help has lines over 80 columns"
	opts=(--artifact-type --username --password-stdin --insecure --plain-http --debug --help)
	[[ $c == attach ]] && opts+=(--media-type --annotation SOURCE_DATE_EPOCH) || opts+=(--format)
	for o in "${opts[@]}"; do
		grep -qE -- "(^|[ ,])$o([ ,=]|$)" "$OUT" || fail "$c --help does not mention $o"
	done
done

registry_start anonymous "$T/reg" >/dev/null
H=$REG_HOST
MT_INDEX=application/vnd.oci.image.index.v1+json
EMPTY=sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a

# curl_manifest REPO REF FILE: the manifest bytes as the registry stores them.
curl_manifest() {
	curl -sS --fail -H "Accept: $MT_OCI_MANIFEST, $MT_INDEX" -o "$3" \
		"$REG_URL/v2/$1/manifests/$2" || fail "GET $1 manifest $2"
}

# referrer_digest: the digest part of the NAME@DIGEST that attach printed.
referrer_digest() { sed -n 's/.*@//p' "$OUT"; }

expect_ok "$GENWASM" 20000 m.wasm
expect_ok wp build m.wasm -t "$H/app:v1" -o built
D=$(cat "$OUT")
expect_ok wp push -q built "$H/app:v1"
TAGSCHEMA=sha256-${D#sha256:}
skopeo_inspect_to "$T/before.json" --raw --tls-verify=false "docker://$H/app:v1"

# --- two artifacts of different types ------------------------------------------
printf '{"spdxVersion":"SPDX-2.3","name":"app"}' >sbom.json
printf 'not really a signature\n' >app.sig
expect_ok wp attach --artifact-type application/spdx+json "$H/app:v1" sbom.json
R1=$(referrer_digest)
expect_match "$DIGEST_RE" "$R1" "the SBOM referrer's digest"
expect_refs_on_stdout "$R1" "$H/app"
expect_stderr_empty
expect_ok wp attach --artifact-type application/vnd.example.signature \
	--annotation org.example.signer=ci --annotation org.opencontainers.image.title=signature \
	"$H/app@$D" app.sig
R2=$(referrer_digest)
expect_refs_on_stdout "$R2" "$H/app"
expect_ne "$R1" "$R2" "the two referrers"

# --- the image is untouched: same digest, still one manifest --------------------
expect_ok wp digest "$H/app:v1"
expect_eq "$D" "$(cat "$OUT")" "the image's digest by tag after attach"
skopeo_inspect_to "$T/after.json" --raw --tls-verify=false "docker://$H/app:v1"
expect_same_file "$T/before.json" "$T/after.json"
expect_jq "$T/after.json" .mediaType "\"$MT_OCI_MANIFEST\""
expect_jq "$T/after.json" '.manifests' null
expect_ok wp ls "$H/app"
expect_eq "$TAGSCHEMA v1" "$(sort "$OUT" | tr '\n' ' ' | sed 's/ $//')" "the tags of app"

# --- the referrers tag: an OCI index of both -----------------------------------
skopeo_inspect_to "$T/refs.json" --raw --tls-verify=false "docker://$H/app:$TAGSCHEMA"
expect_jq "$T/refs.json" .mediaType "\"$MT_INDEX\""
expect_jq "$T/refs.json" '.manifests | length' 2
expect_jq "$T/refs.json" "[.manifests[] | .digest + \" \" + .artifactType] | join(\",\")" \
	"\"$R1 application/spdx+json,$R2 application/vnd.example.signature\""
expect_jq "$T/refs.json" ".manifests[1].annotations[\"org.example.signer\"]" '"ci"'
expect_jq "$T/refs.json" ".manifests[0].mediaType" "\"$MT_OCI_MANIFEST\""

# --- the referrer manifest -----------------------------------------------------
curl_manifest app "$R1" r1.json
expect_eq "$R1" "$(sha256_of r1.json)" "the referrer's bytes"
expect_jq r1.json .mediaType "\"$MT_OCI_MANIFEST\""
expect_jq r1.json .artifactType '"application/spdx+json"'
expect_jq r1.json .config "{\"digest\":\"$EMPTY\",\"mediaType\":\"application/vnd.oci.empty.v1+json\",\"size\":2}"
expect_jq r1.json .subject "{\"digest\":\"$D\",\"mediaType\":\"$MT_OCI_MANIFEST\",\"size\":$(stat -c %s "$T/after.json")}"
expect_jq r1.json '.layers | length' 1
expect_jq r1.json '.layers[0].mediaType' '"application/json"'
expect_jq r1.json '.layers[0].annotations["org.opencontainers.image.title"]' '"sbom.json"'
expect_jq r1.json '.layers[0].digest' "\"$(sha256_of sbom.json)\""
expect_jq r1.json .annotations null
curl_manifest app "$R2" r2.json
expect_jq r2.json '.layers[0].mediaType' '"application/octet-stream"'
expect_jq r2.json '.annotations["org.example.signer"]' '"ci"'
expect_eq "$(printf '{}')" "$(curl -sS "$REG_URL/v2/app/blobs/$EMPTY")" "the empty config blob"
expect_eq "$(cat app.sig)" "$(curl -sS "$REG_URL/v2/app/blobs/$(sha256_of app.sig)")" "the signature layer"
# against the image-spec schema, as test_schemas.sh checks layouts
run /usr/bin/python3 - "$TOOLS/validate-layout.py" r1.json r2.json <<'EOF'
import importlib.util, json, os, sys
spec = importlib.util.spec_from_file_location("validate_layout", sys.argv[1])
vl = importlib.util.module_from_spec(spec)
spec.loader.exec_module(vl)
schemas = vl.Schemas(os.environ.get("OCI_SCHEMAS", vl.DEFAULT_SCHEMAS))
bad = 0
for path in sys.argv[2:]:
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    for e in schemas.validator("image-manifest-schema.json").iter_errors(doc):
        print(f"{path}: at {'/'.join(map(str, e.path))}: {e.message}")
        bad += 1
sys.exit(1 if bad else 0)
EOF
[[ $STATUS == 0 ]] || fail "the referrer manifests do not validate: $(head -n 2 "$OUT" | tr '\n' '|')"

# --- discover ------------------------------------------------------------------
expect_ok wp discover "$H/app:v1"
expect_eq 2 "$(wc -l <"$OUT")" "discover lines"
# the title: the referrer's own annotation (its layers' titles are in its manifest)
expect_eq "$R1  application/spdx+json  $(stat -c %s r1.json)" "$(sed -n 1p "$OUT")" \
	"discover's first line"
expect_eq "$R2  application/vnd.example.signature  $(stat -c %s r2.json)  signature" \
	"$(sed -n 2p "$OUT")" "discover's second line"
expect_ok wp discover --format json "$H/app@$D"
cp "$OUT" discover.json
expect_jq discover.json .mechanism '"tag"'
expect_jq discover.json .subject.digest "\"$D\""
expect_jq discover.json .subject.mediaType "\"$MT_OCI_MANIFEST\""
expect_jq discover.json '[.referrers[].digest] | join(",")' "\"$R1,$R2\""
expect_jq discover.json '.referrers[0].artifactType' '"application/spdx+json"'
expect_ok wp discover --artifact-type application/vnd.example.signature --format json "$H/app:v1"
expect_jq "$OUT" '[.referrers[].digest] | join(",")' "\"$R2\""
expect_ok wp discover --artifact-type application/none "$H/app:v1"
expect_stdout_empty
# an image without referrers: nothing, and no tag created by looking
expect_ok wp build m.wasm --annotation org.example.other=1 -t "$H/lonely:v1" -o built2
expect_ok wp push -q built2 "$H/lonely:v1"
expect_ok wp discover --format json "$H/lonely:v1"
expect_jq "$OUT" '.referrers | length' 0
expect_ok wp ls "$H/lonely"
expect_eq v1 "$(cat "$OUT")" "the tags of lonely after discover"

# --- the same file again: the same manifest, no second entry --------------------
RI=$(sha256_of "$T/refs.json")
expect_ok wp attach --artifact-type application/spdx+json "$H/app:v1" sbom.json
expect_eq "$R1" "$(referrer_digest)" "the digest of a re-attached SBOM"
skopeo_inspect_to "$T/refs2.json" --raw --tls-verify=false "docker://$H/app:$TAGSCHEMA"
expect_eq "$RI" "$(sha256_of "$T/refs2.json")" "the referrers tag after attaching the same file"

# --- SOURCE_DATE_EPOCH: a created annotation, copied into the index -------------
SOURCE_DATE_EPOCH=1700000000 expect_ok wp attach --artifact-type application/vnd.example.provenance \
	--media-type application/vnd.in-toto+json "$H/app:v1" sbom.json
R3=$(referrer_digest)
curl_manifest app "$R3" r3.json
expect_jq r3.json '.annotations["org.opencontainers.image.created"]' '"2023-11-14T22:13:20Z"'
expect_jq r3.json '.layers[0].mediaType' '"application/vnd.in-toto+json"'
skopeo_inspect_to "$T/refs3.json" --raw --tls-verify=false "docker://$H/app:$TAGSCHEMA"
expect_jq "$T/refs3.json" '.manifests | length' 3
expect_jq "$T/refs3.json" '.manifests[2].annotations["org.opencontainers.image.created"]' \
	'"2023-11-14T22:13:20Z"'

# --- copy --referrers brings them along (the shared listing) --------------------
expect_ok wp copy -q --referrers "$H/app:v1" "$H/mirror:v1"
expect_refs_on_stdout "$D" "$H/mirror:v1"
expect_ok wp discover --format json "$H/mirror:v1"
expect_jq "$OUT" '[.referrers[].digest] | join(",")' "\"$R1,$R2,$R3\""
curl_manifest mirror "$R2" m2.json
expect_same_file r2.json m2.json
skopeo_inspect_to "$T/mrefs.json" --raw --tls-verify=false "docker://$H/mirror:$TAGSCHEMA"
expect_same_file "$T/refs3.json" "$T/mrefs.json"

# --- errors ----------------------------------------------------------------------
run wp attach --artifact-type application/spdx+json "$H/app:nope" sbom.json
expect_error_line "app:nope"
expect_fail 2 "--artifact-type" -- wp attach "$H/app:v1" sbom.json
expect_fail 2 "missing" -- wp attach --artifact-type a/b "$H/app:v1"
expect_fail 2 "--format" -- wp discover --format yaml "$H/app:v1"
SOURCE_DATE_EPOCH=yesterday expect_fail 2 "SOURCE_DATE_EPOCH" -- wp attach --artifact-type a/b \
	"$H/app:v1" sbom.json
expect_fail 2 "manifest annotations only" -- wp attach --artifact-type a/b \
	--annotation index:k=v "$H/app:v1" sbom.json
MARK=$(log_mark)
run wp attach --artifact-type application/spdx+json "$H/app:v1" sbom.json missing.json
expect_error_line "missing.json"
expect_eq "" "$(access_lines "$MARK" '^(POST|PUT|PATCH) ')" "requests that change the registry after a missing FILE"
skopeo_inspect_to "$T/refs4.json" --raw --tls-verify=false "docker://$H/app:$TAGSCHEMA"
expect_same_file "$T/refs3.json" "$T/refs4.json"
run wp discover "$H/app:nope"
expect_error_line "app:nope"

# --- a registry with the referrers API (a proxy plays it in front of this one):
# OCI-Subject answers the push, no referrers tag is written, discover pages
# through the API
# referrers_proxy NAME ARGS...: starts tests/tools/referrers_proxy.py in front
# of the registry (its log: $T/NAME.log); sets P to its host:port.
referrers_proxy() {
	local name=$1
	shift
	_reg_spawn proxy "$T/$name" "$T/$name.out" "" -- "$TOOLS/referrers_proxy.py" --upstream "$H" \
		--port-file "$T/$name.port" --log "$T/$name.log" "$@"
	_reg_wait_port_file "$T/$name.port" "$_REG_PID" "referrers_proxy.py" "$T/$name.out" ||
		fail "the referrers proxy did not start"
	P=127.0.0.1:$(cat "$T/$name.port")
}
referrers_proxy api --page 2
expect_ok wp build m.wasm --annotation org.example.api=1 -t "$P/api:v1" -o built3
expect_ok wp push -q built3 "$P/api:v1"
DA=$(jq -r '.manifests[0].digest' built3/index.json)
for t in a b c; do
	expect_ok wp attach --artifact-type "application/vnd.example.$t" "$P/api:v1" sbom.json
done
RA=$(referrer_digest)
expect_ok wp ls "$P/api"
expect_eq v1 "$(cat "$OUT")" "the tags of a repository on a registry with the referrers API"
expect_ok wp digest "$P/api:v1"
expect_eq "$DA" "$(cat "$OUT")" "the image's digest behind the API"
expect_ok wp discover --format json "$P/api:v1"
cp "$OUT" api.json
expect_jq api.json .mechanism '"api"'
expect_jq api.json '[.referrers[].artifactType] | join(",")' \
	'"application/vnd.example.a,application/vnd.example.b,application/vnd.example.c"'
expect_eq 2 "$(grep -c "^GET /v2/api/referrers/$DA" "$T/api.log")" "referrers pages asked for"
expect_ok wp discover --artifact-type application/vnd.example.c --format json "$P/api:v1"
expect_jq "$OUT" '[.referrers[].digest] | join(",")' "\"$RA\""
expect_contains "$T/api.log" "GET /v2/api/referrers/$DA?artifactType=application%2Fvnd.example.c" \
	"the proxy's log"

# --- the referrers API without OCI-Subject (the 1.1 release candidates): the
# API is probed, and no tag written
referrers_proxy rc --no-oci-subject
expect_ok wp attach --artifact-type application/vnd.example.rc "$P/api:v1" sbom.json
expect_ok wp ls "$P/api"
expect_eq v1 "$(cat "$OUT")" "the tags behind an API without OCI-Subject"
expect_eq 1 "$(grep -c "^GET /v2/api/referrers/$DA" "$T/rc.log")" "probes of the referrers API"

# --- two writers of one referrers tag: the registry refuses the conditional
# PUT (412) after another client's index landed; the tag is read again and
# both clients' referrers stay
referrers_proxy race --no-api --race-index "$T/race-index.json"
expect_ok wp build m.wasm --annotation org.example.race=1 -t "$P/race:v1" -o built4
expect_ok wp push -q built4 "$P/race:v1"
DR=$(jq -r '.manifests[0].digest' built4/index.json)
expect_ok wp build m.wasm --annotation org.example.race=2 -t "$P/race:other" -o built5
expect_ok wp push -q built5 "$P/race:other"
DO=$(jq -r '.manifests[0].digest' built5/index.json)
expect_ok wp attach --artifact-type application/vnd.example.first "$P/race:v1" sbom.json
RF=$(referrer_digest)
skopeo_inspect_to "$T/race0.json" --raw --tls-verify=false "docker://$H/race:sha256-${DR#sha256:}"
jq -c --arg d "$DO" --argjson s "$(stat -c %s "$(manifest_of built5)")" \
	'.manifests += [{mediaType:"application/vnd.oci.image.manifest.v1+json",digest:$d,size:$s,
	artifactType:"application/vnd.example.other"}]' "$T/race0.json" >"$T/race-index.json"
expect_ok wp attach --artifact-type application/vnd.example.second "$P/race:v1" app.sig
RS=$(referrer_digest)
# the If-Match of each PUT of the tag: none (new), the index read (refused), the one re-read
expect_eq "- \"$(sha256_of "$T/race0.json")\" \"$(sha256_of "$T/race-index.json")\"" \
	"$(awk '$1 == "PUT" && $2 ~ /^\/v2\/race\/manifests\/sha256-/ { print (NF > 2 ? $4 : "-") }' \
		"$T/race.log" | tr '\n' ' ' | sed 's/ $//')" "the conditions of the referrers tag's PUTs"
skopeo_inspect_to "$T/race1.json" --raw --tls-verify=false "docker://$H/race:sha256-${DR#sha256:}"
expect_jq "$T/race1.json" '[.manifests[].digest] | join(",")' "\"$RF,$DO,$RS\""
