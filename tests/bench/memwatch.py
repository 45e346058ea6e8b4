#!/usr/bin/python3
"""Run a command and report its memory, for the bench and tests/e2e-rss.sh.

    tests/bench/memwatch.py [--interval MS] [--no-sample] [--json FILE] -- COMMAND [ARG...]

Two figures, because a process that maps a file has that file's pages in
its RSS without having allocated them:

  peak RSS   the largest ru_maxrss (VmHWM) of any process of the tree, from
             wait4(): what `/usr/bin/time -f %M` prints, but complete:
             memwatch is a child subreaper (PR_SET_CHILD_SUBREAPER), so a
             process whose parent exits without reaping it (casemail's
             probe worker dies with the extract worker) is reparented to
             memwatch and reaped here, not by init. It counts file-backed
             pages: mmap()ed files and libraries;
  peak anon  the largest RssAnon (+ RssShmem) of any one process of the
             tree, sampled from /proc/PID/status every --interval ms
             (default 5; --no-sample: not measured, for timing runs where
             the sampler would take CPU from the command): memory the
             processes allocated. Sampling can miss a peak shorter than the
             interval (the samples taken and the largest process count seen
             are reported).

Also the wall time (until the command itself exits) and the CPU time
(user + sys) of every process of the tree. The exit status is the
command's. The figures go to stderr, or as JSON to FILE with --json.
  memwatch: wall 2.51 s, cpu 2.30 s, peak rss 273.6 MiB, peak anon 41.2 MiB (casemailctl), ...
"""
import ctypes
import json
import os
import sys
import threading
import time


def children_map():
    kids = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d, "rb") as f:
                st = f.read()
        except OSError:
            continue
        rest = st[st.rfind(b")") + 2:].split()
        kids.setdefault(int(rest[1]), []).append(int(d))
    return kids


def tree(root):
    """root's descendants (not root itself)."""
    kids = children_map()
    out, todo = [], list(kids.get(root, ()))
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, ()))
    return out


PR_SET_CHILD_SUBREAPER = 36


def subreaper():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def status(pid):
    vals = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("Name", "RssAnon", "RssShmem", "RssFile", "VmHWM"):
                    vals[k] = v.strip()
    except OSError:
        return None
    return vals


def kib(v):
    return int(v.split()[0]) if v else 0


class Sampler(threading.Thread):
    def __init__(self, interval):
        super().__init__(daemon=True)
        self.interval = interval
        self.stop = threading.Event()
        self.peak_anon, self.peak_anon_name = 0, ""
        self.peak_file = 0
        self.samples, self.max_procs = 0, 0

    def run(self):
        while not self.stop.is_set():
            pids = tree(os.getpid())
            self.max_procs = max(self.max_procs, len(pids))
            for p in pids:
                s = status(p)
                if not s:
                    continue
                anon = kib(s.get("RssAnon")) + kib(s.get("RssShmem"))
                if anon > self.peak_anon:
                    self.peak_anon, self.peak_anon_name = anon, s.get("Name", "?")
                self.peak_file = max(self.peak_file, kib(s.get("RssFile")))
            self.samples += 1
            self.stop.wait(self.interval)


def run(cmd, interval=0.005, sample=True, stdout=None, stderr=None, env=None):
    """Run cmd; return a dict of the figures (KiB and seconds). Makes this
    process a child subreaper and reaps every child it gets: call it in a
    process of its own."""
    subreaper()
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            if stdout is not None:
                os.dup2(stdout, 1)
            if stderr is not None:
                os.dup2(stderr, 2)
            if env is not None:
                os.execvpe(cmd[0], cmd, env)
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)
    sampler = None
    if sample:
        sampler = Sampler(interval)
        sampler.start()
    _, wstatus, ru = os.wait4(pid, 0)
    wall = time.monotonic() - t0
    cpu, maxrss, orphans = ru.ru_utime + ru.ru_stime, ru.ru_maxrss, 0
    # orphans of the tree were reparented to us: reap them all
    while True:
        try:
            _, _, ru = os.wait4(-1, 0)
        except ChildProcessError:
            break
        orphans += 1
        cpu += ru.ru_utime + ru.ru_stime
        maxrss = max(maxrss, ru.ru_maxrss)
    if sampler:
        sampler.stop.set()
        sampler.join()
    return {
        "status": os.waitstatus_to_exitcode(wstatus),
        "wall_s": wall,
        "cpu_s": cpu,
        "orphans_reaped": orphans,
        "peak_rss_kib": maxrss,
        "peak_anon_kib": sampler.peak_anon if sampler else None,
        "peak_anon_proc": sampler.peak_anon_name if sampler else None,
        "peak_file_kib": sampler.peak_file if sampler else None,
        "samples": sampler.samples if sampler else 0,
        "max_procs": sampler.max_procs if sampler else 0,
    }


def main(argv):
    interval, out, sample = 0.005, None, True
    args = argv[1:]
    while args and args[0] != "--":
        if args[0] == "--interval" and len(args) > 1:
            interval = float(args[1]) / 1000
            args = args[2:]
        elif args[0] == "--json" and len(args) > 1:
            out = args[1]
            args = args[2:]
        elif args[0] == "--no-sample":
            sample = False
            args = args[1:]
        else:
            sys.stderr.write(__doc__)
            return 64
    if len(args) < 2:
        sys.stderr.write(__doc__)
        return 64
    r = run(args[1:], interval, sample)
    if out:
        with open(out, "w") as f:
            json.dump(r, f)
    else:
        sys.stderr.write("memwatch: wall %.2f s, cpu %.2f s, peak rss %.1f MiB, " % (
            r["wall_s"], r["cpu_s"], r["peak_rss_kib"] / 1024))
        if sample:
            sys.stderr.write("peak anon %.1f MiB (%s), peak file-backed %.1f MiB, %d samples, "
                             "up to %d processes, " % (
                                 r["peak_anon_kib"] / 1024, r["peak_anon_proc"],
                                 r["peak_file_kib"] / 1024, r["samples"], r["max_procs"]))
        sys.stderr.write("%d orphans reaped\n" % r["orphans_reaped"])
    return r["status"] if r["status"] >= 0 else 128 - r["status"]


if __name__ == "__main__":
    sys.exit(main(sys.argv))
