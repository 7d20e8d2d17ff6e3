#!/bin/sh
# pf NAT in router jail r (vnet 1): the host's ping to jail s (vnet 2) is
# translated to r's address on epair1a.
. /scenarios/lib.sh

ifconfig epair0 create
ifconfig epair1 create
ifconfig epair0a 10.0.0.1/24 up
route add 10.1.0.0/24 10.0.0.2
jail -c name=r vnet persist
ifconfig epair0b vnet r
ifconfig epair1a vnet r
jexec r ifconfig epair0b 10.0.0.2/24 up
jexec r ifconfig epair1a 10.1.0.1/24 up
jexec r sysctl net.inet.ip.forwarding=1
vnet_jail s epair1b 10.1.0.2/24
jexec r sh -c 'printf "nat on epair1a inet from 10.0.0.0/24 to any -> 10.1.0.1\npass all\n" | pfctl -ef -'
trace_select "icmp" "" epair0a
trace_start
ping -c 1 10.1.0.2
trace_stop 06-pf-nat
