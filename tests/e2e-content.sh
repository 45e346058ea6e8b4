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
# 3. a package whose 汇总清单 and cases disagree: doc.quota names both sides.
# 4. that package through `casemaild --once`: `casemailctl digest` shows the
#    sender's list per city against its quota and against the cases.
# 5. the company resends the cases from its own address: case.resubmitted.
# 6. PDFs (text, object streams, scans with and without a red seal, a red
#    红头 rule, an invisible OCR layer): `casemailctl inspect --json` facts.
# 7. a Word 97 .doc 申报表 (piece table, table cells as LibreOffice writes
#    them, a tracked deletion) and a .wps 推荐表: the same checks.
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

# 3. a package whose 汇总清单 lists one case it holds and one it does not,
#    and holds one case the list lacks (Foxmail-like: one zip, GBK names)
PYTHONPATH="$top/fixtures" "$py" - "$work/package.eml" <<'PY'
import datetime, sys
from fxword import Document
from fxfmt import ZipWriter
from fxclients import HAOFUWU, outlook_attachment, outlook_mail
class Blob:
    def __init__(self, data): self.data = data
def case(title):
    d = Document("word")
    d.add_paragraph(title)
    for name in ("小区简介", "问题诊断"):
        d.add_paragraph("（二）" + name)
        d.add_paragraph("小区位于城区，共有住户一千二百户。")
    return d.bytes()
summary = Document("word")
summary.add_paragraph("住宅小区“好服务”推荐案例汇总清单")
summary.add_table([["序号", "小区名称", "申报单位（物业服务企业）", "项目交付时间", "项目类型",
                    "推荐单位（市级物协）", "备注"],
                   ["1", "阳光花园小区", "杭州阳光物业服务有限公司", "2012年5月", "商品住宅小区",
                    "杭州市物业管理协会", ""],
                   ["2", "翠苑一区", "杭州阳光物业服务有限公司", "2009年3月", "商品住宅小区",
                    "杭州市物业管理协会", ""],
                   ["……", "", "", "", "", "", ""]])
co = "杭州阳光物业服务有限公司"
z = ZipWriter(host=0)
z.add(co.encode("gbk") + b"/", directory=True)
z.add((co + "/阳光花园小区+垃圾分类新模式.docx").encode("gbk"), case("垃圾分类新模式"))
z.add((co + "/金色家园+加装电梯暖民心.docx").encode("gbk"), case("加装电梯暖民心"))
z.add("汇总清单.docx".encode("gbk"), summary.bytes())
when = datetime.datetime(2026, 7, 28, 9, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
open(sys.argv[1], "wb").write(outlook_mail(
    uid="PKG0001", sender="浙江省物协", addr="zjwx@example.com", to=HAOFUWU,
    subject_words=["好服务案例报送"], arrival=when, date=when, text="附件是材料。\n",
    html="附件是材料。", parts=[outlook_attachment("浙江省好服务案例.zip", Blob(z.bytes()))]))
PY
"$bin" check --json "$work/package.eml" >"$work/package.json" 2>"$work/package.err"
"$py" - "$work/package.json" >"$work/package.tap" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
q = [d["detail"] for d in r["defects"] if d["code"] == "doc.quota"]
missing = [t for t in q if "翠苑一区" in t and "没有对应的案例材料" in t]
unlisted = [t for t in q if "金色家园" in t and "没有列入汇总清单" in t]
listed_ok = not any("阳光花园" in t for t in q)
ok = len(q) == 2 and missing and unlisted and listed_ok
print("%s - doc.quota: the list's case without material and the case the list lacks (%d)"
      % ("ok" if ok else "not ok", len(q)))
if not ok:
    print("# " + json.dumps(r["defects"], ensure_ascii=False))
PY
sed "s/^\(not \)\?ok /&$((n + 2)) /" "$work/package.tap"
grep -q '^ok' "$work/package.tap" || status=1

# 4. the same package through casemaild: the digest's quota and list check
daemon=$(dirname "$bin")/casemaild
mkdir -p "$work/maildir/new" "$work/maildir/cur" "$work/maildir/tmp"
cp "$work/package.eml" "$work/maildir/new/1785200000.M1P1.e2e"
cat >"$work/casemail.conf" <<EOC
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
"$daemon" -c "$work/casemail.conf" --once --foreground >"$work/daemon.log" 2>&1 &&
    "$bin" digest -c "$work/casemail.conf" --date 2026-07-28 --format csv >"$work/digest.csv" &&
    "$bin" digest -c "$work/casemail.conf" --date 2026-07-28 --format text >"$work/digest.txt"
rc=$?
if [ "$rc" -eq 0 ] &&
   grep -q '^quota,haofuwu-2026,zjwx@example.com,杭州市,2,5,' "$work/digest.csv" &&
   grep -q '^list_check,haofuwu-2026,zjwx@example.com,翠苑一区,金色家园+加装电梯暖民心,' \
        "$work/digest.csv" &&
   grep -q '名额（按汇总清单）' "$work/digest.txt"; then
    echo "ok $((n + 3)) - digest: the sender's 汇总清单 per city against its quota, and against its cases"
else
    echo "not ok $((n + 3)) - digest: the sender's 汇总清单 per city against its quota, and against its cases"
    echo "# rc $rc"; grep -E '^(quota|list_check)' "$work/digest.csv" | sed 's/^/# /'
    tail -5 "$work/daemon.log" | sed 's/^/# /'
    status=1
fi
# 5. the company sends the same cases itself, from its own address: they
#    supersede the association's versions, and the reply names the receipt
sed -e 's/zjwx@example.com/office@yangguang-wy.example/g' "$work/package.eml" \
    >"$work/maildir/new/1785200100.M2P1.e2e"
"$daemon" -c "$work/casemail.conf" --once --foreground >>"$work/daemon.log" 2>&1
"$bin" show -c "$work/casemail.conf" HFW2026-000002 >"$work/show2.txt" 2>&1
if grep -q '此前已提交过（受理编号HFW2026-000001）' "$work/show2.txt"; then
    echo "ok $((n + 4)) - case.resubmitted: the same company's case from another sender names the earlier receipt"
else
    echo "not ok $((n + 4)) - case.resubmitted: the same company's case from another sender names the earlier receipt"
    sed 's/^/# /' "$work/show2.txt" | head -20
    status=1
fi
# 6. PDFs: pages from the page tree (also when the page objects are in
#    object streams), text or scan per page, a red seal on a stamped scan
PYTHONPATH="$top/fixtures" "$py" - "$work/pdf" <<'PY'
import os, sys, fxfmt, fxpdf
d = sys.argv[1]
os.makedirs(d)
seal, plain = fxpdf.seal_page(), fxpdf.seal_page(seal=False)
red_title = fxpdf.seal_page(seal=False, red_title=True)
files = {
    "文字版.pdf": fxfmt.pdf("申报表", ["line one", "line two"]),
    "盖章扫描件.pdf": fxpdf.scan_pdf([plain, seal]),
    "未盖章扫描件.pdf": fxpdf.scan_pdf([plain, plain]),
    "红头未盖章.pdf": fxpdf.scan_pdf([red_title]),
    "OCR扫描件.pdf": fxpdf.scan_pdf([seal], ocr="OCR layer"),
    "对象流炸弹.pdf": fxpdf.objstm_bomb_pdf(),
}
for name, data in files.items():
    open(os.path.join(d, name), "wb").write(data)
PY
qpdf --object-streams=generate "$work/pdf/文字版.pdf" "$work/pdf/对象流.pdf" 2>/dev/null
PYTHONPATH="$top/fixtures" "$py" - "$work/pdf" "$work/pdf.eml" <<'PY'
import datetime, os, sys
from fxclients import WEICHUANGXIN, qq_attachment, qq_mail
class Blob:
    def __init__(self, data): self.data = data
d = sys.argv[1]
parts = [qq_attachment(n, Blob(open(os.path.join(d, n), "rb").read())) for n in sorted(os.listdir(d))]
when = datetime.datetime(2023, 7, 20, 9, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
open(sys.argv[2], "wb").write(qq_mail(uid="PDF0001", cs="gb18030", sender="王敏", qq="800000001",
    to=WEICHUANGXIN, to_name="征集办", subject="PDF", arrival=when, date=when, text="PDF",
    html="PDF", parts=parts))
PY
"$bin" inspect --json "$work/pdf.eml" >"$work/pdf.json" 2>"$work/pdf.err"
"$py" - "$work/pdf.json" >"$work/pdf.tap" <<'PY'
import json, sys
files = {f["name"]: f for f in json.load(open(sys.argv[1]))["files"]}
want = {  # name: (pages, text_pages, scan_pages, red_seal)
    "文字版.pdf": (1, 1, 0, None), "对象流.pdf": (1, 1, 0, None),
    "盖章扫描件.pdf": (2, 0, 2, True), "未盖章扫描件.pdf": (2, 0, 2, False),
    "红头未盖章.pdf": (1, 0, 1, False), "OCR扫描件.pdf": (1, 0, 1, True),
    # 100 MiB in an object stream: not given to qpdf, the byte scan finds no page
    "对象流炸弹.pdf": (None, None, None, None),
}
bad = []
for name, w in want.items():
    f = files.get(name, {})
    got = (f.get("pages"), f.get("text_pages"), f.get("scan_pages"), f.get("red_seal"))
    if got != w:
        bad.append("%s: got %s, want %s" % (name, got, w))
print("%s - PDF facts: pages (object streams too), text or scan, red seal, a bomb left alone (%d files)"
      % ("not ok" if bad else "ok", len(want)))
for b in bad:
    print("# " + b)
PY
sed "s/^\(not \)\?ok /&$((n + 5)) /" "$work/pdf.tap"
grep -q '^ok' "$work/pdf.tap" || status=1
# 7. Word 97 .doc and WPS .wps: the same form checks from the binary format
PYTHONPATH="$top/fixtures" "$py" - "$work/doc.eml" <<'PY'
import datetime, sys
from fxfmt import word97_doc, WORD_ROW, WORD_DEL
from fxclients import WEICHUANGXIN, HAOFUWU, qq_attachment, qq_mail
class Blob:
    def __init__(self, data): self.data = data
def table(rows):
    return "".join("".join(c + "\a" for c in r) + WORD_ROW for r in rows)
scene = "业主反映消防通道经常被私家车占用，夜间尤其严重。" * 10   # 24 × 10 = 240 字, over 200
form = "物业管理“微创新”案例征集表\r" + table([
    ["申报单位名称（盖章）", "青岛海湾物业管理有限公司"],
    ["案例类型", "☑技术微创新 □服务微创新 □模式微创新"],
    ["案例所属范围", "安全管理类"],
    ["投入成本", "约2.8万元"],
    # 240 字 shown plus 60 字 of a tracked deletion: Word shows 240
    ["应用场景（200字以内）", scene + WORD_DEL + "删除的内容不算字数。" * 6 + WORD_DEL],
    ["解决问题及措施（500字以内）", "安装地磁感应器，占用三分钟即推送提醒。"],
    ["取得成效（200字以内）", "消防通道占用下降九成。"],
]) + "\r"
rec = "住宅小区“好服务”案例推荐表\r" + table([
    ["小区名称", "海韵家园"], ["交付时间", "2012年5月"], ["物业服务费收缴率", "85%"],
]) + "\r"
when = datetime.datetime(2023, 7, 20, 9, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
open(sys.argv[1], "wb").write(qq_mail(uid="DOC0001", cs="gb18030", sender="王敏", qq="800000002",
    to=WEICHUANGXIN, to_name="征集办", subject="微创新申报", arrival=when, date=when,
    text="附件", html="附件",
    # row ends as LibreOffice writes them (their properties in the Data stream)
    parts=[qq_attachment("青岛海湾物业管理有限公司+消防通道占用智能提醒.doc",
                         Blob(word97_doc([form], huge_papx=True)))]))
when += datetime.timedelta(days=1100)
open(sys.argv[1].replace(".eml", "-wps.eml"), "wb").write(qq_mail(uid="WPS0001", cs="gb18030",
    sender="王敏", qq="800000002", to=HAOFUWU, to_name="征集办", subject="好服务推荐表",
    arrival=when, date=when, text="附件", html="附件",
    parts=[qq_attachment("海韵家园推荐表.wps", Blob(word97_doc([rec])))]))
PY
"$bin" check --json "$work/doc.eml" "$work/doc-wps.eml" >"$work/doc.json" 2>"$work/doc.err"
"$py" - "$work/doc.json" >"$work/doc.tap" <<'PY'
import json, sys
content = [(d["code"], d["file"], d["detail"]) for l in open(sys.argv[1]) if l.strip()
           for d in json.loads(l)["defects"] if d["code"] in
           ("doc.word_count", "doc.form_field", "doc.recommendation", "doc.section")]
wc = [c for c in content if c[0] == "doc.word_count" and "应用场景" in c[2] and "240" in c[2]]
rate = [c for c in content if c[0] == "doc.recommendation" and "85%" in c[2]]
other = [c for c in content if c not in wc + rate]
ok = len(wc) == 1 and len(rate) == 1 and not other
print("%s - .doc 申报表 (LibreOffice row ends, a tracked deletion) and .wps 推荐表: 应用场景 240字, 收缴率 85%%"
      % ("ok" if ok else "not ok"))
if not ok:
    print("# " + json.dumps(content, ensure_ascii=False))
PY
sed "s/^\(not \)\?ok /&$((n + 6)) /" "$work/doc.tap"
grep -q '^ok' "$work/doc.tap" || status=1
echo "1..$((n + 6))"
exit $status
