#!/usr/bin/python3
"""Checks an OCI image layout against the image-spec JSON schemas.

    validate-layout.py [--schemas DIR] LAYOUT_DIR | ARCHIVE.tar

Validates oci-layout (image-layout-schema.json), index.json
(image-index-schema.json), then walks index.json: every manifest it reaches
(image-manifest-schema.json; nested indexes with image-index-schema.json) and
every image config (config-schema.json). Each descriptor's blob must exist
with the descriptor's size and digest. An ARCHIVE (oci-archive, a tar of a
layout) is unpacked to a temporary directory first.

Prints one line per problem and a summary; exit status 0 valid, 1 invalid,
2 usage. Needs python3-jsonschema (Debian's /usr/bin/python3 has it).
"""
import argparse
import hashlib
import json
import os
import pathlib
import sys
import tarfile
import tempfile
import warnings

import jsonschema

DEFAULT_SCHEMAS = "/usr/share/gocode/src/github.com/opencontainers/image-spec/schema"

MT_INDEX = "application/vnd.oci.image.index.v1+json"
MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"


def strip_ids(node):
    """The schemas carry draft-04 "id"s (https://opencontainers.org/...) that
    would move the base of their relative $refs ("defs-descriptor.json") to
    the network; without them every $ref resolves against the schema
    directory."""
    if isinstance(node, dict):
        return {k: strip_ids(v) for k, v in node.items()
                if not (k == "id" and isinstance(v, str))}
    if isinstance(node, list):
        return [strip_ids(v) for v in node]
    return node


class Schemas:
    def __init__(self, directory):
        base = pathlib.Path(directory).resolve()
        if not (base / "image-manifest-schema.json").is_file():
            raise SystemExit(f"validate-layout: no image-spec schemas in {base}")
        self.base_uri = base.as_uri() + "/"
        self.store = {}
        for path in sorted(base.glob("*.json")):
            with open(path, encoding="utf-8") as f:
                self.store[self.base_uri + path.name] = strip_ids(json.load(f))
        self.validators = {}

    def validator(self, name):
        if name not in self.validators:
            uri = self.base_uri + name
            schema = self.store[uri]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                resolver = jsonschema.RefResolver(base_uri=uri, referrer=schema,
                                                  store=self.store)
            self.validators[name] = jsonschema.Draft4Validator(
                schema, resolver=resolver, format_checker=jsonschema.FormatChecker())
        return self.validators[name]


class Checker:
    def __init__(self, layout, schemas):
        self.layout = pathlib.Path(layout)
        self.schemas = schemas
        self.problems = []
        self.checked = {"manifests": 0, "configs": 0, "blobs": 0}
        self.seen = set()

    def problem(self, where, msg):
        self.problems.append(f"{where}: {msg}")

    def load_json(self, path, where):
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            self.problem(where, f"cannot read: {e.strerror}")
            return None, None
        try:
            return json.loads(data), data
        except (ValueError, UnicodeDecodeError) as e:
            self.problem(where, f"not JSON: {e}")
            return None, None

    def validate(self, doc, schema, where):
        errors = sorted(self.schemas.validator(schema).iter_errors(doc), key=lambda e: list(e.path))
        for e in errors:
            loc = "/".join(str(p) for p in e.absolute_path) or "(top)"
            self.problem(where, f"{schema}: at {loc}: {e.message}")
        return not errors

    def blob(self, desc, where):
        """Reads the blob a descriptor names and checks its size and digest."""
        digest = desc.get("digest", "") if isinstance(desc, dict) else ""
        alg, _, hexpart = digest.partition(":")
        if alg != "sha256" or len(hexpart) != 64:
            self.problem(where, f"digest {digest!r} is not a sha256 digest")
            return None
        path = self.layout / "blobs" / alg / hexpart
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            self.problem(where, f"blob {digest}: {e.strerror}")
            return None
        self.checked["blobs"] += 1
        if len(data) != desc.get("size"):
            self.problem(where, f"blob {digest} has {len(data)} bytes, the descriptor says "
                                f"{desc.get('size')}")
        actual = "sha256:" + hashlib.sha256(data).hexdigest()
        if actual != digest:
            self.problem(where, f"blob {digest} hashes to {actual}")
        return data

    def json_blob(self, desc, where):
        data = self.blob(desc, where)
        if data is None:
            return None
        try:
            return json.loads(data)
        except (ValueError, UnicodeDecodeError) as e:
            self.problem(where, f"blob {desc.get('digest')} is not JSON: {e}")
            return None

    def walk_index(self, index, where, depth=0):
        if depth > 8:
            self.problem(where, "indexes nested too deeply")
            return
        for i, desc in enumerate(index.get("manifests") or []):
            sub = f"{where} manifests[{i}]"
            mt = desc.get("mediaType")
            doc = self.json_blob(desc, sub)
            if doc is None:
                continue
            if doc.get("mediaType", mt) != mt:
                self.problem(sub, f"the descriptor says {mt}, the blob says "
                                  f"{doc.get('mediaType')}")
            if mt == MT_INDEX:
                self.validate(doc, "image-index-schema.json", sub)
                self.walk_index(doc, sub, depth + 1)
            elif mt == MT_MANIFEST:
                self.check_manifest(doc, sub)
            else:
                self.problem(sub, f"media type {mt!r} is not an OCI manifest or index")

    def check_manifest(self, manifest, where):
        self.checked["manifests"] += 1
        if not self.validate(manifest, "image-manifest-schema.json", where):
            return
        config = manifest["config"]
        cwhere = f"{where} config"
        doc = self.json_blob(config, cwhere)
        if doc is not None and config.get("mediaType") == MT_CONFIG:
            self.checked["configs"] += 1
            self.validate(doc, "config-schema.json", cwhere)
            diff_ids = (doc.get("rootfs") or {}).get("diff_ids") or []
            # a diff_id is the digest of an uncompressed tar: layers that are
            # not tars (runwasi's raw application/wasm) have none
            tars = [l for l in manifest.get("layers") or []
                    if l.get("mediaType", "").startswith(("application/vnd.oci.image.layer.",
                                                          "application/vnd.docker.image.rootfs."))]
            if len(diff_ids) != len(tars):
                self.problem(cwhere, f"{len(diff_ids)} diff_ids for "
                                     f"{len(manifest.get('layers') or [])} layers")
        for i, layer in enumerate(manifest.get("layers") or []):
            key = layer.get("digest")
            if key in self.seen:
                continue
            self.seen.add(key)
            self.blob(layer, f"{where} layers[{i}]")

    def run(self):
        marker, _ = self.load_json(self.layout / "oci-layout", "oci-layout")
        if marker is not None:
            self.validate(marker, "image-layout-schema.json", "oci-layout")
        index, _ = self.load_json(self.layout / "index.json", "index.json")
        if index is not None and self.validate(index, "image-index-schema.json", "index.json"):
            self.walk_index(index, "index.json")
        if self.checked["manifests"] == 0 and not self.problems:
            self.problem("index.json", "no image manifest")
        return not self.problems


def unpack(archive, into):
    with tarfile.open(archive) as tf:
        for m in tf.getmembers():
            parts = pathlib.PurePosixPath(m.name).parts
            if m.name.startswith("/") or ".." in parts or not (m.isfile() or m.isdir()):
                raise SystemExit(f"validate-layout: {archive}: refusing member {m.name!r}")
        tf.extractall(into)


def main():
    ap = argparse.ArgumentParser(description="Validate an OCI image layout.")
    ap.add_argument("--schemas", default=os.environ.get("OCI_SCHEMAS", DEFAULT_SCHEMAS))
    ap.add_argument("layout", help="layout directory or oci-archive tar")
    args = ap.parse_args()
    schemas = Schemas(args.schemas)
    with tempfile.TemporaryDirectory(prefix="validate-layout.") as tmp:
        layout = args.layout
        if os.path.isfile(layout):
            unpack(layout, tmp)
            layout = tmp
        elif not os.path.isdir(layout):
            print(f"validate-layout: {args.layout}: no such directory or file", file=sys.stderr)
            return 2
        c = Checker(layout, schemas)
        ok = c.run()
    for p in c.problems:
        print(f"{args.layout}: {p}")
    print(f"{args.layout}: {'valid' if ok else 'INVALID'} ({c.checked['manifests']} manifests, "
          f"{c.checked['configs']} configs, {c.checked['blobs']} blobs checked)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
