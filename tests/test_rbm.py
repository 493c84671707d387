import dataclasses

import numpy as np
import pytest
from scipy.special import logsumexp

from rgkit import _train
from rgkit.rbm import RBM, CDGradient, Gradient, convert_units
from rgkit.states import configurations, state_index, to_binary, to_spin
from rgkit.stats import chi_square_test

from .conftest import brute_log_partition, joint_minus_energy, random_rbm


def test_free_energy_matches_sum_over_hidden_states(units):
    rbm = random_rbm(5, 3, units=units, seed=1)
    expected = -logsumexp(joint_minus_energy(rbm), axis=1)
    assert np.allclose(rbm.free_energy(configurations(5, units)), expected, atol=1e-12)


def test_hidden_free_energy_matches_sum_over_visible_states(units):
    rbm = random_rbm(5, 3, units=units, seed=2)
    expected = -logsumexp(joint_minus_energy(rbm), axis=0)
    assert np.allclose(rbm.hidden_free_energy(configurations(3, units)), expected, atol=1e-12)


@pytest.mark.parametrize("shape", [(6, 3), (3, 6), (4, 4)])
def test_log_partition_matches_brute_force_over_both_layers(units, shape):
    rbm = random_rbm(*shape, units=units, seed=3)
    assert abs(rbm.log_partition() - brute_log_partition(rbm)) < 1e-12


def test_log_prob_is_normalised(units):
    rbm = random_rbm(6, 4, units=units, seed=4)
    assert np.isclose(np.exp(rbm.log_prob(configurations(6, units))).sum(), 1.0, atol=1e-12)
    assert np.isclose(np.exp(rbm.hidden_log_prob(configurations(4, units))).sum(), 1.0, atol=1e-12)


def test_conditional_means_match_enumerated_expectations(units):
    rbm = random_rbm(4, 3, units=units, seed=5)
    vs, hs = configurations(4, units), configurations(3, units)
    minus_e = joint_minus_energy(rbm)
    p_h_given_v = np.exp(minus_e - logsumexp(minus_e, axis=1, keepdims=True))
    p_v_given_h = np.exp(minus_e - logsumexp(minus_e, axis=0, keepdims=True))
    assert np.allclose(rbm.hidden_mean(vs), p_h_given_v @ hs, atol=1e-12)
    assert np.allclose(rbm.visible_mean(hs), p_v_given_h.T @ vs, atol=1e-12)


def test_conditional_log_prob_matches_enumeration(units):
    rbm = random_rbm(4, 3, units=units, seed=6)
    vs, hs = configurations(4, units), configurations(3, units)
    minus_e = joint_minus_energy(rbm)
    expected = minus_e - logsumexp(minus_e, axis=1, keepdims=True)
    v = np.repeat(vs, len(hs), axis=0)
    h = np.tile(hs, (len(vs), 1))
    assert np.allclose(rbm.conditional_log_prob(h, v).reshape(expected.shape), expected, atol=1e-12)


def test_spin_binary_change_of_variables_keeps_the_distribution():
    spin = random_rbm(5, 4, units="spin", seed=7)
    binary = convert_units(spin, "binary")
    vs = configurations(5, "spin")
    assert np.allclose(spin.log_prob(vs), binary.log_prob(to_binary(vs)), atol=1e-12)
    # The energies differ by the constant sum(a) + sum(b) - sum(W), and so do the ln Z.
    shift = joint_minus_energy(binary) - joint_minus_energy(spin)
    expected = spin.a.sum() + spin.b.sum() - spin.W.sum()
    assert np.allclose(shift, expected, atol=1e-12)
    assert np.isclose(binary.log_partition() - spin.log_partition(), expected, atol=1e-12)


def test_change_of_variables_round_trips(units):
    rbm = random_rbm(4, 3, units=units, seed=8)
    other = "binary" if units == "spin" else "spin"
    back = convert_units(convert_units(rbm, other), units)
    for name in ("W", "a", "b"):
        assert np.allclose(getattr(back, name), getattr(rbm, name), atol=1e-14)


def test_zero_biases_mean_different_models_in_the_two_encodings():
    spin = RBM.from_parameters(np.full((2, 1), 0.5), units="spin")
    binary = convert_units(spin, "binary")
    assert np.allclose(binary.a, -1.0) and np.allclose(binary.b, -2.0)


def test_state_conversions_are_inverse():
    s = configurations(3, "spin")
    assert np.array_equal(to_spin(to_binary(s)), s)
    with pytest.raises(ValueError, match="-1 and 1"):
        to_binary(np.array([0, 1]))
    with pytest.raises(ValueError, match="0 and 1"):
        to_spin(np.array([-1, 1]))


def test_gibbs_samples_follow_the_exact_marginal(units):
    # 4 visible states-space of 16; 20,000 independent chains after 30 steps.
    rbm = random_rbm(4, 2, units=units, seed=9, scale=0.7)
    samples = rbm.sample(20_000, steps=30, seed=10)
    states = configurations(4, units)
    counts = np.bincount(state_index(samples), minlength=16)
    assert chi_square_test(counts, np.exp(rbm.log_prob(states))).p_value > 1e-3


def test_same_seed_gives_same_weights_and_samples():
    a, b = RBM(10, 5, seed=3), RBM(10, 5, seed=3)
    assert np.array_equal(a.W, b.W)
    assert np.array_equal(a.sample(5, steps=3, seed=1), b.sample(5, steps=3, seed=1))
    assert not np.array_equal(a.W, RBM(10, 5, seed=4).W)


@pytest.mark.parametrize("scale", [30.0, 100.0])
def test_large_weights_stay_finite(units, scale):
    rbm = random_rbm(6, 3, units=units, seed=11, scale=scale)
    vs = configurations(6, units)
    lp = rbm.log_prob(vs)
    assert np.all(np.isfinite(rbm.free_energy(vs)))
    assert np.isfinite(rbm.log_partition())
    assert np.isclose(logsumexp(lp), 0.0, atol=1e-9)
    assert np.all(np.isfinite(rbm.hidden_mean(vs)))


def test_single_state_gives_scalar():
    rbm = random_rbm(3, 2, seed=12)
    v = np.array([1, -1, 1], dtype=np.int8)
    assert np.ndim(rbm.free_energy(v)) == 0
    assert rbm.hidden_mean(v).shape == (2,)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda r: r.free_energy(np.ones((2, 4))), ValueError, r"shape \(n, 3\)"),
        (lambda r: r.free_energy(np.array([[0, 1, 1]])), ValueError, "only -1 and 1"),
        (lambda r: r.free_energy(np.array([["a", "b", "c"]])), TypeError, "numeric"),
        (lambda r: r.hidden_free_energy(np.ones((1, 3))), ValueError, r"shape \(n, 2\)"),
        (lambda r: r.energy(np.ones((2, 3)), np.ones((3, 2))), ValueError, "same number"),
        (lambda r: setattr(r, "W", np.full((3, 2), np.nan)), ValueError, "finite"),
        (lambda r: setattr(r, "a", np.zeros(4)), ValueError, r"shape \(3,\)"),
        (lambda r: r.gibbs(np.ones((1, 3)), steps=0), ValueError, "steps must be at least 1"),
        (lambda r: r.sample(0), ValueError, "n_samples must be at least 1"),
        (lambda r: r.sample(2, seed=-1), ValueError, "seed must be non-negative"),
        (lambda r: r.sample(2, seed="x"), TypeError, "seed must be"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(call, error, match):
    with pytest.raises(error, match=match):
        call(random_rbm(3, 2, seed=0))


def test_binary_model_refuses_spin_states():
    with pytest.raises(ValueError, match="only 0 and 1"):
        random_rbm(3, 2, units="binary").free_energy(np.array([[-1, 1, 1]]))


@pytest.mark.parametrize(
    ("args", "kwargs", "error"),
    [
        ((0, 3), {}, ValueError),
        ((3, -1), {}, ValueError),
        ((3.5, 2), {}, TypeError),
        ((3, 2), {"units": "ising"}, ValueError),
        ((3, 2), {"weight_scale": -1.0}, ValueError),
    ],
)
def test_constructor_validates(args, kwargs, error):
    with pytest.raises(error):
        RBM(*args, **kwargs)


def test_log_partition_refuses_two_wide_layers():
    with pytest.raises(ValueError, match="at most 20 units"):
        RBM(21, 21).log_partition()


def test_log_partition_enumerates_a_narrow_layer_of_a_wide_model():
    rbm = random_rbm(400, 3, seed=13, scale=0.05)
    hs = configurations(3)
    assert np.isclose(rbm.log_partition(), logsumexp(-rbm.hidden_free_energy(hs)))


@pytest.mark.parametrize("shape", [(4, 3), (3, 5)])
def test_exact_gradient_matches_finite_differences_of_the_log_likelihood(units, shape):
    rbm = random_rbm(*shape, units=units, seed=14, scale=0.8)
    rng = np.random.default_rng(15)
    data = configurations(shape[0], units)
    weights = rng.random(len(data))

    def mean_log_likelihood(model):
        return float(weights @ model.log_prob(data) / weights.sum())

    grad = rbm.log_likelihood_gradient(data, weights)
    step = 1e-6
    for name in ("W", "a", "b"):
        numeric = np.zeros_like(getattr(rbm, name))
        for index in np.ndindex(numeric.shape):
            values = []
            for sign in (1, -1):
                model = rbm.copy()
                param = getattr(model, name).copy()
                param[index] += sign * step
                setattr(model, name, param)
                values.append(mean_log_likelihood(model))
            numeric[index] = (values[0] - values[1]) / (2 * step)
        assert np.allclose(getattr(grad, name), numeric, atol=1e-7), name


def test_gradient_vanishes_when_the_data_are_the_model():
    rbm = random_rbm(4, 2, seed=16)
    states = configurations(4)
    grad = rbm.log_likelihood_gradient(states, np.exp(rbm.log_prob(states)))
    assert max(np.max(np.abs(g)) for g in (grad.W, grad.a, grad.b)) < 1e-12


def test_gradient_refuses_bad_weights():
    with pytest.raises(ValueError, match="weights"):
        random_rbm(3, 2).log_likelihood_gradient(configurations(3), -np.ones(8))


def test_exact_gradient_refuses_an_empty_batch():
    with pytest.raises(ValueError, match="at least one state"):
        random_rbm(3, 2).log_likelihood_gradient(np.zeros((0, 3), dtype=np.int8))


# ------------------------------------------------------------------------------ sampling
def test_hidden_sampler_follows_the_exact_conditional(units):
    rbm = random_rbm(4, 3, units=units, seed=20, scale=0.8)
    vs, hs = configurations(4, units), configurations(3, units)
    row = 5  # one visible state, repeated
    minus_e = joint_minus_energy(rbm)[row]
    expected_p = np.exp(minus_e - logsumexp(minus_e))
    draws = rbm.sample_hidden(np.repeat(vs[row : row + 1], 40_000, axis=0), seed=21)
    counts = np.bincount(state_index(draws), minlength=len(hs))
    assert chi_square_test(counts, expected_p).p_value > 1e-3


def test_visible_sampler_follows_the_exact_conditional(units):
    rbm = random_rbm(3, 4, units=units, seed=22, scale=0.8)
    vs, hs = configurations(3, units), configurations(4, units)
    column = 9  # one hidden state, repeated
    minus_e = joint_minus_energy(rbm)[:, column]
    expected_p = np.exp(minus_e - logsumexp(minus_e))
    draws = rbm.sample_visible(np.repeat(hs[column : column + 1], 40_000, axis=0), seed=23)
    counts = np.bincount(state_index(draws), minlength=len(vs))
    assert chi_square_test(counts, expected_p).p_value > 1e-3


def test_public_samplers_are_the_training_kernel(units):
    rbm = random_rbm(5, 3, units=units, seed=24)
    v = configurations(5, units)
    fields = v.astype(np.float64) @ rbm.W + rbm.b
    expected = _train.layer_sample(fields, units, np.random.default_rng(25))
    drawn = rbm.sample_hidden(v, seed=25)
    assert np.array_equal(drawn, expected)
    h = rbm.sample_hidden(v, seed=26)
    expected_v = _train.layer_sample(h @ rbm.W.T + rbm.a, units, np.random.default_rng(27))
    assert np.array_equal(rbm.sample_visible(h, seed=27), expected_v)


def test_samplers_return_int8_states_in_the_model_encoding(units):
    rbm = random_rbm(6, 4, units=units, seed=28)
    allowed = {-1, 1} if units == "spin" else {0, 1}
    v, h = rbm.gibbs(configurations(6, units)[:10], steps=2, seed=29)
    for states in (v, h, rbm.sample(7, steps=2, seed=30), rbm.sample_hidden(v, seed=31), rbm.sample_visible(h)):
        assert states.dtype == np.int8 and set(np.unique(states)) <= allowed


def test_sample_starts_from_uniform_states_and_zero_weights_keep_them_uniform():
    # With no couplings and no biases every unit is a fair coin: the mean of ±1 units is 0
    # within its standard error 1/sqrt(n).
    rbm = RBM(10, 3, seed=1, weight_scale=0.0)
    samples = rbm.sample(20_000, steps=1, seed=32).astype(np.float64)
    assert np.all(np.abs(samples.mean(axis=0)) < 4 / np.sqrt(len(samples)))


# ------------------------------------------------------------------------------ results, parameters
def test_gradients_are_frozen_dataclasses_with_named_fields():
    rbm = random_rbm(3, 2, seed=33)
    data = configurations(3)
    exact = rbm.log_likelihood_gradient(data)
    cd = rbm.cd_gradient(data, seed=1)
    assert isinstance(exact, Gradient) and isinstance(cd, CDGradient) and isinstance(cd, Gradient)
    assert [f.name for f in dataclasses.fields(cd)] == ["W", "a", "b", "chains"]
    assert exact.W.shape == cd.W.shape == (3, 2) and cd.chains.shape == (8, 3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        exact.W = np.zeros((3, 2))


def test_parameters_cannot_be_corrupted_through_their_views():
    rbm = random_rbm(3, 2, seed=34)
    before = rbm.W.copy()
    with pytest.raises(ValueError, match="read-only"):
        rbm.W[0, 0] = np.nan
    with pytest.raises(ValueError, match="read-only"):
        rbm.W += np.inf
    with pytest.raises(ValueError, match="finite"):
        rbm.W = rbm.W + np.inf
    with pytest.raises(ValueError, match="read-only"):
        rbm.b[0] = 1.0
    assert np.array_equal(rbm.W, before)
    rbm.W = rbm.W + 1.0  # assignment through the setter still works
    assert np.allclose(rbm.W, before + 1.0)


def test_copy_is_independent_of_the_original():
    rbm = random_rbm(3, 2, seed=35)
    twin = rbm.copy()
    twin.W = twin.W * 2
    assert not np.array_equal(twin.W, rbm.W)


def test_exact_gradient_works_in_blocks_of_states_with_bounded_memory():
    import tracemalloc

    # 15 visible units: two blocks of enumerated states. The model side by one dense sum is
    # the independent route.
    rbm = random_rbm(15, 40, units="spin", seed=31, scale=0.2)
    v = configurations(15, "spin")[::997]
    grad = rbm.log_likelihood_gradient(v)
    vs = configurations(15, "spin").astype(np.float64)
    p = np.exp(-rbm.free_energy(vs) - rbm.log_partition())
    mh = np.tanh(vs @ rbm.W + rbm.b)
    data_mh = np.tanh(v @ rbm.W + rbm.b)
    expected_W = v.T @ data_mh / len(v) - vs.T @ (p[:, None] * mh)
    assert np.max(np.abs(grad.W - expected_W)) < 1e-12
    # 17 visible × 200 hidden: one dense pass would hold 2^17 × 200 doubles (210 MB) at once.
    wide = random_rbm(17, 200, units="binary", seed=32, scale=0.05)
    tracemalloc.start()
    wide.log_likelihood_gradient(configurations(17, "binary")[:10])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 150e6, f"peak {peak / 1e6:.0f} MB"  # less than one dense array of the model side


def test_spin_networks_refuse_binary_data_at_every_boundary():
    from rgkit.rbm import DBN

    bits = np.random.default_rng(0).integers(0, 2, size=(5, 6)).astype(np.int8)
    rbm = RBM(6, 3, units="spin", seed=0)
    dbn = DBN([6, 3, 2], units="spin", seed=0)
    for call in (lambda: rbm.transform(bits), lambda: dbn.transform(bits), lambda: dbn.reconstruct(bits)):
        with pytest.raises(ValueError, match="look binary"):
            call()


def test_persistent_must_be_a_flag_not_a_string():
    with pytest.raises(TypeError, match="persistent"):
        RBM(4, 2, seed=0).fit(np.ones((10, 4)), epochs=1, persistent="False")
