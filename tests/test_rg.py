import numpy as np
import pytest

from rgkit import rg


def test_constant_lattices_stay_constant():
    for value in (1, -1):
        s = np.full((3, 8, 8), value, dtype=np.int8)
        for b in (2, 4, 8):
            out = rg.majority_rule(s, b, seed=0)
            assert out.shape == (3, 8 // b, 8 // b) and np.all(out == value)


def test_majority_without_ties_is_deterministic():
    s = np.ones((1, 3, 3), dtype=np.int8)
    s.reshape(-1)[:4] = -1  # 4 of 9 down: majority up
    assert rg.majority_rule(s, 3, seed=1)[0, 0, 0] == 1
    s.reshape(-1)[:5] = -1  # 5 of 9 down
    assert rg.majority_rule(s, 3, seed=1)[0, 0, 0] == -1


def test_ties_are_broken_fairly():
    tie = np.array([[1, -1], [-1, 1]], dtype=np.int8)
    s = np.tile(tie, (4000, 1, 1))
    out = rg.majority_rule(s, 2, seed=2).ravel()
    n_up = int((out == 1).sum())
    # Binomial(4000, 1/2): four standard deviations are 4 * sqrt(1000) ≈ 126.
    assert abs(n_up - 2000) < 4 * np.sqrt(4000 * 0.25)
    assert np.array_equal(out, rg.majority_rule(s, 2, seed=2).ravel())


@pytest.mark.parametrize(
    ("spins", "b", "error"),
    [
        (np.ones((1, 6, 6), dtype=np.int8), 4, ValueError),
        (np.ones((1, 6, 6), dtype=np.int8), 1, ValueError),
        (np.ones((1, 6), dtype=np.int8), 2, ValueError),
        (np.ones((1, 6, 6)), 2, TypeError),
        (np.ones((1, 6, 6), dtype=np.int8), 2.0, TypeError),
    ],
)
def test_majority_rule_refuses_bad_input(spins, b, error):
    with pytest.raises(error):
        rg.majority_rule(spins, b)


# ----------------------------------------------------------------------------- 2D decimation
def test_decimation_keeps_the_corner_of_every_block():
    s = np.random.default_rng(0).choice(np.array([-1, 1], dtype=np.int8), size=(2, 6, 6))
    out = rg.decimate(s, 3)
    assert out.shape == (2, 2, 2) and out.flags.c_contiguous
    np.testing.assert_array_equal(out, s[:, [0, 3]][:, :, [0, 3]])


def test_decimation_refuses_a_side_the_block_does_not_divide():
    with pytest.raises(ValueError, match="divisible"):
        rg.decimate(np.ones((1, 6, 6), dtype=np.int8), 4)


# ----------------------------------------------------------------------------- Migdal–Kadanoff
def _chain_trace(J: float, b: int) -> float:
    """K' of a chain of b bonds of coupling J with its b − 1 inner spins traced out, from the
    product of 2×2 transfer matrices: T^b ∝ [[e^K', e^−K'], [e^−K', e^K']]."""
    T = np.array([[np.exp(J), np.exp(-J)], [np.exp(-J), np.exp(J)]])
    P = np.linalg.matrix_power(T, b)
    return 0.5 * np.log(P[0, 0] / P[0, 1])


@pytest.mark.parametrize("b", [2, 3, 4])
@pytest.mark.parametrize("K", [0.05, 0.3, 0.7, 2.0])
def test_migdal_kadanoff_moves_b_bonds_then_traces_the_chain(K, b):
    # Bond moving puts b bonds on each skeleton link (K -> bK); the chain of b links is traced.
    assert rg.migdal_kadanoff_coupling(K, b) == pytest.approx(_chain_trace(b * K, b), rel=1e-12)


def test_migdal_kadanoff_b2_is_half_log_cosh_4k_and_finite_at_any_coupling():
    for K in (1e-6, 0.1, 0.44, 3.0, 30.0):
        assert rg.migdal_kadanoff_coupling(K) == pytest.approx(0.5 * np.log(np.cosh(4 * K)), rel=1e-12)
    # Far beyond cosh's overflow: K' = 2K − ½ ln 2 (the asymptote), not inf.
    assert rg.migdal_kadanoff_coupling(1e3) == pytest.approx(2e3 - 0.5 * np.log(2), rel=1e-15)
    assert rg.migdal_kadanoff_coupling(0.0) == 0.0


@pytest.mark.parametrize("b", [2, 3])
@pytest.mark.parametrize("K", [0.02, 0.3, 1.0, 6.0])
def test_migdal_kadanoff_slope_is_the_derivative(K, b):
    h = 1e-6 * K
    numeric = (rg.migdal_kadanoff_coupling(K + h, b) - rg.migdal_kadanoff_coupling(K - h, b)) / (2 * h)
    assert rg.migdal_kadanoff_slope(K, b) == pytest.approx(numeric, rel=1e-6)
    assert rg.migdal_kadanoff_slope(500.0, b) == b


def test_migdal_kadanoff_fixed_point_and_exponent_for_b2():
    # Literature values: K* = 0.30469, λ_t = 2 tanh 4K* = 1.6786, y_t = 0.747 (exact y_t = 1).
    K_star, y_t = rg.migdal_kadanoff_fixed_point(2)
    assert rg.migdal_kadanoff_coupling(K_star) == pytest.approx(K_star, rel=1e-13)
    assert K_star == pytest.approx(0.30469, abs=5e-6)
    assert 2 * np.tanh(4 * K_star) == pytest.approx(1.6786, abs=5e-5)
    assert y_t == pytest.approx(0.747, abs=5e-4)


def test_migdal_kadanoff_flows_away_from_its_fixed_point():
    K_star, _ = rg.migdal_kadanoff_fixed_point(2)
    up, down = rg.migdal_kadanoff_flow(K_star * 1.01, 14), rg.migdal_kadanoff_flow(K_star * 0.99, 14)
    assert np.all(np.diff(up) > 0) and up[-1] > 10
    assert np.all(np.diff(down) < 0) and down[-1] < 1e-6
    # Near K*, the distance grows by λ_t = 2 tanh 4K* per step.
    ratio = (rg.migdal_kadanoff_coupling(K_star + 1e-7) - K_star) / 1e-7
    assert ratio == pytest.approx(2 * np.tanh(4 * K_star), rel=1e-5)


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: rg.migdal_kadanoff_coupling(-0.1), ValueError),
        (lambda: rg.migdal_kadanoff_coupling(0.3, 1), ValueError),
        (lambda: rg.migdal_kadanoff_slope(float("nan")), ValueError),
        (lambda: rg.migdal_kadanoff_flow(0.3, -1), ValueError),
        (lambda: rg.migdal_kadanoff_coupling("0.3"), TypeError),
    ],
)
def test_migdal_kadanoff_refuses_bad_input(call, error):
    with pytest.raises(error):
        call()
