"""Real-space mutual information (RSMI): the information a coarse variable keeps about the far environment.

Koch-Janusz and Ringel choose the coarse variable H of a block V by maximising the mutual
information :math:`I(H : E)` between H and the block's environment E, the sites beyond a
buffer B that surrounds the block. H is drawn from a filter :math:`p(h \\mid v)`, so the chain
is :math:`H - V - E` and

.. math:: I(H : E) = \\sum_{h, e} p(h, e) \\ln \\frac{p(h, e)}{p(h)\\, p(e)}, \\qquad
          p(h, e) = \\sum_v p(h \\mid v)\\, p(v, e).

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

    .. math:: \\ln p(h, e) = \\ln \\sum_v e^{\\ln p(v, e) + \\ln p(h \\mid v)}, \\qquad
              I(H : E) = \\sum_{h, e} p(h, e) \\ln \\frac{p(h, e)}{p(h)\\, p(e)},

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
