"""The yardstick chapter's machinery: cached blocked operator sums (rgkit.data.mcrg_sums) and
its figures and tables (rgkit.plot)."""

from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from rgkit import data, exact, mc, mcrg, plot, rg, stats  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# ----------------------------------------------------------------------------- data.mcrg_sums
def test_mcrg_sums_are_cached_and_the_same_bytes_from_the_same_seed(tmp_path):
    args = (8, 0.3, 2, 1, 64)
    first, entry = data.mcrg_sums(*args, seed=3, directory=tmp_path / "a")
    again, cached_entry = data.mcrg_sums(*args, seed=3, directory=tmp_path / "a")
    fresh, _ = data.mcrg_sums(*args, seed=3, directory=tmp_path / "b")
    other, _ = data.mcrg_sums(*args, seed=4, directory=tmp_path / "a")
    assert not entry.from_cache and cached_entry.from_cache
    assert first.sides == (8, 4) and first.operators == tuple(mcrg.OPERATORS)
    for a, b, c in zip(first.sums, again.sums, fresh.sums, strict=True):
        assert np.array_equal(a, b) and np.array_equal(a, c)
    assert not np.array_equal(first.sums[0], other.sums[0])
    assert {"tau_int", "thin", "block_seconds"} <= set(entry.info)


def test_mcrg_sums_level_zero_holds_the_documented_samples(tmp_path):
    # The docstring's contract: the first of SeedSequence(seed).spawn(2) draws the samples.
    sums, _ = data.mcrg_sums(8, 0.35, 2, 1, 50, seed=7, transform="decimation", directory=tmp_path)
    stream = np.random.default_rng(np.random.SeedSequence(7).spawn(2)[0])
    spins = mc.sample(8, 0.35, 50, method="wolff", seed=stream, n_chains=2, progress=False)
    assert np.array_equal(sums.sums[0], mcrg.operator_sums(spins, sums.level_operators(0)))
    coarse = mcrg.operator_sums(rg.decimate(spins, 2), sums.level_operators(1))
    assert np.array_equal(sums.sums[1], coarse)


def test_both_transforms_block_the_same_samples(tmp_path):
    maj, _ = data.mcrg_sums(8, 0.4, 2, 1, 64, seed=1, directory=tmp_path)
    dec, _ = data.mcrg_sums(8, 0.4, 2, 1, 64, seed=1, transform="decimation", directory=tmp_path)
    assert np.array_equal(maj.sums[0], dec.sums[0])
    assert not np.array_equal(maj.sums[1], dec.sums[1])


def test_sampled_nearest_neighbour_correlation_matches_the_exact_torus(tmp_path):
    L, K = 8, 0.3
    sums, _ = data.mcrg_sums(L, K, 2, 1, 2_000, seed=0, directory=tmp_path)
    nn = sums.sums[0][:, sums.level_operators(0).index("nn")] / (2 * L * L)
    mean, err = stats.binning_error(nn)
    assert abs(mean - exact.torus_nn_correlation(L, K)) < 4 * err


def test_decimated_nearest_neighbours_are_the_fine_pairs_at_distance_b(tmp_path):
    # Level 1 of decimation keeps every b-th spin, so its nearest-neighbour pairs are a subset
    # of level 0's third-neighbour pairs (distance 2): per pair, the same expectation.
    L = 12
    sums, _ = data.mcrg_sums(L, 0.4, 2, 1, 2_000, seed=2, transform="decimation", directory=tmp_path)
    third = sums.sums[0][:, sums.level_operators(0).index("third")] / (2 * L * L)
    nn = sums.sums[1][:, sums.level_operators(1).index("nn")] / (2 * (L // 2) ** 2)
    mean, err = stats.binning_error(nn - third)
    assert abs(mean) < 4 * err and np.mean(nn) > 0.2


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"L": 10, "n_levels": 2}, ValueError, "divisible"),
        ({"L": 8, "n_levels": 2}, ValueError, "at least 3"),
        ({"transform": "median"}, ValueError, "transform"),
        ({"transform": 3}, TypeError, "transform"),
        ({"b": 1}, ValueError, "b"),
        ({"K": "hot"}, TypeError, "K"),
        ({"seed": -1}, ValueError, "seed"),
        ({"n_samples": 1}, ValueError, "n_samples"),
    ],
)
def test_mcrg_sums_refuses_bad_arguments_before_sampling(monkeypatch, tmp_path, kwargs, error, match):
    def no_sampling(*args, **kw):
        raise AssertionError("sampled before checking the arguments")

    monkeypatch.setattr(mc, "sample_with_info", no_sampling)
    args = {"L": 8, "K": 0.4, "b": 2, "n_levels": 1, "n_samples": 16, "seed": 0} | kwargs
    with pytest.raises(error, match=match):
        data.mcrg_sums(**args, directory=tmp_path)


# ----------------------------------------------------------------------------- figures and tables
def fake_result(b, sides, y_t, y_h):
    """The fields of an MCRGResult that the figures and tables read."""
    n = len(sides) - 1
    y_t, y_h = np.asarray(y_t, float), np.asarray(y_h, float)
    return SimpleNamespace(
        b=b,
        sides=tuple(sides),
        y_t=y_t,
        y_t_err=np.full(n, 0.01),
        y_h=y_h,
        y_h_err=np.full(n, 0.001),
        even_operators=("nn", "nnn"),
        odd_operators=("magnetization",),
        y_t_by_count=np.column_stack([y_t - 0.05, y_t]),
        y_t_by_count_err=np.full((n, 2), 0.01),
        y_h_by_count=y_h[:, None],
        y_h_by_count_err=np.full((n, 1), 0.001),
    )


def test_flow_map_draws_the_map_the_diagonal_and_one_flow_per_start():
    grid = np.linspace(0.01, 1.0, 50)
    mapped = np.array([rg.migdal_kadanoff_coupling(k) for k in grid])
    k_star, _ = rg.migdal_kadanoff_fixed_point()
    flows = {"below": rg.migdal_kadanoff_flow(k_star - 0.02, 4), "above": rg.migdal_kadanoff_flow(k_star + 0.02, 4)}
    fig = plot.flow_map(grid, mapped, flows, fixed_points=[k_star])
    ax_map, ax_n = fig.axes
    assert np.allclose(ax_map.lines[0].get_ydata(), mapped) and np.allclose(ax_map.lines[1].get_ydata(), grid)
    assert [line.get_label() for line in ax_n.lines[:2]] == list(flows)
    assert np.allclose(ax_n.lines[1].get_ydata(), flows["above"])
    cobweb = ax_map.lines[2]  # the staircase of the first flow starts on the diagonal
    assert cobweb.get_xdata()[0] == cobweb.get_ydata()[0] == flows["below"][0]
    with pytest.raises(ValueError, match="shape"):
        plot.flow_map(grid, mapped[:-1], flows)
    with pytest.raises(ValueError, match="one to six"):
        plot.flow_map(grid, mapped, {})


def test_mcrg_exponents_puts_each_block_side_in_a_column_at_the_coarse_sides():
    runs = {
        "L = 16": fake_result(2, (16, 8, 4), [0.96, 1.0], [1.88, 1.875]),
        "L = 32": fake_result(2, (32, 16, 8, 4), [0.97, 1.0, 0.99], [1.881, 1.876, 1.874]),
        "L = 27": fake_result(3, (27, 9, 3), [0.94, 1.02], [1.858, 1.875]),
    }
    fig = plot.mcrg_exponents(runs)
    axes = np.array(fig.axes).reshape(2, 2)
    assert [t.get_text() for t in axes[0, 0].get_legend().get_texts()][-2:] == ["L = 16", "L = 32"]
    # errorbar containers hold the data line first: x are the coarse sides, y the exponents
    line = axes[1, 0].containers[1].lines[0]
    assert np.allclose(line.get_xdata(), [16, 8, 4]) and np.allclose(line.get_ydata(), runs["L = 32"].y_h)
    assert axes[0, 1].containers[0].lines[0].get_xdata().tolist() == [9, 3]
    assert axes[0, 0].lines[-1].get_ydata()[0] == 1.0 and axes[1, 1].lines[-1].get_ydata()[0] == 15 / 8
    with pytest.raises(TypeError, match="MCRGResult"):
        plot.mcrg_exponents({"x": object()})
    with pytest.raises(ValueError, match="at least one"):
        plot.mcrg_exponents({})


def test_mcrg_table_has_a_row_per_map_and_a_column_per_operator_count():
    r = fake_result(2, (8, 4, 2), [0.97, 1.0], [1.88, 1.875])
    r.y_t_by_count[1, 1] = np.nan  # the coarse lattice too small for the second operator
    lines = plot.mcrg_table(r, "even", decimals=2).splitlines()
    assert lines[0] == "| map | nn | + nnn |"
    assert lines[2] == "| 0: 8 → 4 | 0.92 ± 0.01 | 0.97 ± 0.01 |"
    assert lines[3].endswith("| – |") and len(lines) == 4
    assert "1.8750 ± 0.0010" in plot.mcrg_table(r, "odd", decimals=4)
    with pytest.raises(ValueError, match="parity"):
        plot.mcrg_table(r, "thermal")


def test_mcrg_size_table_names_the_side_each_map_ends_on_and_pads_short_runs():
    runs = {
        "L = 16": fake_result(2, (16, 8, 4), [0.96, 1.0], [1.88, 1.875]),
        "L = 32": fake_result(2, (32, 16, 8, 4), [0.97, 1.0, 0.99], [1.881, 1.876, 1.874]),
    }
    lines = plot.mcrg_size_table(runs, "odd", decimals=3).splitlines()
    assert lines[0] == "| run | map 0 | map 1 | map 2 |"
    assert lines[2] == "| L = 16 | 1.880 ± 0.001 (→ 8) | 1.875 ± 0.001 (→ 4) | – |"
    assert "0.990 ± 0.010 (→ 4)" in plot.mcrg_size_table(runs, "even")
    with pytest.raises(ValueError, match="parity"):
        plot.mcrg_size_table(runs, "magnetic")


def test_thermometer_flow_draws_every_level_and_the_fitted_crossing():
    k = np.array([[0.40, 0.38, 0.33], [0.44, 0.44, 0.44], [0.48, 0.52, 0.60]])
    err = np.full_like(k, 0.001)
    fig = plot.thermometer_flow(k, err, reference={"K_c": 0.4407}, fit=(0.44, 2.0), reference_slope=2.0)
    ax_n, ax_map = fig.axes
    assert np.allclose(ax_n.containers[2].lines[0].get_ydata(), k[2])
    assert np.allclose(ax_map.containers[1].lines[0].get_xdata(), k[:, 1])  # level 1 → 2
    assert np.allclose(ax_map.containers[1].lines[0].get_ydata(), k[:, 2])
    fitted = [line for line in ax_map.lines if line.get_label().startswith("fit")]
    (x0, x1), (y0, y1) = fitted[0].get_xdata(), fitted[0].get_ydata()
    assert np.isclose((y1 - y0) / (x1 - x0), 2.0)
    with pytest.raises(ValueError, match="shape"):
        plot.thermometer_flow(k, err[:, :2])
    with pytest.raises(ValueError, match="give fit"):
        plot.thermometer_flow(k, err, reference_slope=2.0)
