"""Tests of rgkit.rsmi: the exact real-space mutual information I(H : E) on the Ising ring."""

import numpy as np
import pytest
from scipy.special import logsumexp

from rgkit import rsmi
from rgkit.exact import ring_correlation
from rgkit.states import configurations, log_boltzmann

LN2 = np.log(2.0)


def ring_log_probabilities(N, K):
    """ln P of every state of the ring, by enumeration (independent of the transfer matrices)."""
    s = configurations(N).astype(np.float64)
    return s, log_boltzmann(-K * (s * np.roll(s, -1, axis=1)).sum(axis=1))


def brute_force_joint(N, K, block, buffer):
    """ln p(v, E) with the whole environment, rows configurations(block), columns the 2**n_E states of E.

    Sites 0 .. b-1 are the block, the next ``buffer`` sites and the last ``buffer`` sites the buffer.
    """
    s, log_p = ring_log_probabilities(N, K)
    env = list(range(block + buffer, N - buffer))
    bits = (s > 0).astype(np.int64)
    v_index = bits[:, :block] @ (1 << np.arange(block - 1, -1, -1))
    e_index = bits[:, env] @ (1 << np.arange(len(env) - 1, -1, -1))
    table = np.full((2**block, 2 ** len(env)), -np.inf)
    flat = v_index * 2 ** len(env) + e_index
    sums = np.full(table.size, -np.inf)
    np.logaddexp.at(sums, flat, log_p)
    table[:] = sums.reshape(table.shape)
    return table, env


def information_from_probabilities(p):
    """I(X : Y) in nats from a 2-D table of probabilities, plain numpy."""
    px = p.sum(axis=1, keepdims=True)
    py = p.sum(axis=0, keepdims=True)
    m = p > 0
    return float(np.sum(p[m] * np.log(p[m] / (px @ py)[m])))


@pytest.mark.parametrize(
    ("N", "K", "block", "buffer"), [(10, 0.7, 3, 1), (9, -0.4, 2, 2), (8, 1.3, 2, 0), (7, 0.5, 2, 2)]
)
def test_boundary_joint_matches_enumeration_of_the_ring(N, K, block, buffer):
    full, env = brute_force_joint(N, K, block, buffer)
    n_e = len(env)
    # Marginalise E onto its two end sites: e_L = the last environment site before the block
    # going around the ring (site N - buffer - 1), e_R = the first after it (site block + buffer).
    e_states = configurations(n_e)
    e_l, e_r = e_states[:, -1], e_states[:, 0]
    expected = np.full((2**block, 4), -np.inf)
    for k, (a, c) in enumerate(configurations(2)):
        cols = (e_l == a) & (e_r == c)
        if cols.any():
            expected[:, k] = logsumexp(full[:, cols], axis=1)
    got = rsmi.ring_block_environment(N, K, block, buffer)
    finite = np.isfinite(expected)
    assert np.array_equal(finite, np.isfinite(got))
    np.testing.assert_allclose(got[finite], expected[finite], rtol=0, atol=1e-12)


@pytest.mark.parametrize(("N", "K", "block", "buffer"), [(11, 0.6, 3, 1), (10, -0.9, 2, 0)])
def test_information_with_the_whole_environment_equals_the_boundary_reduction(N, K, block, buffer):
    full, _ = brute_force_joint(N, K, block, buffer)
    rng = np.random.default_rng(1)
    for _ in range(3):
        log_filter = rsmi.logistic_filter(rng.normal(0, 1.5, size=(block, 2)), rng.normal(0, 0.5, size=2))
        expected = information_from_probabilities(np.exp(logsumexp(full[:, :, None] + log_filter[:, None, :], axis=0)))
        assert rsmi.ring_information(N, K, buffer, log_filter) == pytest.approx(expected, rel=1e-10, abs=1e-14)


def test_filter_independent_of_the_block_gives_zero():
    log_p = rsmi.ring_block_environment(12, 0.9, 3, 1)
    assert abs(rsmi.mutual_information(log_p, rsmi.logistic_filter(np.zeros(3), 0.7))) < 1e-14
    assert abs(rsmi.mutual_information(log_p, rsmi.table_filter(np.full(8, 0.3)))) < 1e-14
    # and so does an uncoupled ring, whatever the filter, down to a one-site environment
    for N in (6, 9, None):
        assert abs(rsmi.ring_information(N, 0.0, 1, rsmi.decimation_filter(3, 0))) < 1e-14


def three_spin_information(c_sl, c_sr, c_lr):
    """I(s : e_L, e_R) of three zero-field Ising spins from their pair correlations.

    Odd moments vanish, so p(s, e_L, e_R) = (1 + c_sl s e_L + c_sr s e_R + c_lr e_L e_R) / 8.
    """
    p = np.zeros((2, 4))
    for i, s in enumerate((-1, 1)):
        for k, (a, c) in enumerate(configurations(2)):
            p[i, k] = (1 + c_sl * s * a + c_sr * s * c + c_lr * a * c) / 8
    return information_from_probabilities(p)


@pytest.mark.parametrize(("N", "K"), [(14, 0.8), (13, -0.5), (9, 2.0)])
@pytest.mark.parametrize(("block", "buffer", "site"), [(3, 1, 1), (3, 0, 0), (2, 2, 1)])
def test_copy_of_one_spin_gives_the_ring_closed_form(N, K, block, buffer, site):
    d_left = site + buffer + 1
    d_right = block - 1 - site + buffer + 1
    expected = three_spin_information(*ring_correlation(N, K, np.array([d_left, d_right, d_left + d_right])))
    got = rsmi.ring_information(N, K, buffer, rsmi.decimation_filter(block, site))
    assert got == pytest.approx(expected, rel=1e-10, abs=1e-15)


def test_copy_of_one_spin_on_the_infinite_chain_gives_the_closed_form():
    K, block, buffer, site = 0.7, 3, 2, 0
    t = np.tanh(K)
    d_left, d_right = site + buffer + 1, block - 1 - site + buffer + 1
    expected = three_spin_information(t**d_left, t**d_right, t ** (d_left + d_right))
    got = rsmi.ring_information(None, K, buffer, rsmi.decimation_filter(block, site))
    assert got == pytest.approx(expected, rel=1e-12)
    # A long ring approaches the chain exponentially in its length.
    assert rsmi.ring_information(300, K, buffer, rsmi.decimation_filter(block, site)) == pytest.approx(got, rel=1e-12)


def test_information_is_unchanged_by_flipping_a_coarse_spin():
    log_p = rsmi.ring_block_environment(None, 0.8, 3, 1)
    rng = np.random.default_rng(2)
    w, c = rng.normal(size=(3, 2)), rng.normal(size=2)
    base = rsmi.mutual_information(log_p, rsmi.logistic_filter(w, c))
    # Flipping h_1 is the filter with (w, c) of unit 1 negated.
    flipped = rsmi.logistic_filter(w * [1, -1], c * [1, -1])
    assert rsmi.mutual_information(log_p, flipped) == pytest.approx(base, rel=1e-12)
    one = rsmi.logistic_filter(w[:, 0], c[0])
    assert rsmi.mutual_information(log_p, one[:, ::-1]) == pytest.approx(rsmi.mutual_information(log_p, one), rel=1e-12)


def identity_filter(block):
    with np.errstate(divide="ignore"):
        return np.log(np.eye(2**block))


def test_information_lies_between_zero_ln2_and_the_block_information():
    rng = np.random.default_rng(3)
    for K in (0.2, 1.0, 3.0, -1.5):
        log_p = rsmi.ring_block_environment(13, K, 3, 1)
        i_block = rsmi.mutual_information(log_p, identity_filter(3))
        assert i_block == pytest.approx(information_from_probabilities(np.exp(log_p)), rel=1e-12)
        for _ in range(20):
            i = rsmi.mutual_information(log_p, rsmi.table_filter(rng.uniform(size=8) ** 3))
            assert -1e-15 <= i <= min(LN2, i_block) + 1e-15


def test_the_two_end_spins_carry_all_the_information_about_the_environment():
    # The chain is Markov, so (v_1, v_b) is a sufficient statistic of the block for E.
    block = 4
    v = configurations(block)
    h = configurations(2)
    match = (v[:, None, 0] == h[None, :, 0]) & (v[:, None, -1] == h[None, :, 1])
    with np.errstate(divide="ignore"):
        ends = np.log(match.astype(np.float64))
    for N, K, buffer in ((12, 0.6, 1), (None, 1.4, 0), (9, -0.7, 2)):
        log_p = rsmi.ring_block_environment(N, K, block, buffer)
        assert rsmi.mutual_information(log_p, ends) == pytest.approx(
            rsmi.mutual_information(log_p, identity_filter(block)), rel=1e-12
        )


def test_block_spin_of_two_is_the_mixture_of_the_two_decimations():
    mixture = np.logaddexp(rsmi.decimation_filter(2, 0), rsmi.decimation_filter(2, 1)) - LN2
    np.testing.assert_array_equal(rsmi.block_spin_filter(2), mixture)


@pytest.mark.parametrize("block", [2, 3])
@pytest.mark.parametrize(("K", "buffer"), [(0.3, 0), (0.3, 2), (1.0, 1), (2.0, 0)])
def test_no_random_filter_beats_the_optimal_one_and_it_is_decimation_of_an_end_spin(block, K, buffer):
    log_p = rsmi.ring_block_environment(None, K, block, buffer)
    best = rsmi.optimal_filter(log_p)
    rng = np.random.default_rng(4)
    for _ in range(200):  # convexity: random stochastic filters stay below the best vertex
        assert rsmi.mutual_information(log_p, rsmi.table_filter(rng.uniform(size=2**block))) <= best.information
    ends = {tuple(s * configurations(block)[:, k]) for k in (0, block - 1) for s in (1, -1)}
    assert tuple(best.values) in ends
    assert best.ties == 4, "v_1, -v_1, v_b and -v_b, nothing else"
    decimation = rsmi.mutual_information(log_p, rsmi.decimation_filter(block, 0))
    assert best.information == pytest.approx(decimation, rel=1e-12)
    assert rsmi.mutual_information(log_p, rsmi.block_spin_filter(block)) < decimation


def test_logistic_fit_matches_a_grid_scan_over_directions():
    log_p = rsmi.ring_block_environment(None, 1.0, 2, 1)
    angles = np.linspace(0, np.pi, 2001)
    for lam in (1.0, 2.0, 4.0):
        scan = [
            rsmi.mutual_information(log_p, rsmi.logistic_filter(lam * np.array([np.cos(a), np.sin(a)]))) for a in angles
        ]
        fit = rsmi.fit_logistic_filter(log_p, lam, n_starts=4, seed=0)
        assert fit.information >= max(scan) - 1e-9
        assert np.linalg.norm(fit.weights) == pytest.approx(lam, rel=1e-12)
        assert fit.information == pytest.approx(
            rsmi.mutual_information(log_p, rsmi.logistic_filter(fit.weights)), rel=1e-12
        )
        assert fit.information <= rsmi.optimal_filter(log_p).information


def test_noisy_filters_prefer_the_block_spin_and_sharp_ones_decimation():
    log_p = rsmi.ring_block_environment(None, 1.0, 2, 1)
    soft = rsmi.fit_logistic_filter(log_p, 1.0, seed=0)
    np.testing.assert_allclose(soft.weights, [np.sqrt(0.5)] * 2, atol=1e-4)
    sharp = rsmi.fit_logistic_filter(log_p, 4.0, seed=0)
    assert sharp.weights[0] > 3 * abs(sharp.weights[1])


def test_fit_is_reproducible_from_its_seed():
    log_p = rsmi.ring_block_environment(None, 0.5, 3, 1)
    a = rsmi.fit_logistic_filter(log_p, 2.0, n_starts=3, seed=7)
    b = rsmi.fit_logistic_filter(log_p, 2.0, n_starts=3, seed=7)
    assert a.weights.tobytes() == b.weights.tobytes() and a.information == b.information


def test_bad_input_is_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="leaves no environment"):
        rsmi.ring_block_environment(6, 0.5, 2, 2)
    with pytest.raises(ValueError, match="block must be at least 1"):
        rsmi.ring_block_environment(None, 0.5, 0, 1)
    with pytest.raises(TypeError, match="K must be a real number"):
        rsmi.ring_block_environment(None, "hot", 2, 1)
    log_p = rsmi.ring_block_environment(None, 0.5, 2, 1)
    with pytest.raises(ValueError, match="one row per block state"):
        rsmi.mutual_information(log_p, rsmi.decimation_filter(3))
    with pytest.raises(ValueError, match="each row of it sums to 1"):
        rsmi.mutual_information(log_p, np.zeros((4, 2)))
    with pytest.raises(ValueError, match="the whole of it sums to 1"):
        rsmi.mutual_information(log_p + 1.0, rsmi.decimation_filter(2))
    with pytest.raises(ValueError, match="NaN"):
        rsmi.mutual_information(np.full((4, 4), np.nan), rsmi.decimation_filter(2))
    with pytest.raises(ValueError, match="probabilities in"):
        rsmi.table_filter([0.5, 1.5])
    with pytest.raises(ValueError, match="2\\*\\*b entries"):
        rsmi.table_filter([0.5, 0.5, 0.5])
    with pytest.raises(ValueError, match="site must be at most 1"):
        rsmi.decimation_filter(2, site=2)
    with pytest.raises(ValueError, match="finite"):
        rsmi.logistic_filter([1.0, np.inf])
    with pytest.raises(ValueError, match="bias must be a scalar or have shape"):
        rsmi.logistic_filter(np.ones((2, 2)), [0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="sharpness must be positive"):
        rsmi.fit_logistic_filter(log_p, 0.0)
    with pytest.raises(ValueError, match="1 ≤ b ≤ 4"):
        rsmi.optimal_filter(rsmi.ring_block_environment(None, 0.5, 5, 0))
    with pytest.raises(ValueError, match="2\\*\\*b rows"):
        rsmi.ring_information(None, 0.5, 1, np.zeros((3, 2)))
