#!/usr/bin/env bash
# Meta-test of the conformance suite: proves that every validator scripts/conformance.sh runs really
# rejects what it should. It sources conformance.sh and calls the very same check functions on
# deliberately broken fixtures (tests/conformance/broken/<case>/, each shaped like out/<platform>/);
# a case passes only if the check FAILS and its log shows the expected reason (so a rejection for a
# wrong reason, e.g. a provider that cannot be installed, does not count). Good fixtures
# (tests/conformance/good/) must pass, and `platc build --check` must accept a fresh tree and reject
# an altered one (skipped with a clear message while platc cannot build a spec yet).
#
#   bash scripts/conformance-meta.sh [--no-setup] [--jobs N] [--keep]
#
# Run by scripts/conformance.sh before the spec loop (rows counted in its summary); standalone it
# prints its own summary, last line "N passed, N failed".
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=conformance.sh
source "$(dirname "${BASH_SOURCE[0]}")/conformance.sh"

# expect_reject DESCRIPTION REGEX FUNC ARGS...: FUNC must fail (exit 1) with REGEX in its output.
expect_reject() {
  local desc=$1 pat=$2; shift 2
  local rc=0
  "$@" >"$STEP_DIR/inner.log" 2>&1 || rc=$?
  cat "$STEP_DIR/inner.log"
  local why; why=$(cat "$STEP_DIR/note" 2>/dev/null || true)
  if [ "$rc" = 1 ] && grep -qE -- "$pat" "$STEP_DIR/inner.log"; then
    note "rejected as expected: $desc"
    return 0
  fi
  if [ "$rc" = 1 ]; then
    echo "META: rejected, but the output lacks /$pat/ (wrong reason?)"
    note "NOT rejected for the expected reason: $desc (no /$pat/; $why)"
  else
    echo "META: NOT rejected (exit $rc): $desc"
    note "NOT rejected (exit $rc): $desc"
  fi
  return 1
}

# expect_skip DESCRIPTION FUNC ARGS...: FUNC must report skip (exit 3).
expect_skip() {
  local desc=$1; shift
  local rc=0
  "$@" || rc=$?
  if [ "$rc" = 3 ]; then note "skip as expected: $desc"; return 0; fi
  note "expected skip (3), got exit $rc: $desc"
  return 1
}

# expect_reject_sc: as expect_reject, for a finding only shellcheck can make; a skip (exit 3) when
# no shellcheck on PATH (the suite then checks shell syntax only, and says so).
expect_reject_sc() {
  if ! command -v shellcheck >/dev/null 2>&1; then
    count 0 scripts; note "shellcheck not installed: not exercised ($1)"; return 3
  fi
  expect_reject "$@"
}

# Two checks at once: both layers absent must give skip.
absent_layers_skip() {
  local rc1=0 rc2=0
  check_k8s "$1" || rc1=$?
  check_actionlint "$1" || rc2=$?
  count 2 layers
  if [ "$rc1" = 3 ] && [ "$rc2" = 3 ]; then note "skip as expected: kubernetes/ and .github/workflows absent"; return 0; fi
  note "expected skip (3) twice, got $rc1 and $rc2"
  return 1
}

# meta_platc fresh|stale: builds the smallest spec into a scratch dir with `platc build --out`, then
# `--check` must exit 0 (fresh) or, after one generated file is altered, exit 1 (stale).
meta_platc() {
  local mode=$1 spec rc=0
  # shellcheck disable=SC2012  # ls -S: the smallest spec, names are ours
  spec=$(ls -S "$ROOT"/specs/*.kdl 2>/dev/null | tail -n1 || true)
  count 1 spec
  if [ -z "$spec" ]; then echo "no specs/*.kdl"; note "no specs/*.kdl: platc --check not exercised"; return 3; fi
  spec=${spec#"$ROOT"/}
  if [ ! -x "${PLATC:-}" ]; then
    echo "platc binary not available (${PLATC:-unset}): --check not exercised"
    note "platc binary not available yet: --check not exercised"; return 3
  fi
  local out=$STEP_DIR/out
  echo "\$ platc build $spec --out $out"
  (cd "$ROOT" && "$PLATC" build "$spec" --out "$out") || rc=$?
  local n=0
  [ -d "$out" ] && n=$(find "$out" -type f | wc -l)
  if [ "$rc" != 0 ] || [ "$n" = 0 ]; then
    echo "platc cannot build $spec yet (exit $rc, $n file(s) written): --check not exercised"
    note "platc cannot build $spec yet (exit $rc, $n files): --check not exercised"; return 3
  fi
  if [ "$mode" = stale ]; then
    local victim
    victim=$(find "$out" -type f ! -name '.platc-manifest' | LC_ALL=C sort | head -n1)
    printf '\n# altered by conformance-meta\n' >>"$victim"
    echo "altered ${victim#"$out"/}"
  fi
  rc=0
  echo "\$ platc build $spec --out $out --check"
  (cd "$ROOT" && "$PLATC" build "$spec" --out "$out" --check) >"$STEP_DIR/check.log" 2>&1 || rc=$?
  cat "$STEP_DIR/check.log"
  if [ "$mode" = fresh ]; then
    [ "$rc" = 0 ] && { note "fresh tree of $spec ($n files) accepted"; return 0; }
    note "fresh tree of $spec reported stale (exit $rc)"; return 1
  fi
  if [ "$rc" = 1 ] && grep -q 'would change' "$STEP_DIR/check.log"; then
    note "altered tree of $spec rejected as stale"; return 0
  fi
  note "altered tree of $spec NOT rejected (exit $rc)"; return 1
}

meta_main() {
  local setup=1 quiet=0
  while [ $# -gt 0 ]; do
    case $1 in
      --no-setup) setup=0 ;;
      --quiet) quiet=1 ;;   # no summary (scripts/conformance.sh prints the combined one)
      --jobs) export JOBS=$2; shift ;;   # both read by the functions of conformance.sh
      --keep) export KEEP=1 ;;
      -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
      *) die "unknown argument $1" ;;
    esac
    shift
  done
  conf_init
  T_START=$(now_us)
  cd "$ROOT"
  if [ "$setup" = 1 ]; then conf_setup || { print_summary; exit 1; }; fi
  if [ -z "${PLATC:-}" ]; then
    ensure_platc
  fi
  export PLATC
  local B=$ROOT/tests/conformance/broken G=$ROOT/tests/conformance/good
  local MB="meta(broken)" MG="meta(good)"
  [ "$quiet" = 1 ] || echo "== meta-test (RESULT SPEC VALIDATOR CHECKED SECONDS NOTE)"
  # slow ones first (checkov ~5 s, aws validate ~5 s)
  run_step "$MB" checkov expect_reject "AKS without hardening (terraform)" 'FAILED CKV_AZURE_' check_checkov "$B/checkov-terraform"
  run_step "$MB" checkov expect_reject "Deployment without hardening (kubernetes+kustomize)" 'FAILED CKV_K8S_' check_checkov "$B/checkov-kubernetes"
  run_step "$MB" checkov expect_reject "workflow_dispatch inputs + shell injection (github_actions)" 'FAILED CKV_GHA_(7|2)' check_checkov "$B/checkov-github-actions"
  run_step "$MB" checkov expect_reject "workflow checkov silently skips is noticed" 'did not scan \.github/workflows/deploy\.yml' check_checkov "$B/checkov-unscanned-workflow"
  run_step "$MG" checkov check_checkov "$G/platform"
  run_step "$MB" tf-validate expect_reject "aws: unknown argument cidr_blok (real aws provider)" '"cidr_blok" is not expected|Unsupported argument' check_tf_validate "$B/tf-aws-wrong-arg"
  run_step "$MG" tf-validate check_tf_validate "$G/aws"
  run_step "$MB" tf-validate expect_reject "azurerm: unknown argument locaton (tfstub)" '"locaton" is not expected' check_tf_validate "$B/tf-azurerm-unknown-arg"
  run_step "$MG" tf-validate check_tf_validate "$G/platform"
  run_step "$MB" tf-fmt expect_reject "mis-formatted .tf" 'main\.tf' check_tf_fmt "$B/tf-fmt"
  run_step "$MG" tf-fmt check_tf_fmt "$G/platform"
  run_step "$MB" kustomize+k8s expect_reject "overlay that does not build" 'kubectl kustomize overlays/dev failed' check_k8s "$B/kustomize-build-error"
  run_step "$MB" kustomize+k8s expect_reject "Deployment invalid against strict schema" 'FAIL .*Deployment/api' check_k8s "$B/k8s-schema-invalid"
  run_step "$MG" kustomize+k8s check_k8s "$G/platform"
  run_step "$MB" actionlint expect_reject "needs of a missing job, unknown input" 'needs job "plann"' check_actionlint "$B/actionlint"
  run_step "$MG" actionlint check_actionlint "$G/platform"
  run_step "$MB" wf-schema expect_reject "environment.approval not in the schema" "'approval' was unexpected" check_wf_schema "$B/wf-schema"
  run_step "$MG" wf-schema check_wf_schema "$G/platform"
  run_step "$MB" kustomize+k8s expect_reject "plain manifest outside kustomize (argocd/) invalid" 'FAIL .*Application/app-dev' check_k8s "$B/k8s-plain-manifest"
  run_step "$MB" kustomize+k8s expect_reject "kustomize root outside kubernetes/overlays that does not build" 'kubectl kustomize argocd failed' check_k8s "$B/kustomize-extra-root"
  run_step "$MB" shell expect_reject "generated script that is not valid bash" 'scripts/appctl: syntax error' check_shell "$B/shell-syntax"
  run_step "$MB" shell expect_reject_sc "generated script with shellcheck findings" 'SC2164' check_shell "$B/shellcheck-script"
  run_step "$MB" shell expect_reject "workflow run: block that is not valid bash" 'job apply step 1 \(Apply\): syntax error' check_shell "$B/workflow-run-syntax"
  run_step "$MB" shell expect_reject_sc "workflow run: block with shellcheck findings" 'SC2086' check_shell "$B/workflow-run-shellcheck"
  run_step "$MG" shell check_shell "$G/platform"
  run_step "$MB" parse expect_reject "JSON with a trailing comma" 'dashboards/overview\.json: invalid JSON' check_parse "$B/parse-json"
  run_step "$MB" parse expect_reject "YAML with a duplicate key" 'values\.yaml: invalid YAML.*duplicate key' check_parse "$B/parse-yaml"
  run_step "$MB" parse expect_reject "Grafana dashboard: no title, bad uid, panel without type, duplicate id" 'Grafana dashboard: .*has no "type"' check_parse "$B/grafana-dashboard"
  run_step "$MG" parse check_parse "$G/platform"
  # a present layer with nothing in it fails; an absent one is a skip
  run_step "$MB" tf-fmt expect_reject "terraform/ without .tf files" 'no \.tf files' check_tf_fmt "$B/empty-layers"
  run_step "$MB" tf-validate expect_reject "terraform/environments/ without roots" 'no root under' check_tf_validate "$B/empty-layers"
  run_step "$MB" kustomize+k8s expect_reject "kubernetes/overlays/ without overlays" 'no overlay under' check_k8s "$B/empty-layers"
  run_step "$MB" actionlint expect_reject ".github/workflows/ without workflows" 'no \*\.yml workflow' check_actionlint "$B/empty-layers"
  run_step "$MB" wf-schema expect_reject ".github/workflows/ without workflows" 'no \*\.yml workflow' check_wf_schema "$B/empty-layers"
  run_step "$MB" checkov expect_reject "tree with nothing to scan" 'checkov scanned nothing' check_checkov "$B/empty-layers"
  run_step "$MG" absent-layer absent_layers_skip "$B/tf-fmt"
  run_step "$MB" platc-check meta_platc stale
  run_step "$MG" platc-check meta_platc fresh
  wait_steps
  if [ "$quiet" = 1 ]; then
    local p f
    p=$(awk -F'\t' -v pre="$ID_PREFIX" 'index($1, pre) == 1 && $4 == "pass"' "$ROWS" | wc -l)
    f=$(awk -F'\t' -v pre="$ID_PREFIX" 'index($1, pre) == 1 && $4 == "fail"' "$ROWS" | wc -l)
    echo "   meta-test: $p passed, $f failed (counted in the summary)"
    [ "$f" = 0 ]
  else
    print_summary
    [ "$SUMMARY_FAILED" = 0 ]
  fi
}

meta_main "$@"
