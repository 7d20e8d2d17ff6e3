#!/usr/bin/env bash
# kernel/vm/run.sh: build a FreeBSD 15.1 kernel with the mbuftrace patches,
# a minimal static world, boot them under qemu and run the capture
# scenarios of captures/scenarios/, comparing each capture with
# captures/expected/NAME.show.txt.  Run with --help for the details.
set -euo pipefail

ME=$(basename "$0")
VMDIR=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$VMDIR/../.." && pwd)

usage()
{
	cat <<EOF
usage: $ME --src DIR [--kernel CONF] [--scenarios all|LIST] [--out DIR]
       [--obj DIR] [--repo-rev REV] [options]

Builds the mbuftrace kernel and a minimal static world from a FreeBSD 15.1
source tree on Linux (tools/build/make.py, Debian clang/lld 19), makes a
UFS root image, boots it with qemu-system-x86_64 (PVH: -kernel, TCG unless
/dev/kvm is usable) once per scenario, extracts the captures printed on the
serial console, converts them with the repository's mbuftrace tool and
compares them with captures/expected/NAME.show.txt.

  --src DIR         FreeBSD 15.1 source tree (releng/15.1 checkout, /usr/src
                    of a 15.1 system, or renuxproject/src at 307fbceb2).
                    Read only: it is rsynced to OBJ/src on every run.
  --kernel CONF     kernel configuration in kernel/vm/conf/: MBT_TRACE
                    (default, the one the captures were made with),
                    MBT_DEBUG (INVARIANTS, WITNESS, KASAN) or MBT_REPRO
                    (MBT_TRACE + kernel/patches/repro/*.patch; its
                    02-pf-dup-to is compared with 02-pf-dup-to-reverted).
  --scenarios S     "all" (default) or a comma-separated list of scenario
                    names or numbers (e.g. 01,03,09-ping6-two-vnets).
  --out DIR         results (default: OBJ/out-CONF): console-NAME.log (the
                    serial console of each boot), NAME.pcap (as printed),
                    NAME.pcapng (converted), NAME.show.txt,
                    NAME.diff (against the expected file), summary.txt.
  --obj DIR         work directory, kept between runs for incremental builds
                    (default: \${XDG_CACHE_HOME:-\$HOME/.cache}/mbuftrace-vm):
                    src/ (patched copy), obj/ (MAKEOBJDIRPREFIX), world/,
                    root.img, logs/ (one log per build stage), stamps/.
  --repo-rev REV    take kernel/sys, kernel/patches, captures/scenarios and
                    captures/expected from git revision REV of this
                    repository instead of the working tree (e.g. HEAD when
                    uncommitted edits do not build).  kernel/vm itself
                    (configs, VM patches, this script) always comes from
                    the working tree.
  -j N              build jobs (default 2)
  --timeout SECS    wall-clock limit of one boot (default 1800)
  --mem MB          guest memory (default 4096)
  --one-boot        run all scenarios in one boot (faster, but vnet and
                    trace ids then differ from the captures, which were
                    each made in a fresh boot: expect differences)
  --rebuild-world   rebuild the world even if OBJ/world is complete
  --skip-build      use the kernel and world already in OBJ (no sync, no
                    patching, no build)
  --no-boot         stop after the builds (no image, no boot)
  --tool PATH       Linux mbuftrace tool for convert/show (default:
                    REPO/build/tool/mbuftrace, built with cmake if missing)
  --freebsd-tool P  a static FreeBSD amd64 mbuftrace binary to put in the
                    image as /usr/bin/mbuftrace, for scenario 10 (default:
                    when 10 is run, kernel/vm/freebsd-tool.sh builds
                    OBJ/freebsd-tool/mbuftrace after the world; with
                    --skip-build the one an earlier run built, else 10
                    is reported as skipped)
  --source-rev REV  revision of --src recorded in the converted captures'
                    metadata (default 307fbceb2, the tree the captures
                    in captures/ were made from)
  --compare-only    no build, no boot: compare the console logs already in
                    --out again (e.g. with --loose, or after updating
                    captures/expected)
  --loose           also pass a scenario whose path only differs from the
                    expected one in source line numbers and in the packet
                    snapshots (result "pass~"); see below
  -h, --help        this text

Stages (each timed, logs in OBJ/logs/): deps (apt-get install of missing
host packages, as root), sync (rsync of --src, then kernel/sys/ copied
over it and kernel/patches/0*.patch, kernel/patches/repro/*.patch for
MBT_REPRO, and kernel/vm/patches/*.patch applied with patch -p1),
toolchain (make.py kernel-toolchain, once), kernel (buildkernel, with
-DNO_KERNELCLEAN after the first build), world (buildworld with
SUBDIR_OVERRIDE of the programs below, -DNO_SHARED -DNO_PIC and
kernel/vm/src.conf, after "make toolchain" for the tools, includes and
static libraries; only when a program is missing), freebsd-tool (only
for scenario 10 without --freebsd-tool: kernel/vm/freebsd-tool.sh
cross-builds the tool, static, against the world's headers and libraries
into OBJ/freebsd-tool/), image (Debian's makefs, UFS1), then one boot
per scenario.

The comparison ignores what changes from run to run: capture start time,
packet time stamps, hop time offsets (+1.234ms) and column padding; and
the kernel configuration name (MBT_TRACE/MBT_DEBUG/MBT_REPRO) in the
capture header.  Everything else (packet and trace numbers, hop order,
functions, files and lines, vnets, interfaces, rules, flags, snapshots)
must match.  When it does not, the reason says whether the path itself
differs or only the tracepoints' source line numbers (the patches moved
since the captures were made) and/or the packet snapshots ("snapshot N
bytes", "N packet bytes": a kernel that records them where the captures'
kernel did not); --loose counts those two kinds as passes.

A scenario fails if its capture is missing or differs, if it did not
finish, if it prints "=== RESULT NAME FAIL ..." (the safety scenarios'
own checks), or if its console shows a panic, a KASAN report, a WITNESS
warning (lock order reversal, "sleeping with", witness) or a "panic:".
A scenario without captures/expected/NAME.show.txt is "new" (its
NAME.show.txt in --out is the candidate), one that prints "=== mbuftrace-vm
skip NAME: reason" is "skipped"; neither counts as passed or failed.
A scenario script with the line "# mbuftrace-vm: qemu-nics=em-pair" gets
two e1000 NICs (em0, em1) on one qemu hub; captures/scenarios/src/NAME.c
is compiled (static, against the world) into the image as /usr/bin/NAME.
The last line is "vm: N scenarios, P passed, F failed"; the exit status
is 0 only if nothing failed.  Skipped scenarios are not failures.
EOF
}

die() { echo "$ME: $*" >&2; exit 2; }

SRC=
KCONF=MBT_TRACE
SCEN=all
OUT=
OBJ=${XDG_CACHE_HOME:-$HOME/.cache}/mbuftrace-vm
REPO_REV=
JOBS=2
TIMEOUT=1800
MEM=4096
ONE_BOOT=0
REBUILD_WORLD=0
SKIP_BUILD=0
NO_BOOT=0
TOOL=
FBSD_TOOL=
SOURCE_REV=307fbceb2
COMPARE_ONLY=0
LOOSE=0

while [ $# -gt 0 ]; do
	case $1 in
	--src) SRC=$2; shift 2 ;;
	--kernel) KCONF=$2; shift 2 ;;
	--scenarios) SCEN=$2; shift 2 ;;
	--out) OUT=$2; shift 2 ;;
	--obj) OBJ=$2; shift 2 ;;
	--repo-rev) REPO_REV=$2; shift 2 ;;
	-j) JOBS=$2; shift 2 ;;
	-j*) JOBS=${1#-j}; shift ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	--mem) MEM=$2; shift 2 ;;
	--one-boot) ONE_BOOT=1; shift ;;
	--rebuild-world) REBUILD_WORLD=1; shift ;;
	--skip-build) SKIP_BUILD=1; shift ;;
	--no-boot) NO_BOOT=1; shift ;;
	--tool) TOOL=$2; shift 2 ;;
	--freebsd-tool) FBSD_TOOL=$2; shift 2 ;;
	--source-rev) SOURCE_REV=$2; shift 2 ;;
	--compare-only) COMPARE_ONLY=1; SKIP_BUILD=1; shift ;;
	--loose) LOOSE=1; shift ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; die "unknown argument: $1" ;;
	esac
done

[ -n "$SRC" ] || { usage >&2; die "--src is required"; }
[ -f "$SRC/sys/conf/newvers.sh" ] || die "$SRC is not a FreeBSD source tree"
SRC=$(cd "$SRC" && pwd)
[ -f "$VMDIR/conf/$KCONF" ] || die "no kernel configuration $VMDIR/conf/$KCONF"
mkdir -p "$OBJ"
OBJ=$(cd "$OBJ" && pwd)
[ -n "$OUT" ] || OUT=$OBJ/out-$KCONF
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
case $SRC/ in "$OBJ"/*) die "--obj must not contain --src" ;; esac
if [ -n "$FBSD_TOOL" ] && [ "$COMPARE_ONLY" = 0 ]; then
	[ -f "$FBSD_TOOL" ] || die "no --freebsd-tool $FBSD_TOOL"
	FBSD_TOOL=$(cd "$(dirname "$FBSD_TOOL")" && pwd)/$(basename "$FBSD_TOOL")
fi

WSRC=$OBJ/src			# patched copy of the tree
OBJP=$OBJ/obj			# MAKEOBJDIRPREFIX
LOGS=$OBJ/logs
STAMPS=$OBJ/stamps
WORLD=$OBJ/world		# the static programs, laid out as in /
IMG=$OBJ/root.img
mkdir -p "$LOGS" "$STAMPS" "$OUT"
LLVM=/usr/lib/llvm-19/bin
TARGET_OBJ=$OBJP$WSRC/amd64.amd64

# ---------------------------------------------------------------------------
# Timing of the stages.
TIMES=()
stage_begin() { STAGE=$1; STAGE_T0=$(date +%s); echo "== $ME: $1 ($(date -u +%H:%M:%S) UTC)"; }
stage_end()
{
	local t=$(( $(date +%s) - STAGE_T0 ))
	TIMES+=("$(printf '%-26s %6ss' "$STAGE" "$t")")
	echo "== $ME: $STAGE done in ${t}s${1:+ ($1)}"
}

# make.py and bmake's own tests need SIGINT/SIGQUIT at their default
# action; a background or nohup'ed shell ignores them, and a shell cannot
# un-ignore a signal that was ignored on entry, so python does it.
sigdfl()
{
	python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
signal.signal(signal.SIGQUIT, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])' "$@"
}

makepy()
{
	(cd "$WSRC" && MAKEOBJDIRPREFIX=$OBJP sigdfl python3 tools/build/make.py \
	    --cross-bindir="$LLVM" --host-bindir="$LLVM" \
	    --host-compiler-type=clang \
	    TARGET=amd64 TARGET_ARCH=amd64 SRCCONF="$VMDIR/src.conf" \
	    XNM="$LLVM/llvm-nm" XOBJCOPY="$LLVM/llvm-objcopy" \
	    XAR="$LLVM/llvm-ar" XRANLIB="$LLVM/llvm-ranlib" \
	    XSIZE="$LLVM/llvm-size" XSTRINGS="$LLVM/llvm-strings" \
	    XSTRIPBIN="$LLVM/llvm-strip" \
	    -j"$JOBS" "$@")
}

# Runs "$@" with its output in OBJ/logs/$1.log; on failure shows the end.
logged()
{
	local log=$LOGS/$1.log
	shift
	echo "   log: $log"
	if ! "$@" >"$log" 2>&1; then
		echo "$ME: stage $STAGE failed; the end of $log:" >&2
		grep -n -E 'error:|Error code|\*\*\* \[|FAILED|Stop\.' "$log" | head -20 >&2 || true
		tail -25 "$log" >&2
		exit 1
	fi
}

# ---------------------------------------------------------------------------
# deps: host packages (Debian 12).
stage_begin deps
need=()
for p in "clang-19:$LLVM/clang" "lld-19:$LLVM/ld.lld" "llvm-19:$LLVM/llvm-ar" \
    "rsync:/usr/bin/rsync" "makefs:/usr/sbin/makefs" \
    "qemu-system-x86:/usr/bin/qemu-system-x86_64" "patch:/usr/bin/patch" \
    "libarchive-dev:/usr/include/archive.h" "libbz2-dev:/usr/include/bzlib.h" \
    "zlib1g-dev:/usr/include/zlib.h" "python3:/usr/bin/python3" \
    "flex:/usr/bin/lex" "m4:/usr/bin/m4" "bison:/usr/bin/bison" \
    "cmake:/usr/bin/cmake" "ninja-build:/usr/bin/ninja"; do
	[ -e "${p#*:}" ] || need+=("${p%%:*}")
done
if [ ${#need[@]} -gt 0 ]; then
	[ "$(id -u)" = 0 ] || die "missing host packages (install as root): ${need[*]}"
	echo "   apt-get install ${need[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y "${need[@]}" \
	    >"$LOGS/apt.log" 2>&1 || { tail "$LOGS/apt.log"; die "apt-get failed"; }
fi
[ -n "$TOOL" ] || TOOL=$REPO/build/tool/mbuftrace
if [ ! -x "$TOOL" ]; then
	echo "   building $TOOL"
	if ! { cmake -S "$REPO" -B "$REPO/build" -G Ninja &&
	    cmake --build "$REPO/build" --target mbuftrace; } >"$LOGS/tool.log" 2>&1; then
		tail "$LOGS/tool.log"
		die "cannot build the mbuftrace tool"
	fi
fi
stage_end

# ---------------------------------------------------------------------------
# The repository content the kernel and the scenarios come from.
if [ -n "$REPO_REV" ]; then
	RREV=$(git -C "$REPO" rev-parse --short "$REPO_REV") ||
	    die "bad --repo-rev $REPO_REV"
	RSRC=$OBJ/repo-$RREV
	rm -rf "$RSRC"
	mkdir -p "$RSRC"
	git -C "$REPO" archive "$RREV" kernel/sys kernel/patches \
	    captures/scenarios captures/expected | tar -x -C "$RSRC"
	echo "   kernel sources and scenarios from $REPO_REV ($RREV)"
else
	RSRC=$REPO
	RREV="working tree"
fi

# The scenarios to run.
ALL=()
for f in "$RSRC"/captures/scenarios/[0-9]*.sh; do
	n=$(basename "$f" .sh)
	ALL+=("$n")
done
SCENARIOS=()
if [ "$SCEN" = all ]; then
	SCENARIOS=("${ALL[@]}")
else
	IFS=, read -r -a want <<<"$SCEN"
	for w in "${want[@]}"; do
		hit=
		for n in "${ALL[@]}"; do
			case $n in "$w"|"$w"-*) hit=$n ;; esac
		done
		[ -n "$hit" ] || die "no scenario $w in $RSRC/captures/scenarios"
		SCENARIOS+=("$hit")
	done
fi

# The static programs (dir:program[:link...]): the world stage builds
# them, the image stage installs them, with --skip-build too.
PROGS=(
	bin/sh:sh bin/cat:cat bin/echo:echo bin/sleep:sleep bin/kill:kill
	bin/ls:ls bin/dd:dd bin/test:test:[ bin/kenv:kenv bin/mkdir:mkdir
	bin/rm:rm bin/cp:cp bin/ln:ln bin/chmod:chmod bin/sync:sync
	bin/hostname:hostname bin/date:date bin/expr:expr
	sbin/init:init sbin/sysctl:sysctl sbin/ifconfig:ifconfig
	sbin/route:route sbin/pfctl:pfctl sbin/ipfw:ipfw sbin/ping:ping:ping6
	sbin/kldload:kldload sbin/kldunload:kldunload sbin/kldstat:kldstat
	sbin/mount:mount sbin/umount:umount sbin/md5:md5:sha256
	sbin/reboot:reboot:halt:poweroff sbin/shutdown:shutdown
	usr.bin/nc:nc usr.bin/bintrans:bintrans:b64encode:b64decode
	usr.bin/printf:printf usr.bin/vmstat:vmstat usr.bin/wc:wc
	usr.bin/awk:awk usr.bin/sed:sed usr.bin/grep:grep:egrep:fgrep
	usr.bin/uname:uname usr.bin/env:env usr.bin/head:head
	usr.bin/tail:tail usr.bin/tr:tr usr.bin/true:true usr.bin/false:false
	usr.sbin/jail:jail usr.sbin/jexec:jexec usr.sbin/ngctl:ngctl
	usr.sbin/tcpdump/tcpdump:tcpdump
	sbin/pfilctl:pfilctl usr.sbin/jls:jls usr.bin/touch:touch
)
KERNEL=$TARGET_OBJ/sys/$KCONF/kernel
# Scenario 10 runs the tool in the VM: without --freebsd-tool it is built
# (kernel/vm/freebsd-tool.sh, after the world) or taken from an earlier run.
WANT_FBSD_TOOL=0
for s in "${SCENARIOS[@]}"; do
	[ "$s" = 10-mbuftrace-capture ] && WANT_FBSD_TOOL=1
done
FBSD_TOOL_OBJ=$OBJ/freebsd-tool/mbuftrace

if [ "$SKIP_BUILD" = 0 ]; then
# ---------------------------------------------------------------------------
# sync: pristine copy + mbuftrace + VM patches.  rsync restores every file
# a previous run patched (and removes added ones), so reapplying is
# idempotent; untouched files keep their times, so builds stay incremental.
stage_begin sync
rsync -a --delete --exclude=/.git "$SRC"/ "$WSRC"/
cp -R "$RSRC"/kernel/sys/. "$WSRC"/sys/
(cd "$RSRC"/kernel && find sys -type f) >"$OBJ/sync.files"
patches=("$RSRC"/kernel/patches/0*.patch)
if [ "$KCONF" = MBT_REPRO ]; then
	patches+=("$RSRC"/kernel/patches/repro/*.patch)
fi
patches+=("$VMDIR"/patches/*.patch)
for p in "${patches[@]}"; do
	if ! out=$(cd "$WSRC" && patch -p1 -N -s -E --no-backup-if-mismatch \
	    -r - <"$p" 2>&1); then
		echo "$out" >&2
		die "patch ${p#"$RSRC"/} does not apply ($RREV); try --repo-rev HEAD"
	fi
	echo "   applied ${p#"$REPO"/}"
	sed -n 's|^+++ b/\([^[:space:]]*\).*|\1|p' "$p" >>"$OBJ/sync.files"
done
cp "$VMDIR"/conf/MBT_* "$WSRC"/sys/amd64/conf/
# Keep builds incremental: a file this sync rewrote (copied from
# kernel/sys, patched) gets back the time it had after the last sync if
# its content is the same as then (OBJ/sync-cache); otherwise it is new to
# the build and gets the time of now.  A file the last sync rewrote and
# this one did not (rsync restored it from --src) gets the time of now.
sort -u "$OBJ/sync.files" -o "$OBJ/sync.files"
if [ -f "$OBJ/sync.set" ]; then
	comm -23 "$OBJ/sync.set" "$OBJ/sync.files" | while IFS= read -r f; do
		[ -f "$WSRC/$f" ] && touch "$WSRC/$f"
		rm -f "$OBJ/sync-cache/$f"
	done
fi
nsame=0; nnew=0
while IFS= read -r f; do
	[ -f "$WSRC/$f" ] || continue
	c=$OBJ/sync-cache/$f
	if [ -f "$c" ] && cmp -s "$WSRC/$f" "$c"; then
		touch -r "$c" "$WSRC/$f"; nsame=$((nsame + 1))
	else
		touch "$WSRC/$f"
		mkdir -p "$(dirname "$c")"
		cp -p "$WSRC/$f" "$c"; nnew=$((nnew + 1))
	fi
done <"$OBJ/sync.files"
mv "$OBJ/sync.files" "$OBJ/sync.set"
echo "   $nnew files changed since the last sync, $nsame unchanged"
stage_end

# ---------------------------------------------------------------------------
# toolchain: bmake, bootstrap and build tools (once).
if [ ! -f "$STAMPS/toolchain" ]; then
	stage_begin toolchain
	logged toolchain makepy kernel-toolchain
	touch "$STAMPS/toolchain"
	stage_end
fi

# ---------------------------------------------------------------------------
# kernel.
stage_begin "kernel $KCONF"
kflags=()
[ -f "$STAMPS/kernel-$KCONF" ] && kflags+=(-DNO_KERNELCLEAN)
# NO_MODULES: everything the scenarios need is in the kernel itself.
logged "kernel-$KCONF" makepy buildkernel KERNCONF="$KCONF" NO_MODULES=yes \
    "${kflags[@]}"
touch "$STAMPS/kernel-$KCONF"
[ -f "$KERNEL" ] || die "no kernel at $KERNEL"
stage_end "$(du -h "$KERNEL" | cut -f1)"

# Libraries they need beyond the build's startup and prebuild sets
# (Makefile.inc1's _generic_libs, which would otherwise be all of lib/).
GENERIC_LIBS="lib/libpcap lib/libnetgraph lib/libstats lib/libifconfig"
GENERIC_LIBS+=" lib/libpfctl lib/libdevstat lib/libmemstat lib/libipsec"
GENERIC_LIBS+=" lib/libregex"
world_complete()
{
	local e d prog
	for e in "${PROGS[@]}"; do
		d=${e%%:*}; prog=${e#*:}; prog=${prog%%:*}
		[ -x "$TARGET_OBJ/$d/$prog" ] || return 1
	done
}
# Another build of the world in the same --obj (e.g. started by hand with
# "flock OBJ/world.lock ...") is waited for.
exec 9>"$OBJ/world.lock"
flock 9
if [ "$REBUILD_WORLD" = 1 ] || ! world_complete; then
	stage_begin world
	dirs=
	for e in "${PROGS[@]}"; do dirs="$dirs ${e%%:*}"; done
	# Two steps: buildworld with SUBDIR_OVERRIDE skips the bootstrap tools
	# (and a WITHOUT_CLEAN build removes their headers first), so
	# "toolchain" builds the tools, includes and libraries, then a
	# WORLDFAST buildworld only the programs.
	# (No -DNO_SHARED here: with it the tree walk of "includes" trips
	# over the pam <-> tacplus cycle of src.libnames.mk.)
	if [ "$REBUILD_WORLD" = 1 ] || [ ! -f "$STAMPS/world-libs" ]; then
		logged world-libs makepy toolchain _generic_libs="$GENERIC_LIBS" \
		    -DNO_PIC
		touch "$STAMPS/world-libs"
	fi
	# MK_CASPER=no: the casper services are shared libraries only, and a
	# static program cannot use them (WITHOUT_CASPER is not a knob any
	# more; the command line overrides the option).
	logged world-progs makepy buildworld -DWORLDFAST -DNO_LIBS \
	    SUBDIR_OVERRIDE="${dirs# }" -DNO_SHARED -DNO_PIC MK_CASPER=no
	world_complete || die "world incomplete after buildworld (see $LOGS/world-progs.log)"
	stage_end
fi
# ---------------------------------------------------------------------------
# freebsd-tool: the mbuftrace binary of scenario 10, static, against the
# world's sysroot (TARGET_OBJ/tmp); incremental (OBJ/freebsd-tool/build).
# Under the world lock: it reads the world, and has one build directory.
if [ "$WANT_FBSD_TOOL" = 1 ] && [ -z "$FBSD_TOOL" ]; then
	stage_begin freebsd-tool
	logged freebsd-tool "$VMDIR/freebsd-tool.sh" --repo "$REPO" \
	    --sysroot "$TARGET_OBJ/tmp" --out "$FBSD_TOOL_OBJ" \
	    --build "$OBJ/freebsd-tool/build" -j "$JOBS"
	FBSD_TOOL=$FBSD_TOOL_OBJ
	stage_end "$(du -h "$FBSD_TOOL" | cut -f1)"
fi
exec 9>&-
fi	# SKIP_BUILD
if [ "$WANT_FBSD_TOOL" = 1 ] && [ -z "$FBSD_TOOL" ] && [ -f "$FBSD_TOOL_OBJ" ] &&
    [ "$COMPARE_ONLY" = 0 ]; then
	echo "   scenario 10: $FBSD_TOOL_OBJ (built by an earlier run)"
	FBSD_TOOL=$FBSD_TOOL_OBJ
fi
if [ "$NO_BOOT" = 1 ]; then
	printf '  %s\n' "${TIMES[@]}"
	exit 0
fi

[ "$COMPARE_ONLY" = 1 ] || [ -f "$KERNEL" ] ||
    die "no kernel $KERNEL (run without --skip-build)"

# ---------------------------------------------------------------------------
# image: UFS2 root with the programs, the scenarios and /etc/rc.
declare -A SLOG BSECS BRC
if [ "$COMPARE_ONLY" = 0 ]; then
stage_begin image
rm -rf "$WORLD"
mkdir -p "$WORLD"/{bin,sbin,usr/bin,usr/sbin,etc,dev,tmp,root,var/run,var/tmp,scenarios}
for e in "${PROGS[@]}"; do
	d=${e%%:*}
	IFS=: read -r -a names <<<"${e#*:}"
	case $d in
	bin/*) to=bin ;; sbin/*) to=sbin ;; usr.bin/*) to=usr/bin ;;
	usr.sbin/*) to=usr/sbin ;; *) die "no prefix for $d" ;;
	esac
	[ -x "$TARGET_OBJ/$d/${names[0]}" ] ||
	    die "missing $TARGET_OBJ/$d/${names[0]} (run without --skip-build)"
	install -m 555 "$TARGET_OBJ/$d/${names[0]}" "$WORLD/$to/${names[0]}"
	for l in "${names[@]:1}"; do ln -f "$WORLD/$to/${names[0]}" "$WORLD/$to/$l"; done
done
if [ -n "$FBSD_TOOL" ]; then
	install -m 555 "$FBSD_TOOL" "$WORLD/usr/bin/mbuftrace"
fi
# Helper programs of the scenarios (captures/scenarios/src/NAME.c ->
# /usr/bin/NAME), static, against the world's headers and libraries.
for c in "$RSRC"/captures/scenarios/src/*.c; do
	[ -f "$c" ] || continue
	n=$(basename "$c" .c)
	if ! "$LLVM/clang" --target=x86_64-unknown-freebsd15.1 \
	    --sysroot="$TARGET_OBJ/tmp" -fuse-ld=lld -static -O2 -Wall \
	    -o "$WORLD/usr/bin/$n" "$c" >"$LOGS/helper-$n.log" 2>&1; then
		cat "$LOGS/helper-$n.log" >&2
		die "cannot build the scenario helper $c"
	fi
	echo "   helper /usr/bin/$n"
done
chmod 1777 "$WORLD/tmp" "$WORLD/var/tmp"
cp "$SRC"/lib/libc/net/protocols "$WORLD/etc/protocols"
[ -f "$SRC"/lib/libc/net/services ] && cp "$SRC"/lib/libc/net/services "$WORLD/etc/services"
printf 'root::0:0::0:0:Charlie &:/root:/bin/sh\n' >"$WORLD/etc/master.passwd"
printf 'root:*:0:0:Charlie &:/root:/bin/sh\n' >"$WORLD/etc/passwd"
printf 'wheel:*:0:root\n' >"$WORLD/etc/group"
printf '127.0.0.1 localhost\n::1 localhost\n' >"$WORLD/etc/hosts"
cp "$RSRC"/captures/scenarios/*.sh "$WORLD/scenarios/"
cat >"$WORLD/etc/rc" <<'EOF'
#!/bin/sh
# Written by kernel/vm/run.sh: runs the scenarios named in the kernel
# environment variable mbt.scenarios (separated by ':') and powers off.
PATH=/sbin:/bin:/usr/sbin:/usr/bin
HOME=/root
export PATH HOME
mount -u -o rw / 2>/dev/null
hostname vm1
echo "=== mbuftrace-vm kernel-ident $(uname -i)"
echo "=== mbuftrace-vm kernel-version $(uname -sri)"
n=0
for s in $(kenv -q mbt.scenarios | tr ':' ' '); do
	n=$((n + 1))
	if [ $n -gt 1 ]; then
		# Several scenarios in one boot: undo what the last one made.
		for j in $(jls name 2>/dev/null); do jail -r "$j"; done
		pfctl -d 2>/dev/null; pfctl -F all 2>/dev/null
		ipfw -q flush 2>/dev/null
		for i in $(ifconfig -l); do
			case $i in epair*a|bridge*|ngeth*) ifconfig "$i" destroy ;; esac
		done
		ngctl shutdown ngeth0: 2>/dev/null; ngctl shutdown ngeth1: 2>/dev/null
		sysctl kern.mbuf_trace.enable=0 kern.mbuf_trace.filter= \
		    kern.mbuf_trace.ifaces= >/dev/null
		sleep 1
	fi
	echo "=== mbuftrace-vm start $s"
	if [ "$s" = 10-mbuftrace-capture ] && [ ! -x /usr/bin/mbuftrace ]; then
		echo "=== mbuftrace-vm skip $s: no FreeBSD mbuftrace binary in the image"
		continue
	fi
	sh /scenarios/"$s".sh </dev/null 2>&1
	echo "=== mbuftrace-vm done $s exit $?"
done
echo "=== mbuftrace-vm all done"
sync
halt -p
EOF
chmod 555 "$WORLD/etc/rc"
size_kb=$(( $(du -sk "$WORLD" | cut -f1) * 2 + 65536 ))
rm -f "$IMG"
# UFS1: Debian's makefs (NetBSD's) puts a UFS2 superblock at 8 KB, where
# FreeBSD refuses it ("fs_sblockloc (0x2000) != SBLOCK_UFS2 (0x10000)").
logged makefs makefs -t ffs -B little -o version=1 -s "${size_kb}k" "$IMG" "$WORLD"
stage_end "$(du -h "$IMG" | cut -f1)"

# ---------------------------------------------------------------------------
# boot: one qemu per scenario (or all in one boot).
ACCEL=tcg
if [ -w /dev/kvm ]; then ACCEL=kvm; fi

# The kernel environment of a PVH boot is the command line (the envvar
# lines of the kernel configuration are not used when one is given):
# serial console on COM1, root on the virtio disk.
KENV="hint.uart.0.at=isa hint.uart.0.port=0x3F8 hint.uart.0.flags=0x10"
KENV+=" hint.uart.0.irq=4 boot_serial=YES kern.shutdown.poweroff_delay=0"
KENV+=" vfs.root.mountfrom=ufs:/dev/vtbd0 vfs.root.mountfrom.options=rw"

# NICs: none, unless a scenario asks for them in a line of its script
# "# mbuftrace-vm: qemu-nics=em-pair": two e1000 (em0, em1) on one qemu
# hub, a wire inside qemu without host network.
nics_for()
{
	local f
	NICS=(-nic none)
	for f in "$@"; do
		if grep -q '^# mbuftrace-vm: qemu-nics=em-pair' \
		    "$RSRC/captures/scenarios/$f.sh" 2>/dev/null; then
			NICS=(-netdev "hubport,id=h0,hubid=0" -device "e1000,netdev=h0"
			    -netdev "hubport,id=h1,hubid=0" -device "e1000,netdev=h1")
		fi
	done
}

boot()
{
	# $1: label, $2: ':'-separated scenario list
	local log=$OUT/console-$1.log
	rm -f "$log"
	local t0
	t0=$(date +%s)
	set +e
	timeout --foreground "$TIMEOUT" qemu-system-x86_64 \
	    -machine q35,accel="$ACCEL" -cpu max -smp 1 -m "$MEM" \
	    -display none -monitor none -no-reboot \
	    -serial "file:$log" \
	    -kernel "$KERNEL" \
	    -append "$KENV mbt.scenarios=$2" \
	    -drive "file=$IMG,if=virtio,format=raw,snapshot=on" \
	    "${NICS[@]}" </dev/null >"$LOGS/qemu-$1.log" 2>&1
	local rc=$?
	set -e
	BOOT_SECS=$(( $(date +%s) - t0 ))
	BOOT_RC=$rc
	echo "   boot $1: ${BOOT_SECS}s, qemu exit $rc, console $log"
}

stage_begin "boot+scenarios ($ACCEL)"
if [ "$ONE_BOOT" = 1 ]; then
	nics_for "${SCENARIOS[@]}"
	boot all "$(IFS=:; echo "${SCENARIOS[*]}")"
	for s in "${SCENARIOS[@]}"; do
		SLOG[$s]=$OUT/console-all.log; BSECS[$s]=$BOOT_SECS; BRC[$s]=$BOOT_RC
	done
else
	for s in "${SCENARIOS[@]}"; do
		SLOG[$s]=$OUT/console-$s.log
		if [ "$s" = 10-mbuftrace-capture ] && [ -z "$FBSD_TOOL" ]; then
			# rc would only print the skip line: save the boot.
			echo "=== mbuftrace-vm skip $s: no FreeBSD mbuftrace binary (--freebsd-tool, or a run without --skip-build)" >"${SLOG[$s]}"
			BSECS[$s]=0; BRC[$s]=0
			continue
		fi
		nics_for "$s"
		boot "$s" "$s"
		BSECS[$s]=$BOOT_SECS; BRC[$s]=$BOOT_RC
	done
fi
stage_end
else	# COMPARE_ONLY
	ACCEL=none
	for s in "${SCENARIOS[@]}"; do
		SLOG[$s]=$OUT/console-$s.log
		[ "$ONE_BOOT" = 1 ] && SLOG[$s]=$OUT/console-all.log
		BSECS[$s]=-; BRC[$s]=0
		grep -a -q "=== mbuftrace-vm done $s exit\|=== mbuftrace-vm skip $s" "${SLOG[$s]}" 2>/dev/null || BRC[$s]=124
	done
fi

# ---------------------------------------------------------------------------
# compare.
norm()
{
	# What legitimately changes between runs: times, padding, and the
	# kernel configuration's name.
	sed -E -e 's/ start [0-9]+\.[0-9]+/ start T/' \
	    -e 's/ ts [0-9]+\.[0-9]+/ ts T/' \
	    -e 's/\+[0-9]+(\.[0-9]+)?(ns|us|ms|s)( |$)/+T\3/' \
	    -e 's/MBT_(TRACE|DEBUG|REPRO)/MBT_KERNEL/g' \
	    -e 's/  +/ /g' -e 's/ +$//'
}

# Tracepoint source lines (file.c:123) and packet snapshots.
norm_lines() { sed -E 's/(\.[ch]):[0-9]+/\1:N/g'; }
norm_snap() { sed -E -e 's/ snapshot [0-9]+ bytes//g' -e 's/ [0-9]+ packet bytes//g'; }

# Kernel problems in a console log (excerpt on stdout).
kernel_problems()
{
	grep -a -n -i -E 'panic:|KASAN|ASan: |lock order reversal|sleeping with|witness|Fatal trap|kernel trap|page fault while' "$1" |
	    grep -a -v -E 'options KASAN|WITNESS_SKIPSPIN|^[0-9]+:.*(Enabling|enabled|disabled) (witness|WITNESS)|^[0-9]+:WARNING: WITNESS option enabled|^[0-9]+:WARNING: INVARIANTS' || true
}

RESULTS=()
NP=0; NF=0; NS=0
for s in "${SCENARIOS[@]}"; do
	log=${SLOG[$s]}
	exp=$s
	[ "$KCONF" = MBT_REPRO ] && [ "$s" = 02-pf-dup-to ] && exp=02-pf-dup-to-reverted
	res=FAIL; why=
	probs=$(kernel_problems "$log")
	if [ ! -s "$log" ]; then
		why="no console output (qemu exit ${BRC[$s]})"
	elif grep -a -q "=== mbuftrace-vm skip $s" "$log"; then
		res=skipped
		why=$(grep -a "=== mbuftrace-vm skip $s" "$log" | head -1 | sed 's/.*: //' | tr -d '\r')
	elif ! grep -a -q "=== BEGIN mbuftrace capture $s" "$log" ||
	    ! grep -a -q "=== END mbuftrace capture $s" "$log"; then
		if grep -a -q "^=== RESULT $s PASS" "$log" &&
		    grep -a -q "=== mbuftrace-vm done $s exit" "$log"; then
			# A checks-only scenario (15-stress): its verdict decides.
			res=pass; why="no capture (checks only)"
		elif [ "${BRC[$s]}" = 124 ]; then
			why="timeout after ${TIMEOUT}s: no capture"
		else
			why="no capture on the console (qemu exit ${BRC[$s]}; $(grep -a -c "=== mbuftrace-vm done $s" "$log") done markers)"
		fi
	else
		tr -d '\r' <"$log" | awk -v n="$s" '
		    $0 == "=== BEGIN mbuftrace capture " n { on = 1; next }
		    $0 == "=== END mbuftrace capture " n { on = 0 }
		    on' | grep -E '^[A-Za-z0-9+/=]+$' | base64 -d >"$OUT/$s.pcap" 2>/dev/null || true
		ident=$(tr -d '\r' <"$log" | sed -n 's/^=== mbuftrace-vm kernel-ident //p' | head -1)
		kver=$(tr -d '\r' <"$log" | sed -n 's/^=== mbuftrace-vm kernel-version //p' | head -1)
		# The jails the scenario named (kern.mbuf_trace.vnets).
		vnames=()
		while read -r vid vname; do
			[ -n "$vname" ] && vnames+=(--vnet-name "$vid=$vname")
		done < <(tr -d '\r' <"$log" | sed -n 's/^=== mbuftrace-vm vnet-name //p')
		conv=ok
		if [ "$s" = 10-mbuftrace-capture ]; then
			# Written by `mbuftrace capture` in the VM: v1 pcapng
			# with the kernel's metadata already; not converted.
			cp "$OUT/$s.pcap" "$OUT/$s.pcapng" 2>/dev/null || conv=
		elif ! "$TOOL" convert -q --kernel-ident "${ident:-$KCONF}" \
		    --kernel-version "${kver:-FreeBSD $KCONF}" \
		    --source-rev "$SOURCE_REV" --hostname vm1 "${vnames[@]}" \
		    "$OUT/$s.pcap" "$OUT/$s.pcapng" >"$OUT/$s.convert.log" 2>&1; then
			conv=
		fi
		if [ ! -s "$OUT/$s.pcap" ]; then
			why="empty or undecodable capture"
		elif [ -z "$conv" ]; then
			why="convert failed: $(head -c 200 "$OUT/$s.convert.log" 2>/dev/null)"
		elif ! "$TOOL" show --color=never "$OUT/$s.pcapng" >"$OUT/$s.show.txt" 2>"$OUT/$s.show.err"; then
			why="show failed: $(head -c 200 "$OUT/$s.show.err")"
		elif [ ! -f "$RSRC/captures/expected/$exp.show.txt" ]; then
			res=new
			why="no captures/expected/$exp.show.txt yet (capture in $s.show.txt)"
		elif ! diff -u <(norm <"$RSRC/captures/expected/$exp.show.txt") \
		    <(norm <"$OUT/$s.show.txt") >"$OUT/$s.diff"; then
			e=$RSRC/captures/expected/$exp.show.txt
			n=$(grep -c '^[-+][^-+]' "$OUT/$s.diff" || true)
			if diff -q <(norm <"$e" | norm_lines) <(norm <"$OUT/$s.show.txt" | norm_lines) >/dev/null; then
				kind="same path; only source line numbers differ"
			elif diff -q <(norm <"$e" | norm_snap) <(norm <"$OUT/$s.show.txt" | norm_snap) >/dev/null; then
				kind="same path; only packet snapshots differ"
			elif diff -q <(norm <"$e" | norm_lines | norm_snap) <(norm <"$OUT/$s.show.txt" | norm_lines | norm_snap) >/dev/null; then
				kind="same path; source line numbers and packet snapshots differ"
			else
				kind="PATH DIFFERS"
			fi
			why="$kind ($n diff lines, $s.diff)"
			if [ "$LOOSE" = 1 ] && [ "$kind" != "PATH DIFFERS" ]; then
				res=pass~
			fi
		else
			rm -f "$OUT/$s.diff"
			res=pass; why="matches expected/$exp.show.txt"
		fi
		if [ "${res#pass}" != "$res" ] && ! grep -a -q "=== mbuftrace-vm done $s exit" "$log"; then
			res=FAIL; why="scenario did not finish"
		fi
	fi
	# The safety scenarios' own verdict (=== RESULT NAME PASS|FAIL ...).
	verdict=$(tr -d '\r' <"$log" 2>/dev/null | sed -n "s/^=== RESULT $s //p" | tail -1)
	case $verdict in
	PASS*) why="RESULT PASS; $why" ;;
	?*) res=FAIL; why="RESULT $verdict; $why" ;;
	esac
	if [ -n "$probs" ]; then
		res=FAIL
		why="kernel problem: $(echo "$probs" | head -1 | cut -c1-100)${why:+; $why}"
		echo "$probs" >"$OUT/$s.kernel-problems.txt"
	fi
	case $res in
	pass|pass~) NP=$((NP + 1)) ;;
	skipped|new) NS=$((NS + 1)) ;;
	*) NF=$((NF + 1)) ;;
	esac
	RESULTS+=("$(printf '%-26s %-8s %5ss  %s' "$s" "$res" "${BSECS[$s]}" "$why")")
done

{
	echo
	echo "kernel $KCONF, kernel sources: $RREV, src $SRC, accel $ACCEL"
	echo "stage times:"
	printf '  %s\n' "${TIMES[@]}"
	echo
	printf '%-26s %-8s %6s  %s\n' scenario result boot reason
	printf '%s\n' "${RESULTS[@]}"
	[ "$NS" -gt 0 ] && echo "($NS skipped or new: not counted as passed or failed)"
	echo "vm: ${#SCENARIOS[@]} scenarios, $NP passed, $NF failed"
} | tee "$OUT/summary.txt"
[ "$NF" -eq 0 ]
