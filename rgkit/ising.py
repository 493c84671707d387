"""Observables of the nearest-neighbour Ising model on periodic chains and square lattices.

Spins are int8 ±1 with the sample axis first, always: a 3-D array ``(n, L, L)`` is a batch of
square lattices, and a 2-D array ``(n, N)`` a batch of chains when ``dim=1`` says so. A 2-D
array without ``dim=1`` is refused, because one L×L lattice whose batch axis was dropped looks
exactly like L chains (pass one lattice as ``s[None]``).

Boundaries are periodic and J = 1, so the energy of a configuration is
:math:`E = -\\sum_{\\langle ij \\rangle} s_i s_j`, summed over the bonds to the right (and,
on a lattice, downward) of every site. On a ring of 2 sites, or a lattice of side 2, each pair of
neighbours is therefore joined by two bonds, as in Kaufman's formula for the finite torus.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validate import check_spins


def energy(spins: np.ndarray, *, dim: int | None = None) -> np.ndarray:
    """Total energy :math:`-\\sum_{\\langle ij\\rangle} s_i s_j` of each configuration (J = 1).

    Parameters
    ----------
    spins : array of int8, shape (n, L, L), or (n, N) with ``dim=1``
        A batch of periodic square lattices or chains.
    dim : {None, 1, 2}
        1 for chains; None or 2 for lattices (see the module's rule).

    Returns
    -------
    ndarray of float64, shape (n,)

    Examples
    --------
    >>> energy(np.ones((1, 4, 4), dtype=np.int8))
    array([-32.])
    """
    s = check_spins(spins, dim=dim).astype(np.int32)
    if s.ndim == 2:
        return -(s * np.roll(s, -1, axis=1)).sum(axis=1).astype(np.float64)
    bonds = s * np.roll(s, -1, axis=1) + s * np.roll(s, -1, axis=2)
    return -bonds.sum(axis=(1, 2)).astype(np.float64)


def magnetization(spins: np.ndarray, *, dim: int | None = None) -> np.ndarray:
    """Mean spin of each configuration, in [-1, 1].

    Parameters
    ----------
    spins : array of int8, shape (n, L, L), or (n, N) with ``dim=1``
    dim : {None, 1, 2}
        1 for chains; None or 2 for lattices.

    Returns
    -------
    ndarray of float64, shape (n,)
    """
    s = check_spins(spins, dim=dim)
    return s.reshape(len(s), -1).mean(axis=1, dtype=np.float64)


def second_moment_correlation_length(spins: np.ndarray, *, dim: int | None = None) -> float:
    r"""Second-moment correlation length of a batch of configurations (disordered phase).

    .. math::

        \begin{aligned}
        \xi_2 &= \frac{1}{2\sin(\pi/L)} \sqrt{\frac{\chi}{F} - 1}, \\
        \chi &= \frac{\langle |\tilde M(0)|^2\rangle}{N}, \qquad
        F = \frac{\langle |\tilde M(k_{min})|^2\rangle}{N},
        \end{aligned}

    with :math:`\tilde M(k) = \sum_x s_x e^{i k \cdot x}` and :math:`k_{min} = 2\pi/L` (averaged
    over the two lattice directions). It is the length that the book compares with block sizes;
    for large ξ it is close to the exponential correlation length.

    Parameters
    ----------
    spins : array of int8, shape (n, L, L), or (n, N) with ``dim=1``
    dim : {None, 1, 2}
        1 for chains; None or 2 for lattices.

    Returns
    -------
    float
        In lattice spacings; NaN if F vanishes (e.g. perfectly ordered samples).

    References
    ----------
    F. Cooper, B. Freedman and D. Preston, Nucl. Phys. B 210, 210 (1982).
    """
    s = check_spins(spins, dim=dim)
    return correlation_length_from_moments(second_moments(s).mean(axis=0), s.shape[1])


def second_moments(spins: np.ndarray, *, dim: int | None = None) -> np.ndarray:
    r"""Per configuration, the two Fourier moments of :func:`second_moment_correlation_length`.

    Returns
    -------
    ndarray of float64, shape (n, 2)
        :math:`|\tilde M(0)|^2 / N` and :math:`|\tilde M(k_{min})|^2 / N` (averaged over the
        two lattice directions for lattices). Their means over a batch are χ and F, so a
        jackknife of the correlation length needs them once, not once per leave-out subset.
    """
    s = check_spins(spins, dim=dim).astype(np.float64)
    L = s.shape[1]
    n_sites = s[0].size
    out = np.empty((len(s), 2))
    out[:, 0] = s.reshape(len(s), -1).sum(axis=1) ** 2 / n_sites
    phase = np.exp(2j * np.pi * np.arange(L) / L)
    if s.ndim == 2:
        out[:, 1] = np.abs(s @ phase) ** 2 / n_sites
    else:
        fx = np.abs(np.einsum("nij,i->n", s, phase)) ** 2
        fy = np.abs(np.einsum("nij,j->n", s, phase)) ** 2
        out[:, 1] = 0.5 * (fx + fy) / n_sites
    return out


def correlation_length_from_moments(moments: np.ndarray, L: int) -> float:
    """ξ₂ from the means (χ, F) of :func:`second_moments` on a lattice of side L; NaN if F vanishes."""
    chi, f = (float(x) for x in np.asarray(moments, dtype=np.float64))
    if f <= 1e-12 * chi or chi < f:  # F vanishes (to rounding) for ordered samples
        return float("nan")
    return float(np.sqrt(chi / f - 1) / (2 * np.sin(np.pi / L)))


def correlation_function(spins: np.ndarray, *, dim: int | None = None) -> np.ndarray:
    r"""Spin–spin correlation :math:`G(r) = \langle s_x s_{x + r \hat e} \rangle` for r = 0 .. L//2.

    Averaged over all sites, both lattice directions (for lattices) and the batch. It is not
    connected (no ⟨s⟩² subtracted), which is what one wants in the disordered phase, where
    ⟨s⟩ = 0 on a finite periodic lattice.

    Parameters
    ----------
    spins : array of int8, shape (n, L, L), or (n, N) with ``dim=1``
    dim : {None, 1, 2}
        1 for chains; None or 2 for lattices.

    Returns
    -------
    ndarray of float64, shape (L // 2 + 1,)
    """
    s = check_spins(spins, dim=dim).astype(np.float64)
    L = s.shape[1]
    out = np.empty(L // 2 + 1)
    for r in range(L // 2 + 1):
        if s.ndim == 2:
            out[r] = np.mean(s * np.roll(s, -r, axis=1))
        else:
            out[r] = 0.5 * (np.mean(s * np.roll(s, -r, axis=1)) + np.mean(s * np.roll(s, -r, axis=2)))
    return out


@dataclass(frozen=True)
class LatticeStatistics:
    """Observables of a batch of square lattices (see :func:`lattice_statistics`)."""

    #: Mean energy per spin (J = 1).
    energy: float
    #: Mean absolute magnetisation per spin.
    abs_m: float
    #: Second-moment correlation length, in lattice spacings of these lattices.
    xi: float
    #: Lattice spacing in units of the original lattice (b for block spins of side b).
    spacing: int = 1

    @property
    def xi_fine(self) -> float:
        """The correlation length in spacings of the original lattice, ξ · spacing."""
        return self.xi * self.spacing


def lattice_statistics(spins: np.ndarray, *, spacing: int = 1) -> LatticeStatistics:
    """Energy per spin, mean absolute magnetisation and second-moment correlation length.

    Parameters
    ----------
    spins : array of int8, shape (n, L, L)
        A batch of square lattices.
    spacing : int
        Their lattice spacing in units of an original lattice (for block spins).

    Returns
    -------
    LatticeStatistics
    """
    s = check_spins(spins, dim=2)
    if isinstance(spacing, bool) or not isinstance(spacing, int | np.integer) or spacing < 1:
        raise ValueError(f"spacing must be a positive integer; got {spacing!r}")
    n_sites = s.shape[1] * s.shape[2]
    return LatticeStatistics(
        energy=float(np.mean(energy(s)) / n_sites),
        abs_m=float(np.mean(np.abs(magnetization(s)))),
        xi=second_moment_correlation_length(s),
        spacing=int(spacing),
    )
