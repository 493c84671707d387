"""Monte Carlo sampling of the Ising model: Metropolis, heat bath, Wolff, Swendsen–Wang.

The kernels are numba functions with an inline xoshiro256+ generator (see ``rgkit._rng``);
every random draw flows from the ``seed`` argument, and the same seed gives the same bytes
on the same machine. Spins are int8 ±1, J = 1, periodic boundaries, K = J/k_BT.

References
----------
N. Metropolis et al., J. Chem. Phys. 21, 1087 (1953); U. Wolff, Phys. Rev. Lett. 62, 361
(1989); R. H. Swendsen and J.-S. Wang, Phys. Rev. Lett. 58, 86 (1987).
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
from numba import njit

from . import stats
from ._rng import make_state, next_double
from ._rng import step as rng_step
from ._validate import check_int, check_real, rng_from

METHODS_2D = ("metropolis", "heatbath", "wolff", "swendsen-wang")
METHODS_1D = ("metropolis", "exact")
_CODES = {"metropolis": 0, "heatbath": 1, "wolff": 2, "swendsen-wang": 3}


# ----------------------------------------------------------------------------- 2D kernels
@njit(cache=True)
def _energy_2d(s):
    L = s.shape[0]
    e = 0
    for i in range(L):
        ip = i + 1 if i + 1 < L else 0
        for j in range(L):
            jp = j + 1 if j + 1 < L else 0
            e -= s[i, j] * (s[ip, j] + s[i, jp])
    return e


@njit(cache=True)
def _local_sweep(s, table, heatbath, state):
    """One sweep of single-spin updates; returns the number of spins changed.

    Checkerboard order: all sites of one parity, then the other. ``table[(x + 4) // 2]`` holds,
    for heat bath, P(s = +1) given the neighbour sum x = h; for Metropolis, the probability
    to flip given x = s h, min(1, exp(-2 K s h)).

    On the 2×2 torus a checkerboard Metropolis sweep is not ergodic: a sublattice whose
    neighbours sum to zero flips deterministically, so the relative sign of its two spins
    never changes. There (only) Metropolis visits N random sites instead.
    """
    L = s.shape[0]
    changed = 0
    if L == 2 and not heatbath:
        for _ in range(4):
            k = int(next_double(state) * 4)
            if k > 3:
                k = 3
            i, j = k // 2, k % 2
            h = 2 * (s[1 - i, j] + s[i, 1 - j])
            if next_double(state) < table[(s[i, j] * h + 4) // 2]:
                s[i, j] = -s[i, j]
                changed += 1
        return changed
    for parity in range(2):
        for i in range(L):
            ip = i + 1 if i + 1 < L else 0
            im = i - 1 if i > 0 else L - 1
            start = (i + parity) % 2
            for j in range(start, L, 2):
                jp = j + 1 if j + 1 < L else 0
                jm = j - 1 if j > 0 else L - 1
                h = s[ip, j] + s[im, j] + s[i, jp] + s[i, jm]
                u = next_double(state)
                if heatbath:
                    new = 1 if u < table[(h + 4) // 2] else -1
                    changed += new != s[i, j]
                    s[i, j] = new
                elif u < table[(s[i, j] * h + 4) // 2]:
                    s[i, j] = -s[i, j]
                    changed += 1
    return changed


@njit(cache=True)
def _metropolis_sweeps(s, K, n_sweeps, state):
    """``n_sweeps`` checkerboard Metropolis sweeps on an even L ≥ 4; returns accepted flips.

    The hot loop of the book: xoshiro256+ kept in registers, integer thresholds instead of
    floats, and a branchless update.
    """
    L = s.shape[0]
    # thresholds[(s h + 4) // 2] = P(flip) * 2^53, compared with the top 53 random bits.
    thresholds = np.empty(5, dtype=np.uint64)
    for idx in range(5):
        p = min(1.0, math.exp(-2.0 * K * (2 * idx - 4)))
        thresholds[idx] = np.uint64(p * 9007199254740992.0)
    s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
    accepted = 0
    for _ in range(n_sweeps):
        for parity in range(2):
            for i in range(L):
                ip = i + 1 if i + 1 < L else 0
                im = i - 1 if i > 0 else L - 1
                row, up, down = s[i], s[im], s[ip]
                start = (i + parity) & 1
                for j in range(start, L, 2):
                    jp = j + 1 if j + 1 < L else 0
                    jm = j - 1 if j > 0 else L - 1
                    spin = row[j]
                    h = up[j] + down[j] + row[jp] + row[jm]
                    r, s0, s1, s2, s3 = rng_step(s0, s1, s2, s3)
                    flip = r < thresholds[(spin * h + 4) >> 1]
                    row[j] = -spin if flip else spin
                    accepted += flip
    state[0], state[1], state[2], state[3] = s0, s1, s2, s3
    return accepted


@njit(cache=True)
def _wolff_update(s, p_add, state, stack):
    """Grow and flip one Wolff cluster; returns its size."""
    L = s.shape[0]
    n = L * L
    site = int(next_double(state) * n)
    if site >= n:
        site = n - 1
    i0, j0 = site // L, site % L
    seed_spin = s[i0, j0]
    s[i0, j0] = -seed_spin
    stack[0] = site
    top = 1
    size = 1
    while top > 0:
        top -= 1
        k = stack[top]
        i, j = k // L, k % L
        for d in range(4):
            if d == 0:
                ni, nj = (i + 1) % L, j
            elif d == 1:
                ni, nj = (i - 1 + L) % L, j
            elif d == 2:
                ni, nj = i, (j + 1) % L
            else:
                ni, nj = i, (j - 1 + L) % L
            if s[ni, nj] == seed_spin and next_double(state) < p_add:
                s[ni, nj] = -seed_spin
                stack[top] = ni * L + nj
                top += 1
                size += 1
    return size


@njit(cache=True)
def _find(parent, x):
    root = x
    while parent[root] != root:
        root = parent[root]
    while parent[x] != root:
        nxt = parent[x]
        parent[x] = root
        x = nxt
    return root


@njit(cache=True)
def _sw_update(s, p_add, state, parent, flip):
    """One Swendsen–Wang update: bonds, clusters by union-find, each cluster flipped with prob. 1/2."""
    L = s.shape[0]
    n = L * L
    for k in range(n):
        parent[k] = k
    for i in range(L):
        ip = i + 1 if i + 1 < L else 0
        for j in range(L):
            jp = j + 1 if j + 1 < L else 0
            k = i * L + j
            # Each of the two bonds (right, down) draws its own number, even on L = 2 where
            # the bond to the right and to the left join the same pair.
            if s[i, jp] == s[i, j]:
                if next_double(state) < p_add:
                    a, b = _find(parent, k), _find(parent, i * L + jp)
                    if a != b:
                        parent[a] = b
            if s[ip, j] == s[i, j]:
                if next_double(state) < p_add:
                    a, b = _find(parent, k), _find(parent, ip * L + j)
                    if a != b:
                        parent[a] = b
    for k in range(n):
        flip[k] = -1
    for k in range(n):
        r = _find(parent, k)
        if flip[r] == -1:
            flip[r] = 1 if next_double(state) < 0.5 else 0
        if flip[r] == 1:
            i, j = k // L, k % L
            s[i, j] = -s[i, j]
    return n


@njit(cache=True)
def _run_2d(s, method, K, n_updates, state, record, energies, work):
    """Run ``n_updates`` updates; record the energy after each when ``record``.

    Returns the number of accepted flips (local methods) or flipped spins (Wolff).
    """
    table = np.empty(5)
    if method == 0:
        for idx in range(5):
            sh = 2 * idx - 4
            table[idx] = min(1.0, math.exp(-2.0 * K * sh))
    else:
        for idx in range(5):
            sh = 2 * idx - 4
            table[idx] = 1.0 / (1.0 + math.exp(-2.0 * K * sh))
    p_add = 1.0 - math.exp(-2.0 * K)
    stack = work[0]
    parent = work[1]
    flip = work[2]
    changed = 0
    if method == 0 and not record and s.shape[0] >= 4 and s.shape[0] % 2 == 0:
        return _metropolis_sweeps(s, K, n_updates, state)
    for t in range(n_updates):
        if method == 0 or method == 1:
            changed += _local_sweep(s, table, method == 1, state)
        elif method == 2:
            changed += _wolff_update(s, p_add, state, stack)
        else:
            _sw_update(s, p_add, state, parent, flip)
        if record:
            energies[t] = _energy_2d(s)
    return changed


# ----------------------------------------------------------------------------- 1D kernels
@njit(cache=True)
def _energy_1d(s):
    n = s.shape[0]
    e = 0
    for i in range(n):
        e -= s[i] * s[(i + 1) % n]
    return e


@njit(cache=True)
def _run_1d_metropolis(s, K, n_updates, state, record, energies):
    """``n_updates`` sweeps of N Metropolis attempts at random sites (a sequential sweep
    accepts every zero-energy flip in lockstep and does not mix on a chain)."""
    n = s.shape[0]
    table = np.empty(3)
    for idx in range(3):
        table[idx] = min(1.0, math.exp(-2.0 * K * (2 * idx - 2)))
    accepted = 0
    for t in range(n_updates):
        for _ in range(n):
            i = int(next_double(state) * n)
            if i >= n:
                i = n - 1
            h = s[(i + 1) % n] + s[(i - 1 + n) % n]
            if next_double(state) < table[(s[i] * h + 2) // 2]:
                s[i] = -s[i]
                accepted += 1
        if record:
            energies[t] = _energy_1d(s)
    return accepted


def _exact_ring(N: int, K: float, n_samples: int, rng: np.random.Generator) -> np.ndarray:
    """Independent exact samples of the ring: bonds b_i = s_i s_{i+1} are independent with
    P(b = 1) = e^K / (2 cosh K), conditioned on an even number of broken bonds."""
    p_broken = 1.0 / (1.0 + math.exp(2.0 * K))
    out = np.empty((n_samples, N), dtype=np.int8)
    filled = 0
    while filled < n_samples:
        need = n_samples - filled
        # Acceptance is (1 + tanh(K)^N) / 2 >= 1/2 for K >= 0: draw a little more than needed.
        batch = 2 * need + 16
        broken = rng.random((batch, N)) < p_broken
        ok = (broken.sum(axis=1) % 2) == 0
        bonds = np.where(broken[ok], -1, 1).astype(np.int8)[:need]
        first = np.where(rng.random(len(bonds)) < 0.5, -1, 1).astype(np.int8)
        # s_{i+1} = s_i b_i: cumulative products of the bonds along the ring.
        chain = np.empty((len(bonds), N), dtype=np.int8)
        chain[:, 0] = first
        chain[:, 1:] = first[:, None] * np.cumprod(bonds[:, :-1], axis=1, dtype=np.int8)
        out[filled : filled + len(bonds)] = chain
        filled += len(bonds)
    return out


# ----------------------------------------------------------------------------- driver
def _initial(L: int, dim: int, K: float, rng: np.random.Generator) -> np.ndarray:
    shape = (L,) if dim == 1 else (L, L)
    if dim == 2 and K > 0.4406867935097715:
        return np.ones(shape, dtype=np.int8)  # ordered phase: start near equilibrium
    return np.where(rng.random(shape) < 0.5, -1, 1).astype(np.int8)


class _Chain:
    """A Markov chain of one method on one lattice, with its generator state."""

    def __init__(self, L: int, K: float, dim: int, method: str, rng: np.random.Generator) -> None:
        self.dim, self.K, self.method = dim, K, method
        self.spins = _initial(L, dim, K, rng)
        self.state = make_state(rng)
        n = L if dim == 1 else L * L
        self.n_sites = n
        self.work = (np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n, np.int64))
        self.updates = 0
        self.changed = 0

    def run(self, n_updates: int, record: bool = False) -> np.ndarray:
        energies = np.empty(n_updates if record else 0, dtype=np.float64)
        if self.dim == 1:
            changed = _run_1d_metropolis(self.spins, self.K, n_updates, self.state, record, energies)
        else:
            changed = _run_2d(
                self.spins, _CODES[self.method], self.K, n_updates, self.state, record, energies, self.work
            )
        self.updates += n_updates
        self.changed += changed
        return energies

    def spins_per_update(self) -> float:
        """Mean number of spins an update touches (N for sweeps; ⟨C⟩ for Wolff)."""
        if self.method == "wolff":
            return self.changed / max(self.updates, 1)
        return float(self.n_sites)


def _check_method(method: object, dim: int) -> str:
    allowed = METHODS_1D if dim == 1 else METHODS_2D
    if method is None:
        return "exact" if dim == 1 else "wolff"
    if not isinstance(method, str):
        raise TypeError(f"method must be a string or None; got {type(method).__name__}")
    if method not in allowed:
        raise ValueError(f"method must be one of {allowed} for dim={dim}; got {method!r}")
    return method


def pilot(chain: _Chain, *, min_updates: int = 1000, max_updates: int = 1 << 17) -> tuple[float, int]:
    """Equilibrate a chain and measure τ_int of its energy (in updates).

    Runs ``min_updates`` updates to equilibrate, then records the energy for a series that
    doubles until it is at least 100 τ_int long (or reaches ``max_updates``).

    Returns
    -------
    tau, updates_run : float, int
    """
    chain.run(min_updates)
    length = min_updates
    while True:
        series = chain.run(length, record=True)
        tau, _ = stats.integrated_autocorrelation_time(series) if np.ptp(series) > 0 else (0.5, 1)
        if length >= 100 * tau or length >= max_updates:
            return tau, min_updates + length
        length *= 2


def sample(
    L: int,
    K: float,
    n_samples: int,
    *,
    dim: int = 2,
    method: str | None = None,
    seed: int | np.random.Generator | None = None,
    burn_in: int | None = None,
    thin: int | None = None,
    progress: bool = False,
    return_info: bool = False,
) -> np.ndarray | tuple[np.ndarray, dict[str, Any]]:
    """Equilibrium samples of the periodic Ising chain or square lattice.

    Parameters
    ----------
    L : int
        Ring length (``dim=1``) or lattice side (``dim=2``), at least 2.
    K : float
        Coupling J/k_BT, positive (ferromagnet).
    n_samples : int
        Number of configurations to return, at least 1.
    dim : {1, 2}
    method : str or None
        2D: ``"metropolis"`` (checkerboard sweeps, even L only), ``"heatbath"`` (checkerboard
        sweeps, any L), ``"wolff"``,
        ``"swendsen-wang"``; 1D: ``"metropolis"`` (random-site), ``"exact"`` (independent exact
        samples). ``None`` means ``"wolff"`` in 2D and ``"exact"`` in 1D.
    seed : int, numpy Generator or None
        Every random draw flows from it; the same seed gives the same bytes.
    burn_in, thin : int or None
        Updates of the method before the first sample and between samples (a sweep for
        metropolis/heatbath, one cluster for wolff, one lattice update for swendsen-wang).
        ``None`` chooses them from τ_int of the energy measured in a pilot run:
        ``burn_in = max(20 τ, 100)`` after the pilot's own equilibration and
        ``thin = ceil(2 τ)``.
    progress : bool
        Show a tqdm progress bar.
    return_info : bool
        Also return a dict with ``tau_int`` (updates), ``tau_int_sweeps``, ``burn_in``,
        ``thin``, ``acceptance`` (accepted flips per attempt for local methods; mean cluster
        fraction for wolff), ``spins_per_update``, ``elapsed`` (s) and ``method``.

    Returns
    -------
    samples : ndarray of int8, shape (n_samples, L, L) or (n_samples, L)
    info : dict, only with ``return_info=True``

    Examples
    --------
    >>> s = sample(8, 0.3, 10, seed=1)
    >>> s.shape, s.dtype
    ((10, 8, 8), dtype('int8'))
    """
    dim = check_int(dim, "dim", minimum=1, maximum=2)
    L = check_int(L, "L", minimum=2, maximum=1 << 14)
    K = check_real(K, "K")
    if K <= 0:
        raise ValueError(f"K must be positive (a ferromagnet, K = J/k_BT > 0); got {K}")
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    method = _check_method(method, dim)
    if dim == 2 and method == "metropolis" and L % 2:
        # On an odd torus the two colours touch across the boundary; sweeping them with
        # deterministic zero-energy flips leaves some states unvisited (seen on 3×3).
        raise ValueError(
            f"metropolis uses checkerboard sweeps, which need an even L; got L={L}. "
            "Use heatbath, wolff or swendsen-wang for odd L"
        )
    if burn_in is not None:
        burn_in = check_int(burn_in, "burn_in", minimum=0)
    if thin is not None:
        thin = check_int(thin, "thin", minimum=1)
    rng = rng_from(seed)
    start = time.perf_counter()
    n_sites = L if dim == 1 else L * L

    if method == "exact":
        out = _exact_ring(L, K, n_samples, rng)
        info = {
            "method": method,
            "tau_int": 0.5,
            "tau_int_sweeps": 0.5,
            "burn_in": 0,
            "thin": 1,
            "acceptance": 1.0,
            "spins_per_update": float(L),
        }
        info["elapsed"] = time.perf_counter() - start
        return (out, info) if return_info else out

    chain = _Chain(L, K, dim, method, rng)
    tau = float("nan")
    if burn_in is None or thin is None:
        tau, _ = pilot(chain)
        burn_in = max(int(math.ceil(20 * tau)), 100) if burn_in is None else burn_in
        thin = max(int(math.ceil(2 * tau)), 1) if thin is None else thin
    chain.run(burn_in)
    out = np.empty((n_samples, *chain.spins.shape), dtype=np.int8)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=n_samples, desc=f"{method} L={L} K={K:g}", unit="sample")
    chunk = max(1, min(n_samples, 1000))
    for first in range(0, n_samples, chunk):
        for k in range(first, min(first + chunk, n_samples)):
            chain.run(thin)
            out[k] = chain.spins
        if bar is not None:
            bar.update(min(chunk, n_samples - first))
    if bar is not None:
        bar.close()
    per_update = chain.spins_per_update()
    if method == "wolff":
        acceptance = per_update / n_sites
    elif method == "swendsen-wang":
        acceptance = float("nan")
    else:
        acceptance = chain.changed / (chain.updates * n_sites)
    info = {
        "method": method,
        "tau_int": tau,
        "tau_int_sweeps": tau * per_update / n_sites,
        "burn_in": burn_in,
        "thin": thin,
        "acceptance": acceptance,
        "spins_per_update": per_update,
        "elapsed": time.perf_counter() - start,
    }
    return (out, info) if return_info else out


def energy_autocorrelation(
    L: int, K: float, *, method: str, n_updates: int, seed: int | np.random.Generator | None = None
) -> dict[str, float]:
    """Measure τ_int of the energy of one 2D chain, in updates and in sweeps.

    The chain is equilibrated with 20 % of ``n_updates`` (at least 1000) before it records
    ``n_updates`` energies. A sweep is N attempted flips; a Wolff update counts as ⟨C⟩/N sweeps.

    Returns
    -------
    dict
        ``tau`` (updates), ``tau_sweeps``, ``window``, ``n_updates``, ``spins_per_update``.
    """
    L = check_int(L, "L", minimum=2)
    K = check_real(K, "K", positive=True)
    method = _check_method(method, 2)
    n_updates = check_int(n_updates, "n_updates", minimum=100)
    chain = _Chain(L, K, 2, method, rng_from(seed))
    chain.run(max(1000, n_updates // 5))
    before_changed, before_updates = chain.changed, chain.updates
    series = chain.run(n_updates, record=True)
    tau, window = stats.integrated_autocorrelation_time(series)
    if method == "wolff":
        per_update = (chain.changed - before_changed) / (chain.updates - before_updates)
    else:
        per_update = float(L * L)
    return {
        "tau": tau,
        "tau_sweeps": tau * per_update / (L * L),
        "window": window,
        "n_updates": n_updates,
        "spins_per_update": per_update,
    }


def measure(
    L: int,
    K: float,
    n_samples: int,
    *,
    method: str | None = None,
    seed: int | np.random.Generator | None = None,
) -> dict[str, float]:
    """Sample a 2D lattice and measure energy, specific heat and mean absolute magnetisation, with errors.

    Errors come from the samples themselves: blocking (Flyvbjerg–Petersen) for means and a
    blocked jackknife for the specific heat :math:`c = K^2 N (\\langle e^2\\rangle - \\langle e\\rangle^2)`.

    Returns
    -------
    dict
        ``energy``, ``energy_err``, ``specific_heat``, ``specific_heat_err``, ``abs_m``,
        ``abs_m_err``, ``m2``, ``m2_err``, and the sampler's ``tau_int_sweeps`` and ``elapsed``.
    """
    from .ising import energy, magnetization

    spins, info = sample(L, K, n_samples, method=method, seed=seed, return_info=True)
    n_sites = L * L
    e = energy(spins) / n_sites
    m = magnetization(spins)
    u, u_err = stats.binning_error(e) if n_samples >= 64 else (float(e.mean()), float("nan"))
    c, c_err = stats.jackknife(e, lambda x: K**2 * n_sites * x.var(), n_blocks=min(32, n_samples))
    am, am_err = stats.binning_error(np.abs(m)) if n_samples >= 64 else (float(np.abs(m).mean()), float("nan"))
    m2, m2_err = stats.binning_error(m**2) if n_samples >= 64 else (float((m**2).mean()), float("nan"))
    return {
        "energy": u,
        "energy_err": u_err,
        "specific_heat": c,
        "specific_heat_err": c_err,
        "abs_m": am,
        "abs_m_err": am_err,
        "m2": m2,
        "m2_err": m2_err,
        "tau_int_sweeps": info["tau_int_sweeps"],
        "elapsed": info["elapsed"],
    }
