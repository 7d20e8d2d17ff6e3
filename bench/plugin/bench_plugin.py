#!/usr/bin/env python3
"""mbuftrace plugin benchmark: ratios measured side by side in one run.

1. Dissector cost on a legacy part-3 capture (trace strings only):
   (Lua prototype dissector - no trace dissector) vs (plugin - no trace
   dissector).  Target: the plugin is >= 10x cheaper, with tshark -T fields.
2. v1 pcapng: tshark with the plugin vs with --disable-protocol mbuftrace.
   Target: <= 1.3x, with plain tshark.
3. Beside them, "the floor": a compiled dissector (floor.cpp) building the
   Lua's own tree, one item per trace string.  Target, from Wireshark 4.4
   on: with -T fields -e <one field> the plugin costs at most 2x the floor.
Each is printed for six ways of running tshark (MODES below).  Where
tshark builds and walks every tree item (-V; -T fields before 4.4), the
floor shows what any compiled dissector pays for the Lua's tree; the
plugin's tree has more items per hop (file, line, function, location,
link), and the item counts are printed too.

Instructions per frame are counted by default: each configuration runs
under valgrind's callgrind over 1 and K+1 frames, and the difference over
K is its instructions per frame, a count that does not depend on what else
the machine is doing (times on a shared VM vary by 2x between runs).  The
targets are judged on these counts; --instructions 0 judges on times.
Wireshark seeds its hash maps at random (wmem_init_hashing()), which moved
a count by a few thousand instructions per frame from run to run; the
callgrind runs preload --fixed-seed (mbtfixedseed.so, fixed_seed.c: GLib's
g_random_int() from a fixed seed), and then repeat to a few instructions.

tshark runs as uid 65534 when started as root (personal plugins and Lua
scripts are ignored for root).  Each configuration runs --reps times,
interleaved; the minimum wall time counts.

usage: bench_plugin.py --plugin mbuftrace.so --gen bench-plugin-captures
                       --floor mbtfloor.so [--frames 200000] [--reps 3]
                       [--instructions 1000] [--smoke]
"""
import argparse
import concurrent.futures
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "lib"))
from tshark_sandbox import TsharkSandbox  # noqa: E402


# Ways tshark is used.  Each takes the trace field(s) of a configuration
# (None: the capture has no trace dissector) and gives tshark's options.
#   plain   the packet list: no tree
#   -V      the packet details: the full, visible tree, printed
#   -e 1    -T fields -e frame.number: the dissector's own work (4.0 builds
#           the full, visible tree for -T fields; 4.4+ primes the field
#           named and builds no visible tree)
#   -e +1   -T fields also printing one trace field (~20 strings a frame,
#           an output cost the baseline does not pay)
#   -e +3   -T fields also printing three trace fields (the Lua and the
#           floor have one field: they print it)
#   -Y      a display filter on a trace field: only it is created
MODES = {
    "plain": lambda f: [],
    "-V": lambda f: ["-V"],
    "-e 1": lambda f: ["-T", "fields", "-e", "frame.number"],
    "-e +1": lambda f: ["-T", "fields", "-e", "frame.number"] +
                       (["-e", f[0]] if f else []),
    "-e +3": lambda f: ["-T", "fields", "-e", "frame.number"] +
                       sum((["-e", x] for x in (f or [])), []),
    "-Y": lambda f: ["-Y", '%s == "x"' % f[0]] if f else
                    ["-Y", "frame.number == 0"],
}
# Whose output is read back to check the runs did the work (the others
# go to /dev/null: -V on 200k frames would be gigabytes).
CHECKED = "-e +1"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--plugin", required=True)
    ap.add_argument("--gen", required=True)
    ap.add_argument("--floor", required=True,
                    help="mbtfloor.so, the reference dissector")
    ap.add_argument("--tshark", default="tshark")
    ap.add_argument("--frames", type=int, default=200000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--instructions", type=int, default=1000, metavar="K",
                    help="count instructions per frame with callgrind over "
                         "K frames (default 1000; 0: times only)")
    ap.add_argument("--jobs", type=int, default=1,
                    help="callgrind runs at a time (counts do not change)")
    ap.add_argument("--modes", default=",".join(MODES),
                    help="comma-separated subset of: " + ", ".join(MODES))
    ap.add_argument("--before", metavar="PLUGIN",
                    help="another build of mbuftrace.so (e.g. main's), run "
                         "beside --plugin as 'legacy before' and 'v1 before'")
    ap.add_argument("--fixed-seed", metavar="SO",
                    help="preloaded into the callgrind runs (default: "
                         "mbtfixedseed.so beside --floor)")
    ap.add_argument("--smoke", action="store_true",
                    help="tiny run: check it works, do not judge targets")
    a = ap.parse_args()
    modes = [m.strip() for m in a.modes.split(",")]
    for m in modes:
        if m not in MODES:
            ap.error("unknown mode %r (known: %s)" % (m, ", ".join(MODES)))
    if a.fixed_seed is None:
        a.fixed_seed = os.path.join(os.path.dirname(os.path.abspath(a.floor)),
                                    "mbtfixedseed.so")
    if a.instructions and not os.path.isfile(a.fixed_seed):
        ap.error("no %s: build the mbtfixedseed target, or give "
                 "--fixed-seed" % a.fixed_seed)
    if a.instructions and a.frames < a.instructions + 1:
        ap.error("--instructions %d needs --frames >= %d"
                 % (a.instructions, a.instructions + 1))

    # Three HOMEs: no plugin, the plugin, the floor.
    home_plain = TsharkSandbox(None, a.tshark, "mbt-plugin-bench-")
    home_plugin = TsharkSandbox(a.plugin, a.tshark, "mbt-plugin-bench-")
    home_floor = TsharkSandbox(a.floor, a.tshark, "mbt-plugin-bench-")
    homes = [home_plain, home_plugin, home_floor]
    plugins = [("plugin", home_plugin)]
    if a.before:
        homes.append(TsharkSandbox(a.before, a.tshark, "mbt-plugin-bench-"))
        plugins.append(("before", homes[-1]))
    try:
        caps = os.path.join(home_plain.files, "caps")
        subprocess.run([a.gen, caps, str(a.frames)], check=True)
        lua = home_plain.add(os.path.join(HERE, "proto_part3.lua"))
        # tshark's uid reads it here (the build tree may be closed to it).
        seed = home_plain.add(a.fixed_seed) if a.instructions else None
        home_plain._open_up()

        def run(sb, argv, keep=True):
            cmd, env = sb.command(*argv)
            t0 = time.perf_counter()
            p = subprocess.run(cmd, stdout=subprocess.PIPE if keep else
                               subprocess.DEVNULL,
                               stderr=subprocess.PIPE, env=env, cwd=sb.tmp)
            dt = time.perf_counter() - t0
            if p.returncode != 0:
                sys.exit("tshark failed: %s\n%s" % (" ".join(cmd),
                                                    p.stderr.decode()[:2000]))
            return dt, p.stdout

        leg = os.path.join(caps, "legacy3.pcapng")
        v1 = os.path.join(caps, "v1.pcapng")
        lua_x = ["-X", "lua_script:" + lua]
        configs = {}
        for mode in modes:
            extra = MODES[mode]
            configs[(mode, "legacy none")] = (
                home_plain, ["-r", leg] + extra(None))
            configs[(mode, "legacy Lua")] = (
                home_plain, lua_x + ["-r", leg] + extra(["mbuf_trace.data"]))
            configs[(mode, "legacy floor")] = (
                home_floor, ["-r", leg] + extra(["mbtfloor.data"]))
            v1_fields = ["mbuftrace.hop.func", "mbuftrace.hop.subsys",
                         "mbuftrace.hop.vnet"]
            for name, home in plugins:
                configs[(mode, "legacy " + name)] = (
                    home, ["-r", leg] + extra(
                        ["mbuftrace.hop.text", "mbuftrace.hop.func",
                         "mbuftrace.hop.line"]))
            configs[(mode, "v1 disabled")] = (
                home_plugin, ["--disable-protocol", "mbuftrace", "-r", v1] +
                extra(v1_fields))
            for name, home in plugins:
                configs[(mode, "v1 " + name)] = (
                    home, ["-r", v1] + extra(v1_fields))
        best = {k: float("inf") for k in configs}
        outs = {}
        for _ in range(a.reps):
            for k, (home, argv) in configs.items():
                dt, out = run(home, argv, keep=k[0] == CHECKED)
                best[k] = min(best[k], dt)
                outs[k] = out

        # The runs must have done the work being timed.
        n = a.frames
        if CHECKED in modes:
            def lines(k):
                return outs[(CHECKED, k)].decode().splitlines()
            assert len(lines("legacy plugin")) == n
            assert all(l.count("\t") == 1 and l.count(",") == 19
                       for l in lines("legacy plugin"))
            assert all(l.count(",") == 19 for l in lines("legacy Lua"))
            assert all(l.count(",") == 19 for l in lines("legacy floor"))
            v1l = lines("v1 plugin")
            assert len(v1l) == n + 1 and v1l[1].count(",") == 19
            assert lines("v1 disabled")[1].split("\t")[1] == ""

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
        ipf = count_instructions(a.instructions, configs, a.jobs, seed) \
            if a.instructions else {}

        print("tshark %s; frames per capture: %d (best of %d runs each)%s"
              % (home_plain.ver, n, a.reps,
                 "; instructions per frame: callgrind over %d frames, "
                 "hash seeds fixed" % a.instructions if ipf else ""))
        print("tree items per frame: legacy Lua %.0f, floor %.0f, plugin "
              "%.0f; v1 plugin %.0f, the packet's own %.0f"
              % tuple(it[k] for k in ("legacy Lua", "legacy floor",
                                      "legacy plugin", "v1 plugin",
                                      "v1 packet")))
        ver = tuple(int(x) for x in home_plain.ver.split("."))
        judged = {}
        for mode in modes:
            t = {c: best[(m, c)] for (m, c) in configs if m == mode}
            print("[%s] %s" % (mode, " ".join(MODES[mode](["<field>"]))
                                 or "(no options)"))
            print("  times (us/frame):    " +
                  ", ".join("%s %.2f" % (c, t[c] / n * 1e6) for c in t))
            for name, _ in plugins:
                r = ratios({c: v / n * 1e6 for c, v in t.items()}, name)
                show_ratios(r, "us", name)
            if ipf:
                i = {c: ipf[(m, c)] for (m, c) in configs if m == mode}
                print("  instructions/frame:  " +
                      ", ".join("%s %.0f" % (c, i[c]) for c in i))
                for name, _ in reversed(plugins):
                    r = ratios(i, name)
                    show_ratios(r, "instr", name)
            judged[mode] = ratios(i if ipf else t)
        if a.smoke:
            return 0
        # Judged on instructions when counted, else on times.
        what = "instructions" if ipf else "times"
        verdicts = []
        if "-e 1" in judged:
            verdicts.append(("1. -e 1: plugin >= 10x cheaper than the Lua",
                             judged["-e 1"]["lua/plugin"] >= 10))
        if "plain" in judged:
            verdicts.append(("2. plain: v1 plugin/disabled <= 1.3x",
                             judged["plain"]["v1"] <= 1.3))
        if "-e 1" in judged and ver >= (4, 4):
            verdicts.append(("3. -e 1: plugin <= 2x the floor",
                             judged["-e 1"]["plugin/floor"] <= 2))
        for v, ok in verdicts:
            print("target %s (%s): %s" % (v, what, "met" if ok else "NOT met"))
        return 0 if all(ok for _, ok in verdicts) else 1
    finally:
        for sb in homes:
            sb.cleanup()


def ratios(v, plugin="plugin"):
    """The benchmark's ratios from one mode's per-frame costs v: each
    dissector's cost is its run minus the run without a trace dissector."""
    base = v["legacy none"]
    lua = v["legacy Lua"] - base
    plug = v["legacy " + plugin] - base
    floor = v["legacy floor"] - base
    eps = 1e-9
    return {"lua": lua, "plugin": plug, "floor": floor,
            "lua/plugin": lua / max(plug, eps),
            "lua/floor": lua / max(floor, eps),
            "plugin/floor": plug / max(floor, eps),
            "v1": v["v1 " + plugin] / v["v1 disabled"]}


def show_ratios(r, unit, name="plugin"):
    fmt = "%.2f" if unit == "us" else "%.0f"
    print(("    %s: legacy part-3: Lua cost %s, %s %s -> %.1fx cheaper; the "
           "floor %s (Lua %.1fx); %s/floor %.2fx; v1 %s/disabled %.3fx")
          % (unit, fmt % r["lua"], name, fmt % r["plugin"], r["lua/plugin"],
             fmt % r["floor"], r["lua/floor"], name, r["plugin/floor"],
             name, r["v1"]))


def count_instructions(k, configs, jobs, preload):
    """Instructions per frame of each configuration: callgrind over k+1
    frames minus over 1 frame (start-up and the first frame), over k,
    with preload (Wireshark's hash seeds fixed) preloaded."""
    def collected(sb, argv):
        cmd, env = sb.command(*argv)
        env = dict(env, LD_PRELOAD=preload)
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

    runs = [(key, c) for key in configs for c in (1, k + 1)]
    with concurrent.futures.ThreadPoolExecutor(max(jobs, 1)) as ex:
        got = ex.map(lambda r: collected(configs[r[0]][0], configs[r[0]][1] +
                                         ["-c", str(r[1])]), runs)
        total = dict(zip(runs, got))
    return {key: (total[(key, k + 1)] - total[(key, 1)]) / k
            for key in configs}


if __name__ == "__main__":
    sys.exit(main())
