#!/bin/sh
# sendfile(2) between two VNET jails with a payload-reading selection
# filter, for the memory-safety run (MBT_DEBUG).
#
# Jail s (vnet 1) sends a 2 MB file with sendfile_send (captures/scenarios/
# src/sendfile_send.c, cross-built into the image by run.sh) to nc -l in
# jail r (vnet 2) across epair0.  With kern.ipc.mb_use_ext_pgs=1 (the
# amd64 default) sendfile(2) queues unmapped M_EXTPG mbufs, which have no
# m_data; tcp_output()'s start point runs the selection filter on a
# segment whose payload is such mbufs (epair has no IFCAP_MEXTPG, so
# ip_output() maps them only later).  The filter reads the payload:
# "tcp[((tcp[12]&0xf0)>>2):4] = 0x47455420" ("GET " at the start of the
# TCP payload).  The file starts with an HTTP request line and is random
# after it, so exactly one segment, the first, is selected: the capture
# holds its path from tcp_output() in vnet 1 to the socket buffer in
# vnet 2.  Before the fix in kern_mbuf_trace.c the filter ran
# bpf_filter() over the chain and dereferenced m_data of an M_EXTPG mbuf.
# The data is checked by SHA-256 on both ends; the checks end in
# "=== RESULT 14-sendfile-filter PASS|FAIL ..." after the capture.
. /scenarios/lib.sh

SAFETY_NAME=14-sendfile-filter
SAFETY_FAILS=
if [ ! -x /usr/bin/sendfile_send ]; then
	vm_skip "$SAFETY_NAME" "no /usr/bin/sendfile_send in the image"
	exit 0
fi
sysctl kern.ipc.mb_use_ext_pgs=1
sysctl kern.ipc.mb_use_ext_pgs
# A fixed request head longer than a snapshot's payload bytes, then
# random data (in which "GET " at a segment start is a 1 in 2^32 event).
printf '%s\r\n' 'GET /mbuftrace/sendfile HTTP/1.0' 'Host: r' \
    'User-Agent: sendfile_send (captures/scenarios/src/sendfile_send.c)' \
    'X-Note: only the first segment of this file starts with GET' '' \
    >/tmp/sf.data
dd if=/dev/random bs=64k count=32 >>/tmp/sf.data 2>/dev/null
ls -l /tmp/sf.data
tx=$(sha256 -q /tmp/sf.data)

ifconfig epair0 create
trace_select "tcp[((tcp[12]&0xf0)>>2):4] = 0x47455420" "" epair0a
jail -c name=s vnet persist
ifconfig epair0a vnet s
jexec s ifconfig epair0a 10.0.0.1/24 up
jexec s ifconfig lo0 127.0.0.1/8 up
vnet_jail r epair0b 10.0.0.2/24
jexec r nc -l 10.0.0.2 8080 | sha256 >/tmp/sf.rx &
RX=$!
sleep 2
trace_start
jexec s sendfile_send 10.0.0.2 8080 /tmp/sf.data &
SND=$!
if ! wait_pid $SND 120; then
	check_fail "sendfile_send still running after 120 s"
	kill $SND
fi
wait_pid $RX 30 || check_fail "receiver still running"
trace_stop 14-sendfile-filter
rx=$(cat /tmp/sf.rx)
sysctl kern.mbuf_trace.enable=0
jail -r s
jail -r r
wait_live_zero 30 || check_fail "kern.mbuf_trace.live not 0"
t=$(sysctl -n kern.mbuf_trace.stats.traces)

{ set +x; } 2>/dev/null
echo "=== sendfile: sha256 sent $tx received ${rx:-none}"
set -x
[ -n "$rx" ] && [ "$tx" = "$rx" ] && check_ok "SHA-256 equal on both ends" ||
    check_fail "SHA-256 differs: sent $tx received ${rx:-none}"
[ "$t" -ge 1 ] && check_ok "$t trace(s) selected by the payload filter" ||
    check_fail "the payload filter selected nothing"
safety_result
