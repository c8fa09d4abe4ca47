"""The structure stays as drawn: `core` imports no other enplan app, the apps form layers, and
no import cycle runs between apps (or between the modules of one app).

The contracts live in pyproject.toml ([tool.importlinter]); this runs them and checks the
cycles once more with grimp, so that a failure names the chain to cut. The temporary
allow-list is the `ignore_imports` of the "acyclic-apps" contract: the cycles that other
branches are removing. An entry whose import no longer exists fails here too, so it is
deleted once that branch has merged.
"""

import itertools
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"


def _contract(contract_id: str) -> dict:
    config = tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]
    return next(c for c in config["contracts"] if c["id"] == contract_id)


def _allowed_imports() -> list[tuple[str, str]]:
    return [
        tuple(part.strip() for part in entry.split("->"))
        for entry in _contract("acyclic-apps").get("ignore_imports", [])
    ]


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    sys.path.insert(0, str(ROOT / "src"))  # this tree's code, not an installed copy
    try:
        return grimp.build_graph("enplan", cache_dir=None)
    finally:
        sys.path.remove(str(ROOT / "src"))


def test_import_linter_contracts_are_kept():
    """core is the ground floor, the layers hold, no cycles: as `lint-imports` reports it."""
    result = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [
            sys.executable,
            "-c",
            "from importlinter.cli import lint_imports_command; lint_imports_command()",
            "--config",
            str(PYPROJECT),
            "--no-cache",
        ],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_temporary_allow_list_is_still_needed(graph):
    stale = [
        f"{importer} -> {imported}"
        for importer, imported in _allowed_imports()
        if not graph.direct_import_exists(importer=importer, imported=imported)
    ]
    assert not stale, (
        "These imports are gone (the branch that removes them has merged): delete them from "
        f"every ignore_imports in pyproject.toml: {stale}"
    )


def test_no_import_cycle_between_apps(graph):
    for importer, imported in _allowed_imports():
        if graph.direct_import_exists(importer=importer, imported=imported):
            graph.remove_import(importer=importer, imported=imported)
    apps = sorted(graph.find_children("enplan"))
    cycles = []
    for a, b in itertools.combinations(apps, 2):
        there = graph.find_shortest_chain(importer=a, imported=b, as_packages=True)
        back = graph.find_shortest_chain(importer=b, imported=a, as_packages=True)
        if there and back:
            cycles.append(f"{' -> '.join(there)}\n  and back: {' -> '.join(back)}")
    assert not cycles, "Import cycles between apps (cut one import of each):\n" + "\n".join(cycles)


def test_core_imports_no_other_app(graph):
    upward = sorted(
        f"{importer} -> {imported}"
        for importer in graph.find_descendants("enplan.core")
        for imported in graph.find_modules_directly_imported_by(importer)
        if imported.startswith("enplan.")
        and not imported.startswith("enplan.core")
        and (importer, imported) not in _allowed_imports()
    )
    assert not upward, f"core is the ground floor; it imports: {upward}"


def test_the_ground_floor_seams_are_filled():
    """Network installs the access rule and its labels into core; courses its labels."""
    from enplan.core import labels, scope
    from enplan.network.access import visible_citizen_ids

    assert scope._scope is visible_citizen_ids
    assert labels.choice_label("coordinator", "network_role") != "coordinator"
    assert labels.choice_label("unknown", "network_role") == "unknown"
    assert labels.choice_label("sygedagpenge", "target_group") == "Sygedagpenge"
    assert labels.choice_label(None, "target_group") == "–"
