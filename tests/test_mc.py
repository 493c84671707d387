"""Monte Carlo against exact results, with error bars taken from the samples themselves."""

import _thread
import dataclasses
import threading
import time
import tracemalloc

import numpy as np
import pytest

from rgkit import exact, ising, mc, states, stats
from rgkit.exact import KC

METHODS = ["metropolis", "heatbath", "wolff", "swendsen-wang"]


def within(samples, expected, n_sigma=4.0):
    mean, err = stats.binning_error(samples)
    return abs(mean - expected) <= n_sigma * err, (mean, err, expected)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(("L", "K"), [(6, 0.3), (10, KC), (8, 0.6)])
def test_energy_matches_kaufman(method, L, K):
    s = mc.sample(L, K, 4000, method=method, seed=11)
    ok, detail = within(ising.energy(s) / L**2, exact.torus_energy(L, K))
    assert ok, detail


@pytest.mark.parametrize("method", METHODS)
def test_magnetisation_squared_matches_enumeration_on_4x4(method):
    e, m = exact.ising_enumeration(4)
    for K in (0.3, KC):
        s = mc.sample(4, K, 6000, method=method, seed=12)
        ok, detail = within(ising.magnetization(s) ** 2, exact.enumerated_average(m**2, e, K))
        assert ok, (K, detail)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(("L", "K", "n"), [(2, 0.4, 20_000), (3, 0.35, 60_000)])
def test_histogram_of_states_is_the_boltzmann_distribution(method, L, K, n):
    if method == "metropolis" and L % 2:
        with pytest.raises(ValueError, match="even L"):
            mc.sample(L, K, 10, method=method)
        return
    s = mc.sample(L, K, n, method=method, seed=13, thin=4 if method in ("wolff",) else 2)
    counts = np.bincount(states.state_index(s.reshape(len(s), -1)), minlength=2 ** (L * L))
    lattices = states.configurations(L * L).reshape(-1, L, L)
    p = np.exp(states.log_boltzmann(K * ising.energy(lattices)))
    assert stats.chi_square_test(counts, p).p_value > 1e-3


@pytest.mark.parametrize("method", METHODS)
def test_energy_histogram_on_4x4_matches_the_density_of_states(method):
    K, n = KC, 20_000
    e_all, _ = exact.ising_enumeration(4)
    levels, degeneracy = np.unique(e_all, return_counts=True)
    log_w = np.log(degeneracy) - K * levels
    p = np.exp(log_w - np.logaddexp.reduce(log_w))
    s = mc.sample(4, K, n, method=method, seed=14, thin=3)
    observed = np.array([(ising.energy(s) == level).sum() for level in levels])
    assert stats.chi_square_test(observed, p).p_value > 1e-3


@pytest.mark.parametrize("method", ["exact", "metropolis"])
def test_ring_correlations_match_the_transfer_matrix(method):
    N, K = 12, 0.5
    s = mc.sample(N, K, 8000, dim=1, method=method, seed=15).astype(np.float64)
    for r in (1, 2, 4, 6):
        ok, detail = within(s[:, 0] * s[:, r], exact.ring_correlation(N, K, r))
        assert ok, (r, detail)


def test_exact_ring_samples_are_independent_and_exact():
    s = mc.sample(4, 0.7, 40_000, dim=1, seed=16)
    counts = np.bincount(states.state_index(s.reshape(len(s), -1)), minlength=16)
    p = np.exp(states.log_boltzmann(0.7 * ising.energy(states.configurations(4), dim=1)))
    assert stats.chi_square_test(counts, p).p_value > 1e-3


@pytest.mark.parametrize("method", [*METHODS, "exact-1d", "metropolis-1d"])
def test_same_seed_same_bytes(method):
    kwargs = {"dim": 1, "method": method.split("-")[0]} if method.endswith("1d") else {"method": method}
    a = mc.sample(6, 0.4, 50, seed=3, **kwargs)
    b = mc.sample(6, 0.4, 50, seed=3, **kwargs)
    c = mc.sample(6, 0.4, 50, seed=4, **kwargs)
    assert a.dtype == np.int8 and a.tobytes() == b.tobytes() and a.tobytes() != c.tobytes()


def test_cluster_and_heatbath_methods_handle_odd_and_tiny_lattices():
    for method in ("wolff", "swendsen-wang"):
        for L in (2, 3, 5):
            s = mc.sample(L, 0.5, 20, method=method, seed=1)
            assert s.shape == (20, L, L)
    for L in (2, 3, 5):
        s = mc.sample(L, 0.5, 20, method="heatbath", seed=1)
        assert s.shape == (20, L, L)


def test_info_reports_the_chosen_thinning():
    s, info = mc.sample_with_info(8, 0.35, 100, method="metropolis", seed=2)
    assert isinstance(s, np.ndarray) and s.shape == (100, 8, 8)
    assert info.method == "metropolis" and info.elapsed > 0
    assert info.thin >= 2 * info.tau_int and info.burn_in >= 100
    assert 0 < info.acceptance < 1
    assert info.tau_int_sweeps == info.tau_int and info.spins_per_update == 64
    _, fixed = mc.sample_with_info(8, 0.35, 10, method="wolff", seed=2, burn_in=7, thin=3)
    assert fixed.burn_in == 7 and fixed.thin == 3
    assert np.isnan(fixed.tau_int)  # both given: no pilot run, nothing measured


def test_sample_returns_only_the_array_and_equals_sample_with_info():
    s = mc.sample(6, 0.4, 20, method="heatbath", seed=9)
    t, _ = mc.sample_with_info(6, 0.4, 20, method="heatbath", seed=9)
    assert type(s) is np.ndarray and s.tobytes() == t.tobytes()


def test_results_are_frozen_dataclasses():
    _, info = mc.sample_with_info(4, 0.3, 5, seed=1)
    r = mc.measure(4, 0.3, 64, seed=1)
    a = mc.energy_autocorrelation(4, 0.3, method="heatbath", n_updates=200, seed=1)
    for result in (info, r, a):
        assert dataclasses.is_dataclass(result)
        with pytest.raises(dataclasses.FrozenInstanceError):
            result.elapsed = 0.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("L", "dim", "method"),
    [
        (8, 2, "metropolis"),
        (2, 2, "metropolis"),
        *[(5, 2, m) for m in ("heatbath", "wolff", "swendsen-wang")],
        (9, 1, "metropolis"),
        (9, 1, "exact"),
    ],
)
def test_recording_runs_exactly_the_production_kernel(L, dim, method):
    # The pilot measures tau with record(); samples come from run(). Same seed, same draws,
    # same configurations: the pilot measures the kernel that produces the samples.
    ran = mc.Chain(L, 0.4, dim=dim, method=method, seed=21)
    recorded = mc.Chain(L, 0.4, dim=dim, method=method, seed=21)
    ran.run(37)
    energies = recorded.record(37)
    assert ran.spins.tobytes() == recorded.spins.tobytes()
    assert (ran.updates, ran.changed) == (recorded.updates, recorded.changed)
    assert energies.shape == (37,) and energies.dtype == np.float64
    assert energies[-1] == ising.energy(recorded.spins[None], dim=dim)[0]


def test_recording_across_chunks_matches_one_recorded_run(monkeypatch):
    one = mc.Chain(4, 0.4, method="metropolis", seed=5).record(50)
    monkeypatch.setattr(mc, "_CHUNK_SITES", 16 * 7)  # 7 sweeps per numba call
    chunked = mc.Chain(4, 0.4, method="metropolis", seed=5).record(50)
    np.testing.assert_array_equal(one, chunked)


@pytest.mark.parametrize(("method", "max_bytes"), [("metropolis", 1.1), ("heatbath", 1.1), ("wolff", 5.1)])
def test_a_chain_allocates_only_the_work_arrays_its_rule_needs(method, max_bytes):
    # Spins take 1 byte per site; Wolff adds a stack of 4-byte indices. Metropolis and heat
    # bath need no work array at all (the old chain allocated 24 bytes per site for every method).
    L = 1024
    tracemalloc.start()
    try:
        chain = mc.Chain(L, 0.3, method=method, seed=0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak <= max_bytes * L * L
    assert np.all(np.abs(chain.spins) == 1)


def test_a_long_run_can_be_interrupted_between_chunks():
    chain = mc.Chain(256, 0.3, method="metropolis", seed=0)
    chain.run(1)  # compile outside the timed part
    timer = threading.Timer(0.3, _thread.interrupt_main)
    start = time.perf_counter()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            chain.run(10**9)  # hours of work in one call
    finally:
        timer.cancel()
        timer.join()
    assert time.perf_counter() - start < 10
    assert 1 < chain.updates < 10**9


def test_pilot_returns_tau_at_least_one_half_and_the_updates_it_ran():
    chain = mc.Chain(8, 0.3, method="wolff", seed=4)
    tau, ran = chain.pilot(min_updates=200, max_updates=1000)
    assert tau >= 0.5 and ran == chain.updates and 400 <= ran <= 1200


def test_wolff_spins_per_update_is_the_mean_cluster_size():
    chain = mc.Chain(16, KC, method="wolff", seed=3)
    assert chain.spins_per_update() == 0.0
    chain.run(500)
    assert chain.spins_per_update() == chain.changed / 500
    assert 1 <= chain.spins_per_update() <= 256
    assert mc.Chain(16, KC, method="heatbath").spins_per_update() == 256


def test_measure_agrees_with_kaufman_within_its_own_error_bars():
    L, K = 8, 0.35
    r = mc.measure(L, K, 4000, method="wolff", seed=6)
    assert abs(r.energy - exact.torus_energy(L, K)) <= 4 * r.energy_err
    assert abs(r.specific_heat - exact.torus_specific_heat(L, K)) <= 4 * r.specific_heat_err
    assert r.energy_err > 0 and r.specific_heat_err > 0 and r.abs_m_err > 0 and r.m2_err > 0


@pytest.mark.parametrize("n_samples", [0, 1, 63])
def test_measure_refuses_too_few_samples_naming_n_samples(n_samples):
    with pytest.raises(ValueError, match="n_samples"):
        mc.measure(4, 0.3, n_samples, seed=0)


def test_energy_autocorrelation_refuses_series_that_cannot_fit_in_memory():
    with pytest.raises(ValueError, match="n_updates must be at most"):
        mc.energy_autocorrelation(8, 0.3, method="wolff", n_updates=1 << 40)


def test_energy_autocorrelation_of_heatbath_is_reported_in_sweeps():
    a = mc.energy_autocorrelation(8, 0.3, method="heatbath", n_updates=4000, seed=2)
    assert a.tau >= 0.5 and a.tau_sweeps == a.tau and a.spins_per_update == 64
    assert a.n_updates == 4000 and 1 <= a.window < 4000


def test_progress_bar_is_quiet_when_rgbook_quiet_is_set(monkeypatch, capsys):
    monkeypatch.setenv("RGBOOK_QUIET", "1")
    mc.sample(4, 0.3, 5, seed=0)
    assert capsys.readouterr().err == ""
    with pytest.raises(TypeError, match="progress"):
        mc.sample(4, 0.3, 5, seed=0, progress="yes")


def test_low_temperature_sampling_does_not_overflow():
    s = mc.sample(8, 5.0, 10, method="heatbath", seed=5)
    assert np.all(np.abs(ising.magnetization(s)) == 1)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"L": 1, "K": 0.3, "n_samples": 5}, ValueError),
        ({"L": 4, "K": 0.3, "n_samples": 0}, ValueError),
        ({"L": 4, "K": float("nan"), "n_samples": 5}, ValueError),
        ({"L": 4, "K": -0.3, "n_samples": 5}, ValueError),
        ({"L": 4, "K": 0.3, "n_samples": 5, "method": "glauber"}, ValueError),
        ({"L": 4, "K": 0.3, "n_samples": 5, "method": "exact"}, ValueError),
        ({"L": 4, "K": 0.3, "n_samples": 5, "dim": 1, "method": "wolff"}, ValueError),
        ({"L": 4, "K": 0.3, "n_samples": 5, "dim": 3}, ValueError),
        ({"L": 4.0, "K": 0.3, "n_samples": 5}, TypeError),
        ({"L": 4, "K": "hot", "n_samples": 5}, TypeError),
        ({"L": 4, "K": 0.3, "n_samples": 5, "thin": 0}, ValueError),
        ({"L": 4, "K": 0.3, "n_samples": 5, "method": 3}, TypeError),
        ({"L": 4, "K": 0.3, "n_samples": 5, "seed": -1}, ValueError),
        ({"L": 4, "K": 0.3, "n_samples": 5, "burn_in": -1}, ValueError),
        ({"L": 1 << 15, "K": 0.3, "n_samples": 5}, ValueError),
    ],
)
def test_sample_refuses_bad_input(kwargs, error):
    with pytest.raises(error):
        mc.sample(**kwargs)


def test_chain_refuses_odd_l_for_checkerboard_metropolis():
    with pytest.raises(ValueError, match="even L"):
        mc.Chain(5, 0.3, method="metropolis")
    with pytest.raises(ValueError, match="for dim=1"):
        mc.Chain(5, 0.3, dim=1, method="heatbath")


@pytest.mark.parametrize("method", METHODS)
def test_independent_chains_in_threads_sample_the_torus(method):
    # Two chains on two threads; the histogram of the 3×3 (4×4 for metropolis) torus energy
    # must be Boltzmann's, and the samples must not depend on thread timing.
    L = 4 if method == "metropolis" else 3
    K, n = 0.4, 12_000
    s = mc.sample(L, K, n, method=method, seed=31, n_chains=2)
    again = mc.sample(L, K, n, method=method, seed=31, n_chains=2)
    assert s.shape == (n, L, L) and s.tobytes() == again.tobytes()
    assert s.tobytes() != mc.sample(L, K, n, method=method, seed=31).tobytes()
    lattices = states.configurations(L * L).reshape(-1, L, L)
    energies = ising.energy(lattices)
    levels, inverse = np.unique(energies, return_inverse=True)
    p = np.bincount(inverse, weights=np.exp(states.log_boltzmann(K * energies)))
    observed = np.array([(ising.energy(s) == level).sum() for level in levels])
    assert stats.chi_square_test(observed, p).p_value > 1e-3


def test_each_chain_draws_its_contiguous_share_from_its_own_spawned_generator():
    s, info = mc.sample_with_info(6, 0.3, 7, method="wolff", seed=5, n_chains=3, burn_in=10, thin=2)
    children = np.random.default_rng(5).spawn(3)
    first = mc.sample(6, 0.3, 3, method="wolff", seed=children[0], burn_in=10, thin=2)
    last = mc.sample(6, 0.3, 2, method="wolff", seed=children[2], burn_in=10, thin=2)
    assert s[:3].tobytes() == first.tobytes() and s[5:].tobytes() == last.tobytes()
    assert (info.burn_in, info.thin) == (10, 2)


def test_more_chains_than_samples_is_refused():
    with pytest.raises(ValueError, match="n_chains"):
        mc.sample(4, 0.3, 2, n_chains=3)
    with pytest.raises(ValueError, match="n_chains"):
        mc.sample(4, 0.3, 2, n_chains=0)
