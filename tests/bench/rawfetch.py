#!/usr/bin/python3
"""A raw IMAP client for `make bench`: the ceiling casemaild's fetch is
compared with (docs/bench.md, "IMAP drain").

    tests/bench/rawfetch.py HOST PORT USER PASSWORD_FILE OUTDIR [--fsync]

LOGIN, SELECT INBOX, UID SEARCH ALL, then one `UID FETCH uid BODY.PEEK[]`
per message, one at a time, the literal streamed from the socket to
OUTDIR/UID.eml in 1 MiB reads (never held whole); with --fsync each file
is fsync()ed before the next FETCH, as casemaild does. No parsing beyond
the literal's {N}: this is as fast as a single connection gets.
Prints "N messages, B bytes, S s".
"""
import os
import re
import socket
import sys
import time


class Conn:
    def __init__(self, host, port):
        self.s = socket.create_connection((host, port))
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.tag = 0
        self.line()  # greeting

    def fill(self):
        d = self.s.recv(1 << 20)
        if not d:
            raise EOFError("connection closed")
        self.buf += d

    def line(self):
        while b"\r\n" not in self.buf:
            self.fill()
        ln, _, self.buf = self.buf.partition(b"\r\n")
        return ln

    def command(self, text, literal_to=None):
        """Send a command; return the untagged lines. literal_to(n) gives a
        file to stream each {n} literal into."""
        self.tag += 1
        tag = b"a%d" % self.tag
        self.s.sendall(tag + b" " + text.encode() + b"\r\n")
        lines = []
        while True:
            ln = self.line()
            m = re.search(rb"\{(\d+)\}$", ln)
            if m and literal_to:
                n = int(m.group(1))
                f = literal_to(n)
                while n > 0:
                    if not self.buf:
                        self.fill()
                    chunk = self.buf[:n]
                    self.buf = self.buf[len(chunk):]
                    f.write(chunk)
                    n -= len(chunk)
                lines.append(ln)
                continue
            if ln.startswith(tag + b" "):
                if not ln[len(tag) + 1:].startswith(b"OK"):
                    raise RuntimeError(ln.decode(errors="replace"))
                return lines
            lines.append(ln)


def main(argv):
    args = [a for a in argv[1:] if a != "--fsync"]
    sync = "--fsync" in argv
    if len(args) != 5:
        sys.exit("usage: rawfetch.py HOST PORT USER PASSWORD_FILE OUTDIR [--fsync]")
    host, port, user, pwfile, outdir = args
    password = open(pwfile).readline().strip()
    t0 = time.monotonic()
    c = Conn(host, int(port))
    c.command('LOGIN "%s" "%s"' % (user, password))
    c.command("SELECT INBOX")
    uids = []
    for ln in c.command("UID SEARCH ALL"):
        if ln.startswith(b"* SEARCH"):
            uids += [int(x) for x in ln.split()[2:]]
    total = 0
    for uid in uids:
        path = os.path.join(outdir, "%d.eml" % uid)
        f = open(path, "wb")
        c.command("UID FETCH %d BODY.PEEK[]" % uid, literal_to=lambda n: f)
        f.flush()
        if sync:
            os.fsync(f.fileno())
        total += f.tell()
        f.close()
    c.command("LOGOUT")
    print("%d messages, %d bytes, %.3f s" % (len(uids), total, time.monotonic() - t0))


if __name__ == "__main__":
    main(sys.argv)
