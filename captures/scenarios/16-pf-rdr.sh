#!/bin/sh
# pf rdr in router jail r (vnet 1): the host's TCP connection to r's
# 10.0.0.2:8080 is redirected to jail s (vnet 2) at 10.1.0.2:7777; the
# replies are translated back by the state the redirect created.
. /scenarios/lib.sh

ifconfig epair0 create
ifconfig epair1 create
ifconfig epair0a 10.0.0.1/24 up
jail -c name=r vnet persist
ifconfig epair0b vnet r
ifconfig epair1a vnet r
jexec r ifconfig epair0b 10.0.0.2/24 up
jexec r ifconfig epair1a 10.1.0.1/24 up
jexec r sysctl net.inet.ip.forwarding=1
vnet_jail s epair1b 10.1.0.2/24
jexec s route add default 10.1.0.1
jexec r sh -c 'printf "rdr on epair0b inet proto tcp from any to 10.0.0.2 port 8080 -> 10.1.0.2 port 7777\npass all\n" | pfctl -ef -'
jexec s nc -l 10.1.0.2 7777 > /dev/null &
sleep 1
trace_select "tcp port 8080 or tcp port 7777" "" epair0a
trace_start
echo hello-rdr | nc -N 10.0.0.2 8080
jexec r pfctl -ss -vv
trace_stop 16-pf-rdr
