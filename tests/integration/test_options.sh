#!/usr/bin/env bash
# What each build option puts in the image, read back with skopeo, umoci and
# jq: --add, --expose, --workdir, --user, --entrypoint, -e, -l, --annotation,
# --platform, --media-types, --compression.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cp "$HELLO" hello.wasm

# --- --add: files land where Docker's COPY puts them
mkdir -p ctx/tree/sub
echo "single" >ctx/single.txt
echo "a" >ctx/tree/a.txt
printf '#!/bin/sh\necho b\n' >ctx/tree/sub/b.sh
chmod 0755 ctx/tree/sub/b.sh
echo "private" >ctx/tree/private.txt
chmod 0600 ctx/tree/private.txt
ln -s sub/b.sh ctx/tree/link
expect_ok wp build hello.wasm -t add:v1 -o layout \
	--add ctx/single.txt:/etc/ \
	--add ctx/single.txt:/data/renamed.txt \
	--add ctx/single.txt:/ \
	--add ctx/tree:/app \
	--add ctx/tree:/srv/tree/
expect_ok umoci raw unpack --image layout:v1 rootfs
(cd rootfs && find . -mindepth 1 -printf '%p %y %m\n' | LC_ALL=C sort) >listing.txt
cat >expected.txt <<'EOF'
./app d 755
./app/a.txt f 644
./app/link l 777
./app/private.txt f 644
./app/sub d 755
./app/sub/b.sh f 755
./data d 755
./data/renamed.txt f 644
./etc d 755
./etc/single.txt f 644
./hello.wasm f 755
./single.txt f 644
./srv d 755
./srv/tree d 755
./srv/tree/a.txt f 644
./srv/tree/link l 777
./srv/tree/private.txt f 644
./srv/tree/sub d 755
./srv/tree/sub/b.sh f 755
EOF
diff expected.txt listing.txt >listing.diff || fail "rootfs after --add: $(grep '^[<>]' listing.diff | head -n 4 | tr '\n' '|')"
expect_same_file ctx/single.txt rootfs/etc/single.txt
expect_same_file ctx/single.txt rootfs/data/renamed.txt
expect_same_file ctx/single.txt rootfs/single.txt
expect_same_file ctx/tree/sub/b.sh rootfs/app/sub/b.sh
expect_same_file ctx/tree/private.txt rootfs/srv/tree/private.txt
expect_eq "sub/b.sh" "$(readlink rootfs/app/link)" "symlink target"
expect_same_file hello.wasm rootfs/hello.wasm
# the layer lists directories before their contents, in byte order
gzip -dc "$(layer_of layout v1)" | tar -t >entries.txt
LC_ALL=C sort -c entries.txt 2>/dev/null || fail "layer entries are not sorted: $(head -n 5 entries.txt | tr '\n' ' ')"
expect_jq "$(config_of layout v1)" '.history | length' 1
expect_contains "$(config_of layout v1)" "COPY hello.wasm /hello.wasm && COPY single.txt /etc/"
# two sources for one image path are refused
expect_fail 1 'two files would be written to "/hello.wasm"' -- wp build hello.wasm \
	--add ctx/single.txt:/hello.wasm -o refused
expect_absent refused

# --- config fields
expect_ok wp build hello.wasm -t cfg:v1 -o layout \
	--expose 8080 --expose 53/udp --expose 8080/tcp --expose 132/sctp \
	--workdir /srv/app --user 1000:1000 \
	-e A=1 -e B=x=y -e A=2 -e EMPTY= \
	-l a=b -l "desc=with = sign" -l empty= -l a=c -l org.opencontainers.image.source=https://example.com/x \
	--cmd --flag --cmd ""
skopeo_inspect_to cfg.json --config oci:layout:v1
expect_jq cfg.json '.config.ExposedPorts' '{"132/sctp":{},"53/udp":{},"8080/tcp":{}}'
expect_jq cfg.json '.config.WorkingDir' '"/srv/app"'
expect_jq cfg.json '.config.User' '"1000:1000"'
expect_jq cfg.json '.config.Env' '["A=2","B=x=y","EMPTY="]'
expect_jq cfg.json '.config.Labels' \
	'{"a":"c","desc":"with = sign","empty":"","org.opencontainers.image.source":"https://example.com/x"}'
expect_jq cfg.json '.config.Cmd' '["--flag",""]'
skopeo_inspect_to inspect.json oci:layout:v1
expect_jq inspect.json '.Labels.a' '"c"'
# no option, no field
expect_ok wp build hello.wasm -t bare:v1 -o layout
skopeo_inspect_to bare.json --config oci:layout:v1
expect_jq bare.json '.config | keys' '["Entrypoint"]'

# --- --entrypoint: where the module goes and what runs
expect_ok wp build hello.wasm -t ep:v1 --entrypoint /bin/app.wasm --cmd arg -e GREETING=Hi -o layout
skopeo_inspect_to ep.json --config oci:layout:v1
expect_jq ep.json '.config.Entrypoint' '["/bin/app.wasm"]'
expect_ok umoci raw unpack --image layout:v1 ep-rootfs
expect_same_file hello.wasm ep-rootfs/bin/app.wasm
expect_absent ep-rootfs/hello.wasm
expect_ok node --no-warnings "$TOOLS/run-wasi.mjs" ep-rootfs ep.json
expect_eq "Hi from WebAssembly!|argv[0] = /bin/app.wasm|argv[1] = arg" "$(tr '\n' '|' <"$OUT" | sed 's/|$//')" \
	"output of the image with --entrypoint"

# --- annotations: manifest level; index levels, which need --aot native's index, are
# skipped with a warning (test_ci.sh has them with an index)
expect_ok wp build hello.wasm -t ann:v1 -o layout \
	--annotation k=v --annotation manifest:k2=v2 --annotation 'manifest[wasi/wasm]:k3=v3' \
	--annotation 'manifest[linux/amd64]:k4=v4' --annotation index:x=y \
	--annotation manifest-descriptor:z=1 --annotation a:b=c --annotation k=override
expect_jq "$(manifest_of layout v1)" '.annotations' '{"a:b":"c","k":"override","k2":"v2","k3":"v3"}'
expect_eq 2 "$(grep -c 'warning' "$ERR")" "warnings for index-level annotations"
expect_contains "$ERR" 'annotation "index:x=y" skipped'
expect_contains "$ERR" 'annotation "manifest-descriptor:z=1" skipped'
# the index.json entry carries only the names, not the manifest annotations
expect_jq layout/index.json \
	'[.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "v1") | .annotations | keys[]]' \
	'["io.containerd.image.name","org.opencontainers.image.ref.name"]'

# --- --platform
expect_ok wp build hello.wasm -t p1:v1 --platform wasip1/wasm -o layout
skopeo_inspect_to p1.json oci:layout:v1
expect_jq p1.json '[.Os, .Architecture]' '["wasip1","wasm"]'
expect_jq "$(config_of layout v1)" '[.os, .architecture, has("variant")]' '["wasip1","wasm",false]'
expect_ok wp build -q hello.wasm -t d:v1 -o default-platform
expect_ok wp build -q hello.wasm -t d:v1 --platform wasi/wasm -o explicit-platform
expect_same_tree default-platform explicit-platform

# --- --compression: media types, and each layer holds the same tar
for c in gzip zstd none; do
	expect_ok wp build -q hello.wasm --compression "$c" -o "comp-$c"
done
expect_jq "$(manifest_of comp-gzip)" '.layers[0].mediaType' '"application/vnd.oci.image.layer.v1.tar+gzip"'
expect_jq "$(manifest_of comp-zstd)" '.layers[0].mediaType' '"application/vnd.oci.image.layer.v1.tar+zstd"'
expect_jq "$(manifest_of comp-none)" '.layers[0].mediaType' '"application/vnd.oci.image.layer.v1.tar"'
gzip -dc "$(layer_of comp-gzip)" >gzip.tar
zstd -qdc "$(layer_of comp-zstd)" | cmp -s - gzip.tar || fail "the zstd layer holds another tar"
expect_same_file gzip.tar "$(layer_of comp-none)"
for c in gzip zstd none; do
	skopeo_inspect_to "inspect-$c.json" oci:"comp-$c"
	expect_jq "inspect-$c.json" '.Layers | length' 1
done
# (umoci 0.4.7 cannot unpack zstd layers: "blob is not correct mediatype")
for c in gzip none; do
	expect_ok umoci raw unpack --image "comp-$c:latest" "rootfs-$c"
	expect_same_file hello.wasm "rootfs-$c/hello.wasm"
done
zstd -qdc "$(layer_of comp-zstd)" | tar -xOf - hello.wasm | cmp -s - hello.wasm ||
	fail "the module in the zstd layer differs"
expect_ok wp build -q hello.wasm --compression gzip --compression-level 9 -o level9
gzip -t "$(layer_of level9)" || fail "gzip -t rejects the level 9 layer"
expect_ok wp build -q hello.wasm --compression zstd --compression-level 19 -o level19
zstd -qt "$(layer_of level19)" || fail "zstd -t rejects the level 19 layer"

# --- --media-types docker: Docker schema2 throughout
expect_ok wp build hello.wasm -t dock:v1 --media-types docker -o docker-layout
man=$(manifest_of docker-layout)
expect_jq "$man" '.mediaType' '"application/vnd.docker.distribution.manifest.v2+json"'
expect_jq "$man" '.config.mediaType' '"application/vnd.docker.container.image.v1+json"'
expect_jq "$man" '[.layers[].mediaType]' '["application/vnd.docker.image.rootfs.diff.tar.gzip"]'
expect_jq "$man" 'has("annotations")' false
expect_jq docker-layout/index.json '.manifests[0].mediaType' '"application/vnd.docker.distribution.manifest.v2+json"'
# skopeo 1.9 looks a ref name up among OCI-typed index entries only, so this
# single-image layout is inspected without one
skopeo_inspect_to docker-inspect.json oci:docker-layout
expect_jq docker-inspect.json '[.Os, .Architecture, .Digest]' \
	"[\"wasi\",\"wasm\",\"$(jqr docker-layout/index.json '.manifests[0].digest')\"]"
skopeo_inspect_to docker-raw.json --raw oci:docker-layout
expect_same_file "$man" docker-raw.json
skopeo_inspect_to docker-config.json --config oci:docker-layout
expect_jq docker-config.json '.config.Entrypoint' '["/hello.wasm"]'
# (umoci 0.4.7 reads OCI manifests only: convert with skopeo, then unpack)
expect_ok skopeo copy --format oci oci:docker-layout oci:converted:v1
expect_ok umoci raw unpack --image converted:v1 docker-rootfs
expect_same_file hello.wasm docker-rootfs/hello.wasm
expect_ok wp build -q hello.wasm --media-types docker --compression none -o docker-none
expect_jq "$(manifest_of docker-none)" '[.layers[].mediaType]' '["application/vnd.docker.image.rootfs.diff.tar"]'
# and through a docker-archive
expect_ok wp build hello.wasm -t dock:v1 --media-types docker -o docker-archive:docker.tar
skopeo_inspect_to docker-archive.json docker-archive:docker.tar
expect_jq docker-archive.json '[.Os, .Architecture]' '["wasi","wasm"]'
# the same config as the OCI build, under another media type
expect_ok wp build -q hello.wasm -t dock:v1 -o oci-layout
expect_same_file "$(config_of oci-layout)" "$(config_of docker-layout)"

# --- --debug says more, and still builds
expect_ok wp build -q hello.wasm -o debug-layout
expect_ok wp build --debug hello.wasm -t dbg:v1 -o debug-layout
[[ $(wc -l <"$ERR") -gt 3 ]] || fail "--debug printed only $(wc -l <"$ERR") lines"
