"""rgkit: the helper package of the book *Deep learning and the renormalization group*.

Modules
-------
exact
    Exact results by enumeration.
rbm
    Restricted Boltzmann machines with spin or binary units.
vrg
    The variational renormalization group and the Mehta–Schwab mapping, by enumeration.
plot
    Figure conventions.
profiles
    Named run sizes for the chapters.
"""

from . import exact, plot, profiles, rbm, vrg

__all__ = ["exact", "plot", "profiles", "rbm", "vrg"]
__version__ = "0.1.0"
