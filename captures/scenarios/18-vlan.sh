#!/bin/sh
# 802.1Q over epair0: vlan10 and vlan20 on the host (vnet 0) and in jail v
# (vnet 1).  The ping to 10.10.0.2 is encapsulated in vlan_transmit() (the
# hop's snapshot is the frame with its 802.1Q header) and decapsulated in
# the jail's vlan_input() (the frame without it); so is the reply.  A
# second ping goes to vlan 20, which is down in the jail, and dies in
# vlan_input().  A third goes with the tag out of band (vlanhwtag, which
# epair keeps in the mbuf), so no snapshot has an 802.1Q header.
. /scenarios/lib.sh

ifconfig epair0 create
ifconfig epair0a -vlanhwtag up
jail -c name=v vnet persist
ifconfig epair0b vnet v
jexec v ifconfig epair0b up
jexec v ifconfig lo0 127.0.0.1/8 up
ifconfig vlan10 create vlan 10 vlandev epair0a
ifconfig vlan10 inet 10.10.0.1/24 up
ifconfig vlan20 create vlan 20 vlandev epair0a
ifconfig vlan20 inet 10.20.0.1/24 up
jexec v ifconfig vlan10 create vlan 10 vlandev epair0b
jexec v ifconfig vlan10 inet 10.10.0.2/24 up
jexec v ifconfig vlan20 create vlan 20 vlandev epair0b
jexec v ifconfig vlan20 inet 10.20.0.2/24 up
# Resolve 10.20.0.2 before tracing, then take the jail's vlan20 down.
ping -c 1 10.20.0.2
jexec v ifconfig vlan20 down
trace_select "icmp" "" epair0a
trace_start
ping -c 1 10.10.0.2
ping -c 1 -t 2 10.20.0.2
ifconfig epair0a vlanhwtag
ping -c 1 10.10.0.2
trace_stop 18-vlan
