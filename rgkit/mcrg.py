"""Monte Carlo renormalization group: RG eigenvalues from samples and a coarse-graining map.

Swendsen's estimator (1979). Let :math:`S_\\alpha^{(n)}` be the operators of blocking level
n (sums over the lattice of products of spins) and :math:`K_\\alpha^{(n)}` the couplings of
the blocked Hamiltonian :math:`H^{(n)} = \\sum_\\alpha K_\\alpha^{(n)} S_\\alpha^{(n)}`. Differentiating
:math:`\\langle S_\\alpha^{(n)} \\rangle` with respect to the couplings of level n − 1 once
directly and once through the chain rule gives

.. math::

    \\begin{aligned}
    B_{\\alpha\\beta} &= \\sum_\\gamma A_{\\alpha\\gamma}\\, T_{\\gamma\\beta}, \\\\
    A_{\\alpha\\gamma} &= \\langle S_\\alpha^{(n)} S_\\gamma^{(n)} \\rangle_c, \\qquad
    B_{\\alpha\\beta} = \\langle S_\\alpha^{(n)} S_\\beta^{(n-1)} \\rangle_c, \\\\
    T_{\\gamma\\beta} &= \\frac{\\partial K_\\gamma^{(n)}}{\\partial K_\\beta^{(n-1)}},
    \\end{aligned}

so :math:`T = A^{-1} B` is measured from connected correlations alone. Its eigenvalues are
:math:`\\lambda = b^{y}`; even operators (products of an even number of spins) give the
thermal exponent :math:`y_t`, odd ones the magnetic exponent :math:`y_h`. The estimate is
exact when the blocked Hamiltonian lies in the span of the operators used; with a truncated
set it converges as operators are added, which :class:`MCRGResult` shows by reporting every
leading subset.

Operators are sums, not means, over the lattice. A per-site mean would divide the fine
operators by N and the coarse ones by N / b^d and scale every eigenvalue by b^-d; with the same
definition (a sum) on both levels, a rescaling of an operator is a similarity transform of T
and leaves its eigenvalues alone.

References
----------
R. H. Swendsen, "Monte Carlo renormalization group", Phys. Rev. Lett. 42, 859 (1979);
R. H. Swendsen, in *Real-Space Renormalization*, eds. T. W. Burkhardt and J. M. J. van
Leeuwen (Springer, 1982), pp. 57-86.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from numba import njit

from . import exact, rg, stats
from ._validate import check_int, check_spins, rng_from

Shape = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Operator:
    """One operator of the periodic square lattice: a sum over sites of products of spins.

    Attributes
    ----------
    name : str
    parity : {"even", "odd"}
        Whether each term is a product of an even or an odd number of spins.
    shapes : tuple of tuples of (row, column) offsets
        The terms at site x are the products :math:`\\prod_{(r, c) \\in \\text{shape}} s_{x + (r, c)}`,
        one per shape; the operator is their sum over all N sites x and all shapes. So an
        operator has ``len(shapes) * N`` terms, and its value on the all-up lattice is that
        number.
    definition : str
        The same in words.
    """

    name: str
    parity: str
    shapes: tuple[Shape, ...]
    definition: str

    @property
    def range(self) -> int:
        """Largest row or column distance between two spins of one term.

        A lattice of side L supports the operator if L ≥ 2 range + 1: then every difference
        vector with components in [−range, range] is distinct modulo L, so no term wraps onto
        itself and no two operators of range at most ``range`` coincide (at L = 3 the
        distance-2 pair (0, 2) would be the nearest-neighbour pair (0, −1)).
        """
        return max(max(max(p) - min(p) for p in zip(*shape, strict=True)) for shape in self.shapes)

    @property
    def min_side(self) -> int:
        """Smallest lattice side that supports the operator: 2 range + 1."""
        return 2 * self.range + 1


def _pairs(*offsets: tuple[int, int]) -> tuple[Shape, ...]:
    return tuple(((0, 0), d) for d in offsets)


_SQUARE = ((0, 0), (0, 1), (1, 0), (1, 1))

#: The module's operators by name (read-only), even ones first. Within a parity this is the
#: order in which :func:`mcrg` adds them for its per-operator-count estimates: the order of
#: Swendsen's tables (nearest, next-nearest and third neighbours, then the plaquette), then
#: longer pairs; for the odd ones the magnetisation, then the three- and five-spin products.
OPERATORS: Mapping[str, Operator] = MappingProxyType(
    {
        op.name: op
        for op in (
            Operator(
                "nn", "even", _pairs((0, 1), (1, 0)), "nearest-neighbour pairs s_x s_{x+(0,1)} + s_x s_{x+(1,0)}; 2N"
            ),
            Operator(
                "nnn", "even", _pairs((1, 1), (1, -1)), "next-nearest (diagonal) pairs, offsets (1, 1) and (1, -1); 2N"
            ),
            Operator("third", "even", _pairs((0, 2), (2, 0)), "third neighbours, distance 2 along an axis; 2N"),
            Operator("plaquette", "even", (_SQUARE,), "product of the four spins of each unit square; N"),
            Operator("knight", "even", _pairs((1, 2), (2, 1), (1, -2), (2, -1)), "pairs at distance sqrt 5; 4N"),
            Operator("diagonal2", "even", _pairs((2, 2), (2, -2)), "pairs at offsets (2, 2) and (2, -2); 2N"),
            Operator("magnetization", "odd", (((0, 0),),), "sum of the spins; N"),
            Operator(
                "plaquette_triples",
                "odd",
                tuple(tuple(p for p in _SQUARE if p != q) for q in _SQUARE),
                "the four three-spin products of each unit square: a spin times two of its nearest "
                "neighbours at a right angle; 4N",
            ),
            Operator(
                "line_triples",
                "odd",
                (((0, -1), (0, 0), (0, 1)), ((-1, 0), (0, 0), (1, 0))),
                "three spins in a row along an axis; 2N",
            ),
            Operator(
                "cross",
                "odd",
                (((0, 0), (0, 1), (0, -1), (1, 0), (-1, 0)),),
                "a spin times its four nearest neighbours; N",
            ),
        )
    }
)
#: Names of the even operators (thermal, y_t), in order.
EVEN_OPERATORS: tuple[str, ...] = tuple(k for k, op in OPERATORS.items() if op.parity == "even")
#: Names of the odd operators (magnetic, y_h), in order.
ODD_OPERATORS: tuple[str, ...] = tuple(k for k, op in OPERATORS.items() if op.parity == "odd")


def _check_names(operators: object) -> tuple[str, ...]:
    if operators is None:
        return tuple(OPERATORS)
    if isinstance(operators, str) or not isinstance(operators, Sequence):
        raise TypeError(f"operators must be a sequence of operator names from {tuple(OPERATORS)}; got {operators!r}")
    names = tuple(operators)
    unknown = [n for n in names if n not in OPERATORS]
    if unknown:
        raise ValueError(f"unknown operators {unknown}; the module's operators are {tuple(OPERATORS)}")
    if len(set(names)) != len(names) or not names:
        raise ValueError(f"operators must be a non-empty list of distinct names; got {names}")
    return names


def supported_operators(L: int, operators: Sequence[str] | None = None) -> tuple[str, ...]:
    """The operators (of ``operators``, in their order) that a periodic L×L lattice supports.

    Parameters
    ----------
    L : int
        Lattice side, at least 1.
    operators : sequence of str or None
        Names from :data:`OPERATORS`; ``None`` for all.

    Returns
    -------
    tuple of str
        Those with ``L >= 2 * range + 1`` (see :attr:`Operator.range`).

    Examples
    --------
    >>> supported_operators(4)
    ('nn', 'nnn', 'plaquette', 'magnetization', 'plaquette_triples')
    """
    L = check_int(L, "L", minimum=1)
    return tuple(n for n in _check_names(operators) if OPERATORS[n].min_side <= L)


@njit(cache=True, nogil=True)
def _operator_sums(s, rows, cols, starts, owner, pad, out):
    # Each configuration is copied once into a periodically padded array, so that a term's
    # spins along a row are contiguous and the innermost loop has no wrap-around branches
    # (numba vectorises it). Products of ±1 fit in int8; the sums accumulate exactly in int64.
    n, L, _ = s.shape
    width = L + 2 * pad
    padded = np.empty((width, width), np.int8)
    row = np.empty(L, np.int8)
    for c in range(n):
        for x in range(width):
            xs = (x - pad + L) % L
            for y in range(width):
                padded[x, y] = s[c, xs, (y - pad + L) % L]
        for t in range(owner.size):
            total = 0
            for x in range(L):
                row[:] = 1
                for j in range(starts[t], starts[t + 1]):
                    r = x + rows[j] + pad
                    shift = cols[j] + pad
                    for y in range(L):
                        row[y] *= padded[r, y + shift]
                for y in range(L):
                    total += row[y]
            out[c, owner[t]] += total


def operator_sums(spins: np.ndarray, operators: Sequence[str] | None = None) -> np.ndarray:
    """Per-configuration sums of the named operators on periodic square lattices.

    Parameters
    ----------
    spins : array of int8 ±1, shape (n, L, L)
    operators : sequence of str or None
        Names from :data:`OPERATORS` (see each :class:`Operator`'s ``definition``); ``None`` for
        all that the lattice supports.

    Returns
    -------
    ndarray of float64, shape (n, len(operators))
        Column j holds the sum over the lattice of operator j for each configuration (a sum,
        not a mean: see the module's note).

    Raises
    ------
    TypeError
        For non-integer spins or ``operators`` not a sequence of names.
    ValueError
        For spins not ±1 of shape (n, L, L), unknown names, or an operator the lattice does not
        support (L < 2 range + 1).

    Examples
    --------
    >>> spins = np.ones((1, 4, 4), dtype=np.int8)
    >>> operator_sums(spins, ["nn", "plaquette", "magnetization"])
    array([[32., 16., 16.]])
    """
    s = check_spins(spins, dim=2).astype(np.int8, copy=False)
    L = s.shape[1]
    names = supported_operators(L) if operators is None else _check_names(operators)
    too_big = [n for n in names if OPERATORS[n].min_side > L]
    if too_big:
        raise ValueError(
            f"a {L}x{L} lattice does not support {too_big}: an operator of range r needs L >= 2r + 1 "
            f"(supported here: {supported_operators(L)})"
        )
    rows, cols, starts, owner = [], [], [0], []
    for j, name in enumerate(names):
        for shape in OPERATORS[name].shapes:
            rows += [r for r, _ in shape]
            cols += [c for _, c in shape]
            starts.append(len(rows))
            owner.append(j)
    out = np.zeros((s.shape[0], len(names)))
    pad = max(abs(v) for v in rows + cols)
    _operator_sums(s, np.array(rows), np.array(cols), np.array(starts), np.array(owner), pad, out)
    return out


# ----------------------------------------------------------------------------- the estimator
def _check_weights(weights: object, n: int) -> np.ndarray:
    w = np.asarray(weights)
    if w.dtype.kind not in "biuf":
        raise TypeError(f"weights must be a real array; got dtype {w.dtype}")
    if w.shape != (n,):
        raise ValueError(f"weights must have shape ({n},), one per sample; got {w.shape}")
    w = w.astype(np.float64)
    if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError("weights must be finite and non-negative with a positive sum")
    return w


def _moments(x: np.ndarray, w: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Weighted zeroth, first and second moments (sum w, sum w x, sum w x xᵀ) of rows of x."""
    wx = w[:, None] * x
    return float(w.sum()), wx.sum(axis=0), x.T @ wx


def _covariance(total: float, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    mean = first / total
    return second / total - np.outer(mean, mean)


def _transfer(cov: np.ndarray, coarse: np.ndarray, fine: np.ndarray) -> np.ndarray:
    """T = A⁻¹B from a covariance matrix and the column indices of the coarse and fine series."""
    A = cov[np.ix_(coarse, coarse)]
    B = cov[np.ix_(coarse, fine)]
    return np.linalg.solve(A, B)


def mcrg_matrix(fine: np.ndarray, coarse: np.ndarray, *, weights: np.ndarray | None = None) -> np.ndarray:
    """Swendsen's linearised RG map :math:`T = A^{-1}B` from operator series of two levels.

    .. math::

        \\begin{aligned}
        A_{\\alpha\\gamma} &= \\langle S'_\\alpha S'_\\gamma\\rangle
            - \\langle S'_\\alpha\\rangle\\langle S'_\\gamma\\rangle, \\\\
        B_{\\alpha\\beta} &= \\langle S'_\\alpha S_\\beta\\rangle
            - \\langle S'_\\alpha\\rangle\\langle S_\\beta\\rangle,
        \\end{aligned}

    with S the fine and S' the coarse operators and averages weighted by ``weights``. Then
    :math:`T_{\\gamma\\beta} = \\partial K'_\\gamma / \\partial K_\\beta`: row γ is a coarse
    coupling, column β a fine one. The result is exact when the coarse Hamiltonian lies in the
    span of the coarse operators and the averages are exact (enumeration with Boltzmann
    weights); with Monte Carlo samples it is a consistent estimate.

    Parameters
    ----------
    fine : array of float, shape (n, k)
        Operator sums of the fine configurations, one column per operator.
    coarse : array of float, shape (n, k)
        The same operators on the coarse-grained configuration of each row (same columns).
    weights : array of float, shape (n,), or None
        Non-negative weight of each row (e.g. the Boltzmann weight of an enumerated
        configuration times the probability of its blocking); ``None`` for equal weights
        (samples drawn from the distribution).

    Returns
    -------
    ndarray of float64, shape (k, k)
        T, with ``T[γ, β] = ∂K'_γ / ∂K_β``.

    Raises
    ------
    TypeError
        For non-numeric arrays.
    ValueError
        For shapes that are not (n, k) and equal, fewer than k + 1 rows, non-finite values, bad
        weights, or coarse operators that are linearly dependent on these rows (A singular).

    References
    ----------
    R. H. Swendsen, Phys. Rev. Lett. 42, 859 (1979).

    Examples
    --------
    A one-operator series whose coarse part copies the fine one has T = 1:

    >>> x = np.arange(8.0)[:, None]
    >>> mcrg_matrix(x, x)
    array([[1.]])
    """
    arrays = []
    for name, value in (("fine", fine), ("coarse", coarse)):
        arr = np.asarray(value)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"{name} must be a real array of operator sums; got dtype {arr.dtype}")
        if arr.ndim != 2:
            raise ValueError(f"{name} must have shape (n_samples, n_operators); got {arr.shape}")
        arrays.append(arr.astype(np.float64))
    f, c = arrays
    if f.shape != c.shape:
        raise ValueError(
            f"fine and coarse must have the same shape (same samples, same operators); got {f.shape} and {c.shape}"
        )
    n, k = f.shape
    if k < 1 or n < k + 1:
        raise ValueError(f"need at least one operator and more samples than operators; got shape {f.shape}")
    if not (np.all(np.isfinite(f)) and np.all(np.isfinite(c))):
        raise ValueError("fine and coarse must be finite")
    w = np.ones(n) if weights is None else _check_weights(weights, n)
    x = np.concatenate([c, f], axis=1)
    x -= (w @ x) / w.sum()  # centred first: raw second moments of sums of order N would cancel badly
    try:
        return _transfer(_covariance(*_moments(x, w)), np.arange(k), np.arange(k, 2 * k))
    except np.linalg.LinAlgError:
        raise ValueError("the coarse operators are linearly dependent on these samples (A is singular)") from None


def leading_eigenvalue(T: np.ndarray) -> float:
    """The eigenvalue of T with the largest real part; for a complex pair, their common real part.

    A linearised RG map at a fixed point has real eigenvalues; a complex leading pair comes from
    statistical noise or truncation, and its real part (the mean of the pair) is the estimate
    that stays continuous as the imaginary part closes to zero.

    Parameters
    ----------
    T : array of float, shape (k, k)

    Returns
    -------
    float

    Examples
    --------
    >>> leading_eigenvalue(np.array([[2.0, 1.0], [0.0, 3.0]]))
    3.0
    """
    T = np.asarray(T, dtype=np.float64)
    if T.ndim != 2 or T.shape[0] != T.shape[1] or T.size == 0:
        raise ValueError(f"T must be a non-empty square matrix; got shape {T.shape}")
    if not np.all(np.isfinite(T)):
        return float("nan")
    return float(np.linalg.eigvals(T).real.max())


def scaling_exponent(eigenvalue: float, b: float) -> float:
    """:math:`y = \\ln\\lambda / \\ln b`, or NaN for a non-positive eigenvalue.

    Examples
    --------
    >>> scaling_exponent(2.0, 2)
    1.0
    """
    if not eigenvalue > 0:
        return float("nan")
    return float(np.log(eigenvalue) / np.log(b))


# ----------------------------------------------------------------------------- the pipeline
Transform = Callable[[np.ndarray], np.ndarray]


def _check_levels(sides: tuple[int, ...], names: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split ``names`` by parity; each parity needs an operator that the coarsest side supports."""
    groups = tuple(tuple(nm for nm in names if OPERATORS[nm].parity == p) for p in ("even", "odd"))
    for parity, group in zip(("even", "odd"), groups, strict=True):
        if not group:
            raise ValueError(f"operators must include at least one {parity} operator; got {names}")
        if not supported_operators(sides[-1], group):
            need = min(OPERATORS[nm].min_side for nm in group)
            raise ValueError(
                f"after {len(sides) - 1} blockings the lattice side is {sides[-1]}, too small for any of the "
                f"{parity} operators {group} (the smallest needs side {need}): use fewer levels"
            )
    return groups


@dataclass(frozen=True)
class BlockedSums:
    """Operator sums of samples and of their blockings, level by level: all MCRG needs of the spins.

    Small enough to cache where the spins are not (n × about ten floats per level), and the
    input of :func:`mcrg_from_sums`. Built by :func:`blocked_sums`; a cache can rebuild one from
    its fields, which are checked for consistency.

    Attributes
    ----------
    b : int
        Block side.
    sides : tuple of int, length n_levels + 1
        Lattice side of each level, ``sides[i + 1] = sides[i] // b``.
    operators : tuple of str
        The requested operators, in order.
    sums : tuple of ndarray of float64, level i of shape (n, len(level_operators(i)))
        Per-sample sums of the operators that level i supports, same samples in the same order
        at every level.
    """

    b: int
    sides: tuple[int, ...]
    operators: tuple[str, ...]
    sums: tuple[np.ndarray, ...]

    def __post_init__(self) -> None:
        b = check_int(self.b, "b", minimum=2)
        names = _check_names(self.operators)
        sides = tuple(check_int(x, "sides", minimum=1) for x in self.sides)
        if len(sides) < 2 or any(big != small * b for big, small in zip(sides, sides[1:], strict=False)):
            raise ValueError(f"sides must be at least two lattice sides, each b = {b} times the next; got {sides}")
        _check_levels(sides, names)
        if len(self.sums) != len(sides):
            raise ValueError(f"sums must hold one array per level ({len(sides)}); got {len(self.sums)}")
        sums = []
        for i, arr in enumerate(self.sums):
            arr = np.asarray(arr, dtype=np.float64)
            shape = (len(self.sums[0]), len(supported_operators(sides[i], names)))
            if arr.shape != shape:
                raise ValueError(f"sums[{i}] must have shape {shape} (samples, supported operators); got {arr.shape}")
            arr = arr.copy()
            arr.flags.writeable = False
            sums.append(arr)
        object.__setattr__(self, "sides", sides)
        object.__setattr__(self, "operators", names)
        object.__setattr__(self, "sums", tuple(sums))

    @property
    def n_samples(self) -> int:
        """Number of samples n."""
        return self.sums[0].shape[0]

    def level_operators(self, level: int) -> tuple[str, ...]:
        """Names of the columns of ``sums[level]``: the requested operators that its side supports."""
        level = check_int(level, "level", minimum=0, maximum=len(self.sides) - 1)
        return supported_operators(self.sides[level], self.operators)


def _check_transforms(transform: object, n_levels: int) -> list[Transform] | None:
    if transform is None:
        return None
    if callable(transform):
        return [transform] * n_levels
    if isinstance(transform, Sequence) and not isinstance(transform, str):
        maps = list(transform)
        if len(maps) != n_levels:
            raise ValueError(f"transform must be one callable or a sequence of n_levels = {n_levels}; got {len(maps)}")
        if not all(callable(m) for m in maps):
            raise TypeError("every entry of transform must be callable (n, L, L) -> (n, L/b, L/b)")
        return maps
    raise TypeError(
        f"transform must be None, a callable, or a sequence of n_levels callables; got {type(transform).__name__}"
    )


def _check_blocked(out: object, shape: tuple[int, int, int], level: int) -> np.ndarray:
    arr = np.asarray(out)
    where = f"the transform of level {level} "
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{where}must return integer ±1 spins (int8); got dtype {arr.dtype}")
    if arr.shape != shape:
        raise ValueError(f"{where}must return shape {shape}; got {arr.shape}")
    if not np.all((arr == 1) | (arr == -1)):
        raise ValueError(f"{where}must return only -1 and 1")
    return arr.astype(np.int8, copy=False)


def blocked_sums(
    spins: np.ndarray,
    b: int,
    n_levels: int,
    *,
    transform: Transform | Sequence[Transform] | None = None,
    seed: int | np.random.Generator | None = None,
    operators: Sequence[str] | None = None,
) -> BlockedSums:
    """Block samples ``n_levels`` times and measure the operators at every level.

    Parameters
    ----------
    spins : array of int8 ±1, shape (n, L, L)
        Samples, in the order they were drawn.
    b : int
        Block side, at least 2; L must be divisible by b ** n_levels.
    n_levels : int
        Number of blocking steps, at least 1. The coarsest lattice must support at least one
        requested even and one odd operator (side 3 for ``nn`` and ``magnetization``).
    transform : callable, sequence of callables, or None
        The coarse-graining map: a callable taking int8 spins (n, L, L) to ±1 integer spins
        (n, L/b, L/b), applied at every level, or a sequence of ``n_levels`` such callables,
        one per level. ``None``: majority rule (:func:`rgkit.rg.majority_rule`) with ties
        broken by fair coins drawn from ``seed``.
    seed : int, Generator or None
        Feeds the majority rule's tie-breaks; unused with a transform.
    operators : sequence of str or None
        Names from :data:`OPERATORS`, at least one even and one odd; ``None`` for all.

    Returns
    -------
    BlockedSums

    Raises
    ------
    TypeError
        For non-integer spins, b or n_levels, a transform that is not callable, or one that
        returns non-integer spins.
    ValueError
        For spins not ±1 of shape (n, L, L), L not divisible by b ** n_levels, a coarsest
        lattice too small for the operators, or a transform returning the wrong shape or values
        other than ±1.
    """
    s = check_spins(spins, dim=2).astype(np.int8, copy=False)
    b = check_int(b, "b", minimum=2)
    n_levels = check_int(n_levels, "n_levels", minimum=1)
    names = _check_names(operators)
    maps = _check_transforms(transform, n_levels)
    n, L, _ = s.shape
    if L % b:
        raise ValueError(f"the lattice side L = {L} must be divisible by the block side b = {b}")
    if L % b**n_levels:
        raise ValueError(
            f"the lattice side L = {L} must be divisible by b ** n_levels = {b}**{n_levels} = {b**n_levels} "
            f"to block {n_levels} times"
        )
    sides = tuple(L // b**i for i in range(n_levels + 1))
    _check_levels(sides, names)
    rng = rng_from(seed)
    sums = [operator_sums(s, supported_operators(sides[0], names))]
    current = s
    for i in range(n_levels):
        shape = (n, sides[i + 1], sides[i + 1])
        current = rg.majority_rule(current, b, seed=rng) if maps is None else _check_blocked(maps[i](current), shape, i)
        sums.append(operator_sums(current, supported_operators(sides[i + 1], names)))
    return BlockedSums(b=b, sides=sides, operators=names, sums=tuple(sums))


@dataclass(frozen=True)
class MCRGResult:
    """RG exponents, maps and error bars from :func:`mcrg` or :func:`mcrg_from_sums`.

    Level i is the lattice after i blockings (level 0 the input); entry i of the per-level
    arrays belongs to the map from level i to level i + 1. The map of level i uses the
    operators (of those requested) that the coarse side ``sides[i + 1]`` supports;
    ``n_even[i]`` and ``n_odd[i]`` say how many.

    Attributes
    ----------
    b : int
        Block side.
    sides : tuple of int, length n_levels + 1
        Lattice side of each level.
    even_operators, odd_operators : tuple of str
        The requested operators of each parity, in the order in which subsets grow.
    n_even, n_odd : ndarray of int, shape (n_levels,)
    y_t, y_t_err, y_h, y_h_err : ndarray of float, shape (n_levels,)
        Thermal and magnetic exponents from all supported operators, with jackknife errors.
    y_t_by_count, y_t_by_count_err : ndarray of float, shape (n_levels, len(even_operators))
        ``[i, k - 1]``: y_t from the first k even operators; NaN where k > ``n_even[i]``.
    y_h_by_count, y_h_by_count_err : ndarray of float, shape (n_levels, len(odd_operators))
        The same for y_h and the odd operators.
    T_even, T_odd : tuple of ndarray, shapes (n_even[i], n_even[i]) and (n_odd[i], n_odd[i])
        The maps from all supported operators, ``T[γ, β] = ∂K^(i+1)_γ / ∂K^(i)_β``.
    eigenvalues_even, eigenvalues_odd : tuple of ndarray of complex
        Their eigenvalues, largest real part first.
    n_samples, n_blocks : int
        Samples used and contiguous jackknife blocks.
    """

    b: int
    sides: tuple[int, ...]
    even_operators: tuple[str, ...]
    odd_operators: tuple[str, ...]
    n_even: np.ndarray
    n_odd: np.ndarray
    y_t: np.ndarray
    y_t_err: np.ndarray
    y_h: np.ndarray
    y_h_err: np.ndarray
    y_t_by_count: np.ndarray
    y_t_by_count_err: np.ndarray
    y_h_by_count: np.ndarray
    y_h_by_count_err: np.ndarray
    T_even: tuple[np.ndarray, ...]
    T_odd: tuple[np.ndarray, ...]
    eigenvalues_even: tuple[np.ndarray, ...]
    eigenvalues_odd: tuple[np.ndarray, ...]
    n_samples: int
    n_blocks: int

    def __post_init__(self) -> None:
        for value in vars(self).values():
            for arr in value if isinstance(value, tuple) else (value,):
                if isinstance(arr, np.ndarray):
                    arr.flags.writeable = False


def _jackknife(values: np.ndarray) -> np.ndarray:
    """Jackknife standard error over the leading axis of leave-one-block-out estimates."""
    m = values.shape[0]
    return np.sqrt((m - 1) / m * np.sum((values - values.mean(axis=0)) ** 2, axis=0))


def _exponents(cov: np.ndarray, coarse: np.ndarray, fine: np.ndarray, b: int) -> np.ndarray:
    """y from the first k operators, k = 1..len(coarse); NaN where A is singular."""
    out = np.full(len(coarse), np.nan)
    for k in range(1, len(coarse) + 1):
        try:
            T = _transfer(cov, coarse[:k], fine[:k])
        except np.linalg.LinAlgError:
            continue
        out[k - 1] = scaling_exponent(leading_eigenvalue(T), b)
    return out


def mcrg_from_sums(sums: BlockedSums, *, n_blocks: int = 32) -> MCRGResult:
    """Monte Carlo RG exponents of every level from the blocked operator sums.

    For each map from level i to i + 1, Swendsen's :math:`T = A^{-1}B` (:func:`mcrg_matrix`) is
    formed separately from the even and from the odd operators (at zero field they do not mix),
    with every requested operator that the coarse lattice supports and with every leading
    subset of them; y = ln λ / ln b of the leading eigenvalue (:func:`leading_eigenvalue`).
    Connected correlations subtract the sample means, also of odd operators, so a transform that
    is not symmetric under a global flip is estimated correctly.

    Error bars are a jackknife over ``n_blocks`` contiguous blocks of samples: each block is
    left out in turn and every estimate is recomputed from moment sums. Contiguous blocks absorb
    the autocorrelation of the input series when a block is much longer than its
    autocorrelation time; samples from :func:`rgkit.mc.sample` are already thinned to two
    autocorrelation times of the energy, so blocks of tens of samples are effectively
    independent.

    Parameters
    ----------
    sums : BlockedSums
        From :func:`blocked_sums`.
    n_blocks : int
        Jackknife blocks, at least 2, with at least two samples each.

    Returns
    -------
    MCRGResult

    Raises
    ------
    TypeError
        If ``sums`` is not a :class:`BlockedSums` or ``n_blocks`` not an integer.
    ValueError
        For fewer than 2 ``n_blocks`` samples.

    References
    ----------
    R. H. Swendsen, Phys. Rev. Lett. 42, 859 (1979).
    """
    if not isinstance(sums, BlockedSums):
        raise TypeError(f"sums must be a BlockedSums (from blocked_sums); got {type(sums).__name__}")
    n_blocks = check_int(n_blocks, "n_blocks", minimum=2)
    n = sums.n_samples
    if n < 2 * n_blocks:
        raise ValueError(
            f"need at least 2 * n_blocks = {2 * n_blocks} samples for a jackknife over {n_blocks} blocks; got {n}"
        )
    b, sides, n_levels = sums.b, sums.sides, len(sums.sides) - 1
    even, odd = _check_levels(sides, sums.operators)
    edges = np.linspace(0, n, n_blocks + 1).astype(int)  # as rgkit.stats.jackknife
    shape_t, shape_h = (n_levels, len(even)), (n_levels, len(odd))
    out = {
        key: np.full(shape, np.nan)
        for key, shape in (("t", shape_t), ("t_err", shape_t), ("h", shape_h), ("h_err", shape_h))
    }
    T_even, T_odd, eig_even, eig_odd, n_even, n_odd = [], [], [], [], [], []
    for i in range(n_levels):
        fine_names, coarse_names = sums.level_operators(i), sums.level_operators(i + 1)
        fine_cols = [fine_names.index(nm) for nm in coarse_names]
        # Columns: the coarse sums, then the same operators on the fine lattice.
        x = np.concatenate([sums.sums[i + 1], sums.sums[i][:, fine_cols]], axis=1)
        x -= x.mean(axis=0)  # centred first: raw second moments of sums of order N would cancel badly
        m = len(coarse_names)
        blocks = [_moments(x[a:z], np.ones(z - a)) for a, z in zip(edges[:-1], edges[1:], strict=True)]
        total = tuple(sum(parts) for parts in zip(*blocks, strict=True))
        cov = _covariance(*total)
        # Leave one block out by subtracting its moments: n_blocks covariances for the price of one pass.
        leave_out = [_covariance(*(t - p for t, p in zip(total, part, strict=True))) for part in blocks]
        for parity, key, T_list, eig_list, counts in (
            ("even", "t", T_even, eig_even, n_even),
            ("odd", "h", T_odd, eig_odd, n_odd),
        ):
            idx = np.array([j for j, nm in enumerate(coarse_names) if OPERATORS[nm].parity == parity])
            coarse_idx, fine_idx = idx, idx + m
            try:
                T = _transfer(cov, coarse_idx, fine_idx)
            except np.linalg.LinAlgError:  # e.g. a transform whose output is constant
                T = np.full((len(idx), len(idx)), np.nan)
            eig = np.linalg.eigvals(T) if np.all(np.isfinite(T)) else np.full(len(idx), np.nan, dtype=complex)
            T_list.append(T)
            eig_list.append(eig[np.argsort(-eig.real, kind="stable")])
            counts.append(len(idx))
            out[key][i, : len(idx)] = _exponents(cov, coarse_idx, fine_idx, b)
            jack = np.array([_exponents(c, coarse_idx, fine_idx, b) for c in leave_out])
            out[key + "_err"][i, : len(idx)] = _jackknife(jack)

    n_even, n_odd = np.array(n_even), np.array(n_odd)
    rows = np.arange(n_levels)
    return MCRGResult(
        b=b,
        sides=sides,
        even_operators=even,
        odd_operators=odd,
        n_even=n_even,
        n_odd=n_odd,
        y_t=out["t"][rows, n_even - 1].copy(),
        y_t_err=out["t_err"][rows, n_even - 1].copy(),
        y_h=out["h"][rows, n_odd - 1].copy(),
        y_h_err=out["h_err"][rows, n_odd - 1].copy(),
        y_t_by_count=out["t"],
        y_t_by_count_err=out["t_err"],
        y_h_by_count=out["h"],
        y_h_by_count_err=out["h_err"],
        T_even=tuple(T_even),
        T_odd=tuple(T_odd),
        eigenvalues_even=tuple(eig_even),
        eigenvalues_odd=tuple(eig_odd),
        n_samples=n,
        n_blocks=n_blocks,
    )


def mcrg(
    spins: np.ndarray,
    b: int,
    n_levels: int,
    *,
    transform: Transform | Sequence[Transform] | None = None,
    seed: int | np.random.Generator | None = None,
    operators: Sequence[str] | None = None,
    n_blocks: int = 32,
) -> MCRGResult:
    """Monte Carlo RG: the exponents y_t and y_h of every blocking level, from samples.

    :func:`blocked_sums` followed by :func:`mcrg_from_sums` (see both for the details): the
    samples are blocked ``n_levels`` times, the operators measured at every level, and T, its
    eigenvalues and the exponents estimated with jackknife errors, by level and by number of
    operators.

    Parameters
    ----------
    spins : array of int8 ±1, shape (n, L, L)
        Equilibrium samples, in the order they were drawn; n ≥ 2 ``n_blocks``.
    b : int
        Block side, at least 2; L must be divisible by b ** n_levels.
    n_levels : int
        Number of blocking steps, at least 1; the coarsest side must be at least 3 with the
        default operators.
    transform : callable, sequence of callables, or None
        A callable (n, L, L) → (n, L/b, L/b) of integer ±1 spins applied at every level, or a
        sequence of ``n_levels`` of them; ``None`` for majority rule with fair random ties.
    seed : int, Generator or None
        Feeds the majority rule's tie-breaks; unused with a transform.
    operators : sequence of str or None
        Names from :data:`OPERATORS`, in the order in which the per-count estimates add them;
        at least one even and one odd. ``None``: all of them, in the table's order.
    n_blocks : int
        Jackknife blocks, at least 2.

    Returns
    -------
    MCRGResult

    Raises
    ------
    TypeError
        For non-integer spins, a non-integer b, n_levels or n_blocks, a transform that is not
        callable, or one that returns non-integer spins.
    ValueError
        For spins not ±1 of shape (n, L, L), L not divisible by b ** n_levels, fewer than
        2 ``n_blocks`` samples, a coarsest lattice too small for the operators, or a transform
        returning the wrong shape or values other than ±1.

    References
    ----------
    R. H. Swendsen, Phys. Rev. Lett. 42, 859 (1979).

    Examples
    --------
    >>> from rgkit import mc
    >>> from rgkit.exact import KC
    >>> s = mc.sample(16, KC, 64, seed=0, progress=False)
    >>> r = mcrg(s, 2, 2, seed=0, n_blocks=8)
    >>> r.sides, r.y_t.shape, r.n_even.tolist(), r.n_odd.tolist()
    ((16, 8, 4), (2,), [6, 3], [4, 2])
    """
    n_blocks = check_int(n_blocks, "n_blocks", minimum=2)
    n = np.shape(spins)[0] if np.ndim(spins) >= 1 else 0
    if n < 2 * n_blocks:  # before the blocking, which is the costly part
        raise ValueError(
            f"need at least 2 * n_blocks = {2 * n_blocks} samples for a jackknife over {n_blocks} blocks; got {n}"
        )
    sums = blocked_sums(spins, b, n_levels, transform=transform, seed=seed, operators=operators)
    return mcrg_from_sums(sums, n_blocks=n_blocks)


# ----------------------------------------------------------------------------- the flow of one coupling
def max_levels(L: int, b: int, *, min_side: int = 3) -> int:
    """The most blockings with side ``b`` that ``L`` allows, every level's side at least ``min_side``.

    Examples
    --------
    >>> max_levels(128, 2), max_levels(162, 3)
    (5, 3)
    >>> max_levels(64, 2, min_side=8)
    3
    """
    b = check_int(b, "b", minimum=2)
    min_side = check_int(min_side, "min_side", minimum=1)
    L = check_int(L, "L", minimum=b * min_side)
    n = 0
    while L % b ** (n + 1) == 0 and L // b ** (n + 1) >= min_side:
        n += 1
    if n == 0:
        raise ValueError(f"L = {L} is not divisible by b = {b} with a coarse side of at least {min_side}")
    return n


@dataclass(frozen=True)
class EffectiveCouplings:
    """Nearest-neighbour couplings read from every level of a :class:`BlockedSums`.

    Attributes
    ----------
    K, K_err : ndarray of float64, shape (n_levels + 1,)
        The coupling of the nearest-neighbour torus of each level's side with the measured
        nearest-neighbour correlation (:func:`rgkit.exact.torus_coupling`), and its standard
        error: the binning error of the correlation divided by dc/dK = C / (2K²), C the exact
        specific heat of that torus.
    correlation, correlation_err : ndarray of float64, shape (n_levels + 1,)
        The measured nearest-neighbour correlation and its binning error.
    sides : tuple of int
    """

    K: np.ndarray
    K_err: np.ndarray
    correlation: np.ndarray
    correlation_err: np.ndarray
    sides: tuple[int, ...]


def effective_couplings(sums: BlockedSums, *, unreadable: str = "raise") -> EffectiveCouplings:
    """The exact thermometer applied to every level: each level's one effective coupling.

    Level n of the blocked samples is read as the nearest-neighbour Ising torus of its side
    whose nearest-neighbour correlation :math:`c_n` equals the measured one. The projection
    keeps one number per level: blocked Hamiltonians with further couplings but the same
    :math:`c_n` get the same K, so a fixed point of the measured map is a fixed point of this
    projection, not necessarily of the RG.

    Parameters
    ----------
    sums : BlockedSums
        With the ``"nn"`` operator at every level.
    unreadable : {"raise", "nan"}
        What a level whose measured correlation is outside (0, 1) gets: an error, or K = NaN
        (a learned map can produce such a level).

    Returns
    -------
    EffectiveCouplings

    Raises
    ------
    ValueError
        If a level lacks the nn operator, or, with ``unreadable="raise"``, a measured
        correlation is outside (0, 1) (no ferromagnetic nearest-neighbour torus has it).
    """
    if not isinstance(sums, BlockedSums):
        raise TypeError(f"sums must be a BlockedSums; got {type(sums).__name__}")
    if unreadable not in ("raise", "nan"):
        raise ValueError(f"unreadable must be 'raise' or 'nan'; got {unreadable!r}")
    K, K_err, c, c_err = [], [], [], []
    for level, side in enumerate(sums.sides):
        names = sums.level_operators(level)
        if "nn" not in names:
            raise ValueError(f"level {level} (side {side}) has no 'nn' operator; its operators are {names}")
        # The nn operator sums 2 side² bonds per configuration.
        bond = sums.sums[level][:, names.index("nn")] / (2 * side**2)
        mean, err = stats.binning_error(bond)
        if unreadable == "nan" and not 0 < mean < 1:
            K.append(np.nan), K_err.append(np.nan), c.append(mean), c_err.append(err)
            continue
        k = exact.torus_coupling(side, mean)
        K.append(k)
        K_err.append(err * 2 * k**2 / exact.torus_specific_heat(side, k))
        c.append(mean)
        c_err.append(err)
    return EffectiveCouplings(
        K=np.array(K), K_err=np.array(K_err), correlation=np.array(c), correlation_err=np.array(c_err), sides=sums.sides
    )


@dataclass(frozen=True)
class FlowCrossing:
    """Where a measured map K' = R(K) crosses the diagonal, from a weighted straight line.

    Attributes
    ----------
    K_star, K_star_err : float
        The crossing a / (1 − s) of the line K' = a + s K, and its standard error (linear
        propagation of the fit's covariance).
    slope, slope_err : float
        s, the eigenvalue of the linearised map at the crossing, and its standard error.
    """

    K_star: float
    K_star_err: float
    slope: float
    slope_err: float


def flow_crossing(K_in: np.ndarray, K_out: np.ndarray, K_out_err: np.ndarray) -> FlowCrossing:
    """Fixed point and slope of a measured one-coupling map near its crossing with K' = K.

    Fits K_out = a + s K_in by weighted least squares (weights 1/K_out_err, errors of K_in
    neglected) with the covariance taken from the given errors, not rescaled by the residuals.

    Parameters
    ----------
    K_in, K_out, K_out_err : array_like of float, shape (m,)
        At least three points near the crossing; positive errors.

    Returns
    -------
    FlowCrossing

    Raises
    ------
    ValueError
        For fewer than three points, unequal lengths, non-positive errors, or a slope of 1
        (no crossing).
    """
    x, y, e = (np.asarray(v, dtype=np.float64) for v in (K_in, K_out, K_out_err))
    if x.ndim != 1 or x.shape != y.shape or x.shape != e.shape:
        raise ValueError(f"K_in, K_out and K_out_err must be 1-D of one length; got {x.shape}, {y.shape}, {e.shape}")
    if len(x) < 3:
        raise ValueError(f"a crossing needs at least 3 points; got {len(x)}")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y)) and np.all(np.isfinite(e)) and np.all(e > 0)):
        raise ValueError("K_in and K_out must be finite and K_out_err finite and positive")
    (s, a), cov = np.polyfit(x, y, 1, w=1 / e, cov="unscaled")
    if abs(s - 1.0) < 1e-12:
        raise ValueError("the fitted map has slope 1: it does not cross the diagonal")
    grad = np.array([a / (1 - s) ** 2, 1 / (1 - s)])
    return FlowCrossing(
        K_star=float(a / (1 - s)),
        K_star_err=float(np.sqrt(grad @ cov @ grad)),
        slope=float(s),
        slope_err=float(np.sqrt(cov[0, 0])),
    )
