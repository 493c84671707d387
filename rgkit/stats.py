"""Error bars for correlated Monte Carlo time series, and a goodness-of-fit test of samples.

References
----------
A. D. Sokal, "Monte Carlo methods in statistical mechanics: foundations and new algorithms",
in *Functional Integration* (Plenum, 1997); N. Madras and A. D. Sokal, J. Stat. Phys. 50, 109
(1988); H. Flyvbjerg and H. G. Petersen, J. Chem. Phys. 91, 461 (1989).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2

from ._validate import check_int, check_real, check_series


def autocorrelation(x: np.ndarray) -> np.ndarray:
    """Normalised autocorrelation function :math:`\\rho(t)` of a time series, by FFT.

    Parameters
    ----------
    x : array of float, shape (n,)
        A finite series of at least 4 entries.

    Returns
    -------
    ndarray of float64, shape (len(x),)
        :math:`\\rho(0) = 1`; all zeros after the first entry for a constant series.
    """
    x = check_series(x)
    n = x.size
    d = x - x.mean()
    f = np.fft.rfft(d, n=2 * n)
    acf = np.fft.irfft(f * np.conj(f))[:n]
    if np.all(x == x[0]):  # exactly constant: x - mean need not round to zero
        out = np.zeros(n)
        out[0] = 1.0
        return out
    return acf / acf[0]


def integrated_autocorrelation_time(x: np.ndarray, *, c: float = 5.0) -> tuple[float, int]:
    """Integrated autocorrelation time with Sokal's automatic window.

    .. math:: \\tau_{int}(M) = \\tfrac12 + \\sum_{t=1}^{M} \\rho(t),

    with the window M the smallest for which :math:`M \\ge c\\, \\tau_{int}(M)`. In this
    convention the variance of the mean of n correlated samples is
    :math:`2\\tau_{int}\\,\\sigma^2/n`, and :math:`\\tau_{int} = 1/2` for independent samples.

    The estimate is floored at 1/2. An anti-correlated series (ρ(1) < 0, as from an
    over-relaxing update) or a short noisy one can give a windowed sum below 1/2, even a
    negative one; read literally that would make the mean more precise than independent
    samples and an error bar or a thinning computed from it too small, or meaningless. 1/2 is
    the safe value: it treats the samples as independent.

    Parameters
    ----------
    x : array of float, shape (n,)
        The time series, n ≥ 4, in units of whatever one step of it is (a sweep, a cluster
        update).
    c : float
        Window factor; 5 is Sokal's choice for roughly exponential decay.

    Returns
    -------
    tau : float
        τ_int in steps of the series, at least 1/2.
    window : int
        The window M used. If no window satisfies the criterion the series is too short
        for a reliable estimate, and M = n - 1 is returned.

    Raises
    ------
    ValueError
        If ``x`` is not a finite 1-D series of at least 4 entries.

    Examples
    --------
    >>> alternating = np.resize([1.0, -1.0], 100)
    >>> tau, window = integrated_autocorrelation_time(alternating)
    >>> tau  # perfectly anti-correlated: the raw windowed sum would be 0
    0.5
    """
    c = check_real(c, "c", positive=True)
    rho = autocorrelation(x)
    taus = 0.5 + np.cumsum(rho[1:])
    m = np.arange(1, rho.size)
    ok = np.flatnonzero(m >= c * taus)
    k = ok[0] if ok.size else m.size - 1
    return max(float(taus[k]), 0.5), int(m[k])


def autocorrelation_time_error(tau: float, window: int, n: int) -> float:
    """Statistical error of an integrated autocorrelation time with a window of M steps.

    .. math:: \\sigma_{\\tau} \\approx \\tau \\sqrt{2(2M + 1)/n},

    the Madras–Sokal estimate for a series much longer than τ.

    Parameters
    ----------
    tau : float
        τ_int, at least 1/2, as from :func:`integrated_autocorrelation_time`.
    window : int
        The window M it used, at least 1.
    n : int
        Length of the series, larger than M.

    Returns
    -------
    float
        The standard error of ``tau``, in its units.

    Raises
    ------
    ValueError
        For ``tau < 1/2``, ``window < 1`` or ``n <= window``.

    References
    ----------
    N. Madras and A. D. Sokal, J. Stat. Phys. 50, 109 (1988), Eq. (2.24).

    Examples
    --------
    >>> round(autocorrelation_time_error(2.0, 10, 4200), 3)
    0.2
    """
    tau = check_real(tau, "tau")
    if tau < 0.5:
        raise ValueError(f"tau must be at least 1/2; got {tau}")
    window = check_int(window, "window", minimum=1)
    n = check_int(n, "n", minimum=window + 1)
    return float(tau * np.sqrt(2 * (2 * window + 1) / n))


@dataclass(frozen=True)
class PowerLawFit:
    """A fit of y = A x^z, from :func:`power_law_fit`.

    Attributes
    ----------
    exponent, exponent_err : float
        z and its standard error, from the error bars of y.
    log_prefactor : float
        ln A.
    """

    exponent: float
    exponent_err: float
    log_prefactor: float


def power_law_fit(x: np.ndarray, y: np.ndarray, y_err: np.ndarray) -> PowerLawFit:
    """Weighted least-squares fit of ln y = ln A + z ln x, with the error of z from the data.

    Each point weighs :math:`(y/\\sigma_y)^2`, the inverse variance of ln y; the error of z is
    the one those variances imply (not rescaled by the residuals), so that it says how well
    the data fix z, whether or not a pure power law describes them.

    Parameters
    ----------
    x : array of float, shape (n,)
        Positive abscissae (lattice sizes), at least two distinct.
    y : array of float, shape (n,)
        Positive values.
    y_err : array of float, shape (n,)
        Their positive standard errors.

    Returns
    -------
    PowerLawFit

    Raises
    ------
    ValueError
        For arrays of different shapes, fewer than two distinct x, or non-positive entries.

    Examples
    --------
    >>> x, y = [2.0, 4.0, 8.0], [3.0, 12.0, 48.0]
    >>> fit = power_law_fit(x, y, [0.3, 1.2, 4.8])
    >>> round(fit.exponent, 12), round(fit.exponent_err, 3)
    (2.0, 0.102)
    """
    arrays = [np.asarray(a, dtype=np.float64) for a in (x, y, y_err)]
    if arrays[0].ndim != 1 or any(a.shape != arrays[0].shape for a in arrays):
        raise ValueError(f"x, y and y_err must be 1-D of equal length; got {[a.shape for a in arrays]}")
    if not all(np.all(np.isfinite(a)) and np.all(a > 0) for a in arrays):
        raise ValueError("x, y and y_err must be finite and positive")
    if np.unique(arrays[0]).size < 2:
        raise ValueError("x needs at least two distinct values")
    lx, ly = np.log(arrays[0]), np.log(arrays[1])
    w = (arrays[1] / arrays[2]) ** 2
    design = np.column_stack([np.ones_like(lx), lx])
    normal = design.T @ (w[:, None] * design)
    covariance = np.linalg.inv(normal)
    intercept, slope = covariance @ (design.T @ (w * ly))
    return PowerLawFit(float(slope), float(np.sqrt(covariance[1, 1])), float(intercept))


def binning_error(x: np.ndarray, *, min_blocks: int = 32) -> tuple[float, float]:
    """Mean and standard error of a correlated series by blocking (Flyvbjerg–Petersen).

    The series is halved repeatedly by averaging neighbouring pairs; the naive standard
    error grows with the block size until blocks are independent. The returned error is
    the largest over all levels that still have at least ``min_blocks`` blocks, which
    errs on the safe side.

    Parameters
    ----------
    x : array of float, shape (n,)
        At least ``2 * min_blocks`` entries, so that even the first level averages pairs
        into ``min_blocks`` blocks; fewer would give an error bar from a handful of numbers.
    min_blocks : int
        At least 2.

    Returns
    -------
    mean, error : float
        The mean of ``x`` and its standard error, in the units of ``x``.

    Raises
    ------
    ValueError
        If ``x`` has fewer than ``2 * min_blocks`` entries or is not a finite 1-D series.
    """
    min_blocks = check_int(min_blocks, "min_blocks", minimum=2)
    arr = check_series(x, minimum=1)
    if arr.size < 2 * min_blocks:
        raise ValueError(
            f"x must have at least 2 * min_blocks = {2 * min_blocks} entries for a blocking error "
            f"({min_blocks} blocks of at least 2); got {arr.size}"
        )
    mean = float(arr.mean())
    errors = []
    blocks = arr.copy()
    while blocks.size >= min_blocks:
        errors.append(np.sqrt(blocks.var(ddof=1) / blocks.size))
        if blocks.size % 2:
            blocks = blocks[:-1]
        blocks = 0.5 * (blocks[0::2] + blocks[1::2])
    return mean, float(max(errors))


def jackknife(samples: np.ndarray, estimator, *, n_blocks: int = 32) -> tuple[float, float]:
    """Blocked jackknife estimate and error of a nonlinear function of sample means.

    Parameters
    ----------
    samples : array, shape (n, ...)
        Samples along the first axis, in time order (blocks absorb the autocorrelation);
        n ≥ 2 ``n_blocks``. Every block then holds at least 2 samples, so that an estimator
        such as a variance is defined on each leave-one-out subset and on each block; with
        single-sample blocks a variance-like estimator can return an error bar of 0.
    estimator : callable
        Maps a subset of ``samples`` (same trailing shape) to a float, e.g. the specific heat
        from energies.
    n_blocks : int
        Number of contiguous blocks, at least 2.

    Returns
    -------
    estimate, error : float
        The estimator on all samples, and the jackknife standard error, in the estimator's
        units.

    Raises
    ------
    ValueError
        If there are fewer than ``2 * n_blocks`` samples.
    TypeError
        If ``estimator`` is not callable.
    """
    x = np.asarray(samples)
    n_blocks = check_int(n_blocks, "n_blocks", minimum=2)
    if not callable(estimator):
        raise TypeError("estimator must be callable")
    n = len(x) if x.ndim >= 1 else 0
    if n < 2 * n_blocks:
        raise ValueError(
            f"samples must have at least 2 * n_blocks = {2 * n_blocks} entries along axis 0 "
            f"({n_blocks} blocks of at least 2 samples); got {n}"
        )
    edges = np.linspace(0, n, n_blocks + 1).astype(int)
    full = float(estimator(x))
    leave_out = np.array(
        [float(estimator(np.concatenate([x[: edges[b]], x[edges[b + 1] :]]))) for b in range(n_blocks)]
    )
    error = np.sqrt((n_blocks - 1) / n_blocks * np.sum((leave_out - leave_out.mean()) ** 2))
    return full, float(error)


@dataclass(frozen=True)
class ChiSquareTest:
    """A chi-square goodness-of-fit test, from :func:`chi_square_test`.

    Attributes
    ----------
    statistic : float
        :math:`\\sum (O - E)^2 / E` over the bins.
    dof : int
        Degrees of freedom: bins minus one.
    p_value : float
        Probability of a statistic at least this large if the samples follow the distribution.
    """

    statistic: float
    dof: int
    p_value: float


def chi_square_test(counts: np.ndarray, probabilities: np.ndarray, *, min_expected: float = 5.0) -> ChiSquareTest:
    """Chi-square test of observed counts of states against their exact probabilities.

    States whose expected count is below ``min_expected`` are pooled into one bin, so that
    the chi-square distribution of the statistic is a good approximation.

    Parameters
    ----------
    counts : array of int, shape (n_states,)
        How many of the (independent) samples fell in each state.
    probabilities : array of float, shape (n_states,)
        The exact probability of each state, in the same order; they sum to 1.
    min_expected : float
        Smallest expected count of a bin of its own.

    Returns
    -------
    ChiSquareTest

    Raises
    ------
    ValueError
        If the arrays differ in shape, counts are negative or sum to 0, probabilities are
        negative or do not sum to 1, or fewer than two bins remain after pooling.

    Examples
    --------
    >>> chi_square_test(np.array([50, 50]), np.array([0.5, 0.5])).p_value
    1.0
    """
    c = np.asarray(counts)
    p = np.asarray(probabilities, dtype=np.float64)
    if c.ndim != 1 or c.shape != p.shape:
        raise ValueError(f"counts and probabilities must be 1-D of equal length; got {c.shape} and {p.shape}")
    if c.dtype.kind not in "iu" or np.any(c < 0) or c.sum() == 0:
        raise ValueError("counts must be non-negative integers with a positive sum")
    if not np.all(np.isfinite(p)) or np.any(p < 0) or abs(p.sum() - 1.0) > 1e-9:
        raise ValueError(f"probabilities must be non-negative and sum to 1; got sum {p.sum():.12g}")
    min_expected = check_real(min_expected, "min_expected", positive=True)
    expected = c.sum() * p
    if np.any(c[p == 0] > 0):  # a draw the distribution forbids: no pooling can excuse it
        return ChiSquareTest(float("inf"), int(np.count_nonzero(p)) - 1, 0.0)
    rare = expected < min_expected
    observed_bins, expected_bins = c[~rare].astype(np.float64), expected[~rare]
    if rare.any():
        pooled_obs, pooled_exp = c[rare].sum(), expected[rare].sum()
        if pooled_exp < min_expected and len(expected_bins) > 0:
            # Still too small to be a chi-square bin: merge it into the smallest other bin.
            k = int(np.argmin(expected_bins))
            observed_bins[k] += pooled_obs
            expected_bins = expected_bins.copy()
            expected_bins[k] += pooled_exp
        else:
            observed_bins = np.append(observed_bins, pooled_obs)
            expected_bins = np.append(expected_bins, pooled_exp)
    keep = expected_bins > 0
    if np.any(observed_bins[~keep] > 0):
        return ChiSquareTest(float("inf"), int(keep.sum()) - 1, 0.0)
    observed_bins, expected_bins = observed_bins[keep], expected_bins[keep]
    if len(expected_bins) < 2:
        raise ValueError("fewer than two bins remain after pooling: too few samples for a chi-square test")
    statistic = float(np.sum((observed_bins - expected_bins) ** 2 / expected_bins))
    dof = len(expected_bins) - 1
    return ChiSquareTest(statistic, dof, float(chi2.sf(statistic, dof)))
