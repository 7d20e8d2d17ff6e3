#!/bin/sh
# mbuftrace-vm: qemu-nics=em-pair
# ipfw layer-2 filtering (net.link.ether.ipfw=1), for the memory-safety
# run (MBT_DEBUG).
#
# Capture: the host (vnet 0) pings jail a (vnet 1) across epair0.  Every
# frame passes ipfw_check_frame_mbuf() on the way out of vnet 0
# (ether_output_frame()) and into vnet 1 (ether_demux()); in jail a rule
# 100 counts layer-2 frames and rule 200 denies at layer 2 the echo
# requests to 10.0.0.3, so the second ping's trace ends at the link layer.
#
# Then, not in the capture: if the VM has two em(4) NICs on one qemu hub
# (the line at the top: run.sh gives this scenario
# "-netdev hubport,id=h0,hubid=0 -device e1000,netdev=h0
#  -netdev hubport,id=h1,hubid=0 -device e1000,netdev=h1", a wire inside
# qemu, no host network), em1 goes to jail e and ipfw's link hook is
# linked to em0's iflib pfil head (pfilctl), so that iflib_rxd_pkt_get()
# runs ipfw_check_frame_mem() on the receive buffer before any mbuf
# exists.  ipfw_chk() then has args->mem, not args->m (a union): before
# the fix in kernel/patches/0011-ipfw.patch its tracepoint read that
# buffer as an mbuf.  That phase traces with start_anywhere=1 (every
# mbuf is a candidate) and a listener, pings and sends TCP over em0, and
# denies the replies of 10.3.0.3 in ipfw_check_frame_mem().  Its checks
# end in "=== RESULT 13-ipfw-layer2 PASS|FAIL ...".
. /scenarios/lib.sh

SAFETY_NAME=13-ipfw-layer2
SAFETY_FAILS=
ifconfig epair0 create
ifconfig epair0a 10.0.0.1/24 up
vnet_jail a epair0b 10.0.0.2/24
jexec a ifconfig epair0b inet 10.0.0.3/32 alias
sysctl net.link.ether.ipfw=1
ipfw -q add 100 count ip from any to any layer2 out xmit epair0a
jexec a sysctl net.link.ether.ipfw=1
jexec a ipfw -q add 100 count ip from any to any layer2 in recv epair0b
jexec a ipfw -q add 200 deny icmp from any to 10.0.0.3 layer2 icmptypes 8
jexec a ipfw -q add 300 allow ip from any to any layer2
jexec a ipfw -q add 65000 allow ip from any to any
jexec a ipfw -a list
trace_select "icmp" "" epair0a
trace_start
ping -c 1 10.0.0.2
ping -c 1 -t 2 10.0.0.3
trace_stop 13-ipfw-layer2
ipfw -a list
jexec a ipfw -a list
sysctl kern.mbuf_trace.enable=0
wait_live_zero 30 || check_fail "epair phase: kern.mbuf_trace.live not 0"

# em(4) phase: ipfw_check_frame_mem().
if ! ifconfig em0 >/dev/null 2>&1 || ! ifconfig em1 >/dev/null 2>&1; then
	check_note "no em0/em1 (qemu without the em pair): ipfw_check_frame_mem() not exercised"
	safety_result
	exit 0
fi
ifconfig em0 10.3.0.1/24 up
jail -c name=e vnet persist
ifconfig em1 vnet e
jexec e ifconfig em1 10.3.0.2/24 up
jexec e ifconfig em1 inet 10.3.0.3/32 alias
jexec e ifconfig lo0 127.0.0.1/8 up
if ! pfilctl link -i ipfw:default-link em0; then
	check_fail "pfilctl link -i ipfw:default-link em0 failed"
fi
pfilctl heads
pfilctl hooks
ipfw -q add 110 count ip from any to any layer2 in recv em0
ipfw -q add 210 deny icmp from 10.3.0.3 to any layer2 in recv em0
ipfw -q add 310 allow ip from any to any layer2
ipfw -a list
sysctl kern.mbuf_trace.filter="" kern.mbuf_trace.ifaces=""
sysctl kern.mbuf_trace.start_anywhere=1
listener_start /tmp/listener.err || check_fail "listener did not attach"
stats_save S0
sysctl kern.mbuf_trace.enable=1
# Wait for link up (em(4) under qemu: about a second).
i=0
while [ $i -lt 10 ] && ! ping -c 1 -t 1 10.3.0.2 >/dev/null; do
	i=$((i + 1))
done
ping -c 5 -i 0.2 10.3.0.2 >/tmp/ping-em.out
ok_replies=$(awk '/packets received/ { print $4 }' /tmp/ping-em.out)
cat /tmp/ping-em.out
ping -c 3 -i 0.2 -t 3 10.3.0.3 >/tmp/ping-em-deny.out
deny_replies=$(awk '/packets received/ { print $4 }' /tmp/ping-em-deny.out)
cat /tmp/ping-em-deny.out
if bulk_tcp em e 10.3.0.2 5001 4 90; then
	check_ok "1 MB over em0/em1: digests equal"
else
	check_fail "1 MB over em0/em1: digests differ"
fi
sysctl kern.mbuf_trace.enable=0 kern.mbuf_trace.start_anywhere=0
jail -r e
# iflib keeps transmitted mbufs in the TX ring until it reclaims the
# descriptors, which needs more traffic: those traced packets still exist.
# Taking the NICs down frees the rings.
sysctl kern.mbuf_trace.live
ifconfig em0 down
ifconfig em1 down || sleep 2
ifconfig em1 down
wait_live_zero 60 || check_fail "em phase: kern.mbuf_trace.live not 0"
stats_save S1
listener_stop /tmp/listener.err
ipfw -a list
sysctl kern.mbuf_trace.stats
pfilctl unlink -i ipfw:default-link em0

[ "$ok_replies" = 5 ] && check_ok "5 of 5 echo replies from 10.3.0.2" ||
    check_fail "echo replies from 10.3.0.2: ${ok_replies:-none} of 5"
[ "$deny_replies" = 0 ] && check_ok "replies of 10.3.0.3 denied at layer 2" ||
    check_fail "replies of 10.3.0.3: ${deny_replies:-none} of 3 came through (rule 210)"
n=$(ipfw show 210 | awk '$1 == "00210" { print $2 }')
[ "${n:-0}" -ge 3 ] && check_ok "rule 210 denied $n frames" ||
    check_fail "rule 210 counted ${n:-0} frames, expected >= 3"
e=$(stats_delta S0 S1 emitted)
t=$(stats_delta S0 S1 traces)
[ "$t" -gt 0 ] && check_ok "$t traces, $e records" ||
    check_fail "nothing traced in the em phase"
[ "$e" = "$LISTENER_RECV" ] && check_ok "listener received all $e records" ||
    check_fail "emitted $e, listener received ${LISTENER_RECV:-?}"
safety_result
