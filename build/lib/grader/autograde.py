"""``grader autograde``: a whole class through the sealed engine into nbgrader's gradebook.

Reading top to bottom: find submissions; skip the ones the gradebook already
holds complete grades for; grade the rest in parallel children of one zygote;
for each result, in this thread only, write the autograded notebook, then the
grades in one gradebook transaction. A batch killed halfway and run again
grades every student exactly once.
"""

import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from .course import ASSIGNMENT, autograded_notebook, db_url, submissions
from .engine import SubmissionResult, grade_notebook
from .functions import NAMES
from .report import function_report
from .sandbox import Zygote
from .submission import Unreadable, answer_cells, load_cells

NOTEBOOK_ID = ASSIGNMENT  # nbgrader's notebook id: the file name without .ipynb


def run(course, limits, workers=2, students=None, force=False, progress=None):
    """Grade the class; return {student: SubmissionResult} of the students graded now."""
    import warnings

    from nbgrader.api import Gradebook, MissingEntry

    # nbgrader's own gradebook code trips SQLAlchemy's autoflush warnings; they are not ours to show.
    warnings.filterwarnings("ignore", module="nbgrader")
    url = db_url(course)
    todo = submissions(course, students)
    with Gradebook(url) as gb:
        try:
            gb.find_assignment(ASSIGNMENT)
        except MissingEntry:
            raise SystemExit("error: the gradebook has no assignment {!r}: run `nbgrader "
                             "generate_assignment {}` first".format(ASSIGNMENT, ASSIGNMENT)) from None
        if not force:
            todo = [s for s in todo if not _complete(gb, s.student)]
        progress = progress or Progress(len(todo))
        release = _release_answers(course)
        late = LatePenalties(course, url)
        done = {}
        with Zygote() as zygote, ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            futures = {pool.submit(grade_notebook, s.notebook, zygote, limits): s for s in todo}
            for future in as_completed(futures):
                submission = futures[future]
                result = future.result()
                write_autograded(course, submission, result)
                record(gb, submission, result, _unanswered(submission, release))
                late.apply(submission.student)
                done[submission.student] = result
                progress.step(submission.student, result)
        progress.finish()
    return done


def _complete(gb, student):
    from nbgrader.api import MissingEntry

    try:
        notebook = gb.find_submission_notebook(NOTEBOOK_ID, ASSIGNMENT, student)
    except MissingEntry:
        return False
    return all(g.auto_score is not None for g in notebook.grades)


def record(gb, submission, result, unanswered=()):
    """Write one student's grades and messages as a single gradebook transaction.

    Every answer cell gets the function's Russian verdict as its comment, marked
    "Нет ответа" when the student left the release's stub untouched.
    """
    gb.update_or_create_student(submission.student)
    kwargs = {"timestamp": submission.timestamp} if submission.timestamp else {}
    gb.update_or_create_submission(ASSIGNMENT, submission.student, **kwargs)
    by_name = {f.name: f for f in result.functions}
    for name in NAMES:
        grade = gb.find_grade("test_" + name, NOTEBOOK_ID, ASSIGNMENT, submission.student)
        grade.auto_score = by_name[name].score if name in by_name else 0.0
        grade.needs_manual_grade = grade.manual_score is not None
        comment = gb.find_comment(name, NOTEBOOK_ID, ASSIGNMENT, submission.student)
        comment.auto_comment = (function_report(by_name[name]) if name in by_name
                                else "Ноутбук не удалось проверить: " + result.error)
        if name in unanswered and name in by_name:
            comment.auto_comment = "Нет ответа: ячейка не изменена.\n" + comment.auto_comment
    gb.db.commit()


def _normalized(source):
    return [line.strip() for line in source.splitlines() if line.strip()]


def _release_answers(course):
    path = Path(course) / "release" / ASSIGNMENT / (ASSIGNMENT + ".ipynb")
    try:
        return {n: _normalized(s) for n, s in answer_cells(load_cells(path)).by_function.items()}
    except Unreadable:
        return {}


def _unanswered(submission, release):
    """Functions whose answer cell is still the release's stub."""
    try:
        mine = answer_cells(load_cells(submission.notebook)).by_function
    except Unreadable:
        return set()
    return {n for n in NAMES if n in release and (n not in mine or _normalized(mine[n]) == release[n])}


class LatePenalties:
    """nbgrader's own late-penalty step (AssignLatePenalties), with the course's settings."""

    def __init__(self, course, url):
        from nbgrader.preprocessors import AssignLatePenalties
        from traitlets.config.loader import PyFileConfigLoader

        config_file = Path(course) / "nbgrader_config.py"
        config = PyFileConfigLoader(config_file.name, path=str(config_file.parent)).load_config() \
            if config_file.exists() else None
        self._step = AssignLatePenalties(config=config)
        self._url = url

    def apply(self, student):
        from nbformat.v4 import new_notebook

        resources = {"nbgrader": {"notebook": NOTEBOOK_ID, "assignment": ASSIGNMENT, "student": student,
                                  "db_url": self._url}}
        self._step.preprocess(new_notebook(), resources)


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


class Progress:
    """A one-line progress bar on a terminal, a line per tenth elsewhere."""

    def __init__(self, total, stream=sys.stderr):
        self.total, self.count, self.stream = total, 0, stream
        self.started = time.monotonic()
        self.tty = stream.isatty()

    def step(self, student, result):
        self.count += 1
        elapsed = time.monotonic() - self.started
        line = "[{:>{w}}/{}] {:3.0f}%  {:.1f} s  {}: {}".format(
            self.count, self.total, 100 * self.count / max(self.total, 1), elapsed, student,
            "ошибка" if result.error else "{:g}".format(result.score), w=len(str(self.total)))
        if self.tty:
            bar = "#" * int(30 * self.count / max(self.total, 1))
            self.stream.write("\r{:<30} {}\033[K".format(bar, line))
        elif self.count == self.total or self.count % max(1, self.total // 10) == 0:
            self.stream.write(line + "\n")
        self.stream.flush()

    def finish(self):
        if self.tty and self.count:
            self.stream.write("\n")
        self.stream.write("graded {} submission(s) in {:.1f} s\n".format(
            self.count, time.monotonic() - self.started))
