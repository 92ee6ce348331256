"""The autograded notebook: the submission's cells, our verdicts in its test cells.

Both batch paths build it the same way: ``grader autograde`` writes it to
``autograded/<student>/...`` itself, and ``nbgrader autograde`` passes it
through nbgrader's own steps (which read the test cells' outputs as scores).
Its metadata also keeps the fingerprints of the submission's wrong results
(:data:`BEHAVIOUR_KEY`), which ``grader similarity`` compares across the class
without running anything again.
"""

import html
import json
import os

from ...checks.verdicts import function_report
from ...client import UNGRADABLE_RU
from ..base.layout import autograded_notebook
from ..records.regrading import METADATA_KEY, graded_from
from .markup import lab_markdown, safe_nbgrader, safe_source

UNGRADABLE_NOTE = "**{}:** ".format(UNGRADABLE_RU)
REFUSED_KEY = "grader_refused"  # the autograded notebook's metadata: what the seal refused the submission
BEHAVIOUR_KEY = "grader_behaviour"  # the autograded notebook's metadata: fingerprints of wrong results


def carrier_notebook(notebook, lab_markdown=frozenset()):
    """A valid nbformat-4 notebook, as plain data, of a read :class:`~grader.submission.reading.Notebook`.

    Only cell types, sources and nbgrader metadata survive reading, so the
    result is well-formed whatever the student's file held -- built as plain
    data, since validating every cell with nbformat's schema would cost more
    than grading it (``tests/test_fuzz.py`` validates them all), and since
    ``grader autograde`` writes it as JSON without importing nbformat (nbgrader's
    steps get it as a NotebookNode: ``nbformat.from_dict``). Markup that
    formgrader would render unescaped is cleaned (:mod:`.markup`); markdown
    cells in ``lab_markdown`` are the lab's own and stay as they are.
    """
    cells = []
    for index, cell in enumerate(notebook.cells):
        nbgrader = safe_nbgrader(cell.nbgrader)
        made = {"cell_type": cell.cell_type, "id": "c{}".format(index),
                "source": safe_source(cell.cell_type, cell.source, lab_markdown),
                "metadata": {"nbgrader": dict(nbgrader)} if nbgrader else {}}
        if cell.cell_type == "code":
            made.update(outputs=[], execution_count=None)
        cells.append(made)
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}


def fill_verdicts(nb, result):
    """Write ``result`` into ``nb``'s test cells: the verdict as stdout, the score as the cell's value.

    nbgrader reads the value as the cell's partial credit. An ungradable
    submission gets a note on top saying why. ``nb`` is a notebook as plain
    data or a NotebookNode; what is added is plain data.
    """
    by_test = {"test_" + f.name: f for f in result.functions}
    for cell in nb["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if cell["cell_type"] == "code" and grade_id in by_test:
            function = by_test.pop(grade_id)
            cell["outputs"] = _outputs(function_report(function) + "\n", function.score)
        elif cell["cell_type"] == "code" and grade_id and grade_id.startswith("test_") and result.error:
            cell["outputs"] = _outputs(UNGRADABLE_NOTE + result.error + "\n", 0.0)
    if result.error:
        nb["cells"].insert(0, {"cell_type": "markdown", "id": "grader-error", "metadata": {},
                               "source": UNGRADABLE_NOTE + html.escape(result.error)})
    nb["metadata"][REFUSED_KEY] = list(result.all_refused())
    nb["metadata"][BEHAVIOUR_KEY] = behaviour_record(result)
    return nb


def behaviour_record(result):
    """{function: {"wrong": ["<case index>:<fingerprint>", ...], "verdict": text}} of a graded submission.

    Every function graded is listed (one that passed with no wrong results):
    hashes of wrong results and the verdict the student saw -- never an
    output, so nothing hidden is kept.
    """
    record = {}
    for function in result.functions:
        wrong = ["{}:{}".format(i, case.output) for i, case in enumerate(function.cases) if case.output]
        record[function.name] = {"wrong": wrong, "verdict": function.message if wrong else ""}
    return {"functions": record}


def stored_behaviour(course, submission, sha256):
    """The :func:`behaviour_record` kept for ``submission`` whose file's sha256 is ``sha256``, or None.

    None when the student was not graded, or was graded from another file
    than the one now submitted (the regrading rule's record decides).
    """
    from ...submission.reading import Unreadable, read_bytes

    target = autograded_notebook(course, submission.student)
    try:
        metadata = _metadata(read_bytes(target, os.path.realpath(target.parent)).decode("utf-8"))
    except (Unreadable, ValueError, AttributeError):
        return None
    if not isinstance(metadata, dict) or metadata.get(METADATA_KEY) != graded_from(submission, sha256):
        return None
    record = metadata.get(BEHAVIOUR_KEY)
    return record if isinstance(record, dict) and isinstance(record.get("functions"), dict) else None


def _outputs(text, score):
    return [{"output_type": "stream", "name": "stdout", "text": text},
            {"output_type": "execute_result", "execution_count": None, "metadata": {},
             "data": {"text/plain": repr(float(score))}}]


def write_autograded(course, submission, notebook, result):
    """``autograded/<student>/...`` of ``grader autograde``, written atomically.

    ``notebook``: the submission as read, or None when it could not be read.
    """
    os.replace(*prepare_autograded(course, submission, notebook, result))


def prepare_autograded(course, submission, notebook, result):
    """Write the autograded notebook beside its place; (written file, place): ``os.replace`` puts it there.

    A batch writes its notebooks before its transaction and moves them in
    place after the commit: a rename each, so a run killed in between leaves
    next to nothing recorded without its notebook (see :mod:`..records.regrading`).
    """
    from ...submission.reading import Notebook

    target = autograded_notebook(course, submission.student)
    target.parent.mkdir(parents=True, exist_ok=True)
    nb = fill_verdicts(carrier_notebook(notebook or Notebook((), ""), lab_markdown(course)), result)
    nb["metadata"][METADATA_KEY] = graded_from(submission, result.sha256)
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps(nb, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return tmp, target


_TOP_METADATA = '\n "metadata": '  # both paths write with indent=1: a raw newline never occurs inside a string


def _metadata(text):
    """The notebook's own metadata, without decoding its cells when the file is laid out as written."""
    start = text.find(_TOP_METADATA)
    if start >= 0:
        try:
            return json.JSONDecoder().raw_decode(text, start + len(_TOP_METADATA))[0]
        except ValueError:
            pass
    return json.loads(text).get("metadata", {})
