"""Monte Carlo against exact results, with error bars taken from the samples themselves."""

import numpy as np
import pytest
from scipy.stats import chi2

from rgkit import exact, ising, mc, stats
from rgkit.exact import KC

METHODS = ["metropolis", "heatbath", "wolff", "swendsen-wang"]


def within(samples, expected, n_sigma=4.0):
    mean, err = stats.binning_error(samples)
    return abs(mean - expected) <= n_sigma * err, (mean, err, expected)


def chi_square_p(observed, expected, min_expected=5.0):
    """p-value of a chi-square test, pooling the bins expected to hold fewer than 5 counts."""
    rare = expected < min_expected
    obs = np.append(observed[~rare], observed[rare].sum())
    exp = np.append(expected[~rare], expected[rare].sum())
    if exp[-1] == 0:
        obs, exp = obs[:-1], exp[:-1]
    return chi2.sf(np.sum((obs - exp) ** 2 / exp), df=len(exp) - 1)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(("L", "K"), [(6, 0.3), (10, KC), (8, 0.6)])
def test_energy_matches_kaufman(method, L, K):
    s = mc.sample(L, K, 4000, method=method, seed=11)
    ok, detail = within(ising.energy(s) / L**2, exact.torus_energy(L, K))
    assert ok, detail


@pytest.mark.parametrize("method", METHODS)
def test_magnetisation_squared_matches_enumeration_on_4x4(method):
    e, m = exact.ising_enumeration(4)
    for K in (0.3, KC):
        s = mc.sample(4, K, 6000, method=method, seed=12)
        ok, detail = within(ising.magnetization(s) ** 2, exact.enumerated_average(m**2, e, K))
        assert ok, (K, detail)


def _state_index(s):
    flat = (s.reshape(len(s), -1) > 0).astype(np.int64)
    return flat @ (2 ** np.arange(flat.shape[1] - 1, -1, -1))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(("L", "K", "n"), [(2, 0.4, 20_000), (3, 0.35, 60_000)])
def test_histogram_of_states_is_the_boltzmann_distribution(method, L, K, n):
    if method == "metropolis" and L % 2:
        with pytest.raises(ValueError, match="even L"):
            mc.sample(L, K, 10, method=method)
        return
    s = mc.sample(L, K, n, method=method, seed=13, thin=4 if method in ("wolff",) else 2)
    counts = np.bincount(_state_index(s), minlength=2 ** (L * L))
    states = exact.configurations(L * L).reshape(-1, L, L)
    p = np.exp(exact.log_boltzmann(K * ising.energy(states)))
    assert chi_square_p(counts, n * p) > 1e-3


@pytest.mark.parametrize("method", METHODS)
def test_energy_histogram_on_4x4_matches_the_density_of_states(method):
    K, n = KC, 20_000
    e_all, _ = exact.ising_enumeration(4)
    levels, degeneracy = np.unique(e_all, return_counts=True)
    log_w = np.log(degeneracy) - K * levels
    p = np.exp(log_w - np.logaddexp.reduce(log_w))
    s = mc.sample(4, K, n, method=method, seed=14, thin=3)
    observed = np.array([(ising.energy(s) == level).sum() for level in levels])
    assert chi_square_p(observed, n * p) > 1e-3


@pytest.mark.parametrize("method", ["exact", "metropolis"])
def test_ring_correlations_match_the_transfer_matrix(method):
    N, K = 12, 0.5
    s = mc.sample(N, K, 8000, dim=1, method=method, seed=15).astype(np.float64)
    for r in (1, 2, 4, 6):
        ok, detail = within(s[:, 0] * s[:, r], exact.ring_correlation(N, K, r))
        assert ok, (r, detail)


def test_exact_ring_samples_are_independent_and_exact():
    s = mc.sample(4, 0.7, 40_000, dim=1, seed=16)
    counts = np.bincount(_state_index(s), minlength=16)
    p = np.exp(exact.log_boltzmann(0.7 * ising.energy(exact.configurations(4))))
    assert chi_square_p(counts, 40_000 * p) > 1e-3


@pytest.mark.parametrize("method", [*METHODS, "exact-1d", "metropolis-1d"])
def test_same_seed_same_bytes(method):
    kwargs = {"dim": 1, "method": method.split("-")[0]} if method.endswith("1d") else {"method": method}
    a = mc.sample(6, 0.4, 50, seed=3, **kwargs)
    b = mc.sample(6, 0.4, 50, seed=3, **kwargs)
    c = mc.sample(6, 0.4, 50, seed=4, **kwargs)
    assert a.dtype == np.int8 and a.tobytes() == b.tobytes() and a.tobytes() != c.tobytes()


def test_cluster_and_heatbath_methods_handle_odd_and_tiny_lattices():
    for method in ("wolff", "swendsen-wang"):
        for L in (2, 3, 5):
            s = mc.sample(L, 0.5, 20, method=method, seed=1)
            assert s.shape == (20, L, L)
    for L in (2, 3, 5):
        s = mc.sample(L, 0.5, 20, method="heatbath", seed=1)
        assert s.shape == (20, L, L)


def test_info_reports_the_chosen_thinning():
    s, info = mc.sample(8, 0.35, 100, method="metropolis", seed=2, return_info=True)
    assert {"tau_int", "tau_int_sweeps", "burn_in", "thin", "acceptance", "elapsed"} <= set(info)
    assert info["thin"] >= 2 * info["tau_int"] and info["burn_in"] >= 100
    assert 0 < info["acceptance"] < 1
    _, fixed = mc.sample(8, 0.35, 10, method="wolff", seed=2, burn_in=7, thin=3, return_info=True)
    assert fixed["burn_in"] == 7 and fixed["thin"] == 3
    assert np.isnan(fixed["tau_int"])  # both given: no pilot run, nothing measured


def test_low_temperature_sampling_does_not_overflow():
    s = mc.sample(8, 5.0, 10, method="heatbath", seed=5)
    assert np.all(np.abs(ising.magnetization(s)) == 1)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"L": 1, "K": 0.3, "n_samples": 5}, ValueError),
        ({"L": 4, "K": 0.3, "n_samples": 0}, ValueError),
        ({"L": 4, "K": float("nan"), "n_samples": 5}, ValueError),
        ({"L": 4, "K": -0.3, "n_samples": 5}, ValueError),
        ({"L": 4, "K": 0.3, "n_samples": 5, "method": "glauber"}, ValueError),
        ({"L": 4, "K": 0.3, "n_samples": 5, "method": "exact"}, ValueError),
        ({"L": 4, "K": 0.3, "n_samples": 5, "dim": 1, "method": "wolff"}, ValueError),
        ({"L": 4, "K": 0.3, "n_samples": 5, "dim": 3}, ValueError),
        ({"L": 4.0, "K": 0.3, "n_samples": 5}, TypeError),
        ({"L": 4, "K": "hot", "n_samples": 5}, TypeError),
        ({"L": 4, "K": 0.3, "n_samples": 5, "thin": 0}, ValueError),
        ({"L": 4, "K": 0.3, "n_samples": 5, "method": 3}, TypeError),
    ],
)
def test_sample_refuses_bad_input(kwargs, error):
    with pytest.raises(error):
        mc.sample(**kwargs)
