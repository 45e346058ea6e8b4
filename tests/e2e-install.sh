#!/usr/bin/env bash
# End-to-end test of `make install` / `make uninstall` into a DESTDIR.
#
#   tests/e2e-install.sh [BUILD/casemailctl]
#
# tests/run.sh calls every e2e suite once per build dir; this one does not
# use the binary it is given (make install compiles its own tree with the
# installed paths built in, in a temporary directory, without sanitizers),
# so it runs for the first build only and skips for BUILD-asan.
#
# Checks: the complete installed tree (every file, nothing else, modes),
# the installed casemailctl runs (--version, check of a fixture mail against
# the installed campaigns) and has the installed paths compiled in (not the
# source tree's), `systemd-analyze verify` of the installed units (binaries
# and man pages taken from the DESTDIR), the exposure score of
# casemail.service (systemd-analyze security --offline) is at most 2.0,
# reinstalling keeps a changed config, and uninstall removes the rest.
# Output is TAP.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-build/casemailctl}
case $(basename "$(dirname "$bin")") in
*-asan)
	echo "1..0 # skip install test runs once, for the normal build (not $bin)"
	exit 0 ;;
esac
for tool in systemd-analyze strings make; do
	if ! command -v "$tool" >/dev/null; then
		echo "Bail out! $tool not installed (make deps)"
		exit 1
	fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/e2e-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
dest=$work/root
n=0
fails=0

ok() { # ok NAME STATUS [DIAGNOSTIC-FILE]
	n=$((n + 1))
	if [ "$2" -eq 0 ]; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		[ -z "${3:-}" ] || tail -30 "$3" | sed 's/^/# /'
		fails=$((fails + 1))
	fi
}

# A make started from `make check` must not inherit its command-line
# variables (BUILD=…) or jobserver.
unset MAKEFLAGS MFLAGS MAKELEVEL
mk() {
	make -C "$top" --no-print-directory BUILD="$work/b" PREFIX=/usr DESTDIR="$dest" "$@"
}

# ---- install -----------------------------------------------------------------
mk -j2 install >"$work/install.log" 2>&1
ok "make install DESTDIR=… PREFIX=/usr" $? "$work/install.log"

# The tree install must produce: path mode, computed from the source tree.
{
	echo "usr/bin/casemailctl 755"
	echo "usr/sbin/casemaild 755"
	echo "etc/casemail/casemail.conf 644"
	for f in "$top"/conf/campaigns/*; do
		echo "etc/casemail/campaigns/$(basename "$f") 644"
	done
	[ ! -f "$top/conf/syslog-ng/casemail.conf" ] ||
		echo "etc/syslog-ng/conf.d/casemail.conf 644"
	for u in casemail.service casemail-digest.service casemail-digest.timer; do
		echo "usr/lib/systemd/system/$u 644"
	done
	echo "usr/lib/sysusers.d/casemail.conf 644"
	echo "usr/lib/tmpfiles.d/casemail.conf 644"
	for m in "$top"/man/*.[58]; do
		[ -f "$m" ] || continue
		echo "usr/share/man/man${m##*.}/$(basename "$m") 644"
	done
	for d in "$top"/README.md "$top"/docs/*.md; do
		echo "usr/share/doc/casemail/$(basename "$d") 644"
	done
} | LC_ALL=C sort >"$work/want.txt"
(cd "$dest" 2>/dev/null && find . ! -type d -printf '%P %m\n') | LC_ALL=C sort >"$work/got.txt"
diff "$work/want.txt" "$work/got.txt" >"$work/diff.txt"
ok "the installed tree is complete, nothing extra, modes 755/644 ($(wc -l <"$work/want.txt") files)" \
	$? "$work/diff.txt"

# ---- the installed programs ----------------------------------------------------
ctl=$dest/usr/bin/casemailctl
"$ctl" --version >"$work/out" 2>&1
grep -qx "casemailctl [0-9][0-9.]*" "$work/out"
ok "installed casemailctl --version" $? "$work/out"

. "$top/tests/fixtures.sh"
ensure_rules_fixtures
mail=$fx/rules/hfw-ok-company-zip-root-outlook.eml
timeout 120 "$ctl" check --json --campaigns "$dest/etc/casemail/campaigns" "$mail" \
	>"$work/check.json" 2>"$work/check.err"
rc=$?
/usr/bin/python3 - "$work/check.json" >>"$work/check.err" 2>&1 <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["verdict"] == "accepted" and d["campaign"] == "haofuwu-2026", (d["verdict"], d["campaign"])
assert d["cases"] and d["reply"] == "receipt", d
EOF
json_ok=$?
[ "$rc" -eq 0 ] && [ "$json_ok" -eq 0 ]
ok "installed casemailctl check --campaigns DESTDIR/etc/casemail/campaigns: accepted (exit $rc)" \
	$? "$work/check.err"

# The compiled-in paths are the installed ones, not the source tree's.
: >"$work/strings.txt"
for b in "$ctl" "$dest/usr/sbin/casemaild"; do
	strings "$b" >"$work/s"
	grep -qx "/etc/casemail/campaigns" "$work/s" ||
		echo "$b: no /etc/casemail/campaigns" >>"$work/strings.txt"
	grep -qx "/etc/casemail/casemail.conf" "$work/s" ||
		echo "$b: no /etc/casemail/casemail.conf" >>"$work/strings.txt"
	grep -F "$top/conf" "$work/s" | sed "s|^|$b: source path: |" >>"$work/strings.txt"
done
[ ! -s "$work/strings.txt" ]
ok "strings: /etc/casemail/{campaigns,casemail.conf} compiled in, $top/conf not" \
	$? "$work/strings.txt"

"$dest/usr/sbin/casemaild" --help >"$work/out" 2>&1
grep -q "default /etc/casemail/casemail.conf" "$work/out"
ok "installed casemaild --help names /etc/casemail/casemail.conf" $? "$work/out"

# ---- units ---------------------------------------------------------------------
# verify checks that ExecStart= is executable and Documentation= man pages
# exist: point both at the DESTDIR for the run (a copy of the installed
# units with the binaries' paths prefixed, MANPATH into the DESTDIR).
mkdir "$work/verify"
for u in "$dest"/usr/lib/systemd/system/*; do
	sed -E "s#^(Exec[A-Za-z]*=[-@:+!]*)(/usr/s?bin/casemail)#\\1$dest\\2#" "$u" \
		>"$work/verify/$(basename "$u")"
done
man=--man=yes
for page in casemaild.8 casemailctl.8 casemail.conf.5; do
	[ -f "$top/man/$page" ] || man=--man=no   # man pages not written yet
done
MANPATH=$dest/usr/share/man systemd-analyze verify "$man" "$work"/verify/* >"$work/verify.log" 2>&1
rc=$?
grep -q "^ExecStart=$dest/usr/sbin/casemaild" "$work/verify/casemail.service" ||
	echo "the copy for verify does not run $dest/usr/sbin/casemaild" >>"$work/verify.log"
[ "$rc" -eq 0 ] && [ ! -s "$work/verify.log" ]
ok "systemd-analyze verify $man: the installed units, no warning" $? "$work/verify.log"

# verify really looks: a unit with a typo is reported
cp "$work/verify/casemail.service" "$work/typo.service"
sed -i 's/^ProtectSystem=strict/ProtectSystem=strikt/' "$work/typo.service"
systemd-analyze verify --man=no "$work/typo.service" 2>&1 | grep -q "strikt"
ok "systemd-analyze verify reports a broken directive (the check can fail)" $?

systemd-analyze security --offline=true "$dest/usr/lib/systemd/system/casemail.service" \
	>"$work/security.log" 2>&1
score=$(sed -n 's/.*Overall exposure level for casemail.service: \([0-9.]*\).*/\1/p' \
	"$work/security.log")
echo "# systemd-analyze security casemail.service: exposure ${score:-?}"
[ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'
ok "casemail.service exposure $score <= 2.0" $? "$work/security.log"

systemd-analyze security --offline=true "$dest/usr/lib/systemd/system/casemail-digest.service" \
	>"$work/security.log" 2>&1
score=$(sed -n 's/.*Overall exposure level for casemail-digest.service: \([0-9.]*\).*/\1/p' \
	"$work/security.log")
[ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'
ok "casemail-digest.service exposure $score <= 2.0" $? "$work/security.log"

# ---- PREFIX=/usr/local: the text files install generates ----------------------
make -C "$top" --no-print-directory BUILD="$work/b" INSTALL_BUILD="$work/local" \
	PREFIX=/usr/local install-gen >"$work/gen.log" 2>&1
g=$work/local/gen
{
	grep -qx "ExecStart=/usr/local/sbin/casemaild" "$g/systemd/casemail.service" &&
	grep -qx "ExecStart=/usr/local/bin/casemailctl digest --send" \
		"$g/systemd/casemail-digest.service" &&
	! grep -q "^ConfigurationDirectory=" "$g/systemd/casemail.service" &&
	grep -qx "dir = /usr/local/etc/casemail/campaigns" "$g/conf/casemail.conf" &&
	! grep -q "@[A-Z]*@" "$g"/systemd/*
} >>"$work/gen.log" 2>&1
rc=$?
grep -E "^(Exec|Config|#.*Config)" "$g/systemd/casemail.service" >>"$work/gen.log"
systemd-analyze verify --man=no "$g/systemd/casemail-digest.timer" >"$work/timer.log" 2>&1
timer_rc=$?
cat "$work/timer.log" >>"$work/gen.log"
[ "$rc" -eq 0 ] && [ "$timer_rc" -eq 0 ] && [ ! -s "$work/timer.log" ]
ok "PREFIX=/usr/local: units run /usr/local/{s,}bin, config in /usr/local/etc/casemail" \
	$? "$work/gen.log"

# ---- reinstall, uninstall ------------------------------------------------------
conf=$dest/etc/casemail/casemail.conf
echo "; changed by the admin" >>"$conf"
mk install >"$work/install2.log" 2>&1 &&
	tail -1 "$conf" | grep -q "changed by the admin" &&
	[ -f "$conf.new" ] && cmp -s "$conf.new" "$top/conf/casemail.conf"
ok "reinstall keeps a changed casemail.conf, the new one beside it as .new" $? "$work/install2.log"

mk uninstall >"$work/uninstall.log" 2>&1
rc=$?
(cd "$dest" && find . ! -type d -printf '%P\n') >"$work/left.txt"
[ "$rc" -eq 0 ] && [ "$(cat "$work/left.txt")" = "etc/casemail/casemail.conf" ]
ok "make uninstall removes everything but the changed casemail.conf" $? "$work/left.txt"

echo "1..$n"
[ "$fails" -eq 0 ]
