"""Speed of the Monte Carlo kernels, each beside a plain numpy baseline run in this process.

Usage: .venv/bin/python benchmarks/bench_mc.py

Prints ns per attempted flip (Metropolis, checkerboard), ns per flipped spin (Wolff), ns per
spin per update (Swendsen–Wang), and the time to make the paper's dataset. Nothing here is
asserted: the figures go to the README's performance section.
"""

from __future__ import annotations

import os
import platform
import time

import numpy as np

from rgkit import mc
from rgkit.exact import KC


def best_of(fn, repeats=3):
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def numpy_metropolis(s, K, sweeps, rng):
    """Vectorised checkerboard Metropolis: the baseline a numpy user would write."""
    L = s.shape[0]
    parity = (np.add.outer(np.arange(L), np.arange(L)) % 2).astype(bool)
    table = np.minimum(1.0, np.exp(-2.0 * K * np.arange(-4, 5)))
    for _ in range(sweeps):
        for mask in (parity, ~parity):
            h = np.roll(s, 1, 0) + np.roll(s, -1, 0) + np.roll(s, 1, 1) + np.roll(s, -1, 1)
            x = (s * h).astype(np.int64) + 4
            flip = mask & (rng.random(s.shape) < table[x])
            s[flip] *= -1


def main() -> None:
    print(f"python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} cores")
    rng = np.random.default_rng(0)  # the numpy baseline's generator
    K = KC
    mc.sample(8, K, 2, method="metropolis", seed=0, burn_in=1, thin=1, progress=False)  # compile
    print("\nMetropolis (checkerboard), ns per attempted flip, one thread")
    print(f"{'L':>6} {'rgkit':>8} {'numpy':>8} {'speed-up':>9}")
    for L in (64, 256, 1024):
        chain = mc.Chain(L, K, method="metropolis", seed=L)
        sweeps = max(2, int(2e7 // (L * L)))
        t = best_of(lambda chain=chain, sweeps=sweeps: chain.run(sweeps))
        ns = t / (sweeps * L * L) * 1e9
        s = chain.spins.copy()
        np_sweeps = max(1, sweeps // 20)
        t_np = best_of(lambda s=s, n=np_sweeps: numpy_metropolis(s, K, n, rng), repeats=2)
        ns_np = t_np / (np_sweeps * L * L) * 1e9
        print(f"{L:>6} {ns:>8.2f} {ns_np:>8.2f} {ns_np / ns:>8.1f}x")

    print("\nWolff at K_c, ns per flipped spin")
    for L in (64, 256):
        chain = mc.Chain(L, K, method="wolff", seed=L)
        chain.run(1000)
        before = chain.changed
        n = 20000
        t = best_of(lambda chain=chain, n=n: chain.run(n), repeats=1)
        flipped = chain.changed - before
        print(f"{L:>6} {t / flipped * 1e9:>8.2f}  (mean cluster {flipped / n / L**2:.3f} of the lattice)")

    print("\nSwendsen-Wang at K_c, ns per spin per update")
    for L in (64, 256):
        chain = mc.Chain(L, K, method="swendsen-wang", seed=L)
        n = max(5, int(2e6 // (L * L)))
        t = best_of(lambda chain=chain, n=n: chain.run(n))
        print(f"{L:>6} {t / (n * L * L) * 1e9:>8.2f}")

    print("\nThe paper's dataset: 20,000 samples of 40x40 at K = 0.408 (Wolff, spaced by >= 2 tau_int)")
    t = time.perf_counter()
    _, info = mc.sample_with_info(40, 0.408, 20_000, seed=1, progress=False)
    print(
        f"  {time.perf_counter() - t:.2f} s; tau_int = {info.tau_int:.2f} clusters "
        f"({info.tau_int_sweeps:.2f} sweeps), thin = {info.thin} clusters, burn-in = {info.burn_in}"
    )


if __name__ == "__main__":
    main()
