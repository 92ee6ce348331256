"""Wrong results the grading run did not store: graded again, in the sealed engine only.

A student graded from the file now submitted has their wrong results'
fingerprints in their autograded notebook. Anyone else -- not graded yet,
resubmitted since, or a known source -- is graded here exactly as grading
does it (:func:`grader.course.steps.batch.grading_workers`: a zygote per process or
per Dask worker, student code sealed), and nothing is recorded in the
gradebook. A known source is graded from its definitions only
(:func:`~.fingerprints.definition_source`), so the rest of a file never runs.
"""

import dataclasses
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..course.steps.autograded import behaviour_record
from ..course.steps.batch import grading_workers
from .documents import STUDENT
from .work import with_wrong


@dataclass(frozen=True)
class _ToGrade:
    """What the grading workers read: a notebook and the folder it must be in."""

    index: int
    notebook: Path
    inside: Path


def rerun(printed, todo, wanted, course, limits, workers=2, scheduler=None, progress=None):
    """``printed`` with the behaviour of the documents ``todo`` (indices) filled in, where grading could tell."""
    out = list(printed)
    with tempfile.TemporaryDirectory(prefix="grader-similarity-") as scratch:
        items = [_item(i, printed[i], wanted[i], Path(scratch)) for i in todo]
        with grading_workers(course, limits, workers, scheduler) as graders:
            for item, result, _ in graders.grade(items):
                if item is None:
                    continue
                if result is not None and not result.error:
                    out[item.index] = dataclasses.replace(out[item.index], **_behaviour(result))
                if progress:
                    progress.advance(1, out[item.index].id)
    return out


def _item(index, printed, wanted, scratch):
    if printed.kind == STUDENT:
        return _ToGrade(index, Path(wanted.path), Path(wanted.inside))
    cells = [{"cell_type": "code", "id": "c{}".format(n), "metadata": {}, "outputs": [], "execution_count": None,
              "source": code} for n, code in enumerate(printed.runnable.values()) if code]
    folder = scratch / str(index)
    folder.mkdir()
    notebook = folder / "source.ipynb"
    notebook.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}),
                        encoding="utf-8")
    return _ToGrade(index, notebook, folder)


def _behaviour(result):
    record = behaviour_record(result)["functions"]
    behaviour = {name: r["wrong"] for name, r in record.items()}
    return {"behaviour": behaviour, "verdicts": {name: r["verdict"] for name, r in record.items()},
            "wrong": with_wrong(behaviour)}
