"""Restricted Boltzmann machines with spin (±1) or binary (0/1) units.

The energy of a visible state ``v`` and a hidden state ``h`` is

.. math:: E(v, h) = -a \\cdot v - b \\cdot h - v^\\top W h,

and the model's distribution is :math:`p(v, h) = e^{-E(v, h)} / Z`. All methods are batched
over the first axis and take states in the model's own encoding. Sums over the states of a
layer are done in log space (softplus, log-sum-exp), so nothing overflows for weights of any
size that float64 can hold.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, logsumexp

from ._validate import (
    check_finite_array,
    check_int,
    check_real,
    check_states,
    check_units,
    rng_from,
)
from .exact import configurations

#: The largest layer :meth:`RBM.log_partition` enumerates.
MAX_EXACT_UNITS = 20

# States enumerated per block in log_partition, so memory stays bounded for wide layers.
_BLOCK = 1 << 14


def to_binary(spins: np.ndarray) -> np.ndarray:
    """Map spin states ±1 to binary states 0/1 (``x = (s + 1) / 2``), keeping int8."""
    s = np.asarray(spins)
    if s.dtype.kind not in "biuf" or not np.all(np.abs(s) == 1):
        raise ValueError("spins must hold only -1 and 1")
    return ((s + 1) // 2).astype(np.int8)


def to_spin(bits: np.ndarray) -> np.ndarray:
    """Map binary states 0/1 to spin states ±1 (``s = 2x - 1``), keeping int8."""
    x = np.asarray(bits)
    if x.dtype.kind not in "biuf" or not np.all((x == 0) | (x == 1)):
        raise ValueError("bits must hold only 0 and 1")
    return (2 * x - 1).astype(np.int8)


def _log_two_cosh(x: np.ndarray) -> np.ndarray:
    # ln(e^x + e^-x) without overflow for large |x|.
    return np.logaddexp(x, -x)


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, x)


class RBM:
    """A restricted Boltzmann machine.

    Parameters
    ----------
    n_visible, n_hidden : int
        Layer widths, at least 1.
    units : {"spin", "binary"}
        Encoding of both layers: ``"spin"`` for ±1, ``"binary"`` for 0/1.
    seed : int, numpy Generator or None
        Draws the initial weights.
    weight_scale : float
        Standard deviation of the initial Gaussian weights (0.01, after Hinton's practical
        guide); the biases start at zero.

    The parameters are the public, settable arrays :attr:`W`, :attr:`a` and :attr:`b`;
    assigning one checks its shape and that it is finite.

    Examples
    --------
    >>> rbm = RBM(4, 2, seed=0)
    >>> v = np.array([[1, -1, 1, 1]], dtype=np.int8)
    >>> bool(np.isfinite(rbm.log_prob(v)[0]))
    True
    """

    def __init__(
        self,
        n_visible: int,
        n_hidden: int,
        *,
        units: str = "spin",
        seed: int | np.random.Generator | None = None,
        weight_scale: float = 0.01,
    ) -> None:
        self.n_visible = check_int(n_visible, "n_visible", minimum=1)
        self.n_hidden = check_int(n_hidden, "n_hidden", minimum=1)
        self.units = check_units(units)
        scale = check_real(weight_scale, "weight_scale")
        if scale < 0:
            raise ValueError(f"weight_scale must be non-negative; got {scale}")
        rng = rng_from(seed)
        self.W = scale * rng.standard_normal((self.n_visible, self.n_hidden))
        self.a = np.zeros(self.n_visible)
        self.b = np.zeros(self.n_hidden)

    # Parameters are public and settable; the setters keep them valid.
    @property
    def W(self) -> np.ndarray:
        """Couplings, float64 array of shape (n_visible, n_hidden)."""
        return self._W

    @W.setter
    def W(self, value: np.ndarray) -> None:
        self._W = check_finite_array(value, "W", (self.n_visible, self.n_hidden))

    @property
    def a(self) -> np.ndarray:
        """Visible biases (fields), float64 array of shape (n_visible,)."""
        return self._a

    @a.setter
    def a(self, value: np.ndarray) -> None:
        self._a = check_finite_array(value, "a", (self.n_visible,))

    @property
    def b(self) -> np.ndarray:
        """Hidden biases (fields), float64 array of shape (n_hidden,)."""
        return self._b

    @b.setter
    def b(self, value: np.ndarray) -> None:
        self._b = check_finite_array(value, "b", (self.n_hidden,))

    def __repr__(self) -> str:
        return f"RBM(n_visible={self.n_visible}, n_hidden={self.n_hidden}, units={self.units!r})"

    @classmethod
    def from_parameters(
        cls, W: np.ndarray, a: np.ndarray | None = None, b: np.ndarray | None = None, *, units: str = "spin"
    ) -> RBM:
        """Build an RBM with the given couplings and biases (zero biases where omitted)."""
        W = np.asarray(W)
        if W.ndim != 2:
            raise ValueError(f"W must be a 2-D array (n_visible, n_hidden); got shape {W.shape}")
        rbm = cls(W.shape[0], W.shape[1], units=units, weight_scale=0.0)
        rbm.W = W
        if a is not None:
            rbm.a = a
        if b is not None:
            rbm.b = b
        return rbm

    def copy(self) -> RBM:
        """A deep copy."""
        return RBM.from_parameters(self.W.copy(), self.a.copy(), self.b.copy(), units=self.units)

    # ----------------------------------------------------------------------------- energies
    def _visible(self, v: np.ndarray) -> tuple[np.ndarray, bool]:
        return check_states(v, "v", self.n_visible, self.units)

    def _hidden(self, h: np.ndarray) -> tuple[np.ndarray, bool]:
        return check_states(h, "h", self.n_hidden, self.units)

    def _log_sum_unit(self, x: np.ndarray) -> np.ndarray:
        # ln Σ_{s} e^{s x} over the two states of one unit.
        return _log_two_cosh(x) if self.units == "spin" else _softplus(x)

    def energy(self, v: np.ndarray, h: np.ndarray) -> np.ndarray:
        """Energy E(v, h) of paired states.

        Parameters
        ----------
        v : array, shape (n, n_visible) or (n_visible,)
        h : array, shape (n, n_hidden) or (n_hidden,)

        Returns
        -------
        ndarray of float64, shape (n,) (a scalar for single states)
        """
        v2, single_v = self._visible(v)
        h2, single_h = self._hidden(h)
        if v2.shape[0] != h2.shape[0]:
            raise ValueError(f"v and h must hold the same number of states; got {v2.shape[0]} and {h2.shape[0]}")
        v2 = v2.astype(np.float64)
        h2 = h2.astype(np.float64)
        e = -(v2 @ self.a) - (h2 @ self.b) - np.einsum("ni,ij,nj->n", v2, self.W, h2)
        return e[0] if single_v and single_h else e

    def free_energy(self, v: np.ndarray) -> np.ndarray:
        """Visible free energy :math:`H^{RBM}(v) = -\\ln \\sum_h e^{-E(v, h)}`.

        Then :math:`p(v) = e^{-H^{RBM}(v)} / Z`.

        Parameters
        ----------
        v : array, shape (n, n_visible) or (n_visible,)

        Returns
        -------
        ndarray of float64, shape (n,) (a scalar for a single state)
        """
        v2, single = self._visible(v)
        f = self._free_energy(v2.astype(np.float64))
        return f[0] if single else f

    def _free_energy(self, v: np.ndarray) -> np.ndarray:
        return -(v @ self.a) - self._log_sum_unit(v @ self.W + self.b).sum(axis=1)

    def hidden_free_energy(self, h: np.ndarray) -> np.ndarray:
        """Hidden free energy :math:`H^{RBM}(h) = -\\ln \\sum_v e^{-E(v, h)}`.

        Then :math:`p(h) = e^{-H^{RBM}(h)} / Z`.

        Parameters
        ----------
        h : array, shape (n, n_hidden) or (n_hidden,)

        Returns
        -------
        ndarray of float64, shape (n,) (a scalar for a single state)
        """
        h2, single = self._hidden(h)
        f = self._hidden_free_energy(h2.astype(np.float64))
        return f[0] if single else f

    def _hidden_free_energy(self, h: np.ndarray) -> np.ndarray:
        return -(h @ self.b) - self._log_sum_unit(h @ self.W.T + self.a).sum(axis=1)

    def log_partition(self) -> float:
        """Exact :math:`\\ln Z`, by enumerating the smaller layer.

        Raises
        ------
        ValueError
            If both layers have more than 20 units.
        """
        n_small = min(self.n_visible, self.n_hidden)
        if n_small > MAX_EXACT_UNITS:
            raise ValueError(
                f"log_partition enumerates the smaller layer, which must have at most "
                f"{MAX_EXACT_UNITS} units; this RBM has {self.n_visible} visible and {self.n_hidden} hidden"
            )
        f = self._free_energy if self.n_visible <= self.n_hidden else self._hidden_free_energy
        states = configurations(n_small, self.units).astype(np.float64)
        blocks = [-f(states[i : i + _BLOCK]) for i in range(0, len(states), _BLOCK)]
        return float(logsumexp(np.concatenate(blocks)))

    def log_prob(self, v: np.ndarray) -> np.ndarray:
        """Exact :math:`\\ln p(v)` of visible states (needs :meth:`log_partition`)."""
        return -self.free_energy(v) - self.log_partition()

    def hidden_log_prob(self, h: np.ndarray) -> np.ndarray:
        """Exact :math:`\\ln p(h)` of hidden states (needs :meth:`log_partition`)."""
        return -self.hidden_free_energy(h) - self.log_partition()

    def conditional_log_prob(self, h: np.ndarray, v: np.ndarray) -> np.ndarray:
        """:math:`\\ln p(h \\mid v)` of paired states, shape (n,)."""
        v2, single_v = self._visible(v)
        h2, single_h = self._hidden(h)
        if v2.shape[0] != h2.shape[0]:
            raise ValueError(f"v and h must hold the same number of states; got {v2.shape[0]} and {h2.shape[0]}")
        x = v2.astype(np.float64) @ self.W + self.b
        out = (h2 * x - self._log_sum_unit(x)).sum(axis=1)
        return out[0] if single_v and single_h else out

    def log_likelihood_gradient(self, v: np.ndarray, weights: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Exact gradient of the mean log-likelihood :math:`\\langle \\ln p(v) \\rangle_{data}`.

        .. math:: \\frac{\\partial \\langle \\ln p \\rangle}{\\partial W_{ij}}
                  = \\langle v_i h_j \\rangle_{data} - \\langle v_i h_j \\rangle_{model},

        and likewise :math:`\\langle v_i\\rangle` for ``a`` and :math:`\\langle h_j\\rangle` for ``b``,
        with hidden units replaced by their conditional means on the data side. The model side is
        enumerated over the smaller layer.

        Parameters
        ----------
        v : array, shape (n, n_visible)
            Data states.
        weights : array of float, shape (n,), optional
            Non-negative weights of the states (e.g. exact probabilities); uniform if omitted.

        Returns
        -------
        dict with keys ``"W"``, ``"a"``, ``"b"``
            Arrays of the parameters' shapes.
        """
        v2, _ = self._visible(v)
        if weights is None:
            w = np.full(len(v2), 1.0 / len(v2))
        else:
            w = np.asarray(weights, dtype=np.float64)
            if w.shape != (len(v2),) or np.any(w < 0) or not np.all(np.isfinite(w)) or w.sum() <= 0:
                raise ValueError(f"weights must be {len(v2)} finite non-negative numbers with a positive sum")
            w = w / w.sum()
        vf = v2.astype(np.float64)
        mh = self._mean(vf @ self.W + self.b)
        data = {"W": vf.T @ (w[:, None] * mh), "a": w @ vf, "b": w @ mh}
        log_z = self.log_partition()
        if self.n_visible <= self.n_hidden:
            vs = configurations(self.n_visible, self.units).astype(np.float64)
            p = np.exp(-self._free_energy(vs) - log_z)
            mh = self._mean(vs @ self.W + self.b)
            model = {"W": vs.T @ (p[:, None] * mh), "a": p @ vs, "b": p @ mh}
        else:
            hs = configurations(self.n_hidden, self.units).astype(np.float64)
            p = np.exp(-self._hidden_free_energy(hs) - log_z)
            mv = self._mean(hs @ self.W.T + self.a)
            model = {"W": (p[:, None] * mv).T @ hs, "a": p @ mv, "b": p @ hs}
        return {key: data[key] - model[key] for key in ("W", "a", "b")}

    # ------------------------------------------------------------------ conditionals, sampling
    def _mean(self, x: np.ndarray) -> np.ndarray:
        return np.tanh(x) if self.units == "spin" else expit(x)

    def hidden_mean(self, v: np.ndarray) -> np.ndarray:
        """Conditional means of the hidden units given ``v``.

        :math:`E[h_j \\mid v] = \\tanh(b_j + (vW)_j)` for spin units and
        :math:`P(h_j = 1 \\mid v) = \\sigma(b_j + (vW)_j)` for binary units.

        Returns
        -------
        ndarray of float64, shape (n, n_hidden)
        """
        v2, single = self._visible(v)
        m = self._mean(v2.astype(np.float64) @ self.W + self.b)
        return m[0] if single else m

    def visible_mean(self, h: np.ndarray) -> np.ndarray:
        """Conditional means of the visible units given ``h`` (see :meth:`hidden_mean`)."""
        h2, single = self._hidden(h)
        m = self._mean(h2.astype(np.float64) @ self.W.T + self.a)
        return m[0] if single else m

    def _draw(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        # P(unit = +1) is sigmoid(2x) for spins and P(unit = 1) = sigmoid(x) for bits.
        if self.units == "spin":
            return np.where(rng.random(x.shape) < expit(2.0 * x), 1, -1).astype(np.int8)
        return (rng.random(x.shape) < expit(x)).astype(np.int8)

    def sample_hidden(self, v: np.ndarray, seed: int | np.random.Generator | None = None) -> np.ndarray:
        """Draw ``h ~ p(h | v)``; int8, shape (n, n_hidden)."""
        v2, _ = self._visible(v)
        return self._draw(v2.astype(np.float64) @ self.W + self.b, rng_from(seed))

    def sample_visible(self, h: np.ndarray, seed: int | np.random.Generator | None = None) -> np.ndarray:
        """Draw ``v ~ p(v | h)``; int8, shape (n, n_visible)."""
        h2, _ = self._hidden(h)
        return self._draw(h2.astype(np.float64) @ self.W.T + self.a, rng_from(seed))

    def gibbs(
        self, v: np.ndarray, steps: int = 1, seed: int | np.random.Generator | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Run ``steps`` rounds of block Gibbs sampling v → h → v from the states ``v``.

        Returns
        -------
        v, h : ndarray of int8, shapes (n, n_visible) and (n, n_hidden)
            The final visible states and the hidden states they were drawn from.
        """
        steps = check_int(steps, "steps", minimum=1)
        rng = rng_from(seed)
        v2, _ = self._visible(v)
        for _ in range(steps):
            h2 = self.sample_hidden(v2, rng)
            v2 = self.sample_visible(h2, rng)
        return v2, h2

    def sample(self, n_samples: int, *, steps: int = 1000, seed: int | np.random.Generator | None = None) -> np.ndarray:
        """Draw visible samples from ``n_samples`` independent Gibbs chains.

        Each chain starts from uniformly random visible states and runs ``steps`` rounds.

        Returns
        -------
        ndarray of int8, shape (n_samples, n_visible)
        """
        n_samples = check_int(n_samples, "n_samples", minimum=1)
        rng = rng_from(seed)
        v0 = rng.integers(0, 2, size=(n_samples, self.n_visible), dtype=np.int8)
        if self.units == "spin":
            v0 = (2 * v0 - 1).astype(np.int8)
        return self.gibbs(v0, steps, rng)[0]


def convert_units(rbm: RBM, units: str) -> RBM:
    """The same distribution written in the other encoding.

    With :math:`s = 2x - 1` on both layers, a spin RBM :math:`(W, a, b)` and the binary RBM

    .. math:: W' = 4W,\\quad a' = 2a - 2W\\mathbf{1},\\quad b' = 2b - 2W^\\top\\mathbf{1}

    have energies that differ by the constant :math:`\\sum_i a_i + \\sum_j b_j - \\sum_{ij} W_{ij}`,
    so :math:`p(v, h)` is the same. The inverse map is applied for binary → spin.

    Parameters
    ----------
    rbm : RBM
    units : {"spin", "binary"}
        The target encoding; the RBM is copied if it already uses it.

    Returns
    -------
    RBM
    """
    if not isinstance(rbm, RBM):
        raise TypeError(f"rbm must be an RBM; got {type(rbm).__name__}")
    units = check_units(units)
    if units == rbm.units:
        return rbm.copy()
    W, a, b = rbm.W, rbm.a, rbm.b
    if units == "binary":
        return RBM.from_parameters(4 * W, 2 * a - 2 * W.sum(axis=1), 2 * b - 2 * W.sum(axis=0), units="binary")
    return RBM.from_parameters(W / 4, a / 2 + W.sum(axis=1) / 4, b / 2 + W.sum(axis=0) / 4, units="spin")
