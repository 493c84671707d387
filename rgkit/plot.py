"""Figure conventions of the book: opaque backgrounds, colour-blind-safe maps, plain spins."""

from __future__ import annotations

import matplotlib as mpl

#: Diverging map for weights, centred on zero (use with a symmetric ``vmin``/``vmax``).
WEIGHTS_CMAP = "RdBu_r"
#: Sequential map for everything else.
SEQUENTIAL_CMAP = "viridis"


def use_book_style() -> None:
    """Set matplotlib defaults for the book's figures.

    Figures get an opaque white background (they stay readable in the theme's dark mode),
    a readable font size and the viridis colour map.
    """
    mpl.rcParams.update(
        {
            "figure.facecolor": "white",
            "axes.facecolor": "white",
            "savefig.facecolor": "white",
            "savefig.transparent": False,
            "figure.dpi": 100,
            "font.size": 11,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "image.cmap": SEQUENTIAL_CMAP,
            "figure.constrained_layout.use": True,
        }
    )
