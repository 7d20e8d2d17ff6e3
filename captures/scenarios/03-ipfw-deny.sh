#!/bin/sh
# ipfw in jail a (vnet 1) denies ICMP at rule 100: the trace ends there.
. /scenarios/lib.sh

kldstat 2>/dev/null
ifconfig epair0 create
ifconfig epair0a 10.0.0.1/24 up
vnet_jail a epair0b 10.0.0.2/24
jexec a ipfw -q add 100 deny icmp from any to any
jexec a ipfw -q add 65000 allow ip from any to any
jexec a ipfw list
trace_select "icmp" "" epair0a
trace_start
ping -c 1 -t 2 10.0.0.2
trace_stop 03-ipfw-deny
