"""The learned 1D flow (rgkit.compare): aggregate posteriors, the ring gauge, effective couplings.

Every expected value comes from an independent route: the closed form tanh K' = tanh² K of
decimation, a direct double loop over (v, h), or the same network written with relabelled units.
"""

import numpy as np
import pytest

from rgkit import compare, hamiltonian, rg, states, vrg
from rgkit.rbm import DBN, RBM


def ring_log_p(n: int, K: float) -> np.ndarray:
    return states.log_boltzmann(hamiltonian.ring_hamiltonian(n, K)(states.configurations(n)))


def closed_form(K: float, b: float = 2) -> float:
    return float(np.arctanh(np.tanh(K) ** b))


@pytest.mark.parametrize("K", [0.4, 1.3])
def test_decimation_rbm_posterior_is_the_decimated_ring(K):
    # The odd sites of a ring at K form a ring of N/2 at K'; fed them, the decimation RBM's
    # aggregate posterior is the even sites: the same ring at K', with nothing else.
    N, n = 16, 8
    k1 = closed_form(K)
    rbm = vrg.decimation_rbm(N, K)
    q = compare.aggregate_log_posterior(rbm, ring_log_p(n, k1))
    assert np.max(np.abs(q - ring_log_p(n, k1))) < 1e-10
    gauge = compare.ring_gauge(rbm.W.T)
    marginal = rbm.hidden_log_prob(states.configurations(n))  # the model's own, beside q
    for ring in (compare.effective_ring(q, gauge), compare.effective_ring(marginal, gauge)):
        assert np.max(np.abs(ring.bonds - k1)) < 1e-10
        assert ring.largest_other < 1e-10 and ring.largest_field < 1e-10
        assert abs(ring.truncation_kl) < 1e-12 and abs(ring.uniform_kl) < 1e-12


def test_posterior_matches_a_direct_double_sum():
    rng = np.random.default_rng(3)
    for units in ("spin", "binary"):
        rbm = RBM.from_parameters(rng.normal(0, 0.8, (5, 3)), rng.normal(0, 0.3, 5), rng.normal(0, 0.3, 3), units=units)
        vs, hs = states.configurations(5, units), states.configurations(3, units)
        means = rng.uniform(-1 if units == "spin" else 0, 1, (7, 5))
        for inputs in (vs, means):
            log_w = np.log(rng.dirichlet(np.ones(len(inputs))))
            expected = np.zeros(len(hs))
            for x, lw in zip(inputs, log_w, strict=True):
                field = x @ rbm.W + rbm.b
                for k, h in enumerate(hs):
                    expected[k] += np.exp(lw + h @ field - states.log_sum_units(field, units).sum())
            got = compare.aggregate_log_posterior(rbm, log_w, None if inputs is vs else inputs)
            assert np.allclose(np.exp(got), expected, rtol=1e-12, atol=0)


def test_posterior_keeps_states_far_below_the_largest_weight():
    # Two hidden spins that copy the visible spin with opposite signs: (-, -) and (+, +) have
    # q = e^-800, beyond the range of exp(ln q) but not of ln q.
    rbm = RBM.from_parameters(np.array([[400.0, -400.0]]))
    got = compare.aggregate_log_posterior(rbm, np.log([0.5, 0.5]))
    assert np.allclose(got, [-800, np.log(0.5), np.log(0.5), -800], rtol=1e-14, atol=0)


@pytest.mark.parametrize("feed", ["sample", "mean"])
def test_a_stack_of_saturated_copies_follows_the_decimation_flow(feed):
    # h_j = v_{2j} up to e^{-60}: each layer decimates exactly, through either feed.
    K = 1.1
    layers = [vrg.block_rbm(n, (30.0, 0.0)) for n in (16, 8, 4)]
    flow = compare.ring_flow(DBN._from_layers(layers, "spin"), ring_log_p(16, K), feed=feed)
    assert np.max(np.abs(flow.posterior_couplings - rg.decimation_flow(K, 3))) < 1e-9
    assert np.max(np.abs(flow.decimation - rg.decimation_flow(K, 3))) < 1e-12
    for layer in flow.layers:
        assert layer.gauge.n_clean == len(layer.gauge.order)
        assert layer.gauge.shared_slots == layer.gauge.empty_slots == 0
        assert layer.posterior.spread < 1e-9 and layer.posterior.largest_other < 1e-9
        assert np.max(np.abs(layer.marginal.bonds)) < 1e-12  # the model's units are independent


def relabel(W, a, b, perm, flip, units):
    """The same RBM with its hidden units relabelled: new unit k is old unit perm[k], its two
    states swapped where flip (indexed by the old units) is set."""
    d = np.where(flip, -1.0, 1.0)
    if units == "binary":  # h -> 1 - h moves the flipped unit's weights into the visible biases
        a = a + W[:, flip].sum(axis=1)
    return W[:, perm] * d[perm], a, (b * d)[perm]


@pytest.mark.parametrize("units", ["spin", "binary"])
@pytest.mark.parametrize("feed", ["sample", "mean"])
def test_the_gauge_ignores_the_labels_and_signs_of_units(units, feed):
    rng = np.random.default_rng(7)
    N, n1, n2 = 8, 4, 2
    W1 = rng.normal(0, 0.3, (N, n1))
    W1[2 * np.arange(n1) + 1, np.arange(n1)] += 2.0  # soft copies of the odd sites
    W2 = rng.normal(0, 0.3, (n1, n2))
    W2[[0, 2], [0, 1]] += 1.5
    a1, b1, b2 = rng.normal(0, 0.2, N), rng.normal(0, 0.2, n1), rng.normal(0, 0.2, n2)
    a2 = rng.normal(0, 0.2, n1)
    log_p = ring_log_p(N, 0.9)

    def flow(layers):
        rbms = [RBM.from_parameters(*p, units=units) for p in layers]
        return compare.ring_flow(DBN._from_layers(rbms, units), log_p, feed=feed)

    base = flow([(W1, a1, b1), (W2, a2, b2)])
    perm1, flip1 = np.array([2, 0, 3, 1]), np.array([True, False, True, True])
    perm2, flip2 = np.array([1, 0]), np.array([False, True])
    W1r, a1r, b1r = relabel(W1, a1, b1, perm1, flip1, units)
    # Layer 2 sees layer 1's units renamed and flipped: its rows follow them.
    d1 = np.where(flip1, -1.0, 1.0)
    W2v = W2 * d1[:, None]
    a2v = a2 * d1
    b2v = b2 + (W2[flip1].sum(axis=0) if units == "binary" else 0.0)
    W2r, a2r, b2r = relabel(W2v[perm1], a2v[perm1], b2v, perm2, flip2, units)
    other = flow([(W1r, a1r, b1r), (W2r, a2r, b2r)])
    for x, y, perm in zip(base.layers, other.layers, (perm1, perm2), strict=True):
        for mine, theirs in ((x.posterior, y.posterior), (x.marginal, y.marginal)):
            assert np.allclose(mine.bonds, theirs.bonds, rtol=0, atol=1e-10)
            assert abs(mine.largest_other - theirs.largest_other) < 1e-10
            assert abs(mine.truncation_kl - theirs.truncation_kl) < 1e-10
        assert np.allclose(y.gauge.centre, x.gauge.centre[perm], rtol=0, atol=1e-12)
    assert np.allclose(base.posterior_couplings, other.posterior_couplings, rtol=0, atol=1e-10)
    # Not a test that cannot fail: without the gauge, the relabelled layer reads differently.
    q = compare.aggregate_log_posterior(other.dbn.layers[0], log_p)
    ungauged = compare.effective_ring(q, compare.ring_gauge(np.eye(n1)))
    assert not np.allclose(ungauged.bonds, base.layers[0].posterior.bonds, atol=1e-3)


def test_units_that_do_not_form_a_ring_are_reported():
    N = 8
    fields = np.zeros((4, N))
    fields[0, 0] = fields[1, 0] = 1.0  # two units on one site
    fields[1, 1] = 0.2
    fields[2, 4] = -1.0
    fields[3] = 1.0  # spread over the whole ring
    fields[3, 6] = 1.5
    g = compare.ring_gauge(fields)
    assert g.shared_slots >= 1 and g.empty_slots >= 1
    assert g.spread.tolist() == [False, False, False, True]
    assert not g.clean[0] and not g.clean[1] and not g.clean[3] and g.clean[2]
    assert g.sign.tolist() == [1, 1, -1, 1]


def test_decimation_couplings_by_any_factor():
    assert np.allclose(compare.decimation_couplings(0.7, [2, 2, 2]), rg.decimation_flow(0.7, 3), rtol=1e-13)
    assert np.allclose(compare.decimation_couplings(0.7, [1, 3]), [0.7, 0.7, closed_form(0.7, 3)], rtol=1e-13)
    # tanh K ≈ 1 - 2e^{-2K}: b-fold decimation gives e^{-2K'} ≈ b e^{-2K} for large K.
    assert abs(compare.decimation_couplings(30.0, [2])[1] - (30.0 - 0.5 * np.log(2))) < 1e-12


def test_learned_flow_is_reproducible_and_reads_every_layer():
    kw = dict(units="binary", feed="sample", n_samples=300, epochs=2, seed=5, batch_size=50, progress=False)
    first = compare.learned_ring_flow(ring_log_p(8, 1.0), (8, 4, 2), **kw)
    second = compare.learned_ring_flow(ring_log_p(8, 1.0), (8, 4, 2), **kw)
    for x, y in zip(first.dbn.layers, second.dbn.layers, strict=True):
        assert np.array_equal(x.W, y.W) and np.array_equal(x.b, y.b)
    assert len(first.layers) == 2 and first.posterior_couplings.shape == (3,)
    assert abs(first.posterior_couplings[0] - 1.0) < 1e-10
    assert all(np.isfinite(layer.kl) and layer.kl >= 0 for layer in first.layers)


def test_bad_input_is_refused():
    rbm = vrg.decimation_rbm(8, 0.5)
    good = ring_log_p(4, 0.5)
    with pytest.raises(TypeError, match="RBM"):
        compare.aggregate_log_posterior(rbm.W, good)
    with pytest.raises(ValueError, match="normalised"):
        compare.aggregate_log_posterior(rbm, good + 1.0)
    with pytest.raises(ValueError, match="one value per visible state"):
        compare.aggregate_log_posterior(rbm, ring_log_p(5, 0.5))
    with pytest.raises(ValueError, match="same length"):
        compare.aggregate_log_posterior(rbm, good, np.zeros((3, 4)))
    with pytest.raises(ValueError, match="means in"):
        compare.aggregate_log_posterior(rbm, np.log([0.5, 0.5]), np.full((2, 4), 2.0))
    with pytest.raises(ValueError, match="zero"):
        compare.ring_gauge(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="n_units ≥ 2"):
        compare.ring_gauge(np.ones((1, 4)))
    with pytest.raises(ValueError, match="local_share"):
        compare.ring_gauge(np.eye(4), local_share=1.5)
    with pytest.raises(TypeError, match="RingGauge"):
        compare.effective_ring(good, np.eye(4))
    with pytest.raises(ValueError, match="16 finite values"):
        compare.effective_ring(good[:8], compare.ring_gauge(np.eye(4)))
    dbn = DBN._from_layers([rbm], "spin")
    with pytest.raises(ValueError, match="feed"):
        compare.ring_flow(dbn, good, feed="both")
    with pytest.raises(TypeError, match="DBN"):
        compare.ring_flow(rbm, good)
    with pytest.raises(ValueError, match="at least 0"):
        compare.decimation_couplings(-0.1, [2])
    with pytest.raises(ValueError, match="at least 1"):
        compare.decimation_couplings(0.5, [0.5])
    with pytest.raises(ValueError, match="layer_sizes"):
        compare.learned_ring_flow(good, (8, 4))


# ----------------------------------------------------------------------------- the sweep point and its summary
TINY = dict(N=6, K=0.9, hidden_sizes=[3, 2], epochs=2, n_samples=200, batch_size=50)


def test_ring_flow_point_keeps_the_sweep_contract(tmp_path):
    from rgkit import sweep

    points = [{**TINY, "replica": r} for r in range(2)]
    run = sweep.run(compare.ring_flow_point, points, name="ring", executor=sweep.SerialExecutor(), directory=tmp_path)
    again = [compare.ring_flow_point(**p, seed=s) for p, s in zip(points, run.seeds, strict=True)]
    assert run.info[0] == {"layer_sizes": [6, 3, 2], "units": "spin", "feed": "sample"}
    for arrays, (fresh, _) in zip(run.arrays, again, strict=True):
        assert arrays.keys() == fresh.keys()
        for key, value in arrays.items():
            assert value.dtype.kind in "fib", key  # numbers and flags only
            assert value.tobytes() == fresh[key].tobytes(), key  # same seed, same bytes
    first, second = run.arrays
    assert not np.array_equal(first["posterior"], second["posterior"])  # replicas train differently


def test_ring_flow_point_arrays_against_closed_forms():
    arrays, _ = compare.ring_flow_point(**TINY, seed=3)
    K = TINY["K"]
    assert arrays["posterior"].shape == arrays["marginal"].shape == (3,)
    assert arrays["n_clean"].shape == arrays["posterior_truncation_kl"].shape == (2,)
    assert np.allclose(arrays["decimation"], [K, closed_form(K), closed_form(closed_form(K), 1.5)], rtol=1e-12)
    assert arrays["spacing"].tolist() == [1.0, 2.0, 3.0]
    assert abs(arrays["posterior"][0] - K) < 1e-10 and arrays["posterior_spread"][0] < 1e-10  # the data's ring
    with np.errstate(invalid="ignore"):
        xi = -1 / np.log(np.tanh(arrays["posterior"]))
    expected = arrays["spacing"][1:] * xi[1:] / xi[0]
    assert np.allclose(arrays["posterior_xi_ratio"], expected, rtol=1e-12, equal_nan=True)
    assert np.array_equal(arrays["clean_ring"], arrays["n_clean"] == [3, 2])
    assert np.all(arrays["posterior_truncation_kl"] >= -1e-12) and np.all(np.isfinite(arrays["training_kl"]))


def fake_run(posterior, *, clean=(True, True), truncation=(0.0, 0.0), K=1.1, ratios=(2, 2)):
    """Arrays shaped like ring_flow_point's for a stack of halving layers."""
    decimation = compare.decimation_couplings(K, ratios)
    spacing = np.cumprod([1.0, *ratios])
    posterior = np.array([K, *posterior])
    with np.errstate(invalid="ignore", divide="ignore"):
        xi = -1 / np.log(np.tanh(np.where(posterior > 0, posterior, np.nan)))
    return {
        "decimation": decimation,
        "posterior": posterior,
        "marginal": posterior + 0.1,
        "posterior_xi_ratio": spacing[1:] * xi[1:] / xi[0],
        "posterior_truncation_kl": np.array(truncation, dtype=float),
        "clean_ring": np.array(clean),
    }


def test_summary_counts_the_seeds_that_track_decimation():
    exact = compare.decimation_couplings(1.1, [2, 2])[1:]
    # ξ in fine sites scales as 1/|ln tanh K|: K with ln tanh K = ln tanh K_exact / 1.3 lengthens it 1.3 times.
    longer = np.arctanh(np.tanh(exact) ** (1 / 1.3))
    much_longer = np.arctanh(np.tanh(exact) ** (1 / 1.5))
    runs = [
        fake_run(exact),  # decimation itself
        fake_run(longer),  # within √2
        fake_run(much_longer),  # beyond √2
        fake_run(exact, clean=(True, False)),
        fake_run(exact, truncation=(0.0, 0.2)),
        fake_run([exact[0], -0.1]),  # no length to read
    ]
    s = compare.ring_flow_summary(runs)
    assert s.n_seeds == 6 and s.clean_seeds == 5 and s.tracking_seeds == 2 and not s.tracks
    assert compare.ring_flow_summary(runs[:2]).tracks
    assert not compare.ring_flow_summary(runs[:2], xi_factor=1.2).tracks
    assert compare.ring_flow_summary(runs[:3], xi_factor=1.6).tracks
    assert np.allclose(compare.ring_flow_summary(runs[:2]).xi_ratio, [1.15, 1.15], rtol=1e-12)
    posterior = np.array([r["posterior"] for r in runs])
    assert np.allclose(s.posterior, posterior.mean(axis=0))
    assert np.allclose(s.posterior_sd, posterior.std(axis=0, ddof=1))
    assert np.allclose(s.marginal, s.posterior + 0.1) and np.array_equal(s.decimation, runs[0]["decimation"])
    assert s.worst_truncation_kl.tolist() == [0.0, 0.2]
    assert np.all(np.isnan(compare.ring_flow_summary(runs[0]).posterior_sd))  # one seed: no spread


def test_sweep_point_and_summary_refuse_bad_input():
    with pytest.raises(ValueError, match="N must be at least 3"):
        compare.ring_flow_point(**{**TINY, "N": 2}, seed=0)
    with pytest.raises(ValueError, match="at least 0"):
        compare.ring_flow_point(**{**TINY, "K": -0.5}, seed=0)
    with pytest.raises(TypeError, match="list of widths"):
        compare.ring_flow_point(**{**TINY, "hidden_sizes": "32"}, seed=0)
    with pytest.raises(ValueError, match=r"hidden_sizes\[1\] must be at most 6"):
        compare.ring_flow_point(**{**TINY, "hidden_sizes": [3, 7]}, seed=0)
    with pytest.raises(ValueError, match="at least one width"):
        compare.ring_flow_point(**{**TINY, "hidden_sizes": []}, seed=0)
    with pytest.raises(ValueError, match="feed"):
        compare.ring_flow_point(**{**TINY, "feed": "both"}, seed=0)
    with pytest.raises(ValueError, match="at least one"):
        compare.ring_flow_summary([])
    with pytest.raises(ValueError, match="different decimation"):
        compare.ring_flow_summary([fake_run([0.7, 0.4]), fake_run([0.7, 0.4], K=1.0)])
    with pytest.raises(ValueError, match="number of layers"):
        compare.ring_flow_summary([fake_run([0.7, 0.4]), fake_run([0.7], ratios=(2,))])
    with pytest.raises(ValueError, match="arrays"):
        compare.ring_flow_summary([{"posterior": np.zeros(3)}])
    with pytest.raises(ValueError, match="xi_factor"):
        compare.ring_flow_summary([fake_run([0.7, 0.4])], xi_factor=0.5)
