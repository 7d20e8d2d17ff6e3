#!/bin/sh
# Netgraph: two ng_eiface nodes joined hook to hook; the host pings jail a
# (vnet 1) across them, so the packet travels through netgraph.
. /scenarios/lib.sh

ngctl mkpeer eiface ether ether
ngctl mkpeer ngeth0: eiface ether ether
ngctl list
ifconfig ngeth0 inet 10.2.0.1/24 up
jail -c name=a vnet persist
ifconfig ngeth1 vnet a
jexec a ifconfig ngeth1 inet 10.2.0.2/24 up
trace_select "icmp" "" ngeth0
trace_start
ping -c 1 10.2.0.2
trace_stop 05-netgraph
