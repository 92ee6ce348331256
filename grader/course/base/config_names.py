"""grader's own names in a course's ``nbgrader_config.py``, checked before it is run.

A course's config names this package's classes (the sealed autograde steps,
the safe exchange) and imports its modules. One written for an earlier layout
of the package names classes that no longer exist, and its ``try: from grader
... except ImportError`` fallbacks then take the path meant for a machine
without grader: ``grader_settings.json`` read without the trust check, no
warning about an open folder. Such a course is refused, naming the stale names
and the fix, before any of it runs. The check reads source only: no module of
grader is imported for it (a command that never needs nbgrader never pays for
importing it).
"""

import ast
import functools
import importlib.util
import re

DOTTED = re.compile(r"grader(\.[A-Za-z_]\w*)+")


class StaleCourseConfig(Exception):
    """The course's ``nbgrader_config.py`` names parts of grader this version does not have."""


def check_config(config_file):
    """Raise :class:`StaleCourseConfig` when ``config_file`` names grader modules or classes that do not exist."""
    try:
        names = grader_names(config_file.read_text(encoding="utf-8"))
    except (SyntaxError, ValueError, UnicodeDecodeError):
        return  # nbgrader's own loader says what is wrong with it
    stale = [name for name in names if not exists(name)]
    if stale:
        raise StaleCourseConfig(
            "{} names parts of grader this version does not have: {}. It was written for an earlier version "
            "of grader, and run as it is it would skip grader's checks; copy nbgrader_config.py from this "
            "version of grader into the course (then add back your own settings)".format(
                config_file, ", ".join(stale)))


def grader_names(source):
    """The dotted names under ``grader.`` that ``source`` names: in strings and in import statements, in order."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and DOTTED.fullmatch(node.value):
            found.append(node.value)
        elif isinstance(node, ast.ImportFrom) and not node.level and _ours(node.module or ""):
            found.extend(node.module + "." + alias.name for alias in node.names if alias.name != "*")
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names if _ours(alias.name))
    return list(dict.fromkeys(found))


def _ours(module):
    return module == "grader" or module.startswith("grader.")


def exists(name):
    """Whether ``name`` is a module of grader, or a name defined at the top of one.

    Packages are looked into (their ``__init__`` runs, as importing any module would); a module that is no
    package is only read: a name after it must be bound at its top."""
    parts = name.split(".")
    for depth in range(1, len(parts) + 1):
        spec = _spec(".".join(parts[:depth]))
        if spec is None:
            return False
        if spec.submodule_search_locations is None:  # a module: what follows is one name defined in it
            rest = parts[depth:]
            return not rest or (len(rest) == 1 and rest[0] in _top_level_names(spec.origin or ""))
    return True


@functools.lru_cache(maxsize=None)
def _spec(module):
    """The import spec of ``module`` (its parent packages imported), or None when there is no such module."""
    try:
        return importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None


@functools.lru_cache(maxsize=None)
def _top_level_names(path):
    """The names a module's source binds at its top: classes, functions, assignments, imports."""
    if not path or not path.endswith(".py"):
        return frozenset()
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    return frozenset(names)
