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
    assert row.rms_radius == tuple(f.rms_radius for f in out.fields)
    assert row.block_share == tuple(f.block_share for f in out.fields)
    assert row.tiling == tuple(f.coverage for f in out.fields)
    assert row.u_recon == tuple(r.energy for r in out.reconstructions)
    assert row.xi_recon == tuple(r.xi for r in out.reconstructions)
    assert row.abs_m_recon == tuple(r.abs_m for r in out.reconstructions)
    labelled = row.labelled()
    assert len(labelled) == 6 * 2 + 1
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
