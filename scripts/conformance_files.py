"""File-level helpers of scripts/conformance.sh (run with the conformance venv's python: PyYAML).

    conformance_files.py parse TREE                 every *.json / *.yaml / *.yml parses; Grafana dashboards are sane
    conformance_files.py kustomize-roots TREE       kustomize roots other than kubernetes/overlays/* (one per line)
    conformance_files.py loose-manifests TREE       YAML files holding Kubernetes objects outside any kustomize tree
    conformance_files.py run-blocks TREE OUTDIR     writes each bash `run:` block of .github/workflows/* to OUTDIR

Everything is discovered from the tree; nothing names a spec's files. Exit 0 ok, 1 findings, 2 usage.
"""

import json
import os
import re
import sys

import yaml

SKIP_DIRS = {".terraform", ".git", "node_modules"}
KUSTOMIZATION = ("kustomization.yaml", "kustomization.yml", "Kustomization")


def walk(tree):
    for dp, dn, fn in os.walk(tree):
        dn[:] = sorted(d for d in dn if d not in SKIP_DIRS)
        for f in sorted(fn):
            yield os.path.join(dp, f)


def rel(tree, p):
    return os.path.relpath(p, tree)


# ------------------------------------------------------------------ parse

class _Loader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate mapping keys (YAML 1.2 forbids them; PyYAML keeps the last)."""


def _mapping(loader, node, deep=False):
    seen = set()
    for k, _ in node.value:
        key = loader.construct_object(k, deep=True)
        try:
            hash(key)
        except TypeError:
            continue
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark, f"found duplicate key {key!r}", k.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def _json_no_dupes(pairs):
    d = {}
    for k, v in pairs:
        if k in d:
            raise ValueError(f"duplicate key {k!r}")
        d[k] = v
    return d


def is_dashboard(path, doc):
    return isinstance(doc, dict) and ("panels" in doc or "schemaVersion" in doc) or \
        os.sep + "dashboards" + os.sep in path


def dashboard_problems(doc):
    """Structural sanity of a Grafana dashboard model (what the Grafana sidecar / import loads)."""
    out = []
    if not isinstance(doc, dict):
        return ["a dashboard must be a JSON object"]
    if not isinstance(doc.get("title"), str) or not doc["title"].strip():
        out.append("missing or empty \"title\"")
    uid = doc.get("uid")
    if uid is not None and (not isinstance(uid, str) or not re.fullmatch(r"[A-Za-z0-9._-]{1,40}", uid)):
        out.append(f"\"uid\" {uid!r} is not 1-40 characters of [A-Za-z0-9._-]")
    if "schemaVersion" in doc and not isinstance(doc["schemaVersion"], int):
        out.append("\"schemaVersion\" is not an integer")
    panels = doc.get("panels")
    if not isinstance(panels, list):
        out.append("\"panels\" is missing or not a list")
        return out
    ids = {}

    def visit(ps, where):
        for i, p in enumerate(ps):
            at = f"{where}[{i}]"
            if not isinstance(p, dict):
                out.append(f"{at} is not an object")
                continue
            if not isinstance(p.get("type"), str) or not p["type"]:
                out.append(f"{at} has no \"type\"")
            if "id" in p:
                if not isinstance(p["id"], int):
                    out.append(f"{at}.id is not an integer")
                elif p["id"] in ids:
                    out.append(f"{at}.id {p['id']} duplicates {ids[p['id']]}")
                else:
                    ids[p["id"]] = at
            gp = p.get("gridPos")
            if gp is not None and not (isinstance(gp, dict) and all(isinstance(gp.get(k), int) for k in "hwxy")):
                out.append(f"{at}.gridPos needs integer h, w, x, y")
            for t, tgt in enumerate(p.get("targets") or []):
                if not isinstance(tgt, dict):
                    out.append(f"{at}.targets[{t}] is not an object")
            if isinstance(p.get("panels"), list):  # rows
                visit(p["panels"], at + ".panels")

    visit(panels, "panels")
    tv = (doc.get("templating") or {}).get("list", [])
    if not isinstance(tv, list):
        out.append("\"templating.list\" is not a list")
    return out


def cmd_parse(tree):
    n = bad = dashboards = 0
    for p in walk(tree):
        r = rel(tree, p)
        if p.endswith(".json"):
            n += 1
            try:
                with open(p, encoding="utf-8") as fh:
                    doc = json.load(fh, object_pairs_hook=_json_no_dupes)
            except Exception as e:  # noqa: BLE001 - any parse error is the finding
                print(f"FAIL {r}: invalid JSON: {e}")
                bad += 1
                continue
            if is_dashboard(p, doc):
                dashboards += 1
                probs = dashboard_problems(doc)
                if probs:
                    bad += 1
                    print(f"FAIL {r}: Grafana dashboard: " + "; ".join(probs))
                    continue
                print(f"PASS {r} (Grafana dashboard, {len(doc['panels'])} panel(s))")
            else:
                print(f"PASS {r}")
        elif p.endswith((".yaml", ".yml")):
            n += 1
            try:
                with open(p, encoding="utf-8") as fh:
                    docs = list(yaml.load_all(fh, Loader=_Loader))
            except Exception as e:  # noqa: BLE001
                print(f"FAIL {r}: invalid YAML: {str(e).replace(chr(10), ' ')}")
                bad += 1
                continue
            print(f"PASS {r} ({len(docs)} document(s))")
    print(f"{n} file(s) parsed ({dashboards} Grafana dashboard(s)), {bad} invalid")
    return n, dashboards, bad


# ------------------------------------------------------------------ kustomize discovery

def kustomize_dirs(tree):
    return sorted({os.path.dirname(p) for p in walk(tree) if os.path.basename(p) in KUSTOMIZATION})


def covered_by_main_layout(tree, d):
    """kubernetes/base/** is rendered through the overlays; kubernetes/overlays/* are the main roots."""
    r = rel(tree, d).split(os.sep)
    return r[:2] == ["kubernetes", "base"] or r[:2] == ["kubernetes", "overlays"]


def kind_of(path):
    try:
        with open(path, encoding="utf-8") as fh:
            doc = yaml.safe_load(fh)
        return doc.get("kind") if isinstance(doc, dict) else None
    except Exception:  # noqa: BLE001 - kubectl kustomize reports it
        return None


def cmd_kustomize_roots(tree):
    dirs = [d for d in kustomize_dirs(tree)
            if not covered_by_main_layout(tree, d) and not rel(tree, d).startswith(".github")]
    roots = []
    for d in dirs:
        # a kustomization inside another kustomize tree is (normally) one of its resources
        if any(d != o and d.startswith(o + os.sep) for o in dirs):
            continue
        kf = next(os.path.join(d, k) for k in KUSTOMIZATION if os.path.exists(os.path.join(d, k)))
        if kind_of(kf) == "Component":
            continue
        roots.append(rel(tree, d))
    print("\n".join(roots))


def cmd_loose_manifests(tree):
    kdirs = kustomize_dirs(tree)
    out = []
    for p in walk(tree):
        r = rel(tree, p)
        if not p.endswith((".yaml", ".yml")) or r.startswith(".github" + os.sep):
            continue
        if os.path.basename(p) in KUSTOMIZATION:
            continue
        if any(p.startswith(k + os.sep) for k in kdirs):
            continue  # rendered (and validated) through kustomize
        try:
            with open(p, encoding="utf-8") as fh:
                docs = list(yaml.safe_load_all(fh))
        except Exception:  # noqa: BLE001 - the parse check reports it
            continue
        if any(isinstance(d, dict) and "apiVersion" in d and "kind" in d for d in docs):
            out.append(r)
    print("\n".join(out))


# ------------------------------------------------------------------ workflow run blocks

EXPR = re.compile(r"\$\{\{.*?\}\}", re.S)


class _WfLoader(yaml.SafeLoader):
    pass


# keep `on:` a string key (YAML 1.1 would read it as True)
for ch in "oOyYnN":
    _WfLoader.yaml_implicit_resolvers[ch] = [
        (tag, rx) for tag, rx in _WfLoader.yaml_implicit_resolvers.get(ch, []) if tag != "tag:yaml.org,2002:bool"]


def shell_of(*levels):
    """GitHub's order: step `shell:`, job `defaults.run.shell`, workflow `defaults.run.shell`, bash."""
    for lv in levels:
        d = lv.get("defaults") if isinstance(lv, dict) else None
        r = d.get("run") if isinstance(d, dict) else None
        if isinstance(r, dict) and isinstance(r.get("shell"), str):
            return r["shell"]
    return "bash"


def cmd_run_blocks(tree, outdir):
    wdir = os.path.join(tree, ".github", "workflows")
    os.makedirs(outdir, exist_ok=True)
    n = skipped = 0
    index = []
    if not os.path.isdir(wdir):
        return 0
    for f in sorted(os.listdir(wdir)):
        if not f.endswith((".yml", ".yaml")):
            continue
        try:
            with open(os.path.join(wdir, f), encoding="utf-8") as fh:
                wf = yaml.load(fh, Loader=_WfLoader)
        except Exception:  # noqa: BLE001 - actionlint / the schema report it
            continue
        if not isinstance(wf, dict):
            continue
        for jname, job in (wf.get("jobs") or {}).items():
            if not isinstance(job, dict):
                continue
            for i, step in enumerate(job.get("steps") or []):
                if not isinstance(step, dict) or not isinstance(step.get("run"), str):
                    continue
                shell = step.get("shell") or shell_of(job, wf)
                if not re.match(r"^(bash|sh)\b", shell):
                    skipped += 1
                    continue
                # like actionlint: ${{ }} becomes underscores of the same length (keeps columns), and the
                # runner's own prologue comes first (bash -e {0} runs with -o pipefail), so line N of the
                # block is line N+1 of the file
                body = EXPR.sub(lambda m: "_" * len(m.group(0)), step["run"])
                sh = "bash" if shell.startswith("bash") else "sh"
                body = ("set -eo pipefail\n" if sh == "bash" else "set -e\n") + body
                label = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{f}.{jname}.{i + 1}")
                path = os.path.join(outdir, label + ".sh")
                with open(path, "w", encoding="utf-8") as fh:
                    fh.write(body if body.endswith("\n") else body + "\n")
                name = step.get("name") or step["run"].strip().splitlines()[0][:40]
                index.append(f"{label}.sh\t{sh}\t.github/workflows/{f} job {jname} step {i + 1} ({name})")
                n += 1
    with open(os.path.join(outdir, "INDEX"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(index) + ("\n" if index else ""))
    print(f"{n} run block(s) extracted, {skipped} with a non-POSIX shell skipped")
    return 0


def main(argv):
    if len(argv) >= 2 and argv[0] == "parse":
        _, _, bad = cmd_parse(os.path.abspath(argv[1]))
        return 1 if bad else 0
    if len(argv) == 2 and argv[0] == "kustomize-roots":
        cmd_kustomize_roots(os.path.abspath(argv[1]))
        return 0
    if len(argv) == 2 and argv[0] == "loose-manifests":
        cmd_loose_manifests(os.path.abspath(argv[1]))
        return 0
    if len(argv) == 3 and argv[0] == "run-blocks":
        return cmd_run_blocks(os.path.abspath(argv[1]), argv[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
