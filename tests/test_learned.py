"""A trained network as a coarse-graining map (rgkit.learned), against hand-made maps it must equal."""

import numpy as np
import pytest

from rgkit import data, exact, ising, learned, mc, mcrg, rg
from rgkit.rbm import DBN, RBM

STRONG = 40.0  # saturates every conditional probability to within e^-40


def _corner_layer(side: int, b: int, units: str, perm: np.ndarray, signs: np.ndarray, inputs_site=None) -> RBM:
    """A layer whose unit j copies the corner input of coarse site perm[j], times signs[j].

    The inputs are an (side×side) lattice given in the order ``inputs_site`` (unit i of the layer
    below sits on site inputs_site[i] with orientation inputs_sign[i]); None for the visible lattice.
    """
    coarse = side // b
    n_in, n_out = side * side, coarse * coarse
    W = np.zeros((n_in, n_out))
    for j in range(n_out):
        r, c = divmod(int(perm[j]), coarse)
        W[(b * r) * side + b * c, j] = STRONG * signs[j]
    if inputs_site is not None:
        site, sign = inputs_site
        W = W[site] * sign[:, None]  # row i of the layer below's unit order
    a = np.zeros(n_in)
    hb = np.zeros(n_out)
    if units == "binary":  # field w·v + c with v in {0, 1}: the same sign rule as w·s
        W, hb = 2 * W, hb - W.sum(axis=0)
    return RBM.from_parameters(W, a, hb, units=units)


def _decimating_dbn(L: int, units: str, seed: int = 0) -> DBN:
    """Two layers that decimate to the corner spin, with shuffled units and flipped signs."""
    rng = np.random.default_rng(seed)
    n1, n2 = (L // 2) ** 2, (L // 4) ** 2
    perm1, sign1 = rng.permutation(n1), rng.choice([-1, 1], n1)
    perm2, sign2 = rng.permutation(n2), rng.choice([-1, 1], n2)
    first = _corner_layer(L, 2, units, perm1, sign1)
    second = _corner_layer(L // 2, 2, units, perm2, sign2, inputs_site=(perm1, sign1))
    return DBN._from_layers([first, second], units)


@pytest.mark.parametrize("mode", ["sign", "sample"])
def test_a_decimating_network_maps_like_decimation_at_every_level(units, mode):
    L = 8
    dbn = _decimating_dbn(L, units)
    spins = mc.sample(L, 0.4, 50, seed=1, progress=False)
    maps = learned.dbn_maps(dbn, L, (2, 4), mode=mode, seed=0)
    levels = maps.apply(spins)
    assert [x.shape[1] for x in levels] == [8, 4, 2]
    np.testing.assert_array_equal(levels[1], rg.decimate(spins, 2))
    np.testing.assert_array_equal(levels[2], rg.decimate(spins, 4))
    assert all(a.in_block.all() for a in maps.assignments)
    assert maps.assignments[0].clean_share == 1.0


def test_sample_mode_draws_from_its_seed():
    L = 8
    rng = np.random.default_rng(3)
    dbn = DBN([64, 16, 4], units="spin", seed=rng, weight_scale=0.3)
    spins = mc.sample(L, 0.4, 40, seed=2, progress=False)
    a = learned.dbn_maps(dbn, L, (2, 4), seed=5).apply(spins)
    b = learned.dbn_maps(dbn, L, (2, 4), seed=5).apply(spins)
    c = learned.dbn_maps(dbn, L, (2, 4), seed=6).apply(spins)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert not np.array_equal(a[1], c[1])
    assert all(x.dtype == np.int8 and np.all(np.abs(x) == 1) for x in a)


def test_dbn_maps_rejects_bad_input():
    dbn = DBN([64, 16, 4], units="spin", seed=0)
    with pytest.raises(TypeError, match="DBN"):
        learned.dbn_maps("net", 8, (2, 4))
    with pytest.raises(ValueError, match="one block side per layer"):
        learned.dbn_maps(dbn, 8, (2,))
    with pytest.raises(ValueError, match="increase"):
        learned.dbn_maps(dbn, 8, (4, 2))
    with pytest.raises(ValueError, match="visible units"):
        learned.dbn_maps(dbn, 16, (2, 4))
    with pytest.raises(ValueError, match="mode"):
        learned.dbn_maps(dbn, 8, (2, 4), mode="mean")
    with pytest.raises(ValueError, match="layer 2 has 4 units"):
        learned.dbn_maps(DBN([64, 16, 4], units="spin", seed=0), 8, (2, 8))
    with pytest.raises(TypeError, match="needs maps"):
        learned.blocked_levels(np.ones((2, 8, 8), np.int8), "dbn", 2, 2, seed=0)


def test_correlation_length_ratios_match_the_direct_estimate():
    spins = mc.sample(16, exact.KC, 256, seed=4, progress=False)
    levels = learned.blocked_levels(spins, "majority", 2, 2, seed=0)
    xi, xi_err, ratio, ratio_err = learned.correlation_length_ratios(levels, 2, n_blocks=16)
    direct = [ising.second_moment_correlation_length(x) for x in levels]
    np.testing.assert_allclose(xi, direct)
    np.testing.assert_allclose(ratio, [2 * direct[1] / direct[0], 2 * direct[2] / direct[1]])
    assert np.all(xi_err > 0) and np.all(ratio_err > 0)


def test_kl_per_spin_of_the_uniform_model_is_the_exact_entropy_gap():
    # p(v) = 2^-N exactly, and AIS is exact when every intermediate distribution is the same.
    L, K = 8, 0.3
    spins = mc.sample(L, K, 2_000, seed=7, progress=False)
    uniform = RBM.from_parameters(np.zeros((L * L, 4)), units="spin")
    kl, err, ais_err = learned.kl_per_spin(uniform, spins, K, n_chains=4, n_betas=10, seed=0)
    expected = -K * exact.torus_energy(L, K) - exact.torus_log_partition(L, K) / L**2 + np.log(2)
    assert ais_err == pytest.approx(0.0, abs=1e-12)
    assert abs(kl - expected) < 4 * err
    # binary units see the same distribution
    kl_b, err_b, _ = learned.kl_per_spin(
        RBM.from_parameters(np.zeros((L * L, 4)), units="binary"), spins, K, n_chains=4, n_betas=10, seed=0
    )
    assert kl_b == pytest.approx(kl) and err_b == pytest.approx(err)


def test_dbn_rg_point_follows_the_sweep_contract(tmp_path, monkeypatch):
    monkeypatch.setenv("RGBOOK_DATA_DIR", str(tmp_path))
    args = dict(L=12, K=0.44, units="binary", l1=0.0, replica=0, layers=[144, 36, 9], blocks=[2, 4])
    args |= dict(n_train=128, n_measure=64, epochs=2, data_seed=1)
    arrays, info = learned.dbn_rg_point(**args, seed=11)
    again, _ = learned.dbn_rg_point(**args, seed=11)
    assert arrays.keys() == again.keys()
    assert all(np.array_equal(arrays[k], again[k]) for k in arrays)
    for name in learned.MAPS:
        sums = learned.point_sums(arrays, name, 2)
        assert sums.sides == (12, 6, 3) and sums.n_samples == 64
        assert arrays[f"ratio_{name}"].shape == (2,)
    assert arrays["kl"].shape == (3,) and np.isfinite(arrays["kl"]).all()
    assert len(info["clean_share"]) == 2
    # the maps act on the samples after the training ones, from the same cached dataset
    spins, _ = data.ising_dataset(12, 0.44, 192, seed=1, method="wolff")
    direct = mcrg.operator_sums(rg.decimate(spins[128:], 2))
    np.testing.assert_array_equal(learned.point_sums(arrays, "decimation", 2).sums[1], direct)


def test_paper_fit_and_bad_units():
    assert learned.paper_fit("binary", 2e-4)["learning_rate"] == 0.1
    assert learned.paper_fit("spin", 0.0)["learning_rate"] == pytest.approx(0.1 / 16)
    with pytest.raises(ValueError, match="units"):
        learned.paper_fit("ising", 0.0)


def test_binary_and_spin_encodings_agree_for_the_decimating_network():
    L = 8
    spins = mc.sample(L, 0.5, 30, seed=9, progress=False)
    out = [learned.dbn_maps(_decimating_dbn(L, u), L, (2, 4), mode="sign").apply(spins) for u in ("spin", "binary")]
    assert all(np.array_equal(x, y) for x, y in zip(*out, strict=True))


def test_the_maps_plug_into_mcrg_as_per_level_transforms():
    L = 12
    dbn = DBN([144, 36, 9], units="spin", seed=np.random.default_rng(4), weight_scale=0.5)
    spins = mc.sample(L, 0.44, 64, seed=5, progress=False)
    maps = learned.dbn_maps(dbn, L, (2, 4), mode="sign")
    ours = learned.level_sums(maps.apply(spins), 2)
    theirs = mcrg.blocked_sums(spins, 2, 2, transform=list(maps.transforms))
    for level in range(3):
        np.testing.assert_array_equal(ours.sums[level], theirs.sums[level])


def test_rsmi_point_learns_a_filter_and_measures_it_as_a_map(tmp_path, monkeypatch):
    monkeypatch.setenv("RGBOOK_DATA_DIR", str(tmp_path))
    args = dict(L=12, couplings=[0.40, 0.44, 0.48], n_train=64, n_measure=64, data_seed=1, n_levels=2)
    args |= dict(sharpness=2.0, buffer=1, stride=4, replica=0, n_replicas=2)
    arrays, _ = learned.rsmi_point(**args, seed=3)
    again, _ = learned.rsmi_point(**args, seed=3)
    assert all(np.array_equal(arrays[k], again[k]) for k in arrays)
    assert np.isclose(np.linalg.norm(arrays["weights"]), 2.0)
    sums = learned.point_sums(arrays, "rsmi", 2)
    assert sums.sides == (12, 6, 3)
    assert arrays["K"].shape == (3, 3) and np.array_equal(arrays["K_start"], [0.40, 0.44, 0.48])
    rows = learned.rsmi_rows([arrays, again], n_blocks=8)
    assert [r.level for r in rows] == [1, 2] and all(r.locality == 1.0 for r in rows)
    assert rows[0].y_h_seed == 0.0  # two identical runs
    with pytest.raises(ValueError, match="replica"):
        learned.rsmi_point(**{**args, "replica": 2}, seed=3)
