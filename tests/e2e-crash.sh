#!/usr/bin/env bash
# Crash test: casemaild is killed with SIGKILL at random moments while it
# works through a 50-mail mailbox (private Dovecot + aiosmtpd sink), and
# restarted each time. Afterwards: no mail lost (each filed, each
# non-ignored one answered), none filed twice, and duplicate replies only
# in the documented window (the SMTP server accepted, the daemon was killed
# before recording it) — counted and printed. TAP output.
#   CRASH_KILLS (default 25): how many kills.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
bindir=$(cd "$(dirname "${1:-build/casemailctl}")" && pwd)
daemon=$bindir/casemaild
work=$(mktemp -d "${TMPDIR:-/tmp}/e2e-crash.XXXXXX")
chmod 755 "$work"   # Dovecot's auth process runs as nobody
py=/usr/bin/python3
kills_wanted=${CRASH_KILLS:-25}
. "$top/tests/dovecot.sh"
. "$top/tests/smtpsink.sh"
. "$top/tests/fixtures.sh"

n=0
fails=0
check() { n=$((n + 1)); if [ "$2" = 0 ]; then echo "ok $n - $1"; else echo "not ok $n - $1"; fails=$((fails + 1)); fi; }
daemon_pid=
cleanup() {
	[ -n "$daemon_pid" ] && kill -9 "$daemon_pid" 2>/dev/null
	dovecot_stop "$work/imap" >/dev/null 2>&1
	smtpsink_stop "$work/smtp" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT

ensure_rules_fixtures

mkdir -p "$work/imap" "$work/smtp"
DOVECOT_USERS="hfw:hfwpass" dovecot_start "$work/imap" >/dev/null 2>&1 || { echo "Bail out! dovecot"; exit 1; }
smtpsink_start "$work/smtp" >/dev/null 2>&1 || { echo "Bail out! smtp sink"; exit 1; }
printf 'hfwpass\n' >"$work/hfw.pw"
chmod 600 "$work/hfw.pw"
cat >"$work/casemail.conf" <<EOC
[spool]
dir = $work/spool
[state]
dir = $work/state
[mailbox haofuwu]
campaign = haofuwu-2026
host = 127.0.0.1
port = $(cat "$work/imap/port")
tls = no
poll_interval = 1
user = hfw
password_file = $work/hfw.pw
[smtp]
host = 127.0.0.1
port = $(smtpsink_port "$work/smtp")
tls = no
retry_first = 1
[replies]
per_sender_per_day = 1000
[limits]
# kills land in the same mail's check again and again by chance here;
# the quarantine has its own test (e2e-quarantine)
quarantine_after = 0
EOC

# 50 mails of the 好服务 corpus (accepted, rejected, ignored)
ls "$fx"/rules/hfw-*.eml "$fx"/rules/ign-*.eml | head -50 >"$work/mails"
total=$(wc -l <"$work/mails")
while read -r m; do
	imap_append "$work/imap" hfw INBOX "$m" "28-Jul-2026 15:40:02 +0800" >/dev/null
done <"$work/mails"

kills=0
start=$(date +%s)
while [ "$kills" -lt "$kills_wanted" ] && [ $(( $(date +%s) - start )) -lt 240 ]; do
	"$daemon" -c "$work/casemail.conf" --foreground >>"$work/daemon.log" 2>&1 &
	daemon_pid=$!
	# somewhere between 50 ms and 1.5 s into its work
	sleep "$(awk -v s="$RANDOM" 'BEGIN { srand(s); printf "%.2f", 0.05 + rand() * 1.45 }')"
	kill -9 "$daemon_pid" 2>/dev/null && kills=$((kills + 1))
	wait "$daemon_pid" 2>/dev/null
	daemon_pid=
	done_count=$(imap_list_keywords "$work/imap" hfw INBOX | grep -c '\$casemail-done')
	echo "# kill $kills: $done_count of $total marked done"
done
# let it finish undisturbed
"$daemon" -c "$work/casemail.conf" --once --foreground >>"$work/daemon.log" 2>&1
sleep 2
"$daemon" -c "$work/casemail.conf" --once --foreground >>"$work/daemon.log" 2>&1

"$py" - "$work" "$work/mails" >"$work/result" <<'PY'
import email, email.policy, glob, json, os, sys
work, listfile = sys.argv[1], sys.argv[2]
names = [l.strip() for l in open(listfile) if l.strip()]
pol = email.policy.default
filed = {}
for mf in glob.glob(os.path.join(work, "spool", "*", "mail", "*", "message.eml")):
    m = email.message_from_binary_file(open(mf, "rb"), policy=pol)
    filed.setdefault(m["Message-ID"], []).append(mf)
verdicts = {}
for mf in glob.glob(os.path.join(work, "spool", "*", "mail", "*", "manifest.json")):
    j = json.load(open(mf))
    verdicts[os.path.basename(os.path.dirname(mf))] = j["verdict"]
replies = {}
for p in glob.glob(os.path.join(work, "smtp", "maildir", "*", "*")):
    if os.path.isfile(p):
        r = email.message_from_binary_file(open(p, "rb"), policy=pol)
        replies.setdefault(r["In-Reply-To"], []).append(r["Message-ID"])
lost = twice = unanswered = dup = 0
for n in names:
    o = email.message_from_binary_file(open(n, "rb"), policy=pol)
    mid = o["Message-ID"]
    f = filed.get(mid, [])
    if len(f) == 0: lost += 1
    if len(f) > 1: twice += 1
    ign = os.path.basename(n).startswith("ign-")
    nr = len(replies.get(mid, []))
    if not ign and nr == 0: unanswered += 1
    if ign and nr > 0: unanswered += 100   # never reply to ignored mail
    if nr > 1: dup += nr - 1
print("lost=%d twice=%d unanswered=%d duplicate_replies=%d mails=%d filed=%d replies=%d"
      % (lost, twice, unanswered, dup, len(names), sum(len(v) for v in filed.values()),
         sum(len(v) for v in replies.values())))
PY
read -r result <"$work/result"
echo "# crash loop: $kills kills over $total mails: $result"
eval "$(echo "$result" | tr ' ' '\n' | grep -E '^(lost|twice|unanswered|duplicate_replies)=')"
[ "$kills" -ge $((kills_wanted < 5 ? kills_wanted : 5)) ]; check "the daemon was killed $kills times mid-work" $?
[ "$lost" = 0 ]; check "no mail lost after $kills kills" $?
[ "$twice" = 0 ]; check "no mail filed twice" $?
[ "$unanswered" = 0 ]; check "every non-ignored mail answered, no ignored one" $?
marked=$(imap_list_keywords "$work/imap" hfw INBOX | grep -c '\$casemail-done')
[ "$marked" = "$total" ]; check "all $total marked done on the server" $?
# duplicates only in the window between SMTP acceptance and recording it
[ "$duplicate_replies" -le "$kills" ]
check "duplicate replies ($duplicate_replies) at most one per kill in the send window" $?
echo "1..$n"
[ "$fails" -eq 0 ]
