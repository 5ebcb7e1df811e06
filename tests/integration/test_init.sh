#!/usr/bin/env bash
# wasmpack init: the starter wasmpack.yaml, its guesses, and what it refuses.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# yaml_get FILE KEY: a top-level value read by PyYAML, an independent
# parser (lists joined with ',')
yaml_get() {
	/usr/bin/python3 - "$1" "$2" <<'EOF'
import sys, yaml
v = (yaml.safe_load(open(sys.argv[1])) or {}).get(sys.argv[2])
print(",".join(map(str, v)) if isinstance(v, list) else ("" if v is None else v))
EOF
}

# --- help, three ways, identical
expect_ok wp init --help
expect_stderr_empty
cp "$OUT" init-help.txt
expect_contains init-help.txt "Usage: wasmpack init [OPTIONS] [DIR]"
for opt in --name --source -f --force -q --quiet -h --help Examples:; do
	grep -qE -- "(^|[ ,])$opt([ ,=]|$)" init-help.txt || fail "init --help does not mention $opt"
done
awk 'length > 80 { exit 1 }' init-help.txt || fail "init --help has lines over 80 columns"
expect_ok wp help init
expect_same_file init-help.txt "$OUT"
expect_ok wp --help
expect_contains "$OUT" "  init " "wasmpack --help"

# --- an empty directory: a placeholder source, the directory's name
mkdir -p "My Project" && cd "My Project"
expect_ok wp init
expect_stderr_empty
expect_eq "wrote wasmpack.yaml (source: app.wasm, a placeholder, name: my-project, tags: latest)" \
	"$(cat "$OUT")" "init's report"
expect_file wasmpack.yaml
expect_eq "app.wasm" "$(yaml_get wasmpack.yaml source)" "source"
expect_eq "my-project" "$(yaml_get wasmpack.yaml name)" "name"
expect_eq "latest" "$(yaml_get wasmpack.yaml tags)" "tags"
expect_eq "" "$(yaml_get wasmpack.yaml platform)" "platform (commented out)"
expect_contains wasmpack.yaml "# a placeholder: \".\" has no Cargo.toml"
for key in platform format output entrypoint cmd env labels annotations files optimize strip \
	keep_sections aot compression media_types build cflags features bin sysroot opt_level; do
	grep -qE "^#( *)$key:" wasmpack.yaml || fail "the starter file does not show \"$key\""
done
cp wasmpack.yaml first.yaml
# no temporary file left behind
expect_eq 2 "$(find . -mindepth 1 | wc -l)" "files in the directory"

# --- again: refused, exit 1, one line, the file unchanged
echo "# mine" >>wasmpack.yaml
cp wasmpack.yaml mine.yaml
expect_fail 1 '"wasmpack.yaml" already exists' "--force" -- wp init
expect_same_file mine.yaml wasmpack.yaml
expect_fail 1 '"../My Project/wasmpack.yaml" already exists' -- wp init "../My Project"

# --- --force replaces it; the guess follows the directory's one .wat file
printf '(module)\n' >hello.wat
expect_ok wp init --force
expect_eq "wrote wasmpack.yaml (source: hello.wat, name: my-project, tags: latest)" \
	"$(cat "$OUT")" "init --force's report"
expect_eq "hello.wat" "$(yaml_get wasmpack.yaml source)" "guessed source"
grep -q "placeholder" wasmpack.yaml && fail "a guessed source is not a placeholder"
expect_ok wp init -f -q
expect_stdout_empty
expect_stderr_empty
cd ..

# --- DIR, --name and --source; a Cargo.toml means "."
mkdir -p crate/src
touch crate/Cargo.toml crate/main.wasm
expect_ok wp init crate --name ghcr.io/acme/crate
expect_eq "wrote crate/wasmpack.yaml (source: ., name: ghcr.io/acme/crate, tags: latest)" \
	"$(cat "$OUT")" "init DIR's report"
expect_eq "." "$(yaml_get crate/wasmpack.yaml source)" "Cargo source"
expect_eq "ghcr.io/acme/crate" "$(yaml_get crate/wasmpack.yaml name)" "--name"
mkdir odd
expect_ok wp init odd --source 'src/"quoted" #1.c' --name app
expect_eq 'src/"quoted" #1.c' "$(yaml_get odd/wasmpack.yaml source)" "--source, quoted"

# two modules: no guess
mkdir two && touch two/a.wasm two/b.wasm
expect_ok wp init two
expect_eq "app.wasm" "$(yaml_get two/wasmpack.yaml source)" "two modules"

# --- refusals
mkdir fresh-dir
expect_fail 2 'init --name' 'must not have a tag' -- wp init --name app:v1 fresh-dir
expect_fail 2 'init --name' 'must be lowercase' -- wp init --name Acme/App fresh-dir
expect_fail 2 'unexpected "b"' -- wp init a b
expect_fail 2 'unknown option "--nope"' -- wp init --nope
expect_fail 1 '"missing" is not a directory' -- wp init missing
expect_absent missing fresh-dir/wasmpack.yaml
