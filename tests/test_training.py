"""RBM training: CD/PCD against the exact gradient, KL on the Ising ring, AIS, save/load."""

import numpy as np
import pytest
from sklearn.neural_network import BernoulliRBM

from rgkit import exact, ising, mc
from rgkit.rbm import RBM, to_binary

from .conftest import random_rbm


@pytest.fixture(scope="module")
def ring_data():
    N, K = 8, 0.6
    data = mc.sample(N, K, 10_000, dim=1, seed=0)
    states = exact.configurations(N)
    log_p = exact.log_boltzmann(K * ising.energy(states))
    return data, states, log_p


@pytest.mark.parametrize("units", ["spin", "binary"])
@pytest.mark.parametrize("persistent", [False, True])
def test_long_chain_cd_matches_the_exact_gradient(units, persistent):
    rbm = random_rbm(4, 3, units=units, seed=1, scale=0.5)
    states = exact.configurations(4, units)
    p = np.exp(rbm.log_prob(states))  # data drawn from the model: the exact gradient is zero
    rng = np.random.default_rng(2)
    data = states[rng.choice(len(states), size=4000, p=p)]
    exact_grad = rbm.log_likelihood_gradient(data)
    chains = data.copy() if persistent else None
    estimates = [rbm.cd_gradient(data, k=30, chains=chains, seed=s)["W"] for s in range(8)]
    mean = np.mean(estimates, axis=0)
    stderr = np.std(estimates, axis=0, ddof=1) / np.sqrt(len(estimates))
    assert np.all(np.abs(mean - exact_grad["W"]) < 4 * stderr)


def test_cd1_is_biased_where_long_chains_are_not():
    # With data from a different distribution, CD-1's negative phase stays near the data.
    rbm = random_rbm(5, 3, seed=3, scale=1.0)
    data = np.where(np.random.default_rng(4).random((4000, 5)) < 0.8, 1, -1).astype(np.int8)
    exact_grad = rbm.log_likelihood_gradient(data)["W"]
    cd1 = np.mean([rbm.cd_gradient(data, k=1, seed=s)["W"] for s in range(4)], axis=0)
    cd50 = np.mean([rbm.cd_gradient(data, k=50, seed=s)["W"] for s in range(4)], axis=0)
    assert np.abs(cd50 - exact_grad).max() < np.abs(cd1 - exact_grad).max()


def test_training_on_the_ring_reaches_a_small_kl_and_beats_scikit_learn(ring_data):
    data, states, log_p = ring_data
    bits = to_binary(data)
    ours = RBM(8, 8, units="binary", seed=1).fit(bits, epochs=30, batch_size=50, learning_rate=0.1, seed=2)
    kl_ours = exact.kl_divergence(log_p, ours.log_prob(to_binary(states)))
    sk = BernoulliRBM(n_components=8, learning_rate=0.1, batch_size=50, n_iter=30, random_state=2).fit(bits)
    theirs = RBM.from_parameters(sk.components_.T, sk.intercept_visible_, sk.intercept_hidden_, units="binary")
    kl_sklearn = exact.kl_divergence(log_p, theirs.log_prob(to_binary(states)))
    assert kl_ours < 0.05  # nats, against an entropy of 4.29
    assert kl_ours <= kl_sklearn


def test_spin_training_on_the_ring(ring_data):
    data, states, log_p = ring_data
    rbm = RBM(8, 8, seed=1).fit(data, epochs=30, batch_size=50, seed=2)
    assert exact.kl_divergence(log_p, rbm.log_prob(states)) < 0.02
    history = rbm.history
    assert len(history["epoch"]) == 30 and history["log_likelihood"][-1] > history["log_likelihood"][0]
    assert np.all(np.isfinite(history["pseudo_log_likelihood"]))


def test_same_seed_same_weights(ring_data):
    data = ring_data[0][:2000]
    a = RBM(8, 4, seed=1).fit(data, epochs=3, seed=5)
    b = RBM(8, 4, seed=1).fit(data, epochs=3, seed=5)
    c = RBM(8, 4, seed=1).fit(data, epochs=3, seed=6)
    assert a.W.tobytes() == b.W.tobytes() and a.W.tobytes() != c.W.tobytes()


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
    from rgkit.rbm import DBN

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
    from rgkit.rbm import DBN

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
    from rgkit.rbm import DBN

    dbn = DBN([9, 4, 2], units="binary", seed=3)
    back = DBN.from_arrays(dbn.to_arrays(), units="binary")
    assert back.layer_sizes == [9, 4, 2] and all(
        np.array_equal(x.W, y.W) for x, y in zip(back.layers, dbn.layers, strict=True)
    )
    with pytest.raises(ValueError, match="W0"):
        DBN.from_arrays({"W0": np.ones((2, 2))}, units="binary")
