#!/bin/sh
# Run every test suite and add up their TAP lines.
#   unit suites:       $BUILD/test-*          (lib/test-*.c)
#   end-to-end suites: tests/e2e-*.sh         (real binaries, real servers)
# Each suite prints TAP ("ok N - …" / "not ok N - …"); a suite that exits
# non-zero without a "not ok" line counts as one failure of its own.
# The last line is "N passed, N failed", which CI reads.
set -u
BUILD=${BUILD:-build}
passed=0
failed=0
failed_suites=""
log=$(mktemp)

run_suite() {
	name=$1; shift
	start=$(date +%s)
	"$@" >"$log" 2>&1
	rc=$?
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
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

for t in "$BUILD"/test-*; do
	[ -x "$t" ] || continue
	run_suite "$(basename "$t")" "$t"
done

if [ -z "${ONLY_UNIT:-}" ]; then
	for t in tests/e2e-*.sh; do
		[ -f "$t" ] || continue
		run_suite "$(basename "$t" .sh)" bash "$t" "$BUILD/casemailctl"
	done
fi

rm -f "$log"
[ -z "$failed_suites" ] || echo "failed suites:$failed_suites"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
