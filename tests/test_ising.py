import numpy as np
import pytest

from rgkit import exact, ising, mc


def test_correlation_function_on_known_inputs():
    up = np.ones((2, 6, 6), dtype=np.int8)
    assert np.allclose(ising.correlation_function(up), 1.0)
    stripes = np.tile(np.array([1, -1], dtype=np.int8), (1, 6, 3))  # alternating columns
    g = ising.correlation_function(stripes)
    assert np.allclose(g, 0.5 * (1 + (-1.0) ** np.arange(4)))  # rows: +1; columns: (-1)^r


def test_correlation_function_matches_the_ring():
    N, K = 12, 0.7
    s = mc.sample(N, K, 20_000, dim=1, seed=3)
    g = ising.correlation_function(s, dim=1)
    exact_g = exact.ring_correlation(N, K, np.arange(N // 2 + 1))
    # Independent samples: each G(r) averages 12 sites per sample, error below 1/sqrt(20000).
    assert np.max(np.abs(g - exact_g)) < 4 / np.sqrt(20_000)


def test_lattice_statistics_of_known_lattices():
    up = np.ones((3, 8, 8), dtype=np.int8)
    stats = ising.lattice_statistics(up)
    assert stats.energy == -2.0 and stats.abs_m == 1.0 and np.isnan(stats.xi)
    with pytest.raises(ValueError):
        ising.lattice_statistics(np.ones((3, 8), dtype=np.int8))


def test_lattice_statistics_scale_the_correlation_length_by_the_spacing():
    s = mc.sample(8, 0.35, 50, seed=1)
    coarse = ising.lattice_statistics(s, spacing=4)
    assert np.isfinite(coarse.xi) and coarse.xi_fine == coarse.xi * 4
    assert coarse.xi == ising.lattice_statistics(s).xi


def test_a_lattice_without_its_batch_axis_is_refused_not_read_as_chains():
    lattice = mc.sample(16, 0.4, 1, seed=2)[0]  # one 16×16 lattice, batch axis dropped
    for observable in (ising.energy, ising.magnetization, ising.correlation_function):
        with pytest.raises(ValueError, match=r"ambiguous.*dim=1.*spins\[None\]"):
            observable(lattice)
    with pytest.raises(ValueError, match=r"spins\[None\]"):
        ising.energy(lattice, dim=2)
    # The two right ways agree with the definitions: 16 chains, or one lattice.
    rows = lattice.astype(int)
    assert np.array_equal(ising.energy(lattice, dim=1), -(rows * np.roll(rows, -1, axis=1)).sum(axis=1))
    assert ising.energy(lattice[None])[0] == -(rows * np.roll(rows, -1, 0) + rows * np.roll(rows, -1, 1)).sum()


def test_empty_batches_are_refused_up_front():
    for observable in (ising.energy, ising.magnetization, ising.second_moment_correlation_length):
        with pytest.raises(ValueError, match="at least one configuration"):
            observable(np.ones((0, 4, 4), dtype=np.int8))
    with pytest.raises(ValueError, match="at least one configuration"):
        ising.lattice_statistics(np.ones((0, 4, 4), dtype=np.int8))
