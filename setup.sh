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
# The plugin goes to ~/.local/lib/wireshark/plugins/<ver>/epan.
cmake --install build --component plugin
# The pf dup-to bug of 2015, recorded on a real FreeBSD 15.1 kernel.
build/tool/mbuftrace show captures/02-pf-dup-to-reverted.pcapng
