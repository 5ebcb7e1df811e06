#!/usr/bin/python3
"""Round trip of the optimizer over the spec tests.

For every converted script (convert.sh's output): each binary `module` is optimized with
`wasmpack optimize -Oz`, the output is validated by wabt (`wasm-validate --enable-all`, where
wabt accepts the original too; wasmpack already validates what it writes), and the script's
assert_return / assert_trap commands are replayed under Node (returns.mjs) twice, with the
original modules and with every module replaced by its optimized form: every assertion that
passes with the originals must pass with the optimized modules (assertions this Node cannot run,
e.g. on multi-memory modules with Node 20, are skipped both times).

  optimize_check.py --spec DIR --wasmpack PATH [--jobs N] [--only NAME...] [-q]

Exit status: 0 all good, 1 something failed (each failure is printed), 2 usage error.
"""

import argparse
import concurrent.futures
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def modules(script_dir, name):
    with open(os.path.join(script_dir, name + ".json"), encoding="utf-8") as f:
        commands = json.load(f)["commands"]
    return [c for c in commands
            if c["type"] == "module" and c.get("module_type", "binary") == "binary"]


def replay(d, name, subs):
    """Outcome (pass/FAIL/skip) of every assertion, keyed by "NAME.json:LINE"."""
    r = subprocess.run(["node", "--no-warnings", os.path.join(HERE, "returns.mjs"),
                        os.path.join(d, name + ".json")] + subs,
                       capture_output=True, text=True)
    outcomes = {}
    for line in r.stdout.splitlines():
        parts = line.split(" ", 2)
        if len(parts) >= 2 and parts[0] in ("pass", "FAIL", "skip"):
            outcomes[parts[1]] = parts[0].lower() if parts[0] != "FAIL" else "FAIL"
    return outcomes


def check_script(spec, name, wasmpack, out_root):
    """Returns (problems, assertions passed, modules optimized, bytes in, bytes out)."""
    d = os.path.join(spec, name)
    out_dir = os.path.join(out_root, name)
    os.makedirs(out_dir, exist_ok=True)
    problems, subs = [], []
    size_in = size_out = 0
    mods = modules(d, name)
    for i, c in enumerate(mods):
        src = os.path.join(d, c["filename"])
        dst = os.path.join(out_dir, c["filename"])
        p = subprocess.run([wasmpack, "-q", "optimize", "-Oz", src, "-o", dst],
                           capture_output=True, text=True)
        if p.returncode != 0:
            problems.append(f"{name}.json:{c['line']} optimize failed: {p.stderr.strip()}")
            continue
        size_in += os.path.getsize(src)
        size_out += os.path.getsize(dst)
        if subprocess.run(["wasm-validate", "--enable-all", src],
                          capture_output=True).returncode == 0:
            v = subprocess.run(["wasm-validate", "--enable-all", dst], capture_output=True,
                               text=True)
            if v.returncode != 0:
                problems.append(f"{name}.json:{c['line']} wabt rejects the optimized module: "
                                f"{v.stderr.strip().splitlines()[0]}")
        subs += ["--substitute", f"{i}={dst}"]
    passed = 0
    if mods:
        before = replay(d, name, [])
        after = replay(d, name, subs)
        for key, outcome in before.items():
            if outcome == "pass":
                if after.get(key) == "pass":
                    passed += 1
                else:
                    problems.append(f"optimized: {key} passes with the original module but "
                                    f"{after.get(key, 'is missing')} with the optimized one")
    return problems, passed, len(mods), size_in, size_out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spec", required=True)
    ap.add_argument("--wasmpack", required=True)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--only", nargs="+")
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args()
    names = sorted(n for n in os.listdir(args.spec)
                   if os.path.isfile(os.path.join(args.spec, n, n + ".json")))
    if args.only:
        names = [n for n in names if n in args.only]
    out_root = os.path.join(args.spec, "_optimized")
    problems, passed, n_mods, size_in, size_out = [], 0, 0, 0, 0
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for p, a, m, si, so in pool.map(
                lambda n: check_script(args.spec, n, args.wasmpack, out_root), names):
            problems += p
            passed += a
            n_mods += m
            size_in += si
            size_out += so
    for p in problems:
        print(p)
    status = "PASS" if not problems else "FAIL"
    print(f"optimize_check: {status} ({n_mods} modules optimized at -Oz in {len(names)} scripts, "
          f"{size_in} -> {size_out} bytes; {passed} assertions passed on the optimized modules; "
          f"{len(problems)} problems)")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
