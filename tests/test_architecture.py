"""The wings of ``grader/``: the layout, docs/architecture.md's table and the import contract agree."""

import importlib
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from course import REPO

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
CONFIG = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]


def lint_imports(root):
    """Run import-linter on the package as it is in ``root``; return the completed process."""
    env = dict(os.environ, PYTHONPATH=str(root))
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=root, env=env, capture_output=True,
                          text=True, timeout=300)


def layers():
    """The wings, top to bottom."""
    return next(c["layers"] for c in CONFIG["contracts"] if c["type"] == "layers" and "containers" not in c)


def course_roles():
    """The course's role subpackages, top to bottom."""
    contract = next(c for c in CONFIG["contracts"] if c.get("containers") == ["grader.course"])
    return ["grader.course." + name for name in contract["layers"]]


def wings():
    """Subpackages of grader/, and its two wings that are single modules (the CLI, the client)."""
    found = {p.parent.name for p in (REPO / "grader").glob("*/__init__.py")}
    return {"grader." + name for name in found} | {"grader.cli", "grader.client"}


def test_the_import_contract_holds():
    proc = lint_imports(REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout


def test_every_wing_is_a_layer_and_says_what_it_is_for():
    assert set(layers()) == wings()
    for wing in wings():
        doc = importlib.import_module(wing).__doc__
        assert doc and len(doc.split()) > 15, wing


def test_every_module_of_the_course_is_in_a_role_that_says_what_it_is_for():
    course = REPO / "grader" / "course"
    assert sorted(p.name for p in course.glob("*.py")) == ["__init__.py"]  # no module outside the roles
    found = {"grader.course." + p.parent.name for p in course.glob("*/__init__.py")}
    assert found == set(course_roles())
    for role in course_roles():
        doc = importlib.import_module(role).__doc__
        assert doc and len(doc.split()) > 15, role


def test_the_architecture_table_lists_the_wings_in_layer_order():
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    listed = re.findall(r"^\| `grader/(\w+)(?:/|\.py)` \|", text, re.M)
    assert ["grader." + name for name in listed] == layers()


# Each line breaks one rule of the contract; the contract must catch it.
VIOLATIONS = {
    "a lower wing imports a higher one": ("grader/checks/compare.py", "import grader.course.pages.export\n"),
    "the sealed child imports the checks": ("grader/sandbox/child.py", "import grader.checks.reference\n"),
    "plain data imports the reference": ("grader/plain/codec.py", "import reference_solution\n"),
    "the course imports the reference": ("grader/course/pages/export.py", "import reference_solution\n"),
    "what a course is imports its records": ("grader/course/base/layout.py", "import grader.course.records.tables\n"),
    "the records import a step": ("grader/course/records/gradebook.py", "from ..steps import batch\n"),
    "a step imports a page": ("grader/course/steps/batch.py", "import grader.course.pages.export\n"),
    "two modules of a role import each other": ("grader/course/records/tables.py", "from . import gradebook\n"),
}


@pytest.mark.parametrize("rule", sorted(VIOLATIONS))
def test_breaking_a_rule_fails_the_contract(tmp_path, rule):
    for name in ("grader", "reference_solution"):
        shutil.copytree(REPO / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    assert lint_imports(tmp_path).returncode == 0  # the copy itself is clean
    module, line = VIOLATIONS[rule]
    with open(tmp_path / module, "a", encoding="utf-8") as source:
        source.write(line)
    proc = lint_imports(tmp_path)
    assert proc.returncode != 0 and "BROKEN" in proc.stdout, proc.stdout


def test_every_wing_is_installed():
    packages = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"]
    found = {"grader"} | {".".join(p.parent.relative_to(REPO).parts) for p in (REPO / "grader").rglob("__init__.py")}
    assert found <= set(packages)


def test_every_template_folder_is_installed():
    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-data"]
    folders = [f for f in (REPO / "grader").rglob("templates") if f.is_dir()]
    assert folders
    for folder in folders:
        assert "templates/*.j2" in data.get(".".join(folder.parent.relative_to(REPO).parts), []), folder
