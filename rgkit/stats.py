"""Error bars for correlated Monte Carlo time series.

References
----------
A. D. Sokal, "Monte Carlo methods in statistical mechanics: foundations and new algorithms",
in *Functional Integration* (Plenum, 1997); N. Madras and A. D. Sokal, J. Stat. Phys. 50, 109
(1988); H. Flyvbjerg and H. G. Petersen, J. Chem. Phys. 91, 461 (1989).
"""

from __future__ import annotations

import numpy as np

from ._validate import check_int, check_real


def _series(x: object, name: str = "x", minimum: int = 4) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D time series; got shape {arr.shape}")
    if arr.size < minimum:
        raise ValueError(f"{name} must have at least {minimum} entries; got {arr.size}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite")
    return arr


def autocorrelation(x: np.ndarray) -> np.ndarray:
    """Normalised autocorrelation function :math:`\\rho(t)` of a time series, by FFT.

    Returns
    -------
    ndarray of float64, shape (len(x),)
        :math:`\\rho(0) = 1`; all zeros after the first entry for a constant series.
    """
    x = _series(x)
    n = x.size
    d = x - x.mean()
    f = np.fft.rfft(d, n=2 * n)
    acf = np.fft.irfft(f * np.conj(f))[:n]
    if acf[0] == 0:
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

    Parameters
    ----------
    x : array of float, shape (n,)
        The time series, in units of whatever one step of it is (a sweep, a cluster update).
    c : float
        Window factor; 5 is Sokal's choice for roughly exponential decay.

    Returns
    -------
    tau : float
        τ_int in steps of the series.
    window : int
        The window M used. If no window satisfies the criterion the series is too short
        for a reliable estimate, and M = n - 1 is returned.
    """
    c = check_real(c, "c", positive=True)
    rho = autocorrelation(x)
    taus = 0.5 + np.cumsum(rho[1:])
    m = np.arange(1, rho.size)
    ok = np.flatnonzero(m >= c * taus)
    if ok.size == 0:
        return float(taus[-1]), int(m[-1])
    return float(taus[ok[0]]), int(m[ok[0]])


def binning_error(x: np.ndarray, *, min_blocks: int = 32) -> tuple[float, float]:
    """Mean and standard error of a correlated series by blocking (Flyvbjerg–Petersen).

    The series is halved repeatedly by averaging neighbouring pairs; the naive standard
    error grows with the block size until blocks are independent. The returned error is
    the largest over all levels that still have at least ``min_blocks`` blocks, which
    errs on the safe side.

    Parameters
    ----------
    x : array of float, shape (n,)
        At least ``2 * min_blocks`` entries.
    min_blocks : int

    Returns
    -------
    mean, error : float
    """
    min_blocks = check_int(min_blocks, "min_blocks", minimum=2)
    x = _series(x, minimum=2 * min_blocks)
    mean = float(x.mean())
    errors = []
    blocks = x.copy()
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
        Samples along the first axis, in time order (blocks absorb the autocorrelation).
    estimator : callable
        Maps a subset of ``samples`` (same trailing shape) to a float, e.g. the specific heat
        from energies.
    n_blocks : int
        Number of contiguous blocks, at least 2 and at most n.

    Returns
    -------
    estimate, error : float
        The estimator on all samples, and the jackknife standard error.
    """
    x = np.asarray(samples)
    n_blocks = check_int(n_blocks, "n_blocks", minimum=2)
    if x.ndim < 1 or len(x) < n_blocks:
        raise ValueError(f"samples must have at least n_blocks = {n_blocks} entries along axis 0")
    if not callable(estimator):
        raise TypeError("estimator must be callable")
    edges = np.linspace(0, len(x), n_blocks + 1).astype(int)
    full = float(estimator(x))
    leave_out = np.array(
        [float(estimator(np.concatenate([x[: edges[b]], x[edges[b + 1] :]]))) for b in range(n_blocks)]
    )
    error = np.sqrt((n_blocks - 1) / n_blocks * np.sum((leave_out - leave_out.mean()) ** 2))
    return full, float(error)
