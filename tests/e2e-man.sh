#!/usr/bin/env bash
# The manual pages render cleanly and document what the code really has.
#   bash tests/e2e-man.sh BUILD/casemailctl      (casemaild is taken from
#                                                  the same directory)
# Checks, for man/casemaild.8, man/casemailctl.8, man/casemail.conf.5:
#   - groff -man -ww (all warnings) -K utf8 renders with no warning on the
#     default device (PostScript), on utf8 (what man(1) uses in a UTF-8
#     locale) and on ascii (man in the C locale). Chinese therefore goes
#     only through strings defined per device (see casemail.conf.5: the
#     utf8 device gets the characters, the others pinyin). man -l renders
#     with no warning, every non-ASCII character of the source (Chinese
#     included) survives into its output, and the NAME line parses for
#     whatis;
#   - every config key that lib/config.c accepts (its { "name", C_… } tables
#     and its strcmp(name, "…") calls, with the section each belongs to) has
#     an entry in its section of casemail.conf.5, with the table's default,
#     and every entry there is a key the code accepts;
#   - every command and long option in the real `casemailctl --help` and
#     `casemaild --help` output is in the page, and every command and long
#     option the page documents is in --help;
#   - every campaign key of lib/campaign.c's table is in docs/campaigns.md.
# TAP output.
set -u
bin=${1:-build/casemailctl}
top=$(cd "$(dirname "$0")/.." && pwd)
bindir=$(cd "$(dirname "$bin")" && pwd)
ctl=$bindir/casemailctl
daemon=$bindir/casemaild
export LC_ALL=C.UTF-8 MANWIDTH=80
unset MANOPT MANPAGER PAGER GROFF_TYPESETTER
work=$(mktemp -d "${TMPDIR:-/tmp}/e2e-man.XXXXXX")
trap 'rm -rf "$work"' EXIT
n=0
fails=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { # not_ok NAME [DIAGNOSTIC-FILE]
	n=$((n + 1))
	fails=$((fails + 1))
	echo "not ok $n - $1"
	[ -z "${2:-}" ] || sed 's/^/# /' "$2" | head -20
}
check() { # check NAME STATUS [DIAGNOSTIC-FILE]
	if [ "$2" -eq 0 ]; then ok "$1"; else not_ok "$1" "${3:-}"; fi
}

pages="casemaild.8 casemailctl.8 casemail.conf.5"

for tool in groff man lexgrog awk; do
	command -v "$tool" >/dev/null 2>&1
	check "$tool is installed" $?
done

# ---- rendering ---------------------------------------------------------------

for p in $pages; do
	f=$top/man/$p
	name=${p%.*}
	if [ ! -f "$f" ]; then
		not_ok "man/$p exists"
		continue
	fi
	iconv -f UTF-8 -t UTF-8 "$f" >/dev/null 2>"$work/err"
	check "$p is UTF-8" $? "$work/err"

	for dev in "" -Tutf8 -Tascii; do
		groff -man -ww -z -K utf8 $dev "$f" >"$work/out" 2>"$work/err"
		rc=$?
		[ "$rc" -eq 0 ] && [ ! -s "$work/err" ]
		check "$p: groff -man -ww -z -K utf8 ${dev:-(default device)} gives no warning" $? "$work/err"
	done

	man --warnings=w -l "$f" >"$work/$p.txt" 2>"$work/err"
	rc=$?
	[ "$rc" -eq 0 ] && [ ! -s "$work/err" ] && grep -q '^NAME' "$work/$p.txt" &&
		grep -qE "^ +$name - " "$work/$p.txt"
	check "$p: man -l renders it with no warning, NAME first" $? "$work/err"

	# every non-ASCII character of the text (not of comments) survives
	grep -v '^\.\\"' "$f" | grep -oP '[^\x{00}-\x{7F}]' | sort -u >"$work/chars"
	: >"$work/lost"
	while IFS= read -r c; do
		grep -qF -- "$c" "$work/$p.txt" || echo "lost: $c" >>"$work/lost"
	done <"$work/chars"
	[ ! -s "$work/lost" ]
	rc=$?; check "$p: all $(wc -l <"$work/chars") non-ASCII characters (Chinese included) survive man -l" $rc "$work/lost"

	lexgrog "$f" >"$work/out" 2>&1
	rc=$?
	[ "$rc" -eq 0 ] && grep -qF "\"$name - " "$work/out"
	check "$p: the NAME line parses for whatis (lexgrog)" $? "$work/out"
done

# Page text with roff's \- as "-" and font escapes removed.
plain() { sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\&//g' "$1"; }

# ---- casemail.conf.5 against lib/config.c -----------------------------------

conf5=$top/man/casemail.conf.5
# "section key default" per accepted key; default "-" when there is none
# (strcmp keys keep their defaults in code, not in a table).
awk '
	/static const struct ckey [a-z_]+_keys\[\]/ {
		match($0, /[a-z_]+_keys\[/)
		tbl = substr($0, RSTART, RLENGTH - 6)
		intable = 1
		next
	}
	intable && /^};/ { intable = 0; next }
	intable && /\{ "[a-z_]+", C_/ {
		k = split($0, q, "\"")
		print tbl, q[2], (k >= 5 ? q[4] : "-")
		next
	}
	{
		line = $0
		if (match(line, /strn?cmp\(section, "[^"]+"/)) {
			split(substr(line, RSTART, RLENGTH), q, "\"")
			sec = q[2]
			sub(/ +$/, "", sec)
		}
		while (match(line, /strcmp\(name, "[^"]+"/)) {
			split(substr(line, RSTART, RLENGTH), q, "\"")
			print (sec != "" ? sec : "?"), q[2], "-"
			line = substr(line, RSTART + RLENGTH)
		}
	}
' "$top/lib/config.c" | sort -u >"$work/keys"
[ "$(wc -l <"$work/keys")" -ge 25 ] && grep -q '^mailbox host localhost$' "$work/keys" &&
	grep -q '^smtp retry_first 300$' "$work/keys" && grep -q '^digest to -$' "$work/keys"
rc=$?; check "config keys extracted from lib/config.c ($(wc -l <"$work/keys") keys, sections known)" $rc "$work/keys"

plain "$conf5" >"$work/conf5"
# The .SS region of a section: from '.SS "[SECTION' to the next .SS/.SH.
region() {
	awk -v sec="$1" '
		/^\.S[SH]/ { inside = index($0, ".SS \"[" sec "]") == 1 || index($0, ".SS \"[" sec " ") == 1 }
		inside { print }
	' "$work/conf5"
}
while read -r sec key def; do
	region "$sec" >"$work/region"
	if [ ! -s "$work/region" ]; then
		not_ok "casemail.conf.5 has a section [$sec] (for key $key)"
		continue
	fi
	# the entry: from its '.BI "key = "' line to the next paragraph macro
	awk -v key="$key" '
		/^\.(TP|SS|SH|PP)/ { inside = 0 }
		$0 ~ "^\\.(B|BI|BR) \"?" key "( |\"|$)" { inside = 1 }
		inside { print }
	' "$work/region" >"$work/entry"
	if [ ! -s "$work/entry" ]; then
		not_ok "casemail.conf.5 documents [$sec] $key"
		continue
	fi
	if [ "$def" != "-" ] && [ "$def" != "0" ]; then
		tr '\n' ' ' <"$work/entry" | grep -qF "Default: $def"
		check "casemail.conf.5 documents [$sec] $key with its default \"$def\"" $? "$work/entry"
	else
		ok "casemail.conf.5 documents [$sec] $key"
	fi
done <"$work/keys"

# the other way: every entry of the page is a key the code accepts
awk '
	/^\.SH/ { keys = ($0 ~ /SECTIONS AND KEYS/) }
	keys && /^\.SS "\[/ { s = $0; sub(/^\.SS "\[/, "", s); sub(/[] ].*/, "", s); sec = s }
	keys && /^\.BI "[a-z_]+ = "/ { k = $0; sub(/^\.BI "/, "", k); sub(/ .*/, "", k); print sec, k }
' "$work/conf5" | sort -u >"$work/documented"
: >"$work/unknown"
while read -r sec key; do
	grep -q "^$sec $key " "$work/keys" || echo "[$sec] $key" >>"$work/unknown"
done <"$work/documented"
[ -s "$work/documented" ] && [ ! -s "$work/unknown" ]
rc=$?; check "every key casemail.conf.5 documents ($(wc -l <"$work/documented")) is accepted by lib/config.c" $rc "$work/unknown"

# ---- commands and options against --help -------------------------------------

# Long options in text (page text after plain()): "--name".
long_opts() { grep -oE -- '--[a-z][a-z0-9-]*' "$1" | sort -u; }
# The part of a page that documents the interface: SYNOPSIS up to EXIT STATUS.
iface() { awk '/^\.SH/ { inside = ($0 ~ /SYNOPSIS/) || (inside && $0 !~ /EXIT STATUS/) } inside' "$1"; }

for prog in casemailctl casemaild; do
	exe=$bindir/$prog
	page=$top/man/$prog.8
	if [ ! -x "$exe" ] || [ ! -f "$page" ]; then
		not_ok "$prog binary ($exe) and page exist"
		continue
	fi
	"$exe" --help >"$work/help" 2>&1
	check "$prog --help exits 0" $?
	plain "$page" >"$work/page"
	iface "$work/page" >"$work/iface"

	long_opts "$work/help" >"$work/help-opts"
	: >"$work/missing"
	while read -r o; do
		grep -qE -- "${o}([^a-z0-9-]|$)" "$work/page" || echo "$o" >>"$work/missing"
	done <"$work/help-opts"
	[ -s "$work/help-opts" ] && [ ! -s "$work/missing" ]
	rc=$?; check "$prog.8 documents every long option of --help ($(wc -l <"$work/help-opts"))" $rc "$work/missing"

	long_opts "$work/iface" >"$work/page-opts"
	: >"$work/extra"
	while read -r o; do
		[ "$o" = "--help" ] && continue   # getopt accepts it even where usage is silent
		grep -qE -- "${o}([^a-z0-9-]|$)" "$work/help" || echo "$o" >>"$work/extra"
	done <"$work/page-opts"
	[ ! -s "$work/extra" ]
	check "every long option $prog.8 documents is in $prog --help" $? "$work/extra"
done

# casemailctl's commands: "casemailctl WORD" in the synopsis lines of --help,
# or a line starting with the command and two blanks ("check     run …").
if [ -x "$ctl" ]; then
	"$ctl" --help >"$work/help" 2>&1
	{
		grep -oE '^(usage:)?[[:space:]]*casemailctl [a-z][a-z-]*' "$work/help" | awk '{ print $NF }'
		grep -oE '^[a-z][a-z-]*  ' "$work/help" | tr -d ' '
	} | sort -u >"$work/help-cmds"
	awk '/^\.SH/ { inside = ($0 ~ /^\.SH COMMANDS/) } inside && /^\.SS / { print $2 }' \
		"$top/man/casemailctl.8" | tr -d '"' | sort -u >"$work/page-cmds"
	grep -qx check "$work/help-cmds" && grep -qx inspect "$work/help-cmds"
	rc=$?; check "commands found in casemailctl --help: $(tr '\n' ' ' <"$work/help-cmds")" $rc "$work/help"
	comm -23 "$work/help-cmds" "$work/page-cmds" >"$work/missing"
	[ ! -s "$work/missing" ]
	check "casemailctl.8 documents every command of --help" $? "$work/missing"
	comm -13 "$work/help-cmds" "$work/page-cmds" >"$work/extra"
	[ ! -s "$work/extra" ]
	rc=$?; check "every command casemailctl.8 documents ($(wc -l <"$work/page-cmds")) is in casemailctl --help" $rc "$work/extra"
fi

# ---- docs/campaigns.md against lib/campaign.c --------------------------------

grep -oE '\{ "[a-z]+", "[a-z_]+", K_' "$top/lib/campaign.c" |
	awk -F'"' '{ print $2, $4 }' | sort -u >"$work/ckeys"
: >"$work/missing"
while read -r sec key; do
	grep -qF "\`$key\`" "$top/docs/campaigns.md" || echo "[$sec] $key" >>"$work/missing"
done <"$work/ckeys"
[ "$(wc -l <"$work/ckeys")" -ge 30 ] && [ ! -s "$work/missing" ]
rc=$?; check "docs/campaigns.md documents every campaign key of lib/campaign.c ($(wc -l <"$work/ckeys"))" $rc "$work/missing"

echo "1..$n"
[ "$fails" -eq 0 ]
