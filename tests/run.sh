#!/bin/sh
# Run every test suite of every build in $BUILDS and add up their TAP lines.
#   unit suites:       $B/test-*              (lib/test-*.c)
#   end-to-end suites: tests/e2e-*.sh $B/casemailctl (real binaries, real servers)
# A build dir ending in -asan runs with sanitizer reports made fatal.
# Each suite prints TAP ("ok N - …" / "not ok N - …"); a suite that exits
# non-zero without a "not ok" line counts as one failure of its own.
# The last line is "N passed, N failed", which CI reads.
set -u
BUILDS=${BUILDS:-build}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=99}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=99}
passed=0
failed=0
todo=0
failed_suites=""
log=$(mktemp)
# generated test mail is shared by the builds of one run
if [ -z "${CASEMAIL_FIXTURES:-}" ]; then
	CASEMAIL_FIXTURES=$(mktemp -d "${TMPDIR:-/tmp}/casemail-fixtures.XXXXXX")
	export CASEMAIL_FIXTURES
	own_fixtures=1
fi

run_suite() {
	name=$1; shift
	start=$(date +%s)
	"$@" >"$log" 2>&1
	rc=$?
	p=$(grep -c '^ok ' "$log")
	# "not ok … # TODO": a known failure, reported (TAP), not counted
	f=$(grep '^not ok ' "$log" | grep -vc '# TODO')
	t=$(grep '^not ok ' "$log" | grep -c '# TODO')
	todo=$((todo + t))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	if [ "$f" -ne 0 ]; then
		failed_suites="$failed_suites $name"
		echo "--- $name (exit $rc)"
		grep -E '^(not ok|#|Bail out)' "$log" | head -60
		echo "--- last lines:"
		tail -15 "$log"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	printf '%-28s %4d passed, %d failed  (%ss)\n' "$name" "$p" "$f" "$(( $(date +%s) - start ))"
}

for b in $BUILDS; do
	tag=""
	[ "$b" = "${b%-asan}" ] || tag=" [asan]"
	for t in "$b"/test-*; do
		[ -x "$t" ] || continue
		run_suite "$(basename "$t")$tag" "$t"
	done
	if [ -z "${ONLY_UNIT:-}" ]; then
		for t in tests/e2e-*.sh; do
			[ -f "$t" ] || continue
			run_suite "$(basename "$t" .sh)$tag" bash "$t" "$b/casemailctl"
		done
	fi
done

rm -f "$log"
[ -z "${own_fixtures:-}" ] || rm -rf "$CASEMAIL_FIXTURES"
[ -z "$failed_suites" ] || echo "failed suites:$failed_suites"
[ "$todo" -eq 0 ] || echo "$todo known failures (not ok … # TODO), listed in their suites' output"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
