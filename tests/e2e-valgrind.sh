#!/usr/bin/env bash
# The daemon's main loop under valgrind (memcheck) over a slice of the rules
# corpus: every verdict, archives, videos, documents, links, ignored mail.
# Any invalid read/write, use of uninitialised memory or definite leak —
# in casemaild or in a forked probe child — fails the test
# (--error-exitcode). "Possibly lost"/"still reachable" blocks are not
# counted: probe children end with _exit() by design, leaving the parent's
# SQLite and libmagic state to the kernel. Runs for the normal build only
# (the ASan build is checked by every other suite). TAP.
# Usage: tests/e2e-valgrind.sh [BUILD/casemailctl]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
case "${1:-build/casemailctl}" in
*-asan/*) echo "1..0 # skip valgrind runs on the normal build only"; exit 0 ;;
esac
bindir=$(cd "$(dirname "${1:-build/casemailctl}")" && pwd)
daemon=$bindir/casemaild
work=$(mktemp -d "${TMPDIR:-/tmp}/e2e-valgrind.XXXXXX")
trap 'if [ -n "${KEEP:-}" ]; then echo "# kept $work"; else rm -rf "$work"; fi' EXIT
. "$top/tests/fixtures.sh"
command -v valgrind >/dev/null || { echo "1..0 # skip valgrind not installed"; exit 0; }

ensure_rules_fixtures
R=$fx/rules
# one or two of every kind; stable names from fixtures/gen_rules.py
names=$(cd "$R" && ls *.eml | sed 's/\.eml$//' | awk -F- '{ k = $1 "-" $2; if (seen[k]++ < 1) print }' | head -24)
mkdir -p "$work/maildir/new" "$work/maildir/cur" "$work/maildir/tmp"
i=0
for nm in $names; do
	i=$((i + 1))
	cp "$R/$nm.eml" "$work/maildir/new/$((1785000000 + i)).M${i}P1.vg"
done
cat >"$work/casemail.conf" <<EOC
[spool]
dir = $work/spool
[state]
dir = $work/state
[mailbox haofuwu]
campaign = haofuwu-2026
maildir = $work/maildir
[smtp]
outbox = $work/replies
[limits]
# valgrind runs the child's code itself and knows no seccomp(2)
probe_seccomp = no
EOC
t0=$(date +%s)
valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
	--show-leak-kinds=definite -q --log-file="$work/vg.%p.log" \
	"$daemon" -c "$work/casemail.conf" --once --foreground >"$work/daemon.log" 2>&1
rc=$?
secs=$(( $(date +%s) - t0 ))
if [ "$rc" = 0 ]; then
	echo "ok 1 - casemaild --once over $i mails under valgrind: no memcheck error (${secs} s)"
else
	echo "not ok 1 - casemaild --once over $i mails under valgrind: exit $rc (${secs} s)"
	cat "$work"/vg.*.log | head -60 | sed 's/^/# /'
	grep -E 'error' "$work/daemon.log" | head -5 | sed 's/^/# /'
fi
filed=$(ls -d "$work"/spool/*/mail/*/ 2>/dev/null | wc -l)
if [ "$filed" = "$i" ]; then
	echo "ok 2 - every mail filed under valgrind ($filed)"
else
	echo "not ok 2 - every mail filed under valgrind ($filed of $i)"
fi
echo "1..2"
[ "$rc" = 0 ] && [ "$filed" = "$i" ]
