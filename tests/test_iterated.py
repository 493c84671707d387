"""The iterated RBM flow (rgkit.iterated): chains with a known outcome, the thermometer against
samples of known coupling, reproducibility, and inputs refused."""

import numpy as np
import pytest

from rgkit import exact, iterated, mc
from rgkit.rbm import RBM

L = 6


def zero_rbm(units="spin"):
    return RBM(L * L, 8, units=units, weight_scale=0.0)


def copying_rbm(units="spin", strength=12.0):
    # One hidden unit per site, coupled only to it: h copies v and v′ copies h, except with
    # probability about e^{-2·strength} per unit and step.
    rbm = RBM(L * L, L * L, units=units, weight_scale=0.0)
    if units == "spin":
        rbm.W = strength * np.eye(L * L)
    else:  # the same copy in 0/1 units: w (2v−1)(2h−1) up to fields
        rbm.W = 4 * strength * np.eye(L * L)
        rbm.a = -2 * strength * np.ones(L * L)
        rbm.b = -2 * strength * np.ones(L * L)
    return rbm


@pytest.fixture(scope="module")
def samples():
    return mc.sample(L, 0.35, 1_000, seed=11, progress=False)


@pytest.mark.parametrize("units", ["spin", "binary"])
def test_a_zero_weight_rbm_forgets_its_input_and_reads_zero_coupling(samples, units):
    configs = iterated.iterate(zero_rbm(units), samples, 2, seed=0)
    assert configs.dtype == np.int8 and configs.shape == (3, len(samples), L, L)
    flow = iterated.thermometer_flow(configs)
    # Uniform spins: every bond correlation averages zero, so K = 0 within a few errors.
    assert np.all(np.abs(flow.K[1:]) < 4 * flow.K_err[1:])
    # Their magnetisation per spin has variance 1/N exactly.
    m = configs[1:].mean(axis=(2, 3))
    assert abs(np.mean(m**2) * L * L - 1) < 4 * np.sqrt(2 / m.size)


@pytest.mark.parametrize("units", ["spin", "binary"])
def test_a_copying_rbm_returns_its_input(samples, units):
    configs = iterated.iterate(copying_rbm(units), samples, 3, seed=0)
    assert np.array_equal(configs[3], samples) and np.array_equal(configs[1], samples)


def test_the_thermometer_reads_the_coupling_samples_were_drawn_at():
    for K in (0.25, exact.KC, 0.55):
        s = mc.sample(L, K, 2_000, seed=5, progress=False)
        flow = iterated.thermometer_flow(s[None])
        assert abs(flow.K[0] - K) < 4 * flow.K_err[0]
        assert abs(flow.correlation[0] - exact.torus_nn_correlation(L, K)) < 4 * flow.correlation_err[0]


def test_the_thermometer_reads_an_antiferromagnet_as_a_negative_coupling():
    # Flipping every other spin of a ferromagnetic sample makes an antiferromagnetic one.
    s = mc.sample(L, 0.3, 500, seed=2, progress=False)
    stagger = np.where(np.add.outer(np.arange(L), np.arange(L)) % 2, -1, 1).astype(np.int8)
    plain, flipped = iterated.thermometer_flow(s[None]), iterated.thermometer_flow((s * stagger)[None])
    assert flipped.K[0] == -plain.K[0] and flipped.K_err[0] == plain.K_err[0]
    assert iterated.nn_coupling(L, 1.0) == (np.inf, np.inf)
    assert iterated.nn_coupling(L, 0.0, 0.01) == (0.0, 0.01)


def test_bond_correlation_of_ordered_and_checkerboard_lattices():
    ordered = np.ones((1, 4, 4), dtype=np.int8)
    checker = np.where(np.add.outer(np.arange(4), np.arange(4)) % 2, -1, 1).astype(np.int8)[None]
    assert iterated.bond_correlation(ordered)[0] == 1.0 and iterated.bond_correlation(checker)[0] == -1.0


def test_same_seed_same_bytes_and_another_seed_differs(samples):
    rbm = RBM(L * L, 10, seed=3, weight_scale=0.5)
    a, b = (iterated.iterate(rbm, samples[:50], 3, seed=9) for _ in range(2))
    c = iterated.iterate(rbm, samples[:50], 3, seed=10)
    assert a.tobytes() == b.tobytes() and not np.array_equal(a, c)


def test_iterated_point_is_reproducible_and_its_flow_matches_its_arrays():
    kw = dict(
        L=4,
        couplings=[0.3, 0.6],
        n_per_coupling=64,
        n_hidden=4,
        epochs=2,
        start_couplings=[0.3, 0.5],
        n_start=16,
        n_steps=2,
        n_quality=8,
        ais_betas=50,
    )
    first, info = iterated.iterated_point(**kw, seed=4)
    again, _ = iterated.iterated_point(**kw, seed=4)
    assert sorted(first) == sorted(again)
    assert all(first[k].tobytes() == again[k].tobytes() for k in first)
    assert first["K"].shape == (2, 3) and first["W"].shape == (16, 4) and first["kl"].shape == (2,)
    assert set(info["seconds"]) == {"draw", "train", "score", "iterate"}
    # The quality estimate is a KL divergence: non-negative up to its error.
    assert np.all(first["kl"] > -4 * first["kl_err"])


def test_iterated_point_kl_is_small_for_a_model_that_has_learnt_one_coupling():
    # Train on one coupling at high temperature, where an RBM fits well, and compare with the
    # divergence of the untrained model (uniform up to 0.01 weights: KL = ln 2 − s(K) per spin).
    kw = dict(L=4, couplings=[0.2], n_per_coupling=2_000, n_hidden=16, start_couplings=[0.2] * 1, n_start=8)
    kw.update(n_steps=1, n_quality=400, ais_betas=500, learning_rate=0.05)
    trained, _ = iterated.iterated_point(**kw, epochs=30, seed=1)
    untrained_kl = np.log(2) - (exact.torus_log_partition(4, 0.2) / 16 + 0.2 * exact.torus_energy(4, 0.2))
    assert trained["kl"][0] < 0.5 * untrained_kl


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda s: iterated.iterate("rbm", s, 1, seed=0), TypeError),
        (lambda s: iterated.iterate(RBM(10, 2), s, 1, seed=0), ValueError),
        (lambda s: iterated.iterate(zero_rbm(), s[0], 1, seed=0), ValueError),
        (lambda s: iterated.iterate(zero_rbm(), 2 * s, 1, seed=0), ValueError),
        (lambda s: iterated.iterate(zero_rbm(), s, -1, seed=0), ValueError),
        (lambda s: iterated.thermometer_flow(s), ValueError),
        (lambda s: iterated.thermometer_flow(s[None, :3]), ValueError),
        (lambda s: iterated.nn_coupling(5, -0.2), ValueError),
        (lambda s: iterated.nn_coupling(6, 1.2), ValueError),
        (lambda s: iterated.nn_coupling(6, 0.2, -0.1), ValueError),
        (lambda s: iterated.iterated_point(4, [0.3, -1], 8, 2, 1, [0.3], 8, 1, seed=0), ValueError),
        (lambda s: iterated.iterated_point(4, [0.3], 8, 2, 1, [0.3], 2, 1, seed=0), ValueError),
        (lambda s: iterated.iterated_point(4, [0.3], 8, 2, 1, [0.3], 8, 1, seed=0, units="ising"), ValueError),
    ],
)
def test_bad_input_is_refused(samples, call, error):
    with pytest.raises(error):
        call(samples)


def test_flow_limit_is_the_weighted_mean_and_flags_starts_that_disagree():
    K = np.array([[0.1, 0.50], [0.9, 0.52]])
    err = np.array([[0.01, 0.01], [0.01, 0.02]])
    limit = iterated.flow_limit(K, err)
    assert limit.K_star == pytest.approx((0.50 / 1e-4 + 0.52 / 4e-4) / (1 / 1e-4 + 1 / 4e-4))
    assert limit.chi2_dof == pytest.approx(0.02**2 / (1e-4 + 4e-4))
    apart = iterated.flow_limit(np.array([[0.3, 0.3], [0.6, 0.6]]), err)
    assert apart.chi2_dof > 100 and apart.K_star_err > 0.1
    with pytest.raises(ValueError):
        iterated.flow_limit(K[:1], err[:1])
