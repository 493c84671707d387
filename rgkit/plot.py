"""The book's figures and tables: functions that draw what they are given.

Conventions: opaque white backgrounds (figures stay readable in the theme's dark mode),
spin images in plain black (+1) and white (−1), weights in a diverging map centred on zero
with one labelled colour bar per figure, everything else in viridis. Figures are at most
:data:`MAX_WIDTH` inches wide and their text at least :data:`SMALLEST_FONT` points, so that
shown at the width of the text column they stay readable; unit indices get integer ticks.
Functions return the matplotlib ``Figure`` and compute nothing but the layout; the numbers
come from the chapter.
"""

from __future__ import annotations

from binascii import b2a_base64
from collections.abc import Mapping, Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib import ticker

#: Diverging map for weights, centred on zero (use with a symmetric ``vmin``/``vmax``).
WEIGHTS_CMAP = "RdBu_r"
#: Sequential map for everything else.
SEQUENTIAL_CMAP = "viridis"
#: Map for spin images, +1 black and −1 white.
SPIN_CMAP = "gray_r"
#: Widest figure, in inches. The book shows a figure at the width of its text column, about
#: 7 in at 100 dpi on a desktop, so a wider figure is shrunk: at 7.5 in by 7 %, which keeps
#: text of :data:`SMALLEST_FONT` points above 9 points.
MAX_WIDTH = 7.5
#: Smallest font size (points) of any text in a figure: legends, ticks, panel titles.
SMALLEST_FONT = 10


def use_book_style(*, hidpi: bool = True) -> None:
    """Set matplotlib defaults for the book's figures.

    Figures get an opaque white background, a readable font size and the viridis colour map.

    Parameters
    ----------
    hidpi : bool
        When running in IPython (a notebook, or the book's build), show inline figures as PNGs
        of twice the pixels at the same displayed width, so that they are sharp on high-density
        screens. The PNG carries only its displayed width (half its pixel width) as metadata,
        not its height: the page then scales the height with the width, and a figure shrunk
        to a phone's column keeps its proportions. Outside IPython nothing more is done.

    Raises
    ------
    TypeError
        If ``hidpi`` is not a bool.
    """
    if not isinstance(hidpi, bool):
        raise TypeError(f"hidpi must be True or False; got {hidpi!r}")
    mpl.rcParams.update(
        {
            "figure.facecolor": "white",
            "axes.facecolor": "white",
            "savefig.facecolor": "white",
            "savefig.transparent": False,
            "figure.dpi": 100,
            "font.size": 11,
            "legend.fontsize": SMALLEST_FONT,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "image.cmap": SEQUENTIAL_CMAP,
            "figure.constrained_layout.use": True,
        }
    )
    if hidpi:
        _show_inline_figures_at_double_resolution()


def _hidpi_png(fig) -> tuple[str, dict[str, int]] | None:
    """A figure as a base64 PNG of twice its pixels, with its displayed width as metadata."""
    from IPython.core.pylabtools import print_figure

    png = print_figure(fig, fmt="retina", bbox_inches="tight")
    if png is None:  # an empty figure: IPython shows nothing for it
        return None
    pixel_width = int.from_bytes(png[16:20], "big")  # the IHDR chunk's width field
    return b2a_base64(png, newline=False).decode("ascii"), {"width": pixel_width // 2}


def _show_inline_figures_at_double_resolution() -> bool:
    """Register :func:`_hidpi_png` as the PNG formatter of figures in a running IPython.

    Returns whether a shell was found.
    """
    try:
        import IPython
    except ImportError:
        return False
    shell = IPython.get_ipython()
    if shell is None or not hasattr(shell, "display_formatter"):
        return False
    try:
        # Importing the inline backend activates it, and activation resets the PNG formatter;
        # it happens at the first figure unless it has happened already, so make it happen now.
        import matplotlib_inline.backend_inline  # noqa: F401
    except ImportError:
        pass
    from matplotlib.figure import Figure

    shell.display_formatter.formatters["image/png"].for_type(Figure, _hidpi_png)
    return True


def _figure(n_rows: int = 1, n_cols: int = 1, *, width: float, height: float, **kwargs):
    """``plt.subplots`` with constrained layout and the width capped at :data:`MAX_WIDTH`."""
    return plt.subplots(
        n_rows, n_cols, figsize=(min(width, MAX_WIDTH), height), layout="constrained", squeeze=False, **kwargs
    )


def _bare(ax) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)


def _integer_ticks(*axes) -> None:
    """Ticks only at whole numbers (steps, epochs, unit indices)."""
    for axis in axes:
        axis.set_major_locator(ticker.MaxNLocator(integer=True))


def _log_ticks_at(axis, values, *, max_ticks: int = 6) -> None:
    """On a log axis, label only (a thinned subset of) the given positive values, as plain numbers.

    The default log labels crowd when the axis spans about a decade (``3×10^1 4×10^1``).
    """
    v = np.unique(np.asarray(values, dtype=np.float64))
    v = v[v > 0][:: -(-v.size // max_ticks) or 1]
    axis.set_major_locator(ticker.FixedLocator(v))
    axis.set_major_formatter(ticker.FuncFormatter(lambda x, _: f"{x:g}"))
    axis.set_minor_locator(ticker.NullLocator())


def _log_labels(axis) -> None:
    """On a log axis, label at least two ticks and never the minor ones, which crowd (``2×10^1 3×10^1``).

    Call it after the data are drawn: it reads the axis limits.
    """
    lo, hi = axis.get_view_interval()
    if lo > 0 and np.floor(np.log10(hi)) - np.ceil(np.log10(lo)) < 1:  # fewer than two powers of ten inside
        axis.set_major_locator(ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
        axis.set_major_formatter(ticker.FuncFormatter(lambda x, _: f"{x:g}"))
    axis.set_minor_formatter(ticker.NullFormatter())


def _weight_colorbar(fig, axes, *, vmax: float | None, label: str):
    """One colour bar for all weight panels of a figure.

    With ``vmax`` the panels share the scale [−vmax, vmax]; without it each panel has its own
    symmetric scale and the bar reads in units of each panel's largest absolute value.
    """
    if vmax is None:
        norm = mpl.colors.Normalize(-1.0, 1.0)
        label = f"{label} / largest |{label}| of its panel"
    else:
        norm = mpl.colors.Normalize(-vmax, vmax)
    mappable = mpl.cm.ScalarMappable(norm=norm, cmap=WEIGHTS_CMAP)
    bar = fig.colorbar(mappable, ax=axes, shrink=0.8, label=label)
    if vmax is None:
        bar.set_ticks([-1.0, 0.0, 1.0])
    return bar


def spin_grid(
    rows: Sequence[np.ndarray],
    *,
    row_labels: Sequence[str] | None = None,
    col_labels: Sequence[str] | None = None,
    vmin: float = -1.0,
    vmax: float = 1.0,
    panel_size: float = 1.75,
):
    """Images of configurations in a grid: one row per entry of ``rows``, black is +1.

    Parameters
    ----------
    rows : sequence of arrays, each of shape (n_cols, h, w)
        The images of each row (rows may differ in h and w, not in n_cols). Values between
        ``vmin`` and ``vmax`` (means are drawn as greys).
    row_labels, col_labels : sequence of str, optional
        Written left of each row and above each column.
    vmin, vmax : float
        The values drawn white and black: −1 and 1 for spins, 0 and 1 for bits.
    panel_size : float
        Side of one panel in inches, reduced if the row would be wider than :data:`MAX_WIDTH`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    rows = [np.asarray(r) for r in rows]
    if not rows or any(r.ndim != 3 for r in rows) or len({len(r) for r in rows}) != 1:
        raise ValueError("rows must be a non-empty sequence of arrays of shape (n_cols, h, w) with equal n_cols")
    n_rows, n_cols = len(rows), len(rows[0])
    for name, labels, n in (("row_labels", row_labels, n_rows), ("col_labels", col_labels, n_cols)):
        if labels is not None and len(labels) != n:
            raise ValueError(f"{name} must have {n} entries; got {len(labels)}")
    margin = 0.3 if row_labels is not None else 0.0  # room for the row labels, in inches
    panel = min(panel_size, (MAX_WIDTH - margin) / n_cols)
    top = 0.3 if col_labels is not None else 0.0
    fig, axes = _figure(n_rows, n_cols, width=panel * n_cols + margin, height=panel * n_rows + top)
    for r, images in enumerate(rows):
        for c, image in enumerate(images):
            axes[r, c].imshow(image, cmap=SPIN_CMAP, vmin=vmin, vmax=vmax, interpolation="nearest")
            _bare(axes[r, c])
        if row_labels is not None:
            axes[r, 0].set_ylabel(row_labels[r])
    if col_labels is not None:
        for c, label in enumerate(col_labels):
            axes[0, c].set_title(label, fontsize="medium")
    return fig


def weight_grid(
    fields: np.ndarray,
    *,
    n_cols: int,
    titles: Sequence[str] | None = None,
    shared_scale: bool = False,
    panel_size: float = 1.6,
    colorbar: bool = True,
    label: str = "weight",
):
    """Receptive fields or weight vectors as images in a diverging map centred on zero.

    Parameters
    ----------
    fields : array, shape (n_fields, h, w)
    n_cols : int
        Panels per row.
    titles : sequence of str, optional
        One per field.
    shared_scale : bool
        One colour scale for all panels; otherwise each panel is scaled to its own largest
        absolute value.
    panel_size : float
        Side of one panel in inches, reduced if the figure would be wider than
        :data:`MAX_WIDTH`.
    colorbar : bool
        Draw one colour bar for the figure: in units of the weights with ``shared_scale``,
        otherwise in units of each panel's largest absolute weight (from −1 to 1).
    label : str
        What the weights are, for the colour bar (e.g. ``"W / max |W| of its row"``).

    Returns
    -------
    matplotlib.figure.Figure
    """
    f = np.asarray(fields, dtype=np.float64)
    if f.ndim != 3 or len(f) == 0:
        raise ValueError(f"fields must have shape (n_fields, h, w) with n_fields ≥ 1; got {f.shape}")
    if isinstance(n_cols, bool) or not isinstance(n_cols, int) or n_cols < 1:
        raise ValueError(f"n_cols must be a positive integer; got {n_cols!r}")
    if titles is not None and len(titles) != len(f):
        raise ValueError(f"titles must have {len(f)} entries; got {len(titles)}")
    n_rows = -(-len(f) // n_cols)
    bar = 1.0 if colorbar else 0.0  # room for the colour bar and its label, in inches
    panel = min(panel_size, (MAX_WIDTH - bar) / n_cols)
    title_room = 0.3 if titles is not None else 0.0
    fig, axes = _figure(n_rows, n_cols, width=panel * n_cols + bar, height=(panel + title_room) * n_rows)
    top = float(np.max(np.abs(f))) or 1.0
    for k, ax in enumerate(axes.ravel()):
        _bare(ax)
        if k >= len(f):
            ax.axis("off")
            continue
        vmax = top if shared_scale else (float(np.max(np.abs(f[k]))) or 1.0)
        ax.imshow(f[k], cmap=WEIGHTS_CMAP, vmin=-vmax, vmax=vmax, interpolation="nearest")
        if titles is not None:
            ax.set_title(titles[k], fontsize=SMALLEST_FONT)
    if colorbar:
        _weight_colorbar(fig, axes, vmax=top if shared_scale else None, label=label)
    return fig


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]], *, floatfmt: str = ".3g") -> str:
    """A Markdown table, for a chapter to show with ``IPython.display.Markdown``.

    Parameters
    ----------
    header : sequence of str
        Column titles.
    rows : sequence of sequences
        One entry per column each; floats are formatted with ``floatfmt``, everything else
        with ``str``.
    floatfmt : str
        Format specification of float entries.

    Returns
    -------
    str

    Examples
    --------
    >>> print(markdown_table(["K", "u"], [[0.5, -1.4142]]))
    | K | u |
    |---|---|
    | 0.5 | -1.41 |
    """
    header = list(header)

    def cell(x: object) -> str:
        if isinstance(x, float | np.floating):
            return format(float(x), floatfmt)
        return str(x)

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        row = list(row)
        if len(row) != len(header):
            raise ValueError(f"every row must have {len(header)} entries; got {len(row)}")
        lines.append("| " + " | ".join(cell(x) for x in row) + " |")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- Ising, training, RBM chapters
# (figures of book/ising.md, training.md, rbm.md, errata.md go here)


def energy_and_specific_heat(
    couplings: np.ndarray,
    energy: Mapping[str, np.ndarray],
    specific_heat: Mapping[str, np.ndarray],
    *,
    reference_energy: tuple[str, np.ndarray] | None = None,
    measured: Mapping[str, tuple[Sequence[float], Sequence[object]]] | None = None,
    critical: float | None = None,
):
    """Energy and specific heat per spin against the coupling, in two panels.

    Parameters
    ----------
    couplings : array of float, shape (n,)
        The couplings K = J/k_BT of the curves.
    energy, specific_heat : mapping of str to array of shape (n,)
        One curve per label (e.g. ``"L = 16"``), the same labels in both, energy in units
        of J and specific heat in units of k_B per spin.
    reference_energy : (str, array of shape (n,)), optional
        A labelled dashed black energy curve (e.g. Onsager's infinite lattice).
    measured : mapping of str to (couplings, measurements), optional
        Points with error bars drawn in the colour of the curve of the same label; each
        measurement has attributes ``energy``, ``energy_err``, ``specific_heat`` and
        ``specific_heat_err`` (an :class:`rgkit.mc.Measurement`). When given, the legend
        labels the points and the curves are drawn thin.
    critical : float, optional
        A dotted vertical line at this coupling in both panels.

    Returns
    -------
    matplotlib.figure.Figure
    """
    k = np.asarray(couplings, dtype=np.float64)
    if k.ndim != 1 or k.size < 2:
        raise ValueError(f"couplings must be a 1-D array of at least 2 values; got shape {k.shape}")
    if not energy or set(energy) != set(specific_heat):
        raise ValueError("energy and specific_heat must be non-empty mappings with the same labels")
    for name, curves in (("energy", energy), ("specific_heat", specific_heat)):
        for label, values in curves.items():
            if np.shape(values) != k.shape:
                raise ValueError(f"{name}[{label!r}] must have the shape of couplings {k.shape}")
    if measured is not None and not set(measured) <= set(energy):
        raise ValueError("measured must use labels of energy")
    fig, ((ax_u, ax_c),) = _figure(1, 2, width=MAX_WIDTH, height=3.4)
    lw = 1.0 if measured is not None else None
    for index, label in enumerate(energy):
        color = f"C{index}"
        line_label = label if measured is None else None
        ax_u.plot(k, energy[label], color=color, lw=lw, label=line_label)
        ax_c.plot(k, specific_heat[label], color=color, lw=lw, label=line_label)
        if measured is not None and label in measured:
            ks, points = measured[label]
            ax_u.errorbar(
                ks, [p.energy for p in points], [p.energy_err for p in points], fmt="o", ms=3, color=color, label=label
            )
            ax_c.errorbar(
                ks,
                [p.specific_heat for p in points],
                [p.specific_heat_err for p in points],
                fmt="o",
                ms=3,
                color=color,
            )
    if reference_energy is not None:
        ax_u.plot(k, reference_energy[1], "k--", label=reference_energy[0])
    for ax in (ax_u, ax_c):
        if critical is not None:
            ax.axvline(critical, color="grey", ls=":", lw=1)
        ax.set_xlabel("coupling K = J/k_BT")
    ax_u.set_ylabel("energy per spin u (units of J)")
    ax_c.set_ylabel("specific heat per spin c (units of k_B)")
    ax_u.legend()
    return fig


def autocorrelation_scaling(
    sizes: Sequence[int],
    tau: Mapping[str, Sequence[float]],
    fits: Mapping[str, tuple[float, float]],
    *,
    tau_err: Mapping[str, Sequence[float]] | None = None,
):
    """τ_int against the lattice side on log-log axes, with the fitted power laws.

    Parameters
    ----------
    sizes : sequence of int
        Lattice sides L.
    tau : mapping of str to sequence of float
        τ_int in sweeps for each method (one value per size).
    fits : mapping of str to (slope, intercept)
        The straight-line fit of ln τ against ln L for each method, as ``np.polyfit``
        returns it; the slope is the dynamic exponent z written in the legend.
    tau_err : mapping of str to sequence of float, optional
        Standard errors of ``tau``, drawn as error bars.

    Returns
    -------
    matplotlib.figure.Figure
    """
    L = np.asarray(sizes, dtype=np.float64)
    if L.ndim != 1 or L.size < 2 or np.any(L <= 0):
        raise ValueError(f"sizes must hold at least 2 positive lattice sides; got {sizes!r}")
    if not tau or set(fits) != set(tau):
        raise ValueError("tau and fits must be non-empty mappings with the same methods")
    for method, values in tau.items():
        if len(values) != L.size:
            raise ValueError(f"tau[{method!r}] must have one value per size ({L.size}); got {len(values)}")
        if tau_err is not None and len(tau_err.get(method, ())) != L.size:
            raise ValueError(f"tau_err[{method!r}] must have one value per size ({L.size})")
    fig, ((ax,),) = _figure(width=5.5, height=3.5)
    for (method, values), marker in zip(tau.items(), "osd^v", strict=False):
        slope, intercept = fits[method]
        err = None if tau_err is None else tau_err[method]
        ax.errorbar(L, values, yerr=err, fmt=marker, capsize=2, label=f"{method}: z = {slope:.2f}")
        ax.plot(L, np.exp(intercept) * L**slope, "k:", lw=0.8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    _log_ticks_at(ax.xaxis, L)
    _log_labels(ax.yaxis)
    ax.set_xlabel("lattice side L")
    ax.set_ylabel(r"$\tau_{int}$ of the energy (sweeps)")
    ax.legend()
    return fig


def training_curves(curves: Mapping[str, Sequence[float]], *, ylabel: str):
    """One curve per training scheme against the epoch, on a logarithmic axis.

    Parameters
    ----------
    curves : mapping of str to sequence of float
        The value after every epoch (epoch 1 first) for each labelled scheme; positive.
    ylabel : str
        What the values are, with units.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not curves:
        raise ValueError("curves must hold at least one labelled curve")
    fig, ((ax,),) = _figure(width=6, height=3.5)
    for name, curve in curves.items():
        values = np.asarray(curve, dtype=np.float64)
        if values.ndim != 1 or values.size == 0:
            raise ValueError(f"curves[{name!r}] must be a non-empty 1-D sequence")
        ax.semilogy(np.arange(1, values.size + 1), values, label=name)
    _integer_ticks(ax.xaxis)
    _log_labels(ax.yaxis)
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.legend()
    return fig


def error_by_width(hidden_units: Sequence[int], errors: Mapping[str, Sequence[float]], *, ylabel: str):
    """An error against the number of hidden units on log-log axes, one line per label.

    Parameters
    ----------
    hidden_units : sequence of int
        The hidden widths.
    errors : mapping of str to sequence of float
        One positive error per width for each labelled case (e.g. ``"K = 0.300"``).
    ylabel : str
        What the error is.

    Returns
    -------
    matplotlib.figure.Figure
    """
    widths = np.asarray(hidden_units)
    if widths.ndim != 1 or widths.size == 0:
        raise ValueError(f"hidden_units must be a non-empty 1-D sequence; got {hidden_units!r}")
    if not errors:
        raise ValueError("errors must hold at least one labelled line")
    fig, ((ax,),) = _figure(width=5.5, height=3.5)
    for label, values in errors.items():
        if len(values) != widths.size:
            raise ValueError(f"errors[{label!r}] must have one value per width ({widths.size}); got {len(values)}")
        ax.loglog(widths, values, "o-", label=label)
    _log_ticks_at(ax.xaxis, widths)
    _log_labels(ax.yaxis)
    ax.set_xlabel("hidden units")
    ax.set_ylabel(ylabel)
    ax.legend()
    return fig


def sampled_against_exact(
    frequencies: np.ndarray,
    probabilities: np.ndarray,
    *,
    n_shown: int = 40,
    sample_label: str = "samples",
    exact_label: str = "exact",
):
    """Sampled frequencies of states (bars) against their exact probabilities (dots).

    States are ranked by exact probability and the ``n_shown`` most probable are drawn.

    Parameters
    ----------
    frequencies : array of float, shape (n_states,)
        Fraction of the samples in each state.
    probabilities : array of float, shape (n_states,)
        The exact probability of each state, in the same order.
    n_shown : int
        How many of the most probable states to draw.
    sample_label, exact_label : str
        Legend entries of the bars and the dots.

    Returns
    -------
    matplotlib.figure.Figure
    """
    f = np.asarray(frequencies, dtype=np.float64)
    p = np.asarray(probabilities, dtype=np.float64)
    if f.ndim != 1 or f.shape != p.shape or f.size == 0:
        raise ValueError(f"frequencies and probabilities must be 1-D of equal length; got {f.shape} and {p.shape}")
    if isinstance(n_shown, bool) or not isinstance(n_shown, int) or n_shown < 1:
        raise ValueError(f"n_shown must be a positive integer; got {n_shown!r}")
    order = np.argsort(p)[::-1][:n_shown]
    rank = np.arange(len(order))
    fig, ((ax,),) = _figure(width=6.5, height=3.2)
    ax.bar(rank, f[order], color="0.7", label=sample_label)
    _integer_ticks(ax.xaxis)
    ax.plot(rank, p[order], "o", ms=3, label=exact_label)
    ax.set_xlabel(f"visible state (the {len(order)} most probable, by rank)")
    ax.set_ylabel("probability")
    ax.legend()
    return fig


# ----------------------------------------------------------------------------- theory and 1D chapters
# (figures of book/variational_rg.md, mapping.md, decimation.md go here)


def rounding_level(x: float, *, tol: float = 1e-12) -> str:
    """A number for printed output: ``"< 1e-12"`` at rounding level, else ``"= 3.1e-05"``.

    Printing a bound instead of the rounding error itself keeps printed output reproducible
    across machines.

    Examples
    --------
    >>> rounding_level(3e-17), rounding_level(0.25)
    ('< 1e-12', '= 2.5e-01')
    """
    if not isinstance(x, int | float | np.integer | np.floating) or isinstance(x, bool):
        raise TypeError(f"x must be a real number; got {type(x).__name__}")
    if not tol > 0:
        raise ValueError(f"tol must be positive; got {tol!r}")
    return f"< {tol:.0e}" if abs(x) < tol else f"= {x:.1e}"


def _check_curves(x: np.ndarray, name: str, **curves: np.ndarray) -> None:
    for key, y in curves.items():
        if np.shape(y) != np.shape(x):
            raise ValueError(f"{key} must have the shape of {name}, {np.shape(x)}; got {np.shape(y)}")


def generated_couplings(strengths: np.ndarray, couplings: Mapping[str, np.ndarray], *, log_panel: bool = False):
    """Couplings of a coarse Hamiltonian against the strength λ of the kernel that made it.

    Parameters
    ----------
    strengths : array of float, shape (n,)
        Kernel strengths λ.
    couplings : mapping from str to array of float, shape (n,)
        One curve per named coupling (at most three), dimensionless (J/k_BT).
    log_panel : bool
        Add a right panel with the absolute values on a logarithmic axis, where couplings
        orders of magnitude smaller than the largest show (on the linear axis they lie flat
        on zero); a dip in it is a change of sign. Zeros are left out.

    Returns
    -------
    matplotlib.figure.Figure
    """
    x = np.asarray(strengths, dtype=np.float64)
    if not 1 <= len(couplings) <= 3:
        raise ValueError(f"couplings must name one to three curves; got {len(couplings)}")
    if not isinstance(log_panel, bool):
        raise TypeError(f"log_panel must be True or False; got {log_panel!r}")
    _check_curves(x, "strengths", **{f"couplings[{k!r}]": v for k, v in couplings.items()})
    fig, axes = _figure(1, 2 if log_panel else 1, width=MAX_WIDTH if log_panel else 6, height=3.5)
    ax = axes[0, 0]
    for (name, values), style in zip(couplings.items(), ["-", "--", ":"], strict=False):
        (line,) = ax.plot(x, values, style, label=name)
        if log_panel:
            size = np.abs(np.asarray(values, dtype=np.float64))
            axes[0, 1].semilogy(x, np.where(size > 0, size, np.nan), style, color=line.get_color(), label=name)
    ax.set_xlabel(r"kernel strength $\lambda$ (dimensionless)")
    ax.set_ylabel(r"coarse coupling $K'_S$")
    ax.legend()
    if log_panel:
        axes[0, 1].set_xlabel(r"kernel strength $\lambda$ (dimensionless)")
        axes[0, 1].set_ylabel(r"$|K'_S|$ (log scale)")
        _log_labels(axes[0, 1].yaxis)
    return fig


def criteria_along_family(x: np.ndarray, curves: Mapping[str, np.ndarray], best: Sequence[float], *, xlabel: str):
    """Several criteria for ranking a family of models, against the family's parameter.

    Parameters
    ----------
    x : array of float, shape (n,)
        The parameter of the family.
    curves : mapping from str to array of float, shape (n,)
        One curve per criterion (at most three), in nats.
    best : sequence of float, one per curve
        The parameter each criterion picks, marked by a vertical line in the curve's colour.
    xlabel : str

    Returns
    -------
    matplotlib.figure.Figure
    """
    x = np.asarray(x, dtype=np.float64)
    if not 1 <= len(curves) <= 3 or len(best) != len(curves):
        raise ValueError(f"give one to three curves and one best value per curve; got {len(curves)} and {len(best)}")
    _check_curves(x, "x", **{f"curves[{k!r}]": v for k, v in curves.items()})
    fig, ((ax,),) = _figure(width=6.5, height=3.6)
    for (label, y), style, b in zip(curves.items(), ["-", "--", ":"], best, strict=False):
        (line,) = ax.plot(x, y, style, label=label)
        ax.axvline(b, color=line.get_color(), lw=0.8, ls=style)
    ax.axhline(0.0, color="grey", lw=0.5)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("nats")
    ax.legend()
    return fig


def bound_along_strength(
    strengths: np.ndarray, gap: np.ndarray, truncated_coupling: np.ndarray, exact_coupling: np.ndarray
):
    """A variational RG along the kernel strength: the free-energy bound (left) and the couplings (right).

    Parameters
    ----------
    strengths : array of float, shape (n,)
        Kernel strengths λ.
    gap : array of float, shape (n,)
        :math:`F^b_\\lambda - F^v \\ge 0`, in nats.
    truncated_coupling, exact_coupling : arrays of float, shape (n,)
        The nearest-neighbour coupling of the truncated and of the exact coarse Hamiltonian.

    Returns
    -------
    matplotlib.figure.Figure
    """
    x = np.asarray(strengths, dtype=np.float64)
    _check_curves(x, "strengths", gap=gap, truncated_coupling=truncated_coupling, exact_coupling=exact_coupling)
    fig, ((ax_f, ax_k),) = _figure(1, 2, width=MAX_WIDTH, height=3.3)
    ax_f.plot(x, gap, "-")
    ax_f.set_xlabel(r"kernel strength $\lambda$ (dimensionless)")
    ax_f.set_ylabel(r"$F^b_\lambda - F^v$ (nats)")
    ax_k.plot(x, exact_coupling, "-", label=r"exact $H^{RG}_\lambda$")
    ax_k.plot(x, truncated_coupling, "--", label=r"truncated bound $H^{b}_\lambda$")
    ax_k.set_xlabel(r"kernel strength $\lambda$ (dimensionless)")
    ax_k.set_ylabel(r"nearest-neighbour $K'$")
    ax_k.legend()
    return fig


def coupling_flow(couplings: np.ndarray, xi: np.ndarray):
    """A coupling flow: K_n against the step n (left) and the correlation length ξ_n (right).

    The right panel also draws ξ_0 / 2^n, the halving a step of spacing two must give.

    Parameters
    ----------
    couplings : array of float, shape (n_steps + 1,)
        K_0, K_1, ... (e.g. :func:`rgkit.rg.decimation_flow`).
    xi : array of float, shape (n_steps + 1,)
        Correlation length at each step, in current lattice spacings.

    Returns
    -------
    matplotlib.figure.Figure
    """
    k = np.asarray(couplings, dtype=np.float64)
    if k.ndim != 1 or k.size < 2:
        raise ValueError(f"couplings must be a 1-D array of at least two steps; got shape {k.shape}")
    _check_curves(k, "couplings", xi=xi)
    xi = np.asarray(xi, dtype=np.float64)
    steps = np.arange(len(k))
    fig, ((ax_k, ax_xi),) = _figure(1, 2, width=MAX_WIDTH, height=3.2)
    ax_k.plot(steps, k, "o-")
    ax_k.set_xlabel("decimation step n")
    ax_k.set_ylabel("coupling $K_n$")
    ax_xi.semilogy(steps, xi, "o", label=r"$\xi_n = -1/\ln\tanh K_n$")
    ax_xi.semilogy(steps, xi[0] / 2.0**steps, "k:", label=r"$\xi_0 / 2^n$")
    ax_xi.set_xlabel("decimation step n")
    ax_xi.set_ylabel("correlation length (current spacings)")
    _integer_ticks(ax_k.xaxis, ax_xi.xaxis)
    _log_labels(ax_xi.yaxis)
    ax_xi.legend()
    return fig


def kernel_limit(kappas: np.ndarray, trace_gap: np.ndarray, coarse_gap: np.ndarray):
    """How a finite-κ kernel approaches its κ → ∞ limit: two gaps on a log axis.

    Parameters
    ----------
    kappas : array of float, shape (n,)
        Kernel strengths κ.
    trace_gap : array of float, shape (n,)
        :math:`\\max_v \\ln \\mathrm{Tr}_h e^{T_\\kappa}`, the violation of the trace condition.
    coarse_gap : array of float, shape (n,)
        Spread of :math:`H^{RG}_\\kappa - H^{RG}_\\infty` over the coarse states.

    Returns
    -------
    matplotlib.figure.Figure
    """
    x = np.asarray(kappas, dtype=np.float64)
    _check_curves(x, "kappas", trace_gap=trace_gap, coarse_gap=coarse_gap)
    fig, ((ax,),) = _figure(width=5.5, height=3.4)
    ax.semilogy(x, trace_gap, "o-", label=r"$\max_v \ln \mathrm{Tr}_h e^{T_\kappa}$")
    ax.semilogy(x, coarse_gap, "s-", label=r"spread of $H^{RG}_\kappa - H^{RG}_\infty$")
    ax.set_xlabel(r"kernel strength $\kappa$")
    ax.set_ylabel("nats")
    _log_labels(ax.yaxis)
    ax.legend()
    return fig


def learned_chain(kl_curves: Mapping[str, np.ndarray], learned: np.ndarray, exact: np.ndarray):
    """KL during training (top) and learned against exact weight matrices (bottom, one colour bar).

    Parameters
    ----------
    kl_curves : mapping from str to array of float
        One KL-per-epoch curve (nats) per label.
    learned, exact : arrays of float, shape (n_visible, n_hidden)
        Weights, drawn on one colour scale centred on zero (align the learned units to the
        exact ones first, e.g. with :func:`rgkit.compare.match_hidden_units`).

    Returns
    -------
    matplotlib.figure.Figure
    """
    learned = np.asarray(learned, dtype=np.float64)
    exact = np.asarray(exact, dtype=np.float64)
    if learned.ndim != 2 or learned.shape != exact.shape:
        raise ValueError(f"learned and exact must be 2-D of one shape; got {learned.shape} and {exact.shape}")
    if not kl_curves:
        raise ValueError("kl_curves must hold at least one curve")
    fig = plt.figure(figsize=(MAX_WIDTH, 6.2), layout="constrained")
    grid = fig.add_gridspec(2, 2, height_ratios=[1, 1.35])
    ax_kl = fig.add_subplot(grid[0, :])
    ax_w, ax_e = fig.add_subplot(grid[1, 0]), fig.add_subplot(grid[1, 1])
    for label, curve in kl_curves.items():
        ax_kl.semilogy(curve, label=label)
    ax_kl.set_xlabel("epoch")
    ax_kl.set_ylabel("KL (nats)")
    _integer_ticks(ax_kl.xaxis)
    _log_labels(ax_kl.yaxis)
    ax_kl.legend()
    vmax = max(np.abs(learned).max(), np.abs(exact).max()) or 1.0
    for ax, w, title in [(ax_w, learned, "learned"), (ax_e, exact, "construction 3")]:
        ax.imshow(w, cmap=WEIGHTS_CMAP, vmin=-vmax, vmax=vmax)
        ax.set_title(title, fontsize="medium")
        ax.set_xlabel("hidden unit $j$")
        ax.set_ylabel("visible site $i$")
        _integer_ticks(ax.xaxis, ax.yaxis)
        ax.grid(False)
    _weight_colorbar(fig, [ax_w, ax_e], vmax=vmax, label="weight $W_{ij}$")
    return fig


def kernel_family(
    strengths: np.ndarray,
    labels: Sequence[str],
    nearest: np.ndarray,
    largest_other: np.ndarray,
    truncation_kl: np.ndarray,
    decimation_nearest: float,
):
    """What a family of block kernels generates, one curve per member, against decimation.

    Three panels in a 2 × 2 grid; the fourth holds the legend.

    Parameters
    ----------
    strengths : array of float, shape (n,)
        Kernel strengths λ (drawn on a log axis).
    labels : sequence of str, length m
        One label per curve (e.g. the weight ratio α).
    nearest, largest_other : arrays of float, shape (m, n)
        The nearest-neighbour coupling and the largest other coupling of each coarse
        Hamiltonian (e.g. from :func:`rgkit.hamiltonian.ring_couplings`); the second on a log
        axis, where values at or below zero are not drawn.
    truncation_kl : array of float, shape (m, n)
        KL divergence (nats) from each coarse distribution to its nearest-neighbour truncation
        (log axis).
    decimation_nearest : float
        The coupling decimation gives, K', drawn dashed.

    Returns
    -------
    matplotlib.figure.Figure
    """
    x = np.asarray(strengths, dtype=np.float64)
    arrays = [np.asarray(a, dtype=np.float64) for a in (nearest, largest_other, truncation_kl)]
    for name, a in zip(("nearest", "largest_other", "truncation_kl"), arrays, strict=True):
        if a.shape != (len(labels), len(x)):
            raise ValueError(
                f"{name} must have shape (len(labels), len(strengths)) = {(len(labels), len(x))}; got {a.shape}"
            )
    if not labels:
        raise ValueError("labels must name at least one curve")
    fig, grid = _figure(2, 2, width=MAX_WIDTH, height=6.0)
    axes = [grid[0, 0], grid[0, 1], grid[1, 0]]
    styles = ["o-", "s-", "^-", "v-", "d-", "x-"]
    for row, label in enumerate(labels):
        for ax, a in zip(axes, arrays, strict=True):
            ax.plot(
                x,
                np.where(a[row] > 0, a[row], np.nan) if ax is not axes[0] else a[row],
                styles[row % len(styles)],
                ms=3,
                label=label,
            )
    axes[0].axhline(decimation_nearest, color="k", ls="--", lw=1, label="decimation: $K'$")
    for ax, ylabel in zip(
        axes, ["nearest-neighbour coupling", "largest other coupling", "KL to the NN truncation (nats)"], strict=True
    ):
        ax.set_xscale("log")
        ax.set_xlabel(r"kernel strength $\lambda$")
        ax.set_ylabel(ylabel)
        _log_labels(ax.xaxis)
    axes[1].set_yscale("log")
    axes[2].set_yscale("log")
    # The fourth cell holds the one legend of all three panels.
    grid[1, 1].axis("off")
    grid[1, 1].legend(*axes[0].get_legend_handles_labels(), loc="center")
    return fig


# ----------------------------------------------------------------------------- the Mehta–Schwab chapter
# (figures of book/mehta_schwab.md go here)


def strongest_fields(
    fields: Sequence[np.ndarray], *, n_per_layer: int = 4, panel_size: float = 1.75, colorbar: bool = True
):
    """The receptive fields of the strongest units of each layer, one row per layer.

    "Strongest" means the largest single absolute weight in the field; each panel has its own
    symmetric scale on the diverging map, as in Mehta and Schwab's Figure 3, and is titled
    with the unit's index.

    Parameters
    ----------
    fields : sequence of arrays, each of shape (n_units, h, w)
        One entry per layer, e.g. :meth:`rgkit.rbm.DBN.receptive_fields`.
    n_per_layer : int
        Units shown per layer (fewer if a layer is narrower).
    panel_size : float
        Side of one panel in inches, reduced if the figure would be wider than
        :data:`MAX_WIDTH`.
    colorbar : bool
        Draw one colour bar, in units of each panel's largest absolute weight.

    Returns
    -------
    matplotlib.figure.Figure
    """
    layers = [np.asarray(f, dtype=np.float64) for f in fields]
    if not layers or any(f.ndim != 3 or len(f) == 0 for f in layers):
        raise ValueError("fields must be a non-empty sequence of arrays of shape (n_units, h, w)")
    if isinstance(n_per_layer, bool) or not isinstance(n_per_layer, int) or n_per_layer < 1:
        raise ValueError(f"n_per_layer must be a positive integer; got {n_per_layer!r}")
    margin = 0.3 + (1.0 if colorbar else 0.0)  # row labels and colour bar, in inches
    panel = min(panel_size, (MAX_WIDTH - margin) / n_per_layer)
    fig, axes = _figure(
        len(layers), n_per_layer, width=panel * n_per_layer + margin, height=(panel + 0.3) * len(layers)
    )
    for layer, (row, f) in enumerate(zip(axes, layers, strict=True), start=1):
        strongest = np.argsort(-np.abs(f).reshape(len(f), -1).max(axis=1))[:n_per_layer]
        for k, ax in enumerate(row):
            _bare(ax)
            if k >= len(strongest):
                ax.axis("off")
                continue
            vmax = float(np.abs(f[strongest[k]]).max()) or 1.0
            ax.imshow(f[strongest[k]], cmap=WEIGHTS_CMAP, vmin=-vmax, vmax=vmax, interpolation="nearest")
            ax.set_title(f"unit {strongest[k]}", fontsize=SMALLEST_FONT)
        row[0].set_ylabel(f"layer {layer}")
    if colorbar:
        _weight_colorbar(fig, axes, vmax=None, label="weight")
    return fig


def reconstructions_and_samples(
    data: np.ndarray, means: np.ndarray, draws: np.ndarray, samples: np.ndarray, *, panel_size: float = 1.7
):
    """Data, their reconstructed means and a draw from them, in columns; samples of the model apart on the right.

    The two blocks are separate, each with its own title: the row labels (data, means, a
    draw) belong to the left block only.

    Parameters
    ----------
    data, means, draws : arrays, shape (n, h, w)
        Bits (0/1) or means in [0, 1]: one column per example, white 0 and black 1.
    samples : array, shape (m, h, w)
        Configurations the model generated, at most three, drawn in a column of their own.
    panel_size : float
        Side of one panel in inches, reduced if the figure would be wider than
        :data:`MAX_WIDTH`.

    Returns
    -------
    matplotlib.figure.Figure
        Its two subfigures (``fig.subfigs``) hold the reconstructions (3 × n axes) and the
        samples (m axes).
    """
    rows = [np.asarray(x, dtype=np.float64) for x in (data, means, draws)]
    samples = np.asarray(samples, dtype=np.float64)
    if any(r.ndim != 3 or r.shape != rows[0].shape for r in rows) or len(rows[0]) == 0:
        raise ValueError("data, means and draws must be non-empty arrays of the same shape (n, h, w)")
    if samples.ndim != 3 or not 1 <= len(samples) <= 3 or samples.shape[1:] != rows[0].shape[1:]:
        raise ValueError(f"samples must have shape (m, h, w) with 1 ≤ m ≤ 3 and the images' h, w; got {samples.shape}")
    n = len(rows[0])
    gap, margin = 0.4, 0.3  # between the blocks, and for the row labels, in inches
    panel = min(panel_size, (MAX_WIDTH - gap - margin) / (n + 1))
    fig = plt.figure(figsize=(panel * (n + 1) + gap + margin, panel * 3 + 0.5), layout="constrained")
    left, right = fig.subfigures(1, 2, width_ratios=[panel * n + margin, panel + gap], wspace=0.02)
    axes = left.subplots(3, n, squeeze=False)
    for r, images in enumerate(rows):
        for c, image in enumerate(images):
            axes[r, c].imshow(image, cmap=SPIN_CMAP, vmin=0, vmax=1, interpolation="nearest")
            _bare(axes[r, c])
    for ax, label in zip(axes[:, 0], ("data", "means", "a draw"), strict=True):
        ax.set_ylabel(label)
    left.suptitle("data and their reconstructions", fontsize="medium")
    for ax, sample in zip(right.subplots(3, 1, squeeze=False)[:, 0], [*samples, None, None], strict=False):
        _bare(ax)
        if sample is None:
            ax.axis("off")
        else:
            ax.imshow(sample, cmap=SPIN_CMAP, vmin=0, vmax=1, interpolation="nearest")
    right.suptitle("DBN samples", fontsize="medium")
    return fig


def correlations_versus_blocks(comparison, blocks: Sequence[int]):
    """Two panels of G(r): the network's reconstructions against the data, its hidden layers against block spins.

    Left: G(r) of the data and of configurations reconstructed through each layer (how well
    the network models the data). Right: G of the majority-rule block spins and of each
    layer's hidden states on the coarse lattice (:func:`rgkit.compare.assign_units_to_sites`),
    both drawn at distances b·r in original lattice spacings, with the data for reference.

    Parameters
    ----------
    comparison : rgkit.compare.DBNComparison
        From :func:`rgkit.compare.dbn_versus_block_spins`.
    blocks : sequence of int
        The block side of each layer, as given to it.

    Returns
    -------
    matplotlib.figure.Figure
    """
    g_data = comparison.g_data
    curves = (comparison.g_reconstructions, comparison.g_blocks, comparison.g_hidden)
    if g_data is None or any(len(c) != len(blocks) for c in curves):
        raise ValueError(f"comparison must hold G(r) of the data and of {len(blocks)} layers (one per block side)")
    fig, ((left, right),) = _figure(1, 2, width=MAX_WIDTH, height=4.2, sharey=True)
    r = np.arange(len(g_data))
    for ax in (left, right):
        ax.plot(r, g_data, "k-", lw=2, label="data")
        ax.set_xlabel("distance r (original spacings)")
    for layer, (g_rec, g_blk, g_hid, b) in enumerate(zip(*curves, blocks, strict=True), start=1):
        color = f"C{layer - 1}"
        left.plot(np.arange(len(g_rec)), g_rec, "-", color=color, label=f"reconstruction, layer {layer}")
        right.plot(b * np.arange(len(g_blk)), g_blk, "--o", ms=3, color=color, label=f"blocks, b = {b}")
        if g_hid is not None:
            right.plot(b * np.arange(len(g_hid)), g_hid, "-s", ms=3, color=color, label=f"hidden layer {layer}")
    left.set_ylabel("G(r)")
    left.set_title("network against data", fontsize="medium")
    right.set_title("hidden layers against blocks", fontsize="medium")
    # One legend below both panels: inside a half-width panel seven entries would hide the curves.
    handles, labels = left.get_legend_handles_labels()
    more = right.get_legend_handles_labels()
    handles += more[0][1:]  # "data" once
    labels += more[1][1:]
    fig.legend(handles, labels, loc="outside lower center", ncols=3)
    return fig


def reconstruction_table(comparison) -> str:
    """Reconstructions through each layer against the data they reconstruct, as Markdown.

    Parameters
    ----------
    comparison : rgkit.compare.DBNComparison

    Returns
    -------
    str
    """
    d = comparison.original
    rows = [["data", f"{d.energy:.3f}", f"{d.abs_m:.3f}", f"{d.xi:.2f}"]]
    rows += [
        [f"reconstruction, layer {layer}", f"{r.energy:.3f}", f"{r.abs_m:.3f}", f"{r.xi:.2f}"]
        for layer, r in enumerate(comparison.reconstructions, start=1)
    ]
    return markdown_table(["configurations", "u per spin", "abs m", "ξ"], rows)


def dbn_comparison_table(comparison, blocks: Sequence[int]) -> str:
    """Each layer's fields and hidden states against majority-rule block spins, as Markdown.

    Parameters
    ----------
    comparison : rgkit.compare.DBNComparison
        From :func:`rgkit.compare.dbn_versus_block_spins`.
    blocks : sequence of int
        The block side of each layer, as given to it.

    Returns
    -------
    str
        One row per layer: median rms radius and b×b share of the fields, share of units placed
        cleanly, then ξ (original spacings), u and abs m of the hidden states on the coarse
        lattice against those of the block spins ("–" where the layer has no assignment).
    """
    layers = (comparison.fields, comparison.block_spins, comparison.assignments, comparison.hidden)
    if any(len(x) != len(blocks) for x in layers):
        raise ValueError(f"comparison has {len(comparison.fields)} layers; blocks has {len(blocks)} entries")
    header = ["layer", "b", "rms radius", "share in b×b", "clean units", "ξ hidden", "ξ blocks"]
    header += ["u hidden", "u blocks", "abs m hidden", "abs m blocks"]
    rows = []
    for layer, (f, bl, a, h, b) in enumerate(zip(*layers, blocks, strict=True), start=1):
        hid = ["–"] * 3 if h is None else [f"{h.xi_fine:.2f}", f"{h.energy:.3f}", f"{h.abs_m:.3f}"]
        clean = "–" if a is None else f"{a.clean_share:.2f}"
        rows.append(
            [layer, b, f"{f.rms_radius:.1f}", f"{f.block_share:.3f}", clean, hid[0], f"{bl.xi_fine:.2f}"]
            + [hid[1], f"{bl.energy:.3f}", hid[2], f"{bl.abs_m:.3f}"]
        )
    return markdown_table(header, rows)


# ----------------------------------------------------------------------------- the yardstick chapter
# (figures and tables of book/yardstick.md)


def _cobweb(k0: float, steps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The staircase (K_0, K_0) → (K_0, K_1) → (K_1, K_1) → ... of an iterated map."""
    x, y = [k0], [k0]
    for a, b in zip(steps[:-1], steps[1:], strict=True):
        x += [a, b]
        y += [b, b]
    return np.array(x), np.array(y)


def flow_map(
    grid: np.ndarray,
    mapped: np.ndarray,
    trajectories: Mapping[str, np.ndarray],
    *,
    fixed_points: Sequence[float] = (),
    name: str = "recursion",
):
    """A one-coupling RG recursion K' = R(K): the map with its iterations (left), K_n against n (right).

    Parameters
    ----------
    grid : array of float, shape (m,)
        Couplings K (dimensionless, J/k_BT) at which the map is drawn.
    mapped : array of float, shape (m,)
        R(K) on the grid.
    trajectories : mapping from str to array of float, shape (n_steps + 1,)
        Iterates K_0, K_1, ... from one start each (one to six), drawn as a staircase between
        the map and the diagonal and against the step.
    fixed_points : sequence of float
        Finite fixed points K* = R(K*) to mark on the diagonal.
    name : str
        What the recursion is, for the legend (e.g. "Migdal–Kadanoff").

    Returns
    -------
    matplotlib.figure.Figure
    """
    x = np.asarray(grid, dtype=np.float64)
    if x.ndim != 1 or x.size < 2:
        raise ValueError(f"grid must be a 1-D array of at least two couplings; got shape {x.shape}")
    _check_curves(x, "grid", mapped=mapped)
    if not 1 <= len(trajectories) <= 6:
        raise ValueError(f"trajectories must hold one to six flows; got {len(trajectories)}")
    paths = {k: np.asarray(v, dtype=np.float64) for k, v in trajectories.items()}
    if any(v.ndim != 1 or v.size < 2 for v in paths.values()):
        raise ValueError("every trajectory must be a 1-D array of at least two couplings")
    fig, ((ax_map, ax_n),) = _figure(1, 2, width=MAX_WIDTH, height=4.2)
    ax_map.plot(x, mapped, "k-", label=f"{name}: $K' = R(K)$")
    ax_map.plot(x, x, color="grey", ls="--", lw=1, label="$K' = K$")
    colours = plt.get_cmap(SEQUENTIAL_CMAP)(np.linspace(0.0, 0.85, len(paths)))
    for (label, k), colour in zip(paths.items(), colours, strict=True):
        cx, cy = _cobweb(k[0], k)
        ax_map.plot(cx, cy, "-", color=colour, lw=1.2)
        ax_n.plot(np.arange(len(k)), k, "o-", color=colour, label=label)
    if len(fixed_points):
        fp = np.asarray(fixed_points, dtype=np.float64)
        ax_map.plot(fp, fp, "D", color="k", mfc="white", ms=7, label="fixed point $K^*$")
        for value in fp:
            ax_n.axhline(value, color="k", ls=":", lw=1)
    ax_map.set_xlim(x.min(), x.max())
    ax_map.set_ylim(x.min(), x.max())
    ax_map.set_xlabel("coupling $K$ (J / $k_B T$)")
    ax_map.set_ylabel("coarse coupling $K'$")
    _integer_ticks(ax_n.xaxis)
    ax_n.set_xlabel("RG step $n$")
    ax_n.set_ylabel("coupling $K_n$")
    # One legend below both panels: the map crosses any corner of its panel a legend could take.
    handles, labels = ax_map.get_legend_handles_labels()
    more = ax_n.get_legend_handles_labels()
    fig.legend(handles + more[0], labels + more[1], loc="outside lower center", ncols=3)
    return fig


def mcrg_exponents(results: Mapping[str, object], *, exact: tuple[float, float] = (1.0, 15 / 8)):
    """Monte Carlo RG exponents y_t (top) and y_h (bottom) against the side of the lattice each map ends on.

    One column per block side b; one set of points per run. Maps that end on the same lattice
    side line up vertically: there the runs differ only in how many blockings came first.

    Parameters
    ----------
    results : mapping from str to rgkit.mcrg.MCRGResult
        Runs by label (e.g. ``"L = 128"``), at most six per block side.
    exact : (float, float)
        The exact y_t and y_h, drawn dashed.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not results:
        raise ValueError("results must hold at least one MCRGResult")
    for label, r in results.items():
        if not all(hasattr(r, a) for a in ("b", "sides", "y_t", "y_t_err", "y_h", "y_h_err")):
            raise TypeError(f"results[{label!r}] must be an MCRGResult; got {type(r).__name__}")
    blocks = sorted({r.b for r in results.values()})
    fig, axes = _figure(2, len(blocks), width=3.75 * len(blocks), height=6.6)
    markers = "osD^v<>"
    for col, b in enumerate(blocks):
        runs = [(k, r) for k, r in results.items() if r.b == b]
        if len(runs) > 6:
            raise ValueError(f"at most six runs per block side; got {len(runs)} with b = {b}")
        colours = plt.get_cmap(SEQUENTIAL_CMAP)(np.linspace(0.0, 0.85, len(runs)))
        for i, ((label, r), colour) in enumerate(zip(runs, colours, strict=True)):
            coarse = np.asarray(r.sides[1:], dtype=np.float64)
            for row, (y, err) in enumerate(((r.y_t, r.y_t_err), (r.y_h, r.y_h_err))):
                axes[row, col].errorbar(
                    coarse, y, err, fmt=markers[i] + "-", color=colour, ms=5, capsize=2, lw=0.8, label=label
                )
        sides = sorted({side for _, r in runs for side in r.sides[1:]})
        for row, (value, name) in enumerate(zip(exact, ("y_t", "y_h"), strict=True)):
            ax = axes[row, col]
            ax.axhline(value, color="k", ls="--", lw=1, label=f"exact ${name}$")
            ax.set_xscale("log", base=b)
            ax.set_xticks(sides, [str(side) for side in sides])
            ax.minorticks_off()
            ax.set_xlabel(f"coarse lattice side (b = {b})")
            ax.set_ylabel(f"${name}$")
        # Above the column, where it hides no point.
        axes[0, col].legend(loc="lower center", bbox_to_anchor=(0.5, 1.02), ncols=2, columnspacing=1.0)
    return fig


def _pm(value: float, error: float, decimals: int) -> str:
    return "–" if not np.isfinite(value) else f"{value:.{decimals}f} ± {error:.{decimals}f}"


def mcrg_table(result, parity: str, *, decimals: int = 3) -> str:
    """One exponent of a Monte Carlo RG run by level and number of operators, as Markdown.

    Parameters
    ----------
    result : rgkit.mcrg.MCRGResult
    parity : {"even", "odd"}
        ``"even"`` for y_t, ``"odd"`` for y_h.
    decimals : int
        Decimals of the estimates and their jackknife errors.

    Returns
    -------
    str
        One row per map (level i, from side L_i to L_{i+1}); column k holds the estimate from
        the first k operators of that parity ("–" where the coarse lattice does not support
        them), headed by the operator added.
    """
    if parity not in ("even", "odd"):
        raise ValueError(f"parity must be 'even' (y_t) or 'odd' (y_h); got {parity!r}")
    if parity == "even":
        names, y, err = result.even_operators, result.y_t_by_count, result.y_t_by_count_err
    else:
        names, y, err = result.odd_operators, result.y_h_by_count, result.y_h_by_count_err
    header = ["map", *(names[0] if k == 0 else f"+ {n}" for k, n in enumerate(names))]
    rows = []
    for i in range(len(result.sides) - 1):
        step = f"{i}: {result.sides[i]} → {result.sides[i + 1]}"
        rows.append([step, *(_pm(v, e, decimals) for v, e in zip(y[i], err[i], strict=True))])
    return markdown_table(header, rows)


def mcrg_size_table(results: Mapping[str, object], parity: str, *, decimals: int = 3) -> str:
    """One exponent of several Monte Carlo RG runs by map, as Markdown: one row per run.

    A column holds the maps with the same number of blockings before them (the same level);
    each entry names the side of the lattice its map ends on, so that maps onto the same
    final lattice can be found across the rows.

    Parameters
    ----------
    results : mapping from str to rgkit.mcrg.MCRGResult
        Runs by label (e.g. ``"L = 64"``).
    parity : {"even", "odd"}
        ``"even"`` for y_t, ``"odd"`` for y_h; each from all the operators its map supports.
    decimals : int
        Decimals of the estimates and their jackknife errors.

    Returns
    -------
    str
        Entries ``"value ± error (→ side)"``; "–" where a run has fewer maps.
    """
    if parity not in ("even", "odd"):
        raise ValueError(f"parity must be 'even' (y_t) or 'odd' (y_h); got {parity!r}")
    if not results:
        raise ValueError("results must hold at least one MCRGResult")
    n_maps = max(len(r.sides) - 1 for r in results.values())
    rows = []
    for label, r in results.items():
        y, err = (r.y_t, r.y_t_err) if parity == "even" else (r.y_h, r.y_h_err)
        cells = [f"{_pm(v, e, decimals)} (→ {side})" for v, e, side in zip(y, err, r.sides[1:], strict=True)]
        rows.append([label, *cells, *["–"] * (n_maps - len(cells))])
    return markdown_table(["run", *(f"map {i}" for i in range(n_maps))], rows)


def thermometer_flow(
    couplings: np.ndarray,
    errors: np.ndarray,
    *,
    reference: Mapping[str, float] | None = None,
    fit: tuple[float, float] | None = None,
    reference_slope: float | None = None,
):
    """A measured coupling flow: K^(n) against the level (left) and the map K^(n+1)(K^(n)) (right).

    Parameters
    ----------
    couplings, errors : arrays of float, shape (n_starts, n_levels + 1)
        The effective coupling of every blocking level of each run and its standard error
        (dimensionless, J/k_BT); one row per starting coupling, in increasing order.
    reference : mapping from str to float, optional
        Couplings drawn as labelled horizontal lines on the left (e.g. K_c).
    fit : (float, float), optional
        A crossing K* of the map with the diagonal and the map's slope there, drawn as a
        line through (K*, K*) on the right.
    reference_slope : float, optional
        A slope to compare with (e.g. the exact b^{y_t}), drawn dotted through (K*, K*); needs
        ``fit``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    k = np.asarray(couplings, dtype=np.float64)
    e = np.asarray(errors, dtype=np.float64)
    if k.ndim != 2 or k.shape[1] < 2 or k.shape[0] < 1:
        raise ValueError(f"couplings must have shape (n_starts, n_levels + 1) with n_levels ≥ 1; got {k.shape}")
    if e.shape != k.shape:
        raise ValueError(f"errors must have the shape of couplings, {k.shape}; got {e.shape}")
    if reference_slope is not None and fit is None:
        raise ValueError("reference_slope is drawn through the crossing: give fit too")
    fig, ((ax_n, ax_map),) = _figure(1, 2, width=MAX_WIDTH, height=4.2)
    colours = plt.get_cmap(SEQUENTIAL_CMAP)(np.linspace(0.0, 0.9, len(k)))
    levels = np.arange(k.shape[1])
    for row, colour in zip(range(len(k)), colours, strict=True):
        ax_n.errorbar(levels, k[row], e[row], fmt="o-", color=colour, ms=4, capsize=2, lw=1)
    for (label, value), style in zip((reference or {}).items(), ["--", ":", "-."], strict=False):
        ax_n.axhline(value, color="k", ls=style, lw=1, label=label)
    ax_n.set_xticks(levels)
    ax_n.set_xlabel("blocking level $n$")
    ax_n.set_ylabel("effective coupling $K^{(n)}$")
    markers = "osD^v<>"
    for step in range(k.shape[1] - 1):
        ax_map.errorbar(
            k[:, step],
            k[:, step + 1],
            e[:, step + 1],
            xerr=e[:, step],
            fmt=markers[step % 7],
            color=plt.get_cmap(SEQUENTIAL_CMAP)(step / max(k.shape[1] - 1, 1)),
            ms=5,
            capsize=2,
            label=f"map {step} → {step + 1}",
        )
    lo, hi = np.nanmin(k), np.nanmax(k)
    span = np.array([lo, hi])
    ax_map.plot(span, span, color="grey", ls="--", lw=1, label="$K' = K$")
    if fit is not None:
        k_star, slope = fit
        near = np.array([k_star - 0.15 * (hi - lo), k_star + 0.15 * (hi - lo)])
        ax_map.plot(near, k_star + slope * (near - k_star), "k-", lw=1.2, label=f"fit: slope {slope:.2f}")
        if reference_slope is not None:
            # Longer and in colour: a slope close to the fit's would hide under it otherwise.
            wide = np.array([k_star - 0.3 * (hi - lo), k_star + 0.3 * (hi - lo)])
            ax_map.plot(
                wide,
                k_star + reference_slope * (wide - k_star),
                color="tab:orange",
                ls=(0, (1, 1.5)),
                lw=2.2,
                zorder=5,
                label=f"slope {reference_slope:g}",
            )
        ax_map.plot([k_star], [k_star], "D", color="k", mfc="white", ms=7, label="crossing $K^*$")
    ax_map.set_xlim(lo - 0.02 * (hi - lo), hi + 0.02 * (hi - lo))
    ax_map.set_ylim(lo - 0.02 * (hi - lo), hi + 0.02 * (hi - lo))
    ax_map.set_xlabel("$K^{(n)}$")
    ax_map.set_ylabel("$K^{(n+1)}$")
    # One legend below both panels: inside the half-width map panel it would hide the points.
    handles, labels = ax_n.get_legend_handles_labels()
    more = ax_map.get_legend_handles_labels()
    fig.legend(handles + more[0], labels + more[1], loc="outside lower center", ncols=3)
    return fig


def map_flows(flows: Mapping[str, tuple[np.ndarray, np.ndarray, np.ndarray]], *, reference: float | None = None):
    """Fixed maps applied at many couplings: the first step (left) and three steps (right), read by the thermometer.

    Parameters
    ----------
    flows : mapping from label to (K_start, K, K_err)
        For each map, the couplings the samples were drawn at, shape (m,), and the effective
        coupling of every level with its error, shape (m, n_levels + 1)
        (:func:`rgkit.learned.map_flow_point`); NaN levels are left out.
    reference : float, optional
        A coupling drawn as dotted lines on both axes (K_c).

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not flows:
        raise ValueError("flows must hold at least one map")
    fig, ((left, right),) = _figure(1, 2, width=MAX_WIDTH, height=4.0, sharey=True)
    markers = "osD^v<>"
    lo = min(float(np.nanmin(k)) for _, k, _ in flows.values())
    hi = max(float(np.nanmax(k)) for _, k, _ in flows.values())
    for ax, level, title in ((left, 1, "one step"), (right, None, "last level")):
        for i, (label, (k0, k, e)) in enumerate(flows.items()):
            n = k.shape[1] - 1 if level is None else level
            ax.errorbar(k0, k[:, n], e[:, n], fmt=markers[i % 7] + "-", ms=4, capsize=2, lw=1, label=label)
        ax.plot([lo, hi], [lo, hi], color="grey", ls="--", lw=1, label="$K' = K$")
        if reference is not None:
            ax.axvline(reference, color="k", ls=":", lw=1)
            ax.axhline(reference, color="k", ls=":", lw=1)
        ax.set_xlabel("coupling of the samples $K^{(0)}$")
        ax.set_title(title, fontsize="medium")
    left.set_ylabel("effective coupling after the map")
    # One legend below both panels (the two share their entries).
    fig.legend(*right.get_legend_handles_labels(), loc="outside lower center", ncols=3)
    return fig


def ring_flows(
    flows: Mapping[float, tuple[np.ndarray, Sequence[Mapping[str, np.ndarray]]]], *, kl_tolerance: float = 0.05
):
    """Learned ring couplings against the decimation flow, one panel per coupling of the data, two per row.

    Dots: the coupling of the aggregate posterior q a layer feeds upward, where the layer forms a
    clean ring and q is within ``kl_tolerance`` of it; crosses where not; open squares: the
    RBM's own hidden marginal. Seeds are offset a little left (q) and right (marginal) of
    each layer.

    Parameters
    ----------
    flows : mapping from float to (array of float, sequence of mappings)
        For each coupling K_0 of the data: the decimation flow K_n, shape (n_layers + 1,), and
        one :func:`rgkit.compare.ring_flow_point` result per training seed, with arrays
        ``"posterior"`` and ``"marginal"`` of shape (n_layers + 1,) and ``"clean_ring"`` and
        ``"posterior_truncation_kl"`` of shape (n_layers,).
    kl_tolerance : float
        Largest KL (nats) from q to its ring for a dot rather than a cross.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not flows:
        raise ValueError("flows must hold at least one coupling")
    if not kl_tolerance >= 0:
        raise ValueError(f"kl_tolerance must be non-negative; got {kl_tolerance!r}")
    for k0, (decimation, runs) in flows.items():
        n_levels = np.shape(decimation)[0] if np.ndim(decimation) == 1 else -1
        for r in runs:
            shapes = [np.shape(r[key]) for key in ("posterior", "marginal", "clean_ring", "posterior_truncation_kl")]
            if n_levels < 2 or shapes != [(n_levels,)] * 2 + [(n_levels - 1,)] * 2:
                raise ValueError(f"the runs at K_0 = {k0:g} do not match its decimation flow of {n_levels} levels")
    n_rows = -(-len(flows) // 2)
    fig, axes = _figure(n_rows, 2, width=MAX_WIDTH, height=2.9 * n_rows + 0.5, sharey=True)
    for ax, (k0, (decimation, runs)) in zip(axes.ravel(), flows.items(), strict=False):
        n = np.arange(len(decimation))
        ax.plot(n, decimation, "k-", label="decimation")
        for i, r in enumerate(runs):
            ok = np.r_[
                True, np.asarray(r["clean_ring"], bool) & (np.asarray(r["posterior_truncation_kl"]) <= kl_tolerance)
            ]
            posterior = np.asarray(r["posterior"], dtype=np.float64)
            ax.plot(n[ok] - 0.1, posterior[ok], "o", color="C0", label="$q$, a ring" if i == 0 else None)
            ax.plot(n[~ok] - 0.1, posterior[~ok], "x", color="C3", ms=8, label="$q$, not a ring" if i == 0 else None)
            ax.plot(
                n[1:] + 0.1,
                np.asarray(r["marginal"], dtype=np.float64)[1:],
                "s",
                mfc="none",
                color="C1",
                label=r"RBM marginal $p_\lambda(h)$" if i == 0 else None,
            )
        ax.set_title(f"$K_0 = {k0:g}$", fontsize="medium")
        ax.set_xticks(n)
        ax.set_xlabel("layer $n$")
    for ax in axes[:, 0]:
        ax.set_ylabel("ring coupling $K_n$")
    for ax in axes.ravel()[len(flows) :]:
        ax.axis("off")
    # Every panel has the same four kinds of mark; a cross may be missing from the first.
    entries = {}
    for ax in axes.ravel()[: len(flows)]:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            entries.setdefault(label, handle)
    fig.legend(entries.values(), entries.keys(), loc="outside lower center", ncols=4)
    return fig


def verdict_table(rows: Sequence[object], *, decimals: int = 3) -> str:
    """The verdict table as Markdown: one row per map and level, each entry ± statistical ± seed error.

    Parameters
    ----------
    rows : sequence of rgkit.learned.MapRow
    decimals : int

    Returns
    -------
    str
        Columns: map, level, y_t, y_h, the crossing K* of the flow and its slope, ξ′b/ξ at K_c,
        locality, KL per spin. "–" where a map has no such number; the seed error is left out
        where there is one seed or none (hand-made maps).
    """

    def entry(value: float, stat: float, seed: float = float("nan")) -> str:
        if not np.isfinite(value):
            return "–"
        text = f"{value:.{decimals}f} ± {stat:.{decimals}f}" if np.isfinite(stat) else f"{value:.{decimals}f}"
        return text + (f" ± {seed:.{decimals}f}" if np.isfinite(seed) else "")

    header = ["map", "level", "y_t", "y_h", "K*", "slope", "ξ′b/ξ", "locality", "KL / spin"]
    body = []
    for r in rows:
        local = "–" if not np.isfinite(r.locality) else entry(r.locality, float("nan"), r.locality_seed)
        body.append(
            [
                r.map,
                r.level,
                entry(r.y_t, r.y_t_stat, r.y_t_seed),
                entry(r.y_h, r.y_h_stat, r.y_h_seed),
                entry(r.k_star, r.k_star_stat, r.k_star_seed),
                entry(r.slope, r.slope_stat, r.slope_seed),
                entry(r.xi_ratio, r.xi_ratio_stat, r.xi_ratio_seed),
                local,
                entry(r.kl, r.kl_stat, r.kl_seed),
            ]
        )
    return markdown_table(header, body)
