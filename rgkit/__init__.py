"""rgkit: the helper package of the book *Deep learning and the renormalization group*.

Modules, from the bottom layer up (a module imports only from layers below it; the test
``tests/test_layering.py`` enforces it):

states
    Enumeration of small two-valued systems: states, Boltzmann weights, KL divergences.
ising, exact, hamiltonian
    The Ising model: observables; exact results (ring, Onsager, Kaufman's torus); spin
    Hamiltonians as tables of multi-spin couplings.
mc, stats
    Monte Carlo sampling of the Ising model (one ``Chain``, one update rule per method);
    autocorrelation times and error bars.
rg, mcrg
    Hand-made coarse-graining: majority-rule block spins, decimation, Migdal–Kadanoff;
    Monte Carlo RG: Swendsen's estimator of RG eigenvalues from samples and a
    coarse-graining map.
rbm
    Restricted Boltzmann machines and deep belief networks (knows nothing of Ising).
vrg, compare
    The variational RG and the Mehta–Schwab mapping, by enumeration; learned maps held
    against hand-made RG.
data
    Datasets and trained models cached on disk.
plot
    The book's figures.
schematics
    Schematic drawings of the networks: the RBM, the DBN stack, decimation, the mapping.
profiles
    Named run sizes for the chapters.
sweep
    A function over a grid of parameters through any executor (local processes, Dask),
    each point cached so that a rerun resumes.
iterated
    One RBM iterated on its own reconstructions (Iso, Shiba & Yokoo), read with the exact
    thermometer.
learned
    Trained networks as coarse-graining maps, measured with the Monte Carlo RG estimators
    beside hand-made maps: the sweeps and the verdict table of the [dbn-rg] chapter.
rsmi
    Real-space mutual information I(H:E) between a block's coarse variable and its
    environment, exact on the ring; the RSMI-optimal filter.
"""

__version__ = "0.2.0"

from . import _numba_cache

_numba_cache.configure()  # before any kernel is defined: numba reads the folder at decoration

from . import (  # noqa: E402
    compare,
    data,
    exact,
    hamiltonian,
    ising,
    iterated,
    learned,
    mc,
    mcrg,
    plot,
    profiles,
    rbm,
    rg,
    rsmi,
    schematics,
    states,
    stats,
    sweep,
    vrg,
)

__all__ = [
    "compare",
    "data",
    "exact",
    "hamiltonian",
    "ising",
    "iterated",
    "learned",
    "mc",
    "mcrg",
    "plot",
    "profiles",
    "rbm",
    "rg",
    "rsmi",
    "schematics",
    "states",
    "stats",
    "sweep",
    "vrg",
]
