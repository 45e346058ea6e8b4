#!/usr/bin/env bash
# End-to-end test of the admin commands and the daily digest on a day of
# real traffic: the whole rules corpus (fixtures/gen_rules.py, ~100 mails
# of both campaigns over several weeks) goes through `casemaild --once`
# from two Maildirs, then:
#   status    not running → exit 3; running → exit 0 with the daemon's pid;
#             mailboxes polled; per-campaign totals = the corpus's verdicts
#   list      --verdict/--campaign/--since/--until counts = the corpus
#   show      defects of a mail = its fixture's expected error codes
#             (matched by Message-ID); unknown receipt → 66
#   reprocess after a rule change: rejected → accepted, old report kept,
#             accepted case laid out, no reply without --reply, one with
#   resend    new reply <receipt>.rN threaded to the submission; ignored
#             mail refused (65)
#   digest    every day of the corpus in csv/text/html against the oracle
#             in tests/compare_digest.py; --send through a real SMTP sink
#             (aiosmtpd): one mail per admin, MIME parsed back, CSV
#             attachment = `digest --format csv`; sent once; SMTP down → 69
# TAP. Usage: tests/e2e-admin.sh [BUILD/casemailctl]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
bindir=$(cd "$(dirname "${1:-build/casemailctl}")" && pwd)
ctl=$bindir/casemailctl
daemon=$bindir/casemaild
work=$(mktemp -d "${TMPDIR:-/tmp}/e2e-admin.XXXXXX")
py=/usr/bin/python3
. "$top/tests/smtpsink.sh"
. "$top/tests/fixtures.sh"

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; fails=$((fails + 1)); }
check() { if [ "$2" = 0 ]; then ok "$1"; else notok "$1"; fi; }
is() { if [ "$2" = "$3" ]; then ok "$1"; else notok "$1 (got '$2', want '$3')"; fi; }

daemon_pid=
cleanup() {
	[ -n "$daemon_pid" ] && kill -9 "$daemon_pid" 2>/dev/null
	smtpsink_stop "$work/smtp" >/dev/null 2>&1
	if [ -n "${KEEP:-}" ]; then echo "# kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

ensure_rules_fixtures
R=$fx/rules

# ---- a corpus's worth of traffic through the daemon ------------------------
cp -r "$top/conf/campaigns" "$work/campaigns"
i=0
for e in "$R"/*.expect.json; do
	camp=$(jq -r .campaign "$e")
	box=${camp%%-*}
	mkdir -p "$work/maildir/$box/new" "$work/maildir/$box/cur" "$work/maildir/$box/tmp"
	i=$((i + 1))
	cp "${e%.expect.json}.eml" "$work/maildir/$box/new/$((1785000000 + i)).M${i}P1.e2e"
done
conf=$work/casemail.conf
write_conf() { # write_conf FILE SMTP-SECTION-LINES
	cat >"$1" <<EOC
[campaigns]
dir = $work/campaigns
[spool]
dir = $work/spool
[state]
dir = $work/state
[mailbox haofuwu]
campaign = haofuwu-2026
maildir = $work/maildir/haofuwu
[mailbox weichuangxin]
campaign = weichuangxin-2023
maildir = $work/maildir/weichuangxin
[digest]
to = admin1@ecpmi.example, admin2@ecpmi.example
$2
EOC
}
write_conf "$conf" "[smtp]
outbox = $work/replies"
"$daemon" -c "$conf" --once --foreground >"$work/daemon.log" 2>&1
check "casemaild --once over the corpus ($i mails)" $?
total=$(ls "$R"/*.expect.json | wc -l)

# ---- status ------------------------------------------------------------------
"$ctl" status -c "$conf" --json >"$work/status.json"
is "status: exit 3 when casemaild is not running" $? 3
is "status --json: daemon.running false" "$(jq -r .daemon.running "$work/status.json")" false
is "status --json: both mailboxes polled" \
	"$(jq '[.mailboxes[] | select(.last_poll != null)] | length' "$work/status.json")" 2
for camp in haofuwu-2026 weichuangxin-2023; do
	want=$(jq -rs --arg c "$camp" '[.[] | select(.campaign == $c)] |
		"\(length) \(map(select(.verdict == "accepted")) | length) \(map(select(.verdict == "rejected")) | length) \(map(select(.verdict == "ignored")) | length)"' "$R"/*.expect.json)
	got=$(jq -r --arg c "$camp" '.campaigns[] | select(.id == $c) | "\(.mails) \(.accepted) \(.rejected) \(.ignored)"' "$work/status.json")
	is "status: $camp mails/accepted/rejected/ignored" "$got" "$want"
done
"$ctl" status -c "$conf" | grep -q '^casemaild:  not running'
check "status: human output says not running" $?

"$daemon" -c "$conf" --foreground >"$work/daemon2.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 1 100); do
	"$ctl" status -c "$conf" >/dev/null 2>&1 && break
	sleep 0.1
done
"$ctl" status -c "$conf" --json >"$work/status2.json"
is "status: exit 0 while casemaild runs" $? 0
is "status --json: the daemon's pid" "$(jq -r .daemon.pid "$work/status2.json")" "$daemon_pid"
# SIGHUP with a broken config: the daemon says so and keeps running
cp "$conf" "$work/conf.good"
echo "[broken" >>"$conf"
kill -HUP "$daemon_pid"
for _ in $(seq 1 50); do
	grep -q 'keeping the running configuration' "$work/daemon2.log" && break
	sleep 0.1
done
grep -q 'reload: .*keeping the running configuration' "$work/daemon2.log" && kill -0 "$daemon_pid" 2>/dev/null
check "SIGHUP with a broken config: logged, casemaild keeps running" $?
cp "$work/conf.good" "$conf"
"$ctl" status -c "$conf" >/dev/null
is "status after the failed reload: still running (exit 0)" $? 0
kill -TERM "$daemon_pid"
wait "$daemon_pid" 2>/dev/null
daemon_pid=

# ---- list ---------------------------------------------------------------------
"$ctl" list -c "$conf" --json >"$work/list.json"
check "list --json: exit 0" $?
is "list: every mail" "$(jq length "$work/list.json")" "$total"
want=$(jq -s '[.[] | select(.campaign == "haofuwu-2026" and .verdict == "rejected")] | length' "$R"/*.expect.json)
is "list --campaign haofuwu-2026 --verdict rejected" \
	"$("$ctl" list -c "$conf" --campaign haofuwu-2026 --verdict rejected --json | jq length)" "$want"
want=$(jq -s '[.[] | select(.arrival[0:10] == "2026-08-03")] | length' "$R"/*.expect.json)
is "list --since 2026-08-03 --until 2026-08-04" \
	"$("$ctl" list -c "$conf" --since 2026-08-03 --until 2026-08-04 --json | jq length)" "$want"
lines=$("$ctl" list -c "$conf" --verdict ignored | tail -n +2 | wc -l)
want=$(jq -s '[.[] | select(.verdict == "ignored")] | length' "$R"/*.expect.json)
is "list (text): one line per ignored mail" "$lines" "$want"
"$ctl" list -c "$conf" --verdict maybe >/dev/null 2>&1
is "list --verdict maybe: usage error 64" $? 64

# ---- show: the defects of each mail = its fixture's expected errors ------------
bad=0
checked=0
for e in "$R"/*.expect.json; do
	[ "$(jq -r .verdict "$e")" = rejected ] || continue
	mid=$(grep -i -m1 '^Message-ID:' "${e%.expect.json}.eml" | sed 's/^[^:]*:[[:space:]]*//' | tr -d '\r')
	# the receipt of this Message-ID, from the state DB
	rc=$(sqlite3 "$work/state/state.db" "SELECT receipt FROM messages WHERE message_id = '$(printf %s "$mid" | sed "s/'/''/g")'" | head -1)
	[ -n "$rc" ] || continue
	got=$("$ctl" show -c "$conf" --json "$rc" | jq -r '[.defects[] | select(.severity == "error") | .code] | unique | join(",")')
	want=$(jq -r '.errors | unique | join(",")' "$e")
	checked=$((checked + 1))
	if [ "$got" != "$want" ]; then
		bad=$((bad + 1))
		echo "# show $rc ($(basename "$e")): $got, want $want"
	fi
	[ "$checked" -lt 15 ] || break
done
is "show --json: error codes of $checked rejected mails = their fixtures' expected codes" "$bad" 0
[ "$checked" -ge 10 ]
check "show: at least 10 mails compared ($checked)" $?
first=$(jq -r '[.[] | select(.verdict == "rejected")][0].receipt' "$work/list.json")
"$ctl" show -c "$conf" "$first" >"$work/show.txt"
check "show (text): exit 0" $?
grep -q '^---- report.txt ----' "$work/show.txt" && grep -q "^receipt:     $first" "$work/show.txt"
check "show (text): header and the report" $?
"$ctl" show -c "$conf" NOPE-000001 >/dev/null 2>&1
is "show of an unknown receipt: exit 66" $? 66

# ---- digest: every day of the corpus against the oracle -------------------------
days=$(jq -r '.arrival[0:10]' "$R"/*.expect.json | sort -u)
dfail=0
dn=0
for d in $days; do
	"$ctl" digest -c "$conf" --date "$d" --format csv >"$work/d.csv" &&
		"$ctl" digest -c "$conf" --date "$d" --format text >"$work/d.txt" &&
		"$ctl" digest -c "$conf" --date "$d" --format html >"$work/d.html" || {
		dfail=$((dfail + 1)); echo "# digest $d failed"; continue; }
	"$py" "$top/tests/compare_digest.py" "$R" "$d" "$work/d.csv" "$work/d.txt" "$work/d.html" \
		"$work/spool" >"$work/cmp.out" 2>&1 || { dfail=$((dfail + 1)); grep -v '^ok' "$work/cmp.out" | sed 's/^/# /'; }
	dn=$((dn + 1))
done
is "digest: $dn days × csv/text/html match the corpus (counts, codes, late, needs_human, cases)" "$dfail" 0
"$ctl" digest -c "$conf" --date 2026-13-01 >/dev/null 2>&1
is "digest --date 2026-13-01: refused (65)" $? 65

# ---- reprocess after a rule change ------------------------------------------------
# a 好服务 mail rejected for photo.count only, reprocessed after the rule allows it
pe=
for e in "$R"/hfw-photos-*.expect.json; do
	if [ "$(jq -c .errors "$e")" = '["photo.count"]' ]; then pe=$e; break; fi
done
mid=$(grep -i -m1 '^Message-ID:' "${pe%.expect.json}.eml" | sed 's/^[^:]*:[[:space:]]*//' | tr -d '\r')
rc=$(sqlite3 "$work/state/state.db" "SELECT receipt FROM messages WHERE message_id = '$mid'")
is "reprocess: the photo.count mail $(basename "${pe:-none}" .expect.json) is rejected first" \
	"$("$ctl" show -c "$conf" --json "$rc" | jq -r .verdict)" rejected
replies_before=$(ls "$work/replies" | wc -l)
sed -i 's/^min = 3$/min = 1/; s/^max = 5$/max = 50/' "$work/campaigns/haofuwu-2026.campaign"
out=$("$ctl" reprocess -c "$conf" "$rc")
is "reprocess: exit 0" $? 0
echo "$out" | grep -q "$rc: rejected → accepted"
check "reprocess: prints rejected → accepted ($out)" $?
is "reprocess: the state DB has the new verdict" \
	"$("$ctl" show -c "$conf" --json "$rc" | jq -r '"\(.verdict) \(.reprocessed)"')" "accepted 1"
mdir=$work/spool/haofuwu-2026/mail/$rc
[ -f "$mdir/report.txt.1" ] && [ -f "$mdir/manifest.json.1" ] &&
	[ "$(jq -r .verdict "$mdir/manifest.json.1")" = rejected ] &&
	[ "$(jq -r .verdict "$mdir/manifest.json")" = accepted ]
check "reprocess: new manifest/report, the old ones kept as .1" $?
case_dir=$(jq -r '.cases[0] | "\(.company)/\(.name)"' "$mdir/manifest.json")
[ -L "$work/spool/haofuwu-2026/accepted/$case_dir" ]
check "reprocess: the accepted case is laid out ($case_dir)" $?
is "reprocess without --reply: no new reply" "$(ls "$work/replies" | wc -l)" "$replies_before"
"$ctl" reprocess -c "$conf" --reply "$rc" >/dev/null
check "reprocess --reply: exit 0" $?
[ -f "$work/replies/$rc.r1.eml" ] && grep -q "^Message-ID: <$rc.r1.reply@" "$work/replies/$rc.r1.eml"
check "reprocess --reply: the new report went out as $rc.r1" $?

# ---- resend -------------------------------------------------------------------
"$ctl" resend -c "$conf" "$rc" >"$work/resend.out"
check "resend: exit 0" $?
r2=$work/replies/$rc.r2.eml
[ -f "$r2" ] && grep -q "^In-Reply-To: $mid" "$r2" &&
	grep -q '^Auto-Submitted: auto-replied' "$r2"
check "resend: $rc.r2 threaded to the submission, auto-replied" $?
ign=$(jq -r '[.[] | select(.verdict == "ignored")][0].receipt' "$work/list.json")
"$ctl" resend -c "$conf" "$ign" >/dev/null 2>&1
is "resend of ignored mail: refused with 65" $? 65

# ---- digest --send through a real SMTP server ------------------------------------
mkdir -p "$work/smtp"
smtpsink_start "$work/smtp" >/dev/null 2>"$work/smtp.err" || { echo "Bail out! smtp sink: $(cat "$work/smtp.err")"; exit 1; }
conf2=$work/casemail-smtp.conf
write_conf "$conf2" "[smtp]
host = 127.0.0.1
port = $(smtpsink_port "$work/smtp")
tls = no"
"$ctl" digest -c "$conf2" --date 2026-08-04 --send >"$work/send.out" 2>&1
is "digest --send: exit 0" $? 0
is "digest --send: one mail per admin reached the SMTP server" "$(smtpsink_count "$work/smtp")" 2
"$ctl" digest -c "$conf2" --date 2026-08-04 --format csv >"$work/d0804.csv"
"$py" - "$work/smtp/maildir" "$work/d0804.csv" <<'EOF'
import email, email.policy, glob, sys
csv = open(sys.argv[2], "rb").read()
rcpts = set()
for path in glob.glob(sys.argv[1] + "/new/*"):
    m = email.message_from_binary_file(open(path, "rb"), policy=email.policy.default)
    assert m["Subject"].startswith("casemail 日报 2026-08-04：收到 "), m["Subject"]
    assert m["Auto-Submitted"] == "auto-generated"
    assert m.get_content_type() == "multipart/mixed"
    alt, att = m.get_payload()[0], m.get_payload()[-1]
    assert alt.get_content_type() == "multipart/alternative", alt.get_content_type()
    kinds = [p.get_content_type() for p in alt.get_payload()]
    assert kinds == ["text/plain", "text/html"], kinds
    assert "当日收件" in alt.get_payload()[0].get_content()
    assert att.get_filename() == "casemail-digest-2026-08-04.csv", att.get_filename()
    assert att.get_payload(decode=True) == csv, "attachment differs from digest --format csv"
    rcpts.add(str(m["To"]))
print("# recipients:", sorted(rcpts))
EOF
check "digest --send: Subject, text+HTML alternative, CSV attachment = digest --format csv" $?
"$ctl" digest -c "$conf2" --date 2026-08-04 --send >"$work/send2.out" 2>&1
[ $? = 0 ] && grep -q 'already sent' "$work/send2.out" && [ "$(smtpsink_count "$work/smtp")" = 2 ]
check "digest --send again: already sent, nothing new" $?
smtpsink_stop "$work/smtp" >/dev/null 2>&1
"$ctl" digest -c "$conf2" --date 2026-08-05 --send >"$work/send3.out" 2>&1
is "digest --send with the SMTP server down: exit 69" $? 69
grep -q 'queued' "$work/send3.out"
check "digest --send with the SMTP server down: the digest waits in the outbox" $?

echo "1..$n"
[ "$fails" -eq 0 ]
