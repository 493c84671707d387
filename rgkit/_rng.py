"""xoshiro256+ in numba: the generator inside the Monte Carlo and RBM sampling kernels.

Why not numpy's generator: calling it per spin from numba costs 9-11 ns per site, four times
the whole Metropolis update. xoshiro256+ (Blackman & Vigna 2018) costs about a nanosecond,
has period 2^256 - 1, and its upper 53 bits, the only ones used here (as a float in [0, 1)),
pass BigCrush; only its lowest bits have linear artefacts. The kernels' statistical tests
(exact Boltzmann histograms, energies against Kaufman's formula, chi-square tests of the RBM
samplers) check it in use.

One seeding scheme serves every kernel. A stream is named by a 64-bit ``base`` and an
``index``: its four state words are the next four outputs of splitmix64 started at
``base + 4 * index * golden`` (:func:`stream_state`), as Vigna recommends for seeding xoshiro.
The stride of four outputs gives every stream of a base its own splitmix64 outputs (stream
``i + 1`` does not reuse three of the words of stream ``i``).
The base is one ``uint64`` drawn from the caller's numpy Generator, so every stream flows
from the user's seed:

- a Monte Carlo chain takes stream 0 of its base (:func:`make_state`);
- the RBM sampling kernel gives row ``i`` of a batch stream ``i`` of one base per call.

splitmix64 is a bijection of its 64-bit counter, so at most one of the four words can be
zero and the state is never the all-zero fixed point of xoshiro.

References
----------
D. Blackman and S. Vigna, "Scrambled linear pseudorandom number generators",
ACM Trans. Math. Softw. 47, 36 (2021); https://prng.di.unimi.it/splitmix64.c.
"""

from __future__ import annotations

import numpy as np
from numba import njit, uint64

_INV_2_53 = 1.0 / 9007199254740992.0
#: splitmix64's increment, 2^64 / golden ratio (odd); also the stride between streams.
GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


@njit(inline="always")
def _rotl(x, k):
    return (x << uint64(k)) | (x >> uint64(64 - k))


@njit(inline="always")
def splitmix64(z):
    """One splitmix64 step: advance the counter ``z`` (uint64) and return (output, new counter)."""
    z = z + GOLDEN
    x = (z ^ (z >> uint64(30))) * _MIX1
    x = (x ^ (x >> uint64(27))) * _MIX2
    return x ^ (x >> uint64(31)), z


@njit(inline="always")
def stream_state(base, index):
    """The xoshiro256+ state of stream ``index`` of ``base``: four splitmix64 outputs from
    ``base + 4 * index * golden`` (all uint64 arithmetic, modulo 2^64)."""
    z = uint64(base) + uint64(4) * uint64(index) * GOLDEN
    s0, z = splitmix64(z)
    s1, z = splitmix64(z)
    s2, z = splitmix64(z)
    s3, z = splitmix64(z)
    return s0, s1, s2, s3


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


def draw_base(rng: np.random.Generator) -> np.uint64:
    """One uint64 from a numpy Generator: the base of a family of streams."""
    return rng.integers(0, np.iinfo(np.uint64).max, dtype=np.uint64, endpoint=True)


def make_state(rng: np.random.Generator) -> np.ndarray:
    """A fresh xoshiro256+ state (uint64, shape (4,)): stream 0 of a base drawn from ``rng``."""
    return np.array(stream_state(draw_base(rng), np.uint64(0)), dtype=np.uint64)
