"""Real-space renormalization of square-lattice configurations, and measures to compare
networks with it: majority-rule block spins, and the geometry of receptive fields.
"""

from __future__ import annotations

import numpy as np

from ._validate import check_int, rng_from
from .ising import check_spins


def majority_rule(spins: np.ndarray, b: int, *, seed: int | np.random.Generator | None = None) -> np.ndarray:
    """Majority-rule block spins: each b×b block becomes the sign of its sum.

    Ties (possible for even b) are broken by a fair coin, drawn from ``seed``.

    Parameters
    ----------
    spins : array of int8, shape (n, L, L)
        Square lattices with L divisible by b.
    b : int
        Block side, at least 2.
    seed : int, Generator or None

    Returns
    -------
    ndarray of int8, shape (n, L // b, L // b)

    Examples
    --------
    >>> majority_rule(np.ones((1, 4, 4), dtype=np.int8), 2, seed=0)[0]
    array([[1, 1],
           [1, 1]], dtype=int8)
    """
    s = check_spins(spins)
    if s.ndim != 3:
        raise ValueError(f"spins must be a batch of square lattices, shape (n, L, L); got {s.shape}")
    b = check_int(b, "b", minimum=2)
    n, L, _ = s.shape
    if L % b:
        raise ValueError(f"the lattice side L = {L} must be divisible by the block side b = {b}")
    sums = s.astype(np.int32).reshape(n, L // b, b, L // b, b).sum(axis=(2, 4))
    coin = np.where(rng_from(seed).random(sums.shape) < 0.5, -1, 1)
    return np.where(sums > 0, 1, np.where(sums < 0, -1, coin)).astype(np.int8)


def _torus_offsets(L: int, centre: float) -> np.ndarray:
    d = np.arange(L) - centre
    return (d + L / 2) % L - L / 2


def field_geometry(fields: np.ndarray, block: int | None = None) -> dict[str, np.ndarray]:
    """Centre, extent and locality of receptive fields on a periodic L×L lattice.

    Parameters
    ----------
    fields : array, shape (n_fields, L, L)
        E.g. one layer of :meth:`rgkit.rbm.DBN.receptive_fields`.
    block : int, optional
        Side of the block to measure locality in.

    Returns
    -------
    dict of arrays, each of shape (n_fields,) unless noted
        ``centre`` (n_fields, 2): the circular mean position of the squared field (periodic);
        ``half_radius``: the radius around the centre holding half of the summed squared field;
        ``rms_radius``: the root-mean-square distance from the centre, weighted by the squared field;
        ``block_share`` (with ``block``): the share of the squared field inside the block×block window
        centred on the centre.
    """
    f = np.asarray(fields, dtype=np.float64)
    if f.ndim != 3 or f.shape[1] != f.shape[2]:
        raise ValueError(f"fields must have shape (n_fields, L, L); got {f.shape}")
    n, L, _ = f.shape
    if block is not None:
        block = check_int(block, "block", minimum=1, maximum=L)
    w = f**2
    total = w.sum(axis=(1, 2))
    if np.any(total == 0):
        raise ValueError("a receptive field is identically zero")
    angles = 2 * np.pi * np.arange(L) / L
    out = {"centre": np.zeros((n, 2)), "half_radius": np.zeros(n), "rms_radius": np.zeros(n)}
    if block is not None:
        out["block_share"] = np.zeros(n)
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
            inside = (np.abs(dx) < block / 2) & (np.abs(dy) < block / 2)
            out["block_share"][k] = np.sum(wk * inside)
    return out


def tiling_coverage(centres: np.ndarray, L: int, block: int) -> float:
    """Share of the (L/block)² blocks of the lattice that contain at least one field centre."""
    L = check_int(L, "L", minimum=1)
    block = check_int(block, "block", minimum=1, maximum=L)
    if L % block:
        raise ValueError(f"L = {L} must be divisible by block = {block}")
    c = np.asarray(centres, dtype=np.float64)
    if c.ndim != 2 or c.shape[1] != 2:
        raise ValueError(f"centres must have shape (n, 2); got {c.shape}")
    cells = np.floor(c / block).astype(int) % (L // block)
    occupied = {tuple(cell) for cell in cells}
    return len(occupied) / (L // block) ** 2


def configuration_statistics(spins: np.ndarray) -> dict[str, float]:
    """Energy per spin, mean absolute magnetisation and second-moment correlation length of lattices.

    Parameters
    ----------
    spins : array of int8, shape (n, L, L)

    Returns
    -------
    dict
        ``energy`` (per spin, J = 1), ``abs_m``, ``xi`` (lattice spacings of these lattices).
    """
    from .ising import energy, magnetization, second_moment_correlation_length

    s = check_spins(spins)
    if s.ndim != 3:
        raise ValueError(f"spins must have shape (n, L, L); got {s.shape}")
    n_sites = s.shape[1] * s.shape[2]
    return {
        "energy": float(np.mean(energy(s)) / n_sites),
        "abs_m": float(np.mean(np.abs(magnetization(s)))),
        "xi": second_moment_correlation_length(s),
    }


def dbn_versus_block_spins(
    dbn, spins: np.ndarray, blocks, *, seed: int | np.random.Generator | None = None
) -> dict[str, list]:
    """Measure a deep belief network against majority-rule block spins on the same data.

    For layer l (1-based) and block side ``blocks[l - 1]``:

    * the geometry of the layer's receptive fields (:func:`field_geometry`, medians over
      units) and :func:`tiling_coverage` of their centres;
    * statistics (:func:`configuration_statistics`) of configurations reconstructed through
      the layer: up by conditional means, down by conditional means, then one draw of each
      visible unit from its mean, so that the reconstructions are ±1 configurations with
      the same observables as data (means alone would shrink every spin towards zero);
    * the same statistics of the majority-rule block spins of the data, whose correlation
      length is also given in units of the original lattice (``xi_scaled`` = ξ · b).

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
    dict
        ``original`` (dict), and lists with one entry per layer: ``fields``,
        ``reconstructions``, ``block_spins``.
    """
    s = check_spins(spins)
    if s.ndim != 3:
        raise ValueError(f"spins must have shape (n, L, L); got {s.shape}")
    blocks = [check_int(b, "block", minimum=2) for b in blocks]
    if len(blocks) != len(dbn.layers):
        raise ValueError(f"give one block side per layer ({len(dbn.layers)}); got {len(blocks)}")
    rng = rng_from(seed)
    n, L, _ = s.shape
    flat = s.reshape(n, L * L)
    v = (flat + 1) // 2 if dbn.units == "binary" else flat
    out = {"original": configuration_statistics(s), "fields": [], "reconstructions": [], "block_spins": []}
    for layer, (fields, b) in enumerate(zip(dbn.receptive_fields(shape=(L, L)), blocks, strict=True), start=1):
        geo = field_geometry(fields, block=b)
        out["fields"].append(
            {
                "rms_radius": float(np.median(geo["rms_radius"])),
                "half_radius": float(np.median(geo["half_radius"])),
                "block_share": float(np.median(geo["block_share"])),
                "coverage": tiling_coverage(geo["centre"], L, b) if L % b == 0 else float("nan"),
            }
        )
        means = dbn.reconstruct(v, layer)
        p_up = means if dbn.units == "binary" else (1 + means) / 2
        recon = np.where(rng.random(p_up.shape) < p_up, 1, -1).astype(np.int8).reshape(n, L, L)
        out["reconstructions"].append(configuration_statistics(recon))
        blocked = configuration_statistics(majority_rule(s, b, seed=rng))
        blocked["xi_scaled"] = blocked["xi"] * b
        out["block_spins"].append(blocked)
    return out
