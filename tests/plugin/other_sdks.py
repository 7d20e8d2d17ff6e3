#!/usr/bin/env python3
"""The plugin compiles against the Wireshark SDKs of other releases.

The plugin ABI changes with every minor release, so the sources carry
version checks (MBT_WS_AT_LEAST).  This test takes the headers of another
release from Debian's archive (trixie: 4.4, forky: 4.6), unpacks them
into a cache without installing anything, and compiles every plugin source
against them with -fsyntax-only -Werror: a deprecated or removed API is a
failure.  An SDK already on disk (e.g. Ubuntu noble's 4.2, unpacked by hand
with dpkg-deb -x) is checked with --sdk-dir.

Exit 77 (CTest: skipped) when the archive cannot be reached.

usage: other_sdks.py --cache DIR --source-dir SRC [--suite NAME=URL ...]
                     [--sdk-dir DIR ...] -- <compiler flags>
"""
import argparse
import hashlib
import lzma
import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request

PACKAGES = ("libwireshark-dev", "libwiretap-dev", "libwsutil-dev",
            "wireshark-dev")
SOURCES = ("plugin/src/plugin.cpp", "plugin/src/packet-mbuftrace.cpp",
           "plugin/src/verdict.cpp", "plugin/src/links.cpp",
           "plugin/src/stats.cpp", "plugin/src/flowgraph.cpp",
           "bench/plugin/floor.cpp")
SKIP = 77
# The releases the plugin claims to build for.  A suite that has moved on
# to a newer one is still compiled and reported, but does not fail the
# test: a new release is work to do, not a regression.
SUPPORTED = ("4.0", "4.2", "4.4", "4.6")


class Unreachable(Exception):
    pass


def fetch(url, timeout=60):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.read()
    except (urllib.error.URLError, OSError) as e:
        raise Unreachable("%s: %s" % (url, e))


def packages_index(base, suite):
    """{package: (Filename, SHA256)} for PACKAGES in suite's main index."""
    url = "%s/dists/%s/main/binary-amd64/Packages.xz" % (base, suite)
    text = lzma.decompress(fetch(url)).decode("utf-8", "replace")
    found = {}
    for stanza in text.split("\n\n"):
        m = re.search(r"^Package: (\S+)$", stanza, re.M)
        if not m or m.group(1) not in PACKAGES:
            continue
        fn = re.search(r"^Filename: (\S+)$", stanza, re.M)
        sha = re.search(r"^SHA256: (\S+)$", stanza, re.M)
        if fn and sha:
            found[m.group(1)] = (fn.group(1), sha.group(1))
    return found


def unpack_suite(cache, name, base):
    """Unpacks suite's -dev packages into cache/name; returns its root."""
    root = os.path.join(cache, name, "root")
    stamp = os.path.join(cache, name, "done")
    if os.path.exists(stamp):
        return root
    shutil.rmtree(os.path.join(cache, name), ignore_errors=True)
    os.makedirs(root)
    index = packages_index(base, name)
    missing = [p for p in PACKAGES if p not in index]
    if missing:
        sys.exit("%s: %s not in %s's index" % (name, ", ".join(missing), base))
    for p in PACKAGES:
        fn, sha = index[p]
        data = fetch("%s/%s" % (base, fn), timeout=120)
        if hashlib.sha256(data).hexdigest() != sha:
            sys.exit("%s: %s: SHA256 differs from the index" % (name, fn))
        deb = os.path.join(cache, name, os.path.basename(fn))
        with open(deb, "wb") as f:
            f.write(data)
        subprocess.run(["dpkg-deb", "-x", deb, root], check=True)
    open(stamp, "w").close()
    return root


def sdk_version(inc):
    text = open(os.path.join(inc, "ws_version.h")).read()
    v = [re.search(r"WIRESHARK_VERSION_%s (\d+)" % k, text).group(1)
         for k in ("MAJOR", "MINOR", "MICRO")]
    return ".".join(v)


def check(name, root, src, cxx, flags):
    """Compiles every plugin source against root's headers; returns the
    number of sources that failed."""
    inc = os.path.join(root, "usr", "include", "wireshark")
    if not os.path.exists(os.path.join(inc, "ws_version.h")):
        sys.exit("%s: no Wireshark headers under %s" % (name, root))
    ver = sdk_version(inc)
    claimed = ".".join(ver.split(".")[:2]) in SUPPORTED
    bad = 0
    for s in SOURCES:
        defs = []
        if s.startswith("bench/"):
            defs = ["-DMBT_PLUGIN_REGISTER=proto_register_mbtfloor",
                    "-DMBT_PLUGIN_HANDOFF=proto_reg_handoff_mbtfloor"]
        cmd = ([cxx, "-std=c++17", "-fsyntax-only", "-Wall", "-Wextra",
                "-Werror", "-isystem", inc] + flags + defs +
               [os.path.join(src, s)])
        p = subprocess.run(cmd, capture_output=True, text=True)
        print("%s (Wireshark %s): %s: %s" % (name, ver, s,
                                             "ok" if p.returncode == 0
                                             else "FAILED"))
        if p.returncode != 0:
            bad += 1 if claimed else 0
            sys.stdout.write(p.stderr[:4000])
    if not claimed:
        print("%s: Wireshark %s is newer than the releases the plugin "
              "claims (%s): not judged" % (name, ver, ", ".join(SUPPORTED)))
    return bad


def main():
    argv = sys.argv[1:]
    flags = []
    if "--" in argv:
        i = argv.index("--")
        argv, flags = argv[:i], argv[i + 1:]
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", required=True)
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--cxx", default="c++")
    ap.add_argument("--suite", action="append", default=[],
                    help="NAME=URL: a suite of a Debian archive")
    ap.add_argument("--sdk-dir", action="append", default=[],
                    help="a root holding usr/include/wireshark")
    a = ap.parse_args(argv)
    glib = subprocess.run(["pkg-config", "--cflags", "glib-2.0"],
                          capture_output=True, text=True, check=True)
    flags = flags + glib.stdout.split()

    bad = 0
    for d in a.sdk_dir:
        bad += check(os.path.basename(os.path.normpath(d)), d,
                     a.source_dir, a.cxx, flags)
    reached = 0
    for spec in a.suite:
        name, base = spec.split("=", 1)
        try:
            root = unpack_suite(a.cache, name, base)
        except Unreachable as e:
            print("%s: archive not reachable (%s)" % (name, e))
            continue
        reached += 1
        bad += check(name, root, a.source_dir, a.cxx, flags)
    if bad:
        print("%d source(s) failed to compile" % bad)
        return 1
    if a.suite and not reached and not a.sdk_dir:
        print("no SDK could be fetched: skipped")
        return SKIP
    return 0


if __name__ == "__main__":
    sys.exit(main())
