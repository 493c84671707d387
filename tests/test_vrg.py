import itertools

import numpy as np
import pytest
from scipy.special import logsumexp

from rgkit import hamiltonian, vrg
from rgkit.states import configurations

from .conftest import random_rbm


def test_hamiltonian_evaluates_multispin_terms():
    H = hamiltonian.Hamiltonian(3, {(0,): 0.5, (0, 1): -1.0, (2, 1, 0): 0.25}, constant=2.0)
    v = configurations(3)
    expected = 2.0 - 0.5 * v[:, 0] + 1.0 * v[:, 0] * v[:, 1] - 0.25 * v[:, 0] * v[:, 1] * v[:, 2]
    assert np.allclose(H(v), expected)
    assert np.allclose(H.shifted(1.0)(v), expected + 1.0)


def test_random_hamiltonian_has_every_term_up_to_its_order():
    H = hamiltonian.random_hamiltonian(6, max_order=3, seed=0)
    assert len(H.couplings) == 6 + 15 + 20
    assert hamiltonian.random_hamiltonian(6, seed=0).couplings == H.couplings


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ((3, {(0, 3): 1.0}), ValueError),
        ((3, {(0, 0): 1.0}), ValueError),
        ((3, {(): 1.0}), ValueError),
        ((3, {(0,): float("nan")}), ValueError),
        ((3, [1.0]), TypeError),
        ((0, {}), ValueError),
    ],
)
def test_hamiltonian_validates(args, error):
    with pytest.raises(error):
        hamiltonian.Hamiltonian(*args)


def test_hamiltonian_refuses_wrong_width():
    with pytest.raises(ValueError, match="length 3"):
        hamiltonian.Hamiltonian(3, {(0,): 1.0})(np.ones((2, 4)))


def test_coarse_hamiltonian_matches_a_plain_double_loop():
    rbm = random_rbm(4, 2, seed=1)
    H = hamiltonian.random_hamiltonian(4, seed=2)
    T = vrg.rbm_kernel(rbm, H)
    vs, hs = configurations(4), configurations(2)
    expected = [-np.log(sum(np.exp(T(v, h) - H(v[None])[0]) for v in vs)) for h in hs]
    assert np.allclose(vrg.coarse_hamiltonian(T, H, 4, 2), expected, atol=1e-12)


@pytest.mark.parametrize(("n_visible", "n_hidden", "seed"), list(itertools.product([6, 8, 10], [3, 5], [0, 1])))
def test_mapping_identities_hold_to_machine_precision(n_visible, n_hidden, seed):
    rbm = random_rbm(n_visible, n_hidden, seed=seed)
    H = hamiltonian.random_hamiltonian(n_visible, max_order=3, seed=100 + seed)
    check = vrg.mapping_check(rbm, H)
    for key in ("coarse", "kernel", "trace", "kl_identity"):
        assert getattr(check, key) <= 1e-12, (key, getattr(check, key))
    # A generic H is not what the RBM represents: KL > 0 and the trace depends on v.
    assert check.kl > 1e-3 and check.trace_spread > 1e-3


def test_mapping_holds_for_binary_units_too():
    rbm = random_rbm(7, 4, units="binary", seed=3)
    spin_h = hamiltonian.random_hamiltonian(7, seed=4)
    check = vrg.mapping_check(rbm, lambda bits: spin_h(2 * bits - 1))  # the same H, read on 0/1 states
    assert max(getattr(check, k) for k in ("coarse", "kernel", "trace", "kl_identity")) <= 1e-12


@pytest.mark.parametrize("constant", [0.0, 0.7, -2.0])
def test_trace_is_constant_exactly_when_kl_vanishes(constant):
    rbm = random_rbm(8, 4, seed=5)
    check = vrg.mapping_check(rbm, vrg.rbm_hamiltonian(rbm, constant))
    assert check.kl <= 1e-12
    assert check.trace_spread <= 1e-12
    # Tr_h e^T = Z_lambda / Z = e^c, which is 1 for c = 0.
    assert abs(check.log_trace_mean - constant) <= 1e-12
    assert abs(check.delta_f + constant) <= 1e-12
    assert abs(check.trace_violation - abs(constant)) <= 1e-12


def test_trace_condition_implies_equal_free_energies():
    rng = np.random.default_rng(6)
    table = rng.standard_normal((2**5, 2**3))
    table -= logsumexp(table, axis=1, keepdims=True)
    index = 2 ** np.arange(4, -1, -1)
    hindex = 2 ** np.arange(2, -1, -1)

    def kernel(v, h):
        return table[((v > 0) @ index).astype(int), ((h > 0) @ hindex).astype(int)]

    H = hamiltonian.random_hamiltonian(5, seed=7)
    assert np.max(np.abs(vrg.log_trace(kernel, 5, 3))) <= 1e-12
    f_v, f_h = vrg.free_energies(kernel, H, 5, 3)
    assert abs(f_h - f_v) <= 1e-12


def test_equal_free_energies_do_not_imply_the_trace_condition():
    # The converse of the paper's Eq. 8: shift H so that Z = Z_lambda; then ΔF = 0 but the
    # trace still depends on v.
    rbm = random_rbm(6, 3, seed=8)
    H = hamiltonian.random_hamiltonian(6, seed=9)
    H0 = H.shifted(vrg.mapping_check(rbm, H).delta_f)
    check = vrg.mapping_check(rbm, H0)
    T = vrg.rbm_kernel(rbm, H0)
    f_v, f_h = vrg.free_energies(T, H0, 6, 3)
    assert abs(f_h - f_v) <= 1e-12
    assert np.ptp(vrg.log_trace(T, 6, 3)) > 0.1
    assert check.kl > 0.01


def test_conditional_kernel_satisfies_the_trace_condition_for_any_rbm(units):
    rbm = random_rbm(6, 4, units=units, seed=10, scale=3.0)
    assert np.max(np.abs(vrg.log_trace(vrg.conditional_kernel(rbm), 6, 4, units))) <= 1e-12


def test_uninformative_kernel_is_exact_yet_carries_no_information():
    H = hamiltonian.random_hamiltonian(6, seed=11)
    n_hidden = 3

    def flat(v, h):
        return np.full(np.broadcast_shapes(v.shape[:-1], h.shape[:-1]), -n_hidden * np.log(2))

    assert np.max(np.abs(vrg.log_trace(flat, 6, n_hidden))) <= 1e-12
    assert abs(vrg.mutual_information(flat, H, 6, n_hidden)) <= 1e-12
    assert np.ptp(vrg.coarse_hamiltonian(flat, H, 6, n_hidden)) <= 1e-12
    informative = vrg.conditional_kernel(random_rbm(6, n_hidden, seed=12))
    assert vrg.mutual_information(informative, H, 6, n_hidden) > 0.01


def test_mutual_information_refuses_unnormalised_kernels():
    rbm = random_rbm(4, 2, seed=13)
    H = hamiltonian.random_hamiltonian(4, seed=14)
    with pytest.raises(ValueError, match="trace condition"):
        vrg.mutual_information(vrg.rbm_kernel(rbm, H), H, 4, 2)


def test_kernel_and_hamiltonian_inputs_are_checked():
    H = hamiltonian.random_hamiltonian(4, seed=15)
    with pytest.raises(TypeError, match="callable"):
        vrg.log_trace(3.0, 4, 2)
    with pytest.raises(ValueError, match="at most 22"):
        vrg.log_trace(lambda v, h: 0.0, 20, 5)
    with pytest.raises(ValueError, match="broadcast"):
        vrg.log_trace(lambda v, h: np.zeros(3), 4, 2)
    with pytest.raises(ValueError, match="NaN"):
        vrg.log_trace(lambda v, h: np.full((16, 4), np.nan), 4, 2)
    with pytest.raises(ValueError, match="finite energies"):
        vrg.coarse_hamiltonian(lambda v, h: np.zeros((16, 4)), lambda v: np.zeros(3), 4, 2)
    with pytest.raises(TypeError, match="RBM"):
        vrg.rbm_kernel("rbm", H)


def test_expansion_recovers_the_couplings_of_a_hamiltonian():
    H = hamiltonian.Hamiltonian(5, {(0,): 0.3, (1, 4): -0.7, (0, 2, 3): 0.2, (0, 1, 2, 3, 4): 0.05}, constant=1.5)
    expanded = hamiltonian.expand_hamiltonian(H(configurations(5)), 5)
    assert expanded.couplings.keys() == H.couplings.keys()
    assert all(abs(expanded.couplings[k] - H.couplings[k]) < 1e-12 for k in H.couplings)
    assert abs(expanded.constant - 1.5) < 1e-12


def test_expansion_reproduces_any_function_of_spins():
    values = np.random.default_rng(17).standard_normal(2**6)
    expanded = hamiltonian.expand_hamiltonian(values, 6)
    assert np.allclose(expanded(configurations(6)), values, atol=1e-12)


@pytest.mark.parametrize("strength", [0.0, 0.7, 50.0])
def test_block_spin_kernel_is_normalised_at_every_strength(strength):
    T = vrg.block_spin_kernel(6, 2, strength)
    assert np.max(np.abs(vrg.log_trace(T, 6, 3))) <= 1e-12


def test_block_spin_kernel_becomes_majority_rule():
    T = vrg.block_spin_kernel(6, 3, 200.0)
    v = np.array([1, 1, -1, -1, -1, 1])
    assert np.isclose(T(v, np.array([1, -1])), 0.0, atol=1e-12)
    assert T(v, np.array([-1, -1])) < -100


def test_block_spin_kernel_validates():
    with pytest.raises(ValueError, match="multiple"):
        vrg.block_spin_kernel(7, 2, 1.0)
    with pytest.raises(ValueError, match="non-negative"):
        vrg.block_spin_kernel(6, 2, -1.0)
    with pytest.raises(ValueError, match="at least 2"):
        vrg.block_spin_kernel(6, 1, 1.0)


def test_hamiltonian_refuses_two_values_for_one_set_of_sites():
    with pytest.raises(ValueError, match="same sites"):
        hamiltonian.Hamiltonian(2, {(0, 1): 1.0, (1, 0): 2.0})


@pytest.mark.parametrize("bad", [np.array([[0, 1, 1]]), np.array([[1.0, np.nan, -1.0]]), np.array([[1, 2, -1]])])
def test_hamiltonian_refuses_states_that_are_not_spins(bad):
    H = hamiltonian.Hamiltonian(3, {(0, 1): 0.5, (2,): 0.1})
    with pytest.raises(ValueError, match="only -1 and 1"):
        H(bad)


def test_mapping_check_refuses_a_spin_hamiltonian_on_binary_units():
    rbm = random_rbm(5, 2, units="binary", seed=1)
    with pytest.raises(ValueError, match="only -1 and 1"):
        vrg.mapping_check(rbm, hamiltonian.random_hamiltonian(5, seed=2))


@pytest.mark.parametrize("tol", [float("nan"), -1.0])
def test_expand_hamiltonian_refuses_a_tolerance_that_would_drop_or_keep_everything(tol):
    with pytest.raises(ValueError, match="tol"):
        hamiltonian.expand_hamiltonian(np.zeros(8), 3, tol=tol)


def test_random_hamiltonian_refuses_sizes_that_cannot_fit():
    with pytest.raises(ValueError, match="couplings; at most"):
        hamiltonian.random_hamiltonian(30, max_order=30)
    assert len(hamiltonian.random_hamiltonian(6, max_order=2, seed=0).couplings) == 6 + 15


# ----------------------------------------------------------------------------- block kernels and the bound
@pytest.mark.parametrize("weights", [(0.7,), (0.4, 1.3), (1.0, 0.0, -0.5)])
def test_block_kernel_is_the_conditional_of_the_block_rbm(weights):
    n = 6
    T = vrg.block_kernel(n, weights)
    rbm = vrg.block_rbm(n, weights)
    m = n // len(weights)
    table = vrg.kernel_table(T, n, m)
    assert np.max(np.abs(table - vrg.kernel_table(vrg.conditional_kernel(rbm), n, m))) < 1e-12
    assert np.max(np.abs(vrg.log_trace(T, n, m))) < 1e-12


def test_block_kernel_with_equal_weights_is_kadanoffs():
    a = vrg.kernel_table(vrg.block_kernel(6, (0.8, 0.8)), 6, 3)
    b = vrg.kernel_table(vrg.block_spin_kernel(6, 2, 0.8), 6, 3)
    assert np.max(np.abs(a - b)) < 1e-12


@pytest.mark.parametrize("alpha", [0.0, 0.5])
def test_block_kernel_becomes_decimation_for_unequal_weights(alpha):
    N, K = 8, 0.6
    H = hamiltonian.ring_hamiltonian(N, K)
    limit = vrg.coarse_hamiltonian(vrg.decimation_kernel(N), H, N, N // 2)
    near = vrg.coarse_hamiltonian(vrg.block_kernel(N, (60.0, alpha * 60.0)), H, N, N // 2)
    assert np.ptp(near - limit) < 1e-10


def test_block_rbm_has_independent_hidden_units():
    rbm = vrg.block_rbm(6, (0.9, 0.3))
    assert rbm.W.shape == (6, 3) and np.count_nonzero(rbm.W) == 6
    assert np.ptp(rbm.hidden_free_energy(configurations(3))) < 1e-12


def _ring_split(N, K):
    ring = hamiltonian.ring_hamiltonian(N, K)
    inside = hamiltonian.truncate(ring, lambda s: s[0] // 2 == s[1] // 2)
    between = hamiltonian.truncate(ring, lambda s: s[0] // 2 != s[1] // 2)
    return ring, inside, between


@pytest.mark.parametrize("lam", [0.3, 1.0, 3.0])
def test_cumulant_bound_lies_above_the_exact_coarse_hamiltonian(lam):
    N, K = 8, 0.5
    ring, inside, between = _ring_split(N, K)
    T = vrg.block_spin_kernel(N, 2, lam)
    bound = vrg.cumulant_bound_hamiltonian(T, inside, between, N, N // 2)
    exact_h = vrg.coarse_hamiltonian(T, ring, N, N // 2)
    assert np.all(bound >= exact_h - 1e-12)
    f_v, _ = vrg.free_energies(T, ring, N, N // 2)
    assert -logsumexp(-bound) >= f_v - 1e-12


@pytest.mark.parametrize(("which", "expected"), [("majority", "majority"), ("decimation", "decimation")])
def test_cumulant_bound_coupling_matches_the_closed_form(which, expected):
    # Decoupled blocks: <v>_h = mu h; majority (coin for ties) mu = e^K / (2 cosh K) on both spins,
    # decimation mu = 1 on the kept spin and tanh K on the other; K'_b = K mu_right mu_left.
    N, K = 8, 0.5
    ring, inside, between = _ring_split(N, K)
    T = vrg.block_spin_kernel(N, 2, 40.0) if which == "majority" else vrg.decimation_kernel(N)
    bound = vrg.cumulant_bound_hamiltonian(T, inside, between, N, N // 2)
    terms = hamiltonian.expand_hamiltonian(bound, N // 2).couplings
    t = np.tanh(K)
    k_b = K * ((1 + t) / 2) ** 2 if expected == "majority" else K * t
    assert all(hamiltonian.is_ring_bond(s, N // 2) for s in terms)
    assert np.allclose(list(terms.values()), k_b, atol=1e-12)


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: vrg.block_kernel(6, (1.0, np.inf)), ValueError),
        (lambda: vrg.block_kernel(7, (1.0, 1.0)), ValueError),
        (lambda: vrg.block_kernel(6, ()), ValueError),
        (lambda: vrg.block_rbm(6, [[1.0, 2.0]]), ValueError),
        (lambda: vrg.cumulant_bound_hamiltonian(3.0, lambda v: v[:, 0], lambda v: v[:, 0], 4, 2), TypeError),
    ],
)
def test_block_kernels_and_the_bound_refuse_bad_input(call, error):
    with pytest.raises(error):
        call()
