"""rgkit: the helper package of the book *Deep learning and the renormalization group*.

Modules
-------
ising
    Observables of the Ising model (energy, magnetisation, correlation length).
exact
    Exact results: enumeration, the ring, Onsager, Kaufman's finite torus.
mc
    Monte Carlo samplers (numba): Metropolis, heat bath, Wolff, Swendsen–Wang, exact 1D.
stats
    Autocorrelation times and error bars.
data
    Datasets cached on disk.
rg
    Majority-rule block spins; the geometry of receptive fields.
rbm
    Restricted Boltzmann machines with spin or binary units.
vrg
    The variational renormalization group and the Mehta–Schwab mapping, by enumeration.
plot
    Figure conventions.
profiles
    Named run sizes for the chapters.
"""

__version__ = "0.1.0"

from . import data, exact, ising, mc, plot, profiles, rbm, rg, stats, vrg

__all__ = ["data", "exact", "ising", "mc", "plot", "profiles", "rbm", "rg", "stats", "vrg"]
