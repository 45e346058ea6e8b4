#!/usr/bin/env bash
# End-to-end test of casemaild against real servers on loopback: a private
# Dovecot (IMAP) holding both campaign mailboxes and an aiosmtpd sink.
#   1. --once over mails APPENDed with INTERNALDATEs: every mail filed once,
#      one reply per non-ignored mail (threading headers, recipient), none
#      for ignored ones, the keyword set, \Seen untouched; a second run
#      does nothing.
#   2. IDLE: the daemon runs (poll_interval 600 s); a mail APPENDed now is
#      answered within 10 s (the latency is printed).
#   3. SMTP down: replies wait in the outbox and are delivered once the
#      sink is back, exactly once.
#   4. IMAP down and up again while the daemon runs: it reconnects.
# TAP output. Usage: tests/e2e-daemon.sh [BUILD/casemailctl] (casemaild is
# taken from the same directory).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
bindir=$(cd "$(dirname "${1:-build/casemailctl}")" && pwd)
daemon=$bindir/casemaild
work=$(mktemp -d "${TMPDIR:-/tmp}/e2e-daemon.XXXXXX")
chmod 755 "$work"   # Dovecot's auth process runs as nobody
py=/usr/bin/python3
. "$top/tests/dovecot.sh"
. "$top/tests/smtpsink.sh"
. "$top/tests/fixtures.sh"

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; fails=$((fails + 1)); }
check() { if [ "$2" = 0 ]; then ok "$1"; else notok "$1"; fi; }

daemon_pid=
cleanup() {
	[ -n "$daemon_pid" ] && kill -9 "$daemon_pid" 2>/dev/null
	dovecot_stop "$work/imap" >/dev/null 2>&1
	dovecot_stop "$work/imaps" >/dev/null 2>&1
	smtpsink_stop "$work/smtp" >/dev/null 2>&1
	if [ -n "${KEEP:-}" ]; then echo "# kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

ensure_rules_fixtures
R=$fx/rules

mkdir -p "$work/imap" "$work/smtp"
DOVECOT_USERS="hfw:hfwpass wcx:wcxpass" dovecot_start "$work/imap" >/dev/null 2>"$work/dovecot.err" ||
	{ echo "Bail out! dovecot: $(cat "$work/dovecot.err")"; exit 1; }
smtpsink_start "$work/smtp" >/dev/null 2>"$work/smtp.err" ||
	{ echo "Bail out! smtp sink: $(cat "$work/smtp.err")"; exit 1; }
printf 'hfwpass\n' >"$work/hfw.pw"
printf 'wcxpass\n' >"$work/wcx.pw"
chmod 600 "$work"/*.pw

write_conf() { # write_conf FILE [extra smtp lines]
	cat >"$1" <<EOC
[spool]
dir = $work/spool
[state]
dir = $work/state
[imap]
host = 127.0.0.1
port = $(cat "$work/imap/port")
tls = no
poll_interval = 2
[mailbox haofuwu]
campaign = haofuwu-2026
user = hfw
password_file = $work/hfw.pw
[mailbox weichuangxin]
campaign = weichuangxin-2023
user = wcx
password_file = $work/wcx.pw
[smtp]
host = 127.0.0.1
port = $(smtpsink_port "$work/smtp")
tls = no
retry_first = 1
EOC
}
write_conf "$work/casemail.conf"

# the mails: accepted, rejected and ignored of both campaigns
hfw_mails="hfw-ok-province-package-gbk-qq hfw-ok-case-folders-mutt hfw-photos-2-outlook
hfw-video-rotated-mutt hfw-link-qq-ftn-qq ign-auto-reply-qq-vacation-qq ign-invoice-request-qq
ign-bulk-mailman-list"
wcx_mails="wcx-ok-single-case-outlook wcx-word-only-qq wcx-caption-qq ign-own-address-outlook"
for m in $hfw_mails; do imap_append "$work/imap" hfw INBOX "$R/$m.eml" "28-Jul-2026 15:40:02 +0800" >/dev/null; done
for m in $wcx_mails; do imap_append "$work/imap" wcx INBOX "$R/$m.eml" "20-Jul-2023 10:00:00 +0800" >/dev/null; done
total=$(echo $hfw_mails $wcx_mails | wc -w)
ignored=$(echo $hfw_mails $wcx_mails | tr ' ' '\n' | grep -c '^ign-')
answered=$((total - ignored))

# ---- 1. one pass ---------------------------------------------------------
"$daemon" -c "$work/casemail.conf" --once --foreground >"$work/once1.log" 2>&1
check "casemaild --once exits 0" $?
filed=$(ls -d "$work"/spool/*/mail/*/ 2>/dev/null | wc -l)
[ "$filed" = "$total" ]; check "every mail filed once ($filed of $total)" $?
replies=$(smtpsink_count "$work/smtp")
[ "$replies" = "$answered" ]; check "one reply per non-ignored mail ($replies, want $answered)" $?

"$py" - "$work/smtp" "$R" $hfw_mails $wcx_mails >"$work/threading.out" 2>&1 <<'PY'
import email, email.policy, glob, os, sys
sink, rdir, names = sys.argv[1], sys.argv[2], sys.argv[3:]
got = {}
for p in glob.glob(os.path.join(sink, "maildir", "*", "*")):
    if os.path.isfile(p):
        m = email.message_from_binary_file(open(p, "rb"), policy=email.policy.default)
        got.setdefault(m["In-Reply-To"], []).append(m)
bad = 0
for n in names:
    o = email.message_from_binary_file(open(os.path.join(rdir, n + ".eml"), "rb"), policy=email.policy.default)
    rs = got.get(o["Message-ID"], [])
    want = 0 if n.startswith("ign-") else 1
    if len(rs) != want:
        print("%s: %d replies, want %d" % (n, len(rs), want)); bad += 1; continue
    for r in rs:
        frm = o["From"].addresses[0].addr_spec.lower()
        if r["To"].addresses[0].addr_spec.lower() != frm: print(n, "To", r["To"]); bad += 1
        if r["Auto-Submitted"] != "auto-replied": print(n, "Auto-Submitted"); bad += 1
        if o["Message-ID"] not in (r["References"] or ""): print(n, "References"); bad += 1
        if not r["Message-ID"].endswith(".reply@ecpmi.org.cn>"): print(n, "Message-ID", r["Message-ID"]); bad += 1
        if r["X-Auto-Response-Suppress"] != "All": print(n, "X-Auto-Response-Suppress"); bad += 1
sys.exit(1 if bad else 0)
PY
check "replies thread to the right mails, to the sender, auto-replied" $?
sed 's/^/# /' "$work/threading.out" | head -20

kw_missing=$( (imap_list_keywords "$work/imap" hfw INBOX; imap_list_keywords "$work/imap" wcx INBOX) |
	grep -vc '\$casemail-done')
[ "$kw_missing" = 0 ]; check "\$casemail-done set on every mail" $?
seen=$( (imap_list_keywords "$work/imap" hfw INBOX; imap_list_keywords "$work/imap" wcx INBOX) |
	grep -c 'Seen')
[ "$seen" = 0 ]; check "\\Seen left alone (staff read these mailboxes)" $?

"$daemon" -c "$work/casemail.conf" --once --foreground >"$work/once2.log" 2>&1
filed2=$(ls -d "$work"/spool/*/mail/*/ 2>/dev/null | wc -l)
replies2=$(smtpsink_count "$work/smtp")
[ "$filed2" = "$filed" ] && [ "$replies2" = "$replies" ]
check "a second run does nothing" $?

# ---- 2. IDLE: latency of a reply ------------------------------------------------
# poll_interval 600: only IDLE can bring the new mail in within the test's time
sed 's/^poll_interval = 2$/poll_interval = 600/' "$work/casemail.conf" >"$work/loop.conf"
"$daemon" -c "$work/loop.conf" --foreground >"$work/loop.log" 2>&1 &
daemon_pid=$!
sleep 2
before=$(smtpsink_count "$work/smtp")
t0=$(date +%s.%N)
imap_append "$work/imap" hfw INBOX "$R/hfw-ok-company-zip-root-outlook.eml" "29-Jul-2026 09:00:00 +0800" >/dev/null
latency=
for _ in $(seq 1 200); do
	if [ "$(smtpsink_count "$work/smtp")" -gt "$before" ]; then
		latency=$(awk "BEGIN { printf \"%.2f\", $(date +%s.%N) - $t0 }")
		break
	fi
	sleep 0.1
done
if [ -n "$latency" ] && awk "BEGIN { exit !($latency < 10) }"; then
	ok "IDLE: reply within 10 s of APPEND (${latency} s)"
else
	notok "IDLE: reply within 10 s of APPEND (got ${latency:-none})"
	tail -5 "$work/loop.log" | sed 's/^/# /'
fi
echo "# reply latency with IDLE: ${latency:-none} s"

# ---- 4. IMAP server restarted under the running daemon -------------------------------
port=$(cat "$work/imap/port")
dovecot_kill "$work/imap" >/dev/null 2>&1   # a crash: every connection dies
sleep 3
DOVECOT_USERS="hfw:hfwpass wcx:wcxpass" dovecot_start "$work/imap" "$port" >/dev/null 2>&1
before=$(smtpsink_count "$work/smtp")
imap_append "$work/imap" wcx INBOX "$R/wcx-ok-zip-thunderbird.eml" "21-Jul-2023 10:00:00 +0800" >/dev/null
for _ in $(seq 1 300); do
	[ "$(smtpsink_count "$work/smtp")" -gt "$before" ] && break
	sleep 0.2
done
[ "$(smtpsink_count "$work/smtp")" -gt "$before" ]
check "IMAP restart: the daemon reconnects and answers new mail" $?
grep -q "retrying in" "$work/loop.log"; check "IMAP restart: the outage was logged with a retry" $?
grep -E "retrying|connected" "$work/loop.log" | sed 's/^/# /' | head -6

# ---- 3. SMTP down, then up ----------------------------------------------------------
smtp_port=$(smtpsink_port "$work/smtp")
smtpsink_stop "$work/smtp" >/dev/null 2>&1
imap_append "$work/imap" hfw INBOX "$R/hfw-ok-nested-company-zips-thunderbird.eml" "30-Jul-2026 09:00:00 +0800" >/dev/null
# filing a mail with many photos takes a while in the ASan build: wait for
# the queued reply itself (up to 90 s), not for a fixed time
queued=0
for _ in $(seq 1 450); do
	queued=$(ls "$work/state/outbox/"*.eml 2>/dev/null | wc -l)
	[ "$queued" -ge 1 ] && break
	sleep 0.2
done
[ "$queued" -ge 1 ]; check "SMTP down: the reply waits in the outbox ($queued queued)" $?
before=$(smtpsink_count "$work/smtp")
smtpsink_start "$work/smtp" "$smtp_port" >/dev/null 2>&1
for _ in $(seq 1 300); do
	[ "$(smtpsink_count "$work/smtp")" -gt "$before" ] && break
	sleep 0.2
done
sleep 3
after=$(smtpsink_count "$work/smtp")
[ "$after" = $((before + 1)) ]; check "SMTP back: the waiting reply is delivered exactly once ($((after - before)))" $?

kill -TERM "$daemon_pid"
wait "$daemon_pid"
check "SIGTERM: the daemon exits cleanly" $?
daemon_pid=

# ---- 5. TLS: a Dovecot that requires it, our test CA as ca_file ----------------------
mkdir -p "$work/imaps"
if DOVECOT_USERS="hfw:hfwpass" dovecot_start "$work/imaps" 0 tls >/dev/null 2>&1; then
	for mode in starttls yes; do
		# a fresh mail for each pass (the previous pass marked its own done)
		imap_append "$work/imaps" hfw INBOX "$R/hfw-ok-case-folders-mutt.eml" "28-Jul-2026 15:40:02 +0800" >/dev/null
		port=$(cat "$work/imaps/port")
		[ "$mode" = yes ] && port=$(cat "$work/imaps/imaps_port")
		sed -e "s|^port = $(cat "$work/imap/port")$|port = $port|" -e "0,/^tls = no$/s//tls = $mode/" \
		    -e "s|^dir = $work/state$|dir = $work/state-$mode|" -e "s|^dir = $work/spool$|dir = $work/spool-$mode|" \
		    -e "/^\[mailbox weichuangxin\]/,/^password_file/d" \
		    -e "s|^password_file = $work/hfw.pw$|&\nca_file = $work/imaps/tls/ca.pem|" \
		    "$work/casemail.conf" >"$work/tls-$mode.conf"
		"$daemon" -c "$work/tls-$mode.conf" --once --foreground >"$work/tls-$mode.log" 2>&1
		[ "$(ls -d "$work"/spool-$mode/*/mail/*/ 2>/dev/null | wc -l)" = 1 ]
		check "TLS ($mode): verified against the test CA, mail filed" $?
	done
	# without our CA the certificate must be refused, and nothing filed
	sed '/^ca_file/d' "$work/tls-starttls.conf" | sed "s|$work/state-starttls|$work/state-noca|; s|$work/spool-starttls|$work/spool-noca|" >"$work/tls-noca.conf"
	"$daemon" -c "$work/tls-noca.conf" --once --foreground >"$work/tls-noca.log" 2>&1
	[ "$(ls -d "$work"/spool-noca/*/mail/*/ 2>/dev/null | wc -l)" = 0 ] && grep -qi "certificate" "$work/tls-noca.log"
	check "TLS without the CA: certificate refused, nothing filed" $?
	dovecot_stop "$work/imaps" >/dev/null 2>&1
else
	check "TLS Dovecot starts (tests/testca.sh needs openssl)" 1
fi
echo "1..$n"
[ "$fails" -eq 0 ]
