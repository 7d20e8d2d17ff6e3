#!/usr/bin/env python3
"""The real captures in captures/, decoded by the plugin and by the tool.

For every captures/NAME.pcapng, `mbuftrace show` and tshark -T fields (with
the plugin, unprivileged) must print exactly captures/expected/NAME.show.txt
and NAME.fields.txt; both must agree hop by hop; the set of captures must
cover at least 12 subsystems and 2 VNETs; the reverted dup-to capture must
raise routed-twice in both and the fixed one must not.  --update rewrites
the expected files (after new captures; review the diff).
"""
import argparse
import difflib
import glob
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from tshark_sandbox import TsharkSandbox  # noqa: E402

FIELDS = ["frame.number", "mbuftrace.trace_id", "mbuftrace.parent_id",
          "mbuftrace.hops", "mbuftrace.path", "mbuftrace.hop.subsys",
          "mbuftrace.hop.vnet", "mbuftrace.hop.ifname", "mbuftrace.hop.rule",
          "mbuftrace.hop.action", "mbuftrace.hop.node", "mbuftrace.hop.hook",
          "mbuftrace.hop.drop"]
MIN_SUBSYS = 12
# Written by `mbuftrace capture` on the VM, not converted.
LIVE = {"10-mbuftrace-capture"}
# Recorded before the kernel snapshotted the packet at a trace's start
# point: their frames carry the record only.  Every other capture's traced
# frames carry the packet (issue "show the packet").
NO_BYTES = {"10-mbuftrace-capture"}
failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL: " + msg)
    return cond


def compare(path, got, update):
    if update:
        with open(path, "w") as f:
            f.write(got)
        print("wrote " + path)
        return
    if not check(os.path.exists(path), "%s missing (run with --update)" % path):
        return
    with open(path) as f:
        want = f.read()
    if want != got:
        diff = difflib.unified_diff(want.splitlines(), got.splitlines(),
                                    path, "now", lineterm="")
        check(False, "%s differs:\n%s" % (path, "\n".join(list(diff)[:40])))


def tool(a, *argv):
    p = subprocess.run([a.tool] + list(argv), capture_output=True, text=True)
    check(p.returncode == 0, "mbuftrace %s: exit %d: %s" %
          (" ".join(argv), p.returncode, p.stderr.strip()[:300]))
    return p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True)
    ap.add_argument("--plugin", required=True)
    ap.add_argument("--captures", required=True)
    ap.add_argument("--update", action="store_true")
    a = ap.parse_args()

    caps = sorted(glob.glob(os.path.join(a.captures, "*.pcapng")))
    check(len(caps) >= 7, "only %d captures in %s" % (len(caps), a.captures))
    exp = os.path.join(a.captures, "expected")
    os.makedirs(exp, exist_ok=True)
    with open(os.path.join(a.captures, "README.md")) as f:
        readme = f.read()
    ts = TsharkSandbox(a.plugin, prefix="mbt-captures-")
    subsys, vnets = set(), set()
    try:
        for cap in caps:
            name = os.path.basename(cap)[:-len(".pcapng")]
            print("== " + name)
            check(name in readme, "%s is not described in captures/README.md"
                  % name)
            scen = name.replace("-reverted", "")
            check(os.path.exists(os.path.join(a.captures, "scenarios",
                                              scen + ".sh")),
                  "%s: no scenarios/%s.sh" % (name, scen))

            show = tool(a, "show", "--color=never", cap)
            compare(os.path.join(exp, name + ".show.txt"), show, a.update)
            packets = [json.loads(line) for line in
                       tool(a, "show", "--json", cap).splitlines() if line]
            check(any(o["hops"] for o in packets), "%s: no hops" % name)

            mine = ts.add(cap)
            argv = ["-r", mine, "-T", "fields", "-E", "separator=|",
                    "-E", "occurrence=a"]
            for fl in FIELDS:
                argv += ["-e", fl]
            p = ts.run(*argv)
            check(p.returncode == 0 and "Dissector bug" not in p.stdout,
                  "tshark %s: %s" % (name, p.stderr.strip()[:300]))
            compare(os.path.join(exp, name + ".fields.txt"), p.stdout,
                    a.update)

            # Plugin and tool agree on every traced packet's subsystems
            # and VNETs, in order.
            rows = {}
            for line in p.stdout.splitlines():
                c = line.split("|")
                if c[5]:
                    rows[int(c[0])] = (c[5].split(","),
                                       [int(x) for x in c[6].split(",")])
            want = {o["packet"]: ([h["subsys"] for h in o["hops"]],
                                  [h["vnet"] for h in o["hops"]])
                    for o in packets if o["hops"]}
            check(rows == want, "%s: tshark and show disagree: %r vs %r" %
                  (name, sorted(rows.items())[:2], sorted(want.items())[:2]))
            for o in packets:
                for h in o["hops"]:
                    subsys.add(h["subsys"])
                    vnets.add(h["vnet"])

            # The metadata block names the kernel (and its revision, given
            # to convert; `mbuftrace capture` reads kern.version, which
            # has none for a kernel built outside a git checkout).
            p = ts.run("-r", mine, "-T", "fields",
                       "-e", "mbuftrace.meta.kernel_ident",
                       "-e", "mbuftrace.meta.revision")
            check("MBT_TRACE" in p.stdout or "MBT_REPRO" in p.stdout,
                  "%s: no kernel ident in the metadata: %r" %
                  (name, p.stdout[:200]))
            if name not in LIVE:
                check("307fbceb2" in p.stdout, "%s: no revision in the "
                      "metadata: %r" % (name, p.stdout[:200]))

            # Good captures raise no malformed-record expert info (frames
            # without packet bytes are not empty tap records).
            p = ts.run("-r", mine, "-Y", "mbuftrace.expert.malformed",
                       "-T", "fields", "-e", "frame.number")
            check(p.returncode == 0 and not p.stdout.split(),
                  "%s: malformed on frames %r" % (name, p.stdout.split()))

            # The frames carry the packet: every traced frame has bytes,
            # and the addresses in them are the ones the scenario set up.
            if name not in NO_BYTES:
                p = ts.run("-r", mine, "-T", "fields", "-E", "separator=|",
                           "-e", "frame.number", "-e", "frame.len",
                           "-e", "mbuftrace.trace_id", "-e", "ip.src",
                           "-e", "ip.dst", "-e", "ipv6.src", "-e", "ipv6.dst")
                with open(os.path.join(a.captures, "scenarios",
                                       scen + ".sh")) as f:
                    script = f.read()
                traced = 0
                for line in p.stdout.splitlines():
                    c = line.split("|")
                    if not c[2]:
                        continue  # the metadata frame
                    traced += 1
                    check(int(c[1]) > 0, "%s: frame %s (trace %s) has no "
                          "packet bytes" % (name, c[0], c[2]))
                    for addr in ",".join(c[3:]).split(","):
                        if not addr or addr.startswith(("fe80:", "ff02:")) \
                                or addr in ("::", "0.0.0.0"):
                            continue
                        check(addr in script, "%s: frame %s: address %s is "
                              "not one scenarios/%s.sh set up" %
                              (name, c[0], addr, scen))
                check(traced > 0, "%s: no traced frame" % name)

            # Jail names: what the scenario's kern.mbuf_trace.vnets said is
            # in the metadata, and the plugin names each hop's vnet.
            names = re.findall(r"  vnet (\d+)=(\S+)", show.split("\n", 1)[0])
            if name not in NO_BYTES and name != "10-mbuftrace-capture":
                check(names or "vnet" not in script.replace("vnet_id", ""),
                      "%s: no jail names in the metadata" % name)
            if names:
                p = ts.run("-r", mine, "-V")
                for vid, vname in names:
                    if ("-- vnet %s (%s)" % (vid, vname)) in show or \
                            ("-> %s (%s)" % (vid, vname)) in show:
                        check("VNET: %s (%s)" % (vid, vname) in p.stdout,
                              "%s: the plugin does not name vnet %s (%s)" %
                              (name, vid, vname))

            # routed-twice: the reverted dup-to capture and nothing else.
            p = ts.run("-r", mine, "-Y", "mbuftrace.expert.routed_twice",
                       "-T", "fields", "-e", "frame.number")
            flagged = [int(x) for x in p.stdout.split()]
            shown = [o["packet"] for o in packets
                     if any(f["kind"] == "routed_twice"
                            for f in o["findings"])]
            check(flagged == shown, "%s: routed-twice: tshark %r, show %r" %
                  (name, flagged, shown))
            if name == "02-pf-dup-to-reverted":
                check(len(flagged) >= 1, "%s: routed-twice not raised" % name)
                # The dup-to copy passes pf's default rule (nr -1): named
                # so, not 4294967295, in the tree as in show.
                p = ts.run("-r", mine, "-V", "-Y", "frame.number == 5")
                check("Packet Path: 16 hops, VNET 1 \u2192 2, pf default "
                      "rule pass" in p.stdout and "rule 4294967295" not in
                      p.stdout and "Rule: 4294967295 (pf default rule)" in
                      p.stdout and "  default rule dup-to" in p.stdout,
                      "%s: pf's default rule in the tree: %r" %
                      (name, [l for l in p.stdout.splitlines()
                              if "ule" in l][:6]))
            else:
                check(not flagged, "%s: routed-twice raised on %r" %
                      (name, flagged))
    finally:
        ts.cleanup()

    print("subsystems (%d): %s" % (len(subsys), " ".join(sorted(subsys))))
    print("vnets: %s" % sorted(vnets))
    check(len(subsys) >= MIN_SUBSYS, "captures cover %d subsystems, want %d"
          % (len(subsys), MIN_SUBSYS))
    check(len(vnets) >= 2, "captures cover vnets %r" % sorted(vnets))
    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
