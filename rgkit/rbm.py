"""Restricted Boltzmann machines with spin (±1) or binary (0/1) units.

The energy of a visible state ``v`` and a hidden state ``h`` is

.. math:: E(v, h) = -a \\cdot v - b \\cdot h - v^\\top W h,

and the model's distribution is :math:`p(v, h) = e^{-E(v, h)} / Z`. All methods are batched
over the first axis and take states in the model's own encoding. Sums over the states of a
unit are done in log space (:func:`rgkit.states.log_sum_units`), so nothing overflows for
weights of any size that float64 can hold.

Every draw, in training and in the public samplers, goes through one numba kernel
(``rgkit._train._fill_layer``, behind ``layer_sample`` and ``cd_step``), so the sampler the
tests check is the one training uses.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.special import logsumexp

from . import _io, _progress, _train
from ._validate import (
    check_choice,
    check_finite_array,
    check_int,
    check_real,
    check_states,
    check_unit_values,
    check_units,
    rng_from,
)
from .states import configurations, kl_divergence, log_sum_units

#: The largest layer :meth:`RBM.log_partition` enumerates.
MAX_EXACT_UNITS = 20

# States enumerated per block in log_partition, so memory stays bounded for wide layers.
_BLOCK = 1 << 14

# Quantities fit() records for every epoch (the callback's values go to "callback").
_HISTORY_KEYS = ("epoch", "reconstruction_error", "pseudo_log_likelihood", "log_likelihood", "seconds")


def _read_only(array: np.ndarray) -> np.ndarray:
    view = array.view()
    view.flags.writeable = False
    return view


@dataclass(frozen=True)
class Gradient:
    """A gradient of the mean log-likelihood with respect to the RBM's parameters.

    Attributes
    ----------
    W : ndarray of float, shape (n_visible, n_hidden)
    a : ndarray of float, shape (n_visible,)
    b : ndarray of float, shape (n_hidden,)
    """

    W: np.ndarray
    a: np.ndarray
    b: np.ndarray


@dataclass(frozen=True)
class CDGradient(Gradient):
    """A contrastive-divergence estimate of the gradient, with the chains it ended in.

    Attributes
    ----------
    chains : ndarray, shape (n_chains, n_visible)
        The final visible states of the negative phase (to continue persistent chains).
    """

    chains: np.ndarray


def _check_bool(value: object, name: str) -> bool:
    # bool("False") is True: a string or a number here is a mistake, not a flag.
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False; got {type(value).__name__}")
    return bool(value)


@dataclass(frozen=True)
class _FitSettings:
    """The hyperparameters of one :meth:`RBM.fit` call, checked once."""

    epochs: int
    batch_size: int
    learning_rate: float
    k: int
    persistent: bool
    l1: float
    l2: float
    momentum: tuple[float, float, int]  # (initial, final, switch_epoch)
    precision: str  # "float32" or "float64", after "auto" is resolved
    monitor_size: int
    n_samples: int
    negative_visible: str = "sample"  # "sample" or "mean" (rbm.m's CD-1)

    @classmethod
    def check(cls, rbm: RBM, n_samples: int, **kw) -> _FitSettings:
        lr = kw["learning_rate"]
        lr = rbm.default_learning_rate() if lr is None else check_real(lr, "learning_rate")
        if lr <= 0:
            raise ValueError(f"learning_rate must be positive; got {lr}")
        l1, l2 = check_real(kw["l1"], "l1"), check_real(kw["l2"], "l2")
        if l1 < 0 or l2 < 0:
            raise ValueError(f"l1 and l2 must be non-negative; got {l1}, {l2}")
        precision = check_choice(kw["precision"], "precision", ("auto", "float32", "float64"))
        negative_visible = check_choice(kw["negative_visible"], "negative_visible", ("sample", "mean"))
        if negative_visible == "mean" and kw["persistent"]:
            raise ValueError("negative_visible='mean' is a CD option; persistent chains must hold states")
        if precision == "auto":  # float32 once the products dominate (≳ 1e8 multiply-adds an epoch)
            precision = "float32" if rbm.n_visible * rbm.n_hidden * n_samples >= 1 << 27 else "float64"
        return cls(
            epochs=check_int(kw["epochs"], "epochs", minimum=1),
            batch_size=check_int(kw["batch_size"], "batch_size", minimum=1),
            learning_rate=lr,
            k=check_int(kw["k"], "k", minimum=1),
            persistent=_check_bool(kw["persistent"], "persistent"),
            l1=l1,
            l2=l2,
            momentum=_train.check_momentum(kw["momentum"]),
            precision=precision,
            monitor_size=check_int(kw["monitor_size"], "monitor_size", minimum=1),
            n_samples=n_samples,
            negative_visible=negative_visible,
        )

    @property
    def dtype(self) -> type:
        return np.float32 if self.precision == "float32" else np.float64

    def momentum_at(self, epoch: int) -> float:
        """The momentum of the 1-based ``epoch`` of this call."""
        initial, final, switch = self.momentum
        return initial if epoch <= switch else final

    def record(self) -> dict:
        """The JSON-friendly record kept in :attr:`RBM.hyperparameters`."""
        names = ("epochs", "batch_size", "learning_rate", "k", "persistent", "l1", "l2", "negative_visible")
        record = {name: getattr(self, name) for name in names}
        record.update(momentum=list(self.momentum), precision=self.precision, n_samples=self.n_samples)
        return record


@dataclass
class _Working:
    """The parameters being trained, in the training precision, their velocities and PCD chains."""

    W: np.ndarray
    a: np.ndarray
    b: np.ndarray
    vW: np.ndarray
    va: np.ndarray
    vb: np.ndarray
    chains: np.ndarray | None
    buffers: _train.CDWorkspace

    def finite(self) -> bool:
        return bool(np.all(np.isfinite(self.W)) and np.all(np.isfinite(self.a)) and np.all(np.isfinite(self.b)))


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

    The parameters are the public arrays :attr:`W`, :attr:`a` and :attr:`b`. Reading one gives
    a read-only view; assigning one checks its shape and that it is finite, so an invalid
    value never enters the model (write ``rbm.W = rbm.W + dW``, not ``rbm.W += dW``).

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
        #: Per-epoch training record of the last :meth:`fit` calls (lists keyed by quantity).
        self.history: dict[str, list] = {}
        #: Hyperparameters of the last :meth:`fit` call.
        self.hyperparameters: dict = {}

    # Parameters are read-only views of private copies; the setters keep them valid.
    @property
    def W(self) -> np.ndarray:
        """Couplings, float64 array of shape (n_visible, n_hidden) (read-only view)."""
        return _read_only(self._W)

    @W.setter
    def W(self, value: np.ndarray) -> None:
        self._W = check_finite_array(value, "W", (self.n_visible, self.n_hidden))

    @property
    def a(self) -> np.ndarray:
        """Visible biases (fields), float64 array of shape (n_visible,) (read-only view)."""
        return _read_only(self._a)

    @a.setter
    def a(self, value: np.ndarray) -> None:
        self._a = check_finite_array(value, "a", (self.n_visible,))

    @property
    def b(self) -> np.ndarray:
        """Hidden biases (fields), float64 array of shape (n_hidden,) (read-only view)."""
        return _read_only(self._b)

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
        return RBM.from_parameters(self.W, self.a, self.b, units=self.units)

    # ----------------------------------------------------------------------------- energies
    def _visible(self, v: np.ndarray) -> tuple[np.ndarray, bool]:
        return check_states(v, "v", self.n_visible, self.units)

    def _hidden(self, h: np.ndarray) -> tuple[np.ndarray, bool]:
        return check_states(h, "h", self.n_hidden, self.units)

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
        e = -(v2 @ self._a) - (h2 @ self._b) - np.einsum("ni,ij,nj->n", v2, self._W, h2)
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
        return -(v @ self._a) - log_sum_units(v @ self._W + self._b, self.units).sum(axis=1)

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
        return -(h @ self._b) - log_sum_units(h @ self._W.T + self._a, self.units).sum(axis=1)

    def _check_enumerable(self, what: str) -> None:
        if min(self.n_visible, self.n_hidden) > MAX_EXACT_UNITS:
            raise ValueError(
                f"{what} enumerates the smaller layer, which must have at most {MAX_EXACT_UNITS} units; "
                f"this RBM has {self.n_visible} visible and {self.n_hidden} hidden"
            )

    def log_partition(self) -> float:
        """Exact :math:`\\ln Z`, by enumerating the smaller layer.

        Raises
        ------
        ValueError
            If both layers have more than 20 units.
        """
        self._check_enumerable("log_partition")
        n_small = min(self.n_visible, self.n_hidden)
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
        x = v2.astype(np.float64) @ self._W + self._b
        out = (h2 * x - log_sum_units(x, self.units)).sum(axis=1)
        return out[0] if single_v and single_h else out

    def log_likelihood_gradient(self, v: np.ndarray, weights: np.ndarray | None = None) -> Gradient:
        """Exact gradient of the mean log-likelihood :math:`\\langle \\ln p(v) \\rangle_{data}`.

        .. math:: \\frac{\\partial \\langle \\ln p \\rangle}{\\partial W_{ij}}
                  = \\langle v_i h_j \\rangle_{data} - \\langle v_i h_j \\rangle_{model},

        and likewise :math:`\\langle v_i\\rangle` for ``a`` and :math:`\\langle h_j\\rangle` for ``b``,
        with hidden units replaced by their conditional means on the data side. The model side is
        enumerated over the smaller layer.

        Parameters
        ----------
        v : array, shape (n, n_visible)
            Data states, at least one.
        weights : array of float, shape (n,), optional
            Non-negative weights of the states (e.g. exact probabilities); uniform if omitted.

        Returns
        -------
        Gradient
            Fields ``W``, ``a``, ``b``, arrays of the parameters' shapes.

        Raises
        ------
        ValueError
            If both layers have more than 20 units, ``v`` is empty or the weights are invalid.
        """
        v2, _ = self._visible(v)
        if len(v2) == 0:
            raise ValueError("v must hold at least one state")
        self._check_enumerable("log_likelihood_gradient")
        if weights is None:
            w = np.full(len(v2), 1.0 / len(v2))
        else:
            w = np.asarray(weights, dtype=np.float64)
            if w.shape != (len(v2),) or np.any(w < 0) or not np.all(np.isfinite(w)) or w.sum() <= 0:
                raise ValueError(f"weights must be {len(v2)} finite non-negative numbers with a positive sum")
            w = w / w.sum()
        vf = v2.astype(np.float64)
        mh = self._mean(vf @ self._W + self._b)
        data = Gradient(vf.T @ (w[:, None] * mh), w @ vf, w @ mh)
        # The model side enumerates the smaller layer in blocks of states, as log_partition
        # does, so that memory stays bounded (2^20 states × 400 units would be gigabytes).
        log_z = self.log_partition()
        visible_small = self.n_visible <= self.n_hidden
        states = configurations(min(self.n_visible, self.n_hidden), self.units)
        model_W, model_a, model_b = np.zeros_like(self._W), np.zeros_like(self._a), np.zeros_like(self._b)
        for first in range(0, len(states), _BLOCK):
            x = states[first : first + _BLOCK].astype(np.float64)
            if visible_small:
                p = np.exp(-self._free_energy(x) - log_z)
                m = self._mean(x @ self._W + self._b)
                model_W += x.T @ (p[:, None] * m)
                model_a += p @ x
                model_b += p @ m
            else:
                p = np.exp(-self._hidden_free_energy(x) - log_z)
                m = self._mean(x @ self._W.T + self._a)
                model_W += (p[:, None] * m).T @ x
                model_a += p @ m
                model_b += p @ x
        return Gradient(data.W - model_W, data.a - model_a, data.b - model_b)

    # ------------------------------------------------------------------ training
    def default_learning_rate(self) -> float:
        """0.1 for binary units (Hinton & Salakhutdinov's code); 0.1/16 for spin units.

        With s = 2x - 1 the spin couplings are a quarter of the binary ones and their gradient
        four times larger (:func:`convert_units`), so a step η/16 on spin weights moves the
        equivalent binary weights as far as a step η on binary weights does.
        """
        return 0.1 if self.units == "binary" else 0.1 / 16

    def _training_values(self, data: object, name: str = "data") -> tuple[np.ndarray, bool]:
        # States or means in the model's encoding (0/1 data for spin units is refused there).
        return check_unit_values(data, name, self.n_visible, self.units)

    def cd_gradient(
        self,
        v: np.ndarray,
        *,
        k: int = 1,
        chains: np.ndarray | None = None,
        seed: int | np.random.Generator | None = None,
        negative_visible: str = "sample",
    ) -> CDGradient:
        """One contrastive-divergence estimate of the log-likelihood gradient on the batch ``v``.

        The positive phase is averaged over the rows of ``v`` and the negative phase over the
        chains, so any number of persistent chains estimates the same gradient.

        Parameters
        ----------
        v : array, shape (n, n_visible)
            Data (states or means) in the model's encoding.
        k : int
            Gibbs steps in the negative phase.
        chains : array, shape (m, n_visible), optional
            Persistent chains (PCD); without them the chains start at the data (CD).
        seed : int, Generator or None
        negative_visible : {"sample", "mean"}
            Visible samples or visible conditional means in the negative phase (see :meth:`fit`).

        Returns
        -------
        CDGradient
            Fields ``W``, ``a``, ``b`` and ``chains`` (the final negative states, shape
            (m, n_visible), or (n, n_visible) in CD).
        """
        data, _ = self._training_values(v, "v")
        k = check_int(k, "k", minimum=1)
        mean = check_choice(negative_visible, "negative_visible", ("sample", "mean")) == "mean"
        if chains is not None:
            if mean:
                raise ValueError("negative_visible='mean' is a CD option; persistent chains must hold states")
            chains, _ = self._training_values(chains, "chains")
        gW, ga, gb, final = _train.cd_gradient(
            self._W, self._a, self._b, data, k, self.units, rng_from(seed), chains, mean
        )
        return CDGradient(gW, ga, gb, final)

    def fit(
        self,
        data: np.ndarray,
        *,
        epochs: int,
        batch_size: int = 100,
        learning_rate: float | None = None,
        k: int = 1,
        persistent: bool = False,
        l1: float = 0.0,
        l2: float = 0.0,
        momentum: float | tuple[float, float, int] = 0.5,
        seed: int | np.random.Generator | None = None,
        progress: bool | None = None,
        precision: str = "auto",
        monitor_size: int = 1000,
        callback: Callable[[RBM, int], object] | None = None,
        negative_visible: str = "sample",
    ) -> RBM:
        """Train by minibatch stochastic gradient ascent on the log-likelihood with CD-k or PCD-k.

        Training starts from the current parameters. Each epoch visits the data in a new random
        order in minibatches; each step adds ``learning_rate`` times the CD estimate of the
        gradient of the mean log-likelihood per sample, minus ``l2 * W`` and ``l1 * sign(W)``
        (penalties on the couplings only), to a momentum-smoothed velocity.

        Parameters
        ----------
        data : array, shape (n_samples, n_visible)
            ±1 or {0, 1} states in the model's encoding, or conditional means in [-1, 1] or
            [0, 1] (the input of an upper DBN layer).
        epochs : int
            Passes through the data, at least 1.
        batch_size : int
            Minibatch size, at least 1 (the last, smaller batch of an epoch is used too).
        learning_rate : float, optional
            Step along the gradient of the mean log-likelihood per sample, as in
            scikit-learn's ``BernoulliRBM`` for binary units. ``None`` means
            :meth:`default_learning_rate`.
        k : int
            Gibbs steps per negative phase.
        persistent : bool
            PCD: keep one persistent chain per minibatch row across updates.
        l1, l2 : float
            Weight penalties (the paper used L1 = 2e-4).
        momentum : float or (initial, final, switch_epoch)
            Constant 0.5 by default: on the Ising ring CD-1 reaches a lower KL divergence with
            it than with Hinton & Salakhutdinov's schedule (0.5, 0.9, 5), which is noisy at
            their learning rate (the chapter on training measures both). Pass that schedule
            for the paper's setting.
        seed : int, Generator or None
            Drives the minibatch order and the sampling of training. The monitoring (the
            random sites of the pseudo-log-likelihood) draws from a stream spawned from it
            (``Generator.spawn``), so the weights do not depend on ``monitor_size``.
        progress : bool or None
            Show a progress bar over epochs; ``None`` shows it unless ``RGBOOK_QUIET`` is set.
        precision : {"auto", "float32", "float64"}
            Arithmetic of the updates; "auto" uses float32 when an epoch costs more than about
            1e8 multiply-adds (n_samples * n_visible * n_hidden ≥ 2^27), float64 otherwise.
        monitor_size : int
            Samples (the first ones) used for the per-epoch monitoring; they change the
            history, not the weights.
        callback : callable, optional
            Called as ``callback(rbm, epoch)`` after every epoch; what it returns is stored
            in ``history["callback"]`` (e.g. an exact KL divergence, or a log-likelihood
            from :meth:`ais_log_partition` for a model too large to enumerate).
        negative_visible : {"sample", "mean"}
            What the negative phase puts on the visible layer: a draw from p(v | h) (CD-k as
            defined), or the conditional means, as Hinton & Salakhutdinov's ``rbm.m`` does
            (the code Mehta and Schwab used). ``"mean"`` needs ``persistent=False``.

        Returns
        -------
        self

        Raises
        ------
        ValueError, TypeError
            For invalid arguments, before any parameter changes; ``ValueError`` also for 0/1
            data given to a spin RBM.
        FloatingPointError
            If the parameters become NaN or infinite, with the epoch where it happened.
        """
        x, exact_states = self._training_values(data)
        settings = _FitSettings.check(
            self,
            len(x),
            epochs=epochs,
            batch_size=batch_size,
            learning_rate=learning_rate,
            k=k,
            persistent=persistent,
            l1=l1,
            l2=l2,
            momentum=momentum,
            precision=precision,
            monitor_size=monitor_size,
            negative_visible=negative_visible,
        )
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be callable as callback(rbm, epoch); got {type(callback).__name__}")
        _progress.wanted(progress)  # checks its type before any work
        rng = rng_from(seed)
        # Monitoring draws from a stream of its own, so the weights do not depend on what is
        # monitored (monitor_size); spawning takes nothing from the training stream.
        monitor_rng = rng.spawn(1)[0]
        self.hyperparameters = settings.record()
        xd = np.ascontiguousarray(x, dtype=settings.dtype)  # the gather kernel reads rows of it
        work = self._start_training(settings, rng)
        monitor = xd[: settings.monitor_size]  # monitored in the training precision
        for key in _HISTORY_KEYS:
            self.history.setdefault(key, [])
        done = len(self.history["epoch"])
        bar = _progress.bar(progress, total=settings.epochs, desc=f"RBM {self.n_visible}-{self.n_hidden}", unit="epoch")
        try:
            for epoch in range(1, settings.epochs + 1):
                t0 = time.perf_counter()
                momentum_now = settings.momentum_at(epoch)
                order = rng.permutation(len(xd))
                for first in range(0, len(xd), settings.batch_size):
                    n = work.buffers.load(xd, order[first : first + settings.batch_size])
                    self._minibatch_step(work, n, settings, momentum_now, rng)
                self._accept(work, done + epoch, settings)
                seconds = time.perf_counter() - t0
                self._record_epoch(done + epoch, seconds, work, monitor, exact_states, monitor_rng, callback)
                bar.update(1)
        finally:
            bar.close()
        return self

    def _start_training(self, settings: _FitSettings, rng: np.random.Generator) -> _Working:
        # Working copies in the training precision (astype copies), so the model's own arrays
        # change only through the checking setters, once per epoch.
        dtype = settings.dtype
        W, a, b = self._W.astype(dtype), self._a.astype(dtype), self._b.astype(dtype)
        rows = min(settings.batch_size, settings.n_samples)
        chains = None
        if settings.persistent:
            chains = _train.layer_sample(np.zeros((rows, self.n_visible), dtype), self.units, rng)
        buffers = _train.CDWorkspace(self.n_visible, self.n_hidden, rows, rows, dtype)
        return _Working(W, a, b, np.zeros_like(W), np.zeros_like(a), np.zeros_like(b), chains, buffers)

    def _minibatch_step(
        self, work: _Working, n: int, settings: _FitSettings, momentum: float, rng: np.random.Generator
    ) -> None:
        """One CD-k (PCD-k) update of the working parameters from the ``n`` rows loaded in
        ``work.buffers``, in place."""
        dtype = work.W.dtype.type
        chains = None if work.chains is None else work.chains[:n]
        gW, ga, gb, negative = _train.cd_step(
            work.W,
            work.a,
            work.b,
            n,
            settings.k,
            self.units,
            rng,
            work.buffers,
            chains,
            settings.negative_visible == "mean",
        )
        if chains is not None:
            chains[:] = negative
        lr, mom, zero = dtype(settings.learning_rate), dtype(momentum), dtype(0.0)
        _train.momentum_step(work.W, work.vW, gW, lr, mom, dtype(settings.l1), dtype(settings.l2))
        _train.momentum_step(work.a, work.va, ga, lr, mom, zero, zero)
        _train.momentum_step(work.b, work.vb, gb, lr, mom, zero, zero)

    def _accept(self, work: _Working, epoch: int, settings: _FitSettings) -> None:
        # Copy the working parameters into the model, unless training diverged.
        if not work.finite():
            raise FloatingPointError(
                f"training diverged at epoch {epoch}: the parameters became NaN or infinite "
                f"(learning_rate={settings.learning_rate}); lower the learning rate"
            )
        self.W, self.a, self.b = work.W, work.a, work.b

    def _record_epoch(
        self,
        epoch: int,
        seconds: float,
        work: _Working,
        monitor: np.ndarray,
        exact_states: bool,
        rng: np.random.Generator,
        callback: Callable[[RBM, int], object] | None,
    ) -> None:
        """Append the monitoring of one finished epoch to :attr:`history` (the working
        parameters, just accepted, in the training precision; the exact likelihood in float64)."""
        hist = self.history
        W, a, b = work.W, work.a, work.b
        hist["epoch"].append(epoch)
        hist["seconds"].append(seconds)
        error, pll = _train.monitor(W, a, b, monitor, self.units, rng, exact_states)
        hist["reconstruction_error"].append(error)
        hist["pseudo_log_likelihood"].append(pll)
        exact_ll = exact_states and min(self.n_visible, self.n_hidden) <= MAX_EXACT_UNITS
        log_likelihood = float(np.mean(self.log_prob(monitor.astype(np.float64)))) if exact_ll else float("nan")
        hist["log_likelihood"].append(log_likelihood)
        if callback is not None:
            hist.setdefault("callback", []).append(callback(self, epoch))

    def ais_log_partition(
        self, *, n_chains: int = 100, n_betas: int = 1000, seed: int | np.random.Generator | None = None
    ) -> tuple[float, float]:
        """Estimate ln Z by annealed importance sampling.

        Parameters
        ----------
        n_chains : int
            Independent annealing runs.
        n_betas : int
            Intermediate distributions, at least 2.
        seed : int, Generator or None

        Returns
        -------
        log_z, error : float
            The estimate and its standard error (in ln Z).
        """
        n_chains = check_int(n_chains, "n_chains", minimum=2)
        n_betas = check_int(n_betas, "n_betas", minimum=2)
        return _train.ais_log_partition(
            self._W, self._a, self._b, self.units, n_chains=n_chains, n_betas=n_betas, rng=rng_from(seed)
        )

    def transform(self, v: np.ndarray) -> np.ndarray:
        """Hidden conditional means of data or of means from a layer below.

        P(h = 1 | v) for binary units, E[h | v] = tanh(b + vW) for spin units.

        Parameters
        ----------
        v : array, shape (n, n_visible)
            States or means in the model's encoding.

        Returns
        -------
        ndarray of float64, shape (n, n_hidden)
        """
        x, _ = check_unit_values(v, "v", self.n_visible, self.units)
        return self._mean(x @ self._W + self._b)

    def inverse_transform(self, h: np.ndarray) -> np.ndarray:
        """Visible conditional means given hidden states or means, shape (n, n_visible)."""
        x, _ = check_unit_values(h, "h", self.n_hidden, self.units)
        return self._mean(x @ self._W.T + self._a)

    # ------------------------------------------------------------------ files
    def _meta(self) -> dict:
        return {"hyperparameters": self.hyperparameters, "history": self.history}

    def save(self, path: str | Path) -> None:
        """Write the parameters, hyperparameters and history to one ``.npz`` (no pickle), atomically.

        The file format is ``rgkit._io``'s (kind ``"rbm"``); numpy scalars in the history
        (e.g. from a callback) are stored as numbers.
        """
        _io.save(path, {"W": self._W, "a": self._a, "b": self._b}, {"units": self.units, **self._meta()}, kind="rbm")

    @classmethod
    def load(cls, path: str | Path) -> RBM:
        """Read an RBM written by :meth:`save`.

        Raises
        ------
        ValueError
            Naming the file, if it is missing, truncated, corrupt or does not hold an RBM.
        """
        arrays, meta = _io.load(path, kind="rbm")
        try:
            rbm = cls.from_parameters(arrays["W"], arrays["a"], arrays["b"], units=meta["units"])
            rbm.hyperparameters, rbm.history = dict(meta["hyperparameters"]), dict(meta["history"])
        except (KeyError, TypeError, ValueError) as err:
            raise ValueError(f"cannot read {path}: its content is not a valid RBM ({err})") from None
        return rbm

    # ------------------------------------------------------------------ conditionals, sampling
    def _mean(self, x: np.ndarray) -> np.ndarray:
        return _train.layer_mean(x, self.units)

    def hidden_mean(self, v: np.ndarray) -> np.ndarray:
        """Conditional means of the hidden units given ``v``.

        :math:`E[h_j \\mid v] = \\tanh(b_j + (vW)_j)` for spin units and
        :math:`P(h_j = 1 \\mid v) = \\sigma(b_j + (vW)_j)` for binary units.

        Returns
        -------
        ndarray of float64, shape (n, n_hidden)
        """
        v2, single = self._visible(v)
        m = self._mean(v2.astype(np.float64) @ self._W + self._b)
        return m[0] if single else m

    def visible_mean(self, h: np.ndarray) -> np.ndarray:
        """Conditional means of the visible units given ``h`` (see :meth:`hidden_mean`)."""
        h2, single = self._hidden(h)
        m = self._mean(h2.astype(np.float64) @ self._W.T + self._a)
        return m[0] if single else m

    # The samplers below call the training kernel on checked float inputs (states or means).
    def _sample_hidden(self, v: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return _train.layer_sample(v @ self._W + self._b, self.units, rng, np.int8)

    def _sample_visible(self, h: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return _train.layer_sample(h @ self._W.T + self._a, self.units, rng, np.int8)

    def sample_hidden(self, v: np.ndarray, seed: int | np.random.Generator | None = None) -> np.ndarray:
        """Draw ``h ~ p(h | v)``.

        Returns
        -------
        ndarray of int8, shape (n, n_hidden)
            States in the model's encoding.
        """
        v2, _ = self._visible(v)
        return self._sample_hidden(v2.astype(np.float64), rng_from(seed))

    def sample_visible(self, h: np.ndarray, seed: int | np.random.Generator | None = None) -> np.ndarray:
        """Draw ``v ~ p(v | h)``.

        Returns
        -------
        ndarray of int8, shape (n, n_visible)
            States in the model's encoding.
        """
        h2, _ = self._hidden(h)
        return self._sample_visible(h2.astype(np.float64), rng_from(seed))

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
        v2 = v2.astype(np.int8)
        for _ in range(steps):
            h2 = self._sample_hidden(v2, rng)
            v2 = self._sample_visible(h2, rng)
        return v2, h2

    def sample(self, n_samples: int, *, steps: int = 1000, seed: int | np.random.Generator | None = None) -> np.ndarray:
        """Draw visible samples from ``n_samples`` independent Gibbs chains.

        Each chain starts from uniformly random visible states (drawn by the same kernel with
        zero fields) and runs ``steps`` rounds.

        Returns
        -------
        ndarray of int8, shape (n_samples, n_visible)
        """
        n_samples = check_int(n_samples, "n_samples", minimum=1)
        rng = rng_from(seed)
        v0 = _train.layer_sample(np.zeros((n_samples, self.n_visible)), self.units, rng, np.int8)
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


def exact_kl(log_p: np.ndarray) -> Callable[[RBM, int | None], float]:
    """A :meth:`RBM.fit` callback that returns the exact KL(P ‖ p_model) after every epoch.

    :math:`\\mathrm{KL}(P \\| p_\\lambda) = \\sum_v P(v) \\ln[P(v) / p_\\lambda(v)]`, by
    enumeration of every visible state, with :func:`rgkit.states.kl_divergence`.

    Parameters
    ----------
    log_p : array of float, shape (2**n_visible,)
        Normalised log-probabilities of the target distribution over every visible state, in
        the order of :func:`rgkit.states.configurations` (the same in both encodings).

    Returns
    -------
    callable
        ``kl(model, epoch=None) -> float``: the divergence in nats of the model's visible
        marginal from P (``epoch`` is ignored; it is there for :meth:`RBM.fit`). It raises
        ``ValueError`` if ``model`` does not have ``log2(len(log_p))`` visible units.

    Raises
    ------
    ValueError
        If ``log_p`` is not a 1-D array whose length is a power of two, contains NaN or
        ``+inf``, or is not normalised.

    Examples
    --------
    An RBM with zero weights is the uniform distribution, so its divergence from the
    uniform target vanishes:

    >>> import numpy as np
    >>> uniform = np.full(8, -np.log(8))
    >>> kl = exact_kl(uniform)
    >>> abs(kl(RBM(3, 2, weight_scale=0.0))) < 1e-12
    True
    """
    lp = np.asarray(log_p, dtype=np.float64)
    if lp.ndim != 1 or lp.size < 2 or lp.size & (lp.size - 1):
        raise ValueError(f"log_p must be a 1-D array of 2**n_visible log-probabilities; got shape {lp.shape}")
    if np.any(np.isnan(lp)) or np.any(lp == np.inf):
        raise ValueError("log_p must not contain NaN or +inf")
    if abs(logsumexp(lp)) > 1e-9:
        raise ValueError(f"log_p must be normalised (logsumexp(log_p) = 0); got {logsumexp(lp):.3g}")
    lp = lp.copy()
    lp.flags.writeable = False
    n_visible = lp.size.bit_length() - 1

    def kl(model: RBM, epoch: int | None = None) -> float:
        if not isinstance(model, RBM):
            raise TypeError(f"model must be an RBM; got {type(model).__name__}")
        if model.n_visible != n_visible:
            raise ValueError(f"model must have {n_visible} visible units to match log_p; got {model.n_visible}")
        return kl_divergence(lp, model.log_prob(configurations(n_visible, model.units)))

    return kl


class DBN:
    """A deep belief network: RBMs stacked and trained greedily, layer by layer.

    Each RBM is trained on the hidden *conditional means* of the one below (probabilities for
    binary units, as in Hinton & Salakhutdinov's code; E[h | v] for spin units): the means
    carry the same information as samples without their noise. ``propagate="sample"`` uses
    samples instead.

    Parameters
    ----------
    layer_sizes : sequence of int
        Widths from the visible layer up, e.g. ``(1600, 400, 100, 25)``; at least two.
    units : {"spin", "binary"}
        Encoding of every layer.
    seed : int, Generator or None
        Draws the initial weights.
    weight_scale : float
        Standard deviation of the initial weights.

    Attributes
    ----------
    layers : list of RBM
        ``layers[l]`` maps layer l to layer l + 1.
    """

    def __init__(
        self,
        layer_sizes,
        *,
        units: str = "binary",
        seed: int | np.random.Generator | None = None,
        weight_scale: float = 0.01,
    ) -> None:
        sizes = list(layer_sizes) if not isinstance(layer_sizes, str) else None
        if sizes is None or len(sizes) < 2:
            raise ValueError(f"layer_sizes must list at least two layer widths; got {layer_sizes!r}")
        sizes = [check_int(n, "layer size", minimum=1) for n in sizes]
        self.units = check_units(units)
        rng = rng_from(seed)
        self.layers = [
            RBM(n_in, n_out, units=units, seed=rng, weight_scale=weight_scale)
            for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)
        ]

    @classmethod
    def _from_layers(cls, layers: list[RBM], units: str) -> DBN:
        for i, (lower, upper) in enumerate(zip(layers[:-1], layers[1:], strict=True)):
            if lower.n_hidden != upper.n_visible:
                raise ValueError(
                    f"layers do not chain: layer {i} has {lower.n_hidden} hidden units (W{i} has shape "
                    f"{lower.W.shape}) but layer {i + 1} has {upper.n_visible} visible units (W{i + 1} has "
                    f"shape {upper.W.shape})"
                )
        dbn = cls.__new__(cls)
        dbn.units = units
        dbn.layers = layers
        return dbn

    @property
    def layer_sizes(self) -> list[int]:
        """Widths of every layer, visible first."""
        return [self.layers[0].n_visible] + [layer.n_hidden for layer in self.layers]

    def __repr__(self) -> str:
        return f"DBN({self.layer_sizes}, units={self.units!r})"

    def fit(
        self,
        data: np.ndarray,
        *,
        epochs: int,
        propagate: str = "mean",
        seed: int | np.random.Generator | None = None,
        progress: bool | None = None,
        **fit_kwargs,
    ) -> DBN:
        """Greedy layer-wise training; ``fit_kwargs`` go to every :meth:`RBM.fit`.

        Parameters
        ----------
        data : array, shape (n_samples, n_visible)
            States (or means) in the network's encoding.
        epochs : int
            Epochs per layer.
        propagate : {"mean", "sample"}
            What the next layer is trained on: the hidden conditional means of the layer
            below, or one draw of its hidden states per sample.
        seed : int, Generator or None
        progress : bool or None
            Progress bars per layer; ``None`` shows them unless ``RGBOOK_QUIET`` is set.

        Returns
        -------
        self
        """
        propagate = check_choice(propagate, "propagate", ("mean", "sample"))
        _progress.wanted(progress)
        rng = rng_from(seed)
        x = data
        for layer in self.layers:
            layer.fit(x, epochs=epochs, seed=rng, progress=progress, **fit_kwargs)
            if propagate == "mean":
                x = layer.transform(x)
            else:
                values, _ = check_unit_values(x, "data", layer.n_visible, layer.units)
                x = layer._sample_hidden(values, rng)
        return self

    def _check_layer(self, layer: int | None) -> int:
        top = len(self.layers)
        return top if layer is None else check_int(layer, "layer", minimum=1, maximum=top)

    def transform(self, v: np.ndarray, layer: int | None = None) -> np.ndarray:
        """Up pass: conditional means of layer ``layer`` (1 = first hidden; default the top)."""
        x = v
        for rbm in self.layers[: self._check_layer(layer)]:
            x = rbm.transform(x)
        return x

    def down(self, h: np.ndarray, layer: int | None = None) -> np.ndarray:
        """Down pass by conditional means, from layer ``layer`` to the visible layer."""
        x = h
        for rbm in reversed(self.layers[: self._check_layer(layer)]):
            x = rbm.inverse_transform(x)
        return x

    def reconstruct(self, v: np.ndarray, layer: int | None = None) -> np.ndarray:
        """Mean-field reconstruction of ``v`` through layer ``layer``: up by means, then down.

        Returns
        -------
        ndarray of float64, shape (n, n_visible)
            Visible conditional means (in [-1, 1] for spins, [0, 1] for bits).
        """
        layer = self._check_layer(layer)
        return self.down(self.transform(v, layer), layer)

    def sample_reconstruction(
        self, v: np.ndarray, layer: int | None = None, *, seed: int | np.random.Generator | None = None
    ) -> np.ndarray:
        """A sampled reconstruction of ``v`` through layer ``layer``: configurations, not means.

        Up by conditional means to ``layer``, down by means to the first hidden layer, then one
        draw of every visible unit from p(v | h) at those hidden means. The result has the
        observables of data (means alone would shrink every spin towards zero).

        Returns
        -------
        ndarray of int8, shape (n, n_visible)
            States in the network's encoding.
        """
        layer = self._check_layer(layer)
        x = self.transform(v, layer)
        for rbm in reversed(self.layers[1:layer]):
            x = rbm.inverse_transform(x)
        first = self.layers[0]
        return _train.layer_sample(x @ first.W.T + first.a, self.units, rng_from(seed), dtype=np.int8)

    def sample(self, n_samples: int, *, steps: int = 1000, seed: int | np.random.Generator | None = None) -> np.ndarray:
        """Draw visible states: Gibbs sampling in the top RBM, then a sampled down pass.

        Returns
        -------
        ndarray of int8, shape (n_samples, n_visible)
        """
        rng = rng_from(seed)
        top = self.layers[-1]
        x = top.sample(n_samples, steps=steps, seed=rng)  # the top RBM's visible = layer L-1
        for rbm in reversed(self.layers[:-1]):
            x = rbm.sample_visible(x, rng)
        return x

    def receptive_fields(self, shape: tuple[int, ...] | None = None) -> list[np.ndarray]:
        """The effective receptive fields of every layer, r^(1) = W^(1), r^(l) = r^(l-1) W^(l).

        Parameters
        ----------
        shape : tuple of int, optional
            Shape of the visible layer, e.g. (40, 40): positive integers whose product is the
            number of visible units. By default a square if the width is a perfect square, else flat.

        Returns
        -------
        list of ndarray
            Entry l - 1 has shape ``(n_l, *shape)``: one field per unit of layer l.

        Raises
        ------
        TypeError, ValueError
            If ``shape`` is not a tuple of positive integers holding the visible units.

        References
        ----------
        P. Mehta and D. J. Schwab, arXiv:1410.3831 (2014), Fig. 3.
        """
        n = self.layers[0].n_visible
        if shape is None:
            side = int(round(np.sqrt(n)))
            shape = (side, side) if side * side == n else (n,)
        if not isinstance(shape, tuple | list) or len(shape) == 0:
            raise TypeError(f"shape must be a non-empty tuple of positive integers; got {shape!r}")
        shape = tuple(check_int(s, "shape entries", minimum=1) for s in shape)
        if int(np.prod(shape)) != n:
            raise ValueError(f"shape {shape} does not hold the {n} visible units")
        fields, r = [], None
        for rbm in self.layers:
            r = rbm.W if r is None else r @ rbm.W
            fields.append(r.T.reshape(rbm.n_hidden, *shape))
        return fields

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Every layer's parameters as a flat dict of arrays (``W0``, ``a0``, ``b0``, ``W1``, ...)."""
        arrays = {}
        for i, rbm in enumerate(self.layers):
            arrays[f"W{i}"], arrays[f"a{i}"], arrays[f"b{i}"] = rbm.W, rbm.a, rbm.b
        return arrays

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], *, units: str) -> DBN:
        """Rebuild a DBN from :meth:`to_arrays` (hyperparameters and history are not included).

        Raises
        ------
        ValueError
            If a layer's arrays are missing or malformed, or the layers do not chain (the
            hidden width of ``W{i}`` must be the visible width of ``W{i+1}``).
        """
        units = check_units(units)
        n_layers = sum(1 for key in arrays if key.startswith("W"))
        if n_layers < 1 or any(f"{p}{i}" not in arrays for i in range(n_layers) for p in "Wab"):
            raise ValueError("arrays must hold W0, a0, b0, W1, ... for consecutive layers")
        layers = [
            RBM.from_parameters(arrays[f"W{i}"], arrays[f"a{i}"], arrays[f"b{i}"], units=units) for i in range(n_layers)
        ]
        return cls._from_layers(layers, units)

    def save(self, path: str | Path) -> None:
        """Write every layer (parameters, hyperparameters, history) to one ``.npz``, atomically."""
        meta = {"units": self.units, "layers": [rbm._meta() for rbm in self.layers]}
        _io.save(path, self.to_arrays(), meta, kind="dbn")

    @classmethod
    def load(cls, path: str | Path) -> DBN:
        """Read a DBN written by :meth:`save`.

        Raises
        ------
        ValueError
            Naming the file, if it is missing, truncated, corrupt or does not hold a DBN.
        """
        arrays, meta = _io.load(path, kind="dbn")
        try:
            dbn = cls.from_arrays(arrays, units=meta["units"])
            if len(meta["layers"]) != len(dbn.layers):
                raise ValueError(f"{len(meta['layers'])} layer records for {len(dbn.layers)} layers")
            for rbm, m in zip(dbn.layers, meta["layers"], strict=True):
                rbm.hyperparameters, rbm.history = dict(m["hyperparameters"]), dict(m["history"])
        except (KeyError, TypeError, ValueError) as err:
            raise ValueError(f"cannot read {path}: its content is not a valid DBN ({err})") from None
        return dbn
