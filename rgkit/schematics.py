"""Schematic drawings of the book's networks: the RBM, the DBN stack, decimation, the mapping.

Each function draws with matplotlib alone, computes nothing random and returns the
``Figure``. The axes of a schematic span the whole figure in inches (one data unit is one
inch), so that the sizes written below are what a reader sees at 100 dpi. Figures are at
most 7 in wide with text of at least 10 pt, readable at the width of the text column.

Colours follow :mod:`rgkit.plot`: the visible layer in matplotlib's first colour (blue),
the first hidden layer in its second (orange), deeper layers in the next ones. Artists
carry a ``gid`` naming their role (``"visible"``, ``"hidden"``, ``"weight"``, ``"layer"``,
...), which the tests count.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import isqrt

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch, Polygon

#: Edge colours of the layers, bottom (visible) first: matplotlib's C0, C1, C2, ...
LAYER_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")
#: Fill colours of the layers: light tints of :data:`LAYER_COLOURS`, dark text stays legible.
LAYER_FILLS = ("#c6dbef", "#fdd9b5", "#c7e9c0", "#f7c4c4", "#dcd0ea", "#e3cfc9")
_EDGE = "0.45"
_TEXT = 11  # points; the smallest text is 10


def _canvas(width: float, height: float):
    """A figure whose one axes fills it, with data coordinates in inches."""
    fig = plt.figure(figsize=(width, height), facecolor="white", layout="none")
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(0.0, width)
    ax.set_ylim(0.0, height)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


def _node(ax, x: float, y: float, r: float, label: str, layer: int, gid: str, *, size: float = _TEXT) -> None:
    ax.add_patch(
        Circle((x, y), r, facecolor=LAYER_FILLS[layer], edgecolor=LAYER_COLOURS[layer], lw=1.6, zorder=3, gid=gid)
    )
    ax.text(x, y, label, ha="center", va="center", fontsize=size, zorder=4)


def _arrow(ax, start, end, gid: str, *, colour: str = "0.2", style: str = "-|>", lw: float = 1.4, **kwargs):
    """An arrow from ``start`` to ``end`` exactly (no shrinking), so it touches what it joins."""
    arrow = FancyArrowPatch(
        start, end, arrowstyle=style, mutation_scale=14, color=colour, lw=lw, shrinkA=0, shrinkB=0, gid=gid, **kwargs
    )
    ax.add_patch(arrow)
    return arrow


def _box(ax, x: float, y: float, width: float, height: float, layer: int, gid: str):
    """A rounded box with lower-left corner (x, y); the rounding stays inside the given extent."""
    pad = 0.08
    box = FancyBboxPatch(
        (x + pad, y + pad),
        width - 2 * pad,
        height - 2 * pad,
        boxstyle=f"round,pad={pad}",
        facecolor=LAYER_FILLS[layer],
        edgecolor=LAYER_COLOURS[layer],
        lw=1.6,
        gid=gid,
    )
    ax.add_patch(box)
    return box


def _check_count(name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not low <= value <= high:
        raise ValueError(f"{name} must be an integer from {low} to {high}; got {value!r}")
    return int(value)


def rbm_graph(n_visible: int = 6, n_hidden: int = 4):
    """A restricted Boltzmann machine as a bipartite graph.

    The visible units :math:`v_i` (bottom row, with their biases :math:`a_i`) and the hidden
    units :math:`h_j` (top row, with :math:`b_j`) are joined by every edge :math:`W_{ij}`
    between the rows and by none within a row; the energy is written underneath.

    Parameters
    ----------
    n_visible, n_hidden : int
        Units in each row, from 1 to 10.

    Returns
    -------
    matplotlib.figure.Figure
        Circles with gid ``"visible"`` and ``"hidden"``, one line with gid ``"weight"`` per
        pair (i, j).

    Raises
    ------
    ValueError
        If a count is not an integer from 1 to 10.

    Examples
    --------
    >>> fig = rbm_graph(3, 2)
    >>> sum(a.get_gid() == "weight" for a in fig.axes[0].lines)
    6
    """
    n_v = _check_count("n_visible", n_visible, 1, 10)
    n_h = _check_count("n_hidden", n_hidden, 1, 10)
    spacing, r = 0.62, 0.21
    left = 1.45  # room for the row names, in inches
    width = max(left + spacing * (max(n_v, n_h) - 1) + r + 0.6, 5.2)
    fig, ax = _canvas(width, 3.45)
    centre = left + spacing * (max(n_v, n_h) - 1) / 2
    y_v, y_h = 1.25, 2.75
    xs_v = centre + spacing * (np.arange(n_v) - (n_v - 1) / 2)
    xs_h = centre + spacing * (np.arange(n_h) - (n_h - 1) / 2)
    for i, x in enumerate(xs_v):
        for j, xh in enumerate(xs_h):
            # One edge drawn darker and named, to say what every edge carries.
            named = i == 0 and j == 0
            ax.plot(
                [x, xh], [y_v + r, y_h - r], color="0.15" if named else _EDGE, lw=1.6 if named else 0.9, gid="weight"
            )
    x0, xh0 = xs_v[0], xs_h[0]
    ax.text(
        x0 + 0.3 * (xh0 - x0) - 0.08,
        y_v + r + 0.3 * (y_h - y_v - 2 * r),
        r"$W_{11}$",
        ha="right",
        va="center",
        fontsize=_TEXT,
    )
    for i, x in enumerate(xs_v, start=1):
        _node(ax, x, y_v, r, f"$v_{{{i}}}$", 0, "visible")
        ax.text(x, y_v - r - 0.08, f"$a_{{{i}}}$", ha="center", va="top", fontsize=10, color=LAYER_COLOURS[0])
    for j, x in enumerate(xs_h, start=1):
        _node(ax, x, y_h, r, f"$h_{{{j}}}$", 1, "hidden")
        ax.text(x, y_h + r + 0.08, f"$b_{{{j}}}$", ha="center", va="bottom", fontsize=10, color=LAYER_COLOURS[1])
    ax.text(0.15, y_h, "hidden $h$", ha="left", va="center", fontsize=_TEXT, color=LAYER_COLOURS[1])
    ax.text(0.15, y_v, "visible $v$", ha="left", va="center", fontsize=_TEXT, color=LAYER_COLOURS[0])
    ax.text(
        centre,
        0.3,
        r"$E_\lambda(v, h) = -\sum_i a_i v_i - \sum_j b_j h_j - \sum_{ij} v_i W_{ij} h_j$",
        ha="center",
        va="center",
        fontsize=_TEXT,
    )
    return fig


def _lattice_label(n: int) -> str:
    side = isqrt(n)
    return f"{side} × {side}" if side * side == n else ""


def dbn_stack(layers: Sequence[int] = (1600, 400, 100, 25)):
    """A deep belief network as a stack of RBMs (after Mehta and Schwab's Figure 3A).

    Each layer is a plane whose width grows with its lattice side, labelled with its name,
    its number of units and its lattice; an arrow :math:`p(h^{(\\ell)} \\mid h^{(\\ell-1)})`
    leads up from each layer to the next, one RBM per arrow.

    Parameters
    ----------
    layers : sequence of int
        Units per layer, visible layer first: two to six positive integers. A layer whose
        size is a perfect square is labelled with its lattice (1600 → 40 × 40).

    Returns
    -------
    matplotlib.figure.Figure
        One polygon with gid ``"layer"`` per layer, one arrow with gid ``"up"`` per RBM.

    Raises
    ------
    ValueError
        If ``layers`` does not hold two to six positive integers.

    References
    ----------
    P. Mehta and D. J. Schwab, "An exact mapping between the Variational Renormalization
    Group and Deep Learning", arXiv:1410.3831 (2014), Fig. 3A.
    """
    sizes = list(layers)
    if not 2 <= len(sizes) <= len(LAYER_COLOURS):
        raise ValueError(f"layers must hold two to {len(LAYER_COLOURS)} layer sizes; got {len(sizes)}")
    for k, n in enumerate(sizes):
        _check_count(f"layers[{k}]", n, 1, 10**7)
    sides = np.sqrt(np.asarray(sizes, dtype=np.float64))
    widths = 0.6 + 2.2 * sides / sides.max()  # the widest plane 2.8 in, the narrowest still 0.6 in
    depths = 0.16 + 0.18 * widths  # a plane seen at a slant
    gap = 0.62  # between planes, room for an arrow and its label
    width = 6.8
    height = 0.35 + float(depths.sum()) + gap * (len(sizes) - 1) + 0.3
    fig, ax = _canvas(width, height)
    x_mid = 3.0
    y = 0.35
    tops = []
    for k, (n, w, d) in enumerate(zip(sizes, widths, depths, strict=True)):
        shear = 0.3 * d
        corners = [
            (x_mid - w / 2 - shear, y),
            (x_mid + w / 2 - shear, y),
            (x_mid + w / 2 + shear, y + d),
            (x_mid - w / 2 + shear, y + d),
        ]
        ax.add_patch(
            Polygon(corners, closed=True, facecolor=LAYER_FILLS[k], edgecolor=LAYER_COLOURS[k], lw=1.6, gid="layer")
        )
        name = "visible $v$" if k == 0 else f"hidden $h^{{({k})}}$"
        ax.text(x_mid - 1.4 - 0.35, y + d / 2, name, ha="right", va="center", fontsize=_TEXT, color=LAYER_COLOURS[k])
        lattice = _lattice_label(n)
        detail = f"{n} units" + (f", {lattice}" if lattice else "")
        ax.text(x_mid + 1.4 + 0.4, y + d / 2, detail, ha="left", va="center", fontsize=_TEXT)
        tops.append((y, y + d))
        y += d + gap
    for k in range(1, len(sizes)):
        start, end = (x_mid, tops[k - 1][1]), (x_mid, tops[k][0])
        _arrow(ax, start, end, "up")
        below = "v" if k == 1 else f"h^{{({k - 1})}}"
        ax.text(
            x_mid + 0.12,
            (start[1] + end[1]) / 2,
            f"RBM {k}: $p(h^{{({k})}} \\mid {below})$",
            ha="left",
            va="center",
            fontsize=10,
        )
    return fig


def decimation_network(n_spins: int = 8):
    """Decimation of an Ising chain drawn as a deep network (after Mehta and Schwab's Figure 2).

    The visible chain :math:`v_1, \\dots, v_N` with coupling :math:`K`; a hidden layer of
    :math:`N/2` spins, :math:`h_j` joined to every second site :math:`v_{2j}` alone (the
    decimation kernel, :math:`h_j = v_{2j}`), whose chain has the coupling :math:`K'` with
    :math:`\\tanh K' = \\tanh^2 K`; and a second hidden layer :math:`h'` on top, the same
    again.

    Parameters
    ----------
    n_spins : int
        Visible spins: 4, 8, 12 or 16 (a multiple of four, so that both hidden layers are
        whole).

    Returns
    -------
    matplotlib.figure.Figure
        Circles with gid ``"visible"``, ``"hidden 1"``, ``"hidden 2"``; lines with gid
        ``"bond"`` (couplings within a layer, besides the dashed ``"stub"`` at each end) and
        ``"kernel"`` (between layers).

    Raises
    ------
    ValueError
        If ``n_spins`` is not 4, 8, 12 or 16.

    References
    ----------
    P. Mehta and D. J. Schwab, "An exact mapping between the Variational Renormalization
    Group and Deep Learning", arXiv:1410.3831 (2014), Fig. 2.
    """
    if isinstance(n_spins, bool) or not isinstance(n_spins, int | np.integer) or n_spins not in (4, 8, 12, 16):
        raise ValueError(f"n_spins must be 4, 8, 12 or 16; got {n_spins!r}")
    n = int(n_spins)
    spacing = 3.6 / (n - 1)  # the visible chain spans 3.6 in
    r = min(0.2, 0.36 * spacing)
    width = 7.0
    fig, ax = _canvas(width, 3.7)
    xs = 1.15 + spacing * np.arange(n)
    rows = [
        (0.6, xs, "visible", "$v$", "v"),
        (1.8, xs[1::2], "hidden 1", "$h$", "h"),
        (3.0, xs[3::4], "hidden 2", "$h'$", "h'"),
    ]
    couplings = ["$K$", "$K'$", "$K''$"]
    rules = ["", r"$\tanh K' = \tanh^2 K$", r"$\tanh K'' = \tanh^2 K'$"]
    label_size = 10 if r < 0.2 else _TEXT
    stub = 0.35
    for layer, (y, x_row, gid, name, symbol) in enumerate(rows):
        colour = LAYER_COLOURS[layer]
        # Bonds of the chain; dashed stubs at the ends say that it goes on (a ring, in the book).
        ends = [x_row[0] - stub, *x_row, x_row[-1] + stub]
        for k, (a, b) in enumerate(zip(ends[:-1], ends[1:], strict=True)):
            is_stub = k == 0 or k == len(ends) - 2
            ax.plot(
                [a, b],
                [y, y],
                color=colour,
                lw=1.4,
                ls=(0, (2, 2)) if is_stub else "-",
                gid="stub" if is_stub else "bond",
                zorder=1,
            )
        # The coupling's name above the first bond, clear of the circles and of the kernel lines.
        x_label = (x_row[0] + x_row[1]) / 2 if len(x_row) > 1 else x_row[0] + stub / 2 + r / 2
        ax.text(x_label, y + 0.06 + (r if layer == 0 else 0.0), couplings[layer], ha="center", va="bottom", fontsize=10)
        for k, x in enumerate(x_row, start=1):
            _node(ax, x, y, r, f"${symbol}_{{{k}}}$", layer, gid, size=label_size)
        ax.text(0.15, y, name, ha="left", va="center", fontsize=_TEXT, color=colour)
        if rules[layer]:
            ax.text(x_row[-1] + stub + 0.2, y, rules[layer], ha="left", va="center", fontsize=10)
    for (y_lo, *_), (y_hi, x_hi, *_) in zip(rows[:-1], rows[1:], strict=True):
        for x in x_hi:
            ax.plot([x, x], [y_lo + r, y_hi - r], color="0.15", lw=1.6, gid="kernel", zorder=2)
    for (y_lo, *_), (y_hi, x_hi, *_), text in zip(
        rows[:-1], rows[1:], [r"$h_j = v_{2j}$", r"$h'_k = h_{2k}$"], strict=True
    ):
        ax.text(x_hi[0] + 0.07, (y_lo + y_hi) / 2, text, ha="left", va="center", fontsize=10)
    return fig


def variational_mapping():
    """The variational RG beside the RBM: fine spins, kernel, coarse Hamiltonian, and the map between them.

    Left, the RG: fine spins :math:`v` with :math:`H(v)`, the kernel :math:`T_\\lambda(v,h)`
    leading to coarse spins :math:`h` with
    :math:`H^{RG}_\\lambda(h) = -\\ln \\mathrm{Tr}_v\\, e^{T_\\lambda(v,h) - H(v)}`. Right, the
    RBM: visible units with the data's :math:`H(v)`, the energy :math:`E_\\lambda(v,h)` and
    hidden units with :math:`H^{RBM}_\\lambda(h) = -\\ln \\mathrm{Tr}_v\\, e^{-E_\\lambda(v,h)}`.
    Between them, :math:`T_\\lambda = -E_\\lambda + H` makes the two coarse Hamiltonians equal.

    Returns
    -------
    matplotlib.figure.Figure
        Boxes with gid ``"box"`` (four), arrows with gid ``"kernel"`` (two, upward) and
        ``"map"`` (two, across).

    References
    ----------
    P. Mehta and D. J. Schwab, "An exact mapping between the Variational Renormalization
    Group and Deep Learning", arXiv:1410.3831 (2014), eqs. (8)–(11).
    """
    width, height = 7.0, 4.0
    fig, ax = _canvas(width, height)
    box_w, box_h = 2.75, 0.95
    x_left, x_right = 0.1, width - 0.1 - box_w
    y_low, y_high = 0.15, 2.45
    ax.text(x_left + box_w / 2, height - 0.12, "variational RG", ha="center", va="top", fontsize=12, weight="bold")
    ax.text(x_right + box_w / 2, height - 0.12, "RBM", ha="center", va="top", fontsize=12, weight="bold")
    boxes = {
        "fine": (x_left, y_low, 0, ["fine spins $v$", "$H(v)$"]),
        "coarse": (
            x_left,
            y_high,
            1,
            ["coarse spins $h$", r"$H^{RG}_\lambda(h) = -\ln \mathrm{Tr}_v\, e^{T_\lambda(v,h) - H(v)}$"],
        ),
        "visible": (x_right, y_low, 0, ["visible units $v$", r"data $P(v) \propto e^{-H(v)}$"]),
        "hidden": (
            x_right,
            y_high,
            1,
            ["hidden units $h$", r"$H^{RBM}_\lambda(h) = -\ln \mathrm{Tr}_v\, e^{-E_\lambda(v,h)}$"],
        ),
    }
    for x, y, layer, lines in boxes.values():
        _box(ax, x, y, box_w, box_h, layer, "box")
        ax.text(x + box_w / 2, y + 0.66, lines[0], ha="center", va="center", fontsize=_TEXT)
        ax.text(x + box_w / 2, y + 0.32, lines[1], ha="center", va="center", fontsize=10)
    mid_y = (y_low + box_h + y_high) / 2
    centres = (x_left + box_w / 2, x_right + box_w / 2)
    for x_c in centres:
        _arrow(ax, (x_c, y_low + box_h), (x_c, y_high), "kernel")
    ax.text(centres[0] - 0.1, mid_y + 0.2, r"kernel $T_\lambda(v, h)$", ha="right", va="center", fontsize=_TEXT)
    ax.text(centres[0] - 0.1, mid_y - 0.2, r"$\mathrm{Tr}_h\, e^{T_\lambda} = 1$", ha="right", va="center", fontsize=10)
    ax.text(centres[1] + 0.1, mid_y + 0.2, r"energy $E_\lambda(v, h)$", ha="left", va="center", fontsize=_TEXT)
    ax.text(centres[1] + 0.1, mid_y - 0.2, r"$p_\lambda(h \mid v)$", ha="left", va="center", fontsize=10)
    # Across: the RBM defines the kernel, and the two coarse Hamiltonians are then one.
    _arrow(ax, (centres[1], mid_y), (centres[0], mid_y), "map", colour="0.35", ls="--")
    ax.text(sum(centres) / 2, mid_y + 0.08, r"$T_\lambda = -E_\lambda + H$", ha="center", va="bottom", fontsize=_TEXT)
    gap_l, gap_r = x_left + box_w, x_right
    _arrow(ax, (gap_l, y_high + box_h / 2), (gap_r, y_high + box_h / 2), "map", style="<|-|>", colour="0.35")
    ax.text((gap_l + gap_r) / 2, y_high + box_h / 2 + 0.08, "equal", ha="center", va="bottom", fontsize=10)
    return fig
