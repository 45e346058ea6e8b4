#!/usr/bin/env bash
# End-to-end test of `casemailctl check -j N` (several mails at a time).
#
#   tests/e2e-jobs.sh [PATH/TO/casemailctl]      (default ./casemailctl)
#
# On the rules corpus (fixtures/gen_rules.py, shared with e2e-check) plus an
# unreadable path in the middle: one call with -j 2 and one with -j 3 must
# print exactly what one call per mail prints, in the order given (stdout
# and stderr), and end with the exit status a sequential call (-j 1) ends
# with; a bad -j is a usage error. Output is TAP.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-./casemailctl}
if [ ! -x "$bin" ]; then
    echo "Bail out! casemailctl not found or not executable: $bin"
    exit 1
fi
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

work=$(mktemp -d "${TMPDIR:-/tmp}/e2e-jobs.XXXXXX")
trap 'rm -rf "$work"' EXIT

. "$top/tests/fixtures.sh"
ensure_rules_fixtures

n=0 failed=0
ok() {
    n=$((n + 1))
    if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi
}

# 30 mails in a fixed order, an unreadable one after the third
mails=()
for eml in "$fx"/rules/*.eml; do mails+=("$eml"); done
mails=("${mails[@]:0:3}" "$work/no-such-mail.eml" "${mails[@]:3:27}")
[ ${#mails[@]} -ge 20 ]
ok $? "the corpus has at least 20 mails (${#mails[@]})"

: >"$work/one.out"
: >"$work/one.err"
for m in "${mails[@]}"; do
    "$bin" check --json "$m" >>"$work/one.out" 2>>"$work/one.err"
done
"$bin" check --json -j 1 "${mails[@]}" >"$work/seq.out" 2>"$work/seq.err"
seq_rc=$?
[ "$seq_rc" -eq 66 ]
ok $? "-j 1: exit 66 for the unreadable mail (got $seq_rc)"
cmp -s "$work/one.out" "$work/seq.out" && cmp -s "$work/one.err" "$work/seq.err"
ok $? "-j 1: the output of one call per mail"

for j in 2 3; do
    "$bin" check --json -j "$j" "${mails[@]}" >"$work/par$j.out" 2>"$work/par$j.err"
    rc=$?
    [ "$rc" -eq "$seq_rc" ]
    ok $? "-j $j: the exit status of -j 1 ($rc)"
    cmp -s "$work/one.out" "$work/par$j.out"
    ok $? "-j $j: stdout is each mail's report in the order given ($(wc -l <"$work/par$j.out") lines)"
    cmp -s "$work/one.err" "$work/par$j.err"
    ok $? "-j $j: stderr in the order given"
done
grep -q '"verdict":"accepted"' "$work/par2.out" && grep -q '"verdict":"rejected"' "$work/par2.out"
ok $? "the corpus gave accepted and rejected mails"

for bad in 0 x 257; do
    "$bin" check -j "$bad" "${mails[0]}" >/dev/null 2>"$work/bad.err"
    rc=$?
    [ "$rc" -eq 64 ] && grep -q -- "--jobs" "$work/bad.err"
    ok $? "-j $bad is a usage error (exit $rc)"
done

echo "1..$n"
[ "$failed" -eq 0 ]
