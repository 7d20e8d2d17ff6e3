#!/bin/sh
# pf dup-to in a router jail r (vnet 1): pings from the host enter r on
# epair0b, and a copy of each goes to a monitor jail m through epair1a.
# On 15.1 as shipped the copy is routed once.  With
# kernel/patches/repro/0001-pf-dup-to-route-again.patch the copy runs
# pf_test() on epair1a, finds the state and is routed again, as reported
# on freebsd-pf in November 2015.
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
vnet_jail m epair1b 10.1.0.2/24
jexec r sh -c 'echo "pass in on epair0b dup-to (epair1a 10.1.0.2) inet proto icmp keep state" | pfctl -ef -'
jexec r pfctl -sr -vv
trace_select "icmp" "" epair0a
trace_start
ping -c 1 10.0.0.2
trace_stop 02-pf-dup-to
