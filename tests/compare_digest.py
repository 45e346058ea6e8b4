#!/usr/bin/python3
"""Compare `casemailctl digest` of one day with what the rules corpus says.

    compare_digest.py RULESDIR DATE DIGEST.csv DIGEST.txt DIGEST.html [SPOOL]

The oracle is the corpus's *.expect.json (fixtures/gen_rules.py: verdict,
error codes, needs_human, arrival of every mail), not casemail's state DB:
for DATE (+08:00) and each campaign it counts the mails that arrived that
day, their verdicts, mail.late, needs_human and the mails per error code,
and the mails that arrived before the day ended. The CSV must say exactly
that; the text and HTML renderings must show the same day figures. With
SPOOL, on a day by which every mail of a campaign had arrived, the
cumulative accepted cases must equal the case
directories under SPOOL/<campaign>/accepted/. Prints TAP lines without a
plan (the calling script numbers them via its own counter: "ok - …").
"""

import csv
import datetime
import glob
import html
import io
import json
import os
import re
import sys

CST = datetime.timezone(datetime.timedelta(hours=8))
# codes whose severity depends on the file (SPEC): compared as "at least"
VARIABLE = {"file.unsupported", "file.type_mismatch"}


def oracle(rules, date):
    day = datetime.datetime.strptime(date, "%Y-%m-%d").replace(tzinfo=CST)
    end = day + datetime.timedelta(days=1)
    out = {}
    for path in sorted(glob.glob(os.path.join(rules, "*.expect.json"))):
        e = json.load(open(path, encoding="utf-8"))
        arrival = datetime.datetime.fromisoformat(e["arrival"])
        c = out.setdefault(e["campaign"], {
            "received": 0, "accepted": 0, "rejected": 0, "ignored": 0, "late": 0,
            "needs_human": 0, "mails_total": 0, "all": 0, "codes": {}})
        c["all"] += 1
        if arrival < end:
            c["mails_total"] += 1
        if not (day <= arrival < end):
            continue
        c["received"] += 1
        c[e["verdict"]] += 1
        c["late"] += "mail.late" in e["errors"]
        c["needs_human"] += bool(e.get("needs_human"))
        for code in set(e["errors"]):
            c["codes"][code] = c["codes"].get(code, 0) + 1
    return out


def read_csv(path):
    raw = open(path, "rb").read()
    problems = []
    if not raw.startswith(b"\xef\xbb\xbf"):
        problems.append("no UTF-8 BOM")
    if re.search(rb"(?<!\r)\n", raw):
        problems.append("a line ends in LF without CR")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    return rows, problems


def day_figures(text, campaign):
    """当日收件 N 通过 A 退回 R 忽略 I of campaign's section in a rendering."""
    at = text.find("(%s)" % campaign)
    if at < 0:
        return None
    m = re.search(r"当日收件\s*(\d+)\D+?通过\s*(\d+)\D+?退回\s*(\d+)\D+?忽略\s*(\d+)", text[at:])
    return tuple(int(x) for x in m.groups()) if m else None


def main():
    rules, date, csv_path, txt_path, html_path = sys.argv[1:6]
    spool = sys.argv[6] if len(sys.argv) > 6 else None
    want = oracle(rules, date)
    rows, problems = read_csv(csv_path)
    results = []

    def check(ok, what):
        results.append(ok)
        print("%s - %s %s" % ("ok" if ok else "not ok", date, what))

    check(not problems and rows and rows[0][:4] == ["section", "campaign", "key", "value"],
          "CSV: BOM, CRLF, header row" + ("" if not problems else " (%s)" % ", ".join(problems)))
    check(len({len(r) for r in rows}) == 1, "CSV: every row has the same number of fields")
    text = open(txt_path, encoding="utf-8").read()
    page = open(html_path, encoding="utf-8").read()
    plain = html.unescape(re.sub(r"<[^>]+>", " ", page))
    for campaign, w in sorted(want.items()):
        summary = {r[2]: r[3] for r in rows if r[0] == "summary" and r[1] == campaign}
        got = {k: int(summary.get(k, -1)) for k in
               ("received", "accepted", "rejected", "ignored", "late", "needs_human", "mails_total")}
        exp = {k: w[k] for k in got}
        check(got == exp, "%s: CSV summary %s" % (campaign, got if got == exp else
                                                  "got %s, want %s" % (got, exp)))
        codes = {r[2]: (int(r[3]), r[4]) for r in rows if r[0] == "defect" and r[1] == campaign}
        bad = []
        for code, n in w["codes"].items():
            have = codes.get(code, (0, ""))[0]
            if (have < n) if code in VARIABLE else (have != n):
                bad.append("%s %d≠%d" % (code, have, n))
        for code, (n, sev) in codes.items():
            if sev == "error" and code not in w["codes"] and code not in VARIABLE:
                bad.append("%s unexpected" % code)
        check(not bad, "%s: CSV defect codes of the day (%d codes)%s" %
              (campaign, len(w["codes"]), "" if not bad else ": " + ", ".join(bad)))
        figs = (w["received"], w["accepted"], w["rejected"], w["ignored"])
        check(day_figures(text, campaign) == figs, "%s: text shows %s" % (campaign, figs))
        check(day_figures(plain, campaign) == figs, "%s: HTML shows %s" % (campaign, figs))
        if spool and w["mails_total"] == w["all"]:   # every mail is in: the spool is "so far"
            dirs = [d for d in glob.glob(os.path.join(spool, campaign, "accepted", "*", "*"))
                    if not os.path.basename(d).startswith(".")]
            n = int(summary.get("cases_accepted", -1))
            check(n == len(dirs), "%s: cumulative accepted cases %d = %d case folders in the spool"
                  % (campaign, n, len(dirs)))
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
