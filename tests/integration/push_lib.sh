# shellcheck shell=bash
# Shared by the registry tests (test_push_*.sh): sources lib.sh and
# tests/tools/registry.sh, stops every process the test starts on exit, and
# keeps wasmpack and skopeo away from the machine's credentials and caches.
#
# Every `run` (and so expect_ok, expect_fail) is archived: its command line,
# stdout and stderr go to $LOGS/NNN.{cmd,out,err}, where expect_no_secrets
# looks for credentials and tokens in what the commands printed (most pushes
# run with --debug, so the request logs are there too; the command lines,
# which may hold a test's own --creds, are not searched).
# shellcheck disable=SC2034 # the variables set here are used by the tests

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=../tools/registry.sh
. "$TOOLS/registry.sh"
registry_install_trap

# nothing of the machine's: credentials, skopeo's blob-info cache, helpers
export HOME=$T/home DOCKER_CONFIG=$T/docker-config REGISTRY_AUTH_FILE=$T/auth.json
export XDG_RUNTIME_DIR=$T/xdg-run XDG_CONFIG_HOME=$T/xdg-config XDG_CACHE_HOME=$T/xdg-cache
export XDG_DATA_HOME=$T/xdg-data
unset WASMPACK_USERNAME WASMPACK_PASSWORD GITHUB_OUTPUT SOURCE_DATE_EPOCH
mkdir -p "$HOME" "$DOCKER_CONFIG" "$XDG_RUNTIME_DIR" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" \
	"$XDG_DATA_HOME"
chmod 700 "$XDG_RUNTIME_DIR"
echo '{}' >"$REGISTRY_AUTH_FILE"

LOGS=$T/logs
mkdir -p "$LOGS"
_RUNS=0
# run CMD...: lib.sh's run, archived in $LOGS.
eval "_lib_run() $(declare -f run | tail -n +2)"
run() {
	_lib_run "$@"
	_RUNS=$((_RUNS + 1))
	local n
	n=$(printf '%03d' "$_RUNS")
	printf '%s\n' "$*" >"$LOGS/$n.cmd"
	cp "$OUT" "$LOGS/$n.out"
	cp "$ERR" "$LOGS/$n.err"
}

# keep_log FILE...: archives files a test wrote itself (GITHUB_OUTPUT, ...).
keep_log() {
	local f
	for f in "$@"; do
		_RUNS=$((_RUNS + 1))
		cp "$f" "$LOGS/$(printf '%03d' "$_RUNS").kept"
	done
}

# now_ms: a monotonic-enough clock in milliseconds.
now_ms() { date +%s%3N; }

# timed CMD...: run CMD, setting TOOK_MS.
TOOK_MS=0
timed() {
	local t0
	t0=$(now_ms)
	run "$@"
	TOOK_MS=$(($(now_ms) - t0))
}

# expect_took_between MIN_MS MAX_MS WHAT
expect_took_between() {
	((TOOK_MS >= $1 && TOOK_MS <= $2)) ||
		fail "$3 took ${TOOK_MS} ms, expected between $1 and $2 ms"
}

# expect_refs_on_stdout DIGEST REF...: stdout is exactly "REF@DIGEST" per REF.
expect_refs_on_stdout() {
	local digest=$1 want="" ref
	shift
	for ref in "$@"; do want+="$ref@$digest"$'\n'; done
	[[ $(cat "$OUT")$'\n' == "$want" ]] ||
		fail "stdout of: $LAST_CMD is not \"${want//$'\n'/|}\": $(tr '\n' '|' <"$OUT")"
}

# expect_error_line SUBSTR...: the last run failed with status 1, nothing on
# stdout, and exactly one stderr line that is not --debug output, holding
# every SUBSTR.
expect_error_line() {
	local s
	expect_status 1
	expect_stdout_empty
	grep -v '^wasmpack: debug: ' "$ERR" >"$T/.errline" || true
	[[ $(wc -l <"$T/.errline") == 1 ]] ||
		fail "expected one error line from: $LAST_CMD; got: $(head -n 3 "$T/.errline" | tr '\n' '|')"
	for s in "$@"; do
		grep -qF -- "$s" "$T/.errline" ||
			fail "the error of: $LAST_CMD lacks \"$s\": $(first_line "$T/.errline")"
	done
}

# --- what the registry holds -------------------------------------------------

# _reg_auth_args REPO: curl arguments to read REPO of the current registry
# ($REG_*) as REG_USER: -u for basic, a pull token for bearer, none else.
_reg_auth_args() {
	local repo=$1 tok
	_AUTH=()
	[[ -z $REG_CA ]] || _AUTH+=(--cacert "$REG_CA")
	case $REG_MODE in
	*htpasswd*) _AUTH+=(-u "$REG_USER:$REG_PASS") ;;
	*token*)
		tok=$(curl -sS --fail "${_AUTH[@]}" -u "$REG_USER:$REG_PASS" \
			"$REG_TOKEN_URL?service=$REG_TOKEN_SERVICE&scope=repository:$repo:pull" | jq -r .token) ||
			fail "cannot get a pull token for $repo as $REG_USER"
		_AUTH+=(-H "Authorization: Bearer $tok")
		;;
	esac
}

# manifest_status REPO REF: the HTTP status of HEAD /v2/REPO/manifests/REF on
# the current registry (read as REG_USER).
manifest_status() {
	_reg_auth_args "$1"
	curl -s -o /dev/null -I -w '%{http_code}' --max-time 10 "${_AUTH[@]}" \
		-H "Accept: $MT_OCI_MANIFEST" "$REG_URL/v2/$1/manifests/$2" || true
}

# expect_no_tag REPO TAG: the registry has no such tag.
expect_no_tag() {
	local code
	code=$(manifest_status "$1" "$2")
	[[ $code == 404 ]] || fail "$REG_HOST/$1:$2 answers $code, expected 404 (no tag)"
}

# expect_registry_digest REPO TAG DIGEST: the tag names DIGEST, as skopeo
# inspect sees it, and the manifest's first layer, fetched with curl, has
# the digest it is named by.
expect_registry_digest() {
	local repo=$1 tag=$2 digest=$3 layer got
	local -a sk=(--tls-verify=false)
	[[ -z $REG_CERT_DIR ]] || sk=(--cert-dir "$REG_CERT_DIR")
	[[ -z $REG_USER ]] || sk+=(--creds "$REG_USER:$REG_PASS")
	skopeo_inspect_to "$T/.inspect.json" "${sk[@]}" "docker://$REG_HOST/$repo:$tag"
	expect_jq "$T/.inspect.json" .Digest "\"$digest\""
	skopeo_inspect_to "$T/.raw.json" --raw "${sk[@]}" "docker://$REG_HOST/$repo:$tag"
	expect_eq "$digest" "$(sha256_of "$T/.raw.json")" "digest of the manifest of $repo:$tag"
	layer=$(jqr "$T/.raw.json" '.layers[0].digest')
	_reg_auth_args "$repo"
	curl -sS --fail -L --max-time 20 "${_AUTH[@]}" -o "$T/.layer" \
		"$REG_URL/v2/$repo/blobs/$layer" 2>"$T/.curl.err" ||
		fail "cannot fetch $layer of $repo: $(first_line "$T/.curl.err")"
	got=$(sha256_of "$T/.layer")
	expect_eq "$layer" "$got" "sha256 of the layer of $repo:$tag fetched back"
}

# pull_compare REF LAYOUT SKOPEO_ARGS...: skopeo copies REF into a fresh
# layout; its manifest digest is LAYOUT's only image's and every blob is
# byte-identical to LAYOUT's.
PULLS=0
pull_compare() {
	local ref=$1 layout=$2 dest d f
	shift 2
	PULLS=$((PULLS + 1))
	dest=$T/pulled-$PULLS
	expect_ok skopeo copy -q "$@" "docker://$ref" "oci:$dest:x"
	d=$(jqr "$layout/index.json" '.manifests[0].digest')
	expect_eq "$d" "$(jqr "$dest/index.json" '.manifests[0].digest')" "digest of $ref pulled back"
	for f in "$dest"/blobs/sha256/*; do
		expect_same_file "$f" "$layout/blobs/sha256/${f##*/}"
	done
}

# --- registry access logs ------------------------------------------------------

# access_lines FROM_LINE REGEX: access-log lines of $REG_LOG after line
# FROM_LINE whose request ("METHOD PATH") matches REGEX, one a line.
access_lines() {
	tail -n +"$(($1 + 1))" "$REG_LOG" | grep -E '^[0-9.]+ - ' |
		sed -E 's/^[^"]*"([A-Z]+ [^ ]+) HTTP[^"]*" ([0-9]+) .*/\1 \2/' |
		grep -E -- "$2" || true
}

log_mark() { wc -l <"$REG_LOG"; }

# --- images --------------------------------------------------------------------

# make_layout DIR N SIZE TAG: an OCI layout holding one image of N gzip
# layers of SIZE random bytes each (so N + 1 blobs); prints its digest.
make_layout() {
	/usr/bin/python3 - "$@" <<'EOF'
import gzip, hashlib, io, json, os, sys, tarfile
d, n, size, tag = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
os.makedirs(d + "/blobs/sha256", exist_ok=True)
def put(b):
    h = hashlib.sha256(b).hexdigest()
    with open("%s/blobs/sha256/%s" % (d, h), "wb") as f:
        f.write(b)
    return {"digest": "sha256:" + h, "size": len(b)}
layers, diffs = [], []
for i in range(n):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tf:
        data = os.urandom(size)
        ti = tarfile.TarInfo("f%d.bin" % i)
        ti.size, ti.mode = len(data), 0o644
        tf.addfile(ti, io.BytesIO(data))
    diffs.append("sha256:" + hashlib.sha256(raw.getvalue()).hexdigest())
    layers.append(dict(mediaType="application/vnd.oci.image.layer.v1.tar+gzip",
                       **put(gzip.compress(raw.getvalue(), mtime=0))))
cfg = put(json.dumps({"architecture": "wasm", "os": "wasi", "config": {},
                      "rootfs": {"type": "layers", "diff_ids": diffs}}).encode())
m = put(json.dumps({"schemaVersion": 2,
                    "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "config": dict(mediaType="application/vnd.oci.image.config.v1+json", **cfg),
                    "layers": layers}).encode())
with open(d + "/index.json", "w") as f:
    json.dump({"schemaVersion": 2, "manifests": [dict(
        mediaType="application/vnd.oci.image.manifest.v1+json",
        annotations={"org.opencontainers.image.ref.name": tag}, **m)]}, f)
with open(d + "/oci-layout", "w") as f:
    f.write('{"imageLayoutVersion":"1.0.0"}')
print(m["digest"])
EOF
}

# --- hand-made images ------------------------------------------------------------

# http_push LAYOUT BASE_URL REPO TAG DIGEST: pushes every blob of LAYOUT,
# then the manifest DIGEST (an index's children first) as TAG, with plain
# HTTP requests (monolithic POST + PUT uploads), as a hand-made client would.
http_push() {
	/usr/bin/python3 - "$@" <<'EOF'
import json, os, sys, urllib.request
d, base, repo, tag, top = sys.argv[1:6]
def req(method, url, data=None, ct=None):
    r = urllib.request.Request(url, data=data, method=method)
    if ct:
        r.add_header("Content-Type", ct)
    return urllib.request.urlopen(r)
def blob(h):
    return open("%s/blobs/sha256/%s" % (d, h.split(":")[1]), "rb").read()
for name in sorted(os.listdir(d + "/blobs/sha256")):
    loc = req("POST", "%s/v2/%s/blobs/uploads/" % (base, repo), b"").headers["Location"]
    if loc.startswith("/"):
        loc = base + loc
    sep = "&" if "?" in loc else "?"
    req("PUT", "%s%sdigest=sha256:%s" % (loc, sep, name), blob("sha256:" + name),
        "application/octet-stream")
def put_manifest(digest, ref):
    doc = json.loads(blob(digest))
    for child in doc.get("manifests", []):
        put_manifest(child["digest"], child["digest"])
    req("PUT", "%s/v2/%s/manifests/%s" % (base, repo, ref), blob(digest), doc["mediaType"])
put_manifest(top, tag)
EOF
}

# add_blob LAYOUT FILE: stores FILE as a blob; prints "DIGEST SIZE".
add_blob() {
	local h
	h=$(sha256sum "$2" | cut -d' ' -f1)
	cp "$2" "$1/blobs/sha256/$h"
	printf 'sha256:%s %s\n' "$h" "$(stat -c %s "$2")"
}

# storage_blob DIGEST: the file of a blob in the registry's storage.
storage_blob() {
	local h=${1#sha256:}
	printf '%s/docker/registry/v2/blobs/sha256/%s/%s/data' "$REG_STORAGE" "${h:0:2}" "$h"
}

# buildx_index LAYOUT OUT: OUT, a copy of LAYOUT (one image) with an index
# as `docker buildx build --platform wasi/wasm` makes it: an attestation
# manifest (unknown/unknown, in-toto layer) first, then the image for
# wasi/wasm. Writes "INDEX_DIGEST ATTESTATION_LAYER_DIGEST" to $T/.buildx.
buildx_index() {
	local src=$1 out=$2 AL ALS AC ACS AM AMS MS IDX D
	D=$(jq -r '.manifests[0].digest' "$src/index.json")
	cp -r "$src" "$out"
	printf '{"_type":"https://in-toto.io/Statement/v0.1"}' >"$T/.att-layer.json"
	printf '{"architecture":"unknown","os":"unknown","config":{},"rootfs":{"type":"layers","diff_ids":[]}}' >"$T/.att-config.json"
	read -r AL ALS <<<"$(add_blob "$out" "$T/.att-layer.json")"
	read -r AC ACS <<<"$(add_blob "$out" "$T/.att-config.json")"
	jq -nc --arg c "$AC" --argjson cs "$ACS" --arg l "$AL" --argjson ls "$ALS" '{schemaVersion:2,
		mediaType:"application/vnd.oci.image.manifest.v1+json",
		config:{mediaType:"application/vnd.oci.image.config.v1+json",digest:$c,size:$cs},
		layers:[{mediaType:"application/vnd.in-toto+json",digest:$l,size:$ls,
			annotations:{"in-toto.io/predicate-type":"https://slsa.dev/provenance/v0.2"}}]}' >"$T/.att.json"
	read -r AM AMS <<<"$(add_blob "$out" "$T/.att.json")"
	MS=$(stat -c %s "$(blob "$src" "$D")")
	jq -nc --arg am "$AM" --argjson ams "$AMS" --arg m "$D" --argjson ms "$MS" '{schemaVersion:2,
		mediaType:"application/vnd.oci.image.index.v1+json",
		manifests:[
		 {mediaType:"application/vnd.oci.image.manifest.v1+json",digest:$am,size:$ams,
		  platform:{architecture:"unknown",os:"unknown"},
		  annotations:{"vnd.docker.reference.digest":$m,"vnd.docker.reference.type":"attestation-manifest"}},
		 {mediaType:"application/vnd.oci.image.manifest.v1+json",digest:$m,size:$ms,
		  platform:{architecture:"wasm",os:"wasi"}}]}' >"$T/.index.json"
	read -r IDX _ <<<"$(add_blob "$out" "$T/.index.json")"
	printf '%s %s\n' "$IDX" "$AL" >"$T/.buildx"
}

# --- secrets -------------------------------------------------------------------

# secrets_in DIR SECRET...: prints "FILE: SECRET-PREFIX" for each secret
# (and "eyJ", the start of every JWT) found in the files under DIR.
secrets_in() {
	local dir=$1 s
	shift
	for s in "$@" eyJ; do
		[[ -n $s ]] || continue
		grep -rlF --exclude='*.cmd' -- "$s" "$dir" | sed "s|\$|: ${s:0:6}...|" || true
	done
}

# b64 TEXT: base64 of TEXT (what HTTP Basic sends for user:password).
b64() { printf '%s' "$1" | base64 -w0; }

# expect_no_secrets [SECRET...]: no archived output of this test holds any
# of the secrets, nor a JWT.
# shellcheck disable=SC2120 # the secrets are optional
expect_no_secrets() {
	local found
	found=$(secrets_in "$LOGS" "$@")
	[[ -z $found ]] || fail "secrets in the output: $(head -n 3 <<<"$found" | tr '\n' ' ')"
	[[ $_RUNS -gt 0 ]] || fail "no output was archived: the secrets check checked nothing"
}
