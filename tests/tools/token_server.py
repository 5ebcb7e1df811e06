#!/usr/bin/python3
"""A Docker-style registry token server for tests (distribution's token auth).

    token_server.py --users FILE --key KEY.pem --cert CERT.pem
                    [--listen 127.0.0.1:0] [--port-file FILE] [--log FILE]
                    [--issuer ISS] [--service SVC] [--expires-in N]
                    [--exp-skew S] [--header x5c|kid|both] [--no-oauth-post]
                    [--tls-cert PEM --tls-key PEM]

Run it with /usr/bin/python3 (needs python3-jwt and python3-cryptography).

Signing key: KEY.pem / CERT.pem (RSA 2048, RS256; a self-signed certificate
valid for 2 days) are created when they do not exist. Put
CERT.pem in the registry's `auth.token.rootcertbundle`: every token carries it
in its JWT header as `x5c` (base64 DER; `--header kid` sends only the libtrust
`kid` instead, `both` sends both), and distribution accepts a leaf that is
itself a trusted root.

Endpoints (any path: /token is conventional, the path is not checked):

  GET /token?service=SVC&scope=repository:NAME:pull,push&scope=...
             [&account=USER][&offline_token=true][&client_id=...]
      HTTP Basic credentials are checked against the users file; no
      Authorization header = anonymous. Several `scope` parameters are
      allowed (a parameter holding space-separated scopes is split too).
      -> 200 {"token", "access_token" (the same JWT), "expires_in",
              "issued_at", "refresh_token" (only with offline_token=true and
              a real user)}
      -> 401 {"details": "incorrect username or password"} + a Basic
         challenge when the credentials are wrong or the user is unknown.
      -> 400 when `service` is missing or is not --service.

  POST /token   (OAuth2, application/x-www-form-urlencoded; Docker's
                 identity-token flow)
      grant_type=password&username=U&password=P&service=SVC&client_id=C
          [&scope=SPACE SEPARATED SCOPES][&access_type=offline]
      grant_type=refresh_token&refresh_token=R&service=SVC&client_id=C
          [&scope=...]
      -> 200 {"access_token", "token", "scope", "expires_in", "issued_at",
              "refresh_token" (password grant with access_type=offline or
              offline_token=true; always echoed back for refresh_token grant)}
      -> 401 {"error": "invalid_grant"} on bad credentials or an unknown
         refresh token; 400 {"error": "unsupported_grant_type"} otherwise.
      With --no-oauth-post every POST answers 404 (as registries without the
      OAuth2 endpoint do: clients must fall back to GET).

JWT (RS256): claims iss (--issuer), sub (user name, "" when anonymous), aud
(the requested service, a string), exp (iat + --expires-in + --exp-skew),
nbf, iat, jti, access: [{"type", "name", "actions"}] = for each requested
scope, only the requested actions the user's rules grant (possibly []).

Users file (re-read on every request, so a test may rewrite it at any time):

  {
    "alice": {"password": "secret",
              "access": [{"name": "team/*", "actions": ["pull", "push"]},
                         {"type": "registry", "name": "catalog",
                          "actions": ["*"]}]},
    "bob":   {"password": "pw", "access": [{"name": "*", "actions": ["pull"]}]},
    "@anonymous": {"access": [{"name": "public/*", "actions": ["pull"]}]}
  }

  `name` is an fnmatch glob against the repository name (`*` matches `/`
  too); `type` defaults to "repository"; an action "*" in a rule grants every
  requested action. "@anonymous" holds the rules for requests without
  credentials (none: anonymous tokens carry empty access lists, like Docker
  Hub's, so denials come from the registry).

--expires-in N   `expires_in` in the answer and the token lifetime (default
                 300). NOTE distribution 2.8 accepts a token up to 60 s after
                 its `exp` (clock-skew leeway); to make a short-lived token
                 really die at the registry add `--exp-skew -60`, which moves
                 only the `exp` claim (not `expires_in`).
--listen H:P     default 127.0.0.1:0 (a free port); the port actually bound is
                 written to --port-file (atomically) once the server accepts.
--log FILE       one JSON object a line per request: time, method, path (with
                 its query; secrets never appear there), user, grant_type,
                 scopes requested, access granted, status, and
                 "refresh_token_issued". Never Authorization headers,
                 passwords, refresh tokens or JWTs.
--tls-cert/--tls-key   serve HTTPS.

SIGTERM/SIGINT stop it (exit 0).
"""
import argparse
import base64
import datetime
import fnmatch
import hashlib
import http.server
import json
import os
import secrets
import signal
import ssl
import sys
import threading
import time
import urllib.parse

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

ANONYMOUS = "@anonymous"


class UsersFileError(Exception):
    pass


def make_signing_key(key_path, cert_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "wasmpack test token signer")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    with open(cert_path + ".tmp", "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    os.replace(cert_path + ".tmp", cert_path)


def libtrust_kid(public_key):
    """The key ID distribution derives from a trusted key (libtrust format)."""
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    b32 = base64.b32encode(hashlib.sha256(der).digest()[:30]).decode().rstrip("=")
    return ":".join(b32[i : i + 4] for i in range(0, 48, 4))


def parse_scope(s):
    """repository:NAME:ACTIONS -> (type, name, [actions]); NAME may hold ':'."""
    if s.count(":") < 2:
        return None
    typ, rest = s.split(":", 1)
    name, actions = rest.rsplit(":", 1)
    acts = [a for a in actions.split(",") if a]
    if not typ or not name:
        return None
    return typ, name, acts


def granted(rules, typ, name, actions):
    allowed = set()
    for r in rules or []:
        if r.get("type", "repository") != typ:
            continue
        if not fnmatch.fnmatchcase(name, r.get("name", "")):
            continue
        allowed.update(r.get("actions", []))
    if "*" in allowed:
        return list(actions)
    return [a for a in actions if a in allowed]


class State:
    def __init__(self, args):
        self.args = args
        with open(args.key, "rb") as f:
            self.key = serialization.load_pem_private_key(f.read(), password=None)
        with open(args.cert, "rb") as f:
            cert = x509.load_pem_x509_certificate(f.read())
        self.x5c = [base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()]
        self.kid = libtrust_kid(cert.public_key())
        self.refresh = {}  # refresh token -> user name
        self.lock = threading.Lock()
        self.log_lock = threading.Lock()

    def users(self):
        """The users file, read now; UsersFileError when it is unusable."""
        try:
            with open(self.args.users) as f:
                users = json.load(f)
        except (OSError, ValueError) as e:
            raise UsersFileError("users file %s: %s" % (self.args.users, e)) from None
        if not isinstance(users, dict):
            raise UsersFileError("users file %s: not a JSON object" % self.args.users)
        return users

    def log(self, entry):
        if not self.args.log:
            return
        entry = dict(entry, time=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        with self.log_lock, open(self.args.log, "a") as f:
            f.write(json.dumps(entry, sort_keys=True) + "\n")

    def issue(self, user, service, scopes, rules):
        now = int(time.time())
        access = []
        for s in scopes:
            p = parse_scope(s)
            if p is None:
                continue
            typ, name, acts = p
            access.append({"type": typ, "name": name, "actions": granted(rules, typ, name, acts)})
        claims = {
            "iss": self.args.issuer,
            "sub": user or "",
            "aud": service,
            "exp": now + self.args.expires_in + self.args.exp_skew,
            "nbf": now - 1,
            "iat": now,
            "jti": secrets.token_hex(16),
            "access": access,
        }
        headers = {"typ": "JWT"}
        if self.args.header in ("x5c", "both"):
            headers["x5c"] = self.x5c
        if self.args.header in ("kid", "both"):
            headers["kid"] = self.kid
        token = jwt.encode(claims, self.key, algorithm="RS256", headers=headers)
        issued_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
        return token, access, issued_at

    def new_refresh_token(self, user):
        rt = secrets.token_urlsafe(24)
        with self.lock:
            self.refresh[rt] = user
        return rt

    def refresh_user(self, rt):
        with self.lock:
            return self.refresh.get(rt)


def split_scopes(values):
    out = []
    for v in values:
        out.extend(x for x in v.split(" ") if x)
    return out


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "wasmpack-test-token-server/1"

    def log_message(self, fmt, *args):  # no stderr chatter
        pass

    def reply(self, status, obj, extra_headers=()):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra_headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def basic_credentials(self):
        """(user, password) from Basic auth, None when absent, False when malformed."""
        h = self.headers.get("Authorization")
        if not h:
            return None
        scheme, _, value = h.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, sep, password = base64.b64decode(value.strip()).decode().partition(":")
        except Exception:
            return False
        if not sep:
            return False
        return user, password

    def check_user(self, user, password):
        users = self.server.state.users()
        u = users.get(user)
        if user == ANONYMOUS or not isinstance(u, dict) or u.get("password") != password:
            return None
        return u.get("access", [])

    def anonymous_rules(self):
        return self.server.state.users().get(ANONYMOUS, {}).get("access", [])

    def check_service(self, service, entry):
        want = self.server.state.args.service
        if not service or (want and service != want):
            entry["status"] = 400
            self.server.state.log(entry)
            self.reply(400, {"details": "unknown or missing service %r" % (service or "")})
            return False
        return True

    def do_GET(self):
        self.guarded(self.get_token)

    def do_POST(self):
        self.guarded(self.post_token)

    def guarded(self, fn):
        try:
            fn()
        except UsersFileError as e:
            self.server.state.log({"method": self.command, "path": self.path, "status": 500, "error": str(e)})
            self.reply(500, {"details": str(e)})

    def get_token(self):
        st = self.server.state
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query, keep_blank_values=True)
        scopes = split_scopes(q.get("scope", []))
        service = (q.get("service") or [""])[0]
        entry = {
            "method": "GET",
            "path": self.path,
            "scopes": scopes,
            "service": service,
            "account": (q.get("account") or [None])[0],
        }
        if not self.check_service(service, entry):
            return
        creds = self.basic_credentials()
        if creds is None:
            user, rules = None, self.anonymous_rules()
        else:
            rules = self.check_user(*creds) if creds else None
            if rules is None:
                entry.update(status=401, user=creds[0] if creds else None)
                st.log(entry)
                self.reply(
                    401,
                    {"details": "incorrect username or password"},
                    [("WWW-Authenticate", 'Basic realm="wasmpack-test-token-server"')],
                )
                return
            user = creds[0]
        token, access, issued_at = st.issue(user, service, scopes, rules)
        body = {
            "token": token,
            "access_token": token,
            "expires_in": st.args.expires_in,
            "issued_at": issued_at,
        }
        offline = (q.get("offline_token") or ["false"])[0].lower() == "true"
        if offline and user is not None:
            body["refresh_token"] = st.new_refresh_token(user)
        entry.update(status=200, user=user, granted=access, refresh_token_issued="refresh_token" in body)
        st.log(entry)
        self.reply(200, body)

    def post_token(self):
        st = self.server.state
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        entry = {"method": "POST", "path": self.path}
        if st.args.no_oauth_post:
            entry["status"] = 404
            st.log(entry)
            self.reply(404, {"details": "not found"})
            return
        form = urllib.parse.parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)

        def f(name, default=""):
            return (form.get(name) or [default])[0]

        grant = f("grant_type")
        scopes = split_scopes(form.get("scope", []))
        service = f("service")
        entry.update(grant_type=grant, scopes=scopes, service=service, client_id=f("client_id"))
        if not self.check_service(service, entry):
            return
        if grant == "password":
            user = f("username")
            entry["user"] = user
            rules = self.check_user(user, f("password"))
            refresh = None
            if rules is not None and (
                f("access_type") == "offline" or f("offline_token").lower() == "true"
            ):
                refresh = st.new_refresh_token(user)
        elif grant == "refresh_token":
            refresh = f("refresh_token")
            user = st.refresh_user(refresh)
            entry["user"] = user
            rules = None
            if user is not None:
                u = st.users().get(user)
                rules = u.get("access", []) if isinstance(u, dict) else None
        else:
            entry["status"] = 400
            st.log(entry)
            self.reply(400, {"error": "unsupported_grant_type"})
            return
        if rules is None:
            entry["status"] = 401
            st.log(entry)
            self.reply(401, {"error": "invalid_grant"})
            return
        token, access, issued_at = st.issue(user, service, scopes, rules)
        body = {
            "access_token": token,
            "token": token,
            "scope": " ".join(scopes),
            "expires_in": st.args.expires_in,
            "issued_at": issued_at,
        }
        if refresh:
            body["refresh_token"] = refresh
        entry.update(status=200, granted=access, refresh_token_issued=bool(refresh))
        st.log(entry)
        self.reply(200, body)

    def do_HEAD(self):
        self.reply(405, {"details": "use GET or POST"})


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser(description="Docker-style registry token server for tests")
    ap.add_argument("--users", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--listen", default="127.0.0.1:0")
    ap.add_argument("--port-file")
    ap.add_argument("--log")
    ap.add_argument("--issuer", default="wasmpack-test-issuer")
    ap.add_argument("--service", default="", help="only this service (default: any)")
    ap.add_argument("--expires-in", type=int, default=300)
    ap.add_argument("--exp-skew", type=int, default=0)
    ap.add_argument("--header", choices=["x5c", "kid", "both"], default="x5c")
    ap.add_argument("--no-oauth-post", action="store_true")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    args = ap.parse_args()

    if not (os.path.exists(args.key) and os.path.exists(args.cert)):
        make_signing_key(args.key, args.cert)
    host, _, port = args.listen.rpartition(":")
    srv = Server((host or "127.0.0.1", int(port)), Handler)
    srv.state = State(args)
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)

    def stop(*_):
        threading.Thread(target=srv.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write("%d\n" % srv.server_address[1])
        os.replace(args.port_file + ".tmp", args.port_file)
    srv.serve_forever(poll_interval=0.2)
    srv.server_close()


if __name__ == "__main__":
    sys.exit(main())
