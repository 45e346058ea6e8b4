#!/usr/bin/env bash
# casemail.conf's [limits] reach the code that enforces them: the same three
# mails of the rules corpus go through `casemaild --once` twice, with the
# defaults and with tight limits, and the filed verdicts differ as they must:
#   extract_max_depth = 1           nested company zips → archive.too_deep
#   probe_max_image_side = 100      the photos → file.damaged (probe child)
#   message_max_header_fields = 100 a mail with 150 extra header fields is
#                                   not parsed → archive.bomb, no files
# then `casemailctl reprocess` under the defaults accepts the photo pool the tight
# limits rejected (the admin commands read [limits] too), and
# `casemaild --check-config` refuses out-of-range and unknown keys with
# file:line. TAP. Usage: tests/e2e-limits.sh [BUILD/casemailctl]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
bindir=$(cd "$(dirname "${1:-build/casemailctl}")" && pwd)
ctl=$bindir/casemailctl
daemon=$bindir/casemaild
work=$(mktemp -d "${TMPDIR:-/tmp}/e2e-limits.XXXXXX")
trap 'if [ -n "${KEEP:-}" ]; then echo "# kept $work"; else rm -rf "$work"; fi' EXIT
. "$top/tests/fixtures.sh"

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; fails=$((fails + 1)); }
is() { if [ "$2" = "$3" ]; then ok "$1"; else notok "$1 (got '$2', want '$3')"; fi; }

ensure_rules_fixtures
R=$fx/rules
nested=hfw-ok-nested-company-zips-thunderbird
photos=hfw-ok-company-photo-pool-thunderbird
for m in $nested $photos; do
	[ -f "$R/$m.eml" ] || { echo "Bail out! $R/$m.eml missing"; exit 1; }
done

# run NAME LIMITS: one daemon pass over the three mails in $work/NAME
run() {
	local d=$work/$1
	mkdir -p "$d/maildir/new" "$d/maildir/cur" "$d/maildir/tmp"
	cp "$R/$nested.eml" "$d/maildir/new/1785000001.M1P1.limits"
	cp "$R/$photos.eml" "$d/maildir/new/1785000002.M2P1.limits"
	{
		for i in $(seq 150); do printf 'X-Padding-%d: hostile\r\n' "$i"; done
		cat "$R/$nested.eml"
	} >"$d/maildir/new/1785000003.M3P1.limits"
	write_conf "$d" "$2"
	"$daemon" -c "$d/casemail.conf" --once --foreground >"$d/daemon.log" 2>&1
}
write_conf() { # write_conf DIR LIMITS
	cat >"$1/casemail.conf" <<EOC
[spool]
dir = $1/spool
[state]
dir = $1/state
[mailbox haofuwu]
campaign = haofuwu-2026
maildir = $1/maildir
[smtp]
outbox = $1/replies
$2
EOC
}
# manifest DIR JQ-FILTER: the manifest.json that matches, as one JSON line
manifest() { cat "$1"/spool/haofuwu-2026/mail/*/manifest.json | jq -c "select($2)"; }
codes() { jq -r '[.defects[].code] | unique | join(",")'; }
is_nested='(.subject | test("各企业压缩包")) and (.files | length) > 0'
is_photos='.subject | test("两个案例")'
is_padded='(.files | length) == 0'

run defaults ""
is "defaults: the daemon filed all three" "$(ls -d "$work"/defaults/spool/*/mail/*/ | wc -l)" 3
is "defaults: nested zips accepted" \
	"$(manifest "$work/defaults" "$is_nested" | jq -r .verdict | sort -u)" accepted
is "defaults: photo pool accepted" "$(manifest "$work/defaults" "$is_photos" | jq -r .verdict)" accepted
is "defaults: 150 more header fields change nothing" \
	"$(cat "$work"/defaults/spool/*/mail/*/manifest.json | jq -r .verdict | sort | uniq -c | tr -s ' ')" \
	" 3 accepted"

tight="[limits]
extract_max_depth = 1
probe_max_image_side = 100
message_max_header_fields = 100"
run tight "$tight"
is "tight: the daemon filed all three" "$(ls -d "$work"/tight/spool/*/mail/*/ | wc -l)" 3
m=$(manifest "$work/tight" "$is_nested")
is "extract_max_depth = 1: nested zips rejected" "$(echo "$m" | jq -r .verdict)" rejected
echo "$m" | codes | grep -q 'archive.too_deep'
is "extract_max_depth = 1: archive.too_deep" $? 0
m=$(manifest "$work/tight" "$is_photos")
is "probe_max_image_side = 100: photo pool rejected" "$(echo "$m" | jq -r .verdict)" rejected
is "probe_max_image_side = 100: every JPEG damaged" \
	"$(echo "$m" | jq '[.files[] | select(.kind == "jpeg" and .damaged != true)] | length')" 0
echo "$m" | codes | grep -q 'file.damaged'
is "probe_max_image_side = 100: file.damaged" $? 0
m=$(manifest "$work/tight" "$is_padded")
is "message_max_header_fields = 100: the padded mail is not parsed (rejected)" \
	"$(echo "$m" | jq -r .verdict)" rejected
echo "$m" | jq -r '.defects[] | select(.code == "archive.bomb" and .file == null) | .detail' |
	grep -q '^邮件的附件数量、嵌套层数或解压后的大小超出了系统能处理的上限'
is "message_max_header_fields = 100: archive.bomb for the whole mail, in Chinese" $? 0

# reprocess reads [limits] from the configuration it is given (the photo
# pool: the same files are extracted either way, which reprocess needs)
write_conf "$work/tight" ""
receipt=$(basename "$(dirname "$(grep -l '两个案例' "$work"/tight/spool/*/mail/*/manifest.json)")")
"$ctl" reprocess -c "$work/tight/casemail.conf" --json "$receipt" >"$work/reprocess.json" 2>"$work/reprocess.err"
is "reprocess $receipt under the defaults exits 0" $? 0
is "reprocess under the defaults: the photo pool accepted" \
	"$(manifest "$work/tight" "$is_photos" | jq -r .verdict)" accepted

# --check-config: bounds and names, with file:line
for bad in "message_max_size = 1K|message_max_size: expected a size from 64K to 4G" \
	   "unpack_max_ratio = 1|unpack_max_ratio: expected a whole number from 2 to 100000" \
	   "probe_timeout = 5|unknown key \"probe_timeout\" in [limits]"; do
	write_conf "$work/tight" "[limits]
${bad%%|*}"
	"$daemon" -c "$work/tight/casemail.conf" --check-config >"$work/out" 2>&1
	rc=$?
	line=$(grep -n "^${bad%%|*}" "$work/tight/casemail.conf" | cut -d: -f1)
	if [ "$rc" = 78 ] && grep -qF "casemail.conf:$line: ${bad#*|}" "$work/out"; then
		ok "--check-config refuses '${bad%%|*}' (78, file:line)"
	else
		notok "--check-config refuses '${bad%%|*}' (exit $rc: $(head -c 200 "$work/out"))"
	fi
done
write_conf "$work/tight" "$tight
unpack_max_total_bytes = 1T
probe_seccomp = no"
"$daemon" -c "$work/tight/casemail.conf" --check-config >"$work/out" 2>&1
is "--check-config accepts sizes with suffixes and probe_seccomp = no" $? 0

echo "1..$n"
[ "$fails" -eq 0 ]
