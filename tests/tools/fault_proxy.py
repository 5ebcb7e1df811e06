#!/usr/bin/python3
"""A fault-injecting HTTP reverse proxy for registry-client tests.

    fault_proxy.py --upstream URL [--listen 127.0.0.1:0] [--port-file FILE]
                   [--log FILE] [--seed N]
                   [--upstream-ca PEM | --upstream-insecure]
                   [--tls-cert PEM --tls-key PEM]
                   [--fault SPEC [--count N] [--skip M] [--probability P]
                    [--method RE] [--path RE] [--retry-after V]
                    [--after-bytes K] [--offset K] [--forward]
                    [--body TEXT] [--content-type CT]]
                   [--rules JSON | --rules @FILE]

Run it with /usr/bin/python3 (stdlib only). It listens on --listen (default
127.0.0.1:0, a free port; the port bound is written to --port-file,
atomically, once it accepts connections) and forwards every request to
--upstream (http:// or https://; --upstream-ca trusts a CA file,
--upstream-insecure skips verification): method, path and query byte for
byte, headers (minus hop-by-hop ones; Host becomes the upstream's), and the
body streamed (Content-Length or chunked, re-chunked upstream as received).
Responses come back streamed; a `Location` header pointing at the upstream
(scheme://host:port) is rewritten to the proxy's own URL, so clients keep
coming through the proxy (relative Locations are left alone). HTTP/1.1
keep-alive and `Expect: 100-continue` work (curl, skopeo, libcurl).

FAULTS. A rule = a fault plus a filter; rules are tried in order for each
request, the first one that fires applies (a request fires at most one).

  none             forward (use it to clear the rules)
  status:CODE      answer CODE (e.g. 500 502 503 429 408) without forwarding
                   (the request body is read and dropped). Body: a
                   distribution-style JSON error, except 429 which gets a
                   plain-text body as Docker Hub sends; --body/--content-type
                   override. With --forward the request reaches the upstream
                   first and its answer is replaced (the "it worked but the
                   client saw an error" case).
  reset            close the connection with a TCP RST and no response.
                   Without --forward the request is not forwarded (and its
                   body is not read: an upload sees the reset while sending);
                   with --forward the upstream processes it first. With
                   --after-bytes K the request is forwarded, the status line,
                   headers and K body bytes are sent, then RST.
  stall:SECONDS    read the request, then send nothing for SECONDS, then
                   close the connection (FIN) without a response.
  truncate         forward; send the headers with the full Content-Length but
                   only --after-bytes K body bytes (default half), then close
                   (FIN).
  wrong-digest     forward; flip one byte (XOR 0xff) of a 200 GET response
                   body at --offset K (default the middle). Defaults for its
                   filter: --method GET --path '/blobs/sha256:'.
  delay:SECONDS    wait SECONDS, then forward normally.

  Filter: --method RE (full match, e.g. 'PUT|PATCH'), --path RE (re.search
  on path+query, e.g. '/blobs/uploads/', '/manifests/'). Budget: --skip M lets
  the first M matching requests through, then --count N requests get the
  fault (default: every one after the skip), each with --probability P
  (default 1; random.Random(--seed), default seed 1, drawn once per matching
  request after the skip, so a run is deterministic for a sequential
  client). --retry-after V adds `Retry-After: V` to status faults: V is
  seconds ("2"), "http-date:N" (an HTTP-date N seconds from now) or any
  literal string.

  --rules takes a JSON list of rule objects (or @FILE), replacing the single
  --fault rule; keys as below.

CONTROL ENDPOINT (answered by the proxy, never forwarded):
  GET    /__fault   {"rules": [...with "matched"/"applied" counters],
                     "requests": N}
  POST   /__fault   body: a rule object, a list of them, or {"rules": [...]};
                    replaces the rules (counters restart). Query ?append=1
                    appends instead. Rule keys: fault, count, skip,
                    probability, method, path, retry_after, after_bytes,
                    offset, forward, body, content_type (as the options).
                    A top-level "seed": N (beside "rules" or the rule's
                    keys) reseeds the generator, so a probabilistic
                    scenario replays exactly. Examples:
                      {"fault": "status:503", "count": 2, "retry_after": "1"}
                      {"fault": "reset", "method": "PUT",
                       "path": "/blobs/uploads/", "skip": 1, "count": 1}
                      {"rules": [{"fault": "status:429", "method": "HEAD",
                                  "count": 1, "retry_after": "http-date:2"},
                                 {"fault": "truncate", "path": "/blobs/"}],
                       "seed": 42}
  DELETE /__fault   no rules (same as POST {"fault": "none"})
  Each answers 200 with the resulting state; 400 on a malformed rule.

LOG (--log FILE): one JSON object a line per proxied request: seq, time,
conn (client port), method, path, auth (the Authorization *scheme* only,
e.g. "Bearer", never its value), fault (what was applied, null if none),
rule (its index), status (what the client got; null if nothing), upstream
(the upstream's status, null if not forwarded), bytes (response body bytes
sent), req_bytes (request body bytes read), error (upstream failure). Control
requests are logged with "control": true.

SIGTERM/SIGINT stop it (exit 0), waking stalled connections.

EXAMPLES
  fault_proxy.py --upstream http://127.0.0.1:5000 --port-file p --log l \
      --fault status:503 --count 2 --retry-after 1
  fault_proxy.py --upstream https://127.0.0.1:5443 --upstream-ca ca.crt \
      --fault reset --method PATCH --seed 3 --probability 0.3
  From a test: fault_proxy_start / fault_proxy_set in tests/tools/registry.sh.

NOTE skopeo with --tls-verify=false first tries TLS: the proxy answers that
ClientHello with a plain 400 (not logged, no rule consumed) and skopeo falls
back to HTTP. skopeo also sends `Connection: close` on every request (one
connection each); curl and libcurl keep connections alive.
"""
import argparse
import email.utils
import http.client
import http.server
import json
import os
import random
import re
import signal
import socket
import ssl
import struct
import sys
import threading
import time
import urllib.parse

import hop_headers

HOP = hop_headers.HOP
KINDS = {"none", "status", "reset", "stall", "truncate", "wrong-digest", "delay"}
JSON_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "DENIED",
    404: "NOT_FOUND",
    408: "TIMEOUT",
    429: "TOOMANYREQUESTS",
    500: "UNKNOWN",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "UNAVAILABLE",
}


class RuleError(ValueError):
    pass


class Rule:
    KEYS = {
        "fault",
        "count",
        "skip",
        "probability",
        "method",
        "path",
        "retry_after",
        "after_bytes",
        "offset",
        "forward",
        "body",
        "content_type",
    }

    def __init__(self, d):
        if not isinstance(d, dict):
            raise RuleError("a rule must be a JSON object")
        unknown = set(d) - self.KEYS
        if unknown:
            raise RuleError("unknown rule keys: %s" % ", ".join(sorted(unknown)))
        self.spec = str(d.get("fault", "none"))
        kind, _, arg = self.spec.partition(":")
        if kind not in KINDS:
            raise RuleError("unknown fault %r" % self.spec)
        self.kind = kind
        self.code = self.seconds = None
        try:
            if kind == "status":
                self.code = int(arg)
                if not 100 <= self.code <= 599:
                    raise ValueError
            elif kind in ("stall", "delay"):
                self.seconds = float(arg)
            elif arg:
                raise ValueError
        except ValueError:
            raise RuleError("bad fault argument in %r" % self.spec) from None
        method = d.get("method")
        path = d.get("path")
        if kind == "wrong-digest":
            method = method or "GET"
            path = path or "/blobs/sha256:"
        try:
            self.method = re.compile(method) if method else None
            self.path = re.compile(path) if path else None
        except re.error as e:
            raise RuleError("bad regex: %s" % e) from None
        self.count = d.get("count")
        self.skip = int(d.get("skip") or 0)
        self.probability = d.get("probability")
        self.retry_after = d.get("retry_after")
        self.after_bytes = d.get("after_bytes")
        self.offset = d.get("offset")
        self.forward = bool(d.get("forward", False))
        self.body = d.get("body")
        self.content_type = d.get("content_type")
        for name in ("count", "after_bytes", "offset"):
            v = getattr(self, name)
            if v is not None and (not isinstance(v, int) or v < 0):
                raise RuleError("%s must be a non-negative integer" % name)
        if self.probability is not None and not 0 <= float(self.probability) <= 1:
            raise RuleError("probability must be within [0, 1]")
        self.raw = {k: v for k, v in d.items()}
        self.matched = 0
        self.applied = 0

    def state(self):
        return dict(self.raw, matched=self.matched, applied=self.applied)

    def matches(self, method, path):
        if self.kind == "none":
            return False
        if self.method and not self.method.fullmatch(method):
            return False
        if self.path and not self.path.search(path):
            return False
        return True


def rule_from_args(a):
    d = {"fault": a.fault}
    for k in (
        "count",
        "skip",
        "probability",
        "method",
        "path",
        "retry_after",
        "after_bytes",
        "offset",
        "body",
        "content_type",
    ):
        v = getattr(a, k)
        if v is not None:
            d[k] = v
    if a.forward:
        d["forward"] = True
    return d


def parse_rules(obj):
    if isinstance(obj, dict) and "rules" in obj:
        obj = obj["rules"]
    if isinstance(obj, dict):
        obj = [obj]
    if not isinstance(obj, list):
        raise RuleError("expected a rule object or a list of them")
    return [Rule(d) for d in obj]


class Faults:
    def __init__(self, rules, seed):
        self.lock = threading.Lock()
        self.rules = rules
        self.rng = random.Random(seed)
        self.requests = 0

    def set(self, rules, append=False, seed=None):
        with self.lock:
            self.rules = (self.rules + rules) if append else rules
            if seed is not None:
                self.rng = random.Random(seed)

    def state(self):
        with self.lock:
            return {"rules": [r.state() for r in self.rules], "requests": self.requests}

    def pick(self, method, path):
        """(seq, index, rule) of the fault to apply to this request, or None rule."""
        with self.lock:
            self.requests += 1
            seq = self.requests
            for i, r in enumerate(self.rules):
                if not r.matches(method, path):
                    continue
                r.matched += 1
                if r.matched <= r.skip:
                    continue
                if r.count is not None and r.applied >= r.count:
                    continue
                if r.probability is not None and self.rng.random() >= float(r.probability):
                    continue
                r.applied += 1
                return seq, i, r
            return seq, None, None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fault-proxy/1"

    def log_message(self, fmt, *args):
        pass

    # --- plumbing -------------------------------------------------------
    def request_body(self):
        """Yields the request body (de-chunked); sets self.req_bytes."""
        self.req_bytes = 0
        te = self.headers.get("Transfer-Encoding", "").lower()
        if "chunked" in te:
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    raise ConnectionError("client closed in a chunked body")
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return
                left = size
                while left:
                    data = self.rfile.read(min(left, 65536))
                    if not data:
                        raise ConnectionError("client closed in a chunk")
                    self.req_bytes += len(data)
                    left -= len(data)
                    yield data
                self.rfile.readline()
        else:
            left = int(self.headers.get("Content-Length") or 0)
            while left:
                data = self.rfile.read(min(left, 65536))
                if not data:
                    raise ConnectionError("client closed in the body")
                self.req_bytes += len(data)
                left -= len(data)
                yield data

    def drain(self):
        for _ in self.request_body():
            pass

    def rst(self):
        try:
            self.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
            self.connection.close()
        except OSError:
            pass
        self.close_connection = True

    def forward(self):
        """Sends the request upstream; returns the http.client response."""
        srv = self.server
        if srv.up_scheme == "https":
            conn = http.client.HTTPSConnection(srv.up_host, srv.up_port, context=srv.up_ctx, timeout=120)
        else:
            conn = http.client.HTTPConnection(srv.up_host, srv.up_port, timeout=120)
        self.upstream_conn = conn
        conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
        chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
        for k, v in self.headers.items():
            lk = k.lower()
            if lk in HOP or lk in ("host", "content-length", "expect"):
                continue
            conn.putheader(k, v)
        conn.putheader("Host", srv.up_netloc)
        if chunked:
            conn.putheader("Transfer-Encoding", "chunked")
        elif self.headers.get("Content-Length") is not None:
            conn.putheader("Content-Length", self.headers["Content-Length"])
        conn.endheaders()
        for data in self.request_body():
            if chunked:
                conn.send(b"%x\r\n" % len(data) + data + b"\r\n")
            else:
                conn.send(data)
        if chunked:
            conn.send(b"0\r\n\r\n")
        return conn.getresponse()

    def rewrite(self, k, v):
        if k.lower() == "location":
            for origin in self.server.up_origins:
                if v.startswith(origin) and (len(v) == len(origin) or v[len(origin)] in "/?#"):
                    return self.server.own_origin + v[len(origin) :]
        return v

    def no_body(self, status):
        return self.command == "HEAD" or status in (204, 304) or 100 <= status < 200

    def send_head(self, resp, content_length=None):
        """Status line and headers of resp; framing: content_length when given,
        else the upstream's Content-Length, else chunked. Returns the framing."""
        self.send_response_only(resp.status, resp.reason)
        cl = None
        for k, v in resp.getheaders():
            lk = k.lower()
            if lk in HOP:
                continue
            if lk == "content-length":
                cl = v
                if content_length is not None:
                    continue
            self.send_header(k, self.rewrite(k, v))
        framing = "none"
        if content_length is not None:
            self.send_header("Content-Length", str(content_length))
            framing = "length"
        elif self.no_body(resp.status):
            framing = "none"
        elif cl is not None:
            framing = "length"
        else:
            self.send_header("Transfer-Encoding", "chunked")
            framing = "chunked"
        self.end_headers()
        return framing

    def relay(self, resp, flip_at=None):
        framing = self.send_head(resp)
        if framing == "none":
            return
        pos = 0
        while True:
            data = resp.read(65536)
            if not data:
                break
            if flip_at is not None and pos <= flip_at < pos + len(data):
                b = bytearray(data)
                b[flip_at - pos] ^= 0xFF
                data = bytes(b)
            pos += len(data)
            if framing == "chunked":
                self.wfile.write(b"%x\r\n" % len(data) + data + b"\r\n")
            else:
                self.wfile.write(data)
            self.sent += len(data)
        if framing == "chunked":
            self.wfile.write(b"0\r\n\r\n")

    def send_status(self, rule):
        code = rule.code
        if rule.body is not None:
            body = rule.body.encode()
            ctype = rule.content_type or "text/plain; charset=utf-8"
        elif code == 429:
            body = b"Too Many Requests (injected by fault_proxy)\n"
            ctype = rule.content_type or "text/plain; charset=utf-8"
        else:
            err = {
                "code": JSON_CODES.get(code, "UNKNOWN"),
                "message": "injected by fault_proxy: status %d" % code,
                "detail": None,
            }
            body = json.dumps({"errors": [err]}).encode()
            ctype = rule.content_type or "application/json; charset=utf-8"
        self.send_response_only(code)
        self.send_header("Date", email.utils.formatdate(usegmt=True))
        self.send_header("Content-Type", ctype)
        self.send_header("Docker-Distribution-Api-Version", "registry/2.0")
        if rule.retry_after is not None:
            ra = str(rule.retry_after)
            if ra.startswith("http-date:"):
                when = time.time() + float(ra.split(":", 1)[1])
                ra = email.utils.formatdate(int(when) + 1, usegmt=True)
            self.send_header("Retry-After", ra)
        if self.no_body(code):
            self.end_headers()
            return
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.sent += len(body)

    # --- control ----------------------------------------------------------
    def control(self):
        srv = self.server
        status = 200
        try:
            if self.command == "GET":
                pass
            elif self.command == "DELETE":
                self.drain()
                srv.faults.set([])
            elif self.command == "POST":
                raw = b"".join(self.request_body())
                append = "append=1" in urllib.parse.urlsplit(self.path).query
                obj = json.loads(raw or b"{}")
                seed = obj.pop("seed", None) if isinstance(obj, dict) else None
                rules = parse_rules(obj if obj != {} else {"fault": "none"})
                srv.faults.set(rules, append, seed)
            else:
                self.drain()
                raise RuleError("use GET, POST or DELETE on /__fault")
            out = srv.faults.state()
        except (RuleError, ValueError) as e:
            status, out = 400, {"error": str(e)}
        body = json.dumps(out, indent=1).encode() + b"\n"
        self.send_response_only(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        srv.log({"control": True, "method": self.command, "path": self.path, "status": status})

    # --- the proxy --------------------------------------------------------
    def handle_any(self):
        if urllib.parse.urlsplit(self.path).path == "/__fault":
            self.control()
            return
        srv = self.server
        seq, idx, rule = srv.faults.pick(self.command, self.path)
        auth = self.headers.get("Authorization")
        entry = {
            "seq": seq,
            "conn": self.client_address[1],
            "method": self.command,
            "path": self.path,
            "auth": auth.split(" ", 1)[0] if auth else None,
            "fault": None,
            "rule": idx,
            "status": None,
            "upstream": None,
            "bytes": 0,
            "req_bytes": 0,
        }
        self.sent = 0
        self.req_bytes = 0
        self.upstream_conn = None
        kind = rule.kind if rule else "none"
        try:
            if kind == "status" and not rule.forward:
                self.drain()
                entry["fault"] = rule.spec
                self.send_status(rule)
                entry["status"] = rule.code
            elif kind == "reset" and not rule.forward and rule.after_bytes is None:
                entry["fault"] = "reset"
                self.rst()
            elif kind == "stall":
                self.drain()
                entry["fault"] = rule.spec
                srv.stopping.wait(rule.seconds)
                self.close_connection = True
            else:
                if kind == "delay":
                    entry["fault"] = rule.spec
                    srv.stopping.wait(rule.seconds)
                try:
                    resp = self.forward()
                except (OSError, http.client.HTTPException) as e:
                    entry["error"] = "upstream: %s" % e
                    # the request body may be partly unread: do not reuse
                    self.close_connection = True
                    self.send_status(Rule({"fault": "status:502"}))
                    entry["status"] = 502
                    return
                entry["upstream"] = resp.status
                if kind == "status":  # forwarded, then replaced
                    resp.read()
                    entry["fault"] = rule.spec + "+forwarded"
                    self.send_status(rule)
                    entry["status"] = rule.code
                elif kind == "reset":
                    body = resp.read()
                    if rule.after_bytes is None:
                        entry["fault"] = "reset+forwarded"
                    else:
                        k = min(rule.after_bytes, len(body))
                        entry["fault"] = "reset@%d/%d" % (k, len(body))
                        self.send_head(resp, content_length=len(body))
                        if not self.no_body(resp.status):
                            self.wfile.write(body[:k])
                            self.sent += k
                        entry["status"] = resp.status
                        time.sleep(0.05)  # let the client read what was sent
                    self.rst()
                elif kind == "truncate":
                    body = resp.read()
                    k = rule.after_bytes if rule.after_bytes is not None else len(body) // 2
                    k = min(k, len(body))
                    entry["fault"] = "truncate@%d/%d" % (k, len(body))
                    self.send_head(resp, content_length=len(body))
                    if not self.no_body(resp.status):
                        self.wfile.write(body[:k])
                        self.sent += k
                    entry["status"] = resp.status
                    self.close_connection = True
                elif kind == "wrong-digest":
                    flip = None
                    if self.command == "GET" and resp.status == 200:
                        cl = resp.getheader("Content-Length")
                        if rule.offset is not None:
                            flip = rule.offset
                        else:
                            flip = int(cl) // 2 if cl else 0
                        if cl is not None and flip >= int(cl):
                            flip = None
                    entry["fault"] = (
                        "wrong-digest@%d" % flip
                        if flip is not None
                        else "wrong-digest(not applicable)"
                    )
                    entry["status"] = resp.status
                    self.relay(resp, flip_at=flip)
                else:
                    entry["status"] = resp.status
                    self.relay(resp)
        except (ConnectionError, BrokenPipeError, socket.timeout, OSError) as e:
            entry.setdefault("error", "client: %s" % e)
            self.close_connection = True
        finally:
            if self.upstream_conn is not None:
                self.upstream_conn.close()
            entry["bytes"] = self.sent
            entry["req_bytes"] = self.req_bytes
            srv.log(entry)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = handle_any


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def log(self, entry):
        if not self.log_path:
            return
        now = time.time()
        stamp = time.strftime("%H:%M:%S", time.gmtime(now)) + ".%03d" % (now % 1 * 1000)
        entry = dict(entry, time=stamp)
        with self.log_lock, open(self.log_path, "a") as f:
            f.write(json.dumps(entry) + "\n")


def main():
    ap = argparse.ArgumentParser(
        description="fault-injecting reverse proxy (see the top of this file)"
    )
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--listen", default="127.0.0.1:0")
    ap.add_argument("--port-file")
    ap.add_argument("--log")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--upstream-ca")
    ap.add_argument("--upstream-insecure", action="store_true")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--fault", default="none")
    ap.add_argument("--count", type=int)
    ap.add_argument("--skip", type=int)
    ap.add_argument("--probability", type=float)
    ap.add_argument("--method")
    ap.add_argument("--path")
    ap.add_argument("--retry-after")
    ap.add_argument("--after-bytes", type=int)
    ap.add_argument("--offset", type=int)
    ap.add_argument("--forward", action="store_true")
    ap.add_argument("--body")
    ap.add_argument("--content-type")
    ap.add_argument("--rules")
    a = ap.parse_args()

    try:
        if a.rules:
            text = open(a.rules[1:]).read() if a.rules.startswith("@") else a.rules
            rules = parse_rules(json.loads(text))
        else:
            rules = parse_rules(rule_from_args(a))
    except (RuleError, ValueError, OSError) as e:
        ap.error(str(e))

    up = urllib.parse.urlsplit(a.upstream)
    if up.scheme not in ("http", "https") or not up.hostname:
        ap.error("--upstream must be http://HOST[:PORT] or https://HOST[:PORT]")
    host, _, port = a.listen.rpartition(":")
    srv = Server((host or "127.0.0.1", int(port)), Handler)
    srv.faults = Faults(rules, a.seed)
    srv.log_path = a.log
    srv.log_lock = threading.Lock()
    srv.stopping = threading.Event()
    srv.up_scheme = up.scheme
    srv.up_host = up.hostname
    srv.up_port = up.port or (443 if up.scheme == "https" else 80)
    srv.up_netloc = up.netloc
    default_port = ":443" if up.scheme == "https" else ":80"
    srv.up_origins = ["%s://%s" % (up.scheme, up.netloc)]
    if up.port is None:
        srv.up_origins.append("%s://%s%s" % (up.scheme, up.netloc, default_port))
    srv.up_ctx = None
    if up.scheme == "https":
        ctx = ssl.create_default_context(cafile=a.upstream_ca)
        if a.upstream_insecure:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        srv.up_ctx = ctx
    own_scheme = "http"
    if a.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
        own_scheme = "https"
    srv.own_origin = "%s://%s:%d" % (own_scheme, srv.server_address[0], srv.server_address[1])

    def stop(*_):
        srv.stopping.set()
        threading.Thread(target=srv.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write("%d\n" % srv.server_address[1])
        os.replace(a.port_file + ".tmp", a.port_file)
    srv.serve_forever(poll_interval=0.2)
    srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
