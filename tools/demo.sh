#!/bin/sh
# make demo: generate sample mails the way real clients write them and
# run the whole pipeline on each (decode, unpack, probe, rules): the
# Chinese report the sender would receive, then a verdict table.
# (The daemon with spool and replies comes with issue 5.)
set -eu
BUILD=${BUILD:-build}
out=${DEMO_DIR:-/tmp/casemail-demo}
rm -rf "$out"
mkdir -p "$out"
echo "demo: generating sample mails into $out ..."
/usr/bin/python3 fixtures/gen.py "$out" >/dev/null
summary=""
for m in "$out"/mail/*.eml; do
	name=$(basename "$m" .eml)
	echo
	echo "================ $name"
	rc=0
	"$BUILD/casemailctl" check "$m" || rc=$?
	case $rc in
	0) verdict=accepted ;; 1) verdict=rejected ;; 2) verdict=ignored ;; *) verdict="error $rc" ;;
	esac
	codes=$("$BUILD/casemailctl" check --json "$m" 2>/dev/null |
		jq -r '[.defects[] | select(.severity == "error") | .code] | unique | join(" ")' || true)
	summary="$summary$(printf '%-36s %-9s %s' "$name" "$verdict" "$codes")
"
done
echo
echo "================ verdicts"
printf '%s' "$summary"
echo
echo "demo: sample mails in $out/mail. Try:"
echo "  $BUILD/casemailctl check --json $out/mail/15-package-gbk-zip.eml | jq ."
echo "  $BUILD/casemailctl inspect $out/mail/18-broken-archives.eml"
