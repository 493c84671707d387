"""Training machinery behind :meth:`rgkit.rbm.RBM.fit`: the sampling kernel, contrastive divergence, monitoring, AIS.

Kept apart from the model so that ``rbm.py`` reads as the definition of an RBM. Everything
here works on plain arrays (W, a, b) in float32 or float64; the dense products go to BLAS.

Where the time goes. One CD-1 minibatch of the paper's first layer (100 × 1600 → 400) is four
BLAS calls with the flops of five products (the two outer products are one call on stacked
operands) and, between them, work on 10^5-10^6 numbers: the conditional means, the draws and
the parameter update. That work is done by the numba kernels below, one pass over the numbers
each, into buffers allocated once per :meth:`fit` (:class:`CDWorkspace`). The logistic
function uses its own exponential (:func:`_exp`): numba has no vectorised ``exp`` without
Intel's SVML, and the scalar libm call costs more than the products' share allows. Measured on
the 2-core development machine, an epoch of 200 such batches spends about 590 ms in the
products, 30 ms in the means and draws, 30 ms in the update (memory-bound: W, its velocity
and the gradient are 2.56 MB each, and the two BLAS threads leave half of them in the other
core's cache), 16 ms gathering the random rows of a batch from memory and 5 ms monitoring.
Parallel numba kernels (``prange``) were slower than these serial ones: waking their threads
costs more than the kernels while OpenBLAS's threads spin between products.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic, overload
from scipy.special import logsumexp

from ._rng import draw_base, stream_state
from ._rng import step as rng_step
from ._validate import check_int, check_real
from .states import log_sum_units


def check_momentum(momentum: object) -> tuple[float, float, int]:
    """Return (initial, final, switch_epoch) from a float or such a triple."""
    if isinstance(momentum, numbers.Real) and not isinstance(momentum, bool):
        m = check_real(momentum, "momentum")
        triple = (m, m, 0)
    elif isinstance(momentum, tuple) and len(momentum) == 3:
        triple = (
            check_real(momentum[0], "momentum[0]"),
            check_real(momentum[1], "momentum[1]"),
            check_int(momentum[2], "momentum[2]", minimum=0),
        )
    else:
        raise TypeError("momentum must be a float or a tuple (initial, final, switch_epoch)")
    if not (0 <= triple[0] < 1 and 0 <= triple[1] < 1):
        raise ValueError(f"momentum must lie in [0, 1); got {momentum}")
    return triple


# ----------------------------------------------------------------------------- exp and σ in numba
@intrinsic
def _times_pow2(typingctx, p, n):
    """``p * 2**n`` for an integral float ``n`` whose power of two is a normal number: the
    exponent bits of 2**n are written directly (in 32-bit integers for float32, so that a
    vector holds sixteen)."""
    if p == types.float32 and n == types.float32:
        int_type, float_type, bias, shift = ir.IntType(32), ir.FloatType(), 127, 23
    elif p == types.float64 and n == types.float64:
        int_type, float_type, bias, shift = ir.IntType(64), ir.DoubleType(), 1023, 52
    else:
        return None

    def codegen(context, builder, signature, args):
        value, power = args
        bits = builder.add(builder.fptosi(power, int_type), ir.Constant(int_type, bias))
        bits = builder.shl(bits, ir.Constant(int_type, shift))
        return builder.fmul(value, builder.bitcast(bits, float_type))

    return p(p, n), codegen


def _exp(x):  # pragma: no cover - replaced in numba by the overload below
    raise NotImplementedError


# exp(x) = 2^n e^r with n = round(x / ln 2) and |r| <= ln(2)/2: a Taylor polynomial for e^r
# (degree 7 in float32, 13 in float64: truncation below half an ulp), and 2^n written straight
# into the exponent bits. Rounding to the nearest integer adds and subtracts 1.5·2^23
# (1.5·2^52), which IEEE arithmetic does exactly; ln 2 is split in two (Cody and Waite) so
# that r keeps its low bits. The clamp keeps 2^n a normal number: exp saturates at about
# e^±87 (float32) and e^±708 (float64) instead of reaching 0 or inf, which changes a
# logistic function by less than 1e-37.
@overload(_exp, inline="always")
def _exp_overload(x):
    if x == types.float32:
        f = np.float32
        lo, hi, log2e, magic = f(-87.0), f(88.0), f(1.4426950408889634), f(12582912.0)
        ln2_hi, ln2_lo = f(0.693359375), f(-2.12194440e-4)
        c2, c3, c4, c5, c6, c7 = (f(1 / math.factorial(i)) for i in range(2, 8))

        def impl32(x):
            x = min(max(x, lo), hi)
            n = (x * log2e + magic) - magic
            r = (x - n * ln2_hi) - n * ln2_lo
            p = f(1.0) + r * (f(1.0) + r * (c2 + r * (c3 + r * (c4 + r * (c5 + r * (c6 + r * c7))))))
            return _times_pow2(p, n)

        return impl32
    if x == types.float64:
        lo, hi, log2e, magic = -708.0, 709.0, 1.4426950408889634, 6755399441055744.0
        ln2_hi, ln2_lo = 6.93145751953125e-1, 1.42860682030941723212e-6
        c = [1 / math.factorial(i) for i in range(14)]
        c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13 = c[2:]

        def impl64(x):
            x = min(max(x, lo), hi)
            n = (x * log2e + magic) - magic
            r = (x - n * ln2_hi) - n * ln2_lo
            q = c8 + r * (c9 + r * (c10 + r * (c11 + r * (c12 + r * c13))))
            p = 1.0 + r * (1.0 + r * (c2 + r * (c3 + r * (c4 + r * (c5 + r * (c6 + r * (c7 + r * q)))))))
            return _times_pow2(p, n)

        return impl64
    return None


@njit(cache=True, error_model="numpy", fastmath={"contract"})
def _exp_array(x, out):
    """``out[i] = exp(x[i])`` with the kernels' exponential (for tests against numpy's)."""
    for i in range(x.size):
        out[i] = _exp(x[i])
    return out


#: Streams per draw call. Element e of the array a call fills (counted in row-major order)
#: draws output e // LANES of stream e % LANES of the call's base: LANES independent
#: generators step side by side in one vector (a single stream is a chain of dependent steps,
#: which cannot be vectorised), and seeding them costs the same for any size.
LANES = 32

# The base of calls that draw nothing (means only).
_NO_BASE = np.uint64(0)


@njit(inline="always")
def _uniforms(base, out):
    """``out[e]``: output e // LANES of xoshiro256+ stream e % LANES of ``base``, as a float64
    in [0, 1) with 2^-53 steps."""
    s0, s1 = np.empty(LANES, dtype=np.uint64), np.empty(LANES, dtype=np.uint64)
    s2, s3 = np.empty(LANES, dtype=np.uint64), np.empty(LANES, dtype=np.uint64)
    for lane in range(LANES):
        s0[lane], s1[lane], s2[lane], s3[lane] = stream_state(base, lane)
    size = out.size
    full = size - size % LANES
    for first in range(0, full, LANES):
        block = out[first : first + LANES]
        for lane in range(LANES):  # the vectorised loop: xoshiro256+ in every lane at once
            r, s0[lane], s1[lane], s2[lane], s3[lane] = rng_step(s0[lane], s1[lane], s2[lane], s3[lane])
            block[lane] = np.float64(np.int64(r)) * 1.1102230246251565e-16
    for lane in range(size - full):
        r, s0[lane], s1[lane], s2[lane], s3[lane] = rng_step(s0[lane], s1[lane], s2[lane], s3[lane])
        out[full + lane] = np.float64(np.int64(r)) * 1.1102230246251565e-16


@njit(cache=True, error_model="numpy", fastmath={"contract"})
def _fill_layer(fields, bias, units_on_rows, spin, scale, means, first, base, states, unit_sum, uniforms):
    """Conditional means and draws of a layer from its fields, one pass over each row.

    ``fields`` holds a batch of one layer's fields without the biases, shape (units,
    samples) if ``units_on_rows``, else (samples, units); ``bias`` has one entry per unit.
    For each element the probability of the upper state is ``p = σ(c (field + bias))``, with
    c = 2 for spins (P(+1) = σ(2x)) and 1 for bits.

    - ``means`` (if not None) receives ``scale`` times the conditional mean (2p - 1 = tanh x
      for spins, p for bits) in its columns ``first`` to ``first + fields.shape[1]``: a
      C-contiguous buffer and an offset rather than a strided view, whose rows numba would
      not vectorise.
    - ``states`` (if not None, the shape of ``fields``) receives 1 with probability p, else
      -1 (spins) or 0 (bits): element e (row-major) is 1 when uniform e of ``base`` (see
      :data:`LANES`) is below p. ``uniforms`` is float64 scratch of ``fields.size`` numbers
      or more. ``states`` may be float (training) or int8 (the public samplers).
    - ``unit_sum`` (if not None, float64, one entry per unit) receives the sums over the
      samples of the means if they are written, else of the states.
    """
    n, m = fields.shape
    dt = fields.dtype.type
    c = dt(2.0) if spin else dt(1.0)
    low = -1.0 if spin else 0.0
    p = np.empty(m, dtype=fields.dtype)
    if states is not None:
        _uniforms(base, uniforms[: n * m])
    if unit_sum is not None:
        unit_sum[:] = 0.0
    for i in range(n):
        x = fields[i]
        if units_on_rows:
            shift = bias[i]
            for j in range(m):
                p[j] = dt(1.0) / (dt(1.0) + _exp(-c * (x[j] + shift)))
        else:
            for j in range(m):
                p[j] = dt(1.0) / (dt(1.0) + _exp(-c * (x[j] + bias[j])))
        out = p
        if means is not None:
            out = means[i][first : first + m]
            if spin:
                for j in range(m):
                    out[j] = scale * (dt(2.0) * p[j] - dt(1.0))
            else:
                for j in range(m):
                    out[j] = scale * p[j]
        if states is not None:
            u, si = uniforms[i * m : (i + 1) * m], states[i]
            for j in range(m):
                si[j] = low + (1.0 - low) * (u[j] < p[j])  # branchless: the outcome is a coin flip
            if means is None:
                out = si
        if unit_sum is not None:
            if units_on_rows:
                unit_sum[i] = _row_sum(out)
            else:
                for j in range(m):
                    unit_sum[j] += out[j]


@njit(cache=True, error_model="numpy", fastmath={"reassoc", "contract"})
def _row_sum(x):
    """Sum of a row in float64, in any order (``reassoc`` lets LLVM keep it in vectors)."""
    total = 0.0
    for j in range(x.size):
        total += x[j]
    return total


@intrinsic
def _prefetch(typingctx, array, index):
    """Ask the CPU to bring element ``index`` of a C-contiguous 1-D ``array`` into its caches,
    without waiting for it (``llvm.prefetch``: read, high locality, data cache)."""
    if not isinstance(array, types.Array) or not isinstance(index, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        data = context.make_array(signature.args[0])(context, builder, args[0]).data
        address = builder.bitcast(builder.gep(data, [args[1]]), ir.IntType(8).as_pointer())
        i32 = ir.IntType(32)
        function_type = ir.FunctionType(ir.VoidType(), [address.type, i32, i32, i32])
        prefetch = builder.module.declare_intrinsic("llvm.prefetch", [address.type], function_type)
        builder.call(prefetch, [address, ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return types.void(array, index), codegen


# Rows the gather asks for ahead of the one it copies: a random row of the data set is a DRAM
# access whose latency the hardware prefetcher cannot hide (it only follows a row once it has
# started); asking four rows ahead made the gather of a 100 × 1600 batch ~25% faster.
_ROWS_AHEAD = 4


@njit(cache=True, error_model="numpy", fastmath={"contract"})
def _gather_rows(data, rows, out, column_sum):
    """``out[i] = data[rows[i]]`` and ``column_sum`` (float64) = the column sums of ``out``."""
    column_sum[:] = 0.0
    n, m = rows.size, data.shape[1]
    flat = data.reshape(-1)
    for i in range(-_ROWS_AHEAD, n):
        if i + _ROWS_AHEAD < n:
            start = rows[i + _ROWS_AHEAD] * m
            for j in range(0, m, 16):  # one address per 64-byte line of float32 (two of float64)
                _prefetch(flat, start + j)
        if i >= 0:
            src, dst = data[rows[i]], out[i]
            for j in range(m):
                dst[j] = src[j]
                column_sum[j] += dst[j]


@njit(cache=True, error_model="numpy", fastmath={"contract"})
def momentum_step(param, velocity, gradient, learning_rate, momentum, l1, l2):
    """One step of gradient ascent with momentum and weight penalties, in place, in one pass.

    ``velocity ← momentum · velocity + learning_rate · (gradient - l2 · param - l1 · sign(param))``,
    then ``param ← param + velocity``. All arrays C-contiguous of one shape; the scalars should
    have the arrays' dtype (a float64 scalar would make float32 arithmetic float64).
    """
    p, v, g = param.reshape(-1), velocity.reshape(-1), gradient.reshape(-1)
    for i in range(p.size):
        w = p[i]
        step = momentum * v[i] + learning_rate * (g[i] - l2 * w - l1 * np.sign(w))
        v[i] = step
        p[i] = w + step


def layer_mean(x: np.ndarray, units: str) -> np.ndarray:
    """Conditional means of a layer given its fields: tanh(x) for spins, σ(x) for bits."""
    if units == "spin":
        return np.tanh(x)
    with np.errstate(over="ignore"):  # exp(-x) = inf for x << 0 gives σ = 0, as it should
        return 1.0 / (1.0 + np.exp(-x))


def layer_sample(x: np.ndarray, units: str, rng: np.random.Generator, dtype=None) -> np.ndarray:
    """Draw a layer given its fields x: P(+1) = σ(2x) for spins, P(1) = σ(x) for bits.

    The one sampling path of :mod:`rgkit.rbm`: training and the public samplers both go
    through its kernel, ``_fill_layer``.

    Parameters
    ----------
    x : array of float, shape (..., n_units)
    units : {"spin", "binary"}
    rng : numpy Generator
        Gives the one uint64 that seeds this call's streams (element e of the batch, in
        row-major order, draws from stream e % LANES; see :data:`LANES`).
    dtype : numpy dtype, optional
        Of the result; the dtype of ``x`` by default (int8 for the public samplers).

    Returns
    -------
    ndarray, the shape of ``x``
        States in the encoding ``units``.
    """
    x = np.ascontiguousarray(x)
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float64)
    shape = x.shape
    x2 = x.reshape(-1, shape[-1])
    out = np.empty(x2.shape, dtype=x2.dtype if dtype is None else dtype)
    bias = np.zeros(x2.shape[1], dtype=x2.dtype)
    uniforms = np.empty(x2.size)
    _fill_layer(x2, bias, False, units == "spin", x2.dtype.type(1.0), None, 0, draw_base(rng), out, None, uniforms)
    return out.reshape(shape)


class CDWorkspace:
    """The buffers of contrastive-divergence steps on batches of up to ``n_data`` rows.

    Allocated once per :meth:`rgkit.rbm.RBM.fit`, so that a minibatch step allocates nothing
    of the layers' size. The layouts are those the products are fastest in (measured with
    OpenBLAS at 100 × 1600 → 400): the hidden fields come out of BLAS unit-major, (n_hidden,
    batch), which is 10-20% faster than batch-major for ``v W`` at these shapes; the visible
    fields batch-major. The two phases share two stacked arrays, so that the gradient of W is
    one product ``visible.T @ hidden.T``:

    - ``visible``, shape (n_data + n_chains, n_visible): the data rows, then the negative
      (final visible) rows;
    - ``hidden``, shape (n_hidden, n_data + n_chains): the positive hidden means divided by
      the number of data rows, then the negative hidden means times -1 / (number of chains).

    Parameters
    ----------
    n_visible, n_hidden : int
    n_data : int
        The largest batch.
    n_chains : int
        Negative rows: ``n_data`` in CD; the number of persistent chains in PCD.
    dtype : float32 or float64
    """

    def __init__(self, n_visible: int, n_hidden: int, n_data: int, n_chains: int, dtype) -> None:
        rows = max(n_data, n_chains)
        self.n_data, self.n_chains, self.dtype = n_data, n_chains, np.dtype(dtype)
        self.visible = np.empty((n_data + n_chains, n_visible), dtype)
        self.hidden = np.empty((n_hidden, n_data + n_chains), dtype)
        self.visible_fields = np.empty((n_chains, n_visible), dtype)
        self.hidden_fields = np.empty((n_hidden, rows), dtype)  # unit-major
        self.hidden_states = np.empty((n_hidden, n_chains), dtype)  # unit-major
        self.gradient_W = np.empty((n_visible, n_hidden), dtype)
        self.uniforms = np.empty(rows * max(n_visible, n_hidden))  # float64 scratch of the draws
        self.sum_data = np.zeros(n_visible)  # float64 sums over the batch, per unit
        self.sum_negative = np.zeros(n_visible)
        self.sum_hidden_data = np.zeros(n_hidden)
        self.sum_hidden_negative = np.zeros(n_hidden)

    def load(self, data: np.ndarray, rows: np.ndarray | None = None) -> int:
        """Copy a batch (``data[rows]``, or all of ``data``) into the data rows; return its size."""
        if rows is None:
            rows = np.arange(len(data))
        n = len(rows)
        if n > self.n_data:
            raise ValueError(f"a batch of {n} rows does not fit a workspace of {self.n_data}")
        _gather_rows(data, rows, self.visible[:n], self.sum_data)
        return n


def cd_step(
    W: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    n: int,
    k: int,
    units: str,
    rng: np.random.Generator,
    work: CDWorkspace,
    chains: np.ndarray | None = None,
    visible_mean: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The CD-k (or, with ``chains``, PCD-k) gradient of the batch loaded in ``work`` (n rows).

    The positive phase uses the exact hidden means given the data; the negative phase runs
    k steps of block Gibbs sampling from the data (CD) or from the persistent ``chains``
    (PCD, shape (m, n_visible)) and uses the hidden means of the final visible states. Each
    phase is averaged over its own rows, so any number of chains estimates the same gradient.
    With ``visible_mean`` the negative phase puts the visible conditional means in place of
    visible samples (the hidden layer is still sampled), as Hinton & Salakhutdinov's ``rbm.m``
    does in its CD-1: ``negdata = σ(poshidstates W' + a)``.

    Returns (gW, ga, gb, final negative visible rows): gW and the last are views into
    ``work``, valid until its next use; ga and gb are new arrays. Every sampled layer takes
    one base from ``rng``, in the order of the chain (hidden, then visible, ...); a hidden
    layer is drawn from its unit-major array of fields (shape (n_hidden, rows)), a visible
    layer from its row-major one (see :data:`LANES`).
    """
    spin = units == "spin"
    dt = work.dtype.type
    m = n if chains is None else len(chains)
    if m > work.n_chains:
        raise ValueError(f"{m} chains do not fit a workspace of {work.n_chains}")
    data, negative = work.visible[:n], work.visible[n : n + m]
    hidden = work.hidden  # (n_hidden, n_data + n_chains); this batch fills columns :n + m
    fields_h, states_h = work.hidden_fields, work.hidden_states[:, :m]
    u, sum_h_data, sum_h_negative = work.uniforms, work.sum_hidden_data, work.sum_hidden_negative
    np.matmul(W.T, data.T, out=fields_h[:, :n])
    if chains is None:  # CD: the hidden draw that starts the chain comes with the positive means
        _fill_layer(fields_h[:, :n], b, True, spin, dt(1.0 / n), hidden, 0, draw_base(rng), states_h, sum_h_data, u)
    else:
        _fill_layer(fields_h[:, :n], b, True, spin, dt(1.0 / n), hidden, 0, _NO_BASE, None, sum_h_data, u)
        np.matmul(W.T, chains.T, out=fields_h[:, :m])
        _fill_layer(fields_h[:, :m], b, True, spin, dt(1.0), None, 0, draw_base(rng), states_h, None, u)
    fields_v = work.visible_fields[:m]
    for step in range(k):
        np.matmul(states_h.T, W.T, out=fields_v)
        last = step == k - 1
        unit_sum = work.sum_negative if last else None
        if visible_mean:
            _fill_layer(fields_v, a, False, spin, dt(1.0), negative, 0, _NO_BASE, None, unit_sum, u)
        else:
            _fill_layer(fields_v, a, False, spin, dt(1.0), None, 0, draw_base(rng), negative, unit_sum, u)
        np.matmul(W.T, negative.T, out=fields_h[:, :m])
        if not last:
            _fill_layer(fields_h[:, :m], b, True, spin, dt(1.0), None, 0, draw_base(rng), states_h, None, u)
    _fill_layer(fields_h[:, :m], b, True, spin, dt(-1.0 / m), hidden, n, _NO_BASE, None, sum_h_negative, u)
    gW = work.gradient_W
    np.matmul(work.visible[: n + m].T, hidden[:, : n + m].T, out=gW)
    ga = (work.sum_data / n - work.sum_negative / m).astype(work.dtype)
    gb = (work.sum_hidden_data + work.sum_hidden_negative).astype(work.dtype)  # the means were scaled
    return gW, ga, gb, negative


def cd_gradient(
    W: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    v0: np.ndarray,
    k: int,
    units: str,
    rng: np.random.Generator,
    chains: np.ndarray | None = None,
    visible_mean: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`cd_step` on the batch ``v0`` with a workspace of its own; returns new arrays.

    The arithmetic is that of ``W``'s dtype (float32 or float64).
    """
    dt = W.dtype
    v0 = np.ascontiguousarray(v0, dtype=dt)
    m = len(v0) if chains is None else len(chains)
    work = CDWorkspace(W.shape[0], W.shape[1], len(v0), m, dt)
    n = work.load(v0)
    if chains is not None:
        chains = np.ascontiguousarray(chains, dtype=dt)
    gW, ga, gb, negative = cd_step(W, a.astype(dt), b.astype(dt), n, k, units, rng, work, chains, visible_mean)
    return gW.copy(), ga, gb, negative.copy()


def monitor(W, a, b, v, units, rng, exact_states: bool) -> tuple[float, float]:
    """The reconstruction error and, for exact states, the pseudo-log-likelihood of ``v``.

    The reconstruction error is the mean squared difference per unit between the data and
    its mean-field reconstruction. The stochastic pseudo-log-likelihood is N · ln p(v_i |
    v_-i) at one random site i per sample (drawn from ``rng``), averaged over the samples;
    it is NaN unless ``exact_states`` (every value of ``v`` is a state). Flipping unit i changes the hidden
    fields by ``delta · W[i]``, so the flipped free energies need no second product.
    """
    n, n_vis = v.shape
    fields = v @ W + b
    reconstruction = layer_mean(layer_mean(fields, units) @ W.T + a, units)
    error = float(np.mean((v - reconstruction) ** 2))
    if not exact_states:
        return error, float("nan")
    site = rng.integers(0, n_vis, size=n)
    old = v[np.arange(n), site]
    delta = -2 * old if units == "spin" else 1 - 2 * old
    visible_term = v @ a
    free = -visible_term - log_sum_units(fields, units).sum(axis=1)
    flipped_fields = fields + delta[:, None] * W[site]
    flipped = -(visible_term + delta * a[site]) - log_sum_units(flipped_fields, units).sum(axis=1)
    return error, float(np.mean(-n_vis * np.logaddexp(0.0, free - flipped)))


def ais_log_partition(
    W: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    units: str,
    *,
    n_chains: int,
    n_betas: int,
    rng: np.random.Generator,
) -> tuple[float, float]:
    """Annealed importance sampling estimate of ln Z and its standard error.

    Anneals from the base model with the same visible biases and no couplings or hidden
    biases (whose ln Z is exact) to the RBM, along E_β = -a·v - β (b·h + vᵀWh), with a
    Gibbs transition at each β.

    References
    ----------
    R. Salakhutdinov and I. Murray, "On the quantitative analysis of deep belief networks",
    ICML (2008); R. M. Neal, Statistics and Computing 11, 125 (2001).
    """
    n_hidden = W.shape[1]
    betas = np.linspace(0.0, 1.0, n_betas)
    log_z_base = float(log_sum_units(a, units).sum() + n_hidden * np.log(2.0))
    # Draw v exactly from the base model (independent units with fields a).
    v = layer_sample(np.broadcast_to(a, (n_chains, a.size)).copy(), units, rng)
    log_w = np.zeros(n_chains)

    def log_p_star(v, beta):  # ln Σ_h e^{-E_β(v, h)}
        return v @ a + log_sum_units(beta * (v @ W + b), units).sum(axis=1)

    for beta_prev, beta in zip(betas[:-1], betas[1:], strict=True):
        log_w += log_p_star(v, beta) - log_p_star(v, beta_prev)
        h = layer_sample(beta * (v @ W + b), units, rng)
        v = layer_sample(beta * (h @ W.T) + a, units, rng)
    log_mean_w = float(logsumexp(log_w) - np.log(n_chains))
    w = np.exp(log_w - log_w.max())
    rel_err = float(w.std(ddof=1) / w.mean() / np.sqrt(n_chains))
    return log_z_base + log_mean_w, rel_err
