"""RBM training: CD/PCD against the exact gradient, KL on the Ising ring, AIS, save/load."""

import copy

import numpy as np
import pytest
from sklearn.neural_network import BernoulliRBM

from rgkit import _io, _rng, _train
from rgkit.rbm import DBN, RBM, exact_kl
from rgkit.states import configurations, kl_divergence, log_boltzmann, to_binary

from .conftest import random_rbm


@pytest.fixture(scope="module")
def ring_data():
    # Independent samples of the ferromagnetic Ising ring, drawn from its enumerated
    # Boltzmann distribution (so these tests need nothing of the Ising or Monte Carlo modules).
    N, K = 8, 0.6
    states = configurations(N)
    energy = -np.sum(states * np.roll(states, -1, axis=1), axis=1).astype(np.float64)
    log_p = log_boltzmann(K * energy)
    rng = np.random.default_rng(0)
    data = states[rng.choice(len(states), size=10_000, p=np.exp(log_p))]
    return data, states, log_p


@pytest.mark.parametrize("units", ["spin", "binary"])
@pytest.mark.parametrize("persistent", [False, True])
def test_long_chain_cd_matches_the_exact_gradient(units, persistent):
    rbm = random_rbm(4, 3, units=units, seed=1, scale=0.5)
    states = configurations(4, units)
    p = np.exp(rbm.log_prob(states))  # data drawn from the model: the exact gradient is zero
    rng = np.random.default_rng(2)
    data = states[rng.choice(len(states), size=4000, p=p)]
    exact_grad = rbm.log_likelihood_gradient(data)
    chains = data.copy() if persistent else None
    # 32 estimates, not 8: with 8 the standard error is itself uncertain by a quarter (a t
    # distribution of 7 degrees of freedom), and one of 12 entries passes 4 of them about
    # one seed set in twenty.
    estimates = [rbm.cd_gradient(data, k=30, chains=chains, seed=s).W for s in range(32)]
    mean = np.mean(estimates, axis=0)
    stderr = np.std(estimates, axis=0, ddof=1) / np.sqrt(len(estimates))
    assert np.all(np.abs(mean - exact_grad.W) < 4 * stderr)


def test_cd1_is_biased_where_long_chains_are_not():
    # With data from a different distribution, CD-1's negative phase stays near the data.
    rbm = random_rbm(5, 3, seed=3, scale=1.0)
    data = np.where(np.random.default_rng(4).random((4000, 5)) < 0.8, 1, -1).astype(np.int8)
    exact_grad = rbm.log_likelihood_gradient(data).W
    cd1 = np.mean([rbm.cd_gradient(data, k=1, seed=s).W for s in range(4)], axis=0)
    cd50 = np.mean([rbm.cd_gradient(data, k=50, seed=s).W for s in range(4)], axis=0)
    assert np.abs(cd50 - exact_grad).max() < np.abs(cd1 - exact_grad).max()


def test_training_on_the_ring_reaches_a_small_kl_and_beats_scikit_learn(ring_data):
    data, states, log_p = ring_data
    bits = to_binary(data)
    ours = RBM(8, 8, units="binary", seed=1).fit(bits, epochs=30, batch_size=50, learning_rate=0.1, seed=2)
    kl_ours = kl_divergence(log_p, ours.log_prob(to_binary(states)))
    sk = BernoulliRBM(n_components=8, learning_rate=0.1, batch_size=50, n_iter=30, random_state=2).fit(bits)
    theirs = RBM.from_parameters(sk.components_.T, sk.intercept_visible_, sk.intercept_hidden_, units="binary")
    kl_sklearn = kl_divergence(log_p, theirs.log_prob(to_binary(states)))
    assert kl_ours < 0.05  # nats, against an entropy of 4.29
    assert kl_ours <= kl_sklearn


def test_spin_training_on_the_ring(ring_data):
    data, states, log_p = ring_data
    rbm = RBM(8, 8, seed=1).fit(data, epochs=30, batch_size=50, seed=2)
    assert kl_divergence(log_p, rbm.log_prob(states)) < 0.02
    history = rbm.history
    assert len(history["epoch"]) == 30 and history["log_likelihood"][-1] > history["log_likelihood"][0]
    assert np.all(np.isfinite(history["pseudo_log_likelihood"]))


def test_same_seed_same_weights(ring_data):
    data = ring_data[0][:2000]
    a = RBM(8, 4, seed=1).fit(data, epochs=3, seed=5)
    b = RBM(8, 4, seed=1).fit(data, epochs=3, seed=5)
    c = RBM(8, 4, seed=1).fit(data, epochs=3, seed=6)
    assert a.W.tobytes() == b.W.tobytes() and a.W.tobytes() != c.W.tobytes()


def test_weights_do_not_depend_on_what_is_monitored(ring_data):
    # The pseudo-log-likelihood draws one random site per monitored sample after every
    # epoch; from the training stream, a larger monitor set would change the later epochs.
    data = ring_data[0][:2000]
    small = RBM(8, 4, seed=1).fit(data, epochs=3, seed=5, monitor_size=10, progress=False)
    large = RBM(8, 4, seed=1).fit(data, epochs=3, seed=5, monitor_size=2000, progress=False)
    assert small.W.tobytes() == large.W.tobytes()
    assert small.history["pseudo_log_likelihood"] != large.history["pseudo_log_likelihood"]


def test_trained_dbn_draws_initial_weights_and_training_from_independent_streams(tmp_path, monkeypatch):
    from rgkit import data as data_module

    first_words = {}

    def first_word(seed):  # the first output of the stream a seed stands for, without using it
        return int(
            np.random.default_rng(seed).integers(2**63)
            if isinstance(seed, int)
            else copy.deepcopy(seed).integers(2**63)
        )

    class Recording(DBN):
        def __init__(self, *args, seed=None, **kwargs):
            first_words["init"] = first_word(seed)
            super().__init__(*args, seed=seed, **kwargs)

        def fit(self, *args, seed=None, **kwargs):
            first_words["fit"] = first_word(seed)
            return super().fit(*args, seed=seed, **kwargs)

    monkeypatch.setattr(data_module, "DBN", Recording)
    x = np.random.default_rng(0).integers(0, 2, size=(40, 9)).astype(np.int8)
    kwargs = dict(units="binary", epochs=1, seed=3, progress=False)
    dbn, _ = data_module.trained_dbn(x, (9, 4), directory=tmp_path / "a", **kwargs)
    assert first_words["init"] != first_words["fit"]
    again, _ = data_module.trained_dbn(x, (9, 4), directory=tmp_path / "b", **kwargs)  # trained again
    assert dbn.layers[0].W.tobytes() == again.layers[0].W.tobytes()


def test_fit_gives_the_same_weights_for_data_in_any_memory_layout(ring_data):
    data = ring_data[0][:1000]
    c_order = RBM(8, 4, seed=1).fit(data, epochs=2, seed=5, progress=False)
    f_order = RBM(8, 4, seed=1).fit(np.asfortranarray(data), epochs=2, seed=5, progress=False)
    assert c_order.W.tobytes() == f_order.W.tobytes()


def test_fit_continues_from_the_current_parameters(ring_data):
    data = ring_data[0][:2000]
    rbm = RBM(8, 4, seed=1).fit(data, epochs=2, seed=5)
    before = rbm.W.copy()
    rbm.fit(data, epochs=1, seed=6)
    assert rbm.history["epoch"] == [1, 2, 3] and not np.array_equal(before, rbm.W)


@pytest.mark.parametrize("units", ["spin", "binary"])
def test_ais_matches_the_exact_partition_function(units):
    rbm = random_rbm(12, 10, units=units, seed=7, scale=0.6)
    log_z, err = rbm.ais_log_partition(n_chains=200, n_betas=2000, seed=8)
    assert abs(log_z - rbm.log_partition()) < 4 * err
    assert err < 0.05


def test_mean_field_inputs_train_an_upper_layer():
    means = np.random.default_rng(9).uniform(-1, 1, size=(200, 6))
    rbm = RBM(6, 3, seed=1).fit(means, epochs=2, seed=1)
    assert np.isnan(rbm.history["pseudo_log_likelihood"][-1])
    assert rbm.transform(means).shape == (200, 3)


def test_float32_path_agrees_with_float64_in_distribution(ring_data):
    data = ring_data[0][:3000]
    a = RBM(8, 6, seed=1).fit(data, epochs=5, seed=3, precision="float32")
    b = RBM(8, 6, seed=1).fit(data, epochs=5, seed=3, precision="float64")
    assert a.hyperparameters["precision"] == "float32"
    assert np.max(np.abs(a.W - b.W)) < 0.05


def test_save_and_load_round_trip(tmp_path, ring_data):
    rbm = RBM(8, 4, units="spin", seed=1).fit(ring_data[0][:500], epochs=2, seed=1)
    rbm.save(tmp_path / "model.npz")
    back = RBM.load(tmp_path / "model.npz")
    assert np.array_equal(back.W, rbm.W) and back.units == "spin"
    assert back.history == rbm.history and back.hyperparameters == rbm.hyperparameters


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_divergence_is_reported_with_its_epoch():
    data = np.where(np.random.default_rng(1).random((500, 6)) < 0.5, 1, -1)
    with pytest.raises(FloatingPointError, match="epoch 1"):
        RBM(6, 4, seed=1).fit(data, epochs=3, learning_rate=1e308, seed=1)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"data": np.ones((10, 5))}, ValueError, "shape"),
        ({"data": np.full((10, 6), 2.0)}, ValueError, "±1 states or means"),
        ({"data": np.full((10, 6), np.nan)}, ValueError, "finite"),
        ({"data": np.ones((10, 6)), "epochs": 0}, ValueError, "epochs"),
        ({"data": np.ones((10, 6)), "batch_size": 0}, ValueError, "batch_size"),
        ({"data": np.ones((10, 6)), "learning_rate": float("inf")}, ValueError, "finite"),
        ({"data": np.ones((10, 6)), "learning_rate": -0.1}, ValueError, "positive"),
        ({"data": np.ones((10, 6)), "momentum": 1.5}, ValueError, "momentum"),
        ({"data": np.ones((10, 6)), "precision": "half"}, ValueError, "precision"),
        ({"data": np.ones((10, 6)), "l1": -1.0}, ValueError, "non-negative"),
    ],
)
def test_fit_refuses_bad_input(kwargs, error, match):
    kwargs.setdefault("epochs", 1)
    with pytest.raises(error, match=match):
        RBM(6, 3, seed=1).fit(**kwargs)


def test_binary_model_refuses_spin_data():
    with pytest.raises(ValueError, match="0/1 states or means"):
        RBM(6, 3, units="binary").fit(-np.ones((5, 6)), epochs=1)


def test_dbn_shapes_fields_and_reconstructions():
    rng = np.random.default_rng(1)
    data = (rng.random((300, 16)) < 0.5).astype(np.int8)
    dbn = DBN([16, 8, 4, 2], units="binary", seed=1).fit(data, epochs=2, seed=2)
    assert dbn.layer_sizes == [16, 8, 4, 2] and len(dbn.layers) == 3
    fields = dbn.receptive_fields()
    assert [f.shape for f in fields] == [(8, 4, 4), (4, 4, 4), (2, 4, 4)]
    # r^(2) = W^(1) W^(2), independently computed.
    assert np.allclose(fields[1].reshape(4, 16), (dbn.layers[0].W @ dbn.layers[1].W).T)
    assert dbn.transform(data).shape == (300, 2)
    recon = dbn.reconstruct(data, layer=2)
    assert recon.shape == (300, 16) and recon.min() >= 0 and recon.max() <= 1
    samples = dbn.sample(5, steps=10, seed=3)
    assert samples.shape == (5, 16) and set(np.unique(samples)) <= {0, 1}


def test_dbn_save_load_and_validation(tmp_path):
    dbn = DBN([9, 4, 2], units="spin", seed=1)
    dbn.fit(np.where(np.random.default_rng(0).random((50, 9)) < 0.5, 1, -1), epochs=1, seed=1)
    dbn.save(tmp_path / "dbn.npz")
    back = DBN.load(tmp_path / "dbn.npz")
    assert back.layer_sizes == [9, 4, 2] and np.array_equal(back.layers[1].W, dbn.layers[1].W)
    with pytest.raises(ValueError, match="at least two"):
        DBN([5])
    with pytest.raises(ValueError, match="layer"):
        dbn.transform(np.ones((2, 9)), layer=3)
    with pytest.raises(ValueError, match="does not hold"):
        dbn.receptive_fields(shape=(2, 2))


def test_dbn_round_trips_through_arrays():
    dbn = DBN([9, 4, 2], units="binary", seed=3)
    back = DBN.from_arrays(dbn.to_arrays(), units="binary")
    assert back.layer_sizes == [9, 4, 2] and all(
        np.array_equal(x.W, y.W) for x, y in zip(back.layers, dbn.layers, strict=True)
    )
    with pytest.raises(ValueError, match="W0"):
        DBN.from_arrays({"W0": np.ones((2, 2))}, units="binary")


# ------------------------------------------------------------------------------ the gradient with many chains
@pytest.mark.parametrize("units", ["spin", "binary"])
def test_pcd_with_more_chains_than_data_matches_the_exact_gradient(units):
    # 200 data rows from a distribution unlike the model, 4000 persistent chains drawn exactly
    # from the model: each phase must be averaged over its own states.
    rbm = random_rbm(4, 3, units=units, seed=40, scale=0.6)
    states = configurations(4, units)
    p_model = np.exp(rbm.log_prob(states))
    rng = np.random.default_rng(41)
    data = states[rng.choice(len(states), size=200, p=rng.dirichlet(np.ones(len(states))))]
    exact_grad = rbm.log_likelihood_gradient(data)
    estimates = []
    for seed in range(16):
        chains = states[rng.choice(len(states), size=4000, p=p_model)]
        g = rbm.cd_gradient(data, k=3, chains=chains, seed=seed)
        assert g.chains.shape == (4000, 4)
        estimates.append(np.concatenate([g.W.ravel(), g.a, g.b]))
    expected = np.concatenate([exact_grad.W.ravel(), exact_grad.a, exact_grad.b])
    mean = np.mean(estimates, axis=0)
    stderr = np.std(estimates, axis=0, ddof=1) / np.sqrt(len(estimates))
    assert np.all(np.abs(mean - expected) < 5 * stderr + 1e-12)


# ------------------------------------------------------------------------------ one seeding scheme
_MASK = (1 << 64) - 1


def _splitmix64_reference(z):
    z = (z + 0x9E3779B97F4A7C15) & _MASK
    x = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31), z


def _stream_reference(base, index):
    z = (base + 4 * index * 0x9E3779B97F4A7C15) & _MASK
    words = []
    for _ in range(4):
        word, z = _splitmix64_reference(z)
        words.append(word)
    return words


def _xoshiro_uniforms_reference(s, n):
    s = list(s)
    out = []
    for _ in range(n):
        r = (s[0] + s[3]) & _MASK
        t = (s[1] << 17) & _MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = ((s[3] << 45) | (s[3] >> 19)) & _MASK
        out.append((r >> 11) * 2.0**-53)
    return np.array(out)


def test_splitmix64_matches_vignas_reference_outputs():
    # The first outputs of splitmix64.c from seed 0 (https://prng.di.unimi.it/splitmix64.c).
    expected = [0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F, 0xF88BB8A8724C81EC]
    assert [int(w) for w in _rng.stream_state(np.uint64(0), 0)] == expected
    assert _stream_reference(0, 0) == expected


def test_monte_carlo_state_is_stream_zero_of_one_drawn_word():
    base = int(np.random.default_rng(7).integers(0, _MASK, dtype=np.uint64, endpoint=True))
    state = _rng.make_state(np.random.default_rng(7))
    assert state.dtype == np.uint64 and [int(w) for w in state] == _stream_reference(base, 0)


def test_rbm_kernel_draws_element_e_from_output_e_div_lanes_of_stream_e_mod_lanes():
    # Zero fields on binary units: element e of the batch (row-major) is 1 exactly when
    # output e // LANES of stream e % LANES is below 1/2 (150 elements: some streams give
    # five outputs, some four).
    base = int(np.random.default_rng(8).integers(0, _MASK, dtype=np.uint64, endpoint=True))
    drawn = _train.layer_sample(np.zeros((3, 50)), "binary", np.random.default_rng(8), np.int8).ravel()
    lanes = _train.LANES
    for lane in range(lanes):
        elements = np.arange(lane, drawn.size, lanes)
        u = _xoshiro_uniforms_reference(_stream_reference(base, lane), len(elements))
        assert np.array_equal(drawn[elements], (u < 0.5).astype(np.int8))


# ------------------------------------------------------------------------------ the kernels' arithmetic
@pytest.mark.parametrize(("dtype", "limit"), [(np.float32, 87.0), (np.float64, 708.0)])
def test_kernel_exponential_is_within_two_ulps_of_numpys(dtype, limit):
    x = np.linspace(-limit, limit, 400_001).astype(dtype)
    got = _train._exp_array(x, np.empty_like(x))
    exact = np.exp(x.astype(np.longdouble))
    assert np.max(np.abs(got / exact - 1)) <= 2 * np.finfo(dtype).eps


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_layer_kernel_means_match_numpy_in_both_layouts_and_saturate_without_overflow(units, dtype):
    # Fields from -30 to 30 and far beyond float32's exp range, plus a bias per unit; the
    # kernel takes the batch either row-major (samples, units) or unit-major (units, samples).
    rng = np.random.default_rng(3)
    x = np.concatenate([np.linspace(-30, 30, 1001), [-1e30, -1e4, 1e4, 1e30]])
    x = np.stack([x, rng.permutation(x), rng.permutation(x)]).astype(dtype)  # 3 samples
    bias = rng.normal(size=x.shape[1]).astype(dtype)
    exact = _train.layer_mean(x.astype(np.float64) + bias, units)
    tol = 4 * np.finfo(dtype).eps
    spin, scale = units == "spin", dtype(0.5)
    for units_on_rows, fields in ((False, x), (True, np.ascontiguousarray(x.T))):
        means, sums = np.empty_like(fields), np.empty(x.shape[1])
        _train._fill_layer(fields, bias, units_on_rows, spin, scale, means, 0, np.uint64(0), None, sums, None)
        got = means.T if units_on_rows else means
        assert np.max(np.abs(got - 0.5 * exact)) <= tol
        np.testing.assert_allclose(sums, got.astype(np.float64).sum(axis=0), rtol=1e-12, atol=1e-12)


def test_monitoring_matches_free_energies_of_flipped_states_and_the_mean_field_reconstruction(units):
    rbm = random_rbm(7, 5, units=units, seed=11, scale=0.7)
    v = rbm.sample(40, steps=3, seed=12).astype(np.float64)
    error, pll = _train.monitor(rbm.W, rbm.a, rbm.b, v, units, np.random.default_rng(13), True)
    site = np.random.default_rng(13).integers(0, 7, size=40)  # the same draw
    flipped = v.copy()
    flipped[np.arange(40), site] = -v[np.arange(40), site] if units == "spin" else 1 - v[np.arange(40), site]
    expected = np.mean(-7 * np.logaddexp(0.0, rbm.free_energy(v) - rbm.free_energy(flipped)))
    assert pll == pytest.approx(expected, rel=1e-12)
    assert error == pytest.approx(np.mean((v - rbm.inverse_transform(rbm.transform(v))) ** 2), rel=1e-12)
    assert np.isnan(_train.monitor(rbm.W, rbm.a, rbm.b, v, units, np.random.default_rng(13), False)[1])


# ------------------------------------------------------------------------------ fit: checks, callback, progress
def test_fit_checks_the_callback_before_any_epoch(ring_data):
    rbm = RBM(8, 4, seed=1)
    before = rbm.W.copy()
    with pytest.raises(TypeError, match="callback"):
        rbm.fit(ring_data[0][:200], epochs=2, seed=1, callback="kl")
    assert np.array_equal(rbm.W, before) and rbm.history == {}


def test_fit_no_longer_takes_ais_checkpoints(ring_data):
    with pytest.raises(TypeError, match="ais_checkpoints"):
        RBM(8, 4, seed=1).fit(ring_data[0][:200], epochs=1, ais_checkpoints=2)


def test_callback_can_record_an_ais_log_likelihood_and_the_model_still_saves(tmp_path, ring_data):
    data = ring_data[0][:500]

    def ais_log_likelihood(rbm, epoch):  # numpy scalars, as a callback typically returns
        log_z, _ = rbm.ais_log_partition(n_chains=50, n_betas=200, seed=epoch)
        return np.float64(np.mean(-rbm.free_energy(data)) - log_z)

    rbm = RBM(8, 4, seed=1).fit(data, epochs=2, seed=1, callback=ais_log_likelihood)
    values = rbm.history["callback"]
    # ln Z of this model is exact by enumeration: the AIS log-likelihood must be close to it.
    assert abs(values[-1] - rbm.history["log_likelihood"][-1]) < 0.05
    rbm.save(tmp_path / "model.npz")
    assert RBM.load(tmp_path / "model.npz").history["callback"] == [float(v) for v in values]


def test_progress_bar_is_quiet_under_rgbook_quiet(ring_data, monkeypatch, capsys):
    monkeypatch.setenv("RGBOOK_QUIET", "1")
    RBM(8, 4, seed=1).fit(ring_data[0][:200], epochs=2, seed=1)
    DBN([8, 4, 2], units="spin", seed=1).fit(ring_data[0][:200], epochs=1, seed=1)
    assert capsys.readouterr().err == ""
    RBM(8, 4, seed=1).fit(ring_data[0][:200], epochs=2, seed=1, progress=True)
    assert "epoch" in capsys.readouterr().err
    with pytest.raises(TypeError, match="progress"):
        RBM(8, 4, seed=1).fit(ring_data[0][:200], epochs=1, progress="yes")


def test_spin_rbm_refuses_data_that_look_binary():
    bits = (np.random.default_rng(2).random((50, 6)) < 0.5).astype(np.int8)
    with pytest.raises(ValueError, match="look binary"):
        RBM(6, 3, seed=1).fit(bits, epochs=1)
    with pytest.raises(ValueError, match="look binary"):
        RBM(6, 3, seed=1).cd_gradient(bits.astype(np.float32))
    RBM(6, 3, units="binary", seed=1).fit(bits, epochs=1, seed=1)  # the right encoding trains


# ------------------------------------------------------------------------------ files
def _unreadable_files(tmp_path):
    good = tmp_path / "good.npz"
    RBM(5, 3, seed=1).save(good)
    files = {
        "empty": b"",
        "random": np.random.default_rng(3).bytes(2000),
        "truncated": good.read_bytes()[: len(good.read_bytes()) // 2],
    }
    paths = []
    for name, payload in files.items():
        path = tmp_path / f"{name}.npz"
        path.write_bytes(payload)
        paths.append(path)
    foreign = tmp_path / "dataset.npz"
    _io.save(foreign, {"W": np.ones((5, 3))}, {"units": "spin"}, kind="dataset")
    plain = tmp_path / "plain.npz"
    np.savez(plain, W=np.ones((5, 3)), a=np.zeros(5), b=np.zeros(3))
    dbn = tmp_path / "dbn.npz"
    DBN([5, 3], units="spin", seed=1).save(dbn)
    return [*paths, foreign, plain, dbn]


def test_rbm_load_refuses_unreadable_files_with_one_value_error_naming_the_file(tmp_path):
    for path in _unreadable_files(tmp_path):
        with pytest.raises(ValueError, match=f"cannot read {path}"):
            RBM.load(path)


def test_dbn_load_refuses_unreadable_files_with_one_value_error_naming_the_file(tmp_path):
    paths = _unreadable_files(tmp_path)[:-1]
    rbm_file = tmp_path / "rbm.npz"
    RBM(5, 3, seed=1).save(rbm_file)
    for path in [*paths, rbm_file]:
        with pytest.raises(ValueError, match=f"cannot read {path}"):
            DBN.load(path)


# ------------------------------------------------------------------------------ DBN
def test_dbn_from_arrays_refuses_layers_that_do_not_chain():
    arrays = DBN([9, 4, 2], units="binary", seed=3).to_arrays()
    arrays["W1"], arrays["a1"] = np.ones((5, 2)), np.zeros(5)
    with pytest.raises(ValueError, match="do not chain.*W0.*W1"):
        DBN.from_arrays(arrays, units="binary")


@pytest.mark.parametrize(
    ("shape", "error"),
    [((2, 2), ValueError), ((3, -3), ValueError), ((9, 0), ValueError), ("3x3", TypeError), ((3.0, 3), TypeError)],
)
def test_dbn_receptive_fields_refuse_a_bad_shape(shape, error):
    with pytest.raises(error, match="shape"):
        DBN([9, 4, 2], units="binary", seed=3).receptive_fields(shape=shape)


def test_dbn_receptive_fields_take_a_valid_shape():
    dbn = DBN([12, 4, 2], units="binary", seed=3)
    assert [f.shape for f in dbn.receptive_fields(shape=(3, 4))] == [(4, 3, 4), (2, 3, 4)]


@pytest.mark.parametrize("units", ["spin", "binary"])
def test_dbn_propagate_sample_trains_upper_layers_on_drawn_states(units, monkeypatch):
    low = -1 if units == "spin" else 0
    data = np.where(np.random.default_rng(4).random((300, 9)) < 0.5, 1, low).astype(np.int8)
    seen = []
    original_fit = RBM.fit

    def recording_fit(self, x, **kwargs):
        seen.append(np.array(x))
        return original_fit(self, x, **kwargs)

    monkeypatch.setattr(RBM, "fit", recording_fit)
    dbn = DBN([9, 6, 3], units=units, seed=1).fit(data, epochs=2, seed=2, propagate="sample")
    upper = seen[1]
    # The second layer saw int8 states in the encoding, not means.
    assert upper.dtype == np.int8 and set(np.unique(upper)) <= {low, 1} and upper.shape == (300, 6)
    # Pseudo-likelihood is monitored only on exact states, so it is finite in both layers.
    assert all(np.isfinite(layer.history["pseudo_log_likelihood"][-1]) for layer in dbn.layers)
    # The draws follow p(h | v): their mean agrees with the first layer's conditional means.
    means = dbn.layers[0].transform(data)
    assert abs(upper.mean() - means.mean()) < 4 * upper.std() / np.sqrt(upper.size)
    with pytest.raises(ValueError, match="propagate"):
        DBN([9, 6, 3], units=units, seed=1).fit(data, epochs=1, propagate="mode")


# ------------------------------------------------------------------------------ exact_kl: the KL callback
def test_exact_kl_callback_records_the_enumerated_divergence_every_epoch(ring_data):
    data, states, log_p = ring_data
    rbm = RBM(8, 4, seed=1).fit(data[:500], epochs=3, seed=1, callback=exact_kl(log_p))
    values = rbm.history["callback"]
    assert len(values) == 3
    # Independent route: KL from the brute-force marginal, summing e^{-E(v,h)} over h.
    hs = configurations(4)
    minus_e = states @ rbm.a + np.log(np.exp(states @ rbm.W @ hs.T + hs @ rbm.b).sum(axis=1))
    brute = minus_e - np.log(np.exp(minus_e).sum())
    assert np.isclose(values[-1], np.sum(np.exp(log_p) * (log_p - brute)), rtol=1e-10, atol=1e-12)


def test_exact_kl_is_zero_for_the_models_own_marginal_in_both_encodings():
    spin = random_rbm(5, 3, seed=2, scale=0.7)
    log_p = spin.log_prob(configurations(5))
    assert abs(exact_kl(log_p)(spin)) < 1e-12
    # The binary copy has the same distribution, enumerated in the same order.
    from rgkit.rbm import convert_units

    assert abs(exact_kl(log_p)(convert_units(spin, "binary"))) < 1e-12
    assert exact_kl(log_p)(RBM(5, 3, seed=3)) > 0


@pytest.mark.parametrize(
    "log_p, match",
    [
        (np.zeros(3), "2\\*\\*n_visible"),
        (np.zeros((2, 2)), "2\\*\\*n_visible"),
        (np.array([0.0, np.nan]), "NaN"),
        (np.log([0.5, 0.6]), "normalised"),
    ],
)
def test_exact_kl_refuses_a_bad_distribution(log_p, match):
    with pytest.raises(ValueError, match=match):
        exact_kl(log_p)


def test_exact_kl_refuses_a_model_of_another_width():
    kl = exact_kl(np.full(8, -np.log(8)))
    with pytest.raises(ValueError, match="3 visible units"):
        kl(RBM(4, 2, seed=0))
    with pytest.raises(TypeError, match="model must be an RBM"):
        kl("rbm")


def _mean(units):
    return np.tanh if units == "spin" else (lambda x: 1 / (1 + np.exp(-x)))


def _rbm_m_step(W, a, b, v, units, rng, chains=None, visible_mean=True):
    """One CD-1 gradient as Hinton & Salakhutdinov's rbm.m computes it, written out by hand.

    poshidprobs = σ(v W + b); poshidstates drawn from them; negdata = σ(poshidstates W' + a)
    (probabilities, not samples); neghidprobs = σ(negdata W + b); the gradient is
    (v' poshidprobs - negdata' neghidprobs) / n. For spin units, tanh in place of σ. With
    ``chains`` (PCD-1) the hidden draw starts from the chains; without ``visible_mean`` the
    negative visible layer is drawn. Returns the gradient and the negative visible rows.
    """
    mean = _mean(units)
    pos = mean(v @ W + b)
    start = v if chains is None else chains
    # The same kernel and streams as fit, which draws hidden layers unit-major (the layout of
    # its products): sample i of every hidden unit from stream i % LANES.
    h = _train.layer_sample((start @ W + b).T, units, rng).T
    x = h @ W.T + a
    neg_v = mean(x) if visible_mean else _train.layer_sample(x, units, rng)
    neg_h = mean(neg_v @ W + b)
    n, m = len(v), len(neg_v)
    grads = (v.T @ pos / n - neg_v.T @ neg_h / m, v.sum(0) / n - neg_v.sum(0) / m, pos.sum(0) / n - neg_h.sum(0) / m)
    return grads, neg_v


@pytest.mark.parametrize("units", ["binary", "spin"])
def test_mean_visible_cd1_is_the_reference_codes_step(units):
    rbm = random_rbm(7, 4, seed=5, scale=0.6, units=units)
    v = rbm.sample(30, steps=5, seed=1).astype(np.float64)
    want, _ = _rbm_m_step(rbm.W, rbm.a, rbm.b, v, units, np.random.default_rng(9))
    got = rbm.cd_gradient(v, seed=np.random.default_rng(9), negative_visible="mean")
    for g, w in zip((got.W, got.a, got.b), want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)
    # The default samples the visible layer: its negative states are states, not means.
    sampled = rbm.cd_gradient(v, seed=np.random.default_rng(9))
    assert set(np.unique(sampled.chains)) <= ({-1.0, 1.0} if units == "spin" else {0.0, 1.0})
    assert not np.allclose(sampled.W, got.W)


def _reference_fit(rbm, v, *, batch_size, lr, momentum, l1, l2, seed, persistent, visible_mean):
    """One epoch of fit written out with numpy: minibatches in a permuted order, the CD-1 or
    PCD-1 gradient of each, penalties, momentum; the draws from the seed in fit's order."""
    units, rng = rbm.units, np.random.default_rng(seed)
    params = [rbm.W.copy(), rbm.a.copy(), rbm.b.copy()]
    velocity = [np.zeros_like(p) for p in params]
    chains = _train.layer_sample(np.zeros((batch_size, rbm.n_visible)), units, rng) if persistent else None
    order = rng.permutation(len(v))
    for first in range(0, len(v), batch_size):
        batch = v[order[first : first + batch_size]]
        own = None if chains is None else chains[: len(batch)]  # a short last batch, fewer chains
        (gW, ga, gb), negative = _rbm_m_step(*params, batch, units, rng, own, visible_mean)
        if persistent:
            chains[: len(batch)] = negative
        grads = (gW - l2 * params[0] - l1 * np.sign(params[0]), ga, gb)
        velocity = [momentum * u + lr * g for u, g in zip(velocity, grads, strict=True)]
        params = [p + u for p, u in zip(params, velocity, strict=True)]
    return params


@pytest.mark.parametrize("units", ["binary", "spin"])
@pytest.mark.parametrize(("persistent", "negative_visible"), [(False, "mean"), (False, "sample"), (True, "sample")])
def test_fit_takes_the_reference_steps_with_momentum_and_penalties(units, persistent, negative_visible):
    # Three minibatches, the last one short, so that the momentum, the penalties and the
    # persistent chains all act.
    rbm = random_rbm(6, 3, seed=2, scale=0.5, units=units)
    v = rbm.sample(25, steps=5, seed=4).astype(np.float64)
    settings = dict(batch_size=10, lr=0.05, momentum=0.5, l1=0.003, l2=0.01, seed=3, persistent=persistent)
    want = _reference_fit(rbm, v, visible_mean=negative_visible == "mean", **settings)
    rbm.fit(
        v,
        epochs=1,
        batch_size=10,
        learning_rate=0.05,
        momentum=0.5,
        l1=0.003,
        l2=0.01,
        seed=3,
        persistent=persistent,
        progress=False,
        negative_visible=negative_visible,
        precision="float64",
    )
    for got, expected in zip((rbm.W, rbm.a, rbm.b), want, strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)
    assert rbm.hyperparameters["negative_visible"] == negative_visible


def test_mean_visible_refuses_persistent_chains_and_unknown_values():
    rbm = RBM(4, 2, seed=0)
    v = rbm.sample(5, steps=2, seed=0)
    with pytest.raises(ValueError, match="persistent"):
        rbm.fit(v, epochs=1, persistent=True, negative_visible="mean", progress=False)
    with pytest.raises(ValueError, match="persistent"):
        rbm.cd_gradient(v, chains=v, negative_visible="mean")
    with pytest.raises(ValueError, match="negative_visible"):
        rbm.fit(v, epochs=1, negative_visible="probabilities", progress=False)


def test_dbn_fit_passes_mean_visible_to_every_layer():
    v = RBM(16, 4, seed=1, weight_scale=0.5).sample(50, steps=3, seed=2)
    dbn = DBN((16, 8, 4), units="spin", seed=0).fit(v, epochs=1, seed=0, progress=False, negative_visible="mean")
    assert [r.hyperparameters["negative_visible"] for r in dbn.layers] == ["mean", "mean"]
