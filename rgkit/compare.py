"""Learned coarse-graining held against hand-made RG: the geometry of receptive fields, how
they tile the lattice, matching of hidden units, and a deep belief network against
majority-rule block spins on the same data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.special import logsumexp

from ._validate import check_choice, check_int, check_real, check_spins, check_unit_values, check_units, rng_from
from .hamiltonian import expand_hamiltonian
from .ising import LatticeStatistics, correlation_function, lattice_statistics
from .rbm import DBN, RBM
from .rg import majority_rule
from .states import (
    MAX_ENUMERATED_UNITS,
    configurations,
    kl_divergence,
    log_boltzmann,
    log_sum_units,
    state_index,
    to_binary,
    to_spin,
)


def _torus_offsets(L: int, centre: float) -> np.ndarray:
    d = np.arange(L) - centre
    return (d + L / 2) % L - L / 2


@dataclass(frozen=True)
class FieldGeometry:
    """Where receptive fields sit and how far they spread (see :func:`field_geometry`)."""

    #: Circular mean position (row, column) of each squared field on the torus, shape (n_fields, 2).
    centre: np.ndarray
    #: Radius around the centre holding half of each summed squared field, shape (n_fields,).
    half_radius: np.ndarray
    #: Root-mean-square distance from the centre, weighted by the squared field, shape (n_fields,).
    rms_radius: np.ndarray
    #: Share of each squared field inside the block×block window around its centre (NaN without a block).
    block_share: np.ndarray


def field_geometry(fields: np.ndarray, block: int | None = None) -> FieldGeometry:
    """Centre, extent and locality of receptive fields on a periodic L×L lattice.

    Parameters
    ----------
    fields : array, shape (n_fields, L, L)
        E.g. one layer of :meth:`rgkit.rbm.DBN.receptive_fields`.
    block : int, optional
        Side of the block to measure locality in.

    Returns
    -------
    FieldGeometry
        ``block_share`` is NaN when no ``block`` is given.
    """
    f = np.asarray(fields, dtype=np.float64)
    if f.ndim != 3 or f.shape[1] != f.shape[2]:
        raise ValueError(f"fields must have shape (n_fields, L, L); got {f.shape}")
    n, L, _ = f.shape
    if block is not None:
        block = check_int(block, "block", minimum=1, maximum=L)
    if not np.all(np.isfinite(f)):
        raise ValueError("fields must be finite; they contain NaN or infinity")
    scale = np.max(np.abs(f), axis=(1, 2), keepdims=True)
    if np.any(scale == 0):
        raise ValueError("a receptive field is identically zero")
    w = (f / scale) ** 2  # rescaled first: squares of fields of 1e-200 would underflow to zero
    total = w.sum(axis=(1, 2))
    angles = 2 * np.pi * np.arange(L) / L
    out = {"centre": np.zeros((n, 2)), "half_radius": np.zeros(n), "rms_radius": np.zeros(n)}
    out["block_share"] = np.full(n, np.nan)
    for k in range(n):
        wk = w[k] / total[k]
        centre = []
        for axis in (1, 0):  # rows then columns: marginal over the other axis
            marginal = wk.sum(axis=axis)
            angle = np.angle(np.sum(marginal * np.exp(1j * angles)))
            centre.append((angle % (2 * np.pi)) * L / (2 * np.pi))
        out["centre"][k] = centre
        dy = _torus_offsets(L, centre[0])[:, None]
        dx = _torus_offsets(L, centre[1])[None, :]
        r = np.sqrt(dx**2 + dy**2)
        order = np.argsort(r, axis=None)
        cumulative = np.cumsum(wk.ravel()[order])
        out["half_radius"][k] = r.ravel()[order][np.searchsorted(cumulative, 0.5)]
        out["rms_radius"][k] = np.sqrt(np.sum(wk * r**2))
        if block is not None:
            # Half-open, so the window holds exactly b × b sites wherever the centre falls.
            inside = (dx >= -block / 2) & (dx < block / 2) & (dy >= -block / 2) & (dy < block / 2)
            out["block_share"][k] = np.sum(wk * inside)
    return FieldGeometry(**out)


def tiling_coverage(centres: np.ndarray, L: int, block: int) -> float:
    """Share of the (L/block)² blocks of the lattice that contain at least one field centre."""
    L = check_int(L, "L", minimum=1)
    block = check_int(block, "block", minimum=1, maximum=L)
    if L % block:
        raise ValueError(f"L = {L} must be divisible by block = {block}")
    c = np.asarray(centres, dtype=np.float64)
    if c.ndim != 2 or c.shape[1] != 2:
        raise ValueError(f"centres must have shape (n, 2); got {c.shape}")
    if not np.all(np.isfinite(c)):
        raise ValueError("centres must be finite; they contain NaN or infinity")
    cells = np.floor(c / block).astype(int) % (L // block)
    occupied = {tuple(cell) for cell in cells}
    return len(occupied) / (L // block) ** 2


@dataclass(frozen=True)
class FieldSummary:
    """Medians over the units of one layer of :class:`FieldGeometry`, and the tiling."""

    rms_radius: float
    half_radius: float
    block_share: float
    #: :func:`tiling_coverage` of the field centres with the layer's block side.
    coverage: float


@dataclass(frozen=True)
class DBNComparison:
    """A deep belief network against majority-rule block spins (see :func:`dbn_versus_block_spins`).

    The tuples hold one entry per layer.
    """

    original: LatticeStatistics
    fields: tuple[FieldSummary, ...]
    reconstructions: tuple[LatticeStatistics, ...]
    block_spins: tuple[LatticeStatistics, ...]
    #: Each layer's hidden units on the coarse lattice (:func:`assign_units_to_sites`); None
    #: where the layer's width is not (L/b)².
    assignments: tuple[SiteAssignment | None, ...] = ()
    #: Statistics of the hidden states drawn from p(h | v), placed on the coarse lattice by the
    #: assignment (spacing b); None where there is no assignment.
    hidden: tuple[LatticeStatistics | None, ...] = ()
    #: The same for the sign of the hidden means (a deterministic coarse-graining).
    hidden_sign: tuple[LatticeStatistics | None, ...] = ()
    #: Correlation functions G(r) (:func:`rgkit.ising.correlation_function`): of the data, and
    #: per layer of the reconstructions, the block spins and the sampled hidden lattices (None
    #: without an assignment); block and hidden curves are in coarse spacings.
    g_data: np.ndarray | None = None
    g_reconstructions: tuple[np.ndarray, ...] = ()
    g_blocks: tuple[np.ndarray, ...] = ()
    g_hidden: tuple[np.ndarray | None, ...] = ()
    #: The sampled hidden configurations themselves, int8 (n, L/b, L/b) per layer (None without
    #: an assignment), for error bars (:func:`statistics_errors`).
    hidden_states: tuple[np.ndarray | None, ...] = ()


def dbn_versus_block_spins(
    dbn: DBN, spins: np.ndarray, blocks, *, seed: int | np.random.Generator | None = None
) -> DBNComparison:
    """Measure a deep belief network against majority-rule block spins on the same data.

    For layer l (1-based) and block side ``blocks[l - 1]``:

    * the geometry of the layer's receptive fields (:func:`field_geometry`, medians over
      units) and :func:`tiling_coverage` of their centres;
    * statistics (:func:`rgkit.ising.lattice_statistics`) of configurations reconstructed through
      the layer: up by conditional means, down by conditional means, then one draw of each
      visible unit from its mean, so that the reconstructions are ±1 configurations with
      the same observables as data (means alone would shrink every spin towards zero);
    * the same statistics of the majority-rule block spins of the data, with lattice spacing
      b (so ``xi_fine`` = ξ · b is in units of the original lattice);
    * when the layer has (L/b)² units, the same statistics of its hidden states on the coarse
      lattice: units placed on sites by :func:`assign_units_to_sites`, states drawn from
      p(h | v) (:func:`coarse_hidden_states`, and the sign of the means as a variant);
    * the correlation functions of the data, reconstructions, block spins and hidden lattices.

    Parameters
    ----------
    dbn : rgkit.rbm.DBN
        Trained on the flattened lattices, in its own encoding.
    spins : array of int8, shape (n, L, L)
        ±1 configurations.
    blocks : sequence of int
        One block side per layer, e.g. (2, 4, 8) for 1600-400-100-25.
    seed : int, Generator or None

    Returns
    -------
    DBNComparison
    """
    if not isinstance(dbn, DBN):
        raise TypeError(f"dbn must be a DBN; got {type(dbn).__name__}")
    s = check_spins(spins, dim=2)
    n, L, _ = s.shape
    blocks = [check_int(b, "block", minimum=2, maximum=L - 1) for b in blocks]
    if any(L % b for b in blocks):
        raise ValueError(f"every block side must divide the lattice side L = {L}; got {blocks}")
    if len(blocks) != len(dbn.layers):
        raise ValueError(f"give one block side per layer ({len(dbn.layers)}); got {len(blocks)}")
    if dbn.layer_sizes[0] != L * L:
        raise ValueError(f"the DBN has {dbn.layer_sizes[0]} visible units; the lattices have {L * L} sites")
    rng = rng_from(seed)
    flat = s.reshape(n, L * L)
    v = to_binary(flat) if dbn.units == "binary" else flat
    fields_out, recons, blocked, assigned, hidden, hidden_sign = [], [], [], [], [], []
    g_rec, g_blk, g_hid, states = [], [], [], []
    for layer, (fields, b) in enumerate(zip(dbn.receptive_fields(shape=(L, L)), blocks, strict=True), start=1):
        geo = field_geometry(fields, block=b)
        fields_out.append(
            FieldSummary(
                rms_radius=float(np.median(geo.rms_radius)),
                half_radius=float(np.median(geo.half_radius)),
                block_share=float(np.median(geo.block_share)),
                coverage=tiling_coverage(geo.centre, L, b),
            )
        )
        recon = dbn.sample_reconstruction(v, layer, seed=rng).reshape(n, L, L)
        recon = to_spin(recon) if dbn.units == "binary" else recon
        recons.append(lattice_statistics(recon))
        g_rec.append(correlation_function(recon))
        block_spins = majority_rule(s, b, seed=rng)
        blocked.append(lattice_statistics(block_spins, spacing=b))
        g_blk.append(correlation_function(block_spins))
        # One unit per coarse site is needed to place a layer on the block-spin lattice.
        match = assign_units_to_sites(fields, b) if len(fields) == (L // b) ** 2 else None
        assigned.append(match)
        if match is None:
            hidden.append(None), hidden_sign.append(None), g_hid.append(None), states.append(None)
            continue
        coarse = coarse_hidden_states(dbn, v, layer, match, seed=rng)
        states.append(coarse)
        hidden.append(lattice_statistics(coarse, spacing=b))
        g_hid.append(correlation_function(coarse))
        coarse_sign = coarse_hidden_states(dbn, v, layer, match, mode="sign")
        hidden_sign.append(lattice_statistics(coarse_sign, spacing=b))
    return DBNComparison(
        lattice_statistics(s),
        tuple(fields_out),
        tuple(recons),
        tuple(blocked),
        assignments=tuple(assigned),
        hidden=tuple(hidden),
        hidden_sign=tuple(hidden_sign),
        g_data=correlation_function(s),
        g_reconstructions=tuple(g_rec),
        g_blocks=tuple(g_blk),
        g_hidden=tuple(g_hid),
        hidden_states=tuple(states),
    )


@dataclass(frozen=True)
class UnitMatch:
    """Hidden units of one RBM paired with those of a reference (see :func:`match_hidden_units`)."""

    #: The reference unit matched to each unit, shape (n_hidden,).
    permutation: np.ndarray
    #: The sign flip (±1) that best aligns each pair, shape (n_hidden,).
    signs: np.ndarray
    #: Absolute cosine similarity of each pair's weight vectors, shape (n_hidden,).
    cosine: np.ndarray


def match_hidden_units(W: np.ndarray, reference: np.ndarray) -> UnitMatch:
    """Match the hidden units of two RBMs up to the model's symmetries.

    An RBM's distribution is unchanged by permuting its hidden units and, for spin units with
    zero hidden bias, by flipping the sign of a unit's weights. Units are paired by the
    assignment that maximises the total absolute cosine similarity of their weight vectors
    (Hungarian algorithm).

    Parameters
    ----------
    W, reference : arrays, shape (n_visible, n_hidden)
        Same shape.

    Returns
    -------
    UnitMatch
    """
    W = np.asarray(W, dtype=np.float64)
    R = np.asarray(reference, dtype=np.float64)
    if W.shape != R.shape or W.ndim != 2:
        raise ValueError(f"W and reference must be 2-D arrays of the same shape; got {W.shape} and {R.shape}")
    wn = W / np.maximum(np.linalg.norm(W, axis=0), 1e-300)
    rn = R / np.maximum(np.linalg.norm(R, axis=0), 1e-300)
    cos = wn.T @ rn
    rows, cols = linear_sum_assignment(-np.abs(cos))
    order = np.argsort(rows)
    perm = cols[order]
    chosen = cos[rows[order], perm]
    return UnitMatch(perm, np.where(chosen < 0, -1, 1), np.abs(chosen))


# ----------------------------------------------------------------------------- 1D: learned versus decimation
# (helpers of book/decimation.md go here)


@dataclass(frozen=True)
class PairShare:
    """The neighbour pair each hidden unit weighs most (see :func:`pair_share`)."""

    #: First site i of the pair (i, i + 1 mod N) with most squared weight, per hidden unit, shape (n_hidden,).
    first_site: np.ndarray
    #: Share of the unit's squared weight on that pair, in [0, 1], shape (n_hidden,).
    share: np.ndarray


def pair_share(W: np.ndarray) -> PairShare:
    """Per hidden unit of an RBM on a ring: the pair of neighbouring sites with most squared weight.

    A unit of the bond construction (:func:`rgkit.vrg.chain_rbm`) puts all its weight on one
    pair, so its share is one; a unit spread over the ring has a share near 2/N.

    Parameters
    ----------
    W : array of float, shape (n_visible, n_hidden)
        Weights; visible site i neighbours i + 1 modulo n_visible (periodic ring).

    Returns
    -------
    PairShare

    Raises
    ------
    ValueError
        If ``W`` is not a finite 2-D array with at least two visible sites, or a hidden unit
        has no weight at all.

    Examples
    --------
    >>> W = np.array([[0.0, 1.0], [2.0, 1.0], [2.0, 0.0]])
    >>> pair_share(W).first_site
    array([1, 0])
    """
    w = np.asarray(W, dtype=np.float64)
    if w.ndim != 2 or w.shape[0] < 2 or w.shape[1] < 1 or not np.all(np.isfinite(w)):
        raise ValueError(f"W must be a finite array of shape (n_visible ≥ 2, n_hidden ≥ 1); got {w.shape}")
    sq = w**2
    total = sq.sum(axis=0)
    if np.any(total == 0):
        raise ValueError("W has a hidden unit with all weights zero; its pair is undefined")
    pairs = sq + np.roll(sq, -1, axis=0)  # row i: sites i and i + 1
    return PairShare(pairs.argmax(axis=0), pairs.max(axis=0) / total)


# ----------------------------------------------------------------------------- 2D: the Mehta–Schwab networks
# (helpers of book/mehta_schwab.md go here)


def uniform_rms_radius(L: int) -> float:
    """The rms radius (:func:`field_geometry`) of a field spread evenly over the periodic L×L lattice.

    The root-mean-square torus distance of all L² sites from one site, the yardstick a field's
    ``rms_radius`` is measured against: a receptive field this wide is not local at all.

    Parameters
    ----------
    L : int
        Side of the lattice.

    Returns
    -------
    float

    Examples
    --------
    On the 16×16 torus the mean squared offset is 21.5 per axis, so the radius is
    :math:`\\sqrt{2 \\cdot 21.5}`:

    >>> round(uniform_rms_radius(16), 4)
    6.5574
    """
    L = check_int(L, "L", minimum=1)
    d = _torus_offsets(L, 0.0)
    return float(np.sqrt(2 * np.mean(d**2)))


def coarse_site_centres(L: int, block: int) -> np.ndarray:
    """Centres of the (L/block)² blocks of an L×L lattice, in the coordinates of :func:`field_geometry`.

    Site i of the lattice sits at position i, so block (I, J) covers rows bI .. bI + b - 1 and
    has its centre at (bI + (b - 1)/2, bJ + (b - 1)/2). Blocks are listed row by row, the
    order of a flattened (L/b)×(L/b) lattice.

    Returns
    -------
    ndarray of float64, shape ((L/block)², 2)

    Examples
    --------
    >>> coarse_site_centres(4, 2)
    array([[0.5, 0.5],
           [0.5, 2.5],
           [2.5, 0.5],
           [2.5, 2.5]])
    """
    L = check_int(L, "L", minimum=1)
    block = check_int(block, "block", minimum=1, maximum=L)
    if L % block:
        raise ValueError(f"L = {L} must be divisible by block = {block}")
    c = block * np.arange(L // block) + (block - 1) / 2
    rows, cols = np.meshgrid(c, c, indexing="ij")
    return np.column_stack([rows.ravel(), cols.ravel()])


def _torus_distance(p: np.ndarray, q: np.ndarray, L: int) -> np.ndarray:
    """Distances between every point of p (m, 2) and every point of q (n, 2) on the L×L torus."""
    d = np.abs(p[:, None, :] - q[None, :, :]) % L
    d = np.minimum(d, L - d)
    return np.sqrt((d**2).sum(axis=-1))


@dataclass(frozen=True)
class SiteAssignment:
    """Hidden units placed one-to-one on the sites of a coarse lattice (see :func:`assign_units_to_sites`)."""

    #: Side b of the blocks (the coarse lattice spacing).
    block: int
    #: The coarse site (row-major index on the (L/b)×(L/b) lattice) of each unit, shape (n_units,).
    site: np.ndarray
    #: Torus distance from each unit's field centre to its site's centre, shape (n_units,).
    distance: np.ndarray
    #: Whether each field is compact: rms radius under ``compact_below`` × :func:`uniform_rms_radius`.
    compact: np.ndarray
    #: Whether each field's centre lies in its site's b×b block (each offset at most b/2).
    in_block: np.ndarray
    #: Sign of each field's sum: the orientation that makes a unit's "on" state mean "spins up".
    sign: np.ndarray

    @property
    def clean(self) -> np.ndarray:
        """Units whose field is compact and centred in their own site's block."""
        return self.compact & self.in_block

    @property
    def clean_share(self) -> float:
        """Share of the units that are :attr:`clean`."""
        return float(np.mean(self.clean))


def assign_units_to_sites(fields: np.ndarray, block: int, *, compact_below: float = 0.5) -> SiteAssignment:
    """Place the hidden units of one layer on the coarse lattice of block spins, one unit per site.

    A block-spin step at block side b maps the L×L lattice to (L/b)² sites. To hold a layer of
    (L/b)² hidden units against it, each unit goes to one site: the assignment (Hungarian
    algorithm, ``scipy.optimize.linear_sum_assignment``) minimises the summed squared
    torus distance between the units' field centres (:func:`field_geometry`) and the sites'
    centres (:func:`coarse_site_centres`). A field spread over the lattice has a centre that
    means little; such units are reported as not :attr:`SiteAssignment.compact`, and a unit is
    :attr:`SiteAssignment.clean` only if it is compact and its centre lies in its site's block.

    Parameters
    ----------
    fields : array, shape ((L/block)², L, L)
        One layer of :meth:`rgkit.rbm.DBN.receptive_fields`.
    block : int
        Block side b; L must be divisible by it.
    compact_below : float
        A field is compact if its rms radius is under this share of a uniform field's, in (0, 1].

    Returns
    -------
    SiteAssignment

    Raises
    ------
    ValueError
        If the layer does not have (L/b)² units, or as :func:`field_geometry`.
    """
    f = np.asarray(fields, dtype=np.float64)
    geo = field_geometry(f)  # checks the shape and finiteness
    L = f.shape[1]
    block = check_int(block, "block", minimum=1, maximum=L)
    compact_below = check_real(compact_below, "compact_below", positive=True)
    if compact_below > 1:
        raise ValueError(f"compact_below must be in (0, 1]; got {compact_below}")
    sites = coarse_site_centres(L, block)
    if len(f) != len(sites):
        raise ValueError(
            f"a layer of {len(f)} units cannot be placed one-to-one on the {len(sites)} sites of b = {block}"
        )
    d = _torus_distance(geo.centre, sites, L)
    units, site = linear_sum_assignment(d**2)
    site = site[np.argsort(units)]
    offset = np.abs(geo.centre - sites[site]) % L
    offset = np.minimum(offset, L - offset)
    sums = f.reshape(len(f), -1).sum(axis=1)
    return SiteAssignment(
        block=block,
        site=site,
        distance=d[np.arange(len(f)), site],
        compact=geo.rms_radius < compact_below * uniform_rms_radius(L),
        in_block=np.all(offset <= block / 2, axis=1),
        sign=np.where(sums < 0, -1, 1).astype(np.int8),
    )


def coarse_hidden_states(
    dbn: DBN,
    v: np.ndarray,
    layer: int,
    assignment: SiteAssignment,
    *,
    mode: str = "sample",
    seed: int | np.random.Generator | None = None,
) -> np.ndarray:
    """Hidden states of one DBN layer as ±1 configurations of the coarse lattice.

    Up by conditional means to layer ``layer - 1``, then either one draw of layer ``layer``
    from p(h | ·) (``mode="sample"``) or the sign of its conditional means (``mode="sign"``).
    Binary states become ±1 (1 → +1, 0 → -1), each unit is oriented by
    :attr:`SiteAssignment.sign` and put on its site.

    Parameters
    ----------
    dbn : rgkit.rbm.DBN
    v : array, shape (n, L²)
        Data in the network's encoding.
    layer : int
        1 for the first hidden layer.
    assignment : SiteAssignment
        Of this layer (:func:`assign_units_to_sites`).
    mode : {"sample", "sign"}
    seed : int, Generator or None
        For ``mode="sample"``.

    Returns
    -------
    ndarray of int8, shape (n, L/b, L/b)
    """
    if not isinstance(dbn, DBN):
        raise TypeError(f"dbn must be a DBN; got {type(dbn).__name__}")
    if not isinstance(assignment, SiteAssignment):
        raise TypeError(f"assignment must be a SiteAssignment; got {type(assignment).__name__}")
    if mode not in ("sample", "sign"):
        raise ValueError(f"mode must be 'sample' or 'sign'; got {mode!r}")
    layer = check_int(layer, "layer", minimum=1, maximum=len(dbn.layers))
    rbm = dbn.layers[layer - 1]
    if rbm.n_hidden != len(assignment.site):
        raise ValueError(f"layer {layer} has {rbm.n_hidden} units; the assignment places {len(assignment.site)}")
    below = dbn.transform(v, layer - 1) if layer > 1 else check_unit_values(v, "v", dbn.layer_sizes[0], dbn.units)[0]
    if mode == "sample":
        h = rbm._sample_hidden(below, rng_from(seed))  # means of the layer below are valid input
    else:
        m = rbm.transform(below)
        h = np.where(m >= (0.5 if dbn.units == "binary" else 0.0), 1, -1).astype(np.int8)
    if dbn.units == "binary" and mode == "sample":
        h = to_spin(h)
    h = h * assignment.sign
    side = int(round(np.sqrt(len(assignment.site))))
    out = np.empty((len(h), side * side), dtype=np.int8)
    out[:, assignment.site] = h
    return out.reshape(len(h), side, side)


def statistics_errors(spins: np.ndarray, *, spacing: int = 1, n_blocks: int = 32) -> LatticeStatistics:
    """Blocked-jackknife standard errors of :func:`rgkit.ising.lattice_statistics`.

    The configurations are cut into ``n_blocks`` contiguous blocks; each statistic is computed
    with one block left out, and the error is sqrt((B - 1)/B · Σ (θ_i - θ̄)²), as
    :func:`rgkit.stats.jackknife` does for one estimator.

    Parameters
    ----------
    spins : array of int8, shape (n, L, L)
        Configurations in sample order, n ≥ 2 ``n_blocks``.
    spacing : int
        As for :func:`rgkit.ising.lattice_statistics`; the error of ``xi_fine`` is ``xi * spacing``.
    n_blocks : int
        Jackknife blocks (:func:`rgkit.stats.jackknife`).

    Returns
    -------
    LatticeStatistics
        Whose fields are the standard errors of energy, abs_m and xi.
    """
    s = check_spins(spins, dim=2)
    n_blocks = check_int(n_blocks, "n_blocks", minimum=2)
    if len(s) < 2 * n_blocks:
        raise ValueError(f"need at least 2 * n_blocks = {2 * n_blocks} configurations; got {len(s)}")
    edges = np.linspace(0, len(s), n_blocks + 1).astype(int)
    keep = [np.r_[0 : edges[i], edges[i + 1] : len(s)] for i in range(n_blocks)]
    loo = np.array([[getattr(lattice_statistics(s[k]), q) for q in ("energy", "abs_m", "xi")] for k in keep])
    errors = np.sqrt((n_blocks - 1) / n_blocks * ((loo - loo.mean(axis=0)) ** 2).sum(axis=0))
    return LatticeStatistics(*(float(e) for e in errors), spacing=spacing)


@dataclass(frozen=True)
class SummaryRow:
    """Every number the Mehta–Schwab chapter quotes for one network (see :func:`summary_row`).

    The tuples hold one entry per layer.
    """

    #: Median rms radius of the layer's receptive fields (lattice spacings).
    rms_radius: tuple[float, ...]
    #: Median share of a field's squared weight in the b×b window around its centre.
    block_share: tuple[float, ...]
    #: Share of the b×b blocks holding a field centre (:func:`tiling_coverage`).
    tiling: tuple[float, ...]
    #: Correlation length of reconstructions through the layer (original lattice spacings).
    xi_recon: tuple[float, ...]
    #: Energy per spin of reconstructions through the layer.
    u_recon: tuple[float, ...]
    #: Mean absolute magnetisation per spin of reconstructions through the layer.
    abs_m_recon: tuple[float, ...]
    #: Share of the layer's units placed cleanly on the coarse lattice (:attr:`SiteAssignment.clean_share`).
    clean_share: tuple[float, ...]
    #: Correlation length of the hidden states on the coarse lattice (original lattice spacings).
    xi_hidden: tuple[float, ...]
    #: Nearest-neighbour energy per site of the hidden states on the coarse lattice.
    u_hidden: tuple[float, ...]
    #: Mean absolute magnetisation of the hidden states on the coarse lattice.
    abs_m_hidden: tuple[float, ...]
    #: Share of first-layer fields whose rms radius is under ``compact_below`` × ``uniform_rms_radius``.
    compact_share: float
    #: :func:`uniform_rms_radius` of the lattice.
    uniform_rms_radius: float

    def labelled(self) -> dict[str, float]:
        """The quantities as ``{label: value}``, in the order of the chapter's table."""
        out = {}
        for layer in range(len(self.rms_radius)):
            name = f"layer {layer + 1}"
            out[f"{name}: rms radius"] = self.rms_radius[layer]
            out[f"{name}: share in b×b"] = self.block_share[layer]
            out[f"{name}: clean units"] = self.clean_share[layer]
            out[f"{name}: ξ recon"] = self.xi_recon[layer]
            out[f"{name}: u recon"] = self.u_recon[layer]
            out[f"{name}: abs m recon"] = self.abs_m_recon[layer]
            out[f"{name}: ξ hidden"] = self.xi_hidden[layer]
            out[f"{name}: u hidden"] = self.u_hidden[layer]
            out[f"{name}: abs m hidden"] = self.abs_m_hidden[layer]
        out["share of compact layer-1 fields"] = self.compact_share
        return out


def summary_row(
    dbn: DBN,
    spins: np.ndarray,
    blocks,
    *,
    seed: int | np.random.Generator | None = None,
    compact_below: float = 0.5,
    comparison: DBNComparison | None = None,
) -> SummaryRow:
    """The receptive-field and reconstruction numbers of one network, for a table of networks.

    The per-layer numbers are those of :func:`dbn_versus_block_spins` (called with the same
    arguments, so an integer ``seed`` gives the same values); in addition, the share of
    first-layer units whose field is compact: rms radius under ``compact_below`` times that
    of a uniform field (:func:`uniform_rms_radius`).

    Parameters
    ----------
    dbn : rgkit.rbm.DBN
        Trained on the flattened lattices, in its own encoding.
    spins : array of int8, shape (n, L, L)
        ±1 configurations to reconstruct.
    blocks : sequence of int
        One block side per layer.
    seed : int, Generator or None
        Drives the reconstructions and the tie-breaks of the block spins.
    compact_below : float
        Threshold, as a fraction of a uniform field's rms radius, in (0, 1].
    comparison : DBNComparison, optional
        The result of ``dbn_versus_block_spins(dbn, spins, blocks, seed=seed)`` when the
        caller already has it, so that it is not computed twice.

    Returns
    -------
    SummaryRow

    Raises
    ------
    TypeError, ValueError
        As :func:`dbn_versus_block_spins`; ValueError if ``compact_below`` is not in (0, 1].
    """
    compact_below = check_real(compact_below, "compact_below", positive=True)
    if compact_below > 1:
        raise ValueError(f"compact_below must be in (0, 1]; got {compact_below}")
    if comparison is None:
        comparison = dbn_versus_block_spins(dbn, spins, blocks, seed=seed)
    elif not isinstance(comparison, DBNComparison) or len(comparison.fields) != len(blocks):
        raise ValueError("comparison must be the DBNComparison of this network with one entry per block")
    nan = float("nan")
    L = np.asarray(spins).shape[1]
    uniform = uniform_rms_radius(L)
    first = field_geometry(dbn.receptive_fields(shape=(L, L))[0]).rms_radius
    return SummaryRow(
        rms_radius=tuple(f.rms_radius for f in comparison.fields),
        block_share=tuple(f.block_share for f in comparison.fields),
        tiling=tuple(f.coverage for f in comparison.fields),
        xi_recon=tuple(r.xi_fine for r in comparison.reconstructions),
        u_recon=tuple(r.energy for r in comparison.reconstructions),
        abs_m_recon=tuple(r.abs_m for r in comparison.reconstructions),
        clean_share=tuple(nan if a is None else a.clean_share for a in comparison.assignments),
        xi_hidden=tuple(nan if h is None else h.xi_fine for h in comparison.hidden),
        u_hidden=tuple(nan if h is None else h.energy for h in comparison.hidden),
        abs_m_hidden=tuple(nan if h is None else h.abs_m for h in comparison.hidden),
        compact_share=float(np.mean(first < compact_below * uniform)),
        uniform_rms_radius=uniform,
    )


# ----------------------------------------------------------------------------- 1D: the learned flow ([dbn-rg])
# Greedy stacks on the ring read as RG steps: the exact aggregate posterior each layer feeds
# upward, expanded in spin products on a gauge-fixed ring, against the decimation flow.

#: The most (input, hidden state) pairs :func:`aggregate_log_posterior` sums over: 2^16 visible
#: states times 2^16 hidden states, about 20 s on one core.
MAX_POSTERIOR_PAIRS = 1 << 32


def _check_log_weights(log_weights: object, name: str) -> np.ndarray:
    lw = np.asarray(log_weights, dtype=np.float64)
    if lw.ndim != 1 or lw.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array of log-probabilities; got shape {lw.shape}")
    if np.any(np.isnan(lw)) or np.any(lw == np.inf):
        raise ValueError(f"{name} must not contain NaN or +inf (log-probabilities; -inf marks an impossible state)")
    total = float(np.exp(logsumexp(lw)))
    if abs(total - 1.0) > 1e-9:
        raise ValueError(f"{name} must be normalised log-probabilities; their probabilities sum to {total:.12g}")
    return lw


def aggregate_log_posterior(rbm: RBM, log_weights: np.ndarray, inputs: np.ndarray | None = None) -> np.ndarray:
    """The exact aggregate posterior :math:`\\ln q(h)`, :math:`q(h) = \\sum_v P(v)\\, p_\\lambda(h \\mid v)`, per h.

    :math:`q` is the distribution of the hidden states that greedy training of a deep belief
    network feeds to the next layer when it passes samples :math:`h \\sim p_\\lambda(h \\mid v)`
    of the data upward; with the conditional kernel :math:`T = \\ln p_\\lambda(h \\mid v)` it is
    the coarse distribution, :math:`H^{RG}(h) = -\\ln[Z q(h)]`. Computed by enumerating every
    (input, h) pair with a log-sum-exp, in blocks of about 2^20 pairs.

    Parameters
    ----------
    rbm : rgkit.rbm.RBM
        At most 24 hidden units.
    log_weights : array of float, shape (n_inputs,)
        Normalised :math:`\\ln P` of each input; ``-inf`` marks an input of probability zero.
        Without ``inputs``, one per visible state (n_inputs = 2**n_visible), e.g. the ring's
        :func:`rgkit.states.log_boltzmann`.
    inputs : array, shape (n_inputs, n_visible), optional
        What the layer sees, in its encoding: states, or conditional means of a layer below
        (the input of an upper layer trained on means). Default: every visible state, in the
        order of :func:`rgkit.states.configurations` (the same order for both encodings).

    Returns
    -------
    ndarray of float64, shape (2**n_hidden,)
        :math:`\\ln q(h)` in the order of ``configurations(n_hidden, rbm.units)``.

    Raises
    ------
    TypeError
        If ``rbm`` is not an RBM.
    ValueError
        If ``log_weights`` is not normalised or does not match the inputs, if an input is
        outside the units' range, or if there are more than :data:`MAX_POSTERIOR_PAIRS` pairs.

    Examples
    --------
    >>> from rgkit.vrg import decimation_rbm
    >>> log_p = np.log(np.full(4, 0.25))  # two free visible spins
    >>> np.exp(aggregate_log_posterior(decimation_rbm(4, 0.0), log_p))
    array([0.25, 0.25, 0.25, 0.25])
    """
    if not isinstance(rbm, RBM):
        raise TypeError(f"rbm must be an RBM; got {type(rbm).__name__}")
    lw = _check_log_weights(log_weights, "log_weights")
    if inputs is None:
        if rbm.n_visible > MAX_ENUMERATED_UNITS or lw.size != 2**rbm.n_visible:
            raise ValueError(
                f"log_weights must hold one value per visible state (2**{rbm.n_visible}) when no inputs "
                f"are given; got {lw.size}"
            )
        x = configurations(rbm.n_visible, rbm.units).astype(np.float64)
    else:
        x, _ = check_unit_values(inputs, "inputs", rbm.n_visible, rbm.units)
        x = x.astype(np.float64)
        if len(x) != lw.size:
            raise ValueError(f"log_weights ({lw.size}) and inputs ({len(x)}) must have the same length")
    n_hidden = rbm.n_hidden
    if n_hidden > MAX_ENUMERATED_UNITS or lw.size * 2**n_hidden > MAX_POSTERIOR_PAIRS:
        raise ValueError(
            f"{lw.size} inputs times 2**{n_hidden} hidden states is more than the {MAX_POSTERIOR_PAIRS} "
            "pairs enumerated"
        )
    keep = lw > -np.inf
    x, lw = x[keep], lw[keep]
    fields = x @ rbm.W + rbm.b
    base = lw - log_sum_units(fields, rbm.units).sum(axis=1)  # ln P + the normaliser of p(h | x)
    hs = np.ascontiguousarray(configurations(n_hidden, rbm.units).T, dtype=np.float64)
    # Every term ln P(x) + ln p(h | x) is at most ln P(x) <= top, so exp(term - top) cannot
    # overflow; one shift for all h saves the per-column maxima of a log-sum-exp (2.5x faster).
    top = float(lw.max())
    rows = max(1, (1 << 20) >> n_hidden)
    total = np.zeros(2**n_hidden)
    for first in range(0, len(x), rows):
        block = fields[first : first + rows] @ hs
        block += (base[first : first + rows] - top)[:, None]
        total += np.exp(block, out=block).sum(axis=0)
    with np.errstate(divide="ignore"):
        out = np.log(total) + top
    # Where q(h) is below e^-640 of the largest P(x) the shifted sum loses digits: redo those h
    # with their own maxima.
    lost = np.flatnonzero(total < 1e-280)
    width = max(1, (1 << 20) // len(x))
    for first in range(0, len(lost), width):
        cols = lost[first : first + width]
        out[cols] = logsumexp(base[:, None] + fields @ hs[:, cols], axis=0)
    return out


@dataclass(frozen=True)
class RingGauge:
    """The units of one layer placed on a ring, ordered and oriented (see :func:`ring_gauge`).

    Arrays indexed by unit follow the layer's own order.
    """

    #: The unit at each position of the gauge-fixed ring, shape (n_units,).
    order: np.ndarray
    #: The orientation (±1) that makes each unit's dominant weight positive, shape (n_units,).
    sign: np.ndarray
    #: Centre of each unit's receptive field on the visible ring, in sites, in [0, N), shape (n_units,).
    centre: np.ndarray
    #: The site of the evenly spaced coarse ring (spacing N/n_units) that each centre falls on, shape (n_units,).
    slot: np.ndarray
    #: Share of each field's squared weight within one coarse spacing of its centre, shape (n_units,).
    local_share: np.ndarray
    #: The share below which a field counts as spread (the ``local_share`` argument).
    threshold: float

    @property
    def shared_slots(self) -> int:
        """Coarse sites holding two or more units (for instance two units on one pair)."""
        return int(np.sum(np.bincount(self.slot, minlength=len(self.slot)) > 1))

    @property
    def empty_slots(self) -> int:
        """Coarse sites holding no unit."""
        return int(np.sum(np.bincount(self.slot, minlength=len(self.slot)) == 0))

    @property
    def spread(self) -> np.ndarray:
        """Units whose field is not local: :attr:`local_share` under :attr:`threshold`."""
        return self.local_share < self.threshold

    @property
    def clean(self) -> np.ndarray:
        """Units alone on their coarse site and with a local field."""
        alone = np.bincount(self.slot, minlength=len(self.slot))[self.slot] == 1
        return alone & ~self.spread

    @property
    def n_clean(self) -> int:
        """How many units are :attr:`clean`; all of them when the layer forms a ring cleanly."""
        return int(np.sum(self.clean))


def ring_gauge(fields: np.ndarray, *, local_share: float = 0.8) -> RingGauge:
    """Fix the gauge of a layer of units on a ring: which unit sits where, and which sign is up.

    A layer's distribution is unchanged by relabelling its units and, for each unit, by
    swapping its two states (with the matching change of weights and biases), so a coupling
    "between neighbours" means nothing until both are fixed. Here they are fixed from the
    receptive fields on the visible ring (site i at angle 2πi/N):

    * **order**: by the circular mean of each field's *squared* weights (squared, as in
      :func:`field_geometry`, so that small weights spread over the ring do not pull the
      centre of a unit that sits on one or two sites); units at equal centres keep their
      original order;
    * **sign**: each unit is oriented so that its largest weight in magnitude is positive.

    Both rules read the fields only, so the gauge is the same whatever the labels and signs
    the units came with. The units do not always form a ring cleanly; that is reported, not
    hidden: each centre is put on the nearest site (:attr:`RingGauge.slot`) of an evenly
    spaced ring of n_units sites (spacing N/n_units, offset by the circular mean of the
    centres modulo the spacing), and a field is spread when less than ``local_share`` of its
    squared weight lies within one spacing of its centre.

    Parameters
    ----------
    fields : array of float, shape (n_units, N)
        Receptive fields on the visible ring, e.g. ``rbm.W.T`` or one entry of
        :meth:`rgkit.rbm.DBN.receptive_fields` (products of weights for upper layers). At
        least two units, none all zero.
    local_share : float
        Share in (0, 1] below which a field counts as spread.

    Returns
    -------
    RingGauge

    Raises
    ------
    ValueError
        If ``fields`` is not a finite 2-D array of at least two units on at least two sites,
        or a unit's field is zero.

    Examples
    --------
    >>> fields = np.array([[0.0, 0.0, -2.0, 0.1], [1.0, 0.0, 0.0, 0.0]])
    >>> g = ring_gauge(fields)
    >>> g.order.tolist(), g.sign.tolist(), g.n_clean
    ([1, 0], [-1, 1], 2)
    """
    f = np.asarray(fields, dtype=np.float64)
    if f.ndim != 2 or f.shape[0] < 2 or f.shape[1] < 2 or not np.all(np.isfinite(f)):
        raise ValueError(f"fields must be a finite array of shape (n_units ≥ 2, N ≥ 2); got shape {f.shape}")
    local_share = check_real(local_share, "local_share", positive=True)
    if local_share > 1:
        raise ValueError(f"local_share must be in (0, 1]; got {local_share}")
    n, N = f.shape
    scale = np.max(np.abs(f), axis=1, keepdims=True)
    if np.any(scale == 0):
        raise ValueError("a unit's receptive field is zero; its place on the ring is undefined")
    w = (f / scale) ** 2  # rescaled first, so tiny fields do not underflow
    w /= w.sum(axis=1, keepdims=True)
    sites = np.arange(N)
    angle = np.angle(w @ np.exp(2j * np.pi * sites / N))
    centre = (angle % (2 * np.pi)) * N / (2 * np.pi)
    centre[centre >= N] = 0.0  # an angle of -0.0 wraps to N
    dominant = np.argmax(np.abs(f), axis=1)
    sign = np.where(f[np.arange(n), dominant] < 0, -1, 1).astype(np.int8)
    spacing = N / n
    phase = (np.angle(np.sum(np.exp(2j * np.pi * centre / spacing))) % (2 * np.pi)) * spacing / (2 * np.pi)
    slot = np.rint((centre - phase) / spacing).astype(np.int64) % n
    offset = (sites[None, :] - centre[:, None] + N / 2) % N - N / 2
    share = np.sum(w * (np.abs(offset) <= spacing), axis=1)
    return RingGauge(
        order=np.argsort(centre, kind="stable"),
        sign=sign,
        centre=centre,
        slot=slot,
        local_share=share,
        threshold=local_share,
    )


def _gauged(log_prob: np.ndarray, gauge: RingGauge) -> np.ndarray:
    """log_prob of the units re-indexed to the gauge-fixed ring (position p holds unit order[p])."""
    n = len(gauge.order)
    ring = configurations(n).astype(np.int64)
    own = np.empty_like(ring)
    own[:, gauge.order] = ring * gauge.sign[gauge.order]
    return log_prob[state_index(own)]


@dataclass(frozen=True)
class EffectiveRing:
    """A distribution of units on a gauge-fixed ring, expanded in spin products (see :func:`effective_ring`).

    Couplings are those of :math:`-\\ln q(s) = c - \\sum_S K_S \\prod_{i\\in S} s_i` in spins
    :math:`s = \\pm 1` (binary units read as s = 2h - 1), in units of k_B T.
    """

    #: Nearest-neighbour coupling of each bond (p, p + 1 mod n) of the ring, shape (n,); a ring
    #: of two units has one bond, carrying half of their pair coupling (its two bonds join the same pair).
    bonds: np.ndarray
    #: The largest field :math:`|K_i|`.
    largest_field: float
    #: The largest :math:`|K_S|` of the couplings that are neither bonds nor fields (0 if none).
    largest_other: float
    #: KL(q ‖ the Boltzmann distribution of the bonds alone), nats: the loss of dropping the rest.
    truncation_kl: float
    #: KL(q ‖ the uniform ring at :attr:`coupling`), nats: the loss of the one-number summary.
    uniform_kl: float

    @property
    def coupling(self) -> float:
        """The effective ring coupling: the mean over bonds."""
        return float(np.mean(self.bonds))

    @property
    def spread(self) -> float:
        """Standard deviation of the couplings over bonds."""
        return float(np.std(self.bonds))


def _ring_energy(n: int, bonds: np.ndarray) -> np.ndarray:
    s = configurations(n).astype(np.float64)
    if n == 2:
        return -2 * bonds[0] * s[:, 0] * s[:, 1]
    return -(s * np.roll(s, -1, axis=1)) @ bonds


def effective_ring(log_prob: np.ndarray, gauge: RingGauge) -> EffectiveRing:
    """The nearest-neighbour ring couplings of a distribution of units, in a fixed gauge, and what they leave out.

    The units are put in the order and orientation of ``gauge``; then :math:`-\\ln q` is
    expanded exactly in spin products (:func:`rgkit.hamiltonian.expand_hamiltonian`). The bonds
    of the gauge-fixed ring give the coupling; fields, longer-range and many-spin couplings
    are reported by their largest size and by what dropping them costs in KL divergence.

    Parameters
    ----------
    log_prob : array of float, shape (2**n_units,)
        :math:`\\ln q` of every state of the units, in the order of
        :func:`rgkit.states.configurations` (either encoding), finite; a constant offset does
        not matter (it is normalised here).
    gauge : RingGauge
        Of the same units (:func:`ring_gauge`).

    Returns
    -------
    EffectiveRing

    Raises
    ------
    TypeError
        If ``gauge`` is not a RingGauge.
    ValueError
        If ``log_prob`` is not one finite value per state of the gauge's units.

    Examples
    --------
    >>> from rgkit.hamiltonian import ring_hamiltonian
    >>> ring = ring_hamiltonian(4, 0.3)(configurations(4))
    >>> e = effective_ring(-ring, ring_gauge(np.eye(4)))
    >>> e.bonds.round(12).tolist(), e.largest_other < 1e-12
    ([0.3, 0.3, 0.3, 0.3], True)
    """
    if not isinstance(gauge, RingGauge):
        raise TypeError(f"gauge must be a RingGauge; got {type(gauge).__name__}")
    n = len(gauge.order)
    lp = np.asarray(log_prob, dtype=np.float64)
    if lp.shape != (2**n,) or not np.all(np.isfinite(lp)):
        raise ValueError(f"log_prob must be {2**n} finite values (one per state of {n} units); got shape {lp.shape}")
    lp = log_boltzmann(-_gauged(lp, gauge))  # normalised
    terms = expand_hamiltonian(-lp, n, tol=0.0)
    pair = [(p, (p + 1) % n) for p in range(n)] if n > 2 else [(0, 1)]
    bonds = np.array([terms.couplings.get(tuple(sorted(b)), 0.0) for b in pair])
    if n == 2:
        bonds = bonds / 2
    bond_keys = {tuple(sorted(b)) for b in pair}
    fields = [abs(k) for s, k in terms.couplings.items() if len(s) == 1]
    other = [abs(k) for s, k in terms.couplings.items() if len(s) > 1 and s not in bond_keys]
    truncation = log_boltzmann(_ring_energy(n, bonds))
    uniform = log_boltzmann(_ring_energy(n, np.full(len(bonds), np.mean(bonds))))
    return EffectiveRing(
        bonds=bonds,
        largest_field=float(max(fields, default=0.0)),
        largest_other=float(max(other, default=0.0)),
        truncation_kl=kl_divergence(lp, truncation),
        uniform_kl=kl_divergence(lp, uniform),
    )


def decimation_couplings(K: float, ratios: object) -> np.ndarray:
    """The couplings of exact decimation by the given factors, :math:`\\tanh K_{l} = \\tanh^{b_l} K_{l-1}`.

    Keeping one spin in :math:`b` of the ring multiplies correlations over one coarse spacing:
    :math:`\\tanh K' = \\tanh^b K` (b = 2 is :func:`rgkit.rg.decimated_coupling`, b = 1 leaves K
    unchanged). Evaluated in logarithms, so that couplings of many units keep their digits.

    Parameters
    ----------
    K : float
        The coupling of the fine ring, at least 0.
    ratios : sequence of float, shape (n_steps,)
        Factors :math:`b_l \\ge 1`, e.g. the ratios of the widths of successive layers.

    Returns
    -------
    ndarray of float64, shape (n_steps + 1,)
        :math:`K_0 = K, K_1, \\dots`.

    Examples
    --------
    >>> from rgkit.rg import decimation_flow
    >>> couplings = decimation_couplings(0.8, [2, 2])
    >>> bool(np.allclose(couplings, decimation_flow(0.8, 2)))
    True
    """
    K = check_real(K, "K")
    if K < 0:
        raise ValueError(f"K must be at least 0 (a ferromagnetic ring); got {K}")
    b = np.asarray(ratios, dtype=np.float64)
    if b.ndim != 1 or not np.all(np.isfinite(b)) or np.any(b < 1):
        raise ValueError(f"ratios must be a 1-D sequence of finite factors of at least 1; got {ratios!r}")
    out = [K]
    for factor in b:
        if out[-1] == 0:
            out.append(0.0)
            continue
        log_t = factor * -np.log1p(2 / np.expm1(2 * out[-1]))  # b ln tanh K, without cancellation
        # artanh x = ½[ln(1 + x) - ln(1 - x)], with 1 - x = -expm1(ln x).
        out.append(float(0.5 * (np.log1p(np.exp(log_t)) - np.log(-np.expm1(log_t)))))
    return np.array(out)


@dataclass(frozen=True)
class LayerFlow:
    """One layer of a stack on the ring, read as an RG step (see :func:`ring_flow`)."""

    #: Where its units sit on the ring and how they are oriented.
    gauge: RingGauge
    #: The effective ring of the aggregate posterior q(h), what the layer feeds upward.
    posterior: EffectiveRing
    #: The effective ring of the RBM's own hidden marginal p_λ(h).
    marginal: EffectiveRing
    #: KL(training distribution ‖ the layer's visible marginal), nats; NaN where the layer was
    #: trained on conditional means (no distribution of states to compare with).
    kl: float


@dataclass(frozen=True)
class RingFlow:
    """A stack of RBMs on the ring against decimation (see :func:`ring_flow`)."""

    #: The effective ring of the data (visible units in their own order): K_0.
    data: EffectiveRing
    #: One entry per layer, from the bottom.
    layers: tuple[LayerFlow, ...]
    #: Exact decimation from the data's K_0 by the ratio of successive widths
    #: (:func:`decimation_couplings`), shape (n_layers + 1,).
    decimation: np.ndarray
    #: What each layer was fed: ``"sample"`` or ``"mean"``.
    feed: str
    #: The network read.
    dbn: DBN

    @property
    def posterior_couplings(self) -> np.ndarray:
        """K_0 of the data, then the coupling of each layer's aggregate posterior, shape (n_layers + 1,)."""
        return np.array([self.data.coupling] + [layer.posterior.coupling for layer in self.layers])

    @property
    def marginal_couplings(self) -> np.ndarray:
        """K_0 of the data, then the coupling of each layer's hidden marginal, shape (n_layers + 1,)."""
        return np.array([self.data.coupling] + [layer.marginal.coupling for layer in self.layers])


def ring_flow(dbn: DBN, log_p: np.ndarray, *, feed: str = "sample", local_share: float = 0.8) -> RingFlow:
    """Read each layer of a deep belief network on a ring as an RG step, exactly, beside decimation.

    For each layer l, from the exact distribution P of the visible ring:

    * the aggregate posterior it feeds upward (:func:`aggregate_log_posterior`). With
      ``feed="sample"`` (layer l + 1 trained on draws :math:`h_l \\sim p(h_l \\mid h_{l-1})`)
      it is :math:`q_l(h_l) = \\sum_{h_{l-1}} q_{l-1}(h_{l-1})\\, p_l(h_l \\mid h_{l-1})`,
      :math:`q_0 = P`. With ``feed="mean"`` (trained on conditional means m) it is
      :math:`q_l(h_l) = \\sum_v P(v)\\, p_l(h_l \\mid m_{l-1}(v))`, the distribution of one draw
      of layer l above the mean-field up pass;
    * the RBM's own hidden marginal :math:`p_\\lambda(h_l)`;
    * both read as rings in the gauge of :func:`ring_gauge`, fixed from the layer's receptive
      fields on the visible ring (:meth:`rgkit.rbm.DBN.receptive_fields`), and expanded by
      :func:`effective_ring`.

    Parameters
    ----------
    dbn : rgkit.rbm.DBN
        Its first layer's visible units are the ring, site i next to i + 1 mod N.
    log_p : array of float, shape (2**N,)
        Normalised :math:`\\ln P(v)` of every visible state, in the order of
        :func:`rgkit.states.configurations`, e.g. the ring's :func:`rgkit.states.log_boltzmann`.
    feed : {"sample", "mean"}
        What each layer was trained on (the ``propagate`` of :meth:`rgkit.rbm.DBN.fit`).
    local_share : float
        As for :func:`ring_gauge`.

    Returns
    -------
    RingFlow

    Raises
    ------
    TypeError
        If ``dbn`` is not a DBN.
    ValueError
        If ``log_p`` is not normalised with one value per visible state, if ``feed`` is unknown,
        if a layer has fewer than two units or a layer's sums exceed :data:`MAX_POSTERIOR_PAIRS`.
    """
    if not isinstance(dbn, DBN):
        raise TypeError(f"dbn must be a DBN; got {type(dbn).__name__}")
    feed = check_choice(feed, "feed", ("sample", "mean"))
    N = dbn.layer_sizes[0]
    if N < 2 or N > MAX_ENUMERATED_UNITS or min(dbn.layer_sizes[1:]) < 2:
        raise ValueError(f"ring_flow needs 2 to {MAX_ENUMERATED_UNITS} visible units and two or more units per layer")
    lp = _check_log_weights(log_p, "log_p")
    if lp.size != 2**N:
        raise ValueError(f"log_p must hold one value per visible state (2**{N}); got {lp.size}")
    fields = dbn.receptive_fields(shape=(N,))
    visible = configurations(N, dbn.units)
    data = effective_ring(lp, ring_gauge(np.eye(N)))
    layers, below = [], lp
    for depth, rbm in enumerate(dbn.layers):
        gauge = ring_gauge(fields[depth], local_share=local_share)
        if feed == "sample" or depth == 0:
            q = aggregate_log_posterior(rbm, below)
            kl = kl_divergence(below, rbm.log_prob(configurations(rbm.n_visible, dbn.units)))
        else:
            q = aggregate_log_posterior(rbm, lp, dbn.transform(visible, depth))
            kl = float("nan")
        marginal = rbm.hidden_log_prob(configurations(rbm.n_hidden, dbn.units))
        layers.append(LayerFlow(gauge, effective_ring(q, gauge), effective_ring(marginal, gauge), kl))
        below = q
    widths = np.array(dbn.layer_sizes, dtype=np.float64)
    decimation = decimation_couplings(max(data.coupling, 0.0), widths[:-1] / widths[1:])
    return RingFlow(data=data, layers=tuple(layers), decimation=decimation, feed=feed, dbn=dbn)


def learned_ring_flow(
    log_p: np.ndarray,
    layer_sizes,
    *,
    units: str = "spin",
    feed: str = "sample",
    n_samples: int = 10_000,
    epochs: int = 30,
    seed: int | np.random.Generator | None = None,
    local_share: float = 0.8,
    **fit_kwargs,
) -> RingFlow:
    """Train a deep belief network greedily on exact samples of a ring, and read its flow (:func:`ring_flow`).

    ``n_samples`` independent states are drawn from P by enumeration; the network
    (:class:`rgkit.rbm.DBN`) is trained layer by layer, each layer on what the one below feeds
    upward (``propagate=feed``), then read exactly.

    Parameters
    ----------
    log_p : array of float, shape (2**N,)
        Normalised :math:`\\ln P(v)` of every state of the ring, in the order of
        :func:`rgkit.states.configurations`.
    layer_sizes : sequence of int
        Widths from the visible layer up, e.g. ``(16, 8, 4, 2)``; the first is N.
    units : {"spin", "binary"}
        Encoding of every layer.
    feed : {"sample", "mean"}
        What each layer passes upward: one draw of its hidden states per sample, or the
        conditional means.
    n_samples : int
        Training samples of the ring.
    epochs : int
        Epochs per layer.
    seed : int, Generator or None
        Drives the samples, the initial weights and the training; the same seed gives the
        same network.
    local_share : float
        As for :func:`ring_gauge`.
    **fit_kwargs
        Passed to every :meth:`rgkit.rbm.RBM.fit` (``batch_size``, ``learning_rate``, ``progress``, ...).

    Returns
    -------
    RingFlow

    Raises
    ------
    ValueError, TypeError
        For invalid arguments, as :func:`ring_flow` and :meth:`rgkit.rbm.DBN.fit`.
    """
    lp = _check_log_weights(log_p, "log_p")
    sizes = list(layer_sizes) if not isinstance(layer_sizes, str) else []
    if len(sizes) < 2 or lp.size != 2 ** check_int(sizes[0], "layer_sizes[0]", minimum=2, maximum=24):
        raise ValueError(f"layer_sizes must start with N, where log_p holds 2**N values; got {layer_sizes!r}")
    feed = check_choice(feed, "feed", ("sample", "mean"))
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    rng = rng_from(seed)
    p = np.exp(lp)
    drawn = rng.choice(lp.size, size=n_samples, p=p / p.sum())
    data = configurations(sizes[0], check_units(units))[drawn]
    dbn = DBN(sizes, units=units, seed=rng)
    dbn.fit(data, epochs=epochs, propagate=feed, seed=rng, **fit_kwargs)
    return ring_flow(dbn, lp, feed=feed, local_share=local_share)


def _fine_xi_ratio(couplings: np.ndarray, spacing: np.ndarray) -> np.ndarray:
    """(spacing ξ_l) / ξ_0 per layer, ξ = -1/ln tanh K; NaN where K_l ≤ 0 (no length to read)."""
    K = np.asarray(couplings, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_t = np.where(K > 0, -np.log1p(2 / np.expm1(2 * np.where(K > 0, K, 1.0))), np.nan)
    return spacing[1:] * log_t[0] / log_t[1:]


def ring_flow_point(
    N: int,
    K: float,
    hidden_sizes,
    *,
    units: str = "spin",
    feed: str = "sample",
    epochs: int = 200,
    n_samples: int = 10_000,
    batch_size: int = 100,
    learning_rate: float | None = None,
    k: int = 1,
    local_share: float = 0.8,
    replica: int = 0,
    seed: int,
) -> tuple[dict[str, np.ndarray], dict]:
    """One point of a sweep of learned ring flows (:func:`rgkit.sweep.run`): train a stack, read it, return arrays.

    Trains a deep belief network with :func:`learned_ring_flow` on ``n_samples`` exact samples
    of the periodic ring of N spins at coupling K and reads every layer (:func:`ring_flow`).
    Every argument is a JSON value, so that a point can key a cache entry.

    Decimation by any factor keeps the correlation length measured in sites of the fine ring:
    :math:`\\tanh K_l = \\tanh^{b} K_{l-1}` divides :math:`\\xi = -1/\\ln\\tanh K` by b while the
    spacing grows by b. So ``xi_ratio`` = (spacing × ξ_l) / ξ_0 is 1 at every layer of
    decimation, above 1 where a layer decimates too little, below where too much.

    Parameters
    ----------
    N : int
        Sites of the ring, 3 to 16 (the reading enumerates 2**N states).
    K : float
        Coupling of the ring, at least 0, in units of k_B T.
    hidden_sizes : sequence of int, shape (n_layers,)
        Widths of the hidden layers from the bottom, 2 to N each, e.g. ``[8, 4, 2]``.
    units : {"spin", "binary"}
        Encoding of every layer.
    feed : {"sample", "mean"}
        What each layer passes upward to train the next.
    epochs : int
        Epochs per layer.
    n_samples : int
        Exact training samples of the ring.
    batch_size, learning_rate, k
        Passed to :meth:`rgkit.rbm.RBM.fit` (``learning_rate=None``: its default).
    local_share : float
        As for :func:`ring_gauge`.
    replica : int
        Labels repeats of a point, which the sweep then seeds independently; unused otherwise.
    seed : int
        Drives the samples and the training (the sweep passes each point its own).

    Returns
    -------
    arrays : dict of str to ndarray
        With L = n_layers; entry 0 of the (L + 1,) arrays is the data's ring (K_0 = K):

        * ``decimation``, (L + 1,): exact decimation from K by the width ratios
          (:func:`decimation_couplings`); ``spacing``, (L + 1,): N / width, in fine sites;
        * ``posterior`` and ``posterior_spread``, (L + 1,): the coupling K_l of each layer's
          gauge-fixed aggregate posterior q (mean over bonds) and its standard deviation over bonds;
        * ``marginal`` and ``marginal_spread``, (L + 1,): the same for the RBM's own hidden marginal;
        * ``posterior_xi_ratio`` and ``marginal_xi_ratio``, (L,): (spacing × ξ_l) / ξ_0, NaN where K_l ≤ 0;
        * ``posterior_truncation_kl`` and ``marginal_truncation_kl``, (L,), nats: what the
          nearest-neighbour ring misses (:attr:`EffectiveRing.truncation_kl`);
        * ``posterior_other`` and ``posterior_field``, (L,): q's largest other coupling and field;
        * ``n_clean``, (L,) int64, and ``clean_ring``, (L,) bool: clean units
          (:attr:`RingGauge.n_clean`) and whether all of a layer's units are clean;
        * ``training_kl``, (L,), nats: KL of each layer's input from its visible marginal (NaN
          for upper layers fed means).
    info : dict
        ``layer_sizes`` (N, then ``hidden_sizes``), ``units``, ``feed``.

    Raises
    ------
    ValueError, TypeError
        For invalid arguments.

    Examples
    --------
    >>> arrays, info = ring_flow_point(
    ...     6, 0.8, [3, 2], epochs=2, n_samples=200, seed=0, batch_size=50
    ... )
    >>> arrays["posterior"].shape, arrays["spacing"].tolist()
    ((3,), [1.0, 2.0, 3.0])
    >>> info["layer_sizes"]
    [6, 3, 2]
    """
    N = check_int(N, "N", minimum=3, maximum=16)
    K = check_real(K, "K")
    if K < 0:
        raise ValueError(f"K must be at least 0 (a ferromagnetic ring); got {K}")
    if isinstance(hidden_sizes, str | bytes | dict) or not hasattr(hidden_sizes, "__iter__"):
        raise TypeError(f"hidden_sizes must be a list of widths, e.g. [8, 4, 2]; got {hidden_sizes!r}")
    sizes = [N] + [check_int(n, f"hidden_sizes[{i}]", minimum=2, maximum=N) for i, n in enumerate(hidden_sizes)]
    if len(sizes) < 2:
        raise ValueError("hidden_sizes must hold at least one width")
    check_int(replica, "replica", minimum=0)
    flow = learned_ring_flow(
        log_boltzmann(_ring_energy(N, np.full(N, K))),
        sizes,
        units=units,
        feed=feed,
        n_samples=n_samples,
        epochs=epochs,
        seed=check_int(seed, "seed", minimum=0),
        local_share=local_share,
        batch_size=batch_size,
        learning_rate=learning_rate,
        k=k,
        progress=False,
    )
    spacing = N / np.array(sizes, dtype=np.float64)
    arrays = {"decimation": flow.decimation, "spacing": spacing}
    for name in ("posterior", "marginal"):
        rings = [flow.data] + [getattr(layer, name) for layer in flow.layers]
        arrays[name] = np.array([r.coupling for r in rings])
        arrays[f"{name}_spread"] = np.array([r.spread for r in rings])
        arrays[f"{name}_xi_ratio"] = _fine_xi_ratio(arrays[name], spacing)
        arrays[f"{name}_truncation_kl"] = np.array([r.truncation_kl for r in rings[1:]])
    arrays["posterior_other"] = np.array([layer.posterior.largest_other for layer in flow.layers])
    arrays["posterior_field"] = np.array([layer.posterior.largest_field for layer in flow.layers])
    arrays["n_clean"] = np.array([layer.gauge.n_clean for layer in flow.layers], dtype=np.int64)
    arrays["clean_ring"] = arrays["n_clean"] == np.array(sizes[1:])
    arrays["training_kl"] = np.array([layer.kl for layer in flow.layers])
    return arrays, {"layer_sizes": sizes, "units": units, "feed": feed}


@dataclass(frozen=True)
class RingFlowSummary:
    """Learned ring flows of one setting over training seeds (see :func:`ring_flow_summary`).

    Means and spreads are over seeds; spreads are sample standard deviations (ddof = 1; NaN
    for one seed). Arrays of shape (L + 1,) start with the data (layer 0).
    """

    #: How many seeds.
    n_seeds: int
    #: Exact decimation from K by the width ratios, shape (L + 1,).
    decimation: np.ndarray
    #: Mean and spread of the couplings of the aggregate posteriors q, shape (L + 1,).
    posterior: np.ndarray
    posterior_sd: np.ndarray
    #: Mean and spread of the couplings of the RBMs' hidden marginals, shape (L + 1,).
    marginal: np.ndarray
    marginal_sd: np.ndarray
    #: Mean and spread of (spacing × ξ_l) / ξ_0 of q, shape (L,); 1 for decimation.
    xi_ratio: np.ndarray
    xi_ratio_sd: np.ndarray
    #: Largest truncation KL of q over seeds, per layer, shape (L,), nats.
    worst_truncation_kl: np.ndarray
    #: Seeds whose every layer forms a clean ring.
    clean_seeds: int
    #: Seeds that track decimation: every layer a clean ring, its q within ``kl_tolerance`` of
    #: a nearest-neighbour ring and its ξ ratio within a factor ``xi_factor`` of 1.
    tracking_seeds: int

    @property
    def tracks(self) -> bool:
        """Whether every seed tracks decimation."""
        return self.tracking_seeds == self.n_seeds


def ring_flow_summary(arrays: object, *, xi_factor: float = 2**0.5, kl_tolerance: float = 0.05) -> RingFlowSummary:
    """Mean and spread over training seeds of :func:`ring_flow_point` results, and how many track decimation.

    A seed tracks decimation when every layer (i) forms a clean ring (``clean_ring``), (ii) has
    an aggregate posterior within ``kl_tolerance`` nats of its nearest-neighbour ring
    (``posterior_truncation_kl``), and (iii) keeps the correlation length in fine sites within
    a factor ``xi_factor`` of the data's (``posterior_xi_ratio``; a coupling ≤ 0 fails). The
    default √2 is halfway, on a log scale, between decimation by two and one halving more or less.

    Parameters
    ----------
    arrays : sequence of dict of str to ndarray
        The arrays of :func:`ring_flow_point` for one setting, one per seed (e.g. some of
        :attr:`rgkit.sweep.SweepResult.arrays`), all with the same layers and the same K.
    xi_factor : float
        Largest factor between the correlation length in fine sites and the data's, at least 1.
    kl_tolerance : float
        Largest truncation KL, nats, at least 0.

    Returns
    -------
    RingFlowSummary

    Raises
    ------
    ValueError
        If ``arrays`` is empty, its entries lack keys of :func:`ring_flow_point`, or they differ
        in shape or in decimation flow, or if ``xi_factor`` < 1 or ``kl_tolerance`` < 0.
    """
    runs = list(arrays) if not isinstance(arrays, dict) else [arrays]
    if not runs:
        raise ValueError("arrays must hold at least one result of ring_flow_point")
    xi_factor = check_real(xi_factor, "xi_factor")
    kl_tolerance = check_real(kl_tolerance, "kl_tolerance")
    if xi_factor < 1 or kl_tolerance < 0:
        raise ValueError(f"xi_factor must be at least 1 and kl_tolerance at least 0; got {xi_factor}, {kl_tolerance}")
    keys = ("decimation", "posterior", "marginal", "posterior_xi_ratio", "posterior_truncation_kl", "clean_ring")
    try:
        stacked = {key: np.stack([np.asarray(run[key], dtype=np.float64) for run in runs]) for key in keys}
    except (KeyError, TypeError) as err:
        raise ValueError(f"each entry must be a dict with the arrays {keys} of ring_flow_point: {err!r}") from None
    except ValueError as err:
        raise ValueError(f"the results differ in their number of layers: {err}") from None
    if np.ptp(stacked["decimation"], axis=0).max() > 1e-12:
        raise ValueError("the results have different decimation flows (different K or widths)")
    n = len(runs)

    def spread(x: np.ndarray) -> np.ndarray:
        return np.std(x, axis=0, ddof=1) if n > 1 else np.full(x.shape[1:], np.nan)

    xi = stacked["posterior_xi_ratio"]
    with np.errstate(invalid="ignore", divide="ignore"):
        close = np.abs(np.log(np.nan_to_num(xi, nan=np.inf))) <= np.log(xi_factor)
    clean = stacked["clean_ring"].astype(bool)
    good = clean & (stacked["posterior_truncation_kl"] <= kl_tolerance) & close
    return RingFlowSummary(
        n_seeds=n,
        decimation=stacked["decimation"][0],
        posterior=stacked["posterior"].mean(axis=0),
        posterior_sd=spread(stacked["posterior"]),
        marginal=stacked["marginal"].mean(axis=0),
        marginal_sd=spread(stacked["marginal"]),
        xi_ratio=xi.mean(axis=0),
        xi_ratio_sd=spread(xi),
        worst_truncation_kl=stacked["posterior_truncation_kl"].max(axis=0),
        clean_seeds=int(np.sum(clean.all(axis=1))),
        tracking_seeds=int(np.sum(good.all(axis=1))),
    )
