"""Monte Carlo sampling of the Ising model: Metropolis, heat bath, Wolff, Swendsen–Wang.

One public chain type, :class:`Chain`, holds a configuration and its generator state; the
update rule behind it is a small private object (``_Metropolis2D``, ``_HeatBath``, ``_Wolff``,
``_SwendsenWang``, ``_Metropolis1D``, ``_ExactRing``) that allocates only the work arrays it
needs and runs its own numba kernel, as NetKet's sampler rules do. Every kernel can record
the energy after each update, so the pilot run that measures τ_int runs exactly the kernel
that produces the samples. :func:`sample` and :func:`sample_with_info` draw spaced samples
from a chain; :func:`measure` and :func:`energy_autocorrelation` estimate observables and
autocorrelation times with error bars from the samples themselves.

The kernels use an inline xoshiro256+ generator (see ``rgkit._rng``); every random draw
flows from the ``seed`` argument, and the same seed gives the same bytes on the same
machine. Spins are int8 ±1, J = 1, periodic boundaries, K = J/k_BT.

References
----------
N. Metropolis et al., J. Chem. Phys. 21, 1087 (1953); U. Wolff, Phys. Rev. Lett. 62, 361
(1989); R. H. Swendsen and J.-S. Wang, Phys. Rev. Lett. 58, 86 (1987).
"""

from __future__ import annotations

import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from numba import njit

from . import stats
from ._progress import bar
from ._rng import make_state, next_double
from ._rng import step as rng_step
from ._validate import check_choice, check_coupling, check_int, rng_from
from .exact import KC

#: Site updates per numba call in :meth:`Chain.run`: about 20-100 ms of work, so that Ctrl-C
#: (KeyboardInterrupt) gets through between calls of a long burn-in or thinning run.
_CHUNK_SITES = 10_000_000
#: Largest lattice side (dim=2) or ring length (dim=1).
_MAX_L = 1 << 14
#: Largest energy series :func:`energy_autocorrelation` records (8 bytes each: 512 MiB).
_MAX_RECORDED = 1 << 26
#: Fewest samples :func:`measure` accepts: 32 blocks of 2 for blocking and the jackknife.
_MIN_MEASURE_SAMPLES = 64


# ----------------------------------------------------------------------------- energies
@njit(cache=True, nogil=True)
def _energy_2d(s):
    L = s.shape[0]
    e = 0
    for i in range(L):
        ip = i + 1 if i + 1 < L else 0
        for j in range(L):
            jp = j + 1 if j + 1 < L else 0
            e -= s[i, j] * (s[ip, j] + s[i, jp])
    return e


@njit(cache=True, nogil=True)
def _energy_1d(s):
    n = s.shape[0]
    e = 0
    for i in range(n):
        e -= s[i] * s[(i + 1) % n]
    return e


# ----------------------------------------------------------------------------- 2D kernels
# Every kernel takes ``energies``, float64 of length n_updates (record the energy after each
# update) or 0 (record nothing), and returns the number of spins it flipped.
@njit(cache=True, nogil=True)
def _checkerboard_metropolis(s, K, n_sweeps, state):
    """``n_sweeps`` checkerboard Metropolis sweeps on an even L ≥ 4; returns accepted flips.

    The hot loop of the book: xoshiro256+ kept in registers, integer thresholds instead of
    floats, and a branchless update. Nothing else goes in this loop: even a per-sweep
    ``if record`` costs 3-4 % here.
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


@njit(cache=True, nogil=True)
def _metropolis_sweeps(s, K, n_sweeps, state, energies):
    """``n_sweeps`` checkerboard Metropolis sweeps, recording the energy after each if asked.

    Recording runs the same hot loop one sweep at a time, so the random draws and the
    configurations are exactly those of an unrecorded run.
    """
    if energies.shape[0] == 0:
        return _checkerboard_metropolis(s, K, n_sweeps, state)
    accepted = 0
    for t in range(n_sweeps):
        accepted += _checkerboard_metropolis(s, K, 1, state)
        energies[t] = _energy_2d(s)
    return accepted


@njit(cache=True, nogil=True)
def _metropolis_2x2(s, K, n_updates, state, energies):
    """Metropolis on the 2×2 torus: each update tries 4 flips at random sites.

    A checkerboard sweep is not ergodic here: a sublattice whose neighbours sum to zero
    flips deterministically, so the relative sign of its two spins never changes.
    """
    record = energies.shape[0] > 0
    table = np.empty(5)
    for idx in range(5):
        table[idx] = min(1.0, math.exp(-2.0 * K * (2 * idx - 4)))
    accepted = 0
    for t in range(n_updates):
        for _ in range(4):
            k = int(next_double(state) * 4)
            if k > 3:
                k = 3
            i, j = k // 2, k % 2
            # Each neighbour of a site on the 2×2 torus appears twice (both directions).
            h = 2 * (s[1 - i, j] + s[i, 1 - j])
            if next_double(state) < table[(s[i, j] * h + 4) // 2]:
                s[i, j] = -s[i, j]
                accepted += 1
        if record:
            energies[t] = _energy_2d(s)
    return accepted


@njit(cache=True, nogil=True)
def _heatbath_sweeps(s, K, n_sweeps, state, energies):
    """``n_sweeps`` checkerboard heat-bath sweeps, any L ≥ 2; returns the spins changed.

    Each site is set to +1 with probability 1/(1 + exp(-2 K h)), h the neighbour sum.
    """
    L = s.shape[0]
    record = energies.shape[0] > 0
    p_up = np.empty(5)  # p_up[(h + 4) // 2] = P(s = +1 | h)
    for idx in range(5):
        p_up[idx] = 1.0 / (1.0 + math.exp(-2.0 * K * (2 * idx - 4)))
    changed = 0
    for t in range(n_sweeps):
        for parity in range(2):
            for i in range(L):
                ip = i + 1 if i + 1 < L else 0
                im = i - 1 if i > 0 else L - 1
                for j in range((i + parity) % 2, L, 2):
                    jp = j + 1 if j + 1 < L else 0
                    jm = j - 1 if j > 0 else L - 1
                    h = s[ip, j] + s[im, j] + s[i, jp] + s[i, jm]
                    new = 1 if next_double(state) < p_up[(h + 4) // 2] else -1
                    changed += new != s[i, j]
                    s[i, j] = new
        if record:
            energies[t] = _energy_2d(s)
    return changed


#: A Wolff stack entry packs a site as row << _COL_BITS | column (L ≤ 2^14, so it fits int32).
_COL_BITS = 14
_COL_MASK = (1 << _COL_BITS) - 1
_TWO_53 = 9007199254740992.0


@njit(cache=True, nogil=True)
def _wolff_updates(s, K, n_updates, state, energies, stack):
    """``n_updates`` Wolff cluster flips; returns the total number of spins flipped.

    The generator lives in registers, the bond test is an integer comparison with the top 53
    random bits, and the stack holds packed (row, column) pairs, so a neighbour costs an add
    and a compare: no division, and no neighbour table (4 int32 per site would be 4 GiB at
    L = 16384). A site is flipped when pushed, so it is pushed at most once: the stack needs
    L² entries.
    """
    L = s.shape[0]
    n = L * L
    flat = s.reshape(n)
    record = energies.shape[0] > 0
    threshold = np.uint64((1.0 - math.exp(-2.0 * K)) * _TWO_53)  # P(bond) · 2^53
    site_scale = n / _TWO_53
    s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
    changed = 0
    for t in range(n_updates):
        r, s0, s1, s2, s3 = rng_step(s0, s1, s2, s3)
        site = min(int(float(r) * site_scale), n - 1)
        i0 = site // L
        seed_spin = flat[site]
        flat[site] = -seed_spin
        stack[0] = (i0 << _COL_BITS) | (site - i0 * L)
        top = 1
        size = 1
        while top > 0:
            top -= 1
            packed = stack[top]
            i = packed >> _COL_BITS
            j = packed & _COL_MASK
            ip = i + 1 if i + 1 < L else 0
            im = i - 1 if i > 0 else L - 1
            jp = j + 1 if j + 1 < L else 0
            jm = j - 1 if j > 0 else L - 1
            for d in range(4):
                if d == 0:
                    ni, nj = ip, j
                elif d == 1:
                    ni, nj = im, j
                elif d == 2:
                    ni, nj = i, jp
                else:
                    ni, nj = i, jm
                k = ni * L + nj
                if flat[k] == seed_spin:
                    r, s0, s1, s2, s3 = rng_step(s0, s1, s2, s3)
                    if r < threshold:
                        flat[k] = -seed_spin
                        stack[top] = (ni << _COL_BITS) | nj
                        top += 1
                        size += 1
        changed += size
        if record:
            energies[t] = _energy_2d(s)
    state[0], state[1], state[2], state[3] = s0, s1, s2, s3
    return changed


@njit(cache=True, nogil=True)
def _root(parent, x):
    """Root of ``x``, halving the path on the way (every node then points two levels up)."""
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


@njit(cache=True, nogil=True)
def _join(parent, a, b):
    """Union of the trees of ``a`` and ``b``, the smaller root on top.

    Keeping the smaller index as the root keeps parent[x] ≤ x for every site, which lets
    the flip pass resolve every cluster in one forward sweep without a single find.
    """
    ra = _root(parent, a)
    rb = _root(parent, b)
    if ra < rb:
        parent[rb] = ra
    elif rb < ra:
        parent[ra] = rb


@njit(cache=True, nogil=True)
def _sw_updates(s, K, n_updates, state, energies, parent, flip):
    """``n_updates`` Swendsen–Wang lattice updates; returns the total number of spins flipped.

    One update: a bond on each satisfied nearest-neighbour pair (right and down of every
    site, each its own draw) with probability 1 − e^{−2K}; clusters by union-find; each
    cluster flipped with probability 1/2. Because roots are cluster minima (``_join``), a
    site's parent is resolved before the site in index order, so ``flip[x] = flip[parent[x]]``
    settles every cluster in one pass, drawing one coin per root in index order.
    """
    L = s.shape[0]
    n = L * L
    flat = s.reshape(n)
    record = energies.shape[0] > 0
    threshold = np.uint64((1.0 - math.exp(-2.0 * K)) * _TWO_53)  # P(bond) · 2^53
    s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
    changed = 0
    for t in range(n_updates):
        for k in range(n):
            parent[k] = k
        for i in range(L):
            row = i * L
            below = row + L if i + 1 < L else 0
            for j in range(L):
                k = row + j
                spin = flat[k]
                # Right and down bonds draw one number each, even on L = 2 where the
                # bond to the right and to the left join the same pair.
                right = k + 1 if j + 1 < L else row
                if flat[right] == spin:
                    r, s0, s1, s2, s3 = rng_step(s0, s1, s2, s3)
                    if r < threshold:
                        _join(parent, k, right)
                down = below + j
                if flat[down] == spin:
                    r, s0, s1, s2, s3 = rng_step(s0, s1, s2, s3)
                    if r < threshold:
                        _join(parent, k, down)
        for k in range(n):
            p = parent[k]
            if p == k:
                r, s0, s1, s2, s3 = rng_step(s0, s1, s2, s3)
                f = np.int8(r >> np.uint64(52))  # the top bit: a fair coin
            else:
                f = flip[p]
            flip[k] = f
            flat[k] = flat[k] * (np.int8(1) - np.int8(2) * f)
            changed += f
        if record:
            energies[t] = _energy_2d(s)
    state[0], state[1], state[2], state[3] = s0, s1, s2, s3
    return changed


# ----------------------------------------------------------------------------- 1D kernels
@njit(cache=True, nogil=True)
def _ring_metropolis(s, K, n_updates, state, energies):
    """``n_updates`` sweeps of N Metropolis attempts at random sites; returns accepted flips.

    Random sites because a sequential sweep accepts every zero-energy flip in lockstep and
    does not mix on a chain.
    """
    n = s.shape[0]
    record = energies.shape[0] > 0
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


@njit(cache=True, nogil=True)
def _ring_exact(s, K, n_updates, state, energies, proposal):
    """Replace the ring by ``n_updates`` independent exact samples; returns the spins changed.

    The bonds b_i = s_i s_{i+1} of a ring are independent with P(b = -1) = 1/(1 + e^{2K}),
    conditioned on an even number of broken bonds; s_{i+1} = s_i b_i, with s_0 = ±1 at random.
    A draw is accepted with probability (1 + tanh(K)^N)/2 ≥ 1/2.
    """
    n = s.shape[0]
    record = energies.shape[0] > 0
    p_broken = 1.0 / (1.0 + math.exp(2.0 * K))
    changed = 0
    for t in range(n_updates):
        while True:
            spin = 1 if next_double(state) < 0.5 else -1
            broken = 0
            for i in range(n):
                proposal[i] = spin
                if next_double(state) < p_broken:  # the bond from site i to site i + 1
                    spin = -spin
                    broken += 1
            if broken % 2 == 0:
                break
        for i in range(n):
            changed += proposal[i] != s[i]
            s[i] = proposal[i]
        if record:
            energies[t] = _energy_1d(s)
    return changed


# ----------------------------------------------------------------------------- update rules
class _Rule:
    """An update rule: the work arrays it needs and the kernel that applies it.

    ``run(spins, state, n_updates, energies)`` applies ``n_updates`` updates in place,
    records the energy after each when ``energies`` is not empty, and returns the number of
    spins flipped. ``sweeps`` says whether an update touches every site (a sweep) or a
    random number of them (a cluster); ``independent`` that successive states are
    independent, so no pilot run is needed.
    """

    sweeps = True
    independent = False

    def __init__(self, L: int, K: float) -> None:
        self.K = K


class _Metropolis2D(_Rule):
    """Checkerboard Metropolis sweeps (random-site on the 2×2 torus); even L only."""

    def __init__(self, L: int, K: float) -> None:
        super().__init__(L, K)
        if L % 2:
            # On an odd torus the two colours touch across the boundary; sweeping them with
            # deterministic zero-energy flips leaves some states unvisited (seen on 3×3).
            raise ValueError(
                f"metropolis uses checkerboard sweeps, which need an even L; got L={L}. "
                "Use heatbath, wolff or swendsen-wang for odd L"
            )
        self._kernel = _metropolis_2x2 if L == 2 else _metropolis_sweeps

    def run(self, spins: np.ndarray, state: np.ndarray, n_updates: int, energies: np.ndarray) -> int:
        return int(self._kernel(spins, self.K, n_updates, state, energies))


class _HeatBath(_Rule):
    """Checkerboard heat-bath sweeps, any L."""

    def run(self, spins: np.ndarray, state: np.ndarray, n_updates: int, energies: np.ndarray) -> int:
        return int(_heatbath_sweeps(spins, self.K, n_updates, state, energies))


class _Wolff(_Rule):
    """One Wolff cluster per update; a stack of L² site indices."""

    sweeps = False

    def __init__(self, L: int, K: float) -> None:
        super().__init__(L, K)
        self._stack = np.empty(L * L, dtype=np.int32)  # L ≤ 2^14: indices < 2^28

    def run(self, spins: np.ndarray, state: np.ndarray, n_updates: int, energies: np.ndarray) -> int:
        return int(_wolff_updates(spins, self.K, n_updates, state, energies, self._stack))


class _SwendsenWang(_Rule):
    """One Swendsen–Wang update of the whole lattice; union-find parents and cluster flips."""

    def __init__(self, L: int, K: float) -> None:
        super().__init__(L, K)
        self._parent = np.empty(L * L, dtype=np.int32)
        self._flip = np.empty(L * L, dtype=np.int8)

    def run(self, spins: np.ndarray, state: np.ndarray, n_updates: int, energies: np.ndarray) -> int:
        return int(_sw_updates(spins, self.K, n_updates, state, energies, self._parent, self._flip))


class _Metropolis1D(_Rule):
    """N Metropolis attempts at random sites of the ring per update."""

    def run(self, spins: np.ndarray, state: np.ndarray, n_updates: int, energies: np.ndarray) -> int:
        return int(_ring_metropolis(spins, self.K, n_updates, state, energies))


class _ExactRing(_Rule):
    """An independent exact sample of the ring per update; a proposal buffer of N spins."""

    independent = True

    def __init__(self, L: int, K: float) -> None:
        super().__init__(L, K)
        self._proposal = np.empty(L, dtype=np.int8)

    def run(self, spins: np.ndarray, state: np.ndarray, n_updates: int, energies: np.ndarray) -> int:
        return int(_ring_exact(spins, self.K, n_updates, state, energies, self._proposal))


_RULES = {
    1: {"metropolis": _Metropolis1D, "exact": _ExactRing},
    2: {"metropolis": _Metropolis2D, "heatbath": _HeatBath, "wolff": _Wolff, "swendsen-wang": _SwendsenWang},
}
_DEFAULT_METHOD = {1: "exact", 2: "wolff"}
METHODS_1D = tuple(_RULES[1])
METHODS_2D = tuple(_RULES[2])


# ----------------------------------------------------------------------------- the chain
class Chain:
    """A Markov chain of one update rule on one periodic Ising ring or square lattice.

    Parameters
    ----------
    L : int
        Ring length (``dim=1``) or lattice side (``dim=2``), from 2 to 16384.
    K : float
        Coupling J/k_BT, positive (ferromagnet).
    dim : {1, 2}
    method : str or None
        2D: ``"metropolis"`` (checkerboard sweeps, even L only; random-site on 2×2),
        ``"heatbath"`` (checkerboard sweeps, any L), ``"wolff"``, ``"swendsen-wang"``;
        1D: ``"metropolis"`` (random-site), ``"exact"`` (independent exact samples).
        ``None`` means ``"wolff"`` in 2D and ``"exact"`` in 1D.
    seed : int, numpy Generator or None
        Draws the initial configuration and seeds the chain's xoshiro256+ state.

    Attributes
    ----------
    spins : ndarray of int8, shape (L,) or (L, L)
        The current configuration, updated in place. It starts random, or all +1 for
        K > K_c in 2D (the ordered phase, near equilibrium).
    updates : int
        Updates run so far: sweeps for metropolis/heatbath, clusters for wolff, lattice
        updates for swendsen-wang, independent draws for exact.
    changed : int
        Spins flipped so far.
    n_sites : int
        L or L².
    method : str

    Raises
    ------
    ValueError
        For L, K, dim or method out of range, and for metropolis with an odd L in 2D.

    Examples
    --------
    >>> chain = Chain(8, 0.3, method="metropolis", seed=0)
    >>> e = chain.record(5)
    >>> e.shape, chain.updates
    ((5,), 5)
    """

    def __init__(
        self,
        L: int,
        K: float,
        *,
        dim: int = 2,
        method: str | None = None,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        dim = check_int(dim, "dim", minimum=1, maximum=2)
        L = check_int(L, "L", minimum=2, maximum=_MAX_L)
        K = check_coupling(K)
        method = _DEFAULT_METHOD[dim] if method is None else method
        method = check_choice(method, "method", tuple(_RULES[dim]), explain=f"for dim={dim}")
        rng = rng_from(seed)
        self.L, self.K, self.dim, self.method = L, K, dim, method
        self._rule = _RULES[dim][method](L, K)
        self.n_sites = L if dim == 1 else L * L
        shape = (L,) if dim == 1 else (L, L)
        if dim == 2 and K > KC:
            self.spins = np.ones(shape, dtype=np.int8)  # ordered phase: start near equilibrium
        else:
            # In place in int8: one byte per site even while drawing (2^28 sites at L = 16384).
            self.spins = rng.integers(0, 2, size=shape, dtype=np.int8)
            self.spins *= 2
            self.spins -= 1
        self._state = make_state(rng)
        self.updates = 0
        self.changed = 0

    def _advance(self, n_updates: int, energies: np.ndarray) -> None:
        # Chunks of about _CHUNK_SITES site updates: Ctrl-C is seen between numba calls.
        chunk = max(1, _CHUNK_SITES // self.n_sites)
        record = energies.size > 0
        done = 0
        while done < n_updates:
            m = min(chunk, n_updates - done)
            out = energies[done : done + m] if record else energies
            self.changed += self._rule.run(self.spins, self._state, m, out)
            self.updates += m
            done += m

    def run(self, n_updates: int) -> None:
        """Apply ``n_updates`` updates (see :attr:`updates` for what one update is).

        Raises
        ------
        KeyboardInterrupt
            On Ctrl-C, between chunks of about 10^7 site updates; the chain stays valid.
        """
        n_updates = check_int(n_updates, "n_updates", minimum=0)
        self._advance(n_updates, np.empty(0, dtype=np.float64))

    def record(self, n_updates: int) -> np.ndarray:
        """Apply ``n_updates`` updates and return the energy after each.

        The updates are exactly those of :meth:`run` (the same kernel and random draws):
        recording only reads the configuration.

        Returns
        -------
        energies : ndarray of float64, shape (n_updates,)
            Total energy E = -Σ_<ij> s_i s_j in units of J (not per site).
        """
        n_updates = check_int(n_updates, "n_updates", minimum=0)
        energies = np.empty(n_updates, dtype=np.float64)
        if n_updates:
            self._advance(n_updates, energies)
        return energies

    def pilot(self, *, min_updates: int = 1000, max_updates: int = 1 << 17) -> tuple[float, int]:
        """Equilibrate the chain and measure τ_int of its energy, in updates.

        Runs ``min_updates`` updates to equilibrate, then records the energy for a series
        that doubles, starting at ``min_updates``, until it is at least 100 τ_int long or
        reaches ``max_updates``.

        Parameters
        ----------
        min_updates : int
            At least 4.
        max_updates : int
            At least ``min_updates``.

        Returns
        -------
        tau : float
            τ_int of the energy in updates (at least 1/2, see
            :func:`rgkit.stats.integrated_autocorrelation_time`).
        updates_run : int
            Updates the pilot applied, equilibration and every series included.
        """
        min_updates = check_int(min_updates, "min_updates", minimum=4)
        max_updates = check_int(max_updates, "max_updates", minimum=min_updates)
        before = self.updates
        self.run(min_updates)
        length = min_updates
        while True:
            series = self.record(length)
            tau, _ = stats.integrated_autocorrelation_time(series)
            if length >= 100 * tau or length >= max_updates:
                return tau, self.updates - before
            length *= 2

    def spins_per_update(self) -> float:
        """Mean number of spins an update touches: N for sweeps, the mean cluster size ⟨C⟩
        so far for Wolff (0 before the first update)."""
        if self._rule.sweeps:
            return float(self.n_sites)
        return self.changed / self.updates if self.updates else 0.0

    def __repr__(self) -> str:
        return f"Chain(L={self.L}, K={self.K:g}, dim={self.dim}, method={self.method!r}, updates={self.updates})"


# ----------------------------------------------------------------------------- sampling
@dataclass(frozen=True)
class SamplingInfo:
    """How :func:`sample_with_info` drew its samples.

    Attributes
    ----------
    method : str
    tau_int : float
        τ_int of the energy in updates, from the pilot run; 0.5 for the exact ring sampler;
        NaN when ``burn_in`` and ``thin`` were both given (no pilot run).
    tau_int_sweeps : float
        τ_int in sweeps (N attempted flips; a Wolff cluster counts as ⟨C⟩/N sweeps).
    burn_in, thin : int
        Updates before the first sample and between samples.
    acceptance : float
        Fraction of spins flipped per update: accepted flips per attempt for
        metropolis/heatbath, the mean cluster fraction for wolff, about 1/2 for
        swendsen-wang and the exact ring sampler.
    spins_per_update : float
        See :meth:`Chain.spins_per_update`.
    elapsed : float
        Wall time in seconds, pilot included.
    """

    method: str
    tau_int: float
    tau_int_sweeps: float
    burn_in: int
    thin: int
    acceptance: float
    spins_per_update: float
    elapsed: float


def _spacing(chain: Chain, burn_in: int | None, thin: int | None) -> tuple[float, int, int]:
    """τ_int, burn-in and thinning: the given ones, or chosen from a pilot run of the chain."""
    if chain._rule.independent:
        return 0.5, 0 if burn_in is None else burn_in, 1 if thin is None else thin
    if burn_in is not None and thin is not None:
        return float("nan"), burn_in, thin
    tau, _ = chain.pilot()
    burn_in = max(math.ceil(20 * tau), 100) if burn_in is None else burn_in
    thin = max(math.ceil(2 * tau), 1) if thin is None else thin
    return tau, burn_in, thin


def _draw(chain: Chain, n_samples: int, burn_in: int, thin: int, shown) -> np.ndarray:
    """Run ``burn_in`` updates, then keep the configuration every ``thin`` updates."""
    chain.run(burn_in)
    out = np.empty((n_samples, *chain.spins.shape), dtype=np.int8)
    # The rule's kernel is called directly between samples: Chain.run's checks and chunking
    # cost a few microseconds of Python, held under the GIL, as much as a thinning run of a
    # small lattice, and would serialise chains in threads. Chunks keep Ctrl-C responsive.
    direct = thin <= max(1, _CHUNK_SITES // chain.n_sites)
    rule, spins, state, no_energies = chain._rule, chain.spins, chain._state, np.empty(0)
    step = 1000
    for first in range(0, n_samples, step):
        last = min(first + step, n_samples)
        if direct:
            changed = 0
            for k in range(first, last):
                changed += rule.run(spins, state, thin, no_energies)
                out[k] = spins
            chain.updates += (last - first) * thin
            chain.changed += changed
        else:
            for k in range(first, last):
                chain.run(thin)
                out[k] = spins
        shown.update(last - first)
    return out


def _in_threads(function, items: list) -> list:
    """``function`` over ``items``, one thread each when there are several. The kernels
    release the GIL (``nogil=True``), so independent chains run on separate cores."""
    if len(items) == 1:
        return [function(items[0])]
    with ThreadPoolExecutor(max_workers=len(items)) as pool:
        return list(pool.map(function, items))


class _LockedBar:
    """A progress bar several threads update."""

    def __init__(self, shown) -> None:
        self._shown, self._lock = shown, threading.Lock()

    def update(self, n: int) -> None:
        with self._lock:
            self._shown.update(n)


def sample_with_info(
    L: int,
    K: float,
    n_samples: int,
    *,
    dim: int = 2,
    method: str | None = None,
    seed: int | np.random.Generator | None = None,
    burn_in: int | None = None,
    thin: int | None = None,
    n_chains: int = 1,
    progress: bool | None = None,
) -> tuple[np.ndarray, SamplingInfo]:
    """Equilibrium samples of the periodic Ising ring or square lattice, and how they were drawn.

    Parameters
    ----------
    L, K, dim, method, seed
        As for :class:`Chain`.
    n_samples : int
        Number of configurations to return, at least 1.
    burn_in, thin : int or None
        Updates of the method before the first sample and between samples (a sweep for
        metropolis/heatbath, one cluster for wolff, one lattice update for swendsen-wang).
        ``None`` chooses them from τ_int of the energy, measured by :meth:`Chain.pilot`
        with the same kernel that then draws the samples: ``burn_in = max(⌈20 τ⌉, 100)``
        after the pilot's own equilibration and ``thin = ⌈2 τ⌉``. The exact ring sampler
        needs neither (defaults 0 and 1).
    n_chains : int
        Independent chains to draw the samples from, each in its own thread (the kernels
        release the GIL, so two chains use two cores). Chain ``c`` draws the ``c``-th
        contiguous share of the samples from its own generator, spawned from ``seed``, after
        its own pilot run and burn-in; burn-in and thinning follow the largest τ_int of the
        chains. The result does not depend on thread timing: the same seed and ``n_chains``
        give the same bytes. ``1`` (the default) draws from one chain seeded by ``seed``
        itself; a different ``n_chains`` gives different (equally valid) samples. Threads
        pay off when the updates between two samples cost well above a Python call (a few
        microseconds): with thin = 2 Metropolis sweeps, two chains give about 1.6× the
        throughput of one from L ≈ 64 on two cores, and are slower than one at L = 16
        (``benchmarks/bench_mc.py``).
    progress : bool or None
        Show a progress bar; ``None`` shows one unless ``RGBOOK_QUIET`` is set.

    Returns
    -------
    samples : ndarray of int8, shape (n_samples, L, L) or (n_samples, L)
    info : SamplingInfo
        With several chains: τ_int the largest of the chains', acceptance and
        spins per update over all of them, elapsed the wall time.

    Raises
    ------
    ValueError, TypeError
        For arguments out of range or of the wrong type (see :class:`Chain`).

    Examples
    --------
    >>> s, info = sample_with_info(8, 0.3, 10, seed=1)
    >>> s.shape, info.method, info.thin >= 2 * info.tau_int
    ((10, 8, 8), 'wolff', True)
    """
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    burn_in = None if burn_in is None else check_int(burn_in, "burn_in", minimum=0)
    thin = None if thin is None else check_int(thin, "thin", minimum=1)
    n_chains = check_int(n_chains, "n_chains", minimum=1, maximum=n_samples)
    start = time.perf_counter()
    if n_chains == 1:
        chains = [Chain(L, K, dim=dim, method=method, seed=seed)]
    else:
        chains = [Chain(L, K, dim=dim, method=method, seed=g) for g in rng_from(seed).spawn(n_chains)]
    spacings = _in_threads(lambda chain: _spacing(chain, burn_in, thin), chains)
    tau = max(t for t, _, _ in spacings) if n_chains > 1 else spacings[0][0]
    burn_in_used = max(b for _, b, _ in spacings)
    thin_used = max(t for _, _, t in spacings)
    shares = [len(part) for part in np.array_split(np.arange(n_samples), n_chains)]
    chain0 = chains[0]
    shown = bar(progress, total=n_samples, desc=f"{chain0.method} L={L} K={chain0.K:g}", unit="sample")
    try:
        locked = _LockedBar(shown)
        parts = _in_threads(
            lambda job: _draw(job[0], job[1], burn_in_used, thin_used, locked), list(zip(chains, shares, strict=True))
        )
    finally:
        shown.close()
    out = parts[0] if n_chains == 1 else np.concatenate(parts)
    updates = sum(chain.updates for chain in chains)
    changed = sum(chain.changed for chain in chains)
    per_update = chain0.spins_per_update() if chain0._rule.sweeps or n_chains == 1 else changed / updates
    info = SamplingInfo(
        method=chain0.method,
        tau_int=tau,
        tau_int_sweeps=tau * per_update / chain0.n_sites,
        burn_in=burn_in_used,
        thin=thin_used,
        acceptance=changed / (updates * chain0.n_sites) if updates else float("nan"),
        spins_per_update=per_update,
        elapsed=time.perf_counter() - start,
    )
    return out, info


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
    n_chains: int = 1,
    progress: bool | None = None,
) -> np.ndarray:
    """Equilibrium samples of the periodic Ising ring or square lattice.

    The arguments are those of :func:`sample_with_info`, which also returns τ_int, the
    thinning and the time taken.

    Returns
    -------
    samples : ndarray of int8, shape (n_samples, L, L) or (n_samples, L)

    Examples
    --------
    >>> s = sample(8, 0.3, 10, seed=1)
    >>> s.shape, s.dtype
    ((10, 8, 8), dtype('int8'))
    """
    out, _ = sample_with_info(
        L,
        K,
        n_samples,
        dim=dim,
        method=method,
        seed=seed,
        burn_in=burn_in,
        thin=thin,
        n_chains=n_chains,
        progress=progress,
    )
    return out


# ----------------------------------------------------------------------------- measurements
@dataclass(frozen=True)
class Autocorrelation:
    """τ_int of the energy of one chain, from :func:`energy_autocorrelation`.

    Attributes
    ----------
    tau : float
        In updates of the method.
    tau_sweeps : float
        In sweeps of N attempted flips (a Wolff cluster counts as ⟨C⟩/N sweeps).
    window : int
        Sokal's window, in updates.
    n_updates : int
        Length of the recorded series.
    spins_per_update : float
        N for sweeps, ⟨C⟩ over the recorded series for Wolff.
    """

    tau: float
    tau_sweeps: float
    window: int
    n_updates: int
    spins_per_update: float


def energy_autocorrelation(
    L: int, K: float, *, method: str, n_updates: int, seed: int | np.random.Generator | None = None
) -> Autocorrelation:
    """Measure τ_int of the energy of one 2D chain, in updates and in sweeps.

    The chain is equilibrated with 20 % of ``n_updates`` (at least 1000) before it records
    ``n_updates`` energies.

    Parameters
    ----------
    L, K, method, seed
        As for :class:`Chain` (``dim=2``).
    n_updates : int
        Length of the recorded energy series, from 100 to 2^26 (8 bytes each).

    Returns
    -------
    Autocorrelation

    Raises
    ------
    ValueError
        For ``n_updates`` out of range, and as for :class:`Chain`.
    """
    n_updates = check_int(n_updates, "n_updates", minimum=100)
    if n_updates > _MAX_RECORDED:
        raise ValueError(
            f"n_updates must be at most {_MAX_RECORDED} (the recorded energies take 8 bytes each, "
            f"{_MAX_RECORDED * 8 >> 20} MiB at the limit); got {n_updates}"
        )
    chain = Chain(L, K, dim=2, method=method, seed=seed)
    chain.run(max(1000, n_updates // 5))
    changed_before = chain.changed
    series = chain.record(n_updates)
    tau, window = stats.integrated_autocorrelation_time(series)
    per_update = (chain.changed - changed_before) / n_updates if not chain._rule.sweeps else float(chain.n_sites)
    return Autocorrelation(
        tau=tau,
        tau_sweeps=tau * per_update / chain.n_sites,
        window=window,
        n_updates=n_updates,
        spins_per_update=per_update,
    )


@dataclass(frozen=True)
class Measurement:
    """Observables per site of a 2D lattice with their standard errors, from :func:`measure`.

    Attributes
    ----------
    energy, energy_err : float
        Energy per site e = E/N, in units of J.
    specific_heat, specific_heat_err : float
        c = K² N (⟨e²⟩ - ⟨e⟩²), in units of k_B per site.
    abs_m, abs_m_err : float
        Mean absolute magnetisation per site, :math:`\\langle |m| \\rangle`.
    m2, m2_err : float
        ⟨m²⟩.
    tau_int_sweeps : float
        The sampler's τ_int of the energy, in sweeps.
    elapsed : float
        Sampling wall time in seconds.
    """

    energy: float
    energy_err: float
    specific_heat: float
    specific_heat_err: float
    abs_m: float
    abs_m_err: float
    m2: float
    m2_err: float
    tau_int_sweeps: float
    elapsed: float


def measure(
    L: int,
    K: float,
    n_samples: int,
    *,
    method: str | None = None,
    seed: int | np.random.Generator | None = None,
) -> Measurement:
    """Sample a 2D lattice and measure energy, specific heat and magnetisation, with errors.

    Errors come from the samples themselves: blocking (Flyvbjerg–Petersen) for means and a
    blocked jackknife (32 blocks) for the specific heat
    :math:`c = K^2 N (\\langle e^2\\rangle - \\langle e\\rangle^2)`.

    Parameters
    ----------
    L, K, method, seed
        As for :func:`sample` (``dim=2``).
    n_samples : int
        At least 64: both error estimates need 32 blocks of at least 2 samples.

    Returns
    -------
    Measurement

    Raises
    ------
    ValueError
        For ``n_samples < 64``, and as for :func:`sample`.
    """
    from .ising import energy, magnetization

    n_samples = check_int(n_samples, "n_samples", minimum=1)
    if n_samples < _MIN_MEASURE_SAMPLES:
        raise ValueError(
            f"n_samples must be at least {_MIN_MEASURE_SAMPLES} for error bars from the data "
            f"(32 blocks of at least 2 samples); got {n_samples}"
        )
    spins, info = sample_with_info(L, K, n_samples, method=method, seed=seed)
    n_sites = spins.shape[1] * spins.shape[2]
    e = energy(spins) / n_sites
    m = magnetization(spins)
    u, u_err = stats.binning_error(e)
    c, c_err = stats.jackknife(e, lambda x: K**2 * n_sites * x.var(), n_blocks=32)
    am, am_err = stats.binning_error(np.abs(m))
    m2, m2_err = stats.binning_error(m**2)
    return Measurement(
        energy=u,
        energy_err=u_err,
        specific_heat=c,
        specific_heat_err=c_err,
        abs_m=am,
        abs_m_err=am_err,
        m2=m2,
        m2_err=m2_err,
        tau_int_sweeps=info.tau_int_sweeps,
        elapsed=info.elapsed,
    )
