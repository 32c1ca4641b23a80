#!/usr/bin/python3
"""Mean variance of the Laplacian per frame (sharpness, issue 11 bar 1) of videos, as JSON.

    sharpness.py VIDEO [VIDEO ...]
"""
import json
import subprocess
import sys

import cv2
import numpy as np


def frames(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
                          "-of", "csv=p=0", path], capture_output=True, text=True, check=True).stdout
    w, h = map(int, out.strip().split(","))
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "gray", "-"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, h, w)


for p in sys.argv[1:]:
    v = [float(cv2.Laplacian(f, cv2.CV_64F).var()) for f in frames(p)]
    print(json.dumps({"video": p, "lap_var": float(np.mean(v))}))
