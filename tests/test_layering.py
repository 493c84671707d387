"""The package's layers point one way: each module may import only the rgkit modules listed here.

The table is the layout of ``rgkit/__init__.py`` written as a rule. A new module must be
added to it (the last test fails otherwise), which is the moment to decide its layer.
Imports inside functions count too.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "rgkit"

BOTTOM = {"_validate", "_progress", "_rng", "_io", "states"}
ISING = {"ising", "exact", "hamiltonian"}
SAMPLING = {"mc", "stats"}
LEARNING = {"rbm", "_train"}

#: module -> the rgkit modules it may import.
ALLOWED = {
    "_validate": set(),
    "_progress": set(),
    "_io": set(),
    "_numba_cache": set(),
    "_rng": {"_validate"},
    "states": {"_validate"},
    "ising": {"_validate", "states"},
    "exact": {"_validate", "states", "ising"},
    "hamiltonian": {"_validate", "states"},
    "stats": {"_validate"},
    "mc": BOTTOM | {"ising", "exact", "stats"},
    "rg": BOTTOM,
    "mcrg": BOTTOM | ISING | {"rg", "stats"},
    "_train": BOTTOM,
    "rbm": BOTTOM | {"_train"},
    "vrg": BOTTOM | {"hamiltonian", "rbm"},
    "compare": BOTTOM | ISING | {"rbm", "rg"},
    "data": BOTTOM | {"mc", "rbm", "rg", "mcrg"},
    "schematics": set(),
    "plot": BOTTOM | ISING | SAMPLING | {"rg", "mcrg", "rbm", "vrg", "compare"},
    "profiles": BOTTOM | {"exact"},
    "sweep": BOTTOM | {"data"},
    "learned": BOTTOM | ISING | {"compare", "data", "iterated", "mcrg", "rbm", "rg", "rsmi", "stats", "sweep"},
    "rsmi": BOTTOM | ISING | {"stats"},
    "iterated": BOTTOM | ISING | SAMPLING | {"rbm", "stats"},
    "__init__": {p.stem for p in PACKAGE.glob("*.py")} - {"__init__"},
}


def rgkit_imports(module: str, root: Path = PACKAGE) -> set[str]:
    tree = ast.parse((root / f"{module}.py").read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level == 0 and not (base == "rgkit" or base.startswith("rgkit.")):
                continue
            base = base.removeprefix("rgkit").lstrip(".")
            if base:
                found.add(base.split(".")[0])
            else:
                found.update(alias.name for alias in node.names if alias.name != "__version__")
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("rgkit."))
    return found


@pytest.mark.parametrize("module", sorted(ALLOWED))
def test_module_imports_only_from_its_allowed_layers(module):
    forbidden = rgkit_imports(module) - ALLOWED[module]
    assert not forbidden, f"rgkit.{module} must not import {sorted(forbidden)} (see tests/test_layering.py)"


def test_learning_code_knows_nothing_of_ising_sampling_the_cache_or_rg():
    for module in LEARNING:
        assert not rgkit_imports(module) & (ISING | SAMPLING | {"data", "rg", "compare", "vrg"})


def test_ising_model_and_exact_results_import_no_sampling_or_learning():
    for module in ISING:
        assert not rgkit_imports(module) & (SAMPLING | LEARNING | {"data", "rg", "compare", "vrg"})


def test_sampling_imports_no_learning_and_plotting_no_cache():
    for module in SAMPLING:
        assert not rgkit_imports(module) & (LEARNING | {"vrg", "compare", "data"})
    assert "data" not in rgkit_imports("plot")


def test_the_checker_sees_relative_absolute_and_function_level_imports(tmp_path):
    source = "import numpy\nfrom . import a\nfrom .b import x\nimport rgkit.c\n\ndef f():\n    from rgkit.d import y\n"
    (tmp_path / "probe.py").write_text(source)
    assert rgkit_imports("probe", tmp_path) == {"a", "b", "c", "d"}


def test_every_module_has_a_declared_layer():
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    assert modules == set(ALLOWED), f"declare the layer of {sorted(modules ^ set(ALLOWED))} in ALLOWED"
