#!/bin/sh
# Stress of the tracing facility, for the memory-safety run (MBT_DEBUG:
# INVARIANTS, WITNESS, KASAN).  No capture: the checks end in
# "=== RESULT 15-stress PASS" or "=== RESULT 15-stress FAIL <reasons>".
#
# Every packet is traced (kern.mbuf_trace.start_anywhere=1) while:
#  - the host (vnet 0) sends bulk TCP through router jail r (vnet 1) to
#    jail b (vnet 2): 1 MB (kenv mbt.stress_chunks: 256 KB chunks, at
#    most 20 MB; under TCG with KASAN, WITNESS and every packet traced it
#    moves at 15-60 KB/s), SHA-256 checked on both ends;
#    b's ACKs are taken by pf reply-to in r (pf_route() on every ACK);
#  - pings of 3000 bytes to b (pf route-to; r reassembles them, "set
#    reassemble yes", and pf_route() fragments them again),
#    pings to jail c (vnet 3, pf route-to), UDP to b's listener and to a
#    closed port of c (ICMP port unreachable: icmp_error(),
#    icmp_reflect()'s new trace segment);
#  - a second listener on mbuf_trace0 starts and is killed every second,
#    kern.mbuf_trace.filter and .ifaces are replaced every 100 ms, and
#    max_hops (1/1024), snaplen (0/2048) and max_record (1024/262144)
#    flip between their limits;
#  - jails b and c listen on their own mbuf_trace0; jail c is destroyed
#    (jail -r: its listener, its tap and its vnet go) while its traffic is
#    traced;
#  - then, if the kernel has it, debug.fail_point.mbuf_trace_alloc fails
#    10% of the facility's M_NOWAIT allocations during a second bulk
#    transfer (the data must still arrive intact).
# A listener L stays attached from before tracing starts until every trace
# is out, so the accounting is exact (see README-safety.md):
#  - kern.mbuf_trace.live is 0 at the end and the facility's malloc types
#    (mbuf_trace, and mbuf_tag for the trace tags) are back to their
#    baseline;
#  - discarded = 0, no_listener = 0 (L listened throughout);
#  - emitted = what L's descriptor received (one tap per record);
#  - queued + discarded >= traces (each trace is released once per
#    segment, at least once; the difference is icmp_reflect()'s new
#    segments), emitted + too_big + encode_errors <= queued (at most one
#    outcome per queued segment), and >= traces (the first segment of a
#    trace always has a hop);
#  - copies >= fail_copy, cut <= queued.
# pf, ipfw, if_bridge and if_epair are reloaded (kldunload/kldload: EBUSY
# while tracing is armed, success after) only if they are modules; in
# kernel/vm/conf/MBT_TRACE they are compiled in, which is noted.
# Every loop is bounded in count and time.  On qemu TCG with MBT_DEBUG a
# command costs about a second (fork and exec under KASAN and WITNESS):
# the scenario took about 2.5 minutes on an idle 2-core host and 5 on a
# loaded one (1 MB in 10 s and in 106 s); all timeouts: about 12.
. /scenarios/lib.sh

SAFETY_NAME=15-stress
SAFETY_FAILS=
T0=$(date +%s)
STOP=/tmp/stress.stop
rm -f $STOP

# --- baseline ---------------------------------------------------------------
# (Every command costs: a fork and exec of a static binary takes about
# a second on qemu TCG with KASAN and WITNESS.  The setup is kept short.)
sysctl kern.mbuf_trace.enable=0 kern.mbuf_trace.start_anywhere=0 \
    kern.mbuf_trace.filter="" kern.mbuf_trace.ifaces="" \
    kern.mbuf_trace.max_hops=32 kern.mbuf_trace.snaplen=128 \
    kern.mbuf_trace.max_record=65536
wait_live_zero 10
malloc_save /tmp/malloc0.json
MEM0_TRACE=$(malloc_use mbuf_trace /tmp/malloc0.json)
MEM0_TAG=$(malloc_use mbuf_tag /tmp/malloc0.json)
HAVE_FP=0
if sysctl debug.fail_point.mbuf_trace_alloc >/dev/null 2>&1; then
	HAVE_FP=1
fi

# --- topology: host -- r -- b, r -- c ---------------------------------------
ifconfig epair0 create
ifconfig epair1 create
ifconfig epair2 create
ifconfig epair0a 10.0.0.1/24 up
route add 10.1.0.0/24 10.0.0.2
route add 10.2.0.0/24 10.0.0.2
# Selection filters for the replacer, compiled while epair0a is here.
F_ICMP=$(tcpdump -ddd -i epair0a icmp)
F_GET=$(tcpdump -ddd -i epair0a 'tcp[((tcp[12]&0xf0)>>2):4] = 0x47455420')
jail -c name=r vnet persist
ifconfig epair0b vnet r
ifconfig epair1a vnet r
ifconfig epair2a vnet r
jexec r ifconfig lo0 127.0.0.1/8 up
jexec r ifconfig epair0b 10.0.0.2/24 up
jexec r ifconfig epair1a 10.1.0.1/24 up
jexec r ifconfig epair2a 10.2.0.1/24 up
jexec r sysctl net.inet.ip.forwarding=1
vnet_jail b epair1b 10.1.0.2/24
jexec b route add default 10.1.0.1
vnet_jail c epair2b 10.2.0.2/24
jexec c route add default 10.2.0.1
cat >/tmp/pf-stress.conf <<'PF'
set reassemble yes
pass all
pass in on epair0b route-to (epair1a 10.1.0.2) inet proto icmp \
    to 10.1.0.2 keep state
pass in on epair0b route-to (epair2a 10.2.0.2) inet proto icmp \
    to 10.2.0.2 keep state
pass in on epair0b reply-to (epair0b 10.0.0.1) inet proto tcp \
    to 10.1.0.2 port 5000:5099 keep state
PF
jexec r pfctl -ef /tmp/pf-stress.conf
jexec b nc -u -l 10.1.0.2 6001 >/dev/null &
# Listeners on the jails' own taps (each vnet has an mbuf_trace0 that gets
# the records whose every hop is in it); c's goes with c.
jexec b tcpdump -n -i mbuf_trace0 -w /dev/null 2>/dev/null &
jexec c tcpdump -n -i mbuf_trace0 -w /dev/null 2>/dev/null &
dd if=/dev/random of=/tmp/bulk.256k bs=64k count=4 2>/dev/null

# --- the stressors (background, each bounded by count, stop file and time) -
# Each runs in a subshell with tracing of the shell off: the serial
# console would otherwise slow everything down.
DEADLINE=$((T0 + 330))

listener_cycler()
{
	{ set +x; } 2>/dev/null
	i=0
	while [ $i -lt 200 ] && [ ! -e $STOP ]; do
		tcpdump -n -i mbuf_trace0 -w /dev/null 2>/dev/null &
		p=$!
		sleep 1
		kill -TERM $p 2>/dev/null
		wait $p 2>/dev/null
		i=$((i + 1))
		if [ $((i % 10)) = 0 ] &&
		    [ "$(date +%s)" -ge $DEADLINE ]; then
			break
		fi
	done
	echo "listener cycler: $i listeners"
}

filter_replacer()
{
	{ set +x; } 2>/dev/null
	i=0
	while [ $i -lt 2000 ] && [ ! -e $STOP ]; do
		case $((i % 6)) in
		0)	f=$F_ICMP; ifs="" ;;
		1)	f=$F_GET; ifs="epair0a,epair1b" ;;
		2)	f=""; ifs="" ;;
		3)	f=$F_ICMP; ifs="lo0,epair0b,epair2a" ;;
		4)	f=$F_GET; ifs="" ;;
		5)	f=""; ifs="nonexistent0" ;;
		esac
		sysctl -q kern.mbuf_trace.filter="$f" \
		    kern.mbuf_trace.ifaces="$ifs" >/dev/null
		sleep 0.1
		i=$((i + 1))
		if [ $((i % 50)) = 0 ] &&
		    [ "$(date +%s)" -ge $DEADLINE ]; then
			break
		fi
	done
	sysctl -q kern.mbuf_trace.filter="" kern.mbuf_trace.ifaces=""
	echo "filter replacer: $i filters"
}

knob_flipper()
{
	{ set +x; } 2>/dev/null
	i=0
	while [ $i -lt 1000 ] && [ ! -e $STOP ]; do
		if [ $((i % 2)) = 0 ]; then
			sysctl -q kern.mbuf_trace.max_hops=1 \
			    kern.mbuf_trace.snaplen=0 \
			    kern.mbuf_trace.max_record=1024 >/dev/null
		else
			sysctl -q kern.mbuf_trace.max_hops=1024 \
			    kern.mbuf_trace.snaplen=2048 \
			    kern.mbuf_trace.max_record=262144 >/dev/null
		fi
		sleep 0.2
		i=$((i + 1))
		if [ $((i % 25)) = 0 ] &&
		    [ "$(date +%s)" -ge $DEADLINE ]; then
			break
		fi
	done
	sysctl kern.mbuf_trace.max_hops=32 kern.mbuf_trace.snaplen=128 \
	    kern.mbuf_trace.max_record=65536
	echo "knob flipper: $i flips"
}

udp_stream()
{
	{ set +x; } 2>/dev/null
	# $1 datagrams, one every 0.2 s, on stdout.
	i=0
	while [ $i -lt "$1" ] && [ ! -e $STOP ]; do
		echo "mbuftrace-stress udp $i"
		sleep 0.2
		i=$((i + 1))
	done
}

udp_closed()
{
	{ set +x; } 2>/dev/null
	# One datagram per nc to c's closed port 6002: each is answered
	# by an ICMP port unreachable (until c is gone).
	i=0
	while [ $i -lt "$1" ] && [ ! -e $STOP ]; do
		echo "mbuftrace-stress closed $i" |
		    nc -u -w 1 10.2.0.2 6002 2>/dev/null
		i=$((i + 1))
	done
}

# --- tracing on, with the accounting listener L -----------------------------
listener_start /tmp/L.err || check_fail "listener L did not attach"
stats_save S0
sysctl kern.mbuf_trace.start_anywhere=1
sysctl kern.mbuf_trace.enable=1
listener_cycler >/tmp/cycler.out 2>&1 &
CYC=$!
filter_replacer >/tmp/replacer.out 2>&1 &
REP=$!
knob_flipper >/tmp/flipper.out 2>&1 &
FLIP=$!
ping -q -c 300 -i 0.2 -s 3000 10.1.0.2 >/tmp/ping-b.out 2>&1 &
PB=$!
ping -q -c 300 -i 0.2 10.2.0.2 >/tmp/ping-c.out 2>&1 &
PC=$!
udp_stream 300 | nc -u -w 1 10.1.0.2 6001 &
UB=$!
udp_closed 60 &
UC=$!

# The bulk transfer: N chunks of 256 KB, 4 (1 MB) unless the kernel
# environment says otherwise (mbt.stress_chunks, at most 80 = 20 MB).
# Under qemu TCG with KASAN, WITNESS, every packet traced and the
# stressors, TCP through r moves 15-60 KB/s: 1 MB takes 20-70 s.
N=$(kenv -q mbt.stress_chunks)
case $N in ''|*[!0-9]*) N=4 ;; esac
[ "$N" -le 80 ] || N=80
[ "$N" -ge 1 ] || N=1

# Main transfer; jail c is destroyed while it runs.
(
	sleep 8
	jexec c ifconfig -a
	jail -r c
	echo "jail c removed at $(($(date +%s) - T0))s"
) >/tmp/destroy-c.out 2>&1 &
DC=$!
if bulk_tcp main b 10.1.0.2 5002 $N $((60 + N * 30)); then
	check_ok "bulk main: $((N * 256)) KB in ${BULK_SECS}s, digests equal"
else
	check_fail "bulk main: $((N * 256)) KB, digests differ or transfer incomplete"
fi
wait_pid $DC 30 || check_fail "jail -r c did not finish in 30 s"
cat /tmp/destroy-c.out
jls 2>/dev/null

# Fault injection: 10% of the facility's M_NOWAIT allocations fail.
if [ $HAVE_FP = 1 ]; then
	stats_save F0
	sysctl debug.fail_point.mbuf_trace_alloc='10%return'
	FN=$((N / 4))
	[ $FN -ge 1 ] || FN=1
	if bulk_tcp fault b 10.1.0.2 5003 $FN 60; then
		check_ok "bulk with 10% allocation failures: $((FN * 256)) KB, digests equal"
	else
		check_fail "bulk with 10% allocation failures: digests differ or incomplete"
	fi
	ping -q -c 20 -i 0.1 -s 3000 -t 10 10.1.0.2
	sysctl debug.fail_point.mbuf_trace_alloc=off
	stats_save F1
	nf=0
	for x in fail_tag fail_copy fail_grow fail_snap fail_emit; do
		nf=$((nf + $(stats_delta F0 F1 $x)))
	done
	if [ $nf -gt 0 ]; then
		check_ok "fail point: $nf allocation failures counted"
	else
		check_fail "fail point on, but no allocation failure counted (fail_tag, fail_copy, fail_grow, fail_snap, fail_emit)"
	fi
else
	check_note "no debug.fail_point.mbuf_trace_alloc in this kernel: fault phase skipped"
fi

# --- wind down ---------------------------------------------------------------
: >$STOP
for p in $UB $UC $PB $PC; do
	wait_pid $p 20 || kill $p 2>/dev/null
done
# A stressor stops at its next round; one round can take many seconds
# here (a tcpdump start is slow).  One that does not stop hangs on a
# process that ignores its signal.
for p in $CYC $REP $FLIP; do
	wait_pid $p 90 || { check_fail "stressor $p did not stop in 90 s"; kill $p; }
done
cat /tmp/cycler.out /tmp/replacer.out /tmp/flipper.out
cat /tmp/ping-b.out /tmp/ping-c.out

# Modules: unloading one with tracepoints must fail while tracing is armed.
MODS=
for m in pf ipfw if_bridge if_epair; do
	if [ -f /boot/kernel/$m.ko ] && kldstat -q -n $m.ko; then
		MODS="$MODS $m"
		if kldunload $m 2>/dev/null; then
			check_fail "kldunload $m succeeded while tracing was armed"
			kldload $m
		else
			check_ok "kldunload $m refused while tracing is armed"
		fi
	else
		check_note "$m is not a loaded module (compiled into the kernel?): no reload"
	fi
done

sysctl kern.mbuf_trace.enable=0 kern.mbuf_trace.start_anywhere=0
jail -r b
jail -r r
for i in 0 1 2; do
	ifconfig epair${i}a destroy 2>/dev/null
done
ifconfig -l
if wait_live_zero 90; then
	check_ok "kern.mbuf_trace.live is 0"
else
	check_fail "kern.mbuf_trace.live is $(sysctl -n kern.mbuf_trace.live) after 90 s"
fi
sleep 1
stats_save S1
listener_stop /tmp/L.err
sysctl kern.mbuf_trace.stats

for m in $MODS; do
	if kldunload $m && kldload $m; then
		check_ok "kldunload/kldload $m after tracing"
	else
		check_fail "kldunload/kldload $m failed after tracing"
	fi
done

# --- accounting ----------------------------------------------------------------
for x in traces copies queued discarded emitted no_listener unheard empty \
    too_big encode_errors cut fail_tag fail_copy fail_grow fail_snap \
    fail_emit hops_lost rejected segments; do
	eval "D_$x=\$(stats_delta S0 S1 $x)"
done
{ set +x; } 2>/dev/null
echo "=== 15-stress stats: traces $D_traces copies $D_copies queued $D_queued discarded $D_discarded emitted $D_emitted no_listener $D_no_listener unheard $D_unheard empty $D_empty too_big $D_too_big encode_errors $D_encode_errors cut $D_cut fail_tag $D_fail_tag fail_copy $D_fail_copy fail_grow $D_fail_grow fail_snap $D_fail_snap fail_emit $D_fail_emit hops_lost $D_hops_lost rejected $D_rejected; listener L received ${LISTENER_RECV:-?}"
set -x
ended=$((D_queued + D_discarded))
# Outcomes of a queued segment that has hops.
outcomes=$((D_emitted + D_unheard + D_too_big + D_encode_errors))
[ "$D_traces" -gt 0 ] && check_ok "$D_traces traces started" ||
    check_fail "no trace started"
[ "$D_discarded" = 0 ] && check_ok "discarded 0" ||
    check_fail "discarded $D_discarded (traces freed unseen)"
[ "$D_no_listener" = 0 ] && [ "$D_unheard" = 0 ] &&
    check_ok "no_listener 0, unheard 0" ||
    check_fail "no_listener $D_no_listener, unheard $D_unheard while L listened"
[ "$D_emitted" = "$LISTENER_RECV" ] &&
    check_ok "emitted $D_emitted = received by L" ||
    check_fail "emitted $D_emitted but L received ${LISTENER_RECV:-?}"
[ $ended -ge "$D_traces" ] &&
    check_ok "queued+discarded $ended >= traces $D_traces (emission-point segments $((ended - D_traces)))" ||
    check_fail "queued+discarded $ended < traces $D_traces: a trace was never released"
if sysctl -n kern.mbuf_trace.stats.empty >/dev/null 2>&1; then
	# Every queued segment has exactly one fate.
	[ "$D_queued" = $((outcomes + D_empty)) ] &&
	    check_ok "queued $D_queued = emitted+unheard+empty+too_big+encode_errors" ||
	    check_fail "queued $D_queued != emitted+unheard+empty+too_big+encode_errors $((outcomes + D_empty))"
else
	[ $outcomes -le "$D_queued" ] &&
	    check_ok "emitted+too_big+encode_errors $outcomes <= queued $D_queued" ||
	    check_fail "emitted+too_big+encode_errors $outcomes > queued $D_queued: a trace ended twice"
fi
[ $outcomes -ge $((D_traces - D_discarded)) ] &&
    check_ok "segments with hops $outcomes >= traces $D_traces" ||
    check_fail "segments with hops $outcomes < traces $D_traces: records lost"
[ "$D_copies" -ge "$D_fail_copy" ] && [ "$D_cut" -le "$D_queued" ] &&
    check_ok "copies $D_copies >= fail_copy $D_fail_copy, cut $D_cut <= queued" ||
    check_fail "copies $D_copies < fail_copy $D_fail_copy or cut $D_cut > queued $D_queued"
# A kernel that counts the emission points' segments makes it exact.
if sysctl -n kern.mbuf_trace.stats.segments >/dev/null 2>&1; then
	[ $ended = $((D_traces + D_segments)) ] &&
	    check_ok "queued+discarded = traces+segments = $ended" ||
	    check_fail "queued+discarded $ended != traces $D_traces + segments $D_segments"
fi

# --- memory ------------------------------------------------------------------
sysctl kern.mbuf_trace.filter="" kern.mbuf_trace.ifaces=""
malloc_save /tmp/malloc1.json
MEM1_TRACE=$(malloc_use mbuf_trace /tmp/malloc1.json)
MEM1_TAG=$(malloc_use mbuf_tag /tmp/malloc1.json)
[ "$MEM1_TRACE" = "$MEM0_TRACE" ] &&
    check_ok "malloc type mbuf_trace back to baseline ($MEM0_TRACE)" ||
    check_fail "malloc type mbuf_trace: baseline $MEM0_TRACE, now $MEM1_TRACE (InUse MemUse)"
[ "${MEM1_TAG%% *}" = "${MEM0_TAG%% *}" ] &&
    check_ok "malloc type mbuf_tag back to baseline ($MEM0_TAG)" ||
    check_fail "malloc type mbuf_tag: baseline $MEM0_TAG, now $MEM1_TAG (InUse MemUse)"

echo "15-stress took $(($(date +%s) - T0))s"
rm -f $STOP /tmp/bulk.256k
safety_result
