#!/bin/sh
# UDP inside jail a (vnet 1) over its own loopback: a datagram sent from a
# socket, looped by lo0 and delivered to the listening socket; then one to
# a port nobody listens on, answered by an ICMP port unreachable.
. /scenarios/lib.sh

jail -c name=a vnet persist
jexec a ifconfig lo0 127.0.0.1/8 up
jexec a nc -u -l 127.0.0.1 9999 > /dev/null &
sleep 1
# Every packet: the socket send start point sees the payload only, which a
# filter on IP headers could not match.  Nothing else runs in the system.
trace_select "" "" lo0
trace_start
echo hello-mbuftrace | jexec a nc -u -w 1 127.0.0.1 9999
echo nobody-listens | jexec a nc -u -w 1 127.0.0.1 9998
trace_stop 08-udp-loopback
