"""xoshiro256+ in numba: the generator inside the Monte Carlo kernels.

Why not numpy's generator: calling it per spin from numba costs 9-11 ns per site, four times
the whole Metropolis update. xoshiro256+ (Blackman & Vigna 2018) costs about a nanosecond,
has period 2^256 - 1, and its upper 53 bits, the only ones used here (as a float in [0, 1)),
pass BigCrush; only its lowest bits have linear artefacts. The kernels' statistical tests
(exact Boltzmann histograms, energies against Kaufman's formula) check it in use.

State is four uint64 words in a numpy array, seeded by splitmix64 from numpy's SeedSequence,
so that every stream flows from the user's seed.
"""

from __future__ import annotations

import numpy as np
from numba import njit, uint64

_INV_2_53 = 1.0 / 9007199254740992.0


@njit(inline="always")
def _rotl(x, k):
    return (x << uint64(k)) | (x >> uint64(64 - k))


@njit(inline="always")
def step(s0, s1, s2, s3):
    """One xoshiro256+ step on a state held in four local variables (kept in registers by
    the hot loops); returns the top 53 bits as an integer and the new state."""
    r = (s0 + s3) >> uint64(11)
    t = s1 << uint64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, 45)
    return r, s0, s1, s2, s3


@njit(inline="always")
def next_double(s):
    """Advance the state array ``s`` (uint64, shape (4,)) and return a float in [0, 1)."""
    result = s[0] + s[3]
    t = s[1] << uint64(17)
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = _rotl(s[3], 45)
    return float(result >> uint64(11)) * _INV_2_53


def make_state(rng: np.random.Generator) -> np.ndarray:
    """A fresh xoshiro256+ state (uint64, shape (4,)) drawn from a numpy Generator."""
    state = rng.integers(0, np.iinfo(np.uint64).max, size=4, dtype=np.uint64, endpoint=True)
    if not state.any():  # the all-zero state is the one fixed point
        state[0] = 1
    return state
