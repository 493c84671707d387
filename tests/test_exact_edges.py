"""Exact results at the edges of their domain: K from 1e-8 to 1e3, odd antiferromagnetic rings, huge fields.

Every expected value comes from a route independent of the code under test: brute-force
enumeration (with the sums arranged so that the reference itself does not cancel), or the
high- and low-temperature series of the square lattice.

Tolerances. A float64 result cannot be better than the rounding of its input: changing K by one
ulp changes f by |K f'(K)/f| ulps. So each comparison allows a fixed budget of 1e-13 relative
(about 450 ulps, for sums over up to 4096 rows of modes) plus 16 ulps times that condition number,
bounded from the closed forms: |K ∂ ln c / ∂K| ≤ 8K + 2 for the specific heat (c ∝ K² e^{-8K} at
large K), ≤ 2 for ln Z and u; for the ring, ∂ ln Z/∂K and ∂ ln Z/∂h are at most N in size.
"""

import functools
import itertools

import numpy as np
import pytest
from scipy.special import logsumexp

from rgkit import exact
from rgkit.exact import KC

EPS = np.finfo(np.float64).eps
GRID = np.geomspace(1e-8, 1e3, 45)
# Square-lattice series (Domb): ln Z/N = ln 2 + 2 ln cosh K + Σ a_j tanh^j K = 2K + Σ a_j e^{-2jK}.
SERIES = {4: 1.0, 6: 2.0, 8: 4.5, 10: 12.0, 12: 112 / 3}
HIGH_T = GRID[GRID <= 0.01]  # tanh K ≤ 0.01: the first omitted term, 130 t^14, is below 1e-26
LOW_T = GRID[GRID >= 2.5]  # e^{-2K} ≤ 0.0067: the first omitted term is below 1e-19 of the kept ones
RAISE = {"over": "raise", "invalid": "raise", "divide": "raise"}


def _relative_tolerance(condition):
    return 1e-13 + 16 * EPS * condition


def _assert_close(got, expected, condition, what):
    assert np.isfinite(got), f"{what}: {got}"
    rel = abs(got - expected) / abs(expected) if expected != 0 else abs(got)
    assert rel <= _relative_tolerance(condition), f"{what}: got {got!r}, expected {expected!r} (relative {rel:.2e})"


@functools.cache
def _torus_levels(L):
    e, _ = exact.ising_enumeration(L)
    levels, counts = np.unique(e, return_counts=True)
    return levels, counts


def _enumerated_torus(L, K):
    """ln Z, energy per spin and specific heat per spin of the L×L torus from its energy levels."""
    levels, counts = _torus_levels(L)
    excess = levels - levels[0]
    log_w = np.log(counts) - K * excess
    top = log_w.max()
    w = np.exp(log_w - top)
    p = w / w.sum()
    log_z = -K * levels[0] + top + np.log(w.sum())
    if K < 1:
        # Σ_s E(s) = 0 exactly, so <E> = Σ g E (e^{-KE} - 1) / Z: every term has the sign of -K E², no cancellation.
        mean = np.sum(counts * levels * np.expm1(-K * levels)) / np.exp(log_z)
        var = p @ (levels - mean) ** 2
    else:
        # Measured from the ground state, the tiny excitation energy and its variance keep their digits.
        mean_excess = p @ excess
        mean = levels[0] + mean_excess
        var = p @ (excess - mean_excess) ** 2
    return log_z, mean / L**2, K**2 * var / L**2


@pytest.mark.parametrize("L", [2, 3, 4])
def test_torus_matches_enumeration_from_k_1e_minus_8_to_1e3(L):
    with np.errstate(**RAISE):
        for K in [*GRID, KC]:
            log_z, u, c = _enumerated_torus(L, K)
            got = (exact.torus_log_partition(L, K), exact.torus_energy(L, K), exact.torus_specific_heat(L, K))
            assert got[2] >= 0.0
            _assert_close(got[0], log_z, 2, f"ln Z, L={L}, K={K}")
            _assert_close(got[1], u, 2, f"u, L={L}, K={K}")
            _assert_close(got[2], c, 8 * K + 2, f"c, L={L}, K={K}")


def _high_temperature(K):
    """Per spin: ln Z/N, u and c from ln 2 + 2 ln cosh K + Σ a_j t^j, t = tanh K."""
    t = np.tanh(K)
    s = 1 - t * t
    f = sum(a * t**j for j, a in SERIES.items())
    f1 = sum(a * j * t ** (j - 1) for j, a in SERIES.items()) * s
    f2 = sum(a * (j * (j - 1) * t ** (j - 2) * s * s - 2 * j * t**j * s) for j, a in SERIES.items())
    log_cosh = np.log1p(2 * np.sinh(K / 2) ** 2)
    return np.log(2) + 2 * log_cosh + f, -(2 * t + f1), K**2 * (2 * s + f2)


def _low_temperature(K):
    """Per spin: (ln Z - ln 2)/N, u and c from 2K + Σ a_j u^j, u = e^{-2K} (d/dK = -2u d/du)."""
    u = np.exp(-2 * K)
    f = sum(a * u**j for j, a in SERIES.items())
    u_energy = -2 + sum(2 * j * a * u**j for j, a in SERIES.items())
    c = K**2 * sum(4 * j * j * a * u**j for j, a in SERIES.items())
    return 2 * K + f, u_energy, c


@pytest.mark.parametrize("L", [16, 64, 1024, 4096])
def test_torus_follows_the_high_and_low_temperature_series(L):
    """On an L ≥ 16 torus the first correction to the bulk series is a winding loop, of order v^L."""
    n = L * L
    with np.errstate(**RAISE):
        for K in GRID:
            c = exact.torus_specific_heat(L, K)
            assert np.isfinite(exact.torus_log_partition(L, K)) and np.isfinite(exact.torus_energy(L, K))
            assert np.isfinite(c) and c >= 0.0
        for K in HIGH_T:
            log_z, u, c = _high_temperature(K)
            _assert_close(exact.torus_log_partition(L, K) / n, log_z, 2, f"ln Z, L={L}, K={K}")
            _assert_close(exact.torus_energy(L, K), u, 2, f"u, L={L}, K={K}")
            _assert_close(exact.torus_specific_heat(L, K), c, 2, f"c, L={L}, K={K}")
        for K in LOW_T:
            log_z, u, c = _low_temperature(K)
            _assert_close((exact.torus_log_partition(L, K) - np.log(2)) / n, log_z, 2, f"ln Z, L={L}, K={K}")
            _assert_close(exact.torus_energy(L, K), u, 2, f"u, L={L}, K={K}")
            if c > 0:  # below 1e-308 from K ≈ 90 on, where the function returns 0.0
                _assert_close(exact.torus_specific_heat(L, K), c, 8 * K + 2, f"c, L={L}, K={K}")
            else:
                assert exact.torus_specific_heat(L, K) == 0.0


def test_onsager_results_follow_the_series_and_stay_finite():
    with np.errstate(**RAISE):
        for K in GRID:
            values = (exact.onsager_log_partition(K), exact.onsager_energy(K), exact.onsager_magnetization(K))
            assert np.all(np.isfinite(values)) and 0.0 <= values[2] <= 1.0
            # Kramers–Wannier: tanh K* = e^{-2K}; ξ^{-1} = 2(K* - K) above T_c and 4(K - K*) below.
            k_dual = 0.5 * np.arcsinh(2 * np.exp(-2 * K) / -np.expm1(-4 * K))
            xi = 1 / (2 * (k_dual - K)) if K < KC else 1 / (4 * (K - k_dual))
            _assert_close(exact.correlation_length(K), xi, 2 + K / abs(K - KC), f"xi, K={K}")
        for K in HIGH_T:
            log_z, u, _ = _high_temperature(K)
            _assert_close(exact.onsager_log_partition(K), log_z, 2, f"ln Z/N, K={K}")
            _assert_close(exact.onsager_energy(K), u, 2, f"u, K={K}")
            assert exact.onsager_magnetization(K) == 0.0
        for K in LOW_T:
            log_z, u, _ = _low_temperature(K)
            v = np.exp(-2 * K)
            magnetization = 1 - 2 * v**4 - 8 * v**6 - 34 * v**8 - 152 * v**10 - 714 * v**12
            _assert_close(exact.onsager_log_partition(K), log_z, 2, f"ln Z/N, K={K}")
            _assert_close(exact.onsager_energy(K), u, 2, f"u, K={K}")
            _assert_close(exact.onsager_magnetization(K), magnetization, 2, f"M, K={K}")


@functools.cache
def _ring_states(N):
    e, m = exact.ising_enumeration(N, dim=1)
    return e, N * m, exact.configurations(N)


RING_SIZES = [2, 3, 4, 5, 7, 15, 16]
RING_K = [1e-8, 0.3, 5.0, 20.0, 300.0, 1e3]


@pytest.mark.parametrize("N", RING_SIZES)
def test_ring_log_partition_matches_brute_force_at_the_edges(N):
    e, total_m, _ = _ring_states(N)
    with np.errstate(**RAISE):
        for K in [*RING_K, *(-k for k in RING_K)]:
            for h in (0.0, 0.5, -3.0, 800.0, -1e3):
                expected = logsumexp(-K * e + h * total_m)
                got = exact.ring_log_partition(N, K, h)
                tol = 16 * EPS * (abs(expected) + N * (abs(K) + abs(h) + 1))
                assert np.isfinite(got) and abs(got - expected) <= tol, (N, K, h, got, expected)


def test_ring_correlation_matches_brute_force_for_every_sign_of_k():
    """Odd antiferromagnetic rings are the hard case: t → -1 cancels in both 1 + t^N and t^r + t^{N-r}."""
    with np.errstate(**RAISE):
        for N, K in itertools.product(RING_SIZES, [0.3, 5.0, 20.0, 1e3, -0.3, -5.0, -20.0, -1e3]):
            e, _, states = _ring_states(N)
            r = np.arange(N + 1)
            log_w = -K * e
            p = np.exp(log_w - logsumexp(log_w))
            expected = np.array([p @ (states[:, 0] * states[:, k % N]) for k in r])
            got = exact.ring_correlation(N, K, r)
            tol = 16 * EPS * (1 + N * abs(K))  # weights e^{-KE} move by N|K| ulps when K is rounded
            assert np.all(np.isfinite(got)) and np.max(np.abs(got - expected)) <= tol, (N, K, got, expected)
