#!/usr/bin/env bash
# End-to-end test of casemail's syslog output through a real syslog-ng
# running the shipped snippet conf/syslog-ng/casemail.conf.
#   syslog-ng: started privately (own config, control socket, pidfile,
#     persist file, no capabilities), the snippet copied with its socket
#     and log directory moved into a temp dir and the JSON destination on;
#     one extra test-only destination prints the parsed SD values.
#   casemaild --once (not --foreground, stderr not a tty: syslog) files a
#     few mails from a Maildir with [log] socket = the snippet's socket.
#   Checked: nothing on stderr; the dated .log file; every filed mail's
#     receipt/campaign/verdict/sender as parsed by syslog-ng equal the
#     state.db row; the JSON lines parse with jq and carry the same; a
#     value with " ] \ and UTF-8 (a Maildir file name, a Message-ID)
#     arrives intact; the facility from [log]; other programs are not
#     routed to casemail's files.
# TAP output. Usage: tests/e2e-syslog.sh [BUILD/casemailctl] (casemaild is
# taken from the same directory). Skips only when syslog-ng is missing.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
bindir=$(cd "$(dirname "${1:-build/casemailctl}")" && pwd)
daemon=$bindir/casemaild
syslogng=${SYSLOG_NG:-/usr/sbin/syslog-ng}

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; fails=$((fails + 1)); }
check() { if [ "$2" = 0 ]; then ok "$1"; else notok "$1"; fi; }

if [ ! -x "$syslogng" ]; then
	echo "ok 1 # skip syslog-ng not installed ($syslogng)"
	echo "1..1"
	exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/e2e-syslog.XXXXXX")
sng_pid=
cleanup() {
	if [ -n "$sng_pid" ]; then
		kill "$sng_pid" 2>/dev/null
		wait "$sng_pid" 2>/dev/null
	fi
	if [ -n "${KEEP:-}" ]; then echo "# kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

. "$top/tests/fixtures.sh"
ensure_rules_fixtures
R=$fx/rules

# ---- syslog-ng with the shipped snippet --------------------------------------------
sock=$work/casemail-syslog.sock
logdir=$work/log
sed -e "s|/run/casemail-syslog.sock|$sock|" \
    -e "s|/var/log/casemail|$logdir|g" \
    -e "s|# destination(d_casemail_json);|destination(d_casemail_json);|" \
    "$top/conf/syslog-ng/casemail.conf" >"$work/snippet.conf"
grep -q "^[[:space:]]*destination(d_casemail_json);" "$work/snippet.conf" &&
grep -q "unix-dgram(\"$sock\"" "$work/snippet.conf"
check "snippet copied with its socket and log directory moved" $?

version=$("$syslogng" --version | sed -n 's/^Installer-Version: \([0-9]*\.[0-9]*\).*/\1/p')
# The test-only path comes first: the snippet's path is flags(final).
# Tab-separated: program msgid level facility receipt campaign verdict sender key message_id message
cat >"$work/syslog-ng.conf" <<EOF
@version: ${version:-3.38}
@include "scl.conf"
options { stats_freq(0); };
template t_test {
	template("\${PROGRAM}\t\${MSGID}\t\${LEVEL}\t\${FACILITY}\t\${.SDATA.casemail@32473.receipt}\t\${.SDATA.casemail@32473.campaign}\t\${.SDATA.casemail@32473.verdict}\t\${.SDATA.casemail@32473.sender}\t\${.SDATA.casemail@32473.key}\t\${.SDATA.casemail@32473.message_id}\t\${MESSAGE}\n");
};
destination d_test { file("$work/sd.tsv" template(t_test)); };
log { source(s_casemail); destination(d_test); };
@include "$work/snippet.conf"
EOF
"$syslogng" -s -f "$work/syslog-ng.conf" >"$work/syntax.err" 2>&1
check "syslog-ng $version accepts the snippet" $?
sed 's/^/# /' "$work/syntax.err" | head -10

# as installed: Debian's own syslog-ng.conf including conf.d/ with the snippet
if [ -f /etc/syslog-ng/syslog-ng.conf ]; then
	mkdir -p "$work/conf.d"
	cp "$top/conf/syslog-ng/casemail.conf" "$work/conf.d/"
	sed "s|/etc/syslog-ng/conf.d/|$work/conf.d/|" /etc/syslog-ng/syslog-ng.conf >"$work/debian.conf"
	grep -q "$work/conf.d/" "$work/debian.conf" &&
		"$syslogng" -s -f "$work/debian.conf" >"$work/debian.err" 2>&1
	check "the snippet as shipped loads in Debian's syslog-ng.conf (conf.d/)" $?
	sed 's/^/# /' "$work/debian.err" | head -5
fi

"$syslogng" -F -f "$work/syslog-ng.conf" -c "$work/syslog-ng.ctl" -p "$work/syslog-ng.pid" \
	-R "$work/syslog-ng.persist" --no-caps >"$work/syslog-ng.out" 2>&1 &
sng_pid=$!
for _ in $(seq 1 100); do
	[ -S "$sock" ] && break
	sleep 0.1
done
if [ ! -S "$sock" ]; then
	echo "Bail out! syslog-ng did not create $sock: $(head -5 "$work/syslog-ng.out")"
	exit 1
fi

# ---- casemaild --once over a Maildir ----------------------------------------------
md=$work/maildir
mkdir -p "$md/new" "$md/cur" "$md/tmp"
cp "$R/hfw-ok-province-package-gbk-qq.eml" "$md/new/1785000001.M1P1.e2e"
cp "$R/hfw-no-recommendation-outlook.eml" "$md/new/1785000002.M2P1.e2e"
cp "$R/ign-auto-reply-qq-vacation-qq.eml" "$md/new/1785000003.M3P1.e2e"
# a file name and a Message-ID with the characters RFC 5424 escapes, and UTF-8
odd_key='1785000004.M4P1.q"uo]te\back 文件'
odd_mid='<"odd] \"id\" 1"@example.org>'
"${PY:-/usr/bin/python3}" - "$R/hfw-photos-2-outlook.eml" "$md/new/$odd_key" "$odd_mid" <<'PY' ||
import re, sys
src, dst, mid = sys.argv[1:]
data = open(src, "rb").read()
head, sep, body = data.partition(b"\r\n\r\n") if b"\r\n\r\n" in data else data.partition(b"\n\n")
head, k = re.subn(rb"(?im)^message-id:.*$", b"Message-ID: " + mid.encode(), head, count=1)
assert k == 1
open(dst, "wb").write(head + sep + body)
PY
	{ echo "Bail out! cannot write the odd mail"; exit 1; }
cat >"$work/casemail.conf" <<EOF
[spool]
dir = $work/spool
[state]
dir = $work/state
[mailbox haofuwu]
campaign = haofuwu-2026
maildir = $md
[smtp]
outbox = $work/replies
[log]
socket = $sock
facility = local5
level = info
EOF
day_before=$(date +%F)
"$daemon" -c "$work/casemail.conf" --once </dev/null >"$work/daemon.out" 2>"$work/daemon.err"
check "casemaild --once exits 0" $?
day_after=$(date +%F)
[ ! -s "$work/daemon.err" ] && [ ! -s "$work/daemon.out" ]
check "casemaild --once without --foreground writes nothing to stderr (it logs to syslog)" $?
sed 's/^/# stderr: /' "$work/daemon.err" | head -5

# syslog-ng writes asynchronously: wait for the last line of the pass
for _ in $(seq 1 100); do
	grep -q 'pass done' "$work/sd.tsv" 2>/dev/null && grep -q 'pass done' "$logdir"/*.log 2>/dev/null &&
		grep -q 'pass done' "$logdir"/*.json 2>/dev/null && break
	sleep 0.1
done
grep -q 'pass done' "$work/sd.tsv" 2>/dev/null
check "syslog-ng received casemaild's messages" $?

# ---- the dated files --------------------------------------------------------------
logf=
for d in "$day_before" "$day_after"; do
	[ -f "$logdir/$d.log" ] && logf=$logdir/$d.log && jsonf=$logdir/$d.json
done
[ -n "$logf" ] && [ "$(ls "$logdir" | wc -l)" = 2 ]
check "one log file named by today's date: $(ls "$logdir" 2>/dev/null | tr '\n' ' ')" $?
[ -n "$logf" ] || { logf=/dev/null; jsonf=/dev/null; }
perm=$(stat -c %a "$logf" 2>/dev/null)
dperm=$(stat -c %a "$logdir" 2>/dev/null)
[ "$perm" = 640 ] && [ "$dperm" = 750 ]
check "log file 0640 in a 0750 directory (got $perm, $dperm)" $?

# ---- every filed mail: SD values as parsed == state.db -------------------------------
sqlite3 -separator '	' "$work/state/state.db" \
	"SELECT receipt, campaign, verdict, coalesce(sender, '') FROM messages
	 WHERE receipt IS NOT NULL ORDER BY receipt" >"$work/db.tsv"
nrows=$(wc -l <"$work/db.tsv")
[ "$nrows" = 4 ]
check "state.db has the 4 mails filed ($nrows)" $?
awk -F'\t' '$1 == "casemaild" && $2 == "filed" { print $5 "\t" $6 "\t" $7 "\t" $8 }' "$work/sd.tsv" |
	sort >"$work/filed.tsv"
if [ -s "$work/db.tsv" ] && cmp -s "$work/db.tsv" "$work/filed.tsv"; then
	ok "filed lines: receipt, campaign, verdict, sender parsed by syslog-ng equal state.db"
else
	notok "filed lines: receipt, campaign, verdict, sender parsed by syslog-ng equal state.db"
	diff "$work/db.tsv" "$work/filed.tsv" | sed 's/^/# /' | head -20
fi
awk -F'\t' '$2 == "filed" && $3 == "info" && $4 == "local5"' "$work/sd.tsv" | wc -l | grep -qx "$nrows"
check "filed lines at level info, facility local5 (from [log] facility)" $?

# the readable file shows the same values
bad=0
while IFS='	' read -r receipt campaign verdict sender; do
	line=$(grep -F "receipt=$receipt" "$logf" | grep -F "casemaild[" | grep -F ' info filed: ')
	for kv in "campaign=$campaign" "verdict=$verdict" ${sender:+"sender=$sender"}; do
		case "$line" in *"$kv"*) ;; *) echo "# $receipt: no $kv in: $line"; bad=1 ;; esac
	done
done <"$work/db.tsv"
[ "$bad" = 0 ] && [ -s "$work/db.tsv" ]
check "the .log line of every filed mail shows its SD fields" $?
grep -m3 -F ' filed: ' "$logf" | sed 's/^/# /'

# ---- JSON lines ---------------------------------------------------------------------
jq -e . "$jsonf" >/dev/null 2>&1 && [ -s "$jsonf" ]
check "every JSON line parses with jq" $?
jq -r 'select(.MSGID == "filed") | ._SDATA["casemail@32473"] |
	[.receipt, .campaign, .verdict, (.sender // "")] | @tsv' "$jsonf" 2>/dev/null |
	sort >"$work/json-filed.tsv"
[ -s "$work/db.tsv" ] && cmp -s "$work/db.tsv" "$work/json-filed.tsv"
check "JSON: _SDATA.casemail@32473 of the filed lines equals state.db" $?
jq -e -s 'all(.[]; .PROGRAM == "casemaild" and .FACILITY == "local5" and (.ISODATE | test("^[0-9-]{10}T[0-9:]{8}\\.[0-9]{6}[+-][0-9]{2}:[0-9]{2}$")) and (.PID | test("^[0-9]+$")))' \
	"$jsonf" >/dev/null 2>&1
check "JSON: PROGRAM, FACILITY, ISODATE with microseconds and offset, PID" $?

# ---- values RFC 5424 must escape, and UTF-8 --------------------------------------------
got_key=$(awk -F'\t' '$2 == "fetch" && $9 ~ /M4P1/ { print $9 }' "$work/sd.tsv")
[ "$got_key" = "$odd_key" ]
check "SD value with \" ] \\ and UTF-8 intact (Maildir key): $got_key" $?
got_mid=$(awk -F'\t' '$2 == "fetch" && $9 ~ /M4P1/ { print $10 }' "$work/sd.tsv")
[ "$got_mid" = "$odd_mid" ]
check "SD value with \" ] intact (Message-ID): $got_mid" $?
jkey=$(jq -r 'select(.MSGID == "fetch") | ._SDATA["casemail@32473"].key | select(test("M4P1"))' "$jsonf" 2>/dev/null)
jmid=$(jq -r 'select(.MSGID == "fetch") | ._SDATA["casemail@32473"] | select(.key | test("M4P1")) | .message_id' "$jsonf" 2>/dev/null)
[ "$jkey" = "$odd_key" ] && [ "$jmid" = "$odd_mid" ]
check "the same values intact in the JSON" $?
# the UTF-8 MSG came with a BOM; syslog-ng strips it
msg=$(jq -r 'select(.MSGID == "fetch") | .MESSAGE | select(test("M4P1"))' "$jsonf" 2>/dev/null)
case "$msg" in *文件*) [ "${msg#$'\xef\xbb\xbf'}" = "$msg" ] ;; *) false ;; esac
check "UTF-8 MSG arrives as UTF-8 without the BOM: $msg" $?

# ---- lines without SD, other programs ---------------------------------------------------
grep -q "^[^ ]* [^ ]* casemaild\[[0-9]*\]: info: pass done: 4 mail(s) processed$" "$logf"
check "a plain line (MSGID -, no SD) reads \"… casemaild[PID]: info: text\"" $?
if command -v logger >/dev/null; then
	logger --rfc5424 -u "$sock" -t someoneelse "not casemail" 2>/dev/null
	logger --rfc5424 -u "$sock" -t casemailctl "from casemailctl" 2>/dev/null
	for _ in $(seq 1 50); do
		grep -q 'from casemailctl' "$logf" && break
		sleep 0.1
	done
	grep -q 'from casemailctl' "$logf" && ! grep -q 'not casemail' "$logf" "$jsonf"
	check "casemailctl's messages are routed, other programs' are not" $?
fi

grep -v 'syslog-ng starting up\|syslog-ng shutting down' "$work/syslog-ng.out" | sed 's/^/# syslog-ng: /' | head -5
echo "1..$n"
[ "$fails" = 0 ]
