#!/usr/bin/env bash
# End-to-end test of `casemailctl inspect --json` against generated fixtures.
#
#   tests/e2e-inspect.sh [PATH/TO/casemailctl]      (default ./casemailctl)
#
# Generates the fixture mails with fixtures/gen.py into a temporary directory,
# or reuses $CASEMAIL_FIXTURES when it already holds fixtures from the same
# generator (it is (re)generated there otherwise), runs the inspector once per
# mail and compares each result with NAME.expected.json (fixtures/compare.py).
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

work=$(mktemp -d "${TMPDIR:-/tmp}/e2e-inspect.XXXXXX")
trap 'rm -rf "$work"' EXIT

. "$top/tests/fixtures.sh"
ensure_fixtures

mkdir "$work/actual"
for eml in "$fx"/mail/*.eml; do
    name=$(basename "$eml" .eml)
    timeout 120 "$bin" inspect --json "$eml" >"$work/actual/$name.json" 2>"$work/actual/$name.stderr"
    echo $? >"$work/actual/$name.rc"
done

"$py" "$top/fixtures/compare.py" "$fx/mail" "$work/actual"
