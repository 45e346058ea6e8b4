#!/usr/bin/env bash
# End-to-end test of the content checks (lib/rules_content.c) as a user runs
# them: `casemailctl check --json` on mails that carry generated Word
# documents.
#
#   tests/e2e-content.sh [PATH/TO/casemailctl]      (default ./casemailctl)
#
# 1. fixtures/gen_content.py writes the document corpus (微创新 申报表,
#    好服务 案例材料, 推荐表, 汇总清单 in Word and WPS flavours, hostile
#    DOCX) with a manifest of what a checker must find;
#    fixtures/content_mails.py wraps each in an Outlook or QQ Mail mail;
#    fixtures/compare_content.py compares the findings (TAP per document,
#    then a table of found / missed / unexpected per check).
# 2. case.already_selected: a copy of conf/campaigns whose list of selected
#    cases names one case of a mail, written differently (full-width, no
#    小区 suffix, shorter company): that mail, and only it, is warned.
set -u

py=/usr/bin/python3
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-./casemailctl}
if [ ! -x "$bin" ]; then
    echo "Bail out! casemailctl not found or not executable: $bin"
    exit 1
fi
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

work=$(mktemp -d "${TMPDIR:-/tmp}/e2e-content.XXXXXX")
trap 'rm -rf "$work"' EXIT

"$py" "$top/fixtures/gen_content.py" "$work/corpus" >&2 ||
    { echo "Bail out! gen_content.py failed"; exit 1; }
"$py" "$top/fixtures/content_mails.py" "$work/corpus" "$work/mail" >&2 ||
    { echo "Bail out! content_mails.py failed"; exit 1; }
timeout 600 "$bin" check --json -j 2 "$work"/mail/*.eml >"$work/results.jsonl" 2>"$work/stderr"
rc=$?
if [ "$rc" -ge 64 ]; then
    echo "Bail out! check exited $rc: $(head -5 "$work/stderr")"
    exit 1
fi
"$py" "$top/fixtures/compare_content.py" "$work/corpus" "$work/mail" "$work/results.jsonl" \
    >"$work/tap"
status=$?
n=$(grep -c '^\(not \)\?ok ' "$work/tap")
grep -v '^1\.\.' "$work/tap"

# 2. the list of already selected cases
cp -r "$top/conf/campaigns" "$work/campaigns"
hfw=$(awk -F'\t' '$2 ~ /^hfw01-ok-word$/ {print $1}' "$work/mail/INDEX.tsv")
other=$(awk -F'\t' '$2 ~ /^hfw02-/ {print $1; exit}' "$work/mail/INDEX.tsv")
"$py" - "$work/corpus/manifest.json" >>"$work/campaigns/haofuwu-2026.selected" <<'PY'
import json, sys
m = json.load(open(sys.argv[1], encoding="utf-8"))
e = next(f for f in m["files"] if f["id"] == "hfw01-ok-word")
place, title = e["case"].split("+", 1)
full = "".join(chr(ord(c) + 0xFEE0) if "0" <= c <= "9" else c for c in place)
# the list writes the company without 有限公司, the 小区 with it, and no title
print("%s|%s 小区|" % (e["company"].replace("有限公司", ""), full))
PY
"$bin" check --json --campaigns "$work/campaigns" "$work/mail/$hfw" "$work/mail/$other" \
    >"$work/selected.jsonl" 2>"$work/selected.err"
"$py" - "$work/selected.jsonl" "$hfw" "$other" >"$work/selected.tap" <<'PY'
import json, os, sys
rows = {os.path.basename(json.loads(l)["file"]): json.loads(l) for l in open(sys.argv[1]) if l.strip()}
def sel(name):
    return [d for d in rows.get(name, {}).get("defects", []) if d["code"] == "case.already_selected"]
a, b = sel(sys.argv[2]), sel(sys.argv[3])
ok = len(a) == 1 and a[0]["severity"] == "warning" and "中物协〔2026〕3号" in a[0]["detail"] and not b
print("%s - case.already_selected: the listed case is warned (%d), another is not (%d)"
      % ("ok" if ok else "not ok", len(a), len(b)))
if not ok:
    print("# " + json.dumps(a + b, ensure_ascii=False))
PY
sed "s/^\(not \)\?ok /&$((n + 1)) /" "$work/selected.tap"
grep -q '^ok' "$work/selected.tap" || status=1
echo "1..$((n + 1))"
exit $status
