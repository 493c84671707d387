"""Restricted Boltzmann machines with spin (±1) or binary (0/1) units.

The energy of a visible state ``v`` and a hidden state ``h`` is

.. math:: E(v, h) = -a \\cdot v - b \\cdot h - v^\\top W h,

and the model's distribution is :math:`p(v, h) = e^{-E(v, h)} / Z`. All methods are batched
over the first axis and take states in the model's own encoding. Sums over the states of a
layer are done in log space (softplus, log-sum-exp), so nothing overflows for weights of any
size that float64 can hold.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
from scipy.special import expit, logsumexp

from . import _train
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
        #: Per-epoch training record of the last :meth:`fit` calls (lists keyed by quantity).
        self.history: dict[str, list] = {}
        #: Hyperparameters of the last :meth:`fit` call.
        self.hyperparameters: dict = {}

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

    # ------------------------------------------------------------------ training
    def default_learning_rate(self) -> float:
        """0.1 for binary units (Hinton & Salakhutdinov's code); 0.1/16 for spin units.

        With s = 2x - 1 the spin couplings are a quarter of the binary ones and their gradient
        four times larger (:func:`convert_units`), so a step η/16 on spin weights moves the
        equivalent binary weights as far as a step η on binary weights does.
        """
        return 0.1 if self.units == "binary" else 0.1 / 16

    def cd_gradient(
        self,
        v: np.ndarray,
        *,
        k: int = 1,
        chains: np.ndarray | None = None,
        seed: int | np.random.Generator | None = None,
    ) -> dict[str, np.ndarray]:
        """One contrastive-divergence estimate of the log-likelihood gradient on the batch ``v``.

        Parameters
        ----------
        v : array, shape (n, n_visible)
            Data (states or means) in the model's encoding.
        k : int
            Gibbs steps in the negative phase.
        chains : array, shape (m, n_visible), optional
            Persistent chains (PCD); without them the chains start at the data (CD).
        seed : int, Generator or None

        Returns
        -------
        dict with keys ``"W"``, ``"a"``, ``"b"`` (and ``"chains"``, the final negative states)
        """
        data, _ = _train.check_training_data(v, self.n_visible, self.units)
        k = check_int(k, "k", minimum=1)
        if chains is not None:
            chains, _ = _train.check_training_data(chains, self.n_visible, self.units)
        gW, ga, gb, final = _train.cd_gradient(self.W, self.a, self.b, data, k, self.units, rng_from(seed), chains)
        return {"W": gW, "a": ga, "b": gb, "chains": final}

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
        progress: bool = False,
        precision: str = "auto",
        monitor_size: int = 1000,
        ais_checkpoints: int = 0,
        callback=None,
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
            Constant 0.5 by default: on the Ising ring it trains better than Hinton &
            Salakhutdinov's schedule (0.5, 0.9, 5), which makes CD-1 noisy at their learning
            rate and PCD unstable (the chapter on training shows it). Pass that schedule for
            the paper's setting.
        seed : int, Generator or None
            Drives the minibatch order and all sampling.
        progress : bool
            Show a tqdm progress bar over epochs.
        precision : {"auto", "float32", "float64"}
            Arithmetic of the updates; "auto" uses float32 when an epoch costs more than about
            1e8 multiply-adds (n_samples * n_visible * n_hidden ≥ 2^27), float64 otherwise.
        monitor_size : int
            Samples (the first ones) used for the per-epoch monitoring.
        ais_checkpoints : int
            For models too large to enumerate: number of evenly spaced epochs at which ln Z
            is estimated by AIS, giving an estimate of the log-likelihood with an error bar.
        callback : callable, optional
            Called as ``callback(rbm, epoch)`` after every epoch; what it returns is stored
            in ``history["callback"]`` (e.g. an exact KL divergence).

        Returns
        -------
        self

        Raises
        ------
        FloatingPointError
            If the parameters become NaN or infinite, with the epoch where it happened.
        """
        x, exact_states = _train.check_training_data(data, self.n_visible, self.units)
        epochs = check_int(epochs, "epochs", minimum=1)
        batch_size = check_int(batch_size, "batch_size", minimum=1)
        lr = self.default_learning_rate() if learning_rate is None else check_real(learning_rate, "learning_rate")
        if lr <= 0:
            raise ValueError(f"learning_rate must be positive; got {lr}")
        k = check_int(k, "k", minimum=1)
        l1 = check_real(l1, "l1")
        l2 = check_real(l2, "l2")
        if l1 < 0 or l2 < 0:
            raise ValueError(f"l1 and l2 must be non-negative; got {l1}, {l2}")
        m0, m1, switch = _train.check_momentum(momentum)
        if precision not in ("auto", "float32", "float64"):
            raise ValueError(f"precision must be 'auto', 'float32' or 'float64'; got {precision!r}")
        monitor_size = check_int(monitor_size, "monitor_size", minimum=1)
        ais_checkpoints = check_int(ais_checkpoints, "ais_checkpoints", minimum=0)
        rng = rng_from(seed)
        if precision == "auto":  # float32 once the products dominate (≳ 1e8 multiply-adds an epoch)
            precision = "float32" if self.n_visible * self.n_hidden * len(x) >= 1 << 27 else "float64"
        dtype = np.float32 if precision == "float32" else np.float64
        self.hyperparameters = {
            "epochs": epochs,
            "batch_size": batch_size,
            "learning_rate": lr,
            "k": k,
            "persistent": bool(persistent),
            "l1": l1,
            "l2": l2,
            "momentum": [m0, m1, switch],
            "precision": precision,
            "n_samples": int(len(x)),
        }

        xd = np.asarray(x, dtype=dtype)
        W, a, b = self.W.astype(dtype), self.a.astype(dtype), self.b.astype(dtype)
        vW, va, vb = np.zeros_like(W), np.zeros_like(a), np.zeros_like(b)
        chains = None
        if persistent:
            chains = _train.layer_sample(np.zeros((min(batch_size, len(x)), self.n_visible), dtype), self.units, rng)
        monitor = np.asarray(x[:monitor_size], dtype=np.float64)
        exact_ll = min(self.n_visible, self.n_hidden) <= MAX_EXACT_UNITS and exact_states
        ais_epochs = set()
        if ais_checkpoints and not exact_ll and exact_states:
            ais_epochs = {int(round(e)) for e in np.linspace(1, epochs, ais_checkpoints)}
        hist = self.history
        for key in ("epoch", "reconstruction_error", "pseudo_log_likelihood", "log_likelihood", "seconds"):
            hist.setdefault(key, [])
        start_epoch = len(hist["epoch"])
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=epochs, desc=f"RBM {self.n_visible}-{self.n_hidden}", unit="epoch")
        lr_t, l1_t, l2_t = dtype(lr), dtype(l1), dtype(l2)
        for epoch in range(1, epochs + 1):
            t0 = time.perf_counter()
            mom = dtype(m0 if epoch <= switch else m1)
            order = rng.permutation(len(xd))
            for first in range(0, len(xd), batch_size):
                batch = xd[order[first : first + batch_size]]
                use = None if chains is None else chains[: len(batch)]
                gW, ga, gb, neg = _train.cd_gradient(W, a, b, batch, k, self.units, rng, use)
                if chains is not None:
                    chains[: len(batch)] = neg
                if l2:
                    gW -= l2_t * W
                if l1:
                    gW -= l1_t * np.sign(W)
                vW *= mom
                vW += lr_t * gW
                va *= mom
                va += lr_t * ga
                vb *= mom
                vb += lr_t * gb
                W += vW
                a += va
                b += vb
            if not (np.all(np.isfinite(W)) and np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
                raise FloatingPointError(
                    f"training diverged at epoch {start_epoch + epoch}: the parameters became NaN or "
                    f"infinite (learning_rate={lr}); lower the learning rate"
                )
            self.W, self.a, self.b = W, a, b
            seconds = time.perf_counter() - t0
            hist["epoch"].append(start_epoch + epoch)
            hist["seconds"].append(seconds)
            hist["reconstruction_error"].append(
                _train.reconstruction_error(self.W, self.a, self.b, monitor, self.units)
            )
            if exact_states:
                hist["pseudo_log_likelihood"].append(
                    _train.pseudo_log_likelihood(self.W, self.a, self.b, monitor, self.units, rng)
                )
            else:
                hist["pseudo_log_likelihood"].append(float("nan"))
            if exact_ll:
                hist["log_likelihood"].append(float(np.mean(self.log_prob(monitor))))
            else:
                hist["log_likelihood"].append(float("nan"))
            if epoch in ais_epochs:
                log_z, err = self.ais_log_partition(seed=rng)
                hist.setdefault("ais_epoch", []).append(start_epoch + epoch)
                hist.setdefault("ais_log_likelihood", []).append(float(np.mean(-self.free_energy(monitor)) - log_z))
                hist.setdefault("ais_error", []).append(err)
            if callback is not None:
                hist.setdefault("callback", []).append(callback(self, start_epoch + epoch))
            if bar is not None:
                bar.update(1)
        if bar is not None:
            bar.close()
        return self

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
            self.W, self.a, self.b, self.units, n_chains=n_chains, n_betas=n_betas, rng=rng_from(seed)
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
        x, _ = _train.check_training_data(v, self.n_visible, self.units)
        return self._mean(x @ self.W + self.b)

    def inverse_transform(self, h: np.ndarray) -> np.ndarray:
        """Visible conditional means given hidden states or means, shape (n, n_visible)."""
        x, _ = _train.check_training_data(h, self.n_hidden, self.units)
        return self._mean(x @ self.W.T + self.a)

    def save(self, path: str | Path) -> None:
        """Write the parameters, hyperparameters and history to ``.npz`` (no pickle), atomically."""
        from .data import _atomic_write

        meta = json.dumps({"units": self.units, "hyperparameters": self.hyperparameters, "history": self.history})
        path = Path(path)
        _atomic_write(path, lambda f: np.savez(f, W=self.W, a=self.a, b=self.b, meta=np.array(meta)), "wb")

    @classmethod
    def load(cls, path: str | Path) -> RBM:
        """Read an RBM written by :meth:`save`."""
        with np.load(Path(path), allow_pickle=False) as f:
            meta = json.loads(str(f["meta"]))
            rbm = cls.from_parameters(f["W"], f["a"], f["b"], units=meta["units"])
        rbm.hyperparameters = meta["hyperparameters"]
        rbm.history = meta["history"]
        return rbm

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
        progress: bool = False,
        **fit_kwargs,
    ) -> DBN:
        """Greedy layer-wise training; ``fit_kwargs`` go to every :meth:`RBM.fit`.

        Returns
        -------
        self
        """
        if propagate not in ("mean", "sample"):
            raise ValueError(f"propagate must be 'mean' or 'sample'; got {propagate!r}")
        rng = rng_from(seed)
        x = data
        for layer in self.layers:
            layer.fit(x, epochs=epochs, seed=rng, progress=progress, **fit_kwargs)
            if propagate == "mean":
                x = layer.transform(x)
            else:
                fields = np.asarray(x, dtype=np.float64) @ layer.W + layer.b
                x = layer._draw(fields, rng)
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

    def sample(self, n_samples: int, *, steps: int = 1000, seed: int | np.random.Generator | None = None) -> np.ndarray:
        """Draw visible states: Gibbs sampling in the top RBM, then a sampled down pass.

        Returns
        -------
        ndarray of int8, shape (n_samples, n_visible)
        """
        rng = rng_from(seed)
        top = self.layers[-1]
        v_top = top.sample(n_samples, steps=steps, seed=rng)  # the top RBM's visible = layer L-1
        x = v_top
        for rbm in reversed(self.layers[:-1]):
            x = rbm.sample_visible(x, rng)
        return x

    def receptive_fields(self, shape: tuple[int, ...] | None = None) -> list[np.ndarray]:
        """The effective receptive fields of every layer, r^(1) = W^(1), r^(l) = r^(l-1) W^(l).

        Parameters
        ----------
        shape : tuple of int, optional
            Shape of the visible layer, e.g. (40, 40); by default a square if the width is
            a perfect square, else flat.

        Returns
        -------
        list of ndarray
            Entry l - 1 has shape ``(n_l, *shape)``: one field per unit of layer l.

        References
        ----------
        P. Mehta and D. J. Schwab, arXiv:1410.3831 (2014), Fig. 3.
        """
        n = self.layers[0].n_visible
        if shape is None:
            side = int(round(np.sqrt(n)))
            shape = (side, side) if side * side == n else (n,)
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
        """Rebuild a DBN from :meth:`to_arrays` (hyperparameters and history are not included)."""
        n_layers = sum(1 for key in arrays if key.startswith("W"))
        if n_layers < 1 or any(f"{p}{i}" not in arrays for i in range(n_layers) for p in "Wab"):
            raise ValueError("arrays must hold W0, a0, b0, W1, ... for consecutive layers")
        dbn = cls.__new__(cls)
        dbn.units = check_units(units)
        dbn.layers = [
            RBM.from_parameters(arrays[f"W{i}"], arrays[f"a{i}"], arrays[f"b{i}"], units=units) for i in range(n_layers)
        ]
        return dbn

    def save(self, path: str | Path) -> None:
        """Write every layer (parameters, hyperparameters, history) to one ``.npz``, atomically."""
        from .data import _atomic_write

        arrays = {}
        metas = []
        for i, rbm in enumerate(self.layers):
            arrays[f"W{i}"], arrays[f"a{i}"], arrays[f"b{i}"] = rbm.W, rbm.a, rbm.b
            metas.append({"hyperparameters": rbm.hyperparameters, "history": rbm.history})
        arrays["meta"] = np.array(json.dumps({"units": self.units, "layers": metas}))
        _atomic_write(Path(path), lambda f: np.savez(f, **arrays), "wb")

    @classmethod
    def load(cls, path: str | Path) -> DBN:
        """Read a DBN written by :meth:`save`."""
        with np.load(Path(path), allow_pickle=False) as f:
            meta = json.loads(str(f["meta"]))
            layers = [
                RBM.from_parameters(f[f"W{i}"], f[f"a{i}"], f[f"b{i}"], units=meta["units"])
                for i in range(len(meta["layers"]))
            ]
        dbn = cls.__new__(cls)
        dbn.units = meta["units"]
        dbn.layers = layers
        for rbm, m in zip(layers, meta["layers"], strict=True):
            rbm.hyperparameters, rbm.history = m["hyperparameters"], m["history"]
        return dbn


def match_hidden_units(W: np.ndarray, reference: np.ndarray) -> dict[str, np.ndarray]:
    """Match the hidden units of two RBMs up to the model's symmetries.

    An RBM's distribution is unchanged by permuting its hidden units and, for spin units with
    zero hidden bias, by flipping the sign of a unit's weights. Units are paired by the
    assignment that maximises the total absolute cosine similarity of their weight vectors
    (Hungarian algorithm).

    Parameters
    ----------
    W, reference : arrays, shape (n_visible, n_hidden)
        Same shape.

    Returns
    -------
    dict
        ``"permutation"`` (reference unit matched to each unit of W), ``"signs"`` (±1),
        ``"cosine"`` (absolute cosine similarity of each pair).
    """
    from scipy.optimize import linear_sum_assignment

    W = np.asarray(W, dtype=np.float64)
    R = np.asarray(reference, dtype=np.float64)
    if W.shape != R.shape or W.ndim != 2:
        raise ValueError(f"W and reference must be 2-D arrays of the same shape; got {W.shape} and {R.shape}")
    wn = W / np.maximum(np.linalg.norm(W, axis=0), 1e-300)
    rn = R / np.maximum(np.linalg.norm(R, axis=0), 1e-300)
    cos = wn.T @ rn
    rows, cols = linear_sum_assignment(-np.abs(cos))
    order = np.argsort(rows)
    perm = cols[order]
    chosen = cos[rows[order], perm]
    return {"permutation": perm, "signs": np.where(chosen < 0, -1, 1), "cosine": np.abs(chosen)}
