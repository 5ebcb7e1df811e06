#!/usr/bin/env python3
"""Checks and runs a composite GitHub Action (action.yml) the way the Actions runner does,
on this machine, for tests/integration/test_action.sh.

  run-action.py check ACTION_DIR
      The action's metadata is complete: name, description, composite runs, a description
      for every input and output; every input is used by a step and every `inputs.X` a step
      uses is declared; every output's value is a step's output, and that step writes it.

  run-action.py check-uses ACTION_DIR FILE...
      Every step in FILE (a workflow, or a Markdown page's ```yaml blocks) that uses
      wasmpack/wasmpack@REF gives only inputs the action declares, and every output it reads
      (steps.ID.outputs.NAME) is one the action sets.

  run-action.py run ACTION_DIR INPUTS.json OUTPUTS.json
      Runs the steps in order with the environment the runner gives (GITHUB_ACTION_PATH, a
      fresh GITHUB_OUTPUT file per step, the step's env with ${{ }} expressions expanded),
      `bash --noprofile --norc -eo pipefail` for `run` steps, `if:` conditions, and writes the
      action's outputs as JSON. A `uses:` step (actions/cache) is not run here: it is reported
      and its outputs are empty, i.e. a cache miss, so the real build step runs. The rest of
      the environment (GITHUB_REPOSITORY, GITHUB_STEP_SUMMARY, RUNNER_TEMP, ...) is the
      caller's. Exits with the first failing step's status.
"""
import json
import os
import re
import subprocess
import sys

import yaml

EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def load(action_dir):
    with open(os.path.join(action_dir, "action.yml")) as f:
        return yaml.safe_load(f)


def step_text(step):
    return " ".join(str(v) for v in [step.get("run", ""), step.get("if", ""),
                                     json.dumps(step.get("env", {})),
                                     json.dumps(step.get("with", {}))])


def check(action_dir):
    a = load(action_dir)
    problems = []
    for key in ("name", "description", "inputs", "outputs", "runs"):
        if key not in a:
            problems.append(f"no {key}")
    if a.get("runs", {}).get("using") != "composite":
        problems.append("runs.using is not composite")
    steps = a.get("runs", {}).get("steps", [])
    used = set()
    for s in steps:
        used |= set(re.findall(r"inputs\.([A-Za-z0-9_-]+)", step_text(s)))
        if "run" in s and "shell" not in s:
            problems.append(f"step {s.get('name')}: run without shell")
    for name, spec in a.get("inputs", {}).items():
        if not (spec or {}).get("description"):
            problems.append(f"input {name}: no description")
        if name not in used:
            problems.append(f"input {name}: no step uses it")
    for name in used - set(a.get("inputs", {})):
        problems.append(f"inputs.{name} is used but not declared")
    ids = {s["id"]: s for s in steps if "id" in s}
    for name, spec in a.get("outputs", {}).items():
        spec = spec or {}
        if not spec.get("description"):
            problems.append(f"output {name}: no description")
        m = re.fullmatch(r"\$\{\{\s*steps\.([\w-]+)\.outputs\.([\w-]+)\s*\}\}", spec.get("value", ""))
        if not m:
            problems.append(f"output {name}: value is not a step's output")
            continue
        step = ids.get(m.group(1))
        if step is None:
            problems.append(f"output {name}: no step with id {m.group(1)}")
            continue
        # the step's script must write NAME= to GITHUB_OUTPUT
        script = step.get("run", "")
        for path in re.findall(r'"\$GITHUB_ACTION_PATH/([^"]+)"', script):
            with open(os.path.join(action_dir, path)) as f:
                script += f.read()
        if not re.search(r'echo "' + re.escape(m.group(2)) + "=", script):
            problems.append(f"output {name}: step {m.group(1)} never writes {m.group(2)}=")
    for p in problems:
        print(f"action.yml: {p}", file=sys.stderr)
    print(f"action.yml: {len(a.get('inputs', {}))} inputs, {len(a.get('outputs', {}))} outputs, "
          f"{len(steps)} steps: {'ok' if not problems else 'PROBLEMS'}",
          file=sys.stderr if problems else sys.stdout)
    return 1 if problems else 0


def yaml_documents(path):
    text = open(path).read()
    if path.endswith(".md"):
        return [yaml.safe_load(b) for b in re.findall(r"```ya?ml\n(.*?)```", text, re.S)]
    return [yaml.safe_load(text)]


def walk_steps(node):
    if isinstance(node, dict):
        if "uses" in node or "run" in node:
            yield node
        for v in node.values():
            yield from walk_steps(v)
    elif isinstance(node, list):
        for v in node:
            yield from walk_steps(v)


def check_uses(action_dir, files):
    a = load(action_dir)
    problems, uses = [], 0
    for path in files:
        for doc in yaml_documents(path):
            steps = list(walk_steps(doc))
            ids = set()
            for s in steps:
                if str(s.get("uses", "")).startswith("wasmpack/wasmpack@"):
                    uses += 1
                    ids.add(s.get("id"))
                    for k in (s.get("with") or {}):
                        if k not in a["inputs"]:
                            problems.append(f"{path}: input {k} is not one the action has")
            text = json.dumps(doc)
            for sid, out in re.findall(r"steps\.([\w-]+)\.outputs\.([\w-]+)", text):
                if sid in ids and out not in a["outputs"]:
                    problems.append(f"{path}: output {out} is not one the action sets")
    for p in problems:
        print(p, file=sys.stderr)
    print(f"{len(files)} files, {uses} uses of the action: {'ok' if not problems else 'PROBLEMS'}",
          file=sys.stderr if problems else sys.stdout)
    return 1 if problems else 0


def read_outputs(path):
    """GITHUB_OUTPUT: NAME=VALUE lines and NAME<<DELIM ... DELIM blocks."""
    out = {}
    with open(path) as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delim = line.split("<<", 1)
            j = lines.index(delim, i + 1)
            out[name] = "\n".join(lines[i + 1:j])
            i = j + 1
            continue
        if "=" in line:
            name, value = line.split("=", 1)
            out[name] = value
        i += 1
    return out


def run(action_dir, inputs_path, outputs_path):
    a = load(action_dir)
    with open(inputs_path) as f:
        given = json.load(f)
    inputs = {k: str(given.get(k, (v or {}).get("default", ""))) for k, v in a["inputs"].items()}
    steps_out = {}
    action_path = os.path.abspath(action_dir)
    temp = os.environ.get("RUNNER_TEMP", "/tmp")

    def value(expr):
        m = re.fullmatch(r"inputs\.([\w-]+)", expr)
        if m:
            return inputs[m.group(1)]
        m = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expr)
        if m:
            return steps_out.get(m.group(1), {}).get(m.group(2), "")
        if expr == "github.action_path":
            return action_path
        raise SystemExit(f"run-action: unsupported expression {expr!r}")

    def expand(text):
        return EXPR.sub(lambda m: value(m.group(1)), str(text))

    def condition(expr):
        expr = EXPR.sub(lambda m: m.group(1), expr).strip()
        m = re.fullmatch(r"(\S+)\s*(==|!=)\s*'([^']*)'", expr)
        if not m:
            raise SystemExit(f"run-action: unsupported condition {expr!r}")
        equal = value(m.group(1)) == m.group(3)
        return equal if m.group(2) == "==" else not equal

    for n, step in enumerate(a["runs"]["steps"]):
        name = step.get("name", f"step {n}")
        if "if" in step and not condition(step["if"]):
            print(f"run-action: skipped: {name}", file=sys.stderr)
            continue
        if "uses" in step:
            print(f"run-action: not run here: {name} ({step['uses']}): a cache miss",
                  file=sys.stderr)
            steps_out[step.get("id", f"_{n}")] = {}
            continue
        out_file = os.path.join(temp, f"run-action-output-{n}")
        open(out_file, "w").close()
        env = dict(os.environ)
        env.update({k: expand(v) for k, v in step.get("env", {}).items()})
        env.update(GITHUB_ACTION_PATH=action_path, GITHUB_OUTPUT=out_file)
        print(f"run-action: {name}", file=sys.stderr)
        status = subprocess.call(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                                  expand(step["run"])], env=env)
        steps_out[step.get("id", f"_{n}")] = read_outputs(out_file)
        os.unlink(out_file)
        if status != 0:
            print(f"run-action: {name} failed with status {status}", file=sys.stderr)
            return status
    outputs = {k: expand(v["value"]) for k, v in a["outputs"].items()}
    with open(outputs_path, "w") as f:
        json.dump(outputs, f, indent=2)
    return 0


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "check":
        return check(sys.argv[2])
    if len(sys.argv) >= 4 and sys.argv[1] == "check-uses":
        return check_uses(sys.argv[2], sys.argv[3:])
    if len(sys.argv) == 5 and sys.argv[1] == "run":
        return run(*sys.argv[2:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
