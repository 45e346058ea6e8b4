#!/usr/bin/env bash
# Faults outside the mail: the daemon must neither lose nor half-file mail.
#   1. spool disk full (a 2 MiB tmpfs): the mail stays unmarked in the
#      Maildir, no partial spool entry, the row keeps its error; with room
#      again the next run files it once and answers it once
#   2. state DB locked by another process: a clear error after the busy
#      timeout, the mail untouched; once released, processed normally
#   3. state DB corrupt: refused with an error naming the file, exit ≠ 0,
#      the mail untouched, the corrupt file not overwritten
#   4. a mail whose check keeps killing the daemon: quarantined after
#      [limits] quarantine_after unfinished checks, filed unread, answered
# Needs root for the tmpfs mount (part 1 is skipped otherwise). TAP.
# Usage: tests/e2e-faults.sh [BUILD/casemailctl]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
bindir=$(cd "$(dirname "${1:-build/casemailctl}")" && pwd)
ctl=$bindir/casemailctl
daemon=$bindir/casemaild
work=$(mktemp -d "${TMPDIR:-/tmp}/e2e-faults.XXXXXX")
py=/usr/bin/python3
. "$top/tests/fixtures.sh"

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; fails=$((fails + 1)); }
skip() { n=$((n + 1)); echo "ok $n # skip $1"; }
check() { if [ "$2" = 0 ]; then ok "$1"; else notok "$1"; fi; }
is() { if [ "$2" = "$3" ]; then ok "$1"; else notok "$1 (got '$2', want '$3')"; fi; }

locker=
cleanup() {
	[ -n "$locker" ] && kill "$locker" 2>/dev/null
	mountpoint -q "$work/spool" 2>/dev/null && umount "$work/spool"
	if [ -n "${KEEP:-}" ]; then echo "# kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

ensure_rules_fixtures
R=$fx/rules
good=$R/hfw-ok-case-folders-mutt.eml      # ~10 MB: photos, a video, documents

setup() { # setup DIR: a Maildir with the good mail, a config, empty spool/state
	local d=$1
	mkdir -p "$d/maildir/new" "$d/maildir/cur" "$d/maildir/tmp" "$d/spool" "$d/state" "$d/replies"
	cp "$good" "$d/maildir/new/1785000001.M1P1.faults"
	cat >"$d/casemail.conf" <<EOC
[spool]
dir = $d/spool
[state]
dir = $d/state
[mailbox haofuwu]
campaign = haofuwu-2026
maildir = $d/maildir
[smtp]
outbox = $d/replies
EOC
}
db() { sqlite3 "$1/state/state.db" "$2"; }

# ---- 1. spool disk full ---------------------------------------------------------------
d=$work/full
setup "$d"
if mount -t tmpfs -o size=2m tmpfs "$d/spool" 2>/dev/null; then
	"$daemon" -c "$d/casemail.conf" --once --foreground >"$d/run1.log" 2>&1
	is "disk full: --once reports a failed pass (75)" $? 75
	[ -f "$d/maildir/new/1785000001.M1P1.faults" ] && [ -z "$(ls "$d/maildir/cur")" ]
	check "disk full: the mail stays unmarked in new/" $?
	[ -z "$(ls "$d/spool"/*/mail 2>/dev/null)" ] && [ -z "$(ls -A "$d/spool"/*/tmp 2>/dev/null)" ]
	check "disk full: no mail directory, nothing left in the spool's tmp/" $?
	is "disk full: the row stays FETCHED with the error, no unfinished check counted" \
		"$(db "$d" "SELECT state, error LIKE '%No space%', attempts FROM messages")" "fetched|1|0"
	[ -z "$(ls "$d/replies")" ]; check "disk full: no reply" $?
	grep -q 'No space left on device' "$d/run1.log"; check "disk full: logged as such" $?
	mount -o remount,size=100m "$d/spool"
	"$daemon" -c "$d/casemail.conf" --once --foreground >"$d/run2.log" 2>&1
	is "room again: --once succeeds" $? 0
	is "room again: filed once, marked, error cleared" \
		"$(db "$d" "SELECT count(*), min(state), min(coalesce(error, '')) FROM messages")" "1|marked|"
	is "room again: one mail directory" "$(ls -d "$d"/spool/*/mail/*/ | wc -l)" 1
	is "room again: one reply" "$(ls "$d/replies" | wc -l)" 1
	[ -f "$d/maildir/cur/1785000001.M1P1.faults:2," ] || [ -n "$(ls "$d/maildir/cur")" ]
	check "room again: the mail is marked done (moved to cur/)" $?
	umount "$d/spool"
else
	for t in "75" "unmarked" "no partial" "row" "no reply" "logged" "succeeds" "filed once" "one dir" "one reply" "marked"; do
		skip "disk full ($t): cannot mount a tmpfs (not root?)"
	done
fi

# ---- 2. state DB locked by another process --------------------------------------------
d=$work/locked
setup "$d"
"$daemon" -c "$d/casemail.conf" --check-config >/dev/null 2>&1
# create the DB with one run over an empty mailbox, then hold an exclusive lock
mv "$d/maildir/new/1785000001.M1P1.faults" "$d/held.eml"
"$daemon" -c "$d/casemail.conf" --once --foreground >/dev/null 2>&1
mv "$d/held.eml" "$d/maildir/new/1785000001.M1P1.faults"
"$py" - "$d/state/state.db" "$d/locked.flag" <<'EOF' &
import sqlite3, sys, time, os
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=1)
c.execute("BEGIN EXCLUSIVE")
open(sys.argv[2], "w").close()
time.sleep(60)
EOF
locker=$!
for _ in $(seq 1 50); do [ -f "$d/locked.flag" ] && break; sleep 0.1; done
t0=$(date +%s)
"$daemon" -c "$d/casemail.conf" --once --foreground >"$d/run1.log" 2>&1
rc=$?
t1=$(date +%s)
[ "$rc" != 0 ]; check "DB locked: the pass fails (exit $rc) after $((t1 - t0)) s" $?
grep -F "$d/state/state.db" "$d/run1.log" | grep -qi 'locked\|busy'
check "DB locked: the error names the file and says it is locked" $?
[ -f "$d/maildir/new/1785000001.M1P1.faults" ]; check "DB locked: the mail is untouched" $?
kill "$locker" 2>/dev/null; wait "$locker" 2>/dev/null; locker=
"$daemon" -c "$d/casemail.conf" --once --foreground >"$d/run2.log" 2>&1
is "DB released: --once succeeds" $? 0
is "DB released: the mail is filed once and marked" \
	"$(db "$d" "SELECT count(*), min(state) FROM messages")" "1|marked"

# ---- 3. state DB corrupt -----------------------------------------------------------
d=$work/corrupt
setup "$d"
head -c 65536 /dev/urandom >"$d/state/state.db"
sum=$(sha256sum "$d/state/state.db" | cut -d' ' -f1)
"$daemon" -c "$d/casemail.conf" --once --foreground >"$d/run.log" 2>&1
rc=$?
[ "$rc" != 0 ]; check "DB corrupt: refused (exit $rc)" $?
grep -F "$d/state/state.db" "$d/run.log" | grep -qi 'not a database\|malformed\|corrupt'
check "DB corrupt: the error names the file and the problem" $?
sed 's/^/# /' "$d/run.log"
[ -f "$d/maildir/new/1785000001.M1P1.faults" ] && [ -z "$(ls "$d/replies")" ]
check "DB corrupt: the mail is untouched, no reply" $?
is "DB corrupt: the file is left as it was (for the admin to restore)" \
	"$(sha256sum "$d/state/state.db" | cut -d' ' -f1)" "$sum"
"$ctl" status -c "$d/casemail.conf" >"$d/status.out" 2>&1
rc=$?
[ "$rc" = 74 ]; check "DB corrupt: casemailctl status says so (exit $rc)" $?

# ---- 4. a mail whose check keeps killing the daemon -------------------------------------
# The daemon is SIGKILLed while the worker reads the mail, twice (as if
# the mail crashed it); with quarantine_after = 2 the third run files it
# unread (archive.damaged for the whole mail), answers it and marks it.
d=$work/poison
setup "$d"
printf '[limits]\nquarantine_after = 2\n' >>"$d/casemail.conf"
killed=0
for i in 1 2; do
	"$daemon" -c "$d/casemail.conf" --once --foreground >>"$d/kills.log" 2>&1 &
	pid=$!
	for _ in $(seq 1 1000); do   # up to 10 s for the worker to appear
		pgrep -P "$pid" >/dev/null && break
		sleep 0.01
	done
	pgrep -P "$pid" >/dev/null && kill -9 "$pid" 2>/dev/null && killed=$((killed + 1))
	wait "$pid" 2>/dev/null
done
is "quarantine: the daemon was killed in the worker's check twice" "$killed" 2
is "quarantine: two unfinished checks counted" "$(db "$d" "SELECT state, attempts FROM messages")" "fetched|2"
"$daemon" -c "$d/casemail.conf" --once --foreground >"$d/run.log" 2>&1
is "quarantine: the third run succeeds" $? 0
is "quarantine: filed unread as rejected, marked, count reset" \
	"$(db "$d" "SELECT state, verdict, attempts FROM messages")" "marked|rejected|0"
is "quarantine: its one defect is archive.damaged for the whole mail" \
	"$(jq -r '[.defects[] | .code + ":" + (.file // "mail")] | join(",")' "$d"/spool/*/mail/*/manifest.json)" \
	"archive.damaged:mail"
cmp -s "$good" "$d"/spool/*/mail/*/message.eml; check "quarantine: the mail itself is kept in the spool" $?
is "quarantine: the sender is answered" "$(ls "$d/replies" | wc -l)" 1
grep -q 'quarantined: the check of this mail did not finish 2 times' "$d/run.log"
check "quarantine: logged as such" $?

echo "1..$n"
[ "$fails" -eq 0 ]
