"""Speed of RBM training: one CD-1 epoch at the paper's first-layer size, as a ratio to its products.

Usage: .venv/bin/python benchmarks/bench_rbm.py [--repeats N]

One epoch of 20,000 samples x 1600 visible -> 400 hidden, batch 100, float32, with the book's
hyperparameters and monitoring (``monitor_size=200``): rgkit's ``RBM.fit(epochs=1, ...)`` with
``negative_visible="sample"`` (CD-1 as defined) and with ``negative_visible="mean"`` (the
paper's setting, rbm.m's negative phase), each beside the five bare float32 products a
straightforward CD-1 does per batch (v.W, h.W^T, r.W, v^T.h, r^T.h'), timed over the same 200
batches. Each round times the three once (rotating the order), N >= 5 rounds; the script prints
median [min-max] of the seconds and of the per-round ratios to the products. It then times one
epoch of the upper layers of the paper's DBN (1600-400-100-25) and extrapolates the DBN's 200
epochs per layer. Nothing here is asserted: the figures go to the README's performance section.
"""

from __future__ import annotations

import argparse

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


def fit_epoch(model: RBM, data: np.ndarray, negative_visible: str, seed: int, precision: str = "float32") -> None:
    model.fit(
        data,
        epochs=1,
        seed=seed,
        progress=False,
        monitor_size=MONITOR_SIZE,
        negative_visible=negative_visible,
        precision=precision,
        **PAPER,
    )


def first_layer(data: np.ndarray, repeats: int) -> float:
    """Interleaved epochs of the first layer; returns the median seconds of the paper's setting."""
    W = (WEIGHT_SCALE * np.random.default_rng(1).standard_normal((N_VISIBLE, N_HIDDEN))).astype(np.float32)
    f32 = np.float32
    out = {
        "h": np.empty((BATCH, N_HIDDEN), f32),
        "r": np.empty((BATCH, N_VISIBLE), f32),
        "h2": np.empty((BATCH, N_HIDDEN), f32),
        "g_pos": np.empty((N_VISIBLE, N_HIDDEN), f32),
        "g_neg": np.empty((N_VISIBLE, N_HIDDEN), f32),
    }
    models = {
        nv: RBM(N_VISIBLE, N_HIDDEN, units="binary", seed=0, weight_scale=WEIGHT_SCALE) for nv in ("sample", "mean")
    }
    seeds = iter(range(1, 10_000))

    # Warm up: numba kernels, BLAS threads, page faults of every buffer.
    for nv, model in models.items():
        fit_epoch(model, data[:2000], nv, 0)
    products(data, W, out)

    contenders = {
        "sample": lambda: timed(lambda: fit_epoch(models["sample"], data, "sample", next(seeds)))[0],
        "mean": lambda: timed(lambda: fit_epoch(models["mean"], data, "mean", next(seeds)))[0],
        "products": lambda: timed(lambda: products(data, W, out))[0],
    }
    t = interleave(contenders, repeats)
    prod = Summary(t["products"])
    flops = 5 * 2 * N_SAMPLES * N_VISIBLE * N_HIDDEN
    print(f"One CD-1 epoch, {N_SAMPLES:,} x {N_VISIBLE} -> {N_HIDDEN}, batch {BATCH}, float32 (full epoch timed)")
    print(f"  book's hyperparameters {PAPER}, weight_scale {WEIGHT_SCALE}, monitor_size {MONITOR_SIZE}")
    print(f"{'':50}{'seconds per epoch':>20}  {'/ products':>20}")
    for key, label in (
        ("sample", 'rgkit RBM.fit, negative_visible="sample"'),
        ("mean", 'rgkit RBM.fit, negative_visible="mean"'),
    ):
        print(f"  {label:<48}{Summary(t[key]).fmt(3):>20}  {ratios(t[key], t['products']).fmt(3, 'x'):>20}")
    label = "five bare products: v.W h.W^T r.W v^T.h r^T.h'"
    print(f"  {label:<48}{prod.fmt(3):>20}")
    print(f"  the products run at {flops / prod.median / 1e9:.0f} GFLOP/s (median; {flops / 1e9:.0f} GFLOP an epoch)")
    print()
    return Summary(t["mean"]).median


def upper_layers(data: np.ndarray, layer1_seconds: float, repeats: int) -> None:
    """Epochs of the DBN's upper layers (precision "auto", as the book), and the 200-epoch estimate."""
    x = RBM(N_VISIBLE, N_HIDDEN, units="binary", seed=0, weight_scale=WEIGHT_SCALE).transform(data)
    total = layer1_seconds
    lines = [f'  layer {DBN_LAYERS[0]}-{DBN_LAYERS[1]}: {layer1_seconds:.3f} s (median above, "mean")']
    for n_in, n_out in zip(DBN_LAYERS[1:], DBN_LAYERS[2:], strict=False):
        model = RBM(n_in, n_out, units="binary", seed=0, weight_scale=WEIGHT_SCALE)
        fit_epoch(model, x, "mean", 0, precision="auto")  # warm up
        seeds = iter(range(1, 10_000))
        t = interleave(
            {"fit": lambda m=model, x=x, s=seeds: timed(lambda: fit_epoch(m, x, "mean", next(s), "auto"))[0]},
            repeats,
        )
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
    args = parser.parse_args()
    header("bench_rbm: one CD-1 epoch of rgkit against the five bare products of CD-1")
    print(f"{args.repeats} interleaved rounds; median [min-max]\n")
    data = (np.random.default_rng(0).random((N_SAMPLES, N_VISIBLE)) < 0.5).astype(np.float32)
    layer1 = first_layer(data, args.repeats)
    upper_layers(data, layer1, args.repeats)


if __name__ == "__main__":
    main()
