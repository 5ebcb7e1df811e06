#!/usr/bin/env python3
"""A registry with the OCI 1.1 referrers API, played in front of one without.

distribution 2.8 (Debian's docker-registry) has no referrers API. This proxy
forwards every request to it (Host kept, so upload Locations point back
here) and adds what a 1.1 registry does for manifests with a subject:
  - a manifest PUT whose body has "subject" is answered with OCI-Subject and
    remembered (its descriptor: mediaType, digest, size, artifactType, else
    the config's mediaType, annotations);
  - GET /v2/<name>/referrers/<digest>[?artifactType=T] answers an OCI index
    of them, filtered (with OCI-Filters-Applied: artifactType), PAGE at a
    time with a Link header to the next page.

--no-oci-subject leaves OCI-Subject out, as registries of the 1.1 release
candidates did: clients must find the API by asking it.

With --no-api it adds none of that and plays a race instead: the first
conditional PUT (If-Match) of a referrers tag (sha256-<hex>) finds that
"another client" has just put the index in --race-index FILE at that tag,
and is answered 412 Precondition Failed.

usage: referrers_proxy.py --upstream HOST:PORT --port-file F --log F
                          [--page N] [--no-oci-subject]
                          [--no-api --race-index FILE]
Listens on 127.0.0.1 and a free port (written to the port file); each
request line (and If-Match) is appended to the log.
"""
import argparse
import hashlib
import http.client
import json
import os
import re
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ap = argparse.ArgumentParser()
ap.add_argument("--upstream", required=True)
ap.add_argument("--port-file", required=True)
ap.add_argument("--log", required=True)
ap.add_argument("--page", type=int, default=2)
ap.add_argument("--no-api", action="store_true")
ap.add_argument("--no-oci-subject", action="store_true")  # as 1.1 release candidates
ap.add_argument("--race-index")
ARGS = ap.parse_args()
UPSTREAM = ARGS.upstream
PAGE = ARGS.page
RACED = []
INDEX = "application/vnd.oci.image.index.v1+json"
REFERRERS = re.compile(r"^/v2/(.+)/referrers/(sha256:[0-9a-f]{64})$")
MANIFEST = re.compile(r"^/v2/(.+)/manifests/([^/]+)$")
LOCK = threading.Lock()
KNOWN = {}  # (repo, subject digest) -> [descriptor], in push order


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        cond = self.headers.get("If-Match")
        with LOCK, open(ARGS.log, "a") as f:
            f.write(f"{self.command} {self.path}" + (f" If-Match: {cond}" if cond else "") + "\n")

    def reply(self, status, body=b"", headers=(), length=None):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def referrers(self, repo, digest, query):
        want = query.get("artifactType", [None])[0]
        start = int(query.get("start", ["0"])[0])
        with LOCK:
            found = list(KNOWN.get((repo, digest), []))
        headers = [("Content-Type", INDEX)]
        if want is not None:
            found = [d for d in found if d.get("artifactType") == want]
            headers.append(("OCI-Filters-Applied", "artifactType"))
        page = found[start:start + PAGE]
        if start + PAGE < len(found):
            q = {"start": str(start + PAGE)}
            if want is not None:
                q["artifactType"] = want
            link = f"/v2/{repo}/referrers/{digest}?{urllib.parse.urlencode(q)}"
            headers.append(("Link", f'<{link}>; rel="next"'))
        body = json.dumps({"schemaVersion": 2, "mediaType": INDEX, "manifests": page}).encode()
        self.reply(200, body, headers)

    def remember(self, repo, body, headers):
        try:
            doc = json.loads(body)
        except ValueError:
            return
        subject = doc.get("subject") if isinstance(doc, dict) else None
        if not subject:
            return
        desc = {"mediaType": doc.get("mediaType", ""), "size": len(body),
                "digest": "sha256:" + hashlib.sha256(body).hexdigest(),
                "artifactType": doc.get("artifactType") or doc["config"]["mediaType"]}
        if doc.get("annotations"):
            desc["annotations"] = doc["annotations"]
        with LOCK:
            refs = KNOWN.setdefault((repo, subject["digest"]), [])
            if all(d["digest"] != desc["digest"] for d in refs):
                refs.append(desc)
        if not ARGS.no_oci_subject:
            headers.append(("OCI-Subject", subject["digest"]))

    def upstream(self, method, path, body, headers):
        conn = http.client.HTTPConnection(UPSTREAM, timeout=30)
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        return resp, data

    def race(self, path):
        """Another client's index lands at the tag first: 412."""
        with open(ARGS.race_index, "rb") as f:
            other = f.read()
        resp, _ = self.upstream("PUT", path, other, {"Content-Type": INDEX})
        if resp.status != 201:
            raise SystemExit(f"referrers_proxy: the race's PUT got {resp.status}")
        RACED.append(path)
        self.reply(412, b'{"errors":[{"code":"PRECONDITION_FAILED","message":"changed"}]}',
                   [("Content-Type", "application/json")])

    def forward(self):
        url = urllib.parse.urlparse(self.path)
        m = REFERRERS.match(url.path)
        if m and self.command == "GET" and not ARGS.no_api:
            return self.referrers(m.group(1), m.group(2), urllib.parse.parse_qs(url.query))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        m = MANIFEST.match(url.path)
        if (ARGS.race_index and not RACED and m and self.command == "PUT" and
                m.group(2).startswith("sha256-") and self.headers.get("If-Match")):
            return self.race(self.path)
        resp, data = self.upstream(self.command, self.path, body,
                                   {k: v for k, v in self.headers.items()})
        headers = [(k, v) for k, v in resp.getheaders()
                   if k.lower() not in ("content-length", "transfer-encoding", "connection")]
        # HEAD: the length of what GET would send
        length = resp.getheader("Content-Length") if self.command == "HEAD" else None
        if m and self.command == "PUT" and resp.status == 201 and body and not ARGS.no_api:
            self.remember(m.group(1), body, headers)
        self.reply(resp.status, data, headers, length)

    do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = forward


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(ARGS.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(ARGS.port_file + ".tmp", ARGS.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
