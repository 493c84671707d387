"""The figures of the Ising, training and RBM chapters (rgkit.plot, their section)."""

from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from rgkit import plot


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


def test_markdown_table_formats_floats_and_checks_row_widths():
    table = plot.markdown_table(["name", "x"], [["a", 1.23456], ["b", 7]], floatfmt=".2f")
    assert table.splitlines() == ["| name | x |", "|---|---|", "| a | 1.23 |", "| b | 7 |"]
    with pytest.raises(ValueError, match="2 entries"):
        plot.markdown_table(["name", "x"], [["a"]])
