#!/bin/sh
# Every Debian 12 package mbuftrace needs to build and test.  Run as root.
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
	build-essential cmake ninja-build pkg-config python3 \
	clang libclang-rt-14-dev \
	catch2 \
	libglib2.0-dev libpcap-dev \
	wireshark-dev libwireshark-dev libwiretap-dev tshark \
	graphviz libgraphviz-dev \
	mandoc lua5.2 util-linux
