"""Learned coarse-graining held against hand-made RG: the geometry of receptive fields, how
they tile the lattice, matching of hidden units, and a deep belief network against
majority-rule block spins on the same data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from ._validate import check_int, check_real, check_spins, check_unit_values, rng_from
from .ising import LatticeStatistics, correlation_function, lattice_statistics
from .rbm import DBN
from .rg import majority_rule
from .states import to_binary, to_spin


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
    >>> pair_share(np.array([[0.0, 1.0], [2.0, 1.0], [2.0, 0.0]])).first_site
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
    >>> round(uniform_rms_radius(16), 4)  # sqrt(2 * 21.5): mean squared offset 21.5 per axis
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
