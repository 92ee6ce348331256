"""Grade answer cells in this process with the checks every path uses (the suite's fast path)."""

import contextlib
import io
import sys

from course import REPO, ASSIGNMENT

from grader.checks.inprocess import check_function
from grader.checks.graded_functions import NAMES
from grader.course.lab_context import lab_context, lab_folder

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
