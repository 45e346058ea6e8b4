#!/bin/bash
# make bench: generate (or reuse) the corpus, then time and print the table.
#
#   BUILD=build bash tests/bench/run.sh
#
# The corpus goes to $BUILD/bench-corpus and is made again only when its
# .complete lacks fixtures/gen_bench.py's digest (as tests/fixtures.sh does
# for the test fixtures); scratch and results go to $BUILD/bench-work
# (results.txt, results.json). BENCH_IMAP_MAILS, BENCH_SKIP, BENCH_REPEAT:
# see tests/bench/bench.py and docs/bench.md.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${BUILD:-build}" && pwd)
py=/usr/bin/python3
corpus=$build/bench-corpus

for b in casemailctl casemaild bench-imapfetch bench-jpegdamage; do
	[ -x "$build/$b" ] || { echo "bench: $build/$b missing (make bench builds it)" >&2; exit 1; }
done
digest=$(PYTHONDONTWRITEBYTECODE=1 "$py" -c 'import sys; sys.path.insert(0, sys.argv[1]); import gen_bench; print(gen_bench.generator_digest())' "$top/fixtures")
if [ "$(cat "$corpus/.complete" 2>/dev/null)" != "$digest" ]; then
	echo "bench: generating the corpus in $corpus (about a minute)" >&2
	"$py" "$top/fixtures/gen_bench.py" "$corpus"
fi
exec "$py" "$top/tests/bench/bench.py" --build "$build" --corpus "$corpus" --work "$build/bench-work"
