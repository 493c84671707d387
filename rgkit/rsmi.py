"""Real-space mutual information (RSMI): the information a coarse variable keeps about the far environment.

Koch-Janusz and Ringel choose the coarse variable H of a block V by maximising the mutual
information :math:`I(H : E)` between H and the block's environment E, the sites beyond a
buffer B that surrounds the block. H is drawn from a filter :math:`p(h \\mid v)`, so the chain
is :math:`H - V - E` and

.. math::

    \\begin{aligned}
    I(H : E) &= \\sum_{h, e} p(h, e) \\ln \\frac{p(h, e)}{p(h)\\, p(e)}, \\\\
    p(h, e) &= \\sum_v p(h \\mid v)\\, p(v, e).
    \\end{aligned}

Here everything is exact: the joint :math:`p(v, e)` of the Ising ring comes from transfer
matrices, and :math:`I(H : E)` is a finite sum in log space, in nats.

Two facts organise the module.

* On the ring, E influences V only through its two sites next to the buffer (the Markov
  property of the chain), so :math:`I(H : E) = I(H : e_L, e_R)` exactly and
  :func:`ring_block_environment` returns the joint of the block with those two spins.
* :math:`I(H : E)` is a convex function of the filter: :math:`p(h \\mid e) = \\sum_v p(h \\mid v)
  p(v \\mid e)` is linear in it, and mutual information is convex in the channel for a fixed
  input distribution (Cover & Thomas, Theorem 2.7.4). Its maximum over all filters is therefore
  reached at a vertex of the set of filters, a deterministic :math:`h = f(v)`, and
  :func:`optimal_filter` finds it by enumerating the :math:`2^{2^b}` Boolean functions.

References
----------
M. Koch-Janusz and Z. Ringel, "Mutual information, neural networks and the renormalization
group", Nat. Phys. 14, 578 (2018).
P. M. Lenggenhager, D. E. Gökmen, Z. Ringel, S. D. Huber and M. Koch-Janusz, "Optimal
renormalization group transformation from information theory", Phys. Rev. X 10, 011037 (2020).
T. M. Cover and J. A. Thomas, *Elements of Information Theory*, 2nd ed. (Wiley, 2006).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import logsumexp

from ._validate import check_int, check_real, rng_from
from .states import configurations

#: Largest block :func:`optimal_filter` enumerates (2**2**4 = 65536 Boolean functions).
MAX_OPTIMAL_BLOCK = 4
#: Largest block the ring functions build (2**12 block states).
MAX_BLOCK = 12

# Probabilities of a normalised table must sum to 1 within this (they are built in log space).
_NORM_TOL = 1e-9


# --------------------------------------------------------------------------- the exact joint p(v, e)
def _log_pair(n: float, K: float) -> np.ndarray:
    """ln of the normalised n-step transfer matrix :math:`(1 + s s' t^n)/2`, t = tanh K, as a 2×2 table.

    Rows and columns are s, s' = -1, +1. ``n = inf`` gives ln(1/2) everywhere (independent ends).
    """
    if n == 0:  # the identity, also at K = 0 where t^0 would be 0^0
        return np.array([[0.0, -np.inf], [-np.inf, 0.0]])
    if np.isinf(n) or K == 0:
        return np.full((2, 2), -np.log(2.0))
    # |t|^n = e^{-n eps} with eps = -ln|tanh K| computed without cancellation at large |K|.
    eps = 2 * np.arctanh(np.exp(-2 * abs(K))) if abs(K) > 0.5 else -np.log(np.tanh(abs(K)))
    sign = -1.0 if (K < 0 and n % 2 == 1) else 1.0
    x = -n * eps
    with np.errstate(divide="ignore"):
        same = np.log1p(sign * np.exp(x)) if sign > 0 else np.log(-np.expm1(x))
        other = np.log(-np.expm1(x)) if sign > 0 else np.log1p(np.exp(x))
    table = np.array([[same, other], [other, same]]) - np.log(2.0)
    return table


def ring_block_environment(N: int | None, K: float, block: int, buffer: int) -> np.ndarray:
    """Exact :math:`\\ln p(v, e_L, e_R)` of a block of the Ising ring and the two environment spins beyond its buffer.

    The ring of N spins (zero field, :math:`P \\propto e^{K \\sum_i s_i s_{i+1}}`) is cut into the
    block V of ``block`` consecutive sites, a buffer of ``buffer`` sites on each side, and the
    environment E, the remaining :math:`n_E = N - b - 2 L_B` sites. Given its two end sites
    :math:`e_L, e_R` (the sites next to the buffer), the rest of E is independent of V, so for
    every filter :math:`I(H : E) = I(H : e_L, e_R)`; the returned table is all that
    :func:`mutual_information` needs. It is built from normalised transfer matrices,
    :math:`p(v, e_L, e_R) \\propto M_{L_B+1}(e_L, v_1)\\, e^{K\\sum_i v_i v_{i+1}}\\,
    M_{L_B+1}(v_b, e_R)\\, M_{n_E-1}(e_R, e_L)` with :math:`M_n(s, s') = (1 + s s' \\tanh^n K)/2`,
    in log space. For :math:`n_E = 1`, :math:`e_L = e_R` is one spin and the pairs with
    :math:`e_L \\ne e_R` have probability zero (log -inf).

    Parameters
    ----------
    N : int or None
        Ring size, at least ``block + 2 * buffer + 1``; ``None`` for the infinite chain (then
        :math:`e_L` and :math:`e_R` are joined only through the block and its buffer).
    K : float
        Coupling J/k_BT, any finite sign.
    block : int
        Block length b, 1 ≤ b ≤ 12.
    buffer : int
        Buffer width :math:`L_B \\ge 0` on each side of the block.

    Returns
    -------
    ndarray of float64, shape (2**block, 4)
        Normalised log-probabilities. Rows follow ``configurations(block)``; columns are
        :math:`(e_L, e_R)` = (-1, -1), (-1, +1), (+1, -1), (+1, +1), i.e. ``configurations(2)``.

    Raises
    ------
    ValueError
        If the ring is too short to leave an environment, or a size is out of range.

    Examples
    --------
    >>> log_p = ring_block_environment(None, 0.5, block=2, buffer=1)
    >>> log_p.shape, bool(np.isclose(np.exp(log_p).sum(), 1.0))
    ((4, 4), True)
    """
    block = check_int(block, "block", minimum=1, maximum=MAX_BLOCK)
    buffer = check_int(buffer, "buffer", minimum=0)
    K = check_real(K, "K")
    if N is None:
        n_env: float = np.inf
    else:
        N = check_int(N, "N", minimum=2)
        n_env = N - block - 2 * buffer
        if n_env < 1:
            raise ValueError(
                f"N = {N} leaves no environment: it must be at least block + 2 * buffer + 1 = "
                f"{block + 2 * buffer + 1} (or None for the infinite chain)"
            )
    v = configurations(block).astype(np.float64)
    e = configurations(2)
    inner = K * (v[:, :-1] * v[:, 1:]).sum(axis=1) if block > 1 else np.zeros(len(v))
    to_block = _log_pair(buffer + 1, K)
    around = _log_pair(n_env - 1, K)
    first = (v[:, 0] > 0).astype(int)
    last = (v[:, -1] > 0).astype(int)
    left = (e[:, 0] > 0).astype(int)
    right = (e[:, 1] > 0).astype(int)
    log_w = (
        inner[:, None]
        + to_block[left[None, :], first[:, None]]
        + to_block[last[:, None], right[None, :]]
        + around[right, left][None, :]
    )
    return log_w - logsumexp(log_w)


# --------------------------------------------------------------------------- filters p(h | v)
def logistic_filter(weights: object, bias: object = 0.0) -> np.ndarray:
    """:math:`\\ln p(h \\mid v)` of conditionally independent logistic spin units, for every block state.

    .. math:: p(h \\mid v) = \\prod_j \\frac{e^{h_j x_j}}{2\\cosh x_j}, \\qquad x_j = \\sum_k w_{kj} v_k + c_j,

    i.e. :math:`p(h_j = +1 \\mid v) = \\sigma(2 x_j)`: the hidden layer of a spin RBM. Equal weights
    give Kadanoff's block spin, a single non-zero weight a noisy copy of one spin; both become
    deterministic as the weights grow.

    Parameters
    ----------
    weights : array of float, shape (b,) or (b, m)
        Weights :math:`w_{kj}` of block site k on coarse unit j (one unit for a 1-D array).
    bias : float or array of float, shape (m,)
        Fields :math:`c_j`.

    Returns
    -------
    ndarray of float64, shape (2**b, 2**m)
        Rows follow ``configurations(b)``, columns ``configurations(m)``; each row is normalised.

    Raises
    ------
    ValueError
        If the weights or bias are not finite or have the wrong shape, or b > 12 or m > 8.

    Examples
    --------
    >>> np.exp(logistic_filter([1.0, 0.0]))[:, 1].round(3)  # p(h = +1 | v)
    array([0.119, 0.119, 0.881, 0.881])
    """
    w = np.asarray(weights)
    if w.dtype.kind not in "biuf":
        raise TypeError(f"weights must be a real array of shape (b,) or (b, m); got dtype {w.dtype}")
    w = w.astype(np.float64)
    if w.ndim == 1:
        w = w[:, None]
    if w.ndim != 2 or w.shape[0] < 1 or w.shape[1] < 1:
        raise ValueError(f"weights must have shape (b,) or (b, m) with b, m ≥ 1; got {np.shape(weights)}")
    b, m = w.shape
    if b > MAX_BLOCK or m > 8:
        raise ValueError(f"weights: at most {MAX_BLOCK} block sites and 8 coarse units; got shape {w.shape}")
    c = np.asarray(bias)
    if c.dtype.kind not in "biuf":
        raise TypeError(f"bias must be a real number or array of shape ({m},); got dtype {c.dtype}")
    c = np.broadcast_to(c.astype(np.float64), (m,)) if c.ndim == 0 else c.astype(np.float64)
    if c.shape != (m,):
        raise ValueError(f"bias must be a scalar or have shape ({m},); got {c.shape}")
    if not (np.all(np.isfinite(w)) and np.all(np.isfinite(c))):
        raise ValueError("weights and bias must be finite")
    x = configurations(b).astype(np.float64) @ w + c  # (2**b, m)
    h = configurations(m).astype(np.float64)  # (2**m, m)
    return x @ h.T - np.logaddexp(x, -x).sum(axis=1)[:, None]


def table_filter(p_plus: object) -> np.ndarray:
    """:math:`\\ln p(h \\mid v)` of one coarse spin from the table of :math:`p(h = +1 \\mid v)`.

    Parameters
    ----------
    p_plus : array of float, shape (2**b,)
        :math:`p(h = +1 \\mid v)` for every block state in the order of ``configurations(b)``,
        values in [0, 1] (0 and 1 give a deterministic filter).

    Returns
    -------
    ndarray of float64, shape (2**b, 2)
        Columns h = -1, +1; entries may be -inf.

    Raises
    ------
    ValueError
        If the length is not a power of two (1 ≤ b ≤ 12) or a value lies outside [0, 1].

    Examples
    --------
    >>> np.exp(table_filter([0.0, 0.5, 0.5, 1.0]))
    array([[1. , 0. ],
           [0.5, 0.5],
           [0.5, 0.5],
           [0. , 1. ]])
    """
    p = np.asarray(p_plus)
    if p.dtype.kind not in "biuf":
        raise TypeError(f"p_plus must be a real array of probabilities; got dtype {p.dtype}")
    p = p.astype(np.float64)
    b = int(np.log2(p.size)) if p.size else -1
    if p.ndim != 1 or b < 1 or 2**b != p.size or b > MAX_BLOCK:
        raise ValueError(f"p_plus must be a 1-D array of 2**b entries, 1 ≤ b ≤ {MAX_BLOCK}; got shape {p.shape}")
    if not np.all((p >= 0) & (p <= 1)):
        raise ValueError("p_plus must hold probabilities in [0, 1]")
    with np.errstate(divide="ignore"):
        return np.log(np.stack([1 - p, p], axis=1))


def decimation_filter(block: int, site: int = 0) -> np.ndarray:
    """:math:`\\ln p(h \\mid v)` of decimation: the coarse spin is a copy of block site ``site``.

    Parameters
    ----------
    block : int
        Block length b, 1 ≤ b ≤ 12.
    site : int
        The kept site, 0 ≤ site < b.

    Returns
    -------
    ndarray of float64, shape (2**b, 2)
        0 where h equals the kept spin, -inf elsewhere.
    """
    block = check_int(block, "block", minimum=1, maximum=MAX_BLOCK)
    site = check_int(site, "site", minimum=0, maximum=block - 1)
    return table_filter((configurations(block)[:, site] > 0).astype(np.float64))


def block_spin_filter(block: int) -> np.ndarray:
    """:math:`\\ln p(h \\mid v)` of the majority-rule block spin, ties broken by a fair coin.

    :math:`h = \\operatorname{sign} \\sum_k v_k`, and :math:`p(h = \\pm 1) = 1/2` when the sum is
    zero (even blocks). This is the λ → ∞ limit of Kadanoff's kernel
    (:func:`rgkit.vrg.block_spin_kernel`). For b = 2 it equals the even mixture of the two
    decimations, :math:`\\tfrac12[\\delta(h, v_1) + \\delta(h, v_2)]`.

    Parameters
    ----------
    block : int
        Block length b, 1 ≤ b ≤ 12.

    Returns
    -------
    ndarray of float64, shape (2**block, 2)
    """
    block = check_int(block, "block", minimum=1, maximum=MAX_BLOCK)
    m = configurations(block).sum(axis=1)
    return table_filter(np.where(m > 0, 1.0, np.where(m < 0, 0.0, 0.5)))


# --------------------------------------------------------------------------- the objective
def _check_log_table(value: object, name: str, *, rows_normalised: bool) -> np.ndarray:
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a real array of log-probabilities; got dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if arr.ndim != 2 or arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ValueError(f"{name} must be a non-empty 2-D table; got shape {arr.shape}")
    if np.any(np.isnan(arr)) or np.any(arr == np.inf):
        raise ValueError(f"{name} must not contain NaN or +inf (log-probabilities are at most 0)")
    totals = np.exp(logsumexp(arr, axis=1)) if rows_normalised else np.exp([logsumexp(arr)])
    worst = float(np.max(np.abs(totals - 1.0)))
    if worst > _NORM_TOL:
        what = "each row of" if rows_normalised else "the whole of"
        raise ValueError(f"{name} must be normalised ({what} it sums to 1); off by up to {worst:.3g}")
    return arr


def _information(log_he: np.ndarray) -> float:
    """I(H : E) from ln p(e, h), shape (n_e, n_h), normalised."""
    log_e = logsumexp(log_he, axis=1, keepdims=True)
    log_h = logsumexp(log_he, axis=0, keepdims=True)
    log_product = log_e + log_h
    mask = np.isfinite(log_he)  # p(h, e) = 0 contributes nothing, and would give -inf - -inf
    return float(np.sum(np.exp(log_he[mask]) * (log_he[mask] - log_product[mask])))


def mutual_information(log_joint: object, log_filter: object) -> float:
    """Exact :math:`I(H : E)` in nats, for a joint :math:`p(v, e)` and a filter :math:`p(h \\mid v)`.

    .. math::

        \\begin{aligned}
        \\ln p(h, e) &= \\ln \\sum_v e^{\\ln p(v, e) + \\ln p(h \\mid v)}, \\\\
        I(H : E) &= \\sum_{h, e} p(h, e) \\ln \\frac{p(h, e)}{p(h)\\, p(e)},
        \\end{aligned}

    every sum by log-sum-exp. Terms with :math:`p(h, e) = 0` contribute zero. The result lies
    between 0 and :math:`\\min(\\ln n_h, I(V : E))` up to rounding.

    Parameters
    ----------
    log_joint : array of float, shape (n_v, n_e)
        Normalised :math:`\\ln p(v, e)` (e.g. :func:`ring_block_environment`); -inf allowed.
    log_filter : array of float, shape (n_v, n_h)
        :math:`\\ln p(h \\mid v)`, each row normalised (e.g. :func:`logistic_filter`).

    Returns
    -------
    float
        In nats.

    Raises
    ------
    ValueError
        If a table is not normalised, contains NaN or +inf, or the row counts differ.

    Examples
    --------
    >>> log_p = ring_block_environment(None, 1.0, block=2, buffer=0)
    >>> round(mutual_information(log_p, logistic_filter([0.0, 0.0])), 12)
    0.0
    """
    lj = _check_log_table(log_joint, "log_joint", rows_normalised=False)
    lf = _check_log_table(log_filter, "log_filter", rows_normalised=True)
    if lj.shape[0] != lf.shape[0]:
        raise ValueError(
            f"log_joint and log_filter must have one row per block state; got {lj.shape[0]} and {lf.shape[0]}"
        )
    return _information(logsumexp(lj[:, :, None] + lf[:, None, :], axis=0))


def ring_information(N: int | None, K: float, buffer: int, log_filter: object) -> float:
    """:math:`I(H : E)` on the Ising ring for a filter on a block of b sites (b read from the filter).

    Shorthand for ``mutual_information(ring_block_environment(N, K, b, buffer), log_filter)``.

    Parameters
    ----------
    N : int or None
        Ring size, or None for the infinite chain.
    K : float
        Coupling.
    buffer : int
        Buffer width on each side.
    log_filter : array of float, shape (2**b, n_h)
        :math:`\\ln p(h \\mid v)`.

    Returns
    -------
    float
        In nats.
    """
    lf = np.asarray(log_filter)
    n_v = lf.shape[0] if lf.ndim == 2 else 0
    b = int(np.log2(n_v)) if n_v > 1 else 0
    if b < 1 or 2**b != n_v:
        raise ValueError(f"log_filter must have 2**b rows (b ≥ 1), one per block state; got shape {lf.shape}")
    return mutual_information(ring_block_environment(N, K, b, buffer), lf)


# --------------------------------------------------------------------------- optimisation
@dataclass(frozen=True)
class OptimalFilter:
    """The deterministic filter :math:`h = f(v)` with the largest :math:`I(H : E)`.

    Attributes
    ----------
    values : ndarray of int8, shape (2**b,)
        f(v) = ±1 for every block state in the order of ``configurations(b)``.
    information : float
        Its :math:`I(H : E)`, in nats: the maximum over all filters with one coarse spin.
    ties : int
        How many Boolean functions reach that maximum within 1e-12 nats (at least 2: f and -f).
    """

    values: np.ndarray
    information: float
    ties: int


def optimal_filter(log_joint: object) -> OptimalFilter:
    """The filter with one coarse spin that maximises :math:`I(H : E)`, found exactly.

    :math:`I(H : E)` is convex in :math:`p(h \\mid v)` (see the module docstring), so its maximum
    over all filters is reached at a deterministic one; this enumerates all :math:`2^{2^b}`
    Boolean functions of the block.

    Parameters
    ----------
    log_joint : array of float, shape (2**b, n_e)
        Normalised :math:`\\ln p(v, e)`, 1 ≤ b ≤ 4.

    Returns
    -------
    OptimalFilter
        The first maximiser in enumeration order (f(v) with f of the all-down state = -1).
    """
    lj = _check_log_table(log_joint, "log_joint", rows_normalised=False)
    n_v = lj.shape[0]
    b = int(np.log2(n_v))
    if 2**b != n_v or not 1 <= b <= MAX_OPTIMAL_BLOCK:
        raise ValueError(f"log_joint must have 2**b rows with 1 ≤ b ≤ {MAX_OPTIMAL_BLOCK}; got {n_v}")
    functions = configurations(n_v)  # (2**n_v, n_v): every f as a row of ±1
    plus = (functions > 0).astype(np.float64)
    p_ve = np.exp(lj)
    p_plus_e = plus @ p_ve  # p(h = +1, e), (n_f, n_e)
    p_he = np.stack([p_ve.sum(axis=0)[None, :] - p_plus_e, p_plus_e], axis=2)  # (n_f, n_e, 2)
    p_he = np.clip(p_he, 0.0, None)
    p_e = p_he.sum(axis=2, keepdims=True)
    p_h = p_he.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p_he > 0, p_he * np.log(p_he / (p_e * p_h)), 0.0)
    info = terms.sum(axis=(1, 2))
    best = int(np.argmax(info))
    # Recompute the winner in log space so the reported value is the one mutual_information gives.
    value = mutual_information(lj, table_filter(plus[best]))
    ties = int(np.sum(info >= info[best] - 1e-12))
    return OptimalFilter(values=functions[best].copy(), information=value, ties=ties)


@dataclass(frozen=True)
class LogisticFit:
    """The logistic filter of fixed sharpness that maximises :math:`I(H : E)`.

    Attributes
    ----------
    weights : ndarray of float64, shape (b,)
        The optimal weights, with :math:`\\|w\\|_2` equal to the sharpness and the largest
        component positive (the sign of w is a symmetry when there is no field).
    information : float
        :math:`I(H : E)` at the optimum, in nats.
    sharpness : float
        :math:`\\|w\\|_2`.
    starts : int
        Number of optimiser starts.
    """

    weights: np.ndarray
    information: float
    sharpness: float
    starts: int


def fit_logistic_filter(
    log_joint: object, sharpness: float, *, n_starts: int = 8, seed: int | np.random.Generator | None = 0
) -> LogisticFit:
    """Maximise :math:`I(H : E)` over one logistic spin unit of fixed sharpness :math:`\\|w\\|_2`.

    The unit is :math:`p(h = +1 \\mid v) = \\sigma(2\\, w \\cdot v)` (:func:`logistic_filter`).

    Only the direction of w is optimised: as the weights grow every filter becomes
    deterministic and :math:`I` tends to the value of a threshold function (see
    :func:`optimal_filter` for the limit), so the sharpness is held fixed to compare kernels of
    equal noise. The objective is smooth; it is maximised by L-BFGS-B over an unconstrained
    vector z with :math:`w = \\lambda z/\\|z\\|`, from the coordinate axes (the decimations), the
    uniform direction (the block spin) and ``n_starts`` random directions, keeping the best.
    There is no bias: the zero-field ring is symmetric under h → -h.

    Parameters
    ----------
    log_joint : array of float, shape (2**b, n_e)
        Normalised :math:`\\ln p(v, e)`, 1 ≤ b ≤ 12.
    sharpness : float
        :math:`\\lambda = \\|w\\|_2 > 0`.
    n_starts : int
        Random starting directions in addition to the b + 1 fixed ones, ≥ 0.
    seed : int, Generator or None
        Seeds the random starts.

    Returns
    -------
    LogisticFit
    """
    lj = _check_log_table(log_joint, "log_joint", rows_normalised=False)
    n_v = lj.shape[0]
    b = int(np.log2(n_v))
    if 2**b != n_v or not 1 <= b <= MAX_BLOCK:
        raise ValueError(f"log_joint must have 2**b rows with 1 ≤ b ≤ {MAX_BLOCK}; got {n_v}")
    lam = check_real(sharpness, "sharpness", positive=True)
    n_starts = check_int(n_starts, "n_starts", minimum=0)
    rng = rng_from(seed)
    v = configurations(b).astype(np.float64)

    def information(w: np.ndarray) -> float:
        x = v @ w
        log_f = np.stack([-x, x], axis=1) - np.logaddexp(x, -x)[:, None]
        return _information(logsumexp(lj[:, :, None] + log_f[:, None, :], axis=0))

    # I can be 1e-4 nats at weak coupling or wide buffers: scale it to order one, or the
    # optimiser's absolute tolerances stop it at its first step.
    scale = max(information(lam * np.eye(b)[0]), information(lam * np.ones(b) / np.sqrt(b)), 1e-300)

    def loss(z: np.ndarray) -> float:
        norm = np.linalg.norm(z)
        return -information(lam * z / norm) / scale if norm > 0 else 0.0

    starts = [np.eye(b)[k] for k in range(b)] + [np.ones(b) / np.sqrt(b)]
    starts += [rng.standard_normal(b) for _ in range(n_starts)]
    best_w, best_i = starts[0] * lam, -np.inf
    for z0 in starts:
        res = minimize(loss, z0, method="L-BFGS-B")
        w = lam * res.x / np.linalg.norm(res.x)
        i = information(w)
        if i > best_i:
            best_w, best_i = w, i
    if best_w[np.argmax(np.abs(best_w))] < 0:
        best_w = -best_w
    return LogisticFit(weights=best_w, information=float(best_i), sharpness=lam, starts=len(starts))


# =========================================================================== the 2D filter
# Part 2: a block of the square lattice. The exact joint p(v, e) exists only on a small torus
# (:func:`torus_block_environment`); on Monte Carlo samples the information is estimated from
# below with the Barber–Agakov bound (:func:`fit_rsmi_filter`) on block/environment pairs cut
# out by :func:`patches`, and the learned filter becomes a coarse-graining map (:func:`filter_map`).

#: Most columns of the small torus the exact joint holds at once (2**(rows * kept columns) states).
_MAX_KEPT_SITES = 20


def _check_geometry(rows: int, cols: int, block: int, buffer: int, env_width: int) -> tuple[int, ...]:
    block = check_int(block, "block", minimum=1)
    buffer = check_int(buffer, "buffer", minimum=0)
    env_width = check_int(env_width, "env_width", minimum=1)
    rows = check_int(rows, "rows", minimum=max(3, block))
    cols = check_int(cols, "cols", minimum=max(3, block))
    return rows, cols, block, buffer, env_width


def _frame_distance(rows: int, cols: int, block: int) -> np.ndarray:
    """Chebyshev distance on the rows × cols torus of every site from the block at rows, cols 0 .. block-1."""

    def circular(n: int) -> np.ndarray:
        x = np.arange(n)[:, None] - np.arange(block)[None, :]
        return np.min(np.minimum(x % n, -x % n), axis=1)

    return np.maximum(circular(rows)[:, None], circular(cols)[None, :])


def _block_and_frame(rows: int, cols: int, block: int, buffer: int, env_width: int) -> tuple[np.ndarray, np.ndarray]:
    """(row, col) offsets of the block sites and of the environment sites, each in row-major order."""
    d = _frame_distance(rows, cols, block)
    v = np.argwhere(d == 0)
    e = np.argwhere((d > buffer) & (d <= buffer + env_width))
    if len(e) == 0:
        raise ValueError(
            f"a {rows}×{cols} torus leaves no environment beyond a buffer of {buffer} around a {block}×{block} "
            "block: use a larger lattice or a smaller buffer"
        )
    return v, e


def _log_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return logsumexp(a[:, :, None] + b[None, :, :], axis=1)


def torus_block_environment(
    K: float, *, rows: int = 4, cols: int = 6, buffer: int = 1, env_width: int = 1, block: int = 2
) -> np.ndarray:
    """Exact :math:`\\ln p(v, e)` of a square block of a small Ising torus and its environment beyond a buffer.

    The torus has ``rows`` × ``cols`` sites and zero field, :math:`P \\propto e^{K \\sum_{\\langle
    ij\\rangle} s_i s_j}`. The block V is the ``block`` × ``block`` square at rows and columns
    0 … block − 1; the environment E is every site whose Chebyshev distance from the block,
    measured around the torus, is d with :math:`L_B < d \\le L_B + W` (``buffer``, ``env_width``).
    On a large lattice E is the square frame :func:`patches` cuts; on the default 4 × 6 torus
    every row lies within one site of the block, and E with a buffer of 1 is the two far columns
    3 and 4 (8 sites). The sites that are neither V nor E are summed over: columns without V or E
    sites by column transfer matrices, the rest by enumeration of the columns that hold V or E.

    Parameters
    ----------
    K : float
        Coupling J/k_BT, finite. Cells of probability below about 1e-300 come out as -inf.
    rows, cols : int
        Torus size, each at least 3 and at least ``block``; the columns that hold V or E sites
        may hold at most 20 sites together (2**20 joint states).
    buffer : int
        Buffer width :math:`L_B \\ge 0`.
    env_width : int
        Width W ≥ 1 of the environment frame.
    block : int
        Block side b; b² ≤ 12.

    Returns
    -------
    ndarray of float64, shape (2**(b*b), 2**n_E)
        Normalised log-probabilities. Rows follow ``configurations(b*b)`` over the block sites in
        row-major order (for b = 2: (0,0), (0,1), (1,0), (1,1)); columns follow
        ``configurations(n_E)`` over the environment sites in row-major order of their (row,
        column) on the torus, the order :func:`patches` uses.

    Raises
    ------
    ValueError
        If the torus leaves no environment, or is too large to enumerate.

    Examples
    --------
    >>> log_p = torus_block_environment(0.44)
    >>> log_p.shape, bool(np.isclose(np.exp(log_p).sum(), 1.0))
    ((16, 256), True)
    """
    K = check_real(K, "K")
    rows, cols, block, buffer, env_width = _check_geometry(rows, cols, block, buffer, env_width)
    if block * block > MAX_BLOCK:
        raise ValueError(f"block must have at most {MAX_BLOCK} sites (block ≤ 3); got block = {block}")
    v_sites, e_sites = _block_and_frame(rows, cols, block, buffer, env_width)
    kept = np.unique(np.concatenate([v_sites[:, 1], e_sites[:, 1]]))
    k = len(kept)
    if rows * k > _MAX_KEPT_SITES:
        raise ValueError(
            f"the block and environment span {k} columns of {rows} sites; at most {_MAX_KEPT_SITES} sites can "
            "be enumerated: use fewer rows, a narrower environment or a wider buffer"
        )
    col = configurations(rows).astype(np.float64)  # (2**rows, rows), row r of the column = entry r
    vertical = K * (col * np.roll(col, -1, axis=1)).sum(axis=1)
    horizontal = K * col @ col.T
    # Transfer across g summed columns: H (D H)^g with D = diag(e^vertical).
    gaps = np.diff(np.append(kept, kept[0] + cols)) - 1
    transfer = {0: horizontal}
    for g in range(1, int(gaps.max()) + 1):
        transfer[g] = _log_matmul(transfer[g - 1] + vertical[None, :], horizontal)
    # k ≥ 2: the frame always reaches a column beside the block's.
    n_col = 2**rows
    log_w = vertical
    for _ in range(k - 1):
        log_w = np.add.outer(log_w, vertical)
    for i in range(k):
        j = (i + 1) % k
        link = transfer[int(gaps[i])]  # link[c_i, c_j]
        shape = [1] * k
        shape[i] = shape[j] = n_col
        log_w = log_w + (link if i < j else link.T).reshape(shape)
    log_w = log_w.reshape(-1)
    # The bit of site (r, c) in the flat index of the kept columns' joint state.
    where = {int(c): i for i, c in enumerate(kept)}
    flat = np.arange(n_col**k, dtype=np.int64)

    def index_of(sites: np.ndarray) -> np.ndarray:
        out = np.zeros_like(flat)
        for r, c in sites:
            shift = rows * (k - 1 - where[int(c)]) + rows - 1 - int(r)
            out = (out << 1) | ((flat >> shift) & 1)
        return out

    n_e = len(e_sites)
    cell = index_of(v_sites) * 2**n_e + index_of(e_sites)
    top = log_w.max()
    table = np.bincount(cell, weights=np.exp(log_w - top), minlength=2 ** (block * block + n_e))
    with np.errstate(divide="ignore"):
        out = np.log(table) - np.log(table.sum())
    return out.reshape(2 ** (block * block), 2**n_e)


def _check_lattices(spins: object) -> np.ndarray:
    arr = np.asarray(spins)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"spins must be an integer array of ±1 (int8 preferred); got dtype {arr.dtype}")
    if arr.ndim != 3 or arr.shape[0] < 1:
        raise ValueError(f"spins must be a batch of lattices, shape (n, L, L) or (n, rows, cols); got {arr.shape}")
    if not np.all((arr == 1) | (arr == -1)):
        raise ValueError("spins must hold only -1 and 1")
    return arr.astype(np.int8, copy=False)


def patches(
    spins: object, *, block: int = 2, buffer: int = 1, env_width: int = 1, stride: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Block and environment states of every block position of periodic samples.

    For a block whose top-left site is (i, j), V is the ``block`` × ``block`` square and E the
    sites whose Chebyshev distance from it, around the torus, is d with :math:`L_B < d \\le L_B +
    W`. On a lattice with both sides at least :math:`b + 2(L_B + W)` that is the square frame of
    :math:`n_E = (b + 2L_B + 2W)^2 - (b + 2L_B)^2` sites (20 for b = 2, :math:`L_B` = W = 1); on
    a smaller torus it is what :func:`torus_block_environment` uses, so that on the 4 × 6 torus
    these pairs are draws from its exact joint.

    Parameters
    ----------
    spins : array of int ±1, shape (n, L, L) or (n, rows, cols)
        Periodic samples.
    block : int
        Block side b ≥ 1.
    buffer : int
        Buffer width :math:`L_B \\ge 0`.
    env_width : int
        Environment frame width W ≥ 1.
    stride : int or None
        Spacing of the block positions (i, j) = (stride·p, stride·q) in both directions; ``None``
        for b, the blocks of the coarse-graining partition. It must divide both sides.

    Returns
    -------
    V : ndarray of int8, shape (n * P, b*b)
        Block states, sites in row-major order; rows sample-major: the P = (rows/stride) ·
        (cols/stride) positions of sample 0 in row-major order, then those of sample 1, ….
    E : ndarray of int8, shape (n * P, n_E)
        Environment states, sites in row-major order of their offset from (i, j) taken modulo
        the lattice sides (the column order of :func:`torus_block_environment`).

    Raises
    ------
    ValueError
        If the spins are not ±1 lattices, the stride does not divide the sides, or the lattice
        leaves no environment.

    Examples
    --------
    >>> V, E = patches(np.ones((3, 8, 8), dtype=np.int8))
    >>> V.shape, E.shape
    ((48, 4), (48, 20))
    """
    s = _check_lattices(spins)
    n, rows, cols = s.shape
    block = check_int(block, "block", minimum=1)
    buffer = check_int(buffer, "buffer", minimum=0)
    env_width = check_int(env_width, "env_width", minimum=1)
    if rows < max(3, block) or cols < max(3, block):
        raise ValueError(f"spins: each side must be at least max(3, block) = {max(3, block)}; got {rows}×{cols}")
    stride = block if stride is None else check_int(stride, "stride", minimum=1)
    if rows % stride or cols % stride:
        raise ValueError(f"stride = {stride} must divide both sides of the lattice, {rows}×{cols}")
    v_sites, e_sites = _block_and_frame(rows, cols, block, buffer, env_width)
    i0, j0 = np.meshgrid(np.arange(0, rows, stride), np.arange(0, cols, stride), indexing="ij")
    i0, j0 = i0.reshape(-1, 1), j0.reshape(-1, 1)

    def cut(sites: np.ndarray) -> np.ndarray:
        out = s[:, (i0 + sites[:, 0]) % rows, (j0 + sites[:, 1]) % cols]  # (n, P, n_sites)
        return np.ascontiguousarray(out.reshape(-1, len(sites)))

    return cut(v_sites), cut(e_sites)


@dataclass(frozen=True)
class RSMIFit:
    """A logistic filter and decoder fitted to the Barber–Agakov bound (see :func:`fit_rsmi_filter`).

    Attributes
    ----------
    weights : ndarray of float64, shape (b*b,)
        Filter weights w, :math:`\\|w\\|_2` = ``sharpness``, the largest component positive.
    bias : float
        Filter field c: :math:`p(h = +1 \\mid v) = \\sigma(2(w \\cdot v + c))`.
    decoder_weights : ndarray of float64, shape (n_E,)
        Decoder weights u: :math:`q(h = +1 \\mid e) = \\sigma(2(u \\cdot e + d))`.
    decoder_bias : float
        Decoder field d.
    bound_train : float
        The bound on the training rows, in nats (biased upwards: the parameters fit those rows).
    bound_test, bound_test_err : float
        The bound on the held-out rows and its standard error, in nats; in expectation a lower
        bound on :math:`I(H : E)` of the learned filter.
    sharpness : float
    n_train, n_test : int
        Rows used for fitting and for the held-out estimate.
    """

    weights: np.ndarray
    bias: float
    decoder_weights: np.ndarray
    decoder_bias: float
    bound_train: float
    bound_test: float
    bound_test_err: float
    sharpness: float
    n_train: int
    n_test: int


def _bound_terms(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per-row terms whose mean is the bound: -Σ_h p(h|v) ln p̄(h) + Σ_h p(h|v) ln q(h|e)."""
    p_bar = np.clip(p.mean(), 1e-300, 1 - 1e-16)
    entropy = -(p * np.log(p_bar) + (1 - p) * np.log1p(-p_bar))
    return entropy - p * np.logaddexp(0.0, -2 * y) - (1 - p) * np.logaddexp(0.0, 2 * y)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1 + np.tanh(0.5 * x))


def _check_rows(value: object, name: str) -> np.ndarray:
    arr = np.asarray(value)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must be an integer array of ±1 states; got dtype {arr.dtype}")
    if arr.ndim != 2 or arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ValueError(f"{name} must have shape (m, sites) with m, sites ≥ 1; got {arr.shape}")
    if not np.all((arr == 1) | (arr == -1)):
        raise ValueError(f"{name} must hold only -1 and 1")
    return arr.astype(np.float64)


def fit_rsmi_filter(
    V: object,
    E: object,
    *,
    sharpness: float,
    n_starts: int = 2,
    seed: int | np.random.Generator | None = 0,
    holdout: float = 0.5,
    rows_per_sample: int = 1,
) -> RSMIFit:
    """Fit a logistic filter of fixed sharpness to block/environment samples by the Barber–Agakov bound.

    For any decoder :math:`q(h \\mid e)`,
    :math:`I(H : E) = H(H) - H(H \\mid E) \\ge H(H) + \\mathbb{E}_{v, e}\\sum_h p(h \\mid v) \\ln q(h \\mid e)`
    with equality when q is the true :math:`p(h \\mid e)`. The filter is
    :math:`p(h = +1 \\mid v) = \\sigma(2(w \\cdot v + c))` with :math:`\\|w\\|_2` = ``sharpness``
    held fixed (as in :func:`fit_logistic_filter`: the bound keeps rising as the filter
    sharpens, so only its direction is learned), the decoder
    :math:`q(h = +1 \\mid e) = \\sigma(2(u \\cdot e + d))` with free weights. :math:`H(H)` is
    the plug-in entropy of the mean of :math:`p(h = +1 \\mid v)` over the rows. The bound is
    maximised over (w direction, c, u, d) by L-BFGS-B with its exact gradient on the first
    rows, from the block spin, each decimation and ``n_starts`` random directions (the decoder
    starting at zero), keeping the best; it is then evaluated on the held-out last rows, whose
    value is (in expectation) below :math:`I(H : E)` of the learned filter twice over: the
    decoder is logistic and fitted to other rows.

    Parameters
    ----------
    V : array of int ±1, shape (m, b*b)
        Block states (e.g. from :func:`patches`).
    E : array of int ±1, shape (m, n_E)
        Environment states of the same rows.
    sharpness : float
        :math:`\\|w\\|_2 > 0`.
    n_starts : int
        Random filter directions besides the b*b + 1 fixed starts, ≥ 0.
    seed : int, Generator or None
        Seeds the random starts; the fit is a deterministic function of the data and the seed.
    holdout : float
        Share of the rows held out, in (0, 1): the last ones, so that rows of one configuration
        (consecutive in :func:`patches`) stay together when ``rows_per_sample`` says how many
        there are.
    rows_per_sample : int
        Consecutive rows that come from one configuration, ≥ 1: the split falls between such
        groups, and the held-out standard error treats each group as one draw.

    Returns
    -------
    RSMIFit

    Raises
    ------
    ValueError
        If the arrays are not ±1, disagree in length, the row count is not a multiple of
        ``rows_per_sample``, or a half would be empty.

    References
    ----------
    D. Barber and F. Agakov, "The IM algorithm: a variational approach to information
    maximization", NIPS 16 (2003). Koch-Janusz and Ringel (2018) maximise a bound of this kind.
    """
    v_all = _check_rows(V, "V")
    e_all = _check_rows(E, "E")
    if len(v_all) != len(e_all):
        raise ValueError(f"V and E must have one row per sample; got {len(v_all)} and {len(e_all)}")
    lam = check_real(sharpness, "sharpness", positive=True)
    n_starts = check_int(n_starts, "n_starts", minimum=0)
    holdout = check_real(holdout, "holdout")
    if not 0 < holdout < 1:
        raise ValueError(f"holdout must lie strictly between 0 and 1; got {holdout}")
    group = check_int(rows_per_sample, "rows_per_sample", minimum=1)
    if len(v_all) % group:
        raise ValueError(f"the {len(v_all)} rows are not a whole number of groups of rows_per_sample = {group}")
    n_groups = len(v_all) // group
    n_test_groups = int(round(holdout * n_groups))
    if not 0 < n_test_groups < n_groups:
        raise ValueError(
            f"holdout = {holdout} of {n_groups} groups leaves an empty half: give more rows or change holdout"
        )
    cut = (n_groups - n_test_groups) * group
    v, e = v_all[:cut], e_all[:cut]
    nv, ne = v.shape[1], e.shape[1]
    rng = rng_from(seed)
    n = len(v)

    def unpack(theta: np.ndarray) -> tuple[np.ndarray, float, np.ndarray, float]:
        z = theta[:nv]
        return lam * z / np.linalg.norm(z), theta[nv], theta[nv + 1 : nv + 1 + ne], theta[-1]

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = theta[:nv]
        norm = np.linalg.norm(z)
        if norm == 0:
            return 0.0, np.zeros_like(theta)
        w, c, u, d = unpack(theta)
        x = v @ w + c
        y = e @ u + d
        p = _sigmoid(2 * x)
        p_bar = np.clip(p.mean(), 1e-300, 1 - 1e-16)
        value = _bound_terms(p, y).mean()
        # d bound / d x_i and d y_i (the plug-in entropy's own derivative is included).
        gx = (2 * y - np.log(p_bar / (1 - p_bar))) * 2 * p * (1 - p) / n
        gy = 2 * (p - _sigmoid(2 * y)) / n
        gw = v.T @ gx
        gz = (lam / norm) * (gw - (z / norm) * ((z / norm) @ gw))
        grad = np.concatenate([gz, [gx.sum()], e.T @ gy, [gy.sum()]])
        return -value, -grad

    directions = [np.ones(nv)] + [np.eye(nv)[k] for k in range(nv)]
    directions += [rng.standard_normal(nv) for _ in range(n_starts)]
    best, best_value = None, np.inf
    for z0 in directions:
        theta0 = np.concatenate([z0 / np.linalg.norm(z0), np.zeros(ne + 2)])
        res = minimize(loss, theta0, jac=True, method="L-BFGS-B", options={"ftol": 1e-12, "gtol": 1e-9})
        if res.fun < best_value:
            best, best_value = res.x, res.fun
    w, c, u, d = unpack(best)
    if w[np.argmax(np.abs(w))] < 0:  # (w, c, u, d) -> -(w, c, u, d) is a symmetry of the bound
        w, c, u, d = -w, -c, -u, -d
    vt, et = v_all[cut:], e_all[cut:]
    terms = _bound_terms(_sigmoid(2 * (vt @ w + c)), et @ u + d)
    per_group = terms.reshape(-1, group).mean(axis=1)
    err = float(per_group.std(ddof=1) / np.sqrt(len(per_group))) if len(per_group) > 1 else np.nan
    return RSMIFit(
        weights=w,
        bias=float(c),
        decoder_weights=u,
        decoder_bias=float(d),
        bound_train=float(-best_value),
        bound_test=float(terms.mean()),
        bound_test_err=err,
        sharpness=lam,
        n_train=cut,
        n_test=len(vt),
    )


def filter_map(
    weights: object, bias: float = 0.0, *, mode: str = "sign", seed: int | np.random.Generator | None = None
):
    """A logistic filter on b × b blocks as a coarse-graining map of whole lattices.

    Each block of the partition of an L × L lattice into b × b squares, block sites in
    row-major order as in :func:`patches`, becomes one coarse spin with
    :math:`x = w \\cdot v + c`: ``mode="sign"`` takes :math:`h = \\operatorname{sign} x` (x = 0
    by a fair coin, so equal weights and no field give majority rule with random ties, as
    :func:`rgkit.rg.majority_rule`), ``mode="sample"`` draws h with
    :math:`p(h = +1 \\mid v) = \\sigma(2x)`, the filter itself.

    Parameters
    ----------
    weights : array of float, shape (b*b,)
        Filter weights w (e.g. :attr:`RSMIFit.weights`); b ≥ 2.
    bias : float
        Field c.
    mode : {"sign", "sample"}
    seed : int, Generator or None
        Feeds the coin flips; successive calls of the map continue one stream.

    Returns
    -------
    callable
        ``transform(spins)``: int ±1 spins (n, L, L) with L divisible by b → int8 (n, L/b, L/b),
        usable as ``rgkit.mcrg.blocked_sums(..., transform=transform)``.

    Raises
    ------
    ValueError
        If the weights are not finite or their count is not a square b*b with b ≥ 2, or the mode
        is unknown (the transform raises for spins it cannot block).

    Examples
    --------
    >>> coarse = filter_map(np.ones(4), mode="sign", seed=0)
    >>> coarse(np.ones((2, 4, 4), dtype=np.int8)).shape
    (2, 2, 2)
    """
    w = np.asarray(weights)
    if w.dtype.kind not in "biuf":
        raise TypeError(f"weights must be a real array of shape (b*b,); got dtype {w.dtype}")
    w = w.astype(np.float64)
    b = int(round(np.sqrt(w.size)))
    if w.ndim != 1 or b < 2 or b * b != w.size:
        raise ValueError(f"weights must have shape (b*b,) with b ≥ 2, one per block site; got {np.shape(weights)}")
    c = check_real(bias, "bias")
    if not np.all(np.isfinite(w)):
        raise ValueError("weights must be finite")
    if mode not in ("sign", "sample"):
        raise ValueError(f"mode must be 'sign' or 'sample'; got {mode!r}")
    rng = rng_from(seed)
    w_block = w.reshape(b, b)

    def transform(spins: np.ndarray) -> np.ndarray:
        s = _check_lattices(spins)
        n, L, L2 = s.shape
        if L != L2 or L % b:
            raise ValueError(f"spins must be square lattices with side divisible by b = {b}; got shape {s.shape}")
        blocks = s.reshape(n, L // b, b, L // b, b).astype(np.float64)
        x = np.einsum("nipjq,pq->nij", blocks, w_block) + c
        if mode == "sample":
            return np.where(rng.random(x.shape) < _sigmoid(2 * x), 1, -1).astype(np.int8)
        coin = np.where(rng.random(x.shape) < 0.5, 1, -1)
        return np.where(x > 0, 1, np.where(x < 0, -1, coin)).astype(np.int8)

    return transform
