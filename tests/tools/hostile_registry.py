#!/usr/bin/python3
"""A registry front that misbehaves on purpose, for registry-client tests.

    hostile_registry.py --upstream http://127.0.0.1:PORT --port-file FILE
                        --log FILE [--tls-cert PEM --tls-key PEM]
                        [--storage-auth USER:PASS] [--mode JSON]

Run it with /usr/bin/python3 (stdlib only). It listens on two ports of
127.0.0.1 and writes "MAIN STORAGE" (the two port numbers) to --port-file,
atomically, once both accept connections:

  MAIN     (https with --tls-cert/--tls-key, else http) forwards every request
           to --upstream (a real registry on plain HTTP), Authorization and
           all, unless the mode says otherwise (below). A `Location` pointing
           at the upstream is rewritten to MAIN's own origin. A path starting
           with /__same/ is forwarded without that prefix: the target of a
           same-origin redirect (or of one to MAIN under another name; without
           an Authorization it gets --storage-auth's, as STORAGE does).
  STORAGE  (always plain http) stands for the S3 bucket or CDN a registry
           redirects to: it forwards to the upstream too, but never with the
           client's Authorization; with --storage-auth it sends its own Basic
           credentials (the storage reaches the registry on its own).

MODE (a JSON object; --mode at start, or POST it to MAIN/__hostile; GET
shows it). Keys, all optional:
  "blob_redirect": what a GET or HEAD of /v2/<name>/blobs/sha256:... gets:
      "storage"    307 to http://127.0.0.1:STORAGE/<same path>
      "localhost"  307 to MAIN's port under the name localhost (same
                   address and port, another host name), path /__same/...
      "same"       307 to MAIN's own origin, path /__same/...
      "loop"       307 to the same URL, forever
      "file"       307 to file:///etc/passwd
  "upload_location": "storage": the Location of a 202 to POST .../uploads/
      (where the client sends the blob) points at STORAGE instead.
  "manifest": what a GET or HEAD of /v2/<name>/manifests/<ref> gets (200,
      Content-Type an OCI manifest, no Docker-Content-Digest):
      "oversize"          a 5 MiB JSON document, Content-Length stated
      "oversize-chunked"  the same, chunked (no length stated)
      "nested"            [[[...]]] nested 100000 deep (200 kB)
      "big-config"        a manifest whose config is 9 MiB (never served)
  "challenge": "huge" or "large": a GET /v2/ gets 401 with a
      WWW-Authenticate header of 1 MiB or 20 KiB; "http-realm": 401 with a
      Bearer challenge whose realm is http://127.0.0.1:STORAGE/token.
  "blob_append": N: a blob GET answered 200 gets N bytes more than the
      registry sent (Content-Length grown to match).
  "retry_after": "VALUE": every request gets 429 with Retry-After: VALUE.

LOG (--log): one JSON object a line per request: port ("main" or
"storage"), method, path, host (the Host header), auth (the Authorization
*scheme* only, never its value, or null), status.

SIGTERM/SIGINT stop it (exit 0).
"""
import argparse
import base64
import http.client
import http.server
import json
import os
import signal
import socket
import ssl
import sys
import threading
import urllib.parse

import hop_headers

# and what the front sets itself
HOP = hop_headers.HOP | {"host", "content-length", "expect"}
MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


class State:
    def __init__(self, mode):
        self.lock = threading.Lock()
        self.mode = mode

    def get(self, key):
        with self.lock:
            return self.mode.get(key)


def oversize_manifest():
    pad = "a" * (5 * 1024 * 1024)
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": MT_MANIFEST,
            "annotations": {"pad": pad},
        }
    ).encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "hostile-registry/1"

    def log_message(self, fmt, *args):
        pass

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            out = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(n) if n else b""

    def answer(self, status, headers=(), body=b"", chunked=False):
        self.send_response_only(status)
        for k, v in headers:
            self.send_header(k, v)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "HEAD":
            return status
        if chunked:
            for i in range(0, len(body), 65536):
                part = body[i : i + 65536]
                self.wfile.write(b"%x\r\n" % len(part) + part + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.wfile.write(body)
        return status

    def forward(self, path, data, client_auth, fallback_auth):
        srv = self.server
        conn = http.client.HTTPConnection(srv.up_host, srv.up_port, timeout=60)
        try:
            conn.putrequest(self.command, path, skip_host=True, skip_accept_encoding=True)
            passed = False
            for k, v in self.headers.items():
                lk = k.lower()
                if lk in HOP or (lk == "authorization" and not client_auth):
                    continue
                passed = passed or lk == "authorization"
                conn.putheader(k, v)
            if not passed and fallback_auth and srv.storage_auth:
                conn.putheader("Authorization", "Basic " + srv.storage_auth)
            conn.putheader("Host", srv.up_netloc)
            conn.putheader("Content-Length", str(len(data)))
            conn.endheaders()
            if data:
                conn.send(data)
            resp = conn.getresponse()
            payload = resp.read()
            extra = self.server.state.get("blob_append")
            if (extra and self.command == "GET" and resp.status == 200
                    and "/blobs/sha256:" in path):
                payload += b"x" * int(extra)
            headers = []
            for k, v in resp.getheaders():
                if k.lower() in HOP:
                    continue
                if k.lower() == "location":
                    v = self.rewrite_location(v)
                headers.append((k, v))
            return self.answer(resp.status, headers, payload)
        finally:
            conn.close()

    def rewrite_location(self, v):
        srv = self.server
        origin = "http://" + srv.up_netloc
        if v.startswith(origin):
            v = self.origin() + v[len(origin) :]
        if (
            self.is_main()
            and self.command == "POST"
            and "/blobs/uploads/" in self.path
            and srv.state.get("upload_location") == "storage"
        ):
            u = urllib.parse.urlsplit(urllib.parse.urljoin(self.origin() + self.path, v))
            v = "http://127.0.0.1:%d%s" % (srv.storage_port, u.path)
            if u.query:
                v += "?" + u.query
        return v

    def is_main(self):
        return self.server.role == "main"

    def origin(self):
        srv = self.server.main
        return "%s://127.0.0.1:%d" % (srv.scheme, srv.server_address[1])

    def hostile(self, path):
        """The status of a made-up answer, or None to forward."""
        srv = self.server
        st = srv.state
        bare = urllib.parse.urlsplit(path).path
        ra = st.get("retry_after")
        if ra is not None:
            return self.answer(429, [("Retry-After", str(ra))], b"slow down\n")
        if st.get("challenge") == "http-realm" and bare == "/v2/":
            realm = "http://127.0.0.1:%d/token" % srv.storage_port
            return self.answer(401, [("WWW-Authenticate", 'Bearer realm="%s",service="s"' % realm)])
        size = {"huge": 1 << 20, "large": 20 * 1024}.get(st.get("challenge"))
        if size and bare == "/v2/":
            value = 'Bearer realm="https://auth.example/token",service="' + "x" * size + '"'
            return self.answer(401, [("WWW-Authenticate", value)], b"{}")
        kind = st.get("manifest")
        if kind and "/manifests/" in bare and self.command in ("GET", "HEAD"):
            if kind == "nested":
                doc = b"[" * 100000 + b"]" * 100000
            elif kind == "big-config":
                desc = {"mediaType": "application/vnd.oci.image.config.v1+json",
                        "digest": "sha256:" + "ab" * 32, "size": 9 * 1024 * 1024}
                doc = json.dumps({"schemaVersion": 2, "mediaType": MT_MANIFEST,
                                  "config": desc, "layers": []}).encode()
            else:
                doc = oversize_manifest()
            return self.answer(
                200, [("Content-Type", MT_MANIFEST)], doc, chunked=(kind == "oversize-chunked")
            )
        where = st.get("blob_redirect")
        if where and "/blobs/sha256:" in bare and self.command in ("GET", "HEAD"):
            target = {
                "storage": "http://127.0.0.1:%d%s" % (srv.storage_port, path),
                "localhost": "%s://localhost:%d/__same%s"
                % (srv.scheme, srv.server_address[1], path),
                "same": self.origin() + "/__same" + path,
                "loop": self.origin() + path,
                "file": "file:///etc/passwd",
            }[where]
            return self.answer(307, [("Location", target)])
        return None

    def control(self, data):
        st = self.server.state
        if self.command == "POST":
            mode = json.loads(data or b"{}")
            with st.lock:
                st.mode = mode
        with st.lock:
            out = json.dumps(st.mode).encode() + b"\n"
        return self.answer(200, [("Content-Type", "application/json")], out)

    def handle_any(self):
        auth = self.headers.get("Authorization")
        entry = {
            "port": self.server.role,
            "method": self.command,
            "path": self.path,
            "host": self.headers.get("Host"),
            "auth": auth.split(" ", 1)[0] if auth else None,
            "status": None,
        }
        try:
            data = self.body()
            if self.is_main() and urllib.parse.urlsplit(self.path).path == "/__hostile":
                entry["status"] = self.control(data)
                entry["control"] = True
                return
            path = self.path
            redirected = not self.is_main() or path.startswith("/__same/")
            if self.is_main() and redirected:
                path = path[len("/__same") :]
            elif self.is_main():
                status = self.hostile(path)
                if status is not None:
                    entry["status"] = status
                    return
            entry["status"] = self.forward(
                path, data, client_auth=self.is_main(), fallback_auth=redirected
            )
        except (OSError, http.client.HTTPException) as e:
            entry["error"] = str(e)
            self.close_connection = True
        finally:
            self.server.log(entry)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def log(self, entry):
        if self.log_path:
            with self.log_lock, open(self.log_path, "a") as f:
                f.write(json.dumps(entry) + "\n")


def main():
    ap = argparse.ArgumentParser(description="a misbehaving registry front (see the top)")
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--storage-auth")
    ap.add_argument("--mode", default="{}")
    a = ap.parse_args()

    up = urllib.parse.urlsplit(a.upstream)
    if up.scheme != "http" or not up.hostname:
        ap.error("--upstream must be http://HOST:PORT")
    state = State(json.loads(a.mode))
    lock = threading.Lock()
    servers = {}
    for role in ("main", "storage"):
        srv = Server(("127.0.0.1", 0), Handler)
        srv.role = role
        srv.state = state
        srv.log_path = a.log
        srv.log_lock = lock
        srv.up_host, srv.up_port, srv.up_netloc = up.hostname, up.port or 80, up.netloc
        srv.storage_auth = (
            base64.b64encode(a.storage_auth.encode()).decode() if a.storage_auth else None
        )
        srv.scheme = "http"
        servers[role] = srv
    main_srv = servers["main"]
    if a.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)
        main_srv.socket = ctx.wrap_socket(main_srv.socket, server_side=True)
        main_srv.scheme = "https"
    for srv in servers.values():
        srv.main = main_srv
        srv.storage_port = servers["storage"].server_address[1]

    def stop(*_):
        for srv in servers.values():
            threading.Thread(target=srv.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    threads = [
        threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.2})
        for srv in servers.values()
    ]
    for t in threads:
        t.start()
    with open(a.port_file + ".tmp", "w") as f:
        f.write("%d %d\n" % (main_srv.server_address[1], servers["storage"].server_address[1]))
    os.replace(a.port_file + ".tmp", a.port_file)
    for t in threads:
        t.join()
    for srv in servers.values():
        srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
