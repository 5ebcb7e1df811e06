#!/usr/bin/python3
"""Stand-in for `wasmpack validate` built on wabt's wasm-validate, speaking the same contract:

    wabt_validate.py [validate] [--json] [--features all|default] FILE...

Without --json: exit 0 when all files are valid, else 1 and one line per invalid file on stderr,
`wasmpack: "FILE": <reason>`. With --json: one object per FILE per stdout line, in order,
{"file":...,"valid":true} or {"file":...,"valid":false,"error":...}; exit 0 if all valid, 1
otherwise, 2 for usage errors. --features all maps to wasm-validate --enable-all (the default).

Used to exercise run.py's batch mode (and its crash handling) without wasmpack. Fault injection
for the harness's own tests: WABT_SHIM_CRASH=SUBSTRING aborts (SIGABRT) when reaching a file
whose path contains SUBSTRING, after printing the results so far; WABT_SHIM_EXIT=N exits with N
at the end instead of 0/1 (like a sanitizer leak report).
"""

import json
import os
import subprocess
import sys


def usage(msg):
    print("wabt_validate.py: %s" % msg, file=sys.stderr)
    print("usage: wabt_validate.py [validate] [--json] [--features all|default] FILE...",
          file=sys.stderr)
    sys.exit(2)


def main(argv):
    if argv and argv[0] == "validate":
        argv = argv[1:]
    as_json, features, files = False, "all", []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--json":
            as_json = True
        elif a == "--features":
            i += 1
            if i >= len(argv):
                usage("--features needs a value")
            features = argv[i]
        elif a.startswith("--features="):
            features = a.split("=", 1)[1]
        elif a.startswith("-") and a != "-":
            usage("unknown option %s" % a)
        else:
            files.append(a)
        i += 1
    if features not in ("all", "default"):
        usage("--features must be all or default")
    if not files:
        usage("no FILE")
    flags = ["--enable-all"] if features == "all" else []
    crash = os.environ.get("WABT_SHIM_CRASH")
    all_valid = True
    for f in files:
        if crash and crash in f:
            sys.stdout.flush()
            os.abort()
        p = subprocess.run(["wasm-validate"] + flags + [f], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        err = p.stderr.decode("utf-8", "replace")
        reason = next((l for l in err.splitlines() if l.strip()), "invalid")
        if reason.startswith(f + ":"):
            reason = reason[len(f) + 1:].strip()
        valid = p.returncode == 0
        all_valid &= valid
        if as_json:
            o = {"file": f, "valid": valid}
            if not valid:
                o["error"] = reason
            print(json.dumps(o))
        elif not valid:
            print('wasmpack: "%s": %s' % (f, reason), file=sys.stderr)
    sys.stdout.flush()
    if os.environ.get("WABT_SHIM_EXIT"):
        sys.exit(int(os.environ["WABT_SHIM_EXIT"]))
    return 0 if all_valid else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
