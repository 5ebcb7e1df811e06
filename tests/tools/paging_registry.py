#!/usr/bin/env python3
"""The tag list of a registry that pages it, for `wasmpack ls`.

distribution 2.8 (Debian's docker-registry) answers every tag at once and
ignores n=; distribution 3, Harbor and ghcr.io page the list: n= tags at a
time, after last=, with a Link header (relative, rel="next") to the next
page while there is one. This serves exactly that part of the protocol:
GET /v2/ and GET /v2/paged/tags/list, tags v01..v23, pages of 10 unless
n= says otherwise.

usage: paging_registry.py PORT_FILE LOG_FILE
Listens on 127.0.0.1 and a free port (written to PORT_FILE); every request
path is appended to LOG_FILE.
"""
import json
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

TAGS = ["v%02d" % i for i in range(1, 24)]


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        with open(sys.argv[2], "a") as f:
            f.write(self.path + "\n")

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        query = urllib.parse.parse_qs(url.query)
        link = None
        if url.path == "/v2/":
            body = b"{}"
        elif url.path == "/v2/paged/tags/list":
            n = int(query.get("n", ["10"])[0])
            last = query.get("last", [""])[0]
            rest = [t for t in TAGS if t > last]
            page = rest[:n]
            body = json.dumps({"name": "paged", "tags": page}).encode()
            if len(rest) > n:
                link = '</v2/paged/tags/list?n=%d&last=%s>; rel="next"' % (n, page[-1])
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if link:
            self.send_header("Link", link)
        self.end_headers()
        self.wfile.write(body)


server = HTTPServer(("127.0.0.1", 0), Handler)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(server.server_port))
import os  # noqa: E402  (the rename makes the port file appear whole)

os.rename(sys.argv[1] + ".tmp", sys.argv[1])
server.serve_forever()
