#!/bin/bash
# One command for a newcomer on Debian 12: install the build dependencies,
# build everything, install the Wireshark plugin and the manual pages, and
# show the packet path of a sample capture.
set -euo pipefail
cd "$(dirname "$0")"
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
$SUDO sh .ci/install-deps.sh
# Root's tshark and Wireshark ignore personal plugins: as root the plugin
# goes to the system folder (pkg-config's plugindir), otherwise to
# ~/.local/lib/wireshark/plugins/<ver>/epan.
plugin_opts=()
if [ "$(id -u)" = 0 ]; then
	if sysdir=$(pkg-config --variable=plugindir wireshark 2>/dev/null) &&
	    [ -n "$sysdir" ]; then
		plugin_opts=(-DMBT_PLUGIN_DIR="$sysdir/epan")
	else
		echo "setup.sh: pkg-config knows no Wireshark plugin folder" \
		    "(wireshark-dev missing?): the plugin goes to root's" \
		    "personal folder, which root's tshark does not load;" \
		    "run Wireshark as a user, or copy build/plugin/mbuftrace.so" \
		    "to <plugindir>/epan" >&2
	fi
fi
cmake -S . -B build -G Ninja "${plugin_opts[@]}"
cmake --build build
cmake --install build --component plugin
# man mbuftrace, man mbuf_trace: /usr/local/share/man is in man's path.
mandir=${MBT_MANDIR:-/usr/local/share/man}
$SUDO install -D -m 644 tool/mbuftrace.8 "$mandir/man8/mbuftrace.8"
$SUDO install -D -m 644 kernel/share/man/man9/mbuf_trace.9 \
    "$mandir/man9/mbuf_trace.9"
echo "setup.sh: manual pages in $mandir: man mbuftrace, man mbuf_trace" >&2
# The pf dup-to bug of 2015, recorded on a real FreeBSD 15.1 kernel.
build/tool/mbuftrace show captures/02-pf-dup-to-reverted.pcapng
