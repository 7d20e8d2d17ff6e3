#!/bin/sh
# pf route-to in router jail r (vnet 1), for the memory-safety run
# (MBT_DEBUG: INVARIANTS, WITNESS, KASAN).  Pings from the host enter r on
# epair0b; "pass in on epair0b route-to (epair1a 10.1.0.2) ... keep state"
# makes pf_route() take each request and hand it to epair1a's if_output()
# itself, past ip_forward(), towards jail m (vnet 2).  Three ways out of
# pf_route(): a small echo request (one if_output()); a 4000-byte one over
# the 9000-byte link, which pf_route() fragments for epair1a's 1500 bytes
# (if_output() per fragment); and the same with DF, which pf_route()
# answers with icmp_error(NEEDFRAG) and frees.  m's echo replies are
# forwarded by r as usual: on their way out of epair0b they match the
# state, whose route-to only acts in the rule's direction (in).  Each ping
# is bounded by -t 3.  Before the fix in kernel/patches/0010-pf.patch,
# pf_route() recorded its hop on a packet that if_output() or m_freem()
# already owned (use after free; KASAN).
. /scenarios/lib.sh

ifconfig epair0 create
ifconfig epair1 create
ifconfig epair0a 10.0.0.1/24 mtu 9000 up
route add 10.1.0.0/24 10.0.0.2
jail -c name=r vnet persist
ifconfig epair0b vnet r
ifconfig epair1a vnet r
jexec r ifconfig epair0b 10.0.0.2/24 mtu 9000 up
jexec r ifconfig epair1a 10.1.0.1/24 up
jexec r sysctl net.inet.ip.forwarding=1
vnet_jail m epair1b 10.1.0.2/24
jexec m route add default 10.1.0.1
jexec r sh -c 'echo "pass in on epair0b route-to (epair1a 10.1.0.2) inet proto icmp keep state" | pfctl -ef -'
jexec r pfctl -sr -vv
trace_select "icmp" "" epair0a
trace_start
ping -c 1 -t 3 10.1.0.2
ping -c 1 -t 3 -s 4000 10.1.0.2
ping -c 1 -t 3 -D -s 4000 10.1.0.2
trace_stop 11-pf-route-to
jexec r pfctl -ss -v
sysctl kern.mbuf_trace.live
