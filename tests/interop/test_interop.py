#!/usr/bin/env python3
"""Wireshark's own tools on mbuftrace files (SPEC 5.2), with the real tools.

For every capture in captures/ and for files the tool writes (convert of
every fixture, capture), editcap (copy, -F pcapng, -r 2-3), mergecap (two
captures, with and without -a), tshark -r -w and tshark -Y -w without frame
1 must succeed, and `mbuftrace show` of each output must equal that of the
input for the frames kept, the capture metadata included.  The Time column
of tshark must read 0 for the first packet.  Files in the placement written
before SPEC 5.2's rule (metadata Custom Block before the IDB) are converted,
losslessly, into the new one.
"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

A = None
FAILS = []


def check(cond, msg):
    if not cond:
        FAILS.append(msg)
        print("FAIL: " + msg)
    return cond


def run(cmd, ok=True):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if ok:
        check(p.returncode == 0, "%s: exit %d: %s" %
              (" ".join(cmd), p.returncode, p.stderr.strip()[-400:]))
    return p


def show(path):
    p = run([A.tool, "show", "--color=never", path])
    return p.stdout


def parse(text):
    """Capture lines (a list) and packet blocks: (frame number, text)."""
    caps, pkts = [], []
    for block in text.split("\n\n"):
        lines = block.strip("\n").split("\n")
        while lines and lines[0].startswith("capture "):
            caps.append(lines.pop(0))
        if not lines or not lines[0]:
            continue
        m = re.match(r"packet (\d+)(.*)", lines[0])
        if not check(m, "unexpected show line %r" % lines[0]):
            continue
        pkts.append((int(m.group(1)), "\n".join([m.group(2)] + lines[1:])))
    return caps, pkts


def same(label, want_caps, want_pkts, got_text, subset=False):
    """subset: the SHB's metadata (the first) must be there, metadata
    frames only where their frame was kept."""
    caps, pkts = parse(got_text)
    if subset:
        check(caps[:1] == want_caps[:1] and set(caps) <= set(want_caps),
              "%s: capture metadata %r, expected %r first" %
              (label, caps, want_caps[:1]))
    else:
        check(caps == want_caps, "%s: capture metadata %r, expected %r" %
              (label, caps, want_caps))
    check([p for _, p in pkts] == want_pkts,
          "%s: %d packets differ from the input's %d" %
          (label, len(pkts), len(want_pkts)))


def rm(path):
    if os.path.exists(path):
        os.remove(path)


def frames(path):
    p = run(["tshark", "-r", path, "-T", "fields", "-e", "frame.number",
             "-e", "frame.time_relative"])
    return [l.split("\t") for l in p.stdout.splitlines()]


def one(path, other, work):
    name = os.path.basename(path)
    caps, pkts = parse(show(path))
    check(caps, "%s: no capture metadata" % name)
    check(pkts, "%s: no packets" % name)
    body = [p for _, p in pkts]
    # frame numbers of the input's packets (frame 1 is the metadata)
    nums = [n for n, _ in pkts]
    out = os.path.join(work, "o.pcapng")
    for label, cmd in (("editcap", ["editcap", path, out]),
                       ("editcap -F pcapng",
                        ["editcap", "-F", "pcapng", path, out]),
                       ("tshark -r -w", ["tshark", "-r", path, "-w", out])):
        rm(out)
        if run(cmd).returncode == 0:
            same("%s %s" % (label, name), caps, body, show(out))
    # A frame range: frames 2-3 are the first two packets.
    rm(out)
    if run(["editcap", "-r", path, out, "2-3"]).returncode == 0:
        keep = [p for n, p in pkts if n in (2, 3)]
        same("editcap -r 2-3 %s" % name, caps, keep, show(out), subset=True)
    # A display filter that leaves out frame 1 (the metadata frame).
    rm(out)
    if run(["tshark", "-r", path, "-Y", "frame.number > 1", "-w",
            out]).returncode == 0:
        same("tshark -Y 'frame.number > 1' -w %s" % name, caps, body,
             show(out))
    # Two captures merged: both captures' metadata, all packets.
    ocaps, opkts = parse(show(other))
    obody = [p for _, p in opkts]
    for flags in ([], ["-a"]):
        rm(out)
        if run(["mergecap"] + flags + ["-w", out, path, other]).returncode:
            continue
        gcaps, gpkts = parse(show(out))
        label = "mergecap %s%s + %s" % (" ".join(flags) + " " if flags else "",
                                        name, os.path.basename(other))
        want_caps = caps + [c for c in ocaps if c not in caps]
        check(sorted(gcaps) == sorted(want_caps),
              "%s: metadata %r, expected %r" % (label, gcaps, want_caps))
        # show names VNETs from every metadata record it read: after a
        # merge, the other capture's names may appear; compare without.
        def plain(ps):
            return ["\n".join(re.sub(r"(\d) \([^()]*\)", r"\1", l)
                              if "vnet" in l else l for l in p.split("\n"))
                    for p in ps]
        got = plain([p for _, p in gpkts])
        want = plain(body + obody)
        if flags:
            check(got == want, "%s: packets differ" % label)
        else:
            check(sorted(got) == sorted(want), "%s: packets differ" % label)
    # Wireshark 4.0's Time column: frame 1 and the first packet read 0.
    def num(x):
        try:
            return float(x)
        except ValueError:
            return None
    f = frames(path)
    first = [num(t) for n, t in f if int(n) == nums[0]]
    check(f and num(f[0][1]) == 0.0 and first == [0.0],
          "%s: frame.time_relative %r (frame 1 and the first packet must "
          "read 0)" % (name, f[:3]))
    print("%s: %d packets, metadata kept by every tool" % (name, len(body)))


def main():
    global A
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True)
    ap.add_argument("--captures", required=True)
    ap.add_argument("--fixtures", required=True)
    A = ap.parse_args()
    for t in ("editcap", "mergecap", "tshark"):
        if not shutil.which(t):
            print("%s not installed: skipped" % t)
            return 77
    work = tempfile.mkdtemp(prefix="mbt-interop-")
    try:
        files = sorted(glob.glob(os.path.join(A.captures, "*.pcapng")))
        check(len(files) >= 11, "captures: %d files" % len(files))
        # Files the tool writes: convert of every fixture it reads...
        for fx in ("tap.pcap", "tap.pcapng", "tap-be.pcapng", "legacy1.pcap",
                   "legacy3.pcap", "console.txt", "writer.pcapng"):
            dst = os.path.join(work, "conv-" + fx.replace(".", "-") +
                               ".pcapng")
            run([A.tool, "convert", "-q", os.path.join(A.fixtures, fx), dst])
            files.append(dst)
        # ...and capture (fed from a saved tap).
        dst = os.path.join(work, "capture.pcapng")
        run([A.tool, "capture", "-r", os.path.join(A.fixtures, "tap.pcap"),
             "-w", dst])
        files.append(dst)
        # An old file (metadata before the IDB) is refused by editcap;
        # convert rewrites it, losslessly, into the placement they keep.
        old = os.path.join(A.fixtures, "writer.pcapng")  # the old layout
        if check(os.path.exists(old), "fixture writer.pcapng missing"):
            check(run(["editcap", old, os.path.join(work, "x.pcapng")],
                      ok=False).returncode != 0,
                  "editcap took a file with the metadata before the IDB")
            new = os.path.join(work, "old-converted.pcapng")
            run([A.tool, "convert", "-q", old, new])
            check(show(old) == show(new), "convert of an old file changed "
                  "what show prints")
            files.append(new)
        for i, f in enumerate(files):
            one(f, files[(i + 1) % len(files)], work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if FAILS:
        print("%d failures" % len(FAILS))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
