"""The figures of the Ising, training and RBM chapters (rgkit.plot, their section), and the rules every figure keeps."""

import base64
import itertools
from types import SimpleNamespace

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from rgkit import compare, ising, plot, rg


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _point(energy, specific_heat):
    return SimpleNamespace(energy=energy, energy_err=0.01, specific_heat=specific_heat, specific_heat_err=0.02)


def test_energy_and_specific_heat_draws_the_given_curves_and_the_critical_line():
    k = np.linspace(0.2, 0.8, 5)
    energy = {"L = 4": -k, "L = 8": -2 * k}
    heat = {"L = 4": k**2, "L = 8": k**3}
    fig = plot.energy_and_specific_heat(k, energy, heat, reference_energy=("Onsager", -3 * k), critical=0.44)
    assert isinstance(fig, Figure)
    ax_u, ax_c = fig.axes
    drawn = {line.get_label(): line.get_ydata() for line in ax_u.lines}
    assert np.array_equal(drawn["L = 8"], -2 * k) and np.array_equal(drawn["Onsager"], -3 * k)
    assert [t.get_text() for t in ax_u.get_legend().get_texts()] == ["L = 4", "L = 8", "Onsager"]
    vertical = [line for line in ax_c.lines if np.all(np.asarray(line.get_xdata()) == 0.44)]
    assert len(vertical) == 1  # the dotted line at K_c
    assert np.array_equal(ax_c.lines[1].get_ydata(), k**3)


def test_energy_and_specific_heat_labels_the_points_when_measurements_are_given():
    k = np.linspace(0.3, 0.5, 3)
    measured = {"L = 8": ([0.3, 0.5], [_point(-1.0, 0.4), _point(-1.5, 0.6)])}
    fig = plot.energy_and_specific_heat(k, {"L = 8": -k}, {"L = 8": k}, measured=measured)
    ax_u, ax_c = fig.axes
    assert [t.get_text() for t in ax_u.get_legend().get_texts()] == ["L = 8"]
    (bars,) = ax_u.containers
    assert np.array_equal(bars.lines[0].get_ydata(), [-1.0, -1.5])
    assert np.array_equal(ax_c.containers[0].lines[0].get_ydata(), [0.4, 0.6])
    # The curve and the points of one label share a colour.
    assert ax_u.lines[0].get_color() == bars.lines[0].get_color()


@pytest.mark.parametrize(
    "couplings, energy, heat, kwargs, match",
    [
        ([0.3], {"a": [1.0]}, {"a": [1.0]}, {}, "couplings"),
        ([0.3, 0.4], {"a": [1.0, 2.0]}, {"b": [1.0, 2.0]}, {}, "same labels"),
        ([0.3, 0.4], {"a": [1.0]}, {"a": [1.0, 2.0]}, {}, r"energy\['a'\]"),
        ([0.3, 0.4], {"a": [1.0, 2.0]}, {"a": [1.0, 2.0]}, {"measured": {"b": ([], [])}}, "measured"),
    ],
)
def test_energy_and_specific_heat_refuses_mismatched_input(couplings, energy, heat, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot.energy_and_specific_heat(couplings, energy, heat, **kwargs)


def test_autocorrelation_scaling_draws_points_fits_and_exponents():
    sizes = [8, 16, 32]
    tau = {"metropolis": [4.0, 16.0, 64.0], "wolff": [1.0, 1.2, 1.4]}
    fits = {m: np.polyfit(np.log(sizes), np.log(t), 1) for m, t in tau.items()}
    fig = plot.autocorrelation_scaling(sizes, tau, fits)
    (ax,) = fig.axes
    assert ax.get_xscale() == ax.get_yscale() == "log"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["metropolis: z = 2.00", f"wolff: z = {fits['wolff'][0]:.2f}"]
    fit_lines = [line for line in ax.lines if line.get_linestyle() == ":"]
    assert len(fit_lines) == 2
    fitted = fit_lines[0].get_ydata()  # the fit through exact power-law points
    np.testing.assert_allclose(fitted, tau["metropolis"], rtol=1e-12)
    with pytest.raises(ValueError, match="one value per size"):
        plot.autocorrelation_scaling(sizes, {"wolff": [1.0]}, {"wolff": (0.0, 0.0)})
    with pytest.raises(ValueError, match="same methods"):
        plot.autocorrelation_scaling(sizes, tau, {"wolff": (0.0, 0.0)})
    with pytest.raises(ValueError, match="sizes"):
        plot.autocorrelation_scaling([8], {"wolff": [1.0]}, {"wolff": (0.0, 0.0)})


def test_autocorrelation_scaling_draws_the_error_bars_it_is_given():
    sizes, tau = [8, 16], {"wolff": [1.0, 1.2]}
    fits = {"wolff": (0.26, 0.0)}
    fig = plot.autocorrelation_scaling(sizes, tau, fits, tau_err={"wolff": [0.1, 0.2]})
    (ax,) = fig.axes
    (bars,) = ax.collections  # one LineCollection of vertical error bars
    spans = [seg[:, 1] for seg in bars.get_segments()]
    np.testing.assert_allclose([hi - lo for lo, hi in spans], [0.2, 0.4], rtol=1e-12)
    with pytest.raises(ValueError, match="tau_err"):
        plot.autocorrelation_scaling(sizes, tau, fits, tau_err={"wolff": [0.1]})


def test_training_curves_start_at_epoch_one_on_a_log_axis():
    fig = plot.training_curves({"CD-1": [1.0, 0.5, 0.2], "PCD-1": [1.0, 0.1, 0.01]}, ylabel="KL (nats)")
    (ax,) = fig.axes
    assert ax.get_yscale() == "log" and ax.get_ylabel() == "KL (nats)"
    assert np.array_equal(ax.lines[0].get_xdata(), [1, 2, 3])
    assert np.array_equal(ax.lines[1].get_ydata(), [1.0, 0.1, 0.01])
    with pytest.raises(ValueError, match="at least one"):
        plot.training_curves({}, ylabel="KL")
    with pytest.raises(ValueError, match=r"curves\['x'\]"):
        plot.training_curves({"x": []}, ylabel="KL")


def test_error_by_width_draws_one_line_per_label():
    fig = plot.error_by_width([4, 16, 64], {"K = 0.300": [0.3, 0.1, 0.01]}, ylabel="relative energy error")
    (ax,) = fig.axes
    assert np.array_equal(ax.lines[0].get_xdata(), [4, 16, 64])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["K = 0.300"]
    with pytest.raises(ValueError, match="one value per width"):
        plot.error_by_width([4, 16], {"K = 0.3": [0.1]}, ylabel="e")
    with pytest.raises(ValueError, match="hidden_units"):
        plot.error_by_width([], {"K = 0.3": []}, ylabel="e")


def test_sampled_against_exact_ranks_states_by_exact_probability():
    p = np.array([0.1, 0.6, 0.3])
    f = np.array([0.12, 0.58, 0.30])
    fig = plot.sampled_against_exact(f, p, n_shown=2, sample_label="Gibbs", exact_label="exact")
    (ax,) = fig.axes
    heights = [bar.get_height() for bar in ax.patches]
    assert heights == [0.58, 0.30]  # the two most probable states, most probable first
    assert np.array_equal(ax.lines[0].get_ydata(), [0.6, 0.3])
    assert sorted(t.get_text() for t in ax.get_legend().get_texts()) == ["Gibbs", "exact"]
    assert "2 most probable" in ax.get_xlabel()
    with pytest.raises(ValueError, match="equal length"):
        plot.sampled_against_exact(f[:2], p)
    with pytest.raises(ValueError, match="n_shown"):
        plot.sampled_against_exact(f, p, n_shown=0)


# ------------------------------------------------------------------------------ the shared building blocks
def test_spin_grid_draws_every_image_black_for_plus_one():
    rows = [np.ones((3, 4, 4), dtype=np.int8), -np.ones((3, 2, 2), dtype=np.int8)]
    fig = plot.spin_grid(rows, row_labels=["data", "b = 2"], col_labels=["a", "b", "c"])
    axes = fig.axes
    assert len(axes) == 6 and axes[0].get_ylabel() == "data" and axes[3].get_ylabel() == "b = 2"
    image = axes[0].images[0]
    assert image.get_cmap().name == plot.SPIN_CMAP and image.get_clim() == (-1.0, 1.0)
    assert axes[1].get_title() == "b"
    with pytest.raises(ValueError, match="row_labels"):
        plot.spin_grid(rows, row_labels=["only one"])
    with pytest.raises(ValueError, match="equal n_cols"):
        plot.spin_grid([np.ones((3, 4, 4)), np.ones((2, 4, 4))])


def test_weight_grid_centres_each_colour_scale_on_zero():
    fields = np.stack([np.full((3, 3), 2.0), np.full((3, 3), -0.5), np.eye(3)])
    fig = plot.weight_grid(fields, n_cols=2, titles=["a", "b", "c"], colorbar=False)
    images = [ax.images[0] for ax in fig.axes if ax.images]
    assert [im.get_clim() for im in images] == [(-2.0, 2.0), (-0.5, 0.5), (-1.0, 1.0)]
    assert len(fig.axes) == 4 and not fig.axes[3].axison  # the spare panel is hidden
    shared = plot.weight_grid(fields, n_cols=3, shared_scale=True)
    assert all(ax.images[0].get_clim() == (-2.0, 2.0) for ax in shared.axes if ax.images)
    with pytest.raises(ValueError, match="n_cols"):
        plot.weight_grid(fields, n_cols=0)


def _colorbars(fig):
    return [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]


def test_weight_grid_has_one_labelled_colour_bar_in_the_units_of_its_scale():
    fields = np.stack([np.full((3, 3), 2.0), np.full((3, 3), -0.5), np.eye(3)])
    (bar,) = _colorbars(plot.weight_grid(fields, n_cols=3, shared_scale=True, label="W"))
    assert bar.get_ylabel() == "W" and bar.get_ylim() == (-2.0, 2.0)
    (bar,) = _colorbars(plot.weight_grid(fields, n_cols=2))  # each panel on its own scale
    assert bar.get_ylim() == (-1.0, 1.0) and "largest |weight| of its panel" in bar.get_ylabel()


# ------------------------------------------------------------------------------ rules every figure keeps
def _ticks_are_integers(axis):
    lo, hi = sorted(axis.get_view_interval())
    ticks = [t for t in axis.get_majorticklocs() if lo <= t <= hi]
    return len(ticks) >= 2 and all(float(t).is_integer() for t in ticks)


def test_epochs_ranks_and_steps_get_integer_ticks():
    fig = plot.training_curves({"CD-1": [1.0, 0.5, 0.2]}, ylabel="KL (nats)")
    assert _ticks_are_integers(fig.axes[0].xaxis)  # three epochs: the default ticks would be 1.0, 1.5, ...
    fig = plot.sampled_against_exact(np.array([0.5, 0.3, 0.2]), np.array([0.5, 0.3, 0.2]), n_shown=3)
    assert _ticks_are_integers(fig.axes[0].xaxis)


def _visible_labels(axis, renderer):
    labels = [t for t in axis.get_ticklabels(which="both") if t.get_visible() and t.get_text()]
    lo, hi = sorted(axis.get_view_interval())
    inside = [t for t in labels if lo <= (t.get_position()[0] if axis.axis_name == "x" else t.get_position()[1]) <= hi]
    return [t.get_window_extent(renderer) for t in inside]


def _log_axes_read_cleanly(fig):
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if axis.get_scale() != "log":
                continue
            boxes = _visible_labels(axis, renderer)
            assert len(boxes) >= 2, f"fewer than two labelled ticks on the {axis.axis_name} axis"
            assert not any(a.overlaps(b) for a, b in itertools.combinations(boxes, 2)), "tick labels overlap"


def test_log_axes_label_at_least_two_ticks_and_no_labels_overlap():
    # The book's widths and sides: the default labels 3×10^1 and 4×10^1 overlapped.
    _log_axes_read_cleanly(plot.error_by_width([4, 16, 64], {"K = 0.3": [0.55, 0.19, 0.06]}, ylabel="error"))
    sizes, tau = [8, 16, 32, 64], {"wolff": [1.1, 1.4, 1.8, 2.2]}
    _log_axes_read_cleanly(
        plot.autocorrelation_scaling(sizes, tau, {"wolff": np.polyfit(np.log(sizes), np.log(tau["wolff"]), 1)})
    )
    # A curve within one decade: decades alone would label one tick or none.
    _log_axes_read_cleanly(plot.training_curves({"CD-1": np.geomspace(0.5, 0.02, 40)}, ylabel="KL (nats)"))


def _all_figures():
    """Every figure function with small input of the book's shape."""
    k = np.linspace(0.2, 0.7, 6)
    stats = ising.LatticeStatistics(energy=-1.2, abs_m=0.5, xi=1.5, spacing=2)
    field = compare.FieldSummary(rms_radius=3.14, half_radius=2.0, block_share=0.1, coverage=0.5)
    g = np.exp(-np.arange(12) / 4)
    comparison = compare.DBNComparison(
        stats,
        (field,) * 3,
        (stats,) * 3,
        (stats,) * 3,
        assignments=(None,) * 3,
        hidden=(stats,) * 3,
        hidden_sign=(stats,) * 3,
        g_data=g,
        g_reconstructions=(g,) * 3,
        g_blocks=(g[::2], g[::4], g[::8]),
        g_hidden=(g[::2], g[::4], None),
    )

    def mcrg_run(b, sides):
        n = len(sides) - 1
        ones = np.ones(n)
        return SimpleNamespace(b=b, sides=sides, y_t=ones, y_t_err=0.01 * ones, y_h=1.87 * ones, y_h_err=0.001 * ones)

    spins = np.sign(np.random.default_rng(0).normal(size=(6, 8, 8)))
    flows = np.array([[0.4, 0.38, 0.33], [0.44, 0.44, 0.44], [0.48, 0.52, 0.6]])
    lam = np.geomspace(0.1, 64, 8)
    return {
        "spin_grid": lambda: plot.spin_grid([spins, spins], row_labels=["a", "b"], col_labels=list("abcdef")),
        "weight_grid": lambda: plot.weight_grid(np.concatenate([spins, spins]), n_cols=6, titles=["L1 = 0"] * 12),
        "energy_and_specific_heat": lambda: plot.energy_and_specific_heat(
            k, {f"L = {n}": -k * n for n in (4, 8, 16)}, {f"L = {n}": k * n for n in (4, 8, 16)}, critical=0.44
        ),
        "autocorrelation_scaling": lambda: plot.autocorrelation_scaling([8, 16], {"a": [1, 2]}, {"a": (1.0, 0.0)}),
        "training_curves": lambda: plot.training_curves({"CD-1": [1.0, 0.1], "PCD-1": [1.0, 0.2]}, ylabel="KL"),
        "error_by_width": lambda: plot.error_by_width([4, 16], {"K = 0.3": [0.1, 0.01]}, ylabel="error"),
        "sampled_against_exact": lambda: plot.sampled_against_exact(np.full(4, 0.25), np.full(4, 0.25)),
        "generated_couplings": lambda: plot.generated_couplings(k, {"nn": k, "nnn": k / 1e3}, log_panel=True),
        "criteria_along_family": lambda: plot.criteria_along_family(k, {"a": k, "b": -k}, [0.3, 0.4], xlabel="s"),
        "bound_along_strength": lambda: plot.bound_along_strength(k, k, k, k),
        "coupling_flow": lambda: plot.coupling_flow(k, k),
        "kernel_limit": lambda: plot.kernel_limit(k, np.exp(-k), np.exp(-k)),
        "learned_chain": lambda: plot.learned_chain({"12 hidden": np.geomspace(1, 0.01, 30)}, np.eye(12), np.eye(12)),
        "kernel_family": lambda: plot.kernel_family(
            lam, [f"α = {a}" for a in range(5)], np.ones((5, 8)), np.ones((5, 8)), np.ones((5, 8)), 0.3
        ),
        "strongest_fields": lambda: plot.strongest_fields([spins, spins[:4], spins[:2]], n_per_layer=6),
        "reconstructions_and_samples": lambda: plot.reconstructions_and_samples(spins, spins, spins, spins[:3]),
        "correlations_versus_blocks": lambda: plot.correlations_versus_blocks(comparison, (2, 4, 8)),
        "flow_map": lambda: plot.flow_map(
            k, k**2, {f"K0 = {x}": rg.decimation_flow(x, 4) for x in (0.3, 0.5, 0.7, 0.9, 1.1, 1.3)}
        ),
        "mcrg_exponents": lambda: plot.mcrg_exponents(
            {"L = 16": mcrg_run(2, (16, 8, 4)), "L = 27": mcrg_run(3, (27, 9, 3)), "L = 64": mcrg_run(4, (64, 16, 4))}
        ),
        "thermometer_flow": lambda: plot.thermometer_flow(
            flows, flows / 100, reference={"K_c": 0.44}, fit=(0.44, 2.0), reference_slope=2.0
        ),
        "ring_flows": lambda: plot.ring_flows(
            {
                k0: (
                    np.array([k0, k0 / 2, k0 / 4]),
                    [{"posterior": k, "marginal": k, "clean_ring": k[1:] > 0, "posterior_truncation_kl": 0 * k[1:]}],
                )
                for k0, k in ((0.8, np.array([0.8, 0.4, 0.2])), (1.5, np.array([1.5, 0.8, 0.4])), (2.0, np.ones(3)))
            }
        ),
        "map_flows": lambda: plot.map_flows(
            {name: (k[:3], flows, flows / 100) for name in ("DBN 0/1", "DBN ±1", "majority", "decimation")},
            reference=0.44,
        ),
    }


FIGURES = _all_figures()


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_every_figure_fits_the_column_with_text_that_stays_readable(name):
    """At most MAX_WIDTH wide, so that shown at the ~7 in column no text falls below 9 pt."""
    fig = FIGURES[name]()
    width = fig.get_size_inches()[0]
    assert width <= plot.MAX_WIDTH
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    smallest = min(t.get_fontsize() for t in texts)
    assert smallest >= plot.SMALLEST_FONT
    assert smallest * min(1.0, 7.0 / width) >= 9.0


# ------------------------------------------------------------------------------ sharp figures on HiDPI screens
def test_hidpi_png_doubles_the_pixels_and_gives_only_the_displayed_width():
    pytest.importorskip("IPython")
    fig, ax = plt.subplots(figsize=(4, 3), dpi=100)
    ax.plot([0, 1], [0, 1])
    data, metadata = plot._hidpi_png(fig)
    png = base64.b64decode(data)
    pixel_width = int.from_bytes(png[16:20], "big")
    assert 700 <= pixel_width <= 800  # 4 in at 2 × 100 dpi, less the margin the tight box trims
    # No height: the page then keeps the aspect when a narrow column shrinks the width.
    assert metadata == {"width": pixel_width // 2}


def test_use_book_style_shows_inline_figures_at_double_resolution_in_ipython(monkeypatch):
    IPython = pytest.importorskip("IPython")
    from IPython.core.formatters import PNGFormatter

    formatter = PNGFormatter()
    shell = SimpleNamespace(display_formatter=SimpleNamespace(formatters={"image/png": formatter}))
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1])
    with mpl.rc_context():
        plot.use_book_style()
    data, metadata = formatter(fig)
    assert metadata == {"width": int.from_bytes(base64.b64decode(data)[16:20], "big") // 2}


def test_use_book_style_outside_ipython_only_sets_the_style():
    with mpl.rc_context():
        plot.use_book_style()
        assert mpl.rcParams["figure.facecolor"] == "white" and mpl.rcParams["legend.fontsize"] == plot.SMALLEST_FONT
    with pytest.raises(TypeError, match="hidpi"):
        plot.use_book_style(hidpi="yes")


def test_markdown_table_formats_floats_and_checks_row_widths():
    table = plot.markdown_table(["name", "x"], [["a", 1.23456], ["b", 7]], floatfmt=".2f")
    assert table.splitlines() == ["| name | x |", "|---|---|", "| a | 1.23 |", "| b | 7 |"]
    with pytest.raises(ValueError, match="2 entries"):
        plot.markdown_table(["name", "x"], [["a"]])
