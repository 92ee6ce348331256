"""The autograded notebook: the submission's cells, our verdicts in its test cells.

Both batch paths build it the same way: ``grader autograde`` writes it to
``autograded/<student>/...`` itself, and ``nbgrader autograde`` passes it
through nbgrader's own steps (which read the test cells' outputs as scores).
"""

import os

from ..checks.verdicts import function_report
from .layout import autograded_notebook
from .regrading import METADATA_KEY, graded_from

UNGRADABLE_NOTE = "**Ноутбук не удалось проверить:** "


def carrier_notebook(notebook):
    """A valid nbformat-4 notebook of a read :class:`~grader.submission.reading.Notebook`'s cells.

    Only cell types, sources and nbgrader metadata survive reading, so the
    result is well-formed whatever the student's file held.
    """
    from nbformat import v4

    make = {"code": v4.new_code_cell, "markdown": v4.new_markdown_cell, "raw": v4.new_raw_cell}
    cells = [make[cell.cell_type](cell.source, metadata={"nbgrader": dict(cell.nbgrader)} if cell.nbgrader else {})
             for cell in notebook.cells]
    return v4.new_notebook(cells=cells)


def fill_verdicts(nb, result):
    """Write ``result`` into ``nb``'s test cells: the verdict as stdout, the score as the cell's value.

    nbgrader reads the value as the cell's partial credit. An ungradable
    submission gets a note on top saying why.
    """
    from nbformat import v4

    by_test = {"test_" + f.name: f for f in result.functions}
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.cell_type == "code" and grade_id in by_test:
            cell.outputs = verdict_outputs(by_test.pop(grade_id))
        elif cell.cell_type == "code" and grade_id and grade_id.startswith("test_") and result.error:
            cell.outputs = [v4.new_output("stream", name="stdout", text=UNGRADABLE_NOTE + result.error + "\n"),
                            v4.new_output("execute_result", data={"text/plain": "0.0"})]
    if result.error:
        nb.cells.insert(0, v4.new_markdown_cell(UNGRADABLE_NOTE + result.error))
    return nb


def verdict_outputs(function_result):
    from nbformat import v4

    return [v4.new_output("stream", name="stdout", text=function_report(function_result) + "\n"),
            v4.new_output("execute_result", data={"text/plain": repr(float(function_result.score))})]


def write_autograded(course, submission, notebook, result):
    """``autograded/<student>/...`` of ``grader autograde``, written atomically.

    ``notebook``: the submission as read, or None when it could not be read.
    """
    import nbformat

    from ..submission.reading import Notebook

    target = autograded_notebook(course, submission.student)
    target.parent.mkdir(parents=True, exist_ok=True)
    nb = fill_verdicts(carrier_notebook(notebook or Notebook((), "")), result)
    nb.metadata[METADATA_KEY] = graded_from(submission, result.sha256)
    tmp = target.with_suffix(".tmp")
    nbformat.write(nb, str(tmp))
    os.replace(tmp, target)
