"""Tests of rgkit.rsmi: the exact real-space mutual information I(H : E) on the Ising ring."""

import numpy as np
import pytest
from scipy.special import logsumexp

from rgkit import mcrg, rg, rsmi
from rgkit.exact import KC, ising_enumeration, ring_correlation
from rgkit.states import configurations, log_boltzmann, state_index

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


# =========================================================================== the 2D filter


def torus_log_probabilities(rows, cols, K):
    """Every state of the rows × cols torus, shape (2**n, rows, cols), and its ln P, by enumeration."""
    s = configurations(rows * cols).reshape(-1, rows, cols).astype(np.float64)
    bonds = (s * np.roll(s, 1, axis=1)).sum(axis=(1, 2)) + (s * np.roll(s, 1, axis=2)).sum(axis=(1, 2))
    return s, log_boltzmann(-K * bonds)


def table_from_states(s, log_p, v_sites, e_sites):
    """ln p(v, e) by summing ln P over the states, v and e read at the listed (row, col) sites."""
    v = s[:, [r for r, _ in v_sites], [c for _, c in v_sites]]
    e = s[:, [r for r, _ in e_sites], [c for _, c in e_sites]]
    flat = state_index(v.astype(np.int8)) * 2 ** len(e_sites) + state_index(e.astype(np.int8))
    sums = np.full(2 ** (len(v_sites) + len(e_sites)), -np.inf)
    np.logaddexp.at(sums, flat, log_p)
    return sums.reshape(2 ** len(v_sites), -1)


BLOCK_SITES = [(0, 0), (0, 1), (1, 0), (1, 1)]


def test_torus_joint_matches_enumeration_of_the_four_by_four_torus():
    # Buffer 0: the environment is every other site (each is within one site of the block).
    K = 0.37
    energies, _ = ising_enumeration(4)
    s = configurations(16).reshape(-1, 4, 4)
    env = [(r, c) for r in range(4) for c in range(4) if (r, c) not in BLOCK_SITES]
    expected = table_from_states(s, log_boltzmann(K * energies), BLOCK_SITES, env)
    got = rsmi.torus_block_environment(K, rows=4, cols=4, buffer=0)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-11)


@pytest.mark.parametrize(
    ("rows", "cols", "buffer", "env"),
    [
        # column 3 is summed between the two environment columns 2 and 4
        (3, 5, 0, [(0, 2), (0, 4), (1, 2), (1, 4), (2, 0), (2, 1), (2, 2), (2, 4)]),
        # columns 2 and 5 are the buffer; every row is within one site of the block
        (3, 6, 1, [(r, c) for r in range(3) for c in (3, 4)]),
    ],
)
def test_torus_joint_matches_enumeration_of_rectangular_tori(rows, cols, buffer, env):
    K = 0.52
    s, log_p = torus_log_probabilities(rows, cols, K)
    expected = table_from_states(s, log_p, BLOCK_SITES, env)
    got = rsmi.torus_block_environment(K, rows=rows, cols=cols, buffer=buffer)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-11)


def permuted_index(n, order):
    """Index of each state of configurations(n) after its units are reordered by ``order``."""
    return state_index(configurations(n)[:, order])


def test_torus_joint_is_symmetric_under_spin_flip_and_the_torus_mirrors():
    log_p = rsmi.torus_block_environment(0.5)
    np.testing.assert_allclose(log_p[::-1, ::-1], log_p, rtol=1e-12)  # s -> -s reverses both indices
    # c -> 1 - c swaps the block columns and environment columns 3 and 4; r -> 1 - r swaps the
    # block rows and maps environment row r to 1 - r (mod 4).
    col_v, col_e = permuted_index(4, [1, 0, 3, 2]), permuted_index(8, [1, 0, 3, 2, 5, 4, 7, 6])
    np.testing.assert_allclose(log_p[np.ix_(col_v, col_e)], log_p, rtol=1e-12)
    row_v, row_e = permuted_index(4, [2, 3, 0, 1]), permuted_index(8, [2, 3, 0, 1, 6, 7, 4, 5])
    np.testing.assert_allclose(log_p[np.ix_(row_v, row_e)], log_p, rtol=1e-12)


def test_optimal_filter_on_the_torus_at_kc_is_majority_rule_with_ties_to_one_side():
    log_p = rsmi.torus_block_environment(KC)
    best = rsmi.optimal_filter(log_p)
    total = configurations(4).sum(axis=1)
    sign = best.values[total > 0][0]
    assert np.all(best.values[total > 0] == sign) and np.all(best.values[total < 0] == -sign)
    assert len(set(best.values[total == 0])) == 1, "all six ties go to one side"
    assert best.ties == 4, "f, -f and the same with the ties sent to the other side"
    for other in (rsmi.block_spin_filter(4), rsmi.decimation_filter(4, 0)):
        assert rsmi.mutual_information(log_p, other) < best.information


def test_patches_cut_the_frame_beyond_the_buffer_in_sample_major_order():
    L, block, buffer, width = 10, 2, 1, 1
    ring = {
        (r % L, c % L)
        for r in range(-buffer - width, block + buffer + width)
        for c in range(-buffer - width, block + buffer + width)
        if not (-buffer <= r < block + buffer and -buffer <= c < block + buffer)
    }
    # One configuration per site, +1 there only: the +1 shows up in that site's column of E.
    spins = -np.ones((L * L, L, L), dtype=np.int8)
    spins[np.arange(L * L), np.arange(L * L) // L, np.arange(L * L) % L] = 1
    V, E = rsmi.patches(spins, block=block, buffer=buffer, env_width=width)
    P = (L // block) ** 2
    assert V.shape == (L * L * P, 4) and E.shape == (L * L * P, len(ring)) == (L * L * P, 20)
    first = E[::P]  # position (0, 0) of every configuration
    seen = {(k // L, k % L) for k in range(L * L) if first[k].max() == 1}
    assert seen == ring
    # Sites in row-major order of their offset: the rows of the frame, (0, 2) before (0, 3).
    order = sorted(ring)
    for col, site in enumerate(order):
        assert first[site[0] * L + site[1], col] == 1
    # Row p * P + q is block position q of configuration p.
    q = 7
    i, j = divmod(q, L // block)
    np.testing.assert_array_equal(V[3 * P + q], spins[3, 2 * i : 2 * i + 2, 2 * j : 2 * j + 2].ravel())


def test_patches_of_the_small_torus_are_the_columns_of_the_exact_joint():
    rng = np.random.default_rng(5)
    spins = rng.choice(np.array([-1, 1], dtype=np.int8), size=(4, 4, 6))
    V, E = rsmi.patches(spins)
    assert V.shape == (24, 4) and E.shape == (24, 8)
    np.testing.assert_array_equal(E[::6], spins[:, :, 3:5].reshape(4, 8))
    np.testing.assert_array_equal(V[::6], spins[:, :2, :2].reshape(4, 4))
    # stride 1 gives every position; the block at (3, 5) wraps around both sides
    V1, _ = rsmi.patches(spins, stride=1)
    np.testing.assert_array_equal(V1[23], spins[0][[3, 3, 0, 0], [5, 0, 5, 0]])


def exact_draws(log_p, n, seed):
    """n i.i.d. (v, e) pairs from an exact joint table."""
    p = np.exp(log_p).ravel()
    idx = np.random.default_rng(seed).choice(p.size, size=n, p=p / p.sum())
    n_v, n_e = log_p.shape
    return configurations(int(np.log2(n_v)))[idx // n_e], configurations(int(np.log2(n_e)))[idx % n_e]


def test_held_out_bound_is_below_and_close_to_the_exact_information_of_the_learned_filter():
    log_p = rsmi.torus_block_environment(KC)
    V, E = exact_draws(log_p, 40000, seed=6)
    fit = rsmi.fit_rsmi_filter(V, E, sharpness=2.0, seed=0)
    assert fit.n_train == fit.n_test == 20000
    assert np.linalg.norm(fit.weights) == pytest.approx(2.0, rel=1e-12)
    exact = rsmi.mutual_information(log_p, rsmi.logistic_filter(fit.weights, fit.bias))
    assert fit.bound_test <= exact + 3 * fit.bound_test_err
    assert abs(fit.bound_test - exact) < 0.01
    # and the learned filter is within a few thousandths of a nat of the best logistic filter
    assert exact <= rsmi.fit_logistic_filter(log_p, 2.0, n_starts=0).information + 1e-12


def test_learned_weights_at_kc_are_equal_within_their_errors():
    # At this sharpness the exact optimum is the uniform direction (the block spin), and the
    # torus symmetries map every block site to every other.
    log_p = rsmi.torus_block_environment(KC)
    np.testing.assert_allclose(rsmi.fit_logistic_filter(log_p, 2.0, n_starts=0).weights, 1.0, atol=1e-4)
    weights = []
    for k in range(8):
        V, E = exact_draws(log_p, 10000, seed=10 + k)
        weights.append(rsmi.fit_rsmi_filter(V, E, sharpness=2.0, n_starts=0, seed=k).weights)
    weights = np.array(weights)
    mean, err = weights.mean(axis=0), weights.std(axis=0, ddof=1) / np.sqrt(len(weights))
    assert np.all(np.abs(mean - 1.0) < 4 * err)


def test_fit_is_a_function_of_the_data_and_the_seed():
    V, E = exact_draws(rsmi.torus_block_environment(0.3), 2000, seed=7)
    a = rsmi.fit_rsmi_filter(V, E, sharpness=1.5, n_starts=2, seed=3)
    b = rsmi.fit_rsmi_filter(V, E, sharpness=1.5, n_starts=2, seed=3)
    assert a.weights.tobytes() == b.weights.tobytes() and a.bound_test == b.bound_test
    assert a.decoder_weights.tobytes() == b.decoder_weights.tobytes()


def test_filter_map_with_equal_weights_is_majority_rule_and_sampling_follows_the_filter():
    rng = np.random.default_rng(8)
    spins = rng.choice(np.array([-1, 1], dtype=np.int8), size=(400, 8, 8))
    sums = spins.reshape(400, 4, 2, 4, 2).sum(axis=(2, 4))
    coarse = rsmi.filter_map(np.ones(4), mode="sign", seed=0)(spins)
    assert coarse.dtype == np.int8 and coarse.shape == (400, 4, 4)
    np.testing.assert_array_equal(coarse[sums != 0], np.sign(sums[sums != 0]))
    ties = coarse[sums == 0]
    assert abs(ties.mean()) < 4 / np.sqrt(ties.size)  # fair coins
    np.testing.assert_array_equal(coarse[sums != 0], rg.majority_rule(spins, 2, seed=0)[sums != 0])
    # Sampling: the frequency of h = +1 for each block sum is sigma(2 (w . v + c)).
    w, c = np.full(4, 0.3), 0.1
    drawn = rsmi.filter_map(w, c, mode="sample", seed=1)(spins)
    for m in (-4, -2, 0, 2, 4):
        h = drawn[sums == m]
        p = 1 / (1 + np.exp(-2 * (0.3 * m + c)))
        assert abs((h == 1).mean() - p) < 4 * np.sqrt(p * (1 - p) / h.size)


def test_filter_map_is_a_transform_for_mcrg():
    spins = np.random.default_rng(9).choice(np.array([-1, 1], dtype=np.int8), size=(20, 12, 12))
    sums = mcrg.blocked_sums(spins, 2, 2, transform=rsmi.filter_map([1.0, 1.1, 0.9, 1.0], seed=0))
    assert sums.sides == (12, 6, 3)


def test_bad_2d_input_is_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="leaves no environment"):
        rsmi.torus_block_environment(0.4, rows=4, cols=4, buffer=1)
    with pytest.raises(ValueError, match="at most 20 sites"):
        rsmi.torus_block_environment(0.4, rows=6, cols=8, buffer=1)
    with pytest.raises(TypeError, match="K must be a real number"):
        rsmi.torus_block_environment(None)
    with pytest.raises(ValueError, match="only -1 and 1"):
        rsmi.patches(np.zeros((2, 4, 4), dtype=np.int8))
    with pytest.raises(ValueError, match="shape \\(n, L, L\\)"):
        rsmi.patches(np.ones((4, 4), dtype=np.int8))
    with pytest.raises(ValueError, match="stride = 3 must divide"):
        rsmi.patches(np.ones((1, 8, 8), dtype=np.int8), stride=3)
    V, E = exact_draws(rsmi.torus_block_environment(0.4), 100, seed=0)
    with pytest.raises(ValueError, match="one row per sample"):
        rsmi.fit_rsmi_filter(V, E[:-1], sharpness=1.0)
    with pytest.raises(ValueError, match="holdout must lie strictly between 0 and 1"):
        rsmi.fit_rsmi_filter(V, E, sharpness=1.0, holdout=1.0)
    with pytest.raises(ValueError, match="whole number of groups"):
        rsmi.fit_rsmi_filter(V, E, sharpness=1.0, rows_per_sample=7)
    with pytest.raises(ValueError, match="sharpness must be positive"):
        rsmi.fit_rsmi_filter(V, E, sharpness=-1.0)
    with pytest.raises(TypeError, match="integer array"):
        rsmi.fit_rsmi_filter(V.astype(float), E, sharpness=1.0)
    with pytest.raises(ValueError, match="one per block site"):
        rsmi.filter_map(np.ones(3))
    with pytest.raises(ValueError, match="mode must be"):
        rsmi.filter_map(np.ones(4), mode="mean")
    with pytest.raises(ValueError, match="divisible by b = 2"):
        rsmi.filter_map(np.ones(4))(np.ones((1, 5, 5), dtype=np.int8))
