#!/usr/bin/env python3
"""mbuftrace plugin benchmark: ratios measured side by side in one run.

1. Dissector cost on a legacy part-3 capture (trace strings only):
   (Lua prototype dissector - no trace dissector) vs (plugin - no trace
   dissector).  Target: the plugin is >= 10x cheaper, with tshark -T fields.
2. v1 pcapng: tshark with the plugin vs with --disable-protocol mbuftrace.
   Target: <= 1.3x, with plain tshark.
Both are printed for four ways of running tshark, beside "the floor": a
compiled dissector (floor.cpp) building the Lua's own tree, one item per
trace string.  Where tshark builds and walks every tree item (-T fields),
the floor shows what any compiled dissector pays for the Lua's tree; the
plugin's tree has more items per hop (file, line, function, location,
link), and the item counts are printed too.

tshark runs as uid 65534 when started as root (personal plugins and Lua
scripts are ignored for root).  Each configuration runs --reps times,
interleaved; the minimum wall time counts.

With --instructions K, each legacy and v1 configuration also runs under
valgrind's callgrind over 1 and K+1 frames: the difference over K is its
instructions per frame, a count that does not depend on what else the
machine is doing (times on a shared VM vary by 2x between runs).

usage: bench_plugin.py --plugin mbuftrace.so --gen bench-plugin-captures
                       --floor mbtfloor.so [--frames 200000] [--reps 3]
                       [--instructions 2000] [--smoke]
"""
import argparse
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "lib"))
from tshark_sandbox import TsharkSandbox  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--plugin", required=True)
    ap.add_argument("--gen", required=True)
    ap.add_argument("--floor", required=True,
                    help="mbtfloor.so, the reference dissector")
    ap.add_argument("--tshark", default="tshark")
    ap.add_argument("--frames", type=int, default=200000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--instructions", type=int, default=0, metavar="K",
                    help="also count instructions per frame with callgrind "
                         "over K frames")
    ap.add_argument("--smoke", action="store_true",
                    help="tiny run: check it works, do not judge targets")
    a = ap.parse_args()

    # Three HOMEs: no plugin, the plugin, the floor.
    home_plain = TsharkSandbox(None, a.tshark, "mbt-plugin-bench-")
    home_plugin = TsharkSandbox(a.plugin, a.tshark, "mbt-plugin-bench-")
    home_floor = TsharkSandbox(a.floor, a.tshark, "mbt-plugin-bench-")
    try:
        caps = os.path.join(home_plain.files, "caps")
        subprocess.run([a.gen, caps, str(a.frames)], check=True)
        lua = home_plain.add(os.path.join(HERE, "proto_part3.lua"))
        home_plain._open_up()

        def run(sb, argv):
            cmd, env = sb.command(*argv)
            t0 = time.perf_counter()
            p = subprocess.run(cmd, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=env, cwd=sb.tmp)
            dt = time.perf_counter() - t0
            if p.returncode != 0:
                sys.exit("tshark failed: %s\n%s" % (" ".join(cmd),
                                                    p.stderr.decode()[:2000]))
            return dt, p.stdout

        leg = os.path.join(caps, "legacy3.pcapng")
        v1 = os.path.join(caps, "v1.pcapng")
        lua_x = ["-X", "lua_script:" + lua]
        # Ways tshark is used: plain summary (no tree), a display filter on
        # a trace field (tree with only the referenced fields), -T fields
        # (tshark builds the full, visible tree for it) printing only
        # frame.number ("tree": the dissector's work alone), and -T fields
        # also printing a trace field ("fields": adds tshark's output cost
        # of ~20 strings per frame, which the baseline does not pay).
        modes = {
            "tree": lambda f: ["-T", "fields", "-e", "frame.number"],
            "summary": lambda f: [],
            "filter": lambda f: ["-Y", '%s == "x"' % f] if f else
                                ["-Y", "frame.number == 0"],
            "fields": lambda f: ["-T", "fields", "-e", "frame.number"] +
                                (["-e", f] if f else []),
        }
        configs = {}
        for mode, extra in modes.items():
            configs[(mode, "legacy none")] = (
                home_plain, ["-r", leg] + extra(None))
            configs[(mode, "legacy Lua")] = (
                home_plain, lua_x + ["-r", leg] + extra("mbuf_trace.data"))
            configs[(mode, "legacy floor")] = (
                home_floor, ["-r", leg] + extra("mbtfloor.data"))
            configs[(mode, "legacy plugin")] = (
                home_plugin, ["-r", leg] + extra("mbuftrace.hop.text"))
            configs[(mode, "v1 disabled")] = (
                home_plugin, ["--disable-protocol", "mbuftrace", "-r", v1] +
                extra("mbuftrace.hop.func"))
            configs[(mode, "v1 plugin")] = (
                home_plugin, ["-r", v1] + extra("mbuftrace.hop.func"))
        best = {k: float("inf") for k in configs}
        outs = {}
        for _ in range(a.reps):
            for k, (home, argv) in configs.items():
                dt, out = run(home, argv)
                best[k] = min(best[k], dt)
                outs[k] = out

        # The runs must have done the work being timed.
        def lines(k):
            return outs[k].decode().splitlines()
        n = a.frames
        assert len(lines(("fields", "legacy plugin"))) == n
        assert all(l.count("\t") == 1 and l.count(",") == 19
                   for l in lines(("fields", "legacy plugin")))
        assert all(l.count(",") == 19
                   for l in lines(("fields", "legacy Lua")))
        v1l = lines(("fields", "v1 plugin"))
        assert len(v1l) == n + 1 and v1l[1].count(",") == 19
        assert lines(("fields", "v1 disabled"))[1].split("\t")[1] == ""

        assert all(l.count(",") == 19
                   for l in lines(("fields", "legacy floor")))

        # Tree items of the trace dissector per frame (PDML fields under
        # its name, hidden ones too), and of the packet itself on v1.
        def items(home, argv, prefix, k=50):
            _, out = run(home, argv + ["-c", str(k + 1), "-T", "pdml",
                                       "-Y", "frame.number > 1"])
            pat = (rb'<(?:field|proto) name="%s[."]' % prefix.encode()
                   if prefix else rb'<(?:field|proto) ')
            return len(re.findall(pat, out)) / k
        it = {
            "legacy Lua": items(home_plain, lua_x + ["-r", leg], "mbuf_trace"),
            "legacy floor": items(home_floor, ["-r", leg], "mbtfloor"),
            "legacy plugin": items(home_plugin, ["-r", leg], "mbuftrace"),
            "v1 plugin": items(home_plugin, ["-r", v1], "mbuftrace"),
            "v1 packet": items(home_plugin, ["--disable-protocol",
                                             "mbuftrace", "-r", v1], ""),
        }

        print("frames per capture: %d (best of %d runs each)" % (n, a.reps))
        print("tree items per frame: legacy Lua %.0f, floor %.0f, plugin "
              "%.0f; v1 plugin %.0f, the packet's own %.0f"
              % tuple(it[k] for k in ("legacy Lua", "legacy floor",
                                      "legacy plugin", "v1 plugin",
                                      "v1 packet")))
        r1 = {}
        r2 = {}
        for mode in modes:
            t = {c: best[(mode, c)] for (m, c) in configs if m == mode}
            lua_cost = t["legacy Lua"] - t["legacy none"]
            floor_cost = t["legacy floor"] - t["legacy none"]
            plug_cost = t["legacy plugin"] - t["legacy none"]
            r1[mode] = lua_cost / max(plug_cost, 1e-3)
            r2[mode] = t["v1 plugin"] / t["v1 disabled"]
            print("[%s] " % mode + ", ".join("%s %.2f s" % (c, t[c])
                                               for c in t))
            print("  1. legacy part-3: Lua cost %.2f us/frame, plugin %.2f "
                  "us/frame -> plugin %.1fx cheaper (target >= 10x); the "
                  "floor %.2f us/frame, %.1fx"
                  % (lua_cost / n * 1e6, plug_cost / n * 1e6, r1[mode],
                     floor_cost / n * 1e6,
                     lua_cost / max(floor_cost, 1e-3)))
            print("  2. v1 pcapng: plugin / disabled = %.3fx (target <= 1.3x)"
                  % r2[mode])
        if a.instructions:
            count_instructions(a.instructions, configs)
        if a.smoke:
            return 0
        ok1 = r1["tree"] >= 10
        ok2 = r2["summary"] <= 1.3
        print("target 1 (-T fields, the 'tree' line): %s; target 2 (plain "
              "tshark, the 'summary' line): %s"
              % ("met" if ok1 else "NOT met", "met" if ok2 else "NOT met"))
        return 0 if ok1 and ok2 else 1
    finally:
        for sb in (home_plain, home_plugin, home_floor):
            sb.cleanup()


def count_instructions(k, configs):
    """Instructions per frame of each configuration: callgrind over k+1
    frames minus over 1 frame (start-up and the first frame), over k."""
    def collected(sb, argv):
        cmd, env = sb.command(*argv)
        i = cmd.index(sb.tshark)
        cmd = (cmd[:i] + ["valgrind", "--tool=callgrind",
                          "--callgrind-out-file=/dev/null"] + cmd[i:])
        p = subprocess.run(cmd, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, env=env, cwd=sb.tmp)
        m = re.search(rb"Collected : ([\d,]+)", p.stderr)
        if p.returncode != 0 or not m:
            sys.exit("callgrind failed: %s\n%s" % (" ".join(cmd),
                                                   p.stderr.decode()[-2000:]))
        return int(m.group(1).replace(b",", b""))

    print("instructions per frame (callgrind, %d frames):" % k)
    for mode in ("tree", "summary", "filter"):
        ipf = {}
        for (m, c), (home, argv) in configs.items():
            if m != mode:
                continue
            one = collected(home, argv + ["-c", "1"])
            many = collected(home, argv + ["-c", str(k + 1)])
            ipf[c] = (many - one) / k
        base = ipf["legacy none"]
        lua = ipf["legacy Lua"] - base
        plug = ipf["legacy plugin"] - base
        floor = ipf["legacy floor"] - base
        print("[%s] " % mode + ", ".join("%s %.0f" % (c, v)
                                           for c, v in ipf.items()))
        print("  1. legacy part-3: Lua cost %.0f, plugin %.0f -> %.1fx; "
              "the floor %.0f, %.1fx"
              % (lua, plug, lua / max(plug, 1), floor, lua / max(floor, 1)))
        print("  2. v1 pcapng: plugin / disabled = %.3fx"
              % (ipf["v1 plugin"] / ipf["v1 disabled"]))


if __name__ == "__main__":
    sys.exit(main())
