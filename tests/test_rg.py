import numpy as np
import pytest

from rgkit import exact, ising, mc, rg


def test_constant_lattices_stay_constant():
    for value in (1, -1):
        s = np.full((3, 8, 8), value, dtype=np.int8)
        for b in (2, 4, 8):
            out = rg.majority_rule(s, b, seed=0)
            assert out.shape == (3, 8 // b, 8 // b) and np.all(out == value)


def test_majority_without_ties_is_deterministic():
    s = np.ones((1, 3, 3), dtype=np.int8)
    s.reshape(-1)[:4] = -1  # 4 of 9 down: majority up
    assert rg.majority_rule(s, 3, seed=1)[0, 0, 0] == 1
    s.reshape(-1)[:5] = -1  # 5 of 9 down
    assert rg.majority_rule(s, 3, seed=1)[0, 0, 0] == -1


def test_ties_are_broken_fairly():
    tie = np.array([[1, -1], [-1, 1]], dtype=np.int8)
    s = np.tile(tie, (4000, 1, 1))
    out = rg.majority_rule(s, 2, seed=2).ravel()
    n_up = int((out == 1).sum())
    # Binomial(4000, 1/2): four standard deviations are 4 * sqrt(1000) ≈ 126.
    assert abs(n_up - 2000) < 4 * np.sqrt(4000 * 0.25)
    assert np.array_equal(out, rg.majority_rule(s, 2, seed=2).ravel())


@pytest.mark.parametrize(
    ("spins", "b", "error"),
    [
        (np.ones((1, 6, 6), dtype=np.int8), 4, ValueError),
        (np.ones((1, 6, 6), dtype=np.int8), 1, ValueError),
        (np.ones((1, 6), dtype=np.int8), 2, ValueError),
        (np.ones((1, 6, 6)), 2, TypeError),
        (np.ones((1, 6, 6), dtype=np.int8), 2.0, TypeError),
    ],
)
def test_majority_rule_refuses_bad_input(spins, b, error):
    with pytest.raises(error):
        rg.majority_rule(spins, b)


def test_correlation_function_on_known_inputs():
    up = np.ones((2, 6, 6), dtype=np.int8)
    assert np.allclose(ising.correlation_function(up), 1.0)
    stripes = np.tile(np.array([1, -1], dtype=np.int8), (1, 6, 3))  # alternating columns
    g = ising.correlation_function(stripes)
    assert np.allclose(g, 0.5 * (1 + (-1.0) ** np.arange(4)))  # rows: +1; columns: (-1)^r


def test_correlation_function_matches_the_ring():
    N, K = 12, 0.7
    s = mc.sample(N, K, 20_000, dim=1, seed=3)
    g = ising.correlation_function(s)
    exact_g = exact.ring_correlation(N, K, np.arange(N // 2 + 1))
    # Independent samples: each G(r) averages 12 sites per sample, error below 1/sqrt(20000).
    assert np.max(np.abs(g - exact_g)) < 4 / np.sqrt(20_000)


def test_field_geometry_of_known_fields():
    L = 16
    fields = np.zeros((2, L, L))
    fields[0, 3:5, 7:9] = 1.0  # a 2x2 block centred at (3.5, 7.5)
    fields[1, 0, 0] = fields[1, 0, L - 1] = 1.0  # straddles the periodic boundary
    geo = rg.field_geometry(fields, block=2)
    assert np.allclose(geo["centre"][0], [3.5, 7.5])
    assert np.isclose(geo["block_share"][0], 1.0)
    assert np.isclose(geo["rms_radius"][0], np.sqrt(0.5))
    assert np.isclose(geo["centre"][1][0], 0.0) and np.isclose(geo["centre"][1][1] % L, L - 0.5)
    uniform = rg.field_geometry(np.ones((1, L, L)), block=4)
    assert 9 / L**2 <= uniform["block_share"][0] <= 16 / L**2  # a 4x4 window at most
    with pytest.raises(ValueError, match="zero"):
        rg.field_geometry(np.zeros((1, 4, 4)))


def test_tiling_coverage():
    centres = np.array([[0.5, 0.5], [4.5, 4.5], [0.2, 4.1], [4.9, 0.3]])
    assert rg.tiling_coverage(centres, 8, 4) == 1.0
    assert rg.tiling_coverage(centres[:1], 8, 4) == 0.25
    with pytest.raises(ValueError):
        rg.tiling_coverage(centres, 8, 3)


def test_configuration_statistics_of_known_lattices():
    up = np.ones((3, 8, 8), dtype=np.int8)
    stats = rg.configuration_statistics(up)
    assert stats["energy"] == -2.0 and stats["abs_m"] == 1.0 and np.isnan(stats["xi"])
    with pytest.raises(ValueError):
        rg.configuration_statistics(np.ones((3, 8), dtype=np.int8))


def test_dbn_versus_block_spins_reports_every_layer():
    from rgkit.rbm import DBN

    s = mc.sample(8, 0.4, 200, seed=4)
    for units in ("binary", "spin"):
        x = s.reshape(200, 64)
        dbn = DBN([64, 16, 4], units=units, seed=1).fit((x + 1) // 2 if units == "binary" else x, epochs=1, seed=1)
        out = rg.dbn_versus_block_spins(dbn, s, (2, 4), seed=2)
        assert len(out["fields"]) == len(out["reconstructions"]) == len(out["block_spins"]) == 2
        assert -2 <= out["reconstructions"][0]["energy"] <= 2
        assert out["block_spins"][1]["xi_scaled"] == out["block_spins"][1]["xi"] * 4
        assert 0 <= out["fields"][0]["block_share"] <= 1
    with pytest.raises(ValueError, match="one block side per layer"):
        rg.dbn_versus_block_spins(dbn, s, (2,))
