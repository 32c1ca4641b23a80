"""Converts raw rgb24 bytes to float32 RGB/255 (the reference tool's input format)."""
import array
import sys

src, dst = sys.argv[1], sys.argv[2]
data = open(src, "rb").read()
out = array.array("f", (b / 255.0 for b in data))
if sys.byteorder != "little":
    out.byteswap()
with open(dst, "wb") as f:
    out.tofile(f)
