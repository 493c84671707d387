"""The three exact constructions of 1D decimation, against enumeration and transfer matrices."""

import numpy as np
import pytest

from rgkit import exact, vrg
from rgkit.exact import configurations
from rgkit.rbm import match_hidden_units


@pytest.mark.parametrize("N", [4, 8, 12, 16])
@pytest.mark.parametrize("K", [0.3, 1.1, -0.5])
def test_decimation_rbm_joint_is_the_ring(N, K):
    rbm = vrg.decimation_rbm(N, K)
    s = configurations(N)
    v, h = np.roll(s, 1, axis=1)[:, 0::2], s[:, 0::2]  # v_j = s_{2j-1}, h_j = s_{2j}
    assert np.max(np.abs(rbm.energy(v, h) - vrg.ring_hamiltonian(N, K)(s))) < 1e-10
    assert abs(rbm.log_partition() - exact.ring_log_partition(N, K)) < 1e-10


@pytest.mark.parametrize("N", [4, 8, 12, 16])
@pytest.mark.parametrize("K", [0.3, 1.1, -0.5])
def test_decimation_rbm_hidden_marginal_is_the_ring_at_k_prime(N, K):
    rbm = vrg.decimation_rbm(N, K)
    k_prime = vrg.decimated_coupling(K)
    assert abs(np.tanh(k_prime) - np.tanh(K) ** 2) < 1e-12
    hs = configurations(N // 2)
    # A ring of two sites joins them by two bonds.
    coarse = vrg.Hamiltonian(2, {(0, 1): 2 * k_prime}) if N == 4 else vrg.ring_hamiltonian(N // 2, k_prime)
    expected = coarse(hs) - (N // 2) * np.log(2 * np.sqrt(np.cosh(2 * K)))
    assert np.max(np.abs(rbm.hidden_free_energy(hs) - expected)) < 1e-10
    # Z_N(K) = (2 sqrt(cosh 2K))^{N/2} Z_{N/2}(K').
    lhs = exact.ring_log_partition(N, K)
    rhs = (N // 2) * np.log(2 * np.sqrt(np.cosh(2 * K))) + exact.ring_log_partition(N // 2, k_prime)
    assert abs(lhs - rhs) < 1e-10


def test_stacked_decimation_follows_the_closed_form():
    K = 1.3
    flow = vrg.decimation_flow(K, 6)
    closed = np.arctanh(np.tanh(K) ** (2.0 ** np.arange(7)))
    assert np.max(np.abs(flow - closed)) < 1e-12
    # Iterating the RBM construction itself: the hidden ring of one step is the next ring.
    N, k = 16, K
    while N >= 4:
        hidden = vrg.expand_hamiltonian(vrg.decimation_rbm(N, k).hidden_free_energy(configurations(N // 2)), N // 2)
        k = vrg.decimated_coupling(k)
        bonds = [c for s, c in hidden.couplings.items() if len(s) == 2]
        expected = 2 * k if N // 2 == 2 else k  # a 2-site ring has each bond twice
        assert np.allclose(bonds, expected, atol=1e-10)
        N //= 2


@pytest.mark.parametrize("N", [3, 6, 12, 16])
@pytest.mark.parametrize("K", [0.4, -0.8, 0.0])
def test_chain_rbm_visible_marginal_is_the_ring(N, K):
    rbm = vrg.chain_rbm(N, K)
    s = configurations(N)
    expected = exact.log_boltzmann(vrg.ring_hamiltonian(N, K)(s))
    assert np.max(np.abs(rbm.log_prob(s) - expected)) < 1e-10


def test_chain_rbm_trace_is_one_with_the_matching_constant():
    N, K = 8, 0.7
    rbm = vrg.chain_rbm(N, K)
    check = vrg.mapping_check(rbm, vrg.ring_hamiltonian(N, K))
    assert check["kl"] < 1e-12 and check["trace_spread"] < 1e-10
    matched = vrg.ring_hamiltonian(N, K, constant=-check["log_trace_mean"])
    assert np.max(np.abs(vrg.log_trace(vrg.rbm_kernel(rbm, matched), N, N))) < 1e-10


def test_decimation_kernel_limit_and_trace():
    N, K = 10, 0.8
    H = vrg.ring_hamiltonian(N, K)
    assert np.max(np.abs(vrg.log_trace(vrg.decimation_kernel(N), N, N // 2))) < 1e-12
    for kappa in (0.5, 3.0):
        trace = vrg.log_trace(vrg.decimation_kernel(N, kappa), N, N // 2)
        assert np.allclose(trace, (N // 2) * np.log1p(np.exp(-2 * kappa)), atol=1e-12)
    coarse = vrg.expand_hamiltonian(vrg.coarse_hamiltonian(vrg.decimation_kernel(N), H, N, N // 2), N // 2)
    k_prime = vrg.decimated_coupling(K)
    assert all(vrg.is_ring_bond(s, N // 2) for s in coarse.couplings)
    assert np.allclose(list(coarse.couplings.values()), k_prime, atol=1e-10)
    # Finite kappa approaches the limit.
    far = vrg.coarse_hamiltonian(vrg.decimation_kernel(N, 2.0), H, N, N // 2)
    near = vrg.coarse_hamiltonian(vrg.decimation_kernel(N, 12.0), H, N, N // 2)
    limit = vrg.coarse_hamiltonian(vrg.decimation_kernel(N), H, N, N // 2)
    assert np.ptp(near - limit) < np.ptp(far - limit) and np.ptp(near - limit) < 1e-8


def test_block_kernels_generate_longer_range_couplings_decimation_does_not():
    N, K = 12, 0.6
    H = vrg.ring_hamiltonian(N, K)
    coarse = vrg.expand_hamiltonian(vrg.coarse_hamiltonian(vrg.block_spin_kernel(N, 2, 1.0), H, N, N // 2), N // 2)
    assert any(not vrg.is_ring_bond(s, N // 2) and abs(c) > 1e-4 for s, c in coarse.couplings.items())


def test_match_hidden_units_recovers_a_permutation_with_sign_flips():
    rng = np.random.default_rng(0)
    R = rng.standard_normal((6, 4))
    perm = np.array([2, 0, 3, 1])
    signs = np.array([1, -1, -1, 1])
    out = match_hidden_units(R[:, perm] * signs, R)
    assert np.array_equal(out["permutation"], perm) and np.array_equal(out["signs"], signs)
    assert np.allclose(out["cosine"], 1.0)


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: vrg.decimation_rbm(7, 0.3), ValueError),
        (lambda: vrg.decimation_rbm(2, 0.3), ValueError),
        (lambda: vrg.decimation_rbm(8, float("nan")), ValueError),
        (lambda: vrg.decimation_rbm(8.0, 0.3), TypeError),
        (lambda: vrg.chain_rbm(2, 0.3), ValueError),
        (lambda: vrg.chain_rbm(6, float("inf")), ValueError),
        (lambda: vrg.decimation_kernel(9), ValueError),
        (lambda: vrg.decimation_kernel(8, 0.0), ValueError),
        (lambda: vrg.decimation_flow(0.3, -1), ValueError),
        (lambda: match_hidden_units(np.ones((3, 2)), np.ones((2, 3))), ValueError),
    ],
)
def test_bad_input_is_refused(call, error):
    with pytest.raises(error):
        call()


def test_decimated_coupling_is_accurate_for_tiny_and_huge_couplings():
    assert abs(vrg.decimated_coupling(1e-8) - 1e-16) < 1e-28  # K' ≈ K² - (2/3) K⁴
    assert vrg.decimated_coupling(1000.0) == 1000.0 - 0.5 * np.log(2.0)
    flow = vrg.decimation_flow(0.6, 8)
    xi = -1 / np.log(np.tanh(flow))
    assert np.allclose(xi[1:], xi[:-1] / 2, rtol=1e-12)
