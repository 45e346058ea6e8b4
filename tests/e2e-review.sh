#!/usr/bin/env bash
# End-to-end test of the reviewers' view (lib/review.h): real 好服务 mails
# of the rules corpus — two accepted ones with photos and a video, two
# rejected, one ignored — go through `casemaild --once` from a Maildir;
# then, read back with independent tools (Python, file(1)):
#   every accepted case (from the spool's manifests) has contact.jpg, a
#     JPEG whose SOF size is the grid its photos and videos make, and
#     thumbs/1..N.jpg; the daemon logged no review failure
#   index.html lists every accepted company, case and receipt, the mail
#     counts of the manifests, no case or receipt of a rejected or ignored
#     mail; every href/src resolves to a file; nothing external, no script
#   casemailctl review makes it again (a new file), reports a photo that no
#     longer decodes as a grey cell and still lists it; --campaign nosuch → 65
#   casemailctl reprocess of a rejected mail rewrites index.html and makes a
#     lost contact sheet of another case again
#   a Chromium screenshot of index.html is a PNG of some size (skipped when
#     chromium is not installed; it is not a dependency)
# TAP. Usage: tests/e2e-review.sh [BUILD/casemailctl]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
bindir=$(cd "$(dirname "${1:-build/casemailctl}")" && pwd)
ctl=$bindir/casemailctl
daemon=$bindir/casemaild
work=$(mktemp -d "${TMPDIR:-/tmp}/e2e-review.XXXXXX")
py=/usr/bin/python3
. "$top/tests/fixtures.sh"

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; fails=$((fails + 1)); }
check() { if [ "$2" = 0 ]; then ok "$1"; else notok "$1"; fi; }
is() { if [ "$2" = "$3" ]; then ok "$1"; else notok "$1 (got '$2', want '$3')"; fi; }
# TAP lines from the Python checks ("ok - …" / "not ok - …"), renumbered
tap() { while IFS= read -r line; do
	case $line in
	"ok - "*) ok "${line#ok - }" ;;
	"not ok - "*) notok "${line#not ok - }" ;;
	*) echo "# $line" ;;
	esac
done; }
cleanup() { if [ -n "${KEEP:-}" ]; then echo "# kept $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT

ensure_rules_fixtures
R=$fx/rules
accepted_mails="hfw-ok-province-package-gbk-qq hfw-ok-case-folders-mutt"
other_mails="hfw-photos-2-outlook hfw-no-recommendation-outlook ign-auto-reply-qq-vacation-qq"
for m in $accepted_mails; do
	[ "$(jq -r .verdict "$R/$m.expect.json")" = accepted ] ||
		{ echo "Bail out! $m is no accepted mail in the corpus any more"; exit 1; }
done

# ---- the daemon files them ---------------------------------------------------
mkdir -p "$work/maildir/new" "$work/maildir/cur" "$work/maildir/tmp"
i=0
for m in $accepted_mails $other_mails; do
	i=$((i + 1))
	cp "$R/$m.eml" "$work/maildir/new/$((1785000000 + i)).M${i}P1.e2e"
done
conf=$work/casemail.conf
cat >"$conf" <<EOC
[campaigns]
dir = $top/conf/campaigns
[spool]
dir = $work/spool
[state]
dir = $work/state
[mailbox haofuwu]
campaign = haofuwu-2026
maildir = $work/maildir
[smtp]
outbox = $work/replies
EOC
"$daemon" -c "$conf" --once --foreground >"$work/daemon.log" 2>&1
check "casemaild --once files the $i mails" $?
camp=$work/spool/haofuwu-2026
index=$camp/index.html
is "accepted mails in the spool" \
	"$(jq -r .verdict "$camp"/mail/*/manifest.json | grep -c '^accepted$')" 2
grep -q "reviewers' view" "$work/daemon.log"
check "the daemon logged no reviewers' view failure" $((1 - $?))

# ---- the pages, read back independently ------------------------------------------
check_view() { # check_view LABEL: contact sheets and index.html against the manifests
	"$py" - "$camp" "$1" <<'EOF'
import html.parser, json, os, re, subprocess, sys, urllib.parse

camp, label = sys.argv[1], sys.argv[2]
def say(ok, what):
    print(("ok - " if ok else "not ok - ") + label + ": " + what)

def sof(path):
    """(width, height) from the JPEG's frame header, None if no JPEG."""
    d = open(path, "rb").read()
    if d[:2] != b"\xff\xd8":
        return None
    i = 2
    while i + 9 < len(d):
        if d[i] != 0xff:
            return None
        m = d[i + 1]
        if m in (0xc0, 0xc1, 0xc2):
            return (d[i + 7] << 8 | d[i + 8], d[i + 5] << 8 | d[i + 6])
        i += 2 + (d[i + 2] << 8 | d[i + 3])
    return None

page = open(os.path.join(camp, "index.html"), encoding="utf-8").read()
mails = {}
for r in sorted(os.listdir(os.path.join(camp, "mail"))):
    with open(os.path.join(camp, "mail", r, "manifest.json"), encoding="utf-8") as f:
        mails[r] = json.load(f)
cases, other_names = [], set()
for r, m in mails.items():
    for c in m["cases"]:
        if m["verdict"] == "accepted":
            kinds = {f["path"]: f.get("kind") for f in m["files"]}
            media = sum(1 for p in c["files"] if kinds.get(p) in ("jpeg", "video"))
            cases.append((c["company"], c["name"], r, media))
        else:
            other_names.add(c["name"])
    if m["verdict"] != "accepted":
        other_names.add(r)
other_names -= {c[1] for c in cases} | {c[2] for c in cases}
# a case sent again: the link shows the latest receipt, the older one stays
# as a version of its own (receipts grow: by length, then bytes)
latest = {}
for c in cases:
    k = (c[0], c[1])
    if k not in latest or (len(c[2]), c[2]) > (len(latest[k][2]), latest[k][2]):
        latest[k] = c
older = [c for c in cases if latest[(c[0], c[1])] is not c]
say(len(latest) >= 3 and len(older) >= 1,
    "%d accepted cases in the manifests, %d sent again" % (len(latest), len(older)))

for co, name, receipt, media in cases:
    d = os.path.join(camp, "accepted", co, ".versions", name, receipt)
    target = os.readlink(os.path.join(camp, "accepted", co, name))
    sheet = os.path.join(d, "contact.jpg")
    size = sof(sheet) if os.path.exists(sheet) else None
    cols = min(media, 4)
    rows = (media + cols - 1) // cols if cols else 0
    want = (16 + cols * 320 + (cols - 1) * 8, 16 + rows * 240 + (rows - 1) * 8)
    ftype = subprocess.run(["file", "-b", sheet], capture_output=True, text=True).stdout
    say(media > 0 and size == want and ftype.startswith("JPEG image data"),
        "%s/%s: contact.jpg is a %dx%d JPEG for %d photos/videos (SOF %s, file: %s)"
        % (co, name, want[0], want[1], media, size, ftype.strip()[:40]))
    thumbs = [os.path.join(d, "thumbs", "%d.jpg" % k) for k in range(1, media + 1)]
    say(all(sof(t) is not None and max(sof(t)) <= 160 for t in thumbs)
        and not os.path.exists(os.path.join(d, "thumbs", "%d.jpg" % (media + 1))),
        "%s/%s: thumbs/1..%d.jpg, each within 160x120" % (co, name, media))
    if latest[(co, name)][2] == receipt:
        say(target.endswith("/" + receipt), "%s/%s: the link shows %s" % (co, name, receipt))
    else:
        say(("本版本取代" in page and ">%s</a>" % receipt in page),
            "%s/%s: index.html links the earlier version %s" % (co, name, receipt))

esc = html.escape
missing = [c for c in cases if esc(c[0], False) not in page or esc(c[1], False) not in page
           or c[2] not in page]
say(not missing, "index.html lists every accepted company, case and receipt %s" % missing)
shown = [x for x in sorted(other_names) if x in page]
say(not shown, "index.html shows no case or receipt of a rejected or ignored mail %s" % shown)
verdicts = [m["verdict"] for m in mails.values()]
counts = "已归档邮件 <b>%d</b> 封：受理 <b>%d</b> 封，退回 <b>%d</b> 封，忽略 <b>%d</b> 封" % (
    len(verdicts), verdicts.count("accepted"), verdicts.count("rejected"),
    verdicts.count("ignored"))
say(counts in page, "index.html counts the mails as the manifests do")

class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls, self.tags = [], set()
    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for k, v in attrs:
            if k in ("href", "src") and v is not None:
                self.urls.append(v)
p = Links()
p.feed(page)
bad = [u for u in p.urls if not u.startswith("#") and
       not os.path.exists(os.path.join(camp, urllib.parse.unquote(u)))]
say(len(p.urls) > 20 and not bad, "all %d links resolve to files %s" % (len(p.urls), bad[:3]))
external = [u for u in p.urls if re.match(r"^[a-z]+:|^//", u)]
say(not external and "script" not in p.tags and "link" not in p.tags,
    "no script, no stylesheet link, nothing external %s" % external[:3])
imgs = sum(1 for u in p.urls if "/thumbs/" in u)
say(imgs == sum(c[3] for c in latest.values()),
    "one thumbnail per photo/video of the cases shown (%d)" % imgs)
EOF
}
tap < <(check_view "after casemaild")

# ---- casemailctl review ----------------------------------------------------------
ino1=$(stat -c %i "$index")
"$ctl" review -c "$conf" >"$work/review.out" 2>"$work/review.err"
check "casemailctl review: exit 0" $?
grep -q "haofuwu-2026: .* -> $camp/index.html" "$work/review.out"
check "casemailctl review: says where index.html is" $?
[ "$(stat -c %i "$index")" != "$ino1" ]
check "casemailctl review: index.html written anew (renamed into place)" $?
tap < <(check_view "after casemailctl review")
"$ctl" review -c "$conf" --campaign nosuch >/dev/null 2>&1
is "casemailctl review --campaign nosuch: exit 65" $? 65

# a photo that no longer decodes: a grey cell, still listed
photo=$(cd "$camp/accepted" && ls -d */*/*.jpg | grep -v contact.jpg | head -1)
casedir=$camp/accepted/$(dirname "$photo")
rm -f "$camp/accepted/$photo"
printf '\377\330\377\340 not a photo any more' >"$camp/accepted/$photo"
"$ctl" review -c "$conf" --campaign haofuwu-2026 >"$work/review2.out" 2>&1
grep -q "(1 not decodable: grey)" "$work/review2.out"
check "a photo that does not decode is one grey cell" $?
grep -qF "$(basename "$photo")</a>" "$index"
check "... and index.html still lists it" $?
file -b "$casedir/contact.jpg" | grep -q '^JPEG image data'
check "... and the sheet is still a JPEG" $?

# ---- reprocess rewrites the page -----------------------------------------------------
rejected=$(cd "$camp/mail" && for r in *; do
	[ "$(jq -r .verdict "$r/manifest.json")" = rejected ] && echo "$r" && break; done)
ino2=$(stat -c %i "$index")
# a sheet lost (as after a crash between filing and sheet): made again by
# the next filing's update, whatever its receipt
lost=$(cd "$camp/accepted" && ls -d */*/ | tail -1)
rm -rf "$camp/accepted/$lost/thumbs" "$camp/accepted/$lost/contact.jpg"
"$ctl" reprocess -c "$conf" "$rejected" >/dev/null 2>"$work/reprocess.err"
check "casemailctl reprocess $rejected: exit 0" $?
[ "$(stat -c %i "$index")" != "$ino2" ]
check "reprocess rewrote index.html" $?
[ -f "$camp/accepted/$lost/contact.jpg" ] && [ -f "$camp/accepted/$lost/thumbs/1.jpg" ]
check "... and made the lost sheet of ${lost%/} again" $?
[ -z "$(find "$camp" -name '.tmp-review-*')" ]
check "no temporary files left in the spool" $?

# ---- a browser's view (optional) -------------------------------------------------
browser=
for b in chromium chromium-headless-shell; do
	command -v "$b" >/dev/null 2>&1 && { browser=$b; break; }
done
if [ -z "$browser" ]; then
	n=$((n + 1))
	echo "ok $n # SKIP chromium not installed"
else
	timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
		--window-size=1280,1600 --screenshot="$work/index.png" "file://$index" \
		>"$work/chromium.log" 2>&1
	size=$(stat -c %s "$work/index.png" 2>/dev/null || echo 0)
	[ "$(head -c 8 "$work/index.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] &&
		[ "$size" -gt 20000 ]
	check "$browser screenshot of index.html: a PNG of $size bytes" $?
fi

echo "1..$n"
[ "$fails" -eq 0 ]
