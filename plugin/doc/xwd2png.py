#!/usr/bin/env python3
"""XWD -> PNG for plugin/doc/screenshot.sh: Xvfb's -fbdir screen file
(ZPixmap, 32 bits a pixel), optionally cropped to x,y,w,h.

usage: xwd2png.py IN.xwd OUT.png [X,Y,W,H]
"""
import struct, sys, zlib
def main(src, dst, crop=None):
    with open(src, "rb") as f:
        d = f.read()
    hdr = struct.unpack(">25I", d[:100])
    (hsize, ver, fmt, depth, w, h, xoff, bord, bunit, bitord, bpad, bpp,
     bpl, vclass, rmask, gmask, bmask, bprgb, cmapent, ncolors, ww, wh, wx, wy,
     wb) = hdr
    if fmt != 2 or bpp != 32:
        sys.exit("%s: ZPixmap with 32 bits a pixel expected (format %d, "
                 "%d bits)" % (src, fmt, bpp))
    off = hsize + ncolors * 12
    x0, y0, cw, ch = crop if crop else (0, 0, w, h)
    rows = []
    le = bord == 0  # LSBFirst
    for y in range(y0, y0 + ch):
        line = d[off + y * bpl: off + (y + 1) * bpl]
        out = bytearray(b"\0")
        for x in range(x0, x0 + cw):
            p = line[x * 4:x * 4 + 4]
            v = int.from_bytes(p, "little" if le else "big")
            out += bytes(((v & rmask) >> 16, (v & gmask) >> 8, v & bmask))
        rows.append(bytes(out))
    def chunk(t, b):
        c = struct.pack(">I", len(b)) + t + b
        return c + struct.pack(">I", zlib.crc32(t + b) & 0xffffffff)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", cw, ch, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b"")
    with open(dst, "wb") as f:
        f.write(png)
if __name__ == "__main__":
    crop = tuple(int(x) for x in sys.argv[3].split(",")) if len(sys.argv) > 3 else None
    main(sys.argv[1], sys.argv[2], crop)
