#!/bin/sh
# A bridge in jail br (vnet 1) forwards between epair0b and epair1a; the
# ping goes from the host through br to jail c (vnet 2).
. /scenarios/lib.sh

ifconfig epair0 create
ifconfig epair1 create
ifconfig epair0a 10.0.0.1/24 up
jail -c name=br vnet persist
ifconfig epair0b vnet br
ifconfig epair1a vnet br
jexec br ifconfig bridge0 create
jexec br ifconfig bridge0 addm epair0b addm epair1a up
jexec br ifconfig epair0b up
jexec br ifconfig epair1a up
vnet_jail c epair1b 10.0.0.3/24
trace_select "icmp" "" epair0a
trace_start
ping -c 1 10.0.0.3
trace_stop 04-bridge
