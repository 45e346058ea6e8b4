#!/usr/bin/env bash
# Golden tests of the Chinese report: `casemailctl check FILE.eml` (no --json)
# for a few representative fixture mails must print exactly tests/golden/NAME.txt.
# After an intended change of wording, regenerate with UPDATE_GOLDEN=1 and
# review the diff before committing. TAP output.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-./casemailctl}
work=$(mktemp -d "${TMPDIR:-/tmp}/e2e-report.XXXXXX")
trap 'rm -rf "$work"' EXIT
. "$top/tests/fixtures.sh"
ensure_fixtures

n=0
fails=0
for golden in "$top"/tests/golden/*.txt; do
	name=$(basename "$golden" .txt)
	n=$((n + 1))
	"$bin" check "$fx/mail/$name.eml" >"$work/$name.txt" 2>"$work/$name.err"
	rc=$?
	if [ -n "${UPDATE_GOLDEN:-}" ]; then
		cp "$work/$name.txt" "$golden"
	fi
	if [ "$rc" -le 2 ] && diff -u "$golden" "$work/$name.txt" >"$work/$name.diff"; then
		echo "ok $n - report $name"
	else
		echo "not ok $n - report $name (exit $rc)"
		sed 's/^/# /' "$work/$name.diff" | head -40
		sed 's/^/# /' "$work/$name.err" | head -5
		fails=$((fails + 1))
	fi
done
echo "1..$n"
[ "$fails" -eq 0 ]
