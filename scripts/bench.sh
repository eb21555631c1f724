#!/usr/bin/env bash
# Whole-process benchmark of `platc build` on synthetic platforms of N services
# (`platc gen-spec N`), with two references measured in the same run on the
# same machine: the I/O floor of the very tree platc wrote (`cp -r` into a
# fresh directory, `cat` of every file) and `kubectl kustomize` over its
# overlays. Prints a markdown table (also kept in target/bench/results.md);
# `--update-doc` replaces the results block of docs/performance.md.
#
#   bash scripts/bench.sh [--update-doc]
#   SIZES="10 100" KUSTOMIZE_SIZES="10" RUNS=3 bash scripts/bench.sh
#   PLATC_BIN=/path/to/platc bash scripts/bench.sh    # measure another build
#   DOC_BLOCK=name bash scripts/bench.sh --update-doc  # fill <!-- name:begin/end --> instead
#
# Every figure is the median of RUNS runs (kustomize: KUSTOMIZE_RUNS). The
# release build goes to $CARGO_TARGET_DIR (default target/).
set -euo pipefail
export LC_ALL=C

cd "$(dirname "$0")/.."
SIZES=${SIZES:-"10 100 1000 5000"}
KUSTOMIZE_SIZES=${KUSTOMIZE_SIZES:-"10 100 300"}
RUNS=${RUNS:-5}
KUSTOMIZE_RUNS=${KUSTOMIZE_RUNS:-1}
UPDATE_DOC=0
[[ "${1:-}" == "--update-doc" ]] && UPDATE_DOC=1

if [[ ! -x /usr/bin/time ]]; then
    echo "bench.sh: /usr/bin/time is missing (apt-get install time)" >&2
    exit 2
fi
HAVE_KUBECTL=0
command -v kubectl >/dev/null && HAVE_KUBECTL=1

if [[ -n "${PLATC_BIN:-}" ]]; then
    BIN=$PLATC_BIN
else
    cargo build --release --quiet --bin platc
    TARGET_DIR=${CARGO_TARGET_DIR:-target}
    [[ $TARGET_DIR == /* ]] || TARGET_DIR=$PWD/$TARGET_DIR
    BIN=$TARGET_DIR/release/platc
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/platc-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export PLATC_CACHE_DIR=$WORK/cache   # build fingerprints of this run only
RAW=$WORK/raw.tsv
: >"$RAW"

# Microseconds since the epoch.
now_us() { local t=$EPOCHREALTIME; echo "${t/./}"; }

# measure N METRIC CMD…: runs CMD under /usr/bin/time, records wall (µs) and peak RSS (KiB).
measure() {
    local n=$1 metric=$2
    shift 2
    local start end
    start=$(now_us)
    /usr/bin/time -v -o "$WORK/time.txt" "$@" >/dev/null 2>"$WORK/stderr.txt" || {
        echo "bench.sh: failed: $*" >&2
        cat "$WORK/stderr.txt" >&2
        exit 1
    }
    end=$(now_us)
    printf '%s\t%s\t%s\n' "$n" "$metric" "$((end - start))" >>"$RAW"
    printf '%s\t%s_rss\t%s\n' "$n" "$metric" \
        "$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.txt")" >>"$RAW"
    # CPU time (user + system), in µs: less disturbed than wall time by other load.
    printf '%s\t%s_cpu\t%s\n' "$n" "$metric" \
        "$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%d", s * 1e6}' "$WORK/time.txt")" >>"$RAW"
}

record() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$RAW"; }

ALL_SIZES=$(printf '%s\n' $SIZES $KUSTOMIZE_SIZES | sort -n -u)
for n in $ALL_SIZES; do
    echo "N=$n" >&2
    spec=$WORK/bench-$n.kdl
    out=$WORK/out-$n
    "$BIN" gen-spec "$n" --out "$spec"
    "$BIN" check "$spec" 2>/dev/null || { "$BIN" check "$spec"; exit 1; }

    for _ in $(seq "$RUNS"); do
        # In-process stages (decode, model, emitters, file set): everything before the first write.
        "$BIN" time-stages "$spec" | python3 -c '
import json, sys
n = sys.argv[1]
for k, v in json.load(sys.stdin).items():
    if k not in ("files", "bytes"):
        print(f"{n}\tstage_{k}\t{round(v * 1e6)}")' "$n" >>"$RAW"
    done

    if [[ " $SIZES " == *" $n "* ]]; then
        for _ in $(seq "$RUNS"); do
            rm -rf "$out"
            measure "$n" fresh "$BIN" build "$spec" --out "$out"
        done
        record "$n" files "$(find "$out" -type f | wc -l)"
        record "$n" bytes "$(find "$out" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')"

        # Unchanged rebuilds: with the build fingerprint (the default; the first
        # rebuild records it), and with PLATC_NO_CACHE=1, the whole compile and
        # emit plus a comparison of every file.
        "$BIN" build "$spec" --out "$out" 2>/dev/null
        for _ in $(seq "$RUNS"); do
            touch "$WORK/marker"
            measure "$n" unchanged "$BIN" build "$spec" --out "$out"
            record "$n" rewritten "$(find "$out" -newer "$WORK/marker" | wc -l)"
        done
        for _ in $(seq "$RUNS"); do
            touch "$WORK/marker"
            PLATC_NO_CACHE=1 measure "$n" verify "$BIN" build "$spec" --out "$out"
            record "$n" rewritten "$(find "$out" -newer "$WORK/marker" | wc -l)"
        done

        for _ in $(seq "$RUNS"); do
            rm -rf "$WORK/copy"
            measure "$n" cp cp -r "$out" "$WORK/copy"
        done
        rm -rf "$WORK/copy"
        find "$out" -type f -print0 >"$WORK/files0"
        for _ in $(seq "$RUNS"); do
            measure "$n" cat xargs -0 -a "$WORK/files0" cat
        done
    else
        "$BIN" build "$spec" --out "$out" 2>/dev/null
    fi

    if [[ $HAVE_KUBECTL == 1 && " $KUSTOMIZE_SIZES " == *" $n "* ]]; then
        overlays=$(find "$out/kubernetes/overlays" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | sort)
        if [[ -n "$overlays" ]]; then
            for _ in $(seq "$KUSTOMIZE_RUNS"); do
                start=$(now_us)
                for o in $overlays; do
                    kubectl kustomize "$o" >/dev/null
                done
                end=$(now_us)
                record "$n" kustomize "$((end - start))"
            done
        fi
    fi
    rm -rf "$out"
done

mkdir -p target/bench
python3 - "$RAW" "$SIZES" "$KUSTOMIZE_SIZES" "$RUNS" "$WORK" >target/bench/results.md <<'PY'
import math, platform, statistics, subprocess, sys
from collections import defaultdict

raw, sizes, ksizes, runs = sys.argv[1], sys.argv[2].split(), sys.argv[3].split(), sys.argv[4]
vals = defaultdict(list)
for line in open(raw):
    n, metric, v = line.split("\t")
    if v.strip():
        vals[(int(n), metric)].append(float(v))

def med(n, metric):
    xs = vals.get((n, metric))
    return statistics.median(xs) if xs else None

def secs(us):
    return "–" if us is None else (f"{us / 1e6:.3f} s" if us >= 1e5 else f"{us / 1e3:.1f} ms")

def ratio(a, b):
    return "–" if a is None or not b else f"{a / b:.2f}×"

def mib(kib):
    return "–" if kib is None else f"{kib / 1024:.0f} MiB"

def size(b):
    return "–" if b is None else f"{b / 1e6:.1f} MB" if b >= 1e6 else f"{b / 1e3:.0f} kB"

ns = sorted({int(n) for n in sizes})
print("| N | files | bytes | before first write | fresh build (wall) | fresh build (CPU) | peak RSS | `cp -r` (floor) | fresh ÷ floor | `cat` all | fresh ÷ `kubectl kustomize` | unchanged rebuild | unchanged ÷ fresh | unchanged, no fingerprint | ÷ fresh | files rewritten |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for n in ns:
    fresh, cp, unch, ver = med(n, "fresh"), med(n, "cp"), med(n, "unchanged"), med(n, "verify")
    files, byts = med(n, "files"), med(n, "bytes")
    rew = vals.get((n, "rewritten"), [])
    print(f"| {n} | {files and int(files) or '–'} | {size(byts)} | {secs(med(n, 'stage_total'))} | {secs(fresh)} | "
          f"{secs(med(n, 'fresh_cpu'))} | {mib(med(n, 'fresh_rss'))} | {secs(cp)} | {ratio(fresh, cp)} | {secs(med(n, 'cat'))} | "
          f"{ratio(fresh, med(n, 'kustomize'))} | {secs(unch)} | {ratio(unch, fresh)} | {secs(ver)} | {ratio(ver, fresh)} | "
          f"{int(max(rew)) if rew else '–'} |")
print()

kn = [int(n) for n in ksizes if med(int(n), "kustomize") is not None]
if kn:
    print("| N | `kubectl kustomize`, all overlays | platc fresh build (all artifacts) | platc ÷ kustomize |")
    print("|---:|---:|---:|---:|")
    for n in sorted(kn):
        k = med(n, "kustomize")
        fresh = med(n, "fresh")
        if fresh is None:
            # kustomize-only sizes: compare with the in-process stages + nothing written.
            print(f"| {n} | {secs(k)} | – (stages {secs(med(n, 'stage_total'))}) | {ratio(med(n, 'stage_total'), k)} (stages) |")
        else:
            print(f"| {n} | {secs(k)} | {secs(fresh)} | {ratio(fresh, k)} |")
    print()

ORDER = ["compile", "docs", "terraform", "kubernetes", "github", "operations", "emit-all", "file-set"]
stages = sorted({m[len("stage_"):] for (_, m) in vals if m.startswith("stage_") and m != "stage_total"},
                key=lambda s: ORDER.index(s) if s in ORDER else 99)
sn = sorted({n for (n, m) in vals if m == "stage_total"})
print("In-process stages (`platc time-stages`): each emitter alone, then `emit-all` as a build runs them "
      "(two threads); total = compile + emit-all + file-set, everything before the first write.")
print()
print("| N | " + " | ".join(stages) + " | total |")
print("|---:|" + "---:|" * (len(stages) + 1))
for n in sn:
    print(f"| {n} | " + " | ".join(secs(med(n, "stage_" + s)) for s in stages) + f" | {secs(med(n, 'stage_total'))} |")
print()

if med(1000, "fresh") and med(5000, "fresh"):
    for label, m in [("fresh build", "fresh"), ("before first write", "stage_total"), ("unchanged rebuild", "unchanged"), ("unchanged rebuild without fingerprint", "verify")]:
        a, b = med(1000, m), med(5000, m)
        if a and b:
            print(f"- Scaling 1000 → 5000, {label}: ×{b / a:.2f} (exponent {math.log(b / a) / math.log(5):.2f}).")
    print()

cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
mem = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.splitlines()[1].split()[1]
kernel = platform.release()
src, fstype = subprocess.run(["df", "--output=source,fstype", sys.argv[5]], capture_output=True, text=True).stdout.split()[-2:]
load = open("/proc/loadavg").read().split()[:3]
print(f"Machine: {cpu}, {nproc} cores (`nproc`), {mem} RAM (`free -h`), Linux {kernel}; output written to "
      f"{fstype} on {src}. Load average at the end of the run: {' '.join(load)}. "
      f"Medians of {runs} runs; page cache warm; `bash scripts/bench.sh`.")
PY
cat target/bench/results.md

if [[ $UPDATE_DOC == 1 ]]; then
    python3 - docs/performance.md target/bench/results.md "${DOC_BLOCK:-bench}" <<'PY'
import sys
doc, res, block = sys.argv[1], open(sys.argv[2]).read(), sys.argv[3]
text = open(doc).read()
begin, end = f"<!-- {block}:begin -->", f"<!-- {block}:end -->"
i, j = text.index(begin) + len(begin), text.index(end)
open(doc, "w").write(text[:i] + "\n" + res + text[j:])
PY
    echo "updated docs/performance.md" >&2
fi
