"""Exact results: Kaufman's torus, Onsager, the ring, against enumeration and each other."""

import numpy as np
import pytest
from scipy.special import logsumexp

from rgkit import exact, ising
from rgkit.exact import KC
from rgkit.states import configurations, log_boltzmann

CATALAN = 0.915965594177219015


def test_critical_coupling_is_self_dual():
    assert abs(KC - 0.44068679350977147) < 1e-15
    assert abs(np.sinh(2 * KC) - 1) < 1e-14


@pytest.mark.parametrize("L", [2, 3, 4])
@pytest.mark.parametrize("K", [0.05, 0.3, KC, 0.6, 1.5])
def test_kaufman_matches_enumeration(L, K):
    e, _ = exact.ising_enumeration(L)
    mean = exact.enumerated_average(e, e, K)
    var = exact.enumerated_average(e**2, e, K) - mean**2
    assert abs(exact.torus_log_partition(L, K) - logsumexp(-K * e)) <= 1e-10
    assert abs(exact.torus_energy(L, K) - mean / L**2) <= 1e-10
    assert abs(exact.torus_specific_heat(L, K) - K**2 * var / L**2) <= 1e-10


def test_kaufman_gives_the_exact_integers_at_criticality():
    assert round(np.exp(exact.torus_log_partition(2, KC)), 6) == 80
    assert round(np.exp(exact.torus_log_partition(4, KC)), 3) == 5509120
    assert round(np.exp(exact._kaufman(2, 4, KC)[0]), 6) == 3648


@pytest.mark.parametrize("K", [0.2, 0.35, 0.6, 0.9])
def test_kaufman_approaches_onsager_as_the_torus_grows(K):
    deviations = [abs(exact.torus_energy(L, K) - exact.onsager_energy(K)) for L in (8, 32, 128)]
    assert deviations[-1] < 1e-8 and deviations[0] > deviations[-1]
    # Above K_c the torus has two ordered states: ln Z = N f + ln 2 up to exponentially small terms.
    degeneracy = np.log(2) if K > KC else 0.0
    n = 256**2
    assert abs((exact.torus_log_partition(256, K) - degeneracy) / n - exact.onsager_log_partition(K)) < 1e-10


def test_onsager_values_at_criticality():
    assert abs(exact.onsager_log_partition(KC) - (np.log(2) / 2 + 2 * CATALAN / np.pi)) < 1e-12
    assert abs(exact.onsager_energy(KC) + np.sqrt(2)) < 1e-12
    assert exact.onsager_magnetization(KC) == 0.0
    # The paper-check value from the brief: u(0.3) = -0.7045 with ellipk(κ²), not ellipk(κ).
    assert abs(exact.onsager_energy(0.3) + 0.70450) < 1e-4


def test_critical_torus_energy_tends_to_minus_root_two_and_specific_heat_grows_like_log_l():
    e = [exact.torus_energy(L, KC) for L in (64, 256, 1024)]
    assert abs(e[-1] + np.sqrt(2)) < abs(e[0] + np.sqrt(2))
    c = [exact.torus_specific_heat(L, KC) for L in (64, 256, 1024)]
    # C ≈ (8/π) K_c² ln L + const: the slope per factor 4 in L is (8/π) K_c² ln 4.
    slope = (8 / np.pi) * KC**2 * np.log(4)
    assert abs((c[2] - c[1]) - slope) < 1e-3 and abs((c[1] - c[0]) - slope) < 1e-2


@pytest.mark.parametrize("K", [0.01, 0.2, KC, 0.5, 3.0])
def test_kaufman_is_finite_up_to_l_1024(K):
    for L in (512, 1024):
        values = (exact.torus_log_partition(L, K), exact.torus_energy(L, K), exact.torus_specific_heat(L, K))
        assert np.all(np.isfinite(values))
    assert abs(exact.torus_energy(1024, K) - exact.onsager_energy(K)) < 1e-3


def test_spontaneous_magnetisation():
    assert exact.onsager_magnetization(0.4) == 0.0
    assert abs(exact.onsager_magnetization(1.0) - (1 - np.sinh(2.0) ** -4) ** 0.125) < 1e-15


@pytest.mark.parametrize("N", [2, 5, 8])
@pytest.mark.parametrize(("K", "h"), [(0.4, 0.0), (-0.7, 0.0), (0.6, 0.3), (1.2, -0.5)])
def test_ring_partition_function_matches_enumeration(N, K, h):
    e, m = exact.ising_enumeration(N, dim=1)
    expected = logsumexp(-K * e + h * N * m)
    assert abs(exact.ring_log_partition(N, K, h) - expected) < 1e-10


def test_ring_partition_function_is_stable_for_strong_coupling():
    assert np.isclose(exact.ring_log_partition(1000, 50.0), 1000 * 50.0 + np.log(2), rtol=1e-12)


@pytest.mark.parametrize("K", [0.3, 1.0])
def test_ring_correlation_matches_enumeration(K):
    N = 10
    states = configurations(N)
    w = np.exp(log_boltzmann(K * ising.energy(states, dim=1)))
    for r in range(N + 1):
        expected = w @ (states[:, 0] * states[:, r % N])
        assert abs(exact.ring_correlation(N, K, r) - expected) < 1e-12


def test_ising_energy_and_magnetization():
    up = np.ones((1, 3, 3), dtype=np.int8)
    assert ising.energy(up)[0] == -18 and ising.magnetization(up)[0] == 1.0
    stripes = np.tile(np.array([1, -1], dtype=np.int8), (1, 4, 2))  # shape (1, 4, 4)
    assert ising.energy(stripes)[0] == 0
    ring = np.array([[1, 1, -1, -1]], dtype=np.int8)
    assert ising.energy(ring, dim=1)[0] == 0 and ising.magnetization(ring, dim=1)[0] == 0
    # A side-2 lattice joins each neighbour pair by two bonds.
    assert ising.energy(np.ones((1, 2, 2), dtype=np.int8))[0] == -8


@pytest.mark.parametrize(
    ("spins", "error"),
    [
        (np.ones((2, 3, 3)), TypeError),
        (np.zeros((2, 3, 3), dtype=np.int8), ValueError),
        (np.ones((2, 3, 4), dtype=np.int8), ValueError),
        (np.ones((2, 1), dtype=np.int8), ValueError),
        (np.ones((4, 4), dtype=np.int8), ValueError),  # one lattice without its batch axis
        (np.ones(5, dtype=np.int8), ValueError),
    ],
)
def test_observables_refuse_bad_spins(spins, error):
    with pytest.raises(error):
        ising.energy(spins)
    with pytest.raises(error):
        ising.magnetization(spins)


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: exact.torus_energy(1, 0.3), ValueError),
        (lambda: exact.torus_energy(4, -0.3), ValueError),
        (lambda: exact.torus_energy(4, float("nan")), ValueError),
        (lambda: exact.torus_log_partition(4.0, 0.3), TypeError),
        (lambda: exact.onsager_energy(0.0), ValueError),
        (lambda: exact.ring_log_partition(1, 0.3), ValueError),
        (lambda: exact.ring_correlation(6, 0.3, 7), ValueError),
        (lambda: exact.ising_enumeration(5), ValueError),
    ],
)
def test_exact_functions_refuse_bad_input(call, error):
    with pytest.raises(error):
        call()


# ----------------------------------------------------------------------------- the thermometer
@pytest.mark.parametrize("K", [0.1, KC, 0.7])
def test_nearest_neighbour_correlation_matches_enumeration_on_4x4(K):
    e, _ = exact.ising_enumeration(4)
    lattices = configurations(16).reshape(-1, 4, 4).astype(np.float64)
    bond = lattices[:, 0, 0] * lattices[:, 0, 1]
    assert exact.torus_nn_correlation(4, K) == pytest.approx(exact.enumerated_average(bond, e, K), rel=1e-12)


@pytest.mark.parametrize("L", [2, 8, 64])
@pytest.mark.parametrize(("K", "rel"), [(1e-6, 1e-9), (0.2, 1e-9), (KC, 1e-9), (1.0, 1e-9), (3.0, 1e-6)])
def test_thermometer_inverts_the_correlation(L, K, rel):
    # At K = 3, 1 − c ≈ 4e^{−24}: the rounding of c (1e-16) leaves K known to about 1e-7.
    assert exact.torus_coupling(L, exact.torus_nn_correlation(L, K)) == pytest.approx(K, rel=rel)


@pytest.mark.parametrize("c", [0.0, -0.2, 1.0, 1.5, 1e-9])
def test_thermometer_refuses_a_correlation_no_ferromagnetic_torus_has(c):
    with pytest.raises(ValueError, match="correlation must lie"):
        exact.torus_coupling(16, c)
