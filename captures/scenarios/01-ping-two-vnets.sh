#!/bin/sh
# A ping from the host (vnet 0) to jail a (vnet 1) across epair0, and the
# reply: two VNET crossings in each record.
. /scenarios/lib.sh

ifconfig epair0 create
ifconfig epair0a 10.0.0.1/24 up
vnet_jail a epair0b 10.0.0.2/24
trace_select "icmp" "" epair0a
trace_start
ping -c 2 10.0.0.2
trace_stop 01-ping-two-vnets
