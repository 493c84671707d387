import numpy as np
import pytest

from rgkit import compare, mc


def test_field_geometry_of_known_fields():
    L = 16
    fields = np.zeros((2, L, L))
    fields[0, 3:5, 7:9] = 1.0  # a 2x2 block centred at (3.5, 7.5)
    fields[1, 0, 0] = fields[1, 0, L - 1] = 1.0  # straddles the periodic boundary
    geo = compare.field_geometry(fields, block=2)
    assert np.allclose(geo.centre[0], [3.5, 7.5])
    assert np.isclose(geo.block_share[0], 1.0)
    assert np.isclose(geo.rms_radius[0], np.sqrt(0.5))
    assert np.isclose(geo.centre[1][0], 0.0) and np.isclose(geo.centre[1][1] % L, L - 0.5)
    uniform = compare.field_geometry(np.ones((1, L, L)), block=4)
    assert 9 / L**2 <= uniform.block_share[0] <= 16 / L**2  # a 4x4 window at most
    with pytest.raises(ValueError, match="zero"):
        compare.field_geometry(np.zeros((1, 4, 4)))


def test_tiling_coverage():
    centres = np.array([[0.5, 0.5], [4.5, 4.5], [0.2, 4.1], [4.9, 0.3]])
    assert compare.tiling_coverage(centres, 8, 4) == 1.0
    assert compare.tiling_coverage(centres[:1], 8, 4) == 0.25
    with pytest.raises(ValueError):
        compare.tiling_coverage(centres, 8, 3)


def test_dbn_versus_block_spins_reports_every_layer():
    from rgkit.rbm import DBN

    s = mc.sample(8, 0.4, 200, seed=4)
    for units in ("binary", "spin"):
        x = s.reshape(200, 64)
        dbn = DBN([64, 16, 4], units=units, seed=1).fit((x + 1) // 2 if units == "binary" else x, epochs=1, seed=1)
        out = compare.dbn_versus_block_spins(dbn, s, (2, 4), seed=2)
        assert len(out.fields) == len(out.reconstructions) == len(out.block_spins) == 2
        assert -2 <= out.reconstructions[0].energy <= 2
        assert out.block_spins[1].spacing == 4 and out.block_spins[1].xi_fine == out.block_spins[1].xi * 4
        assert 0 <= out.fields[0].block_share <= 1
    with pytest.raises(ValueError, match="one block side per layer"):
        compare.dbn_versus_block_spins(dbn, s, (2,))


def test_uniform_rms_radius_matches_the_closed_form_and_a_uniform_field():
    # Torus offsets from a site: -L/2 .. L/2 - 1 for even L (mean square (L² + 2)/12 per
    # axis), -(L-1)/2 .. (L-1)/2 for odd L (mean square (L² - 1)/12).
    for L in (8, 16, 40):
        assert np.isclose(compare.uniform_rms_radius(L), np.sqrt(2 * (L**2 + 2) / 12))
    for L in (5, 9):
        assert np.isclose(compare.uniform_rms_radius(L), np.sqrt(2 * (L**2 - 1) / 12))
    # At L = 16 the circular mean of a uniform field lands on a site, so field_geometry agrees.
    assert np.isclose(compare.uniform_rms_radius(16), compare.field_geometry(np.ones((1, 16, 16))).rms_radius[0])
    with pytest.raises(ValueError, match="L"):
        compare.uniform_rms_radius(0)


def _hand_made_dbn(L: int = 8):
    """A 64-4-2 binary DBN whose first-layer fields are: one site, a 2×2 block, two uniform."""
    from rgkit.rbm import DBN

    dbn = DBN([L * L, 4, 2], units="binary", seed=0, weight_scale=0.1)
    fields = np.zeros((4, L, L))
    fields[0, 3, 3] = 1.0
    fields[1, 2:4, 5:7] = 0.5
    fields[2:] = 0.05
    dbn.layers[0].W = fields.reshape(4, L * L).T.copy()
    return dbn


def test_summary_row_counts_compact_first_layer_fields():
    dbn = _hand_made_dbn()
    s = mc.sample(8, 0.4, 100, seed=3)
    row = compare.summary_row(dbn, s, (2, 4), seed=5)
    # rms radii 0, sqrt(0.5), and about 3.3 twice, against 3.32 for a uniform field
    assert row.compact_share == 0.5
    assert compare.summary_row(dbn, s, (2, 4), seed=5, compact_below=0.1).compact_share == 0.25
    assert compare.summary_row(dbn, s, (2, 4), seed=5, compact_below=1.0).compact_share >= 0.5
    assert np.isclose(row.uniform_rms_radius, compare.uniform_rms_radius(8))


def test_summary_row_quotes_the_comparison_it_summarises():
    dbn = _hand_made_dbn()
    s = mc.sample(8, 0.4, 100, seed=3)
    row = compare.summary_row(dbn, s, (2, 4), seed=5)
    out = compare.dbn_versus_block_spins(dbn, s, (2, 4), seed=5)  # same seed, same draws
    # Equal element by element, NaN where a quantity is undefined in both (assert_array_equal
    # counts NaN == NaN; tuple equality does not).
    for got, expected in [
        (row.rms_radius, [f.rms_radius for f in out.fields]),
        (row.block_share, [f.block_share for f in out.fields]),
        (row.tiling, [f.coverage for f in out.fields]),
        (row.u_recon, [r.energy for r in out.reconstructions]),
        (row.xi_recon, [r.xi for r in out.reconstructions]),
        (row.abs_m_recon, [r.abs_m for r in out.reconstructions]),
    ]:
        assert len(got) == len(expected) == 2
        np.testing.assert_array_equal(got, expected)
    # Layers of 4 and 2 units do not fill the 16 and 4 sites of b = 2, 4: no hidden lattice.
    assert out.assignments == (None, None) and np.isnan(row.u_hidden).all() and np.isnan(row.clean_share).all()
    labelled = row.labelled()
    assert len(labelled) == 9 * 2 + 1
    assert list(labelled)[:2] == ["layer 1: rms radius", "layer 1: share in b×b"]
    assert labelled["layer 2: u recon"] == row.u_recon[1]
    assert labelled["share of compact layer-1 fields"] == row.compact_share


def test_summary_row_rejects_bad_arguments():
    dbn = _hand_made_dbn()
    s = mc.sample(8, 0.4, 20, seed=3)
    for bad in (0.0, -0.5, 1.5):
        with pytest.raises(ValueError, match="compact_below"):
            compare.summary_row(dbn, s, (2, 4), compact_below=bad)
    with pytest.raises(TypeError, match="compact_below"):
        compare.summary_row(dbn, s, (2, 4), compact_below="half")
    with pytest.raises(TypeError, match="dbn"):
        compare.summary_row("not a network", s, (2, 4))
    with pytest.raises(ValueError, match="one block side per layer"):
        compare.summary_row(dbn, s, (2,))


def test_field_geometry_refuses_non_finite_fields_and_centres():
    fields = np.ones((2, 8, 8))
    fields[1, 2, 3] = np.nan
    with pytest.raises(ValueError, match="finite"):
        compare.field_geometry(fields)
    fields[1, 2, 3] = np.inf
    with pytest.raises(ValueError, match="finite"):
        compare.field_geometry(fields)
    with pytest.raises(ValueError, match="finite"):
        compare.tiling_coverage(np.array([[1.0, np.nan]]), 8, 4)


def test_field_geometry_does_not_depend_on_the_scale_of_a_field():
    fields = np.zeros((1, 12, 12))
    fields[0, 2:5, 6:8] = [[1.0, 2.0], [0.5, -1.0], [3.0, 0.2]]
    reference = compare.field_geometry(fields, block=4)
    for scale in (1e-200, 1e200):  # squares of these under- or overflow without rescaling
        geo = compare.field_geometry(scale * fields, block=4)
        assert np.allclose(geo.centre, reference.centre) and np.allclose(geo.rms_radius, reference.rms_radius)
        assert np.allclose(geo.block_share, reference.block_share)


def test_dbn_versus_block_spins_refuses_a_block_as_large_as_the_lattice_before_working():
    from rgkit.rbm import DBN

    s = mc.sample(8, 0.4, 20, seed=4)
    dbn = DBN([64, 4], units="spin", seed=1)
    with pytest.raises(ValueError, match="block must be at most 7"):
        compare.dbn_versus_block_spins(dbn, s, (8,), seed=2)


def test_coarse_site_centres_are_the_block_centres():
    c = compare.coarse_site_centres(8, 4)
    assert np.array_equal(c, [[1.5, 1.5], [1.5, 5.5], [5.5, 1.5], [5.5, 5.5]])
    field = np.zeros((1, 8, 8))
    field[0, :4, :4] = 1.0  # block (0, 0)
    geo = compare.field_geometry(field, block=4)
    assert np.allclose(geo.centre[0], c[0])
    with pytest.raises(ValueError, match="divisible"):
        compare.coarse_site_centres(8, 3)


def _block_fields(L: int, b: int, order: np.ndarray) -> np.ndarray:
    """Fields that are exactly the b×b blocks, unit k on block order[k], with alternating signs."""
    n = (L // b) ** 2
    fields = np.zeros((n, L, L))
    for k, site in enumerate(order):
        i, j = divmod(int(site), L // b)
        fields[k, b * i : b * i + b, b * j : b * j + b] = 1.0 if k % 2 == 0 else -1.0
    return fields


def test_assignment_recovers_shuffled_blocks_and_their_signs():
    L, b = 8, 2
    order = np.random.default_rng(0).permutation(16)
    a = compare.assign_units_to_sites(_block_fields(L, b, order), b)
    assert np.array_equal(a.site, order)
    assert np.allclose(a.distance, 0) and a.compact.all() and a.in_block.all() and a.clean_share == 1.0
    assert np.array_equal(a.sign, np.where(np.arange(16) % 2 == 0, 1, -1))


def test_assignment_reports_spread_and_crowded_fields_as_not_clean():
    L, b = 8, 4
    fields = _block_fields(L, b, np.arange(4))
    fields[1] = 1.0  # spread over the lattice: no clear centre
    fields[2] = np.roll(fields[0], 1, axis=1)  # crowds unit 0's block: one of them goes far
    a = compare.assign_units_to_sites(fields, b)
    assert sorted(a.site) == [0, 1, 2, 3]  # one-to-one even so
    assert not a.compact[1] and not a.clean[1]
    assert a.compact[0] and a.compact[2]
    assert a.clean[3] and a.clean_share < 1
    assert a.in_block[0] != a.in_block[2]  # the crowded pair cannot both sit on block 0
    assert not (a.clean[0] and a.clean[2])
    with pytest.raises(ValueError, match="one-to-one"):
        compare.assign_units_to_sites(fields[:3], b)
    with pytest.raises(ValueError, match="compact_below"):
        compare.assign_units_to_sites(fields, b, compact_below=2.0)


def _block_spin_dbn(L: int, b: int, units: str, strength: float):
    """A one-layer DBN whose unit k sums block order[k] with weight ±strength (signs alternate)."""
    from rgkit.rbm import DBN

    order = np.random.default_rng(1).permutation((L // b) ** 2)
    fields = _block_fields(L, b, order)
    dbn = DBN([L * L, len(order)], units=units, seed=0, weight_scale=0.0)
    W = strength * fields.reshape(len(order), L * L).T
    rbm = dbn.layers[0]
    if units == "binary":  # the same fields on 0/1 inputs: v = (s + 1)/2, biases cancel the shift
        rbm.W, rbm.b = 2 * W, -W.sum(axis=0)
    else:
        rbm.W = W
    return dbn, fields


@pytest.mark.parametrize("units", ["binary", "spin"])
def test_strong_block_units_give_back_the_majority_rule_block_spins(units):
    from rgkit.rg import majority_rule

    L, b = 8, 2
    s = mc.sample(L, 0.4, 50, seed=7)
    dbn, fields = _block_spin_dbn(L, b, units, strength=30.0)
    a = compare.assign_units_to_sites(fields, b)
    v = s.reshape(len(s), -1)
    v = (v + 1) // 2 if units == "binary" else v
    blocks = majority_rule(s, b, seed=0)
    decided = s.reshape(len(s), L // b, b, L // b, b).sum(axis=(2, 4)) != 0  # ties are coin flips
    for mode in ("sample", "sign"):
        coarse = compare.coarse_hidden_states(dbn, v, 1, a, mode=mode, seed=3)
        assert coarse.shape == (len(s), L // b, L // b) and coarse.dtype == np.int8
        assert np.array_equal(coarse[decided], blocks[decided])
    with pytest.raises(ValueError, match="mode"):
        compare.coarse_hidden_states(dbn, v, 1, a, mode="mean")


def test_dbn_versus_block_spins_places_full_layers_on_the_coarse_lattice():
    L, b = 8, 2
    s = mc.sample(L, 0.4, 100, seed=8)
    dbn, _ = _block_spin_dbn(L, b, "spin", strength=30.0)
    out = compare.dbn_versus_block_spins(dbn, s, (b,), seed=2)
    (hidden,), (blocked,) = out.hidden, out.block_spins
    assert out.assignments[0].clean_share == 1.0 and hidden.spacing == b
    # Hidden states equal the block spins except where a block's sum ties: the statistics agree
    # to within the share of tied blocks.
    tied = np.mean(s.reshape(100, 4, b, 4, b).sum(axis=(2, 4)) == 0)
    assert abs(hidden.abs_m - blocked.abs_m) <= 2 * tied and abs(hidden.energy - blocked.energy) <= 4 * tied
    assert len(out.g_data) == L // 2 + 1 and len(out.g_hidden[0]) == L // b // 2 + 1
    row = compare.summary_row(dbn, s, (b,), seed=2)
    assert row.u_hidden == (hidden.energy,) and row.clean_share == (1.0,)


def test_statistics_errors_match_the_jackknife_of_stats():
    from rgkit import ising, stats

    s = mc.sample(8, 0.4, 128, seed=9)
    err = compare.statistics_errors(s, spacing=2, n_blocks=16)
    for key in ("energy", "abs_m", "xi"):
        want = stats.jackknife(s, lambda x, key=key: getattr(ising.lattice_statistics(x), key), n_blocks=16)[1]
        assert np.isclose(getattr(err, key), want, rtol=1e-10)
    assert err.spacing == 2 and err.xi_fine == 2 * err.xi
    with pytest.raises(ValueError, match="n_blocks"):
        compare.statistics_errors(s[:10], n_blocks=16)


def test_block_share_window_holds_b_by_b_sites_wherever_the_centre_falls():
    fields = np.zeros((2, 12, 12))
    fields[0, 4:7, 4:7] = 1.0  # centred on a site
    fields[1, 4:7, 4:7] = 1.0
    fields[1, 6, 6] = 1.001  # centre moved off the site by a hair
    shares = compare.field_geometry(fields, block=2).block_share
    assert abs(shares[0] - shares[1]) < 0.01 and abs(shares[0] - 4 / 9) < 0.01


def test_coarse_hidden_states_refuses_data_in_the_wrong_encoding():
    from rgkit.rbm import DBN

    dbn = DBN([16, 4], units="binary", seed=0)
    assignment = compare.assign_units_to_sites(dbn.receptive_fields(shape=(4, 4))[0], 2)
    spins = -np.ones((3, 16), dtype=np.int8)
    with pytest.raises(ValueError, match="binary units"):
        compare.coarse_hidden_states(dbn, spins, 1, assignment, seed=0)


def test_summary_row_from_a_given_comparison_equals_the_one_it_computes():
    from rgkit.rbm import DBN

    s = mc.sample(8, 0.4, 60, seed=4)
    dbn = DBN([64, 16, 4], units="spin", seed=1).fit(s.reshape(60, 64), epochs=1, seed=1, progress=False)
    comparison = compare.dbn_versus_block_spins(dbn, s, (2, 4), seed=3)
    given = compare.summary_row(dbn, s, (2, 4), seed=3, comparison=comparison)
    computed = compare.summary_row(dbn, s, (2, 4), seed=3)
    assert given.labelled().keys() == computed.labelled().keys()
    assert np.allclose(list(given.labelled().values()), list(computed.labelled().values()), equal_nan=True)
    with pytest.raises(ValueError, match="divide"):
        compare.dbn_versus_block_spins(dbn, s, (3, 4), seed=3)
