#!/usr/bin/env python3
"""PyTorch CUDA peer for the Vulkan backend's benchmark (not part of the product).

The same transfer network with the same weights: the layers and fp32 weights come from the
.tflite file through Pastiche's reader, dumped by `PASTICHE_VK_DUMP=FILE test_vulkan
--gtest_filter=VulkanBench.*` (FILE.txt: one line per layer, FILE.f32: the weights). Before any
timing, the fp32 output at 384x384 is checked against TensorFlow Lite's own output for the same
content image and style vector (goldens from tests/goldens/make_goldens.sh).

Usage: torch_peer_cuda.py DUMP GOLDEN_DIR [--sizes 384x384,1280x720,1920x1080] [--frames N]
       [--compile]
Prints one JSON line per (size, config): ms_per_frame and fps for compute only (input already on
the GPU as float) and end to end (uint8 RGB frame from pinned host memory, to the GPU, network,
back to uint8 in pinned host memory), like the Vulkan backend's Rgb8 path.
"""
import argparse
import json
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def load_dump(prefix):
    layers = []
    blob = np.fromfile(prefix + ".f32", dtype="<f4")
    at = 0

    def take(n):
        nonlocal at
        v = blob[at:at + n]
        at += n
        return torch.from_numpy(v.copy())

    for line in open(prefix + ".txt"):
        f = line.split()
        name = f[0]
        k, s, p, cin, cout, up, norm, act, res = map(int, f[1:10])
        eps = float(f[10])
        L = dict(name=name, k=k, s=s, p=p, cin=cin, cout=cout, up=bool(up), norm=bool(norm), act=act, res=res, eps=eps)
        L["w"] = take(cout * k * k * cin).view(cout, k, k, cin).permute(0, 3, 1, 2).contiguous()  # OHWI -> OIHW
        L["b"] = take(cout)
        if norm:
            L["gw"] = take(cout * 100).view(cout, 100)
            L["gb"] = take(cout)
            L["bw"] = take(cout * 100).view(cout, 100)
            L["bb"] = take(cout)
        layers.append(L)
    assert at == blob.size, "dump size mismatch"
    return layers


class TransferNet(torch.nn.Module):
    """Upsample -> reflect pad -> conv -> [instance norm with style gamma/beta] -> act / residual."""

    def __init__(self, layers, style):
        super().__init__()
        self.meta = [(L["k"], L["s"], L["p"], L["up"], L["norm"], L["act"], L["res"], L["eps"]) for L in layers]
        self.w = torch.nn.ParameterList([torch.nn.Parameter(L["w"], requires_grad=False) for L in layers])
        self.b = torch.nn.ParameterList([torch.nn.Parameter(L["b"], requires_grad=False) for L in layers])
        g, be = [], []
        for L in layers:
            if L["norm"]:
                g.append((L["gw"] @ style + L["gb"]).view(1, -1, 1, 1))
                be.append((L["bw"] @ style + L["bb"]).view(1, -1, 1, 1))
            else:
                g.append(torch.zeros(1))
                be.append(torch.zeros(1))
        self.gamma = torch.nn.ParameterList([torch.nn.Parameter(t, requires_grad=False) for t in g])
        self.beta = torch.nn.ParameterList([torch.nn.Parameter(t, requires_grad=False) for t in be])

    def forward(self, x):
        skip = None
        for i, (k, s, p, up, norm, act, res, eps) in enumerate(self.meta):
            if res == 1:
                skip = x
            if up:
                x = F.interpolate(x, scale_factor=2, mode="nearest")
            if p:
                x = F.pad(x, (p, p, p, p), mode="reflect")
            x = F.conv2d(x, self.w[i], self.b[i], stride=s)
            if norm:
                xf = x.float()
                var, mean = torch.var_mean(xf, dim=(2, 3), keepdim=True, unbiased=False)
                scale = self.gamma[i] * torch.rsqrt(var + eps)
                x = (xf * scale + (self.beta[i] - mean * scale)).to(x.dtype)
            if res == 2:
                x = x + skip
            elif act == 1:
                x = torch.relu(x)
            elif act == 2:
                x = torch.sigmoid(x)
        return x


def time_cuda(fn, frames):
    for _ in range(10):
        fn()
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(frames):
        fn()
    torch.cuda.synchronize()
    return (time.perf_counter() - t0) * 1000.0 / frames


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dump")
    ap.add_argument("golden_dir")
    ap.add_argument("--sizes", default="384x384,1280x720,1920x1080")
    ap.add_argument("--frames", type=int, default=200)
    ap.add_argument("--compile", action="store_true")
    ap.add_argument("--compile-only", action="store_true",
                    help="time only torch.compile (skip eager and CUDA graph: the compile budget is the limit)")
    a = ap.parse_args()
    dev = torch.device("cuda")
    torch.backends.cudnn.benchmark = True
    layers = load_dump(a.dump)
    style = torch.from_numpy(np.fromfile(a.golden_dir + "/vec_tflite.bin", dtype="<f4").copy())
    content = torch.from_numpy(np.fromfile(a.golden_dir + "/content384.bin", dtype="<f4").copy()).view(1, 384, 384, 3)
    want = torch.from_numpy(np.fromfile(a.golden_dir + "/out384_tflite.bin", dtype="<f4").copy()).view(1, 384, 384, 3)
    net = TransferNet(layers, style).to(dev).eval()
    info = dict(device=torch.cuda.get_device_name(0), torch=torch.__version__)

    # Correctness first: strict fp32 (no TF32) against TFLite's output.
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    with torch.no_grad():
        got = net(content.permute(0, 3, 1, 2).to(dev)).permute(0, 2, 3, 1).cpu()
    diff = (got - want).abs().max().item()
    print(json.dumps(dict(check="fp32 vs TFLite out384", max_abs=diff, **info)), flush=True)
    if diff > 1e-3:
        print("peer does not match TFLite; not timing", file=sys.stderr)
        return 1
    torch.backends.cudnn.allow_tf32 = True  # PyTorch's default for convolutions

    net16 = TransferNet(layers, style).to(dev).eval().half().to(memory_format=torch.channels_last)
    with torch.no_grad():
        got16 = net16(content.permute(0, 3, 1, 2).to(dev).half().contiguous(memory_format=torch.channels_last)).float()
    mse = ((got16.permute(0, 2, 3, 1).cpu() - want) ** 2).mean().item()
    print(json.dumps(dict(check="fp16 channels_last vs TFLite out384", psnr_db=10 * np.log10(1.0 / max(mse, 1e-20)))), flush=True)

    for item in a.sizes.split(","):
        w, h = map(int, item.split("x"))
        host_in = torch.randint(0, 256, (h, w, 3), dtype=torch.uint8).pin_memory()
        host_out = torch.empty((h, w, 3), dtype=torch.uint8).pin_memory()
        configs = [("eager fp32", net, torch.float32, torch.contiguous_format),
                   ("eager fp16 channels_last", net16, torch.float16, torch.channels_last)]
        if a.compile_only:
            configs = []
        for name, model, dtype, fmt in configs:
            x = torch.rand(1, 3, h, w, device=dev, dtype=dtype).contiguous(memory_format=fmt)

            def compute():
                model(x)

            def e2e():
                t = host_in.to(dev, non_blocking=True).permute(2, 0, 1).unsqueeze(0).to(dtype).div_(255.0)
                y = model(t.contiguous(memory_format=fmt))
                host_out.copy_((y[0].permute(1, 2, 0).float() * 255.0 + 0.5).clamp_(0, 255).to(torch.uint8),
                               non_blocking=True)

            with torch.no_grad():
                ms = time_cuda(compute, a.frames)
                ms_e2e = time_cuda(e2e, a.frames)
            print(json.dumps(dict(peer="pytorch", config=name, width=w, height=h, ms_per_frame=ms, fps=1000 / ms,
                                  e2e_ms_per_frame=ms_e2e, e2e_fps=1000 / ms_e2e, **info)), flush=True)

        # CUDA graph of the fp16 channels_last network, end to end (copy in, network, copy out).
        if not a.compile_only:
            static_in = torch.empty((h, w, 3), dtype=torch.uint8, device=dev)
            with torch.no_grad():
                def body():
                    t = static_in.permute(2, 0, 1).unsqueeze(0).half().div_(255.0).contiguous(memory_format=torch.channels_last)
                    y = net16(t)
                    return (y[0].permute(1, 2, 0).float() * 255.0 + 0.5).clamp_(0, 255).to(torch.uint8)
                s = torch.cuda.Stream()
                s.wait_stream(torch.cuda.current_stream())
                with torch.cuda.stream(s):
                    for _ in range(3):
                        body()
                torch.cuda.current_stream().wait_stream(s)
                g = torch.cuda.CUDAGraph()
                with torch.cuda.graph(g):
                    static_out = body()

                def graph_compute():
                    g.replay()

                def graph_e2e():
                    static_in.copy_(host_in, non_blocking=True)
                    g.replay()
                    host_out.copy_(static_out, non_blocking=True)

                ms = time_cuda(graph_compute, a.frames)
                ms_e2e = time_cuda(graph_e2e, a.frames)
            print(json.dumps(dict(peer="pytorch", config="cuda graph fp16 channels_last", width=w, height=h,
                                  ms_per_frame=ms, fps=1000 / ms, e2e_ms_per_frame=ms_e2e, e2e_fps=1000 / ms_e2e, **info)),
                  flush=True)

        if a.compile:
            # Fresh static-shape compile per size (no dynamic-shape kernels reused across sizes).
            torch._dynamo.reset()
            t0 = time.perf_counter()
            compiled = torch.compile(net16, mode="max-autotune", dynamic=False)
            x = torch.rand(1, 3, h, w, device=dev, dtype=torch.float16).contiguous(memory_format=torch.channels_last)

            def compiled_e2e():
                t = host_in.to(dev, non_blocking=True).permute(2, 0, 1).unsqueeze(0).half().div_(255.0)
                y = compiled(t.contiguous(memory_format=torch.channels_last))
                host_out.copy_((y[0].permute(1, 2, 0).float() * 255.0 + 0.5).clamp_(0, 255).to(torch.uint8),
                               non_blocking=True)

            with torch.no_grad():
                compiled(x)
                compile_s = time.perf_counter() - t0
                ms = time_cuda(lambda: compiled(x), a.frames)
                ms_e2e = time_cuda(compiled_e2e, a.frames)
            print(json.dumps(dict(peer="pytorch", config="torch.compile max-autotune fp16 channels_last", width=w,
                                  height=h, ms_per_frame=ms, fps=1000 / ms, e2e_ms_per_frame=ms_e2e,
                                  e2e_fps=1000 / ms_e2e, compile_s=compile_s, **info)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
