"""``grader autograde``: a whole class through the sealed engine into nbgrader's gradebook.

Reading top to bottom: find submissions; skip the ones the gradebook already
holds complete grades for; grade the rest in parallel children of one zygote;
for each result, in this thread only, write the autograded notebook, then the
grades in one gradebook transaction. A batch killed halfway and run again
grades every student exactly once.
"""

import atexit
import json
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from .course import ASSIGNMENT, autograded_notebook, db_url, submissions
from .engine import grade_notebook
from .functions import NAMES
from .report import function_report
from .sandbox import Zygote
from .submission import Unreadable, answer_cells, load_cells

NOTEBOOK_ID = ASSIGNMENT  # nbgrader's notebook id: the file name without .ipynb


def run(course, limits, workers=2, students=None, force=False, progress=None):
    """Grade the class; return {student: reason} of the students graded now that could not be graded.

    Memory stays flat as the class grows: a result is dropped as soon as it is written.
    """
    import warnings

    from nbgrader.api import Gradebook, MissingEntry

    # nbgrader's own gradebook code trips SQLAlchemy's autoflush warnings; they are not ours to show.
    warnings.filterwarnings("ignore", module="nbgrader")
    url = db_url(course)
    if os.geteuid() != 0:
        print("warning: not running as root, so student code runs without chroot and a user of its own; "
              "grade untrusted classes as root (e.g. in a container)", file=sys.stderr)
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
        context = multiprocessing.get_context("fork")  # no threads run here yet: forking is safe
        with ProcessPoolExecutor(max_workers=max(1, workers), mp_context=context,
                                 initializer=_start_grading_process) as pool:
            futures = {pool.submit(_grade, s.notebook, limits): s for s in todo}
            for future in as_completed(futures):
                submission = futures.pop(future)
                result = future.result()
                write_autograded(course, submission, result)
                record(gb, submission, result, _unanswered(submission, release))
                late.apply(gb, submission.student)
                if result.error:
                    done[submission.student] = result.error
                progress.step(submission.student, result)
        progress.finish()
    return done


# Each grading process (trusted, like this one) has its own zygote: student code
# still runs only in the zygote's sealed children. Processes rather than threads,
# so judging in parallel is not serialised by one interpreter lock.
_ZYGOTE = None


def _start_grading_process():
    global _ZYGOTE
    _ZYGOTE = Zygote()
    atexit.register(_ZYGOTE.close)


def _grade(notebook, limits):
    return grade_notebook(notebook, _ZYGOTE, limits)


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
    notebook = gb.find_submission_notebook(NOTEBOOK_ID, ASSIGNMENT, submission.student)
    grades, comments = _cells_of(gb, notebook)
    by_name = {f.name: f for f in result.functions}
    for name in NAMES:
        grade = grades["test_" + name]
        grade.auto_score = by_name[name].score if name in by_name else 0.0
        grade.needs_manual_grade = grade.manual_score is not None
        text = (function_report(by_name[name]) if name in by_name
                else "Ноутбук не удалось проверить: " + result.error)
        if name in unanswered and name in by_name:
            text = "Нет ответа: ячейка не изменена.\n" + text
        comments[name].auto_comment = text
    gb.db.commit()


def _cells_of(gb, notebook):
    """{cell name: Grade} and {cell name: Comment} of a submitted notebook, in two queries."""
    from nbgrader.api import Comment, Grade, GradeCell, SolutionCell

    grades = gb.db.query(GradeCell.name, Grade).join(Grade, Grade.cell_id == GradeCell.id) \
        .filter(Grade.notebook_id == notebook.id).all()
    comments = gb.db.query(SolutionCell.name, Comment).join(Comment, Comment.cell_id == SolutionCell.id) \
        .filter(Comment.notebook_id == notebook.id).all()
    return dict(grades), dict(comments)


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

    def apply(self, gb, student):
        """Set or clear the student's penalty (nbgrader's step runs only when there is one to set or clear)."""
        notebook = gb.find_submission_notebook(NOTEBOOK_ID, ASSIGNMENT, student)
        late = gb.find_submission(ASSIGNMENT, student).total_seconds_late or 0
        if late <= 0 and notebook.late_submission_penalty is None:
            return
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
