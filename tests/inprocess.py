"""Grade answer cells in this process with the checks every path uses (the suite's fast path)."""

import contextlib
import io
import sys
from pathlib import Path

from course import REPO, ASSIGNMENT

from grader.checks.inprocess import check_function
from grader.checks.graded_functions import NAMES
from grader.course.base.lab_context import lab_context, lab_folder

sys.path.insert(0, str(REPO / "source" / ASSIGNMENT))  # the shipped helper modules, as a student has them


def namespace_of(sources):
    """Run the answer cells like a notebook would: after the lab's own imports, in one namespace."""
    ns = {"__name__": "__main__"}
    for lab_import in lab_context(lab_folder(REPO)).imports:
        exec(lab_import.statement, ns)
    with contextlib.redirect_stdout(io.StringIO()):
        for name in NAMES:
            if name in sources:
                exec(compile(sources[name], "<cell {}>".format(name), "exec"), ns)
    return ns


def scores_of(sources):
    """{function: score} for a submission given as {function: answer cell source}."""
    ns = namespace_of(sources)
    return {name: check_function(name, ns.get(name)).score if callable(ns.get(name)) else 0.0
            for name in NAMES}


def floor_scores(course):
    """{student: {grade cell: score}} of ``course``'s submitted class, graded here: the floor of the benchmark.

    Each submission's answer cells run after the lab's imports, in one
    namespace, then every check -- no sandbox, no gradebook.
    """
    from grader.submission.answers import answer_cells
    from grader.submission.reading import read_notebook

    imports = [lab_import.statement for lab_import in lab_context(lab_folder(REPO)).imports]
    scores = {}
    for path in sorted(Path(course).glob("submitted/*/{0}/{0}.ipynb".format(ASSIGNMENT))):
        ns = {"__name__": "__main__"}
        for statement in imports:
            exec(statement, ns)
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            for source in answer_cells(read_notebook(path).cells).sources:
                try:
                    exec(compile(source, "<answer cell>", "exec"), ns)
                except Exception:  # noqa: BLE001 -- a cell that raises, as in the notebook
                    pass
        scores[path.parent.parent.name] = {
            "test_" + name: check_function(name, ns.get(name)).score if callable(ns.get(name)) else 0.0
            for name in NAMES}
    return scores
