"""The flow of one RBM iterated on its own reconstructions, read with the exact thermometer.

Iso, Shiba and Yokoo trained one RBM on Ising configurations from many temperatures and
iterated v → h ~ p(h|v) → v′ ~ p(v|h), reading the temperature of the generated
configurations after each step; the flow went towards T_c. That chain is block Gibbs sampling
of the RBM, so its long-time limit is the RBM's own distribution, which training has fitted to
the mixture of the training temperatures. This module runs the chain (:func:`iterate`), reads
each step's effective coupling with the exact nearest-neighbour thermometer of the torus
(:func:`thermometer_flow`), and does the whole experiment for one training set as a sweep
point (:func:`iterated_point`): draw, train, measure the model's quality, iterate.

References
----------
S. Iso, S. Shiba and S. Yokoo, Phys. Rev. E 97, 053304 (2018), arXiv:1801.07172.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import logsumexp

from . import exact, mc, stats
from ._validate import check_choice, check_int, check_spins, rng_from
from .rbm import RBM

#: Correlations below this are read linearly, K = c (the thermometer's search starts at
#: K = 1e-8, where c ≈ K to all printed digits).
_LINEAR_BELOW = 1e-7


def iterate(rbm: RBM, spins: np.ndarray, n_steps: int, *, seed: int | np.random.Generator | None = None) -> np.ndarray:
    """Iterate the RBM's reconstruction v → h ~ p(h | v) → v′ ~ p(v | h) on a batch of configurations.

    Each step draws the hidden units from p(h | v) and then a new visible configuration from
    p(v | h), both sampled (not their means), so every step's output is a configuration the
    thermometer can read; this is block Gibbs sampling of the RBM started from ``spins``.

    Parameters
    ----------
    rbm : RBM
        With ``n_visible == L * L``; a binary RBM reads site s as (s + 1) / 2 and its 0/1
        output is written back as ±1.
    spins : ndarray of int8, shape (n, L, L)
        ±1 starting configurations; visible unit ``i`` is the site ``divmod(i, L)``.
    n_steps : int
        Reconstruction steps, at least 0.
    seed : int, Generator or None
        Drives every draw.

    Returns
    -------
    ndarray of int8, shape (n_steps + 1, n, L, L)
        The configurations after every step, the input first.

    Raises
    ------
    TypeError
        If ``rbm`` is not an :class:`~rgkit.rbm.RBM`.
    ValueError
        If ``spins`` is not a batch of ±1 square configurations with L² = ``rbm.n_visible``.

    Examples
    --------
    >>> rbm = RBM(9, 4, seed=0)
    >>> iterate(rbm, np.ones((5, 3, 3), dtype=np.int8), 2, seed=1).shape
    (3, 5, 3, 3)
    """
    if not isinstance(rbm, RBM):
        raise TypeError(f"rbm must be an rgkit.rbm.RBM; got {type(rbm).__name__}")
    s = check_spins(spins, "spins", dim=2)
    if s.ndim != 3:
        raise ValueError(f"spins must be a batch of configurations, shape (n, L, L); got shape {s.shape}")
    n, L = s.shape[0], s.shape[1]
    if L * L != rbm.n_visible:
        raise ValueError(f"spins of side L = {L} have {L * L} sites, but the RBM has {rbm.n_visible} visible units")
    n_steps = check_int(n_steps, "n_steps", minimum=0)
    rng = rng_from(seed)
    out = np.empty((n_steps + 1, n, L, L), dtype=np.int8)
    out[0] = s
    binary = rbm.units == "binary"
    v = s.reshape(n, L * L)
    v = (v + 1) // 2 if binary else v
    for step in range(1, n_steps + 1):
        v = rbm.sample_visible(rbm.sample_hidden(v, rng), rng)
        out[step] = (2 * v - 1 if binary else v).reshape(n, L, L)
    return out


def bond_correlation(spins: np.ndarray) -> np.ndarray:
    """Nearest-neighbour correlation of each configuration: the mean of s_i s_j over its 2L² bonds.

    Parameters
    ----------
    spins : ndarray of int8, shape (..., L, L)
        ±1 configurations on the periodic L×L lattice.

    Returns
    -------
    ndarray of float64, shape (...)
    """
    s = np.asarray(spins, dtype=np.int32)
    if s.ndim < 2 or s.shape[-1] != s.shape[-2]:
        raise ValueError(f"spins must end in a square lattice (..., L, L); got shape {s.shape}")
    bonds = s * np.roll(s, 1, axis=-1) + s * np.roll(s, 1, axis=-2)
    return bonds.sum(axis=(-2, -1)) / (2.0 * s.shape[-1] ** 2)


def nn_coupling(L: int, correlation: float, correlation_err: float = 0.0) -> tuple[float, float]:
    """The exact thermometer with its error: the nn coupling of the L×L torus with this correlation.

    :func:`rgkit.exact.torus_coupling`, extended to the correlations a flow can reach: for even
    L the torus is bipartite, and flipping every other spin maps K to −K and c to −c, so a
    negative correlation reads as the antiferromagnetic coupling −K(−c); below 1e-7 in size the
    map is linear (K = c). A correlation of 1 (every configuration ordered) reads K = ∞. The
    error is ``correlation_err`` divided by dc/dK = C / (2K²), C the exact specific heat per
    spin of the torus (1 at K = 0), as in :func:`rgkit.mcrg.effective_couplings`.

    Parameters
    ----------
    L : int
        Side of the torus, 2 ≤ L ≤ 4096.
    correlation : float
        Measured nearest-neighbour correlation, in [−1, 1] (≥ 0 for odd L).
    correlation_err : float
        Its standard error, ≥ 0.

    Returns
    -------
    K, K_err : float
        Dimensionless (J / k_B T); ``(inf, inf)`` for a correlation of 1.

    Raises
    ------
    ValueError
        For a correlation outside [−1, 1], a negative one on an odd torus, or a negative error.

    Examples
    --------
    >>> K, _ = nn_coupling(10, exact.torus_nn_correlation(10, 0.3))
    >>> K_anti, _ = nn_coupling(10, -exact.torus_nn_correlation(10, 0.3))
    >>> round(K, 10), round(K_anti, 10)
    (0.3, -0.3)
    """
    L = check_int(L, "L", minimum=2, maximum=4096)
    c, err = float(correlation), float(correlation_err)
    if not (np.isfinite(c) and -1.0 <= c <= 1.0):
        raise ValueError(f"correlation must be in [-1, 1]; got {correlation!r}")
    if not (np.isfinite(err) and err >= 0):
        raise ValueError(f"correlation_err must be finite and non-negative; got {correlation_err!r}")
    if c < 0 and L % 2:
        raise ValueError(f"a negative correlation has no nn coupling on an odd torus (L = {L}); got {c}")
    if abs(c) < _LINEAR_BELOW:
        return c, err
    c_top = exact.torus_nn_correlation(L, 20.0)
    if abs(c) >= c_top:
        return float(np.copysign(np.inf, c)), float("inf")
    k = exact.torus_coupling(L, abs(c))
    return float(np.copysign(k, c)), err * 2 * k**2 / exact.torus_specific_heat(L, k)


@dataclass(frozen=True)
class ThermometerFlow:
    """The effective coupling of every step of an iterated flow.

    Attributes
    ----------
    K, K_err : ndarray of float64, shape (n_steps + 1,)
        The nn coupling of the torus with each step's mean correlation (:func:`nn_coupling`),
        and its standard error.
    correlation, correlation_err : ndarray of float64, shape (n_steps + 1,)
        The mean nearest-neighbour correlation over the chains at each step and its standard
        error (binning over the chains, which are independent).
    L : int
    """

    K: np.ndarray
    K_err: np.ndarray
    correlation: np.ndarray
    correlation_err: np.ndarray
    L: int


def thermometer_flow(configs: np.ndarray) -> ThermometerFlow:
    """Read every step of a flow with the exact nn thermometer of the torus.

    Parameters
    ----------
    configs : ndarray of int8, shape (n_steps + 1, n, L, L)
        ±1 configurations, step first (the output of :func:`iterate`); n ≥ 4 chains.

    Returns
    -------
    ThermometerFlow

    Raises
    ------
    ValueError
        For an array of the wrong shape, non-±1 values, or fewer than 4 chains.
    """
    x = np.asarray(configs)
    if x.ndim != 4 or x.shape[2] != x.shape[3]:
        raise ValueError(f"configs must have shape (n_steps + 1, n, L, L); got {x.shape}")
    if x.shape[1] < 4:
        raise ValueError(f"a flow needs at least 4 chains for an error bar; got {x.shape[1]}")
    check_spins(x.reshape(-1, x.shape[2], x.shape[3]), "configs", dim=2)
    L = x.shape[2]
    bonds = bond_correlation(x)  # (n_steps + 1, n)
    min_blocks = min(32, bonds.shape[1] // 2)
    c, c_err = np.array([stats.binning_error(row, min_blocks=min_blocks) for row in bonds]).T
    K, K_err = np.array([nn_coupling(L, ci, ei) for ci, ei in zip(c, c_err, strict=True)]).T
    return ThermometerFlow(K=K, K_err=K_err, correlation=c, correlation_err=c_err, L=L)


def _bond_sums(spins: np.ndarray) -> np.ndarray:
    # Σ_<ij> s_i s_j per configuration: ln p_K(s) = K · this − ln Z(K).
    return bond_correlation(spins) * 2 * spins.shape[-1] ** 2


def _check_couplings(values: object, name: str) -> np.ndarray:
    k = np.asarray(values, dtype=np.float64)
    if k.ndim != 1 or len(k) == 0 or not np.all(np.isfinite(k)) or not np.all(k > 0):
        raise ValueError(f"{name} must be a non-empty list of positive finite couplings; got {values!r}")
    return k


def iterated_point(
    L: int,
    couplings: list[float],
    n_per_coupling: int,
    n_hidden: int,
    epochs: int,
    start_couplings: list[float],
    n_start: int,
    n_steps: int,
    seed: int,
    units: str = "spin",
    learning_rate: float = 0.01,
    batch_size: int = 100,
    n_quality: int = 200,
    ais_betas: int = 2000,
    replica: int = 0,
) -> tuple[dict[str, np.ndarray], dict]:
    """One iterated-RBM experiment: train on a mixture of couplings, score the model, iterate it.

    A sweep point function (:mod:`rgkit.sweep`): JSON-able arguments, all randomness from
    ``seed``, returns ``(arrays, info)``.

    1. Draws ``n_per_coupling`` Wolff samples of the L×L torus at each training coupling
       (K = 1/T) and trains one RBM, from weights of scale 0.01, on all of them at once by
       CD-1 (momentum 0.5; the data are reshuffled every epoch).
    2. Scores it: with ln Z from annealed importance sampling, the KL divergence per spin
       KL(p_K ‖ p_RBM) / L² ≥ 0 on ``n_quality`` fresh samples at each training coupling, and
       that of the equal-weight mixture of the training distributions, both against the exact
       ln p_K(s) = K Σ s_i s_j − ln Z(K) of the torus.
    3. Draws ``n_start`` fresh samples at each start coupling, iterates the RBM ``n_steps``
       times from them (:func:`iterate`) and reads each step (:func:`thermometer_flow`).

    Parameters
    ----------
    L : int
        Side of the torus (N = L² visible units), 2 ≤ L ≤ 64.
    couplings : list of float
        The training couplings K = J / k_B T, positive.
    n_per_coupling : int
        Training samples per coupling, at least 1.
    n_hidden : int
        Hidden units.
    epochs : int
        Training epochs.
    start_couplings : list of float
        Couplings of the configurations the flows start from, positive.
    n_start : int
        Chains per start coupling, at least 4.
    n_steps : int
        Reconstruction steps, at least 1.
    seed : int
        Non-negative; spawns independent streams for the training data, the initial weights,
        training, the quality samples, AIS, the start samples and the flow.
    units : {"spin", "binary"}
    learning_rate : float
    batch_size : int
    n_quality : int
        Fresh samples per training coupling for the KL divergence, at least 2.
    ais_betas : int
        Intermediate distributions of AIS (100 chains).
    replica : int
        Not used: a sweep axis that repeats a point with another seed (:func:`rgkit.sweep.point_seed`).

    Returns
    -------
    arrays : dict of ndarray
        ``W`` (L², n_hidden), ``a`` (L²,), ``b`` (n_hidden,): the trained RBM, in ``units``;
        ``couplings`` (m,), ``data_correlation`` (m,): the mean nn correlation of the training
        samples at each coupling; ``data_K``, ``data_K_err`` (1,): the thermometer read on the
        whole training set (the flow's limit if the RBM reproduced its training mixture and its
        Gibbs chain mixed); ``kl`` , ``kl_err`` (m,): KL per spin at each training coupling;
        ``kl_mixture``, ``kl_mixture_err`` (1,); ``log_z``, ``log_z_err`` (1,): the AIS
        estimate; ``start_couplings`` (s,); ``K``, ``K_err``, ``correlation``,
        ``correlation_err`` (s, n_steps + 1): the flow from each start coupling.
    info : dict
        Seconds spent drawing, training, scoring and iterating; the training settings.

    Raises
    ------
    ValueError, TypeError
        For arguments out of range, before any work.

    References
    ----------
    S. Iso, S. Shiba and S. Yokoo, Phys. Rev. E 97, 053304 (2018).
    """
    L = check_int(L, "L", minimum=2, maximum=64)
    train_K = _check_couplings(couplings, "couplings")
    start_K = _check_couplings(start_couplings, "start_couplings")
    n_per_coupling = check_int(n_per_coupling, "n_per_coupling", minimum=1)
    n_hidden = check_int(n_hidden, "n_hidden", minimum=1)
    epochs = check_int(epochs, "epochs", minimum=1)
    n_start = check_int(n_start, "n_start", minimum=4)
    n_steps = check_int(n_steps, "n_steps", minimum=1)
    n_quality = check_int(n_quality, "n_quality", minimum=2)
    ais_betas = check_int(ais_betas, "ais_betas", minimum=2)
    units = check_choice(units, "units", ("spin", "binary"))
    seed = check_int(seed, "seed", minimum=0)
    check_int(replica, "replica", minimum=0)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(7)]
    data_rng, init_rng, fit_rng, quality_rng, ais_rng, start_rng, flow_rng = streams
    N = L * L
    seconds = {}

    t0 = time.perf_counter()
    training = np.concatenate([mc.sample(L, k, n_per_coupling, seed=data_rng, progress=False) for k in train_K])
    seconds["draw"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    rbm = RBM(N, n_hidden, units=units, seed=init_rng)
    flat = training.reshape(len(training), N)
    rbm.fit(
        (flat + 1) // 2 if units == "binary" else flat,
        epochs=epochs,
        learning_rate=learning_rate,
        batch_size=batch_size,
        momentum=0.5,
        seed=fit_rng,
        progress=False,
    )
    seconds["train"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    log_z, log_z_err = rbm.ais_log_partition(n_chains=100, n_betas=ais_betas, seed=ais_rng)
    exact_log_z = np.array([exact.torus_log_partition(L, k) for k in train_K])
    gaps, mix_gaps = [], []
    for k in train_K:
        s = mc.sample(L, k, n_quality, seed=quality_rng, progress=False)
        flat_s = s.reshape(n_quality, N)
        log_q = -rbm.free_energy((flat_s + 1) // 2 if units == "binary" else flat_s) - log_z
        bonds = _bond_sums(s)
        log_p = k * bonds - exact.torus_log_partition(L, k)
        log_mix = logsumexp(np.outer(bonds, train_K) - exact_log_z, axis=1) - np.log(len(train_K))
        gaps.append(log_p - log_q)
        mix_gaps.append(log_mix - log_q)
    gaps, mix_gaps = np.array(gaps) / N, np.array(mix_gaps) / N
    kl = gaps.mean(axis=1)
    # Sampling error of each mean, and the AIS error that every one of them shares.
    kl_err = np.sqrt(gaps.var(axis=1, ddof=1) / n_quality + (log_z_err / N) ** 2)
    kl_mix = mix_gaps.mean()
    kl_mix_err = np.sqrt(mix_gaps.var(axis=1, ddof=1).mean() / mix_gaps.size + (log_z_err / N) ** 2)
    seconds["score"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    flows = []
    for k in start_K:
        start = mc.sample(L, k, n_start, seed=start_rng, progress=False)
        flows.append(thermometer_flow(iterate(rbm, start, n_steps, seed=flow_rng)))
    c_data = bond_correlation(training).reshape(len(train_K), n_per_coupling)
    all_c = c_data.ravel()
    c_mean, c_err = all_c.mean(), all_c.std(ddof=1) / np.sqrt(all_c.size)
    data_K, data_K_err = nn_coupling(L, c_mean, c_err)
    seconds["iterate"] = time.perf_counter() - t0

    arrays = {
        "W": np.array(rbm.W),
        "a": np.array(rbm.a),
        "b": np.array(rbm.b),
        "couplings": train_K,
        "data_correlation": c_data.mean(axis=1),
        "data_K": np.array([data_K]),
        "data_K_err": np.array([data_K_err]),
        "kl": kl,
        "kl_err": kl_err,
        "kl_mixture": np.array([kl_mix]),
        "kl_mixture_err": np.array([kl_mix_err]),
        "log_z": np.array([log_z]),
        "log_z_err": np.array([log_z_err]),
        "start_couplings": start_K,
        "K": np.array([f.K for f in flows]),
        "K_err": np.array([f.K_err for f in flows]),
        "correlation": np.array([f.correlation for f in flows]),
        "correlation_err": np.array([f.correlation_err for f in flows]),
    }
    info = {"seconds": seconds, "hyperparameters": rbm.hyperparameters, "n_training": int(len(training))}
    return arrays, info


@dataclass(frozen=True)
class FlowLimit:
    """Where the flows from several starts end, from :func:`flow_limit`.

    Attributes
    ----------
    K_star, K_star_err : float
        The weighted mean of the last step's couplings of all starts and its standard error,
        scaled up by √(χ²/dof) when the starts disagree by more than their errors.
    chi2_dof : float
        χ² per degree of freedom of the starts about that mean (≈ 1 when they have converged
        to one value; large when the flow depends on where it started).
    """

    K_star: float
    K_star_err: float
    chi2_dof: float


def flow_limit(K: np.ndarray, K_err: np.ndarray) -> FlowLimit:
    """The common end point of flows from several starts: the weighted mean of their last steps.

    Parameters
    ----------
    K, K_err : array_like of float, shape (n_starts, n_steps + 1)
        Flows and their errors (the ``K``, ``K_err`` of :func:`iterated_point`); at least two
        starts, finite positive errors at the last step.

    Returns
    -------
    FlowLimit

    Raises
    ------
    ValueError
        For arrays of unequal or wrong shape, fewer than two starts, or last-step errors that
        are not finite and positive.
    """
    k, e = np.asarray(K, dtype=np.float64), np.asarray(K_err, dtype=np.float64)
    if k.ndim != 2 or k.shape != e.shape or k.shape[0] < 2:
        raise ValueError(f"K and K_err must have one shape (n_starts ≥ 2, n_steps + 1); got {k.shape}, {e.shape}")
    last, err = k[:, -1], e[:, -1]
    if not (np.all(np.isfinite(last)) and np.all(np.isfinite(err)) and np.all(err > 0)):
        raise ValueError("the last step's couplings must be finite with finite positive errors")
    w = 1 / err**2
    mean = float(np.sum(w * last) / np.sum(w))
    chi2_dof = float(np.sum(w * (last - mean) ** 2) / (len(last) - 1))
    return FlowLimit(K_star=mean, K_star_err=float(np.sqrt(max(chi2_dof, 1.0) / np.sum(w))), chi2_dof=chi2_dof)


def flow_figure(
    flows: dict[str, tuple[np.ndarray, np.ndarray]],
    data_K: dict[str, float],
    *,
    K_c: float = exact.KC,
):
    """The iterated flows of several training sets, one panel each: K after every step.

    Parameters
    ----------
    flows : dict from str to (K, K_err)
        Per training set (the panel's title), the flows and errors, shape (n_starts,
        n_steps + 1), rows in increasing order of the start coupling (dimensionless J/k_BT).
    data_K : dict from str to float
        Per training set, the thermometer read on its training samples, drawn dotted.
    K_c : float
        Drawn dashed in every panel.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    if not flows or set(flows) != set(data_K):
        raise ValueError("flows and data_K must name the same, non-empty set of training sets")
    # Two panels a row and one legend below, so the figure fits the book's column (the
    # book's style lays it out with constrained layout; no tight_layout on top of it).
    n_cols = min(2, len(flows))
    n_rows = -(-len(flows) // n_cols)
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(7.0, 2.9 * n_rows + 0.6), sharey=True, squeeze=False)
    for ax, (name, (K, K_err)) in zip(axes.flat, flows.items(), strict=False):
        k, e = np.asarray(K, dtype=np.float64), np.asarray(K_err, dtype=np.float64)
        if k.ndim != 2 or e.shape != k.shape:
            raise ValueError(f"the flows of {name!r} must be two arrays of one shape (n_starts, n_steps + 1)")
        steps = np.arange(k.shape[1])
        colours = plt.get_cmap("viridis")(np.linspace(0.0, 0.9, len(k)))
        for row, err, colour in zip(k, e, colours, strict=True):
            ax.plot(steps, row, color=colour, lw=1.2)
            ax.fill_between(steps, row - err, row + err, color=colour, alpha=0.25, lw=0)
        ax.axhline(K_c, color="k", ls="--", lw=1, label="$K_c$")
        ax.axhline(data_K[name], color="tab:orange", ls=":", lw=2, label="training data")
        ax.set_title(name)
        ax.set_xlabel("reconstruction step $t$")
        ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    for ax in axes.flat[len(flows) :]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel("effective coupling $K_t$")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=len(labels))
    return fig


def sweep_points(settings: Mapping[str, Any]) -> tuple[list[tuple[str, int, int]], list[dict[str, Any]]]:
    """The grid of :func:`iterated_point` the chapter runs, from its profile settings.

    Every training set of ``settings["iso_sets"]`` (temperatures, turned into couplings 1/T)
    with the first hidden size of ``settings["iso_hidden"]``; the first set (Iso et al.'s) also
    with every other hidden size; each with ``settings["iso_replicas"]`` seeds.

    Returns
    -------
    labels : list of (set name, n_hidden, replica)
    points : list of dict
        In the same order, for :func:`rgkit.sweep.run`.
    """
    sets = {name: [1 / T for T in temps] for name, temps in settings["iso_sets"].items()}
    common = {
        "L": settings["iso_L"],
        "n_per_coupling": settings["iso_n_per_coupling"],
        "epochs": settings["iso_epochs"],
        "start_couplings": list(settings["iso_start_couplings"]),
        "n_start": settings["iso_n_start"],
        "n_steps": settings["iso_steps"],
        "n_quality": settings["iso_n_quality"],
        "ais_betas": settings["iso_ais_betas"],
    }
    first = next(iter(sets))
    labels = [
        (name, n_h, r)
        for name in sets
        for n_h in settings["iso_hidden"]
        if n_h == settings["iso_hidden"][0] or name == first
        for r in range(settings["iso_replicas"])
    ]
    points = [dict(common, couplings=sets[name], n_hidden=n_h, replica=r) for name, n_h, r in labels]
    return labels, points
