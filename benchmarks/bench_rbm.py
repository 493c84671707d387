"""Speed of RBM training: one CD-1 epoch at the paper's first-layer size, as a ratio to its products.

Usage: .venv/bin/python benchmarks/bench_rbm.py [--repeats N]

One epoch of 20,000 samples x 1600 visible -> 400 hidden, batch 100, float32, with the book's
hyperparameters and monitoring (``monitor_size=200``): rgkit's ``RBM.fit`` with
``negative_visible="sample"`` (CD-1 as defined) and with ``negative_visible="mean"`` (the
paper's setting, rbm.m's negative phase), each beside the five bare float32 products a
straightforward CD-1 does per batch (v.W, h.W^T, r.W, v^T.h, r^T.h'), timed over the same 200
batches. An epoch is the second of a two-epoch ``fit`` call, monitoring included, as the book's
200-epoch calls run it; what a call does once (checking the data, allocating buffers) is
printed apart. Each round times the three once (rotating the order), N >= 5 rounds; the script
prints median [min-max] of the seconds and of the per-round ratios to the products. It then
times one epoch of the upper layers of the paper's DBN (1600-400-100-25) and extrapolates the
DBN's 200 epochs per layer, and prints the roofline: the products' rate against a large square
product of the same BLAS (and of OpenBLAS's AVX-512 kernels, in a child process, where the CPU
has them and OpenBLAS did not choose them). Nothing here is asserted: the figures go to the
README's performance section.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
from _timing import MIN_REPEATS, Summary, header, interleave, ratios, timed

from rgkit.rbm import RBM

N_SAMPLES, N_VISIBLE, N_HIDDEN, BATCH = 20_000, 1600, 400, 100
DBN_LAYERS = (1600, 400, 100, 25)
DBN_EPOCHS = 200
MONITOR_SIZE = 200  # what the Mehta-Schwab chapter passes
# The book's hyperparameters for the paper's DBN (book/mehta_schwab.md), but negative_visible.
PAPER = {"learning_rate": 0.1, "momentum": (0.5, 0.9, 5), "batch_size": BATCH, "k": 1, "l1": 2e-4}
WEIGHT_SCALE = 0.1


def products(data: np.ndarray, W: np.ndarray, out: dict[str, np.ndarray]) -> None:
    """The five products of a straightforward CD-1, per batch, into preallocated float32 arrays."""
    h, r, h2, g_pos, g_neg = out["h"], out["r"], out["h2"], out["g_pos"], out["g_neg"]
    for first in range(0, len(data), BATCH):
        v = data[first : first + BATCH]
        np.matmul(v, W, out=h)  # v.W
        np.matmul(h, W.T, out=r)  # h.W^T
        np.matmul(r, W, out=h2)  # r.W
        np.matmul(v.T, h, out=g_pos)  # v^T.h
        np.matmul(r.T, h2, out=g_neg)  # r^T.h'


def gemm_rates(repeats: int) -> dict[str, float]:
    """GFLOP/s (median of interleaved rounds) of the five products and of a large square
    float32 product, the rate this BLAS reaches when shape is no limit (the roofline here)."""
    rng = np.random.default_rng(2)
    data = (rng.random((N_SAMPLES // 10, N_VISIBLE)) < 0.5).astype(np.float32)  # 20 batches
    W = rng.standard_normal((N_VISIBLE, N_HIDDEN)).astype(np.float32)
    out = _product_buffers()
    side = 2048
    A, B = (rng.standard_normal((side, side)).astype(np.float32) for _ in range(2))
    C = np.empty((side, side), np.float32)
    products(data, W, out)
    np.matmul(A, B, out=C)
    t = interleave(
        {
            "products": lambda: timed(lambda: products(data, W, out))[0],
            "square": lambda: timed(lambda: np.matmul(A, B, out=C))[0],
        },
        repeats,
    )
    flops = 5 * 2 * len(data) * N_VISIBLE * N_HIDDEN
    return {
        "products": flops / Summary(t["products"]).median / 1e9,
        "square": 2 * side**3 / Summary(t["square"]).median / 1e9,
    }


def _avx512_probe(repeats: int) -> dict[str, float] | None:
    """The same rates with OpenBLAS's AVX-512 kernels, in a child process (the kernel is chosen
    when OpenBLAS loads); None unless the CPU has AVX-512 and OpenBLAS chose another kernel."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    kernels = {str(pool.get("architecture", "")).lower() for pool in threadpool_info()}
    with open("/proc/cpuinfo") as f:
        avx512 = " avx512f " in f.read()
    if not avx512 or not kernels or kernels & {"skylakex", "cooperlake", "sapphirerapids"}:
        return None
    env = {**os.environ, "OPENBLAS_CORETYPE": "SkylakeX"}
    cmd = [sys.executable, __file__, "--rates-only", "--repeats", str(repeats)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def roofline(repeats: int) -> None:
    here = gemm_rates(repeats)
    print("Roofline of the products (float32 GFLOP/s, median of interleaved rounds)")
    print(f"  five products {here['products']:.0f}, a 2048^3 product {here['square']:.0f}: the products run at")
    print(f"  {here['products'] / here['square']:.0%} of what this BLAS reaches when shape is no limit")
    probe = _avx512_probe(repeats)
    if probe:
        print(
            f"  with OPENBLAS_CORETYPE=SkylakeX (AVX-512 kernels, which OpenBLAS did not choose on this CPU):"
            f"\n  five products {probe['products']:.0f}, a 2048^3 product {probe['square']:.0f}"
        )
    print()


def _product_buffers() -> dict[str, np.ndarray]:
    f32 = np.float32
    return {
        "h": np.empty((BATCH, N_HIDDEN), f32),
        "r": np.empty((BATCH, N_VISIBLE), f32),
        "h2": np.empty((BATCH, N_HIDDEN), f32),
        "g_pos": np.empty((N_VISIBLE, N_HIDDEN), f32),
        "g_neg": np.empty((N_VISIBLE, N_HIDDEN), f32),
    }


def fit_epoch(
    model: RBM, data: np.ndarray, negative_visible: str, seed: int, precision: str = "float32", epochs: int = 1
) -> tuple[float, float]:
    """Train ``epochs`` epochs in one ``fit`` call; return (seconds of the call, seconds of its
    last epoch). The last epoch runs from the end of the previous one to the end of its own
    monitoring (the callback is the last thing fit does in an epoch), so it excludes what a
    call does once (checking the data, allocating buffers), as an epoch of the book's
    200-epoch calls does."""
    stamps = []
    start = time.perf_counter()
    model.fit(
        data,
        epochs=epochs,
        seed=seed,
        progress=False,
        monitor_size=MONITOR_SIZE,
        negative_visible=negative_visible,
        precision=precision,
        callback=lambda rbm, epoch: stamps.append(time.perf_counter()),
        **PAPER,
    )
    call = time.perf_counter() - start
    last = stamps[-1] - (stamps[-2] if len(stamps) > 1 else start)
    return call, last


def first_layer(data: np.ndarray, repeats: int) -> float:
    """Interleaved epochs of the first layer; returns the median seconds of the paper's setting."""
    W = (WEIGHT_SCALE * np.random.default_rng(1).standard_normal((N_VISIBLE, N_HIDDEN))).astype(np.float32)
    out = _product_buffers()
    models = {
        nv: RBM(N_VISIBLE, N_HIDDEN, units="binary", seed=0, weight_scale=WEIGHT_SCALE) for nv in ("sample", "mean")
    }
    seeds = iter(range(1, 10_000))
    calls: dict[str, list[float]] = {nv: [] for nv in models}

    # Warm up: numba kernels, BLAS threads, page faults of every buffer.
    for nv, model in models.items():
        fit_epoch(model, data[:2000], nv, 0)
    products(data, W, out)

    def epoch(nv: str) -> float:  # the second epoch of a two-epoch call; the call is kept too
        call, last = fit_epoch(models[nv], data, nv, next(seeds), epochs=2)
        calls[nv].append(call - 2 * last)
        return last

    contenders = {
        "sample": lambda: epoch("sample"),
        "mean": lambda: epoch("mean"),
        "products": lambda: timed(lambda: products(data, W, out))[0],
    }
    t = interleave(contenders, repeats)
    prod = Summary(t["products"])
    flops = 5 * 2 * N_SAMPLES * N_VISIBLE * N_HIDDEN
    print(f"One CD-1 epoch, {N_SAMPLES:,} x {N_VISIBLE} -> {N_HIDDEN}, batch {BATCH}, float32")
    print(f"  book's hyperparameters {PAPER}, weight_scale {WEIGHT_SCALE}, monitor_size {MONITOR_SIZE}")
    print("  an epoch of RBM.fit: the second of a two-epoch call, monitoring included")
    print(f"{'':50}{'seconds per epoch':>20}  {'/ products':>20}")
    for key, label in (
        ("sample", 'rgkit RBM.fit, negative_visible="sample"'),
        ("mean", 'rgkit RBM.fit, negative_visible="mean"'),
    ):
        print(f"  {label:<48}{Summary(t[key]).fmt(3):>20}  {ratios(t[key], t['products']).fmt(3, 'x'):>20}")
    label = "five bare products: v.W h.W^T r.W v^T.h r^T.h'"
    print(f"  {label:<48}{prod.fmt(3):>20}")
    print(f"  the products run at {flops / prod.median / 1e9:.0f} GFLOP/s (median; {flops / 1e9:.0f} GFLOP an epoch)")
    once = Summary(calls["mean"] + calls["sample"])
    print(f"  once per fit call (checking the data, buffers): {once.fmt(3)} s, i.e. a fit(epochs=1) call costs")
    print(f"  {(Summary(t['mean']).median + once.median) / prod.median:.3f}x the products (mean)")
    print()
    return Summary(t["mean"]).median + once.median / DBN_EPOCHS


def upper_layers(data: np.ndarray, layer1_seconds: float, repeats: int) -> None:
    """Epochs of the DBN's upper layers (precision "auto", as the book), and the 200-epoch estimate."""
    x = RBM(N_VISIBLE, N_HIDDEN, units="binary", seed=0, weight_scale=WEIGHT_SCALE).transform(data)
    total = layer1_seconds
    first = f"{DBN_LAYERS[0]}-{DBN_LAYERS[1]}"
    lines = [f'  layer {first}: {layer1_seconds:.3f} s (median above, "mean", and 1/{DBN_EPOCHS} of a call)']
    for n_in, n_out in zip(DBN_LAYERS[1:], DBN_LAYERS[2:], strict=False):
        model = RBM(n_in, n_out, units="binary", seed=0, weight_scale=WEIGHT_SCALE)
        fit_epoch(model, x, "mean", 0, precision="auto")  # warm up
        seeds = iter(range(1, 10_000))
        t = interleave({"fit": lambda m=model, x=x, s=seeds: fit_epoch(m, x, "mean", next(s), "auto", 2)[1]}, repeats)
        s = Summary(t["fit"])
        total += s.median
        lines.append(f"  layer {n_in}-{n_out}: {s.fmt(3)} s")
        x = model.transform(x)
    print(f'The paper\'s DBN {"-".join(map(str, DBN_LAYERS))}, one epoch per layer (negative_visible="mean")')
    print("\n".join(lines))
    print(f"  {DBN_EPOCHS} epochs per layer, extrapolated from the medians: {DBN_EPOCHS * total / 60:.1f} min")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help=f"interleaved rounds (at least {MIN_REPEATS})")
    parser.add_argument("--rates-only", action="store_true", help="print the GEMM rates as JSON (for the probe)")
    args = parser.parse_args()
    if args.rates_only:
        print(json.dumps(gemm_rates(args.repeats)))
        return
    header("bench_rbm: one CD-1 epoch of rgkit against the five bare products of CD-1")
    print(f"{args.repeats} interleaved rounds; median [min-max]\n")
    data = (np.random.default_rng(0).random((N_SAMPLES, N_VISIBLE)) < 0.5).astype(np.float32)
    layer1 = first_layer(data, args.repeats)
    upper_layers(data, layer1, args.repeats)
    print()
    roofline(args.repeats)


if __name__ == "__main__":
    main()
