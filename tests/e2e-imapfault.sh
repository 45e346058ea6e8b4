#!/usr/bin/env bash
# The IMAP connection dropped in the middle of a FETCH and in the middle of
# an IDLE: a private Dovecot behind tests/cutproxy.py, which closes the
# first connection 3 MB into a 10 MB mail's literal (or one second into
# its IDLE).
#   1. casemaild --once through the proxy: the pass fails (75); no row,
#      no half-written incoming file, nothing in the spool, no reply, the
#      mail not marked on the server
#   2. the next run (the proxy passes everything now): filed once, one
#      reply, marked $casemail-done; the row's SHA-256 (computed while the
#      FETCH streamed), size and Message-ID are the mail's
#   3. the connection dropped while the daemon waits in IDLE (a second
#      proxy): it reconnects by itself and answers a mail sent after the cut
# TAP. Usage: tests/e2e-imapfault.sh [BUILD/casemailctl]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
bindir=$(cd "$(dirname "${1:-build/casemailctl}")" && pwd)
daemon=$bindir/casemaild
work=$(mktemp -d "${TMPDIR:-/tmp}/e2e-imapfault.XXXXXX")
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
is() { if [ "$2" = "$3" ]; then ok "$1"; else notok "$1 (got '$2', want '$3')"; fi; }

proxy_pid=
idle_proxy=
daemon_pid=
cleanup() {
	[ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null
	[ -n "$idle_proxy" ] && kill "$idle_proxy" 2>/dev/null
	[ -n "$daemon_pid" ] && kill -9 "$daemon_pid" 2>/dev/null
	dovecot_stop "$work/imap" >/dev/null 2>&1
	smtpsink_stop "$work/smtp" >/dev/null 2>&1
	if [ -n "${KEEP:-}" ]; then echo "# kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

ensure_rules_fixtures
R=$fx/rules
mail=$R/hfw-ok-case-folders-mutt.eml

mkdir -p "$work/imap" "$work/smtp"
DOVECOT_USERS="hfw:hfwpass" dovecot_start "$work/imap" >/dev/null 2>"$work/dovecot.err" ||
	{ echo "Bail out! dovecot: $(cat "$work/dovecot.err")"; exit 1; }
smtpsink_start "$work/smtp" >/dev/null 2>"$work/smtp.err" ||
	{ echo "Bail out! smtp sink: $(cat "$work/smtp.err")"; exit 1; }
"$py" "$top/tests/cutproxy.py" "$work/proxy.port" "$(cat "$work/imap/port")" 3000000 &
proxy_pid=$!
for _ in $(seq 1 50); do [ -f "$work/proxy.port" ] && break; sleep 0.1; done
printf 'hfwpass\n' >"$work/hfw.pw"
chmod 600 "$work/hfw.pw"
cat >"$work/casemail.conf" <<EOC
[spool]
dir = $work/spool
[state]
dir = $work/state
[imap]
host = 127.0.0.1
port = $(cat "$work/proxy.port")
tls = no
[mailbox haofuwu]
campaign = haofuwu-2026
user = hfw
password_file = $work/hfw.pw
[smtp]
host = 127.0.0.1
port = $(smtpsink_port "$work/smtp")
tls = no
EOC
imap_append "$work/imap" hfw INBOX "$mail" "28-Jul-2026 15:40:02 +0800" >/dev/null

# ---- 1. the connection drops 3 MB into the FETCH ------------------------------------
"$daemon" -c "$work/casemail.conf" --once --foreground >"$work/run1.log" 2>&1
is "cut mid-FETCH: the pass fails (75)" $? 75
[ -f "$work/proxy.port.cut" ]; check "the proxy did cut the connection mid-transfer" $?
is "cut mid-FETCH: no row for the half-fetched mail" \
	"$(sqlite3 "$work/state/state.db" 'SELECT count(*) FROM messages')" 0
is "cut mid-FETCH: no incoming file left (neither .eml nor .tmp)" \
	"$(ls "$work/state/incoming" 2>/dev/null | wc -l)" 0
is "cut mid-FETCH: nothing filed" "$(ls -d "$work"/spool/*/mail/*/ 2>/dev/null | wc -l)" 0
is "cut mid-FETCH: no reply" "$(smtpsink_count "$work/smtp")" 0
imap_list_keywords "$work/imap" hfw INBOX | grep -q 'casemail-done'
is "cut mid-FETCH: the mail is not marked on the server" $? 1
grep -E 'error|warning' "$work/run1.log" | head -3 | sed 's/^/# /'

# ---- 2. the next run -------------------------------------------------------------------
"$daemon" -c "$work/casemail.conf" --once --foreground >"$work/run2.log" 2>&1
is "next run: --once succeeds" $? 0
is "next run: filed once and marked" \
	"$(sqlite3 "$work/state/state.db" 'SELECT count(*), min(state) FROM messages')" "1|marked"
is "next run: one reply" "$(smtpsink_count "$work/smtp")" 1
imap_list_keywords "$work/imap" hfw INBOX | grep -q 'casemail-done'
check "next run: \$casemail-done set on the server" $?
sha=$(sha256sum "$work"/spool/*/mail/*/message.eml | cut -d' ' -f1)
is "next run: the spooled message is the whole mail, byte for byte" "$sha" "$(sha256sum "$mail" | cut -d' ' -f1)"
# the digest is computed while the literal streams to the file (after a cut one)
is "next run: the row's SHA-256 (hashed while fetching) and size are the mail's" \
	"$(sqlite3 "$work/state/state.db" 'SELECT sha256, size FROM messages')" \
	"$(sha256sum "$mail" | cut -d' ' -f1)|$(stat -c %s "$mail")"
is "next run: the row's Message-ID is the mail's" \
	"$(sqlite3 "$work/state/state.db" 'SELECT message_id FROM messages')" \
	"$(sed -n 's/^Message-I[Dd]: *\(<[^>]*>\).*/\1/p' "$mail" | head -1)"

# ---- 3. the connection drops while the daemon waits in IDLE ---------------------------
# A second proxy cuts the first connection one second into its IDLE; the
# daemon (poll_interval 600 s: only IDLE brings mail in) must reconnect by
# itself and answer a mail APPENDed after the cut.
"$py" "$top/tests/cutproxy.py" "$work/idle.port" "$(cat "$work/imap/port")" idle &
idle_proxy=$!
for _ in $(seq 1 50); do [ -f "$work/idle.port" ] && break; sleep 0.1; done
sed -e "s|^port = $(cat "$work/proxy.port")\$|port = $(cat "$work/idle.port")|" \
    -e "s|^dir = $work/spool\$|dir = $work/spool-idle|" -e "s|^dir = $work/state\$|dir = $work/state-idle|" \
    "$work/casemail.conf" >"$work/idle.conf"
sed -i 's|^\[mailbox haofuwu\]$|&\npoll_interval = 600|' "$work/idle.conf"
"$daemon" -c "$work/idle.conf" --foreground >"$work/run3.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 1 300); do [ -f "$work/idle.port.cut" ] && break; sleep 0.1; done
[ -f "$work/idle.port.cut" ]; check "cut mid-IDLE: the proxy cut the connection while the daemon was in IDLE" $?
before=$(smtpsink_count "$work/smtp")
imap_append "$work/imap" hfw INBOX "$R/hfw-damaged-zip-qq.eml" "28-Jul-2026 16:00:00 +0800" >/dev/null
got=
for _ in $(seq 1 600); do   # up to 60 s: a reconnect after 5 s of backoff, then IDLE or a poll
	[ "$(smtpsink_count "$work/smtp")" -gt "$before" ] && { got=1; break; }
	sleep 0.1
done
[ -n "$got" ]; check "cut mid-IDLE: the daemon reconnected and answered a mail that came after the cut" $?
kill -0 "$daemon_pid" 2>/dev/null; check "cut mid-IDLE: the daemon is still running" $?
kill "$daemon_pid" 2>/dev/null
wait "$daemon_pid" 2>/dev/null
kill "$idle_proxy" 2>/dev/null
grep -E 'warning|error' "$work/run3.log" | head -3 | sed 's/^/# /'

echo "1..$n"
[ "$fails" -eq 0 ]
