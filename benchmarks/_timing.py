"""Shared helpers of the benchmarks: the header that says where they ran, interleaved timing,
median and range, and the reference kernels of the [speed] issue.

Every measurement is repeated (at least five times) in rounds; each round times every
contender once, in an order that rotates from round to round, so a drift of the machine's
speed (frequency, a neighbour on the host) hits all of them alike. Ratios are taken within a
round and then summarised, so they compare runs made seconds apart.
"""

from __future__ import annotations

import datetime
import importlib
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numba
import numpy as np

MIN_REPEATS = 5
PROJECT_ROOT = Path(__file__).resolve().parents[1]
# The reference kernels live beside the project, not in it: ../shared/bench from its root.
REFERENCE_DIR = PROJECT_ROOT.parent / "shared" / "bench"


def load_reference_kernels():
    """Import ``reference_kernels`` from ../shared/bench as it is (never a copy)."""
    path = REFERENCE_DIR / "reference_kernels.py"
    if not path.is_file():
        sys.exit(f"reference kernels not found at {path} (expected ../shared/bench from the project root)")
    if str(REFERENCE_DIR) not in sys.path:
        sys.path.insert(0, str(REFERENCE_DIR))
    return importlib.import_module("reference_kernels")


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def blas_lines() -> list[str]:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return ["threadpoolctl not installed"]
    lines = []
    for pool in threadpool_info():
        lines.append(
            f"{pool.get('user_api')}: {pool.get('internal_api')} {pool.get('version')}"
            f" ({pool.get('architecture', '?')} kernel), threading layer {pool.get('threading_layer', '?')},"
            f" {pool.get('num_threads')} threads; {pool.get('filepath')}"
        )
    return lines or ["no BLAS or OpenMP thread pool loaded"]


def header(title: str) -> None:
    """Print what the figures below depend on: date, machine, versions, BLAS and its threads."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    print(title)
    print(f"date     {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    print(f"machine  {platform.platform()}; {cpu_model()}; {os.cpu_count()} cores ({usable} usable)")
    print(
        f"python   {platform.python_version()} ({platform.python_implementation()}), numpy {np.__version__}, "
        f"numba {numba.__version__} ({numba.config.NUMBA_NUM_THREADS} threads)"
    )
    for line in blas_lines():
        print(f"blas     {line}")
    print()


@dataclass
class Summary:
    """Median and range (min, max) of repeated values."""

    values: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def low(self) -> float:
        return min(self.values)

    @property
    def high(self) -> float:
        return max(self.values)

    def fmt(self, digits: int = 2, suffix: str = "") -> str:
        d = digits
        return f"{self.median:.{d}f}{suffix} [{self.low:.{d}f}-{self.high:.{d}f}]"


def interleave(contenders: dict[str, Callable[[], float]], repeats: int) -> dict[str, list[float]]:
    """Run every contender once per round, ``repeats`` rounds, rotating the order.

    Each contender does its own timing and returns the cost of one round (e.g. ns per
    spin), so untimed set-up (a copy, a count) stays out of the figure.
    """
    if repeats < MIN_REPEATS:
        raise ValueError(f"at least {MIN_REPEATS} repetitions; got {repeats}")
    names = list(contenders)
    out: dict[str, list[float]] = {name: [] for name in names}
    for r in range(repeats):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            out[name].append(contenders[name]())
    return out


def ratios(num: Sequence[float], den: Sequence[float]) -> Summary:
    """Per-round ratios num/den, summarised (a ratio of runs made in the same round)."""
    return Summary([a / b for a, b in zip(num, den, strict=True)])


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    """Seconds taken by ``fn()`` and what it returned."""
    t = time.perf_counter()
    result = fn()
    return time.perf_counter() - t, result
