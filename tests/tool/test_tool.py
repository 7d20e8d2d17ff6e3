#!/usr/bin/env python3
"""Runs mbuftrace(8) subcommands on real files and checks what users see.

Usage: test_tool.py GROUP --tool T --fixtures DIR --vectors DIR --work DIR
                   [--plugin mbuftrace.so]
GROUP: convert show stats graph errors capture captures tshark vocabulary
       comments kill outputs
"""
import argparse
import glob
import json
import os
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from tshark_sandbox import TsharkSandbox  # noqa: E402

A = None
FAILS = []

INPUTS = ["tap.pcap", "tap.pcapng", "tap-be.pcapng", "legacy1.pcap",
          "legacy3.pcap", "console.txt", "writer.pcapng"]


def run(*args, ok=True, env=None):
    p = subprocess.run([A.tool] + list(args), capture_output=True, env=env)
    out = p.stdout.decode("utf-8", "replace")
    err = p.stderr.decode("utf-8", "replace")
    if ok and p.returncode != 0:
        fail("%s exited %d: %s" % (" ".join(args), p.returncode, err))
    return p.returncode, out, err


def fail(msg):
    FAILS.append(msg)
    print("FAIL:", msg)


def check(cond, msg):
    if not cond:
        fail(msg)
    return cond


def fx(name):
    return os.path.join(A.fixtures, name)


def wk(name):
    return os.path.join(A.work, name)


def show_json(path, *extra):
    _, out, _ = run("show", "--json", path, *extra)
    objs = []
    for i, line in enumerate(out.splitlines()):
        try:
            objs.append(json.loads(line))
        except ValueError as e:
            fail("%s: JSON line %d does not parse: %s" % (path, i + 1, e))
    return objs


def hops_of(obj, legacy_as_v1=False):
    """What must survive a conversion, per hop."""
    res = []
    for h in obj["hops"]:
        d = {k: h.get(k) for k in ("file", "line", "func", "subsys", "kind",
                                   "depth", "ts", "vnet", "cpu", "ifname",
                                   "dir", "ifindex", "ruleset", "rule",
                                   "action", "drop", "node", "hook", "copy",
                                   "snapshot")}
        # Legacy "func(arg)" or an unparsed string travels as the message.
        d["msg"] = h.get("msg")
        if legacy_as_v1:
            d["msg"] = h.get("arg") or (h.get("text") if not h.get("line")
                                        else None) or h.get("msg")
        res.append(d)
    return res


def converted(name):
    out = wk(name + ".pcapng")
    if not os.path.exists(out):
        run("convert", fx(name), out)
    return out


# ---------------------------------------------------------------- convert
def g_convert():
    for name in INPUTS:
        one = converted(name)
        two = wk(name + ".2.pcapng")
        run("convert", one, two)
        check(open(one, "rb").read() == open(two, "rb").read(),
              "%s: converting the converted file changed it" % name)
        # convert -> show -> convert: what show prints is the same too
        check(show_json(one) == show_json(two),
              "%s: show differs after a second conversion" % name)
        src = show_json(fx(name))
        dst = show_json(one)
        check(len(src) == len(dst) and len(src) > 0,
              "%s: %d records in, %d out" % (name, len(src), len(dst)))
        legacy = name.startswith("legacy")
        for s, d in zip(src, dst):
            check(hops_of(s, legacy) == hops_of(d),
                  "%s packet %d: hops differ after conversion:\n%s\n%s" %
                  (name, s["packet"], hops_of(s, legacy), hops_of(d)))
            check(s["ts"] == d["ts"], "%s: timestamp changed" % name)
            check(s["packet_len"] == d["packet_len"],
                  "%s packet %d: packet bytes lost" % (name, s["packet"]))
            if not legacy:
                for k in ("trace_id", "parent_id", "packet_id", "flags",
                          "hops_lost", "alloc_fail", "path"):
                    check(s.get(k) == d.get(k),
                          "%s: %s changed in conversion" % (name, k))
        # Every output packet has an epb_packetid.
        check(all("epb_packet_id" in d for d in dst),
              "%s: an EPB lacks epb_packetid" % name)
    # The three tap carriers give the same v1 file content.
    a = show_json(converted("tap.pcap"))
    for other in ("tap.pcapng", "tap-be.pcapng", "console.txt"):
        b = show_json(converted(other))
        strip = lambda l: [dict(o, ts=0) for o in l]
        check(strip(a) == strip(b),
              "%s and tap.pcap convert to different records" % other)
    # The spec vector with an unknown non-critical TLV keeps it byte for byte.
    vec = open(os.path.join(A.vectors, "09-unknown-noncritical.bin"), "rb").read()
    check(vec in open(converted("tap.pcap"), "rb").read(),
          "09-unknown-noncritical: record bytes not copied verbatim")
    # Legacy snapshots survive as SNAPSHOT attributes, part-1 Ethernet as
    # packet bytes.
    l3 = show_json(converted("legacy3.pcap"))
    snaps = [h["snapshot"] for o in l3 for h in o["hops"] if "snapshot" in h]
    check(len(snaps) == 1 and snaps[0]["len"] == 42,
          "legacy part-3 snapshot lost: %r" % snaps)
    l1 = show_json(converted("legacy1.pcap"))
    check(l1[0]["packet_len"] == 42 and l1[0]["linktype"] == 1,
          "legacy part-1 Ethernet bytes not carried as packet data")
    # A snaplen cuts the packet bytes: the original length survives.
    rec = open(os.path.join(A.vectors, "02-ping-two-vnets.bin"), "rb").read()
    p = wk("snap.pcap")
    with open(p, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 147))
        f.write(struct.pack("<IIII", 5, 0, len(rec) + 10, len(rec) + 42))
        f.write(rec + bytes(10))
    run("convert", p, wk("snap.pcapng"))
    o = show_json(wk("snap.pcapng"))
    check(o and o[0]["packet_len"] == 10 and o[0]["orig_len"] == 42,
          "snaplen: %r" % [(x["packet_len"], x["orig_len"]) for x in o])
    # A long run on a terminal shows a progress bar on stderr.
    big = wk("big.pcapng")
    data = open(converted("writer.pcapng"), "rb").read()
    blocks, off = [], 0
    while off < len(data):
        n = struct.unpack("<I", data[off + 4:off + 8])[0]
        blocks.append(data[off:off + n])
        off += n
    epbs = [b for b in blocks if struct.unpack("<I", b[:4])[0] == 6]
    head = [b for b in blocks if struct.unpack("<I", b[:4])[0] in
            (0x0A0D0D0A, 1, 0xBAD)]
    with open(big, "wb") as f:
        f.write(b"".join(head) + b"".join(epbs) * 200)
    import pty
    master, slave = pty.openpty()
    p = subprocess.Popen([A.tool, "convert", big, wk("big-out.pcapng")],
                         stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    tty = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        tty += chunk
    p.wait()
    os.close(master)
    check(p.returncode == 0 and b"reading " in tty and b"%\r" in tty
          and b"[####" in tty, "no progress bar on a terminal: %r" % tty[-200:])
    check(len(show_json(wk("big-out.pcapng"))) == 8000, "big convert")
    # Progress/status lines never go to stdout.
    rc, out, _ = run("convert", fx("tap.pcap"), wk("quiet.pcapng"))
    check(out == "", "convert printed on stdout: %r" % out)

    # Jail names (kern.mbuf_trace.vnets on the traced machine) go into the
    # metadata and show says which jail a vnet is.
    named = wk("named.pcapng")
    run("convert", "--vnet-name", "1=r", "--vnet-name", "2=m",
        fx("tap.pcap"), named)
    text = run("show", "--color=never", named)[1]
    check("vnet 1=r" in text and "vnet 2=m" in text,
          "convert --vnet-name: not in the metadata line: %r" % text[:300])
    check("-- vnet 0 -> 1 (r) --" in text and "-- vnet 2 (m) --" in text,
          "show does not name the vnets: %r" % text[:600])
    expect_error(["convert", "--vnet-name", "one=r", fx("tap.pcap"),
                  wk("badname.pcapng")], "--vnet-name wants ID=NAME")
    check(not os.path.exists(wk("badname.pcapng")),
          "convert --vnet-name error left an output")


# ------------------------------------------------------------------- show
def g_show():
    g_show_family()
    f = converted("tap.pcap")
    _, out, _ = run("show", f, "--color=never")
    check("\x1b[" not in out, "--color=never printed escape codes")
    check("packet 3  trace 4097  id 1  20 hops" in out,
          "ping header line missing")
    check("-- vnet 0 -> 1 --" in out, "VNET change not marked")
    check("! routed_twice: routing step dup-to at #4 pf_route()" in out,
          "routed_twice not flagged")
    check("DROPPED: ipfw deny" in out, "drop not shown")
    check("! dropped: dropped at #3 ipfw_check_packet()" in out,
          "drop finding missing")
    check("! hops_lost: trace full: 5 hops lost" in out, "hops lost missing")
    # Nesting: pf_test enters, pf_route at depth 1, pf_test again at 2.
    check("> [pf] pf_test" in out and "    > [pf] pf_route" in out and
          "      > [pf] pf_test" in out, "nesting not indented")
    _, col, _ = run("show", f, "--color=always")
    check("\x1b[1;31m" in col and "\x1b[36m[pf]" in col,
          "--color=always has no colours")
    # Piped stdout: auto means no colour.
    _, auto, _ = run("show", f)
    check("\x1b[" not in auto, "colour on a pipe with --color=auto")

    objs = show_json(f)
    by_trace = {o.get("trace_id"): o for o in objs}
    ping = by_trace[4097]
    check(ping["vnets"] == [0, 1], "ping vnets %r" % ping["vnets"])
    check(len(ping["hops"]) == 20 and ping["hops"][1]["func"] == "epair_sintr",
          "ping hops in JSON")
    check(ping["hops"][8]["rule"] == 3 and ping["hops"][8]["action"] == "pass",
          "pf rule in JSON")
    dup = by_trace[8194]
    check([x["kind"] for x in dup["findings"]] == ["routed_twice"],
          "dup-to findings %r" % dup["findings"])
    check(dup["parent_id"] == 8193, "parent id")
    # Strings that need escaping come back intact through JSON.
    w = show_json(fx("writer.pcapng"))
    msgs = [h["msg"] for o in w for h in o["hops"] if "msg" in h]
    check(msgs and msgs[0] == 'quote " backslash \\ tab\t newline\n caf\u00e9',
          "escaped message %r" % msgs[:1])
    _, text, _ = run("show", fx("writer.pcapng"))
    check("tab\\t newline\\n caf" in text and "\t newline" not in text,
          "control characters reach the terminal raw")
    check("-- vnet 0 -> 1 (jail-a) --" in text, "VNET names from metadata")

    def sel(expr, path=f):  # trace ids of the packets shown
        return [o["trace_id"] for o in show_json(path, "-Y", expr)]
    check(sel('hop.subsys == "pf" && hop.vnet == 1') == [4097],
          "pf in vnet 1: %r" % sel('hop.subsys == "pf" && hop.vnet == 1'))
    check(sel("trace_id == 12289") == [12289], "trace_id filter")
    check(sel("hops > 10") == [4097], "hops > 10")
    check(sel('hop.func contains "route"') == [8194], "contains route")
    check(sel('mbuftrace.hop.drop || mbuftrace.flags.hops_lost == 1') ==
          [12289, 20481], "drop || hops lost: %r" %
          sel('mbuftrace.hop.drop || mbuftrace.flags.hops_lost == 1'))
    # truncated means malformed, as in Wireshark: show skips those.
    check(sel('mbuftrace.truncated') == [] and sel('truncated == false') == []
          and sel('!truncated') == sel('hops >= 0'), "truncated: %r" %
          sel('mbuftrace.truncated'))
    check(sel('!(hop.vnet == 0) && hops >= 2') == [12289, 16385, 20481],
          "negation: %r" % sel('!(hop.vnet == 0) && hops >= 2'))
    check(sel('hop.action == "dup-to" && parent_id == 8193') == [8194],
          "action and parent")
    check(sel('hop.node == "bridge0"') == [16385], "netgraph node")
    # Packet numbers are Wireshark's frame numbers: the converted file
    # starts with its metadata Custom Block (frame 1).
    check([o["packet"] for o in show_json(f)][:3] == [2, 3, 4],
          "frame numbers: %r" % [o["packet"] for o in show_json(f)])
    check([o["packet"] for o in show_json(fx("tap.pcap"))][:3] == [1, 2, 3],
          "pcap record numbers")
    rc, _, err = run("show", f, "-Y", "hop.nope == 1", ok=False)
    check(rc != 0 and "unknown field 'hop.nope'" in err, "bad field: " + err)
    # --raw is the codec's canonical text: it matches the spec's .txt.
    _, raw, _ = run("show", "--raw", f)
    want = open(os.path.join(A.vectors, "04-ipfw-deny.txt")).read()
    check(want in raw, "--raw does not match vectors/04-ipfw-deny.txt")
    # -o writes the same through a temporary file.
    run("show", "--json", f, "-o", wk("out.json"))
    check(open(wk("out.json")).read().count("\n") == len(objs), "-o json")
    # Legacy captures read directly.
    lo = show_json(fx("legacy3.pcap"))
    check(lo[0]["format"] == "legacy-part3" and len(lo[0]["hops"]) == 20,
          "legacy part-3 read")
    _, lt, _ = run("show", fx("legacy3.pcap"))
    check("epair_transmit(epair0a)  sys/net/if_epair.c:520" in lt,
          "legacy hop text")
    # Console text read directly.
    co = show_json(fx("console.txt"))
    check(len(co) == 8, "console records: %d" % len(co))


# ------------------------------------------------------------------ stats
def g_show_family():
    """show -p, show --family, and copies indented from their own first
    hop, on the real dup-to capture (traces 1 -> 2 -> 3, 1 -> 4)."""
    cap = os.path.join(A.captures, "02-pf-dup-to-reverted.pcapng")
    if not os.path.exists(cap):
        print("no captures: skipping --family")
        return
    _, out, _ = run("show", "-p", "5", "--color=never", cap)
    heads = [l for l in out.splitlines() if l.startswith("packet ")]
    check(len(heads) == 1 and heads[0].startswith("packet 5  trace 2"),
          "show -p 5: %r" % heads)
    lines = out.splitlines()
    first = [l for l in lines if l.startswith("   #0 ")]
    check(first and "   #0          +0ns  [mbuf] m_dup" in first[0],
          "a copy's first hop is indented at its parent's depth: %r" % first)
    rc, _, err = run("show", "-p", "x", cap, ok=False)
    check(rc == 1 and "-p wants a frame number" in err, "-p x: " + err)
    for t in ("1", "2", "3", "4"):
        _, out, _ = run("show", "--family", t, "--color=never", cap)
        heads = [l for l in out.splitlines() if "packet " in l and
                 " hops " in l]
        got = [(len(l) - len(l.lstrip()), l.split()[1]) for l in heads]
        # Parent first, each generation 4 columns further in; the two
        # segments of trace 1 (frames 2 and 3) at the top.
        check(got == [(0, "2"), (0, "3"), (4, "5"), (8, "4"), (4, "6")],
              "--family %s: %r" % (t, got))
    rc, _, err = run("show", "--family", "99", cap, ok=False)
    check(rc == 1 and "no trace 99" in err, "--family 99: " + err)
    objs = show_json(cap, "--family", "3")
    check([o["trace_id"] for o in objs] == [1, 1, 2, 3, 4],
          "--family --json: %r" % [o["trace_id"] for o in objs])


def g_stats_issue14():
    """stats -Y, stats --json, and findings and drops with their frames."""
    cap = os.path.join(A.captures, "02-pf-dup-to-reverted.pcapng")
    if not os.path.exists(cap):
        return
    _, out, _ = run("stats", "--color=never", cap)
    check("1  routed_twice  (frame 5)" in out,
          "stats does not name the routed_twice frame: " + out[-400:])
    _, out, _ = run("stats", "--color=never", "-Y",
                    "mbuftrace.flags.copy == 1", cap)
    check(out.startswith("packets 3  hops 36 "), "stats -Y: " + out[:80])
    _, out, _ = run("stats", "--json", cap)
    j = json.loads(out)
    check(j["packets"] == 5 and
          {"name": "routed_twice", "count": 1, "frames": [5]} in j["findings"]
          and sum(x["count"] for x in j["paths"]) == 5,
          "stats --json: %r" % j.get("findings"))
    deny = os.path.join(A.captures, "03-ipfw-deny.pcapng")
    j = json.loads(run("stats", "--json", deny)[1])
    check([d["frames"] for d in j["drops"]] == [[2]] and
          j["drops"][0]["name"].startswith("ipfw: denied"),
          "stats --json drops: %r" % j["drops"])


def g_stats():
    g_stats_issue14()
    _, out, _ = run("stats", converted("tap.pcap"), "--color=never")
    lines = out.splitlines()
    check(lines[0].startswith("packets 8  hops 40  corrupt (skipped) 0"),
          "totals: " + lines[0])
    check("         4  sys/netpfil/pf/pf.c:9091 pf_test" in lines,
          "pf_test hits")
    check("        11  pf" in lines, "pf subsystem hits")
    check("         2  pf rule 1 dup-to" in lines, "rule hits")
    check("         1  ipfw rule 100 block" in lines, "ipfw rule")
    i = lines.index("hits per vnet (3)")
    check(lines[i + 1] == "        19  vnet 1", "vnet hits: %r" % lines[i + 1:i + 4])
    # Distinct paths, most common first.
    w = subprocess.run([A.tool, "stats", fx("writer.pcapng")],
                       capture_output=True, text=True).stdout.splitlines()
    j = w.index(next(l for l in w if l.startswith("distinct paths")))
    counts = []
    for l in w[j + 1:]:
        if not l.strip():
            break
        counts.append(int(l.split()[0]))
    check(counts == sorted(counts, reverse=True) and sum(counts) == 40,
          "paths not most common first: %r" % counts)
    _, legs, _ = run("stats", fx("legacy3.pcap"))
    check("packets 2  hops 23" in legs, "legacy stats: " + legs[:60])


# ------------------------------------------------------------------ graph
def svg_titles(path):
    t = ET.parse(path)
    ns = "{http://www.w3.org/2000/svg}"
    return [e.text for e in t.iter(ns + "title")], t


def g_graph():
    f = converted("tap.pcap")
    out = wk("ping.svg")
    run("graph", f, "-p", "3", "-o", out)  # frame 3: the ping
    titles, tree = svg_titles(out)
    for want in ("cluster_vnet0", "cluster_vnet1", "v0_epair", "v1_epair",
                 "v1_pf", "v1_icmp", "v1_ether"):
        check(want in titles, "SVG lacks %s: %r" % (want, titles))
    edges = [t for t in titles if t and "->" in t]
    check(len(edges) == 20, "one edge per hop: %d" % len(edges))
    texts = [e.text for e in tree.iter("{http://www.w3.org/2000/svg}text")]
    check(any(t and t.startswith("vnet 1") for t in texts) and "19" in texts,
          "labels: %r" % texts[:20])
    # The drop gets a node, the default packet is the first one.
    run("graph", f, "-p", "5", "-o", wk("drop.svg"))
    t2, tree2 = svg_titles(wk("drop.svg"))
    check("drop3" in t2 and "cluster_vnet2" in t2, "drop graph: %r" % t2)
    run("graph", fx("writer.pcapng"), "-p", "3", "-o", wk("w.svg"))
    texts = [e.text for e in svg_titles(wk("w.svg"))[1].iter(
        "{http://www.w3.org/2000/svg}text")]
    check("vnet 1 (jail-a)" in texts, "VNET names from metadata: %r" % texts)
    run("graph", f, "-o", wk("first.dot"))
    dot = open(wk("first.dot")).read()
    check(dot.startswith("digraph mbuftrace") and "ether_input_internal" in dot,
          "dot output")
    run("graph", f, "-p", "4", "-o", wk("dup.png"))
    check(open(wk("dup.png"), "rb").read(8) == b"\x89PNG\r\n\x1a\n", "png")
    rc, _, err = run("graph", f, "-p", "99", "-o", wk("none.svg"), ok=False)
    check(rc != 0 and "packet 99" in err and not os.path.exists(wk("none.svg")),
          "missing packet: " + err)
    rc, _, err = run("graph", f, "-o", wk("x.jpg"), ok=False)
    check(rc != 0 and ".svg, .dot or .png" in err, "bad extension: " + err)
    # Legacy input draws too.
    run("graph", fx("legacy3.pcap"), "-o", wk("leg.svg"))
    check("nov_pf" in svg_titles(wk("leg.svg"))[0], "legacy graph")


# ----------------------------------------------------------------- errors
def leftovers(d):
    return [p for p in os.listdir(d) if ".tmp." in p]


def expect_error(args, *needles, out=None):
    rc, _, err = run(*args, ok=False)
    check(rc != 0, "%s: exit code 0" % " ".join(args))
    for n in needles:
        check(n in err, "%s: error lacks %r: %s" % (" ".join(args), n, err))
    if out:
        check(not os.path.exists(out), "%s: partial output %s left" %
              (" ".join(args), out))
    check(not leftovers(A.work), "temporary files left: %r" % leftovers(A.work))
    return err


def eth_pcap(path, n=3):
    """A plain Ethernet capture: what a user may hand the tool by mistake."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i in range(n):
            pkt = b"\xff" * 6 + b"\x02" * 6 + b"\x08\x00" + b"\x45" + \
                bytes(39)
            f.write(struct.pack("<IIII", 1700000000 + i, 0, len(pkt),
                                len(pkt)) + pkt)


def g_errors():
    good = open(converted("tap.pcap"), "rb").read()
    # Issue 14: clear errors for the wrong input.
    eth = wk("eth.pcap")
    eth_pcap(eth)
    ethng = wk("eth.pcapng")
    if shutil.which("editcap"):
        subprocess.run(["editcap", "-F", "pcapng", eth, ethng], check=True)
        for cmd in (["show", ethng], ["stats", ethng],
                    ["convert", ethng, wk("eth-out.pcapng")]):
            rc, out, err = run(*cmd, ok=False)
            check(rc == 1 and "holds no mbuftrace trace records: its 3 "
                  "packets are plain packets (link type 1)" in err and
                  err.count("\n") == 1 and out == "",
                  "%s of a plain Ethernet pcapng: %d %r" % (cmd[0], rc, err))
        check(not os.path.exists(wk("eth-out.pcapng")),
              "convert wrote a file from a plain capture")
    rc, _, err = run("show", eth, ok=False)
    check(rc == 1 and "holds no mbuftrace trace records" in err,
          "show of a plain Ethernet pcap: %d %r" % (rc, err))
    rc, _, err = run("show", A.work, ok=False)
    check(rc == 1 and "is a directory" in err, "show DIR: %d %r" % (rc, err))
    rc, _, err = run("show", "--json", "--raw", converted("tap.pcap"),
                     ok=False)
    check(rc == 1 and "--json and --raw" in err, "--json --raw: %r" % err)
    # "-" is standard input (a file or a pipe) and standard output.
    want = run("show", converted("tap.pcap"))[1]
    with open(converted("tap.pcap"), "rb") as f:
        p = subprocess.run([A.tool, "show", "-"], stdin=f,
                           capture_output=True)
    check(p.returncode == 0 and p.stdout.decode() == want,
          "show - < file: %r" % p.stderr)
    p = subprocess.run("cat '%s' | '%s' show -" % (converted("tap.pcap"),
                                                    A.tool), shell=True,
                       capture_output=True)
    check(p.returncode == 0 and p.stdout.decode() == want,
          "cat file | show -: %r" % p.stderr)
    rc, svg, err = run("graph", converted("tap.pcap"), "-p", "2", "-o", "-")
    check(rc == 0 and svg.startswith("<?xml") and "</svg>" in svg,
          "graph -o -: %r" % err)
    rc, dot, err = run("graph", converted("tap.pcap"), "-o", "-", "-T", "dot")
    check(rc == 0 and dot.startswith("digraph"), "graph -T dot: %r" % err)
    rc, _, err = run("graph", converted("tap.pcap"), "-p", "1", "-o",
                     wk("m.svg"), ok=False)
    check(rc == 1 and "frame 1 is the capture's metadata block, not a "
          "packet; packets are frames 2 to" in err, "graph -p 1: %r" % err)
    # Truncated pcapng (a capture cut short): cut in the middle of the last
    # EPB.  Every packet before the cut is read, and the cut is reported
    # with file, block and offset; convert exits 3 (converted with damage).
    p = wk("trunc.pcapng")
    open(p, "wb").write(good[:len(good) - 30])
    whole = show_json(converted("tap.pcap"))
    rc, out, err = run("convert", p, wk("o1.pcapng"), ok=False)
    check(rc == 3, "convert of a cut file: exit %d %s" % (rc, err))
    for n in ("trunc.pcapng: block ", "at offset",
              "runs past the end of the file", "cut short"):
        check(n in err, "convert of a cut file: error lacks %r: %s" % (n, err))
    check(len(show_json(wk("o1.pcapng"))) == len(whole) - 1,
          "convert of a cut file did not keep the packets before the cut")
    for cmd in (["show", p], ["stats", p]):
        rc, out, err = run(*cmd, ok=False)
        check(rc == 0 and "cut short" in err and "trunc.pcapng: block " in err,
              "%s of a cut file: exit %d %s" % (cmd[0], rc, err))
    check(len(show_json(p)) == len(whole) - 1, "show of a cut file")
    check(not leftovers(A.work), "temporary files left: %r" % leftovers(A.work))
    # Wrong magic.
    p = wk("magic.bin")
    open(p, "wb").write(b"\x00\x01\x02\x03" + good[4:])
    expect_error(["convert", p, wk("o2.pcapng")], "magic.bin: offset 0",
                 "not a pcapng, pcap", out=wk("o2.pcapng"))
    # Garbage block length in the second block (the IDB/CB after the SHB).
    shb_len = struct.unpack("<I", good[4:8])[0]
    bad = bytearray(good)
    bad[shb_len + 4:shb_len + 8] = struct.pack("<I", 0x7ffffff0)
    p = wk("length.pcapng")
    open(p, "wb").write(bad)
    expect_error(["convert", p, wk("o3.pcapng")],
                 "length.pcapng: block 1 at offset %d" % (shb_len + 4),
                 "bad block length", out=wk("o3.pcapng"))
    # A pcap with a garbage record length and a truncated pcap.
    tap = open(fx("tap.pcap"), "rb").read()
    bad = bytearray(tap)
    first = struct.unpack("<I", tap[24 + 8:24 + 12])[0]
    second = 24 + 16 + first
    bad[second + 8:second + 12] = struct.pack("<I", 0x40000000)
    p = wk("caplen.pcap")
    open(p, "wb").write(bad)
    expect_error(["convert", p, wk("o4.pcapng")],
                 "caplen.pcap: record 2 at offset %d" % second,
                 out=wk("o4.pcapng"))
    p = wk("trunc.pcap")
    open(p, "wb").write(tap[:second + 20])
    rc, out, err = run("show", p, ok=False)
    check(rc == 0 and "trunc.pcap: record 2 at offset %d" % second in err and
          "truncated" in err and "cut short" in err and
          out.startswith("packet 1"), "show of a cut pcap: %d %s" % (rc, err))
    # Empty file.
    p = wk("empty.pcapng")
    open(p, "wb").close()
    expect_error(["show", p], "empty.pcapng", "empty file")
    # Unwritable output: a missing directory, and a directory as target.
    expect_error(["convert", fx("tap.pcap"), wk("no/such/dir/x.pcapng")],
                 "no/such/dir/x.pcapng", "cannot create")
    # Output errors name the output and the system error; no input block
    # or offset before them.
    err = expect_error(["convert", fx("tap.pcap"), wk("no/such/dir/x.pcapng")])
    check(err.startswith("mbuftrace: %s: cannot create " %
                         wk("no/such/dir/x.pcapng")) and
          err.strip().endswith("No such file or directory") and
          "block" not in err and len(err.strip().splitlines()) == 1,
          "output error: %r" % err)
    os.makedirs(wk("isdir.pcapng"), exist_ok=True)
    expect_error(["convert", fx("tap.pcap"), wk("isdir.pcapng")],
                 "isdir.pcapng: cannot create", "Is a directory")
    os.makedirs(wk("isdir.svg"), exist_ok=True)
    expect_error(["graph", fx("tap.pcap"), "-o", wk("isdir.svg")],
                 "isdir.svg: cannot create", "Is a directory")
    # A failed conversion leaves no output and keeps an old file intact.
    old = wk("keep.pcapng")
    open(old, "wb").write(b"old")
    expect_error(["convert", wk("length.pcapng"), old], "bad block length")
    check(open(old, "rb").read() == b"old", "failed convert clobbered output")
    # Corrupt records in good files: reported with offset and counted; show
    # skips them, convert keeps the packet, flagged, and exits 3.
    p = wk("c.pcapng")
    rc, _, err = run("convert", fx("corrupt-one.pcap"), p, ok=False)
    check(rc == 3, "corrupt-one: exit %d" % rc)
    # The byte offset is in the file: pcap header, two records, the third
    # record's header, then the offset the spec's .txt gives in the record.
    third = second + 16 + struct.unpack("<I", tap[second + 8:second + 12])[0]
    txt = open(os.path.join(A.vectors, "bad-string-index.txt")).read()
    in_rec = int(txt.split("error: ")[1].split(" at offset ")[1].split(":")[0])
    want = "corrupt-one.pcap: record 3 (packet 3) at offset %d: " \
           "hop[0].func: string index 9 is not in the NAMES table" % (
               third + 16 + in_rec)
    check(want in err, "corrupt record message: %s\nwanted: %s" % (err, want))
    check("1 packet whose record is corrupt kept, flagged" in err,
          "count missing: " + err)
    check(len(show_json(p)) == 7, "corrupt record shown")
    rc, _, err2 = run("show", p)
    check("(packet 4) at offset" in err2 and "string index 9" in err2,
          "the kept corrupt record is not reported again: " + err2)
    sh = subprocess.run([A.tool, "show", "--json", fx("corrupt-one.pcap")],
                        capture_output=True, text=True)
    check(sh.returncode == 0 and want in sh.stderr and
          len(sh.stdout.splitlines()) == 7, "show of a corrupt record")
    expect_error(["convert", "--strict", fx("corrupt-one.pcap"),
                  wk("strict.pcapng")], "record 3 (packet 3)", "--strict",
                 out=wk("strict.pcapng"))
    expect_error(["show", "--strict", fx("corrupt-one.pcap")], "--strict")
    rc, _, err = run("show", fx("console-bad.txt"))
    check("console-bad.txt: line 2 (packet 2) at offset" in err and
          "bad hex digit 'z'" in err and
          "1 packet whose record is corrupt skipped" in err,
          "console error: " + err)
    # Random damage never crashes a reader: a clean error or skipped records.
    import random
    rnd = random.Random(7)
    for src in (converted("tap.pcap"), fx("tap.pcap"), fx("legacy3.pcap"),
                fx("console.txt"), fx("writer.pcapng")):
        data = open(src, "rb").read()
        for i in range(40):
            b = bytearray(data)
            for _ in range(rnd.randint(1, 8)):
                b[rnd.randrange(len(b))] = rnd.randrange(256)
            if rnd.random() < 0.3:
                b = b[:rnd.randrange(1, len(b))]
            p = wk("fuzz.bin")
            open(p, "wb").write(b)
            for cmd in (["show", p], ["show", "--json", p], ["stats", p],
                        ["convert", p, wk("fuzz.pcapng")]):
                r = subprocess.run([A.tool] + cmd, capture_output=True)
                check(r.returncode in (0, 1, 3),
                      "%s on damaged %s: exit %d %s" %
                      (cmd[0], os.path.basename(src), r.returncode,
                       r.stderr[-300:]))
                if r.returncode == 1:
                    check(b"mbuftrace: " in r.stderr and b"offset" in r.stderr,
                          "unclear error: %r" % r.stderr[-300:])
    check(not leftovers(A.work), "temporary files left after damage")
    # Every spec vector of a bad record, as a tap payload: reported with its
    # field and offset (from the .txt), never a crash.
    for b in sorted(glob.glob(os.path.join(A.vectors, "bad-*.bin"))):
        payload = open(b, "rb").read()
        p = wk(os.path.basename(b) + ".pcap")
        with open(p, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 147))
            f.write(struct.pack("<IIII", 1, 0, len(payload), len(payload)))
            f.write(payload)
        rc, _, err = run("convert", p, wk("bad.pcapng"), ok=False)
        want = open(b[:-4] + ".txt").read().split("error: ")[-1].strip()
        field = want.split(" at offset ")[0]
        check(rc == 3 and "record 1 (packet 1) at offset" in err and
              field in err and "1 packet whose record is corrupt kept" in err,
              "%s: %s" % (os.path.basename(b), err))
        check(rc < 128, "%s crashed" % b)


# ---------------------------------------------------------------- capture
def g_capture():
    rc, _, err = run("capture", "-w", wk("live.pcapng"), ok=False)
    if sys.platform.startswith("linux"):
        check(rc != 0 and "FreeBSD kernel" in err and
              "options MBUF_TRACE" in err, "capture on Linux: " + err)
        check(not os.path.exists(wk("live.pcapng")), "capture left a file")
    # The capture loop and writer, fed from a saved tap.
    out = wk("cap.pcapng")
    rc, _, err = run("capture", "-r", fx("tap.pcap"), "-w", out, "-c", "4",
                     "--source-rev", "307fbceb2")
    check("mbuftrace: 4 records written to %s" % out in err, err)
    objs = show_json(out)
    check([o.get("trace_id") for o in objs] == [1, 4097, 8194, 12289],
          "capture -c 4: %r" % [o.get("trace_id") for o in objs])
    check([o["epb_packet_id"] for o in objs] == [1, 1, 7, 12],
          "epb_packetid from PACKET_ID or the counter: %r" %
          [o["epb_packet_id"] for o in objs])
    _, raw, _ = run("show", "--raw", out)
    check('producer="mbuftrace ' in raw and "capture_start=" in raw,
          "capture metadata: " + raw[:300])
    # Replayed from a file: nothing of this host is the traced kernel's.
    check("kernel_version=" not in raw and "hostname=" not in raw and
          "kernel_ident=" not in raw, "capture -r wrote this host's kernel "
          "as the traced one: " + raw[:300])
    check('source_rev="307fbceb2"' in raw, "--source-rev not recorded: " +
          raw[:300])
    data = open(out, "rb").read()
    check(data.find(struct.pack("<I", 0x0BAD)) < data.find(struct.pack("<I", 6)),
          "metadata block not first")
    # An ISB at the end with the received count.
    last_len = struct.unpack("<I", data[-4:])[0]
    check(struct.unpack("<I", data[-last_len:-last_len + 4])[0] == 5,
          "last block is not an ISB")
    # Ethernet packets on an Ethernet interface, record-only on USER0.
    check(data.count(struct.pack("<HHI", 1, 0, 262144)) == 1,
          "one IDB for Ethernet")
    rc, _, err = run("capture", "-r", fx("tap.pcap"), "-w", wk("f.pcapng"),
                     "port", "nosuchport", ok=False)
    check(rc != 0 and "filter 'port nosuchport'" in err, "bad filter: " + err)
    run("capture", "-r", fx("tap.pcap"), "-w", wk("f.pcapng"), "icmp")


# --------------------------------------------------------------- captures
def g_captures():
    """Real captures from the kernel (captures/ in the tree), when present."""
    files = sorted(glob.glob(os.path.join(A.captures, "**", "*.pcap"),
                             recursive=True) +
                   glob.glob(os.path.join(A.captures, "**", "*.pcapng"),
                             recursive=True))
    if not files:
        print("no captures in %s: nothing to do" % A.captures)
        return
    for i, f in enumerate(files):
        one, two = wk("%d.pcapng" % i), wk("%d-2.pcapng" % i)
        run("convert", f, one)
        run("convert", one, two)
        check(open(one, "rb").read() == open(two, "rb").read(),
              "%s: second conversion changed the file" % f)
        src, dst = show_json(f), show_json(one)
        check(len(src) == len(dst) and
              all(hops_of(a) == hops_of(b) for a, b in zip(src, dst)),
              "%s: hops differ after conversion" % f)
        rc, out, _ = run("stats", one)
        check(out.startswith("packets %d " % len(dst)), "%s: stats" % f)
        if dst:
            run("graph", one, "-o", wk("%d.svg" % i))
            ET.parse(wk("%d.svg" % i))
        print("%s: %d records ok" % (os.path.relpath(f, A.captures), len(dst)))


# ----------------------------------------------------------------- tshark
def g_tshark():
    if not A.plugin or not os.path.exists(A.plugin):
        print("plugin not built: skipping")
        return
    sb = TsharkSandbox(A.plugin, prefix="mbt-tool-test-")
    try:
        tshark_vs_show(sb)
    finally:
        sb.cleanup()


def tshark_vs_show(sb):
    for name in INPUTS:
        f = converted(name)
        fields = ("func", "line", "subsys", "vnet", "ifname", "rule", "drop")
        argv = ["-r", sb.add(f)]
        fargv = ["-T", "fields", "-E", "separator=|", "-e", "frame.number"]
        for k in fields:
            fargv += ["-e", "mbuftrace.hop." + k]
        p = sb.run(*(argv + fargv))
        if not check(p.returncode == 0, "tshark %s: %s" % (name, p.stderr)):
            continue
        got = []
        for line in p.stdout.splitlines():
            cols = line.split("|")
            row = [int(cols[0])]
            for k, v in zip(fields, cols[1:]):
                vals = v.split(",") if v else []
                if k in ("line", "vnet", "rule"):
                    vals = [int(x) for x in vals]
                row.append(vals)
            if row[1]:  # Custom Blocks are frames without hops
                got.append(row)
        want = []
        for o in show_json(f):
            if not o["hops"]:
                continue
            row = [o["packet"]]
            for k in fields:
                row.append([h[k] for h in o["hops"] if k in h])
            want.append(row)
        check(got == want, "%s: tshark and show disagree:\n%r\n%r" %
              (name, got[:3], want[:3]))
        # The plugin's expert info flags the same packets as show's checks.
        for kind, expert in (("routed_twice", "routed_twice"),
                             ("dropped", "dropped"),
                             ("hops_lost", "hops_lost")):
            q = sb.run(*(argv + ["-Y", "mbuftrace.expert." + expert, "-T",
                                 "fields", "-e", "frame.number"]))
            flagged = [int(x) for x in q.stdout.split()]
            mine = [o["packet"] for o in show_json(f)
                    if any(x["kind"] == kind for x in o["findings"])]
            check(q.returncode == 0 and flagged == mine,
                  "%s: %s: tshark flags %r, show %r %s" %
                  (name, kind, flagged, mine, q.stderr[-200:]))

# ------------------------------------------------ without the plugin (14)
def g_comments():
    """capture and convert write each traced packet's path as its packet
    comment, so stock Wireshark (no plugin) shows and filters it."""
    sb = TsharkSandbox(None, prefix="mbt-comments-test-")
    try:
        files = [converted(n) for n in INPUTS]
        files += sorted(glob.glob(os.path.join(A.captures, "*.pcapng")))
        seen_pf = 0
        for src in files:
            out = wk("c-" + os.path.basename(src))
            bare = wk("n-" + os.path.basename(src))
            run("convert", "-q", src, out)
            run("convert", "-q", "--no-comments", src, bare)
            p = sb.run("-r", sb.add(out), "-T", "fields", "-E",
                       "separator=|", "-e", "frame.number", "-e",
                       "frame.comment")
            check(p.returncode == 0 and "mbuftrace" not in p.stderr,
                  "stock tshark on %s: %s" % (out, p.stderr[-300:]))
            comments = {}
            for line in p.stdout.splitlines():
                n, _, c = line.partition("|")
                if c:
                    comments[int(n)] = c
            objs = show_json(out)
            want = {o["packet"]: o for o in objs}
            check(sorted(comments) == sorted(want),
                  "%s: comments on frames %r, packets %r" %
                  (src, sorted(comments)[:5], sorted(want)[:5]))
            for n, o in want.items():
                c = comments.get(n, "")
                check(c.startswith("mbuftrace") and
                      c.endswith(o["path"]) or ("; " in c and
                                                o["path"] + "; " in c),
                      "%s frame %d: comment %r, path %r" %
                      (src, n, c, o["path"]))
                for f in o["findings"]:
                    if f["kind"] != "vnet_crossing":
                        check(f["kind"] in c, "%s frame %d: %s not in %r" %
                              (src, n, f["kind"], c))
            q = sb.run("-r", sb.add(out), "-Y",
                       'frame.comment contains "pf_route"', "-T", "fields",
                       "-e", "frame.number")
            mine = [o["packet"] for o in show_json(out, "-Y",
                                                    'hop.func == "pf_route"')]
            check([int(x) for x in q.stdout.split()] == mine,
                  "%s: frame.comment contains pf_route: %r, show %r" %
                  (src, q.stdout.split(), mine))
            seen_pf += len(mine)
            q = sb.run("-r", sb.add(bare), "-Y", "frame.comment")
            check(q.returncode == 0 and q.stdout == "",
                  "--no-comments still wrote comments: %r" % q.stdout[:200])
        check(seen_pf >= 5, "only %d packets crossed pf_route" % seen_pf)
    finally:
        sb.cleanup()
    # capture: the same comments, and --show prints each path as it comes.
    out = wk("cap.pcapng")
    rc, shown, err = run("capture", "-r", fx("tap.pcap"), "-w", out,
                         "--show")
    lines = shown.splitlines()
    objs = show_json(out)
    check(len(lines) == len(objs) and
          all(l.startswith("mbuftrace trace ") for l in lines) and
          lines[0].endswith(objs[0]["path"]),
          "capture --show: %r" % lines[:3])


# ------------------------------------------------------------ vocabulary
FT_CLASS = {"FT_STRING": "string", "FT_STRINGZ": "string",
            "FT_BOOLEAN": "bool", "FT_BYTES": "bytes", "FT_NONE": "none",
            "FT_PROTOCOL": "none", "FT_ABSOLUTE_TIME": "time",
            "FT_FRAMENUM": "number", "FT_IPv4": "address",
            "FT_IPv6": "address"}


def ft_class(ft):
    if ft.startswith(("FT_UINT", "FT_INT")):
        return "number"
    return FT_CLASS.get(ft, ft)


def g_vocabulary():
    """One vocabulary (issue 14): `mbuftrace fields` (the table in
    codec/include/mbuftrace/vocab.hpp) against the plugin's fields in real
    tshark, and every name the tool filters on selects the same frames in
    both."""
    if not A.plugin or not os.path.exists(A.plugin):
        print("plugin not built: skipping")
        return
    _, out, _ = run("fields")
    table = {}
    for line in out.splitlines():
        name, scope, typ, tool, meaning = line.split("\t")
        check(name not in table, "%s twice in the table" % name)
        check(meaning != "", "%s has no meaning" % name)
        table[name] = (scope, typ, tool == "-Y")
    # Words the tool used to have its own way: gone or the plugin's now.
    for old in ("hop.index", "routed-twice"):
        check(old not in table, "%s still in the table" % old)
    sb = TsharkSandbox(A.plugin, prefix="mbt-vocab-test-")
    try:
        p = sb.run("-G", "fields")
        ws = {}
        for line in p.stdout.splitlines():
            c = line.split("\t")
            if c[0] == "P" and c[2] == "mbuftrace":
                ws["mbuftrace"] = "FT_PROTOCOL"
            elif c[0] == "F" and (c[4] == "mbuftrace" or
                                  c[2] == "frame.number"):
                ws[c[2]] = c[3]
        check(len(ws) > 50, "tshark -G fields lists %d mbuftrace fields" %
              len(ws))
        for name, ft in sorted(ws.items()):
            if check(name in table, "the plugin's %s is not in the "
                     "vocabulary (mbuftrace fields)" % name):
                check(table[name][1] == ft_class(ft),
                      "%s: %s in the table, %s in the plugin" %
                      (name, table[name][1], ft))
        for name in table:
            check(name in ws, "%s is in the vocabulary, not in the plugin" %
                  name)
        # Same meaning: each name the tool knows selects the same frames in
        # `show -Y` and in `tshark -Y` (trace records: the tool shows no
        # metadata frame as a packet).
        # One file, so that each name costs one tshark run: the converted
        # fixtures and the real captures, concatenated by mergecap.
        files = [converted(n) for n in INPUTS]
        files += sorted(glob.glob(os.path.join(A.captures, "*.pcapng")))
        merged = wk("all.pcapng")
        m = subprocess.run(["mergecap", "-a", "-F", "pcapng", "-w", merged] +
                           files, capture_output=True, text=True)
        if not check(m.returncode == 0, "mergecap: " + m.stderr):
            return
        exprs = [n for n, (_, _, tool) in table.items() if tool]
        exprs += ['mbuftrace.hop.file == "sys/net/if_epair.c"',
                  'mbuftrace.flags.copy == 1', 'mbuftrace.flags.copy == 0',
                  'mbuftrace.flags.hops_lost == 1', 'mbuftrace.truncated',
                  'mbuftrace.hop.kind == 1', 'mbuftrace.hop == 5',
                  'mbuftrace.hop.subsys == "pf"',
                  'mbuftrace.hop.action == "dup-to"',
                  'mbuftrace.hop.rule == 4294967295',
                  'frame.number >= 30 && mbuftrace.hop.vnet == 1']
        sf = sb.add(merged)
        total = len(show_json(merged))
        check(total > 100, "merged file: %d packets" % total)
        for e in exprs:
            q = sb.run("-r", sf, "-Y", "(%s) && mbuftrace && "
                       "!(mbuftrace.record_kind == 2)" % e, "-T", "fields",
                       "-e", "frame.number")
            if not check(q.returncode == 0, "tshark -Y %s: %s" %
                         (e, q.stderr[-300:])):
                continue
            theirs = [int(x) for x in q.stdout.split()]
            ours = [o["packet"] for o in show_json(merged, "-Y", e)]
            check(theirs == ours, "-Y '%s': tshark %d %r, show %d %r" %
                  (e, len(theirs), theirs[:6], len(ours), ours[:6]))
    finally:
        sb.cleanup()


# ------------------------------------------------------ nothing lost (15)
def tap_records(path):
    """The (header, payload) trace records (kind 1) of a little-endian
    pcap."""
    b = open(path, "rb").read()
    out, i = [], 24
    while i + 16 <= len(b):
        n = struct.unpack("<I", b[i + 8:i + 12])[0]
        if b[i + 16 + 6] == 1:
            out.append((b[i:i + 16], b[i + 16:i + 16 + n]))
        i += 16 + n
    return b[:24], out


def blocks_of(path):
    """Block types of a little-endian pcapng, and whether it ends cleanly."""
    if not os.path.exists(path):
        return [], False
    b = open(path, "rb").read()
    types, i = [], 0
    while i + 12 <= len(b):
        t, n = struct.unpack("<II", b[i:i + 8])
        if n < 12 or i + n > len(b):
            return types, False
        types.append(t)
        i += n
    return types, i == len(b)


def wait_for(pred, timeout):
    import time
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if pred():
            return time.monotonic() - t0
        time.sleep(0.02)
    return None


def decoded(path):
    if not os.path.exists(path):
        return -1
    p = subprocess.run([A.tool, "show", "--json", path], capture_output=True,
                       text=True)
    return len(p.stdout.splitlines()) if p.returncode == 0 else -1


def g_kill():
    """capture fed from a FIFO, then killed: what it recorded is on disk."""
    import signal
    import time
    head, recs = tap_records(fx("tap.pcap"))
    n_first = 8
    for sig in (signal.SIGHUP, signal.SIGKILL):
        fifo = wk("tap-%d.fifo" % sig)
        os.mkfifo(fifo)
        out = wk("kill-%d.pcapng" % sig)
        p = subprocess.Popen([A.tool, "capture", "-r", fifo, "-w", out],
                             stderr=subprocess.PIPE)
        w = open(fifo, "wb")
        w.write(head)
        for k in range(n_first):
            w.write(b"".join(recs[k % len(recs)]))
        w.flush()
        # The records reach the file while the capture runs (it flushes
        # when the input goes quiet, and at least every second).
        lat = wait_for(lambda: decoded(out) == n_first, 5)
        check(lat is not None, "%s: %d records not on disk while capturing "
              "(%d)" % (signal.Signals(sig).name, n_first, decoded(out)))
        if lat is not None:
            print("%s: %d records on disk %.0f ms after they were fed" %
                  (signal.Signals(sig).name, n_first, lat * 1000))
        if sig == signal.SIGHUP:
            p.send_signal(sig)
            try:
                rc = p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                rc = "hang"
            err = p.stderr.read().decode()
            check(rc == 0, "capture after SIGHUP: exit %r %s" % (rc, err))
            check("%d records written to %s" % (n_first, out) in err,
                  "SIGHUP summary: " + err)
            types, clean = blocks_of(out)
            check(clean and types and types[-1] == 5,
                  "after SIGHUP the file does not end in an ISB: %r" % types)
        else:
            time.sleep(1.2)
            # More records, killed at once: the first ones, flushed before
            # the last second, must be there; the file reads up to its end.
            for k in range(5):
                w.write(b"".join(recs[k % len(recs)]))
            w.flush()
            p.kill()
            p.wait(10)
            p.stderr.read()
            rc, outp, err = run("show", "--json", out, ok=False)
            got = len(outp.splitlines())
            check(rc == 0 and got >= n_first,
                  "after SIGKILL: show exit %d, %d records, expected >= %d: "
                  "%s" % (rc, got, n_first, err))
        w.close()
        check(not leftovers(A.work), "capture left %r" % leftovers(A.work))
    # Rotation (-C MB, -W files): each file a whole capture with metadata
    # and ISB, no record lost (no -W) or only the oldest files (-W).
    big = wk("big.pcap")
    n = 0
    with open(big, "wb") as f:
        f.write(head)
        size = 24
        while size < 2500000:
            r = b"".join(recs[n % len(recs)])
            f.write(r)
            size += len(r)
            n += 1
    rc, _, err = run("capture", "-r", big, "-w", wk("rot.pcapng"), "-C", "1")
    files = sorted(glob.glob(wk("rot-*.pcapng")))
    check(len(files) >= 3, "-C 1 on %d bytes: %r %s" % (size, files, err))
    total = 0
    for f in files:
        types, clean = blocks_of(f)
        check(clean and types[-1] == 5 and os.path.getsize(f) < 1100000,
              "%s: %d bytes, blocks end %r" % (f, os.path.getsize(f),
                                                types[-3:]))
        _, o, _ = run("show", f)
        check(o.startswith("capture "), "%s has no metadata" % f)
        total += decoded(f)
    check(total == n, "rotation: %d records in the files, %d fed" % (total, n))
    rc, _, err = run("capture", "-r", big, "-w", wk("ring.pcapng"), "-C", "1",
                     "-W", "2")
    files = sorted(glob.glob(wk("ring-*.pcapng")))
    check([os.path.basename(f) for f in files] ==
          ["ring-0.pcapng", "ring-1.pcapng"], "-W 2: %r" % files)
    # -G: a new file once a second has passed (at the next record).
    fifo = wk("g.fifo")
    os.mkfifo(fifo)
    p = subprocess.Popen([A.tool, "capture", "-r", fifo, "-w",
                          wk("g.pcapng"), "-G", "1"], stderr=subprocess.PIPE)
    w = open(fifo, "wb")
    w.write(head + b"".join(b"".join(r) for r in recs[:2]))
    w.flush()
    time.sleep(1.3)
    w.write(b"".join(b"".join(r) for r in recs[2:4]))
    w.flush()
    wait_for(lambda: len(glob.glob(wk("g-*.pcapng"))) == 2 and
             decoded(wk("g-1.pcapng")) == 1, 5)
    p.send_signal(signal.SIGTERM)
    p.wait(10)
    w.close()
    got = [decoded(f) for f in sorted(glob.glob(wk("g-*.pcapng")))]
    check(got == [3, 1], "-G 1: records per file %r" % got)
    expect_error(["capture", "-r", big, "-w", wk("x.pcapng"), "-W", "2"],
                 "-W needs -C or -G")
    expect_error(["capture", "-r", big, "-w", wk("x.pcapng"), "-C", "0"],
                 "-C wants a size")


def g_outputs():
    """Outputs that are not regular files are written in place; Ctrl-C on
    convert leaves no temporary file."""
    import signal
    import stat
    import threading
    import time
    for cmd, name in ((["show", fx("tap.pcap")], "show"),
                      (["convert", fx("tap.pcap")], "convert")):
        fifo = wk(name + ".fifo")
        os.mkfifo(fifo)
        got = []
        t = threading.Thread(target=lambda: got.append(open(fifo, "rb").read()),
                             daemon=True)
        t.start()
        if cmd[0] == "show":
            args = cmd + ["-o", fifo]
        else:
            args = cmd + [fifo]
        r = subprocess.run([A.tool] + args, capture_output=True, timeout=30)
        t.join(5)
        check(stat.S_ISFIFO(os.stat(fifo).st_mode),
              "%s -o FIFO replaced the FIFO" % name)
        check(r.returncode == 0 and got and got[0],
              "%s into a FIFO: exit %d, %d bytes read %s" %
              (name, r.returncode, len(got[0]) if got else -1, r.stderr))
        if name == "show" and got:
            _, want, _ = run("show", fx("tap.pcap"))
            check(got[0].decode() == want, "show into a FIFO: other text")
        if name == "convert" and got:
            p = wk("from-fifo.pcapng")
            open(p, "wb").write(got[0])
            check(decoded(p) == 8, "convert into a FIFO: %d records" %
                  decoded(p))
        check(not leftovers(A.work), "%s left %r" % (name, leftovers(A.work)))
    # A symbolic link (as /dev/stdout is) stays a link, its target written.
    # (Not /dev/stdout itself: a regression would replace the system's.)
    target = wk("target.txt")
    open(target, "w").write("old")
    link = wk("link.txt")
    os.symlink(target, link)
    rc, _, err = run("show", fx("tap.pcap"), "-o", link)
    _, want, _ = run("show", fx("tap.pcap"))
    check(os.path.islink(link) and open(target).read() == want,
          "show -o symlink: the link was replaced or its target not written")
    # Ctrl-C on convert: no temporary file, no output.
    head, recs = tap_records(fx("tap.pcap"))
    big = wk("big.pcap")
    with open(big, "wb") as f:
        f.write(head)
        chunk = b"".join(b"".join(r) for r in recs) * 1000
        for _ in range(60):
            f.write(chunk)
    out = wk("big.pcapng")
    p = subprocess.Popen([A.tool, "convert", "-q", big, out],
                         stderr=subprocess.PIPE)
    wait_for(lambda: leftovers(A.work), 10)
    time.sleep(0.1)
    p.send_signal(signal.SIGINT)
    rc = p.wait(30)
    check(rc == -signal.SIGINT, "convert after SIGINT: exit %d (did it end "
          "before the signal?)" % rc)
    check(not leftovers(A.work), "SIGINT left %r" % leftovers(A.work))
    check(not os.path.exists(out), "SIGINT left an output")
    # A plain Ethernet pcapng holds no trace records: an error, no output.
    out = wk("plain-ether.pcapng.out.pcapng")
    rc, _, err = run("convert", fx("plain-ether.pcapng"), out, ok=False)
    check(rc == 1 and "holds no mbuftrace trace records" in err and
          not os.path.exists(out), "convert plain-ether: %d %s" % (rc, err))
    # A packet with two records: every packet is kept, flagged with a
    # comment; exit 3 says so.
    for f, n, what in (("two-records.pcapng", 3,
                        "1 packet with more than one record kept"),):
        out = wk(f + ".out.pcapng")
        rc, _, err = run("convert", fx(f), out, ok=False)
        check(rc == 3 and what in err, "convert %s: exit %d %s" % (f, rc, err))
        types, clean = blocks_of(out)
        check(clean and types.count(6) == n + 1,
              "convert %s: %d EPBs, expected %d packets and the metadata" %
              (f, types.count(6), n))
        raw = open(out, "rb").read()
        check(raw.count(b"mbuftrace: ") == 1,
              "convert %s: flag comments missing" % f)
        rc, _, err = run("convert", "--strict", fx(f), wk("s.pcapng"),
                         ok=False)
        check(rc == 1 and "--strict" in err, "--strict %s: %d" % (f, rc))
    # The records-per-packet rule in show: the first record is shown, the
    # packet is reported.
    rc, out, err = run("show", fx("two-records.pcapng"))
    check(out.count("\npacket ") + out.startswith("packet ") == 3 and
          "block 3 (packet 2) at offset" in err and
          "carries 2 mbuftrace records; one is allowed" in err,
          "show two-records: %s" % err)


def main():
    global A
    ap = argparse.ArgumentParser()
    ap.add_argument("group")
    ap.add_argument("--tool", required=True)
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--vectors", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--plugin", default="")
    ap.add_argument("--captures", default="")
    A = ap.parse_args()
    shutil.rmtree(A.work, ignore_errors=True)
    os.makedirs(A.work)
    globals()["g_" + A.group]()
    if FAILS:
        print("%d check(s) failed" % len(FAILS))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
