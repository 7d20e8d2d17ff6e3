#!/usr/bin/env python3
"""End-to-end tests of the mbuftrace Wireshark plugin with real tshark.

tshark ignores personal plugins when run as root, and CI runs as root: the
plugin is installed into a throw-away HOME under /tmp and tshark runs as
uid/gid 65534 (setpriv) with that HOME.

usage: test_plugin.py <group> --plugin P --captures DIR --expected DIR
                      --vectors DIR --tshark PATH [--update]
"""
import argparse
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from tshark_sandbox import TsharkSandbox  # noqa: E402

FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what)
    return cond


class Tshark(TsharkSandbox):
    def __init__(self, args):
        super().__init__(args.plugin, args.tshark, "mbt-plugin-test-")
        # Captures are copied too: the build tree may not be traversable
        # by uid 65534.
        self.caps = os.path.join(self.tmp, "captures")
        shutil.copytree(args.captures, self.caps)
        self._open_up()

    def run(self, *argv, check_rc=True):
        p = super().run(*argv)
        if check_rc:
            check(p.returncode == 0,
                  "tshark %s exited %d: %s" % (" ".join(argv), p.returncode,
                                               p.stderr.strip()[:500]))
        if "-r" in argv:
            check("Dissector bug" not in p.stdout,
                  "dissector bug in tshark %s" % " ".join(argv))
        return p

    def cap(self, name):
        return os.path.join(self.caps, name)

    def fields(self, cap, fields, *extra):
        argv = ["-r", self.cap(cap), "-T", "fields"]
        for f in fields:
            argv += ["-e", f]
        out = self.run(*(argv + list(extra))).stdout
        return bool_cells(out, fields)

    def frames(self, cap, dfilter, *extra):
        out = self.run("-r", self.cap(cap), "-Y", dfilter, "-T", "fields",
                       "-e", "frame.number", *extra).stdout
        return [int(x) for x in out.split()]


# Wireshark 4.4 and 4.6 print FT_BOOLEAN values in -T fields (and JSON)
# as True/False, 4.0 as 1/0: the checks are written in 4.0's form.
BOOL_FIELDS = {"mbuftrace.truncated", "mbuftrace.flags.hops_lost",
               "mbuftrace.flags.alloc_fail", "mbuftrace.flags.freed",
               "mbuftrace.flags.copy"}
BOOL_VALS = {"True": "1", "False": "0"}


def bool_cells(out, fields):
    """-T fields output with boolean fields' True/False made 1/0."""
    cols = [i for i, f in enumerate(fields) if f in BOOL_FIELDS]
    if not cols:
        return out
    lines = []
    for line in out.split("\n"):
        cells = line.split("\t")
        for i in cols:
            if i < len(cells) and cells[i]:
                cells[i] = ",".join(BOOL_VALS.get(v, v)
                                    for v in cells[i].split(","))
        lines.append("\t".join(cells))
    return "\n".join(lines)


FIELDS = ["frame.number", "mbuftrace.format", "mbuftrace.carrier",
          "mbuftrace.version", "mbuftrace.hops", "mbuftrace.path",
          "mbuftrace.trace_id", "mbuftrace.parent_id", "mbuftrace.packet_id",
          "mbuftrace.hop.subsys", "mbuftrace.hop.func", "mbuftrace.hop.location",
          "mbuftrace.hop.vnet", "mbuftrace.hop.kind", "mbuftrace.hop.depth",
          "mbuftrace.hop.ifname", "mbuftrace.hop.dir", "mbuftrace.hop.rule",
          "mbuftrace.hop.action", "mbuftrace.hop.drop", "mbuftrace.hop.ts",
          "mbuftrace.truncated", "mbuftrace.error",
          "mbuftrace.meta.kernel_ident", "mbuftrace.meta.revision",
          "mbuftrace.meta.hostname", "icmp.seq"]


def compare_expected(t, args, cap, name):
    got = t.fields(cap, FIELDS)
    path = os.path.join(args.expected, name)
    if args.update:
        with open(path, "w") as f:
            f.write(got)
    with open(path) as f:
        want = f.read()
    if not check(got == want, "%s: -T fields differs from %s" % (cap, name)):
        import difflib
        sys.stdout.writelines(difflib.unified_diff(
            want.splitlines(True), got.splitlines(True), name, "tshark"))


def t_load(t, args):
    out = t.run("-G", "plugins").stdout
    check(re.search(r"^mbuftrace\.so\s+1\.0\.0\s+dissector", out, re.M),
          "tshark -G plugins does not list mbuftrace.so: " + out)
    proto = t.run("-G", "protocols").stdout
    # 4.4 and 4.6 add columns (enabled, enabled by default, can toggle).
    check(re.search(r"^mbuftrace Packet Path\tmbuftrace\tmbuftrace(\t.*)?$",
                    proto, re.M), "protocol mbuftrace not registered")
    flds = t.run("-G", "fields").stdout
    for f in ["mbuftrace.hops", "mbuftrace.path", "mbuftrace.hop.location",
              "mbuftrace.hop.subsys", "mbuftrace.meta.revision",
              "mbuftrace.hops_lost", "mbuftrace.truncated"]:
        check("\t%s\t" % f in flds, "field %s not registered" % f)


def t_fields(t, args):
    # Both byte orders must decode identically.
    compare_expected(t, args, "v1-le.pcapng", "v1.fields.txt")
    compare_expected(t, args, "v1-be.pcapng", "v1.fields.txt")
    compare_expected(t, args, "tap.pcapng", "tap.fields.txt")
    compare_expected(t, args, "dupto.pcapng", "dupto.fields.txt")
    # JSON and columns carry the same fields.
    js = t.run("-r", t.cap("v1-le.pcapng"), "-T", "json",
               "-Y", "frame.number == 3").stdout
    check('"mbuftrace.hop.drop": "pf block"' in js,
          "-T json lacks mbuftrace.hop.drop")
    # A packet without bytes: the record's summary is its Info column, in
    # the column fields too (4.4 and 4.6 fill those before postdissectors).
    nb = t.fields("nobytes.pcapng", ["frame.number", "mbuftrace.carrier",
                                     "mbuftrace.hops", "_ws.col.Protocol",
                                     "_ws.col.Info"])
    check(nb == "1\tcustom-block\t\tmbuftrace\tCapture metadata: kernel "
          "MBUFTRACE, rev 307fbceb2\n"
          "2\tepb-option\t20\tmbuftrace\tPacket Path: 20 hops \u2014 "
          "vnet 0\u21921, pf rule 3 pass\n"
          "3\tepb-option\t3\tmbuftrace\tPacket Path: 3 hops \u2014 "
          "[dropped at pf rule 7] vnet 2\n",
          "packets without bytes: columns %r" % nb)
    check(t.frames("nobytes.pcapng", "mbuftrace.hop.drop") == [3],
          "packets without bytes: filter on a hop field")
    col = t.run("-r", t.cap("v1-le.pcapng"), "-o",
                'gui.column.format:"No.","%m","Path","%Cus:mbuftrace.path"',
                "-Y", "frame.number == 3").stdout
    check("ether_input_internal>ip_input>pf_test" in col,
          "custom column mbuftrace.path empty: " + col)


def t_filters(t, args):
    cases = [
        ("v1-le.pcapng",
         'mbuftrace.hop.subsys == "pf" && mbuftrace.hop.vnet == 1', [2]),
        ("v1-be.pcapng",
         'mbuftrace.hop.subsys == "pf" && mbuftrace.hop.vnet == 1', [2]),
        ("v1-le.pcapng", "mbuftrace.hop.drop", [3]),
        ("v1-le.pcapng", 'mbuftrace.hop.action == "block"', [3]),
        ("v1-le.pcapng", "mbuftrace.hop.vnet == 2 && icmp", [3]),
        ("v1-le.pcapng", 'mbuftrace.path contains "icmp_reflect"', [2]),
        ("v1-le.pcapng", "!mbuftrace", [4]),
        ("v1-le.pcapng", 'mbuftrace.meta.revision == "307fbceb2"', [1]),
        ("v1-le.pcapng", "mbuftrace.hops > 10", [2]),
        ("v1-le.pcapng",
         'mbuftrace.hop.location == "sys/netpfil/pf/pf.c:5521"', [2]),
        ("tap.pcapng", 'mbuftrace.carrier == "tap" && icmp.seq == 8', [2]),
        ("tap.pcapng", "mbuftrace.hop.snapshot && icmp", [3]),
        ("legacy3.pcapng", 'mbuftrace.hop.func == "pf_test"', [1]),
        ("legacy1.pcapng", 'mbuftrace.format == "legacy-part1" && icmp', [1]),
        ("corrupt.pcapng", "mbuftrace.truncated", [1, 2, 3, 4, 5]),
        ("corrupt.pcapng", "mbuftrace && !mbuftrace.truncated", [6]),
        ("dupto.pcapng", 'mbuftrace.hop.action == "dup-to"', [1]),
        # Expert info is filterable too (invisible tree: own expert items).
        ("dupto.pcapng", "mbuftrace.expert.routed_twice", [1]),
        ("v1-le.pcapng", "mbuftrace.expert.routed_twice", []),
        ("v1-le.pcapng", "mbuftrace.expert.dropped", [3]),
        ("v1-le.pcapng", '_ws.expert.message contains "vnet 0 to vnet 1"', [2]),
        ("corrupt.pcapng", "mbuftrace.expert.malformed", [1, 2, 4, 5]),
        ("corrupt.pcapng", "mbuftrace.expert.unknown_major", [3]),
    ]
    for cap, flt, want in cases:
        got = t.frames(cap, flt)
        check(got == want, "%s: filter %r selected %s, want %s"
              % (cap, flt, got, want))


def t_tree(t, args):
    out = t.run("-r", t.cap("v1-le.pcapng"), "-V").stdout
    check("Packet Path: 20 hops, VNET 0 \u2192 1, pf rule 3 pass" in out,
          "summary line missing")
    check("Packet Path: 3 hops, VNET 2, pf rule 7 block, dropped in pf_test()"
          in out, "summary line of the dropped packet missing")
    check("Capture metadata: kernel MBUFTRACE, rev 307fbceb2, host vm1" in out,
          "custom block metadata tree missing")
    # One line per hop, in time order, nesting enter/leave as subtrees.
    m7 = re.search(r"^( +)#7  \+3\.3 \u00b5s  vnet 1  \[pf\]  enter pf_test\(\)"
                   r"  sys/netpfil/pf/pf\.c:9091$", out, re.M)
    m8 = re.search(r"^( +)#8  \+4\.1 \u00b5s  vnet 1  \[pf\]  pf_test_rule\(\)"
                   r"  sys/netpfil/pf/pf\.c:5521  rule 3 pass$", out, re.M)
    m10 = re.search(r"^( +)#10  \+4\.9 \u00b5s  vnet 1  \[ip\]  ip_input\(\)",
                    out, re.M)
    if check(m7 and m8 and m10, "hop lines #7/#8/#10 missing:\n" + out[:3000]):
        check(len(m8.group(1)) > len(m7.group(1)),
              "hop #8 not nested under the enter hop #7")
        check(len(m10.group(1)) == len(m7.group(1)),
              "hop #10 not back at the outer level after leave")
    check(re.search(r"#0  \+0 ns  vnet 0  \[epair\]  epair_transmit\(\)  "
                    r"sys/net/if_epair\.c:520  out epair0a", out),
          "hop #0 line wrong")
    hops = re.findall(r"^ +#(\d+)  ", out, re.M)
    check(hops[:20] == [str(i) for i in range(20)], "hops not in time order")
    for fld in ["Subsystem: pf", "Line: 9091", "Function: pf_test",
                "[Location: sys/netpfil/pf/pf.c:9091]", "Interface: epair0b",
                "Rule: 3", "Action: pass", "Dropped: pf block"]:
        check(fld in out, "hop field %r missing" % fld)
    check("Trace record" in t.run("-r", t.cap("v1-le.pcapng"), "-x",
                                  "-Y", "frame.number == 2").stdout,
          "record bytes not shown as data source 'Trace record'")
    # Snapshot under its hop decodes as Ethernet/IP/ICMP.
    tap = t.run("-r", t.cap("tap.pcapng"), "-V", "-Y", "frame.number == 3"
                ).stdout
    check(re.search(r"Snapshot: .*\n\s+Ethernet II", tap),
          "snapshot not dissected as Ethernet")


def t_expert(t, args):
    def msgs(cap, *extra):
        return t.fields(cap, ["frame.number", "_ws.expert.message"], *extra)
    d = msgs("dupto.pcapng")
    check(re.search(r"^1\t.*routing step dup-to at #4 pf_route\(\) "
                    r"sys/netpfil/pf/pf\.c:8412 ran again", d, re.M),
          "dup-to routed twice not reported: " + d)
    v = msgs("v1-le.pcapng")
    check(re.search(r"^2\t.*crossed from vnet 0 to vnet 1", v, re.M),
          "VNET crossing not reported: " + v)
    check(re.search(r"^3\t.*dropped at #2 pf_test\(\).*pf block", v, re.M),
          "drop not reported: " + v)
    check(re.search(r"^4\t$", v, re.M), "frame without record has expert info")
    c = msgs("corrupt.pcapng")
    for n, what in [(1, "header.length at offset 12: length 533 but only 100"),
                    (2, "header.length at offset 12: length 1049109"),
                    (3, "Unknown major version: header.major at offset 4"),
                    (4, "tlv 0x04.length at offset 20"),
                    (5, "header at offset 0: record has 7 bytes")]:
        check(re.search(r"^%d\t.*%s" % (n, re.escape(what)), c, re.M),
              "frame %d: expert %r missing: %s" % (n, what, c))
    sev = t.run("-r", t.cap("corrupt.pcapng"), "-q", "-z", "expert").stdout
    check(re.search(r"Errors \(4\)", sev) and "Malformed" in sev,
          "malformed records not Error/Malformed: " + sev)
    # Loop threshold is a preference: pf_test:9091 runs twice in frame 2.
    lp = msgs("v1-le.pcapng", "-o", "mbuftrace.loop_threshold:1")
    check(re.search(r"^2\t.*loop", lp, re.M | re.I),
          "loop not reported at threshold 1: " + lp)
    check(not re.search(r"loop", v, re.I), "loop reported at default threshold")
    # SPEC 5.2: one record per packet; more are reported, the first shown
    # (the plugin used to show up to 8 and drop the rest silently).
    r = t.fields("spec52.pcapng", ["frame.number", "mbuftrace.trace_id",
                                   "mbuftrace.expert.extra_records",
                                   "_ws.expert.message"])
    for n, k in ((2, 2), (3, 9)):
        check(re.search(r"^%d\t4097\t[^\t]+\t.*carries %d mbuftrace records; "
                        r"one is allowed" % (n, k), r, re.M),
              "frame %d with %d records: %s" % (n, k, r))


def t_info(t, args):
    """The Info column ends with the path's verdict: anomalies first, then
    the VNETs crossed and the deciding firewall rule."""
    def info(cap):
        out = t.run("-r", t.cap(cap)).stdout
        return {int(l.split()[0]): l for l in out.splitlines()}
    dash = " \u2014 "
    v = info("v1-le.pcapng")
    check(v[2].endswith("ttl=64" + dash + "vnet 0\u21921, pf rule 3 pass"),
          "v1 frame 2 Info: %r" % v[2])
    check(v[3].endswith(dash + "[dropped at pf rule 7] vnet 2"),
          "v1 frame 3 (dropped) Info: %r" % v[3])
    check(dash not in v[4], "frame without a record has a verdict: %r" % v[4])
    d = info("dupto.pcapng")
    check(dash + "[routed twice] vnet 0, pf rule 1 dup-to" in d[1],
          "dup-to Info: %r" % d[1])
    # A packet without bytes: after the record's own summary.
    nb = info("nobytes.pcapng")
    check(nb[3].endswith("Packet Path: 3 hops" + dash +
                         "[dropped at pf rule 7] vnet 2"),
          "no-bytes Info: %r" % nb[3])
    # Tap records: after the packet's Info, which has the hop count first.
    tp = info("tap.pcapng")
    check(re.search(r"\[3 hops\] Echo \(ping\) request .*" + dash +
                    r"\[dropped at pf rule 7\] vnet 2$", tp[2]),
          "tap Info: %r" % tp[2])
    # The loop mark, with the loop threshold lowered.
    lp = t.run("-r", t.cap("v1-le.pcapng"), "-o",
               "mbuftrace.loop_threshold:1").stdout
    check(re.search(dash + r"\[loop\] vnet 0\u21921", lp),
          "loop mark missing: %r" % lp)


def t_hops(t, args):
    """Every hop at one level (a flat JSON loop sees all of them) with its
    nesting in its line, and -T fields columns that line up: the index
    fields name the hop of each sparse attribute."""
    js = t.run("-r", t.cap("v1-le.pcapng"), "-T", "json",
               "--no-duplicate-keys", "-J", "mbuftrace",
               "-Y", "frame.number == 2").stdout
    import json
    m = json.loads(js)[0]["_source"]["layers"]["mbuftrace"]
    hops = m["mbuftrace.hop_tree"]
    check(len(hops) == 20 and [h["mbuftrace.hop.func"] for h in hops][7:10]
          == ["pf_test", "pf_test_rule", "pf_test"],
          "flat JSON hop loop: %d hops" % len(hops))
    f = t.fields("v1-le.pcapng", ["frame.number", "mbuftrace.hop.rule",
                                  "mbuftrace.hop.rule.hop",
                                  "mbuftrace.hop.ifname",
                                  "mbuftrace.hop.ifname.hop",
                                  "mbuftrace.hop.func"],
                 "-Y", "frame.number == 2")
    c = f.rstrip("\n").split("\t")
    funcs = c[5].split(",")
    check(c[1] == "3,3" and c[2] == "8,16" and funcs[8] == "pf_test_rule"
          and funcs[16] == "pf_test", "rules and their hops: %r" % c)
    names = c[3].split(",")
    idx = [int(x) for x in c[4].split(",")]
    check(len(names) == len(idx) >= 2 and funcs[idx[0]] == "epair_transmit"
          and names[0] == "epair0a", "ifname and its hop: %r" % c)


def t_spec52(t, args):
    """Metadata in frame 1 as SPEC 5.2 places it: named in the Info column,
    its revision in the source links of the next frames in one pass, and
    the Time column starts at 0."""
    r = t.fields("spec52.pcapng", ["frame.number", "frame.time_relative",
                                   "_ws.col.Info", "mbuftrace.hop.url"],
                 "-o", "mbuftrace.source_url:https://x/{file}?id={rev}")
    rows = [l.split("\t") for l in r.splitlines()]
    check(len(rows) == 3, "spec52: %r" % rows)
    if len(rows) == 3:
        check(rows[0][2].startswith("Capture metadata: kernel MBUFTRACE, "
                                    "rev 307fbceb2"), "frame 1: %r" % rows[0])
        check(float(rows[0][1]) == 0 and float(rows[1][1]) < 0.001,
              "Time column: %r" % [x[1] for x in rows])
        check("307fbceb2" in rows[1][3] and "HEAD" not in rows[1][3],
              "frame 2 source links lack the revision: %r" % rows[1][3][:200])


def t_corrupt(t, args):
    out = t.fields("corrupt.pcapng", ["frame.number", "icmp.seq", "ip.dst"])
    want = "".join("%d\t%d\t10.0.4.2\n" % (i, i) for i in range(1, 7))
    check(out == want, "packets under corrupt records not dissected:\n" + out)
    out = t.fields("corrupt-tap.pcapng",
                   ["frame.number", "mbuftrace.truncated", "icmp.seq"])
    check(out.startswith("1\t1\t1\n"),
          "tap: packet after a damaged record not dissected: " + out)
    check(re.search(r"^2\t1\t$", out, re.M), "tap garbage not flagged: " + out)
    nest = t.fields("corrupt-tap.pcapng", ["mbuftrace.hops", "data.len"],
                    "-Y", "frame.number == 3")
    check(nest == "20\t%d\n" % (63 * 533),
          "nested USER0 records: want one record + data: %r" % nest)
    v = t.run("-r", t.cap("corrupt.pcapng"), "-V").stdout
    check(v.count("Internet Control Message Protocol") == 6,
          "-V lost a packet under a corrupt record")
    check("Error: header.length at offset 12: length 533 but only 100 bytes"
          " are present\n" in v, "error item missing from the tree")
    # String tables: encoding detail, shown only where the bytes matter.
    check("String tables:" not in out, "string tables under a good record")
    bad = t.run("-r", t.cap("vectors.pcapng"), "-V", "-Y",
                "mbuftrace.error contains \"not in the NAMES table\"").stdout
    check("String tables: 1 files, 1 names" in bad,
          "string tables missing under a malformed record:\n" + bad[-3000:])


def t_legacy(t, args):
    v = t.run("-r", t.cap("legacy3.pcapng"), "-V").stdout
    check("Packet Path: 20 hops (legacy-part3)" in v, "legacy summary missing")
    check(re.search(r"#0  \[epair\]  epair_transmit\(\)  sys/net/if_epair\.c:520"
                    r"  \(epair0a\)", v),
          "legacy hop #0 not parsed into func/file:line (oldest first)")
    check(re.search(r"#19  \[epair\]  epair_transmit\(\)  "
                    r"sys/net/if_epair\.c:520  \(epair0b\)", v),
          "legacy last hop wrong")
    check("Function: pf_test" in v and "Line: 9091" in v,
          "legacy fields not split")
    f = t.fields("legacy3.pcapng", ["frame.number", "mbuftrace.hops",
                                    "icmp.seq"])
    check(f.splitlines()[1].split("\t")[1] == "3", "part-3 snapshot frame")
    check(re.search(r"^2\t3\t\d+", f, re.M),
          "part-3 Ethernet snapshot not dissected to ICMP: " + f)
    f1 = t.fields("legacy1.pcapng", ["mbuftrace.format", "mbuftrace.hops",
                                     "mbuftrace.hop.location", "ip.dst"])
    check(f1 == "legacy-part1\t2\tsys/net/if.c:1230,sys/net/if.c:4784\t"
          "10.0.0.2\n",
          "legacy part-1 wrong: " + f1)


def t_vectors(t, args):
    # Each spec vector as a tap payload: hop count and error must match the
    # expected decoding text next to it.
    names = open(t.cap("vectors.pcapng.list")).read().split()
    out = t.fields("vectors.pcapng", ["frame.number", "mbuftrace.hops",
                                      "mbuftrace.error", "mbuftrace.format"],
                   "-E", "occurrence=f")
    rows = [l.split("\t") for l in out.splitlines()]
    check(len(rows) == len(names), "vector frames: %d, want %d"
          % (len(rows), len(names)))
    for name, row in zip(names, rows):
        txt = open(os.path.join(args.vectors, name + ".txt")).read()
        hops = len(re.findall(r"^hop \d+ ", txt, re.M))
        if re.search(r"^format \S+ .*kind=meta", txt, re.M):
            hops = ""  # metadata records have no path
        err = re.search(r"^error: (.*)$", txt, re.M)
        fmt = re.search(r"^format (\S+)", txt, re.M)
        check(row[1] == str(hops), "%s: %s hops, want %s" % (name, row[1],
                                                             hops))
        check(row[2] == (err.group(1) if err else ""),
              "%s: error %r, want %r" % (name, row[2],
                                         err.group(1) if err else ""))
        if fmt:
            check(row[3] == fmt.group(1), "%s: format %s, want %s"
                  % (name, row[3], fmt.group(1)))


def t_prefs(t, args):
    # Source links from the template preference and the capture's revision.
    u = t.fields("v1-le.pcapng", ["mbuftrace.hop.url"], "-o",
                 "mbuftrace.source_url:https://cgit.example/src/tree/{file}"
                 "?id={rev}#n{line}", "-Y", "frame.number == 3",
                 "-E", "occurrence=l")
    check(u.strip() == "https://cgit.example/src/tree/sys/netpfil/pf/pf.c"
          "?id=307fbceb2#n9091", "source link: " + u)
    d = t.fields("v1-le.pcapng", ["mbuftrace.hop.url"],
                 "-Y", "frame.number == 3", "-E", "occurrence=f")
    check(d.strip() == "file:///usr/src/sys/net/if_ethersubr.c",
          "default source link: " + d)
    # The tap link type is a preference: on USER1 the USER0 file is not ours.
    moved = t.frames("tap.pcapng", "mbuftrace", "-o", "mbuftrace.tap_dlt:user1")
    check(moved == [], "tap_dlt=user1 still decodes USER0: %s" % moved)
    check(t.frames("tap.pcapng", "mbuftrace") == [1, 2, 3],
          "tap frames not decoded on USER0")
    # Disabled protocol: nothing decoded, packets still are.
    off = t.fields("v1-le.pcapng", ["mbuftrace.hops", "icmp.seq"],
                   "--disable-protocol", "mbuftrace")
    check(off == "\t\n\t1\n\t2\n\t3\n", "disabled protocol output: %r" % off)


GROUPS = {"load": t_load, "fields": t_fields, "filters": t_filters,
          "tree": t_tree, "expert": t_expert, "corrupt": t_corrupt,
          "spec52": t_spec52, "info": t_info,
          "hops": t_hops,
          "legacy": t_legacy, "vectors": t_vectors, "prefs": t_prefs}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("group", choices=sorted(GROUPS))
    ap.add_argument("--plugin", required=True)
    ap.add_argument("--captures", required=True)
    ap.add_argument("--expected", required=True)
    ap.add_argument("--vectors", required=True)
    ap.add_argument("--tshark", default="tshark")
    ap.add_argument("--update", action="store_true",
                    help="rewrite the expected files (review the diff!)")
    args = ap.parse_args()
    t = Tshark(args)
    try:
        GROUPS[args.group](t, args)
    finally:
        t.cleanup()
    if FAILS:
        print("%d check(s) failed" % len(FAILS))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
