#!/bin/sh
# TCP from the host to a listening socket in jail a (vnet 1): the data
# segment ends in the socket buffer and is freed when nc reads it.
. /scenarios/lib.sh

ifconfig epair0 create
ifconfig epair0a 10.0.0.1/24 up
vnet_jail a epair0b 10.0.0.2/24
jexec a nc -l 10.0.0.2 7777 > /dev/null &
sleep 1
trace_select "tcp port 7777" "" epair0a
trace_start
echo hello-mbuftrace | nc -N 10.0.0.2 7777
trace_stop 07-tcp-socket
