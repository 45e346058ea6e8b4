#!/bin/bash
# Run libFuzzer targets (docs/fuzzing.md); `make fuzz` calls this after
# building them.
#
#   FUZZ_BUILD=build-fuzz FUZZ_SECONDS=60 bash tests/fuzz/run.sh [fuzz-NAME…]
#
# Each target runs FUZZ_SECONDS on $FUZZ_BUILD/corpus/NAME (kept between
# runs, outside the repository), which libFuzzer grows from:
#   tests/fuzz/seeds/NAME        small hand-picked seeds (committed)
#   tests/fuzz/regressions/NAME  inputs that once crashed (committed)
#   $FUZZ_BUILD/seeds-fixtures/NAME  cut from the generated fixture mails
#                                (tests/fuzz/seeds.py; FUZZ_FIXTURES=no skips)
# Crashes go to $FUZZ_BUILD/crashes/NAME/. The end is a table: target,
# seconds, executions, exec/s, coverage (cov: and ft: of libFuzzer's last
# status line), crashes; each run is also appended to the cumulative
# $FUZZ_BUILD/fuzz-log.tsv (date, target, seconds, execs, cov, ft, crashes).
# Exit status 1 when any target crashed.
set -u
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$top" || exit 1
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
fb=$(cd "$FUZZ_BUILD" && pwd) || { echo "run.sh: no $FUZZ_BUILD (make fuzz-build)"; exit 1; }
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	for t in "$fb"/fuzz-*; do
		[ -x "$t" ] && [ -f "$t" ] && targets+=("$(basename "$t")")
	done
fi
# ASan/UBSan as in tests/run.sh; libFuzzer saves the input of any report
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

max_len() {
	case $1 in
	fuzz-rfc2047|fuzz-mimeparam) echo 4096 ;;
	fuzz-rules|fuzz-config) echo 8192 ;;
	fuzz-campaign) echo 16384 ;;
	fuzz-message) echo 65536 ;;
	fuzz-unpack) echo 262144 ;;
	*) echo 16384 ;;
	esac
}

# Seeds from the fixtures, remade when a generator or seeds.py changes.
# One run at a time (two `make fuzz` may share a build dir).
fixture_seeds() {
	# fixtures.sh reads $work and sets $fx
	# shellcheck disable=SC2034
	local work=$fb stamp=$fb/seeds-fixtures/.stamp want
	[ "${FUZZ_FIXTURES:-yes}" != no ] || return 0
	# shellcheck source=tests/fixtures.sh
	. "$top/tests/fixtures.sh"
	ensure_fixtures
	ensure_rules_fixtures
	# shellcheck disable=SC2154
	want=$(cat "$fx/.complete" "$fx/rules/.complete" tests/fuzz/seeds.py | sha1sum)
	[ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && return 0
	rm -rf "$fb/seeds-fixtures"
	/usr/bin/python3 tests/fuzz/seeds.py fixtures "$fx" "$fb/seeds-fixtures" &&
		echo "$want" > "$stamp"
}
(
	flock 9
	fixture_seeds
) 9>"$fb/.seeds.lock" || echo "run.sh: no seeds from the fixtures (see above)" >&2

rows=()
failed=0
for t in "${targets[@]}"; do
	bin=$fb/$t
	[ -x "$bin" ] || { echo "run.sh: no $bin" >&2; failed=1; continue; }
	corpus=$fb/corpus/$t
	crashes=$fb/crashes/$t
	log=$fb/logs/$t.log
	mkdir -p "$corpus" "$crashes" "$fb/logs"
	dirs=("$corpus")
	for d in tests/fuzz/seeds/$t tests/fuzz/regressions/$t "$fb/seeds-fixtures/$t"; do
		[ -d "$d" ] && dirs+=("$d")
	done
	stamp=$fb/logs/$t.start
	: > "$stamp"
	echo "== $t: ${FUZZ_SECONDS}s, corpus $corpus ($(ls "$corpus" | wc -l) inputs), log $log"
	start=$(date +%s)
	"$bin" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 -timeout=10 \
		-max_len="$(max_len "$t")" -print_final_stats=1 \
		-artifact_prefix="$crashes/" "${dirs[@]}" >"$log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	last=$(grep -E '^#[0-9]+.*cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
	cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	ncrash=$(find "$crashes" -type f -newer "$stamp" | wc -l)
	if [ "$rc" -ne 0 ] && [ "$ncrash" -eq 0 ]; then
		ncrash=1 # died without an artifact: see the log
	fi
	if [ "$ncrash" -ne 0 ]; then
		failed=1
		echo "!! $t crashed (exit $rc): $log"
		grep -E '^(==[0-9]+==|SUMMARY|.*invariant failed|.*runtime error)' "$log" | head -5
		ls -t "$crashes" | head -3 | sed "s|^|   $crashes/|"
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$t" "$secs" \
		"${execs:-0}" "${cov:-0}" "${ft:-0}" "$ncrash" >> "$fb/fuzz-log.tsv"
	rows+=("$(printf '%-16s %8s %12s %8s %7s %7s %8s' "$t" "$secs" "${execs:-?}" \
		"${eps:-?}" "${cov:-?}" "${ft:-?}" "$ncrash")")
done

echo
printf '%-16s %8s %12s %8s %7s %7s %8s\n' target seconds executions exec/s cov ft crashes
for r in "${rows[@]}"; do
	echo "$r"
done
echo "(cumulative: $FUZZ_BUILD/fuzz-log.tsv; totals: tests/fuzz/total.sh)"
exit $failed
