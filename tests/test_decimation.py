"""The three exact constructions of 1D decimation, against enumeration and transfer matrices."""

import numpy as np
import pytest

from rgkit import compare, exact, hamiltonian, rg, states, vrg
from rgkit.compare import match_hidden_units
from rgkit.rbm import RBM, exact_kl
from rgkit.states import configurations


@pytest.mark.parametrize("N", [4, 8, 12, 16])
@pytest.mark.parametrize("K", [0.3, 1.1, -0.5])
def test_decimation_rbm_joint_is_the_ring(N, K):
    rbm = vrg.decimation_rbm(N, K)
    s = configurations(N)
    v, h = np.roll(s, 1, axis=1)[:, 0::2], s[:, 0::2]  # v_j = s_{2j-1}, h_j = s_{2j}
    assert np.max(np.abs(rbm.energy(v, h) - hamiltonian.ring_hamiltonian(N, K)(s))) < 1e-10
    assert abs(rbm.log_partition() - exact.ring_log_partition(N, K)) < 1e-10


@pytest.mark.parametrize("N", [4, 8, 12, 16])
@pytest.mark.parametrize("K", [0.3, 1.1, -0.5])
def test_decimation_rbm_hidden_marginal_is_the_ring_at_k_prime(N, K):
    rbm = vrg.decimation_rbm(N, K)
    k_prime = rg.decimated_coupling(K)
    assert abs(np.tanh(k_prime) - np.tanh(K) ** 2) < 1e-12
    hs = configurations(N // 2)
    # A ring of two sites joins them by two bonds.
    coarse = (
        hamiltonian.Hamiltonian(2, {(0, 1): 2 * k_prime}) if N == 4 else hamiltonian.ring_hamiltonian(N // 2, k_prime)
    )
    expected = coarse(hs) - (N // 2) * np.log(2 * np.sqrt(np.cosh(2 * K)))
    assert np.max(np.abs(rbm.hidden_free_energy(hs) - expected)) < 1e-10
    # Z_N(K) = (2 sqrt(cosh 2K))^{N/2} Z_{N/2}(K').
    lhs = exact.ring_log_partition(N, K)
    rhs = (N // 2) * np.log(2 * np.sqrt(np.cosh(2 * K))) + exact.ring_log_partition(N // 2, k_prime)
    assert abs(lhs - rhs) < 1e-10


def test_stacked_decimation_follows_the_closed_form():
    K = 1.3
    flow = rg.decimation_flow(K, 6)
    closed = np.arctanh(np.tanh(K) ** (2.0 ** np.arange(7)))
    assert np.max(np.abs(flow - closed)) < 1e-12
    # Iterating the RBM construction itself: the hidden ring of one step is the next ring.
    N, k = 16, K
    while N >= 4:
        hidden = hamiltonian.expand_hamiltonian(
            vrg.decimation_rbm(N, k).hidden_free_energy(configurations(N // 2)), N // 2
        )
        k = rg.decimated_coupling(k)
        bonds = [c for s, c in hidden.couplings.items() if len(s) == 2]
        expected = 2 * k if N // 2 == 2 else k  # a 2-site ring has each bond twice
        assert np.allclose(bonds, expected, atol=1e-10)
        N //= 2


@pytest.mark.parametrize("N", [3, 6, 12, 16])
@pytest.mark.parametrize("K", [0.4, -0.8, 0.0])
def test_chain_rbm_visible_marginal_is_the_ring(N, K):
    rbm = vrg.chain_rbm(N, K)
    s = configurations(N)
    expected = states.log_boltzmann(hamiltonian.ring_hamiltonian(N, K)(s))
    assert np.max(np.abs(rbm.log_prob(s) - expected)) < 1e-10


def test_chain_rbm_trace_is_one_with_the_matching_constant():
    N, K = 8, 0.7
    rbm = vrg.chain_rbm(N, K)
    check = vrg.mapping_check(rbm, hamiltonian.ring_hamiltonian(N, K))
    assert check.kl < 1e-12 and check.trace_spread < 1e-10
    matched = hamiltonian.ring_hamiltonian(N, K, constant=-check.log_trace_mean)
    assert np.max(np.abs(vrg.log_trace(vrg.rbm_kernel(rbm, matched), N, N))) < 1e-10


def test_decimation_kernel_limit_and_trace():
    N, K = 10, 0.8
    H = hamiltonian.ring_hamiltonian(N, K)
    assert np.max(np.abs(vrg.log_trace(vrg.decimation_kernel(N), N, N // 2))) < 1e-12
    for kappa in (0.5, 3.0):
        trace = vrg.log_trace(vrg.decimation_kernel(N, kappa), N, N // 2)
        assert np.allclose(trace, (N // 2) * np.log1p(np.exp(-2 * kappa)), atol=1e-12)
    coarse = hamiltonian.expand_hamiltonian(vrg.coarse_hamiltonian(vrg.decimation_kernel(N), H, N, N // 2), N // 2)
    k_prime = rg.decimated_coupling(K)
    assert all(hamiltonian.is_ring_bond(s, N // 2) for s in coarse.couplings)
    assert np.allclose(list(coarse.couplings.values()), k_prime, atol=1e-10)
    # Finite kappa approaches the limit.
    far = vrg.coarse_hamiltonian(vrg.decimation_kernel(N, 2.0), H, N, N // 2)
    near = vrg.coarse_hamiltonian(vrg.decimation_kernel(N, 12.0), H, N, N // 2)
    limit = vrg.coarse_hamiltonian(vrg.decimation_kernel(N), H, N, N // 2)
    assert np.ptp(near - limit) < np.ptp(far - limit) and np.ptp(near - limit) < 1e-8


def test_block_kernels_generate_longer_range_couplings_decimation_does_not():
    N, K = 12, 0.6
    H = hamiltonian.ring_hamiltonian(N, K)
    coarse = hamiltonian.expand_hamiltonian(
        vrg.coarse_hamiltonian(vrg.block_spin_kernel(N, 2, 1.0), H, N, N // 2), N // 2
    )
    assert any(not hamiltonian.is_ring_bond(s, N // 2) and abs(c) > 1e-4 for s, c in coarse.couplings.items())


def test_match_hidden_units_recovers_a_permutation_with_sign_flips():
    rng = np.random.default_rng(0)
    R = rng.standard_normal((6, 4))
    perm = np.array([2, 0, 3, 1])
    signs = np.array([1, -1, -1, 1])
    out = match_hidden_units(R[:, perm] * signs, R)
    assert np.array_equal(out.permutation, perm) and np.array_equal(out.signs, signs)
    assert np.allclose(out.cosine, 1.0)


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
        (lambda: rg.decimation_flow(0.3, -1), ValueError),
        (lambda: match_hidden_units(np.ones((3, 2)), np.ones((2, 3))), ValueError),
    ],
)
def test_bad_input_is_refused(call, error):
    with pytest.raises(error):
        call()


def test_decimated_coupling_is_accurate_for_tiny_and_huge_couplings():
    assert abs(rg.decimated_coupling(1e-8) - 1e-16) < 1e-28  # K' ≈ K² - (2/3) K⁴
    assert rg.decimated_coupling(1000.0) == 1000.0 - 0.5 * np.log(2.0)
    flow = rg.decimation_flow(0.6, 8)
    xi = -1 / np.log(np.tanh(flow))
    assert np.allclose(xi[1:], xi[:-1] / 2, rtol=1e-12)


# ----------------------------------------------------------------------------- chapter helpers
def test_ring_couplings_of_the_decimated_ring_are_k_prime_and_nothing_else():
    N, K = 12, 0.6
    limit = vrg.coarse_hamiltonian(vrg.decimation_kernel(N), hamiltonian.ring_hamiltonian(N, K), N, N // 2)
    split = hamiltonian.ring_couplings(limit, N // 2)
    assert len(split.nearest) == N // 2
    assert np.max(np.abs(split.nearest - rg.decimated_coupling(K))) < 1e-10
    assert abs(split.mean_nearest - rg.decimated_coupling(K)) < 1e-10
    assert split.largest_other < 1e-10 and split.truncation_kl < 1e-12


def test_ring_couplings_prices_the_dropped_couplings_as_a_direct_kl_sum():
    n, K, J, h = 5, 0.4, -0.3, 0.2
    couplings = {(i, (i + 1) % n): K for i in range(n)} | {(0, 2): J, (3,): h}
    s = configurations(n).astype(float)
    energies = hamiltonian.Hamiltonian(n, couplings)(s)
    split = hamiltonian.ring_couplings(energies, n)
    assert np.allclose(np.sort(split.nearest), K) and len(split.nearest) == n
    assert abs(split.largest_other - abs(J)) < 1e-12
    # KL(P || Q) by a plain sum over states, Q the ring alone.
    ring = -K * sum(s[:, i] * s[:, (i + 1) % n] for i in range(n))
    p = np.exp(-energies) / np.exp(-energies).sum()
    q = np.exp(-ring) / np.exp(-ring).sum()
    assert abs(split.truncation_kl - float(np.sum(p * np.log(p / q)))) < 1e-12


def test_ring_couplings_without_bonds_has_mean_zero():
    split = hamiltonian.ring_couplings(np.zeros(2**4), 4)
    assert split.nearest.size == 0 and split.mean_nearest == 0.0 and split.largest_other == 0.0


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: hamiltonian.ring_couplings(np.zeros(4), 2), ValueError),
        (lambda: hamiltonian.ring_couplings(np.zeros(7), 3), ValueError),
        (lambda: hamiltonian.ring_couplings(np.zeros(8), 3.0), TypeError),
        (lambda: compare.pair_share(np.ones(5)), ValueError),
        (lambda: compare.pair_share(np.zeros((4, 2))), ValueError),
        (lambda: compare.pair_share(np.full((4, 2), np.nan)), ValueError),
    ],
)
def test_chapter_helpers_refuse_bad_input(call, error):
    with pytest.raises(error):
        call()


@pytest.mark.parametrize("K", [0.6, -0.4])
def test_pair_share_finds_the_bond_of_every_unit_of_the_chain_rbm(K):
    N = 8
    out = compare.pair_share(vrg.chain_rbm(N, K).W)
    assert np.array_equal(out.first_site, np.arange(N))  # unit i sits on sites i, i + 1
    assert np.allclose(out.share, 1.0)


def test_pair_share_of_spread_units_is_two_over_n():
    N = 10
    W = np.ones((N, 3))
    W[-1, 2] = 3.0  # the pair (N-1, 0) wraps around the ring
    out = compare.pair_share(W)
    assert np.allclose(out.share[:2], 2 / N)
    assert out.first_site[2] in (N - 2, N - 1) and abs(out.share[2] - 10 / 18) < 1e-12


def test_exact_kl_callback_records_the_kl_of_the_ring_after_every_epoch():
    N, K = 6, 0.5
    s = configurations(N)
    energies = hamiltonian.ring_hamiltonian(N, K)(s)
    callback = exact_kl(states.log_boltzmann(energies))
    assert abs(callback(vrg.chain_rbm(N, K), 0)) < 1e-12  # the exact model: KL = 0
    data = s[np.random.default_rng(0).integers(0, len(s), 400)]
    model = RBM(N, 3, seed=0).fit(data, epochs=3, batch_size=50, seed=0, callback=callback)
    assert len(model.history["callback"]) == 3
    # The last value, by a plain sum: p from the energies, q from the RBM's free energy.
    p = np.exp(-energies) / np.exp(-energies).sum()
    q = np.exp(-model.free_energy(s)) / np.exp(-model.free_energy(s)).sum()
    assert abs(model.history["callback"][-1] - float(np.sum(p * np.log(p / q)))) < 1e-10
