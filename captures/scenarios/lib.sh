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
	# Which jail each vnet id is, for the capture's metadata.
	sysctl -n kern.mbuf_trace.vnets 2>/dev/null | while read -r id name; do
		[ -n "$name" ] && echo "=== mbuftrace-vm vnet-name $id $name"
	done
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

# ---------------------------------------------------------------------------
# For the kernel-safety scenarios (11-19, captures/scenarios/README-safety.md).
# Marker lines are printed with tracing of the shell off, so that the
# console holds each once, at the start of a line.

# "=== mbuftrace-vm skip NAME: reason" (run.sh reports NAME as skipped).
vm_skip()
{
	{ set +x; } 2>/dev/null
	echo "=== mbuftrace-vm skip $1: $2"
	set -x
}

# Records a failed check of scenario $SAFETY_NAME: "=== CHECK NAME FAIL: why".
check_fail()
{
	{ set +x; } 2>/dev/null
	SAFETY_FAILS="${SAFETY_FAILS:+$SAFETY_FAILS; }$*"
	echo "=== CHECK $SAFETY_NAME FAIL: $*"
	set -x
}

check_ok()
{
	{ set +x; } 2>/dev/null
	echo "=== CHECK $SAFETY_NAME ok: $*"
	set -x
}

check_note()
{
	{ set +x; } 2>/dev/null
	echo "=== CHECK $SAFETY_NAME note: $*"
	set -x
}

# The last line of a scenario judged by its checks:
# "=== RESULT NAME PASS" or "=== RESULT NAME FAIL <reasons>".
safety_result()
{
	{ set +x; } 2>/dev/null
	if [ -z "$SAFETY_FAILS" ]; then
		echo "=== RESULT $SAFETY_NAME PASS"
	else
		echo "=== RESULT $SAFETY_NAME FAIL $SAFETY_FAILS"
	fi
	set -x
}

# Waits at most $2 seconds for process $1 (a child) to exit; 1 if it
# still runs.
wait_pid()
{
	_wp_i=0
	while kill -0 "$1" 2>/dev/null; do
		if [ "$_wp_i" -ge "$2" ]; then
			return 1
		fi
		sleep 1
		_wp_i=$((_wp_i + 1))
	done
	wait "$1" 2>/dev/null
	return 0
}

# Waits at most $1 seconds for kern.mbuf_trace.live to be 0; prints it.
wait_live_zero()
{
	_wl_i=0
	while :; do
		_wl_v=$(sysctl -n kern.mbuf_trace.live)
		if [ "$_wl_v" = 0 ]; then
			echo "live 0 after ${_wl_i}s"
			return 0
		fi
		if [ "$_wl_i" -ge "$1" ]; then
			echo "live still $_wl_v after ${_wl_i}s"
			return 1
		fi
		sleep 1
		_wl_i=$((_wl_i + 1))
	done
}

# Saves every kern.mbuf_trace.stats.X as shell variable ${1}_X.
stats_save()
{
	eval "$(sysctl kern.mbuf_trace.stats | awk -v p="$1" '
	    /^kern\.mbuf_trace\.stats\.[a-z_]+: [0-9]+$/ {
		n = $1; sub(/^kern\.mbuf_trace\.stats\./, "", n);
		sub(/:$/, "", n); printf "%s_%s=%s\n", p, n, $2 }')"
}

# Difference of statistic $3 between saves $1 and $2.
stats_delta()
{
	eval "echo \$(( \${${2}_$3:-0} - \${${1}_$3:-0} ))"
}

# vmstat -m in JSON, saved in $1: its text humanizes the counts, its
# JSON does not.
malloc_save()
{
	vmstat --libxo json -m >"$1" 2>/dev/null
}

# "InUse MemUse" of malloc type $1 in the JSON saved in $2; "0 0" when
# vmstat does not list it (it lists a type once it has been used).
malloc_use()
{
	tr '{}' '\n\n' <"$2" |
	    awk -v t="\"type\":\"$1\"" 'index($0, t) {
		u = $0; sub(/.*"in-use":/, "", u); sub(/[^0-9].*/, "", u)
		m = $0; sub(/.*"memory-use":/, "", m); sub(/[^0-9].*/, "", m)
		print u, m; f = 1 }
	    END { if (!f) print "0 0" }'
}

# A listener on mbuf_trace0 writing nowhere, its stderr in $1; waits (at
# most 30 s) until it is attached.  Sets LISTENER.
listener_start()
{
	ifconfig mbuf_trace0 up 2>/dev/null
	rm -f "$1"
	tcpdump -n -i mbuf_trace0 -w /dev/null 2>"$1" &
	LISTENER=$!
	_ls_i=0
	while ! grep -q 'listening on' "$1" 2>/dev/null; do
		if [ "$_ls_i" -ge 60 ]; then
			echo "listener $LISTENER not attached after 30s"
			return 1
		fi
		sleep 0.5
		_ls_i=$((_ls_i + 1))
	done
	return 0
}

# Stops the listener of listener_start (stderr in $1); sets
# LISTENER_RECV to what its descriptor received ("received by filter").
listener_stop()
{
	kill -INT "$LISTENER" 2>/dev/null
	wait_pid "$LISTENER" 30 || kill -KILL "$LISTENER" 2>/dev/null
	cat "$1"
	LISTENER_RECV=$(awk '{ for (i = 1; i + 3 <= NF; i++)
	    if ($(i + 2) == "received" && $(i + 3) == "by") print $i }' "$1" |
	    tail -1)
}

# $1 chunks of 256 KB: $1 copies of /tmp/bulk.256k (made by bulk_tcp) on
# stdout.  Run it in a subshell (a pipeline): it turns tracing of the
# shell off.
bulk_gen()
{
	{ set +x; } 2>/dev/null
	_bg_i=0
	while [ "$_bg_i" -lt "$1" ]; do
		cat /tmp/bulk.256k
		_bg_i=$((_bg_i + 1))
	done
}

# bulk_tcp TAG JAIL ADDR PORT N SECS: nc in the current vnet sends N
# chunks of 256 KB (random, the same each time) to "nc -l ADDR PORT" in
# jail JAIL; the sender may take SECS seconds.  Prints both SHA-256
# digests and the time (BULK_SECS); 0 if the digests are equal.
bulk_tcp()
{
	[ -s /tmp/bulk.256k ] ||
	    dd if=/dev/random of=/tmp/bulk.256k bs=64k count=4 2>/dev/null
	rm -f "/tmp/$1.rx"
	jexec "$2" nc -l "$3" "$4" | sha256 >"/tmp/$1.rx" &
	_bt_rx=$!
	_bt_tx=$(bulk_gen "$5" | sha256)
	sleep 2
	_bt_t0=$(date +%s)
	bulk_gen "$5" | nc -N "$3" "$4" &
	_bt_snd=$!
	if ! wait_pid "$_bt_snd" "$6"; then
		echo "bulk $1: sender still running after $6 s: killed"
		kill "$_bt_snd" 2>/dev/null
		wait_pid "$_bt_snd" 10
	fi
	wait_pid "$_bt_rx" 30 || echo "bulk $1: receiver still running"
	BULK_SECS=$(($(date +%s) - _bt_t0))
	_bt_rxs=$(cat "/tmp/$1.rx" 2>/dev/null)
	{ set +x; } 2>/dev/null
	echo "=== bulk $1: $(($5 * 256)) KB in ${BULK_SECS}s, sha256 sent $_bt_tx received ${_bt_rxs:-none}"
	set -x
	[ -n "$_bt_rxs" ] && [ "$_bt_tx" = "$_bt_rxs" ]
}
