#!/usr/bin/env bash
# End-to-end checks of casemailctl's command line: usage errors, unreadable
# input, exit codes (sysexits), and that one bad file does not stop the rest.
# TAP output.
set -u
bin=${1:-./casemailctl}
work=$(mktemp -d "${TMPDIR:-/tmp}/e2e-cli.XXXXXX")
trap 'rm -rf "$work"' EXIT
n=0
fails=0

check() { # check NAME WANT_RC GOT_RC [extra-condition-result]
	n=$((n + 1))
	if [ "$2" = "$3" ] && [ "${4:-0}" = 0 ]; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		echo "# exit $3, want $2; extra check ${4:-0}"
		fails=$((fails + 1))
	fi
}

printf 'From: a@example.com\r\nSubject: =?utf-8?B?5rWL6K+V?=\r\n\r\nhello\r\n' > "$work/ok.eml"
: > "$work/empty.eml"
mkdir "$work/dir.eml"

"$bin" >/dev/null 2>&1; check "no arguments is a usage error" 64 $?
"$bin" frobnicate >/dev/null 2>&1; check "unknown command is a usage error" 64 $?
"$bin" inspect >/dev/null 2>&1; check "inspect without files is a usage error" 64 $?
"$bin" inspect --bogus x >/dev/null 2>&1; check "unknown option is a usage error" 64 $?
"$bin" --help | grep -q "inspect"; check "--help documents inspect" 0 $?

"$bin" inspect "$work/missing.eml" >/dev/null 2>"$work/err"; rc=$?
grep -q "missing.eml" "$work/err"; check "missing file: exit 66 and names the file" 66 $rc $?
"$bin" inspect "$work/empty.eml" >/dev/null 2>"$work/err"; rc=$?
grep -q "empty" "$work/err"; check "empty file: exit 66, says empty" 66 $rc $?
"$bin" inspect "$work/dir.eml" >/dev/null 2>"$work/err"; rc=$?
grep -q "not a regular file" "$work/err"; check "directory: exit 66" 66 $rc $?

"$bin" inspect --json "$work/missing.eml" "$work/ok.eml" >"$work/out" 2>/dev/null; rc=$?
/usr/bin/python3 -c 'import json,sys; d=[json.loads(l) for l in open(sys.argv[1])]; assert len(d)==1 and d[0]["subject"]=="测试", d' "$work/out"
check "a bad file does not stop the next one (JSON for the good one, exit 66)" 66 $rc $?

"$bin" inspect "$work/ok.eml" >"$work/out"; rc=$?
grep -q "测试" "$work/out"; check "text output decodes the subject" 0 $rc $?

echo "1..$n"
[ "$fails" -eq 0 ]
