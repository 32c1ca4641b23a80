"""Writes float32 raw files (the reference tool's input format).

  raw_float.py rgb SRC DST    raw rgb24 bytes -> RGB/255
  raw_float.py text SRC DST   whitespace-separated numbers (a `pastiche style-vector` file)
"""
import array
import sys

mode, src, dst = sys.argv[1], sys.argv[2], sys.argv[3]
if mode == "rgb":
    out = array.array("f", (b / 255.0 for b in open(src, "rb").read()))
elif mode == "text":
    out = array.array("f", (float(t) for t in open(src).read().split()))
else:
    sys.exit("raw_float.py: mode must be rgb or text")
if sys.byteorder != "little":
    out.byteswap()
with open(dst, "wb") as f:
    out.tofile(f)
