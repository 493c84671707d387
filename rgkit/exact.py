"""Exact results of the Ising model: the ring, Onsager's infinite lattice, Kaufman's torus,
and enumeration of small lattices.

Everything here is computed without sampling, so it can serve as the reference that
Monte Carlo and training results are checked against. Enumeration of general two-valued
systems (states, normalised Boltzmann weights, KL divergences) is in :mod:`rgkit.states`.
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

from ._validate import check_coupling, check_int, check_real
from .states import configurations, log_boltzmann

# --------------------------------------------------------------------------- Ising: constants
#: Critical coupling of the square-lattice Ising model, :math:`K_c = \frac12 \ln(1 + \sqrt 2)`.
KC = 0.5 * np.log1p(np.sqrt(2.0))


# --------------------------------------------------------------------------- 1D ring
def ring_log_partition(N: int, K: float, h: float = 0.0) -> float:
    """Total :math:`\\ln Z` of the periodic Ising ring of N spins, :math:`Z = \\lambda_+^N + \\lambda_-^N`.

    .. math:: \\lambda_\\pm = e^K \\cosh h \\pm \\sqrt{e^{2K}\\sinh^2 h + e^{-2K}}

    Parameters
    ----------
    N : int
        Number of spins, at least 2 (for N = 2 the two spins are joined by two bonds).
    K : float
        Coupling J/k_BT; any finite sign.
    h : float
        Field in units of k_BT.
    """
    N = check_int(N, "N", minimum=2)
    K = check_real(K, "K")
    h = check_real(h, "h")
    # lambda_+ in log space: ln(e^K cosh h + sqrt(...)), stable for large |K| and |h|.
    root_log = 0.5 * np.logaddexp(2 * K + 2 * np.log(np.abs(np.sinh(h))) if h else -np.inf, -2 * K)
    log_cosh_h = np.logaddexp(h, -h) - np.log(2.0)
    log_plus = np.logaddexp(K + log_cosh_h, root_log)
    # lambda_- / lambda_+ = (e^K cosh h - root) / (e^K cosh h + root), in (-1, 1).
    a, b = K + log_cosh_h, root_log
    ratio = -np.tanh((b - a) / 2)
    return float(N * log_plus + np.log1p(ratio**N))


def ring_correlation(N: int, K: float, r: int | np.ndarray) -> np.ndarray:
    """Spin–spin correlation :math:`\\langle s_0 s_r \\rangle = (t^r + t^{N-r})/(1 + t^N)`, t = tanh K, zero field.

    Parameters
    ----------
    N : int
        Ring size, at least 2.
    K : float
    r : int or array of int
        Distances, 0 ≤ r ≤ N.
    """
    N = check_int(N, "N", minimum=2)
    t = np.tanh(check_real(K, "K"))
    r_arr = np.asarray(r)
    if r_arr.dtype.kind not in "iu" or np.any(r_arr < 0) or np.any(r_arr > N):
        raise ValueError(f"r must be integers between 0 and N = {N}")
    return (t**r_arr + t ** (N - r_arr)) / (1 + t**N)


# --------------------------------------------------------------------------- Onsager
def onsager_log_partition(K: float) -> float:
    """:math:`\\lim_{N\\to\\infty} \\ln Z / N` of the square-lattice Ising model (Onsager).

    .. math:: \\frac{\\ln Z}{N} = \\ln(2\\cosh 2K) + \\frac1\\pi \\int_0^{\\pi/2}
              \\ln\\Big[\\tfrac12\\big(1 + \\sqrt{1 - \\kappa^2 \\sin^2\\theta}\\big)\\Big] d\\theta,
              \\qquad \\kappa = \\frac{2\\sinh 2K}{\\cosh^2 2K}.

    References
    ----------
    L. Onsager, Phys. Rev. 65, 117 (1944).
    """
    from scipy.integrate import quad

    K = check_coupling(K)
    kappa = 2 * np.sinh(2 * K) / np.cosh(2 * K) ** 2
    integral, _ = quad(
        lambda t: np.log(0.5 * (1 + np.sqrt(max(0.0, 1 - (kappa * np.sin(t)) ** 2)))),
        0,
        np.pi / 2,
        epsabs=1e-14,
        epsrel=1e-14,
        limit=200,
    )
    return float(np.log(2 * np.cosh(2 * K)) + integral / np.pi)


def onsager_energy(K: float) -> float:
    """Energy per spin (J = 1) of the infinite square lattice.

    .. math:: u = -\\coth 2K \\Big[1 + \\frac2\\pi (2\\tanh^2 2K - 1) \\mathrm K(\\kappa)\\Big]

    with K(κ) the complete elliptic integral of the first kind (``scipy.special.ellipk(κ²)``).
    At K_c the bracket is 1 and u = -√2.
    """
    from scipy.special import ellipk

    K = check_coupling(K)
    kappa_sq = (2 * np.sinh(2 * K) / np.cosh(2 * K) ** 2) ** 2
    prefactor = 2 * np.tanh(2 * K) ** 2 - 1
    # At K_c the prefactor vanishes linearly while K(κ) diverges only logarithmically.
    term = 0.0 if kappa_sq >= 1.0 else prefactor * ellipk(kappa_sq)
    return float(-1 / np.tanh(2 * K) * (1 + 2 / np.pi * term))


def onsager_magnetization(K: float) -> float:
    """Spontaneous magnetisation per spin, :math:`(1 - \\sinh^{-4} 2K)^{1/8}` above K_c, zero below."""
    K = check_coupling(K)
    if K <= KC:
        return 0.0
    return float((1 - np.sinh(2 * K) ** -4) ** 0.125)


# --------------------------------------------------------------------------- Kaufman's torus
def _log_cosh(x: np.ndarray) -> np.ndarray:
    x = np.abs(x)
    return x + np.log1p(np.exp(-2 * x)) - np.log(2.0)


def _log_abs_sinh(x: np.ndarray) -> np.ndarray:
    x = np.abs(x)
    with np.errstate(divide="ignore"):
        return x + np.log(-np.expm1(-2 * x)) - np.log(2.0)


def _kaufman(m: int, n: int, K: float) -> tuple[float, float, float]:
    """ln Z of the m×n torus and its first two derivatives with respect to K.

    Z = ½ (2 sinh 2K)^{mn/2} (Z_1 + Z_2 + Z_3 + Z_4). Below K_c, Z_3 and Z_4 are huge and of
    opposite sign, so they are combined analytically: with R the product of 2 cosh(m γ_l/2)
    over even l ≥ 2, P the product of tanh(m γ_l/2) over the same l, and x_0 = m γ_0 / 2,

        Z_3 + Z_4 = R [e^{x_0} (1 + P) + e^{-x_0} (1 - P)],

    in which every term is positive. Each of the three positive terms is kept as a logarithm
    with its logarithmic derivatives, computed analytically, and the second derivative of
    ln Σ is a weighted mean plus a weighted variance: nothing of order (mn)² cancels.
    """
    s2, c2 = np.sinh(2 * K), np.cosh(2 * K)
    a0 = -np.log(2.0) + 0.5 * m * n * np.log(2 * s2)
    a1 = m * n * c2 / s2
    a2 = -2 * m * n / s2**2
    # gamma_l for l = 1 .. 2n-1: cosh gamma_l = cosh 2K coth 2K - cos(pi l / n) > 1.
    c = c2 * c2 / s2
    c1 = 2 * c2 * (1 - 1 / s2**2)
    c11 = 4 * s2 - 4 / s2 + 8 * c2**2 / s2**3
    ell = np.arange(1, 2 * n)
    cl = c - np.cos(np.pi * ell / n)
    half = m / 2
    x = half * np.arccosh(cl)  # m gamma_l / 2
    sg = np.sqrt(cl * cl - 1)
    x1 = half * c1 / sg
    x11 = half * (c11 / sg - c1**2 * cl / sg**3)
    q = np.exp(-2 * x)
    log_cosh = np.log(2.0) + _log_cosh(x)  # ln 2cosh x
    log_sinh = np.log(2.0) + _log_abs_sinh(x)  # ln 2sinh x (x > 0)
    tanh, coth = np.tanh(x), 1 / np.tanh(x)
    sech2, csch2 = 4 * q / (1 + q) ** 2, 4 * q / (1 - q) ** 2
    odd, even = (ell % 2) == 1, (ell % 2) == 0

    logs, d1s, d2s = [], [], []
    for log_f, ratio, ratio1 in (
        (log_cosh, tanh, sech2),  # Z_1
        (log_sinh, coth, -csch2),  # Z_2
    ):
        logs.append(float(np.sum(log_f[odd])))
        d1s.append(float(np.sum(ratio[odd] * x1[odd])))
        d2s.append(float(np.sum(ratio1[odd] * x1[odd] ** 2 + ratio[odd] * x11[odd])))
    # Z_3 + Z_4 = R B.
    log_r = float(np.sum(log_cosh[even]))
    r1 = float(np.sum(tanh[even] * x1[even]))
    r2 = float(np.sum(sech2[even] * x1[even] ** 2 + tanh[even] * x11[even]))
    # ln tanh x = log1p(-2q/(1+q)) keeps 1 - P accurate where tanh x rounds to 1.
    u = float(np.sum(np.log1p(-2 * q[even] / (1 + q[even]))))  # ln P
    dlt = 4 * q[even] / (1 - q[even] ** 2)  # d ln tanh x / dx = 1 / (sinh x cosh x)
    u1 = float(np.sum(dlt * x1[even]))
    u2 = float(np.sum(-(csch2[even] + sech2[even]) * x1[even] ** 2 + dlt * x11[even]))
    x0 = half * (2 * K + np.log(np.tanh(K)))
    x01 = half * (2 + 2 / s2)
    x011 = half * (-4 * c2 / s2**2)
    p = np.exp(u)
    one_minus_p = -np.expm1(u)
    ep, em = np.exp(x0 - abs(x0)), np.exp(-x0 - abs(x0))  # e^{±x0} / e^{|x0|}
    b = ep * (1 + p) + em * one_minus_p
    b1 = x01 * (ep * (1 + p) - em * one_minus_p) + u1 * p * (ep - em)
    b2 = (
        x011 * (ep * (1 + p) - em * one_minus_p)
        + x01**2 * b
        + 2 * x01 * u1 * p * (ep + em)
        + (u2 + u1**2) * p * (ep - em)
    )
    # b underflows only when Z_3 + Z_4 is below 1e-300 of Z_1 + Z_2 (deep in the disordered
    # phase on a large torus): the term is then dropped, which changes nothing in float64.
    if b > 0:
        logs.append(log_r + abs(x0) + float(np.log(b)))
        d1s.append(r1 + b1 / b)
        d2s.append(r2 + b2 / b - (b1 / b) ** 2)

    logs_arr, d1_arr, d2_arr = np.array(logs), np.array(d1s), np.array(d2s)
    log_s = float(logsumexp(logs_arr))
    w = np.exp(logs_arr - log_s)
    first = float(w @ d1_arr)
    second = float(w @ d2_arr + w @ (d1_arr - first) ** 2)
    return a0 + log_s, a1 + first, a2 + second


def _torus_args(L: object, K: object) -> tuple[int, float]:
    return check_int(L, "L", minimum=2, maximum=4096), check_coupling(K)


def torus_log_partition(L: int, K: float) -> float:
    """Total :math:`\\ln Z` of the periodic L×L square lattice (Kaufman's exact formula).

    .. math:: Z = \\tfrac12 (2\\sinh 2K)^{L^2/2} (Z_1 + Z_2 + Z_3 + Z_4),

    evaluated in log space, so it is finite for every L up to 4096 and every K > 0,
    K_c included (where Z_4 = 0).

    Parameters
    ----------
    L : int
        Side, 2 ≤ L ≤ 4096 (for L = 2 each neighbour pair is joined by two bonds).
    K : float
        Coupling J/k_BT > 0.

    References
    ----------
    B. Kaufman, Phys. Rev. 76, 1232 (1949); A. E. Ferdinand and M. E. Fisher, Phys. Rev. 185,
    832 (1969).
    """
    L, K = _torus_args(L, K)
    return _kaufman(L, L, K)[0]


def torus_energy(L: int, K: float) -> float:
    """Mean energy per spin :math:`u = -\\frac{1}{L^2} \\partial_K \\ln Z` of the L×L torus (J = 1)."""
    L, K = _torus_args(L, K)
    return -_kaufman(L, L, K)[1] / L**2


def torus_specific_heat(L: int, K: float) -> float:
    """Specific heat per spin :math:`c = \\frac{K^2}{L^2} \\partial_K^2 \\ln Z` of the L×L torus (units of k_B)."""
    L, K = _torus_args(L, K)
    return K**2 * _kaufman(L, L, K)[2] / L**2


# --------------------------------------------------------------------------- enumeration
def ising_enumeration(size: int, *, dim: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Energy and magnetisation of every state of a small periodic ring or square lattice.

    Parameters
    ----------
    size : int
        Ring length N (2 ≤ N ≤ 24) for ``dim=1``, lattice side L (2 ≤ L ≤ 4) for ``dim=2``.
    dim : {1, 2}

    Returns
    -------
    energies : ndarray of float64, shape (2**n_sites,)
        Total energies, J = 1.
    magnetizations : ndarray of float64, shape (2**n_sites,)
        Mean spin of each state.
    """
    from .ising import energy, magnetization

    dim = check_int(dim, "dim", minimum=1, maximum=2)
    size = check_int(size, "size", minimum=2, maximum=24 if dim == 1 else 4)
    n_sites = size if dim == 1 else size * size
    states = configurations(n_sites)
    if dim == 2:
        states = states.reshape(-1, size, size)
    return energy(states), magnetization(states)


def enumerated_average(values: np.ndarray, energies: np.ndarray, K: float) -> float:
    """Boltzmann average :math:`\\sum_s A(s) e^{-K E(s)} / Z` over an enumerated list of states."""
    K = check_real(K, "K")
    e = np.asarray(energies, dtype=np.float64)
    w = np.exp(log_boltzmann(K * e))
    return float(w @ np.asarray(values, dtype=np.float64))


def correlation_length(K: float) -> float:
    r"""Exponential correlation length of the infinite square lattice along an axis.

    :math:`\xi^{-1} = \ln\coth K - 2K` above T_c (K < K_c) and
    :math:`\xi^{-1} = 2(2K - \ln\coth K)` below (connected correlations); infinite at K_c.

    References
    ----------
    B. M. McCoy and T. T. Wu, *The Two-Dimensional Ising Model* (Harvard, 1973).
    """
    K = check_coupling(K)
    rate = np.log(1 / np.tanh(K)) - 2 * K
    if rate == 0:
        return float("inf")
    return float(1 / rate) if rate > 0 else float(1 / (-2 * rate))
