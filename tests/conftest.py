import numpy as np
import pytest
from scipy.special import logsumexp

from rgkit.rbm import RBM
from rgkit.states import configurations


def random_rbm(n_visible: int, n_hidden: int, *, units: str = "spin", seed: int = 0, scale: float = 1.0) -> RBM:
    """An RBM with Gaussian weights and biases of the given scale."""
    rng = np.random.default_rng(seed)
    return RBM.from_parameters(
        scale * rng.standard_normal((n_visible, n_hidden)),
        scale * rng.standard_normal(n_visible),
        scale * rng.standard_normal(n_hidden),
        units=units,
    )


def joint_minus_energy(rbm: RBM) -> np.ndarray:
    """-E(v, h) for every pair, from the energy method (the brute-force route)."""
    vs = configurations(rbm.n_visible, rbm.units)
    hs = configurations(rbm.n_hidden, rbm.units)
    v = np.repeat(vs, len(hs), axis=0)
    h = np.tile(hs, (len(vs), 1))
    return -rbm.energy(v, h).reshape(len(vs), len(hs))


def brute_log_partition(rbm: RBM) -> float:
    return float(logsumexp(joint_minus_energy(rbm)))


@pytest.fixture(params=["spin", "binary"])
def units(request):
    return request.param
