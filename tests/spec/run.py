#!/usr/bin/python3
"""Spec-conformance harness for a WebAssembly validator (stdlib only).

Reads the wast2json scripts made by convert.sh (SPEC/<name>/<name>.json) and checks the
validator's verdict on every binary module of every script:

  module                               must be VALID
  assert_invalid, assert_malformed     must be INVALID
  assert_unlinkable, assert_uninstantiable
                                       must be VALID (valid modules that fail at link or
                                       instantiation time)
  any command whose module_type is "text" (malformed/invalid text-format tests, .wat files)
                                       skipped and counted

The validator is either run in batches (default, --validator-mode batch):
    CMD --json FILE...        one JSON object per FILE per stdout line, in order:
                              {"file":"...","valid":true} / {"file":"...","valid":false,"error":"..."}
                              exit 0 if all valid, 1 otherwise
or once per file (--validator-mode single):
    CMD FILE                  exit 0 valid, 1 invalid; the first stderr line is the reason
A batch whose output is incomplete or inconsistent, or whose exit status is neither 0 nor 1
(crash, sanitizer report, timeout), is re-run one file at a time so that the culprit is found;
a file on which the validator misbehaves alone is a "crash". Crashes always fail the run.

Exit status: 0 when every result is as expected or excused by the exceptions file, 1 otherwise,
2 for usage errors.
"""

import argparse
import collections
import concurrent.futures
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time

# command type -> expected validity (True = valid)
EXPECT = {
    "module": True,
    "assert_invalid": False,
    "assert_malformed": False,
    "assert_unlinkable": True,
    "assert_uninstantiable": True,
}
CMD_ORDER = list(EXPECT)


class Case:
    __slots__ = ("script", "line", "ctype", "filename", "path", "expect", "text", "got", "reason",
                 "excused")

    def __init__(self, script, line, ctype, filename, path, expect, text):
        self.script = script
        self.line = line
        self.ctype = ctype
        self.filename = filename
        self.path = path
        self.expect = expect  # True valid, False invalid
        self.text = text  # the spec's failure message (assert_*), or None
        self.got = None  # True valid, False invalid, "crash"
        self.reason = ""  # validator error / crash description
        self.excused = None  # exception reason when excused

    @property
    def ok(self):
        return self.got == self.expect

    def where(self):
        return "%s.json:%s %s %s" % (self.script, self.line, self.ctype, self.filename)


def verdict(v):
    if v is True:
        return "valid"
    if v is False:
        return "invalid"
    return str(v)


class UsageError(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# inputs


def find_scripts(spec, only):
    names = sorted(d for d in os.listdir(spec)
                   if os.path.isfile(os.path.join(spec, d, d + ".json")))
    if only:
        wanted = []
        for n in only:
            n = os.path.basename(n)
            for suffix in (".json", ".wast"):
                if n.endswith(suffix):
                    n = n[:-len(suffix)]
            if n not in names:
                raise UsageError("--only: no converted script %r in %s" % (n, spec))
            if n not in wanted:
                wanted.append(n)
        names = wanted
    return names


def load_cases(spec, name, skipped, other):
    """Cases of one script; counts text-format modules in skipped[ctype], the commands that do
    not concern a validator in other[ctype]."""
    d = os.path.join(spec, name)
    with open(os.path.join(d, name + ".json"), encoding="utf-8") as f:
        script = json.load(f)
    cases = []
    for c in script.get("commands", []):
        t = c.get("type")
        if t not in EXPECT:
            other[t] += 1
            continue
        fn = c.get("filename")
        if c.get("module_type") == "text" or not fn or fn.endswith(".wat"):
            skipped[(name, t)] += 1
            continue
        cases.append(Case(name, c.get("line", 0), t, fn, os.path.join(d, fn), EXPECT[t],
                          c.get("text")))
    return cases


EXC_RE = re.compile(r"^(\S+):(\d+)\s+(expected-valid|expected-invalid)(?:\s+(.*))?$")


def load_exceptions(path):
    """{(script, line, expect): [reason, file line, used]}"""
    exc = {}
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            s = raw.strip()
            if not s or s.startswith("#"):
                continue
            m = EXC_RE.match(s)
            if not m:
                raise UsageError("%s:%d: bad exception line (want 'NAME:LINE expected-valid|"
                                 "expected-invalid  reason'): %s" % (path, n, s))
            name = m.group(1)
            if name.endswith(".json"):
                name = name[:-5]
            key = (name, int(m.group(2)), m.group(3) == "expected-valid")
            if key in exc:
                raise UsageError("%s:%d: duplicate exception (first at line %d)" %
                                 (path, n, exc[key][1]))
            exc[key] = [(m.group(4) or "").strip(), n, False]
    return exc


# ---------------------------------------------------------------------------------------------
# running the validator


def describe_status(rc):
    if rc is None:
        return "timeout"
    if rc < 0:
        try:
            return "killed by %s" % signal.Signals(-rc).name
        except ValueError:
            return "killed by signal %d" % -rc
    return "exit status %d" % rc


def tail(text, n=1):
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    # a sanitizer's summary line says more than its last line
    for l in reversed(lines):
        if l.startswith("SUMMARY:"):
            return l
    return " | ".join(lines[-n:])


def run_proc(argv, timeout, env):
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout, env=env)
        return p.returncode, p.stdout.decode("utf-8", "replace"), \
            p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode("utf-8", "replace") if e.stdout else ""
        err = e.stderr.decode("utf-8", "replace") if e.stderr else ""
        return None, out, err


def strip_file_prefix(line, path):
    for prefix in ('wasmpack: "%s": ' % path, '"%s": ' % path, "%s: " % path, path + ":"):
        if line.startswith(prefix):
            return line[len(prefix):].strip()
    return line.strip()


def run_single(cmd, case, timeout, env):
    rc, _out, err = run_proc(cmd + [case.path], timeout, env)
    first = next((l for l in err.splitlines() if l.strip()), "")
    if rc == 0:
        case.got, case.reason = True, ""
    elif rc == 1:
        case.got, case.reason = False, strip_file_prefix(first, case.path)
    else:
        case.got = "crash"
        case.reason = describe_status(rc) + (": " + tail(err) if err.strip() else "")


def parse_batch(cases, rc, out):
    """Results of a --json batch, or an error string when the output cannot be trusted."""
    if rc is None:
        return "timeout"
    if rc not in (0, 1):
        return describe_status(rc)
    lines = [l for l in out.splitlines() if l.strip()]
    if len(lines) != len(cases):
        return "%d JSON lines for %d files" % (len(lines), len(cases))
    results = []
    for case, l in zip(cases, lines):
        try:
            o = json.loads(l)
        except ValueError:
            return "not JSON: %r" % l[:200]
        if not isinstance(o, dict) or not isinstance(o.get("valid"), bool):
            return "no boolean \"valid\": %r" % l[:200]
        f = o.get("file")
        if f != case.path and os.path.basename(str(f)) != case.filename:
            return "result for %r where %r was expected" % (f, case.path)
        err = o.get("error", "")
        if not o["valid"] and not (isinstance(err, str) and err):
            return "invalid without an \"error\" string: %r" % l[:200]
        results.append((o["valid"], strip_file_prefix(err, case.path) if not o["valid"] else ""))
    all_valid = all(v for v, _ in results)
    if (rc == 0) != all_valid:
        return "exit status %d but %s" % (rc, "all files valid" if all_valid
                                          else "some files invalid")
    return results


def run_batch(cmd, cases, timeout, env):
    rc, out, err = run_proc(cmd + ["--json"] + [c.path for c in cases], timeout, env)
    res = parse_batch(cases, rc, out)
    if not isinstance(res, str):
        for c, (v, reason) in zip(cases, res):
            c.got, c.reason = v, reason
        return 0
    if len(cases) == 1:
        c = cases[0]
        c.got = "crash"
        c.reason = res + (": " + tail(err) if err.strip() else "")
        return 0
    # find the culprit(s): one file at a time
    for c in cases:
        run_batch(cmd, [c], timeout, env)
    return 1


def reason_matches(case):
    """Does the validator's error contain the spec's expected message? A heuristic: the spec
    texts are prefixes of the reference interpreter's messages ("type mismatch",
    "unexpected end", "integer too large"...)."""
    want = (case.text or "").strip().lower()
    return bool(want) and want in case.reason.lower()


# ---------------------------------------------------------------------------------------------
# report


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Check a WebAssembly validator against the spec tests converted by "
        "convert.sh.")
    ap.add_argument("--spec", required=True, metavar="OUTDIR",
                    help="directory written by convert.sh")
    ap.add_argument("--validator", required=True, metavar="CMD",
                    help="validator command, split like a shell would (e.g. "
                    "'build/wasmpack validate --features all')")
    ap.add_argument("--validator-mode", choices=("batch", "single"), default="batch",
                    help="batch: CMD --json FILE... (default); single: CMD FILE, exit status "
                    "only")
    ap.add_argument("--exceptions", metavar="FILE", help="known deviations (see README.md)")
    ap.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 2,
                    help="validator processes in parallel (default: CPUs)")
    ap.add_argument("--batch-size", type=int, default=500,
                    help="files per validator call in batch mode (default 500)")
    ap.add_argument("--timeout", type=float, default=300,
                    help="seconds per validator call (default 300)")
    ap.add_argument("--only", nargs="+", metavar="NAME", help="only these scripts")
    ap.add_argument("--results", metavar="FILE",
                    help="write every result as JSON lines to FILE")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="also show every assert_invalid/assert_malformed with the spec's "
                    "message next to the validator's error")
    ap.add_argument("-q", "--quiet", action="store_true",
                    help="per-script lines only for scripts with unexpected results")
    args = ap.parse_args(argv)

    try:
        return run(args)
    except UsageError as e:
        print("run.py: %s" % e, file=sys.stderr)
        return 2


def run(args):
    if args.jobs < 1 or args.batch_size < 1:
        raise UsageError("--jobs and --batch-size must be positive")
    spec = os.path.abspath(args.spec)
    if not os.path.isdir(spec):
        raise UsageError("no directory %s (run convert.sh first)" % spec)
    cmd = shlex.split(args.validator)
    if not cmd:
        raise UsageError("empty --validator")
    exe = cmd[0]
    if os.sep in exe:
        if not (os.path.isfile(exe) and os.access(exe, os.X_OK)):
            raise UsageError("validator %s is not an executable file" % exe)
        cmd[0] = os.path.abspath(exe)
    elif not shutil.which(exe):
        raise UsageError("validator %s not found in PATH" % exe)
    exc = load_exceptions(args.exceptions) if args.exceptions else {}

    names = find_scripts(spec, args.only)
    if not names:
        raise UsageError("no converted scripts in %s" % spec)
    skipped = collections.Counter()  # (script, ctype) -> text modules
    other = collections.Counter()  # ctype -> commands that are not module tests
    cases_by_script = collections.OrderedDict()
    for n in names:
        cases_by_script[n] = load_cases(spec, n, skipped, other)
    unconverted = []
    uc = os.path.join(spec, "unconverted.txt")
    if os.path.isfile(uc) and not args.only:
        with open(uc, encoding="utf-8") as f:
            unconverted = [l.split(":", 1)[0] for l in f if l.strip()]

    env = dict(os.environ)
    t0 = time.monotonic()
    # Preflight on one valid module: a validator that cannot run at all (missing subcommand,
    # broken build) is a usage error, not thousands of crashes.
    probe = next((c for cs in cases_by_script.values() for c in cs if c.ctype == "module"), None)
    if probe is not None:
        p = Case(probe.script, probe.line, probe.ctype, probe.filename, probe.path, True, None)
        if args.validator_mode == "single":
            run_single(cmd, p, args.timeout, env)
        else:
            run_batch(cmd, [p], args.timeout, env)
        if p.got == "crash":
            raise UsageError("the validator does not work on a valid module (%s): %s" %
                             (probe.path, p.reason))
    tasks = []
    for n, cases in cases_by_script.items():
        if args.validator_mode == "single":
            tasks += [[c] for c in cases]
        else:
            for i in range(0, len(cases), args.batch_size):
                tasks.append(cases[i:i + args.batch_size])
    retried = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        if args.validator_mode == "single":
            futs = [pool.submit(run_single, cmd, t[0], args.timeout, env) for t in tasks]
        else:
            futs = [pool.submit(run_batch, cmd, t, args.timeout, env) for t in tasks]
        for f in futs:
            retried += f.result() or 0
    elapsed = time.monotonic() - t0

    # apply the exceptions
    for cases in cases_by_script.values():
        for c in cases:
            if c.ok:
                continue
            e = exc.get((c.script, c.line, c.expect))
            if e is not None and c.got != "crash":
                c.excused = e[0] or "(no reason given)"
                e[2] = True

    # per script
    out = sys.stdout
    per_cmd = collections.OrderedDict((t, collections.Counter()) for t in CMD_ORDER)
    tot = collections.Counter()
    for n, cases in cases_by_script.items():
        sc = collections.Counter()
        for c in cases:
            k = per_cmd[c.ctype]
            k["checked"] += 1
            if c.ok:
                k["ok"] += 1
            elif c.got == "crash":
                k["crash"] += 1
            elif c.excused:
                k["excused"] += 1
            else:
                k["unexpected"] += 1
            sc.update({"checked": 1, "ok": int(c.ok), "crash": int(c.got == "crash"),
                       "excused": int(bool(c.excused)),
                       "unexpected": int(not c.ok and c.got != "crash" and not c.excused)})
        text = sum(v for (s, t), v in skipped.items() if s == n)
        bad = sc["unexpected"] + sc["crash"] + sc["excused"]
        if not args.quiet or sc["unexpected"] or sc["crash"]:
            out.write("%-32s %5d checked %5d ok %4d unexpected %4d excused %3d crashed"
                      " %4d text skipped\n" % (n, sc["checked"], sc["ok"], sc["unexpected"],
                                               sc["excused"], sc["crash"], text))
        if bad:
            for c in cases:
                if c.ok:
                    continue
                if c.got == "crash":
                    why = c.reason
                elif c.got is False:
                    why = c.reason or "no reason given"
                else:
                    why = "spec: %s" % (c.text or "?")
                line = "  %s expected %s got %s (%s)" % (c.where(), verdict(c.expect),
                                                       verdict(c.got), why)
                if c.excused:
                    if args.quiet:
                        continue
                    line += " [excused: %s]" % c.excused
                out.write(line + "\n")
        if args.verbose:
            for c in cases:
                if c.ctype in ("assert_invalid", "assert_malformed") and c.ok:
                    same = reason_matches(c)
                    tot["reason_same"] += int(same)
                    tot["reason_checked"] += 1
                    out.write("  %s invalid as expected: spec %r, validator %r%s\n" %
                              (c.where(), c.text or "", c.reason,
                               "" if same else " [different reason?]"))
        tot.update(sc)

    for (s, t), v in skipped.items():
        per_cmd[t]["text"] += v

    # summary table
    out.write("\n%-22s %7s %7s %7s %10s %7s %7s %7s\n" %
              ("command", "total", "checked", "ok", "unexpected", "excused", "crashed", "text"))
    grand = collections.Counter()
    for t, k in per_cmd.items():
        total = k["checked"] + k["text"]
        grand.update(k)
        grand["total"] += total
        out.write("%-22s %7d %7d %7d %10d %7d %7d %7d\n" %
                  (t, total, k["checked"], k["ok"], k["unexpected"], k["excused"], k["crash"],
                   k["text"]))
    out.write("%-22s %7d %7d %7d %10d %7d %7d %7d\n" %
              ("all", grand["total"], grand["checked"], grand["ok"], grand["unexpected"],
               grand["excused"], grand["crash"], grand["text"]))
    if other:
        out.write("not module tests (ignored): %s\n" %
                  ", ".join("%s %d" % kv for kv in sorted(other.items())))
    if retried:
        out.write("note: %d batch(es) misbehaved and were re-run one file at a time\n" % retried)

    # unused exceptions (only for the scripts that ran)
    ran = set(cases_by_script)
    unused = sorted((v[1], k) for k, v in exc.items()
                    if not v[2] and (not args.only or k[0] in ran))
    for fl, (s, l, e) in unused:
        out.write("unused exception %s:%d: %s:%d %s\n" %
                  (args.exceptions, fl, s, l, "expected-valid" if e else "expected-invalid"))

    if args.results:
        with open(args.results, "w", encoding="utf-8") as f:
            for cases in cases_by_script.values():
                for c in cases:
                    f.write(json.dumps({
                        "script": c.script, "line": c.line, "command": c.ctype,
                        "file": c.filename, "expected": verdict(c.expect),
                        "got": verdict(c.got), "ok": c.ok, "excused": c.excused,
                        "reason": c.reason, "spec_text": c.text}) + "\n")

    if args.verbose and tot["reason_checked"]:
        out.write("reasons: %d of %d rejections contain the spec's message (case-insensitive);"
                  " the others are marked [different reason?]\n" %
                  (tot["reason_same"], tot["reason_checked"]))

    failed = grand["unexpected"] + grand["crash"]
    out.write("spec: %s: %d modules checked in %d scripts in %.1fs: %d as expected, "
              "%d unexpected, %d excused, %d crashed; %d text modules skipped%s%s\n" %
              ("FAIL" if failed else "PASS", grand["checked"], len(names), elapsed, grand["ok"],
               grand["unexpected"], grand["excused"], grand["crash"], grand["text"],
               "; %d .wast not converted" % len(unconverted) if unconverted else "",
               "; %d unused exceptions" % len(unused) if unused else ""))
    out.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
