#!/usr/bin/env bash
# The IMAP connection dropped in the middle of a FETCH: a private Dovecot
# behind tests/cutproxy.py, which closes the first connection 3 MB into a
# 10 MB mail's literal.
#   1. casemaild --once through the proxy: the pass fails (75); no row,
#      no half-written incoming file, nothing in the spool, no reply, the
#      mail not marked on the server
#   2. the next run (the proxy passes everything now): filed once, one
#      reply, marked $casemail-done
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
cleanup() {
	[ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null
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

echo "1..$n"
[ "$fails" -eq 0 ]
