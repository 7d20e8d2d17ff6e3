#!/bin/sh
# A screenshot of Wireshark (Qt) with the plugin under Xvfb, run as uid
# 65534 (Wireshark ignores personal plugins as root), as a PNG.  Xvfb's
# -fbdir frame buffer (an XWD image) is converted by xwd2png.py, so no
# ImageMagick or xwd is needed.
#
# usage: sh plugin/doc/screenshot.sh PLUGIN.so CAPTURE OUT.png SECONDS X,Y,W,H [wireshark args...]
#   e.g. sh plugin/doc/screenshot.sh build/plugin/mbuftrace.so \
#        captures/02-pf-dup-to-reverted.pcapng plugin/doc/packet-list-verdicts.png 70 0,0,1400,470 -g 5
#   DISPLAY_NUM (default 57): the Xvfb display to use.
set -eu
[ $# -ge 5 ] || { sed -n '7,10s/^# \{0,1\}//p' "$0" >&2; exit 2; }
plugin=$1 cap=$2 out=$3 secs=$4 crop=$5; shift 5
here=$(cd "$(dirname "$0")" && pwd)
disp=${DISPLAY_NUM:-57}
ver=$(tshark -v | sed -n 's/^TShark (Wireshark) \([0-9]*\.[0-9]*\).*/\1/p')
sb=$(mktemp -d /tmp/mbt-shot-XXXXXX)
mkdir -p "$sb/home/.local/lib/wireshark/plugins/$ver/epan" "$sb/fb" \
	"$sb/home/.config/wireshark"
cp "$plugin" "$sb/home/.local/lib/wireshark/plugins/$ver/epan/"
cp "$cap" "$sb/"
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
Xvfb ":$disp" -screen 0 1400x900x24 -fbdir "$sb/fb" -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
sleep 2
setpriv --reuid=65534 --regid=65534 --clear-groups env -i HOME="$sb/home" \
	DISPLAY=":$disp" PATH=/usr/bin:/bin LANG=C.UTF-8 \
	wireshark -r "$sb/$(basename "$cap")" "$@" >"$sb/wireshark.log" 2>&1 &
ws=$!
sleep "$secs"   # the first pass and drawing, on a loaded machine
cp "$sb/fb/Xvfb_screen0" "$sb/screen.xwd"
kill "$ws" 2>/dev/null || echo "wireshark had exited: $(cat "$sb/wireshark.log")" >&2
sleep 1
kill "$xvfb" 2>/dev/null || true
python3 "$here/xwd2png.py" "$sb/screen.xwd" "$out" "$crop"
rm -rf "$sb"
