#!/bin/sh
# make demo: the whole flow on the embedded default configuration
# (conf/demo.conf): a local Maildir per campaign as the source and a
# directory as the outbox. Sample mails of both campaigns — accepted,
# rejected and ignored, written the way QQ Mail, Outlook, Thunderbird and
# Foxmail write them — are generated, delivered into the Maildirs, and
# `casemaild --once` processes them. Prints the verdicts, the spool tree,
# the reviewers' index pages (index.html, contact sheets) and where each
# reply went.
set -eu
BUILD=$(cd "${BUILD:-build}" && pwd)
top=$(pwd)
out=${DEMO_DIR:-/tmp/casemail-demo}
rm -rf "$out"
mkdir -p "$out/fixtures"
echo "demo: generating sample mails (about 20 s) ..."
/usr/bin/python3 fixtures/gen_rules.py "$out/fixtures" >/dev/null

deliver() { # deliver MAILBOX NAME...
	box=$1; shift
	mkdir -p "$out/maildir/$box/new" "$out/maildir/$box/cur" "$out/maildir/$box/tmp"
	for name in "$@"; do
		n=$((n + 1))
		cp "$out/fixtures/rules/$name.eml" "$out/maildir/$box/new/$((1785000000 + n)).M${n}P1.demo"
	done
}
n=0
deliver haofuwu hfw-ok-province-package-gbk-qq hfw-ok-case-folders-mutt hfw-photos-2-outlook \
	hfw-video-rotated-mutt hfw-link-qq-ftn-qq hfw-no-recommendation-outlook \
	ign-auto-reply-qq-vacation-qq ign-invoice-request-qq
deliver weichuangxin wcx-ok-single-case-outlook wcx-ok-several-cases-qq wcx-word-only-qq \
	wcx-caption-qq wcx-docx-image-png-qq
rm -rf "$out/fixtures"

echo "demo: running casemaild --once in $out"
echo
cd "$out"
"$BUILD/casemaild" -c "$top/conf/demo.conf" --once --foreground

echo
echo "================ verdicts (from the spool manifests)"
for m in spool/*/mail/*/manifest.json; do
	jq -r --arg dir "$(dirname "$m")" '[($dir | split("/") | last), .verdict,
		(.ignored_reason // ""), (.sender // "-"),
		([.defects[] | select(.severity == "error") | .code] | unique | join(" "))] | @tsv' "$m"
done | column -t -s "$(printf '\t')"
echo
echo "================ spool tree"
for c in spool/*/; do
	echo "  $c"
	for d in "$c"mail/*/; do
		printf '    mail/%s  (%s)\n' "$(basename "$d")" "$(cd "$d" && ls | tr '\n' ' ')"
	done
	find "$c"accepted -mindepth 2 -maxdepth 2 -not -name .versions | sort |
		sed "s|^$c|    |"
done
echo
echo "================ reviewers' view (static pages, no server: open in a browser)"
for c in spool/*/; do
	printf '  %s/%sindex.html  (accepted cases with a contact sheet: %s)\n' "$out" "$c" \
		"$(find -L "$c"accepted -mindepth 3 -maxdepth 3 -name contact.jpg -not -path '*/.versions/*' | wc -l)"
done
echo
echo "================ replies (the outbox directory)"
for r in replies/*.eml; do
	printf '  %s  →  %s\n' "$out/$r" "$(grep -m1 '^To:' "$r" | sed 's/.*<\(.*\)>.*/\1/')"
done
echo
echo "One reply as the sender sees it:"
"$BUILD/casemailctl" inspect replies/HFW2026-000003.eml | sed -n '2,5p'
sed '1,/^\r*$/d' replies/HFW2026-000003.eml | tr -d '\r' | base64 -d | sed 's/^/  | /' | head -30
echo
echo "================ casemailctl status (the admins' view)"
"$BUILD/casemailctl" status -c "$top/conf/demo.conf" || true
echo
echo "================ casemailctl digest --date 2026-08-03 (the daily digest; also --format html|csv, --send)"
"$BUILD/casemailctl" digest -c "$top/conf/demo.conf" --date 2026-08-03 --campaign haofuwu-2026 | head -40
echo
echo "demo: everything is in $out (spool/, state/, replies/, maildir/)."
echo "demo: reviewers' view: $out/spool/haofuwu-2026/index.html (casemailctl review makes it again)"
echo "Run it again: nothing new is processed — each mail is filed and answered once."
