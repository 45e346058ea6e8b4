#!/bin/sh
# make demo: generate sample mails the way real clients write them and
# run the pipeline on them. (Until the daemon lands this shows `inspect`:
# the files and facts casemail sees in each mail.)
set -eu
BUILD=${BUILD:-build}
out=${DEMO_DIR:-/tmp/casemail-demo}
rm -rf "$out"
mkdir -p "$out"
echo "demo: generating sample mails into $out ..."
/usr/bin/python3 fixtures/gen.py "$out" >/dev/null
for m in "$out"/mail/*.eml; do
	echo
	echo "================================================================"
	"$BUILD/casemailctl" inspect "$m" || true
done
echo
echo "demo: sample mails in $out/mail; JSON for any of them:"
echo "  $BUILD/casemailctl inspect --json $out/mail/<name>.eml"
