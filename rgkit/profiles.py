"""Named run sizes for the chapters.

Every chapter has a ``parameters`` cell with a ``profile`` name. ``"smoke"`` runs each
chapter in seconds (tests); ``"full"`` runs it at the sizes the book quotes; ``"long"``
enlarges the chapters that define it (the others run ``"full"``), for a cluster or a long
night, not for ``make book``. The profile a
chapter runs at is, highest precedence first: a value papermill injects, the environment
variable ``RGBOOK_PROFILE`` (for a whole book build), the cell's default ``"full"``.
"""

from __future__ import annotations

import os
from types import MappingProxyType
from typing import Any

from .exact import KC

#: The environment variable that selects a profile for a whole book build.
ENV_VAR = "RGBOOK_PROFILE"

PROFILE_NAMES = ("smoke", "full", "long")

#: Training temperatures T = 1/K of the iterated-RBM experiment: Iso, Shiba & Yokoo's range, the
#: same without the critical region, and each phase alone.
ISO_SETS = {
    "Iso et al.": tuple(0.5 * i for i in range(1, 13)),
    "gap at Tc": (0.5, 1.0, 1.5, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0),
    "T < Tc": (1.0, 1.25, 1.5, 1.75, 2.0),
    "T > Tc": (3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0),
}

_DBN_RG_FULL: dict[str, Any] = {
    "L": 32,
    "layers": (1024, 256, 64, 16),
    "blocks": (2, 4, 8),
    "couplings": (0.38, 0.408, 0.425, KC, 0.455, 0.47, 0.50),
    "n_train": 5_000,
    "n_measure": 4_000,
    "epochs": 60,
    "replicas": 3,
    "variants_everywhere": False,
    "n_blocks": 32,
    "ring_N": 16,
    "ring_hidden": (8, 4, 2),
    "ring_quarter_hidden": (4, 2),
    "ring_couplings": (0.8, 1.1, 1.5, 2.0),
    "ring_choice_couplings": (0.8,),
    "ring_quarter_couplings": (0.8, 1.1),
    "ring_samples": 10_000,
    "ring_epochs": 200,
    "ring_short_epochs": 20,
    "ring_seeds": 3,
    "iso_L": 10,
    "iso_sets": ISO_SETS,
    "iso_n_per_coupling": 500,
    "iso_hidden": (64, 100),
    "iso_epochs": 100,
    "iso_start_couplings": (0.2, 0.3, 0.38, KC, 0.5, 0.6, 0.8),
    "iso_n_start": 256,
    "iso_steps": 100,
    "iso_replicas": 2,
    "iso_n_quality": 200,
    "iso_ais_betas": 2000,
}

_SETTINGS: dict[str, dict[str, dict[str, Any]]] = {
    "errata": {
        "smoke": {
            "n_visible": 6,
            "n_hidden": 3,
            "penalty_L": 4,
            "penalty_hidden": 4,
            "penalty_samples": (1_000, 500),
            "penalty_epochs": 3,
        },
        "full": {
            "n_visible": 10,
            "n_hidden": 4,
            "penalty_L": 8,
            "penalty_hidden": 16,
            "penalty_samples": (10_000, 5_000),
            "penalty_epochs": 40,
        },
    },
    "variational_rg": {
        "smoke": {"n_spins": 8, "coupling_K": 0.5, "n_strengths": 6},
        "full": {"n_spins": 12, "coupling_K": 0.5, "n_strengths": 41},
    },
    "rbm": {
        "smoke": {"n_visible": 6, "n_hidden": 3, "n_gibbs_samples": 2_000, "gibbs_steps": 200},
        "full": {"n_visible": 10, "n_hidden": 4, "n_gibbs_samples": 50_000, "gibbs_steps": 500},
    },
    "ising": {
        "smoke": {
            "exact_sizes": (4, 16),
            "exact_large_L": 1024,
            "mc_sizes": (8,),
            "mc_couplings": (0.3, KC, 0.55),
            "mc_samples": 1_000,
            "methods_L": 8,
            "methods_couplings": (0.3, KC, 0.55),
            "tau_sizes": (8, 16),
            "tau_updates": 4_000,
            "magnetization_sizes": (8, 16),
            "magnetization_couplings": (0.5, 0.6),
            "magnetization_samples": 1_000,
            "dataset_L": 16,
            "dataset_K": 0.408,
            "dataset_samples": 1_000,
            "ring_N": 20,
            "ring_K": 1.0,
            "ring_samples": 2_000,
        },
        "full": {
            "exact_sizes": (4, 16, 64),
            "exact_large_L": 1024,
            "mc_sizes": (8, 16, 32),
            "mc_couplings": (0.2, 0.3, 0.35, 0.4, 0.42, KC, 0.46, 0.5, 0.55, 0.6, 0.7),
            "mc_samples": 10_000,
            "methods_L": 16,
            "methods_couplings": (0.3, KC, 0.55),
            "tau_sizes": (8, 16, 32, 64),
            "tau_updates": 65_536,
            "magnetization_sizes": (8, 16, 32, 64),
            "magnetization_couplings": (0.46, 0.5, 0.6),
            "magnetization_samples": 5_000,
            "dataset_L": 40,
            "dataset_K": 0.408,
            "dataset_samples": 20_000,
            "ring_N": 20,
            "ring_K": 1.0,
            "ring_samples": 20_000,
        },
    },
    "training": {
        "smoke": {
            "ring_N": 6,
            "ring_K": 0.6,
            "ring_samples": 2_000,
            "ring_epochs": 4,
            "cd_steps": (1, 5, 25),
            "lattice_L": 4,
            "lattice_couplings": (0.3, KC),
            "hidden_units": (4, 16),
            "lattice_samples": 1_000,
            "lattice_epochs": 3,
            "model_samples": 300,
            "gibbs_steps": 50,
            "l1_values": (0.0, 2e-4, 1e-2),
            "ais_betas": (100, 1_000),
        },
        "full": {
            "ring_N": 10,
            "ring_K": 0.6,
            "ring_samples": 20_000,
            "ring_epochs": 40,
            "cd_steps": (1, 2, 5, 10, 25, 100),
            "lattice_L": 8,
            "lattice_couplings": (0.3, KC, 0.6),
            "hidden_units": (4, 16, 64),
            "lattice_samples": 10_000,
            "lattice_epochs": 40,
            "model_samples": 2_000,
            "gibbs_steps": 500,
            "l1_values": (0.0, 2e-4, 1e-2),
            "ais_betas": (1_000, 10_000),
        },
    },
    "decimation": {
        "smoke": {
            "N": 8,
            "K": 0.6,
            "flow_steps": 6,
            "kappas": (0.5, 2.0, 8.0),
            "ring_samples": 2_000,
            "epochs": 5,
            "alphas": (0.0, 0.5, 1.0),
            "strengths": (0.25, 1.0, 4.0, 64.0),
        },
        "full": {
            "N": 12,
            "K": 0.6,
            "flow_steps": 8,
            "kappas": (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0),
            "ring_samples": 20_000,
            "epochs": 60,
            "alphas": (0.0, 0.25, 0.5, 0.75, 1.0),
            "strengths": (0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 16.0, 32.0, 64.0),
        },
    },
    "mehta_schwab": {
        "smoke": {
            "L": 16,
            "K": 0.408,
            "n_samples": 600,
            "layers": (256, 64, 16, 4),
            "blocks": (2, 4, 8),
            "epochs": 2,
            "short_epochs": 2,
            "spin_epochs": 2,
            "n_seeds": 3,
            "n_measure": 300,
        },
        "full": {
            "L": 40,
            "K": 0.408,
            "n_samples": 20_000,
            "layers": (1600, 400, 100, 25),
            "blocks": (2, 4, 8),
            "epochs": 200,
            "short_epochs": 20,
            "spin_epochs": 200,
            "n_seeds": 3,
            "n_measure": 2_000,
        },
    },
    "mapping": {
        "smoke": {"visible_sizes": (6, 7), "hidden_sizes": (3,), "trials_per_size": 2, "n_scales": 21},
        "full": {"visible_sizes": (6, 7, 8, 9, 10), "hidden_sizes": (3, 4, 5), "trials_per_size": 8, "n_scales": 61},
    },
    "rsmi": {
        "smoke": {
            "ring_couplings": (0.3, 1.0, 2.0),
            "ring_buffers": (0, 1),
            "ring_blocks": (2, 3),
            "sharpness": (1.0, 4.0),
            "fit_block": 3,
            "fit_buffer": 1,
            "n_starts": 2,
            "torus_couplings": (0.3, KC),
            "torus_draws": 4_000,
            "map_sharpness": 2.0,
            "map_buffer": 1,
            "map_stride": 4,
            "map_replicas": 2,
            "lattice_couplings": (KC,),
            "lattice_buffers": (1,),
            "lattice_samples": 200,
        },
        "full": {
            "ring_couplings": (0.3, 0.6, 1.0, 2.0),
            "ring_buffers": (0, 1, 2),
            "ring_blocks": (2, 3),
            "sharpness": (1.0, 4.0),
            "fit_block": 3,
            "fit_buffer": 1,
            "n_starts": 8,
            "torus_couplings": (0.3, KC, 0.6),
            "torus_draws": 40_000,
            "map_sharpness": 2.0,
            "map_buffer": 1,
            "map_stride": 4,
            "map_replicas": 3,
            "lattice_couplings": (0.40, KC, 0.48),
            "lattice_buffers": (0, 1, 2),
            "lattice_samples": 2_000,
        },
    },
    "dbn_rg": {
        "smoke": {
            "L": 16,
            "layers": (256, 64, 16),
            "blocks": (2, 4),
            "couplings": (0.40, KC, 0.48),
            "n_train": 400,
            "n_measure": 256,
            "epochs": 2,
            "replicas": 2,
            "variants_everywhere": False,
            "n_blocks": 8,
            "ring_N": 8,
            "ring_hidden": (4, 2, 2),
            "ring_quarter_hidden": (2,),
            "ring_couplings": (0.8, 1.1, 1.5, 2.0),
            "ring_choice_couplings": (0.8,),
            "ring_quarter_couplings": (0.8, 1.1),
            "ring_samples": 500,
            "ring_epochs": 5,
            "ring_short_epochs": 1,
            "ring_seeds": 2,
            "iso_L": 6,
            "iso_sets": ISO_SETS,
            "iso_n_per_coupling": 32,
            "iso_hidden": (8, 36),
            "iso_epochs": 2,
            "iso_start_couplings": (0.3, KC, 0.6),
            "iso_n_start": 16,
            "iso_steps": 3,
            "iso_replicas": 1,
            "iso_n_quality": 8,
            "iso_ais_betas": 50,
        },
        "full": _DBN_RG_FULL,
        "long": {
            **_DBN_RG_FULL,
            "L": 64,
            "layers": (4096, 1024, 256, 64),
            "couplings": (0.38, 0.408, 0.42, 0.43, KC, 0.45, 0.46, 0.47, 0.50),
            "n_train": 20_000,
            "n_measure": 10_000,
            "epochs": 200,
            "replicas": 5,
            "variants_everywhere": True,
            "ring_seeds": 10,
            "iso_replicas": 5,
        },
    },
    "yardstick": {
        "smoke": {
            "ring_K": 1.5,
            "ring_steps": 3,
            "mk_offset": 0.02,
            "mk_steps": 5,
            "b2_sizes": (16, 32),
            "b2_samples": 512,
            "b3_sizes": (27,),
            "b3_samples": 512,
            "n_blocks": 16,
            "jackknife_blocks": (8, 16),
            "flow_L": 16,
            "flow_levels": 2,
            "flow_samples": 256,
            "flow_offsets": (-0.05, 0.0, 0.05),
            "fit_window": 0.06,
            "seed_L": 16,
            "seed_runs": 3,
            "seed_samples": 256,
        },
        "full": {
            "ring_K": 1.5,
            "ring_steps": 3,
            "mk_offset": 0.02,
            "mk_steps": 8,
            "b2_sizes": (16, 32, 64, 128),
            "b2_samples": 16_000,
            "b3_sizes": (27, 81, 162),
            "b3_samples": 8_000,
            "n_blocks": 32,
            "jackknife_blocks": (16, 32, 64, 128),
            "flow_L": 64,
            "flow_levels": 3,
            "flow_samples": 2_000,
            "flow_offsets": (-0.08, -0.05, -0.03, -0.015, 0.0, 0.015, 0.03, 0.05, 0.08),
            "fit_window": 0.031,
            "seed_L": 32,
            "seed_runs": 24,
            "seed_samples": 1_000,
        },
    },
}


def default_profile() -> str:
    """The profile named by ``RGBOOK_PROFILE``, or ``"full"`` when it is unset."""
    return check_profile(os.environ.get(ENV_VAR, "full"))


def check_profile(profile: object) -> str:
    """Return ``profile`` if it is a known profile name, else raise."""
    if not isinstance(profile, str):
        raise TypeError(f"profile must be a string; got {type(profile).__name__}")
    if profile not in PROFILE_NAMES:
        raise ValueError(f"profile must be one of {PROFILE_NAMES}; got {profile!r}")
    return profile


def settings(chapter: str, profile: str) -> MappingProxyType:
    """The sizes a chapter runs at under a profile (a read-only mapping).

    Parameters
    ----------
    chapter : str
        The chapter's key, e.g. ``"mapping"``.
    profile : {"smoke", "full", "long"}
        ``"long"`` (larger lattices, more seeds; run through :mod:`rgkit.sweep`, not in the
        book build) falls back to ``"full"`` for a chapter without a long setting.

    Raises
    ------
    ValueError
        For an unknown chapter or profile.
    """
    if chapter not in _SETTINGS:
        raise ValueError(f"chapter must be one of {sorted(_SETTINGS)}; got {chapter!r}")
    profile = check_profile(profile)
    if profile == "long" and "long" not in _SETTINGS[chapter]:
        profile = "full"  # the long profile enlarges only the chapters that name it
    return MappingProxyType(dict(_SETTINGS[chapter][profile]))


def _shown(value: object) -> str:
    # A float to six significant digits (K_c's 16 digits do not fit a phone's column);
    # containers element by element; everything else as Python prints it.
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (tuple, list)):
        inner = ", ".join(_shown(v) for v in value)
        return f"({inner}{',' if len(value) == 1 else ''})" if isinstance(value, tuple) else f"[{inner}]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_shown(v)}" for k, v in value.items()) + "}"
    return str(value)


def settings_table(chapter: str, profile: str) -> str:
    """The settings as a Markdown table, for display under a chapter's parameters cell.

    Floats are shown to six significant digits; the chapter reads the exact values.
    """
    rows = [f"| `{key}` | {_shown(value)} |" for key, value in settings(chapter, profile).items()]
    return "\n".join([f"| setting (profile `{profile}`) | value |", "|---|---|", *rows])
