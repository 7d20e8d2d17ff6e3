#!/usr/bin/env bash
# kernel/vm/freebsd-tool.sh: cross-build the mbuftrace tool as a static
# FreeBSD 15.1 amd64 executable (the /usr/bin/mbuftrace of run.sh's image,
# for scenario 10) against the world run.sh builds.  Run with --help.
set -euo pipefail

ME=$(basename "$0")
VMDIR=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$VMDIR/../.." && pwd)

usage()
{
	cat <<EOF
usage: $ME [--obj DIR | --sysroot DIR] [--out PATH] [--build DIR]
       [--repo DIR] [-j N]

Builds tool/ of the repository (mbuftrace capture, convert, show, stats,
fields; graph without Graphviz: it only says so) for FreeBSD 15.1 amd64,
statically linked, with Debian's clang/lld 19 (--target=
x86_64-unknown-freebsd15.1 -stdlib=libc++ -static -fuse-ld=lld) and CMake
(kernel/vm/freebsd-amd64.cmake), against a FreeBSD world sysroot: its
usr/include (with c++/v1 and pcap/pcap.h) and usr/lib (libc.a, libc++.a,
libthr.a, libpcap.a, crt*.o).  Incremental: the build directory is kept.

  --obj DIR      run.sh's work directory (default: \${XDG_CACHE_HOME:-\$HOME/.cache}/mbuftrace-vm);
                 the sysroot is then DIR/obj/DIR/src/amd64.amd64/tmp,
                 which run.sh's world stage leaves
  --sysroot DIR  the FreeBSD sysroot itself (instead of the one of --obj)
  --out PATH     the binary (default: OBJ/freebsd-tool/mbuftrace), stripped
  --build DIR    CMake build directory (default: OBJ/freebsd-tool/build)
  --repo DIR     the repository to build (default: $REPO)
  -j N           build jobs (default 2)
  -h, --help     this text

Then: kernel/vm/run.sh ... --freebsd-tool PATH (run.sh calls this script
itself when scenario 10 is run without --freebsd-tool).
EOF
}

die() { echo "$ME: $*" >&2; exit 2; }

OBJ=${XDG_CACHE_HOME:-$HOME/.cache}/mbuftrace-vm
SYSROOT=
OUTF=
BUILD=
JOBS=2
LLVM=/usr/lib/llvm-19/bin

while [ $# -gt 0 ]; do
	case $1 in
	--obj) OBJ=$2; shift 2 ;;
	--sysroot) SYSROOT=$2; shift 2 ;;
	--out) OUTF=$2; shift 2 ;;
	--build) BUILD=$2; shift 2 ;;
	--repo) REPO=$2; shift 2 ;;
	-j) JOBS=$2; shift 2 ;;
	-j*) JOBS=${1#-j}; shift ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; die "unknown argument: $1" ;;
	esac
done

[ -f "$REPO/tool/CMakeLists.txt" ] || die "$REPO is not the mbuftrace repository"
REPO=$(cd "$REPO" && pwd)
if [ -z "$SYSROOT" ]; then
	# As in run.sh: MAKEOBJDIRPREFIX OBJ/obj, source OBJ/src.
	[ -d "$OBJ" ] || die "no work directory $OBJ (--obj, or --sysroot)"
	OBJ=$(cd "$OBJ" && pwd)
	SYSROOT=$OBJ/obj$OBJ/src/amd64.amd64/tmp
fi
[ -n "$OUTF" ] || OUTF=$OBJ/freebsd-tool/mbuftrace
[ -n "$BUILD" ] || BUILD=$OBJ/freebsd-tool/build

# What the build needs from the sysroot.
for f in usr/include/c++/v1/vector usr/include/pcap/pcap.h \
    usr/include/sys/sysctl.h usr/lib/crt1.o usr/lib/crtbeginT.o \
    usr/lib/libc.a usr/lib/libm.a usr/lib/libthr.a usr/lib/libc++.a \
    usr/lib/libcxxrt.a usr/lib/libgcc_eh.a usr/lib/libpcap.a; do
	[ -e "$SYSROOT/$f" ] ||
	    die "no $SYSROOT/$f: not a FreeBSD amd64 world sysroot (run.sh's world stage makes one)"
done
SYSROOT=$(cd "$SYSROOT" && pwd)
for t in clang clang++ ld.lld llvm-ar llvm-ranlib llvm-strip; do
	[ -x "$LLVM/$t" ] || die "no $LLVM/$t (apt-get install clang-19 lld-19 llvm-19)"
done
command -v cmake >/dev/null || die "no cmake (apt-get install cmake)"
command -v ninja >/dev/null || die "no ninja (apt-get install ninja-build)"

# A build directory configured for another sysroot or source is redone.
if [ -f "$BUILD/CMakeCache.txt" ] &&
    ! { grep -qx "MBT_FREEBSD_SYSROOT:[A-Z]*=$SYSROOT" "$BUILD/CMakeCache.txt" &&
	grep -qx "CMAKE_HOME_DIRECTORY:INTERNAL=$REPO" "$BUILD/CMakeCache.txt"; }; then
	echo "$ME: $BUILD was configured for another sysroot or source: redone"
	rm -rf "$BUILD"
fi

echo "$ME: sysroot $SYSROOT"
cmake -S "$REPO" -B "$BUILD" -G Ninja \
    -DCMAKE_TOOLCHAIN_FILE="$VMDIR/freebsd-amd64.cmake" \
    -DMBT_FREEBSD_SYSROOT="$SYSROOT" -DMBT_LLVM_BIN="$LLVM" \
    -DCMAKE_BUILD_TYPE=Release \
    -DMBT_TOOL_GRAPHVIZ=OFF -DMBT_BUILD_PLUGIN=OFF -DMBT_BUILD_TESTS=OFF \
    -DBUILD_TESTING=OFF
cmake --build "$BUILD" -j "$JOBS" --target mbuftrace
[ -f "$BUILD/tool/mbuftrace" ] ||
    die "no $BUILD/tool/mbuftrace (libpcap not found? see the cmake output)"

mkdir -p "$(dirname "$OUTF")"
"$LLVM/llvm-strip" -o "$OUTF.tmp" "$BUILD/tool/mbuftrace"
mv -f "$OUTF.tmp" "$OUTF"
chmod 755 "$OUTF"
if command -v file >/dev/null; then
	desc=$(file -b "$OUTF")
	case $desc in
	*x86-64*FreeBSD*statically\ linked*|*x86-64*statically\ linked*FreeBSD*) ;;
	*) die "$OUTF is not a static FreeBSD amd64 executable: $desc" ;;
	esac
	echo "$ME: $OUTF: $desc"
else
	echo "$ME: $OUTF"
fi
