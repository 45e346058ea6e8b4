#!/usr/bin/python3
"""Profile `casemailctl check` of one mail with perf (docs/bench.md).

    tests/bench/profile.py [--freq HZ] BUILD/casemailctl MAIL [OUT.data]

perf record -F HZ (default 2000) --call-graph dwarf over the CLI and all its
children (the per-mail worker, the probe worker), then perf script, and
prints three tables:

  self        samples by shared object and function, where the CPU was,
              with the nearest casemail function on the stack ("<- f");
              functions of stripped Debian libraries (libturbojpeg,
              libetpan, ...) have no name: they are grouped per library
              ("libturbojpeg.so.0.2.0 <- probe_jpeg");
  inclusive   casemail's own functions (symbols of the casemailctl binary)
              with everything they call: what to optimise;
  process     samples per process (CLI, worker, probe worker).

Needs linux-perf (make bench-deps installs it when the kernel has one).
"""
import collections
import os
import re
import subprocess
import sys
import tempfile


def main(argv):
    args = argv[1:]
    freq = "2000"
    if args[:1] == ["--freq"]:
        freq, args = args[1], args[2:]
    if len(args) not in (2, 3):
        sys.exit(__doc__)
    ctl, mail = os.path.abspath(args[0]), args[1]
    if len(args) == 3:
        data = args[2]
    else:
        fd, data = tempfile.mkstemp(suffix=".perf.data")
        os.close(fd)
    ctl_name = os.path.basename(ctl)
    r = subprocess.run(["perf", "record", "-q", "-F", freq, "--call-graph", "dwarf,16384", "-o", data,
                        "--", ctl, "check", "--json", mail],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if r.returncode > 2:
        sys.exit("perf record failed: %s" % r.stderr[-500:])
    script = subprocess.run(["perf", "script", "-i", data, "-F", "comm,pid,tid,ip,sym,dso"],
                            capture_output=True, text=True, errors="replace").stdout
    samples = []
    cur = None
    for ln in script.splitlines():
        if not ln.strip():
            if cur:
                samples.append(cur)
            cur = None
            continue
        if not ln.startswith((" ", "\t")):
            m = re.match(r"\s*(\S+)\s+(\d+)", ln)
            cur = {"pid": m.group(2) if m else "?", "frames": []}
            continue
        m = re.match(r"\s*([0-9a-f]+)\s+(.*?)\s+\((.*)\)\s*$", ln)
        if m and cur is not None:
            sym = re.sub(r"\+0x[0-9a-f]+$", "", m.group(2))
            cur["frames"].append((sym, os.path.basename(m.group(3))))
    if cur:
        samples.append(cur)
    total = len(samples)
    if not total:
        sys.exit("no samples")
    self_c = collections.Counter()
    incl = collections.Counter()
    procs = collections.Counter()
    for s in samples:
        fr = s["frames"]
        if not fr:
            continue
        procs[s["pid"]] += 1
        sym, dso = fr[0]
        owner = next((f for f, d in fr if d == ctl_name and not f.startswith(("[", "0x"))), "?")
        if sym in ("[unknown]", "") or sym.startswith("0x"):
            key = "%s <- %s" % (dso, owner)
        elif dso == ctl_name:
            key = "%s %s" % (dso, sym)
        else:
            key = "%s %s <- %s" % (dso, sym, owner)
        self_c[key] += 1
        seen = set()
        for f, d in fr:
            if d == ctl_name and f not in seen and not f.startswith(("[", "0x")):
                seen.add(f)
                incl[f] += 1
    print("%d samples at %s Hz (%.2f s of CPU) of casemailctl check %s" % (
        total, freq, total / float(freq), os.path.basename(mail)))
    print("\nself (where the CPU was):")
    for k, v in self_c.most_common(25):
        print("  %5.1f%%  %s" % (100.0 * v / total, k))
    print("\ninclusive, casemail functions (with what they call):")
    for k, v in incl.most_common(30):
        print("  %5.1f%%  %s" % (100.0 * v / total, k))
    print("\nper process (pid: samples):")
    for k, v in procs.most_common(8):
        print("  %5.1f%%  pid %s" % (100.0 * v / total, k))
    if len(args) < 3:
        os.unlink(data)


if __name__ == "__main__":
    main(sys.argv)
