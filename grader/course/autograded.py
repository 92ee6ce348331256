"""``autograded/<student>/...``: the submission with our verdicts as its test cells' outputs."""

import json
import os

from ..checks.verdicts import function_report
from .layout import autograded_notebook


def write_autograded(course, submission, result):
    """autograded/<student>/...: the submission with our verdicts as the test cells' outputs."""
    target = autograded_notebook(course, submission.student)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        nb = json.loads(submission.notebook.read_text(encoding="utf-8"))
        cells = nb["cells"]
        assert isinstance(cells, list)
    except Exception:
        nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}
        cells = nb["cells"]
    by_name = {"test_" + f.name: f for f in result.functions}
    for cell in cells:
        grade_id = (cell.get("metadata") or {}).get("nbgrader", {}).get("grade_id") \
            if isinstance(cell, dict) and isinstance(cell.get("metadata"), dict) else None
        if grade_id in by_name and cell.get("cell_type") == "code":
            cell["outputs"] = _outputs(by_name.pop(grade_id))
    if result.error:
        cells.insert(0, {"cell_type": "markdown", "metadata": {}, "id": "grader-error",
                         "source": "**Ноутбук не удалось проверить:** " + result.error})
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps(nb, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, target)


def _outputs(function_result):
    return [{"output_type": "stream", "name": "stdout", "text": function_report(function_result) + "\n"},
            {"output_type": "execute_result", "execution_count": None, "metadata": {},
             "data": {"text/plain": repr(float(function_result.score))}}]
