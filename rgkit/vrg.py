"""The variational renormalization group, computed exactly by enumeration.

Conventions (see the chapter "Variational renormalization group"):

* A *Hamiltonian* is a callable taking spins of shape ``(..., N)`` to energies of shape
  ``(...)``, in units of k_B T, with :math:`P(v) = e^{-H(v)}/Z`.
* A *kernel* is a callable :math:`T(v, h)` taking visible states ``(..., N)`` and hidden
  states ``(..., M)`` whose batch shapes broadcast, returning ``(...)``.
* The coarse Hamiltonian is :math:`e^{-H^{RG}(h)} = \\mathrm{Tr}_v\\, e^{T(v,h) - H(v)}`.

Everything is enumerated, so systems are limited to a few tens of spins in total.

References
----------
P. Mehta and D. J. Schwab, "An exact mapping between the Variational Renormalization
Group and Deep Learning", arXiv:1410.3831 (2014).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from ._validate import check_int, check_real, check_units
from .rbm import RBM
from .states import configurations, kl_divergence, log_boltzmann, log_sum_units

Kernel = Callable[[np.ndarray, np.ndarray], np.ndarray]

# Joint enumerations beyond this many (v, h) pairs would take minutes and gigabytes.
MAX_JOINT_UNITS = 22


def rbm_kernel(rbm: RBM, hamiltonian: Callable[[np.ndarray], np.ndarray]) -> Kernel:
    """The Mehta–Schwab kernel :math:`T(v, h) = -E(v, h) + H(v)` of an RBM and a Hamiltonian.

    Parameters
    ----------
    rbm : RBM
        Supplies E(v, h) = -a·v - b·h - vᵀWh.
    hamiltonian : callable
        The data Hamiltonian H(v), on the RBM's visible units.

    Returns
    -------
    callable
        ``T(v, h)`` broadcasting over batch axes.
    """
    if not isinstance(rbm, RBM):
        raise TypeError(f"rbm must be an RBM; got {type(rbm).__name__}")
    if not callable(hamiltonian):
        raise TypeError("hamiltonian must be callable, mapping spins (..., N) to energies (...)")
    W, a, b = rbm.W, rbm.a, rbm.b

    def kernel(v: np.ndarray, h: np.ndarray) -> np.ndarray:
        v = np.asarray(v, dtype=np.float64)
        h = np.asarray(h, dtype=np.float64)
        minus_energy = v @ a + h @ b + np.einsum("...i,ij,...j->...", v, W, h)
        # A Hamiltonian takes a flat batch (n, N); evaluate once per distinct v, then broadcast.
        energy = np.asarray(hamiltonian(v.reshape(-1, v.shape[-1])), dtype=np.float64).reshape(v.shape[:-1])
        return minus_energy + energy

    return kernel


def _enumerate(n_visible: int, n_hidden: int, units: str) -> tuple[np.ndarray, np.ndarray]:
    n_visible = check_int(n_visible, "n_visible", minimum=1)
    n_hidden = check_int(n_hidden, "n_hidden", minimum=1)
    if n_visible + n_hidden > MAX_JOINT_UNITS:
        raise ValueError(
            f"n_visible + n_hidden must be at most {MAX_JOINT_UNITS} for enumeration; got {n_visible + n_hidden}"
        )
    units = check_units(units)
    return configurations(n_visible, units), configurations(n_hidden, units)


def kernel_table(kernel: Kernel, n_visible: int, n_hidden: int, units: str = "spin") -> np.ndarray:
    """:math:`T(v, h)` for every pair of states.

    Returns
    -------
    ndarray of float64, shape (2**n_visible, 2**n_hidden)
        Rows follow ``configurations(n_visible, units)``, columns ``configurations(n_hidden, units)``.
        Entries may be ``-inf`` (a forbidden pair, as in decimation).
    """
    if not callable(kernel):
        raise TypeError("kernel must be callable as T(v, h)")
    vs, hs = _enumerate(n_visible, n_hidden, units)
    table = np.asarray(kernel(vs[:, None, :], hs[None, :, :]), dtype=np.float64)
    if table.shape != (len(vs), len(hs)):
        raise ValueError(
            f"kernel must broadcast over batches; returned shape {table.shape}, expected {(len(vs), len(hs))}"
        )
    if np.any(np.isnan(table)) or np.any(table == np.inf):
        raise ValueError("kernel returned NaN or +inf")
    return table


def conditional_kernel(rbm: RBM) -> Kernel:
    """The normalised kernel :math:`T(v, h) = \\ln p_\\lambda(h \\mid v)` of an RBM.

    It satisfies the trace condition for every RBM, whatever the data.
    """
    if not isinstance(rbm, RBM):
        raise TypeError(f"rbm must be an RBM; got {type(rbm).__name__}")

    def kernel(v: np.ndarray, h: np.ndarray) -> np.ndarray:
        x = np.asarray(v, dtype=np.float64) @ rbm.W + rbm.b
        log_norm = log_sum_units(x, rbm.units).sum(axis=-1)
        return (np.asarray(h, dtype=np.float64) * x).sum(axis=-1) - log_norm

    return kernel


def _energies(hamiltonian: Callable[[np.ndarray], np.ndarray], n_visible: int, units: str) -> np.ndarray:
    if not callable(hamiltonian):
        raise TypeError("hamiltonian must be callable, mapping spins (..., N) to energies (...)")
    e = np.asarray(hamiltonian(configurations(n_visible, units)), dtype=np.float64)
    if e.shape != (2**n_visible,) or not np.all(np.isfinite(e)):
        raise ValueError(f"hamiltonian must return {2**n_visible} finite energies for the enumerated states")
    return e


def log_trace(kernel: Kernel, n_visible: int, n_hidden: int, units: str = "spin") -> np.ndarray:
    """:math:`\\ln \\mathrm{Tr}_h\\, e^{T(v, h)}` for every visible state ``v``.

    The transformation is exact (the trace condition) when this is zero for every ``v``.

    Returns
    -------
    ndarray of float64, shape (2**n_visible,)
    """
    return logsumexp(kernel_table(kernel, n_visible, n_hidden, units), axis=1)


def coarse_hamiltonian(
    kernel: Kernel, hamiltonian: Callable[[np.ndarray], np.ndarray], n_visible: int, n_hidden: int, units: str = "spin"
) -> np.ndarray:
    """The coarse Hamiltonian :math:`H^{RG}(h) = -\\ln \\mathrm{Tr}_v\\, e^{T(v,h) - H(v)}` of every ``h``.

    Returns
    -------
    ndarray of float64, shape (2**n_hidden,)
        In the order of ``configurations(n_hidden, units)``.
    """
    table = kernel_table(kernel, n_visible, n_hidden, units)
    return -logsumexp(table - _energies(hamiltonian, n_visible, units)[:, None], axis=0)


def free_energies(
    kernel: Kernel, hamiltonian: Callable[[np.ndarray], np.ndarray], n_visible: int, n_hidden: int, units: str = "spin"
) -> tuple[float, float]:
    """The free energies :math:`F^v = -\\ln \\mathrm{Tr}_v e^{-H}` and :math:`F^h = -\\ln \\mathrm{Tr}_h e^{-H^{RG}}`.

    Their difference :math:`\\Delta F = F^h - F^v` vanishes when the trace condition holds.

    Returns
    -------
    F_v, F_h : float
    """
    f_v = -float(logsumexp(-_energies(hamiltonian, n_visible, units)))
    f_h = -float(logsumexp(-coarse_hamiltonian(kernel, hamiltonian, n_visible, n_hidden, units)))
    return f_v, f_h


def mutual_information(
    kernel: Kernel, hamiltonian: Callable[[np.ndarray], np.ndarray], n_visible: int, n_hidden: int, units: str = "spin"
) -> float:
    """Mutual information (nats) between v and h under :math:`P(v)\\, e^{T(v,h)}`.

    The kernel must satisfy the trace condition, so that :math:`e^{T(v, h)}` is a conditional
    distribution of h given v.

    Raises
    ------
    ValueError
        If :math:`\\mathrm{Tr}_h e^{T}` differs from 1 by more than 1e-9 for some v.
    """
    table = kernel_table(kernel, n_visible, n_hidden, units)
    trace = logsumexp(table, axis=1)
    if np.max(np.abs(trace)) > 1e-9:
        raise ValueError(f"kernel violates the trace condition (max |ln Tr_h e^T| = {np.max(np.abs(trace)):.3g})")
    log_pv = log_boltzmann(_energies(hamiltonian, n_visible, units))
    log_joint = log_pv[:, None] + table
    log_ph = logsumexp(log_joint, axis=0)
    joint = np.exp(log_joint)
    mask = joint > 0
    terms = log_joint - log_pv[:, None] - log_ph[None, :]
    return float(np.sum(joint[mask] * terms[mask]))


def rbm_hamiltonian(rbm: RBM, constant: float = 0.0) -> Callable[[np.ndarray], np.ndarray]:
    """The Hamiltonian :math:`H(v) = H^{RBM}(v) + c` that the RBM represents exactly (KL = 0).

    With ``constant`` c, :math:`Z = e^{-c} Z_\\lambda`.
    """
    if not isinstance(rbm, RBM):
        raise TypeError(f"rbm must be an RBM; got {type(rbm).__name__}")
    c = check_real(constant, "constant")
    return lambda v: rbm.free_energy(v) + c


@dataclass(frozen=True)
class MappingCheck:
    """What :func:`mapping_check` measured: four deviations that vanish when the mapping holds,
    and four quantities that describe the kernel. All in nats (energies in units of k_BT)."""

    #: The mapping theorem, :math:`\max_h |H^{RG}(h) - H^{RBM}(h)|`.
    coarse: float
    #: :math:`\max_{v,h} |T(v, h) - [\ln p(h|v) + H(v) - H^{RBM}(v)]|`.
    kernel: float
    #: :math:`\max_v |\ln \mathrm{Tr}_h e^T - [H(v) - H^{RBM}(v)]|`.
    trace: float
    #: :math:`|\mathrm{KL} - [\ln(Z_\lambda/Z) - \langle \ln \mathrm{Tr}_h e^T \rangle_P]|`.
    kl_identity: float
    #: KL(P‖p) of the data distribution and the RBM's visible marginal.
    kl: float
    #: max − min over v of ln Tr_h e^T (zero when the trace condition holds up to a constant).
    trace_spread: float
    #: The mean of ln Tr_h e^T over P.
    log_trace_mean: float
    #: :math:`\max_v |\ln \mathrm{Tr}_h e^T|`, the violation of the trace condition (zero when it holds).
    trace_violation: float
    #: F^h − F^v.
    delta_f: float


def mapping_check(rbm: RBM, hamiltonian: Callable[[np.ndarray], np.ndarray]) -> MappingCheck:
    """Check the identities of the Mehta–Schwab mapping by enumerating every (v, h).

    With :math:`T = -E + H` (:func:`rbm_kernel`), it compares, each by an independent route:

    * ``coarse``: :math:`\\max_h |H^{RG}(h) - H^{RBM}(h)|` (the mapping theorem);
    * ``kernel``: :math:`\\max_{v,h} |T(v,h) - [\\ln p(h|v) + H(v) - H^{RBM}(v)]|`, with
      :math:`p(h|v)` normalised from the joint energies;
    * ``trace``: :math:`\\max_v |\\ln \\mathrm{Tr}_h e^{T} - [H(v) - H^{RBM}(v)]|`;
    * ``kl_identity``: :math:`|KL - [\\ln(Z_\\lambda/Z) - \\langle \\ln \\mathrm{Tr}_h e^{T}\\rangle_P]|`.

    Parameters
    ----------
    rbm : RBM
        At most 22 units in total.
    hamiltonian : callable
        Maps spins (n, n_visible), in the RBM's encoding, to energies (n,).

    Returns
    -------
    MappingCheck
        The four deviations above, and ``kl`` (KL(P‖p) in nats), ``trace_spread`` (max − min over v
        of ln Tr_h e^T), ``log_trace_mean`` (its mean over P), ``trace_violation`` (max over v of
        its absolute value) and ``delta_f`` (F^h − F^v).
    """
    kernel = rbm_kernel(rbm, hamiltonian)
    n, m, units = rbm.n_visible, rbm.n_hidden, rbm.units
    vs, hs = _enumerate(n, m, units)
    table = kernel_table(kernel, n, m, units)
    e_v = _energies(hamiltonian, n, units)
    f_v = rbm.free_energy(vs)
    f_h = rbm.hidden_free_energy(hs)
    vf, hf = vs.astype(np.float64), hs.astype(np.float64)
    minus_joint = (vf @ rbm.a)[:, None] + (hf @ rbm.b)[None, :] + vf @ rbm.W @ hf.T
    log_cond = minus_joint - logsumexp(minus_joint, axis=1, keepdims=True)
    h_rg = -logsumexp(table - e_v[:, None], axis=0)
    log_tr = logsumexp(table, axis=1)
    log_z = float(logsumexp(-e_v))
    log_z_model = rbm.log_partition()
    log_p = log_boltzmann(e_v)
    kl = kl_divergence(log_p, -f_v - log_z_model)
    mean_log_tr = float(np.exp(log_p) @ log_tr)
    return MappingCheck(
        coarse=float(np.max(np.abs(h_rg - f_h))),
        kernel=float(np.max(np.abs(table - (log_cond + (e_v - f_v)[:, None])))),
        trace=float(np.max(np.abs(log_tr - (e_v - f_v)))),
        kl_identity=abs(kl - (log_z_model - log_z - mean_log_tr)),
        kl=kl,
        trace_spread=float(np.ptp(log_tr)),
        log_trace_mean=mean_log_tr,
        trace_violation=float(np.max(np.abs(log_tr))),
        delta_f=log_z - log_z_model,
    )


def block_spin_kernel(n_visible: int, block: int, strength: float) -> Kernel:
    """Kadanoff's normalised block-spin kernel on contiguous blocks of ``block`` spins.

    .. math::

        \\begin{aligned}
        T_\\lambda(v, h) &= \\sum_j \\big[\\lambda h_j m_j - \\ln(2\\cosh \\lambda m_j)\\big], \\\\
        m_j &= \\sum_{i \\in \\text{block } j} v_i ,
        \\end{aligned}

    so each coarse spin follows its block's total with a "temperature" 1/λ: λ = 0 ignores the
    fine spins, λ → ∞ is the majority rule (ties broken at random for even blocks). The
    kernel satisfies the trace condition for every λ.

    Parameters
    ----------
    n_visible : int
        Number of fine spins, a multiple of ``block``.
    block : int
        Spins per block, at least 2.
    strength : float
        λ ≥ 0.

    Returns
    -------
    callable
        ``T(v, h)`` for spin states, with ``n_visible // block`` hidden spins.

    References
    ----------
    L. P. Kadanoff, A. Houghton and M. C. Yalabik, "Variational approximations for
    renormalization group transformations", J. Stat. Phys. 14, 171 (1976).
    """
    n_visible = check_int(n_visible, "n_visible", minimum=2)
    block = check_int(block, "block", minimum=2)
    if n_visible % block:
        raise ValueError(f"n_visible ({n_visible}) must be a multiple of block ({block})")
    lam = check_real(strength, "strength")
    if lam < 0:
        raise ValueError(f"strength must be non-negative; got {lam}")

    def kernel(v: np.ndarray, h: np.ndarray) -> np.ndarray:
        v = np.asarray(v, dtype=np.float64)
        m = v.reshape(*v.shape[:-1], n_visible // block, block).sum(axis=-1)
        x = lam * m
        return (np.asarray(h, dtype=np.float64) * x).sum(axis=-1) - log_sum_units(x, "spin").sum(axis=-1)

    return kernel


def block_kernel(n_visible: int, weights: object) -> Kernel:
    """The normalised kernel of coarse spins each coupled to one block of fine spins with given weights.

    .. math::

        \\begin{aligned}
        T_w(v, h) &= \\sum_j \\big[h_j x_j - \\ln(2\\cosh x_j)\\big], \\\\
        x_j &= \\sum_{k} w_k\\, v_{bj + k},
        \\end{aligned}

    with b = ``len(weights)`` spins per contiguous block. It is :math:`\\ln p(h \\mid v)` of the
    spin RBM :func:`block_rbm` (no biases), so it satisfies the trace condition for every w.
    Equal weights λ give Kadanoff's kernel (:func:`block_spin_kernel`); weights (λ, 0) are a
    noisy copy of the first spin of each block, which becomes decimation
    (:func:`decimation_kernel`) as λ → ∞.

    Parameters
    ----------
    n_visible : int
        Number of fine spins, a multiple of the block length.
    weights : sequence of float, shape (b,)
        Finite weights w_k of the spins of a block, b ≥ 1.

    Returns
    -------
    callable
        ``T(v, h)`` for spin states, with ``n_visible // b`` coarse spins.

    Raises
    ------
    ValueError
        If a weight is not finite, or ``n_visible`` is not a multiple of b.

    Examples
    --------
    >>> T = block_kernel(4, [0.5, 0.5])
    >>> bool(np.allclose(log_trace(T, 4, 2), 0.0))
    True
    """
    w = _block_weights(n_visible, weights)
    n_visible, block = int(n_visible), len(w)

    def kernel(v: np.ndarray, h: np.ndarray) -> np.ndarray:
        v = np.asarray(v, dtype=np.float64)
        x = (v.reshape(*v.shape[:-1], n_visible // block, block) * w).sum(axis=-1)
        return (np.asarray(h, dtype=np.float64) * x).sum(axis=-1) - log_sum_units(x, "spin").sum(axis=-1)

    return kernel


def _block_weights(n_visible: object, weights: object) -> np.ndarray:
    n_visible = check_int(n_visible, "n_visible", minimum=1)
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 1 or w.size < 1 or not np.all(np.isfinite(w)):
        raise ValueError(f"weights must be a non-empty 1-D sequence of finite numbers; got {weights!r}")
    if n_visible % w.size:
        raise ValueError(f"n_visible ({n_visible}) must be a multiple of the block length ({w.size})")
    return w


def block_rbm(n_visible: int, weights: object) -> RBM:
    """The spin RBM whose hidden unit j couples to block j of the fine spins with the given weights.

    Its conditional :math:`\\ln p(h \\mid v)` is :func:`block_kernel`; its hidden units share no
    visible unit, so in the model they are independent and :math:`H^{RBM}(h)` is a constant,
    and its visible marginal couples spins only inside a block.

    Parameters
    ----------
    n_visible : int
        Number of visible spins, a multiple of the block length.
    weights : sequence of float, shape (b,)
        The weights w_k of the spins of a block (finite).

    Returns
    -------
    RBM
        Spin units, ``n_visible`` visible, ``n_visible // b`` hidden, zero biases.
    """
    w = _block_weights(n_visible, weights)
    n_hidden = int(n_visible) // len(w)
    W = np.zeros((int(n_visible), n_hidden))
    for j in range(n_hidden):
        W[j * len(w) : (j + 1) * len(w), j] = w
    return RBM.from_parameters(W, units="spin")


def cumulant_bound_hamiltonian(
    kernel: Kernel,
    reference: Callable[[np.ndarray], np.ndarray],
    perturbation: Callable[[np.ndarray], np.ndarray],
    n_visible: int,
    n_hidden: int,
) -> np.ndarray:
    """Kadanoff's lower-bound coarse Hamiltonian :math:`H^{\\rm b}(h) \\ge H^{RG}(h)` of :math:`H = H_0 + V`.

    With the average :math:`\\langle \\cdot \\rangle_{0,h}` over v with weight
    :math:`e^{T(v,h) - H_0(v)}` at fixed h, and :math:`Z_0(h) = \\mathrm{Tr}_v e^{T - H_0}`,

    .. math::

        \\begin{aligned}
        H^{\\rm b}(h) &= -\\ln Z_0(h) + \\langle V \\rangle_{0,h} \\\\
        &\\ge H^{RG}(h) = -\\ln Z_0(h) - \\ln \\langle e^{-V} \\rangle_{0,h}
        \\end{aligned}

    by Jensen's inequality, for every h. So :math:`F^{\\rm b} = -\\ln \\mathrm{Tr}_h e^{-H^{\\rm b}}
    \\ge F^h`, which equals :math:`F^v` when the kernel satisfies the trace condition: an upper
    bound on the free energy (a lower bound on ln Z) that one minimises over the kernel's
    parameters. When T and :math:`H_0` factorise over blocks, :math:`\\langle V\\rangle_{0,h}` is a
    sum of products of one-block averages, so :math:`H^{\\rm b}` has only the couplings that
    V carries between blocks: a truncated coarse Hamiltonian.

    Parameters
    ----------
    kernel : callable
        T(v, h).
    reference, perturbation : callable
        :math:`H_0` and V, each mapping spins (n, n_visible) to energies (n,).
    n_visible, n_hidden : int

    Returns
    -------
    ndarray of float64, shape (2**n_hidden,)
        In the order of ``configurations(n_hidden)``.

    References
    ----------
    L. P. Kadanoff, "Variational principles and approximate renormalization group
    calculations", Phys. Rev. Lett. 34, 1005 (1975); L. P. Kadanoff, A. Houghton and
    M. C. Yalabik, J. Stat. Phys. 14, 171 (1976).
    """
    table = kernel_table(kernel, n_visible, n_hidden)
    e0 = _energies(reference, n_visible, "spin")
    ev = _energies(perturbation, n_visible, "spin")
    log_w = table - e0[:, None]
    log_z0 = logsumexp(log_w, axis=0)
    mean_v = np.einsum("vh,v->h", np.exp(log_w - log_z0[None, :]), ev)
    return -log_z0 + mean_v


# ----------------------------------------------------------------------------- exact constructions, 1D
def _ring_args(N: object, K: object) -> tuple[int, float]:
    N = check_int(N, "N", minimum=4)
    if N % 2:
        raise ValueError(f"N must be even (sites split into odd and even); got {N}")
    return N, check_real(K, "K")


def decimation_rbm(N: int, K: float) -> RBM:
    """The Ising ring of N spins written as an RBM: odd sites visible, even sites hidden.

    With :math:`v_j = s_{2j-1}` and :math:`h_j = s_{2j}` (indices mod N), every bond of the ring
    joins a visible and a hidden spin, so

    .. math:: E(v, h) = -K \\sum_j h_j (v_j + v_{j+1})

    is exactly the ring's energy, and the RBM's joint distribution is the ring's. Summing out
    the visible (odd) spins leaves the hidden (even) spins as a ring of N/2 spins at
    :math:`K' = \\tfrac12\\ln\\cosh 2K`: one decimation step. Iterating splits that ring again,
    ``decimation_rbm(N // 2, K')``.

    Parameters
    ----------
    N : int
        Ring size, even and at least 4.
    K : float
        Coupling J/k_BT.

    Returns
    -------
    RBM
        Spin units, N/2 visible, N/2 hidden, zero biases.
    """
    N, K = _ring_args(N, K)
    M = N // 2
    W = np.zeros((M, M))
    for j in range(M):
        W[j, j] += K
        W[(j + 1) % M, j] += K
    return RBM.from_parameters(W, units="spin")


def chain_rbm(N: int, K: float) -> RBM:
    """An RBM whose visible marginal is exactly the Ising ring: one hidden unit per bond.

    Hidden unit i couples to spins i and i + 1 with weight :math:`w = \\tfrac12
    \\operatorname{arccosh}(e^{2|K|})` (for K < 0, with w and -w), zero biases. Then
    :math:`\\sum_{h_i} e^{h_i w (v_i \\pm v_{i+1})} = 2\\cosh(w(v_i \\pm v_{i+1})) \\propto e^{K v_i v_{i+1}}`.

    Parameters
    ----------
    N : int
        Ring size, at least 3.
    K : float

    Returns
    -------
    RBM
        Spin units, N visible, N hidden.
    """
    N = check_int(N, "N", minimum=3)
    K = check_real(K, "K")
    w = 0.5 * np.arccosh(np.exp(2 * abs(K)))
    W = np.zeros((N, N))
    for i in range(N):
        W[i, i] = w
        W[(i + 1) % N, i] = w if K >= 0 else -w
    return RBM.from_parameters(W, units="spin")


def decimation_kernel(N: int, kappa: float = np.inf) -> Kernel:
    """The decimation kernel of the ring, keeping the even sites: :math:`h_j = v_{2j}`.

    .. math::

        \\begin{aligned}
        T_\\kappa(v, h) &= \\kappa \\sum_j (h_j v_{2j} - 1) \\\\
        &\\longrightarrow \\sum_j \\ln \\delta(h_j, v_{2j}) \\quad (\\kappa \\to \\infty).
        \\end{aligned}

    For finite κ, :math:`\\ln\\mathrm{Tr}_h e^{T} = \\tfrac N2 \\ln(1 + e^{-2\\kappa})`; at κ = ∞ the
    trace condition holds exactly (and T is -inf on forbidden pairs).

    Parameters
    ----------
    N : int
        Ring size, even, at least 4.
    kappa : float
        Positive; ``np.inf`` for the exact delta.
    """
    N = check_int(N, "N", minimum=4)
    if N % 2:
        raise ValueError(f"N must be even; got {N}")
    if isinstance(kappa, bool) or not isinstance(kappa, int | float | np.floating):
        raise TypeError(f"kappa must be a positive number or inf; got {type(kappa).__name__}")
    if not kappa > 0 or np.isnan(kappa):
        raise ValueError(f"kappa must be positive (or inf); got {kappa}")

    def kernel(v: np.ndarray, h: np.ndarray) -> np.ndarray:
        kept = np.asarray(v, dtype=np.float64)[..., ::2]
        match = np.asarray(h, dtype=np.float64) * kept
        if np.isinf(kappa):
            with np.errstate(divide="ignore"):
                return np.log((match > 0).all(axis=-1).astype(np.float64))
        return kappa * (match - 1).sum(axis=-1)

    return kernel
