#!/bin/sh
# humops plan for a pull request: a generic CI step (GitHub Actions, GitLab CI, Jenkins, a
# pre-push hook...). It plans the change from the target branch to the pull request's head,
# prints the markdown (ready to paste or post as a PR comment), writes it to a file, and fails
# the job when the tree is invalid or a mass deletion lacks its trailer (exit 1 of humops plan).
# Changes (exit 2) and no changes (exit 0) both pass: a reviewer reads the plan.
#
# Settings (environment):
#   HUMOPS        the humops command             (default: humops)
#   PLAN_BASE     the revision merged into       (default: origin/main)
#   PLAN_HEAD     the revision under review      (default: HEAD)
#   PLAN_PATH     manifests path in the repo     (default: the repository root)
#   PLAN_OUT      where the markdown is written  (default: humops-plan.md)
#   GITHUB_STEP_SUMMARY  when set (GitHub Actions), the plan is appended to the job summary.
#
# The base must be fetched: e.g. `git fetch origin main` (with a shallow clone, fetch enough
# history for both revisions). See docs/reviewing.md.
set -u

HUMOPS=${HUMOPS:-humops}
PLAN_BASE=${PLAN_BASE:-origin/main}
PLAN_HEAD=${PLAN_HEAD:-HEAD}
PLAN_PATH=${PLAN_PATH:-}
PLAN_OUT=${PLAN_OUT:-humops-plan.md}

set -- plan --base "$PLAN_BASE" --head "$PLAN_HEAD" --format markdown
if [ -n "$PLAN_PATH" ]; then set -- "$@" --path "$PLAN_PATH"; fi

# $HUMOPS is split on spaces on purpose, so "npx humops" or "node dist/cmd/humops.js" work.
# shellcheck disable=SC2086
$HUMOPS "$@" >"$PLAN_OUT"
code=$?

cat "$PLAN_OUT"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then cat "$PLAN_OUT" >>"$GITHUB_STEP_SUMMARY"; fi

case $code in
  0) echo "humops plan: no changes" >&2 ;;
  2) echo "humops plan: changes planned; review $PLAN_OUT" >&2 ;;
  *)
    echo "humops plan: invalid manifests, a held mass deletion, or an error (exit $code)" >&2
    exit 1
    ;;
esac
exit 0
