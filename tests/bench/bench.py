#!/usr/bin/python3
"""`make bench`: time casemail against what admins would otherwise run, on
one generated corpus, and print the table (docs/bench.md explains it).

    tests/bench/bench.py --build DIR --corpus DIR --work DIR
    tests/bench/bench.py --render WORK/results.json     (the table of a run)

Run by tests/bench/run.sh, which generates the corpus first. Environment:
    BENCH_IMAP_MAILS   mails for the IMAP drain (default 500, 15 MB each)
    BENCH_SKIP         words: "imap" (drain), "latency", "baselines", "jpeg"
    BENCH_REPEAT       timed runs of each contender, the fastest is kept (1)
    BENCH_IMAP_REPEAT  rounds of the IMAP fetch passes, interleaved, the fastest
                       of each kept (2)

Every contender runs alone, one after the other, on mails already in the
page cache (each corpus file is read once before each run) and after a
sync (no writeback of the previous run in the way), one process per mail
(or per file: that is the admin's pipeline); measured by memwatch.py
(wall, CPU of the whole process tree, largest VmHWM of any process).
"""
import argparse
import datetime
import glob
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BENCH = os.path.join(TOP, "tests", "bench")
PY = "/usr/bin/python3"
MIB = 1048576
MB = 1000000

TARGETS = {"admin": 10.0, "naive": 5.0, "floor": 0.5}   # (1) speed-up over each
LATENCY_TARGET_S = 10.0
DRAIN_TARGET = 0.80
RSS_TARGET_MIB = 64


def log(msg):
    sys.stderr.write("bench: %s\n" % msg)
    sys.stderr.flush()


def sh(script, *args, env=None, check=True, capture=False):
    """bash -c script with positional args."""
    r = subprocess.run(["bash", "-c", script, "bench", *args], env=env, check=False,
                       stdout=subprocess.PIPE if capture else None,
                       stderr=subprocess.PIPE if capture else None)
    if check and r.returncode != 0:
        raise RuntimeError("bash -c %r failed (%d): %s" % (
            script[:80], r.returncode, (r.stderr or b"").decode(errors="replace")[-500:]))
    return r


def warm(files):
    for p in files:
        with open(p, "rb") as f:
            while f.read(1 << 22):
                pass


def memwatch(cmd, work, sample=False, env=None, quiet=False):
    out = os.path.join(work, "memwatch.json")
    args = [PY, os.path.join(BENCH, "memwatch.py"), "--json", out]
    if not sample:
        args.append("--no-sample")
    subprocess.run(args + ["--"] + cmd, env=env, check=False,
                   stdout=subprocess.DEVNULL if quiet else None)
    with open(out) as f:
        return json.load(f)


# ---------------------------------------------------------------- machine


def machine():
    lines = []
    model = "?"
    with open("/proc/cpuinfo") as f:
        for ln in f:
            if ln.startswith("model name"):
                model = ln.split(":", 1)[1].strip()
                break
    mem = 0
    with open("/proc/meminfo") as f:
        for ln in f:
            if ln.startswith("MemTotal"):
                mem = int(ln.split()[1]) // 1024
    lines.append("machine: %s, %d CPUs, %d MiB RAM, Linux %s" % (model, os.cpu_count(), mem,
                                                                os.uname().release))
    with open("/etc/debian_version") as f:
        lines.append("system:  Debian %s, %s" % (f.read().strip(), subprocess.run(
            ["ffmpeg", "-version"], capture_output=True, text=True).stdout.split("\n")[0]))
    return lines


def load_line():
    with open("/proc/loadavg") as f:
        la = f.read().split()[:3]
    busy = []
    r = subprocess.run(["ps", "-eo", "pcpu,ni,comm", "--sort=-pcpu", "--no-headers"],
                       capture_output=True, text=True)
    me = {"ps", "python3", "bash", "bench.py"}
    for ln in r.stdout.splitlines()[:8]:
        parts = ln.split(None, 2)
        if len(parts) == 3 and float(parts[0]) >= 20 and parts[2] not in me:
            busy.append("%s (%s%% CPU, nice %s)" % (parts[2], parts[0], parts[1]))
    return "load average %s%s" % (" ".join(la),
                                  "; other busy processes: " + ", ".join(busy) if busy else "")


# ---------------------------------------------------------------- the floor


def floor_prepare(mails, outdir):
    """The base64 text of every attachment (a part with a file name and
    Content-Transfer-Encoding base64), LF line ends, one file each:
    what `base64 -d` is then timed on."""
    import email
    import email.policy
    os.makedirs(outdir, exist_ok=True)
    out = []
    for i, m in enumerate(mails):
        with open(m, "rb") as f:
            msg = email.message_from_binary_file(f, policy=email.policy.compat32)
        k = 0
        for part in msg.walk():
            if part.is_multipart():
                continue
            if (part.get("Content-Transfer-Encoding", "").strip().lower() != "base64"
                    or not (part.get_param("filename", header="content-disposition")
                            or part.get_param("name") or part.get_filename())):
                continue
            text = part.get_payload()
            if isinstance(text, str):
                text = text.encode("ascii", "replace")
            p = os.path.join(outdir, "%03d-%02d.b64" % (i, k))
            with open(p, "wb") as f:
                f.write(text.replace(b"\r", b""))
            out.append(p)
            k += 1
        del msg
    return out


# ---------------------------------------------------------------- contenders


def contenders(build, work):
    ctl = os.path.join(build, "casemailctl")
    out = os.path.join(work, "out")
    return [
        ("casemail", "(1) casemailctl check",
         'ctl=$1; out=$2; shift 2; for m; do "$ctl" check --json "$m" >"$out/${m##*/}.json"; done',
         [ctl, out]),
        ("casemail_j", "(1b) casemailctl check -j, one call",
         'ctl=$1; out=$2; shift 2; "$ctl" check --json "$@" >"$out/all.jsonl"; [ $? -le 2 ]',
         [ctl, out]),
        ("admin", "(2) admin shell pipeline",
         'a=$1; w=$2; out=$3; shift 3; for m; do bash "$a" "$m" "$w" >>"$out/admin.txt"; done',
         [os.path.join(BENCH, "admin.sh"), os.path.join(work, "admin"), out]),
        ("naive", "(3) python email+zipfile+ffprobe",
         'n=$1; w=$2; out=$3; shift 3; for m; do /usr/bin/python3 "$n" "$m" "$w" >>"$out/naive.txt"; done',
         [os.path.join(BENCH, "naive.py"), os.path.join(work, "naive"), out]),
        ("floor", "(4) floor: base64 -d",
         'for f; do base64 -d "$f" >"${f%.b64}.bin"; done', []),
    ]


def run_contender(key, script, fixed, inputs, work, env, repeat):
    best = None
    for _ in range(repeat):
        shutil.rmtree(os.path.join(work, "out"), ignore_errors=True)
        os.makedirs(os.path.join(work, "out"))
        for p in glob.glob(os.path.join(work, "floor", "*.bin")):
            os.unlink(p)
        subprocess.run(["sync"])
        warm(inputs if key != "floor" else inputs)
        r = memwatch(["bash", "-c", script, "bench"] + fixed + inputs, work, env=env)
        if best is None or r["wall_s"] < best["wall_s"]:
            best = r
            best["outputs"] = {}
            for p in glob.glob(os.path.join(work, "out", "*")):
                with open(p, "rb") as f:
                    best["outputs"][os.path.basename(p)] = f.read()
    for p in glob.glob(os.path.join(work, "floor", "*.bin")):
        os.unlink(p)
    return best


def casemail_stats(outputs, expect):
    st = {"files": 0, "jpeg": 0, "video": 0, "archive": 0, "verdict_ok": 0, "verdicts": 0,
          "bad": []}
    docs = []
    for name, data in outputs.items():
        try:
            if name.endswith(".jsonl"):      # (1b): one object a line
                docs += [(None, json.loads(ln)) for ln in data.splitlines() if ln.strip()]
            else:
                docs.append((name, json.loads(data)))
        except ValueError:
            st["bad"].append(name + ": no JSON")
    for name, d in docs:
        st["verdicts"] += 1
        mail = os.path.basename(name)[:-5] if name else os.path.basename(d["file"])
        want = expect.get(mail)
        if want and d["verdict"] == want:
            st["verdict_ok"] += 1
        elif want:
            st["bad"].append("%s: %s, expected %s (%s)" % (
                mail, d["verdict"], want, ", ".join(x["code"] for x in d["defects"])))
        for f in d.get("files", []):
            st["files"] += 1
            t = f.get("type") or ""
            if t == "image/jpeg":
                st["jpeg"] += 1
            elif t.startswith("video/"):
                st["video"] += 1
            elif t in ("application/zip", "application/x-7z-compressed"):
                st["archive"] += 1
    return st


def jpeg_damage(build, big, work, n=30):
    """bench-jpegdamage over the photos of the 200 MB mail's zip (not timed)."""
    import email
    import zipfile
    d = os.path.join(work, "jpeg")
    os.makedirs(d, exist_ok=True)
    with open(big, "rb") as f:
        msg = email.message_from_binary_file(f)
    photos = []
    for part in msg.walk():
        data = part.get_payload(decode=True) if not part.is_multipart() else None
        if not data or data[:2] != b"PK":
            continue
        zpath = os.path.join(d, "photos.zip")
        with open(zpath, "wb") as f:
            f.write(data)
        with zipfile.ZipFile(zpath) as z:
            for info in z.infolist():
                if len(photos) < n and info.filename.lower().endswith(".jpg"):
                    p = os.path.join(d, "p%03d.jpg" % len(photos))
                    with open(p, "wb") as f:
                        f.write(z.read(info))
                    photos.append(p)
        os.unlink(zpath)
    del msg
    out = subprocess.run([os.path.join(build, "bench-jpegdamage"), "-n", "3"] + photos,
                         stdout=subprocess.PIPE, check=True).stdout.decode()
    shutil.rmtree(d, ignore_errors=True)
    return {"photos": len(photos), "table": out}


def text_stats(data):
    st = {"files": 0, "jpeg": 0, "video": 0, "archive": 0, "failed": 0}
    for ln in data.decode().splitlines():
        for kv in ln.split():
            k, _, v = kv.partition("=")
            if k in st:
                st[k] += int(v)
    return st


# ---------------------------------------------------------------- IMAP


def dovecot(cmd, d, *extra, env=None, capture=False, check=True):
    return sh('. "$1/tests/dovecot.sh"; d=$2; shift 2; ' + cmd, TOP, d, *extra, env=env,
              capture=capture, check=check)


def fill_maildir(d, user, src, n):
    """n copies of src with distinct Message-IDs straight into the user's
    Maildir (Dovecot indexes them at the next SELECT): faster than APPEND
    and the same for FETCH."""
    with open(src, "rb") as f:
        raw = f.read()
    m = re.search(rb"(?im)^Message-ID:\s*<", raw)
    assert m, "no Message-ID in %s" % src
    root = os.path.join(d, "mail", user)
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(root, sub), exist_ok=True)
    nobody = pwd.getpwnam("nobody")
    when = datetime.datetime(2026, 7, 28, 15, 40, 2, tzinfo=datetime.timezone(
        datetime.timedelta(hours=8))).timestamp()
    for i in range(n):
        data = raw[:m.end()] + b"bench%06d." % i + raw[m.end():]
        p = os.path.join(root, "new", "%d.M%dP%d.bench" % (int(when), i, os.getpid()))
        with open(p, "wb") as f:
            f.write(data)
        os.utime(p, (when, when))
    sh('chown -R nobody:nogroup "$1"', root)
    return len(raw) + 14


def drain(build, corpus, work, n, report):
    d = os.path.join(work, "imap")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    os.chmod(work, 0o755)
    env = dict(os.environ, DOVECOT_USERS="hfw:hfwpass lat:latpass")
    dovecot("dovecot_start \"$d\" >/dev/null", d, env=env)
    try:
        port = int(open(os.path.join(d, "port")).read())
        pw = os.path.join(work, "hfw.pw")
        with open(pw, "w") as f:
            f.write("hfwpass\n")
        os.chmod(pw, 0o600)
        src = os.path.join(corpus, "extra", "imap-15mb.eml")
        log("IMAP drain: writing %d copies of %s into the Maildir" % (n, os.path.basename(src)))
        size = fill_maildir(d, "hfw", src, n)
        subprocess.run(["sync"])
        # the first SELECT indexes the new mail: not part of any figure
        dovecot('imap_list_keywords "$d" hfw INBOX | wc -l', d, capture=True)
        total = n * size
        out = os.path.join(work, "fetched")
        res = {}
        fetch = os.path.join(build, "bench-imapfetch")
        raw = os.path.join(BENCH, "rawfetch.py")
        passes = [
            ("warm-up", [PY, raw, "127.0.0.1", str(port), "hfw", pw, out]),
            ("raw", [PY, os.path.join(BENCH, "rawfetch.py"), "127.0.0.1", str(port), "hfw", pw, out]),
            ("casemail", [os.path.join(build, "bench-imapfetch"), "127.0.0.1", str(port), "hfw", pw,
                          out, "--no-fsync", "--no-digest"]),
            ("raw_fsync", [PY, raw, "127.0.0.1", str(port), "hfw", pw, out, "--fsync"]),
            ("casemail_fsync_nodigest", [fetch, "127.0.0.1", str(port), "hfw", pw, out,
                                         "--no-digest"]),
            ("casemail_fsync", [fetch, "127.0.0.1", str(port), "hfw", pw, out]),
        ]
        rounds = [passes[:1]] + [passes[1:]] * int(os.environ.get("BENCH_IMAP_REPEAT", "2"))
        for rnd in rounds:
            for key, cmd in rnd:
                shutil.rmtree(out, ignore_errors=True)
                os.makedirs(out)
                subprocess.run(["sync"])
                t0 = time.monotonic()
                r = subprocess.run(cmd, capture_output=True, text=True)
                wall = time.monotonic() - t0
                if r.returncode != 0:
                    raise RuntimeError("%s: %s" % (key, r.stderr.strip()))
                got = int(r.stdout.split()[0])
                if got != n:
                    raise RuntimeError("%s fetched %d of %d" % (key, got, n))
                res[key] = min(wall, res.get(key, wall))
                log("IMAP %-24s %6.1f s  %6.1f MB/s" % (key, wall, total / MB / wall))
        shutil.rmtree(out, ignore_errors=True)

        # casemaild --once: fetch, check, file, queue the reply, mark; everything
        dd = os.path.join(work, "daemon")
        shutil.rmtree(dd, ignore_errors=True)
        os.makedirs(dd)
        conf = os.path.join(dd, "casemail.conf")
        with open(conf, "w") as f:
            f.write("[spool]\ndir = %s/spool\n[state]\ndir = %s/state\n"
                    "[imap]\nhost = 127.0.0.1\nport = %d\ntls = no\npoll_interval = 600\n"
                    "[mailbox haofuwu]\ncampaign = haofuwu-2026\nuser = hfw\npassword_file = %s\n"
                    "[smtp]\noutbox = %s/replies\n" % (dd, dd, port, pw, dd))
        subprocess.run(["sync"])
        log("IMAP drain: casemaild --once over %d mails" % n)
        t0 = time.monotonic()
        r = subprocess.run([os.path.join(build, "casemaild"), "-c", conf, "--once", "--foreground"],
                           stdout=subprocess.DEVNULL, stderr=open(os.path.join(dd, "log"), "w"))
        wall = time.monotonic() - t0
        marked = dovecot('imap_list_keywords "$d" hfw INBOX | grep -c "\\$casemail-done"', d,
                         capture=True, check=False).stdout.decode().strip()
        res["daemon"] = wall
        res["daemon_status"] = r.returncode
        res["marked"] = int(marked or 0)
        res["filed"] = len(glob.glob(os.path.join(dd, "spool", "*", "mail", "*")))
        log("IMAP casemaild --once  %6.1f s  %6.1f MB/s, %d marked, %d filed" % (
            wall, total / MB / wall, res["marked"], res["filed"]))
        shutil.rmtree(dd, ignore_errors=True)
        res["n"], res["size"], res["total"] = n, size, total
        report["imap"] = res
        if "latency" not in os.environ.get("BENCH_SKIP", ""):
            report["latency"] = latency(build, corpus, work, d, port)
    finally:
        dovecot("dovecot_stop \"$d\" >/dev/null 2>&1", d, env=env)
        sh('chown -R root:root "$1" 2>/dev/null; rm -rf "$1"', d, check=False)


def latency(build, corpus, work, d, port, rounds=3):
    """casemaild with IDLE against Dovecot and the aiosmtpd sink: APPEND a
    20 MB mail, time until the reply is in the sink's Maildir."""
    import imaplib
    sd = os.path.join(work, "smtp")
    dd = os.path.join(work, "latency")
    for p in (sd, dd):
        shutil.rmtree(p, ignore_errors=True)
        os.makedirs(p)
    sh('. "$1/tests/smtpsink.sh"; smtpsink_start "$2" >/dev/null', TOP, sd)
    daemon = None
    try:
        sport = int(open(os.path.join(sd, "port")).read())
        pw = os.path.join(dd, "lat.pw")
        with open(pw, "w") as f:
            f.write("latpass\n")
        os.chmod(pw, 0o600)
        conf = os.path.join(dd, "casemail.conf")
        with open(conf, "w") as f:
            f.write("[spool]\ndir = %s/spool\n[state]\ndir = %s/state\n"
                    "[imap]\nhost = 127.0.0.1\nport = %d\ntls = no\npoll_interval = 600\n"
                    "[mailbox haofuwu]\ncampaign = haofuwu-2026\nuser = lat\npassword_file = %s\n"
                    "[smtp]\nhost = 127.0.0.1\nport = %d\ntls = no\n" % (dd, dd, port, pw, sport))
        daemon = subprocess.Popen([os.path.join(build, "casemaild"), "-c", conf, "--foreground"],
                                  stdout=subprocess.DEVNULL,
                                  stderr=open(os.path.join(dd, "log"), "w"))
        time.sleep(3)   # connected and idling
        with open(os.path.join(corpus, "extra", "latency-20mb.eml"), "rb") as f:
            raw = f.read()
        m = re.search(rb"(?im)^Message-ID:\s*<", raw)
        sink_new = os.path.join(sd, "maildir", "new")
        out = []
        for k in range(rounds):
            data = raw[:m.end()] + b"latency%d." % k + raw[m.end():]
            before = len(os.listdir(sink_new))
            c = imaplib.IMAP4("127.0.0.1", port)
            c.login("lat", "latpass")
            t_start = time.monotonic()
            typ, resp = c.append("INBOX", None, '"28-Jul-2026 15:40:02 +0800"', data)
            t_appended = time.monotonic()
            c.logout()
            if typ != "OK":
                raise RuntimeError("APPEND: %r" % resp)
            got = None
            while time.monotonic() - t_appended < 60:
                if len(os.listdir(sink_new)) > before:
                    got = time.monotonic()
                    break
                time.sleep(0.01)
            out.append({"append_s": t_appended - t_start,
                        "latency_s": (got - t_appended) if got else None})
            log("latency round %d: APPEND %.2f s, reply after %s" % (
                k + 1, t_appended - t_start, "%.2f s" % (got - t_appended) if got else "none (60 s)"))
            time.sleep(1)
        return {"rounds": out, "size": len(raw)}
    finally:
        if daemon:
            daemon.send_signal(signal.SIGTERM)
            try:
                daemon.wait(10)
            except subprocess.TimeoutExpired:
                daemon.kill()
        sh('. "$1/tests/smtpsink.sh"; smtpsink_stop "$2"', TOP, sd, check=False)
        shutil.rmtree(dd, ignore_errors=True)
        shutil.rmtree(sd, ignore_errors=True)


# ---------------------------------------------------------------- report


def fmt_ratio(x):
    return "%.1fx" % x if x >= 10 else "%.2fx" % x


def render(report):
    L = []
    L += report["machine"]
    L.append("before: " + report["load_before"])
    L.append("after:  " + report["load_after"])
    c = report["corpus"]
    L.append("corpus: %d mails, %.0f MB (50 mails of 1-30 MB: %.0f MB; the 200 MB mail: %.0f MB, "
             "a %.0f MB MP4 and a %.0f MB zip of photos, base64); %s" % (
                 c["n"], c["bytes"] / MB, c["bytes50"] / MB, c["bytes_big"] / MB,
                 c["big_video"] / MB, c["big_zip"] / MB, c["content"]))
    L.append("")
    rows = report.get("rows", {})
    if rows:
        L.append("%-34s %9s %8s %9s %8s %9s %8s %9s %7s" % (
            "", "50 mails", "", "200 MB", "", "all", "", "peak RSS", "CPU"))
        L.append("%-34s %9s %8s %9s %8s %9s %8s %9s %7s   %s" % (
            "contender", "wall s", "MB/s", "wall s", "MB/s", "wall s", "MB/s", "MiB", "s",
            "files seen: jpeg/video/archive"))
        for key, label in report["labels"]:
            if key not in rows:
                continue
            r = rows[key]
            a, b = r["mails"], r["big"]
            wall = a["wall_s"] + b["wall_s"]
            st = r.get("stats", {})
            seen = "%d/%d/%d" % (st.get("jpeg", 0), st.get("video", 0), st.get("archive", 0)) \
                if key != "floor" else "%d attachments" % st.get("attachments", 0)
            L.append("%-34s %9.2f %8.1f %9.2f %8.1f %9.2f %8.1f %9.1f %7.2f   %s" % (
                label, a["wall_s"], c["bytes50"] / MB / a["wall_s"], b["wall_s"],
                c["bytes_big"] / MB / b["wall_s"], wall, c["bytes"] / MB / wall,
                max(a["peak_rss_kib"], b["peak_rss_kib"]) / 1024, a["cpu_s"] + b["cpu_s"], seen))
        L.append("MB/s = mail bytes / wall time. peak RSS = the largest VmHWM of any one process "
                 "(wait4, orphans reaped too: memwatch.py),")
        L.append("file-backed pages included: (1) maps the mail, so for the 200 MB mail it is "
                 "mostly the mail's pages (anon below). CPU = user+sys of all processes.")
        L.append("")
        for base, blabel in (("casemail", "(1)"), ("casemail_j", "(1b)")):
            if base not in rows:
                continue
            cm = rows[base]
            cw = cm["mails"]["wall_s"] + cm["big"]["wall_s"]
            cc = cm["mails"]["cpu_s"] + cm["big"]["cpu_s"]
            L.append("ratios, all 51 mails: wall time of the other / wall time of %s "
                     "(50 mails, 200 MB mail; CPU time ratio):" % blabel)
            for key, label in report["labels"]:
                if key not in rows or key not in TARGETS:
                    continue
                ow = rows[key]["mails"]["wall_s"] + rows[key]["big"]["wall_s"]
                ratio = ow / cw
                oc = rows[key]["mails"]["cpu_s"] + rows[key]["big"]["cpu_s"]
                parts = "(%s, %s; %s)" % (
                    fmt_ratio(rows[key]["mails"]["wall_s"] / cm["mails"]["wall_s"]),
                    fmt_ratio(rows[key]["big"]["wall_s"] / cm["big"]["wall_s"]), fmt_ratio(oc / cc))
                if key == "floor":
                    want = "%s within 2x of (4), i.e. >= 0.50x" % blabel
                else:
                    want = "%s >= %dx faster" % (blabel, TARGETS[key])
                met = ratio >= TARGETS[key]
                L.append("  %-4s vs %-32s %7s %-24s target %-38s %s" % (
                    blabel, label, fmt_ratio(ratio), parts, want, "met" if met else "NOT MET"))
            st = cm.get("stats", {})
            L.append("casemail verdicts as the corpus expects: %d of %d%s" % (
                st.get("verdict_ok", 0), c["n"], "" if not st.get("bad") else
                " — differ: " + "; ".join(st["bad"][:5])))
            L.append("")
    if "jpeg" in report:
        L.append("JPEG damage found, %d photos of the corpus, fixed seed (bench-jpegdamage; "
                 "default = structure walk, decode after a zero run; decode = "
                 "probe_jpeg_decode = yes):" % report["jpeg"]["photos"])
        L += ["  " + ln for ln in report["jpeg"]["table"].splitlines()]
        L.append("")
    if "rss" in report:
        r = report["rss"]
        L.append("memory of casemailctl check (max over its processes; memwatch.py):")
        for key, label in (("big", "the 200 MB mail"), ("largest", "the largest of the 50")):
            x = r[key]
            L.append("  %-22s peak RSS %6.1f MiB (VmHWM: includes %5.1f MiB of file-backed pages, "
                     "the mmap()ed mail), peak anon %5.1f MiB (%s) -> target <= %d MiB anon: %s" % (
                         label, x["peak_rss_kib"] / 1024, x["peak_file_kib"] / 1024,
                         x["peak_anon_kib"] / 1024, x["peak_anon_proc"], RSS_TARGET_MIB,
                         "met" if x["peak_anon_kib"] <= RSS_TARGET_MIB * 1024 else "NOT MET"))
        L.append("  (anon = RssAnon + RssShmem sampled every 5 ms from /proc; tests/e2e-rss.sh enforces "
                 "the bound with RLIMIT_DATA)")
        L.append("")
    if "imap" in report:
        m = report["imap"]
        t = m["total"] / MB
        L.append("IMAP drain, loopback Dovecot, %d x %.1f MB = %.0f MB (one connection):" % (
            m["n"], m["size"] / MB, t))
        for key, label in (("raw", "(a) raw UID FETCH BODY.PEEK[] client (python, to files)"),
                           ("casemail", "(b) casemail's FETCH path (lib/imap, to files)"),
                           ("raw_fsync", "(c) raw client, fsync per mail"),
                           ("casemail_fsync_nodigest", "(d) casemail's FETCH path, fsync per mail"),
                           ("casemail_fsync", "(e) casemaild's fetch stage: (d) + SHA-256, Message-ID"),
                           ("daemon", "(f) casemaild --once: fetch+check+file+reply+mark")):
            L.append("  %-58s %7.1f s %7.1f MB/s" % (label, m[key], t / m[key]))
        proto = m["raw"] / m["casemail"]
        durable = m["raw_fsync"] / m["casemail_fsync_nodigest"]
        stage = m["raw_fsync"] / m["casemail_fsync"]
        whole = m["raw_fsync"] / m["daemon"]
        L.append("  casemail vs raw: FETCH path (b)/(a) %.0f%%, with fsync (d)/(c) %.0f%%, fetch stage "
                 "(e)/(c) %.0f%%   target >= %d%%: %s" % (
                     proto * 100, durable * 100, stage * 100, DRAIN_TARGET * 100,
                     "met" if min(proto, durable, stage) >= DRAIN_TARGET else "NOT MET"))
        L.append("  whole drain (f)/(c): %.0f%%   target >= %d%%: %s  "
                 "(%d of %d marked $casemail-done, %d filed, exit %d)" % (
                     whole * 100, DRAIN_TARGET * 100, "met" if whole >= DRAIN_TARGET else "NOT MET",
                     m["marked"], m["n"], m["filed"], m["daemon_status"]))
        L.append("")
    if "latency" in report:
        lat = report["latency"]
        vals = [r["latency_s"] for r in lat["rounds"]]
        worst = None if None in vals else max(vals)
        L.append("receipt latency, IDLE, %.1f MB mail: APPEND done -> reply in the SMTP sink: %s; "
                 "worst %s   target <= %.0f s: %s" % (
                     lat["size"] / MB, ", ".join("%.2f s" % v if v is not None else "none"
                                                  for v in vals),
                     "%.2f s" % worst if worst is not None else "none", LATENCY_TARGET_S,
                     "met" if worst is not None and worst <= LATENCY_TARGET_S else "NOT MET"))
    return "\n".join(L) + "\n"


def corpus_info(corpus):
    rows = []
    with open(os.path.join(corpus, "INDEX.tsv"), encoding="utf-8") as f:
        next(f)
        for ln in f:
            name, style, campaign, size, verdict, code, about = ln.rstrip("\n").split("\t")
            rows.append((name, int(size), verdict, about))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build")
    ap.add_argument("--corpus")
    ap.add_argument("--work")
    ap.add_argument("--render", metavar="RESULTS_JSON", help="print the table of an earlier run")
    a = ap.parse_args()
    if a.render:
        with open(a.render) as f:
            sys.stdout.write(render(json.load(f)))
        return
    if not (a.build and a.corpus and a.work):
        ap.error("--build, --corpus and --work are required")
    build, corpus, work = (os.path.abspath(x) for x in (a.build, a.corpus, a.work))
    skip = os.environ.get("BENCH_SKIP", "").split()
    repeat = int(os.environ.get("BENCH_REPEAT", "1"))
    n_imap = int(os.environ.get("BENCH_IMAP_MAILS", "500"))
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.join(work, "tmp"))
    for sub in ("admin", "naive", "floor"):
        os.makedirs(os.path.join(work, sub))

    index = corpus_info(corpus)
    mails = [os.path.join(corpus, r[0]) for r in index if r[0].startswith("mails/")]
    big = [os.path.join(corpus, "big", "big.eml")]
    expect = {os.path.basename(r[0]): r[2] for r in index}
    about_big = [r[3] for r in index if r[0] == "big/big.eml"][0]
    nums = [float(x) for x in re.findall(r"([\d.]+) MB", about_big)]
    jpeg = sum(int(x) for x in re.findall(r"(\d+) jpg", " ".join(r[3] for r in index
                                                                 if r[0].startswith("mails/"))))
    report = {"machine": machine(), "load_before": load_line(), "labels": [],
              "corpus": {"n": len(mails) + 1, "bytes": sum(os.path.getsize(m) for m in mails + big),
                         "bytes50": sum(os.path.getsize(m) for m in mails),
                         "bytes_big": os.path.getsize(big[0]), "big_zip": nums[0] * MB,
                         "big_video": nums[1] * MB,
                         "content": "%d JPEG photos in the 50" % jpeg}}
    env = dict(os.environ, TMPDIR=os.path.join(work, "tmp"), LC_ALL="C.UTF-8")
    rows = {}
    if "baselines" not in skip:
        log("floor: extracting the base64 text of every attachment (not timed)")
        fin_mails = floor_prepare(mails, os.path.join(work, "floor", "m"))
        fin_big = floor_prepare(big, os.path.join(work, "floor", "b"))
        for key, label, script, fixed in contenders(build, work):
            report["labels"].append((key, label))
            if key == "floor":
                ins = (fin_mails, fin_big)
            else:
                ins = (mails, big)
            r = {}
            for part, files in zip(("mails", "big"), ins):
                log("%s: %s" % (label, "50 mails" if part == "mails" else "the 200 MB mail"))
                x = run_contender(key, script, fixed, files, work, env, repeat)
                outputs = x.pop("outputs")
                r[part] = x
                r.setdefault("outputs", {}).update(
                    {part + "/" + k: v for k, v in outputs.items()})
                log("  %.2f s wall, %.2f s CPU, peak RSS %.1f MiB" % (
                    x["wall_s"], x["cpu_s"], x["peak_rss_kib"] / 1024))
            outputs = r.pop("outputs")
            if key in ("casemail", "casemail_j"):
                r["stats"] = casemail_stats(outputs, expect)
            elif key == "floor":
                r["stats"] = {"attachments": len(fin_mails) + len(fin_big)}
            else:
                r["stats"] = text_stats(b"".join(outputs.values()))
            rows[key] = r
        shutil.rmtree(os.path.join(work, "floor"), ignore_errors=True)
        report["rows"] = rows

    if "jpeg" not in skip:
        log("JPEG damage: the structure walk against a full decode")
        report["jpeg"] = jpeg_damage(build, big[0], work)

    # memory of casemailctl check, sampled (not timed)
    log("memory: casemailctl check, sampled")
    largest = max(mails, key=os.path.getsize)
    report["rss"] = {}
    for key, m in (("big", big[0]), ("largest", largest)):
        report["rss"][key] = memwatch([os.path.join(build, "casemailctl"), "check", "--json", m],
                                      work, sample=True, env=dict(env), quiet=True)
    if "imap" not in skip:
        drain(build, corpus, work, n_imap, report)
    elif "latency" not in skip:
        # latency alone needs its own Dovecot
        d = os.path.join(work, "imap")
        os.makedirs(d, exist_ok=True)
        os.chmod(work, 0o755)
        envd = dict(os.environ, DOVECOT_USERS="lat:latpass")
        dovecot("dovecot_start \"$d\" >/dev/null", d, env=envd)
        try:
            port = int(open(os.path.join(d, "port")).read())
            report["latency"] = latency(build, corpus, work, d, port)
        finally:
            dovecot("dovecot_stop \"$d\" >/dev/null 2>&1", d, env=envd)
    report["load_after"] = load_line()
    with open(os.path.join(work, "results.json"), "w") as f:
        json.dump(report, f, indent=1, default=str)
    text = render(report)
    sys.stdout.write("\n" + text)
    with open(os.path.join(work, "results.txt"), "w") as f:
        f.write(text)
    log("results in %s/results.txt and results.json" % work)


if __name__ == "__main__":
    main()
