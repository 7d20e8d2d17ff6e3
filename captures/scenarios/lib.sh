# Shared by the scenarios: run by /etc/rc on a FreeBSD 15.1 kernel built
# with "options MBUF_TRACE" (see kernel/README.md and captures/README.md).
# The capture is printed base64-encoded between markers on the console,
# so that the host can take it from the serial log.

set -x

# Tracing on, and what to trace: packets matching $1 (a tcpdump filter,
# compiled for Ethernet on interface $3; "" = every packet) at the start
# points of the interfaces in $2 ("" = all).
trace_select()
{
	if [ -n "$1" ]; then
		sysctl kern.mbuf_trace.filter="$(tcpdump -ddd -i "$3" "$1")"
	else
		sysctl kern.mbuf_trace.filter=""
	fi
	sysctl kern.mbuf_trace.ifaces="$2"
	sysctl kern.mbuf_trace.enable=1
}

trace_start()
{
	ifconfig mbuf_trace0 up 2>/dev/null
	tcpdump -n -U -i mbuf_trace0 -w /tmp/trace.pcap &
	TCPDUMP=$!
	sleep 1
}

trace_stop()
{
	sleep 1
	kill -INT $TCPDUMP
	wait $TCPDUMP
	sysctl kern.mbuf_trace.stats
	echo "=== BEGIN mbuftrace capture $1"
	bintrans b64encode -r /tmp/trace.pcap /dev/stdout
	echo "=== END mbuftrace capture $1"
}

# vnet jail $1 with the far end $2 of a new epair ($2 ends in b) at $3.
vnet_jail()
{
	jail -c name="$1" vnet persist
	ifconfig "$2" vnet "$1"
	jexec "$1" ifconfig "$2" "$3" up
	jexec "$1" ifconfig lo0 127.0.0.1/8 up
}
