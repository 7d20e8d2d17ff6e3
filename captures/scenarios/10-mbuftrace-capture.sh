#!/bin/sh
# The ping of 01, recorded by `mbuftrace capture` itself instead of tcpdump:
# it hands the filter to the kernel's selection, writes v1 pcapng with the
# kernel's metadata (ident, version, tracepoint catalogue) and the drop
# counts, and `mbuftrace show` reads the file back on the FreeBSD side.
. /scenarios/lib.sh

ifconfig epair0 create
ifconfig epair0a 10.0.0.1/24 up
vnet_jail a epair0b 10.0.0.2/24
sysctl kern.mbuf_trace.ifaces=""
sysctl kern.mbuf_trace.enable=1
ifconfig mbuf_trace0 up
mbuftrace capture -i mbuf_trace0 -w /tmp/trace.pcapng -c 4 icmp &
CAP=$!
sleep 2
sysctl kern.mbuf_trace.filter
ping -c 2 10.0.0.2
wait $CAP
echo "capture exit $?"
sysctl kern.mbuf_trace.filter
mbuftrace show --color=never /tmp/trace.pcapng
echo "=== BEGIN mbuftrace capture 10-mbuftrace-capture"
bintrans b64encode -r /tmp/trace.pcapng /dev/stdout
echo "=== END mbuftrace capture 10-mbuftrace-capture"
