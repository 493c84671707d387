import numpy as np
import pytest

from rgkit import stats


def ar1(phi, n, seed):
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal(n)
    x = np.empty(n)
    x[0] = noise[0] / np.sqrt(1 - phi**2)
    for t in range(1, n):
        x[t] = phi * x[t - 1] + noise[t]
    return x


@pytest.mark.parametrize("phi", [0.0, 0.5, 0.9])
def test_tau_of_an_ar1_process(phi):
    n = 1 << 18
    tau, window = stats.integrated_autocorrelation_time(ar1(phi, n, seed=1))
    exact = 0.5 * (1 + phi) / (1 - phi)
    # Sokal's estimate of the variance of the windowed estimator: 2(2M + 1)/n τ².
    sigma = exact * np.sqrt(2 * (2 * window + 1) / n)
    assert abs(tau - exact) < 4 * sigma + 0.01 * exact  # the window truncates ≈ e^{-M/τ}


def test_binning_error_of_an_ar1_mean():
    phi, n = 0.8, 1 << 18
    x = ar1(phi, n, seed=2)
    _, err = stats.binning_error(x)
    variance = 1 / (1 - phi**2)
    exact = np.sqrt(variance * (1 + phi) / (1 - phi) / n)
    # Blocking with at least 32 blocks: the relative error of the error is about 1/sqrt(2*32).
    assert abs(err - exact) < 4 * exact / np.sqrt(64)


def test_independent_series_has_tau_one_half_and_naive_error():
    x = np.random.default_rng(3).standard_normal(1 << 16)
    tau, _ = stats.integrated_autocorrelation_time(x)
    assert abs(tau - 0.5) < 0.05
    _, err = stats.binning_error(x)
    assert abs(err / (x.std() / np.sqrt(x.size)) - 1) < 0.5


def test_constant_series():
    assert stats.autocorrelation(np.ones(10))[1:].sum() == 0


@pytest.mark.parametrize("bad", [np.ones((3, 3)), np.ones(2), [1.0, np.nan, 2.0, 3.0]])
def test_bad_series_are_refused(bad):
    with pytest.raises(ValueError):
        stats.integrated_autocorrelation_time(bad)
    with pytest.raises(ValueError):
        stats.binning_error(np.ones(10))
