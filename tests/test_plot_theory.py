"""The figures of the theory and 1D chapters draw what they are given."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from rgkit import plot, rg  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_rounding_level_prints_a_bound_or_the_number():
    assert plot.rounding_level(3e-17) == "< 1e-12"
    assert plot.rounding_level(-2e-13) == "< 1e-12"
    assert plot.rounding_level(0.25) == "= 2.5e-01"
    assert plot.rounding_level(1e-5, tol=1e-3) == "< 1e-03"


def test_coupling_flow_draws_the_couplings_and_the_halving_reference():
    flow = rg.decimation_flow(0.6, 6)
    xi = -1 / np.log(np.tanh(flow))
    fig = plot.coupling_flow(flow, xi)
    ax_k, ax_xi = fig.axes
    assert np.allclose(ax_k.lines[0].get_ydata(), flow)
    assert np.allclose(ax_xi.lines[0].get_ydata(), xi)
    assert np.allclose(ax_xi.lines[1].get_ydata(), xi[0] / 2.0 ** np.arange(7))
    assert ax_xi.get_yscale() == "log" and ax_xi.get_legend() is not None


def test_generated_couplings_draws_one_labelled_line_per_coupling():
    x = np.linspace(0, 4, 5)
    curves = {"nearest neighbour": x / 10, "four spins": x**2 / 100}
    fig = plot.generated_couplings(x, curves)
    (ax,) = fig.axes
    assert [line.get_label() for line in ax.lines] == list(curves)
    assert np.allclose(ax.lines[1].get_ydata(), curves["four spins"])


def test_criteria_along_family_marks_the_choice_of_each_criterion():
    s = np.linspace(0, 2, 9)
    fig = plot.criteria_along_family(s, {"a": (s - 1) ** 2, "b": 1 - s}, [1.0, 1.0], xlabel="s")
    (ax,) = fig.axes
    assert len(ax.lines) == 5 and np.allclose(ax.lines[1].get_xdata(), 1.0)
    assert np.allclose(ax.lines[2].get_ydata(), 1 - s)


def test_kernel_limit_and_kernel_choice_use_log_axes():
    k = np.array([0.5, 2.0, 8.0])
    fig = plot.kernel_limit(k, np.exp(-2 * k), np.exp(-2 * k) / 2)
    assert fig.axes[0].get_yscale() == "log" and len(fig.axes[0].lines) == 2
    rows = np.vstack([k / 10, k / 20])
    fig = plot.kernel_family(k, ["a", "b"], rows, rows / 10, rows / 100, 0.3)
    ax_c, ax_o, ax_kl, ax_legend = fig.axes
    assert not ax_legend.axison  # the fourth cell holds the legend of all three panels
    assert [t.get_text() for t in ax_legend.get_legend().get_texts()] == ["a", "b", "decimation: $K'$"]
    assert ax_c.get_xscale() == "log" and ax_o.get_yscale() == "log" and ax_kl.get_yscale() == "log"
    assert np.allclose(ax_c.lines[2].get_ydata(), 0.3)  # the decimation line
    assert np.allclose(ax_o.lines[1].get_ydata(), k / 200)


def test_kernel_family_leaves_out_values_at_rounding_level_on_log_axes():
    k = np.array([0.5, 2.0, 8.0])
    other = np.array([[1e-3, 1e-6, 0.0]])
    fig = plot.kernel_family(k, ["a"], np.ones((1, 3)), other, other, 0.3)
    assert np.isnan(fig.axes[1].lines[0].get_ydata()[2])


def test_bound_along_strength_draws_the_gap_and_two_couplings():
    x = np.linspace(0, 4, 5)
    fig = plot.bound_along_strength(x, 1 / (1 + x), x / 10, x / 8)
    ax_f, ax_k = fig.axes
    assert np.allclose(ax_f.lines[0].get_ydata(), 1 / (1 + x)) and len(ax_k.lines) == 2
    assert ax_k.get_legend() is not None


def test_learned_chain_shares_one_colour_scale_centred_on_zero():
    learned, exact = np.array([[0.5, -1.0], [0.2, 0.1]]), np.array([[2.0, 0.0], [0.0, 2.0]])
    fig = plot.learned_chain({"4 hidden": [1.0, 0.5, 0.2]}, learned, exact)
    ax_kl, ax_w, ax_e, bar = fig.axes
    assert len(ax_kl.lines) == 1 and ax_kl.get_legend() is not None
    for ax in (ax_w, ax_e):
        assert ax.images[0].get_clim() == (-2.0, 2.0)
    assert bar.get_label() == "<colorbar>" and bar.get_ylim() == (-2.0, 2.0) and "W_{ij}" in bar.get_ylabel()


def _integer_ticks(axis):
    lo, hi = sorted(axis.get_view_interval())
    ticks = [t for t in axis.get_majorticklocs() if lo <= t <= hi]
    return len(ticks) >= 2 and all(float(t).is_integer() for t in ticks)


def test_unit_indices_and_steps_get_integer_ticks():
    # Two units: the default locator would tick at −0.5, 0, 0.5, 1, 1.5.
    fig = plot.learned_chain({"2 hidden": [1.0, 0.5, 0.2]}, np.eye(2), np.eye(2))
    for ax in fig.axes[:3]:
        assert _integer_ticks(ax.xaxis)
    for ax in fig.axes[1:3]:
        assert _integer_ticks(ax.yaxis)
    fig = plot.coupling_flow(np.array([0.6, 0.3, 0.1]), np.array([1.6, 0.8, 0.4]))
    assert all(_integer_ticks(ax.xaxis) for ax in fig.axes)


def test_generated_couplings_can_show_small_couplings_on_a_log_panel():
    x = np.linspace(0, 4, 5)
    curves = {"nearest neighbour": x / 10, "four spins": -(x**2) / 1e4}
    fig = plot.generated_couplings(x, curves, log_panel=True)
    linear, log = fig.axes
    assert linear.get_yscale() == "linear" and log.get_yscale() == "log"
    drawn = log.lines[1].get_ydata()
    assert np.isnan(drawn[0]) and np.allclose(drawn[1:], x[1:] ** 2 / 1e4)  # magnitudes; the zero left out
    assert log.lines[1].get_color() == linear.lines[1].get_color()
    with pytest.raises(TypeError, match="log_panel"):
        plot.generated_couplings(x, curves, log_panel="yes")


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: plot.rounding_level("small"), TypeError),
        (lambda: plot.rounding_level(1.0, tol=0.0), ValueError),
        (lambda: plot.coupling_flow(np.ones(1), np.ones(1)), ValueError),
        (lambda: plot.coupling_flow(np.ones(3), np.ones(2)), ValueError),
        (lambda: plot.generated_couplings(np.ones(3), {}), ValueError),
        (lambda: plot.generated_couplings(np.ones(3), {"a": np.ones(2)}), ValueError),
        (lambda: plot.criteria_along_family(np.ones(3), {"a": np.ones(4)}, [1.0], xlabel="s"), ValueError),
        (lambda: plot.criteria_along_family(np.ones(3), {"a": np.ones(3)}, [], xlabel="s"), ValueError),
        (lambda: plot.kernel_limit(np.ones(3), np.ones(3), np.ones(2)), ValueError),
        (
            lambda: plot.kernel_family(np.ones(3), ["a"], np.ones((1, 3)), np.ones((1, 3)), np.ones((1, 2)), 0.1),
            ValueError,
        ),
        (lambda: plot.kernel_family(np.ones(3), ["a", "b"], *([np.ones((1, 3))] * 3), 0.1), ValueError),
        (lambda: plot.bound_along_strength(np.ones(3), np.ones(3), np.ones(3), np.ones(2)), ValueError),
        (lambda: plot.learned_chain({"a": [1.0]}, np.ones((3, 2)), np.ones((2, 3))), ValueError),
        (lambda: plot.learned_chain({}, np.ones((3, 2)), np.ones((3, 2))), ValueError),
    ],
)
def test_theory_figures_refuse_mismatched_input(call, error):
    with pytest.raises(error):
        call()
