"""Speed of rgkit's Monte Carlo kernels as ratios to the reference kernels, in one process.

Usage: .venv/bin/python benchmarks/bench_mc.py [--repeats N]

For L = 64, 128, 256 at K = K_c: Metropolis (checkerboard, ns per attempted flip), Wolff (ns
per flipped spin) and Swendsen-Wang (ns per spin per lattice update). rgkit runs through its
public ``mc.Chain.run``; the yardsticks are the kernels in ../shared/bench/reference_kernels.py,
imported as they are, and for Metropolis also a plain vectorised-numpy baseline. Every kernel
is compiled and its lattice equilibrated before timing; then each round times every contender
once (rotating the order), N >= 5 rounds, and the script prints median [min-max] of the costs
and of the per-round ratios rgkit / reference (below 1 means rgkit is faster). Nothing here is
asserted: the figures go to the README's performance section.
"""

from __future__ import annotations

import argparse

import numpy as np
from _timing import MIN_REPEATS, Summary, header, interleave, load_reference_kernels, ratios, timed

from rgkit import mc
from rgkit.exact import KC

SIZES = (64, 128, 256)
METROPOLIS_SITES = 30_000_000  # site updates per contender per round (about 0.1 s)
NUMPY_SITES = 1_500_000
WOLFF_FLIPS = 4_000_000
WOLFF_EQUILIBRATION = 200  # sweeps' worth of flipped spins before timing
SW_SITES = 3_000_000


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


def seed_state(seed: int) -> np.ndarray:
    return np.array([0x9E3779B97F4A7C15 ^ seed], dtype=np.uint64)


def random_spins(L: int, seed: int) -> np.ndarray:
    return (2 * np.random.default_rng(seed).integers(0, 2, size=(L, L)) - 1).astype(np.int8)


def warm_up(ref) -> None:
    """Compile (or load from the cache) every kernel timed below, on a small lattice."""
    for method in ("metropolis", "wolff", "swendsen-wang"):
        mc.Chain(8, KC, method=method, seed=0).run(4)
    state = seed_state(0)
    s = random_spins(8, 0)
    ref.metropolis(s, KC, 2, state)
    flat = s.ravel()
    ref.wolff(flat, ref.neighbours(8), KC, 2, np.empty(64, np.int32), state)
    ref.swendsen_wang(flat, 8, KC, 2, np.empty(64, np.int32), np.empty(64, np.int8), state)


def row(L: int, rg: Summary, rf: Summary, ratio: Summary, extra: str = "") -> str:
    return f"{L:>5}  {rg.fmt():>21}  {rf.fmt():>21}  {ratio.fmt(suffix='x'):>20}{extra}"


def columns(third: str = "") -> str:
    return f"{'L':>5}  {'rgkit':>21}  {'reference':>21}  {'rgkit / reference':>20}{third}"


def metropolis(ref, repeats: int) -> None:
    print("Metropolis (checkerboard) at K_c, ns per attempted flip")
    print(columns(f"  {'numpy baseline':>21}  {'numpy / rgkit':>18}"))
    rng = np.random.default_rng(0)  # the numpy baseline's generator
    for L in SIZES:
        n = L * L
        chain = mc.Chain(L, KC, method="metropolis", seed=L)
        s_ref = random_spins(L, L + 1)
        state = seed_state(L)
        s_np = random_spins(L, L + 2)
        sweeps = max(1, METROPOLIS_SITES // n)
        np_sweeps = max(1, NUMPY_SITES // n)
        chain.run(200)  # equilibrate (and touch the memory)
        ref.metropolis(s_ref, KC, 200, state)
        numpy_metropolis(s_np, KC, 2, rng)

        def run_rgkit(chain=chain, sweeps=sweeps, n=n):
            return timed(lambda: chain.run(sweeps))[0] / (sweeps * n) * 1e9

        def run_ref(s=s_ref, sweeps=sweeps, state=state, n=n):
            return timed(lambda: ref.metropolis(s, KC, sweeps, state))[0] / (sweeps * n) * 1e9

        def run_numpy(s=s_np, k=np_sweeps, n=n):
            return timed(lambda: numpy_metropolis(s, KC, k, rng))[0] / (k * n) * 1e9

        t = interleave({"rgkit": run_rgkit, "reference": run_ref, "numpy": run_numpy}, repeats)
        rg, rf, nb = Summary(t["rgkit"]), Summary(t["reference"]), Summary(t["numpy"])
        extra = f"  {nb.fmt():>21}  {ratios(t['numpy'], t['rgkit']).fmt(1, 'x'):>18}"
        print(row(L, rg, rf, ratios(t["rgkit"], t["reference"]), extra))
    print()


def wolff(ref, repeats: int) -> None:
    print("Wolff at K_c, ns per flipped spin")
    print(columns(f"  {'rgkit cluster / L^2':>19}"))
    for L in SIZES:
        n = L * L
        chain = mc.Chain(L, KC, method="wolff", seed=L)
        s_ref = random_spins(L, L + 1).ravel()
        nbr = ref.neighbours(L)
        stack = np.empty(n, dtype=np.int32)
        state = seed_state(L)
        # Equilibrate by flipped spins, not clusters: from a random start the first clusters are tiny.
        while chain.changed < WOLFF_EQUILIBRATION * n:
            chain.run(100)
        flipped = 0
        while flipped < WOLFF_EQUILIBRATION * n:
            flipped += ref.wolff(s_ref, nbr, KC, 100, stack, state)
        probe = 2000
        mean_size = ref.wolff(s_ref, nbr, KC, probe, stack, state) / probe
        clusters = max(10, int(WOLFF_FLIPS / mean_size))
        sizes: list[float] = []

        def run_rgkit(chain=chain, clusters=clusters, n=n, sizes=sizes):
            before = chain.changed
            seconds, _ = timed(lambda: chain.run(clusters))
            flipped = chain.changed - before
            sizes.append(flipped / clusters / n)
            return seconds / flipped * 1e9

        def run_ref(s=s_ref, nbr=nbr, clusters=clusters, stack=stack, state=state):
            seconds, flipped = timed(lambda: ref.wolff(s, nbr, KC, clusters, stack, state))
            return seconds / flipped * 1e9

        t = interleave({"rgkit": run_rgkit, "reference": run_ref}, repeats)
        extra = f"  {Summary(sizes).fmt(3):>19}"
        print(row(L, Summary(t["rgkit"]), Summary(t["reference"]), ratios(t["rgkit"], t["reference"]), extra))
    print()


def swendsen_wang(ref, repeats: int) -> None:
    print("Swendsen-Wang at K_c, ns per spin per lattice update")
    print(columns())
    for L in SIZES:
        n = L * L
        chain = mc.Chain(L, KC, method="swendsen-wang", seed=L)
        s_ref = random_spins(L, L + 1).ravel()
        parent = np.empty(n, dtype=np.int32)  # the dtypes rgkit's own kernel uses
        flip = np.empty(n, dtype=np.int8)
        state = seed_state(L)
        updates = max(1, SW_SITES // n)
        chain.run(50)  # equilibrate
        ref.swendsen_wang(s_ref, L, KC, 50, parent, flip, state)

        def run_rgkit(chain=chain, updates=updates, n=n):
            return timed(lambda: chain.run(updates))[0] / (updates * n) * 1e9

        def run_ref(s=s_ref, L=L, updates=updates, parent=parent, flip=flip, state=state, n=n):
            seconds, _ = timed(lambda: ref.swendsen_wang(s, L, KC, updates, parent, flip, state))
            return seconds / (updates * n) * 1e9

        t = interleave({"rgkit": run_rgkit, "reference": run_ref}, repeats)
        print(row(L, Summary(t["rgkit"]), Summary(t["reference"]), ratios(t["rgkit"], t["reference"])))
    print()


def independent_chains(ref, repeats: int) -> None:
    """Throughput of mc.sample with one chain against two chains on two threads."""
    print("Metropolis, independent chains at K_c through mc.sample(n_chains=...), ns per spin update")
    print(f"{'L':>5}  {'1 chain':>21}  {'2 chains (threads)':>21}  {'1 chain / 2 chains':>20}")
    burn_in, thin = 10, 2
    for L in (16, 32, 64, 128):
        n = L * L
        n_samples = max(2, 2 * METROPOLIS_SITES // (n * thin) // 4)
        mc.sample(L, KC, 4, method="metropolis", burn_in=1, thin=1, n_chains=2, seed=0, progress=False)

        def run(chains, L=L, n=n, n_samples=n_samples):
            seconds, _ = timed(
                lambda: mc.sample(
                    L,
                    KC,
                    n_samples,
                    method="metropolis",
                    burn_in=burn_in,
                    thin=thin,
                    n_chains=chains,
                    seed=1,
                    progress=False,
                )
            )
            return seconds / ((chains * burn_in + n_samples * thin) * n) * 1e9

        t = interleave({"one": lambda: run(1), "two": lambda: run(2)}, repeats)
        one, two = Summary(t["one"]), Summary(t["two"])
        print(f"{L:>5}  {one.fmt():>21}  {two.fmt():>21}  {ratios(t['one'], t['two']).fmt(suffix='x'):>20}")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help=f"interleaved rounds (at least {MIN_REPEATS})")
    parser.add_argument(
        "--only", nargs="+", choices=("metropolis", "wolff", "swendsen-wang", "chains"), help="time only these kernels"
    )
    args = parser.parse_args()
    ref = load_reference_kernels()
    header("bench_mc: rgkit's Monte Carlo kernels against ../shared/bench/reference_kernels.py")
    print(f"K = K_c = {KC:.6f}; one thread; {args.repeats} interleaved rounds; median [min-max]\n")
    warm_up(ref)
    benches = {"metropolis": metropolis, "wolff": wolff, "swendsen-wang": swendsen_wang, "chains": independent_chains}
    for name, bench in benches.items():
        if args.only is None or name in args.only:
            bench(ref, args.repeats)


if __name__ == "__main__":
    main()
