#!/usr/bin/env python3
"""Bytes per traced packet in the real captures, before and after.

For each capture in captures/ (the work tree) and the same file at git
revision --before (default 869d5ec: the captures before the kernel put the
packet into each frame), prints the traced packets (EPBs carrying an
mbuftrace record), the mean EPB size per traced packet, and of that the
mean record and packet-bytes sizes, then the after/before ratio.  The
issue's target: an unrewritten ping (01-ping-two-vnets) within 2x.

usage: bench/captures/bytes_per_packet.py [--before REV] [NAME ...]
"""
import argparse
import glob
import os
import struct
import subprocess
import sys

TOP = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                    "..", ".."))
PEN = 32473               # MBT_PEN (kernel/sys/sys/mbuf_trace_wire.h)
CUSTOM = (2989, 19373)    # MBT_PCAPNG_OPT_CUSTOM_BIN(_NOCOPY)


def epbs(data):
    """(total block length, record bytes, packet bytes) of each traced EPB."""
    if len(data) < 12 or data[:4] != b"\x0a\x0d\x0d\x0a":
        raise ValueError("not a pcapng file")
    bo = "<" if data[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
    off = 0
    while off + 12 <= len(data):
        btype, blen = struct.unpack_from(bo + "II", data, off)
        if blen < 12 or off + blen > len(data):
            raise ValueError("block at offset %d: bad length %d" % (off, blen))
        if btype == 6:
            caplen = struct.unpack_from(bo + "I", data, off + 20)[0]
            o = off + 28 + ((caplen + 3) & ~3)
            end = off + blen - 4
            rec = 0
            while o + 4 <= end:
                code, olen = struct.unpack_from(bo + "HH", data, o)
                if code == 0:
                    break
                # A trace record (kind 1 at header offset 6), not the
                # capture's metadata record.
                if code in CUSTOM and olen >= 11 and \
                        struct.unpack_from(bo + "I", data, o + 4)[0] == PEN \
                        and data[o + 8 + 6] == 1:
                    rec += olen - 4
                o += 4 + ((olen + 3) & ~3)
            if rec:
                yield blen, rec, caplen
        off += blen


def measure(data):
    rows = list(epbs(data))
    n = len(rows)
    if n == 0:
        return None
    return (n, sum(r[0] for r in rows) / n, sum(r[1] for r in rows) / n,
            sum(r[2] for r in rows) / n)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--before", default="869d5ec")
    ap.add_argument("names", nargs="*")
    a = ap.parse_args()
    names = a.names or sorted(os.path.basename(p)[:-len(".pcapng")] for p in
                              glob.glob(os.path.join(TOP, "captures",
                                                     "*.pcapng")))
    print("%-24s %7s %9s %9s %9s | %9s %6s" % (
        "capture", "traced", "EPB B/pkt", "record", "packet", "before", "ratio"))
    for name in names:
        with open(os.path.join(TOP, "captures", name + ".pcapng"), "rb") as f:
            now = measure(f.read())
        p = subprocess.run(["git", "-C", TOP, "show",
                            "%s:captures/%s.pcapng" % (a.before, name)],
                           capture_output=True)
        old = measure(p.stdout) if p.returncode == 0 else None
        if now is None:
            print("%-24s no traced packets" % name)
            continue
        print("%-24s %7d %9.0f %9.0f %9.0f | %9s %6s" % (
            name, now[0], now[1], now[2], now[3],
            "%.0f" % old[1] if old else "-",
            "%.2fx" % (now[1] / old[1]) if old else "-"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
