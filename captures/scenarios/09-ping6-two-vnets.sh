#!/bin/sh
# IPv6: the host (vnet 0) pings jail a (vnet 1) across epair0; the
# neighbour solicitation and advertisement that come first are ICMPv6 too.
. /scenarios/lib.sh

sysctl net.inet6.ip6.dad_count=0
ifconfig epair0 create
ifconfig epair0a inet6 fd00::1/64 -ifdisabled up
jail -c name=a vnet persist
ifconfig epair0b vnet a
jexec a sysctl net.inet6.ip6.dad_count=0
jexec a ifconfig epair0b inet6 fd00::2/64 -ifdisabled up
sleep 1
trace_select "icmp6" "" epair0a
trace_start
ping -6 -c 1 fd00::2
trace_stop 09-ping6-two-vnets
