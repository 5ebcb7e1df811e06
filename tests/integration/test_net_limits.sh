#!/usr/bin/env bash
# Limits on what a registry sends, with tests/tools/hostile_registry.py in
# front of a real registry: a 5 MiB manifest (its length stated, or chunked),
# a manifest nested 100000 deep, a manifest naming a 9 MiB config, a blob
# longer than its descriptor says, and a WWW-Authenticate of 20 KiB or 1 MiB
# each make a pull fail with one line naming the limit, and leave nothing
# behind; the same registry without the faults serves the image.
# shellcheck source=push_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/push_lib.sh"

registry_start anonymous "$T/reg" >/dev/null
expect_ok wp build "$HELLO" -t hello:v1 -o layout
D=$(cat "$OUT")
expect_ok wp push layout "$REG_HOST/app:v1"
LAYER=$(jqr "$(manifest_of layout)" '.layers[0].digest')
LAYER_SIZE=$(stat -c %s "$(layer_of layout)")

hostile_registry_start "$T/h" "$REG_URL" >/dev/null
H=$HOSTILE_HOST

hostile_mark() { wc -l <"$HOSTILE_LOG"; }
hostile_since() { tail -n +"$(($1 + 1))" "$HOSTILE_LOG" | jq -c "select($2)"; }

# pull_refused N MODE SUBSTR...: with MODE, a pull fails with one line
# holding every SUBSTR, and pulled-N is not created.
pull_refused() {
	local n=$1 mode=$2
	shift 2
	expect_ok hostile_registry_mode "$mode"
	expect_fail 1 "$@" -- wp pull --retries 0 "$H/app:v1" -o "pulled-$n"
	expect_absent "pulled-$n"
}

# === manifests over 4 MiB =====================================================
mark=$(hostile_mark)
pull_refused big '{"manifest": "oversize"}' "manifest app:v1" \
	"response larger than 4194304 bytes: refused"
pull_refused chunked '{"manifest": "oversize-chunked"}' "manifest app:v1" \
	"response larger than 4194304 bytes: refused"
expect_eq "" "$(hostile_since "$mark" '.path | test("/blobs/")')" "blob requests after a refused manifest"

# === a manifest nested 100000 deep (200 kB): jansson's depth limit (2048) ==========
pull_refused nested '{"manifest": "nested"}' "invalid JSON at line 1 column 2049" \
	"maximum parsing depth reached"

# === a config over 8 MiB: refused before it is fetched ============================
mark=$(hostile_mark)
pull_refused config '{"manifest": "big-config"}' "config sha256:abab" \
	"9437184 bytes is larger than 8388608 bytes: refused"
expect_eq "" "$(hostile_since "$mark" '.path | test("/blobs/")')" "blob requests for a refused config"

# === a blob longer than its descriptor: cut at the stated size =================
pull_refused blob '{"blob_append": 1048576}' "blob sha256:" \
	"the registry sent more than the" "bytes expected: refused"

# === WWW-Authenticate over 16 KiB, and over curl's 100 KiB per line ===============
pull_refused large '{"challenge": "large"}' "registry \"$H\"" "16384"
pull_refused huge '{"challenge": "huge"}' "cannot reach registry \"$H\"" "a header line over 100 KiB"

# === and the same registry, well-behaved ==========================================
expect_ok hostile_registry_mode '{}'
expect_ok wp pull "$H/app:v1" -o pulled-ok
expect_eq "$H/app:v1@$D" "$(cat "$OUT")" "stdout of the pull"
expect_same_file "$(layer_of layout)" "$(blob pulled-ok "$LAYER")"
expect_eq "$LAYER_SIZE" "$(stat -c %s "$(blob pulled-ok "$LAYER")")" "layer size"
