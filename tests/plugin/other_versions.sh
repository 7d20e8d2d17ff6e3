#!/bin/sh
# Opt-in check that the Wireshark plugin builds and passes its tests with the
# Wireshark of other Debian releases (trixie: 4.4; forky, sid: 4.6 or newer).
# The plugin ABI changes with every Wireshark minor release, and
# plugin_other_sdks only compiles against the other headers: this runs the
# real tshark.  Each suite gets a minimal Debian chroot made by debootstrap,
# in which the current work tree is built and `ctest -R plugin_` is run.
#
# usage: sh tests/plugin/other_versions.sh [--dir WORKDIR] [--bench [--before REF]]
#          SUITE... [-- BENCH_OPTION...]
#   SUITE: trixie, forky or sid.  Run as root on Debian 12 or newer.
#   WORKDIR (default /var/tmp/mbuftrace-chroots) keeps one chroot per suite,
#   reused by the next run; WORKDIR/SUITE.log has the whole output.
#   --bench: then bench/plugin/bench_plugin.py (times and callgrind
#   instruction counts) with the BENCH_OPTIONs (e.g. --frames 20000); its
#   report goes to WORKDIR/SUITE.bench.  --before REF: the plugin of git
#   commit REF (e.g. main) is built too and benchmarked beside this one.
#   JOBS=N: build jobs (default: nproc).  NICE=N: build, tests and bench
#   run at nice N (default 19; on a loaded machine tests may then time out).
# Nothing outside WORKDIR is touched, except installing debootstrap.
set -eu   # POSIX sh (dash), so `sh other_versions.sh` works: no bash-isms

usage() { sed -n '9,19s/^# \{0,1\}//p' "$0" >&2; exit 2; }
workdir=/var/tmp/mbuftrace-chroots
suites= bench=0 before=
while [ $# -gt 0 ]; do
	case $1 in
	--dir) [ $# -ge 2 ] || usage; workdir=$2; shift 2 ;;
	--bench) bench=1; shift ;;
	--before) [ $# -ge 2 ] || usage; before=$2; shift 2 ;;
	trixie|forky|sid) suites="$suites $1"; shift ;;
	--) shift; break ;;
	*) usage ;;
	esac
done
# "$@": the benchmark's options
[ $# -eq 0 ] && [ -z "$before" ] || [ $bench = 1 ] || usage
[ -n "$suites" ] || usage
[ "$(id -u)" = 0 ] || { echo "run as root (debootstrap, chroot, mount)" >&2; exit 2; }
jobs=${JOBS:-$(nproc)}
nice=${NICE:-19}
top=$(cd "$(dirname "$0")/../.." && pwd)   # the checkout this script is in
mkdir -p "$workdir"
workdir=$(cd "$workdir" && pwd -P)   # spelt as in /proc/mounts (unmount_all)
mirror=http://deb.debian.org/debian
packages="build-essential cmake ninja-build pkg-config python3 libglib2.0-dev
	libpcap-dev wireshark-dev libwireshark-dev libwiretap-dev tshark
	util-linux lua5.2 catch2 valgrind"
# What the plugin_ tests need (plugin_bench_smoke: the last two) and
# --bench's instruction counts (valgrind), no more:
# the tool, kernel and codec tests do not depend on Wireshark's version.
targets="mbuftrace_plugin mbt_plugin_captures mbtfloor_plugin mbtfixedseed
	bench-plugin-captures"

if ! command -v debootstrap >/dev/null; then
	apt-get update && apt-get install -y --no-install-recommends debootstrap
fi

# Unmounts everything under $1, deepest first: our /proc and /dev, and what
# an interrupted debootstrap leaves (it mounts /proc itself).  A mount
# still busy (a process in the chroot not dead yet) is detached lazily.
unmount_all() {
	awk -v r="$1" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/mounts |
		sort -r | while read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done
}
# Always, even after a failure or Ctrl-C: a chroot left with /dev bound in
# it would make a later `rm -rf WORKDIR` delete the host's device nodes.
cleanup() { for s in $suites; do unmount_all "$workdir/$s"; done; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# A command in the chroot, with a clean environment: the host's variables
# (TMPDIR, LC_ALL, ...) may mean nothing there.
in_chroot() {
	env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
		chroot "$root" "$@"
}

# One suite; runs in a subshell with `set -e`.  Its output goes to the log,
# step names to fd 3 (the terminal).
run_suite() {
	suite=$1 root=$workdir/$1 log=$workdir/$1.log
	shift  # "$@": the benchmark's options
	say() { echo "[$suite] $*" >&3; echo "== $*"; }
	exec >"$log" 2>&1

	# debootstrap deletes /debootstrap when it has finished: a chroot that
	# still has it (or has no apt) was interrupted, and is made again.
	if [ -e "$root" ] && { [ -e "$root/debootstrap" ] || [ ! -x "$root/usr/bin/apt-get" ]; }; then
		say "removing the incomplete chroot $root"
		unmount_all "$root"
		rm -rf --one-file-system "$root"
	fi
	if [ ! -e "$root" ]; then
		# Debian 12's debootstrap has no script for forky: sid's serves
		# every suite after trixie.
		script=/usr/share/debootstrap/scripts/$suite
		[ -e "$script" ] || script=/usr/share/debootstrap/scripts/sid
		say "debootstrap $suite into $root (a few minutes)"
		debootstrap --variant=minbase "$suite" "$root" "$mirror" "$script"
	fi

	mount -t proc proc "$root/proc"   # unmounted by the caller or the trap
	mount --bind /dev "$root/dev"

	say "apt-get install"
	# Testing and unstable have Release files valid for a week or so; apt
	# refuses one as expired when the clock is past that (an old mirror, a
	# wrong clock): only then is the check turned off.
	if ! in_chroot apt-get update; then
		grep -q 'is expired' "$log" || return 1
		say "$suite's Release file is expired: apt-get update without the Valid-Until check"
		in_chroot apt-get -o Acquire::Check-Valid-Until=false update
	fi
	# shellcheck disable=SC2086  # word lists
	in_chroot apt-get install -y --no-install-recommends $packages
	say "$(in_chroot tshark -v | sed -n 1p)"

	# A fresh copy of the work tree each run.  `git ls-files --cached
	# --others --exclude-standard` is what git status sees: tracked files
	# with their uncommitted edits and new files not yet added, without
	# ignored ones such as build/; so this tests what is about to be
	# committed, which `git archive HEAD` would not.  A tracked file deleted
	# from the work tree is skipped (--ignore-failed-read).  safe.directory:
	# the checkout may belong to another user than root.
	say "build (JOBS=$jobs) and ctest -R plugin_"
	rm -rf --one-file-system "$root/mbuftrace"
	mkdir -p "$root/mbuftrace/src"
	git -c safe.directory="$top" -C "$top" ls-files -z --cached --others \
		--exclude-standard >"$root/mbuftrace/files"
	tar -C "$top" --null -T "$root/mbuftrace/files" --ignore-failed-read -cf - |
		tar -C "$root/mbuftrace/src" -xf -
	in_chroot cmake -S /mbuftrace/src -B /mbuftrace/build -G Ninja -DMBT_WERROR=ON
	# shellcheck disable=SC2086
	in_chroot nice -n "$nice" cmake --build /mbuftrace/build -j "$jobs" --target $targets
	# --no-tests=error: a pattern matching nothing is not a pass.
	in_chroot nice -n "$nice" ctest --test-dir /mbuftrace/build -R plugin_ \
		--no-tests=error --output-on-failure
	[ $bench = 1 ] || return 0
	if [ -n "$before" ]; then
		say "build the plugin of $before"
		mkdir -p "$root/mbuftrace/before"
		git -c safe.directory="$top" -C "$top" archive "$before" |
			tar -C "$root/mbuftrace/before" -xf -
		in_chroot cmake -S /mbuftrace/before -B /mbuftrace/before-build \
			-G Ninja
		in_chroot nice -n "$nice" cmake --build /mbuftrace/before-build \
			-j "$jobs" --target mbuftrace_plugin
		set -- --before /mbuftrace/before-build/plugin/mbuftrace.so "$@"
	fi
	say "bench_plugin.py $*"
	b=/mbuftrace/build
	rc=0
	in_chroot nice -n "$nice" python3 /mbuftrace/src/bench/plugin/bench_plugin.py \
		--plugin $b/plugin/mbuftrace.so --floor $b/bench/plugin/mbtfloor.so \
		--gen $b/bench/plugin/bench-plugin-captures "$@" \
		>"$workdir/$suite.bench" || rc=$?
	cat "$workdir/$suite.bench"
	# Exit 1 with its verdicts printed: it ran, and a target is not met;
	# that is its report, not a failure.
	[ $rc = 0 ] || { [ $rc = 1 ] && grep -q '^target ' "$workdir/$suite.bench"; }
}

exec 3>&1
failed=0 verdicts='' nl='
'
for suite in $suites; do
	start=$(date +%s)
	# `set -e` works in the subshell only if it is not tested by if, || or &&.
	set +e
	(set -e; run_suite "$suite" "$@")
	rc=$?
	set -e
	unmount_all "$workdir/$suite"   # this suite is done with /proc and /dev
	log=$workdir/$suite.log
	tshark=$(grep -m1 '^== TShark' "$log" | cut -c4-)
	summary=$(grep 'tests passed' "$log" | tail -n 1)
	what="$(( $(date +%s) - start ))s; ${tshark:-tshark not installed}; ${summary:-tests not run}"
	if [ $rc -eq 0 ]; then
		verdicts="$verdicts$nl$suite: PASS ($what)"
	else
		failed=1
		verdicts="$verdicts$nl$suite: FAIL ($what), see $log"
		tail -n 30 "$log" | sed "s/^/[$suite] /"
	fi
done
echo "$verdicts" | sed 1d
if [ $bench = 1 ]; then
	for suite in $suites; do
		[ -s "$workdir/$suite.bench" ] || continue
		echo "== $suite: bench_plugin.py"
		cat "$workdir/$suite.bench"
	done
fi
exit $failed
