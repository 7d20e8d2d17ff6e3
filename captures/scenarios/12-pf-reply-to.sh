#!/bin/sh
# pf reply-to in router jail r (vnet 1), for the memory-safety run
# (MBT_DEBUG).  The rule applies to the replies of a state, so pf_route()
# runs on the reply path, in pf_test() for the way out:
#  - "pass in on epair0b reply-to (epair0b 10.0.0.1) inet proto icmp keep
#    state": the host pings jail m (vnet 2); m's echo reply, forwarded by
#    r, is taken by pf_route() on its way out of epair0b.  The second
#    ping is 4000 bytes: r reassembles the request ("set reassemble
#    yes": pf makes no state for a fragment), m's link is 9000 bytes, so
#    the reply arrives whole and pf_route() fragments it for epair0b's
#    1500 bytes.
#  - "pass in on epair1a reply-to (epair1a 10.1.0.2) ... to 10.1.0.1":
#    m pings r itself; r's own reply (icmp_reflect(), ip_output()) is
#    routed by pf_route() out of epair1a.
# Before the fix in kernel/patches/0010-pf.patch, pf_route() recorded its
# hop on a packet that if_output() or m_freem() already owned.
. /scenarios/lib.sh

ifconfig epair0 create
ifconfig epair1 create
ifconfig epair0a 10.0.0.1/24 up
route add 10.1.0.0/24 10.0.0.2
jail -c name=r vnet persist
ifconfig epair0b vnet r
ifconfig epair1a vnet r
jexec r ifconfig epair0b 10.0.0.2/24 up
jexec r ifconfig epair1a 10.1.0.1/24 mtu 9000 up
jexec r sysctl net.inet.ip.forwarding=1
jail -c name=m vnet persist
ifconfig epair1b vnet m
jexec m ifconfig epair1b 10.1.0.2/24 mtu 9000 up
jexec m ifconfig lo0 127.0.0.1/8 up
jexec m route add default 10.1.0.1
cat >/tmp/pf-r.conf <<'PF'
set reassemble yes
pass in on epair0b reply-to (epair0b 10.0.0.1) inet proto icmp keep state
pass in on epair1a reply-to (epair1a 10.1.0.2) inet proto icmp \
    from 10.1.0.2 to 10.1.0.1 keep state
PF
jexec r pfctl -ef /tmp/pf-r.conf
jexec r pfctl -sr -vv
trace_select "icmp" "" epair0a
trace_start
ping -c 1 -t 3 10.1.0.2
ping -c 1 -t 3 -s 4000 10.1.0.2
jexec m ping -c 1 -t 3 10.1.0.1
trace_stop 12-pf-reply-to
jexec r pfctl -ss -v
sysctl kern.mbuf_trace.live
