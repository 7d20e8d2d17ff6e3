#!/bin/sh
# A TCP connection through pf NAT with keep state in router jail r
# (vnet 1): the host (10.0.0.1) talks to jail s (vnet 2) at 10.1.0.2:7777
# and leaves r as 10.1.0.1.  The SYN creates the state; every later
# segment, both ways, matches it and is translated by it.
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
jexec r sh -c 'printf "nat on epair1a inet from 10.0.0.0/24 to any -> 10.1.0.1\npass in on epair0b inet proto tcp from 10.0.0.0/24 to any port 7777 keep state\npass out on epair1a keep state\n" | pfctl -ef -'
jexec s nc -l 10.1.0.2 7777 > /dev/null &
sleep 1
trace_select "tcp port 7777" "" epair0a
trace_start
echo hello-nat | nc -N 10.1.0.2 7777
jexec r pfctl -ss -vv
trace_stop 17-pf-nat-tcp
