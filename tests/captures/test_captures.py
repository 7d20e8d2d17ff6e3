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
# point: their frames would carry the record only.  None left: every
# capture's traced frames carry the packet (issue "show the packet").
NO_BYTES = set()
# Captures whose pf translates: the action and the inside address the
# issue's query selects on (ip.src == X && mbuftrace.hop.action == "nat").
XLATE = {"06-pf-nat": ("nat", "10.0.0.1"),
         "16-pf-rdr": ("rdr", "10.0.0.1"),
         "17-pf-nat-tcp": ("nat", "10.0.0.1")}
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
    stock = TsharkSandbox(None, prefix="mbt-captures-stock-")
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
            check(re.search(r"MBT_(TRACE|DEBUG|REPRO)", p.stdout),
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
                                or addr == "::":
                            continue
                        check(addr in script, "%s: frame %s: address %s is "
                              "not one scenarios/%s.sh set up" %
                              (name, c[0], addr, scen))
                check(traced > 0, "%s: no traced frame" % name)

            # Jail names: what the scenario's kern.mbuf_trace.vnets said is
            # in the metadata, and the plugin names each hop's vnet.
            names = re.findall(r"  vnet (\d+)=(\S+)", show.split("\n", 1)[0])
            if name not in NO_BYTES:
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
            # The packet list says it: the Info column of each flagged
            # frame carries the mark, after the packet's own Info.
            summary = {int(l.split()[0]): l for l in
                       ts.run("-r", mine).stdout.splitlines()}
            for n in flagged:
                check("\u2014 [routed twice] " in summary.get(n, ""),
                      "%s: frame %d's Info lacks [routed twice]: %r" %
                      (name, n, summary.get(n)))
            for o in packets:
                for f in o["findings"]:
                    if f["kind"] == "dropped":
                        check("\u2014 [dropped " in summary.get(o["packet"], ""),
                              "%s: frame %d's Info lacks the drop: %r" %
                              (name, o["packet"], summary.get(o["packet"])))
            if name == "03-ipfw-deny":
                check(any("[dropped at ipfw rule 100] vnet 0\u21921" in l
                          for l in summary.values()),
                      "%s: no [dropped at ipfw rule 100] in %r" %
                      (name, list(summary.values())))

            # The packet list is the packet's: with the plugin, each
            # frame's Info is stock Wireshark's Info of its packet, then the
            # verdict, in the packet list (plain) and with a tree (-T
            # fields).  The hop snapshots are copies of the packet, shown
            # as a packet quoted in an ICMP error is: they must not rewrite
            # the columns nor feed TCP's analysis (a NAT'd connection's
            # snapshots once made every segment a "retransmission").
            plain = stock.add(cap)
            base = {}
            for line in stock.run("-r", plain, "-T", "fields", "-E",
                                  "separator=|", "-e", "frame.number",
                                  "-e", "_ws.col.Info",
                                  "-e", "tcp.analysis.flags").stdout.splitlines():
                c = line.split("|")
                if c[1]:
                    base[int(c[0])] = (c[1], c[2])
            check(base, "%s: stock tshark shows no packet" % name)
            tree = {}
            for line in ts.run("-r", mine, "-T", "fields", "-E", "separator=|",
                               "-e", "frame.number", "-e", "_ws.col.Info",
                               "-e", "tcp.analysis.flags").stdout.splitlines():
                c = line.split("|")
                tree[int(c[0])] = (c[1], c[2])
            for n, (info, flags) in sorted(base.items()):
                check(tree.get(n, ("", ""))[0].startswith(info) and
                      tree[n][1] == flags,
                      "%s: frame %d with a tree: %r, stock tshark: %r" %
                      (name, n, tree.get(n), (info, flags)))
                check(info in summary.get(n, ""),
                      "%s: frame %d in the packet list: %r, stock: %r" %
                      (name, n, summary.get(n), info))

            # Encapsulation: each hop that adds an 802.1Q header carries
            # the tagged frame (Wireshark dissects its vlan.id), and the
            # frame dropped for vlan 20, which is down in the jail, is the
            # one whose snapshots carry tag 20.
            if name == "18-vlan":
                def frames(*argv):
                    out = ts.run("-r", mine, *argv, "-T", "fields", "-e",
                                 "frame.number").stdout
                    return [int(x) for x in out.split()]
                added = frames("-Y", 'mbuftrace.hop.msg == '
                               '"802.1Q header added"')
                tagged = frames("-Y", "vlan")
                check(added and tagged == added,
                      "%s: frames with an 802.1Q header in a snapshot %r, "
                      "frames whose path adds one %r" % (name, tagged, added))
                dropped = [o["packet"] for o in packets
                           if any(f["kind"] == "dropped"
                                  for f in o["findings"])]
                check(dropped and frames("-Y", "vlan.id == 20") == dropped
                      and frames("-Y", 'mbuftrace.hop.drop == '
                                 '"no vlan up for this tag"') == dropped,
                      "%s: vlan 20's frames %r, dropped %r" %
                      (name, frames("-Y", "vlan.id == 20"), dropped))
                hw = frames("-Y", 'mbuftrace.hop.msg contains '
                            '"hardware tagging"')
                check(hw and not set(hw) & set(tagged),
                      "%s: hardware-tagged frames %r, tagged snapshots %r" %
                      (name, hw, tagged))

            # pf forwarding (route-to): the snapshot as pf_route() sends
            # the packet has the TTL one less than the frame (the packet
            # where its trace started).
            if name == "11-pf-route-to":
                out = ts.run("-r", mine, "-Y", 'mbuftrace.hop.msg == '
                             '"forwarded by pf: TTL decremented"', "-T",
                             "fields", "-e", "ip.ttl").stdout.split()
                ttls = [[int(t) for t in l.split(",")] for l in out]
                check(ttls and all(len(t) >= 2 and t[-1] == t[0] - 1
                                   for t in ttls),
                      "%s: TTLs (frame ... forwarded snapshot) %r" %
                      (name, ttls))

            # Time counts from the first packet: the metadata frame (if
            # any) does not move it.
            p = ts.run("-r", mine, "-T", "fields", "-e", "frame.number",
                       "-e", "frame.time_relative", "-e", "frame.len",
                       "-e", "mbuftrace.trace_id")
            first = [l.split("\t") for l in p.stdout.splitlines()
                     if l.split("\t")[3]][:1]
            check(first and float(first[0][1]) == 0.0,
                  "%s: the first traced frame's time_relative: %r" %
                  (name, first))

            # -z mbuftrace,paths: the distinct paths, their counts and
            # first frames, as expected/NAME.paths.txt.
            p = ts.run("-r", mine, "-q", "-z", "mbuftrace,paths")
            compare(os.path.join(exp, name + ".paths.txt"), p.stdout,
                    a.update)
            # -z flow,mbuftrace,standard: arrows between (vnet, subsystem)
            # columns; the dup-to capture's as expected text.
            p = ts.run("-r", mine, "-q", "-z", "flow,mbuftrace,standard")
            check(p.returncode == 0 and "CRITICAL" not in p.stderr and
                  "vnet " in p.stdout,
                  "%s: -z flow,mbuftrace,standard: %s" %
                  (name, p.stderr.strip()[:300]))
            if name == "02-pf-dup-to-reverted":
                compare(os.path.join(exp, name + ".flow.txt"), p.stdout,
                        a.update)
                check("m_dup \u2192 [routed_twic" in p.stdout,
                      "%s: the flow graph does not mark routed-twice" % name)
            if name == "02-pf-dup-to-reverted":
                # -z mbuftrace,tree: hits per rule and action, anomalies.
                p = ts.run("-r", mine, "-q", "-z", "mbuftrace,tree")
                for row in (r"Traced packets\s+5\b",
                            r"^ ipfw rule 65535 pass\s+7\b",
                            r"^ pf default rule dup-to\s+1\b",
                            r"^ routed_twice\s+1\b", r"^ vnet 2\s+15\b",
                            r"^ m_dup\(\) sys/kern/uipc_mbuf\.c:788\s+6\b"):
                    check(re.search(row, p.stdout, re.M),
                          "%s: -z mbuftrace,tree lacks %r: %s" %
                          (name, row, p.stdout[:1500]))
            if name == "03-ipfw-deny":
                p = ts.run("-r", mine, "-q", "-z", "mbuftrace,tree")
                check(re.search(r"^ ipfw rule 100\s+1\b", p.stdout, re.M),
                      "%s: drop place not counted: %s" % (name, p.stdout))

            # A flat loop over the hops in -T json (with
            # --no-duplicate-keys, as the plugin README says) sees every
            # hop, also those inside enter/leave scopes.
            p = ts.run("-r", mine, "-T", "json", "--no-duplicate-keys",
                       "-J", "mbuftrace")
            hops_json = {}
            for num, pkt in enumerate(json.loads(p.stdout or "[]"), 1):
                m = pkt["_source"]["layers"].get("mbuftrace", {})
                if "mbuftrace.hop_tree" not in m:
                    continue
                ht = m["mbuftrace.hop_tree"]
                ht = ht if isinstance(ht, list) else [ht]
                hops_json[num] = [h.get("mbuftrace.hop.func") for h in ht]
            want_funcs = {o["packet"]: [h["func"] for h in o["hops"]]
                          for o in packets if o["hops"]}
            check(hops_json == want_funcs,
                  "%s: a flat JSON hop loop: %r, show: %r" %
                  (name, sorted(hops_json.items())[:1],
                   sorted(want_funcs.items())[:1]))

            if name == "02-pf-dup-to-reverted":
                check(len(flagged) >= 1, "%s: routed-twice not raised" % name)
                # Related frames, two-pass: each copy links to the frame
                # whose record made it, each parent to its copies, and the
                # two segments of trace 1 to each other.
                p = ts.run("-2", "-r", mine, "-T", "fields", "-E",
                           "separator=|", "-e", "frame.number",
                           "-e", "mbuftrace.trace_id",
                           "-e", "mbuftrace.parent_frame",
                           "-e", "mbuftrace.copy_frame",
                           "-e", "mbuftrace.prev_segment",
                           "-e", "mbuftrace.next_segment")
                links = {int(c[0]): c[1:] for c in
                         (l.split("|") for l in p.stdout.splitlines())}
                want_links = {}
                made = {}  # copy trace -> packet whose record made it
                first = {}  # trace -> its first packet
                segs = {}
                for o in packets:
                    if not o["hops"]:
                        continue
                    first.setdefault(o["trace_id"], o["packet"])
                    segs.setdefault(o["trace_id"], []).append(o["packet"])
                    for h in o["hops"]:
                        if h.get("copy"):
                            made[h["copy"]] = o["packet"]
                for o in packets:
                    if not o["hops"]:
                        continue
                    sg = segs[o["trace_id"]]
                    i = sg.index(o["packet"])
                    want_links[o["packet"]] = [
                        str(o["trace_id"]),
                        str(made.get(o["trace_id"], "")) if o.get("parent_id")
                        else "",
                        ",".join(str(first[h["copy"]]) for h in o["hops"]
                                 if h.get("copy") and h["copy"] in first),
                        str(sg[i - 1]) if i > 0 else "",
                        str(sg[i + 1]) if i + 1 < len(sg) else ""]
                got_links = {k: v for k, v in links.items() if v[0]}
                check(got_links == want_links,
                      "%s: frame links %r, want %r" %
                      (name, got_links, want_links))
                check(got_links.get(5, [""] * 5)[1:3] == ["2", "4"],
                      "%s: frame 5 (trace 2) links: %r" %
                      (name, got_links.get(5)))
                # Expert info without a filter lists it (-z expert).
                p = ts.run("-r", mine, "-q", "-z", "expert")
                check(re.search(r"Warns \(\d+\)[\s\S]*mbuftrace\s+routing "
                                r"step dup-to at #5 pf_route\(\)", p.stdout),
                      "%s: -z expert lacks routed-twice: %r" %
                      (name, p.stdout[:800]))
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
                # The query: the echo request routed twice.
                p = ts.run("-r", mine, "-Y", "icmp.type == 8 && "
                           "mbuftrace.expert.routed_twice",
                           "-T", "fields", "-e", "frame.number")
                check([int(x) for x in p.stdout.split()] == shown,
                      "%s: icmp.type == 8 && routed_twice: %r, want %r" %
                      (name, p.stdout.split(), shown))
            else:
                check(not flagged, "%s: routed-twice raised on %r" %
                      (name, flagged))

            # Every traced packet's addresses beside its path.
            p = ts.run("-r", mine, "-T", "fields", "-E", "separator=|",
                       "-e", "mbuftrace.trace_id", "-e", "ip.src",
                       "-e", "ip.dst", "-e", "ipv6.src", "-e", "ipv6.dst",
                       "-e", "arp.src.proto_ipv4", "-e", "mbuftrace.path")
            if name not in NO_BYTES:
                for line in p.stdout.splitlines():
                    c = line.split("|")
                    if c[0]:
                        check(any(c[1:6]) and c[6], "%s: trace %s: no "
                              "address or no path beside it: %r" %
                              (name, c[0], line))

            # pf says what it did: translations with the addresses before
            # and after, and state ids, which the tool and tshark agree on.
            xl = {o["packet"]: [h["xlate"] for h in o["hops"] if "xlate" in h]
                  for o in packets}
            xl = {k: v for k, v in xl.items() if v}
            states = [(o["packet"], h["state"]) for o in packets
                      for h in o["hops"] if "state" in h]
            for fno, xs in xl.items():
                p = ts.run("-r", mine, "-V", "-Y", "frame.number == %d" % fno)
                for x in xs:
                    check("Translation: " + x["text"] in p.stdout,
                          "%s: frame %d: the tree lacks 'Translation: %s'" %
                          (name, fno, x["text"]))
            if name in XLATE:
                act, inside = XLATE[name]
                p = ts.run("-r", mine, "-Y", "ip.src == %s && "
                           "mbuftrace.hop.action == \"%s\"" % (inside, act),
                           "-T", "fields", "-e", "frame.number")
                got = [int(x) for x in p.stdout.split()]
                want = sorted(k for k, v in xl.items() if any(
                    x["before"]["src"] == inside for x in v))
                check(got and got == want, "%s: ip.src == %s && action %s: "
                      "%r, want %r" % (name, inside, act, got, want))
                # A state a packet matched was created by an earlier one.
                created = {}
                for fno, st in states:
                    if st["how"] == "created":
                        created.setdefault(st["id"], fno)
                matched = [(f, st["id"]) for f, st in states
                           if st["how"] == "matched"]
                check(matched, "%s: no packet matched a state" % name)
                for fno, sid in matched:
                    check(sid in created and created[sid] <= fno,
                          "%s: frame %d matched state %x that no earlier "
                          "packet created" % (name, fno, sid))
    finally:
        ts.cleanup()
        stock.cleanup()

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
