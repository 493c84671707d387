"""Spin Hamiltonians written as tables of multi-spin couplings.

A Hamiltonian of N spins s_i = ±1 is

.. math:: H(s) = c - \\sum_S K_S \\prod_{i \\in S} s_i ,

with one coupling K_S for each set S of sites. Every function of N spins has exactly one
such expansion (:func:`expand_hamiltonian`), so a coarse Hamiltonian computed by enumeration
can be read as couplings: which ones a renormalization step generates, and how large.
Energies are in units of k_B T, with :math:`P(s) = e^{-H(s)}/Z`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from ._validate import check_int, check_real, rng_from
from .states import configurations, kl_divergence, log_boltzmann

#: The most couplings :func:`random_hamiltonian` builds (each is a Python dict entry).
MAX_TERMS = 1 << 22


class Hamiltonian:
    """A spin Hamiltonian with multi-spin couplings,

    .. math:: H(v) = c - \\sum_S K_S \\prod_{i \\in S} v_i ,

    where each key ``S`` of ``couplings`` is a tuple of distinct site indices.

    Parameters
    ----------
    n_spins : int
        Number of sites N.
    couplings : mapping from tuple of int to float
        ``{(i,): K_i, (i, j): K_ij, (i, j, k): K_ijk, ...}``.
    constant : float
        The additive constant c (it sets Z but not P).

    Examples
    --------
    >>> H = Hamiltonian(2, {(0, 1): 0.5})
    >>> H(np.array([[1, 1], [1, -1]]))
    array([-0.5,  0.5])
    """

    def __init__(self, n_spins: int, couplings: Mapping[tuple[int, ...], float], constant: float = 0.0) -> None:
        self.n_spins = check_int(n_spins, "n_spins", minimum=1)
        if not isinstance(couplings, Mapping):
            raise TypeError(f"couplings must be a mapping from site tuples to floats; got {type(couplings).__name__}")
        self.couplings: dict[tuple[int, ...], float] = {}
        for key, value in couplings.items():
            if not isinstance(key, tuple) or not key:
                raise ValueError(f"each coupling key must be a non-empty tuple of site indices; got {key!r}")
            sites = tuple(check_int(i, "site index", minimum=0, maximum=self.n_spins - 1) for i in key)
            if len(set(sites)) != len(sites):
                raise ValueError(f"coupling key {key!r} repeats a site")
            canonical = tuple(sorted(sites))
            if canonical in self.couplings:
                # (0, 1) and (1, 0) are one term; keeping either value silently would be a guess.
                raise ValueError(f"coupling key {key!r} names the same sites as another key; give each set once")
            self.couplings[canonical] = check_real(value, f"coupling {key!r}")
        self.constant = check_real(constant, "constant")

    def __call__(self, v: np.ndarray) -> np.ndarray:
        """Energies of spin states ``v`` (±1), shape ``(..., n_spins)`` → ``(...)``."""
        v = np.asarray(v)
        if v.dtype.kind not in "biuf":
            raise TypeError(f"spins must be numeric; got dtype {v.dtype}")
        if v.ndim < 1 or v.shape[-1] != self.n_spins:
            raise ValueError(f"spins must have last axis of length {self.n_spins}; got shape {v.shape}")
        if not np.all((v == 1) | (v == -1)):
            # 0/1 states would give every term with a 0 the value 0: plausible, wrong energies.
            raise ValueError("spins must hold only -1 and 1 (a Hamiltonian of spins; convert 0/1 with s = 2x - 1)")
        v = v.astype(np.float64)
        energy = np.full(v.shape[:-1], self.constant)
        for sites, k in self.couplings.items():
            energy -= k * np.prod(v[..., list(sites)], axis=-1)
        return energy

    def shifted(self, delta: float) -> Hamiltonian:
        """The same couplings with the constant increased by ``delta``."""
        return Hamiltonian(self.n_spins, self.couplings, self.constant + check_real(delta, "delta"))

    def __repr__(self) -> str:
        return f"Hamiltonian(n_spins={self.n_spins}, {len(self.couplings)} couplings, constant={self.constant:g})"


def random_hamiltonian(
    n_spins: int, *, max_order: int = 3, scale: float = 0.3, seed: int | np.random.Generator | None = None
) -> Hamiltonian:
    """A Hamiltonian with Gaussian couplings on every set of 1 to ``max_order`` sites.

    Parameters
    ----------
    n_spins : int
    max_order : int
        Largest number of spins in one term (3: fields, pairs and triples).
    scale : float
        Standard deviation of each coupling.
    seed : int, numpy Generator or None

    Returns
    -------
    Hamiltonian
    """
    n_spins = check_int(n_spins, "n_spins", minimum=1)
    max_order = check_int(max_order, "max_order", minimum=1, maximum=n_spins)
    scale = check_real(scale, "scale", positive=True)
    n_terms = sum(math.comb(n_spins, order) for order in range(1, max_order + 1))
    if n_terms > MAX_TERMS:
        raise ValueError(
            f"n_spins={n_spins} with max_order={max_order} gives {n_terms} couplings; at most {MAX_TERMS} are built "
            "(a dict entry each): lower max_order"
        )
    rng = rng_from(seed)
    couplings = {
        sites: float(scale * rng.standard_normal())
        for order in range(1, max_order + 1)
        for sites in itertools.combinations(range(n_spins), order)
    }
    return Hamiltonian(n_spins, couplings)


def expand_hamiltonian(energies: np.ndarray, n_spins: int, *, tol: float = 1e-12) -> Hamiltonian:
    """Write a function of N spins as a multi-spin Hamiltonian, :math:`c - \\sum_S K_S \\prod_{i\\in S} s_i`.

    Every function of ±1 spins has exactly one such expansion; the coefficients are
    :math:`K_S = -2^{-N} \\sum_s H(s) \\prod_{i\\in S} s_i`, computed here by a fast
    Walsh–Hadamard transform in :math:`O(N 2^N)`.

    Parameters
    ----------
    energies : array of float, shape (2**n_spins,)
        H(s) for every state, in the order of ``configurations(n_spins)``.
    n_spins : int
    tol : float
        Couplings smaller than this in magnitude are dropped; zero or positive.

    Returns
    -------
    Hamiltonian
    """
    n_spins = check_int(n_spins, "n_spins", minimum=1, maximum=24)
    tol = check_real(tol, "tol")
    if tol < 0:
        raise ValueError(f"tol must be zero or positive; got {tol}")
    e = np.asarray(energies, dtype=np.float64)
    if e.shape != (2**n_spins,) or not np.all(np.isfinite(e)):
        raise ValueError(f"energies must be {2**n_spins} finite values (one per state); got shape {e.shape}")
    c = e.reshape((2,) * n_spins)
    for axis in range(n_spins):
        # Index 0 is s = -1 and 1 is s = +1 on this axis: split into even and odd parts.
        minus, plus = np.take(c, 0, axis=axis), np.take(c, 1, axis=axis)
        c = np.stack([(plus + minus) / 2, (plus - minus) / 2], axis=axis)
    flat = c.reshape(-1)
    masks = configurations(n_spins, "binary").astype(bool)
    couplings = {
        tuple(int(i) for i in np.flatnonzero(mask)): -float(value)
        for mask, value in zip(masks[1:], flat[1:], strict=True)
        if abs(value) > tol
    }
    return Hamiltonian(n_spins, couplings, constant=float(flat[0]))


def truncate(hamiltonian: Hamiltonian, keep: Callable[[tuple[int, ...]], bool]) -> Hamiltonian:
    """The Hamiltonian with only the couplings whose site tuples satisfy ``keep`` (constant kept)."""
    if not isinstance(hamiltonian, Hamiltonian):
        raise TypeError(f"hamiltonian must be a Hamiltonian; got {type(hamiltonian).__name__}")
    kept = {sites: k for sites, k in hamiltonian.couplings.items() if keep(sites)}
    return Hamiltonian(hamiltonian.n_spins, kept, hamiltonian.constant)


def ring_hamiltonian(N: int, K: float, constant: float = 0.0) -> Hamiltonian:
    """The periodic Ising ring :math:`H = c - K \\sum_i s_i s_{i+1}` as a :class:`Hamiltonian`."""
    N = check_int(N, "N", minimum=3)
    K = check_real(K, "K")
    return Hamiltonian(N, {(i, (i + 1) % N): K for i in range(N)}, constant)


def is_ring_bond(sites: tuple[int, ...], n: int) -> bool:
    """Whether ``sites`` is a nearest-neighbour pair of a ring of n sites."""
    return len(sites) == 2 and (sites[1] - sites[0]) % n in (1, n - 1)


@dataclass(frozen=True)
class RingCouplings:
    """A Hamiltonian of a ring split into nearest-neighbour and other couplings (see :func:`ring_couplings`)."""

    #: The nearest-neighbour couplings K_{i,i+1} present, in the order of the expansion, shape (n_bonds,).
    nearest: np.ndarray
    #: The largest :math:`|K_S|` among all other couplings (fields, longer-range, many-spin); 0 if none.
    largest_other: float
    #: KL(P || P_nn) in nats, from the Boltzmann distribution of the whole Hamiltonian to that of
    #: its nearest-neighbour truncation.
    truncation_kl: float

    @property
    def mean_nearest(self) -> float:
        """The mean nearest-neighbour coupling (0 when there is none)."""
        return float(np.mean(self.nearest)) if self.nearest.size else 0.0


def ring_couplings(energies: np.ndarray, n_spins: int) -> RingCouplings:
    """How close a function of the spins of a ring is to a nearest-neighbour Ising ring.

    The energies are expanded in spin products (:func:`expand_hamiltonian`); the couplings of
    ring bonds (:func:`is_ring_bond`) are kept apart from all others, and the cost of dropping
    the others is measured as a KL divergence between the two Boltzmann distributions.

    Parameters
    ----------
    energies : array of float, shape (2**n_spins,)
        H(s) for every state, in the order of :func:`rgkit.states.configurations`, in units
        of k_B T (e.g. a coarse Hamiltonian, or an RBM's hidden free energy).
    n_spins : int
        Sites of the ring, at least 3.

    Returns
    -------
    RingCouplings

    Raises
    ------
    ValueError
        If ``n_spins`` is below 3 or ``energies`` is not one finite value per state.

    Examples
    --------
    >>> H = ring_hamiltonian(4, 0.5)
    >>> split = ring_couplings(H(configurations(4)), 4)
    >>> split.nearest.tolist(), split.largest_other, split.truncation_kl
    ([0.5, 0.5, 0.5, 0.5], 0.0, 0.0)
    """
    n_spins = check_int(n_spins, "n_spins", minimum=3)
    terms = expand_hamiltonian(energies, n_spins)
    nearest = [k for sites, k in terms.couplings.items() if is_ring_bond(sites, n_spins)]
    other = [abs(k) for sites, k in terms.couplings.items() if not is_ring_bond(sites, n_spins)]
    truncated = truncate(terms, lambda sites: is_ring_bond(sites, n_spins))
    exact_log_p = log_boltzmann(np.asarray(energies, dtype=np.float64))
    kl = kl_divergence(exact_log_p, log_boltzmann(truncated(configurations(n_spins))))
    return RingCouplings(np.array(nearest, dtype=np.float64), float(max(other, default=0.0)), float(kl))
