#!/usr/bin/env python3
"""Rewrite kernel/patches/*.patch from a patched FreeBSD tree.

Each patch keeps its leading description; its diffs are made again, file
by file, between the pristine tree and the patched one, for the files the
patch already names (plus any given with --add PATCH=FILE).  Use it after
editing the patched files of a tree made by applying the series:

    kernel/tools/regen-patches.py --pristine /usr/src.orig --patched /usr/src
"""
import argparse
import os
import re
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pristine", required=True, help="the unpatched tree (its top)")
    ap.add_argument("--patched", required=True, help="the patched tree (its top)")
    ap.add_argument("--patches", default=os.path.join(os.path.dirname(__file__), "..", "patches"))
    ap.add_argument("--add", action="append", default=[], metavar="PATCH=FILE",
                    help="a file the patch does not name yet, e.g. 0009-udp-tcp-socket.patch=sys/kern/uipc_sockbuf.c")
    a = ap.parse_args()
    extra = {}
    for spec in a.add:
        name, _, f = spec.partition("=")
        extra.setdefault(name, []).append(f)
    for name in sorted(os.listdir(a.patches)):
        if not name.endswith(".patch"):
            continue
        path = os.path.join(a.patches, name)
        text = open(path).read()
        head = text[:text.index("--- a/")]
        files = re.findall(r"^\+\+\+ b/(\S+)", text, re.M)
        files += [f for f in extra.get(name, []) if f not in files]
        out = head
        for f in files:
            old, new = os.path.join(a.pristine, f), os.path.join(a.patched, f)
            if not os.path.exists(new):
                sys.exit(f"{name}: {new} does not exist")
            r = subprocess.run(["diff", "-u", "--label", "a/" + f, "--label", "b/" + f, old, new],
                               capture_output=True, text=True)
            if r.returncode > 1:
                sys.exit(f"{name}: diff {f}: {r.stderr.strip()}")
            out += r.stdout
        if out != text:
            open(path, "w").write(out)
            print("rewrote", name)


if __name__ == "__main__":
    main()
