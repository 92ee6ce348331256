"""The lab's public side, read from its release: what answer cells may use at their top level.

Read from the folder students get (``release/<assignment>/``, the same
helper files nbgrader copies over a student's own when it autogrades): the
source of every public module there (``dnn_utils.py``, ``testCases.py``) and
the import statements of the notebook's cells that are neither answers nor
tests. Both run as the grading user before any child is sealed (the modules in
the zygote, the imports in each child before it seals itself), so a course's
release is read only when it is the caller's or root's alone (:mod:`.trust`);
the release installed with this package (:func:`installed_lab`), as trusted as
the grader's own code, is read as it is.
"""

import ast
import re
from functools import lru_cache
from pathlib import Path

from ...plain.lab import LabContext, LabImport
from ...submission.reading import read_notebook
from .layout import ASSIGNMENT, NOTEBOOK
from .trust import trusted_files

_MAGIC = re.compile(r"^\s*[%!].*$", re.M)


class NoCourse(Exception):
    """No release of the lab was found."""


def lab_folder(course):
    """The course's release folder: the lab as students have it."""
    return Path(course) / "release" / ASSIGNMENT


def lab_context(folder):
    """The :class:`LabContext` of the lab released in ``folder``."""
    return _lab_context(str(Path(folder).resolve()))


@lru_cache(maxsize=8)
def _lab_context(folder):
    folder = Path(folder)
    if not (folder / NOTEBOOK).is_file():
        raise NoCourse("no {} in {}: run `nbgrader generate_assignment {}`".format(NOTEBOOK, folder, ASSIGNMENT))
    names = sorted(path.name for path in folder.glob("*.py"))
    if folder != _installed():
        trusted_files(folder, [NOTEBOOK] + names)  # UntrustedCourse: none of it runs
    modules = {Path(name).stem: (folder / name).read_text(encoding="utf-8") for name in names}
    imports = []
    for cell in read_notebook(folder / NOTEBOOK).cells:
        if cell.cell_type == "code" and not cell.nbgrader.get("solution") and not cell.nbgrader.get("grade"):
            imports.extend(_imports_of(_MAGIC.sub("", cell.source), modules))
    return LabContext(tuple(modules.items()), tuple(imports))


def _imports_of(source, modules):
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            names = {(alias.asname or alias.name.split(".")[0]) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = set()
            for alias in node.names:
                names |= _public_names(modules.get(node.module, "")) if alias.name == "*" \
                    else {alias.asname or alias.name}
        else:
            continue
        found.append(LabImport(ast.get_source_segment(source, node), frozenset(names)))
    return found


def _public_names(source):
    """Names ``from module import *`` binds: its ``__all__``, else its public top-level names."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__"
                                                for t in node.targets):
            return set(ast.literal_eval(node.value))
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name.split(".")[0]) for a in node.names if a.name != "*"}
    return {n for n in names if not n.startswith("_")}


def installed_lab():
    """The lab released with this package: what ``grader check`` grades against without ``--course``.

    Found beside the ``grader`` package (``release/`` of a source checkout), never
    through ``sys.path``: ``python -m`` puts the current folder first there, and a
    folder named like the lab in it must not stand in for the installed one.
    """
    folder = _installed()
    if folder is None:
        raise NoCourse("the lab installed with grader is missing: reinstall it, or pass --course DIR (a course "
                       "with release/{}/)".format(ASSIGNMENT))
    return folder


@lru_cache(maxsize=1)
def _installed():
    root = Path(__file__).resolve().parents[3]  # site-packages, or a source checkout
    for folder in (root / ASSIGNMENT, lab_folder(root)):
        if (folder / NOTEBOOK).is_file():
            return folder
    return None
