#!/usr/bin/env bash
# End-to-end test of SPEC's "Hostile input" on the hostile corpus
# (fixtures/gen_hostile.py: bombs, unsafe and encrypted archives, broken
# media, MIME and header attacks, hostile names; about 65 mails).
#
#   tests/e2e-hostile.sh [BUILD/casemailctl]
#
# 1. check: `casemailctl check --campaign haofuwu-2026 --json` once per mail
#    (the daemon knows the campaign from the mailbox; a hostile mail may hide
#    its recipients), under timeout and GNU time, with TMPDIR a fresh empty
#    directory and the mail a copy in a directory of its own. For each mail:
#      - a verdict: exit 0, 1 or 2 (not a crash, not killed)
#      - within the time limit: 10 s (normal build), 30 s (ASan build)
#      - the expected verdict and ignored reason, every expected code, one of
#        the any_codes (NAME.expect.json)
#      - peak RSS (casemailctl and its probe children) under 512 MiB
#        (ASan build: 1.5 GiB)
#      - nothing written outside the work directory: TMPDIR empty afterwards,
#        the mail and its directory unchanged, the paths the mail aims at
#        (canaries) absent, and (normal build, under strace) every file the
#        process tree created, opened for writing, renamed, linked or removed
#        lies in TMPDIR
#      - the file paths in the JSON are clean: no control characters, not
#        absolute, no "." or ".." component
# 2. daemon: every hostile mail goes into a Maildir, each followed by an
#    accepted mail of the rules corpus (a copy made unique by one header),
#    then `casemaild --once --foreground` (Maildir in, [smtp] outbox out):
#    exit 0, a verdict in the state DB for every mail, every good mail
#    accepted, each hostile mail its expected verdict and codes, peak RSS
#    bounded, nothing written outside the spool, state, outbox and Maildir
#    (strace in the normal build; TMPDIR empty).
# A table of mail → verdict, codes, seconds, peak RSS is printed as TAP
# comments. Known failures are TAP "# TODO" (the KNOWN table below) with
# the reason; fix the cause, then remove the entry.
# Environment: HOSTILE_LIMIT (seconds), HOSTILE_ONLY (a regex of names),
# KEEP=1 (keep the work directory).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
bindir=$(cd "$(dirname "${1:-build/casemailctl}")" && pwd)
ctl=$bindir/casemailctl
daemon=$bindir/casemaild
py=/usr/bin/python3
if [ ! -x "$ctl" ] || [ ! -x "$daemon" ]; then
	echo "Bail out! casemailctl or casemaild not found in $bindir"
	exit 1
fi
for t in /usr/bin/time strace jq timeout; do
	command -v "$t" >/dev/null || { echo "Bail out! $t missing (make deps)"; exit 1; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/e2e-hostile.XXXXXX")
cleanup() {
	chmod -R u+w "$work" 2>/dev/null
	if [ -n "${KEEP:-}" ]; then echo "# kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

asan=
case $(basename "$bindir") in *-asan) asan=1 ;; esac
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=99}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=99}
if [ -n "$asan" ]; then
	limit=${HOSTILE_LIMIT:-30}
	rss_max=$((1536 * 1024))    # KiB
	use_strace=                 # ptrace on top of ASan: too slow, nothing more to learn
else
	limit=${HOSTILE_LIMIT:-10}
	rss_max=$((512 * 1024))
	use_strace=1
fi
hard=$((limit + 2))                 # killed after this: no verdict

# Known failures: "NAME:assertion" → why (assertion: verdict, time, expect,
# rss, writes, paths; daemon:NAME for the daemon run). Each is reported to
# the lead; the assertion stays and is marked TODO.
declare -A KNOWN=()
# Time is measured on a run without strace (ptrace stops at every one of
# the openat/unlink calls of a mail of many files); the traced run
# that follows checks the writes.

. "$top/tests/fixtures.sh"
ensure_hostile_fixtures
H=$fx/hostile
ensure_rules_fixtures
R=$fx/rules

n=0
fails=0
tap() { # tap 0|1 DESCRIPTION [TODO-REASON]
	n=$((n + 1))
	local todo=""
	[ -n "${3:-}" ] && todo=" # TODO ${3}"
	if [ "$1" = 0 ]; then
		echo "ok $n - $2$todo"
	else
		echo "not ok $n - $2$todo"
		[ -n "$todo" ] || fails=$((fails + 1))
	fi
}

# strace: every syscall that can create, change or remove a name
TRACE=openat,open,creat,mkdir,mkdirat,rename,renameat,renameat2,link,linkat,symlink,symlinkat,unlink,unlinkat,rmdir,truncate,chmod,fchmodat,mknod,mknodat
traced() { # traced LOG: the command prefix that traces (normal build only)
	if [ -n "$use_strace" ]; then
		echo strace -f -qq -y --seccomp-bpf -e signal=none -e "trace=$TRACE" -o "$1"
	else
		: >"$1"
	fi
}

# writes_outside LOG CWD ALLOWED-ROOT... → prints offending calls, exit 1 if
# any call that succeeded created, wrote, renamed, linked or removed a path
# outside the allowed roots (failed calls, e.g. mkdir -p on existing
# parents, changed nothing)
writes_outside() {
	"$py" - "$@" <<'EOF'
import os, re, sys
log, cwd, roots = sys.argv[1], sys.argv[2], [os.path.realpath(r) for r in sys.argv[3:]]
roots += ["/dev/null", "/proc/"]
WRITE_FLAGS = ("O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND")
call = re.compile(r'^(\d+)\s+(\w+)\((.*)$')
resumed = re.compile(r'^(\d+)\s+<\.\.\. (\w+) resumed>(.*)$')
bad = []
pending = {}

def calls():
    """(name, args, result) of every complete call; -f splits some in two."""
    for line in open(log, encoding="utf-8", errors="replace"):
        line = line.rstrip("\n")
        m = resumed.match(line)
        if m:
            pid, name, rest = m.groups()
            if (pid, name) in pending:
                yield name, pending.pop((pid, name)), rest
            continue
        m = call.match(line)
        if not m:
            continue
        pid, name, rest = m.groups()
        if rest.endswith("<unfinished ...>"):
            pending[(pid, name)] = rest[:-len("<unfinished ...>")]
            continue
        yield name, rest, rest

def strarg(s):
    """First "..." string and what comes before it (a dirfd)."""
    m = re.match(r'\s*(?:(AT_FDCWD|-?\d+)(?:<([^>]*)>)?,\s*)?"((?:[^"\\]|\\.)*)"', s)
    if not m:
        return None, None, s
    base = m.group(2) if m.group(2) else (cwd if m.group(1) in (None, "AT_FDCWD") else None)
    path = bytes(m.group(3), "utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8", "replace")
    return base, path, s[m.end():]

def full(base, path):
    if path.startswith("/"):
        return os.path.normpath(path)
    return os.path.normpath(os.path.join(base or "?", path))

def inside(p):
    return any(p == r or p.startswith(r.rstrip("/") + "/") for r in roots)

for name, rest, result in calls():
    if re.search(r'\) += -1 E[A-Z0-9]+ \([^()]*\)$', result):
        continue
    paths = []
    if name in ("open", "openat", "creat"):
        base, p, tail = strarg(rest)
        if p is None:
            continue
        if name == "creat" or any(f in tail.split(")")[0] for f in WRITE_FLAGS):
            paths.append(full(base, p))
    elif name in ("rename", "renameat", "renameat2", "link", "linkat", "symlink", "symlinkat"):
        base, p, tail = strarg(rest)
        b2, p2, _ = strarg(tail.lstrip(", "))
        if name.startswith("symlink"):
            paths.append(full(b2, p2) if p2 is not None else "?")
        else:
            paths += [full(base, p) if p is not None else "?", full(b2, p2) if p2 is not None else "?"]
    else:
        base, p, _ = strarg(rest)
        if p is not None:
            paths.append(full(base, p))
    for p in paths:
        if not inside(p):
            bad.append("%s %s" % (name, p))
for b in bad[:20]:
    print(b)
sys.exit(1 if bad else 0)
EOF
}

# ---- the corpus ------------------------------------------------------------
mapfile -t names < <(cd "$H" && ls -- *.expect.json | sed 's/\.expect\.json$//' | sort)
if [ -n "${HOSTILE_ONLY:-}" ]; then
	mapfile -t names < <(printf '%s\n' "${names[@]}" | grep -E -- "$HOSTILE_ONLY")
fi
# the ASan build leaves out the inputs known to outlast the time limit (they
# are TODO in the normal build already): 6 × 30 s of waiting teaches nothing
if [ -n "$asan" ] && [ -z "${HOSTILE_ASAN_ALL:-}" ]; then
	kept=()
	for e in "${names[@]}"; do
		[ -n "${KNOWN[$e:time]:-}" ] || kept+=("$e")
	done
	names=("${kept[@]}")
fi
echo "# ${#names[@]} hostile mails from $H; build $(basename "$bindir"); time limit ${limit}s, peak RSS limit $((rss_max / 1024)) MiB${use_strace:+, writes traced with strace}"

# canaries left by an earlier (broken) run would make the test lie
for e in "${names[@]}"; do
	for c in $(jq -r '.canaries[]' "$H/$e.expect.json"); do
		if [ -e "$c" ]; then
			echo "# removing $c, left behind by an earlier run"
			rm -f -- "$c"
		fi
	done
done

# ---- 1. casemailctl check, one mail at a time --------------------------------
mkdir -p "$work/check"
table=$work/table.tsv
: >"$table"
for e in "${names[@]}"; do
	d=$work/check/$e
	mkdir -p "$d/in" "$d/tmp" "$d/cwd"
	cp "$H/$e.eml" "$d/in/"
	chmod 0444 "$d/in/$e.eml"
	chmod 0555 "$d/in"
	before=$(stat -c '%n %s %Y %a %h' "$d/in" "$d/in/$e.eml" && sha256sum <"$d/in/$e.eml")
	slow=${KNOWN[$e:time]:-}
	h=$hard
	[ -z "$slow" ] || h=$((10 + 2))   # known to be slow: only confirm it still is
	if [ -n "$use_strace" ]; then
		mkdir -p "$d/tmp-timed"
		t0=$(date +%s.%N)
		(cd "$d/cwd" && TMPDIR=$d/tmp-timed timeout -k 3 "$h" "$ctl" check \
			--campaign haofuwu-2026 --json "$d/in/$e.eml" >/dev/null 2>&1)
		rc_timed=$?
		t1=$(date +%s.%N)
		secs_timed=$(echo "$t1 - $t0" | bc | sed 's/^\./0./')
		rm -rf "$d/tmp-timed"
		h=$((h * 4))                  # the traced run: verdict and writes
	fi
	t0=$(date +%s.%N)
	# shellcheck disable=SC2046
	(cd "$d/cwd" && TMPDIR=$d/tmp /usr/bin/time -f %M -o "$d/rss" timeout -k 3 "$h" \
		$(traced "$d/strace.log") "$ctl" check --campaign haofuwu-2026 --json "$d/in/$e.eml" \
		>"$d/out.json" 2>"$d/err")
	rc=$?
	t1=$(date +%s.%N)
	secs=$(echo "$t1 - $t0" | bc | sed 's/^\./0./')
	rss=$(tail -1 "$d/rss" 2>/dev/null | grep -E '^[0-9]+$' || echo 0)
	after=$(stat -c '%n %s %Y %a %h' "$d/in" "$d/in/$e.eml" && sha256sum <"$d/in/$e.eml")
	verdict=$(jq -r '.verdict // "-"' "$d/out.json" 2>/dev/null || echo -)
	codes=$(jq -r '[.defects[].code] | unique | join(",")' "$d/out.json" 2>/dev/null)
	[ -n "$verdict" ] || verdict=-
	printf '%s|%s|%s|%s|%s|%s|%s\n' "$e" "$(jq -r .verdict "$H/$e.expect.json")" \
		"$verdict" "${codes:--}" "$secs" "$rss" "$rc" >>"$table"

	# a verdict
	why=${KNOWN[$e:verdict]:-}
	[ -z "$why" ] && [ -n "$slow" ] && [ "$rc" -ge 124 ] && why="killed after ${h}s: $slow"
	case $rc in 0|1|2) tap 0 "$e: a verdict (exit $rc)" ;;
	*) tap 1 "$e: a verdict (exit $rc$( [ "$rc" -ge 124 ] && echo ", killed after ${h}s"))" "$why"
	   sed 's/^/#   /' "$d/err" | head -20 ;;
	esac
	# in time
	if [ -n "$use_strace" ]; then
		secs=$secs_timed
		rc_in_time=$rc_timed
	else
		rc_in_time=$rc
	fi
	if echo "$secs <= $limit" | bc | grep -q 1 && [ "$rc_in_time" -ne 124 ] && [ "$rc_in_time" -ne 137 ]; then
		tap 0 "$e: within ${limit}s (${secs}s)" "$slow"
	else
		tap 1 "$e: within ${limit}s (${secs}s)" "$slow"
	fi
	# the expected verdict and codes
	why=${KNOWN[$e:expect]:-}
	[ -z "$why" ] && [ -n "$slow" ] && [ "$rc" -ge 124 ] && why="no verdict: $slow"
	msg=$("$py" - "$H/$e.expect.json" "$d/out.json" <<'EOF'
import json, sys
exp = json.load(open(sys.argv[1]))
try:
    got = json.load(open(sys.argv[2]))
except (OSError, ValueError) as e:
    print("no JSON (%s)" % e.__class__.__name__)
    sys.exit(1)
codes = {d["code"] for d in got.get("defects", [])}
errs = []
if got.get("verdict") != exp["verdict"]:
    errs.append("verdict %s, want %s" % (got.get("verdict"), exp["verdict"]))
if exp["verdict"] == "ignored" and got.get("ignored_reason") != exp["ignored_reason"]:
    errs.append("ignored_reason %s, want %s" % (got.get("ignored_reason"), exp["ignored_reason"]))
missing = [c for c in exp["codes"] if c not in codes]
if missing:
    errs.append("missing %s" % ",".join(missing))
if exp["any_codes"] and not codes & set(exp["any_codes"]):
    errs.append("none of %s" % ",".join(exp["any_codes"]))
if errs:
    print("; ".join(errs) + " (got: %s)" % (",".join(sorted(codes)) or "no codes"))
    sys.exit(1)
EOF
)
	st=$?
	want=$(jq -r '[.verdict] + .codes + (if (.any_codes|length) > 0 then ["one of " + (.any_codes|join("|"))] else [] end) | join(" ")' "$H/$e.expect.json")
	tap $st "$e: $want${msg:+ — $msg}" "$why"
	# peak RSS
	why=${KNOWN[$e:rss]:-}
	if [ "$rss" -gt 0 ] && [ "$rss" -le "$rss_max" ]; then
		tap 0 "$e: peak RSS $((rss / 1024)) MiB <= $((rss_max / 1024)) MiB" "$why"
	else
		tap 1 "$e: peak RSS $((rss / 1024)) MiB <= $((rss_max / 1024)) MiB" "$why"
	fi
	# nothing written outside the work directory
	problems=""
	left=$(find "$d/tmp" "$d/cwd" -mindepth 1 2>/dev/null | head -3)
	# a process killed by timeout cannot clean up: not the point here
	[ -n "$slow" ] && [ "$rc" -ge 124 ] && left=$(find "$d/cwd" -mindepth 1 | head -3)
	[ -z "$left" ] || problems="$problems left behind: $left;"
	[ "$before" = "$after" ] || problems="$problems the mail or its directory changed;"
	for c in $(jq -r '.canaries[]' "$H/$e.expect.json"); do
		[ ! -e "$c" ] && [ ! -L "$c" ] || { problems="$problems $c exists;"; rm -f -- "$c"; }
	done
	if [ -n "$use_strace" ]; then
		out=$(writes_outside "$d/strace.log" "$d/cwd" "$d/tmp") ||
			problems="$problems writes outside TMPDIR: $(echo "$out" | head -3 | tr '\n' ' ');"
	fi
	tap "$([ -z "$problems" ] && echo 0 || echo 1)" \
		"$e: nothing written outside its work directory${problems:+ —$problems}" "${KNOWN[$e:writes]:-}"
	# clean paths in the report
	why=${KNOWN[$e:paths]:-}
	[ -z "$why" ] && [ -n "$slow" ] && [ "$rc" -ge 124 ] && why="no report: $slow"
	bad=$(jq -r '.files[]?.path | select(test("[\u0000-\u001f\u007f]") or startswith("/") or test("(^|/)\\.\\.?(/|$)"))' \
		"$d/out.json" 2>/dev/null | head -3)
	if [ -s "$d/out.json" ] && jq -e .files "$d/out.json" >/dev/null 2>&1 && [ -z "$bad" ]; then
		tap 0 "$e: file paths in the report are clean" "$why"
	else
		tap 1 "$e: file paths in the report are clean${bad:+ — $bad}" "$why"
	fi
	# keep the work directory small: the report and the trace are enough
	[ -n "${KEEP:-}" ] || rm -rf "$d/in" "$d/tmp"
done

echo "# mail                           expected  got       seconds  peak RSS  codes"
while IFS='|' read -r e want got codes secs rss rc; do
	[ "$rc" -le 2 ] || got="exit $rc"
	printf '# %-30s %-9s %-9s %6.2f %5d MiB  %s\n' "$e" "$want" "$got" "$secs" "$((rss / 1024))" "$codes"
done <"$table"

# ---- 2. the daemon over all of them, a good mail after each --------------------
mapfile -t goods < <(cd "$R" && for f in *.expect.json; do
	jq -e '.verdict == "accepted" and .campaign == "haofuwu-2026"' "$f" >/dev/null && echo "${f%.expect.json}"
done)
if [ "${#goods[@]}" -eq 0 ]; then
	tap 1 "daemon: accepted 好服务 mails in the rules corpus"
	exit 1
fi
dm=$work/daemon
mkdir -p "$dm/maildir/haofuwu/new" "$dm/maildir/haofuwu/cur" "$dm/maildir/haofuwu/tmp" "$dm/tmp" "$dm/cwd"
cp -r "$top/conf/campaigns" "$dm/campaigns"
: >"$dm/keys.tsv"
i=0
skipped=""
for e in "${names[@]}"; do
	if [ -n "${KNOWN[$e:time]:-}" ] && [ -z "${HOSTILE_DAEMON_ALL:-}" ]; then
		skipped="$skipped $e"
		continue
	fi
	g=${goods[$((i % ${#goods[@]}))]}
	k1=$((1785000000 + 2 * i)).M$((2 * i))P1.hostile
	k2=$((1785000001 + 2 * i)).M$((2 * i + 1))P1.hostile
	cp "$H/$e.eml" "$dm/maildir/haofuwu/new/$k1"
	# a unique copy: same mail, one more header, so not a duplicate
	{ printf 'X-Hostile-Seq: %d\r\n' "$i"; cat "$R/$g.eml"; } >"$dm/maildir/haofuwu/new/$k2"
	printf '%s\thostile\t%s\n%s\tgood\t%s\n' "$k1" "$e" "$k2" "$g" >>"$dm/keys.tsv"
	i=$((i + 1))
done
nmail=$((2 * i))
cat >"$dm/casemail.conf" <<EOC
[campaigns]
dir = $dm/campaigns
[spool]
dir = $dm/spool
[state]
dir = $dm/state
[mailbox haofuwu]
campaign = haofuwu-2026
maildir = $dm/maildir/haofuwu
[smtp]
outbox = $dm/outbox
EOC
if [ -n "$skipped" ]; then
	tap 1 "daemon: every hostile mail in the run (left out, over the time limit:$skipped)" \
		"they take longer than ${limit}s each (see above); HOSTILE_DAEMON_ALL=1 runs them"
fi
dhard=$((nmail * limit / 2 + 60))
echo "# daemon: $nmail mails ($i hostile, $i good), killed after ${dhard}s"
t0=$(date +%s)
# shellcheck disable=SC2046
(cd "$dm/cwd" && TMPDIR=$dm/tmp /usr/bin/time -f %M -o "$dm/rss" timeout -k 5 "$dhard" \
	$(traced "$dm/strace.log") "$daemon" -c "$dm/casemail.conf" --once --foreground \
	>"$dm/daemon.log" 2>&1)
rc=$?
secs=$(($(date +%s) - t0))
drss=$(tail -1 "$dm/rss" 2>/dev/null | grep -E '^[0-9]+$' || echo 0)
echo "# daemon: exit $rc after ${secs}s, peak RSS $((drss / 1024)) MiB"
if [ "$rc" -ne 0 ]; then
	grep -E -i 'error|fail|crash|signal' "$dm/daemon.log" | head -20 | sed 's/^/#   /'
fi
tap "$([ "$rc" -eq 0 ] && echo 0 || echo 1)" "daemon: casemaild --once exits 0 (exit $rc, ${secs}s)" \
	"${KNOWN[daemon:exit]:-}"

db=$dm/state/state.db
"$py" - "$dm/keys.tsv" "$db" "$H" <<'EOF' >"$dm/verdicts.tap"
import json, sqlite3, sys
keys, db, hdir = sys.argv[1:4]
rows = {}
defects = {}
try:
    c = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    for key, verdict, receipt, err in c.execute(
            "SELECT source_key, verdict, receipt, error FROM messages"):
        rows[key] = (verdict, receipt, err)
    for receipt, code in c.execute("SELECT receipt, code FROM defects"):
        defects.setdefault(receipt, set()).add(code)
except sqlite3.Error as e:
    print("1\tdb\tdaemon: state DB readable (%s)" % e)
    sys.exit(0)
no_verdict, good_bad, hostile_bad = [], [], []
prev = "?"
for line in open(keys, encoding="utf-8"):
    key, kind, name = line.rstrip("\n").split("\t")
    verdict, receipt, err = rows.get(key, (None, None, None))
    if verdict is None:
        no_verdict.append("%s %s%s" % (kind, name, " (%s)" % err if err else ""))
        prev = name
        continue
    if kind == "good":
        if verdict != "accepted":
            good_bad.append("%s after %s: %s %s" % (name, prev, verdict, ",".join(sorted(defects.get(receipt, ())))))
    else:
        exp = json.load(open("%s/%s.expect.json" % (hdir, name)))
        codes = defects.get(receipt, set())
        errs = []
        if verdict != exp["verdict"]:
            errs.append("%s, want %s" % (verdict, exp["verdict"]))
        missing = [x for x in exp["codes"] if x not in codes]
        if missing:
            errs.append("missing " + ",".join(missing))
        if exp["any_codes"] and not codes & set(exp["any_codes"]):
            errs.append("none of " + ",".join(exp["any_codes"]))
        if errs:
            hostile_bad.append("%s: %s" % (name, "; ".join(errs)))
    prev = name
print("%d\tverdicts\tdaemon: every mail has a verdict in the state DB%s"
      % (bool(no_verdict), " — none for: " + "; ".join(no_verdict[:8]) if no_verdict else ""))
print("%d\tgood\tdaemon: every good mail after a hostile one is accepted%s"
      % (bool(good_bad), " — " + "; ".join(good_bad[:8]) if good_bad else ""))
print("%d\texpect\tdaemon: every hostile mail has its expected verdict and codes%s"
      % (bool(hostile_bad), " — " + "; ".join(hostile_bad[:8]) if hostile_bad else ""))
EOF
while IFS=$'\t' read -r st key desc; do
	tap "$st" "$desc" "${KNOWN[daemon:$key]:-}"
done <"$dm/verdicts.tap"

# the reply to the mail of most files (zip-600-unsupported: 600 defects of
# one code): 20 defects of a code and 100 files are listed, the rest
# counted; manifest.json keeps every defect
big=$(for m in "$dm"/spool/*/mail/*/manifest.json; do
	echo "$(jq '.files | length' "$m") $m"; done | sort -n | tail -1 | cut -d' ' -f2-)
nbig=$([ -n "$big" ] && jq '.files | length' "$big" || echo 0)
if [ "$nbig" -ge 500 ]; then
	r=${big%manifest.json}report.txt
	lines=$(wc -l <"$r")
	nd=$(jq '.defects | length' "$big")
	grep -q '另有[0-9]*个文件存在与上面相同的问题' "$r" && grep -q '……另有[0-9]*个文件，不逐一列出' "$r" &&
		[ "$lines" -le 200 ] && [ "$nd" -ge 500 ]
	tap "$([ $? -eq 0 ] && echo 0 || echo 1)" \
		"daemon: a $nbig-file mail's reply lists 20 defects per code and 100 files ($lines lines), the manifest all $nd defects"
else
	tap 1 "daemon: a reply to hundreds of defects is bounded (no mail of 500 files or more was filed)"
fi

if [ "$drss" -gt 0 ] && [ "$drss" -le "$rss_max" ]; then
	tap 0 "daemon: peak RSS $((drss / 1024)) MiB <= $((rss_max / 1024)) MiB" "${KNOWN[daemon:rss]:-}"
else
	tap 1 "daemon: peak RSS $((drss / 1024)) MiB <= $((rss_max / 1024)) MiB" "${KNOWN[daemon:rss]:-}"
fi
problems=""
left=$(find "$dm/tmp" "$dm/cwd" -mindepth 1 2>/dev/null | head -3)
[ -z "$left" ] || problems="$problems left behind: $left;"
for e in "${names[@]}"; do
	for c in $(jq -r '.canaries[]' "$H/$e.expect.json"); do
		[ ! -e "$c" ] && [ ! -L "$c" ] || { problems="$problems $c exists;"; rm -f -- "$c"; }
	done
done
if [ -n "$use_strace" ]; then
	out=$(writes_outside "$dm/strace.log" "$dm/cwd" "$dm/spool" "$dm/state" "$dm/outbox" \
		"$dm/maildir" "$dm/tmp") || problems="$problems $(echo "$out" | head -3 | tr '\n' ' ');"
fi
tap "$([ -z "$problems" ] && echo 0 || echo 1)" \
	"daemon: nothing written outside the spool, state, outbox and Maildir${problems:+ —$problems}" \
	"${KNOWN[daemon:writes]:-}"

echo "1..$n"
[ "$fails" -eq 0 ]
