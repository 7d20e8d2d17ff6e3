#!/bin/sh
# A screenshot of Wireshark (Qt) with the plugin under Xvfb, run as uid
# 65534 (Wireshark ignores personal plugins as root), as a PNG.  Xvfb's
# -fbdir frame buffer (an XWD image) is converted by xwd2png.py, so no
# ImageMagick or xwd is needed.
#
# usage: sh plugin/doc/screenshot.sh PLUGIN.so CAPTURE OUT.png SECONDS X,Y,W,H [wireshark args...]
#        sh plugin/doc/screenshot.sh --flow|--stats PLUGIN.so CAPTURE OUT.png [wireshark args...]
#   e.g. sh plugin/doc/screenshot.sh build/plugin/mbuftrace.so \
#        captures/02-pf-dup-to-reverted.pcapng plugin/doc/packet-list-verdicts.png 70 0,0,1400,470 -g 5
#   --flow: Statistics > Flow Graph, flow type "mbuftrace Packet Path",
#   "Limit to display filter" ticked (so -Y 'FILTER' picks the packets);
#   --stats: Statistics > mbuftrace Packet Path statistics (the stats
#   tree).  Both drive the menus with xdotool and crop to the dialog.
#   DISPLAY_NUM (default 57): the Xvfb display to use.  SETTLE (default 10):
#   seconds to wait for a dialog to draw after each step.  The committed
#   PNGs were then made smaller with ImageMagick:
#   convert OUT.png -strip -colors 64 +dither OUT.png
set -eu
mode=list
case ${1-} in --flow) mode=flow; shift ;; --stats) mode=stats; shift ;; esac
usage() { sed -n '7,18s/^# \{0,1\}//p' "$0" >&2; exit 2; }
if [ $mode = list ]; then
	[ $# -ge 5 ] || usage
	plugin=$1 cap=$2 out=$3 secs=$4 crop=$5; shift 5
	screen=1400x900
else
	[ $# -ge 3 ] || usage
	command -v xdotool >/dev/null || { echo "$0: --$mode needs xdotool" >&2; exit 2; }
	plugin=$1 cap=$2 out=$3; shift 3
	# The flow graph spaces its columns ~255 pixels apart: 8 of them and
	# the time and comment columns take 2400 pixels.
	screen=2400x1100
fi
here=$(cd "$(dirname "$0")" && pwd)
disp=${DISPLAY_NUM:-57}
settle=${SETTLE:-10}
ver=$(tshark -v | sed -n 's/^TShark (Wireshark) \([0-9]*\.[0-9]*\).*/\1/p')
sb=$(mktemp -d /tmp/mbt-shot-XXXXXX)
mkdir -p "$sb/home/.local/lib/wireshark/plugins/$ver/epan" "$sb/fb" \
	"$sb/home/.config/wireshark"
cp "$plugin" "$sb/home/.local/lib/wireshark/plugins/$ver/epan/"
cp "$cap" "$sb/"
# Wireshark loads a global plugin before a personal one of the same name
# (./setup.sh as root installs mbuftrace.so system-wide): so
# WIRESHARK_PLUGIN_DIR (honoured when unprivileged) points at a copy of the
# global plugin folder without it, made by tests/lib/tshark_sandbox.py as
# for the tests.
python3 "$(dirname "$0")/../../tests/lib/tshark_sandbox.py" --mirror "$sb/global"
# A 1400x900 main window, narrow address columns, a wide Info column.
cat >"$sb/home/.config/wireshark/recent_common" <<'R'
gui.geometry_main_x: 0
gui.geometry_main_y: 0
gui.geometry_main_width: 1400
gui.geometry_main_height: 900
gui.geometry_main_maximized: FALSE
R
cat >"$sb/home/.config/wireshark/recent" <<'R'
column.width: %m, 40, %t, 95, %s, 75, %d, 75, %p, 70, %L, 50, %i, 1000
gui.geometry_main_upper_pane: 330
gui.geometry_main_lower_pane: 240
R
chmod -R a+rwX "$sb"
Xvfb ":$disp" -screen 0 "${screen}x24" -fbdir "$sb/fb" -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
sleep 2
kill -0 "$xvfb" 2>/dev/null || { echo "$0: Xvfb :$disp did not start (in use? set DISPLAY_NUM)" >&2; exit 1; }
setpriv --reuid=65534 --regid=65534 --clear-groups env -i HOME="$sb/home" \
	WIRESHARK_PLUGIN_DIR="$sb/global" \
	DISPLAY=":$disp" PATH=/usr/bin:/bin LANG=C.UTF-8 \
	wireshark -r "$sb/$(basename "$cap")" "$@" >"$sb/wireshark.log" 2>&1 &
ws=$!
finish() {
	kill "$ws" 2>/dev/null || echo "wireshark had exited: $(cat "$sb/wireshark.log")" >&2
	sleep 1
	kill "$xvfb" 2>/dev/null || true
}

# The id of the first window whose name matches $1, waiting up to $2 s.
window() {
	n=0
	while [ $n -lt "$2" ]; do
		w=$(DISPLAY=":$disp" xdotool search --name "$1" 2>/dev/null | head -n 1) || true
		[ -n "$w" ] && { echo "$w"; return 0; }
		sleep 1; n=$((n + 1))
	done
	echo "$0: no window named '$1' after $2 s" >&2
	return 1
}
x() { DISPLAY=":$disp" xdotool "$@"; }

if [ $mode = list ]; then
	sleep "$secs"   # the first pass and drawing, on a loaded machine
else
	# The main window is named after the file once it is read.
	main=$(window "$(basename "$cap")" 300) || { finish; exit 1; }
	sleep "$settle"
	x windowfocus --sync "$main"
	x key --window "$main" alt+s   # the Statistics menu, its first item active
	sleep 2
	if [ $mode = flow ]; then
		# Flow Graph is the 17th item of 4.0's Statistics menu on Debian
		# 12 (the items before it come from the dissectors there).
		i=0
		while [ $i -lt 16 ]; do x key Down; i=$((i + 1)); done
		x key Return
		dlg=$(window 'Wireshark · Flow' 60) || { finish; exit 1; }
		w=2400 h=800
		x windowmove "$dlg" 0 0 windowsize "$dlg" $w $h
		sleep "$settle"
		# The bottom row: "Limit to display filter" at the left, the
		# Flow type combo in the middle; the combo's list is searched
		# by typing.
		x mousemove 17 $((h - 56)) click 1
		sleep 2
		x mousemove $((w / 2 + 35)) $((h - 56)) click 1
		sleep 2
		x type --delay 100 mbuftrace
		x key Return
	else
		# The plugin's two stats trees end the menu: up from the first
		# item wraps to "mbuftrace Packet Paths", then the statistics.
		x key Up Up Return
		dlg=$(window 'mbuftrace Packet Path statistics' 60) || { finish; exit 1; }
		w=1000 h=960
		x windowmove "$dlg" 0 0 windowsize "$dlg" $w $h
	fi
	x mousemove 0 1099   # the pointer below the dialog, out of the picture
	sleep "$settle"
	crop=0,0,$w,$h
fi
cp "$sb/fb/Xvfb_screen0" "$sb/screen.xwd"
finish
python3 "$here/xwd2png.py" "$sb/screen.xwd" "$out" "$crop"
rm -rf "$sb"
