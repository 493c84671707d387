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
    axes = np.array(fig.axes).reshape(2, 3)
    shown = [ax.images[0].get_array()[0, 0] for ax in axes[0]]
    assert shown == [4, 3, 2]
    assert axes[1, 0].images[0].get_array()[1, 1] == -3.0  # |−3| > |1|
    assert not axes[1, 2].images and not axes[1, 2].axison  # the narrow layer leaves a blank
    assert axes[0, 0].get_ylabel() == "layer 1" and axes[1, 0].get_ylabel() == "layer 2"
    vmin, vmax = axes[0, 0].images[0].get_clim()
    assert vmin == -vmax == -4  # a symmetric scale per panel
    with pytest.raises(ValueError, match="n_per_layer"):
        plot.strongest_fields(fields, n_per_layer=0)
    with pytest.raises(ValueError, match="fields"):
        plot.strongest_fields([np.zeros((4, 4))])


def test_reconstructions_and_samples_layout():
    rng = np.random.default_rng(0)
    data = rng.integers(0, 2, (4, 6, 6))
    fig = plot.reconstructions_and_samples(data, rng.random((4, 6, 6)), data, data[:3])
    axes = np.array(fig.axes).reshape(3, 5)
    assert [ax.get_ylabel() for ax in axes[:, 0]] == ["data", "means", "a draw"]
    assert axes[0, 4].get_title() == "DBN samples"
    assert np.array_equal(axes[2, 4].images[0].get_array(), data[2])
    assert all(ax.images[0].get_clim() == (0, 1) for ax in axes.ravel())
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
