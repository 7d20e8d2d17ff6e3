#!/usr/bin/env python3
"""Mutated captures through tshark with the plugin and through the tool.

Mutations: editcap -E (packet bytes) and record-level ones (bytes of the
mbuftrace records flipped, record lengths changed, records cut, a second
record added, the SHB metadata damaged).  Every mutant goes through
`mbuftrace show`, `show --json`, `stats` and `convert`, and, in batches
(mergecap -a), through tshark -V and tshark -T fields with the plugin.
Asserted: no crash (signal, sanitizer report, "Dissector bug"), no hang
(timeout), every tool error one line naming the file and an offset, exit
status 0, 1 or 3.

The CTest run is bounded (--count, a few hundred mutants, seconds).  The
long run of tests/interop/README.md uses thousands and an ASan+UBSan plugin:
  --count 5000 --plugin build-asan-plugin/plugin/mbuftrace.so \
  --preload "$(gcc -print-file-name=libasan.so)"
"""
import argparse
import glob
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from tshark_sandbox import TsharkSandbox  # noqa: E402

A = None
FAILS = []
BAD_TEXT = (b"AddressSanitizer", b"runtime error:", b"LeakSanitizer",
            b"Dissector bug", b"Segmentation fault")
PEN = b"\xd9\x7e\x00\x00"  # 32473, little-endian (files written here are LE)


def check(cond, msg):
    if not cond:
        FAILS.append(msg)
        print("FAIL: " + msg)
    return cond


def blocks(b):
    out, i = [], 0
    while i + 12 <= len(b):
        t, n = struct.unpack_from("<II", b, i)
        if n < 12 or i + n > len(b):
            break
        out.append([t, bytearray(b[i + 8:i + n - 4])])
        i += n
    return out


def pack(bl):
    o = bytearray()
    for t, body in bl:
        body = bytes(body) + b"\0" * (-len(body) % 4)
        o += struct.pack("<II", t, len(body) + 12) + body + \
            struct.pack("<I", len(body) + 12)
    return bytes(o)


def options(body, start):
    """(code, value) list of the options from body[start:]."""
    out, i = [], start
    while i + 4 <= len(body):
        c, n = struct.unpack_from("<HH", body, i)
        if c == 0:
            break
        out.append([c, bytearray(body[i + 4:i + 4 + n])])
        i += 4 + n + (-n % 4)
    return out


def with_options(body, start, opts):
    o = bytearray(body[:start])
    for c, v in opts:
        o += struct.pack("<HH", c, len(v)) + v + b"\0" * (-len(v) % 4)
    if opts:
        o += b"\0\0\0\0"
    return o


def mutate_records(data, rnd):
    """One record-level mutation of a little-endian mbuftrace pcapng."""
    bl = blocks(data)
    sites = []  # (block index, options start)
    for k, (t, body) in enumerate(bl):
        if t == 6:
            caplen = struct.unpack_from("<I", body, 12)[0]
            sites.append((k, 20 + caplen + (-caplen % 4)))
        elif t == 0x0A0D0D0A:
            sites.append((k, 16))
    rnd.shuffle(sites)
    for k, start in sites:
        body = bl[k][1]
        opts = options(body, start)
        recs = [o for o in opts if o[0] in (2989, 19373) and
                o[1][:4] == PEN and len(o[1]) > 8]
        if not recs:
            continue
        o = rnd.choice(recs)
        v = o[1]
        how = rnd.randrange(6)
        if how == 0:  # flip bytes anywhere in the record
            for _ in range(rnd.randint(1, 6)):
                v[rnd.randrange(4, len(v))] = rnd.randrange(256)
        elif how == 1 and len(v) >= 20:  # the record's length field
            v[16:20] = struct.pack(">I", rnd.choice(
                [0, 15, 16, len(v) - 5, len(v) - 3, 1 << 24, rnd.randrange(1 << 32)]))
        elif how == 2:  # cut the record
            del v[rnd.randrange(4, len(v)):]
        elif how == 3:  # a second (or tenth) record in the same packet
            for _ in range(rnd.choice([1, 1, 9])):
                opts.append([2989, bytearray(v)])
        elif how == 4 and len(v) > 24:  # a TLV length or type byte
            i = rnd.randrange(20, len(v))
            v[i] = rnd.choice([0, 0x7f, 0x80, 0xff])
        else:  # the version / kind bytes
            i = rnd.choice([8, 9, 10, 11])
            if i < len(v):
                v[i] = rnd.randrange(256)
        bl[k][1] = with_options(body, start, opts)
        return pack(bl)
    return None


def tool_checks(path):
    for cmd in (["show", path], ["show", "--json", path], ["stats", path],
                ["convert", "-q", path, path + ".out.pcapng"]):
        try:
            r = subprocess.run([A.tool] + cmd, capture_output=True,
                               timeout=20)
        except subprocess.TimeoutExpired:
            check(False, "hang: mbuftrace %s" % " ".join(cmd))
            continue
        err = r.stderr
        label = "mbuftrace %s" % " ".join(cmd)
        check(r.returncode in (0, 1, 3), "%s: exit %d %r" %
              (label, r.returncode, err[-300:]))
        check(not any(t in err for t in BAD_TEXT), "%s: %r" %
              (label, err[-500:]))
        lines = err.decode("utf-8", "replace").splitlines()
        check(all(l.startswith("mbuftrace: ") for l in lines),
              "%s: a message without the prefix: %r" % (label, lines[:5]))
        if r.returncode == 1:
            check(len(lines) == 1 and path in lines[0] and
                  "offset" in lines[0],
                  "%s: the error is not one line with file and offset: %r" %
                  (label, lines))
        out = path + ".out.pcapng"
        if cmd[0] == "convert" and r.returncode in (0, 3):
            # convert never drops a packet (issue 15).
            n_in = sum(1 for t, _ in blocks(open(path, "rb").read()) if t == 6)
            n_out = sum(1 for t, _ in blocks(open(out, "rb").read()) if t == 6)
            check(n_out >= n_in, "convert of %s: %d EPBs in, %d out" %
                  (os.path.basename(path), n_in, n_out))
        if os.path.exists(out):
            os.remove(out)


def tshark_checks(sb, files, work, batch):
    for i in range(0, len(files), batch):
        group = files[i:i + batch]
        merged = os.path.join(work, "merged.pcapng")
        m = subprocess.run(["mergecap", "-a", "-F", "pcapng", "-w", merged] +
                           group, capture_output=True)
        todo = [merged] if m.returncode == 0 else group
        for f in todo:
            c = sb.add(f)
            for argv in (["-V"], ["-T", "fields", "-e", "mbuftrace.path",
                                  "-e", "mbuftrace.hop.url",
                                  "-e", "_ws.expert.message"]):
                cmd, env = sb.command("-r", c, *argv)
                if A.preload:
                    # The sanitizer runtime first, in tshark only (setpriv
                    # and env run before it, through env's arguments).
                    i_env = cmd.index("env") + 1 if "env" in cmd else 0
                    extra = ["LD_PRELOAD=" + A.preload,
                             "ASAN_OPTIONS=detect_leaks=0"]
                    if i_env:
                        cmd[i_env:i_env] = extra
                    else:
                        cmd = ["env"] + extra + cmd
                try:
                    r = subprocess.run(cmd, capture_output=True, env=env,
                                       cwd=sb.tmp, timeout=120)
                except subprocess.TimeoutExpired:
                    check(False, "hang: tshark %s on %s" % (argv[0], f))
                    continue
                bad = [t for t in BAD_TEXT if t in r.stderr or t in r.stdout]
                if argv[0] == "-V" and b"Packet Path" not in r.stdout:
                    bad.append(b"the plugin did not load")
                check(r.returncode == 0 and not bad,
                      "tshark %s on %s (%s): exit %d %r %r" %
                      (argv[0], os.path.basename(f),
                       ", ".join(os.path.basename(g) for g in group[:3]),
                       r.returncode, bad, r.stderr[-400:]))
            os.remove(c)


def main():
    global A
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True)
    ap.add_argument("--plugin", required=True)
    ap.add_argument("--captures", required=True)
    ap.add_argument("--count", type=int,
                    default=int(os.environ.get("MBT_MUTATIONS", "240")))
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--preload", default=os.environ.get("MBT_PRELOAD", ""))
    ap.add_argument("--batch", type=int, default=40)
    ap.add_argument("--keep", help="copy failing mutants here")
    A = ap.parse_args()
    if not shutil.which("editcap") or not shutil.which("mergecap"):
        print("editcap/mergecap not installed: skipped")
        return 77
    rnd = random.Random(A.seed)
    work = tempfile.mkdtemp(prefix="mbt-mutation-")
    os.chmod(work, 0o755)
    sb = TsharkSandbox(A.plugin, prefix="mbt-mutation-ts-")
    try:
        srcs = sorted(glob.glob(os.path.join(A.captures, "*.pcapng")))
        datas = {s: open(s, "rb").read() for s in srcs}
        files = []
        for n in range(A.count):
            src = srcs[n % len(srcs)]
            out = os.path.join(work, "m%05d.pcapng" % n)
            if n % 2 == 0:
                p = "%.2f" % rnd.choice([0.01, 0.05, 0.2, 0.5])
                r = subprocess.run(["editcap", "-E", p, "--seed",
                                    str(rnd.randrange(1 << 30)), src, out],
                                   capture_output=True)
                if not check(r.returncode == 0, "editcap -E on %s: %r" %
                             (src, r.stderr[-200:])):
                    continue
                # ... and a record mutation on top, half the time.
                if rnd.random() < 0.5:
                    m = mutate_records(open(out, "rb").read(), rnd)
                    if m:
                        open(out, "wb").write(m)
            else:
                m = mutate_records(datas[src], rnd)
                if m is None:
                    continue
                open(out, "wb").write(m)
            files.append(out)
        for f in files:
            before = len(FAILS)
            tool_checks(f)
            if A.keep and len(FAILS) > before:
                shutil.copy(f, A.keep)
        tshark_checks(sb, files, work, A.batch)
        print("%d mutants through the tool (4 commands each) and tshark "
              "(-V and -T fields, in batches of %d)" % (len(files), A.batch))
    finally:
        sb.cleanup()
        shutil.rmtree(work, ignore_errors=True)
    if FAILS:
        print("%d failures" % len(FAILS))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
