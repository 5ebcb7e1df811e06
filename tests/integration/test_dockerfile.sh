#!/usr/bin/env bash
# wasmpack build -f Dockerfile [CONTEXT]: the final stage of seed-style Wasm
# Dockerfiles becomes the image docker buildx would make (one layer per COPY,
# ENV/LABEL/CMD/EXPOSE/WORKDIR/USER in the config); the same image as the
# equivalent command line, digest for digest; COPY --from=STAGE takes the
# artifact --from-stage names; what cannot be built is refused by line.
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BK_PATH=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
cp "$HELLO" hello.wasm

# --- single stage: the same image as the command line
cat >Dockerfile <<'DF'
# syntax=docker/dockerfile:1
FROM scratch
COPY hello.wasm /hello.wasm
ENTRYPOINT ["/hello.wasm"]
DF
expect_ok wp build -f Dockerfile -t hello:v1 -o from-df
D=$(cat "$OUT")
expect_contains "$ERR" "Dockerfile: Dockerfile, final stage (line 2), 1 layer"
expect_ok wp build hello.wasm -t hello:v1 -e "$BK_PATH" -o from-cli
expect_eq "$D" "$(cat "$OUT")" "the Dockerfile's and the command line's digests"

# --- the seed multi-stage shape: the builder's artifact comes from --from-stage
mkdir -p ctx stage/app/target
cp "$HELLO" stage/app/target/app.wasm
cat >ctx/Dockerfile <<'DF'
ARG PROFILE=release
FROM rust:1.78 AS builder
RUN rustup target add wasm32-wasip1
COPY . /app
RUN cargo build --release --target wasm32-wasip1

FROM scratch
ARG PROFILE
ENV RUST_LOG=info \
    MODE=${PROFILE}
LABEL org.opencontainers.image.title="hello app" team=wasm
WORKDIR /srv
COPY --from=builder /app/target/app.wasm ./app.wasm
COPY notes.txt /srv/
EXPOSE 8080 9090/udp
USER 1000
CMD ["--port", "8080"]
ENTRYPOINT ["/srv/app.wasm"]
DF
printf 'read me\n' >ctx/notes.txt
expect_ok wp build -f ctx/Dockerfile --from-stage builder=stage --build-arg PROFILE=dev -o multi ctx
C=$(config_of multi)
expect_jq "$C" '.config.Entrypoint' '["/srv/app.wasm"]'
expect_jq "$C" '.config.Cmd' '["--port","8080"]'
expect_jq "$C" '.config.Env' "[\"$BK_PATH\",\"RUST_LOG=info\",\"MODE=dev\"]"
expect_jq "$C" '.config.Labels' '{"org.opencontainers.image.title":"hello app","team":"wasm"}'
expect_jq "$C" '.config.ExposedPorts' '{"8080/tcp":{},"9090/udp":{}}'
expect_jq "$C" '.config.WorkingDir' '"/srv"'
expect_jq "$C" '.config.User' '"1000"'
expect_jq "$(manifest_of multi)" '.layers | length' 3
# one layer each: WORKDIR's directory, the artifact, the notes
expect_eq "srv/" "$(tar -tzf "$(blob multi "$(jqr "$(manifest_of multi)" '.layers[0].digest')")")" "WORKDIR's layer"
expect_ok wp pull -q oci:multi --wasm got.wasm
expect_same_file "$HELLO" got.wasm
# the artifact itself as the stage's output
expect_ok wp build -f ctx/Dockerfile --from-stage builder=stage/app/target/app.wasm -o multi2 ctx
expect_ok wp pull -q oci:multi2 --wasm got2.wasm
expect_same_file "$HELLO" got2.wasm

# a destination naming a directory an earlier layer made receives the file
printf 'FROM scratch\nWORKDIR /srv\nCOPY hello.wasm /srv\nENTRYPOINT ["/srv/hello.wasm"]\n' >Dir
expect_ok wp build -f Dir -o dir
expect_eq "srv/hello.wasm" "$(tar -tzf "$(blob dir "$(jqr "$(manifest_of dir)" '.layers[1].digest')")" | grep wasm)" "COPY into an existing directory"

# --- the examples' Dockerfiles, with the module their builder stage makes
clang --target=wasm32-wasi --sysroot=/usr -O2 -o hello-c.wasm "$ROOT/examples/hello-c/hello.c"
expect_ok wp build -f "$ROOT/examples/hello-c/Dockerfile" --from-stage builder=hello-c.wasm \
	-o ex-c "$ROOT/examples/hello-c"
expect_jq "$(config_of ex-c)" '.config.Entrypoint' '["/hello.wasm"]'

# --- what cannot be built: refused by line, nothing written
refused() {
	local want=$1
	shift
	printf "$@" >Bad
	expect_fail 1 "$want" -- wp build -f Bad -o none
	expect_absent none
}
refused "Bad:2: RUN cannot be built" 'FROM scratch\nRUN echo hi\nENTRYPOINT ["/x.wasm"]\n'
refused "Bad:1: the final stage is FROM alpine" 'FROM alpine\nCOPY hello.wasm /x.wasm\n'
refused "Bad:3:" 'FROM scratch\nCOPY hello.wasm /x.wasm\nADD https://example.com/a.wasm /a.wasm\n'
refused "Bad:2:" 'FROM scratch\nCOPY --from=builder /a.wasm /a.wasm\nENTRYPOINT ["/a.wasm"]\n'
refused "Bad:2: \"missing.wasm\": no such file" 'FROM scratch\nCOPY missing.wasm /x.wasm\n'
printf 'FROM scratch\nCOPY ../hello.wasm /x.wasm\nENTRYPOINT ["/x.wasm"]\n' >ctx/Escape
expect_fail 1 "ctx/Escape:2: \"../hello.wasm\" is outside the build context" -- \
	wp build -f ctx/Escape -o none ctx
refused "ENTRYPOINT names no file" 'FROM scratch\nCOPY hello.wasm /x.wasm\nENTRYPOINT ["/y.wasm"]\n'
expect_fail 2 "--add cannot be used with -f" -- wp build -f Dockerfile --add hello.wasm:/h.wasm -o none
