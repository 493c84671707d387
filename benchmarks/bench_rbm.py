"""Speed of RBM training: one CD-1 epoch at the paper's first-layer size, beside baselines.

Usage: .venv/bin/python benchmarks/bench_rbm.py

Prints seconds per epoch for 20,000 samples of 1600 visible units, 400 hidden, batch 100,
float32: rgkit's CD-1, the matrix products alone, and scikit-learn's BernoulliRBM (PCD-1) in
the same process; then the time of one epoch of each layer of the paper's DBN and the
extrapolated time of 200 epochs. Nothing is asserted.
"""

from __future__ import annotations

import time

import numpy as np

from rgkit.rbm import RBM


def main() -> None:
    rng = np.random.default_rng(0)
    n, n_vis, n_hid, batch = 20_000, 1600, 400, 100
    data = (rng.random((n, n_vis)) < 0.5).astype(np.float32)

    rbm = RBM(n_vis, n_hid, units="binary", seed=0)
    rbm.fit(data[:1000], epochs=1, seed=0, monitor_size=10, progress=False)  # warm up BLAS
    t = time.perf_counter()
    rbm.fit(data, epochs=1, seed=0, monitor_size=10, progress=False)
    t_cd = time.perf_counter() - t

    W = rbm.W.astype(np.float32)
    t = time.perf_counter()
    for first in range(0, n, batch):
        v = data[first : first + batch]
        h = v @ W
        r = h @ W.T
        h2 = r @ W
        _ = v.T @ h - r.T @ h2
    t_products = time.perf_counter() - t

    from sklearn.neural_network import BernoulliRBM

    sk = BernoulliRBM(n_components=n_hid, batch_size=batch, n_iter=1, random_state=0, learning_rate=0.1)
    t = time.perf_counter()
    sk.fit(data)
    t_sk = time.perf_counter() - t

    print(f"CD-1 epoch, {n} x {n_vis} -> {n_hid}, batch {batch}, float32")
    print(f"  rgkit              {t_cd:6.2f} s  ({t_cd / t_products:.2f}x the products)")
    print(f"  products alone     {t_products:6.2f} s")
    print(f"  scikit-learn       {t_sk:6.2f} s")

    total = 0.0
    x = data
    for n_in, n_out in [(1600, 400), (400, 100), (100, 25)]:
        layer = RBM(n_in, n_out, units="binary", seed=0)
        t = time.perf_counter()
        layer.fit(x, epochs=1, seed=0, monitor_size=1000, progress=False)
        dt = time.perf_counter() - t
        total += dt
        print(f"  DBN layer {n_in}-{n_out}: {dt:.2f} s per epoch (monitoring included)")
        x = layer.transform(x).astype(np.float32)
    print(f"  paper's DBN, 200 epochs per layer: about {200 * total / 60:.1f} min")


if __name__ == "__main__":
    main()
