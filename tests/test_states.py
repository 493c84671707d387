import numpy as np
import pytest
from scipy.stats import entropy

from rgkit.states import configurations, kl_divergence, log_boltzmann


@pytest.mark.parametrize("units", ["spin", "binary"])
def test_configurations_lists_every_state_once(units):
    states = configurations(5, units)
    assert states.shape == (32, 5) and states.dtype == np.int8
    assert len({tuple(s) for s in states}) == 32
    allowed = {-1, 1} if units == "spin" else {0, 1}
    assert set(np.unique(states)) == allowed


def test_configurations_order_is_binary_counting():
    bits = configurations(4, "binary")
    assert np.array_equal(bits @ (2 ** np.arange(3, -1, -1)), np.arange(16))


def test_configurations_of_zero_units_is_one_empty_state():
    assert configurations(0).shape == (1, 0)


@pytest.mark.parametrize("n", [-1, 25])
def test_configurations_rejects_sizes_out_of_range(n):
    with pytest.raises(ValueError, match="n must be"):
        configurations(n)


def test_configurations_rejects_unknown_units():
    with pytest.raises(ValueError, match="'spin'"):
        configurations(3, "ising")
    with pytest.raises(TypeError, match="integer"):
        configurations(3.0)


def test_log_boltzmann_is_normalised_and_stable_at_huge_energies():
    e = np.array([1e4, 1e4 + 1.0, 2e4])
    lp = log_boltzmann(e)
    assert np.isclose(np.exp(lp).sum(), 1.0)
    assert np.isclose(lp[0] - lp[1], 1.0)


def test_kl_divergence_matches_scipy_entropy():
    rng = np.random.default_rng(1)
    p, q = rng.random(20), rng.random(20)
    p, q = p / p.sum(), q / q.sum()
    assert np.isclose(kl_divergence(np.log(p), np.log(q)), entropy(p, q), rtol=1e-12)
    assert kl_divergence(np.log(p), np.log(p)) == 0.0


def test_kl_divergence_is_infinite_when_q_misses_support():
    with np.errstate(divide="ignore"):
        assert kl_divergence(np.log([0.5, 0.5]), np.log([1.0, 0.0])) == np.inf


def test_kl_divergence_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="equal length"):
        kl_divergence(np.zeros(3), np.zeros(4))


@pytest.mark.parametrize(
    ("log_p", "log_q", "match"),
    [
        (np.array([]), np.array([]), "non-empty"),
        (np.log([0.5, 0.25]), np.log([0.5, 0.5]), "log_p must be normalised"),
        (np.log([0.5, 0.5]), np.log([0.9, 0.9]), "log_q must be normalised"),
        (np.array([0.0, np.inf]), np.log([0.5, 0.5]), r"\+inf"),
        (np.log([0.5, 0.5]), np.array([np.nan, 0.0]), "NaN"),
    ],
)
def test_kl_divergence_refuses_what_is_not_a_pair_of_distributions(log_p, log_q, match):
    with pytest.raises(ValueError, match=match):
        kl_divergence(log_p, log_q)
