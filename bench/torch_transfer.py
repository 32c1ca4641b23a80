#!/usr/bin/env python3
"""PyTorch CPU peer for `bench/cpu_peers.sh`: Magenta's transfer network built layer by layer from
the same weights our engine reads (a raw dump written by the dump helper in cpu_peers.sh: the
layers of engine/transfer_network.h with gamma/beta already computed for one style vector), timed
engine-only at a given size and thread count. Not part of the product.

Usage: torch_transfer.py WEIGHTS.bin --size 384 --threads 2 [--frames 20] [--input content.bin]
       [--compare tflite_out.bin] [--json]
"""
import argparse
import json
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

ACT_NONE, ACT_RELU, ACT_SIGMOID = 0, 1, 2
ROLE_NONE, ROLE_START, ROLE_END = 0, 1, 2


def load_dump(path):
    data = open(path, "rb").read()
    if data[:4] != b"PSTW":
        sys.exit(f"{path}: not a weight dump (magic)")
    off = 4
    (count,) = struct.unpack_from("<i", data, off)
    off += 4
    layers = []

    def floats(n):
        nonlocal off
        a = np.frombuffer(data, dtype="<f4", count=n, offset=off).copy()
        off += 4 * n
        return a

    for _ in range(count):
        k, stride, pad, cin, cout, up, norm, act, role = struct.unpack_from("<9i", data, off)
        off += 36
        w = floats(cout * k * k * cin).reshape(cout, k, k, cin).transpose(0, 3, 1, 2)  # OHWI -> OIHW
        b = floats(cout)
        layer = dict(k=k, stride=stride, pad=pad, up=bool(up), norm=bool(norm), act=act, role=role,
                     w=torch.from_numpy(np.ascontiguousarray(w)), b=torch.from_numpy(b))
        if norm:
            layer["gamma"] = torch.from_numpy(floats(cout))
            layer["beta"] = torch.from_numpy(floats(cout))
            (layer["eps"],) = struct.unpack_from("<f", data, off)
            off += 4
        layers.append(layer)
    if off != len(data):
        sys.exit(f"{path}: {len(data) - off} trailing bytes")
    return layers


class TransferNet(torch.nn.Module):
    def __init__(self, layers):
        super().__init__()
        self.layers = layers

    def forward(self, x):
        skip = None
        for l in self.layers:
            if l["role"] == ROLE_START:
                skip = x
            if l["up"]:
                x = F.interpolate(x, scale_factor=2, mode="nearest")
            if l["pad"]:
                p = l["pad"]
                x = F.pad(x, (p, p, p, p), mode="reflect")
            x = F.conv2d(x, l["w"], l["b"], stride=l["stride"])
            if l["norm"]:
                x = F.instance_norm(x, weight=l["gamma"], bias=l["beta"], eps=l["eps"])
            if l["role"] == ROLE_END:
                x = x + skip
            if l["act"] == ACT_RELU:
                x = F.relu(x)
            elif l["act"] == ACT_SIGMOID:
                x = torch.sigmoid(x)
        return x


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("weights")
    ap.add_argument("--size", type=int, default=384)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--frames", type=int, default=20)
    ap.add_argument("--input", help="float32 NHWC content image, size x size x 3")
    ap.add_argument("--compare", help="float32 NHWC reference output to report the max abs difference to")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.set_grad_enabled(False)
    net = TransferNet(load_dump(a.weights)).eval()
    if a.input:
        x = np.fromfile(a.input, dtype="<f4").reshape(1, a.size, a.size, 3).transpose(0, 3, 1, 2)
        x = torch.from_numpy(np.ascontiguousarray(x))
    else:
        x = torch.rand(1, 3, a.size, a.size, generator=torch.Generator().manual_seed(1))

    results = {}
    for layout in ("contiguous", "channels_last"):
        fmt = torch.channels_last if layout == "channels_last" else torch.contiguous_format
        for l in net.layers:
            l["w"] = l["w"].contiguous(memory_format=fmt)
        xi = x.contiguous(memory_format=fmt)
        with torch.inference_mode():
            for _ in range(3):
                out = net(xi)
            times = []
            for _ in range(a.frames):
                t0 = time.perf_counter()
                out = net(xi)
                times.append((time.perf_counter() - t0) * 1000)
        results[layout] = (float(np.median(times)), float(np.min(times)), out)

    layout = min(results, key=lambda k: results[k][0])
    med, best, out = results[layout]
    report = {"peer": "pytorch", "version": torch.__version__, "threads": torch.get_num_threads(),
              "width": a.size, "height": a.size, "layout": layout, "ms_per_frame": med, "best_ms": best,
              "fps": 1000.0 / med,
              "layouts": {k: v[0] for k, v in results.items()}}
    if a.compare:
        ref = np.fromfile(a.compare, dtype="<f4").reshape(1, a.size, a.size, 3)
        mine = out.permute(0, 2, 3, 1).contiguous().numpy()
        report["max_abs_diff_vs_reference"] = float(np.max(np.abs(mine - ref)))
    if a.json:
        print(json.dumps(report))
    else:
        print(report)


if __name__ == "__main__":
    main()
