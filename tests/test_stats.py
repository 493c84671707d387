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


@pytest.mark.parametrize(
    "x", [np.resize([1.0, -1.0], 1000), np.array([0.0, 1.0, 0.0, 1.0, 0.0]), ar1(-0.9, 4000, seed=4)]
)
def test_tau_is_never_below_one_half_for_anti_correlated_or_short_series(x):
    tau, window = stats.integrated_autocorrelation_time(x)
    assert tau >= 0.5 and 1 <= window < len(x)


def test_jackknife_refuses_blocks_of_fewer_than_two_samples():
    x = np.random.default_rng(5).standard_normal(63)
    with pytest.raises(ValueError, match="at least 2 \\* n_blocks = 64"):
        stats.jackknife(x, np.var, n_blocks=32)
    with pytest.raises(ValueError, match="got 2"):
        stats.jackknife(np.array([1.0, 2.0]), np.var, n_blocks=2)
    estimate, error = stats.jackknife(np.append(x, 0.0), np.var, n_blocks=32)
    assert np.isfinite(error) and error > 0


def test_jackknife_error_of_a_mean_is_the_standard_error():
    # For the mean the blocked jackknife is the standard error of the block means: independent route.
    x = np.random.default_rng(6).standard_normal(640)
    _, error = stats.jackknife(x, np.mean, n_blocks=32)
    block_means = x.reshape(32, 20).mean(axis=1)
    assert np.isclose(error, block_means.std(ddof=1) / np.sqrt(32))


def test_binning_error_refuses_fewer_than_two_samples_per_block():
    with pytest.raises(ValueError, match="at least 2 \\* min_blocks = 64"):
        stats.binning_error(np.arange(63.0))
    with pytest.raises(ValueError, match="got 3"):
        stats.binning_error(np.arange(3.0), min_blocks=2)
    mean, error = stats.binning_error(np.arange(4.0), min_blocks=2)
    assert mean == 1.5 and error > 0


def test_chi_square_test_pools_rare_states_and_matches_scipy():
    from scipy.stats import chisquare

    p = np.array([0.5, 0.3, 0.15, 0.04, 0.01])
    counts = np.array([52, 27, 14, 5, 2])  # expected 50, 30, 15, 4, 1: the last two pool
    result = stats.chi_square_test(counts, p)
    reference = chisquare([52, 27, 14, 7], [50, 30, 15, 5])  # independent route
    assert result.dof == 3
    assert np.isclose(result.statistic, reference.statistic)
    assert np.isclose(result.p_value, reference.pvalue)


def test_chi_square_test_rejects_samples_from_another_distribution():
    rng = np.random.default_rng(3)
    p = np.full(8, 1 / 8)
    right = np.bincount(rng.integers(0, 8, 4000), minlength=8)
    wrong = np.bincount(rng.choice(8, 4000, p=np.linspace(1, 2, 8) / 12), minlength=8)
    assert stats.chi_square_test(right, p).p_value > 1e-3
    assert stats.chi_square_test(wrong, p).p_value < 1e-6


def test_chi_square_test_gives_p_zero_for_counts_where_the_probability_is_zero():
    result = stats.chi_square_test(np.array([10, 10, 1]), np.array([0.5, 0.5, 0.0]))
    assert result.p_value == 0.0 and result.statistic == np.inf


@pytest.mark.parametrize(
    "counts, p, match",
    [
        (np.array([1, 2]), np.array([1.0]), "equal length"),
        (np.array([1.5, 2.0]), np.array([0.5, 0.5]), "non-negative integers"),
        (np.array([0, 0]), np.array([0.5, 0.5]), "positive sum"),
        (np.array([5, 5]), np.array([0.6, 0.6]), "sum to 1"),
        (np.array([1, 1]), np.array([0.5, 0.5]), "fewer than two bins"),
    ],
)
def test_chi_square_test_refuses_bad_input(counts, p, match):
    with pytest.raises(ValueError, match=match):
        stats.chi_square_test(counts, p)


def test_autocorrelation_time_error_covers_the_spread_of_tau_over_independent_ar1_series():
    # The spread of τ over 40 independent AR(1) series is the error it should predict.
    phi, n = 0.8, 1 << 14
    results = [stats.integrated_autocorrelation_time(ar1(phi, n, seed=s)) for s in range(40)]
    taus = np.array([tau for tau, _ in results])
    predicted = np.mean([stats.autocorrelation_time_error(tau, m, n) for tau, m in results])
    # The sample standard deviation of 40 values is known to about 1/sqrt(2*39) ≈ 11 %.
    assert abs(taus.std(ddof=1) / predicted - 1) < 4 / np.sqrt(78)


@pytest.mark.parametrize(("tau", "window", "n"), [(0.4, 5, 100), (1.0, 0, 100), (1.0, 10, 10)])
def test_autocorrelation_time_error_refuses_bad_input(tau, window, n):
    with pytest.raises(ValueError):
        stats.autocorrelation_time_error(tau, window, n)


def test_power_law_fit_recovers_the_exponent_within_its_error():
    # 200 noisy data sets with 5 % errors: the fitted z scatters by the error the fit reports.
    rng = np.random.default_rng(4)
    x = np.array([8.0, 16.0, 32.0, 64.0])
    exact = 3.0 * x**2.17
    fits = [stats.power_law_fit(x, exact * (1 + 0.05 * rng.standard_normal(4)), 0.05 * exact) for _ in range(200)]
    z = np.array([f.exponent for f in fits])
    err = fits[0].exponent_err
    assert abs(z.mean() - 2.17) < 4 * err / np.sqrt(200)
    assert abs(z.std(ddof=1) / err - 1) < 4 / np.sqrt(2 * 199)


def test_power_law_fit_is_exact_on_a_pure_power_law():
    fit = stats.power_law_fit([1.0, 10.0, 100.0], [2.0, 2e-1, 2e-2], [1.0, 1.0, 1.0])
    assert abs(fit.exponent + 1) < 1e-12 and abs(fit.log_prefactor - np.log(2)) < 1e-12


@pytest.mark.parametrize(
    ("x", "y", "y_err"),
    [([1.0, 2.0], [1.0], [1.0]), ([2.0, 2.0], [1.0, 1.0], [1.0, 1.0]), ([1.0, 2.0], [1.0, -1.0], [1.0, 1.0])],
)
def test_power_law_fit_refuses_bad_input(x, y, y_err):
    with pytest.raises(ValueError):
        stats.power_law_fit(x, y, y_err)


def test_an_exactly_constant_series_has_tau_one_half_whatever_its_value():
    for value in (0.1, 1 / 3, -7.0):  # 0.1 * 1001 / 1001 does not round back to 0.1
        tau, _ = stats.integrated_autocorrelation_time(np.full(1001, value))
        assert tau == 0.5


def test_chi_square_merges_a_pooled_bin_that_is_still_too_small():
    # 1000 draws over a big and three tiny states: pooled, the tiny ones expect 0.3 counts, too
    # few for a bin; one count there must not reject a correct sampler.
    p = np.array([0.5, 0.4997, 0.0001, 0.0001, 0.0001])
    counts = np.array([500, 499, 1, 0, 0])
    result = stats.chi_square_test(counts, p)
    assert result.dof == 1 and result.p_value > 0.5
