"""A trained deep belief network as a coarse-graining map, measured with the RG yardstick.

A block-spin map takes a configuration of the L×L lattice to one of the (L/b)×(L/b) lattice.
A layer of (L/b)² hidden units does the same once each unit has a site: the units are placed
one-to-one on the coarse lattice by their receptive-field centres
(:func:`rgkit.compare.assign_units_to_sites`), oriented so that "on" means "spins up", and the
layer's hidden states, drawn from p(h | ·) or taken as the sign of their means, become a ±1
configuration of the coarse lattice. Stacked, the layers give one map per level, and those
maps go to the same estimators as majority rule: Swendsen's Monte Carlo RG
(:func:`rgkit.mcrg.mcrg_from_sums`) and the exact nearest-neighbour thermometer
(:func:`rgkit.mcrg.effective_couplings`).

Each layer's map feeds the next layer what it was built on: the states of the layer below in
that layer's own unit order and encoding, not the coarse lattice's. A unit whose field is
spread over the lattice still gets a site; the assignment reports how many are placed cleanly
(compact and centred in their own block), and the measurements show what the rest do.

:func:`dbn_rg_point` is one point of the book's sweep (:func:`rgkit.sweep.run`): Ising samples
at one coupling, a network trained on part of them, and every map's operator sums, correlation
lengths and locality on the rest.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import compare, data, exact, ising, iterated, mcrg, rg, rsmi, stats, sweep
from ._validate import check_choice, check_int, check_real, check_spins, rng_from
from .rbm import DBN, RBM
from .states import to_binary, to_spin

#: The maps :func:`dbn_rg_point` measures on the same samples: the network's layers with
#: hidden states drawn from p(h | ·) and with the sign of their means, majority rule with fair
#: random ties, and decimation to a corner spin.
MAPS = ("dbn", "dbn_sign", "majority", "decimation")

#: The paper's training setting (Mehta & Schwab's code, as the Mehta–Schwab chapter reads it)
#: for 0/1 units, and its ±1 equivalent (learning rate / 16, initial weights / 4).
PAPER_FIT = {
    "binary": {"learning_rate": 0.1, "weight_scale": 0.1},
    "spin": {"learning_rate": 0.1 / 16, "weight_scale": 0.1 / 4},
}
_COMMON_FIT = {"momentum": (0.5, 0.9, 5), "batch_size": 100, "k": 1, "negative_visible": "mean"}


@dataclass(frozen=True)
class DBNMaps:
    """A deep belief network's layers as per-level coarse-graining maps (see :func:`dbn_maps`).

    Attributes
    ----------
    transforms : tuple of callable
        Level l − 1 → l: int8 ±1 configurations (n, L_{l-1}, L_{l-1}) to (n, L_l, L_l),
        ready for ``mcrg.blocked_sums(..., transform=list(transforms))``.
    assignments : tuple of rgkit.compare.SiteAssignment
        Each layer's units on its coarse lattice.
    sides : tuple of int
        Lattice side of every level, L first.
    """

    transforms: tuple[Callable[[np.ndarray], np.ndarray], ...]
    assignments: tuple[compare.SiteAssignment, ...]
    sides: tuple[int, ...]

    def apply(self, spins: np.ndarray) -> list[np.ndarray]:
        """Every level's configurations, the input first: a list of int8 arrays (n, L_l, L_l)."""
        levels = [check_spins(spins, dim=2).astype(np.int8, copy=False)]
        if levels[0].shape[1] != self.sides[0]:
            raise ValueError(f"the maps take {self.sides[0]}×{self.sides[0]} lattices; got {levels[0].shape[1:]}")
        for t in self.transforms:
            levels.append(t(levels[-1]))
        return levels


def _layer_map(
    rbm: RBM,
    units: str,
    before: compare.SiteAssignment | None,
    after: compare.SiteAssignment,
    mode: str,
    rng: np.random.Generator,
) -> Callable[[np.ndarray], np.ndarray]:
    side = int(round(np.sqrt(len(after.site))))

    def apply(x: np.ndarray) -> np.ndarray:
        n = len(x)
        flat = np.asarray(x, dtype=np.int8).reshape(n, -1)
        # Undo the placement of the layer below: unit j sits on site[j], oriented by sign[j].
        u = flat if before is None else flat[:, before.site] * before.sign
        if units == "binary":
            u = to_binary(u)
        if mode == "sample":
            h = rbm._sample_hidden(u, rng)
            h = to_spin(h) if units == "binary" else h
        else:
            m = rbm.hidden_mean(u)
            h = np.where(m >= (0.5 if units == "binary" else 0.0), 1, -1).astype(np.int8)
        out = np.empty((n, side * side), dtype=np.int8)
        out[:, after.site] = h * after.sign
        return out.reshape(n, side, side)

    return apply


def dbn_maps(
    dbn: DBN,
    L: int,
    blocks: Sequence[int],
    *,
    mode: str = "sample",
    seed: int | np.random.Generator | None = None,
    compact_below: float = 0.5,
) -> DBNMaps:
    """The layers of a deep belief network as coarse-graining maps, one per level.

    Layer l has (L / blocks[l-1])² units, placed on the coarse lattice of block side
    ``blocks[l-1]`` by :func:`rgkit.compare.assign_units_to_sites` applied to its receptive
    field (:meth:`rgkit.rbm.DBN.receptive_fields`). The map of level l takes the coarse
    configuration of level l − 1, reads it back into the states of layer l − 1 (its units in
    their own order and orientation, in the network's encoding), draws layer l from
    p(h | ·) (``mode="sample"``) or takes the sign of its conditional means (``mode="sign"``),
    and places the result on the coarse lattice of level l.

    Parameters
    ----------
    dbn : rgkit.rbm.DBN
        Trained on flattened (row-major) L×L lattices.
    L : int
        Lattice side.
    blocks : sequence of int
        Block side of each layer relative to the visible lattice, increasing, each dividing L
        and each a multiple of the one before (e.g. (2, 4, 8)).
    mode : {"sample", "sign"}
    seed : int, Generator or None
        Drives the draws of ``mode="sample"``; each level gets its own stream.
    compact_below : float
        As for :func:`rgkit.compare.assign_units_to_sites`.

    Returns
    -------
    DBNMaps

    Raises
    ------
    TypeError, ValueError
        For a dbn that is not a DBN, blocks that do not match the layer widths or do not
        nest, or a network whose visible layer is not L².
    """
    if not isinstance(dbn, DBN):
        raise TypeError(f"dbn must be a DBN; got {type(dbn).__name__}")
    L = check_int(L, "L", minimum=2)
    mode = check_choice(mode, "mode", ("sample", "sign"))
    if isinstance(blocks, str) or not isinstance(blocks, Sequence):
        raise TypeError(f"blocks must be a sequence of ints, one per layer; got {type(blocks).__name__}")
    blocks = [check_int(b, "blocks", minimum=2, maximum=L) for b in blocks]
    if len(blocks) != len(dbn.layers):
        raise ValueError(f"give one block side per layer ({len(dbn.layers)}); got {len(blocks)}")
    if dbn.layer_sizes[0] != L * L:
        raise ValueError(f"the network has {dbn.layer_sizes[0]} visible units; an {L}×{L} lattice has {L * L}")
    sides = [L]
    for b in blocks:
        if L % b or b % (L // sides[-1]) or b == L // sides[-1]:
            raise ValueError(f"blocks must increase, divide L = {L} and each divide the next; got {blocks}")
        sides.append(L // b)
    for layer, (width, side) in enumerate(zip(dbn.layer_sizes[1:], sides[1:], strict=True), start=1):
        if width != side * side:
            raise ValueError(f"layer {layer} has {width} units; block side {blocks[layer - 1]} needs {side}²")
    rng = rng_from(seed)
    streams = rng.spawn(len(blocks))
    fields = dbn.receptive_fields(shape=(L, L))
    assignments = [
        compare.assign_units_to_sites(f, b, compact_below=compact_below) for f, b in zip(fields, blocks, strict=True)
    ]
    transforms = [
        _layer_map(rbm, dbn.units, assignments[i - 1] if i else None, assignments[i], mode, streams[i])
        for i, rbm in enumerate(dbn.layers)
    ]
    return DBNMaps(transforms=tuple(transforms), assignments=tuple(assignments), sides=tuple(sides))


def blocked_levels(spins: np.ndarray, name: str, b: int, n_levels: int, *, seed, maps: DBNMaps | None = None):
    """Every level of one of the :data:`MAPS`: a list of int8 arrays (n, L/bˡ, L/bˡ), the input first.

    ``maps`` is required for ``"dbn"`` and ``"dbn_sign"`` (built with the matching mode).
    """
    name = check_choice(name, "name", MAPS)
    if name.startswith("dbn"):
        if not isinstance(maps, DBNMaps):
            raise TypeError(f"the map {name!r} needs maps=dbn_maps(...)")
        return maps.apply(spins)
    rng = rng_from(seed)
    levels = [check_spins(spins, dim=2).astype(np.int8, copy=False)]
    for _ in range(n_levels):
        s = levels[-1]
        levels.append(rg.majority_rule(s, b, seed=rng) if name == "majority" else rg.decimate(s, b))
    return levels


def level_sums(levels: Sequence[np.ndarray], b: int) -> mcrg.BlockedSums:
    """:class:`rgkit.mcrg.BlockedSums` of every supported operator on the given levels."""
    sides = tuple(int(x.shape[1]) for x in levels)
    sums = tuple(mcrg.operator_sums(x, mcrg.supported_operators(side)) for x, side in zip(levels, sides, strict=True))
    return mcrg.BlockedSums(b=b, sides=sides, operators=tuple(mcrg.OPERATORS), sums=sums)


def correlation_length_ratios(levels: Sequence[np.ndarray], b: int, *, n_blocks: int = 32) -> tuple[np.ndarray, ...]:
    """Second-moment correlation lengths of every level and the ratios ξ_{l+1}·b / ξ_l, jackknifed.

    A map that rescales lengths by b, as an RG step does, gives ratios of 1: the coarse
    lattice's correlation length in its own spacings is the fine one's divided by b.

    Returns
    -------
    xi, xi_err : ndarray, shape (n_levels + 1,)
        :func:`rgkit.ising.second_moment_correlation_length` of each level, in that level's spacings.
    ratio, ratio_err : ndarray, shape (n_levels,)
    """
    sides = [x.shape[1] for x in levels]
    # (n, levels, 2): the jackknife then only averages, instead of recomputing Fourier sums.
    moments = np.stack([ising.second_moments(x) for x in levels], axis=1)

    def xi_of(m: np.ndarray, level: int) -> float:
        return ising.correlation_length_from_moments(m[:, level].mean(axis=0), sides[level])

    xi = [stats.jackknife(moments, lambda m, i=i: xi_of(m, i), n_blocks=n_blocks) for i in range(len(levels))]
    ratio = [
        stats.jackknife(moments, lambda m, i=i: b * xi_of(m, i + 1) / xi_of(m, i), n_blocks=n_blocks)
        for i in range(len(levels) - 1)
    ]
    xi, ratio = np.array(xi), np.array(ratio)
    return xi[:, 0], xi[:, 1], ratio[:, 0], ratio[:, 1]


def kl_per_spin(
    rbm: RBM, spins: np.ndarray, K: float, *, n_chains: int = 100, n_betas: int = 1000, seed=None
) -> tuple[float, float, float]:
    """KL(P_K ‖ p_RBM) per spin of an RBM's visible model against the Ising torus it was trained on.

    The mean over ``spins`` (equilibrium samples of the L×L torus at K) of
    ln P_K(s) − ln p(s): P_K from the exact ln Z (:func:`rgkit.exact.torus_log_partition`), p
    from the free energy and an AIS estimate of its ln Z (:meth:`rgkit.rbm.RBM.ais_log_partition`).

    Returns
    -------
    kl, sampling_err, ais_err : float
        Per spin, in nats; the binning error over the samples and the AIS error, separately.
    """
    s = check_spins(spins, dim=2)
    K = check_real(K, "K", positive=True)
    n, L, _ = s.shape
    flat = s.reshape(n, -1)
    v = to_binary(flat) if rbm.units == "binary" else flat
    log_z, log_z_err = rbm.ais_log_partition(n_chains=n_chains, n_betas=n_betas, seed=seed)
    log_p_data = -K * ising.energy(s) - exact.torus_log_partition(L, K)
    log_p_model = -rbm.free_energy(v) - log_z
    kl, err = stats.binning_error((log_p_data - log_p_model) / L**2)
    return float(kl), float(err), float(log_z_err / L**2)


def paper_fit(units: str, l1: float) -> dict[str, Any]:
    """The keyword arguments of :func:`rgkit.data.trained_dbn` for the paper's setting in ``units``."""
    return {**_COMMON_FIT, **PAPER_FIT[check_choice(units, "units", ("binary", "spin"))], "l1": l1}


def measurement_samples(L: int, K: float, n_train: int, n_measure: int, data_seed: int) -> np.ndarray:
    """The samples a sweep point measures on: the ``n_measure`` drawn after the ``n_train`` training ones."""
    spins, _ = data.ising_dataset(L, K, n_train + n_measure, seed=data_seed, method="wolff")
    return spins[n_train:]


def point_network(
    L: int,
    K: float,
    units: str,
    l1: float,
    replica: int,
    layers: Sequence[int],
    n_train: int,
    n_measure: int,
    epochs: int,
    data_seed: int,
    **_: Any,
) -> tuple[DBN, data.CacheEntry]:
    """The network of a sweep point (:func:`dbn_rg_point`), trained or read from the cache.

    Takes a point's values as keyword arguments (``point_network(**point)``); keys it does not
    use (``blocks``) are ignored.
    """
    layers = [check_int(x, "layers", minimum=1) for x in layers]
    spins, _ = data.ising_dataset(L, K, n_train + n_measure, seed=data_seed, method="wolff")
    flat = spins[:n_train].reshape(n_train, -1)
    x = to_binary(flat) if units == "binary" else flat
    fit = paper_fit(units, l1)
    return data.trained_dbn(x, layers, units=units, epochs=epochs, seed=replica, monitor_size=200, **fit)


def dbn_rg_point(
    L: int,
    K: float,
    units: str,
    l1: float,
    replica: int,
    layers: Sequence[int],
    blocks: Sequence[int],
    n_train: int,
    n_measure: int,
    epochs: int,
    data_seed: int,
    *,
    seed: int,
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """One point of the DBN-as-RG sweep: train, then measure every map of :data:`MAPS` on fresh samples.

    Samples of the L×L torus at K come from :func:`rgkit.data.ising_dataset` with ``data_seed``
    (so every variant at one K sees the same samples): the first ``n_train`` train a network
    (:func:`rgkit.data.trained_dbn`, the paper's setting :func:`paper_fit` in ``units``, training
    seed ``replica``, cached, so a chapter can ask for the same network), the next
    ``n_measure`` are blocked by every map. A point function for :func:`rgkit.sweep.run`.

    Returns
    -------
    arrays : dict of ndarray
        ``sums_<map>_<level>``: operator sums of every level (:func:`level_sums`);
        ``xi_<map>``, ``xi_err_<map>``, ``ratio_<map>``, ``ratio_err_<map>``
        (:func:`correlation_length_ratios`); per layer l, ``block_share_<l>``, ``compact_<l>``,
        ``clean_<l>``, ``distance_<l>`` of the assignment and field geometry; ``kl``: the first
        layer's KL per spin with its sampling and AIS errors.
    info : dict
        ``train_seconds``, ``measure_seconds``, ``clean_share`` per layer.
    """
    blocks = [check_int(x, "blocks", minimum=2) for x in blocks]
    b = blocks[0]
    if any(blocks[i] != b ** (i + 1) for i in range(len(blocks))):
        raise ValueError(f"blocks must be b, b², b³, ...; got {blocks}")
    start = time.perf_counter()
    dbn, entry = point_network(L, K, units, l1, replica, layers, n_train, n_measure, epochs, data_seed)
    train_seconds = entry.info.get("seconds", time.perf_counter() - start)
    measure = measurement_samples(L, K, n_train, n_measure, data_seed)
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    map_seed, tie_seed, ais_seed = rng.spawn(3)
    maps = {"dbn": dbn_maps(dbn, L, blocks, seed=map_seed), "dbn_sign": dbn_maps(dbn, L, blocks, mode="sign")}
    out: dict[str, np.ndarray] = {"sides": np.array(maps["dbn"].sides)}
    for name in MAPS:
        levels = blocked_levels(measure, name, b, len(blocks), seed=tie_seed, maps=maps.get(name))
        for i, arr in enumerate(level_sums(levels, b).sums):
            out[f"sums_{name}_{i}"] = arr
        xi, xi_err, ratio, ratio_err = correlation_length_ratios(levels, b)
        out |= {f"xi_{name}": xi, f"xi_err_{name}": xi_err, f"ratio_{name}": ratio, f"ratio_err_{name}": ratio_err}
    for layer, (f, a) in enumerate(zip(dbn.receptive_fields(shape=(L, L)), maps["dbn"].assignments, strict=True), 1):
        geo = compare.field_geometry(f, block=blocks[layer - 1])
        out[f"block_share_{layer}"] = geo.block_share
        out[f"compact_{layer}"] = a.compact.astype(np.int8)
        out[f"clean_{layer}"] = a.clean.astype(np.int8)
        out[f"distance_{layer}"] = a.distance
    out["kl"] = np.array(kl_per_spin(dbn.layers[0], measure, K, seed=ais_seed))
    info = {
        "train_seconds": float(train_seconds),
        "measure_seconds": time.perf_counter() - start,
        "clean_share": [a.clean_share for a in maps["dbn"].assignments],
    }
    return out, info


def map_flow_point(
    L: int,
    K: float,
    units: str,
    l1: float,
    replica: int,
    layers: Sequence[int],
    blocks: Sequence[int],
    n_train: int,
    n_measure: int,
    epochs: int,
    data_seed: int,
    couplings: Sequence[float],
    map: str,
    *,
    seed: int,
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The flow of one fixed map over samples at every coupling, read with the exact thermometer.

    An RG transformation is one map applied at every coupling. A network trained at K is one
    such map: here it (``map="dbn"`` or ``"dbn_sign"``, the network of the sweep point at K, see
    :func:`point_network`) or a hand-made one (``"majority"``, ``"decimation"``; the network
    arguments are then unused) blocks the measurement samples
    (:func:`measurement_samples`) drawn at each of ``couplings``, and every level is read by
    :func:`rgkit.mcrg.effective_couplings` (NaN where unreadable). A point function for
    :func:`rgkit.sweep.run`.

    Returns
    -------
    arrays : dict
        ``K_start`` (m,), the couplings in increasing order; ``K``, ``K_err`` (m, n_levels + 1).
    info : dict
        ``seconds``.
    """
    map = check_choice(map, "map", MAPS)
    blocks = [check_int(x, "blocks", minimum=2) for x in blocks]
    start = time.perf_counter()
    K_start = np.sort(np.array([check_real(k, "couplings", positive=True) for k in couplings]))
    dbn = None
    if map.startswith("dbn"):
        dbn, _ = point_network(L, K, units, l1, replica, layers, n_train, n_measure, epochs, data_seed)
    streams = np.random.default_rng(seed).spawn(len(K_start))
    K_out, E_out = [], []
    for k, rng in zip(K_start, streams, strict=True):
        spins = measurement_samples(L, float(k), n_train, n_measure, data_seed)
        mode = "sign" if map == "dbn_sign" else "sample"
        maps = dbn_maps(dbn, L, blocks, mode=mode, seed=rng) if dbn is not None else None
        levels = blocked_levels(spins, map, blocks[0], len(blocks), seed=rng, maps=maps)
        read = mcrg.effective_couplings(level_sums(levels, blocks[0]), unreadable="nan")
        K_out.append(read.K), E_out.append(read.K_err)
    arrays = {"K_start": K_start, "K": np.array(K_out), "K_err": np.array(E_out)}
    return arrays, {"seconds": time.perf_counter() - start}


def flow_points(points: Sequence[dict[str, Any]], maps: Sequence[str] = ("dbn",)) -> list[dict[str, Any]]:
    """The grid of :func:`map_flow_point`: every network trained at K_c, and majority rule and decimation once.

    ``points`` is a :func:`sweep_points` grid; each flow runs over all of its couplings.
    """
    couplings = sorted({p["K"] for p in points})
    at_kc = min(couplings, key=lambda k: abs(k - exact.KC))
    nets = [p for p in points if p["K"] == at_kc]
    out = [{**p, "couplings": couplings, "map": m} for p in nets for m in maps]
    out += [{**nets[0], "couplings": couplings, "map": m} for m in ("majority", "decimation")]
    return out


def point_sums(arrays: dict[str, np.ndarray], name: str, b: int) -> mcrg.BlockedSums:
    """The :class:`rgkit.mcrg.BlockedSums` of one map from a :func:`dbn_rg_point` result."""
    name = check_choice(name, "name", (*MAPS, "rsmi"))
    sums = []
    while f"sums_{name}_{len(sums)}" in arrays:
        sums.append(arrays[f"sums_{name}_{len(sums)}"])
    if len(sums) < 2:
        raise ValueError(f"the arrays hold no levels of the map {name!r}")
    sides = tuple(int(x) for x in arrays["sides"])
    return mcrg.BlockedSums(b=b, sides=sides, operators=tuple(mcrg.OPERATORS), sums=tuple(sums))


#: The training variants the chapter compares at K_c: (units, L1 strength).
VARIANTS = (("binary", 2e-4), ("spin", 2e-4), ("binary", 0.0))


def sweep_points(
    *,
    L: int,
    layers: Sequence[int],
    blocks: Sequence[int],
    couplings: Sequence[float],
    n_train: int,
    n_measure: int,
    epochs: int,
    replicas: int,
    variants_everywhere: bool = False,
    data_seed: int = 0,
) -> list[dict[str, Any]]:
    """The grid of :func:`dbn_rg_point` the chapter runs through :func:`rgkit.sweep.run`.

    The first of :data:`VARIANTS` (the paper's 0/1 units with its L1 penalty, training seed 0)
    at every coupling; at the coupling nearest K_c, every variant with ``replicas`` training
    seeds. With ``variants_everywhere`` (the long profile), every variant and seed at every coupling.
    """
    couplings = [check_real(k, "couplings", positive=True) for k in couplings]
    replicas = check_int(replicas, "replicas", minimum=1)
    at_kc = min(couplings, key=lambda k: abs(k - exact.KC))
    base = {"L": L, "layers": list(layers), "blocks": list(blocks), "n_train": n_train, "n_measure": n_measure}
    base |= {"epochs": epochs, "data_seed": data_seed}
    points = []
    for K in couplings:
        everything = variants_everywhere or K == at_kc
        for units, l1 in VARIANTS if everything else VARIANTS[:1]:
            for replica in range(replicas if everything else 1):
                points.append({**base, "K": K, "units": units, "l1": l1, "replica": replica})
    return points


# ----------------------------------------------------------------------------- reading a sweep
@dataclass(frozen=True)
class MapRow:
    """One row of the verdict table: a map at one level, measured at K_c and along the flow.

    Every measured entry has two errors: ``_stat`` (jackknife or binning over the samples of one
    run) and ``_seed`` (standard deviation over training seeds at K_c; NaN with one seed or for
    a hand-made map). NaN marks what a map does not have (the iterated RBM has no b).
    """

    map: str
    level: int
    b: int
    y_t: float
    y_t_stat: float
    y_t_seed: float
    y_h: float
    y_h_stat: float
    y_h_seed: float
    k_star: float
    k_star_stat: float
    k_star_seed: float
    slope: float
    slope_stat: float
    slope_seed: float
    xi_ratio: float
    xi_ratio_stat: float
    xi_ratio_seed: float
    locality: float
    locality_seed: float
    kl: float
    kl_stat: float
    kl_seed: float


def _spread(values: Sequence[float]) -> float:
    v = np.asarray(values, dtype=np.float64)
    return float(np.std(v, ddof=1)) if len(v) > 1 else float("nan")


def _crossing(K_start, K, K_err, level, fit_window) -> tuple[float, float, float, float]:
    near = np.abs(K_start - exact.KC) <= fit_window
    x, y, e = K[near, level - 1], K[near, level], K_err[near, level]
    ok = np.isfinite(x) & np.isfinite(y) & np.isfinite(e) & (e > 0)
    if ok.sum() < 3:
        return (np.nan,) * 4
    fit = mcrg.flow_crossing(x[ok], y[ok], e[ok])
    if not x[ok].min() <= fit.K_star <= x[ok].max():  # an extrapolated crossing is no fixed point here
        return np.nan, np.nan, fit.slope, fit.slope_err
    return fit.K_star, fit.K_star_err, fit.slope, fit.slope_err


def verdict_rows(
    result,
    flows,
    *,
    variants: Sequence[tuple[str, str, float]],
    n_blocks: int = 32,
    fit_window: float = 0.035,
) -> list[MapRow]:
    """The verdict table's rows for every map and level of a :func:`dbn_rg_point` sweep.

    Parameters
    ----------
    result : rgkit.sweep.SweepResult
        Of :func:`dbn_rg_point` over :func:`sweep_points`.
    flows : rgkit.sweep.SweepResult
        Of :func:`map_flow_point` over :func:`flow_points` of the same grid: the fixed point
        and slope come from the flow of the network trained at K_c (seed 0), the seed spread
        of the slope from the other seeds.
    variants : sequence of (label, units, l1)
        The network variants to report (each as the map ``"dbn"``); majority rule and
        decimation come first, on the samples of the first variant.
    n_blocks : int
        Jackknife blocks for the exponents.
    fit_window : float
        Runs that start within this distance of K_c enter the fit of each level's flow
        (:func:`rgkit.mcrg.flow_crossing`); a crossing outside the fitted range reads NaN.

    Returns
    -------
    list of MapRow
    """
    at_kc = min({p["K"] for p in result.points}, key=lambda k: abs(k - exact.KC))
    first = variants[0]
    jobs = [("majority rule", "majority", first[1], first[2]), ("decimation", "decimation", first[1], first[2])]
    jobs += [(label, "dbn", units, l1) for label, units, l1 in variants]
    rows = []
    for label, name, units, l1 in jobs:
        runs = [
            (p, a)
            for p, a in zip(result.points, result.arrays, strict=True)
            if p["K"] == at_kc and (p["units"], p["l1"]) == (units, l1)
        ]
        if not runs:
            raise ValueError(f"the sweep has no run at K_c for units={units!r}, l1={l1}")
        b = int(runs[0][1]["sides"][0] // runs[0][1]["sides"][1])
        fits = [mcrg.mcrg_from_sums(point_sums(a, name, b), n_blocks=n_blocks) for _, a in runs]
        mine = [
            a
            for p, a in zip(flows.points, flows.arrays, strict=True)
            if p["map"] == name and (name != "dbn" or (p["units"], p["l1"]) == (units, l1))
        ]
        n_levels = len(fits[0].y_t)
        for level in range(1, n_levels + 1):
            i = level - 1
            crossings = [_crossing(a["K_start"], a["K"], a["K_err"], level, fit_window) for a in mine]
            crossing = crossings[0] if crossings else (np.nan,) * 4
            hand_made = name in ("majority", "decimation")
            local = [np.median(a[f"block_share_{level}"]) for _, a in runs]
            kl = [a["kl"] for _, a in runs]
            rows.append(
                MapRow(
                    map=label,
                    level=level,
                    b=b,
                    y_t=float(fits[0].y_t[i]),
                    y_t_stat=float(fits[0].y_t_err[i]),
                    y_t_seed=float("nan") if hand_made else _spread([f.y_t[i] for f in fits]),
                    y_h=float(fits[0].y_h[i]),
                    y_h_stat=float(fits[0].y_h_err[i]),
                    y_h_seed=float("nan") if hand_made else _spread([f.y_h[i] for f in fits]),
                    k_star=float(crossing[0]),
                    k_star_stat=float(crossing[1]),
                    k_star_seed=float("nan") if hand_made else _spread([c[0] for c in crossings]),
                    slope=float(crossing[2]),
                    slope_stat=float(crossing[3]),
                    slope_seed=float("nan") if hand_made else _spread([c[2] for c in crossings]),
                    xi_ratio=float(runs[0][1][f"ratio_{name}"][i]),
                    xi_ratio_stat=float(runs[0][1][f"ratio_err_{name}"][i]),
                    xi_ratio_seed=float("nan") if hand_made else _spread([a[f"ratio_{name}"][i] for _, a in runs]),
                    locality=1.0 if hand_made else float(local[0]),
                    locality_seed=float("nan") if hand_made else _spread(local),
                    kl=float(kl[0][0]) if level == 1 and not hand_made else float("nan"),
                    kl_stat=float(np.hypot(kl[0][1], kl[0][2])) if level == 1 and not hand_made else float("nan"),
                    kl_seed=_spread([k[0] for k in kl]) if level == 1 and not hand_made else float("nan"),
                )
            )
    return rows


def iterated_row(runs: Sequence[dict[str, np.ndarray]], label: str = "iterated RBM") -> MapRow:
    """The verdict-table row of the iterated RBM (:func:`rgkit.iterated.iterated_point`), b = 1.

    The end point of its flow (:func:`rgkit.iterated.flow_limit`) stands in the K* column and
    the slope of its first step at the diagonal (:func:`rgkit.mcrg.flow_crossing`) in the slope
    column; the first run gives the value and the statistical error, the runs' standard
    deviation the seed error. A map that keeps the lattice has no exponents and no ξ′b/ξ.

    Parameters
    ----------
    runs : sequence of dict
        The arrays of runs that differ only in their training seed.
    """
    if not runs:
        raise ValueError("runs must hold at least one iterated-RBM result")
    limits = [iterated.flow_limit(a["K"], a["K_err"]) for a in runs]
    steps = [mcrg.flow_crossing(a["K"][:, 0], a["K"][:, 1], a["K_err"][:, 1]) for a in runs]
    nan = float("nan")
    return MapRow(
        map=label,
        level=1,
        b=1,
        y_t=nan,
        y_t_stat=nan,
        y_t_seed=nan,
        y_h=nan,
        y_h_stat=nan,
        y_h_seed=nan,
        k_star=float(limits[0].K_star),
        k_star_stat=float(limits[0].K_star_err),
        k_star_seed=_spread([float(f.K_star) for f in limits]),
        slope=float(steps[0].slope),
        slope_stat=float(steps[0].slope_err),
        slope_seed=_spread([s.slope for s in steps]),
        xi_ratio=nan,
        xi_ratio_stat=nan,
        xi_ratio_seed=nan,
        locality=nan,
        locality_seed=nan,
        kl=float(runs[0]["kl_mixture"][0]),
        kl_stat=float(runs[0]["kl_mixture_err"][0]),
        kl_seed=_spread([float(a["kl_mixture"][0]) for a in runs]),
    )


#: The training variants the chapter reports, as (label, units, L1 strength): the first is the
#: sweep's main setting.
REPORTED = (("DBN 0/1", "binary", 2e-4), ("DBN ±1", "spin", 2e-4), ("DBN 0/1, no L1", "binary", 0.0))


def run_sweeps(settings, *, seed: int = 0, progress: bool | None = None, executor=None):
    """Run (or read from the cache) the chapter's two sweeps: the networks and their measurements, then the flows.

    Parameters
    ----------
    settings : mapping
        ``rgkit.profiles.settings("dbn_rg", profile)``.
    seed : int
        The sweeps' seed, also the data seed of every coupling.
    executor : concurrent.futures.Executor, optional
        As for :func:`rgkit.sweep.run` (e.g. a Dask client's ``get_executor()``); by default
        local processes.

    Returns
    -------
    points : list of dict
        :func:`sweep_points`.
    result, flows : rgkit.sweep.SweepResult
        Of :func:`dbn_rg_point` and :func:`map_flow_point`.
    """
    keys = ("L", "layers", "blocks", "couplings", "n_train", "n_measure", "epochs", "replicas", "variants_everywhere")
    points = sweep_points(**{k: settings[k] for k in keys}, data_seed=seed)
    common = {"seed": seed, "modules": ["learned"], "progress": progress, "executor": executor}
    result = sweep.run(dbn_rg_point, points, name="dbnrg-2d", **common)
    flows = sweep.run(map_flow_point, flow_points(points), name="dbnrg-flow", **common)
    return points, result, flows


def book_verdict(
    settings, rsmi_settings=None, *, seed: int = 0, progress: bool | None = None, executor=None
) -> list[MapRow]:
    """Every row of the verdict table of the chapter, from its sweeps (run or read from the cache).

    The maps of :func:`verdict_rows` for the variants of :data:`REPORTED` that the profile
    trains at K_c, then the iterated RBM (:func:`iterated_row`) trained on the first training
    set of ``settings["iso_sets"]`` with the first hidden size.

    Parameters
    ----------
    settings : mapping
        ``rgkit.profiles.settings("dbn_rg", profile)``.
    rsmi_settings : mapping, optional
        ``rgkit.profiles.settings("rsmi", profile)``: adds the RSMI filter's rows
        (:func:`rsmi_point`, :func:`rsmi_rows`) before the iterated RBM's.
    seed : int
        The sweeps' seed.
    executor : concurrent.futures.Executor, optional
        Runs every sweep's points (:func:`rgkit.sweep.run`); by default local processes.
    """
    points, result, flows = run_sweeps(settings, seed=seed, progress=progress, executor=executor)
    at_kc = min(settings["couplings"], key=lambda k: abs(k - exact.KC))
    trained = {(p["units"], p["l1"]) for p in points if p["K"] == at_kc}
    variants = [v for v in REPORTED if (v[1], v[2]) in trained]
    rows = verdict_rows(result, flows, variants=variants, n_blocks=settings["n_blocks"])
    labels, iso_points = iterated.sweep_points(settings)
    runs = sweep.run(
        iterated.iterated_point,
        iso_points,
        name="iterated-rbm",
        seed=seed,
        modules=["iterated"],
        progress=progress,
        executor=executor,
    )
    first = next(iter(settings["iso_sets"]))
    mine = [
        a
        for (name, n_h, _), a in zip(labels, runs.arrays, strict=True)
        if (name, n_h) == (first, settings["iso_hidden"][0])
    ]
    if rsmi_settings is not None:
        rsmi_runs = sweep.run(
            rsmi_point,
            rsmi_points(settings, rsmi_settings, seed=seed),
            name="rsmi-map",
            seed=seed,
            modules=["learned"],
            progress=progress,
            executor=executor,
        )
        rows += rsmi_rows(rsmi_runs.arrays, n_blocks=settings["n_blocks"])
    return [*rows, iterated_row(mine)]


# ----------------------------------------------------------------------------- the RSMI filter as a map
def rsmi_point(
    L: int,
    couplings: Sequence[float],
    n_train: int,
    n_measure: int,
    data_seed: int,
    n_levels: int,
    sharpness: float,
    buffer: int,
    stride: int,
    replica: int,
    n_replicas: int,
    *,
    seed: int,
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The RSMI filter learned at K_c, measured as a coarse-graining map like the networks' layers.

    The filter on 2×2 blocks (:func:`rgkit.rsmi.fit_rsmi_filter`, sharpness fixed, environment
    the frame beyond a buffer of ``buffer`` sites, block positions every ``stride`` sites) is
    learned from the training samples at the coupling of ``couplings`` nearest K_c, the same
    samples the networks of :func:`dbn_rg_point` train on. As a map (the sign of its field,
    :func:`rgkit.rsmi.filter_map`, applied at every level) it blocks the measurement samples at
    K_c, for Monte Carlo RG and ξ′b/ξ, and those of every coupling, for the flow.
    Replica r of ``n_replicas`` learns from every ``n_replicas``-th training sample starting at
    r, so the replicas' spread is over independent training data. A point function for
    :func:`rgkit.sweep.run`.

    Returns
    -------
    arrays : dict
        ``weights``, ``fit`` (bias, held-out bound and its error), ``sums_rsmi_<level>``,
        ``sides``, ``xi_rsmi``, ``xi_err_rsmi``, ``ratio_rsmi``, ``ratio_err_rsmi``, and the
        flow ``K_start``, ``K``, ``K_err``.
    info : dict
        ``seconds``.
    """
    start = time.perf_counter()
    n_levels = check_int(n_levels, "n_levels", minimum=1)
    K_start = np.sort(np.array([check_real(k, "couplings", positive=True) for k in couplings]))
    at_kc = float(K_start[np.argmin(np.abs(K_start - exact.KC))])
    spins, _ = data.ising_dataset(L, at_kc, n_train + n_measure, seed=data_seed, method="wolff")
    replica = check_int(replica, "replica", minimum=0, maximum=n_replicas - 1)
    mine = spins[:n_train][replica::n_replicas]
    V, E = rsmi.patches(mine, block=2, buffer=buffer, stride=stride)
    per_sample = len(V) // len(mine)
    fit_seed, map_seed = np.random.default_rng(seed).spawn(2)
    fit = rsmi.fit_rsmi_filter(V, E, sharpness=sharpness, seed=fit_seed, rows_per_sample=per_sample)
    transform = rsmi.filter_map(fit.weights, fit.bias, mode="sign", seed=map_seed)

    def levels_of(x: np.ndarray) -> list[np.ndarray]:
        out = [x]
        for _ in range(n_levels):
            out.append(transform(out[-1]))
        return out

    measure = levels_of(spins[n_train:])
    out: dict[str, np.ndarray] = {"weights": fit.weights, "sides": np.array([x.shape[1] for x in measure])}
    out["fit"] = np.array([fit.bias, fit.bound_test, fit.bound_test_err])
    for i, arr in enumerate(level_sums(measure, 2).sums):
        out[f"sums_rsmi_{i}"] = arr
    xi, xi_err, ratio, ratio_err = correlation_length_ratios(measure, 2)
    out |= {"xi_rsmi": xi, "xi_err_rsmi": xi_err, "ratio_rsmi": ratio, "ratio_err_rsmi": ratio_err}
    K_out, E_out = [], []
    for k in K_start:
        read = mcrg.effective_couplings(
            level_sums(levels_of(measurement_samples(L, float(k), n_train, n_measure, data_seed)), 2),
            unreadable="nan",
        )
        K_out.append(read.K), E_out.append(read.K_err)
    out |= {"K_start": K_start, "K": np.array(K_out), "K_err": np.array(E_out)}
    return out, {"seconds": time.perf_counter() - start}


def rsmi_points(settings, rsmi_settings, *, seed: int = 0) -> list[dict[str, Any]]:
    """The grid of :func:`rsmi_point`: one point per replica, on the data of the [dbn-rg] sweep."""
    base = {
        "L": settings["L"],
        "couplings": list(settings["couplings"]),
        "n_train": settings["n_train"],
        "n_measure": settings["n_measure"],
        "data_seed": seed,
        "n_levels": len(settings["blocks"]),
        "sharpness": rsmi_settings["map_sharpness"],
        "buffer": rsmi_settings["map_buffer"],
        "stride": rsmi_settings["map_stride"],
    }
    n = rsmi_settings["map_replicas"]
    return [{**base, "replica": r, "n_replicas": n} for r in range(n)]


def rsmi_rows(runs: Sequence[dict[str, np.ndarray]], *, n_blocks: int = 32, fit_window: float = 0.035) -> list[MapRow]:
    """The verdict-table rows of the RSMI filter (:func:`rsmi_point`), one per level, as :func:`verdict_rows`.

    Locality is 1 by construction (each coarse spin reads its own 2×2 block); the KL column
    does not apply (the filter models nothing).
    """
    if not runs:
        raise ValueError("runs must hold at least one rsmi_point result")
    b = int(runs[0]["sides"][0] // runs[0]["sides"][1])
    fits = [mcrg.mcrg_from_sums(point_sums(a, "rsmi", b), n_blocks=n_blocks) for a in runs]
    nan = float("nan")
    rows = []
    for level in range(1, len(fits[0].y_t) + 1):
        i = level - 1
        crossings = [_crossing(a["K_start"], a["K"], a["K_err"], level, fit_window) for a in runs]
        rows.append(
            MapRow(
                map="RSMI filter",
                level=level,
                b=b,
                y_t=float(fits[0].y_t[i]),
                y_t_stat=float(fits[0].y_t_err[i]),
                y_t_seed=_spread([f.y_t[i] for f in fits]),
                y_h=float(fits[0].y_h[i]),
                y_h_stat=float(fits[0].y_h_err[i]),
                y_h_seed=_spread([f.y_h[i] for f in fits]),
                k_star=float(crossings[0][0]),
                k_star_stat=float(crossings[0][1]),
                k_star_seed=_spread([c[0] for c in crossings]),
                slope=float(crossings[0][2]),
                slope_stat=float(crossings[0][3]),
                slope_seed=_spread([c[2] for c in crossings]),
                xi_ratio=float(runs[0]["ratio_rsmi"][i]),
                xi_ratio_stat=float(runs[0]["ratio_err_rsmi"][i]),
                xi_ratio_seed=_spread([a["ratio_rsmi"][i] for a in runs]),
                locality=1.0,
                locality_seed=nan,
                kl=nan,
                kl_stat=nan,
                kl_seed=nan,
            )
        )
    return rows
