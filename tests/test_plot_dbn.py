"""The figures and tables of the Mehta–Schwab chapter (rgkit.plot, its section)."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from rgkit import compare, ising, plot


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_strongest_fields_shows_the_units_with_the_largest_weight():
    fields = [np.zeros((5, 4, 4)), np.zeros((2, 4, 4))]
    for k in range(5):
        fields[0][k, 0, 0] = k  # unit 4 strongest, then 3, 2, 1
    fields[1][:, 1, 1] = (1.0, -3.0)
    fig = plot.strongest_fields(fields, n_per_layer=3)
    axes = np.array(fig.axes[:6]).reshape(2, 3)
    shown = [ax.images[0].get_array()[0, 0] for ax in axes[0]]
    assert shown == [4, 3, 2]
    assert [ax.get_title() for ax in axes[0]] == ["unit 4", "unit 3", "unit 2"]
    assert axes[1, 0].images[0].get_array()[1, 1] == -3.0  # |−3| > |1|
    assert not axes[1, 2].images and not axes[1, 2].axison  # the narrow layer leaves a blank
    assert axes[0, 0].get_ylabel() == "layer 1" and axes[1, 0].get_ylabel() == "layer 2"
    vmin, vmax = axes[0, 0].images[0].get_clim()
    assert vmin == -vmax == -4  # a symmetric scale per panel
    # One colour bar for the figure, in units of each panel's own scale.
    (bar,) = fig.axes[6:]
    assert bar.get_label() == "<colorbar>" and bar.get_ylim() == (-1.0, 1.0) and "its panel" in bar.get_ylabel()
    assert len(plot.strongest_fields(fields, n_per_layer=3, colorbar=False).axes) == 6
    with pytest.raises(ValueError, match="n_per_layer"):
        plot.strongest_fields(fields, n_per_layer=0)
    with pytest.raises(ValueError, match="fields"):
        plot.strongest_fields([np.zeros((4, 4))])


def test_strongest_fields_keeps_many_panels_within_the_column():
    fig = plot.strongest_fields([np.ones((8, 4, 4))], n_per_layer=8)
    assert fig.get_size_inches()[0] <= plot.MAX_WIDTH


def test_reconstructions_and_samples_keeps_the_samples_apart_from_the_labelled_rows():
    rng = np.random.default_rng(0)
    data = rng.integers(0, 2, (4, 6, 6))
    fig = plot.reconstructions_and_samples(data, rng.random((4, 6, 6)), data, data[:2])
    left, right = fig.subfigs
    axes = np.array(left.axes).reshape(3, 4)
    assert [ax.get_ylabel() for ax in axes[:, 0]] == ["data", "means", "a draw"]
    assert left.get_suptitle() == "data and their reconstructions"
    assert right.get_suptitle() == "DBN samples"
    samples = [ax for ax in right.axes if ax.images]
    assert len(samples) == 2 and not any(ax.get_ylabel() for ax in right.axes)  # no row label reaches them
    assert np.array_equal(samples[1].images[0].get_array(), data[1])
    assert all(ax.images[0].get_clim() == (0, 1) for ax in [*axes.ravel(), *samples])
    assert fig.get_size_inches()[0] <= plot.MAX_WIDTH
    with pytest.raises(ValueError, match="samples"):
        plot.reconstructions_and_samples(data, data, data, data)  # four samples
    with pytest.raises(ValueError, match="same shape"):
        plot.reconstructions_and_samples(data, data[:3], data, data[:3])


def _comparison(layers: int = 2):
    stats = ising.LatticeStatistics(energy=-1.2, abs_m=0.5, xi=1.5, spacing=2)
    field = compare.FieldSummary(rms_radius=3.14, half_radius=2.0, block_share=0.1234, coverage=0.5)
    match = compare.assign_units_to_sites(np.kron(np.eye(2), np.ones((4, 4)))[None].repeat(4, axis=0), 4)
    g = np.linspace(1, 0.2, 9)
    return compare.DBNComparison(
        stats,
        (field,) * layers,
        (stats,) * layers,
        (stats,) * layers,
        assignments=(match,) + (None,) * (layers - 1),
        hidden=(stats,) + (None,) * (layers - 1),
        hidden_sign=(stats,) + (None,) * (layers - 1),
        g_data=g,
        g_reconstructions=(g,) * layers,
        g_blocks=(g[:5], g[:3]),
        g_hidden=(g[:5], None),
    )


def test_correlations_versus_blocks_draws_block_and_hidden_curves_at_scaled_distances():
    fig = plot.correlations_versus_blocks(_comparison(), (2, 4))
    left, right = fig.axes
    assert len(left.lines) == 1 + 2 and len(right.lines) == 1 + 2 + 1  # no hidden curve for layer 2
    blocks_4 = [line for line in right.lines if line.get_label() == "blocks, b = 4"][0]
    assert np.array_equal(blocks_4.get_xdata(), [0, 4, 8])
    hidden_1 = [line for line in right.lines if line.get_label() == "hidden layer 1"][0]
    assert np.array_equal(hidden_1.get_xdata(), [0, 2, 4, 6, 8])
    assert "distance" in left.get_xlabel()
    (legend,) = fig.legends  # one legend for both panels, "data" once
    texts = [t.get_text() for t in legend.get_texts()]
    assert texts.count("data") == 1 and "hidden layer 1" in texts and "reconstruction, layer 2" in texts
    with pytest.raises(ValueError, match="one per block side"):
        plot.correlations_versus_blocks(_comparison(), (2, 4, 8))


def test_dbn_comparison_table_has_one_row_per_layer():
    table = plot.dbn_comparison_table(_comparison(), (2, 4)).splitlines()
    assert len(table) == 2 + 2
    assert table[0].startswith("| layer | b | rms radius | share in b×b | clean units | ξ hidden | ξ blocks")
    clean = _comparison().assignments[0].clean_share
    assert table[2] == f"| 1 | 2 | 3.1 | 0.123 | {clean:.2f} | 3.00 | 3.00 | -1.200 | -1.200 | 0.500 | 0.500 |"
    assert table[3] == "| 2 | 4 | 3.1 | 0.123 | – | – | 3.00 | – | -1.200 | – | 0.500 |"
    with pytest.raises(ValueError, match="layers"):
        plot.dbn_comparison_table(_comparison(), (2, 4, 8))


def test_reconstruction_table_puts_the_data_first():
    table = plot.reconstruction_table(_comparison()).splitlines()
    assert len(table) == 2 + 3
    assert table[2] == "| data | -1.200 | 0.500 | 1.50 |"
    assert table[4].startswith("| reconstruction, layer 2 |")


def _ring_run(posterior, clean, kl):
    return {
        "posterior": np.asarray(posterior, dtype=float),
        "marginal": np.asarray(posterior, dtype=float) + 0.1,
        "clean_ring": np.asarray(clean),
        "posterior_truncation_kl": np.asarray(kl, dtype=float),
    }


def test_ring_flows_marks_layers_that_form_a_ring_and_wraps_two_panels_per_row():
    decimation = np.array([0.8, 0.5, 0.2])
    runs = [
        _ring_run([0.8, 0.52, 0.3], [True, False], [0.01, 0.01]),
        _ring_run([0.8, 0.6, 0.1], [True, True], [0.2, 0.0]),
    ]
    fig = plot.ring_flows({0.8: (decimation, runs), 1.1: (decimation, runs), 1.5: (decimation, runs)})
    axes = fig.axes
    assert len(axes) == 4 and not axes[3].axison  # three panels in a 2 × 2 grid, the spare one hidden
    assert fig.get_size_inches()[0] <= plot.MAX_WIDTH
    dots, crosses = axes[0].lines[1], axes[0].lines[2]  # the first seed's q: a ring at layer 1, not at layer 2
    assert np.allclose(dots.get_ydata(), [0.8, 0.52]) and np.allclose(crosses.get_ydata(), [0.3])
    # The second seed: layer 1 is a clean ring but too far from it (KL 0.2), layer 2 within.
    assert np.allclose(axes[0].lines[4].get_ydata(), [0.8, 0.1]) and np.allclose(axes[0].lines[5].get_ydata(), [0.6])
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == [
        "decimation",
        "$q$, a ring",
        "$q$, not a ring",
        r"RBM marginal $p_\lambda(h)$",
    ]
    with pytest.raises(ValueError, match="do not match"):
        plot.ring_flows({0.8: (decimation[:2], runs)})
    with pytest.raises(ValueError, match="at least one"):
        plot.ring_flows({})
