#!/usr/bin/env bash
# End-to-end test of `casemailctl check --json` against the rules corpus.
#
#   tests/e2e-check.sh [PATH/TO/casemailctl]      (default ./casemailctl)
#
# Generates the rules corpus with fixtures/gen_rules.py into
# $CASEMAIL_FIXTURES/rules (or a temporary directory), reusing it when
# rules/.complete holds the generator's digest, runs `check --json` once per
# mail and compares each result with NAME.expect.json (fixtures/compare_check.py):
# exit status, verdict, ignored reason, the exact set of error codes, the
# required warnings, campaign, arrival, cases and SPEC's JSON shape.
# gen.py's files in the same directory (media/, mail/, .complete) are not touched.
# Output is TAP; the exit status is non-zero when any mail fails.
set -u

py=/usr/bin/python3
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-./casemailctl}
if [ ! -x "$bin" ]; then
    echo "Bail out! casemailctl not found or not executable: $bin"
    exit 1
fi
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

work=$(mktemp -d "${TMPDIR:-/tmp}/e2e-check.XXXXXX")
trap 'rm -rf "$work"' EXIT

. "$top/tests/fixtures.sh"
ensure_rules_fixtures

mkdir "$work/actual"
for eml in "$fx"/rules/*.eml; do
    name=$(basename "$eml" .eml)
    timeout 120 "$bin" check --json "$eml" >"$work/actual/$name.json" 2>"$work/actual/$name.stderr"
    echo $? >"$work/actual/$name.rc"
done

"$py" "$top/fixtures/compare_check.py" "$fx/rules" "$work/actual"
