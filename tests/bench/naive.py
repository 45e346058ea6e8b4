#!/usr/bin/python3
"""The plain Python script an admin would write to check one submission,
for `make bench` (baseline 3, docs/bench.md). Standard library only:

    tests/bench/naive.py MAIL WORKDIR

- email (policy=default: RFC 2047/2231 names) reads the mail, every part
  with a file name is decoded (get_payload(decode=True), in memory) and
  written to WORKDIR;
- zipfile opens zips (GBK names of entries without the UTF-8 flag
  re-decoded from cp437), writes every entry and looks at it in turn,
  nested zips too (7z/rar would need extra modules: none in the corpus);
- a JPEG is checked without a decoder: SOI at the start, EOI at the end,
  width and height from the SOF, size >= 1 MiB;
- a video goes to `ffprobe -print_format json -show_format -show_streams`
  (subprocess) for container, size, duration and rotation;
- PDF: "%PDF-" at the start and "%%EOF" near the end.

Prints "files=N jpeg=N video=N archive=N failed=N" like admin.sh and
removes WORKDIR at the end.
"""
import email
import email.policy
import json
import os
import shutil
import struct
import subprocess
import sys
import zipfile

stats = {"files": 0, "jpeg": 0, "video": 0, "archive": 0, "failed": 0}
n_out = 0


def jpeg_ok(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] != b"\xff\xd8" or data.rstrip(b"\0")[-2:] != b"\xff\xd9":
        return False
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return False
        marker = data[i + 1]
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            h, w = struct.unpack(">HH", data[i + 5:i + 9])
            return w > 0 and h > 0 and len(data) >= 1048576
        i += 2 + length
    return False


def video_ok(path):
    r = subprocess.run(["ffprobe", "-v", "error", "-print_format", "json", "-show_format",
                        "-show_streams", path], capture_output=True)
    if r.returncode != 0:
        return False
    info = json.loads(r.stdout)
    v = [s for s in info.get("streams", []) if s.get("codec_type") == "video"]
    return bool(v) and float(info["format"].get("duration", 0)) <= 300


def look(path, name, work):
    global n_out
    stats["files"] += 1
    low = name.lower()
    with open(path, "rb") as f:
        head = f.read(8)
    if zipfile.is_zipfile(path) and not low.endswith((".docx", ".xlsx", ".pptx")):
        stats["archive"] += 1
        try:
            with zipfile.ZipFile(path) as z:
                for info in z.infolist():
                    if info.is_dir():
                        continue
                    ename = info.filename
                    if not info.flag_bits & 0x800:
                        try:
                            ename = ename.encode("cp437").decode("gbk")
                        except (UnicodeError, LookupError):
                            pass
                    n_out += 1
                    out = os.path.join(work, "%d%s" % (n_out, os.path.splitext(ename)[1]))
                    with z.open(info) as src, open(out, "wb") as dst:
                        shutil.copyfileobj(src, dst, 1 << 20)
                    look(out, ename, work)
        except (zipfile.BadZipFile, RuntimeError, OSError):
            stats["failed"] += 1
    elif low.endswith((".jpg", ".jpeg")) or head[:2] == b"\xff\xd8":
        stats["jpeg"] += 1
        if not jpeg_ok(path):
            stats["failed"] += 1
    elif low.endswith((".mp4", ".mov", ".avi", ".mkv")):
        stats["video"] += 1
        if not video_ok(path):
            stats["failed"] += 1
    elif low.endswith(".pdf"):
        with open(path, "rb") as f:
            data = f.read()
        if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-1024:]:
            stats["failed"] += 1


def main(mail, work):
    global n_out
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    with open(mail, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    for part in msg.walk():
        name = part.get_filename()
        if not name or part.is_multipart():
            continue
        data = part.get_payload(decode=True) or b""
        n_out += 1
        out = os.path.join(work, "%d%s" % (n_out, os.path.splitext(name)[1]))
        with open(out, "wb") as f:
            f.write(data)
        del data
        look(out, name, work)
    shutil.rmtree(work, ignore_errors=True)
    print(" ".join("%s=%d" % kv for kv in stats.items()))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: naive.py MAIL WORKDIR")
    main(sys.argv[1], sys.argv[2])
